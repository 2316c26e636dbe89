/* mediation_api.c — the /api/v1/mediation routes (mediation_routes):
 * stations and the mediator directory (street staff maintain them, the
 * street's communities read them), cases (file, list, the case page,
 * one route per step, sessions), the data of the printable 调解协议书 and
 * the figures per period. Translates HTTP to mediator.h and mediation.h
 * calls and back; owns what a reply shows (phones and ID numbers masked;
 * a mediator's full phone to street staff on the mediator's own page). */
#include "mediation/mediation.h"
#include "mediation/mediation_api.h"
#include "mediation/mediation_flow.h"
#include "mediation/mediator.h"
#include "registry/org.h"
#include "registry/registry_api.h"
#include "server/write.h"
#include "storage/query.h"
#include "util/validate.h"
#include "workflow/wf_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define R_STAFF (ROLE_STREET | ROLE_COMMUNITY)
#define R_DIR_WRITE ROLE_STREET

static json_t *opt_str(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *term_json(const med_term *terms, const char *code)
{
    const char *label = med_term_label(terms, code);
    return json_pack("{s:s, s:s}", "code", code, "label", label ? label : code);
}

/* Adds filter `cond` binding v, when v is given (non-empty / non-zero). */
static void where_text(query *q, const char *cond, const char *v)
{
    if (v && *v) {
        q_where(q, cond);
        q_bind_text(q, v);
    }
}

static void where_int(query *q, const char *cond, int64_t v)
{
    if (v) {
        q_where(q, cond);
        q_bind_int(q, v);
    }
}

/* The version from If-Match or the body's "version" (0: none): 0, or -1 with a 400. */
static int version_or_reply(request *rq, response *rs, int64_t *version)
{
    int64_t body_version = 0;
    if (body_int(rq, rs, "version", &body_version) < 0 || if_match_or_reply(rq, rs, version) != 0)
        return -1;
    if (!*version)
        *version = body_version;
    return 0;
}

/* ---- stations ------------------------------------------------------------------ */

static json_t *station_json(const med_station *st)
{
    return json_pack("{s:I, s:{s:I, s:s, s:s}, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s}", "id", (json_int_t)st->id,
                     "org_unit", "id", (json_int_t)st->org_unit_id, "name", st->org_name, "kind", st->org_kind, "name",
                     st->name, "head_name", st->head_name, "deputy_name", st->deputy_name, "clerk_name",
                     st->clerk_name, "address", st->address, "active_mediators", (json_int_t)st->active_mediators,
                     "version", (json_int_t)st->version, "updated_at", st->updated_at);
}

/* Station {id} of the caller's street: 0, or -1 with a 404 (500). */
static int station_visible_or_reply(request *rq, response *rs, int64_t id, med_station *out)
{
    int rc = med_station_get(rq->db, id, out);
    if (rc < 0)
        return reply_internal(rs), -1;
    if (rc > 0 || !med_directory_visible(&rq->user, out->org_path))
        return reply_not_found(rs, "调解站（室）"), -1;
    return 0;
}

/* The stations' fields of a POST or PATCH body into *in. */
static int station_body_or_reply(request *rq, response *rs, med_station_in *in)
{
    static const char *const FIELDS[] = {"org_unit_id", "name", "head_name", "deputy_name", "clerk_name", "address",
                                         "version", NULL};
    memset(in, 0, sizeof *in);
    if (body_only(rq, rs, FIELDS) != 0 || body_int(rq, rs, "org_unit_id", &in->org_unit_id) < 0 ||
        body_str(rq, rs, "name", &in->name) < 0 || body_str(rq, rs, "head_name", &in->head_name) < 0 ||
        body_str(rq, rs, "deputy_name", &in->deputy_name) < 0 || body_str(rq, rs, "clerk_name", &in->clerk_name) < 0 ||
        body_str(rq, rs, "address", &in->address) < 0)
        return -1;
    return 0;
}

/* Ends a station write: audits `action` (before stolen, may be NULL) and replies the station. */
static int station_finish_or_reply(request *rq, response *rs, int64_t id, const char *action, json_t *before,
                                   int status)
{
    med_station st;
    if (med_station_get(rq->db, id, &st) != 0) {
        json_decref(before);
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    }
    json_t *after = station_json(&st);
    reply_etag(rs, st.version);
    int rc = write_commit_or_reply(rq, rs,
                                   &(audit_entry){.action = action, .entity = "mediation_station", .entity_id = id,
                                                  .org_path = st.org_path, .before = before, .after = after,
                                                  .detail = st.name},
                                   status, json_incref(after));
    json_decref(before);
    json_decref(after);
    return rc;
}

/* GET /api/v1/mediation/stations — roles: street, community.
 * Reply {items: [{id, org_unit {id, name, kind}, name, head_name,
 * deputy_name, clerk_name, address, active_mediators, version,
 * updated_at}]}: every station of the caller's street (the district:
 * all streets'), by id. */
static int station_list_route(request *rq, response *rs)
{
    char street[256], end[256];
    med_street_of(rq->user.scope_path, street);
    org_path_end(street, end);
    db_stmt *s = db_query(rq->db, MED_STATION_SELECT " WHERE o.path >= ? AND o.path < ? ORDER BY s.id",
                          DB_TEXT(street), DB_TEXT(end));
    json_t *items = json_array();
    med_station st;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        med_station_from_row(s, &st);
        json_array_append_new(items, station_json(&st));
    }
    db_finalize(s);
    if (rc != DB_DONE) {
        json_decref(items);
        return reply_internal(rs);
    }
    return reply_json(rs, 200, json_pack("{s:o}", "items", items));
}

/* POST /api/v1/mediation/stations — roles: street.
 * Body: org_unit_id* (the street or a community in scope), name* (≤ 60
 * characters), head_name, deputy_name, clerk_name (people's names),
 * address. Reply 201: the station. Audited mediation_station_create.
 * Errors: 400 field; 404 org_unit_id outside scope. */
