/* test_residents.c — residents: create with validation (ID number check
 * digit, birth date, phone, duplicates, disability, relation, tags,
 * unknown fields), the single view with a masked ID number and the
 * audited full view, update (tags replaced, audited), PATCH rules, move
 * to another household, status (deceased, reopened) and history, a
 * lower-case x in the ID number and the age; the read-only viewer (masked
 * reads, every write refused, nothing changed); and malformed input (a
 * 400 naming the field, never stored) — against the real server,
 * reading the effects back through the API. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "registry_fixture.h"
#include "util/validate.h"

/* ---- helpers ------------------------------------------------------------- */

static int has_non_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return 1;
    return 0;
}

/* "110101************": the region of the real number, 12 stars. */
static void assert_masked_like(const char *shown, const char *real)
{
    assert_non_null(shown);
    assert_int_equal(strlen(shown), 18);
    assert_memory_equal(shown, real, 6);
    assert_memory_equal(shown + 6, "************", 12);
}

/* ---- residents ------------------------------------------------------------- */

static void resident_create_validation(void **state)
{
    long long hh = create_household(t_g0101, "T-REG-H2", grid_a, bld_a1);
    char good[19];
    id_with_check("11010119850615123", good);   /* 17th digit odd: male */
    json_t *j = req(t_g0101, "POST", "/api/v1/residents",
                    fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"张测试\",\"relation\":\"户主\","
                        "\"phone\":\"13900003333\",\"tags\":[\"veteran\"]}", hh, good), 201);
    long long rid = jint(j, "id");
    assert_string_equal(jstr(j, "sex"), "M");
    assert_null(json_object_get(j, "birth_date"));   /* only beside the full number */
    assert_int_equal(jint(j, "birth_year"), 1985);
    assert_int_equal(jint(j, "grid_id"), grid_a);
    assert_string_equal(jstr(j, "status"), "active");
    assert_masked_like(jstr(j, "id_number"), good);
    assert_true(json_array_has_str(json_object_get(j, "tags"), "veteran"));
    json_decref(j);

    /* Bad check digit: 400 on id_number with a Chinese message. */
    j = req(t_g0101, "POST", "/api/v1/residents",
            fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"李测试\"}", hh, bad_checksum(new_id())), 400);
    assert_string_equal(err_code(j), "bad_request");
    assert_string_equal(err_field(j), "id_number");
    assert_true(has_non_ascii(err_message(j)));
    assert_non_null(strstr(err_message(j), "校验"));
    json_decref(j);
    expect_400_field(t_g0101, "POST", "/api/v1/residents",
                     fmt("{\"household_id\":%lld,\"id_number\":\"12345\",\"name\":\"李测试\"}", hh), "id_number");
    expect_400_field(t_g0101, "POST", "/api/v1/residents",
                     fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"李测试\"}", hh,
                         id_with_check("11010121990101123", (char[19]){0})), "id_number");   /* born in the future */

    /* Bad phone. */
    const char *idp = new_id();
    char idp_copy[19];
    snprintf(idp_copy, sizeof idp_copy, "%s", idp);
    j = req(t_g0101, "POST", "/api/v1/residents",
            fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"王测试\",\"phone\":\"12345\"}", hh, idp_copy), 400);
    assert_string_equal(err_field(j), "phone");
    assert_true(has_non_ascii(err_message(j)));
    json_decref(j);
    assert_int_equal(total_of(t_street, fmt("/api/v1/residents?id_number=%s&status=all", idp_copy)), 0);

    /* Duplicate ID number. */
    j = req(t_g0101, "POST", "/api/v1/residents",
            fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"重复者\"}", hh, good), 409);
    assert_string_equal(err_code(j), "conflict");
    assert_string_equal(err_field(j), "id_number");
    json_decref(j);
    /* Lower-case x or spaces do not dodge the duplicate check. */
    char spaced[32];
    snprintf(spaced, sizeof spaced, " %s ", good);
    j = req(t_g0101, "POST", "/api/v1/residents",
            fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"重复者\"}", hh, spaced), 409);
    json_decref(j);

    /* Disability type and grade go together. */
    expect_400_field(t_g0101, "POST", "/api/v1/residents",
                     fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"赵测试\",\"disability_type\":\"肢体\"}", hh,
                         new_id()), "disability_grade");
    expect_400_field(t_g0101, "POST", "/api/v1/residents",
                     fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"赵测试\",\"disability_grade\":2}", hh,
                         new_id()), "disability_type");
    expect_400_field(t_g0101, "POST", "/api/v1/residents",
                     fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"赵测试\",\"disability_type\":\"肢体\","
                         "\"disability_grade\":7}", hh, new_id()), "disability_grade");
    expect_400_field(t_g0101, "POST", "/api/v1/residents",
                     fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"赵测试\",\"relation\":\"邻居\"}", hh,
                         new_id()), "relation");
    expect_400_field(t_g0101, "POST", "/api/v1/residents",
                     fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"赵测试\",\"tags\":[\"vip\"]}", hh,
                         new_id()), "tags");
    expect_400_field(t_g0101, "POST", "/api/v1/residents",
                     fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"\"}", hh, new_id()), "name");
    expect_400_field(t_g0101, "POST", "/api/v1/residents",
                     fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"赵测试\",\"is_admin\":true}", hh,
                         new_id()), "is_admin");
    j = req(t_g0101, "POST", "/api/v1/residents",
            fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"赵测试\",\"disability_type\":\"肢体\","
                "\"disability_grade\":2}", hh, new_id()), 201);
    assert_string_equal(jstr(j, "disability_type"), "肢体");
    assert_int_equal(jint(j, "disability_grade"), 2);
    json_decref(j);

    /* Only the two good ones were written. */
    j = get_ok(t_g0101, fmt("/api/v1/households/%lld", hh));
    assert_int_equal(jint(j, "member_count"), 2);
    assert_int_equal(jint(j, "head_resident_id"), rid);
    json_decref(j);
}

