/* users_api.c — /api/v1/users (admin only): list the accounts inside
 * the admin's scope, create accounts, rename, disable/enable and reset
 * passwords. Account creation and password hashing are users.c's; this
 * file owns the account listing and the display_name/disabled UPDATE.
 * Password hashes never leave the database, and passwords never reach
 * the audit log. */
#include "auth/session.h"
#include "auth/users.h"
#include "server/handlers.h"
#include "server/scope.h"
#include "storage/query.h"
#include "util/validate.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define USER_SELECT                                                                             \
    "SELECT u.id, u.username, u.display_name, u.role, u.org_unit_id, o.code, o.name, o.kind,"  \
    " o.path, u.disabled, u.locked_until, u.failed_logins, u.created_at, u.updated_at"          \
    " FROM app_user u JOIN org_unit o ON o.id = u.org_unit_id"
static const char *const SQL_SELECT = USER_SELECT;
static const char *const SQL_SELECT_ONE = USER_SELECT " WHERE u.id = ?";
static const char *const SQL_COUNT = "SELECT COUNT(*) FROM app_user u JOIN org_unit o ON o.id = u.org_unit_id";
static const char *const SQL_UPDATE =
    "UPDATE app_user SET display_name = ?, disabled = ?, updated_at = ? WHERE id = ?";

static const char *const SORT_KEYS[] = {
    "username", "u.username", "id", "u.id", "role", "u.role", "created_at", "u.created_at", NULL};

/* ---- user as JSON --------------------------------------------------------- */

static json_t *user_row_json(db_stmt *s)
{
    role r = role_from_name(db_col_text(s, 3));
    int64_t locked_until = db_col_int(s, 10);
    json_t *unit = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)db_col_int(s, 4), "code", db_col_text(s, 5),
                             "name", db_col_text(s, 6), "kind", db_col_text(s, 7));
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o}", "id", (json_int_t)db_col_int(s, 0),
                          "username", db_col_text(s, 1), "display_name", db_col_text(s, 2),
                          "role", role_name(r), "role_label", role_label(r), "org_unit", unit);
    json_object_set_new(j, "disabled", json_boolean(db_col_int(s, 9)));
    json_object_set_new(j, "locked", json_boolean(locked_until > (int64_t)time(NULL)));
    json_object_set_new(j, "failed_logins", json_integer(db_col_int(s, 11)));
    json_object_set_new(j, "created_at", json_string(db_col_text(s, 12)));
    json_object_set_new(j, "updated_at", json_string(db_col_text(s, 13)));
    return j;
}

/* Loads a user: 0 with *out and the unit path, 1 absent, -1 error. */
static int user_load(db_conn *db, int64_t id, json_t **out, char path[256])
{
    db_stmt *s = db_prepare(db, SQL_SELECT_ONE);
    if (!s)
        return -1;
    db_bind_int(s, 1, id);
    int rc = db_step(s);
    if (rc == DB_ROW) {
        *out = user_row_json(s);
        snprintf(path, 256, "%s", db_col_text(s, 8));
    }
    db_finalize(s);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}

/* The user {id} if their unit lies in the caller's scope; 404 otherwise. */
static int user_in_scope(request *rq, response *rs, int64_t id, json_t **out, char path[256])
{
    int rc = user_load(rq->db, id, out, path);
    if (rc < 0)
        return reply_internal(rs), -1;
    if (rc > 0 || !scope_contains(rq, path)) {
        if (rc == 0)
            json_decref(*out);
        *out = NULL;
        return reply_not_found(rs, "用户"), -1;
    }
    return 0;
}

/* ---- list ------------------------------------------------------------------ */

static int add_filters(request *rq, response *rs, query *q)
{
    org_unit unit;
    const char *r = req_query(rq, "role");
    if (scope_unit_param(rq, rs, "org_unit_id", &unit) != 0)
        return -1;
    q_where(q, "o.path LIKE ? || '%'");
    q_bind_text(q, unit.path);
    if (r && *r) {
        if (!role_from_name(r))
            return reply_bad_request(rs, "role", "role 只能是 admin、auditor、street、community、grid 或 viewer"), -1;
        q_where(q, "u.role = ?");
        q_bind_text(q, r);
    }
    return 0;
}

int api_users_list(request *rq, response *rs)
{
    query q;
    page_req pg;
    char suffix[200];
    db_stmt *c = NULL, *s = NULL;
    int rc = 0;

    q_init(&q, "");
    if (req_page(rq, rs, SORT_KEYS, &pg) != 0 || add_filters(rq, rs, &q) != 0)
        goto cleanup;
    c = q_prepare_with(rq->db, SQL_COUNT, &q, "");
    snprintf(suffix, sizeof suffix, " ORDER BY %s, u.id LIMIT ? OFFSET ?", pg.order_by);
    s = q_prepare_with(rq->db, SQL_SELECT, &q, suffix);
    if (!c || !s || db_step(c) != DB_ROW) {
        rc = reply_internal(rs);
        goto cleanup;
    }
    int64_t total = db_col_int(c, 0);
    db_bind_int(s, q.nbind + 1, pg.page_size);
    db_bind_int(s, q.nbind + 2, pg.offset);
    json_t *items = json_array();
    while (db_step(s) == DB_ROW)
        json_array_append_new(items, user_row_json(s));
    rc = reply_json(rs, 200, page_result(items, &pg, total));
cleanup:
    db_finalize(c);
    db_finalize(s);
    q_free(&q);
    return rc;
}

/* ---- create ---------------------------------------------------------------- */

