#!/usr/bin/env bash
# Runs the whole mesh on this machine with no configuration: PostgreSQL and
# Redis (throwaway servers under .local/dev unless DATABASE_URL and REDIS_URL
# are set), a local mailbox, the development identity provider and every
# Lookout service. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
# shellcheck source=scripts/mesh.sh
source scripts/mesh.sh

command -v cargo >/dev/null || die "cargo not found: install the Rust toolchain (rustup) first"
cleanup() {
  rm -f "$FREE_PORTS_FILE"
  trap - EXIT INT TERM
  log "stopping"
  mesh_stop
  log "stopped"
}
trap cleanup EXIT
# Ctrl-C (or a closed terminal) is how a developer stops the mesh: a normal
# end, not an error, and the services stopping with it are not a crash.
trap 'exit 0' INT TERM HUP

if [ ! -f web/dist/index.html ] && command -v npm >/dev/null; then
  log "building the web UI"
  (cd web && { [ -d node_modules ] || npm ci --no-audit --no-fund --silent; } && npx vite build --logLevel warn) \
    || log "the web UI could not be built; the API still runs"
fi

mesh_start "$PWD/.local/dev"

TOKEN=$("$MESH_BIN/lookout-gateway" mint-token --email dev@lookout.local 2>/dev/null || true)
cat <<MSG

Lookout is running.
  Web UI         $PUBLIC_BASE_URL/   (sign in with the development identity provider: type any email)
  API            $PUBLIC_BASE_URL/api/v1   (docs: $PUBLIC_BASE_URL/docs, health: /health, readiness: /ready)
  Identity       $DEV_IDP_ISSUER   (development OpenID Connect provider)
  Mailbox        $MAIL_DIR   (every email the mesh sends lands here)
  Logs           $MESH_LOG_DIR
  Database       $DATABASE_URL
  Redis          $REDIS_URL

A development access token for dev@lookout.local (valid 15 minutes), for scripts:
  export TOKEN=$TOKEN
  curl -s -H "Authorization: Bearer \$TOKEN" $PUBLIC_BASE_URL/api/v1/me

Press Ctrl-C to stop everything.
MSG

# The launcher stops every service and exits 1, naming it, when one dies, so
# a crash is not mistaken for a running mesh. Ctrl-C runs the INT trap (exit
# 0) as soon as `wait` returns, before the line below.
wait "$MESH_LAUNCHER_PID" || die "a service exited; see $MESH_LOG_DIR"
MESH_LAUNCHER_PID=""
