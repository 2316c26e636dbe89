/* test_validate.c — unit tests for util/validate (phones, dates, UTF-8,
 * names, enumerations). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/validate.h"

static void test_mobile_valid(void **state)
{
    (void)state;
    assert_true(phone_is_valid("13812345678"));
    assert_true(phone_is_valid("19912345678"));
    assert_true(phone_is_valid("138 1234 5678"));
    assert_true(phone_is_valid("138-1234-5678"));
    assert_true(phone_is_valid("  13812345678  "));
}

static void test_mobile_invalid(void **state)
{
    (void)state;
    assert_false(phone_is_valid("138123456789"));   /* 12 digits */
    assert_false(phone_is_valid("1381234567"));     /* 10 digits */
    assert_false(phone_is_valid("12812345678"));    /* starts with 12 */
    assert_false(phone_is_valid("10812345678"));
    assert_false(phone_is_valid("1381234567a"));
    assert_false(phone_is_valid("abcdefghijk"));
    assert_false(phone_is_valid("138--1234-5678")); /* two dashes in a row */
    assert_false(phone_is_valid("13812345678-"));
    assert_false(phone_is_valid("-13812345678"));
    assert_false(phone_is_valid(""));
    assert_false(phone_is_valid("   "));
    assert_false(phone_is_valid(NULL));
}

static void test_mobile_country_code(void **state)
{
    (void)state;
    assert_true(phone_is_valid("+8613812345678"));
    assert_true(phone_is_valid("+86 138 1234 5678"));
    assert_true(phone_is_valid("+86-13812345678"));
    assert_true(phone_is_valid("8613812345678"));
    assert_false(phone_is_valid("+8713812345678"));
    assert_false(phone_is_valid("+13812345678"));
    assert_false(phone_is_valid("+86 0530-5312345"));  /* +86 only for mobiles */
    assert_false(phone_is_valid("86128123456789"));
}

static void test_landline(void **state)
{
    (void)state;
    assert_true(phone_is_valid("0530-5312345"));
    assert_true(phone_is_valid("05305312345"));
    assert_true(phone_is_valid("053085312345"));       /* 8-digit local */
    assert_true(phone_is_valid("053085312345-801"));   /* extension */
    assert_true(phone_is_valid("0530-5312345-801"));
    assert_true(phone_is_valid("010-62345678"));
    assert_true(phone_is_valid("01062345678"));
    assert_true(phone_is_valid("021 62345678"));
    assert_false(phone_is_valid("0530-0312345"));      /* local starts with 0 */
    assert_false(phone_is_valid("0530-531234"));       /* 6-digit local */
    assert_false(phone_is_valid("0530-531234567"));    /* 9-digit local */
    assert_false(phone_is_valid("5312345"));           /* no area code */
    assert_false(phone_is_valid("011-62345678"));      /* 011 is not an area code */
    assert_false(phone_is_valid("0530-5312345-1234567")); /* extension too long */
    assert_false(phone_is_valid("0530-5312345-801-1"));
    assert_false(phone_is_valid("0530#5312345"));
}

static void test_normalize(void **state)
{
    (void)state;
    char out[32];
    assert_true(phone_normalize("+86 138-1234-5678", out, sizeof out));
    assert_string_equal(out, "13812345678");
    assert_true(phone_normalize("8613812345678", out, sizeof out));
    assert_string_equal(out, "13812345678");
    assert_true(phone_normalize("05305312345", out, sizeof out));
    assert_string_equal(out, "0530-5312345");
    assert_true(phone_normalize("0530 5312345", out, sizeof out));
    assert_string_equal(out, "0530-5312345");
    assert_true(phone_normalize("053085312345-801", out, sizeof out));
    assert_string_equal(out, "0530-85312345-801");
    assert_true(phone_normalize("01062345678", out, sizeof out));
    assert_string_equal(out, "010-62345678");

    assert_false(phone_normalize("12812345678", out, sizeof out));
    assert_string_equal(out, "");
    /* too small for the canonical form */
    char small[12];
    assert_false(phone_normalize("0530-5312345", small, sizeof small));
    assert_true(phone_normalize("13812345678", small, sizeof small));
    assert_string_equal(small, "13812345678");
    char tiny[11];
    assert_false(phone_normalize("13812345678", tiny, sizeof tiny));
}

