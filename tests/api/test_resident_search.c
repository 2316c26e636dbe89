/* test_resident_search.c — finding people (registry/resident_search.c,
 * migration 0017): by any part of the name, by pinyin from any syllable
 * and by the initials of the whole name, polyphonic surnames by either
 * reading; by the last 4 digits of the phone and the last 4–6
 * characters of the ID number; the terms following renames and moves;
 * a grid worker's searches staying in its grid (rows and totals); the
 * terms of residents from before 0017 filled at the next start — against
 * the real server on the demo street, on both engines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_fixture.h"

static long long hh_a, hh_b;                       /* households of grid A (wangge0101's) and grid B */
static long long r_shan, r_zeng, r_uyghur, r_latin, r_b;
static char id_shan[19], id_b[19];

/* Whether GET path (as tok) lists resident rid; *total gets the total. */
static int finds(const char *tok, const char *path, long long rid, long long *total)
{
    json_t *j = get_ok(tok, fmt("%s%spage_size=100", path, strchr(path, '?') ? "&" : "?"));
    int found = 0;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(j, "items"), i, it)
        found |= jint(it, "id") == rid;
    if (total)
        *total = jint(j, "total");
    json_decref(j);
    return found;
}

static int street_finds_name(const char *term, long long rid)
{
    return finds(t_street, fmt("/api/v1/residents?name=%s", urlenc(term)), rid, NULL);
}

/* The people the tests look for: unusual names, so that the demo's
 * 300 households hold none of them. */
static int people_setup(void **state)
{
    if (registry_setup(state) != 0)
        return -1;
    hh_a = create_household(t_street, "RS-A", grid_a, 0);
    hh_b = create_household(t_street, "RS-B", grid_b, 0);
    snprintf(id_shan, sizeof id_shan, "%s", new_id());
    snprintf(id_b, sizeof id_b, "%s", new_id());
    r_shan = create_resident(t_street, hh_a, id_shan, "单雄信", ", \"relation\": \"户主\", \"phone\": \"13900017291\"");
    r_zeng = create_resident(t_street, hh_a, new_id(), "曾鲸翔", "");
    r_uyghur = create_resident(t_street, hh_a, new_id(), "阿依古丽·买买提", "");
    r_latin = create_resident(t_street, hh_a, new_id(), "Johanna Smythe", "");
    r_b = create_resident(t_street, hh_b, id_b, "冼星瀚", ", \"relation\": \"户主\", \"phone\": \"13900047291\"");
    return 0;
}

/* Any part of the name, pinyin from any syllable, initials of the whole. */
static void name_by_part_pinyin_and_initials(void **state)
{
    (void)state;
    const char *const FIND_SHAN[] = {"单雄信", "单", "雄信", "信", "shanxiongxin", "shan", "xiongxin", "xin",
                                     "sxx", "ShanXiongXin", "shan xiong", NULL};
    for (size_t i = 0; FIND_SHAN[i]; i++) {
        if (!street_finds_name(FIND_SHAN[i], r_shan))
            print_error("name=%s does not find 单雄信\n", FIND_SHAN[i]);
        assert_true(street_finds_name(FIND_SHAN[i], r_shan));
    }
    /* the everyday reading of the surname finds him too */
    assert_true(street_finds_name("danxiongxin", r_shan));
    assert_true(street_finds_name("dxx", r_shan));
    assert_true(street_finds_name("zengjingxiang", r_zeng));
    assert_true(street_finds_name("cengjingxiang", r_zeng));
    assert_true(street_finds_name("zjx", r_zeng));
    /* minority names: the part after the dot, with or without it */
    assert_true(street_finds_name("买买提", r_uyghur));
    assert_true(street_finds_name("古丽·买", r_uyghur));
    assert_true(street_finds_name("maimaiti", r_uyghur));
    assert_true(street_finds_name("ayglmmt", r_uyghur));
    /* Latin names by word, case-blind */
    assert_true(street_finds_name("smythe", r_latin));
    assert_true(street_finds_name("JOHANNA", r_latin));
    assert_true(street_finds_name("js", r_latin));
    /* and nothing that is not there */
    assert_false(street_finds_name("雄单", r_shan));
    assert_false(street_finds_name("xs", r_shan));
    assert_false(street_finds_name("ongxin", r_shan));
    /* exact counts: 3 people hold 瀚/翔/提… only one holds 鲸 */
    long long total;
    assert_true(finds(t_street, fmt("/api/v1/residents?name=%s", urlenc("鲸翔")), r_zeng, &total));
    assert_int_equal(total, 1);
    expect_400_field(t_street, "GET", "/api/v1/residents?name=%C2%B7", NULL, "name");
    /* a name with an age filter: both apply (not the terms-only path) */
    assert_false(finds(t_street, fmt("/api/v1/residents?name=%s&age_min=120", urlenc("单雄信")), r_shan, &total));
    assert_int_equal(total, 0);
    assert_true(finds(t_street, fmt("/api/v1/residents?name=%s&age_max=120", urlenc("单雄信")), r_shan, &total));
    assert_int_equal(total, 1);
}

