/* test_search.c — the resident and household lists: search by part of
 * a name, exact ID number, phone, tag (code or label), org unit and
 * household, with bad filters refused; pagination (disjoint pages, the
 * last page, page bounds) and sorting that holds across pages; and
 * phone numbers masked in lists even for registry writers — against the
 * real server on the demo street. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_fixture.h"
#include "util/pinyin.h"

/* ---- lists ------------------------------------------------------------------ */

/* docs/api.md: "Phone numbers are masked in lists like ID numbers; the
 * single-resident view shows the full phone to registry writers." */
static void lists_mask_phones_for_writers_too(void **state)
{
    json_t *j = get_ok(t_c01, fmt("/api/v1/residents?org_unit_id=%lld&page_size=100", c001));
    size_t i, seen = 0;
    json_t *it;
    json_array_foreach(json_object_get(j, "items"), i, it) {
        const char *p = jstr(it, "phone");
        if (!p)
            continue;
        seen++;
        assert_phone_masked(p);
    }
    json_decref(j);
    assert_true(seen > 0);
}

/* ---- search, pages, sort --------------------------------------------------- */

/* Every active resident the street sees (all pages), as one array. */
static json_t *all_residents(const char *tok, const char *extra)
{
    json_t *all = json_array();
    long long total = -1;
    for (int page = 1; page < 100; page++) {
        json_t *j = get_ok(tok, fmt("/api/v1/residents?page_size=100&page=%d%s", page, extra));
        if (total < 0)
            total = jint(j, "total");
        assert_int_equal(jint(j, "total"), total);
        size_t n = json_array_size(json_object_get(j, "items"));
        json_array_extend(all, json_object_get(j, "items"));
        json_decref(j);
        if (n < 100)
            break;
    }
    assert_int_equal((long long)json_array_size(all), total);
    return all;
}

