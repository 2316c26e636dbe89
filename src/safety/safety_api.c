/* safety_api.c — the /api/v1/safety routes (safety_routes): enterprises
 * and places with their inspection plans, inspections, the hazard ledger
 * and its summary. Translates HTTP to enterprise.h and hazard.h calls
 * and back; owns what a reply shows (the contact's phone masked in lists,
 * in full only on the enterprise's own page and never to the viewer). */
#include "safety/safety_api.h"
#include "registry/org.h"
#include "registry/registry_api.h"
#include "safety/enterprise.h"
#include "safety/hazard.h"
#include "safety/hazard_flow.h"
#include "server/write.h"
#include "storage/query.h"
#include "util/validate.h"
#include "workflow/wf_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define R_WRITE (ROLE_STREET | ROLE_COMMUNITY | ROLE_GRID)
#define R_READ  (ROLE_STREET | ROLE_COMMUNITY | ROLE_GRID | ROLE_VIEWER)

static json_t *opt_str(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *opt_id(int64_t id)
{
    return id > 0 ? json_integer(id) : json_null();
}

/* ---- enterprises ------------------------------------------------------------------ */

/* The contact's phone as `rq`'s caller may see it: masked (masked = 1)
 * or in full; null for the viewer (部门), who gets no phones. */
static json_t *phone_json(const request *rq, const char *phone, int masked)
{
    char shown[40];
    if (!phone[0] || (rq->user.role & ROLE_VIEWER))
        return json_null();
    return json_string(masked ? phone_mask(phone, shown, sizeof shown) : phone);
}

static json_t *enterprise_json(const request *rq, const enterprise *e, int masked)
{
    char today[11];
    date_today_text(today);
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(e->id));
    json_object_set_new(j, "name", json_string(e->name));
    json_object_set_new(j, "kind", json_string(e->kind));
    json_object_set_new(j, "address", json_string(e->address));
    json_object_set_new(j, "grid_id", json_integer(e->grid_id));
    json_object_set_new(j, "grid", json_string(e->grid_name));
    json_object_set_new(j, "community_id", json_integer(e->community_id));
    json_object_set_new(j, "community", json_string(e->community_name));
    json_object_set_new(j, "contact_name", json_string(e->contact_name));
    json_object_set_new(j, "contact_phone", phone_json(rq, e->phone, masked));
    json_object_set_new(j, "frequency", json_string(e->frequency));
    json_object_set_new(j, "frequency_label", json_string(frequency_label(e->frequency)));
    json_object_set_new(j, "plan_from", json_string(e->plan_from));
    json_object_set_new(j, "last_inspected_on", opt_str(e->last_inspected_on));
    json_object_set_new(j, "next_due_on", json_string(e->next_due_on));
    json_object_set_new(j, "inspection_overdue", json_boolean(e->active && strcmp(e->next_due_on, today) < 0));
    json_object_set_new(j, "active", json_boolean(e->active));
    json_object_set_new(j, "version", json_integer(e->version));
    json_object_set_new(j, "created_at", json_string(e->created_at));
    json_object_set_new(j, "updated_at", json_string(e->updated_at));
    return j;
}

/* The audit image of an enterprise: its record, the phone masked. */
static json_t *enterprise_image(const enterprise *e)
{
    char shown[40];
    return json_pack("{s:s, s:s, s:s, s:I, s:s, s:o, s:s, s:s, s:b}", "name", e->name, "kind", e->kind, "address",
                     e->address, "grid_id", (json_int_t)e->grid_id, "contact_name", e->contact_name, "contact_phone",
                     e->phone[0] ? json_string(phone_mask(e->phone, shown, sizeof shown)) : json_null(), "frequency",
                     e->frequency, "next_due_on", e->next_due_on, "active", e->active);
}

/* Loads enterprise {id} in the caller's scope: 0, or -1 with a 404 (500). */
static int enterprise_in_scope_or_reply(request *rq, response *rs, int64_t id, enterprise *out)
{
    int rc = enterprise_get(rq->db, id, out);
    if (rc < 0)
        return reply_internal(rs), -1;
    if (rc > 0 || !scope_contains(rq, out->org_path))
        return reply_not_found(rs, "企业或场所"), -1;
    return 0;
}

/* Commits a write on enterprise id with its audit row and replies it. */
static int enterprise_finish_or_reply(request *rq, response *rs, int64_t id, const char *action, json_t *before,
                                      int status)
{
    enterprise e;
    char detail[600];
    if (enterprise_get(rq->db, id, &e) != 0) {
        json_decref(before);
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    }
    json_t *after = enterprise_image(&e);
    snprintf(detail, sizeof detail, "%s（%s）", e.name, e.kind);
    utf8_trim_partial(detail);
    reply_etag(rs, e.version);
    int rc = write_commit_or_reply(rq, rs,
                                   &(audit_entry){.action = action, .entity = "safety_enterprise", .entity_id = id,
                                                  .org_path = e.org_path, .before = before, .after = after,
                                                  .detail = detail},
                                   status, enterprise_json(rq, &e, 0));
    json_decref(before);
    json_decref(after);
    return rc;
}

