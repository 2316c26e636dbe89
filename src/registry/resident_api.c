/* resident_api.c — the /api/v1/residents routes: search, create, view,
 * update, move between households, status (deceased / moved out) and
 * history. Owns the resident UPDATE and history SQL; inserts go through
 * registry_writer, row→JSON through resident_view. */
#include "registry/registry.h"
#include "registry/resident_view.h"
#include "server/handlers.h"
#include "server/scope.h"
#include "storage/query.h"
#include "util/idcard.h"
#include "util/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const SQL_HOUSEHOLD_SCOPE =
    "SELECT h.grid_id, g.path, h.status, h.head_resident_id FROM household h"
    " JOIN org_unit g ON g.id = h.grid_id WHERE h.id = ?";
static const char *const SQL_ID_TAKEN = "SELECT id FROM resident WHERE id_number = ?";
static const char *const SQL_OTHER_HEAD =
    "SELECT 1 FROM resident WHERE household_id = ? AND relation = '户主' AND status = 'active' AND id <> ?";
static const char *const SQL_UPDATE =
    "UPDATE resident SET name = ?, relation = ?, phone = ?, hukou_type = ?, residence_status = ?,"
    " employment = ?, disability_type = ?, disability_grade = ?, party_member = ?, notes = ?,"
    " updated_at = ? WHERE id = ?";
static const char *const SQL_DELETE_TAGS = "DELETE FROM resident_tag WHERE resident_id = ?";
static const char *const SQL_INSERT_TAG = "INSERT OR IGNORE INTO resident_tag(resident_id, tag) VALUES (?,?)";
static const char *const SQL_MOVE =
    "UPDATE resident SET household_id = ?, grid_id = ?, relation = ?, updated_at = ? WHERE id = ?";
static const char *const SQL_CLEAR_HEAD =
    "UPDATE household SET head_resident_id = NULL, updated_at = ? WHERE id = ? AND head_resident_id = ?";
static const char *const SQL_SET_HEAD_IF_NONE =
    "UPDATE household SET head_resident_id = ? WHERE id = ? AND head_resident_id IS NULL";
static const char *const SQL_SET_STATUS =
    "UPDATE resident SET status = ?, status_date = ?, updated_at = ? WHERE id = ?";
static const char *const SQL_EVENT =
    "INSERT INTO registry_event(entity, entity_id, kind, from_grid_id, to_grid_id, from_household_id,"
    " to_household_id, event_date, note, user_id, created_at) VALUES ('resident',?,?,?,?,?,?,?,?,?,?)";
static const char *const SQL_HISTORY =
    "SELECT e.id, e.kind, e.event_date, e.note, e.created_at, e.from_household_id, e.to_household_id,"
    " fg.name, tg.name, u.display_name FROM registry_event e"
    " LEFT JOIN org_unit fg ON fg.id = e.from_grid_id LEFT JOIN org_unit tg ON tg.id = e.to_grid_id"
    " LEFT JOIN app_user u ON u.id = e.user_id"
    " WHERE e.entity = 'resident' AND e.entity_id = ? ORDER BY e.id";

static const char *const SORT_KEYS[] = {
    "name", "r.name", "birth_date", "r.birth_date", "id", "r.id", "updated_at", "r.updated_at", NULL};

static const char *const WRITABLE_FIELDS[] = {
    "name", "relation", "phone", "hukou_type", "residence_status", "employment", "disability_type",
    "disability_grade", "party_member", "notes", "tags", NULL};

/* ---- helpers ----------------------------------------------------------- */

typedef struct household_ref {
    int64_t id, grid_id, head_id;
    char path[256];
    char status[16];
} household_ref;

/* Loads a household and checks it is in the caller's scope. */
static int household_in_scope(request *rq, response *rs, int64_t id, household_ref *out)
{
    int found = 0;
    db_stmt *s = db_prepare(rq->db, SQL_HOUSEHOLD_SCOPE);
    if (!s)
        return reply_internal(rs), -1;
    db_bind_int(s, 1, id);
    if (db_step(s) == DB_ROW) {
        found = 1;
        out->id = id;
        out->grid_id = db_col_int(s, 0);
        snprintf(out->path, sizeof out->path, "%s", db_col_text(s, 1));
        snprintf(out->status, sizeof out->status, "%s", db_col_text(s, 2));
        out->head_id = db_col_int(s, 3);
    }
    db_finalize(s);
    if (!found || !scope_contains(rq, out->path))
        return reply_not_found(rs, "户"), -1;
    return 0;
}

