/* test_org_import.c — setting up a street from a table: the org-tree
 * import (POST /api/v1/import/org-units and `minsheng org import`) from
 * CSV and .xlsx, rows in any order, the exact per-row messages users
 * see, all or nothing and mode=valid, the community account's scope and
 * the roles refused, its audit row; an org unit's boundary (geometry)
 * through POST/PATCH/GET; the resident import reading .xlsx; and the
 * `org` command: list, rename, close (and its refusals), import of the
 * shipped docs/examples/org-tree.csv and its .xlsx twin. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "harness.h"
#include "util/csvfile.h"
#include "util/strbuf.h"

static test_server srv;
static char *t_street, *t_c01, *t_g0101, *t_auditor;

#define NCOLS 11
typedef const char *row_t[NCOLS];
static const row_t HEADER = {"层级", "编码", "名称", "上级编码", "网格员", "网格员电话", "楼长", "楼长电话", "负责人",
                             "负责人电话", "边界"};
#define SQUARE "{\"type\":\"Polygon\",\"coordinates\":[[[115.4,35.2],[115.5,35.2],[115.5,35.3],[115.4,35.2]]]}"

/* ---- tables as CSV and as .xlsx -------------------------------------------- */

/* The header and n rows as CSV (malloc'd). */
static char *table_csv(const row_t *rows, size_t n)
{
    strbuf sb = STRBUF_INIT;
    csvw_row(&sb, HEADER, NCOLS);
    for (size_t i = 0; i < n; i++) {
        const char *cells[NCOLS];
        for (int c = 0; c < NCOLS; c++)
            cells[c] = rows[i][c] ? rows[i][c] : "";
        csvw_row(&sb, cells, NCOLS);
    }
    return sb_detach(&sb);
}

/* A workbook with `header` on row header_row (1-based) and the cells of
 * rows below it, one blank row left after the first data row (so sheet
 * rows and data rows differ); read back whole (*len). */
static char *make_xlsx(const char *const *header, size_t ncols, const char *const *cells, size_t nrows,
                       int header_row, size_t *len)
{
    static int seq;
    char path[400];
    snprintf(path, sizeof path, "%s/t%d.xlsx", srv.dir, ++seq);
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);
    for (size_t c = 0; c < ncols; c++)
        worksheet_write_string(ws, (lxw_row_t)(header_row - 1), (lxw_col_t)c, header[c], NULL);
    for (size_t r = 0; r < nrows; r++) {
        lxw_row_t at = (lxw_row_t)(header_row + r + (r >= 1));
        for (size_t c = 0; c < ncols; c++) {
            const char *v = cells[r * ncols + c];
            if (v && *v == '#')                 /* "#123": a number cell */
                worksheet_write_number(ws, at, (lxw_col_t)c, strtod(v + 1, NULL), NULL);
            else if (v && *v)
                worksheet_write_string(ws, at, (lxw_col_t)c, v, NULL);
        }
    }
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
    char *data = read_whole_file(path, len);
    assert_non_null(data);
    return data;
}

static char *table_xlsx(const row_t *rows, size_t n, size_t *len)
{
    return make_xlsx(HEADER, NCOLS, (const char *const *)rows, n, 1, len);
}

static long post_org_import(const char *tok, const char *query, const char *body, size_t len, json_t **out)
{
    http_resp r;
    assert_int_equal(http(&srv, "POST", fmt("/api/v1/import/org-units%s", query), tok, body, len, "text/csv", &r), 0);
    long st = r.status;
    *out = r.json;
    r.json = NULL;
    http_free(&r);
    return st;
}

static long import_table(const char *tok, const char *query, const row_t *rows, size_t n, json_t **out)
{
    char *csv = table_csv(rows, n);
    long st = post_org_import(tok, query, csv, strlen(csv), out);
    free(csv);
    return st;
}

/* Checks errors[i] is exactly {row, field, message}. */
static void expect_error(json_t *errors, size_t i, long long row, const char *field, const char *message)
{
    json_t *e = json_array_get(errors, i);
    if (!e || jint(e, "row") != row || strcmp(jstr(e, "message") ? jstr(e, "message") : "", message) != 0 ||
        (field ? !jstr(e, "field") || strcmp(jstr(e, "field"), field) != 0 : !json_is_null(json_object_get(e, "field")))) {
        char *d = json_dumps(errors, JSON_INDENT(1));
        print_error("errors[%zu]: want row %lld field %s message %s\n got %s\n", i, row, field ? field : "null", message,
                    d);
        free(d);
        fail();
    }
}

