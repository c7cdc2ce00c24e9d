#!/usr/bin/env bash
# Installs moto (PyPI, server mode) into .local/moto-venv: a local
# S3-speaking server that the blob store's S3 test starts on a loopback port.
# `make test` runs this before the tests; the test fails, never skips, when
# `moto_server` is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv
MOTO_VENV="$PWD/.local/moto-venv"
if [[ ! -x "$MOTO_VENV/bin/moto_server" ]]; then
  log "installing moto[server] (PyPI) into $MOTO_VENV"
  python3 -m venv "$MOTO_VENV"
  "$MOTO_VENV/bin/pip" install --quiet --disable-pip-version-check 'moto[server]==5.*'
fi
"$MOTO_VENV/bin/moto_server" --help >/dev/null || die "moto_server in $MOTO_VENV does not start: remove the folder and run again"
