#!/usr/bin/env bash
# Runs every check and test of the workspace against throwaway PostgreSQL and
# Redis servers started from the system binaries (installed when missing),
# then removes them.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

command -v cargo >/dev/null || die "cargo not found: install the Rust toolchain (rustup) first"
ensure_postgres_binaries
ensure_redis_binaries
# Rendering tests and the UI's end-to-end tests drive Debian's Chromium;
# scripts/check-deploy.sh installs what the deployment checks need.
apt_install chromium
# The gateway's sign-in interop test runs the certified Node.js OpenID
# provider (oidc-provider, pinned in tests/oidc-interop).
npm_ci tests/oidc-interop
# The blob store's S3 test runs against moto's S3 server (PyPI, in .local/moto-venv).
bash scripts/moto.sh

RUN_DIR="$PWD/.local/test-$$"
mkdir -p "$RUN_DIR"
cleanup() {
  rm -f "$FREE_PORTS_FILE"
  stop_postgres "$RUN_DIR/postgres"
  stop_redis "$RUN_DIR/redis"
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT

PG_PORT=$(free_port)
start_postgres "$RUN_DIR/postgres" "$PG_PORT"
REDIS_PORT=$(free_port)
start_redis "$RUN_DIR/redis" "$REDIS_PORT"
export LOOKOUT_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
export LOOKOUT_TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
log "test PostgreSQL on :$PG_PORT, Redis on :$REDIS_PORT"

log "deployment tools (docker-compose, nginx, kubectl, kubernetes-validate)"
bash scripts/check-deploy.sh --tools-only
# The deployment checks run with the workspace's tests; none may skip.
export PATH="$PATH:$PWD/.local/k8s-venv/bin"

log "formatting"
cargo fmt --all --check
log "supply chain (cargo-deny: licences, bans, sources, advisories)"
bash scripts/deny.sh
log "lints"
cargo clippy --workspace --all-targets --quiet -- -D warnings
log "building service binaries (the end-to-end suite runs them as processes)"
cargo build --workspace --bins --quiet
log "tests"
cargo test --workspace --no-fail-fast
log "property-based tests of the gateway against its OpenAPI document"
bash scripts/api-fuzz.sh
log "web UI checks (API types up to date, typecheck, unit tests, build)"
bash scripts/web-test.sh
log "web UI scenario against the real mesh in Chromium, with axe-core on every page"
bash scripts/web-e2e.sh
log "all checks passed in $((SECONDS / 60)) min $((SECONDS % 60)) s"
