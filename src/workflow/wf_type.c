/* wf_type.c — reading and checking a case type's static table (see
 * workflow.h): state and transition look-ups for the engine, and the
 * check modules run on their table in their tests. */
#include "workflow/workflow.h"
#include "workflow/calendar.h"
#include "workflow/wf_internal.h"

#include <stdio.h>
#include <string.h>

const wf_state *wf_state_find(const wf_type *t, const char *code)
{
    for (const wf_state *s = t->states; code && s->code; s++)
        if (strcmp(s->code, code) == 0)
            return s;
    return NULL;
}

const char *wf_state_label(const wf_type *t, const char *code)
{
    const wf_state *s = wf_state_find(t, code);
    return s ? s->label : code;
}

const wf_transition *wf_transition_find(const wf_type *t, const char *from, const char *action)
{
    for (const wf_transition *tr = t->transitions; tr->from; tr++)
        if ((!from || strcmp(tr->from, from) == 0) && strcmp(tr->action, action) == 0)
            return tr;
    return NULL;
}

/* ---- wf_type_check ---------------------------------------------------- */

static int code_ok(const char *code)
{
    return code && *code && strlen(code) < WF_CODE_MAX;
}

#define FAULT(...) (snprintf(why, whysz, __VA_ARGS__), -1)

static int check_states(const wf_type *t, char *why, size_t whysz)
{
    for (const wf_state *s = t->states; s->code; s++) {
        if (!code_ok(s->code) || !s->label || !*s->label)
            return FAULT("%s: state \"%s\" needs a code under %d bytes and a label", t->code, s->code,
                         WF_CODE_MAX);
        if (wf_state_find(t, s->code) != s)
            return FAULT("%s: state \"%s\" declared twice", t->code, s->code);
        if (s->terminal && s->limit != WF_NO_LIMIT)
            return FAULT("%s: terminal state \"%s\" has a time limit", t->code, s->code);
        if (s->limit == WF_CALLER_LIMIT ? s->days != 0 : s->limit != WF_NO_LIMIT && (s->days < 1 || s->days > CAL_MAX_DAYS))
            return FAULT("%s: state \"%s\" has a limit of %d days", t->code, s->code, s->days);
    }
    const wf_state *init = wf_state_find(t, t->initial);
    if (init && init->limit == WF_CALLER_LIMIT)
        return FAULT("%s: initial state \"%s\" cannot take the caller's limit", t->code, t->initial);
    if (!init || init->terminal)
        return FAULT("%s: initial state \"%s\" missing or terminal", t->code, t->initial ? t->initial : "");
    return 0;
}

static int check_transition(const wf_type *t, const wf_transition *tr, char *why, size_t whysz)
{
    const wf_state *from = wf_state_find(t, tr->from), *to = wf_state_find(t, tr->to);
    if (!from || !to)
        return FAULT("%s: transition %s -> %s names an unknown state", t->code, tr->from, tr->to ? tr->to : "");
    if (from->terminal)
        return FAULT("%s: transition \"%s\" leaves terminal state \"%s\"", t->code, tr->action, tr->from);
    if (!code_ok(tr->action) || strcmp(tr->action, WF_ACTION_CREATED) == 0 || !tr->label || !*tr->label)
        return FAULT("%s: transition out of \"%s\" needs an action code (not \"%s\") and a label", t->code,
                     tr->from, WF_ACTION_CREATED);
    if (wf_transition_find(t, tr->from, tr->action) != tr)
        return FAULT("%s: action \"%s\" declared twice out of \"%s\"", t->code, tr->action, tr->from);
    if (tr->roles == 0 || tr->level < WF_LEVEL_STREET || tr->level > WF_LEVEL_GRID)
        return FAULT("%s: transition \"%s\" needs roles and a level", t->code, tr->action);
    if (tr->other_party && !t->party_path)
        return FAULT("%s: transition \"%s\" is the other party's, and the type has no party_path", t->code,
                     tr->action);
    return 0;
}

int wf_type_check(const wf_type *t, char *why, size_t whysz)
{
    if (!t || !code_ok(t->code) || !t->label || !t->states || !t->transitions)
        return FAULT("case type needs a code, a label, states and transitions");
    if (check_states(t, why, whysz) != 0)
        return -1;
    for (const wf_state *s = t->states; s->code; s++) {
        size_t n = 0;
        for (const wf_transition *tr = t->transitions; tr->from; tr++)
            n += strcmp(tr->from, s->code) == 0;
        if (n > WF_MAX_ACTIONS)
            return FAULT("%s: more than %d transitions out of \"%s\"", t->code, WF_MAX_ACTIONS, s->code);
    }
    for (const wf_transition *tr = t->transitions; tr->from; tr++)
        if (check_transition(t, tr, why, whysz) != 0)
            return -1;
    return 0;
}
