/* org_api.c — the /api/v1/org-units routes: browse the tree inside the
 * caller's scope with counts, create child units, edit names and
 * leaders; and the org-unit scope helpers of registry_api.h. The SQL and
 * rules are org.c's. */
#include "registry/registry_api.h"
#include "server/write.h"
#include "util/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The account managers (admin, secadmin) browse the tree to choose an
 * account's unit, without the household and resident counts. */
#define R_TREE      (ROLES_REGISTRY_READ | ROLES_ACCOUNTS)
#define R_WRITE     ROLES_REGISTRY_WRITE
#define R_ORG_ADMIN (ROLE_STREET | ROLE_COMMUNITY)

/* ---- scope helpers ---------------------------------------------------------- */

int org_unit_in_scope_or_reply(request *rq, response *rs, int64_t id, org_unit *out)
{
    if (org_get(rq->db, id, out) != 0 || !scope_contains(rq, out->path))
        return reply_not_found(rs, "单位"), -1;
    return 0;
}

int org_unit_param_or_reply(request *rq, response *rs, const char *param, org_unit *out)
{
    int64_t id;
    if (req_query_int(rq, rs, param, rq->user.org_unit_id, 1, INT64_MAX, &id) < 0)
        return -1;
    return org_unit_in_scope_or_reply(rq, rs, id, out);
}

/* ---- JSON ------------------------------------------------------------------ */

static json_t *unit_json(const org_unit *u)
{
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)u->id, "kind", u->kind,
                          "kind_label", org_kind_label(u->kind), "code", u->code, "name", u->name,
                          "path", u->path);
    json_object_set_new(j, "parent_id", u->parent_id ? json_integer(u->parent_id) : json_null());
    json_object_set_new(j, "leader_name", u->leader_name[0] ? json_string(u->leader_name) : json_null());
    json_object_set_new(j, "leader_phone", u->leader_phone[0] ? json_string(u->leader_phone) : json_null());
    json_object_set_new(j, "version", json_integer(u->version));
    json_object_set_new(j, "status", json_string(u->status[0] ? u->status : "active"));
    return j;
}

/* The body's "geometry": absent (0), null (1, *canon NULL: clear), or a
 * checked Polygon/MultiPolygon (1, *canon malloc'd). -1 replied 400. */
static int geometry_or_reply(request *rq, response *rs, char **canon)
{
    ms_err err;
    json_t *g = json_object_get(rq->json, "geometry");
    *canon = NULL;
    if (!g)
        return 0;
    if (json_is_null(g))
        return 1;
    if (org_check_geometry_json(g, canon, &err) != 0)
        return reply_err(rs, &err);
    return 1;
}

/* The unit's boundary (GeoJSON object) or null, into j. */
static void set_geometry_json(json_t *j, const char *text)
{
    json_t *g = text ? json_loads(text, 0, NULL) : NULL;
    json_object_set_new(j, "geometry", g ? g : json_null());
}

/* ---- read -------------------------------------------------------------------- */

/* GET /api/v1/org-units — roles: registry readers, admin, secadmin.
 * Query: parent_id (optional; default: the caller's own unit itself).
 * Reply: {items: [unit + child_count, household_count, resident_count]}
 * (the counts only for registry readers: they are business data).
 * Errors: 400 parent_id malformed; 404 parent outside scope. */
static int org_list(request *rq, response *rs)
{
    org_unit parent;
    org_unit_counted *units;
    size_t n;
    int64_t parent_id;
    int has_parent = req_query_int(rq, rs, "parent_id", 0, 1, INT64_MAX, &parent_id);
    if (has_parent < 0)
        return -1;
    if (has_parent && org_unit_in_scope_or_reply(rq, rs, parent_id, &parent) != 0)
        return -1;
    /* No parent: the caller's own unit, the root of what they may see. */
    int rc = has_parent ? org_list_counted(rq->db, parent.id, 0, &units, &n)
                        : org_list_counted(rq->db, 0, rq->user.org_unit_id, &units, &n);
    if (rc != 0)
        return reply_internal(rs);
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *j = unit_json(&units[i].unit);
        json_object_set_new(j, "child_count", json_integer(units[i].child_count));
        if (rq->user.role & ROLES_REGISTRY_READ) {
            json_object_set_new(j, "household_count", json_integer(units[i].household_count));
            json_object_set_new(j, "resident_count", json_integer(units[i].resident_count));
        }
        json_array_append_new(items, j);
    }
    free(units);
    return reply_json(rs, 200, json_pack("{s:o}", "items", items));
}

