/* test_benefit.c — the social assistance amounts of assistance/benefit.c
 * (pure functions) on hand-worked examples: the 低保 top-up with its
 * rounding to the yuan, income above the standard, the minimum payment;
 * per-person amounts; the 高龄 age band from an ID number on the exact
 * birthday, the day before and for a 29 February birth; the one-off
 * ceiling per approval level. (Standards per date and community:
 * test_programme.c.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "assistance/benefit.h"
#include "util/idcard.h"

/* A valid citizen ID number (region 110101) born on birth ("YYYYMMDD"). */
static const char *id_born(const char *birth, char out[19])
{
    char first17[18];
    snprintf(first17, sizeof first17, "110101%s123", birth);
    snprintf(out, 19, "%s%c", first17, idcard_check_digit(first17));
    return out;
}

static void test_yuan_format(void **state)
{
    (void)state;
    char b[40];
    assert_string_equal(benefit_yuan(0, b, sizeof b), "0.00");
    assert_string_equal(benefit_yuan(5, b, sizeof b), "0.05");
    assert_string_equal(benefit_yuan(114000, b, sizeof b), "1,140.00");
    assert_string_equal(benefit_yuan(648397300, b, sizeof b), "6,483,973.00");
    assert_string_equal(benefit_yuan(-12345, b, sizeof b), "-123.45");
    /* the group boundaries, the extremes, and a short buffer (truncated, terminated) */
    assert_string_equal(benefit_yuan(99999, b, sizeof b), "999.99");
    assert_string_equal(benefit_yuan(100000, b, sizeof b), "1,000.00");
    assert_string_equal(benefit_yuan(-100000000, b, sizeof b), "-1,000,000.00");
    assert_string_equal(benefit_yuan(INT64_MIN, b, sizeof b), "-92,233,720,368,547,758.08");
    assert_string_equal(benefit_yuan(INT64_MAX, b, sizeof b), "92,233,720,368,547,758.07");
    char small[5] = "xxxx";
    assert_string_equal(benefit_yuan(114000, small, sizeof small), "1,14");
}

/* 780.00 × 3 − 1,200.00 = 1,140.00: exact, no rounding note. */
static void test_topup_exact(void **state)
{
    (void)state;
    benefit_topup_in in = {"城市低保", 78000, 3, 120000, BENEFIT_ROUND_YUAN_UP, 3000};
    benefit_result r;
    assert_int_equal(benefit_topup(&in, &r, NULL), 0);
    assert_int_equal(r.fen, 114000);
    assert_string_equal(r.explain, "城市低保 标准 780.00 元 × 3 人 − 家庭月收入 1,200.00 元 = 1,140.00 元");
}

/* 780.00 × 3 − 1,234.56 = 1,105.44 → 1,106.00 rounded up to the yuan;
 * kept to the fen when the programme says "fen". */
static void test_topup_rounding(void **state)
{
    (void)state;
    benefit_topup_in in = {"城市低保", 78000, 3, 123456, BENEFIT_ROUND_YUAN_UP, 0};
    benefit_result r;
    assert_int_equal(benefit_topup(&in, &r, NULL), 0);
    assert_int_equal(r.fen, 110600);
    assert_non_null(strstr(r.explain, "= 1,106.00 元（向上取整到元）"));
    /* 1 fen over a whole yuan still rounds up a whole yuan */
    in.income_fen = 123499;   /* 1,105.01 */
    assert_int_equal(benefit_topup(&in, &r, NULL), 0);
    assert_int_equal(r.fen, 110600);
    in.rounding = BENEFIT_ROUND_FEN;
    in.income_fen = 123456;
    assert_int_equal(benefit_topup(&in, &r, NULL), 0);
    assert_int_equal(r.fen, 110544);
}

/* Income at or above standard × members: nothing. */
static void test_topup_income_above(void **state)
{
    (void)state;
    benefit_topup_in in = {"农村低保", 60000, 2, 120000, BENEFIT_ROUND_YUAN_UP, 3000};
    benefit_result r;
    assert_int_equal(benefit_topup(&in, &r, NULL), 0);
    assert_int_equal(r.fen, 0);   /* equal */
    assert_non_null(strstr(r.explain, "不予补差"));
    in.income_fen = 250000;
    assert_int_equal(benefit_topup(&in, &r, NULL), 0);
    assert_int_equal(r.fen, 0);
}

/* 600.00 × 2 − 1,187.50 = 12.50 → 13.00 rounded, below the 30.00 minimum → 30.00. */
static void test_topup_minimum(void **state)
{
    (void)state;
    benefit_topup_in in = {"农村低保", 60000, 2, 118750, BENEFIT_ROUND_YUAN_UP, 3000};
    benefit_result r;
    assert_int_equal(benefit_topup(&in, &r, NULL), 0);
    assert_int_equal(r.fen, 3000);
    assert_non_null(strstr(r.explain, "最低发放额"));
    in.min_payment_fen = 0;
    assert_int_equal(benefit_topup(&in, &r, NULL), 0);
    assert_int_equal(r.fen, 1300);
}

