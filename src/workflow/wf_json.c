/* wf_json.c — a case's timeline, offered steps and attachments as JSON
 * (see wf_json.h). */
#include "workflow/wf_json.h"

#include <string.h>

json_t *wf_timeline_json(db_conn *db, const wf_type *t, const wf_case *c)
{
    wf_timeline tl;
    ms_err e;
    json_t *a = json_array();
    if (wf_timeline_load(db, t, c, &tl, &e) != 0)
        return a;
    for (size_t i = 0; i < tl.n; i++) {
        const wf_event *ev = &tl.events[i];
        json_t *att = json_array();
        for (char **p = ev->attachments; *p; p++)
            json_array_append_new(att, json_string(*p));
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:o}", "at", ev->at, "action",
                                           ev->action, "action_label", ev->action_label, "state", ev->to_state,
                                           "state_label", ev->to_label, "opinion", ev->opinion, "by",
                                           ev->actor_name[0] ? ev->actor_name : NULL, "attachments", att));
    }
    wf_timeline_release(&tl);
    return a;
}

json_t *wf_actions_json(db_conn *db, const wf_type *t, const wf_case *c, const actor *who, const char *skip)
{
    wf_action acts[WF_MAX_ACTIONS];
    ms_err e;
    json_t *a = json_array();
    int n = wf_allowed_actions(db, t, c, who, acts, WF_MAX_ACTIONS, &e);
    for (int i = 0; i < n; i++) {
        if (skip && strcmp(acts[i].action, skip) == 0)
            continue;
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:b}", "action", acts[i].action, "label", acts[i].label,
                                           "to_label", acts[i].to_label, "opinion_required",
                                           acts[i].opinion_required));
    }
    return a;
}

const char *const *wf_attachments_from_json(json_t *v, const char *out[WF_MAX_ATTACHMENTS + 1], int *bad, ms_err *e)
{
    size_t i;
    json_t *x;
    *bad = 0;
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_array(v) || json_array_size(v) > WF_MAX_ATTACHMENTS) {
        *bad = 1;
        return err_set(e, ERR_INVALID, "attachments", "attachments 应为附件名称的数组（至多%d个）", WF_MAX_ATTACHMENTS),
               NULL;
    }
    json_array_foreach(v, i, x) {
        if (!json_is_string(x)) {
            *bad = 1;
            return err_set(e, ERR_INVALID, "attachments", "附件名称应为字符串"), NULL;
        }
        out[i] = json_string_value(x);
    }
    out[json_array_size(v)] = NULL;
    return out;
}
