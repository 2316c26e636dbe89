/* household_api.c — the /api/v1/households routes: list and search
 * inside the caller's scope, create, view with members, update, move to
 * another grid (members follow), close (the household moved away;
 * its members become moved_out, all kept as history) and its history.
 *
 * Translates HTTP to household.h / resident.h calls and back; owns only
 * the list filters (query parameters → SQL conditions). */
#include "registry/counts.h"
#include "registry/registry_api.h"
#include "registry/resident_view.h"
#include "server/write.h"
#include "storage/query.h"
#include "util/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define R_READ  ROLES_REGISTRY_READ
#define R_WRITE ROLES_REGISTRY_WRITE

#define SQL_MEMBERS_WHERE                                                      \
    " WHERE r.household_id = ? AND " REGISTRY_VISIBLE("r")                    \
    " ORDER BY (r.status = 'active') DESC, (r.relation = '户主') DESC, substr(r.birth_date, 1, 4), r.id"

/* Every column of a list row but the masked phone, the notes and the
 * member count: the building's, grid's, community's and head's names
 * are read per row (a sort by them reads every match); values that may
 * be NULL sort as "" (a cursor compares them). */
static const char *const SORT_KEYS[] = {
    "code", "h.code", "address", "h.address", "id", "h.id", "status", "h.status", "created_at", "h.created_at",
    "updated_at", "h.updated_at", "registered_address", "COALESCE(h.registered_address, '')",
    "actual_address", "COALESCE(h.actual_address, '')",
    "building_name", "COALESCE((SELECT bn.name FROM org_unit bn WHERE bn.id = h.building_id), '')",
    SORT_KEYS_ORG_NAMES("h.grid_id"),
    "head_name", "COALESCE((SELECT hn.name FROM resident hn WHERE hn.id = h.head_resident_id), '')", NULL};

/* ---- shared checks ------------------------------------------------------- */

int household_in_scope_or_reply(request *rq, response *rs, int64_t id, household *out)
{
    int rc = household_get(rq->db, id, out);
    if (rc < 0)
        return reply_internal(rs), -1;
    if (rc > 0 || !scope_contains(rq, out->grid_path))
        return reply_not_found(rs, "户"), -1;
    return 0;
}

void registry_common_path(const char *a, const char *b, char out[256])
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

/* Ends a household write: reloads household id, audits `action` with
 * the before and after images (as the auditor may see them) under the
 * scope of both ends, commits, and replies `status` with the household
 * as the caller sees it. */
static int finish_or_reply(request *rq, response *rs, const char *action, const household *before_h, int64_t id,
                           const char *detail, int status)
{
    household h;
    char path[256];
    resident_view_opts o = resident_view_for(rq->user.role, 0, 0), img = RESIDENT_VIEW_AUDIT;
    if (household_get(rq->db, id, &h) != 0)
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    registry_common_path(before_h ? before_h->grid_path : h.grid_path, h.grid_path, path);
    json_t *before = before_h ? household_json(before_h, &img) : NULL, *after = household_json(&h, &img);
    int rc = write_commit_or_reply(rq, rs, &(audit_entry){.action = action, .entity = "household", .entity_id = id,
                                                          .org_path = path, .before = before, .after = after,
                                                          .detail = detail}, status, household_json(&h, &o));
    json_decref(before);
    json_decref(after);
    if (rc == 0)
        reply_etag(rs, h.version);
    return rc;
}

static int check_text_or_reply(response *rs, const char *field, const char *v, long max, const char *label)
{
    long n = v ? utf8_length(v) : 0;
    if (n < 0 || n > max)
        return reply_error(rs, 400, "bad_request", field, "%s不能超过%ld字", label, max), -1;
    return 0;
}

/* The grid `id` in scope, open for new or arriving households; 404
 * outside scope, 400 when not a grid, 409 when closed (org close). */