static int may_see_full_id(request *rq, response *rs, int *full)
{
    *full = req_query_flag(rq, "full_id");
    if (*full && !(rq->user.role & ROLES_FULL_ID))
        return reply_forbidden(rs, "您的角色无权查看完整身份证号"), -1;
    return 0;
}

static resident_view_opts view_opts(request *rq, int full_id)
{
    resident_view_opts o = {full_id, (rq->user.role & ROLES_REGISTRY_WRITE) != 0, 0};
    return o;
}

/* Loads the resident and checks scope; *obj is the masked JSON. */
static int resident_in_scope(request *rq, response *rs, int64_t id, json_t **obj, char path[256])
{
    resident_view_opts o = view_opts(rq, 0);
    if (resident_load(rq->db, id, &o, obj, path) != 0)
        return reply_not_found(rs, "居民"), -1;
    if (!scope_contains(rq, path)) {
        json_decref(*obj);
        *obj = NULL;
        return reply_not_found(rs, "居民"), -1;
    }
    return 0;
}

/* Audits each full ID number shown in items (array of resident objects). */
static int audit_full_views(request *rq, json_t *items)
{
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        int64_t id = json_integer_value(json_object_get(it, "id"));
        if (audit_request(rq, "view_full_id", "resident", id, NULL, NULL, NULL, rq->path) != 0)
            return -1;
    }
    return 0;
}

static int reply_with_full_views(request *rq, response *rs, json_t *items, json_t *result)
{
    if (begin_write(rq, rs) != 0 || audit_full_views(rq, items) != 0) {
        db_rollback(rq->db);
        json_decref(result);
        return rs->status ? 0 : reply_internal(rs);
    }
    if (commit_write(rq, rs) != 0) {
        json_decref(result);
        return 0;
    }
    return reply_json(rs, 200, result);
}

/* ---- list ---------------------------------------------------------------- */

static int add_scope_filter(request *rq, response *rs, query *q)
{
    org_unit unit;
    if (scope_unit_param(rq, rs, "org_unit_id", &unit) != 0)
        return -1;
    if (strcmp(unit.kind, "building") == 0) {
        q_where(q, "r.household_id IN (SELECT id FROM household WHERE building_id = ?)");
        q_bind_int(q, unit.id);
    } else if (strcmp(unit.kind, "grid") == 0) {
        q_where(q, "r.grid_id = ?");
        q_bind_int(q, unit.id);
    } else if (unit.parent_id != 0) {
        q_where(q, "r.grid_id IN (SELECT id FROM org_unit WHERE kind = 'grid' AND path LIKE ? || '%')");
        q_bind_text(q, unit.path);
    }
    /* The street is the root: every resident is inside it, no filter needed
     * (leaving the planner free to walk the name or id index in order). */
    return 0;
}

static int add_status_filter(request *rq, response *rs, query *q)
{
    static const char *const STATUSES[] = {"active", "deceased", "moved_out", NULL};
    const char *st = req_query(rq, "status");
    if (st && strcmp(st, "all") == 0)
        return 0;
    if (st && !str_in_set(st, STATUSES))
        return reply_bad_request(rs, "status", "status 只能是 active、deceased、moved_out 或 all"), -1;
    q_where(q, "r.status = ?");
    q_bind_text(q, st ? st : "active");
    return 0;
}