static void test_topup_refusals(void **state)
{
    (void)state;
    benefit_result r;
    ms_err e = {0};
    benefit_topup_in in = {"城市低保", 78000, 0, 0, BENEFIT_ROUND_YUAN_UP, 0};
    assert_int_equal(benefit_topup(&in, &r, &e), -1);
    assert_int_equal(e.kind, ERR_INVALID);
    assert_string_equal(e.field, "members");
    in.members = 2;
    in.income_fen = -1;
    assert_int_equal(benefit_topup(&in, &r, &e), -1);
    assert_string_equal(e.field, "income_fen");
}

static void test_per_person(void **state)
{
    (void)state;
    benefit_result r;
    assert_int_equal(benefit_per_person("特困供养", "分散供养", 101400, &r, NULL), 0);
    assert_int_equal(r.fen, 101400);
    assert_string_equal(r.explain, "特困供养（分散供养） 每人每月 1,014.00 元");
    assert_int_equal(benefit_per_person("经济困难老年人补贴", "", 10000, &r, NULL), 0);
    assert_string_equal(r.explain, "经济困难老年人补贴 每人每月 100.00 元");
}

/* Born 1946-03-15: 79 on 2026-03-14 (70+), 80 on 2026-03-15 (80+);
 * born 1926-03-15: 100+ on the day; 1956-03-15: no band the day before. */
static void test_age_band_birthday(void **state)
{
    (void)state;
    char id[19];
    const char *band = "x";
    assert_int_equal(benefit_age_band(id_born("19460315", id), 20260314, &band, NULL), 0);
    assert_string_equal(band, "70+");
    assert_int_equal(benefit_age_band(id, 20260315, &band, NULL), 0);
    assert_string_equal(band, "80+");
    assert_int_equal(benefit_age_band(id_born("19260315", id), 20260314, &band, NULL), 0);
    assert_string_equal(band, "90+");
    assert_int_equal(benefit_age_band(id, 20260315, &band, NULL), 0);
    assert_string_equal(band, "100+");
    assert_int_equal(benefit_age_band(id_born("19560315", id), 20260314, &band, NULL), 0);
    assert_null(band);
    assert_int_equal(benefit_age_band(id, 20260315, &band, NULL), 0);
    assert_string_equal(band, "70+");
}

/* Born 1956-02-29: in the common year 2026 the 70th birthday comes on
 * 1 March (the registry's rule); born 1944-02-29 turns 80 on 2024-02-29. */
static void test_age_band_29_february(void **state)
{
    (void)state;
    char id[19];
    const char *band = "x";
    assert_int_equal(benefit_age_band(id_born("19560229", id), 20260228, &band, NULL), 0);
    assert_null(band);
    assert_int_equal(benefit_age_band(id, 20260301, &band, NULL), 0);
    assert_string_equal(band, "70+");
    assert_int_equal(benefit_age_band(id_born("19440229", id), 20240228, &band, NULL), 0);
    assert_string_equal(band, "70+");
    assert_int_equal(benefit_age_band(id, 20240229, &band, NULL), 0);
    assert_string_equal(band, "80+");
}

static void test_age_band_bad_number(void **state)
{
    (void)state;
    char id[19];
    const char *band = "x";
    ms_err e = {0};
    id_born("19460315", id);
    id[17] = id[17] == '0' ? '1' : '0';   /* wrong check digit */
    assert_int_equal(benefit_age_band(id, 20260315, &band, &e), -1);
    assert_int_equal(e.kind, ERR_INVALID);
    assert_string_equal(e.field, "id_number");
    assert_null(band);
}

/* 临时救助: community up to 1,000.00, street up to 5,000.00. */
static void test_one_off_ceiling(void **state)
{
    (void)state;
    benefit_result r;
    ms_err e = {0};
    benefit_one_off_in in = {"临时救助", 100000, BENEFIT_LEVEL_COMMUNITY, 100000, 500000};
    assert_int_equal(benefit_one_off(&in, &r, &e), 0);   /* at the ceiling: allowed */
    assert_int_equal(r.fen, 100000);
    assert_string_equal(r.explain, "临时救助 一次性救助 1,000.00 元（社区审批）");
    in.amount_fen = 100001;
    assert_int_equal(benefit_one_off(&in, &r, &e), -1);
    assert_int_equal(e.kind, ERR_INVALID);
    assert_string_equal(e.field, "amount_fen");
    assert_string_equal(e.message, "临时救助金额 1,000.01 元超过社区审批限额 1,000.00 元，请报街道审批");
    assert_int_equal(r.fen, 0);
    in.level = BENEFIT_LEVEL_STREET;
    assert_int_equal(benefit_one_off(&in, &r, &e), 0);
    assert_int_equal(r.fen, 100001);
    in.amount_fen = 500100;
    assert_int_equal(benefit_one_off(&in, &r, &e), -1);
    assert_string_equal(e.message, "临时救助金额 5,001.00 元超过街道审批限额 5,000.00 元");
    in.amount_fen = 0;
    assert_int_equal(benefit_one_off(&in, &r, &e), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yuan_format),        cmocka_unit_test(test_topup_exact),
        cmocka_unit_test(test_topup_rounding),     cmocka_unit_test(test_topup_income_above),
        cmocka_unit_test(test_topup_minimum),      cmocka_unit_test(test_topup_refusals),
        cmocka_unit_test(test_per_person),         cmocka_unit_test(test_age_band_birthday),
        cmocka_unit_test(test_age_band_29_february), cmocka_unit_test(test_age_band_bad_number),
        cmocka_unit_test(test_one_off_ceiling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
