/* test_idcard.c — unit tests for util/idcard (GB 11643-1999 ID numbers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <time.h>

#include "util/idcard.h"

#define TODAY 20250615

static void test_check_digit(void **state)
{
    (void)state;
    assert_int_equal(idcard_check_digit("11010519491231002"), 'X');
    assert_int_equal(idcard_check_digit("37010219800101123"), '7');
    assert_int_equal(idcard_check_digit("44030419900307241"), '9');
    assert_int_equal(idcard_check_digit("1101051949123100A"), '\0');
    assert_int_equal(idcard_check_digit("1101"), '\0');
    assert_int_equal(idcard_check_digit(NULL), '\0');
}

static void test_valid_numbers(void **state)
{
    (void)state;
    idcard_info info;

    memset(&info, 0, sizeof info);
    assert_int_equal(idcard_validate("11010519491231002X", TODAY, &info), IDCARD_OK);
    assert_int_equal(info.birth_year, 1949);
    assert_int_equal(info.birth_month, 12);
    assert_int_equal(info.birth_day, 31);
    assert_string_equal(info.birth_date, "1949-12-31");
    assert_int_equal(info.sex, 'F');    /* 17th digit 2 */

    memset(&info, 0, sizeof info);
    assert_int_equal(idcard_validate("370102198001011237", TODAY, &info), IDCARD_OK);
    assert_string_equal(info.birth_date, "1980-01-01");
    assert_int_equal(info.sex, 'M');    /* 17th digit 3 */

    assert_int_equal(idcard_validate("440304199003072419", TODAY, NULL), IDCARD_OK);
    /* 1880 is the earliest year accepted */
    assert_int_equal(idcard_validate("110105187901010018", TODAY, NULL), IDCARD_BAD_DATE);
}

static void test_normalize(void **state)
{
    (void)state;
    char out[32];
    assert_string_equal(idcard_normalize("  11010519491231002x\t\n", out), "11010519491231002X");
    assert_int_equal(idcard_validate(out, TODAY, NULL), IDCARD_OK);
    /* the ideographic space of Chinese input methods is trimmed too */
    assert_string_equal(idcard_normalize("\xE3\x80\x80" "370102198001011237" "\xE3\x80\x80", out),
                        "370102198001011237");
    assert_string_equal(idcard_normalize(NULL, out), "");
    assert_string_equal(idcard_normalize("   ", out), "");
    /* over-long input stays over-long, so validation reports the length */
    idcard_normalize("3701021980010112371234567890123456789", out);
    assert_true(strlen(out) > 18);
    assert_true(strlen(out) < 32);
    assert_int_equal(idcard_validate(out, TODAY, NULL), IDCARD_BAD_LENGTH);
}

static void test_lowercase_x_rejected_unnormalized(void **state)
{
    (void)state;
    /* validate expects the normalized form: a lower-case x is a bad char */
    assert_int_equal(idcard_validate("11010519491231002x", TODAY, NULL), IDCARD_BAD_CHAR);
}

static void test_wrong_check_digit(void **state)
{
    (void)state;
    assert_int_equal(idcard_validate("110105194912310021", TODAY, NULL), IDCARD_BAD_CHECKSUM);
    assert_int_equal(idcard_validate("370102198001011234", TODAY, NULL), IDCARD_BAD_CHECKSUM);
    assert_int_equal(idcard_validate("440304199003072418", TODAY, NULL), IDCARD_BAD_CHECKSUM);
}

static void test_empty_and_length(void **state)
{
    (void)state;
    assert_int_equal(idcard_validate(NULL, TODAY, NULL), IDCARD_EMPTY);
    assert_int_equal(idcard_validate("", TODAY, NULL), IDCARD_EMPTY);
    assert_int_equal(idcard_validate("  ", TODAY, NULL), IDCARD_EMPTY);
    assert_int_equal(idcard_validate("11010519491231002", TODAY, NULL), IDCARD_BAD_LENGTH);
    assert_int_equal(idcard_validate("11010519491231002X1", TODAY, NULL), IDCARD_BAD_LENGTH);
    /* old 15-digit numbers are not accepted */
    assert_int_equal(idcard_validate("110105491231002", TODAY, NULL), IDCARD_BAD_LENGTH);
}

static void test_bad_chars(void **state)
{
    (void)state;
    assert_int_equal(idcard_validate("1101051949123100AX", TODAY, NULL), IDCARD_BAD_CHAR);
    assert_int_equal(idcard_validate("X10105194912310021", TODAY, NULL), IDCARD_BAD_CHAR);
    assert_int_equal(idcard_validate("11010519491231002Y", TODAY, NULL), IDCARD_BAD_CHAR);
    assert_int_equal(idcard_validate("110105 94912310021", TODAY, NULL), IDCARD_BAD_CHAR);
}

static void test_bad_region(void **state)
{
    (void)state;
    assert_int_equal(idcard_validate("990102198001011232", TODAY, NULL), IDCARD_BAD_REGION);
    /* 10, 16, 20, 38, 72, 80, 83 are not provinces; 82 (Macau) is */
    const char *bad[] = {"10", "16", "20", "38", "72", "80", "83", "00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char id[19];
        memcpy(id, bad[i], 2);
        memcpy(id + 2, "0102198001011", 13);
        memcpy(id + 15, "23", 2);
        id[17] = idcard_check_digit(id);
        id[18] = '\0';
        assert_int_equal(idcard_validate(id, TODAY, NULL), IDCARD_BAD_REGION);
    }
    char macau[19] = "82010219800101123";
    macau[17] = idcard_check_digit(macau);
    macau[18] = '\0';
    assert_int_equal(idcard_validate(macau, TODAY, NULL), IDCARD_OK);
}

