/* test_injury.c — the analysis rules of safety/injury.c (pure functions):
 * the age-band rule at every boundary, the age at a date (birthday,
 * the day before, 29 February), the dimensions by name, and the tallies
 * on a known set of records: counts by one dimension with every value
 * listed (zeros included) in the list's order, a cross-tab of two, the
 * year before kept apart (year on year) and other years left out, the
 * month and community dimensions, and a value outside the lists kept
 * rather than lost. (The records and their routes: tests/api/
 * test_safety_injuries.c.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "safety/injury.h"

static void test_age_bands(void **state)
{
    (void)state;
    static const struct { int age; const char *band; } CASES[] = {
        {0, "0-6"},    {6, "0-6"},     {7, "7-17"},   {17, "7-17"},  {18, "18-44"}, {44, "18-44"},
        {45, "45-59"}, {59, "45-59"},  {60, "60-74"}, {74, "60-74"}, {75, "75+"},   {120, "75+"},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        const injury_age_band_def *b = injury_age_band(CASES[i].age);
        assert_non_null(b);
        assert_string_equal(b->key, CASES[i].band);
    }
    assert_null(injury_age_band(-1));
    assert_null(injury_age_band(121));
    assert_int_equal(injury_age_band_find("60-74")->lo, 60);
    assert_int_equal(injury_age_band_find("75+")->hi, 120);
    assert_null(injury_age_band_find("60-75"));
    /* the bands cover 0–120 without gaps or overlaps */
    int next = 0;
    for (const injury_age_band_def *b = INJURY_AGE_BANDS; b->key; b++) {
        assert_int_equal(b->lo, next);
        next = b->hi + 1;
    }
    assert_int_equal(next, 121);
}

static void test_age_at(void **state)
{
    (void)state;
    assert_int_equal(injury_age_at("2019-06-15", "2026-06-15"), 7);   /* on the birthday */
    assert_int_equal(injury_age_at("2019-06-15", "2026-06-14"), 6);   /* the day before */
    assert_int_equal(injury_age_at("2008-02-29", "2026-02-28"), 17);
    assert_int_equal(injury_age_at("2008-02-29", "2026-03-01"), 18);
    assert_int_equal(injury_age_at("2026-05-01", "2026-05-01"), 0);
    assert_int_equal(injury_age_at("2026-05-02", "2026-05-01"), -1);  /* born after */
    assert_int_equal(injury_age_at("2026-13-01", "2026-05-01"), -1);
    assert_int_equal(injury_age_at(NULL, "2026-05-01"), -1);
}

static void test_dimensions(void **state)
{
    (void)state;
    assert_int_equal(injury_dim_find("age_band"), INJ_AGE_BAND);
    assert_int_equal(injury_dim_find("community"), INJ_COMMUNITY);
    assert_int_equal(injury_dim_find("month"), INJ_MONTH);
    assert_int_equal(injury_dim_find("grid"), INJ_DIMS);
    assert_int_equal(injury_dim_find(NULL), INJ_DIMS);
    for (int d = 0; d < INJ_DIMS; d++) {
        assert_int_equal(injury_dim_find(injury_dim_name((injury_dim)d)), d);
        assert_true(strlen(injury_dim_label((injury_dim)d)) > 0);
        assert_non_null(strstr(injury_dim_names_text(), injury_dim_name((injury_dim)d)));
    }
}

/* The known set: 2026 and 2025 records, and one of 2024 that no tally of 2026 counts. */
static const injury_facts SET[] = {
    {"2026-01-05", "家庭", "女", "离退休人员", "小学", "跌倒", "地面湿滑或不平", "轻", 80, 11, "东关社区"},
    {"2026-01-20", "家庭", "女", "离退休人员", "初中", "跌倒", "照明不足", "中", 75, 11, "东关社区"},
    {"2026-03-02", "道路", "男", "工人", "初中", "道路交通", "交通违法", "重", 44, 12, "西关社区"},
    {"2026-03-09", "学校", "男", "在校学生", "小学", "跌倒", "设施缺陷", "轻", 7, 12, "西关社区"},
    {"2026-12-31", "家庭", "男", "学龄前儿童", "学龄前", "烧烫伤", "看护不当", "中", 6, 11, "东关社区"},
    {"2025-01-11", "家庭", "女", "离退休人员", "小学", "跌倒", "地面湿滑或不平", "轻", 74, 11, "东关社区"},
    {"2025-07-01", "道路", "男", "工人", "高中或中专", "道路交通", "交通违法", "死亡", 45, 12, "西关社区"},
    {"2024-05-05", "家庭", "女", "离退休人员", "小学", "跌倒", "不清楚", "轻", 90, 11, "东关社区"},
};

