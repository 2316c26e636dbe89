/* household_api.c — the /api/v1/households routes: list and search
 * inside the caller's scope, create, view with members, update, move to
 * another grid (members follow) and close (the household moved away;
 * its members become moved_out, all kept as history).
 *
 * Owns: the household SELECT/UPDATE SQL and the registry_event rows of
 * household moves and closings. Inserts go through registry_writer,
 * member rows → JSON through resident_view. */
#include "registry/registry.h"
#include "registry/resident_view.h"
#include "server/handlers.h"
#include "server/scope.h"
#include "storage/query.h"
#include "util/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOUSEHOLD_SELECT                                                                           \
    "SELECT h.id, h.code, h.grid_id, g.name, g.path, h.building_id, b.name, h.address,"      \
    " h.registered_address, h.actual_address, h.phone, h.head_resident_id, hr.name, h.notes,"   \
    " h.status, h.created_at, h.updated_at,"                                                        \
    " (SELECT COUNT(*) FROM resident m WHERE m.household_id = h.id AND m.status = 'active')"       \
    " FROM household h JOIN org_unit g ON g.id = h.grid_id"                                         \
    " LEFT JOIN org_unit b ON b.id = h.building_id LEFT JOIN resident hr ON hr.id = h.head_resident_id"
static const char *const SQL_SELECT = HOUSEHOLD_SELECT;
static const char *const SQL_SELECT_ONE = HOUSEHOLD_SELECT " WHERE h.id = ?";
static const char *const SQL_COUNT =
    "SELECT COUNT(*) FROM household h JOIN org_unit g ON g.id = h.grid_id";
static const char *const SQL_MEMBERS =
    RESIDENT_SELECT " WHERE r.household_id = ?"
    " ORDER BY (r.status = 'active') DESC, (r.relation = '户主') DESC, r.birth_date, r.id";
static const char *const SQL_IS_ACTIVE_MEMBER =
    "SELECT 1 FROM resident WHERE id = ? AND household_id = ? AND status = 'active'";
static const char *const SQL_UPDATE =
    "UPDATE household SET building_id = ?, address = ?, registered_address = ?, actual_address = ?,"
    " phone = ?, head_resident_id = ?, notes = ?, updated_at = ? WHERE id = ?";
static const char *const SQL_MOVE =
    "UPDATE household SET grid_id = ?, building_id = ?, address = ?, updated_at = ? WHERE id = ?";
static const char *const SQL_MOVE_MEMBERS =
    "UPDATE resident SET grid_id = ?, updated_at = ? WHERE household_id = ?";
static const char *const SQL_CLOSE =
    "UPDATE household SET status = 'closed', updated_at = ? WHERE id = ? AND status = 'active'";
static const char *const SQL_CLOSE_MEMBERS =
    "UPDATE resident SET status = 'moved_out', status_date = ?, updated_at = ?"
    " WHERE household_id = ? AND status = 'active'";
static const char *const SQL_EVENT_HOUSEHOLD =
    "INSERT INTO registry_event(entity, entity_id, kind, from_grid_id, to_grid_id, event_date, note,"
    " user_id, created_at) VALUES ('household', ?, ?, ?, ?, ?, ?, ?, ?)";
/* One event per active member, written before their rows change. */
static const char *const SQL_EVENT_MEMBERS =
    "INSERT INTO registry_event(entity, entity_id, kind, from_grid_id, to_grid_id, from_household_id,"
    " to_household_id, event_date, note, user_id, created_at)"
    " SELECT 'resident', r.id, ?, ?, ?, r.household_id, ?, ?, ?, ?, ?"
    " FROM resident r WHERE r.household_id = ? AND r.status = 'active'";

static const char *const SORT_KEYS[] = {"code", "h.code", "address", "h.address", "id", "h.id", NULL};

/* ---- household as JSON ------------------------------------------------- */

typedef struct hh_view {
    int full_phone;
    char path[256];       /* out: grid path */
    char status[16];      /* out */
    int64_t grid_id;      /* out */
} hh_view;

static json_t *text_or_null(db_stmt *s, int col)
{
    return db_col_is_null(s, col) ? json_null() : json_string(db_col_text(s, col));
}

