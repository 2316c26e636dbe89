/* test_calendar.c — working days and deadlines (workflow/calendar.h)
 * against the 2025 and 2026 holiday schedules seeded by migration 0002:
 * holidays, make-up working days, the local (UTC+8) day boundary, year
 * end, counting, calendar-day periods and the admin's edits.
 *
 * Times passed in are UTC; the comments give them in local time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/actor.h"
#include "core/err.h"
#include "core/keys.h"
#include "storage/db.h"
#include "workflow/calendar.h"

static const actor ADMIN = {.id = 1, .username = "admin", .role = ROLE_ADMIN, .scope_path = "/1/"};
static const actor STREET = {.id = 2, .username = "street", .role = ROLE_STREET, .scope_path = "/1/"};

static int setup(void **state)
{
    char err[256];
    db_conn *db = db_open(":memory:", err, sizeof err);
    if (!db || db_migrate(db, err, sizeof err) != 0)
        return -1;
    *state = db;
    return 0;
}

static int teardown(void **state)
{
    db_close(*state);
    return 0;
}

/* Asserts the due time of n working days from `from`. */
static void expect_working(db_conn *db, const char *from, int n, const char *due)
{
    char out[20];
    assert_int_equal(cal_add_working_days(db, from, n, out), 0);
    assert_string_equal(out, due);
}

static void expect_calendar(db_conn *db, const char *from, int n, const char *due)
{
    char out[20];
    assert_int_equal(cal_add_calendar_days(db, from, n, out), 0);
    assert_string_equal(out, due);
}

static void test_seeded_days_and_weekends(void **state)
{
    db_conn *db = *state;
    assert_int_equal(cal_is_working_day(db, "2025-03-03"), 1);   /* an ordinary Monday */
    assert_int_equal(cal_is_working_day(db, "2025-03-01"), 0);   /* an ordinary Saturday */
    assert_int_equal(cal_is_working_day(db, "2025-03-02"), 0);   /* an ordinary Sunday */
    assert_int_equal(cal_is_working_day(db, "2025-10-08"), 0);   /* 国庆+中秋, a Wednesday */
    assert_int_equal(cal_is_working_day(db, "2026-02-16"), 0);   /* 春节, a Monday */
    assert_int_equal(cal_is_working_day(db, "2026-02-23"), 0);   /* last day of 春节, a Monday */
    assert_int_equal(cal_is_working_day(db, "2026-02-24"), 1);
    assert_int_equal(cal_is_working_day(db, "2025-13-01"), -1);
}

static void test_makeup_weekend_days_are_working(void **state)
{
    db_conn *db = *state;
    static const char *const makeup[] = {"2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11",
                                         "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20",
                                         "2026-10-10", NULL};
    for (int i = 0; makeup[i]; i++)
        assert_int_equal(cal_is_working_day(db, makeup[i]), 1);
    /* Thursday 2026-02-12 10:00: Fri 13th (1), the make-up Saturday 14th
     * (2), 春节 15th–23rd, then 24th (3), 25th (4), 26th (5). */
    expect_working(db, "2026-02-12 02:00:00", 2, "2026-02-14 15:59:59");
}

static void test_spring_festival_2026(void **state)
{
    db_conn *db = *state;
    expect_working(db, "2026-02-12 02:00:00", 3, "2026-02-24 15:59:59");
    expect_working(db, "2026-02-12 02:00:00", 5, "2026-02-26 15:59:59");
    /* Friday 2026-02-27 09:00: the make-up Saturday 28th is day 1. */
    expect_working(db, "2026-02-27 01:00:00", 1, "2026-02-28 15:59:59");
    expect_working(db, "2026-02-27 01:00:00", 2, "2026-03-02 15:59:59");
}

static void test_national_day_2025(void **state)
{
    db_conn *db = *state;
    /* Friday 2025-09-26 09:00: Sun 28th (make-up, 1), 29th (2), 30th (3),
     * 10-01..10-08 off, 9th (4), 10th (5), Sat 11th (make-up, 6). */
    expect_working(db, "2025-09-26 01:00:00", 1, "2025-09-28 15:59:59");
    expect_working(db, "2025-09-26 01:00:00", 4, "2025-10-09 15:59:59");
    expect_working(db, "2025-09-26 01:00:00", 6, "2025-10-11 15:59:59");
    expect_working(db, "2025-09-26 01:00:00", 7, "2025-10-13 15:59:59");
    /* The header's example: Tuesday 2025-09-30, 3 working days. */
    expect_working(db, "2025-09-30 08:00:00", 3, "2025-10-11 15:59:59");
}

static void test_created_on_holiday_or_late(void **state)
{
    db_conn *db = *state;
    /* On 春节 (2026-02-17, 10:00): counting starts the next day, the
     * first working day after the holiday is Tue 24th. */
    expect_working(db, "2026-02-17 02:00:00", 1, "2026-02-24 15:59:59");
    expect_working(db, "2026-02-17 02:00:00", 2, "2026-02-25 15:59:59");
    /* On a working day at 23:00 the day itself does not count either:
     * Friday 2025-03-07 23:00 -> Monday. */
    expect_working(db, "2025-03-07 15:00:00", 1, "2025-03-10 15:59:59");
    /* On a Saturday (2025-03-08 10:00) -> Monday too. */
    expect_working(db, "2025-03-08 02:00:00", 1, "2025-03-10 15:59:59");
}