static void resident_get_masks_id_and_full_view_is_audited(void **state)
{
    long long hh = create_household(t_g0101, "T-REG-H3", grid_a, 0);
    char idn[19];
    snprintf(idn, sizeof idn, "%s", new_id());
    long long rid = create_resident(t_g0101, hh, idn, "钱测试", ",\"phone\":\"13900004444\"");
    const char *q = fmt("/api/v1/audit?action=view_full_id&entity=resident&entity_id=%lld", rid);
    char audit_q[256];
    snprintf(audit_q, sizeof audit_q, "%s", q);
    assert_int_equal(total_of(t_auditor, audit_q), 0);

    json_t *j = get_ok(t_g0101, fmt("/api/v1/residents/%lld", rid));
    assert_masked_like(jstr(j, "id_number"), idn);
    assert_true(json_is_true(json_object_get(j, "id_number_masked")));
    assert_string_equal(jstr(j, "phone"), "13900004444");   /* writers see the full phone in one resident */
    json_decref(j);
    assert_int_equal(total_of(t_auditor, audit_q), 0);      /* masked views are not audited */

    j = get_ok(t_g0101, fmt("/api/v1/residents/%lld?full_id=1", rid));
    assert_string_equal(jstr(j, "id_number"), idn);
    assert_true(json_is_false(json_object_get(j, "id_number_masked")));
    json_decref(j);
    j = get_ok(t_auditor, audit_q);
    assert_int_equal(jint(j, "total"), 1);
    json_t *a = json_array_get(json_object_get(j, "items"), 0);
    assert_string_equal(jstr(a, "action"), "view_full_id");
    assert_string_equal(jstr(a, "username"), "wangge0101");
    assert_int_equal(jint(a, "entity_id"), rid);
    json_decref(j);

    /* Full IDs in a list are audited per resident shown. */
    j = get_ok(t_c01, fmt("/api/v1/residents?id_number=%s&full_id=1", idn));
    assert_int_equal(jint(j, "total"), 1);
    assert_string_equal(jstr(json_array_get(json_object_get(j, "items"), 0), "id_number"), idn);
    json_decref(j);
    assert_int_equal(total_of(t_auditor, audit_q), 2);

    /* Every item of an ordinary list is masked. */
    j = get_ok(t_street, "/api/v1/residents?page_size=100");
    size_t i;
    json_t *it;
    assert_true(json_array_size(json_object_get(j, "items")) == 100);
    json_array_foreach(json_object_get(j, "items"), i, it) {
        assert_masked_shape(jstr(it, "id_number"));
        assert_true(json_is_true(json_object_get(it, "id_number_masked")));
    }
    json_decref(j);
}

