/* floor_sql.h — the SQL each benchmarked endpoint runs, for the SQLite
 * floor of bench/compare.sh (bench/tools/sql_floor.c) and for the test
 * that keeps it true (tests/api/test_bench_floor.c: the server, traced
 * with bench/tools/sqltrace.c, must run each of these statements for the
 * endpoint's request).
 *
 * Owns: the endpoint table (request path, statements, what their '?' are
 * bound to, which columns are decrypted). Captured with sqltrace.so from
 * the server; the resident SELECT list and the visibility condition are
 * the registry's own macros. When an endpoint's SQL changes, the test
 * fails: capture the new SQL (SQLTRACE_FILE=… LD_PRELOAD=…/sqltrace.so
 * minsheng serve …) and update this table, so the floor keeps measuring
 * what the endpoint runs. */
#ifndef MS_BENCH_FLOOR_SQL_H
#define MS_BENCH_FLOOR_SQL_H

#include "registry/household.h"
#include "registry/registry.h"
#include "registry/resident.h"

#define VISIBLE(t) REGISTRY_VISIBLE(t)
/* A unit's counts: its grids' rows of registry_count (?1 = its path). */
#define GRID_COUNTS                                                                                   \
    "SELECT rc.what, rc.n FROM org_unit g JOIN registry_count rc ON rc.unit_id = g.id"                \
    " WHERE g.kind = 'grid' AND g.path >= ?1 AND g.path < substr(?1, 1, length(?1) - 1) || '0'"

#define FLOOR_MAX_STMTS 5
/* A unit's one count ('residents' or 'households'; ?1 = its path,
 * ?2 = what), registry/counts.c: the total of a unit's list. */
#define UNIT_COUNT                                                                                    \
    "SELECT COALESCE(SUM(rc.n), 0) FROM org_unit g JOIN registry_count rc ON rc.unit_id = g.id AND rc.what = ?2" \
    " WHERE g.kind = 'grid' AND g.path >= ?1 AND g.path < substr(?1, 1, length(?1) - 1) || '0'"
/* Is the street the whole tree (no other root)? */
#define OTHER_ROOT "SELECT 1 FROM org_unit WHERE parent_id IS NULL AND id <> ?"
#define HOUSEHOLD_COLUMNS HOUSEHOLD_SELECT
/* A name search (migrations 0017, 0020): the distinct residents whose
 * search terms of the street's grids start with the name, read from the
 * terms alone (registry/resident_search.c, resident_search_from). */
#define NAME_FROM                                                                                     \
    " FROM (SELECT DISTINCT k.resident_id AS id, k.name_py, k.status, k.grid_id, k.import_batch_id"  \
    " FROM resident_search_key k WHERE k.grid_id IN (SELECT id FROM org_unit WHERE kind = 'grid'"    \
    " AND path >= ? AND path < ?) AND k.term >= ? AND k.term < ?) AS r"
#define NAME_STATUS " AND r.status || '' = ?"
/* The page's pick: the first rows of the terms in name order, filtered
 * before their LIMIT (21 × RESIDENT_TERMS_MAX 52), then the distinct
 * residents (resident_search_pick_from). */
#define NAME_PICK_FROM                                                                                \
    " FROM (SELECT r.resident_id AS id, r.name_py, r.status, r.grid_id, r.import_batch_id"           \
    " FROM resident_search_key r WHERE " VISIBLE("r") NAME_STATUS " AND grid_id IN (SELECT id FROM"   \
    " org_unit WHERE kind = 'grid' AND path >= ? AND path < ?) AND r.term >= ? AND r.term < ?"        \
    " ORDER BY r.name_py ASC, r.resident_id ASC LIMIT 1092) AS r"

/* What a statement's '?' are bound to, in order. */
typedef enum floor_param {
    P_END = 0,
    P_GRID,       /* a grid id, cycling over every grid */
    P_STREET,     /* the root unit's id */
    P_PATH,       /* the root unit's path ("/1/") */
    P_PATH_END,   /* the end of its subtree's range ("/10", registry/org.h org_path_end) */
    P_NAME,       /* a name prefix, cycling over the names of bench/by_name.lua */
    P_NAME_END,   /* the end of P_NAME's range: the prefix and U+10FFFF (UTF8_MAX_CHAR) */
    P_RESIDENT,   /* a resident id, (n * 7919) % max + 1 as bench/detail.lua */
    P_ACTIVE,     /* 'active' */
    P_LIMIT50, P_LIMIT20, P_OFFSET0,
    P_GRID_PATH,  /* the path of the grid P_GRID names */
    P_RESIDENTS, P_HOUSEHOLDS,   /* 'residents', 'households' (registry_count.what) */
    P_CAP1,       /* the count cap + 1 (10,001) */
    P_LIMIT51, P_LIMIT21,        /* a keyset pick: the page and one more row */
    P_IDS50, P_IDS20,            /* the first 50 / 20 ids (column 1) the statement before returned, as
                                    a JSON array: the page the pick chose */
} floor_param;

/* Which columns of a row hold encrypted values (column 0 is the row id). */
typedef enum floor_decrypt { D_NONE, D_RESIDENT, D_HOUSEHOLD } floor_decrypt;

