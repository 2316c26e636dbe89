/* case_api.c — the /api/v1/assistance/cases routes (assist_case_routes):
 * file an application, take a step of its workflow with what the step
 * records, list the cases in scope, and the case page's data. Translates
 * HTTP to case.h calls and back; owns what a reply shows of a case (ID
 * numbers masked, the bank account as its last four digits). */
#include "assistance/assist_api.h"
#include "assistance/case.h"
#include "assistance/case_flow.h"
#include "assistance/relative.h"
#include "registry/org.h"
#include "registry/registry_api.h"
#include "server/write.h"
#include "storage/query.h"
#include "util/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define R_FILE  (ROLE_STREET | ROLE_COMMUNITY | ROLE_GRID)
#define R_READ  (ROLE_STREET | ROLE_COMMUNITY | ROLE_GRID)
#define R_BANK  (ROLE_STREET | ROLE_COMMUNITY)

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

/* The bank account as every view shows it: the last four digits only. */
static json_t *bank_json(const assist_case *k)
{
    char shown[16];
    if (!k->account_tail[0])
        return json_null();
    snprintf(shown, sizeof shown, "**** %s", k->account_tail);
    return json_pack("{s:s, s:s, s:s}", "bank_name", k->bank_name, "account_name", k->account_name, "account", shown);
}

/* The case as every reply shows it (the list's rows leave out actions). */
static json_t *case_json(request *rq, const assist_case *k, int with_actions)
{
    char now[20];
    db_now(now);
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(k->c.id));
    json_object_set_new(j, "title", json_string(k->c.title));
    json_object_set_new(j, "programme", json_pack("{s:s, s:s, s:s}", "code", k->programme_code, "name",
                                                  k->programme_name, "calc_kind", k->calc_kind));
    json_object_set_new(j, "state", json_string(k->c.state));
    json_object_set_new(j, "state_label", json_string(assist_state_label(k->c.state)));
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
    json_object_set_new(j, "bank", bank_json(k));
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

static void add_record_image(request *rq, int64_t id, json_t *image);

/* Ends a write on case id: commits with the record's audit row (action,
 * before-image `before` stolen, may be NULL; with_record: the images
 * carry the members, investigation and review) and replies the case. */
static int finish_or_reply(request *rq, response *rs, int64_t id, const char *action, json_t *before,
                           int with_record, const char *detail, int status)
{
    assist_case k;
    if (case_get(rq->db, id, &k) != 0) {
        json_decref(before);
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    }
    json_t *after = case_image(&k), *body = case_json(rq, &k, 1);
    if (with_record)
        add_record_image(rq, id, after);
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
    return finish_or_reply(rq, rs, id, "assist_case_create", NULL, 0, "救助申请", 201);
}

/* ---- steps ------------------------------------------------------------------------- */

/* Appends name to out ("、" between names); 0, or -1 when out is full. */
static int add_name(char *out, size_t outsz, size_t *n, int *count, const char *name, size_t len)
{
    if (len == 0)
        return 0;
    int w = snprintf(out + *n, outsz - *n, "%s%.*s", *count ? "、" : "", (int)len, name);
    if (w < 0 || (size_t)w >= outsz - *n)
        return -1;
    *n += (size_t)w;
    (*count)++;
    return 0;
}

/* Names given as a string array, or as one string separated by "、",
 * "，", "," or spaces, joined with "、" into out: the number of names,
 * or -1 when the value is neither or too long. */
