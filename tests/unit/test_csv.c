/* test_csv.c — unit tests for util/csvfile (CSV reading with UTF-8/GBK
 * decoding and line tracking, CSV writing). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/csvfile.h"

/* ---- helpers ------------------------------------------------------------ */

static csvr *open_str(const char *s, csvr_encoding enc)
{
    char err[256];
    csvr *r = csvr_open_memory(s, strlen(s), enc, err, sizeof err);
    if (!r)
        fail_msg("csvr_open_memory: %s", err);
    return r;
}

/* Reads the next record and checks it has exactly the given fields
 * (NULL-terminated list) and started on `line`. */
static void expect_record(csvr *r, size_t line, ...)
{
    char **f;
    size_t n;
    int rc = csvr_next(r, &f, &n);
    if (rc != 1)
        fail_msg("csvr_next returned %d (%s), expected a record", rc, csvr_error(r));
    va_list ap;
    va_start(ap, line);
    size_t i = 0;
    const char *want;
    while ((want = va_arg(ap, const char *)) != NULL) {
        if (i >= n) {
            va_end(ap);
            fail_msg("record has %zu fields, expected more", n);
        }
        assert_string_equal(f[i], want);
        i++;
    }
    va_end(ap);
    assert_int_equal(n, i);
    assert_int_equal(csvr_line(r), line);
}

static void expect_end(csvr *r)
{
    char **f;
    size_t n;
    assert_int_equal(csvr_next(r, &f, &n), 0);
    assert_int_equal(csvr_next(r, &f, &n), 0);   /* stays at the end */
}

/* UTF-8 → GBK with iconv; the result is malloc'd, its length in *len. */
static char *to_gbk(const char *utf8, size_t *len)
{
    iconv_t cd = iconv_open("GBK", "UTF-8");
    assert_true(cd != (iconv_t)-1);
    size_t inleft = strlen(utf8), cap = inleft + 1, outleft = cap;
    char *out = malloc(cap);
    assert_non_null(out);
    char *in = (char *)utf8, *op = out;
    assert_true(iconv(cd, &in, &inleft, &op, &outleft) != (size_t)-1);
    iconv_close(cd);
    *len = cap - outleft;
    return out;
}

