#!/bin/sh
# install-deps.sh — installs the Debian 12 packages minsheng needs to
# build, run and test. Does nothing when they are all present; otherwise
# runs apt-get (as root, or through sudo).
#
#   scripts/install-deps.sh           what the build and the test suite need,
#                                     pg_auto_failover included (scripts/pg-cluster.sh,
#                                     bench/failover.sh: the suite's failover test)
#   scripts/install-deps.sh cluster   the same (kept for the commands in docs)
#   scripts/install-deps.sh bench     that and haproxy, the load balancer of
#                                     bench/district.sh (not the test suite's)
#
# Also the web application's npm packages (web/package-lock.json, `npm
# ci`, through scripts/build-web.sh's check) with the machine's Node.js
# (Debian's nodejs and npm when there is none), and Debian's chromium
# with a CJK font for the browser tests (tests/e2e/: playwright-core
# drives it; no browser is ever downloaded).
set -eu

PACKAGES="build-essential pkg-config
libmicrohttpd-dev libsqlite3-dev libjansson-dev libsodium-dev libcsv-dev
liboath-dev libqrencode-dev libicu-dev
libzip-dev libexpat1-dev libxlsxwriter-dev
libcmocka-dev libcurl4-openssl-dev
clang-14 libclang-rt-14-dev
sqlite3 curl wrk openssl iproute2 unzip
postgresql-15 libpq-dev
postgresql-15-auto-failover pg-auto-failover-cli
chromium fonts-wqy-microhei"
case "${1:-}" in
    "") ;;
    cluster) ;;
    bench) PACKAGES="$PACKAGES haproxy" ;;
    *) echo "用法: $0 [cluster|bench]" >&2; exit 2 ;;
esac

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"
if [ -n "$missing" ]; then
    echo "安装依赖:$missing"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
            echo "需要 root 权限安装:$missing" >&2; exit 1
        fi
    fi
    $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing
fi
# The web application's packages, pinned by the lockfile.
sh "$(dirname "$0")/build-web.sh" --deps-only
