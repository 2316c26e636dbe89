/* enterprise.c — enterprises and places, their inspection plans and
 * inspections (see enterprise.h): the SQL of safety_enterprise and
 * safety_inspection. */
#include "safety/enterprise.h"
#include "registry/org.h"
#include "util/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COL_PHONE "safety_enterprise.phone"

const char *const ENTERPRISE_KINDS[] = {"工业企业", "商铺",   "餐饮",         "出租屋", "三小场所",
                                        "建筑工地", "加油站", "人员密集场所", "其他",   NULL};
const char *const INSPECTION_RESULTS[] = {"合格", "发现隐患", "责令停业整顿", NULL};

static const struct plan {
    const char *code, *label;
    int months;
} PLANS[] = {{"monthly", "按月", 1}, {"quarterly", "按季度", 3}, {"half_yearly", "按半年", 6}};
#define NPLANS (sizeof PLANS / sizeof PLANS[0])

static const struct plan *plan_find(const char *code)
{
    for (size_t i = 0; code && i < NPLANS; i++)
        if (strcmp(PLANS[i].code, code) == 0)
            return &PLANS[i];
    return NULL;
}

const char *frequency_label(const char *frequency)
{
    const struct plan *p = plan_find(frequency);
    return p ? p->label : frequency;
}

void enterprise_next_due(const char *frequency, const char *base, char out[static 11])
{
    const struct plan *p = plan_find(frequency);
    int y = 0, m = 0, d = 0;
    char date[48];
    sscanf(base, "%d-%d-%d", &y, &m, &d);
    int months = y * 12 + m - 1 + (p ? p->months : 1);
    y = months / 12;
    m = months % 12 + 1;
    /* the same day, or the month's last when it has fewer days */
    do
        snprintf(date, sizeof date, "%04d-%02d-%02d", y, m, d);
    while (!date_is_valid(date) && --d >= 28);
    snprintf(out, 11, "%.10s", date);
}

const fc_column_sql enterprise_phone_crypt = {
    .column = COL_PHONE,
    .next = "SELECT id, NULL, phone_enc FROM safety_enterprise WHERE id > ? AND phone_enc IS NOT NULL"
            " AND phone_enc NOT LIKE ? ORDER BY id LIMIT ?",
    .set = "UPDATE safety_enterprise SET phone_enc = ? WHERE id = ?",
    .status = "SELECT 0, COUNT(CASE WHEN phone_enc NOT LIKE ? THEN 1 END),"
              " COUNT(CASE WHEN phone_enc LIKE ? THEN 1 END) FROM safety_enterprise",
};

/* ---- loading ------------------------------------------------------------- */

void enterprise_from_row(db_stmt *s, enterprise *e)
{
    memset(e, 0, sizeof *e);
    e->id = db_col_int(s, 0);
    db_col_copy(s, 1, e->name, sizeof e->name);
    db_col_copy(s, 2, e->kind, sizeof e->kind);
    db_col_copy(s, 3, e->address, sizeof e->address);
    e->grid_id = db_col_int(s, 4);
    e->community_id = db_col_int(s, 5);
    db_col_copy(s, 6, e->org_path, sizeof e->org_path);
    db_col_copy(s, 7, e->grid_name, sizeof e->grid_name);
    db_col_copy(s, 8, e->community_name, sizeof e->community_name);
    db_col_copy(s, 9, e->contact_name, sizeof e->contact_name);
    if (fc_decrypt(COL_PHONE, e->id, db_col_text(s, 10), e->phone, sizeof e->phone) != 0)
        fprintf(stderr, "minsheng: 企业 %lld 的联系电话无法解密\n", (long long)e->id);
    db_col_copy(s, 11, e->frequency, sizeof e->frequency);
    db_col_copy(s, 12, e->plan_from, sizeof e->plan_from);
    db_col_copy(s, 13, e->last_inspected_on, sizeof e->last_inspected_on);
    db_col_copy(s, 14, e->next_due_on, sizeof e->next_due_on);
    e->active = (int)db_col_int(s, 15);
    e->version = db_col_int(s, 16);
    db_col_copy(s, 17, e->created_at, sizeof e->created_at);
    db_col_copy(s, 18, e->updated_at, sizeof e->updated_at);
}

int enterprise_get(db_conn *db, int64_t id, enterprise *out)
{
    db_stmt *s = db_query(db, ENTERPRISE_SELECT " WHERE e.id = ?", DB_INT(id));
    if (!s)
        return -1;
    int rc = db_step(s);
    if (rc == DB_ROW)
        enterprise_from_row(s, out);
    db_finalize(s);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}

