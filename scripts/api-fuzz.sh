#!/usr/bin/env bash
# Property-based tests of the gateway against its own OpenAPI document:
# schemathesis (PyPI, in a throwaway venv under .local/) generates requests
# from /api/openapi.json with a valid token and checks that no response is a
# 5xx and every response matches the document (status, content type,
# headers, body schema). The gateway runs from the debug build on a
# throwaway PostgreSQL and Redis.
#
# Operations that call internal services (preview, channel test, readiness,
# admin system health) are excluded: with no browser/notify running they
# answer 502/503 by design, which is covered by the Rust tests.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

ensure_postgres_binaries
ensure_redis_binaries
python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv
VENV="$PWD/.local/fuzz-venv"
if [ ! -x "$VENV/bin/st" ]; then
  log "schemathesis in a throwaway venv ($VENV)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check 'schemathesis==4.*' \
    || die "pip could not install schemathesis (is PyPI reachable?)"
fi
# The whole workspace, so features resolve as in the other builds (no rebuild).
cargo build --workspace --bins --quiet

RUN_DIR="$PWD/.local/fuzz-$$"
mkdir -p "$RUN_DIR"
GATEWAY_PID=""
cleanup() {
  rm -f "$FREE_PORTS_FILE"
  [ -n "$GATEWAY_PID" ] && kill "$GATEWAY_PID" 2>/dev/null || true
  stop_postgres "$RUN_DIR/postgres"
  stop_redis "$RUN_DIR/redis"
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT

PG_PORT=$(free_port); start_postgres "$RUN_DIR/postgres" "$PG_PORT"
REDIS_PORT=$(free_port); start_redis "$RUN_DIR/redis" "$REDIS_PORT"
GATEWAY_PORT=$(free_port)
export LOOKOUT_ENV=development
export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
export JWT_SECRET; JWT_SECRET=$(random_secret)
export GATEWAY_ADDR="127.0.0.1:$GATEWAY_PORT" METRICS_ADDR=off RUST_LOG=warn
# Internal services are a closed port; limits high enough not to refuse the fuzzer.
CLOSED=$(free_port)
export BROWSER_URL="http://127.0.0.1:$CLOSED" LLM_URL="http://127.0.0.1:$CLOSED" NOTIFY_URL="http://127.0.0.1:$CLOSED"
export RATE_LIMIT_READ=100000/s RATE_LIMIT_WRITE=100000/s RATE_LIMIT_EXPENSIVE=100000/s RATE_LIMIT_SIGN_IN=100000/s
"$(bin_dir debug)/lookout-gateway" migrate >/dev/null
TOKEN=$("$(bin_dir debug)/lookout-gateway" mint-token --email fuzz@example.com)
"$(bin_dir debug)/lookout-gateway" >"$RUN_DIR/gateway.log" 2>&1 &
GATEWAY_PID=$!
wait_for_port "$GATEWAY_PORT" 30 || die "the gateway did not start, see $RUN_DIR/gateway.log"

log "schemathesis against http://127.0.0.1:$GATEWAY_PORT/api/openapi.json"
status=0
# From the run directory, so schemathesis' example cache goes away with it.
(cd "$RUN_DIR" && "$VENV/bin/st" --no-color run "http://127.0.0.1:$GATEWAY_PORT/api/openapi.json" \
  --header "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
  --phases examples,coverage,fuzzing \
  --max-examples "${FUZZ_EXAMPLES:-30}" \
  --workers 2 \
  --generation-deterministic \
  --exclude-path-regex '^/(ready|auth/.*|api/v1/preview|api/v1/channels/\{id\}/test|api/v1/admin/.*)$') \
  || status=$?
if [ "$status" -ne 0 ]; then
  log "gateway log (last lines):"; tail -n 30 "$RUN_DIR/gateway.log" >&2
  die "schemathesis found responses that break the document (see above)"
fi
log "API fuzzing passed"
