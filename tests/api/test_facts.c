/* test_facts.c — facts that stay true (issue 9), against the real server
 * on both engines: the identity documents beyond the mainland card (港澳
 * 台居民居住证, 2023 外国人永久居留身份证) with the kind shown in the
 * resident, region codes checked against GB/T 2260 (abolished ones
 * accepted), births before 1900, Excel's scientific notation and
 * full-width input (API and CSV import, with the exact messages users
 * see); names (the middle dot's look-alikes, digits and markup refused);
 * 高龄 derived from the birth date (refused when typed against it, the
 * bands and the age filters); marking a person deceased or moved out
 * (the date's rules, the stop flag and its audit row, the lists of what
 * to stop, the age frozen at death). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "registry_fixture.h"
#include "util/validate.h"

static long long hh_facts;

/* Today as the server has it (the China date) as YYYYMMDD. */
static int today_ymd(void)
{
    return date_today_local();
}

/* An ID number of region6 born on ymd with sequence seq (3 digits). */
static const char *id_born(const char *region6, int ymd, int seq)
{
    static char bufs[8][19];
    static unsigned next;
    char first17[18];
    snprintf(first17, sizeof first17, "%.6s%08d%03d", region6, ymd, seq);
    return id_with_check(first17, bufs[next++ % 8]);
}

static long long household(void)
{
    if (!hh_facts)
        hh_facts = create_household(t_street, "T-FACTS-H1", grid_a, bld_a1);
    return hh_facts;
}

/* POST /residents with id_number and name; the reply (new ref). */
static json_t *create(const char *idn, const char *name, const char *extra, long want)
{
    return req(t_street, "POST", "/api/v1/residents",
               fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"%s\"%s}", household(), idn, name, extra),
               want);
}

/* A 400 on field with exactly message. */
static void expect_400(json_t *j, const char *field, const char *message)
{
    assert_string_equal(err_code(j), "bad_request");
    assert_string_equal(err_field(j), field);
    assert_string_equal(err_message(j), message);
    json_decref(j);
}

/* ---- identity documents ---------------------------------------------------------- */

static void documents_have_their_kind(void **state)
{
    (void)state;
    json_t *j = create(id_born("810000", 19900101, 3), "陈港生", "", 201);
    assert_string_equal(jstr(j, "id_kind"), "gat_residence_permit");
    assert_string_equal(jstr(j, "sex"), "M");
    assert_int_equal(jint(j, "birth_year"), 1990);
    long long hk = jint(j, "id");
    json_decref(j);
    /* the kind is shown in the detail too, and by its masked region */
    j = get_ok(t_street, fmt("/api/v1/residents/%lld", hk));
    assert_string_equal(jstr(j, "id_kind"), "gat_residence_permit");
    assert_memory_equal(jstr(j, "id_number"), "810000******", 12);
    json_decref(j);

    j = create(id_born("830000", 19880202, 4), "林台生", "", 201);
    assert_string_equal(jstr(j, "id_kind"), "gat_residence_permit");
    assert_string_equal(jstr(j, "sex"), "F");
    json_decref(j);

    /* 外国人永久居留身份证: 9, Beijing (11), USA (840), 1985-06-15, 012 */
    char first17[18] = "91184019850615012", foreign[19];
    id_with_check(first17, foreign);
    j = create(foreign, "John Smith", "", 201);
    assert_string_equal(jstr(j, "id_kind"), "foreign_permanent_residence");
    assert_int_equal(jint(j, "birth_year"), 1985);
    json_decref(j);
    /* its check digit is checked, and so are its province and nationality */
    foreign[17] = foreign[17] == '0' ? '1' : '0';
    expect_400(create(foreign, "Jane Smith", "", 400), "id_number", "身份证号校验位错误");
    expect_400(create(id_born("999840", 19850615, 12), "Jane Smith", "", 400), "id_number",
               "外国人永久居留身份证号第2、3位应为受理地的省级行政区划代码");
    expect_400(create(id_born("911156", 19850615, 12), "Jane Smith", "", 400), "id_number",
               "外国人永久居留身份证号第4至6位的国籍代码无效");

    j = create(id_born("371702", 19800101, 5), "王本地", "", 201);
    assert_string_equal(jstr(j, "id_kind"), "citizen_id");
    json_decref(j);
}