/* ---- rules ----------------------------------------------------------------- */

int safety_text_ok(const char *s, long min, long max, int multiline)
{
    long n = s ? utf8_length(s) : 0;
    return n >= min && n <= max && (!s || text_is_clean(s, multiline));
}

const char *person_names_problem(const char *joined)
{
    static const char SEP[] = "、";
    char name[256];
    const char *p = joined, *why;
    if (!p || !*p)
        return "请至少填写一人";
    for (;;) {
        const char *end = strstr(p, SEP);
        size_t n = end ? (size_t)(end - p) : strlen(p);
        snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name ? n : sizeof name - 1), p);
        if ((why = person_name_problem(name)) != NULL)
            return why;
        if (!end)
            return NULL;
        p = end + sizeof SEP - 1;
    }
}

int safety_grid_in_scope(db_conn *db, const actor *who, int64_t grid_id, org_unit *g, ms_err *err)
{
    int rc = org_get(db, grid_id, g);
    if (rc < 0)
        return err_db(err);
    if (rc > 0 || !actor_scope_contains(who, g->path))
        return err_set(err, ERR_NOT_FOUND, "grid_id", "网格不存在或不在您的管辖范围内");
    if (strcmp(g->kind, "grid") != 0)
        return err_set(err, ERR_INVALID, "grid_id", "grid_id 应为网格（%s不是网格）", g->name);
    if (strcmp(g->status, "active") != 0)
        return err_set(err, ERR_CONFLICT, "grid_id", "网格%s已撤销", g->name);
    return 0;
}

/* Checks what `in` gives (create: the required fields present); the
 * normalised phone into phone. 0 or -1. */
static int check_input(const enterprise_in *in, int create, char phone[40], ms_err *err)
{
    char today[11], limit[11];
    phone[0] = '\0';
    if ((create || in->name) && !safety_text_ok(in->name, 1, ENT_NAME_CHARS, 0))
        return err_set(err, ERR_INVALID, "name", "请填写企业或场所名称（不超过%d个字）", ENT_NAME_CHARS);
    if ((create || in->kind) && !str_in_set(in->kind ? in->kind : "", ENTERPRISE_KINDS))
        return err_set(err, ERR_INVALID, "kind",
                       "类型只能是工业企业、商铺、餐饮、出租屋、三小场所、建筑工地、加油站、人员密集场所或其他");
    if ((create || in->address) && !safety_text_ok(in->address, 1, ENT_ADDRESS_CHARS, 0))
        return err_set(err, ERR_INVALID, "address", "请填写地址（不超过%d个字）", ENT_ADDRESS_CHARS);
    const char *why;
    if (in->contact_name && *in->contact_name && (why = person_name_problem(in->contact_name)) != NULL)
        return err_set(err, ERR_INVALID, "contact_name", "联系人姓名：%s", why);
    if (in->contact_phone && *in->contact_phone && !phone_normalize(in->contact_phone, phone, 40))
        return err_set(err, ERR_INVALID, "contact_phone", "联系电话格式不正确");
    if ((create || in->frequency) && !plan_find(in->frequency))
        return err_set(err, ERR_INVALID, "frequency", "检查频次只能是 monthly（按月）、quarterly（按季度）或 half_yearly（按半年）");
    date_today_text(today);
    date_add_days(today, 366, limit);
    if (in->plan_from && (!date_is_valid(in->plan_from) || strcmp(in->plan_from, limit) > 0))
        return err_set(err, ERR_INVALID, "plan_from", "计划起算日期应为 YYYY-MM-DD，且不晚于一年以后");
    return 0;
}

static const char *or_keep(const char *given, const char *cur)
{
    return given ? given : cur;
}

/* The due date the plan gives now. */
static void due_of(const enterprise *e, char out[static 11])
{
    enterprise_next_due(e->frequency, e->last_inspected_on[0] ? e->last_inspected_on : e->plan_from, out);
}

