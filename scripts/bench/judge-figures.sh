#!/usr/bin/env bash
# The judge's cost figures, measured by the llm tests that assert them and
# printed here: model calls per 1,000 checks of pages with repeated changes
# (10 pages rotating between 3 versions, 100 checks each) at a local
# OpenAI-compatible server, with and without the verdict cache; and prompt
# tokens per check on a large page with one changed line, whole page against
# the diff-based prompt. Uses LOOKOUT_TEST_REDIS_URL when set, else a
# throwaway Redis (test-support starts one).
set -euo pipefail
cd "$(dirname "$0")/../.."

out=$(mktemp)
trap 'rm -f "$out"' EXIT
if ! cargo test --workspace --quiet --test cache a_thousand_checks -- --nocapture >"$out" 2>&1; then
  cat "$out" >&2
  echo "judge-figures: the cache measurement failed (see above)" >&2
  exit 1
fi
grep -h 'model calls per 1,000 checks' "$out"
if ! cargo test --workspace --quiet --lib a_large_page_is_judged_on_the_diff -- --nocapture >"$out" 2>&1; then
  cat "$out" >&2
  echo "judge-figures: the prompt measurement failed (see above)" >&2
  exit 1
fi
grep -h 'prompt tokens per check' "$out"
