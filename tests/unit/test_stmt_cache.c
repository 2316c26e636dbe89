/* test_stmt_cache.c — the per-connection cache of prepared statements
 * (storage/db.c, "statements", with SQLite), on a real database file: a
 * finished statement is reused for the same SQL text, two uses of one
 * text at once get two statements with their own bindings and cursors,
 * nothing bound or stepped in one use shows in the next, the cache stays
 * within DB_STMT_CACHE_MAX, and a statement kept across a schema change
 * (this connection's or another's) sees the new schema. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "storage/db.h"

static char dir[64], path[128];

static db_conn *open_or_fail(void)
{
    char err[256];
    db_conn *db = db_open(path, err, sizeof err);
    if (!db)
        fail_msg("%s", err);
    return db;
}

static int setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/minsheng-unit-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/t.db", dir);
    db_conn *db = open_or_fail();
    assert_int_equal(db_exec(db, "CREATE TABLE t(x INTEGER); INSERT INTO t VALUES (1),(2),(3)"), DB_DONE);
    db_close(db);
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *const SQL_FROM = "SELECT x FROM t WHERE x >= ? ORDER BY x";

/* The same text prepared again after its finalize is the kept statement. */
static void test_finished_statement_is_reused(void **state)
{
    db_conn *db = open_or_fail();
    db_stmt *a = db_query(db, SQL_FROM, DB_INT(2));
    assert_int_equal(db_step(a), DB_ROW);
    assert_int_equal(db_col_int(a, 0), 2);
    db_finalize(a);
    assert_int_equal(db_stmt_cache_size(db), 1);
    /* Keyed by text: the same SQL from another buffer finds it too. */
    char copy[128];
    snprintf(copy, sizeof copy, "%s", SQL_FROM);
    db_stmt *b = db_query(db, copy, DB_INT(1));
    assert_ptr_equal(a, b);
    assert_int_equal(db_stmt_cache_size(db), 0);   /* in use: out of the cache */
    assert_int_equal(db_step(b), DB_ROW);
    assert_int_equal(db_col_int(b, 0), 1);   /* its own binding, from the first row */
    db_finalize(b);
    db_close(db);
}

/* One text used twice at once (a query inside the loop of another):
 * two statements, each with its own binding and cursor. */
static void test_nested_use_gets_its_own_statement(void **state)
{
    db_conn *db = open_or_fail();
    db_finalize(db_prepare(db, SQL_FROM));   /* one idle in the cache */
    int64_t outer_seen[4] = {0}, inner_sum = 0;
    int n = 0;
    db_stmt *outer = db_query(db, SQL_FROM, DB_INT(1));
    while (db_step(outer) == DB_ROW) {
        outer_seen[n++] = db_col_int(outer, 0);
        db_stmt *inner = db_query(db, SQL_FROM, DB_INT(db_col_int(outer, 0) + 1));
        assert_ptr_not_equal(inner, outer);
        while (db_step(inner) == DB_ROW)
            inner_sum += db_col_int(inner, 0);
        db_finalize(inner);
        assert_true(n < 4);
    }
    db_finalize(outer);
    assert_int_equal(n, 3);
    assert_int_equal(outer_seen[0], 1);
    assert_int_equal(outer_seen[1], 2);
    assert_int_equal(outer_seen[2], 3);
    assert_int_equal(inner_sum, (2 + 3) + 3);
    /* Both came back; one of each text is kept. */
    assert_int_equal(db_stmt_cache_size(db), 1);
    /* And three at once, interleaved, while the cache holds one. */
    db_stmt *s[3];
    for (int i = 0; i < 3; i++)
        s[i] = db_query(db, SQL_FROM, DB_INT(i + 1));
    for (int i = 0; i < 3; i++) {
        assert_int_equal(db_step(s[i]), DB_ROW);
        assert_int_equal(db_col_int(s[i], 0), i + 1);
    }
    for (int i = 0; i < 3; i++)
        db_finalize(s[i]);
    assert_int_equal(db_stmt_cache_size(db), 1);
    db_close(db);
}

/* Nothing of one use carries into the next: bindings are cleared, the
 * cursor starts again, and a statement left mid-result holds no read
 * transaction (it would hide later commits of other connections). */