static int add_text_filters(request *rq, response *rs, query *q)
{
    const char *name = req_query(rq, "name");
    const char *idn = req_query(rq, "id_number");
    const char *phone = req_query(rq, "phone");
    const char *tag = req_query(rq, "tag");
    if (name && *name) {
        if (utf8_length(name) < 0 || utf8_length(name) > 50)
            return reply_bad_request(rs, "name", "姓名查询条件无效"), -1;
        /* Prefix match as a range, so the name index is used. */
        q_where(q, "r.name >= ? AND r.name < ? || char(1114111)");
        q_bind_text(q, name);
        q_bind_text(q, name);
    }
    if (idn && *idn) {
        char norm[32];
        idcard_normalize(idn, norm);
        idcard_status st = idcard_validate(norm, 0, NULL);
        if (st != IDCARD_OK)
            return reply_bad_request(rs, "id_number", idcard_status_message(st)), -1;
        q_where(q, "r.id_number = ?");
        q_bind_text(q, norm);
    }
    if (phone && *phone) {
        char canon[40];
        if (!phone_normalize(phone, canon, sizeof canon))
            return reply_bad_request(rs, "phone", "电话号码格式不正确"), -1;
        q_where(q, "r.phone = ?");
        q_bind_text(q, canon);
    }
    if (tag && *tag) {
        const char *code = resident_tag_code(tag);
        if (!code)
            return reply_bad_request(rs, "tag", "未知的人员标签"), -1;
        q_where(q, "EXISTS (SELECT 1 FROM resident_tag t WHERE t.resident_id = r.id AND t.tag = ?)");
        q_bind_text(q, code);
    }
    return 0;
}

static int add_household_filter(request *rq, response *rs, query *q)
{
    int64_t hid;
    int rc = req_query_int(rq, rs, "household_id", 0, 1, INT64_MAX, &hid);
    if (rc <= 0)
        return rc;
    q_where(q, "r.household_id = ?");
    q_bind_int(q, hid);
    return 0;
}

static int64_t count_rows(db_conn *db, const query *q)
{
    int64_t n = -1;
    db_stmt *s = q_prepare_with(db,
        "SELECT COUNT(*) FROM resident r", q, "");
    if (s && db_step(s) == DB_ROW)
        n = db_col_int(s, 0);
    db_finalize(s);
    return n;
}

int api_resident_list(request *rq, response *rs)
{
    query q;
    page_req pg;
    int full = 0, rc = 0;
    db_stmt *s = NULL;
    json_t *items = NULL;
    char suffix[400];

    q_init(&q, "");
    if (may_see_full_id(rq, rs, &full) != 0 || req_page(rq, rs, SORT_KEYS, &pg) != 0 ||
        add_scope_filter(rq, rs, &q) != 0 || add_status_filter(rq, rs, &q) != 0 ||
        add_text_filters(rq, rs, &q) != 0 || add_household_filter(rq, rs, &q) != 0)
        goto cleanup;
    int64_t total = count_rows(rq->db, &q);
    /* Pick the page's ids from the indexes first, then build full rows for
     * those only: sorting whole rows (with their tag lists) is what costs. */
    snprintf(suffix, sizeof suffix, " ORDER BY %s, r.id LIMIT ? OFFSET ?) ORDER BY %s, r.id", pg.order_by, pg.order_by);
    s = q_prepare_with(rq->db, RESIDENT_SELECT " WHERE r.id IN (SELECT r.id FROM resident r", &q, suffix);
    if (!s || total < 0) {
        rc = reply_internal(rs);
        goto cleanup;
    }
    db_bind_int(s, q.nbind + 1, pg.page_size);
    db_bind_int(s, q.nbind + 2, pg.offset);
    resident_view_opts o = view_opts(rq, full);
    o.full_phone = 0; /* lists mask phones for everyone; the detail view shows them to staff */
    items = json_array();
    while (db_step(s) == DB_ROW)
        json_array_append_new(items, resident_row_json(s, &o));
    json_t *result = page_result(json_incref(items), &pg, total);
    if (full)
        rc = reply_with_full_views(rq, rs, items, result);
    else
        rc = reply_json(rs, 200, result);
cleanup:
    json_decref(items);
    db_finalize(s);
    q_free(&q);
    return rc;
}

/* ---- get / history ----------------------------------------------------- */

int api_resident_get(request *rq, response *rs)
{
    json_t *obj = NULL;
    char path[256];
    int full;
    if (may_see_full_id(rq, rs, &full) != 0 || resident_in_scope(rq, rs, rq->id, &obj, path) != 0)
        return 0;
    if (!full)
        return reply_json(rs, 200, obj);
    json_decref(obj);
    resident_view_opts o = view_opts(rq, 1);
    if (resident_load(rq->db, rq->id, &o, &obj, path) != 0)
        return reply_not_found(rs, "居民");
    json_t *one = json_pack("[{s:I}]", "id", (json_int_t)rq->id);
    int rc = reply_with_full_views(rq, rs, one, obj);
    json_decref(one);
    return rc;
}

