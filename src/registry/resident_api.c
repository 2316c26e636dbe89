/* resident_api.c — the /api/v1/residents routes: search, create, view,
 * update, move between households, status (deceased / moved out) and
 * history. Translates HTTP to resident.h calls and back; owns only the
 * search filters (query parameters → SQL conditions). */
#include "core/ratelimit.h"
#include "registry/counts.h"
#include "registry/history.h"
#include "registry/registry_api.h"
#include "registry/resident_search.h"
#include "registry/resident_view.h"
#include "server/write.h"
#include "storage/query.h"
#include "util/arena.h"
#include "util/idcard.h"
#include "util/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define R_READ  ROLES_REGISTRY_READ
#define R_WRITE ROLES_REGISTRY_WRITE

/* Every column of a list row but the masked ones (phone, ID number)
 * and the staff-only ones (disability, notes): name sorts in pinyin
 * order (resident.name_py, migration 0017); the household's code and
 * the grid's and community's names (SORT_KEYS_ORG_NAMES) are read per
 * row (a sort by them reads every match). Values that may be NULL sort
 * as "" (a cursor compares them), party_member as '0'/'1'. Each
 * expression fits page_req.order_by (128 bytes with " DESC"). */
#define RESIDENT_SORT_COMMON                                                                          \
    "sex", "r.sex", "relation", "r.relation", "hukou_type", "COALESCE(r.hukou_type, '')",               \
    "residence_status", "COALESCE(r.residence_status, '')", "employment", "COALESCE(r.employment, '')",  \
    "party_member", "CASE WHEN r.party_member = 1 THEN '1' ELSE '0' END", "status", "r.status",          \
    "status_date", "COALESCE(r.status_date, '')", "created_at", "r.created_at",                         \
    "household_code", "(SELECT hc.code FROM household hc WHERE hc.id = r.household_id)",               \
    SORT_KEYS_ORG_NAMES("r.grid_id")
static const char *const SORT_KEYS[] = {
    "name", "r.name_py", "birth_date", "r.birth_date", "id", "r.id", "updated_at", "r.updated_at",
    RESIDENT_SORT_COMMON, NULL};
/* Without full_id=1 the birth date is not shown, and an order by it
 * would give it away (each resident's rank among thousands): by birth
 * year only. */
static const char *const SORT_KEYS_MASKED[] = {
    "name", "r.name_py", "birth_date", "substr(r.birth_date, 1, 4)", "id", "r.id", "updated_at", "r.updated_at",
    RESIDENT_SORT_COMMON, NULL};

static const char *const WRITABLE_FIELDS[] = {
    "name", "relation", "phone", "hukou_type", "residence_status", "employment", "disability_type",
    "disability_grade", "party_member", "notes", "tags", NULL};
/* The resident_change bit of each WRITABLE_FIELDS entry, same order. */
static const unsigned WRITABLE_BITS[] = {
    RC_NAME, RC_RELATION, RC_PHONE, RC_HUKOU, RC_RESIDENCE, RC_EMPLOYMENT, RC_DISABILITY_TYPE,
    RC_DISABILITY_GRADE, RC_PARTY, RC_NOTES, RC_TAGS};

/* ---- helpers ----------------------------------------------------------- */

int full_id_or_reply(request *rq, response *rs, int *full)
{
    *full = req_query_flag(rq, "full_id");
    if (*full && !(rq->user.role & ROLES_FULL_ID))
        return reply_forbidden(rs, "您的角色无权查看完整身份证号"), -1;
    return 0;
}


/* Loads resident {id} and checks scope: 0, or -1 with a 404/500. */
static int resident_in_scope_or_reply(request *rq, response *rs, int64_t id, resident *out)
{
    int rc = resident_get(rq->db, id, out);
    if (rc < 0)
        return reply_internal(rs), -1;
    if (rc > 0 || !scope_contains(rq, out->grid_path))
        return reply_not_found(rs, "居民"), -1;
    return 0;
}

/* Each resident shown with a full ID number is one audited view. */
static int audit_full_view(request *rq, int64_t id)
{
    return audit_request(rq, &(audit_entry){.action = "view_full_id", .entity = "resident", .entity_id = id,
                                            .detail = rq->path});
}

/* Ends a write: reloads the resident, audits `action` with the before
 * and after images (as the auditor may see them: masked, no birth date)
 * and commits, replying `status` with the resident as the caller sees it. */
static int finish_with_or_reply(request *rq, response *rs, const char *action, const resident *before_r,
                                int64_t id, const char *detail, int status, json_t *extra)
{
    resident r;
    resident_view_opts o = resident_view_for(rq->user.role, 0, 0), img = RESIDENT_VIEW_AUDIT;
    if (resident_get(rq->db, id, &r) != 0)
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    json_t *after = resident_json(&r, &img);
    json_t *before = before_r ? resident_json(before_r, &img) : NULL;
    json_t *body = resident_json(&r, &o);
    if (extra)
        json_object_update(body, extra);
    int rc = write_commit_or_reply(rq, rs, &(audit_entry){.action = action, .entity = "resident", .entity_id = id,
                                                          .org_path = r.grid_path, .before = before, .after = after,
                                                          .detail = detail}, status, body);
    json_decref(before);
    json_decref(after);
    json_decref(extra);
    if (rc == 0)
        reply_etag(rs, r.version);
    return rc;
}

