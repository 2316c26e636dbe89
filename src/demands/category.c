/* category.c — the work order category tree (see category.h). */
#include "demands/category.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/validate.h"

#define CATEGORY_COLUMNS \
    "k.id, k.parent_id, k.name, COALESCE(p.name, ''), k.handle_days, k.sign_days, k.active, k.sort" \
    " FROM demand_category k LEFT JOIN demand_category p ON p.id = k.parent_id"

static void from_row(db_stmt *s, demand_category *k)
{
    *k = (demand_category){.id = db_col_int(s, 0), .parent_id = db_col_int(s, 1),
                           .handle_days = (int)db_col_int(s, 4), .sign_days = (int)db_col_int(s, 5),
                           .active = (int)db_col_int(s, 6), .sort = (int)db_col_int(s, 7)};
    db_col_copy(s, 2, k->name, sizeof k->name);
    db_col_copy(s, 3, k->parent_name, sizeof k->parent_name);
}

int category_get(db_conn *db, int64_t id, demand_category *out)
{
    db_stmt *s = db_query(db, "SELECT " CATEGORY_COLUMNS " WHERE k.id = ?", DB_INT(id));
    int rc = db_step(s);
    if (rc == DB_ROW)
        from_row(s, out);
    db_finalize(s);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}

int category_list(db_conn *db, demand_category **out, size_t *n)
{
    db_stmt *s = db_query(db, "SELECT " CATEGORY_COLUMNS
                              " ORDER BY COALESCE(p.sort, k.sort), COALESCE(k.parent_id, k.id),"
                              " k.parent_id IS NOT NULL, k.sort, k.id");
    size_t cap = 64;
    *n = 0;
    *out = malloc(cap * sizeof **out);
    int rc = DB_ERROR;
    while (*out && (rc = db_step(s)) == DB_ROW) {
        if (*n == cap) {
            demand_category *grown = realloc(*out, (cap *= 2) * sizeof **out);
            if (!grown) {
                rc = DB_ERROR;
                break;
            }
            *out = grown;
        }
        from_row(s, &(*out)[(*n)++]);
    }
    db_finalize(s);
    if (rc != DB_DONE) {
        free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

/* Name and limits of in (limits 0 = keep cur's, when cur is given). */
static int check_in(const category_in *in, const demand_category *cur, ms_err *e)
{
    long len = in->name ? utf8_length(in->name) : -1;
    if ((in->name || !cur) && (len < 1 || len > CATEGORY_NAME_CHARS))
        return err_set(e, ERR_INVALID, "name", "类别名称须为1至%d个字", CATEGORY_NAME_CHARS);
    int64_t handle = in->handle_days ? in->handle_days : cur ? cur->handle_days : 0;
    int64_t sign = in->sign_days ? in->sign_days : cur ? cur->sign_days : 0;
    if (handle < 1 || handle > CATEGORY_MAX_HANDLE_DAYS)
        return err_set(e, ERR_INVALID, "handle_days", "办理时限须为1至%d个工作日", CATEGORY_MAX_HANDLE_DAYS);
    if (sign < 1 || sign > CATEGORY_MAX_SIGN_DAYS)
        return err_set(e, ERR_INVALID, "sign_days", "签收时限须为1至%d个工作日", CATEGORY_MAX_SIGN_DAYS);
    if (sign > handle)
        return err_set(e, ERR_INVALID, "sign_days", "签收时限不能长于办理时限");
    return 0;
}

static int sibling_named(db_conn *db, int64_t parent_id, const char *name, int64_t except)
{
    return db_exists(db, "SELECT 1 FROM demand_category WHERE COALESCE(parent_id, 0) = ? AND name = ? AND id <> ?",
                     DB_INT(parent_id), DB_TEXT(name), DB_INT(except));
}

int64_t category_create(db_conn *db, const category_in *in, ms_err *e)
{
    demand_category parent;
    if (check_in(in, NULL, e) != 0)
        return -1;
    if (in->parent_id) {
        int rc = category_get(db, in->parent_id, &parent);
        if (rc < 0)
            return err_db(e);
        if (rc > 0 || parent.parent_id)
            return err_set(e, ERR_INVALID, "parent_id", "上级类别须为已有的一级类别");
    }
    if (sibling_named(db, in->parent_id, in->name, 0))
        return err_set(e, ERR_CONFLICT, "name", "同级已有名为「%s」的类别", in->name);
    if (db_exec_args(db, "INSERT INTO demand_category(parent_id, name, handle_days, sign_days, sort) VALUES (?,?,?,?,?)",
                     DB_ID(in->parent_id), DB_TEXT(in->name), DB_INT(in->handle_days), DB_INT(in->sign_days),
                     DB_INT(in->sort)) != DB_DONE)
        return err_db(e);
    return db_last_insert_id(db);
}

int category_update(db_conn *db, int64_t id, const category_in *in, ms_err *e)
{
    demand_category cur;
    int rc = category_get(db, id, &cur);
    if (rc != 0)
        return rc < 0 ? err_db(e) : err_set(e, ERR_NOT_FOUND, NULL, "类别不存在");
    if (check_in(in, &cur, e) != 0)
        return -1;
    const char *name = in->name ? in->name : cur.name;
    if (sibling_named(db, cur.parent_id, name, id))
        return err_set(e, ERR_CONFLICT, "name", "同级已有名为「%s」的类别", name);
    if (db_exec_args(db, "UPDATE demand_category SET name = ?, handle_days = ?, sign_days = ?, sort = ?, active = ?"
                         " WHERE id = ?",
                     DB_TEXT(name), DB_INT(in->handle_days ? in->handle_days : cur.handle_days),
                     DB_INT(in->sign_days ? in->sign_days : cur.sign_days), DB_INT(in->sort >= 0 ? in->sort : cur.sort),
                     DB_INT(in->active >= 0 ? in->active : cur.active), DB_INT(id)) != DB_DONE)
        return err_db(e);
    return 0;
}