static void tally_set(injury_tally *t, int year, injury_dim by, injury_dim by2)
{
    assert_int_equal(injury_tally_init(t, year, by, by2), 0);
    for (size_t i = 0; i < sizeof SET / sizeof SET[0]; i++)
        assert_int_equal(injury_tally_add(t, &SET[i]), 0);
}

/* The row index of key on axis, asserted present. */
static size_t at(const injury_tally *t, int axis, const char *key)
{
    const injury_key *keys = axis == 0 ? t->rows : t->cols;
    size_t n = axis == 0 ? t->nrows : t->ncols;
    for (size_t i = 0; i < n; i++)
        if (strcmp(keys[i].key, key) == 0)
            return i;
    fail_msg("no key %s on axis %d", key, axis);
    return 0;
}

static void test_tally_by_age_band(void **state)
{
    (void)state;
    injury_tally t;
    tally_set(&t, 2026, INJ_AGE_BAND, INJ_DIMS);
    assert_int_equal(t.nrows, 6);   /* every band, in order, zeros included */
    assert_string_equal(t.rows[0].key, "0-6");
    assert_string_equal(t.rows[5].key, "75+");
    assert_string_equal(t.rows[5].label, "75岁及以上");
    assert_int_equal(t.ncols, 1);
    /* 2026: 80, 75 → 75+; 44 → 18-44; 7 → 7-17; 6 → 0-6 */
    assert_int_equal(injury_tally_count(&t, at(&t, 0, "75+"), 0, 0), 2);
    assert_int_equal(injury_tally_count(&t, at(&t, 0, "18-44"), 0, 0), 1);
    assert_int_equal(injury_tally_count(&t, at(&t, 0, "7-17"), 0, 0), 1);
    assert_int_equal(injury_tally_count(&t, at(&t, 0, "0-6"), 0, 0), 1);
    assert_int_equal(injury_tally_count(&t, at(&t, 0, "45-59"), 0, 0), 0);
    /* 2025 (previous): 74 → 60-74, 45 → 45-59; the 2024 record counts nowhere */
    assert_int_equal(injury_tally_count(&t, at(&t, 0, "60-74"), 0, 1), 1);
    assert_int_equal(injury_tally_count(&t, at(&t, 0, "45-59"), 0, 1), 1);
    assert_int_equal(injury_tally_count(&t, at(&t, 0, "75+"), 0, 1), 0);
    int64_t now = 0, before = 0;
    for (size_t i = 0; i < t.nrows; i++) {
        now += injury_tally_count(&t, i, 0, 0);
        before += injury_tally_count(&t, i, 0, 1);
    }
    assert_int_equal(now, 5);
    assert_int_equal(before, 2);
    injury_tally_release(&t);
}

static void test_tally_cross_tab(void **state)
{
    (void)state;
    injury_tally t;
    tally_set(&t, 2026, INJ_INJURY_TYPE, INJ_SEX);
    assert_int_equal(t.ncols, 2);
    assert_string_equal(t.cols[0].key, "男");
    assert_string_equal(t.cols[1].key, "女");
    size_t fall = at(&t, 0, "跌倒"), road = at(&t, 0, "道路交通"), burn = at(&t, 0, "烧烫伤"), f = at(&t, 1, "女"),
           m = at(&t, 1, "男");
    assert_int_equal(fall, 0);   /* the list's order */
    assert_int_equal(injury_tally_count(&t, fall, f, 0), 2);
    assert_int_equal(injury_tally_count(&t, fall, m, 0), 1);
    assert_int_equal(injury_tally_count(&t, road, m, 0), 1);
    assert_int_equal(injury_tally_count(&t, burn, m, 0), 1);
    assert_int_equal(injury_tally_count(&t, burn, f, 0), 0);
    assert_int_equal(injury_tally_count(&t, fall, f, 1), 1);
    assert_int_equal(injury_tally_count(&t, road, m, 1), 1);
    assert_int_equal(injury_tally_count(&t, at(&t, 0, "中毒"), m, 0), 0);
    injury_tally_release(&t);

    /* the year before is another tally's year: 2025 against 2024 */
    tally_set(&t, 2025, INJ_INJURY_TYPE, INJ_SEX);
    assert_int_equal(injury_tally_count(&t, at(&t, 0, "跌倒"), at(&t, 1, "女"), 0), 1);
    assert_int_equal(injury_tally_count(&t, at(&t, 0, "跌倒"), at(&t, 1, "女"), 1), 1);
    assert_int_equal(injury_tally_count(&t, at(&t, 0, "道路交通"), at(&t, 1, "男"), 1), 0);
    injury_tally_release(&t);
}