static void resident_update_replaces_tags_and_is_audited(void **state)
{
    long long hh = create_household(t_g0101, "T-REG-H4", grid_a, 0);
    long long rid = create_resident(t_g0101, hh, old_id(), "孙测试", ",\"tags\":[\"dibao\",\"veteran\"]");
    json_t *j = req(t_g0101, "PATCH", fmt("/api/v1/residents/%lld", rid),
                    "{\"tags\":[\"elderly\"],\"employment\":\"退休\",\"notes\":\"核实后更新\"}", 200);
    assert_int_equal(json_array_size(json_object_get(j, "tags")), 1);
    assert_true(json_array_has_str(json_object_get(j, "tags"), "elderly"));
    json_decref(j);
    j = get_ok(t_c01, fmt("/api/v1/residents/%lld", rid));
    assert_int_equal(json_array_size(json_object_get(j, "tags")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "tags"), 0)), "elderly");
    assert_string_equal(jstr(j, "employment"), "退休");
    assert_string_equal(jstr(j, "notes"), "核实后更新");
    assert_string_equal(jstr(j, "name"), "孙测试");   /* untouched */
    json_decref(j);
    assert_int_equal(total_of(t_g0101, fmt("/api/v1/residents?household_id=%lld&tag=dibao", hh)), 0);
    assert_int_equal(total_of(t_g0101, fmt("/api/v1/residents?household_id=%lld&tag=elderly", hh)), 1);

    j = get_ok(t_auditor, fmt("/api/v1/audit?action=update&entity=resident&entity_id=%lld", rid));
    assert_int_equal(jint(j, "total"), 1);
    json_t *a = json_array_get(json_object_get(j, "items"), 0);
    json_t *before = json_object_get(a, "before"), *after = json_object_get(a, "after");
    assert_string_equal(jstr(a, "username"), "wangge0101");
    assert_true(json_array_has_str(json_object_get(before, "tags"), "dibao"));
    assert_true(json_array_has_str(json_object_get(before, "tags"), "veteran"));
    assert_int_equal(json_array_size(json_object_get(after, "tags")), 1);
    assert_true(json_array_has_str(json_object_get(after, "tags"), "elderly"));
    assert_true(json_is_null(json_object_get(before, "employment")));
    assert_string_equal(jstr(after, "employment"), "退休");
    json_decref(j);

    /* Not writable here. */
    expect_400_field(t_g0101, "PATCH", fmt("/api/v1/residents/%lld", rid), fmt("{\"id_number\":\"%s\"}", new_id()), "id_number");
    expect_400_field(t_g0101, "PATCH", fmt("/api/v1/residents/%lld", rid), fmt("{\"household_id\":%lld}", hh), "household_id");
    expect_400_field(t_g0101, "PATCH", fmt("/api/v1/residents/%lld", rid), "{\"name\":\"\"}", "name");
    expect_400_field(t_g0101, "PATCH", fmt("/api/v1/residents/%lld", rid), "{\"phone\":\"abc\"}", "phone");
    /* An empty list would clear the tags, but 高龄 is the birth date's
     * (born 1930–1949): refused; a new set keeps it. */
    expect_400_field(t_g0101, "PATCH", fmt("/api/v1/residents/%lld", rid), "{\"tags\":[]}", "tags");
    j = req(t_g0101, "PATCH", fmt("/api/v1/residents/%lld", rid), "{\"tags\":[\"veteran\",\"elderly\"]}", 200);
    assert_int_equal(json_array_size(json_object_get(j, "tags")), 2);
    json_decref(j);
    assert_int_equal(total_of(t_auditor, fmt("/api/v1/audit?action=update&entity=resident&entity_id=%lld", rid)), 2);

    /* The history names the fields each edit changed (a field sent
     * unchanged is not one), never their values. */
    json_decref(req(t_g0101, "PATCH", fmt("/api/v1/residents/%lld", rid),
                    "{\"name\":\"孙测试\",\"phone\":\"139 1234 5678\"}", 200));
    j = get_ok(t_viewer, fmt("/api/v1/residents/%lld/history", rid));
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 4);
    assert_string_equal(jstr(json_array_get(items, 1), "note"), "修改：就业状态、备注、标签");
    assert_string_equal(jstr(json_array_get(items, 2), "note"), "修改：标签");
    assert_string_equal(jstr(json_array_get(items, 3), "kind"), "updated");
    assert_string_equal(jstr(json_array_get(items, 3), "note"), "修改：联系电话");
    json_decref(j);
}