/* The body of a create or an update. 0, or -1 (replied). */
static int enterprise_body_or_reply(request *rq, response *rs, enterprise_in *in)
{
    static const char *const FIELDS[] = {"name", "kind", "address", "grid_id", "contact_name", "contact_phone",
                                         "frequency", "plan_from", "active", "version", NULL};
    int64_t version = 0;
    int active = 1;
    int has_active;
    if (body_only(rq, rs, FIELDS) != 0 || body_str(rq, rs, "name", &in->name) < 0 ||
        body_str(rq, rs, "kind", &in->kind) < 0 || body_str(rq, rs, "address", &in->address) < 0 ||
        body_str(rq, rs, "contact_name", &in->contact_name) < 0 ||
        body_str(rq, rs, "contact_phone", &in->contact_phone) < 0 ||
        body_str(rq, rs, "frequency", &in->frequency) < 0 || body_str(rq, rs, "plan_from", &in->plan_from) < 0 ||
        body_int(rq, rs, "grid_id", &in->grid_id) < 0 || body_int(rq, rs, "version", &version) < 0 ||
        (has_active = body_bool(rq, rs, "active", &active)) < 0 || if_match_or_reply(rq, rs, &in->if_version) != 0)
        return -1;
    in->active = has_active > 0 ? active : -1;
    if (in->if_version == 0)
        in->if_version = version;
    return 0;
}

/* POST /api/v1/safety/enterprises — roles: street, community, grid (in scope).
 * Body: name*, kind* (工业企业|商铺|餐饮|出租屋|三小场所|建筑工地|加油站|
 * 人员密集场所|其他), address*, grid_id* (a grid in scope), contact_name,
 * contact_phone (stored encrypted), frequency* (monthly|quarterly|
 * half_yearly), plan_from (the day the plan counts from until a first
 * inspection; default today), active (default true). Reply 201: the
 * enterprise (ETag). Errors: 400 field; 404 grid outside scope; 409 grid closed. */
