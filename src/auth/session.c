/* session.c — sign-in, sessions and lockout (see session.h). Owns the
 * session table and app_user's failed_logins / locked_until /
 * last_login_at columns (disabled too, when an unused account is
 * switched off at its next sign-in attempt). */
#include "auth/session.h"
#include "auth/throttle.h"
#include "auth/totp.h"
#include "core/audit.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const SQL_FIND_USER =
    "SELECT u.id, u.password_hash, u.failed_logins, u.locked_until, u.disabled, o.path,"
    " CASE WHEN u.last_login_at > u.enabled_at THEN u.last_login_at ELSE u.enabled_at END, u.role"
    " FROM app_user u JOIN org_unit o ON o.id = u.org_unit_id WHERE u.username = ?";
static const char *const SQL_SET_FAILURES =
    "UPDATE app_user SET failed_logins = ?, locked_until = ? WHERE id = ?";
static const char *const SQL_DISABLE_UNUSED = "UPDATE app_user SET disabled = 1, updated_at = ? WHERE id = ?";
static const char *const SQL_LOGGED_IN =
    "UPDATE app_user SET failed_logins = 0, locked_until = 0, last_login_at = ? WHERE id = ?";
static const char *const SQL_PENDING =
    "SELECT u.must_change_password, u.password_changed_at,"
    " EXISTS (SELECT 1 FROM user_totp t WHERE t.user_id = u.id AND t.enabled = 1), u.role_approved"
    " FROM app_user u WHERE u.id = ?";
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
    .password_max_age_days = 90,
    .unused_account_days = 90,
    .two_factor_required = 1,
    .login_failures_per_address = 20,
    .login_failures_global = 200,
    .login_window_seconds = 60,
    .max_concurrent_checks = 1,   /* 64 MiB each: the memory budget */
};

/* Refresh last_seen at most this often, so reads do not all become writes. */
#define TOUCH_INTERVAL 30

static void token_hash_hex(const char *token, char out[65])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
    sodium_bin2hex(out, 65, h, sizeof h);
    sodium_memzero(h, sizeof h);
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
    sodium_memzero(raw, sizeof raw);
    token_hash_hex(token_out, hash);
    int64_t now = (int64_t)time(NULL);
    int rc = db_exec_args(db, SQL_INSERT_SESSION, DB_TEXT(hash), DB_INT(user_id), DB_INT(now), DB_INT(now), DB_TEXT(ip));
    sodium_memzero(hash, sizeof hash);
    return rc;
}

/* An Argon2id hash of a password nobody has, made once: unknown, locked
 * and disabled accounts are checked against it, so every refusal costs
 * what a wrong password costs. */
static char dummy_hash[128];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy_hash(void)
{
    unsigned char raw[16];
    char pw[33];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(pw, sizeof pw, raw, sizeof raw);
    password_hash(pw, dummy_hash);
}

/* ---- the attempt, reserved before the password is checked ---------------- */

typedef enum attempt_state {
    ATTEMPT_CHECK,       /* counted against the account: check the password */
    ATTEMPT_UNKNOWN,
    ATTEMPT_LOCKED,
    ATTEMPT_DISABLED,
    ATTEMPT_ADDRESS,     /* privileged account from outside the allow-list: not counted */
    ATTEMPT_ERROR
} attempt_state;

typedef struct attempt {
    int64_t user_id;
    char hash[256];
    char org_path[256];
    int locks;           /* this attempt reached the threshold and set the lock */
    int64_t retry_after;
} attempt;

/* Reads the account and, in one short write transaction, refuses the
 * attempt (locked, disabled, unused too long — audited here) or counts
 * it as a failure in advance, locking the account when it reaches the
 * threshold. A correct password takes the count back (record_success). */
