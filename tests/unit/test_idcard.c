/* test_idcard.c — unit tests for util/idcard (GB 11643-1999 ID numbers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <time.h>

#include "util/gbt2260.h"
#include "util/idcard.h"

#include <stdio.h>

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
    /* births before 1900 are refused with their own message */
    assert_int_equal(idcard_validate("110105187901010018", TODAY, NULL), IDCARD_BEFORE_1900);
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
    /* a leading 9 is a foreigner's card: 90 is no issuing province */
    assert_int_equal(idcard_validate("990102198001011232", TODAY, NULL), IDCARD_BAD_FOREIGN_PROVINCE);
    /* 10, 16, 20, 38, 72, 80, 83 are not provinces; 010200 is no county under 82 (Macau) either */
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
    assert_int_equal(idcard_validate(macau, TODAY, NULL), IDCARD_BAD_REGION);
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
    assert_int_equal(idcard_validate("110105202402290038", 20240228, NULL), IDCARD_FUTURE_BIRTH);
    /* 2099 is in the future with today's real date (today_ymd == 0) */
    assert_int_equal(idcard_validate("370102209912311231", 0, NULL), IDCARD_FUTURE_BIRTH);
    assert_int_equal(idcard_validate("370102198001011237", 0, NULL), IDCARD_OK);
}