typedef struct floor_stmt {
    const char *sql;
    floor_param params[8];
    floor_decrypt dec;
} floor_stmt;

typedef struct floor_endpoint {
    const char *name;
    /* the request, signed in as street staff; {grid} and {resident}
     * stand for a grid id and a resident id */
    const char *path;
    floor_stmt stmts[FLOOR_MAX_STMTS];
} floor_endpoint;

static const floor_endpoint FLOOR_ENDPOINTS[] = {
    /* Lists: the total (the maintained count, or a count up to the cap),
     * the keyset pick of the page's ids (and one more, for next_cursor),
     * then the page's rows by those ids (src/server/page.c). */
    {"grid", "/api/v1/residents?org_unit_id={grid}&page_size=50", {
        {UNIT_COUNT, {P_GRID_PATH, P_RESIDENTS}, D_NONE},
        {"SELECT r.name_py, r.id FROM resident r WHERE " VISIBLE("r") " AND r.grid_id = ? AND r.status = ?"
         " ORDER BY r.name_py ASC, r.id ASC LIMIT ? OFFSET ?", {P_GRID, P_ACTIVE, P_LIMIT51, P_OFFSET0}, D_NONE},
        {RESIDENT_SELECT " WHERE r.id IN (SELECT value FROM json_each(?)) ORDER BY r.name_py ASC, r.id ASC",
         {P_IDS50}, D_RESIDENT}}},
    {"households", "/api/v1/households?page_size=50", {
        {OTHER_ROOT, {P_STREET}, D_NONE},
        {UNIT_COUNT, {P_PATH, P_HOUSEHOLDS}, D_NONE},
        {"SELECT h.code, h.id FROM household h WHERE " VISIBLE("h") " AND h.status = ?"
         " ORDER BY h.code ASC, h.id ASC LIMIT ? OFFSET ?", {P_ACTIVE, P_LIMIT51, P_OFFSET0}, D_NONE},
        {HOUSEHOLD_COLUMNS " WHERE h.id IN (SELECT value FROM json_each(?)) ORDER BY h.code ASC, h.id ASC",
         {P_IDS50}, D_HOUSEHOLD}}},
    {"name", "/api/v1/residents?name=%E7%8E%8B&page_size=20", {
        {OTHER_ROOT, {P_STREET}, D_NONE},
        {"SELECT COUNT(*) FROM (SELECT 1" NAME_FROM " WHERE " VISIBLE("r") NAME_STATUS " LIMIT ?) AS capped",
         {P_PATH, P_PATH_END, P_NAME, P_NAME_END, P_ACTIVE, P_CAP1}, D_NONE},
        {"SELECT DISTINCT r.name_py, r.id" NAME_PICK_FROM " WHERE " VISIBLE("r") NAME_STATUS
         " ORDER BY r.name_py ASC, r.id ASC LIMIT ? OFFSET ?",
         {P_ACTIVE, P_PATH, P_PATH_END, P_NAME, P_NAME_END, P_ACTIVE, P_LIMIT21, P_OFFSET0}, D_NONE},
        {RESIDENT_SELECT " WHERE r.id IN (SELECT value FROM json_each(?)) ORDER BY r.name_py ASC, r.id ASC",
         {P_IDS20}, D_RESIDENT}}},
    {"detail", "/api/v1/residents/{resident}", {
        {RESIDENT_SELECT " WHERE r.id = ? AND " VISIBLE("r"), {P_RESIDENT}, D_RESIDENT}}},
    /* The three below read the maintained counts (registry_count,
     * registry/counts.c): a sum over the unit's grids. */
    {"stats_tags", "/api/v1/stats/tags", {
        {GRID_COUNTS, {P_PATH}, D_NONE}}},
    {"stats_org", "/api/v1/stats/org-units", {
        {"SELECT id, code, name, kind FROM org_unit WHERE parent_id = ? ORDER BY code", {P_STREET}, D_NONE},
        {"SELECT c.id, rc.what, rc.n FROM org_unit c JOIN org_unit g ON g.kind = 'grid' AND g.path >= c.path"
         " AND g.path < substr(c.path, 1, length(c.path) - 1) || '0' JOIN registry_count rc ON rc.unit_id = g.id"
         " WHERE c.parent_id = ?1 AND c.kind <> 'building' UNION ALL SELECT c.id, rc.what, rc.n FROM org_unit c"
         " JOIN registry_count rc ON rc.unit_id = c.id WHERE c.parent_id = ?1 AND c.kind = 'building'",
         {P_STREET}, D_NONE}}},
    {"org_tree", "/api/v1/org-units", {
        {"SELECT c.id, COALESCE(c.parent_id, 0), c.kind, c.code, c.name, c.path, c.leader_name, c.leader_phone_enc,"
         " c.notes, c.version, c.status, (SELECT COUNT(*) FROM org_unit x WHERE x.parent_id = c.id) FROM org_unit c"
         " WHERE c.id = ? ORDER BY c.code", {P_STREET}, D_NONE},
        {GRID_COUNTS, {P_PATH}, D_NONE}}},
};
#define FLOOR_NENDPOINTS (sizeof FLOOR_ENDPOINTS / sizeof FLOOR_ENDPOINTS[0])

#endif
