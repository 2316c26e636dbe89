/* test_pg_smoke.c — the server end to end on PostgreSQL: a throwaway
 * cluster (tests/unit/pg_temp.h, or the database MINSHENG_TEST_PG_URI
 * names), `demo --households 50` into it and `serve` on it (harness
 * server_start_db, key file in the temp dir); then sign-in, resident and
 * household lists (totals, paging by cursor), a resident's detail, the
 * statistics, a household and a resident created (the audit log shows
 * both writes, the maintained counts moved), a grid worker denied a
 * resident of another grid, a CSV import; and the commands' PostgreSQL
 * rules (a key file must be named, backup runs pg_dump, the seal
 * file sits beside the key file); and the demo district (`demo --streets
 * 2`) in a second database of the cluster, served: district staff see
 * both streets, each street's staff only its own. The first step of
 * running the API suite on both engines (docs/postgresql.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "unit/pg_temp.h"

#define STREET_CODE "371702001"
#define GRID_OWN "371702001001-01"    /* wangge0101's grid */
#define GRID_OTHER "371702001001-02"  /* another grid of the same community */

static test_server srv;
static char *t_street, *t_grid, *t_auditor;
static long long grid_own, grid_other;

#define get_ok(tok, path) api_get_ok(&srv, tok, path)
#define total_of(tok, path) api_total(&srv, tok, path)

/* The maintained count of `what` ("residents", "households") for a unit,
 * read from the database behind the server's back. */
static long long maintained(long long unit, const char *what)
{
    char err[256];
    db_conn *db = db_open(srv.db, err, sizeof err);
    assert_non_null(db);
    long long n = db_one_int(db, -1, "SELECT n FROM registry_count WHERE unit_id = ? AND what = ?",
                                  DB_INT(unit), DB_TEXT(what));
    db_close(db);
    return n;
}

static int setup(void **state)
{
    /* On the suite's PostgreSQL run server_start makes a database of its
     * own in the run's cluster; otherwise a throwaway cluster. */
    if (!test_engine_pg() && start_cluster(state) != 0)
        return -1;
    if (server_start_db(&srv, test_engine_pg() ? NULL : uri, 50, NULL) != 0) {
        stop_cluster(state);
        return -1;
    }
    if (test_engine_pg())   /* district_demo makes a sibling database beside it */
        snprintf(uri, sizeof uri, "%.255s", srv.db);
    t_street = login(&srv, "jiedao", DEMO_PW);
    t_grid = login(&srv, "wangge0101", DEMO_PW);
    t_auditor = login(&srv, "auditor", DEMO_PW);
    if (!t_street || !t_grid || !t_auditor)
        return -1;
    grid_own = org_id_by_code(&srv, t_street, GRID_OWN);
    grid_other = org_id_by_code(&srv, t_street, GRID_OTHER);
    return grid_own > 0 && grid_other > 0 ? 0 : -1;
}

static int teardown(void **state)
{
    free(t_street);
    free(t_grid);
    free(t_auditor);
    int rc = server_stop(&srv);
    return stop_cluster(state) | rc;
}

/* The street sees every resident and household of the demo, a page at a
 * time: the second page by cursor holds other rows than the first. */
