/* wf_json.h — what the route layers of case modules show of a case as
 * JSON: its timeline and the steps open to the caller. The engine
 * (workflow.h) builds no JSON; these turn its loads into the one shape
 * every case page shares (docs/api.md: timeline, actions). */
#ifndef MS_WF_JSON_H
#define MS_WF_JSON_H

#include <jansson.h>

#include "workflow/workflow.h"

/* [{at, action, action_label, state, state_label, opinion, by,
 * attachments}], oldest first (new reference; [] when it cannot be
 * read). */
json_t *wf_timeline_json(db_conn *db, const wf_type *t, const wf_case *c);

/* [{action, label, to_label, opinion_required}]: the steps `who` may
 * take on c now, in table order, leaving out the action named `skip`
 * (NULL: none) — one taken elsewhere than its own route (new reference). */
json_t *wf_actions_json(db_conn *db, const wf_type *t, const wf_case *c, const actor *who, const char *skip);

#endif
