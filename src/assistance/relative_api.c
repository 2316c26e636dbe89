/* relative_api.c — the /api/v1/assistance routes of 近亲属备案 (the
 * close-relative registry and its report), 政策找人, the stop flags the
 * registry's deaths and moves out leave on cases, and the re-review due
 * list (route table assist_relative_routes). Translates HTTP to
 * relative.h, policy_find.h and events.h calls and back; owns what each
 * role is shown of them (ID numbers masked only; the viewer sees the
 * 政策找人 counts, never names). */
#include "assistance/assist_api.h"
#include "assistance/case_flow.h"
#include "assistance/events.h"
#include "assistance/policy_find.h"
#include "assistance/relative.h"
#include "registry/org.h"
#include "registry/registry_api.h"
#include "server/write.h"
#include "storage/query.h"
#include "util/idcard.h"
#include "util/validate.h"
#include "util/xlsx_write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define R_REGISTRY (ROLE_STREET | ROLE_COMMUNITY)
#define R_FRONT    (ROLE_STREET | ROLE_COMMUNITY | ROLE_GRID)
#define R_COUNTS   (ROLE_STREET | ROLE_COMMUNITY | ROLE_GRID | ROLE_VIEWER)

/* ---- shared ---------------------------------------------------------------- */

/* The China local date today. */
/* page and page_size (20, 50 or 100; default 20) into *pg: 0, or -1 with a 400. */
static int paging_or_reply(request *rq, response *rs, page_req *pg)
{
    memset(pg, 0, sizeof *pg);
    if (req_query_int(rq, rs, "page", 1, 1, 10000, &pg->page) < 0 || page_size_choice_or_reply(rq, rs) != 0 ||
        req_query_int(rq, rs, "page_size", 20, 1, 100, &pg->page_size) < 0)
        return -1;
    pg->offset = (pg->page - 1) * pg->page_size;
    return 0;
}

static const char *state_label(const char *state)
{
    const wf_state *st = wf_state_find(&ASSIST_CASE, state);
    if (!st)
        st = wf_state_find(&ASSIST_ONCE, state);
    return st ? st->label : state;
}

static json_t *amount_json(int64_t fen) { return fen >= 0 ? json_integer(fen) : json_null(); }

/* ---- the registry ------------------------------------------------------------ */

static json_t *relative_json(const relative_row *r)
{
    json_t *j = json_pack("{s:I, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:b, s:s}", "id", (json_int_t)r->id,
                          "staff_name", r->staff_name, "staff_post", r->staff_post, "staff_unit_id",
                          (json_int_t)r->staff_unit_id, "staff_unit_name", r->staff_unit_name, "relative_name",
                          r->relative_name, "relation", r->relation, "relative_id_number", r->id_masked,
                          "registered_on", r->registered_on, "in_registry", r->resident_id > 0, "created_at",
                          r->created_at);
    json_object_set_new(j, "staff_user_id", r->staff_user_id ? json_integer(r->staff_user_id) : json_null());
    json_object_set_new(j, "removed_at", r->removed_at[0] ? json_string(r->removed_at) : json_null());
    json_object_set_new(j, "remove_reason", r->remove_reason[0] ? json_string(r->remove_reason) : json_null());
    return j;
}

/* Loads registration {id}, whose staff unit must lie in the caller's scope: 0, or -1 with a 404 (500). */
static int relative_in_scope_or_reply(request *rq, response *rs, int64_t id, relative_row *out)
{
    int rc = relative_get(rq->db, id, out);
    if (rc < 0)
        return reply_internal(rs), -1;
    if (rc > 0 || !scope_contains(rq, out->staff_unit_path))
        return reply_not_found(rs, "近亲属备案"), -1;
    return 0;
}

