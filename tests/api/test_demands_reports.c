/* test_demands_reports.c — the work order reports (issue 12) against the
 * real server on both engines: a known set of orders built through the
 * API (交办, 签收, 办结 solved or answered, 回访 with a redo, 退单, a merged
 * duplicate, orders past their handling due time) and the weekly and
 * monthly figures over them: counts, the per-mille rates, the groups by
 * community, category and source; community A's figures leave out
 * community B; the viewer reads counts, a department's account those
 * of its department's orders; bad parameters and scope. The
 * figures are compared with a reading taken before the orders were
 * filed, so other orders on the server do not disturb them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "registry_fixture.h"

static unsigned seq;
static long long grid_c2;   /* a grid of community 002 */

static long long file_order(long long grid, int category)
{
    unsigned n = ++seq;
    json_t *j = req(t_street, "POST", "/api/v1/demands/orders",
                    fmt("{\"source\":\"hotline\",\"hotline_no\":\"RP%u-%u\",\"category_id\":%d,\"grid_id\":%lld,"
                        "\"address\":\"报表路%s号\",\"reporter_name\":\"李%s\",\"phone\":\"1370000%04u\","
                        "\"content\":\"路灯不亮\"}",
                        n, (unsigned)grid, category, grid, cn_number(n), cn_number(n), n),
                    201);
    long long id = jint(j, "id");
    json_decref(j);
    return id;
}

static void act(const char *tok, long long id, const char *action, const char *body, const char *state)
{
    json_t *j = req(tok, "POST", fmt("/api/v1/demands/orders/%lld/actions/%s", id, action), body, 200);
    assert_string_equal(jstr(j, "state"), state);
    json_decref(j);
}

/* 交办 to grid_a and 签收. */
static void assign_sign(long long id, long long unit, const char *tok)
{
    act(t_street, id, "assign", fmt("{\"unit_id\":%lld}", unit), "assigned");
    act(tok, id, "sign", "{}", "handling");
}

static char week_start[20];   /* the UTC instant a second after this week began (China time) */

/* Sets week_start from Monday "YYYY-MM-DD" of this week. */
static void set_week_start(const char *monday)
{
    struct tm tm = {0};
    assert_int_equal(sscanf(monday, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday), 3);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm) - 8 * 3600 + 1;
    gmtime_r(&t, &tm);
    strftime(week_start, sizeof week_start, "%Y-%m-%d %H:%M:%S", &tm);
}

/* The handling due time ran out early this week (before now). */
static void due_at_intake(long long id)
{
    server_sql(&srv, fmt("UPDATE demand_order SET handle_due_at = '%s' WHERE id = %lld", week_start, id));
}

/* The current month's entry of a monthly reply (borrowed). */
static json_t *this_month(json_t *rep)
{
    json_t *months = json_object_get(rep, "months");
    return json_array_get(months, json_array_size(months) - 1);
}

static json_t *group_named(json_t *groups, const char *field, const char *value)
{
    size_t i;
    json_t *g;
    json_array_foreach(groups, i, g) {
        if (strcmp(jstr(g, field), value) == 0)
            return g;
    }
    return NULL;
}

static json_t *group_id(json_t *groups, long long id)
{
    size_t i;
    json_t *g;
    json_array_foreach(groups, i, g) {
        if (json_integer_value(json_object_get(g, "id")) == id)
            return g;
    }
    return NULL;
}

static long long val(json_t *o, const char *k)
{
    return o ? (long long)json_integer_value(json_object_get(o, k)) : 0;
}

static long long permille(long long num, long long den)
{
    return (num * 2000 + den) / (den * 2);
}

/* Each rate of figures f is its definition over f's own counts. */
static void rates_hold(json_t *f)
{
    static const char *const R[][3] = {{"solved_rate", "solved", "closed"},
                                       {"on_time_rate", "on_time", "closed"},
                                       {"satisfaction_rate", "satisfied", "callbacks"},
                                       {"repeat_rate", "duplicates", "received"},
                                       {"returned_rate", "returned", "received"}};
    for (size_t i = 0; i < sizeof R / sizeof R[0]; i++) {
        long long den = val(f, R[i][2]);
        if (den == 0)
            assert_true(json_is_null(json_object_get(f, R[i][0])));
        else
            assert_int_equal(val(f, R[i][0]), permille(val(f, R[i][1]), den));
    }
}

