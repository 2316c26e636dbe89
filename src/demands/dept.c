/* dept.c — the street's departments and their accounts (see dept.h). */
#include "demands/dept.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/validate.h"

int64_t dept_of_user(db_conn *db, int64_t user_id)
{
    if (user_id <= 0)
        return 0;
    return db_one_int(db, 0,
                      "SELECT m.department_id FROM demand_department_member m"
                      " JOIN demand_department d ON d.id = m.department_id WHERE m.user_id = ?",
                      DB_INT(user_id));
}

int64_t dept_street_of_path(const char *path)
{
    if (!path || path[0] != '/' || path[1] < '1' || path[1] > '9')
        return 0;
    return strtoll(path + 1, NULL, 10);
}

static int load_members(db_conn *db, demand_dept *d)
{
    db_stmt *s = db_query(db,
                          "SELECT u.id, u.username, u.display_name FROM demand_department_member m"
                          " JOIN app_user u ON u.id = m.user_id WHERE m.department_id = ? ORDER BY u.username",
                          DB_INT(d->id));
    int rc;
    d->nmembers = 0;
    while ((rc = db_step(s)) == DB_ROW && d->nmembers < DEPT_MAX_MEMBERS) {
        dept_member *m = &d->members[d->nmembers++];
        m->user_id = db_col_int(s, 0);
        db_col_copy(s, 1, m->username, sizeof m->username);
        db_col_copy(s, 2, m->display_name, sizeof m->display_name);
    }
    db_finalize(s);
    return rc == DB_DONE || rc == DB_ROW ? 0 : -1;
}

#define DEPT_SELECT "SELECT id, street_id, name, active, created_at FROM demand_department"

static void from_row(db_stmt *s, demand_dept *d)
{
    memset(d, 0, sizeof *d);
    d->id = db_col_int(s, 0);
    d->street_id = db_col_int(s, 1);
    db_col_copy(s, 2, d->name, sizeof d->name);
    d->active = (int)db_col_int(s, 3);
    db_col_copy(s, 4, d->created_at, sizeof d->created_at);
}

int dept_get(db_conn *db, int64_t id, demand_dept *out)
{
    db_stmt *s = db_query(db, DEPT_SELECT " WHERE id = ?", DB_INT(id));
    int rc = db_step(s);
    if (rc == DB_ROW)
        from_row(s, out);
    db_finalize(s);
    if (rc != DB_ROW)
        return rc == DB_DONE ? 1 : -1;
    return load_members(db, out);
}

