#!/usr/bin/env bash
# The main job measured: checks of a local site by the whole mesh (release
# build, local processes), for fleets of BENCH_CHECKS_MONITORS monitors
# (default "1000 10000"; add 100000 for the large fleet, which takes a while).
# Each fleet is created through the REST API; then, for each site mode (the
# visible text changes on every request / only markup changes / byte-identical
# pages), every monitor becomes due at once, and the round's checks per second,
# CPU per check of each process, RSS and database bytes per check are printed
# (scripts/bench/checks.py). Figures are printed, not asserted.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
# shellcheck source=scripts/mesh.sh
source scripts/mesh.sh

command -v psql >/dev/null || apt_install postgresql-client

RUN_DIR="$PWD/.local/bench-checks-$$"
SITE_PID=""
cleanup() {
  [ -n "$SITE_PID" ] && kill "$SITE_PID" 2>/dev/null
  mesh_stop
  rm -f "$FREE_PORTS_FILE"
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT

# Politeness off: every page is on one local host, and the benchmark measures
# Lookout, not the delay it keeps between requests to one site.
export SCHEDULER_HOST_CONCURRENCY=${SCHEDULER_HOST_CONCURRENCY:-1000}
export SCHEDULER_HOST_DELAY_MS=${SCHEDULER_HOST_DELAY_MS:-0}
# Many checks in flight, as a fleet of this size wants (the default, 8, is
# sized for a small install's memory limit).
export SCHEDULER_CONCURRENCY=${SCHEDULER_CONCURRENCY:-64}
export SCHEDULER_POLL_MS=${SCHEDULER_POLL_MS:-200}
# Creating 10,000 monitors is 10,000 writes from one user.
export RATE_LIMIT_WRITE=${RATE_LIMIT_WRITE:-1000000/s}
# The fleet is one team's: its monitors quota (500 by default) must hold it.
export MONITORS_PER_TEAM_MAX=${MONITORS_PER_TEAM_MAX:-1000000}
# One log line per check is the production default; the figures are for the
# checks, so services log warnings only.
export RUST_LOG=${RUST_LOG:-warn} LOG_FORMAT=json
# The offline judge: the benchmark measures the mesh, not a model's latency.
unset LLM_BASE_URL OPENAI_API_KEY LLM_PROVIDER
export GATEWAY_ADDR="127.0.0.1:$(free_port)" METRICS_ADDR=off

# BENCH_CHECKS_STATEMENTS=1: where PostgreSQL's time goes, statement by
# statement (pg_stat_statements; it costs PostgreSQL a little, so opt-in).
if [ "${BENCH_CHECKS_STATEMENTS:-0}" = 1 ]; then
  export POSTGRES_EXTRA_OPTIONS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all -c pg_stat_statements.track_planning=on"
fi

MESH_PROFILE=release mesh_start "$RUN_DIR"

SITE_PORT=$(free_port)
python3 scripts/bench/site.py "$SITE_PORT" &
SITE_PID=$!
wait_for_port "$SITE_PORT" 15 || die "the bench site did not start"

POSTMASTER_PID=$(head -1 "$RUN_DIR/postgres/data/postmaster.pid")
REDIS_PID=$(cat "$RUN_DIR/redis/redis.pid")
log "politeness off (host concurrency $SCHEDULER_HOST_CONCURRENCY, delay ${SCHEDULER_HOST_DELAY_MS} ms), \
scheduler concurrency $SCHEDULER_CONCURRENCY, offline judge, services logging warnings only, \
PostgreSQL with fsync off (scripts/lib.sh), on $(nproc) cores shared by every process"
GATEWAY_URL="http://$GATEWAY_ADDR" \
TOKEN=$("$MESH_BIN/lookout-gateway" mint-token --email bench@lookout.local) \
SITE_URL="http://127.0.0.1:$SITE_PORT" \
BENCH_CHECKS_STATEMENTS="${BENCH_CHECKS_STATEMENTS:-0}" \
BENCH_PIDS="gateway=${MESH_PID_OF[gateway]} scheduler=${MESH_PID_OF[scheduler]} browser=${MESH_PID_OF[browser]} \
llm=${MESH_PID_OF[llm]} notify=${MESH_PID_OF[notify]} postgres=$POSTMASTER_PID redis=$REDIS_PID site=$SITE_PID" \
  python3 scripts/bench/checks.py
