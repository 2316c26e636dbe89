/* injury_api.c — the /api/v1/safety/injuries routes (route table
 * injury_routes): injury records of the safe-community programme
 * (create, list, read, change, delete, each write audited) and their
 * analysis by one dimension or a cross-tab of two, year on year.
 * Translates HTTP to injury.h calls and back; owns what each role is
 * shown: street, community and grid staff the records of their scope
 * (a linked resident by id and masked name only, never an ID number),
 * the department viewer the analysis' counts only, never rows. */
#include "safety/injury_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registry_api.h"
#include "registry/resident.h"
#include "safety/injury.h"
#include "server/write.h"
#include "storage/query.h"
#include "util/validate.h"

#define R_FRONT  (ROLE_STREET | ROLE_COMMUNITY | ROLE_GRID)
#define R_COUNTS (ROLE_STREET | ROLE_COMMUNITY | ROLE_GRID | ROLE_VIEWER)

/* ---- shared ---------------------------------------------------------------- */

static json_t *injury_json(const injury_row *r)
{
    const injury_age_band_def *band = injury_age_band(r->age);
    json_t *j = json_pack("{s:I, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s}", "id",
                          (json_int_t)r->id, "injured_on", r->injured_on, "age", r->age, "age_band",
                          band ? band->key : "", "sex", r->sex, "place_type", r->place_type, "occupation",
                          r->occupation, "education", r->education, "injury_type", r->injury_type, "cause", r->cause,
                          "severity", r->severity, "version", (json_int_t)r->version, "created_at", r->created_at,
                          "updated_at", r->updated_at);
    json_object_set_new(j, "description", json_string(r->description));
    json_object_set_new(j, "org_unit", json_pack("{s:I, s:s, s:s}", "id", (json_int_t)r->org_unit_id, "name",
                                                 r->unit_name, "kind", r->unit_kind));
    json_object_set_new(j, "community", r->community_id ? json_pack("{s:I, s:s}", "id", (json_int_t)r->community_id,
                                                                    "name", r->community_name)
                                                        : json_null());
    if (r->resident_id) {
        char masked[64];
        person_name_mask(r->resident_name, NAME_MASK_NOTICE, masked, sizeof masked);
        json_object_set_new(j, "resident", json_pack("{s:I, s:s}", "id", (json_int_t)r->resident_id, "name", masked));
    } else
        json_object_set_new(j, "resident", json_null());
    return j;
}

/* Loads record {id}, whose unit must lie in the caller's scope: 0, or -1 with a 404 (500). */
static int injury_in_scope_or_reply(request *rq, response *rs, int64_t id, injury_row *out)
{
    int rc = injury_get(rq->db, id, out);
    if (rc < 0)
        return reply_internal(rs), -1;
    if (rc > 0 || !scope_contains(rq, out->unit_path))
        return reply_not_found(rs, "伤害记录"), -1;
    return 0;
}

/* The fields of a create or change into *in (the linked resident's
 * birth date and sex read into *res): the unit and the resident must lie
 * in the caller's scope. 0, or -1 with a 400 (404). */
