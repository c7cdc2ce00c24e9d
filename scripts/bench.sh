#!/usr/bin/env bash
# Benchmarks on loopback with release builds. Figures are printed, not
# asserted: compare ratios measured in one run.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

ensure_redis_binaries
log "release build"
cargo build --release --workspace --bins --examples --quiet
log "mesh figures (idle memory, internal call latency)"
"$PWD/target/release/examples/mesh_figures"