static void resident_move_to_another_household(void **state)
{
    long long h1 = create_household(t_c01, "T-REG-H5", grid_a, 0);
    long long h2 = create_household(t_c01, "T-REG-H6", grid_b, bld_b1);
    long long r = create_resident(t_c01, h1, new_id(), "周户主", ",\"relation\":\"户主\"");
    long long r2 = create_resident(t_c01, h1, new_id(), "周配偶", ",\"relation\":\"配偶\"");
    json_t *j = req(t_c01, "POST", fmt("/api/v1/residents/%lld/move", r), fmt("{\"household_id\":%lld,\"relation\":\"子\"}", h2), 200);
    assert_int_equal(jint(j, "household_id"), h2);
    assert_int_equal(jint(j, "grid_id"), grid_b);
    assert_string_equal(jstr(j, "relation"), "子");
    json_decref(j);
    j = get_ok(t_street, fmt("/api/v1/residents/%lld", r));
    assert_int_equal(jint(j, "household_id"), h2);
    assert_int_equal(jint(j, "grid_id"), grid_b);
    json_decref(j);
    j = get_ok(t_c01, fmt("/api/v1/households/%lld", h1));
    assert_false(members_have(j, r));
    assert_true(members_have(j, r2));
    assert_true(json_is_null(json_object_get(j, "head_resident_id")));   /* the head left */
    json_decref(j);
    j = get_ok(t_c01, fmt("/api/v1/households/%lld", h2));
    assert_true(members_have(j, r));
    json_decref(j);
    j = get_ok(t_c01, fmt("/api/v1/residents/%lld/history", r));
    json_t *e = last_event(j, "moved");
    assert_non_null(e);
    assert_int_equal(jint(e, "from_household_id"), h1);
    assert_int_equal(jint(e, "to_household_id"), h2);
    assert_non_null(jstr(e, "from_grid"));
    assert_non_null(jstr(e, "to_grid"));
    assert_non_null(last_event(j, "created"));
    json_decref(j);
    j = get_ok(t_auditor, fmt("/api/v1/audit?action=move&entity=resident&entity_id=%lld", r));
    assert_int_equal(jint(j, "total"), 1);
    json_t *a = json_array_get(json_object_get(j, "items"), 0);
    assert_int_equal(jint(json_object_get(a, "before"), "household_id"), h1);
    assert_int_equal(jint(json_object_get(a, "after"), "household_id"), h2);
    json_decref(j);
    /* Into the household it is in: 400. */
    expect_400_field(t_c01, "POST", fmt("/api/v1/residents/%lld/move", r), fmt("{\"household_id\":%lld}", h2), "household_id");
}