static void regions_births_and_excel(void **state)
{
    (void)state;
    /* 110103 崇文区 was abolished in 2010: numbers issued under it stay valid */
    json_t *j = create(id_born("110103", 19600101, 7), "赵崇文", "", 201);
    json_decref(j);
    /* 371799 is no county of 菏泽 */
    expect_400(create(id_born("371799", 19800101, 7), "钱无地", "", 400), "id_number",
               "身份证号地区码无效（前6位不在 GB/T 2260 行政区划代码中，已撤销的旧代码也查过）");
    expect_400(create(id_born("371702", 18991231, 7), "孙很老", "", 400), "id_number",
               "出生日期早于1900年，请核对身份证号");
    expect_400(create(id_born("371702", 20991231, 7), "李未生", "", 400), "id_number",
               "身份证号中的出生日期晚于今天");
    const char *excel =
        "身份证号被 Excel 转成了科学计数法（如 3.71702E+17），后几位已丢失，请把该列设为文本格式后重新导出";
    expect_400(create("3.71702E+17", "周表格", "", 400), "id_number", excel);
    expect_400(create("3.71702198001011E+17", "周表格", "", 400), "id_number", excel);

    /* full-width digits, spaces and a lower-case x: stored half-width */
    const char *idn = id_born("371702", 19760512, 15);
    char fw[128] = "";
    for (const char *p = idn; *p; p++) {
        char c[8];
        if (*p >= '0' && *p <= '9')
            snprintf(c, sizeof c, "\xEF\xBC%c", (char)(0x90 + (*p - '0')));   /* U+FF10.. */
        else
            snprintf(c, sizeof c, "x");
        strcat(fw, c);
        if (p - idn == 5)
            strcat(fw, "\xE3\x80\x80");   /* an ideographic space after the region */
    }
    /* １３８ ００１３ ８０００, full-width */
    j = create(fw, "吴全角",
               ",\"phone\":\"\xEF\xBC\x91\xEF\xBC\x93\xEF\xBC\x98\xE3\x80\x80\xEF\xBC\x90\xEF\xBC\x90\xEF\xBC\x91"
               "\xEF\xBC\x93 8000\"", 201);
    long long rid = jint(j, "id");
    json_decref(j);
    j = get_ok(t_street, fmt("/api/v1/residents/%lld?full_id=1", rid));
    assert_string_equal(jstr(j, "id_number"), idn);
    assert_string_equal(jstr(j, "phone"), "13800138000");
    json_decref(j);
}

/* ---- names ----------------------------------------------------------------------- */

static void names(void **state)
{
    (void)state;
    /* • typed for the middle dot: stored as · */
    json_t *j = create(id_born("371702", 19900303, 21), "阿依古丽\xE2\x80\xA2买买提", "", 201);
    assert_string_equal(jstr(j, "name"), "阿依古丽·买买提");
    long long rid = jint(j, "id");
    json_decref(j);
    /* ・ (katakana middle dot) in a PATCH */
    j = req(t_street, "PATCH", fmt("/api/v1/residents/%lld", rid), "{\"name\":\"古丽\xE3\x83\xBB买买提\"}", 200);
    assert_string_equal(jstr(j, "name"), "古丽·买买提");
    json_decref(j);
    j = create(id_born("371702", 19900303, 23), "Mary-Jane O'Neil", "", 201);
    assert_string_equal(jstr(j, "name"), "Mary-Jane O'Neil");
    json_decref(j);

    expect_400(create(id_born("371702", 19900303, 25), "张3", "", 400), "name", "姓名不能含数字");
    expect_400(create(id_born("371702", 19900303, 25), "<b>张三</b>", "", 400), "name", "姓名不能含 < > & \" 等符号");
    expect_400(create(id_born("371702", 19900303, 25), "张三John", "", 400), "name", "姓名不能汉字和拉丁字母混写");
    expect_400(req(t_street, "PATCH", fmt("/api/v1/residents/%lld", rid), "{\"name\":\"张&三\"}", 400), "name",
               "姓名不能含 < > & \" 等符号");
    /* nothing changed */
    j = get_ok(t_street, fmt("/api/v1/residents/%lld", rid));
    assert_string_equal(jstr(j, "name"), "古丽·买买提");
    json_decref(j);
}