static int enterprise_create_route(request *rq, response *rs)
{
    enterprise_in in = {0};
    ms_err err = {0};
    if (enterprise_body_or_reply(rq, rs, &in) != 0 || write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (in.active < 0)
        in.active = 1;
    int64_t id = enterprise_create(rq->db, &rq->user, &in, &err);
    if (id < 0)
        return write_fail_or_reply(rq, rs, &err);
    return enterprise_finish_or_reply(rq, rs, id, "safety_enterprise_create", NULL, 201);
}

/* PATCH /api/v1/safety/enterprises/{id} — roles: street, community, grid (in scope).
 * Body: any of the create's fields (grid_id: move to another grid in
 * scope; refused while a hazard of it is not 销号: a case stays under the
 * grid it was found in, as do past inspections; active false: 停用),
 * version (or If-Match). The next due date is recomputed. Reply: the
 * enterprise. Errors: 400 field; 404 not in scope; 409 open hazards on a
 * move; 412 stale version. */
static int enterprise_update_route(request *rq, response *rs)
{
    enterprise_in in = {0};
    enterprise before, cur;
    ms_err err = {0};
    if (enterprise_body_or_reply(rq, rs, &in) != 0 || enterprise_in_scope_or_reply(rq, rs, rq->id, &cur) != 0 ||
        write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (enterprise_update(rq->db, &rq->user, rq->id, &in, &before, &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    return enterprise_finish_or_reply(rq, rs, rq->id, "safety_enterprise_update", enterprise_image(&before), 200);
}

static json_t *inspection_json(const inspection *i)
{
    return json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:s}", "id", (json_int_t)i->id, "enterprise_id",
                     (json_int_t)i->enterprise_id, "enterprise_name", i->enterprise_name, "inspected_on",
                     i->inspected_on, "inspectors", i->inspectors, "findings", i->findings ? i->findings : "",
                     "result", i->result, "hazards", (json_int_t)i->hazards, "created_at", i->created_at);
}

/* GET /api/v1/safety/enterprises/{id} — roles: street, community, grid, viewer (in scope).
 * Reply: the enterprise (contact_phone in full; null for the viewer),
 * inspections (the latest 10), open_hazards (not 销号). ETag: the
 * version. Errors: 404 not in scope. */
static int enterprise_get_route(request *rq, response *rs)
{
    enterprise e;
    if (enterprise_in_scope_or_reply(rq, rs, rq->id, &e) != 0)
        return -1;
    json_t *j = enterprise_json(rq, &e, 0), *list = json_array();
    db_stmt *s = db_query(rq->db, INSPECTION_SELECT " WHERE i.enterprise_id = ? ORDER BY i.inspected_on DESC, i.id DESC"
                                                    " LIMIT 10",
                          DB_INT(e.id));
    if (!s) {
        json_decref(j);
        json_decref(list);
        return reply_internal(rs);
    }
    while (db_step(s) == DB_ROW) {
        inspection i;
        inspection_from_row(s, &i);
        json_array_append_new(list, inspection_json(&i));
        inspection_release(&i);
    }
    db_finalize(s);
    json_object_set_new(j, "inspections", list);
    json_object_set_new(j, "open_hazards",
                        json_integer(db_one_int(rq->db, 0,
                                                "SELECT COUNT(*) FROM safety_hazard h JOIN wf_case c ON c.id = h.id"
                                                " WHERE h.enterprise_id = ? AND c.closed_at IS NULL",
                                                DB_INT(e.id))));
    reply_etag(rs, e.version);
    return reply_json(rs, 200, j);
}

/* The caller's unit, or ?org_unit_id=, as a subtree range [u.path, end). 0 or -1 (replied). */
static int subtree_or_reply(request *rq, response *rs, query *q, const char *col, org_unit *u)
{
    char end[256], sql[128];
    if (org_unit_param_or_reply(rq, rs, "org_unit_id", u) != 0)
        return -1;
    org_path_end(u->path, end);
    snprintf(sql, sizeof sql, "%s >= ? AND %s < ?", col, col);
    q_where(q, sql);
    q_bind_text(q, u->path);
    q_bind_text(q, end);
    return 0;
}

/* GET /api/v1/safety/enterprises — roles: street, community, grid, viewer.
 * Query: org_unit_id (a community or grid: the unit and below; default
 * the caller's), kind, active (1|0), overdue (1: active and the next
 * inspection past due), q (part of the name), sort (-id default; name,
 * next_due_on; - for descending), page, page_size (20|50|100). Reply:
 * {items, page, page_size, total}; each item as GET /{id} without
 * inspections, contact_phone masked ("138****5678"; null for the viewer).
 * Errors: 400 parameter; 404 org unit outside scope. */
static int enterprise_list_route(request *rq, response *rs)
{
    static const char *const SORT_KEYS[] = {"-id", "e.id", "name", "e.name", "next_due_on", "e.next_due_on", NULL};
    const char *kind = req_query(rq, "kind"), *active = req_query(rq, "active"), *qname = req_query(rq, "q");
    char today[11], suffix[200];
    page_req pg;
    org_unit u;
    query q;
    if (kind && *kind && !str_in_set(kind, ENTERPRISE_KINDS))
        return reply_bad_request(rs, "kind", "kind 不是企业或场所的类型");
    if (active && *active && strcmp(active, "1") != 0 && strcmp(active, "0") != 0)
        return reply_bad_request(rs, "active", "active 只能是 1 或 0");
    if (qname && utf8_length(qname) > 50)
        return reply_bad_request(rs, "q", "名称关键字不能超过50个字");
    if (page_size_choice_or_reply(rq, rs) != 0 || req_page(rq, rs, SORT_KEYS, &pg) != 0)
        return -1;
    q_init(&q, "");
    if (subtree_or_reply(rq, rs, &q, "e.org_path", &u) != 0)
        return q_free(&q), -1;
    if (kind && *kind) {
        q_where(&q, "e.kind = ?");
        q_bind_text(&q, kind);
    }
    if (active && *active) {
        q_where(&q, "e.active = ?");
        q_bind_int(&q, active[0] == '1');
    }
    if (req_query_flag(rq, "overdue")) {
        q_where(&q, "e.active = 1 AND e.next_due_on < ?");
        q_bind_text(&q, date_today_text(today));
    }
    if (qname && *qname) {
        q_where(&q, db_sql(rq->db, "instr(e.name, ?) > 0", "strpos(e.name, ?) > 0"));
        q_bind_text(&q, qname);
    }
    int64_t total;
    snprintf(suffix, sizeof suffix, " ORDER BY %s, e.id DESC LIMIT ? OFFSET ?", pg.order_by);
    db_stmt *s = page_query_or_reply(rq, rs, "SELECT COUNT(*)" ENTERPRISE_FROM, ENTERPRISE_SELECT, &q, suffix, &pg,
                                     &total);
    q_free(&q);
    if (!s)
        return -1;
    json_t *items = json_array();
    enterprise e;
    while (db_step(s) == DB_ROW) {
        enterprise_from_row(s, &e);
        json_array_append_new(items, enterprise_json(rq, &e, 1));
    }
    db_finalize(s);
    return reply_json(rs, 200, page_result(items, &pg, total));
}

/* ---- hazards: what a reply shows ------------------------------------------------------ */

static json_t *hazard_json(const hazard *h, const char *today)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(h->c.id));
    json_object_set_new(j, "title", json_string(h->c.title));
    json_object_set_new(j, "enterprise_id", opt_id(h->enterprise_id));
    json_object_set_new(j, "enterprise_name", opt_str(h->enterprise_name));
    json_object_set_new(j, "inspection_id", opt_id(h->inspection_id));
    json_object_set_new(j, "place", json_string(h->place));
    json_object_set_new(j, "grid_id", json_integer(h->grid_id));
    json_object_set_new(j, "grid", json_string(h->grid_name));
    json_object_set_new(j, "community_id", json_integer(h->community_id));
    json_object_set_new(j, "community", json_string(h->community_name));
    json_object_set_new(j, "level", json_string(h->level));
    json_object_set_new(j, "description", json_string(h->description));
    json_object_set_new(j, "measure", json_string(h->measure));
    json_object_set_new(j, "responsible", json_string(h->responsible));
    json_object_set_new(j, "found_on", json_string(h->found_on));
    json_object_set_new(j, "deadline", json_string(h->deadline));
    json_object_set_new(j, "overdue", json_boolean(hazard_is_overdue(h, today)));
    json_object_set_new(j, "state", json_string(h->c.state));
    json_object_set_new(j, "state_label", json_string(hazard_state_label(h->c.state)));
    json_object_set_new(j, "recheck_due_at", opt_str(h->c.due_at));
    json_object_set_new(j, "closed_at", opt_str(h->c.closed_at));
    json_object_set_new(j, "created_at", json_string(h->c.created_at));
    json_object_set_new(j, "version", json_integer(h->version));
    return j;
}

/* The audit image of a hazard: its record and state. */
static json_t *hazard_image(const hazard *h)
{
    return json_pack("{s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:s}", "enterprise_id", opt_id(h->enterprise_id),
                     "inspection_id", opt_id(h->inspection_id), "level", h->level, "description", h->description,
                     "responsible", h->responsible, "deadline", h->deadline, "state", h->c.state, "org_path",
                     h->c.org_path);
}