static void resident_status_deceased_and_history(void **state)
{
    long long hh = create_household(t_g0101, "T-REG-H7", grid_a, 0);
    long long r = create_resident(t_g0101, hh, new_id(), "吴测试", ",\"relation\":\"户主\"");
    long long grid_total = total_of(t_g0101, "/api/v1/residents?page_size=20");
    json_t *j = req(t_g0101, "POST", fmt("/api/v1/residents/%lld/status", r),
                    "{\"status\":\"deceased\",\"date\":\"2026-03-01\",\"note\":\"病故\"}", 200);
    assert_string_equal(jstr(j, "status"), "deceased");
    assert_string_equal(jstr(j, "status_date"), "2026-03-01");
    json_decref(j);
    /* Out of the default list, in with status=all / deceased. */
    assert_int_equal(total_of(t_g0101, fmt("/api/v1/residents?household_id=%lld", hh)), 0);
    assert_int_equal(total_of(t_g0101, "/api/v1/residents?page_size=20"), grid_total - 1);
    j = get_ok(t_g0101, fmt("/api/v1/residents?household_id=%lld&status=all", hh));
    assert_int_equal(jint(j, "total"), 1);
    assert_int_equal(jint(json_array_get(json_object_get(j, "items"), 0), "id"), r);
    json_decref(j);
    assert_int_equal(total_of(t_g0101, fmt("/api/v1/residents?household_id=%lld&status=deceased", hh)), 1);
    expect_400_field(t_g0101, "GET", "/api/v1/residents?status=dead", NULL, "status");
    j = get_ok(t_g0101, fmt("/api/v1/households/%lld", hh));
    assert_int_equal(jint(j, "member_count"), 0);
    json_decref(j);

    j = get_ok(t_g0101, fmt("/api/v1/residents/%lld/history", r));
    json_t *items = json_object_get(j, "items");
    assert_true(json_array_size(items) >= 2);
    assert_string_equal(jstr(json_array_get(items, 0), "kind"), "created");
    json_t *e = json_array_get(items, json_array_size(items) - 1);
    assert_string_equal(jstr(e, "kind"), "deceased");
    assert_string_equal(jstr(e, "event_date"), "2026-03-01");
    assert_string_equal(jstr(e, "note"), "病故");
    json_decref(j);

    /* No change, unknown status, bad date: 400. */
    expect_400_field(t_g0101, "POST", fmt("/api/v1/residents/%lld/status", r), "{\"status\":\"deceased\"}", "status");
    expect_400_field(t_g0101, "POST", fmt("/api/v1/residents/%lld/status", r), "{\"status\":\"gone\"}", "status");
    expect_400_field(t_g0101, "POST", fmt("/api/v1/residents/%lld/status", r), "{\"status\":\"active\",\"date\":\"2026-13-01\"}",
                     "date");
    /* A dead resident is not moved. */
    long long h2 = create_household(t_g0101, "T-REG-H8", grid_a, 0);
    j = req(t_g0101, "POST", fmt("/api/v1/residents/%lld/move", r), fmt("{\"household_id\":%lld}", h2), 400);
    json_decref(j);
    /* Back to active (a registration error corrected). */
    j = req(t_g0101, "POST", fmt("/api/v1/residents/%lld/status", r), "{\"status\":\"active\"}", 200);
    assert_string_equal(jstr(j, "status"), "active");
    assert_true(json_is_null(json_object_get(j, "status_date")));
    json_decref(j);
    j = get_ok(t_g0101, fmt("/api/v1/residents/%lld/history", r));
    items = json_object_get(j, "items");
    assert_string_equal(jstr(json_array_get(items, json_array_size(items) - 1), "kind"), "reopened");
    json_decref(j);
    assert_int_equal(total_of(t_g0101, "/api/v1/residents?page_size=20"), grid_total);
}

/* ---- viewer ------------------------------------------------------------------ */