static void test_messages(void **state)
{
    (void)state;
    assert_string_equal(idcard_status_message(IDCARD_EMPTY), "身份证号不能为空");
    assert_string_equal(idcard_status_message(IDCARD_BAD_LENGTH), "身份证号应为18位");
    assert_string_equal(idcard_status_message(IDCARD_BAD_CHAR), "身份证号含有非法字符");
    assert_string_equal(idcard_status_message(IDCARD_BAD_REGION),
                        "身份证号地区码无效（前6位不在 GB/T 2260 行政区划代码中，已撤销的旧代码也查过）");
    assert_string_equal(idcard_status_message(IDCARD_BEFORE_1900), "出生日期早于1900年，请核对身份证号");
    assert_string_equal(idcard_status_message(IDCARD_FUTURE_BIRTH), "身份证号中的出生日期晚于今天");
    assert_string_equal(idcard_status_message(IDCARD_EXCEL),
                        "身份证号被 Excel 转成了科学计数法（如 3.71702E+17），后几位已丢失，请把该列设为文本格式后重新导出");
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


/* The number of first17 with its check digit. */
static const char *with_check(const char *first17, char out[19])
{
    memcpy(out, first17, 17);
    out[17] = idcard_check_digit(first17);
    out[18] = '\0';
    return out;
}

/* 港澳台居民居住证: 810000 / 820000 / 830000, the citizen number's rules. */
static void test_gat_permits(void **state)
{
    (void)state;
    char id[19];
    idcard_info info;
    const char *regions[] = {"810000", "820000", "830000"};
    for (size_t i = 0; i < 3; i++) {
        char first17[18];
        snprintf(first17, sizeof first17, "%s%s", regions[i], "19900101003");
        memset(&info, 0, sizeof info);
        assert_int_equal(idcard_validate(with_check(first17, id), TODAY, &info), IDCARD_OK);
        assert_int_equal(info.kind, IDCARD_KIND_GAT);
        assert_string_equal(info.birth_date, "1990-01-01");
        assert_int_equal(info.sex, 'M');
        id[17] = id[17] == '0' ? '1' : '0';
        assert_int_equal(idcard_validate(id, TODAY, NULL), IDCARD_BAD_CHECKSUM);
    }
    /* only the six digits of the permit: 810100 is no region */
    assert_int_equal(idcard_validate(with_check("81010019900101003", id), TODAY, NULL), IDCARD_BAD_REGION);
    assert_string_equal(idcard_kind_code(IDCARD_KIND_GAT), "gat_residence_permit");
    assert_string_equal(idcard_kind_label(IDCARD_KIND_GAT), "港澳台居民居住证");
}

/* 2023 外国人永久居留身份证: 9, province (2), nationality (3), birth date
 * (8), sequence (3), MOD 11-2 check digit. */
static void test_foreign_permanent_residence(void **state)
{
    (void)state;
    char id[19];
    idcard_info info;
    memset(&info, 0, sizeof info);
    /* issued in Beijing (11) to a citizen of the USA (840), born 1985-06-15 */
    assert_int_equal(idcard_validate(with_check("91184019850615012", id), TODAY, &info), IDCARD_OK);
    assert_int_equal(info.kind, IDCARD_KIND_FOREIGN);
    assert_string_equal(info.birth_date, "1985-06-15");
    assert_int_equal(info.sex, 'F');
    assert_string_equal(idcard_kind_code(info.kind), "foreign_permanent_residence");
    /* a wrong check digit */
    id[17] = id[17] == '0' ? '1' : '0';
    assert_int_equal(idcard_validate(id, TODAY, NULL), IDCARD_BAD_CHECKSUM);
    /* Shandong (37), Japan (392): fine; 99 and 81 are no issuing province */
    assert_int_equal(idcard_validate(with_check("93739220000229001", id), TODAY, NULL), IDCARD_OK);
    assert_int_equal(idcard_validate(with_check("99984019850615012", id), TODAY, NULL), IDCARD_BAD_FOREIGN_PROVINCE);
    assert_int_equal(idcard_validate(with_check("98184019850615012", id), TODAY, NULL), IDCARD_BAD_FOREIGN_PROVINCE);
    /* nationality 000, or 156 (China: no foreigner's card) */
    assert_int_equal(idcard_validate(with_check("91100019850615012", id), TODAY, NULL), IDCARD_BAD_NATIONALITY);
    assert_int_equal(idcard_validate(with_check("91115619850615012", id), TODAY, NULL), IDCARD_BAD_NATIONALITY);
    /* its birth date is checked as a citizen's */
    assert_int_equal(idcard_validate(with_check("91184019850230012", id), TODAY, NULL), IDCARD_BAD_DATE);
    assert_int_equal(idcard_validate(with_check("91184018990101012", id), TODAY, NULL), IDCARD_BEFORE_1900);
    assert_int_equal(idcard_validate(with_check("91184020990101012", id), TODAY, NULL), IDCARD_FUTURE_BIRTH);
}

/* Region codes at county level against GB/T 2260, abolished ones included. */
static void test_region_codes(void **state)
{
    (void)state;
    char id[19];
    /* 110103 崇文区 and 110104 宣武区 (abolished 2010), 320107 下关区 (2013),
     * 370802 济宁市中区 (2013): numbers issued under them stay valid */
    const char *abolished[] = {"11010319700101001", "11010419700101001", "32010719700101001", "37080219700101001"};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(idcard_validate(with_check(abolished[i], id), TODAY, NULL), IDCARD_OK);
    /* current ones, newest included: 371702 牡丹区, 330113 临平区 (2021) */
    assert_int_equal(idcard_validate(with_check("37170219700101001", id), TODAY, NULL), IDCARD_OK);
    assert_int_equal(idcard_validate(with_check("33011319700101001", id), TODAY, NULL), IDCARD_OK);
    /* prefecture-level codes (东莞 441900, older numbers' 370100) */
    assert_int_equal(idcard_validate(with_check("44190019700101001", id), TODAY, NULL), IDCARD_OK);
    /* unknown counties under a real prefecture: 371799, 110199; a
     * statistics-only development zone (370171 济南高新区) is none either */
    assert_int_equal(idcard_validate(with_check("37179919700101001", id), TODAY, NULL), IDCARD_BAD_REGION);
    assert_int_equal(idcard_validate(with_check("11019919700101001", id), TODAY, NULL), IDCARD_BAD_REGION);
    assert_int_equal(idcard_validate(with_check("37017119700101001", id), TODAY, NULL), IDCARD_BAD_REGION);
    /* a prefecture that does not exist */
    assert_int_equal(idcard_validate(with_check("37990119700101001", id), TODAY, NULL), IDCARD_BAD_REGION);
    assert_true(gbt2260_count() > 6000);
}

static void test_before_1900(void **state)
{
    (void)state;
    char id[19];
    assert_int_equal(idcard_validate(with_check("37170218991231001", id), TODAY, NULL), IDCARD_BEFORE_1900);
    assert_int_equal(idcard_validate(with_check("37170219000101001", id), TODAY, NULL), IDCARD_OK);
    assert_int_equal(idcard_validate(with_check("37170218990230001", id), TODAY, NULL), IDCARD_BAD_DATE);
}

/* Full-width characters, spaces anywhere, x; Excel's scientific notation. */
static void test_normalize_pasted(void **state)
{
    (void)state;
    char out[32];
    /* ３７０１０２１９８００１０１１２３７ */
    assert_string_equal(idcard_normalize("\xEF\xBC\x93\xEF\xBC\x97\xEF\xBC\x90\xEF\xBC\x91\xEF\xBC\x90\xEF\xBC\x92"
                                         "198001011237", out), "370102198001011237");
    assert_string_equal(idcard_normalize(" 110105 19491231 002x ", out), "11010519491231002X");
    /* full-width ｘ and the ideographic space inside */
    assert_string_equal(idcard_normalize("110105\xE3\x80\x80" "19491231002\xEF\xBD\x98", out), "11010519491231002X");
    assert_int_equal(idcard_validate(out, TODAY, NULL), IDCARD_OK);
    const char *excel[] = {"3.71702E+17", "3.71702198001011E+17", "3.71702e+17", "3,71702E+17", "3E+17"};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(idcard_validate(idcard_normalize(excel[i], out), TODAY, NULL), IDCARD_EXCEL);
    /* ３．７１７０２Ｅ＋１７, typed full-width */
    idcard_normalize("\xEF\xBC\x93\xEF\xBC\x8E\xEF\xBC\x97\xEF\xBC\x91\xEF\xBC\x97\xEF\xBC\x90\xEF\xBC\x92"
                     "\xEF\xBC\xA5\xEF\xBC\x8B\xEF\xBC\x91\xEF\xBC\x97", out);
    assert_string_equal(out, "3.71702E+17");
    assert_int_equal(idcard_validate(out, TODAY, NULL), IDCARD_EXCEL);
    /* 18 digits ending in 000 are not taken for Excel's: just a bad check digit */
    assert_int_equal(idcard_validate("371702198001011000", TODAY, NULL), IDCARD_BAD_CHECKSUM);
    /* not numbers in scientific form */
    assert_int_equal(idcard_validate("3.7E", TODAY, NULL), IDCARD_BAD_LENGTH);
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
        cmocka_unit_test(test_gat_permits),
        cmocka_unit_test(test_foreign_permanent_residence),
        cmocka_unit_test(test_region_codes),
        cmocka_unit_test(test_before_1900),
        cmocka_unit_test(test_normalize_pasted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
