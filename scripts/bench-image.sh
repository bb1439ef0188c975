#!/usr/bin/env bash
# Times a whole-binary scan of the same container image tarball (written by
# scripts/gen-image.py: thousands of real files in gzip layers, with planted
# findings) with palisade and with `trivy image --input` limited to what
# palisade checks in an image (misconfiguration and secrets; no vulnerability
# database), in one run; hyperfine medians and the ratio.
#
#   RUNS=10 TRIVY_RUNS=3 scripts/bench-image.sh
#
# Output: bench-out/image.md.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-10}" TRIVY_RUNS="${TRIVY_RUNS:-3}"
mkdir -p bench-out
image=bench-out/image.tar
python3 scripts/gen-image.py "$image" | tee bench-out/image-info.txt
cargo build -q --release -p palisade
hyperfine -N -i -w 2 -r "$RUNS" --export-json bench-out/hf-image.json \
  -n palisade "target/release/palisade scan --format json --output /dev/null --fail-on critical $image" >/dev/null
hyperfine -N -i -w 1 -r "$TRIVY_RUNS" --export-json bench-out/hf-image-trivy.json \
  -n trivy "trivy image --input $image --quiet --skip-db-update --skip-check-update --skip-version-check --disable-telemetry --offline-scan --cache-dir bench-out/trivy-cache --scanners misconfig,secret --image-config-scanners misconfig,secret --format json --output /dev/null" >/dev/null
python3 - <<'PY' | tee bench-out/image.md
import json, statistics
rows = []
for f in ("bench-out/hf-image.json", "bench-out/hf-image-trivy.json"):
    for r in json.load(open(f))["results"]:
        rows.append((r["command"], statistics.median(r["times"]), len(r["times"])))
base = rows[0][1]
info = open("bench-out/image-info.txt").read().strip()
print(f"# Image scan benchmark\n\n{info}\n")
print("| tool | runs | median s | vs palisade |")
print("|---|---:|---:|---:|")
for c, m, n in rows:
    print(f"| {c} | {n} | {m:.3f} | {m / base:.1f}x |")
PY
