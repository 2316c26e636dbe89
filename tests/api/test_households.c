/* test_households.c — households: create (rejected creates named by
 * field), update (audited with before and after), move to another grid
 * with all members, close (members moved out, kept as history, no more
 * changes; deceased members stay deceased), the full-ID view of the
 * members audited per member, search by literal substring, by head's
 * name and member tag, the household's own history, and one head
 * per household that follows relation 户主 — against the real server,
 * reading the effects back through the API. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "registry_fixture.h"

/* ---- helpers ------------------------------------------------------------- */

static long long unit_residents(long long parent, long long id)
{
    json_t *u = child_unit(t_street, parent, id);
    long long n = jint(u, "resident_count");
    json_decref(u);
    return n;
}

static long long head_of(long long hh)
{
    json_t *j = get_ok(t_g0101, fmt("/api/v1/households/%lld", hh));
    json_t *h = json_object_get(j, "head_resident_id");
    long long id = json_is_integer(h) ? json_integer_value(h) : 0;
    json_decref(j);
    return id;
}

/* ---- households ------------------------------------------------------------ */

static void household_create_update_move_close(void **state)
{
    json_t *j = req(t_c01, "POST", "/api/v1/households",
                    fmt("{\"code\":\"T-REG-H1\",\"grid_id\":%lld,\"building_id\":%lld,"
                        "\"address\":\"菏泽市牡丹区测试路1号1单元101室\",\"phone\":\"139-0000-2222\"}", grid_a, bld_a1),
                    201);
    long long hh = jint(j, "id");
    assert_string_equal(jstr(j, "code"), "T-REG-H1");
    assert_int_equal(jint(j, "grid_id"), grid_a);
    assert_int_equal(jint(j, "building_id"), bld_a1);
    assert_string_equal(jstr(j, "status"), "active");
    assert_int_equal(jint(j, "member_count"), 0);
    assert_string_equal(jstr(j, "phone"), "13900002222");   /* normalised */
    json_decref(j);

    /* Rejected creates. */
    j = req(t_c01, "POST", "/api/v1/households",
            fmt("{\"code\":\"T-REG-H1\",\"grid_id\":%lld,\"address\":\"x\"}", grid_a), 409);
    assert_string_equal(err_code(j), "conflict");
    json_decref(j);
    expect_400_field(t_c01, "POST", "/api/v1/households",
                     fmt("{\"code\":\"T-REG-H1b\",\"grid_id\":%lld,\"building_id\":%lld,\"address\":\"x\"}", grid_a, bld_b1),
                     "building_id");
    expect_400_field(t_c01, "POST", "/api/v1/households",
                     fmt("{\"code\":\"T-REG-H1c\",\"grid_id\":%lld,\"address\":\"x\"}", c001), "grid_id");
    expect_400_field(t_c01, "POST", "/api/v1/households", fmt("{\"code\":\"T-REG-H1d\",\"grid_id\":%lld}", grid_a),
                     "address");
    assert_int_equal(total_of(t_street, "/api/v1/households?q=T-REG-H1&status=all"), 1);

    long long r1 = create_resident(t_c01, hh, new_id(), "测试户主", ",\"relation\":\"户主\"");
    long long r2 = create_resident(t_c01, hh, new_id(), "测试配偶", ",\"relation\":\"配偶\"");
    j = get_ok(t_c01, fmt("/api/v1/households/%lld", hh));
    assert_int_equal(json_array_size(json_object_get(j, "members")), 2);
    assert_int_equal(jint(j, "member_count"), 2);
    assert_int_equal(jint(j, "head_resident_id"), r1);
    assert_string_equal(jstr(j, "head_name"), "测试户主");
    assert_true(members_have(j, r1) && members_have(j, r2));
    json_decref(j);

    /* Update. */
    j = req(t_c01, "PATCH", fmt("/api/v1/households/%lld", hh), "{\"address\":\"菏泽市牡丹区测试路1号2单元202室\",\"notes\":\"已核实\"}", 200);
    assert_string_equal(jstr(j, "address"), "菏泽市牡丹区测试路1号2单元202室");
    json_decref(j);
    j = get_ok(t_street, fmt("/api/v1/households/%lld", hh));
    assert_string_equal(jstr(j, "address"), "菏泽市牡丹区测试路1号2单元202室");
    assert_string_equal(jstr(j, "notes"), "已核实");
    assert_int_equal(jint(j, "building_id"), bld_a1);   /* untouched */
    json_decref(j);
    j = get_ok(t_auditor, fmt("/api/v1/audit?action=update&entity=household&entity_id=%lld", hh));
    assert_int_equal(jint(j, "total"), 1);
    json_t *a = json_array_get(json_object_get(j, "items"), 0);
    assert_string_equal(jstr(json_object_get(a, "before"), "address"), "菏泽市牡丹区测试路1号1单元101室");
    assert_string_equal(jstr(json_object_get(a, "after"), "address"), "菏泽市牡丹区测试路1号2单元202室");
    json_decref(j);
    /* The head must be a member. */
    json_t *other = get_ok(t_c01, fmt("/api/v1/residents?org_unit_id=%lld&page_size=20", grid_b));
    long long outsider = jint(json_array_get(json_object_get(other, "items"), 0), "id");
    json_decref(other);
    assert_true(outsider > 0);
    expect_400_field(t_c01, "PATCH", fmt("/api/v1/households/%lld", hh), fmt("{\"head_resident_id\":%lld}", outsider),
                     "head_resident_id");

    /* Move to grid B: the household and all its members change grid. */
    long long a_before = unit_residents(c001, grid_a), b_before = unit_residents(c001, grid_b);
    j = req(t_c01, "POST", fmt("/api/v1/households/%lld/move", hh), fmt("{\"grid_id\":%lld}", grid_b), 200);
    assert_int_equal(jint(j, "grid_id"), grid_b);
    assert_true(json_is_null(json_object_get(j, "building_id")));
    json_decref(j);
    j = get_ok(t_c01, fmt("/api/v1/residents?household_id=%lld&status=all", hh));
    assert_int_equal(jint(j, "total"), 2);
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(j, "items"), i, m)
        assert_int_equal(jint(m, "grid_id"), grid_b);
    json_decref(j);
    assert_int_equal(unit_residents(c001, grid_a), a_before - 2);
    assert_int_equal(unit_residents(c001, grid_b), b_before + 2);
    long long rs[2] = {r1, r2};
    for (int k = 0; k < 2; k++) {
        j = get_ok(t_c01, fmt("/api/v1/residents/%lld/history", rs[k]));
        json_t *e = last_event(j, "moved");
        assert_non_null(e);
        assert_non_null(jstr(e, "from_grid"));
        assert_non_null(jstr(e, "to_grid"));
        assert_string_not_equal(jstr(e, "from_grid"), jstr(e, "to_grid"));
        json_decref(j);
    }
    /* Moving to where it already is: 400. */
    expect_400_field(t_c01, "POST", fmt("/api/v1/households/%lld/move", hh), fmt("{\"grid_id\":%lld}", grid_b), "grid_id");

    /* Close: members become moved_out, kept as history. */
    j = req(t_c01, "POST", fmt("/api/v1/households/%lld/close", hh), "{\"date\":\"2026-01-15\",\"note\":\"全家迁往济南\"}", 200);
    assert_string_equal(jstr(j, "status"), "closed");
    json_decref(j);
    j = get_ok(t_c01, fmt("/api/v1/households/%lld", hh));
    assert_string_equal(jstr(j, "status"), "closed");
    json_decref(j);
    assert_int_equal(total_of(t_c01, fmt("/api/v1/residents?household_id=%lld", hh)), 0);
    j = get_ok(t_c01, fmt("/api/v1/residents?household_id=%lld&status=all", hh));
    assert_int_equal(jint(j, "total"), 2);
    json_array_foreach(json_object_get(j, "items"), i, m) {
        assert_string_equal(jstr(m, "status"), "moved_out");
        assert_string_equal(jstr(m, "status_date"), "2026-01-15");
    }
    json_decref(j);
    j = get_ok(t_c01, fmt("/api/v1/residents/%lld/history", r1));
    json_t *e = last_event(j, "moved_out");
    assert_non_null(e);
    assert_string_equal(jstr(e, "event_date"), "2026-01-15");
    assert_string_equal(jstr(e, "note"), "全家迁往济南");
    json_decref(j);
    assert_int_equal(unit_residents(c001, grid_b), b_before);
    assert_int_equal(total_of(t_c01, "/api/v1/households?q=T-REG-H1"), 0);
    assert_int_equal(total_of(t_c01, "/api/v1/households?q=T-REG-H1&status=closed"), 1);
    j = get_ok(t_auditor, fmt("/api/v1/audit?action=close&entity=household&entity_id=%lld", hh));
    assert_int_equal(jint(j, "total"), 1);
    a = json_array_get(json_object_get(j, "items"), 0);
    assert_string_equal(jstr(json_object_get(a, "before"), "status"), "active");
    assert_string_equal(jstr(json_object_get(a, "after"), "status"), "closed");
    json_decref(j);

    /* A closed household takes no more changes. */
    j = req(t_c01, "POST", fmt("/api/v1/households/%lld/close", hh), "{}", 400);
    json_decref(j);
    j = req(t_c01, "POST", fmt("/api/v1/households/%lld/move", hh), fmt("{\"grid_id\":%lld}", grid_a), 400);
    json_decref(j);
    expect_400_field(t_c01, "POST", "/api/v1/residents",
                     fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"迟到者\"}", hh, new_id()), "household_id");
}

