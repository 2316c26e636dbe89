/* workflow.c — the engine (see workflow.h): opening cases, deciding who
 * may take which step, taking it, and deadlines. The SQL of wf_case is
 * here; wf_timeline's is in timeline.c, table look-ups in wf_type.c.
 *
 * A NULL actor is treated as the zeroed one (the command line), whose
 * empty scope contains no case: the command line acts through an actor
 * that carries the role and scope it acts with. */
#include "workflow/workflow.h"
#include "workflow/calendar.h"
#include "workflow/wf_internal.h"
#include "core/audit.h"
#include "util/strbuf.h"
#include "util/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const SQL_INSERT =
    "INSERT INTO wf_case(type, state, org_path, title, created_by, created_at, state_entered_at, due_at)"
    " VALUES (?,?,?,?,?,?,?,?)";
static const char *const SQL_GET = "SELECT " WF_CASE_COLUMNS " FROM wf_case c WHERE c.id = ? AND c.type = ?";
/* Guarded by the state read: a concurrent step makes it change no row. */
static const char *const SQL_STEP =
    "UPDATE wf_case SET state = ?, state_entered_at = ?, due_at = ?, closed_at = ? WHERE id = ? AND state = ?";

static const actor NOBODY;

/* ---- who may take a step ---------------------------------------------- */

/* The depth of an org path: "/1/" 1 (street), "/1/4/" 2, "/1/4/17/" 3. */
static int path_depth(const char *path)
{
    int slashes = 0;
    for (const char *p = path; *p; p++)
        slashes += *p == '/';
    return slashes > 0 ? slashes - 1 : 0;
}

static const char *level_label(int depth)
{
    static const char *const LABELS[] = {"", "街道", "社区", "网格", "楼栋"};
    return depth >= 1 && depth <= 4 ? LABELS[depth] : "其他";
}

/* "街道工作人员或系统管理员" for a set of role bits. */
static void roles_text(role roles, char *out, size_t outsz)
{
    strbuf sb = STRBUF_INIT;
    for (unsigned bit = 1; bit <= ROLE_VIEWER; bit <<= 1) {
        if (!(roles & bit))
            continue;
        if (sb.len)
            sb_puts(&sb, "或");
        sb_puts(&sb, role_label((role)bit));
    }
    snprintf(out, outsz, "%s", sb.data ? sb.data : "");
    sb_free(&sb);
    utf8_trim_partial(out);
}

/* The org path transition tr is checked against: the case's, or the
 * other party's (wf_type.party_path) into buf, asked once per buf
 * (*asked: 0 not yet, 1 in buf, -1 failed). NULL on an error. */
static const char *step_path(db_conn *db, const wf_type *t, const wf_transition *tr, const wf_case *c,
                             char buf[WF_PATH_MAX], int *asked)
{
    if (!tr->other_party)
        return c->org_path;
    if (*asked == 0)
        *asked = t->party_path && t->party_path(db, c, buf) == 0 ? 1 : -1;
    return *asked > 0 ? buf : NULL;
}

/* 0 when who's role, scope and level admit transition tr on case c
 * (on the unit at path: step_path), else -1 with ERR_FORBIDDEN in e (e
 * may be NULL). */
static int check_actor(const wf_transition *tr, const char *path, const actor *who, ms_err *e)
{
    if (tr->system_only && who->id != 0)
        return err_set(e, ERR_FORBIDDEN, NULL, "「%s」只能由命令行批量导入办理", tr->label);
    if (!(who->role & tr->roles)) {
        char roles[160];
        roles_text(tr->roles, roles, sizeof roles);
        return err_set(e, ERR_FORBIDDEN, NULL, "「%s」须由%s办理", tr->label, roles);
    }
    if (!path || !actor_scope_contains(who, path))
        return err_set(e, ERR_FORBIDDEN, NULL, "该案件不在您的管辖范围内");
    int depth = path_depth(who->scope_path);
    if (depth > (int)tr->level)
        return err_set(e, ERR_FORBIDDEN, NULL, "「%s」须由%s一级办理，您的账号属于%s一级", tr->label,
                       level_label(tr->level), level_label(depth));
    return 0;
}

/* The type's conflict hook: 0 clear, 1 conflicted (ERR_FORBIDDEN with
 * the reason in e), -1 on a database error (ERR_DB). */
