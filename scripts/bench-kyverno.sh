#!/usr/bin/env bash
# Kyverno policies against built-in controls, whole binary, same corpus, same
# run: the Pod Security Standards restricted profile as built-in controls
# (`--framework pss-restricted`), against Kyverno's own Pod Security policies
# (kyverno/policies `pod-security/baseline` and `pod-security/restricted`,
# classic validate rules with autogen) run as user policies
# (`--no-builtins --policy`), on the corpus of scripts/bench-scan.sh.
#
#   scripts/bench-kyverno.sh                 # 10k resources
#   CORPUS_SIZE=2000 RUNS=5 scripts/bench-kyverno.sh
#
# Needs the kyverno-policies corpus (../shared/conformance/kyverno-policies,
# or PALISADE_CONFORMANCE_DIR). Reports hyperfine medians and their ratio;
# per-object figures for one check are in `cargo bench -p palisade-policy
# --bench engine -- privileged`.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
OUT=bench-out
CORPUS=$OUT/corpus
CORPUS_SIZE=${CORPUS_SIZE:-10000}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-2}
PALISADE_BIN=${PALISADE_BIN:-${CARGO_TARGET_DIR:-target}/release/palisade}
CONFORMANCE=${PALISADE_CONFORMANCE_DIR:-$ROOT/../shared/conformance}
LIBRARY=$CONFORMANCE/kyverno-policies/pod-security

[[ -d $LIBRARY ]] || { echo "error: no Kyverno policies at $LIBRARY" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "error: hyperfine is required (apt-get install hyperfine)" >&2; exit 1; }
[[ ${SKIP_BUILD:-0} == 1 ]] || cargo build --release --locked -p palisade >&2
mkdir -p "$OUT"
if [[ ! -d $CORPUS ]]; then
  python3 scripts/gen-corpus.py "$CORPUS" --resources "$CORPUS_SIZE" --seed 1 --stats "$OUT/corpus.json" >&2
fi

# Each policy file of the two profiles (the policy is the YAML named after
# its folder; tests and kustomizations are left behind).
POLICIES=$OUT/kyverno-pss
rm -rf "$POLICIES" && mkdir -p "$POLICIES"
for dir in "$LIBRARY"/baseline/*/ "$LIBRARY"/restricted/*/; do
  name=$(basename "$dir")
  [[ -f $dir/$name.yaml ]] && cp "$dir/$name.yaml" "$POLICIES/$name.yaml"
done
echo "policies: $(ls "$POLICIES"/*.yaml | wc -l)" >&2

BUILTIN="$PALISADE_BIN scan --format json --output /dev/null --fail-on critical --framework pss-restricted $CORPUS"
KYVERNO="$PALISADE_BIN scan --format json --output /dev/null --fail-on critical --no-builtins --policy $POLICIES $CORPUS"
for cmd in "$BUILTIN" "$KYVERNO"; do
  code=0; $cmd || code=$?
  [[ $code -le 1 ]] || { echo "error: '$cmd' exited $code" >&2; exit 1; }
done
hyperfine -N -i --warmup "$WARMUP" --runs "$RUNS" --export-json "$OUT/hyperfine-kyverno.json" \
  -n "built-in pss-restricted" "$BUILTIN" -n "kyverno pod-security policies" "$KYVERNO" >&2

python3 - "$OUT/hyperfine-kyverno.json" "$($PALISADE_BIN scan --format json --fail-on critical --no-builtins --policy "$POLICIES" "$CORPUS" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["summary"]["resources"], r["summary"]["findings"])')" <<'PY'
import json, statistics, sys
runs = json.load(open(sys.argv[1]))["results"]
resources, findings = sys.argv[2].split()
medians = {r["command"]: statistics.median(r["times"]) for r in runs}
base = medians["built-in pss-restricted"]
print(f"| run | median | per resource | vs built-in |\n|---|---:|---:|---:|")
for name, m in medians.items():
    print(f"| {name} | {m:.3f} s | {m / int(resources) * 1e6:.1f} µs | {m / base:.1f}x |")
print(f"\n{resources} resources; the Kyverno run reported {findings} findings.")
PY