static long long units_with_code_prefix(const char *prefix)
{
    return server_sql_int(&srv, fmt("SELECT COUNT(*) FROM org_unit WHERE code LIKE '%s%%'", prefix));
}

static json_t *unit_by_code(const char *tok, const char *code)
{
    long long id = org_id_by_code(&srv, t_street, code);
    assert_true(id > 0);
    return api_get_ok(&srv, tok, fmt("/api/v1/org-units/%lld", id));
}

/* ---- the import through the API ------------------------------------------------- */

/* A community with two grids and three buildings, children before their
 * parents; leaders, a phone, a boundary. */
static const row_t GOOD[] = {
    {"楼栋", "371702001901-01-02", "新华小区2号楼", "371702001901-01", NULL, NULL, "孙楼长", "13805301902"},
    {"building", "371702001901-02-01", "新华小区3号楼", "371702001901-02"},
    {"网格", "371702001901-01", "新华社区第1网格", "371702001901", "钱网格", "13805301901"},
    {"社区", "371702001901", "新华社区", "371702001", NULL, NULL, NULL, NULL, "周书记", "0530-5551901", SQUARE},
    {"grid", "371702001901-02", "新华社区第2网格", "371702001901"},
    {"楼栋", "371702001901-01-01", "新华小区1号楼", "371702001901-01", NULL, NULL, "李楼长"},
};

static void street_imports_tree_in_any_order(void **state)
{
    long long audits = server_sql_int(&srv, "SELECT COUNT(*) FROM audit_log WHERE action = 'import' AND entity = 'org_unit'");
    json_t *rep;
    assert_int_equal(import_table(t_street, "?file_name=新华社区.csv", GOOD, 6, &rep), 200);
    assert_int_equal(jint(rep, "rows"), 6);
    assert_int_equal(jint(rep, "created"), 6);
    assert_int_equal(jint(rep, "error_rows"), 0);
    json_t *lv = json_object_get(rep, "created_by_level");
    assert_int_equal(jint(lv, "community"), 1);
    assert_int_equal(jint(lv, "grid"), 2);
    assert_int_equal(jint(lv, "building"), 3);
    json_decref(rep);

    json_t *c = unit_by_code(t_street, "371702001901");
    assert_string_equal(jstr(c, "kind"), "community");
    assert_string_equal(jstr(c, "leader_name"), "周书记");
    assert_string_equal(jstr(c, "status"), "active");
    assert_string_equal(jstr(json_object_get(c, "geometry"), "type"), "Polygon");
    json_decref(c);
    json_t *g = unit_by_code(t_street, "371702001901-01");
    assert_string_equal(jstr(g, "kind"), "grid");
    assert_string_equal(jstr(g, "leader_name"), "钱网格");
    assert_string_equal(jstr(g, "leader_phone"), "13805301901");
    assert_true(json_is_null(json_object_get(g, "geometry")));
    json_decref(g);
    json_t *b = unit_by_code(t_street, "371702001901-01-02");
    assert_string_equal(jstr(b, "kind"), "building");
    assert_string_equal(jstr(b, "leader_name"), "孙楼长");
    assert_int_equal(jint(b, "parent_id"), org_id_by_code(&srv, t_street, "371702001901-01"));
    json_decref(b);
    /* the phone is encrypted at rest like every leader phone */
    assert_int_equal(server_sql_int(&srv, "SELECT COUNT(*) FROM org_unit WHERE code LIKE '371702001901%' AND leader_phone IS NOT NULL"), 0);

    /* one audit row, with the counts and the codes */
    assert_int_equal(server_sql_int(&srv, "SELECT COUNT(*) FROM audit_log WHERE action = 'import' AND entity = 'org_unit'"),
                     audits + 1);
    json_t *a = api_get_ok(&srv, t_auditor, "/api/v1/audit?action=import&entity=org_unit");
    json_t *row = json_array_get(json_object_get(a, "items"), 0);
    assert_string_equal(jstr(row, "detail"), "导入组织架构（新华社区.csv）：新建 6 个单位（街道 0、社区 1、网格 2、楼栋 3）");
    assert_string_equal(jstr(row, "username"), "jiedao");
    json_t *codes = json_object_get(json_object_get(row, "after"), "codes");
    assert_int_equal(json_array_size(codes), 6);
    assert_true(json_array_has_str(codes, "371702001901-02-01"));
    json_decref(a);

    /* cells are stored trimmed, every column (spaces and U+3000 as a spreadsheet leaves them) */
    const char *padded = "层级,编码,名称,上级编码,负责人\n"
                         " 社区 , 371702001907 ,\xE3\x80\x80前导空格社区 , 371702001 , 赵书记\xE3\x80\x80\n";
    assert_int_equal(post_org_import(t_street, "", padded, strlen(padded), &rep), 200);
    assert_int_equal(jint(rep, "created"), 1);
    json_decref(rep);
    c = unit_by_code(t_street, "371702001907");
    assert_string_equal(jstr(c, "name"), "前导空格社区");
    assert_string_equal(jstr(c, "leader_name"), "赵书记");
    json_decref(c);
}

