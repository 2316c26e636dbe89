/* security_api.c — the security alerts on the security administrator's
 * dashboard (入侵防范): GET /api/v1/security/alerts for the security
 * administrator and the auditor, POST /api/v1/security/alerts/{id}/ack
 * for the security administrator (watching for intrusions is its duty;
 * the auditor reads, and the acknowledgement is in the audit log). Owns the security_alert
 * SELECT of the list; the rules that raise alerts and the acknowledgement
 * are core/alerts.c's. Like the audit log, callers see alerts whose
 * org_path is NULL or inside their scope. */
#include "app/app.h"
#include "core/alerts.h"
#include "server/write.h"
#include "storage/query.h"

#include <string.h>

static const char *const SQL_SELECT =
    "SELECT s.id, s.at, s.rule, s.subject, s.user_id, s.count, s.detail, s.acked_at, u.username"
    " FROM security_alert s LEFT JOIN app_user u ON u.id = s.acked_by";
static const char *const SQL_COUNT = "SELECT COUNT(*) FROM security_alert s";
static const char *const SORT_KEYS[] = {"at", "s.at", "id", "s.id", NULL};

static json_t *alert_json(db_stmt *s)
{
    char at[32], acked[32];
    return json_pack("{s:I, s:s, s:s, s:s, s:o, s:I, s:s, s:o, s:o}", "id", (json_int_t)db_col_int(s, 0), "at",
                     audit_beijing_time(db_col_text(s, 1), at), "rule", db_col_text(s, 2), "subject",
                     db_col_text(s, 3), "user_id",
                     db_col_is_null(s, 4) ? json_null() : json_integer(db_col_int(s, 4)), "count",
                     (json_int_t)db_col_int(s, 5), "detail", db_col_text(s, 6), "acked_at",
                     db_col_is_null(s, 7) ? json_null() : json_string(audit_beijing_time(db_col_text(s, 7), acked)),
                     "acked_by", db_col_is_null(s, 8) ? json_null() : json_string(db_col_text(s, 8)));
}

/* GET /api/v1/security/alerts — roles: secadmin, auditor.
 * Query: acked (0: open alerts only, 1: acknowledged only), page,
 * page_size, sort (at|id; default newest first). Reply: page of alerts
 * {id, at (+08:00), rule, subject, user_id, count, detail, acked_at,
 * acked_by}. Errors: 400 parameter. */
static int alert_list(request *rq, response *rs)
{
    query q;
    page_req pg;
    char suffix[200];
    int64_t acked, total;
    int rc = -1;
    db_stmt *s = NULL;
    q_init(&q, "");
    q_where(&q, "(s.org_path IS NULL OR s.org_path LIKE ? || '%')");
    q_bind_text(&q, rq->user.scope_path);
    if (req_page(rq, rs, SORT_KEYS, &pg) != 0)
        goto cleanup;
    int has_acked = req_query_int(rq, rs, "acked", 0, 0, 1, &acked);
    if (has_acked < 0)
        goto cleanup;
    if (has_acked > 0)
        q_where(&q, acked ? "s.acked_at IS NOT NULL" : "s.acked_at IS NULL");
    const char *sort = req_query(rq, "sort");
    snprintf(suffix, sizeof suffix, " ORDER BY %s, s.id %s LIMIT ? OFFSET ?", sort && *sort ? pg.order_by : "s.at DESC",
             sort && *sort && sort[0] != '-' ? "ASC" : "DESC");
    if (!(s = page_query_or_reply(rq, rs, SQL_COUNT, SQL_SELECT, &q, suffix, &pg, &total)))
        goto cleanup;
    json_t *items = json_array();
    while (db_step(s) == DB_ROW)
        json_array_append_new(items, alert_json(s));
    rc = reply_json(rs, 200, page_result(items, &pg, total));
cleanup:
    db_finalize(s);
    q_free(&q);
    return rc;
}

/* POST /api/v1/security/alerts/{id}/ack — roles: secadmin.
 * Body: none. Marks the alert acknowledged by the caller (audited).
 * Reply: {"ok": true}. Errors: 404 alert absent or outside scope; 409
 * already acknowledged. */
static int alert_ack(request *rq, response *rs)
{
    ms_err err;
    if (body_only(rq, rs, (const char *const[]){NULL}) != 0 || write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (alerts_ack(rq->db, rq->id, &rq->user, &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    return write_commit_or_reply(rq, rs,
                                 &(audit_entry){.action = "ack", .entity = "security_alert", .entity_id = rq->id},
                                 200, NULL);
}

const route security_routes[] = {
    {.method = "GET", .pattern = "/api/v1/security/alerts", .handler = alert_list, .roles = ROLE_SECADMIN | ROLE_AUDITOR},
    {.method = "POST", .pattern = "/api/v1/security/alerts/{id}/ack", .handler = alert_ack, .roles = ROLE_SECADMIN},
    {0}
};
