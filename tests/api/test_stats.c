/* test_stats.c — statistics agree with the lists: GET /stats/tags counts
 * against the resident list filtered by tag, GET /stats/org-units per
 * community and per building against the org tree's counts and the
 * lists — against the real server on the demo street. Households per
 * tag count a household once whichever members carry the tag; the
 * community × tag table (GET /stats/table) adds up, and its .xlsx
 * export has the title, headers, frozen panes, field list and audit
 * row. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_fixture.h"

/* ---- statistics ------------------------------------------------------------- */

static void stats_agree_with_lists(void **state)
{
    long long total = total_of(t_street, "/api/v1/residents?page_size=20");
    json_t *st = get_ok(t_street, "/api/v1/stats/tags");
    assert_int_equal(jint(st, "total_residents"), total);
    assert_int_equal(jint(json_object_get(st, "unit"), "id"), street_id);
    json_t *tags = json_object_get(st, "tags");
    assert_int_equal(json_array_size(tags), 11);
    size_t i;
    json_t *t;
    long long nonzero = 0;
    json_array_foreach(tags, i, t) {
        const char *code = jstr(t, "code");
        assert_non_null(jstr(t, "label"));
        long long n = total_of(t_street, fmt("/api/v1/residents?tag=%s&page_size=20", code));
        if (jint(t, "count") != n)
            print_error("stats/tags %s: %lld, list total %lld\n", code, jint(t, "count"), n);
        assert_int_equal(jint(t, "count"), n);
        nonzero += n > 0;
    }
    assert_true(nonzero >= 3);

    /* Per community: residents and tags add up to the street's. */
    json_t *ou = get_ok(t_street, "/api/v1/stats/org-units");
    assert_int_equal(jint(json_object_get(ou, "parent"), "id"), street_id);
    json_t *items = json_object_get(ou, "items");
    json_t *tree = get_ok(t_street, fmt("/api/v1/org-units?parent_id=%lld", street_id));
    assert_int_equal(json_array_size(items), json_array_size(json_object_get(tree, "items")));
    long long sum = 0, sum_hh = 0;
    json_t *it;
    json_array_foreach(items, i, it) {
        sum += jint(it, "residents");
        sum_hh += jint(it, "households");
        json_t *node = json_array_get(json_object_get(tree, "items"), i);
        assert_int_equal(jint(node, "id"), jint(it, "id"));
        assert_int_equal(jint(node, "resident_count"), jint(it, "residents"));
        assert_int_equal(jint(node, "household_count"), jint(it, "households"));
    }
    json_decref(tree);
    assert_int_equal(sum, total);
    assert_int_equal(sum_hh, total_of(t_street, "/api/v1/households?page_size=20"));
    json_array_foreach(tags, i, t) {
        const char *code = jstr(t, "code");
        long long s = 0;
        size_t k;
        json_array_foreach(items, k, it)
            s += jint(json_object_get(it, "tags"), code);
        assert_int_equal(s, jint(t, "count"));
    }
    /* One community against the list with a tag filter. */
    json_array_foreach(items, i, it) {
        if (jint(it, "id") != c001)
            continue;
        long long res = total_of(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=20", c001));
        assert_int_equal(jint(it, "residents"), res);
        assert_int_equal(jint(json_object_get(it, "tags"), "disabled"),
                         total_of(t_street, fmt("/api/v1/residents?org_unit_id=%lld&tag=disabled", c001)));
        json_t *ct = get_ok(t_street, fmt("/api/v1/stats/tags?org_unit_id=%lld", c001));
        assert_int_equal(jint(ct, "total_residents"), res);
        json_decref(ct);
    }
    json_decref(ou);
    json_decref(st);

    /* A building: stats, org-unit counts and the list agree. */
    json_t *bs = get_ok(t_street, fmt("/api/v1/stats/org-units?parent_id=%lld", grid_a));
    json_array_foreach(json_object_get(bs, "items"), i, it) {
        if (jint(it, "id") != bld_a1)
            continue;
        assert_string_equal(jstr(it, "kind"), "building");
        long long res = total_of(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=20", bld_a1));
        assert_int_equal(jint(it, "residents"), res);
        json_t *ct = get_ok(t_street, fmt("/api/v1/stats/tags?org_unit_id=%lld", bld_a1));
        assert_int_equal(jint(ct, "total_residents"), res);
        json_decref(ct);
        json_t *node = child_unit(t_street, grid_a, bld_a1);
        assert_int_equal(jint(node, "resident_count"), res);
        json_decref(node);
    }
    json_decref(bs);
}

/* ---- households per tag ------------------------------------------------------ */

/* The (residents, households) of tag in GET /stats/tags?org_unit_id=unit. */
static void tag_pair(long long unit, const char *tag, long long *res, long long *hh)
{
    json_t *st = get_ok(t_street, fmt("/api/v1/stats/tags?org_unit_id=%lld", unit));
    size_t i;
    json_t *t;
    *res = *hh = -1;
    json_array_foreach(json_object_get(st, "tags"), i, t)
        if (strcmp(jstr(t, "code"), tag) == 0) {
            *res = jint(t, "count");
            *hh = jint(t, "households");
        }
    json_decref(st);
}

/* The table's row for unit id (borrowed), failing when there is none. */
static json_t *table_row(json_t *table, long long id)
{
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(table, "rows"), i, row)
        if (jint(row, "id") == id)
            return row;
    fail_msg("no row for unit %lld", id);
    return NULL;
}

static long long cell(json_t *row, const char *tag, const char *what)
{
    return jint(json_object_get(json_object_get(row, "tags"), tag), what);
}

static void households_once_per_tag(void **state)
{
    long long res0, hh0, dres0, dhh0;
    tag_pair(grid_b, "dibao", &res0, &hh0);
    tag_pair(grid_b, "veteran", &dres0, &dhh0);
    json_t *tb0 = get_ok(t_c01, fmt("/api/v1/stats/table?org_unit_id=%lld", c001));
    long long row_hh0 = cell(table_row(tb0, grid_b), "dibao", "households");
    json_decref(tb0);

    /* Two 低保 members and one 退役军人 in one new household. */
    long long h = create_household(t_street, "STAT-HH-01", grid_b, 0);
    long long r1 = create_resident(t_street, h, new_id(), "统一", ",\"relation\":\"户主\",\"tags\":[\"dibao\",\"veteran\"]");
    long long r2 = create_resident(t_street, h, new_id(), "统二", ",\"relation\":\"配偶\",\"tags\":[\"dibao\"]");
    long long res, hh;
    tag_pair(grid_b, "dibao", &res, &hh);
    assert_int_equal(res, res0 + 2);
    assert_int_equal(hh, hh0 + 1);
    tag_pair(grid_b, "veteran", &res, &hh);
    assert_int_equal(res, dres0 + 1);
    assert_int_equal(hh, dhh0 + 1);

    /* The community's children and the table say the same. */
    json_t *ch = item_with_id(t_street, fmt("/api/v1/stats/org-units?parent_id=%lld", c001), grid_b);
    assert_int_equal(jint(json_object_get(ch, "tag_households"), "dibao"), hh0 + 1);
    assert_int_equal(jint(json_object_get(ch, "tags"), "dibao"), res0 + 2);
    json_decref(ch);
    json_t *tb = get_ok(t_c01, fmt("/api/v1/stats/table?org_unit_id=%lld", c001));
    assert_int_equal(cell(table_row(tb, grid_b), "dibao", "households"), row_hh0 + 1);
    json_decref(tb);

    /* One member loses the tag: the household still counts once; the
     * other loses it too: the household no longer counts. */
    json_decref(req(t_street, "PATCH", fmt("/api/v1/residents/%lld", r2), "{\"tags\":[]}", 200));
    tag_pair(grid_b, "dibao", &res, &hh);
    assert_int_equal(res, res0 + 1);
    assert_int_equal(hh, hh0 + 1);
    json_decref(req(t_street, "PATCH", fmt("/api/v1/residents/%lld", r1), "{\"tags\":[\"veteran\"]}", 200));
    tag_pair(grid_b, "dibao", &res, &hh);
    assert_int_equal(res, res0);
    assert_int_equal(hh, hh0);
}

/* ---- the community × tag table ------------------------------------------------ */

static void community_tag_table(void **state)
{
    json_t *tb = get_ok(t_street, "/api/v1/stats/table");
    json_t *unit = json_object_get(tb, "unit");
    assert_int_equal(jint(unit, "id"), street_id);
    assert_string_equal(jstr(tb, "row_kind"), "community");
    const char *date = jstr(tb, "date");
    assert_int_equal(strlen(date), 10);
    assert_string_equal(jstr(tb, "title"), fmt("%s各社区特殊群体统计（%s）", jstr(unit, "name"), date));
    json_t *columns = json_object_get(tb, "columns");
    assert_int_equal(json_array_size(columns), 11);
    assert_string_equal(jstr(json_array_get(columns, 2), "label"), "低保");
    /* One row per community, in code order; the totals row is the sum
     * and the street's statistics. */
    json_t *tree = get_ok(t_street, fmt("/api/v1/org-units?parent_id=%lld", street_id));
    assert_int_equal(json_array_size(json_object_get(tb, "rows")), json_array_size(json_object_get(tree, "items")));
    json_decref(tree);
    json_t *total = json_object_get(tb, "total");
    json_t *st = get_ok(t_street, "/api/v1/stats/tags");
    assert_int_equal(jint(total, "residents"), jint(st, "total_residents"));
    assert_int_equal(jint(total, "households"), jint(st, "total_households"));
    size_t i, k;
    json_t *col, *row;
    json_array_foreach(columns, i, col) {
        const char *code = jstr(col, "code");
        long long sh = 0, sr = 0;
        json_array_foreach(json_object_get(tb, "rows"), k, row) {
            sh += cell(row, code, "households");
            sr += cell(row, code, "residents");
        }
        assert_int_equal(sh, cell(total, code, "households"));
        assert_int_equal(sr, cell(total, code, "residents"));
        json_t *t = json_array_get(json_object_get(st, "tags"), i);
        assert_string_equal(jstr(t, "code"), code);
        assert_int_equal(jint(t, "households"), sh);
        assert_int_equal(jint(t, "count"), sr);
        assert_true(sh <= sr);
    }
    json_decref(st);
    json_decref(tb);

    /* A community account gets its grids. */
    tb = get_ok(t_c01, "/api/v1/stats/table");
    assert_string_equal(jstr(tb, "row_kind"), "grid");
    assert_int_equal(jint(json_object_get(tb, "unit"), "id"), c001);
    table_row(tb, grid_a);
    json_decref(tb);
}

/* The text of one member of the .xlsx (a zip) at path, via unzip -p. */
static char *xlsx_part(const char *path, const char *member)
{
    const char *out = fmt("%s/xlsx-part.txt", srv.dir);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "unzip -p '%s' '%s' > '%s'", path, member, out);
    assert_int_equal(system(cmd), 0);
    return read_whole_file(out, NULL);
}

