# Starting and stopping the whole mesh on this machine as local processes.
# Sourced by dev.sh (interactive) and web-e2e.sh (the UI's end-to-end tests);
# never run directly. Needs scripts/lib.sh sourced first.
# shellcheck shell=bash

MESH_PIDS=()
# Each started process's PID by name (browser, gateway, …), for benchmarks.
declare -gA MESH_PID_OF=()

# mesh_start DIR: PostgreSQL and Redis (throwaway servers under DIR unless
# DATABASE_URL / REDIS_URL are set), a local mailbox, the development identity
# provider and every service, waiting until each one is healthy. Exports the
# URLs it chose (GATEWAY_ADDR, DATABASE_URL, MAIL_DIR, …) and MESH_BIN, the
# directory of the service binaries (CARGO_TARGET_DIR's when set; a release
# build when MESH_PROFILE=release).
mesh_start() {
  MESH_DIR=$1
  MESH_LOG_DIR="$MESH_DIR/logs"
  mkdir -p "$MESH_LOG_DIR"

  # Development secrets: random per checkout, kept so restarts keep sessions.
  local keys="$MESH_DIR/keys.env"
  if [ ! -f "$keys" ]; then
    (
      umask 077
      {
        echo "JWT_SECRET=$(random_secret)"
        echo "GATEWAY_INTERNAL_KEY=$(random_secret)"
        echo "SCHEDULER_INTERNAL_KEY=$(random_secret)"
      } >"$keys"
    )
  fi
  # shellcheck disable=SC1090
  source "$keys"
  export JWT_SECRET
  # Servers receive digests of the keys they accept, never the keys; llm
  # accepts only the scheduler.
  local gateway_digest scheduler_digest
  gateway_digest=$(printf '%s' "$GATEWAY_INTERNAL_KEY" | sha256sum | cut -d' ' -f1)
  scheduler_digest=$(printf '%s' "$SCHEDULER_INTERNAL_KEY" | sha256sum | cut -d' ' -f1)

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
  MESH_BIN=$(bin_dir "$profile")
  local bin=$MESH_BIN

  export LOOKOUT_ENV=development LOG_FORMAT=${LOG_FORMAT:-pretty}
  export GATEWAY_ADDR=${GATEWAY_ADDR:-127.0.0.1:8080}
  export BROWSER_ADDR=127.0.0.1:$(free_port) LLM_ADDR=127.0.0.1:$(free_port)
  export NOTIFY_ADDR=127.0.0.1:$(free_port) SCHEDULER_ADDR=127.0.0.1:$(free_port)
  export METRICS_ADDR=${METRICS_ADDR:-127.0.0.1:$(free_port)}
  export BROWSER_URL="http://$BROWSER_ADDR" LLM_URL="http://$LLM_ADDR" NOTIFY_URL="http://$NOTIFY_ADDR"
  export PUBLIC_BASE_URL=${PUBLIC_BASE_URL:-http://$GATEWAY_ADDR}
  # Local development watches pages on this machine too; production refuses this.
  # One policy for gateway, browser and notify (netguard::settings).
  export ALLOW_NETWORKS=${ALLOW_NETWORKS:-127.0.0.0/8,::1/128}
  export MONITOR_MIN_INTERVAL_SECONDS=${MONITOR_MIN_INTERVAL_SECONDS:-30}
  [ -f web/dist/index.html ] && export WEB_DIST_DIR=${WEB_DIST_DIR:-$PWD/web/dist}

  MAIL_DIR="$MESH_DIR/mail"
  if [ -z "${SMTP_URL:-}" ]; then
    local smtp_port; smtp_port=$(free_port)
    export SMTP_URL="smtp://127.0.0.1:$smtp_port"
    mkdir -p "$MAIL_DIR"
    "$bin/lookout-dev-mailbox" --listen "127.0.0.1:$smtp_port" --dir "$MAIL_DIR" >"$MESH_LOG_DIR/mailbox.log" 2>&1 &
    MESH_PIDS+=($!)
  fi

  local idp_port; idp_port=$(free_port)
  export DEV_IDP_ADDR="127.0.0.1:$idp_port" DEV_IDP_ISSUER="http://127.0.0.1:$idp_port"
  export DEV_IDP_REDIRECT_URIS="$PUBLIC_BASE_URL/auth/google/callback"
  export OIDC_ISSUER_URL="$DEV_IDP_ISSUER" GOOGLE_CLIENT_ID=lookout-dev GOOGLE_CLIENT_SECRET=lookout-dev-secret
  "$bin/lookout-dev-idp" >"$MESH_LOG_DIR/dev-idp.log" 2>&1 &
  MESH_PIDS+=($!)

  local svc key digests
  for svc in browser llm notify gateway scheduler; do
    key=$GATEWAY_INTERNAL_KEY
    [ "$svc" = scheduler ] && key=$SCHEDULER_INTERNAL_KEY
    digests="gateway:$gateway_digest,scheduler:$scheduler_digest"
    [ "$svc" = llm ] && digests="scheduler:$scheduler_digest"
    INTERNAL_API_KEY=$key INTERNAL_API_KEY_DIGESTS=$digests "$bin/lookout-$svc" >"$MESH_LOG_DIR/$svc.log" 2>&1 &
    MESH_PIDS+=($!)
    MESH_PID_OF[$svc]=$!
  done

  log "waiting for every service to be healthy"
  local deadline
  for svc in dev-idp browser llm notify scheduler gateway; do
    deadline=$(( $(date +%s) + 90 ))
    until "$bin/lookout-$svc" healthcheck >/dev/null 2>&1; do
      [ "$(date +%s)" -lt "$deadline" ] || die "$svc did not become healthy; see $MESH_LOG_DIR/$svc.log"
      sleep 0.5
    done
    printf '  %-10s healthy\n' "$svc"
  done
}

# mesh_stop: stops every process mesh_start started, and the throwaway servers.
mesh_stop() {
  local pid
  for pid in "${MESH_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${MESH_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  MESH_PIDS=()
  MESH_PID_OF=()
  [ -n "${MESH_OWN_POSTGRES:-}" ] && stop_postgres "$MESH_DIR/postgres"
  [ -n "${MESH_OWN_REDIS:-}" ] && stop_redis "$MESH_DIR/redis"
  MESH_OWN_POSTGRES="" MESH_OWN_REDIS=""
}
