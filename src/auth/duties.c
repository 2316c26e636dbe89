/* duties.c — the two-person rule for privileged accounts (see duties.h).
 * Owns the change_request table: proposing, deciding, expiring, and
 * applying an approved change through users.c, totp.c and session.c. */
#include "auth/duties.h"
#include "auth/session.h"
#include "auth/totp.h"
#include "auth/users.h"
#include "registry/org.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const SQL_INSERT =
    "INSERT INTO change_request(kind, target_user_id, username, display_name, role, org_unit_id, disabled,"
    " password_hash, summary, proposed_by, proposer_role, proposed_at, expires_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)";
static const char *const SQL_GET = CHANGE_SELECT " WHERE c.id = ?";
static const char *const SQL_IN_SCOPE = "SELECT 1 FROM change_request c WHERE c.id = ? AND " CHANGE_IN_SCOPE;
static const char *const SQL_HASH = "SELECT password_hash FROM change_request WHERE id = ?";
/* Expired requests keep no password hash. */
static const char *const SQL_EXPIRE =
    "UPDATE change_request SET status = 'expired', password_hash = NULL WHERE status = 'pending' AND expires_at < ?";
static const char *const SQL_DECIDE =
    "UPDATE change_request SET status = ?, decided_by = ?, decided_at = ?, password_hash = NULL,"
    " target_user_id = COALESCE(target_user_id, ?) WHERE id = ? AND status = 'pending'";

void change_from_row(db_stmt *s, change_request *c)
{
    memset(c, 0, sizeof *c);
    c->id = db_col_int(s, 0);
    db_col_copy(s, 1, c->kind, sizeof c->kind);
    c->target_user_id = db_col_int(s, 2);
    db_col_copy(s, 3, c->username, sizeof c->username);
    db_col_copy(s, 4, c->display_name, sizeof c->display_name);
    db_col_copy(s, 5, c->role, sizeof c->role);
    c->org_unit_id = db_col_int(s, 6);
    c->disabled = db_col_is_null(s, 7) ? -1 : (int)db_col_int(s, 7);
    db_col_copy(s, 8, c->summary, sizeof c->summary);
    c->proposed_by = db_col_int(s, 9);
    db_col_copy(s, 10, c->proposed_by_name, sizeof c->proposed_by_name);
    db_col_copy(s, 11, c->proposer_role, sizeof c->proposer_role);
    c->proposed_at = db_col_int(s, 12);
    c->expires_at = db_col_int(s, 13);
    db_col_copy(s, 14, c->status, sizeof c->status);
    if (strcmp(c->status, "pending") == 0 && c->expires_at < (int64_t)time(NULL))
        snprintf(c->status, sizeof c->status, "expired");
    c->decided_by = db_col_int(s, 15);
    db_col_copy(s, 16, c->decided_by_name, sizeof c->decided_by_name);
    c->decided_at = db_col_int(s, 17);
}

int change_get(db_conn *db, int64_t id, change_request *out)
{
    db_stmt *s = db_query(db, SQL_GET, DB_INT(id));
    int rc = db_step(s);
    if (rc == DB_ROW)
        change_from_row(s, out);
    db_finalize(s);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}

int64_t change_propose(db_conn *db, const actor *by, const change_request *req, ms_err *err)
{
    int64_t now = (int64_t)time(NULL);
    if (!(by->role & ROLES_ACCOUNTS))
        return err_set(err, ERR_FORBIDDEN, NULL, "只有系统管理员或安全管理员可以提出特权账户变更");
    if (db_exec_args(db, SQL_EXPIRE, DB_INT(now)) != DB_DONE ||
        db_exec_args(db, SQL_INSERT, DB_TEXT(req->kind), DB_ID(req->target_user_id), DB_TEXT(req->username),
                     DB_OPT_TEXT(req->display_name), DB_OPT_TEXT(req->role), DB_ID(req->org_unit_id),
                     req->disabled >= 0 ? DB_INT(req->disabled) : DB_NULL, DB_OPT_TEXT(req->password_hash),
                     DB_TEXT(req->summary), DB_INT(by->id), DB_TEXT(role_name(by->role)), DB_INT(now),
                     DB_INT(now + CHANGE_REQUEST_TTL)) != DB_DONE)
        return err_db(err);
    return db_last_insert_id(db);
}

/* Loads a pending request for a decision: 0, or -1 with *err. */
/* A pending request in by's scope (outside it: 404, as absent). */
static int load_pending(db_conn *db, const actor *by, int64_t id, change_request *c, ms_err *err)
{
    int rc = change_get(db, id, c);
    if (rc < 0)
        return err_db(err);
    if (rc > 0 || !db_exists(db, SQL_IN_SCOPE, DB_INT(id), DB_TEXT(by->scope_path)))
        return err_set(err, ERR_NOT_FOUND, NULL, "变更申请不存在");
    if (strcmp(c->status, "expired") == 0)
        return err_set(err, ERR_CONFLICT, NULL, "变更申请已过期（%d 小时内未批准），请重新提出", CHANGE_REQUEST_TTL / 3600);
    if (strcmp(c->status, "pending") != 0)
        return err_set(err, ERR_CONFLICT, NULL, "变更申请已处理（%s）", c->status);
    return 0;
}

