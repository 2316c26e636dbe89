/* test_export.c — GET /api/v1/export/residents as the 导出 button of the
 * resident search uses it: the list's filters (name, tag, status, unit,
 * household, sort) give the same residents as the list, format=xlsx a
 * workbook that util/xlsx_read.c reads back with ID numbers and phones
 * as text cells (never numbers), a frozen header row and a Chinese file
 * name; masking as the CSV; a grid worker's export holds only their
 * grid, another grid is a 404; the audit row names the filters and the
 * count. GET /api/v1/export/households likewise for the households list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_fixture.h"
#include "util/xlsx_read.h"

#define XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
/* 居民名册, percent-encoded as RFC 5987 wants it */
#define ROSTER_PCT "%E5%B1%85%E6%B0%91%E5%90%8D%E5%86%8C"

/* ---- helpers ------------------------------------------------------------- */

static http_resp export_as_path(const char *tok, const char *path, long want)
{
    http_resp r;
    assert_int_equal(http(&srv, "GET", path, tok, NULL, 0, NULL, &r), 0);
    if (r.status != want)
        print_error("%s -> %ld: %.300s\n", path, r.status, r.body ? r.body : "");
    assert_int_equal(r.status, want);
    return r;
}

static http_resp export_as(const char *tok, const char *query, long want)
{
    return export_as_path(tok, fmt("/api/v1/export/residents?%s", query), want);
}

/* The rows of a table (CSV or .xlsx) as read by the import's own reader
 * (table_open_memory): an array of arrays of strings, header first. */
static json_t *table_rows(const http_resp *r)
{
    char err[256];
    csvr *in = table_open_memory(r->body, r->len, CSVR_ENC_AUTO, err, sizeof err);
    if (!in)
        print_error("unreadable export: %s\n", err);
    assert_non_null(in);
    json_t *rows = json_array();
    char **f;
    size_t n;
    int rc;
    while ((rc = csvr_next(in, &f, &n)) > 0) {
        json_t *row = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(row, json_string(f[i]));
        json_array_append_new(rows, row);
    }
    assert_int_equal(rc, 0);
    csvr_close(in);
    return rows;
}

static int column(json_t *rows, const char *name)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_array_get(rows, 0), i, v)
        if (strcmp(json_string_value(v), name) == 0)
            return (int)i;
    fail_msg("no column %s", name);
    return -1;
}

static const char *cell(json_t *rows, size_t row, int col)
{
    const char *v = json_string_value(json_array_get(json_array_get(rows, row), (size_t)col));
    return v ? v : "";
}

/* The text of one member of the workbook (a zip), via unzip -p. */
static char *xlsx_part(const http_resp *r, const char *member)
{
    const char *path = fmt("%s/export.xlsx", srv.dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(r->body, 1, r->len, f), r->len);
    fclose(f);
    const char *out = fmt("%s/export-part.txt", srv.dir);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "unzip -p '%s' '%s' > '%s'", path, member, out);
    assert_int_equal(system(cmd), 0);
    return read_whole_file(out, NULL);
}

/* Every cell of column letter col below the header is a string cell
 * (inline or shared), none a number; returns how many there are. */
static size_t string_cells_of_column(const char *sheet, char col)
{
    size_t n = 0;
    char ref[8];
    snprintf(ref, sizeof ref, "<c r=\"%c", col);
    for (const char *p = strstr(sheet, ref); p; p = strstr(p + 1, ref)) {
        if (p[7] < '0' || p[7] > '9' || (p[7] == '1' && p[8] == '"'))
            continue;   /* another column (AG…) or the header */
        const char *end = strchr(p, '>');
        assert_non_null(end);
        const char *t = strstr(p, " t=\"");
        int typed = t && t < end && (strncmp(t, " t=\"inlineStr\"", 14) == 0 || strncmp(t, " t=\"s\"", 6) == 0);
        if (!typed)
            fail_msg("not a string cell: %.80s", p);
        n++;
    }
    return n;
}

static long long list_total(const char *tok, const char *query)
{
    return total_of(tok, fmt("/api/v1/residents?page_size=20&%s", query));
}

/* ---- tests ----------------------------------------------------------------- */

