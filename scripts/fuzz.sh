#!/usr/bin/env bash
# Coverage-guided fuzzing of the code that reads untrusted input
# (crates/fuzz-targets): each target runs under libFuzzer for FUZZ_SECONDS
# (default 120), starting from the committed corpus. Prints executions and
# findings per target and fails when any target crashed; a crash's input is
# kept in .local/fuzz/<target>/artifacts, to be added to
# crates/fuzz-targets/corpus/<target>/ with the fix.
#
# Built with the stable toolchain: the instrumentation flags are the ones
# cargo-fuzz passes, without a sanitizer (that part needs nightly).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

FUZZ_SECONDS=${FUZZ_SECONDS:-120}
TARGETS=(url_guard extract_html extract_json condition)
command -v g++ >/dev/null || apt_install g++

HOST=$(rustc -vV | sed -n 's/^host: //p')
export CARGO_TARGET_DIR="$PWD/target/fuzz"
# An explicit --target keeps the flags off build scripts and proc-macros.
RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks" \
  cargo build --release --quiet -p fuzz-targets --features libfuzzer --bins --target "$HOST"

failed=0
summary=()
for target in "${TARGETS[@]}"; do
  work=".local/fuzz/$target"
  mkdir -p "$work/corpus" "$work/artifacts"
  log "fuzzing $target for ${FUZZ_SECONDS}s"
  set +e
  "$CARGO_TARGET_DIR/$HOST/release/fuzz_$target" "$work/corpus" "crates/fuzz-targets/corpus/$target" \
    -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" >"$work/log" 2>&1
  status=$?
  set -e
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  findings=$(find "$work/artifacts" -type f | wc -l)
  summary+=("$target: ${runs:-?} executions, $findings finding(s)")
  if [ "$status" -ne 0 ] || [ "$findings" -ne 0 ]; then
    failed=1
    grep -m5 -E "panicked|ERROR|SUMMARY" "$work/log" >&2 || true
  fi
done
printf '%s\n' "${summary[@]}"
[ "$failed" -eq 0 ] || die "a fuzz target found a crash: see .local/fuzz/*/artifacts and the logs beside them"
log "no findings"
