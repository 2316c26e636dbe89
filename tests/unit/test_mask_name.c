/* test_mask_name.c — unit tests for person_name_mask (util/validate.c):
 * the name as a 公示 prints it (surname kept, given name masked, its
 * last character kept when it has two or more) and as the receiving
 * side of a transfer sees it (the first character and a star). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "util/validate.h"

static const char *notice(const char *name)
{
    static char out[64];
    return person_name_mask(name, NAME_MASK_NOTICE, out, sizeof out);
}

static void two_characters_keep_the_surname(void **state)
{
    (void)state;
    assert_string_equal(notice("张明"), "张*");
    assert_string_equal(notice("李娜"), "李*");
}

static void three_characters_keep_the_last(void **state)
{
    (void)state;
    assert_string_equal(notice("张小明"), "张*明");
    assert_string_equal(notice("王建国"), "王*国");
}

static void longer_given_names_show_one_star(void **state)
{
    (void)state;
    assert_string_equal(notice("张小小明"), "张*明");   /* one star: the length is not told */
}

static void compound_surnames_stay_whole(void **state)
{
    (void)state;
    assert_string_equal(notice("欧阳小明"), "欧阳*明");
    assert_string_equal(notice("欧阳明"), "欧阳*");
    assert_string_equal(notice("司马光"), "司马*");
    assert_string_equal(notice("诸葛孔明"), "诸葛*明");
    assert_string_equal(notice("上官婉儿"), "上官*儿");
    assert_string_equal(notice("令狐冲"), "令狐*");
    /* two characters are a surname and a given name, whatever they are */
    assert_string_equal(notice("欧阳"), "欧*");
    /* not on the list: a single surname */
    assert_string_equal(notice("欧明亮"), "欧*亮");
}

static void names_with_parts_keep_first_and_last(void **state)
{
    (void)state;
    assert_string_equal(notice("买买提·艾力"), "买*力");
    assert_string_equal(notice("阿依古丽·买买提"), "阿*提");
    assert_string_equal(notice("John Smith"), "J*h");
}

static void one_character_or_nothing_is_a_star(void **state)
{
    (void)state;
    assert_string_equal(notice("张"), "*");
    assert_string_equal(notice(""), "*");
    assert_string_equal(notice(NULL), "*");
    assert_string_equal(notice("\xE5\xBC"), "*");          /* cut UTF-8 */
    assert_string_equal(notice("张\xFF明"), "*");          /* invalid byte: nothing shown */
}

static void initial_style_keeps_the_first_character(void **state)
{
    (void)state;
    char out[32];
    assert_string_equal(person_name_mask("张小明", NAME_MASK_INITIAL, out, sizeof out), "张*");
    assert_string_equal(person_name_mask("欧阳小明", NAME_MASK_INITIAL, out, sizeof out), "欧*");
    assert_string_equal(person_name_mask("买买提·艾力", NAME_MASK_INITIAL, out, sizeof out), "买*");
    assert_string_equal(person_name_mask("张", NAME_MASK_INITIAL, out, sizeof out), "*");
}

static void small_buffers_never_cut_a_character(void **state)
{
    (void)state;
    char out[8];
    /* 欧阳*明 needs 10 bytes: the surname and a star fit */
    assert_string_equal(person_name_mask("欧阳小明", NAME_MASK_NOTICE, out, sizeof out), "欧阳*");
    char tiny[4];
    assert_string_equal(person_name_mask("张小明", NAME_MASK_NOTICE, tiny, sizeof tiny), "*");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_characters_keep_the_surname),
        cmocka_unit_test(three_characters_keep_the_last),
        cmocka_unit_test(longer_given_names_show_one_star),
        cmocka_unit_test(compound_surnames_stay_whole),
        cmocka_unit_test(names_with_parts_keep_first_and_last),
        cmocka_unit_test(one_character_or_nothing_is_a_star),
        cmocka_unit_test(initial_style_keeps_the_first_character),
        cmocka_unit_test(small_buffers_never_cut_a_character),
    };
    return cmocka_run_group_tests_name("mask_name", tests, NULL, NULL);
}
