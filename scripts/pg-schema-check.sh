#!/bin/sh
# pg-schema-check.sh — the schema on PostgreSQL 15 against the schema on
# SQLite. Starts a throw-away PostgreSQL cluster (initdb in a temporary
# directory, as the `postgres` user when run as root, listening on
# 127.0.0.1 only, its socket in that directory), creates a database
# (UTF8, LC_COLLATE C) and applies every migration in order the way the
# program does: src/storage/migrations/NNNN_*.sql, or the file of the same
# name in src/storage/migrations/pg/ where there is one, each in its own
# transaction with its row in schema_migrations. Then it checks that:
#
#   1. every migration applies without an error;
#   2. both engines end with the same tables and views, the same columns
#      in the same order with compatible types (INTEGER = bigint/integer,
#      TEXT = text), the same NOT NULL columns, primary keys and UNIQUE
#      constraints, the same indexes on the same columns (partial where
#      partial), and the same triggers (SQLite: a
#      fresh `minsheng init` database);
#   3. tests/sql/registry_counts.sql (writes of households, residents,
#      tags and import batches) gives the same output on both engines,
#      with registry_count equal to a recount after every step;
#   4. migration 0001 refuses a database whose collation is not C.
#
# Exits non-zero at the first failure, and removes the cluster.
#
# Environment: MINSHENG_BIN (default build/minsheng), PG_BIN (default
# /usr/lib/postgresql/15/bin), PG_PORT (default: a random free port).
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
bin=${MINSHENG_BIN:-$root/build/minsheng}
pgbin=${PG_BIN:-/usr/lib/postgresql/15/bin}
[ -x "$bin" ] || { echo "pg-schema-check: $bin missing (make first)" >&2; exit 1; }
[ -x "$pgbin/initdb" ] || { echo "pg-schema-check: no PostgreSQL 15 in $pgbin (scripts/install-deps.sh)" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "pg-schema-check: sqlite3 missing" >&2; exit 1; }

tmp=$(mktemp -d /tmp/minsheng-pgcheck.XXXXXX)
chmod 755 "$tmp"
started=""
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
cleanup() {
    [ -n "$started" ] && as_pg "$pgbin/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() {
    echo "pg-schema-check: $*" >&2
    exit 1
}

# ---- cluster ---------------------------------------------------------------
mkdir "$tmp/data" "$tmp/out"
[ "$(id -u)" -eq 0 ] && chown postgres "$tmp" "$tmp/data"
as_pg "$pgbin/initdb" -D "$tmp/data" -U minsheng --auth=trust -E UTF8 --locale=C >"$tmp/initdb.log" 2>&1 ||
    { cat "$tmp/initdb.log" >&2; fail "initdb failed"; }
port_free() { ! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
for try in 1 2 3 4 5; do
    port=${PG_PORT:-$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000))}
    port_free "$port" || continue
    if as_pg "$pgbin/pg_ctl" -D "$tmp/data" -l "$tmp/data/log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $tmp -c fsync=off" start >/dev/null 2>&1; then
        started=1
        break
    fi
    [ -n "${PG_PORT:-}" ] && break
done
[ -n "$started" ] || { cat "$tmp/data/log" >&2 2>/dev/null || true; fail "PostgreSQL did not start"; }

pg() { psql -X -q -At -F'|' -h 127.0.0.1 -p "$port" -U minsheng -v ON_ERROR_STOP=1 "$@"; }
pg -d postgres -c "CREATE DATABASE minsheng TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"

# ---- 1. migrations -----------------------------------------------------------
# The list the Makefile embeds as ms_migrations_pg.
for p in src/storage/migrations/pg/*.sql; do
    [ -e "$p" ] || continue
    [ -e "src/storage/migrations/$(basename "$p")" ] || fail "$p has no SQLite file of the same name"
done
# schema_migrations as DB_SCHEMA_MIGRATIONS_DDL (src/storage/migrations.h) creates it.
pg -d minsheng -c "CREATE TABLE IF NOT EXISTS schema_migrations(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
n=0
for f in src/storage/migrations/*.sql; do
    name=$(basename "$f")
    file=src/storage/migrations/pg/$name
    [ -e "$file" ] || file=$f
    version=$(echo "$name" | sed 's/^0*\([0-9][0-9]*\)_.*/\1/')
    pg -d minsheng -1 -f "$file" \
        -c "INSERT INTO schema_migrations(version, name, applied_at) VALUES ($version, '$name', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'))" ||
        fail "$file does not apply on PostgreSQL"
    n=$((n + 1))
