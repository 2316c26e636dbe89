/* audit_api.c — GET /api/v1/audit: the audit log for auditors and
 * admins, newest first, filtered by user, action, entity and date.
 * Owns the audit_log SELECT (writing is audit.c's). Callers see rows
 * whose org_path is NULL (street-wide events such as sign-ins) or lies
 * inside their own scope. Dates are local calendar days, converted to
 * the UTC timestamps the log stores. */
#include "server/handlers.h"
#include "server/scope.h"
#include "storage/query.h"
#include "util/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const SQL_SELECT =
    "SELECT a.id, a.at, a.user_id, a.username, a.action, a.entity, a.entity_id, a.org_path,"
    " a.before_json, a.after_json, a.client_ip, a.detail FROM audit_log a";
static const char *const SQL_COUNT = "SELECT COUNT(*) FROM audit_log a";

static const char *const SORT_KEYS[] = {"at", "a.at", "id", "a.id", NULL};

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
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(db_col_int(s, 0)));
    json_object_set_new(j, "at", json_string(db_col_text(s, 1)));
    json_object_set_new(j, "user_id", db_col_is_null(s, 2) ? json_null() : json_integer(db_col_int(s, 2)));
    json_object_set_new(j, "username", text_or_null(s, 3));
    json_object_set_new(j, "action", json_string(db_col_text(s, 4)));
    json_object_set_new(j, "entity", text_or_null(s, 5));
    json_object_set_new(j, "entity_id", db_col_is_null(s, 6) ? json_null() : json_integer(db_col_int(s, 6)));
    json_object_set_new(j, "org_path", text_or_null(s, 7));
    json_object_set_new(j, "before", json_column(s, 8));
    json_object_set_new(j, "after", json_column(s, 9));
    json_object_set_new(j, "client_ip", text_or_null(s, 10));
    json_object_set_new(j, "detail", text_or_null(s, 11));
    return j;
}

/* ---- filters ------------------------------------------------------------------ */

/* Local midnight of "YYYY-MM-DD" plus add_days, as a UTC timestamp
 * string like those in audit_log.at. */
static void local_day_to_utc(const char *ymd, int add_days, char out[20])
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    sscanf(ymd, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_mday += add_days;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    struct tm utc;
    gmtime_r(&t, &utc);
    strftime(out, 20, "%Y-%m-%d %H:%M:%S", &utc);
}

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

static int add_int_filter(request *rq, response *rs, query *q, const char *key, const char *cond)
{
    int64_t v;
    int rc = req_query_int(rq, rs, key, 0, 1, INT64_MAX, &v);
    if (rc < 0)
        return -1;
    if (rc > 0) {
        q_where(q, cond);
        q_bind_int(q, v);
    }
    return 0;
}

static int add_date_filter(request *rq, response *rs, query *q, const char *key, int is_end)
{
    char ts[20];
    const char *v = req_query(rq, key);
    if (!v || !*v)
        return 0;
    if (!date_is_valid(v))
        return reply_error(rs, 400, "bad_request", key, "参数 %s 应为 YYYY-MM-DD 格式的日期", key), -1;
    /* `to` is inclusive: everything before the next day's midnight. */
    local_day_to_utc(v, is_end ? 1 : 0, ts);
    q_where(q, is_end ? "a.at < ?" : "a.at >= ?");
    q_bind_text(q, ts);
    return 0;
}

static int add_filters(request *rq, response *rs, query *q)
{
    q_where(q, "(a.org_path IS NULL OR a.org_path LIKE ? || '%')");
    q_bind_text(q, rq->user.scope_path);
    if (add_int_filter(rq, rs, q, "user_id", "a.user_id = ?") != 0 ||
        add_text_filter(rq, rs, q, "action", "a.action = ?") != 0 ||
        add_text_filter(rq, rs, q, "entity", "a.entity = ?") != 0 ||
        add_int_filter(rq, rs, q, "entity_id", "a.entity_id = ?") != 0 ||
        add_date_filter(rq, rs, q, "from", 0) != 0 || add_date_filter(rq, rs, q, "to", 1) != 0)
        return -1;
    const char *from = req_query(rq, "from"), *to = req_query(rq, "to");
    if (from && to && *from && *to && strcmp(from, to) > 0)
        return reply_bad_request(rs, "to", "结束日期不能早于开始日期"), -1;
    return 0;
}

/* Newest first unless ?sort= says otherwise; ties broken by id. */
static void order_clause(request *rq, const page_req *pg, char *out, size_t outsz)
{
    const char *sort = req_query(rq, "sort");
    if (!sort || !*sort)
        snprintf(out, outsz, " ORDER BY a.at DESC, a.id DESC LIMIT ? OFFSET ?");
    else
        snprintf(out, outsz, " ORDER BY %s, a.id%s LIMIT ? OFFSET ?", pg->order_by, sort[0] == '-' ? " DESC" : "");
}

int api_audit_list(request *rq, response *rs)
{
    query q;
    page_req pg;
    char suffix[256];
    db_stmt *c = NULL, *s = NULL;
    int rc = 0;

    q_init(&q, "");
    if (req_page(rq, rs, SORT_KEYS, &pg) != 0 || add_filters(rq, rs, &q) != 0)
        goto cleanup;
    order_clause(rq, &pg, suffix, sizeof suffix);
    c = q_prepare_with(rq->db, SQL_COUNT, &q, "");
    s = q_prepare_with(rq->db, SQL_SELECT, &q, suffix);
    if (!c || !s || db_step(c) != DB_ROW) {
        rc = reply_internal(rs);
        goto cleanup;
    }
    int64_t total = db_col_int(c, 0);
    db_bind_int(s, q.nbind + 1, pg.page_size);
    db_bind_int(s, q.nbind + 2, pg.offset);
    json_t *items = json_array();
    while (db_step(s) == DB_ROW)
        json_array_append_new(items, audit_row_json(s));
    rc = reply_json(rs, 200, page_result(items, &pg, total));
cleanup:
    db_finalize(c);
    db_finalize(s);
    q_free(&q);
    return rc;
}
