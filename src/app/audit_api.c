/* audit_api.c — GET /api/v1/audit: the audit log for the auditor
 * alone, newest first, filtered by user, action, entity, outcome and
 * date; GET /api/v1/audit/export: the same rows as CSV for the auditor;
 * GET /api/v1/audit/actions: the action codes with their Chinese names.
 * Owns the audit_log SELECT (writing is core/audit.c's). Callers see rows
 * whose org_path is NULL (street-wide events such as sign-ins) or lies
 * inside their own scope. Dates are Beijing calendar days (UTC+8), the
 * log stores UTC and shows Beijing time with its zone (+08:00). */
#include "app/app.h"
#include "server/write.h"
#include "storage/query.h"
#include "util/csvfile.h"
#include "util/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const SQL_SELECT =
    "SELECT a.id, a.at, a.user_id, a.username, a.action, a.entity, a.entity_id, a.org_path,"
    " a.before_json, a.after_json, a.client_ip, a.detail, a.outcome FROM audit_log a";
static const char *const SQL_COUNT = "SELECT COUNT(*) FROM audit_log a";

/* Newest first by default; ties by id in the sort's direction. */
static const char *const SORT_KEYS[] = {"-at", "a.at", "id", "a.id", NULL};

/* ---- rows → JSON ------------------------------------------------------------- */

static json_t *text_or_null(db_stmt *s, int col)
{
    return db_col_is_null(s, col) ? json_null() : json_string(db_col_text(s, col));
}

/* Stored JSON images are returned as JSON (as text if unparsable). */
static json_t *json_column(db_stmt *s, int col)
{
    if (db_col_is_null(s, col))
        return json_null();
    json_t *j = json_loads(db_col_text(s, col), 0, NULL);
    return j ? j : json_string(db_col_text(s, col));
}

static json_t *audit_row_json(db_stmt *s)
{
    char at[32];
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(db_col_int(s, 0)));
    json_object_set_new(j, "at", json_string(audit_beijing_time(db_col_text(s, 1), at)));
    json_object_set_new(j, "user_id", db_col_is_null(s, 2) ? json_null() : json_integer(db_col_int(s, 2)));
    json_object_set_new(j, "username", text_or_null(s, 3));
    json_object_set_new(j, "action", json_string(db_col_text(s, 4)));
    json_object_set_new(j, "action_label", json_string(audit_action_label(db_col_text(s, 4))));
    json_object_set_new(j, "entity", text_or_null(s, 5));
    json_object_set_new(j, "entity_id", db_col_is_null(s, 6) ? json_null() : json_integer(db_col_int(s, 6)));
    json_object_set_new(j, "org_path", text_or_null(s, 7));
    json_object_set_new(j, "before", json_column(s, 8));
    json_object_set_new(j, "after", json_column(s, 9));
    json_object_set_new(j, "client_ip", text_or_null(s, 10));
    json_object_set_new(j, "detail", text_or_null(s, 11));
    json_object_set_new(j, "outcome", json_string(db_col_text(s, 12)));
    return j;
}

/* ---- filters ------------------------------------------------------------------ */

static int add_text_filter(request *rq, response *rs, query *q, const char *key, const char *cond)
{
    const char *v = req_query(rq, key);
    if (!v || !*v)
        return 0;
    long n = utf8_length(v);
    if (n < 1 || n > 64)
        return reply_error(rs, 400, "bad_request", key, "参数 %s 无效", key), -1;
    q_where(q, cond);
    q_bind_text(q, v);
    return 0;
}

/* "YYYY-MM-DDTHH:MM" or "…:SS" (or a space for the T), a Beijing time:
 * the UTC time_t of its first second, *secs the length of the span it
 * names (60 or 1); -1 when malformed. */
static time_t beijing_time(const char *v, int *secs)
{
    static const char SHAPE[] = "dddd-dd-ddTdd:dd:dd";
    size_t n = strlen(v);
    char day[11];
    if (n != 16 && n != 19)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (SHAPE[i] == 'd' ? (v[i] < '0' || v[i] > '9') : SHAPE[i] == 'T' ? (v[i] != 'T' && v[i] != ' ') : v[i] != SHAPE[i])
            return -1;
    snprintf(day, sizeof day, "%.10s", v);
    int h = atoi(v + 11), mi = atoi(v + 14), sec = n == 19 ? atoi(v + 17) : 0;
    if (!date_is_valid(day) || h > 23 || mi > 59 || sec > 59)
        return -1;
    *secs = n == 19 ? 1 : 60;
    struct tm tm = {.tm_year = atoi(v) - 1900, .tm_mon = atoi(v + 5) - 1, .tm_mday = atoi(v + 8), .tm_hour = h,
                    .tm_min = mi, .tm_sec = sec};
    return timegm(&tm) - 8 * 3600;   /* Beijing, UTC+8 all year */
}

/* from/to: a Beijing date ("2026-03-01": from its midnight; `to`
 * inclusive: before the next day's) or a Beijing time ("2026-03-01T08:30",
 * `to` inclusive of that minute or second). */
