/* test_masking.c — masked ID numbers cannot be rebuilt, and each role
 * gets only the fields it needs (docs/design.md, "Masking"; the
 * visibility table in src/registry/resident_view.c).
 *
 * One resident with a known ID number, phone, disability, notes and the
 * 刑释解教 tag is registered and edited (so the audit log holds before
 * and after images). Then, for every role, everything that role can
 * fetch about the resident without full_id=1 — list, search, detail,
 * history, household list and detail, the CSV export where the role may
 * export, the audit log where it may read it — is collected into one
 * text, and the test checks that the full number and the full birth
 * date appear nowhere in it, and that the numbers consistent with all it
 * shows (region, birth year, sex, every shown digit, a valid check
 * digit) are at least 10,000. With the old mask ("110101********1234"
 * plus birth_date) this count was 1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "registry_fixture.h"

#define BIRTH "1956-07-15"
#define PHONE "13912345678"

static long long hh_id, rid;
static char full_id[19];

/* ---- the resident ------------------------------------------------------------ */

static void make_resident(void)
{
    if (rid)
        return;
    hh_id = create_household(t_street, "T-MASK-H1", grid_a, 0);
    id_with_check("11010119560715473", full_id);   /* 17th digit odd: male */
    rid = create_resident(t_street, hh_id, full_id, "柯隐私",
                          ",\"relation\":\"户主\",\"phone\":\"" PHONE "\",\"disability_type\":\"肢体\","
                          "\"disability_grade\":2,\"notes\":\"刑满释放，需定期走访\","
                          "\"tags\":[\"released_prisoner\",\"elderly\"]");
    json_decref(req(t_street, "PATCH", fmt("/api/v1/residents/%lld", rid), "{\"employment\":\"退休\"}", 200));
    json_decref(req(t_street, "PATCH", fmt("/api/v1/households/%lld", hh_id), "{\"phone\":\"13800001111\"}", 200));
}

/* ---- what a role receives -------------------------------------------------------- */

typedef struct text {
    char *s;
    size_t n;
} text;

static void text_add(text *t, const char *s, size_t n)
{
    t->s = realloc(t->s, t->n + n + 2);
    assert_non_null(t->s);
    memcpy(t->s + t->n, s, n);
    t->n += n;
    t->s[t->n++] = '\n';
    t->s[t->n] = '\0';
}

/* Appends the body of GET path, whatever the status. */
static void fetch(text *t, const char *tok, const char *path)
{
    http_resp r;
    assert_int_equal(http(&srv, "GET", path, tok, NULL, 0, NULL, &r), 0);
    text_add(t, r.body, r.len);
    http_free(&r);
}

/* Everything `tok` can get about the resident without asking for full ID numbers. */
static text collect(const char *tok)
{
    text t = {NULL, 0};
    const char *name = urlenc("柯隐私");
    fetch(&t, tok, fmt("/api/v1/residents?name=%s&status=all", name));
    fetch(&t, tok, fmt("/api/v1/residents?household_id=%lld&sort=birth_date", hh_id));
    fetch(&t, tok, fmt("/api/v1/residents?org_unit_id=%lld&tag=elderly&page_size=100", grid_a));
    fetch(&t, tok, fmt("/api/v1/residents/%lld", rid));
    fetch(&t, tok, fmt("/api/v1/residents/%lld/history", rid));
    fetch(&t, tok, fmt("/api/v1/households/%lld", hh_id));
    fetch(&t, tok, "/api/v1/households?q=T-MASK-H1");
    fetch(&t, tok, fmt("/api/v1/export/residents?org_unit_id=%lld", grid_a));
    fetch(&t, tok, fmt("/api/v1/audit?entity=resident&entity_id=%lld", rid));
    fetch(&t, tok, fmt("/api/v1/audit?entity=household&entity_id=%lld", hh_id));
    return t;
}

/* Merges into `known` ('?' = unknown) every digit shown by an 18-character
 * token of the text that agrees with the real number where it shows
 * digits and hides at least one: the masked forms of this number. */