static json_t *int_or_null(db_stmt *s, int col)
{
    return db_col_is_null(s, col) ? json_null() : json_integer(db_col_int(s, col));
}

/* The household object from a SQL_SELECT row. */
static json_t *household_row_json(db_stmt *s, int full_phone)
{
    char masked[32];
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(db_col_int(s, 0)));
    json_object_set_new(j, "code", json_string(db_col_text(s, 1)));
    json_object_set_new(j, "grid_id", json_integer(db_col_int(s, 2)));
    json_object_set_new(j, "grid_name", json_string(db_col_text(s, 3)));
    json_object_set_new(j, "building_id", int_or_null(s, 5));
    json_object_set_new(j, "building_name", text_or_null(s, 6));
    json_object_set_new(j, "address", json_string(db_col_text(s, 7)));
    json_object_set_new(j, "registered_address", text_or_null(s, 8));
    json_object_set_new(j, "actual_address", text_or_null(s, 9));
    if (db_col_is_null(s, 10) || full_phone)
        json_object_set_new(j, "phone", text_or_null(s, 10));
    else
        json_object_set_new(j, "phone", json_string(phone_mask(db_col_text(s, 10), masked, sizeof masked)));
    json_object_set_new(j, "head_resident_id", int_or_null(s, 11));
    json_object_set_new(j, "head_name", text_or_null(s, 12));
    json_object_set_new(j, "notes", text_or_null(s, 13));
    json_object_set_new(j, "status", json_string(db_col_text(s, 14)));
    json_object_set_new(j, "created_at", json_string(db_col_text(s, 15)));
    json_object_set_new(j, "updated_at", json_string(db_col_text(s, 16)));
    json_object_set_new(j, "member_count", json_integer(db_col_int(s, 17)));
    return j;
}

/* Loads one household: 0 with *out, 1 absent, -1 database error. */
static int household_load(db_conn *db, int64_t id, hh_view *v, json_t **out)
{
    db_stmt *s = db_prepare(db, SQL_SELECT_ONE);
    if (!s)
        return -1;
    db_bind_int(s, 1, id);
    int rc = db_step(s);
    if (rc == DB_ROW) {
        *out = household_row_json(s, v->full_phone);
        snprintf(v->path, sizeof v->path, "%s", db_col_text(s, 4));
        snprintf(v->status, sizeof v->status, "%s", db_col_text(s, 14));
        v->grid_id = db_col_int(s, 2);
    }
    db_finalize(s);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}

static int full_phone_for(const request *rq)
{
    return (rq->user.role & ROLES_REGISTRY_WRITE) != 0;
}

/* Loads the household {id} and checks scope: 0, or -1 with rs filled. */
static int household_in_scope(request *rq, response *rs, int64_t id, int full_phone, hh_view *v, json_t **out)
{
    v->full_phone = full_phone;
    int rc = household_load(rq->db, id, v, out);
    if (rc < 0)
        return reply_internal(rs), -1;
    if (rc > 0 || !scope_contains(rq, v->path)) {
        if (rc == 0)
            json_decref(*out);
        *out = NULL;
        return reply_not_found(rs, "户"), -1;
    }
    return 0;
}

/* ---- shared checks ------------------------------------------------------- */

static int check_text(response *rs, const char *field, const char *v, long max, const char *label)
{
    long n = v ? utf8_length(v) : 0;
    if (n < 0 || n > max)
        return reply_error(rs, 400, "bad_request", field, "%s不能超过%ld字", label, max), -1;
    return 0;
}

/* The grid `id` in scope; 404 outside scope, 400 when not a grid. */
static int grid_in_scope(request *rq, response *rs, int64_t id, org_unit *g)
{
    if (scope_unit(rq, rs, id, g) != 0)
        return -1;
    if (strcmp(g->kind, "grid") != 0)
        return reply_bad_request(rs, "grid_id", "所选单位不是网格，户只能登记在网格下"), -1;
    return 0;
}

/* A building in scope whose parent is grid_id. */
static int building_of_grid(request *rq, response *rs, int64_t id, int64_t grid_id, org_unit *b)
{
    if (scope_unit(rq, rs, id, b) != 0)
        return -1;
    if (strcmp(b->kind, "building") != 0 || b->parent_id != grid_id)
        return reply_bad_request(rs, "building_id", "所选楼栋不存在或不属于该网格"), -1;
    return 0;
}

