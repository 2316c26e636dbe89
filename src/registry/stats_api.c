/* stats_api.c — /api/v1/tags (tag definitions), /api/v1/stats/tags
 * (active residents per tag in one unit's subtree) and
 * /api/v1/stats/org-units (households, residents and per-tag counts for
 * each child of a unit).
 *
 * Owns: the counting SQL. Every count is of ACTIVE residents and
 * households, and each request runs a fixed number of grouped queries
 * whatever the number of children (no query per child). */
#include "registry/registry.h"
#include "registry/registry_api.h"
#include "registry/resident_view.h"

#include <stdio.h>
#include <string.h>

static const char *const SQL_TAG_DEFS = "SELECT code, label FROM tag_def ORDER BY sort";

/* Residents of a subtree: by their grid, or (for a building) by household. */
#define IN_SUBTREE  "r.grid_id IN (SELECT id FROM org_unit WHERE kind = 'grid' AND path LIKE ? || '%')"
#define IN_BUILDING "r.household_id IN (SELECT id FROM household WHERE building_id = ?)"

#define TAG_COUNTS(cond)                                                                             \
    "SELECT d.code, d.label, COALESCE(c.n, 0) FROM tag_def d LEFT JOIN ("                            \
    " SELECT t.tag AS tag, COUNT(*) AS n FROM resident r JOIN resident_tag t ON t.resident_id = r.id" \
    " WHERE r.status = 'active' AND " cond " GROUP BY t.tag) c ON c.tag = d.code ORDER BY d.sort"
#define RESIDENT_TOTAL(cond) "SELECT COUNT(*) FROM resident r WHERE r.status = 'active' AND " cond

static const char *const SQL_TAGS_SUBTREE = TAG_COUNTS(IN_SUBTREE);
static const char *const SQL_TAGS_BUILDING = TAG_COUNTS(IN_BUILDING);
static const char *const SQL_TOTAL_SUBTREE = RESIDENT_TOTAL(IN_SUBTREE);
static const char *const SQL_TOTAL_BUILDING = RESIDENT_TOTAL(IN_BUILDING);

static const char *const SQL_CHILDREN =
    "SELECT id, code, name, kind FROM org_unit WHERE parent_id = ? ORDER BY code";

/* Per child of a street/community/grid-level parent: rows (child id,
 * 'h'|'r'|'t', tag, count). Each child's grids are found by path. */
static const char *const SQL_CHILD_COUNTS =
    "WITH kids AS (SELECT id, path FROM org_unit WHERE parent_id = ?),"
    " grids AS (SELECT k.id AS kid, g.id AS gid FROM kids k"
    "  JOIN org_unit g ON g.kind = 'grid' AND g.path LIKE k.path || '%')"
    " SELECT kid, 'h', NULL, COUNT(*) FROM grids JOIN household h ON h.grid_id = gid AND h.status = 'active'"
    "  GROUP BY kid"
    " UNION ALL"
    " SELECT kid, 'r', NULL, COUNT(*) FROM grids JOIN resident r ON r.grid_id = gid AND r.status = 'active'"
    "  GROUP BY kid"
    " UNION ALL"
    " SELECT kid, 't', t.tag, COUNT(*) FROM grids JOIN resident r ON r.grid_id = gid AND r.status = 'active'"
    "  JOIN resident_tag t ON t.resident_id = r.id GROUP BY kid, t.tag";

/* The same for the buildings of a grid, by household.building_id. */
static const char *const SQL_BUILDING_COUNTS =
    "SELECT h.building_id, 'h', NULL, COUNT(*) FROM household h"
    "  WHERE h.grid_id = ? AND h.building_id IS NOT NULL AND h.status = 'active' GROUP BY h.building_id"
    " UNION ALL"
    " SELECT h.building_id, 'r', NULL, COUNT(*) FROM household h"
    "  JOIN resident r ON r.household_id = h.id AND r.status = 'active'"
    "  WHERE h.grid_id = ? AND h.building_id IS NOT NULL GROUP BY h.building_id"
    " UNION ALL"
    " SELECT h.building_id, 't', t.tag, COUNT(*) FROM household h"
    "  JOIN resident r ON r.household_id = h.id AND r.status = 'active'"
    "  JOIN resident_tag t ON t.resident_id = r.id"
    "  WHERE h.grid_id = ? AND h.building_id IS NOT NULL GROUP BY h.building_id, t.tag";

