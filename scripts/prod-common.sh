# Sourced by the prod-*, backup and restore scripts: finds a compose command
# and fixes the project, file and env file every command uses.
# COMPOSE overrides the command (e.g. COMPOSE="docker-compose" or a test shim).

if [[ -z "${COMPOSE:-}" ]]; then
    if docker compose version >/dev/null 2>&1; then
        COMPOSE="docker compose"
    elif command -v docker-compose >/dev/null 2>&1; then
        COMPOSE="docker-compose"
    else
        echo "error: neither 'docker compose' nor 'docker-compose' is installed (apt-get install -y docker-compose, or Docker's compose plugin)" >&2
        exit 1
    fi
fi
COMPOSE_FILE_PATH="${COMPOSE_FILE_PATH:-docker-compose.prod.yml}"
ENV_FILE="${ENV_FILE:-.env}"
PROD_SERVICES=(web gateway scheduler browser llm notify postgres redis)

compose() {
    # shellcheck disable=SC2086 # COMPOSE may be two words ("docker compose").
    $COMPOSE --env-file "$ENV_FILE" -f "$COMPOSE_FILE_PATH" "$@"
}

require_env_file() {
    if [[ ! -f "$ENV_FILE" ]]; then
        echo "error: $ENV_FILE not found; run 'make generate-keys' first" >&2
        exit 1
    fi
}