static void test_tally_month_and_community(void **state)
{
    (void)state;
    injury_tally t;
    tally_set(&t, 2026, INJ_MONTH, INJ_COMMUNITY);
    assert_int_equal(t.nrows, 12);
    assert_string_equal(t.rows[0].key, "01");
    assert_string_equal(t.rows[0].label, "1月");
    assert_string_equal(t.rows[11].label, "12月");
    assert_int_equal(t.ncols, 2);   /* the communities the records name, as met */
    size_t east = at(&t, 1, "11"), west = at(&t, 1, "12");
    assert_string_equal(t.cols[east].label, "东关社区");
    assert_int_equal(injury_tally_count(&t, at(&t, 0, "01"), east, 0), 2);
    assert_int_equal(injury_tally_count(&t, at(&t, 0, "03"), west, 0), 2);
    assert_int_equal(injury_tally_count(&t, at(&t, 0, "12"), east, 0), 1);
    assert_int_equal(injury_tally_count(&t, at(&t, 0, "07"), west, 1), 1);
    assert_int_equal(injury_tally_count(&t, at(&t, 0, "02"), east, 0), 0);
    injury_tally_release(&t);

    /* a community listed before any record keeps its place and its zeros */
    assert_int_equal(injury_tally_init(&t, 2026, INJ_COMMUNITY, INJ_DIMS), 0);
    assert_int_equal(injury_tally_key(&t, 0, "12", "西关社区"), 0);
    assert_int_equal(injury_tally_key(&t, 0, "13", "南关社区"), 1);
    for (size_t i = 0; i < sizeof SET / sizeof SET[0]; i++)
        assert_int_equal(injury_tally_add(&t, &SET[i]), 0);
    assert_int_equal(t.nrows, 3);
    assert_string_equal(t.rows[2].key, "11");
    assert_int_equal(injury_tally_count(&t, 0, 0, 0), 2);
    assert_int_equal(injury_tally_count(&t, 1, 0, 0), 0);
    assert_int_equal(injury_tally_count(&t, 2, 0, 0), 3);
    injury_tally_release(&t);
}

static void test_tally_keeps_other_values(void **state)
{
    (void)state;
    injury_tally t;
    /* a value the lists no longer hold, and many new keys on both axes (the table grows) */
    assert_int_equal(injury_tally_init(&t, 2026, INJ_CAUSE, INJ_COMMUNITY), 0);
    injury_facts f = SET[0];
    f.cause = "旧原因";
    assert_int_equal(injury_tally_add(&t, &f), 0);
    for (int c = 100; c < 140; c++) {
        f = SET[2];
        f.community_id = c;
        f.community_name = "新社区";
        assert_int_equal(injury_tally_add(&t, &f), 0);
    }
    assert_int_equal(injury_tally_count(&t, at(&t, 0, "旧原因"), at(&t, 1, "11"), 0), 1);
    assert_int_equal(injury_tally_count(&t, at(&t, 0, "交通违法"), at(&t, 1, "139"), 0), 1);
    assert_int_equal(injury_tally_count(&t, at(&t, 0, "交通违法"), at(&t, 1, "100"), 0), 1);
    assert_int_equal(t.ncols, 41);
    assert_int_equal(t.nrows, 12);   /* the 11 causes and the old one */
    injury_tally_release(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_age_bands),          cmocka_unit_test(test_age_at),
        cmocka_unit_test(test_dimensions),         cmocka_unit_test(test_tally_by_age_band),
        cmocka_unit_test(test_tally_cross_tab),    cmocka_unit_test(test_tally_month_and_community),
        cmocka_unit_test(test_tally_keeps_other_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