static int check_conflict(db_conn *db, const wf_type *t, const wf_case *c, const actor *who, ms_err *e)
{
    char why[200] = "";
    int rc = t->conflicted ? t->conflicted(db, c, who, why, sizeof why) : 0;
    if (rc < 0)
        return err_db(e);
    if (rc > 0)
        err_set(e, ERR_FORBIDDEN, NULL, "%s", why[0] ? why : "您与该案件当事人存在利害关系，须回避");
    return rc;
}

int wf_allowed_actions(db_conn *db, const wf_type *t, const wf_case *c, const actor *who, wf_action *out,
                       size_t max, ms_err *e)
{
    size_t n = 0;
    who = who ? who : &NOBODY;
    if (c->closed_at[0])
        return 0;
    char party[WF_PATH_MAX];
    int asked = 0;
    for (const wf_transition *tr = t->transitions; tr->from && n < max; tr++) {
        if (strcmp(tr->from, c->state) != 0 || check_actor(tr, step_path(db, t, tr, c, party, &asked), who, NULL) != 0)
            continue;
        out[n++] = (wf_action){tr->action, tr->label, tr->to, wf_state_label(t, tr->to), tr->opinion_required};
    }
    if (n == 0)
        return 0;
    int conflicted = check_conflict(db, t, c, who, NULL);
    if (conflicted < 0)
        return err_db(e);
    return conflicted ? 0 : (int)n;
}

/* ---- input -------------------------------------------------------------- */

/* 1 when s is NULL or only ASCII white space and ideographic spaces (U+3000). */
static int is_blank(const char *s)
{
    while (s && *s) {
        if (strncmp(s, "\xE3\x80\x80", 3) == 0)
            s += 3;
        else if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
            s++;
        else
            return 0;
    }
    return 1;
}

static int check_input(const wf_transition *tr, const wf_input *in, ms_err *e)
{
    const char *opinion = in ? in->opinion : NULL;
    if (tr->opinion_required && is_blank(opinion))
        return err_set(e, ERR_INVALID, "opinion", "「%s」须填写意见", tr->label);
    long len = opinion ? utf8_length(opinion) : 0;
    if (len < 0 || len > WF_OPINION_CHARS)
        return err_set(e, ERR_INVALID, "opinion", "意见不能超过%d个字", WF_OPINION_CHARS);
    const char *const *names = in ? in->attachments : NULL;
    for (size_t i = 0; names && names[i]; i++) {
        if (i == WF_MAX_ATTACHMENTS)
            return err_set(e, ERR_INVALID, "attachments", "附件不能超过%d个", WF_MAX_ATTACHMENTS);
        len = utf8_length(names[i]);
        if (len < 1 || strlen(names[i]) > 255)
            return err_set(e, ERR_INVALID, "attachments", "第%zu个附件的文件名无效", i + 1);
    }
    return 0;
}

/* "/1/4/17/": ids of digits between slashes, at least one. */
static int org_path_ok(const char *p)
{
    if (!p || p[0] != '/' || p[1] == '\0' || strlen(p) >= WF_PATH_MAX)
        return 0;
    for (p++; *p; p++) {
        if (*p == '/' ? p[-1] == '/' : *p < '0' || *p > '9')
            return 0;
    }
    return p[-1] == '/';
}

/* ---- deadlines ---------------------------------------------------------- */

/* The due time of state st entered at `at` into out ("" for no limit);
 * a WF_CALLER_LIMIT state takes the caller's (in->due_at). */
static int state_due(db_conn *db, const wf_state *st, const char *at, const wf_input *in, char out[static 20])
{
    out[0] = '\0';
    if (st->limit == WF_CALLER_LIMIT) {
        if (!in || !in->due_at || strlen(in->due_at) != 19)
            return -1;
        memcpy(out, in->due_at, 20);
        return 0;
    }
    if (st->limit == WF_WORKING_DAYS)
        return cal_add_working_days(db, at, st->days, out);
    if (st->limit == WF_CALENDAR_DAYS)
        return cal_add_calendar_days(db, at, st->days, out);
    return 0;
}

int wf_is_overdue(const wf_case *c, const char *now)
{
    return !c->closed_at[0] && c->due_at[0] && strcmp(now, c->due_at) > 0;
}

/* ---- audit -------------------------------------------------------------- */

static json_t *case_image(const wf_case *c)
{
    return json_pack("{s:s, s:s, s:s?, s:s?}", "type", c->type, "state", c->state, "due_at",
                     c->due_at[0] ? c->due_at : NULL, "closed_at", c->closed_at[0] ? c->closed_at : NULL);
}

