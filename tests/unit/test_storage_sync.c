/* test_storage_sync.c — the storage layer's durability settings
 * (storage/db_sqlite.c, "durability"), on a real database file, in the
 * default group-commit mode: connections run synchronous=OFF with
 * secure_delete on; commits from many threads at once all come back
 * durable-and-visible; and, since the connections never checkpoint, the
 * checkpointer thread keeps the WAL from growing without bound and the
 * last close leaves no WAL behind. (Power cuts themselves are
 * tests/api/test_crash.c.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/db.h"

static char dir[64], path[128], wal[140];

static int setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/minsheng-unit-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/t.db", dir);
    snprintf(wal, sizeof wal, "%s-wal", path);
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static db_conn *open_or_fail(void)
{
    char err[256];
    db_conn *db = db_open(path, err, sizeof err);
    if (!db)
        fail_msg("%s", err);
    return db;
}

static void test_group_mode_settings(void **state)
{
    db_conn *db = open_or_fail();
    assert_string_equal(db_sync_mode_name(), "group");
    assert_int_equal(db_one_int(db, -1, "PRAGMA synchronous"), 0);   /* OFF: db_sync does the fsync */
    assert_int_equal(db_one_int(db, -1, "PRAGMA secure_delete"), 1);
    assert_int_equal(db_sync(db), 0);   /* nothing committed: nothing to do */
    db_close(db);
}

enum { THREADS = 8, COMMITS = 25 };

static void *commit_many(void *arg)
{
    db_conn *db = open_or_fail();
    intptr_t t = (intptr_t)arg;
    for (int i = 0; i < COMMITS; i++) {
        if (db_begin(db) != DB_DONE ||
            db_exec_args(db, "INSERT INTO t(writer, n) VALUES (?, ?)", DB_INT(t), DB_INT(i)) != DB_DONE ||
            db_commit(db) != DB_DONE)
            abort();
    }
    db_close(db);
    return NULL;
}

static void test_concurrent_commits_all_land(void **state)
{
    db_conn *db = open_or_fail();
    assert_int_equal(db_exec(db, "CREATE TABLE t(writer INTEGER, n INTEGER)"), DB_DONE);
    pthread_t th[THREADS];
    for (intptr_t t = 0; t < THREADS; t++)
        assert_int_equal(pthread_create(&th[t], NULL, commit_many, (void *)t), 0);
    for (int t = 0; t < THREADS; t++)
        pthread_join(th[t], NULL);
    assert_int_equal(db_one_int(db, -1, "SELECT COUNT(*) FROM t"), THREADS * COMMITS);
    db_close(db);
}

static long long file_size(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? (long long)st.st_size : -1;
}

/* 400 commits of 16 pages each: 6,400 frames. Without checkpoints the
 * WAL would pass 26 MB; the checkpointer keeps it near 1,000-4,000
 * frames, and the last close checkpoints it away. */
static void test_checkpointer_bounds_the_wal(void **state)
{
    db_conn *db = open_or_fail();
    assert_int_equal(db_exec(db, "CREATE TABLE big(id INTEGER PRIMARY KEY, b BLOB)"), DB_DONE);
    long long biggest = 0;
    for (int i = 0; i < 400; i++) {
        assert_int_equal(db_begin(db), DB_DONE);
        assert_int_equal(db_exec_args(db, "REPLACE INTO big(id, b) VALUES (?, zeroblob(60000))", DB_INT(i % 50)),
                         DB_DONE);
        assert_int_equal(db_commit(db), DB_DONE);
        long long sz = file_size(wal);
        if (sz > biggest)
            biggest = sz;
    }
    assert_true(biggest > 0);
    assert_true(biggest < 6000LL * (4096 + 24));
    db_close(db);
    assert_int_equal(file_size(wal), -1);
    db = open_or_fail();
    assert_int_equal(db_one_int(db, -1, "SELECT COUNT(*) FROM big"), 50);
    db_close(db);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_group_mode_settings),
        T(test_concurrent_commits_all_land),
        T(test_checkpointer_bounds_the_wal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
