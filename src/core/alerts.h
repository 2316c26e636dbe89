/* alerts.h — intrusion alerts (入侵防范): rules evaluated as the audit
 * row that can trip them is written.
 *
 * Owns: the security_alert table and the rule table (ALERT_RULES in
 * alerts.c, documented in docs/design.md): bursts of failed sign-ins
 * per user name and per client address, full-ID views by one user, bulk
 * exports by one user. A rule that trips writes one security_alert row
 * and a `security_alert` audit row, at most once per rule and subject
 * per window. The security administrator's dashboard lists them (app/security_api.c). */
#ifndef MS_ALERTS_H
#define MS_ALERTS_H

#include <stdint.h>

#include "core/audit.h"
#include "core/err.h"

typedef struct alert_rule {
    const char *rule;            /* "login_failures_user" */
    const char *label;           /* Chinese, for the alert's detail */
    const char *actions[7];      /* audit actions counted (NULL-terminated; at most 6) */
    enum { ALERT_BY_USERNAME, ALERT_BY_CLIENT_IP, ALERT_BY_USER_ID } by;
    int threshold;               /* events in the window that raise the alert */
    int window_seconds;
} alert_rule;

/* The rules, ended by an entry whose rule is NULL. */
extern const alert_rule ALERT_RULES[];

/* Runs the rules the audit row `e` (just written as audit_id, inside
 * the caller's transaction) can trip. Returns 0 or -1 (roll back). */
int alerts_on_audit(db_conn *db, const audit_entry *e, int64_t audit_id);

/* Marks alert `id` acknowledged by `who`: 0, or -1 with err
 * (ERR_NOT_FOUND when absent or outside who's scope, ERR_CONFLICT when
 * already acknowledged). Runs in the caller's transaction. */
int alerts_ack(db_conn *db, int64_t id, const actor *who, ms_err *err);

#endif
