#!/bin/sh
# bench/assist_payment_run.sh — a monthly payment run of social assistance
# for 100,000 active beneficiaries (issue 11): compute, freeze, bank
# export, timed through the API on SQLite, beside the same work done by
# the sqlite3 shell (the reference: the database's share). Not part of
# the test suite.
#
#   1. a demo street of BENCH_HOUSEHOLDS households (default 45000, about
#      108,000 residents), its residents exported with full ID numbers;
#   2. BENCH_CASES of them (default 100000) enrolled as 城市低保 cases
#      (`minsheng assistance enrol`, members 1–3, incomes 0–500 yuan),
#      timed;
#   3. the server started; a second street account (the reviewer);
#      POST /assistance/runs (compute), POST …/freeze, GET …/bank.xlsx
#      and …/bank.csv, each timed with curl;
#   4. the reference in the sqlite3 shell on a copy of the database (foreign
#      keys on, as the server has them):
#      the run's eligible query as an aggregate, and the lines written
#      with one INSERT … SELECT (no encryption, no C in between).
#
# Options: --cases N (BENCH_CASES; with fewer cases the demo street is
# sized to match, BENCH_HOUSEHOLDS = N × 0.45 unless set: `--cases 10000`
# runs in under a minute); --reuse: steps 1–2 once, the enrolled database
# kept as $BENCH_DIR/assist-N.db and copied for each later run (to compare
# builds on the same data: MINSHENG_BIN=/path/to/other/minsheng).
# Environment: BENCH_HOUSEHOLDS, BENCH_CASES, BENCH_DIR (default
# bench/out-assist), BENCH_PORT (default 41380), MINSHENG_BIN.
set -eu
cd "$(dirname "$0")/.."
CASES="${BENCH_CASES:-100000}"
REUSE=0
while [ $# -gt 0 ]; do
    case "$1" in
    --cases) CASES="$2"; shift 2 ;;
    --reuse) REUSE=1; shift ;;
    *) echo "usage: $0 [--cases N] [--reuse]" >&2; exit 2 ;;
    esac
done
HH="${BENCH_HOUSEHOLDS:-$((CASES * 45 / 100 > 200 ? CASES * 45 / 100 : 200))}"
if [ -z "${MINSHENG_BIN:-}" ]; then make -j2 build/minsheng >/dev/null; fi
PORT="${BENCH_PORT:-41380}"
OUT="${BENCH_DIR:-bench/out-assist}"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
BIN="${MINSHENG_BIN:-./build/minsheng}"
DB="$OUT/assist.db"
BASE="$OUT/assist-$CASES.db"
rm -f "$DB" "$DB"-* "$DB".* "$OUT"/ref.db*
SERVER=""
trap 'if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; fi' EXIT INT TERM

now() { date +%s.%N; }
secs() { awk "BEGIN{printf \"%.2f\", $2 - $1}"; }

echo "== load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$REUSE" = 1 ] && [ -f "$BASE" ]; then
    cp "$BASE" "$DB"
    cp "$BASE.key" "$DB.key" 2>/dev/null || true
    t_enrol="(reused)"
    echo "reused $BASE"
else
t0=$(now)
$BIN --db "$DB" demo --households "$HH" --seed 1 >/dev/null 2>&1
$BIN --db "$DB" export residents --full-id --purpose bench --out "$OUT/residents.csv" >/dev/null 2>&1
echo "demo street of $HH households and its export: $(secs "$t0" "$(now)") s"

# the demo's own 城市低保 beneficiaries (household, name, birth date) are left out
sqlite3 -separator , "$DB" "SELECT h.code, r.name, r.birth_date FROM assistance_case ac
 JOIN wf_case c ON c.id = ac.id JOIN resident r ON r.id = ac.resident_id JOIN household h ON h.id = r.household_id
 WHERE ac.programme_id = (SELECT id FROM assistance_programme WHERE code = 'dibao_urban') AND c.closed_at IS NULL" >"$OUT/have.csv"