static int finish_or_reply(request *rq, response *rs, const char *action, const resident *before_r,
                           int64_t id, const char *detail, int status)
{
    return finish_with_or_reply(rq, rs, action, before_r, id, detail, status, NULL);
}

/* ---- list ---------------------------------------------------------------- */

/* Exact searches by ID number or phone find a number from its masked
 * form (10,000 tries recover a masked phone): each is audited and one
 * user may make at most 30 a minute. */
static const rate_limit EXACT_SEARCH = {.name = "search_exact", .max = 30, .window_s = 60};

/* Only roles that may see `field` unmasked may search by its exact value. */
static int exact_field_or_reply(request *rq, response *rs, const char *field, const char *label)
{
    if (!resident_field_full(rq->user.role, field))
        return reply_error(rs, 403, "forbidden", field, "您的角色无权查看完整%s，不能按%s精确查询", label, label), -1;
    return 0;
}

static int exact_search_rate_or_reply(request *rq, response *rs, const char *field)
{
    int wait = rate_limit_take(req_primary(rq), &EXACT_SEARCH, rq->user.id, 0);   /* a write: never a replica */
    if (!wait)
        return 0;
    if (wait < 0)
        return reply_error(rs, 503, "busy", NULL, "系统繁忙，请稍后重试"), -1;
    rs->retry_after = wait;
    return reply_error(rs, 429, "too_many_requests", field, "按身份证号或电话精确查询过于频繁（每分钟最多 %d 次），请 %d 秒后再试",
                       EXACT_SEARCH.max, wait), -1;
}

/* The unit (in the caller's scope, 404 otherwise) into *unit and its
 * condition: a building's households, a grid's own column, the grids of
 * a community's subtree (a filter on the walk of the name index, which
 * holds grid_id); none for the whole tree. */
static int add_scope_filter(request *rq, response *rs, query *q, org_unit *unit)
{
    char end[256];
    if (org_unit_param_or_reply(rq, rs, "org_unit_id", unit) != 0)
        return -1;
    if (strcmp(unit->kind, "building") == 0) {
        q_where(q, "r.household_id IN (SELECT id FROM household WHERE building_id = ?)");
        q_bind_int(q, unit->id);
    } else if (strcmp(unit->kind, "grid") == 0) {
        q_where(q, "r.grid_id = ?");
        q_bind_int(q, unit->id);
    } else if (!org_is_whole_tree(rq->db, unit)) {
        q_where(q, "r.grid_id IN " ORG_SUBTREE_GRIDS);
        q_bind_text(q, unit->path);
        q_bind_text(q, org_path_end(unit->path, end));
    }
    /* The whole tree needs no filter (leaving the planner free to walk
     * the name or id index in order). */
    return 0;
}

/* 1 when the request gives any of the query parameters keys (NULL-ended) a value. */
static int any_query(request *rq, const char *const *keys)
{
    for (size_t i = 0; keys[i]; i++) {
        const char *v = req_query(rq, keys[i]);
        if (v && *v)
            return 1;
    }
    return 0;
}

/* Every filter beyond the unit and the status, name first (by_name_alone
 * reads the others as FILTERS + 1): a new filter goes here, once. */
static const char *const FILTERS[] = {"name", "id_number", "phone", "tag", "household_id", "phone_tail", "id_tail",
                                      "import_batch_id", "age_min", "age_max", NULL};

/* Whether the request searches by a term (name, phone or ID tail):
 * resident_search_key picks the residents, the status only filters them. */
static int searches_terms(request *rq)
{
    static const char *const KEYS[] = {"name", "phone_tail", "id_tail", NULL};
    return any_query(rq, KEYS);
}

/* *plain stays set when the status is the default (active). */
static int add_status_filter(request *rq, response *rs, query *q, int *plain)
{
    static const char *const STATUSES[] = {"active", "deceased", "moved_out", NULL};
    const char *st = req_query(rq, "status");
    *plain = !st || strcmp(st, "active") == 0;
    if (st && strcmp(st, "all") != 0 && !str_in_set(st, STATUSES))
        return reply_bad_request(rs, "status", "status 只能是 active、deceased、moved_out 或 all"), -1;
    if (searches_terms(rq)) {
        /* Not a range of the status index: without statistics SQLite
         * would walk every active resident in resident_status_name and
         * test each against the terms' ids (0.6 s at a million) instead
         * of reading the few thousand residents the terms name by rowid. */
        if (!st || strcmp(st, "all") != 0) {
            q_where(q, "r.status || '' = ?");
            q_bind_text(q, st ? st : "active");
        }
        return 0;
    }
    if (st && strcmp(st, "all") == 0) {
        /* Every status, named: status leads resident_status_name, so a
         * list in name order stays three ranges of it rather than a scan. */
        q_where(q, "r.status IN ('active', 'deceased', 'moved_out')");
        return 0;
    }
    q_where(q, "r.status = ?");
    q_bind_text(q, st ? st : "active");
    return 0;
}

