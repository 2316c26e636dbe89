/* counts.c — the maintained registry counts (see counts.h). Owns all SQL
 * on registry_count; the triggers that write it are in migration 0009,
 * together with the views that define which rows count. */
#include "registry/counts.h"
#include "registry/registry.h"
#include "core/audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The rows of a unit's subtree are its grids' rows (the unit's own when
 * it is a grid), or a building's own. Paths end in '/', so a subtree is
 * the range [path, path with its last '/' raised to '0'), which the
 * index org_unit(kind, path) serves. The sums are made in C: a GROUP BY
 * would sort the ~1,700 rows of a street for 13 sums. */
#define PATH_END(p) "substr(" p ", 1, length(" p ") - 1) || '0'"

static const char *const SQL_UNIT =
    "SELECT rc.what, rc.n FROM org_unit g JOIN registry_count rc ON rc.unit_id = g.id"
    " WHERE g.kind = 'grid' AND g.path >= ?1 AND g.path < " PATH_END("?1");
static const char *const SQL_BUILDING = "SELECT what, n FROM registry_count WHERE unit_id = ?";
static const char *const SQL_UNIT_ONE =
    "SELECT COALESCE(SUM(rc.n), 0) FROM org_unit g JOIN registry_count rc ON rc.unit_id = g.id AND rc.what = ?2"
    " WHERE g.kind = 'grid' AND g.path >= ?1 AND g.path < " PATH_END("?1");
static const char *const SQL_BUILDING_ONE =
    "SELECT COALESCE(SUM(n), 0) FROM registry_count WHERE unit_id = ?1 AND what = ?2";

/* (child id, what, n) for every row under each child of ?1. */
static const char *const SQL_CHILDREN =
    "SELECT c.id, rc.what, rc.n FROM org_unit c"
    " JOIN org_unit g ON g.kind = 'grid' AND g.path >= c.path AND g.path < " PATH_END("c.path")
    " JOIN registry_count rc ON rc.unit_id = g.id"
    " WHERE c.parent_id = ?1 AND c.kind <> 'building'"
    " UNION ALL"
    " SELECT c.id, rc.what, rc.n FROM org_unit c JOIN registry_count rc ON rc.unit_id = c.id"
    " WHERE c.parent_id = ?1 AND c.kind = 'building'";

/* (tag, households) of a subtree's grids, or of a building, or of the
 * whole tree. CROSS JOIN fixes the order SQLite would otherwise choose
 * (every active resident by status, then its grid): a unit walks its
 * grids' residents; the root walks the tags instead (about a seventh of
 * the residents carry one), each to its resident by key. */
static const char *const SQL_TAG_HH_UNIT =
    "SELECT t.tag, COUNT(DISTINCT c.household_id) FROM org_unit g"
    " CROSS JOIN registry_counted_resident c CROSS JOIN resident_tag t"
    " WHERE g.kind = 'grid' AND g.path >= ?1 AND g.path < " PATH_END("?1")
    " AND c.grid_id = g.id AND t.resident_id = c.resident_id GROUP BY t.tag";
static const char *const SQL_TAG_HH_ROOT =
    "SELECT t.tag, COUNT(DISTINCT c.household_id) FROM resident_tag t CROSS JOIN registry_counted_resident c"
    " WHERE c.resident_id = t.resident_id GROUP BY t.tag";
static const char *const SQL_TAG_HH_BUILDING =
    "SELECT t.tag, COUNT(DISTINCT c.household_id) FROM household h"
    " JOIN registry_counted_resident c ON c.household_id = h.id JOIN resident_tag t ON t.resident_id = c.resident_id"
    " WHERE h.building_id = ?1 GROUP BY t.tag";
/* (child id, tag, households) for each child of ?1 (CROSS JOIN keeps
 * SQLite from scanning every resident for a grid's buildings). */
