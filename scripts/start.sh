#!/bin/sh
# start.sh — the first command of the README: install dependencies,
# build, create minsheng.db with the demo street (only if it does not
# exist yet) and start the server on http://127.0.0.1:8080.
#
# Environment: MINSHENG_DB (default ./minsheng.db), LISTEN (default
# 127.0.0.1:8080), DEMO_HOUSEHOLDS (default 50000).
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
make -j"$(nproc)"
DB="${MINSHENG_DB:-minsheng.db}"
if [ ! -f "$DB" ]; then
    ./build/minsheng --db "$DB" demo --households "${DEMO_HOUSEHOLDS:-50000}"
fi
exec ./build/minsheng --db "$DB" serve --listen "${LISTEN:-127.0.0.1:8080}"