python3 - "$OUT/residents.csv" "$OUT/enrol.csv" "$CASES" "$OUT/have.csv" <<'EOF'
import csv, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
have = {tuple(r) for r in csv.reader(open(sys.argv[4], encoding="utf-8"))}
rows = (r for r in csv.reader(open(src, encoding="utf-8-sig")) if (r[0], r[5], r[8]) not in have)
next(rows)
with open(dst, "w", encoding="utf-8") as out:
    out.write("programme,id_number,area,band_key,members_counted,income_fen,start_month,review_class,"
              "bank_name,account_name,account_number\n")
    k = 0
    for r in rows:
        if k == n:
            break
        out.write("dibao_urban,%s,urban,,%d,%d,2024-01,A,农业银行,%s,62284800%010d\n"
                  % (r[6].strip(), 1 + k % 3, (k * 3700) % 50000, r[5], k))
        k += 1
if k < n:
    sys.exit("only %d residents: raise BENCH_HOUSEHOLDS" % k)
EOF

t0=$(now)
$BIN --db "$DB" assistance enrol "$OUT/enrol.csv" >"$OUT/enrol.log" 2>&1 || { tail -5 "$OUT/enrol.log"; exit 1; }
tail -1 "$OUT/enrol.log"
t_enrol=$(secs "$t0" "$(now)")
echo "enrol (存量纳入) of $CASES cases: $t_enrol s"
if [ "$REUSE" = 1 ]; then
    sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
    cp "$DB" "$BASE"
    cp "$DB.key" "$BASE.key" 2>/dev/null || true
fi
fi

MINSHENG_PASSWORD='Initial#2027bench' $BIN --db "$DB" user add fuhe2 --role street --org 371702001 --name 复核员 >/dev/null 2>&1
$BIN --db "$DB" serve --listen "127.0.0.1:$PORT" --two-factor off >"$OUT/server.log" 2>&1 &
SERVER=$!
URL="http://127.0.0.1:$PORT/api/v1"
for _ in $(seq 50); do curl -s -o /dev/null "$URL/openapi.json" && break; sleep 0.2; done
H='Content-Type: application/json'
token() {
    curl -s -X POST "$URL/auth/login" -H "$H" -d "{\"username\":\"$1\",\"password\":\"$2\"}" |
        python3 -c 'import json,sys; print(json.load(sys.stdin).get("token", ""))'
}
T1=$(token jiedao 'Minsheng@2026')
T0=$(token fuhe2 'Initial#2027bench')
curl -s -o /dev/null -X POST "$URL/auth/password" -H "$H" -H "Authorization: Bearer $T0" \
    -d '{"old_password":"Initial#2027bench","new_password":"Reviewer#2027bench"}'
T2=$(token fuhe2 'Reviewer#2027bench')

# timed METHOD PATH TOKEN [BODY]: "wall cpu": the seconds curl took and the
# server's CPU seconds (user + system) meanwhile; the reply in $OUT/reply.
TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }
timed() {
    c0=$(cpu_ticks)
    w=$(curl -s -o "$OUT/reply" -w '%{time_total}' -X "$1" "$URL$2" -H "$H" -H "Authorization: Bearer $3" ${4:+-d "$4"})
    c1=$(cpu_ticks)
    echo "$w $(awk "BEGIN{printf \"%.2f\", ($c1 - $c0) / $TCK}")"
}
t_compute=$(timed POST /assistance/runs "$T1" '{"programme":"dibao_urban","month":"2024-09"}')
RUN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$OUT/reply")
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("run #%d: %d households, %d people, %.2f yuan, %d held" % (r["id"], r["households"], r["people"], r["total_fen"]/100, r["held"]))' "$OUT/reply"
t_recompute=$(timed POST "/assistance/runs/$RUN/compute" "$T1" '{}')
t_freeze=$(timed POST "/assistance/runs/$RUN/freeze" "$T2" '{}')
t_xlsx=$(timed GET "/assistance/runs/$RUN/bank.xlsx" "$T1")
xlsx_bytes=$(wc -c <"$OUT/reply")
t_csv=$(timed GET "/assistance/runs/$RUN/bank.csv" "$T1")
csv_lines=$(wc -l <"$OUT/reply")
kill "$SERVER"
wait "$SERVER" 2>/dev/null || true
SERVER=""

