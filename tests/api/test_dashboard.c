/* test_dashboard.c — the dashboard's figures (src/registry/dashboard_api.c)
 * against the real server on the demo street: GET /stats/map against
 * /stats/org-units for each figure, with the demo's boundaries, units
 * without a boundary listed apart, a grid or building alone, a grid
 * worker's map their own grid; GET /stats/ages against a hand count of
 * residents born on chosen days (the age rule of derived.h as the
 * oracle), and against the resident totals of a street, a grid and a
 * building. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "registry/derived.h"
#include "util/validate.h"
#include "registry_fixture.h"

/* The item of `items` whose "id" is id (borrowed), failing when none. */
static json_t *by_id(json_t *items, long long id)
{
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
        if (jint(it, "id") == id)
            return it;
    fail_msg("no item %lld", id);
    return NULL;
}

/* The figure a feature's value must be, from a /stats/org-units item. */
static long long expected_value(json_t *item, const char *figure)
{
    if (strcmp(figure, "elderly") == 0)
        return jint(json_object_get(item, "tags"), "elderly");
    if (strcmp(figure, "dibao_households") == 0)
        return jint(json_object_get(item, "tag_households"), "dibao");
    return jint(item, "residents");
}

/* Every feature of map m agrees with the /stats/org-units items of the
 * same parent; returns the sum of the values. */
static long long assert_map_matches(json_t *m, json_t *items, const char *figure)
{
    assert_string_equal(jstr(m, "type"), "FeatureCollection");
    assert_string_equal(jstr(m, "figure"), figure);
    long long sum = 0;
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(m, "features"), i, f) {
        json_t *p = json_object_get(f, "properties");
        assert_string_equal(jstr(f, "type"), "Feature");
        assert_int_equal(jint(f, "id"), jint(p, "id"));
        json_t *item = by_id(items, jint(p, "id"));
        assert_string_equal(jstr(p, "code"), jstr(item, "code"));
        assert_string_equal(jstr(p, "name"), jstr(item, "name"));
        assert_int_equal(jint(p, "residents"), jint(item, "residents"));
        assert_int_equal(jint(p, "households"), jint(item, "households"));
        assert_int_equal(jint(p, "elderly"), jint(json_object_get(item, "tags"), "elderly"));
        assert_int_equal(jint(p, "dibao_households"), jint(json_object_get(item, "tag_households"), "dibao"));
        assert_int_equal(jint(p, "value"), expected_value(item, figure));
        json_t *g = json_object_get(f, "geometry");
        assert_string_equal(jstr(g, "type"), "Polygon");
        assert_true(json_array_size(json_array_get(json_object_get(g, "coordinates"), 0)) >= 4);
        sum += jint(p, "value");
    }
    return sum;
}

static void street_map_matches_stats(void **state)
{
    static const char *const FIGURES[] = {"residents", "elderly", "dibao_households"};
    json_t *ou = get_ok(t_street, "/api/v1/stats/org-units");
    json_t *items = json_object_get(ou, "items");
    json_t *tags = get_ok(t_street, "/api/v1/stats/tags");
    for (size_t k = 0; k < 3; k++) {
        json_t *m = get_ok(t_street, fmt("/api/v1/stats/map?figure=%s", FIGURES[k]));
        /* the street's 33 communities, each with the boundary the demo drew; the street's outline */
        assert_int_equal(json_array_size(json_object_get(m, "features")), 33);
        assert_int_equal(json_array_size(json_object_get(m, "missing")), 0);
        json_t *parent = json_object_get(m, "parent");
        assert_int_equal(jint(parent, "id"), street_id);
        assert_string_equal(jstr(parent, "code"), STREET_CODE);
        assert_string_equal(jstr(json_object_get(parent, "geometry"), "type"), "Polygon");
        long long sum = assert_map_matches(m, items, FIGURES[k]);
        if (k == 0)
            assert_int_equal(sum, jint(tags, "total_residents"));
        assert_true(sum > 0);
        json_decref(m);
    }
    /* the default figure is residents; the same with parent_id */
    json_t *m = get_ok(t_street, fmt("/api/v1/stats/map?parent_id=%lld", street_id));
    assert_string_equal(jstr(m, "figure"), "residents");
    assert_map_matches(m, items, "residents");
    json_decref(m);
    json_decref(ou);
    json_decref(tags);

    expect_400_field(t_street, "GET", "/api/v1/stats/map?figure=dibao", NULL, "figure");
    expect_400_field(t_street, "GET", "/api/v1/stats/map?parent_id=x", NULL, "parent_id");
    json_decref(req(t_street, "GET", "/api/v1/stats/map?parent_id=999999", NULL, 404));
    json_decref(req(t_admin, "GET", "/api/v1/stats/map", NULL, 403));
    json_decref(req(t_auditor, "GET", "/api/v1/stats/ages", NULL, 403));
}