int api_resident_history(request *rq, response *rs)
{
    json_t *obj = NULL;
    char path[256];
    if (resident_in_scope(rq, rs, rq->id, &obj, path) != 0)
        return 0;
    json_decref(obj);
    db_stmt *s = db_prepare(rq->db, SQL_HISTORY);
    if (!s)
        return reply_internal(rs);
    db_bind_int(s, 1, rq->id);
    json_t *items = json_array();
    while (db_step(s) == DB_ROW) {
        json_t *e = json_pack("{s:I, s:s, s:s?, s:s?, s:s}", "id", (json_int_t)db_col_int(s, 0),
                              "kind", db_col_text(s, 1),
                              "event_date", db_col_is_null(s, 2) ? NULL : db_col_text(s, 2),
                              "note", db_col_is_null(s, 3) ? NULL : db_col_text(s, 3),
                              "created_at", db_col_text(s, 4));
        if (!db_col_is_null(s, 5)) json_object_set_new(e, "from_household_id", json_integer(db_col_int(s, 5)));
        if (!db_col_is_null(s, 6)) json_object_set_new(e, "to_household_id", json_integer(db_col_int(s, 6)));
        if (!db_col_is_null(s, 7)) json_object_set_new(e, "from_grid", json_string(db_col_text(s, 7)));
        if (!db_col_is_null(s, 8)) json_object_set_new(e, "to_grid", json_string(db_col_text(s, 8)));
        if (!db_col_is_null(s, 9)) json_object_set_new(e, "by", json_string(db_col_text(s, 9)));
        json_array_append_new(items, e);
    }
    db_finalize(s);
    return reply_json(rs, 200, json_pack("{s:o}", "items", items));
}

/* ---- input from JSON ------------------------------------------------- */

/* Reads the writable fields present in the body over *in. Strings stay
 * owned by rq->json (or by `phone_buf`). Returns 0 or -1 with rs filled. */
static int read_fields(request *rq, response *rs, resident_input *in, char phone_buf[40])
{
    const char *v;
    int64_t n;
    int b, rc;
    json_t *body = rq->json;
#define OPT_STR(key, dst) \
    if (json_object_get(body, key)) { if (body_str(rq, rs, key, &v) < 0) return -1; dst = (v && *v) ? v : NULL; }
    if (json_object_get(body, "name") && body_str_required(rq, rs, "name", &in->name) < 0)
        return -1;
    OPT_STR("relation", in->relation);
    OPT_STR("hukou_type", in->hukou_type);
    OPT_STR("residence_status", in->residence_status);
    OPT_STR("employment", in->employment);
    OPT_STR("disability_type", in->disability_type);
    OPT_STR("notes", in->notes);
    if (json_object_get(body, "phone")) {
        if (body_str(rq, rs, "phone", &v) < 0)
            return -1;
        in->phone = NULL;
        if (v && *v) {
            if (!phone_normalize(v, phone_buf, 40))
                return reply_bad_request(rs, "phone", "联系电话格式不正确（手机11位，或区号-号码）"), -1;
            in->phone = phone_buf;
        }
    }
#undef OPT_STR
    if ((rc = body_int(rq, rs, "disability_grade", &n)) < 0)
        return -1;
    if (json_object_get(body, "disability_grade"))
        in->disability_grade = rc ? (int)(n < 0 || n > 4 ? -1 : n) : 0;
    if ((rc = body_bool(rq, rs, "party_member", &b)) < 0)
        return -1;
    if (rc)
        in->party_member = b;
    json_t *tags = json_object_get(body, "tags");
    if (tags && !json_is_null(tags)) {
        size_t i;
        json_t *t;
        if (!json_is_array(tags) || json_array_size(tags) > REGISTRY_MAX_TAGS)
            return reply_bad_request(rs, "tags", "tags 应为不超过16个标签代码的数组"), -1;
        in->ntags = 0;
        json_array_foreach(tags, i, t) {
            if (!json_is_string(t) || !resident_tag_code(json_string_value(t)))
                return reply_bad_request(rs, "tags", "未知的人员标签"), -1;
            in->tags[in->ntags++] = resident_tag_code(json_string_value(t));
        }
    } else if (tags) {
        in->ntags = 0;
    }
    return 0;
}