static void test_leap_day(void **state)
{
    (void)state;
    /* 2000 is a leap year (divisible by 400), 2001 is not */
    assert_int_equal(idcard_validate("110105200002290013", TODAY, NULL), IDCARD_OK);
    assert_int_equal(idcard_validate("110105200102290010", TODAY, NULL), IDCARD_BAD_DATE);
    /* 1900 is not a leap year (divisible by 100, not 400) */
    char id[19] = "11010519000229001";
    id[17] = idcard_check_digit(id);
    id[18] = '\0';
    assert_int_equal(idcard_validate(id, TODAY, NULL), IDCARD_BAD_DATE);
    /* month 13, day 00 */
    char id2[19] = "11010519801301001";
    id2[17] = idcard_check_digit(id2);
    id2[18] = '\0';
    assert_int_equal(idcard_validate(id2, TODAY, NULL), IDCARD_BAD_DATE);
    char id3[19] = "11010519800100001";
    id3[17] = idcard_check_digit(id3);
    id3[18] = '\0';
    assert_int_equal(idcard_validate(id3, TODAY, NULL), IDCARD_BAD_DATE);
}

static void test_future_date(void **state)
{
    (void)state;
    /* born 2024-02-29: valid on that day, not the day before */
    assert_int_equal(idcard_validate("110105202402290038", 20240229, NULL), IDCARD_OK);
    assert_int_equal(idcard_validate("110105202402290038", 20240228, NULL), IDCARD_BAD_DATE);
    /* 2099 is in the future with today's real date (today_ymd == 0) */
    assert_int_equal(idcard_validate("370102209912311231", 0, NULL), IDCARD_BAD_DATE);
    assert_int_equal(idcard_validate("370102198001011237", 0, NULL), IDCARD_OK);
}

static void test_messages(void **state)
{
    (void)state;
    assert_string_equal(idcard_status_message(IDCARD_EMPTY), "身份证号不能为空");
    assert_string_equal(idcard_status_message(IDCARD_BAD_LENGTH), "身份证号应为18位");
    assert_string_equal(idcard_status_message(IDCARD_BAD_CHAR), "身份证号含有非法字符");
    assert_string_equal(idcard_status_message(IDCARD_BAD_REGION), "身份证号地区码无效");
    assert_string_equal(idcard_status_message(IDCARD_BAD_DATE), "身份证号中的出生日期无效");
    assert_string_equal(idcard_status_message(IDCARD_BAD_CHECKSUM), "身份证号校验位错误");
}

static void test_mask(void **state)
{
    (void)state;
    char out[19];
    assert_string_equal(idcard_mask("370102198001011234", out), "370102************");
    assert_string_equal(idcard_mask("11010519491231002X", out), "110105************");
    /* not 18 characters: all stars, same length */
    assert_string_equal(idcard_mask("1234", out), "****");
    assert_string_equal(idcard_mask("", out), "");
    assert_string_equal(idcard_mask(NULL, out), "");
    assert_string_equal(idcard_mask("3701021980010112345678", out), "******************");
    /* multibyte input is counted in characters and never cut */
    assert_string_equal(idcard_mask("张三", out), "**");
    assert_string_equal(idcard_mask("一二三四五六", out), "******");  /* 18 bytes */
}

static void test_age(void **state)
{
    (void)state;
    idcard_info info;
    assert_int_equal(idcard_validate("370102198001011237", TODAY, &info), IDCARD_OK);
    assert_int_equal(idcard_age_on(&info, 20241231), 44);
    assert_int_equal(idcard_age_on(&info, 20250101), 45);
    assert_int_equal(idcard_age_on(&info, 19800101), 0);
    assert_int_equal(idcard_age_on(&info, 19791231), -1);

    assert_int_equal(idcard_validate("11010519491231002X", TODAY, &info), IDCARD_OK);
    assert_int_equal(idcard_age_on(&info, 20291230), 79);
    assert_int_equal(idcard_age_on(&info, 20291231), 80);

    /* born on 29 February: a year older on 1 March in a common year */
    assert_int_equal(idcard_validate("110105200002290013", TODAY, &info), IDCARD_OK);
    assert_int_equal(idcard_age_on(&info, 20180228), 17);
    assert_int_equal(idcard_age_on(&info, 20180301), 18);
    assert_int_equal(idcard_age_on(&info, 20200229), 20);
    assert_int_equal(idcard_age_on(NULL, 20200229), -1);
}

static void test_sex(void **state)
{
    (void)state;
    idcard_info info;
    /* same prefix, 17th digit 0..9: even female, odd male */
    for (int d = 0; d <= 9; d++) {
        char id[19] = "3701021980010112";
        id[16] = (char)('0' + d);
        id[17] = idcard_check_digit(id);
        id[18] = '\0';
        assert_int_equal(idcard_validate(id, TODAY, &info), IDCARD_OK);
        assert_int_equal(info.sex, d % 2 ? 'M' : 'F');
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_digit),
        cmocka_unit_test(test_valid_numbers),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_lowercase_x_rejected_unnormalized),
        cmocka_unit_test(test_wrong_check_digit),
        cmocka_unit_test(test_empty_and_length),
        cmocka_unit_test(test_bad_chars),
        cmocka_unit_test(test_bad_region),
        cmocka_unit_test(test_leap_day),
        cmocka_unit_test(test_future_date),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_mask),
        cmocka_unit_test(test_age),
        cmocka_unit_test(test_sex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