static void community_map_and_missing_boundaries(void **state)
{
    json_t *ou = get_ok(t_street, fmt("/api/v1/stats/org-units?parent_id=%lld", c001));
    json_t *items = json_object_get(ou, "items");
    json_t *m = get_ok(t_street, fmt("/api/v1/stats/map?parent_id=%lld&figure=elderly", c001));
    assert_int_equal(json_array_size(json_object_get(m, "features")), 4);
    assert_int_equal(jint(json_object_get(m, "parent"), "id"), c001);
    assert_map_matches(m, items, "elderly");
    json_decref(m);

    /* grid B without a boundary: listed in missing, not drawn */
    json_t *unit = get_ok(t_street, fmt("/api/v1/org-units/%lld", grid_b));
    char *geometry = json_dumps(json_object_get(unit, "geometry"), JSON_COMPACT);
    json_decref(unit);
    assert_non_null(geometry);
    assert_non_null(strstr(geometry, "Polygon"));
    json_decref(req(t_street, "PATCH", fmt("/api/v1/org-units/%lld", grid_b), "{\"geometry\":null}", 200));
    m = get_ok(t_street, fmt("/api/v1/stats/map?parent_id=%lld", c001));
    assert_int_equal(json_array_size(json_object_get(m, "features")), 3);
    json_t *missing = json_object_get(m, "missing");
    assert_int_equal(json_array_size(missing), 1);
    assert_int_equal(jint(json_array_get(missing, 0), "id"), grid_b);
    assert_string_equal(jstr(json_array_get(missing, 0), "code"), GRID_B_CODE);
    assert_string_equal(jstr(json_array_get(missing, 0), "kind"), "grid");
    json_decref(m);
    json_decref(req(t_street, "PATCH", fmt("/api/v1/org-units/%lld", grid_b), fmt("{\"geometry\":%s}", geometry), 200));
    free(geometry);
    m = get_ok(t_street, fmt("/api/v1/stats/map?parent_id=%lld", c001));
    assert_int_equal(json_array_size(json_object_get(m, "features")), 4);
    assert_int_equal(json_array_size(json_object_get(m, "missing")), 0);
    json_decref(m);

    /* a grid alone: itself, its figures those of its row under the community */
    m = get_ok(t_street, fmt("/api/v1/stats/map?parent_id=%lld&figure=dibao_households", grid_a));
    assert_int_equal(json_array_size(json_object_get(m, "features")), 1);
    assert_int_equal(jint(json_object_get(m, "parent"), "id"), grid_a);
    assert_map_matches(m, items, "dibao_households");
    json_decref(m);
    json_decref(ou);

    /* a building alone: no boundary, so missing */
    m = get_ok(t_street, fmt("/api/v1/stats/map?parent_id=%lld", bld_a1));
    assert_int_equal(json_array_size(json_object_get(m, "features")), 0);
    assert_int_equal(jint(json_array_get(json_object_get(m, "missing"), 0), "id"), bld_a1);
    assert_true(json_is_null(json_object_get(json_object_get(m, "parent"), "geometry")));
    json_decref(m);
}

