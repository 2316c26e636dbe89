/* report.c — the counts behind the weekly and monthly work order
 * reports (see report.h): period bounds in China local time, ISO weeks,
 * and the one grouped query over demand_order. */
#include "demands/report.h"

#include "util/validate.h"

#include <stdio.h>
#include <string.h>

int report_local_midnight_utc(const char *ymd, char out[static 20])
{
    char prev[11];
    if (!date_is_valid(ymd) || date_add_days(ymd, -1, prev) != 0)
        return -1;
    snprintf(out, 20, "%s 16:00:00", prev);   /* UTC+8, no daylight saving */
    return 0;
}

/* Days since 1970-01-01 of a valid date (H. Hinnant's days_from_civil). */
static long days_of(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* ISO weekday 1 (Monday) … 7 of a valid date. */
static int iso_weekday(int y, int m, int d)
{
    long n = days_of(y, m, d);   /* 1970-01-01 was a Thursday */
    return (int)(((n % 7) + 7 + 3) % 7) + 1;
}

static int week1_monday(int y, char out[static 11])
{
    char jan4[11];
    snprintf(jan4, sizeof jan4, "%04d-01-04", y);
    return date_add_days(jan4, 1 - iso_weekday(y, 1, 4), out);
}

int report_iso_week_monday(const char *week, char out[static 11])
{
    int y, w;
    char tail;
    if (!week || strlen(week) != 8 || sscanf(week, "%4d-W%2d%c", &y, &w, &tail) != 2 || week[4] != '-' ||
        week[5] != 'W' || y < 1900 || y > 2190 || w < 1 || w > 53)
        return -1;
    char mon[11], next[11];
    if (week1_monday(y, mon) != 0 || week1_monday(y + 1, next) != 0 || date_add_days(mon, (w - 1) * 7, out) != 0)
        return -1;
    return strcmp(out, next) < 0 ? 0 : -1;   /* week 53 only in years that have one */
}

int report_week_of(const char *ymd, char monday[static 11], char week[static 9])
{
    int y, m, d;
    if (!date_is_valid(ymd) || sscanf(ymd, "%4d-%2d-%2d", &y, &m, &d) != 3 ||
        date_add_days(ymd, 1 - iso_weekday(y, m, d), monday) != 0)
        return -1;
    if (week) {
        /* the ISO year is the year of the week's Thursday */
        char thu[11], first[11];
        int ty;
        date_add_days(monday, 3, thu);
        sscanf(thu, "%4d", &ty);
        week1_monday(ty, first);
        int y1, m1, d1, y2, m2, d2;
        sscanf(first, "%4d-%2d-%2d", &y1, &m1, &d1);
        sscanf(monday, "%4d-%2d-%2d", &y2, &m2, &d2);
        char buf[32];
        snprintf(buf, sizeof buf, "%04d-W%02d", ty, (int)((days_of(y2, m2, d2) - days_of(y1, m1, d1)) / 7 + 1));
        snprintf(week, 9, "%.8s", buf);
    }
    return 0;
}

int64_t report_permille(int64_t num, int64_t den)
{
    return den > 0 ? (num * 2000 + den) / (den * 2) : -1;
}

/* In [a, b): "(col >= ? AND col < ?)". */
#define IN_P(col) "(" col " >= ? AND " col " < ?)"

int report_counts_by(db_conn *db, const report_scope *sc, const char *from, const char *to, const char *now,
                     report_by by, report_counts *out, int max)
{
    static const char *const GROUP[][4] = {
        [REPORT_BY_NONE] = {"0", "''", "", ""},
        [REPORT_BY_COMMUNITY] = {"COALESCE(m.id, 0)", "COALESCE(m.name, '')", "",
                                 " GROUP BY m.id, m.name ORDER BY m.id"},
        [REPORT_BY_CATEGORY] = {"t.id", "t.name", " JOIN demand_category t ON t.id = COALESCE(k.parent_id, k.id)",
                                " GROUP BY t.id, t.name ORDER BY t.id"},
        [REPORT_BY_SOURCE] = {"0", "o.source", "", " GROUP BY o.source ORDER BY o.source"},
    };
    char a[20], b[20], sql[4096];
    if (max < 1 || report_local_midnight_utc(from, a) != 0 || report_local_midnight_utc(to, b) != 0)
        return -1;
    snprintf(sql, sizeof sql,
             "SELECT %s, %s,"
             " SUM(CASE WHEN " IN_P("c.created_at") " THEN 1 ELSE 0 END),"
             " SUM(CASE WHEN " IN_P("o.finished_at") " THEN 1 ELSE 0 END),"
             " SUM(CASE WHEN " IN_P("o.finished_at") " AND o.solved = 1 THEN 1 ELSE 0 END),"
             " SUM(CASE WHEN " IN_P("o.finished_at") " AND o.finished_at <= o.handle_due_at THEN 1 ELSE 0 END),"
             " SUM(CASE WHEN " IN_P("o.callback_at") " THEN 1 ELSE 0 END),"
             " SUM(CASE WHEN " IN_P("o.callback_at") " AND o.satisfaction IN ('satisfied', 'basic') THEN 1 ELSE 0 END),"
             " SUM(CASE WHEN " IN_P("o.callback_at") " AND o.satisfaction = 'dissatisfied' THEN 1 ELSE 0 END),"
             " SUM(CASE WHEN " IN_P("c.created_at") " AND c.state = 'merged' THEN 1 ELSE 0 END),"
             " SUM(CASE WHEN " IN_P("c.created_at") " AND o.return_count > 0 THEN 1 ELSE 0 END),"
             " SUM(CASE WHEN " IN_P("o.handle_due_at") " AND o.handle_due_at < ? AND c.state <> 'merged'"
             " AND (o.finished_at IS NULL OR o.finished_at > o.handle_due_at) THEN 1 ELSE 0 END)"
             " FROM demand_order o JOIN wf_case c ON c.id = o.id JOIN demand_category k ON k.id = o.category_id"
             " JOIN org_unit g ON g.id = o.grid_id LEFT JOIN org_unit m ON m.id = g.parent_id%s"
             " WHERE c.org_path >= ? AND c.org_path < ? AND (? = 0 OR o.assignee_dept_id = ?)"
             " AND (" IN_P("c.created_at") " OR " IN_P("o.finished_at") " OR " IN_P("o.callback_at")
             " OR " IN_P("o.handle_due_at") ")%s",
             GROUP[by][0], GROUP[by][1], GROUP[by][2], GROUP[by][3]);
    db_arg args[48];
    int n = 0;
    /* the CASE windows in order: created, finished ×3, callback ×3, created ×2, due (+ now) */
    for (int i = 0; i < 10; i++) {
        args[n++] = DB_TEXT(a);
        args[n++] = DB_TEXT(b);
    }
    args[n++] = DB_TEXT(now);
    args[n++] = DB_TEXT(sc->path);
    args[n++] = DB_TEXT(sc->end);
    args[n++] = DB_INT(sc->dept);
    args[n++] = DB_INT(sc->dept);
    for (int i = 0; i < 4; i++) {
        args[n++] = DB_TEXT(a);
        args[n++] = DB_TEXT(b);
    }
    args[n] = DB_END;
    db_stmt *s = db_query_argv(db, sql, args);
    if (!s)
        return -1;
    int got = 0, rc;
    while ((rc = db_step(s)) == DB_ROW && got < max) {
        report_counts *r = &out[got++];
        memset(r, 0, sizeof *r);
        r->group_id = db_col_int(s, 0);
        db_col_copy(s, 1, r->group_key, sizeof r->group_key);
        int64_t *v[] = {&r->received, &r->closed,       &r->solved, &r->on_time,  &r->callbacks,
                        &r->satisfied, &r->dissatisfied, &r->merged, &r->returned, &r->overdue};
        for (int i = 0; i < 10; i++)
            *v[i] = db_col_int(s, 2 + i);
    }
    db_finalize(s);
    if (rc != DB_ROW && rc != DB_DONE)
        return -1;
    if (by == REPORT_BY_NONE && got == 0) {
        memset(&out[0], 0, sizeof out[0]);
        got = 1;
    }
    return got;
}
