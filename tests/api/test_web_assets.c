/* test_web_assets.c — the web application as the server sends it
 * (server/static.c) and the permissions its menu is built from
 * (app/permissions_api.c): index.html for every page address and never
 * cached, hashed assets cached for a year and sent gzip-compressed to
 * browsers that accept it, the same bytes uncompressed to those that do
 * not, nothing outside the build, no inline script; GET
 * /api/v1/auth/permissions lists exactly the routes the role may call. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static test_server srv;

static int setup(void **state)
{
    (void)state;
    return server_start(&srv, 20, NULL);
}

static int teardown(void **state)
{
    (void)state;
    return server_stop(&srv) == 0 ? 0 : -1;
}

static int get(const char *path, const char *accept_encoding, http_resp *r)
{
    char h[64];
    const char *headers[] = {h, NULL};
    snprintf(h, sizeof h, "Accept-Encoding: %s", accept_encoding ? accept_encoding : "identity");
    return http_h(&srv, "GET", path, NULL, NULL, 0, NULL, headers, r);
}

static const char *header_of(const http_resp *r, const char *name)
{
    static char v[256];
    return resp_header(r, name, v, sizeof v) ? v : NULL;
}

/* The entry script's address in index.html ("/assets/index-….js"). */
static void entry_script(const char *html, char *out, size_t outsz)
{
    const char *p = strstr(html, "src=\"/assets/");
    assert_non_null(p);
    p += 5;
    size_t n = strcspn(p, "\"");
    assert_true(n < outsz);
    memcpy(out, p, n);
    out[n] = '\0';
}

static void page_addresses_get_index_html_uncached(void **state)
{
    (void)state;
    static const char *const pages[] = {"/", "/index.html", "/login", "/residents", "/residents/12", "/org", NULL};
    http_resp first;
    assert_int_equal(get("/", NULL, &first), 0);
    for (size_t i = 0; pages[i]; i++) {
        http_resp r;
        assert_int_equal(get(pages[i], NULL, &r), 0);
        assert_int_equal(r.status, 200);
        assert_non_null(strstr(r.content_type, "text/html"));
        assert_string_equal(header_of(&r, "Cache-Control"), "no-cache");
        assert_int_equal(r.len, first.len);
        assert_memory_equal(r.body, first.body, r.len);
        http_free(&r);
    }
    /* The page loads only its own files: no inline script, no other origin. */
    assert_non_null(strstr(first.body, "<script type=\"module\""));
    assert_null(strstr(first.body, "<script>"));
    assert_null(strstr(first.body, "http://"));
    assert_null(strstr(first.body, "https://"));
    const char *csp = header_of(&first, "Content-Security-Policy");
    assert_non_null(csp);
    assert_non_null(strstr(csp, "default-src 'self'"));
    assert_null(strstr(csp, "unsafe-inline"));
    http_free(&first);
}

static void assets_are_cached_and_sent_gzip_when_accepted(void **state)
{
    (void)state;
    http_resp html, plain, gz, q0;
    char js[256];
    assert_int_equal(get("/", NULL, &html), 0);
    entry_script(html.body, js, sizeof js);
    http_free(&html);

    assert_int_equal(get(js, NULL, &plain), 0);
    assert_int_equal(plain.status, 200);
    assert_non_null(strstr(plain.content_type, "text/javascript"));
    assert_string_equal(header_of(&plain, "Cache-Control"), "public, max-age=31536000, immutable");
    assert_string_equal(header_of(&plain, "Vary"), "Accept-Encoding");
    assert_null(header_of(&plain, "Content-Encoding"));
    assert_true(plain.len > 2 && !((unsigned char)plain.body[0] == 0x1f && (unsigned char)plain.body[1] == 0x8b));

    assert_int_equal(get(js, "gzip, deflate, br", &gz), 0);
    assert_int_equal(gz.status, 200);
    assert_string_equal(header_of(&gz, "Content-Encoding"), "gzip");
    assert_true((unsigned char)gz.body[0] == 0x1f && (unsigned char)gz.body[1] == 0x8b);
    assert_true(gz.len * 2 < plain.len);

    /* gzip;q=0 means "not gzip". */
    assert_int_equal(get(js, "gzip;q=0, identity", &q0), 0);
    assert_null(header_of(&q0, "Content-Encoding"));
    assert_int_equal(q0.len, plain.len);
    http_free(&plain);
    http_free(&gz);
    http_free(&q0);
}

static void nothing_outside_the_build_is_served(void **state)
{
    (void)state;
    static const char *const absent[] = {"/assets/nope.js", "/assets/index.html", "/package.json",
                                         "/src/main.js", "/openapi.json", "/assets/", "/x.php", NULL};
    for (size_t i = 0; absent[i]; i++) {
        http_resp r;
        assert_int_equal(get(absent[i], "gzip", &r), 0);
        if (r.status != 404)
            fprintf(stderr, "%s answered %ld\n", absent[i], r.status);
        assert_int_equal(r.status, 404);
        assert_non_null(strstr(r.content_type, "application/json"));
        http_free(&r);
    }
    /* An API address is never the page, even one that does not exist. */
    http_resp r;
    assert_int_equal(get("/api/v1/no-such-thing", NULL, &r), 0);
    assert_int_equal(r.status, 404);
    assert_non_null(strstr(r.content_type, "application/json"));
    http_free(&r);
}

static int has_route(json_t *p, const char *route)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(p, "routes"), i, v)
        if (strcmp(json_string_value(v), route) == 0)
            return 1;
    return 0;
}

static void permissions_follow_the_route_tables(void **state)
{
    (void)state;
    assert_int_equal(api_get(&srv, NULL, "/api/v1/auth/permissions", NULL), 401);
    char *street = login(&srv, "jiedao", DEMO_PW), *auditor = login(&srv, "auditor", DEMO_PW), *admin = login(&srv, "admin", DEMO_PW);
    json_t *p = api_get_ok(&srv, street, "/api/v1/auth/permissions");
    assert_string_equal(jstr(p, "role"), "street");
    assert_true(has_route(p, "GET /api/v1/residents"));
    assert_true(has_route(p, "POST /api/v1/residents"));
    assert_false(has_route(p, "GET /api/v1/audit"));
    assert_false(has_route(p, "GET /api/v1/users"));
    assert_false(has_route(p, "POST /api/v1/auth/login"));   /* open routes are not listed */
    json_decref(p);
    p = api_get_ok(&srv, auditor, "/api/v1/auth/permissions");
    assert_true(has_route(p, "GET /api/v1/audit"));
    assert_false(has_route(p, "GET /api/v1/residents"));
    /* Each listed route really answers the auditor (not 403). */
    assert_int_equal(api_get(&srv, auditor, "/api/v1/audit", NULL), 200);
    assert_int_equal(api_get(&srv, auditor, "/api/v1/residents", NULL), 403);
    json_decref(p);
    p = api_get_ok(&srv, admin, "/api/v1/auth/permissions");
    assert_true(has_route(p, "POST /api/v1/users"));
    assert_false(has_route(p, "GET /api/v1/residents"));
    assert_false(has_route(p, "GET /api/v1/audit"));
    json_decref(p);
    free(street);
    free(auditor);
    free(admin);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(page_addresses_get_index_html_uncached),
        cmocka_unit_test(assets_are_cached_and_sent_gzip_when_accepted),
        cmocka_unit_test(nothing_outside_the_build_is_served),
        cmocka_unit_test(permissions_follow_the_route_tables),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