/* Loads hazard {id} in the caller's scope (release it): 0, or -1 with a 404 (500). */
static int hazard_in_scope_or_reply(request *rq, response *rs, int64_t id, hazard *out)
{
    int rc = hazard_get(rq->db, id, out);
    if (rc < 0)
        return reply_internal(rs), -1;
    if (rc > 0 || !scope_contains(rq, out->c.org_path)) {
        if (rc == 0)
            hazard_release(out);
        return reply_not_found(rs, "隐患"), -1;
    }
    return 0;
}

/* A hazard of the body: {level*, description*, measure, responsible,
 * found_on, deadline*} (+ enterprise_id, inspection_id, grid_id, place
 * when `where` is NULL: the request's own body, whose fields are named
 * as they are; else `where` ("hazards[2]") names the item). Strings
 * borrowed from v. 0, or -1 (replied). */
static int hazard_in_or_reply(response *rs, json_t *v, const char *where, hazard_in *in)
{
    static const char *const KEYS[] = {"level", "description", "measure", "responsible", "found_on", "deadline",
                                       "enterprise_id", "inspection_id", "grid_id", "place", NULL};
    const char *key;
    json_t *x;
    if (!json_is_object(v))
        return reply_error(rs, 400, "bad_request", where, "%s 应为对象", where ? where : "请求体"), -1;
    json_object_foreach(v, key, x) {
        int direct_only = strstr(key, "_id") || strcmp(key, "place") == 0;
        if (!str_in_set(key, KEYS) || (where && direct_only))
            return reply_error(rs, 400, "bad_request", where ? where : key, "%s%s未知字段 %s", where ? where : "",
                               where ? " 有" : "", key),
                   -1;
        if (!json_is_null(x) && (strstr(key, "_id") ? !json_is_integer(x) : !json_is_string(x)))
            return reply_error(rs, 400, "bad_request", where ? where : key, "%s%s%s 应为%s", where ? where : "",
                               where ? " 的 " : "", key, strstr(key, "_id") ? "整数" : "字符串"),
                   -1;
    }
    in->level = json_string_value(json_object_get(v, "level"));
    in->description = json_string_value(json_object_get(v, "description"));
    in->measure = json_string_value(json_object_get(v, "measure"));
    in->responsible = json_string_value(json_object_get(v, "responsible"));
    in->found_on = json_string_value(json_object_get(v, "found_on"));
    in->deadline = json_string_value(json_object_get(v, "deadline"));
    in->place = json_string_value(json_object_get(v, "place"));
    in->enterprise_id = json_integer_value(json_object_get(v, "enterprise_id"));
    in->inspection_id = json_integer_value(json_object_get(v, "inspection_id"));
    in->grid_id = json_integer_value(json_object_get(v, "grid_id"));
    return 0;
}

/* Commits a write on hazard id with its audit row and replies it. */
static int hazard_finish_or_reply(request *rq, response *rs, int64_t id, const char *action, json_t *before,
                                  const char *detail, int status)
{
    hazard h;
    char today[11];
    if (hazard_get(rq->db, id, &h) != 0) {
        json_decref(before);
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    }
    json_t *after = hazard_image(&h), *body = hazard_json(&h, date_today_text(today));
    reply_etag(rs, h.version);
    int rc = write_commit_or_reply(rq, rs,
                                   &(audit_entry){.action = action, .entity = "safety_hazard", .entity_id = id,
                                                  .org_path = h.c.org_path, .before = before, .after = after,
                                                  .detail = detail},
                                   status, body);
    hazard_release(&h);
    json_decref(before);
    json_decref(after);
    return rc;
}

/* ---- inspections ---------------------------------------------------------------------- */

/* Names given as an array of strings, joined with "、" into out: 0, or -1 when not that. */
static int names_join(json_t *v, char *out, size_t outsz)
{
    size_t i, n = 0;
    json_t *x;
    out[0] = '\0';
    if (json_is_string(v)) {
        snprintf(out, outsz, "%s", json_string_value(v));
        return strlen(json_string_value(v)) < outsz ? 0 : -1;
    }
    if (!json_is_array(v))
        return -1;
    json_array_foreach(v, i, x) {
        const char *s = json_string_value(x);
        int w = s ? snprintf(out + n, outsz - n, "%s%s", n ? "、" : "", s) : -1;
        if (w < 0 || (size_t)w >= outsz - n)
            return -1;
        n += (size_t)w;
    }
    return 0;
}

#define MAX_HAZARDS_PER_INSPECTION 50

/* POST /api/v1/safety/inspections — roles: street, community, grid (in scope).
 * Body: enterprise_id*, inspected_on* (not after today), inspectors*
 * (names: an array, or one string), findings, result* (合格|发现隐患|
 * 责令停业整顿), hazards: [{level*, description*, measure, responsible,
 * found_on (default inspected_on), deadline*}] registered with it as
 * cases in 已登记 (at most 50; none with 合格). The plan moves on:
 * last_inspected_on, next_due_on. Reply 201: the inspection with
 * hazard_ids. Errors: 400 field (hazards[i] names the hazard); 404
 * enterprise outside scope; 409 enterprise 停用. */