static const char *const SQL_TAG_HH_CHILDREN =
    "SELECT u.id, t.tag, COUNT(DISTINCT c.household_id) FROM org_unit u"
    " CROSS JOIN org_unit g CROSS JOIN registry_counted_resident c CROSS JOIN resident_tag t"
    " WHERE u.parent_id = ?1 AND u.kind <> 'building'"
    " AND g.kind = 'grid' AND g.path >= u.path AND g.path < " PATH_END("u.path")
    " AND c.grid_id = g.id AND t.resident_id = c.resident_id GROUP BY u.id, t.tag"
    " UNION ALL"
    " SELECT u.id, t.tag, COUNT(DISTINCT c.household_id) FROM org_unit u"
    " CROSS JOIN household h CROSS JOIN registry_counted_resident c CROSS JOIN resident_tag t"
    " WHERE u.parent_id = ?1 AND u.kind = 'building' AND h.building_id = u.id AND c.household_id = h.id"
    " AND t.resident_id = c.resident_id GROUP BY u.id, t.tag";

/* Everything recounted from the rows (the views of migration 0009 say
 * which rows count), as (unit_id, what, n). */
#define SQL_RECOUNT                                                                                      \
    "SELECT unit_id, what, SUM(n) AS n FROM ("                                                          \
    " SELECT grid_id AS unit_id, 'households' AS what, COUNT(*) AS n FROM registry_counted_household"   \
    "  GROUP BY grid_id"                                                                                 \
    " UNION ALL SELECT building_id, 'households', COUNT(*) FROM registry_counted_household"             \
    "  WHERE building_id IS NOT NULL GROUP BY building_id"                                               \
    " UNION ALL SELECT grid_id, what, COUNT(*) FROM registry_count_member GROUP BY grid_id, what"        \
    " UNION ALL SELECT h.building_id, m.what, COUNT(*) FROM registry_count_member m"                     \
    "  JOIN household h ON h.id = m.household_id WHERE h.building_id IS NOT NULL"                        \
    "  GROUP BY h.building_id, m.what) AS per_unit"                                                      \
    " GROUP BY unit_id, what"

/* (unit_id, code, name, what, stored, actual) for every pair that differs. */
static const char *const SQL_DRIFT =
    "WITH fresh AS MATERIALIZED (" SQL_RECOUNT "),"
    " diff AS ("
    "  SELECT f.unit_id, f.what, COALESCE(c.n, 0) AS stored, f.n AS actual FROM fresh f"
    "   LEFT JOIN registry_count c ON c.unit_id = f.unit_id AND c.what = f.what"
    "  UNION ALL"
    "  SELECT c.unit_id, c.what, c.n, 0 FROM registry_count c"
    "   WHERE NOT EXISTS (SELECT 1 FROM fresh f WHERE f.unit_id = c.unit_id AND f.what = c.what))"
    " SELECT d.unit_id, COALESCE(u.code, ''), COALESCE(u.name, ''), d.what, d.stored, d.actual FROM diff d"
    " LEFT JOIN org_unit u ON u.id = d.unit_id WHERE d.stored <> d.actual ORDER BY u.path, d.what";

static const char *const SQL_CLEAR = "DELETE FROM registry_count";
static const char *const SQL_REFILL = "INSERT INTO registry_count(unit_id, what, n) " SQL_RECOUNT;

/* The index of tag code in resident_tag_codes, or -1. */
static int tag_index(const char *code)
{
    for (size_t i = 0; resident_tag_codes[i] && i < COUNTS_MAX_TAGS; i++)
        if (strcmp(resident_tag_codes[i], code) == 0)
            return (int)i;
    return -1;
}

/* Adds one (what, n) to c. */
static void counts_add(unit_counts *c, const char *what, int64_t n)
{
    if (strcmp(what, "households") == 0) {
        c->households += n;
        return;
    }
    if (strcmp(what, "residents") == 0) {
        c->residents += n;
        return;
    }
    int i = tag_index(what);
    if (i >= 0)
        c->tags[i] += n;
}

