/* test_open311.c — the Open311 GeoReport v2 API over work orders (issue
 * 12), against the real server on both engines, on a district of two
 * streets (the demo street and 东城街道, made as test_district.c does):
 *
 *   - services from the category tree (leaves are services, the parent
 *     their group) and a service's definition, with the spec's fields;
 *   - API keys: the admin's only, shown once and stored hashed, bad
 *     input refused, revoked keys and spent rates refused;
 *   - filing a request (form-encoded as the spec says, and JSON) makes
 *     an online work order; refusals in the spec's error format;
 *   - reading requests: fields, status open/closed from the order's
 *     state, filters, no reporter data, only Open311 requests;
 *   - a key of one street reads nothing of the other. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static test_server srv;
static char *t_admin, *t_street, *t_auditor, *t_admin2;
static long long street1, grid1, grid1b, street2, grid2;
static char key1[64], key2[64];
static long long key1_id;

static const char *const STRONG_PW = "Strong#Pass2026";

static void cli_ok(const char *const *args, const char *stdin_data)
{
    if (run_cli(&srv, args, NULL, stdin_data) != 0)
        fail_msg("minsheng %s %s failed, see %s", args[0], args[1], srv.log);
}

/* A request without a session: its status, the JSON in *out (may be NULL). */
static long pub(const char *method, const char *path, const char *form, const char *type, json_t **out)
{
    http_resp r = {0};
    assert_int_equal(http(&srv, method, path, NULL, form, form ? strlen(form) : 0,
                          form ? (type ? type : "application/x-www-form-urlencoded") : NULL, &r), 0);
    long st = r.status;
    if (out) {
        *out = r.json;
        r.json = NULL;
    }
    http_free(&r);
    return st;
}

static json_t *pub_ok(const char *method, const char *path, const char *form, long want)
{
    json_t *j = NULL;
    long st = pub(method, path, form, NULL, &j);
    if (st != want) {
        char *s = j ? json_dumps(j, 0) : NULL;
        fail_msg("%s %s -> %ld (want %ld) %s", method, path, st, want, s ? s : "");
    }
    return j;
}

/* An error reply of the spec: [{code, description}] with code = status. */
static void expect_o311_error(const char *method, const char *path, const char *form, long want)
{
    json_t *j = pub_ok(method, path, form, want);
    assert_true(json_is_array(j));
    assert_int_equal(json_array_size(j), 1);
    assert_int_equal(jint(json_array_get(j, 0), "code"), want);
    assert_true(strlen(jstr(json_array_get(j, 0), "description")) > 0);
    json_decref(j);
}

static long long new_key(const char *tok, long long street, long long grid, const char *extra, char out[64])
{
    json_t *j = api_expect(&srv, tok, "POST", "/api/v1/open311/keys",
                           fmt("{\"name\":\"市民通App\",\"street_id\":%lld,\"grid_id\":%lld%s}", street, grid, extra), 201);
    snprintf(out, 64, "%s", jstr(j, "key"));
    long long id = jint(j, "id");
    json_decref(j);
    return id;
}

/* Files a request with key (form-encoded); returns its id. */
static long long file_request(const char *key, int service, const char *more)
{
    json_t *j = pub_ok("POST", "/open311/v2/requests.json",
                       fmt("api_key=%s&service_code=%d&address_string=%s&description=%s%s", key, service,
                           urlenc("牡丹路八号"), urlenc("路边垃圾堆放"), more), 201);
    assert_true(json_is_array(j));
    const char *sid = jstr(json_array_get(j, 0), "service_request_id");
    long long id = atoll(sid);
    assert_true(id > 0);
    json_decref(j);
    return id;
}

static const char *jstr_at(json_t *arr, size_t i)
{
    json_t *v = json_array_get(arr, i);
    return json_is_string(v) ? json_string_value(v) : "";
}

static int has_request(json_t *arr, long long id)
{
    size_t i;
    json_t *r;
    json_array_foreach(arr, i, r) {
        if (atoll(jstr(r, "service_request_id")) == id)
            return 1;
    }
    return 0;
}