static int check_input(response *rs, const resident_input *in)
{
    field_error fe;
    if (resident_input_check(in, 0, &fe) != 0)
        return reply_bad_request(rs, fe.field, fe.message), -1;
    return 0;
}

static int log_event(request *rq, int64_t resident_id, const char *kind, int64_t from_grid, int64_t to_grid,
                     int64_t from_hh, int64_t to_hh, const char *date, const char *note)
{
    char now[20];
    db_stmt *s = db_prepare(rq->db, SQL_EVENT);
    if (!s)
        return -1;
    db_bind_int(s, 1, resident_id);
    db_bind_text(s, 2, kind);
    if (from_grid) db_bind_int(s, 3, from_grid); else db_bind_null(s, 3);
    if (to_grid) db_bind_int(s, 4, to_grid); else db_bind_null(s, 4);
    if (from_hh) db_bind_int(s, 5, from_hh); else db_bind_null(s, 5);
    if (to_hh) db_bind_int(s, 6, to_hh); else db_bind_null(s, 6);
    db_bind_text(s, 7, date);
    db_bind_text(s, 8, note);
    db_bind_int(s, 9, rq->user.id);
    db_bind_text(s, 10, db_now(now));
    int rc = db_step_done(s);
    db_finalize(s);
    return rc == DB_DONE ? 0 : -1;
}

static int exec_bound(db_conn *db, const char *sql, int64_t a, int64_t b, int64_t c, const char *text)
{
    /* For the small UPDATEs here: binds text (if any) first, then the ints that are non-zero. */
    db_stmt *s = db_prepare(db, sql);
    if (!s)
        return -1;
    int idx = 1;
    if (text) db_bind_text(s, idx++, text);
    if (a) db_bind_int(s, idx++, a);
    if (b) db_bind_int(s, idx++, b);
    if (c) db_bind_int(s, idx++, c);
    int rc = db_step_done(s);
    db_finalize(s);
    return rc == DB_DONE ? 0 : -1;
}

static int is_head_relation(const char *relation)
{
    return relation && strcmp(relation, "户主") == 0;
}

/* Keeps relation 户主 and household.head_resident_id in step, inside the
 * caller's transaction (so two concurrent requests cannot both pass):
 * at most one active 户主 per household (the CSV import has the same
 * rule); a new 户主 becomes the head of a household that has none; a
 * resident who stops being 户主 stops being its head. Returns 0, or -1
 * with rs filled (the caller rolls back). */
static int apply_head_rule(request *rq, response *rs, int64_t household_id, int64_t resident_id,
                           const char *old_relation, const char *new_relation)
{
    char now[20];
    if (!is_head_relation(new_relation)) {
        if (is_head_relation(old_relation) &&
            exec_bound(rq->db, SQL_CLEAR_HEAD, 0, household_id, resident_id, db_now(now)) != 0)
            return reply_internal(rs), -1;
        return 0;
    }
    db_stmt *s = db_prepare(rq->db, SQL_OTHER_HEAD);
    if (!s)
        return reply_internal(rs), -1;
    db_bind_int(s, 1, household_id);
    db_bind_int(s, 2, resident_id);
    int taken = db_step(s) == DB_ROW;
    db_finalize(s);
    if (taken)
        return reply_bad_request(rs, "relation", "该户已有户主，一户只能有一位户主"), -1;
    if (exec_bound(rq->db, SQL_SET_HEAD_IF_NONE, resident_id, household_id, 0, NULL) != 0)
        return reply_internal(rs), -1;
    return 0;
}

static int write_tags(db_conn *db, int64_t id, const resident_input *in)
{
    if (exec_bound(db, SQL_DELETE_TAGS, id, 0, 0, NULL) != 0)
        return -1;
    for (size_t i = 0; i < in->ntags; i++) {
        db_stmt *s = db_prepare(db, SQL_INSERT_TAG);
        if (!s)
            return -1;
        db_bind_int(s, 1, id);
        db_bind_text(s, 2, in->tags[i]);
        int rc = db_step_done(s);
        db_finalize(s);
        if (rc != DB_DONE)
            return -1;
    }
    return 0;
}

/* ---- create ------------------------------------------------------------ */

static const char *const CREATE_FIELDS[] = {
    "household_id", "id_number", "name", "relation", "phone", "hukou_type", "residence_status",
    "employment", "disability_type", "disability_grade", "party_member", "notes", "tags", NULL};