static int injury_body_or_reply(request *rq, response *rs, injury_input *in, resident *res)
{
    static const char *const FIELDS[] = {"org_unit_id", "injured_on", "place_type", "age", "birth_date", "sex",
                                         "occupation", "education", "injury_type", "cause", "severity",
                                         "resident_id", "description", "version", NULL};
    int64_t age = -1, resident_id = -1, version;
    org_unit unit;
    *in = INJURY_INPUT_NONE;
    if (body_only(rq, rs, FIELDS) != 0 || body_int(rq, rs, "org_unit_id", &in->org_unit_id) < 0 ||
        body_str(rq, rs, "injured_on", &in->injured_on) < 0 || body_str(rq, rs, "place_type", &in->place_type) < 0 ||
        body_int(rq, rs, "age", &age) < 0 || body_str(rq, rs, "birth_date", &in->birth_date) < 0 ||
        body_str(rq, rs, "sex", &in->sex) < 0 || body_str(rq, rs, "occupation", &in->occupation) < 0 ||
        body_str(rq, rs, "education", &in->education) < 0 ||
        body_str(rq, rs, "injury_type", &in->injury_type) < 0 || body_str(rq, rs, "cause", &in->cause) < 0 ||
        body_str(rq, rs, "severity", &in->severity) < 0 || body_int(rq, rs, "resident_id", &resident_id) < 0 ||
        body_str(rq, rs, "description", &in->description) < 0 || body_int(rq, rs, "version", &version) < 0)
        return -1;
    if (json_object_get(rq->json, "age") && (age < 0 || age > 120))
        return reply_bad_request(rs, "age", "年龄应在 0 到 120 岁之间"), -1;
    in->age = json_object_get(rq->json, "age") ? (int)age : -1;
    in->resident_id = json_object_get(rq->json, "resident_id") ? resident_id : -1;
    if (in->resident_id < -1)
        return reply_bad_request(rs, "resident_id", "resident_id 应为居民编号（0 表示不关联）"), -1;
    if (in->org_unit_id && org_unit_in_scope_or_reply(rq, rs, in->org_unit_id, &unit) != 0)
        return -1;
    if (in->resident_id > 0) {
        int rc = resident_get(rq->db, in->resident_id, res);
        if (rc < 0)
            return reply_internal(rs), -1;
        if (rc > 0 || !scope_contains(rq, res->grid_path))
            return reply_not_found(rs, "居民"), -1;
        in->resident_birth = res->birth_date;
        in->resident_sex = res->sex;
    }
    return 0;
}

/* Ends a write of record id: audits `action` with before (borrowed, may
 * be NULL) and the record's image now, and replies the record. */
static int injury_finish_or_reply(request *rq, response *rs, const char *action, int64_t id, json_t *before,
                                  int status)
{
    injury_row r;
    if (injury_get(rq->db, id, &r) != 0) {
        json_decref(before);
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    }
    json_t *body = injury_json(&r);
    int rc = write_commit_or_reply(rq, rs, &(audit_entry){.action = action, .entity = "safety_injury",
                                                          .entity_id = id, .org_path = r.unit_path,
                                                          .before = before, .after = body}, status, body);
    json_decref(before);
    if (rc == 0)
        reply_etag(rs, r.version);
    return rc;
}

/* ---- records --------------------------------------------------------------- */

/* POST /api/v1/safety/injuries — roles: street, community, grid (a unit
 * of their scope). Body: injured_on* (YYYY-MM-DD, not after today),
 * org_unit_id (a community or grid in scope; default the caller's own
 * when it is one), place_type*, injury_type*, severity* (轻|中|重|死亡),
 * age (0–120) or birth_date (the age at injured_on is kept, not the
 * date), sex (男|女), occupation, education, cause (default 不详 / 不详
 * / 不清楚), resident_id (a resident in scope: age and sex default to the
 * resident's), description (up to 500 characters). The code lists:
 * GET /safety/injuries/codes. Reply 201: the record. Audited
 * (safety_injury_create). Errors: 400 field; 404 unit or resident
 * outside scope. */
static int injury_create_route(request *rq, response *rs)
{
    injury_input in;
    resident res;
    ms_err err;
    if (injury_body_or_reply(rq, rs, &in, &res) != 0)
        return -1;
    if (!in.org_unit_id && (rq->user.role & (ROLE_COMMUNITY | ROLE_GRID)))
        in.org_unit_id = rq->user.org_unit_id;
    if (write_begin_or_reply(rq, rs) != 0)
        return -1;
    int64_t id = injury_create(rq->db, rq->user.id, &in, &err);
    if (id < 0)
        return write_fail_or_reply(rq, rs, &err);
    return injury_finish_or_reply(rq, rs, "safety_injury_create", id, NULL, 201);
}

/* GET /api/v1/safety/injuries/{id} — roles: street, community, grid.
 * Reply: {id, injured_on, age, age_band, sex, place_type, occupation,
 * education, injury_type, cause, severity, description, org_unit {id,
 * name, kind}, community {id, name}, resident (null or {id, name
 * masked}), version, created_at, updated_at}; ETag: the version.
 * Errors: 404 outside scope. */