static int join_names(json_t *v, char *out, size_t outsz)
{
    static const char *const SEPS[] = {"、", "，", ",", " ", NULL};
    size_t i, n = 0;
    int count = 0;
    json_t *it;
    out[0] = '\0';
    if (json_is_string(v)) {
        const char *p = json_string_value(v), *start = p;
        while (*p) {
            size_t sl = 0;
            for (size_t k = 0; SEPS[k] && !sl; k++)
                if (strncmp(p, SEPS[k], strlen(SEPS[k])) == 0)
                    sl = strlen(SEPS[k]);
            if (!sl) {
                p++;
                continue;
            }
            if (add_name(out, outsz, &n, &count, start, (size_t)(p - start)) != 0)
                return -1;
            p += sl;
            start = p;
        }
        return add_name(out, outsz, &n, &count, start, (size_t)(p - start)) != 0 ? -1 : count;
    }
    if (!json_is_array(v))
        return -1;
    json_array_foreach(v, i, it) {
        const char *s = json_string_value(it);
        if (!s || add_name(out, outsz, &n, &count, s, strlen(s)) != 0)
            return -1;
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
            return reply_bad_request(rs, "attachments", "attachments 应为附件名称的数组（至多20个）"), -1;
        size_t i;
        json_t *x;
        json_array_foreach(att, i, x) {
            if (!json_is_string(x))
                return reply_bad_request(rs, "attachments", "附件名称应为字符串"), -1;
            b->attachments[i] = json_string_value(x);
        }
        b->attachments[json_array_size(att)] = NULL;
        in->attachments = b->attachments;
    }
    json_t *inv = rq->json ? json_object_get(rq->json, "investigation") : NULL;
    if (inv && !json_is_null(inv)) {
        if (!json_is_object(inv))
            return reply_bad_request(rs, "investigation", "investigation 应为对象"), -1;
        b->inv.investigated_on = json_string_value(json_object_get(inv, "investigated_on"));
        int n = join_names(json_object_get(inv, "investigators"), b->investigators, sizeof b->investigators);
        if (n < 2)
            return reply_bad_request(rs, "investigation.investigators", "入户调查须由至少两名调查人员进行（investigators：姓名数组）"), -1;
        b->inv.investigators = b->investigators;
        if (int_field(inv, "deposits_fen", &b->inv.deposits_fen) != 0)
            return reply_bad_request(rs, "investigation.deposits_fen", "deposits_fen 应为整数（分）"), -1;
        b->inv.housing = json_string_value(json_object_get(inv, "housing"));
        b->inv.vehicles = json_string_value(json_object_get(inv, "vehicles"));
        b->inv.assets_note = json_string_value(json_object_get(inv, "assets_note"));
        b->inv.conclusion = json_string_value(json_object_get(inv, "conclusion"));
        in->investigation = &b->inv;
    }
    json_t *members = rq->json ? json_object_get(rq->json, "members") : NULL;
    if (members && !json_is_null(members)) {
        if (!json_is_array(members) || json_array_size(members) > CASE_MAX_MEMBERS)
            return reply_bad_request(rs, "members", "members 应为家庭成员的数组（至多30人）"), -1;
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
            return reply_bad_request(rs, "review", "review 应为对象"), -1;
        b->rev.held_on = json_string_value(json_object_get(rev, "held_on"));
        if (join_names(json_object_get(rev, "participants"), b->participants, sizeof b->participants) < 1)
            return reply_bad_request(rs, "review.participants", "请填写参加评议的人员（participants）"), -1;
        b->rev.participants = b->participants;
        if (int_field(rev, "votes_for", &b->rev.votes_for) != 0 ||
            int_field(rev, "votes_against", &b->rev.votes_against) != 0 ||
            int_field(rev, "votes_abstain", &b->rev.votes_abstain) != 0)
            return reply_bad_request(rs, "review", "票数应为整数"), -1;
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
    json_t *image = case_image(&before);   /* the record as it was: an investigation replaces it */
    add_record_image(rq, rq->id, image);
    if (case_step(rq->db, &rq->user, rq->client_ip, rq->id, action, &b->in, &err) != 0) {
        json_decref(image);
        rc = write_fail_or_reply(rq, rs, &err);
        goto out;
    }
    char detail[160];
    const wf_transition *tr = wf_transition_find(case_type_of(&before), before.c.state, action);
    snprintf(detail, sizeof detail, "救助案件 #%lld：%s", (long long)rq->id, tr ? tr->label : action);
    rc = finish_or_reply(rq, rs, rq->id, "assist_case_step", image, 1, detail, 200);
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

static json_t *members_json(const case_record *rec)
{
    json_t *a = json_array();
    for (size_t i = 0; i < rec->nmembers; i++) {
        const case_member *m = &rec->members[i];
        json_t *inc = json_array();
        int64_t sum = 0;
        for (size_t j = 0; j < m->nincomes; j++) {
            json_array_append_new(inc, json_pack("{s:s, s:I}", "source", m->incomes[j].source, "monthly_fen",
                                                 (json_int_t)m->incomes[j].monthly_fen));
            sum += m->incomes[j].monthly_fen;
        }
        json_array_append_new(a, json_pack("{s:o, s:s, s:s, s:b, s:o, s:I}", "resident_id",
                                           m->resident_id > 0 ? json_integer(m->resident_id) : json_null(), "name",
                                           m->name, "relation", m->relation, "counted", m->counted, "incomes", inc,
                                           "monthly_fen", (json_int_t)sum));
    }
    return a;
}

static json_t *record_json(const case_record *rec, json_t *j)
{
    json_object_set_new(j, "members", members_json(rec));
    json_object_set_new(j, "investigation",
                        rec->has_investigation
                            ? json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s}", "investigated_on",
                                        rec->investigated_on, "investigators", rec->investigators, "deposits_fen",
                                        (json_int_t)rec->deposits_fen, "housing", rec->housing, "vehicles",
                                        rec->vehicles, "assets_note", rec->assets_note, "conclusion", rec->conclusion,
                                        "recorded_at", rec->recorded_at)
                            : json_null());
    json_object_set_new(j, "review",
                        rec->has_review
                            ? json_pack("{s:s, s:s, s:I, s:I, s:I, s:s, s:s}", "held_on", rec->held_on, "participants",
                                        rec->participants, "votes_for", (json_int_t)rec->votes_for, "votes_against",
                                        (json_int_t)rec->votes_against, "votes_abstain",
                                        (json_int_t)rec->votes_abstain, "result", rec->result, "notes",
                                        rec->review_notes)
                            : json_null());
    return j;
}