/* A tag the role may not see on a resident (the department viewer and
 * 刑释解教) is left out of every count too: a count of one in a building
 * next to that building's list would name the person. */
static int tag_visible(unsigned roles, const char *code)
{
    char key[48];
    snprintf(key, sizeof key, "tag:%s", code);
    return resident_field_visible(roles, key);
}

/* ---- /tags ---------------------------------------------------------------- */

/* GET /api/v1/tags — roles: any signed-in user.
 * Reply: {items: [{code, label}]} in display order. */
static int tags_list(request *rq, response *rs)
{
    db_stmt *s = db_prepare(rq->db, SQL_TAG_DEFS);
    json_t *items = json_array();
    while (db_step(s) == DB_ROW)
        if (tag_visible(rq->user.role, db_col_text(s, 0)))
            json_array_append_new(items, json_pack("{s:s, s:s}", "code", db_col_text(s, 0), "label", db_col_text(s, 1)));
    db_finalize(s);
    return reply_json(rs, 200, json_pack("{s:o}", "items", items));
}

/* ---- /stats/tags ------------------------------------------------------------ */

/* Binds the unit to a statement built with IN_SUBTREE or IN_BUILDING. */
static void bind_unit(db_stmt *s, const org_unit *u, int is_building)
{
    if (is_building)
        db_bind_int(s, 1, u->id);
    else
        db_bind_text(s, 1, u->path);
}

static int64_t total_residents(db_conn *db, const org_unit *u, int is_building)
{
    int64_t n = -1;
    db_stmt *s = db_prepare(db, is_building ? SQL_TOTAL_BUILDING : SQL_TOTAL_SUBTREE);
    bind_unit(s, u, is_building);
    if (db_step(s) == DB_ROW)
        n = db_col_int(s, 0);
    db_finalize(s);
    return n;
}

static json_t *tag_counts(db_conn *db, unsigned roles, const org_unit *u, int is_building)
{
    db_stmt *s = db_prepare(db, is_building ? SQL_TAGS_BUILDING : SQL_TAGS_SUBTREE);
    bind_unit(s, u, is_building);
    json_t *tags = json_array();
    int rc;
    while ((rc = db_step(s)) == DB_ROW)
        if (tag_visible(roles, db_col_text(s, 0)))
            json_array_append_new(tags, json_pack("{s:s, s:s, s:I}", "code", db_col_text(s, 0), "label",
                                              db_col_text(s, 1), "count", (json_int_t)db_col_int(s, 2)));
    db_finalize(s);
    if (rc != DB_DONE) {
        json_decref(tags);
        return NULL;
    }
    return tags;
}

/* GET /api/v1/stats/tags — roles: registry readers.
 * Query: org_unit_id (default own unit). Reply: {unit, total_residents,
 * tags: [{code, label, count}]} over active residents of the subtree.
 * Errors: 400; 404 unit outside scope. */
static int stats_tags(request *rq, response *rs)
{
    org_unit u;
    if (org_unit_param_or_reply(rq, rs, "org_unit_id", &u) != 0)
        return -1;
    int is_building = strcmp(u.kind, "building") == 0;
    int64_t total = total_residents(rq->db, &u, is_building);
    json_t *tags = total >= 0 ? tag_counts(rq->db, rq->user.role, &u, is_building) : NULL;
    if (!tags)
        return reply_internal(rs);
    json_t *unit = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)u.id, "name", u.name, "kind", u.kind);
    return reply_json(rs, 200, json_pack("{s:o, s:I, s:o}", "unit", unit, "total_residents", (json_int_t)total,
                                         "tags", tags));
}

/* ---- /stats/org-units ------------------------------------------------------- */

