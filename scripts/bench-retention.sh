#!/usr/bin/env bash
# Retention's cost (issue 19): a pruning run (store::retention, the
# scheduler's PruneJob) over generated history of BENCH_RETENTION_MONITORS
# monitors (default "10000 100000"; ten changed checks and snapshots each,
# two of them past the team's 30 days), against a throwaway PostgreSQL:
# CPU per pruned check, the VACUUM it leaves, a run with nothing to delete
# per monitor, and beside them dropping the same days as partitions of a
# copy of the checks partitioned by day. Figures are printed, not asserted
# (what pruning keeps and deletes is tested in make test).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

ensure_postgres_binaries
log "release build of the retention benchmark"
cargo build --release -p store --example prune_cost --quiet

RUN_DIR="$PWD/.local/bench-retention-$$"
cleanup() {
  rm -f "$FREE_PORTS_FILE"
  stop_postgres "$RUN_DIR/postgres"
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT
PG_PORT=$(free_port)
start_postgres "$RUN_DIR/postgres" "$PG_PORT"
"$(pg_bindir)/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres retention
log "PostgreSQL with fsync off (scripts/lib.sh) and its default memory settings, on $(nproc) cores"
# shellcheck disable=SC2086 # the sizes are a list
DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/retention" \
POSTMASTER_PID=$(head -1 "$RUN_DIR/postgres/data/postmaster.pid") \
  "$(bin_dir release)/examples/prune_cost" ${BENCH_RETENTION_MONITORS:-10000 100000}