static int inspection_create_route(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"enterprise_id", "inspected_on", "inspectors", "findings", "result",
                                         "hazards", NULL};
    inspection_in in = {0};
    char inspectors[512], where[32];
    hazard_in hz[MAX_HAZARDS_PER_INSPECTION];
    size_t nh = 0;
    ms_err err = {0};
    if (body_only(rq, rs, FIELDS) != 0 || body_str(rq, rs, "inspected_on", &in.inspected_on) < 0 ||
        body_str(rq, rs, "findings", &in.findings) < 0 || body_str(rq, rs, "result", &in.result) < 0)
        return -1;
    if (body_int(rq, rs, "enterprise_id", &in.enterprise_id) <= 0)
        return rs->status ? -1 : reply_bad_request(rs, "enterprise_id", "缺少必填字段 enterprise_id（企业或场所）");
    if (names_join(json_object_get(rq->json, "inspectors"), inspectors, sizeof inspectors) != 0)
        return reply_bad_request(rs, "inspectors", "请填写检查人员 inspectors（姓名数组）");
    in.inspectors = inspectors;
    json_t *hazards = json_object_get(rq->json, "hazards"), *x;
    if (hazards && !json_is_null(hazards)) {
        if (!json_is_array(hazards) || json_array_size(hazards) > MAX_HAZARDS_PER_INSPECTION)
            return reply_bad_request(rs, "hazards", "hazards 应为隐患的数组（至多50项）");
        json_array_foreach(hazards, nh, x) {
            snprintf(where, sizeof where, "hazards[%zu]", nh);
            if (hazard_in_or_reply(rs, x, where, &hz[nh]) != 0)
                return -1;
        }
        nh = json_array_size(hazards);
    }
    if (nh > 0 && in.result && strcmp(in.result, "合格") == 0)
        return reply_bad_request(rs, "result", "检查结论为合格时不能登记隐患");
    if (write_begin_or_reply(rq, rs) != 0)
        return -1;
    int64_t id = inspection_create(rq->db, &rq->user, &in, &err);
    if (id < 0)
        return write_fail_or_reply(rq, rs, &err);
    json_t *ids = json_array();
    for (size_t i = 0; i < nh; i++) {
        hz[i].enterprise_id = in.enterprise_id;
        hz[i].inspection_id = id;
        int64_t hid = hazard_create(rq->db, &rq->user, rq->client_ip, &hz[i], &err);
        if (hid < 0) {
            json_decref(ids);
            if (err.field[0]) {
                char field[64];
                snprintf(field, sizeof field, "hazards[%zu].%s", i, err.field);
                write_fail_or_reply(rq, rs, &err);
                json_object_set_new(json_object_get(rs->json, "error"), "field", json_string(field));
                return -1;
            }
            return write_fail_or_reply(rq, rs, &err);
        }
        json_array_append_new(ids, json_integer(hid));
    }
    inspection i;
    if (inspection_get(rq->db, id, &i) != 0) {
        json_decref(ids);
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    }
    json_t *body = inspection_json(&i);
    json_object_set_new(body, "hazard_ids", ids);
    json_t *after = json_pack("{s:I, s:s, s:s, s:s, s:O}", "enterprise_id", (json_int_t)i.enterprise_id,
                              "inspected_on", i.inspected_on, "inspectors", i.inspectors, "result", i.result,
                              "hazard_ids", ids);
    char detail[600];
    snprintf(detail, sizeof detail, "%s %s 检查：%s", i.enterprise_name, i.inspected_on, i.result);
    utf8_trim_partial(detail);
    int rc = write_commit_or_reply(rq, rs,
                                   &(audit_entry){.action = "safety_inspection_create", .entity = "safety_inspection",
                                                  .entity_id = id, .org_path = i.org_path, .after = after,
                                                  .detail = detail},
                                   201, body);
    inspection_release(&i);
    json_decref(after);
    return rc;
}

/* GET /api/v1/safety/inspections — roles: street, community, grid, viewer.
 * Query: org_unit_id (default the caller's unit), enterprise_id, result,
 * from, to (inspected_on, YYYY-MM-DD), sort (-inspected_on default; -id),
 * page, page_size (20|50|100). Reply: {items, page, page_size, total};
 * each item: id, enterprise_id, enterprise_name, inspected_on,
 * inspectors, findings, result, hazards (registered from it), created_at.
 * Errors: 400 parameter; 404 org unit outside scope. */
static int inspection_list_route(request *rq, response *rs)
{
    static const char *const SORT_KEYS[] = {"-inspected_on", "i.inspected_on", "-id", "i.id", NULL};
    const char *result = req_query(rq, "result"), *from = req_query(rq, "from"), *to = req_query(rq, "to");
    int64_t enterprise_id = 0;
    char suffix[200];
    page_req pg;
    org_unit u;
    query q;
    if (result && *result && !str_in_set(result, INSPECTION_RESULTS))
        return reply_bad_request(rs, "result", "result 只能是合格、发现隐患或责令停业整顿");
    if ((from && *from && !date_is_valid(from)) || (to && *to && !date_is_valid(to)))
        return reply_bad_request(rs, from && *from && !date_is_valid(from) ? "from" : "to", "日期应为 YYYY-MM-DD");
    if (req_query_int(rq, rs, "enterprise_id", 0, 1, INT64_MAX, &enterprise_id) < 0 ||
        page_size_choice_or_reply(rq, rs) != 0 || req_page(rq, rs, SORT_KEYS, &pg) != 0)
        return -1;
    q_init(&q, "");
    if (subtree_or_reply(rq, rs, &q, "i.org_path", &u) != 0)
        return q_free(&q), -1;
    if (enterprise_id > 0) {
        q_where(&q, "i.enterprise_id = ?");
        q_bind_int(&q, enterprise_id);
    }
    if (result && *result) {
        q_where(&q, "i.result = ?");
        q_bind_text(&q, result);
    }
    if (from && *from) {
        q_where(&q, "i.inspected_on >= ?");
        q_bind_text(&q, from);
    }
    if (to && *to) {
        q_where(&q, "i.inspected_on <= ?");
        q_bind_text(&q, to);
    }
    int64_t total;
    snprintf(suffix, sizeof suffix, " ORDER BY %s, i.id DESC LIMIT ? OFFSET ?", pg.order_by);
    db_stmt *s = page_query_or_reply(rq, rs, "SELECT COUNT(*)" INSPECTION_FROM, INSPECTION_SELECT, &q, suffix, &pg,
                                     &total);
    q_free(&q);
    if (!s)
        return -1;
    json_t *items = json_array();
    while (db_step(s) == DB_ROW) {
        inspection i;
        inspection_from_row(s, &i);
        json_array_append_new(items, inspection_json(&i));
        inspection_release(&i);
    }
    db_finalize(s);
    return reply_json(rs, 200, page_result(items, &pg, total));
}

