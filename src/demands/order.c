/* order.c — work orders: their SQL and the rules the workflow table
 * cannot say (see order.h). */
#include "demands/order.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "demands/category.h"
#include "demands/dept.h"
#include "demands/order_flow.h"
#include "registry/org.h"
#include "registry/resident.h"
#include "util/validate.h"
#include "workflow/calendar.h"

#define COL_PHONE "demand_order.phone"

/* ---- reading ------------------------------------------------------------- */

void order_from_row(db_stmt *s, demand_order *o)
{
    int i = WF_CASE_NCOLUMNS;
    memset(o, 0, sizeof *o);
    wf_case_from_row(s, 0, &o->c);
    db_col_copy(s, i++, o->source, sizeof o->source);
    db_col_copy(s, i++, o->hotline_no, sizeof o->hotline_no);
    o->category_id = db_col_int(s, i++);
    db_col_copy(s, i++, o->category_name, sizeof o->category_name);
    o->handle_days = (int)db_col_int(s, i++);
    o->sign_days = (int)db_col_int(s, i++);
    db_col_copy(s, i++, o->urgency, sizeof o->urgency);
    o->grid_id = db_col_int(s, i++);
    db_col_copy(s, i++, o->grid_name, sizeof o->grid_name);
    db_col_copy(s, i++, o->community_name, sizeof o->community_name);
    db_col_copy(s, i++, o->address, sizeof o->address);
    o->has_point = !db_col_is_null(s, i);
    o->lng = (double)db_col_int(s, i++) / 1e6;
    o->lat = (double)db_col_int(s, i++) / 1e6;
    o->resident_id = db_col_int(s, i++);
    db_col_copy(s, i++, o->reporter_name, sizeof o->reporter_name);
    if (fc_decrypt(COL_PHONE, o->c.id, db_col_text(s, i++), o->phone, sizeof o->phone) != 0)
        fprintf(stderr, "minsheng: 工单 %lld 的联系电话无法解密（被改动，或缺少该代密钥）\n", (long long)o->c.id);
    db_col_copy(s, i++, o->phone_bidx, sizeof o->phone_bidx);
    db_col_copy(s, i++, o->content, sizeof o->content);
    db_col_copy(s, i++, o->attachments, sizeof o->attachments);
    o->assignee_unit_id = db_col_int(s, i++);
    o->assignee_dept_id = db_col_int(s, i++);
    db_col_copy(s, i++, o->assignee_name, sizeof o->assignee_name);
    db_col_copy(s, i++, o->assignee_path, sizeof o->assignee_path);
    db_col_copy(s, i++, o->assigned_at, sizeof o->assigned_at);
    db_col_copy(s, i++, o->sign_due_at, sizeof o->sign_due_at);
    db_col_copy(s, i++, o->handle_due_at, sizeof o->handle_due_at);
    db_col_copy(s, i++, o->signed_at, sizeof o->signed_at);
    db_col_copy(s, i++, o->finished_at, sizeof o->finished_at);
    db_col_copy(s, i++, o->result, sizeof o->result);
    o->solved = (int)db_col_int(s, i++);
    db_col_copy(s, i++, o->satisfaction, sizeof o->satisfaction);
    db_col_copy(s, i++, o->callback_at, sizeof o->callback_at);
    o->redo_count = (int)db_col_int(s, i++);
    o->return_count = (int)db_col_int(s, i++);
    o->merged_into = db_col_int(s, i++);
}

int order_get(db_conn *db, int64_t id, demand_order *out)
{
    db_stmt *s = db_query(db, ORDER_SELECT " WHERE o.id = ?", DB_INT(id));
    int rc = db_step(s);
    if (rc == DB_ROW)
        order_from_row(s, out);
    db_finalize(s);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}

order_flags order_flags_at(const demand_order *o, const char *now)
{
    order_flags f = {0};
    int open = strcmp(o->c.state, "assigned") == 0 || strcmp(o->c.state, "handling") == 0;
    if (o->handle_due_at[0]) {
        f.overdue = open && strcmp(now, o->handle_due_at) > 0;
        const char *end = !open && o->finished_at[0] ? o->finished_at : now;
        f.supervised = (open || o->finished_at[0]) && strcmp(end, o->handle_due_at) > 0;
    }
    f.unsigned_late = strcmp(o->c.state, "assigned") == 0 && o->sign_due_at[0] && strcmp(now, o->sign_due_at) > 0;
    f.callback_due = strcmp(o->c.state, "finished") == 0;
    f.callback_late = f.callback_due && wf_is_overdue(&o->c, now);
    return f;
}

