/* import_api.c — POST /api/v1/import/residents (CSV or .xlsx body →
 * import report, or its preview with dry_run=1), POST
 * /api/v1/import/org-units (the org tree, same report) and GET
 * /api/v1/export/residents and /export/households (the current search
 * as CSV or .xlsx). The import engines and the export layouts are
 * import.c's, org_import.c's, household_export.c's and export_xlsx.c's;
 * the search filters resident_api.c's and household_api.c's; this file
 * only maps query parameters, scope and roles onto them and audits the
 * exports. */
#include "core/ratelimit.h"
#include "registry/export_xlsx.h"
#include "registry/household_export.h"
#include "registry/import.h"
#include "registry/org_import.h"
#include "registry/registry_api.h"
#include "server/write.h"
#include "util/validate.h"
#include "util/xlsx_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- import ------------------------------------------------------------ */

static int parse_mode(request *rq, response *rs, import_mode *out)
{
    const char *m = req_query(rq, "mode");
    *out = IMPORT_ALL_OR_NOTHING;
    if (!m || !*m || strcmp(m, "all") == 0)
        return 0;
    if (strcmp(m, "valid") == 0) {
        *out = IMPORT_VALID_ONLY;
        return 0;
    }
    return reply_bad_request(rs, "mode", "mode 只能是 all（全部正确才导入）或 valid（只导入正确的行）"), -1;
}

static int parse_encoding(request *rq, response *rs, csvr_encoding *out)
{
    const char *e = req_query(rq, "encoding");
    *out = CSVR_ENC_AUTO;
    if (!e || !*e || strcmp(e, "auto") == 0)
        return 0;
    if (strcasecmp(e, "utf-8") == 0 || strcasecmp(e, "utf8") == 0) {
        *out = CSVR_ENC_UTF8;
        return 0;
    }
    if (strcasecmp(e, "gbk") == 0 || strcasecmp(e, "gb18030") == 0) {
        *out = CSVR_ENC_GBK;
        return 0;
    }
    return reply_bad_request(rs, "encoding", "encoding 只能是 auto、utf-8 或 gbk"), -1;
}

/* 400 {"error": {...}, "report": report}; steals report. */
static int reply_rejected(response *rs, const char *message, json_t *report)
{
    json_t *err = json_pack("{s:s, s:s}", "code", "bad_request", "message", message);
    return reply_json(rs, 400, json_pack("{s:o, s:o}", "error", err, "report", report));
}

static void rejected_message(const json_t *errors, size_t error_rows, char *out, size_t outsz)
{
    json_t *first = json_array_get(errors, 0);
    const char *msg = json_string_value(json_object_get(first, "message"));
    snprintf(out, outsz, "共 %zu 行有错误，未导入任何数据（第%lld行：%s）。请修改后重新导入，或选择只导入正确的行",
             error_rows, (long long)json_integer_value(json_object_get(first, "row")), msg ? msg : "");
}

/* The file_name query parameter (shown in the audit log): 0, or -1 replied. */
static int file_name_or_reply(request *rq, response *rs, const char **out)
{
    *out = req_query(rq, "file_name");
    if (*out && (utf8_length(*out) < 0 || utf8_length(*out) > 200 || !text_is_clean(*out, 0)))
        return reply_bad_request(rs, "file_name", "文件名无效（最多200字，不能含控制字符）"), -1;
    return 0;
}

/* The uploaded table (CSV or .xlsx) as a reader: NULL replied. */
static csvr *table_or_reply(request *rq, response *rs, csvr_encoding enc)
{
    char err[256];
    if (rq->body_len == 0)
        return reply_bad_request(rs, NULL, "请在请求内容中上传 CSV 或 Excel（.xlsx）文件"), NULL;
    csvr *in = table_open_memory(rq->body, rq->body_len, enc, err, sizeof err);
    if (!in)
        reply_bad_request(rs, NULL, err);
    return in;
}