static void household_full_id_view_audits_each_member(void **state)
{
    long long hh = create_household(t_c01, "T-REG-H10", grid_a, 0);
    char i1[19], i2[19];
    snprintf(i1, sizeof i1, "%s", new_id());
    snprintf(i2, sizeof i2, "%s", new_id());
    long long r1 = create_resident(t_c01, hh, i1, "冯甲", ",\"relation\":\"户主\"");
    long long r2 = create_resident(t_c01, hh, i2, "冯乙", "");
    json_t *j = get_ok(t_c01, fmt("/api/v1/households/%lld", hh));
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(j, "members"), i, m)
        assert_masked_shape(jstr(m, "id_number"));
    json_decref(j);
    j = get_ok(t_c01, fmt("/api/v1/households/%lld?full_id=1", hh));
    json_array_foreach(json_object_get(j, "members"), i, m) {
        const char *want = jint(m, "id") == r1 ? i1 : i2;
        assert_string_equal(jstr(m, "id_number"), want);
    }
    json_decref(j);
    assert_int_equal(total_of(t_auditor, fmt("/api/v1/audit?action=view_full_id&entity_id=%lld", r1)), 1);
    assert_int_equal(total_of(t_auditor, fmt("/api/v1/audit?action=view_full_id&entity_id=%lld", r2)), 1);
}

