/* test_assist_demo.c — the demo street's social assistance (src/demo/
 * assist_demo.c), through the API as its users see it: ten months of
 * frozen runs each frozen by another person than the one who computed
 * it, 低保 in DOMAIN.md's proportion (~726 households and ~1,293 people
 * per 50,000 households, top-ups near 500 yuan a person), applications
 * at every step, the community worker's own relative in one of her
 * community's applications (she is offered no step on it), an objection
 * holding one approval, and the deaths flagged for stop. */
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
static char *t_street, *t_reviewer, *t_c01, *t_viewer;

static int setup(void **state)
{
    (void)state;
    if (server_start(&srv, HOUSEHOLDS, NULL) != 0)
        return -1;
    t_street = login(&srv, "jiedao", PW);
    t_reviewer = login(&srv, "fuhe", PW);
    t_c01 = login(&srv, "shequ01", PW);
    t_viewer = login(&srv, "bumen", PW);
    return t_street && t_reviewer && t_c01 && t_viewer ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(t_street);
    free(t_reviewer);
    free(t_c01);
    free(t_viewer);
    server_stop(&srv);
    return 0;
}

/* "YYYY-MM" of the month `delta` months from this one (China local). */
static const char *month_from_now(int delta)
{
    time_t now = time(NULL) + 8 * 3600;
    struct tm tm;
    gmtime_r(&now, &tm);
    int m = (tm.tm_year + 1900) * 12 + tm.tm_mon + delta;
    return fmt("%04d-%02d", m / 12, m % 12 + 1);
}

static json_t *programme_in(json_t *summary, const char *code)
{
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(summary, "programmes"), i, p)
        if (strcmp(jstr(p, "code"), code) == 0)
            return p;
    return NULL;
}

/* Ten frozen months per monthly programme; four eyes on each run. */
static void ten_months_frozen_by_another(void **state)
{
    (void)state;
    char from[8], to[8];
    snprintf(from, sizeof from, "%s", month_from_now(-10));
    snprintf(to, sizeof to, "%s", month_from_now(-1));
    json_t *runs = api_get_ok(&srv, t_street,
                              fmt("/api/v1/assistance/runs?programme=dibao_urban&status=frozen&page_size=20"));
    assert_int_equal(jint(runs, "total"), 10);
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(runs, "items"), i, r) {
        assert_string_equal(jstr(r, "status"), "frozen");
        assert_true(jint(r, "households") > 0);
        json_t *cb = json_object_get(r, "computed_by"), *fb = json_object_get(r, "frozen_by");
        assert_false(json_equal(cb, fb));
    }
    json_decref(runs);

    json_t *s = api_get_ok(&srv, t_viewer, fmt("/api/v1/assistance/summary?from=%s&to=%s", from, to));
    json_t *dibao = programme_in(s, "dibao_urban");
    assert_non_null(dibao);
    /* 726 households per 50,000 (urban and rural together): about 44 here */
    long long hh = jint(dibao, "households"), people = jint(dibao, "people"), fen = jint(dibao, "total_fen");
    json_t *rural = programme_in(s, "dibao_rural");
    if (rural)
        hh += jint(rural, "households"), people += jint(rural, "people"), fen += jint(rural, "total_fen");
    print_message("demo (%d households): 低保 %lld 户 %lld 人 %lld.%02lld 元 over ten months\n", HOUSEHOLDS, hh, people,
                  fen / 100, fen % 100);
    assert_in_range(hh, 30, 60);
    assert_true(people * 100 >= hh * 150 && people * 100 <= hh * 210);     /* 1.78 people a household */
    long long per_person_month = fen / 10 / (people ? people : 1);
    assert_in_range(per_person_month, 35000, 65000);                         /* 350–650 yuan */
    assert_non_null(programme_in(s, "tekun"));
    assert_non_null(programme_in(s, "disability_care"));
    assert_non_null(programme_in(s, "elderly_longevity"));
    assert_int_equal(json_array_size(json_object_get(s, "months")), 10);
    json_decref(s);
}

/* The steps of the workflow all hold a case or more. */
static void applications_at_every_step(void **state)
{
    (void)state;
    static const char *const STATES[] = {"applied", "accepted", "investigated", "reviewed", "noticed",
                                         "active", "rejected", "granted", NULL};
    for (size_t k = 0; STATES[k]; k++) {
        long long n = api_total(&srv, t_street, fmt("/api/v1/assistance/cases?state=%s&page_size=20", STATES[k]));
        if (n < 1)
            fail_msg("no demo case in state %s", STATES[k]);
    }
    /* an objection holds one approval of community 001 */
    json_t *o = api_get_ok(&srv, t_c01, "/api/v1/assistance/objections?status=open");
    assert_true(jint(o, "total") >= 1 || json_array_size(json_object_get(o, "items")) >= 1);
    json_decref(o);
}

/* shequ01 has registered her own relative, who is in an application of
 * her community: the case is flagged and she may take no step on it. */
static void the_workers_relative_is_flagged(void **state)
{
    (void)state;
    json_t *l = api_get_ok(&srv, t_c01, "/api/v1/assistance/cases?flagged=conflict&page_size=20");
    assert_true(jint(l, "total") >= 1);
    int recused = 0;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(l, "items"), i, it) {
        json_t *c = api_get_ok(&srv, t_c01, fmt("/api/v1/assistance/cases/%lld", jint(it, "id")));
        if (json_is_string(json_object_get(c, "recusal_note"))) {
            recused++;
            assert_int_equal(json_array_size(json_object_get(c, "actions")), 0);
        }
        json_decref(c);
    }
    json_decref(l);
    assert_true(recused >= 1);
    /* re-reviews: some overdue already (within_days=0: due on or before today) */
    assert_true(api_total(&srv, t_street, "/api/v1/assistance/reviews/due?within_days=0&page_size=20") >= 1);
    json_t *rel = api_get_ok(&srv, t_street, "/api/v1/assistance/relatives?page_size=20");
    assert_true(jint(rel, "total") >= 4);
    json_decref(rel);
}

/* The two deaths recorded last week flag their cases for stop. */
static void deaths_flag_their_cases(void **state)
{
    (void)state;
    json_t *f = api_get_ok(&srv, t_street, "/api/v1/assistance/flags");
    json_t *items = json_is_array(f) ? f : json_object_get(f, "items");
    assert_true(json_array_size(items) >= 1);
    assert_string_equal(jstr(json_array_get(items, 0), "event"), "deceased");
    json_decref(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ten_months_frozen_by_another),
        cmocka_unit_test(applications_at_every_step),
        cmocka_unit_test(the_workers_relative_is_flagged),
        cmocka_unit_test(deaths_flag_their_cases),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
