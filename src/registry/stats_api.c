/* stats_api.c — /api/v1/tags (tag definitions), /api/v1/stats/tags
 * (active residents and households per tag in one unit's subtree),
 * /api/v1/stats/org-units (households, residents and per-tag counts for
 * each child of a unit) and /api/v1/stats/table (each child × tag, households
 * and residents, with totals) and its .xlsx export (laid out by
 * stats_xlsx.c).
 *
 * Every count is of ACTIVE visible residents and households, read from
 * the maintained counters (counts.h: a sum over at most the unit's
 * grids), never recounted, except households per tag (a household
 * counts once whichever members carry the tag), counted with one
 * indexed query (counts_add_tag_households); each request runs a fixed
 * number of queries whatever the number of children. */
#include "registry/counts.h"
#include "registry/registry.h"
#include "registry/registry_api.h"
#include "registry/resident_view.h"
#include "registry/stats_xlsx.h"
#include "server/write.h"
#include "workflow/calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const SQL_TAG_DEFS = "SELECT code, label FROM tag_def ORDER BY sort";

static const char *const SQL_CHILDREN =
    "SELECT id, code, name, kind FROM org_unit WHERE parent_id = ? ORDER BY code";

/* A tag the role may not see on a resident (the department viewer and
 * 刑释解教) is left out of every count too: a count of one in a building
 * next to that building's list would name the person (registry_api.h). */
int stats_tag_visible(unsigned roles, const char *code)
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
        if (stats_tag_visible(rq->user.role, db_col_text(s, 0)))
            json_array_append_new(items, json_pack("{s:s, s:s}", "code", db_col_text(s, 0), "label", db_col_text(s, 1)));
    db_finalize(s);
    return reply_json(rs, 200, json_pack("{s:o}", "items", items));
}

/* ---- /stats/tags ------------------------------------------------------------ */

/* [{code, label, count, households}] of the tags the role may see, in
 * display order. */
static json_t *tag_counts(unsigned roles, const unit_counts *c)
{
    json_t *tags = json_array();
    for (size_t i = 0; resident_tag_codes[i] && i < COUNTS_MAX_TAGS; i++)
        if (stats_tag_visible(roles, resident_tag_codes[i]))
            json_array_append_new(tags, json_pack("{s:s, s:s, s:I, s:I}", "code", resident_tag_codes[i], "label",
                                                  resident_tag_labels[i], "count", (json_int_t)c->tags[i],
                                                  "households", (json_int_t)c->tag_households[i]));
    return tags;
}

/* GET /api/v1/stats/tags — roles: registry readers.
 * Query: org_unit_id (default own unit). Reply: {unit, total_residents,
 * total_households, tags: [{code, label, count, households}]} over
 * active residents of the subtree (count: residents with the tag;
 * households: households with at least one such member).
 * Errors: 400; 404 unit outside scope. */
static int stats_tags(request *rq, response *rs)
{
    org_unit u;
    if (org_unit_param_or_reply(rq, rs, "org_unit_id", &u) != 0)
        return -1;
    unit_counts c;
    if (counts_unit(rq->db, &u, &c) != 0 || counts_add_tag_households(rq->db, &u, &c) != 0)
        return reply_internal(rs);
    json_t *tags = tag_counts(rq->user.role, &c);
    json_t *unit = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)u.id, "name", u.name, "kind", u.kind);
    return reply_json(rs, 200, json_pack("{s:o, s:I, s:I, s:o}", "unit", unit, "total_residents",
                                         (json_int_t)c.residents, "total_households", (json_int_t)c.households,
                                         "tags", tags));
}

/* ---- /stats/org-units ------------------------------------------------------- */

/* {code: count} of the tags the role may see: residents, or households
 * with households set. */
static json_t *tag_map(unsigned roles, const unit_counts *c, int households)
{
    json_t *t = json_object();
    for (size_t i = 0; resident_tag_codes[i] && i < COUNTS_MAX_TAGS; i++)
        if (stats_tag_visible(roles, resident_tag_codes[i]))
            json_object_set_new(t, resident_tag_codes[i],
                                json_integer(!c ? 0 : households ? c->tag_households[i] : c->tags[i]));
    return t;
}

