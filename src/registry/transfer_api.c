/* transfer_api.c — the /api/v1/transfers routes: file a transfer-in
 * request (迁入申请), list and view the requests of either side, and
 * accept, refuse or withdraw one. Translates HTTP to transfer.h calls
 * and back; owns what each side is shown of a request (the receiving
 * side learns only that the person is registered and in which
 * community — or street, beyond its own — and a masked name, until the
 * request is accepted). */
#include "core/ratelimit.h"
#include "registry/registry_api.h"
#include "registry/resident_view.h"
#include "registry/transfer.h"
#include "server/write.h"
#include "storage/query.h"
#include "util/idcard.h"
#include "util/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define R_SEE    TRANSFER_DECIDE_ROLES
#define R_FILE   TRANSFER_FILE_ROLES
#define R_DECIDE TRANSFER_DECIDE_ROLES

/* Filing tells whether an ID number is registered and where: as many a
 * minute as an exact search (resident_api.c). */
static const rate_limit FILE_LIMIT = {.name = "transfer_file", .max = 30, .window_s = 60};

/* ---- what a side sees ------------------------------------------------------ */

static json_t *timeline_json(request *rq, const transfer *t)
{
    wf_timeline tl;
    ms_err e;
    json_t *a = json_array();
    if (wf_timeline_load(rq->db, &transfer_type, &t->c, &tl, &e) != 0)
        return a;
    for (size_t i = 0; i < tl.n; i++) {
        const wf_event *ev = &tl.events[i];
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?}", "at", ev->at, "action", ev->action,
                                           "action_label", ev->action_label, "state", ev->to_state, "state_label",
                                           ev->to_label, "opinion", ev->opinion));
        if (ev->actor_name[0])
            json_object_set_new(json_array_get(a, json_array_size(a) - 1), "by", json_string(ev->actor_name));
    }
    wf_timeline_release(&tl);
    return a;
}

/* The request as the caller sees it (with its timeline when `detail`). */
static json_t *transfer_json(request *rq, const transfer *t, int detail)
{
    char now[20], from[128] = "", to[128] = "", masked[16];
    int sides = transfer_sides(t, &rq->user);
    const wf_state *st = wf_state_find(&transfer_type, t->c.state);
    db_now(now);
    /* each unit as the caller may know it: the grid inside the scope, else its community or street */
    registry_place_seen(rq->db, rq->user.scope_path, t->from_path, from, sizeof from);
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:b, s:s, s:s?, s:s?, s:s, s:s?, s:s}", "id", (json_int_t)t->c.id,
                          "state", t->c.state, "state_label", st ? st->label : t->c.state,
                          "side", sides == 3 ? "both" : sides == 2 ? "releasing" : "receiving",
                          "overdue", wf_is_overdue(&t->c, now), "created_at", t->c.created_at,
                          "due_at", t->c.due_at[0] ? t->c.due_at : NULL,
                          "closed_at", t->c.closed_at[0] ? t->c.closed_at : NULL, "relation", t->relation,
                          "note", t->note[0] ? t->note : NULL, "registered_in", from);
    /* The person: in full to the releasing side, and to the receiving
     * side once the request is accepted (the person is theirs then). */
    json_t *person = json_object();
    if ((sides & 2) || strcmp(t->c.state, "accepted") == 0) {
        json_object_set_new(person, "resident_id", json_integer(t->resident_id));
        json_object_set_new(person, "name", json_string(t->person_name));
    } else {
        transfer_mask_name(t->person_name, masked, sizeof masked);
        json_object_set_new(person, "name", json_string(masked));
    }
    if (sides & 2)
        json_object_set_new(person, "from_household_id", json_integer(t->from_household_id));
    json_object_set_new(j, "person", person);
    if (sides & 1) {
        json_object_set_new(j, "to", json_pack("{s:I, s:s, s:s}", "household_id", (json_int_t)t->to_household_id,
                                               "household_code", t->to_household_code, "grid", t->to_grid_name));
    } else {
        registry_place_seen(rq->db, rq->user.scope_path, t->to_path, to, sizeof to);
        json_object_set_new(j, "to", json_pack("{s:s}", "unit", to));
    }
    wf_action acts[WF_MAX_ACTIONS];
    ms_err e;
    int n = wf_allowed_actions(rq->db, &transfer_type, &t->c, &rq->user, acts, WF_MAX_ACTIONS, &e);
    json_t *actions = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(actions, json_pack("{s:s, s:s, s:b}", "action", acts[i].action, "label", acts[i].label,
                                                 "opinion_required", acts[i].opinion_required));
    json_object_set_new(j, "actions", actions);
    if (detail)
        json_object_set_new(j, "timeline", timeline_json(rq, t));
    return j;
}

