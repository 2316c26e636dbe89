/* order_api.c — /api/v1/demands/orders (demand_order_routes): intake
 * (with the possible duplicates), the lists with their filters, the
 * order page (timeline, allowed actions, urgings, duplicates), one
 * route per step, 催办 and the duplicate decision. Translates HTTP to
 * order.h calls and back; owns what a reply shows of an order (the
 * reporter's phone always masked; in lists the name too). */
#include "demands/demand_api.h"
#include "demands/dept.h"
#include "demands/order.h"
#include "demands/order_flow.h"
#include "registry/org.h"
#include "registry/registry_api.h"
#include "server/write.h"
#include "storage/query.h"
#include "util/validate.h"
#include "workflow/wf_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define R_FILE (ROLE_STREET | ROLE_COMMUNITY | ROLE_GRID)
#define R_READ (ROLE_STREET | ROLE_COMMUNITY | ROLE_GRID | ROLE_VIEWER)
#define R_STEP (ROLE_STREET | ROLE_COMMUNITY | ROLE_GRID | ROLE_VIEWER)
#define R_URGE (ROLE_STREET | ROLE_COMMUNITY)
#define R_DESK ROLE_STREET

/* ---- what a reply shows ------------------------------------------------------------ */

static json_t *opt_str(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *assignee_json(const demand_order *o)
{
    if (o->assignee_unit_id)
        return json_pack("{s:s, s:I, s:s}", "kind", "unit", "id", (json_int_t)o->assignee_unit_id, "name",
                         o->assignee_name);
    if (o->assignee_dept_id)
        return json_pack("{s:s, s:I, s:s}", "kind", "department", "id", (json_int_t)o->assignee_dept_id, "name",
                         o->assignee_name);
    return json_null();
}

/* The order as lists show it: the reporter's name and phone masked. */
static json_t *order_row_json(const demand_order *o, const char *now)
{
    char phone[40] = "", name[40];
    order_flags f = order_flags_at(o, now);
    if (o->phone[0])
        phone_mask(o->phone, phone, sizeof phone);
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(o->c.id));
    json_object_set_new(j, "title", json_string(o->c.title));
    json_object_set_new(j, "source", json_string(o->source));
    json_object_set_new(j, "source_label", json_string(order_source_label(o->source)));
    json_object_set_new(j, "hotline_no", opt_str(o->hotline_no));
    json_object_set_new(j, "category", json_pack("{s:I, s:s}", "id", (json_int_t)o->category_id, "name",
                                                 o->category_name));
    json_object_set_new(j, "urgency", json_string(o->urgency));
    json_object_set_new(j, "grid", json_pack("{s:I, s:s}", "id", (json_int_t)o->grid_id, "name", o->grid_name));
    json_object_set_new(j, "community", json_string(o->community_name));
    json_object_set_new(j, "address", json_string(o->address));
    json_object_set_new(j, "reporter_name", json_string(person_name_mask(o->reporter_name, NAME_MASK_INITIAL, name,
                                                                         sizeof name)));
    json_object_set_new(j, "phone", opt_str(phone));
    json_object_set_new(j, "state", json_string(o->c.state));
    json_object_set_new(j, "state_label", json_string(order_state_label(o->c.state)));
    json_object_set_new(j, "assignee", assignee_json(o));
    json_object_set_new(j, "created_at", json_string(o->c.created_at));
    json_object_set_new(j, "due_at", opt_str(o->c.due_at));
    json_object_set_new(j, "sign_due_at", opt_str(o->sign_due_at));
    json_object_set_new(j, "handle_due_at", opt_str(o->handle_due_at));
    json_object_set_new(j, "overdue", json_boolean(f.overdue));
    json_object_set_new(j, "supervised", json_boolean(f.supervised));
    json_object_set_new(j, "unsigned_late", json_boolean(f.unsigned_late));
    json_object_set_new(j, "callback_due", json_boolean(f.callback_due));
    json_object_set_new(j, "callback_late", json_boolean(f.callback_late));
    json_object_set_new(j, "satisfaction", opt_str(o->satisfaction));
    return j;
}

