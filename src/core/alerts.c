/* alerts.c — the alert rules and the security_alert table (see alerts.h). */
#include "core/alerts.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define LOGIN_FAILURES                                                                                        \
    "login_failed", "login_locked", "login_refused_locked", "login_refused_disabled", "login_totp_failed",    \
        "login_refused_address"

/* The thresholds, in one table (docs/design.md "Alerts" repeats it). */
const alert_rule ALERT_RULES[] = {
    {"login_failures_user", "同一账户登录失败过多", {LOGIN_FAILURES, NULL}, ALERT_BY_USERNAME, 10, 600},
    {"login_failures_ip", "同一地址登录失败过多", {LOGIN_FAILURES, NULL}, ALERT_BY_CLIENT_IP, 10, 600},
    {"full_id_views", "同一用户查看完整身份证号过多", {"view_full_id", NULL}, ALERT_BY_USER_ID, 50, 3600},
    {"bulk_exports", "同一用户批量导出过多", {"export", NULL}, ALERT_BY_USER_ID, 5, 86400},
    {.rule = NULL},
};

/* Counts per subject kind: actions (six slots, unused ones NULL), window start, subject. */
static const char *const SQL_COUNT[] = {
    [ALERT_BY_USERNAME] = "SELECT COUNT(*) FROM audit_log WHERE action IN (?,?,?,?,?,?) AND at >= ? AND username = ?",
    [ALERT_BY_CLIENT_IP] = "SELECT COUNT(*) FROM audit_log WHERE action IN (?,?,?,?,?,?) AND at >= ? AND client_ip = ?",
    [ALERT_BY_USER_ID] = "SELECT COUNT(*) FROM audit_log WHERE action IN (?,?,?,?,?,?) AND at >= ? AND user_id = ?",
};
static const char *const SQL_RECENT =
    "SELECT 1 FROM security_alert WHERE rule = ? AND subject = ? AND at >= ?";
static const char *const SQL_INSERT =
    "INSERT INTO security_alert(at, rule, subject, user_id, org_path, count, detail) VALUES (?,?,?,?,?,?,?)";
static const char *const SQL_FIND = "SELECT acked_at, org_path FROM security_alert WHERE id = ?";
static const char *const SQL_ACK = "UPDATE security_alert SET acked_at = ?, acked_by = ? WHERE id = ? AND acked_at IS NULL";

static int rule_counts(const alert_rule *r, const char *action)
{
    for (size_t i = 0; r->actions[i]; i++)
        if (strcmp(r->actions[i], action) == 0)
            return 1;
    return 0;
}

/* The subject of rule r in entry e as text ("" when the row has none). */
static const char *subject_of(const alert_rule *r, const audit_entry *e, char *buf, size_t bufsz)
{
    switch (r->by) {
    case ALERT_BY_USERNAME: return e->username ? e->username : "";
    case ALERT_BY_CLIENT_IP: return e->client_ip ? e->client_ip : "";
    default:
        if (e->user_id <= 0)
            return "";
        snprintf(buf, bufsz, "%lld", (long long)e->user_id);
        return buf;
    }
}

static int run_rule(db_conn *db, const alert_rule *r, const audit_entry *e, int64_t audit_id)
{
    char idbuf[24], since[21], now[21], detail[400];
    const char *subject = subject_of(r, e, idbuf, sizeof idbuf);
    if (!*subject)
        return 0;
    time_t t = time(NULL);
    audit_iso_utc(t - r->window_seconds, since);
    db_arg subj = r->by == ALERT_BY_USER_ID ? DB_INT(e->user_id) : DB_TEXT(subject);
    int64_t n = db_one_int(db, 0, SQL_COUNT[r->by], DB_TEXT(r->actions[0]), DB_TEXT(r->actions[1]),
                           DB_TEXT(r->actions[2]), DB_TEXT(r->actions[3]), DB_TEXT(r->actions[4]),
                           DB_TEXT(r->actions[5]), DB_TEXT(since), subj);
    if (n < r->threshold || db_exists(db, SQL_RECENT, DB_TEXT(r->rule), DB_TEXT(subject), DB_TEXT(since)))
        return 0;
    const char *who = r->by == ALERT_BY_USER_ID && e->username ? e->username : subject;
    snprintf(detail, sizeof detail, "%s：%s 在 %d 分钟内 %lld 次（阈值 %d；最近一次为审计记录第 %lld 行）", r->label,
             who, r->window_seconds / 60, (long long)n, r->threshold, (long long)audit_id);
    if (db_exec_args(db, SQL_INSERT, DB_TEXT(audit_iso_utc(t, now)), DB_TEXT(r->rule), DB_TEXT(subject),
                     DB_ID(e->user_id), DB_TEXT(e->org_path), DB_INT(n), DB_TEXT(detail)) != DB_DONE)
        return -1;
    audit_entry a = {.action = "security_alert", .entity = "security_alert", .entity_id = db_last_insert_id(db),
                     .org_path = e->org_path, .client_ip = e->client_ip, .detail = detail};
    return audit_write(db, &a);
}

int alerts_on_audit(db_conn *db, const audit_entry *e, int64_t audit_id)
{
    for (const alert_rule *r = ALERT_RULES; r->rule; r++)
        if (rule_counts(r, e->action) && run_rule(db, r, e, audit_id) != 0)
            return -1;
    return 0;
}

int alerts_ack(db_conn *db, int64_t id, const actor *who, ms_err *err)
{
    char now[21], acked[32], path[256];
    int found = 0, is_acked = 0;
    db_stmt *s = db_query(db, SQL_FIND, DB_INT(id));
    if (db_step(s) == DB_ROW) {
        found = 1;
        is_acked = !db_col_is_null(s, 0);
        db_col_copy(s, 0, acked, sizeof acked);
        db_col_copy(s, 1, path, sizeof path);
    }
    db_finalize(s);
    if (!found || (path[0] && !actor_scope_contains(who, path)))
        return err_set(err, ERR_NOT_FOUND, NULL, "告警不存在或不在您的管辖范围内");
    if (is_acked)
        return err_set(err, ERR_CONFLICT, NULL, "该告警已于 %s 确认", acked);
    if (db_exec_args(db, SQL_ACK, DB_TEXT(audit_iso_utc(time(NULL), now)), DB_ID(who->id), DB_INT(id)) != DB_DONE)
        return err_db(err);
    return 0;
}