static int add_date_filter(request *rq, response *rs, query *q, const char *key, int is_end)
{
    char ts[21];
    int span;
    time_t t;
    const char *v = req_query(rq, key);
    if (!v || !*v)
        return 0;
    if (date_is_valid(v))
        audit_day_start_utc(v, is_end ? 1 : 0, ts);
    else if ((t = beijing_time(v, &span)) != -1)
        audit_iso_utc(t + (is_end ? span : 0), ts);
    else
        return reply_error(rs, 400, "bad_request", key,
                           "参数 %s 应为 YYYY-MM-DD 格式的日期或 YYYY-MM-DDTHH:MM 格式的时间", key), -1;
    q_where(q, is_end ? "a.at < ?" : "a.at >= ?");
    q_bind_text(q, ts);
    return 0;
}

static int add_filters(request *rq, response *rs, query *q)
{
    q_where(q, "(a.org_path IS NULL OR a.org_path LIKE ? || '%')");
    q_bind_text(q, rq->user.scope_path);
    if (req_query_id_filter_or_reply(rq, rs, q, "user_id", "a.user_id = ?") != 0 ||
        add_text_filter(rq, rs, q, "username", "a.username = ?") != 0 ||
        add_text_filter(rq, rs, q, "action", "a.action = ?") != 0 ||
        add_text_filter(rq, rs, q, "entity", "a.entity = ?") != 0 ||
        add_text_filter(rq, rs, q, "outcome", "a.outcome = ?") != 0 ||
        req_query_id_filter_or_reply(rq, rs, q, "entity_id", "a.entity_id = ?") != 0 ||
        add_date_filter(rq, rs, q, "from", 0) != 0 || add_date_filter(rq, rs, q, "to", 1) != 0)
        return -1;
    const char *from = req_query(rq, "from"), *to = req_query(rq, "to");
    if (from && to && *from && *to && strncmp(from, to, 10) > 0)
        return reply_bad_request(rs, "to", "结束日期不能早于开始日期"), -1;
    return 0;
}

/* GET /api/v1/audit — roles: auditor (only: separation of duties).
 * Query: user_id, username (exact), action, entity, entity_id, outcome
 * (success|failure), from, to (Beijing dates, inclusive, or Beijing times
 * YYYY-MM-DDTHH:MM[:SS]), page, page_size, sort (at|id, -
 * for desc; default -at, newest first), cursor (next_cursor of the
 * previous page: rows after it, at any depth; not with page).
 * Reply: page of rows with before/after images, outcome, action (the
 * code) with action_label (its Chinese name) and `at` in Beijing time
 * (+08:00), with total (counted up to the count cap, serve
 * --count-cap, default 10,000: beyond it total is the cap and
 * total_is_estimate true), total_is_estimate and next_cursor (null on
 * the last page). Errors: 400 parameter (cursor malformed, of another
 * sort, or with page). */
static int audit_list(request *rq, response *rs)
{
    query q;
    page_req pg;
    page_pick pk = {0};
    db_stmt *s = NULL;
    int64_t total;
    int rc = -1;

    q_init(&q, "");
    if (req_page_keyset(rq, rs, SORT_KEYS, "a.id", &pg) != 0 || add_filters(rq, rs, &q) != 0 ||
        page_count_capped_or_reply(rq, rs, "FROM audit_log a", &q, &pg, &total) != 0 ||
        page_pick_or_reply(rq, rs, "FROM audit_log a", &q, &pg, NULL, NULL, 0, &pk) != 0)
        goto cleanup;
    if (!(s = page_fetch(rq, SQL_SELECT, &pg, &pk))) {
        rc = reply_internal(rs);
        goto cleanup;
    }
    json_t *items = json_array();
    while (db_step(s) == DB_ROW)
        json_array_append_new(items, audit_row_json(s));
    rc = reply_json(rs, 200, page_result(items, &pg, total));
cleanup:
    db_finalize(s);
    page_pick_release(&pk);
    q_free(&q);
    return rc;
}

/* ---- export -------------------------------------------------------------------- */

#define EXPORT_MAX_ROWS 200000

static const char *const EXPORT_HEADER[] = {"编号", "时间（北京时间）", "用户ID", "用户名", "操作", "结果", "对象",
                                            "对象ID", "范围", "客户端地址", "详情", "修改前", "修改后", "操作代码"};

/* EXPORT_HEADER's fields as codes: the X-Export-Fields header. */
static const char EXPORT_FIELDS[] = "id,at,user_id,username,action_label,outcome,entity,entity_id,org_path,client_ip,"
                                    "detail,before,after,action";