static int id_number_taken(db_conn *db, const char *idn)
{
    db_stmt *s = db_prepare(db, SQL_ID_TAKEN);
    if (!s)
        return 1;
    db_bind_text(s, 1, idn);
    int taken = db_step(s) == DB_ROW;
    db_finalize(s);
    return taken;
}

static int insert_resident(request *rq, response *rs, const household_ref *hh, const resident_input *in, int64_t *id)
{
    registry_writer *w = registry_writer_open(rq->db);
    int rc = w ? registry_insert_resident(w, hh->id, hh->grid_id, in, id) : DB_ERROR;
    if (rc == DB_DONE)
        rc = registry_log_event(w, "resident", *id, "created", rq->user.id, NULL);
    registry_writer_close(w);
    if (rc == DB_CONSTRAINT)
        return reply_error(rs, 409, "conflict", "id_number", "该身份证号已登记"), -1;
    if (rc != DB_DONE)
        return reply_internal(rs), -1;
    return 0;
}

int api_resident_create(request *rq, response *rs)
{
    resident_input in;
    household_ref hh;
    char idn[32], phone[40], path[256];
    int64_t hid = 0, id = 0;
    const char *raw_id;
    json_t *after = NULL;

    memset(&in, 0, sizeof in);
    if (body_only(rq, rs, CREATE_FIELDS) != 0)
        return 0;
    if (body_int(rq, rs, "household_id", &hid) <= 0)
        return rs->status ? 0 : reply_bad_request(rs, "household_id", "缺少必填字段 household_id");
    if (body_str_required(rq, rs, "id_number", &raw_id) < 0 || body_str_required(rq, rs, "name", &in.name) < 0)
        return 0;
    in.id_number = idcard_normalize(raw_id, idn);
    if (read_fields(rq, rs, &in, phone) != 0 || check_input(rs, &in) != 0)
        return 0;
    if (household_in_scope(rq, rs, hid, &hh) != 0)
        return 0;
    if (strcmp(hh.status, "active") != 0)
        return reply_bad_request(rs, "household_id", "该户已注销，不能新增成员");
    if (begin_write(rq, rs) != 0)
        return 0;
    if (id_number_taken(rq->db, in.id_number)) {
        db_rollback(rq->db);
        return reply_error(rs, 409, "conflict", "id_number", "该身份证号已登记");
    }
    if (insert_resident(rq, rs, &hh, &in, &id) != 0 || apply_head_rule(rq, rs, hh.id, id, NULL, in.relation) != 0)
        goto fail;
    resident_view_opts o = view_opts(rq, 0);
    if (resident_load(rq->db, id, &o, &after, path) != 0 ||
        audit_request(rq, "create", "resident", id, path, NULL, after, NULL) != 0) {
        reply_internal(rs);
        goto fail;
    }
    if (commit_write(rq, rs) != 0)
        goto fail;
    return reply_json(rs, 201, after);
fail:
    db_rollback(rq->db);
    json_decref(after);
    return 0;
}

/* ---- update ------------------------------------------------------------ */

/* Fills *in from the stored resident (strings point into `before`). */
static void input_from_json(json_t *r, resident_input *in)
{
    memset(in, 0, sizeof *in);
#define S(k) (json_is_string(json_object_get(r, k)) ? json_string_value(json_object_get(r, k)) : NULL)
    in->id_number = "";
    in->name = S("name");
    in->relation = S("relation");
    in->phone = S("phone");
    in->hukou_type = S("hukou_type");
    in->residence_status = S("residence_status");
    in->employment = S("employment");
    in->disability_type = S("disability_type");
    in->notes = S("notes");
#undef S
    in->disability_grade = (int)json_integer_value(json_object_get(r, "disability_grade"));
    in->party_member = json_is_true(json_object_get(r, "party_member"));
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(r, "tags"), i, t)
        if (in->ntags < REGISTRY_MAX_TAGS)
            in->tags[in->ntags++] = json_string_value(t);
}