static void test_mask(void **state)
{
    (void)state;
    char out[32];
    assert_string_equal(phone_mask("13812345678", out, sizeof out), "138****5678");
    assert_string_equal(phone_mask("+86 138 1234 5678", out, sizeof out), "138****5678");
    assert_string_equal(phone_mask("0530-5312345", out, sizeof out), "0530-*****45");
    assert_string_equal(phone_mask("010-62345678-801", out, sizeof out), "010-******78");
    /* anything unparseable is fully masked */
    assert_string_equal(phone_mask("12345", out, sizeof out), "*****");
    assert_string_equal(phone_mask("", out, sizeof out), "");
    assert_string_equal(phone_mask(NULL, out, sizeof out), "");
}

static void test_date(void **state)
{
    (void)state;
    assert_true(date_is_valid("2024-02-29"));
    assert_false(date_is_valid("2023-02-29"));
    assert_true(date_is_valid("2000-02-29"));
    assert_false(date_is_valid("1900-02-29"));
    assert_true(date_is_valid("1880-01-01"));
    assert_false(date_is_valid("1879-12-31"));
    assert_true(date_is_valid("2199-12-31"));
    assert_false(date_is_valid("2200-01-01"));
    assert_false(date_is_valid("2024-04-31"));
    assert_true(date_is_valid("2024-12-31"));
    assert_false(date_is_valid("2024-13-01"));
    assert_false(date_is_valid("2024-00-10"));
    assert_false(date_is_valid("2024-01-00"));
    assert_false(date_is_valid("2024-1-01"));
    assert_false(date_is_valid("2024/01/01"));
    assert_false(date_is_valid("2024-01-01 "));
    assert_false(date_is_valid("20240101"));
    assert_false(date_is_valid("2024-0a-01"));
    assert_false(date_is_valid(""));
    assert_false(date_is_valid(NULL));
}

static void test_utf8_length(void **state)
{
    (void)state;
    assert_int_equal(utf8_length(""), 0);
    assert_int_equal(utf8_length("abc"), 3);
    assert_int_equal(utf8_length("张三"), 2);
    assert_int_equal(utf8_length("a·b"), 3);
    assert_int_equal(utf8_length("\xF0\x9F\x98\x80"), 1);          /* U+1F600 */
    assert_int_equal(utf8_length("\xF4\x8F\xBF\xBF"), 1);          /* U+10FFFF */
    assert_int_equal(utf8_length("\xEF\xBF\xBF"), 1);              /* U+FFFF */
    assert_int_equal(utf8_length("\xC0\xAF"), -1);                 /* overlong '/' */
    assert_int_equal(utf8_length("\xE0\x80\xAF"), -1);             /* overlong, 3 bytes */
    assert_int_equal(utf8_length("\xF0\x80\x80\xAF"), -1);         /* overlong, 4 bytes */
    assert_int_equal(utf8_length("\xED\xA0\x80"), -1);             /* surrogate D800 */
    assert_int_equal(utf8_length("\xF4\x90\x80\x80"), -1);         /* > U+10FFFF */
    assert_int_equal(utf8_length("\xE5\xBC"), -1);                 /* truncated 张 */
    assert_int_equal(utf8_length("ab\xE5"), -1);
    assert_int_equal(utf8_length("\x80"), -1);                     /* stray continuation */
    assert_int_equal(utf8_length("\xFF"), -1);
    assert_int_equal(utf8_length(NULL), -1);
}

