/* order_flow.h — the work order (诉求工单) as a case type of the workflow
 * engine (workflow/workflow.h): "workorder".
 *
 *   登记 registered → 交办 assign → assigned (待签收) → 签收 sign → handling
 *   (办理中, 办理 progress notes stay there) → 办结 finish → finished (待回访)
 *   → 回访 callback → archived (已归档); a dissatisfied first callback is
 *   redo → handling again (once); 退单 return (assigned or handling) goes
 *   back to registered; 改派 reassign; merge (a duplicate) → merged.
 *
 * Owns: the states, the transitions, who may take each (role and
 * level); nothing else. The limits of 待签收 and 办理中 come from the
 * order's category (WF_CALLER_LIMIT: order.c computes them on the
 * calendar); that only the assignee (its unit, or its department's
 * accounts) signs, handles, finishes or returns an order, and that a
 * department's account takes no other step, is order.c's rule. */
#ifndef MS_DEMAND_ORDER_FLOW_H
#define MS_DEMAND_ORDER_FLOW_H

#include "workflow/workflow.h"

extern const wf_type DEMAND_ORDER;

/* 1 when `action` is one the assignee takes (sign, progress, finish,
 * return), else 0. */
int order_action_is_assignee(const char *action);

/* The label of state `state`, or state itself when unknown. */
const char *order_state_label(const char *state);

/* The label of source `source` (12345热线, 信访, 来访, 网格巡查, 网上诉求),
 * or source itself when unknown. */
const char *order_source_label(const char *source);

#endif