static int client_gone(void *ctx)
{
    return req_client_gone(ctx);
}

/* POST /api/v1/import/residents — roles: registry writers; body: the
 * CSV file itself (up to 64 MiB, UTF-8 or GBK) or an Excel workbook
 * (.xlsx, told by its content: its first sheet; row = the sheet's row).
 * Query: mode (all|valid), encoding (auto|utf-8|gbk), mapping
 * ("表头=field,…"), file_name (shown in the audit log), dry_run=1 (a
 * preview: every row checked as the import checks it, nothing written,
 * no batch; the import's report with "dry_run": true, its counts what
 * the import would do — none in all-or-nothing mode with a bad row —,
 * always 200 once the rows were read: bad rows are what a preview is
 * for; audited import_preview). Only grids in
 * the caller's scope are accepted. Rows are written in short
 * transactions (other writers are not held up) that nobody else sees
 * until the import is committed as a whole; a failed or cancelled
 * import (client gone) is undone. Reply: the import report with its
 * `batch` id. Errors: 400 with the report (bad rows in all-or-nothing
 * mode, bad header); 409 another import is running (Retry-After);
 * 503 database busy. */
static int import_residents_csv(request *rq, response *rs)
{
    import_options o;
    import_report rep;
    char msg[768];
    memset(&o, 0, sizeof o);
    if (parse_mode(rq, rs, &o.mode) != 0 || parse_encoding(rq, rs, &o.enc) != 0 ||
        file_name_or_reply(rq, rs, &o.file_name) != 0)
        return -1;
    csvr *in = table_or_reply(rq, rs, o.enc);
    if (!in)
        return -1;
    o.mapping = req_query(rq, "mapping");
    o.dry_run = req_query_flag(rq, "dry_run");
    o.scope_path = rq->user.scope_path;
    o.user_id = rq->user.id;
    o.username = rq->user.username;
    o.client_ip = rq->client_ip;
    o.cancelled = client_gone;
    o.cancel_ctx = rq;
    int rc = import_residents(rq->db, in, &o, &rep);
    csvr_close(in);
    json_t *report = import_report_json(&rep);
    if (o.dry_run && rc == IMPORT_ROWS_REJECTED)
        rc = IMPORT_OK;   /* what a preview found, not a refusal: the report says the import would import nothing */
    switch (rc) {
    case IMPORT_OK:
        reply_json(rs, 200, report);
        break;
    case IMPORT_ROWS_REJECTED:
        rejected_message(rep.errors, rep.error_rows, msg, sizeof msg);
        reply_rejected(rs, msg, report);
        break;
    case IMPORT_FATAL:
    case IMPORT_CANCELLED:
        reply_rejected(rs, rep.fatal, report);
        break;
    case IMPORT_CONFLICT:
        json_decref(report);
        rs->retry_after = 30;
        reply_error(rs, 409, "conflict", NULL, "%s", rep.fatal);
        break;
    default:
        json_decref(report);
        reply_error(rs, 503, "busy", NULL, "导入失败（%s），未导入的数据已回滚，请稍后重试", rep.fatal);
        break;
    }
    import_report_free(&rep);
    return 0;
}

/* POST /api/v1/import/org-units — roles: street, community; body: the
 * org table, CSV (UTF-8 or GBK) or .xlsx (up to 16 MiB): columns 层级
 * (街道/社区/网格/楼栋 or street/community/grid/building), 编码, 名称,
 * 上级编码; optional 网格员, 网格员电话 (grid rows), 楼长, 楼长电话
 * (building rows), 负责人, 负责人电话 (street and community rows), 边界
 * (GeoJSON Polygon or MultiPolygon). Rows in any order; each parent in
 * the file or an existing unit inside the caller's scope (a community
 * account: its own community's grids and buildings). Existing codes are
 * row errors, never updated. Query: mode (all|valid), encoding
 * (auto|utf-8|gbk), file_name (for the audit row), dry_run=1 (a
 * preview: the whole import run in its transaction, then rolled back;
 * 200 with the report and "dry_run": true, bad rows included; no audit
 * row: nothing written, and the org tree is no one's personal data). One transaction with
 * one audit row (import, org_unit: the counts and the codes created).
 * Reply 200: the report {rows, created, created_by_level, error_rows,
 * errors: [{row, field, message}]}. Errors: 400 with the report (a bad
 * row in all-or-nothing mode: nothing created; bad header; unreadable
 * file); 503 database busy. */
