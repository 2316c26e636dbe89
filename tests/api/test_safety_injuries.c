/* test_safety_injuries.c — injury records of the safe-community programme
 * and their analysis (/api/v1/safety/injuries), against the real server:
 *
 *   - street, community and grid staff record injuries of their units;
 *     a record reads back as written, a change with a stale version is
 *     refused (412), and create, change and delete each leave an audit
 *     row (the delete's with the record's image);
 *   - the age comes from age, a birth date (the age at the injury's date)
 *     or the linked resident's birth date, whose sex is the default; the
 *     resident is shown by id and masked name, never the ID number;
 *   - bad input is refused with a 400 naming the field, and nothing is
 *     written;
 *   - lists filter by code, age band and dates, page by 20/50/100, and a
 *     grid worker sees its grid only;
 *   - the analysis of a known set (grid 001-02, last year against the
 *     year before): counts by age band with every band listed, a
 *     cross-tab of injury type by sex with row and column totals, by
 *     month, by community; the year-on-year change and rate; the scope
 *     of each account; the viewer reads the analysis and no record.
 * Dates are last year's and earlier, so none is after today. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_fixture.h"

static int year_now;   /* this year, China time */

static int setup(void **state)
{
    if (registry_setup(state) != 0)
        return -1;
    /* the demo's own records (src/demo/safety_demo.c, last year and this)
     * out of the way: the lists and the analysis count a known set */
    server_sql(&srv, "DELETE FROM safety_injury");
    year_now = atoi(beijing_date(0));
    return year_now > 2000 ? 0 : -1;
}

/* A date of `years_back` years ago ("YYYY-MM-DD"), MM-DD given. */
static const char *day(int years_back, const char *mmdd)
{
    return fmt("%04d-%s", year_now - years_back, mmdd);
}

/* Records an injury as tok (201 asserted); extra: more members, starting with a comma, or "". */
static long long add(const char *tok, long long unit, const char *on, int age, const char *sex, const char *place,
                     const char *type, const char *severity, const char *extra)
{
    json_t *j = req(tok, "POST", "/api/v1/safety/injuries",
                    fmt("{\"org_unit_id\":%lld,\"injured_on\":\"%s\",\"age\":%d,\"sex\":\"%s\",\"place_type\":\"%s\","
                        "\"injury_type\":\"%s\",\"severity\":\"%s\"%s}",
                        unit, on, age, sex, place, type, severity, extra), 201);
    long long id = jint(j, "id");
    json_decref(j);
    return id;
}

static long long audits(const char *query)
{
    return total_of(t_auditor, fmt("/api/v1/audit?%s", query));
}

/* A household of its own in grid `grid` (address tag: Chinese, no digits). */
static long long new_household(long long grid, const char *tag)
{
    json_t *j = req(t_street, "POST", "/api/v1/households",
                    fmt("{\"grid_id\":%lld,\"address\":\"伤害监测路%s号\"}", grid, tag), 201);
    long long id = jint(j, "id");
    json_decref(j);
    return id;
}

static long long records(void)
{
    return server_sql_int(&srv, "SELECT COUNT(*) FROM safety_injury");
}

/* ---- records ----------------------------------------------------------------- */