static json_t *dups_json(request *rq, const demand_order *o)
{
    order_dup d[ORDER_MAX_DUPS];
    json_t *a = json_array();
    int n = order_duplicates(rq->db, &rq->user, o, d, ORDER_MAX_DUPS);
    for (int i = 0; i < n; i++) {
        json_t *why = json_array();
        if (d[i].same_phone)
            json_array_append_new(why, json_string("same_phone"));
        if (d[i].same_place)
            json_array_append_new(why, json_string("same_place"));
        json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s, s:s, s:o}", "id", (json_int_t)d[i].id, "title",
                                           d[i].title, "state", d[i].state, "state_label",
                                           order_state_label(d[i].state), "created_at", d[i].created_at, "reasons",
                                           why));
    }
    return a;
}

static json_t *actions_json(request *rq, const demand_order *o)
{
    wf_action acts[WF_MAX_ACTIONS];
    ms_err e;
    json_t *a = json_array();
    int n = wf_allowed_actions(rq->db, &DEMAND_ORDER, &o->c, &rq->user, acts, WF_MAX_ACTIONS, &e);
    for (int i = 0; i < n; i++) {
        if (strcmp(acts[i].action, "redo") == 0 || strcmp(acts[i].action, "merge") == 0)
            continue;   /* taken through callback and duplicate */
        if (!order_may(rq->db, &rq->user, o, acts[i].action, &e))
            continue;
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:b}", "action", acts[i].action, "label", acts[i].label,
                                           "to_label", acts[i].to_label, "opinion_required", acts[i].opinion_required));
    }
    return a;
}

static json_t *urges_json(request *rq, int64_t id)
{
    order_urge *u = calloc(ORDER_MAX_URGES, sizeof *u);
    json_t *a = json_array();
    int n = u ? order_urges(rq->db, id, u, ORDER_MAX_URGES) : 0;
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "at", u[i].at, "by", u[i].actor_name, "note", u[i].note));
    free(u);
    return a;
}

/* The order page: the row, and the reporter's name, the content, the
 * point, the result and callback, timeline, actions, urgings and
 * possible duplicates. */
static json_t *order_page_json(request *rq, const demand_order *o)
{
    char now[20];
    json_t *j = order_row_json(o, db_now(now));
    json_object_set_new(j, "reporter_name", json_string(o->reporter_name));
    json_object_set_new(j, "resident_id", o->resident_id ? json_integer(o->resident_id) : json_null());
    json_object_set_new(j, "content", json_string(o->content));
    json_t *att = json_loads(o->attachments, 0, NULL);
    json_object_set_new(j, "attachments", att ? att : json_array());
    json_object_set_new(j, "point", o->has_point ? json_pack("{s:f, s:f}", "lng", o->lng, "lat", o->lat) : json_null());
    json_object_set_new(j, "assigned_at", opt_str(o->assigned_at));
    json_object_set_new(j, "signed_at", opt_str(o->signed_at));
    json_object_set_new(j, "finished_at", opt_str(o->finished_at));
    json_object_set_new(j, "result", opt_str(o->result));
    json_object_set_new(j, "solved", o->solved < 0 ? json_null() : json_boolean(o->solved));
    json_object_set_new(j, "callback_at", opt_str(o->callback_at));
    json_object_set_new(j, "redo_count", json_integer(o->redo_count));
    json_object_set_new(j, "return_count", json_integer(o->return_count));
    json_object_set_new(j, "merged_into", o->merged_into ? json_integer(o->merged_into) : json_null());
    json_object_set_new(j, "closed_at", opt_str(o->c.closed_at));
    json_object_set_new(j, "timeline", wf_timeline_json(rq->db, &DEMAND_ORDER, &o->c));
    json_object_set_new(j, "actions", actions_json(rq, o));
    json_object_set_new(j, "urges", urges_json(rq, o->c.id));
    json_object_set_new(j, "possible_duplicates", o->c.closed_at[0] ? json_array() : dups_json(rq, o));
    return j;
}

