/* org_api.c — the /api/v1/org-units routes: browse the tree inside the
 * caller's scope with counts, create child units, edit names and
 * leaders. Owns the org_unit listing/count and UPDATE SQL. */
#include "registry/org.h"
#include "server/handlers.h"
#include "server/scope.h"
#include "util/validate.h"

#include <stdio.h>
#include <string.h>

/* Children of a unit with counts of child units, households and active
 * residents in each child's subtree (grouped by grid, then summed). */
static const char *const SQL_CHILDREN =
    "WITH grid_counts AS ("
    "  SELECT g.path AS path,"
    "   (SELECT COUNT(*) FROM household h WHERE h.grid_id = g.id AND h.status = 'active') AS hh,"
    "   (SELECT COUNT(*) FROM resident r WHERE r.grid_id = g.id AND r.status = 'active') AS res"
    "  FROM org_unit g WHERE g.kind = 'grid' AND g.path LIKE ? || '%%')"
    " SELECT c.id, c.kind, c.code, c.name, c.path, c.leader_name, c.leader_phone, COALESCE(c.parent_id, 0),"
    "  (SELECT COUNT(*) FROM org_unit x WHERE x.parent_id = c.id),"
    "  (SELECT COALESCE(SUM(hh),0) FROM grid_counts gc WHERE substr(gc.path, 1, length(c.path)) = c.path),"
    "  (SELECT COALESCE(SUM(res),0) FROM grid_counts gc WHERE substr(gc.path, 1, length(c.path)) = c.path)"
    " FROM org_unit c WHERE %s ORDER BY c.code";
/* Buildings are below grids: count their households and residents directly. */
static const char *const SQL_BUILDING_COUNTS =
    "SELECT (SELECT COUNT(*) FROM household WHERE building_id = ? AND status = 'active'),"
    " (SELECT COUNT(*) FROM resident r JOIN household h ON h.id = r.household_id"
    "  WHERE h.building_id = ? AND r.status = 'active')";
static const char *const SQL_UPDATE =
    "UPDATE org_unit SET name = ?, leader_name = ?, leader_phone = ?, notes = ?, updated_at = ? WHERE id = ?";
static const char *const SQL_NOTES = "SELECT notes FROM org_unit WHERE id = ?";

static json_t *unit_json(const org_unit *u)
{
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)u->id, "kind", u->kind,
                          "kind_label", org_kind_label(u->kind), "code", u->code, "name", u->name,
                          "path", u->path);
    json_object_set_new(j, "parent_id", u->parent_id ? json_integer(u->parent_id) : json_null());
    json_object_set_new(j, "leader_name", u->leader_name[0] ? json_string(u->leader_name) : json_null());
    json_object_set_new(j, "leader_phone", u->leader_phone[0] ? json_string(u->leader_phone) : json_null());
    return j;
}

static void building_counts(db_conn *db, int64_t id, json_t *j)
{
    db_stmt *s = db_prepare(db, SQL_BUILDING_COUNTS);
    if (!s)
        return;
    db_bind_int(s, 1, id);
    db_bind_int(s, 2, id);
    if (db_step(s) == DB_ROW) {
        json_object_set_new(j, "household_count", json_integer(db_col_int(s, 0)));
        json_object_set_new(j, "resident_count", json_integer(db_col_int(s, 1)));
    }
    db_finalize(s);
}

/* Lists units matched by `where` (bound to `arg`), counted inside `scope_path`. */
static json_t *list_units(db_conn *db, const char *scope_path, const char *where, int64_t arg)
{
    char sql[2048];
    snprintf(sql, sizeof sql, SQL_CHILDREN, where);
    db_stmt *s = db_prepare(db, sql);
    if (!s)
        return NULL;
    db_bind_text(s, 1, scope_path);
    db_bind_int(s, 2, arg);
    json_t *items = json_array();
    while (db_step(s) == DB_ROW) {
        org_unit u;
        memset(&u, 0, sizeof u);
        u.id = db_col_int(s, 0);
        snprintf(u.kind, sizeof u.kind, "%s", db_col_text(s, 1));
        snprintf(u.code, sizeof u.code, "%s", db_col_text(s, 2));
        snprintf(u.name, sizeof u.name, "%s", db_col_text(s, 3));
        snprintf(u.path, sizeof u.path, "%s", db_col_text(s, 4));
        snprintf(u.leader_name, sizeof u.leader_name, "%s", db_col_text(s, 5));
        snprintf(u.leader_phone, sizeof u.leader_phone, "%s", db_col_text(s, 6));
        u.parent_id = db_col_int(s, 7);
        json_t *j = unit_json(&u);
        json_object_set_new(j, "child_count", json_integer(db_col_int(s, 8)));
        json_object_set_new(j, "household_count", json_integer(db_col_int(s, 9)));
        json_object_set_new(j, "resident_count", json_integer(db_col_int(s, 10)));
        if (strcmp(u.kind, "building") == 0)
            building_counts(db, u.id, j);
        json_array_append_new(items, j);
    }
    db_finalize(s);
    return items;
}

