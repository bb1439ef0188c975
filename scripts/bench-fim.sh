#!/usr/bin/env bash
# File-integrity baseline speed: `palisade fim baseline` of this machine's
# node profile plus its binaries and libraries (/usr/bin, /usr/sbin,
# /usr/lib/x86_64-linux-gnu: a node's kubelet, runtimes and their
# libraries are of this kind), against `sha256sum` of the same regular
# files, both from a warm page cache (hashing is what is compared; a cold
# cache measures the disk). Prints files, bytes, medians and MB/s.
#
#   scripts/bench-fim.sh
#   RUNS=10 scripts/bench-fim.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
RUNS=${RUNS:-5}
cargo build --release -q -p palisade
BIN=$PWD/target/release/palisade
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cat > "$WORK/profile.yaml" <<'YAML'
name: node-and-binaries
extends: node
include: [/usr/bin/**, /usr/sbin/**, /usr/lib/x86_64-linux-gnu/**]
YAML
ARGS=(--root / --profile "$WORK/profile.yaml" --audit-db "sqlite://$WORK/audit.db" --replace)
"$BIN" fim baseline --baseline "$WORK/warm.json" "${ARGS[@]}" 2>/dev/null
python3 - "$WORK/warm.json" "$WORK/files" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
hashed = [f for f in b["files"] if f["sha256"]]
open(sys.argv[2], "w").write("\0".join("/" + f["path"].lstrip("/") for f in hashed))
print(f"paths: {len(b['files'])}, hashed files: {len(hashed)}, bytes hashed: {sum(f['size'] for f in hashed)}")
PY
hyperfine --warmup 1 --runs "$RUNS" --export-json "$WORK/h.json" \
    -n "palisade fim baseline" "$BIN fim baseline --baseline $WORK/b.json ${ARGS[*]} 2>/dev/null" \
    -n "sha256sum (one process)" "xargs -0 sha256sum < $WORK/files > /dev/null" \
    -n "sha256sum (2 processes)" "xargs -0 -P 2 -n 64 sha256sum < $WORK/files > /dev/null" >/dev/null
python3 - "$WORK/h.json" "$WORK/warm.json" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["results"]
b = json.load(open(sys.argv[2]))
total = sum(f["size"] for f in b["files"] if f["sha256"])
for r in runs:
    print(f"{r['command']:26} median {r['median']:.3f} s ({len(r['times'])} runs)  {total / r['median'] / 1e6:7.0f} MB/s")
print(f"palisade vs sha256sum (one process): {runs[1]['median'] / runs[0]['median']:.2f}x")
PY
