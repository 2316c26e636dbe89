/* report_api.c — /api/v1/demands/reports (demand_report_routes): the
 * weekly joint-meeting report and the monthly figures over the work
 * orders, counts only (no order, name or phone), in the caller's
 * scope. Translates HTTP to report.h calls and back; owns the rates'
 * arithmetic as replies show it (per mille integers). */
#include "demands/demand_api.h"
#include "demands/dept.h"
#include "demands/order_flow.h"
#include "demands/report.h"
#include "registry/org.h"
#include "registry/registry_api.h"
#include "util/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define R_READ (ROLE_STREET | ROLE_COMMUNITY | ROLE_GRID | ROLE_VIEWER)
#define MONTHS_MAX 24

static json_t *rate(int64_t num, int64_t den)
{
    int64_t r = report_permille(num, den);
    return r < 0 ? json_null() : json_integer(r);
}

/* The scope: org_unit_id (default the caller's unit) and, for a
 * department's account, its department; the time now, and a new buffer
 * of groups in *rows (the caller frees it). 0, or -1 with a reply. */
static int scope_or_reply(request *rq, response *rs, org_unit *u, char end[256], report_scope *sc, char now[20],
                          report_counts **rows)
{
    if (org_unit_param_or_reply(rq, rs, "org_unit_id", u) != 0)
        return -1;
    int64_t dept = dept_of_user(rq->db, rq->user.id);
    *rows = dept < 0 ? NULL : calloc(REPORT_MAX_GROUPS, sizeof **rows);
    if (!*rows)
        return reply_internal(rs), -1;
    org_path_end(u->path, end);
    *sc = (report_scope){.path = u->path, .end = end, .dept = dept};
    db_now(now);
    return 0;
}

static json_t *weekly_json(const report_counts *r)
{
    return json_pack("{s:I, s:I, s:I, s:I}", "new", (json_int_t)r->received, "closed", (json_int_t)r->closed,
                     "overdue", (json_int_t)r->overdue, "dissatisfied", (json_int_t)r->dissatisfied);
}

/* GET /api/v1/demands/reports/weekly — roles: street, community, grid, viewer.
 * Query: week (ISO week "YYYY-Www") or from (a date "YYYY-MM-DD": its
 * week); default this week (China date); org_unit_id (a community or
 * grid in scope; default the caller's unit). The week runs Monday to
 * Sunday, China local time. Reply: {week, from, to (the Sunday), totals,
 * communities: [{id, name, new, closed, overdue, dissatisfied}]} with
 * totals {new, closed, overdue, dissatisfied}: new = orders registered
 * in the week, closed = 办结 in the week, overdue = orders whose handling
 * due time fell in the week (before now) and that were not 办结 by it,
 * dissatisfied = latest callbacks in the week that were dissatisfied. A
 * department's account counts its department's orders only. Errors:
 * 400 week / from; 404 org unit outside scope. */
