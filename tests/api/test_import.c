/* test_import.c — POST /api/v1/import/residents (CSV bodies: UTF-8 with
 * BOM, GBK, bad rows in mode=all and mode=valid, header problems, quoted
 * fields, duplicates) and GET /api/v1/export/residents (format, masking,
 * and a full-ID export of one grid imported into a fresh server). Every
 * import is checked by reading the registry back through the API. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define GRID_IMPORT_CODE "371702001003-01"
#define GRID_QUOTE_CODE "371702001003-02"

static test_server srv, fresh;
static char *t_street, *t_auditor, *t_c01;
static long long grid_a, grid_imp, grid_quote;

/* ---- helpers ------------------------------------------------------------- */

#define get_ok(tok, path) api_get_ok(&srv, tok, path)
#define total_of(tok, path) api_total(&srv, tok, path)

static json_t *get_on(const test_server *s, const char *tok, const char *path)
{
    json_t *j = NULL;
    long st = api_get(s, tok, path, &j);
    if (st != 200)
        print_error("GET %s -> %ld\n", path, st);
    assert_int_equal(st, 200);
    assert_non_null(j);
    return j;
}

#define new_id() fresh_id("110105")


static long import_csv(const char *query, const char *csv, json_t **out)
{
    return api_import(&srv, t_street, query, csv, strlen(csv), out);
}

/* The one resident with this ID number (any status), or NULL. */
static json_t *find_by_id(const test_server *s, const char *tok, const char *idn)
{
    json_t *j = get_on(s, tok, fmt("/api/v1/residents?id_number=%s&status=all", idn));
    json_t *it = jint(j, "total") == 1 ? json_incref(json_array_get(json_object_get(j, "items"), 0)) : NULL;
    assert_true(jint(j, "total") <= 1);
    json_decref(j);
    return it;
}

static long long id_count(const char *idn)
{
    return total_of(t_street, fmt("/api/v1/residents?id_number=%s&status=all", idn));
}

/* The household (JSON with members, any status) whose code is `code`. */
static json_t *household_by_code(const char *code)
{
    json_t *j = get_ok(t_street, fmt("/api/v1/households?q=%s&status=all", urlenc(code)));
    json_t *hit = NULL;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(j, "items"), i, it)
        if (strcmp(jstr(it, "code"), code) == 0)
            hit = get_ok(t_street, fmt("/api/v1/households/%lld", jint(it, "id")));
    json_decref(j);
    return hit;
}

/* A small RFC 4180 reader: rows (arrays of strings) of text. */
static json_t *csv_parse(const char *p, size_t len)
{
    json_t *rows = json_array(), *row = json_array();
    char *cell = malloc(len + 1);
    size_t n = 0, i = 0;
    int quoted = 0, any = 0;
    while (i < len) {
        char c = p[i++];
        if (quoted) {
            if (c == '"' && i < len && p[i] == '"')
                cell[n++] = '"', i++;
            else if (c == '"')
                quoted = 0;
            else
                cell[n++] = c;
            continue;
        }
        if (c == '"') {
            quoted = 1;
            any = 1;
        } else if (c == ',') {
            json_array_append_new(row, json_stringn(cell, n));
            n = 0;
            any = 1;
        } else if (c == '\r') {
            continue;
        } else if (c == '\n') {
            if (any || n) {
                json_array_append_new(row, json_stringn(cell, n));
                json_array_append_new(rows, row);
                row = json_array();
            }
            n = 0;
            any = 0;
        } else {
            cell[n++] = c;
            any = 1;
        }
    }
    if (any || n) {
        json_array_append_new(row, json_stringn(cell, n));
        json_array_append_new(rows, row);
    } else {
        json_decref(row);
    }
    free(cell);
    return rows;
}

static int column(json_t *header, const char *name)
{
    size_t i;
    json_t *v;
    json_array_foreach(header, i, v)
        if (strcmp(json_string_value(v), name) == 0)
            return (int)i;
    return -1;
}

static int write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(data, 1, len, f);
    fclose(f);
    return w == len ? 0 : -1;
}

/* ---- fixture ------------------------------------------------------------- */

static int setup(void **state)
{
    if (server_start(&srv, 150, NULL) != 0)
        return -1;
    t_street = login(&srv, "jiedao", DEMO_PW);
    t_auditor = login(&srv, "auditor", DEMO_PW);
    t_c01 = login(&srv, "shequ01", DEMO_PW);
    if (!t_street || !t_auditor || !t_c01)
        return -1;
    grid_a = org_id_by_code(&srv, t_street, "371702001001-01");
    grid_imp = org_id_by_code(&srv, t_street, GRID_IMPORT_CODE);
    grid_quote = org_id_by_code(&srv, t_street, GRID_QUOTE_CODE);
    return grid_a && grid_imp && grid_quote ? 0 : -1;
}

static int teardown(void **state)
{
    free(t_street);
    free(t_auditor);
    free(t_c01);
    int rc = 0;
    if (fresh.pid > 0)
        rc = server_stop(&fresh);
    return server_stop(&srv) | rc;
}

/* ---- imports ------------------------------------------------------------- */