static void record_crud_and_audit(void **state)
{
    (void)state;
    json_t *j = req(t_g0101, "POST", "/api/v1/safety/injuries",
                    fmt("{\"injured_on\":\"%s\",\"age\":68,\"sex\":\"女\",\"place_type\":\"家庭\","
                        "\"injury_type\":\"跌倒\",\"cause\":\"地面湿滑或不平\",\"severity\":\"中\","
                        "\"occupation\":\"离退休人员\",\"education\":\"初中\",\"description\":\"浴室滑倒\"}",
                        day(4, "05-06")), 201);
    long long id = jint(j, "id");
    /* a grid worker's record belongs to the grid by default */
    assert_int_equal(jint(json_object_get(j, "org_unit"), "id"), grid_a);
    assert_int_equal(jint(json_object_get(j, "community"), "id"), c001);
    assert_string_equal(jstr(j, "age_band"), "60-74");
    assert_string_equal(jstr(j, "cause"), "地面湿滑或不平");
    assert_string_equal(jstr(j, "education"), "初中");
    assert_true(json_is_null(json_object_get(j, "resident")));
    assert_int_equal(jint(j, "version"), 1);
    json_decref(j);
    assert_int_equal(audits(fmt("action=safety_injury_create&entity_id=%lld", id)), 1);

    /* read back by the street; the optional codes default to 不详 / 不清楚 */
    j = get_ok(t_street, fmt("/api/v1/safety/injuries/%lld", id));
    assert_string_equal(jstr(j, "injured_on"), day(4, "05-06"));
    assert_string_equal(jstr(j, "description"), "浴室滑倒");
    json_decref(j);
    long long other = add(t_c01, grid_a, day(4, "05-07"), 30, "男", "道路", "道路交通", "轻", "");
    j = get_ok(t_c01, fmt("/api/v1/safety/injuries/%lld", other));
    assert_string_equal(jstr(j, "occupation"), "不详");
    assert_string_equal(jstr(j, "education"), "不详");
    assert_string_equal(jstr(j, "cause"), "不清楚");
    json_decref(j);

    /* change: a stale version is refused, then the change lands with before and after audited */
    json_decref(req(t_c01, "PATCH", fmt("/api/v1/safety/injuries/%lld", id), "{\"severity\":\"重\",\"age\":69}", 200));
    http_resp r;
    const char *stale = "{\"severity\":\"轻\"}";
    assert_int_equal(http_with(&srv, "PATCH", fmt("/api/v1/safety/injuries/%lld", id), t_c01, stale, strlen(stale), NULL,
                               "If-Match: \"1\"", &r), 0);
    assert_int_equal(r.status, 412);
    http_free(&r);
    j = get_ok(t_street, fmt("/api/v1/safety/injuries/%lld", id));
    assert_string_equal(jstr(j, "severity"), "重");
    assert_int_equal(jint(j, "age"), 69);
    assert_int_equal(jint(j, "version"), 2);
    assert_string_equal(jstr(j, "place_type"), "家庭");   /* fields not sent are kept */
    json_decref(j);
    j = get_ok(t_auditor, fmt("/api/v1/audit?action=safety_injury_update&entity_id=%lld", id));
    json_t *row = json_array_get(json_object_get(j, "items"), 0);
    assert_non_null(row);
    assert_string_equal(jstr(json_object_get(row, "before"), "severity"), "中");
    assert_string_equal(jstr(json_object_get(row, "after"), "severity"), "重");
    json_decref(j);

    /* delete: gone, audited with its image */
    json_decref(req(t_g0101, "DELETE", fmt("/api/v1/safety/injuries/%lld", id), NULL, 200));
    json_decref(req(t_street, "GET", fmt("/api/v1/safety/injuries/%lld", id), NULL, 404));
    json_decref(req(t_street, "DELETE", fmt("/api/v1/safety/injuries/%lld", id), NULL, 404));
    j = get_ok(t_auditor, fmt("/api/v1/audit?action=safety_injury_delete&entity_id=%lld", id));
    row = json_array_get(json_object_get(j, "items"), 0);
    assert_non_null(row);
    assert_string_equal(jstr(json_object_get(row, "before"), "injury_type"), "跌倒");
    json_decref(j);
    json_decref(req(t_street, "DELETE", fmt("/api/v1/safety/injuries/%lld", other), NULL, 200));

    /* accounts that read no domain data are refused */
    json_decref(req(t_admin, "GET", "/api/v1/safety/injuries", NULL, 403));
    json_decref(req(t_auditor, "GET", "/api/v1/safety/injuries/analysis?by=sex", NULL, 403));
    json_decref(req(t_viewer, "POST", "/api/v1/safety/injuries",
                    fmt("{\"org_unit_id\":%lld,\"injured_on\":\"%s\",\"age\":3,\"sex\":\"男\",\"place_type\":\"家庭\","
                        "\"injury_type\":\"跌倒\",\"severity\":\"轻\"}", grid_a, day(4, "01-01")), 403));
}