/* The audit image of an order: no name, phone or content. */
static json_t *order_image(const demand_order *o)
{
    return json_pack("{s:s, s:I, s:s, s:I, s:I, s:s?, s:s?, s:o, s:s?, s:i}", "state", o->c.state, "category_id",
                     (json_int_t)o->category_id, "urgency", o->urgency, "assignee_unit_id",
                     (json_int_t)o->assignee_unit_id, "assignee_dept_id", (json_int_t)o->assignee_dept_id,
                     "sign_due_at", o->sign_due_at[0] ? o->sign_due_at : NULL, "handle_due_at",
                     o->handle_due_at[0] ? o->handle_due_at : NULL, "solved",
                     o->solved < 0 ? json_null() : json_boolean(o->solved), "satisfaction",
                     o->satisfaction[0] ? o->satisfaction : NULL, "redo_count", o->redo_count);
}

/* Loads order id visible to the caller into a new *out: 0, or -1 with a
 * 404 (500). */
static int order_in_scope_or_reply(request *rq, response *rs, int64_t id, demand_order **out)
{
    *out = calloc(1, sizeof **out);
    int rc = *out ? order_get(rq->db, id, *out) : -1;
    int seen = rc == 0 ? order_visible(rq->db, &rq->user, *out) : 0;
    if (rc == 0 && seen > 0)
        return 0;
    free(*out);
    *out = NULL;
    if (rc < 0 || seen < 0)
        return reply_internal(rs), -1;
    return reply_not_found(rs, "诉求工单"), -1;
}

/* Ends a write on order id: commits with the audit row (before stolen,
 * may be NULL) and replies the order page. */
static int finish_or_reply(request *rq, response *rs, int64_t id, const char *action, json_t *before,
                           const char *detail, int status)
{
    demand_order *o = calloc(1, sizeof *o);
    if (!o || order_get(rq->db, id, o) != 0) {
        free(o);
        json_decref(before);
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    }
    json_t *after = order_image(o), *body = order_page_json(rq, o);
    int rc = write_commit_or_reply(rq, rs,
                                   &(audit_entry){.action = action, .entity = "demand_order", .entity_id = id,
                                                  .org_path = o->c.org_path, .before = before, .after = after,
                                                  .detail = detail},
                                   status, body);
    free(o);
    json_decref(before);
    json_decref(after);
    return rc;
}

/* A department's account: 1 (with a 403 filled), else 0 (-1: 500). */
static int dept_account_refused(request *rq, response *rs, const char *what)
{
    int64_t dept = dept_of_user(rq->db, rq->user.id);
    if (dept < 0)
        return reply_internal(rs), 1;
    if (dept > 0)
        return reply_forbidden(rs, what), 1;
    return 0;
}

/* "attachments" (wf_json.h), each name 1–255 bytes, into names; *out
 * NULL when absent. 0, or -1 with a 400. */
static int attachments_or_reply(request *rq, response *rs, const char *names[WF_MAX_ATTACHMENTS + 1],
                                const char *const **out)
{
    int bad = 0;
    ms_err e = {0};
    *out = wf_attachments_from_json(rq->json ? json_object_get(rq->json, "attachments") : NULL, names, &bad, &e);
    for (size_t i = 0; !bad && *out && (*out)[i]; i++)
        if (!*(*out)[i] || strlen((*out)[i]) > 255)
            bad = err_set(&e, ERR_INVALID, "attachments", "附件名称应为1至255字节的字符串") != 0;
    return bad ? reply_err(rs, &e) : 0;
}

/* ---- intake ------------------------------------------------------------------------ */

