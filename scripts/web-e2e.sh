#!/usr/bin/env bash
# The web UI's end-to-end scenario in Debian's Chromium against the real mesh:
# the gateway serving the built UI, the development identity provider, the
# scheduler and every internal service, on throwaway PostgreSQL and Redis.
# The only way the scenario runs; it audits every page with axe-core.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
# shellcheck source=scripts/mesh.sh
source scripts/mesh.sh

RUN_DIR="$PWD/.local/web-e2e-$$"
cleanup() {
  local status=$?
  rm -f "$FREE_PORTS_FILE"
  trap - EXIT INT TERM
  mesh_stop
  if [ "$status" -ne 0 ] && [ -d "$RUN_DIR/logs" ]; then
    for log_file in "$RUN_DIR"/logs/*.log; do
      echo "--- $(basename "$log_file") (last lines) ---"
      tail -n 30 "$log_file"
    done
  fi
  rm -rf "$RUN_DIR"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -n "${CHROMIUM_PATH:-}" ] || apt_install chromium
(
  cd web
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --silent
  fi
  npx vite build --logLevel warn
)
# Independent of any DATABASE_URL/REDIS_URL of the caller: a clean mesh.
unset DATABASE_URL REDIS_URL SMTP_URL
export GATEWAY_ADDR="127.0.0.1:$(free_port)"
export WEB_DIST_DIR="$PWD/web/dist"
export MONITOR_MIN_INTERVAL_SECONDS=1 SCHEDULER_POLL_MS=200 SCHEDULER_HOST_DELAY_MS=0
export LOG_FORMAT=json
# The scenario's user is an admin, so the admin page is exercised for real.
export LOOKOUT_E2E_EMAIL="e2e-$$@example.com" LOOKOUT_E2E_EXPECT_ADMIN=1
export ADMIN_EMAILS="$LOOKOUT_E2E_EMAIL"
mesh_start "$RUN_DIR"

log "UI scenario against http://$GATEWAY_ADDR"
# The scenario opens every link of a real alert email from the mesh mailbox.
(cd web && LOOKOUT_E2E_BASE_URL="http://$GATEWAY_ADDR" LOOKOUT_E2E_MAIL_DIR="$MAIL_DIR" npm run --silent e2e)