static void grid_worker_map_is_own_grid(void **state)
{
    json_t *ou = get_ok(t_street, fmt("/api/v1/stats/org-units?parent_id=%lld", c001));
    json_t *m = get_ok(t_g0101, "/api/v1/stats/map");
    json_t *features = json_object_get(m, "features");
    assert_int_equal(json_array_size(features), 1);
    assert_int_equal(jint(json_array_get(features, 0), "id"), grid_a);
    assert_int_equal(jint(json_object_get(m, "parent"), "id"), grid_a);
    assert_map_matches(m, json_object_get(ou, "items"), "residents");
    json_decref(m);
    json_decref(ou);
    json_decref(req(t_g0101, "GET", fmt("/api/v1/stats/map?parent_id=%lld", c001), NULL, 404));
    json_decref(req(t_g0101, "GET", fmt("/api/v1/stats/map?parent_id=%lld", grid_b), NULL, 404));
    json_decref(req(t_c01, "GET", fmt("/api/v1/stats/map?parent_id=%lld", c002), NULL, 404));
    /* a community's default map: its grids */
    m = get_ok(t_c01, "/api/v1/stats/map?figure=elderly");
    assert_int_equal(jint(json_object_get(m, "parent"), "id"), c001);
    assert_int_equal(json_array_size(json_object_get(m, "features")), 4);
    json_decref(m);
    /* the department viewer: the street's map */
    m = get_ok(t_viewer, "/api/v1/stats/map?figure=dibao_households");
    assert_int_equal(json_array_size(json_object_get(m, "features")), 33);
    json_decref(m);
}

/* ---- ages ------------------------------------------------------------------- */