/* Ends a registry write: audits `action` with the row's image and replies it. */
static int relative_finish_or_reply(request *rq, response *rs, const char *action, int64_t id, int status)
{
    relative_row r;
    if (relative_get(rq->db, id, &r) != 0)
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    json_t *body = relative_json(&r);
    return write_commit_or_reply(rq, rs, &(audit_entry){.action = action, .entity = "assistance_relative",
                                                        .entity_id = id, .org_path = r.staff_unit_path,
                                                        .after = body}, status, body);
}

/* POST /api/v1/assistance/relatives — roles: street, community (for the
 * staff of units in its scope). Body: staff_user_id (an account in the
 * caller's scope; its name and unit are the defaults of the next two),
 * staff_name*, staff_post* (街道工作人员|社区干部|低保经办人员|其他),
 * staff_unit_id* (a unit in the caller's scope), relative_name*,
 * relation* (配偶|父母|子女|兄弟姐妹|祖父母|外祖父母|孙子女|外孙子女|
 * 其他近亲属), relative_id_number* (checked: length, region, date, check
 * digit; stored encrypted with its blind index), registered_on
 * (YYYY-MM-DD, default today). Sets the conflict note of every open case
 * whose people hold the relative (each audited). Reply 201: the row, the
 * ID number masked. Errors: 400 field (unknown account); 403 the account
 * is outside the caller's scope; 404 unit outside scope; 409 the same
 * staff member's relative is registered already. */
static int relative_create(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"staff_user_id", "staff_name", "staff_post", "staff_unit_id", "relative_name",
                                         "relation", "relative_id_number", "registered_on", NULL};
    relative_input in = {0};
    const char *raw = NULL;
    char idn[32] = "", uname[128] = "", upath[256] = "";
    int64_t uunit = 0;
    org_unit unit;
    ms_err err;

    if (body_only(rq, rs, FIELDS) != 0 || body_int(rq, rs, "staff_user_id", &in.staff_user_id) < 0 ||
        body_str(rq, rs, "staff_name", &in.staff_name) < 0 || body_str(rq, rs, "staff_post", &in.staff_post) < 0 ||
        body_int(rq, rs, "staff_unit_id", &in.staff_unit_id) < 0 ||
        body_str(rq, rs, "relative_name", &in.relative_name) < 0 || body_str(rq, rs, "relation", &in.relation) < 0 ||
        body_str_required(rq, rs, "relative_id_number", &raw) < 0 ||
        body_str(rq, rs, "registered_on", &in.registered_on) < 0)
        return -1;
    if (in.staff_user_id) {
        db_stmt *s = db_query(rq->db, "SELECT u.display_name, u.org_unit_id, o.path FROM app_user u"
                                      " JOIN org_unit o ON o.id = u.org_unit_id WHERE u.id = ?",
                              DB_INT(in.staff_user_id));
        int rc = db_step(s);
        if (rc == DB_ROW) {
            db_col_copy(s, 0, uname, sizeof uname);
            uunit = db_col_int(s, 1);
            db_col_copy(s, 2, upath, sizeof upath);
        }
        db_finalize(s);
        if (rc != DB_ROW)
            return rc == DB_DONE ? reply_bad_request(rs, "staff_user_id", "该工作人员账号不存在") : reply_internal(rs);
        if (!scope_contains(rq, upath))
            return reply_forbidden(rs, "该工作人员不在您的管辖范围内，不能为其备案");
        if (!in.staff_name || !*in.staff_name)
            in.staff_name = uname;
        if (!in.staff_unit_id)
            in.staff_unit_id = uunit;
    }
    if (!in.staff_unit_id)
        return reply_bad_request(rs, "staff_unit_id", "缺少必填字段 staff_unit_id（工作人员所在单位）");
    if (org_unit_in_scope_or_reply(rq, rs, in.staff_unit_id, &unit) != 0)
        return -1;
    in.relative_id_number = idcard_normalize(raw, idn);
    if (write_begin_or_reply(rq, rs) != 0)
        return -1;
    int64_t id = relative_add(rq->db, &rq->user, rq->client_ip, &in, &err);
    if (id < 0)
        return write_fail_or_reply(rq, rs, &err);
    return relative_finish_or_reply(rq, rs, "assist_relative_add", id, 201);
}