/* Every row check, with the exact message a user reads; nothing is
 * created (all or nothing); mode=valid creates the good rows only. */
static void bad_rows_are_reported_and_nothing_is_created(void **state)
{
    json_t *grid = unit_by_code(t_street, "371702001001-01");
    char wrong_level[256];
    snprintf(wrong_level, sizeof wrong_level, "上级“371702001001-01”（%s）是网格，社区须设在街道下", jstr(grid, "name"));
    json_decref(grid);
    static const row_t BAD[] = {
        /* row 2 */ {"社区", "371702001902", "和平社区", "371702001"},
        /* row 3 */ {"小区", "371702001902-09", "错层级", "371702001902"},
        /* row 4 */ {"网格", "371702001902-01", "和平第1网格", "371702001902", "吴网格", "123"},
        /* row 5 */ {"网格", "371702001902-02", "和平第2网格", "371702001902", NULL, NULL, "郑楼长"},
        /* row 6 */ {"楼栋", "371702001902-01-01", "和平1号楼", "371702001902-01"},
        /* row 7 */ {"网格", "371702001001", "已有编码", "371702001902"},
        /* row 8 */ {"网格", "371702001902-03", "和平第3网格", "NOPE"},
        /* row 9 */ {"社区", "371702001903", "错上级", "371702001001-01"},
        /* row 10 */ {"网格", "371702001902-04", "边界错", "371702001902", NULL, NULL, NULL, NULL, NULL, NULL,
                      "{\"type\":\"Point\",\"coordinates\":[115.4,35.2]}"},
        /* row 11 */ {"网格", "371702001902-05", "边界未闭合", "371702001902", NULL, NULL, NULL, NULL, NULL, NULL,
                      "{\"type\":\"Polygon\",\"coordinates\":[[[115.4,35.2],[115.5,35.2],[115.5,35.3],[115.6,35.2]]]}"},
        /* row 12 */ {"社区", "371702001902", "重复编码", "371702001"},
        /* row 13 */ {"网格", "371702001902-06", "", "371702001902"},
        /* row 14 */ {"网格", "371702001902-07", "无上级", ""},
        /* row 15 */ {"网格", "3717 02", "空格编码", "371702001902"},
        /* row 16 */ {"网格", "371702001902-08", "只有电话", "371702001902", NULL, "13805301908"},
    };
    size_t n = sizeof BAD / sizeof BAD[0];
    json_t *rep;
    assert_int_equal(import_table(t_street, "", BAD, n, &rep), 400);
    json_t *report = json_object_get(rep, "report"), *errors = json_object_get(report, "errors");
    assert_string_equal(err_code(rep), "bad_request");
    assert_string_equal(err_message(rep),
                        "共 14 行有错误，未导入任何数据（第3行：层级“小区”无效，应为 街道、社区、网格 或 楼栋）。请修改后重新导入，或选择只导入正确的行");
    assert_int_equal(jint(report, "rows"), 15);
    assert_int_equal(jint(report, "created"), 0);
    assert_int_equal(jint(report, "error_rows"), 14);
    size_t k = 0;
    expect_error(errors, k++, 3, "level", "层级“小区”无效，应为 街道、社区、网格 或 楼栋");
    expect_error(errors, k++, 4, "grid_worker_phone", "网格员电话“123”格式不正确（手机11位，或区号-号码）");
    expect_error(errors, k++, 5, "building_leader", "“楼长”只填在楼栋行，本行是网格");
    expect_error(errors, k++, 6, "parent_code", "上级编码“371702001902-01”所在的第4行有错误，本行未导入");
    expect_error(errors, k++, 7, "code", "编码“371702001001”已被使用（已有的单位不由导入修改）");
    expect_error(errors, k++, 8, "parent_code", "上级编码“NOPE”不存在或不在您的管辖范围内");
    expect_error(errors, k++, 9, "level", wrong_level);
    expect_error(errors, k++, 10, "geometry", "边界须为 GeoJSON 的 Polygon 或 MultiPolygon 对象（type 为 Polygon 或 MultiPolygon）");
    expect_error(errors, k++, 11, "geometry", "边界坐标无效：每个环须至少4个 [经度, 纬度] 点、首尾相同，经度在±180、纬度在±90以内");
    expect_error(errors, k++, 12, "code", "编码“371702001902”与第2行重复");
    expect_error(errors, k++, 13, "name", "名称不能为空");
    expect_error(errors, k++, 14, "parent_code", "上级编码不能为空");
    expect_error(errors, k++, 15, "code", "编码只能包含字母、数字、- 和 _");
    expect_error(errors, k++, 16, "grid_worker", "填了网格员电话，但没有填网格员姓名");
    assert_int_equal(json_array_size(errors), k);
    json_decref(rep);
    assert_int_equal(units_with_code_prefix("371702001902"), 0);

    /* mode=valid: rows 2 and 5's sibling … the good ones only */
    assert_int_equal(import_table(t_street, "?mode=valid", BAD, n, &rep), 200);
    assert_int_equal(jint(rep, "created"), 1);               /* the community of row 2 */
    assert_int_equal(jint(rep, "error_rows"), 14);
    json_decref(rep);
    assert_int_equal(units_with_code_prefix("371702001902"), 1);
}