/* The local date shifted by years back and days forward, as YYYY-MM-DD. */
static void birth_day(int years, int days, char out[11])
{
    /* today as the server has it: the China date (date_today_local) */
    int ymd = date_today_local();
    struct tm tm = {.tm_year = ymd / 10000 - 1900 - years, .tm_mon = ymd / 100 % 100 - 1,
                    .tm_mday = ymd % 100 + days, .tm_hour = 12};
    time_t t = timegm(&tm);   /* normalises the day */
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* The band (0 = 0-4 … 19 = 95+) of someone born on day d, by derived_age. */
static int band_of(const char *d)
{
    int age = derived_age(d, NULL, 0);
    assert_true(age >= 0);
    return age / 5 > 19 ? 19 : age / 5;
}

/* Asserts the pyramid of unit `id` as `tok` sees it holds `total` residents. */
static json_t *ages_of(const char *tok, long long id, long long total)
{
    json_t *a = get_ok(tok, fmt("/api/v1/stats/ages?org_unit_id=%lld", id));
    assert_int_equal(jint(json_object_get(a, "unit"), "id"), id);
    json_t *bands = json_object_get(a, "bands");
    assert_int_equal(json_array_size(bands), 20);
    assert_string_equal(jstr(json_array_get(bands, 0), "band"), "0-4");
    assert_string_equal(jstr(json_array_get(bands, 13), "band"), "65-69");
    assert_string_equal(jstr(json_array_get(bands, 19), "band"), "95+");
    long long m = 0, f = 0;
    size_t i;
    json_t *b;
    json_array_foreach(bands, i, b) {
        m += jint(b, "male");
        f += jint(b, "female");
    }
    assert_int_equal(m, jint(a, "total_male"));
    assert_int_equal(f, jint(a, "total_female"));
    assert_int_equal(m + f, total);
    return a;
}

static void ages_by_hand(void **state)
{
    /* a new grid of people born on chosen days around their birthdays */
    json_t *g = req(t_street, "POST", "/api/v1/org-units",
                    fmt("{\"parent_id\":%lld,\"code\":\"371702001002-88\",\"name\":\"年龄测试网格\"}", c002), 201);
    long long grid = jint(g, "id");
    json_decref(g);
    long long hh = create_household(t_street, "T-AGES-1", grid, 0);
    static const struct {
        int years, days;
        char sex;
    } PEOPLE[] = {
        {5, 0, 'M'},   /* five today: 5-9 */
        {5, 1, 'F'},   /* five tomorrow: 0-4 */
        {0, -10, 'M'}, /* ten days old */
        {30, 0, 'F'}, {30, 1, 'F'}, {64, 0, 'M'}, {69, 1, 'M'},
        {95, 0, 'F'},  /* 95+ */
        {95, 1, 'M'},  /* 94: 90-94 */
        {101, 0, 'F'},
    };
    enum { N = sizeof PEOPLE / sizeof PEOPLE[0] };
    long long male[20] = {0}, female[20] = {0}, last = 0;
    char d[11], today[11];
    for (size_t i = 0; i < N; i++) {
        char first17[18], idn[19];
        birth_day(PEOPLE[i].years, PEOPLE[i].days, d);
        /* 110105 + birth date + sequence (odd: male) */
        snprintf(first17, sizeof first17, "110105%.4s%.2s%.2s%02zu%c", d, d + 5, d + 8, 10 + i,
                 PEOPLE[i].sex == 'M' ? '1' : '2');
        id_with_check(first17, idn);
        last = create_resident(t_street, hh, idn, fmt("年龄测试%s", cn_number((unsigned)i + 1)),
                               i == 0 ? ",\"relation\":\"户主\"" : ",\"relation\":\"其他\"");
        (PEOPLE[i].sex == 'M' ? male : female)[band_of(d)]++;
    }
    /* the last one (101, a woman) dies: out of the pyramid */
    birth_day(0, 0, today);
    json_decref(req(t_street, "POST", fmt("/api/v1/residents/%lld/status", last),
                    fmt("{\"status\":\"deceased\",\"date\":\"%s\"}", today), 200));
    female[band_of(d)]--;

    json_t *a = ages_of(t_street, grid, N - 1);
    json_t *bands = json_object_get(a, "bands");
    for (int i = 0; i < 20; i++) {
        json_t *b = json_array_get(bands, (size_t)i);
        if (jint(b, "male") != male[i] || jint(b, "female") != female[i])
            print_error("band %s: %lld/%lld, expected %lld/%lld\n", jstr(b, "band"), jint(b, "male"), jint(b, "female"),
                        male[i], female[i]);
        assert_int_equal(jint(b, "male"), male[i]);
        assert_int_equal(jint(b, "female"), female[i]);
    }
    /* the chosen days on this date: 0-4 holds the baby and the one five tomorrow, 5-9 the one five today */
    assert_int_equal(jint(json_array_get(bands, 0), "male") + jint(json_array_get(bands, 0), "female"), 2);
    assert_int_equal(jint(json_array_get(bands, 1), "male"), 1);
    assert_int_equal(jint(json_array_get(bands, 18), "male"), 1);
    assert_int_equal(jint(json_array_get(bands, 19), "female"), 1);
    assert_int_equal(jint(a, "total_male"), 5);
    json_decref(a);

    /* the community above holds them too; the map lists the new grid as without a boundary */
    json_t *item = item_with_id(t_street, fmt("/api/v1/stats/org-units?parent_id=%lld", c002), grid);
    assert_int_equal(jint(item, "residents"), N - 1);
    json_decref(item);
    json_t *m = get_ok(t_street, fmt("/api/v1/stats/map?parent_id=%lld", c002));
    json_t *missing = json_object_get(m, "missing");
    assert_int_equal(json_array_size(missing), 1);
    assert_int_equal(jint(json_array_get(missing, 0), "id"), grid);
    json_decref(m);
}

static void ages_add_up_to_residents(void **state)
{
    json_t *t = get_ok(t_street, "/api/v1/stats/tags");
    json_decref(ages_of(t_street, street_id, jint(t, "total_residents")));
    json_decref(t);
    /* the grid worker: their grid by default */
    t = get_ok(t_g0101, "/api/v1/stats/tags");
    json_t *a = ages_of(t_g0101, grid_a, jint(t, "total_residents"));
    json_decref(t);
    json_decref(a);
    a = get_ok(t_g0101, "/api/v1/stats/ages");
    assert_int_equal(jint(json_object_get(a, "unit"), "id"), grid_a);
    json_decref(a);
    /* a building: its households' members */
    json_t *item = item_with_id(t_street, fmt("/api/v1/stats/org-units?parent_id=%lld", grid_a), bld_a1);
    json_decref(ages_of(t_g0101, bld_a1, jint(item, "residents")));
    json_decref(item);
    json_decref(req(t_g0101, "GET", fmt("/api/v1/stats/ages?org_unit_id=%lld", c001), NULL, 404));
    expect_400_field(t_street, "GET", "/api/v1/stats/ages?org_unit_id=0", NULL, "org_unit_id");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(street_map_matches_stats),
        cmocka_unit_test(community_map_and_missing_boundaries),
        cmocka_unit_test(grid_worker_map_is_own_grid),
        cmocka_unit_test(ages_by_hand),
        cmocka_unit_test(ages_add_up_to_residents),
    };
    return cmocka_run_group_tests(tests, registry_setup, registry_teardown);
}
