/* users_api.c — /api/v1/users: the system administrator (admin) lists
 * the accounts inside its scope, creates accounts, renames,
 * disables/enables, resets passwords (the user must change them at the
 * next sign-in) and second factors; the security administrator
 * (secadmin) lists them and sets or confirms their role and scope
 * (PUT /users/{id}/role). An account the admin creates can do nothing
 * until the secadmin confirms its role. Changes to privileged accounts
 * (creation, password reset, re-enabling, second-factor reset, role)
 * are not applied here: they become change requests that a person of
 * the other role approves (auth/duties.h, duties_api.c) — 202.
 * The SQL and rules are users.c's and duties.c's; this file translates
 * HTTP to them and back, and owns only the list filters. Password
 * hashes never leave the database, and passwords never reach the audit
 * log. */
#include "auth/duties.h"
#include "auth/auth_api.h"
#include "auth/session.h"
#include "auth/totp.h"
#include "auth/users.h"
#include "registry/registry_api.h"
#include "server/write.h"
#include "storage/query.h"
#include "util/validate.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const SORT_KEYS[] = {
    "username", "u.username", "id", "u.id", "role", "u.role", "created_at", "u.created_at", NULL};

/* ---- user as JSON --------------------------------------------------------- */

static json_t *user_json(const user_account *u)
{
    json_t *unit = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)u->org_unit_id, "code", u->org_code,
                             "name", u->org_name, "kind", u->org_kind);
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o}", "id", (json_int_t)u->id, "username", u->username,
                          "display_name", u->display_name, "role", role_name(u->role),
                          "role_label", role_label(u->role), "org_unit", unit);
    json_object_set_new(j, "disabled", json_boolean(u->disabled));
    json_object_set_new(j, "locked", json_boolean(u->locked_until > (int64_t)time(NULL)));
    json_object_set_new(j, "failed_logins", json_integer(u->failed_logins));
    json_object_set_new(j, "created_at", json_string(u->created_at));
    json_object_set_new(j, "updated_at", json_string(u->updated_at));
    json_object_set_new(j, "last_login_at", u->last_login_at ? json_integer(u->last_login_at) : json_null());
    json_object_set_new(j, "must_change_password", json_boolean(u->must_change_password));
    json_object_set_new(j, "totp_enabled", json_boolean(u->totp_enabled));
    json_object_set_new(j, "role_approved", json_boolean(u->role_approved));
    return j;
}

/* The account {id} if its unit lies in the caller's scope; 404 otherwise. */
static int user_in_scope_or_reply(request *rq, response *rs, int64_t id, user_account *out)
{
    int rc = user_get(rq->db, id, out);
    if (rc < 0)
        return reply_internal(rs), -1;
    if (rc > 0 || !scope_contains(rq, out->org_path))
        return reply_not_found(rs, "用户"), -1;
    return 0;
}

/* Reloads account id inside the write and builds its JSON. */
static json_t *user_reload(db_conn *db, int64_t id, user_account *u)
{
    return user_get(db, id, u) == 0 ? user_json(u) : NULL;
}

/* ---- list ------------------------------------------------------------------ */

/* q: a part of the username or the display name (ASCII case folded on
 * both engines, as the household search). */
static int add_text_filter(request *rq, response *rs, query *q)
{
    const char *text = req_query(rq, "q");
    if (!text || !*text)
        return 0;
    long n = utf8_length(text);
    if (n < 0 || n > 50)
        return reply_bad_request(rs, "q", "查询内容须为不超过50字的文字"), -1;
    char *esc = like_escape(text);
    q_where(q, "(lower(u.username) LIKE lower('%' || ? || '%') ESCAPE '\\'"
               " OR lower(u.display_name) LIKE lower('%' || ? || '%') ESCAPE '\\')");
    q_bind_text(q, esc);
    q_bind_text(q, esc);
    free(esc);
    return 0;
}

/* status: active (enabled and not locked), disabled, locked (a lock
 * still running), unapproved (role not yet confirmed by the secadmin). */
static int add_status_filter(request *rq, response *rs, query *q)
{
    static const char *const STATUSES[] = {"active", "disabled", "locked", "unapproved", NULL};
    const char *st = req_query(rq, "status");
    if (!st || !*st)
        return 0;
    if (!str_in_set(st, STATUSES))
        return reply_bad_request(rs, "status", "status 只能是 active、disabled、locked 或 unapproved"), -1;
    if (strcmp(st, "disabled") == 0) {
        q_where(q, "u.disabled = 1");
        return 0;
    }
    if (strcmp(st, "unapproved") == 0) {
        q_where(q, "u.role_approved = 0");
        return 0;
    }
    q_where(q, strcmp(st, "locked") == 0 ? "u.locked_until > ?" : "u.disabled = 0 AND u.locked_until <= ?");
    q_bind_int(q, (int64_t)time(NULL));
    return 0;
}

