/* test_demands_demo.c — the demo street's work orders (src/demo/
 * demands_demo.c), through the API as its users see them: a year of
 * orders in proportion to the households, most from 12345, most closed
 * in time and called back satisfied, some late (督办), redone, returned
 * or urged, a few open; the departments with bumen acting for 区民政局
 * and seeing only its orders; timelines at past times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define HOUSEHOLDS 3000
#define PW "Minsheng@2026"

static test_server srv;
static char *t_street, *t_viewer;

static int setup(void **state)
{
    (void)state;
    if (server_start(&srv, HOUSEHOLDS, NULL) != 0)
        return -1;
    t_street = login(&srv, "jiedao", PW);
    t_viewer = login(&srv, "bumen", PW);
    return t_street && t_viewer ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(t_street);
    free(t_viewer);
    server_stop(&srv);
    return 0;
}

/* The UTC time `days` days ago, as the database writes times. */
static const char *days_ago(int days)
{
    static char out[4][20];
    static int k;
    time_t t = time(NULL) - (time_t)days * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    k = (k + 1) % 4;
    strftime(out[k], sizeof out[k], "%Y-%m-%d %H:%M:%S", &tm);
    return out[k];
}

typedef struct shares {
    long n, hotline, archived, merged, open, satisfied, basic, supervised, old;
} shares;

static shares count_orders(const char *tok)
{
    shares s = {0};
    const char *year_ago = days_ago(300);
    long long total = api_total(&srv, tok, "/api/v1/demands/orders?page_size=100");
    for (long page = 1; (page - 1) * 100 < total; page++) {
        json_t *j = api_get_ok(&srv, tok, fmt("/api/v1/demands/orders?page_size=100&page=%ld", page));
        json_t *items = json_object_get(j, "items"), *o;
        size_t i;
        json_array_foreach(items, i, o) {
            const char *state = jstr(o, "state");
            const char *sat = json_string_value(json_object_get(o, "satisfaction"));
            s.n++;
            s.hotline += strcmp(jstr(o, "source"), "hotline") == 0 && json_string_value(json_object_get(o, "hotline_no"));
            s.archived += strcmp(state, "archived") == 0;
            s.merged += strcmp(state, "merged") == 0;
            s.open += strcmp(state, "archived") != 0 && strcmp(state, "merged") != 0;
            s.satisfied += sat && strcmp(sat, "satisfied") == 0;
            s.basic += sat && strcmp(sat, "basic") == 0;
            s.supervised += json_is_true(json_object_get(o, "supervised"));
            s.old += strcmp(jstr(o, "created_at"), year_ago) < 0;
        }
        json_decref(j);
    }
    assert_int_equal(s.n, total);
    return s;
}

/* ~2,000 orders per 50,000 households; the shares of a street that works. */
static void orders_in_proportion(void **state)
{
    (void)state;
    shares s = count_orders(t_street);
    long households = (long)server_sql_int(&srv, "SELECT COUNT(*) FROM household WHERE status = 'active'");
    long want = households * 2000 / 50000;
    if (s.n < want * 9 / 10 || s.n > want * 11 / 10)
        fail_msg("%ld orders for %ld households (want about %ld)", s.n, households, want);
    if (s.hotline * 100 < s.n * 60 || s.hotline * 100 > s.n * 90)
        fail_msg("%ld of %ld from 12345 with a hotline number", s.hotline, s.n);
    if (s.archived * 100 < s.n * 85)
        fail_msg("only %ld of %ld archived", s.archived, s.n);
    if (s.satisfied * 100 < s.archived * 70 || s.satisfied * 100 > s.archived * 95 || s.basic == 0)
        fail_msg("%ld satisfied, %ld basically satisfied of %ld archived", s.satisfied, s.basic, s.archived);
    if (s.supervised == 0 || s.supervised * 100 > s.n * 20)
        fail_msg("%ld of %ld supervised (督办)", s.supervised, s.n);
    if (s.old == 0 || s.old * 100 > s.n * 40)
        fail_msg("%ld of %ld filed more than 300 days ago: not spread over the year", s.old, s.n);
    /* redone after a dissatisfied callback, returned, urged */
    assert_true(server_sql_int(&srv, "SELECT COUNT(*) FROM demand_order WHERE redo_count > 0") > 0);
    assert_true(server_sql_int(&srv, "SELECT COUNT(*) FROM demand_order WHERE return_count > 0") > 0);
    assert_true(server_sql_int(&srv, "SELECT COUNT(*) FROM demand_urge") > 0);
}

/* The timeline is at past times, in order, each step after the last. */
static void timelines_are_backdated(void **state)
{
    (void)state;
    assert_int_equal(server_sql_int(&srv,
                                    "SELECT COUNT(*) FROM wf_timeline a JOIN wf_timeline b ON b.case_id = a.case_id"
                                    " AND b.id > a.id JOIN wf_case c ON c.id = a.case_id"
                                    " WHERE c.type = 'workorder' AND b.at < a.at"),
                     0);
    long long id = server_sql_int(&srv, fmt("SELECT MIN(c.id) FROM wf_case c JOIN demand_order o ON o.id = c.id"
                                        " WHERE c.state = 'archived' AND c.created_at < '%s'", days_ago(60)));
    assert_true(id > 0);
    json_t *j = api_get_ok(&srv, t_street, fmt("/api/v1/demands/orders/%lld", id));
    json_t *tl = json_object_get(j, "timeline");
    assert_true(json_array_size(tl) >= 5);
    const char *last = jstr(json_array_get(tl, json_array_size(tl) - 1), "at");
    assert_true(strcmp(last, days_ago(20)) < 0);
    json_decref(j);
}

/* Five departments; bumen acts for 区民政局 and sees only its orders. */
static void departments_and_their_account(void **state)
{
    (void)state;
    json_t *j = api_get_ok(&srv, t_street, "/api/v1/demands/departments");
    json_t *items = json_object_get(j, "items") ? json_object_get(j, "items") : j;
    assert_int_equal(json_array_size(items), 5);
    json_decref(j);
    long long dept = server_sql_int(&srv, "SELECT id FROM demand_department WHERE name = '区民政局'");
    long long mine = server_sql_int(&srv, fmt("SELECT COUNT(*) FROM demand_order WHERE assignee_dept_id = %lld", dept));
    assert_true(mine > 0);
    assert_int_equal(api_total(&srv, t_viewer, "/api/v1/demands/orders"), mine);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(orders_in_proportion),
        cmocka_unit_test(timelines_are_backdated),
        cmocka_unit_test(departments_and_their_account),
    };
    return cmocka_run_group_tests_name("api_demands_demo", tests, setup, teardown);
}