int order_deadlines(db_conn *db, const char *from, int sign_days, int handle_days, char sign_due[static 20],
                    char handle_due[static 20])
{
    if (cal_add_working_days(db, from, sign_days, sign_due) != 0 ||
        cal_add_working_days(db, from, handle_days, handle_due) != 0)
        return -1;
    return 0;
}

/* ---- who ------------------------------------------------------------------ */

int order_visible(db_conn *db, const actor *who, const demand_order *o)
{
    int64_t dept = dept_of_user(db, who->id);
    if (dept < 0)
        return -1;
    if (dept)
        return o->assignee_dept_id == dept && actor_scope_contains(who, o->c.org_path);
    return actor_scope_contains(who, o->c.org_path);
}

int order_may(db_conn *db, const actor *who, const demand_order *o, const char *action, ms_err *e)
{
    int64_t dept = dept_of_user(db, who->id);
    if (dept < 0)
        return err_db(e), 0;
    int assignee_step = order_action_is_assignee(action);
    if (dept) {
        if (!assignee_step)
            return err_set(e, ERR_FORBIDDEN, NULL, "部门账号只能签收、办理、办结或退回交办给本部门的工单"), 0;
        if (o->assignee_dept_id != dept)
            return err_set(e, ERR_FORBIDDEN, NULL, "该工单未交办给您的部门"), 0;
        return 1;
    }
    if (!assignee_step)
        return 1;
    if (o->assignee_dept_id)
        return err_set(e, ERR_FORBIDDEN, NULL, "该工单已交办给「%s」，由该部门签收办理", o->assignee_name), 0;
    if (who->role == ROLE_VIEWER || !o->assignee_path[0] || !actor_scope_contains(who, o->assignee_path))
        return err_set(e, ERR_FORBIDDEN, NULL, "该工单已交办给「%s」，由承办单位签收办理", o->assignee_name), 0;
    return 1;
}

/* ---- intake --------------------------------------------------------------- */

/* A required text of at most max characters, not blank. */
static int text_or_fail(const char *v, const char *field, const char *label, long max, ms_err *e)
{
    long len = v ? utf8_length(v) : 0;
    if (len <= 0 || strspn(v, " \t\r\n") == strlen(v))
        return err_set(e, ERR_INVALID, field, "请填写%s", label);
    if (len > max)
        return err_set(e, ERR_INVALID, field, "%s不能超过%ld个字", label, max);
    return 0;
}

static int check_new(db_conn *db, const order_new *in, demand_category *cat, ms_err *e)
{
    static const char *const SOURCES[] = {"hotline", "petition", "walkin", "patrol", "online", NULL};
    static const char *const URGENCIES[] = {"normal", "urgent", "critical", NULL};
    if (!in->source || !str_in_set(in->source, SOURCES))
        return err_set(e, ERR_INVALID, "source", "来源须为 hotline（12345热线）、petition（信访）、walkin（来访）、"
                                                 "patrol（网格巡查）或 online（网上）");
    int hotline = strcmp(in->source, "hotline") == 0;
    if (hotline && (!in->hotline_no || !*in->hotline_no))
        return err_set(e, ERR_INVALID, "hotline_no", "12345热线工单须填写热线工单号");
    if (!hotline && in->hotline_no && *in->hotline_no)
        return err_set(e, ERR_INVALID, "hotline_no", "只有12345热线工单有热线工单号");
    if (hotline && (strlen(in->hotline_no) > 40 || utf8_length(in->hotline_no) < 1))
        return err_set(e, ERR_INVALID, "hotline_no", "热线工单号不能超过40个字符");
    if (in->urgency && !str_in_set(in->urgency, URGENCIES))
        return err_set(e, ERR_INVALID, "urgency", "紧急程度须为 normal（一般）、urgent（紧急）或 critical（特急）");
    int rc = in->category_id > 0 ? category_get(db, in->category_id, cat) : 1;
    if (rc < 0)
        return err_db(e);
    if (rc > 0 || !cat->active)
        return err_set(e, ERR_INVALID, "category_id", "诉求类别不存在或已停用");
    if (text_or_fail(in->address, "address", "地址", ORDER_ADDRESS_CHARS, e) != 0 ||
        text_or_fail(in->content, "content", "诉求内容", ORDER_CONTENT_CHARS, e) != 0)
        return -1;
    if (in->has_point && (in->lng < 73 || in->lng > 136 || in->lat < 3 || in->lat > 54))
        return err_set(e, ERR_INVALID, "point", "坐标须在中国境内（lng 73–136，lat 3–54）");
    if (in->phone && *in->phone && !phone_is_valid(in->phone))
        return err_set(e, ERR_INVALID, "phone", "联系电话格式不正确");
    return 0;
}