/* Writes data to a fresh temp file; path receives its name. */
static void write_temp(char path[64], const char *data, size_t len)
{
    strcpy(path, "/tmp/test_csv_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

/* ---- reading ------------------------------------------------------------ */

static void test_simple(void **state)
{
    (void)state;
    csvr *r = open_str("a,b,c\n1,2,3\n", CSVR_ENC_AUTO);
    expect_record(r, 1, "a", "b", "c", NULL);
    expect_record(r, 2, "1", "2", "3", NULL);
    expect_end(r);
    assert_int_equal(csvr_detected_encoding(r), CSVR_ENC_UTF8);
    assert_int_equal(csvr_bytes_total(r), 12);
    assert_int_equal(csvr_bytes_read(r), 12);
    csvr_close(r);
}

static void test_quotes(void **state)
{
    (void)state;
    csvr *r = open_str("\"他说\"\"好\"\"\",\"a,b\",\"\",x\n"
                       "\"\"\"\",plain\n", CSVR_ENC_AUTO);
    expect_record(r, 1, "他说\"好\"", "a,b", "", "x", NULL);
    expect_record(r, 2, "\"", "plain", NULL);
    expect_end(r);
    csvr_close(r);
}

static void test_empty_fields_are_empty_strings(void **state)
{
    (void)state;
    csvr *r = open_str(",,\n a , b \n", CSVR_ENC_AUTO);
    expect_record(r, 1, "", "", "", NULL);
    /* spaces around unquoted fields are trimmed, inner ones kept */
    expect_record(r, 2, "a", "b", NULL);
    expect_end(r);
    csvr_close(r);
    r = open_str(" 张 三 ,\" 李四 \"\n", CSVR_ENC_AUTO);
    expect_record(r, 1, "张 三", " 李四 ", NULL);
    expect_end(r);
    csvr_close(r);
}

static void test_embedded_newline_and_lines(void **state)
{
    (void)state;
    csvr *r = open_str("name,addr\n"
                       "张三,\"东营路\n3号\r\n2单元\"\n"
                       "李四,北京\n", CSVR_ENC_AUTO);
    expect_record(r, 1, "name", "addr", NULL);
    expect_record(r, 2, "张三", "东营路\n3号\r\n2单元", NULL);
    expect_record(r, 5, "李四", "北京", NULL);
    expect_end(r);
    csvr_close(r);
}

static void test_crlf_and_blank_lines(void **state)
{
    (void)state;
    csvr *r = open_str("a,b\r\n\r\n  \r\nc,d\r\n\r\ne,f", CSVR_ENC_AUTO);
    expect_record(r, 1, "a", "b", NULL);
    expect_record(r, 4, "c", "d", NULL);
    expect_record(r, 6, "e", "f", NULL);    /* no final line break */
    expect_end(r);
    csvr_close(r);

    /* lone CR (old Mac) ends lines too */
    r = open_str("a\rb\r\rc\n", CSVR_ENC_AUTO);
    expect_record(r, 1, "a", NULL);
    expect_record(r, 2, "b", NULL);
    expect_record(r, 4, "c", NULL);
    expect_end(r);
    csvr_close(r);
}

static void test_bom(void **state)
{
    (void)state;
    csvr *r = open_str("\xEF\xBB\xBF姓名,电话\r\n张三,13812345678\r\n", CSVR_ENC_AUTO);
    expect_record(r, 1, "姓名", "电话", NULL);
    expect_record(r, 2, "张三", "13812345678", NULL);
    expect_end(r);
    assert_int_equal(csvr_detected_encoding(r), CSVR_ENC_UTF8);
    csvr_close(r);

    /* only at the start: a BOM later is data */
    r = open_str("\xEF\xBB\xBF" "a\n\xEF\xBB\xBF" "b\n", CSVR_ENC_UTF8);
    expect_record(r, 1, "a", NULL);
    expect_record(r, 2, "\xEF\xBB\xBF" "b", NULL);
    expect_end(r);
    csvr_close(r);
}

static void test_gbk_memory(void **state)
{
    (void)state;
    const char *utf8 = "姓名,身份证号\r\n张三,110105194912310021\r\n";
    size_t len;
    char *gbk = to_gbk(utf8, &len);
    assert_true(len < strlen(utf8));          /* really re-encoded */

    char err[256];
    csvr_encoding encs[2] = {CSVR_ENC_AUTO, CSVR_ENC_GBK};
    for (int i = 0; i < 2; i++) {
        csvr *r = csvr_open_memory(gbk, len, encs[i], err, sizeof err);
        assert_non_null(r);
        assert_int_equal(csvr_detected_encoding(r), CSVR_ENC_GBK);
        expect_record(r, 1, "姓名", "身份证号", NULL);
        expect_record(r, 2, "张三", "110105194912310021", NULL);
        expect_end(r);
        csvr_close(r);
    }

    /* forced UTF-8 on GBK data fails on the line with the bad bytes */
    char *two = malloc(len + 16);
    assert_non_null(two);
    memcpy(two, "ok,1\n", 5);
    memcpy(two + 5, gbk, len);
    csvr *r = csvr_open_memory(two, len + 5, CSVR_ENC_UTF8, err, sizeof err);
    assert_non_null(r);
    expect_record(r, 1, "ok", "1", NULL);
    char **f;
    size_t n;
    assert_int_equal(csvr_next(r, &f, &n), -1);
    assert_non_null(strstr(csvr_error(r), "第 2 行"));
    assert_non_null(strstr(csvr_error(r), "UTF-8"));
    assert_int_equal(csvr_next(r, &f, &n), -1);   /* stays failed */
    csvr_close(r);
    free(two);
    free(gbk);
}

static void test_undetectable_encoding(void **state)
{
    (void)state;
    char err[256] = "";
    /* 0x80 and 0xFF are neither UTF-8 nor GB18030 */
    const char bin[] = "a,b\n\x80\xff\x80\xff\n";
    csvr *r = csvr_open_memory(bin, sizeof bin - 1, CSVR_ENC_AUTO, err, sizeof err);
    assert_null(r);
    assert_string_equal(err, "文件编码无法识别为 UTF-8 或 GBK");
}

static void test_short_rows_returned_as_is(void **state)
{
    (void)state;
    csvr *r = open_str("a,b,c\n1\n2,3\n4,5,6,7\n", CSVR_ENC_AUTO);
    expect_record(r, 1, "a", "b", "c", NULL);
    expect_record(r, 2, "1", NULL);
    expect_record(r, 3, "2", "3", NULL);
    expect_record(r, 4, "4", "5", "6", "7", NULL);
    expect_end(r);
    csvr_close(r);
}

static void test_empty_input(void **state)
{
    (void)state;
    char err[64];
    csvr *r = csvr_open_memory("", 0, CSVR_ENC_AUTO, err, sizeof err);
    assert_non_null(r);
    expect_end(r);
    csvr_close(r);
    r = open_str("\xEF\xBB\xBF\r\n\n", CSVR_ENC_AUTO);
    expect_end(r);
    csvr_close(r);
}

static void test_unterminated_quote(void **state)
{
    (void)state;
    csvr *r = open_str("a,b\nc,d\n\"open,e\nf,g\n", CSVR_ENC_AUTO);
    expect_record(r, 1, "a", "b", NULL);
    expect_record(r, 2, "c", "d", NULL);
    char **f;
    size_t n;
    assert_int_equal(csvr_next(r, &f, &n), -1);
    assert_non_null(strstr(csvr_error(r), "第 3 行"));
    assert_non_null(strstr(csvr_error(r), "引号不匹配"));
    csvr_close(r);
}

static void test_stray_quote_is_error(void **state)
{
    (void)state;
    csvr *r = open_str("a,b\n\"x\"y,z\n", CSVR_ENC_AUTO);
    expect_record(r, 1, "a", "b", NULL);
    char **f;
    size_t n;
    assert_int_equal(csvr_next(r, &f, &n), -1);
    assert_non_null(strstr(csvr_error(r), "第 2 行"));
    assert_non_null(strstr(csvr_error(r), "引号"));
    csvr_close(r);
}

static void test_open_missing_file(void **state)
{
    (void)state;
    char err[256];
    csvr *r = csvr_open_file("/nonexistent/dir/x.csv", CSVR_ENC_AUTO, err, sizeof err);
    assert_null(r);
    assert_string_equal(err, "无法打开文件 /nonexistent/dir/x.csv");
}

static void test_file_utf8(void **state)
{
    (void)state;
    const char *data = "\xEF\xBB\xBF姓名,备注\n王五,\"多行\n备注\"\n赵六,\n";
    char path[64], err[256];
    write_temp(path, data, strlen(data));
    csvr *r = csvr_open_file(path, CSVR_ENC_AUTO, err, sizeof err);
    unlink(path);                   /* the open file stays readable */
    assert_non_null(r);
    assert_int_equal(csvr_bytes_total(r), strlen(data));
    expect_record(r, 1, "姓名", "备注", NULL);
    expect_record(r, 2, "王五", "多行\n备注", NULL);
    expect_record(r, 4, "赵六", "", NULL);
    expect_end(r);
    assert_int_equal(csvr_bytes_read(r), strlen(data));
    csvr_close(r);
}

/* A GBK file of several 64 KiB chunks. The first row is padded so that
 * the first chunk ends in the middle of a two-byte character (the
 * reader must carry the lead byte over), and every row is checked. */
static void test_file_gbk_chunk_boundary(void **state)
{
    (void)state;
    const size_t chunk = 64 * 1024;
    const int rows = 20000;
    strbuf utf8 = STRBUF_INIT;

    sb_puts(&utf8, "序号,姓名,地址\r\n");
    /* the header is 4+1+4+1+4+2 = 16 GBK bytes; pad the first row so
     * the first chunk boundary falls inside the 张 that follows */
    size_t gbk_so_far = 16 + 2;             /* "0," */
    sb_puts(&utf8, "0,");
    while (gbk_so_far < chunk - 1) {
        sb_putc(&utf8, 'x');
        gbk_so_far++;
    }
    sb_puts(&utf8, "张,东营路\r\n");        /* 张 occupies chunk-1 .. chunk */
    for (int i = 1; i < rows; i++)
        sb_printf(&utf8, "%d,张%d,\"山东省东营市\r\n%d号\"\r\n", i, i, i);

    size_t len;
    char *gbk = to_gbk(utf8.data, &len);
    assert_true(len > 3 * chunk);
    /* the boundary really splits a GBK double-byte character */
    assert_true((unsigned char)gbk[chunk - 1] >= 0x81);
    assert_memory_equal(gbk + chunk - 1, "\xD5\xC5", 2);   /* 张 in GBK */

    char path[64], err[256];
    write_temp(path, gbk, len);
    free(gbk);

    csvr *r = csvr_open_file(path, CSVR_ENC_AUTO, err, sizeof err);
    unlink(path);                   /* the open file stays readable */
    if (!r)
        fail_msg("open: %s", err);
    assert_int_equal(csvr_detected_encoding(r), CSVR_ENC_GBK);
    assert_int_equal(csvr_bytes_total(r), len);
    assert_true(csvr_bytes_read(r) <= chunk);    /* streamed, not slurped */
    expect_record(r, 1, "序号", "姓名", "地址", NULL);

    char **f;
    size_t n;
    assert_int_equal(csvr_next(r, &f, &n), 1);
    assert_int_equal(n, 3);
    assert_int_equal(strlen(f[1]), chunk - 1 - 18 + 3);    /* x's + 张 */
    assert_string_equal(f[1] + strlen(f[1]) - 3, "张");
    assert_string_equal(f[2], "东营路");

    char name[32], addr[64], num[16];
    for (int i = 1; i < rows; i++) {
        snprintf(num, sizeof num, "%d", i);
        snprintf(name, sizeof name, "张%d", i);
        snprintf(addr, sizeof addr, "山东省东营市\r\n%d号", i);
        expect_record(r, (size_t)(3 + 2 * (i - 1)), num, name, addr, NULL);
    }
    expect_end(r);
    assert_int_equal(csvr_bytes_read(r), len);
    csvr_close(r);
    sb_free(&utf8);
}

/* UTF-8 file larger than a chunk whose boundary splits a 3-byte char. */
static void test_file_utf8_chunk_boundary(void **state)
{
    (void)state;
    const size_t chunk = 64 * 1024;
    strbuf s = STRBUF_INIT;
    sb_puts(&s, "a,");
    while (s.len < chunk - 1)
        sb_putc(&s, 'y');
    sb_puts(&s, "东\n");                 /* bytes chunk-1 .. chunk+1 */
    for (int i = 0; i < 5000; i++)
        sb_printf(&s, "%d,东营\n", i);

    char path[64], err[256];
    write_temp(path, s.data, s.len);
    csvr *r = csvr_open_file(path, CSVR_ENC_AUTO, err, sizeof err);
    unlink(path);                   /* the open file stays readable */
    if (!r)
        fail_msg("open: %s", err);
    assert_int_equal(csvr_detected_encoding(r), CSVR_ENC_UTF8);
    char **f;
    size_t n;
    assert_int_equal(csvr_next(r, &f, &n), 1);
    assert_int_equal(n, 2);
    assert_string_equal(f[1] + strlen(f[1]) - 3, "东");
    for (int i = 0; i < 5000; i++) {
        char num[16];
        snprintf(num, sizeof num, "%d", i);
        expect_record(r, (size_t)i + 2, num, "东营", NULL);
    }
    expect_end(r);
    csvr_close(r);
    sb_free(&s);
}

static void test_truncated_char_at_end(void **state)
{
    (void)state;
    const char data[] = "a,b\nc,\xE5\xBC";   /* 张 cut short */
    char err[128];
    csvr *r = csvr_open_memory(data, sizeof data - 1, CSVR_ENC_UTF8, err, sizeof err);
    assert_non_null(r);
    expect_record(r, 1, "a", "b", NULL);
    char **f;
    size_t n;
    assert_int_equal(csvr_next(r, &f, &n), -1);
    assert_non_null(strstr(csvr_error(r), "第 2 行"));
    csvr_close(r);
}

static void test_error_message_truncation(void **state)
{
    (void)state;
    /* a too-small buffer never ends in half a character */
    char err[8];
    csvr *r = csvr_open_file("/nonexistent", CSVR_ENC_AUTO, err, sizeof err);
    assert_null(r);
    assert_string_equal(err, "无法");   /* 6 bytes; "打" would need 9 */
}

/* ---- writing ------------------------------------------------------------ */

static void test_write_fields(void **state)
{
    (void)state;
    strbuf out = STRBUF_INIT;
    csvw_field(&out, "plain");
    assert_string_equal(out.data, "plain");
    sb_reset(&out);
    csvw_field(&out, "a,b");
    assert_string_equal(out.data, "\"a,b\"");
    sb_reset(&out);
    csvw_field(&out, "say \"hi\"");
    assert_string_equal(out.data, "\"say \"\"hi\"\"\"");
    sb_reset(&out);
    csvw_field(&out, "line1\nline2");
    assert_string_equal(out.data, "\"line1\nline2\"");
    sb_reset(&out);
    csvw_field(&out, "cr\r");
    assert_string_equal(out.data, "\"cr\r\"");
    sb_reset(&out);
    csvw_field(&out, "张三");
    assert_string_equal(out.data, "张三");
    sb_reset(&out);
    csvw_field(&out, NULL);
    assert_string_equal(out.data ? out.data : "", "");
    sb_free(&out);
}

static void test_write_formula_injection(void **state)
{
    (void)state;
    strbuf out = STRBUF_INIT;
    csvw_field(&out, "=1+1");
    assert_string_equal(out.data, "\"'=1+1\"");
    sb_reset(&out);
    csvw_field(&out, "+86");
    assert_string_equal(out.data, "\"'+86\"");
    sb_reset(&out);
    csvw_field(&out, "-2");
    assert_string_equal(out.data, "\"'-2\"");
    sb_reset(&out);
    csvw_field(&out, "@SUM(A1)");
    assert_string_equal(out.data, "\"'@SUM(A1)\"");
    sb_reset(&out);
    csvw_field(&out, "=HYPERLINK(\"x\")");
    assert_string_equal(out.data, "\"'=HYPERLINK(\"\"x\"\")\"");
    sb_reset(&out);
    csvw_field(&out, "a=1");          /* only a leading sign counts */
    assert_string_equal(out.data, "a=1");
    sb_free(&out);
}

static void test_write_row_round_trip(void **state)
{
    (void)state;
    const char *row1[] = {"姓名", "备注", "金额"};
    const char *row2[] = {"张三", "住址:\"东营\",\n3号", " 520 "};
    const char *row3[] = {"", NULL, "x"};
    strbuf out = STRBUF_INIT;
    csvw_row(&out, row1, 3);
    csvw_row(&out, row2, 3);
    csvw_row(&out, row3, 3);
    assert_string_equal(out.data,
                        "姓名,备注,金额\r\n"
                        "张三,\"住址:\"\"东营\"\",\n3号\",\" 520 \"\r\n"
                        ",,x\r\n");

    csvr *r = open_str(out.data, CSVR_ENC_AUTO);
    expect_record(r, 1, "姓名", "备注", "金额", NULL);
    expect_record(r, 2, "张三", "住址:\"东营\",\n3号", " 520 ", NULL);
    expect_record(r, 4, "", "", "x", NULL);
    expect_end(r);
    csvr_close(r);
    sb_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple),
        cmocka_unit_test(test_quotes),
        cmocka_unit_test(test_empty_fields_are_empty_strings),
        cmocka_unit_test(test_embedded_newline_and_lines),
        cmocka_unit_test(test_crlf_and_blank_lines),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_gbk_memory),
        cmocka_unit_test(test_undetectable_encoding),
        cmocka_unit_test(test_short_rows_returned_as_is),
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_unterminated_quote),
        cmocka_unit_test(test_stray_quote_is_error),
        cmocka_unit_test(test_open_missing_file),
        cmocka_unit_test(test_file_utf8),
        cmocka_unit_test(test_file_gbk_chunk_boundary),
        cmocka_unit_test(test_file_utf8_chunk_boundary),
        cmocka_unit_test(test_truncated_char_at_end),
        cmocka_unit_test(test_error_message_truncation),
        cmocka_unit_test(test_write_fields),
        cmocka_unit_test(test_write_formula_injection),
        cmocka_unit_test(test_write_row_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
