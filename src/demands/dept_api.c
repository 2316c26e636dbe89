/* dept_api.c — /api/v1/demands/departments: the street's departments
 * (部门) that work orders are assigned to, and the accounts acting for
 * each (demand_dept_routes). Everyone who works with the street's
 * orders reads the list (to assign, or to see who holds an order);
 * street-level staff edit it. Owns the JSON shapes; the SQL and rules
 * are dept.c's. */
#include "demands/demand_api.h"
#include "demands/dept.h"
#include "server/write.h"
#include "util/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define R_READ (ROLE_STREET | ROLE_COMMUNITY | ROLE_GRID | ROLE_VIEWER)
#define R_EDIT ROLE_STREET

static json_t *dept_json(const demand_dept *d, int with_members)
{
    json_t *j = json_pack("{s:I, s:s, s:b, s:s}", "id", (json_int_t)d->id, "name", d->name, "active", d->active,
                          "created_at", d->created_at);
    if (with_members) {
        json_t *m = json_array();
        for (size_t i = 0; i < d->nmembers; i++)
            json_array_append_new(m, json_pack("{s:I, s:s, s:s}", "user_id", (json_int_t)d->members[i].user_id,
                                               "username", d->members[i].username, "display_name",
                                               d->members[i].display_name));
        json_object_set_new(j, "members", m);
    }
    return j;
}

/* The caller's street: its id, or -1 with a 403 (a district-level or
 * unplaced account, whose scope is no one street). */
static int64_t street_or_reply(request *rq, response *rs)
{
    int64_t street = dept_street_of_path(rq->user.scope_path);
    if (street > 0)
        return street;
    return reply_forbidden(rs, "部门按街道设置，请使用街道、社区或网格的账号"), -1;
}

/* Street-level staff who act for no department: the street id, or -1
 * with a 403. */
static int64_t street_editor_or_reply(request *rq, response *rs)
{
    int64_t street = street_or_reply(rq, rs);
    if (street < 0)
        return -1;
    if (strchr(rq->user.scope_path + 1, '/') != rq->user.scope_path + strlen(rq->user.scope_path) - 1)
        return reply_forbidden(rs, "部门由街道一级的工作人员设置"), -1;
    int64_t mine = dept_of_user(rq->db, rq->user.id);
    if (mine != 0)
        return mine < 0 ? reply_internal(rs) : reply_forbidden(rs, "部门账号不能设置部门"), -1;
    return street;
}

/* GET /api/v1/demands/departments — roles: street, community, grid, viewer.
 * The departments of the caller's street, by name: {items: [{id, name,
 * active, created_at, members (street staff only): [{user_id, username,
 * display_name}]}]}. Errors: 403 a district-level account. */
static int depts_get(request *rq, response *rs)
{
    demand_dept *all;
    size_t n;
    int64_t street = street_or_reply(rq, rs);
    if (street < 0)
        return -1;
    if (dept_list(rq->db, street, &all, &n) != 0)
        return reply_internal(rs);
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, dept_json(&all[i], rq->user.role == ROLE_STREET));
    free(all);
    return reply_json(rs, 200, json_pack("{s:o}", "items", items));
}

static int dept_reply(request *rq, response *rs, int64_t id, const char *action, json_t *before, int status)
{
    demand_dept *d = calloc(1, sizeof *d);
    if (!d || dept_get(rq->db, id, d) != 0) {
        free(d);
        json_decref(before);
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    }
    json_t *after = dept_json(d, 1);
    char detail[200], path[32];
    snprintf(detail, sizeof detail, "诉求工单承办部门「%s」", d->name);
    snprintf(path, sizeof path, "/%lld/", (long long)d->street_id);
    free(d);
    int rc = write_commit_or_reply(rq, rs,
                                   &(audit_entry){.action = action, .entity = "demand_department", .entity_id = id,
                                                  .org_path = path, .before = before, .after = after,
                                                  .detail = detail},
                                   status, json_incref(after));
    json_decref(before);
    json_decref(after);
    return rc;
}

