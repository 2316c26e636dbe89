/* notice_api.c — the /api/v1/assistance/notices and /objections routes:
 * draft a public notice (公示) for a community's checked cases, post it
 * (every case takes the 'publish' step, all or none), read it as the
 * printed page shows it and as an .xlsx, close it once its period is
 * over; record objections against a case of a posted notice and resolve
 * them (street staff). Translates HTTP to notice.h calls and back.
 *
 * What is shown: a notice is public text, so every reader — street staff
 * included — gets only what was printed: the masked name (张*明), the
 * household size, the programme and the amount; never a full name, an ID
 * number or a phone of the household. Objections show the same masked
 * name.
 *
 * Roles: street and community staff, in scope (a notice belongs to its
 * community: another community's is 404). Grid workers file applications
 * but neither post notices nor read them here; viewers, admins,
 * security administrators and auditors see no assistance data. Only
 * street staff resolve an objection (the community investigates and
 * reports; the street decides). */
#include "assistance/assist_api.h"
#include "assistance/case_flow.h"
#include "assistance/notice.h"
#include "assistance/notice_xlsx.h"
#include "registry/org.h"
#include "server/write.h"
#include "storage/query.h"
#include "util/validate.h"
#include "workflow/workflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define R_STAFF   (ROLE_STREET | ROLE_COMMUNITY)
#define R_RESOLVE ROLE_STREET

/* ---- what a reader sees ------------------------------------------------------- */

static json_t *rows_json(const notice_row *rows, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const wf_state *st = wf_state_find(&ASSIST_CASE, rows[i].case_state);
        json_array_append_new(a, json_pack("{s:I, s:s, s:I, s:s, s:I, s:s, s:s}", "case_id",
                                           (json_int_t)rows[i].case_id, "name", rows[i].masked_name,
                                           "household_size", (json_int_t)rows[i].household_size, "programme",
                                           rows[i].programme_name, "amount_fen", (json_int_t)rows[i].amount_fen,
                                           "case_state", rows[i].case_state, "case_state_label",
                                           st ? st->label : rows[i].case_state));
    }
    return a;
}

/* Notice n as a reader sees it on local date today; with its printed
 * rows when rows is not NULL. */
static json_t *notice_json(const notice *n, const char *today, const notice_row *rows, size_t nrows)
{
    const char *phase = notice_phase(n, today);
    char period[64] = "";
    if (n->posted_on[0])
        snprintf(period, sizeof period, "%s 至 %s", n->posted_on, n->ends_on);
    json_t *j = json_pack("{s:I, s:s, s:{s:I, s:s}, s:s, s:i, s:s?, s:s?, s:s?, s:s, s:s, s:s, s:I, s:I, s:s, s:s?}",
                          "id", (json_int_t)n->id, "title", n->title, "community", "id",
                          (json_int_t)n->community_id, "name", n->community_name, "street_name", n->street_name,
                          "days", n->days, "posted_on", n->posted_on[0] ? n->posted_on : NULL, "ends_on",
                          n->ends_on[0] ? n->ends_on : NULL, "period", period[0] ? period : NULL,
                          "complaint_phone", n->complaint_phone, "status", phase, "status_label",
                          notice_phase_label(phase), "cases", (json_int_t)n->cases, "open_objections",
                          (json_int_t)n->open_objections, "created_at", n->created_at, "closed_at",
                          n->closed_at[0] ? n->closed_at : NULL);
    if (rows)
        json_object_set_new(j, "rows", rows_json(rows, nrows));
    return j;
}

static const char *objection_status_label(const char *status)
{
    return strcmp(status, "open") == 0 ? "待处理" : strcmp(status, "upheld") == 0 ? "异议成立" : "异议不成立";
}

static json_t *objection_json(const objection *o)
{
    return json_pack("{s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s}", "id", (json_int_t)o->id,
                     "notice_id", (json_int_t)o->notice_id, "case_id", (json_int_t)o->case_id, "name",
                     o->masked_name, "received_on", o->received_on, "channel", o->channel, "content",
                     o->content ? o->content : "", "status", o->status, "status_label",
                     objection_status_label(o->status), "resolution", o->resolution, "resolved_at",
                     o->resolved_at[0] ? o->resolved_at : NULL, "created_at", o->created_at);
}

