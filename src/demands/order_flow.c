/* order_flow.c — the work order case type (see order_flow.h). Limits:
 * (A) marks an assumption where the seeds give none; the callback
 * within one working day of 办结 is the street's rule (issue 12). */
#include "demands/order_flow.h"

#include "util/validate.h"

#include <string.h>

/* The 12345 desk and intake: street staff. */
#define DESK ROLE_STREET
/* An assignee: the community or grid it was given to (or the street
 * above them), or a department's account (viewer or street). */
#define ASSIGNEE (ROLE_STREET | ROLE_COMMUNITY | ROLE_GRID | ROLE_VIEWER)
/* Who calls the resident back: the desk or the community. */
#define CALLER (ROLE_STREET | ROLE_COMMUNITY)

static const wf_state STATES[] = {
    {"registered", "待交办", .limit = WF_WORKING_DAYS, .days = 1},   /* 交办 within a working day (A) */
    {"assigned", "待签收", .limit = WF_CALLER_LIMIT},                /* the category's sign_days */
    {"handling", "办理中", .limit = WF_CALLER_LIMIT},                /* the category's handle_days from 交办 */
    {"finished", "待回访", .limit = WF_WORKING_DAYS, .days = 1},     /* 回访 within a working day */
    {"archived", "已归档", .terminal = 1},
    {"merged", "已合并", .terminal = 1},
    {0}};

static const wf_transition TRANSITIONS[] = {
    {"registered", "assign", "交办", "assigned", .roles = DESK, .level = WF_LEVEL_STREET},
    {"registered", "merge", "合并重复工单", "merged", .roles = DESK, .level = WF_LEVEL_STREET},
    {"assigned", "sign", "签收", "handling", .roles = ASSIGNEE, .level = WF_LEVEL_GRID},
    {"assigned", "return", "退单", "registered", .roles = ASSIGNEE, .level = WF_LEVEL_GRID, .opinion_required = 1},
    {"assigned", "reassign", "改派", "assigned", .roles = DESK, .level = WF_LEVEL_STREET, .opinion_required = 1},
    {"assigned", "merge", "合并重复工单", "merged", .roles = DESK, .level = WF_LEVEL_STREET},
    {"handling", "progress", "办理进展", "handling", .roles = ASSIGNEE, .level = WF_LEVEL_GRID, .opinion_required = 1},
    {"handling", "finish", "办结", "finished", .roles = ASSIGNEE, .level = WF_LEVEL_GRID, .opinion_required = 1},
    {"handling", "return", "退单", "registered", .roles = ASSIGNEE, .level = WF_LEVEL_GRID, .opinion_required = 1},
    {"handling", "reassign", "改派", "assigned", .roles = DESK, .level = WF_LEVEL_STREET, .opinion_required = 1},
    {"finished", "callback", "回访", "archived", .roles = CALLER, .level = WF_LEVEL_COMMUNITY},
    {"finished", "redo", "不满意重办", "handling", .roles = CALLER, .level = WF_LEVEL_COMMUNITY},
    {0}};

const wf_type DEMAND_ORDER = {
    .code = "workorder",
    .label = "诉求工单",
    .initial = "registered",
    .states = STATES,
    .transitions = TRANSITIONS,
};

int order_action_is_assignee(const char *action)
{
    static const char *const ACTIONS[] = {"sign", "progress", "finish", "return", NULL};
    return str_in_set(action, ACTIONS);
}

const char *order_state_label(const char *state)
{
    const wf_state *st = wf_state_find(&DEMAND_ORDER, state);
    return st ? st->label : state;
}

const char *order_source_label(const char *source)
{
    static const char *const LABELS[][2] = {{"hotline", "12345热线"}, {"petition", "信访"}, {"walkin", "来访"},
                                            {"patrol", "网格巡查"},   {"online", "网上诉求"}};
    for (size_t i = 0; i < sizeof LABELS / sizeof LABELS[0]; i++)
        if (strcmp(LABELS[i][0], source) == 0)
            return LABELS[i][1];
    return source;
}