int counts_unit(db_conn *db, const org_unit *u, unit_counts *out)
{
    memset(out, 0, sizeof *out);
    out->unit_id = u->id;
    db_stmt *s = strcmp(u->kind, "building") == 0 ? db_query(db, SQL_BUILDING, DB_INT(u->id))
                                                  : db_query(db, SQL_UNIT, DB_TEXT(u->path));
    int rc;
    while ((rc = db_step(s)) == DB_ROW)
        counts_add(out, db_col_text(s, 0), db_col_int(s, 1));
    db_finalize(s);
    return rc == DB_DONE ? 0 : -1;
}

int64_t counts_unit_one(db_conn *db, const org_unit *u, const char *what)
{
    int building = strcmp(u->kind, "building") == 0;
    return db_one_int(db, -1, building ? SQL_BUILDING_ONE : SQL_UNIT_ONE,
                      building ? DB_INT(u->id) : DB_TEXT(u->path), DB_TEXT(what));
}

int counts_add_tag_households(db_conn *db, const org_unit *u, unit_counts *c)
{
    db_stmt *s = strcmp(u->kind, "building") == 0 ? db_query(db, SQL_TAG_HH_BUILDING, DB_INT(u->id))
                 : u->parent_id == 0              ? db_query(db, SQL_TAG_HH_ROOT)
                                                  : db_query(db, SQL_TAG_HH_UNIT, DB_TEXT(u->path));
    int rc, i;
    while ((rc = db_step(s)) == DB_ROW)
        if ((i = tag_index(db_col_text(s, 0))) >= 0)
            c->tag_households[i] = db_col_int(s, 1);
    db_finalize(s);
    return rc == DB_DONE ? 0 : -1;
}

static int by_unit_id(const void *a, const void *b)
{
    int64_t x = ((const unit_counts *)a)->unit_id, y = ((const unit_counts *)b)->unit_id;
    return (x > y) - (x < y);
}

/* The entry for id in a[0..n), appended (zeroed) when missing; NULL when
 * out of memory. Rows come grouped by child, so the last entry is the
 * usual hit. */
static unit_counts *entry_for(unit_counts **a, size_t *n, size_t *cap, int64_t id)
{
    for (size_t i = *n; i-- > 0;)
        if ((*a)[i].unit_id == id)
            return &(*a)[i];
    if (*n == *cap) {
        unit_counts *bigger = realloc(*a, (*cap = *cap ? *cap * 2 : 16) * sizeof **a);
        if (!bigger)
            return NULL;
        *a = bigger;
    }
    unit_counts *e = &(*a)[(*n)++];
    memset(e, 0, sizeof *e);
    e->unit_id = id;
    return e;
}

int counts_children(db_conn *db, int64_t parent_id, unit_counts **out, size_t *n)
{
    size_t cap = 0;
    int rc;
    *out = NULL;
    *n = 0;
    db_stmt *s = db_query(db, SQL_CHILDREN, DB_INT(parent_id));
    while ((rc = db_step(s)) == DB_ROW) {
        unit_counts *e = *n && (*out)[*n - 1].unit_id == db_col_int(s, 0) ? &(*out)[*n - 1]
                                                                          : entry_for(out, n, &cap, db_col_int(s, 0));
        if (!e) {
            rc = DB_ERROR;
            break;
        }
        counts_add(e, db_col_text(s, 1), db_col_int(s, 2));
    }
    db_finalize(s);
    if (rc != DB_DONE) {
        free(*out);
        *out = NULL;
        *n = 0;
        return -1;
    }
    if (*n)
        qsort(*out, *n, sizeof **out, by_unit_id);
    return 0;
}

