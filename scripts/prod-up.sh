#!/usr/bin/env bash
# Starts the production stack and waits until every service is healthy.
# PROFILES="observability" also starts the collector and the trace UI.
set -euo pipefail
source "$(dirname "$0")/prod-common.sh"
require_env_file

cert_dir="$(sed -n 's/^TLS_CERT_DIR=//p' "$ENV_FILE" | tail -n1)"
cert_dir="${cert_dir:-./certs}"
if [[ ! -s "$cert_dir/tls.crt" || ! -s "$cert_dir/tls.key" ]]; then
    echo "error: no TLS certificate in $cert_dir (tls.crt, tls.key)." >&2
    echo "       Copy your CA-issued files there, or for a trial run scripts/gen-self-signed-cert.sh $cert_dir" >&2
    exit 1
fi

profile_args=()
for profile in ${PROFILES:-}; do
    profile_args+=(--profile "$profile")
done
# --wait (compose v2) returns once every healthcheck passes, or fails.
if compose up --help 2>/dev/null | grep -q -- '--wait'; then
    compose "${profile_args[@]}" up -d --wait "$@"
else
    compose "${profile_args[@]}" up -d "$@"
    echo "this compose has no --wait; check readiness with 'make prod-health'"
fi
