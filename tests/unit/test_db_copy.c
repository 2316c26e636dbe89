/* test_db_copy.c — db_copy's batched mode on SQLite (storage/db_copy.c,
 * DB_COPY_BATCHED), on a real database file: rows are kept
 * DB_COPY_BATCH at a time and a full batch goes in as one INSERT, the
 * rest at the flush; a kept text is the row's own copy (the caller's
 * buffer may change after db_copy_row); a NULL text is SQL NULL; a
 * constraint a row breaks shows as an error code (at the row that filled
 * the batch, or at the flush) and a discarded copy sends nothing.
 * PostgreSQL's COPY path is tested in test_db_pg.c. */
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

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/minsheng-unit-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/t.db", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char f[160];
    const char *sfx[] = {"", "-wal", "-shm"};
    for (size_t k = 0; k < 3; k++) {
        snprintf(f, sizeof f, "%s%s", path, sfx[k]);
        unlink(f);
    }
    rmdir(dir);
    return 0;
}

static db_conn *fresh_table(void)
{
    char err[256];
    db_conn *db = db_open(path, err, sizeof err);
    if (!db)
        fail_msg("%s", err);
    assert_int_equal(db_exec(db, "DROP TABLE IF EXISTS t;"
                                 " CREATE TABLE t(i INTEGER PRIMARY KEY, s TEXT, n INTEGER CHECK (n >= 0))"),
                     DB_DONE);
    return db;
}

/* Two full batches and three rows: the full batches are in the table
 * before the flush, the three after it; every value as given. */
static void batches_and_the_rest(void **state)
{
    (void)state;
    db_conn *db = fresh_table();
    db_copy *cp = db_copy_open(db, "t", "i, s, n", DB_COPY_BATCHED);
    int total = 2 * DB_COPY_BATCH + 3;
    char text[32];
    for (int k = 1; k <= total; k++) {
        snprintf(text, sizeof text, "行%d", k);
        db_arg s = k % 10 == 0 ? DB_TEXT(NULL) : DB_TEXT(text);
        assert_int_equal(db_copy_row(cp, DB_INT(k), s, DB_INT(k * 3)), DB_DONE);
        memset(text, 'x', sizeof text - 1);   /* the kept row is a copy */
    }
    assert_int_equal(db_copy_pending(cp), 3);
    assert_int_equal(db_one_int(db, -1, "SELECT count(*) FROM t"), 2 * DB_COPY_BATCH);
    assert_int_equal(db_copy_flush(cp), DB_DONE);
    assert_int_equal(db_copy_pending(cp), 0);
    assert_int_equal(db_one_int(db, -1, "SELECT count(*) FROM t"), total);
    assert_int_equal(db_one_int(db, -1, "SELECT count(*) FROM t WHERE s IS NULL"), total / 10);
    assert_int_equal(db_one_int(db, -1, "SELECT sum(n) FROM t"), 3 * total * (total + 1) / 2);
    for (int k = 1; k <= total; k++) {
        if (k % 10 == 0)
            continue;
        char want[32];
        snprintf(want, sizeof want, "行%d", k);
        db_stmt *st = db_prepare(db, "SELECT s FROM t WHERE i = ?");
        db_bind_args(st, 1, (db_arg[]){DB_INT(k), DB_END});
        assert_int_equal(db_step(st), DB_ROW);
        assert_string_equal(db_col_text(st, 0), want);
        db_finalize(st);
    }
    db_copy_close(cp);
    db_close(db);
}

/* A row breaking a CHECK: the batch it is in fails as a whole, at the
 * row that filled it; in the rest, at the flush. */
static void a_broken_row_shows(void **state)
{
    (void)state;
    db_conn *db = fresh_table();
    db_copy *cp = db_copy_open(db, "t", "i, s, n", DB_COPY_BATCHED);
    int rc = DB_DONE;
    for (int k = 1; k <= DB_COPY_BATCH; k++) {
        rc = db_copy_row(cp, DB_INT(k), DB_TEXT("a"), DB_INT(k == 5 ? -1 : k));
        if (k < DB_COPY_BATCH)
            assert_int_equal(rc, DB_DONE);
    }
    assert_int_not_equal(rc, DB_DONE);
    assert_int_equal(db_one_int(db, -1, "SELECT count(*) FROM t"), 0);
    assert_int_equal(db_copy_row(cp, DB_INT(1000), DB_TEXT("b"), DB_INT(-7)), DB_DONE);   /* kept */
    assert_int_not_equal(db_copy_flush(cp), DB_DONE);
    assert_int_equal(db_copy_pending(cp), 0);
    db_copy_close(cp);
    db_close(db);
}

/* Discarded rows are never sent; closing a copy with rows kept frees
 * them (the sanitizers see a leak otherwise) and sends nothing. */
static void discarded_rows_stay_out(void **state)
{
    (void)state;
    db_conn *db = fresh_table();
    db_copy *cp = db_copy_open(db, "t", "i, s, n", DB_COPY_BATCHED);
    for (int k = 1; k <= 5; k++)
        assert_int_equal(db_copy_row(cp, DB_INT(k), DB_TEXT("甲"), DB_INT(k)), DB_DONE);
    db_copy_discard(cp);
    assert_int_equal(db_copy_pending(cp), 0);
    assert_int_equal(db_copy_flush(cp), DB_DONE);
    for (int k = 1; k <= 5; k++)
        assert_int_equal(db_copy_row(cp, DB_INT(k), DB_TEXT("乙"), DB_INT(k)), DB_DONE);
    db_copy_close(cp);
    assert_int_equal(db_one_int(db, -1, "SELECT count(*) FROM t"), 0);
    db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(batches_and_the_rest),
        cmocka_unit_test(a_broken_row_shows),
        cmocka_unit_test(discarded_rows_stay_out),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