static void age_from_birth_date_and_resident(void **state)
{
    (void)state;
    /* a birth date gives the age at the injury's date, the day before the birthday */
    json_t *j = req(t_street, "POST", "/api/v1/safety/injuries",
                    fmt("{\"org_unit_id\":%lld,\"injured_on\":\"%s\",\"birth_date\":\"%04d-05-07\",\"sex\":\"男\","
                        "\"place_type\":\"学校\",\"injury_type\":\"锐器伤\",\"severity\":\"轻\"}",
                        grid_a, day(4, "05-06"), year_now - 4 - 18), 201);
    long long id1 = jint(j, "id");
    assert_int_equal(jint(j, "age"), 17);
    assert_string_equal(jstr(j, "age_band"), "7-17");
    json_decref(j);

    /* a linked resident: age and sex from the registry, the name masked, no ID number */
    char first17[18], idn[19];
    snprintf(first17, sizeof first17, "110101%04d0310122", year_now - 3 - 60);   /* 17th digit even: a woman */
    id_with_check(first17, idn);
    long long hh = new_household(grid_a, "一");
    long long rid = create_resident(t_street, hh, idn, "欧阳伤者", "");
    j = req(t_g0101, "POST", "/api/v1/safety/injuries",
            fmt("{\"injured_on\":\"%s\",\"resident_id\":%lld,\"place_type\":\"公共场所\",\"injury_type\":\"动物咬伤\","
                "\"severity\":\"轻\"}", day(3, "03-09"), rid), 201);
    long long id2 = jint(j, "id");
    assert_int_equal(jint(j, "age"), 59);   /* the day before the 60th birthday */
    assert_string_equal(jstr(j, "sex"), "女");
    json_t *res = json_object_get(j, "resident");
    assert_int_equal(jint(res, "id"), rid);
    assert_string_equal(jstr(res, "name"), "欧阳*者");
    char *dump = json_dumps(j, 0);
    assert_null(strstr(dump, idn));
    assert_null(strstr(dump, idn + 6));
    assert_null(strstr(dump, "欧阳伤者"));
    assert_null(strstr(dump, "id_number"));
    free(dump);
    json_decref(j);
    /* the list shows the same, and filters by resident */
    j = get_ok(t_c01, fmt("/api/v1/safety/injuries?resident_id=%lld", rid));
    assert_int_equal(jint(j, "total"), 1);
    dump = json_dumps(j, 0);
    assert_null(strstr(dump, "欧阳伤者"));
    assert_null(strstr(dump, idn + 6));
    free(dump);
    json_decref(j);
    /* unlinking keeps the age */
    j = req(t_c01, "PATCH", fmt("/api/v1/safety/injuries/%lld", id2), "{\"resident_id\":0}", 200);
    assert_true(json_is_null(json_object_get(j, "resident")));
    assert_int_equal(jint(j, "age"), 59);
    json_decref(j);
    /* a resident of another community is not found */
    long long far_hh = new_household(org_id_by_code(&srv, t_admin, "371702001002-01"), "二");
    char idn2[19];
    snprintf(first17, sizeof first17, "110101%04d0411123", year_now - 40);
    id_with_check(first17, idn2);
    long long far_rid = create_resident(t_street, far_hh, idn2, "远方居民", "");
    json_decref(req(t_c01, "POST", "/api/v1/safety/injuries",
                    fmt("{\"org_unit_id\":%lld,\"injured_on\":\"%s\",\"resident_id\":%lld,\"place_type\":\"家庭\","
                        "\"injury_type\":\"跌倒\",\"severity\":\"轻\"}", grid_a, day(3, "01-02"), far_rid), 404));
    json_decref(req(t_street, "DELETE", fmt("/api/v1/safety/injuries/%lld", id1), NULL, 200));
    json_decref(req(t_street, "DELETE", fmt("/api/v1/safety/injuries/%lld", id2), NULL, 200));
}

/* POSTs a valid record as the street with `changes` laid over it (a JSON
 * object: a member replaces the record's, a null removes it): a 400
 * naming `field`. */