/* Optional phone in the body → canonical form in canon ("" when absent/null). */
static int body_phone(request *rq, response *rs, char canon[40])
{
    const char *v;
    canon[0] = '\0';
    if (body_str(rq, rs, "phone", &v) < 0)
        return -1;
    if (v && *v && !phone_normalize(v, canon, 40))
        return reply_bad_request(rs, "phone", "联系电话格式不正确（手机11位，或区号-号码）"), -1;
    return 0;
}

static int household_event(request *rq, int64_t id, const char *kind, int64_t from_grid, int64_t to_grid,
                           const char *date, const char *note)
{
    char now[20];
    db_stmt *s = db_prepare(rq->db, SQL_EVENT_HOUSEHOLD);
    if (!s)
        return -1;
    db_bind_int(s, 1, id);
    db_bind_text(s, 2, kind);
    if (from_grid) db_bind_int(s, 3, from_grid); else db_bind_null(s, 3);
    if (to_grid) db_bind_int(s, 4, to_grid); else db_bind_null(s, 4);
    db_bind_text(s, 5, date);
    db_bind_text(s, 6, note);
    db_bind_int(s, 7, rq->user.id);
    db_bind_text(s, 8, db_now(now));
    int rc = db_step_done(s);
    db_finalize(s);
    return rc == DB_DONE ? 0 : -1;
}

/* to_grid 0 = leaving the registry (no target grid or household). */
static int member_events(request *rq, int64_t household_id, const char *kind, int64_t from_grid,
                         int64_t to_grid, const char *date, const char *note)
{
    char now[20];
    db_stmt *s = db_prepare(rq->db, SQL_EVENT_MEMBERS);
    if (!s)
        return -1;
    db_bind_text(s, 1, kind);
    if (from_grid) db_bind_int(s, 2, from_grid); else db_bind_null(s, 2);
    if (to_grid) db_bind_int(s, 3, to_grid); else db_bind_null(s, 3);
    if (to_grid) db_bind_int(s, 4, household_id); else db_bind_null(s, 4);
    db_bind_text(s, 5, date);
    db_bind_text(s, 6, note);
    db_bind_int(s, 7, rq->user.id);
    db_bind_text(s, 8, db_now(now));
    db_bind_int(s, 9, household_id);
    int rc = db_step_done(s);
    db_finalize(s);
    return rc == DB_DONE ? 0 : -1;
}

/* Runs a prepared-and-bound statement to completion and finalizes it
 * (NULL, from a failed prepare, counts as failure). */
static int run_done(db_stmt *s)
{
    if (!s)
        return -1;
    int rc = db_step_done(s);
    db_finalize(s);
    return rc == DB_DONE ? 0 : -1;
}

/* Audits and commits, then replies with `after` (stolen). */
static int finish_write(request *rq, response *rs, const char *action, int64_t id, const char *path,
                        json_t *before, json_t *after, const char *detail, int status)
{
    if (audit_request(rq, action, "household", id, path, before, after, detail) != 0) {
        db_rollback(rq->db);
        json_decref(after);
        return reply_internal(rs);
    }
    if (commit_write(rq, rs) != 0) {
        json_decref(after);
        return 0;
    }
    return reply_json(rs, status, after);
}

/* ---- list ---------------------------------------------------------------- */

static int add_unit_filter(request *rq, response *rs, query *q)
{
    org_unit unit;
    if (scope_unit_param(rq, rs, "org_unit_id", &unit) != 0)
        return -1;
    /* Always bounded by the caller's scope, then narrowed to the unit. */
    q_where(q, "g.path LIKE ? || '%'");
    q_bind_text(q, rq->user.scope_path);
    if (strcmp(unit.kind, "building") == 0) {
        q_where(q, "h.building_id = ?");
        q_bind_int(q, unit.id);
    } else if (strcmp(unit.kind, "grid") == 0) {
        q_where(q, "h.grid_id = ?");
        q_bind_int(q, unit.id);
    } else {
        q_where(q, "g.path LIKE ? || '%'");
        q_bind_text(q, unit.path);
    }
    return 0;
}