static void test_day_boundary_is_local_midnight(void **state)
{
    db_conn *db = *state;
    char date[11];
    /* 15:30 UTC is Thursday 23:30 local; 16:30 UTC is already Friday 00:30. */
    assert_int_equal(cal_local_date("2025-03-06 15:30:00", date), 0);
    assert_string_equal(date, "2025-03-06");
    assert_int_equal(cal_local_date("2025-03-06 16:30:00", date), 0);
    assert_string_equal(date, "2025-03-07");
    expect_working(db, "2025-03-06 15:30:00", 1, "2025-03-07 15:59:59");
    expect_working(db, "2025-03-06 16:30:00", 1, "2025-03-10 15:59:59");
    assert_int_equal(cal_local_date("2025-03-06 24:00:00", date), -1);
    assert_int_equal(cal_local_date("2025-03-06T16:30:00", date), -1);
}

static void test_year_end_into_2026(void **state)
{
    db_conn *db = *state;
    /* Wednesday 2025-12-31 10:00: 元旦 1–3 Jan off, Sunday 4th is a
     * make-up working day. */
    expect_working(db, "2025-12-31 02:00:00", 1, "2026-01-04 15:59:59");
    expect_working(db, "2025-12-31 02:00:00", 2, "2026-01-05 15:59:59");
    expect_working(db, "2025-12-31 02:00:00", 5, "2026-01-08 15:59:59");
    /* 2025-12-31 16:30 UTC is already 2026-01-01 local. */
    expect_working(db, "2025-12-31 16:30:00", 1, "2026-01-04 15:59:59");
}

static void test_count_working_days(void **state)
{
    db_conn *db = *state;
    assert_int_equal(cal_count_working_days(db, "2026-02-12 02:00:00", "2026-02-26 09:00:00"), 5);
    assert_int_equal(cal_count_working_days(db, "2025-09-30 02:00:00", "2025-10-10 02:00:00"), 2);
    assert_int_equal(cal_count_working_days(db, "2025-12-31 02:00:00", "2026-01-05 02:00:00"), 2);
    assert_int_equal(cal_count_working_days(db, "2025-03-03 01:00:00", "2025-03-03 09:00:00"), 0);
    assert_int_equal(cal_count_working_days(db, "2025-03-10 01:00:00", "2025-03-03 01:00:00"), 0);
    /* 248 working days in each year (2025-01-01 itself is 元旦, so the
     * start day not counting changes nothing). */
    assert_int_equal(cal_count_working_days(db, "2025-01-01 00:00:00", "2026-12-31 00:00:00"), 496);
    assert_int_equal(cal_count_working_days(db, "2025-03-03 01:00:00", "junk"), -1);
    /* Counting up to a due time gives back its N. */
    static const char *const starts[] = {"2025-09-26 01:00:00", "2026-02-12 02:00:00", "2025-12-31 16:30:00",
                                         "2026-09-18 11:00:00", NULL};
    for (int i = 0; starts[i]; i++) {
        for (int n = 1; n <= 15; n++) {
            char due[20];
            assert_int_equal(cal_add_working_days(db, starts[i], n, due), 0);
            assert_int_equal(cal_count_working_days(db, starts[i], due), n);
        }
    }
}

static void test_calendar_day_periods(void **state)
{
    db_conn *db = *state;
    expect_calendar(db, "2025-03-03 02:00:00", 7, "2025-03-10 15:59:59");   /* Monday + 7 = Monday */
    expect_calendar(db, "2025-03-04 02:00:00", 4, "2025-03-10 15:59:59");   /* ends Saturday -> Monday */
    expect_calendar(db, "2025-09-24 02:00:00", 7, "2025-10-09 15:59:59");   /* ends 10-01 -> after 国庆 */
    expect_calendar(db, "2026-02-07 02:00:00", 7, "2026-02-14 15:59:59");   /* ends on the make-up Saturday */
    expect_calendar(db, "2025-12-31 16:30:00", 1, "2026-01-04 15:59:59");   /* local 01-01 + 1 = 01-02, off */
    char out[20];
    assert_int_equal(cal_add_calendar_days(db, "2025-03-03 02:00:00", 0, out), -1);
    assert_int_equal(cal_add_working_days(db, "2025-03-03 02:00:00", 0, out), -1);
    assert_int_equal(cal_add_working_days(db, "2025-02-30 02:00:00", 1, out), -1);
    assert_int_equal(cal_day_end_utc("2026-01-05", out), 0);
    assert_string_equal(out, "2026-01-05 15:59:59");
}

/* Runs cal_set_day in its own transaction; returns its result. */
static int set_day(db_conn *db, const actor *who, const char *day, const char *kind, const char *name, ms_err *e)
{
    assert_int_equal(db_begin(db), DB_DONE);
    int rc = cal_set_day(db, who, "127.0.0.1", day, kind, name, e);
    if (rc == 0)
        assert_int_equal(db_commit(db), DB_DONE);
    else
        db_rollback(db);
    return rc;
}