/* GET /api/v1/assistance/relatives — roles: street, community.
 * Query: staff_user_id, staff_unit_id (a unit in scope: its subtree),
 * q (part of the staff member's or the relative's name),
 * include_removed=1, page, page_size (20|50|100, default 20). Reply:
 * {items, page, page_size, total}: the registrations whose staff unit
 * lies in the caller's scope, newest first, each {id, staff_user_id,
 * staff_name, staff_post, staff_unit_id, staff_unit_name, relative_name,
 * relation, relative_id_number (masked), registered_on, in_registry (the
 * number is a registered resident's), created_at, removed_at,
 * remove_reason}. Errors: 400 parameter; 404 unit outside scope. */
static int relative_list(request *rq, response *rs)
{
    int64_t staff_user = 0, unit_id = 0, total;
    const char *text = req_query(rq, "q");
    char end[256];
    page_req pg;
    org_unit unit;
    query q;

    if (paging_or_reply(rq, rs, &pg) != 0 || req_query_int(rq, rs, "staff_user_id", 0, 1, INT64_MAX, &staff_user) < 0 ||
        req_query_int(rq, rs, "staff_unit_id", 0, 1, INT64_MAX, &unit_id) < 0)
        return -1;
    const char *path = rq->user.scope_path;
    if (unit_id) {
        if (org_unit_in_scope_or_reply(rq, rs, unit_id, &unit) != 0)
            return -1;
        path = unit.path;
    }
    q_init(&q, "");
    q_where(&q, "u.path >= ? AND u.path < ?");
    q_bind_text(&q, path);
    q_bind_text(&q, org_path_end(path, end));
    if (staff_user) {
        q_where(&q, "r.staff_user_id = ?");
        q_bind_int(&q, staff_user);
    }
    if (!req_query_flag(rq, "include_removed"))
        q_where(&q, "r.removed_at IS NULL");
    if (text && *text) {
        char *esc = like_escape(text), pat[300];
        snprintf(pat, sizeof pat, "%%%s%%", esc);
        free(esc);
        q_where(&q, "(r.staff_name LIKE ? ESCAPE '\\' OR r.relative_name LIKE ? ESCAPE '\\')");
        q_bind_text(&q, pat);
        q_bind_text(&q, pat);
    }
    db_stmt *s = page_query_or_reply(rq, rs, "SELECT COUNT(*) " RELATIVE_FROM, RELATIVE_SELECT, &q,
                                     " ORDER BY r.id DESC LIMIT ? OFFSET ?", &pg, &total);
    q_free(&q);
    if (!s)
        return -1;
    json_t *items = json_array();
    relative_row r;
    while (db_step(s) == DB_ROW) {
        relative_from_row(s, &r);
        json_array_append_new(items, relative_json(&r));
    }
    db_finalize(s);
    return reply_json(rs, 200, page_result(items, &pg, total));
}

/* POST /api/v1/assistance/relatives/{id}/remove — roles: street,
 * community (a registration of its scope). Body: reason* (up to 200
 * characters). Ends the registration (removed_at; never deleted) and
 * recomputes the conflict notes of the open cases it touched (cleared
 * where no other registration holds; each change audited). Reply: the
 * row. Errors: 400 reason; 404 outside scope; 409 removed already. */