/* The reporter's name and phone: given, or the linked resident's. */
static int reporter(db_conn *db, const actor *who, const order_new *in, char name[208], char phone[48], ms_err *e)
{
    snprintf(name, 208, "%s", in->reporter_name ? in->reporter_name : "");
    phone[0] = '\0';
    if (in->phone && *in->phone && !phone_normalize(in->phone, phone, 48))
        return err_set(e, ERR_INVALID, "phone", "联系电话格式不正确");
    if (in->resident_id > 0) {
        resident *r = calloc(1, sizeof *r);
        int rc = r ? resident_get(db, in->resident_id, r) : -1;
        if (rc == 0 && !actor_scope_contains(who, r->grid_path))
            rc = 1;
        if (rc == 0) {
            if (!name[0])
                snprintf(name, 208, "%s", r->name);
            if (!phone[0])
                snprintf(phone, 48, "%s", r->phone);
        }
        free(r);
        if (rc != 0)
            return rc < 0 ? err_db(e) : err_set(e, ERR_INVALID, "resident_id", "居民不存在或不在您的管辖范围内");
    }
    const char *bad = name[0] ? person_name_problem(name) : NULL;
    if (!name[0])
        return err_set(e, ERR_INVALID, "reporter_name", "请填写诉求人姓名（或关联居民 resident_id；匿名可写“匿名”）");
    if (bad)
        return err_set(e, ERR_INVALID, "reporter_name", "诉求人姓名%s", bad);
    return 0;
}

int64_t order_create(db_conn *db, const actor *who, const char *ip, const order_new *in, ms_err *e)
{
    demand_category cat;
    org_unit grid;
    char name[208], phone[48], title[WF_TITLE_CHARS * 4 + 1];
    if (check_new(db, in, &cat, e) != 0)
        return -1;
    int rc = in->grid_id > 0 ? org_get(db, in->grid_id, &grid) : 1;
    if (rc < 0)
        return err_db(e);
    if (rc > 0 || strcmp(grid.kind, "grid") != 0 || !actor_scope_contains(who, grid.path))
        return err_set(e, ERR_INVALID, "grid_id", "网格不存在或不在您的管辖范围内");
    if (strcmp(grid.status, "active") != 0)
        return err_set(e, ERR_INVALID, "grid_id", "该网格已撤销");
    if (reporter(db, who, in, name, phone, e) != 0)
        return -1;
    if (in->hotline_no && *in->hotline_no &&
        db_exists(db, "SELECT 1 FROM demand_order WHERE hotline_no = ?", DB_TEXT(in->hotline_no)))
        return err_set(e, ERR_CONFLICT, "hotline_no", "热线工单号 %s 已登记", in->hotline_no);
    if (in->title && *in->title)
        snprintf(title, sizeof title, "%s", in->title);
    else
        snprintf(title, sizeof title, "%s：%.*s", cat.name, 200, in->address);
    utf8_trim_partial(title);
    while (utf8_length(title) > WF_TITLE_CHARS) {   /* cut the default title to the engine's length */
        size_t n = strlen(title);
        do
            n--;
        while (n > 0 && ((unsigned char)title[n] & 0xC0) == 0x80);
        title[n] = '\0';
    }
    int64_t id = wf_create_at(db, &DEMAND_ORDER, grid.path, title, who, ip, in->at, e);
    if (id < 0)
        return -1;
    char enc[FC_STORED_MAX] = "", bidx[FC_BLIND_HEX] = "";
    if (phone[0] && (fc_encrypt(COL_PHONE, id, phone, enc) != 0 || fc_blind(FC_PHONE, phone, 0, bidx) != 0))
        return err_db(e);
    if (db_exec_args(db,
                     "INSERT INTO demand_order(id, source, hotline_no, category_id, urgency, grid_id, address, lng_e6, lat_e6,"
                     " resident_id, reporter_name, phone_enc, phone_bidx, content, attachments)"
                     " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                     DB_INT(id), DB_TEXT(in->source), DB_OPT_TEXT(in->hotline_no), DB_INT(cat.id),
                     DB_TEXT(in->urgency ? in->urgency : "normal"), DB_INT(grid.id), DB_TEXT(in->address),
                     in->has_point ? DB_INT(llround(in->lng * 1e6)) : DB_NULL,
                     in->has_point ? DB_INT(llround(in->lat * 1e6)) : DB_NULL, DB_ID(in->resident_id), DB_TEXT(name), DB_OPT_TEXT(enc), DB_OPT_TEXT(bidx),
                     DB_TEXT(in->content), DB_TEXT(in->attachments_json ? in->attachments_json : "[]")) != DB_DONE)
        return err_db(e);
    return id;
}