static int station_create_route(request *rq, response *rs)
{
    med_station_in in;
    ms_err err = {0};
    if (station_body_or_reply(rq, rs, &in) != 0 || write_begin_or_reply(rq, rs) != 0)
        return -1;
    int64_t id = med_station_create(rq->db, &rq->user, &in, &err);
    if (id < 0)
        return write_fail_or_reply(rq, rs, &err);
    return station_finish_or_reply(rq, rs, id, "mediation_station_create", NULL, 201);
}

/* PATCH /api/v1/mediation/stations/{id} — roles: street (the station in scope).
 * Body: any of the POST fields, version (or If-Match). Reply: the
 * station. Audited mediation_station_update. Errors: 400; 404; 412. */
static int station_update_route(request *rq, response *rs)
{
    med_station_in in;
    med_station before;
    int64_t version = 0;
    ms_err err = {0};
    if (station_body_or_reply(rq, rs, &in) != 0 || version_or_reply(rq, rs, &version) != 0 ||
        station_visible_or_reply(rq, rs, rq->id, &before) != 0)
        return -1;
    if (!scope_contains(rq, before.org_path))
        return reply_not_found(rs, "调解站（室）");
    if (write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (med_station_update(rq->db, &rq->user, rq->id, version, &in, &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    return station_finish_or_reply(rq, rs, rq->id, "mediation_station_update", station_json(&before), 200);
}

/* ---- mediators ----------------------------------------------------------------- */

static json_t *specialties_json(const char *list)
{
    char buf[256];
    json_t *a = json_array();
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save))
        json_array_append_new(a, term_json(MED_DISPUTE_TYPES, p));
    return a;
}

/* A mediator as shown; full_phone: the number itself, else masked. */
static json_t *mediator_json(const med_mediator *m, int full_phone)
{
    char masked[32] = "";
    if (m->phone[0] && !full_phone)
        phone_mask(m->phone, masked, sizeof masked);
    json_t *j = json_pack("{s:I, s:s, s:o, s:o, s:{s:I, s:s}, s:b, s:I, s:s}", "id", (json_int_t)m->id, "name",
                          m->name, "kind", term_json(MED_MEDIATOR_KINDS, m->kind), "specialties",
                          specialties_json(m->specialties), "station", "id", (json_int_t)m->station_id, "name",
                          m->station_name, "active", m->active, "version", (json_int_t)m->version, "updated_at",
                          m->updated_at);
    json_object_set_new(j, "phone", opt_str(full_phone ? m->phone : masked));
    return j;
}

static int mediator_visible_or_reply(request *rq, response *rs, int64_t id, med_mediator *out)
{
    int rc = med_mediator_get(rq->db, id, out);
    if (rc < 0)
        return reply_internal(rs), -1;
    if (rc > 0 || !med_directory_visible(&rq->user, out->station_path))
        return reply_not_found(rs, "调解员"), -1;
    return 0;
}

/* "specialties": an array of dispute type codes, joined with commas into out. */
static int specialties_or_reply(request *rq, response *rs, char *out, size_t outsz, const char **joined)
{
    json_t *v = json_object_get(rq->json, "specialties"), *it;
    size_t i, n = 0;
    *joined = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_array(v))
        return reply_bad_request(rs, "specialties", "specialties 应为纠纷类型代码的数组"), -1;
    out[0] = '\0';
    json_array_foreach(v, i, it) {
        const char *s = json_string_value(it);
        if (!s || !*s || strchr(s, ','))
            return reply_bad_request(rs, "specialties", "specialties 的每一项应为纠纷类型代码"), -1;
        int w = snprintf(out + n, outsz - n, "%s%s", n ? "," : "", s);
        if (w < 0 || (size_t)w >= outsz - n)
            return reply_bad_request(rs, "specialties", "擅长领域过多"), -1;
        n += (size_t)w;
    }
    *joined = out;
    return 0;
}

static int mediator_body_or_reply(request *rq, response *rs, med_mediator_in *in, char *spec, size_t specsz)
{
    static const char *const FIELDS[] = {"station_id", "name", "kind", "specialties", "phone", "version", NULL};
    memset(in, 0, sizeof *in);
    if (body_only(rq, rs, FIELDS) != 0 || body_int(rq, rs, "station_id", &in->station_id) < 0 ||
        body_str(rq, rs, "name", &in->name) < 0 || body_str(rq, rs, "kind", &in->kind) < 0 ||
        body_str(rq, rs, "phone", &in->phone) < 0 || specialties_or_reply(rq, rs, spec, specsz, &in->specialties) != 0)
        return -1;
    return 0;
}

/* Ends a mediator write: audits (phone masked in the images) and replies the mediator. */
static int mediator_finish_or_reply(request *rq, response *rs, int64_t id, const char *action, json_t *before,
                                    int status)
{
    med_mediator m;
    if (med_mediator_get(rq->db, id, &m) != 0) {
        json_decref(before);
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    }
    json_t *after = mediator_json(&m, 0);
    char detail[600];
    snprintf(detail, sizeof detail, "调解员 %s（%s）", m.name, m.station_name);
    utf8_trim_partial(detail);
    reply_etag(rs, m.version);
    int rc = write_commit_or_reply(rq, rs,
                                   &(audit_entry){.action = action, .entity = "mediator", .entity_id = id,
                                                  .org_path = m.station_path, .before = before, .after = after,
                                                  .detail = detail},
                                   status, mediator_json(&m, 1));
    json_decref(before);
    json_decref(after);
    return rc;
}

/* GET /api/v1/mediation/mediators — roles: street, community.
 * Query: station_id, kind, specialty (a dispute type code), active
 * (true | false; default both), q (part of the name), page, page_size
 * (20|50|100, default 50). Reply {items, page, page_size, total,
 * total_is_estimate}; each item: id, name, kind {code, label},
 * specialties [{code, label}], station {id, name}, phone (masked),
 * active, version, updated_at. The caller's street's directory only.
 * Errors: 400 parameter. */
