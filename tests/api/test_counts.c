/* test_counts.c — the maintained counts (registry_count, migration 0009)
 * follow every write path: after the demo street, resident create, tag
 * changes, status changes, moves of residents and households, a
 * household's building change and closing, CSV imports (all and valid
 * modes, a failed import, `import --undo` of a committed one), each step
 * is followed by `minsheng check` (a recount of everything from scratch,
 * exit 0 only when no count drifts) and by the statistics and the org
 * tree agreeing with the lists for the units touched. Last, a count
 * broken by hand is reported (exit 1) and repaired by `check --fix`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_fixture.h"
#include "storage/db.h"

#define BLD_A2_CODE "371702001001-01-B02"

static const char *const TAGS[] = {"dibao", "disabled", "veteran", "elderly", "living_alone", NULL};

/* Runs `minsheng check [extra]`; returns its exit status, output in *out
 * (malloc'd) when out is non-NULL. */
static int run_check(const char *extra, char **out)
{
    const char *args[] = {"check", extra, NULL};
    const char *path = fmt("%s/check.out", srv.dir);
    int rc = run_cli(&srv, args, path, NULL);
    char *text = read_whole_file(path, NULL);
    if (out)
        *out = text;
    else
        free(text);
    return rc;
}

/* Unit `id` (a child of `parent`): its statistics, its org-tree node and
 * its lists give the same numbers. */