/* The children of parent as items with their counts. */
static json_t *load_children(db_conn *db, unsigned roles, int64_t parent_id)
{
    unit_counts *counts;
    size_t ncounts;
    if (counts_children(db, parent_id, &counts, &ncounts) != 0)
        return NULL;
    if (counts_add_children_tag_households(db, parent_id, counts, ncounts) != 0) {
        free(counts);
        return NULL;
    }
    db_stmt *s = db_query(db, SQL_CHILDREN, DB_INT(parent_id));
    json_t *items = json_array();
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        const unit_counts *c = counts_find(counts, ncounts, db_col_int(s, 0));
        json_array_append_new(items, json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:o, s:o}", "id",
                                               (json_int_t)db_col_int(s, 0), "code", db_col_text(s, 1), "name",
                                               db_col_text(s, 2), "kind", db_col_text(s, 3), "households",
                                               (json_int_t)(c ? c->households : 0), "residents",
                                               (json_int_t)(c ? c->residents : 0), "tags", tag_map(roles, c, 0),
                                               "tag_households", tag_map(roles, c, 1)));
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
 * name, kind, households, residents, tags: {code: residents},
 * tag_households: {code: households}}]} for each child. Errors: 400; 404 parent outside scope. */
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

/* ---- /stats/table ----------------------------------------------------------- */

/* {households, residents, tags: {code: {households, residents}}} of c
 * (NULL: zeros) over the tags the role may see. */
static json_t *table_cells(unsigned roles, const unit_counts *c)
{
    json_t *tags = json_object();
    for (size_t i = 0; resident_tag_codes[i] && i < COUNTS_MAX_TAGS; i++)
        if (stats_tag_visible(roles, resident_tag_codes[i]))
            json_object_set_new(tags, resident_tag_codes[i],
                                json_pack("{s:I, s:I}", "households", (json_int_t)(c ? c->tag_households[i] : 0),
                                          "residents", (json_int_t)(c ? c->tags[i] : 0)));
    return json_pack("{s:I, s:I, s:o}", "households", (json_int_t)(c ? c->households : 0), "residents",
                     (json_int_t)(c ? c->residents : 0), "tags", tags);
}

/* The table of unit u's children × the tags the role may see, with its
 * totals; NULL on a database error. */
static json_t *stats_table_build(db_conn *db, unsigned roles, const org_unit *u)
{
    unit_counts *counts = NULL, total;
    size_t ncounts;
    if (counts_children(db, u->id, &counts, &ncounts) != 0)
        return NULL;
    /* Above a grid every counted household lies in one child: the
     * totals' households per tag are the children's sum. A grid's
     * children are buildings, and a household may have none. */
    int sum_children = strcmp(u->kind, "grid") != 0 && strcmp(u->kind, "building") != 0;
    if (counts_add_children_tag_households(db, u->id, counts, ncounts) != 0 || counts_unit(db, u, &total) != 0 ||
        (!sum_children && counts_add_tag_households(db, u, &total) != 0)) {
        free(counts);
        return NULL;
    }
    for (size_t k = 0; sum_children && k < ncounts; k++)
        for (size_t i = 0; i < COUNTS_MAX_TAGS; i++)
            total.tag_households[i] += counts[k].tag_households[i];
    json_t *columns = json_array(), *rows = json_array();
    for (size_t i = 0; resident_tag_codes[i] && i < COUNTS_MAX_TAGS; i++)
        if (stats_tag_visible(roles, resident_tag_codes[i]))
            json_array_append_new(columns, json_pack("{s:s, s:s}", "code", resident_tag_codes[i], "label",
                                                     resident_tag_labels[i]));
    db_stmt *s = db_query(db, SQL_CHILDREN, DB_INT(u->id));
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        json_t *row = table_cells(roles, counts_find(counts, ncounts, db_col_int(s, 0)));
        json_object_set_new(row, "id", json_integer(db_col_int(s, 0)));
        json_object_set_new(row, "code", json_string(db_col_text(s, 1)));
        json_object_set_new(row, "name", json_string(db_col_text(s, 2)));
        json_array_append_new(rows, row);
    }
    db_finalize(s);
    free(counts);
    if (rc != DB_DONE) {
        json_decref(columns);
        json_decref(rows);
        return NULL;
    }
    char now[20], today[11], title[512];
    const char *child = org_child_kind(u->kind);
    cal_local_date(db_now(now), today);   /* Beijing's day */
    snprintf(title, sizeof title, "%s各%s特殊群体统计（%s）", u->name, child ? org_kind_label(child) : "单位", today);
    return json_pack("{s:{s:I, s:s, s:s, s:s}, s:s, s:s, s:s?, s:o, s:o, s:o}", "unit", "id", (json_int_t)u->id,
                     "code", u->code, "name", u->name, "kind", u->kind, "date", today, "title", title, "row_kind",
                     child, "columns", columns, "rows", rows, "total", table_cells(roles, &total));
}