/* GET /api/v1/org-units/{id} — roles: registry readers, admin, secadmin.
 * Reply: the unit (status active|closed, geometry: its boundary as a
 * GeoJSON object or null) with its ancestors inside the caller's scope
 * (breadcrumb).
 * Errors: 404 absent or outside scope. */
static int org_get_one(request *rq, response *rs)
{
    org_unit u, a;
    if (org_unit_in_scope_or_reply(rq, rs, rq->id, &u) != 0)
        return -1;
    json_t *j = unit_json(&u);
    char *geometry = org_get_geometry(rq->db, u.id);
    set_geometry_json(j, geometry);
    free(geometry);
    json_t *ancestors = json_array();
    for (int64_t pid = u.parent_id; pid && org_get(rq->db, pid, &a) == 0 && scope_contains(rq, a.path); pid = a.parent_id)
        json_array_insert_new(ancestors, 0, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)a.id, "name", a.name, "kind", a.kind));
    json_object_set_new(j, "ancestors", ancestors);
    reply_etag(rs, u.version);
    return reply_json(rs, 200, j);
}

/* ---- write -------------------------------------------------------------------- */

static int check_leader_or_reply(response *rs, const char *name, const char *phone, char canon[40])
{
    if (name && *name && !person_name_is_valid(name))
        return reply_bad_request(rs, "leader_name", "负责人姓名无效"), -1;
    canon[0] = '\0';
    if (phone && *phone && !phone_normalize(phone, canon, 40))
        return reply_bad_request(rs, "leader_phone", "负责人电话格式不正确"), -1;
    return 0;
}

static int check_code_name_or_reply(response *rs, const char *code, const char *name)
{
    ms_err err;
    return org_check_code_name(code, name, &err) == 0 ? 0 : reply_err(rs, &err);
}

/* POST /api/v1/org-units — roles: street, community.
 * Body: parent_id*, code*, name*, leader_name, leader_phone, geometry
 * (GeoJSON Polygon or MultiPolygon object, or null). The kind
 * follows the parent (district → street → community → grid → building;
 * the district itself is made on the command line: minsheng org district).
 * Reply 201: the unit. Errors: 400 field; 404 parent outside scope;
 * 409 code used. */
static int org_create_unit(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"parent_id", "code", "name", "leader_name", "leader_phone", "geometry", NULL};
    org_unit parent, created;
    const char *code, *name, *lname = NULL, *lphone = NULL;
    char phone[40], *geometry = NULL;
    int64_t parent_id;
    ms_err err;

    if (body_only(rq, rs, FIELDS) != 0)
        return -1;
    if (body_int(rq, rs, "parent_id", &parent_id) <= 0)
        return rs->status ? -1 : reply_bad_request(rs, "parent_id", "缺少必填字段 parent_id");
    if (body_str_required(rq, rs, "code", &code) < 0 || body_str_required(rq, rs, "name", &name) < 0 ||
        body_str(rq, rs, "leader_name", &lname) < 0 || body_str(rq, rs, "leader_phone", &lphone) < 0)
        return -1;
    if (check_code_name_or_reply(rs, code, name) != 0 || check_leader_or_reply(rs, lname, lphone, phone) != 0 ||
        org_unit_in_scope_or_reply(rq, rs, parent_id, &parent) != 0 || geometry_or_reply(rq, rs, &geometry) < 0)
        return -1;
    const char *kind = org_child_kind(parent.kind);
    if (!kind) {
        free(geometry);
        return reply_bad_request(rs, "parent_id", "楼栋下不能再设下级单位");
    }
    if (write_begin_or_reply(rq, rs) != 0) {
        free(geometry);
        return -1;
    }
    int64_t id = org_create(rq->db, parent.id, kind, code, name, lname, phone, &err);
    if (id >= 0 && geometry && org_set_geometry(rq->db, id, geometry, &err) != 0)
        id = -1;
    if (id < 0 || org_get(rq->db, id, &created) != 0) {
        free(geometry);
        return write_fail_or_reply(rq, rs, id < 0 ? &err : &(ms_err){.kind = ERR_DB});
    }
    json_t *after = unit_json(&created);
    set_geometry_json(after, geometry);
    free(geometry);
    return write_commit_or_reply(rq, rs, &(audit_entry){.action = "create", .entity = "org_unit", .entity_id = id,
                                                        .org_path = created.path, .after = after}, 201, after);
}