/* The last 4 digits of the phone; the last 4, 5 or 6 characters of the ID. */
static void phone_and_id_tails(void **state)
{
    (void)state;
    long long total;
    assert_true(finds(t_street, "/api/v1/residents?phone_tail=7291", r_shan, &total));
    assert_true(finds(t_street, "/api/v1/residents?phone_tail=7291", r_b, NULL));
    assert_false(finds(t_street, "/api/v1/residents?phone_tail=7292", r_shan, NULL));
    for (int n = 4; n <= 6; n++) {
        assert_true(finds(t_street, fmt("/api/v1/residents?id_tail=%s", id_shan + 18 - n), r_shan, &total));
        assert_true(total >= 1);
    }
    /* the tail with a name: both must hold */
    assert_true(finds(t_street, fmt("/api/v1/residents?phone_tail=7291&name=%s", urlenc("单")), r_shan, &total));
    assert_int_equal(total, 1);
    expect_400_field(t_street, "GET", "/api/v1/residents?phone_tail=729", NULL, "phone_tail");
    expect_400_field(t_street, "GET", "/api/v1/residents?phone_tail=72a1", NULL, "phone_tail");
    expect_400_field(t_street, "GET", "/api/v1/residents?id_tail=123", NULL, "id_tail");
    expect_400_field(t_street, "GET", "/api/v1/residents?id_tail=1234567", NULL, "id_tail");
    /* the viewer sees no phones and no full ID numbers: no search by them */
    json_t *j = req(t_viewer, "GET", "/api/v1/residents?phone_tail=7291", NULL, 403);
    assert_string_equal(err_field(j), "phone_tail");
    json_decref(j);
    j = req(t_viewer, "GET", fmt("/api/v1/residents?id_tail=%s", id_shan + 12), NULL, 403);
    assert_string_equal(err_field(j), "id_number");
    json_decref(j);
    /* an ID tail is an exact search: audited, the tail not shown */
    long long before = total_of(t_auditor, "/api/v1/audit?action=search_exact");
    json_decref(get_ok(t_c01, fmt("/api/v1/residents?id_tail=%s", id_shan + 12)));
    j = get_ok(t_auditor, "/api/v1/audit?action=search_exact&page_size=20");
    assert_int_equal(jint(j, "total"), before + 1);
    const char *detail = jstr(json_array_get(json_object_get(j, "items"), 0), "detail");
    assert_non_null(strstr(detail, "尾号"));
    assert_null(strstr(detail, id_shan + 12));
    json_decref(j);
}

/* A grid worker finds only its grid's people, by every kind of term, and
 * the totals count only them. */
static void a_grid_worker_searches_its_grid_only(void **state)
{
    (void)state;
    long long total;
    assert_true(finds(t_g0101, "/api/v1/residents?name=shanxiongxin", r_shan, NULL));
    assert_false(finds(t_g0101, "/api/v1/residents?name=xianxinghan", r_b, &total));
    assert_int_equal(total, 0);
    assert_false(finds(t_g0101, fmt("/api/v1/residents?name=%s", urlenc("星瀚")), r_b, &total));
    assert_int_equal(total, 0);
    assert_false(finds(t_g0101, "/api/v1/residents?name=xxh", r_b, &total));
    assert_int_equal(total, 0);
    /* both share the tail 7291: the grid worker gets its own only */
    assert_true(finds(t_g0101, "/api/v1/residents?phone_tail=7291", r_shan, &total));
    assert_false(finds(t_g0101, "/api/v1/residents?phone_tail=7291", r_b, NULL));
    long long street_total;
    assert_true(finds(t_street, "/api/v1/residents?phone_tail=7291", r_b, &street_total));
    assert_true(total < street_total);
    assert_false(finds(t_g0101, fmt("/api/v1/residents?id_tail=%s", id_b + 12), r_b, &total));
    assert_int_equal(total, 0);
    /* naming the other grid as the unit is refused */
    json_decref(req(t_g0101, "GET", fmt("/api/v1/residents?org_unit_id=%lld&name=xxh", grid_b), NULL, 404));
    /* the community finds both */
    assert_true(finds(t_c01, "/api/v1/residents?name=xianxinghan", r_b, NULL));
    assert_true(finds(t_c01, fmt("/api/v1/residents?org_unit_id=%lld&name=sxx", grid_a), r_shan, NULL));
    assert_false(finds(t_c01, fmt("/api/v1/residents?org_unit_id=%lld&name=xxh", grid_a), r_b, NULL));
}

