/* org.c — the org-unit tree (see org.h). Owns all SQL on org_unit. */
#include "registry/org.h"

#include <stdio.h>
#include <string.h>

static const char *const SQL_INSERT =
    "INSERT INTO org_unit(parent_id, kind, code, name, path, leader_name, leader_phone, created_at, updated_at)"
    " VALUES (?,?,?,?,?,?,?,?,?)";
static const char *const SQL_SET_PATH = "UPDATE org_unit SET path = ? WHERE id = ?";
static const char *const SQL_SELECT =
    "SELECT id, COALESCE(parent_id,0), kind, code, name, path, COALESCE(leader_name,''), COALESCE(leader_phone,'')"
    " FROM org_unit";
static const char *const SQL_STREET_EXISTS = "SELECT 1 FROM org_unit WHERE kind = 'street'";

const char *org_child_kind(const char *parent_kind)
{
    if (strcmp(parent_kind, "street") == 0) return "community";
    if (strcmp(parent_kind, "community") == 0) return "grid";
    if (strcmp(parent_kind, "grid") == 0) return "building";
    return NULL;
}

const char *org_kind_label(const char *kind)
{
    if (strcmp(kind, "street") == 0) return "街道";
    if (strcmp(kind, "community") == 0) return "社区";
    if (strcmp(kind, "grid") == 0) return "网格";
    if (strcmp(kind, "building") == 0) return "楼栋";
    return "未知";
}

static void copy_str(char *dst, size_t dstsz, const char *src)
{
    snprintf(dst, dstsz, "%s", src ? src : "");
}

static int load_one(db_stmt *s, org_unit *out)
{
    if (!s || db_step(s) != DB_ROW)
        return -1;
    out->id = db_col_int(s, 0);
    out->parent_id = db_col_int(s, 1);
    copy_str(out->kind, sizeof out->kind, db_col_text(s, 2));
    copy_str(out->code, sizeof out->code, db_col_text(s, 3));
    copy_str(out->name, sizeof out->name, db_col_text(s, 4));
    copy_str(out->path, sizeof out->path, db_col_text(s, 5));
    copy_str(out->leader_name, sizeof out->leader_name, db_col_text(s, 6));
    copy_str(out->leader_phone, sizeof out->leader_phone, db_col_text(s, 7));
    return 0;
}

int org_get(db_conn *db, int64_t id, org_unit *out)
{
    char sql[512];
    snprintf(sql, sizeof sql, "%s WHERE id = ?", SQL_SELECT);
    db_stmt *s = db_prepare(db, sql);
    if (!s)
        return -1;
    db_bind_int(s, 1, id);
    int rc = load_one(s, out);
    db_finalize(s);
    return rc;
}

int org_get_by_code(db_conn *db, const char *code, org_unit *out)
{
    char sql[512];
    snprintf(sql, sizeof sql, "%s WHERE code = ?", SQL_SELECT);
    db_stmt *s = db_prepare(db, sql);
    if (!s)
        return -1;
    db_bind_text(s, 1, code);
    int rc = load_one(s, out);
    db_finalize(s);
    return rc;
}

static int street_exists(db_conn *db)
{
    db_stmt *s = db_prepare(db, SQL_STREET_EXISTS);
    int found = s && db_step(s) == DB_ROW;
    db_finalize(s);
    return found;
}

/* Checks the parent and the kind; fills *parent (zeroed for the street). */
static int check_placement(db_conn *db, int64_t parent_id, const char *kind, org_unit *parent,
                           char *err, size_t errsz)
{
    memset(parent, 0, sizeof *parent);
    if (parent_id == 0) {
        if (strcmp(kind, "street") != 0) {
            snprintf(err, errsz, "只有街道可以没有上级单位");
            return -1;
        }
        if (street_exists(db)) {
            snprintf(err, errsz, "街道已存在，一个系统只管理一个街道");
            return -1;
        }
        return 0;
    }
    if (org_get(db, parent_id, parent) != 0) {
        snprintf(err, errsz, "上级单位不存在");
        return -1;
    }
    const char *want = org_child_kind(parent->kind);
    if (!want) {
        snprintf(err, errsz, "楼栋下不能再设下级单位");
        return -1;
    }
    if (strcmp(kind, want) != 0) {
        snprintf(err, errsz, "%s下只能设%s", org_kind_label(parent->kind), org_kind_label(want));
        return -1;
    }
    return 0;
}

int64_t org_create(db_conn *db, int64_t parent_id, const char *kind, const char *code,
                   const char *name, const char *leader_name, const char *leader_phone,
                   char *err, size_t errsz)
{
    org_unit parent;
    char now[20], path[300];
    int64_t id = -1;
    db_stmt *s = NULL;

    if (check_placement(db, parent_id, kind, &parent, err, errsz) != 0)
        return -1;
    /* Insert with a temporary unique path, then set the real one from the id. */
    snprintf(path, sizeof path, "tmp:%s", code);
    s = db_prepare(db, SQL_INSERT);
    if (!s)
        goto fail;
    if (parent_id) db_bind_int(s, 1, parent_id); else db_bind_null(s, 1);
    db_bind_text(s, 2, kind);
    db_bind_text(s, 3, code);
    db_bind_text(s, 4, name);
    db_bind_text(s, 5, path);
    db_bind_text(s, 6, leader_name && *leader_name ? leader_name : NULL);
    db_bind_text(s, 7, leader_phone && *leader_phone ? leader_phone : NULL);
    db_bind_text(s, 8, db_now(now));
    db_bind_text(s, 9, now);
    int rc = db_step_done(s);
    db_finalize(s);
    s = NULL;
    if (rc == DB_CONSTRAINT) {
        snprintf(err, errsz, "编码 %s 已被使用", code);
        return -1;
    }
    if (rc != DB_DONE)
        goto fail;
    id = db_last_insert_id(db);
    snprintf(path, sizeof path, "%s%lld/", parent_id ? parent.path : "/", (long long)id);
    s = db_prepare(db, SQL_SET_PATH);
    if (!s)
        goto fail;
    db_bind_text(s, 1, path);
    db_bind_int(s, 2, id);
    rc = db_step_done(s);
    db_finalize(s);
    if (rc != DB_DONE)
        goto fail;
    return id;
fail:
    snprintf(err, errsz, "保存单位失败: %s", db_errmsg(db));
    return -1;
}