/* PATCH /api/v1/org-units/{id} — roles: registry writers (a grid worker
 * only the buildings of their grid).
 * Header: If-Match (optional). Body: name, leader_name, leader_phone,
 * notes (null or "" clears), geometry (a GeoJSON Polygon or
 * MultiPolygon object; null clears); only the fields sent change. Reply: the
 * unit, ETag. Errors: 400 field; 403 grid worker on a non-building; 404
 * outside scope; 412 stale If-Match. */
static int org_update_unit(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"name", "leader_name", "leader_phone", "notes", "geometry", NULL};
    org_unit u, before, after_u;
    const char *name = NULL, *lname = NULL, *lphone = NULL, *notes = NULL;
    char phone[40], *geometry = NULL;
    int64_t if_version;
    ms_err err = {0};

    if (body_only(rq, rs, FIELDS) != 0 || if_match_or_reply(rq, rs, &if_version) != 0 ||
        body_str(rq, rs, "name", &name) < 0 ||
        body_str(rq, rs, "leader_name", &lname) < 0 || body_str(rq, rs, "leader_phone", &lphone) < 0 ||
        body_str(rq, rs, "notes", &notes) < 0 || org_unit_in_scope_or_reply(rq, rs, rq->id, &u) != 0)
        return -1;
    if (rq->user.role == ROLE_GRID && strcmp(u.kind, "building") != 0)
        return reply_forbidden(rs, "网格员只能修改本网格的楼栋信息");
    if ((name && check_code_name_or_reply(rs, u.code, name) != 0) || check_leader_or_reply(rs, lname, lphone, phone) != 0)
        return -1;
    if (notes && (utf8_length(notes) < 0 || utf8_length(notes) > 500))
        return reply_bad_request(rs, "notes", "备注不能超过500字");
    int has_geometry = geometry_or_reply(rq, rs, &geometry);
    if (has_geometry < 0)
        return -1;
    json_t *body = rq->json;
    org_change c = {.name = name, .leader_name = lname, .leader_phone = phone, .notes = notes, .geometry = geometry,
                    .set = (name ? OC_NAME : 0) | (json_object_get(body, "leader_name") ? OC_LEADER_NAME : 0) |
                           (json_object_get(body, "leader_phone") ? OC_LEADER_PHONE : 0) |
                           (json_object_get(body, "notes") ? OC_NOTES : 0) | (has_geometry ? OC_GEOMETRY : 0)};
    if (write_begin_or_reply(rq, rs) != 0 || org_update(rq->db, u.id, if_version, &c, &before, &err) != 0 ||
        org_get(rq->db, u.id, &after_u) != 0) {
        free(geometry);
        return rs->status ? -1 : write_fail_or_reply(rq, rs, err.kind ? &err : &(ms_err){.kind = ERR_DB});
    }
    json_t *before_j = unit_json(&before), *after = unit_json(&after_u);
    if (has_geometry)
        set_geometry_json(after, geometry);
    free(geometry);
    int rc = write_commit_or_reply(rq, rs, &(audit_entry){.action = "update", .entity = "org_unit", .entity_id = u.id,
                                                          .org_path = u.path, .before = before_j, .after = after},
                                   200, after);
    json_decref(before_j);
    if (rc == 0)
        reply_etag(rs, after_u.version);
    return rc;
}

const route org_routes[] = {
    {.method = "GET",   .pattern = "/api/v1/org-units",      .handler = org_list,        .roles = R_TREE, .read_heavy = 1},
    {.method = "POST",  .pattern = "/api/v1/org-units",      .handler = org_create_unit, .roles = R_ORG_ADMIN},
    {.method = "GET",   .pattern = "/api/v1/org-units/{id}", .handler = org_get_one,     .roles = R_TREE},
    {.method = "PATCH", .pattern = "/api/v1/org-units/{id}", .handler = org_update_unit, .roles = R_WRITE},
    {0}
};