int dept_list(db_conn *db, int64_t street_id, demand_dept **out, size_t *n)
{
    int64_t count = db_one_int(db, -1, "SELECT COUNT(*) FROM demand_department WHERE street_id = ?", DB_INT(street_id));
    *n = 0;
    *out = NULL;
    if (count < 0)
        return -1;
    *out = calloc((size_t)count + 1, sizeof **out);
    if (!*out)
        return -1;
    db_stmt *s = db_query(db, DEPT_SELECT " WHERE street_id = ? ORDER BY name, id", DB_INT(street_id));
    int rc;
    while ((rc = db_step(s)) == DB_ROW && *n < (size_t)count)
        from_row(s, &(*out)[(*n)++]);
    db_finalize(s);
    for (size_t i = 0; rc != DB_ERROR && i < *n; i++)
        if (load_members(db, &(*out)[i]) != 0)
            rc = DB_ERROR;
    if (rc == DB_ERROR) {
        free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

static int check_name(const char *name, ms_err *e)
{
    long len = name ? utf8_length(name) : -1;
    if (len < 1 || len > DEPT_NAME_CHARS)
        return err_set(e, ERR_INVALID, "name", "部门名称须为1至%d个字", DEPT_NAME_CHARS);
    return 0;
}

static int name_taken(db_conn *db, int64_t street_id, const char *name, int64_t except)
{
    return db_exists(db, "SELECT 1 FROM demand_department WHERE street_id = ? AND name = ? AND id <> ?",
                     DB_INT(street_id), DB_TEXT(name), DB_INT(except));
}

int64_t dept_create(db_conn *db, int64_t street_id, const char *name, ms_err *e)
{
    char now[20];
    if (check_name(name, e) != 0)
        return -1;
    if (name_taken(db, street_id, name, 0))
        return err_set(e, ERR_CONFLICT, "name", "本街道已有名为「%s」的部门", name);
    if (db_exec_args(db, "INSERT INTO demand_department(street_id, name, created_at) VALUES (?,?,?)", DB_INT(street_id),
                     DB_TEXT(name), DB_TEXT(db_now(now))) != DB_DONE)
        return err_db(e);
    return db_last_insert_id(db);
}

/* Account uid may act for department d: 0, or -1 with the reason. */
static int check_member(db_conn *db, const demand_dept *d, int64_t uid, ms_err *e)
{
    char rolename[16] = "", path[256] = "";
    db_stmt *s = db_query(db,
                          "SELECT u.role, o.path FROM app_user u JOIN org_unit o ON o.id = u.org_unit_id"
                          " WHERE u.id = ? AND u.disabled = 0",
                          DB_INT(uid));
    int rc = db_step(s);
    if (rc == DB_ROW) {
        db_col_copy(s, 0, rolename, sizeof rolename);
        db_col_copy(s, 1, path, sizeof path);
    }
    db_finalize(s);
    if (rc != DB_ROW && rc != DB_DONE)
        return err_db(e);
    if (rc == DB_DONE || dept_street_of_path(path) != d->street_id)
        return err_set(e, ERR_INVALID, "member_ids", "账号 %lld 不存在、已停用或不属于本街道", (long long)uid);
    if (strcmp(rolename, "viewer") != 0 && strcmp(rolename, "street") != 0)
        return err_set(e, ERR_INVALID, "member_ids", "账号 %lld 的角色须为街道工作人员或部门只读", (long long)uid);
    int64_t other = dept_of_user(db, uid);
    if (other < 0)
        return err_db(e);
    if (other && other != d->id)
        return err_set(e, ERR_CONFLICT, "member_ids", "账号 %lld 已属于另一个部门", (long long)uid);
    return 0;
}

int dept_update(db_conn *db, const demand_dept *d, const char *name, int active, const int64_t *members,
                size_t nmembers, ms_err *e)
{
    if (name && (check_name(name, e) != 0))
        return -1;
    if (name && name_taken(db, d->street_id, name, d->id))
        return err_set(e, ERR_CONFLICT, "name", "本街道已有名为「%s」的部门", name);
    if (members && nmembers > DEPT_MAX_MEMBERS)
        return err_set(e, ERR_INVALID, "member_ids", "一个部门至多%d个账号", DEPT_MAX_MEMBERS);
    for (size_t i = 0; members && i < nmembers; i++)
        if (check_member(db, d, members[i], e) != 0)
            return -1;
    if (db_exec_args(db, "UPDATE demand_department SET name = ?, active = ? WHERE id = ?", DB_TEXT(name ? name : d->name),
                     DB_INT(active >= 0 ? active : d->active), DB_INT(d->id)) != DB_DONE)
        return err_db(e);
    if (!members)
        return 0;
    if (db_exec_args(db, "DELETE FROM demand_department_member WHERE department_id = ?", DB_INT(d->id)) != DB_DONE)
        return err_db(e);
    for (size_t i = 0; i < nmembers; i++) {
        int rc = db_exec_args(db, "INSERT INTO demand_department_member(user_id, department_id) VALUES (?,?)",
                              DB_INT(members[i]), DB_INT(d->id));
        if (rc == DB_CONSTRAINT)
            return err_set(e, ERR_INVALID, "member_ids", "账号 %lld 重复", (long long)members[i]);
        if (rc != DB_DONE)
            return err_db(e);
    }
    return 0;
}
