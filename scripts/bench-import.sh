#!/usr/bin/env bash
# A 10,000-line import (issue 20): a list of BENCH_IMPORT_LINES URLs (default
# 10,000) on 200 public addresses, imported into one team through the
# gateway over loopback: the dry run and the confirmed run, each answered as
# one JSON report and streamed as NDJSON progress (`Accept:
# application/x-ndjson`). Figures are printed (one run each, the confirmed
# runs into an empty team), not asserted.
#
# Release build by default, as `make bench` runs it; BENCH_PROFILE=debug
# reuses a debug build for a quick look (its figures are not the ones to quote).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

LINES=${BENCH_IMPORT_LINES:-10000}
PROFILE=${BENCH_PROFILE:-release}

ensure_redis_binaries
ensure_postgres_binaries
command -v curl >/dev/null || apt_install curl
if [ "$PROFILE" = release ]; then
  log "release build"
  cargo build --release --workspace --bins --quiet
fi
GATEWAY_BIN="$(bin_dir "$PROFILE")/lookout-gateway"
[ -x "$GATEWAY_BIN" ] || die "$GATEWAY_BIN is missing: build it (cargo build --workspace --bins) or use BENCH_PROFILE=release"

RUN_DIR="$PWD/.local/bench-import-$$"
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
PSQL=("$(pg_bindir)/psql" -X -q -t -A -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres postgres)

GATEWAY_PORT=$(free_port)
BASE="http://127.0.0.1:$GATEWAY_PORT"
export LOOKOUT_ENV=development
export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
export JWT_SECRET; JWT_SECRET=$(random_secret)
export GATEWAY_ADDR="127.0.0.1:$GATEWAY_PORT" METRICS_ADDR=off
# An import is an expensive request (10 a minute by default); the team may
# hold every monitor of the runs.
export RATE_LIMIT_EXPENSIVE=1000/s MONITORS_PER_TEAM_MAX=$((LINES * 2))
export RUST_LOG=${RUST_LOG:-warn}
"$GATEWAY_BIN" migrate >/dev/null
TOKEN=$("$GATEWAY_BIN" mint-token --email bench-import@example.com)
"$GATEWAY_BIN" >"$RUN_DIR/gateway.log" 2>&1 &
PIDS+=($!)
wait_for_port "$GATEWAY_PORT" 30 || die "the gateway did not start, see $RUN_DIR/gateway.log"

TEAM=$(curl -fsS -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/teams" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
# 200 public addresses (the destination guard checks each once), 50 pages each.
python3 - "$LINES" >"$RUN_DIR/urls.txt" <<'PY'
import sys
for n in range(int(sys.argv[1])):
    print(f"https://93.184.{200 + n // 100 % 2}.{n % 100}/item/{n}")
PY
log "importing $(wc -l <"$RUN_DIR/urls.txt") lines ($(du -h "$RUN_DIR/urls.txt" | cut -f1)) into one team"

# run NAME QUERY ACCEPT: one import; prints its time (and, streamed, how many
# progress lines came).
run() {
  local name=$1 query=$2 accept=$3 total
  total=$(curl -fsS -N -o "$RUN_DIR/answer" -w '%{time_total}' \
    -X POST "$BASE/api/v1/teams/$TEAM/import$query" \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: text/uri-list' -H "Accept: $accept" \
    --data-binary @"$RUN_DIR/urls.txt")
  python3 - "$RUN_DIR/answer" "$accept" "$name" "$total" "$LINES" <<'PY'
import json, sys
path, accept, name, total, lines = sys.argv[1:6]
text = open(path).read()
if accept == "application/x-ndjson":
    steps = [json.loads(line) for line in text.splitlines() if line.strip()]
    last = steps[-1]
    if last["phase"] != "done":
        sys.exit(f"{name}: the stream ended with {last}")
    report = last["report"]
    extra = f"{len(steps)} progress lines"
else:
    report = json.loads(text)
    extra = ""
if report["created"] != int(lines):
    sys.exit(f"{name}: {report['created']} created, not {lines}: {report['entries'][0]}")
print(f"  {name:<34} {float(total):7.2f} s  ({report['created']} created{', ' + extra if extra else ''})")
PY
}

log "POST /api/v1/teams/{id}/import, one run each"
run "dry run, JSON report" "" "application/json"
run "dry run, streamed" "" "application/x-ndjson"
run "confirmed, JSON report" "?dry_run=false" "application/json"
"${PSQL[@]}" -c 'DELETE FROM monitors' >/dev/null
run "confirmed, streamed" "?dry_run=false" "application/x-ndjson"
[ "$("${PSQL[@]}" -c 'SELECT count(*) FROM monitors')" = "$LINES" ] || die "the streamed import did not leave $LINES monitors"