static int weekly_route(request *rq, response *rs)
{
    const char *week = req_query(rq, "week"), *from = req_query(rq, "from");
    char monday[11], sunday[11], next[11], wk[9], today[11], now[20], end[256];
    org_unit u;
    report_scope sc;
    if (week && *week) {
        if (report_iso_week_monday(week, monday) != 0)
            return reply_bad_request(rs, "week", "week 应为 ISO 周，如 2026-W05");
    } else if (from && *from) {
        if (!date_is_valid(from))
            return reply_bad_request(rs, "from", "from 应为日期 YYYY-MM-DD");
    }
    const char *day = week && *week ? monday : from && *from ? from : date_today_text(today);
    if (report_week_of(day, monday, wk) != 0)
        return reply_bad_request(rs, week && *week ? "week" : "from", "无法确定所在的周");
    date_add_days(monday, 6, sunday);
    date_add_days(monday, 7, next);
    report_counts *r;
    if (scope_or_reply(rq, rs, &u, end, &sc, now, &r) != 0)
        return -1;
    int nt = report_counts_by(rq->db, &sc, monday, next, now, REPORT_BY_NONE, r, 1);
    json_t *totals = nt > 0 ? weekly_json(&r[0]) : NULL;
    int nc = nt > 0 ? report_counts_by(rq->db, &sc, monday, next, now, REPORT_BY_COMMUNITY, r, REPORT_MAX_GROUPS) : -1;
    if (nc < 0) {
        json_decref(totals);
        free(r);
        return reply_internal(rs);
    }
    json_t *items = json_array();
    for (int i = 0; i < nc; i++) {
        json_t *j = weekly_json(&r[i]);
        json_object_set_new(j, "id", r[i].group_id ? json_integer(r[i].group_id) : json_null());
        json_object_set_new(j, "name", json_string(r[i].group_key));
        json_array_append_new(items, j);
    }
    free(r);
    return reply_json(rs, 200, json_pack("{s:s, s:s, s:s, s:o, s:o}", "week", wk, "from", monday, "to", sunday,
                                         "totals", totals, "communities", items));
}

/* The monthly figures of r with their rates (see monthly_route). */
static json_t *monthly_json(const report_counts *r)
{
    json_t *j = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "received", (json_int_t)r->received, "closed",
                          (json_int_t)r->closed, "solved", (json_int_t)r->solved, "on_time", (json_int_t)r->on_time,
                          "callbacks", (json_int_t)r->callbacks, "satisfied", (json_int_t)r->satisfied, "duplicates",
                          (json_int_t)r->merged, "returned", (json_int_t)r->returned);
    json_object_set_new(j, "solved_rate", rate(r->solved, r->closed));
    json_object_set_new(j, "on_time_rate", rate(r->on_time, r->closed));
    json_object_set_new(j, "satisfaction_rate", rate(r->satisfied, r->callbacks));
    json_object_set_new(j, "repeat_rate", rate(r->merged, r->received));
    json_object_set_new(j, "returned_rate", rate(r->returned, r->received));
    return j;
}

/* "YYYY-MM" → year and month: 0, or -1. */
static int month_parse(const char *s, int *y, int *m)
{
    char tail;
    return s && strlen(s) == 7 && s[4] == '-' && sscanf(s, "%4d-%2d%c", y, m, &tail) == 2 && *y >= 1900 &&
                   *y <= 2190 && *m >= 1 && *m <= 12
               ? 0
               : -1;
}

/* GET /api/v1/demands/reports/monthly — roles: street, community, grid, viewer.
 * Query: from, to (months "YYYY-MM", at most 24 months, from ≤ to;
 * default the 12 months up to this one), by (community | category (the
 * top-level category) | source; absent: totals only), org_unit_id (a
 * community or grid in scope; default the caller's unit). Months are
 * China local time. Reply: {from, to, by, months: [{month, totals,
 * groups: [{id, key, name, <figures>}]}]}; figures: received (registered
 * in the month), closed (办结 in the month), solved (closed and marked
 * solved, not only answered), on_time (closed no later than the
 * handling due time), callbacks (latest 回访 in the month), satisfied
 * (of those, satisfied or basic), duplicates (received, and merged into
 * another order), returned (received, and 退单 at least once), and the
 * rates in per mille (rounded half up; null when the denominator is 0):
 * solved_rate = solved/closed, on_time_rate = on_time/closed,
 * satisfaction_rate = satisfied/callbacks, repeat_rate =
 * duplicates/received, returned_rate = returned/received. Errors: 400
 * from / to / by; 404 org unit outside scope. */
