/* test_import_preview.c — the preview of an import (dry_run=1 on POST
 * /api/v1/import/residents and /import/org-units, --dry-run on the
 * command line): the same report and status as the real import — the
 * same per-row errors, conflicts with the registry and within the file
 * included — with "dry_run": true, and nothing written: the rows of
 * every table an import writes are counted before and after (on both
 * engines), for CSV and .xlsx, small files and one that spans several
 * of the import's transactions. A resident preview leaves one audit row
 * (import_preview); an org-unit preview none. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "registry_fixture.h"
#include "util/strbuf.h"

#define GRID_IMP "371702001003-01"

/* ---- helpers ------------------------------------------------------------- */

/* What an import writes, row counts of each table. */
typedef struct tally {
    long long residents, households, batches, events, tags, audit, org_units;
} tally;

static tally count_rows(void)
{
    return (tally){
        server_sql_int(&srv, "SELECT COUNT(*) FROM resident"),
        server_sql_int(&srv, "SELECT COUNT(*) FROM household"),
        server_sql_int(&srv, "SELECT COUNT(*) FROM import_batch"),
        server_sql_int(&srv, "SELECT COUNT(*) FROM registry_event"),
        server_sql_int(&srv, "SELECT COUNT(*) FROM resident_tag"),
        server_sql_int(&srv, "SELECT COUNT(*) FROM audit_log"),
        server_sql_int(&srv, "SELECT COUNT(*) FROM org_unit"),
    };
}

/* Nothing but `audit` more audit rows since before. */
static void assert_unchanged(tally before, long long audit)
{
    tally now = count_rows();
    assert_int_equal(now.residents, before.residents);
    assert_int_equal(now.households, before.households);
    assert_int_equal(now.batches, before.batches);
    assert_int_equal(now.events, before.events);
    assert_int_equal(now.tags, before.tags);
    assert_int_equal(now.org_units, before.org_units);
    if (now.audit != before.audit + audit) {
        json_t *a = get_ok(t_auditor, "/api/v1/audit?page_size=20");
        for (size_t i = 0; i < 4; i++)
            print_error("audit: %s %s\n", jstr(json_array_get(json_object_get(a, "items"), i), "action"),
                        jstr(json_array_get(json_object_get(a, "items"), i), "detail"));
        json_decref(a);
    }
    assert_int_equal(now.audit, before.audit + audit);
}

static long post(const char *path, const char *query, const char *body, size_t len, json_t **out)
{
    http_resp r;
    assert_int_equal(http(&srv, "POST", fmt("%s%s", path, query), t_street, body, len, "text/csv", &r), 0);
    long st = r.status;
    *out = r.json;
    r.json = NULL;
    http_free(&r);
    return st;
}

/* The report of a reply: the body itself (200) or its "report" (400). */
static json_t *report_of(json_t *reply, long status)
{
    return status == 200 ? reply : json_object_get(reply, "report");
}

static void assert_same_errors(json_t *a, json_t *b)
{
    if (!json_equal(json_object_get(a, "errors"), json_object_get(b, "errors"))) {
        char *x = json_dumps(json_object_get(a, "errors"), JSON_INDENT(1));
        char *y = json_dumps(json_object_get(b, "errors"), JSON_INDENT(1));
        print_error("preview errors:\n%s\nimport errors:\n%s\n", x, y);
        free(x);
        free(y);
        fail();
    }
    assert_int_equal(jint(a, "error_rows"), jint(b, "error_rows"));
    assert_int_equal(jint(a, "rows"), jint(b, "rows"));
}