static void xlsx_is_a_workbook_with_text_ids_and_a_frozen_header(void **state)
{
    http_resp r = export_as(t_street, fmt("org_unit_id=%lld&format=xlsx&full_id=1&purpose=%s", grid_a,
                                          urlenc("核对低保名单")), 200);
    assert_string_equal(r.content_type, XLSX_TYPE);
    assert_true(r.len > 4 && memcmp(r.body, "PK", 2) == 0);
    /* an ASCII name for old clients, the Chinese one for the browsers */
    assert_non_null(strstr(r.content_disposition, "attachment; filename=\"residents.xlsx\"; filename*=UTF-8''" ROSTER_PCT "-"));
    assert_non_null(strstr(r.content_disposition, ".xlsx"));
    char fields[1024];
    assert_true(resp_header(&r, "X-Export-Fields", fields, sizeof fields));
    assert_non_null(strstr(fields, ",name,id_number,sex,birth_date,relation,phone,"));

    json_t *rows = table_rows(&r);
    assert_string_equal(cell(rows, 0, 0), "户编号");
    int c_id = column(rows, "身份证号"), c_birth = column(rows, "出生日期"), c_phone = column(rows, "联系电话");
    assert_int_equal(c_id, 6);   /* column G: checked in the sheet's XML below */
    long long n = list_total(t_street, fmt("org_unit_id=%lld", grid_a));
    assert_true(n > 0);
    assert_int_equal((long long)json_array_size(rows) - 1, n);
    /* the full numbers, as the list shows them with full_id=1 */
    json_t *full = get_ok(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=100&full_id=1", grid_a));
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(full, "items"), i, it) {
        int found = 0;
        for (size_t k = 1; k < json_array_size(rows); k++)
            if (strcmp(cell(rows, k, c_id), jstr(it, "id_number")) == 0) {
                found = 1;
                assert_string_equal(cell(rows, k, c_birth), jstr(it, "birth_date"));   /* YYYY-MM-DD, as text */
            }
        assert_true(found);
    }
    json_decref(full);
    int phones = 0;
    for (size_t k = 1; k < json_array_size(rows); k++) {
        assert_int_equal(strlen(cell(rows, k, c_id)), 18);
        assert_int_equal(strlen(cell(rows, k, c_birth)), 10);
        phones += strlen(cell(rows, k, c_phone)) == 11;
    }
    assert_true(phones > 0);
    json_decref(rows);

    char *sheet = xlsx_part(&r, "xl/worksheets/sheet1.xml");
    assert_non_null(strstr(sheet, "<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>"));
    assert_int_equal((long long)string_cells_of_column(sheet, 'G'), n);   /* 身份证号 */
    assert_int_equal((long long)string_cells_of_column(sheet, 'I'), n);   /* 出生日期 */
    assert_true(string_cells_of_column(sheet, 'K') > 0);                  /* 联系电话 */
    assert_non_null(strstr(sheet, "<cols>"));                             /* widths set */
    assert_non_null(strstr(sheet, "<autoFilter ref=\"A1:"));
    free(sheet);
    char *book = xlsx_part(&r, "xl/workbook.xml");
    assert_non_null(strstr(book, "name=\"居民名册\""));
    free(book);
    http_free(&r);
}

static void masked_by_default_in_both_formats(void **state)
{
    const char *formats[] = {"format=csv", "format=xlsx", ""};
    for (int f = 0; f < 3; f++) {
        http_resp r = export_as(t_c01, fmt("org_unit_id=%lld&%s", grid_a, formats[f]), 200);
        assert_string_equal(r.content_type, f == 1 ? XLSX_TYPE : "text/csv; charset=utf-8");
        char fields[1024];
        assert_true(resp_header(&r, "X-Export-Fields", fields, sizeof fields));
        assert_non_null(strstr(fields, ",name,id_number:masked,sex,birth_year,relation,phone:masked,"));
        json_t *rows = table_rows(&r);
        int c_id = column(rows, "身份证号"), c_year = column(rows, "出生年份"), c_phone = column(rows, "联系电话");
        assert_true(json_array_size(rows) > 1);
        for (size_t k = 1; k < json_array_size(rows); k++) {
            assert_masked_shape(cell(rows, k, c_id));
            assert_int_equal(strlen(cell(rows, k, c_year)), 4);
            if (*cell(rows, k, c_phone))
                assert_phone_masked(cell(rows, k, c_phone));
        }
        json_decref(rows);
        http_free(&r);
    }
}

