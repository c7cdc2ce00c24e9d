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

# shellcheck disable=SC2086 # the sizes are a list
run_store_example prune_cost ${BENCH_RETENTION_MONITORS:-10000 100000}