static int audit_case(db_conn *db, const actor *who, const char *ip, const char *action, const wf_case *before,
                      const wf_case *after, const char *detail)
{
    json_t *b = before ? case_image(before) : NULL, *a = case_image(after);
    int rc = audit_write_as(db, who, ip,
                            (audit_entry){.action = action, .entity = "wf_case", .entity_id = after->id,
                                          .org_path = after->org_path, .before = b, .after = a,
                                          .detail = detail});
    json_decref(b);
    json_decref(a);
    return rc;
}

/* ---- create, load, perform ---------------------------------------------- */

/* A step's time into out: now, or the loader's past time `at` (see
 * wf_input.at), which lies between `after` ("" = any) and now. */
static int step_time(const char *at, const char *after, char out[static 20], ms_err *e)
{
    db_now(out);
    if (!at)
        return 0;
    char day[11];
    int h, mi, se, n = 0;
    snprintf(day, sizeof day, "%.10s", at);
    if (strlen(at) != 19 || at[10] != ' ' || !date_is_valid(day) ||
        sscanf(at + 11, "%2d:%2d:%2d%n", &h, &mi, &se, &n) != 3 || n != 8 || h > 23 || mi > 59 || se > 59)
        return err_set(e, ERR_INVALID, "at", "时间格式应为 YYYY-MM-DD HH:MM:SS");
    if (strcmp(at, out) > 0)
        return err_set(e, ERR_INVALID, "at", "补录的时间不能晚于现在");
    if (after && strcmp(at, after) < 0)
        return err_set(e, ERR_INVALID, "at", "补录的时间不能早于案件进入当前状态的时间");
    memcpy(out, at, 20);
    return 0;
}

int64_t wf_create(db_conn *db, const wf_type *t, const char *org_path, const char *title, const actor *who,
                  const char *ip, ms_err *e)
{
    return wf_create_at(db, t, org_path, title, who, ip, NULL, e);
}

int64_t wf_create_at(db_conn *db, const wf_type *t, const char *org_path, const char *title, const actor *who,
                     const char *ip, const char *at, ms_err *e)
{
    wf_case c = {0};
    who = who ? who : &NOBODY;
    const wf_state *init = wf_state_find(t, t->initial);
    if (!init)
        return err_db(e);   /* a broken table: wf_type_check catches it in the module's tests */
    if (!org_path_ok(org_path))
        return err_set(e, ERR_INVALID, "org_path", "所属单位无效");
    long len = title ? utf8_length(title) : -1;
    if (len < 1 || len > WF_TITLE_CHARS || is_blank(title))
        return err_set(e, ERR_INVALID, "title", "标题须为1至%d个字", WF_TITLE_CHARS);
    if (!actor_scope_contains(who, org_path))
        return err_set(e, ERR_FORBIDDEN, NULL, "不能在管辖范围以外登记案件");
    snprintf(c.type, sizeof c.type, "%s", t->code);
    snprintf(c.state, sizeof c.state, "%s", init->code);
    snprintf(c.org_path, sizeof c.org_path, "%s", org_path);
    snprintf(c.title, sizeof c.title, "%s", title);
    c.created_by = who->id > 0 ? who->id : 0;
    if (step_time(at, NULL, c.created_at, e) != 0)
        return -1;
    memcpy(c.state_entered_at, c.created_at, sizeof c.created_at);
    if (state_due(db, init, c.created_at, NULL, c.due_at) != 0)
        return err_db(e);
    int rc = db_exec_args(db, SQL_INSERT, DB_TEXT(c.type), DB_TEXT(c.state), DB_TEXT(c.org_path), DB_TEXT(c.title),
                          DB_ID(c.created_by), DB_TEXT(c.created_at), DB_TEXT(c.state_entered_at),
                          DB_OPT_TEXT(c.due_at));
    if (rc != DB_DONE)
        return err_db(e);
    c.id = db_last_insert_id(db);
    char detail[400];
    snprintf(detail, sizeof detail, "%s「%s」：%s", t->label, c.title, init->label);
    utf8_trim_partial(detail);
    if (wf_timeline_add(db, c.id, c.created_at, who, NULL, c.state, WF_ACTION_CREATED, NULL) != 0 ||
        audit_case(db, who, ip, "create", NULL, &c, detail) != 0)
        return err_db(e);
    return c.id;
}