static json_t *zero_tags(unsigned roles)
{
    json_t *t = json_object();
    for (size_t i = 0; resident_tag_codes[i]; i++)
        if (tag_visible(roles, resident_tag_codes[i]))
            json_object_set_new(t, resident_tag_codes[i], json_integer(0));
    return t;
}

/* The children of parent as items, and an index id → item. */
static json_t *load_children(db_conn *db, unsigned roles, int64_t parent_id, json_t *index)
{
    char key[24];
    db_stmt *s = db_query(db, SQL_CHILDREN, DB_INT(parent_id));
    json_t *items = json_array();
    while (db_step(s) == DB_ROW) {
        json_t *it = json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:o}", "id", (json_int_t)db_col_int(s, 0),
                               "code", db_col_text(s, 1), "name", db_col_text(s, 2), "kind", db_col_text(s, 3),
                               "households", (json_int_t)0, "residents", (json_int_t)0, "tags", zero_tags(roles));
        snprintf(key, sizeof key, "%lld", (long long)db_col_int(s, 0));
        json_object_set(index, key, it);
        json_array_append_new(items, it);
    }
    db_finalize(s);
    return items;
}

/* Applies the (child id, kind, tag, count) rows to the indexed items. */
static int apply_counts(db_conn *db, unsigned roles, const org_unit *parent, json_t *index)
{
    char key[24];
    int is_grid = strcmp(parent->kind, "grid") == 0;
    db_stmt *s = is_grid ? db_query(db, SQL_BUILDING_COUNTS, DB_INT(parent->id), DB_INT(parent->id), DB_INT(parent->id))
                         : db_query(db, SQL_CHILD_COUNTS, DB_INT(parent->id));
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        snprintf(key, sizeof key, "%lld", (long long)db_col_int(s, 0));
        json_t *it = json_object_get(index, key);
        const char *what = db_col_text(s, 1);
        json_t *n = json_integer(db_col_int(s, 3));
        if (!it || (what[0] == 't' && !tag_visible(roles, db_col_text(s, 2))))
            json_decref(n);
        else if (what[0] == 'h')
            json_object_set_new(it, "households", n);
        else if (what[0] == 'r')
            json_object_set_new(it, "residents", n);
        else
            json_object_set_new(json_object_get(it, "tags"), db_col_text(s, 2), n);
    }
    db_finalize(s);
    return rc == DB_DONE ? 0 : -1;
}

/* GET /api/v1/stats/org-units — roles: registry readers.
 * Query: parent_id (default own unit). Reply: {parent, items: [{id, code,
 * name, kind, households, residents, tags: {code: count}}]} for each
 * child. Errors: 400; 404 parent outside scope. */
static int stats_org_units(request *rq, response *rs)
{
    org_unit parent;
    int64_t parent_id;
    if (req_query_int(rq, rs, "parent_id", rq->user.org_unit_id, 1, INT64_MAX, &parent_id) < 0 ||
        org_unit_in_scope_or_reply(rq, rs, parent_id, &parent) != 0)
        return -1;
    json_t *index = json_object();
    json_t *items = load_children(rq->db, rq->user.role, parent.id, index);
    int ok = items && apply_counts(rq->db, rq->user.role, &parent, index) == 0;
    json_decref(index);
    if (!ok) {
        json_decref(items);
        return reply_internal(rs);
    }
    json_t *p = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)parent.id, "code", parent.code, "name",
                          parent.name, "kind", parent.kind);
    return reply_json(rs, 200, json_pack("{s:o, s:o}", "parent", p, "items", items));
}

const route stats_routes[] = {
    {.method = "GET", .pattern = "/api/v1/stats/tags",      .handler = stats_tags,      .roles = ROLES_REGISTRY_READ},
    {.method = "GET", .pattern = "/api/v1/stats/org-units", .handler = stats_org_units, .roles = ROLES_REGISTRY_READ},
    {.method = "GET", .pattern = "/api/v1/tags",            .handler = tags_list,       .roles = ROLES_ALL},
    {0}
};