/* Loads request {id}, which must have a side in the caller's scope:
 * 0, or -1 with a 404 (500). */
static int transfer_in_scope_or_reply(request *rq, response *rs, int64_t id, transfer *out)
{
    int rc = transfer_get(rq->db, id, out);
    if (rc < 0)
        return reply_internal(rs), -1;
    if (rc > 0 || transfer_sides(out, &rq->user) == 0)
        return reply_not_found(rs, "迁入申请"), -1;
    return 0;
}

/* Ends a write: commits (the engine wrote the case's audit rows; *e, if
 * any, is the resident's) and replies the request as the caller sees it. */
static int finish_or_reply(request *rq, response *rs, int64_t id, const audit_entry *e, int status)
{
    transfer t;
    if (transfer_get(rq->db, id, &t) != 0)
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    json_t *body = transfer_json(rq, &t, 1);
    return write_commit_or_reply(rq, rs, e, status, body);
}

/* ---- list ------------------------------------------------------------------ */

/* GET /api/v1/transfers — roles: street, community, grid.
 * Query: side (receiving|releasing; default both), status
 * (requested|accepted|refused|withdrawn), overdue=1 (open past the
 * limit), page, page_size (20|50|100, default 20). Reply: {items,
 * page, page_size, total}: the requests where the caller's scope holds
 * the receiving or the releasing side, newest first, each as
 * GET /api/v1/transfers/{id} without the timeline. Errors: 400 parameter. */
static int transfer_list(request *rq, response *rs)
{
    static const char *const STATES[] = {"requested", "accepted", "refused", "withdrawn", NULL};
    static const char *const SIDES[] = {"receiving", "releasing", NULL};
    const char *side = req_query(rq, "side"), *status = req_query(rq, "status");
    char end[256], now[20];
    int64_t page, size;
    query q;

    if (side && *side && !str_in_set(side, SIDES))
        return reply_bad_request(rs, "side", "side 只能是 receiving（迁入方）或 releasing（迁出方）");
    if (status && *status && !str_in_set(status, STATES))
        return reply_bad_request(rs, "status", "status 只能是 requested、accepted、refused 或 withdrawn");
    if (req_query_int(rq, rs, "page", 1, 1, 10000, &page) < 0 || page_size_choice_or_reply(rq, rs) != 0 ||
        req_query_int(rq, rs, "page_size", 20, 1, 100, &size) < 0)
        return -1;
    org_path_end(rq->user.scope_path, end);
    q_init(&q, "");
    int receiving = !side || !*side || strcmp(side, "receiving") == 0;
    int releasing = !side || !*side || strcmp(side, "releasing") == 0;
    q_where(&q, receiving && releasing ? "((t.to_path >= ? AND t.to_path < ?) OR (t.from_path >= ? AND t.from_path < ?))"
                : receiving        ? "t.to_path >= ? AND t.to_path < ?"
                                   : "t.from_path >= ? AND t.from_path < ?");
    for (int i = 0; i < (receiving && releasing ? 2 : 1); i++) {
        q_bind_text(&q, rq->user.scope_path);
        q_bind_text(&q, end);
    }
    if (status && *status) {
        q_where(&q, "c.state = ?");
        q_bind_text(&q, status);
    }
    if (req_query_flag(rq, "overdue")) {
        q_where(&q, "c.closed_at IS NULL AND c.due_at < ?");
        q_bind_text(&q, db_now(now));
    }
    static const char *const FROM = "FROM resident_transfer t JOIN wf_case c ON c.id = t.case_id ";
    char prefix[128];
    db_stmt *s = q_prepare_with(rq->db, (snprintf(prefix, sizeof prefix, "SELECT COUNT(*) %s", FROM), prefix), &q, "");
    int64_t total = s && db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
    db_finalize(s);
    s = NULL;
    if (total >= 0 && (s = q_prepare_with(rq->db, TRANSFER_SELECT, &q, " ORDER BY c.id DESC LIMIT ? OFFSET ?"))) {
        db_bind_int(s, q.nbind + 1, size);
        db_bind_int(s, q.nbind + 2, (page - 1) * size);
    }
    q_free(&q);
    if (!s)
        return reply_internal(rs);
    json_t *items = json_array();
    transfer t;
    while (db_step(s) == DB_ROW) {
        transfer_from_row(s, &t);
        json_array_append_new(items, transfer_json(rq, &t, 0));
    }
    db_finalize(s);
    return reply_json(rs, 200, json_pack("{s:o, s:I, s:I, s:I}", "items", items, "page", (json_int_t)page,
                                         "page_size", (json_int_t)size, "total", (json_int_t)total));
}