static int update_row(db_conn *db, int64_t id, const resident_input *in)
{
    char now[20];
    db_stmt *s = db_prepare(db, SQL_UPDATE);
    if (!s)
        return -1;
    db_bind_text(s, 1, in->name);
    db_bind_text(s, 2, in->relation ? in->relation : "其他");
    db_bind_text(s, 3, in->phone);
    db_bind_text(s, 4, in->hukou_type);
    db_bind_text(s, 5, in->residence_status ? in->residence_status : "户籍");
    db_bind_text(s, 6, in->employment);
    db_bind_text(s, 7, in->disability_type);
    if (in->disability_grade) db_bind_int(s, 8, in->disability_grade); else db_bind_null(s, 8);
    db_bind_int(s, 9, in->party_member);
    db_bind_text(s, 10, in->notes);
    db_bind_text(s, 11, db_now(now));
    db_bind_int(s, 12, id);
    int rc = db_step_done(s);
    db_finalize(s);
    return rc == DB_DONE ? 0 : -1;
}

int api_resident_update(request *rq, response *rs)
{
    json_t *before = NULL, *full_before = NULL, *after = NULL;
    resident_input in;
    char path[256], phone[40], idn[32];
    int rc = 0;

    if (body_only(rq, rs, WRITABLE_FIELDS) != 0 || resident_in_scope(rq, rs, rq->id, &before, path) != 0)
        return 0;
    /* Validation needs the real ID number and the full phone. */
    resident_view_opts fo = {1, 1, 0};
    if (resident_load(rq->db, rq->id, &fo, &full_before, path) != 0) {
        rc = reply_internal(rs);
        goto cleanup;
    }
    input_from_json(full_before, &in);
    snprintf(idn, sizeof idn, "%s", json_string_value(json_object_get(full_before, "id_number")));
    in.id_number = idn;
    if (read_fields(rq, rs, &in, phone) != 0 || check_input(rs, &in) != 0)
        goto cleanup;
    if (begin_write(rq, rs) != 0)
        goto cleanup;
    if (apply_head_rule(rq, rs, json_integer_value(json_object_get(before, "household_id")), rq->id,
                        json_string_value(json_object_get(before, "relation")), in.relation) != 0) {
        db_rollback(rq->db);
        goto cleanup;
    }
    resident_view_opts o = view_opts(rq, 0);
    if (update_row(rq->db, rq->id, &in) != 0 || write_tags(rq->db, rq->id, &in) != 0 ||
        log_event(rq, rq->id, "updated", 0, 0, 0, 0, NULL, NULL) != 0 ||
        resident_load(rq->db, rq->id, &o, &after, path) != 0 ||
        audit_request(rq, "update", "resident", rq->id, path, before, after, NULL) != 0) {
        db_rollback(rq->db);
        rc = reply_internal(rs);
        goto cleanup;
    }
    if (commit_write(rq, rs) != 0)
        goto cleanup;
    rc = reply_json(rs, 200, json_incref(after));
cleanup:
    json_decref(before);
    json_decref(full_before);
    json_decref(after);
    return rc;
}

/* ---- move / status ------------------------------------------------------ */