static int add_filters(request *rq, response *rs, query *q)
{
    org_unit unit;
    const char *r = req_query(rq, "role");
    if (add_text_filter(rq, rs, q) != 0 || add_status_filter(rq, rs, q) != 0)
        return -1;
    if (org_unit_param_or_reply(rq, rs, "org_unit_id", &unit) != 0)
        return -1;
    q_where(q, "o.path LIKE ? || '%'");
    q_bind_text(q, unit.path);
    if (r && *r) {
        if (!role_from_name(r))
            return reply_bad_request(rs, "role", "role 只能是 " ROLE_NAMES_TEXT " 之一"), -1;
        q_where(q, "u.role = ?");
        q_bind_text(q, r);
    }
    return 0;
}

/* GET /api/v1/users — roles: admin, secadmin.
 * Query: org_unit_id (default own unit), role, q (part of the username
 * or display name), status (active|disabled|locked|unapproved), page,
 * page_size, sort (username|id|role|created_at). Reply: page of accounts.
 * Errors: 400; 404 unit outside scope. */
static int users_list(request *rq, response *rs)
{
    query q;
    page_req pg;
    char suffix[200];
    db_stmt *s = NULL;
    int64_t total;
    int rc = -1;

    q_init(&q, "");
    if (req_page(rq, rs, SORT_KEYS, &pg) != 0 || add_filters(rq, rs, &q) != 0)
        goto out;
    snprintf(suffix, sizeof suffix, " ORDER BY %s, u.id LIMIT ? OFFSET ?", pg.order_by);
    if (!(s = page_query_or_reply(rq, rs, USER_COUNT, USER_SELECT, &q, suffix, &pg, &total)))
        goto out;
    json_t *items = json_array();
    user_account u;
    while (db_step(s) == DB_ROW) {
        user_from_row(s, &u);
        json_array_append_new(items, user_json(&u));
    }
    rc = reply_json(rs, 200, page_result(items, &pg, total));
out:
    db_finalize(s);
    q_free(&q);
    return rc;
}

/* ---- create ---------------------------------------------------------------- */

static int check_display_name_or_reply(response *rs, const char *name)
{
    long n = name ? utf8_length(name) : 0;
    if (name && (n < 1 || n > 50))
        return reply_bad_request(rs, "display_name", "姓名（显示名）须为1到50个字"), -1;
    for (const unsigned char *p = (const unsigned char *)name; p && *p; p++)
        if (*p < 0x20 || *p == 0x7F)
            return reply_bad_request(rs, "display_name", "姓名（显示名）不能含控制字符"), -1;
    return 0;
}

/* A privileged account is created only when the security administrator
 * approves: the request keeps the password's hash. */
static int propose_create_or_reply(request *rq, response *rs, const char *username, const char *display,
                                   role r, const org_unit *unit, const char *password)
{
    change_request req = {.kind = "create", .org_unit_id = unit->id, .disabled = -1};
    ms_err err;
    if (user_check_new(username, role_name(r), &err) != 0)
        return reply_err(rs, &err), -1;
    if (user_exists(rq->db, username))
        return reply_error(rs, 409, "conflict", "username", "用户名 %s 已存在", username), -1;
    snprintf(req.username, sizeof req.username, "%s", username);
    snprintf(req.display_name, sizeof req.display_name, "%s", display && *display ? display : username);
    snprintf(req.role, sizeof req.role, "%s", role_name(r));
    snprintf(req.summary, sizeof req.summary, "创建%s账户 %s（%s）", role_label(r), username, unit->name);
    if (password_hash_or_reply(rs, password, req.password_hash) != 0)
        return -1;
    int rc = change_propose_or_reply(rq, rs, &req, unit->path);
    sodium_memzero(req.password_hash, sizeof req.password_hash);
    return rc;
}