/* The export of a search holds what the list counts. */
static void filters_are_the_lists(void **state)
{
    /* a name search: the surname of grid A's first resident, community-wide */
    json_t *first = get_ok(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=20&sort=id", grid_a));
    const char *name = jstr(json_array_get(json_object_get(first, "items"), 0), "name");
    char surname[8];
    size_t sl = ((unsigned char)name[0] >= 0xE0) ? 3 : 1;
    memcpy(surname, name, sl);
    surname[sl] = '\0';
    json_decref(first);
    char queries[5][256];
    snprintf(queries[0], 256, "org_unit_id=%lld&name=%s", c001, urlenc(surname));
    snprintf(queries[1], 256, "org_unit_id=%lld&tag=elderly", c001);
    snprintf(queries[2], 256, "org_unit_id=%lld&status=all", grid_a);
    snprintf(queries[3], 256, "org_unit_id=%lld&age_min=60&age_max=80", c001);
    snprintf(queries[4], 256, "org_unit_id=%lld", bld_a1);
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        const char *query = queries[q];
        long long n = list_total(t_street, query);
        for (int x = 0; x < 2; x++) {
            http_resp r = export_as(t_street, fmt("%s%s", query, x ? "&format=xlsx" : ""), 200);
            json_t *rows = table_rows(&r);
            if ((long long)json_array_size(rows) - 1 != n)
                print_error("?%s: export %zu rows, list %lld\n", query, json_array_size(rows) - 1, n);
            assert_int_equal((long long)json_array_size(rows) - 1, n);
            if (q == 0) {
                int c_name = column(rows, "姓名");
                for (size_t k = 1; k < json_array_size(rows); k++)
                    assert_non_null(strstr(cell(rows, k, c_name), surname));
            }
            json_decref(rows);
            http_free(&r);
        }
    }
    /* one household's members */
    json_t *hh = get_ok(t_street, fmt("/api/v1/households?org_unit_id=%lld&page_size=20", grid_a));
    long long hid = jint(json_array_get(json_object_get(hh, "items"), 0), "id");
    const char *hcode = jstr(json_array_get(json_object_get(hh, "items"), 0), "code");
    http_resp r = export_as(t_street, fmt("household_id=%lld", hid), 200);
    json_t *rows = table_rows(&r);
    assert_int_equal((long long)json_array_size(rows) - 1, list_total(t_street, fmt("household_id=%lld", hid)));
    for (size_t k = 1; k < json_array_size(rows); k++)
        assert_string_equal(cell(rows, k, 0), hcode);
    json_decref(rows);
    http_free(&r);
    json_decref(hh);

    /* sort: the list's order, the first page of it */
    json_t *page = get_ok(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=20&sort=-name", grid_a));
    r = export_as(t_street, fmt("org_unit_id=%lld&sort=-name", grid_a), 200);
    rows = table_rows(&r);
    int c_name = column(rows, "姓名");
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(page, "items"), i, it)
        assert_string_equal(cell(rows, i + 1, c_name), jstr(it, "name"));
    json_decref(rows);
    json_decref(page);
    http_free(&r);
}

static void bad_parameters_are_named(void **state)
{
    static const char *const CASES[][2] = {
        {"format=pdf", "format"}, {"status=gone", "status"}, {"tag=nosuch", "tag"},
        {"sort=shoe_size", "sort"}, {"age_min=90&age_max=10", "age_min"}, {"org_unit_id=abc", "org_unit_id"},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        http_resp r = export_as(t_street, CASES[i][0], 400);
        assert_string_equal(err_field(r.json), CASES[i][1]);
        assert_non_null(err_message(r.json));
        http_free(&r);
    }
    /* full numbers without a purpose */
    http_resp r = export_as(t_street, "full_id=1&format=xlsx", 400);
    assert_string_equal(err_field(r.json), "purpose");
    http_free(&r);
}