static void shown_digits(const text *t, char known[19])
{
    memset(known, '?', 18);
    known[18] = '\0';
    for (size_t i = 0; i + 18 <= t->n; i++) {
        int stars = 0, ok = 1;
        for (size_t k = 0; k < 18 && ok; k++) {
            char c = t->s[i + k];
            if (c == '*')
                stars++;
            else
                ok = c == full_id[k];
        }
        if (!ok || !stars)
            continue;
        for (size_t k = 0; k < 18; k++)
            if (t->s[i + k] != '*')
                known[k] = t->s[i + k];
    }
}

static int days_in(int y, int m)
{
    static const int D[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 29 : D[m - 1];
}

/* Valid numbers with the region, birth year and sex of the real one that
 * agree with every known digit — what a reader could narrow it down to. */
static long candidates(const char known[19])
{
    long n = 0;
    char first17[64], id[19];
    int year = atoi(BIRTH);
    for (int m = 1; m <= 12; m++)
        for (int d = 1; d <= days_in(year, m); d++)
            for (int seq = 0; seq < 1000; seq++) {
                if ((seq % 2) != ((full_id[16] - '0') % 2))
                    continue;
                snprintf(first17, sizeof first17, "%.6s%04d%02d%02d%03d", full_id, year, m, d, seq);
                id_with_check(first17, id);
                int ok = 1;
                for (int k = 0; k < 18 && ok; k++)
                    ok = known[k] == '?' || known[k] == id[k];
                n += ok;
            }
    return n;
}

static void assert_not_rebuildable(const char *who, const char *tok)
{
    make_resident();
    text t = collect(tok);
    char known[19], compact[9];
    snprintf(compact, sizeof compact, "%.8s", full_id + 6);
    shown_digits(&t, known);
    long n = candidates(known);
    int leak = strstr(t.s, full_id) || strstr(t.s, BIRTH) || strstr(t.s, compact);
    if (leak || n < 10000)
        print_error("%s: full number %s, birth date %s, shown digits %s, %ld candidates\n", who,
                    strstr(t.s, full_id) ? "present" : "absent", strstr(t.s, BIRTH) ? "present" : "absent", known, n);
    free(t.s);
    assert_false(leak);
    assert_true(n >= 10000);
}

/* The roles without the full-ID right: the department viewer and the
 * auditor (who reads the audit images). */
static void viewer_cannot_rebuild_the_number(void **state) { assert_not_rebuildable("viewer", t_viewer); }
static void auditor_cannot_rebuild_the_number(void **state) { assert_not_rebuildable("auditor", t_auditor); }

/* Roles with the right get the number only by asking (full_id=1, each
 * view audited): their masked views must not give it away either. */
static void staff_masked_views_do_not_give_it_away(void **state)
{
    assert_not_rebuildable("street", t_street);
    assert_not_rebuildable("community", t_c01);
    assert_not_rebuildable("grid", t_g0101);
}

/* The check above counts: a masked number with the birth date beside it
 * (what every view showed before) leaves one candidate. */
static void the_count_catches_the_old_mask(void **state)
{
    make_resident();
    text t = {NULL, 0};
    char old[19], known[19];
    snprintf(old, sizeof old, "%.6s********%.4s", full_id, full_id + 14);
    text_add(&t, old, 18);
    shown_digits(&t, known);
    free(t.s);
    assert_true(candidates(known) < 10000);
}

/* ---- fields per role ------------------------------------------------------------------ */

static void assert_viewer_resident(json_t *r)
{
    assert_non_null(r);
    assert_null(json_object_get(r, "phone"));
    assert_null(json_object_get(r, "disability_type"));
    assert_null(json_object_get(r, "disability_grade"));
    assert_null(json_object_get(r, "notes"));
    assert_null(json_object_get(r, "birth_date"));
    assert_int_equal(jint(r, "birth_year"), 1956);
    assert_false(json_array_has_str(json_object_get(r, "tags"), "released_prisoner"));
    assert_true(json_array_has_str(json_object_get(r, "tags"), "elderly"));
    assert_masked_shape(jstr(r, "id_number"));
}

static void viewer_gets_masked_lists_without_sensitive_fields(void **state)
{
    make_resident();
    json_t *j = get_ok(t_viewer, fmt("/api/v1/residents/%lld", rid));
    assert_viewer_resident(j);
    json_decref(j);
    j = get_ok(t_viewer, fmt("/api/v1/residents?household_id=%lld", hh_id));
    assert_viewer_resident(json_array_get(json_object_get(j, "items"), 0));
    json_decref(j);
    j = get_ok(t_viewer, fmt("/api/v1/households/%lld", hh_id));
    assert_null(json_object_get(j, "phone"));
    assert_null(json_object_get(j, "notes"));
    assert_viewer_resident(json_array_get(json_object_get(j, "members"), 0));
    json_decref(j);
    /* no search by the tag it may not see; counts stay available */
    json_decref(req(t_viewer, "GET", fmt("/api/v1/residents?tag=released_prisoner&org_unit_id=%lld", grid_a), NULL, 403));
    json_decref(req(t_viewer, "GET", fmt("/api/v1/residents?tag=%s", urlenc("刑释解教")), NULL, 403));
    /* … but not of that tag: a count of one next to a building's list
     * would name the person */
    static const char *const STATS[] = {"/api/v1/stats/tags", "/api/v1/stats/org-units", "/api/v1/stats/table",
                                        "/api/v1/tags", NULL};
    for (int i = 0; STATS[i]; i++) {
        j = get_ok(t_viewer, STATS[i]);
        char *dump = json_dumps(j, 0);
        assert_null(strstr(dump, "released_prisoner"));
        free(dump);
        json_decref(j);
        j = get_ok(t_c01, STATS[i]);
        dump = json_dumps(j, 0);
        assert_non_null(strstr(dump, "released_prisoner"));
        free(dump);
        json_decref(j);
    }
    j = get_ok(t_viewer, fmt("/api/v1/stats/org-units?parent_id=%lld", grid_a));
    char *dump = json_dumps(j, 0);
    assert_null(strstr(dump, "released_prisoner"));
    assert_non_null(strstr(dump, "elderly"));
    free(dump);
    json_decref(j);
}

static void staff_get_what_their_work_needs(void **state)
{
    make_resident();
    json_t *j = get_ok(t_c01, fmt("/api/v1/residents/%lld", rid));
    assert_string_equal(jstr(j, "phone"), PHONE);
    assert_string_equal(jstr(j, "disability_type"), "肢体");
    assert_int_equal(jint(j, "disability_grade"), 2);
    assert_non_null(jstr(j, "notes"));
    assert_true(json_array_has_str(json_object_get(j, "tags"), "released_prisoner"));
    assert_null(json_object_get(j, "birth_date"));     /* only with the full number */
    assert_int_equal(jint(j, "birth_year"), 1956);
    json_decref(j);
    /* asking for the full number (audited) brings the birth date and the exact age */
    j = get_ok(t_c01, fmt("/api/v1/residents/%lld?full_id=1", rid));
    assert_string_equal(jstr(j, "id_number"), full_id);
    assert_string_equal(jstr(j, "birth_date"), BIRTH);
    json_decref(j);
    j = get_ok(t_c01, fmt("/api/v1/residents?household_id=%lld", hh_id));
    assert_phone_masked(jstr(json_array_get(json_object_get(j, "items"), 0), "phone"));
    json_decref(j);
}

/* The audit images carry the masked number and phone and no birth date. */
static void audit_images_are_masked(void **state)
{
    make_resident();
    json_t *j = get_ok(t_auditor, fmt("/api/v1/audit?entity=resident&entity_id=%lld&action=update", rid));
    json_t *row = json_array_get(json_object_get(j, "items"), 0);
    assert_non_null(row);
    json_t *imgs[] = {json_object_get(row, "before"), json_object_get(row, "after")};
    for (int i = 0; i < 2; i++) {
        assert_true(json_is_object(imgs[i]));
        assert_masked_shape(jstr(imgs[i], "id_number"));
        assert_phone_masked(jstr(imgs[i], "phone"));
        assert_null(json_object_get(imgs[i], "birth_date"));
    }
    json_decref(j);
}

/* ---- bulk export of sensitive fields ------------------------------------------------------- */

/* A masked export gives birth years and masked phones; a full one (full
 * ID numbers, birth dates, phones) needs a stated purpose, kept in its
 * audit row, and one user may make 5 an hour. */
static void full_export_needs_a_purpose_and_is_rate_limited(void **state)
{
    make_resident();
    http_resp r;
    const char *path = fmt("/api/v1/export/residents?org_unit_id=%lld", grid_a);
    assert_int_equal(http(&srv, "GET", path, t_c01, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body, PHONE));
    assert_null(strstr(r.body, full_id));
    assert_non_null(strstr(r.body, "出生年份"));
    /* The reply and the audit row say which fields it holds, and which are masked. */
    char fields[1024];
    assert_true(resp_header(&r, "X-Export-Fields", fields, sizeof fields));
    assert_string_equal(fields, "household_code,grid_code,grid_name,building_code,address,name,id_number:masked,sex,"
                                "birth_year,relation,phone:masked,hukou_type,residence_status,employment_status,"
                                "disability_type,disability_grade,party_member,tags,notes");
    http_free(&r);
    json_t *a = get_ok(t_auditor, "/api/v1/audit?action=export&page_size=1");
    assert_non_null(strstr(jstr(json_array_get(json_object_get(a, "items"), 0), "detail"),
                           "；字段：户编号、网格编码、网格名称、楼栋编码、地址、姓名、身份证号（已脱敏）、性别、出生年份、"
                           "与户主关系、联系电话（已脱敏）、户籍类型、居住状态、就业状态、残疾类别、残疾等级、是否党员、标签、备注"));
    json_decref(a);

    json_t *j = req(t_c01, "GET", fmt("%s&full_id=1", path), NULL, 400);
    assert_string_equal(err_field(j), "purpose");
    json_decref(j);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(http(&srv, "GET", fmt("%s&full_id=1&purpose=%s", path, urlenc("低保年审核对")), t_c01, NULL, 0,
                              NULL, &r), 0);
        assert_int_equal(r.status, 200);
        assert_non_null(strstr(r.body, full_id));
        assert_non_null(strstr(r.body, BIRTH));
        assert_non_null(strstr(r.body, PHONE));
        assert_true(resp_header(&r, "X-Export-Fields", fields, sizeof fields));
        assert_null(strstr(fields, ":masked"));
        assert_non_null(strstr(fields, ",id_number,sex,birth_date,relation,phone,"));
        http_free(&r);
    }
    j = get_ok(t_auditor, "/api/v1/audit?action=export&page_size=1");
    json_t *row = json_array_get(json_object_get(j, "items"), 0);
    assert_string_equal(jstr(row, "username"), "shequ01");
    assert_non_null(strstr(jstr(row, "detail"), "用途：低保年审核对"));
    json_decref(j);
    assert_int_equal(http(&srv, "GET", fmt("%s&full_id=1&purpose=%s", path, urlenc("低保年审核对")), t_c01, NULL, 0,
                          NULL, &r), 0);
    assert_int_equal(r.status, 429);
    assert_string_equal(err_code(r.json), "too_many_requests");
    assert_true(atoi(r.retry_after) >= 1 && atoi(r.retry_after) <= 3600);
    http_free(&r);
    /* masked exports are not limited */
    assert_int_equal(http(&srv, "GET", path, t_c01, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    http_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_count_catches_the_old_mask),
        cmocka_unit_test(viewer_cannot_rebuild_the_number),
        cmocka_unit_test(auditor_cannot_rebuild_the_number),
        cmocka_unit_test(staff_masked_views_do_not_give_it_away),
        cmocka_unit_test(viewer_gets_masked_lists_without_sensitive_fields),
        cmocka_unit_test(staff_get_what_their_work_needs),
        cmocka_unit_test(audit_images_are_masked),
        cmocka_unit_test(full_export_needs_a_purpose_and_is_rate_limited),
    };
    return cmocka_run_group_tests(tests, registry_setup, registry_teardown);
}
