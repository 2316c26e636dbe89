/* test_household_numbers.c — household numbers (户编号, household.h):
 * the format "<grid code>-<4-digit serial>", the next free serial of a
 * grid (current and former numbers counted, other grids' and legacy
 * numbers not), a new number when a household moves to another grid
 * with the old one kept in household_former_code (never issued again,
 * never given to another household), and the check of a number given
 * by an import or the API. Against a SQLite database holding the demo
 * street's org tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/keys.h"
#include "demo/demo.h"
#include "registry/household.h"
#include "registry/org.h"
#include "storage/db.h"

static char tmpdir[256], db_path[512];
static db_conn *db;
static org_unit grid_a, grid_b;
static const actor NOBODY;

static int group_setup(void **state)
{
    char err[256] = "";
    keys_load_ephemeral();
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ms_test_hhnum_XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    snprintf(db_path, sizeof db_path, "%s/t.db", tmpdir);
    demo_options o = {1, 0, 20260301, 1};
    if (!(db = db_open(db_path, err, sizeof err)) || db_migrate(db, err, sizeof err) != 0 ||
        demo_build(db, &o, NULL, err, sizeof err) != 0 ||
        org_get_by_code(db, DEMO_STREET_CODE "001-01", &grid_a) != 0 ||
        org_get_by_code(db, DEMO_STREET_CODE "001-02", &grid_b) != 0) {
        fprintf(stderr, "database: %s\n", err);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    char side[600];
    db_close(db);
    unlink(db_path);
    snprintf(side, sizeof side, "%s-wal", db_path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", db_path);
    unlink(side);
    rmdir(tmpdir);
    return 0;
}

/* A household of grid g, numbered by the system (code NULL) or given
 * one; its id, or -1 with *e. */
static int64_t create(const org_unit *g, const char *code, ms_err *e)
{
    int64_t id = -1;
    household_input in = {.code = code, .grid_id = g->id, .address = "测试路1号"};
    assert_int_equal(db_begin(db), DB_DONE);
    if (household_create(db, &NOBODY, &in, &id, e) != 0) {
        db_rollback(db);
        return -1;
    }
    assert_int_equal(db_commit(db), DB_DONE);
    return id;
}

static const char *code_of(int64_t id)
{
    static char out[64];
    db_one_text(db, out, sizeof out, "SELECT code FROM household WHERE id = ?", DB_INT(id));
    return out;
}

static void format_and_parse(void **state)
{
    char out[64], prefix[64];
    assert_int_equal(household_code_format("371702001001-01", 1, out, sizeof out), 0);
    assert_string_equal(out, "371702001001-01-0001");
    assert_int_equal(household_code_format("371702001001-01", 12345, out, sizeof out), 0);
    assert_string_equal(out, "371702001001-01-12345");
    assert_int_equal(household_code_format("371702001001-01", 1, out, 12), -1);   /* does not fit */
    assert_int_equal(household_code_format("371702001001-01", 0, out, sizeof out), -1);

    assert_int_equal(household_code_parse("371702001001-01-0042", prefix, sizeof prefix), 42);
    assert_string_equal(prefix, "371702001001-01");
    assert_int_equal(household_code_parse("G-10000", prefix, sizeof prefix), 10000);
    assert_string_equal(prefix, "G");
    /* not the system's format: legacy numbers */
    const char *const LEGACY[] = {"IMP-G-3", "H-001", "-0001", "A-0000", "A-00x1", "0001", "A-", "T-REG-H1", NULL};
    for (size_t i = 0; LEGACY[i]; i++) {
        assert_int_equal(household_code_parse(LEGACY[i], prefix, sizeof prefix), 0);
        assert_string_equal(prefix, "");
    }
}

