/* auth_api.c — /api/v1/auth: sign in (cookie + bearer token, second
 * factor), sign out, who am I, change my password, enrol the second
 * factor (TOTP). Session mechanics are in session.c, TOTP in totp.c.
 *
 * Every failed sign-in answers the same 401 whatever the reason
 * (unknown name, wrong password, locked, disabled), in the same time;
 * the audit log records the real reason. Passwords, codes and tokens are
 * wiped from memory (the request body and its JSON strings too) once
 * used. */
#include "auth/auth_api.h"
#include "auth/session.h"
#include "auth/totp.h"
#include "registry/org.h"
#include "server/write.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static session_policy policy(void)
{
    return g_session_policy;
}

void auth_wipe_secrets(request *rq, const char *const *keys)
{
    for (size_t i = 0; keys[i]; i++) {
        json_t *v = rq->json ? json_object_get(rq->json, keys[i]) : NULL;
        if (json_is_string(v) && json_string_length(v) > 0)
            sodium_memzero((char *)json_string_value(v), json_string_length(v));
    }
    if (rq->body_len > 0)
        sodium_memzero((char *)rq->body, rq->body_len);
}

static json_t *pending_json(unsigned pending)
{
    json_t *a = json_array();
    if (pending & ACTOR_PENDING_PASSWORD)
        json_array_append_new(a, json_string("password_change"));
    if (pending & ACTOR_PENDING_TOTP_ENROLL)
        json_array_append_new(a, json_string("totp_enroll"));
    if (pending & ACTOR_PENDING_ROLE)
        json_array_append_new(a, json_string("role_approval"));
    return a;
}

static json_t *user_json(db_conn *db, const actor *u)
{
    org_unit unit;
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:b}", "id", (json_int_t)u->id, "username", u->username,
                          "display_name", u->display_name, "role", role_name(u->role),
                          "role_label", role_label(u->role), "pending", pending_json(u->pending),
                          "totp_enabled", totp_enabled(db, u->id));
    if (org_get(db, u->org_unit_id, &unit) == 0)
        json_object_set_new(j, "org_unit", json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)unit.id,
                                                     "name", unit.name, "kind", unit.kind, "code", unit.code,
                                                     "path", unit.path));
    return j;
}

static int reply_throttled(response *rs, int64_t retry)
{
    rs->retry_after = (int)retry;
    return reply_error(rs, 429, "too_many_requests", NULL, "登录尝试过于频繁，请 %" PRId64 " 秒后再试", retry);
}

int password_hash_or_reply(response *rs, const char *pw, char out[static 128])
{
    if (password_hash(pw, out) == 0)
        return 0;
    rs->retry_after = 1;
    return reply_error(rs, 503, "busy", NULL, "系统繁忙，请稍后重试"), -1;
}

static const char *const LOGIN_SECRETS[] = {"password", "totp", "recovery_code", NULL};

static int login_answer(request *rq, response *rs, login_result r, int64_t retry, const char *token,
                        const actor *user, const session_policy *pol)
{
    switch (r) {
    case LOGIN_OK:
        break;
    case LOGIN_BAD_CREDENTIALS:
    case LOGIN_LOCKED:
    case LOGIN_DISABLED:
    case LOGIN_REFUSED_ADDRESS:
        /* One answer for all of them: a name's existence or state is not told. */
        return reply_error(rs, 401, "unauthorized", NULL, "用户名或密码错误（连续失败多次的账户会被暂时锁定）");
    case LOGIN_TOTP_REQUIRED:
        return reply_error(rs, 401, "totp_required", "totp", "请输入手机验证器上的6位动态验证码（或一个恢复码）");
    case LOGIN_THROTTLED:
        return reply_throttled(rs, retry);
    default:
        return reply_internal(rs);
    }
    snprintf(rs->set_cookie, sizeof rs->set_cookie, "ms_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d",
             token, pol->max_seconds);
    return reply_json(rs, 200, json_pack("{s:s, s:o, s:i}", "token", token, "user", user_json(rq->db, user),
                                         "idle_timeout_seconds", pol->idle_seconds));
}

/* POST /api/v1/auth/login — no sign-in needed.
 * Body: username*, password*, totp (6 digits) or recovery_code — needed
 * when the account has a second factor. Reply: {token, user (with
 * pending: ["password_change", "totp_enroll", "role_approval"] — steps
 * the session must take, or wait for, before anything else), idle_timeout_seconds} and the ms_session
 * cookie (HttpOnly, SameSite=Strict).
 * Errors: 401 unauthorized for a wrong name or password, a locked or a
 * disabled account alike; 401 totp_required (field totp) after a right
 * password when the second factor is missing or wrong; 429 with
 * Retry-After when this address or the server has too many failed
 * sign-ins. */