static void unit_agrees(const char *step, long long parent, long long id)
{
    long long res = total_of(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=20", id));
    long long hh = total_of(t_street, fmt("/api/v1/households?org_unit_id=%lld&page_size=20", id));
    json_t *st = get_ok(t_street, fmt("/api/v1/stats/tags?org_unit_id=%lld", id));
    json_t *ch = item_with_id(t_street, fmt("/api/v1/stats/org-units?parent_id=%lld", parent), id);
    json_t *node = child_unit(t_street, parent, id);
    if (jint(st, "total_residents") != res || jint(ch, "residents") != res || jint(ch, "households") != hh ||
        jint(node, "resident_count") != res || jint(node, "household_count") != hh)
        print_error("%s: unit %lld: list %lld residents %lld households; stats/tags %lld; stats/org-units %lld/%lld;"
                    " org tree %lld/%lld\n", step, id, res, hh, jint(st, "total_residents"), jint(ch, "residents"),
                    jint(ch, "households"), jint(node, "resident_count"), jint(node, "household_count"));
    assert_int_equal(jint(st, "total_residents"), res);
    assert_int_equal(jint(ch, "residents"), res);
    assert_int_equal(jint(ch, "households"), hh);
    assert_int_equal(jint(node, "resident_count"), res);
    assert_int_equal(jint(node, "household_count"), hh);
    for (size_t k = 0; TAGS[k]; k++) {
        long long n = total_of(t_street, fmt("/api/v1/residents?org_unit_id=%lld&tag=%s&page_size=20", id, TAGS[k]));
        long long in_stats = -1;
        size_t i;
        json_t *t;
        json_array_foreach(json_object_get(st, "tags"), i, t)
            if (strcmp(jstr(t, "code"), TAGS[k]) == 0)
                in_stats = jint(t, "count");
        if (in_stats != n || jint(json_object_get(ch, "tags"), TAGS[k]) != n)
            print_error("%s: unit %lld tag %s: list %lld, stats/tags %lld, stats/org-units %lld\n", step, id, TAGS[k],
                        n, in_stats, jint(json_object_get(ch, "tags"), TAGS[k]));
        assert_int_equal(in_stats, n);
        assert_int_equal(jint(json_object_get(ch, "tags"), TAGS[k]), n);
    }
    json_decref(node);
    json_decref(ch);
    json_decref(st);
}

static long long bld_a2;

/* After each write: the recount finds no drift, and the units the tests
 * write to agree with their lists. */
static void counts_hold(const char *step)
{
    char *out = NULL;
    int rc = run_check(NULL, &out);
    if (rc != 0)
        print_error("after %s: minsheng check exited %d:\n%s\n", step, rc, out ? out : "(no output)");
    free(out);
    assert_int_equal(rc, 0);
    json_t *st = get_ok(t_street, "/api/v1/stats/tags");
    assert_int_equal(jint(st, "total_residents"), total_of(t_street, "/api/v1/residents?page_size=20"));
    json_decref(st);
    unit_agrees(step, street_id, c001);
    unit_agrees(step, c001, grid_a);
    unit_agrees(step, c001, grid_b);
    unit_agrees(step, grid_a, bld_a1);
    unit_agrees(step, grid_a, bld_a2);
    unit_agrees(step, grid_b, bld_b1);
}

static long import_csv(const char *query, const char *csv, json_t **report)
{
    return api_import(&srv, t_street, query, csv, strlen(csv), report);
}

/* ---- the tests ------------------------------------------------------------------ */

static void every_write_path_keeps_the_counts(void **state)
{
    (void)state;
    bld_a2 = org_id_by_code(&srv, t_street, BLD_A2_CODE);
    assert_true(bld_a2 > 0);
    counts_hold("demo");

    /* Create: a household in building A1, residents with tags. */
    long long h1 = create_household(t_street, "CNT-H1", grid_a, bld_a1);
    long long r1 = create_resident(t_street, h1, old_id(), "计一", ",\"relation\":\"户主\",\"tags\":[\"dibao\",\"disabled\"]");
    long long r2 = create_resident(t_street, h1, new_id(), "计二", ",\"relation\":\"配偶\",\"tags\":[\"veteran\"]");
    long long h2 = create_household(t_street, "CNT-H2", grid_b, bld_b1);
    long long r3 = create_resident(t_street, h2, old_id(), "计三", ",\"relation\":\"户主\",\"tags\":[\"elderly\"]");
    counts_hold("create");

    /* Patch: tags replaced, then cleared; a patch without tags. */
    json_decref(req(t_street, "PATCH", fmt("/api/v1/residents/%lld", r1), "{\"tags\":[\"elderly\",\"dibao\"]}", 200));
    json_decref(req(t_street, "PATCH", fmt("/api/v1/residents/%lld", r2), "{\"tags\":[]}", 200));
    json_decref(req(t_street, "PATCH", fmt("/api/v1/residents/%lld", r3), "{\"notes\":\"无关字段\"}", 200));
    counts_hold("patch");

    /* Status: deceased, back to active, moved out. */
    json_decref(req(t_street, "POST", fmt("/api/v1/residents/%lld/status", r1), "{\"status\":\"deceased\"}", 200));
    counts_hold("status deceased");
    json_decref(req(t_street, "POST", fmt("/api/v1/residents/%lld/status", r1), "{\"status\":\"active\"}", 200));
    json_decref(req(t_street, "PATCH", fmt("/api/v1/residents/%lld", r2), "{\"tags\":[\"living_alone\"]}", 200));
    counts_hold("status active");

    /* Moves: a resident to another grid's household; a household to
     * another building of its grid, then to another grid. */
    json_decref(req(t_street, "POST", fmt("/api/v1/residents/%lld/move", r2),
                    fmt("{\"household_id\":%lld,\"relation\":\"配偶\"}", h2), 200));
    counts_hold("resident move");
    json_decref(req(t_street, "PATCH", fmt("/api/v1/households/%lld", h1), fmt("{\"building_id\":%lld}", bld_a2), 200));
    counts_hold("household building change");
    json_decref(req(t_street, "POST", fmt("/api/v1/households/%lld/move", h2),
                    fmt("{\"grid_id\":%lld,\"building_id\":%lld}", grid_a, bld_a1), 200));
    counts_hold("household move");

    /* Close: the household and its members leave the counts. */
    json_decref(req(t_street, "POST", fmt("/api/v1/residents/%lld/status", r3), "{\"status\":\"moved_out\"}", 200));
    json_decref(req(t_street, "POST", fmt("/api/v1/households/%lld/close", h2), "{}", 200));
    counts_hold("household close");
}

static void imports_count_when_committed_only(void **state)
{
    (void)state;
    char csv[4096];
    const char *a1 = new_id(), *a2 = new_id(), *a3 = new_id();
    snprintf(csv, sizeof csv,
             "姓名,身份证号,与户主关系,网格编码,楼栋编码,户编号,地址,标签\n"
             "导一,%s,户主,%s,%s,CNT-I1,批次路1号,低保;残疾\n"
             "导二,%s,配偶,%s,%s,CNT-I1,批次路1号,退役军人\n"
             "导三,%s,户主,%s,,CNT-I2,批次路2号,低保\n",
             a1, GRID_A_CODE, BLD_A1_CODE, a2, GRID_A_CODE, BLD_A1_CODE, a3, GRID_B_CODE);
    json_t *rep;
    long st = import_csv("?mode=all", csv, &rep);
    if (st != 200)
        print_error("import: %ld %s\n", st, json_dumps(rep, 0));
    assert_int_equal(st, 200);
    long long batch = jint(rep, "batch");
    assert_true(batch > 0);
    json_decref(rep);
    counts_hold("import all");

    /* Valid mode: the bad row (check digit) is skipped, the rest count. */
    snprintf(csv, sizeof csv,
             "姓名,身份证号,与户主关系,网格编码,楼栋编码,户编号,地址,标签\n"
             "导四,%s,户主,%s,%s,CNT-I3,批次路3号,高龄\n"
             "导五,%s,配偶,%s,%s,CNT-I3,批次路3号,低保\n",
             old_id(), GRID_A_CODE, BLD_A2_CODE, bad_checksum(new_id()), GRID_A_CODE, BLD_A2_CODE);
    assert_int_equal(import_csv("?mode=valid", csv, &rep), 200);
    assert_int_equal(jint(rep, "imported"), 1);
    json_decref(rep);
    counts_hold("import valid");

    /* A failed import: every row good on its own, the last one's ID
     * number taken, which shows only when it is written. Nothing counts. */
    snprintf(csv, sizeof csv,
             "姓名,身份证号,与户主关系,网格编码,楼栋编码,户编号,地址,标签\n"
             "导六,%s,户主,%s,%s,CNT-I4,批次路4号,低保\n"
             "导七,%s,配偶,%s,%s,CNT-I4,批次路4号,残疾\n",
             new_id(), GRID_A_CODE, BLD_A1_CODE, a1, GRID_A_CODE, BLD_A1_CODE);
    assert_int_equal(import_csv("?mode=all", csv, &rep), 400);
    json_decref(rep);
    counts_hold("failed import");

    /* Undo of the committed first batch from the command line. */
    const char *undo[] = {"import", "--undo", fmt("%lld", batch), NULL};
    assert_int_equal(run_cli(&srv, undo, fmt("%s/undo.out", srv.dir), NULL), 0);
    counts_hold("import undo");
}

static void drift_is_reported_and_fixed(void **state)
{
    (void)state;
    char err[256], *out = NULL;
    db_conn *db = db_open(srv.db, err, sizeof err);
    assert_non_null(db);
    assert_int_equal(db_exec_args(db, "UPDATE registry_count SET n = n + 3 WHERE unit_id = ? AND what = 'residents'",
                                  DB_INT(grid_a)), DB_DONE);
    assert_int_equal(db_exec_args(db, "DELETE FROM registry_count WHERE unit_id = ? AND what = 'households'",
                                  DB_INT(bld_b1)), DB_DONE);
    db_close(db);
    assert_int_equal(run_check("counts", &out), 1);
    assert_non_null(out);
    assert_non_null(strstr(out, GRID_A_CODE));
    assert_non_null(strstr(out, BLD_B1_CODE));
    assert_non_null(strstr(out, "共 2 项计数偏差"));
    free(out);
    assert_int_equal(run_check("--fix", NULL), 0);
    json_t *a = get_ok(t_auditor, "/api/v1/audit?action=counts_fix");
    assert_int_equal(json_array_size(json_object_get(a, "items")), 1);
    json_decref(a);
    counts_hold("check --fix");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_write_path_keeps_the_counts),
        cmocka_unit_test(imports_count_when_committed_only),
        cmocka_unit_test(drift_is_reported_and_fixed),
    };
    return cmocka_run_group_tests_name("api_counts", tests, registry_setup, registry_teardown);
}