static void viewer_reads_masked_and_writes_nothing(void **state)
{
    /* The viewer gets masked lists without phones (test_masking.c checks every field). */
    json_t *j = get_ok(t_viewer, fmt("/api/v1/residents?org_unit_id=%lld&page_size=100", c001));
    size_t i;
    json_t *it;
    long long rid = 0, hid = 0;
    assert_true(json_array_size(json_object_get(j, "items")) > 0);
    json_array_foreach(json_object_get(j, "items"), i, it) {
        assert_masked_shape(jstr(it, "id_number"));
        assert_null(json_object_get(it, "phone"));
        if (!rid) {
            rid = jint(it, "id");
            hid = jint(it, "household_id");
        }
    }
    json_decref(j);
    assert_true(rid > 0);
    j = get_ok(t_viewer, fmt("/api/v1/residents/%lld", rid));
    assert_null(json_object_get(j, "phone"));
    assert_masked_shape(jstr(j, "id_number"));
    json_decref(j);
    j = get_ok(t_viewer, fmt("/api/v1/households?org_unit_id=%lld&page_size=100", c001));
    json_array_foreach(json_object_get(j, "items"), i, it)
        assert_null(json_object_get(it, "phone"));
    json_decref(j);
    j = get_ok(t_viewer, fmt("/api/v1/households/%lld", hid));
    json_array_foreach(json_object_get(j, "members"), i, it) {
        assert_masked_shape(jstr(it, "id_number"));
        assert_null(json_object_get(it, "phone"));
    }
    json_decref(j);
    json_decref(get_ok(t_viewer, "/api/v1/org-units"));
    json_decref(get_ok(t_viewer, "/api/v1/stats/tags"));
    json_decref(get_ok(t_viewer, fmt("/api/v1/residents/%lld/history", rid)));

    json_t *r_before = get_ok(t_street, fmt("/api/v1/residents/%lld", rid));
    json_t *h_before = get_ok(t_street, fmt("/api/v1/households/%lld", hid));
    json_t *g_before = get_ok(t_street, fmt("/api/v1/org-units/%lld", grid_a));
    long long audit_before = total_of(t_auditor, "/api/v1/audit?action=view_full_id&page_size=1");

    /* full_id=1 is refused. */
    const char *full[] = {fmt("/api/v1/residents/%lld?full_id=1", rid), "/api/v1/residents?full_id=1",
                          fmt("/api/v1/households/%lld?full_id=1", hid)};
    for (i = 0; i < 3; i++) {
        j = req(t_viewer, "GET", full[i], NULL, 403);
        assert_string_equal(err_code(j), "forbidden");
        json_decref(j);
    }
    j = req(t_viewer, "GET", "/api/v1/export/residents", NULL, 403);
    json_decref(j);

    /* Every write is refused (bodies valid, so only the role stops them). */
    char p[16][160], b[16][256];
    size_t nw = 0;
#define W(path_fmt, path_arg, body_fmt, ...) \
    (snprintf(p[nw], sizeof p[nw], path_fmt, path_arg), snprintf(b[nw], sizeof b[nw], body_fmt, __VA_ARGS__), nw++)
    const char *methods[16];
    methods[nw] = "POST";  W("/api/v1/org-units%s", "", "{\"parent_id\":%lld,\"code\":\"371702001001-07\",\"name\":\"x\"}", c001);
    methods[nw] = "PATCH"; W("/api/v1/org-units/%lld", grid_a, "{\"name\":\"%s\"}", "只读改名");
    methods[nw] = "POST";  W("/api/v1/households%s", "", "{\"code\":\"T-VIEW-1\",\"grid_id\":%lld,\"address\":\"x\"}", grid_a);
    methods[nw] = "PATCH"; W("/api/v1/households/%lld", hid, "{\"notes\":\"%s\"}", "只读");
    methods[nw] = "POST";  W("/api/v1/households/%lld/move", hid, "{\"grid_id\":%lld}", grid_b);
    methods[nw] = "POST";  W("/api/v1/households/%lld/close", hid, "{%s}", "");
    methods[nw] = "POST";  W("/api/v1/residents%s", "", "{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"只读\"}", hid, new_id());
    methods[nw] = "PATCH"; W("/api/v1/residents/%lld", rid, "{\"notes\":\"%s\"}", "只读");
    methods[nw] = "POST";  W("/api/v1/residents/%lld/move", rid, "{\"household_id\":%lld}", hid);
    methods[nw] = "POST";  W("/api/v1/residents/%lld/status", rid, "{\"status\":\"%s\"}", "deceased");
#undef W
    for (i = 0; i < nw; i++) {
        j = req(t_viewer, methods[i], p[i], b[i], 403);
        assert_string_equal(err_code(j), "forbidden");
        json_decref(j);
    }
    http_resp hr;
    const char *csv = "姓名,身份证号,网格编码,户编号,地址\n只读,110101198001010011,371702001001-01,T-VIEW-2,x\n";
    assert_int_equal(http(&srv, "POST", "/api/v1/import/residents", t_viewer, csv, strlen(csv), "text/csv", &hr), 0);
    assert_int_equal(hr.status, 403);
    http_free(&hr);

    /* Nothing changed. */
    json_t *r_after = get_ok(t_street, fmt("/api/v1/residents/%lld", rid));
    json_t *h_after = get_ok(t_street, fmt("/api/v1/households/%lld", hid));
    json_t *g_after = get_ok(t_street, fmt("/api/v1/org-units/%lld", grid_a));
    assert_true(json_equal(r_before, r_after));
    assert_true(json_equal(h_before, h_after));
    assert_true(json_equal(g_before, g_after));
    assert_int_equal(total_of(t_street, "/api/v1/households?q=T-VIEW&status=all"), 0);
    assert_int_equal(total_of(t_auditor, "/api/v1/audit?action=view_full_id&page_size=1"), audit_before);
    json_decref(r_before);
    json_decref(h_before);
    json_decref(g_before);
    json_decref(r_after);
    json_decref(h_after);
    json_decref(g_after);
}