static void test_nothing_carries_over(void **state)
{
    db_conn *db = open_or_fail();
    db_stmt *s = db_query(db, "SELECT ?, ?", DB_INT(7), DB_TEXT("秘密"));
    assert_int_equal(db_step(s), DB_ROW);
    db_finalize(s);
    s = db_prepare(db, "SELECT ?, ?");
    assert_int_equal(db_step(s), DB_ROW);
    assert_true(db_col_is_null(s, 0));
    assert_true(db_col_is_null(s, 1));
    db_finalize(s);

    s = db_query(db, SQL_FROM, DB_INT(1));
    assert_int_equal(db_step(s), DB_ROW);   /* left after the first row */
    db_finalize(s);
    db_conn *other = open_or_fail();
    assert_int_equal(db_exec(other, "INSERT INTO t VALUES (4)"), DB_DONE);
    db_close(other);
    assert_int_equal(db_one_int(db, -1, "SELECT COUNT(*) FROM t"), 4);
    s = db_query(db, SQL_FROM, DB_INT(1));
    int n = 0;
    while (db_step(s) == DB_ROW)
        assert_int_equal(db_col_int(s, 0), ++n);
    db_finalize(s);
    assert_int_equal(n, 4);
    db_close(db);
}

/* Many distinct texts: the cache keeps at most DB_STMT_CACHE_MAX, the
 * newest; every statement still answers right. */
static void test_cache_is_bounded(void **state)
{
    db_conn *db = open_or_fail();
    char sql[64];
    for (int i = 0; i < 3 * DB_STMT_CACHE_MAX; i++) {
        snprintf(sql, sizeof sql, "SELECT %d + ?", i);
        assert_int_equal(db_one_int(db, -1, sql, DB_INT(1)), i + 1);
        assert_true(db_stmt_cache_size(db) <= DB_STMT_CACHE_MAX);
    }
    assert_int_equal(db_stmt_cache_size(db), DB_STMT_CACHE_MAX);
    /* The oldest went, the newest stayed: a kept one is not prepared again. */
    snprintf(sql, sizeof sql, "SELECT %d + ?", 3 * DB_STMT_CACHE_MAX - 1);
    db_stmt *kept = db_prepare(db, sql);
    assert_int_equal(db_stmt_cache_size(db), DB_STMT_CACHE_MAX - 1);
    db_finalize(kept);
    assert_int_equal(db_one_int(db, -1, "SELECT 0 + ?", DB_INT(5)), 5);
    assert_int_equal(db_stmt_cache_size(db), DB_STMT_CACHE_MAX);
    db_close(db);
}

/* A kept statement after the schema changed — a column added, the table
 * rebuilt with other columns — on this connection or another. */
static void test_statement_after_schema_change(void **state)
{
    db_conn *db = open_or_fail();
    static const char *const SQL_ALL = "SELECT * FROM t WHERE x = ?";
    db_stmt *s = db_query(db, SQL_ALL, DB_INT(2));
    assert_int_equal(db_step(s), DB_ROW);
    assert_int_equal(db_column_count(s), 1);
    db_finalize(s);
    assert_int_equal(db_stmt_cache_size(db), 1);

    assert_int_equal(db_exec(db, "ALTER TABLE t ADD COLUMN y TEXT DEFAULT 'y'"), DB_DONE);
    s = db_query(db, SQL_ALL, DB_INT(2));
    assert_int_equal(db_step(s), DB_ROW);
    assert_int_equal(db_column_count(s), 2);
    assert_string_equal(db_col_text(s, 1), "y");
    db_finalize(s);

    db_conn *other = open_or_fail();   /* another connection rebuilds the table */
    assert_int_equal(db_exec(other, "DROP TABLE t; CREATE TABLE t(a TEXT, x INTEGER, b INTEGER);"
                                    " INSERT INTO t VALUES ('a', 2, 9)"),
                     DB_DONE);
    db_close(other);
    s = db_query(db, SQL_ALL, DB_INT(2));
    assert_int_equal(db_step(s), DB_ROW);
    assert_int_equal(db_column_count(s), 3);
    assert_string_equal(db_column_name(s, 2), "b");
    assert_int_equal(db_col_int(s, 2), 9);
    assert_int_equal(db_step(s), DB_DONE);
    db_finalize(s);
    db_close(db);
}

/* Migrations run on a connection whose cache holds statements, and
 * statements kept from before them still work after. */
static void test_migrations_beside_kept_statements(void **state)
{
    char err[256];
    db_conn *db = open_or_fail();
    assert_int_equal(db_one_int(db, -1, "SELECT COUNT(*) FROM t"), 3);
    assert_int_equal(db_migrate(db, err, sizeof err), 0);
    assert_int_equal(db_schema_version(db), db_schema_latest());
    assert_int_equal(db_one_int(db, -1, "SELECT COUNT(*) FROM t"), 3);
    assert_true(db_stmt_cache_size(db) > 0);
    db_close(db);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_finished_statement_is_reused),
        T(test_nested_use_gets_its_own_statement),
        T(test_nothing_carries_over),
        T(test_cache_is_bounded),
        T(test_statement_after_schema_change),
        T(test_migrations_beside_kept_statements),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
