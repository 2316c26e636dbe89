/* test_pinyin.c — unit tests for util/pinyin (ICU readings of names:
 * polyphonic surnames, minority names with ·, Latin names; the search
 * keys and the query normalisation) and the tails of core/fieldcrypt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/fieldcrypt.h"
#include "util/pinyin.h"

static int has_key(const name_keys *k, const char *key)
{
    for (size_t i = 0; i < k->n; i++)
        if (strcmp(k->key[i], key) == 0)
            return 1;
    return 0;
}

static void expect_sort_key(const char *name, const char *want)
{
    char got[PINYIN_MAX];
    assert_int_equal(pinyin_sort_key(name, got), 0);
    if (strcmp(got, want) != 0)
        print_error("%s: \"%s\", want \"%s\"\n", name, got, want);
    assert_string_equal(got, want);
}

static void test_sort_key(void **state)
{
    (void)state;
    expect_sort_key("张三", "zhang san");
    expect_sort_key("欧阳志远", "ou yang zhi yuan");
    expect_sort_key("吕布", "lu bu");   /* ü read u */
    /* the surname's reading, not the everyday one */
    expect_sort_key("单雄信", "shan xiong xin");
    expect_sort_key("曾国藩", "zeng guo fan");
    expect_sort_key("解缙", "xie jin");
    expect_sort_key("仇英", "qiu ying");
    expect_sort_key("区伟", "ou wei");
    expect_sort_key("查良镛", "zha liang yong");
    /* only the first character is a surname: 单 inside a name is dan */
    expect_sort_key("王单", "wang dan");
    /* minority names: the dot separates, it is not a syllable */
    expect_sort_key("阿依古丽·买买提", "a yi gu li mai mai ti");
    expect_sort_key("阿依古丽•买买提", "a yi gu li mai mai ti");
    /* Latin names pass through, lowercased, a word a syllable */
    expect_sort_key("John Smith", "john smith");
    expect_sort_key("Anna-Lena MÜLLER", "anna lena muller");
}

static void test_keys_polyphonic_surnames(void **state)
{
    (void)state;
    name_keys k;
    assert_int_equal(pinyin_name_keys("单雄信", &k), 0);
    /* both readings find him: the surname's and the plain one */
    assert_true(has_key(&k, "shanxiongxin"));
    assert_true(has_key(&k, "danxiongxin"));
    assert_true(has_key(&k, "sxx"));
    assert_true(has_key(&k, "dxx"));
    assert_int_equal(pinyin_name_keys("曾国藩", &k), 0);
    assert_true(has_key(&k, "zengguofan") && has_key(&k, "cengguofan"));
    assert_int_equal(pinyin_name_keys("查良镛", &k), 0);
    assert_true(has_key(&k, "zhaliangyong") && has_key(&k, "chaliangyong"));
    /* no second reading where the two agree */
    assert_int_equal(pinyin_name_keys("张三", &k), 0);
    assert_int_equal(k.n, 5);   /* 张三 三 zhangsan zs san */
}

static void test_keys_any_part(void **state)
{
    (void)state;
    name_keys k;
    assert_int_equal(pinyin_name_keys("张三丰", &k), 0);
    /* every suffix of the characters: an infix is a prefix of one */
    assert_true(has_key(&k, "张三丰") && has_key(&k, "三丰") && has_key(&k, "丰"));
    /* pinyin from any syllable; initials of the whole name */
    assert_true(has_key(&k, "zhangsanfeng") && has_key(&k, "sanfeng") && has_key(&k, "feng"));
    assert_true(has_key(&k, "zsf"));
    for (size_t i = 0; i < k.n; i++)
        assert_null(strchr(k.key[i], ' '));
    assert_int_equal(pinyin_name_keys("阿依古丽·买买提", &k), 0);
    assert_true(has_key(&k, "买买提") && has_key(&k, "maimaiti") && has_key(&k, "ayglmmt"));
    assert_true(has_key(&k, "阿依古丽买买提"));   /* the dot is not part of the name's characters */
    assert_int_equal(pinyin_name_keys("John Smith", &k), 0);
    assert_true(has_key(&k, "johnsmith") && has_key(&k, "smith") && has_key(&k, "js"));
    assert_false(has_key(&k, "ohnsmith"));   /* Latin names: words, not letters */
}

static void test_query_norm(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(pinyin_query_norm("Zhang San", out, sizeof out), 8);
    assert_string_equal(out, "zhangsan");
    pinyin_query_norm("古丽·买", out, sizeof out);
    assert_string_equal(out, "古丽买");
    /* '#' starts the tails' terms: a name search never reaches them */
    pinyin_query_norm("#p", out, sizeof out);
    assert_string_equal(out, "p");
    assert_int_equal(pinyin_query_norm(" · ", out, sizeof out), 0);
}

static void *other_thread(void *arg)
{
    char *out = arg;
    pinyin_sort_key("单雄信", out);
    return NULL;
}

/* Each thread opens its own transliterators (the server's workers). */
static void test_threads(void **state)
{
    (void)state;
    pthread_t t[4];
    char out[4][PINYIN_MAX];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, other_thread, out[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_string_equal(out[i], "shan xiong xin");
    }
}

/* The tails' blind indexes: the full value and its tail index alike,
 * each kind differently, nothing for a value shorter than the tail. */
static void test_tail_blind_indexes(void **state)
{
    (void)state;
    keys_load_ephemeral();
    char a[FC_BLIND_HEX], b[FC_BLIND_HEX], c[FC_BLIND_HEX];
    assert_int_equal(fc_blind(FC_PHONE_TAIL4, "138 1234 5678", 0, a), 0);
    assert_int_equal(fc_blind(FC_PHONE_TAIL4, "5678", 0, b), 0);
    assert_string_equal(a, b);
    assert_int_equal(fc_blind(FC_ID_TAIL4, "5678", 0, c), 0);
    assert_string_not_equal(a, c);   /* another context */
    assert_int_equal(fc_blind(FC_ID_TAIL6, "11010519491231002x", 0, a), 0);
    assert_int_equal(fc_blind(FC_ID_TAIL6, "31002X", 0, b), 0);
    assert_string_equal(a, b);
    assert_int_equal(fc_blind(FC_ID_TAIL5, "1002X", 0, c), 0);
    assert_string_not_equal(a, c);
    assert_int_equal(fc_blind(FC_ID_TAIL5, "002X", 0, c), -1);
    assert_int_equal(fc_blind(FC_PHONE, "13812345678", 0, a), 0);
    assert_int_equal(fc_blind(FC_PHONE_TAIL4, "13812345678", 0, b), 0);
    assert_string_not_equal(a, b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sort_key),
        cmocka_unit_test(test_keys_polyphonic_surnames),
        cmocka_unit_test(test_keys_any_part),
        cmocka_unit_test(test_query_norm),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_tail_blind_indexes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
