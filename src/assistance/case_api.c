/* case_api.c — the /api/v1/assistance/cases routes (assist_case_routes):
 * file an application, take a step of its workflow with what the step
 * records, list the cases in scope, and the case page's data. Translates
 * HTTP to case.h calls and back; owns what a reply shows of a case (ID
 * numbers masked, the bank account as its last four digits). */
#include "assistance/assist_api.h"
#include "assistance/case.h"
#include "server/write.h"
#include "util/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define R_FILE  (ROLE_STREET | ROLE_COMMUNITY | ROLE_GRID)
#define R_READ  (ROLE_STREET | ROLE_COMMUNITY | ROLE_GRID)

/* ---- what a reply shows ------------------------------------------------------------ */

static json_t *opt_fen(int64_t v)
{
    return v < 0 ? json_null() : json_integer(v);
}

static json_t *opt_str(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *actions_json(request *rq, const assist_case *k)
{
    wf_action acts[WF_MAX_ACTIONS];
    ms_err e;
    json_t *a = json_array();
    int n = wf_allowed_actions(rq->db, case_type_of(k), &k->c, &rq->user, acts, WF_MAX_ACTIONS, &e);
    for (int i = 0; i < n; i++) {
        if (strcmp(acts[i].action, "publish") == 0)
            continue;   /* 公示 is taken through the notice */
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:b}", "action", acts[i].action, "label", acts[i].label,
                                           "to_label", acts[i].to_label, "opinion_required", acts[i].opinion_required));
    }
    return a;
}

/* The case as every reply shows it (the list's rows leave out actions). */
static json_t *case_json(request *rq, const assist_case *k, int with_actions)
{
    char now[20];
    const wf_state *st = wf_state_find(case_type_of(k), k->c.state);
    db_now(now);
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(k->c.id));
    json_object_set_new(j, "title", json_string(k->c.title));
    json_object_set_new(j, "programme", json_pack("{s:s, s:s, s:s}", "code", k->programme_code, "name",
                                                  k->programme_name, "calc_kind", k->calc_kind));
    json_object_set_new(j, "state", json_string(k->c.state));
    json_object_set_new(j, "state_label", json_string(st ? st->label : k->c.state));
    json_object_set_new(j, "household_id", json_integer(k->household_id));
    json_object_set_new(j, "household_code", json_string(k->household_code));
    json_object_set_new(j, "resident_id", json_integer(k->resident_id));
    json_object_set_new(j, "applicant_name", json_string(k->applicant_name));
    json_object_set_new(j, "area", json_string(k->area));
    json_object_set_new(j, "band_key", json_string(k->band_key));
    json_object_set_new(j, "source", json_string(k->source));
    json_object_set_new(j, "reason", json_string(k->reason));
    json_object_set_new(j, "members_counted", opt_fen(k->members_counted));
    json_object_set_new(j, "income_fen", opt_fen(k->income_fen));
    json_object_set_new(j, "requested_fen", opt_fen(k->requested_fen));
    json_object_set_new(j, "amount_fen", opt_fen(k->amount_fen));
    json_object_set_new(j, "standard_id", opt_fen(k->standard_id));
    json_object_set_new(j, "review_class", opt_str(k->review_class));
    json_object_set_new(j, "next_review_on", opt_str(k->next_review_on));
    json_object_set_new(j, "start_month", opt_str(k->start_month));
    json_object_set_new(j, "end_month", opt_str(k->end_month));
    json_object_set_new(j, "conflict", json_boolean(k->conflict_note[0] != '\0'));
    json_object_set_new(j, "conflict_note", opt_str(k->conflict_note));
    json_object_set_new(j, "stop_flag", opt_str(k->stop_flag));
    json_object_set_new(j, "created_at", json_string(k->c.created_at));
    json_object_set_new(j, "due_at", opt_str(k->c.due_at));
    json_object_set_new(j, "overdue", json_boolean(wf_is_overdue(&k->c, now)));
    json_object_set_new(j, "closed_at", opt_str(k->c.closed_at));
    json_object_set_new(j, "version", json_integer(k->version));
    if (with_actions)
        json_object_set_new(j, "actions", actions_json(rq, k));
    return j;
}