/* ---- 高龄 ---------------------------------------------------------------------- */

static void elderly_is_derived(void **state)
{
    (void)state;
    int t = today_ymd(), y = t / 10000;
    /* 40 years old: 高龄 refused */
    int young = (y - 40) * 10000 + 101;
    int age_young = 40 - (t % 10000 < 101 ? 1 : 0);
    json_t *j = create(id_born("371702", young, 31), "郑年轻", ",\"tags\":[\"elderly\",\"dibao\"]", 400);
    char msg[160];
    snprintf(msg, sizeof msg, "高龄由出生日期得出：该居民%d周岁，未满70周岁，不能标注高龄", age_young);
    expect_400(j, "tags", msg);
    /* by its label too */
    j = create(id_born("371702", young, 31), "郑年轻", ",\"tags\":[\"高龄\"]", 400);
    expect_400(j, "tags", msg);
    j = create(id_born("371702", young, 31), "郑年轻", ",\"tags\":[\"dibao\"]", 201);
    long long yid = jint(j, "id");
    assert_false(json_array_has_str(json_object_get(j, "tags"), "elderly"));
    assert_true(json_is_null(json_object_get(j, "age_band")));
    json_decref(j);
    expect_400(req(t_street, "PATCH", fmt("/api/v1/residents/%lld", yid), "{\"tags\":[\"elderly\"]}", 400), "tags", msg);

    /* 85 years old, no tag given: 高龄 is added, band 80+ */
    j = create(id_born("371702", (y - 85) * 10000 + 101, 33), "冯长寿", "", 201);
    long long oid = jint(j, "id");
    assert_true(json_array_has_str(json_object_get(j, "tags"), "elderly"));
    assert_string_equal(jstr(j, "age_band"), "80+");
    json_decref(j);
    /* dropping it is refused, keeping it with others is fine */
    int age_old = 85 - (t % 10000 < 101 ? 1 : 0);
    snprintf(msg, sizeof msg, "高龄由出生日期得出：该居民已满70周岁（%d周岁），不能去掉高龄标签", age_old);
    expect_400(req(t_street, "PATCH", fmt("/api/v1/residents/%lld", oid), "{\"tags\":[]}", 400), "tags", msg);
    expect_400(req(t_street, "PATCH", fmt("/api/v1/residents/%lld", oid), "{\"tags\":[\"veteran\"]}", 400), "tags", msg);
    j = req(t_street, "PATCH", fmt("/api/v1/residents/%lld", oid), "{\"tags\":[\"veteran\",\"elderly\"]}", 200);
    assert_true(json_array_has_str(json_object_get(j, "tags"), "elderly"));
    assert_true(json_array_has_str(json_object_get(j, "tags"), "veteran"));
    json_decref(j);
    /* a PATCH of something else keeps it */
    j = req(t_street, "PATCH", fmt("/api/v1/residents/%lld", oid), "{\"notes\":\"核实\"}", 200);
    assert_true(json_array_has_str(json_object_get(j, "tags"), "elderly"));
    json_decref(j);

    /* 101 and 92: the bands */
    j = create(id_born("371702", (y - 101) * 10000 + 101, 35), "褚百岁", "", 201);
    assert_string_equal(jstr(j, "age_band"), "100+");
    json_decref(j);
    j = create(id_born("371702", (y - 92) * 10000 + 101, 37), "卫九旬", "", 201);
    assert_string_equal(jstr(j, "age_band"), "90+");
    json_decref(j);

    /* the filters: by tag, and by age (by birth year without full_id) */
    long long hh = household();
    assert_int_equal(total_of(t_street, fmt("/api/v1/residents?household_id=%lld&tag=elderly", hh)),
                     total_of(t_street, fmt("/api/v1/residents?household_id=%lld&age_min=70", hh)));
    assert_int_equal(total_of(t_street, fmt("/api/v1/residents?household_id=%lld&age_min=100", hh)), 1);
    assert_int_equal(total_of(t_street, fmt("/api/v1/residents?household_id=%lld&age_min=90&age_max=99", hh)), 1);
    assert_int_equal(total_of(t_street, fmt("/api/v1/residents?household_id=%lld&age_min=90&full_id=1", hh)), 2);
    expect_400_field(t_street, "GET", "/api/v1/residents?age_min=80&age_max=70", NULL, "age_min");
    expect_400_field(t_street, "GET", "/api/v1/residents?age_min=-1", NULL, "age_min");
}