static int check_display_name(response *rs, const char *name)
{
    long n = name ? utf8_length(name) : 0;
    if (name && (n < 1 || n > 50))
        return reply_bad_request(rs, "display_name", "姓名（显示名）须为1到50个字"), -1;
    for (const unsigned char *p = (const unsigned char *)name; p && *p; p++)
        if (*p < 0x20 || *p == 0x7F)
            return reply_bad_request(rs, "display_name", "姓名（显示名）不能含控制字符"), -1;
    return 0;
}

/* Maps user_create's message to the field at fault. */
static int reply_create_error(response *rs, const char *err)
{
    if (strstr(err, "已存在"))
        return reply_error(rs, 409, "conflict", "username", "%s", err);
    if (strncmp(err, "用户名", strlen("用户名")) == 0)
        return reply_bad_request(rs, "username", err);
    if (strstr(err, "角色"))
        return reply_bad_request(rs, "role", err);
    if (strstr(err, "密码"))
        return reply_bad_request(rs, "password", err);
    return reply_bad_request(rs, "org_unit_id", err);
}

int api_users_create(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"username", "display_name", "role", "org_unit_id", "password", NULL};
    const char *username, *display = NULL, *role_s, *password, *weak;
    org_unit unit;
    int64_t unit_id = 0;
    char err[256], path[256];
    json_t *after = NULL;
    int rc;

    if (body_only(rq, rs, FIELDS) != 0 || body_str_required(rq, rs, "username", &username) < 0 ||
        body_str(rq, rs, "display_name", &display) < 0 || body_str_required(rq, rs, "role", &role_s) < 0 ||
        body_str_required(rq, rs, "password", &password) < 0)
        return 0;
    if ((rc = body_int(rq, rs, "org_unit_id", &unit_id)) <= 0)
        return rc < 0 ? 0 : reply_bad_request(rs, "org_unit_id", "缺少必填字段 org_unit_id（管辖单位）");
    if (check_display_name(rs, display) != 0)
        return 0;
    if (!role_from_name(role_s))
        return reply_bad_request(rs, "role", "role 只能是 admin、auditor、street、community、grid 或 viewer");
    if ((weak = password_problem(password)) != NULL)
        return reply_bad_request(rs, "password", weak);
    if (scope_unit(rq, rs, unit_id, &unit) != 0)
        return 0;
    if (begin_write(rq, rs) != 0)
        return 0;
    int64_t id = user_create(rq->db, username, display, role_s, unit.code, password, err, sizeof err);
    if (id < 0) {
        db_rollback(rq->db);
        return reply_create_error(rs, err);
    }
    if (user_load(rq->db, id, &after, path) != 0 ||
        audit_request(rq, "create", "user", id, path, NULL, after, NULL) != 0) {
        db_rollback(rq->db);
        json_decref(after);
        return reply_internal(rs);
    }
    if (commit_write(rq, rs) != 0) {
        json_decref(after);
        return 0;
    }
    return reply_json(rs, 201, after);
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
    if (check_display_name(rs, c->display_name) != 0)
        return -1;
    if (c->password && (weak = password_problem(c->password)) != NULL)
        return reply_bad_request(rs, "password", weak), -1;
    if (c->disabled == 1 && rq->id == rq->user.id)
        return reply_bad_request(rs, "disabled", "不能停用自己的账户"), -1;
    return 0;
}

static int apply_change(request *rq, json_t *before, const user_change *c, char *err, size_t errsz)
{
    char now[20];
    const char *name = c->display_name ? c->display_name : json_string_value(json_object_get(before, "display_name"));
    int disabled = c->disabled >= 0 ? c->disabled : json_is_true(json_object_get(before, "disabled"));
    db_stmt *s = db_prepare(rq->db, SQL_UPDATE);
    if (!s)
        return -1;
    db_bind_text(s, 1, name);
    db_bind_int(s, 2, disabled);
    db_bind_text(s, 3, db_now(now));
    db_bind_int(s, 4, rq->id);
    int rc = db_step_done(s);
    db_finalize(s);
    if (rc != DB_DONE)
        return -1;
    const char *username = json_string_value(json_object_get(before, "username"));
    if (c->password && user_set_password(rq->db, username, c->password, err, errsz) != 0)
        return -1;
    /* A disabled account or a reset password ends the user's sessions
     * (not the admin's own session when they reset their own password). */
    if ((disabled || c->password) && rq->id != rq->user.id)
        session_end_all(rq->db, rq->id);
    return 0;
}

int api_users_update(request *rq, response *rs)
{
    user_change c;
    json_t *before = NULL, *after = NULL;
    char path[256], err[256] = "";
    int rc = 0;

    if (read_change(rq, rs, &c) != 0 || user_in_scope(rq, rs, rq->id, &before, path) != 0)
        return 0;
    if (begin_write(rq, rs) != 0)
        goto cleanup;
    if (apply_change(rq, before, &c, err, sizeof err) != 0 || user_load(rq->db, rq->id, &after, path) != 0) {
        db_rollback(rq->db);
        rc = err[0] ? reply_bad_request(rs, "password", err) : reply_internal(rs);
        goto cleanup;
    }
    const char *detail = c.password ? "重置密码（同时解除锁定）" : NULL;
    if (audit_request(rq, "update", "user", rq->id, path, before, after, detail) != 0) {
        db_rollback(rq->db);
        rc = reply_internal(rs);
        goto cleanup;
    }
    if (commit_write(rq, rs) == 0)
        rc = reply_json(rs, 200, json_incref(after));
cleanup:
    json_decref(before);
    json_decref(after);
    return rc;
}