/* Loads case {id} in the caller's scope: 0, or -1 with a 404 (500). */
static int case_in_scope_or_reply(request *rq, response *rs, int64_t id, assist_case *out)
{
    int rc = case_get(rq->db, id, out);
    if (rc < 0)
        return reply_internal(rs), -1;
    if (rc > 0 || !scope_contains(rq, out->c.org_path))
        return reply_not_found(rs, "救助案件"), -1;
    return 0;
}

/* The audit image of a case: its record without names or ID numbers. */
static json_t *case_image(const assist_case *k)
{
    return json_pack("{s:s, s:s, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "programme", k->programme_code,
                     "state", k->c.state, "household_id", (json_int_t)k->household_id, "resident_id",
                     (json_int_t)k->resident_id, "members_counted", opt_fen(k->members_counted), "income_fen",
                     opt_fen(k->income_fen), "amount_fen", opt_fen(k->amount_fen), "review_class",
                     opt_str(k->review_class), "start_month", opt_str(k->start_month), "end_month",
                     opt_str(k->end_month), "stop_flag", opt_str(k->stop_flag));
}

/* Ends a write on case id: commits with the record's audit row (action,
 * before-image `before` stolen, may be NULL) and replies the case. */
static int finish_or_reply(request *rq, response *rs, int64_t id, const char *action, json_t *before,
                           const char *detail, int status)
{
    assist_case k;
    if (case_get(rq->db, id, &k) != 0) {
        json_decref(before);
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    }
    json_t *after = case_image(&k), *body = case_json(rq, &k, 1);
    reply_etag(rs, k.version);
    int rc = write_commit_or_reply(rq, rs,
                                   &(audit_entry){.action = action, .entity = "assistance_case", .entity_id = id,
                                                  .org_path = k.c.org_path, .before = before, .after = after,
                                                  .detail = detail},
                                   status, body);
    json_decref(before);
    json_decref(after);
    return rc;
}

/* ---- file -------------------------------------------------------------------------- */

/* POST /api/v1/assistance/cases — roles: street, community, grid (in scope).
 * Body: programme* (code), household_id*, resident_id* (the applicant;
 * for per-person and one-off programmes the beneficiary; a member of the
 * household), area (urban|rural; default from the applicant's hukou_type:
 * 农村 → rural), band_key (programmes banded by kind: one of
 * settings.bands), reason, requested_fen (one-off only, > 0), source
 * (application|policy_find). Reply 201: the case (as GET /cases/{id}
 * without the page's extras) with ETag. Errors: 400 field; 404 household
 * or resident outside scope; 409 a duplicate (`conflicts`: [{case_id,
 * person, programme, state_label, excludes}]), the applicant deceased or
 * moved out, the household closed. */
static int case_create_route(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"programme", "household_id", "resident_id", "area", "band_key", "reason",
                                         "requested_fen", "source", NULL};
    case_new in = {0};
    case_conflict conflicts[CASE_MAX_CONFLICTS];
    size_t nconf = 0;
    ms_err err = {0};
    if (body_only(rq, rs, FIELDS) != 0 || body_str_required(rq, rs, "programme", &in.programme) < 0)
        return -1;
    if (body_int(rq, rs, "household_id", &in.household_id) <= 0)
        return rs->status ? -1 : reply_bad_request(rs, "household_id", "缺少必填字段 household_id（申请户）");
    if (body_int(rq, rs, "resident_id", &in.resident_id) <= 0)
        return rs->status ? -1 : reply_bad_request(rs, "resident_id", "缺少必填字段 resident_id（申请人）");
    if (body_str(rq, rs, "area", &in.area) < 0 || body_str(rq, rs, "band_key", &in.band_key) < 0 ||
        body_str(rq, rs, "reason", &in.reason) < 0 || body_str(rq, rs, "source", &in.source) < 0 ||
        body_int(rq, rs, "requested_fen", &in.requested_fen) < 0)
        return -1;
    if (write_begin_or_reply(rq, rs) != 0)
        return -1;
    int64_t id = case_create(rq->db, &rq->user, rq->client_ip, &in, conflicts, &nconf, &err);
    if (id < 0) {
        write_fail_or_reply(rq, rs, &err);
        if (nconf > 0) {
            json_t *a = json_array();
            for (size_t i = 0; i < nconf; i++)
                json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s, s:b}", "case_id",
                                                   (json_int_t)conflicts[i].case_id, "person", conflicts[i].person,
                                                   "programme", conflicts[i].programme, "state_label",
                                                   conflicts[i].state_label, "excludes", conflicts[i].excludes));
            json_object_set_new(rs->json, "conflicts", a);
        }
        return -1;
    }
    return finish_or_reply(rq, rs, id, "assist_case_create", NULL, "救助申请", 201);
}

