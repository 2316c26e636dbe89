/* test_programme.c — the programmes and standards of
 * assistance/programme.c on a migrated SQLite database and on a migrated
 * PostgreSQL 15 (a throwaway cluster, unit/pg_temp.h): the seeded
 * programmes and their parsed settings, the standard in force on a date
 * (a standard changing mid-year: a month before and after the change
 * each use their own), a community's standard beating the area's, and
 * adding a standard: the previous one closed the day before, the past
 * never rewritten. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assistance/benefit.h"
#include "assistance/programme.h"
#include "storage/db.h"
#include "unit/pg_temp.h"

static char sqlite_dir[64];
static db_conn *engines[2];   /* SQLite, PostgreSQL */

static db_conn *open_migrated(const char *path)
{
    char err[512];
    db_conn *db = db_open(path, err, sizeof err);
    if (!db || db_migrate(db, err, sizeof err) != 0) {
        fprintf(stderr, "test_programme: %s: %s\n", path, err);
        return NULL;
    }
    return db;
}

/* A street with two communities. */
static int seed(db_conn *db)
{
    return db_exec(db, "INSERT INTO org_unit(id, parent_id, kind, code, name, path, created_at, updated_at) VALUES"
                       " (1, NULL, 'street', 'S1', '东街街道', '/1/', '2026-01-01 00:00:00', '2026-01-01 00:00:00'),"
                       " (2, 1, 'community', 'C1', '东一社区', '/1/2/', '2026-01-01 00:00:00', '2026-01-01 00:00:00'),"
                       " (3, 1, 'community', 'C2', '东二社区', '/1/3/', '2026-01-01 00:00:00', '2026-01-01 00:00:00')") ==
                   DB_DONE
               ? 0
               : -1;
}

static int setup(void **state)
{
    if (start_cluster(state) != 0)
        return -1;
    snprintf(sqlite_dir, sizeof sqlite_dir, "/tmp/minsheng-programme-XXXXXX");
    if (!mkdtemp(sqlite_dir))
        return -1;
    char path[128];
    snprintf(path, sizeof path, "%s/test.db", sqlite_dir);
    engines[0] = open_migrated(path);
    engines[1] = open_migrated(uri);
    if (!engines[0] || !engines[1])
        return -1;
    return seed(engines[0]) == 0 && seed(engines[1]) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[160];
    for (int i = 0; i < 2; i++)
        if (engines[i])
            db_close(engines[i]);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", sqlite_dir);
    if (system(cmd) != 0)
        return -1;
    return stop_cluster(state);
}

static void test_seeded_programmes(void **state)
{
    (void)state;
    for (int i = 0; i < 2; i++) {
        db_conn *db = engines[i];
        assist_programme list[32];
        assert_int_equal(programme_list(db, list, 32), 10);
        assist_programme p;
        ms_err e = {0};
        assert_int_equal(programme_load(db, "dibao_urban", &p, &e), 0);
        assert_string_equal(p.name, "城市低保");
        assert_string_equal(p.calc_kind, "topup");
        assert_int_equal(p.rounding, BENEFIT_ROUND_YUAN_UP);
        assert_int_equal(p.min_payment_fen, 3000);
        assert_int_equal(programme_load(db, "temporary", &p, &e), 0);
        assert_string_equal(p.calc_kind, "one_off");
        assert_int_equal(p.ceiling_community_fen, 100000);
        assert_int_equal(p.ceiling_street_fen, 500000);
        assert_int_equal(programme_load(db, "elderly_longevity", &p, &e), 0);
        assert_string_equal(p.band_by, "age");
        assert_int_equal(programme_load(db, "no_such", &p, &e), -1);
        assert_int_equal(e.kind, ERR_NOT_FOUND);
    }
}

/* The seeded urban 低保 changes from 760.00 to 780.00 on 2024-07-01:
 * June's payment uses 760, July's 780, both on their boundary days; a
 * date before any standard finds none. */
static void test_standard_mid_year(void **state)
{
    (void)state;
    for (int i = 0; i < 2; i++) {
        db_conn *db = engines[i];
        assist_programme p;
        assist_standard s;
        assert_int_equal(programme_load(db, "dibao_urban", &p, NULL), 0);
        assert_int_equal(programme_standard(db, p.id, "urban", 0, "", "2024-06-30", &s), 1);
        assert_int_equal(s.amount_fen, 76000);
        assert_string_equal(s.effective_to, "2024-06-30");
        assert_int_equal(programme_standard(db, p.id, "urban", 0, "", "2024-07-01", &s), 1);
        assert_int_equal(s.amount_fen, 78000);
        assert_string_equal(s.effective_to, "");
        assert_int_equal(programme_standard(db, p.id, "urban", 0, "", "2023-12-31", &s), 0);
        assert_int_equal(programme_standard(db, p.id, "rural", 0, "", "2024-07-01", &s), 0);
        /* the June payment, computed with the standard of June */
        benefit_result r;
        assert_int_equal(programme_standard(db, p.id, "urban", 0, "", "2024-06-15", &s), 1);
        benefit_topup_in in = {p.name, s.amount_fen, 3, 120000, p.rounding, p.min_payment_fen};
        assert_int_equal(benefit_topup(&in, &r, NULL), 0);
        assert_int_equal(r.fen, 108000);   /* 760 × 3 − 1,200 */
        assert_int_equal(programme_standard(db, p.id, "urban", 0, "", "2024-07-15", &s), 1);
        in.standard_fen = s.amount_fen;
        assert_int_equal(benefit_topup(&in, &r, NULL), 0);
        assert_int_equal(r.fen, 114000);   /* 780 × 3 − 1,200 */
    }
}