/* "50%_off" → "50\%\_off" for LIKE … ESCAPE '\'. */
static char *like_escape(const char *s)
{
    strbuf b = STRBUF_INIT;
    for (; *s; s++) {
        if (*s == '%' || *s == '_' || *s == '\\')
            sb_putc(&b, '\\');
        sb_putc(&b, *s);
    }
    return sb_detach(&b);
}

static int add_text_filters(request *rq, response *rs, query *q)
{
    static const char *const STATUSES[] = {"active", "closed", NULL};
    const char *text = req_query(rq, "q");
    const char *st = req_query(rq, "status");
    if (text && *text) {
        long n = utf8_length(text);
        if (n < 0 || n > 100)
            return reply_bad_request(rs, "q", "查询内容须为不超过100字的文字"), -1;
        char *esc = like_escape(text);
        q_where(q, "(h.code LIKE '%' || ? || '%' ESCAPE '\\' OR h.address LIKE '%' || ? || '%' ESCAPE '\\')");
        q_bind_text(q, esc);
        q_bind_text(q, esc);
        free(esc);
    }
    if (st && strcmp(st, "all") == 0)
        return 0;
    if (st && *st && !str_in_set(st, STATUSES))
        return reply_bad_request(rs, "status", "status 只能是 active（正常）、closed（已注销）或 all"), -1;
    q_where(q, "h.status = ?");
    q_bind_text(q, st && *st ? st : "active");
    return 0;
}

int api_household_list(request *rq, response *rs)
{
    query q;
    page_req pg;
    char suffix[200];
    db_stmt *s = NULL, *c = NULL;
    int rc = 0;

    q_init(&q, "");
    if (req_page(rq, rs, SORT_KEYS, &pg) != 0 || add_unit_filter(rq, rs, &q) != 0 ||
        add_text_filters(rq, rs, &q) != 0)
        goto cleanup;
    c = q_prepare_with(rq->db, SQL_COUNT, &q, "");
    snprintf(suffix, sizeof suffix, " ORDER BY %s, h.id LIMIT ? OFFSET ?", pg.order_by);
    s = q_prepare_with(rq->db, SQL_SELECT, &q, suffix);
    if (!c || !s || db_step(c) != DB_ROW) {
        rc = reply_internal(rs);
        goto cleanup;
    }
    int64_t total = db_col_int(c, 0);
    db_bind_int(s, q.nbind + 1, pg.page_size);
    db_bind_int(s, q.nbind + 2, pg.offset);
    json_t *items = json_array();
    while (db_step(s) == DB_ROW)
        json_array_append_new(items, household_row_json(s, 0)); /* lists mask phones */
    rc = reply_json(rs, 200, page_result(items, &pg, total));
cleanup:
    db_finalize(c);
    db_finalize(s);
    q_free(&q);
    return rc;
}

/* ---- get ----------------------------------------------------------------- */

static json_t *load_members(db_conn *db, int64_t household_id, const resident_view_opts *o)
{
    db_stmt *s = db_prepare(db, SQL_MEMBERS);
    if (!s)
        return NULL;
    db_bind_int(s, 1, household_id);
    json_t *items = json_array();
    while (db_step(s) == DB_ROW)
        json_array_append_new(items, resident_row_json(s, o));
    db_finalize(s);
    return items;
}

/* Each member shown with a full ID number is one audited view. */
static int audit_full_views(request *rq, json_t *members, const char *path)
{
    size_t i;
    json_t *m;
    json_array_foreach(members, i, m) {
        int64_t id = json_integer_value(json_object_get(m, "id"));
        if (audit_request(rq, "view_full_id", "resident", id, path, NULL, NULL, rq->path) != 0)
            return -1;
    }
    return 0;
}

int api_household_get(request *rq, response *rs)
{
    hh_view v;
    json_t *hh = NULL, *members = NULL;
    int full_id = req_query_flag(rq, "full_id");
    if (full_id && !(rq->user.role & ROLES_FULL_ID))
        return reply_forbidden(rs, "您的角色无权查看完整身份证号");
    if (household_in_scope(rq, rs, rq->id, full_phone_for(rq), &v, &hh) != 0)
        return 0;
    resident_view_opts o = {full_id, full_phone_for(rq), 0};
    if (!(members = load_members(rq->db, rq->id, &o))) {
        json_decref(hh);
        return reply_internal(rs);
    }
    json_object_set_new(hh, "members", members);
    if (!full_id || json_array_size(members) == 0)
        return reply_json(rs, 200, hh);
    if (begin_write(rq, rs) != 0) {
        json_decref(hh);
        return 0;
    }
    if (audit_full_views(rq, members, v.path) != 0) {
        db_rollback(rq->db);
        json_decref(hh);
        return reply_internal(rs);
    }
    if (commit_write(rq, rs) != 0) {
        json_decref(hh);
        return 0;
    }
    return reply_json(rs, 200, hh);
}