/* Adds "record" (members, incomes, investigation, review as stored now)
 * to an audit image, when there is one. */
static void add_record_image(request *rq, int64_t id, json_t *image)
{
    case_record *rec = calloc(1, sizeof *rec);
    if (rec && case_record_load(rq->db, id, rec) == 0 && (rec->nmembers || rec->has_investigation || rec->has_review))
        json_object_set_new(image, "record", record_json(rec, json_object()));
    free(rec);
}

static json_t *timeline_json(request *rq, const assist_case *k)
{
    wf_timeline tl;
    ms_err e;
    json_t *a = json_array();
    if (wf_timeline_load(rq->db, case_type_of(k), &k->c, &tl, &e) != 0)
        return a;
    for (size_t i = 0; i < tl.n; i++) {
        const wf_event *ev = &tl.events[i];
        json_t *att = json_array();
        for (char **p = ev->attachments; *p; p++)
            json_array_append_new(att, json_string(*p));
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:o}", "at", ev->at, "action",
                                           ev->action, "action_label", ev->action_label, "state", ev->to_state,
                                           "state_label", ev->to_label, "opinion", ev->opinion, "by",
                                           ev->actor_name[0] ? ev->actor_name : NULL, "attachments", att));
    }
    wf_timeline_release(&tl);
    return a;
}

static json_t *notices_json(request *rq, int64_t id)
{
    case_notice n[16];
    json_t *a = json_array();
    int cnt = case_notices_load(rq->db, id, n, 16);
    for (int i = 0; i < cnt; i++)
        json_array_append_new(a, json_pack("{s:I, s:s, s:s?, s:s?, s:I, s:I}", "notice_id", (json_int_t)n[i].notice_id,
                                           "status", n[i].status, "posted_on", n[i].posted_on[0] ? n[i].posted_on : NULL,
                                           "ends_on", n[i].ends_on[0] ? n[i].ends_on : NULL, "objections",
                                           (json_int_t)n[i].objections, "open_objections",
                                           (json_int_t)n[i].open_objections));
    return a;
}