static void lists_page_by_cursor(void **state)
{
    long long hh = total_of(t_street, "/api/v1/households?page_size=20");
    long long res = total_of(t_street, "/api/v1/residents?page_size=20");
    assert_true(hh >= 50);   /* 50 from demo, maybe more from the tests below */
    assert_true(res > hh);   /* a household has one member or more */

    json_t *p1 = get_ok(t_street, "/api/v1/residents?page_size=20");
    assert_int_equal(jint(p1, "total"), res);
    json_t *items1 = json_object_get(p1, "items");
    assert_int_equal(json_array_size(items1), 20);
    const char *next = jstr(p1, "next_cursor");
    assert_non_null(next);
    json_t *p2 = get_ok(t_street, fmt("/api/v1/residents?page_size=20&cursor=%s", urlenc(next)));
    json_t *items2 = json_object_get(p2, "items");
    assert_true(json_array_size(items2) > 0);
    size_t i, k;
    json_t *a, *b;
    json_array_foreach(items2, i, b) {
        json_array_foreach(items1, k, a) {
            assert_true(jint(a, "id") != jint(b, "id"));
        }
    }
    /* A resident's detail as the list shows it. */
    json_t *first = json_array_get(items1, 0);
    json_t *one = get_ok(t_street, fmt("/api/v1/residents/%lld", jint(first, "id")));
    assert_string_equal(jstr(one, "name"), jstr(first, "name"));
    assert_true(jint(one, "household_id") > 0);
    assert_masked_shape(jstr(one, "id_number"));
    json_decref(one);
    json_decref(p1);
    json_decref(p2);

    json_t *h = get_ok(t_street, "/api/v1/households?page_size=20");
    assert_int_equal(jint(h, "total"), hh);
    assert_int_equal(json_array_size(json_object_get(h, "items")), 20);
    assert_non_null(jstr(h, "next_cursor"));
    json_decref(h);

    /* The grid worker sees their own grid only. */
    long long own = total_of(t_grid, "/api/v1/residents?page_size=20");
    assert_int_equal(own, total_of(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=20", grid_own)));
    assert_true(own < res);
}

/* The statistics agree with the lists. */
static void statistics(void **state)
{
    long long res = total_of(t_street, "/api/v1/residents?page_size=20");
    json_t *st = get_ok(t_street, "/api/v1/stats/tags");
    assert_int_equal(jint(st, "total_residents"), res);
    json_t *tags = json_object_get(st, "tags");
    assert_true(json_array_size(tags) > 0);
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t) {
        assert_int_equal(jint(t, "count"), total_of(t_street, fmt("/api/v1/residents?tag=%s&page_size=20", jstr(t, "code"))));
    }
    json_decref(st);

    json_t *ou = get_ok(t_street, "/api/v1/stats/org-units");
    long long sum = 0;
    json_t *it;
    json_array_foreach(json_object_get(ou, "items"), i, it) sum += jint(it, "residents");
    assert_int_equal(sum, res);
    assert_true(json_array_size(json_object_get(ou, "items")) > 1);
    json_decref(ou);
}

/* A household and a resident written through the API: the audit log
 * shows both, the counts moved, and a grid worker of another grid gets
 * 404 for the resident. */
static void writes_audit_and_scope(void **state)
{
    long long res_before = total_of(t_street, "/api/v1/residents?page_size=20");
    long long grid_before = maintained(grid_other, "residents");
    long long grid_hh_before = maintained(grid_other, "households");
    assert_true(grid_before >= 0 && grid_hh_before >= 0);

    json_t *h = api_expect(&srv, t_street, "POST", "/api/v1/households",
                           fmt("{\"code\":\"PG-SMOKE-1\",\"grid_id\":%lld,\"address\":\"菏泽市牡丹区测试路1号\"}", grid_other),
                           201);
    long long hid = jint(h, "id");
    json_decref(h);
    char idn[19];
    snprintf(idn, sizeof idn, "%s", fresh_id("110105"));
    json_t *r = api_expect(&srv, t_street, "POST", "/api/v1/residents",
                           fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"冒烟测试\"}", hid, idn), 201);
    long long rid = jint(r, "id");
    assert_string_equal(jstr(r, "name"), "冒烟测试");
    json_decref(r);

    assert_int_equal(total_of(t_street, "/api/v1/residents?page_size=20"), res_before + 1);
    assert_int_equal(maintained(grid_other, "residents"), grid_before + 1);
    assert_int_equal(maintained(grid_other, "households"), grid_hh_before + 1);

    json_t *log = get_ok(t_auditor, "/api/v1/audit?action=create&sort=-id&page_size=2");
    json_t *rows = json_object_get(log, "items");
    assert_int_equal(json_array_size(rows), 2);
    json_t *w1 = json_array_get(rows, 0), *w2 = json_array_get(rows, 1);
    assert_string_equal(jstr(w1, "entity"), "resident");
    assert_int_equal(jint(w1, "entity_id"), rid);
    assert_string_equal(jstr(w1, "username"), "jiedao");
    assert_string_equal(jstr(w2, "entity"), "household");
    assert_int_equal(jint(w2, "entity_id"), hid);
    json_decref(log);

    json_t *one = get_ok(t_street, fmt("/api/v1/residents/%lld", rid));
    assert_string_equal(jstr(one, "name"), "冒烟测试");
    json_decref(one);
    json_t *denied = api_expect(&srv, t_grid, "GET", fmt("/api/v1/residents/%lld", rid), NULL, 404);
    assert_string_equal(err_code(denied), "not_found");
    json_decref(denied);
}