/* ---- hazards ------------------------------------------------------------------------- */

/* POST /api/v1/safety/hazards — roles: street, community, grid (in scope).
 * A hazard reported directly (or found by an inspection already
 * recorded). Body: enterprise_id (or grid_id* + place* for a place not
 * registered), inspection_id (of that enterprise; found_on defaults to
 * its date), level* (一般|较大|重大), description*, measure, responsible,
 * found_on (default today; not after today), deadline* (整改期限, not
 * before found_on). Reply 201: the hazard (state registered, 已登记).
 * Errors: 400 field; 404 enterprise, inspection or grid outside scope;
 * 409 enterprise 停用. */
static int hazard_create_route(request *rq, response *rs)
{
    hazard_in in = {0};
    ms_err err = {0};
    char detail[200];
    if (!rq->json)
        return reply_bad_request(rs, NULL, "请求体应为 JSON 对象");
    if (hazard_in_or_reply(rs, rq->json, NULL, &in) != 0)
        return -1;
    if (write_begin_or_reply(rq, rs) != 0)
        return -1;
    int64_t id = hazard_create(rq->db, &rq->user, rq->client_ip, &in, &err);
    if (id < 0)
        return write_fail_or_reply(rq, rs, &err);
    snprintf(detail, sizeof detail, "登记%s隐患 #%lld", in.level, (long long)id);
    return hazard_finish_or_reply(rq, rs, id, "safety_hazard_create", NULL, detail, 201);
}

/* POST /api/v1/safety/hazards/{id}/actions/<action> — one route per
 * action of hazard_flow.c's table: rectify (下达整改: 已登记 → 整改中),
 * submit (整改完成，申请复查: 整改中 → 待复查), close (复查合格，销号:
 * 待复查 → 已销号), reopen (复查不合格，退回整改: 待复查 → 整改中; opinion
 * required). Roles: street, community, grid; close and reopen: street,
 * community (the grid worker who reported the work done does not
 * re-check it). Body: opinion, attachments (names), version (or
 * If-Match); close and reopen: recheck* {checked_on* (not after today,
 * not before found_on), checkers* (names: an array, or one string),
 * passed* (true for close, false for reopen), note}. Reply: the hazard
 * (ETag). Errors: 400 field (recheck: missing, or given to another
 * action), opinion; 403 role or level; 404 not in scope; 409 wrong state,
 * or a close whose re-check did not pass; 412 stale version. */
static int hazard_step_route(request *rq, response *rs, const char *action)
{
    static const char *const FIELDS[] = {"opinion", "attachments", "version", "recheck", NULL};
    hazard before;
    hazard_step_in in = {0};
    recheck_in rc_in = {.passed = -1};
    const char *attachments[WF_MAX_ATTACHMENTS + 1];
    char checkers[512];
    int64_t version = 0;
    ms_err err = {0};
    if (body_only(rq, rs, FIELDS) != 0 || body_str(rq, rs, "opinion", &in.opinion) < 0 ||
        body_int(rq, rs, "version", &version) < 0 || if_match_or_reply(rq, rs, &in.if_version) != 0)
        return -1;
    if (in.if_version == 0)
        in.if_version = version;
    int bad;
    in.attachments = wf_attachments_from_json(json_object_get(rq->json, "attachments"), attachments, &bad, &err);
    if (bad)
        return reply_err(rs, &err);
    json_t *rc = rq->json ? json_object_get(rq->json, "recheck") : NULL;
    if (rc && !json_is_null(rc)) {
        if (!json_is_object(rc))
            return reply_bad_request(rs, "recheck", "recheck 应为对象");
        json_t *passed = json_object_get(rc, "passed");
        rc_in.checked_on = json_string_value(json_object_get(rc, "checked_on"));
        rc_in.note = json_string_value(json_object_get(rc, "note"));
        if (names_join(json_object_get(rc, "checkers"), checkers, sizeof checkers) != 0)
            return reply_bad_request(rs, "recheck.checkers", "请填写复查人员 checkers（姓名数组）");
        rc_in.checkers = checkers;
        if (passed && !json_is_boolean(passed))
            return reply_bad_request(rs, "recheck.passed", "passed 应为 true 或 false");
        rc_in.passed = passed ? json_is_true(passed) : -1;
        in.recheck = &rc_in;
    }
    if (hazard_in_scope_or_reply(rq, rs, rq->id, &before) != 0)
        return -1;
    json_t *image = hazard_image(&before);
    hazard_release(&before);
    if (write_begin_or_reply(rq, rs) != 0) {
        json_decref(image);
        return -1;
    }
    if (hazard_step(rq->db, &rq->user, rq->client_ip, rq->id, action, &in, &err) != 0) {
        json_decref(image);
        return write_fail_or_reply(rq, rs, &err);
    }
    char detail[160];
    const wf_transition *tr = wf_transition_find(&HAZARD_CASE, NULL, action);
    snprintf(detail, sizeof detail, "隐患 #%lld：%s", (long long)rq->id, tr ? tr->label : action);
    return hazard_finish_or_reply(rq, rs, rq->id, "safety_hazard_step", image, detail, 200);
}

