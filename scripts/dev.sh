#!/usr/bin/env bash
# Runs the whole mesh on this machine with no configuration:
# PostgreSQL and Redis (throwaway servers under .local/dev unless DATABASE_URL
# and REDIS_URL are set), a development identity provider, a local mailbox,
# and every Lookout service. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

command -v cargo >/dev/null || die "cargo not found: install the Rust toolchain (rustup) first"
DEV_DIR="$PWD/.local/dev"
LOG_DIR="$DEV_DIR/logs"
mkdir -p "$LOG_DIR"
PIDS=()

cleanup() {
  trap - EXIT INT TERM
  log "stopping"
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -n "${OWN_POSTGRES:-}" ] && stop_postgres "$DEV_DIR/postgres"
  [ -n "${OWN_REDIS:-}" ] && stop_redis "$DEV_DIR/redis"
  log "stopped"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Development secrets: random per checkout, kept so restarts keep sessions.
KEYS="$DEV_DIR/keys.env"
if [ ! -f "$KEYS" ]; then
  umask 077
  {
    echo "JWT_SECRET=$(random_secret)"
    echo "GATEWAY_INTERNAL_KEY=$(random_secret)"
    echo "SCHEDULER_INTERNAL_KEY=$(random_secret)"
  } >"$KEYS"
fi
# shellcheck disable=SC1090
source "$KEYS"
export JWT_SECRET
export INTERNAL_API_KEYS="gateway:$GATEWAY_INTERNAL_KEY,scheduler:$SCHEDULER_INTERNAL_KEY"

if [ -z "${DATABASE_URL:-}" ]; then
  ensure_postgres_binaries
  PG_PORT=$(free_port)
  start_postgres "$DEV_DIR/postgres" "$PG_PORT"
  OWN_POSTGRES=1
  export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
fi
if [ -z "${REDIS_URL:-}" ]; then
  ensure_redis_binaries
  REDIS_PORT=$(free_port)
  start_redis "$DEV_DIR/redis" "$REDIS_PORT"
  OWN_REDIS=1
  export REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
fi

log "building"
cargo build --workspace --bins --quiet
BIN="$PWD/target/debug"

export LOOKOUT_ENV=development LOG_FORMAT=${LOG_FORMAT:-pretty}
export GATEWAY_ADDR=${GATEWAY_ADDR:-127.0.0.1:8080}
export BROWSER_ADDR=127.0.0.1:$(free_port) LLM_ADDR=127.0.0.1:$(free_port)
export NOTIFY_ADDR=127.0.0.1:$(free_port) SCHEDULER_ADDR=127.0.0.1:$(free_port)
export BROWSER_URL="http://$BROWSER_ADDR" LLM_URL="http://$LLM_ADDR" NOTIFY_URL="http://$NOTIFY_ADDR"
export PUBLIC_BASE_URL="http://$GATEWAY_ADDR"
# Local development watches pages on this machine too; production refuses this.
export BROWSER_ALLOW_NETWORKS=${BROWSER_ALLOW_NETWORKS:-127.0.0.0/8,::1/128}
export NOTIFY_ALLOW_NETWORKS=${NOTIFY_ALLOW_NETWORKS:-127.0.0.0/8,::1/128}
export MONITOR_MIN_INTERVAL_SECONDS=${MONITOR_MIN_INTERVAL_SECONDS:-30}

MAIL_DIR="$DEV_DIR/mail"
if [ -z "${SMTP_URL:-}" ]; then
  SMTP_PORT=$(free_port)
  export SMTP_URL="smtp://127.0.0.1:$SMTP_PORT"
  mkdir -p "$MAIL_DIR"
  "$BIN/lookout-dev-mailbox" --listen "127.0.0.1:$SMTP_PORT" --dir "$MAIL_DIR" >"$LOG_DIR/mailbox.log" 2>&1 &
  PIDS+=($!)
fi

if [ -x "$BIN/lookout-dev-idp" ]; then
  IDP_PORT=$(free_port)
  export DEV_IDP_ADDR="127.0.0.1:$IDP_PORT" DEV_IDP_ISSUER="http://127.0.0.1:$IDP_PORT"
  export DEV_IDP_REDIRECT_URIS="http://$GATEWAY_ADDR/auth/google/callback"
  export OIDC_ISSUER_URL="$DEV_IDP_ISSUER" GOOGLE_CLIENT_ID=lookout-dev GOOGLE_CLIENT_SECRET=lookout-dev-secret
  "$BIN/lookout-dev-idp" >"$LOG_DIR/dev-idp.log" 2>&1 &
  PIDS+=($!)
fi

start() { # NAME KEY
  INTERNAL_API_KEY=$2 "$BIN/lookout-$1" >"$LOG_DIR/$1.log" 2>&1 &
  PIDS+=($!)
}
start browser "$GATEWAY_INTERNAL_KEY"
start llm "$GATEWAY_INTERNAL_KEY"
start notify "$GATEWAY_INTERNAL_KEY"
start gateway "$GATEWAY_INTERNAL_KEY"
start scheduler "$SCHEDULER_INTERNAL_KEY"

log "waiting for every service to be healthy"
for svc in browser llm notify scheduler gateway; do
  deadline=$(( $(date +%s) + 60 ))
  until INTERNAL_API_KEY=x "$BIN/lookout-$svc" healthcheck >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || die "$svc did not become healthy; see $LOG_DIR/$svc.log"
    sleep 0.5
  done
  printf '  %-10s healthy\n' "$svc"
done

TOKEN=$("$BIN/lookout-gateway" mint-token --email dev@lookout.local 2>/dev/null || true)
cat <<MSG

Lookout is running.
  API            http://$GATEWAY_ADDR/api/v1   (health: http://$GATEWAY_ADDR/health, readiness: /ready)
  Sign in        http://$GATEWAY_ADDR/auth/google/login   (development identity provider: type any email)
  Mailbox        $MAIL_DIR   (every email the mesh sends lands here)
  Logs           $LOG_DIR
  Database       $DATABASE_URL
  Redis          $REDIS_URL

A development access token for dev@lookout.local (valid 15 minutes):
  export TOKEN=$TOKEN
  curl -s -H "Authorization: Bearer \$TOKEN" http://$GATEWAY_ADDR/api/v1/me

Press Ctrl-C to stop everything.
MSG

# Stop when any service dies, so a crash is not mistaken for a running mesh.
wait -n "${PIDS[@]}"
die "a service exited; see $LOG_DIR"
