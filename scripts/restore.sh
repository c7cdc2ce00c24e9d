#!/usr/bin/env bash
# Restores a dump made by scripts/backup.sh:
#   scripts/restore.sh backups/lookout-20260101T000000Z.dump   (or FILE=...)
# It replaces the current data. gateway and scheduler are stopped meanwhile so
# nothing writes during the restore, then started again. Asks for
# confirmation unless CONFIRM=yes.
set -euo pipefail
source "$(dirname "$0")/prod-common.sh"
require_env_file

file="${1:-${FILE:-}}"
if [[ -z "$file" ]]; then
    echo "usage: make restore FILE=backups/lookout-<timestamp>.dump" >&2
    exit 2
fi
if [[ ! -s "$file" ]]; then
    echo "error: $file does not exist or is empty" >&2
    exit 1
fi
if [[ "${CONFIRM:-}" != "yes" ]]; then
    read -r -p "Replace the current database with $file? Type 'yes': " answer
    if [[ "$answer" != "yes" ]]; then
        echo "aborted"
        exit 1
    fi
fi

compose stop gateway scheduler
# Restart the writers whatever happens, so a failed restore does not leave
# the site down.
trap 'compose start gateway scheduler >/dev/null || true' EXIT
compose exec -T postgres pg_restore --username lookout --dbname lookout \
    --clean --if-exists --no-owner --single-transaction <"$file"
echo "restored $file"