/* GET /api/v1/assistance/cases/{id} — roles: street, community, grid (in scope).
 * Reply: the case (see docs/api.md) and the page's extras: household
 * {id, code, address}, applicant {resident_id, name, id_number (masked)},
 * members [{resident_id, name, relation, counted, incomes, monthly_fen}],
 * investigation, review (null until recorded), timeline [{at, action,
 * action_label, state, state_label, opinion, by, attachments}], actions
 * the caller may take (none when the caller must recuse: recusal_note
 * says why), notices [{notice_id, status, posted_on, ends_on,
 * objections, open_objections}], bank {bank_name, account_name, account
 * "**** 1234"} or null. ETag: the version. Errors: 404 not in scope. */
static int case_get_route(request *rq, response *rs)
{
    assist_case k;
    char why[240] = "";
    if (case_in_scope_or_reply(rq, rs, rq->id, &k) != 0)
        return -1;
    case_record *rec = calloc(1, sizeof *rec);
    if (!rec || case_record_load(rq->db, k.c.id, rec) != 0) {
        free(rec);
        return reply_internal(rs);
    }
    json_t *j = case_json(rq, &k, 1);
    household h;
    int hrc = household_get(rq->db, k.household_id, &h);
    json_object_set_new(j, "household", json_pack("{s:I, s:s, s:s}", "id", (json_int_t)k.household_id, "code",
                                                  k.household_code, "address", hrc == 0 ? h.address : ""));
    json_object_set_new(j, "applicant", json_pack("{s:I, s:s, s:s}", "resident_id", (json_int_t)k.resident_id, "name",
                                                  k.applicant_name, "id_number", k.id_masked));
    record_json(rec, j);
    free(rec);
    json_object_set_new(j, "timeline", timeline_json(rq, &k));
    int conflicted = relative_conflict(rq->db, k.c.id, &rq->user, why, sizeof why);
    json_object_set_new(j, "recusal_note", conflicted > 0 ? json_string(why) : json_null());
    json_object_set_new(j, "notices", notices_json(rq, k.c.id));
    reply_etag(rs, k.version);
    return reply_json(rs, 200, j);
}

/* GET /api/v1/assistance/cases — roles: street, community, grid.
 * Query: state (a state code), programme (code), org_unit_id (the unit
 * and below; default the caller's), flagged (conflict: a registered
 * relative in the household | stop: a death or move-out flag | overdue:
 * open past its limit), q (part of the applicant's name), sort (-id
 * default, newest first; due_at, amount_fen, - for descending), page,
 * page_size (20|50|100, default 50). Reply: {items, page, page_size,
 * total, total_is_estimate}; each item: id, title, programme {code, name},
 * applicant_name, id_number (masked), household_code, community, grid,
 * state, state_label, due_at, overdue, conflict, stop_flag, amount_fen,
 * created_at. Errors: 400 parameter; 404 org unit outside scope. */
