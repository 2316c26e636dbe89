/* session.h — sign-in, sessions and lockout.
 *
 * Owns: the session table and the failed-login counters on app_user.
 * Tokens are 32 random bytes (libsodium) sent to the client as 64 hex
 * characters; only their BLAKE2b hash is stored. */
#ifndef MS_SESSION_H
#define MS_SESSION_H

#include <stdint.h>

#include "auth/users.h"
#include "storage/db.h"

typedef enum login_result {
    LOGIN_OK = 0,
    LOGIN_BAD_CREDENTIALS,   /* unknown user or wrong password (not told apart) */
    LOGIN_LOCKED,            /* too many failures; *retry_after seconds left */
    LOGIN_DISABLED,
    LOGIN_ERROR
} login_result;

typedef struct session_policy {
    int idle_seconds;
    int max_seconds;
    int lockout_threshold;
    int lockout_seconds;
} session_policy;

/* Checks the password, counts failures, locks after policy->lockout_threshold
 * consecutive failures, writes login / login_failed / login_locked to the
 * audit log, and on success creates a session. token_out gets the token
 * (65 bytes incl. NUL). */
login_result session_login(db_conn *db, const session_policy *policy, const char *username,
                           const char *password, const char *client_ip, char token_out[static 96],
                           actor *user, int64_t *retry_after);

/* Resolves a token to its user; refreshes the idle clock. 0 when valid,
 * -1 when unknown, idle too long or too old (the session is deleted). */
int session_authenticate(db_conn *db, const session_policy *policy, const char *token, actor *out);

void session_logout(db_conn *db, const char *token);
/* Ends every session of a user (password change, account disabled). */
void session_end_all(db_conn *db, int64_t user_id);
/* Deletes expired sessions (called at login). */
void session_prune(db_conn *db, const session_policy *policy);

#endif