/* POST /api/v1/demands/orders — roles: street, community, grid (not a department's account).
 * Body: source* (hotline|petition|walkin|patrol|online), hotline_no
 * (required for hotline, unique), category_id* (an active category),
 * urgency (normal|urgent|critical; default normal), grid_id* (a grid in
 * scope), address* (≤ 100 characters), point {lng, lat}, resident_id (a
 * resident in scope: the reporter; name and phone default to theirs),
 * reporter_name (required without resident_id; 匿名 for anonymous),
 * phone, content* (≤ 2000 characters), title (default "<category>：
 * <address>"), attachments (names). The phone is stored encrypted with
 * a blind index. Reply 201: the order page, with possible_duplicates
 * [{id, title, state, state_label, created_at, reasons: same_phone |
 * same_place}] — orders in the caller's scope from the last 30 days
 * with the same phone, or the same address and category. Errors: 400
 * field; 403 a department's account; 409 hotline_no already registered. */
static int order_create_route(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"source", "hotline_no", "category_id", "urgency", "grid_id", "address",
                                         "point", "resident_id", "reporter_name", "phone", "content", "title",
                                         "attachments", NULL};
    order_new in = {0};
    const char *names[WF_MAX_ATTACHMENTS + 1];
    const char *const *att;
    ms_err err = {0};
    if (body_only(rq, rs, FIELDS) != 0 || body_str_required(rq, rs, "source", &in.source) < 0 ||
        body_str(rq, rs, "hotline_no", &in.hotline_no) < 0 || body_str(rq, rs, "urgency", &in.urgency) < 0 ||
        body_str(rq, rs, "address", &in.address) < 0 || body_str(rq, rs, "reporter_name", &in.reporter_name) < 0 ||
        body_str(rq, rs, "phone", &in.phone) < 0 || body_str(rq, rs, "content", &in.content) < 0 ||
        body_str(rq, rs, "title", &in.title) < 0 || body_int(rq, rs, "resident_id", &in.resident_id) < 0 ||
        attachments_or_reply(rq, rs, names, &att) != 0)
        return -1;
    if (body_int(rq, rs, "category_id", &in.category_id) <= 0)
        return rs->status ? -1 : reply_bad_request(rs, "category_id", "缺少必填字段 category_id（诉求类别）");
    if (body_int(rq, rs, "grid_id", &in.grid_id) <= 0)
        return rs->status ? -1 : reply_bad_request(rs, "grid_id", "缺少必填字段 grid_id（所在网格）");
    json_t *pt = json_object_get(rq->json, "point");
    if (pt && !json_is_null(pt)) {
        json_t *lng = json_object_get(pt, "lng"), *lat = json_object_get(pt, "lat");
        if (!json_is_object(pt) || !json_is_number(lng) || !json_is_number(lat))
            return reply_bad_request(rs, "point", "point 应为 {\"lng\": 经度, \"lat\": 纬度}");
        in.has_point = 1;
        in.lng = json_number_value(lng);
        in.lat = json_number_value(lat);
    }
    if (dept_account_refused(rq, rs, "部门账号不能登记工单"))
        return -1;
    char *att_json = att ? json_dumps(json_object_get(rq->json, "attachments"), JSON_COMPACT) : NULL;
    in.attachments_json = att_json;
    if (write_begin_or_reply(rq, rs) != 0) {
        free(att_json);
        return -1;
    }
    int64_t id = order_create(rq->db, &rq->user, rq->client_ip, &in, &err);
    free(att_json);
    if (id < 0)
        return write_fail_or_reply(rq, rs, &err);
    char detail[160];
    snprintf(detail, sizeof detail, "登记诉求工单 #%lld（%s）", (long long)id, order_source_label(in.source));
    return finish_or_reply(rq, rs, id, "demand_order_create", NULL, detail, 201);
}

/* ---- steps ------------------------------------------------------------------------- */

/* POST /api/v1/demands/orders/{id}/actions/<action> — one route per
 * action: assign (交办), reassign (改派), sign (签收), return (退单),
 * progress (办理进展), finish (办结), callback (回访). Roles: street,
 * community, grid, viewer; who may take which step in which state is
 * order_flow.c's table (assign, reassign: street; callback: street or
 * community) and the assignee rule (sign, progress, finish, return: the
 * assigned unit or a unit above it, or the assigned department's
 * accounts; a department's account takes no other step).
 * Body: opinion (required for return, reassign, progress; finish: the
 * result), attachments (names), and
 *   assign, reassign  unit_id (the order's grid or community) or
 *                     department_id (a department of the street); the
 *                     sign-for and handling due times are fixed from the
 *                     category's limits in working days from now
 *   finish            solved* (true: solved; false: answered only)
 *   callback          satisfaction* (satisfied|basic|dissatisfied); the
 *                     first dissatisfied sends the order back to 办理中
 *                     with a new handling due time, a second one archives it
 * Reply: the order page. Errors: 400 field; 403 role, level, not the
 * assignee; 404 not visible; 409 wrong state. */
