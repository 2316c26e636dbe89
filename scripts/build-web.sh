#!/bin/sh
# build-web.sh — builds the web application (web/: Vue 3, Element Plus,
# ECharts, Vite) into web/dist, which `make` embeds in the binary. The
# packages come from web/package-lock.json through `npm ci`
# (scripts/install-deps.sh runs it too); they are reinstalled only when
# the lockfile changed.
#
# Usage: build-web.sh [--deps-only]   (--deps-only: `npm ci` when needed, no build)
set -eu
cd "$(dirname "$0")/../web"
if ! cmp -s package-lock.json node_modules/.minsheng-lock 2>/dev/null; then
    npm ci --no-audit --no-fund --loglevel=error
    cp package-lock.json node_modules/.minsheng-lock
fi
[ "${1:-}" = --deps-only ] && exit 0
node node_modules/vite/bin/vite.js build --logLevel warn
touch dist/.built