static void test_admin_edit_changes_the_answer(void **state)
{
    db_conn *db = *state;
    ms_err e = {0};
    /* Friday 2025-03-07 10:00, 1 working day: Monday 10th. */
    expect_working(db, "2025-03-07 02:00:00", 1, "2025-03-10 15:59:59");
    assert_int_equal(set_day(db, &ADMIN, "2025-03-10", "holiday", "临时休假", &e), 0);
    expect_working(db, "2025-03-07 02:00:00", 1, "2025-03-11 15:59:59");
    assert_int_equal(cal_count_working_days(db, "2025-03-07 02:00:00", "2025-03-11 02:00:00"), 1);
    assert_int_equal(db_one_int(db, 0, "SELECT COUNT(*) FROM audit_log WHERE entity = 'work_calendar'"
                                       " AND action = 'create' AND user_id = 1"), 1);
    /* A Saturday made a working day counts at once. */
    assert_int_equal(set_day(db, &ADMIN, "2025-03-08", "workday", "调休上班", &e), 0);
    expect_working(db, "2025-03-07 02:00:00", 1, "2025-03-08 15:59:59");
    /* Replacing an entry is an update. */
    assert_int_equal(set_day(db, &ADMIN, "2025-03-08", "holiday", "改为休息", &e), 0);
    assert_int_equal(db_one_int(db, 0, "SELECT COUNT(*) FROM audit_log WHERE entity = 'work_calendar'"
                                       " AND action = 'update' AND before_json LIKE '%workday%'"), 1);
    /* Removing the holiday restores the weekly rule. */
    assert_int_equal(db_begin(db), DB_DONE);
    assert_int_equal(cal_remove_day(db, &ADMIN, NULL, "2025-03-10", &e), 0);
    assert_int_equal(db_commit(db), DB_DONE);
    expect_working(db, "2025-03-07 02:00:00", 1, "2025-03-10 15:59:59");
    assert_int_equal(db_one_int(db, 0, "SELECT COUNT(*) FROM audit_log WHERE entity = 'work_calendar'"
                                       " AND action = 'delete' AND after_json IS NULL"), 1);
}

static void test_admin_edit_refusals(void **state)
{
    db_conn *db = *state;
    ms_err e = {0};
    assert_int_equal(set_day(db, &STREET, "2025-03-10", "holiday", "临时休假", &e), -1);
    assert_int_equal(e.kind, ERR_FORBIDDEN);
    assert_int_equal(set_day(db, &ADMIN, "2025-3-10", "holiday", "临时休假", &e), -1);
    assert_string_equal(e.field, "day");
    assert_int_equal(set_day(db, &ADMIN, "2025-03-10", "vacation", "临时休假", &e), -1);
    assert_string_equal(e.field, "kind");
    assert_int_equal(set_day(db, &ADMIN, "2025-03-10", "holiday", "", &e), -1);
    assert_string_equal(e.field, "name");
    assert_int_equal(db_begin(db), DB_DONE);
    assert_int_equal(cal_remove_day(db, &ADMIN, NULL, "2025-03-10", &e), -1);
    db_rollback(db);
    assert_int_equal(e.kind, ERR_NOT_FOUND);
    assert_int_equal(db_one_int(db, -1, "SELECT COUNT(*) FROM audit_log"), 0);
    assert_int_equal(cal_is_working_day(db, "2025-03-10"), 1);
}

static void test_list_entries(void **state)
{
    db_conn *db = *state;
    cal_entry out[32];
    int n = cal_list(db, "2026-02-01", "2026-02-28", out, 32);
    assert_int_equal(n, 11);   /* 14th make-up, 15th–23rd 春节, 28th make-up */
    assert_string_equal(out[0].day, "2026-02-14");
    assert_string_equal(out[0].kind, "workday");
    assert_string_equal(out[1].name, "春节");
    assert_string_equal(out[10].day, "2026-02-28");
    assert_int_equal(cal_list(db, "2026-02-01", "2026-02-28", out, 3), 3);
    assert_int_equal(cal_list(db, "2026-02-01", "bad", out, 3), -1);
}

int main(void)
{
    keys_load_ephemeral();   /* audit rows are chained with a key */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_seeded_days_and_weekends, setup, teardown),
        cmocka_unit_test_setup_teardown(test_makeup_weekend_days_are_working, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spring_festival_2026, setup, teardown),
        cmocka_unit_test_setup_teardown(test_national_day_2025, setup, teardown),
        cmocka_unit_test_setup_teardown(test_created_on_holiday_or_late, setup, teardown),
        cmocka_unit_test_setup_teardown(test_day_boundary_is_local_midnight, setup, teardown),
        cmocka_unit_test_setup_teardown(test_year_end_into_2026, setup, teardown),
        cmocka_unit_test_setup_teardown(test_count_working_days, setup, teardown),
        cmocka_unit_test_setup_teardown(test_calendar_day_periods, setup, teardown),
        cmocka_unit_test_setup_teardown(test_admin_edit_changes_the_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_admin_edit_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_entries, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
