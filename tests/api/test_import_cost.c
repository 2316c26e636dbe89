/* test_import_cost.c — what a CSV import asks SQLite for, per row (issue 7:
 * the import within 1.3× of a bulk insert; bench/README.md "The import
 * against its floors"). No timing: the statements the server runs are
 * counted with bench/tools/sqltrace.c preloaded (as test_bench_floor.c
 * does).
 *
 * An import of ROWS rows (ROWS / 2 new households, each with its head
 * first) must run, per row, only its INSERTs and the ID-number probe:
 * - no SAVEPOINT per row (SQLite copied every page a row touched into
 *   a sub-journal for it; what could refuse a row is now asked first);
 * - the next free ids read once per transaction, not MAX(id) per row;
 * - a new household's head set in its INSERT, not by an UPDATE after.
 * Before, each of these ran once per row (or per household). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define ROWS 400
#define GRID_CODE "371702001001-01"

static test_server srv;
static char *t_street;
static char g_trace[64];

static int setup(void **state)
{
    (void)state;
    if (server_start(&srv, 20, NULL) != 0)
        return -1;
    t_street = login(&srv, "jiedao", DEMO_PW);
    return t_street ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(t_street);
    return server_stop(&srv);
}

/* Lines of the trace that start with "SQLTRACE " + prefix. */
static int traced_count(const char *trace, const char *prefix)
{
    char want[512];
    snprintf(want, sizeof want, "SQLTRACE %s", prefix);
    int n = 0;
    for (const char *p = trace; (p = strstr(p, want)) != NULL; p += strlen(want))
        n += p == trace || p[-1] == '\n';
    return n;
}

static void an_import_runs_no_statement_per_row_beyond_its_inserts(void **state)
{
    (void)state;
    size_t cap = ROWS * 160 + 256, n = 0;
    char *csv = malloc(cap);
    assert_non_null(csv);
    n += (size_t)snprintf(csv + n, cap - n, "姓名,身份证号,与户主关系,网格编码,户编号,地址\n");
    for (int i = 0; i < ROWS; i++)
        n += (size_t)snprintf(csv + n, cap - n, "成本%s,%s,%s," GRID_CODE ",COST-%04d,菏泽市牡丹区成本路%d号\n", cn_number((unsigned)i),
                              fresh_id("110105"), i % 2 ? "配偶" : "户主", i / 2, i / 2);
    assert_int_equal(truncate(g_trace, 0), 0);
    http_resp r;
    assert_int_equal(http(&srv, "POST", "/api/v1/import/residents", t_street, csv, n, "text/csv", &r), 0);
    free(csv);
    assert_int_equal(r.status, 200);
    assert_int_equal(jint(r.json, "imported"), ROWS);
    http_free(&r);

    char *trace = read_whole_file(g_trace, NULL);
    assert_non_null(trace);
    int inserts = traced_count(trace, "INSERT INTO resident("), savepoints = traced_count(trace, "SAVEPOINT"),
        max_ids = traced_count(trace, "SELECT COALESCE(MAX(id), 0) + 1 FROM resident"),
        heads = traced_count(trace, "UPDATE household SET head_resident_id");
    print_message("import of %d rows: %d resident INSERTs, %d SAVEPOINTs, %d next-id queries, %d head UPDATEs\n",
                  ROWS, inserts, savepoints, max_ids, heads);
    free(trace);
    assert_int_equal(inserts, ROWS);
    assert_int_equal(savepoints, 0);
    assert_true(max_ids >= 1 && max_ids <= ROWS / 20);   /* once per transaction */
    assert_int_equal(heads, 0);
}

int main(void)
{
    if (skip_on_pg("sqltrace.so counts the statements SQLite runs (none are seen on PostgreSQL)"))
        return 0;
    preload_sqltrace(g_trace);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_import_runs_no_statement_per_row_beyond_its_inserts),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    unlink(g_trace);
    return rc;
}