/* ---- steps ------------------------------------------------------------------------- */

/* A string array (or one string) of names joined with "、" into out:
 * the number of names, or -1 when the value is neither. */
static int join_names(json_t *v, char *out, size_t outsz)
{
    size_t i, n = 0;
    int count = 0;
    json_t *it;
    out[0] = '\0';
    if (json_is_string(v)) {
        snprintf(out, outsz, "%s", json_string_value(v));
        return *out ? 1 : 0;
    }
    if (!json_is_array(v))
        return -1;
    json_array_foreach(v, i, it) {
        const char *s = json_string_value(it);
        if (!s)
            return -1;
        if (!*s)
            continue;
        n += (size_t)snprintf(out + n, n < outsz ? outsz - n : 0, "%s%s", count ? "、" : "", s);
        if (n >= outsz)
            return -1;
        count++;
    }
    return count;
}

/* A member of "members": {resident_id | name, relation, counted, incomes: [{source, monthly_fen}]}. */
static int member_or_reply(response *rs, json_t *v, size_t i, case_member_in *m)
{
    static const char *const KEYS[] = {"resident_id", "name", "relation", "counted", "incomes", NULL};
    const char *key;
    json_t *x;
    if (!json_is_object(v))
        return reply_bad_request(rs, "members", "members 的每一项应为对象"), -1;
    json_object_foreach(v, key, x) {
        if (!str_in_set(key, KEYS))
            return reply_error(rs, 400, "bad_request", "members", "第%zu位成员有未知字段 %s", i + 1, key), -1;
    }
    x = json_object_get(v, "resident_id");
    if (x && !json_is_null(x) && (!json_is_integer(x) || json_integer_value(x) <= 0))
        return reply_error(rs, 400, "bad_request", "members", "第%zu位成员的 resident_id 应为正整数", i + 1), -1;
    m->resident_id = json_is_integer(x) ? json_integer_value(x) : 0;
    m->name = json_string_value(json_object_get(v, "name"));
    m->relation = json_string_value(json_object_get(v, "relation"));
    x = json_object_get(v, "counted");
    if (x && !json_is_boolean(x))
        return reply_error(rs, 400, "bad_request", "members", "第%zu位成员的 counted 应为 true 或 false", i + 1), -1;
    m->counted = !x || json_is_true(x);
    json_t *incomes = json_object_get(v, "incomes");
    if (incomes && !json_is_array(incomes))
        return reply_error(rs, 400, "bad_request", "members", "第%zu位成员的 incomes 应为数组", i + 1), -1;
    if (json_array_size(incomes) > CASE_MAX_INCOMES)
        return reply_error(rs, 400, "bad_request", "members", "每位成员的收入不能超过%d项", CASE_MAX_INCOMES), -1;
    size_t j;
    json_array_foreach(incomes, j, x) {
        json_t *fen = json_object_get(x, "monthly_fen");
        const char *src = json_string_value(json_object_get(x, "source"));
        if (!src || !json_is_integer(fen))
            return reply_error(rs, 400, "bad_request", "members", "第%zu位成员的收入须有 source 和 monthly_fen（整数，分）",
                               i + 1),
                   -1;
        m->incomes[j] = (case_income_in){src, json_integer_value(fen)};
    }
    m->nincomes = json_array_size(incomes);
    return 0;
}

/* What a step's body carries, parsed. Strings borrowed from rq->json. */
typedef struct step_body {
    case_step_in in;
    case_investigation_in inv;
    case_review_in rev;
    case_member_in members[CASE_MAX_MEMBERS];
    const char *attachments[WF_MAX_ATTACHMENTS + 2];
    char investigators[512], participants[2048];
} step_body;

static int int_field(json_t *o, const char *key, int64_t *out)
{
    json_t *v = json_object_get(o, key);
    *out = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v))
        return -1;
    *out = json_integer_value(v);
    return 0;
}

