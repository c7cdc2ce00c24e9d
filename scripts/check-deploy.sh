#!/usr/bin/env bash
# Runs the deployment checks (crates/deploy-checks) with every tool they drive
# installed, so none of them is skipped:
#   docker-compose (Debian's, validates docker-compose.prod.yml without an engine)
#   nginx          (Debian's, `nginx -t` and a loopback run of the edge config)
#   kubectl        (Debian's kubernetes-client, `kubectl kustomize deploy/k8s`)
#   kubernetes-validate (PyPI, in a throwaway venv: the rendered manifests
#                  against the Kubernetes schemas, strictly)
# The tools are installed with apt-get when missing and this runs as root;
# otherwise it says what to install. Nothing is started as a system service.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v nginx >/dev/null 2>&1 || missing+=(nginx)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v pg_dump >/dev/null 2>&1 && command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
command -v kubectl >/dev/null 2>&1 || command -v kustomize >/dev/null 2>&1 || missing+=(kubernetes-client)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)

if ((${#missing[@]})); then
    if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
        echo "installing ${missing[*]} from Debian's archive"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        # --no-install-recommends: docker-compose would otherwise pull in the
        # Docker engine, which the checks do not need.
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
        # Debian starts nginx on port 80 after installing it where an init
        # system runs; the checks start their own on loopback ports.
        if command -v service >/dev/null 2>&1; then
            service nginx stop >/dev/null 2>&1 || true
        fi
    else
        echo "error: missing ${missing[*]}; install them (sudo apt-get install -y --no-install-recommends ${missing[*]}) or run as root" >&2
        exit 1
    fi
fi

VALIDATOR_VENV="$PWD/.local/k8s-venv"
if [[ ! -x "$VALIDATOR_VENV/bin/kubernetes-validate" ]]; then
    echo "installing kubernetes-validate (PyPI) into $VALIDATOR_VENV"
    python3 -m venv "$VALIDATOR_VENV"
    "$VALIDATOR_VENV/bin/pip" install --quiet --disable-pip-version-check 'kubernetes-validate==1.*'
fi
export PATH="$PATH:$VALIDATOR_VENV/bin"

# `make test` only needs the tools here: its workspace test run includes these checks.
[[ "${1:-}" == "--tools-only" ]] && exit 0

# The production-mode mesh checks start the real binaries. The whole
# workspace, so features resolve as in every other build (no rebuild).
cargo build --workspace --bins
cargo test -p deploy-checks "$@"
