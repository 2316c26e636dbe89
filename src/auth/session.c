/* session.c — sign-in, sessions and lockout (see session.h). Owns the
 * session table and app_user's failed_logins/locked_until columns. */
#include "auth/session.h"
#include "core/audit.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const SQL_FIND_USER =
    "SELECT u.id, u.password_hash, u.failed_logins, u.locked_until, u.disabled, o.path"
    " FROM app_user u JOIN org_unit o ON o.id = u.org_unit_id WHERE u.username = ?";
static const char *const SQL_SET_FAILURES =
    "UPDATE app_user SET failed_logins = ?, locked_until = ? WHERE id = ?";
static const char *const SQL_INSERT_SESSION =
    "INSERT INTO session(token_hash, user_id, created_at, last_seen, client_ip) VALUES (?,?,?,?,?)";
static const char *const SQL_FIND_SESSION =
    "SELECT user_id, created_at, last_seen FROM session WHERE token_hash = ?";
static const char *const SQL_TOUCH_SESSION = "UPDATE session SET last_seen = ? WHERE token_hash = ?";
static const char *const SQL_DELETE_SESSION = "DELETE FROM session WHERE token_hash = ?";
static const char *const SQL_DELETE_USER_SESSIONS = "DELETE FROM session WHERE user_id = ?";
static const char *const SQL_DELETE_STALE = "DELETE FROM session WHERE last_seen < ? OR created_at < ?";

session_policy g_session_policy = {
    .idle_seconds = 1800,
    .max_seconds = 43200,
    .lockout_threshold = 5,
    .lockout_seconds = 900,
};

/* Refresh last_seen at most this often, so reads do not all become writes. */
#define TOUCH_INTERVAL 30

static void token_hash_hex(const char *token, char out[65])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
    sodium_bin2hex(out, 65, h, sizeof h);
}

static int set_failures(db_conn *db, int64_t user_id, int64_t failures, int64_t locked_until)
{
    return db_exec_args(db, SQL_SET_FAILURES, DB_INT(failures), DB_INT(locked_until), DB_INT(user_id));
}

static void audit_login(db_conn *db, int64_t user_id, const char *username, const char *ip,
                        const char *action, const char *org_path, const char *detail)
{
    audit_entry e = {.user_id = user_id, .username = username, .client_ip = ip, .action = action,
                     .entity = "session", .org_path = org_path, .detail = detail,
                     .outcome = strcmp(action, "login") == 0 ? "success" : "failure"};
    audit_write(db, &e);
}

static int create_session(db_conn *db, int64_t user_id, const char *ip, char token_out[static 96])
{
    unsigned char raw[32];
    char hash[65];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(token_out, 65, raw, sizeof raw);
    token_hash_hex(token_out, hash);
    int64_t now = (int64_t)time(NULL);
    return db_exec_args(db, SQL_INSERT_SESSION, DB_TEXT(hash), DB_INT(user_id), DB_INT(now), DB_INT(now), DB_TEXT(ip));
}

/* Work done when the password was checked; runs inside a transaction. */
static login_result record_attempt(db_conn *db, const session_policy *pol, const char *username,
                                   int64_t user_id, int ok, int64_t failures, const char *ip,
                                   const char *org_path, char token_out[static 96], int64_t *retry_after)
{
    int64_t now = (int64_t)time(NULL);
    if (!ok) {
        failures++;
        int64_t locked_until = 0;
        if (failures >= pol->lockout_threshold) {
            locked_until = now + pol->lockout_seconds;
            *retry_after = pol->lockout_seconds;
        }
        set_failures(db, user_id, locked_until ? 0 : failures, locked_until);
        audit_login(db, user_id, username, ip, locked_until ? "login_locked" : "login_failed", org_path, NULL);
        return locked_until ? LOGIN_LOCKED : LOGIN_BAD_CREDENTIALS;
    }
    if (set_failures(db, user_id, 0, 0) != DB_DONE || create_session(db, user_id, ip, token_out) != DB_DONE)
        return LOGIN_ERROR;
    audit_login(db, user_id, username, ip, "login", org_path, NULL);
    return LOGIN_OK;
}

