/* case_flow.h — the two case types of social assistance, as tables of
 * the workflow engine (workflow/workflow.h), and their conflict-of-
 * interest rule.
 *
 *   ASSIST_CASE "assist": a monthly benefit (低保, 特困, disability,
 *   elderly, children): 申请 → 受理 → 入户调查 → 民主评议 → 社区审核 →
 *   公示 → 街道审批 → 在保 → 调整 / 停保, with 退回 and 不予批准 on the way.
 *
 *   ASSIST_ONCE "assist_once": a one-off grant (临时救助, 医疗救助):
 *   申请 → 受理 → 入户调查 → 社区审批 (within the community's ceiling) or
 *   社区审核 → 街道审批 → 已批准.
 *
 * Owns: the states, the transitions and who may take each; nothing
 * else. What a step records besides its opinion (the investigation, the
 * review, the amount) and the checks the table cannot express (the
 * notice period and objections before 街道审批, the ceilings) belong to
 * case.c, which calls wf_perform with these tables.
 *
 * Conflict of interest (回避): both types refuse every step to a staff
 * account that has a registered close relative (relative.c) in the
 * case's household. */
#ifndef MS_ASSIST_CASE_FLOW_H
#define MS_ASSIST_CASE_FLOW_H

#include "workflow/workflow.h"

extern const wf_type ASSIST_CASE;
extern const wf_type ASSIST_ONCE;

/* The type a programme's cases use: ASSIST_ONCE for calc_kind
 * "one_off", else ASSIST_CASE. */
const wf_type *assist_case_type(const char *calc_kind);

/* State `state` of either type, for lists that mix them (the states
 * both types have carry the same label): NULL when neither has it. And
 * its label, or state itself when unknown. */
const wf_state *assist_state_find(const char *state);
const char *assist_state_label(const char *state);

#endif
