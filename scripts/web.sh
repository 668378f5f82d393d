#!/usr/bin/env bash
# The web app (web/): install its Node packages (npm ci, only when package-lock.json changed),
# build it into web/dist (served by the API at /), and with `test` also lint, type-check, run the
# Vitest component tests and the Playwright browser tests against the running local stack.
#   scripts/web.sh build     install + production build
#   scripts/web.sh check     install + build + ESLint + tsc --noEmit + Vitest (needs no stack)
#   scripts/web.sh e2e       Playwright against the local stack (needs the build and .venv)
#   scripts/web.sh test      check + e2e
#   scripts/web.sh browser   install Debian's chromium for the browser tests when it is missing
set -euo pipefail
cd "$(dirname "$0")/../web"
mode=${1:-build}
case "$mode" in
  build | check | e2e | test | browser) ;;
  *) echo "[web] unknown mode '$mode' (build, check, e2e, test or browser)" >&2; exit 2 ;;
esac

install_browser() {
  [ ! -x /usr/bin/chromium ] || return 0
  echo "[web] installing Debian's chromium for the browser tests"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
}
if [ "$mode" = browser ]; then
  install_browser
  exit 0
fi

if ! command -v node >/dev/null 2>&1 || ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  echo "[web] Node.js >= 20.19 is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ "$mode" != e2e ]; then
  lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ ! -d node_modules ] || [ "$(cat node_modules/.lock-hash 2>/dev/null)" != "$lock_hash" ]; then
    echo "[web] npm ci"
    npm ci --no-audit --no-fund
    echo "$lock_hash" >node_modules/.lock-hash
  fi

  echo "[web] build"
  npm run --silent build
  [ "$mode" = build ] && exit 0

  echo "[web] eslint"
  npm run --silent lint
  echo "[web] tsc --noEmit"
  npm run --silent typecheck
  echo "[web] vitest"
  npm run --silent test
fi
[ "$mode" = check ] && exit 0
if [ ! -d node_modules ] || [ ! -f dist/index.html ]; then
  echo "[web] the browser tests need the installed packages and the build: run scripts/web.sh check first" >&2
  exit 1
fi

install_browser
echo "[web] playwright (real API + worker on the local stack)"
npx playwright test