/* Elderly bands are separate lines of standards. */
static void test_standard_band(void **state)
{
    (void)state;
    for (int i = 0; i < 2; i++) {
        assist_programme p;
        assist_standard s;
        assert_int_equal(programme_load(engines[i], "elderly_longevity", &p, NULL), 0);
        assert_int_equal(programme_standard(engines[i], p.id, "urban", 0, "80+", "2025-01-01", &s), 1);
        assert_int_equal(s.amount_fen, 20000);
        assert_int_equal(programme_standard(engines[i], p.id, "urban", 0, "100+", "2025-01-01", &s), 1);
        assert_int_equal(s.amount_fen, 30000);
        assert_int_equal(programme_standard(engines[i], p.id, "urban", 0, "60+", "2025-01-01", &s), 0);
    }
}

/* A rural 低保 raise from 2025-01-01, then community 2's own standard
 * from 2025-03-01: community 2 gets its own, community 3 the area's; the
 * past stays as it was; a date not after the latest start is refused. */
static void test_standard_add_and_override(void **state)
{
    (void)state;
    for (int i = 0; i < 2; i++) {
        db_conn *db = engines[i];
        assist_programme p;
        assist_standard s;
        ms_err e = {0};
        assert_int_equal(programme_load(db, "dibao_rural", &p, NULL), 0);
        assert_int_equal(db_begin(db), 0);
        int64_t id = programme_standard_add(db, 0, p.id, "rural", 0, "", 65000, "2025-01-01", &e);
        assert_true(id > 0);
        assert_true(programme_standard_add(db, 0, p.id, "rural", 2, "", 70000, "2025-03-01", &e) > 0);
        assert_int_equal(db_commit(db), 0);

        assert_int_equal(programme_standard(db, p.id, "rural", 0, "", "2024-12-31", &s), 1);
        assert_int_equal(s.amount_fen, 60000);
        assert_string_equal(s.effective_from, "2024-01-01");
        assert_string_equal(s.effective_to, "2024-12-31");   /* closed the day before */
        assert_int_equal(programme_standard(db, p.id, "rural", 0, "", "2025-01-01", &s), 1);
        assert_int_equal(s.id, id);
        assert_int_equal(s.amount_fen, 65000);
        /* community 2 before its own standard starts: the area's */
        assert_int_equal(programme_standard(db, p.id, "rural", 2, "", "2025-02-28", &s), 1);
        assert_int_equal(s.amount_fen, 65000);
        assert_int_equal(programme_standard(db, p.id, "rural", 2, "", "2025-03-01", &s), 1);
        assert_int_equal(s.amount_fen, 70000);
        assert_int_equal(s.community_id, 2);
        assert_int_equal(programme_standard(db, p.id, "rural", 3, "", "2025-03-01", &s), 1);
        assert_int_equal(s.amount_fen, 65000);
        /* the area's raise did not touch the community line, and vice versa */
        assert_int_equal(db_one_int(db, -1,
                                    "SELECT COUNT(*) FROM assistance_standard WHERE programme_id = ? AND area = 'rural'"
                                    " AND effective_to IS NULL",
                                    DB_INT(p.id)),
                         2);

        /* rewriting the past: refused, nothing written */
        int64_t before = db_one_int(db, -1, "SELECT COUNT(*) FROM assistance_standard");
        assert_int_equal(programme_standard_add(db, 0, p.id, "rural", 0, "", 66000, "2025-01-01", &e), -1);
        assert_int_equal(e.kind, ERR_CONFLICT);
        assert_non_null(strstr(e.message, "2025-01-01"));
        assert_int_equal(programme_standard_add(db, 0, p.id, "rural", 0, "", 66000, "2024-06-01", &e), -1);
        assert_int_equal(programme_standard_add(db, 0, p.id, "suburb", 0, "", 66000, "2026-01-01", &e), -1);
        assert_string_equal(e.field, "area");
        assert_int_equal(programme_standard_add(db, 0, p.id, "rural", 0, "", 66000, "2026-02-30", &e), -1);
        assert_string_equal(e.field, "effective_from");
        assert_int_equal(programme_standard_add(db, 0, p.id, "rural", 0, "", -1, "2026-01-01", &e), -1);
        assert_string_equal(e.field, "amount_fen");
        assert_int_equal(db_one_int(db, -1, "SELECT COUNT(*) FROM assistance_standard"), before);
        assert_int_equal(programme_standard(db, p.id, "rural", 0, "", "2025-06-01", &s), 1);
        assert_int_equal(s.amount_fen, 65000);
        assert_string_equal(s.effective_to, "");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seeded_programmes),
        cmocka_unit_test(test_standard_mid_year),
        cmocka_unit_test(test_standard_band),
        cmocka_unit_test(test_standard_add_and_override),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