static int import_org_units(request *rq, response *rs)
{
    org_import_options o = {0};
    org_import_report rep;
    csvr_encoding enc;
    char msg[768], detail[600];
    if (parse_mode(rq, rs, &o.mode) != 0 || parse_encoding(rq, rs, &enc) != 0 ||
        file_name_or_reply(rq, rs, &o.file_name) != 0)
        return -1;
    csvr *in = table_or_reply(rq, rs, enc);
    if (!in)
        return -1;
    o.scope_path = rq->user.scope_path;
    int dry_run = req_query_flag(rq, "dry_run");
    if (write_begin_or_reply(rq, rs) != 0) {
        csvr_close(in);
        return -1;
    }
    int rc = org_import(rq->db, in, &o, &rep);
    csvr_close(in);
    json_t *report = org_import_report_json(&rep);
    if (rc == IMPORT_OK && !dry_run) {
        audit_entry e;
        json_t *after = org_import_audit_entry(&o, &rep, detail, sizeof detail, &e);
        write_commit_or_reply(rq, rs, &e, 200, report);
        json_decref(after);
    } else {
        /* Rows rejected, or a preview: the units made go with the transaction. */
        db_rollback(rq->db);
        if (dry_run)
            json_object_set_new(report, "dry_run", json_true());
        if (rc == IMPORT_OK || (dry_run && rc == IMPORT_ROWS_REJECTED)) {
            reply_json(rs, 200, report);   /* a preview's bad rows are its finding, not a refusal */
        } else if (rc == IMPORT_ROWS_REJECTED) {
            rejected_message(rep.errors, rep.error_rows, msg, sizeof msg);
            reply_rejected(rs, msg, report);
        } else if (rc == IMPORT_FATAL) {
            reply_rejected(rs, rep.fatal, report);
        } else {
            json_decref(report);
            reply_error(rs, 503, "busy", NULL, "导入失败（%s），请稍后重试", rep.fatal);
        }
    }
    org_import_report_free(&rep);
    return 0;
}

/* ---- export ------------------------------------------------------------ */

static int strbuf_sink(const char *data, size_t len, void *ctx)
{
    sb_append(ctx, data, len);
    return 0;
}

/* A bulk export of full ID numbers, birth dates and phones is allowed
 * with a stated purpose (kept in its audit row), 5 an hour per user. */
static const rate_limit FULL_EXPORT = {.name = "export_full", .max = 5, .window_s = 3600};

static int full_export_purpose_or_reply(request *rq, response *rs, const char **purpose)
{
    *purpose = req_query(rq, "purpose");
    long n = *purpose ? utf8_length(*purpose) : 0;
    if (n < 2 || n > 200)
        return reply_bad_request(rs, "purpose", "导出完整身份证号须说明用途（purpose，2到200字），用途记入审计日志"), -1;
    int wait = rate_limit_take(rq->db, &FULL_EXPORT, rq->user.id, 0);
    if (wait < 0)
        return reply_error(rs, 503, "busy", NULL, "系统繁忙，请稍后重试"), -1;
    if (wait) {
        rs->retry_after = wait;
        return reply_error(rs, 429, "too_many_requests", NULL, "完整信息导出过于频繁（每小时最多 %d 次），请 %d 秒后再试",
                           FULL_EXPORT.max, wait), -1;
    }
    return 0;
}

/* An export holds at most this many residents (a street's registry is
 * tens of thousands; a bigger one is exported community by community). */
#define EXPORT_MAX_ROWS 200000L