done
echo "pg-schema-check: $n migrations applied on PostgreSQL $(pg -d minsheng -c 'SHOW server_version')"

# ---- 2. same schema ------------------------------------------------------------
lite=$tmp/lite.db
env -u MINSHENG_PASSWORD "$bin" --db "$lite" init --street-code 371702001 --street-name 检查街道 >"$tmp/init.log" 2>&1 ||
    { cat "$tmp/init.log" >&2; fail "minsheng init failed"; }
cp "$lite" "$tmp/counts.db"

# One line per fact: "column|table|position|name|type|notnull", "pk|table|column",
# "index|name|table|position|column", "trigger|name|table". Types: INTEGER
# and bigint/integer print "int", TEXT and text "text"; a view's columns
# print "-" for type and nullability (SQLite has no types for them).
sqlite3 "$lite" >"$tmp/out/sqlite.schema" <<'EOF'
SELECT 'column', m.name, p.cid, p.name,
       CASE WHEN m.type = 'view' THEN '-' WHEN upper(p.type) = 'INTEGER' THEN 'int' WHEN upper(p.type) = 'TEXT' THEN 'text' ELSE p.type END,
       CASE WHEN m.type = 'view' THEN '-' ELSE (p."notnull" OR p.pk > 0) END
  FROM sqlite_master m, pragma_table_info(m.name) p
 WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite_%';
SELECT 'pk', m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND p.pk > 0;
SELECT 'index', m.name, m.tbl_name, i.seqno, i.name FROM sqlite_master m, pragma_index_info(m.name) i
 WHERE m.type = 'index' AND m.sql IS NOT NULL;
SELECT 'partial', m.name, l.name FROM sqlite_master m, pragma_index_list(m.name) l
 WHERE m.type = 'table' AND l.partial;
SELECT 'unique', m.name, (SELECT group_concat(name, ',') FROM (SELECT i.name FROM pragma_index_info(l.name) i ORDER BY i.seqno))
  FROM sqlite_master m, pragma_index_list(m.name) l WHERE m.type = 'table' AND l.origin = 'u';
SELECT 'trigger', name, tbl_name FROM sqlite_master WHERE type = 'trigger';
EOF
pg -d minsheng >"$tmp/out/pg.schema" <<'EOF'
SELECT 'column', c.table_name, c.ordinal_position - 1, c.column_name,
       CASE WHEN t.table_type = 'VIEW' THEN '-' WHEN c.data_type IN ('bigint', 'integer') THEN 'int' ELSE c.data_type END,
       CASE WHEN t.table_type = 'VIEW' THEN '-' WHEN c.is_nullable = 'NO' THEN '1' ELSE '0' END
  FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
 WHERE c.table_schema = 'public';
SELECT 'pk', tc.table_name, k.column_name FROM information_schema.table_constraints tc
  JOIN information_schema.key_column_usage k USING (constraint_schema, constraint_name)
 WHERE tc.table_schema = 'public' AND tc.constraint_type = 'PRIMARY KEY';
-- indexes made by CREATE INDEX: not those of primary keys and UNIQUE constraints
SELECT 'index', i.relname, t.relname, k.ord - 1, a.attname
  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
  JOIN pg_namespace s ON s.oid = t.relnamespace
  CROSS JOIN unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord)
  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
 WHERE s.nspname = 'public' AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid);
SELECT 'partial', t.relname, i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
  JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace s ON s.oid = t.relnamespace
 WHERE s.nspname = 'public' AND x.indpred IS NOT NULL;