static void refused_create(const char *changes, const char *field)
{
    json_t *body = json_pack("{s:I, s:s, s:i, s:s, s:s, s:s, s:s}", "org_unit_id", (json_int_t)grid_a, "injured_on",
                             day(2, "01-01"), "age", 30, "sex", "男", "place_type", "家庭", "injury_type", "跌倒",
                             "severity", "轻");
    json_t *ch = json_loads(changes, 0, NULL), *v;
    const char *k;
    assert_non_null(ch);
    json_object_foreach(ch, k, v) {
        if (json_is_null(v))
            json_object_del(body, k);
        else
            json_object_set(body, k, v);
    }
    char *text = json_dumps(body, JSON_COMPACT);
    expect_400_field(t_street, "POST", "/api/v1/safety/injuries", text, field);
    free(text);
    json_decref(ch);
    json_decref(body);
}

static void validation_refusals(void **state)
{
    (void)state;
    long long before = records(), created = audits("action=safety_injury_create");
    refused_create("{\"injured_on\":null}", "injured_on");
    refused_create(fmt("{\"injured_on\":\"%s\"}", beijing_date(-2)), "injured_on");   /* after today */
    refused_create("{\"injured_on\":\"2025-02-30\"}", "injured_on");
    refused_create("{\"age\":null}", "age");
    refused_create("{\"age\":121}", "age");
    refused_create("{\"age\":-1}", "age");
    refused_create(fmt("{\"age\":null,\"birth_date\":\"%s\"}", day(2, "01-02")), "birth_date");   /* born after */
    refused_create(fmt("{\"birth_date\":\"%s\",\"age\":5}", day(12, "01-01")), "age");          /* 10, not 5 */
    refused_create("{\"sex\":null}", "sex");
    refused_create("{\"sex\":\"M\"}", "sex");
    refused_create("{\"place_type\":\"月球\"}", "place_type");
    refused_create("{\"injury_type\":\"摔倒\"}", "injury_type");
    refused_create("{\"severity\":\"轻微\"}", "severity");
    refused_create("{\"severity\":null}", "severity");
    refused_create("{\"cause\":\"天意\"}", "cause");
    refused_create("{\"occupation\":\"侠客\"}", "occupation");
    refused_create("{\"education\":\"博士后\"}", "education");
    refused_create("{\"nickname\":\"x\"}", "nickname");
    refused_create(fmt("{\"org_unit_id\":%lld}", street_id), "org_unit_id");   /* a community or a grid, not the street */
    refused_create("{\"org_unit_id\":null}", "org_unit_id");                  /* the street has no default unit */
    /* a change is checked as a create: nothing of a refused change is kept */
    long long id = add(t_street, grid_a, day(2, "02-02"), 30, "男", "家庭", "跌倒", "轻", "");
    expect_400_field(t_street, "PATCH", fmt("/api/v1/safety/injuries/%lld", id), "{\"severity\":\"中\",\"sex\":\"X\"}",
                     "sex");
    json_t *j = get_ok(t_street, fmt("/api/v1/safety/injuries/%lld", id));
    assert_string_equal(jstr(j, "severity"), "轻");
    assert_int_equal(jint(j, "version"), 1);
    json_decref(j);
    json_decref(req(t_street, "DELETE", fmt("/api/v1/safety/injuries/%lld", id), NULL, 200));
    /* list and analysis parameters */
    expect_400_field(t_street, "GET", "/api/v1/safety/injuries?page_size=30", NULL, "page_size");
    expect_400_field(t_street, "GET", "/api/v1/safety/injuries?severity=x", NULL, "severity");
    expect_400_field(t_street, "GET", "/api/v1/safety/injuries?age_band=60-75", NULL, "age_band");
    expect_400_field(t_street, "GET", "/api/v1/safety/injuries?from=2025-13-01", NULL, "from");
    expect_400_field(t_street, "GET", "/api/v1/safety/injuries/analysis", NULL, "by");
    expect_400_field(t_street, "GET", "/api/v1/safety/injuries/analysis?by=grid", NULL, "by");
    expect_400_field(t_street, "GET", "/api/v1/safety/injuries/analysis?by=sex&by2=sex", NULL, "by2");
    expect_400_field(t_street, "GET", "/api/v1/safety/injuries/analysis?by=sex&by2=x", NULL, "by2");
    expect_400_field(t_street, "GET", "/api/v1/safety/injuries/analysis?by=sex&year=abc", NULL, "year");
    assert_int_equal(records(), before);
    assert_int_equal(audits("action=safety_injury_create"), created + 1);   /* the one record made and deleted above */
}

