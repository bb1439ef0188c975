#!/usr/bin/env bash
# Load benchmark of `palisade serve`: wrk POSTs a realistic mix of Pod and
# Deployment AdmissionReviews (scripts/gen-admission-reviews.py) to /validate
# over HTTPS on loopback, with every built-in control and a configuration
# that enforces the restricted profile and warns on the rest (so responses
# carry denials and warnings, as in a cluster). Release build.
#
# Runs, after a warm-up: the highest throughput ($RUNS closed-loop runs of
# 20 s, $MAX_CONNECTIONS connections); latency at $RATE requests/s ($RUNS
# paced runs of 30 s, Poisson arrivals over $CONNECTIONS connections); each
# reported with the median of its runs. Then one paced run of $DURATION
# seconds during which the server's RSS is sampled every 10 s (memory must
# stay flat).
#
# With AUDIT=on (the default) every decision is committed to a SQLite audit
# log before its response leaves (as `palisade serve` runs by default);
# AUDIT=off runs with --no-audit for comparison. With auditing on, the
# events each run wrote are counted in the log afterwards (events/s).
#
#   ./scripts/bench-serve.sh                         # RATE=2000 DURATION=300 RUNS=5 AUDIT=on
#   RATE=1000 DURATION=60 RUNS=3 AUDIT=off ./scripts/bench-serve.sh
set -euo pipefail
cd "$(dirname "$0")/.."

RATE="${RATE:-2000}"
DURATION="${DURATION:-300}"
CONNECTIONS="${CONNECTIONS:-20}"
MAX_CONNECTIONS="${MAX_CONNECTIONS:-16}"
PORT="${PORT:-18443}"
AUDIT="${AUDIT:-on}"
RUNS="${RUNS:-5}"

if ! command -v wrk >/dev/null 2>&1; then
  SUDO=""; if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q wrk
fi
cargo build --release -p palisade

work="$(mktemp -d)"
server=""
sampler=""
cleanup() {
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null || true
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
  -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
cat > "$work/palisade.yaml" <<'YAML'
admission:
  mode: warn
  frameworks: {pss-restricted: enforce}
YAML
python3 scripts/gen-admission-reviews.py 200 > "$work/reviews.jsonl"

audit_db="sqlite://$work/audit.db"
if [ "$AUDIT" = on ]; then audit_args=(--audit-db "$audit_db" --audit-chain bench); else audit_args=(--no-audit); fi
PALISADE_LOG=warn target/release/palisade serve --listen "127.0.0.1:$PORT" \
  --tls-cert "$work/cert.pem" --tls-key "$work/key.pem" --config "$work/palisade.yaml" "${audit_args[@]}" &
server=$!
for _ in $(seq 50); do
  curl -skf "https://127.0.0.1:$PORT/readyz" >/dev/null && break
  sleep 0.2
done
curl -skf "https://127.0.0.1:$PORT/readyz"

rss() { awk '/VmRSS/ {print $2}' "/proc/$server/status"; }
# CPU time of the server (user + system), in clock ticks: with the request
# count it gives CPU per request, a figure a busy machine does not distort.
ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
requests() { curl -sk "$url/metrics" | awk '/^palisade_admission_requests_total/ {n += $2} END {print n + 0}'; }
cpu_per_request() { # ticks_before requests_before
  local t r; t=$(ticks); r=$(requests)
  awk -v t0="$1" -v t1="$t" -v r0="$2" -v r1="$r" -v hz="$(getconf CLK_TCK)" \
    'BEGIN {printf "server CPU: %.0f us per request (%d requests, %.1f CPU s)\n", (t1-t0)/hz*1e6/(r1-r0), r1-r0, (t1-t0)/hz}'
}
# Events in the audit log (0 without auditing).
events() {
  if [ "$AUDIT" = on ]; then
    target/release/palisade audit verify --audit-db "$audit_db" --format json \
      | python3 -c 'import json,sys; print(sum(c["events"] for c in json.load(sys.stdin)["chains"]))'
  else echo 0; fi
}
events_per_second() { # events_before seconds
  local e; e=$(events)
  awk -v e0="$1" -v e1="$e" -v s="$2" 'BEGIN {printf "audit events written: %d (%.0f/s)\n", e1-e0, (e1-e0)/s}'
}
export REVIEWS="$work/reviews.jsonl"
url="https://127.0.0.1:$PORT"

echo "== $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the runs"
echo "== warm-up (10 s)"
RATE=0 wrk -t 1 -c 4 -d 10s -s scripts/bench-serve.lua "$url" | grep RESULT
echo "RSS after warm-up: $(rss) KiB"

# Median of each figure over the RESULT lines on stdin.
medians() {
  python3 -c '
import re, statistics, sys
runs = [dict(re.findall(r"(\w+)=([\d.]+)", line)) for line in sys.stdin if line.startswith("RESULT")]
keys = ["throughput", "p50", "p99", "p999", "max", "errors", "non200"]
print(f"MEDIAN of {len(runs)} runs: " + " ".join(f"{k}={statistics.median(float(r[k]) for r in runs):g}" for k in keys))
'
}

echo "== highest throughput ($RUNS x 20 s, $MAX_CONNECTIONS connections, closed loop, audit $AUDIT)"
t0=$(ticks); r0=$(requests); e0=$(events)
for _ in $(seq "$RUNS"); do
  RATE=0 wrk -t 1 -c "$MAX_CONNECTIONS" -d 20s -s scripts/bench-serve.lua "$url" | grep RESULT
done | tee "$work/closed.txt"
medians < "$work/closed.txt"
cpu_per_request "$t0" "$r0"
events_per_second "$e0" $((RUNS * 20))

echo "== paced at $RATE requests/s ($RUNS x 30 s, $CONNECTIONS connections, Poisson arrivals)"
t0=$(ticks); r0=$(requests)
for _ in $(seq "$RUNS"); do
  RATE="$RATE" CONNECTIONS="$CONNECTIONS" wrk -t 1 -c "$CONNECTIONS" -d 30s \
    -s scripts/bench-serve.lua "$url" | grep RESULT
done | tee "$work/paced.txt"
medians < "$work/paced.txt"
cpu_per_request "$t0" "$r0"

echo "== paced at $RATE requests/s for $DURATION s ($CONNECTIONS connections): memory"
( while true; do echo "$(date +%s) $(rss)"; sleep 10; done ) > "$work/rss.txt" &
sampler=$!
t0=$(ticks); r0=$(requests); e0=$(events)
RATE="$RATE" CONNECTIONS="$CONNECTIONS" wrk -t 1 -c "$CONNECTIONS" -d "${DURATION}s" \
  -s scripts/bench-serve.lua "$url" | grep RESULT
cpu_per_request "$t0" "$r0"
events_per_second "$e0" "$DURATION"
kill "$sampler" 2>/dev/null || true; sampler=""
echo "RSS samples (KiB, every 10 s): $(awk '{print $2}' "$work/rss.txt" | tr '\n' ' ')"
awk 'NR==1 {first=$2} {last=$2; if ($2>max) max=$2} END {printf "RSS first %d KiB, last %d KiB, max %d KiB\n", first, last, max}' "$work/rss.txt"
curl -sk "$url/metrics" | grep -E '^palisade_admission_errors_total' || echo "no admission errors"
echo "== load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