/* ---- deceased / moved out -------------------------------------------------------- */

static void status_dates_and_stop_flag(void **state)
{
    (void)state;
    json_t *j = create(id_born("371702", 19400610, 41), "蒋故去", "", 201);
    long long rid = jint(j, "id");
    json_decref(j);

    /* a date in the future, or before the birth */
    j = req(t_street, "POST", fmt("/api/v1/residents/%lld/status", rid), "{\"status\":\"deceased\",\"date\":\"2099-01-01\"}",
            400);
    assert_string_equal(err_field(j), "date");
    assert_non_null(strstr(err_message(j), "死亡日期 2099-01-01 晚于今天"));
    json_decref(j);
    j = req(t_street, "POST", fmt("/api/v1/residents/%lld/status", rid), "{\"status\":\"moved_out\",\"date\":\"1940-06-09\"}",
            400);
    expect_400(j, "date", "迁出日期 1940-06-09 早于出生日期（1940-06-10）");
    j = get_ok(t_street, fmt("/api/v1/residents/%lld", rid));
    assert_string_equal(jstr(j, "status"), "active");
    json_decref(j);

    /* died on 2000-06-09, the day before turning 60 */
    j = req(t_street, "POST", fmt("/api/v1/residents/%lld/status", rid),
            "{\"status\":\"deceased\",\"date\":\"2000-06-09\",\"note\":\"病故\"}", 200);
    assert_string_equal(jstr(j, "status"), "deceased");
    json_t *flag = json_object_get(j, "stop_flag");
    assert_non_null(flag);
    long long flag_id = jint(flag, "id");
    assert_true(flag_id > 0);
    assert_int_equal(jint(flag, "resident_id"), rid);
    assert_string_equal(jstr(flag, "event"), "deceased");
    assert_string_equal(jstr(flag, "event_date"), "2000-06-09");
    assert_true(json_is_null(json_object_get(flag, "handled_at")));
    assert_true(json_is_array(json_object_get(j, "active_benefits")));
    assert_int_equal(json_array_size(json_object_get(j, "active_benefits")), 0);
    assert_true(json_is_array(json_object_get(j, "active_pairings")));
    assert_int_equal(json_array_size(json_object_get(j, "active_pairings")), 0);
    json_decref(j);

    /* the age stops at death: 59 exactly, 60 by birth year */
    j = get_ok(t_street, fmt("/api/v1/residents/%lld?full_id=1", rid));
    assert_int_equal(jint(j, "age"), 59);
    assert_true(json_is_null(json_object_get(j, "age_band")));
    json_decref(j);
    j = get_ok(t_street, fmt("/api/v1/residents/%lld", rid));
    assert_int_equal(jint(j, "age"), 60);
    json_decref(j);

    /* the flag is audited in the same write */
    j = get_ok(t_auditor, "/api/v1/audit?action=stop_flag&page_size=1&sort=-id");
    json_t *a = json_array_get(json_object_get(j, "items"), 0);
    assert_non_null(a);
    assert_int_equal(jint(a, "entity_id"), flag_id);
    assert_string_equal(jstr(a, "entity"), "resident_event_flag");
    json_decref(j);

    /* back to active (no flag), then moved out today: a new flag */
    j = req(t_street, "POST", fmt("/api/v1/residents/%lld/status", rid), "{\"status\":\"active\"}", 200);
    assert_null(json_object_get(j, "stop_flag"));
    json_decref(j);
    j = req(t_street, "POST", fmt("/api/v1/residents/%lld/status", rid), "{\"status\":\"moved_out\"}", 200);
    flag = json_object_get(j, "stop_flag");
    assert_true(jint(flag, "id") > flag_id);
    assert_string_equal(jstr(flag, "event"), "moved_out");
    json_decref(j);
}