static int setup(void **state)
{
    (void)state;
    if (server_start(&srv, 40, NULL) != 0)
        return -1;
    t_admin = login(&srv, "admin", DEMO_PW);
    t_street = login(&srv, "jiedao", DEMO_PW);
    t_auditor = login(&srv, "auditor", DEMO_PW);
    if (!t_admin || !t_street || !t_auditor)
        return -1;
    street1 = org_id_by_code(&srv, t_street, "371702001");
    grid1 = org_id_by_code(&srv, t_street, "371702001001-01");
    grid1b = org_id_by_code(&srv, t_street, "371702001001-02");
    cli_ok((const char *[]){"org", "district", "371702", "牡丹区", NULL}, NULL);
    cli_ok((const char *[]){"org", "add", "371702", "371702002", "东城街道", NULL}, NULL);
    cli_ok((const char *[]){"org", "add", "371702002", "371702002001", "东一社区", NULL}, NULL);
    cli_ok((const char *[]){"org", "add", "371702002001", "371702002001-01", "第一网格", NULL}, NULL);
    cli_ok((const char *[]){"user", "add", "admin2", "--role", "admin", "--org", "371702002", NULL}, "Strong#Pass2026\n");
    server_sql(&srv, "UPDATE app_user SET must_change_password = 0 WHERE username = 'admin2'");
    t_admin2 = login(&srv, "admin2", STRONG_PW);
    if (!t_admin2)
        return -1;
    street2 = server_sql_int(&srv, "SELECT id FROM org_unit WHERE code = '371702002'");
    grid2 = server_sql_int(&srv, "SELECT id FROM org_unit WHERE code = '371702002001-01'");
    key1_id = new_key(t_admin, street1, grid1, "", key1);
    new_key(t_admin2, street2, grid2, "", key2);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(t_admin);
    free(t_street);
    free(t_auditor);
    free(t_admin2);
    return server_stop(&srv);
}

/* ---- services ---------------------------------------------------------------- */

static void services_from_the_category_tree(void **state)
{
    (void)state;
    json_t *j = pub_ok("GET", "/open311/v2/services.json", NULL, 200), *s, *found = NULL, *other = NULL;
    size_t i;
    assert_true(json_is_array(j));
    json_array_foreach(j, i, s) {
        if (strcmp(jstr(s, "service_code"), "101") == 0)
            found = s;
        if (strcmp(jstr(s, "service_code"), "11") == 0)
            other = s;
        assert_string_not_equal(jstr(s, "service_code"), "1");   /* a parent is a group, not a service */
    }
    assert_non_null(found);
    assert_string_equal(jstr(found, "service_name"), "垃圾清运");
    assert_string_equal(jstr(found, "group"), "环境卫生");
    assert_string_equal(jstr(found, "type"), "realtime");
    assert_true(json_is_false(json_object_get(found, "metadata")));
    assert_non_null(strstr(jstr(found, "keywords"), "垃圾清运"));
    assert_true(strlen(jstr(found, "description")) > 0);
    assert_non_null(other);   /* a top-level category without children is a service of its own group */
    assert_string_equal(jstr(other, "group"), "其他");
    json_decref(j);
    j = pub_ok("GET", "/open311/v2/services/101.json", NULL, 200);
    assert_string_equal(jstr(j, "service_code"), "101");
    assert_true(json_is_array(json_object_get(j, "attributes")));
    json_decref(j);
    expect_o311_error("GET", "/open311/v2/services/1.json", NULL, 404);
    expect_o311_error("GET", "/open311/v2/services/99999.json", NULL, 404);
}

/* ---- keys ---------------------------------------------------------------------- */