static attempt_state reserve(db_conn *db, const session_policy *pol, const login_request *in, attempt *a)
{
    int64_t failures = 0, locked_until = 0, disabled = 0, last_active = 0;
    int found = 0;
    role r = 0;
    memset(a, 0, sizeof *a);
    if (db_begin(db) != DB_DONE)
        return ATTEMPT_ERROR;
    db_stmt *s = db_query(db, SQL_FIND_USER, DB_TEXT(in->username));
    if (db_step(s) == DB_ROW) {
        found = 1;
        a->user_id = db_col_int(s, 0);
        db_col_copy(s, 1, a->hash, sizeof a->hash);
        failures = db_col_int(s, 2);
        locked_until = db_col_int(s, 3);
        disabled = db_col_int(s, 4);
        db_col_copy(s, 5, a->org_path, sizeof a->org_path);
        last_active = db_col_int(s, 6);
        r = role_from_name(db_col_text(s, 7));
    }
    db_finalize(s);
    int64_t now = (int64_t)time(NULL);
    attempt_state st = ATTEMPT_CHECK;
    if (!found) {
        audit_login(db, 0, in->username, in->client_ip, "login_failed", NULL, "未知用户名");
        st = ATTEMPT_UNKNOWN;
    } else if (!session_address_allowed(pol, r, in->client_ip)) {
        /* Not counted: an outsider must not lock a privileged account out. */
        audit_login(db, a->user_id, in->username, in->client_ip, "login_refused_address", a->org_path,
                    "特权账户只能从允许的地址段登录");
        st = ATTEMPT_ADDRESS;
    } else if (disabled) {
        audit_login(db, a->user_id, in->username, in->client_ip, "login_refused_disabled", a->org_path, "账户已停用");
        st = ATTEMPT_DISABLED;
    } else if (pol->unused_account_days > 0 && now - last_active > (int64_t)pol->unused_account_days * 86400) {
        char detail[96];
        char at[20];
        snprintf(detail, sizeof detail, "超过 %d 天未使用，账户已自动停用", pol->unused_account_days);
        db_exec_args(db, SQL_DISABLE_UNUSED, DB_TEXT(db_now(at)), DB_INT(a->user_id));
        db_exec_args(db, SQL_DELETE_USER_SESSIONS, DB_INT(a->user_id));
        audit_login(db, a->user_id, in->username, in->client_ip, "account_disabled_unused", a->org_path, detail);
        st = ATTEMPT_DISABLED;
    } else if (locked_until > now || (locked_until == 0 && failures >= pol->lockout_threshold)) {
        a->retry_after = locked_until > now ? locked_until - now : pol->lockout_seconds;
        audit_login(db, a->user_id, in->username, in->client_ip, "login_refused_locked", a->org_path, "账户已锁定");
        st = ATTEMPT_LOCKED;
    } else {
        if (locked_until)   /* a lock that has run out starts the count again */
            failures = 0;
        failures++;
        locked_until = failures >= pol->lockout_threshold ? now + pol->lockout_seconds : 0;
        a->locks = locked_until != 0;
        a->retry_after = a->locks ? pol->lockout_seconds : 0;
        if (db_exec_args(db, SQL_SET_FAILURES, DB_INT(failures), DB_INT(locked_until), DB_INT(a->user_id)) != DB_DONE)
            st = ATTEMPT_ERROR;
    }
    if (st == ATTEMPT_ERROR || db_commit(db) != DB_DONE) {
        db_rollback(db);
        return ATTEMPT_ERROR;
    }
    return st;
}

/* The password was wrong, or the second factor: the failure is already
 * counted; only the audit row is left. */
static login_result record_failure(db_conn *db, const login_request *in, const attempt *a, const char *action,
                                   const char *detail, login_result r)
{
    if (db_begin(db) != DB_DONE)
        return LOGIN_ERROR;
    audit_login(db, a->user_id, in->username, in->client_ip, a->locks ? "login_locked" : action, a->org_path, detail);
    if (db_commit(db) != DB_DONE) {
        db_rollback(db);
        return LOGIN_ERROR;
    }
    return a->locks ? LOGIN_LOCKED : r;
}

