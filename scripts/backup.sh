#!/usr/bin/env bash
# Dumps the PostgreSQL database to backups/lookout-<UTC timestamp>.dump
# (pg_dump custom format: compressed, restorable table by table).
# BACKUP_DIR chooses another directory.
set -euo pipefail
source "$(dirname "$0")/prod-common.sh"
require_env_file

backup_dir="${BACKUP_DIR:-backups}"
mkdir -p "$backup_dir"
chmod 700 "$backup_dir"
target="$backup_dir/lookout-$(date -u +%Y%m%dT%H%M%SZ).dump"
partial="$target.partial"

umask 077
# Written under a temporary name first, so a failed dump never looks like a
# finished backup.
if ! compose exec -T postgres pg_dump --username lookout --dbname lookout --format custom >"$partial"; then
    rm -f "$partial"
    echo "error: pg_dump failed; is the stack up? (make prod-health)" >&2
    exit 1
fi
if [[ ! -s "$partial" ]]; then
    rm -f "$partial"
    echo "error: pg_dump produced an empty file" >&2
    exit 1
fi
mv "$partial" "$target"
echo "wrote $target ($(wc -c <"$target") bytes)"