/* A full ID number registered in grid A (an existing resident's). */
static const char *registered_id(void)
{
    static char id[19];
    json_t *j = get_ok(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=20&full_id=1", grid_a));
    snprintf(id, sizeof id, "%s", jstr(json_array_get(json_object_get(j, "items"), 0), "id_number"));
    json_decref(j);
    return id;
}

/* A household of grid A that has a head, as {code}. */
static const char *headed_household(void)
{
    static char code[64];
    json_t *j = get_ok(t_street, fmt("/api/v1/households?org_unit_id=%lld&page_size=20", grid_a));
    size_t i;
    json_t *it;
    code[0] = '\0';
    json_array_foreach(json_object_get(j, "items"), i, it)
        if (!code[0] && json_integer_value(json_object_get(it, "head_resident_id")) > 0)
            snprintf(code, sizeof code, "%s", jstr(it, "code"));
    json_decref(j);
    assert_true(code[0]);
    return code;
}

#define HEADER "姓名,身份证号,与户主关系,联系电话,网格编码,户编号,地址\n"

/* Good rows and bad ones of every kind the checks know: each bad row
 * names what a real import names. */
static char *mixed_csv(const char *tag)
{
    char dup[19], a[19], b[19], c[19], d[19];
    snprintf(dup, sizeof dup, "%s", new_id());
    snprintf(a, sizeof a, "%s", new_id());
    snprintf(b, sizeof b, "%s", new_id());
    snprintf(c, sizeof c, "%s", new_id());
    snprintf(d, sizeof d, "%s", new_id());
    const char *reg = registered_id(), *headed = headed_household();
    strbuf sb = STRBUF_INIT;
    sb_puts(&sb, HEADER);
    sb_printf(&sb, "预检甲,%s,户主,13900007001," GRID_IMP ",PV-%s-1,菏泽市牡丹区预检路1号\n", dup, tag);   /* 2: good */
    sb_printf(&sb, "预检乙,%s,配偶,," GRID_IMP ",PV-%s-1,\n", dup, tag);          /* 3: the same ID number as row 2 */
    sb_printf(&sb, "预检丙,%s,户主,," GRID_IMP ",PV-%s-1,\n", a, tag);            /* 4: a second head (file) */
    sb_printf(&sb, "预检丁,%s,户主,," GRID_IMP ",PV-%s-2,\n", b, tag);            /* 5: new household, no address */
    sb_printf(&sb, "预检戊,%s,子女,," GRID_IMP ",PV-%s-1,\n", reg, tag);          /* 6: registered already */
    sb_printf(&sb, "预检己,%s,户主,,371702001001-01,%s,\n", c, headed);          /* 7: a second head (registry) */
    sb_printf(&sb, "预检庚,%s,子女,,999999999999-99,PV-%s-3,某地\n", d, tag);     /* 8: no such grid */
    sb_printf(&sb, "预检辛,%s,子女,," GRID_IMP ",PV-%s-1,\n", bad_checksum(new_id()), tag);  /* 9: checksum */
    sb_printf(&sb, "预检壬,%s,子女,138000,"  GRID_IMP ",PV-%s-1,\n", new_id(), tag);         /* 10: phone */
    sb_printf(&sb, "预检癸,%s,子女,," GRID_IMP ",PV-%s-1,\n", new_id(), tag);                /* 11: good */
    return sb_detach(&sb);
}

/* ---- residents --------------------------------------------------------------- */

static void preview_writes_nothing_and_counts_what_the_import_would(void **state)
{
    char csv[1024];
    char a[19], b[19], c[19];
    snprintf(a, sizeof a, "%s", new_id());
    snprintf(b, sizeof b, "%s", new_id());
    snprintf(c, sizeof c, "%s", new_id());
    snprintf(csv, sizeof csv,
             HEADER "预览甲,%s,户主,13900007101," GRID_IMP ",PV-OK-1,菏泽市牡丹区预览路1号\n"
                    "预览乙,%s,配偶,," GRID_IMP ",PV-OK-1,\n"
                    "预览丙,%s,户主,," GRID_IMP ",PV-OK-2,菏泽市牡丹区预览路2号\n",
             a, b, c);
    tally before = count_rows();
    json_t *rep;
    assert_int_equal(post("/api/v1/import/residents", "?dry_run=1", csv, strlen(csv), &rep), 200);
    assert_true(json_is_true(json_object_get(rep, "dry_run")));
    assert_int_equal(jint(rep, "batch"), 0);
    assert_int_equal(jint(rep, "rows"), 3);
    assert_int_equal(jint(rep, "imported"), 3);
    assert_int_equal(jint(rep, "households_created"), 2);
    assert_int_equal(json_array_size(json_object_get(rep, "errors")), 0);
    json_decref(rep);
    assert_unchanged(before, 1);
    assert_int_equal(total_of(t_street, fmt("/api/v1/residents?id_number=%s&status=all", a)), 0);
    /* its audit row */
    json_t *au = get_ok(t_auditor, "/api/v1/audit?action=import_preview&page_size=20");
    json_t *row = json_array_get(json_object_get(au, "items"), 0);
    assert_string_equal(jstr(row, "action_label"), "导入预检");
    assert_string_equal(jstr(row, "username"), "jiedao");
    assert_non_null(strstr(jstr(row, "detail"), "读取3行，可导入3人、新建2户，错误0行"));
    json_decref(au);

    /* The import itself then does what the preview said. */
    assert_int_equal(post("/api/v1/import/residents", "", csv, strlen(csv), &rep), 200);
    assert_null(json_object_get(rep, "dry_run"));
    assert_int_equal(jint(rep, "imported"), 3);
    assert_int_equal(jint(rep, "households_created"), 2);
    json_decref(rep);
    assert_int_equal(count_rows().residents, before.residents + 3);
    /* … and a second preview of the same file finds them registered:
     * a finding (200), not a refused write */
    assert_int_equal(post("/api/v1/import/residents", "?dry_run=1", csv, strlen(csv), &rep), 200);
    assert_int_equal(jint(rep, "error_rows"), 3);
    assert_int_equal(jint(rep, "imported"), 0);
    assert_string_equal(jstr(json_array_get(json_object_get(rep, "errors"), 0), "field"), "id_number");
    json_decref(rep);
}

static void preview_errors_are_the_imports(void **state)
{
    static const char *const MODES[] = {"", "mode=valid"};
    for (int m = 0; m < 2; m++) {
        char *csv = mixed_csv(m ? "V" : "A");
        tally before = count_rows();
        json_t *pre, *real;
        long st = post("/api/v1/import/residents", fmt("?dry_run=1&%s", MODES[m]), csv, strlen(csv), &pre);
        assert_int_equal(st, 200);
        assert_unchanged(before, 1);
        json_t *p = report_of(pre, st);
        assert_true(json_is_true(json_object_get(p, "dry_run")));
        assert_int_equal(jint(p, "error_rows"), 8);
        assert_int_equal(jint(p, "imported"), m ? 2 : 0);
        /* each row and field as the page will show them */
        static const struct { long long row; const char *field; } WANT[] = {
            {3, "id_number"}, {4, "relation"}, {5, "address"}, {6, "id_number"},
            {7, "relation"}, {8, "grid_code"}, {9, "id_number"}, {10, "phone"}};
        json_t *errs = json_object_get(p, "errors");
        for (size_t i = 0; i < 8; i++) {
            json_t *e = json_array_get(errs, i);
            if (jint(e, "row") != WANT[i].row || strcmp(jstr(e, "field"), WANT[i].field) != 0)
                fail_msg("error %zu: row %lld field %s (%s)", i, jint(e, "row"), jstr(e, "field"), jstr(e, "message"));
        }
        long rst = post("/api/v1/import/residents", fmt("?%s", MODES[m]), csv, strlen(csv), &real);
        assert_int_equal(rst, m ? 200 : 400);
        json_t *r = report_of(real, rst);
        assert_same_errors(p, r);
        assert_int_equal(jint(r, "imported"), jint(p, "imported"));
        assert_int_equal(jint(r, "households_created"), jint(p, "households_created"));
        json_decref(pre);
        json_decref(real);
        free(csv);
    }
}

/* A workbook of rows (cells NULL-ended per row; rows NULL-ended). */
static char *make_xlsx(const char *const *const *rows, size_t *len)
{
    static int seq;
    const char *path = fmt("%s/preview%d.xlsx", srv.dir, ++seq);
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);
    for (lxw_row_t r = 0; rows[r]; r++)
        for (lxw_col_t c = 0; rows[r][c]; c++)
            if (*rows[r][c])
                worksheet_write_string(ws, r, c, rows[r][c], NULL);
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
    char *data = read_whole_file(path, len);
    assert_non_null(data);
    return data;
}