static int case_list_route(request *rq, response *rs)
{
    static const char *const FLAGS[] = {"conflict", "stop", "overdue", NULL};
    const char *state = req_query(rq, "state"), *programme = req_query(rq, "programme"),
               *flagged = req_query(rq, "flagged"), *qname = req_query(rq, "q");
    static const char *const SORT_KEYS[] = {"-id", "a.id", "due_at", "c.due_at", "amount_fen", "a.amount_fen", NULL};
    char end[256], now[20], suffix[200];
    page_req pg;
    org_unit u;
    query q;
    if (state && *state && !assist_state_find(state))
        return reply_bad_request(rs, "state", "state 不是救助案件的状态（applied、accepted、investigated、reviewed、checked、"
                                              "noticed、active、granted、rejected、withdrawn、stopped）");
    if (flagged && *flagged && !str_in_set(flagged, FLAGS))
        return reply_bad_request(rs, "flagged", "flagged 只能是 conflict（近亲属）、stop（停发标记）或 overdue（超期）");
    if (qname && utf8_length(qname) > 50)
        return reply_bad_request(rs, "q", "姓名关键字不能超过50个字");
    if (page_size_choice_or_reply(rq, rs) != 0 || req_page(rq, rs, SORT_KEYS, &pg) != 0 ||
        org_unit_param_or_reply(rq, rs, "org_unit_id", &u) != 0)
        return -1;
    org_path_end(u.path, end);
    q_init(&q, "");
    q_where(&q, "c.org_path >= ? AND c.org_path < ?");
    q_bind_text(&q, u.path);
    q_bind_text(&q, end);
    if (state && *state) {
        q_where(&q, "c.state = ?");
        q_bind_text(&q, state);
    }
    if (programme && *programme) {
        q_where(&q, "p.code = ?");
        q_bind_text(&q, programme);
    }
    if (flagged && strcmp(flagged, "conflict") == 0)
        q_where(&q, "a.conflict_note IS NOT NULL");
    else if (flagged && strcmp(flagged, "stop") == 0)
        q_where(&q, "a.stop_flag IS NOT NULL");
    else if (flagged && strcmp(flagged, "overdue") == 0) {
        q_where(&q, "c.closed_at IS NULL AND c.due_at < ?");
        q_bind_text(&q, db_now(now));
    }
    if (qname && *qname) {
        q_where(&q, db_sql(rq->db, "instr(r.name, ?) > 0", "strpos(r.name, ?) > 0"));
        q_bind_text(&q, qname);
    }
    int64_t total;
    snprintf(suffix, sizeof suffix, " ORDER BY %s, a.id DESC LIMIT ? OFFSET ?", pg.order_by);
    db_stmt *s = page_query_or_reply(rq, rs, "SELECT COUNT(*)" CASE_FROM, CASE_SELECT, &q, suffix, &pg, &total);
    q_free(&q);
    if (!s)
        return -1;
    json_t *items = json_array();
    assist_case k;
    db_now(now);
    while (db_step(s) == DB_ROW) {
        case_from_row(s, &k);
        json_t *it = json_object();
        json_object_set_new(it, "id", json_integer(k.c.id));
        json_object_set_new(it, "title", json_string(k.c.title));
        json_object_set_new(it, "programme", json_pack("{s:s, s:s}", "code", k.programme_code, "name", k.programme_name));
        json_object_set_new(it, "applicant_name", json_string(k.applicant_name));
        json_object_set_new(it, "id_number", json_string(k.id_masked));
        json_object_set_new(it, "household_code", json_string(k.household_code));
        json_object_set_new(it, "community", json_string(k.community_name));
        json_object_set_new(it, "grid", json_string(k.grid_name));
        json_object_set_new(it, "state", json_string(k.c.state));
        json_object_set_new(it, "state_label", json_string(assist_state_label(k.c.state)));
        json_object_set_new(it, "due_at", opt_str(k.c.due_at));
        json_object_set_new(it, "overdue", json_boolean(wf_is_overdue(&k.c, now)));
        json_object_set_new(it, "conflict", json_boolean(k.conflict_note[0] != '\0'));
        json_object_set_new(it, "stop_flag", opt_str(k.stop_flag));
        json_object_set_new(it, "amount_fen", opt_fen(k.amount_fen));
        json_object_set_new(it, "created_at", json_string(k.c.created_at));
        json_array_append_new(items, it);
    }
    db_finalize(s);
    return reply_json(rs, 200, page_result(items, &pg, total));
}

/* ---- bank account and decision ------------------------------------------------------ */

/* PUT /api/v1/assistance/cases/{id}/bank — roles: street, community (in scope).
 * Body: bank_name*, account_name*, account_number* (12–30 digits),
 * version (or If-Match). The number is stored encrypted; every view
 * shows "**** " and its last four digits; the audit row
 * (assist_bank_set) names the bank and the last four digits only.
 * Reply: the case. Errors: 400 field; 403 回避; 404; 409 rejected or
 * withdrawn; 412 stale version. */