static void lists_filter_and_scope(void **state)
{
    (void)state;
    long long a1 = add(t_street, grid_a, day(5, "04-01"), 3, "男", "家庭", "烧烫伤", "中", ",\"cause\":\"看护不当\"");
    long long a2 = add(t_street, grid_a, day(5, "04-02"), 81, "女", "家庭", "跌倒", "重", "");
    long long b1 = add(t_street, grid_b, day(5, "04-03"), 81, "女", "道路", "跌倒", "轻", "");
    long long f1 = add(t_street, org_id_by_code(&srv, t_admin, "371702001002-01"), day(5, "04-04"), 81, "女", "家庭",
                       "跌倒", "重", "");
    const char *range = fmt("from=%s&to=%s", day(5, "04-01"), day(5, "04-30"));
    char r[64];
    snprintf(r, sizeof r, "%s", range);
    assert_int_equal(total_of(t_street, fmt("/api/v1/safety/injuries?%s", r)), 4);
    assert_int_equal(total_of(t_street, fmt("/api/v1/safety/injuries?%s&org_unit_id=%lld", r, c001)), 3);
    assert_int_equal(total_of(t_c01, fmt("/api/v1/safety/injuries?%s", r)), 3);
    assert_int_equal(total_of(t_g0101, fmt("/api/v1/safety/injuries?%s", r)), 2);
    assert_int_equal(total_of(t_street, fmt("/api/v1/safety/injuries?%s&age_band=75%%2B", r)), 3);
    assert_int_equal(total_of(t_street, fmt("/api/v1/safety/injuries?%s&age_band=0-6", r)), 1);
    assert_int_equal(total_of(t_street, fmt("/api/v1/safety/injuries?%s&severity=%s", r, urlenc("重"))), 2);
    assert_int_equal(total_of(t_street, fmt("/api/v1/safety/injuries?%s&place_type=%s&sex=%s", r, urlenc("家庭"),
                                            urlenc("女"))), 2);
    assert_int_equal(total_of(t_street, fmt("/api/v1/safety/injuries?%s&cause=%s", r, urlenc("看护不当"))), 1);
    assert_int_equal(total_of(t_street, fmt("/api/v1/safety/injuries?from=%s&to=%s", day(5, "04-02"), day(5, "04-03"))),
                     2);
    /* newest first by default; by age on request */
    json_t *j = get_ok(t_street, fmt("/api/v1/safety/injuries?%s&page_size=20", r));
    assert_int_equal(jint(json_array_get(json_object_get(j, "items"), 0), "id"), f1);
    assert_int_equal(jint(j, "page_size"), 20);
    json_decref(j);
    j = get_ok(t_street, fmt("/api/v1/safety/injuries?%s&sort=age", r));
    assert_int_equal(jint(json_array_get(json_object_get(j, "items"), 0), "id"), a1);
    json_decref(j);
    /* out of scope: 404 on the record and on the unit */
    json_decref(req(t_g0101, "GET", fmt("/api/v1/safety/injuries/%lld", b1), NULL, 404));
    json_decref(req(t_c01, "GET", fmt("/api/v1/safety/injuries/%lld", f1), NULL, 404));
    json_decref(req(t_g0101, "GET", fmt("/api/v1/safety/injuries?org_unit_id=%lld", grid_b), NULL, 404));
    json_decref(req(t_g0101, "PATCH", fmt("/api/v1/safety/injuries/%lld", a2), fmt("{\"org_unit_id\":%lld}", grid_b), 404));
    json_decref(req(t_viewer, "GET", fmt("/api/v1/safety/injuries/%lld", a1), NULL, 403));
    json_decref(req(t_viewer, "GET", "/api/v1/safety/injuries", NULL, 403));
    /* the street moves a record to another grid */
    j = req(t_street, "PATCH", fmt("/api/v1/safety/injuries/%lld", a2), fmt("{\"org_unit_id\":%lld}", grid_b), 200);
    assert_int_equal(jint(json_object_get(j, "org_unit"), "id"), grid_b);
    json_decref(j);
    assert_int_equal(total_of(t_g0101, fmt("/api/v1/safety/injuries?%s", r)), 1);
    long long ids[] = {a1, a2, b1, f1};
    for (size_t i = 0; i < 4; i++)
        json_decref(req(t_street, "DELETE", fmt("/api/v1/safety/injuries/%lld", ids[i]), NULL, 200));
}