static void xlsx_preview_matches_its_import(void **state)
{
    char a[19], dup[19];
    snprintf(a, sizeof a, "%s", new_id());
    snprintf(dup, sizeof dup, "%s", new_id());
    const char *h[] = {"姓名", "身份证号", "与户主关系", "网格编码", "户编号", "地址", NULL};
    const char *r1[] = {"表格甲", a, "户主", GRID_IMP, "PV-X-1", "菏泽市牡丹区表格路1号", NULL};
    const char *r2[] = {"表格乙", dup, "子女", GRID_IMP, "PV-X-1", "", NULL};
    const char *r3[] = {"表格丙", dup, "子女", GRID_IMP, "PV-X-1", "", NULL};
    const char *r4[] = {"表格丁", registered_id(), "子女", GRID_IMP, "PV-X-1", "", NULL};
    const char *const *rows[] = {h, r1, r2, r3, r4, NULL};
    size_t len;
    char *x = make_xlsx(rows, &len);
    tally before = count_rows();
    json_t *pre, *real;
    assert_int_equal(post("/api/v1/import/residents", "?dry_run=1", x, len, &pre), 200);
    assert_unchanged(before, 1);
    json_t *p = pre;
    assert_true(json_is_true(json_object_get(p, "dry_run")));
    assert_int_equal(jint(p, "error_rows"), 2);
    assert_int_equal(jint(json_array_get(json_object_get(p, "errors"), 0), "row"), 4);   /* the sheet's row */
    assert_int_equal(post("/api/v1/import/residents", "", x, len, &real), 400);
    assert_same_errors(p, json_object_get(real, "report"));
    json_decref(pre);
    json_decref(real);
    before = count_rows();   /* the refused import left its failed batch and audit rows */
    /* mode=valid: the two good rows would go in */
    assert_int_equal(post("/api/v1/import/residents", "?dry_run=1&mode=valid", x, len, &pre), 200);
    assert_int_equal(jint(pre, "imported"), 2);
    assert_int_equal(jint(pre, "households_created"), 1);
    json_decref(pre);
    assert_unchanged(before, 1);
    free(x);
}