static void search_by_name_id_phone_tag_unit(void **state)
{
    json_t *all = all_residents(t_street, "");
    size_t n = json_array_size(all), i;
    json_t *it;
    assert_true(n > 300);

    /* Name: the first character of someone's name finds every name
     * holding it, wherever it stands (test_resident_search.c for pinyin). */
    const char *name0 = jstr(json_array_get(all, 0), "name");
    char prefix[8];
    size_t plen = 1;
    while (((unsigned char)name0[plen] & 0xC0) == 0x80)
        plen++;
    memcpy(prefix, name0, plen);
    prefix[plen] = '\0';
    long long expect = 0;
    json_array_foreach(all, i, it)
        expect += strstr(jstr(it, "name"), prefix) != NULL;
    json_t *j = get_ok(t_street, fmt("/api/v1/residents?name=%s&page_size=100", urlenc(prefix)));
    assert_int_equal(jint(j, "total"), expect);
    assert_true(expect >= 1);
    json_array_foreach(json_object_get(j, "items"), i, it)
        assert_non_null(strstr(jstr(it, "name"), prefix));
    json_decref(j);
    /* A whole name finds that person. */
    j = get_ok(t_street, fmt("/api/v1/residents?name=%s", urlenc(name0)));
    int found = 0;
    json_array_foreach(json_object_get(j, "items"), i, it) {
        found |= jint(it, "id") == jint(json_array_get(all, 0), "id");
        assert_non_null(strstr(jstr(it, "name"), name0));
    }
    assert_true(found);
    json_decref(j);

    /* Exact ID number. */
    long long pick = jint(json_array_get(all, n / 2), "id");
    j = get_ok(t_street, fmt("/api/v1/residents/%lld?full_id=1", pick));
    char idn[19];
    snprintf(idn, sizeof idn, "%s", jstr(j, "id_number"));
    json_decref(j);
    assert_int_equal(strlen(idn), 18);
    j = get_ok(t_street, fmt("/api/v1/residents?id_number=%s", idn));
    assert_int_equal(jint(j, "total"), 1);
    assert_int_equal(jint(json_array_get(json_object_get(j, "items"), 0), "id"), pick);
    json_decref(j);
    expect_400_field(t_street, "GET", "/api/v1/residents?id_number=12345", NULL, "id_number");
    expect_400_field(t_street, "GET", fmt("/api/v1/residents?id_number=%s", bad_checksum(idn)), NULL, "id_number");
    expect_400_field(t_street, "GET", "/api/v1/residents?id_number=37170219800101ABCD", NULL, "id_number");

    /* Phone: someone's number, read from the single view. */
    long long with_phone = 0;
    char phone[40] = "";
    for (i = 0; i < n && !with_phone; i++) {
        it = json_array_get(all, i);
        if (jstr(it, "phone") && strlen(jstr(it, "phone")) > 0) {
            json_t *one = get_ok(t_street, fmt("/api/v1/residents/%lld", jint(it, "id")));
            snprintf(phone, sizeof phone, "%s", jstr(one, "phone"));
            json_decref(one);
            with_phone = jint(it, "id");
        }
    }
    assert_true(with_phone > 0);
    assert_null(strchr(phone, '*'));
    j = get_ok(t_street, fmt("/api/v1/residents?phone=%s", urlenc(phone)));
    assert_true(jint(j, "total") >= 1);
    found = 0;
    json_array_foreach(json_object_get(j, "items"), i, it)
        found |= jint(it, "id") == with_phone;
    assert_true(found);
    assert_true(jint(j, "total") <= 3);
    json_decref(j);
    expect_400_field(t_street, "GET", "/api/v1/residents?phone=12", NULL, "phone");

    /* Tag, by code and by label. */
    expect = 0;
    json_array_foreach(all, i, it)
        expect += json_array_has_str(json_object_get(it, "tags"), "disabled");
    assert_true(expect > 0);
    j = get_ok(t_street, "/api/v1/residents?tag=disabled&page_size=100");
    assert_int_equal(jint(j, "total"), expect);
    json_array_foreach(json_object_get(j, "items"), i, it)
        assert_true(json_array_has_str(json_object_get(it, "tags"), "disabled"));
    json_decref(j);
    assert_int_equal(total_of(t_street, fmt("/api/v1/residents?tag=%s", urlenc("残疾"))), expect);
    expect_400_field(t_street, "GET", "/api/v1/residents?tag=nosuchtag", NULL, "tag");

    /* Org unit. */
    expect = 0;
    json_array_foreach(all, i, it)
        expect += jint(it, "grid_id") == grid_b;
    j = get_ok(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=100", grid_b));
    assert_int_equal(jint(j, "total"), expect);
    json_array_foreach(json_object_get(j, "items"), i, it)
        assert_int_equal(jint(it, "grid_id"), grid_b);
    json_decref(j);
    /* Household. */
    long long hid = jint(json_array_get(all, 3), "household_id");
    expect = 0;
    json_array_foreach(all, i, it)
        expect += jint(it, "household_id") == hid;
    j = get_ok(t_street, fmt("/api/v1/residents?household_id=%lld", hid));
    assert_int_equal(jint(j, "total"), expect);
    json_array_foreach(json_object_get(j, "items"), i, it)
        assert_int_equal(jint(it, "household_id"), hid);
    json_decref(j);
    /* Filters combine. */
    assert_int_equal(total_of(t_street, fmt("/api/v1/residents?org_unit_id=%lld&tag=disabled", grid_b)) <=
                         total_of(t_street, "/api/v1/residents?tag=disabled"), 1);
    json_decref(all);
}

static void pagination_and_sort(void **state)
{
    json_t *p1 = get_ok(t_street, "/api/v1/residents?page_size=20&page=1&sort=id");
    json_t *p2 = get_ok(t_street, "/api/v1/residents?page_size=20&page=2&sort=id");
    long long total = jint(p1, "total");
    assert_true(total > 40);
    assert_int_equal(jint(p2, "total"), total);
    assert_int_equal(jint(p1, "page"), 1);
    assert_int_equal(jint(p2, "page"), 2);
    assert_int_equal(jint(p1, "page_size"), 20);
    json_t *i1 = json_object_get(p1, "items"), *i2 = json_object_get(p2, "items");
    assert_int_equal(json_array_size(i1), 20);
    assert_int_equal(json_array_size(i2), 20);
    for (size_t a = 0; a < 20; a++)
        for (size_t b = 0; b < 20; b++)
            assert_true(jint(json_array_get(i1, a), "id") != jint(json_array_get(i2, b), "id"));
    for (size_t a = 1; a < 20; a++)
        assert_true(jint(json_array_get(i1, a - 1), "id") < jint(json_array_get(i1, a), "id"));
    assert_true(jint(json_array_get(i1, 19), "id") < jint(json_array_get(i2, 0), "id"));
    json_decref(p1);
    json_decref(p2);
    /* Last page holds the remainder; beyond it, nothing. */
    long long pages = (total + 19) / 20;
    json_t *last = get_ok(t_street, fmt("/api/v1/residents?page_size=20&page=%lld", pages));
    assert_int_equal((long long)json_array_size(json_object_get(last, "items")), total - 20 * (pages - 1));
    json_decref(last);
    json_t *beyond = get_ok(t_street, fmt("/api/v1/residents?page_size=20&page=%lld", pages + 1));
    assert_int_equal(json_array_size(json_object_get(beyond, "items")), 0);
    assert_int_equal(jint(beyond, "total"), total);
    json_decref(beyond);

    expect_400_field(t_street, "GET", "/api/v1/residents?page_size=500", NULL, "page_size");
    expect_400_field(t_street, "GET", "/api/v1/residents?page_size=0", NULL, "page_size");
    expect_400_field(t_street, "GET", "/api/v1/residents?page=0", NULL, "page");
    expect_400_field(t_street, "GET", "/api/v1/residents?page_size=abc", NULL, "page_size");
    /* issue 9: a page size is picked from 20, 50 and 100; the message names them */
    static const char *const OTHER_SIZES[] = {"1", "10", "30", "200", "020", "50.0", NULL};
    for (size_t k = 0; OTHER_SIZES[k]; k++) {
        json_t *e = req(t_street, "GET", fmt("/api/v1/residents?page_size=%s", OTHER_SIZES[k]), NULL, 400);
        assert_string_equal(err_field(e), "page_size");
        assert_non_null(strstr(err_message(e), "20、50 或 100"));
        json_decref(e);
        expect_400_field(t_street, "GET", fmt("/api/v1/households?page_size=%s", OTHER_SIZES[k]), NULL, "page_size");
    }
    static const int SIZES[] = {20, 50, 100};
    for (size_t k = 0; k < 3; k++) {
        json_t *ok = get_ok(t_street, fmt("/api/v1/households?page_size=%d&page=2", SIZES[k]));
        assert_int_equal(jint(ok, "page_size"), SIZES[k]);
        assert_int_equal(jint(ok, "page"), 2);
        json_decref(ok);
    }
    json_t *maxp = get_ok(t_street, "/api/v1/residents?page_size=100");
    assert_int_equal(json_array_size(json_object_get(maxp, "items")), 100);
    json_decref(maxp);

    /* sort=-birth_date holds across every page; without full_id=1 it
     * orders by birth year only (the date itself is not shown). */
    json_t *all = all_residents(t_street, "&sort=-birth_date");
    size_t i;
    for (i = 1; i < json_array_size(all); i++)
        assert_true(jint(json_array_get(all, i - 1), "birth_year") >= jint(json_array_get(all, i), "birth_year"));
    json_decref(all);
    /* sort=name is pinyin order (util/pinyin.h) */
    json_t *j = get_ok(t_street, "/api/v1/residents?page_size=100&sort=name");
    json_t *items = json_object_get(j, "items");
    for (i = 1; i < json_array_size(items); i++) {
        char a[PINYIN_MAX], b[PINYIN_MAX];
        pinyin_sort_key(jstr(json_array_get(items, i - 1), "name"), a);
        pinyin_sort_key(jstr(json_array_get(items, i), "name"), b);
        assert_true(strcmp(a, b) <= 0);
    }
    json_decref(j);
    j = get_ok(t_street, "/api/v1/households?page_size=100&sort=-code");
    items = json_object_get(j, "items");
    for (i = 1; i < json_array_size(items); i++)
        assert_true(strcmp(jstr(json_array_get(items, i - 1), "code"), jstr(json_array_get(items, i), "code")) >= 0);
    json_decref(j);
    expect_400_field(t_street, "GET", "/api/v1/residents?sort=bogus", NULL, "sort");
    expect_400_field(t_street, "GET", "/api/v1/residents?sort=-bogus", NULL, "sort");
    expect_400_field(t_street, "GET", "/api/v1/residents?sort=id_number", NULL, "sort");
    expect_400_field(t_street, "GET", "/api/v1/households?sort=bogus", NULL, "sort");
}

/* ---- exact searches (ID number, phone) ------------------------------------------ */

/* Someone's full phone, as a registry writer sees it on the single view. */
static void a_phone(char phone[40], long long *rid)
{
    json_t *j = get_ok(t_c01, fmt("/api/v1/residents?org_unit_id=%lld&page_size=100", c001));
    size_t i;
    json_t *it;
    *rid = 0;
    json_array_foreach(json_object_get(j, "items"), i, it) {
        if (*rid || !jstr(it, "phone"))
            continue;
        *rid = jint(it, "id");
        json_t *one = get_ok(t_c01, fmt("/api/v1/residents/%lld", *rid));
        snprintf(phone, 40, "%s", jstr(one, "phone"));
        json_decref(one);
    }
    json_decref(j);
    assert_true(*rid > 0);
}

/* The viewer sees no phones and only masked ID numbers: it may not look
 * a number up by trying it (10,000 tries recovered a masked phone). */
static void viewer_may_not_search_exact_phone_or_id(void **state)
{
    char phone[40];
    long long rid;
    a_phone(phone, &rid);
    json_t *j = req(t_viewer, "GET", fmt("/api/v1/residents?phone=%s", urlenc(phone)), NULL, 403);
    assert_string_equal(err_code(j), "forbidden");
    assert_string_equal(err_field(j), "phone");
    json_decref(j);
    j = req(t_viewer, "GET", fmt("/api/v1/residents?id_number=%s", fresh_id("110101")), NULL, 403);
    assert_string_equal(err_field(j), "id_number");
    json_decref(j);
}

/* Each exact search by a role with the right is audited, with the term masked. */
static void exact_searches_are_audited_masked(void **state)
{
    char phone[40], masked_tail[8];
    long long rid;
    a_phone(phone, &rid);
    long long before = total_of(t_auditor, "/api/v1/audit?action=search_exact");
    json_decref(get_ok(t_c01, fmt("/api/v1/residents?phone=%s", urlenc(phone))));
    const char *idn = fresh_id("110101");
    json_decref(get_ok(t_c01, fmt("/api/v1/residents?id_number=%s", idn)));
    json_t *j = get_ok(t_auditor, "/api/v1/audit?action=search_exact&page_size=2");
    assert_int_equal(jint(j, "total"), before + 2);
    json_t *id_row = json_array_get(json_object_get(j, "items"), 0), *ph_row = json_array_get(json_object_get(j, "items"), 1);
    assert_string_equal(jstr(id_row, "username"), "shequ01");
    assert_null(strstr(jstr(id_row, "detail"), idn));
    assert_non_null(strstr(jstr(id_row, "detail"), "************"));
    assert_null(strstr(jstr(ph_row, "detail"), phone));
    snprintf(masked_tail, sizeof masked_tail, "%s", phone + strlen(phone) - 4);
    assert_non_null(strstr(jstr(ph_row, "detail"), masked_tail));
    json_decref(j);
}

/* At most 30 exact searches a minute per user; then 429 with Retry-After.
 * Another user is not held up. (wangge0102 is used by no other test here.) */
static void exact_searches_are_rate_limited_per_user(void **state)
{
    char *tok = login(&srv, "wangge0102", DEMO_PW);
    assert_non_null(tok);
    for (int i = 0; i < 30; i++)
        json_decref(get_ok(tok, fmt("/api/v1/residents?phone=1390000%04d", i)));
    http_resp r;
    assert_int_equal(http(&srv, "GET", "/api/v1/residents?phone=13900009999", tok, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 429);
    assert_string_equal(err_code(r.json), "too_many_requests");
    int secs = atoi(r.retry_after);
    assert_true(secs >= 1 && secs <= 60);
    http_free(&r);
    /* a search by ID-number tail is an exact search: the same budget */
    assert_int_equal(http(&srv, "GET", "/api/v1/residents?id_tail=1234", tok, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 429);
    http_free(&r);
    json_decref(get_ok(tok, "/api/v1/residents?page_size=20"));   /* other searches still work */
    json_decref(get_ok(t_g0101, "/api/v1/residents?phone=13900009999"));
    free(tok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lists_mask_phones_for_writers_too),
        cmocka_unit_test(search_by_name_id_phone_tag_unit),
        cmocka_unit_test(pagination_and_sort),
        cmocka_unit_test(viewer_may_not_search_exact_phone_or_id),
        cmocka_unit_test(exact_searches_are_audited_masked),
        cmocka_unit_test(exact_searches_are_rate_limited_per_user),
    };
    return cmocka_run_group_tests_name("api_search", tests, registry_setup, registry_teardown);
}