/* POST /api/v1/users — roles: admin.
 * Body: username*, role*, org_unit_id*, password*, display_name.
 * Reply 201: the account, with role_approved false: it can sign in, but
 * does nothing until the security administrator confirms its role and
 * scope (PUT /users/{id}/role). For a privileged role (admin, secadmin,
 * auditor) nothing is created yet: 202 {change_request} for the security
 * administrator to approve. Errors: 400 field (weak password, role that
 * does not fit the unit); 404 unit outside scope; 409 username taken;
 * 503 busy (no password-hashing slot came free in 10 s). */
static int create_account(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"username", "display_name", "role", "org_unit_id", "password", NULL};
    const char *username, *display = NULL, *role_s, *password, *weak;
    org_unit unit;
    user_account u;
    int64_t unit_id = 0;
    ms_err err;
    int rc;
    role r;

    if (body_only(rq, rs, FIELDS) != 0 || body_str_required(rq, rs, "username", &username) < 0 ||
        body_str(rq, rs, "display_name", &display) < 0 || body_str_required(rq, rs, "role", &role_s) < 0 ||
        body_str_required(rq, rs, "password", &password) < 0)
        return -1;
    if ((rc = body_int(rq, rs, "org_unit_id", &unit_id)) <= 0)
        return rc < 0 ? -1 : reply_bad_request(rs, "org_unit_id", "缺少必填字段 org_unit_id（管辖单位）");
    if (check_display_name_or_reply(rs, display) != 0)
        return -1;
    if (!(r = role_from_name(role_s)))
        return reply_bad_request(rs, "role", "role 只能是 " ROLE_NAMES_TEXT " 之一");
    if ((weak = password_problem(password, username)) != NULL)
        return reply_bad_request(rs, "password", weak);
    if (org_unit_in_scope_or_reply(rq, rs, unit_id, &unit) != 0)
        return -1;
    if (r & ROLES_PRIVILEGED)
        return propose_create_or_reply(rq, rs, username, display, r, &unit, password);
    char hash[128];
    if (password_hash_or_reply(rs, password, hash) != 0)
        return -1;
    if (write_begin_or_reply(rq, rs) != 0)
        return sodium_memzero(hash, sizeof hash), -1;
    int64_t id = user_create_hashed(rq->db, username, display, role_s, unit.code, hash, &err);
    sodium_memzero(hash, sizeof hash);
    if (id < 0 || user_set_role(rq->db, id, r, unit.id, 0, &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    json_t *after = user_reload(rq->db, id, &u);
    if (!after)
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    return write_commit_or_reply(rq, rs, &(audit_entry){.action = "create", .entity = "user", .entity_id = id,
                                                        .org_path = u.org_path, .after = after,
                                                        .detail = "角色待安全管理员确认"}, 201, after);
}

static const char *const PASSWORD_FIELD[] = {"password", NULL};

static int users_create(request *rq, response *rs)
{
    int rc = create_account(rq, rs);
    auth_wipe_secrets(rq, PASSWORD_FIELD);
    return rc;
}

/* ---- update ---------------------------------------------------------------- */

typedef struct user_change {
    const char *display_name;   /* NULL = unchanged */
    int disabled;               /* -1 = unchanged */
    const char *password;       /* NULL = unchanged */
} user_change;

static int read_change(request *rq, response *rs, user_change *c)
{
    static const char *const FIELDS[] = {"display_name", "disabled", "password", NULL};
    const char *weak;
    int d, rc;
    c->disabled = -1;
    if (body_only(rq, rs, FIELDS) != 0 || body_str(rq, rs, "display_name", &c->display_name) < 0 ||
        body_str(rq, rs, "password", &c->password) < 0 || (rc = body_bool(rq, rs, "disabled", &d)) < 0)
        return -1;
    if (rc > 0)
        c->disabled = d;
    if (!c->display_name && c->disabled < 0 && !c->password)
        return reply_bad_request(rs, NULL, "请至少提供 display_name、disabled、password 中的一项"), -1;
    if (check_display_name_or_reply(rs, c->display_name) != 0)
        return -1;
    if (c->password && (weak = password_problem(c->password, NULL)) != NULL)
        return reply_bad_request(rs, "password", weak), -1;
    if (c->disabled == 1 && rq->id == rq->user.id)
        return reply_bad_request(rs, "disabled", "不能停用自己的账户"), -1;
    return 0;
}

/* Whether the change needs a second person: a privileged account's
 * password reset or re-enabling. */
static int change_needs_approval(const user_account *cur, const user_change *c)
{
    return (cur->role & ROLES_PRIVILEGED) && (c->password || (c->disabled == 0 && cur->disabled));
}

static int propose_update_or_reply(request *rq, response *rs, const user_account *cur, const user_change *c)
{
    change_request req = {.kind = "update", .target_user_id = cur->id, .disabled = c->disabled};
    const char *weak;
    if (c->password && (weak = password_problem(c->password, cur->username)) != NULL)
        return reply_bad_request(rs, "password", weak), -1;
    snprintf(req.username, sizeof req.username, "%s", cur->username);
    snprintf(req.display_name, sizeof req.display_name, "%s", c->display_name ? c->display_name : "");
    snprintf(req.summary, sizeof req.summary, "%s账户 %s：%s%s%s", role_label(cur->role), cur->username,
             c->password ? "重置密码（并解除锁定）" : "", c->password && c->disabled == 0 ? "，" : "",
             c->disabled == 0 ? "重新启用" : "");
    if (c->password && password_hash_or_reply(rs, c->password, req.password_hash) != 0)
        return -1;
    int rc = change_propose_or_reply(rq, rs, &req, cur->org_path);
    sodium_memzero(req.password_hash, sizeof req.password_hash);
    return rc;
}

/* PATCH /api/v1/users/{id} — roles: admin.
 * Body: display_name, disabled, password (a reset, which also unlocks).
 * Disabling or resetting ends the account's sessions (not the admin's
 * own). Reply: the account. For a privileged account (admin, secadmin,
 * auditor) a password reset or re-enabling is not applied: 202
 * {change_request} for the security administrator to approve.
 * Errors: 400 field (cannot disable yourself); 404 outside scope; 503
 * busy (no password-hashing slot came free in 10 s). */
static int update_account(request *rq, response *rs)
{
    user_change c;
    user_account cur, u;
    ms_err err;

    if (read_change(rq, rs, &c) != 0 || user_in_scope_or_reply(rq, rs, rq->id, &cur) != 0)
        return -1;
    if (change_needs_approval(&cur, &c))
        return propose_update_or_reply(rq, rs, &cur, &c);
    /* A reset password is checked against the name and hashed before the
     * transaction (see password_hash_or_reply). */
    char hash[128] = "";
    const char *weak;
    if (c.password && (weak = password_problem(c.password, cur.username)) != NULL)
        return reply_bad_request(rs, "password", weak), -1;
    if (c.password && password_hash_or_reply(rs, c.password, hash) != 0)
        return -1;
    if (write_begin_or_reply(rq, rs) != 0)
        return sodium_memzero(hash, sizeof hash), -1;
    int disabled = c.disabled >= 0 ? c.disabled : cur.disabled;
    int failed = user_update(rq->db, rq->id, c.display_name ? c.display_name : cur.display_name, disabled, &err) != 0 ||
                 (c.password && user_set_password_hash(rq->db, cur.username, hash, PASSWORD_BY_ADMIN, &err) != 0);
    sodium_memzero(hash, sizeof hash);
    if (failed)
        return write_fail_or_reply(rq, rs, &err);
    /* A disabled account or a reset password ends the user's sessions
     * (not the admin's own session when they reset their own password). */
    if ((disabled || c.password) && rq->id != rq->user.id)
        session_end_all(rq->db, rq->id);
    json_t *after = user_reload(rq->db, rq->id, &u);
    if (!after)
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    json_t *before = user_json(&cur);
    int rc = write_commit_or_reply(rq, rs, &(audit_entry){.action = "update", .entity = "user", .entity_id = rq->id,
                                                          .org_path = u.org_path, .before = before, .after = after,
                                                          .detail = c.password ? "重置密码（同时解除锁定，用户下次登录须修改）" : NULL},
                                   200, after);
    json_decref(before);
    return rc;
}

static int users_update(request *rq, response *rs)
{
    int rc = update_account(rq, rs);
    auth_wipe_secrets(rq, PASSWORD_FIELD);
    return rc;
}

/* ---- second factor ------------------------------------------------------- */

/* POST /api/v1/users/{id}/totp/reset — roles: admin.
 * Removes the account's second factor and recovery codes (a lost phone)
 * and ends its sessions; a privileged user must enrol again at the next
 * sign-in. Audited. For a privileged account (admin, secadmin, auditor)
 * 202 {change_request}: the security administrator approves.
 * Reply: the account. Errors: 404 outside scope; 409 no second factor
 * to reset. */
static int users_totp_reset(request *rq, response *rs)
{
    user_account cur, u;
    ms_err err;
    if (user_in_scope_or_reply(rq, rs, rq->id, &cur) != 0)
        return -1;
    if (cur.role & ROLES_PRIVILEGED) {
        change_request req = {.kind = "totp_reset", .target_user_id = cur.id, .disabled = -1};
        snprintf(req.username, sizeof req.username, "%s", cur.username);
        snprintf(req.summary, sizeof req.summary, "重置%s %s 的动态验证码", role_label(cur.role), cur.username);
        return change_propose_or_reply(rq, rs, &req, cur.org_path);
    }
    if (write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (totp_remove(rq->db, rq->id, &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    if (rq->id != rq->user.id)
        session_end_all(rq->db, rq->id);
    json_t *after = user_reload(rq->db, rq->id, &u);
    if (!after)
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    return write_commit_or_reply(rq, rs, &(audit_entry){.action = "totp_reset", .entity = "user", .entity_id = rq->id,
                                                        .org_path = u.org_path, .detail = "重置动态验证码（双因素认证）"},
                                 200, after);
}

/* ---- role and scope (the security administrator) ---------------------------- */

/* PUT /api/v1/users/{id}/role — roles: secadmin.
 * Body: role*, org_unit_id*. Sets or confirms the account's role and
 * scope (an account the admin created can do nothing before) and ends
 * its sessions when either changes. Reply: the account. When the account
 * is privileged or is to become so: 202 {change_request}, for the system
 * administrator to approve. Errors: 400 field (unknown role, role that
 * does not fit the unit); 404 account or unit outside scope. */
static int users_set_role(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"role", "org_unit_id", NULL};
    const char *role_s;
    int64_t unit_id = 0;
    user_account cur, u;
    org_unit unit;
    ms_err err;
    role r;
    int rc;

    if (body_only(rq, rs, FIELDS) != 0 || body_str_required(rq, rs, "role", &role_s) < 0)
        return -1;
    if ((rc = body_int(rq, rs, "org_unit_id", &unit_id)) <= 0)
        return rc < 0 ? -1 : reply_bad_request(rs, "org_unit_id", "缺少必填字段 org_unit_id（管辖单位）");
    if (!(r = role_from_name(role_s)))
        return reply_bad_request(rs, "role", "role 只能是 " ROLE_NAMES_TEXT " 之一");
    if (user_in_scope_or_reply(rq, rs, rq->id, &cur) != 0 || org_unit_in_scope_or_reply(rq, rs, unit_id, &unit) != 0)
        return -1;
    if ((cur.role | r) & ROLES_PRIVILEGED) {
        change_request req = {.kind = "role", .target_user_id = cur.id, .org_unit_id = unit.id, .disabled = -1};
        snprintf(req.username, sizeof req.username, "%s", cur.username);
        snprintf(req.role, sizeof req.role, "%s", role_name(r));
        snprintf(req.summary, sizeof req.summary, "将 %s 的角色设为%s（%s），原为%s", cur.username, role_label(r),
                 unit.name, role_label(cur.role));
        return change_propose_or_reply(rq, rs, &req, cur.org_path);
    }
    if (write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (user_set_role(rq->db, cur.id, r, unit.id, 1, &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    if (cur.role != r || cur.org_unit_id != unit.id)
        session_end_all(rq->db, cur.id);
    json_t *after = user_reload(rq->db, cur.id, &u);
    if (!after)
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    json_t *before = user_json(&cur);
    rc = write_commit_or_reply(rq, rs, &(audit_entry){.action = "set_role", .entity = "user", .entity_id = cur.id,
                                                      .org_path = u.org_path, .before = before, .after = after,
                                                      .detail = cur.role_approved ? "安全管理员变更角色和管辖范围"
                                                                                  : "安全管理员确认角色和管辖范围"},
                               200, after);
    json_decref(before);
    return rc;
}

const route users_routes[] = {
    {.method = "GET",   .pattern = "/api/v1/users",      .handler = users_list,   .roles = ROLES_ACCOUNTS},
    {.method = "POST",  .pattern = "/api/v1/users",      .handler = users_create, .roles = ROLE_ADMIN},
    {.method = "PATCH", .pattern = "/api/v1/users/{id}", .handler = users_update, .roles = ROLE_ADMIN},
    {.method = "POST",  .pattern = "/api/v1/users/{id}/totp/reset", .handler = users_totp_reset, .roles = ROLE_ADMIN},
    {.method = "PUT",   .pattern = "/api/v1/users/{id}/role", .handler = users_set_role, .roles = ROLE_SECADMIN},
    {0}
};
