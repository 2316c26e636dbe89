/* calendar_admin.c — the admin's edits of work_calendar and the listing
 * they are made from (see calendar.h). Each edit writes an audit row
 * with the day's entry before and after. */
#include "workflow/calendar.h"
#include "core/audit.h"
#include "util/validate.h"

#include <stdio.h>
#include <string.h>

static const char *const KINDS[] = {"holiday", "workday", NULL};

#define ENTRY_SELECT "SELECT day, kind, name FROM work_calendar"
static const char *const SQL_RANGE = ENTRY_SELECT " WHERE day >= ? AND day <= ? ORDER BY day";
static const char *const SQL_ONE = ENTRY_SELECT " WHERE day = ?";
static const char *const SQL_UPSERT =
    "INSERT INTO work_calendar(day, kind, name) VALUES (?,?,?)"
    " ON CONFLICT(day) DO UPDATE SET kind = excluded.kind, name = excluded.name";
static const char *const SQL_DELETE = "DELETE FROM work_calendar WHERE day = ?";

static void entry_from_row(db_stmt *s, cal_entry *out)
{
    db_col_copy(s, 0, out->day, sizeof out->day);
    db_col_copy(s, 1, out->kind, sizeof out->kind);
    db_col_copy(s, 2, out->name, sizeof out->name);
}

int cal_list(db_conn *db, const char *from, const char *to, cal_entry *out, int max)
{
    if (!date_is_valid(from) || !date_is_valid(to) || max < 0)
        return -1;
    db_stmt *s = db_query(db, SQL_RANGE, DB_TEXT(from), DB_TEXT(to));
    int n = 0, rc;
    while ((rc = db_step(s)) == DB_ROW && n < max)
        entry_from_row(s, &out[n++]);
    db_finalize(s);
    return rc == DB_ROW || rc == DB_DONE ? n : -1;
}

/* The entry of `date` into out: 1 found, 0 none, -1 database error. */
static int entry_get(db_conn *db, const char *date, cal_entry *out)
{
    db_stmt *s = db_query(db, SQL_ONE, DB_TEXT(date));
    int rc = db_step(s);
    if (rc == DB_ROW)
        entry_from_row(s, out);
    db_finalize(s);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

/* The audit image of an entry (NULL for none); the caller decrefs. */
static json_t *entry_json(const cal_entry *c)
{
    return c ? json_pack("{s:s, s:s, s:s}", "day", c->day, "kind", c->kind, "name", c->name) : NULL;
}

/* Writes the audit row of an edit of one day: before/after may be NULL. */
static int audit_day(db_conn *db, const actor *who, const char *ip, const char *action, const cal_entry *before,
                     const cal_entry *after)
{
    json_t *b = entry_json(before), *a = entry_json(after);
    char detail[128];
    const cal_entry *now = after ? after : before;
    snprintf(detail, sizeof detail, "%s %s：%s", now->day, after ? "设为" : "取消",
             strcmp(now->kind, "holiday") == 0 ? "节假日" : "调休工作日");
    int rc = audit_write_as(db, who, ip,
                            (audit_entry){.action = action, .entity = "work_calendar", .before = b, .after = a,
                                          .detail = detail});
    json_decref(b);
    json_decref(a);
    return rc;
}

static int may_edit(const actor *who, ms_err *e)
{
    if (who && who->id > 0 && !(who->role & ROLE_ADMIN))
        return err_set(e, ERR_FORBIDDEN, NULL, "只有系统管理员可以维护节假日安排");
    return 0;
}

int cal_set_day(db_conn *db, const actor *who, const char *ip, const char *date, const char *kind,
                const char *name, ms_err *e)
{
    cal_entry old, now = {0};
    if (may_edit(who, e) != 0)
        return -1;
    if (!date_is_valid(date))
        return err_set(e, ERR_INVALID, "day", "日期格式应为 YYYY-MM-DD");
    if (!str_in_set(kind, KINDS))
        return err_set(e, ERR_INVALID, "kind", "类型只能是节假日(holiday)或调休工作日(workday)");
    long len = name ? utf8_length(name) : -1;
    if (len < 1 || len > 20)
        return err_set(e, ERR_INVALID, "name", "名称须为1至20个字");
    int had = entry_get(db, date, &old);
    if (had < 0)
        return err_db(e);
    snprintf(now.day, sizeof now.day, "%s", date);
    snprintf(now.kind, sizeof now.kind, "%s", kind);
    snprintf(now.name, sizeof now.name, "%s", name);
    int rc = db_exec_args(db, SQL_UPSERT, DB_TEXT(date), DB_TEXT(kind), DB_TEXT(name));
    if (rc != DB_DONE || audit_day(db, who, ip, had ? "update" : "create", had ? &old : NULL, &now) != 0)
        return err_db(e);
    return 0;
}

int cal_remove_day(db_conn *db, const actor *who, const char *ip, const char *date, ms_err *e)
{
    cal_entry old;
    if (may_edit(who, e) != 0)
        return -1;
    if (!date_is_valid(date))
        return err_set(e, ERR_INVALID, "day", "日期格式应为 YYYY-MM-DD");
    int had = entry_get(db, date, &old);
    if (had < 0)
        return err_db(e);
    if (!had)
        return err_set(e, ERR_NOT_FOUND, "day", "%s 没有节假日或调休安排", date);
    if (db_exec_args(db, SQL_DELETE, DB_TEXT(date)) != DB_DONE ||
        audit_day(db, who, ip, "delete", &old, NULL) != 0)
        return err_db(e);
    return 0;
}