static void next_free_serial_of_the_grid(void **state)
{
    ms_err e;
    char next[64];
    /* an empty grid starts at 0001 */
    assert_int_equal(household_code_next(db, grid_a.id, next, &e), 0);
    assert_string_equal(next, DEMO_STREET_CODE "001-01-0001");
    int64_t h1 = create(&grid_a, NULL, &e), h2 = create(&grid_a, NULL, &e);
    assert_string_equal(code_of(h1), DEMO_STREET_CODE "001-01-0001");
    assert_string_equal(code_of(h2), DEMO_STREET_CODE "001-01-0002");
    /* a given number of the grid's own format counts; legacy ones and other grids' do not */
    assert_true(create(&grid_a, DEMO_STREET_CODE "001-01-0009", &e) > 0);
    assert_true(create(&grid_a, "LEGACY-77777", &e) > 0);
    assert_true(create(&grid_b, DEMO_STREET_CODE "001-02-0500", &e) > 0);
    assert_string_equal(code_of(create(&grid_a, NULL, &e)), DEMO_STREET_CODE "001-01-0010");
    assert_string_equal(code_of(create(&grid_b, NULL, &e)), DEMO_STREET_CODE "001-02-0501");
}

static void a_move_reissues_and_keeps_the_former_number(void **state)
{
    ms_err e;
    char valid_to[20], created[20];
    int64_t id = create(&grid_a, NULL, &e), other;
    char old[64];
    snprintf(old, sizeof old, "%s", code_of(id));
    db_one_text(db, created, sizeof created, "SELECT created_at FROM household WHERE id = ?", DB_INT(id));

    assert_int_equal(db_begin(db), DB_DONE);
    assert_int_equal(household_move(db, &NOBODY, id, 0, grid_b.id, 0, NULL, NULL, &e), 0);
    assert_int_equal(db_commit(db), DB_DONE);
    char expect[64];
    household_code_format(grid_b.code, 502, expect, sizeof expect);   /* after 0500 and 0501 above */
    assert_string_equal(code_of(id), expect);
    /* the old number: kept with its time of use, found, never issued again */
    assert_int_equal(household_code_former(db, old, &other, valid_to), 0);
    assert_int_equal(other, id);
    char from[20];
    assert_int_equal(db_one_text(db, from, sizeof from, "SELECT valid_from FROM household_former_code WHERE code = ?",
                                 DB_TEXT(old)), 1);
    assert_string_equal(from, created);
    assert_true(strcmp(valid_to, created) >= 0);
    char next[64];
    assert_int_equal(household_code_next(db, grid_a.id, next, &e), 0);
    char prefix[64];
    assert_true(household_code_parse(next, prefix, sizeof prefix) > household_code_parse(old, prefix, sizeof prefix));
    /* and not given to another household */
    assert_int_equal(create(&grid_a, old, &e), -1);
    assert_int_equal(e.kind, ERR_CONFLICT);
    char msg[160];
    snprintf(msg, sizeof msg, "户编号“%s”是另一户的曾用编号，不能再用", old);
    assert_string_equal(e.message, msg);
}

static void a_given_number_is_checked(void **state)
{
    ms_err e;
    /* the system's format for another grid: refused, saying whose */
    assert_int_equal(household_code_check(db, DEMO_STREET_CODE "001-02-0777", grid_a.id, &e), -1);
    assert_int_equal(e.kind, ERR_INVALID);
    assert_string_equal(e.message, "户编号“" DEMO_STREET_CODE "001-02-0777”以网格“" DEMO_STREET_CODE
                                   "001-02”的编码开头，与所属网格不符");
    /* its own format, or a legacy number: kept as given */
    assert_int_equal(household_code_check(db, DEMO_STREET_CODE "001-01-0777", grid_a.id, &e), 0);
    assert_int_equal(household_code_check(db, "老系统-户-12", grid_a.id, &e), 0);
    /* a building's or community's code is not a grid: no format claimed */
    assert_int_equal(household_code_check(db, DEMO_STREET_CODE "001-0001", grid_a.id, &e), 0);
    /* a moved household within the grid (building only) keeps its number */
    int64_t id = create(&grid_a, NULL, &e);
    char before[64];
    snprintf(before, sizeof before, "%s", code_of(id));
    assert_int_equal(db_begin(db), DB_DONE);
    assert_int_equal(household_move(db, &NOBODY, id, 0, grid_a.id, 0, "测试路2号", NULL, &e), 0);
    assert_int_equal(db_commit(db), DB_DONE);
    assert_string_equal(code_of(id), before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(format_and_parse),
        cmocka_unit_test(next_free_serial_of_the_grid),
        cmocka_unit_test(a_move_reissues_and_keeps_the_former_number),
        cmocka_unit_test(a_given_number_is_checked),
    };
    return cmocka_run_group_tests_name("household_numbers", tests, group_setup, group_teardown);
}