static void bad_files_are_refused_whole(void **state)
{
    json_t *rep;
    const char *csv = "层级,编码,名称\n社区,X1,甲\n";
    assert_int_equal(post_org_import(t_street, "", csv, strlen(csv), &rep), 400);
    assert_string_equal(err_message(rep), "表头缺少必需的列“上级编码”（必需：层级、编码、名称、上级编码）");
    json_decref(rep);
    csv = "层级,编码,名称,上级编码,面积\n社区,X1,甲,371702001,3\n";
    assert_int_equal(post_org_import(t_street, "", csv, strlen(csv), &rep), 400);
    assert_string_equal(err_message(rep), "表头第5列“面积”不是可识别的列（可用的列：层级、编码、名称、上级编码、网格员、网格员电话、楼长、楼长电话、负责人、负责人电话、边界）");
    json_decref(rep);
    const char junk[] = "PK\x03\x04garbage that is no zip";
    assert_int_equal(post_org_import(t_street, "", junk, sizeof junk - 1, &rep), 400);
    assert_string_equal(err_message(rep), "文件不是有效的 Excel 工作簿（.xlsx）：压缩包已损坏或不完整");
    json_decref(rep);
    assert_int_equal(post_org_import(t_street, "", "", 0, &rep), 400);
    assert_string_equal(err_message(rep), "请在请求内容中上传 CSV 或 Excel（.xlsx）文件");
    json_decref(rep);
}

/* The same kind of table as .xlsx: row numbers are the sheet's rows. */
static void xlsx_tree_imports_with_sheet_row_numbers(void **state)
{
    static const row_t ROWS[] = {
        {"网格", "371702001904-01", "光明第1网格", "371702001904", "冯网格", "13805301904"},
        {"社区", "371702001904", "光明社区", "371702001"},
        {"楼栋", "371702001904-01-01", "光明1号楼", "371702001904-01", NULL, NULL, "陈楼长", "13805311904"},
    };
    size_t len;
    json_t *rep;
    char *x = table_xlsx(ROWS, 3, &len);
    assert_int_equal(post_org_import(t_street, "", x, len, &rep), 200);
    free(x);
    assert_int_equal(jint(rep, "created"), 3);
    json_decref(rep);
    json_t *b = unit_by_code(t_street, "371702001904-01-01");
    assert_string_equal(jstr(b, "leader_phone"), "13805311904");
    json_decref(b);

    static const row_t BAD[] = {
        {"网格", "371702001905-01", "某网格", "371702001905"},      /* sheet row 2 */
        {"楼栋", "371702001905-01-01", "某楼", "371702001905-01"},   /* sheet row 4: row 3 left blank */
    };
    x = table_xlsx(BAD, 2, &len);
    assert_int_equal(post_org_import(t_street, "", x, len, &rep), 400);
    free(x);
    json_t *errors = json_object_get(json_object_get(rep, "report"), "errors");
    expect_error(errors, 0, 2, "parent_code", "上级编码“371702001905”不存在或不在您的管辖范围内");
    expect_error(errors, 1, 4, "parent_code", "上级编码“371702001905-01”所在的第2行有错误，本行未导入");
    json_decref(rep);
}

