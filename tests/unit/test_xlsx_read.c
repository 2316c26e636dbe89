/* test_xlsx_read.c — unit tests for util/xlsx_read: workbooks written by
 * libxlsxwriter (shared strings, and inline strings in its
 * constant-memory mode), numbers as their stored text, gaps between
 * cells and rows, and the refusals: a corrupt file, a zip that is not a
 * workbook, a zip bomb, a DOCTYPE, an old .xls; and table_open_* telling
 * CSV from .xlsx. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include <zip.h>

#include "util/xlsx_read.h"

static char dir[64];

static const char *tmp_path(const char *name)
{
    static char p[160];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return p;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* The sheet every reading test expects:
 *   row 1: 编码 | 名称 | (empty) | 数量
 *   row 2: 371702001001 (text) | 中山社区 | (empty) | 12 (number)
 *   rows 3-4 missing
 *   row 5: (empty) | (empty) | 丙 (only column C)
 *   row 6: a cell with an empty string only (a blank row: skipped)
 *   row 7: 371702199001011234 as a number (Excel's mangling) | 0.5 */
static void write_book(const char *path, int constant_memory)
{
    lxw_workbook_options opt = {.constant_memory = (uint8_t)constant_memory, .tmpdir = dir};
    lxw_workbook *wb = workbook_new_opt(path, &opt);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "组织架构");
    worksheet_write_string(ws, 0, 0, "编码", NULL);
    worksheet_write_string(ws, 0, 1, "名称", NULL);
    worksheet_write_string(ws, 0, 3, "数量", NULL);
    worksheet_write_string(ws, 1, 0, "371702001001", NULL);
    worksheet_write_string(ws, 1, 1, "中山社区", NULL);
    worksheet_write_number(ws, 1, 3, 12, NULL);
    worksheet_write_string(ws, 4, 2, "丙", NULL);
    worksheet_write_blank(ws, 5, 0, workbook_add_format(wb));
    worksheet_write_number(ws, 6, 0, 371702199001011234.0, NULL);
    worksheet_write_number(ws, 6, 1, 0.5, NULL);
    /* a second sheet that must not be read */
    lxw_worksheet *other = workbook_add_worksheet(wb, "其他");
    worksheet_write_string(other, 0, 0, "不该读到", NULL);
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
}

static void expect_row(xlsx_reader *x, size_t row, size_t n, const char *const *want)
{
    char **f;
    size_t nf;
    int rc = xlsx_next(x, &f, &nf);
    if (rc != 1)
        fail_msg("xlsx_next: %d (%s)", rc, xlsx_error(x));
    assert_int_equal(xlsx_row(x), row);
    assert_int_equal(nf, n);
    for (size_t i = 0; i < n; i++) {
        if (want[i][0] == '~')          /* a prefix */
            assert_memory_equal(f[i], want[i] + 1, strlen(want[i] + 1));
        else
            assert_string_equal(f[i], want[i]);
    }
}

static void read_book(xlsx_reader *x)
{
    char **f;
    size_t nf;
    expect_row(x, 1, 4, (const char *[]){"编码", "名称", "", "数量"});
    expect_row(x, 2, 4, (const char *[]){"371702001001", "中山社区", "", "12"});
    expect_row(x, 5, 3, (const char *[]){"", "", "丙"});
    expect_row(x, 7, 2, (const char *[]){"~3.7170219900101", "0.5"});
    assert_int_equal(xlsx_next(x, &f, &nf), 0);
    assert_int_equal(xlsx_next(x, &f, &nf), 0);      /* stays at the end */
    assert_true(xlsx_bytes_read(x) > 0);
    assert_int_equal(xlsx_bytes_read(x), xlsx_bytes_total(x));
}

static void test_shared_strings_file(void **state)
{
    char err[256];
    write_book(tmp_path("shared.xlsx"), 0);
    xlsx_reader *x = xlsx_open_file(tmp_path("shared.xlsx"), err, sizeof err);
    if (!x)
        fail_msg("%s", err);
    read_book(x);
    xlsx_close(x);
}

static void test_inline_strings_memory(void **state)
{
    char err[256];
    size_t len;
    write_book(tmp_path("inline.xlsx"), 1);
    char *data = slurp(tmp_path("inline.xlsx"), &len);
    xlsx_reader *x = xlsx_open_memory(data, len, err, sizeof err);
    if (!x)
        fail_msg("%s", err);
    read_book(x);
    xlsx_close(x);
    free(data);
}