/* GET /api/v1/transfers/{id} — roles: street, community, grid.
 * Reply: the request: id, state, state_label, side (receiving|
 * releasing|both), overdue, created_at, due_at, closed_at, relation,
 * note, registered_in (the releasing unit as the caller may name it: a
 * grid in its scope, else the community, or the street beyond its
 * own), person ({name} masked for the receiving side until accepted;
 * {resident_id, name, from_household_id} for the releasing side), to
 * (the household for the receiving side, {unit} for the other), actions
 * the caller may take, timeline. Errors: 404 neither side in scope. */
static int transfer_get_one(request *rq, response *rs)
{
    transfer t;
    if (transfer_in_scope_or_reply(rq, rs, rq->id, &t) != 0)
        return -1;
    return reply_json(rs, 200, transfer_json(rq, &t, 1));
}

/* ---- file ------------------------------------------------------------------ */

/* POST /api/v1/transfers — roles: community, grid (the receiving side).
 * Body: id_number*, household_id* (an active household in the caller's
 * scope), relation (default 其他), note. Reply 201: the request.
 * Errors: 400 field, or the person is in the caller's scope already
 * (move them directly); 404 ID number not registered, household outside
 * scope; 409 an open request for the person exists; 429 (Retry-After)
 * more than 30 filings a minute. */
static int transfer_create(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"id_number", "household_id", "relation", "note", NULL};
    const char *raw, *relation = NULL, *note = NULL;
    char idn[32];
    int64_t hid = 0;
    household hh;
    ms_err err;

    if (body_only(rq, rs, FIELDS) != 0 || body_str_required(rq, rs, "id_number", &raw) < 0)
        return -1;
    if (body_int(rq, rs, "household_id", &hid) <= 0)
        return rs->status ? -1 : reply_bad_request(rs, "household_id", "缺少必填字段 household_id（迁入的户）");
    if (body_str(rq, rs, "relation", &relation) < 0 || body_str(rq, rs, "note", &note) < 0)
        return -1;
    idcard_normalize(raw, idn);
    idcard_status st = idcard_validate(idn, 0, NULL);
    if (st != IDCARD_OK)
        return reply_bad_request(rs, "id_number", idcard_status_message(st));
    if (household_in_scope_or_reply(rq, rs, hid, &hh) != 0)
        return -1;
    int wait = rate_limit_take(req_primary(rq), &FILE_LIMIT, rq->user.id, 0);
    if (wait < 0)
        return reply_error(rs, 503, "busy", NULL, "系统繁忙，请稍后重试");
    if (wait > 0) {
        rs->retry_after = wait;
        return reply_error(rs, 429, "too_many_requests", NULL, "提出迁入申请过于频繁（每分钟最多 %d 次），请 %d 秒后再试",
                           FILE_LIMIT.max, wait);
    }
    if (write_begin_or_reply(rq, rs) != 0)
        return -1;
    int64_t id = transfer_file(rq->db, &rq->user, rq->client_ip, idn, hh.id, relation && *relation ? relation : NULL,
                               note && *note ? note : NULL, &err);
    if (id < 0)
        return write_fail_or_reply(rq, rs, &err);
    return finish_or_reply(rq, rs, id, NULL, 201);
}