int api_resident_move(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"household_id", "relation", NULL};
    json_t *before = NULL, *after = NULL;
    household_ref to;
    const char *relation = NULL;
    char path[256], now[20];
    int64_t hid = 0;
    int rc = 0;

    if (body_only(rq, rs, FIELDS) != 0 || resident_in_scope(rq, rs, rq->id, &before, path) != 0)
        return 0;
    if (body_int(rq, rs, "household_id", &hid) <= 0) {
        rc = rs->status ? 0 : reply_bad_request(rs, "household_id", "缺少必填字段 household_id");
        goto cleanup;
    }
    if (body_str(rq, rs, "relation", &relation) < 0)
        goto cleanup;
    if (relation && !str_in_set(relation, resident_relation_values)) {
        rc = reply_bad_request(rs, "relation", "与户主关系不在可选值内");
        goto cleanup;
    }
    if (strcmp(json_string_value(json_object_get(before, "status")), "active") != 0) {
        rc = reply_bad_request(rs, NULL, "只有在册居民可以迁移");
        goto cleanup;
    }
    if (household_in_scope(rq, rs, hid, &to) != 0)
        goto cleanup;
    int64_t from_hh = json_integer_value(json_object_get(before, "household_id"));
    int64_t from_grid = json_integer_value(json_object_get(before, "grid_id"));
    if (to.id == from_hh || strcmp(to.status, "active") != 0) {
        rc = reply_bad_request(rs, "household_id", to.id == from_hh ? "已在该户中" : "目标户已注销");
        goto cleanup;
    }
    if (begin_write(rq, rs) != 0)
        goto cleanup;
    if (apply_head_rule(rq, rs, to.id, rq->id, NULL, relation) != 0) {
        db_rollback(rq->db);
        goto cleanup;
    }
    db_stmt *s = db_prepare(rq->db, SQL_MOVE);
    int ok = s != NULL;
    if (ok) {
        db_bind_int(s, 1, to.id);
        db_bind_int(s, 2, to.grid_id);
        db_bind_text(s, 3, relation ? relation : "其他");
        db_bind_text(s, 4, db_now(now));
        db_bind_int(s, 5, rq->id);
        ok = db_step_done(s) == DB_DONE;
        db_finalize(s);
    }
    resident_view_opts o = view_opts(rq, 0);
    ok = ok && exec_bound(rq->db, SQL_CLEAR_HEAD, 0, from_hh, rq->id, now) == 0 &&
         log_event(rq, rq->id, "moved", from_grid, to.grid_id, from_hh, to.id, NULL, NULL) == 0 &&
         resident_load(rq->db, rq->id, &o, &after, path) == 0 &&
         audit_request(rq, "move", "resident", rq->id, path, before, after, NULL) == 0;
    if (!ok) {
        db_rollback(rq->db);
        rc = reply_internal(rs);
        goto cleanup;
    }
    if (commit_write(rq, rs) == 0)
        rc = reply_json(rs, 200, json_incref(after));
cleanup:
    json_decref(before);
    json_decref(after);
    return rc;
}

int api_resident_status(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"status", "date", "note", NULL};
    static const char *const STATUSES[] = {"active", "deceased", "moved_out", NULL};
    json_t *before = NULL, *after = NULL;
    const char *status, *date = NULL, *note = NULL;
    char path[256], now[20], today[11];
    int rc = 0;

    if (body_only(rq, rs, FIELDS) != 0 || body_str_required(rq, rs, "status", &status) < 0 ||
        body_str(rq, rs, "date", &date) < 0 || body_str(rq, rs, "note", &note) < 0)
        return 0;
    if (!str_in_set(status, STATUSES))
        return reply_bad_request(rs, "status", "status 只能是 active（在册）、deceased（已故）或 moved_out（迁出）");
    if (date && !date_is_valid(date))
        return reply_bad_request(rs, "date", "日期格式应为 YYYY-MM-DD");
    if (note && (utf8_length(note) < 0 || utf8_length(note) > 500))
        return reply_bad_request(rs, "note", "说明不能超过500字");
    if (resident_in_scope(rq, rs, rq->id, &before, path) != 0)
        return 0;
    if (strcmp(json_string_value(json_object_get(before, "status")), status) == 0) {
        rc = reply_bad_request(rs, "status", "状态未变化");
        goto cleanup;
    }
    snprintf(today, sizeof today, "%.10s", db_now(now));
    if (begin_write(rq, rs) != 0)
        goto cleanup;
    db_stmt *s = db_prepare(rq->db, SQL_SET_STATUS);
    int ok = s != NULL;
    if (ok) {
        db_bind_text(s, 1, status);
        if (strcmp(status, "active") == 0) db_bind_null(s, 2); else db_bind_text(s, 2, date ? date : today);
        db_bind_text(s, 3, now);
        db_bind_int(s, 4, rq->id);
        ok = db_step_done(s) == DB_DONE;
        db_finalize(s);
    }
    const char *kind = strcmp(status, "active") == 0 ? "reopened" : status;
    resident_view_opts o = view_opts(rq, 0);
    ok = ok && log_event(rq, rq->id, kind, 0, 0, 0, 0, date ? date : today, note) == 0 &&
         resident_load(rq->db, rq->id, &o, &after, path) == 0 &&
         audit_request(rq, "status", "resident", rq->id, path, before, after, note) == 0;
    if (!ok) {
        db_rollback(rq->db);
        rc = reply_internal(rs);
        goto cleanup;
    }
    if (commit_write(rq, rs) == 0)
        rc = reply_json(rs, 200, json_incref(after));
cleanup:
    json_decref(before);
    json_decref(after);
    return rc;
}
