/* payment_api.c — the payment routes of social assistance (route table
 * assist_payment_routes): monthly runs (compute, recompute, freeze,
 * view), adjustments, the bank's payment and return files, and the
 * summary figures. Translates HTTP to payment.h / bankfile.h calls.
 *
 * Who: street staff compute, freeze, export and record returns (a run
 * covers the whole database, so only an account at its root: the
 * street of a one-street database, the district's street staff of a
 * district); community staff read the runs' lines of their own
 * community; the department viewer reads the summary figures only. */
#include "assistance/assist_api.h"
#include "assistance/bankfile.h"
#include "assistance/payment.h"
#include "registry/org.h"
#include "registry/registry_api.h"
#include "server/write.h"
#include "util/xlsx_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define R_PAY  ROLE_STREET
#define R_READ (ROLE_STREET | ROLE_COMMUNITY)
#define R_SUM  (ROLE_STREET | ROLE_COMMUNITY | ROLE_VIEWER)

/* ---- helpers ------------------------------------------------------------------ */

/* A run's writes are the root's: 403 for street staff of one street of
 * a district (the run pays every street of the database). */
static int root_staff_or_reply(request *rq, response *rs)
{
    return assist_whole_tree_or_reply(rq, rs, "发放批次覆盖本系统全部辖区，须由最上级单位的街道工作人员操作");
}

static int run_or_reply(request *rq, response *rs, int64_t id, pay_run *r)
{
    ms_err err;
    if (pay_run_load(rq->db, id, r, &err) != 0)
        return reply_err(rs, &err), -1;
    return 0;
}

/* page and page_size (20, 50 or 100; default 50). */
static int paging_or_reply(request *rq, response *rs, int64_t *page, int64_t *size)
{
    if (page_size_choice_or_reply(rq, rs) != 0 ||
        req_query_int(rq, rs, "page", 1, 1, PAGE_MAX_ROWS / 20, page) < 0 ||
        req_query_int(rq, rs, "page_size", 50, 20, 100, size) < 0)
        return -1;
    if (*page * *size > PAGE_MAX_ROWS + *size)
        return reply_bad_request(rs, "page", "页码超出范围"), -1;
    return 0;
}

static int month_param_or_reply(request *rq, response *rs, const char *key, const char **out, int required)
{
    *out = req_query(rq, key);
    if (!*out || !**out) {
        *out = NULL;
        if (!required)
            return 0;
        return reply_bad_request(rs, key, "请指定月份（YYYY-MM）"), -1;
    }
    if (!pay_month_valid(*out))
        return reply_bad_request(rs, key, "月份应为 YYYY-MM 格式，如 2026-11"), -1;
    return 0;
}

static json_t *page_json(json_t *items, int64_t page, int64_t size, int64_t total)
{
    return json_pack("{s:o, s:I, s:I, s:I}", "items", items, "page", (json_int_t)page, "page_size", (json_int_t)size,
                     "total", (json_int_t)total);
}