/* ---- edge cases ---------------------------------------------------------------- */

static void id_number_lowercase_x_and_age(void **state)
{
    /* An ID number whose check digit is X, sent with a lower-case x. */
    char first17[18], idn[19], lower[19];
    for (unsigned n = 1; n < 1000; n++) {
        snprintf(first17, sizeof first17, "11010119900307%03u", n);
        id_with_check(first17, idn);
        if (idn[17] == 'X')
            break;
    }
    assert_int_equal(idn[17], 'X');
    memcpy(lower, idn, 19);
    lower[17] = 'x';
    long long hh = create_household(t_g0101, "T-REG-H9", grid_a, 0);
    long long rid = create_resident(t_g0101, hh, lower, "郑小写", "");
    json_t *j = get_ok(t_g0101, fmt("/api/v1/residents/%lld?full_id=1", rid));
    assert_string_equal(jstr(j, "id_number"), idn);   /* stored normalised */
    assert_string_equal(jstr(j, "birth_date"), "1990-03-07");
    /* age on today's date as the server has it (the China date) */
    int ymd = date_today_local();
    int age = ymd / 10000 - 1990 - (ymd % 10000 < 307);
    assert_int_equal(jint(j, "age"), age);
    json_decref(j);
    /* Found by either spelling; the upper-case one is a duplicate. */
    assert_int_equal(total_of(t_g0101, fmt("/api/v1/residents?id_number=%s", lower)), 1);
    assert_int_equal(total_of(t_g0101, fmt("/api/v1/residents?id_number=%s", idn)), 1);
    j = req(t_g0101, "POST", "/api/v1/residents", fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"重复\"}", hh, idn), 409);
    json_decref(j);
}

static void resident_patch_rules(void **state)
{
    long long hh = create_household(t_g0101, "T-REG-H13", grid_a, 0);
    long long r = create_resident(t_g0101, hh, new_id(), "褚测试", "");
    expect_400_field(t_g0101, "PATCH", fmt("/api/v1/residents/%lld", r), "{\"disability_type\":\"视力\"}", "disability_grade");
    expect_400_field(t_g0101, "PATCH", fmt("/api/v1/residents/%lld", r), "{\"party_member\":\"yes\"}", "party_member");
    expect_400_field(t_g0101, "PATCH", fmt("/api/v1/residents/%lld", r), "{\"hukou_type\":\"外星\"}", "hukou_type");
    json_t *j = req(t_g0101, "PATCH", fmt("/api/v1/residents/%lld", r),
                    "{\"disability_type\":\"视力\",\"disability_grade\":3,\"party_member\":true,\"phone\":\"+86 139 0000 5555\"}", 200);
    assert_string_equal(jstr(j, "disability_type"), "视力");
    assert_int_equal(jint(j, "disability_grade"), 3);
    assert_true(json_is_true(json_object_get(j, "party_member")));
    json_decref(j);
    j = get_ok(t_g0101, fmt("/api/v1/residents/%lld", r));
    assert_string_equal(jstr(j, "phone"), "13900005555");
    json_decref(j);
    /* clearing one half only is refused; clearing both works */
    expect_400_field(t_g0101, "PATCH", fmt("/api/v1/residents/%lld", r), "{\"disability_grade\":null}", "disability_grade");
    j = req(t_g0101, "PATCH", fmt("/api/v1/residents/%lld", r), "{\"disability_type\":null,\"disability_grade\":null}", 200);
    assert_true(json_is_null(json_object_get(j, "disability_type")));
    assert_true(json_is_null(json_object_get(j, "disability_grade")));
    json_decref(j);
    /* an unknown resident */
    j = req(t_g0101, "GET", "/api/v1/residents/99999999", NULL, 404);
    assert_string_equal(err_code(j), "not_found");
    json_decref(j);
    j = req(t_street, "GET", "/api/v1/tags", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 11);
    json_decref(j);
    expect_400_field(t_street, "GET", "/api/v1/org-units?parent_id=abc", NULL, "parent_id");
    j = req(t_street, "GET", "/api/v1/stats/tags?org_unit_id=99999999", NULL, 404);
    json_decref(j);
}