static void grid_worker_exports_only_their_grid(void **state)
{
    long long n = list_total(t_g0101, "status=all");
    http_resp r = export_as(t_g0101, "status=all&format=xlsx", 200);
    json_t *rows = table_rows(&r);
    int c_grid = column(rows, "网格编码");
    assert_int_equal((long long)json_array_size(rows) - 1, n);
    for (size_t k = 1; k < json_array_size(rows); k++)
        assert_string_equal(cell(rows, k, c_grid), GRID_A_CODE);
    json_decref(rows);
    http_free(&r);

    /* another grid, its building or its household: nothing of it */
    long long denied[] = {grid_b, bld_b1, c002};
    for (size_t i = 0; i < 3; i++) {
        r = export_as(t_g0101, fmt("org_unit_id=%lld%s", denied[i], i ? "&format=xlsx" : ""), 404);
        http_free(&r);
    }
    json_t *hh = get_ok(t_street, fmt("/api/v1/households?org_unit_id=%lld&page_size=20", grid_b));
    long long far_hh = jint(json_array_get(json_object_get(hh, "items"), 0), "id");
    json_decref(hh);
    r = export_as(t_g0101, fmt("household_id=%lld&format=xlsx", far_hh), 200);
    rows = table_rows(&r);
    assert_int_equal(json_array_size(rows), 1);   /* the header alone */
    json_decref(rows);
    http_free(&r);
    /* the department viewer exports nothing */
    r = export_as(t_viewer, "format=xlsx", 403);
    http_free(&r);
}

static void audit_row_names_filters_and_count(void **state)
{
    long long n = list_total(t_street, fmt("org_unit_id=%lld&tag=elderly", c001));
    http_resp r = export_as(t_street, fmt("org_unit_id=%lld&tag=elderly&format=xlsx", c001), 200);
    http_free(&r);
    json_t *a = get_ok(t_auditor, "/api/v1/audit?action=export&entity=resident&page_size=20");
    json_t *row = json_array_get(json_object_get(a, "items"), 0);
    assert_non_null(row);
    assert_string_equal(jstr(row, "username"), "jiedao");
    const char *d = jstr(row, "detail");
    if (!strstr(d, fmt("导出居民 %lld 人（Excel）", n)) || !strstr(d, "标签 elderly") || !strstr(d, C001_CODE) ||
        !strstr(d, "完整身份证号：否") || !strstr(d, "身份证号（已脱敏）"))
        fail_msg("audit detail: %s", d);
    json_decref(a);
}