/* ---- loading in scope ---------------------------------------------------------- */

/* Notice id, which must be in the caller's scope: 0, or -1 with a 404 (500). */
static int notice_in_scope_or_reply(request *rq, response *rs, int64_t id, notice *out)
{
    int rc = notice_get(rq->db, id, out);
    if (rc < 0)
        return reply_internal(rs), -1;
    if (rc > 0 || !scope_contains(rq, out->org_path))
        return reply_not_found(rs, "公示"), -1;
    return 0;
}

static int objection_in_scope_or_reply(request *rq, response *rs, int64_t id, objection *out)
{
    int rc = objection_get(rq->db, id, out);
    if (rc < 0)
        return reply_internal(rs), -1;
    if (rc > 0 || !scope_contains(rq, out->org_path)) {
        if (rc == 0)
            objection_release(out);
        return reply_not_found(rs, "异议"), -1;
    }
    return 0;
}

/* Ends a notice write: reloads notice id in the transaction, audits
 * `action` (first after rq, rs: tests/unit/test_audit_names.c reads it
 * there) with the notice as it is now, commits and replies it. */
static int notice_finish_or_reply(request *rq, response *rs, const char *action, int64_t id, const char *detail,
                                  int status)
{
    notice n;
    notice_row *rows;
    size_t nrows;
    char today[11];
    if (notice_get(rq->db, id, &n) != 0 || notice_rows(rq->db, id, &rows, &nrows) != 0)
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    json_t *body = notice_json(&n, date_today_text(today), rows, nrows);
    free(rows);
    return write_commit_or_reply(rq, rs, &(audit_entry){.action = action, .entity = "assistance_notice",
                                                        .entity_id = id, .org_path = n.org_path, .after = body,
                                                        .detail = detail}, status, body);
}

/* The same for an objection; before is the objection before the write (or NULL). */
static int objection_finish_or_reply(request *rq, response *rs, const char *action, int64_t id, json_t *before,
                                     int status)
{
    objection o;
    if (objection_get(rq->db, id, &o) != 0) {
        json_decref(before);
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    }
    json_t *body = objection_json(&o);
    char detail[128];
    snprintf(detail, sizeof detail, "公示 #%lld，申请 #%lld", (long long)o.notice_id, (long long)o.case_id);
    int rc = write_commit_or_reply(rq, rs, &(audit_entry){.action = action, .entity = "assistance_objection",
                                                          .entity_id = id, .org_path = o.org_path,
                                                          .before = before, .after = body, .detail = detail},
                                   status, body);
    objection_release(&o);
    json_decref(before);
    return rc;
}

/* The list's page and page size (20, 50 or 100; default 20) into *p,
 * for page_query_or_reply: 0, or -1 with a 400. */
static int list_page_or_reply(request *rq, response *rs, page_req *p)
{
    int64_t page, size;
    if (req_query_int(rq, rs, "page", 1, 1, 10000, &page) < 0 || page_size_choice_or_reply(rq, rs) != 0 ||
        req_query_int(rq, rs, "page_size", 20, 1, 100, &size) < 0)
        return -1;
    memset(p, 0, sizeof *p);
    p->page = page;
    p->page_size = size;
    p->offset = (page - 1) * size;
    return 0;
}

/* ---- notices ---------------------------------------------------------------------- */

/* GET /api/v1/assistance/notices — roles: street, community.
 * Query: community_id, status (draft|posted|ended), page, page_size
 * (20|50|100, default 20). Reply: {items, page, page_size, total}: the
 * notices of the caller's scope, newest first, each as GET
 * /assistance/notices/{id} without rows. Errors: 400 parameter. */