/* Malformed input is a 400 naming the field — never a 500, never stored. */
static void malformed_input_is_400(void **state)
{
    long long hh = create_household(t_g0101, "T-REG-H15", grid_a, 0);
    expect_400_field(t_street, "GET", "/api/v1/residents?name=%FF%FE", NULL, "name");
    expect_400_field(t_street, "GET", "/api/v1/households?q=%FF%FE", NULL, "q");
    expect_400_field(t_street, "GET", "/api/v1/residents?org_unit_id=0", NULL, "org_unit_id");
    expect_400_field(t_street, "GET", "/api/v1/residents?org_unit_id=-3", NULL, "org_unit_id");
    expect_400_field(t_street, "GET", "/api/v1/residents?org_unit_id=1x", NULL, "org_unit_id");
    expect_400_field(t_street, "GET", "/api/v1/residents?household_id=abc", NULL, "household_id");
    expect_400_field(t_street, "GET", "/api/v1/residents?page=1000001", NULL, "page");
    char longq[400] = "";
    for (int i = 0; i < 101; i++)
        strcat(longq, "a");
    expect_400_field(t_street, "GET", fmt("/api/v1/households?q=%s", longq), NULL, "q");

    char idn[19];
    snprintf(idn, sizeof idn, "%s", new_id());
    expect_400_field(t_g0101, "POST", "/api/v1/residents",
                     fmt("{\"household_id\":\"%lld\",\"id_number\":\"%s\",\"name\":\"类型错\"}", hh, idn), "household_id");
    expect_400_field(t_g0101, "POST", "/api/v1/residents",
                     fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"类型错\",\"tags\":\"dibao\"}", hh, idn), "tags");
    expect_400_field(t_g0101, "POST", "/api/v1/residents",
                     fmt("{\"household_id\":%lld,\"id_number\":%s,\"name\":\"类型错\"}", hh, "110101199001011234"), "id_number");
    expect_400_field(t_g0101, "POST", "/api/v1/residents",
                     fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"类型错\",\"party_member\":1}", hh, idn),
                     "party_member");
    char longname[200] = "";
    for (int i = 0; i < 51; i++)
        strcat(longname, "张");
    expect_400_field(t_g0101, "POST", "/api/v1/residents",
                     fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"%s\"}", hh, idn, longname), "name");
    char body[2400];
    int n = snprintf(body, sizeof body, "{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"备注长\",\"notes\":\"", hh, idn);
    for (int i = 0; i < 501; i++)
        n += snprintf(body + n, sizeof body - (size_t)n, "字");
    snprintf(body + n, sizeof body - (size_t)n, "\"}");
    expect_400_field(t_g0101, "POST", "/api/v1/residents", body, "notes");
    json_t *j = req(t_g0101, "POST", "/api/v1/residents",
                    fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"a\",\"name\":\"b\"}", hh, idn), 400);
    json_decref(j);
    j = req(t_g0101, "POST", "/api/v1/residents", "[1,2,3]", 400);
    json_decref(j);
    j = req(t_g0101, "POST", fmt("/api/v1/residents/%lld/status", (long long)99999999), "{\"status\":\"deceased\"}", 404);
    json_decref(j);
    assert_int_equal(total_of(t_street, fmt("/api/v1/residents?id_number=%s&status=all", idn)), 0);
    j = get_ok(t_g0101, fmt("/api/v1/households/%lld", hh));
    assert_int_equal(jint(j, "member_count"), 0);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resident_create_validation),
        cmocka_unit_test(resident_get_masks_id_and_full_view_is_audited),
        cmocka_unit_test(resident_update_replaces_tags_and_is_audited),
        cmocka_unit_test(resident_move_to_another_household),
        cmocka_unit_test(resident_status_deceased_and_history),
        cmocka_unit_test(viewer_reads_masked_and_writes_nothing),
        cmocka_unit_test(id_number_lowercase_x_and_age),
        cmocka_unit_test(resident_patch_rules),
        cmocka_unit_test(malformed_input_is_400),
    };
    return cmocka_run_group_tests_name("api_residents", tests, registry_setup, registry_teardown);
}