static int relative_remove_one(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"reason", NULL};
    const char *reason = NULL;
    relative_row r;
    ms_err err;
    if (body_only(rq, rs, FIELDS) != 0 || body_str(rq, rs, "reason", &reason) < 0 ||
        relative_in_scope_or_reply(rq, rs, rq->id, &r) != 0 || write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (relative_remove(rq->db, &rq->user, rq->client_ip, r.id, reason, &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    return relative_finish_or_reply(rq, rs, "assist_relative_remove", r.id, 200);
}

/* ---- the report -------------------------------------------------------------- */

typedef struct report_ctx {
    request *rq;
    json_t *items, *flagged;
} report_ctx;

static void report_hit(const relative_hit *h, void *ctx)
{
    report_ctx *c = ctx;
    json_t *cj = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)h->case_id, "household_id",
                           (json_int_t)h->household_id, "programme", h->programme, "state", h->state, "state_label",
                           state_label(h->state), "role", h->role);
    json_object_set_new(cj, "amount_fen", amount_json(h->amount_fen));
    json_array_append_new(c->items, json_pack("{s:o, s:o}", "relative", relative_json(&h->rel), "case", cj));
}

static void report_flagged(const relative_flagged *f, void *ctx)
{
    report_ctx *c = ctx;
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)f->case_id, "programme", f->programme,
                          "state", f->state, "state_label", state_label(f->state), "applicant", f->applicant,
                          "conflict_note", f->note);
    json_object_set_new(j, "amount_fen", amount_json(f->amount_fen));
    json_array_append_new(c->flagged, j);
}

static const char *const ROLE_LABEL_APPLICANT = "申请人";
static const char *const ROLE_LABEL_MEMBER = "家庭成员";

/* The report as a workbook: sheet 近亲属备案 (one row per relative and
 * case) and sheet 有备案提示的案件. */
static int report_xlsx(json_t *items, json_t *flagged, char **out, size_t *len)
{
    xlsx_out x;
    lxw_workbook *wb = xlsx_out_open(&x, 0);
    if (!wb)
        return -1;
    static const char *const H1[] = {"备案编号", "工作人员", "岗位", "所在单位", "近亲属", "关系", "身份证号",
                                     "案件编号", "救助项目", "状态", "身份", "金额（元）", NULL};
    static const char *const H2[] = {"案件编号", "救助项目", "状态", "申请人", "金额（元）", "近亲属备案提示", NULL};
    lxw_worksheet *w1 = workbook_add_worksheet(wb, "近亲属备案");
    lxw_worksheet *w2 = workbook_add_worksheet(wb, "有备案提示的案件");
    for (int i = 0; H1[i]; i++)
        worksheet_write_string(w1, 0, (lxw_col_t)i, H1[i], NULL);
    for (int i = 0; H2[i]; i++)
        worksheet_write_string(w2, 0, (lxw_col_t)i, H2[i], NULL);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        json_t *r = json_object_get(it, "relative"), *c = json_object_get(it, "case");
        lxw_row_t row = (lxw_row_t)(i + 1);
        worksheet_write_number(w1, row, 0, (double)json_integer_value(json_object_get(r, "id")), NULL);
        const char *rk[] = {"staff_name", "staff_post", "staff_unit_name", "relative_name", "relation",
                            "relative_id_number"};
        for (int k = 0; k < 6; k++)
            worksheet_write_string(w1, row, (lxw_col_t)(k + 1), json_string_value(json_object_get(r, rk[k])), NULL);
        worksheet_write_number(w1, row, 7, (double)json_integer_value(json_object_get(c, "id")), NULL);
        worksheet_write_string(w1, row, 8, json_string_value(json_object_get(c, "programme")), NULL);
        worksheet_write_string(w1, row, 9, json_string_value(json_object_get(c, "state_label")), NULL);
        worksheet_write_string(w1, row, 10,
                               strcmp(json_string_value(json_object_get(c, "role")), "applicant") == 0
                                   ? ROLE_LABEL_APPLICANT : ROLE_LABEL_MEMBER, NULL);
        if (json_is_integer(json_object_get(c, "amount_fen")))
            worksheet_write_number(w1, row, 11, (double)json_integer_value(json_object_get(c, "amount_fen")) / 100.0, NULL);
    }
    json_array_foreach(flagged, i, it) {
        lxw_row_t row = (lxw_row_t)(i + 1);
        worksheet_write_number(w2, row, 0, (double)json_integer_value(json_object_get(it, "id")), NULL);
        worksheet_write_string(w2, row, 1, json_string_value(json_object_get(it, "programme")), NULL);
        worksheet_write_string(w2, row, 2, json_string_value(json_object_get(it, "state_label")), NULL);
        worksheet_write_string(w2, row, 3, json_string_value(json_object_get(it, "applicant")), NULL);
        if (json_is_integer(json_object_get(it, "amount_fen")))
            worksheet_write_number(w2, row, 4, (double)json_integer_value(json_object_get(it, "amount_fen")) / 100.0, NULL);
        worksheet_write_string(w2, row, 5, json_string_value(json_object_get(it, "conflict_note")), NULL);
    }
    worksheet_set_column(w1, 0, 11, 14, NULL);
    worksheet_set_column(w2, 0, 4, 14, NULL);
    worksheet_set_column(w2, 5, 5, 60, NULL);
    return xlsx_out_close(&x, out, len);
}

