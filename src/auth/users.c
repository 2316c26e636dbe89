/* users.c — accounts, roles and password hashing (see users.h).
 * Owns account creation, role and password SQL on app_user (with the
 * password's age and forced change, the role and its approval) and the
 * password_history table; login counters
 * and last_login_at are session.c's, the admin listing users_api.c's. */
#include "auth/users.h"
#include "auth/session.h"
#include "auth/throttle.h"
#include "registry/org.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const SQL_INSERT =
    "INSERT INTO app_user(username, display_name, role, org_unit_id, password_hash, created_at, updated_at,"
    " password_changed_at, must_change_password, enabled_at)"
    " VALUES (?,?,?,?,?,?,?,?,1,?)";
static const char *const SQL_KEEP_HISTORY =
    "INSERT INTO password_history(user_id, password_hash, replaced_at)"
    " SELECT id, password_hash, ? FROM app_user WHERE username = ?";
static const char *const SQL_TRIM_HISTORY =
    "DELETE FROM password_history WHERE user_id = (SELECT id FROM app_user WHERE username = ?)"
    " AND id NOT IN (SELECT h.id FROM password_history h JOIN app_user u ON u.id = h.user_id"
    " WHERE u.username = ? ORDER BY h.id DESC LIMIT ?)";
static const char *const SQL_SET_PASSWORD =
    "UPDATE app_user SET password_hash = ?, failed_logins = 0, locked_until = 0, updated_at = ?,"
    " password_changed_at = ?, must_change_password = ? WHERE username = ?";
static const char *const SQL_RECENT_HASHES =
    "SELECT password_hash FROM app_user WHERE username = ?"
    " UNION ALL SELECT * FROM (SELECT h.password_hash FROM password_history h JOIN app_user u ON u.id = h.user_id"
    " WHERE u.username = ? ORDER BY h.id DESC LIMIT ?) AS recent";
static const char *const SQL_SET_ROLE =
    "UPDATE app_user SET role = ?, org_unit_id = ?, role_approved = ?, updated_at = ? WHERE id = ?";
static const char *const SQL_KEEP_PASSWORD = "UPDATE app_user SET must_change_password = 0 WHERE username = ?";
static const char *const SQL_GET = USER_SELECT " WHERE u.id = ?";
static const char *const SQL_UPDATE =
    "UPDATE app_user SET display_name = ?, enabled_at = CASE WHEN disabled = 1 AND ? = 0 THEN ? ELSE enabled_at END,"
    " disabled = ?, updated_at = ? WHERE id = ?";
static const char *const SQL_LOAD_CTX =
    "SELECT u.id, u.username, u.display_name, u.role, u.org_unit_id, o.path, o.name"
    " FROM app_user u JOIN org_unit o ON o.id = u.org_unit_id WHERE u.id = ? AND u.disabled = 0";

/* Every Argon2id run takes a slot of the cap (throttle.c): at most
 * g_session_policy.max_concurrent_checks at once in this process. */
int password_hash(const char *pw, char out[static 128])
{
    _Static_assert(crypto_pwhash_STRBYTES <= 128, "hash buffer too small");
    if (throttle_check_acquire(g_session_policy.max_concurrent_checks, THROTTLE_CHECK_WAIT_MS) != 0)
        return -1;
    int rc = crypto_pwhash_str_alg(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                   crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13);
    throttle_check_release();
    return rc == 0 ? 0 : -1;
}

int password_verify(const char *hash, const char *pw)
{
    if (throttle_check_acquire(g_session_policy.max_concurrent_checks, THROTTLE_CHECK_WAIT_MS) != 0)
        return -1;
    int ok = crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
    throttle_check_release();
    return ok;
}

/* Which kinds of unit each role may be scoped to. The street-level
 * roles may also be scoped to the district: the same role over all its
 * streets (district staff are street staff of the whole district, with
 * the same fields and masking). */
static int role_fits_unit(role r, const char *kind)
{
    int street_level = strcmp(kind, "street") == 0 || strcmp(kind, "district") == 0;
    switch (r) {
    case ROLE_ADMIN:
    case ROLE_SECADMIN:
    case ROLE_AUDITOR:
    case ROLE_STREET: return street_level;
    case ROLE_COMMUNITY: return strcmp(kind, "community") == 0;
    case ROLE_GRID: return strcmp(kind, "grid") == 0;
    case ROLE_VIEWER: return strcmp(kind, "building") != 0;
    }
    return 0;
}

static int username_ok(const char *u)
{
    size_t n = u ? strlen(u) : 0;
    if (n < 2 || n > 32)
        return 0;
    for (const unsigned char *p = (const unsigned char *)u; *p; p++)
        if (!isalnum(*p) && *p != '_' && *p != '-' && *p != '.')
            return 0;
    return 1;
}

int user_check_new(const char *username, const char *role_name_s, ms_err *err)
{
    if (!username_ok(username))
        return err_set(err, ERR_INVALID, "username", "用户名须为2到32位字母、数字或 _ - .");
    if (!role_from_name(role_name_s))
        return err_set(err, ERR_INVALID, "role", "未知角色 %s（可选: %s）", role_name_s ? role_name_s : "",
                       ROLE_NAMES_TEXT);
    return 0;
}