static int step_body_or_reply(request *rq, response *rs, step_body *b)
{
    static const char *const FIELDS[] = {"opinion", "attachments", "version", "investigation", "members", "review",
                                         "start_month", "end_month", "review_class", "band_key", NULL};
    case_step_in *in = &b->in;
    int64_t v = 0;
    if (body_only(rq, rs, FIELDS) != 0 || body_str(rq, rs, "opinion", &in->opinion) < 0 ||
        body_str(rq, rs, "start_month", &in->start_month) < 0 || body_str(rq, rs, "end_month", &in->end_month) < 0 ||
        body_str(rq, rs, "review_class", &in->review_class) < 0 || body_str(rq, rs, "band_key", &in->band_key) < 0 ||
        body_int(rq, rs, "version", &v) < 0 || if_match_or_reply(rq, rs, &in->if_version) != 0)
        return -1;
    if (v > 0 && in->if_version == 0)
        in->if_version = v;
    json_t *att = rq->json ? json_object_get(rq->json, "attachments") : NULL;
    if (att && !json_is_null(att)) {
        if (!json_is_array(att) || json_array_size(att) > WF_MAX_ATTACHMENTS)
            return reply_bad_request(rs, "attachments", "attachments 应为附件名称的数组（至多20个）");
        size_t i;
        json_t *x;
        json_array_foreach(att, i, x) {
            if (!json_is_string(x))
                return reply_bad_request(rs, "attachments", "附件名称应为字符串");
            b->attachments[i] = json_string_value(x);
        }
        b->attachments[json_array_size(att)] = NULL;
        in->attachments = b->attachments;
    }
    json_t *inv = rq->json ? json_object_get(rq->json, "investigation") : NULL;
    if (inv && !json_is_null(inv)) {
        if (!json_is_object(inv))
            return reply_bad_request(rs, "investigation", "investigation 应为对象");
        b->inv.investigated_on = json_string_value(json_object_get(inv, "investigated_on"));
        int n = join_names(json_object_get(inv, "investigators"), b->investigators, sizeof b->investigators);
        if (n < 2)
            return reply_bad_request(rs, "investigation.investigators", "入户调查须由至少两名调查人员进行（investigators：姓名数组）");
        b->inv.investigators = b->investigators;
        if (int_field(inv, "deposits_fen", &b->inv.deposits_fen) != 0)
            return reply_bad_request(rs, "investigation.deposits_fen", "deposits_fen 应为整数（分）");
        b->inv.housing = json_string_value(json_object_get(inv, "housing"));
        b->inv.vehicles = json_string_value(json_object_get(inv, "vehicles"));
        b->inv.assets_note = json_string_value(json_object_get(inv, "assets_note"));
        b->inv.conclusion = json_string_value(json_object_get(inv, "conclusion"));
        in->investigation = &b->inv;
    }
    json_t *members = rq->json ? json_object_get(rq->json, "members") : NULL;
    if (members && !json_is_null(members)) {
        if (!json_is_array(members) || json_array_size(members) > CASE_MAX_MEMBERS)
            return reply_bad_request(rs, "members", "members 应为家庭成员的数组（至多30人）");
        size_t i;
        json_t *x;
        json_array_foreach(members, i, x) {
            if (member_or_reply(rs, x, i, &b->members[i]) != 0)
                return -1;
        }
        in->members = b->members;
        in->nmembers = json_array_size(members);
        in->has_members = 1;
    }
    json_t *rev = rq->json ? json_object_get(rq->json, "review") : NULL;
    if (rev && !json_is_null(rev)) {
        if (!json_is_object(rev))
            return reply_bad_request(rs, "review", "review 应为对象");
        b->rev.held_on = json_string_value(json_object_get(rev, "held_on"));
        if (join_names(json_object_get(rev, "participants"), b->participants, sizeof b->participants) < 1)
            return reply_bad_request(rs, "review.participants", "请填写参加评议的人员（participants）");
        b->rev.participants = b->participants;
        if (int_field(rev, "votes_for", &b->rev.votes_for) != 0 ||
            int_field(rev, "votes_against", &b->rev.votes_against) != 0 ||
            int_field(rev, "votes_abstain", &b->rev.votes_abstain) != 0)
            return reply_bad_request(rs, "review", "票数应为整数");
        b->rev.notes = json_string_value(json_object_get(rev, "notes"));
        in->review = &b->rev;
    }
    return 0;
}