/* GET /export/households: the households list's filters, as CSV and .xlsx. */
static void households_export_follows_the_list(void **state)
{
    json_t *hl = get_ok(t_street, fmt("/api/v1/households?org_unit_id=%lld&page_size=100&sort=code", grid_a));
    long long n = jint(hl, "total");
    assert_true(n > 0 && n <= 100);
    http_resp r = (http_resp){0};
    assert_int_equal(http(&srv, "GET", fmt("/api/v1/export/households?org_unit_id=%lld&format=xlsx&sort=code", grid_a),
                          t_street, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, XLSX_TYPE);
    /* 户名册 */
    assert_non_null(strstr(r.content_disposition, "filename=\"households.xlsx\"; filename*=UTF-8''%E6%88%B7%E5%90%8D%E5%86%8C-"));
    char fields[512];
    assert_true(resp_header(&r, "X-Export-Fields", fields, sizeof fields));
    assert_non_null(strstr(fields, "code,community_name,grid_name,"));
    assert_non_null(strstr(fields, ",phone:masked,member_count,"));
    json_t *rows = table_rows(&r);
    assert_int_equal((long long)json_array_size(rows) - 1, n);
    int c_code = column(rows, "户编号"), c_phone = column(rows, "联系电话"), c_members = column(rows, "在册人数");
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(hl, "items"), i, it) {
        assert_string_equal(cell(rows, i + 1, c_code), jstr(it, "code"));
        assert_string_equal(cell(rows, i + 1, c_members), fmt("%lld", jint(it, "member_count")));
        if (*cell(rows, i + 1, c_phone))
            assert_phone_masked(cell(rows, i + 1, c_phone));
    }
    json_decref(rows);
    char *sheet = xlsx_part(&r, "xl/worksheets/sheet1.xml");
    assert_non_null(strstr(sheet, "state=\"frozen\""));
    free(sheet);
    http_free(&r);

    /* q: the list's search */
    const char *code = jstr(json_array_get(json_object_get(hl, "items"), 0), "code");
    char q[160];
    snprintf(q, sizeof q, "q=%s&status=all", urlenc(code));
    long long m = total_of(t_street, fmt("/api/v1/households?page_size=20&%s", q));
    assert_int_equal(http(&srv, "GET", fmt("/api/v1/export/households?%s", q), t_street, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "text/csv; charset=utf-8");
    rows = table_rows(&r);
    assert_int_equal((long long)json_array_size(rows) - 1, m);
    json_decref(rows);
    http_free(&r);

    /* head_name and tag: the list's filters, named in the audit row */
    const char *head = jstr(json_array_get(json_object_get(hl, "items"), 0), "head_name");
    snprintf(q, sizeof q, "head_name=%s&tag=elderly", urlenc(head));
    m = total_of(t_street, fmt("/api/v1/households?page_size=20&%s", q));
    assert_int_equal(http(&srv, "GET", fmt("/api/v1/export/households?%s", q), t_street, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    rows = table_rows(&r);
    assert_int_equal((long long)json_array_size(rows) - 1, m);
    json_decref(rows);
    http_free(&r);
    json_t *au = get_ok(t_auditor, "/api/v1/audit?action=export&entity=household&page_size=20");
    const char *detail = jstr(json_array_get(json_object_get(au, "items"), 0), "detail");
    if (!strstr(detail, "户主姓名") || !strstr(detail, "含标签 elderly"))
        fail_msg("the audit row does not name the filters: %s", detail);
    json_decref(au);
    json_decref(hl);

    /* full phones with a purpose */
    assert_int_equal(http(&srv, "GET", fmt("/api/v1/export/households?org_unit_id=%lld&format=xlsx&full_id=1&purpose=%s",
                                           grid_a, urlenc("入户走访")), t_street, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_true(resp_header(&r, "X-Export-Fields", fields, sizeof fields));
    assert_non_null(strstr(fields, ",phone,member_count,"));
    rows = table_rows(&r);
    int full = 0;
    for (size_t k = 1; k < json_array_size(rows); k++)
        full += strlen(cell(rows, k, column(rows, "联系电话"))) == 11 && !strchr(cell(rows, k, column(rows, "联系电话")), '*');
    assert_true(full > 0);
    json_decref(rows);
    http_free(&r);

    /* a grid worker: their grid only; another grid is a 404 */
    long long own = total_of(t_g0101, "/api/v1/households?page_size=20");
    r = export_as_path(t_g0101, "/api/v1/export/households?format=xlsx", 200);
    rows = table_rows(&r);
    assert_int_equal((long long)json_array_size(rows) - 1, own);
    json_decref(rows);
    http_free(&r);
    r = export_as_path(t_g0101, fmt("/api/v1/export/households?org_unit_id=%lld", grid_b), 404);
    http_free(&r);
    r = export_as_path(t_street, "/api/v1/export/households?status=gone", 400);
    assert_string_equal(err_field(r.json), "status");
    http_free(&r);
    /* audited */
    json_t *a = get_ok(t_auditor, "/api/v1/audit?action=export&entity=household&page_size=20");
    assert_true(jint(a, "total") >= 3);
    assert_non_null(strstr(jstr(json_array_get(json_object_get(a, "items"), 0), "detail"), "导出户 "));
    json_decref(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(xlsx_is_a_workbook_with_text_ids_and_a_frozen_header),
        cmocka_unit_test(masked_by_default_in_both_formats),
        cmocka_unit_test(filters_are_the_lists),
        cmocka_unit_test(bad_parameters_are_named),
        cmocka_unit_test(grid_worker_exports_only_their_grid),
        cmocka_unit_test(audit_row_names_filters_and_count),
        cmocka_unit_test(households_export_follows_the_list),
    };
    return cmocka_run_group_tests_name("api_export", tests, registry_setup, registry_teardown);
}