/* An exact search goes through the blind index (the values are
 * encrypted): cond "… IN (?, ?)" with the value's index under each
 * loaded key generation. 500 without a key. */
static int bind_blinds(response *rs, query *q, const char *cond, fc_kind kind, const char *value)
{
    char bidx[KEYS_MAX_GENERATIONS][FC_BLIND_HEX];
    if (fc_blinds(kind, value, bidx) != 0)
        return reply_error(rs, 500, "internal", NULL, "没有载入数据密钥"), -1;
    q_where(q, cond);
    q_bind_text(q, bidx[0]);
    q_bind_text(q, bidx[1]);
    return 0;
}

/* A search by tail (尾号): the term of value's last 4 (phone) or 4–6
 * (ID number) characters among the unit's grids. The phone's last four
 * digits are in every masked phone (138****5678), so any role that sees
 * phones may search by them; the ID number's tail is masked, so its
 * search is an exact search (the right to the full number, audited,
 * rate-limited). */
static int add_tail_filter(request *rq, response *rs, query *q, const org_unit *unit, char exact[96])
{
    const char *pt = req_query(rq, "phone_tail");
    const char *it = req_query(rq, "id_tail");
    char terms[KEYS_MAX_GENERATIONS][RESIDENT_TAIL_TERM];
    if (pt && *pt) {
        if (!resident_field_visible(rq->user.role, "phone"))
            return reply_error(rs, 403, "forbidden", "phone_tail", "您的角色无权查看电话，不能按电话尾号查询"), -1;
        if (strlen(pt) != 4 || strspn(pt, "0123456789") != 4)
            return reply_bad_request(rs, "phone_tail", "电话尾号应为4位数字"), -1;
        if (resident_tail_terms(FC_PHONE_TAIL4, pt, terms) != 0)
            return reply_error(rs, 500, "internal", NULL, "没有载入数据密钥"), -1;
        resident_search_add_terms(q, unit, terms[0], terms[1]);
    }
    if (it && *it) {
        static const fc_kind KINDS[] = {FC_ID_TAIL4, FC_ID_TAIL5, FC_ID_TAIL6};
        char norm[32];
        size_t n = strlen(idcard_normalize(it, norm));
        if (exact_field_or_reply(rq, rs, "id_number", "身份证号") != 0)
            return -1;
        if (n < 4 || n > 6 || strspn(norm, "0123456789") < n - (norm[n - 1] == 'X'))
            return reply_bad_request(rs, "id_tail", "身份证号尾号应为最后4到6位（数字，末位可为X）"), -1;
        if (resident_tail_terms(KINDS[n - 4], norm, terms) != 0)
            return reply_error(rs, 500, "internal", NULL, "没有载入数据密钥"), -1;
        resident_search_add_terms(q, unit, terms[0], terms[1]);
        size_t len = strlen(exact);
        snprintf(exact + len, 96 - len, "%s身份证号尾号（%zu位）", len ? "，" : "", n);
    }
    return 0;
}

/* The tag query parameter `tag` (a code or its Chinese label) as its
 * code in *code: 0, or -1 with a 400 (unknown) or a 403 (a tag the
 * role may not see: the list would name its people). Also
 * household_api.c. */
int tag_param_or_reply(request *rq, response *rs, const char *tag, const char **code)
{
    char key[48];
    if (!(*code = resident_tag_code(tag)))
        return reply_bad_request(rs, "tag", "未知的人员标签"), -1;
    snprintf(key, sizeof key, "tag:%s", *code);
    if (!resident_field_visible(rq->user.role, key))
        return reply_forbidden(rs, "您的角色无权按该标签查询"), -1;
    return 0;
}

/* The filters on text; an exact ID number or phone search is described
 * (masked) in exact[] for its audit row, "" when there is none. name
 * finds any part of the name, its pinyin from any syllable, and the
 * initials of the whole name (resident_search.h), among the unit's grids. */
