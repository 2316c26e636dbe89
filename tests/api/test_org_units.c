/* test_org_units.c — the org tree as permitted users read it: each
 * level's household and resident counts are the sums of its children's
 * and agree with the lists, breadcrumbs stop at the caller's own unit;
 * and org units created and updated (kind follows the parent, duplicate
 * codes and bad fields refused, who may create or rename what, audited)
 * — against the real server, reading the effects back through the API. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "registry_fixture.h"

/* ---- org tree -------------------------------------------------------------- */

static void sum_children(const char *tok, long long parent, const char *kind, long long *hh, long long *res,
                         size_t *n)
{
    json_t *j = get_ok(tok, fmt("/api/v1/org-units?parent_id=%lld", parent));
    json_t *items = json_object_get(j, "items");
    size_t i;
    json_t *it;
    *hh = *res = 0;
    *n = json_array_size(items);
    json_array_foreach(items, i, it) {
        assert_string_equal(jstr(it, "kind"), kind);
        assert_int_equal(jint(it, "parent_id"), parent);
        assert_true(json_is_integer(json_object_get(it, "resident_count")));
        assert_true(json_is_integer(json_object_get(it, "household_count")));
        assert_true(json_is_integer(json_object_get(it, "child_count")));
        *hh += jint(it, "household_count");
        *res += jint(it, "resident_count");
    }
    json_decref(j);
}

