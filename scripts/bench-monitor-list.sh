#!/usr/bin/env bash
# The monitor list at 10,000 monitors (issue 20): one team holding
# BENCH_LIST_MONITORS monitors (default 10,000) with 20 tags, a mix of
# states and BENCH_LIST_CHECKS checks each (default 30, extracting a price:
# each row of the list carries its last 20), seeded in SQL, then the
# gateway's filtered list, its paging and a bulk action by filter, timed over loopback. Figures are printed (median and
# p95 of BENCH_LIST_REPEAT requests each), not asserted.
#
# Release build by default, as `make bench` runs it; BENCH_PROFILE=debug
# reuses a debug build for a quick look (its figures are not the ones to quote).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

MONITORS=${BENCH_LIST_MONITORS:-10000}
REPEAT=${BENCH_LIST_REPEAT:-30}
CHECKS=${BENCH_LIST_CHECKS:-30}
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

RUN_DIR="$PWD/.local/bench-list-$$"
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
# The limiter runs on every request; it never refuses during the run.
export RATE_LIMIT_READ=1000000000/s RATE_LIMIT_WRITE=1000000000/s
export RUST_LOG=${RUST_LOG:-warn}
"$GATEWAY_BIN" migrate >/dev/null
TOKEN=$("$GATEWAY_BIN" mint-token --email bench-list@example.com)
"$GATEWAY_BIN" >"$RUN_DIR/gateway.log" 2>&1 &
PIDS+=($!)
wait_for_port "$GATEWAY_PORT" 30 || die "the gateway did not start, see $RUN_DIR/gateway.log"

log "seeding $MONITORS monitors, 20 tags, in one team (SQL)"
seed_started=$(date +%s.%N)
"${PSQL[@]}" <<SQL
WITH team AS (
  SELECT ms.team_id FROM memberships ms JOIN users u ON u.id = ms.user_id
   JOIN teams t ON t.id = ms.team_id
   WHERE u.email = 'bench-list@example.com' AND t.personal LIMIT 1)
INSERT INTO tags (id, team_id, name, colour)
SELECT gen_random_uuid(), team.team_id, 'tag-' || n, '#' || lpad(to_hex(n * 600000), 6, '0')
  FROM team, generate_series(1, 20) AS n;

WITH team AS (
  SELECT ms.team_id, ms.user_id FROM memberships ms JOIN users u ON u.id = ms.user_id
   JOIN teams t ON t.id = ms.team_id
   WHERE u.email = 'bench-list@example.com' AND t.personal LIMIT 1)
INSERT INTO monitors (id, team_id, created_by, name, url, condition, interval_seconds,
                      paused, last_status, last_checked_at, consecutive_failures,
                      last_triggered_at, unjudged_streak, created_at)
SELECT gen_random_uuid(), team.team_id, team.user_id,
       'Page ' || n || CASE WHEN n % 7 = 0 THEN ' shop' ELSE '' END,
       'https://site-' || (n % 500) || '.example.com/page/' || n,
       'price below ' || n, 3600,
       n % 10 = 0,
       CASE WHEN n % 5 = 1 THEN 'page_gone' WHEN n % 17 = 0 THEN 'judge_unavailable' WHEN n % 13 = 0 THEN NULL ELSE 'ok' END,
       CASE WHEN n % 13 = 0 THEN NULL ELSE now() - interval '5 minutes' END,
       CASE WHEN n % 5 = 1 THEN 2 ELSE 0 END,
       CASE WHEN n % 11 = 0 THEN now() - (n % 48) * interval '1 hour' END,
       CASE WHEN n % 17 = 0 THEN 1 ELSE 0 END,
       now() - n * interval '1 second'
  FROM team, generate_series(1, $MONITORS) AS n;

-- Each monitor carries one or two of the 20 tags.
INSERT INTO monitor_tags (monitor_id, tag_id)
SELECT m.id, t.id FROM monitors m
  JOIN tags t ON t.name = 'tag-' || (1 + abs(hashtext(m.id::text)) % 20)
                 OR (abs(hashtext(m.url)) % 3 = 0 AND t.name = 'tag-' || (1 + abs(hashtext(m.url)) % 20))
ON CONFLICT DO NOTHING;

-- A history per monitor, every tenth check an alert and every seventh a failure.
INSERT INTO checks (id, monitor_id, team_id, reason, status, changed, triggered,
                    extracted_value, started_at, finished_at)
SELECT gen_random_uuid(), m.id, m.team_id, 'schedule',
       CASE WHEN k % 7 = 0 THEN 'timeout' ELSE 'ok' END,
       k % 3 = 0, k % 10 = 0,
       CASE WHEN k % 7 = 0 THEN NULL ELSE (100 + k % 13) || '.90' END,
       now() - k * interval '1 hour', now() - k * interval '1 hour' + interval '2 seconds'
  FROM monitors m, generate_series(1, $CHECKS) AS k;
