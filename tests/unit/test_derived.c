/* test_derived.c — the age rule of registry/derived.h: the age on a day,
 * frozen at the date of death, the age reached in a year (the lists' age
 * without full_id), and the 高龄 bands. Pure functions, no database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "registry/derived.h"

static void test_age_on_a_day(void **state)
{
    (void)state;
    assert_int_equal(derived_age("1956-12-07", NULL, 20261206), 69);
    assert_int_equal(derived_age("1956-12-07", NULL, 20261207), 70);   /* older on the birthday itself */
    assert_int_equal(derived_age("1956-12-07", "", 20261207), 70);     /* "" is no death date */
    /* 29 February: a year older on 1 March in common years */
    assert_int_equal(derived_age("2000-02-29", NULL, 20260228), 25);
    assert_int_equal(derived_age("2000-02-29", NULL, 20260301), 26);
    assert_int_equal(derived_age("2000-02-29", NULL, 20280229), 28);
    assert_int_equal(derived_age("2026-12-08", NULL, 20261207), -1);   /* not born yet */
    assert_int_equal(derived_age("1956-12", NULL, 20261207), -1);
    assert_int_equal(derived_age("1956/12/07", NULL, 20261207), -1);
    assert_int_equal(derived_age(NULL, NULL, 20261207), -1);
}

static void test_age_stops_at_death(void **state)
{
    (void)state;
    assert_int_equal(derived_age("1950-06-01", "2019-05-31", 20261207), 68);
    assert_int_equal(derived_age("1950-06-01", "2019-06-01", 20261207), 69);
    assert_int_equal(derived_age("1950-06-01", "bad", 20261207), 76);   /* a malformed death date: today */
    assert_int_equal(derived_age_reached("1950-06-01", "2019-05-31", 20261207), 69);
}

/* Without the birth date: this year − the birth year, whatever the day. */
static void test_age_reached(void **state)
{
    (void)state;
    assert_int_equal(derived_age_reached("1956-12-31", NULL, 20260101), 70);
    assert_int_equal(derived_age_reached("1956-01-01", NULL, 20261231), 70);
    assert_int_equal(derived_age_reached("2027-01-01", NULL, 20261231), -1);
    assert_int_equal(derived_age_reached("x", NULL, 20261231), -1);
}

static void test_bands(void **state)
{
    (void)state;
    assert_null(derived_age_band(69));
    assert_string_equal(derived_age_band(70), "70+");
    assert_string_equal(derived_age_band(89), "80+");
    assert_string_equal(derived_age_band(90), "90+");
    assert_string_equal(derived_age_band(104), "100+");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_age_on_a_day),
        cmocka_unit_test(test_age_stops_at_death),
        cmocka_unit_test(test_age_reached),
        cmocka_unit_test(test_bands),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
