# Starting and stopping the whole mesh on this machine as local processes.
# Sourced by dev.sh (interactive), web-e2e.sh (the UI's end-to-end tests) and
# bench-checks.sh; never run directly. Needs scripts/lib.sh sourced first.
# The services themselves are started by `lookout-dev-mesh` (crates/dev-mesh),
# the same launcher the Rust end-to-end suite uses; this file only provides
# what they stand on: PostgreSQL and Redis.
# shellcheck shell=bash

MESH_LAUNCHER_PID=""
# Each service's PID by name (browser, gateway, …), for benchmarks.
declare -gA MESH_PID_OF=()

# mesh_start DIR: PostgreSQL and Redis (servers under DIR, kept across runs,
# unless DATABASE_URL / REDIS_URL are set), then every service, a local
# mailbox in DIR/mail (unless SMTP_URL is set) and the development identity
# provider, through `lookout-dev-mesh`; returns once every one is healthy.
# Exports what the launcher reports (GATEWAY_ADDR, PUBLIC_BASE_URL,
# DEV_IDP_ISSUER, JWT_SECRET, …), MAIL_DIR, MESH_LOG_DIR and MESH_BIN, the
# folder of the binaries (a release build when MESH_PROFILE=release).
mesh_start() {
  MESH_DIR=$1
  mkdir -p "$MESH_DIR"
  if [ -z "${DATABASE_URL:-}" ]; then
    ensure_postgres_binaries
    local pg_port; pg_port=$(free_port)
    start_postgres "$MESH_DIR/postgres" "$pg_port"
    MESH_OWN_POSTGRES=1
    export DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"
  fi
  if [ -z "${REDIS_URL:-}" ]; then
    ensure_redis_binaries
    local redis_port; redis_port=$(free_port)
    start_redis "$MESH_DIR/redis" "$redis_port"
    MESH_OWN_REDIS=1
    export REDIS_URL="redis://127.0.0.1:$redis_port"
  fi

  local profile=${MESH_PROFILE:-debug} build_flags=()
  [ "$profile" = release ] && build_flags=(--release)
  log "building ($profile)"
  cargo build --workspace --bins --quiet "${build_flags[@]}"
  [ -f web/dist/index.html ] && export WEB_DIST_DIR=${WEB_DIST_DIR:-$PWD/web/dist}

  MESH_BIN=$(bin_dir "$profile")
  MESH_LOG_DIR="$MESH_DIR/logs"
  MAIL_DIR="$MESH_DIR/mail"
  rm -f "$MESH_DIR/mesh.env"
  log "starting the services"
  "$MESH_BIN/lookout-dev-mesh" --dir "$MESH_DIR" --dev-idp --mail-dir "$MAIL_DIR" &
  MESH_LAUNCHER_PID=$!
  # The launcher writes mesh.env once every service is healthy.
  until [ -f "$MESH_DIR/mesh.env" ]; do
    kill -0 "$MESH_LAUNCHER_PID" 2>/dev/null || die "the mesh did not start; see $MESH_DIR/logs"
    sleep 0.2
  done
  # shellcheck disable=SC1091
  source "$MESH_DIR/mesh.env"
  local svc var
  for svc in browser llm notify gateway scheduler; do
    var="MESH_PID_${svc^^}"
    MESH_PID_OF[$svc]=${!var}
  done
  export MAIL_DIR MESH_BIN MESH_LOG_DIR
}

# mesh_stop: stops the services (the launcher stops them on SIGTERM) and the
# servers mesh_start started.
mesh_stop() {
  if [ -n "$MESH_LAUNCHER_PID" ]; then
    kill -TERM "$MESH_LAUNCHER_PID" 2>/dev/null || true
    wait "$MESH_LAUNCHER_PID" 2>/dev/null || true
  fi
  MESH_LAUNCHER_PID=""
  MESH_PID_OF=()
  [ -n "${MESH_OWN_POSTGRES:-}" ] && stop_postgres "$MESH_DIR/postgres"
  [ -n "${MESH_OWN_REDIS:-}" ] && stop_redis "$MESH_DIR/redis"
  MESH_OWN_POSTGRES="" MESH_OWN_REDIS=""
}