static int notices_list(request *rq, response *rs)
{
    static const char *const PHASES[] = {"draft", "posted", "ended", NULL};
    const char *status = req_query(rq, "status");
    char end[256], today[11];
    int64_t total;
    page_req pg;
    query q;

    if (status && *status && !str_in_set(status, PHASES))
        return reply_bad_request(rs, "status", "status 只能是 draft（草稿）、posted（公示中）或 ended（已结束）");
    if (list_page_or_reply(rq, rs, &pg) != 0)
        return -1;
    date_today_text(today);
    q_init(&q, "");
    q_where(&q, "n.org_path >= ? AND n.org_path < ?");
    q_bind_text(&q, rq->user.scope_path);
    q_bind_text(&q, org_path_end(rq->user.scope_path, end));
    if (req_query_id_filter_or_reply(rq, rs, &q, "community_id", "n.community_id = ?") != 0)
        return q_free(&q), -1;
    if (status && strcmp(status, "draft") == 0)
        q_where(&q, "n.status = 'draft'");
    else if (status && strcmp(status, "posted") == 0) {
        q_where(&q, "n.status = 'posted' AND n.ends_on >= ?");
        q_bind_text(&q, today);
    } else if (status && strcmp(status, "ended") == 0) {
        q_where(&q, "(n.status = 'closed' OR (n.status = 'posted' AND n.ends_on < ?))");
        q_bind_text(&q, today);
    }
    db_stmt *s = page_query_or_reply(rq, rs, "SELECT COUNT(*) FROM assistance_notice n ", NOTICE_SELECT " ", &q,
                                     " ORDER BY n.id DESC LIMIT ? OFFSET ?", &pg, &total);
    q_free(&q);
    if (!s)
        return -1;
    json_t *items = json_array();
    notice n;
    while (db_step(s) == DB_ROW) {
        notice_from_row(s, &n);
        json_array_append_new(items, notice_json(&n, today, NULL, 0));
    }
    db_finalize(s);
    return reply_json(rs, 200, json_pack("{s:o, s:I, s:I, s:I}", "items", items, "page", (json_int_t)pg.page,
                                         "page_size", (json_int_t)pg.page_size, "total", (json_int_t)total));
}

/* GET /api/v1/assistance/notices/{id} — roles: street, community.
 * Reply: the printable notice: id, title, community {id, name},
 * street_name, days, posted_on, ends_on, period ("… 至 …"),
 * complaint_phone, status (draft|posted|ended: ended once today, China
 * local, is past ends_on), status_label, cases, open_objections,
 * created_at, closed_at, rows [{case_id, name (masked: 张*明),
 * household_size, programme, amount_fen, case_state, case_state_label}].
 * No full name and no ID number, for any role. Errors: 404. */
static int notice_get_one(request *rq, response *rs)
{
    notice n;
    notice_row *rows;
    size_t nrows;
    char today[11];
    if (notice_in_scope_or_reply(rq, rs, rq->id, &n) != 0)
        return -1;
    if (notice_rows(rq->db, n.id, &rows, &nrows) != 0)
        return reply_internal(rs);
    json_t *j = notice_json(&n, date_today_text(today), rows, nrows);
    free(rows);
    return reply_json(rs, 200, j);
}

/* GET /api/v1/assistance/notices/{id}/xlsx — roles: street, community.
 * Reply: the notice as an .xlsx (a title row, the community and the
 * period, 序号 姓名 家庭人数 救助项目 月救助金额（元）, the complaint phone
 * and the street under it); names masked as printed. Audited
 * (assist_notice_export). Errors: 404. */
static int notice_xlsx(request *rq, response *rs)
{
    notice n;
    notice_row *rows;
    size_t nrows, len = 0;
    char *xlsx = NULL, detail[256];
    if (notice_in_scope_or_reply(rq, rs, rq->id, &n) != 0)
        return -1;
    if (notice_rows(rq->db, n.id, &rows, &nrows) != 0)
        return reply_internal(rs);
    int rc = notice_xlsx_write(&n, rows, nrows, &xlsx, &len);
    free(rows);
    if (rc != 0)
        return reply_internal(rs);
    snprintf(detail, sizeof detail, "导出公示 #%lld（%s，%zu 行，xlsx）", (long long)n.id, n.community_name, nrows);
    if (write_begin_or_reply(rq, rs) != 0 ||
        write_commit_only_or_reply(rq, rs, &(audit_entry){.action = "assist_notice_export",
                                                          .entity = "assistance_notice", .entity_id = n.id,
                                                          .org_path = n.org_path, .detail = detail}) != 0) {
        free(xlsx);
        return -1;
    }
    reply_raw(rs, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx, len);
    snprintf(rs->export_fields, sizeof rs->export_fields, "%s", NOTICE_XLSX_FIELDS);
    snprintf(rs->content_disposition, sizeof rs->content_disposition,
             "attachment; filename=\"notice-%lld.xlsx\"", (long long)n.id);
    return 0;
}