/* ---- encryption passes (app/fieldkeys.c) ------------------------------------ */

const fc_column_sql order_phone_crypt = {
    .column = COL_PHONE,
    .next = "SELECT id, NULL, phone_enc FROM demand_order WHERE id > ? AND phone_enc IS NOT NULL"
            " AND phone_enc NOT LIKE ? ORDER BY id LIMIT ?",
    .set = "UPDATE demand_order SET phone_enc = ?, phone_bidx = ? WHERE id = ?",
    .status = "SELECT 0, COUNT(CASE WHEN phone_enc NOT LIKE ? THEN 1 END), COUNT(CASE WHEN phone_enc LIKE ? THEN 1 END)"
              " FROM demand_order",
    .blind = FC_PHONE,
};

/* ---- duplicates ------------------------------------------------------------ */

int order_duplicates(db_conn *db, const actor *who, const demand_order *o, order_dup *out, int max)
{
    char since[20], end[256];
    /* ORDER_DUP_DAYS before the order was registered, as UTC text. */
    time_t t = 0;
    struct tm tm = {0};
    if (sscanf(o->c.created_at, "%d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
               &tm.tm_sec) != 6)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    t = timegm(&tm) - (time_t)ORDER_DUP_DAYS * 86400;
    gmtime_r(&t, &tm);
    strftime(since, sizeof since, "%Y-%m-%d %H:%M:%S", &tm);
    int64_t dept = dept_of_user(db, who->id);
    if (dept != 0)
        return dept < 0 ? -1 : 0;   /* a department's account sees only its own orders: no candidates */
    org_path_end(who->scope_path, end);
    char bidx[KEYS_MAX_GENERATIONS][FC_BLIND_HEX] = {"", ""};
    if (o->phone[0] && fc_blinds(FC_PHONE, o->phone, bidx) != 0)
        return -1;
    db_stmt *s = db_query(db,
                          "SELECT c.id, c.title, c.state, c.created_at,"
                          " CASE WHEN o.phone_bidx IN (?, ?) THEN 1 ELSE 0 END,"
                          " CASE WHEN o.category_id = ? AND o.address = ? THEN 1 ELSE 0 END"
                          " FROM demand_order o JOIN wf_case c ON c.id = o.id"
                          " WHERE o.id <> ? AND c.created_at >= ? AND c.state <> 'merged'"
                          " AND c.org_path >= ? AND c.org_path < ?"
                          " AND (o.phone_bidx IN (?, ?) OR (o.category_id = ? AND o.address = ?))"
                          " AND NOT EXISTS (SELECT 1 FROM demand_duplicate x WHERE"
                          " (x.low_id = o.id AND x.high_id = ?) OR (x.low_id = ? AND x.high_id = o.id))"
                          " ORDER BY c.id DESC LIMIT ?",
                          DB_OPT_TEXT(bidx[0]), DB_OPT_TEXT(bidx[1]), DB_INT(o->category_id), DB_TEXT(o->address),
                          DB_INT(o->c.id), DB_TEXT(since), DB_TEXT(who->scope_path), DB_TEXT(end),
                          DB_OPT_TEXT(bidx[0]), DB_OPT_TEXT(bidx[1]),
                          DB_INT(o->category_id), DB_TEXT(o->address), DB_INT(o->c.id), DB_INT(o->c.id), DB_INT(max));
    int n = 0, rc;
    while ((rc = db_step(s)) == DB_ROW && n < max) {
        order_dup *d = &out[n++];
        d->id = db_col_int(s, 0);
        db_col_copy(s, 1, d->title, sizeof d->title);
        db_col_copy(s, 2, d->state, sizeof d->state);
        db_col_copy(s, 3, d->created_at, sizeof d->created_at);
        d->same_phone = (int)db_col_int(s, 4);
        d->same_place = (int)db_col_int(s, 5);
    }
    db_finalize(s);
    return rc == DB_DONE || rc == DB_ROW ? n : -1;
}