static void keys_by_the_admin_shown_once(void **state)
{
    (void)state;
    assert_int_equal(strncmp(key1, "o311_", 5), 0);
    assert_int_equal(strlen(key1), 45);
    json_decref(api_expect(&srv, t_street, "POST", "/api/v1/open311/keys",
                           fmt("{\"name\":\"越权\",\"street_id\":%lld,\"grid_id\":%lld}", street1, grid1), 403));
    json_decref(api_expect(&srv, t_street, "GET", "/api/v1/open311/keys", NULL, 403));
    json_t *j = api_get_ok(&srv, t_admin, "/api/v1/open311/keys"), *k;
    size_t i;
    int seen = 0;
    json_array_foreach(json_object_get(j, "items"), i, k) {
        assert_null(json_object_get(k, "key"));
        if (jint(k, "id") == key1_id) {
            seen = 1;
            assert_int_equal(strncmp(jstr(k, "key_prefix"), key1, strlen(jstr(k, "key_prefix"))), 0);
            assert_string_equal(jstr_at(json_object_get(k, "sources"), 0), "online");
            assert_int_equal(jint(k, "rate_per_hour"), 60);
        }
    }
    assert_true(seen);
    json_decref(j);
    /* stored as a hash only */
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM open311_key WHERE key_hash = '%s'"
                                              " OR key_prefix = '%s' OR name = '%s'", key1, key1, key1)), 0);
    /* bad input */
    const char *bad[][2] = {
        {"\"name\":\"甲\",\"sources\":\"online,hotline\"", "sources"},
        {"\"name\":\"甲\",\"rate_per_hour\":0", "rate_per_hour"},
        {"\"name\":\"\"", "name"},
    };
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
        j = api_expect(&srv, t_admin, "POST", "/api/v1/open311/keys",
                       fmt("{%s,\"street_id\":%lld,\"grid_id\":%lld}", bad[b][0], street1, grid1), 400);
        assert_string_equal(err_field(j), bad[b][1]);
        json_decref(j);
    }
    j = api_expect(&srv, t_admin, "POST", "/api/v1/open311/keys",
                   fmt("{\"name\":\"甲\",\"street_id\":%lld,\"grid_id\":%lld}", street1, grid2), 400);
    assert_string_equal(err_field(j), "grid_id");
    json_decref(j);
    j = api_expect(&srv, t_admin, "POST", "/api/v1/open311/keys",
                   fmt("{\"name\":\"甲\",\"street_id\":%lld,\"grid_id\":%lld}", grid1, grid1), 400);
    assert_string_equal(err_field(j), "street_id");
    json_decref(j);
    assert_true(api_total(&srv, t_auditor, "/api/v1/audit?action=open311_key_create") >= 1);
}

/* ---- filing ---------------------------------------------------------------------- */

