#!/bin/sh
# embed-web.sh — the built web application (web/dist, from `npm run
# build` in web/) as the C table ms_web_assets, each file named by its
# path under dist/ ("index.html", "assets/index-3f2a.js"). Text files
# over 1 KiB get a gzip twin ("….js.gz", gzip -9, no name or time so the
# build is reproducible) that src/server/static.c sends to browsers that
# accept gzip.
#
# Usage: embed-web.sh OUT.c DIST_DIR
set -eu
out=$1; dist=$2
stage="$out.stage"
rm -rf "$stage"
mkdir -p "$stage"
cp -R "$dist"/. "$stage"/
rm -f "$stage/.built"
find "$stage" -type f \( -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.svg' -o -name '*.json' \) \
    -size +1k -exec gzip -9 -n -k {} \;
# shellcheck disable=SC2046
EMBED_ROOT="$stage" sh "$(dirname "$0")/embed.sh" ms_web_assets "$out" $(find "$stage" -type f | LC_ALL=C sort)
rm -rf "$stage"