/* ---- create -------------------------------------------------------------- */

typedef struct hh_body {
    household_input in;
    char phone[40];
} hh_body;

static int read_create_body(request *rq, response *rs, hh_body *b)
{
    static const char *const FIELDS[] = {"code", "grid_id", "building_id", "address", "registered_address",
                                         "actual_address", "phone", "notes", NULL};
    household_input *in = &b->in;
    int rc;
    if (body_only(rq, rs, FIELDS) != 0 || body_str_required(rq, rs, "code", &in->code) < 0)
        return -1;
    if ((rc = body_int(rq, rs, "grid_id", &in->grid_id)) <= 0)
        return rc < 0 ? -1 : (reply_bad_request(rs, "grid_id", "缺少必填字段 grid_id（所属网格）"), -1);
    if (body_int(rq, rs, "building_id", &in->building_id) < 0 ||
        body_str_required(rq, rs, "address", &in->address) < 0 ||
        body_str(rq, rs, "registered_address", &in->registered_address) < 0 ||
        body_str(rq, rs, "actual_address", &in->actual_address) < 0 ||
        body_str(rq, rs, "notes", &in->notes) < 0 || body_phone(rq, rs, b->phone) != 0)
        return -1;
    in->phone = b->phone[0] ? b->phone : NULL;
    field_error fe;
    if (household_input_check(in, &fe) != 0)
        return reply_bad_request(rs, fe.field, fe.message), -1;
    return 0;
}

/* Inserts the household and its 'created' event. */
static int insert_household(request *rq, response *rs, const household_input *in, int64_t *id)
{
    registry_writer *w = registry_writer_open(rq->db);
    int rc = w ? registry_insert_household(w, in, id) : DB_ERROR;
    if (rc == DB_DONE)
        rc = registry_log_event(w, "household", *id, "created", rq->user.id, NULL);
    registry_writer_close(w);
    if (rc == DB_CONSTRAINT)
        return reply_error(rs, 409, "conflict", "code", "户编号 %s 已存在", in->code), -1;
    if (rc != DB_DONE)
        return reply_internal(rs), -1;
    return 0;
}

int api_household_create(request *rq, response *rs)
{
    hh_body b;
    org_unit grid, building;
    hh_view v = {.full_phone = 1};
    json_t *after = NULL;
    int64_t id = 0;

    memset(&b, 0, sizeof b);
    if (read_create_body(rq, rs, &b) != 0 || grid_in_scope(rq, rs, b.in.grid_id, &grid) != 0)
        return 0;
    if (b.in.building_id && building_of_grid(rq, rs, b.in.building_id, grid.id, &building) != 0)
        return 0;
    if (begin_write(rq, rs) != 0)
        return 0;
    if (insert_household(rq, rs, &b.in, &id) != 0) {
        db_rollback(rq->db);
        return 0;
    }
    if (household_load(rq->db, id, &v, &after) != 0) {
        db_rollback(rq->db);
        return reply_internal(rs);
    }
    return finish_write(rq, rs, "create", id, v.path, NULL, after, NULL, 201);
}

/* ---- update -------------------------------------------------------------- */

/* The stored values, overlaid with the body's changes. Strings point
 * into the `current` JSON or the request body. */
typedef struct hh_update {
    int64_t building_id, head_id;
    const char *address, *registered_address, *actual_address, *phone, *notes;
    char phone_buf[40];
} hh_update;

static const char *json_str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));   /* NULL for null/absent */
}