/* ---- the CSV import: the same rules, the same messages ----------------------------------- */

static void import_rows_say_why(void **state)
{
    (void)state;
    char csv[2048];
    int y = today_ymd() / 10000;
    char young[19], fine[19];
    snprintf(young, sizeof young, "%s", id_born("371702", (y - 30) * 10000 + 101, 51));
    snprintf(fine, sizeof fine, "%s", id_born("371702", 19450101, 53));
    snprintf(csv, sizeof csv,
             "姓名,身份证号,与户主关系,网格编码,户编号,地址,标签\n"
             "古丽\xE2\x80\xA2艾力,%s,户主," GRID_A_CODE ",T-FACTS-I1,测试路1号,\n"
             "表格人,3.71702E+17,其他," GRID_A_CODE ",T-FACTS-I1,测试路1号,\n"
             "年轻人,%s,其他," GRID_A_CODE ",T-FACTS-I1,测试路1号,高龄\n"
             "数字3,%s,其他," GRID_A_CODE ",T-FACTS-I1,测试路1号,\n",
             fine, young, id_born("371702", 19700101, 55));
    json_t *rep;
    assert_int_equal(api_import(&srv, t_street, "", csv, strlen(csv), &rep), 400);
    json_t *errs = json_object_get(json_object_get(rep, "report"), "errors");
    assert_int_equal(json_array_size(errs), 3);
    assert_int_equal(jint(json_array_get(errs, 0), "row"), 3);
    assert_string_equal(jstr(json_array_get(errs, 0), "field"), "id_number");
    assert_string_equal(jstr(json_array_get(errs, 0), "message"),
                        "身份证号被 Excel 转成了科学计数法（如 3.71702E+17），后几位已丢失，请把该列设为文本格式后重新导出");
    char msg[160];
    snprintf(msg, sizeof msg, "高龄由出生日期得出：该居民%d周岁，未满70周岁，不能标注高龄",
             30 - (today_ymd() % 10000 < 101 ? 1 : 0));
    assert_int_equal(jint(json_array_get(errs, 1), "row"), 4);
    assert_string_equal(jstr(json_array_get(errs, 1), "message"), msg);
    assert_int_equal(jint(json_array_get(errs, 2), "row"), 5);
    assert_string_equal(jstr(json_array_get(errs, 2), "message"), "姓名不能含数字");
    json_decref(rep);

    /* the good row alone: its name normalised, 高龄 added from its birth date */
    snprintf(csv, sizeof csv,
             "姓名,身份证号,与户主关系,网格编码,户编号,地址\n"
             "古丽\xE2\x80\xA2艾力,%s,户主," GRID_A_CODE ",T-FACTS-I1,测试路1号\n", fine);
    assert_int_equal(api_import(&srv, t_street, "", csv, strlen(csv), &rep), 200);
    json_decref(rep);
    json_t *j = get_ok(t_street, fmt("/api/v1/residents?name=%s", "%E5%8F%A4%E4%B8%BD%C2%B7%E8%89%BE%E5%8A%9B"));
    json_t *r = json_array_get(json_object_get(j, "items"), 0);
    assert_non_null(r);
    assert_string_equal(jstr(r, "name"), "古丽·艾力");
    assert_true(json_array_has_str(json_object_get(r, "tags"), "elderly"));
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(documents_have_their_kind),
        cmocka_unit_test(regions_births_and_excel),
        cmocka_unit_test(names),
        cmocka_unit_test(elderly_is_derived),
        cmocka_unit_test(status_dates_and_stop_flag),
        cmocka_unit_test(import_rows_say_why),
    };
    return cmocka_run_group_tests(tests, registry_setup, registry_teardown);
}