static void closing_keeps_deceased_members_deceased(void **state)
{
    long long hh = create_household(t_c01, "T-REG-H11", grid_a, 0);
    long long r1 = create_resident(t_c01, hh, new_id(), "陈户主", ",\"relation\":\"户主\"");
    long long r2 = create_resident(t_c01, hh, new_id(), "陈已故", ",\"relation\":\"父亲\"");
    json_decref(req(t_c01, "POST", fmt("/api/v1/residents/%lld/status", r2), "{\"status\":\"deceased\",\"date\":\"2025-12-01\"}", 200));
    json_decref(req(t_c01, "POST", fmt("/api/v1/households/%lld/close", hh), "{\"date\":\"2026-02-01\"}", 200));
    json_t *j = get_ok(t_c01, fmt("/api/v1/residents/%lld", r2));
    assert_string_equal(jstr(j, "status"), "deceased");
    assert_string_equal(jstr(j, "status_date"), "2025-12-01");
    json_decref(j);
    j = get_ok(t_c01, fmt("/api/v1/residents/%lld", r1));
    assert_string_equal(jstr(j, "status"), "moved_out");
    assert_string_equal(jstr(j, "status_date"), "2026-02-01");
    json_decref(j);
    /* the dead man's history has no 'moved_out' */
    j = get_ok(t_c01, fmt("/api/v1/residents/%lld/history", r2));
    assert_null(last_event(j, "moved_out"));
    json_decref(j);
}