/* The case ids of the body's "case_ids" (a non-empty array of positive
 * integers) into a malloc'd array: 0, or -1 with a 400. */
static int case_ids_or_reply(request *rq, response *rs, int64_t **ids, size_t *n)
{
    json_t *a = json_object_get(rq->json, "case_ids"), *v;
    size_t i;
    *ids = NULL;
    *n = 0;
    if (!json_is_array(a) || json_array_size(a) == 0)
        return reply_bad_request(rs, "case_ids", "case_ids 须是申请编号的数组，至少一件"), -1;
    if (json_array_size(a) > NOTICE_MAX_CASES)
        return reply_error(rs, 400, "bad_request", "case_ids", "一张公示最多列 %d 件申请", NOTICE_MAX_CASES), -1;
    *ids = calloc(json_array_size(a), sizeof **ids);
    if (!*ids)
        return reply_internal(rs), -1;
    json_array_foreach(a, i, v) {
        if (!json_is_integer(v) || json_integer_value(v) <= 0) {
            free(*ids);
            *ids = NULL;
            return reply_bad_request(rs, "case_ids", "case_ids 须是申请编号（正整数）的数组"), -1;
        }
        (*ids)[i] = json_integer_value(v);
    }
    *n = json_array_size(a);
    return 0;
}

/* POST /api/v1/assistance/notices — roles: street, community.
 * Body: community_id* (a community in scope), case_ids* (that
 * community's cases in state checked 社区已审核, monthly programmes),
 * days (1–30, default 7), complaint_phone* (mobile or landline),
 * title (default "<社区>社会救助对象公示", at most 80 characters).
 * Reply 201: the draft notice with its rows (the names masked as they
 * will be printed). Audited (assist_notice_create). Errors: 400 field
 * (a case of another community, a phone that is not one); 404 the
 * community or a case outside scope; 409 a case not in 社区已审核, or on
 * another notice not yet posted. */
static int notice_create_route(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"community_id", "case_ids", "days", "complaint_phone", "title", NULL};
    const char *phone, *title = NULL;
    int64_t community = 0, days = NOTICE_DAYS_DEFAULT, *ids;
    size_t n;
    ms_err err;

    if (body_only(rq, rs, FIELDS) != 0)
        return -1;
    if (body_int(rq, rs, "community_id", &community) <= 0)
        return rs->status ? -1 : reply_bad_request(rs, "community_id", "缺少必填字段 community_id（社区）");
    if (body_int(rq, rs, "days", &days) < 0 || body_str_required(rq, rs, "complaint_phone", &phone) < 0 ||
        body_str(rq, rs, "title", &title) < 0)
        return -1;
    if (days < 1 || days > NOTICE_DAYS_MAX)
        return reply_error(rs, 400, "bad_request", "days", "公示天数须在 1 到 %d 天之间", NOTICE_DAYS_MAX);
    if (!phone_is_valid(phone))
        return reply_bad_request(rs, "complaint_phone", "投诉电话格式不正确（手机号或带区号的固定电话）");
    if (case_ids_or_reply(rq, rs, &ids, &n) != 0)
        return -1;
    if (write_begin_or_reply(rq, rs) != 0) {
        free(ids);
        return -1;
    }
    int64_t id = notice_create(rq->db, &rq->user, community, ids, n, (int)days, phone, title, &err);
    free(ids);
    if (id < 0)
        return write_fail_or_reply(rq, rs, &err);
    char detail[64];
    snprintf(detail, sizeof detail, "生成公示草稿（%zu 件申请）", n);
    return notice_finish_or_reply(rq, rs, "assist_notice_create", id, detail, 201);
}

/* POST /api/v1/assistance/notices/{id}/post — roles: street, community.
 * Body: posted_on* ("YYYY-MM-DD": today, China local, or up to 30 days
 * back, when it was put up). Sets ends_on = posted_on + days − 1 and
 * takes 张榜公示 on every case of the notice, in one transaction: when
 * one cannot (no longer 社区已审核, 回避), nothing is posted and the
 * reply names it. Reply: the notice. Audited (assist_notice_post; each
 * case's step as well). Errors: 400 posted_on; 403 the step refused to
 * the caller (回避); 404; 409 not a draft, or a case not in 社区已审核. */