static int add_text_filters(request *rq, response *rs, query *q, const org_unit *unit, char exact[96],
                            char *name_term)
{
    const char *name = req_query(rq, "name");
    const char *idn = req_query(rq, "id_number");
    const char *phone = req_query(rq, "phone");
    const char *tag = req_query(rq, "tag");
    if (name && *name) {
        char term[NAME_KEY_MAX];
        if (utf8_length(name) < 0 || utf8_length(name) > 50 || !text_is_clean(name, 0) ||
            pinyin_query_norm(name, term, sizeof term) == 0)
            return reply_bad_request(rs, "name", "姓名查询条件无效（可输入姓名的任意部分、拼音或拼音首字母）"), -1;
        if (name_term)
            memcpy(name_term, term, sizeof term);   /* the fast form: the caller's from (resident_search_from) */
        else
            resident_search_add_prefix(q, unit, term);
    }
    exact[0] = '\0';
    if (idn && *idn) {
        char norm[32], masked[19];
        if (exact_field_or_reply(rq, rs, "id_number", "身份证号") != 0)
            return -1;
        idcard_normalize(idn, norm);
        idcard_status st = idcard_validate(norm, 0, NULL);
        if (st != IDCARD_OK)
            return reply_bad_request(rs, "id_number", idcard_status_message(st)), -1;
        if (bind_blinds(rs, q, RESIDENT_BY_ID_NUMBER, FC_ID_NUMBER, norm) != 0)
            return -1;
        snprintf(exact, 96, "身份证号 %s", idcard_mask(norm, masked));
    }
    if (phone && *phone) {
        char canon[40], masked[32];
        if (exact_field_or_reply(rq, rs, "phone", "电话") != 0)
            return -1;
        if (!phone_normalize(phone, canon, sizeof canon))
            return reply_bad_request(rs, "phone", "电话号码格式不正确"), -1;
        if (bind_blinds(rs, q, RESIDENT_BY_PHONE, FC_PHONE, canon) != 0)
            return -1;
        size_t n = strlen(exact);
        snprintf(exact + n, 96 - n, "%s电话 %s", n ? "，" : "", phone_mask(canon, masked, sizeof masked));
    }
    if (tag && *tag) {
        const char *code;
        if (tag_param_or_reply(rq, rs, tag, &code) != 0)
            return -1;
        q_where(q, "EXISTS (SELECT 1 FROM resident_tag t WHERE t.resident_id = r.id AND t.tag = ?)");
        q_bind_text(q, code);
    }
    return 0;
}

/* household_id, and import_batch_id (the rows an import created: the
 * link in its audit row). */
static int add_household_filter(request *rq, response *rs, query *q)
{
    static const char *const KEYS[][2] = {{"household_id", "r.household_id = ?"},
                                          {"import_batch_id", "r.import_batch_id = ?"}};
    for (size_t i = 0; i < 2; i++) {
        int64_t v;
        int rc = req_query_int(rq, rs, KEYS[i][0], 0, 1, INT64_MAX, &v);
        if (rc < 0)
            return rc;
        if (rc > 0) {
            q_where(q, KEYS[i][1]);
            q_bind_int(q, v);
        }
    }
    return 0;
}

/* age_min / age_max (whole years, 0–150): a range of birth_date. With
 * full_id=1 the exact age today; otherwise the age the views show
 * without the birth date, the age reached this year (a range of birth
 * years), so that a filter tells no more than the row does. */
static int add_age_filters(request *rq, response *rs, query *q, int full)
{
    int64_t lo, hi;
    int has_lo = req_query_int(rq, rs, "age_min", 0, 0, 150, &lo), has_hi;
    if (has_lo < 0 || (has_hi = req_query_int(rq, rs, "age_max", 0, 0, 150, &hi)) < 0)
        return -1;
    if (has_lo > 0 && has_hi > 0 && lo > hi)
        return reply_bad_request(rs, "age_min", "age_min 不能大于 age_max"), -1;
    int today = date_today_local();   /* the China local date */
    int y = today / 10000, md = today % 10000;
    char bound[48];
    if (has_lo > 0) {   /* born on or before this day (year) */
        if (full)
            snprintf(bound, sizeof bound, "%04d-%02d-%02d", (int)(y - lo), md / 100, md % 100);
        else
            snprintf(bound, sizeof bound, "%04d-12-31", (int)(y - lo));
        q_where(q, "r.birth_date <= ?");
        q_bind_text(q, bound);
    }
    if (has_hi > 0) {   /* born after this day (year) */
        if (full)
            snprintf(bound, sizeof bound, "%04d-%02d-%02d", (int)(y - hi - 1), md / 100, md % 100);
        else
            snprintf(bound, sizeof bound, "%04d-12-31", (int)(y - hi - 1));
        q_where(q, "r.birth_date > ?");
        q_bind_text(q, bound);
    }
    return 0;
}

/* 1 when any filter beyond the unit and the status is given. */
static int searches(request *rq)
{
    return any_query(rq, FILTERS);
}

/* Whether the request searches by name alone (no other filter of
 * FILTERS), in a unit with grids, in name or id order: then the search
 * terms answer the page and the total by themselves
 * (resident_search_from), the status, name_py and batch being carried
 * in each term's row (migration 0020). */
static int by_name_alone(request *rq, const page_req *pg, const org_unit *unit)
{
    const char *name = req_query(rq, "name");
    return name && *name && strcmp(unit->kind, "building") != 0 &&
           (strcmp(pg->sort_expr, "r.name_py") == 0 || strcmp(pg->sort_expr, "r.id") == 0) &&
           !any_query(rq, FILTERS + 1);
}

const char *const *resident_sort_keys(int full)
{
    return full ? SORT_KEYS : SORT_KEYS_MASKED;
}