static int record_decision(db_conn *db, const actor *who, int64_t a, int64_t b, const char *decision, const char *at,
                           ms_err *e)
{
    char now[20];
    if (!at)
        at = db_now(now);
    int64_t lo = a < b ? a : b, hi = a < b ? b : a;
    if (db_exists(db, "SELECT 1 FROM demand_duplicate WHERE low_id = ? AND high_id = ?", DB_INT(lo), DB_INT(hi)))
        return err_set(e, ERR_CONFLICT, "other_id", "这两张工单是否重复已有决定");
    if (db_exec_args(db, "INSERT INTO demand_duplicate(low_id, high_id, decision, decided_by, decided_at) VALUES (?,?,?,?,?)",
                     DB_INT(lo), DB_INT(hi), DB_TEXT(decision), DB_ID(who->id), DB_TEXT(at)) != DB_DONE)
        return err_db(e);
    return 0;
}

/* ---- steps ---------------------------------------------------------------- */

/* The assignee of an assign/reassign step into o's columns: the
 * order's grid or its community, or an active department of its street. */
static int check_target(db_conn *db, const demand_order *o, const order_step_in *in, char name[128], ms_err *e)
{
    if ((in->unit_id > 0) == (in->dept_id > 0))
        return err_set(e, ERR_INVALID, "unit_id", "请指定承办单位：unit_id（工单所在网格或社区）或 department_id（部门）之一");
    if (in->unit_id > 0) {
        org_unit u;
        int rc = org_get(db, in->unit_id, &u);
        if (rc < 0)
            return err_db(e);
        if (rc > 0 || (strcmp(u.kind, "grid") != 0 && strcmp(u.kind, "community") != 0) ||
            strncmp(u.path, o->c.org_path, strlen(u.path)) != 0)
            return err_set(e, ERR_INVALID, "unit_id", "承办单位须为工单所在的网格或其社区");
        snprintf(name, 128, "%s", u.name);
        return 0;
    }
    demand_dept *d = calloc(1, sizeof *d);
    int rc = d ? dept_get(db, in->dept_id, d) : -1;
    if (rc == 0 && (!d->active || d->street_id != dept_street_of_path(o->c.org_path)))
        rc = 1;
    if (rc == 0)
        snprintf(name, 128, "%s", d->name);
    free(d);
    if (rc != 0)
        return rc < 0 ? err_db(e) : err_set(e, ERR_INVALID, "department_id", "部门不存在、已停用或不属于本街道");
    return 0;
}

static int check_note(const char *v, const char *field, const char *label, ms_err *e)
{
    long len = v ? utf8_length(v) : 0;
    if (len < 0 || len > ORDER_NOTE_CHARS)
        return err_set(e, ERR_INVALID, field, "%s不能超过%d个字", label, ORDER_NOTE_CHARS);
    return 0;
}