/* A small CSV import (one new household of two). */
static void csv_import(void **state)
{
    char id1[19], id2[19], csv[1024];
    snprintf(id1, sizeof id1, "%s", fresh_id("110105"));
    snprintf(id2, sizeof id2, "%s", fresh_id("110105"));
    snprintf(csv, sizeof csv,
             "姓名,身份证号,与户主关系,网格编码,户编号,地址,标签\n"
             "导入甲,%s,户主," GRID_OWN ",PG-IMP-1,菏泽市牡丹区导入路1号,低保\n"
             "导入乙,%s,配偶," GRID_OWN ",PG-IMP-1,,\n",
             id1, id2);
    long long before = total_of(t_grid, "/api/v1/residents?page_size=20");
    http_resp r;
    assert_int_equal(http(&srv, "POST", "/api/v1/import/residents", t_street, csv, strlen(csv), "text/csv", &r), 0);
    if (r.status != 200)
        print_error("import: %ld %.300s\n", r.status, r.body);
    assert_int_equal(r.status, 200);
    assert_non_null(r.json);
    assert_int_equal(jint(r.json, "imported"), 2);
    assert_int_equal(jint(r.json, "households_created"), 1);
    assert_int_equal(json_array_size(json_object_get(r.json, "errors")), 0);
    http_free(&r);
    assert_int_equal(total_of(t_grid, "/api/v1/residents?page_size=20"), before + 2);
    json_t *found = get_ok(t_grid, fmt("/api/v1/residents?name=%s&page_size=20", urlenc("导入甲")));
    assert_int_equal(jint(found, "total"), 1);
    json_decref(found);
}

/* The commands on PostgreSQL: without a named key file they stop with
 * exit code 2; check counts and export run; backup runs pg_dump;
 * the audit seal file defaults to the key file's name. */
static void commands(void **state)
{
    char out[400];
    snprintf(out, sizeof out, "%s/cli.out", srv.dir);
    test_server nokey = srv;
    nokey.key_file[0] = '\0';
    unsetenv("MINSHENG_KEY_FILE");
    const char *counts[] = {"check", "counts", NULL};
    assert_int_equal(run_cli(&nokey, counts, out, NULL), 2);
    char *msg = read_whole_file(out, NULL);
    assert_non_null(msg);
    assert_non_null(strstr(msg, "MINSHENG_KEY_FILE"));
    free(msg);

    assert_int_equal(run_cli(&srv, counts, out, NULL), 0);
    const char *exp[] = {"export", "residents", "--out", fmt("%s/r.csv", srv.dir), NULL};
    assert_int_equal(run_cli(&srv, exp, out, NULL), 0);
    size_t len = 0;
    char *csv = read_whole_file(fmt("%s/r.csv", srv.dir), &len);
    assert_non_null(csv);
    assert_non_null(strstr(csv, "导入甲"));   /* written by csv_import */
    free(csv);

    const char *backup[] = {"backup", fmt("%s/b.dump", srv.dir), NULL};
    assert_int_equal(run_cli(&srv, backup, out, NULL), 0);   /* pg_dump: test_pg_backup */
    msg = read_whole_file(out, NULL);
    assert_non_null(strstr(msg, "pg_dump 自定义格式归档"));
    free(msg);

    const char *checkpoint[] = {"audit", "checkpoint", NULL};
    assert_int_equal(run_cli(&srv, checkpoint, out, NULL), 0);
    msg = read_whole_file(fmt("%s/test.audit-seal", srv.dir), NULL);
    assert_non_null(msg);
    assert_non_null(strstr(msg, "minsheng-audit-seal v1"));
    free(msg);
}