static void a_request_becomes_an_online_work_order(void **state)
{
    (void)state;
    json_t *j = pub_ok("POST", "/open311/v2/requests.json",
                       fmt("api_key=%s&service_code=101&lat=35.246&long=115.473&address_string=%s&description=%s"
                           "&first_name=%s&last_name=%s&phone=13912345678&email=zhang%%40example.com"
                           "&device_id=dev1&account_id=acc1&media_url=%s",
                           key1, urlenc("牡丹路一号"), urlenc("垃圾三天没人清运"), urlenc("小明"), urlenc("张"),
                           urlenc("https://example.com/a.jpg")),
                       201);
    long long id = atoll(jstr(json_array_get(j, 0), "service_request_id"));
    assert_true(id > 0);
    json_decref(j);
    /* the order the desk sees */
    j = api_get_ok(&srv, t_street, fmt("/api/v1/demands/orders/%lld", id));
    assert_string_equal(jstr(j, "source"), "online");
    assert_string_equal(jstr(j, "state"), "registered");
    assert_string_equal(jstr(j, "reporter_name"), "张小明");
    assert_phone_masked(jstr(j, "phone"));
    json_decref(j);
    assert_int_equal(server_sql_int(&srv, fmt("SELECT grid_id FROM demand_order WHERE id = %lld", id)), grid1);
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM demand_order WHERE id = %lld AND phone_enc"
                                              " LIKE '%%13912345678%%'", id)), 0);
    /* the public read: the spec's fields, no reporter */
    j = pub_ok("GET", fmt("/open311/v2/requests/%lld.json?api_key=%s", id, key1), NULL, 200);
    assert_int_equal(json_array_size(j), 1);
    json_t *r = json_array_get(j, 0);
    assert_int_equal(atoll(jstr(r, "service_request_id")), id);
    assert_string_equal(jstr(r, "status"), "open");
    assert_string_equal(jstr(r, "service_code"), "101");
    assert_string_equal(jstr(r, "service_name"), "垃圾清运");
    assert_string_equal(jstr(r, "description"), "垃圾三天没人清运");
    assert_string_equal(jstr(r, "address"), "牡丹路一号");
    assert_string_equal(jstr(r, "media_url"), "https://example.com/a.jpg");
    const char *at = jstr(r, "requested_datetime");
    assert_int_equal(strlen(at), 25);
    assert_int_equal(at[10], 'T');
    assert_string_equal(at + 19, "+08:00");
    assert_non_null(json_object_get(r, "updated_datetime"));
    assert_true(json_real_value(json_object_get(r, "lat")) > 35.2 && json_real_value(json_object_get(r, "long")) > 115.4);
    char *text = json_dumps(j, 0);
    assert_null(strstr(text, "张"));
    assert_null(strstr(text, "小明"));
    assert_null(strstr(text, "1391"));
    assert_null(strstr(text, "5678"));
    assert_null(strstr(text, "example.com\",\"phone"));
    assert_null(strstr(text, "zhang"));
    assert_null(strstr(text, "reporter"));
    free(text);
    json_decref(j);
    j = pub_ok("GET", fmt("/open311/v2/tokens/%lld.json?api_key=%s", id, key1), NULL, 200);
    assert_int_equal(atoll(jstr(json_array_get(j, 0), "service_request_id")), id);
    assert_non_null(jstr(json_array_get(j, 0), "token"));
    json_decref(j);
    /* audited as the key */
    assert_true(api_total(&srv, t_auditor, "/api/v1/audit?action=open311_request_create") >= 1);
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM audit_log WHERE action = 'open311_request_create'"
                                              " AND entity_id = %lld AND username LIKE 'open311:%%'", id)), 1);
    /* JSON is accepted too */
    json_t *jj = NULL;
    long st = pub("POST", "/open311/v2/requests.json",
                  fmt("{\"api_key\":\"%s\",\"service_code\":\"102\",\"lat\":35.2,\"long\":115.4}", key1),
                  "application/json", &jj);
    assert_int_equal(st, 201);
    long long id2 = atoll(jstr(json_array_get(jj, 0), "service_request_id"));
    json_decref(jj);
    j = api_get_ok(&srv, t_street, fmt("/api/v1/demands/orders/%lld", id2));
    assert_string_equal(jstr(j, "reporter_name"), "匿名");
    assert_int_equal(jint(json_object_get(j, "category"), "id"), 102);
    json_decref(j);
}

static void filing_refusals_in_the_spec_format(void **state)
{
    (void)state;
    long long before = server_sql_int(&srv, "SELECT COUNT(*) FROM demand_order");
    const char *P = "/open311/v2/requests.json";
    expect_o311_error("POST", P, "service_code=101&address_string=x", 403);
    expect_o311_error("POST", P, fmt("api_key=o311_%040d&service_code=101&address_string=x", 7), 403);
    expect_o311_error("POST", P, fmt("api_key=%s&address_string=x", key1), 400);
    expect_o311_error("POST", P, fmt("api_key=%s&service_code=1&address_string=x", key1), 400);
    expect_o311_error("POST", P, fmt("api_key=%s&service_code=abc&address_string=x", key1), 400);
    expect_o311_error("POST", P, fmt("api_key=%s&service_code=101", key1), 400);
    expect_o311_error("POST", P, fmt("api_key=%s&service_code=101&lat=35.2", key1), 400);
    expect_o311_error("POST", P, fmt("api_key=%s&service_code=101&lat=1.0&long=2.0", key1), 400);
    expect_o311_error("POST", P, fmt("api_key=%s&service_code=101&address_string=x&phone=12", key1), 400);
    expect_o311_error("POST", P, fmt("api_key=%s&service_code=101&address_string=x&media_url=ftp://a", key1), 400);
    expect_o311_error("POST", P, fmt("api_key=%s&service_code=101&address_string=x&source=hotline", key1), 403);
    expect_o311_error("POST", P, fmt("api_key=%s&service_code=101&address_string=x&source=patrol", key1), 403);
    expect_o311_error("POST", P, fmt("api_key=%s&service_code=101&address_string=%%zz", key1), 400);
    expect_o311_error("GET", "/open311/v2/requests.json", NULL, 403);
    expect_o311_error("GET", "/open311/v2/requests/1.json", NULL, 403);
    assert_int_equal(server_sql_int(&srv, "SELECT COUNT(*) FROM demand_order"), before);
}