/* More rows than one of the import's transactions takes
 * (IMPORT_TX_ROWS), the bad one last: still nothing written. */
static void large_preview_writes_nothing(void **state)
{
    strbuf sb = STRBUF_INIT;
    sb_puts(&sb, HEADER);
    for (int i = 0; i < 2600; i++)
        sb_printf(&sb, "大批%s,%s,%s,," GRID_IMP ",PV-L-%d,菏泽市牡丹区大批路%d号\n", cn_number((unsigned)i), new_id(),
                  "户主", i, i);
    sb_printf(&sb, "大批末,%s,户主,,999999999999-99,PV-L-X,某地\n", new_id());
    tally before = count_rows();
    json_t *pre;
    assert_int_equal(post("/api/v1/import/residents", "?dry_run=1", sb.data, sb.len, &pre), 200);
    json_t *p = pre;
    assert_int_equal(jint(p, "rows"), 2601);
    assert_int_equal(jint(p, "error_rows"), 1);
    assert_int_equal(jint(json_array_get(json_object_get(p, "errors"), 0), "row"), 2602);
    json_decref(pre);
    assert_unchanged(before, 1);
    assert_int_equal(post("/api/v1/import/residents", "?dry_run=1&mode=valid", sb.data, sb.len, &pre), 200);
    assert_int_equal(jint(pre, "imported"), 2600);
    assert_int_equal(jint(pre, "households_created"), 2600);
    json_decref(pre);
    assert_unchanged(before, 2);
    sb_free(&sb);
}

/* ---- org units ------------------------------------------------------------------ */

#define ORG_HEADER "层级,编码,名称,上级编码\n"