/* ---- analysis ---------------------------------------------------------------- */

/* The item whose "key" is `key` in array arr (borrowed); fails when absent. */
static json_t *keyed(json_t *arr, const char *key)
{
    json_t *it;
    size_t i;
    json_array_foreach(arr, i, it)
        if (strcmp(jstr(it, "key"), key) == 0)
            return it;
    fail_msg("no item %s", key);
    return NULL;
}

/* A row of an analysis reply j, and a cell of a row. */
#define row_of(j, key) keyed(json_object_get(j, "rows"), key)
#define cell_of(row, key) keyed(json_object_get(row, "cells"), key)

static void figures(json_t *f, long long count, long long previous, const char *rate)
{
    assert_int_equal(jint(f, "count"), count);
    assert_int_equal(jint(f, "previous"), previous);
    assert_int_equal(jint(f, "change"), count - previous);
    if (rate)
        assert_string_equal(jstr(f, "change_rate"), rate);
    else
        assert_true(json_is_null(json_object_get(f, "change_rate")));
}

static void analysis_known_set(void **state)
{
    (void)state;
    /* grid 001-02: five records last year, two the year before, one three years ago */
    add(t_street, grid_b, day(1, "01-05"), 80, "女", "家庭", "跌倒", "轻", "");
    add(t_c01, grid_b, day(1, "01-20"), 75, "女", "家庭", "跌倒", "中", "");
    add(t_street, grid_b, day(1, "03-02"), 44, "男", "道路", "道路交通", "重", "");
    add(t_street, grid_b, day(1, "03-09"), 7, "男", "学校", "跌倒", "轻", "");
    add(t_street, grid_b, day(1, "12-31"), 6, "男", "家庭", "烧烫伤", "中", "");
    add(t_street, grid_b, day(2, "01-11"), 74, "女", "家庭", "跌倒", "轻", "");
    add(t_street, grid_b, day(2, "07-01"), 45, "男", "道路", "道路交通", "死亡", "");
    add(t_street, grid_b, day(3, "05-05"), 90, "女", "家庭", "跌倒", "轻", "");
    int year = year_now - 1;

    json_t *j = get_ok(t_street, fmt("/api/v1/safety/injuries/analysis?year=%d&by=age_band&org_unit_id=%lld", year, grid_b));
    assert_int_equal(jint(j, "year"), year);
    assert_int_equal(jint(j, "previous_year"), year - 1);
    assert_string_equal(jstr(json_object_get(j, "by"), "name"), "age_band");
    assert_true(json_is_null(json_object_get(j, "by2")));
    assert_int_equal(json_array_size(json_object_get(j, "rows")), 6);   /* every band, zeros included */
    assert_string_equal(jstr(json_array_get(json_object_get(j, "rows"), 0), "key"), "0-6");
    figures(row_of(j, "75+"), 2, 0, NULL);
    figures(row_of(j, "60-74"), 0, 1, "-100.0%");
    figures(row_of(j, "45-59"), 0, 1, "-100.0%");
    figures(row_of(j, "18-44"), 1, 0, NULL);
    figures(row_of(j, "7-17"), 1, 0, NULL);
    figures(row_of(j, "0-6"), 1, 0, NULL);
    figures(json_object_get(j, "total"), 5, 2, "+150.0%");
    json_decref(j);

    /* cross-tab: injury type by sex, with column totals */
    j = get_ok(t_c01, fmt("/api/v1/safety/injuries/analysis?year=%d&by=injury_type&by2=sex&org_unit_id=%lld", year,
                          grid_b));
    assert_string_equal(jstr(json_object_get(j, "by2"), "name"), "sex");
    json_t *fall = row_of(j, "跌倒"), *road = row_of(j, "道路交通");
    figures(fall, 3, 1, "+200.0%");
    figures(cell_of(fall, "女"), 2, 1, "+100.0%");
    figures(cell_of(fall, "男"), 1, 0, NULL);
    figures(road, 1, 1, "+0.0%");
    figures(cell_of(road, "男"), 1, 1, "+0.0%");
    figures(cell_of(road, "女"), 0, 0, NULL);
    figures(cell_of(row_of(j, "烧烫伤"), "男"), 1, 0, NULL);
    figures(row_of(j, "中毒"), 0, 0, NULL);
    json_t *cols = json_object_get(j, "columns");
    assert_int_equal(json_array_size(cols), 2);
    assert_string_equal(jstr(json_array_get(cols, 0), "key"), "男");
    figures(json_array_get(cols, 0), 3, 1, "+200.0%");
    figures(json_array_get(cols, 1), 2, 1, "+100.0%");
    figures(json_object_get(j, "total"), 5, 2, "+150.0%");
    json_decref(j);

    /* severity by place, month */
    j = get_ok(t_street, fmt("/api/v1/safety/injuries/analysis?year=%d&by=severity&by2=place_type&org_unit_id=%lld",
                             year, grid_b));
    figures(cell_of(row_of(j, "死亡"), "道路"), 0, 1, "-100.0%");
    figures(cell_of(row_of(j, "轻"), "学校"), 1, 0, NULL);
    json_decref(j);
    j = get_ok(t_street, fmt("/api/v1/safety/injuries/analysis?year=%d&by=month&org_unit_id=%lld", year, grid_b));
    assert_int_equal(json_array_size(json_object_get(j, "rows")), 12);
    figures(row_of(j, "01"), 2, 1, "+100.0%");
    figures(row_of(j, "03"), 2, 0, NULL);
    figures(row_of(j, "07"), 0, 1, "-100.0%");
    figures(row_of(j, "12"), 1, 0, NULL);
    assert_string_equal(jstr(row_of(j, "12"), "label"), "12月");
    json_decref(j);

    /* by community, the street: every community listed; community 001 holds the set */
    j = get_ok(t_street, fmt("/api/v1/safety/injuries/analysis?year=%d&by=community", year));
    assert_true(json_array_size(json_object_get(j, "rows")) >= 2);
    figures(row_of(j, fmt("%lld", c001)), 5, 2, "+150.0%");
    figures(row_of(j, fmt("%lld", c002)), 0, 0, NULL);
    json_decref(j);

    /* scope: the viewer reads the street's counts; grid 001-01 counts none of 001-02's and may not ask */
    j = get_ok(t_viewer, fmt("/api/v1/safety/injuries/analysis?year=%d&by=sex", year));
    figures(json_object_get(j, "total"), 5, 2, "+150.0%");
    json_decref(j);
    j = get_ok(t_g0101, fmt("/api/v1/safety/injuries/analysis?year=%d&by=sex", year));
    figures(json_object_get(j, "total"), 0, 0, NULL);
    json_decref(j);
    json_decref(req(t_g0101, "GET", fmt("/api/v1/safety/injuries/analysis?by=sex&org_unit_id=%lld", grid_b), NULL, 404));
    j = get_ok(t_c01, fmt("/api/v1/safety/injuries/analysis?year=%d&by=sex", year));
    figures(json_object_get(j, "total"), 5, 2, "+150.0%");
    json_decref(j);
    /* this year by default */
    j = get_ok(t_street, "/api/v1/safety/injuries/analysis?by=severity");
    assert_int_equal(jint(j, "year"), year_now);
    json_decref(j);
}

static void code_lists(void **state)
{
    (void)state;
    json_t *j = get_ok(t_viewer, "/api/v1/safety/injuries/codes");
    assert_true(json_array_has_str(json_object_get(j, "place_type"), "家庭"));
    assert_true(json_array_has_str(json_object_get(j, "injury_type"), "动物咬伤"));
    assert_true(json_array_has_str(json_object_get(j, "severity"), "死亡"));
    assert_int_equal(json_array_size(json_object_get(j, "age_band")), 6);
    assert_int_equal(json_array_size(json_object_get(j, "dimensions")), 10);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(record_crud_and_audit),   cmocka_unit_test(age_from_birth_date_and_resident),
        cmocka_unit_test(validation_refusals),     cmocka_unit_test(lists_filter_and_scope),
        cmocka_unit_test(analysis_known_set),      cmocka_unit_test(code_lists),
    };
    return cmocka_run_group_tests(tests, setup, registry_teardown);
}