static void revoked_and_rate_limited_keys(void **state)
{
    (void)state;
    char k[64];
    long long kid = new_key(t_admin, street1, grid1, ",\"rate_per_hour\":2,\"sources\":\"online,patrol\"", k);
    file_request(k, 101, "");
    file_request(k, 101, "&source=patrol");
    http_resp r = {0};
    const char *form = fmt("api_key=%s&service_code=101&address_string=x", k);
    assert_int_equal(http(&srv, "POST", "/open311/v2/requests.json", NULL, form, strlen(form),
                          "application/x-www-form-urlencoded", &r), 0);
    assert_int_equal(r.status, 429);
    char ra[16];
    assert_true(resp_header(&r, "Retry-After", ra, sizeof ra));
    assert_int_equal(jint(json_array_get(r.json, 0), "code"), 429);
    http_free(&r);
    /* another key is not counted with it */
    file_request(key1, 101, "");
    json_decref(api_expect(&srv, t_street, "POST", fmt("/api/v1/open311/keys/%lld/revoke", kid), NULL, 403));
    json_t *j = api_expect(&srv, t_admin, "POST", fmt("/api/v1/open311/keys/%lld/revoke", kid), NULL, 200);
    assert_non_null(jstr(j, "revoked_at"));
    json_decref(j);
    json_decref(api_expect(&srv, t_admin, "POST", fmt("/api/v1/open311/keys/%lld/revoke", kid), NULL, 409));
    json_decref(api_expect(&srv, t_admin, "POST", "/api/v1/open311/keys/999999/revoke", NULL, 404));
    expect_o311_error("POST", "/open311/v2/requests.json", fmt("api_key=%s&service_code=101&address_string=x", k), 403);
    expect_o311_error("GET", fmt("/open311/v2/requests.json?api_key=%s", k), NULL, 403);
    assert_true(api_total(&srv, t_auditor, "/api/v1/audit?action=open311_key_revoke") >= 1);
}

/* ---- searching ------------------------------------------------------------------- */

static void search_filters_and_status(void **state)
{
    (void)state;
    long long a = file_request(key1, 201, ""), b = file_request(key1, 202, "");
    /* b through 交办, 签收, 办结: closed */
    json_decref(api_expect(&srv, t_street, "POST", fmt("/api/v1/demands/orders/%lld/actions/assign", b),
                           fmt("{\"unit_id\":%lld}", grid1), 200));
    json_decref(api_expect(&srv, t_street, "POST", fmt("/api/v1/demands/orders/%lld/actions/sign", b), "{}", 200));
    json_decref(api_expect(&srv, t_street, "POST", fmt("/api/v1/demands/orders/%lld/actions/finish", b),
                           "{\"opinion\":\"已修复\",\"solved\":true}", 200));
    /* an order of the desk is no Open311 request */
    json_t *j = api_expect(&srv, t_street, "POST", "/api/v1/demands/orders",
                           fmt("{\"source\":\"walkin\",\"category_id\":201,\"grid_id\":%lld,\"address\":\"某路\","
                               "\"reporter_name\":\"李四\",\"content\":\"路灯不亮\"}", grid1), 201);
    long long desk = jint(j, "id");
    json_decref(j);
    char base[128];
    snprintf(base, sizeof base, "/open311/v2/requests.json?api_key=%s", key1);
    j = pub_ok("GET", base, NULL, 200);
    assert_true(has_request(j, a) && has_request(j, b));
    assert_false(has_request(j, desk));
    json_decref(j);
    expect_o311_error("GET", fmt("/open311/v2/requests/%lld.json?api_key=%s", desk, key1), NULL, 404);
    j = pub_ok("GET", fmt("%s&status=closed", base), NULL, 200);
    assert_true(has_request(j, b) && !has_request(j, a));
    assert_string_equal(jstr(json_array_get(j, 0), "status"), "closed");
    json_decref(j);
    j = pub_ok("GET", fmt("%s&status=open", base), NULL, 200);
    assert_true(has_request(j, a) && !has_request(j, b));
    json_decref(j);
    j = pub_ok("GET", fmt("%s&status=open,closed", base), NULL, 200);
    assert_true(has_request(j, a) && has_request(j, b));
    json_decref(j);
    j = pub_ok("GET", fmt("%s&service_code=201", base), NULL, 200);
    assert_true(has_request(j, a) && !has_request(j, b));
    json_decref(j);
    j = pub_ok("GET", fmt("%s&service_request_id=%lld,%lld&status=open", base, a, b), NULL, 200);
    assert_int_equal(json_array_size(j), 2);   /* ids: the other filters are ignored */
    json_decref(j);
    j = pub_ok("GET", fmt("%s&start_date=2099-01-01T00:00:00%%2B08:00", base), NULL, 200);
    assert_int_equal(json_array_size(j), 0);
    json_decref(j);
    j = pub_ok("GET", fmt("%s&end_date=2000-01-01T00:00:00Z", base), NULL, 200);
    assert_int_equal(json_array_size(j), 0);
    json_decref(j);
    j = pub_ok("GET", fmt("%s&start_date=2000-01-01&end_date=2099-12-31T23:59:59Z", base), NULL, 200);
    assert_true(has_request(j, a) && has_request(j, b));
    json_decref(j);
    expect_o311_error("GET", fmt("%s&start_date=yesterday", base), NULL, 400);
    expect_o311_error("GET", fmt("%s&status=pending", base), NULL, 400);
    expect_o311_error("GET", fmt("%s&service_request_id=x", base), NULL, 400);
    expect_o311_error("GET", fmt("%s&service_request_id=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21", base),
                      NULL, 400);
    j = pub_ok("GET", fmt("%s&service_code=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,201&start_date=2000-01-01"
                          "&end_date=2099-01-01", base), NULL, 200);
    assert_true(has_request(j, a) && !has_request(j, b));
    json_decref(j);
}