static int mediator_list_route(request *rq, response *rs)
{
    static const char *const SORT_KEYS[] = {"id", "m.id", "name", "m.name", NULL};
    const char *kind = req_query(rq, "kind"), *spec = req_query(rq, "specialty"), *active = req_query(rq, "active"),
               *qname = req_query(rq, "q");
    char street[256], end[256], suffix[200];
    int64_t station = 0, total;
    page_req pg;
    query q;
    if (kind && *kind && !med_term_label(MED_MEDIATOR_KINDS, kind))
        return reply_bad_request(rs, "kind", "kind 不是调解员类别");
    if (spec && *spec && !med_term_label(MED_DISPUTE_TYPES, spec))
        return reply_bad_request(rs, "specialty", "specialty 不是纠纷类型");
    if (active && *active && strcmp(active, "true") != 0 && strcmp(active, "false") != 0)
        return reply_bad_request(rs, "active", "active 只能是 true 或 false");
    if (qname && utf8_length(qname) > 50)
        return reply_bad_request(rs, "q", "姓名关键字不能超过50个字");
    if (req_query_int(rq, rs, "station_id", 0, 0, INT64_MAX, &station) < 0 || page_size_choice_or_reply(rq, rs) != 0 ||
        req_page(rq, rs, SORT_KEYS, &pg) != 0)
        return -1;
    med_street_of(rq->user.scope_path, street);
    org_path_end(street, end);
    q_init(&q, "");
    q_where(&q, "o.path >= ? AND o.path < ?");
    q_bind_text(&q, street);
    q_bind_text(&q, end);
    where_int(&q, "m.station_id = ?", station);
    where_text(&q, "m.kind = ?", kind);
    if (spec && *spec) {
        char like[64];
        snprintf(like, sizeof like, "%%,%s,%%", spec);   /* a known code: no wildcard in it */
        q_where(&q, "(',' || m.specialties || ',') LIKE ?");
        q_bind_text(&q, like);
    }
    if (active && *active) {
        q_where(&q, "m.active = ?");
        q_bind_int(&q, strcmp(active, "true") == 0);
    }
    where_text(&q, db_sql(rq->db, "instr(m.name, ?) > 0", "strpos(m.name, ?) > 0"), qname);
    snprintf(suffix, sizeof suffix, " ORDER BY %s, m.id LIMIT ? OFFSET ?", pg.order_by);
    db_stmt *s = page_query_or_reply(rq, rs,
                                     "SELECT COUNT(*) FROM mediator m JOIN mediation_station s ON s.id = m.station_id"
                                     " JOIN org_unit o ON o.id = s.org_unit_id",
                                     MED_MEDIATOR_SELECT, &q, suffix, &pg, &total);
    q_free(&q);
    if (!s)
        return -1;
    json_t *items = json_array();
    med_mediator m;
    while (db_step(s) == DB_ROW) {
        med_mediator_from_row(s, &m);
        json_array_append_new(items, mediator_json(&m, 0));
    }
    db_finalize(s);
    return reply_json(rs, 200, page_result(items, &pg, total));
}

/* GET /api/v1/mediation/mediators/{id} — roles: street, community (of its street).
 * Reply: the mediator as in the list; the phone in full to street staff
 * (who maintain the directory), masked to communities. ETag: the
 * version. Errors: 404. */
static int mediator_get_route(request *rq, response *rs)
{
    med_mediator m;
    if (mediator_visible_or_reply(rq, rs, rq->id, &m) != 0)
        return -1;
    reply_etag(rs, m.version);
    return reply_json(rs, 200, mediator_json(&m, (rq->user.role & ROLE_STREET) != 0));
}

/* POST /api/v1/mediation/mediators — roles: street.
 * Body: station_id*, name* (a person's name), kind* (lawyer |
 * judicial_volunteer | retired_official | elder | other), specialties
 * (dispute type codes, at most 8), phone (stored encrypted). Reply 201:
 * the mediator, phone in full. Audited mediator_create (phone masked).
 * Errors: 400 field; 404 station_id outside the caller's street. */
static int mediator_create_route(request *rq, response *rs)
{
    med_mediator_in in;
    char spec[256];
    ms_err err = {0};
    if (mediator_body_or_reply(rq, rs, &in, spec, sizeof spec) != 0 || write_begin_or_reply(rq, rs) != 0)
        return -1;
    int64_t id = med_mediator_create(rq->db, &rq->user, &in, &err);
    if (id < 0)
        return write_fail_or_reply(rq, rs, &err);
    return mediator_finish_or_reply(rq, rs, id, "mediator_create", NULL, 201);
}

/* PATCH /api/v1/mediation/mediators/{id} — roles: street.
 * Body: any of the POST fields ("phone": "" removes it), version (or
 * If-Match). Reply: the mediator. Audited mediator_update. Errors: 400;
 * 404; 412. */