static void household_update_fields_and_search_escaping(void **state)
{
    long long hh = create_household(t_c01, "T-REG-H12", grid_a, bld_a1);
    json_t *j = req(t_c01, "PATCH", fmt("/api/v1/households/%lld", hh), "{\"building_id\":null,\"phone\":\"0530-5551234\"}", 200);
    assert_true(json_is_null(json_object_get(j, "building_id")));
    assert_string_equal(jstr(j, "phone"), "0530-5551234");
    json_decref(j);
    j = get_ok(t_street, fmt("/api/v1/households/%lld", hh));
    assert_true(json_is_null(json_object_get(j, "building_id")));
    assert_string_equal(jstr(j, "address"), "菏泽市牡丹区测试路T-REG-H12号");   /* untouched */
    json_decref(j);
    expect_400_field(t_c01, "PATCH", fmt("/api/v1/households/%lld", hh), "{\"address\":\"\"}", "address");
    expect_400_field(t_c01, "PATCH", fmt("/api/v1/households/%lld", hh), "{\"code\":\"NEW\"}", "code");
    expect_400_field(t_c01, "PATCH", fmt("/api/v1/households/%lld", hh), "{\"grid_id\":1}", "grid_id");
    expect_400_field(t_c01, "PATCH", fmt("/api/v1/households/%lld", hh), "{\"phone\":\"12\"}", "phone");
    /* q is a literal substring: % and _ are not wildcards. */
    assert_int_equal(total_of(t_street, "/api/v1/households?q=%25&status=all"), 0);
    assert_int_equal(total_of(t_street, "/api/v1/households?q=_&status=all"), 0);
    assert_int_equal(total_of(t_street, "/api/v1/households?q=T-REG-H12"), 1);
    /* Latin letters match in either case, on both engines. */
    assert_int_equal(total_of(t_street, "/api/v1/households?q=t-reg-h12"), 1);
    assert_int_equal(total_of(t_street, fmt("/api/v1/households?q=%s", urlenc("测试路T-REG-H12号"))), 1);
    expect_400_field(t_street, "GET", "/api/v1/households?status=gone", NULL, "status");
}

/* head_name and tag narrow the list: the head's name contains the term
 * (literally: % is no wildcard), a member still registered carries the
 * tag (one moved out no longer counts); an unknown tag is 400, and the
 * viewer may not filter by 刑释解教 (403, as on the residents list). */
static void household_list_by_head_name_and_tag(void **state)
{
    long long hh = create_household(t_c01, "T-REG-H20", grid_a, 0);
    create_resident(t_c01, hh, new_id(), "欧阳测户", ",\"relation\":\"户主\"");
    long long vet = create_resident(t_c01, hh, new_id(), "欧阳测兵", ",\"relation\":\"子\",\"tags\":[\"veteran\"]");
    assert_int_equal(total_of(t_street, fmt("/api/v1/households?head_name=%s", urlenc("阳测户"))), 1);
    assert_int_equal(total_of(t_street, fmt("/api/v1/households?head_name=%s", urlenc("阳测兵"))), 0);
    assert_int_equal(total_of(t_street, "/api/v1/households?head_name=%25"), 0);
    assert_int_equal(total_of(t_street, fmt("/api/v1/households?head_name=%s&tag=veteran", urlenc("阳测户"))), 1);
    assert_int_equal(total_of(t_street, fmt("/api/v1/households?head_name=%s&tag=dibao", urlenc("阳测户"))), 0);
    json_decref(req(t_c01, "POST", fmt("/api/v1/residents/%lld/status", vet), "{\"status\":\"moved_out\"}", 200));
    assert_int_equal(total_of(t_street, fmt("/api/v1/households?head_name=%s&tag=veteran", urlenc("阳测户"))), 0);
    expect_400_field(t_street, "GET", "/api/v1/households?tag=nosuch", NULL, "tag");
    json_decref(req(t_viewer, "GET", "/api/v1/households?tag=released_prisoner", NULL, 403));
}

/* A household's own history: created, moved (into another grid the
 * note names the old and the new number), closed, oldest first; 404
 * outside the caller's scope. */
static void household_history_names_the_new_number(void **state)
{
    char old[64], now[64];
    json_t *j = req(t_c01, "POST", "/api/v1/households",
                    fmt("{\"grid_id\":%lld,\"address\":\"菏泽市牡丹区历史路1号\"}", grid_a), 201);
    long long hh = jint(j, "id");
    snprintf(old, sizeof old, "%s", jstr(j, "code"));
    json_decref(j);
    j = req(t_c01, "POST", fmt("/api/v1/households/%lld/move", hh), fmt("{\"grid_id\":%lld}", grid_b), 200);
    snprintf(now, sizeof now, "%s", jstr(j, "code"));
    json_decref(j);
    json_decref(req(t_c01, "POST", fmt("/api/v1/households/%lld/close", hh), "{}", 200));
    json_t *hist = get_ok(t_c01, fmt("/api/v1/households/%lld/history", hh));
    json_t *items = json_object_get(hist, "items");
    assert_int_equal(json_array_size(items), 3);
    assert_string_equal(jstr(json_array_get(items, 0), "kind"), "created");
    json_t *mv = json_array_get(items, 1);
    assert_string_equal(jstr(mv, "kind"), "moved");
    assert_string_equal(jstr(mv, "note"), fmt("户编号由 %s 改为 %s", old, now));
    assert_string_equal(jstr(json_array_get(items, 2), "kind"), "closed");
    json_decref(hist);
    json_decref(req(t_g0101, "GET", fmt("/api/v1/households/%lld/history", hh), NULL, 404));
}