/* The unit of code `org_code` when role r may be scoped to it. */
static int unit_for_role(db_conn *db, role r, const char *org_code, org_unit *unit, ms_err *err)
{
    if (org_get_by_code(db, org_code ? org_code : "", unit) != 0)
        return err_set(err, ERR_INVALID, "org_unit_id", "单位编码 %s 不存在", org_code ? org_code : "");
    if (!role_fits_unit(r, unit->kind))
        return err_set(err, ERR_INVALID, "role", "%s不能以%s为管辖范围", role_label(r), org_kind_label(unit->kind));
    return 0;
}

int64_t user_create_hashed(db_conn *db, const char *username, const char *display_name, const char *role_name_s,
                           const char *org_code, const char *hash, ms_err *err)
{
    org_unit unit;
    char now[20];
    role r = role_from_name(role_name_s);
    if (user_check_new(username, role_name_s, err) != 0 || unit_for_role(db, r, org_code, &unit, err) != 0)
        return -1;
    int64_t t = (int64_t)time(NULL);
    int rc = db_exec_args(db, SQL_INSERT, DB_TEXT(username),
                          DB_TEXT(display_name && *display_name ? display_name : username), DB_TEXT(role_name(r)),
                          DB_INT(unit.id), DB_TEXT(hash), DB_TEXT(db_now(now)), DB_TEXT(now), DB_INT(t), DB_INT(t));
    if (rc == DB_CONSTRAINT)
        return err_set(err, ERR_CONFLICT, "username", "用户名 %s 已存在", username);
    if (rc != DB_DONE)
        return err_set(err, ERR_DB, NULL, "保存用户失败: %s", db_errmsg(db));
    return db_last_insert_id(db);
}

int64_t user_create(db_conn *db, const char *username, const char *display_name,
                    const char *role_name_s, const char *org_code, const char *password, ms_err *err)
{
    char hash[128];
    const char *weak;
    if (user_check_new(username, role_name_s, err) != 0)
        return -1;
    if ((weak = password_problem(password, username)) != NULL)
        return err_set(err, ERR_INVALID, "password", "%s", weak);
    if (password_hash(password, hash) != 0)
        return err_set(err, ERR_DB, "password", "密码加密失败（内存不足）");
    int64_t id = user_create_hashed(db, username, display_name, role_name_s, org_code, hash, err);
    sodium_memzero(hash, sizeof hash);
    return id;
}

int user_exists(db_conn *db, const char *username)
{
    return db_exists(db, "SELECT 1 FROM app_user WHERE username = ?", DB_TEXT(username));
}

int user_set_role(db_conn *db, int64_t id, role r, int64_t org_unit_id, int approved, ms_err *err)
{
    org_unit unit;
    char now[20];
    if (org_get(db, org_unit_id, &unit) != 0)
        return err_set(err, ERR_INVALID, "org_unit_id", "单位不存在");
    if (unit_for_role(db, r, unit.code, &unit, err) != 0)
        return -1;
    if (db_exec_args(db, SQL_SET_ROLE, DB_TEXT(role_name(r)), DB_INT(unit.id), DB_INT(approved != 0),
                     DB_TEXT(db_now(now)), DB_INT(id)) != DB_DONE)
        return err_db(err);
    if (db_changes(db) != 1)
        return err_set(err, ERR_NOT_FOUND, NULL, "用户不存在");
    return 0;
}

int user_set_password_hash(db_conn *db, const char *username, const char *hash, password_setter by, ms_err *err)
{
    char now[20];
    int64_t t = (int64_t)time(NULL);
    int rc = db_exec_args(db, SQL_KEEP_HISTORY, DB_INT(t), DB_TEXT(username));
    if (rc == DB_DONE)
        rc = db_exec_args(db, SQL_SET_PASSWORD, DB_TEXT(hash), DB_TEXT(db_now(now)), DB_INT(t),
                          DB_INT(by == PASSWORD_BY_ADMIN), DB_TEXT(username));
    if (rc != DB_DONE)
        return err_db(err);
    if (db_changes(db) != 1)
        return err_set(err, ERR_NOT_FOUND, "username", "用户 %s 不存在", username);
    /* The current hash and PASSWORD_HISTORY - 1 old ones are compared. */
    if (db_exec_args(db, SQL_TRIM_HISTORY, DB_TEXT(username), DB_TEXT(username), DB_INT(PASSWORD_HISTORY - 1)) != DB_DONE)
        return err_db(err);
    return 0;
}

int user_set_password(db_conn *db, const char *username, const char *password, password_setter by,
                      ms_err *err)
{
    char hash[128];
    const char *weak = password_problem(password, username);
    if (weak)
        return err_set(err, ERR_INVALID, "password", "%s", weak);
    if (password_hash(password, hash) != 0)
        return err_set(err, ERR_DB, "password", "密码加密失败（内存不足）");
    int rc = user_set_password_hash(db, username, hash, by, err);
    sodium_memzero(hash, sizeof hash);
    return rc;
}