/* `demo --streets 2` into a second database of the cluster, served. */
static void district_demo(void **state)
{
    char err[256], out[400], uri2[300];
    db_conn *db = db_open(uri, err, sizeof err);
    assert_non_null(db);
    assert_int_equal(db_exec(db, "DROP DATABASE IF EXISTS minsheng_district"), DB_DONE);
    assert_int_equal(db_exec(db, "CREATE DATABASE minsheng_district TEMPLATE template0 ENCODING 'UTF8'"
                                 " LC_COLLATE 'C' LC_CTYPE 'C'"), DB_DONE);
    db_close(db);
    const char *slash = strrchr(uri, '/');
    assert_non_null(slash);
    snprintf(uri2, sizeof uri2, "%.*s/minsheng_district", (int)(slash - uri), uri);
    test_server d = srv;
    d.pid = 0;
    snprintf(d.db, sizeof d.db, "%s", uri2);
    snprintf(d.log, sizeof d.log, "%s/district.log", srv.dir);
    snprintf(out, sizeof out, "%s/district.out", srv.dir);
    const char *demo[] = {"demo", "--streets", "2", "--households", "40", "--seed", "7", NULL};
    assert_int_equal(run_cli(&d, demo, out, NULL), 0);
    char *msg = read_whole_file(out, NULL);
    assert_non_null(msg);
    const char *names[] = {"qu ", "jiedao01", "jiedao02", "shequ0201", "wangge020101", "演示区已建立: 2 个街道"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strstr(msg, names[i]))
            fail_msg("demo --streets 2 printed no %s:\n%s", names[i], msg);
    free(msg);
    assert_int_equal(server_launch(&d, NULL), 0);
    char *qu = login(&d, "qu", DEMO_PW), *s1 = login(&d, "jiedao01", DEMO_PW), *s2 = login(&d, "jiedao02", DEMO_PW);
    assert_non_null(qu);
    assert_non_null(s1);
    assert_non_null(s2);
    json_t *st = api_get_ok(&d, qu, "/api/v1/stats/org-units");
    json_t *items = json_object_get(st, "items");
    assert_int_equal(json_array_size(items), 2);
    assert_string_equal(jstr(json_array_get(items, 0), "code"), "371702001");
    assert_string_equal(jstr(json_array_get(items, 1), "code"), "371702002");
    long long r1 = jint(json_array_get(items, 0), "residents"), r2 = jint(json_array_get(items, 1), "residents");
    long long street2 = jint(json_array_get(items, 1), "id");
    json_decref(st);
    assert_true(r1 > 0 && r2 > 0);
    assert_int_equal(api_total(&d, qu, "/api/v1/residents"), r1 + r2);
    assert_int_equal(api_total(&d, s1, "/api/v1/residents"), r1);
    assert_int_equal(api_total(&d, s2, "/api/v1/residents"), r2);
    assert_int_equal(api_total(&d, s1, "/api/v1/residents?status=all&name=%E7%8E%8B"),
                     api_total(&d, qu, fmt("/api/v1/residents?org_unit_id=%lld&status=all&name=%%E7%%8E%%8B",
                                           org_id_by_code(&d, qu, "371702001"))));
    /* street 2's first page, and its second by cursor: its own rows */
    json_t *p = api_get_ok(&d, s2, "/api/v1/residents?page_size=20");
    json_t *first = json_array_get(json_object_get(p, "items"), 0);
    long long far_resident = jint(first, "id");
    const char *cursor = jstr(p, "next_cursor");
    assert_non_null(cursor);
    json_t *p2 = api_get_ok(&d, s2, fmt("/api/v1/residents?page_size=20&cursor=%s", urlenc(cursor)));
    assert_int_not_equal(jint(json_array_get(json_object_get(p2, "items"), 0), "id"), far_resident);
    json_decref(p);
    json_decref(p2);
    /* street 2's households a page at a time (its grids merged in one
     * statement on PostgreSQL), both directions: the district's list of
     * all households, street 2's codes only, in the same order */
    for (int desc = 0; desc < 2; desc++) {
        json_t *all = api_get_ok(&d, qu, fmt("/api/v1/households?page_size=100&sort=%scode", desc ? "-" : ""));
        char want[4096] = "", got[4096] = "";
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(all, "items"), i, it)
            if (strncmp(jstr(it, "code"), "371702002", 9) == 0)
                snprintf(want + strlen(want), sizeof want - strlen(want), "%s,", jstr(it, "code"));
        json_decref(all);
        char cur[512] = "";
        for (int pages = 0; pages < 20; pages++) {
            json_t *pg = api_get_ok(&d, s2, fmt("/api/v1/households?page_size=20&sort=%scode%s%s", desc ? "-" : "",
                                                cur[0] ? "&cursor=" : "", cur[0] ? urlenc(cur) : ""));
            json_array_foreach(json_object_get(pg, "items"), i, it)
                snprintf(got + strlen(got), sizeof got - strlen(got), "%s,", jstr(it, "code"));
            const char *next = jstr(pg, "next_cursor");
            snprintf(cur, sizeof cur, "%s", next ? next : "");
            json_decref(pg);
            if (!cur[0])
                break;
        }
        assert_true(strlen(want) > 0);
        assert_string_equal(got, want);
    }
    assert_int_equal(api_total(&d, s2, "/api/v1/households?q=371702002"), 40);
    assert_int_equal(api_total(&d, s1, "/api/v1/households?q=371702002"), 0);
    json_decref(api_expect(&d, s1, "GET", fmt("/api/v1/residents/%lld", far_resident), NULL, 404));
    json_decref(api_expect(&d, s1, "GET", fmt("/api/v1/households?org_unit_id=%lld", street2), NULL, 404));
    json_decref(api_expect(&d, qu, "GET", fmt("/api/v1/residents/%lld", far_resident), NULL, 200));
    free(qu);
    free(s1);
    free(s2);
    const char *counts[] = {"check", "counts", NULL};
    assert_int_equal(run_cli(&d, counts, out, NULL), 0);
    assert_int_equal(server_halt(&d), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lists_page_by_cursor),
        cmocka_unit_test(statistics),
        cmocka_unit_test(writes_audit_and_scope),
        cmocka_unit_test(csv_import),
        cmocka_unit_test(commands),
        cmocka_unit_test(district_demo),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
