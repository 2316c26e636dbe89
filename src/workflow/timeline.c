/* timeline.c — a case's history: writing wf_timeline rows and loading
 * them into wf_event structs (see workflow.h). Attachment names are
 * stored as a JSON array of strings; that JSON never leaves this file. */
#include "workflow/workflow.h"
#include "workflow/wf_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const SQL_INSERT =
    "INSERT INTO wf_timeline(case_id, at, actor_id, actor_name, from_state, to_state, action, opinion, attachments)"
    " VALUES (?,?,?,?,?,?,?,?,?)";
static const char *const SQL_OF_CASE =
    "SELECT id, at, actor_id, actor_name, from_state, to_state, action, opinion, attachments"
    " FROM wf_timeline WHERE case_id = ? ORDER BY id";

/* Allocation failure ends the process, as in strbuf.h. */
static void *must(void *p)
{
    if (!p)
        abort();
    return p;
}

/* The JSON text of a NULL-terminated list of names (NULL = none); free() it. */
static char *names_json(const char *const *names)
{
    json_t *a = json_array();
    for (size_t i = 0; names && names[i]; i++)
        json_array_append_new(a, json_string(names[i]));
    char *text = must(json_dumps(a, JSON_COMPACT));
    json_decref(a);
    return text;
}

/* The names in a JSON array, as an owned NULL-terminated list; anything
 * else in the column gives an empty list. */
static char **names_parse(const char *text)
{
    json_t *a = json_loads(text, 0, NULL);
    size_t n = json_is_array(a) ? json_array_size(a) : 0, k = 0;
    char **names = must(calloc(n + 1, sizeof *names));
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(a, i));
        if (s)
            names[k++] = must(strdup(s));
    }
    json_decref(a);
    return names;
}

int wf_timeline_add(db_conn *db, int64_t case_id, const char *at, const actor *who, const char *from_state,
                    const char *to_state, const char *action, const wf_input *in)
{
    const char *name = who->display_name[0] ? who->display_name : who->username[0] ? who->username : "系统";
    char *attachments = names_json(in ? in->attachments : NULL);
    int rc = db_exec_args(db, SQL_INSERT, DB_INT(case_id), DB_TEXT(at), DB_ID(who->id), DB_TEXT(name), DB_TEXT(from_state),
                          DB_TEXT(to_state), DB_TEXT(action), DB_OPT_TEXT(in ? in->opinion : NULL),
                          DB_TEXT(attachments));
    free(attachments);
    return rc == DB_DONE ? 0 : -1;
}

static void event_from_row(const wf_type *t, db_stmt *s, wf_event *ev)
{
    ev->id = db_col_int(s, 0);
    db_col_copy(s, 1, ev->at, sizeof ev->at);
    ev->actor_id = db_col_int(s, 2);
    db_col_copy(s, 3, ev->actor_name, sizeof ev->actor_name);
    db_col_copy(s, 4, ev->from_state, sizeof ev->from_state);
    db_col_copy(s, 5, ev->to_state, sizeof ev->to_state);
    db_col_copy(s, 6, ev->action, sizeof ev->action);
    ev->opinion = db_col_is_null(s, 7) ? NULL : must(strdup(db_col_text(s, 7)));
    ev->attachments = names_parse(db_col_text(s, 8));
    const wf_transition *tr = wf_transition_find(t, ev->from_state[0] ? ev->from_state : NULL, ev->action);
    ev->action_label = strcmp(ev->action, WF_ACTION_CREATED) == 0 ? "创建" : tr ? tr->label : ev->action;
    ev->to_label = wf_state_label(t, ev->to_state);
}

int wf_timeline_load(db_conn *db, const wf_type *t, const wf_case *c, wf_timeline *out, ms_err *e)
{
    size_t cap = 0;
    *out = (wf_timeline){0};
    db_stmt *s = db_query(db, SQL_OF_CASE, DB_INT(c->id));
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (out->n == cap) {
            cap = cap ? cap * 2 : 8;
            out->events = must(realloc(out->events, cap * sizeof *out->events));
        }
        out->events[out->n] = (wf_event){0};
        event_from_row(t, s, &out->events[out->n++]);
    }
    db_finalize(s);
    if (rc != DB_DONE) {
        wf_timeline_release(out);
        return err_db(e);
    }
    return 0;
}

void wf_timeline_release(wf_timeline *tl)
{
    for (size_t i = 0; i < tl->n; i++) {
        free(tl->events[i].opinion);
        for (char **a = tl->events[i].attachments; *a; a++)
            free(*a);
        free(tl->events[i].attachments);
    }
    free(tl->events);
    *tl = (wf_timeline){0};
}
