/* auth_api.c — /api/v1/auth: sign in (cookie + bearer token), sign out,
 * who am I, change my password. Session mechanics are in session.c. */
#include "auth/session.h"
#include "registry/org.h"
#include "server/handlers.h"
#include "server/scope.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static session_policy policy(void)
{
    session_policy p = {g_config.session_idle_seconds, g_config.session_max_seconds,
                        g_config.lockout_threshold, g_config.lockout_seconds};
    return p;
}

static json_t *user_json(db_conn *db, const actor *u)
{
    org_unit unit;
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)u->id, "username", u->username,
                          "display_name", u->display_name, "role", role_name(u->role),
                          "role_label", role_label(u->role));
    if (org_get(db, u->org_unit_id, &unit) == 0)
        json_object_set_new(j, "org_unit", json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)unit.id,
                                                     "name", unit.name, "kind", unit.kind, "code", unit.code,
                                                     "path", unit.path));
    return j;
}

int api_login(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"username", "password", NULL};
    const char *username, *password;
    char token[96];
    actor user;
    int64_t retry = 0;

    if (body_only(rq, rs, FIELDS) != 0 || body_str_required(rq, rs, "username", &username) < 0 ||
        body_str_required(rq, rs, "password", &password) < 0)
        return 0;
    if (strlen(username) > 64 || strlen(password) > 256)
        return reply_error(rs, 401, "unauthorized", NULL, "用户名或密码错误");
    session_policy pol = policy();
    session_prune(rq->db, &pol);
    switch (session_login(rq->db, &pol, username, password, rq->client_ip, token, &user, &retry)) {
    case LOGIN_OK:
        break;
    case LOGIN_BAD_CREDENTIALS:
        return reply_error(rs, 401, "unauthorized", NULL, "用户名或密码错误");
    case LOGIN_LOCKED:
        return reply_error(rs, 423, "account_locked", NULL, "连续登录失败次数过多，账户已锁定，请 %" PRId64 " 分钟后再试或联系管理员",
                           (retry + 59) / 60);
    case LOGIN_DISABLED:
        return reply_error(rs, 403, "account_disabled", NULL, "账户已停用，请联系管理员");
    default:
        return reply_internal(rs);
    }
    snprintf(rs->set_cookie, sizeof rs->set_cookie, "ms_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d",
             token, pol.max_seconds);
    return reply_json(rs, 200, json_pack("{s:s, s:o, s:i}", "token", token, "user", user_json(rq->db, &user),
                                         "idle_timeout_seconds", pol.idle_seconds));
}

int api_logout(request *rq, response *rs)
{
    session_logout(rq->db, rq->token);
    if (begin_write(rq, rs) != 0)
        return 0;
    if (audit_request(rq, "logout", "session", 0, rq->user.scope_path, NULL, NULL, NULL) != 0) {
        db_rollback(rq->db);
        return reply_internal(rs);
    }
    if (commit_write(rq, rs) != 0)
        return 0;
    snprintf(rs->set_cookie, sizeof rs->set_cookie, "ms_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    return reply_json(rs, 200, json_pack("{s:b}", "ok", 1));
}

int api_me(request *rq, response *rs)
{
    return reply_json(rs, 200, user_json(rq->db, &rq->user));
}

int api_change_password(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"old_password", "new_password", NULL};
    const char *old_pw, *new_pw;
    char token[96], err[256];
    actor check;
    int64_t retry;

    if (body_only(rq, rs, FIELDS) != 0 || body_str_required(rq, rs, "old_password", &old_pw) < 0 ||
        body_str_required(rq, rs, "new_password", &new_pw) < 0)
        return 0;
    const char *weak = password_problem(new_pw);
    if (weak)
        return reply_bad_request(rs, "new_password", weak);
    /* Re-check the old password through the normal login path (counts failures). */
    session_policy pol = policy();
    login_result r = session_login(rq->db, &pol, rq->user.username, old_pw, rq->client_ip, token, &check, &retry);
    if (r == LOGIN_LOCKED)
        return reply_error(rs, 423, "account_locked", NULL, "连续失败次数过多，账户已锁定");
    if (r != LOGIN_OK)
        return reply_bad_request(rs, "old_password", "原密码不正确");
    session_logout(rq->db, token);
    if (begin_write(rq, rs) != 0)
        return 0;
    if (user_set_password(rq->db, rq->user.username, new_pw, err, sizeof err) != 0 ||
        audit_request(rq, "password_change", "user", rq->user.id, rq->user.scope_path, NULL, NULL, NULL) != 0) {
        db_rollback(rq->db);
        return reply_internal(rs);
    }
    /* Every session of this account ends, this one included: whoever knew
     * the old password must not stay signed in. */
    session_end_all(rq->db, rq->user.id);
    if (commit_write(rq, rs) != 0)
        return 0;
    snprintf(rs->set_cookie, sizeof rs->set_cookie, "ms_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    return reply_json(rs, 200, json_pack("{s:b, s:s}", "ok", 1, "message", "密码已修改，请重新登录"));
}
