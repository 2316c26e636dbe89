/* case_flow.c — the social assistance case types (see case_flow.h).
 * Time limits: (A) marks an assumption where the seeds give none; the
 * 7-day notice is the national rule (《最低生活保障审核确认办法》). */
#include "assistance/case_flow.h"

#include <string.h>

#include "assistance/relative.h"

#define STAFF (ROLE_STREET | ROLE_COMMUNITY)
#define FRONT (ROLE_STREET | ROLE_COMMUNITY | ROLE_GRID)

static int assist_conflicted(db_conn *db, const wf_case *c, const actor *who, char *why, size_t whysz)
{
    return relative_conflict(db, c->id, who, why, whysz);
}

static const wf_state CASE_STATES[] = {
    {"applied", "已申请", .limit = WF_WORKING_DAYS, .days = 5},          /* 受理 within 5 working days (A) */
    {"accepted", "已受理", .limit = WF_WORKING_DAYS, .days = 10},        /* 入户调查 within 10 (A) */
    {"investigated", "已调查", .limit = WF_WORKING_DAYS, .days = 10},    /* 民主评议 within 10 (A) */
    {"reviewed", "已评议", .limit = WF_WORKING_DAYS, .days = 5},         /* 社区审核 within 5 (A) */
    {"checked", "社区已审核", .limit = WF_WORKING_DAYS, .days = 5},      /* posted within 5 (A) */
    {"noticed", "公示中", .limit = WF_WORKING_DAYS, .days = 15},         /* 7 days' notice + 街道审批 (A) */
    {"active", "在保", .limit = WF_NO_LIMIT},
    {"rejected", "不予批准", .terminal = 1},
    {"withdrawn", "已撤回", .terminal = 1},
    {"stopped", "已停保", .terminal = 1},
    {0}};

static const wf_transition CASE_TRANSITIONS[] = {
    {"applied", "accept", "受理", "accepted", .roles = STAFF, .level = WF_LEVEL_COMMUNITY},
    {"applied", "reject", "不予受理", "rejected", .roles = STAFF, .level = WF_LEVEL_COMMUNITY, .opinion_required = 1},
    {"applied", "withdraw", "撤回申请", "withdrawn", .roles = FRONT, .level = WF_LEVEL_GRID, .opinion_required = 1},
    {"applied", "enrol", "存量纳入", "active", .roles = ROLE_STREET, .level = WF_LEVEL_STREET, .system_only = 1},
    {"accepted", "investigate", "入户调查", "investigated", .roles = STAFF, .level = WF_LEVEL_COMMUNITY},
    {"accepted", "reject", "不予批准", "rejected", .roles = STAFF, .level = WF_LEVEL_COMMUNITY, .opinion_required = 1},
    {"accepted", "withdraw", "撤回申请", "withdrawn", .roles = FRONT, .level = WF_LEVEL_GRID, .opinion_required = 1},
    {"investigated", "review_pass", "民主评议通过", "reviewed", .roles = STAFF, .level = WF_LEVEL_COMMUNITY},
    {"investigated", "review_fail", "民主评议未通过", "rejected", .roles = STAFF, .level = WF_LEVEL_COMMUNITY, .opinion_required = 1},
    {"investigated", "return", "退回重新调查", "accepted", .roles = STAFF, .level = WF_LEVEL_COMMUNITY, .opinion_required = 1},
    {"reviewed", "check", "社区审核通过", "checked", .roles = STAFF, .level = WF_LEVEL_COMMUNITY, .opinion_required = 1},
    {"reviewed", "return", "退回重新调查", "accepted", .roles = STAFF, .level = WF_LEVEL_COMMUNITY, .opinion_required = 1},
    {"reviewed", "reject", "不予批准", "rejected", .roles = STAFF, .level = WF_LEVEL_COMMUNITY, .opinion_required = 1},
    {"checked", "publish", "张榜公示", "noticed", .roles = STAFF, .level = WF_LEVEL_COMMUNITY},
    {"checked", "return", "退回重新调查", "accepted", .roles = STAFF, .level = WF_LEVEL_COMMUNITY, .opinion_required = 1},
    {"noticed", "approve", "街道审批通过", "active", .roles = ROLE_STREET, .level = WF_LEVEL_STREET, .opinion_required = 1},
    {"noticed", "reject", "不予批准", "rejected", .roles = ROLE_STREET, .level = WF_LEVEL_STREET, .opinion_required = 1},
    {"noticed", "return", "退回重新调查", "accepted", .roles = ROLE_STREET, .level = WF_LEVEL_STREET, .opinion_required = 1},
    {"active", "adjust", "调整待遇", "active", .roles = ROLE_STREET, .level = WF_LEVEL_STREET, .opinion_required = 1},
    {"active", "stop", "停保", "stopped", .roles = ROLE_STREET, .level = WF_LEVEL_STREET, .opinion_required = 1},
    {0}};