static int injury_get_route(request *rq, response *rs)
{
    injury_row r;
    if (injury_in_scope_or_reply(rq, rs, rq->id, &r) != 0)
        return -1;
    reply_etag(rs, r.version);
    return reply_json(rs, 200, injury_json(&r));
}

/* PATCH /api/v1/safety/injuries/{id} — roles: street, community, grid (in
 * scope). Body: any field of the create (resident_id 0 unlinks),
 * version (or If-Match). A new birth_date sets the age at the record's
 * date. Reply: the record. Audited with before and after
 * (safety_injury_update). Errors: 400 field; 404 record, unit or
 * resident outside scope; 412 stale version. */
static int injury_update_route(request *rq, response *rs)
{
    injury_input in;
    injury_row before;
    resident res;
    int64_t version = 0, body_version = 0;
    ms_err err = {0};
    if (if_match_or_reply(rq, rs, &version) != 0 || body_int(rq, rs, "version", &body_version) < 0 ||
        injury_in_scope_or_reply(rq, rs, rq->id, &before) != 0 || injury_body_or_reply(rq, rs, &in, &res) != 0 ||
        write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (injury_update(rq->db, rq->id, &in, version ? version : body_version, &before, &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    if (write_in_scope_or_reply(rq, rs, before.unit_path, "伤害记录") != 0)
        return -1;
    return injury_finish_or_reply(rq, rs, "safety_injury_update", rq->id, injury_json(&before), 200);
}

/* DELETE /api/v1/safety/injuries/{id} — roles: street, community, grid
 * (in scope). If-Match: the version (optional). Removes the record; the
 * audit row (safety_injury_delete) keeps its image. Reply: {id,
 * deleted: true}. Errors: 404 outside scope; 412 stale version. */
static int injury_delete_route(request *rq, response *rs)
{
    injury_row before;
    int64_t version = 0;
    ms_err err = {0};
    if (if_match_or_reply(rq, rs, &version) != 0 || injury_in_scope_or_reply(rq, rs, rq->id, &before) != 0 ||
        write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (injury_delete(rq->db, rq->id, version, &before, &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    if (write_in_scope_or_reply(rq, rs, before.unit_path, "伤害记录") != 0)
        return -1;
    json_t *image = injury_json(&before);
    int rc = write_commit_or_reply(rq, rs, &(audit_entry){.action = "safety_injury_delete", .entity = "safety_injury",
                                                          .entity_id = before.id, .org_path = before.unit_path,
                                                          .before = image},
                                   200, json_pack("{s:I, s:b}", "id", (json_int_t)before.id, "deleted", 1));
    json_decref(image);
    return rc;
}

/* A coded filter `key` of the list: added to q as `col = ?` when given,
 * 400 when it is not one of `list`. */
static int code_filter_or_reply(request *rq, response *rs, query *q, const char *key, const char *col,
                                const char *const *list)
{
    const char *v = req_query(rq, key);
    char cond[64];
    if (!v || !*v)
        return 0;
    if (!str_in_set(v, list)) {
        reply_error(rs, 400, "bad_request", key, "%s 不是可选的值", key);
        return -1;
    }
    snprintf(cond, sizeof cond, "%s = ?", col);
    q_where(q, cond);
    q_bind_text(q, v);
    return 0;
}

/* A date filter (YYYY-MM-DD) `key`: added to q as cond when given. */
static int date_filter_or_reply(request *rq, response *rs, query *q, const char *key, const char *cond)
{
    const char *v = req_query(rq, key);
    if (!v || !*v)
        return 0;
    if (!date_is_valid(v))
        return reply_bad_request(rs, key, "日期格式应为 YYYY-MM-DD"), -1;
    q_where(q, cond);
    q_bind_text(q, v);
    return 0;
}

/* GET /api/v1/safety/injuries — roles: street, community, grid. Query:
 * org_unit_id (a unit in scope: its subtree; default the caller's),
 * from, to (YYYY-MM-DD, both included), place_type, injury_type,
 * cause, severity, sex, occupation, education (each a code of
 * /codes), age_band (0-6|7-17|18-44|45-59|60-74|75+), resident_id,
 * sort (-injured_on default; injured_on, age, id; - descending), page,
 * page_size (20|50|100). Reply: {items (records as GET /{id}), page,
 * page_size, total}. Errors: 400 parameter; 404 unit outside scope. */
static int injury_list_route(request *rq, response *rs)
{
    static const char *const SORT_KEYS[] = {"-injured_on", "r.injured_on", "age", "r.age", "id", "r.id", NULL};
    const char *band_key = req_query(rq, "age_band");
    const injury_age_band_def *band = NULL;
    int64_t resident_id = 0, total;
    char end[256], suffix[200];
    page_req pg;
    org_unit u;
    query q;
    if (band_key && *band_key && !(band = injury_age_band_find(band_key)))
        return reply_bad_request(rs, "age_band", "age_band 只能是 0-6、7-17、18-44、45-59、60-74 或 75+");
    if (page_size_choice_or_reply(rq, rs) != 0 || req_page(rq, rs, SORT_KEYS, &pg) != 0 ||
        req_query_int(rq, rs, "resident_id", 0, 1, INT64_MAX, &resident_id) < 0 ||
        org_unit_param_or_reply(rq, rs, "org_unit_id", &u) != 0)
        return -1;
    q_init(&q, "");
    q_where(&q, "u.path >= ? AND u.path < ?");
    q_bind_text(&q, u.path);
    q_bind_text(&q, org_path_end(u.path, end));
    if (code_filter_or_reply(rq, rs, &q, "place_type", "r.place_type", INJURY_PLACE_TYPES) != 0 ||
        code_filter_or_reply(rq, rs, &q, "injury_type", "r.injury_type", INJURY_TYPES) != 0 ||
        code_filter_or_reply(rq, rs, &q, "cause", "r.cause", INJURY_CAUSES) != 0 ||
        code_filter_or_reply(rq, rs, &q, "severity", "r.severity", INJURY_SEVERITIES) != 0 ||
        code_filter_or_reply(rq, rs, &q, "sex", "r.sex", INJURY_SEXES) != 0 ||
        code_filter_or_reply(rq, rs, &q, "occupation", "r.occupation", INJURY_OCCUPATIONS) != 0 ||
        code_filter_or_reply(rq, rs, &q, "education", "r.education", INJURY_EDUCATIONS) != 0 ||
        date_filter_or_reply(rq, rs, &q, "from", "r.injured_on >= ?") != 0 ||
        date_filter_or_reply(rq, rs, &q, "to", "r.injured_on <= ?") != 0) {
        q_free(&q);
        return -1;
    }
    if (band) {
        q_where(&q, "r.age >= ? AND r.age <= ?");
        q_bind_int(&q, band->lo);
        q_bind_int(&q, band->hi);
    }
    if (resident_id) {
        q_where(&q, "r.resident_id = ?");
        q_bind_int(&q, resident_id);
    }
    snprintf(suffix, sizeof suffix, " ORDER BY %s, r.id DESC LIMIT ? OFFSET ?", pg.order_by);
    db_stmt *s = page_query_or_reply(rq, rs, "SELECT COUNT(*)" INJURY_FROM, INJURY_SELECT, &q, suffix, &pg, &total);
    q_free(&q);
    if (!s)
        return -1;
    json_t *items = json_array();
    injury_row r;
    while (db_step(s) == DB_ROW) {
        injury_from_row(s, &r);
        json_array_append_new(items, injury_json(&r));
    }
    db_finalize(s);
    return reply_json(rs, 200, page_result(items, &pg, total));
}

/* ---- code lists and analysis ------------------------------------------------- */

static json_t *strings_json(const char *const *list)
{
    json_t *a = json_array();
    for (size_t i = 0; list[i]; i++)
        json_array_append_new(a, json_string(list[i]));
    return a;
}

/* GET /api/v1/safety/injuries/codes — roles: street, community, grid,
 * viewer. Reply: the code lists a record's fields take {place_type,
 * injury_type, cause, severity, sex, occupation, education: [text]},
 * age_band: [{key, label, from, to}], and the analysis' dimensions:
 * [{name, label}]. */
static int injury_codes_route(request *rq, response *rs)
{
    (void)rq;
    json_t *bands = json_array(), *dims = json_array();
    for (const injury_age_band_def *b = INJURY_AGE_BANDS; b->key; b++)
        json_array_append_new(bands, json_pack("{s:s, s:s, s:i, s:i}", "key", b->key, "label", b->label, "from", b->lo,
                                               "to", b->hi));
    for (int d = 0; d < INJ_DIMS; d++)
        json_array_append_new(dims, json_pack("{s:s, s:s}", "name", injury_dim_name((injury_dim)d), "label",
                                              injury_dim_label((injury_dim)d)));
    return reply_json(rs, 200,
                      json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "place_type",
                                strings_json(INJURY_PLACE_TYPES), "injury_type", strings_json(INJURY_TYPES), "cause",
                                strings_json(INJURY_CAUSES), "severity", strings_json(INJURY_SEVERITIES), "sex",
                                strings_json(INJURY_SEXES), "occupation", strings_json(INJURY_OCCUPATIONS),
                                "education", strings_json(INJURY_EDUCATIONS), "age_band", bands, "dimensions", dims));
}

/* {count, previous, change, change_rate ("+25.0%"; null when previous is 0)}. */
static json_t *figures_json(int64_t count, int64_t previous)
{
    char rate[32];
    json_t *j = json_pack("{s:I, s:I, s:I}", "count", (json_int_t)count, "previous", (json_int_t)previous, "change",
                          (json_int_t)(count - previous));
    if (previous > 0) {
        snprintf(rate, sizeof rate, "%+.1f%%", (double)(count - previous) * 100.0 / (double)previous);
        json_object_set_new(j, "change_rate", json_string(rate));
    } else
        json_object_set_new(j, "change_rate", json_null());
    return j;
}

static json_t *keyed_figures(const injury_key *k, int64_t count, int64_t previous)
{
    json_t *j = figures_json(count, previous);
    json_object_set_new(j, "key", json_string(k->key));
    json_object_set_new(j, "label", json_string(k->label));
    return j;
}

/* The reply of the analysis from tally *t. */
static json_t *analysis_json(const injury_tally *t, const org_unit *u)
{
    int crossed = t->by2 != INJ_DIMS;
    int64_t all = 0, all_prev = 0;
    json_t *rows = json_array(), *cols = json_array();
    for (size_t i = 0; i < t->nrows; i++) {
        int64_t n = 0, p = 0;
        json_t *cells = json_array();
        for (size_t j = 0; j < t->ncols; j++) {
            int64_t c = injury_tally_count(t, i, j, 0), cp = injury_tally_count(t, i, j, 1);
            n += c;
            p += cp;
            if (crossed)
                json_array_append_new(cells, keyed_figures(&t->cols[j], c, cp));
        }
        json_t *row = keyed_figures(&t->rows[i], n, p);
        if (crossed)
            json_object_set_new(row, "cells", cells);
        else
            json_decref(cells);
        json_array_append_new(rows, row);
        all += n;
        all_prev += p;
    }
    for (size_t j = 0; crossed && j < t->ncols; j++) {
        int64_t n = 0, p = 0;
        for (size_t i = 0; i < t->nrows; i++) {
            n += injury_tally_count(t, i, j, 0);
            p += injury_tally_count(t, i, j, 1);
        }
        json_array_append_new(cols, keyed_figures(&t->cols[j], n, p));
    }
    json_t *j = json_pack("{s:i, s:i, s:{s:I, s:s}, s:{s:s, s:s}, s:o, s:o}", "year", t->year, "previous_year",
                          t->year - 1, "org_unit", "id", (json_int_t)u->id, "name", u->name, "by", "name",
                          injury_dim_name(t->by), "label", injury_dim_label(t->by), "rows", rows, "total",
                          figures_json(all, all_prev));
    if (crossed) {
        json_object_set_new(j, "by2", json_pack("{s:s, s:s}", "name", injury_dim_name(t->by2), "label",
                                                injury_dim_label(t->by2)));
        json_object_set_new(j, "columns", cols);
    } else {
        json_object_set_new(j, "by2", json_null());
        json_decref(cols);
    }
    return j;
}

/* GET /api/v1/safety/injuries/analysis — roles: street, community, grid,
 * viewer (counts only: no route gives the viewer a record). Query:
 * year (default this year, China time), by* and by2 (two different
 * dimensions of age_band, sex, occupation, education, place_type,
 * injury_type, cause, severity, month, community), org_unit_id (a unit
 * in scope; default the caller's). Reply: {year, previous_year,
 * org_unit {id, name}, by {name, label}, by2 (null or {name, label}),
 * rows: [{key, label, count, previous, change, change_rate, cells (with
 * by2: one per column, the same figures)}], columns (with by2: the
 * column totals, keyed), total {count, previous, change, change_rate}}:
 * every value of each dimension (zeros included; a community dimension:
 * the communities of the unit) in the dimension's order. count is the
 * year's, previous the year before's, change_rate a display text
 * ("+25.0%", null when the year before had none). Errors: 400 parameter;
 * 404 unit outside scope. */
static int injury_analysis_route(request *rq, response *rs)
{
    const char *by_name = req_query(rq, "by"), *by2_name = req_query(rq, "by2");
    injury_dim by = injury_dim_find(by_name), by2 = INJ_DIMS;
    int64_t year;
    org_unit u;
    injury_tally t;
    char msg[400];
    if (by == INJ_DIMS) {
        snprintf(msg, sizeof msg, "by 只能是 %s", injury_dim_names_text());
        return reply_bad_request(rs, "by", msg);
    }
    if (by2_name && *by2_name) {
        by2 = injury_dim_find(by2_name);
        if (by2 == INJ_DIMS) {
            snprintf(msg, sizeof msg, "by2 只能是 %s", injury_dim_names_text());
            return reply_bad_request(rs, "by2", msg);
        }
        if (by2 == by)
            return reply_bad_request(rs, "by2", "by2 应与 by 不同");
    }
    if (req_query_int(rq, rs, "year", date_today_local() / 10000, 1901, 2199, &year) < 0 ||
        org_unit_param_or_reply(rq, rs, "org_unit_id", &u) != 0)
        return -1;
    if (injury_analysis(rq->db, u.path, (int)year, by, by2, &t) != 0)
        return reply_internal(rs);
    json_t *j = analysis_json(&t, &u);
    injury_tally_release(&t);
    return reply_json(rs, 200, j);
}

const route injury_routes[] = {
    {.method = "POST",   .pattern = "/api/v1/safety/injuries",          .handler = injury_create_route,   .roles = R_FRONT},
    {.method = "GET",    .pattern = "/api/v1/safety/injuries",          .handler = injury_list_route,     .roles = R_FRONT, .read_heavy = 1},
    {.method = "GET",    .pattern = "/api/v1/safety/injuries/codes",    .handler = injury_codes_route,    .roles = R_COUNTS},
    {.method = "GET",    .pattern = "/api/v1/safety/injuries/analysis", .handler = injury_analysis_route, .roles = R_COUNTS, .read_heavy = 1},
    {.method = "GET",    .pattern = "/api/v1/safety/injuries/{id}",     .handler = injury_get_route,      .roles = R_FRONT},
    {.method = "PATCH",  .pattern = "/api/v1/safety/injuries/{id}",     .handler = injury_update_route,   .roles = R_FRONT},
    {.method = "DELETE", .pattern = "/api/v1/safety/injuries/{id}",     .handler = injury_delete_route,   .roles = R_FRONT},
    {0}
};