static int order_step_route(request *rq, response *rs, const char *action)
{
    static const char *const FIELDS[] = {"opinion", "attachments", "unit_id", "department_id", "solved",
                                         "satisfaction", NULL};
    order_step_in in = {.solved = -1};
    const char *names[WF_MAX_ATTACHMENTS + 1];
    int solved = 0;
    demand_order *o;
    ms_err err = {0};
    if (body_only(rq, rs, FIELDS) != 0 || body_str(rq, rs, "opinion", &in.opinion) < 0 ||
        body_str(rq, rs, "satisfaction", &in.satisfaction) < 0 || body_int(rq, rs, "unit_id", &in.unit_id) < 0 ||
        body_int(rq, rs, "department_id", &in.dept_id) < 0 || attachments_or_reply(rq, rs, names, &in.attachments) != 0)
        return -1;
    int got = body_bool(rq, rs, "solved", &solved);
    if (got < 0)
        return -1;
    in.solved = got ? solved : -1;
    if (order_in_scope_or_reply(rq, rs, rq->id, &o) != 0)
        return -1;
    json_t *before = order_image(o);
    char detail[160];
    const wf_transition *tr = wf_transition_find(&DEMAND_ORDER, NULL, action);
    snprintf(detail, sizeof detail, "诉求工单 #%lld：%s", (long long)rq->id, tr ? tr->label : action);
    free(o);
    if (write_begin_or_reply(rq, rs) != 0) {
        json_decref(before);
        return -1;
    }
    if (order_step(rq->db, &rq->user, rq->client_ip, rq->id, action, &in, &err) != 0) {
        json_decref(before);
        return write_fail_or_reply(rq, rs, &err);
    }
    return finish_or_reply(rq, rs, rq->id, "demand_order_step", before, detail, 200);
}

#define STEP_ROUTE(name) \
    static int order_##name(request *rq, response *rs) { return order_step_route(rq, rs, #name); }
STEP_ROUTE(assign)
STEP_ROUTE(reassign)
STEP_ROUTE(sign)
STEP_ROUTE(return)
STEP_ROUTE(progress)
STEP_ROUTE(finish)
STEP_ROUTE(callback)

/* POST /api/v1/demands/orders/{id}/urge — roles: street, community (not a department's account).
 * Body: note* (1–500 characters). 催办: recorded with who and when, shown
 * on the order page (urges); the state does not change. Reply: the order
 * page. Errors: 400 note; 403; 404; 409 not 待签收 or 办理中. */
