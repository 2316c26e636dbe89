/* session.h — sign-in, sessions, lockout and what a session must do
 * first (forced password change, second-factor enrolment).
 *
 * Owns: the session table, the failed-login counters and last_login_at
 * on app_user, and the server's sign-in policy. Tokens are 32 random
 * bytes (libsodium) sent to the client as 64 hex characters; only their
 * BLAKE2b hash is stored.
 *
 * A sign-in attempt is reserved before the password is checked: one
 * short write transaction counts it against the account (and refuses it
 * when the account is locked), so parallel guesses cannot outrun the
 * lockout. Unknown, locked, disabled and wrong-password attempts all run
 * one Argon2 check and are told apart only in the audit log. */
#ifndef MS_SESSION_H
#define MS_SESSION_H

#include <stdint.h>

#include "auth/users.h"
#include "storage/db.h"
#include "util/addrlist.h"

/* Roles that need a second factor (when the policy requires one). */
#define ROLES_TWO_FACTOR (ROLES_PRIVILEGED | ROLE_STREET)

typedef enum login_result {
    LOGIN_OK = 0,
    LOGIN_BAD_CREDENTIALS,   /* unknown user or wrong password */
    LOGIN_LOCKED,            /* too many failures; *retry_after seconds left */
    LOGIN_DISABLED,          /* disabled (by an admin, or now for being unused) */
    LOGIN_REFUSED_ADDRESS,   /* a privileged account from outside the allow-list */
    LOGIN_TOTP_REQUIRED,     /* right password; second factor missing or wrong */
    LOGIN_THROTTLED,         /* too many attempts from this address or in all; *retry_after */
    LOGIN_ERROR
} login_result;

typedef struct session_policy {
    int idle_seconds;
    int max_seconds;
    int lockout_threshold;
    int lockout_seconds;
    int password_max_age_days;      /* 0 = passwords never expire */
    int unused_account_days;        /* 0 = never disabled for disuse */
    int two_factor_required;        /* ROLES_TWO_FACTOR must enrol TOTP */
    int login_failures_per_address; /* per throttle window; 0 = no limit */
    int login_failures_global;      /* per throttle window; 0 = no limit */
    int login_window_seconds;
    int max_concurrent_checks;      /* Argon2 checks at once */
    /* Client addresses privileged accounts (ROLES_PRIVILEGED, and street
     * staff when allow_list_street) may sign in and work from; NULL = any
     * (serve --admin-allow). */
    const addr_list *allow_list;
    int allow_list_street;
} session_policy;

/* The server's policy: 30 idle minutes, 12 hours, 5 failures lock for
 * 15 minutes, passwords expire after 90 days, accounts unused for 90
 * days are disabled, TOTP required for privileged roles, at most 20
 * failed sign-ins per address and 200 in all per minute, 2 password
 * checks at once. `minsheng serve` flags change it before the server
 * starts. */
extern session_policy g_session_policy;

/* One sign-in attempt. */
typedef struct login_request {
    const char *username, *password;
    const char *totp;            /* 6 digits, or NULL */
    const char *recovery_code;   /* or NULL */
    const char *client_ip;
    int password_only;           /* 1: re-check a signed-in user's password
                                    (password change): no second factor, no session */
} login_request;

/* Checks the attempt, counts failures, locks after
 * policy->lockout_threshold consecutive failures, writes login /
 * login_failed / login_locked / login_refused_* / login_totp_failed /
 * account_disabled_unused to the audit log, and on success creates a
 * session (unless password_only). token_out gets the token (65 bytes
 * incl. NUL), *user the caller with its pending bits. */
login_result session_login(db_conn *db, const session_policy *policy, const login_request *in,
                           char token_out[static 96], actor *user, int64_t *retry_after);

/* Resolves a token to its user, with the pending bits (forced password
 * change, second factor to enrol, role to be approved); refreshes the
 * idle clock. 0 when valid, -1 when unknown, idle too long or too old
 * (the session is deleted), or a privileged user's request comes from
 * an address outside policy->allow_list (audited,
 * session_refused_address). */
int session_authenticate(db_conn *db, const session_policy *policy, const char *token, const char *client_ip,
                         actor *out);

/* 1 when a user of role r may act from client_ip under the policy's
 * allow-list (always, without one). */
int session_address_allowed(const session_policy *policy, role r, const char *client_ip);

void session_logout(db_conn *db, const char *token);
/* Ends every session of a user (password change, account disabled). */
void session_end_all(db_conn *db, int64_t user_id);
/* Deletes expired sessions (called at login). */
void session_prune(db_conn *db, const session_policy *policy);

#endif
