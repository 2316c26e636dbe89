/* test_payment.c — the pure parts of the payment runs (assistance/
 * payment.c, bankfile.c), no database: the standard picked in memory
 * (community beats area, the latest start in force, an ended standard
 * left), a line's amount (top-up worked by hand, the 80+ band from the
 * first of the month of the 80th birthday, a case under 70 held, no
 * standard held), months, masked accounts, and the yuan of the bank
 * files both ways. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "assistance/bankfile.h"
#include "assistance/payment.h"

static assist_standard S[] = {
    {.id = 1, .area = "urban", .band_key = "", .amount_fen = 76000, .effective_from = "2024-01-01", .effective_to = "2024-06-30"},
    {.id = 2, .area = "urban", .band_key = "", .amount_fen = 78000, .effective_from = "2024-07-01"},
    {.id = 3, .area = "urban", .community_id = 9, .band_key = "", .amount_fen = 79000, .effective_from = "2024-01-01"},
    {.id = 4, .area = "rural", .band_key = "", .amount_fen = 60000, .effective_from = "2024-01-01"},
    {.id = 5, .area = "urban", .band_key = "70+", .amount_fen = 15000, .effective_from = "2024-01-01"},
    {.id = 6, .area = "urban", .band_key = "80+", .amount_fen = 20000, .effective_from = "2024-01-01"},
};
static const pay_standards ST = {.v = S, .n = sizeof S / sizeof S[0]};

static void picks_the_standard_in_force(void **state)
{
    (void)state;
    assert_int_equal(pay_standard_pick(&ST, "urban", 0, "", "2024-06-01")->id, 1);
    assert_int_equal(pay_standard_pick(&ST, "urban", 0, "", "2024-07-01")->id, 2);
    assert_int_equal(pay_standard_pick(&ST, "urban", 9, "", "2024-07-01")->id, 3);   /* the community's own */
    assert_int_equal(pay_standard_pick(&ST, "rural", 9, "", "2024-07-01")->id, 4);
    assert_null(pay_standard_pick(&ST, "urban", 0, "", "2023-12-01"));
    assert_null(pay_standard_pick(&ST, "urban", 0, "90+", "2024-07-01"));
}

static void amounts_by_hand(void **state)
{
    (void)state;
    assist_programme dibao = {.name = "城市低保", .calc_kind = "topup", .rounding = BENEFIT_ROUND_YUAN_UP,
                              .min_payment_fen = 3000};
    pay_case_in c = {.area = "urban", .band_key = "", .members_counted = 3, .income_fen = 100000,
                     .birth_date = "1980-03-15"};
    pay_amount_out a;
    assert_int_equal(pay_amount(&dibao, &ST, &c, "2024-06", &a), 0);
    assert_int_equal(a.fen, 128000);   /* 760 × 3 − 1,000 */
    assert_int_equal(a.standard.id, 1);
    assert_int_equal(pay_amount(&dibao, &ST, &c, "2024-07", &a), 0);
    assert_int_equal(a.fen, 134000);   /* 780 × 3 − 1,000 */
    assert_int_equal(a.standard.id, 2);
    c.income_fen = 300000;             /* above 780 × 3: nothing to pay */
    assert_int_equal(pay_amount(&dibao, &ST, &c, "2024-07", &a), 1);
    assert_non_null(strstr(a.hold, "0"));
    assert_int_equal(pay_amount(&dibao, &ST, &c, "2023-07", &a), 1);   /* no standard yet */
    assert_non_null(strstr(a.hold, "没有适用的救助标准"));

    assist_programme old = {.name = "高龄津贴", .calc_kind = "per_person", .band_by = "age"};
    pay_case_in b = {.area = "urban", .band_key = "", .birth_date = "1944-12-01"};
    assert_int_equal(pay_amount(&old, &ST, &b, "2024-11", &a), 0);
    assert_int_equal(a.fen, 15000);
    assert_int_equal(pay_amount(&old, &ST, &b, "2024-12", &a), 0);   /* 80 on 2024-12-01 */
    assert_int_equal(a.fen, 20000);
    b.birth_date = "1944-12-02";
    assert_int_equal(pay_amount(&old, &ST, &b, "2024-12", &a), 0);
    assert_int_equal(a.fen, 15000);
    b.birth_date = "1960-01-01";
    assert_int_equal(pay_amount(&old, &ST, &b, "2024-12", &a), 1);   /* under 70 */
}

static void months_accounts_and_yuan(void **state)
{
    (void)state;
    assert_true(pay_month_valid("2024-07"));
    assert_false(pay_month_valid("2024-7"));
    assert_false(pay_month_valid("2024-13"));
    assert_false(pay_month_valid("2024/07"));
    char out[40];
    pay_mask_account("1234", out, sizeof out);
    assert_string_equal(out, "**** 1234");
    pay_mask_account("", out, sizeof out);
    assert_string_equal(out, "");
    assert_string_equal(benefit_yuan_plain(114000, out, sizeof out), "1140.00");
    assert_string_equal(benefit_yuan_plain(-5, out, sizeof out), "-0.05");
    int64_t fen;
    assert_int_equal(bank_parse_yuan("1,140.00", &fen), 0);
    assert_int_equal(fen, 114000);
    assert_int_equal(bank_parse_yuan("1140", &fen), 0);
    assert_int_equal(fen, 114000);
    assert_int_equal(bank_parse_yuan("1140.5", &fen), 0);
    assert_int_equal(fen, 114050);
    assert_int_equal(bank_parse_yuan("-50.00", &fen), 0);
    assert_int_equal(fen, -5000);
    assert_int_equal(bank_parse_yuan("1.234", &fen), -1);
    assert_int_equal(bank_parse_yuan("abc", &fen), -1);
    assert_int_equal(bank_parse_yuan("", &fen), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(picks_the_standard_in_force),
        cmocka_unit_test(amounts_by_hand),
        cmocka_unit_test(months_accounts_and_yuan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