static void update_from_current(json_t *cur, hh_update *u)
{
    u->building_id = json_integer_value(json_object_get(cur, "building_id"));
    u->head_id = json_integer_value(json_object_get(cur, "head_resident_id"));
    u->address = json_str(cur, "address");
    u->registered_address = json_str(cur, "registered_address");
    u->actual_address = json_str(cur, "actual_address");
    u->phone = json_str(cur, "phone");
    u->notes = json_str(cur, "notes");
}

/* Optional text field: present → replaces (null/"" clears). */
static int overlay_text(request *rq, response *rs, const char *key, const char **dst)
{
    const char *v;
    if (!json_object_get(rq->json, key))
        return 0;
    if (body_str(rq, rs, key, &v) < 0)
        return -1;
    *dst = v && *v ? v : NULL;
    return 0;
}

/* Optional id field: present → replaces (null clears). */
static int overlay_id(request *rq, response *rs, const char *key, int64_t *dst)
{
    int64_t v = 0;
    if (!json_object_get(rq->json, key))
        return 0;
    int rc = body_int(rq, rs, key, &v);
    if (rc < 0)
        return -1;
    if (rc > 0 && v <= 0)
        return reply_error(rs, 400, "bad_request", key, "字段 %s 应为正整数", key), -1;
    *dst = rc > 0 ? v : 0;
    return 0;
}

static int read_update_body(request *rq, response *rs, hh_update *u)
{
    static const char *const FIELDS[] = {"address", "registered_address", "actual_address", "phone", "notes",
                                         "building_id", "head_resident_id", NULL};
    if (body_only(rq, rs, FIELDS) != 0)
        return -1;
    if (json_object_size(rq->json) == 0)
        return reply_bad_request(rs, NULL, "没有要修改的字段"), -1;
    if (json_object_get(rq->json, "address") && body_str_required(rq, rs, "address", &u->address) < 0)
        return -1;
    if (overlay_text(rq, rs, "registered_address", &u->registered_address) != 0 ||
        overlay_text(rq, rs, "actual_address", &u->actual_address) != 0 ||
        overlay_text(rq, rs, "notes", &u->notes) != 0 ||
        overlay_id(rq, rs, "building_id", &u->building_id) != 0 ||
        overlay_id(rq, rs, "head_resident_id", &u->head_id) != 0)
        return -1;
    if (json_object_get(rq->json, "phone")) {
        if (body_phone(rq, rs, u->phone_buf) != 0)
            return -1;
        u->phone = u->phone_buf[0] ? u->phone_buf : NULL;
    }
    return 0;
}

static int is_active_member(db_conn *db, int64_t resident_id, int64_t household_id)
{
    db_stmt *s = db_prepare(db, SQL_IS_ACTIVE_MEMBER);
    if (!s)
        return 0;
    db_bind_int(s, 1, resident_id);
    db_bind_int(s, 2, household_id);
    int yes = db_step(s) == DB_ROW;
    db_finalize(s);
    return yes;
}

static int check_update(request *rq, response *rs, json_t *cur, const hh_update *u, const hh_view *v)
{
    org_unit b;
    household_input in = {.code = json_str(cur, "code"), .grid_id = v->grid_id, .building_id = u->building_id,
                          .address = u->address, .registered_address = u->registered_address,
                          .actual_address = u->actual_address, .phone = u->phone, .notes = u->notes};
    field_error fe;
    if (household_input_check(&in, &fe) != 0)
        return reply_bad_request(rs, fe.field, fe.message), -1;
    int64_t old_building = json_integer_value(json_object_get(cur, "building_id"));
    if (u->building_id && u->building_id != old_building &&
        building_of_grid(rq, rs, u->building_id, v->grid_id, &b) != 0)
        return -1;
    int64_t old_head = json_integer_value(json_object_get(cur, "head_resident_id"));
    if (u->head_id && u->head_id != old_head && !is_active_member(rq->db, u->head_id, rq->id))
        return reply_bad_request(rs, "head_resident_id", "户主须为本户在册成员"), -1;
    return 0;
}

static int update_row(db_conn *db, int64_t id, const hh_update *u)
{
    char now[20];
    db_stmt *s = db_prepare(db, SQL_UPDATE);
    if (!s)
        return -1;
    if (u->building_id) db_bind_int(s, 1, u->building_id); else db_bind_null(s, 1);
    db_bind_text(s, 2, u->address);
    db_bind_text(s, 3, u->registered_address);
    db_bind_text(s, 4, u->actual_address);
    db_bind_text(s, 5, u->phone);
    if (u->head_id) db_bind_int(s, 6, u->head_id); else db_bind_null(s, 6);
    db_bind_text(s, 7, u->notes);
    db_bind_text(s, 8, db_now(now));
    db_bind_int(s, 9, id);
    return run_done(s);
}

