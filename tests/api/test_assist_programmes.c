/* test_assist_programmes.c — /api/v1/assistance/programmes (issue 11):
 * who reads the programmes and standards (street, community, department;
 * not grid workers nor the privileged roles), a programme added as data
 * with its settings checked field by field (400 naming
 * "settings.<key>", 409 on a taken code), changed (name, active,
 * settings; calc_kind refused once a case exists), and standards added
 * from a future date (the previous one closed the day before, who added
 * it in the history, 409 on a past date or one not after the latest),
 * a community's own standard seen by that community only; every write
 * audited and nothing written on a refusal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static test_server srv;
static char *t_street, *t_c01, *t_c02, *t_g0101, *t_viewer, *t_admin, *t_aud;
static char today[11];
static int next_year;

#define req(tok, method, path, body, want) api_expect(&srv, tok, method, path, body, want)

static int setup(void **state)
{
    (void)state;
    if (server_start(&srv, 5, NULL) != 0)
        return -1;
    t_street = login(&srv, "jiedao", DEMO_PW);
    t_c01 = login(&srv, "shequ01", DEMO_PW);
    t_c02 = login(&srv, "shequ02", DEMO_PW);
    t_g0101 = login(&srv, "wangge0101", DEMO_PW);
    t_viewer = login(&srv, "bumen", DEMO_PW);
    t_admin = login(&srv, "admin", DEMO_PW);
    t_aud = login(&srv, "auditor", DEMO_PW);
    if (!t_street || !t_c01 || !t_c02 || !t_g0101 || !t_viewer || !t_admin || !t_aud)
        return -1;
    json_t *j = api_get_ok(&srv, t_street, "/api/v1/assistance/programmes");
    snprintf(today, sizeof today, "%s", jstr(j, "today"));
    json_decref(j);
    next_year = atoi(today) + 1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char *toks[] = {t_street, t_c01, t_c02, t_g0101, t_viewer, t_admin, t_aud};
    for (size_t i = 0; i < sizeof toks / sizeof toks[0]; i++)
        free(toks[i]);
    return server_stop(&srv);
}

/* The programme with that code in the list reply j (borrowed). */
static json_t *by_code(json_t *j, const char *code)
{
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(j, "items"), i, p)
        if (strcmp(jstr(p, "code"), code) == 0)
            return p;
    fail_msg("programme %s not listed", code);
    return NULL;
}

static long long programme_id(const char *code)
{
    json_t *j = api_get_ok(&srv, t_street, "/api/v1/assistance/programmes");
    long long id = jint(by_code(j, code), "id");
    json_decref(j);
    return id;
}

static long long audit_rows(const char *action)
{
    return api_total(&srv, t_aud, fmt("/api/v1/audit?action=%s", action));
}

static long long programme_count(void)
{
    json_t *j = api_get_ok(&srv, t_street, "/api/v1/assistance/programmes");
    long long n = (long long)json_array_size(json_object_get(j, "items"));
    json_decref(j);
    return n;
}

/* The refusal's field, checked, then the reply freed. */
static void refused(const char *tok, const char *method, const char *path, const char *body, long status,
                    const char *field)
{
    json_t *e = req(tok, method, path, body, status);
    if (field)
        assert_string_equal(err_field(e), field);
    assert_true(strlen(err_message(e)) > 0);
    json_decref(e);
}

/* ---- reading ------------------------------------------------------------- */

