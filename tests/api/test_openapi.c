/* test_openapi.c — the API description and the routes agree: the
 * OpenAPI document the real server serves at /api/v1/openapi.json has
 * every route of every module's table (app_route_tables), with its
 * method, and documents nothing that is not routed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "app/app.h"
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

/* "/api/v1/residents/{id}" → "/residents/{id}" (paths are relative to
 * the document's server URL). */
static const char *doc_path(const json_t *doc, const char *pattern)
{
    const char *base = json_string_value(json_object_get(json_array_get(json_object_get(doc, "servers"), 0), "url"));
    size_t n = base ? strlen(base) : 0;
    return n && strncmp(pattern, base, n) == 0 ? pattern + n : pattern;
}

static json_t *load_doc(void)
{
    json_t *doc = NULL;
    assert_int_equal(api_get(&srv, NULL, "/api/v1/openapi.json", &doc), 200);
    assert_non_null(json_object_get(doc, "paths"));
    return doc;
}

static void every_route_is_documented(void **state)
{
    (void)state;
    json_t *doc = load_doc(), *paths = json_object_get(doc, "paths");
    int routes = 0, missing = 0;
    for (const route *const *t = app_route_tables; *t; t++) {
        for (const route *r = *t; r->method; r++) {
            char method[16];
            snprintf(method, sizeof method, "%s", r->method);
            for (char *p = method; *p; p++)
                *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
            routes++;
            if (!json_object_get(json_object_get(paths, doc_path(doc, r->pattern)), method)) {
                fprintf(stderr, "not documented: %s %s\n", r->method, r->pattern);
                missing++;
            }
        }
    }
    assert_true(routes > 20);
    assert_int_equal(missing, 0);
    json_decref(doc);
}

static int is_routed(const json_t *doc, const char *path, const char *method)
{
    for (const route *const *t = app_route_tables; *t; t++)
        for (const route *r = *t; r->method; r++)
            if (strcasecmp(r->method, method) == 0 && strcmp(doc_path(doc, r->pattern), path) == 0)
                return 1;
    return 0;
}

static void nothing_documented_is_unrouted(void **state)
{
    (void)state;
    static const char *const METHODS[] = {"get", "post", "put", "patch", "delete", "head", "options", NULL};
    json_t *doc = load_doc(), *paths = json_object_get(doc, "paths"), *ops;
    const char *path;
    int extra = 0;
    json_object_foreach(paths, path, ops) {
        for (size_t i = 0; METHODS[i]; i++) {
            if (json_object_get(ops, METHODS[i]) && !is_routed(doc, path, METHODS[i])) {
                fprintf(stderr, "documented but not routed: %s %s\n", METHODS[i], path);
                extra++;
            }
        }
    }
    assert_int_equal(extra, 0);
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_route_is_documented),
        cmocka_unit_test(nothing_documented_is_unrouted),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
