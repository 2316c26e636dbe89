/* mediation_flow.h — the mediation case type (人民调解), as a table of
 * the workflow engine (workflow/workflow.h):
 *
 *   受理 (received) → 调解中 (mediating, sessions recorded) → 达成协议
 *   (agreed, with the agreement's text) or 调解不成 (failed, referred to
 *   whom) → 回访 (visited, with the parties' satisfaction) → 结案
 *   (closed); 撤回 (withdrawn) by the parties before the mediation ends.
 *
 * Owns: the states, the transitions and who may take each; nothing
 * else. What a step records (the agreement, the referral, the visit)
 * and the sessions belong to mediation.c, which calls wf_perform with
 * this table. Street and community staff take every step (a case
 * belongs to a community; grid workers have none). */
#ifndef MS_MEDIATION_FLOW_H
#define MS_MEDIATION_FLOW_H

#include "workflow/workflow.h"

extern const wf_type MEDIATION_CASE;

/* The label of state `state`, or state itself when unknown. */
const char *mediation_state_label(const char *state);

#endif