const wf_type ASSIST_CASE = {
    .code = "assist",
    .label = "社会救助申请",
    .initial = "applied",
    .states = CASE_STATES,
    .transitions = CASE_TRANSITIONS,
    .conflicted = assist_conflicted,
};

static const wf_state ONCE_STATES[] = {
    {"applied", "已申请", .limit = WF_WORKING_DAYS, .days = 3},          /* (A) */
    {"accepted", "已受理", .limit = WF_WORKING_DAYS, .days = 5},         /* (A) */
    {"investigated", "已调查", .limit = WF_WORKING_DAYS, .days = 5},     /* (A) */
    {"checked", "社区已审核", .limit = WF_WORKING_DAYS, .days = 5},      /* (A) */
    {"granted", "已批准", .terminal = 1},
    {"rejected", "不予批准", .terminal = 1},
    {"withdrawn", "已撤回", .terminal = 1},
    {0}};

static const wf_transition ONCE_TRANSITIONS[] = {
    {"applied", "accept", "受理", "accepted", .roles = STAFF, .level = WF_LEVEL_COMMUNITY},
    {"applied", "reject", "不予受理", "rejected", .roles = STAFF, .level = WF_LEVEL_COMMUNITY, .opinion_required = 1},
    {"applied", "withdraw", "撤回申请", "withdrawn", .roles = FRONT, .level = WF_LEVEL_GRID, .opinion_required = 1},
    {"accepted", "investigate", "入户调查", "investigated", .roles = STAFF, .level = WF_LEVEL_COMMUNITY},
    {"accepted", "reject", "不予批准", "rejected", .roles = STAFF, .level = WF_LEVEL_COMMUNITY, .opinion_required = 1},
    {"accepted", "withdraw", "撤回申请", "withdrawn", .roles = FRONT, .level = WF_LEVEL_GRID, .opinion_required = 1},
    {"investigated", "grant", "社区审批通过", "granted", .roles = STAFF, .level = WF_LEVEL_COMMUNITY, .opinion_required = 1},
    {"investigated", "check", "社区审核，报街道审批", "checked", .roles = STAFF, .level = WF_LEVEL_COMMUNITY, .opinion_required = 1},
    {"investigated", "reject", "不予批准", "rejected", .roles = STAFF, .level = WF_LEVEL_COMMUNITY, .opinion_required = 1},
    {"checked", "approve", "街道审批通过", "granted", .roles = ROLE_STREET, .level = WF_LEVEL_STREET, .opinion_required = 1},
    {"checked", "reject", "不予批准", "rejected", .roles = ROLE_STREET, .level = WF_LEVEL_STREET, .opinion_required = 1},
    {"checked", "return", "退回重新调查", "accepted", .roles = ROLE_STREET, .level = WF_LEVEL_STREET, .opinion_required = 1},
    {0}};

const wf_type ASSIST_ONCE = {
    .code = "assist_once",
    .label = "临时救助申请",
    .initial = "applied",
    .states = ONCE_STATES,
    .transitions = ONCE_TRANSITIONS,
    .conflicted = assist_conflicted,
};

const wf_type *assist_case_type(const char *calc_kind)
{
    return calc_kind && strcmp(calc_kind, "one_off") == 0 ? &ASSIST_ONCE : &ASSIST_CASE;
}

const wf_state *assist_state_find(const char *state)
{
    const wf_state *st = wf_state_find(&ASSIST_CASE, state);
    return st ? st : wf_state_find(&ASSIST_ONCE, state);
}

const char *assist_state_label(const char *state)
{
    const wf_state *st = assist_state_find(state);
    return st ? st->label : state;
}