int resident_filters_or_reply(request *rq, response *rs, int full, const page_req *list_page, query *q,
                              resident_filters *out)
{
    memset(out, 0, sizeof *out);
    q_where(q, REGISTRY_VISIBLE("r"));
    if (add_scope_filter(rq, rs, q, &out->unit) != 0 || add_status_filter(rq, rs, q, &out->plain) != 0)
        return -1;
    out->fast = list_page && by_name_alone(rq, list_page, &out->unit);
    if (add_text_filters(rq, rs, q, &out->unit, out->exact, out->fast ? out->name_term : NULL) != 0 ||
        add_tail_filter(rq, rs, q, &out->unit, out->exact) != 0 || add_household_filter(rq, rs, q) != 0 ||
        add_age_filters(rq, rs, q, full) != 0 ||
        (out->exact[0] &&
         exact_search_rate_or_reply(rq, rs, strstr(out->exact, "电话") == out->exact ? "phone" : "id_number") != 0))
        return -1;
    out->plain = out->plain && !searches(rq);
    return 0;
}

void resident_filters_describe(request *rq, const resident_filters *f, char *out, size_t outsz)
{
    /* The values shown as given; id_number, phone and id_tail only as
     * f->exact has them (masked). */
    static const char *const SHOWN[][2] = {
        {"status", "状态"}, {"name", "姓名"}, {"tag", "标签"}, {"phone_tail", "电话尾号"},
        {"household_id", "户ID"}, {"import_batch_id", "导入批次"}, {"age_min", "最小年龄"},
        {"age_max", "最大年龄"}, {"sort", "排序"}};
    size_t n = (size_t)snprintf(out, outsz, "单位 %s（%s）", f->unit.name, f->unit.code);
    for (size_t i = 0; i < sizeof SHOWN / sizeof SHOWN[0] && n < outsz; i++) {
        const char *v = req_query(rq, SHOWN[i][0]);
        if (v && *v)
            n += (size_t)snprintf(out + n, outsz - n, "，%s %s", SHOWN[i][1], v);
    }
    if (f->exact[0] && n < outsz)
        snprintf(out + n, outsz - n, "，%s", f->exact);
    utf8_trim_partial(out);
}

/* GET /api/v1/residents — roles: registry readers.
 * Query: org_unit_id (default own unit), status (active|deceased|
 * moved_out|all), name (any part of the name, pinyin from any syllable,
 * initials of the whole name: 三, zhangsan, san, zs), id_number, phone,
 * phone_tail (last 4 digits), id_tail (last 4–6 characters: an exact
 * search), tag (高龄 = elderly: 70 or over, refreshed from the birth date
 * every day), household_id,
 * age_min, age_max (years; exact with full_id=1, else by birth year),
 * import_batch_id (the residents an import created),
 * full_id=1 (roles with the right; each row shown in full is audited),
 * page, page_size (20, 50 or 100; default 50), sort (name — in pinyin order —|birth_date|id|updated_at, - for desc; ties
 * by id in the same direction; birth_date without full_id=1 sorts by
 * birth year), cursor (next_cursor of the previous page: rows after it,
 * at any depth; not with page).
 * Reply: page of residents (ID numbers and phones masked) with total,
 * total_is_estimate and next_cursor (null on the last page; sealed, it
 * shows nothing, not even the sort value it holds). The total of a
 * unit's active residents (no other filter) is its maintained count;
 * any other search is counted up to the count cap (serve --count-cap,
 * default 10,000): beyond it total is the cap and total_is_estimate true.
 * id_number and phone are exact searches: only for roles that may see
 * the value, each audited (search_exact, masked term), 30 a minute per
 * user. Errors: 400 parameter (cursor malformed, of another sort, or
 * with page; page beyond 10,000 rows); 403 full_id, exact search or tag
 * the role may not see; 404 unit; 429 (Retry-After) too many exact
 * searches. */