login_result session_login(db_conn *db, const session_policy *pol, const char *username,
                           const char *password, const char *client_ip, char token_out[static 96],
                           actor *user, int64_t *retry_after)
{
    char hash[256], org_path[256];
    int64_t user_id = 0, failures = 0, locked_until = 0, disabled = 0;
    int found = 0;
    *retry_after = 0;

    db_stmt *s = db_query(db, SQL_FIND_USER, DB_TEXT(username));
    if (db_step(s) == DB_ROW) {
        found = 1;
        user_id = db_col_int(s, 0);
        db_col_copy(s, 1, hash, sizeof hash);
        failures = db_col_int(s, 2);
        locked_until = db_col_int(s, 3);
        disabled = db_col_int(s, 4);
        db_col_copy(s, 5, org_path, sizeof org_path);
    }
    db_finalize(s);

    if (!found) {
        /* Spend the same effort as a real check so timing does not reveal names. */
        char dummy[128];
        password_hash("not-a-user-password-1", dummy);
        if (db_begin(db) == DB_DONE) {
            audit_login(db, 0, username, client_ip, "login_failed", NULL, "未知用户名");
            db_commit(db);
        }
        return LOGIN_BAD_CREDENTIALS;
    }
    int64_t now = (int64_t)time(NULL);
    if (locked_until > now) {
        *retry_after = locked_until - now;
        if (db_begin(db) == DB_DONE) {
            audit_login(db, user_id, username, client_ip, "login_refused_locked", org_path, NULL);
            db_commit(db);
        }
        return LOGIN_LOCKED;
    }
    if (disabled)
        return LOGIN_DISABLED;
    /* The expensive hash check runs outside the write transaction. */
    int ok = password_verify(hash, password);
    if (db_begin(db) != DB_DONE)
        return LOGIN_ERROR;
    login_result r = record_attempt(db, pol, username, user_id, ok, failures, client_ip, org_path,
                                    token_out, retry_after);
    if (r == LOGIN_ERROR || db_commit(db) != DB_DONE) {
        db_rollback(db);
        return LOGIN_ERROR;
    }
    if (r == LOGIN_OK && user_load_ctx(db, user_id, user) != 0)
        return LOGIN_ERROR;
    return r;
}

int session_authenticate(db_conn *db, const session_policy *pol, const char *token, actor *out)
{
    char hash[65];
    int64_t user_id = 0, created = 0, last_seen = 0;
    int found = 0;
    if (!token || strlen(token) != 64)
        return -1;
    token_hash_hex(token, hash);
    db_stmt *s = db_query(db, SQL_FIND_SESSION, DB_TEXT(hash));
    if (db_step(s) == DB_ROW) {
        found = 1;
        user_id = db_col_int(s, 0);
        created = db_col_int(s, 1);
        last_seen = db_col_int(s, 2);
    }
    db_finalize(s);
    if (!found)
        return -1;
    int64_t now = (int64_t)time(NULL);
    if (now - last_seen > pol->idle_seconds || now - created > pol->max_seconds) {
        db_exec_args(db, SQL_DELETE_SESSION, DB_TEXT(hash));
        return -1;
    }
    if (user_load_ctx(db, user_id, out) != 0)
        return -1;
    if (now - last_seen >= TOUCH_INTERVAL || pol->idle_seconds < 2 * TOUCH_INTERVAL) {
        db_exec_args(db, SQL_TOUCH_SESSION, DB_INT(now), DB_TEXT(hash));
    }
    return 0;
}

void session_logout(db_conn *db, const char *token)
{
    char hash[65];
    if (!token || !*token)
        return;
    token_hash_hex(token, hash);
    db_exec_args(db, SQL_DELETE_SESSION, DB_TEXT(hash));
}

void session_end_all(db_conn *db, int64_t user_id)
{
    db_exec_args(db, SQL_DELETE_USER_SESSIONS, DB_INT(user_id));
}

void session_prune(db_conn *db, const session_policy *pol)
{
    int64_t now = (int64_t)time(NULL);
    db_exec_args(db, SQL_DELETE_STALE, DB_INT(now - pol->idle_seconds), DB_INT(now - pol->max_seconds));
}