/* A new name and phone replace the old terms; a move takes them to the
 * new grid (out of the old grid worker's reach). */
static void terms_follow_renames_and_moves(void **state)
{
    (void)state;
    long long rid = create_resident(t_street, hh_a, new_id(), "查尔斐", ", \"phone\": \"13900058123\"");
    assert_true(finds(t_g0101, "/api/v1/residents?name=zhaerfei", rid, NULL));
    json_decref(req(t_street, "PATCH", fmt("/api/v1/residents/%lld", rid),
                    "{\"name\": \"仇楚瑜\", \"phone\": \"13900058456\"}", 200));
    assert_false(finds(t_street, "/api/v1/residents?name=zhaerfei", rid, NULL));
    assert_false(finds(t_street, fmt("/api/v1/residents?name=%s", urlenc("尔斐")), rid, NULL));
    assert_false(finds(t_street, "/api/v1/residents?phone_tail=8123", rid, NULL));
    assert_true(finds(t_street, "/api/v1/residents?name=qiuchuyu", rid, NULL));
    assert_true(finds(t_street, "/api/v1/residents?name=chouchuyu", rid, NULL));
    assert_true(finds(t_street, "/api/v1/residents?phone_tail=8456", rid, NULL));
    assert_true(finds(t_g0101, "/api/v1/residents?name=qcy", rid, NULL));
    /* a change of neither name nor phone leaves the terms as they are */
    json_decref(req(t_street, "PATCH", fmt("/api/v1/residents/%lld", rid), "{\"employment\": \"退休\"}", 200));
    assert_true(finds(t_street, "/api/v1/residents?name=qiuchuyu", rid, NULL));
    assert_true(finds(t_street, "/api/v1/residents?phone_tail=8456", rid, NULL));
    json_decref(req(t_street, "POST", fmt("/api/v1/residents/%lld/move", rid), fmt("{\"household_id\": %lld}", hh_b), 200));
    assert_false(finds(t_g0101, "/api/v1/residents?name=qcy", rid, NULL));
    assert_false(finds(t_g0101, "/api/v1/residents?phone_tail=8456", rid, NULL));
    assert_true(finds(t_c01, fmt("/api/v1/residents?org_unit_id=%lld&name=qcy", grid_b), rid, NULL));
}

/* The ids of GET path's items, as "id,id,…" (a static buffer). */
static const char *ids_of(const char *path)
{
    static char out[256];
    json_t *j = get_ok(t_street, path);
    size_t i, n = 0;
    json_t *it;
    out[0] = '\0';
    json_array_foreach(json_object_get(j, "items"), i, it)
        n += (size_t)snprintf(out + n, sizeof out - n, "%s%lld", i ? "," : "", jint(it, "id"));
    json_decref(j);
    return out;
}

/* A search by name alone reads the status, pinyin and grid from the
 * terms' rows (migration 0020): a death, a rename and a household's
 * closing reach its results, their order and their totals at once. */
static void status_and_renames_reach_name_searches(void **state)
{
    (void)state;
    long long hh = create_household(t_street, "RS-C", grid_a, 0);
    long long a = create_resident(t_street, hh, new_id(), "訾伯安", ", \"relation\": \"户主\"");
    long long b = create_resident(t_street, hh, new_id(), "訾伯翎", "");
    char q[128], want[64];
    snprintf(q, sizeof q, "/api/v1/residents?name=%s", urlenc("訾伯"));
    snprintf(want, sizeof want, "%lld,%lld", a, b);   /* zi bo an, zi bo ling */
    assert_string_equal(ids_of(fmt("%s&sort=name", q)), want);
    json_decref(req(t_street, "PATCH", fmt("/api/v1/residents/%lld", a), "{\"name\": \"訾伯舟\"}", 200));
    snprintf(want, sizeof want, "%lld,%lld", b, a);   /* zi bo ling, zi bo zhou */
    assert_string_equal(ids_of(fmt("%s&sort=name", q)), want);
    snprintf(want, sizeof want, "%lld,%lld", a, b);
    assert_string_equal(ids_of(fmt("%s&sort=-name", q)), want);
    json_decref(req(t_street, "POST", fmt("/api/v1/residents/%lld/status", b), "{\"status\":\"deceased\"}", 200));
    long long total;
    assert_false(finds(t_street, q, b, &total));
    assert_int_equal(total, 1);
    assert_true(finds(t_street, fmt("%s&status=deceased", q), b, &total));
    assert_int_equal(total, 1);
    assert_true(finds(t_g0101, fmt("%s&status=all", q), b, &total));
    assert_int_equal(total, 2);
    /* Every term's row carries its resident's current values. */
    assert_int_equal(server_sql_int(&srv, "SELECT COUNT(*) FROM resident_search_key k JOIN resident r ON r.id = k.resident_id"
                                          " WHERE k.status <> r.status OR k.name_py IS DISTINCT FROM r.name_py"
                                          " OR k.grid_id <> r.grid_id"
                                          " OR k.import_batch_id IS DISTINCT FROM r.import_batch_id"), 0);
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM resident_search_key WHERE resident_id = %lld"
                                              " AND status = 'deceased'", b)) > 0, 1);
}