static void test_person_name(void **state)
{
    (void)state;
    assert_true(person_name_is_valid("张三"));
    assert_true(person_name_is_valid("阿依古丽·买买提"));
    assert_true(person_name_is_valid("欧阳 娜娜"));
    assert_true(person_name_is_valid("John Smith"));
    assert_false(person_name_is_valid(""));
    assert_false(person_name_is_valid("   "));
    assert_false(person_name_is_valid("\xE3\x80\x80"));   /* ideographic space only */
    assert_false(person_name_is_valid("张\n三"));
    assert_false(person_name_is_valid("张\t三"));
    assert_false(person_name_is_valid("张\x7f三"));
    assert_false(person_name_is_valid("\xE2\x80\xAE" "三张"));   /* RIGHT-TO-LEFT OVERRIDE */
    assert_false(person_name_is_valid("\xC0\xAF"));
    assert_false(person_name_is_valid(NULL));

    char name[64 * 3];
    memset(name, 0, sizeof name);
    for (int i = 0; i < 50; i++)
        memcpy(name + i * 3, "张", 3);
    assert_true(person_name_is_valid(name));          /* 50 code points */
    memcpy(name + 50 * 3, "张", 3);
    assert_false(person_name_is_valid(name));         /* 51 */

    char ascii[52];
    memset(ascii, 'a', 51);
    ascii[51] = '\0';
    assert_false(person_name_is_valid(ascii));
    ascii[50] = '\0';
    assert_true(person_name_is_valid(ascii));
}

/* Chinese and Latin names, the middle dot's look-alikes, what is refused
 * and the message that says why. */
static void test_person_name_rules(void **state)
{
    (void)state;
    char out[256];
    /* • ・ ． ‧ typed for the middle dot become · */
    assert_string_equal(person_name_normalize("阿依古丽\xE2\x80\xA2买买提", out, sizeof out), "阿依古丽·买买提");
    assert_string_equal(person_name_normalize("阿依古丽\xE3\x83\xBB买买提", out, sizeof out), "阿依古丽·买买提");
    assert_string_equal(person_name_normalize("阿依古丽\xEF\xBC\x8E买买提", out, sizeof out), "阿依古丽·买买提");
    assert_string_equal(person_name_normalize("  John \xE3\x80\x80 Smith ", out, sizeof out), "John Smith");
    assert_null(person_name_problem("阿依古丽·买买提"));
    assert_null(person_name_problem("O'Brien"));
    assert_null(person_name_problem("Jean-Luc Picard"));
    assert_null(person_name_problem("José María Núñez"));
    assert_null(person_name_problem("Martin Luther King Jr."));
    assert_null(person_name_problem("𠀋三"));   /* an extension-B character */
    assert_string_equal(person_name_problem("张3"), "姓名不能含数字");
    assert_string_equal(person_name_problem("张\xEF\xBC\x93"), "姓名不能含数字");   /* ３ */
    assert_string_equal(person_name_problem("<b>张三</b>"), "姓名不能含 < > & \" 等符号");
    assert_string_equal(person_name_problem("张&三"), "姓名不能含 < > & \" 等符号");
    assert_string_equal(person_name_problem("\"张三\""), "姓名不能含 < > & \" 等符号");
    assert_string_equal(person_name_problem("张\x01三"), "姓名不能含控制字符或不可见的格式字符");
    assert_string_equal(person_name_problem("张三John"), "姓名不能汉字和拉丁字母混写");
    assert_string_equal(person_name_problem("·张三"), "姓名中的间隔号、连字符或撇号不能在开头或连用");
    assert_string_equal(person_name_problem("张··三"), "姓名中的间隔号、连字符或撇号不能在开头或连用");
    assert_string_equal(person_name_problem("张三·"), "姓名不能以间隔号、连字符或撇号结尾");
    assert_string_equal(person_name_problem("张三@"),
                        "姓名只能由汉字或拉丁字母组成（少数民族姓名用间隔号·分隔，外文姓名可含空格、连字符和撇号）");
    assert_string_equal(person_name_problem("Иван"),
                        "姓名只能由汉字或拉丁字母组成（少数民族姓名用间隔号·分隔，外文姓名可含空格、连字符和撇号）");
    assert_string_equal(person_name_problem(" "), "姓名不能为空");
}