/* POST /api/v1/demands/departments — roles: street (street level, not a department's account).
 * Body: name* (1–30 characters). Reply 201: the department. Errors: 400
 * name; 403; 409 the street has a department of that name. */
static int depts_create(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"name", NULL};
    const char *name;
    ms_err err = {0};
    int64_t street;
    if (body_only(rq, rs, FIELDS) != 0 || body_str_required(rq, rs, "name", &name) < 0 ||
        (street = street_editor_or_reply(rq, rs)) < 0 || write_begin_or_reply(rq, rs) != 0)
        return -1;
    int64_t id = dept_create(rq->db, street, name, &err);
    if (id < 0)
        return write_fail_or_reply(rq, rs, &err);
    return dept_reply(rq, rs, id, "demand_dept_create", NULL, 201);
}

/* PUT /api/v1/demands/departments/{id} — roles: street (street level, not a department's account).
 * Body: name, active (true|false), member_ids (the accounts acting for
 * the department, replacing the list: each of role viewer or street,
 * enabled, of this street, acting for no other department). Absent
 * members stay. Reply: the department with members. Errors: 400 field;
 * 403; 404 another street's department; 409 name taken, an account of
 * another department. */
static int depts_update(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"name", "active", "member_ids", NULL};
    const char *name = NULL;
    int active = -1;
    int64_t members[DEPT_MAX_MEMBERS];
    size_t nmembers = 0;
    ms_err err = {0};
    int64_t street;
    if (body_only(rq, rs, FIELDS) != 0 || body_str(rq, rs, "name", &name) < 0 ||
        body_bool(rq, rs, "active", &active) < 0 || (street = street_editor_or_reply(rq, rs)) < 0)
        return -1;
    json_t *ids = json_object_get(rq->json, "member_ids");
    if (ids && !json_is_null(ids)) {
        size_t i;
        json_t *x;
        if (!json_is_array(ids) || json_array_size(ids) > DEPT_MAX_MEMBERS)
            return reply_bad_request(rs, "member_ids", "member_ids 应为账号 id 的数组（至多50个）");
        json_array_foreach(ids, i, x) {
            if (!json_is_integer(x) || json_integer_value(x) <= 0)
                return reply_bad_request(rs, "member_ids", "member_ids 的每一项应为正整数");
            for (size_t j = 0; j < i; j++)
                if (members[j] == json_integer_value(x))
                    return reply_bad_request(rs, "member_ids", "member_ids 有重复的账号");
            members[nmembers++] = json_integer_value(x);
        }
    }
    demand_dept *d = calloc(1, sizeof *d);
    if (!d)
        return reply_internal(rs);
    int rc = dept_get(rq->db, rq->id, d);
    if (rc != 0 || d->street_id != street) {
        free(d);
        return rc < 0 ? reply_internal(rs) : reply_not_found(rs, "部门");
    }
    json_t *before = dept_json(d, 1);
    if (write_begin_or_reply(rq, rs) != 0 ||
        dept_update(rq->db, d, name, active, ids && !json_is_null(ids) ? members : NULL, nmembers, &err) != 0) {
        free(d);
        json_decref(before);
        return rs->status ? -1 : write_fail_or_reply(rq, rs, &err);
    }
    free(d);
    return dept_reply(rq, rs, rq->id, "demand_dept_update", before, 200);
}

const route demand_dept_routes[] = {
    {.method = "GET", .pattern = "/api/v1/demands/departments", .handler = depts_get, .roles = R_READ},
    {.method = "POST", .pattern = "/api/v1/demands/departments", .handler = depts_create, .roles = R_EDIT},
    {.method = "PUT", .pattern = "/api/v1/demands/departments/{id}", .handler = depts_update, .roles = R_EDIT},
    {0}
};