static int mediator_update_route(request *rq, response *rs)
{
    med_mediator_in in;
    med_mediator before;
    char spec[256];
    int64_t version = 0;
    ms_err err = {0};
    if (mediator_body_or_reply(rq, rs, &in, spec, sizeof spec) != 0 || version_or_reply(rq, rs, &version) != 0 ||
        mediator_visible_or_reply(rq, rs, rq->id, &before) != 0 || write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (med_mediator_update(rq->db, &rq->user, rq->id, version, &in, &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    return mediator_finish_or_reply(rq, rs, rq->id, "mediator_update", mediator_json(&before, 0), 200);
}

/* POST /api/v1/mediation/mediators/{id}/deactivate — roles: street.
 * Body: version (optional; or If-Match). The mediator stays on the cases
 * that name them and can no longer be chosen. Reply: the mediator.
 * Audited mediator_deactivate. Errors: 404; 409 already inactive; 412. */
static int mediator_deactivate_route(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"version", NULL};
    med_mediator before;
    int64_t version = 0;
    ms_err err = {0};
    if (body_only(rq, rs, FIELDS) != 0 || version_or_reply(rq, rs, &version) != 0 ||
        mediator_visible_or_reply(rq, rs, rq->id, &before) != 0 || write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (med_mediator_deactivate(rq->db, &rq->user, rq->id, version, &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    return mediator_finish_or_reply(rq, rs, rq->id, "mediator_deactivate", mediator_json(&before, 0), 200);
}

/* ---- cases ----------------------------------------------------------------------- */

static json_t *parties_json(request *rq, int64_t case_id)
{
    med_party p[MED_MAX_PARTIES];
    json_t *a = json_array();
    int n = med_parties_load(rq->db, case_id, p, MED_MAX_PARTIES);
    for (int i = 0; i < n; i++) {
        json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)p[i].id, "side", p[i].side, "side_label",
                              strcmp(p[i].side, "applicant") == 0 ? "申请人" : "被申请人", "name", p[i].name,
                              "address", p[i].address);
        json_object_set_new(j, "resident_id", p[i].resident_id ? json_integer(p[i].resident_id) : json_null());
        json_object_set_new(j, "phone", opt_str(p[i].phone_masked));
        json_object_set_new(j, "id_number", opt_str(p[i].id_masked));
        json_array_append_new(a, j);
    }
    return a;
}

/* The case as every reply shows it (the page adds parties, sessions, timeline, actions). */
static json_t *case_json(const med_case *k)
{
    char now[20];
    db_now(now);
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(k->c.id));
    json_object_set_new(j, "title", json_string(k->c.title));
    json_object_set_new(j, "community", json_pack("{s:I, s:s}", "id", (json_int_t)k->community_id, "name",
                                                  k->community_name));
    json_object_set_new(j, "dispute_type", term_json(MED_DISPUTE_TYPES, k->dispute_type));
    json_object_set_new(j, "mediator", json_pack("{s:I, s:s, s:o, s:b, s:{s:I, s:s}}", "id",
                                                 (json_int_t)k->mediator_id, "name", k->mediator_name, "kind",
                                                 term_json(MED_MEDIATOR_KINDS, k->mediator_kind), "active",
                                                 k->mediator_active, "station", "id", (json_int_t)k->station_id,
                                                 "name", k->station_name));
    json_object_set_new(j, "summary", json_string(k->summary));
    json_object_set_new(j, "received_on", json_string(k->received_on));
    json_object_set_new(j, "state", json_string(k->c.state));
    json_object_set_new(j, "state_label", json_string(mediation_state_label(k->c.state)));
    json_object_set_new(j, "outcome", opt_str(k->outcome));
    json_object_set_new(j, "ended_on", opt_str(k->ended_on));
    json_object_set_new(j, "agreement", opt_str(k->agreement));
    json_object_set_new(j, "performance", opt_str(k->performance));
    json_object_set_new(j, "referred_to", opt_str(k->referred_to));
    json_object_set_new(j, "visited_on", opt_str(k->visited_on));
    json_object_set_new(j, "satisfaction", opt_str(k->satisfaction));
    json_object_set_new(j, "visit_note", opt_str(k->visit_note));
    json_object_set_new(j, "created_at", json_string(k->c.created_at));
    json_object_set_new(j, "due_at", opt_str(k->c.due_at));
    json_object_set_new(j, "overdue", json_boolean(wf_is_overdue(&k->c, now)));
    json_object_set_new(j, "closed_at", opt_str(k->c.closed_at));
    json_object_set_new(j, "version", json_integer(k->version));
    return j;
}

/* The audit image of a case: its record without the parties' details. */
static json_t *case_image(const med_case *k)
{
    return json_pack("{s:s, s:I, s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "state", k->c.state, "mediator_id",
                     (json_int_t)k->mediator_id, "dispute_type", k->dispute_type, "received_on", k->received_on,
                     "outcome", opt_str(k->outcome), "ended_on", opt_str(k->ended_on), "referred_to",
                     opt_str(k->referred_to), "satisfaction", opt_str(k->satisfaction), "visited_on",
                     opt_str(k->visited_on));
}

/* Loads case {id} in the caller's scope (malloc'd into *out; the caller
 * frees): 0, or -1 with a 404 (500). */
static int case_in_scope_or_reply(request *rq, response *rs, int64_t id, med_case **out)
{
    med_case *k = calloc(1, sizeof *k);
    int rc = k ? med_case_get(rq->db, id, k) : -1;
    *out = NULL;
    if (rc < 0) {
        free(k);
        return reply_internal(rs), -1;
    }
    if (rc > 0 || !scope_contains(rq, k->c.org_path)) {
        free(k);
        return reply_not_found(rs, "调解案件"), -1;
    }
    *out = k;
    return 0;
}

/* Ends a write on case id: commits with the audit row (before stolen,
 * may be NULL) and replies the case. */
static int case_finish_or_reply(request *rq, response *rs, int64_t id, const char *action, json_t *before,
                                const char *detail, int status)
{
    med_case *k = calloc(1, sizeof *k);
    if (!k || med_case_get(rq->db, id, k) != 0) {
        free(k);
        json_decref(before);
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    }
    json_t *after = case_image(k), *body = case_json(k);
    json_object_set_new(body, "parties", parties_json(rq, id));
    reply_etag(rs, k->version);
    int rc = write_commit_or_reply(rq, rs,
                                   &(audit_entry){.action = action, .entity = "mediation_case", .entity_id = id,
                                                  .org_path = k->c.org_path, .before = before, .after = after,
                                                  .detail = detail},
                                   status, body);
    json_decref(before);
    json_decref(after);
    free(k);
    return rc;
}

/* A party of the body: {side*, resident_id | name, phone, id_number, address}. */
static int party_or_reply(response *rs, json_t *v, size_t i, med_party_in *p)
{
    static const char *const KEYS[] = {"side", "resident_id", "name", "phone", "id_number", "address", NULL};
    const char *key;
    json_t *x;
    if (!json_is_object(v))
        return reply_bad_request(rs, "parties", "parties 的每一项应为对象"), -1;
    json_object_foreach(v, key, x) {
        if (!str_in_set(key, KEYS))
            return reply_error(rs, 400, "bad_request", "parties", "第%zu位当事人有未知字段 %s", i + 1, key), -1;
        if (strcmp(key, "resident_id") != 0 && !json_is_string(x) && !json_is_null(x))
            return reply_error(rs, 400, "bad_request", "parties", "第%zu位当事人的 %s 应为字符串", i + 1, key), -1;
    }
    x = json_object_get(v, "resident_id");
    if (x && !json_is_null(x) && (!json_is_integer(x) || json_integer_value(x) <= 0))
        return reply_error(rs, 400, "bad_request", "parties", "第%zu位当事人的 resident_id 应为正整数", i + 1), -1;
    p->resident_id = json_is_integer(x) ? json_integer_value(x) : 0;
    p->side = json_string_value(json_object_get(v, "side"));
    p->name = json_string_value(json_object_get(v, "name"));
    p->phone = json_string_value(json_object_get(v, "phone"));
    p->id_number = json_string_value(json_object_get(v, "id_number"));
    p->address = json_string_value(json_object_get(v, "address"));
    return 0;
}

/* POST /api/v1/mediation/cases — roles: street, community (in scope).
 * Body: community_id (a community in scope; a community's staff may
 * leave it out), mediator_id* (an active mediator of the street's
 * directory, the one the parties chose), dispute_type* (neighbour |
 * family | property | housing | damages | contract | labour | traffic |
 * other), summary* (≤ 1000 characters), received_on (default today, not
 * in the future), parties* [{side* (applicant | respondent),
 * resident_id (a resident in scope) | name, phone, id_number, address}]
 * (2..10, at least one of each side; phones and ID numbers stored
 * encrypted). Reply 201: the case with its parties (masked). Audited
 * mediation_case_create. Errors: 400 field; 404 community, mediator or
 * resident outside scope; 409 the mediator is inactive. */
static int case_create_route(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"community_id", "mediator_id", "dispute_type", "summary", "received_on",
                                         "parties", NULL};
    med_case_new in = {0};
    ms_err err = {0};
    if (body_only(rq, rs, FIELDS) != 0 || body_int(rq, rs, "community_id", &in.community_id) < 0 ||
        body_str(rq, rs, "dispute_type", &in.dispute_type) < 0 || body_str(rq, rs, "summary", &in.summary) < 0 ||
        body_str(rq, rs, "received_on", &in.received_on) < 0)
        return -1;
    if (body_int(rq, rs, "mediator_id", &in.mediator_id) <= 0)
        return rs->status ? -1 : reply_bad_request(rs, "mediator_id", "请填写当事人选定的调解员 mediator_id");
    json_t *parties = json_object_get(rq->json, "parties"), *it;
    size_t i;
    if (!json_is_array(parties))
        return reply_bad_request(rs, "parties", "parties 应为当事人数组（申请人和被申请人）");
    if (json_array_size(parties) > MED_MAX_PARTIES)
        return reply_error(rs, 400, "bad_request", "parties", "当事人不能超过%d位", MED_MAX_PARTIES);
    json_array_foreach(parties, i, it) {
        if (party_or_reply(rs, it, i, &in.parties[i]) != 0)
            return -1;
    }
    in.nparties = json_array_size(parties);
    if (write_begin_or_reply(rq, rs) != 0)
        return -1;
    int64_t id = med_case_create(rq->db, &rq->user, rq->client_ip, &in, &err);
    if (id < 0)
        return write_fail_or_reply(rq, rs, &err);
    char detail[160];
    snprintf(detail, sizeof detail, "受理调解案件 #%lld", (long long)id);
    return case_finish_or_reply(rq, rs, id, "mediation_case_create", NULL, detail, 201);
}

/* POST /api/v1/mediation/cases/{id}/actions/<action> — roles: street, community (in scope).
 * Actions: start (开始调解), agree (达成协议: agreement*, performance,
 * ended_on), fail (调解不成: opinion* — why, referred_to* — to whom,
 * ended_on), withdraw (当事人撤回: opinion*), visit (回访: satisfaction*
 * satisfied | basic | dissatisfied, visited_on, visit_note), close
 * (结案). Body: opinion, the action's fields, version (or If-Match).
 * Reply: the case. Audited mediation_case_step (and the engine's row).
 * Errors: 400 field (a field of another action too); 404; 409 not
 * allowed from the current state; 412 stale version. */
static int case_step_route(request *rq, response *rs, const char *action)
{
    static const char *const FIELDS[] = {"opinion", "version", "agreement", "performance", "ended_on", "referred_to",
                                         "satisfaction", "visited_on", "visit_note", NULL};
    med_step_in in = {0};
    med_case *before;
    ms_err err = {0};
    if (body_only(rq, rs, FIELDS) != 0 || body_str(rq, rs, "opinion", &in.opinion) < 0 ||
        body_str(rq, rs, "agreement", &in.agreement) < 0 || body_str(rq, rs, "performance", &in.performance) < 0 ||
        body_str(rq, rs, "ended_on", &in.ended_on) < 0 || body_str(rq, rs, "referred_to", &in.referred_to) < 0 ||
        body_str(rq, rs, "satisfaction", &in.satisfaction) < 0 || body_str(rq, rs, "visited_on", &in.visited_on) < 0 ||
        body_str(rq, rs, "visit_note", &in.visit_note) < 0 || version_or_reply(rq, rs, &in.if_version) != 0 ||
        case_in_scope_or_reply(rq, rs, rq->id, &before) != 0)
        return -1;
    json_t *image = case_image(before);
    const wf_transition *tr = wf_transition_find(&MEDIATION_CASE, before->c.state, action);
    char detail[160];
    snprintf(detail, sizeof detail, "调解案件 #%lld：%s", (long long)rq->id, tr ? tr->label : action);
    free(before);
    if (write_begin_or_reply(rq, rs) != 0) {
        json_decref(image);
        return -1;
    }
    if (med_case_step(rq->db, &rq->user, rq->client_ip, rq->id, action, &in, &err) != 0) {
        json_decref(image);
        return write_fail_or_reply(rq, rs, &err);
    }
    return case_finish_or_reply(rq, rs, rq->id, "mediation_case_step", image, detail, 200);
}

#define STEP_ROUTE(name) \
    static int case_##name(request *rq, response *rs) { return case_step_route(rq, rs, #name); }
STEP_ROUTE(start)
STEP_ROUTE(agree)
STEP_ROUTE(fail)
STEP_ROUTE(withdraw)
STEP_ROUTE(visit)
STEP_ROUTE(close)

/* POST /api/v1/mediation/cases/{id}/sessions — roles: street, community (in scope).
 * Body: held_on* (YYYY-MM-DD, not in the future nor before the case was
 * received), place*, attendees*, notes (≤ 2000 characters). Only while
 * the case is 调解中. Reply 201: the case. Audited
 * mediation_session_add. Errors: 400 field; 404; 409 not being mediated. */
static int case_session_route(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"held_on", "place", "attendees", "notes", NULL};
    const char *held = NULL, *place = NULL, *attendees = NULL, *notes = NULL;
    med_case *k;
    ms_err err = {0};
    if (body_only(rq, rs, FIELDS) != 0 || body_str(rq, rs, "held_on", &held) < 0 ||
        body_str(rq, rs, "place", &place) < 0 || body_str(rq, rs, "attendees", &attendees) < 0 ||
        body_str(rq, rs, "notes", &notes) < 0 || case_in_scope_or_reply(rq, rs, rq->id, &k) != 0)
        return -1;
    free(k);
    if (write_begin_or_reply(rq, rs) != 0)
        return -1;
    int64_t sid = med_session_add(rq->db, &rq->user, rq->id, held, place, attendees, notes, &err);
    if (sid < 0)
        return write_fail_or_reply(rq, rs, &err);
    char detail[200];
    snprintf(detail, sizeof detail, "调解案件 #%lld 登记调解记录（%s）", (long long)rq->id, held);
    return case_finish_or_reply(rq, rs, rq->id, "mediation_session_add", NULL, detail, 201);
}