static void org_tree_counts_add_up(void **state)
{
    /* No parent: the caller's own unit, as a one-item list. */
    json_t *j = get_ok(t_street, "/api/v1/org-units");
    assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
    json_t *st = json_array_get(json_object_get(j, "items"), 0);
    assert_int_equal(jint(st, "id"), street_id);
    assert_string_equal(jstr(st, "kind"), "street");
    assert_string_equal(jstr(st, "code"), STREET_CODE);
    assert_int_equal(jint(st, "child_count"), 33);
    long long street_hh = jint(st, "household_count"), street_res = jint(st, "resident_count");
    json_decref(j);
    assert_int_equal(street_hh, 300);
    assert_true(street_res > 300);

    long long hh, res;
    size_t n;
    sum_children(t_street, street_id, "community", &hh, &res, &n);
    assert_int_equal(n, 33);
    assert_int_equal(hh, street_hh);
    assert_int_equal(res, street_res);

    /* A community's counts are the sums of its grids'. */
    json_t *c = child_unit(t_street, street_id, c001);
    assert_int_equal(jint(c, "child_count"), 4);
    long long c_hh = jint(c, "household_count"), c_res = jint(c, "resident_count");
    json_decref(c);
    sum_children(t_street, c001, "grid", &hh, &res, &n);
    assert_int_equal(n, 4);
    assert_int_equal(hh, c_hh);
    assert_int_equal(res, c_res);
    assert_true(c_res > 0);

    /* A grid's are the sums of its buildings' (every demo household has one). */
    json_t *g = child_unit(t_street, c001, grid_a);
    long long g_hh = jint(g, "household_count"), g_res = jint(g, "resident_count");
    json_decref(g);
    sum_children(t_street, grid_a, "building", &hh, &res, &n);
    assert_true(n >= 12);
    assert_int_equal(hh, g_hh);
    assert_int_equal(res, g_res);

    /* The counts agree with the lists. */
    assert_int_equal(total_of(t_street, "/api/v1/residents?page_size=20"), street_res);
    assert_int_equal(total_of(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=20", c001)), c_res);
    assert_int_equal(total_of(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=20", grid_a)), g_res);
    assert_int_equal(total_of(t_street, fmt("/api/v1/households?org_unit_id=%lld&page_size=20", c001)), c_hh);
    assert_int_equal(total_of(t_street, "/api/v1/households?page_size=20"), street_hh);

    /* One unit with its breadcrumb. */
    j = get_ok(t_street, fmt("/api/v1/org-units/%lld", grid_a));
    assert_string_equal(jstr(j, "kind"), "grid");
    assert_string_equal(jstr(j, "code"), GRID_A_CODE);
    assert_int_equal(jint(j, "parent_id"), c001);
    json_t *anc = json_object_get(j, "ancestors");
    assert_int_equal(json_array_size(anc), 2);
    assert_int_equal(jint(json_array_get(anc, 0), "id"), street_id);
    assert_int_equal(jint(json_array_get(anc, 1), "id"), c001);
    json_decref(j);
    /* The grid worker's breadcrumb stops at their own unit. */
    j = get_ok(t_g0101, fmt("/api/v1/org-units/%lld", bld_a1));
    anc = json_object_get(j, "ancestors");
    assert_int_equal(json_array_size(anc), 1);
    assert_int_equal(jint(json_array_get(anc, 0), "id"), grid_a);
    json_decref(j);
}

static void org_unit_create_and_update(void **state)
{
    json_t *j = req(t_c01, "POST", "/api/v1/org-units",
                    fmt("{\"parent_id\":%lld,\"code\":\"371702001001-09\",\"name\":\"测试第九网格\","
                        "\"leader_name\":\"王测试\",\"leader_phone\":\"13900001111\"}", c001), 201);
    long long g9 = jint(j, "id");
    assert_true(g9 > 0);
    assert_string_equal(jstr(j, "kind"), "grid");        /* kind follows the parent */
    assert_int_equal(jint(j, "parent_id"), c001);
    assert_string_equal(jstr(j, "code"), "371702001001-09");
    assert_string_equal(jstr(j, "leader_phone"), "13900001111");
    json_decref(j);
    j = get_ok(t_c01, fmt("/api/v1/org-units/%lld", g9));
    assert_string_equal(jstr(j, "kind"), "grid");
    assert_string_equal(jstr(j, "name"), "测试第九网格");
    json_decref(j);
    j = get_ok(t_c01, fmt("/api/v1/org-units?parent_id=%lld", c001));
    assert_int_equal(json_array_size(json_object_get(j, "items")), 5);
    json_decref(j);

    /* Audited with the after image. */
    j = get_ok(t_auditor, fmt("/api/v1/audit?action=create&entity=org_unit&entity_id=%lld", g9));
    assert_int_equal(jint(j, "total"), 1);
    json_t *a = json_array_get(json_object_get(j, "items"), 0);
    assert_string_equal(jstr(a, "username"), "shequ01");
    assert_string_equal(jstr(json_object_get(a, "after"), "code"), "371702001001-09");
    json_decref(j);

    /* Duplicate code: 409, nothing added. */
    j = req(t_c01, "POST", "/api/v1/org-units",
            fmt("{\"parent_id\":%lld,\"code\":\"371702001001-09\",\"name\":\"重复\"}", c001), 409);
    assert_string_equal(err_code(j), "conflict");
    assert_string_equal(err_field(j), "code");
    json_decref(j);
    j = get_ok(t_c01, fmt("/api/v1/org-units?parent_id=%lld", c001));
    assert_int_equal(json_array_size(json_object_get(j, "items")), 5);
    json_decref(j);

    /* Under a grid: a building. */
    j = req(t_c01, "POST", "/api/v1/org-units",
            fmt("{\"parent_id\":%lld,\"code\":\"371702001001-09-B01\",\"name\":\"测试1号楼\"}", g9), 201);
    long long b = jint(j, "id");
    assert_string_equal(jstr(j, "kind"), "building");
    json_decref(j);
    /* Nothing under a building. */
    expect_400_field(t_c01, "POST", "/api/v1/org-units",
                     fmt("{\"parent_id\":%lld,\"code\":\"371702001001-09-B01-1\",\"name\":\"一单元\"}", b), "parent_id");
    j = get_ok(t_c01, fmt("/api/v1/org-units?parent_id=%lld", b));
    assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);
    /* Bad code and phone. */
    expect_400_field(t_c01, "POST", "/api/v1/org-units",
                     fmt("{\"parent_id\":%lld,\"code\":\"有 空格\",\"name\":\"x\"}", c001), "code");
    expect_400_field(t_c01, "POST", "/api/v1/org-units",
                     fmt("{\"parent_id\":%lld,\"code\":\"371702001001-08\",\"name\":\"x\",\"leader_phone\":\"123\"}", c001),
                     "leader_phone");

    /* The street creates communities. */
    j = req(t_street, "POST", "/api/v1/org-units",
            fmt("{\"parent_id\":%lld,\"code\":\"371702001099\",\"name\":\"测试社区\"}", street_id), 201);
    assert_string_equal(jstr(j, "kind"), "community");
    json_decref(j);
    /* Grid workers create nothing. */
    j = req(t_g0101, "POST", "/api/v1/org-units",
            fmt("{\"parent_id\":%lld,\"code\":\"371702001001-01-B99\",\"name\":\"x\"}", grid_a), 403);
    assert_string_equal(err_code(j), "forbidden");
    json_decref(j);

    /* PATCH: community renames its grid. */
    j = req(t_c01, "PATCH", fmt("/api/v1/org-units/%lld", g9), "{\"name\":\"测试网格改名\",\"notes\":\"备注\"}", 200);
    assert_string_equal(jstr(j, "name"), "测试网格改名");
    assert_string_equal(jstr(j, "leader_name"), "王测试");   /* untouched fields stay */
    json_decref(j);
    j = get_ok(t_street, fmt("/api/v1/org-units/%lld", g9));
    assert_string_equal(jstr(j, "name"), "测试网格改名");
    json_decref(j);
    /* Grid worker: own grid's buildings only. */
    j = req(t_g0101, "PATCH", fmt("/api/v1/org-units/%lld", grid_a), "{\"name\":\"改名\"}", 403);
    assert_string_equal(err_code(j), "forbidden");
    json_decref(j);
    j = get_ok(t_street, fmt("/api/v1/org-units/%lld", grid_a));
    assert_string_not_equal(jstr(j, "name"), "改名");
    json_decref(j);
    j = req(t_g0101, "PATCH", fmt("/api/v1/org-units/%lld", bld_a1), "{\"leader_name\":\"李楼长\"}", 200);
    assert_string_equal(jstr(j, "leader_name"), "李楼长");
    json_decref(j);
    j = get_ok(t_street, fmt("/api/v1/org-units/%lld", bld_a1));
    assert_string_equal(jstr(j, "leader_name"), "李楼长");
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(org_tree_counts_add_up),
        cmocka_unit_test(org_unit_create_and_update),
    };
    return cmocka_run_group_tests_name("api_org_units", tests, registry_setup, registry_teardown);
}