# The reference: the same reads and writes in the sqlite3 shell, on a copy.
sqlite3 "$DB" "VACUUM INTO '$OUT/ref.db'"
REF=$(sqlite3 "$OUT/ref.db" <<EOF 2>&1
.timer on
PRAGMA foreign_keys = ON;
SELECT COUNT(*), SUM(ac.members_counted), SUM(ac.income_fen), COUNT(ac.account_enc)
 FROM assistance_case ac JOIN wf_case c ON c.id = ac.id JOIN resident r ON r.id = ac.resident_id
 WHERE ac.programme_id = (SELECT id FROM assistance_programme WHERE code = 'dibao_urban')
 AND c.state = 'active' AND ac.start_month <= '2024-10' AND (ac.end_month IS NULL OR ac.end_month >= '2024-10')
 AND NOT EXISTS (SELECT 1 FROM resident_event_flag f WHERE f.resident_id = ac.resident_id AND f.handled_at IS NULL);
INSERT INTO assistance_payment_run (id, programme_id, month, computed_at) VALUES (999999, 1, '2024-10', '2026-01-01 00:00:00');
BEGIN;
INSERT INTO assistance_payment_line (run_id, case_id, household_id, resident_id, kind, people, amount_fen, standard_id,
 explain, account_name, bank_name, account_enc, account_tail)
 SELECT 999999, ac.id, ac.household_id, ac.resident_id, 'regular', ac.members_counted,
 MAX(78000 * ac.members_counted - ac.income_fen, 3000), 2, '城市低保 标准 780.00 元 × ' || ac.members_counted || ' 人',
 ac.account_name, ac.bank_name, ac.account_enc, ac.account_tail
 FROM assistance_case ac JOIN wf_case c ON c.id = ac.id
 WHERE ac.programme_id = 1 AND c.state = 'active';
COMMIT;
EOF
)
# "wall cpu" of the Nth timed statement (cpu = user + sys)
ref_at() {
    echo "$REF" | grep '^Run Time' | sed -n "$1p" | awk '{printf "%.3f %.3f", $4, $6 + $8}'
}
ref_read=$(ref_at 2)
ref_write=$(echo "$(ref_at 5) $(ref_at 6)" | awk '{printf "%.3f %.3f", $1 + $3, $2 + $4}')
ref_wall=$(echo "$ref_read $ref_write" | awk '{print $1 + $3}')
ref_cpu=$(echo "$ref_read $ref_write" | awk '{print $2 + $4}')

row() { printf '%-54s %8s %8s\n' "$1" "$2" "$3"; }
echo
row "step ($CASES active beneficiaries, SQLite, $(basename "$BIN"))" "wall s" "CPU s"
row "enrol (存量纳入, one transaction, engine rows)" "$t_enrol" ""
row "compute (POST /assistance/runs)" $t_compute
row "recompute the draft (POST /runs/{id}/compute)" $t_recompute
row "freeze (POST /runs/{id}/freeze)" $t_freeze
row "bank.xlsx ($xlsx_bytes bytes)" $t_xlsx
row "bank.csv ($csv_lines lines)" $t_csv
row "sqlite3 shell: the eligible query (aggregate)" $ref_read
row "sqlite3 shell: INSERT … SELECT of the lines, commit" $ref_write
echo "compute / sqlite3 reference (read + write): wall $(echo $t_compute | awk -v r="$ref_wall" '{printf "%.1f", $1 / r}')×," \
    "CPU $(echo $t_compute | awk -v r="$ref_cpu" '{printf "%.1f", $2 / r}')×"
