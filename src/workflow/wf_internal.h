/* wf_internal.h — what the engine's files share with each other and with
 * nobody else: table look-ups (wf_type.c) and timeline writes
 * (timeline.c). Modules include workflow.h only. */
#ifndef MS_WF_INTERNAL_H
#define MS_WF_INTERNAL_H

#include "workflow/workflow.h"

#define WF_ACTION_CREATED "created"   /* the action of a case's first timeline row */

/* The label of state `code` in t; the code itself when t lacks it. */
const char *wf_state_label(const wf_type *t, const char *code);

/* Appends a timeline row to case `case_id` at time `at`: from_state NULL
 * on creation, in->opinion and in->attachments as given (in may be
 * NULL). Returns 0 or -1 (a database error). */
int wf_timeline_add(db_conn *db, int64_t case_id, const char *at, const actor *who, const char *from_state,
                    const char *to_state, const char *action, const wf_input *in);

#endif