static json_t *sessions_json(request *rq, int64_t case_id)
{
    med_session *v;
    json_t *a = json_array();
    int n = med_sessions_load(rq->db, case_id, &v);
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)v[i].id, "held_on",
                                           v[i].held_on, "place", v[i].place, "attendees", v[i].attendees, "notes",
                                           v[i].notes, "recorded_by", v[i].recorded_by, "created_at", v[i].created_at));
    free(n > 0 ? v : NULL);
    return a;
}

/* GET /api/v1/mediation/cases/{id} — roles: street, community (in scope).
 * Reply: the case (id, title, community {id, name}, dispute_type {code,
 * label}, mediator {id, name, kind, active, station}, summary,
 * received_on, state, state_label, outcome, ended_on, agreement,
 * performance, referred_to, visited_on, satisfaction, visit_note,
 * created_at, due_at, overdue, closed_at, version) and the page's
 * extras: parties [{id, side, side_label, name, resident_id, address,
 * phone (masked), id_number (masked)}], sessions [{id, held_on, place,
 * attendees, notes, recorded_by, created_at}], timeline [{at, action,
 * action_label, state, state_label, opinion, by}], actions the caller
 * may take. ETag: the version. Errors: 404 not in scope. */
static int case_get_route(request *rq, response *rs)
{
    med_case *k;
    if (case_in_scope_or_reply(rq, rs, rq->id, &k) != 0)
        return -1;
    json_t *j = case_json(k);
    json_object_set_new(j, "parties", parties_json(rq, k->c.id));
    json_object_set_new(j, "sessions", sessions_json(rq, k->c.id));
    json_object_set_new(j, "timeline", wf_timeline_json(rq->db, &MEDIATION_CASE, &k->c));
    json_object_set_new(j, "actions", wf_actions_json(rq->db, &MEDIATION_CASE, &k->c, &rq->user, NULL));
    reply_etag(rs, k->version);
    free(k);
    return reply_json(rs, 200, j);
}

