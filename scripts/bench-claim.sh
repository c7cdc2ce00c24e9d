#!/usr/bin/env bash
# The claim alone (issue 19): Store::claim_due_monitors claiming 32 at a
# time on generated tables of BENCH_CLAIM_MONITORS monitors (default
# "10000 100000 1000000"; three in four due), against a throwaway
# PostgreSQL. Prints the median, p95 and max of 100 claims per size; its
# latency should not grow with the table or the backlog. Figures are
# printed, not asserted (the plan's shape is asserted in make test).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

ensure_postgres_binaries
log "release build of the claim benchmark"
cargo build --release -p store --example claim_latency --quiet

RUN_DIR="$PWD/.local/bench-claim-$$"
cleanup() {
  rm -f "$FREE_PORTS_FILE"
  stop_postgres "$RUN_DIR/postgres"
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT
PG_PORT=$(free_port)
start_postgres "$RUN_DIR/postgres" "$PG_PORT"
"$(pg_bindir)/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres claims
log "PostgreSQL with fsync off (scripts/lib.sh), on $(nproc) cores"
# shellcheck disable=SC2086 # the sizes are a list
DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/claims" \
  "$(bin_dir release)/examples/claim_latency" ${BENCH_CLAIM_MONITORS:-10000 100000 1000000}