static int grid_in_scope_or_reply(request *rq, response *rs, int64_t id, org_unit *g)
{
    if (org_unit_in_scope_or_reply(rq, rs, id, g) != 0)
        return -1;
    if (strcmp(g->kind, "grid") != 0)
        return reply_bad_request(rs, "grid_id", "所选单位不是网格，户只能登记在网格下"), -1;
    if (strcmp(g->status, "closed") == 0)
        return reply_error(rs, 409, "conflict", "grid_id", "网格“%s”已撤销，不能再登记或迁入住户", g->name), -1;
    return 0;
}

/* A building in scope whose parent is grid_id. */
static int building_of_grid_or_reply(request *rq, response *rs, int64_t id, int64_t grid_id)
{
    org_unit b;
    if (org_unit_in_scope_or_reply(rq, rs, id, &b) != 0)
        return -1;
    if (strcmp(b.kind, "building") != 0 || b.parent_id != grid_id)
        return reply_bad_request(rs, "building_id", "所选楼栋不存在或不属于该网格"), -1;
    if (strcmp(b.status, "closed") == 0)
        return reply_error(rs, 409, "conflict", "building_id", "楼栋“%s”已撤销，不能再登记或迁入住户", b.name), -1;
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

/* ---- list ------------------------------------------------------------------ */

/* The unit a list is narrowed to: a grid's or a building's own column;
 * a community's (or a street's below the district) grids, each walked by
 * household(grid_id, status, code) and merged (grids[]); or, for the
 * whole tree, nothing. The subtree's condition is kept apart (subtree_q):
 * the count needs it, while the pick's partitions are its grids already
 * (a street's 131 partitions each rebuilding the subtree's list of grids
 * cost as much as the walks). */
typedef struct unit_filter {
    org_unit unit;
    int64_t *grids;              /* the subtree's grids, or NULL */
    size_t ngrids;
    int subtree;                 /* grids[] is the partition of the pick */
    query subtree_q;             /* "h.grid_id IN <subtree>" when subtree */
} unit_filter;

static int add_unit_filter(request *rq, response *rs, query *q, unit_filter *uf)
{
    char end[256];
    memset(uf, 0, sizeof *uf);
    q_init(&uf->subtree_q, "");
    /* The unit is inside the caller's scope (404 otherwise), and so is
     * its subtree: the scope needs no condition of its own. */
    if (org_unit_param_or_reply(rq, rs, "org_unit_id", &uf->unit) != 0)
        return -1;
    if (strcmp(uf->unit.kind, "building") == 0) {
        q_where(q, "h.building_id = ?");
        q_bind_int(q, uf->unit.id);
    } else if (strcmp(uf->unit.kind, "grid") == 0) {
        q_where(q, "h.grid_id = ?");
        q_bind_int(q, uf->unit.id);
    } else if (!org_is_whole_tree(rq->db, &uf->unit)) {
        q_where(&uf->subtree_q, "h.grid_id IN " ORG_SUBTREE_GRIDS);
        q_bind_text(&uf->subtree_q, uf->unit.path);
        q_bind_text(&uf->subtree_q, org_path_end(uf->unit.path, end));
        uf->subtree = 1;
        if (org_subtree_grids(rq->db, &uf->unit, &uf->grids, &uf->ngrids) != 0)
            return reply_internal(rs), -1;
    }
    return 0;
}

/* head_name (the head's name contains it: one lookup of the head per
 * household the other conditions leave, as q reads the address) and tag
 * (a member still registered carries it; a tag the role may not see is
 * 403, as on the residents list). */
static int add_member_filters(request *rq, response *rs, query *q)
{
    const char *head = req_query(rq, "head_name");
    const char *tag = req_query(rq, "tag");
    if (head && *head) {
        long n = utf8_length(head);
        if (n < 0 || n > 50 || !text_is_clean(head, 0))
            return reply_bad_request(rs, "head_name", "户主姓名查询条件须为不超过50字的文字"), -1;
        char *esc = like_escape(head);
        q_where(q, "(SELECT hn.name FROM resident hn WHERE hn.id = h.head_resident_id)"
                   " LIKE '%' || ? || '%' ESCAPE '\\'");
        q_bind_text(q, esc);
        free(esc);
    }
    if (tag && *tag) {
        const char *code;
        if (tag_param_or_reply(rq, rs, tag, &code) != 0)
            return -1;
        q_where(q, "EXISTS (SELECT 1 FROM resident m JOIN resident_tag t ON t.resident_id = m.id"
                   " WHERE m.household_id = h.id AND m.status = 'active' AND t.tag = ?)");
        q_bind_text(q, code);
    }
    return 0;
}

/* The text, member and status filters; *plain set when there are none
 * beyond the default status (active): the total is then the unit's
 * maintained count. */
static int add_text_filters(request *rq, response *rs, query *q, int *plain)
{
    static const char *const STATUSES[] = {"active", "closed", NULL};
    const char *text = req_query(rq, "q");
    const char *st = req_query(rq, "status");
    const char *head = req_query(rq, "head_name"), *tag = req_query(rq, "tag");
    int64_t batch;
    int has_batch = req_query_int(rq, rs, "import_batch_id", 0, 1, INT64_MAX, &batch);
    if (has_batch < 0 || add_member_filters(rq, rs, q) != 0)
        return -1;
    *plain = !(text && *text) && !has_batch && !(head && *head) && !(tag && *tag) &&
             (!st || !*st || strcmp(st, "active") == 0);
    if (has_batch) {   /* the households an import created: the link in its audit row */
        q_where(q, "h.import_batch_id = ?");
        q_bind_int(q, batch);
    }
    if (text && *text) {
        long n = utf8_length(text);
        if (n < 0 || n > 100)
            return reply_bad_request(rs, "q", "查询内容须为不超过100字的文字"), -1;
        char *esc = like_escape(text);
        /* Latin letters in either case on both engines: SQLite's LIKE
         * folds ASCII case, PostgreSQL's does not; lower() on both sides
         * folds ASCII only on both (LC_CTYPE 'C' on PostgreSQL). A former
         * number (household_former_code), given exactly, finds its household. */
        q_where(q, "(lower(h.code) LIKE lower('%' || ? || '%') ESCAPE '\\'"
                   " OR lower(h.address) LIKE lower('%' || ? || '%') ESCAPE '\\'"
                   " OR h.id IN (SELECT household_id FROM household_former_code WHERE code = ?))");
        q_bind_text(q, esc);
        q_bind_text(q, esc);
        q_bind_text(q, text);
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

/* The household a search q names by a former number, if any. */
typedef struct former_match {
    int64_t household_id;          /* 0 = none */
    const char *code;
    char note[256];
} former_match;

static int former_match_of(request *rq, former_match *fm)
{
    char valid_to[20];
    memset(fm, 0, sizeof *fm);
    fm->code = req_query(rq, "q");
    if (!fm->code || !*fm->code)
        return 0;
    int rc = household_code_former(rq->db, fm->code, &fm->household_id, valid_to);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    snprintf(fm->note, sizeof fm->note, "%s 是该户的曾用户编号（使用至 %.10s，迁入其他网格时重新编号）", fm->code, valid_to);
    return 0;
}

/* GET /api/v1/households — roles: registry readers.
 * Query: org_unit_id (default own unit), q (code or address contains,
 * or exactly a former code: that row gets former_code and
 * former_code_note), head_name (the head's name contains), tag (a
 * registered member carries it),
 * status (active|closed|all), import_batch_id (the households an import
 * created), page, page_size (20, 50 or 100), sort (code|address|id, -
 * for desc; ties by id in the same direction), cursor (next_cursor of
 * the previous page: rows after it, at any depth; not with page).
 * Reply: page of households (phones masked) with total,
 * total_is_estimate and next_cursor (null on the last page). The total
 * of a unit's active households (no q) is its maintained count; with q
 * or another status it is counted up to the count cap (serve
 * --count-cap, default 10,000): beyond it total is the cap and
 * total_is_estimate true ("more than"). A community's list walks each of
 * its grids by code and merges them. Errors: 400 (cursor malformed, of
 * another sort, or with page; page beyond 10,000 rows); 404 unit. */
static int household_list(request *rq, response *rs)
{
    query q;
    page_req pg;
    unit_filter uf = {0};
    page_pick pk = {0};
    db_stmt *s = NULL;
    int64_t total;
    int rc = -1, plain;

    q_init(&q, "");
    q_where(&q, REGISTRY_VISIBLE("h"));
    if (page_size_choice_or_reply(rq, rs) != 0 || req_page_keyset(rq, rs, SORT_KEYS, "h.id", &pg) != 0 ||
        add_unit_filter(rq, rs, &q, &uf) != 0 ||
        add_text_filters(rq, rs, &q, &plain) != 0)
        goto out;
    if (plain) {
        if ((total = counts_unit_one(rq->db, &uf.unit, "households")) < 0) {
            rc = reply_internal(rs);
            goto out;
        }
    } else {
        query counted;   /* the subtree's condition first, then the filters */
        q_init(&counted, "");
        q_and_all(&counted, &uf.subtree_q);
        q_and_all(&counted, &q);
        int crc = page_count_capped_or_reply(rq, rs, "FROM household h", &counted, &pg, &total);
        q_free(&counted);
        if (crc != 0)
            goto out;
    }
    if (page_pick_or_reply(rq, rs, "FROM household h", &q, &pg, uf.subtree ? "h.grid_id" : NULL, uf.grids,
                           uf.ngrids, &pk) != 0)
        goto out;
    if (!(s = page_fetch(rq, HOUSEHOLD_SELECT, &pg, &pk))) {
        rc = reply_internal(rs);
        goto out;
    }
    jsonw w;   /* the reply, written row by row into the request's memory */
    jsonw_init(&w, rq->arena);
    page_write_begin(&w);
    household h;
    resident_view_opts o = resident_view_for(rq->user.role, 0, 1);
    former_match fm;
    if (former_match_of(rq, &fm) != 0) {
        rc = reply_internal(rs);
        goto out;
    }
    while (db_step(s) == DB_ROW) {
        household_from_row(s, &h);
        if (h.id != fm.household_id) {
            household_write_json(&w, &h, &o); /* lists mask phones */
            continue;
        }
        jsonw_obj_begin(&w);
        household_write_fields(&w, &h, &o);
        jsonw_key(&w, "former_code");
        jsonw_str(&w, fm.code);
        jsonw_key(&w, "former_code_note");
        jsonw_str(&w, fm.note);
        jsonw_obj_end(&w);
    }
    page_write_end(&w, &pg, total);
    rc = reply_json_buf(rq, rs, 200, &w.sb);
out:
    db_finalize(s);
    page_pick_release(&pk);
    free(uf.grids);
    q_free(&uf.subtree_q);
    q_free(&q);
    return rc;
}

/* ---- get ------------------------------------------------------------------- */

/* The members, written into w as the array "members"; each one shown
 * with a full ID number is an audited view (inside the caller's open
 * transaction). 0, or -1 on a database error. */
static int write_members(request *rq, jsonw *w, const household *h, const resident_view_opts *o, int audit)
{
    db_stmt *s = db_query(rq->db, RESIDENT_SQL(rq->db, SQL_MEMBERS_WHERE), DB_INT(h->id));
    resident r;
    int rc;
    jsonw_key(w, "members");
    jsonw_arr_begin(w);
    while ((rc = db_step(s)) == DB_ROW) {
        resident_from_row(s, &r);
        resident_write_json(w, &r, o);
        if (audit && audit_request(rq, &(audit_entry){.action = "view_full_id", .entity = "resident",
                                                      .entity_id = r.id, .org_path = h->grid_path,
                                                      .detail = rq->path}) != 0)
            rc = DB_ERROR;
    }
    jsonw_arr_end(w);
    db_finalize(s);
    return rc == DB_DONE ? 0 : -1;
}

/* GET /api/v1/households/{id} — roles: registry readers.
 * Query: full_id=1 (roles with the right; every member shown in full is
 * audited). Reply: the household with "members", ETag: its version.
 * Errors: 403 full_id without the right; 404 outside scope. */
static int household_get_one(request *rq, response *rs)
{
    household h;
    int full_id;
    if (full_id_or_reply(rq, rs, &full_id) != 0 || household_in_scope_or_reply(rq, rs, rq->id, &h) != 0)
        return -1;
    reply_etag(rs, h.version);
    resident_view_opts o = resident_view_for(rq->user.role, full_id, 0);
    if (full_id && write_begin_or_reply(rq, rs) != 0)
        return -1;
    jsonw w;
    jsonw_init(&w, rq->arena);
    jsonw_obj_begin(&w);
    household_write_fields(&w, &h, &o);
    if (write_members(rq, &w, &h, &o, full_id) != 0)
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    jsonw_obj_end(&w);
    if (full_id && write_commit_only_or_reply(rq, rs, NULL) != 0)
        return -1;
    return reply_json_buf(rq, rs, 200, &w.sb);
}

/* GET /api/v1/households/{id}/history — roles: registry readers.
 * Reply: {items: [{id, kind (created|updated|moved|closed), event_date,
 * note (a move into another grid: "户编号由 A 改为 B"), created_at,
 * from_grid, to_grid, by}]}, oldest first. Errors: 404 outside scope. */
static int household_history(request *rq, response *rs)
{
    household h;
    if (household_in_scope_or_reply(rq, rs, rq->id, &h) != 0)
        return -1;
    return history_reply(rq, rs, "household", rq->id);
}

/* ---- create ---------------------------------------------------------------- */

typedef struct hh_body {
    household_input in;
    char phone[40];
} hh_body;

static int read_create_body(request *rq, response *rs, hh_body *b)
{
    static const char *const FIELDS[] = {"code", "grid_id", "building_id", "address", "registered_address",
                                         "actual_address", "phone", "notes", NULL};
    household_input *in = &b->in;
    ms_err err;
    int rc;
    if (body_only(rq, rs, FIELDS) != 0 || body_str(rq, rs, "code", &in->code) < 0)
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
    if (household_input_check(in, &err) != 0)
        return reply_err(rs, &err);
    return 0;
}

/* POST /api/v1/households — roles: registry writers.
 * Body: grid_id*, address*, code (absent or null: the system issues
 * "<grid code>-<next serial>", see household.h), building_id,
 * registered_address, actual_address, phone, notes. Reply 201: the
 * household, with its code. Errors: 400 field (a code in the system's
 * format of another grid); 404 grid/building outside scope; 409 code
 * taken, or another household's former number. */
static int household_create_one(request *rq, response *rs)
{
    hh_body b;
    org_unit grid;
    int64_t id = 0;
    ms_err err;

    memset(&b, 0, sizeof b);
    if (read_create_body(rq, rs, &b) != 0 || grid_in_scope_or_reply(rq, rs, b.in.grid_id, &grid) != 0)
        return -1;
    if (b.in.building_id && building_of_grid_or_reply(rq, rs, b.in.building_id, grid.id) != 0)
        return -1;
    if (write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (household_create(rq->db, &rq->user, &b.in, &id, &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    return finish_or_reply(rq, rs, "create", NULL, id, NULL, 201);
}

/* ---- update ---------------------------------------------------------------- */

/* The household_change bit of each field a PATCH may send. */
static const struct {
    const char *key;
    unsigned bit;
} UPDATE_FIELDS[] = {
    {"address", HC_ADDRESS}, {"registered_address", HC_REGISTERED_ADDRESS}, {"actual_address", HC_ACTUAL_ADDRESS},
    {"phone", HC_PHONE}, {"notes", HC_NOTES}, {"building_id", HC_BUILDING}, {"head_resident_id", HC_HEAD},
};

/* Optional id field: null clears; otherwise a positive integer. */
static int body_id(request *rq, response *rs, const char *key, int64_t *dst)
{
    int64_t v = 0;
    int rc = body_int(rq, rs, key, &v);
    if (rc < 0)
        return -1;
    if (rc > 0 && v <= 0)
        return reply_error(rs, 400, "bad_request", key, "字段 %s 应为正整数", key), -1;
    *dst = rc > 0 ? v : 0;
    return 0;
}

/* The fields sent, into *u (u->set names them; null or "" clears). */
static int read_update_body(request *rq, response *rs, household_change *u, char phone_buf[40])
{
    const char *v = NULL;
    memset(u, 0, sizeof *u);
    if (json_object_size(rq->json) == 0)
        return reply_bad_request(rs, NULL, "没有要修改的字段"), -1;
    for (size_t i = 0; i < sizeof UPDATE_FIELDS / sizeof UPDATE_FIELDS[0]; i++) {
        const char *key = UPDATE_FIELDS[i].key;
        unsigned bit = UPDATE_FIELDS[i].bit;
        if (!json_object_get(rq->json, key))
            continue;
        u->set |= bit;
        int rc = bit == HC_ADDRESS  ? body_str_required(rq, rs, key, &u->address)
               : bit == HC_BUILDING ? body_id(rq, rs, key, &u->building_id)
               : bit == HC_HEAD     ? body_id(rq, rs, key, &u->head_resident_id)
               : bit == HC_PHONE    ? body_phone(rq, rs, phone_buf)
                                    : body_str(rq, rs, key, &v);
        if (rc < 0)
            return -1;
        v = v && *v ? v : NULL;
        if (bit == HC_REGISTERED_ADDRESS) u->registered_address = v;
        if (bit == HC_ACTUAL_ADDRESS) u->actual_address = v;
        if (bit == HC_NOTES) u->notes = v;
        if (bit == HC_PHONE) u->phone = phone_buf[0] ? phone_buf : NULL;
        v = NULL;
    }
    return 0;
}

/* PATCH /api/v1/households/{id} — roles: registry writers.
 * Header: If-Match (optional). Body: address, registered_address,
 * actual_address, phone, notes, building_id, head_resident_id (null
 * clears); only the fields sent change. Reply: the household, ETag.
 * Errors: 400 field (head must be an active member; building of the
 * household's grid); 404 outside scope; 412 stale If-Match. */
static int household_update_one(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"address", "registered_address", "actual_address", "phone", "notes",
                                         "building_id", "head_resident_id", NULL};
    household cur, before;
    household_change u;
    char phone[40];
    int64_t if_version;
    ms_err err;

    if (body_only(rq, rs, FIELDS) != 0 || if_match_or_reply(rq, rs, &if_version) != 0 ||
        household_in_scope_or_reply(rq, rs, rq->id, &cur) != 0 || read_update_body(rq, rs, &u, phone) != 0)
        return -1;
    if (u.building_id && u.building_id != cur.building_id &&
        building_of_grid_or_reply(rq, rs, u.building_id, cur.grid_id) != 0)
        return -1;
    if (write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (household_update(rq->db, &rq->user, cur.id, if_version, &u, &before, &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    if (write_in_scope_or_reply(rq, rs, before.grid_path, "户") != 0)
        return -1;
    return finish_or_reply(rq, rs, "update", &before, rq->id, NULL, 200);
}

/* ---- move ------------------------------------------------------------------- */

/* POST /api/v1/households/{id}/move — roles: registry writers.
 * Header: If-Match (optional). Body: grid_id*, building_id, address
 * (default: unchanged). Members follow, each with a history row. Reply:
 * the household. Errors: 400 field or closed household or no change;
 * 404 outside scope (the household or the target grid/building); 412
 * stale If-Match. */
static int household_move_one(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"grid_id", "building_id", "address", NULL};
    household cur, before;
    org_unit grid;
    int64_t grid_id = 0, building_id = 0, if_version;
    const char *address = NULL;
    ms_err err;
    int rc;

    if (if_match_or_reply(rq, rs, &if_version) != 0 || household_in_scope_or_reply(rq, rs, rq->id, &cur) != 0)
        return -1;
    if (strcmp(cur.status, "active") != 0)
        return reply_bad_request(rs, NULL, "该户已注销，不能迁移");
    if (body_only(rq, rs, FIELDS) != 0)
        return -1;
    if ((rc = body_int(rq, rs, "grid_id", &grid_id)) <= 0)
        return rc < 0 ? -1 : reply_bad_request(rs, "grid_id", "缺少必填字段 grid_id（迁入的网格）");
    if (body_int(rq, rs, "building_id", &building_id) < 0 || body_str(rq, rs, "address", &address) < 0)
        return -1;
    if (address && !*address)
        return reply_bad_request(rs, "address", "地址不能为空");
    if (check_text_or_reply(rs, "address", address, 200, "地址") != 0 ||
        grid_in_scope_or_reply(rq, rs, grid_id, &grid) != 0)
        return -1;
    if (building_id && building_of_grid_or_reply(rq, rs, building_id, grid.id) != 0)
        return -1;
    if (write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (household_move(rq->db, &rq->user, cur.id, if_version, grid.id, building_id, address, &before, &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    if (write_in_scope_or_reply(rq, rs, before.grid_path, "户") != 0)
        return -1;
    return finish_or_reply(rq, rs, "move", &before, rq->id, NULL, 200);
}

/* ---- close ------------------------------------------------------------------ */

/* POST /api/v1/households/{id}/close — roles: registry writers.
 * Header: If-Match (optional). Body: date (YYYY-MM-DD, default today),
 * note. Active members become moved_out. Reply: the household.
 * Errors: 400 field or already closed; 404 outside scope; 412 stale
 * If-Match. */
static int household_close_one(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"date", "note", NULL};
    household cur, before;
    const char *date = NULL, *note = NULL;
    char now[20], today[11], detail[64];
    int64_t if_version;
    ms_err err;

    if (body_only(rq, rs, FIELDS) != 0 || if_match_or_reply(rq, rs, &if_version) != 0 ||
        body_str(rq, rs, "date", &date) < 0 || body_str(rq, rs, "note", &note) < 0)
        return -1;
    if (date && *date && !date_is_valid(date))
        return reply_bad_request(rs, "date", "日期格式应为 YYYY-MM-DD");
    if (check_text_or_reply(rs, "note", note, 500, "说明") != 0 || household_in_scope_or_reply(rq, rs, rq->id, &cur) != 0)
        return -1;
    snprintf(today, sizeof today, "%.10s", db_now(now));
    if (!date || !*date)
        date = today;
    if (write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (household_close(rq->db, &rq->user, cur.id, if_version, date, note && *note ? note : NULL, &before, &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    if (write_in_scope_or_reply(rq, rs, before.grid_path, "户") != 0)
        return -1;
    snprintf(detail, sizeof detail, "注销日期 %s，%lld 名在册成员迁出", date, (long long)before.member_count);
    return finish_or_reply(rq, rs, "close", &before, rq->id, detail, 200);
}

const route household_routes[] = {
    {.method = "GET",   .pattern = "/api/v1/households",            .handler = household_list,       .roles = R_READ, .read_heavy = 1},
    {.method = "POST",  .pattern = "/api/v1/households",            .handler = household_create_one, .roles = R_WRITE},
    {.method = "GET",   .pattern = "/api/v1/households/{id}",       .handler = household_get_one,    .roles = R_READ},
    {.method = "GET",   .pattern = "/api/v1/households/{id}/history", .handler = household_history,  .roles = R_READ},
    {.method = "PATCH", .pattern = "/api/v1/households/{id}",       .handler = household_update_one, .roles = R_WRITE},
    {.method = "POST",  .pattern = "/api/v1/households/{id}/move",  .handler = household_move_one,   .roles = R_WRITE},
    {.method = "POST",  .pattern = "/api/v1/households/{id}/close", .handler = household_close_one,  .roles = R_WRITE},
    {0}
};