static void figures_of_a_known_set(void **state)
{
    (void)state;
    grid_c2 = server_sql_int(&srv, fmt("SELECT MIN(id) FROM org_unit WHERE parent_id = %lld", c002));
    assert_true(grid_c2 > 0);
    json_t *w0 = get_ok(t_street, "/api/v1/demands/reports/weekly");
    json_t *wc0 = get_ok(t_c01, "/api/v1/demands/reports/weekly");
    json_t *m0 = get_ok(t_street, "/api/v1/demands/reports/monthly?by=community");
    set_week_start(jstr(w0, "from"));
    json_t *t0 = json_object_get(w0, "totals"), *mt0 = json_object_get(this_month(m0), "totals");
    json_t *mc0 = group_id(json_object_get(this_month(m0), "groups"), c001);

    /* a1: solved on time, basic satisfaction */
    long long a1 = file_order(grid_a, 201);
    assign_sign(a1, grid_a, t_g0101);
    act(t_g0101, a1, "finish", "{\"opinion\":\"已修复\",\"solved\":true}", "finished");
    act(t_c01, a1, "callback", "{\"satisfaction\":\"basic\"}", "archived");
    /* a2: answered only, dissatisfied (redo), solved, dissatisfied again */
    long long a2 = file_order(grid_a, 201);
    assign_sign(a2, grid_a, t_g0101);
    act(t_g0101, a2, "finish", "{\"opinion\":\"已解释\",\"solved\":false}", "finished");
    act(t_c01, a2, "callback", "{\"satisfaction\":\"dissatisfied\"}", "handling");
    act(t_g0101, a2, "finish", "{\"opinion\":\"已修复\",\"solved\":true}", "finished");
    act(t_c01, a2, "callback", "{\"satisfaction\":\"dissatisfied\"}", "archived");
    /* a3: returned (退单), then merged into a1 as a duplicate */
    long long a3 = file_order(grid_a, 201);
    act(t_street, a3, "assign", fmt("{\"unit_id\":%lld}", grid_a), "assigned");
    act(t_g0101, a3, "return", "{\"opinion\":\"不属本网格\"}", "registered");
    json_decref(req(t_street, "POST", fmt("/api/v1/demands/orders/%lld/duplicate", a3),
                    fmt("{\"other_id\":%lld,\"decision\":\"merge\"}", a1), 200));
    /* a4: open past its handling due time */
    long long a4 = file_order(grid_a, 101);
    assign_sign(a4, grid_a, t_g0101);
    due_at_intake(a4);
    /* a5: finished late, answered only */
    long long a5 = file_order(grid_a, 101);
    assign_sign(a5, grid_a, t_g0101);
    due_at_intake(a5);
    act(t_g0101, a5, "finish", "{\"opinion\":\"已答复\",\"solved\":false}", "finished");
    /* b1: community 002, registered only */
    file_order(grid_c2, 101);

    /* weekly, street: totals and per community */
    json_t *w1 = get_ok(t_street, "/api/v1/demands/reports/weekly"), *t1 = json_object_get(w1, "totals");
    assert_int_equal(val(t1, "new") - val(t0, "new"), 6);
    assert_int_equal(val(t1, "closed") - val(t0, "closed"), 3);
    assert_int_equal(val(t1, "overdue") - val(t0, "overdue"), 2);
    assert_int_equal(val(t1, "dissatisfied") - val(t0, "dissatisfied"), 1);
    json_t *wc2 = group_id(json_object_get(w1, "communities"), c002);
    assert_non_null(wc2);
    assert_true(val(wc2, "new") >= 1);
    assert_int_equal(strlen(jstr(w1, "week")), 8);
    /* the same week asked by its ISO name and by a day in it */
    json_t *wb = get_ok(t_street, fmt("/api/v1/demands/reports/weekly?week=%s", jstr(w1, "week")));
    assert_int_equal(val(json_object_get(wb, "totals"), "new"), val(t1, "new"));
    json_decref(wb);
    wb = get_ok(t_street, fmt("/api/v1/demands/reports/weekly?from=%s", jstr(w1, "to")));
    assert_string_equal(jstr(wb, "from"), jstr(w1, "from"));
    assert_int_equal(val(json_object_get(wb, "totals"), "closed"), val(t1, "closed"));
    json_decref(wb);
    /* a week with none of these orders */
    wb = get_ok(t_street, "/api/v1/demands/reports/weekly?week=2021-W10");
    assert_string_equal(jstr(wb, "from"), "2021-03-08");
    assert_string_equal(jstr(wb, "to"), "2021-03-14");
    assert_int_equal(val(json_object_get(wb, "totals"), "new"), 0);
    json_decref(wb);

    /* weekly, community 001: b1 is not in it, nor community 002 */
    json_t *wc1 = get_ok(t_c01, "/api/v1/demands/reports/weekly");
    assert_int_equal(val(json_object_get(wc1, "totals"), "new") - val(json_object_get(wc0, "totals"), "new"), 5);
    assert_null(group_id(json_object_get(wc1, "communities"), c002));
    json_decref(wc1);

    /* monthly, street, by community */
    json_t *m1 = get_ok(t_street, "/api/v1/demands/reports/monthly?by=community");
    json_t *mt1 = json_object_get(this_month(m1), "totals");
    static const struct { const char *k; long long d; } WANT[] = {
        {"received", 6}, {"closed", 3},     {"solved", 2},     {"on_time", 2},
        {"callbacks", 2}, {"satisfied", 1}, {"duplicates", 1}, {"returned", 1}};
    for (size_t i = 0; i < sizeof WANT / sizeof WANT[0]; i++)
        assert_int_equal(val(mt1, WANT[i].k) - val(mt0, WANT[i].k), WANT[i].d);
    rates_hold(mt1);
    if (val(mt0, "received") == 0) {   /* a server with no other order this month */
        assert_int_equal(val(mt1, "on_time_rate"), 667);
        assert_int_equal(val(mt1, "satisfaction_rate"), 500);
        assert_int_equal(val(mt1, "repeat_rate"), 167);
        assert_int_equal(val(mt1, "returned_rate"), 167);
        assert_int_equal(val(mt1, "solved_rate"), 667);
    }
    json_t *mc1 = group_id(json_object_get(this_month(m1), "groups"), c001);
    assert_non_null(mc1);
    assert_int_equal(val(mc1, "received") - val(mc0, "received"), 5);
    rates_hold(mc1);
    assert_int_equal(json_array_size(json_object_get(m1, "months")), 12);

    /* by category (the top-level one) and by source */
    json_t *mk = get_ok(t_street, "/api/v1/demands/reports/monthly?by=category");
    json_t *city = group_named(json_object_get(this_month(mk), "groups"), "key", "市政设施");
    assert_non_null(city);
    assert_int_equal(val(city, "id"), 2);
    assert_true(val(city, "received") >= 3);
    json_decref(mk);
    json_t *ms = get_ok(t_street, "/api/v1/demands/reports/monthly?by=source");
    json_t *hot = group_named(json_object_get(this_month(ms), "groups"), "key", "hotline");
    assert_non_null(hot);
    assert_string_equal(jstr(hot, "name"), "12345热线");
    assert_true(val(hot, "received") >= 6);
    json_decref(ms);

    /* the viewer reads the figures: counts, no order */
    json_t *v = get_ok(t_viewer, "/api/v1/demands/reports/monthly?by=community");
    char *text = json_dumps(v, 0);
    assert_null(strstr(text, "报表路"));
    assert_null(strstr(text, "phone"));
    free(text);
    assert_true(val(json_object_get(this_month(v), "totals"), "received") >= 6);
    json_decref(v);

    json_decref(w0);
    json_decref(wc0);
    json_decref(m0);
    json_decref(w1);
    json_decref(m1);
}