/* Through table_open_*: the same rows from a csvr, its line the sheet's row. */
static void test_table_open_tells_xlsx_from_csv(void **state)
{
    char err[256], **f;
    size_t nf, len;
    write_book(tmp_path("t.xlsx"), 0);
    csvr *r = table_open_file(tmp_path("t.xlsx"), CSVR_ENC_AUTO, err, sizeof err);
    assert_non_null(r);
    assert_int_equal(csvr_next(r, &f, &nf), 1);
    assert_string_equal(f[1], "名称");
    assert_int_equal(csvr_next(r, &f, &nf), 1);
    assert_int_equal(csvr_next(r, &f, &nf), 1);
    assert_int_equal(csvr_line(r), 5);
    assert_string_equal(f[2], "丙");
    assert_int_equal(nf, 4);                          /* as wide as the header, D5 "" */
    assert_string_equal(f[3], "");
    csvr_close(r);

    char *data = slurp(tmp_path("t.xlsx"), &len);
    r = table_open_memory(data, len, CSVR_ENC_AUTO, err, sizeof err);
    assert_non_null(r);
    assert_int_equal(csvr_bytes_total(r) > 0, 1);
    csvr_close(r);
    free(data);

    const char *csv = "编码,名称\n1,甲\n";
    r = table_open_memory(csv, strlen(csv), CSVR_ENC_AUTO, err, sizeof err);
    assert_non_null(r);
    assert_int_equal(csvr_next(r, &f, &nf), 1);
    assert_int_equal(csvr_next(r, &f, &nf), 1);
    assert_string_equal(f[1], "甲");
    assert_int_equal(csvr_line(r), 2);
    csvr_close(r);
}

static void test_corrupt_and_truncated(void **state)
{
    char err[256];
    size_t len;
    const char junk[] = "PK\x03\x04 this is not really a zip archive at all";
    assert_null(xlsx_open_memory(junk, sizeof junk - 1, err, sizeof err));
    assert_string_equal(err, "文件不是有效的 Excel 工作簿（.xlsx）：压缩包已损坏或不完整");
    assert_null(xlsx_open_memory("abc", 3, err, sizeof err));
    assert_string_equal(err, "文件不是有效的 Excel 工作簿（.xlsx）：压缩包已损坏或不完整");

    write_book(tmp_path("cut.xlsx"), 0);
    char *data = slurp(tmp_path("cut.xlsx"), &len);
    csvr *r = table_open_memory(data, len / 2, CSVR_ENC_AUTO, err, sizeof err);
    assert_null(r);
    assert_non_null(strstr(err, "不是有效的 Excel 工作簿"));
    free(data);

    assert_null(xlsx_open_file(tmp_path("missing.xlsx"), err, sizeof err));
    assert_non_null(strstr(err, "无法打开文件"));

    const char xls[] = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 old excel";
    assert_null(table_open_memory(xls, sizeof xls - 1, CSVR_ENC_AUTO, err, sizeof err));
    assert_non_null(strstr(err, "另存为 .xlsx"));
}

/* A zip archive with the given parts (name, content) at path. */
static void write_zip(const char *path, const char *const *parts)
{
    int code;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &code);
    assert_non_null(z);
    for (size_t i = 0; parts[i]; i += 2) {
        zip_source_t *s = zip_source_buffer(z, parts[i + 1], strlen(parts[i + 1]), 0);
        assert_non_null(s);
        assert_true(zip_file_add(z, parts[i], s, ZIP_FL_ENC_UTF_8) >= 0);
    }
    assert_int_equal(zip_close(z), 0);
}

static const char WB[] =
    "<?xml version=\"1.0\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\""
    " xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>"
    "<sheet name=\"S\" sheetId=\"1\" r:id=\"rId7\"/></sheets></workbook>";
static const char RELS[] =
    "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId7\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\""
    " Target=\"/xl/worksheets/first.xml\"/></Relationships>";

static xlsx_reader *open_parts(const char *name, const char *const *parts, char *err, size_t errsz)
{
    write_zip(tmp_path(name), parts);
    return xlsx_open_file(tmp_path(name), err, errsz);
}

static void test_zip_that_is_not_a_workbook(void **state)
{
    char err[256];
    assert_null(open_parts("plain.zip", (const char *[]){"readme.txt", "hello", NULL}, err, sizeof err));
    assert_string_equal(err, "文件是压缩包，但其中没有 xl/workbook.xml，不是 Excel 工作簿（.xlsx）");
    /* a workbook whose sheet part is missing */
    assert_null(open_parts("nosheet.xlsx", (const char *[]){"xl/workbook.xml", WB, "xl/_rels/workbook.xml.rels", RELS, NULL},
                           err, sizeof err));
    assert_non_null(strstr(err, "xl/worksheets/first.xml"));
}

/* Hand-written XML: an absolute Target, inline strings with a phonetic
 * run, cells without r= (they follow each other), a boolean, a broken
 * shared-string index on the last row. */
