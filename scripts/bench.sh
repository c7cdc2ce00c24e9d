#!/usr/bin/env bash
# Benchmarks on loopback with release builds. Figures are printed, not
# asserted: compare ratios measured in one run.
#
# 0. judge figures: model calls per 1,000 checks with and without the
#    verdict cache, prompt tokens on a large page (scripts/bench/judge-figures.sh);
# 1. mesh figures (idle memory, internal call latency);
#    render figures: pages rendered per minute and RSS (service + Chromium)
#    with the pooled Chromium against one Chromium per render, same page;
# 2. HTTP: wrk (Debian) against (a) a bare axum hello, (b) the gateway's
#    GET /api/v1/me with a JWT (denylist + rate limit in one Redis call),
#    (c) GET /api/v1/monitors from PostgreSQL, (d) FastAPI + uvicorn with an
#    X-API-Key check (two workers, and (d1) one). Each: req/s, p50/p99,
#    server and Redis CPU per request, ratio to (a); the median of
#    BENCH_ROUNDS interleaved rounds.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

BENCH_SECONDS=${BENCH_SECONDS:-10}
BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-32}
# Rounds of every target, interleaved: the machine is shared and its load
# drifts, so each figure is the median round, all measured in one run.
BENCH_ROUNDS=${BENCH_ROUNDS:-5}

ensure_redis_binaries
ensure_postgres_binaries
command -v wrk >/dev/null || apt_install wrk
python3 -c 'import venv' 2>/dev/null && python3 -m ensurepip --version >/dev/null 2>&1 || apt_install python3-venv
log "release build"
cargo build --release --workspace --bins --examples --quiet
log "mesh figures (idle memory, internal call latency)"
"$(bin_dir release)/examples/mesh_figures"
log "render figures (pooled Chromium against one Chromium per render)"
command -v "${CHROMIUM_PATH:-/usr/bin/chromium}" >/dev/null || apt_install chromium
# Root cannot sandbox Chromium (see README, Rendering).
if [ "$(id -u)" = 0 ]; then export BROWSER_CHROMIUM_NO_SANDBOX=true; fi
"$(bin_dir release)/examples/render_figures"