/* from and to ("YYYY-MM-DD", both optional) of a query: 0, or -1 with a 400. */
static int period_or_reply(request *rq, response *rs, const char **from, const char **to)
{
    *from = req_query(rq, "from");
    *to = req_query(rq, "to");
    if (*from && *from[0] && !date_is_valid(*from))
        return reply_bad_request(rs, "from", "from 应为日期 YYYY-MM-DD"), -1;
    if (*to && *to[0] && !date_is_valid(*to))
        return reply_bad_request(rs, "to", "to 应为日期 YYYY-MM-DD"), -1;
    if (*from && *to && **from && **to && strcmp(*from, *to) > 0)
        return reply_bad_request(rs, "to", "to 不能早于 from"), -1;
    return 0;
}

/* GET /api/v1/mediation/cases — roles: street, community.
 * Query: state (a state code), dispute_type, mediator_id, org_unit_id
 * (a community, or the street; default the caller's unit), from, to
 * (received_on range), overdue (1: open past its limit), page, page_size
 * (20|50|100, default 50), sort (-id default; received_on, due_at, -
 * for descending). Reply {items, page, page_size, total,
 * total_is_estimate}; each item: id, title, community {id, name},
 * dispute_type {code, label}, mediator {id, name}, state, state_label,
 * received_on, outcome, satisfaction, due_at, overdue, created_at.
 * Errors: 400 parameter; 404 org unit outside scope. */
