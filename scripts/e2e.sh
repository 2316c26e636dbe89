#!/bin/sh
# e2e.sh — the browser tests (tests/e2e/): Debian's chromium, driven by
# playwright-core from web/node_modules, against the sanitizer build of
# the server on a loopback port with a small demo street. Screenshots of
# the main pages: build-test/e2e/screenshots/. Part of scripts/test.sh.
#
#   MINSHENG_E2E_ONLY=10-login sh scripts/e2e.sh    one spec file
set -eu
cd "$(dirname "$0")/.."
sh scripts/build-web.sh --deps-only
start=$(date +%s)
node --test-reporter=spec tests/e2e/run.mjs
echo "-- browser tests: $(( $(date +%s) - start )) s; screenshots in build-test/e2e/screenshots/"