static const char *totp_failure(totp_result t)
{
    return t == TOTP_MISSING ? "缺少动态验证码" : "动态验证码或恢复码错误（或已使用过）";
}

/* The password was right: second factor, counters reset, session. */
static login_result record_success(db_conn *db, const login_request *in, const attempt *a, char token_out[static 96])
{
    if (db_begin(db) != DB_DONE)
        return LOGIN_ERROR;
    totp_result t = TOTP_OK;
    if (!in->password_only && totp_enabled(db, a->user_id))
        t = totp_check(db, a->user_id, in->totp, in->recovery_code);
    if (t == TOTP_ERROR) {
        db_rollback(db);
        return LOGIN_ERROR;
    }
    if (t == TOTP_MISSING || t == TOTP_WRONG) {
        /* Keep the step/recovery bookkeeping out: nothing was accepted. */
        db_rollback(db);
        return record_failure(db, in, a, "login_totp_failed", totp_failure(t), LOGIN_TOTP_REQUIRED);
    }
    int rc = 0;
    if (in->password_only) {
        rc = db_exec_args(db, SQL_SET_FAILURES, DB_INT(0), DB_INT(0), DB_INT(a->user_id)) == DB_DONE ? 0 : -1;
    } else {
        rc = db_exec_args(db, SQL_LOGGED_IN, DB_INT((int64_t)time(NULL)), DB_INT(a->user_id)) == DB_DONE &&
                     create_session(db, a->user_id, in->client_ip, token_out) == DB_DONE
                 ? 0
                 : -1;
        audit_login(db, a->user_id, in->username, in->client_ip, "login", a->org_path,
                    t == TOTP_OK_RECOVERY ? "使用恢复码登录" : NULL);
    }
    if (rc != 0 || db_commit(db) != DB_DONE) {
        db_rollback(db);
        return LOGIN_ERROR;
    }
    return LOGIN_OK;
}

/* The steps the signed-in user must take first (ACTOR_PENDING_*). */
static unsigned pending_of(db_conn *db, const session_policy *pol, const actor *u)
{
    unsigned p = 0;
    int64_t must = 0, changed = 0, totp = 0, approved = 1, now = (int64_t)time(NULL);
    /* One query per request: the flags, the password's age, the factor. */
    db_stmt *s = db_query(db, SQL_PENDING, DB_INT(u->id));
    if (db_step(s) == DB_ROW) {
        must = db_col_int(s, 0);
        changed = db_col_int(s, 1);
        totp = db_col_int(s, 2);
        approved = db_col_int(s, 3);
    }
    db_finalize(s);
    if (must || (pol->password_max_age_days > 0 && now - changed > (int64_t)pol->password_max_age_days * 86400))
        p |= ACTOR_PENDING_PASSWORD;
    if (pol->two_factor_required && (u->role & ROLES_TWO_FACTOR) && !totp)
        p |= ACTOR_PENDING_TOTP_ENROLL;
    if (!approved)
        p |= ACTOR_PENDING_ROLE;
    return p;
}