static int decide(db_conn *db, const actor *by, change_request *c, const char *status, ms_err *err)
{
    int64_t now = (int64_t)time(NULL);
    if (db_exec_args(db, SQL_DECIDE, DB_TEXT(status), DB_INT(by->id), DB_INT(now), DB_ID(c->target_user_id),
                     DB_INT(c->id)) != DB_DONE)
        return err_db(err);
    if (db_changes(db) != 1)
        return err_set(err, ERR_CONFLICT, NULL, "变更申请已处理");
    snprintf(c->status, sizeof c->status, "%s", status);
    c->decided_by = by->id;
    snprintf(c->decided_by_name, sizeof c->decided_by_name, "%s", by->username);
    c->decided_at = now;
    return 0;
}

/* ---- applying an approved change ----------------------------------------- */

static int apply_create(db_conn *db, change_request *c, ms_err *err)
{
    org_unit unit;
    if (org_get(db, c->org_unit_id, &unit) != 0)
        return err_set(err, ERR_CONFLICT, "org_unit_id", "申请中的单位已不存在");
    int64_t id = user_create_hashed(db, c->username, c->display_name, c->role, unit.code, c->password_hash, err);
    if (id < 0)
        return -1;
    c->target_user_id = id;
    return 0;
}

static int apply_update(db_conn *db, change_request *c, ms_err *err)
{
    user_account u;
    if (user_get(db, c->target_user_id, &u) != 0)
        return err_set(err, ERR_CONFLICT, NULL, "申请涉及的账户已不存在");
    int disabled = c->disabled >= 0 ? c->disabled : u.disabled;
    if (user_update(db, u.id, c->display_name[0] ? c->display_name : u.display_name, disabled, err) != 0 ||
        (c->password_hash[0] && user_set_password_hash(db, u.username, c->password_hash, PASSWORD_BY_ADMIN, err) != 0))
        return -1;
    if (disabled || c->password_hash[0])
        session_end_all(db, u.id);
    return 0;
}

static int apply(db_conn *db, change_request *c, ms_err *err)
{
    if (strcmp(c->kind, "create") == 0)
        return apply_create(db, c, err);
    if (strcmp(c->kind, "update") == 0)
        return apply_update(db, c, err);
    int rc = strcmp(c->kind, "totp_reset") == 0
                 ? totp_remove(db, c->target_user_id, err)
                 : user_set_role(db, c->target_user_id, role_from_name(c->role), c->org_unit_id, 1, err);
    if (rc == 0)
        session_end_all(db, c->target_user_id);
    return rc;
}

int change_approve(db_conn *db, const actor *by, int64_t id, change_request *c, ms_err *err)
{
    if (db_exec_args(db, SQL_EXPIRE, DB_INT((int64_t)time(NULL))) != DB_DONE)
        return err_db(err);
    if (load_pending(db, by, id, c, err) != 0)
        return -1;
    if (by->id == c->proposed_by)
        return err_set(err, ERR_FORBIDDEN, NULL, "不能批准自己提出的申请：须由另一人批准");
    if (!(by->role & ROLES_ACCOUNTS) || strcmp(role_name(by->role), c->proposer_role) == 0)
        return err_set(err, ERR_FORBIDDEN, NULL, "%s提出的申请须由%s批准", role_label(role_from_name(c->proposer_role)),
                       strcmp(c->proposer_role, "admin") == 0 ? "安全管理员" : "系统管理员");
    if (c->target_user_id && by->id == c->target_user_id)
        return err_set(err, ERR_FORBIDDEN, NULL, "不能批准涉及本人账户的申请");
    db_stmt *s = db_query(db, SQL_HASH, DB_INT(id));
    if (db_step(s) == DB_ROW)
        db_col_copy(s, 0, c->password_hash, sizeof c->password_hash);
    db_finalize(s);
    int rc = apply(db, c, err) == 0 && decide(db, by, c, "approved", err) == 0 ? 0 : -1;
    sodium_memzero(c->password_hash, sizeof c->password_hash);
    return rc;
}

int change_reject(db_conn *db, const actor *by, int64_t id, change_request *c, ms_err *err)
{
    if (load_pending(db, by, id, c, err) != 0)
        return -1;
    int withdraw = by->id == c->proposed_by;
    if (!withdraw && (!(by->role & ROLES_ACCOUNTS) || strcmp(role_name(by->role), c->proposer_role) == 0))
        return err_set(err, ERR_FORBIDDEN, NULL, "只有提出人（撤回）或另一角色的管理员（驳回）可以处理此申请");
    return decide(db, by, c, "rejected", err);
}