int order_step(db_conn *db, const actor *who, const char *ip, int64_t id, const char *action, const order_step_in *in,
               ms_err *e)
{
    static const char *const SATISFACTION[] = {"satisfied", "basic", "dissatisfied", NULL};
    demand_order *o = calloc(1, sizeof *o);
    char now[20], sign_due[20] = "", handle_due[20] = "", name[128] = "";
    int rc = -1;
    if (!o)
        return err_db(e);
    int got = order_get(db, id, o);
    if (got != 0) {
        rc = got < 0 ? err_db(e) : err_set(e, ERR_NOT_FOUND, NULL, "工单不存在");
        goto out;
    }
    if (!order_may(db, who, o, action, e))
        goto out;
    if (in->at)
        snprintf(now, sizeof now, "%s", in->at);   /* wf_perform checks it */
    else
        db_now(now);
    wf_input wi = {.opinion = in->opinion, .attachments = in->attachments, .at = in->at};
    const char *step = action;
    if (strcmp(action, "assign") == 0 || strcmp(action, "reassign") == 0) {
        if (check_target(db, o, in, name, e) != 0 ||
            order_deadlines(db, now, o->sign_days, o->handle_days, sign_due, handle_due) != 0)
            goto out;
        wi.due_at = sign_due;
    } else if (strcmp(action, "sign") == 0 || strcmp(action, "progress") == 0) {
        wi.due_at = o->handle_due_at;
    } else if (strcmp(action, "finish") == 0) {
        if (in->solved < 0) {
            err_set(e, ERR_INVALID, "solved", "请说明问题是否已解决（solved：true 已解决，false 仅解释答复）");
            goto out;
        }
        if (check_note(in->opinion, "opinion", "办理结果", e) != 0)
            goto out;
    } else if (strcmp(action, "callback") == 0) {
        if (!in->satisfaction || !str_in_set(in->satisfaction, SATISFACTION)) {
            err_set(e, ERR_INVALID, "satisfaction", "回访结果须为 satisfied（满意）、basic（基本满意）或 dissatisfied（不满意）");
            goto out;
        }
        if (strcmp(in->satisfaction, "dissatisfied") == 0 && o->redo_count == 0 && strcmp(o->c.state, "finished") == 0) {
            step = "redo";
            if (order_deadlines(db, now, o->sign_days, o->handle_days, sign_due, handle_due) != 0)
                goto out;
            wi.due_at = handle_due;
        }
    } else if (strcmp(action, "return") != 0) {
        err_set(e, ERR_INVALID, "action", "诉求工单没有这项操作");
        goto out;
    }
    if (wf_perform(db, &DEMAND_ORDER, id, step, who, ip, &wi, NULL, e) != 0)
        goto out;
    int w;
    if (strcmp(action, "assign") == 0 || strcmp(action, "reassign") == 0)
        w = db_exec_args(db,
                         "UPDATE demand_order SET assignee_unit_id = ?, assignee_dept_id = ?, assigned_at = ?,"
                         " sign_due_at = ?, handle_due_at = ?, signed_at = NULL WHERE id = ?",
                         DB_ID(in->unit_id), DB_ID(in->dept_id), DB_TEXT(now), DB_TEXT(sign_due), DB_TEXT(handle_due),
                         DB_INT(id));
    else if (strcmp(action, "sign") == 0)
        w = db_exec_args(db, "UPDATE demand_order SET signed_at = ? WHERE id = ?", DB_TEXT(now), DB_INT(id));
    else if (strcmp(action, "return") == 0)
        w = db_exec_args(db,
                         "UPDATE demand_order SET assignee_unit_id = NULL, assignee_dept_id = NULL, assigned_at = NULL,"
                         " sign_due_at = NULL, handle_due_at = NULL, signed_at = NULL, return_count = return_count + 1"
                         " WHERE id = ?",
                         DB_INT(id));
    else if (strcmp(action, "finish") == 0)
        w = db_exec_args(db, "UPDATE demand_order SET finished_at = ?, result = ?, solved = ? WHERE id = ?",
                         DB_TEXT(now), DB_TEXT(in->opinion), DB_INT(in->solved ? 1 : 0), DB_INT(id));
    else if (strcmp(step, "redo") == 0)
        w = db_exec_args(db,
                         "UPDATE demand_order SET satisfaction = 'dissatisfied', callback_at = ?, redo_count = redo_count + 1,"
                         " handle_due_at = ?, finished_at = NULL, result = NULL, solved = NULL WHERE id = ?",
                         DB_TEXT(now), DB_TEXT(handle_due), DB_INT(id));
    else if (strcmp(action, "callback") == 0)
        w = db_exec_args(db, "UPDATE demand_order SET satisfaction = ?, callback_at = ? WHERE id = ?",
                         DB_TEXT(in->satisfaction), DB_TEXT(now), DB_INT(id));
    else
        w = DB_DONE;   /* progress: the note is the timeline's */
    rc = w == DB_DONE ? 0 : err_db(e);
out:
    free(o);
    return rc;
}

