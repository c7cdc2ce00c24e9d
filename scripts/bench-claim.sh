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

# shellcheck disable=SC2086 # the sizes are a list
run_store_example claim_latency ${BENCH_CLAIM_MONITORS:-10000 100000 1000000}