void wf_case_from_row(db_stmt *s, int first, wf_case *out)
{
    *out = (wf_case){.id = db_col_int(s, first), .created_by = db_col_int(s, first + 5)};
    db_col_copy(s, first + 1, out->type, sizeof out->type);
    db_col_copy(s, first + 2, out->state, sizeof out->state);
    db_col_copy(s, first + 3, out->org_path, sizeof out->org_path);
    db_col_copy(s, first + 4, out->title, sizeof out->title);
    db_col_copy(s, first + 6, out->created_at, sizeof out->created_at);
    db_col_copy(s, first + 7, out->state_entered_at, sizeof out->state_entered_at);
    db_col_copy(s, first + 8, out->due_at, sizeof out->due_at);
    db_col_copy(s, first + 9, out->closed_at, sizeof out->closed_at);
}

int wf_load(db_conn *db, const wf_type *t, int64_t id, wf_case *out, ms_err *e)
{
    db_stmt *s = db_query(db, SQL_GET, DB_INT(id), DB_TEXT(t->code));
    int rc = db_step(s);
    if (rc == DB_ROW)
        wf_case_from_row(s, 0, out);
    db_finalize(s);
    if (rc == DB_ROW)
        return 0;
    return rc == DB_DONE ? err_set(e, ERR_NOT_FOUND, NULL, "案件不存在") : err_db(e);
}

/* The transition `action` out of c's state, or NULL with the reason in e. */
static const wf_transition *find_step(const wf_type *t, const wf_case *c, const char *action, ms_err *e)
{
    const wf_transition *tr = action ? wf_transition_find(t, c->state, action) : NULL;
    if (tr)
        return tr;
    const wf_transition *any = action ? wf_transition_find(t, NULL, action) : NULL;
    if (!any)
        err_set(e, ERR_INVALID, "action", "%s没有这项操作", t->label);
    else if (c->closed_at[0])
        err_set(e, ERR_CONFLICT, NULL, "案件已办结（%s），不能再「%s」", wf_state_label(t, c->state), any->label);
    else
        err_set(e, ERR_CONFLICT, NULL, "案件当前状态为「%s」，不能「%s」", wf_state_label(t, c->state), any->label);
    return NULL;
}

int wf_perform(db_conn *db, const wf_type *t, int64_t id, const char *action, const actor *who, const char *ip,
               const wf_input *in, wf_case *out, ms_err *e)
{
    wf_case before, c;
    who = who ? who : &NOBODY;
    if (wf_load(db, t, id, &before, e) != 0)
        return -1;
    const wf_transition *tr = find_step(t, &before, action, e);
    char party[WF_PATH_MAX];
    int asked = 0;
    if (!tr || check_actor(tr, step_path(db, t, tr, &before, party, &asked), who, e) != 0 ||
        check_conflict(db, t, &before, who, e) != 0 ||
        check_input(tr, in, e) != 0)
        return -1;
    const wf_state *to = wf_state_find(t, tr->to);
    if (!to)
        return err_db(e);   /* a broken table, as in wf_create */
    c = before;
    snprintf(c.state, sizeof c.state, "%s", to->code);
    if (step_time(in ? in->at : NULL, before.state_entered_at, c.state_entered_at, e) != 0)
        return -1;
    snprintf(c.closed_at, sizeof c.closed_at, "%s", to->terminal ? c.state_entered_at : "");
    if (state_due(db, to, c.state_entered_at, in, c.due_at) != 0)
        return err_db(e);
    int rc = db_exec_args(db, SQL_STEP, DB_TEXT(c.state), DB_TEXT(c.state_entered_at), DB_OPT_TEXT(c.due_at),
                          DB_OPT_TEXT(c.closed_at), DB_INT(c.id), DB_TEXT(before.state));
    if (rc != DB_DONE)
        return err_db(e);
    if (db_changes(db) != 1)
        return err_set(e, ERR_CONFLICT, NULL, "案件状态已被他人更改，请刷新后重试");
    char detail[200];
    snprintf(detail, sizeof detail, "%s：%s → %s", tr->label, wf_state_label(t, before.state), to->label);
    utf8_trim_partial(detail);
    if (wf_timeline_add(db, c.id, c.state_entered_at, who, before.state, c.state, tr->action, in) != 0 ||
        audit_case(db, who, ip, "transition", &before, &c, detail) != 0)
        return err_db(e);
    if (out)
        *out = c;
    return 0;
}