static int monthly_route(request *rq, response *rs)
{
    static const char *const BY[] = {"community", "category", "source", NULL};
    const char *from = req_query(rq, "from"), *to = req_query(rq, "to"), *by = req_query(rq, "by");
    char today[11], now[20], end[256], a[24], b[24], label[24], first[24], last[24];
    int fy, fm, ty, tm;
    org_unit u;
    report_scope sc;
    date_today_text(today);
    sscanf(today, "%4d-%2d", &ty, &tm);
    if (to && *to && month_parse(to, &ty, &tm) != 0)
        return reply_bad_request(rs, "to", "to 应为月份 YYYY-MM");
    fy = ty - (tm == 12 ? 0 : 1);
    fm = tm % 12 + 1;
    if (from && *from && month_parse(from, &fy, &fm) != 0)
        return reply_bad_request(rs, "from", "from 应为月份 YYYY-MM");
    int months = (ty - fy) * 12 + (tm - fm) + 1;
    if (months < 1)
        return reply_bad_request(rs, "from", "from 不能晚于 to");
    if (months > MONTHS_MAX)
        return reply_bad_request(rs, "from", "一次最多统计24个月");
    if (by && *by && !str_in_set(by, BY))
        return reply_bad_request(rs, "by", "by 只能是 community、category 或 source");
    report_by rb = !by || !*by ? REPORT_BY_NONE
                   : strcmp(by, "community") == 0 ? REPORT_BY_COMMUNITY
                   : strcmp(by, "category") == 0  ? REPORT_BY_CATEGORY
                                                  : REPORT_BY_SOURCE;
    report_counts *r;
    if (scope_or_reply(rq, rs, &u, end, &sc, now, &r) != 0)
        return -1;
    json_t *list = json_array();
    int y = fy, m = fm, bad = 0;
    snprintf(first, sizeof first, "%04d-%02d", fy, fm);
    snprintf(last, sizeof last, "%04d-%02d", ty, tm);
    for (int i = 0; i < months && !bad; i++) {
        int ny = y + (m == 12), nm = m % 12 + 1;
        snprintf(label, sizeof label, "%04d-%02d", y, m);
        snprintf(a, sizeof a, "%04d-%02d-01", y, m);
        snprintf(b, sizeof b, "%04d-%02d-01", ny, nm);
        int n = report_counts_by(rq->db, &sc, a, b, now, REPORT_BY_NONE, r, 1);
        json_t *month = n > 0 ? json_pack("{s:s, s:o}", "month", label, "totals", monthly_json(&r[0])) : NULL;
        json_t *groups = json_array();
        n = month && rb != REPORT_BY_NONE ? report_counts_by(rq->db, &sc, a, b, now, rb, r, REPORT_MAX_GROUPS)
            : month                       ? 0
                                          : -1;
        for (int k = 0; k < n; k++) {
            json_t *g = monthly_json(&r[k]);
            json_object_set_new(g, "id", r[k].group_id ? json_integer(r[k].group_id) : json_null());
            json_object_set_new(g, "key", json_string(r[k].group_key));
            json_object_set_new(g, "name", json_string(rb == REPORT_BY_SOURCE ? order_source_label(r[k].group_key)
                                                                                : r[k].group_key));
            json_array_append_new(groups, g);
        }
        if (n < 0) {
            bad = 1;
            json_decref(groups);
            json_decref(month);
            break;
        }
        json_object_set_new(month, "groups", groups);
        json_array_append_new(list, month);
        y = ny;
        m = nm;
    }
    free(r);
    if (bad) {
        json_decref(list);
        return reply_internal(rs);
    }
    return reply_json(rs, 200, json_pack("{s:s, s:s, s:o, s:o}", "from", first, "to", last, "by",
                                         rb == REPORT_BY_NONE ? json_null() : json_string(by), "months", list));
}

const route demand_report_routes[] = {
    {.method = "GET", .pattern = "/api/v1/demands/reports/weekly", .handler = weekly_route, .roles = R_READ},
    {.method = "GET", .pattern = "/api/v1/demands/reports/monthly", .handler = monthly_route, .roles = R_READ},
    {0}
};