login_result session_login(db_conn *db, const session_policy *pol, const login_request *in,
                           char token_out[static 96], actor *user, int64_t *retry_after)
{
    attempt a;
    int wait = 0, first = 0;
    *retry_after = 0;
    int throttled = throttle_login_attempt(db, in->client_ip, pol->login_failures_per_address,
                                           pol->login_failures_global, pol->login_window_seconds, &wait, &first);
    if (throttled == -2)
        return LOGIN_ERROR;
    if (throttled != 0) {
        *retry_after = wait;
        if (first) {   /* the throttle starts: one security event per window */
            char detail[96];
            snprintf(detail, sizeof detail, "登录尝试过于频繁，%d 秒内拒绝该地址的登录", wait);
            if (db_begin(db) == DB_DONE) {
                audit_login(db, 0, in->username, in->client_ip, "login_throttled", NULL, detail);
                if (db_commit(db) != DB_DONE)
                    db_rollback(db);
            }
        }
        return LOGIN_THROTTLED;
    }
    if (throttle_check_acquire(pol->max_concurrent_checks, THROTTLE_CHECK_WAIT_MS) != 0) {
        *retry_after = 1;
        return LOGIN_THROTTLED;
    }
    pthread_once(&dummy_once, make_dummy_hash);
    attempt_state st = reserve(db, pol, in, &a);
    /* One Argon2 check whatever the account's state: the same time for all. */
    int ok = password_verify(st == ATTEMPT_CHECK ? a.hash : dummy_hash, in->password) == 1;
    throttle_check_release();
    sodium_memzero(a.hash, sizeof a.hash);

    login_result r;
    switch (st) {
    case ATTEMPT_CHECK:
        r = ok ? record_success(db, in, &a, token_out)
               : record_failure(db, in, &a, "login_failed", NULL, LOGIN_BAD_CREDENTIALS);
        break;
    case ATTEMPT_UNKNOWN: r = LOGIN_BAD_CREDENTIALS; break;
    case ATTEMPT_LOCKED: r = LOGIN_LOCKED; break;
    case ATTEMPT_DISABLED: r = LOGIN_DISABLED; break;
    case ATTEMPT_ADDRESS: r = LOGIN_REFUSED_ADDRESS; break;
    default: r = LOGIN_ERROR; break;
    }
    if (r == LOGIN_LOCKED)
        *retry_after = a.retry_after;
    if (r != LOGIN_OK)
        return r;
    throttle_login_succeeded(db, in->client_ip);
    if (in->password_only)
        return LOGIN_OK;
    if (user_load_ctx(db, a.user_id, user) != 0)
        return LOGIN_ERROR;
    user->pending = pending_of(db, pol, user);
    return LOGIN_OK;
}

int session_address_allowed(const session_policy *pol, role r, const char *client_ip)
{
    role guarded = ROLES_PRIVILEGED | (pol->allow_list_street ? ROLE_STREET : 0);
    return !pol->allow_list || !(r & guarded) || addrlist_contains(pol->allow_list, client_ip);
}

/* A privileged user's session used from outside the allow-list: refused
 * and audited in its own small transaction. */
static void refuse_address(db_conn *db, const actor *u, const char *ip)
{
    if (db_begin(db) != DB_DONE)
        return;
    audit_entry e = {.user_id = u->id, .username = u->username, .client_ip = ip, .action = "session_refused_address",
                     .entity = "session", .org_path = u->scope_path, .outcome = "failure",
                     .detail = "特权账户的会话来自允许的地址段以外，已拒绝"};
    if (audit_write(db, &e) != 0 || db_commit(db) != DB_DONE)
        db_rollback(db);
}

int session_authenticate(db_conn *db, const session_policy *pol, const char *token, const char *client_ip,
                         actor *out)
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
    int64_t now = (int64_t)time(NULL);
    int rc = -1;
    if (!found) {
        /* nothing */
    } else if (now - last_seen > pol->idle_seconds || now - created > pol->max_seconds) {
        db_exec_args(db, SQL_DELETE_SESSION, DB_TEXT(hash));
    } else if (user_load_ctx(db, user_id, out) == 0) {
        if (!session_address_allowed(pol, out->role, client_ip)) {
            refuse_address(db, out, client_ip);
        } else {
            out->pending = pending_of(db, pol, out);
            if (now - last_seen >= TOUCH_INTERVAL || pol->idle_seconds < 2 * TOUCH_INTERVAL)
                db_exec_args(db, SQL_TOUCH_SESSION, DB_INT(now), DB_TEXT(hash));
            rc = 0;
        }
    }
    sodium_memzero(hash, sizeof hash);
    return rc;
}

void session_logout(db_conn *db, const char *token)
{
    char hash[65];
    if (!token || !*token)
        return;
    token_hash_hex(token, hash);
    db_exec_args(db, SQL_DELETE_SESSION, DB_TEXT(hash));
    sodium_memzero(hash, sizeof hash);
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