SELECT 'unique', t.relname, string_agg(a.attname, ',' ORDER BY k.ord)
  FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace s ON s.oid = t.relnamespace
  CROSS JOIN unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
 WHERE s.nspname = 'public' AND c.contype = 'u' GROUP BY c.oid, t.relname;
-- the triggers of 0009 (PostgreSQL's own ms_identity_follow triggers have no SQLite counterpart)
SELECT 'trigger', tg.tgname, t.relname FROM pg_trigger tg JOIN pg_class t ON t.oid = tg.tgrelid
  JOIN pg_namespace s ON s.oid = t.relnamespace
 WHERE s.nspname = 'public' AND NOT tg.tgisinternal AND tg.tgname NOT LIKE '%\_identity\_follow';
EOF
for e in sqlite pg; do LC_ALL=C sort "$tmp/out/$e.schema" >"$tmp/out/$e.sorted"; done
[ -n "${PG_CHECK_KEEP:-}" ] && cp "$tmp/out/"* "$PG_CHECK_KEEP/"
if ! diff -u "$tmp/out/sqlite.sorted" "$tmp/out/pg.sorted" >"$tmp/out/schema.diff"; then
    cat "$tmp/out/schema.diff" >&2
    fail "the schemas differ (- SQLite, + PostgreSQL)"
fi
echo "pg-schema-check: same schema on both engines ($(grep -c '^column' "$tmp/out/pg.sorted") columns," \
    "$(grep '^column' "$tmp/out/pg.sorted" | cut -d'|' -f2 | sort -u | wc -l) tables and views, $(grep -c '^index' "$tmp/out/pg.sorted") index columns," \
    "$(grep -c '^trigger' "$tmp/out/pg.sorted") triggers)"
lv=$(sqlite3 "$lite" "SELECT group_concat(version || ':' || name, ' ') FROM (SELECT * FROM schema_migrations ORDER BY version)")
pv=$(pg -d minsheng -c "SELECT string_agg(version || ':' || name, ' ' ORDER BY version) FROM schema_migrations")
[ "$lv" = "$pv" ] || fail "schema_migrations differ: SQLite $lv, PostgreSQL $pv"

# ---- 3. the maintained counts ----------------------------------------------------
sqlite3 -bail -cmd "PRAGMA foreign_keys=ON" "$tmp/counts.db" <tests/sql/registry_counts.sql >"$tmp/out/sqlite.counts" ||
    fail "tests/sql/registry_counts.sql failed on SQLite"
pg -d minsheng -f tests/sql/registry_counts.sql >"$tmp/out/pg.counts" ||
    fail "tests/sql/registry_counts.sql failed on PostgreSQL"
if ! diff -u "$tmp/out/sqlite.counts" "$tmp/out/pg.counts" >"$tmp/out/counts.diff"; then
    cat "$tmp/out/counts.diff" >&2
    fail "tests/sql/registry_counts.sql gives another output on PostgreSQL (- SQLite, + PostgreSQL)"
fi
steps=$(grep -vc '^\(count\|drift\|next ids\)|' "$tmp/out/pg.counts")
[ "$steps" -ge 10 ] || fail "tests/sql/registry_counts.sql printed only $steps steps"
if grep '^drift|' "$tmp/out/pg.counts" >&2 || grep -v '^\(count\|drift\|next ids\)|' "$tmp/out/pg.counts" | grep -v '^[^|]*|0|' >&2; then
    fail "registry_count drifts from a recount (lines above)"
fi
echo "pg-schema-check: registry_count the same on both engines and equal to a recount after each of $steps steps"

# ---- 4. the collation guard ---------------------------------------------------------
if pg -d postgres -c "CREATE DATABASE wrong_collation TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'" 2>/dev/null; then
    if pg -d wrong_collation -1 -f src/storage/migrations/pg/0001_registry.sql >/dev/null 2>&1; then
        fail "migration 0001 accepted a database with LC_COLLATE C.UTF-8"
    fi
    echo "pg-schema-check: a database not in the C collation is refused"
fi
echo "pg-schema-check: ok"