int api_household_update(request *rq, response *rs)
{
    hh_view v;
    hh_update u;
    json_t *cur = NULL, *after = NULL;
    int rc = 0;

    memset(&u, 0, sizeof u);
    /* Validation works on the stored (unmasked) values. */
    if (household_in_scope(rq, rs, rq->id, 1, &v, &cur) != 0)
        return 0;
    update_from_current(cur, &u);
    if (read_update_body(rq, rs, &u) != 0 || check_update(rq, rs, cur, &u, &v) != 0)
        goto cleanup;
    if (begin_write(rq, rs) != 0)
        goto cleanup;
    hh_view v2 = {.full_phone = 1};
    if (update_row(rq->db, rq->id, &u) != 0 ||
        household_event(rq, rq->id, "updated", 0, 0, NULL, NULL) != 0 ||
        household_load(rq->db, rq->id, &v2, &after) != 0) {
        db_rollback(rq->db);
        rc = reply_internal(rs);
        goto cleanup;
    }
    rc = finish_write(rq, rs, "update", rq->id, v.path, cur, after, NULL, 200);
cleanup:
    json_decref(cur);
    return rc;
}

/* ---- move ---------------------------------------------------------------- */

/* The longest common org-path prefix of a and b ("/1/4/" of "/1/4/9/"
 * and "/1/4/12/"): the narrowest scope containing both ends of a move. */
static void common_path(const char *a, const char *b, char out[256])
{
    size_t i = 0, last = 0;
    while (a[i] && a[i] == b[i] && i < 255) {
        if (a[i] == '/')
            last = i + 1;
        i++;
    }
    memcpy(out, a, last);
    out[last] = '\0';
}

typedef struct move_req {
    org_unit grid, building;
    int64_t building_id;
    const char *address;
} move_req;

static int read_move_body(request *rq, response *rs, move_req *m)
{
    static const char *const FIELDS[] = {"grid_id", "building_id", "address", NULL};
    int64_t grid_id = 0;
    int rc;
    if (body_only(rq, rs, FIELDS) != 0)
        return -1;
    if ((rc = body_int(rq, rs, "grid_id", &grid_id)) <= 0)
        return rc < 0 ? -1 : (reply_bad_request(rs, "grid_id", "缺少必填字段 grid_id（迁入的网格）"), -1);
    if (body_int(rq, rs, "building_id", &m->building_id) < 0 || body_str(rq, rs, "address", &m->address) < 0)
        return -1;
    if (m->address && !*m->address)
        return reply_bad_request(rs, "address", "地址不能为空"), -1;
    if (check_text(rs, "address", m->address, 200, "地址") != 0)
        return -1;
    if (grid_in_scope(rq, rs, grid_id, &m->grid) != 0)
        return -1;
    if (m->building_id && building_of_grid(rq, rs, m->building_id, m->grid.id, &m->building) != 0)
        return -1;
    return 0;
}

static int move_rows(request *rq, int64_t from_grid, const move_req *m, const char *address)
{
    char now[20];
    db_now(now);
    db_stmt *s = db_prepare(rq->db, SQL_MOVE);
    if (s) {
        db_bind_int(s, 1, m->grid.id);
        if (m->building_id) db_bind_int(s, 2, m->building_id); else db_bind_null(s, 2);
        db_bind_text(s, 3, address);
        db_bind_text(s, 4, now);
        db_bind_int(s, 5, rq->id);
    }
    if (run_done(s) != 0)
        return -1;
    if (member_events(rq, rq->id, "moved", from_grid, m->grid.id, NULL, NULL) != 0)
        return -1;
    s = db_prepare(rq->db, SQL_MOVE_MEMBERS);
    if (s) {
        db_bind_int(s, 1, m->grid.id);
        db_bind_text(s, 2, now);
        db_bind_int(s, 3, rq->id);
    }
    if (run_done(s) != 0)
        return -1;
    return household_event(rq, rq->id, "moved", from_grid, m->grid.id, NULL, NULL);
}

