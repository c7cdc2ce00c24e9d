#!/usr/bin/env bash
# Stops the stack. Data volumes are kept (PostgreSQL, Redis); removing them
# needs an explicit `docker compose -f docker-compose.prod.yml down -v`.
set -euo pipefail
source "$(dirname "$0")/prod-common.sh"
require_env_file
compose --profile observability down "$@"
