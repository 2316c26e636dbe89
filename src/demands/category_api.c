/* category_api.c — /api/v1/demands/categories: the work order category
 * tree with its time limits (demand_category_routes). Everyone who
 * works with orders reads it; the admin and street staff of the whole
 * tree (the one street, or the district) edit it, since every street
 * files under the same tree. Owns the JSON shapes; the SQL and rules
 * are category.c's. */
#include "demands/category.h"
#include "demands/demand_api.h"
#include "registry/org.h"
#include "server/write.h"

#include <stdio.h>
#include <stdlib.h>

#define R_READ (ROLE_STREET | ROLE_COMMUNITY | ROLE_GRID | ROLE_VIEWER | ROLE_ADMIN)
#define R_EDIT (ROLE_STREET | ROLE_ADMIN)

static json_t *category_json(const demand_category *k)
{
    return json_pack("{s:I, s:o, s:s, s:i, s:i, s:b, s:i}", "id", (json_int_t)k->id, "parent_id",
                     k->parent_id ? json_integer(k->parent_id) : json_null(), "name", k->name, "handle_days",
                     k->handle_days, "sign_days", k->sign_days, "active", k->active, "sort", k->sort);
}

/* The admin, or street staff of the whole tree: 0, or -1 with a 403. */
static int editor_or_reply(request *rq, response *rs)
{
    org_unit u;
    if (rq->user.role == ROLE_ADMIN ||
        (org_get(rq->db, rq->user.org_unit_id, &u) == 0 && org_is_whole_tree(rq->db, &u)))
        return 0;
    return reply_forbidden(rs, "诉求类别全区统一设定，只有系统管理员或区级（或唯一街道）的街道工作人员可以修改"), -1;
}

/* GET /api/v1/demands/categories — roles: street, community, grid, viewer, admin.
 * Query: include_inactive=1 (default: active only). Reply: {items: [{id,
 * name, handle_days, sign_days, active, sort, children: [{id, parent_id,
 * name, handle_days, sign_days, active, sort}]}]} — the tree, top level
 * first. */
static int categories_get(request *rq, response *rs)
{
    demand_category *all;
    size_t n;
    int inactive = req_query_flag(rq, "include_inactive");
    if (category_list(rq->db, &all, &n) != 0)
        return reply_internal(rs);
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) {
        if (all[i].parent_id || (!all[i].active && !inactive))
            continue;
        json_t *top = category_json(&all[i]), *children = json_array();
        for (size_t j = 0; j < n; j++)
            if (all[j].parent_id == all[i].id && (all[j].active || inactive))
                json_array_append_new(children, category_json(&all[j]));
        json_object_set_new(top, "children", children);
        json_array_append_new(items, top);
    }
    free(all);
    return reply_json(rs, 200, json_pack("{s:o}", "items", items));
}

static int category_body_or_reply(request *rq, response *rs, category_in *in, int creating)
{
    static const char *const FIELDS[] = {"parent_id", "name", "handle_days", "sign_days", "sort", "active", NULL};
    int active = -1;
    *in = (category_in){.sort = creating ? 0 : -1, .active = -1};
    if (body_only(rq, rs, FIELDS) != 0 || body_str(rq, rs, "name", &in->name) < 0 ||
        body_int(rq, rs, "parent_id", &in->parent_id) < 0 || body_int(rq, rs, "handle_days", &in->handle_days) < 0 ||
        body_int(rq, rs, "sign_days", &in->sign_days) < 0 || body_int(rq, rs, "sort", &in->sort) < 0 ||
        body_bool(rq, rs, "active", &active) < 0)
        return -1;
    if (!creating && json_object_get(rq->json, "parent_id"))
        return reply_bad_request(rs, "parent_id", "类别的上级不能修改"), -1;
    if (creating && json_object_get(rq->json, "active"))
        return reply_bad_request(rs, "active", "新类别总是启用的"), -1;
    if (json_object_get(rq->json, "active"))
        in->active = active;
    return 0;
}

static int category_reply(request *rq, response *rs, int64_t id, const char *action, json_t *before, int status)
{
    demand_category k;
    if (category_get(rq->db, id, &k) != 0) {
        json_decref(before);
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    }
    json_t *after = category_json(&k);
    char detail[160];
    snprintf(detail, sizeof detail, "诉求类别「%s」", k.name);
    int rc = write_commit_or_reply(rq, rs,
                                   &(audit_entry){.action = action, .entity = "demand_category", .entity_id = id,
                                                  .before = before, .after = after, .detail = detail},
                                   status, json_incref(after));
    json_decref(before);
    json_decref(after);
    return rc;
}

/* POST /api/v1/demands/categories — roles: admin, or street staff of the whole tree.
 * Body: name* (1–20 characters), parent_id (a top-level category; absent
 * = a new top-level one), handle_days* (1–60 working days), sign_days*
 * (1–10, not above handle_days), sort. Reply 201: the category.
 * Errors: 400 field; 403 not an editor; 409 a sibling of that name. */
static int categories_create(request *rq, response *rs)
{
    category_in in;
    ms_err err = {0};
    if (category_body_or_reply(rq, rs, &in, 1) != 0 || editor_or_reply(rq, rs) != 0 ||
        write_begin_or_reply(rq, rs) != 0)
        return -1;
    int64_t id = category_create(rq->db, &in, &err);
    if (id < 0)
        return write_fail_or_reply(rq, rs, &err);
    return category_reply(rq, rs, id, "demand_category_create", NULL, 201);
}

/* PUT /api/v1/demands/categories/{id} — roles: admin, or street staff of the whole tree.
 * Body: name, handle_days, sign_days, sort, active (absent: unchanged).
 * Orders already assigned keep their deadlines. Reply: the category.
 * Errors: 400 field; 403; 404; 409 a sibling of that name. */
static int categories_update(request *rq, response *rs)
{
    category_in in;
    demand_category cur;
    ms_err err = {0};
    if (category_body_or_reply(rq, rs, &in, 0) != 0 || editor_or_reply(rq, rs) != 0)
        return -1;
    int rc = category_get(rq->db, rq->id, &cur);
    if (rc != 0)
        return rc < 0 ? reply_internal(rs) : reply_not_found(rs, "诉求类别");
    if (write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (category_update(rq->db, rq->id, &in, &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    return category_reply(rq, rs, rq->id, "demand_category_update", category_json(&cur), 200);
}

const route demand_category_routes[] = {
    {.method = "GET", .pattern = "/api/v1/demands/categories", .handler = categories_get, .roles = R_READ},
    {.method = "POST", .pattern = "/api/v1/demands/categories", .handler = categories_create, .roles = R_EDIT},
    {.method = "PUT", .pattern = "/api/v1/demands/categories/{id}", .handler = categories_update, .roles = R_EDIT},
    {0}
};
