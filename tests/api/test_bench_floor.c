/* test_bench_floor.c — the SQLite floor of bench/compare.sh measures
 * what the server runs: for every endpoint of bench/tools/floor_sql.h,
 * the server (with bench/tools/sqltrace.c preloaded, logging the SQL of
 * each statement it starts) must run each of the floor's statements,
 * word for word up to white space, when it answers that endpoint's
 * request as street staff. A change to an endpoint's SQL fails here
 * until floor_sql.h is updated, so the benchmark's "ratio to the SQL
 * floor" never compares the server with a query it no longer runs. */
#include "harness.h"
#include "../../bench/tools/floor_sql.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char g_trace[64];

/* SQL with every run of white space made one space, none just inside
 * parentheses, none at the ends (malloc'd). */
static char *normalized(const char *sql)
{
    size_t n = strlen(sql);
    char *out = malloc(n + 1), *o = out;
    assert_non_null(out);
    int space = 0;
    for (const char *p = sql; *p; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
            space = 1;
            continue;
        }
        if (space && o > out && o[-1] != '(' && *p != ')')
            *o++ = ' ';
        space = 0;
        *o++ = *p;
    }
    *o = '\0';
    return out;
}

/* 1 when the trace holds a line "SQLTRACE <sql>" equal to sql (both normalized). */
static int traced(const char *trace, const char *sql)
{
    char *want = normalized(sql);
    int found = 0;
    const char *line = trace;
    while (!found && line && *line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len > 9 && strncmp(line, "SQLTRACE ", 9) == 0) {
            char *l = strndup(line + 9, len - 9);
            char *got = normalized(l);
            found = strcmp(got, want) == 0;
            free(got);
            free(l);
        }
        line = end ? end + 1 : NULL;
    }
    free(want);
    return found;
}

/* path with {grid} and {resident} filled in. */
static const char *request_path(const char *pattern, long long grid, long long res_id)
{
    static char out[256];
    char *o = out;
    for (const char *p = pattern; *p && o < out + sizeof out - 24;) {
        if (strncmp(p, "{grid}", 6) == 0) {
            o += sprintf(o, "%lld", grid);
            p += 6;
        } else if (strncmp(p, "{resident}", 10) == 0) {
            o += sprintf(o, "%lld", res_id);
            p += 10;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return out;
}

static void floor_statements_are_the_servers(void **state)
{
    (void)state;
    test_server s;
    assert_int_equal(server_start(&s, 40, NULL), 0);
    char *tok = login(&s, "jiedao", DEMO_PW);
    assert_non_null(tok);
    long long grid = org_id_by_code(&s, tok, "371702001001-01");
    assert_true(grid > 0);
    json_t *page = api_get_ok(&s, tok, fmt("/api/v1/residents?org_unit_id=%lld&page_size=20", grid));
    long long res_id = jint(json_array_get(json_object_get(page, "items"), 0), "id");
    json_decref(page);
    assert_true(res_id > 0);

    int stale = 0;
    for (size_t e = 0; e < FLOOR_NENDPOINTS; e++) {
        const floor_endpoint *ep = &FLOOR_ENDPOINTS[e];
        assert_int_equal(truncate(g_trace, 0), 0);
        json_t *j = api_get_ok(&s, tok, request_path(ep->path, grid, res_id));
        json_decref(j);
        char *trace = read_whole_file(g_trace, NULL);
        assert_non_null(trace);
        for (size_t i = 0; i < FLOOR_MAX_STMTS && ep->stmts[i].sql; i++) {
            if (traced(trace, ep->stmts[i].sql))
                continue;
            if (!stale++)
                fprintf(stderr, "bench/tools/floor_sql.h is out of date (update it from the trace below)\n");
            fprintf(stderr, "endpoint %s (GET %s): the server did not run\n  %s\nit ran:\n%s\n", ep->name, ep->path,
                    ep->stmts[i].sql, trace);
        }
        free(trace);
    }
    free(tok);
    assert_int_equal(server_stop(&s), 0);
    assert_int_equal(stale, 0);
}

/* A statement the server does not run is found missing: the check is
 * not vacuous. */
static void a_statement_the_server_does_not_run_is_missing(void **state)
{
    (void)state;
    const char *trace = "SQLTRACE SELECT COUNT(*) FROM resident r WHERE ( r.grid_id = ?\n"
                        "SQLTRACE SELECT 1\n";
    assert_true(traced(trace, "SELECT COUNT(*)  FROM resident r WHERE (r.grid_id = ?"));
    assert_false(traced(trace, "SELECT COUNT(*) FROM resident r WHERE r.grid_id = ?"));
    assert_false(traced(trace, "SELECT 2"));
}

int main(void)
{
    if (skip_on_pg("sqltrace.so logs the statements SQLite runs, and the floor of bench/compare.sh is SQLite's"))
        return 0;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    preload_sqltrace(g_trace);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_statement_the_server_does_not_run_is_missing),
        cmocka_unit_test(floor_statements_are_the_servers),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    unlink(g_trace);
    return rc;
}