static void table_xlsx_export(void **state)
{
    http_resp r;
    assert_int_equal(http(&srv, "GET", fmt("/api/v1/stats/table/export?org_unit_id=%lld", c001), t_c01, NULL, 0,
                          NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert_string_equal(r.content_disposition, "attachment; filename=\"stats-" C001_CODE ".xlsx\"");
    char fields[1024];
    assert_true(resp_header(&r, "X-Export-Fields", fields, sizeof fields));
    assert_non_null(strstr(fields, "name,code,households,residents,elderly_households,elderly_residents,"));
    assert_non_null(strstr(fields, ",dibao_households,dibao_residents,"));
    assert_true(r.len > 4 && memcmp(r.body, "PK", 2) == 0);
    const char *path = fmt("%s/table.xlsx", srv.dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(r.body, 1, r.len, f), r.len);
    fclose(f);
    http_free(&r);

    json_t *tb = get_ok(t_c01, fmt("/api/v1/stats/table?org_unit_id=%lld", c001));
    char *wbk = xlsx_part(path, "xl/workbook.xml");
    assert_non_null(strstr(wbk, "name=\"统计表\""));
    assert_non_null(strstr(wbk, "name=\"字段说明\""));
    free(wbk);
    char *strings = xlsx_part(path, "xl/sharedStrings.xml");
    assert_non_null(strstr(strings, jstr(tb, "title")));
    static const char *const WANT[] = {"<t>网格</t>", "<t>编码</t>", "<t>户数</t>", "<t>人数</t>", "<t>低保</t>",
                                       "<t>户</t>", "<t>人</t>", "<t>合计</t>", "<t>低保·户</t>",
                                       "至少一名在册成员有“低保”标注的户数（一户只计一次）", NULL};
    for (int i = 0; WANT[i]; i++)
        if (!strstr(strings, WANT[i]))
            fail_msg("sharedStrings.xml lacks %s", WANT[i]);
    free(strings);
    char *sheet = xlsx_part(path, "xl/worksheets/sheet1.xml");
    assert_non_null(strstr(sheet, "<pane xSplit=\"1\" ySplit=\"3\" topLeftCell=\"B4\" activePane=\"bottomRight\" state=\"frozen\"/>"));
    /* the totals row holds the community's residents */
    assert_non_null(strstr(sheet, fmt("<v>%lld</v>", jint(json_object_get(tb, "total"), "residents"))));
    free(sheet);
    json_decref(tb);

    /* The export is audited. */
    json_t *a = get_ok(t_auditor, fmt("/api/v1/audit?action=export&entity=stats_table&entity_id=%lld", c001));
    json_t *row = json_array_get(json_object_get(a, "items"), 0);
    assert_non_null(row);
    assert_string_equal(jstr(row, "username"), "shequ01");
    assert_non_null(strstr(jstr(row, "detail"), "特殊群体统计表（xlsx，"));
    json_decref(a);

    /* The department viewer's table has no 刑释解教 column. */
    assert_int_equal(http(&srv, "GET", "/api/v1/stats/table/export", t_viewer, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_true(resp_header(&r, "X-Export-Fields", fields, sizeof fields));
    assert_null(strstr(fields, "released_prisoner"));
    http_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stats_agree_with_lists),
        cmocka_unit_test(households_once_per_tag),
        cmocka_unit_test(community_tag_table),
        cmocka_unit_test(table_xlsx_export),
    };
    return cmocka_run_group_tests_name("api_stats", tests, registry_setup, registry_teardown);
}
