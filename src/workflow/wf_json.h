/* wf_json.h — a case's timeline, the steps an actor may take and a
 * step's attachments as the modules' routes show and read them.
 *
 * Owns: the JSON shape every case page shares (timeline rows, offered
 * actions) and the reading of an "attachments" member. The engine itself
 * (workflow.h) never builds JSON; its records become JSON here, at the
 * edge, for the *_api.c files that reply. Written for the hazard ledger
 * (safety_api.c), used by the assistance cases' page too (case_api.c). */
#ifndef MS_WF_JSON_H
#define MS_WF_JSON_H

#include <jansson.h>

#include "workflow/workflow.h"

/* The timeline of case c (labels from t), oldest first: [{at, action,
 * action_label, state, state_label, opinion, by, attachments}] (opinion
 * and by left out when none). A new array; empty on a database error. */
json_t *wf_timeline_json(db_conn *db, const wf_type *t, const wf_case *c);

/* The steps `who` may take on case c now: [{action, label, to_label,
 * opinion_required}], in table order, leaving out the action named
 * `skip` (NULL: none) — one taken elsewhere than its own route. A new
 * array; empty when none, or on a database error. */
json_t *wf_actions_json(db_conn *db, const wf_type *t, const wf_case *c, const actor *who, const char *skip);

/* Reads v (NULL or null: none) as an array of at most WF_MAX_ATTACHMENTS
 * file names into out, NULL-terminated (strings borrowed from v): out,
 * NULL when v is absent, or NULL with *bad set and a Chinese reason in
 * e (ERR_INVALID "attachments") when it is not such an array. */
const char *const *wf_attachments_from_json(json_t *v, const char *out[WF_MAX_ATTACHMENTS + 1], int *bad, ms_err *e);

#endif