/* A community account imports under its own community only; a grid
 * worker may not import at all. */
static void community_imports_only_under_its_community(void **state)
{
    static const row_t OWN[] = {
        {"网格", "371702001001-91", "自建网格", "371702001001", "韩网格"},
        {"楼栋", "371702001001-91-01", "自建楼", "371702001001-91"},
    };
    json_t *rep;
    assert_int_equal(import_table(t_c01, "", OWN, 2, &rep), 200);
    assert_int_equal(jint(rep, "created"), 2);
    json_decref(rep);

    static const row_t FAR[] = {
        {"网格", "371702001002-91", "越权网格", "371702001002"},
        {"社区", "371702001906", "越权社区", "371702001"},
    };
    assert_int_equal(import_table(t_c01, "", FAR, 2, &rep), 400);
    json_t *errors = json_object_get(json_object_get(rep, "report"), "errors");
    expect_error(errors, 0, 2, "parent_code", "上级编码“371702001002”不存在或不在您的管辖范围内");
    expect_error(errors, 1, 3, "parent_code", "上级编码“371702001”不存在或不在您的管辖范围内");
    json_decref(rep);
    assert_int_equal(import_table(t_c01, "?mode=valid", FAR, 2, &rep), 200);
    assert_int_equal(jint(rep, "created"), 0);
    json_decref(rep);
    assert_int_equal(units_with_code_prefix("371702001002-91") + units_with_code_prefix("371702001906"), 0);

    assert_int_equal(import_table(t_g0101, "", OWN, 1, &rep), 403);
    json_decref(rep);
}

/* ---- boundary through the org-unit API ---------------------------------------------- */

static void geometry_set_shown_and_cleared(void **state)
{
    long long grid = org_id_by_code(&srv, t_street, "371702001001-02");
    json_t *j = api_expect(&srv, t_street, "PATCH", fmt("/api/v1/org-units/%lld", grid),
                           "{\"geometry\":{\"type\":\"MultiPolygon\",\"coordinates\":[[[[115.4,35.2],[115.5,35.2],[115.5,35.3],[115.4,35.2]]]]}}",
                           200);
    assert_string_equal(jstr(json_object_get(j, "geometry"), "type"), "MultiPolygon");
    json_decref(j);
    j = api_get_ok(&srv, t_street, fmt("/api/v1/org-units/%lld", grid));
    assert_string_equal(jstr(json_object_get(j, "geometry"), "type"), "MultiPolygon");
    json_decref(j);

    j = api_expect(&srv, t_street, "PATCH", fmt("/api/v1/org-units/%lld", grid), "{\"geometry\":{\"type\":\"Polygon\"}}", 400);
    assert_string_equal(err_field(j), "geometry");
    assert_string_equal(err_message(j), "边界坐标无效：每个环须至少4个 [经度, 纬度] 点、首尾相同，经度在±180、纬度在±90以内");
    json_decref(j);
    j = api_expect(&srv, t_street, "PATCH", fmt("/api/v1/org-units/%lld", grid), "{\"geometry\":\"" "多边形" "\"}", 400);
    assert_string_equal(err_field(j), "geometry");
    json_decref(j);
    j = api_get_ok(&srv, t_street, fmt("/api/v1/org-units/%lld", grid));
    assert_string_equal(jstr(json_object_get(j, "geometry"), "type"), "MultiPolygon");   /* unchanged */
    json_decref(j);

    json_decref(api_expect(&srv, t_street, "PATCH", fmt("/api/v1/org-units/%lld", grid), "{\"geometry\":null}", 200));
    j = api_get_ok(&srv, t_street, fmt("/api/v1/org-units/%lld", grid));
    assert_true(json_is_null(json_object_get(j, "geometry")));
    json_decref(j);

    j = api_expect(&srv, t_street, "POST", "/api/v1/org-units",
                   fmt("{\"parent_id\":%lld,\"code\":\"371702001001-02-91\",\"name\":\"带边界的楼\",\"geometry\":" SQUARE "}", grid),
                   201);
    assert_string_equal(jstr(json_object_get(j, "geometry"), "type"), "Polygon");
    json_decref(j);
}

/* ---- the resident import reads .xlsx --------------------------------------------------- */

