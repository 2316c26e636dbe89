/* programme_api.c — /api/v1/assistance/programmes: the social assistance
 * programmes and their standards (issue 11). Street, community and
 * department staff read them (the standards in force today, a
 * programme's whole history with who added each); street staff add a
 * programme as data, change its name, settings and active flag, and add
 * a standard from today or a later date. Programmes and the area-wide
 * standards hold for every street of the database, so only street staff
 * of the whole tree (the one street, or the district) write them; a
 * community's own standard takes street staff whose scope holds that
 * community. Grid workers and the privileged roles read nothing here.
 * Owns the JSON shapes and the route table assist_programme_routes; the
 * SQL and the rules are programme.c's. */
#include "assistance/assist_api.h"
#include "assistance/programme.h"
#include "registry/org.h"
#include "registry/registry_api.h"
#include "server/write.h"
#include "util/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define R_READ (ROLE_STREET | ROLE_COMMUNITY | ROLE_VIEWER)
#define R_WRITE ROLE_STREET
/* More programmes than a street has (the issue names ten). */
#define PROGRAMMES_MAX 200

static json_t *text_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

/* A standard as the pages show it; who added it for street and community
 * staff only (the department reads figures, not names). */
static json_t *standard_json(const request *rq, const assist_standard_row *r)
{
    json_t *j = json_pack("{s:I, s:s, s:s, s:I, s:s}", "id", (json_int_t)r->s.id, "area", r->s.area, "band_key",
                          r->s.band_key, "amount_fen", (json_int_t)r->s.amount_fen, "effective_from",
                          r->s.effective_from);
    json_object_set_new(j, "effective_to", text_or_null(r->s.effective_to));
    json_object_set_new(j, "community_id", r->s.community_id ? json_integer(r->s.community_id) : json_null());
    json_object_set_new(j, "community_name", text_or_null(r->community_name));
    json_object_set_new(j, "created_at", text_or_null(r->created_at));
    json_object_set_new(j, "created_by", r->created_by && !(rq->user.role & ROLE_VIEWER)
                                             ? json_pack("{s:I, s:s}", "id", (json_int_t)r->created_by, "name",
                                                         r->created_by_name)
                                             : json_null());
    return j;
}

/* A community's own standard shows only inside the caller's scope. */
static int standard_visible(const request *rq, const assist_standard_row *r)
{
    return !r->s.community_id || actor_scope_contains(&rq->user, r->community_path);
}

static json_t *programme_json(const assist_programme *p)
{
    json_t *settings = json_loads(p->settings, 0, NULL);
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:b, s:o}", "id", (json_int_t)p->id, "code", p->code, "name",
                     p->name, "category", p->category, "calc_kind", p->calc_kind, "active", p->active, "settings",
                     json_is_object(settings) ? settings : (json_decref(settings), json_object()));
}

/* p's standards visible to the caller (in force on on_date, or the whole
 * history when NULL) as "standards" of j. 0, or -1 (database). */
static int add_standards(request *rq, json_t *j, const assist_programme *p, const char *on_date)
{
    assist_standard_row *rows;
    size_t n;
    if (programme_standards(rq->db, p->id, on_date, &rows, &n) != 0)
        return -1;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        if (standard_visible(rq, &rows[i]))
            json_array_append_new(a, standard_json(rq, &rows[i]));
    free(rows);
    json_object_set_new(j, "standards", a);
    return 0;
}

/* The programme, its whole visible standard history and whether cases
 * exist (calc_kind is fixed then). NULL on a database error. */