RUN_DIR="$PWD/.local/bench-$$"
VENV="$PWD/.local/bench-venv"
mkdir -p "$RUN_DIR"
PIDS=()
cleanup() {
  rm -f "$FREE_PORTS_FILE"
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  stop_postgres "$RUN_DIR/postgres"
  stop_redis "$RUN_DIR/redis"
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT

PG_PORT=$(free_port); start_postgres "$RUN_DIR/postgres" "$PG_PORT"
REDIS_PORT=$(free_port); start_redis "$RUN_DIR/redis" "$REDIS_PORT"
REDIS_PID=$(cat "$RUN_DIR/redis/redis.pid")

log "judge figures (model calls per 1,000 checks, prompt tokens on a large page)"
LOOKOUT_TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT" scripts/bench/judge-figures.sh

if [ ! -x "$VENV/bin/uvicorn" ]; then
  log "FastAPI + uvicorn in a throwaway venv ($VENV)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check fastapi 'uvicorn[standard]'
fi

CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# Total CPU ticks of a process and its children (uvicorn workers).
tree_ticks() {
  local total=0 pid
  for pid in $1 $(pgrep -P "$1" || true); do total=$(( total + $(cpu_ticks "$pid") )); done
  echo "$total"
}

# run_wrk NAME PID URL [HEADER...]: one measurement, kept in RESULTS[NAME]
# as "req/s<TAB>line". Redis' CPU is counted apart: it serves the gateway's
# rate limits, so it is part of what (b) and (c) cost the machine.
declare -A RESULTS RPS
NAMES=()
run_wrk() {
  local name=$1 pid=$2 url=$3; shift 3
  local args=() before after redis_before redis_after out requests rps p50 p99 cpu_us redis_us
  for header in "$@"; do args+=(-H "$header"); done
  wrk -t1 -c"$BENCH_CONNECTIONS" -d2s "${args[@]}" "$url" >/dev/null  # warm-up
  before=$(tree_ticks "$pid"); redis_before=$(cpu_ticks "$REDIS_PID")
  out=$(wrk -t1 -c"$BENCH_CONNECTIONS" -d"${BENCH_SECONDS}s" --latency "${args[@]}" "$url")
  after=$(tree_ticks "$pid"); redis_after=$(cpu_ticks "$REDIS_PID")
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  rps=$(awk '/Requests\/sec/ {printf "%d", $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  cpu_us=$(awk -v t=$(( after - before )) -v hz="$CLK_TCK" -v n="$requests" 'BEGIN {printf "%.1f", t / hz * 1e6 / n}')
  redis_us=$(awk -v t=$(( redis_after - redis_before )) -v hz="$CLK_TCK" -v n="$requests" 'BEGIN {printf "%.1f", t / hz * 1e6 / n}')
  [[ " ${NAMES[*]} " == *" $name "* ]] || NAMES+=("$name")
  RESULTS[$name]+=$(printf '%s\t%-38s %9s req/s  p50 %8s  p99 %8s  server CPU %6s µs/req  Redis %5s µs/req%s' \
    "$rps" "$name" "$rps" "$p50" "$p99" "$cpu_us" "$redis_us" "${non2xx:+  (non-2xx: $non2xx)}")$'\n'
}

# Prints each target's median round (by req/s) and the range of req/s seen.
report() {
  local name sorted count median
  for name in "${NAMES[@]}"; do
    sorted=$(printf '%s' "${RESULTS[$name]}" | sort -t$'\t' -k1,1n)
    count=$(wc -l <<<"$sorted")
    median=$(sed -n "$(( (count + 1) / 2 ))p" <<<"$sorted")
    RPS[$name]=${median%%$'\t'*}
    printf '%s  (range %s–%s)\n' "${median#*$'\t'}" "$(head -1 <<<"$sorted" | cut -f1)" "$(tail -1 <<<"$sorted" | cut -f1)"
  done
}

log "(a) bare axum hello"
HELLO_PORT=$(free_port)
HELLO_ADDR="127.0.0.1:$HELLO_PORT" "$(bin_dir release)/examples/bench_hello" >/dev/null &
PIDS+=($!); HELLO_PID=$!
wait_for_port "$HELLO_PORT" 15 || die "the hello server did not start"

log "(b, c) the gateway on PostgreSQL and Redis"
GATEWAY_PORT=$(free_port)
export LOOKOUT_ENV=development
export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
export JWT_SECRET; JWT_SECRET=$(random_secret)
export GATEWAY_ADDR="127.0.0.1:$GATEWAY_PORT" METRICS_ADDR=off
# Limits far above what the run sends: the limiter still runs (one Redis
# call per request), it just never refuses.
export RATE_LIMIT_READ=1000000000/s RATE_LIMIT_WRITE=1000000000/s
# One log line per request is the production default; the figures are for
# the request path, so the bench logs warnings only (say so when quoting).
export RUST_LOG=${RUST_LOG:-warn}
"$(bin_dir release)/lookout-gateway" migrate >/dev/null
TOKEN=$("$(bin_dir release)/lookout-gateway" mint-token --email bench@example.com)
"$(bin_dir release)/lookout-gateway" >"$RUN_DIR/gateway.log" 2>&1 &
PIDS+=($!); GATEWAY_PID=$!
wait_for_port "$GATEWAY_PORT" 30 || die "the gateway did not start, see $RUN_DIR/gateway.log"
for i in $(seq 1 20); do
  curl -fsS -o /dev/null -X POST "http://127.0.0.1:$GATEWAY_PORT/api/v1/monitors" \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d "{\"name\": \"Page $i\", \"url\": \"https://93.184.215.14/page/$i\", \"condition\": \"price below $i\"}" \
    || die "seeding monitors failed, see $RUN_DIR/gateway.log"
done

log "(d) FastAPI + uvicorn (2 workers, one per core) with an X-API-Key check"
FASTAPI_PORT=$(free_port)
(cd scripts/bench && BENCH_API_KEY=bench-key exec "$VENV/bin/uvicorn" fastapi_app:app \
  --host 127.0.0.1 --port "$FASTAPI_PORT" --workers 2 --log-level warning --no-access-log) &
PIDS+=($!); FASTAPI_PID=$!
wait_for_port "$FASTAPI_PORT" 30 || die "uvicorn did not start"
# uvicorn's default, one worker, as a single-process deployment runs it.
FASTAPI_ONE_PORT=$(free_port)
(cd scripts/bench && BENCH_API_KEY=bench-key exec "$VENV/bin/uvicorn" fastapi_app:app \
  --host 127.0.0.1 --port "$FASTAPI_ONE_PORT" --log-level warning --no-access-log) &
PIDS+=($!); FASTAPI_ONE_PID=$!
wait_for_port "$FASTAPI_ONE_PORT" 30 || die "uvicorn (one worker) did not start"
sleep 1  # the workers start after the port opens

log "wrk -t1 -c$BENCH_CONNECTIONS -d${BENCH_SECONDS}s, $BENCH_ROUNDS rounds of every target (median shown), on $(nproc) cores shared with wrk, Redis and PostgreSQL"
for round in $(seq 1 "$BENCH_ROUNDS"); do
  printf 'round %s of %s\n' "$round" "$BENCH_ROUNDS"
  run_wrk "(a) axum hello" "$HELLO_PID" "http://127.0.0.1:$HELLO_PORT/"
  # Where the time goes: the edge layers alone (probe route, no Redis, no SQL).
  run_wrk "(b0) gateway GET /health (edge only)" "$GATEWAY_PID" "http://127.0.0.1:$GATEWAY_PORT/health"
  run_wrk "(b) gateway GET /api/v1/me" "$GATEWAY_PID" "http://127.0.0.1:$GATEWAY_PORT/api/v1/me" "Authorization: Bearer $TOKEN"
  run_wrk "(c) gateway GET /api/v1/monitors" "$GATEWAY_PID" "http://127.0.0.1:$GATEWAY_PORT/api/v1/monitors?limit=20" "Authorization: Bearer $TOKEN"
  run_wrk "(d) FastAPI X-API-Key" "$FASTAPI_PID" "http://127.0.0.1:$FASTAPI_PORT/api/v1/me" "X-API-Key: bench-key"
  run_wrk "(d1) FastAPI, one worker" "$FASTAPI_ONE_PID" "http://127.0.0.1:$FASTAPI_ONE_PORT/api/v1/me" "X-API-Key: bench-key"
done
echo
report

ratio() { awk -v x="$1" -v y="$2" 'BEGIN {printf "%.2f", (y > 0 ? x / y : 0)}'; }
echo
printf 'ratios to (a): (b) %s×  (c) %s×  (d) %s×\n' \
  "$(ratio "${RPS[(b) gateway GET /api/v1/me]}" "${RPS[(a) axum hello]}")" \
  "$(ratio "${RPS[(c) gateway GET /api/v1/monitors]}" "${RPS[(a) axum hello]}")" \
  "$(ratio "${RPS[(d) FastAPI X-API-Key]}" "${RPS[(a) axum hello]}")"
printf '(b) / (d): %s× with two workers, %s× with one   (targets: (b) ≥ 0.4× (a) with the simple request path, (b) ≥ 15× (d))\n' \
  "$(ratio "${RPS[(b) gateway GET /api/v1/me]}" "${RPS[(d) FastAPI X-API-Key]}")" \
  "$(ratio "${RPS[(b) gateway GET /api/v1/me]}" "${RPS[(d1) FastAPI, one worker]}")"