/* GET /api/v1/assistance/relatives/report — roles: street, community.
 * Query: format=xlsx for a workbook (audited: export). Reply: {items:
 * [{relative (as in the list), case: {id, household_id, programme,
 * state, state_label, role (applicant|member: a resident of the
 * household or a member the investigation recorded), amount_fen (null
 * until decided)}}] — every registered relative who is a person of an
 * open or active case in the caller's scope —, flagged_cases: [{id,
 * programme, state, state_label, applicant, amount_fen, conflict_note}]}.
 * Errors: 400 format. */
static int relative_report_get(request *rq, response *rs)
{
    const char *format = req_query(rq, "format");
    int xlsx = format && strcmp(format, "xlsx") == 0;
    if (format && *format && !xlsx && strcmp(format, "json") != 0)
        return reply_bad_request(rs, "format", "format 只能是 json 或 xlsx");
    report_ctx c = {rq, json_array(), json_array()};
    if (relative_report(rq->db, rq->user.scope_path, report_hit, &c) != 0 ||
        relative_flagged_cases(rq->db, rq->user.scope_path, report_flagged, &c) != 0) {
        json_decref(c.items);
        json_decref(c.flagged);
        return reply_internal(rs);
    }
    if (!xlsx)
        return reply_json(rs, 200, json_pack("{s:o, s:o}", "items", c.items, "flagged_cases", c.flagged));
    char *body = NULL, detail[160];
    size_t len = 0;
    int bad = report_xlsx(c.items, c.flagged, &body, &len);
    snprintf(detail, sizeof detail, "导出近亲属备案报表（xlsx，%zu 条备案关联，%zu 件有提示的案件）",
             json_array_size(c.items), json_array_size(c.flagged));
    json_decref(c.items);
    json_decref(c.flagged);
    if (bad)
        return reply_internal(rs);
    if (write_begin_or_reply(rq, rs) != 0 ||
        write_commit_only_or_reply(rq, rs, &(audit_entry){.action = "export", .entity = "assistance_relative_report",
                                                          .org_path = rq->user.scope_path, .detail = detail}) != 0) {
        free(body);
        return -1;
    }
    reply_raw(rs, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body, len);
    snprintf(rs->content_disposition, sizeof rs->content_disposition, "attachment; filename=\"relatives-report.xlsx\"");
    return 0;
}

/* ---- 政策找人 ------------------------------------------------------------------ */

typedef struct pf_ctx {
    json_t *items;
    pf_kind kind;
} pf_ctx;