/* format=csv (default) or xlsx into *xlsx: 0, or -1 replied. */
static int export_format_or_reply(request *rq, response *rs, int *xlsx)
{
    const char *f = req_query(rq, "format");
    *xlsx = f && strcmp(f, "xlsx") == 0;
    if (!f || !*f || *xlsx || strcmp(f, "csv") == 0)
        return 0;
    return reply_bad_request(rs, "format", "format 只能是 csv 或 xlsx"), -1;
}

/* The list's sort (sort=, as the list takes it from sort_keys, ties by
 * id_expr in the same direction) into order (an ORDER BY body), ""
 * without one: the export's own order. 0, or -1 replied. */
static int export_order_or_reply(request *rq, response *rs, const char *const *sort_keys, const char *id_expr,
                                 char order[160])
{
    page_req pg;
    order[0] = '\0';
    if (!req_query(rq, "sort"))
        return 0;
    if (req_page(rq, rs, sort_keys, &pg) != 0)
        return -1;
    snprintf(order, 160, "%s, %s %s", pg.order_by, id_expr, pg.desc ? "DESC" : "ASC");
    return 0;
}

/* Content-Disposition: an attachment named ascii, and name (UTF-8) as
 * RFC 5987's filename* for the browsers, which all read it. 0, or -1
 * when name does not fit (then the ASCII name alone). */
static int reply_attachment(response *rs, const char *ascii, const char *name)
{
    static const char KEEP[] = "!#$&+-.^_`|~";
    char enc[768];
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p && n + 4 < sizeof enc; p++) {
        if ((*p >= '0' && *p <= '9') || ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') || strchr(KEEP, *p))
            enc[n++] = (char)*p;
        else
            n += (size_t)snprintf(enc + n, sizeof enc - n, "%%%02X", *p);
    }
    enc[n] = '\0';
    size_t cap = sizeof rs->content_disposition;
    if ((size_t)snprintf(rs->content_disposition, cap, "attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii,
                         enc) < cap)
        return 0;
    snprintf(rs->content_disposition, cap, "attachment; filename=\"%s\"", ascii);
    return -1;
}

/* What every export parses first: format, and full_id (the role's
 * right; the purpose is asked once the filters are good). 0, or -1
 * replied. */
static int export_begin_or_reply(request *rq, response *rs, int *xlsx, int *full)
{
    *full = req_query_flag(rq, "full_id");
    if (*full && !(rq->user.role & ROLES_FULL_ID))
        return reply_forbidden(rs, "您的角色无权导出完整身份证号"), -1;
    return export_format_or_reply(rq, rs, xlsx);
}

/* Ends an export of n rows (or EXPORT_TOO_MANY, or -1): audits it
 * (export, entity, in unit's scope, detail) and replies the workbook
 * (*xlsx_body, taken) or the CSV (csv, taken), named title-单位-日期 (and
 * ascii for old clients). 0, or -1 replied. */