static void resident_import_reads_xlsx(void **state)
{
    static const char *const HDR[] = {"姓名", "身份证号", "与户主关系", "网格编码", "户编号", "地址"};
    char id1[19], id2[19];
    snprintf(id1, sizeof id1, "%s", fresh_id("110107"));
    snprintf(id2, sizeof id2, "%s", fresh_id("110107"));
    const char *cells[] = {
        "表格户主", id1, "户主", "371702001001-01", "XLSX-HH-1", "光明路1号",
        "表格配偶", id2, "配偶", "371702001001-01", "XLSX-HH-1", "光明路1号",
    };
    size_t len;
    char *x = make_xlsx(HDR, 6, cells, 2, 1, &len);
    json_t *rep;
    assert_int_equal(api_import(&srv, t_street, "", x, len, &rep), 200);
    free(x);
    assert_int_equal(jint(rep, "imported"), 2);
    assert_int_equal(jint(rep, "households_created"), 1);
    json_decref(rep);

    /* Excel leaves out a row's empty last cells: such a row is as wide as the header */
    static const char *const HDR7[] = {"姓名", "身份证号", "与户主关系", "网格编码", "户编号", "地址", "联系电话"};
    char id3[19];
    snprintf(id3, sizeof id3, "%s", fresh_id("110107"));
    const char *short_row[] = {"表格无电话", id3, "户主", "371702001001-01", "XLSX-HH-3", "光明路3号", ""};
    x = make_xlsx(HDR7, 7, short_row, 1, 1, &len);
    assert_int_equal(api_import(&srv, t_street, "", x, len, &rep), 200);
    free(x);
    assert_int_equal(jint(rep, "imported"), 1);
    json_decref(rep);

    /* Excel turned the ID number into a number: the sheet's row is named */
    const char *mangled[] = {"数字身份证", "#371702199001011234", "户主", "371702001001-01", "XLSX-HH-2", "光明路2号"};
    x = make_xlsx(HDR, 6, mangled, 1, 3, &len);        /* header on sheet row 3, data on row 4 */
    assert_int_equal(api_import(&srv, t_street, "", x, len, &rep), 400);
    free(x);
    json_t *e = json_array_get(json_object_get(json_object_get(rep, "report"), "errors"), 0);
    assert_int_equal(jint(e, "row"), 4);
    assert_string_equal(jstr(e, "field"), "id_number");
    json_decref(rep);
}

/* ---- the org command -------------------------------------------------------------------- */

static int cli(const char *const *args, char **out)
{
    return run_cli_output(&srv, args, NULL, out);
}

static void assert_contains(const char *text, const char *needle)
{
    if (!strstr(text, needle))
        print_error("expected \"%s\" in output:\n%s\n", needle, text);
    assert_non_null(strstr(text, needle));
}

/* The repository file `rel`: the tests run from the repository's root. */
static const char *repo_file(const char *rel)
{
    assert_int_equal(access(rel, R_OK), 0);
    return rel;
}