static int case_list_route(request *rq, response *rs)
{
    static const char *const SORT_KEYS[] = {"-id", "m.id", "received_on", "m.received_on", "due_at", "c.due_at", NULL};
    const char *state = req_query(rq, "state"), *type = req_query(rq, "dispute_type"), *from, *to;
    char end[256], now[20], suffix[200];
    int64_t mediator = 0, total;
    page_req pg;
    org_unit u;
    query q;
    if (state && *state && !wf_state_find(&MEDIATION_CASE, state))
        return reply_bad_request(rs, "state", "state 不是调解案件的状态（received、mediating、agreed、failed、visited、"
                                              "closed、withdrawn）");
    if (type && *type && !med_term_label(MED_DISPUTE_TYPES, type))
        return reply_bad_request(rs, "dispute_type", "dispute_type 不是纠纷类型");
    if (period_or_reply(rq, rs, &from, &to) != 0 ||
        req_query_int(rq, rs, "mediator_id", 0, 0, INT64_MAX, &mediator) < 0 || page_size_choice_or_reply(rq, rs) != 0 ||
        req_page(rq, rs, SORT_KEYS, &pg) != 0 || org_unit_param_or_reply(rq, rs, "org_unit_id", &u) != 0)
        return -1;
    org_path_end(u.path, end);
    q_init(&q, "");
    q_where(&q, "c.org_path >= ? AND c.org_path < ?");
    q_bind_text(&q, u.path);
    q_bind_text(&q, end);
    where_text(&q, "c.state = ?", state);
    where_text(&q, "m.dispute_type = ?", type);
    where_int(&q, "m.mediator_id = ?", mediator);
    where_text(&q, "m.received_on >= ?", from);
    where_text(&q, "m.received_on <= ?", to);
    if (req_query_flag(rq, "overdue")) {
        q_where(&q, "c.closed_at IS NULL AND c.due_at < ?");
        q_bind_text(&q, db_now(now));
    }
    snprintf(suffix, sizeof suffix, " ORDER BY %s, m.id DESC LIMIT ? OFFSET ?", pg.order_by);
    db_stmt *s = page_query_or_reply(rq, rs, "SELECT COUNT(*)" MED_CASE_FROM, MED_CASE_SELECT, &q, suffix, &pg, &total);
    q_free(&q);
    if (!s)
        return -1;
    json_t *items = json_array();
    med_case *k = malloc(sizeof *k);
    db_now(now);
    while (k && db_step(s) == DB_ROW) {
        med_case_from_row(s, k);
        json_t *it = json_pack("{s:I, s:s, s:{s:I, s:s}, s:o, s:{s:I, s:s}, s:s, s:s, s:s, s:o, s:o, s:o, s:b, s:s}",
                               "id", (json_int_t)k->c.id, "title", k->c.title, "community", "id",
                               (json_int_t)k->community_id, "name", k->community_name, "dispute_type",
                               term_json(MED_DISPUTE_TYPES, k->dispute_type), "mediator", "id",
                               (json_int_t)k->mediator_id, "name", k->mediator_name, "state", k->c.state,
                               "state_label", mediation_state_label(k->c.state), "received_on", k->received_on,
                               "outcome", opt_str(k->outcome), "satisfaction", opt_str(k->satisfaction), "due_at",
                               opt_str(k->c.due_at), "overdue", wf_is_overdue(&k->c, now), "created_at",
                               k->c.created_at);
        json_array_append_new(items, it);
    }
    free(k);
    db_finalize(s);
    return reply_json(rs, 200, page_result(items, &pg, total));
}

/* GET /api/v1/mediation/cases/{id}/agreement — roles: street, community (in scope).
 * Reply: the data of the printable 人民调解协议书: title, case_no
 * ("（年）调字第 id 号"), station {name, head_name, clerk_name}, parties
 * [{side, side_label, name, id_number (masked), address}],
 * dispute_type {code, label}, summary (纠纷事实及争议事项), agreement
 * (协议内容), performance (履行方式、期限), agreed_on, received_on,
 * mediator {name}, community {name}. Each view is audited
 * (mediation_agreement_view). Errors: 404; 409 no agreement reached. */
static int case_agreement_route(request *rq, response *rs)
{
    med_case *k;
    med_station st;
    med_party p[MED_MAX_PARTIES];
    if (case_in_scope_or_reply(rq, rs, rq->id, &k) != 0)
        return -1;
    if (strcmp(k->outcome, "agreed") != 0) {
        free(k);
        return reply_error(rs, 409, "conflict", NULL, "该案件未达成调解协议，没有调解协议书");
    }
    int n = med_parties_load(rq->db, k->c.id, p, MED_MAX_PARTIES);
    if (n < 0 || med_station_get(rq->db, k->station_id, &st) != 0) {
        free(k);
        return reply_internal(rs);
    }
    char no[64], detail[160];
    snprintf(no, sizeof no, "（%.4s）调字第%lld号", k->ended_on, (long long)k->c.id);
    json_t *parties = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(parties, json_pack("{s:s, s:s, s:s, s:o, s:s}", "side", p[i].side, "side_label",
                                                 strcmp(p[i].side, "applicant") == 0 ? "申请人" : "被申请人", "name",
                                                 p[i].name, "id_number", opt_str(p[i].id_masked), "address",
                                                 p[i].address));
    json_t *j = json_pack("{s:s, s:I, s:s, s:{s:s, s:s, s:s}, s:o, s:o, s:s, s:s, s:o, s:s, s:s, s:{s:s}, s:{s:s}}",
                          "title", "人民调解协议书", "case_id", (json_int_t)k->c.id, "case_no", no, "station", "name",
                          st.name, "head_name", st.head_name, "clerk_name", st.clerk_name, "parties", parties,
                          "dispute_type", term_json(MED_DISPUTE_TYPES, k->dispute_type), "summary", k->summary,
                          "agreement", k->agreement, "performance", opt_str(k->performance), "agreed_on", k->ended_on,
                          "received_on", k->received_on, "mediator", "name", k->mediator_name, "community", "name",
                          k->community_name);
    snprintf(detail, sizeof detail, "查看调解案件 #%lld 的调解协议书", (long long)k->c.id);
    char path[WF_PATH_MAX];
    snprintf(path, sizeof path, "%s", k->c.org_path);
    free(k);
    if (write_begin_or_reply(rq, rs) != 0) {
        json_decref(j);
        return -1;
    }
    return write_commit_or_reply(rq, rs,
                                 &(audit_entry){.action = "mediation_agreement_view", .entity = "mediation_case",
                                                .entity_id = rq->id, .org_path = path, .detail = detail},
                                 200, j);
}