int user_password_reused(db_conn *db, const char *username, const char *password)
{
    char hash[256];
    int reused = 0;
    db_stmt *s = db_query(db, SQL_RECENT_HASHES, DB_TEXT(username), DB_TEXT(username), DB_INT(PASSWORD_HISTORY - 1));
    while (!reused && db_step(s) == DB_ROW) {
        db_col_copy(s, 0, hash, sizeof hash);
        reused = password_verify(hash, password);   /* -1: no check slot came free */
    }
    db_finalize(s);
    sodium_memzero(hash, sizeof hash);
    return reused;
}

int user_keep_password(db_conn *db, const char *username)
{
    return db_exec_args(db, SQL_KEEP_PASSWORD, DB_TEXT(username)) == DB_DONE ? 0 : -1;
}

int user_load_ctx(db_conn *db, int64_t user_id, actor *out)
{
    int rc = -1;
    db_stmt *s = db_query(db, SQL_LOAD_CTX, DB_INT(user_id));
    if (db_step(s) == DB_ROW) {
        memset(out, 0, sizeof *out);
        out->id = db_col_int(s, 0);
        db_col_copy(s, 1, out->username, sizeof out->username);
        db_col_copy(s, 2, out->display_name, sizeof out->display_name);
        out->role = role_from_name(db_col_text(s, 3));
        out->org_unit_id = db_col_int(s, 4);
        db_col_copy(s, 5, out->scope_path, sizeof out->scope_path);
        db_col_copy(s, 6, out->scope_name, sizeof out->scope_name);
        rc = out->role ? 0 : -1;
    }
    db_finalize(s);
    return rc;
}

int user_print_list(db_conn *db, FILE *out)
{
    static const char *const SQL_LIST =
        "SELECT u.username, u.display_name, u.role, o.code, o.name, u.disabled, u.locked_until, u.last_login_at,"
        " u.role_approved FROM app_user u JOIN org_unit o ON o.id = u.org_unit_id ORDER BY o.path, u.username";
    db_stmt *s = db_prepare(db, SQL_LIST);
    fprintf(out, "%-16s %-14s %-12s %-18s %-20s %s\n", "用户名", "显示名", "角色", "单位编码", "最近登录(UTC)",
            "单位/状态");
    int64_t now = (int64_t)time(NULL);
    while (db_step(s) == DB_ROW) {
        /* The lock and the last login (unix seconds) are read here, in C,
         * the same on both engines. */
        char login[24] = "从未登录";
        time_t last = (time_t)db_col_int(s, 7);
        struct tm tm;
        if (last > 0 && gmtime_r(&last, &tm))
            strftime(login, sizeof login, "%Y-%m-%d %H:%M:%S", &tm);
        fprintf(out, "%-16s %-14s %-12s %-18s %-20s %s%s%s%s\n", db_col_text(s, 0), db_col_text(s, 1),
                db_col_text(s, 2), db_col_text(s, 3), login, db_col_text(s, 4),
                db_col_int(s, 5) ? " [已停用]" : "", db_col_int(s, 6) > now ? " [已锁定]" : "",
                db_col_int(s, 8) ? "" : " [角色待安全管理员确认]");
    }
    db_finalize(s);
    return 0;
}

void user_from_row(db_stmt *s, user_account *u)
{
    u->id = db_col_int(s, 0);
    db_col_copy(s, 1, u->username, sizeof u->username);
    db_col_copy(s, 2, u->display_name, sizeof u->display_name);
    u->role = role_from_name(db_col_text(s, 3));
    u->org_unit_id = db_col_int(s, 4);
    db_col_copy(s, 5, u->org_code, sizeof u->org_code);
    db_col_copy(s, 6, u->org_name, sizeof u->org_name);
    db_col_copy(s, 7, u->org_kind, sizeof u->org_kind);
    db_col_copy(s, 8, u->org_path, sizeof u->org_path);
    u->disabled = db_col_int(s, 9) != 0;
    u->locked_until = db_col_int(s, 10);
    u->failed_logins = db_col_int(s, 11);
    db_col_copy(s, 12, u->created_at, sizeof u->created_at);
    db_col_copy(s, 13, u->updated_at, sizeof u->updated_at);
    u->last_login_at = db_col_int(s, 14);
    u->password_changed_at = db_col_int(s, 15);
    u->must_change_password = db_col_int(s, 16) != 0;
    u->totp_enabled = db_col_int(s, 17) != 0;
    u->role_approved = db_col_int(s, 18) != 0;
}

int user_get(db_conn *db, int64_t id, user_account *out)
{
    db_stmt *s = db_query(db, SQL_GET, DB_INT(id));
    int rc = db_step(s);
    if (rc == DB_ROW)
        user_from_row(s, out);
    db_finalize(s);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}

int user_update(db_conn *db, int64_t id, const char *display_name, int disabled, ms_err *err)
{
    char now[20];
    if (db_exec_args(db, SQL_UPDATE, DB_TEXT(display_name), DB_INT(disabled), DB_INT((int64_t)time(NULL)),
                     DB_INT(disabled), DB_TEXT(db_now(now)), DB_INT(id)) != DB_DONE)
        return err_db(err);
    return 0;
}