static int export_finish_or_reply(request *rq, response *rs, long n, const char *entity, const org_unit *unit,
                                  const char *detail, char **xlsx_body, size_t xlsx_len, strbuf *csv,
                                  const char *ascii, const char *title)
{
    char file[192], fallback[64];
    int xlsx = *xlsx_body != NULL;
    if (n == EXPORT_TOO_MANY)
        return reply_bad_request(rs, NULL, "导出结果超过 200000 条，请缩小范围（按社区、网格或查询条件）后分批导出"), -1;
    if (n < 0)
        return reply_internal(rs), -1;
    if (write_begin_or_reply(rq, rs) != 0 ||
        write_commit_only_or_reply(rq, rs, &(audit_entry){.action = "export", .entity = entity,
                                                          .org_path = unit->path, .detail = detail}) != 0)
        return -1;
    if (xlsx) {
        reply_raw(rs, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", *xlsx_body, xlsx_len);
        *xlsx_body = NULL;
    } else {
        size_t len = csv->len;
        reply_raw(rs, 200, "text/csv; charset=utf-8", sb_detach(csv), len);
    }
    /* 居民名册-阳光社区-20260301.xlsx; a name too long for the header: the unit's code */
    const char *ext = xlsx ? "xlsx" : "csv";
    snprintf(fallback, sizeof fallback, "%s.%s", ascii, ext);
    snprintf(file, sizeof file, "%s-%s-%d.%s", title, unit->name, date_today_local(), ext);
    if (reply_attachment(rs, fallback, file) != 0) {
        snprintf(file, sizeof file, "%s-%s-%d.%s", title, unit->code, date_today_local(), ext);
        reply_attachment(rs, fallback, file);
    }
    return 0;
}

/* GET /api/v1/export/residents — roles: street, community, grid.
 * Query: the filters of GET /api/v1/residents (org_unit_id — default
 * own unit —, status — default active —, name, id_number, phone, tag,
 * phone_tail, id_tail, household_id, import_batch_id, age_min,
 * age_max: the same rules, rights and limits), sort (as the list; without
 * it by grid, household, head first: the order an import reads back),
 * format (csv — default — or xlsx), full_id=1 (roles with the right:
 * full ID numbers, birth dates and phones) with purpose (the stated
 * purpose, recorded in the audit row; 5 such exports an hour per
 * user). Reply: CSV (UTF-8 with BOM; a full one the import reads back)
 * or an .xlsx workbook (export_xlsx.h: text cells, frozen Chinese
 * header); Content-Disposition names it 居民名册-单位-日期 (filename*);
 * header X-Export-Fields lists its fields (":masked" on ID numbers and
 * phones unless full_id=1); the export is audited with its filters, the
 * number of residents and the fields in Chinese. Errors: 400 parameter,
 * purpose missing, more than EXPORT_MAX_ROWS residents; 403 full_id,
 * exact search or tag without the right; 404 unit; 429 (Retry-After)
 * too many full exports or exact searches. */
static int export_residents_route(request *rq, response *rs)
{
    query q;
    resident_filters rf;
    strbuf csv = STRBUF_INIT;
    char *body = NULL, order[160], detail[2560], names[640], filters[512];
    size_t len = 0;
    const char *purpose = NULL;
    int xlsx, full, rc = -1;
    q_init(&q, "");
    if (export_begin_or_reply(rq, rs, &xlsx, &full) != 0 ||
        export_order_or_reply(rq, rs, resident_sort_keys(full), "r.id", order) != 0 ||
        resident_filters_or_reply(rq, rs, full, NULL, &q, &rf) != 0 ||
        (full && full_export_purpose_or_reply(rq, rs, &purpose) != 0))
        goto out;
    export_filter f = {.scope_path = NULL, .full_id = full, .full_phone = full, .where = &q,
                       .order_by = order[0] ? order : NULL, .max_rows = EXPORT_MAX_ROWS};
    long n = xlsx ? export_residents_xlsx(rq->db, &f, &body, &len) : export_residents_write(rq->db, &f, strbuf_sink, &csv);
    export_residents_fields(&f, rs->export_fields, sizeof rs->export_fields, names, sizeof names);
    resident_filters_describe(rq, &rf, filters, sizeof filters);
    snprintf(detail, sizeof detail, "导出居民 %ld 人（%s）；条件：%s；完整身份证号：%s%s%s；字段：%s", n,
             xlsx ? "Excel" : "CSV", filters, full ? "是" : "否", full ? "；用途：" : "", full ? purpose : "", names);
    utf8_trim_partial(detail);
    rc = export_finish_or_reply(rq, rs, n, "resident", &rf.unit, detail, &body, len, &csv, "residents", "居民名册");
out:
    free(body);
    sb_free(&csv);
    q_free(&q);
    return rc;
}

/* GET /api/v1/export/households — roles: street, community, grid.
 * Query: the filters of GET /api/v1/households (org_unit_id — default
 * own unit —, q, head_name, tag, status — default active —,
 * import_batch_id), sort (as
 * the list; without it by grid and code), format (csv|xlsx), full_id=1
 * with purpose (full phones; the same right, audit and 5 an hour as
 * the residents export). Reply: CSV (UTF-8 with BOM) or .xlsx (sheet
 * 户名册), columns household_export.h's, Content-Disposition
 * 户名册-单位-日期, X-Export-Fields (phone:masked unless full_id=1);
 * audited (export, household) with its filters and count. Errors: 400
 * parameter, purpose missing, more than EXPORT_MAX_ROWS households; 403
 * full_id without the right; 404 unit; 429 too many full exports. */
static int export_households_route(request *rq, response *rs)
{
    static const char *const SHOWN[][2] = {{"q", "户编号或地址含"}, {"head_name", "户主姓名"},
                                           {"tag", "含标签"}, {"status", "状态"},
                                           {"import_batch_id", "导入批次"}, {"sort", "排序"}};
    query q;
    org_unit unit;
    strbuf csv = STRBUF_INIT;
    char *body = NULL, order[160], detail[2048], names[400], filters[512];
    size_t len = 0;
    const char *purpose = NULL;
    int xlsx, full, rc = -1;
    q_init(&q, "");
    if (export_begin_or_reply(rq, rs, &xlsx, &full) != 0 ||
        export_order_or_reply(rq, rs, household_sort_keys(), "h.id", order) != 0 ||
        household_filters_or_reply(rq, rs, &q, &unit) != 0 ||
        (full && full_export_purpose_or_reply(rq, rs, &purpose) != 0))
        goto out;
    household_export f = {.where = &q, .order_by = order[0] ? order : NULL, .full_phone = full,
                          .max_rows = EXPORT_MAX_ROWS};
    long n = xlsx ? household_export_xlsx(rq->db, &f, &body, &len) : household_export_csv(rq->db, &f, &csv);
    household_export_fields(&f, rs->export_fields, sizeof rs->export_fields, names, sizeof names);
    size_t k = (size_t)snprintf(filters, sizeof filters, "单位 %s（%s）", unit.name, unit.code);
    for (size_t i = 0; i < sizeof SHOWN / sizeof SHOWN[0] && k < sizeof filters; i++) {
        const char *v = req_query(rq, SHOWN[i][0]);
        if (v && *v)
            k += (size_t)snprintf(filters + k, sizeof filters - k, "，%s %s", SHOWN[i][1], v);
    }
    snprintf(detail, sizeof detail, "导出户 %ld 户（%s）；条件：%s；完整电话：%s%s%s；字段：%s", n,
             xlsx ? "Excel" : "CSV", filters, full ? "是" : "否", full ? "；用途：" : "", full ? purpose : "", names);
    utf8_trim_partial(detail);
    rc = export_finish_or_reply(rq, rs, n, "household", &unit, detail, &body, len, &csv, "households", "户名册");
out:
    free(body);
    sb_free(&csv);
    q_free(&q);
    return rc;
}

#define IMPORT_MAX_BODY (64u << 20)
#define ORG_IMPORT_MAX_BODY (16u << 20)

const route import_routes[] = {
    {.method = "POST", .pattern = "/api/v1/import/residents", .handler = import_residents_csv,
     .roles = ROLES_REGISTRY_WRITE, .max_body = IMPORT_MAX_BODY, .raw_body = 1},
    {.method = "POST", .pattern = "/api/v1/import/org-units", .handler = import_org_units,
     .roles = ROLE_STREET | ROLE_COMMUNITY, .max_body = ORG_IMPORT_MAX_BODY, .raw_body = 1},
    {.method = "GET",  .pattern = "/api/v1/export/residents", .handler = export_residents_route,
     .roles = ROLES_FULL_ID},
    {.method = "GET",  .pattern = "/api/v1/export/households", .handler = export_households_route,
     .roles = ROLES_FULL_ID},
    {0}
};