int api_household_move(request *rq, response *rs)
{
    hh_view v, v2 = {.full_phone = 1};
    move_req m;
    json_t *before = NULL, *after = NULL;
    char path[256];
    int rc = 0;

    memset(&m, 0, sizeof m);
    if (household_in_scope(rq, rs, rq->id, 1, &v, &before) != 0)
        return 0;
    if (strcmp(v.status, "active") != 0) {
        rc = reply_bad_request(rs, NULL, "该户已注销，不能迁移");
        goto cleanup;
    }
    if (read_move_body(rq, rs, &m) != 0)
        goto cleanup;
    const char *address = m.address ? m.address : json_str(before, "address");
    int64_t old_building = json_integer_value(json_object_get(before, "building_id"));
    if (m.grid.id == v.grid_id && m.building_id == old_building && strcmp(address, json_str(before, "address")) == 0) {
        rc = reply_bad_request(rs, "grid_id", "该户已在此网格和楼栋，无需迁移");
        goto cleanup;
    }
    if (begin_write(rq, rs) != 0)
        goto cleanup;
    if (move_rows(rq, v.grid_id, &m, address) != 0 || household_load(rq->db, rq->id, &v2, &after) != 0) {
        db_rollback(rq->db);
        rc = reply_internal(rs);
        goto cleanup;
    }
    common_path(v.path, v2.path, path);
    rc = finish_write(rq, rs, "move", rq->id, path, before, after, NULL, 200);
cleanup:
    json_decref(before);
    return rc;
}

/* ---- close --------------------------------------------------------------- */

static int close_rows(request *rq, const char *date, const char *note, int64_t grid_id)
{
    char now[20];
    db_now(now);
    if (member_events(rq, rq->id, "moved_out", grid_id, 0, date, note) != 0)
        return -1;
    db_stmt *s = db_prepare(rq->db, SQL_CLOSE_MEMBERS);
    if (s) {
        db_bind_text(s, 1, date);
        db_bind_text(s, 2, now);
        db_bind_int(s, 3, rq->id);
    }
    if (run_done(s) != 0)
        return -1;
    s = db_prepare(rq->db, SQL_CLOSE);
    if (s) {
        db_bind_text(s, 1, now);
        db_bind_int(s, 2, rq->id);
    }
    if (run_done(s) != 0 || db_changes(rq->db) != 1)
        return -1;
    return household_event(rq, rq->id, "closed", grid_id, 0, date, note);
}

int api_household_close(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"date", "note", NULL};
    hh_view v, v2 = {.full_phone = 1};
    json_t *before = NULL, *after = NULL;
    const char *date = NULL, *note = NULL;
    char now[20], today[11], detail[64];
    int rc = 0;

    if (body_only(rq, rs, FIELDS) != 0 || body_str(rq, rs, "date", &date) < 0 || body_str(rq, rs, "note", &note) < 0)
        return 0;
    if (date && *date && !date_is_valid(date))
        return reply_bad_request(rs, "date", "日期格式应为 YYYY-MM-DD");
    if (check_text(rs, "note", note, 500, "说明") != 0)
        return 0;
    if (household_in_scope(rq, rs, rq->id, 1, &v, &before) != 0)
        return 0;
    if (strcmp(v.status, "active") != 0) {
        rc = reply_bad_request(rs, NULL, "该户已注销");
        goto cleanup;
    }
    snprintf(today, sizeof today, "%.10s", db_now(now));
    if (!date || !*date)
        date = today;
    if (begin_write(rq, rs) != 0)
        goto cleanup;
    int64_t members = json_integer_value(json_object_get(before, "member_count"));
    if (close_rows(rq, date, note && *note ? note : NULL, v.grid_id) != 0 ||
        household_load(rq->db, rq->id, &v2, &after) != 0) {
        db_rollback(rq->db);
        rc = reply_internal(rs);
        goto cleanup;
    }
    snprintf(detail, sizeof detail, "注销日期 %s，%lld 名在册成员迁出", date, (long long)members);
    rc = finish_write(rq, rs, "close", rq->id, v.path, before, after, detail, 200);
cleanup:
    json_decref(before);
    return rc;
}