/* ---- decide ---------------------------------------------------------------- */

/* POST /api/v1/transfers/{id}/accept | refuse | withdraw.
 * accept, refuse — roles: street, community, grid of the releasing
 * side (the grid that held the person at filing, its community, the
 * street); withdraw — community, grid of the receiving side.
 * Body: opinion (required to refuse: the reason). accept moves the
 * person into the receiving household (history rows; a person marked
 * 迁出 becomes active again) with an audit row of the move. Reply: the
 * request. Errors: 400 opinion, or the person cannot move (deceased;
 * head of a household with other active members: name a new head
 * first); 403 the other side's step, or the wrong level; 404 neither
 * side in scope; 409 not open any more, or the person left the
 * household the request named. */
static int transfer_step(request *rq, response *rs, const char *action)
{
    static const char *const FIELDS[] = {"opinion", NULL};
    const char *opinion = NULL;
    transfer t;
    resident before, after;
    ms_err err;

    if (body_only(rq, rs, FIELDS) != 0 || body_str(rq, rs, "opinion", &opinion) < 0 ||
        transfer_in_scope_or_reply(rq, rs, rq->id, &t) != 0 || write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (transfer_act(rq->db, &rq->user, rq->client_ip, t.c.id, action, opinion, &before, &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    if (strcmp(action, "accept") != 0)
        return finish_or_reply(rq, rs, t.c.id, NULL, 200);
    resident_view_opts img = RESIDENT_VIEW_AUDIT;
    if (resident_get(rq->db, t.resident_id, &after) != 0)
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    json_t *b = resident_json(&before, &img), *a = resident_json(&after, &img);
    char detail[96];
    snprintf(detail, sizeof detail, "迁入申请 #%lld 同意", (long long)t.c.id);
    char path[256];
    registry_common_path(before.grid_path, after.grid_path, path);
    int rc = finish_or_reply(rq, rs, t.c.id, &(audit_entry){.action = "move", .entity = "resident",
                                                             .entity_id = after.id, .org_path = path, .before = b,
                                                             .after = a, .detail = detail}, 200);
    json_decref(b);
    json_decref(a);
    return rc;
}

static int transfer_accept(request *rq, response *rs) { return transfer_step(rq, rs, "accept"); }
static int transfer_refuse(request *rq, response *rs) { return transfer_step(rq, rs, "refuse"); }
static int transfer_withdraw(request *rq, response *rs) { return transfer_step(rq, rs, "withdraw"); }

const route transfer_routes[] = {
    {.method = "GET",  .pattern = "/api/v1/transfers",               .handler = transfer_list,     .roles = R_SEE},
    {.method = "POST", .pattern = "/api/v1/transfers",               .handler = transfer_create,   .roles = R_FILE},
    {.method = "GET",  .pattern = "/api/v1/transfers/{id}",          .handler = transfer_get_one,  .roles = R_SEE},
    {.method = "POST", .pattern = "/api/v1/transfers/{id}/accept",   .handler = transfer_accept,   .roles = R_DECIDE},
    {.method = "POST", .pattern = "/api/v1/transfers/{id}/refuse",   .handler = transfer_refuse,   .roles = R_DECIDE},
    {.method = "POST", .pattern = "/api/v1/transfers/{id}/withdraw", .handler = transfer_withdraw, .roles = R_FILE},
    {0}
};
