/* users.c — accounts, roles and password hashing (see users.h).
 * Owns account creation and password SQL on app_user; login counters are
 * session.c's, the admin listing and edits users_api.c's. */
#include "auth/users.h"
#include "registry/org.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const char *const SQL_INSERT =
    "INSERT INTO app_user(username, display_name, role, org_unit_id, password_hash, created_at, updated_at)"
    " VALUES (?,?,?,?,?,?,?)";
static const char *const SQL_SET_PASSWORD =
    "UPDATE app_user SET password_hash = ?, failed_logins = 0, locked_until = 0, updated_at = ? WHERE username = ?";
static const char *const SQL_LOAD_CTX =
    "SELECT u.id, u.username, u.display_name, u.role, u.org_unit_id, o.path, o.name"
    " FROM app_user u JOIN org_unit o ON o.id = u.org_unit_id WHERE u.id = ? AND u.disabled = 0";

const char *password_problem(const char *pw)
{
    size_t n = pw ? strlen(pw) : 0;
    if (n < 8)
        return "密码至少需要8个字符";
    if (n > 128)
        return "密码不能超过128个字符";
    int digit = 0, alpha = 0, other = 0;
    for (const unsigned char *p = (const unsigned char *)pw; *p; p++) {
        if (isdigit(*p)) digit = 1;
        else if (isalpha(*p)) alpha = 1;
        else other = 1;
    }
    if (digit + alpha + other < 2)
        return "密码需包含字母、数字、符号中的至少两类";
    return NULL;
}

int password_hash(const char *pw, char out[static 128])
{
    _Static_assert(crypto_pwhash_STRBYTES <= 128, "hash buffer too small");
    if (crypto_pwhash_str_alg(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
        return -1;
    return 0;
}

int password_verify(const char *hash, const char *pw)
{
    return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}

/* Which kinds of unit each role may be scoped to. */
static int role_fits_unit(role r, const char *kind)
{
    switch (r) {
    case ROLE_ADMIN:
    case ROLE_AUDITOR: return strcmp(kind, "street") == 0;
    case ROLE_STREET: return strcmp(kind, "street") == 0;
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

int64_t user_create(db_conn *db, const char *username, const char *display_name,
                    const char *role_name_s, const char *org_code, const char *password,
                    char *err, size_t errsz)
{
    org_unit unit;
    char hash[128], now[20];
    role r = role_from_name(role_name_s);
    const char *weak;

    if (!username_ok(username)) {
        snprintf(err, errsz, "用户名须为2到32位字母、数字或 _ - .");
        return -1;
    }
    if (!r) {
        snprintf(err, errsz, "未知角色 %s（可选: admin auditor street community grid viewer）",
                 role_name_s ? role_name_s : "");
        return -1;
    }
    if (org_get_by_code(db, org_code ? org_code : "", &unit) != 0) {
        snprintf(err, errsz, "单位编码 %s 不存在", org_code ? org_code : "");
        return -1;
    }
    if (!role_fits_unit(r, unit.kind)) {
        snprintf(err, errsz, "%s不能以%s为管辖范围", role_label(r), org_kind_label(unit.kind));
        return -1;
    }
    if ((weak = password_problem(password)) != NULL) {
        snprintf(err, errsz, "%s", weak);
        return -1;
    }
    if (password_hash(password, hash) != 0) {
        snprintf(err, errsz, "密码加密失败（内存不足）");
        return -1;
    }
    db_stmt *s = db_prepare(db, SQL_INSERT);
    if (!s) {
        snprintf(err, errsz, "数据库错误");
        return -1;
    }
    db_bind_text(s, 1, username);
    db_bind_text(s, 2, display_name && *display_name ? display_name : username);
    db_bind_text(s, 3, role_name(r));
    db_bind_int(s, 4, unit.id);
    db_bind_text(s, 5, hash);
    db_bind_text(s, 6, db_now(now));
    db_bind_text(s, 7, now);
    int rc = db_step_done(s);
    db_finalize(s);
    if (rc == DB_CONSTRAINT) {
        snprintf(err, errsz, "用户名 %s 已存在", username);
        return -1;
    }
    if (rc != DB_DONE) {
        snprintf(err, errsz, "保存用户失败: %s", db_errmsg(db));
        return -1;
    }
    return db_last_insert_id(db);
}

int user_set_password(db_conn *db, const char *username, const char *password, char *err, size_t errsz)
{
    char hash[128], now[20];
    const char *weak = password_problem(password);
    if (weak) {
        snprintf(err, errsz, "%s", weak);
        return -1;
    }
    if (password_hash(password, hash) != 0) {
        snprintf(err, errsz, "密码加密失败（内存不足）");
        return -1;
    }
    db_stmt *s = db_prepare(db, SQL_SET_PASSWORD);
    if (!s) {
        snprintf(err, errsz, "数据库错误");
        return -1;
    }
    db_bind_text(s, 1, hash);
    db_bind_text(s, 2, db_now(now));
    db_bind_text(s, 3, username);
    int rc = db_step_done(s);
    db_finalize(s);
    if (rc != DB_DONE || db_changes(db) != 1) {
        snprintf(err, errsz, "用户 %s 不存在", username);
        return -1;
    }
    return 0;
}

int user_load_ctx(db_conn *db, int64_t user_id, actor *out)
{
    int rc = -1;
    db_stmt *s = db_prepare(db, SQL_LOAD_CTX);
    if (!s)
        return -1;
    db_bind_int(s, 1, user_id);
    if (db_step(s) == DB_ROW) {
        memset(out, 0, sizeof *out);
        out->id = db_col_int(s, 0);
        snprintf(out->username, sizeof out->username, "%s", db_col_text(s, 1));
        snprintf(out->display_name, sizeof out->display_name, "%s", db_col_text(s, 2));
        out->role = role_from_name(db_col_text(s, 3));
        out->org_unit_id = db_col_int(s, 4);
        snprintf(out->scope_path, sizeof out->scope_path, "%s", db_col_text(s, 5));
        snprintf(out->scope_name, sizeof out->scope_name, "%s", db_col_text(s, 6));
        rc = out->role ? 0 : -1;
    }
    db_finalize(s);
    return rc;
}

int user_print_list(db_conn *db, FILE *out)
{
    static const char *const SQL_LIST =
        "SELECT u.username, u.display_name, u.role, o.code, o.name, u.disabled, u.locked_until > strftime('%s','now')"
        " FROM app_user u JOIN org_unit o ON o.id = u.org_unit_id ORDER BY o.path, u.username";
    db_stmt *s = db_prepare(db, SQL_LIST);
    if (!s)
        return -1;
    fprintf(out, "%-16s %-14s %-12s %-18s %s\n", "用户名", "显示名", "角色", "单位编码", "单位/状态");
    while (db_step(s) == DB_ROW) {
        fprintf(out, "%-16s %-14s %-12s %-18s %s%s%s\n", db_col_text(s, 0), db_col_text(s, 1), db_col_text(s, 2),
                db_col_text(s, 3), db_col_text(s, 4), db_col_int(s, 5) ? " [已停用]" : "",
                db_col_int(s, 6) ? " [已锁定]" : "");
    }
    db_finalize(s);
    return 0;
}