static void test_hand_written_sheet(void **state)
{
    char err[256], **f;
    size_t nf;
    const char *sheet =
        "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
        "<row r=\"3\"><c t=\"inlineStr\"><is><r><t>张</t></r><r><t xml:space=\"preserve\">三 </t></r>"
        "<rPh><t>zhang</t></rPh></is></c><c t=\"b\"><v>1</v></c><c r=\"E3\"><v>-2.5E-3</v></c></row>"
        "<row><c r=\"B4\" t=\"str\"><f>A1</f><v>公式结果</v></c></row>"
        "<row r=\"9\"><c r=\"A9\" t=\"s\"><v>5</v></c></row>"
        "</sheetData></worksheet>";
    xlsx_reader *x = open_parts("hand.xlsx", (const char *[]){"xl/workbook.xml", WB, "xl/_rels/workbook.xml.rels", RELS,
                                                               "xl/worksheets/first.xml", sheet, NULL}, err, sizeof err);
    if (!x)
        fail_msg("%s", err);
    expect_row(x, 3, 5, (const char *[]){"张三 ", "1", "", "", "-2.5E-3"});
    expect_row(x, 4, 2, (const char *[]){"", "公式结果"});
    assert_int_equal(xlsx_next(x, &f, &nf), -1);
    assert_string_equal(xlsx_error(x), "工作表第 9 行引用了不存在的共享字符串“5”，文件已损坏");
    assert_int_equal(xlsx_next(x, &f, &nf), -1);     /* stays failed */
    xlsx_close(x);

    const char *bad = "<worksheet><sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c></row><row r=\"2\"><c></row>";
    x = open_parts("badxml.xlsx", (const char *[]){"xl/workbook.xml", WB, "xl/_rels/workbook.xml.rels", RELS,
                                                    "xl/worksheets/first.xml", bad, NULL}, err, sizeof err);
    assert_non_null(x);
    expect_row(x, 1, 1, (const char *[]){"1"});
    assert_int_equal(xlsx_next(x, &f, &nf), -1);
    assert_non_null(strstr(xlsx_error(x), "格式错误，文件已损坏"));
    xlsx_close(x);
}

static void test_doctype_refused(void **state)
{
    char err[256], **f;
    size_t nf;
    const char *sheet = "<?xml version=\"1.0\"?><!DOCTYPE lol [<!ENTITY a \"aaaaaaaa\">]><worksheet><sheetData>"
                        "<row r=\"1\"><c t=\"inlineStr\"><is><t>&a;</t></is></c></row></sheetData></worksheet>";
    xlsx_reader *x = open_parts("doctype.xlsx", (const char *[]){"xl/workbook.xml", WB, "xl/_rels/workbook.xml.rels", RELS,
                                                                  "xl/worksheets/first.xml", sheet, NULL}, err, sizeof err);
    assert_non_null(x);
    assert_int_equal(xlsx_next(x, &f, &nf), -1);
    assert_string_equal(xlsx_error(x), "工作簿的 XML 含有 DOCTYPE 声明，Excel 不会这样写，拒绝读取");
    xlsx_close(x);
}

/* 8 MiB of XML that deflates to a few KiB: refused on the ratio once
 * more than 1 MiB is out, long before the size limit (a cell that long
 * is refused anyway: the row limit). */
static void test_zip_bomb_refused(void **state)
{
    char err[256], **f;
    size_t nf, n = (size_t)8 << 20;
    char *sheet = malloc(n + 200);
    strcpy(sheet, "<worksheet><sheetData>");
    size_t at = strlen(sheet);
    memset(sheet + at, ' ', n);
    strcpy(sheet + at + n, "<row r=\"1\"><c><v>1</v></c></row></sheetData></worksheet>");
    xlsx_reader *x = open_parts("bomb.xlsx", (const char *[]){"xl/workbook.xml", WB, "xl/_rels/workbook.xml.rels", RELS,
                                                               "xl/worksheets/first.xml", sheet, NULL}, err, sizeof err);
    free(sheet);
    assert_non_null(x);
    assert_int_equal(xlsx_next(x, &f, &nf), -1);
    assert_string_equal(xlsx_error(x), "工作表的压缩比超过 200 倍，拒绝读取（可能是压缩炸弹）");
    assert_true(xlsx_bytes_read(x) < ((size_t)2 << 20));
    xlsx_close(x);
}

static int setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/ms-xlsx-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_strings_file),
        cmocka_unit_test(test_inline_strings_memory),
        cmocka_unit_test(test_table_open_tells_xlsx_from_csv),
        cmocka_unit_test(test_corrupt_and_truncated),
        cmocka_unit_test(test_zip_that_is_not_a_workbook),
        cmocka_unit_test(test_hand_written_sheet),
        cmocka_unit_test(test_doctype_refused),
        cmocka_unit_test(test_zip_bomb_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
