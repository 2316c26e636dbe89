/* duties.h — separation of duties (三权分立): the two-person rule for
 * privileged accounts.
 *
 * The system administrator (admin) manages accounts, the security
 * administrator (secadmin) assigns roles and scopes, the auditor reads
 * the audit log. A change to a privileged account (admin, secadmin,
 * auditor) — creating it, resetting its password, re-enabling it,
 * resetting its second factor, giving it or taking its role — is not
 * applied by the one who asks: it becomes a pending change request
 * (who, what, when), which a person of the other administrator role
 * approves (not the proposer, not the account concerned) within
 * CHANGE_REQUEST_TTL; only the approval applies it. Both steps are
 * audited by the callers (users_api.c, duties_api.c).
 *
 * Owns: the change_request table. The changes themselves are applied
 * through users.c, totp.c and session.c. */
#ifndef MS_DUTIES_H
#define MS_DUTIES_H

#include <stdint.h>

#include "core/actor.h"
#include "core/err.h"
#include "storage/db.h"

/* A request expires unapproved after a day. */
#define CHANGE_REQUEST_TTL (24 * 3600)

typedef struct change_request {
    int64_t id;
    char kind[16];               /* create | update | totp_reset | role */
    int64_t target_user_id;      /* 0 for a create not yet approved */
    char username[64];
    char display_name[208];      /* "" = unchanged */
    char role[16];               /* "" = unchanged */
    int64_t org_unit_id;         /* 0 = unchanged */
    int disabled;                /* -1 = unchanged */
    char password_hash[256];     /* "" = unchanged; never leaves this module's callers */
    char summary[256];
    int64_t proposed_by;
    char proposed_by_name[64];
    char proposer_role[16];
    int64_t proposed_at, expires_at;
    char status[16];             /* pending | approved | rejected | expired (also when past expires_at) */
    int64_t decided_by;
    char decided_by_name[64];
    int64_t decided_at;
} change_request;

/* Records `req` (kind, target, the change, summary) as a pending request
 * of `by`. Returns the new id, or -1 with *err. Runs in the caller's
 * transaction. */
int64_t change_propose(db_conn *db, const actor *by, const change_request *req, ms_err *err);

/* Loads request `id` (status "expired" when pending past its time).
 * 0 found, 1 absent, -1 database error. */
int change_get(db_conn *db, int64_t id, change_request *out);

/* Approves request `id` as `by` and applies the change: 0, with the
 * request as approved in *out (out->target_user_id set for a create),
 * or -1 with *err — 404 absent; 409 no longer pending or expired (it is
 * then marked expired); 403 `by` proposed it, holds the proposer's role
 * or is the account concerned; 400/409 when the change no longer
 * applies (username taken, unit gone). Runs in the caller's transaction. */
int change_approve(db_conn *db, const actor *by, int64_t id, change_request *out, ms_err *err);

/* Rejects request `id` (the other role), or withdraws it (the proposer).
 * 0 or -1 with *err (404, 409 not pending, 403 anyone else). */
int change_reject(db_conn *db, const actor *by, int64_t id, change_request *out, ms_err *err);

/* The one SELECT list of requests (callers append WHERE …), its COUNT,
 * and the row reader (password hashes are not read). The reader reports
 * a request still pending past expires_at as expired (until the next
 * write marks it so). */
#define CHANGE_SELECT                                                                                    \
    "SELECT c.id, c.kind, c.target_user_id, c.username, c.display_name, c.role, c.org_unit_id,"         \
    " c.disabled, c.summary, c.proposed_by, p.username, c.proposer_role, c.proposed_at, c.expires_at,"  \
    " c.status,"                                                                                        \
    " c.decided_by, d.username, c.decided_at"                                                           \
    " FROM change_request c JOIN app_user p ON p.id = c.proposed_by LEFT JOIN app_user d ON d.id = c.decided_by"
#define CHANGE_COUNT "SELECT COUNT(*) FROM change_request c"
/* A request is in a caller's scope (? = the caller's scope path) when
 * the unit it concerns is: the new scope it names, else the target
 * account's unit, else the proposer's. */
#define CHANGE_IN_SCOPE                                                                                \
    "EXISTS (SELECT 1 FROM org_unit so WHERE so.id = COALESCE(c.org_unit_id,"                          \
    " (SELECT org_unit_id FROM app_user WHERE id = c.target_user_id),"                                 \
    " (SELECT org_unit_id FROM app_user WHERE id = c.proposed_by)) AND so.path LIKE ? || '%')"
void change_from_row(db_stmt *s, change_request *out);

#endif