int64_t enterprise_create(db_conn *db, const actor *who, const enterprise_in *in, ms_err *err)
{
    org_unit g;
    char phone[40], stored[FC_STORED_MAX], now[20], today[11], due[11];
    if (check_input(in, 1, phone, err) != 0)
        return -1;
    if (in->grid_id <= 0)
        return err_set(err, ERR_INVALID, "grid_id", "缺少必填字段 grid_id（所在网格）");
    if (safety_grid_in_scope(db, who, in->grid_id, &g, err) != 0)
        return -1;
    const char *from = in->plan_from ? in->plan_from : date_today_text(today);
    enterprise_next_due(in->frequency, from, due);
    db_now(now);
    if (db_exec_args(db,
                     "INSERT INTO safety_enterprise (name, kind, address, grid_id, org_path, community_id,"
                     " contact_name, frequency, plan_from, next_due_on, active, created_by, created_at, updated_at)"
                     " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                     DB_TEXT(in->name), DB_TEXT(in->kind), DB_TEXT(in->address), DB_INT(g.id), DB_TEXT(g.path),
                     DB_INT(g.parent_id), DB_TEXT(in->contact_name ? in->contact_name : ""), DB_TEXT(in->frequency),
                     DB_TEXT(from), DB_TEXT(due), DB_INT(in->active != 0), DB_ID(who->id), DB_TEXT(now),
                     DB_TEXT(now)) != DB_DONE)
        return err_db(err);
    int64_t id = db_last_insert_id(db);
    if (id <= 0 || fc_encrypt(COL_PHONE, id, phone, stored) != 0 ||
        (stored[0] && db_exec_args(db, "UPDATE safety_enterprise SET phone_enc = ? WHERE id = ?", DB_TEXT(stored),
                                   DB_INT(id)) != DB_DONE))
        return err_db(err);
    return id;
}

int enterprise_update(db_conn *db, const actor *who, int64_t id, const enterprise_in *in, enterprise *before,
                      ms_err *err)
{
    org_unit g;
    enterprise e;
    char phone[40], stored[FC_STORED_MAX] = "", now[20];
    if (check_input(in, 0, phone, err) != 0)
        return -1;
    int rc = enterprise_get(db, id, before);
    if (rc < 0)
        return err_db(err);
    if (rc > 0 || !actor_scope_contains(who, before->org_path))
        return err_set(err, ERR_NOT_FOUND, NULL, "企业或场所不存在或不在您的管辖范围内");
    if (err_check_version(err, "企业或场所", before->version, in->if_version) != 0)
        return -1;
    e = *before;
    if (in->grid_id > 0 && in->grid_id != e.grid_id) {
        if (safety_grid_in_scope(db, who, in->grid_id, &g, err) != 0)
            return -1;
        /* a hazard's case stays under the grid it was found in (the
         * workflow core owns wf_case.org_path): close them first */
        int64_t open = db_one_int(db, -1,
                                  "SELECT COUNT(*) FROM safety_hazard h JOIN wf_case c ON c.id = h.id"
                                  " WHERE h.enterprise_id = ? AND c.closed_at IS NULL",
                                  DB_INT(id));
        if (open < 0)
            return err_db(err);
        if (open > 0)
            return err_set(err, ERR_CONFLICT, "grid_id", "%s还有%lld项隐患未销号，销号后才能改到其他网格", before->name,
                           (long long)open);
        e.grid_id = g.id;
        e.community_id = g.parent_id;
        snprintf(e.org_path, sizeof e.org_path, "%s", g.path);
    }
    if (in->frequency)
        snprintf(e.frequency, sizeof e.frequency, "%s", in->frequency);
    if (in->plan_from)
        snprintf(e.plan_from, sizeof e.plan_from, "%s", in->plan_from);
    due_of(&e, e.next_due_on);
    const char *phone_now = in->contact_phone ? phone : before->phone;
    if (fc_encrypt(COL_PHONE, id, phone_now, stored) != 0)
        return err_db(err);
    if (db_exec_args(db,
                     "UPDATE safety_enterprise SET name = ?, kind = ?, address = ?, grid_id = ?, org_path = ?,"
                     " community_id = ?, contact_name = ?, phone_enc = ?, frequency = ?, plan_from = ?,"
                     " next_due_on = ?, active = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
                     DB_TEXT(or_keep(in->name, e.name)), DB_TEXT(or_keep(in->kind, e.kind)),
                     DB_TEXT(or_keep(in->address, e.address)), DB_INT(e.grid_id), DB_TEXT(e.org_path),
                     DB_INT(e.community_id), DB_TEXT(or_keep(in->contact_name, e.contact_name)),
                     DB_OPT_TEXT(stored), DB_TEXT(e.frequency), DB_TEXT(e.plan_from), DB_TEXT(e.next_due_on),
                     DB_INT(in->active >= 0 ? in->active != 0 : e.active), DB_TEXT(db_now(now)), DB_INT(id),
                     DB_INT(before->version)) != DB_DONE)
        return err_db(err);
    if (db_changes(db) != 1)
        return err_set(err, ERR_CONFLICT, NULL, "企业或场所已被他人更改，请刷新后重试");
    return 0;
}