/* One row of SQL_SELECT as CSV fields, in EXPORT_HEADER's order. */
static void export_row(db_stmt *s, strbuf *out)
{
    char id[24], uid[24], eid[24], at[32];
    snprintf(id, sizeof id, "%lld", (long long)db_col_int(s, 0));
    snprintf(uid, sizeof uid, "%s", db_col_is_null(s, 2) ? "" : db_col_text(s, 2));
    snprintf(eid, sizeof eid, "%s", db_col_is_null(s, 6) ? "" : db_col_text(s, 6));
    const char *f[] = {id, audit_beijing_time(db_col_text(s, 1), at), uid, db_col_text(s, 3),
                       audit_action_label(db_col_text(s, 4)),
                       strcmp(db_col_text(s, 12), "failure") == 0 ? "失败" : "成功", db_col_text(s, 5), eid,
                       db_col_text(s, 7), db_col_text(s, 10), db_col_text(s, 11), db_col_text(s, 8),
                       db_col_text(s, 9), db_col_text(s, 4)};
    csvw_row(out, f, sizeof f / sizeof f[0]);
}

/* "导出审计日志 N 条；条件 action=login from=2026-01-01" into out. */
static void export_detail(request *rq, int64_t n, char *out, size_t outsz)
{
    static const char *const KEYS[] = {"user_id", "username", "action", "entity", "entity_id", "outcome", "from", "to", NULL};
    strbuf sb = STRBUF_INIT;
    sb_printf(&sb, "导出审计日志 %lld 条；条件", (long long)n);
    size_t bare = sb.len;
    for (size_t i = 0; KEYS[i]; i++) {
        const char *v = req_query(rq, KEYS[i]);
        if (v && *v)
            sb_printf(&sb, " %s=%s", KEYS[i], v);
    }
    snprintf(out, outsz, "%s%s", sb.data, sb.len == bare ? "：全部" : "");
    utf8_trim_partial(out);
    sb_free(&sb);
}

/* GET /api/v1/audit/export — roles: auditor.
 * Query: the list's filters (user_id, username, action, entity,
 * entity_id, outcome, from, to). Reply: CSV (UTF-8 with BOM, Chinese headers;
 * 操作 is the action's Chinese name, its code last in 操作代码;
 * header X-Export-Fields lists the fields as codes),
 * oldest first; the export itself is audited (action export, entity
 * audit_log). Errors: 400 parameter, or more than 200,000 rows (narrow
 * the dates). */
static int audit_export(request *rq, response *rs)
{
    query q;
    strbuf out = STRBUF_INIT;
    char detail[300];
    int rc = -1;
    q_init(&q, "");
    if (add_filters(rq, rs, &q) != 0)
        goto cleanup;
    db_stmt *c = q_prepare_with(rq->db, SQL_COUNT, &q, "");
    int64_t n = db_step(c) == DB_ROW ? db_col_int(c, 0) : -1;
    db_finalize(c);
    if (n < 0) {
        reply_internal(rs);
        goto cleanup;
    }
    if (n > EXPORT_MAX_ROWS) {
        reply_error(rs, 400, "bad_request", "from", "符合条件的记录有 %lld 条，超过一次导出的上限 %d 条，请缩小日期范围",
                    (long long)n, EXPORT_MAX_ROWS);
        goto cleanup;
    }
    sb_puts(&out, "\xEF\xBB\xBF");
    csvw_row(&out, EXPORT_HEADER, sizeof EXPORT_HEADER / sizeof EXPORT_HEADER[0]);
    db_stmt *s = q_prepare_with(rq->db, SQL_SELECT, &q, " ORDER BY a.id");
    while (db_step(s) == DB_ROW)
        export_row(s, &out);
    db_finalize(s);
    export_detail(rq, n, detail, sizeof detail);
    if (write_begin_or_reply(rq, rs) != 0 ||
        write_commit_only_or_reply(rq, rs, &(audit_entry){.action = "export", .entity = "audit_log",
                                                          .org_path = rq->user.scope_path, .detail = detail}) != 0)
        goto cleanup;
    size_t len = out.len;
    reply_raw(rs, 200, "text/csv; charset=utf-8", sb_detach(&out), len);
    snprintf(rs->content_disposition, sizeof rs->content_disposition, "attachment; filename=\"audit-log.csv\"");
    snprintf(rs->export_fields, sizeof rs->export_fields, "%s", EXPORT_FIELDS);
    rc = 0;
cleanup:
    sb_free(&out);
    q_free(&q);
    return rc;
}

/* GET /api/v1/audit/actions — roles: auditor.
 * Reply: {items: [{code, label}]}: every action code the program writes
 * with its Chinese name (core/audit_names.c), for the list's filter. */
static int audit_actions(request *rq, response *rs)
{
    json_t *items = json_array();
    const char *code, *label;
    for (size_t i = 0; (code = audit_action_at(i, &label)) != NULL; i++)
        json_array_append_new(items, json_pack("{s:s, s:s}", "code", code, "label", label));
    return reply_json(rs, 200, json_pack("{s:o}", "items", items));
}

const route audit_routes[] = {
    {.method = "GET", .pattern = "/api/v1/audit/actions", .handler = audit_actions, .roles = ROLE_AUDITOR},
    {.method = "GET", .pattern = "/api/v1/audit", .handler = audit_list, .roles = ROLE_AUDITOR, .read_heavy = 1},
    {.method = "GET", .pattern = "/api/v1/audit/export", .handler = audit_export, .roles = ROLE_AUDITOR},
    {0}
};