#define STEP_ROUTE(name)                                                               \
    static int hazard_##name(request *rq, response *rs) { return hazard_step_route(rq, rs, #name); }
STEP_ROUTE(rectify)
STEP_ROUTE(submit)
STEP_ROUTE(close)
STEP_ROUTE(reopen)

/* GET /api/v1/safety/hazards/{id} — roles: street, community, grid, viewer (in scope).
 * Reply: the hazard, timeline [{at, action, action_label, state,
 * state_label, opinion, by, attachments}], rechecks [{checked_on,
 * checkers, passed, note, created_at}], actions the caller may take
 * [{action, label, to_label, opinion_required}]. ETag: the version.
 * Errors: 404 not in scope. */
static int hazard_get_route(request *rq, response *rs)
{
    hazard h;
    char today[11];
    recheck rc[20];
    if (hazard_in_scope_or_reply(rq, rs, rq->id, &h) != 0)
        return -1;
    json_t *j = hazard_json(&h, date_today_text(today)), *a = json_array();
    json_object_set_new(j, "timeline", wf_timeline_json(rq->db, &HAZARD_CASE, &h.c));
    int n = hazard_rechecks_load(rq->db, h.c.id, rc, 20);
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:b, s:s, s:s}", "checked_on", rc[i].checked_on, "checkers",
                                           rc[i].checkers, "passed", rc[i].passed, "note", rc[i].note, "created_at",
                                           rc[i].created_at));
    json_object_set_new(j, "rechecks", a);
    json_object_set_new(j, "actions", wf_actions_json(rq->db, &HAZARD_CASE, &h.c, &rq->user, NULL));
    reply_etag(rs, h.version);
    hazard_release(&h);
    return reply_json(rs, 200, j);
}

/* GET /api/v1/safety/hazards — roles: street, community, grid, viewer.
 * Query: org_unit_id (default the caller's unit), state (registered|
 * rectifying|rechecking|closed), open (1: not 销号), level (一般|较大|重大),
 * overdue (1: the deadline passed and not 销号), enterprise_id, sort
 * (-id default; deadline, found_on; - for descending), page, page_size
 * (20|50|100). Reply: {items, page, page_size, total}; each item: the
 * hazard as GET /{id} without timeline, rechecks and actions.
 * Errors: 400 parameter; 404 org unit outside scope. */
static int hazard_list_route(request *rq, response *rs)
{
    static const char *const SORT_KEYS[] = {"-id", "h.id", "deadline", "h.deadline", "found_on", "h.found_on", NULL};
    const char *state = req_query(rq, "state"), *level = req_query(rq, "level");
    int64_t enterprise_id = 0;
    char today[11], suffix[200];
    page_req pg;
    org_unit u;
    query q;
    if (state && *state && !wf_state_find(&HAZARD_CASE, state))
        return reply_bad_request(rs, "state", "state 只能是 registered（已登记）、rectifying（整改中）、rechecking（待复查）或 closed（已销号）");
    if (level && *level && !str_in_set(level, HAZARD_LEVELS))
        return reply_bad_request(rs, "level", "level 只能是一般、较大或重大");
    if (req_query_int(rq, rs, "enterprise_id", 0, 1, INT64_MAX, &enterprise_id) < 0 ||
        page_size_choice_or_reply(rq, rs) != 0 || req_page(rq, rs, SORT_KEYS, &pg) != 0)
        return -1;
    date_today_text(today);
    q_init(&q, "");
    if (subtree_or_reply(rq, rs, &q, "c.org_path", &u) != 0)
        return q_free(&q), -1;
    if (state && *state) {
        q_where(&q, "c.state = ?");
        q_bind_text(&q, state);
    }
    if (level && *level) {
        q_where(&q, "h.level = ?");
        q_bind_text(&q, level);
    }
    if (req_query_flag(rq, "open"))
        q_where(&q, "c.closed_at IS NULL");
    if (req_query_flag(rq, "overdue")) {
        q_where(&q, "c.closed_at IS NULL AND h.deadline < ?");
        q_bind_text(&q, today);
    }
    if (enterprise_id > 0) {
        q_where(&q, "h.enterprise_id = ?");
        q_bind_int(&q, enterprise_id);
    }
    int64_t total;
    snprintf(suffix, sizeof suffix, " ORDER BY %s, h.id DESC LIMIT ? OFFSET ?", pg.order_by);
    db_stmt *s = page_query_or_reply(rq, rs, "SELECT COUNT(*)" HAZARD_FROM, HAZARD_SELECT, &q, suffix, &pg, &total);
    q_free(&q);
    if (!s)
        return -1;
    json_t *items = json_array();
    while (db_step(s) == DB_ROW) {
        hazard h;
        hazard_from_row(s, &h);
        json_array_append_new(items, hazard_json(&h, today));
        hazard_release(&h);
    }
    db_finalize(s);
    return reply_json(rs, 200, page_result(items, &pg, total));
}