/* ---- the head of a household ------------------------------------------------ */

/* The CSV import refuses a second 户主 in a household ("一户只能有一位户主");
 * the API must keep the same rule, or the registry ends up with two heads. */
static void one_head_per_household_via_api(void **state)
{
    long long hh = create_household(t_g0101, "T-REG-H14", grid_a, 0);
    long long head = create_resident(t_g0101, hh, new_id(), "蒋户主", ",\"relation\":\"户主\"");
    long long other = create_resident(t_g0101, hh, new_id(), "蒋配偶", ",\"relation\":\"配偶\"");
    char idn[19];
    snprintf(idn, sizeof idn, "%s", new_id());
    json_t *j = NULL;
    long st = api_send(&srv, "POST", t_g0101, "/api/v1/residents",
                       fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"蒋二号\",\"relation\":\"户主\"}", hh, idn), &j);
    if (st != 400)
        print_error("second 户主 in one household via POST /residents -> %ld\n", st);
    json_decref(j);
    long st2 = api_send(&srv, "PATCH", t_g0101, fmt("/api/v1/residents/%lld", other), "{\"relation\":\"户主\"}", &j);
    if (st2 != 400)
        print_error("second 户主 in one household via PATCH /residents/{id} -> %ld\n", st2);
    json_decref(j);
    /* However it was refused, the household has one head. */
    j = get_ok(t_g0101, fmt("/api/v1/residents?household_id=%lld", hh));
    size_t i, heads = 0;
    json_t *it;
    json_array_foreach(json_object_get(j, "items"), i, it)
        heads += strcmp(jstr(it, "relation"), "户主") == 0;
    json_decref(j);
    assert_int_equal(heads, 1);
    j = get_ok(t_g0101, fmt("/api/v1/households/%lld", hh));
    assert_int_equal(jint(j, "head_resident_id"), head);
    json_decref(j);
    assert_int_equal(st, 400);
    assert_int_equal(st2, 400);
}

/* relation 户主 and the household's head move together. */
static void head_follows_relation(void **state)
{
    long long hh = create_household(t_g0101, "T-REG-H16", grid_a, 0);
    long long hh2 = create_household(t_g0101, "T-REG-H17", grid_a, 0);
    long long a = create_resident(t_g0101, hh, new_id(), "鲁户主", ",\"relation\":\"户主\"");
    assert_int_equal(head_of(hh), a);
    /* No longer 户主: no longer the head, and someone else may become it. */
    json_decref(req(t_g0101, "PATCH", fmt("/api/v1/residents/%lld", a), "{\"relation\":\"配偶\"}", 200));
    assert_int_equal(head_of(hh), 0);
    long long b = create_resident(t_g0101, hh, new_id(), "鲁新户主", ",\"relation\":\"户主\"");
    assert_int_equal(head_of(hh), b);
    /* Moving in as 户主 makes the resident head of a headless household … */
    json_decref(req(t_g0101, "POST", fmt("/api/v1/residents/%lld/move", b),
                    fmt("{\"household_id\":%lld,\"relation\":\"户主\"}", hh2), 200));
    assert_int_equal(head_of(hh2), b);
    assert_int_equal(head_of(hh), 0);
    /* … and is refused where there is one already, changing nothing. */
    json_decref(req(t_g0101, "POST", fmt("/api/v1/residents/%lld/move", a),
                    fmt("{\"household_id\":%lld,\"relation\":\"户主\"}", hh2), 400));
    assert_int_equal(head_of(hh2), b);
    json_t *j = get_ok(t_g0101, fmt("/api/v1/residents/%lld", a));
    assert_int_equal(jint(j, "household_id"), hh);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(household_create_update_move_close),
        cmocka_unit_test(household_full_id_view_audits_each_member),
        cmocka_unit_test(closing_keeps_deceased_members_deceased),
        cmocka_unit_test(household_update_fields_and_search_escaping),
        cmocka_unit_test(household_list_by_head_name_and_tag),
        cmocka_unit_test(household_history_names_the_new_number),
        cmocka_unit_test(one_head_per_household_via_api),
        cmocka_unit_test(head_follows_relation),
    };
    return cmocka_run_group_tests_name("api_households", tests, registry_setup, registry_teardown);
}
