# Lookout's commands. Each target is one line; logic lives in scripts/.
.DEFAULT_GOAL := help
.PHONY: help dev test bench bench-checks bench-claim bench-retention bench-list bench-import fuzz fmt lint build

help: ## List the targets.
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort

dev: ## Run the whole mesh locally with no configuration (Ctrl-C stops it).
	scripts/dev.sh

test: ## Run every check and test (installs and starts what it needs).
	scripts/test.sh

bench: ## Release-build benchmarks on loopback (gateway, then bench-checks, bench-claim, bench-retention, bench-list, bench-import).
	scripts/bench.sh
	scripts/bench-checks.sh
	scripts/bench-claim.sh
	scripts/bench-retention.sh
	scripts/bench-monitor-list.sh
	scripts/bench-import.sh

bench-list: ## The monitor list at 10,000 monitors: filters, paging, bulk by filter (BENCH_LIST_MONITORS).
	scripts/bench-monitor-list.sh

bench-import: ## A 10,000-line import: dry run and confirmed, JSON and streamed (BENCH_IMPORT_LINES).
	scripts/bench-import.sh

bench-checks: ## The checks benchmark: 1,000 and 10,000 monitors of a local site (BENCH_CHECKS_MONITORS).
	scripts/bench-checks.sh

bench-claim: ## The claim alone on 10,000 to 1,000,000 generated monitors (BENCH_CLAIM_MONITORS).
	scripts/bench-claim.sh

bench-retention: ## A pruning run over generated history of 10,000 and 100,000 monitors, beside dropping partitions (BENCH_RETENTION_MONITORS).
	scripts/bench-retention.sh

fuzz: ## Coverage-guided fuzzing of URL, page, selector and condition parsing (FUZZ_SECONDS per target).
	scripts/fuzz.sh

build: ## Build every binary.
	cargo build --workspace --bins

fmt: ## Format the code.
	cargo fmt --all

lint: ## Formatting check and clippy with warnings as errors.
	cargo fmt --all --check && cargo clippy --workspace --all-targets -- -D warnings

include deploy/MAKEFILE_TARGETS.mk
