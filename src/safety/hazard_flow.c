/* hazard_flow.c — the hazard case type (see hazard_flow.h). The grid
 * worker registers hazards, sends them to rectification and reports the
 * rectification done; the re-check (复查) that closes a hazard (销号) or
 * sends it back is the community's or the street's, never the grid
 * worker's who reported it done. The rectification deadline is the
 * hazard's own date (safety_hazard.deadline); the engine's limit here is
 * the re-check's: 5 working days (A: an assumption, no seed gives one). */
#include "safety/hazard_flow.h"

#define STAFF (ROLE_STREET | ROLE_COMMUNITY)
#define FRONT (ROLE_STREET | ROLE_COMMUNITY | ROLE_GRID)

static const wf_state HAZARD_STATES[] = {
    {"registered", "已登记", .limit = WF_NO_LIMIT},
    {"rectifying", "整改中", .limit = WF_NO_LIMIT},
    {"rechecking", "待复查", .limit = WF_WORKING_DAYS, .days = 5},
    {"closed", "已销号", .terminal = 1},
    {0}};

static const wf_transition HAZARD_TRANSITIONS[] = {
    {"registered", "rectify", "下达整改", "rectifying", .roles = FRONT, .level = WF_LEVEL_GRID},
    {"rectifying", "submit", "整改完成，申请复查", "rechecking", .roles = FRONT, .level = WF_LEVEL_GRID},
    {"rechecking", "close", "复查合格，销号", "closed", .roles = STAFF, .level = WF_LEVEL_COMMUNITY},
    {"rechecking", "reopen", "复查不合格，退回整改", "rectifying", .roles = STAFF, .level = WF_LEVEL_COMMUNITY,
     .opinion_required = 1},
    {0}};

const wf_type HAZARD_CASE = {
    .code = "hazard",
    .label = "隐患整改",
    .initial = "registered",
    .states = HAZARD_STATES,
    .transitions = HAZARD_TRANSITIONS,
};

const char *hazard_state_label(const char *state)
{
    const wf_state *st = wf_state_find(&HAZARD_CASE, state);
    return st ? st->label : state;
}
