/* stats_api.c — /api/v1/tags (tag definitions), /api/v1/stats/tags
 * (active residents per tag in one unit's subtree) and
 * /api/v1/stats/org-units (households, residents and per-tag counts for
 * each child of a unit).
 *
 * Every count is of ACTIVE visible residents and households, read from
 * the maintained counters (counts.h: a sum over at most the unit's
 * grids), never recounted; each request runs a fixed number of queries
 * whatever the number of children. */
#include "registry/counts.h"
#include "registry/registry.h"
#include "registry/registry_api.h"
#include "registry/resident_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const SQL_TAG_DEFS = "SELECT code, label FROM tag_def ORDER BY sort";

static const char *const SQL_CHILDREN =
    "SELECT id, code, name, kind FROM org_unit WHERE parent_id = ? ORDER BY code";

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

/* [{code, label, count}] of the tags the role may see, in display order. */
static json_t *tag_counts(unsigned roles, const unit_counts *c)
{
    json_t *tags = json_array();
    for (size_t i = 0; resident_tag_codes[i] && i < COUNTS_MAX_TAGS; i++)
        if (tag_visible(roles, resident_tag_codes[i]))
            json_array_append_new(tags, json_pack("{s:s, s:s, s:I}", "code", resident_tag_codes[i], "label",
                                                  resident_tag_labels[i], "count", (json_int_t)c->tags[i]));
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
    unit_counts c;
    if (counts_unit(rq->db, &u, &c) != 0)
        return reply_internal(rs);
    json_t *tags = tag_counts(rq->user.role, &c);
    json_t *unit = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)u.id, "name", u.name, "kind", u.kind);
    return reply_json(rs, 200, json_pack("{s:o, s:I, s:o}", "unit", unit, "total_residents", (json_int_t)c.residents,
                                         "tags", tags));
}

/* ---- /stats/org-units ------------------------------------------------------- */

/* {code: count} of the tags the role may see. */
static json_t *tag_map(unsigned roles, const unit_counts *c)
{
    json_t *t = json_object();
    for (size_t i = 0; resident_tag_codes[i] && i < COUNTS_MAX_TAGS; i++)
        if (tag_visible(roles, resident_tag_codes[i]))
            json_object_set_new(t, resident_tag_codes[i], json_integer(c ? c->tags[i] : 0));
    return t;
}

/* The children of parent as items with their counts. */
static json_t *load_children(db_conn *db, unsigned roles, int64_t parent_id)
{
    unit_counts *counts;
    size_t ncounts;
    if (counts_children(db, parent_id, &counts, &ncounts) != 0)
        return NULL;
    db_stmt *s = db_query(db, SQL_CHILDREN, DB_INT(parent_id));
    json_t *items = json_array();
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        const unit_counts *c = counts_find(counts, ncounts, db_col_int(s, 0));
        json_array_append_new(items, json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:o}", "id",
                                               (json_int_t)db_col_int(s, 0), "code", db_col_text(s, 1), "name",
                                               db_col_text(s, 2), "kind", db_col_text(s, 3), "households",
                                               (json_int_t)(c ? c->households : 0), "residents",
                                               (json_int_t)(c ? c->residents : 0), "tags", tag_map(roles, c)));
    }
    db_finalize(s);
    free(counts);
    if (rc != DB_DONE) {
        json_decref(items);
        return NULL;
    }
    return items;
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
    json_t *items = load_children(rq->db, rq->user.role, parent.id);
    if (!items)
        return reply_internal(rs);
    json_t *p = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)parent.id, "code", parent.code, "name",
                          parent.name, "kind", parent.kind);
    return reply_json(rs, 200, json_pack("{s:o, s:o}", "parent", p, "items", items));
}

const route stats_routes[] = {
    {.method = "GET", .pattern = "/api/v1/stats/tags",      .handler = stats_tags,      .roles = ROLES_REGISTRY_READ, .read_heavy = 1},
    {.method = "GET", .pattern = "/api/v1/stats/org-units", .handler = stats_org_units, .roles = ROLES_REGISTRY_READ, .read_heavy = 1},
    {.method = "GET", .pattern = "/api/v1/tags",            .handler = tags_list,       .roles = ROLES_ALL},
    {0}
};