static void org_command_imports_lists_renames_closes(void **state)
{
    char *out;
    /* the shipped example belongs to another street (371702009): put it under a district first */
    assert_int_equal(cli((const char *[]){"org", "district", "371702", "牡丹区", NULL}, &out), 0);
    free(out);
    assert_int_equal(cli((const char *[]){"org", "add", "371702", "371702009", "何楼街道", NULL}, &out), 0);
    free(out);
    assert_int_equal(cli((const char *[]){"org", "import", repo_file("docs/examples/org-tree.csv"), NULL}, &out), 0);
    assert_contains(out, "共 21 行，新建 21 个单位（街道 0、社区 3、网格 6、楼栋 12），错误 0 行");
    free(out);
    /* again: every code is taken, nothing changes */
    assert_int_equal(cli((const char *[]){"org", "import", repo_file("docs/examples/org-tree.csv"), NULL}, &out), 1);
    assert_contains(out, "第 2 行 [code] 编码“371702009001-01-02”已被使用（已有的单位不由导入修改）");
    assert_contains(out, "有错误，未导入任何单位");
    free(out);
    /* the .xlsx twin holds the same tree: every code taken, row for row */
    const char *report = fmt("%s/org-report.json", srv.dir);
    assert_int_equal(cli((const char *[]){"org", "import", repo_file("docs/examples/org-tree.xlsx"), "--report", report, NULL},
                         &out), 1);
    assert_contains(out, "共 21 行，新建 0 个单位（街道 0、社区 0、网格 0、楼栋 0），错误 21 行");
    assert_contains(out, "第 2 行 [code] 编码“371702009001-01-02”已被使用");
    assert_contains(out, "……共 21 行有错误");
    free(out);
    json_t *errs = json_load_file(report, 0, NULL);
    assert_int_equal(json_array_size(errs), 21);
    expect_error(errs, 20, 22, "code", "编码“371702009003-02-02”已被使用（已有的单位不由导入修改）");
    json_decref(errs);

    assert_int_equal(cli((const char *[]){"org", "list", "--under", "371702009001", NULL}, &out), 0);
    assert_contains(out, "社区 东方社区（371702009001）  负责人 刘红 13905300101\n"
                         "  网格 东方社区第1网格（371702009001-01）  网格员 王芳 13805300101\n"
                         "    楼栋 东方小区11号楼（371702009001-01-01）  楼长 何平\n");
    assert_contains(out, "共 7 个单位");
    free(out);

    assert_int_equal(cli((const char *[]){"org", "rename", "371702009003-02", "南湖第二网格", NULL}, &out), 0);
    assert_contains(out, "已将网格 南湖社区第2网格（371702009003-02）改名为 南湖第二网格");
    free(out);
    assert_int_equal(cli((const char *[]){"org", "close", "371702009003-02", NULL}, &out), 1);
    assert_contains(out, "网格“南湖第二网格”下还有 2 个未撤销的下级单位，不能撤销：请先撤销或调整下级单位");
    free(out);
    assert_int_equal(cli((const char *[]){"org", "close", "371702009003-02-01", NULL}, &out), 0);
    assert_contains(out, "已撤销楼栋 南湖小区21号楼（371702009003-02-01）：单位保留，显示为已撤销");
    free(out);
    assert_int_equal(cli((const char *[]){"org", "close", "371702009003-02-01", NULL}, &out), 1);
    assert_contains(out, "楼栋“南湖小区21号楼”已经撤销");
    free(out);
    assert_int_equal(cli((const char *[]){"org", "close", "371702009003-02-02", NULL}, &out), 0);
    free(out);
    assert_int_equal(cli((const char *[]){"org", "close", "371702009003-02", NULL}, &out), 0);
    free(out);
    assert_int_equal(cli((const char *[]){"org", "close", "371702", NULL}, &out), 1);
    assert_contains(out, "不能撤销最上级单位“牡丹区”");
    free(out);

    /* a demo building with households in it */
    long long bid = server_sql_int(&srv, "SELECT MIN(building_id) FROM household WHERE status = 'active'");
    long long nhh = server_sql_int(&srv, fmt("SELECT COUNT(*) FROM household WHERE status = 'active' AND building_id = %lld", bid));
    json_t *bu = api_get_ok(&srv, t_street, fmt("/api/v1/org-units/%lld", bid));
    assert_int_equal(cli((const char *[]){"org", "close", jstr(bu, "code"), NULL}, &out), 1);
    assert_contains(out, fmt("楼栋“%s”下还有 %lld 户在册，不能撤销：请先将这些户迁出或注销", jstr(bu, "name"), nhh));
    free(out);
    json_decref(bu);

    assert_int_equal(cli((const char *[]){"org", "list", "--under", "371702009003", NULL}, &out), 0);
    assert_true(strstr(out, "南湖第二网格") == NULL);
    assert_contains(out, "  网格 南湖社区第1网格（371702009003-01）  网格员 吴磊 13805302101\n");
    assert_contains(out, "共 4 个单位；另有已撤销的单位未显示（--all 显示）");
    free(out);
    assert_int_equal(cli((const char *[]){"org", "list", "--under", "371702009003", "--all", NULL}, &out), 0);
    assert_contains(out, "  网格 南湖第二网格（371702009003-02）  网格员 郑洁 13805302202  [已撤销]\n"
                         "    楼栋 南湖小区21号楼（371702009003-02-01）  楼长 钱丽  [已撤销]\n");
    assert_contains(out, "共 7 个单位\n");
    free(out);

    /* closed: kept with its status, nothing new under it */
    assert_int_equal(server_sql_int(&srv, "SELECT COUNT(*) FROM org_unit WHERE code = '371702009003-02' AND status = 'closed'"
                                          " AND closed_at IS NOT NULL"), 1);
    assert_int_equal(cli((const char *[]){"org", "add", "371702009003-02", "X-UNDER-CLOSED", "不该建", NULL}, &out), 1);
    assert_contains(out, "上级单位“南湖第二网格”已撤销，不能在其下建立单位");
    free(out);
    /* nor households: a resident import naming the closed grid is a row error */
    const char *csv_path = fmt("%s/closed-grid.csv", srv.dir);
    FILE *f = fopen(csv_path, "w");
    assert_non_null(f);
    fputs("姓名,身份证号,网格编码,户编号,地址\n张闭网,110101199003071233,371702009003-02,371702009003-02-0001,南湖小区21号楼\n", f);
    fclose(f);
    assert_int_equal(cli((const char *[]){"import", "residents", csv_path, NULL}, &out), 1);
    assert_contains(out, "第 2 行 [grid_code] 网格“371702009003-02”已撤销，不能再导入住户和居民");
    free(out);
    /* and through the API: a grid of the demo street, created empty and closed */
    long long community = org_id_by_code(&srv, t_street, "371702001001");
    http_resp r;
    const char *body = fmt("{\"parent_id\":%lld,\"code\":\"371702001001-99\",\"name\":\"临时网格\"}", community);
    assert_int_equal(http(&srv, "POST", "/api/v1/org-units", t_street, body, strlen(body), "application/json", &r), 0);
    assert_int_equal(r.status, 201);
    http_free(&r);
    assert_int_equal(cli((const char *[]){"org", "close", "371702001001-99", NULL}, &out), 0);
    free(out);
    long long grid = org_id_by_code(&srv, t_street, "371702001001-99");
    body = fmt("{\"grid_id\":%lld,\"address\":\"临时网格1号\"}", grid);
    assert_int_equal(http(&srv, "POST", "/api/v1/households", t_street, body, strlen(body), "application/json", &r), 0);
    assert_int_equal(r.status, 409);
    assert_contains(r.body, "网格“临时网格”已撤销，不能再登记或迁入住户");
    http_free(&r);
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM household WHERE grid_id = %lld", grid)), 0);
    /* nor units from the org import: the row naming it as parent is an error */
    static const row_t UNDER_CLOSED[] = {{"楼栋", "371702001001-99-01", "不该建的楼", "371702001001-99"}};
    json_t *rep;
    assert_int_equal(import_table(t_street, "", UNDER_CLOSED, 1, &rep), 400);
    expect_error(json_object_get(json_object_get(rep, "report"), "errors"), 0, 2, "parent_code",
                 "上级单位“临时网格”已撤销，不能在其下建立单位");
    json_decref(rep);
    assert_int_equal(units_with_code_prefix("371702001001-99-"), 0);

    /* every write audited */
    assert_int_equal(server_sql_int(&srv, "SELECT COUNT(*) FROM audit_log WHERE action = 'close' AND entity = 'org_unit'"
                                          " AND detail LIKE '%371702009003-02%'"), 3);
    assert_int_equal(server_sql_int(&srv, "SELECT COUNT(*) FROM audit_log WHERE action = 'update' AND entity = 'org_unit'"
                                          " AND detail LIKE '%南湖第二网格%'"), 1);
    assert_int_equal(server_sql_int(&srv, "SELECT COUNT(*) FROM audit_log WHERE action = 'import' AND entity = 'org_unit'"
                                          " AND detail LIKE '%新建 21 个单位%'"), 1);
    assert_int_equal(cli((const char *[]){"org", "frob", NULL}, &out), 2);
    assert_contains(out, "未知的子命令 frob");
    free(out);
}