static void org_preview_writes_nothing(void **state)
{
    const char *good = ORG_HEADER "网格,371702001001-91,预检网格一," C001_CODE "\n"
                                  "楼栋,371702001001-91-B01,预检楼一,371702001001-91\n";
    const char *bad = ORG_HEADER "网格,371702001001-92,预检网格二," C001_CODE "\n"
                                 "网格," GRID_A_CODE ",重复网格," C001_CODE "\n"
                                 "楼栋,371702001001-92-B01,预检楼二,371702001009-99\n";
    tally before = count_rows();
    json_t *pre, *real;
    assert_int_equal(post("/api/v1/import/org-units", "?dry_run=1", good, strlen(good), &pre), 200);
    assert_true(json_is_true(json_object_get(pre, "dry_run")));
    assert_int_equal(jint(pre, "created"), 2);
    json_decref(pre);
    assert_unchanged(before, 0);
    assert_int_equal(post("/api/v1/import/org-units", "?dry_run=1", bad, strlen(bad), &pre), 200);
    assert_unchanged(before, 0);
    json_t *p = pre;
    assert_true(json_is_true(json_object_get(p, "dry_run")));
    assert_int_equal(jint(p, "error_rows"), 2);
    assert_int_equal(jint(p, "created"), 0);
    assert_int_equal(post("/api/v1/import/org-units", "", bad, strlen(bad), &real), 400);
    assert_same_errors(p, json_object_get(real, "report"));
    json_decref(pre);
    json_decref(real);
    assert_unchanged(before, 1);   /* the real import's refusal (write_refused) */
    /* the real one creates what the preview counted */
    assert_int_equal(post("/api/v1/import/org-units", "", good, strlen(good), &real), 200);
    assert_int_equal(jint(real, "created"), 2);
    json_decref(real);
    assert_int_equal(count_rows().org_units, before.org_units + 2);
}

/* ---- the command line --------------------------------------------------------------- */

static void cli_dry_run_writes_nothing(void **state)
{
    char *csv = mixed_csv("C");
    const char *file = fmt("%s/preview.csv", srv.dir);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fputs(csv, f);
    fclose(f);
    free(csv);
    tally before = count_rows();
    char *out;
    const char *args[] = {"import", "residents", file, "--dry-run", NULL};
    assert_int_equal(run_cli_output(&srv, args, NULL, &out), 1);
    if (!strstr(out, "预检：共 10 行，可导入 0 人") || !strstr(out, "第 3 行 [id_number]") || !strstr(out, "导入时将不会导入任何数据"))
        fail_msg("output: %s", out);
    free(out);
    assert_unchanged(before, 1);
    const char *valid[] = {"import", "residents", file, "--dry-run", "--mode", "valid", NULL};
    assert_int_equal(run_cli_output(&srv, valid, NULL, &out), 0);
    if (!strstr(out, "可导入 2 人，新建 1 户，错误 8 行") || !strstr(out, "未写入任何数据"))
        fail_msg("output: %s", out);
    free(out);
    assert_unchanged(before, 2);

    const char *org = fmt("%s/preview-org.csv", srv.dir);
    f = fopen(org, "w");
    assert_non_null(f);
    fputs(ORG_HEADER "网格,371702001001-93,预检网格三," C001_CODE "\n", f);
    fclose(f);
    const char *oargs[] = {"org", "import", org, "--dry-run", NULL};
    assert_int_equal(run_cli_output(&srv, oargs, NULL, &out), 0);
    if (!strstr(out, "预检：共 1 行，可新建 1 个单位"))
        fail_msg("output: %s", out);
    free(out);
    assert_unchanged(before, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(preview_writes_nothing_and_counts_what_the_import_would),
        cmocka_unit_test(preview_errors_are_the_imports),
        cmocka_unit_test(xlsx_preview_matches_its_import),
        cmocka_unit_test(large_preview_writes_nothing),
        cmocka_unit_test(org_preview_writes_nothing),
        cmocka_unit_test(cli_dry_run_writes_nothing),
    };
    return cmocka_run_group_tests_name("api_import_preview", tests, registry_setup, registry_teardown);
}
