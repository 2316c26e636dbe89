/* hazard_flow.h — the hazard rectification case type (隐患整改) as a
 * table of the workflow engine (workflow/workflow.h).
 *
 *   HAZARD_CASE "hazard": 登记 → 整改中 → 待复查 → 已销号; a failed
 *   re-check sends the hazard back from 待复查 to 整改中.
 *
 * Owns: the states, the transitions and who may take each; nothing
 * else. The re-check a 销号 or a 退回 carries (who, when, the result) and
 * the rule that 销号 needs a passing one are hazard.c's. */
#ifndef MS_SAFETY_HAZARD_FLOW_H
#define MS_SAFETY_HAZARD_FLOW_H

#include "workflow/workflow.h"

extern const wf_type HAZARD_CASE;

/* The label of state code `state` ("整改中"), or the code itself. */
const char *hazard_state_label(const char *state);

#endif