int api_org_list(request *rq, response *rs)
{
    org_unit parent;
    int64_t parent_id;
    int has_parent = req_query_int(rq, rs, "parent_id", 0, 1, INT64_MAX, &parent_id);
    if (has_parent < 0)
        return 0;
    json_t *items;
    if (has_parent) {
        if (scope_unit(rq, rs, parent_id, &parent) != 0)
            return 0;
        items = list_units(rq->db, parent.path, "c.parent_id = ?", parent.id);
    } else {
        /* No parent: the caller's own unit, the root of what they may see. */
        items = list_units(rq->db, rq->user.scope_path, "c.id = ?", rq->user.org_unit_id);
    }
    if (!items)
        return reply_internal(rs);
    return reply_json(rs, 200, json_pack("{s:o}", "items", items));
}

int api_org_get(request *rq, response *rs)
{
    org_unit u, a;
    if (scope_unit(rq, rs, rq->id, &u) != 0)
        return 0;
    json_t *j = unit_json(&u);
    json_t *ancestors = json_array();
    /* Walk up while still inside the caller's scope (breadcrumb). */
    for (int64_t pid = u.parent_id; pid && org_get(rq->db, pid, &a) == 0 && scope_contains(rq, a.path); pid = a.parent_id)
        json_array_insert_new(ancestors, 0, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)a.id, "name", a.name, "kind", a.kind));
    json_object_set_new(j, "ancestors", ancestors);
    return reply_json(rs, 200, j);
}

static int check_leader(response *rs, const char *name, const char *phone, char canon[40])
{
    if (name && *name && !person_name_is_valid(name))
        return reply_bad_request(rs, "leader_name", "负责人姓名无效"), -1;
    canon[0] = '\0';
    if (phone && *phone && !phone_normalize(phone, canon, 40))
        return reply_bad_request(rs, "leader_phone", "负责人电话格式不正确"), -1;
    return 0;
}

static int check_code_name(response *rs, const char *code, const char *name)
{
    long n = utf8_length(code);
    if (n < 1 || n > 40)
        return reply_bad_request(rs, "code", "编码须为1到40个字符"), -1;
    for (const char *p = code; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '-' || *p == '_'))
            return reply_bad_request(rs, "code", "编码只能包含字母、数字、- 和 _"), -1;
    n = utf8_length(name);
    if (n < 1 || n > 60)
        return reply_bad_request(rs, "name", "名称须为1到60个字"), -1;
    return 0;
}

