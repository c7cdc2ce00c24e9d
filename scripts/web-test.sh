#!/usr/bin/env bash
# The web UI's checks: typecheck, unit/component tests (Vitest), production
# build, and the end-to-end scenario in Debian's Chromium. Without
# LOOKOUT_E2E_BASE_URL the scenario runs against web/e2e/mock-api.mjs; with it,
# against that running Lookout (the real mesh with the development provider).
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

chromium_path="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$chromium_path" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "web-test: installing Debian's chromium"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "web-test: $chromium_path is missing: run 'sudo apt-get install -y chromium' or set CHROMIUM_PATH" >&2
    exit 1
  fi
fi

echo "web-test: typecheck"
npm run --silent typecheck
echo "web-test: unit and component tests"
npm run --silent test
echo "web-test: build"
npx vite build --logLevel warn
echo "web-test: end-to-end"
npm run --silent e2e
