/* mediation_flow.c — the mediation case type (see mediation_flow.h).
 * Time limits: 《人民调解工作若干规定》第三十六条 — a dispute is in
 * general settled within one month of acceptance (30 days here, counted
 * from the start of the mediation); (A) marks an assumption where the
 * seeds give none. */
#include "mediation/mediation_flow.h"

#define STAFF (ROLE_STREET | ROLE_COMMUNITY)

static const wf_state STATES[] = {
    {"received", "已受理", .limit = WF_WORKING_DAYS, .days = 5},       /* mediation begins within 5 (A) */
    {"mediating", "调解中", .limit = WF_CALENDAR_DAYS, .days = 30},    /* 一般在一个月内调结 */
    {"agreed", "达成协议", .limit = WF_WORKING_DAYS, .days = 10},      /* 回访 within 10 (A) */
    {"failed", "调解不成", .limit = WF_WORKING_DAYS, .days = 10},      /* 回访 within 10 (A) */
    {"visited", "已回访", .limit = WF_WORKING_DAYS, .days = 5},        /* 结案 within 5 (A) */
    {"closed", "已结案", .terminal = 1},
    {"withdrawn", "已撤回", .terminal = 1},
    {0}};

static const wf_transition TRANSITIONS[] = {
    {"received", "start", "开始调解", "mediating", .roles = STAFF, .level = WF_LEVEL_COMMUNITY},
    {"received", "withdraw", "当事人撤回", "withdrawn", .roles = STAFF, .level = WF_LEVEL_COMMUNITY, .opinion_required = 1},
    {"mediating", "agree", "达成协议", "agreed", .roles = STAFF, .level = WF_LEVEL_COMMUNITY},
    {"mediating", "fail", "调解不成", "failed", .roles = STAFF, .level = WF_LEVEL_COMMUNITY, .opinion_required = 1},
    {"mediating", "withdraw", "当事人撤回", "withdrawn", .roles = STAFF, .level = WF_LEVEL_COMMUNITY, .opinion_required = 1},
    {"agreed", "visit", "回访", "visited", .roles = STAFF, .level = WF_LEVEL_COMMUNITY},
    {"failed", "visit", "回访", "visited", .roles = STAFF, .level = WF_LEVEL_COMMUNITY},
    {"visited", "close", "结案", "closed", .roles = STAFF, .level = WF_LEVEL_COMMUNITY},
    {0}};

const wf_type MEDIATION_CASE = {
    .code = "mediation",
    .label = "人民调解案件",
    .initial = "received",
    .states = STATES,
    .transitions = TRANSITIONS,
};

const char *mediation_state_label(const char *state)
{
    const wf_state *st = wf_state_find(&MEDIATION_CASE, state);
    return st ? st->label : state;
}