static int resident_list(request *rq, response *rs)
{
    query q, qf, qw, *qs = &q;
    page_req pg;
    resident_filters rf;
    const org_unit *unit = &rf.unit;
    page_pick pk = {0};
    int full = 0, rc = -1;
    int64_t total;
    db_stmt *s = NULL;
    char detail[160];
    const char *from = "FROM resident r", *exact = rf.exact;

    q_init(&q, "");
    q_init(&qf, "");
    q_init(&qw, "");
    if (full_id_or_reply(rq, rs, &full) != 0 || page_size_choice_or_reply(rq, rs) != 0 ||
        req_page_keyset(rq, rs, resident_sort_keys(full), "r.id", &pg) != 0 ||
        resident_filters_or_reply(rq, rs, full, &pg, &q, &rf) != 0)
        goto out;
    if (rf.fast) {
        /* The terms' values first, then the filters on their residents. */
        from = resident_search_from(&qf, unit, rf.name_term);
        q_and_all(&qf, &q);
        qs = &qf;
    }
    int audited = full || exact[0];
    /* Only the unit and the default status: the maintained count. */
    if (rf.plain) {
        if ((total = counts_unit_one(rq->db, unit, "residents")) < 0) {
            rc = reply_internal(rs);
            goto out;
        }
    } else if (page_count_capped_or_reply(rq, rs, from, qs, &pg, &total) != 0) {
        goto out;
    }
    /* Pick the page's ids from the indexes first, then build full rows for
     * those only: sorting whole rows (with their tag lists) is what costs. */
    if (rf.fast) {
        /* A bounded sort of the first terms in the page's order
         * (resident_search_pick_from), not a sort of every match. */
        pg.distinct = 1;
        if (page_pick_or_reply(rq, rs, resident_search_pick_from(&qw, &q, unit, rf.name_term, &pg), &qw, &pg, NULL,
                               NULL, 0, &pk) != 0)
            goto out;
    } else if (page_pick_or_reply(rq, rs, from, qs, &pg, NULL, NULL, 0, &pk) != 0) {
        goto out;
    }
    if (!(s = page_fetch(rq, RESIDENT_SQL(rq->db, ""), &pg, &pk))) {
        rc = reply_internal(rs);
        goto out;
    }
    resident_view_opts o = resident_view_for(rq->user.role, full, 1); /* lists mask phones for everyone */
    if (audited && write_begin_or_reply(rq, rs) != 0)
        goto out;
    jsonw w;   /* the reply, written row by row into the request's memory */
    jsonw_init(&w, rq->arena);
    page_write_begin(&w);
    resident r;
    int ok = 1;
    while (db_step(s) == DB_ROW) {
        resident_from_row(s, &r);
        resident_write_json(&w, &r, &o);
        ok = ok && (!full || audit_full_view(rq, r.id) == 0);
    }
    page_write_end(&w, &pg, total);
    if (exact[0]) {
        snprintf(detail, sizeof detail, "%s；%s%lld 条结果", exact, pg.total_is_estimate ? "超过 " : "",
                 (long long)total);
        ok = ok && audit_request(rq, &(audit_entry){.action = "search_exact", .entity = "resident",
                                                    .org_path = rq->user.scope_path, .detail = detail}) == 0;
    }
    if (!ok)
        rc = write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    else if (audited && write_commit_only_or_reply(rq, rs, NULL) != 0)
        rc = -1;
    else
        rc = reply_json_buf(rq, rs, 200, &w.sb);
out:
    db_finalize(s);
    page_pick_release(&pk);
    q_free(&q);
    q_free(&qf);
    q_free(&qw);
    return rc;
}

/* ---- get / history ----------------------------------------------------- */

/* GET /api/v1/residents/{id} — roles: registry readers.
 * Query: full_id=1 (roles with the right; audited). Reply: the resident
 * (phone in full for registry writers), ETag: its version.
 * Errors: 403; 404 outside scope. */
static int resident_get_one(request *rq, response *rs)
{
    resident r;
    int full;
    if (full_id_or_reply(rq, rs, &full) != 0 || resident_in_scope_or_reply(rq, rs, rq->id, &r) != 0)
        return -1;
    reply_etag(rs, r.version);
    resident_view_opts o = resident_view_for(rq->user.role, full, 0);
    jsonw w;
    jsonw_init(&w, rq->arena);
    resident_write_json(&w, &r, &o);
    if (!full)
        return reply_json_buf(rq, rs, 200, &w.sb);
    if (write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (audit_full_view(rq, r.id) != 0)
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    if (write_commit_only_or_reply(rq, rs, NULL) != 0)
        return -1;
    return reply_json_buf(rq, rs, 200, &w.sb);
}

/* Replies {items: [{id, kind, event_date, note, created_at,
 * from_household_id, to_household_id, from_grid, to_grid, by}]}: the
 * history of a resident or a household (entity) the caller has loaded
 * in scope. Also household_api.c. */
int history_reply(request *rq, response *rs, const char *entity, int64_t id)
{
    history_item *h;
    size_t n;
    if (history_of(rq->db, entity, id, &h, &n) != 0)
        return reply_internal(rs);
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_pack("{s:I, s:s, s:s?, s:s?, s:s}", "id", (json_int_t)h[i].id, "kind", h[i].kind,
                              "event_date", h[i].event_date[0] ? h[i].event_date : NULL,
                              "note", h[i].note[0] ? h[i].note : NULL, "created_at", h[i].created_at);
        if (h[i].from_household) json_object_set_new(e, "from_household_id", json_integer(h[i].from_household));
        if (h[i].to_household) json_object_set_new(e, "to_household_id", json_integer(h[i].to_household));
        if (h[i].from_grid[0]) json_object_set_new(e, "from_grid", json_string(h[i].from_grid));
        if (h[i].to_grid[0]) json_object_set_new(e, "to_grid", json_string(h[i].to_grid));
        if (h[i].by[0]) json_object_set_new(e, "by", json_string(h[i].by));
        json_array_append_new(items, e);
    }
    free(h);
    return reply_json(rs, 200, json_pack("{s:o}", "items", items));
}

/* GET /api/v1/residents/{id}/history — roles: registry readers.
 * Reply: {items: [{id, kind, event_date, note, created_at,
 * from_household_id, to_household_id, from_grid, to_grid, by}]}.
 * Errors: 404 outside scope. */
static int resident_history(request *rq, response *rs)
{
    resident r;
    if (resident_in_scope_or_reply(rq, rs, rq->id, &r) != 0)
        return -1;
    return history_reply(rq, rs, "resident", rq->id);
}

/* ---- input from JSON ------------------------------------------------- */

/* The name as stored (validate.h: spaces, the middle dot's look-alikes),
 * in the request's memory. */