static void street_community_and_department_read_the_standards_in_force(void **state)
{
    (void)state;
    const char *const readers[] = {t_street, t_c01, t_viewer};
    for (size_t r = 0; r < 3; r++) {
        json_t *j = api_get_ok(&srv, readers[r], "/api/v1/assistance/programmes");
        assert_true(json_array_size(json_object_get(j, "items")) >= 10);
        json_t *p = by_code(j, "dibao_urban");
        assert_string_equal(jstr(p, "name"), "城市低保");
        assert_string_equal(jstr(p, "calc_kind"), "topup");
        assert_true(json_is_true(json_object_get(p, "active")));
        assert_int_equal(jint(json_object_get(p, "settings"), "min_payment_fen"), 3000);
        /* only the standard in force today: 780 yuan, not the 760 of 2024's first half */
        json_t *st = json_object_get(p, "standards");
        assert_int_equal(json_array_size(st), 1);
        assert_int_equal(jint(json_array_get(st, 0), "amount_fen"), 78000);
        assert_string_equal(jstr(json_array_get(st, 0), "area"), "urban");
        /* banded: one standard per area and band */
        assert_int_equal(json_array_size(json_object_get(by_code(j, "elderly_longevity"), "standards")), 8);
        json_decref(j);
    }
    /* the detail: the whole history, newest first */
    long long id = programme_id("dibao_urban");
    json_t *j = api_get_ok(&srv, t_viewer, fmt("/api/v1/assistance/programmes/%lld", id));
    json_t *hist = json_object_get(json_object_get(j, "programme"), "standards");
    assert_true(json_array_size(hist) >= 2);
    assert_true(strcmp(jstr(json_array_get(hist, 0), "effective_from"),
                       jstr(json_array_get(hist, 1), "effective_from")) > 0);
    assert_true(json_is_false(json_object_get(j, "can_edit")));
    json_decref(j);
    j = api_get_ok(&srv, t_street, fmt("/api/v1/assistance/programmes/%lld", id));
    assert_true(json_is_true(json_object_get(j, "can_edit")));
    json_decref(j);
}

static void grid_workers_and_privileged_roles_read_nothing(void **state)
{
    (void)state;
    long long id = programme_id("dibao_urban");
    const char *const denied[] = {t_g0101, t_admin, t_aud};
    for (size_t r = 0; r < 3; r++) {
        json_decref(req(denied[r], "GET", "/api/v1/assistance/programmes", NULL, 403));
        json_decref(req(denied[r], "GET", fmt("/api/v1/assistance/programmes/%lld", id), NULL, 403));
    }
    /* and only street staff write */
    const char *const no_write[] = {t_c01, t_viewer, t_g0101};
    for (size_t r = 0; r < 3; r++) {
        json_decref(req(no_write[r], "POST", "/api/v1/assistance/programmes",
                        "{\"code\":\"x_test\",\"name\":\"测试项目\",\"category\":\"other\",\"calc_kind\":\"one_off\"}",
                        403));
        json_decref(req(no_write[r], "PUT", fmt("/api/v1/assistance/programmes/%lld", id), "{\"active\":false}", 403));
        json_decref(req(no_write[r], "POST", fmt("/api/v1/assistance/programmes/%lld/standards", id),
                        fmt("{\"area\":\"urban\",\"amount_fen\":1,\"effective_from\":\"%d-01-01\"}", next_year), 403));
    }
    json_decref(req(t_street, "GET", "/api/v1/assistance/programmes/99999", NULL, 404));
}

/* ---- programmes as data --------------------------------------------------- */