/* POST /api/v1/assistance/cases/{id}/actions/<action> — one route per
 * action: accept, reject, withdraw, investigate, review_pass,
 * review_fail, return, check, publish (refused: 公示 goes through the
 * notice), approve, grant, adjust, stop. Roles: street, community, grid;
 * who may take which step in which state is case_flow.c's table (grid:
 * withdraw only; community: 受理 to 社区审核 and 社区审批 of a one-off
 * within its ceiling; street: approve, adjust, stop).
 * Body: opinion (required where the table says), attachments (names),
 * version (or If-Match), and the action's payload:
 *   investigate  investigation* {investigated_on*, investigators* (≥ 2
 *                names), deposits_fen, housing, vehicles, assets_note,
 *                conclusion}, members* [{resident_id | name, relation,
 *                counted (default true), incomes: [{source, monthly_fen}]}]
 *   review_pass, review_fail  review* {held_on*, participants*,
 *                votes_for, votes_against, votes_abstain, notes}
 *   approve      start_month (YYYY-MM, not before the application's
 *                month; default this month), review_class (A|B|C)
 *   adjust       members, band_key, review_class
 *   stop         end_month (default this month)
 * Reply: the case (ETag). Errors: 400 field, opinion, a member not of the
 * household, deceased or moved out; 403 role, level, or 回避 (a
 * registered close relative of the caller in the household); 404 not in
 * scope; 409 wrong state, notice not ended or objection open, above the
 * one-off ceiling, no standard in force, publish; 412 stale version. */
static int case_step_route(request *rq, response *rs, const char *action)
{
    assist_case before;
    ms_err err = {0};
    step_body *b = calloc(1, sizeof *b);
    if (!b)
        return reply_internal(rs);
    int rc = -1;
    if (step_body_or_reply(rq, rs, b) != 0 || case_in_scope_or_reply(rq, rs, rq->id, &before) != 0 ||
        write_begin_or_reply(rq, rs) != 0)
        goto out;
    if (case_step(rq->db, &rq->user, rq->client_ip, rq->id, action, &b->in, &err) != 0) {
        rc = write_fail_or_reply(rq, rs, &err);
        goto out;
    }
    char detail[160];
    const wf_transition *tr = NULL;
    for (const wf_transition *t = case_type_of(&before)->transitions; t->from; t++)
        if (strcmp(t->from, before.c.state) == 0 && strcmp(t->action, action) == 0)
            tr = t;
    snprintf(detail, sizeof detail, "救助案件 #%lld：%s", (long long)rq->id, tr ? tr->label : action);
    rc = finish_or_reply(rq, rs, rq->id, "assist_case_step", case_image(&before), detail, 200);
out:
    free(b);
    return rc;
}

#define STEP_ROUTE(name)                                                              \
    static int case_##name(request *rq, response *rs) { return case_step_route(rq, rs, #name); }
STEP_ROUTE(accept)
STEP_ROUTE(reject)
STEP_ROUTE(withdraw)
STEP_ROUTE(investigate)
STEP_ROUTE(review_pass)
STEP_ROUTE(review_fail)
STEP_ROUTE(return)
STEP_ROUTE(check)
STEP_ROUTE(publish)
STEP_ROUTE(approve)
STEP_ROUTE(grant)
STEP_ROUTE(adjust)
STEP_ROUTE(stop)

/* ---- read -------------------------------------------------------------------------- */

/* GET /api/v1/assistance/cases/{id} — roles: street, community, grid (in scope).
 * Reply: the case with actions the caller may take now. Errors: 404. */
static int case_get_route(request *rq, response *rs)
{
    assist_case k;
    if (case_in_scope_or_reply(rq, rs, rq->id, &k) != 0)
        return -1;
    reply_etag(rs, k.version);
    return reply_json(rs, 200, case_json(rq, &k, 1));
}

#define ACTION(a) \
    {.method = "POST", .pattern = "/api/v1/assistance/cases/{id}/actions/" #a, .handler = case_##a, .roles = R_FILE}

const route assist_case_routes[] = {
    {.method = "POST", .pattern = "/api/v1/assistance/cases", .handler = case_create_route, .roles = R_FILE},
    {.method = "GET", .pattern = "/api/v1/assistance/cases/{id}", .handler = case_get_route, .roles = R_READ},
    ACTION(accept),
    ACTION(reject),
    ACTION(withdraw),
    ACTION(investigate),
    ACTION(review_pass),
    ACTION(review_fail),
    ACTION(return),
    ACTION(check),
    ACTION(publish),
    ACTION(approve),
    ACTION(grant),
    ACTION(adjust),
    ACTION(stop),
    {0}
};
