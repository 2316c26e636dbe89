/* test_stats.c — statistics agree with the lists: GET /stats/tags counts
 * against the resident list filtered by tag, GET /stats/org-units per
 * community and per building against the org tree's counts and the
 * lists — against the real server on the demo street. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "registry_fixture.h"

/* ---- statistics ------------------------------------------------------------- */

static void stats_agree_with_lists(void **state)
{
    long long total = total_of(t_street, "/api/v1/residents?page_size=20");
    json_t *st = get_ok(t_street, "/api/v1/stats/tags");
    assert_int_equal(jint(st, "total_residents"), total);
    assert_int_equal(jint(json_object_get(st, "unit"), "id"), street_id);
    json_t *tags = json_object_get(st, "tags");
    assert_int_equal(json_array_size(tags), 11);
    size_t i;
    json_t *t;
    long long nonzero = 0;
    json_array_foreach(tags, i, t) {
        const char *code = jstr(t, "code");
        assert_non_null(jstr(t, "label"));
        long long n = total_of(t_street, fmt("/api/v1/residents?tag=%s&page_size=20", code));
        if (jint(t, "count") != n)
            print_error("stats/tags %s: %lld, list total %lld\n", code, jint(t, "count"), n);
        assert_int_equal(jint(t, "count"), n);
        nonzero += n > 0;
    }
    assert_true(nonzero >= 3);

    /* Per community: residents and tags add up to the street's. */
    json_t *ou = get_ok(t_street, "/api/v1/stats/org-units");
    assert_int_equal(jint(json_object_get(ou, "parent"), "id"), street_id);
    json_t *items = json_object_get(ou, "items");
    json_t *tree = get_ok(t_street, fmt("/api/v1/org-units?parent_id=%lld", street_id));
    assert_int_equal(json_array_size(items), json_array_size(json_object_get(tree, "items")));
    long long sum = 0, sum_hh = 0;
    json_t *it;
    json_array_foreach(items, i, it) {
        sum += jint(it, "residents");
        sum_hh += jint(it, "households");
        json_t *node = json_array_get(json_object_get(tree, "items"), i);
        assert_int_equal(jint(node, "id"), jint(it, "id"));
        assert_int_equal(jint(node, "resident_count"), jint(it, "residents"));
        assert_int_equal(jint(node, "household_count"), jint(it, "households"));
    }
    json_decref(tree);
    assert_int_equal(sum, total);
    assert_int_equal(sum_hh, total_of(t_street, "/api/v1/households?page_size=20"));
    json_array_foreach(tags, i, t) {
        const char *code = jstr(t, "code");
        long long s = 0;
        size_t k;
        json_array_foreach(items, k, it)
            s += jint(json_object_get(it, "tags"), code);
        assert_int_equal(s, jint(t, "count"));
    }
    /* One community against the list with a tag filter. */
    json_array_foreach(items, i, it) {
        if (jint(it, "id") != c001)
            continue;
        long long res = total_of(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=20", c001));
        assert_int_equal(jint(it, "residents"), res);
        assert_int_equal(jint(json_object_get(it, "tags"), "disabled"),
                         total_of(t_street, fmt("/api/v1/residents?org_unit_id=%lld&tag=disabled", c001)));
        json_t *ct = get_ok(t_street, fmt("/api/v1/stats/tags?org_unit_id=%lld", c001));
        assert_int_equal(jint(ct, "total_residents"), res);
        json_decref(ct);
    }
    json_decref(ou);
    json_decref(st);

    /* A building: stats, org-unit counts and the list agree. */
    json_t *bs = get_ok(t_street, fmt("/api/v1/stats/org-units?parent_id=%lld", grid_a));
    json_array_foreach(json_object_get(bs, "items"), i, it) {
        if (jint(it, "id") != bld_a1)
            continue;
        assert_string_equal(jstr(it, "kind"), "building");
        long long res = total_of(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=20", bld_a1));
        assert_int_equal(jint(it, "residents"), res);
        json_t *ct = get_ok(t_street, fmt("/api/v1/stats/tags?org_unit_id=%lld", bld_a1));
        assert_int_equal(jint(ct, "total_residents"), res);
        json_decref(ct);
        json_t *node = child_unit(t_street, grid_a, bld_a1);
        assert_int_equal(jint(node, "resident_count"), res);
        json_decref(node);
    }
    json_decref(bs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stats_agree_with_lists),
    };
    return cmocka_run_group_tests_name("api_stats", tests, registry_setup, registry_teardown);
}