/* sort=name is pinyin order, both ways, ties by id. */
static void sort_by_name_is_pinyin(void **state)
{
    (void)state;
    json_t *j = get_ok(t_street, fmt("/api/v1/residents?org_unit_id=%lld&household_id=%lld&sort=name", grid_a, hh_a));
    json_t *items = json_object_get(j, "items");
    /* 阿依古丽 a, Johanna j, 单 shan, 曾 zeng */
    assert_int_equal(json_array_size(items), 4);
    assert_int_equal(jint(json_array_get(items, 0), "id"), r_uyghur);
    assert_int_equal(jint(json_array_get(items, 1), "id"), r_latin);
    assert_int_equal(jint(json_array_get(items, 2), "id"), r_shan);
    assert_int_equal(jint(json_array_get(items, 3), "id"), r_zeng);
    json_decref(j);
    j = get_ok(t_street, fmt("/api/v1/residents?household_id=%lld&sort=-name", hh_a));
    assert_int_equal(jint(json_array_get(json_object_get(j, "items"), 0), "id"), r_zeng);
    json_decref(j);
}

/* A database from before migration 0017 has no terms: the next start
 * fills them (audited), and searches find everyone again. Runs last:
 * the restart ends the sessions. */
static void terms_are_filled_at_the_next_start(void **state)
{
    (void)state;
    server_sql(&srv, "DELETE FROM resident_search_key");
    server_sql(&srv, "UPDATE resident SET name_py = NULL");
    server_sql(&srv, "DELETE FROM resident_search_state");
    assert_false(street_finds_name("shanxiongxin", r_shan));
    long long residents = server_sql_int(&srv, "SELECT COUNT(*) FROM resident");
    assert_int_equal(server_halt(&srv), 0);
    assert_int_equal(server_launch(&srv, registry_serve_args), 0);
    free(t_street);
    free(t_auditor);
    t_street = login(&srv, "jiedao", DEMO_PW);
    t_auditor = login(&srv, "auditor", DEMO_PW);
    assert_true(street_finds_name("shanxiongxin", r_shan));
    assert_true(street_finds_name("鲸", r_zeng));
    assert_true(finds(t_street, "/api/v1/residents?phone_tail=7291", r_shan, NULL));
    assert_true(finds(t_street, fmt("/api/v1/residents?id_tail=%s", id_shan + 13), r_shan, NULL));
    assert_int_equal(server_sql_int(&srv, "SELECT COUNT(*) FROM resident WHERE name_py IS NULL"), 0);
    assert_int_equal(server_sql_int(&srv, "SELECT COUNT(DISTINCT resident_id) FROM resident_search_key"), residents);
    json_t *j = get_ok(t_auditor, "/api/v1/audit?action=search_keys_built");
    assert_int_equal(jint(j, "total"), 1);
    assert_non_null(strstr(jstr(json_array_get(json_object_get(j, "items"), 0), "detail"),
                           fmt("%lld 名居民", residents)));
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(name_by_part_pinyin_and_initials),
        cmocka_unit_test(phone_and_id_tails),
        cmocka_unit_test(a_grid_worker_searches_its_grid_only),
        cmocka_unit_test(terms_follow_renames_and_moves),
        cmocka_unit_test(status_and_renames_reach_name_searches),
        cmocka_unit_test(sort_by_name_is_pinyin),
        cmocka_unit_test(terms_are_filled_at_the_next_start),
    };
    return cmocka_run_group_tests_name("api_resident_search", tests, people_setup, registry_teardown);
}