/* Full-width digits, plus sign, dash and spaces in phones. */
static void test_phone_fullwidth(void **state)
{
    (void)state;
    char out[40], folded[64];
    /* １３８ ００１３ ８０００ */
    assert_true(phone_normalize("\xEF\xBC\x91\xEF\xBC\x93\xEF\xBC\x98\xE3\x80\x80\xEF\xBC\x90\xEF\xBC\x90\xEF\xBC\x91"
                                "\xEF\xBC\x93 8000", out, sizeof out));
    assert_string_equal(out, "13800138000");
    /* ＋８６ and ０５３０－５３１２３４５ */
    assert_true(phone_normalize("\xEF\xBC\x8B\xEF\xBC\x98\xEF\xBC\x96 13800138000", out, sizeof out));
    assert_string_equal(out, "13800138000");
    assert_true(phone_normalize("\xEF\xBC\x90\xEF\xBC\x95\xEF\xBC\x93\xEF\xBC\x90\xEF\xBC\x8D" "5312345", out, sizeof out));
    assert_string_equal(out, "0530-5312345");
    assert_string_equal(fullwidth_fold("\xEF\xBC\xA1\xEF\xBD\x82\xE3\x80\x80" "c", folded, sizeof folded), "Ab c");
}

static void test_text_is_clean(void **state)
{
    (void)state;
    static const char *const invisible[] = {
        "\xE2\x80\xAA", "\xE2\x80\xAB", "\xE2\x80\xAC", "\xE2\x80\xAD", "\xE2\x80\xAE", /* U+202A–202E */
        "\xE2\x81\xA6", "\xE2\x81\xA7", "\xE2\x81\xA8", "\xE2\x81\xA9",                  /* U+2066–2069 */
        "\xE2\x80\x8E", "\xE2\x80\x8F", "\xD8\x9C",                                       /* U+200E/F, U+061C */
        "\xE2\x80\x8B", "\xE2\x80\x8C", "\xE2\x80\x8D", "\xE2\x81\xA0", "\xEF\xBB\xBF",    /* U+200B–D, U+2060, U+FEFF */
        "\xE2\x80\xA8", "\xE2\x80\xA9",                                                    /* U+2028/2029 */
        "\x01", "\x1b", "\x7f", "\xC2\x80", "\xC2\x85", "\xC2\x9F",                             /* C0, DEL, C1 */
        NULL};
    for (size_t i = 0; invisible[i]; i++) {
        char text[32];
        snprintf(text, sizeof text, "看%s这里", invisible[i]);
        assert_false(text_is_clean(text, 0));
        assert_false(text_is_clean(text, 1));
    }
    assert_true(text_is_clean("独居老人　每周探访（周三）。No. 8-2", 0));
    assert_true(text_is_clean("", 0));
    assert_true(text_is_clean(NULL, 0));
    assert_true(text_is_clean("\xC2\xA0\xE2\x80\x8A", 0));   /* U+00A0, U+200A: visible spaces */
    /* Tab and line breaks only in free text. */
    assert_false(text_is_clean("第一行\n第二行", 0));
    assert_false(text_is_clean("a\tb", 0));
    assert_false(text_is_clean("a\r\nb", 0));
    assert_true(text_is_clean("第一行\r\n第二行\t完", 1));
    /* Not UTF-8. */
    assert_false(text_is_clean("\xC0\xAF", 1));
    assert_false(text_is_clean("\xED\xA0\x80", 1));
    assert_false(text_is_clean("\xE5\xBC", 1));
}

static void test_str_in_set(void **state)
{
    (void)state;
    static const char *const kinds[] = {"dibao", "tekun", "linshi", NULL};
    assert_true(str_in_set("dibao", kinds));
    assert_true(str_in_set("linshi", kinds));
    assert_false(str_in_set("Dibao", kinds));
    assert_false(str_in_set("dibao ", kinds));
    assert_false(str_in_set("", kinds));
    assert_false(str_in_set(NULL, kinds));
    assert_false(str_in_set("dibao", NULL));
}