/* A rate in per cent with one decimal, or null when nothing to divide by. */
static json_t *rate_json(int64_t num, int64_t den)
{
    return den > 0 ? json_real((double)(num * 1000 / den + (num * 1000 % den * 2 >= den)) / 10.0) : json_null();
}

static json_t *figures_row_json(const med_figures_row *r, const char *key_name, int key_is_id)
{
    json_t *j = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "received", (json_int_t)r->received,
                          "withdrawn", (json_int_t)r->withdrawn, "closed", (json_int_t)r->closed, "agreed",
                          (json_int_t)r->agreed, "failed", (json_int_t)r->failed, "visited", (json_int_t)r->visited,
                          "satisfied", (json_int_t)r->satisfied, "basically_satisfied", (json_int_t)r->basic,
                          "dissatisfied", (json_int_t)r->dissatisfied);
    json_object_set_new(j, "closure_rate", rate_json(r->closed, r->received - r->withdrawn));
    json_object_set_new(j, "agreement_rate", rate_json(r->agreed, r->agreed + r->failed));
    json_object_set_new(j, "satisfaction_rate", rate_json(r->satisfied + r->basic, r->visited));
    if (key_name) {
        json_object_set_new(j, key_name, key_is_id ? json_integer(strtoll(r->key, NULL, 10)) : json_string(r->key));
        json_object_set_new(j, "name", json_string(r->label));
    }
    return j;
}

/* GET /api/v1/mediation/figures — roles: street, community.
 * Query: from, to (received_on, inclusive; default the current year up
 * to today), org_unit_id (a community or the street; default the
 * caller's unit). Reply {from, to, total, by_community [{community_id,
 * name, …}], by_dispute_type [{code, name, …}]}, each with the counts
 * received, withdrawn, closed (结案), agreed, failed, visited, satisfied,
 * basically_satisfied, dissatisfied and the rates in per cent (one
 * decimal; null with nothing to divide by): closure_rate = closed ÷
 * (received − withdrawn), agreement_rate = agreed ÷ (agreed + failed),
 * satisfaction_rate = (satisfied + basically_satisfied) ÷ visited.
 * Errors: 400 parameter; 404 org unit outside scope. */
static int figures_route(request *rq, response *rs)
{
    const char *from, *to;
    char today[11], year_start[11];
    org_unit u;
    med_figures f;
    if (period_or_reply(rq, rs, &from, &to) != 0 || org_unit_param_or_reply(rq, rs, "org_unit_id", &u) != 0)
        return -1;
    date_today_text(today);
    snprintf(year_start, sizeof year_start, "%.4s-01-01", today);
    from = from && *from ? from : year_start;
    to = to && *to ? to : today;
    if (med_figures_load(rq->db, u.path, from, to, &f) != 0)
        return reply_internal(rs);
    json_t *bc = json_array(), *bt = json_array();
    for (size_t i = 0; i < f.ncommunity; i++)
        json_array_append_new(bc, figures_row_json(&f.by_community[i], "community_id", 1));
    for (size_t i = 0; i < f.ntype; i++)
        json_array_append_new(bt, figures_row_json(&f.by_type[i], "code", 0));
    json_t *j = json_pack("{s:s, s:s, s:o, s:o, s:o}", "from", from, "to", to, "total",
                          figures_row_json(&f.total, NULL, 0), "by_community", bc, "by_dispute_type", bt);
    med_figures_release(&f);
    return reply_json(rs, 200, j);
}

#define ACTION(a) \
    {.method = "POST", .pattern = "/api/v1/mediation/cases/{id}/actions/" #a, .handler = case_##a, .roles = R_STAFF}

const route mediation_routes[] = {
    {.method = "GET", .pattern = "/api/v1/mediation/stations", .handler = station_list_route, .roles = R_STAFF},
    {.method = "POST", .pattern = "/api/v1/mediation/stations", .handler = station_create_route, .roles = R_DIR_WRITE},
    {.method = "PATCH", .pattern = "/api/v1/mediation/stations/{id}", .handler = station_update_route,
     .roles = R_DIR_WRITE},
    {.method = "GET", .pattern = "/api/v1/mediation/mediators", .handler = mediator_list_route, .roles = R_STAFF},
    {.method = "POST", .pattern = "/api/v1/mediation/mediators", .handler = mediator_create_route,
     .roles = R_DIR_WRITE},
    {.method = "GET", .pattern = "/api/v1/mediation/mediators/{id}", .handler = mediator_get_route, .roles = R_STAFF},
    {.method = "PATCH", .pattern = "/api/v1/mediation/mediators/{id}", .handler = mediator_update_route,
     .roles = R_DIR_WRITE},
    {.method = "POST", .pattern = "/api/v1/mediation/mediators/{id}/deactivate", .handler = mediator_deactivate_route,
     .roles = R_DIR_WRITE},
    {.method = "POST", .pattern = "/api/v1/mediation/cases", .handler = case_create_route, .roles = R_STAFF},
    {.method = "GET", .pattern = "/api/v1/mediation/cases", .handler = case_list_route, .roles = R_STAFF},
    {.method = "GET", .pattern = "/api/v1/mediation/cases/{id}", .handler = case_get_route, .roles = R_STAFF},
    {.method = "POST", .pattern = "/api/v1/mediation/cases/{id}/sessions", .handler = case_session_route,
     .roles = R_STAFF},
    {.method = "GET", .pattern = "/api/v1/mediation/cases/{id}/agreement", .handler = case_agreement_route,
     .roles = R_STAFF},
    {.method = "GET", .pattern = "/api/v1/mediation/figures", .handler = figures_route, .roles = R_STAFF},
    ACTION(start),
    ACTION(agree),
    ACTION(fail),
    ACTION(withdraw),
    ACTION(visit),
    ACTION(close),
    {0}
};
