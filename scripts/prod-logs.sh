#!/usr/bin/env bash
# Follows the logs of all services, or of those named: scripts/prod-logs.sh gateway
# SERVICE=gateway (from `make prod-logs SERVICE=gateway`) does the same.
set -euo pipefail
source "$(dirname "$0")/prod-common.sh"
require_env_file
# shellcheck disable=SC2086 # SERVICE may list several names.
compose logs --follow --tail "${TAIL:-200}" "$@" ${SERVICE:-}