static void utf8_bom_chinese_headers_import(void **state)
{
    char id1[19], id2[19], id3[19], csv[2048];
    snprintf(id1, sizeof id1, "%s", new_id());
    snprintf(id2, sizeof id2, "%s", new_id());
    snprintf(id3, sizeof id3, "%s", new_id());
    snprintf(csv, sizeof csv,
             "\xEF\xBB\xBF姓名,身份证号,与户主关系,联系电话,网格编码,户编号,地址,标签,残疾类别,残疾等级,是否党员\r\n"
             "导入甲,%s,户主,13900005001," GRID_IMPORT_CODE ",IMP-U-1,菏泽市牡丹区导入路1号,低保、独居,,,是\r\n"
             "导入乙,%s,配偶,," GRID_IMPORT_CODE ",IMP-U-1,,,,,\r\n"
             "导入丙,%s,户主,," GRID_IMPORT_CODE ",IMP-U-2,菏泽市牡丹区导入路2号,,肢体残疾,二级,否\r\n",
             id1, id2, id3);
    long long before = total_of(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=20", grid_imp));
    json_t *rep;
    assert_int_equal(import_csv("", csv, &rep), 200);
    assert_int_equal(jint(rep, "rows"), 3);
    assert_int_equal(jint(rep, "imported"), 3);
    assert_int_equal(jint(rep, "households_created"), 2);
    assert_int_equal(json_array_size(json_object_get(rep, "errors")), 0);
    json_decref(rep);

    assert_int_equal(total_of(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=20", grid_imp)), before + 3);
    json_t *r1 = find_by_id(&srv, t_street, id1);
    assert_non_null(r1);
    json_t *one = get_ok(t_street, fmt("/api/v1/residents/%lld", jint(r1, "id")));
    assert_string_equal(jstr(one, "name"), "导入甲");
    assert_string_equal(jstr(one, "relation"), "户主");
    assert_string_equal(jstr(one, "phone"), "13900005001");
    assert_true(json_is_true(json_object_get(one, "party_member")));
    assert_int_equal(jint(one, "grid_id"), grid_imp);
    assert_true(json_array_has_str(json_object_get(one, "tags"), "dibao"));
    assert_true(json_array_has_str(json_object_get(one, "tags"), "living_alone"));
    assert_int_equal(json_array_size(json_object_get(one, "tags")), 2);
    json_decref(one);
    json_t *r3 = find_by_id(&srv, t_street, id3);
    assert_non_null(r3);
    assert_string_equal(jstr(r3, "name"), "导入丙");
    assert_string_equal(jstr(r3, "disability_type"), "肢体");
    assert_int_equal(jint(r3, "disability_grade"), 2);
    assert_true(json_is_false(json_object_get(r3, "party_member")));
    json_t *r2 = find_by_id(&srv, t_street, id2);
    assert_non_null(r2);
    assert_string_equal(jstr(r2, "name"), "导入乙");
    assert_string_equal(jstr(r2, "relation"), "配偶");

    json_t *h = household_by_code("IMP-U-1");
    assert_non_null(h);
    assert_int_equal(jint(h, "member_count"), 2);
    assert_int_equal(jint(h, "head_resident_id"), jint(r1, "id"));
    assert_string_equal(jstr(h, "address"), "菏泽市牡丹区导入路1号");
    assert_int_equal(jint(h, "grid_id"), grid_imp);
    json_decref(h);
    json_decref(r1);
    json_decref(r2);
    json_decref(r3);

    /* The import is in the audit log. */
    json_t *a = get_ok(t_auditor, "/api/v1/audit?action=import&entity=resident");
    assert_true(jint(a, "total") >= 1);
    json_t *last = json_array_get(json_object_get(a, "items"), 0);
    assert_string_equal(jstr(last, "username"), "jiedao");
    assert_string_equal(jstr(last, "action_label"), "导入");
    json_t *after = json_object_get(last, "after");
    assert_int_equal(jint(after, "imported"), 3);
    assert_int_equal(jint(after, "households_created"), 2);
    /* … with links to what it created: the batch's residents and households */
    long long batch = jint(after, "batch");
    json_t *created = json_object_get(after, "created");
    assert_string_equal(jstr(created, "residents"), fmt("/api/v1/residents?import_batch_id=%lld&status=all", batch));
    assert_string_equal(jstr(created, "households"), fmt("/api/v1/households?import_batch_id=%lld&status=all", batch));
    json_t *rs = get_ok(t_street, jstr(created, "residents"));
    assert_int_equal(jint(rs, "total"), 3);
    int seen = 0;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(rs, "items"), i, it)
        seen |= (strcmp(jstr(it, "name"), "导入甲") == 0) << 0 | (strcmp(jstr(it, "name"), "导入乙") == 0) << 1 |
                (strcmp(jstr(it, "name"), "导入丙") == 0) << 2;
    assert_int_equal(seen, 7);
    json_decref(rs);
    json_t *hs = get_ok(t_street, jstr(created, "households"));
    assert_int_equal(jint(hs, "total"), 2);
    json_decref(hs);
    /* … within the caller's scope: another community's account sees none of them */
    assert_int_equal(total_of(t_c01, jstr(created, "residents")), 0);
    assert_int_equal(total_of(t_c01, jstr(created, "households")), 0);
    json_decref(api_expect(&srv, t_street, "GET", "/api/v1/residents?import_batch_id=x", NULL, 400));
    json_decref(a);

    /* Importing the same file again: every row is already registered. */
    assert_int_equal(import_csv("", csv, &rep), 400);
    assert_int_equal(jint(json_object_get(rep, "report"), "imported"), 0);
    assert_int_equal(json_array_size(json_object_get(json_object_get(rep, "report"), "errors")), 3);
    json_decref(rep);
    assert_int_equal(total_of(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=20", grid_imp)), before + 3);
}

static void gbk_file_imports_with_names_intact(void **state)
{
    char id1[19], id2[19], id3[19], csv[2048], in[400], out[400], cmd[1000];
    snprintf(id1, sizeof id1, "%s", new_id());
    snprintf(id2, sizeof id2, "%s", new_id());
    snprintf(id3, sizeof id3, "%s", new_id());
    snprintf(csv, sizeof csv,
             "姓名,身份证号,与户主关系,网格编码,户编号,地址,备注\r\n"
             "张秀英,%s,户主," GRID_IMPORT_CODE ",IMP-G-1,菏泽市牡丹区丹阳路东段十八号,低保复核\r\n"
             "欧阳娜,%s,女," GRID_IMPORT_CODE ",IMP-G-1,,\r\n"
             "司马建国,%s,户主," GRID_IMPORT_CODE ",IMP-G-2,菏泽市牡丹区和平路三号院,\r\n",
             id1, id2, id3);
    snprintf(in, sizeof in, "%s/gbk-in.csv", srv.dir);
    snprintf(out, sizeof out, "%s/gbk-out.csv", srv.dir);
    assert_int_equal(write_file(in, csv, strlen(csv)), 0);
    snprintf(cmd, sizeof cmd, "iconv -f UTF-8 -t GBK '%s' > '%s'", in, out);
    assert_int_equal(system(cmd), 0);
    size_t len;
    char *gbk = read_whole_file(out, &len);
    assert_non_null(gbk);
    assert_true(len < strlen(csv));                 /* 2 bytes per Chinese character, not 3 */
    assert_null(strstr(gbk, "张秀英"));              /* really not UTF-8 */

    json_t *rep;
    assert_int_equal(api_import(&srv, t_street, "", gbk, len, &rep), 200);   /* encoding=auto */
    assert_int_equal(jint(rep, "imported"), 3);
    assert_int_equal(jint(rep, "households_created"), 2);
    json_decref(rep);
    const char *ids[3] = {id1, id2, id3}, *names[3] = {"张秀英", "欧阳娜", "司马建国"};
    for (int i = 0; i < 3; i++) {
        json_t *r = find_by_id(&srv, t_street, ids[i]);
        assert_non_null(r);
        assert_string_equal(jstr(r, "name"), names[i]);
        json_decref(r);
    }
    json_t *h = household_by_code("IMP-G-1");
    assert_non_null(h);
    assert_string_equal(jstr(h, "address"), "菏泽市牡丹区丹阳路东段十八号");
    json_t *head = find_by_id(&srv, t_street, id1);
    assert_string_equal(jstr(head, "notes"), "低保复核");
    json_decref(head);
    json_decref(h);
    /* The name search works on the converted text. */
    json_t *s = get_ok(t_street, fmt("/api/v1/residents?name=%s", urlenc("司马建")));
    assert_int_equal(jint(s, "total"), 1);
    json_decref(s);
    free(gbk);

    /* encoding=gbk said explicitly. */
    char id4[19];
    snprintf(id4, sizeof id4, "%s", new_id());
    snprintf(csv, sizeof csv, "姓名,身份证号,网格编码,户编号,地址\n诸葛明,%s," GRID_IMPORT_CODE ",IMP-G-3,菏泽市牡丹区测试街\n", id4);
    assert_int_equal(write_file(in, csv, strlen(csv)), 0);
    assert_int_equal(system(cmd), 0);
    gbk = read_whole_file(out, &len);
    assert_int_equal(api_import(&srv, t_street, "?encoding=gbk", gbk, len, &rep), 200);
    assert_int_equal(jint(rep, "imported"), 1);
    json_decref(rep);
    free(gbk);
    json_t *r = find_by_id(&srv, t_street, id4);
    assert_non_null(r);
    assert_string_equal(jstr(r, "name"), "诸葛明");
    json_decref(r);
}

/* Rows 2 and 4 are good, row 3 has a wrong check digit. */
static void bad_row_file(char *csv, size_t sz, char id1[19], char id2[19], char id3[19], const char *hh)
{
    snprintf(id1, 19, "%s", new_id());
    snprintf(id2, 19, "%s", new_id());
    snprintf(id3, 19, "%s", new_id());
    snprintf(csv, sz,
             "\xEF\xBB\xBF姓名,身份证号,与户主关系,网格编码,户编号,地址\n"
             "好人甲,%s,户主," GRID_IMPORT_CODE ",%s,菏泽市牡丹区好人路1号\n"
             "坏行乙,%s,子," GRID_IMPORT_CODE ",%s,\n"
             "好人丙,%s,配偶," GRID_IMPORT_CODE ",%s,\n",
             id1, hh, bad_checksum(id2), hh, id3, hh);
}

static void mode_all_with_one_bad_row_imports_nothing(void **state)
{
    char csv[2048], id1[19], id2[19], id3[19];
    bad_row_file(csv, sizeof csv, id1, id2, id3, "IMP-A-1");
    long long before = total_of(t_street, "/api/v1/residents?page_size=20&status=all");
    json_t *rep;
    assert_int_equal(import_csv("?mode=all", csv, &rep), 400);
    assert_string_equal(err_code(rep), "bad_request");
    assert_non_null(strstr(err_message(rep), "第3行"));
    json_t *report = json_object_get(rep, "report");
    assert_non_null(report);
    assert_int_equal(jint(report, "rows"), 3);
    assert_int_equal(jint(report, "imported"), 0);
    assert_int_equal(jint(report, "households_created"), 0);
    json_t *errs = json_object_get(report, "errors");
    assert_int_equal(json_array_size(errs), 1);
    assert_int_equal(jint(json_array_get(errs, 0), "row"), 3);
    assert_string_equal(jstr(json_array_get(errs, 0), "field"), "id_number");
    assert_non_null(jstr(json_array_get(errs, 0), "message"));
    json_decref(rep);
    /* Nothing at all was written. */
    assert_int_equal(id_count(id1), 0);
    assert_int_equal(id_count(id3), 0);
    assert_null(household_by_code("IMP-A-1"));
    assert_int_equal(total_of(t_street, "/api/v1/residents?page_size=20&status=all"), before);
    /* The default mode is all-or-nothing too. */
    assert_int_equal(import_csv("", csv, &rep), 400);
    json_decref(rep);
    assert_int_equal(id_count(id1), 0);
}

static void mode_valid_imports_the_good_rows(void **state)
{
    char csv[2048], id1[19], id2[19], id3[19];
    bad_row_file(csv, sizeof csv, id1, id2, id3, "IMP-V-1");
    json_t *rep;
    assert_int_equal(import_csv("?mode=valid", csv, &rep), 200);
    assert_int_equal(jint(rep, "rows"), 3);
    assert_int_equal(jint(rep, "imported"), 2);
    assert_int_equal(jint(rep, "households_created"), 1);
    json_t *errs = json_object_get(rep, "errors");
    assert_int_equal(json_array_size(errs), 1);
    assert_int_equal(jint(json_array_get(errs, 0), "row"), 3);
    assert_string_equal(jstr(json_array_get(errs, 0), "field"), "id_number");
    json_decref(rep);
    assert_int_equal(id_count(id1), 1);
    assert_int_equal(id_count(id3), 1);
    assert_int_equal(total_of(t_street, fmt("/api/v1/residents?id_number=%s&status=all", id2)), 0);
    json_t *h = household_by_code("IMP-V-1");
    assert_non_null(h);
    assert_int_equal(jint(h, "member_count"), 2);
    json_decref(h);
    /* Bad query parameters. */
    assert_int_equal(import_csv("?mode=some", csv, &rep), 400);
    assert_string_equal(jstr(json_object_get(rep, "error"), "field"), "mode");
    json_decref(rep);
    assert_int_equal(import_csv("?encoding=latin1", csv, &rep), 400);
    assert_string_equal(jstr(json_object_get(rep, "error"), "field"), "encoding");
    json_decref(rep);
    assert_int_equal(import_csv("", "", &rep), 400);
    json_decref(rep);
}

static void unknown_header_is_named(void **state)
{
    char csv[1024], id1[19];
    snprintf(id1, sizeof id1, "%s", new_id());
    snprintf(csv, sizeof csv,
             "姓名,身份证号,网格编码,户编号,地址,鞋码\n"
             "未知列,%s," GRID_IMPORT_CODE ",IMP-H-1,菏泽市牡丹区表头路1号,42\n", id1);
    json_t *rep;
    assert_int_equal(import_csv("?mode=valid", csv, &rep), 400);
    assert_string_equal(err_code(rep), "bad_request");
    assert_non_null(strstr(err_message(rep), "鞋码"));
    assert_int_equal(jint(json_object_get(rep, "report"), "imported"), 0);
    json_decref(rep);
    assert_int_equal(id_count(id1), 0);
}

static void missing_required_column_is_named(void **state)
{
    char csv[1024], id1[19];
    snprintf(id1, sizeof id1, "%s", new_id());
    json_t *rep;
    snprintf(csv, sizeof csv, "姓名,网格编码,户编号,地址\n缺列,"GRID_IMPORT_CODE ",IMP-M-1,菏泽市牡丹区缺列路1号\n");
    assert_int_equal(import_csv("?mode=valid", csv, &rep), 400);
    assert_non_null(strstr(err_message(rep), "身份证号"));
    json_decref(rep);
    snprintf(csv, sizeof csv, "姓名,身份证号,网格编码,地址\n缺列,%s," GRID_IMPORT_CODE ",菏泽市牡丹区缺列路1号\n", id1);
    assert_int_equal(import_csv("?mode=valid", csv, &rep), 400);
    assert_non_null(strstr(err_message(rep), "户编号"));
    json_decref(rep);
    assert_int_equal(id_count(id1), 0);
    /* A header row alone imports nothing, successfully or not, but never 500. */
    json_t *r2;
    long st = import_csv("", "姓名,身份证号,网格编码,户编号,地址\n", &r2);
    assert_true(st == 200 || st == 400);
    if (st == 200)
        assert_int_equal(jint(r2, "imported"), 0);
    json_decref(r2);
}

/* Found by tests/fuzz/fuzz_import: a mapping is a query parameter, so
 * it can hold any byte; one that is not UTF-8 was echoed into the error
 * message, which jansson then refused, leaving a 400 with an empty body. */
static void mapping_that_is_not_utf8_is_refused(void **state)
{
    char csv[1024], id1[19];
    snprintf(id1, sizeof id1, "%s", new_id());
    snprintf(csv, sizeof csv, "姓名,身份证号,网格编码,户编号,地址\n映射,%s," GRID_IMPORT_CODE ",IMP-U-1,菏泽市牡丹区映射路1号\n", id1);
    const char *bad[] = {"?mapping=%FF%FE", "?mapping=%E5%A7%3Dname", "?mapping=%C3%28%3Dname"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *rep;
        assert_int_equal(import_csv(bad[i], csv, &rep), 400);
        assert_non_null(rep);
        assert_string_equal(err_code(rep), "bad_request");
        assert_non_null(strstr(err_message(rep), "列名映射"));
        assert_int_equal(jint(json_object_get(rep, "report"), "imported"), 0);
        json_decref(rep);
    }
}

static void quoted_fields_with_commas_and_newlines(void **state)
{
    char csv[2048], id1[19], id2[19];
    snprintf(id1, sizeof id1, "%s", new_id());
    snprintf(id2, sizeof id2, "%s", new_id());
    /* Record 1 spans lines 2-3; record 2 (bad ID) is on line 4. */
    snprintf(csv, sizeof csv,
             "姓名,身份证号,与户主关系,网格编码,户编号,地址,备注\n"
             "引号甲,%s,户主," GRID_QUOTE_CODE ",IMP-Q-1,\"菏泽市牡丹区中山路1号,3单元101室\",\"第一行\n第二行，含\"\"引号\"\"\"\n"
             "引号乙,%s,子," GRID_QUOTE_CODE ",IMP-Q-1,,\n",
             id1, bad_checksum(id2));
    json_t *rep;
    assert_int_equal(import_csv("?mode=valid", csv, &rep), 200);
    assert_int_equal(jint(rep, "rows"), 2);
    assert_int_equal(jint(rep, "imported"), 1);
    json_t *errs = json_object_get(rep, "errors");
    assert_int_equal(json_array_size(errs), 1);
    assert_int_equal(jint(json_array_get(errs, 0), "row"), 4);
    assert_string_equal(jstr(json_array_get(errs, 0), "field"), "id_number");
    json_decref(rep);
    json_t *h = household_by_code("IMP-Q-1");
    assert_non_null(h);
    assert_string_equal(jstr(h, "address"), "菏泽市牡丹区中山路1号,3单元101室");
    assert_int_equal(jint(h, "grid_id"), grid_quote);
    json_decref(h);
    json_t *r = find_by_id(&srv, t_street, id1);
    assert_non_null(r);
    assert_string_equal(jstr(r, "notes"), "第一行\n第二行，含\"引号\"");
    json_decref(r);
}

static void duplicate_id_in_file_is_a_row_error(void **state)
{
    char csv[2048], id1[19], id2[19], demo_id[19];
    snprintf(id1, sizeof id1, "%s", new_id());
    snprintf(id2, sizeof id2, "%s", new_id());
    snprintf(csv, sizeof csv,
             "姓名,身份证号,与户主关系,网格编码,户编号,地址\n"
             "重号甲,%s,户主," GRID_IMPORT_CODE ",IMP-D-1,菏泽市牡丹区重号路1号\n"
             "重号乙,%s,子," GRID_IMPORT_CODE ",IMP-D-1,\n"
             "正常丙,%s,女," GRID_IMPORT_CODE ",IMP-D-1,\n",
             id1, id1, id2);
    json_t *rep;
    assert_int_equal(import_csv("", csv, &rep), 400);
    json_t *errs = json_object_get(json_object_get(rep, "report"), "errors");
    assert_int_equal(json_array_size(errs), 1);
    assert_int_equal(jint(json_array_get(errs, 0), "row"), 3);
    assert_string_equal(jstr(json_array_get(errs, 0), "field"), "id_number");
    assert_non_null(strstr(jstr(json_array_get(errs, 0), "message"), "2"));   /* names the first occurrence */
    json_decref(rep);
    assert_int_equal(id_count(id1), 0);
    assert_int_equal(id_count(id2), 0);

    /* An ID number already in the registry (a demo resident's). */
    json_t *j = get_ok(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=20&full_id=1", grid_a));
    snprintf(demo_id, sizeof demo_id, "%s", jstr(json_array_get(json_object_get(j, "items"), 0), "id_number"));
    json_decref(j);
    snprintf(csv, sizeof csv,
             "姓名,身份证号,与户主关系,网格编码,户编号,地址\n"
             "已登记,%s,户主," GRID_IMPORT_CODE ",IMP-D-2,菏泽市牡丹区重号路2号\n"
             "正常丁,%s,户主," GRID_IMPORT_CODE ",IMP-D-3,菏泽市牡丹区重号路3号\n",
             demo_id, id2);
    assert_int_equal(import_csv("?mode=valid", csv, &rep), 200);
    assert_int_equal(jint(rep, "imported"), 1);
    errs = json_object_get(rep, "errors");
    assert_int_equal(json_array_size(errs), 1);
    assert_int_equal(jint(json_array_get(errs, 0), "row"), 2);
    assert_string_equal(jstr(json_array_get(errs, 0), "field"), "id_number");
    json_decref(rep);
    assert_int_equal(id_count(demo_id), 1);
    json_t *r = find_by_id(&srv, t_street, demo_id);
    assert_int_equal(jint(r, "grid_id"), grid_a);   /* the registered one stays where it was */
    json_decref(r);
    assert_null(household_by_code("IMP-D-2"));      /* its new household was not left behind */
    assert_int_equal(id_count(id2), 1);
}

/* Two heads in one file for a household registered before without one:
 * the second is that row's error, found before anything of it is
 * written (check_row: the first head is only remembered, HH_HAS_HEAD,
 * as it is given to the household when the batch commits); the other
 * rows are imported and the first head is the household's. */
static void second_head_for_a_registered_household_is_its_row_error(void **state)
{
    json_t *h = api_expect(&srv, t_street, "POST", "/api/v1/households",
                           fmt("{\"code\":\"IMP-H-1\",\"grid_id\":%lld,\"address\":\"菏泽市牡丹区户主路1号\"}", grid_imp),
                           201);
    long long hid = jint(h, "id");
    json_decref(h);
    char csv[1024], id1[19], id2[19], id3[19];
    snprintf(id1, sizeof id1, "%s", new_id());
    snprintf(id2, sizeof id2, "%s", new_id());
    snprintf(id3, sizeof id3, "%s", new_id());
    snprintf(csv, sizeof csv,
             "姓名,身份证号,与户主关系,网格编码,户编号,地址\n"
             "户主甲,%s,户主," GRID_IMPORT_CODE ",IMP-H-1,\n"
             "户主乙,%s,户主," GRID_IMPORT_CODE ",IMP-H-1,\n"
             "成员丙,%s,女," GRID_IMPORT_CODE ",IMP-H-1,\n",
             id1, id2, id3);
    json_t *rep;
    assert_int_equal(import_csv("?mode=valid", csv, &rep), 200);
    assert_int_equal(jint(rep, "rows"), 3);
    assert_int_equal(jint(rep, "imported"), 2);
    json_t *errs = json_object_get(rep, "errors");
    assert_int_equal(json_array_size(errs), 1);
    assert_int_equal(jint(json_array_get(errs, 0), "row"), 3);
    assert_string_equal(jstr(json_array_get(errs, 0), "field"), "relation");
    assert_non_null(strstr(jstr(json_array_get(errs, 0), "message"), "户主"));
    json_decref(rep);
    h = get_ok(t_street, fmt("/api/v1/households/%lld", hid));
    assert_int_equal(jint(h, "member_count"), 2);
    long long head = jint(h, "head_resident_id");
    json_decref(h);
    json_t *r = get_ok(t_street, fmt("/api/v1/residents/%lld", head));
    assert_string_equal(jstr(r, "name"), "户主甲");
    json_decref(r);
}

/* ---- export --------------------------------------------------------------- */

static void export_is_masked_csv_with_bom_and_attachment(void **state)
{
    http_resp r;
    long long before = total_of(t_auditor, "/api/v1/audit?action=export&page_size=1");
    assert_int_equal(http(&srv, "GET", fmt("/api/v1/export/residents?org_unit_id=%lld", grid_a), t_street, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.content_type, "text/csv"));
    assert_non_null(strstr(r.content_disposition, "attachment"));
    assert_non_null(strstr(r.content_disposition, "filename="));
    assert_true(r.len > 3);
    assert_memory_equal(r.body, "\xEF\xBB\xBF", 3);
    json_t *rows = csv_parse(r.body + 3, r.len - 3);
    json_t *header = json_array_get(rows, 0);
    int c_id = column(header, "身份证号"), c_name = column(header, "姓名"), c_grid = column(header, "网格编码");
    assert_true(c_id >= 0 && c_name >= 0 && c_grid >= 0);
    assert_true(column(header, "户编号") >= 0);
    long long n = total_of(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=20", grid_a));
    assert_int_equal((long long)json_array_size(rows) - 1, n);
    for (size_t i = 1; i < json_array_size(rows); i++) {
        json_t *row = json_array_get(rows, i);
        const char *id = json_string_value(json_array_get(row, (size_t)c_id));
        assert_int_equal(strlen(id), 18);
        assert_memory_equal(id + 6, "********", 8);
        assert_string_equal(json_string_value(json_array_get(row, (size_t)c_grid)), "371702001001-01");
    }
    json_decref(rows);
    /* No full number of that grid appears anywhere in the file. */
    json_t *full = get_ok(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=100&full_id=1", grid_a));
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(full, "items"), i, it)
        assert_null(strstr(r.body, jstr(it, "id_number")));
    json_decref(full);
    http_free(&r);
    /* Audited. */
    json_t *a = get_ok(t_auditor, "/api/v1/audit?action=export");
    assert_int_equal(jint(a, "total"), before + 1);
    json_decref(a);
}

static void export_of_a_building(void **state)
{
    long long b = org_id_by_code(&srv, t_street, "371702001001-01-B01");
    long long n = -1;
    /* a building of grid A with residents */
    for (int k = 1; k <= 20 && n <= 0; k++) {
        b = org_id_by_code(&srv, t_street, fmt("371702001001-01-B%02d", k));
        if (!b)
            break;
        n = total_of(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=20", b));
    }
    assert_true(n > 0);
    http_resp r;
    assert_int_equal(http(&srv, "GET", fmt("/api/v1/export/residents?org_unit_id=%lld", b), t_street, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    json_t *rows = csv_parse(r.body + 3, r.len - 3);
    assert_int_equal((long long)json_array_size(rows) - 1, n);
    json_decref(rows);
    http_free(&r);
}

static json_t *resident_full(const test_server *s, const char *tok, long long id)
{
    return get_on(s, tok, fmt("/api/v1/residents/%lld?full_id=1", id));
}

static void export_roundtrips_into_a_fresh_server(void **state)
{
    /* A note that needs CSV quoting, to travel along. */
    json_t *first = get_ok(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=20&sort=id", grid_a));
    long long first_id = jint(json_array_get(json_object_get(first, "items"), 0), "id");
    json_decref(first);
    api_send(&srv, "PATCH", t_street, fmt("/api/v1/residents/%lld", first_id),
             "{\"notes\":\"住院中, 联系人\\\"李四\\\"\\n电话另见\"}", &first);
    assert_string_equal(jstr(first, "notes"), "住院中, 联系人\"李四\"\n电话另见");
    json_decref(first);
    /* Full-ID export of grid A, as admin. */
    http_resp r;
    assert_int_equal(http(&srv, "GET", fmt("/api/v1/export/residents?org_unit_id=%lld&full_id=1&purpose=%s", grid_a,
                                           urlenc("迁移到新系统")),
                          t_street, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    json_t *orig = get_ok(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=100", grid_a));
    size_t n = json_array_size(json_object_get(orig, "items"));
    assert_true(n >= 2);
    json_t *full = get_ok(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=100&full_id=1", grid_a));
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(full, "items"), i, it)
        assert_non_null(strstr(r.body, jstr(it, "id_number")));   /* really unmasked */
    json_decref(full);
    http_resp masked;
    assert_int_equal(http(&srv, "GET", fmt("/api/v1/export/residents?org_unit_id=%lld", grid_a), t_street, NULL, 0, NULL,
                          &masked), 0);
    assert_int_equal(masked.status, 200);

    /* A fresh street with the same tree and no residents. */
    assert_int_equal(server_start(&fresh, 0, NULL), 0);
    char *ft = login(&fresh, "jiedao", DEMO_PW);
    assert_non_null(ft);
    long long fresh_grid = org_id_by_code(&fresh, ft, "371702001001-01");
    assert_true(fresh_grid > 0);
    json_t *rep;
    /* A masked export cannot be imported. */
    assert_int_equal(api_import(&fresh, ft, "", masked.body, masked.len, &rep), 400);
    assert_int_equal(jint(json_object_get(rep, "report"), "imported"), 0);
    assert_int_equal(json_array_size(json_object_get(json_object_get(rep, "report"), "errors")), n);
    assert_string_equal(jstr(json_array_get(json_object_get(json_object_get(rep, "report"), "errors"), 0), "field"), "id_number");
    json_decref(rep);
    http_free(&masked);
    /* The full one can. */
    long st = api_import(&fresh, ft, "", r.body, r.len, &rep);
    if (st != 200) {
        char *d = json_dumps(rep, JSON_COMPACT);
        print_error("round-trip import -> %ld: %.500s\n", st, d ? d : "");
        free(d);
    }
    assert_int_equal(st, 200);
    assert_int_equal(jint(rep, "imported"), n);
    assert_int_equal(json_array_size(json_object_get(rep, "errors")), 0);
    long long hh_orig = total_of(t_street, fmt("/api/v1/households?org_unit_id=%lld", grid_a));
    assert_int_equal(jint(rep, "households_created"), hh_orig);
    json_decref(rep);
    http_free(&r);

    /* Resident by resident, the same record. */
    json_t *fl = get_on(&fresh, ft, fmt("/api/v1/residents?org_unit_id=%lld&page_size=100", fresh_grid));
    assert_int_equal(jint(fl, "total"), n);
    json_decref(fl);
    static const char *const same[] = {"name", "sex", "birth_date", "relation", "phone", "hukou_type",
                                       "residence_status", "employment", "disability_type", "disability_grade",
                                       "party_member", "notes", "household_code", "status", "id_number", NULL};
    json_array_foreach(json_object_get(orig, "items"), i, it) {
        json_t *a = resident_full(&srv, t_street, jint(it, "id"));
        json_t *b = find_by_id(&fresh, ft, jstr(a, "id_number"));
        assert_non_null(b);
        json_t *bf = resident_full(&fresh, ft, jint(b, "id"));
        for (size_t k = 0; same[k]; k++) {
            json_t *va = json_object_get(a, same[k]), *vb = json_object_get(bf, same[k]);
            if (!json_equal(va, vb)) {
                char *da = json_dumps(va, JSON_ENCODE_ANY), *db = json_dumps(vb, JSON_ENCODE_ANY);
                print_error("round trip of %s: %s %s != %s\n", jstr(a, "name"), same[k], da ? da : "null", db ? db : "null");
                free(da);
                free(db);
            }
            assert_true(json_equal(va, vb));
        }
        assert_int_equal(jint(bf, "grid_id"), fresh_grid);
        json_t *ta = json_object_get(a, "tags"), *tb = json_object_get(bf, "tags");
        assert_int_equal(json_array_size(ta), json_array_size(tb));
        size_t k;
        json_t *t;
        json_array_foreach(ta, k, t)
            assert_true(json_array_has_str(tb, json_string_value(t)));
        /* the household's head and address came along */
        json_t *ha = get_on(&srv, t_street, fmt("/api/v1/households/%lld", jint(a, "household_id")));
        json_t *hb = get_on(&fresh, ft, fmt("/api/v1/households/%lld", jint(bf, "household_id")));
        assert_string_equal(jstr(ha, "address"), jstr(hb, "address"));
        assert_string_equal(jstr(ha, "head_name") ? jstr(ha, "head_name") : "", jstr(hb, "head_name") ? jstr(hb, "head_name") : "");
        assert_string_equal(jstr(ha, "building_name") ? jstr(ha, "building_name") : "",
                            jstr(hb, "building_name") ? jstr(hb, "building_name") : "");
        json_decref(ha);
        json_decref(hb);
        json_decref(a);
        json_decref(b);
        json_decref(bf);
    }
    json_decref(orig);
    free(ft);
    assert_int_equal(server_stop(&fresh), 0);
}

static void community_staff_import_into_own_grid(void **state)
{
    char csv[1024], id1[19];
    snprintf(id1, sizeof id1, "%s", new_id());
    snprintf(csv, sizeof csv,
             "姓名,身份证号,与户主关系,网格编码,户编号,地址\n社区导入,%s,户主,371702001001-02,IMP-C-1,菏泽市牡丹区社区路1号\n",
             id1);
    json_t *rep;
    assert_int_equal(api_import(&srv, t_c01, "", csv, strlen(csv), &rep), 200);
    assert_int_equal(jint(rep, "imported"), 1);
    json_decref(rep);
    json_t *r = find_by_id(&srv, t_c01, id1);
    assert_non_null(r);
    assert_string_equal(jstr(r, "name"), "社区导入");
    json_decref(r);
    json_t *a = get_ok(t_auditor, "/api/v1/audit?action=import&entity=resident");
    assert_string_equal(jstr(json_array_get(json_object_get(a, "items"), 0), "username"), "shequ01");
    json_decref(a);
}


static void import_edge_rows(void **state)
{
    /* A demo household of grid A gets a new member; a second head is refused;
     * a building of another grid is refused; extra cells are refused; blank
     * lines are not rows; a mapped header and a starred header are read. */
    json_t *j = get_ok(t_street, fmt("/api/v1/households?org_unit_id=%lld&page_size=20&sort=code", grid_a));
    json_t *h0 = json_array_get(json_object_get(j, "items"), 0);
    char hcode[64];
    snprintf(hcode, sizeof hcode, "%s", jstr(h0, "code"));
    long long hid = jint(h0, "id"), members = jint(h0, "member_count");
    json_decref(j);
    assert_true(members >= 1);
    char id1[19], id2[19], id3[19], id4[19], id5[19], csv[4096];
    snprintf(id1, sizeof id1, "%s", new_id());
    snprintf(id2, sizeof id2, "%s", new_id());
    snprintf(id3, sizeof id3, "%s", new_id());
    snprintf(id4, sizeof id4, "%s", new_id());
    snprintf(id5, sizeof id5, "%s", new_id());
    snprintf(csv, sizeof csv,
             "姓名*,证件号码,与户主关系,网格编码*,户编号*,地址,楼栋编码\n"
             "新成员,%s,女,371702001001-01,%s,,\n"
             "\n"
             "第二户主,%s,户主,371702001001-01,%s,,\n"
             ",,,,,,\n"
             "错楼栋,%s,户主,371702001001-01,IMP-E-1,菏泽市牡丹区错楼路1号,371702001001-02-B01\n"
             "多一列,%s,户主,371702001001-01,IMP-E-2,菏泽市牡丹区多列路1号,,多余\n"
             "对楼栋,%s,户主,371702001001-01,IMP-E-3,菏泽市牡丹区对楼路1号,371702001001-01-B02\n",
             id1, hcode, id2, hcode, id3, id4, id5);
    json_t *rep;
    long st = import_csv("?mode=valid&mapping=%E8%AF%81%E4%BB%B6%E5%8F%B7%E7%A0%81%3Did_number", csv, &rep);
    if (st != 200) {
        char *d = json_dumps(rep, JSON_COMPACT);
        print_error("%ld %s\n", st, d ? d : "");
        free(d);
    }
    assert_int_equal(st, 200);
    assert_int_equal(jint(rep, "rows"), 5);          /* blank lines are not rows */
    assert_int_equal(jint(rep, "imported"), 2);
    assert_int_equal(jint(rep, "households_created"), 1);
    json_t *errs = json_object_get(rep, "errors");
    assert_int_equal(json_array_size(errs), 3);
    assert_int_equal(jint(json_array_get(errs, 0), "row"), 4);
    assert_string_equal(jstr(json_array_get(errs, 0), "field"), "relation");
    assert_int_equal(jint(json_array_get(errs, 1), "row"), 6);
    assert_string_equal(jstr(json_array_get(errs, 1), "field"), "building_code");
    assert_int_equal(jint(json_array_get(errs, 2), "row"), 7);
    json_decref(rep);
    j = get_ok(t_street, fmt("/api/v1/households/%lld", hid));
    assert_int_equal(jint(j, "member_count"), members + 1);
    json_decref(j);
    assert_int_equal(id_count(id1), 1);
    assert_int_equal(id_count(id2), 0);
    assert_int_equal(id_count(id3), 0);
    assert_int_equal(id_count(id4), 0);
    json_t *h = household_by_code("IMP-E-3");
    assert_non_null(h);
    assert_int_equal(jint(h, "building_id"), org_id_by_code(&srv, t_street, "371702001001-01-B02"));
    json_decref(h);
    assert_null(household_by_code("IMP-E-1"));
    assert_null(household_by_code("IMP-E-2"));
}

/* Files larger than the 64 KiB encoding-detection window, UTF-8 and GBK:
 * every row arrives, names intact. */
static void large_files_import_completely(void **state)
{
    static const char *const names[] = {"王建国", "李秀兰", "张志强", "刘桂英", "陈晓明", "杨丽娟", "赵德胜", "黄淑珍"};
    const char *grids[2] = {"371702001004-01", "371702001004-02"};
    for (int pass = 0; pass < 2; pass++) {
        long long g = org_id_by_code(&srv, t_street, grids[pass]);
        assert_true(g > 0);
        long long before = total_of(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=20", g));
        size_t cap = 400000, len = 0;
        char *csv = malloc(cap);
        char first[19] = "", last[19] = "";
        len += (size_t)snprintf(csv + len, cap - len, "姓名,身份证号,与户主关系,网格编码,户编号,地址,备注\n");
        int rows = 1500;
        for (int i = 0; i < rows; i++) {
            const char *idn = new_id();
            if (i == 0)
                snprintf(first, sizeof first, "%s", idn);
            snprintf(last, sizeof last, "%s", idn);
            len += (size_t)snprintf(csv + len, cap - len, "%s%s,%s,%s,%s,IMP-L%d-%04d,菏泽市牡丹区长文件路%d号院%d号楼,批量导入测试第%d行\n",
                                    names[i % 8], cn_number((unsigned)i), idn, i % 5 == 0 ? "户主" : "其他", grids[pass], pass, i / 5,
                                    i / 5, i % 7, i + 2);
            assert_true(len < cap - 512);
        }
        assert_true(len > 128 * 1024);
        json_t *rep;
        long st;
        if (pass == 0) {
            st = api_import(&srv, t_street, "", csv, len, &rep);
        } else {
            char in[400], out[400], cmd[900];
            snprintf(in, sizeof in, "%s/large-in.csv", srv.dir);
            snprintf(out, sizeof out, "%s/large-gbk.csv", srv.dir);
            assert_int_equal(write_file(in, csv, len), 0);
            snprintf(cmd, sizeof cmd, "iconv -f UTF-8 -t GBK '%s' > '%s'", in, out);
            assert_int_equal(system(cmd), 0);
            size_t glen;
            char *gbk = read_whole_file(out, &glen);
            assert_non_null(gbk);
            st = api_import(&srv, t_street, "", gbk, glen, &rep);
            free(gbk);
        }
        free(csv);
        if (st != 200) {
            char *d = json_dumps(rep, JSON_COMPACT);
            print_error("large import %d -> %ld: %.400s\n", pass, st, d ? d : "");
            free(d);
        }
        assert_int_equal(st, 200);
        assert_int_equal(jint(rep, "rows"), rows);
        assert_int_equal(jint(rep, "imported"), rows);
        assert_int_equal(jint(rep, "households_created"), rows / 5);
        json_decref(rep);
        assert_int_equal(total_of(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=20", g)), before + rows);
        json_t *r = find_by_id(&srv, t_street, last);
        assert_non_null(r);
        assert_string_equal(jstr(r, "name"), fmt("%s%s", names[(rows - 1) % 8], cn_number((unsigned)(rows - 1))));
        json_decref(r);
        r = find_by_id(&srv, t_street, first);
        assert_non_null(r);
        assert_string_equal(jstr(r, "name"), "王建国〇");
        assert_string_equal(jstr(r, "notes"), "批量导入测试第2行");
        json_decref(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(export_is_masked_csv_with_bom_and_attachment),
        cmocka_unit_test(export_of_a_building),
        cmocka_unit_test(export_roundtrips_into_a_fresh_server),
        cmocka_unit_test(utf8_bom_chinese_headers_import),
        cmocka_unit_test(gbk_file_imports_with_names_intact),
        cmocka_unit_test(mode_all_with_one_bad_row_imports_nothing),
        cmocka_unit_test(mode_valid_imports_the_good_rows),
        cmocka_unit_test(unknown_header_is_named),
        cmocka_unit_test(missing_required_column_is_named),
        cmocka_unit_test(mapping_that_is_not_utf8_is_refused),
        cmocka_unit_test(quoted_fields_with_commas_and_newlines),
        cmocka_unit_test(duplicate_id_in_file_is_a_row_error),
        cmocka_unit_test(community_staff_import_into_own_grid),
        cmocka_unit_test(import_edge_rows),
        cmocka_unit_test(second_head_for_a_registered_household_is_its_row_error),
        cmocka_unit_test(large_files_import_completely),
    };
    return cmocka_run_group_tests_name("api_import", tests, setup, teardown);
}