static void scope_and_bad_parameters(void **state)
{
    (void)state;
    /* another community's unit: 404; admin and auditor read no figures */
    json_decref(req(t_c01, "GET", fmt("/api/v1/demands/reports/weekly?org_unit_id=%lld", c002), NULL, 404));
    json_decref(req(t_c01, "GET", fmt("/api/v1/demands/reports/monthly?org_unit_id=%lld", c002), NULL, 404));
    json_decref(req(t_g0101, "GET", fmt("/api/v1/demands/reports/weekly?org_unit_id=%lld", grid_b), NULL, 404));
    json_decref(req(t_admin, "GET", "/api/v1/demands/reports/weekly", NULL, 403));
    json_decref(req(t_auditor, "GET", "/api/v1/demands/reports/monthly", NULL, 403));
    /* the street narrows to a community */
    json_t *j = get_ok(t_street, fmt("/api/v1/demands/reports/weekly?org_unit_id=%lld", c002));
    assert_null(group_id(json_object_get(j, "communities"), c001));
    json_decref(j);
    expect_400_field(t_street, "GET", "/api/v1/demands/reports/weekly?week=2026-W60", NULL, "week");
    expect_400_field(t_street, "GET", "/api/v1/demands/reports/weekly?week=2026-05", NULL, "week");
    expect_400_field(t_street, "GET", "/api/v1/demands/reports/weekly?week=2021-W53", NULL, "week");
    expect_400_field(t_street, "GET", "/api/v1/demands/reports/weekly?from=2026-02-30", NULL, "from");
    expect_400_field(t_street, "GET", "/api/v1/demands/reports/monthly?from=2026-13", NULL, "from");
    expect_400_field(t_street, "GET", "/api/v1/demands/reports/monthly?from=2026-05&to=2026-04", NULL, "from");
    expect_400_field(t_street, "GET", "/api/v1/demands/reports/monthly?from=2024-01&to=2026-01", NULL, "from");
    expect_400_field(t_street, "GET", "/api/v1/demands/reports/monthly?to=2026-1", NULL, "to");
    expect_400_field(t_street, "GET", "/api/v1/demands/reports/monthly?by=grid", NULL, "by");
    j = get_ok(t_street, "/api/v1/demands/reports/monthly?from=2025-11&to=2026-02");
    json_t *months = json_object_get(j, "months");
    assert_int_equal(json_array_size(months), 4);
    assert_string_equal(jstr(json_array_get(months, 1), "month"), "2025-12");
    assert_string_equal(jstr(json_array_get(months, 2), "month"), "2026-01");
    assert_true(json_is_null(json_object_get(j, "by")));
    json_decref(j);
    /* ISO weeks across a year's turn: 2026-W01 starts 2025-12-29; 2020 has a W53 */
    j = get_ok(t_street, "/api/v1/demands/reports/weekly?week=2026-W01");
    assert_string_equal(jstr(j, "from"), "2025-12-29");
    json_decref(j);
    j = get_ok(t_street, "/api/v1/demands/reports/weekly?from=2021-01-03");
    assert_string_equal(jstr(j, "week"), "2020-W53");
    assert_string_equal(jstr(j, "from"), "2020-12-28");
    json_decref(j);
}

