#!/usr/bin/env bash
# The web UI's checks: the committed API types match the gateway's OpenAPI
# document, typecheck, unit/component tests (Vitest) and the production build.
# The end-to-end scenario runs against the real mesh: scripts/web-e2e.sh.
set -euo pipefail

cd "$(dirname "$0")/../web"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "web-test: node and npm are needed (Node 20+): apt-get install -y nodejs npm" >&2
  exit 1
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "web-test: installing node packages (npm ci)"
  npm ci --no-audit --no-fund
fi

echo "web-test: API types match the gateway's OpenAPI document"
npm run --silent gen:api -- --check
echo "web-test: typecheck"
npm run --silent typecheck
echo "web-test: unit and component tests"
npm run --silent test
echo "web-test: build"
npx vite build --logLevel warn
