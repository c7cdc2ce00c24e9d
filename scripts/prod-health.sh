#!/usr/bin/env bash
# One line per service with its Docker health status, then the public health
# endpoint through nginx. Exits 1 when anything is not healthy.
set -euo pipefail
source "$(dirname "$0")/prod-common.sh"
require_env_file

# DOCKER overrides the docker client (a test shim, or `sudo docker`).
DOCKER="${DOCKER:-docker}"
failed=0
for service in "${PROD_SERVICES[@]}"; do
    id="$(compose ps -q "$service" 2>/dev/null | head -n1)"
    if [[ -z "$id" ]]; then
        status="not running"
    else
        status="$($DOCKER inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$id" 2>/dev/null || echo unknown)"
    fi
    printf '%-10s %s\n' "$service" "$status"
    [[ "$status" == "healthy" ]] || failed=1
done

# The same path a user takes: TLS at nginx, proxied to the gateway.
https_port="$(sed -n 's/^HTTPS_PORT=//p' "$ENV_FILE" | tail -n1)"
url="https://127.0.0.1:${https_port:-443}/health"
if command -v curl >/dev/null 2>&1; then
    # -k: the certificate names the public host, not 127.0.0.1.
    if body="$(curl -fsS -k --noproxy 127.0.0.1 --max-time 5 "$url" 2>&1)"; then
        printf '%-10s %s\n' "public" "ok ($url)"
    else
        printf '%-10s %s\n' "public" "FAILED ($url: $body)"
        failed=1
    fi
else
    printf '%-10s %s\n' "public" "skipped (curl not installed)"
fi
exit "$failed"
