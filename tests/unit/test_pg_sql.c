/* test_pg_sql.c — the PostgreSQL backend's text rules without a server
 * (storage/pg_sql.c): '?' placeholders become $n everywhere except in
 * literals, quoted identifiers, dollar quotes and comments; numbered
 * '?NNN' keep their number and plain '?' continue after the highest;
 * which --db arguments are PostgreSQL (db_is_postgres); and how messages
 * show them, the password hidden (db_display_name); and how a value is
 * written in COPY's text format (pg_copy_field: backslash, tab, newline
 * and carriage return escaped, NULL as \N, UTF-8 as it is). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/db.h"
#include "storage/pg_sql.h"
#include "util/strbuf.h"

/* Translates sql and checks the text and the parameter count. */
static void check(const char *sql, const char *want, int nparams)
{
    char *out = NULL;
    int n = pg_translate_placeholders(sql, &out);
    assert_non_null(out);
    assert_string_equal(out, want);
    assert_int_equal(n, nparams);
    free(out);
}

static void shown(const char *arg, const char *want)
{
    char out[256];
    assert_ptr_equal(db_display_name(arg, out, sizeof out), out);
    assert_string_equal(out, want);
}

static void test_display_name_hides_passwords(void **state)
{
    shown("minsheng.db", "minsheng.db");
    shown("/srv/password=x.db", "/srv/password=x.db");   /* a file path is shown as it is */
    shown("postgresql://ms@db1:5432/minsheng", "postgresql://ms@db1:5432/minsheng");
    shown("postgresql://ms:s3cret@db1:5432/minsheng", "postgresql://ms:***@db1:5432/minsheng");
    shown("postgres://ms:a:b@db1/minsheng?sslmode=require", "postgres://ms:***@db1/minsheng?sslmode=require");
    shown("postgresql://db1/minsheng?user=ms&password=s3cret&sslmode=require",
          "postgresql://db1/minsheng?user=ms&password=***&sslmode=require");
    shown("postgresql://db1/x?password=s3cret", "postgresql://db1/x?password=***");
    shown("host=db1 password=s3cret dbname=minsheng", "host=db1 password=*** dbname=minsheng");
    shown("host=db1 password='s 3\\'x' dbname=minsheng", "host=db1 password=*** dbname=minsheng");
    shown("dbname=minsheng password=s3cret", "dbname=minsheng password=***");
    shown("dbname=minsheng sslpassword=k", "dbname=minsheng sslpassword=k");
}

static void test_plain_placeholders_are_numbered_in_order(void **state)
{
    check("SELECT 1", "SELECT 1", 0);
    check("", "", 0);
    check("SELECT a FROM t WHERE id = ?", "SELECT a FROM t WHERE id = $1", 1);
    check("INSERT INTO t(a,b,c) VALUES (?,?,?)", "INSERT INTO t(a,b,c) VALUES ($1,$2,$3)", 3);
    check("SELECT ?+1, ?||'x'", "SELECT $1+1, $2||'x'", 2);
    check("?", "$1", 1);
}

static void test_many_placeholders(void **state)
{
    char sql[4096], want[8192];
    size_t a = 0, b = 0;
    a += (size_t)snprintf(sql + a, sizeof sql - a, "VALUES (");
    b += (size_t)snprintf(want + b, sizeof want - b, "VALUES (");
    for (int i = 1; i <= 250; i++) {
        a += (size_t)snprintf(sql + a, sizeof sql - a, "%s?", i > 1 ? "," : "");
        b += (size_t)snprintf(want + b, sizeof want - b, "%s$%d", i > 1 ? "," : "", i);
    }
    snprintf(sql + a, sizeof sql - a, ")");
    snprintf(want + b, sizeof want - b, ")");
    check(sql, want, 250);
}

/* SQLite's numbered form, as counts.c uses it: ?1 is $1 wherever it
 * appears, and a plain ? after ?2 is the third. */
static void test_numbered_placeholders(void **state)
{
    check("WHERE path >= ?1 AND path < ?1 || 'z' AND what = ?2", "WHERE path >= $1 AND path < $1 || 'z' AND what = $2", 2);
    check("SELECT ?2, ?", "SELECT $2, $3", 3);
    check("SELECT ?10", "SELECT $10", 10);
    char *out = (char *)1;
    assert_int_equal(pg_translate_placeholders("SELECT ?0", &out), -1);
    assert_null(out);
    assert_int_equal(pg_translate_placeholders("SELECT ?70000", &out), -1);
}

static void test_string_literals_are_left_alone(void **state)
{
    check("SELECT '?' , ?", "SELECT '?' , $1", 1);
    check("SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1", 1);
    check("SELECT '', ?", "SELECT '', $1", 1);
    check("SELECT '''?''', ?", "SELECT '''?''', $1", 1);
    check("SELECT '住址?门牌', ?", "SELECT '住址?门牌', $1", 1);
    /* E'...': a backslash escapes the quote. */
    check("SELECT E'a\\'?', ?", "SELECT E'a\\'?', $1", 1);
    check("SELECT e'\\\\', ?", "SELECT e'\\\\', $1", 1);
    /* In a standard string a backslash is an ordinary character. */
    check("SELECT 'a\\', ?", "SELECT 'a\\', $1", 1);
    /* "LIKE" ending in E before a quote is not an E string. */
    check("SELECT x FROM t WHERE nameE'?'", "SELECT x FROM t WHERE nameE'?'", 0);
    /* An unclosed literal runs to the end (the server reports it). */
    check("SELECT '?", "SELECT '?", 0);
}

