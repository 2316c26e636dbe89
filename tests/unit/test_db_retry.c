/* test_db_retry.c — the retry policy (storage/retry.c) alone: what is
 * retried (a conflict only), how long it waits (jittered, growing,
 * capped) and when it stops (after DB_RETRY_MAX retries). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "storage/retry.h"

static void only_conflicts_are_retried(void **state)
{
    assert_true(db_retry_delay_ms(DB_FAIL_CONFLICT, 0, 0) >= 0);
    /* a lost connection: the COMMIT's outcome is unknown, never run again */
    assert_int_equal(db_retry_delay_ms(DB_FAIL_BROKEN, 0, 0), -1);
    /* no failure of the database's (a 500 of the handler's own) */
    assert_int_equal(db_retry_delay_ms(DB_FAIL_NONE, 0, 0), -1);
}

static void stops_after_the_last_retry(void **state)
{
    for (int attempt = 0; attempt < DB_RETRY_MAX; attempt++)
        assert_true(db_retry_delay_ms(DB_FAIL_CONFLICT, attempt, 12345) >= 0);
    assert_int_equal(db_retry_delay_ms(DB_FAIL_CONFLICT, DB_RETRY_MAX, 12345), -1);
    assert_int_equal(db_retry_delay_ms(DB_FAIL_CONFLICT, 100, 12345), -1);
    assert_int_equal(db_retry_delay_ms(DB_FAIL_CONFLICT, -1, 12345), -1);
    assert_int_equal(DB_RETRY_MAX, 3);
}

/* Every wait lies in [ceiling/2, ceiling]; the ceiling doubles from
 * DB_RETRY_BASE_MS and stops at DB_RETRY_CAP_MS; the random bits cover
 * the whole range. */
static void waits_are_jittered_and_bounded(void **state)
{
    for (int attempt = 0; attempt < DB_RETRY_MAX; attempt++) {
        int ceiling = DB_RETRY_BASE_MS << attempt;
        if (ceiling > DB_RETRY_CAP_MS)
            ceiling = DB_RETRY_CAP_MS;
        int lo = 1 << 30, hi = -1;
        for (uint32_t rnd = 0; rnd < 5000; rnd++) {
            int ms = db_retry_delay_ms(DB_FAIL_CONFLICT, attempt, rnd * 2654435761u);
            assert_true(ms >= ceiling / 2 && ms <= ceiling);
            lo = ms < lo ? ms : lo;
            hi = ms > hi ? ms : hi;
        }
        assert_int_equal(lo, ceiling / 2);
        assert_int_equal(hi, ceiling);
    }
    assert_int_equal(db_retry_delay_ms(DB_FAIL_CONFLICT, 0, 0), DB_RETRY_BASE_MS / 2);
    assert_int_equal(db_retry_delay_ms(DB_FAIL_CONFLICT, 0, UINT32_MAX), 10 + (int)(UINT32_MAX % 11));
    assert_int_equal(db_retry_delay_ms(DB_FAIL_CONFLICT, 2, 40), 40 + 40 % 41);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(only_conflicts_are_retried),
        cmocka_unit_test(stops_after_the_last_retry),
        cmocka_unit_test(waits_are_jittered_and_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