static void street_adds_a_programme_with_checked_settings(void **state)
{
    (void)state;
    long long before = programme_count(), audits = audit_rows("assist_programme_create");
    const char *P = "/api/v1/assistance/programmes";
    const struct {
        const char *body, *field;
    } bad[] = {
        {"{\"code\":\"Heating\",\"name\":\"冬季取暖补贴\",\"category\":\"heating\",\"calc_kind\":\"per_person\"}", "code"},
        {"{\"code\":\"heating\",\"name\":\"\",\"category\":\"heating\",\"calc_kind\":\"per_person\"}", "name"},
        {"{\"code\":\"heating\",\"name\":\"冬季取暖补贴\",\"category\":\"Heat\",\"calc_kind\":\"per_person\"}", "category"},
        {"{\"code\":\"heating\",\"name\":\"冬季取暖补贴\",\"category\":\"heating\",\"calc_kind\":\"monthly\"}", "calc_kind"},
        {"{\"code\":\"heating\",\"name\":\"冬季取暖补贴\",\"category\":\"heating\",\"calc_kind\":\"per_person\","
         "\"settings\":{\"rounding\":\"jiao\"}}", "settings.rounding"},
        {"{\"code\":\"heating\",\"name\":\"冬季取暖补贴\",\"category\":\"heating\",\"calc_kind\":\"per_person\","
         "\"settings\":{\"min_payment_fen\":-1}}", "settings.min_payment_fen"},
        {"{\"code\":\"heating\",\"name\":\"冬季取暖补贴\",\"category\":\"heating\",\"calc_kind\":\"per_person\","
         "\"settings\":{\"min_payment_fen\":10.5}}", "settings.min_payment_fen"},
        {"{\"code\":\"heating\",\"name\":\"冬季取暖补贴\",\"category\":\"heating\",\"calc_kind\":\"per_person\","
         "\"settings\":{\"band_by\":\"income\"}}", "settings.band_by"},
        {"{\"code\":\"heating\",\"name\":\"冬季取暖补贴\",\"category\":\"heating\",\"calc_kind\":\"one_off\","
         "\"settings\":{\"ceilings_fen\":{\"grid\":100}}}", "settings.ceilings_fen"},
        {"{\"code\":\"heating\",\"name\":\"冬季取暖补贴\",\"category\":\"heating\",\"calc_kind\":\"per_person\","
         "\"settings\":{\"review_months\":{\"A\":0}}}", "settings.review_months"},
        {"{\"code\":\"heating\",\"name\":\"冬季取暖补贴\",\"category\":\"heating\",\"calc_kind\":\"per_person\","
         "\"settings\":{\"colour\":\"red\"}}", "settings"},
        {"{\"code\":\"heating\",\"name\":\"冬季取暖补贴\",\"category\":\"heating\",\"calc_kind\":\"per_person\","
         "\"settings\":[1]}", "settings"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        refused(t_street, "POST", P, bad[i].body, 400, bad[i].field);
    assert_int_equal(programme_count(), before);

    json_t *j = req(t_street, "POST", P,
                    "{\"code\":\"heating\",\"name\":\"冬季取暖补贴\",\"category\":\"heating\",\"calc_kind\":\"per_person\","
                    "\"settings\":{\"rounding\":\"fen\",\"band_by\":\"kind\",\"bands\":{\"single\":\"独居\",\"family\":\"家庭\"},"
                    "\"review_months\":{\"A\":12}}}",
                    201);
    json_t *p = json_object_get(j, "programme");
    assert_string_equal(jstr(p, "code"), "heating");
    assert_string_equal(jstr(json_object_get(json_object_get(p, "settings"), "bands"), "single"), "独居");
    assert_int_equal(json_array_size(json_object_get(p, "standards")), 0);
    json_decref(j);
    assert_int_equal(programme_count(), before + 1);
    assert_int_equal(audit_rows("assist_programme_create"), audits + 1);
    /* the same code again, or the name of another programme */
    refused(t_street, "POST", P,
            "{\"code\":\"heating\",\"name\":\"取暖补贴\",\"category\":\"heating\",\"calc_kind\":\"per_person\"}", 409, "code");
    refused(t_street, "POST", P,
            "{\"code\":\"heating_two\",\"name\":\"城市低保\",\"category\":\"heating\",\"calc_kind\":\"per_person\"}", 409, "name");
    assert_int_equal(programme_count(), before + 1);
    assert_int_equal(audit_rows("assist_programme_create"), audits + 1);
}

static void street_changes_name_settings_and_active(void **state)
{
    (void)state;
    json_decref(req(t_street, "POST", "/api/v1/assistance/programmes",
                    "{\"code\":\"summer_cooling\",\"name\":\"防暑降温补贴\",\"category\":\"cooling\",\"calc_kind\":\"one_off\"}",
                    201));
    long long id = programme_id("summer_cooling"), audits = audit_rows("assist_programme_update");
    const char *path = fmt("/api/v1/assistance/programmes/%lld", id);
    char pathbuf[96];
    snprintf(pathbuf, sizeof pathbuf, "%s", path);
    refused(t_street, "PUT", pathbuf, "{\"settings\":{\"rounding\":\"up\"}}", 400, "settings.rounding");
    refused(t_street, "PUT", pathbuf, "{\"code\":\"other\"}", 400, "code");
    refused(t_street, "PUT", pathbuf, "{\"name\":\"城市低保\"}", 409, "name");
    json_t *j = req(t_street, "PUT", pathbuf,
                    "{\"name\":\"夏季防暑补贴\",\"active\":false,\"calc_kind\":\"per_person\","
                    "\"settings\":{\"min_payment_fen\":500}}",
                    200);
    json_t *p = json_object_get(j, "programme");
    assert_string_equal(jstr(p, "name"), "夏季防暑补贴");
    assert_true(json_is_false(json_object_get(p, "active")));
    assert_string_equal(jstr(p, "calc_kind"), "per_person");
    assert_int_equal(jint(json_object_get(p, "settings"), "min_payment_fen"), 500);
    json_decref(j);
    assert_int_equal(audit_rows("assist_programme_update"), audits + 1);
    /* the list shows the change */
    j = api_get_ok(&srv, t_c01, "/api/v1/assistance/programmes");
    assert_true(json_is_false(json_object_get(by_code(j, "summer_cooling"), "active")));
    json_decref(j);

    /* Once a case of the programme exists its calculation kind is fixed. */
    long long hh = server_sql_int(&srv, "SELECT MIN(household_id) FROM resident WHERE status = 'active'");
    long long res = server_sql_int(&srv, fmt("SELECT MIN(id) FROM resident WHERE household_id = %lld", hh));
    long long comm = server_sql_int(&srv, "SELECT MIN(id) FROM org_unit WHERE kind = 'community'");
    long long cid = server_sql_int(&srv, "SELECT COALESCE(MAX(id), 0) + 1000 FROM wf_case");
    server_sql(&srv, fmt("INSERT INTO wf_case (id, type, state, org_path, title, created_at, state_entered_at)"
                         " VALUES (%lld, 'assist', 'applied', '/', '测试', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
                         cid));
    server_sql(&srv, fmt("INSERT INTO assistance_case (id, programme_id, household_id, resident_id, community_id, area,"
                         " created_at, updated_at) VALUES (%lld, %lld, %lld, %lld, %lld, 'urban',"
                         " '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
                         cid, id, hh, res, comm));
    j = api_get_ok(&srv, t_street, pathbuf);
    assert_true(json_is_true(json_object_get(json_object_get(j, "programme"), "has_cases")));
    json_decref(j);
    refused(t_street, "PUT", pathbuf, "{\"calc_kind\":\"one_off\"}", 409, "calc_kind");
    /* the same kind, or the other fields, still change */
    json_decref(req(t_street, "PUT", pathbuf, "{\"calc_kind\":\"per_person\",\"active\":true}", 200));
    j = api_get_ok(&srv, t_street, pathbuf);
    assert_string_equal(jstr(json_object_get(j, "programme"), "calc_kind"), "per_person");
    json_decref(j);
    assert_int_equal(audit_rows("assist_programme_update"), audits + 2);
}

/* ---- standards ------------------------------------------------------------- */

static void a_standard_starts_in_the_future_and_never_rewrites_the_past(void **state)
{
    (void)state;
    long long id = programme_id("dibao_rural"), audits = audit_rows("assist_standard_add");
    char path[96], body[200];
    snprintf(path, sizeof path, "/api/v1/assistance/programmes/%lld/standards", id);
    /* bad input, each naming its field */
    refused(t_street, "POST", path, fmt("{\"area\":\"city\",\"amount_fen\":65000,\"effective_from\":\"%d-01-01\"}", next_year),
            400, "area");
    refused(t_street, "POST", path, fmt("{\"area\":\"rural\",\"amount_fen\":-1,\"effective_from\":\"%d-01-01\"}", next_year),
            400, "amount_fen");
    refused(t_street, "POST", path, fmt("{\"area\":\"rural\",\"effective_from\":\"%d-01-01\"}", next_year), 400, "amount_fen");
    refused(t_street, "POST", path, fmt("{\"area\":\"rural\",\"amount_fen\":650.5,\"effective_from\":\"%d-01-01\"}", next_year),
            400, "amount_fen");
    refused(t_street, "POST", path, fmt("{\"area\":\"rural\",\"amount_fen\":65000,\"effective_from\":\"%d-02-30\"}", next_year),
            400, "effective_from");
    refused(t_street, "POST", path,
            fmt("{\"area\":\"rural\",\"band_key\":\"80+\",\"amount_fen\":65000,\"effective_from\":\"%d-01-01\"}", next_year), 400,
            "band_key");
    /* the past: yesterday, and a year ago */
    refused(t_street, "POST", path, "{\"area\":\"rural\",\"amount_fen\":65000,\"effective_from\":\"2025-01-01\"}", 409,
            "effective_from");
    assert_int_equal(audit_rows("assist_standard_add"), audits);

    snprintf(body, sizeof body, "{\"area\":\"rural\",\"amount_fen\":65000,\"effective_from\":\"%d-01-01\"}", next_year);
    json_t *j = req(t_street, "POST", path, body, 201);
    json_t *st = json_object_get(j, "standard");
    assert_int_equal(jint(st, "amount_fen"), 65000);
    assert_true(json_is_null(json_object_get(st, "effective_to")));
    assert_string_equal(jstr(json_object_get(st, "created_by"), "name"), "丹阳街道民政办");
    /* the history: newest first, the old one closed on the day before */
    json_t *hist = json_object_get(json_object_get(j, "programme"), "standards");
    assert_int_equal(jint(json_array_get(hist, 0), "amount_fen"), 65000);
    assert_int_equal(jint(json_array_get(hist, 1), "amount_fen"), 60000);
    assert_string_equal(jstr(json_array_get(hist, 1), "effective_to"), fmt("%d-12-31", next_year - 1));
    json_decref(j);
    assert_int_equal(audit_rows("assist_standard_add"), audits + 1);
    /* today's list still shows the standard in force today */
    j = api_get_ok(&srv, t_c01, "/api/v1/assistance/programmes");
    json_t *now = json_object_get(by_code(j, "dibao_rural"), "standards");
    assert_int_equal(json_array_size(now), 1);
    assert_int_equal(jint(json_array_get(now, 0), "amount_fen"), 60000);
    json_decref(j);
    /* the same date again, or an earlier one after it, would rewrite it */
    refused(t_street, "POST", path, body, 409, "effective_from");
    refused(t_street, "POST", path, fmt("{\"area\":\"rural\",\"amount_fen\":1,\"effective_from\":\"%s\"}", today), 409,
            "effective_from");
    assert_int_equal(audit_rows("assist_standard_add"), audits + 1);
    /* a banded programme takes its bands */
    long long eld = programme_id("elderly_longevity");
    json_decref(req(t_street, "POST", fmt("/api/v1/assistance/programmes/%lld/standards", eld),
                    fmt("{\"area\":\"urban\",\"band_key\":\"90+\",\"amount_fen\":35000,\"effective_from\":\"%d-01-01\"}",
                        next_year),
                    201));
}

static void a_community_standard_shows_to_that_community_only(void **state)
{
    (void)state;
    long long id = programme_id("elderly_hardship");
    long long c001 = org_id_by_code(&srv, t_street, "371702001001");
    long long grid = org_id_by_code(&srv, t_street, "371702001001-01");
    char path[96];
    snprintf(path, sizeof path, "/api/v1/assistance/programmes/%lld/standards", id);
    refused(t_street, "POST", path,
            fmt("{\"area\":\"urban\",\"community_id\":%lld,\"amount_fen\":12000,\"effective_from\":\"%d-03-01\"}", grid,
                next_year),
            400, "community_id");
    json_decref(req(t_street, "POST", path,
                    fmt("{\"area\":\"urban\",\"community_id\":%lld,\"amount_fen\":12000,\"effective_from\":\"%d-03-01\"}",
                        c001, next_year),
                    201));
    int seen[2] = {0, 0};
    char *const toks[2] = {t_c01, t_c02};
    for (int k = 0; k < 2; k++) {
        json_t *j = api_get_ok(&srv, toks[k], fmt("/api/v1/assistance/programmes/%lld", id));
        size_t i;
        json_t *s;
        json_array_foreach(json_object_get(json_object_get(j, "programme"), "standards"), i, s)
            if (jint(s, "community_id") == c001) {
                seen[k] = 1;
                assert_int_equal(jint(s, "amount_fen"), 12000);
            }
        json_decref(j);
    }
    assert_true(seen[0]);
    assert_false(seen[1]);
    /* the area's standard is untouched by the community's */
    json_t *j = api_get_ok(&srv, t_street, fmt("/api/v1/assistance/programmes/%lld", id));
    size_t i;
    json_t *s;
    int area_open = 0;
    json_array_foreach(json_object_get(json_object_get(j, "programme"), "standards"), i, s)
        if (json_is_null(json_object_get(s, "community_id")) && strcmp(jstr(s, "area"), "urban") == 0 &&
            json_is_null(json_object_get(s, "effective_to")))
            area_open = 1;
    assert_true(area_open);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(street_community_and_department_read_the_standards_in_force),
        cmocka_unit_test(grid_workers_and_privileged_roles_read_nothing),
        cmocka_unit_test(street_adds_a_programme_with_checked_settings),
        cmocka_unit_test(street_changes_name_settings_and_active),
        cmocka_unit_test(a_standard_starts_in_the_future_and_never_rewrites_the_past),
        cmocka_unit_test(a_community_standard_shows_to_that_community_only),
    };
    return cmocka_run_group_tests_name("api_assist_programmes", tests, setup, teardown);
}