static int notice_post_route(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"posted_on", NULL};
    const char *posted_on;
    char today[11], detail[128];
    notice n;
    ms_err err;
    if (body_only(rq, rs, FIELDS) != 0 || body_str_required(rq, rs, "posted_on", &posted_on) < 0 ||
        notice_in_scope_or_reply(rq, rs, rq->id, &n) != 0 || write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (notice_post(rq->db, &rq->user, rq->client_ip, n.id, posted_on, date_today_text(today), &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    snprintf(detail, sizeof detail, "张贴公示（%lld 件申请），张贴日期 %s", (long long)n.cases, posted_on);
    return notice_finish_or_reply(rq, rs, "assist_notice_post", n.id, detail, 200);
}

/* POST /api/v1/assistance/notices/{id}/close — roles: street, community.
 * Body: none. Records that the notice has ended (reads show 已结束 from
 * the day after ends_on either way). Reply: the notice. Audited
 * (assist_notice_close). Errors: 404; 409 a draft, already ended and
 * closed, or its period not over. */
static int notice_close_route(request *rq, response *rs)
{
    static const char *const FIELDS[] = {NULL};
    char today[11];
    notice n;
    ms_err err;
    if (body_only(rq, rs, FIELDS) != 0 || notice_in_scope_or_reply(rq, rs, rq->id, &n) != 0 ||
        write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (notice_close(rq->db, n.id, date_today_text(today), &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    return notice_finish_or_reply(rq, rs, "assist_notice_close", n.id, "结束公示", 200);
}

/* ---- objections -------------------------------------------------------------------- */

/* POST /api/v1/assistance/notices/{id}/objections — roles: street,
 * community. Body: case_id* (a case on the notice), received_on* (a
 * date within the notice period, not after today), channel (来访 电话
 * 信件 其他; default 来访), content* (at most 2000 characters). While it
 * is open, 街道审批 of the case is refused. Reply 201: the objection.
 * Audited (assist_objection_create). Errors: 400 field; 404 notice
 * outside scope; 409 the notice is not posted. */
static int objection_create_route(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"case_id", "received_on", "channel", "content", NULL};
    const char *received_on, *channel = NULL, *content;
    int64_t case_id = 0;
    char today[11];
    notice n;
    ms_err err;
    if (body_only(rq, rs, FIELDS) != 0)
        return -1;
    if (body_int(rq, rs, "case_id", &case_id) <= 0)
        return rs->status ? -1 : reply_bad_request(rs, "case_id", "缺少必填字段 case_id（被提出异议的申请）");
    if (body_str_required(rq, rs, "received_on", &received_on) < 0 || body_str(rq, rs, "channel", &channel) < 0 ||
        body_str_required(rq, rs, "content", &content) < 0 || notice_in_scope_or_reply(rq, rs, rq->id, &n) != 0 ||
        write_begin_or_reply(rq, rs) != 0)
        return -1;
    int64_t id = objection_create(rq->db, &rq->user, n.id, case_id, received_on, channel, content,
                                  date_today_text(today), &err);
    if (id < 0)
        return write_fail_or_reply(rq, rs, &err);
    return objection_finish_or_reply(rq, rs, "assist_objection_create", id, NULL, 201);
}

/* GET /api/v1/assistance/objections — roles: street, community.
 * Query: case_id, notice_id, status (open|upheld|dismissed), page,
 * page_size (20|50|100, default 20). Reply: {items, page, page_size,
 * total}: objections on notices of the caller's scope, newest first:
 * id, notice_id, case_id, name (masked), received_on, channel, content,
 * status, status_label, resolution, resolved_at, created_at. Errors:
 * 400 parameter. */
static int objections_list(request *rq, response *rs)
{
    static const char *const STATES[] = {"open", "upheld", "dismissed", NULL};
    const char *status = req_query(rq, "status");
    char end[256];
    int64_t total;
    page_req pg;
    query q;
    if (status && *status && !str_in_set(status, STATES))
        return reply_bad_request(rs, "status", "status 只能是 open（待处理）、upheld（异议成立）或 dismissed（异议不成立）");
    if (list_page_or_reply(rq, rs, &pg) != 0)
        return -1;
    q_init(&q, "");
    q_where(&q, "n.org_path >= ? AND n.org_path < ?");
    q_bind_text(&q, rq->user.scope_path);
    q_bind_text(&q, org_path_end(rq->user.scope_path, end));
    if (req_query_id_filter_or_reply(rq, rs, &q, "case_id", "o.case_id = ?") != 0 ||
        req_query_id_filter_or_reply(rq, rs, &q, "notice_id", "o.notice_id = ?") != 0)
        return q_free(&q), -1;
    if (status && *status) {
        q_where(&q, "o.status = ?");
        q_bind_text(&q, status);
    }
    db_stmt *s = page_query_or_reply(rq, rs,
                                     "SELECT COUNT(*) FROM assistance_objection o"
                                     " JOIN assistance_notice n ON n.id = o.notice_id ",
                                     OBJECTION_SELECT " ", &q, " ORDER BY o.id DESC LIMIT ? OFFSET ?", &pg, &total);
    q_free(&q);
    if (!s)
        return -1;
    json_t *items = json_array();
    objection o;
    while (db_step(s) == DB_ROW) {
        objection_from_row(s, &o);
        json_array_append_new(items, objection_json(&o));
        objection_release(&o);
    }
    db_finalize(s);
    return reply_json(rs, 200, json_pack("{s:o, s:I, s:I, s:I}", "items", items, "page", (json_int_t)pg.page,
                                         "page_size", (json_int_t)pg.page_size, "total", (json_int_t)total));
}

/* POST /api/v1/assistance/objections/{id}/resolve — roles: street.
 * Body: status* (upheld 异议成立 | dismissed 异议不成立), resolution* (the
 * finding, at most 2000 characters). Dismissed: the case may then be
 * approved (once the period is over). Upheld: the street returns
 * (退回重新调查) or rejects (不予批准) the case through its steps.
 * Reply: the objection. Audited (assist_objection_resolve). Errors: 400
 * field; 403 not street staff; 404; 409 resolved already. */
static int objection_resolve_route(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"status", "resolution", NULL};
    const char *status, *resolution;
    objection o;
    ms_err err;
    if (body_only(rq, rs, FIELDS) != 0 || body_str_required(rq, rs, "status", &status) < 0 ||
        body_str_required(rq, rs, "resolution", &resolution) < 0 ||
        objection_in_scope_or_reply(rq, rs, rq->id, &o) != 0)
        return -1;
    json_t *before = objection_json(&o);
    objection_release(&o);
    if (write_begin_or_reply(rq, rs) != 0) {
        json_decref(before);
        return -1;
    }
    if (objection_resolve(rq->db, &rq->user, rq->id, status, resolution, &err) != 0) {
        json_decref(before);
        return write_fail_or_reply(rq, rs, &err);
    }
    return objection_finish_or_reply(rq, rs, "assist_objection_resolve", rq->id, before, 200);
}

const route assist_notice_routes[] = {
    {.method = "GET",  .pattern = "/api/v1/assistance/notices",                 .handler = notices_list,            .roles = R_STAFF},
    {.method = "POST", .pattern = "/api/v1/assistance/notices",                 .handler = notice_create_route,     .roles = R_STAFF},
    {.method = "GET",  .pattern = "/api/v1/assistance/notices/{id}",            .handler = notice_get_one,          .roles = R_STAFF},
    {.method = "GET",  .pattern = "/api/v1/assistance/notices/{id}/xlsx",       .handler = notice_xlsx,             .roles = R_STAFF},
    {.method = "POST", .pattern = "/api/v1/assistance/notices/{id}/post",       .handler = notice_post_route,       .roles = R_STAFF},
    {.method = "POST", .pattern = "/api/v1/assistance/notices/{id}/close",      .handler = notice_close_route,      .roles = R_STAFF},
    {.method = "POST", .pattern = "/api/v1/assistance/notices/{id}/objections", .handler = objection_create_route,  .roles = R_STAFF},
    {.method = "GET",  .pattern = "/api/v1/assistance/objections",              .handler = objections_list,         .roles = R_STAFF},
    {.method = "POST", .pattern = "/api/v1/assistance/objections/{id}/resolve", .handler = objection_resolve_route, .roles = R_RESOLVE},
    {0}
};