/* A department's account (the viewer made one) counts its department's
 * orders only. Last: the viewer stays the department's. */
static void department_counts_its_own(void **state)
{
    (void)state;
    long long viewer_id = server_sql_int(&srv, "SELECT id FROM app_user WHERE username = 'bumen'");
    json_t *j = req(t_street, "POST", "/api/v1/demands/departments", "{\"name\":\"报表城管\"}", 201);
    long long dept = jint(j, "id");
    json_decref(j);
    json_decref(req(t_street, "PUT", fmt("/api/v1/demands/departments/%lld", dept),
                    fmt("{\"member_ids\":[%lld]}", viewer_id), 200));
    long long id = file_order(grid_a, 202);
    act(t_street, id, "assign", fmt("{\"department_id\":%lld}", dept), "assigned");
    act(t_viewer, id, "sign", "{}", "handling");
    act(t_viewer, id, "finish", "{\"opinion\":\"已修复\",\"solved\":true}", "finished");
    j = get_ok(t_viewer, "/api/v1/demands/reports/weekly");
    json_t *t = json_object_get(j, "totals");
    assert_int_equal(val(t, "new"), 1);
    assert_int_equal(val(t, "closed"), 1);
    assert_int_equal(val(t, "overdue"), 0);
    json_decref(j);
    j = get_ok(t_viewer, "/api/v1/demands/reports/monthly?by=source");
    t = json_object_get(this_month(j), "totals");
    assert_int_equal(val(t, "received"), 1);
    assert_int_equal(val(t, "solved_rate"), 1000);
    assert_int_equal(val(t, "on_time_rate"), 1000);
    assert_true(json_is_null(json_object_get(t, "satisfaction_rate")));
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(figures_of_a_known_set),
        cmocka_unit_test(scope_and_bad_parameters),
        cmocka_unit_test(department_counts_its_own),
    };
    return cmocka_run_group_tests_name("api_demands_reports", tests, registry_setup, registry_teardown);
}