int order_urge_add(db_conn *db, const actor *who, int64_t id, const char *note, const char *at, ms_err *e)
{
    char now[20], state[WF_CODE_MAX] = "";
    long len = note ? utf8_length(note) : 0;
    if (len < 1 || len > ORDER_NOTE_CHARS)
        return err_set(e, ERR_INVALID, "note", "催办意见须为1至%d个字", ORDER_NOTE_CHARS);
    db_one_text(db, state, sizeof state, "SELECT state FROM wf_case WHERE id = ?", DB_INT(id));
    if (strcmp(state, "assigned") != 0 && strcmp(state, "handling") != 0)
        return err_set(e, ERR_CONFLICT, NULL, "工单当前状态为「%s」，只有待签收或办理中的工单可以催办",
                       order_state_label(state));
    if (db_exec_args(db, "INSERT INTO demand_urge(order_id, at, actor_id, actor_name, note) VALUES (?,?,?,?,?)",
                     DB_INT(id), DB_TEXT(at ? at : db_now(now)), DB_ID(who->id),
                     DB_TEXT(who->display_name[0] ? who->display_name : who->username), DB_TEXT(note)) != DB_DONE)
        return err_db(e);
    return 0;
}

int order_urges(db_conn *db, int64_t id, order_urge *out, int max)
{
    db_stmt *s = db_query(db, "SELECT at, actor_name, note FROM demand_urge WHERE order_id = ? ORDER BY id LIMIT ?",
                          DB_INT(id), DB_INT(max));
    int n = 0, rc;
    while ((rc = db_step(s)) == DB_ROW && n < max) {
        db_col_copy(s, 0, out[n].at, sizeof out[n].at);
        db_col_copy(s, 1, out[n].actor_name, sizeof out[n].actor_name);
        db_col_copy(s, 2, out[n].note, sizeof out[n].note);
        n++;
    }
    db_finalize(s);
    return rc == DB_DONE || rc == DB_ROW ? n : -1;
}

int order_decide_duplicate(db_conn *db, const actor *who, const char *ip, int64_t id, int64_t other,
                           const char *decision, const char *at, ms_err *e)
{
    static const char *const DECISIONS[] = {"merge", "distinct", NULL};
    if (!decision || !str_in_set(decision, DECISIONS))
        return err_set(e, ERR_INVALID, "decision", "decision 须为 merge（合并为重复工单）或 distinct（不是重复）");
    if (other <= 0 || other == id)
        return err_set(e, ERR_INVALID, "other_id", "请指定另一张工单 other_id");
    if (record_decision(db, who, id, other, strcmp(decision, "merge") == 0 ? "merged" : "distinct", at, e) != 0)
        return -1;
    if (strcmp(decision, "distinct") == 0)
        return 0;
    char state[WF_CODE_MAX] = "";
    db_one_text(db, state, sizeof state, "SELECT state FROM wf_case WHERE id = ?", DB_INT(other));
    if (strcmp(state, "merged") == 0)
        return err_set(e, ERR_CONFLICT, "other_id", "工单 %lld 本身已合并到其他工单，请合并到原工单", (long long)other);
    wf_input wi = {.at = at};
    char note[80];
    snprintf(note, sizeof note, "合并到工单 #%lld", (long long)other);
    wi.opinion = note;
    if (wf_perform(db, &DEMAND_ORDER, id, "merge", who, ip, &wi, NULL, e) != 0)
        return -1;
    if (db_exec_args(db, "UPDATE demand_order SET merged_into = ? WHERE id = ?", DB_INT(other), DB_INT(id)) != DB_DONE)
        return err_db(e);
    return 0;
}