/* ---- fixture -------------------------------------------------------------------------------- */

static int setup(void **state)
{
    if (server_start(&srv, 60, NULL) != 0)
        return -1;
    t_street = login(&srv, "jiedao", DEMO_PW);
    t_c01 = login(&srv, "shequ01", DEMO_PW);
    t_g0101 = login(&srv, "wangge0101", DEMO_PW);
    t_auditor = login(&srv, "auditor", DEMO_PW);
    return t_street && t_c01 && t_g0101 && t_auditor ? 0 : -1;
}

static int teardown(void **state)
{
    free(t_street);
    free(t_c01);
    free(t_g0101);
    free(t_auditor);
    return server_stop(&srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(street_imports_tree_in_any_order),
        cmocka_unit_test(bad_rows_are_reported_and_nothing_is_created),
        cmocka_unit_test(bad_files_are_refused_whole),
        cmocka_unit_test(xlsx_tree_imports_with_sheet_row_numbers),
        cmocka_unit_test(community_imports_only_under_its_community),
        cmocka_unit_test(geometry_set_shown_and_cleared),
        cmocka_unit_test(resident_import_reads_xlsx),
        cmocka_unit_test(org_command_imports_lists_renames_closes),
    };
    return cmocka_run_group_tests_name("api_org_import", tests, setup, teardown);
}