ANALYZE;
SQL
seed_seconds=$(awk -v s="$seed_started" -v e="$(date +%s.%N)" 'BEGIN {printf "%.1f", e - s}')
log "seeded in ${seed_seconds} s: $("${PSQL[@]}" -c 'SELECT count(*) FROM monitors') monitors, $("${PSQL[@]}" -c 'SELECT count(*) FROM monitor_tags') tag links, $("${PSQL[@]}" -c 'SELECT count(*) FROM checks') checks"

# time_get NAME PATH: REPEAT sequential requests (after 3 warm-ups); prints
# the median and p95 in ms and what the first page holds.
time_get() {
  local name=$1 path=$2 times=() i body total
  for i in 1 2 3; do curl -fsS -o /dev/null -H "Authorization: Bearer $TOKEN" "$BASE$path"; done
  for i in $(seq 1 "$REPEAT"); do
    times+=("$(curl -fsS -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $TOKEN" "$BASE$path")")
  done
  body=$(curl -fsS -H "Authorization: Bearer $TOKEN" "$BASE$path")
  total=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["items"]), d["total"])' <<<"$body")
  printf '%s\n' "${times[@]}" | sort -n | awk -v name="$name" -v shown="$total" '
    { t[NR] = $1 * 1000 }
    END { printf "  %-46s median %7.1f ms  p95 %7.1f ms  (page, total: %s)\n", name, t[int((NR + 1) / 2)], t[int(NR * 0.95 + 0.5)], shown }'
}

log "GET /api/v1/monitors on $MONITORS monitors, $REPEAT requests each, one at a time"
time_get "first page (50), no filter" "/api/v1/monitors"
time_get "first page (100), no filter" "/api/v1/monitors?limit=100"
time_get "tag=tag-7" "/api/v1/monitors?tag=tag-7"
time_get "status=failing" "/api/v1/monitors?status=failing"
time_get "status=triggered" "/api/v1/monitors?status=triggered"
time_get "status=judge_unavailable" "/api/v1/monitors?status=judge_unavailable"
time_get "q=shop (name)" "/api/v1/monitors?q=shop"
time_get "q=site-42. (URL, few matches)" "/api/v1/monitors?q=site-42."
time_get "tag + status + q" "/api/v1/monitors?tag=tag-3&status=ok&q=page"

log "paging through every monitor (limit=100, following next_cursor)"
# Only the requests are timed (curl's own figure): parsing each page with
# grep keeps a slow interpreter start out of the loop.
cursor=""; pages=0; seen=0; : >"$RUN_DIR/walk-times"
while :; do
  curl -fsS -o "$RUN_DIR/page.json" -w '%{time_total}\n' -H "Authorization: Bearer $TOKEN" \
    "$BASE/api/v1/monitors?limit=100&cursor=$cursor" >>"$RUN_DIR/walk-times"
  count=$(grep -o '"run_requested":' "$RUN_DIR/page.json" | wc -l)
  cursor=$(grep -o '"next_cursor":"[^"]*"' "$RUN_DIR/page.json" | cut -d'"' -f4 || true)
  pages=$((pages + 1)); seen=$((seen + count))
  [ -n "$cursor" ] || break
done
sort -n "$RUN_DIR/walk-times" | awk -v pages="$pages" -v seen="$seen" '
  { t[NR] = $1 * 1000; sum += $1 * 1000 }
  END { printf "  %d pages, %d monitors: %.0f ms in all, a page median %.1f ms, p95 %.1f ms, slowest %.1f ms\n", pages, seen, sum, t[int((NR + 1) / 2)], t[int(NR * 0.95 + 0.5)], t[NR] }'
[ "$seen" = "$MONITORS" ] || die "paging saw $seen monitors, not $MONITORS"

log "POST /api/v1/monitors/bulk by filter (pause, then resume, the ${MONITORS} monitors' q=site-42. matches)"
for action in pause resume; do
  out=$(curl -fsS -o "$RUN_DIR/bulk.json" -w '%{time_total}' -X POST "$BASE/api/v1/monitors/bulk" \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d "{\"action\": \"$action\", \"filter\": {\"q\": \"site-42.\"}}")
  printf '  %-8s %s monitors in %.1f ms\n' "$action" "$(python3 -c 'import json; print(json.load(open("'"$RUN_DIR/bulk.json"'"))["succeeded"])')" "$(awk -v t="$out" 'BEGIN {print t * 1000}')"
done