static void test_utf8_trim_partial(void **state)
{
    (void)state;
    char cut[8] = "ab\xe4\xb8";          /* "ab" + first 2 bytes of 中 */
    utf8_trim_partial(cut);
    assert_string_equal(cut, "ab");
    char whole[16] = "ab\xe4\xb8\xad";   /* "ab中" stays */
    utf8_trim_partial(whole);
    assert_string_equal(whole, "ab\xe4\xb8\xad");
    char four[8] = "\xf0\x9f\x98";        /* 3 of 4 bytes of an emoji */
    utf8_trim_partial(four);
    assert_string_equal(four, "");
    char empty[1] = "";
    utf8_trim_partial(empty);
    assert_string_equal(empty, "");
}

static void test_utf8_scrub(void **state)
{
    (void)state;
    char ok[16] = "a张\xf0\x9f\x98\x80" "b";   /* valid text is left alone */
    utf8_scrub(ok);
    assert_string_equal(ok, "a张\xf0\x9f\x98\x80" "b");
    char bad[32] = "cod\xe2\xe2" "e\xff\xc0\x80\xed\xa0\x80" "x\xe4\xb8";
    utf8_scrub(bad);                           /* stray, overlong, surrogate, cut: one '?' a byte */
    assert_string_equal(bad, "cod??e??????x??");
    assert_true(utf8_length(bad) >= 0);
}

/* A cell as typed: ASCII whitespace and U+3000 trimmed at both ends, inner ones kept. */
static void test_text_trim(void **state)
{
    char a[] = " \t新华\xE3\x80\x80社区\xE3\x80\x80\r\n", b[] = "\xE3\x80\x80 \xE3\x80\x80", c[] = "A1";
    assert_string_equal(text_trim(a), "新华\xE3\x80\x80社区");
    assert_string_equal(text_trim(b), "");
    assert_string_equal(text_trim(c), "A1");
}

/* "Today" is the China local date (UTC+8) whatever the server's time
 * zone: a server set to UTC-8 (16 hours behind Beijing) still answers
 * Beijing's date. */
static void test_today_is_china_local(void **state)
{
    (void)state;
    setenv("TZ", "America/Los_Angeles", 1);
    tzset();
    time_t before = time(NULL) + 8 * 3600;
    int today = date_today_local();
    time_t after = time(NULL) + 8 * 3600;
    struct tm a, b;
    gmtime_r(&before, &a);
    gmtime_r(&after, &b);
    int ya = (a.tm_year + 1900) * 10000 + (a.tm_mon + 1) * 100 + a.tm_mday;
    int yb = (b.tm_year + 1900) * 10000 + (b.tm_mon + 1) * 100 + b.tm_mday;
    assert_true(today == ya || today == yb);
    /* and as text, the form the assistance rules compare */
    char text[11], want[32];
    date_today_text(text);
    int now = date_today_local();
    snprintf(want, sizeof want, "%04d-%02d-%02d", now / 10000, now / 100 % 100, now % 100);
    assert_string_equal(text, want);
    unsetenv("TZ");
    tzset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mobile_valid),
        cmocka_unit_test(test_mobile_invalid),
        cmocka_unit_test(test_mobile_country_code),
        cmocka_unit_test(test_landline),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_mask),
        cmocka_unit_test(test_date),
        cmocka_unit_test(test_utf8_length),
        cmocka_unit_test(test_person_name),
        cmocka_unit_test(test_person_name_rules),
        cmocka_unit_test(test_phone_fullwidth),
        cmocka_unit_test(test_text_is_clean),
        cmocka_unit_test(test_str_in_set),
        cmocka_unit_test(test_utf8_trim_partial),
        cmocka_unit_test(test_utf8_scrub),
        cmocka_unit_test(test_text_trim),
        cmocka_unit_test(test_today_is_china_local),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