int api_org_create(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"parent_id", "code", "name", "leader_name", "leader_phone", NULL};
    org_unit parent, created;
    const char *code, *name, *lname = NULL, *lphone = NULL;
    char phone[40], err[256];
    int64_t parent_id;

    if (body_only(rq, rs, FIELDS) != 0)
        return 0;
    if (body_int(rq, rs, "parent_id", &parent_id) <= 0)
        return rs->status ? 0 : reply_bad_request(rs, "parent_id", "缺少必填字段 parent_id");
    if (body_str_required(rq, rs, "code", &code) < 0 || body_str_required(rq, rs, "name", &name) < 0 ||
        body_str(rq, rs, "leader_name", &lname) < 0 || body_str(rq, rs, "leader_phone", &lphone) < 0)
        return 0;
    if (check_code_name(rs, code, name) != 0 || check_leader(rs, lname, lphone, phone) != 0)
        return 0;
    if (scope_unit(rq, rs, parent_id, &parent) != 0)
        return 0;
    const char *kind = org_child_kind(parent.kind);
    if (!kind)
        return reply_bad_request(rs, "parent_id", "楼栋下不能再设下级单位");
    if (begin_write(rq, rs) != 0)
        return 0;
    int64_t id = org_create(rq->db, parent.id, kind, code, name, lname, phone[0] ? phone : NULL, err, sizeof err);
    if (id < 0) {
        db_rollback(rq->db);
        int dup = strstr(err, "已被使用") != NULL;
        return reply_error(rs, dup ? 409 : 400, dup ? "conflict" : "bad_request", dup ? "code" : NULL, "%s", err);
    }
    if (org_get(rq->db, id, &created) != 0) {
        db_rollback(rq->db);
        return reply_internal(rs);
    }
    json_t *after = unit_json(&created);
    if (audit_request(rq, "create", "org_unit", id, created.path, NULL, after, NULL) != 0) {
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

static int load_notes(db_conn *db, int64_t id, char *out, size_t outsz)
{
    db_stmt *s = db_prepare(db, SQL_NOTES);
    out[0] = '\0';
    if (!s)
        return -1;
    db_bind_int(s, 1, id);
    if (db_step(s) == DB_ROW)
        snprintf(out, outsz, "%s", db_col_text(s, 0));
    db_finalize(s);
    return 0;
}

/* Grid workers may only edit the buildings of their own grid. */
static int may_edit_unit(request *rq, const org_unit *u)
{
    if (rq->user.role == ROLE_GRID)
        return strcmp(u->kind, "building") == 0;
    return 1;
}

int api_org_update(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"name", "leader_name", "leader_phone", "notes", NULL};
    org_unit u, after_u;
    const char *name = NULL, *lname = NULL, *lphone = NULL, *notes = NULL;
    char phone[40], old_notes[1024], now[20];

    if (body_only(rq, rs, FIELDS) != 0 || body_str(rq, rs, "name", &name) < 0 ||
        body_str(rq, rs, "leader_name", &lname) < 0 || body_str(rq, rs, "leader_phone", &lphone) < 0 ||
        body_str(rq, rs, "notes", &notes) < 0)
        return 0;
    if (scope_unit(rq, rs, rq->id, &u) != 0)
        return 0;
    if (!may_edit_unit(rq, &u))
        return reply_forbidden(rs, "网格员只能修改本网格的楼栋信息");
    if (name && check_code_name(rs, u.code, name) != 0)
        return 0;
    if (check_leader(rs, lname, lphone, phone) != 0)
        return 0;
    if (notes && (utf8_length(notes) < 0 || utf8_length(notes) > 500))
        return reply_bad_request(rs, "notes", "备注不能超过500字");
    load_notes(rq->db, u.id, old_notes, sizeof old_notes);
    json_t *before = unit_json(&u);
    json_t *body = rq->json;
    if (begin_write(rq, rs) != 0) {
        json_decref(before);
        return 0;
    }
    db_stmt *s = db_prepare(rq->db, SQL_UPDATE);
    int ok = s != NULL;
    if (ok) {
        db_bind_text(s, 1, name ? name : u.name);
        db_bind_text(s, 2, json_object_get(body, "leader_name") ? (lname && *lname ? lname : NULL) : (u.leader_name[0] ? u.leader_name : NULL));
        db_bind_text(s, 3, json_object_get(body, "leader_phone") ? (phone[0] ? phone : NULL) : (u.leader_phone[0] ? u.leader_phone : NULL));
        db_bind_text(s, 4, json_object_get(body, "notes") ? notes : (old_notes[0] ? old_notes : NULL));
        db_bind_text(s, 5, db_now(now));
        db_bind_int(s, 6, u.id);
        ok = db_step_done(s) == DB_DONE;
        db_finalize(s);
    }
    json_t *after = NULL;
    ok = ok && org_get(rq->db, u.id, &after_u) == 0 && (after = unit_json(&after_u)) != NULL &&
         audit_request(rq, "update", "org_unit", u.id, u.path, before, after, NULL) == 0;
    json_decref(before);
    if (!ok) {
        db_rollback(rq->db);
        json_decref(after);
        return reply_internal(rs);
    }
    if (commit_write(rq, rs) != 0) {
        json_decref(after);
        return 0;
    }
    return reply_json(rs, 200, after);
}