static json_t *programme_detail(request *rq, const assist_programme *p)
{
    json_t *j = programme_json(p);
    json_object_set_new(j, "has_cases", json_boolean(programme_has_cases(rq->db, p->id)));
    if (add_standards(rq, j, p, NULL) != 0) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static int programme_or_reply(request *rq, response *rs, assist_programme *p)
{
    ms_err err;
    if (programme_load_id(rq->db, rq->id, p, &err) != 0)
        return err.kind == ERR_NOT_FOUND ? (reply_not_found(rs, "救助项目"), -1) : (reply_internal(rs), -1);
    return 0;
}

/* 1 when the caller may write programmes and area-wide standards: they
 * hold for every street, so street staff of the whole tree. */
static int can_edit(request *rq)
{
    org_unit u;
    return (rq->user.role & ROLE_STREET) && org_get(rq->db, rq->user.org_unit_id, &u) == 0 &&
           org_is_whole_tree(rq->db, &u);
}

/* can_edit, or -1 with a 403. */
static int whole_tree_or_reply(request *rq, response *rs)
{
    if (can_edit(rq))
        return 0;
    return reply_forbidden(rs, "救助项目和地区标准全区统一设定，只有区级（或唯一街道）的街道工作人员可以修改；"
                               "街道可以为本街道的社区设定社区标准"),
           -1;
}

/* The settings member of the body: NULL when absent or null; -1 with a
 * 400 when it is not an object. */
static int body_settings(request *rq, response *rs, json_t **out)
{
    json_t *v = json_object_get(rq->json, "settings");
    *out = json_is_null(v) ? NULL : v;
    if (*out && !json_is_object(*out))
        return reply_bad_request(rs, "settings", "项目设置应为 JSON 对象"), -1;
    return 0;
}

/* GET /api/v1/assistance/programmes — roles: street, community, viewer.
 * Every programme (by id) with calc_kind, settings (object), active and
 * standards: those in force today (China date) that the caller's scope
 * holds — each area's, and a community's own within the scope — as
 * {id, area, community_id, community_name, band_key, amount_fen,
 * effective_from, effective_to, created_at, created_by {id, name}
 * (null for viewer)}. Reply: {items, today, can_edit (the caller may
 * add programmes and area-wide standards)}. */
static int programmes_list(request *rq, response *rs)
{
    char today[11];
    date_today_text(today);
    assist_programme *ps = calloc(PROGRAMMES_MAX, sizeof *ps);
    int n = ps ? programme_list(rq->db, ps, PROGRAMMES_MAX) : -1;
    if (n < 0) {
        free(ps);
        return reply_internal(rs);
    }
    json_t *items = json_array();
    for (int i = 0; i < n; i++) {
        json_t *j = programme_json(&ps[i]);
        json_array_append_new(items, j);
        if (add_standards(rq, j, &ps[i], today) != 0) {
            json_decref(items);
            free(ps);
            return reply_internal(rs);
        }
    }
    free(ps);
    return reply_json(rs, 200, json_pack("{s:o, s:s, s:b}", "items", items, "today", today, "can_edit", can_edit(rq)));
}

/* GET /api/v1/assistance/programmes/{id} — roles: street, community,
 * viewer. The programme with has_cases and its whole standard history
 * visible to the caller, newest first (effective_from, then id), each
 * with who added it (null for the seeds and for viewer). Reply:
 * {programme, today, can_edit}. Errors: 404. */
static int programme_get(request *rq, response *rs)
{
    assist_programme p;
    char today[11];
    if (programme_or_reply(rq, rs, &p) != 0)
        return -1;
    json_t *j = programme_detail(rq, &p);
    if (!j)
        return reply_internal(rs);
    date_today_text(today);
    return reply_json(rs, 200,
                      json_pack("{s:o, s:s, s:b}", "programme", j, "today", today, "can_edit", can_edit(rq)));
}

/* POST /api/v1/assistance/programmes — roles: street (of the whole
 * tree). Body: {code ([a-z_], 2–39), name (1–20 characters), category
 * ([a-z_]), calc_kind (topup | per_person | one_off), settings (object:
 * rounding yuan_up|fen, min_payment_fen ≥ 0, band_by
 * age|disability_grade|kind|"", bands {key: label}, ceilings_fen
 * {community, street}, review_months {"A": months}), active (default
 * true)}. Audited assist_programme_create. Reply 201 {programme}.
 * Errors: 400 naming the field ("settings.rounding" …); 403 not the
 * whole tree; 409 code or name taken. */
static int programme_create_one(request *rq, response *rs)
{
    static const char *const KEYS[] = {"code", "name", "category", "calc_kind", "settings", "active", NULL};
    const char *code, *name, *category, *calc_kind;
    json_t *settings;
    int active = 1;
    ms_err err;
    assist_programme p;
    if (body_only(rq, rs, KEYS) < 0 || body_str_required(rq, rs, "code", &code) < 0 ||
        body_str_required(rq, rs, "name", &name) < 0 || body_str_required(rq, rs, "category", &category) < 0 ||
        body_str_required(rq, rs, "calc_kind", &calc_kind) < 0 || body_settings(rq, rs, &settings) < 0 ||
        body_bool(rq, rs, "active", &active) < 0 || whole_tree_or_reply(rq, rs) < 0)
        return -1;
    if (write_begin_or_reply(rq, rs) != 0)
        return -1;
    int64_t id = programme_create(rq->db, code, name, category, calc_kind, settings, active, &err);
    if (id < 0 || programme_load_id(rq->db, id, &p, &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    json_t *after = programme_json(&p);
    json_t *body = programme_detail(rq, &p);
    if (!body) {
        json_decref(after);
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    }
    int rc = write_commit_or_reply(rq, rs, &(audit_entry){.action = "assist_programme_create",
                                                          .entity = "assistance_programme", .entity_id = id,
                                                          .after = after, .detail = p.name},
                                   201, json_pack("{s:o}", "programme", body));
    json_decref(after);
    return rc;
}

/* PUT /api/v1/assistance/programmes/{id} — roles: street (of the whole
 * tree). Body: any of {name, category, calc_kind, settings (the whole
 * object, replacing the old), active}; the code never changes. Audited
 * assist_programme_update with before and after. Reply 200 {programme}.
 * Errors: 400 naming the field; 403; 404; 409 calc_kind once a case of
 * the programme exists, or a name taken. */
static int programme_update_one(request *rq, response *rs)
{
    static const char *const KEYS[] = {"name", "category", "calc_kind", "settings", "active", NULL};
    programme_change c = {.active = -1};
    assist_programme before, p;
    ms_err err;
    int active;
    if (body_only(rq, rs, KEYS) < 0 || body_str(rq, rs, "name", &c.name) < 0 ||
        body_str(rq, rs, "category", &c.category) < 0 || body_str(rq, rs, "calc_kind", &c.calc_kind) < 0 ||
        body_settings(rq, rs, &c.settings) < 0)
        return -1;
    int has_active = body_bool(rq, rs, "active", &active);
    if (has_active < 0 || whole_tree_or_reply(rq, rs) < 0 || programme_or_reply(rq, rs, &p) < 0)
        return -1;
    if (has_active > 0)
        c.active = active;
    if (write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (programme_update(rq->db, rq->id, &c, &before, &err) != 0 || programme_load_id(rq->db, rq->id, &p, &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    json_t *b = programme_json(&before), *after = programme_json(&p);
    json_t *body = programme_detail(rq, &p);
    int rc;
    if (!body)
        rc = write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    else
        rc = write_commit_or_reply(rq, rs, &(audit_entry){.action = "assist_programme_update",
                                                          .entity = "assistance_programme", .entity_id = p.id,
                                                          .before = b, .after = after, .detail = p.name},
                                   200, json_pack("{s:o}", "programme", body));
    json_decref(b);
    json_decref(after);
    return rc;
}

/* POST /api/v1/assistance/programmes/{id}/standards — roles: street.
 * Body: {area (urban | rural), community_id (optional: a community in
 * the caller's scope; without it the area's standard, which takes street
 * staff of the whole tree), band_key (as the programme's band_by wants;
 * "" or absent when it has none), amount_fen (integer ≥ 0, per month),
 * effective_from ("YYYY-MM-DD", today or later in China)}. Closes the
 * standard of the same line the day before. Audited assist_standard_add.
 * Reply 201 {standard, programme (as GET)}. Errors: 400 naming the
 * field; 403; 404 programme or community; 409 effective_from before
 * today or not after the latest standard of the line (the past is never
 * rewritten). */
static int standard_add_one(request *rq, response *rs)
{
    static const char *const KEYS[] = {"area", "community_id", "band_key", "amount_fen", "effective_from", NULL};
    const char *area, *band_key, *from;
    int64_t community_id = 0, amount;
    assist_programme p;
    org_unit community = {0};
    char today[11];
    ms_err err;
    if (body_only(rq, rs, KEYS) < 0 || body_str_required(rq, rs, "area", &area) < 0 ||
        body_str(rq, rs, "band_key", &band_key) < 0 || body_str_required(rq, rs, "effective_from", &from) < 0)
        return -1;
    int has = body_int(rq, rs, "amount_fen", &amount);
    if (has < 0)
        return -1;
    if (has == 0)
        return reply_bad_request(rs, "amount_fen", "请填写标准金额（分）");
    if (body_int(rq, rs, "community_id", &community_id) < 0 || programme_or_reply(rq, rs, &p) < 0)
        return -1;
    if (community_id) {
        if (org_unit_in_scope_or_reply(rq, rs, community_id, &community) != 0)
            return -1;
        if (strcmp(community.kind, "community") != 0)
            return reply_bad_request(rs, "community_id", "社区标准只能设定给社区");
    } else if (whole_tree_or_reply(rq, rs) != 0) {
        return -1;
    }
    if (programme_check_band(&p, band_key, &err) != 0)
        return reply_err(rs, &err);
    if (amount < 0 || amount > 100000000)
        return reply_bad_request(rs, "amount_fen", "标准金额应为 0 至 1,000,000 元之间的整数（分）");
    if (!date_is_valid(from))
        return reply_bad_request(rs, "effective_from", "生效日期格式应为 YYYY-MM-DD");
    date_today_text(today);
    if (strcmp(from, today) < 0)
        return reply_error(rs, 409, "conflict", "effective_from",
                           "生效日期 %s 早于今天（%s）：新标准只能从今天或以后开始，既往月份的标准不能改写", from, today);
    if (write_begin_or_reply(rq, rs) != 0)
        return -1;
    int64_t id = programme_standard_add(rq->db, rq->user.id, p.id, area, community_id, band_key, amount, from, &err);
    if (id < 0)
        return write_fail_or_reply(rq, rs, &err);
    json_t *body = programme_detail(rq, &p), *after = NULL;
    if (!body)
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(body, "standards"), i, it)
        if (json_integer_value(json_object_get(it, "id")) == id)
            after = it;
    json_incref(after);
    char detail[512];
    snprintf(detail, sizeof detail, "%s %s%s%s 自 %s 起 %lld 分", p.name, community_id ? community.name : "",
             strcmp(area, "urban") == 0 ? "城市" : "农村", band_key && *band_key ? band_key : "", from,
             (long long)amount);
    int rc = write_commit_or_reply(rq, rs, &(audit_entry){.action = "assist_standard_add",
                                                          .entity = "assistance_standard", .entity_id = id,
                                                          .org_path = community_id ? community.path : NULL,
                                                          .after = after, .detail = detail},
                                   201, json_pack("{s:O, s:o}", "standard", after, "programme", body));
    json_decref(after);
    return rc;
}

const route assist_programme_routes[] = {
    {.method = "GET",  .pattern = "/api/v1/assistance/programmes", .handler = programmes_list, .roles = R_READ},
    {.method = "POST", .pattern = "/api/v1/assistance/programmes", .handler = programme_create_one, .roles = R_WRITE},
    {.method = "GET",  .pattern = "/api/v1/assistance/programmes/{id}", .handler = programme_get, .roles = R_READ},
    {.method = "PUT",  .pattern = "/api/v1/assistance/programmes/{id}", .handler = programme_update_one,
     .roles = R_WRITE},
    {.method = "POST", .pattern = "/api/v1/assistance/programmes/{id}/standards", .handler = standard_add_one,
     .roles = R_WRITE},
    {0}
};