/* ---- inspections ------------------------------------------------------------ */

void inspection_from_row(db_stmt *s, inspection *i)
{
    memset(i, 0, sizeof *i);
    i->id = db_col_int(s, 0);
    i->enterprise_id = db_col_int(s, 1);
    db_col_copy(s, 2, i->enterprise_name, sizeof i->enterprise_name);
    db_col_copy(s, 3, i->org_path, sizeof i->org_path);
    db_col_copy(s, 4, i->inspected_on, sizeof i->inspected_on);
    db_col_copy(s, 5, i->inspectors, sizeof i->inspectors);
    i->findings = strdup(db_col_text(s, 6));
    db_col_copy(s, 7, i->result, sizeof i->result);
    i->hazards = db_col_int(s, 8);
    db_col_copy(s, 9, i->created_at, sizeof i->created_at);
}

void inspection_release(inspection *i)
{
    free(i->findings);
    i->findings = NULL;
}

int inspection_get(db_conn *db, int64_t id, inspection *out)
{
    db_stmt *s = db_query(db, INSPECTION_SELECT " WHERE i.id = ?", DB_INT(id));
    if (!s)
        return -1;
    int rc = db_step(s);
    if (rc == DB_ROW)
        inspection_from_row(s, out);
    db_finalize(s);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}

int64_t inspection_create(db_conn *db, const actor *who, const inspection_in *in, ms_err *err)
{
    enterprise e;
    char today[11], now[20], due[11];
    date_today_text(today);
    if (!in->inspected_on || !date_is_valid(in->inspected_on) || strcmp(in->inspected_on, today) > 0)
        return err_set(err, ERR_INVALID, "inspected_on", "检查日期应为 YYYY-MM-DD，且不晚于今天");
    const char *why = person_names_problem(in->inspectors);
    if (why || utf8_length(in->inspectors) > 120)
        return err_set(err, ERR_INVALID, "inspectors", "检查人员：%s", why ? why : "不能超过120个字");
    if (in->findings && !safety_text_ok(in->findings, 0, ENT_TEXT_CHARS, 1))
        return err_set(err, ERR_INVALID, "findings", "检查情况不能超过%d个字", ENT_TEXT_CHARS);
    if (!str_in_set(in->result ? in->result : "", INSPECTION_RESULTS))
        return err_set(err, ERR_INVALID, "result", "检查结论只能是合格、发现隐患或责令停业整顿");
    int rc = enterprise_get(db, in->enterprise_id, &e);
    if (rc < 0)
        return err_db(err);
    if (rc > 0 || !actor_scope_contains(who, e.org_path))
        return err_set(err, ERR_NOT_FOUND, "enterprise_id", "企业或场所不存在或不在您的管辖范围内");
    if (!e.active)
        return err_set(err, ERR_CONFLICT, "enterprise_id", "%s已停用，不再检查", e.name);
    db_now(now);
    if (db_exec_args(db,
                     "INSERT INTO safety_inspection (enterprise_id, org_path, inspected_on, inspectors, findings,"
                     " result, created_by, created_at) VALUES (?,?,?,?,?,?,?,?)",
                     DB_INT(e.id), DB_TEXT(e.org_path), DB_TEXT(in->inspected_on), DB_TEXT(in->inspectors),
                     DB_TEXT(in->findings ? in->findings : ""), DB_TEXT(in->result), DB_ID(who->id),
                     DB_TEXT(now)) != DB_DONE)
        return err_db(err);
    int64_t id = db_last_insert_id(db);
    if (id <= 0)
        return err_db(err);
    if (!e.last_inspected_on[0] || strcmp(in->inspected_on, e.last_inspected_on) > 0) {
        snprintf(e.last_inspected_on, sizeof e.last_inspected_on, "%s", in->inspected_on);
        due_of(&e, due);
        if (db_exec_args(db,
                         "UPDATE safety_enterprise SET last_inspected_on = ?, next_due_on = ?, version = version + 1,"
                         " updated_at = ? WHERE id = ?",
                         DB_TEXT(e.last_inspected_on), DB_TEXT(due), DB_TEXT(now), DB_INT(e.id)) != DB_DONE)
            return err_db(err);
    }
    return id;
}
