#!/usr/bin/env bash
# Times a whole-binary scan of the same container image tarball (written by
# scripts/gen-image.py: thousands of real files in gzip layers, with planted
# findings) with palisade and with `trivy image --input` limited to what
# palisade checks in an image (misconfiguration and secrets; no vulnerability
# database), in one run; hyperfine medians and the ratios against Trivy with
# an empty cache (cold) and with its per-layer cache kept (warm).
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
# Palisade twice too: cold (its layer cache emptied before every run) and
# warm (the cache kept, so layers are hashed against their digests but not
# inflated).
PAL="target/release/palisade scan --format json --output /dev/null --fail-on critical --image-cache bench-out/palisade-cache"
hyperfine -N -i -w 2 -r "$RUNS" --export-json bench-out/hf-image.json \
  --prepare "rm -rf bench-out/palisade-cache" \
  -n "palisade cold" "$PAL $image" >/dev/null
$PAL "$image" >/dev/null 2>&1 || true
hyperfine -N -i -w 2 -r "$RUNS" --export-json bench-out/hf-image-warm.json \
  -n "palisade warm" "$PAL $image" >/dev/null
# Trivy twice: cold (an empty cache before every run, as a CI job without
# a kept cache) and warm (its per-layer cache filled once, then kept, as a
# CI runner that rescans the same base layers all day).
TRIVY_ARGS="image --input $image --quiet --skip-db-update --skip-check-update --skip-version-check --disable-telemetry --offline-scan --scanners misconfig,secret --image-config-scanners misconfig,secret --format json --output /dev/null"
hyperfine -N -i -r "$TRIVY_RUNS" --export-json bench-out/hf-image-trivy-cold.json \
  --prepare "rm -rf bench-out/trivy-cache-cold" \
  -n "trivy cold" "trivy $TRIVY_ARGS --cache-dir bench-out/trivy-cache-cold" >/dev/null
trivy $TRIVY_ARGS --cache-dir bench-out/trivy-cache-warm >/dev/null 2>&1 || true
hyperfine -N -i -w 1 -r "$RUNS" --export-json bench-out/hf-image-trivy-warm.json \
  -n "trivy warm" "trivy $TRIVY_ARGS --cache-dir bench-out/trivy-cache-warm" >/dev/null
python3 - <<'PY' | tee bench-out/image.md
import json, statistics
rows = []
for f in ("bench-out/hf-image.json", "bench-out/hf-image-warm.json", "bench-out/hf-image-trivy-cold.json", "bench-out/hf-image-trivy-warm.json"):
    for r in json.load(open(f))["results"]:
        rows.append((r["command"], statistics.median(r["times"]), len(r["times"])))
med = {c: m for c, m, n in rows}
info = open("bench-out/image-info.txt").read().strip()
print(f"# Image scan benchmark\n\n{info}\n")
print("| tool | runs | median s | vs palisade in the same state |")
print("|---|---:|---:|---:|")
for c, m, n in rows:
    state = c.split()[-1]
    print(f"| {c} | {n} | {m:.3f} | {m / med['palisade ' + state]:.1f}x |")
PY