static json_t *tally_json(const hazard_tally *t, const char *key, const char *label)
{
    return json_pack("{s:s, s:s, s:I, s:I, s:I}", "key", key, "label", label, "total", (json_int_t)t->total, "open",
                     (json_int_t)t->open, "overdue", (json_int_t)t->overdue);
}

/* GET /api/v1/safety/hazards/summary — roles: street, community, grid, viewer.
 * The ledger's counts under org_unit_id (default the caller's unit):
 * total, open (not 销号), overdue, closed; by_level [{key, label, total,
 * open, overdue}] (every level, zeros included), by_state [{key
 * (state), label, total, …}] (every state), by_community [{community_id,
 * community, total, open, overdue, closed}] (communities with hazards).
 * Errors: 404 org unit outside scope. */
static int hazard_summary_route(request *rq, response *rs)
{
    static const char *const STATES[] = {"registered", "rectifying", "rechecking", "closed", NULL};
    hazard_tally lv[8], st[8], cm[200];
    char end[256], today[11];
    org_unit u;
    if (org_unit_param_or_reply(rq, rs, "org_unit_id", &u) != 0)
        return -1;
    org_path_end(u.path, end);
    date_today_text(today);
    int nlv = hazard_tally_by(rq->db, "level", u.path, end, today, lv, 8),
        nst = hazard_tally_by(rq->db, "state", u.path, end, today, st, 8),
        ncm = hazard_tally_by(rq->db, "community", u.path, end, today, cm, 200);
    if (nlv < 0 || nst < 0 || ncm < 0)
        return reply_internal(rs);
    hazard_tally all = {0};
    json_t *j = json_object(), *a = json_array();
    for (size_t i = 0; HAZARD_LEVELS[i]; i++) {
        hazard_tally t = {0};
        for (int k = 0; k < nlv; k++)
            if (strcmp(lv[k].key, HAZARD_LEVELS[i]) == 0)
                t = lv[k];
        all.total += t.total;
        all.open += t.open;
        all.overdue += t.overdue;
        json_array_append_new(a, tally_json(&t, HAZARD_LEVELS[i], HAZARD_LEVELS[i]));
    }
    json_object_set_new(j, "total", json_integer(all.total));
    json_object_set_new(j, "open", json_integer(all.open));
    json_object_set_new(j, "overdue", json_integer(all.overdue));
    json_object_set_new(j, "closed", json_integer(all.total - all.open));
    json_object_set_new(j, "by_level", a);
    a = json_array();
    for (size_t i = 0; STATES[i]; i++) {
        hazard_tally t = {0};
        for (int k = 0; k < nst; k++)
            if (strcmp(st[k].key, STATES[i]) == 0)
                t = st[k];
        json_array_append_new(a, tally_json(&t, STATES[i], hazard_state_label(STATES[i])));
    }
    json_object_set_new(j, "by_state", a);
    a = json_array();
    for (int k = 0; k < ncm; k++)
        json_array_append_new(a, json_pack("{s:I, s:s, s:I, s:I, s:I, s:I}", "community_id", (json_int_t)cm[k].id,
                                           "community", cm[k].key, "total", (json_int_t)cm[k].total, "open",
                                           (json_int_t)cm[k].open, "overdue", (json_int_t)cm[k].overdue, "closed",
                                           (json_int_t)(cm[k].total - cm[k].open)));
    json_object_set_new(j, "by_community", a);
    return reply_json(rs, 200, j);
}

#define ACTION(a) \
    {.method = "POST", .pattern = "/api/v1/safety/hazards/{id}/actions/" #a, .handler = hazard_##a, .roles = R_WRITE}

const route safety_routes[] = {
    {.method = "POST", .pattern = "/api/v1/safety/enterprises", .handler = enterprise_create_route, .roles = R_WRITE},
    {.method = "GET", .pattern = "/api/v1/safety/enterprises", .handler = enterprise_list_route, .roles = R_READ},
    {.method = "GET", .pattern = "/api/v1/safety/enterprises/{id}", .handler = enterprise_get_route, .roles = R_READ},
    {.method = "PATCH", .pattern = "/api/v1/safety/enterprises/{id}", .handler = enterprise_update_route,
     .roles = R_WRITE},
    {.method = "POST", .pattern = "/api/v1/safety/inspections", .handler = inspection_create_route, .roles = R_WRITE},
    {.method = "GET", .pattern = "/api/v1/safety/inspections", .handler = inspection_list_route, .roles = R_READ},
    {.method = "POST", .pattern = "/api/v1/safety/hazards", .handler = hazard_create_route, .roles = R_WRITE},
    {.method = "GET", .pattern = "/api/v1/safety/hazards", .handler = hazard_list_route, .roles = R_READ},
    {.method = "GET", .pattern = "/api/v1/safety/hazards/summary", .handler = hazard_summary_route, .roles = R_READ},
    {.method = "GET", .pattern = "/api/v1/safety/hazards/{id}", .handler = hazard_get_route, .roles = R_READ},
    ACTION(rectify),
    ACTION(submit),
    ACTION(close),
    ACTION(reopen),
    {0}
};
