#!/usr/bin/env bash
# Builds every production image (one Rust compile shared by all targets).
set -euo pipefail
source "$(dirname "$0")/prod-common.sh"
require_env_file
compose build "$@"