/* GET /api/v1/stats/table — roles: registry readers.
 * Query: org_unit_id (default own unit). Reply: {unit, date (Beijing),
 * title, row_kind (community under a street, grid under a community …),
 * columns: [{code, label}] (the tags the role may see), rows: [{id,
 * code, name, households, residents, tags: {code: {households,
 * residents}}}] one per child unit, total: the same for the unit}.
 * Errors: 400; 404 unit outside scope. */
static int stats_table(request *rq, response *rs)
{
    org_unit u;
    if (org_unit_param_or_reply(rq, rs, "org_unit_id", &u) != 0)
        return -1;
    json_t *t = stats_table_build(rq->db, rq->user.role, &u);
    return t ? reply_json(rs, 200, t) : reply_internal(rs);
}

/* GET /api/v1/stats/table/export — roles: registry readers.
 * Query: org_unit_id (default own unit). Reply: the table of
 * /stats/table as an .xlsx workbook (a title row naming the unit and
 * the date, two header rows 户/人 under each tag, frozen; a totals row;
 * a second sheet 字段说明 listing the fields); header X-Export-Fields
 * lists the columns. The export is audited (export, stats_table).
 * Errors: 400; 404 unit outside scope. */
static int stats_table_export(request *rq, response *rs)
{
    org_unit u;
    char *xlsx = NULL, detail[512];
    size_t len = 0;
    if (org_unit_param_or_reply(rq, rs, "org_unit_id", &u) != 0)
        return -1;
    json_t *t = stats_table_build(rq->db, rq->user.role, &u);
    if (!t || stats_xlsx_write(t, &xlsx, &len) != 0) {
        json_decref(t);
        return reply_internal(rs);
    }
    snprintf(detail, sizeof detail, "导出%s（%s）特殊群体统计表（xlsx，%zu 行）", u.name, u.code,
             json_array_size(json_object_get(t, "rows")));
    stats_xlsx_fields(t, rs->export_fields, sizeof rs->export_fields);
    json_decref(t);
    if (write_begin_or_reply(rq, rs) != 0 ||
        write_commit_only_or_reply(rq, rs, &(audit_entry){.action = "export", .entity = "stats_table",
                                                          .entity_id = u.id, .org_path = u.path,
                                                          .detail = detail}) != 0) {
        free(xlsx);
        return -1;
    }
    reply_raw(rs, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx, len);
    snprintf(rs->content_disposition, sizeof rs->content_disposition, "attachment; filename=\"stats-%s.xlsx\"",
             u.code);
    return 0;
}

const route stats_routes[] = {
    {.method = "GET", .pattern = "/api/v1/stats/tags",      .handler = stats_tags,      .roles = ROLES_REGISTRY_READ, .read_heavy = 1},
    {.method = "GET", .pattern = "/api/v1/stats/org-units", .handler = stats_org_units, .roles = ROLES_REGISTRY_READ, .read_heavy = 1},
    {.method = "GET", .pattern = "/api/v1/stats/table",     .handler = stats_table,     .roles = ROLES_REGISTRY_READ, .read_heavy = 1},
    {.method = "GET", .pattern = "/api/v1/stats/table/export", .handler = stats_table_export, .roles = ROLES_REGISTRY_READ},
    {.method = "GET", .pattern = "/api/v1/tags",            .handler = tags_list,       .roles = ROLES_ALL},
    {0}
};
