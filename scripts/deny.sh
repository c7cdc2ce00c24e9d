#!/usr/bin/env bash
# Supply-chain checks of the dependency tree with cargo-deny (deny.toml):
# licences, bans and sources always; RustSec advisories against the advisory
# database, fetched when GitHub is reachable, else this machine's last copy
# (its date is printed), else skipped with a message saying so (a sandbox
# that reaches the package registries only cannot fetch it).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

if ! command -v cargo-deny >/dev/null; then
  log "installing cargo-deny (once per machine)"
  cargo install --locked --quiet cargo-deny
fi

cargo deny --log-level error check licenses bans sources

DB_DIR="${CARGO_HOME:-$HOME/.cargo}/advisory-dbs"
# An update that fails (no network) keeps the copy already on this machine.
timeout 60 cargo deny --log-level error fetch db >/dev/null 2>&1 || true
copy=$(find "$DB_DIR" -mindepth 2 -maxdepth 2 -name .git -printf '%h\n' 2>/dev/null | head -1)
if [ -n "$copy" ]; then
  log "advisories: the RustSec database as of $(git -C "$copy" log -1 --format=%cs)"
  cargo deny --log-level error --offline check advisories
else
  log "SKIPPED advisories: no network to fetch the RustSec database and no copy on this machine (run 'cargo deny fetch' where GitHub is reachable)"
fi