static int order_urge_route(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"note", NULL};
    const char *note = NULL;
    demand_order *o;
    ms_err err = {0};
    if (body_only(rq, rs, FIELDS) != 0 || body_str(rq, rs, "note", &note) < 0 ||
        order_in_scope_or_reply(rq, rs, rq->id, &o) != 0)
        return -1;
    free(o);
    if (dept_account_refused(rq, rs, "部门账号不能催办") || write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (order_urge_add(rq->db, &rq->user, rq->id, note, NULL, &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    char detail[160];
    snprintf(detail, sizeof detail, "催办诉求工单 #%lld", (long long)rq->id);
    return finish_or_reply(rq, rs, rq->id, "demand_order_urge", NULL, detail, 200);
}

/* POST /api/v1/demands/orders/{id}/duplicate — roles: street (not a department's account).
 * Body: other_id* (another order visible to the caller), decision*
 * (merge: this order is a duplicate of other_id and goes to 已合并,
 * before it is signed for; distinct: not a duplicate, both stay and the
 * pair is never flagged again). Reply: the order page. Errors: 400
 * field; 403; 404 either order not visible; 409 the pair already
 * decided, this order past 待签收, other_id merged itself. */
static int order_duplicate_route(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"other_id", "decision", NULL};
    const char *decision = NULL;
    int64_t other = 0;
    demand_order *o, *x;
    ms_err err = {0};
    if (body_only(rq, rs, FIELDS) != 0 || body_str_required(rq, rs, "decision", &decision) < 0)
        return -1;
    if (body_int(rq, rs, "other_id", &other) <= 0)
        return rs->status ? -1 : reply_bad_request(rs, "other_id", "缺少必填字段 other_id（另一张工单）");
    if (order_in_scope_or_reply(rq, rs, rq->id, &o) != 0)
        return -1;
    free(o);
    if (other == rq->id)
        return reply_bad_request(rs, "other_id", "不能与工单自身比较");
    if (order_in_scope_or_reply(rq, rs, other, &x) != 0)
        return -1;
    free(x);
    if (dept_account_refused(rq, rs, "部门账号不能判定重复工单") || write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (order_decide_duplicate(rq->db, &rq->user, rq->client_ip, rq->id, other, decision, NULL, &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    char detail[160];
    snprintf(detail, sizeof detail, "工单 #%lld 与 #%lld：%s", (long long)rq->id, (long long)other,
             strcmp(decision, "merge") == 0 ? "合并为重复工单" : "不是重复工单");
    return finish_or_reply(rq, rs, rq->id, "demand_duplicate_decide", NULL, detail, 200);
}

/* ---- read -------------------------------------------------------------------------- */

/* GET /api/v1/demands/orders/{id} — roles: street, community, grid, viewer.
 * Visible: a department's account the orders assigned to its
 * department; everyone else the orders of grids in scope. Reply: the
 * order (see docs/api.md) with reporter_name, phone (masked), content,
 * attachments, point, result, solved, satisfaction, timeline [{at,
 * action, action_label, state, state_label, opinion, by, attachments}],
 * actions the caller may take, urges [{at, by, note}] and
 * possible_duplicates. Errors: 404 not visible. */
static int order_get_route(request *rq, response *rs)
{
    demand_order *o;
    if (order_in_scope_or_reply(rq, rs, rq->id, &o) != 0)
        return -1;
    json_t *j = order_page_json(rq, o);
    free(o);
    return reply_json(rs, 200, j);
}

/* GET /api/v1/demands/orders — roles: street, community, grid, viewer.
 * Query: state (a state code), source, category_id (the category and its
 * sub-categories), org_unit_id (a community or grid in scope; default
 * the caller's unit), mine=1 (assigned to the caller's unit or
 * department), overdue=1 (past the handling due time, not finished),
 * supervised=1 (督办: past it before finishing), unsigned=1 (待签收 past
 * the sign-for due time), callback_due=1 (待回访), sort (-id default;
 * handle_due_at, -handle_due_at), page, page_size (20|50|100, default
 * 50). A department's account lists its department's orders only.
 * Reply: {items, page, page_size, total, total_is_estimate}; each item
 * as on the order page without the page's extras, the reporter's name
 * and phone masked. Errors: 400 parameter; 404 org unit outside scope. */
static int order_list_route(request *rq, response *rs)
{
    static const char *const SOURCES[] = {"hotline", "petition", "walkin", "patrol", "online", NULL};
    static const char *const SORT_KEYS[] = {"-id", "c.id", "handle_due_at", "o.handle_due_at", NULL};
    const char *state = req_query(rq, "state"), *source = req_query(rq, "source");
    char end[256], now[20], suffix[200];
    int64_t category = 0;
    page_req pg;
    org_unit u;
    query q;
    if (state && *state && !wf_state_find(&DEMAND_ORDER, state))
        return reply_bad_request(rs, "state", "state 不是工单的状态（registered、assigned、handling、finished、archived、merged）");
    if (source && *source && !str_in_set(source, SOURCES))
        return reply_bad_request(rs, "source", "source 只能是 hotline、petition、walkin、patrol 或 online");
    if (req_query_int(rq, rs, "category_id", 0, 1, INT64_MAX, &category) < 0 ||
        page_size_choice_or_reply(rq, rs) != 0 || req_page(rq, rs, SORT_KEYS, &pg) != 0 ||
        org_unit_param_or_reply(rq, rs, "org_unit_id", &u) != 0)
        return -1;
    int64_t dept = dept_of_user(rq->db, rq->user.id);
    if (dept < 0)
        return reply_internal(rs);
    db_now(now);
    org_path_end(u.path, end);
    q_init(&q, "");
    q_where(&q, "c.org_path >= ? AND c.org_path < ?");
    q_bind_text(&q, u.path);
    q_bind_text(&q, end);
    if (dept) {
        q_where(&q, "o.assignee_dept_id = ?");
        q_bind_int(&q, dept);
    }
    if (state && *state) {
        q_where(&q, "c.state = ?");
        q_bind_text(&q, state);
    }
    if (source && *source) {
        q_where(&q, "o.source = ?");
        q_bind_text(&q, source);
    }
    if (category) {
        q_where(&q, "(k.id = ? OR k.parent_id = ?)");
        q_bind_int(&q, category);
        q_bind_int(&q, category);
    }
    if (req_query_flag(rq, "mine") && !dept) {   /* a department's account sees only its own already */
        q_where(&q, "o.assignee_unit_id = ?");
        q_bind_int(&q, rq->user.org_unit_id);
    }
    static const struct { const char *param, *sql; } FLAGS[] = {
        {"overdue", ORDER_SQL_OVERDUE}, {"supervised", ORDER_SQL_SUPERVISED}, {"unsigned", ORDER_SQL_UNSIGNED_LATE}};
    for (size_t i = 0; i < sizeof FLAGS / sizeof FLAGS[0]; i++)
        if (req_query_flag(rq, FLAGS[i].param)) {
            q_where(&q, FLAGS[i].sql);
            q_bind_text(&q, now);
        }
    if (req_query_flag(rq, "callback_due"))
        q_where(&q, "c.state = 'finished'");
    int64_t total;
    snprintf(suffix, sizeof suffix, " ORDER BY %s, c.id DESC LIMIT ? OFFSET ?", pg.order_by);
    db_stmt *s = page_query_or_reply(rq, rs, "SELECT COUNT(*)" ORDER_FROM, ORDER_SELECT, &q, suffix, &pg, &total);
    q_free(&q);
    if (!s)
        return -1;
    json_t *items = json_array();
    demand_order *o = calloc(1, sizeof *o);
    while (o && db_step(s) == DB_ROW) {
        order_from_row(s, o);
        json_array_append_new(items, order_row_json(o, now));
    }
    free(o);
    db_finalize(s);
    return reply_json(rs, 200, page_result(items, &pg, total));
}

#define ACTION(a) \
    {.method = "POST", .pattern = "/api/v1/demands/orders/{id}/actions/" #a, .handler = order_##a, .roles = R_STEP}

const route demand_order_routes[] = {
    {.method = "POST", .pattern = "/api/v1/demands/orders", .handler = order_create_route, .roles = R_FILE},
    {.method = "GET", .pattern = "/api/v1/demands/orders", .handler = order_list_route, .roles = R_READ},
    {.method = "GET", .pattern = "/api/v1/demands/orders/{id}", .handler = order_get_route, .roles = R_READ},
    {.method = "POST", .pattern = "/api/v1/demands/orders/{id}/urge", .handler = order_urge_route, .roles = R_URGE},
    {.method = "POST", .pattern = "/api/v1/demands/orders/{id}/duplicate", .handler = order_duplicate_route,
     .roles = R_DESK},
    ACTION(assign),
    ACTION(reassign),
    ACTION(sign),
    ACTION(return),
    ACTION(progress),
    ACTION(finish),
    ACTION(callback),
    {0}
};