static int audit_run_commit(request *rq, response *rs, const char *action, int64_t run_id, const char *detail,
                            int status)
{
    pay_run r;
    ms_err err;
    if (pay_run_load(rq->db, run_id, &r, &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    json_t *body = pay_run_json(&r);
    return write_commit_or_reply(rq, rs,
                                 &(audit_entry){.action = action, .entity = "assistance_payment_run",
                                                .entity_id = run_id, .after = body, .detail = detail},
                                 status, body);
}

static void run_detail(db_conn *db, int64_t id, const char *what, char *out, size_t outsz)
{
    pay_run r;
    ms_err err;
    char y[40];
    if (pay_run_load(db, id, &r, &err) != 0) {
        snprintf(out, outsz, "%s", what);
        return;
    }
    snprintf(out, outsz, "%s %s %s 发放批次 #%lld：%lld 户 %lld 人 %s 元，暂停发放 %lld", what, r.programme_name, r.month,
             (long long)id, (long long)r.households, (long long)r.people, benefit_yuan(r.total_fen, y, sizeof y),
             (long long)r.held);
}

/* ---- runs ---------------------------------------------------------------------- */

/* GET /api/v1/assistance/runs — roles: street, community.
 * Query: programme (code), from, to (YYYY-MM), status (draft|frozen),
 * page, page_size (20, 50, 100). Reply: {items: runs, page, page_size,
 * total}, newest month first. */
static int runs_list(request *rq, response *rs)
{
    const char *from, *to, *status = req_query(rq, "status"), *prog = req_query(rq, "programme");
    int64_t page, size, total;
    if (paging_or_reply(rq, rs, &page, &size) != 0 || month_param_or_reply(rq, rs, "from", &from, 0) != 0 ||
        month_param_or_reply(rq, rs, "to", &to, 0) != 0)
        return -1;
    if (status && *status && strcmp(status, "draft") != 0 && strcmp(status, "frozen") != 0)
        return reply_bad_request(rs, "status", "status 只能是 draft 或 frozen");
    json_t *items = json_array();
    if (pay_runs_page(rq->db, prog, from, to, status, page, size, &total, items) != 0) {
        json_decref(items);
        return reply_internal(rs);
    }
    return reply_json(rs, 200, page_json(items, page, size, total));
}

/* POST /api/v1/assistance/runs — roles: street (the root's).
 * Body: programme* (code), month* (YYYY-MM). Computes a draft run: the
 * active cases whose period covers the month, each amount from the
 * standard in force on the month's first day; holds (death or move-out
 * flagged, no account, no standard, amount 0); the programme's pending
 * adjustments as arrears / deduction lines. Reply 201: the run.
 * Errors: 400 field; 403 not the root's street staff; 409 "该月已生成发
 * 放批次" with run_id (the month's run exists: recompute a draft with
 * POST /runs/{id}/compute). */
static int runs_create(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"programme", "month", NULL};
    const char *code, *month;
    assist_programme p;
    ms_err err;
    int64_t existing = 0;
    if (body_only(rq, rs, FIELDS) != 0 || body_str_required(rq, rs, "programme", &code) < 0 ||
        body_str_required(rq, rs, "month", &month) < 0 || root_staff_or_reply(rq, rs) != 0)
        return -1;
    if (!pay_month_valid(month))
        return reply_bad_request(rs, "month", "月份应为 YYYY-MM 格式，如 2026-11");
    if (programme_load(rq->db, code, &p, &err) != 0)
        return err.kind == ERR_NOT_FOUND ? reply_bad_request(rs, "programme", err.message) : reply_err(rs, &err);
    if (write_begin_or_reply(rq, rs) != 0)
        return -1;
    int64_t id = pay_run_compute(rq->db, &rq->user, &p, month, 0, &existing, &err);
    if (id < 0) {
        write_fail_or_reply(rq, rs, &err);
        if (existing > 0 && rs->json)
            json_object_set_new(rs->json, "run_id", json_integer(existing));
        return -1;
    }
    char detail[300];
    run_detail(rq->db, id, "计算", detail, sizeof detail);
    return audit_run_commit(rq, rs, "assist_run_compute", id, detail, 201);
}

/* POST /api/v1/assistance/runs/{id}/compute — roles: street (the
 * root's). Recomputes a draft run from today's cases and standards: its
 * lines and holds are replaced, the adjustments it carried taken again.
 * The one who recomputes becomes its computer. Reply: the run. Errors:
 * 403; 404; 409 the run is frozen. */
static int runs_recompute(request *rq, response *rs)
{
    pay_run r;
    assist_programme p;
    ms_err err;
    if (root_staff_or_reply(rq, rs) != 0 || run_or_reply(rq, rs, rq->id, &r) != 0)
        return -1;
    if (programme_load(rq->db, r.programme_code, &p, &err) != 0)
        return reply_err(rs, &err);
    if (write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (pay_run_compute(rq->db, &rq->user, &p, r.month, r.id, NULL, &err) < 0)
        return write_fail_or_reply(rq, rs, &err);
    char detail[300];
    run_detail(rq->db, r.id, "重新计算", detail, sizeof detail);
    return audit_run_commit(rq, rs, "assist_run_compute", r.id, detail, 200);
}

/* GET /api/v1/assistance/runs/{id} — roles: street, community.
 * Query: page, page_size (20, 50, 100). Reply: {run, lines: {items,
 * page, page_size, total}, holds}: the lines of the caller's scope with
 * the name, household code, community, kind, people, amount_fen,
 * standard_id and standard_fen, explain, the account masked
 * ("**** 1234"), status (pending|paid|failed); holds [{case_id, name,
 * household_code, reason}]. 404 no such run. */
static int runs_get(request *rq, response *rs)
{
    pay_run r;
    int64_t page, size, total;
    char end[256];
    if (paging_or_reply(rq, rs, &page, &size) != 0 || run_or_reply(rq, rs, rq->id, &r) != 0)
        return -1;
    org_path_end(rq->user.scope_path, end);
    json_t *items = json_array();
    if (pay_lines_page(rq->db, r.id, rq->user.scope_path, end, page, size, &total, items) != 0) {
        json_decref(items);
        return reply_internal(rs);
    }
    return reply_json(rs, 200,
                      json_pack("{s:o, s:o, s:o}", "run", pay_run_json(&r), "lines", page_json(items, page, size, total),
                                "holds", pay_holds_json(rq->db, r.id, rq->user.scope_path, end)));
}

/* POST /api/v1/assistance/runs/{id}/freeze — roles: street (the root's),
 * not the one who computed the run (four eyes). Checks the totals
 * against the lines and freezes the run: it never changes again.
 * Reply: the run. Errors: 403 "复核人不能与计算人相同"; 404; 409 frozen
 * already, or the totals disagree with the lines. */
static int runs_freeze(request *rq, response *rs)
{
    pay_run r;
    ms_err err;
    if (root_staff_or_reply(rq, rs) != 0 || run_or_reply(rq, rs, rq->id, &r) != 0 ||
        write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (pay_run_freeze(rq->db, &rq->user, r.id, &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    char detail[300];
    run_detail(rq->db, r.id, "复核冻结", detail, sizeof detail);
    return audit_run_commit(rq, rs, "assist_run_freeze", r.id, detail, 200);
}

/* GET /api/v1/assistance/runs/{id}/bank.xlsx | bank.csv — roles: street
 * (the root's). The bank's payment file of a frozen run: 明细号, 户名,
 * the full 账号, 金额（元） (xlsx: a number shown #,##0.00; CSV: plain
 * "1140.00"), 开户行, and a 合计 row. The one place full account numbers
 * leave: audited (assist_bank_export, with the count and total); sets
 * the run's exported_at. Errors: 403; 404; 409 not frozen. */
static int runs_bank(request *rq, response *rs, int xlsx)
{
    pay_run r;
    ms_err err;
    char *out = NULL, detail[300], y[40];
    size_t len = 0;
    int64_t count, total;
    if (root_staff_or_reply(rq, rs) != 0 || run_or_reply(rq, rs, rq->id, &r) != 0 ||
        write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (bank_export(rq->db, r.id, xlsx, &out, &len, &count, &total, &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    snprintf(detail, sizeof detail, "导出 %s %s 发放批次 #%lld 银行代发文件（%s，含完整账号）：%lld 笔，合计 %s 元",
             r.programme_name, r.month, (long long)r.id, xlsx ? "xlsx" : "csv", (long long)count,
             benefit_yuan(total, y, sizeof y));
    if (write_commit_only_or_reply(rq, rs,
                                   &(audit_entry){.action = "assist_bank_export", .entity = "assistance_payment_run",
                                                  .entity_id = r.id, .detail = detail}) != 0) {
        free(out);
        return -1;
    }
    reply_raw(rs, 200, xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "text/csv; charset=utf-8",
              out, len);
    snprintf(rs->content_disposition, sizeof rs->content_disposition, "attachment; filename=\"bank-%s-%s-%lld.%s\"",
             r.programme_code, r.month, (long long)r.id, xlsx ? "xlsx" : "csv");
    return 0;
}

static int runs_bank_xlsx(request *rq, response *rs) { return runs_bank(rq, rs, 1); }
static int runs_bank_csv(request *rq, response *rs) { return runs_bank(rq, rs, 0); }

/* POST /api/v1/assistance/runs/{id}/return — roles: street (the root's).
 * Body: the bank's return file itself, CSV (UTF-8 or GBK) or .xlsx:
 * a header row with 结果 and 明细号 (or 账号 and 金额（元）), 备注
 * optional; 结果 成功 or 失败. Reply: {run, paid, failed, changed}.
 * Errors: 400 {error, errors: [{row, message}]} for an unknown line, an
 * amount or account that differs, a bad result — nothing written; 403;
 * 404; 409 not frozen. Importing the same file again changes nothing. */
static int runs_return(request *rq, response *rs)
{
    pay_run r;
    ms_err err;
    char e[256], detail[300];
    json_t *errors = NULL;
    int64_t paid, failed, changed;
    if (root_staff_or_reply(rq, rs) != 0 || run_or_reply(rq, rs, rq->id, &r) != 0)
        return -1;
    if (rq->body_len == 0)
        return reply_bad_request(rs, "file", "请在请求内容中上传银行回盘文件（CSV 或 Excel）");
    csvr *in = table_open_memory(rq->body, rq->body_len, CSVR_ENC_AUTO, e, sizeof e);
    if (!in)
        return reply_bad_request(rs, "file", e);
    if (write_begin_or_reply(rq, rs) != 0) {
        csvr_close(in);
        return -1;
    }
    int rc = bank_return(rq->db, r.id, in, &errors, &paid, &failed, &changed, &err);
    csvr_close(in);
    if (rc != 0) {
        write_fail_or_reply(rq, rs, &err);
        if (rs->json && errors)
            json_object_set(rs->json, "errors", errors);
        json_decref(errors);
        return -1;
    }
    json_decref(errors);
    snprintf(detail, sizeof detail, "导入 %s %s 发放批次 #%lld 银行回盘：成功 %lld 笔，失败 %lld 笔，更新 %lld 笔",
             r.programme_name, r.month, (long long)r.id, (long long)paid, (long long)failed, (long long)changed);
    if (pay_run_load(rq->db, r.id, &r, &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    json_t *body = json_pack("{s:o, s:I, s:I, s:I}", "run", pay_run_json(&r), "paid", (json_int_t)paid, "failed",
                             (json_int_t)failed, "changed", (json_int_t)changed);
    return write_commit_or_reply(rq, rs,
                                 &(audit_entry){.action = "assist_bank_return", .entity = "assistance_payment_run",
                                                .entity_id = r.id, .detail = detail},
                                 200, body);
}

/* ---- adjustments ------------------------------------------------------------------ */

/* POST /api/v1/assistance/adjustments — roles: street.
 * Body: case_id*, corrects_run_id* (a frozen run of the case's
 * programme the case was in, was held from, or whose month its period
 * covers), amount_fen* (≠ 0; negative: a deduction), reason*. The next
 * run of the programme carries it (once). Reply 201: {id, …}. Errors:
 * 400 field; 404 case outside scope. */
static int adjustments_create(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"case_id", "corrects_run_id", "amount_fen", "reason", NULL};
    int64_t case_id = 0, run_id = 0, fen = 0;
    const char *reason = NULL;
    ms_err err;
    if (body_only(rq, rs, FIELDS) != 0)
        return -1;
    if (body_int(rq, rs, "case_id", &case_id) <= 0)
        return rs->status ? -1 : reply_bad_request(rs, "case_id", "缺少必填字段 case_id（救助对象）");
    if (body_int(rq, rs, "corrects_run_id", &run_id) <= 0)
        return rs->status ? -1 : reply_bad_request(rs, "corrects_run_id", "缺少必填字段 corrects_run_id（所更正的发放批次）");
    if (body_int(rq, rs, "amount_fen", &fen) <= 0)
        return rs->status ? -1 : reply_bad_request(rs, "amount_fen", "缺少必填字段 amount_fen（金额，单位：分）");
    if (body_str_required(rq, rs, "reason", &reason) < 0 || write_begin_or_reply(rq, rs) != 0)
        return -1;
    int64_t id = pay_adjustment_create(rq->db, &rq->user, case_id, run_id, fen, reason, &err);
    if (id < 0)
        return write_fail_or_reply(rq, rs, &err);
    json_t *body = json_pack("{s:I, s:I, s:I, s:I, s:s, s:n}", "id", (json_int_t)id, "case_id", (json_int_t)case_id,
                             "corrects_run_id", (json_int_t)run_id, "amount_fen", (json_int_t)fen, "reason", reason,
                             "applied_run_id");
    char detail[200], y[40];
    snprintf(detail, sizeof detail, "%s %s 元，更正发放批次 #%lld", fen > 0 ? "补发" : "扣减",
             benefit_yuan(fen > 0 ? fen : -fen, y, sizeof y), (long long)run_id);
    return write_commit_or_reply(rq, rs,
                                 &(audit_entry){.action = "assist_adjustment_create", .entity = "assistance_adjustment",
                                                .entity_id = id, .after = body, .detail = detail},
                                 201, body);
}

/* GET /api/v1/assistance/adjustments — roles: street, community.
 * Query: case_id, pending=1 (not yet carried by a run), page, page_size
 * (20, 50, 100). Reply: {items, page, page_size, total} of the caller's
 * scope, newest first: id, case_id, name, programme, corrects_run_id,
 * corrects_month, amount_fen, reason, applied_run_id, applied_month. */
static int adjustments_list(request *rq, response *rs)
{
    int64_t page, size, total, case_id;
    char end[256];
    if (paging_or_reply(rq, rs, &page, &size) != 0 ||
        req_query_int(rq, rs, "case_id", 0, 0, INT64_MAX, &case_id) < 0)
        return -1;
    org_path_end(rq->user.scope_path, end);
    json_t *items = json_array();
    if (pay_adjustments_page(rq->db, rq->user.scope_path, end, case_id, req_query_flag(rq, "pending"), page, size,
                             &total, items) != 0) {
        json_decref(items);
        return reply_internal(rs);
    }
    return reply_json(rs, 200, page_json(items, page, size, total));
}

/* ---- summary ------------------------------------------------------------------ */

/* GET /api/v1/assistance/summary — roles: street, community, viewer.
 * Query: from*, to* (YYYY-MM), org_unit_id (a unit in the caller's
 * scope; default the caller's own). Figures of the frozen runs of the
 * period, no names: {from, to, unit, programmes: [{code, name,
 * calc_kind, households (distinct households paid), people (the members
 * counted of each case's last line for a top-up, else one per case),
 * total_fen}], communities: [{id, name, households, total_fen}] (by
 * the cases' community), months: [{month, households, total_fen}],
 * total}.
 * Errors: 400 months; 404 unit outside scope. */
static int summary_get(request *rq, response *rs)
{
    const char *from, *to;
    org_unit u;
    if (month_param_or_reply(rq, rs, "from", &from, 1) != 0 || month_param_or_reply(rq, rs, "to", &to, 1) != 0 ||
        org_unit_param_or_reply(rq, rs, "org_unit_id", &u) != 0)
        return -1;
    if (strcmp(from, to) > 0)
        return reply_bad_request(rs, "to", "结束月份不能早于开始月份");
    json_t *j = pay_summary(rq->db, from, to, u.path);
    if (!j)
        return reply_internal(rs);
    json_object_set_new(j, "unit", json_pack("{s:I, s:s, s:s}", "id", (json_int_t)u.id, "name", u.name, "kind", u.kind));
    return reply_json(rs, 200, j);
}

const route assist_payment_routes[] = {
    {.method = "GET",  .pattern = "/api/v1/assistance/runs",                .handler = runs_list,      .roles = R_READ},
    {.method = "POST", .pattern = "/api/v1/assistance/runs",                .handler = runs_create,    .roles = R_PAY},
    {.method = "GET",  .pattern = "/api/v1/assistance/runs/{id}",           .handler = runs_get,       .roles = R_READ},
    {.method = "POST", .pattern = "/api/v1/assistance/runs/{id}/compute",   .handler = runs_recompute, .roles = R_PAY},
    {.method = "POST", .pattern = "/api/v1/assistance/runs/{id}/freeze",    .handler = runs_freeze,    .roles = R_PAY},
    {.method = "GET",  .pattern = "/api/v1/assistance/runs/{id}/bank.xlsx", .handler = runs_bank_xlsx, .roles = R_PAY},
    {.method = "GET",  .pattern = "/api/v1/assistance/runs/{id}/bank.csv",  .handler = runs_bank_csv,  .roles = R_PAY},
    {.method = "POST", .pattern = "/api/v1/assistance/runs/{id}/return",    .handler = runs_return,    .roles = R_PAY,
     .raw_body = 1, .max_body = 16u << 20},
    {.method = "GET",  .pattern = "/api/v1/assistance/adjustments",         .handler = adjustments_list,   .roles = R_READ},
    {.method = "POST", .pattern = "/api/v1/assistance/adjustments",         .handler = adjustments_create, .roles = R_PAY},
    {.method = "GET",  .pattern = "/api/v1/assistance/summary",             .handler = summary_get,    .roles = R_SUM},
    {0}
};