const unit_counts *counts_find(const unit_counts *a, size_t n, int64_t unit_id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid].unit_id == unit_id)
            return &a[mid];
        if (a[mid].unit_id < unit_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

int counts_add_children_tag_households(db_conn *db, int64_t parent_id, unit_counts *a, size_t n)
{
    db_stmt *s = db_query(db, SQL_TAG_HH_CHILDREN, DB_INT(parent_id));
    int rc, i;
    while ((rc = db_step(s)) == DB_ROW) {
        unit_counts *c = (unit_counts *)counts_find(a, n, db_col_int(s, 0));
        if (c && (i = tag_index(db_col_text(s, 1))) >= 0)
            c->tag_households[i] = db_col_int(s, 2);
    }
    db_finalize(s);
    return rc == DB_DONE ? 0 : -1;
}

/* Reports the drift as it stands; the caller holds the transaction. */
static int64_t report_drift(db_conn *db, void (*report)(const counts_drift *d, void *ctx), void *ctx)
{
    int64_t found = 0;
    int rc;
    db_stmt *s = db_prepare(db, SQL_DRIFT);
    while ((rc = db_step(s)) == DB_ROW) {
        found++;
        counts_drift d = {.unit_id = db_col_int(s, 0), .unit_code = db_col_text(s, 1),
                          .unit_name = db_col_text(s, 2), .what = db_col_text(s, 3),
                          .stored = db_col_int(s, 4), .actual = db_col_int(s, 5)};
        if (report)
            report(&d, ctx);
    }
    db_finalize(s);
    return rc == DB_DONE ? found : -1;
}

int64_t counts_check(db_conn *db, int fix, void (*report)(const counts_drift *d, void *ctx), void *ctx)
{
    /* One snapshot for the stored counts and the recount: a read
     * transaction, or the write lock when repairing. */
    if (fix ? db_begin(db) != DB_DONE : db_exec(db, "BEGIN") != DB_DONE)
        return -1;
    int64_t found = report_drift(db, report, ctx);
    if (found > 0 && fix) {
        char detail[96];
        snprintf(detail, sizeof detail, "重新统计后修复 %lld 项计数", (long long)found);
        if (db_exec(db, SQL_CLEAR) != DB_DONE || db_exec(db, SQL_REFILL) != DB_DONE ||
            audit_write(db, &(audit_entry){.action = "counts_fix", .entity = "registry_count", .detail = detail}) != 0)
            found = -1;
    }
    if (found < 0 || !fix) {
        db_rollback(db);
        return found;
    }
    return db_commit(db) == DB_DONE ? found : -1;
}

/* ---- rows of a running import batch ---------------------------------------- */

/* Every trigger on the tables an import writes, as migrations 0009,
 * 0017 and 0020 made them: none does anything for a row of a running batch (nor for the
 * import's UPDATEs of head_resident_id, version and the batch's
 * heartbeat, which none of them watches). */
static const char *const BATCH_TABLES[] = {"household", "resident", "resident_tag", "registry_event", "import_batch",
                                           NULL};
static const char *const KNOWN_TRIGGERS[] = {
    "registry_count_household_insert", "registry_count_household_delete", "registry_count_household_update",
    "registry_count_resident_insert", "registry_count_resident_delete", "registry_count_resident_update",
    "registry_count_tag_insert", "registry_count_tag_delete", "registry_count_batch_state",
    /* 0017, widened by 0020: a resident's search terms follow its grid, status, name_py, batch and
     * deletion (no INSERT trigger; the import changes none of those of an existing resident) */
    "resident_search_key_grid", "resident_search_key_delete", NULL};

int counts_batch_triggers_off(db_conn *db)
{
    for (size_t i = 0; BATCH_TABLES[i]; i++) {
        int unknown = db_trigger_unknown(db, BATCH_TABLES[i], KNOWN_TRIGGERS);
        if (unknown != 0)
            return unknown < 0 ? -1 : 0;
    }
    return db_set_triggers(db, 0) < 0 ? -1 : 1;
}

void counts_batch_triggers_on(db_conn *db)
{
    db_set_triggers(db, 1);
}
