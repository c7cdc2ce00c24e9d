#!/usr/bin/env bash
# Writes .env from .env.example with strong random secrets.
#
#   scripts/generate-keys.sh            # fill only empty secrets
#   FORCE=1 scripts/generate-keys.sh    # replace every generated secret
#
# Idempotent: a second run changes nothing. A secret that already has a value
# is never replaced without FORCE=1 (replacing POSTGRES_PASSWORD would lock
# the services out of an existing database). Variables that .env.example has
# and .env lacks are appended, so upgrading keeps old files complete.
# ENV_FILE and ENV_EXAMPLE choose other paths.
set -euo pipefail

env_file="${ENV_FILE:-.env}"
example="${ENV_EXAMPLE:-.env.example}"
force="${FORCE:-0}"

# Secrets this script owns. GOOGLE_CLIENT_SECRET, OPENAI_API_KEY and SMTP_URL
# come from third parties and are left to the operator.
generated=(JWT_SECRET POSTGRES_PASSWORD REDIS_PASSWORD GATEWAY_INTERNAL_API_KEY SCHEDULER_INTERNAL_API_KEY ALERT_RATING_KEY)

if [[ ! -f "$example" ]]; then
    echo "error: $example not found; run from the repository root or set ENV_EXAMPLE" >&2
    exit 1
fi

# 32 random bytes as URL-safe base64 without padding (43 characters): strong,
# and safe inside DATABASE_URL and REDIS_URL without escaping.
random_secret() {
    if command -v openssl >/dev/null 2>&1; then
        openssl rand -base64 32
    else
        head -c 32 /dev/urandom | base64
    fi | tr -d '\n=' | tr '+/' '-_'
}

# Prints the value of NAME in the env file (empty when unset or absent).
get_value() {
    local line
    line="$(grep -E "^$1=" "$env_file" | tail -n1 || true)"
    printf '%s' "${line#*=}"
}

# Sets NAME=VALUE in the env file, keeping every other line and comment.
set_value() {
    local name="$1" value="$2" tmp
    tmp="$(mktemp "$env_file.XXXXXX")"
    NAME="$name" VALUE="$value" awk '
        BEGIN { done = 0 }
        index($0, ENVIRON["NAME"] "=") == 1 && !done { print ENVIRON["NAME"] "=" ENVIRON["VALUE"]; done = 1; next }
        index($0, ENVIRON["NAME"] "=") == 1 { next }
        { print }
        END { if (!done) print ENVIRON["NAME"] "=" ENVIRON["VALUE"] }
    ' "$env_file" >"$tmp"
    chmod 600 "$tmp"
    mv "$tmp" "$env_file"
}

umask 077
if [[ ! -f "$env_file" ]]; then
    cp "$example" "$env_file"
    echo "created $env_file from $example"
fi
chmod 600 "$env_file"

# Bring in variables added to the example since this .env was written.
while IFS= read -r line; do
    [[ "$line" =~ ^([A-Z][A-Z0-9_]*)= ]] || continue
    name="${BASH_REMATCH[1]}"
    if ! grep -qE "^$name=" "$env_file"; then
        printf '%s\n' "$line" >>"$env_file"
        echo "added $name from $example"
    fi
done <"$example"

changed_callers=0
for name in "${generated[@]}"; do
    current="$(get_value "$name")"
    if [[ -n "$current" && "$force" != "1" ]]; then
        echo "kept $name"
        continue
    fi
    set_value "$name" "$(random_secret)"
    echo "generated $name"
    if [[ "$name" == *_INTERNAL_API_KEY ]]; then
        changed_callers=1
    fi
done

# The key sealing user secrets at rest (monitor headers): kid:key. Never
# replaced, even with FORCE=1: values sealed by it would be lost. Rotate by
# hand (README, "Rotating the secrets key").
if [[ -z "$(get_value SECRETS_KEYS)" ]]; then
    set_value SECRETS_KEYS "k$(date -u +%Y%m%d):$(random_secret)"
    echo "generated SECRETS_KEYS"
else
    echo "kept SECRETS_KEYS"
fi

# hex SHA-256 of a key, as the internal services' digest lists hold it.
digest() {
    if command -v sha256sum >/dev/null 2>&1; then
        printf '%s' "$1" | sha256sum | cut -d' ' -f1
    else
        printf '%s' "$1" | openssl dgst -sha256 -r | cut -d' ' -f1
    fi
}

# Each internal service receives digests of the keys it accepts, never the
# keys: browser and notify the gateway's and the scheduler's, llm only the
# scheduler's. Derived when empty, or when a caller's key was just
# (re)generated, because the old lists cannot contain the new key.
gateway_entry="gateway:$(digest "$(get_value GATEWAY_INTERNAL_API_KEY)")"
scheduler_entry="scheduler:$(digest "$(get_value SCHEDULER_INTERNAL_API_KEY)")"
for server in BROWSER LLM NOTIFY; do
    name="${server}_INTERNAL_API_KEY_DIGESTS"
    if [[ -n "$(get_value "$name")" && "$changed_callers" != "1" ]]; then
        echo "kept $name"
        continue
    fi
    if [[ "$server" == LLM ]]; then
        set_value "$name" "$scheduler_entry"
    else
        set_value "$name" "$gateway_entry,$scheduler_entry"
    fi
    echo "generated $name"
done

chmod 600 "$env_file"
missing=()
for name in GOOGLE_CLIENT_ID GOOGLE_CLIENT_SECRET SMTP_URL HOSTNAME PUBLIC_BASE_URL; do
    [[ -n "$(get_value "$name")" ]] || missing+=("$name")
done
if ((${#missing[@]})); then
    echo "still to set by hand in $env_file: ${missing[*]}"
fi
echo "$env_file is ready (mode 600)"