static int auth_login(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"username", "password", "totp", "recovery_code", NULL};
    login_request in = {.client_ip = rq->client_ip};
    char token[96] = "";
    actor user;
    int64_t retry = 0;
    int rc = -1;

    if (body_only(rq, rs, FIELDS) != 0 || body_str_required(rq, rs, "username", &in.username) < 0 ||
        body_str_required(rq, rs, "password", &in.password) < 0 || body_str(rq, rs, "totp", &in.totp) < 0 ||
        body_str(rq, rs, "recovery_code", &in.recovery_code) < 0)
        goto out;
    if (strlen(in.username) > 64 || strlen(in.password) > 256) {
        rc = login_answer(rq, rs, LOGIN_BAD_CREDENTIALS, 0, NULL, NULL, NULL);
        goto out;
    }
    session_policy pol = policy();
    session_prune(rq->db, &pol);
    login_result r = session_login(rq->db, &pol, &in, token, &user, &retry);
    rc = login_answer(rq, rs, r, retry, token, &user, &pol);
out:
    auth_wipe_secrets(rq, LOGIN_SECRETS);
    sodium_memzero(token, sizeof token);
    return rc;
}

/* POST /api/v1/auth/logout — roles: any signed-in user (also while a
 * step is pending). Ends this session and clears the cookie. Reply: {ok: true}. */