static void test_quoted_identifiers_are_left_alone(void **state)
{
    check("SELECT \"a?b\" FROM t WHERE x = ?", "SELECT \"a?b\" FROM t WHERE x = $1", 1);
    check("SELECT \"a\"\"?\" , ?", "SELECT \"a\"\"?\" , $1", 1);
}

static void test_comments_are_left_alone(void **state)
{
    check("SELECT ? -- why?\n, ?", "SELECT $1 -- why?\n, $2", 2);
    check("SELECT ? -- why?", "SELECT $1 -- why?", 1);
    check("SELECT /* ? */ ?", "SELECT /* ? */ $1", 1);
    check("SELECT /* a /* nested ? */ still ? */ ?", "SELECT /* a /* nested ? */ still ? */ $1", 1);
    check("SELECT 1 - -?", "SELECT 1 - -$1", 1);
    check("SELECT 4/2, ?", "SELECT 4/2, $1", 1);
}

static void test_dollar_quotes_are_left_alone(void **state)
{
    check("SELECT $$?$$, ?", "SELECT $$?$$, $1", 1);
    check("SELECT $f$ it's ? $$ $f$, ?", "SELECT $f$ it's ? $$ $f$, $1", 1);
    /* Positional $1 and a '$' inside an identifier are not quotes. */
    check("SELECT $1, ?", "SELECT $1, $1", 1);
    check("SELECT a$b$ FROM t WHERE x = ?", "SELECT a$b$ FROM t WHERE x = $1", 1);
}

static void test_postgres_arguments(void **state)
{
    assert_true(db_is_postgres("postgresql://postgres@127.0.0.1:5432/minsheng"));
    assert_true(db_is_postgres("postgres://u:p@db1/minsheng?sslmode=require"));
    assert_true(db_is_postgres("postgresql:///minsheng"));
    assert_true(db_is_postgres("host=db1 dbname=minsheng"));
    assert_true(db_is_postgres("dbname=minsheng"));
    assert_true(db_is_postgres("  host = /var/run/postgresql dbname=x"));
    assert_true(db_is_postgres("service=minsheng"));
}

static void test_sqlite_arguments(void **state)
{
    assert_false(db_is_postgres("minsheng.db"));
    assert_false(db_is_postgres("/srv/minsheng/street.db"));
    assert_false(db_is_postgres(":memory:"));
    assert_false(db_is_postgres(""));
    assert_false(db_is_postgres(NULL));
    assert_false(db_is_postgres("./host=x.db"));        /* a path: '/' before '=' */
    assert_false(db_is_postgres("a=b.db"));              /* "a" is no libpq keyword */
    assert_false(db_is_postgres("backup=2026.db"));
    assert_false(db_is_postgres("Host=x"));              /* keywords are lower case */
    assert_false(db_is_postgres("postgresql:/x.db"));
    assert_false(db_is_postgres("dbname"));
    assert_false(db_is_postgres("街道=1.db"));
}

/* One field as pg_copy_field writes it (n bytes of v; v NULL: SQL NULL). */
static void copied(const char *v, size_t n, const char *want)
{
    strbuf sb = STRBUF_INIT;
    pg_copy_field(&sb, v, n);
    assert_string_equal(sb.data ? sb.data : "", want);
    sb_free(&sb);
}

static void test_copy_field_escapes(void **state)
{
    copied(NULL, 0, "\\N");                                   /* SQL NULL */
    copied("", 0, "");                                          /* the empty text, not NULL */
    copied("plain 文本", strlen("plain 文本"), "plain 文本");   /* UTF-8 as it is */
    copied("a\tb", 3, "a\\tb");                               /* a tab */
    copied("line1\nline2\r\n", 13, "line1\\nline2\\r\\n");
    copied("C:\\路径\\", strlen("C:\\路径\\"), "C:\\\\路径\\\\");   /* backslashes doubled */
    copied("\\N", 2, "\\\\N");                                /* the text \N is not NULL */
    copied("\\.", 2, "\\\\.");                                /* nor the end-of-data marker */
    copied("\t\t", 2, "\\t\\t");                              /* only tabs */
    copied("x\ty", 1, "x");                                    /* n bytes, not up to the NUL */
    copied("备注\t含\\反斜杠\n和换行", strlen("备注\t含\\反斜杠\n和换行"), "备注\\t含\\\\反斜杠\\n和换行");
    /* other control bytes pass: COPY reads them as themselves */
    copied("\x01\x7f", 2, "\x01\x7f");
    /* appends: a row is its fields with the caller's tabs between */
    strbuf sb = STRBUF_INIT;
    pg_copy_field(&sb, "1", 1);
    sb_putc(&sb, '\t');
    pg_copy_field(&sb, NULL, 0);
    sb_putc(&sb, '\t');
    pg_copy_field(&sb, "a\tb", 3);
    assert_string_equal(sb.data, "1\t\\N\ta\\tb");
    sb_free(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_placeholders_are_numbered_in_order),
        cmocka_unit_test(test_many_placeholders),
        cmocka_unit_test(test_numbered_placeholders),
        cmocka_unit_test(test_string_literals_are_left_alone),
        cmocka_unit_test(test_quoted_identifiers_are_left_alone),
        cmocka_unit_test(test_comments_are_left_alone),
        cmocka_unit_test(test_dollar_quotes_are_left_alone),
        cmocka_unit_test(test_postgres_arguments),
        cmocka_unit_test(test_sqlite_arguments),
        cmocka_unit_test(test_display_name_hides_passwords),
        cmocka_unit_test(test_copy_field_escapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