/* ---- streets ---------------------------------------------------------------------- */

static void a_key_reads_only_its_street(void **state)
{
    (void)state;
    long long mine = file_request(key1, 101, ""), far = file_request(key2, 101, "");
    assert_int_equal(server_sql_int(&srv, fmt("SELECT grid_id FROM demand_order WHERE id = %lld", far)), grid2);
    expect_o311_error("GET", fmt("/open311/v2/requests/%lld.json?api_key=%s", far, key1), NULL, 404);
    expect_o311_error("GET", fmt("/open311/v2/tokens/%lld.json?api_key=%s", far, key1), NULL, 404);
    expect_o311_error("GET", fmt("/open311/v2/requests/%lld.json?api_key=%s", mine, key2), NULL, 404);
    json_t *j = pub_ok("GET", fmt("/open311/v2/requests.json?api_key=%s&service_request_id=%lld,%lld", key1, mine, far),
                       NULL, 200);
    assert_true(has_request(j, mine) && !has_request(j, far));
    json_decref(j);
    /* the street's staff do not see it either; the admins keep to their streets */
    json_decref(api_expect(&srv, t_street, "GET", fmt("/api/v1/demands/orders/%lld", far), NULL, 404));
    json_decref(api_expect(&srv, t_admin2, "POST", fmt("/api/v1/open311/keys/%lld/revoke", key1_id), NULL, 404));
    j = api_expect(&srv, t_admin2, "POST", "/api/v1/open311/keys",
                   fmt("{\"name\":\"越权\",\"street_id\":%lld,\"grid_id\":%lld}", street1, grid1), 400);
    assert_string_equal(err_field(j), "street_id");
    json_decref(j);
    j = api_get_ok(&srv, t_admin2, "/api/v1/open311/keys");
    json_t *k;
    size_t i;
    json_array_foreach(json_object_get(j, "items"), i, k) assert_true(jint(k, "id") != key1_id);
    json_decref(j);
    (void)grid1b;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(services_from_the_category_tree),
        cmocka_unit_test(keys_by_the_admin_shown_once),
        cmocka_unit_test(a_request_becomes_an_online_work_order),
        cmocka_unit_test(filing_refusals_in_the_spec_format),
        cmocka_unit_test(revoked_and_rate_limited_keys),
        cmocka_unit_test(search_filters_and_status),
        cmocka_unit_test(a_key_reads_only_its_street),
    };
    return cmocka_run_group_tests_name("api_open311", tests, setup, teardown);
}