static void pf_item(const pf_hit *h, void *ctx)
{
    pf_ctx *c = ctx;
    json_t *j = json_pack("{s:I, s:I, s:s, s:s, s:i, s:s, s:s}", "resident_id", (json_int_t)h->resident_id,
                          "household_id", (json_int_t)h->household_id, "name", h->name, "id_number", h->id_masked,
                          "age", h->age, "grid", h->grid, "why", h->why);
    if (h->age_band[0])
        json_object_set_new(j, "age_band", json_string(h->age_band));
    json_object_set_new(j, "prefill", json_pack("{s:s, s:I, s:I, s:s, s:s}", "programme", policy_find_programme(c->kind),
                                                "household_id", (json_int_t)h->household_id, "resident_id",
                                                (json_int_t)h->resident_id, "band_key", h->band_key, "source",
                                                "policy_find"));
    json_array_append_new(c->items, j);
}

/* GET /api/v1/assistance/policy-find — roles: street, community, grid
 * (the residents of their scope, as the registry). Query: kind*
 * (longevity|care_subsidy|dibao_disabled|orphan; see policy_find.h for
 * each rule), page, page_size (20|50|100, default 20). Reply: {kind,
 * label, programme, items: [{resident_id, household_id, name,
 * id_number (masked), age (reached this year), grid, why, age_band
 * (longevity), prefill: {programme, household_id, resident_id,
 * band_key, source: "policy_find"}}], page, page_size, total}.
 * Errors: 400 kind or paging. */
static int policy_find_list(request *rq, response *rs)
{
    int64_t total = 0;
    char today[11];
    page_req pg;
    int k = policy_find_kind(req_query(rq, "kind"));
    if (k < 0)
        return reply_bad_request(rs, "kind", "kind 只能是 longevity、care_subsidy、dibao_disabled 或 orphan");
    if (paging_or_reply(rq, rs, &pg) != 0)
        return -1;
    pf_kind kind = (pf_kind)k;
    pf_ctx c = {json_array(), kind};
    if (policy_find_page(rq->db, kind, rq->user.scope_path, date_today_text(today), pg.offset, pg.page_size, pf_item, &c,
                         &total) != 0) {
        json_decref(c.items);
        return reply_internal(rs);
    }
    json_t *j = page_result(c.items, &pg, total);
    json_object_set_new(j, "kind", json_string(policy_find_code(kind)));
    json_object_set_new(j, "label", json_string(policy_find_label(kind)));
    json_object_set_new(j, "programme", json_string(policy_find_programme(kind)));
    return reply_json(rs, 200, j);
}

static void pf_none(const pf_hit *h, void *ctx) { (void)h, (void)ctx; }

/* GET /api/v1/assistance/policy-find/summary — roles: street, community,
 * grid, viewer (counts only). Reply: {items: [{kind, label, programme,
 * count}]}, one per kind, in the caller's scope. */
static int policy_find_summary(request *rq, response *rs)
{
    char today[11];
    json_t *items = json_array();
    date_today_text(today);
    for (int k = 0; k < PF_KINDS; k++) {
        int64_t n = 0;
        if (policy_find_page(rq->db, (pf_kind)k, rq->user.scope_path, today, 0, 0, pf_none, NULL, &n) != 0) {
            json_decref(items);
            return reply_internal(rs);
        }
        json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:I}", "kind", policy_find_code((pf_kind)k), "label",
                                               policy_find_label((pf_kind)k), "programme",
                                               policy_find_programme((pf_kind)k), "count", (json_int_t)n));
    }
    return reply_json(rs, 200, json_pack("{s:o}", "items", items));
}

/* ---- stop flags -------------------------------------------------------------- */

/* POST /api/v1/assistance/flags/sweep — roles: street. Body: {} (none).
 * Turns the open registry flags (deaths and moves out recorded through
 * POST /residents/{id}/status) of residents in the caller's scope into
 * stop flags on the active cases the person is the beneficiary or a
 * counted member of (each audited: assist_stop_flag), and marks the
 * flags handled. Payment runs do the same before computing. Reply:
 * {flags_handled, cases_flagged}. */