static int auth_logout(request *rq, response *rs)
{
    session_logout(rq->db, rq->token);
    if (write_begin_or_reply(rq, rs) != 0 ||
        write_commit_or_reply(rq, rs, &(audit_entry){.action = "logout", .entity = "session",
                                                     .org_path = rq->user.scope_path}, 200, NULL) != 0)
        return -1;
    snprintf(rs->set_cookie, sizeof rs->set_cookie, "ms_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    return 0;
}

/* GET /api/v1/auth/me — roles: any signed-in user (also while a step is
 * pending). Reply: the caller {id, username, display_name, role,
 * role_label, org_unit, pending, totp_enabled}. */
static int auth_me(request *rq, response *rs)
{
    return reply_json(rs, 200, user_json(rq->db, &rq->user));
}

/* The old password through the sign-in path (counts failures), then the
 * new one against the history; replies on failure. */
static int check_password_change_or_reply(request *rq, response *rs, const char *old_pw, const char *new_pw)
{
    char token[96];
    actor check;
    int64_t retry;
    const char *weak = password_problem(new_pw, rq->user.username);
    if (weak)
        return reply_bad_request(rs, "new_password", weak), -1;
    session_policy pol = policy();
    login_request in = {.username = rq->user.username, .password = old_pw, .client_ip = rq->client_ip,
                        .password_only = 1};
    login_result r = session_login(rq->db, &pol, &in, token, &check, &retry);
    if (r == LOGIN_THROTTLED)
        return reply_throttled(rs, retry), -1;
    if (r == LOGIN_LOCKED)
        return reply_error(rs, 423, "account_locked", NULL, "连续失败次数过多，账户已锁定"), -1;
    if (r != LOGIN_OK)
        return reply_bad_request(rs, "old_password", "原密码不正确"), -1;
    int reused = user_password_reused(rq->db, rq->user.username, new_pw);
    if (reused < 0)
        return reply_throttled(rs, 1), -1;
    if (reused)
        return reply_bad_request(rs, "new_password", "新密码不能与最近5次使用过的密码相同"), -1;
    return 0;
}

/* POST /api/v1/auth/password — roles: any signed-in user (also while a
 * step is pending: this is the forced change).
 * Body: old_password*, new_password* (at least 10 characters, three of
 * upper/lower/digit/symbol, not common, not derived from the username,
 * none of the last 5). Every session of the account ends (this one too).
 * Reply: {ok, message}. Errors: 400 old password wrong or new one weak
 * or reused; 423 locked by repeated failures; 429 throttled (also when
 * no password-check slot came free); 503 busy. */
static int auth_change_password(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"old_password", "new_password", NULL};
    static const char *const SECRETS[] = {"old_password", "new_password", NULL};
    const char *old_pw, *new_pw;
    char hash[128];
    ms_err err;
    int rc = -1;

    if (body_only(rq, rs, FIELDS) != 0 || body_str_required(rq, rs, "old_password", &old_pw) < 0 ||
        body_str_required(rq, rs, "new_password", &new_pw) < 0 ||
        check_password_change_or_reply(rq, rs, old_pw, new_pw) != 0 ||
        password_hash_or_reply(rs, new_pw, hash) != 0 || write_begin_or_reply(rq, rs) != 0)
        goto out;
    if (user_set_password_hash(rq->db, rq->user.username, hash, PASSWORD_BY_OWNER, &err) != 0) {
        rc = write_fail_or_reply(rq, rs, &err);
        goto out;
    }
    /* Every session of this account ends, this one included: whoever knew
     * the old password must not stay signed in. */
    session_end_all(rq->db, rq->user.id);
    if (write_commit_or_reply(rq, rs, &(audit_entry){.action = "password_change", .entity = "user",
                                                     .entity_id = rq->user.id, .org_path = rq->user.scope_path},
                              200, json_pack("{s:b, s:s}", "ok", 1, "message", "密码已修改，请重新登录")) != 0)
        goto out;
    snprintf(rs->set_cookie, sizeof rs->set_cookie, "ms_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    rc = 0;
out:
    sodium_memzero(hash, sizeof hash);
    auth_wipe_secrets(rq, SECRETS);
    return rc;
}

/* POST /api/v1/auth/totp/enroll — roles: any signed-in user (also while
 * a step is pending: privileged roles must enrol before anything else).
 * Starts (or restarts) enrolment of a TOTP authenticator app.
 * Reply: {secret (base32), otpauth_uri, qr_svg (the URI as an SVG QR
 * code)}. Errors: 409 a second factor is enabled already (an admin
 * resets it). */
static int auth_totp_enroll(request *rq, response *rs)
{
    totp_enrolment e;
    ms_err err;
    if (write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (totp_enroll_begin(rq->db, rq->user.id, rq->user.username, &e, &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    json_t *body = json_pack("{s:s, s:s, s:s?}", "secret", e.secret, "otpauth_uri", e.uri, "qr_svg", e.qr_svg);
    totp_enrolment_release(&e);
    return write_commit_or_reply(rq, rs, &(audit_entry){.action = "totp_enroll_start", .entity = "user",
                                                        .entity_id = rq->user.id, .org_path = rq->user.scope_path},
                                 200, body);
}

/* POST /api/v1/auth/totp/confirm — roles: any signed-in user (also
 * while a step is pending). Body: code* (6 digits from the app).
 * Enables the second factor; from now on sign-in needs a code.
 * Reply: {enabled: true, recovery_codes: [10 single-use codes]} — shown
 * this once, only their hashes are kept. Errors: 400 code wrong; 409
 * no enrolment started or already enabled. */
static int auth_totp_confirm(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"code", NULL};
    char codes[TOTP_RECOVERY_CODES][16];
    const char *code;
    ms_err err;
    int rc = -1;
    if (body_only(rq, rs, FIELDS) != 0 || body_str_required(rq, rs, "code", &code) < 0 ||
        write_begin_or_reply(rq, rs) != 0)
        goto out;
    if (totp_enroll_confirm(rq->db, rq->user.id, code, codes, &err) != 0) {
        rc = write_fail_or_reply(rq, rs, &err);
        goto out;
    }
    json_t *list = json_array();
    for (int i = 0; i < TOTP_RECOVERY_CODES; i++)
        json_array_append_new(list, json_string(codes[i]));
    sodium_memzero(codes, sizeof codes);
    rc = write_commit_or_reply(rq, rs, &(audit_entry){.action = "totp_enabled", .entity = "user",
                                                      .entity_id = rq->user.id, .org_path = rq->user.scope_path},
                               200, json_pack("{s:b, s:o}", "enabled", 1, "recovery_codes", list));
out:
    auth_wipe_secrets(rq, FIELDS);
    return rc;
}

const route auth_routes[] = {
    {.method = "POST", .pattern = "/api/v1/auth/login",    .handler = auth_login,           .roles = 0},
    {.method = "POST", .pattern = "/api/v1/auth/logout",   .handler = auth_logout,          .roles = ROLES_ALL, .allow_pending = 1},
    {.method = "GET",  .pattern = "/api/v1/auth/me",       .handler = auth_me,              .roles = ROLES_ALL, .allow_pending = 1},
    {.method = "POST", .pattern = "/api/v1/auth/password", .handler = auth_change_password, .roles = ROLES_ALL, .allow_pending = 1},
    {.method = "POST", .pattern = "/api/v1/auth/totp/enroll",  .handler = auth_totp_enroll,  .roles = ROLES_ALL, .allow_pending = 1},
    {.method = "POST", .pattern = "/api/v1/auth/totp/confirm", .handler = auth_totp_confirm, .roles = ROLES_ALL, .allow_pending = 1},
    {0}
};