static const char *normalized_name(request *rq, const char *name)
{
    size_t n = strlen(name) * 2 + 1;
    char *out = arena_alloc(rq->arena, n);
    return out ? person_name_normalize(name, out, n) : name;
}

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
    if (json_object_get(body, "name")) {
        if (body_str_required(rq, rs, "name", &in->name) < 0)
            return -1;
        in->name = normalized_name(rq, in->name);
    }
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

static int check_input_or_reply(response *rs, const resident_input *in)
{
    ms_err err;
    if (resident_input_check(in, 0, &err) != 0)
        return reply_err(rs, &err);
    return 0;
}

/* ---- create ------------------------------------------------------------ */

/* POST /api/v1/residents — roles: registry writers.
 * Body: household_id*, id_number*, name*, relation, phone, hukou_type,
 * residence_status, employment, disability_type, disability_grade,
 * party_member, notes, tags. Sex and birth date come from the ID number.
 * Reply 201: the resident. Errors: 400 field (one 户主 per household;
 * closed household); 404 household outside scope; 409 ID registered. */
static int resident_create_one(request *rq, response *rs)
{
    static const char *const FIELDS[] = {
        "household_id", "id_number", "name", "relation", "phone", "hukou_type", "residence_status",
        "employment", "disability_type", "disability_grade", "party_member", "notes", "tags", NULL};
    resident_input in;
    household hh;
    char idn[32], phone[40];
    int64_t hid = 0, id = 0;
    const char *raw_id;
    ms_err err;

    memset(&in, 0, sizeof in);
    if (body_only(rq, rs, FIELDS) != 0)
        return -1;
    if (body_int(rq, rs, "household_id", &hid) <= 0)
        return rs->status ? -1 : reply_bad_request(rs, "household_id", "缺少必填字段 household_id");
    if (body_str_required(rq, rs, "id_number", &raw_id) < 0 || body_str_required(rq, rs, "name", &in.name) < 0)
        return -1;
    in.id_number = idcard_normalize(raw_id, idn);
    in.name = normalized_name(rq, in.name);
    if (read_fields(rq, rs, &in, phone) != 0 || check_input_or_reply(rs, &in) != 0 ||
        household_in_scope_or_reply(rq, rs, hid, &hh) != 0 || write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (resident_create(rq->db, &rq->user, hh.id, &in, &id, &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    return finish_or_reply(rq, rs, "create", NULL, id, NULL, 201);
}

/* ---- update ------------------------------------------------------------ */

/* PATCH /api/v1/residents/{id} — roles: registry writers.
 * Header: If-Match: "<version>" (optional; from the ETag). Body: any of
 * name, relation, phone, hukou_type, residence_status, employment,
 * disability_type, disability_grade, party_member, notes, tags (replaces
 * the set). Only the fields sent change, on the row as it is inside the
 * write. The ID number cannot be changed here. Reply: the resident, ETag.
 * Errors: 400 field; 404 outside scope; 412 If-Match names an older version. */
static int resident_update_one(request *rq, response *rs)
{
    resident cur, before;
    resident_change c;
    char phone[40];
    int64_t if_version;
    ms_err err;

    memset(&c, 0, sizeof c);
    if (body_only(rq, rs, WRITABLE_FIELDS) != 0 || if_match_or_reply(rq, rs, &if_version) != 0 ||
        resident_in_scope_or_reply(rq, rs, rq->id, &cur) != 0 || read_fields(rq, rs, &c.in, phone) != 0)
        return -1;
    for (size_t i = 0; WRITABLE_FIELDS[i]; i++)
        if (json_object_get(rq->json, WRITABLE_FIELDS[i]))
            c.set |= WRITABLE_BITS[i];
    if (write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (resident_update(rq->db, &rq->user, cur.id, if_version, &c, &before, &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    if (write_in_scope_or_reply(rq, rs, before.grid_path, "居民") != 0)
        return -1;
    return finish_or_reply(rq, rs, "update", &before, cur.id, NULL, 200);
}

/* ---- move / status ------------------------------------------------------ */

/* POST /api/v1/residents/{id}/move — roles: registry writers.
 * Header: If-Match (optional). Body: household_id*, relation (default
 * 其他). Reply: the resident. Errors: 400 field, not active, same or
 * closed household, a second 户主; 404 resident or household outside
 * scope; 412 stale If-Match. */
static int resident_move_one(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"household_id", "relation", NULL};
    resident cur, before;
    household to;
    const char *relation = NULL;
    int64_t hid = 0, if_version;
    ms_err err;

    if (body_only(rq, rs, FIELDS) != 0 || if_match_or_reply(rq, rs, &if_version) != 0 ||
        resident_in_scope_or_reply(rq, rs, rq->id, &cur) != 0)
        return -1;
    if (body_int(rq, rs, "household_id", &hid) <= 0)
        return rs->status ? -1 : reply_bad_request(rs, "household_id", "缺少必填字段 household_id");
    if (body_str(rq, rs, "relation", &relation) < 0)
        return -1;
    if (relation && !str_in_set(relation, resident_relation_values))
        return reply_bad_request(rs, "relation", "与户主关系不在可选值内");
    if (strcmp(cur.status, "active") != 0)
        return reply_bad_request(rs, NULL, "只有在册居民可以迁移");
    if (household_in_scope_or_reply(rq, rs, hid, &to) != 0 || write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (resident_move(rq->db, &rq->user, cur.id, if_version, to.id, relation, &before, &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    if (write_in_scope_or_reply(rq, rs, before.grid_path, "居民") != 0)
        return -1;
    return finish_or_reply(rq, rs, "move", &before, cur.id, NULL, 200);
}

/* The stop flag resident_set_status has just written, audited, and the
 * reply's members that go with it: what the person receives and must
 * stop (none yet: the assistance and pairing modules will fill the two
 * lists from their active cases and pairings; docs/api.md gives their
 * items' shape). 0 with *out, or -1 rolled back with a 500. */
static int stop_flag_or_reply(request *rq, response *rs, const resident *r, json_t **out)
{
    resident_flag f;
    char detail[160];
    if (resident_last_flag(rq->db, r->id, &f) != 0)
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    snprintf(detail, sizeof detail, "%s（%s）：待停止的救助 0 项、结对 0 项", strcmp(f.event, "deceased") == 0 ? "已故" : "迁出",
             f.event_date);
    if (audit_request(rq, &(audit_entry){.action = "stop_flag", .entity = "resident_event_flag", .entity_id = f.id,
                                         .org_path = r->grid_path, .detail = detail}) != 0)
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    *out = json_pack("{s:{s:I, s:I, s:s, s:s, s:s, s:n}, s:[], s:[]}", "stop_flag", "id", (json_int_t)f.id,
                     "resident_id", (json_int_t)r->id, "event", f.event, "event_date", f.event_date, "created_at",
                     f.created_at, "handled_at", "active_benefits", "active_pairings");
    return 0;
}

/* POST /api/v1/residents/{id}/status — roles: registry writers.
 * Header: If-Match (optional). Body: status* (active|deceased|moved_out),
 * date (default today, Beijing time), note. Reply: the resident; for
 * deceased / moved_out also stop_flag {id, resident_id, event,
 * event_date, created_at, handled_at: null} (the flag left for the
 * assistance and pairing modules, audited as stop_flag) and
 * active_benefits, active_pairings (what the person received: empty
 * arrays until those modules exist). The age of a deceased person
 * stays the age at death.
 * Errors: 400 field or unchanged, date after today or before the birth
 * date; 404 outside scope; 412 stale If-Match. */
static int resident_status(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"status", "date", "note", NULL};
    static const char *const STATUSES[] = {"active", "deceased", "moved_out", NULL};
    resident cur, before;
    const char *status, *date = NULL, *note = NULL;
    int64_t if_version;
    ms_err err;

    if (body_only(rq, rs, FIELDS) != 0 || if_match_or_reply(rq, rs, &if_version) != 0 ||
        body_str_required(rq, rs, "status", &status) < 0 ||
        body_str(rq, rs, "date", &date) < 0 || body_str(rq, rs, "note", &note) < 0)
        return -1;
    if (!str_in_set(status, STATUSES))
        return reply_bad_request(rs, "status", "status 只能是 active（在册）、deceased（已故）或 moved_out（迁出）");
    if (date && !date_is_valid(date))
        return reply_bad_request(rs, "date", "日期格式应为 YYYY-MM-DD");
    if (note && (utf8_length(note) < 0 || utf8_length(note) > 500))
        return reply_bad_request(rs, "note", "说明不能超过500字");
    if (resident_in_scope_or_reply(rq, rs, rq->id, &cur) != 0 || write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (resident_set_status(rq->db, &rq->user, cur.id, if_version, status, date, note, &before, &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    if (write_in_scope_or_reply(rq, rs, before.grid_path, "居民") != 0)
        return -1;
    json_t *stop = NULL;
    if (strcmp(status, "active") != 0 && stop_flag_or_reply(rq, rs, &before, &stop) != 0)
        return -1;
    return finish_with_or_reply(rq, rs, "status", &before, cur.id, note, 200, stop);
}

const route resident_routes[] = {
    {.method = "GET",   .pattern = "/api/v1/residents",              .handler = resident_list,       .roles = R_READ, .read_heavy = 1},
    {.method = "POST",  .pattern = "/api/v1/residents",              .handler = resident_create_one, .roles = R_WRITE},
    {.method = "GET",   .pattern = "/api/v1/residents/{id}",         .handler = resident_get_one,    .roles = R_READ},
    {.method = "PATCH", .pattern = "/api/v1/residents/{id}",         .handler = resident_update_one, .roles = R_WRITE},
    {.method = "POST",  .pattern = "/api/v1/residents/{id}/move",    .handler = resident_move_one,   .roles = R_WRITE},
    {.method = "POST",  .pattern = "/api/v1/residents/{id}/status",  .handler = resident_status,     .roles = R_WRITE},
    {.method = "GET",   .pattern = "/api/v1/residents/{id}/history", .handler = resident_history,    .roles = R_READ},
    {0}
};