static int flags_sweep(request *rq, response *rs)
{
    static const char *const FIELDS[] = {NULL};
    assist_sweep_result r;
    char detail[128];
    if ((rq->json && body_only(rq, rs, FIELDS) != 0) || write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (assist_events_sweep(rq->db, &rq->user, rq->client_ip, rq->user.scope_path, &r) != 0)
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    snprintf(detail, sizeof detail, "处理死亡、迁出待办 %d 条，标记案件 %d 件", r.flags, r.cases);
    return write_commit_or_reply(rq, rs, &(audit_entry){.action = "assist_flags_sweep", .entity = "assistance_case",
                                                        .org_path = rq->user.scope_path, .detail = detail},
                                 200, json_pack("{s:i, s:i}", "flags_handled", r.flags, "cases_flagged", r.cases));
}

static void flagged_item(const assist_flagged *f, void *ctx)
{
    json_array_append_new(
        (json_t *)ctx,
        json_pack("{s:I, s:I, s:s, s:s, s:s, s:{s:I, s:s}, s:{s:I, s:s}, s:s, s:s, s:s, s:s}", "case_id",
                  (json_int_t)f->case_id, "household_id", (json_int_t)f->household_id, "programme", f->programme,
                  "state", f->state, "state_label", state_label(f->state), "beneficiary", "resident_id",
                  (json_int_t)f->resident_id, "name", f->beneficiary, "person", "resident_id", (json_int_t)f->person_id,
                  "name", f->person, "event", f->event, "event_label",
                  strcmp(f->event, "deceased") == 0 ? "死亡" : "迁出", "event_date", f->event_date, "grid", f->grid));
}

/* GET /api/v1/assistance/flags — roles: street, community, grid. Query:
 * page, page_size (20|50|100). Reply: {items: [{case_id, household_id,
 * programme, state, state_label, beneficiary {resident_id, name},
 * person {resident_id, name} (who died or left), event
 * (deceased|moved_out), event_label, event_date, grid}], page,
 * page_size, total}: the open cases in scope with a stop flag, the
 * earliest event first. A read: the sweep is POST /flags/sweep. */
static int flags_list(request *rq, response *rs)
{
    int64_t total = 0;
    page_req pg;
    if (paging_or_reply(rq, rs, &pg) != 0)
        return -1;
    json_t *items = json_array();
    if (assist_flagged_list(rq->db, rq->user.scope_path, pg.offset, pg.page_size, flagged_item, items, &total) != 0) {
        json_decref(items);
        return reply_internal(rs);
    }
    return reply_json(rs, 200, page_result(items, &pg, total));
}

/* ---- re-reviews due ---------------------------------------------------------- */

static void due_item(const assist_review_due *r, void *ctx)
{
    json_t *j = json_pack("{s:I, s:I, s:s, s:{s:I, s:s}, s:I, s:s, s:s, s:s, s:s, s:i}", "case_id",
                          (json_int_t)r->case_id, "household_id", (json_int_t)r->household_id, "programme", r->programme,
                          "beneficiary", "resident_id", (json_int_t)r->resident_id, "name", r->beneficiary,
                          "community_id", (json_int_t)r->community_id, "community", r->community, "grid", r->grid,
                          "review_class", r->review_class, "next_review_on", r->next_review_on, "days_overdue",
                          r->days_overdue);
    json_object_set_new(j, "last_review_on", r->last_review_on[0] ? json_string(r->last_review_on) : json_null());
    json_array_append_new((json_t *)ctx, j);
}

static void due_class(const char *cls, int64_t n, void *ctx)
{
    json_object_set_new(json_object_get((json_t *)ctx, "by_class"), *cls ? cls : "none", json_integer(n));
}

static void due_unit(int64_t id, const char *name, int64_t n, void *ctx)
{
    json_array_append_new(json_object_get((json_t *)ctx, "by_community"),
                          json_pack("{s:I, s:s, s:I}", "community_id", (json_int_t)id, "name", name, "count",
                                    (json_int_t)n));
}

/* GET /api/v1/assistance/reviews/due — roles: street, community, grid.
 * Query: within_days (0–366, default 30), class (A|B|C), org_unit_id (a
 * unit in scope, default the caller's), page, page_size (20|50|100).
 * Reply: {today, until, items: [{case_id, household_id, programme,
 * beneficiary {resident_id, name}, community_id, community, grid,
 * review_class, next_review_on, last_review_on (the local date of the
 * last approval, enrolment or adjustment; null when none), days_overdue
 * (0 when not yet due)}] — active cases whose next_review_on is on or
 * before today + within_days, the most overdue first —, page,
 * page_size, total, counts: {by_class: {A: n, …} (without the class
 * filter), by_community: [{community_id, name, count}]}}.
 * Errors: 400 parameter; 404 unit outside scope. */
static int reviews_due(request *rq, response *rs)
{
    int64_t within, total = 0;
    char today[11], until[11];
    page_req pg;
    const char *cls = req_query(rq, "class");
    org_unit unit;
    if (paging_or_reply(rq, rs, &pg) != 0 ||
        req_query_int(rq, rs, "within_days", 30, 0, 366, &within) < 0 ||
        org_unit_param_or_reply(rq, rs, "org_unit_id", &unit) != 0)
        return -1;
    if (cls && *cls && strcmp(cls, "A") != 0 && strcmp(cls, "B") != 0 && strcmp(cls, "C") != 0)
        return reply_bad_request(rs, "class", "class 只能是 A、B 或 C");
    date_today_text(today);
    assist_date_add(today, (int)within, until);
    assist_review_filter f = {.scope_path = unit.path, .until = until, .today = today, .review_class = cls};
    json_t *items = json_array(), *counts = json_pack("{s:{}, s:[]}", "by_class", "by_community");
    if (assist_reviews_due(rq->db, &f, pg.offset, pg.page_size, due_item, items, &total) != 0 ||
        assist_reviews_due_counts(rq->db, &f, due_class, due_unit, counts) != 0) {
        json_decref(items);
        json_decref(counts);
        return reply_internal(rs);
    }
    json_t *j = page_result(items, &pg, total);
    json_object_set_new(j, "today", json_string(today));
    json_object_set_new(j, "until", json_string(until));
    json_object_set_new(j, "counts", counts);
    return reply_json(rs, 200, j);
}

const route assist_relative_routes[] = {
    {.method = "POST", .pattern = "/api/v1/assistance/relatives",             .handler = relative_create,     .roles = R_REGISTRY},
    {.method = "GET",  .pattern = "/api/v1/assistance/relatives",             .handler = relative_list,       .roles = R_REGISTRY},
    {.method = "GET",  .pattern = "/api/v1/assistance/relatives/report",      .handler = relative_report_get, .roles = R_REGISTRY},
    {.method = "POST", .pattern = "/api/v1/assistance/relatives/{id}/remove", .handler = relative_remove_one, .roles = R_REGISTRY},
    {.method = "GET",  .pattern = "/api/v1/assistance/policy-find",           .handler = policy_find_list,    .roles = R_FRONT, .read_heavy = 1},
    {.method = "GET",  .pattern = "/api/v1/assistance/policy-find/summary",   .handler = policy_find_summary, .roles = R_COUNTS, .read_heavy = 1},
    {.method = "POST", .pattern = "/api/v1/assistance/flags/sweep",           .handler = flags_sweep,         .roles = ROLE_STREET},
    {.method = "GET",  .pattern = "/api/v1/assistance/flags",                 .handler = flags_list,          .roles = R_FRONT},
    {.method = "GET",  .pattern = "/api/v1/assistance/reviews/due",           .handler = reviews_due,         .roles = R_FRONT},
    {0}
};