static int case_bank_route(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"bank_name", "account_name", "account_number", "version", NULL};
    const char *bank = NULL, *name = NULL, *number = NULL;
    int64_t version = 0, body_version = 0;
    assist_case before;
    ms_err err = {0};
    if (body_only(rq, rs, FIELDS) != 0 || body_str_required(rq, rs, "bank_name", &bank) < 0 ||
        body_str_required(rq, rs, "account_name", &name) < 0 ||
        body_str_required(rq, rs, "account_number", &number) < 0 ||
        body_int(rq, rs, "version", &body_version) < 0 || if_match_or_reply(rq, rs, &version) != 0 ||
        case_in_scope_or_reply(rq, rs, rq->id, &before) != 0 || write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (case_set_bank(rq->db, &rq->user, rq->id, version ? version : body_version, bank, name, number, &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    char detail[200];
    snprintf(detail, sizeof detail, "救助案件 #%lld 发放账户：%s 尾号 %s", (long long)rq->id, bank,
             number + strlen(number) - 4);
    utf8_trim_partial(detail);
    return finish_or_reply(rq, rs, rq->id, "assist_bank_set", bank_json(&before), 0, detail, 200);
}

/* GET /api/v1/assistance/cases/{id}/decision — roles: street, community, grid (in scope).
 * Reply: the data of the printable decision (决定书): kind (approval |
 * rejection), title, case_id, decided_on, step (the deciding step's
 * label), applicant {name, id_number (masked)}, household {code,
 * address}, programme {code, name}, amount_fen, members_counted,
 * start_month, opinion (the reason of a rejection), street (the issuing
 * street's name). Each view is audited (assist_decision_view).
 * Errors: 404; 409 not decided yet. */
static int case_decision_route(request *rq, response *rs)
{
    assist_case k;
    case_decision d;
    ms_err err = {0};
    if (case_in_scope_or_reply(rq, rs, rq->id, &k) != 0)
        return -1;
    if (case_decision_load(rq->db, &k, &d, &err) != 0)
        return reply_err(rs, &err);
    char title[200];
    snprintf(title, sizeof title, "%s%s决定书", k.programme_name, d.approved ? "批准" : "不予批准");
    json_t *j = json_object();
    json_object_set_new(j, "kind", json_string(d.approved ? "approval" : "rejection"));
    json_object_set_new(j, "title", json_string(title));
    json_object_set_new(j, "case_id", json_integer(k.c.id));
    json_object_set_new(j, "decided_on", opt_str(d.decided_on));
    json_object_set_new(j, "step", json_string(d.step_label));
    json_object_set_new(j, "applicant", json_pack("{s:s, s:s}", "name", k.applicant_name, "id_number", k.id_masked));
    json_object_set_new(j, "household", json_pack("{s:s, s:s}", "code", k.household_code, "address", d.address));
    json_object_set_new(j, "programme", json_pack("{s:s, s:s}", "code", k.programme_code, "name", k.programme_name));
    json_object_set_new(j, "amount_fen", d.approved ? opt_fen(k.amount_fen) : json_null());
    json_object_set_new(j, "members_counted", opt_fen(k.members_counted));
    json_object_set_new(j, "start_month", d.approved ? opt_str(k.start_month) : json_null());
    json_object_set_new(j, "opinion", json_string(d.opinion));
    json_object_set_new(j, "street", json_string(d.street_name));
    char detail[160];
    snprintf(detail, sizeof detail, "查看救助案件 #%lld 的决定书", (long long)k.c.id);
    if (write_begin_or_reply(rq, rs) != 0) {
        json_decref(j);
        return -1;
    }
    return write_commit_or_reply(rq, rs,
                                 &(audit_entry){.action = "assist_decision_view", .entity = "assistance_case",
                                                .entity_id = k.c.id, .org_path = k.c.org_path, .detail = detail},
                                 200, j);
}

#define ACTION(a) \
    {.method = "POST", .pattern = "/api/v1/assistance/cases/{id}/actions/" #a, .handler = case_##a, .roles = R_FILE}

const route assist_case_routes[] = {
    {.method = "POST", .pattern = "/api/v1/assistance/cases", .handler = case_create_route, .roles = R_FILE},
    {.method = "GET", .pattern = "/api/v1/assistance/cases", .handler = case_list_route, .roles = R_READ},
    {.method = "GET", .pattern = "/api/v1/assistance/cases/{id}", .handler = case_get_route, .roles = R_READ},
    {.method = "PUT", .pattern = "/api/v1/assistance/cases/{id}/bank", .handler = case_bank_route, .roles = R_BANK},
    {.method = "GET", .pattern = "/api/v1/assistance/cases/{id}/decision", .handler = case_decision_route,
     .roles = R_READ},
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
