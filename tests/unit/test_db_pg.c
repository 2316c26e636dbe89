/* test_db_pg.c — the PostgreSQL backend of db.h (storage/db_pg.c) on a
 * real server: a throwaway cluster that scripts/pg-temp.sh starts for
 * this test and removes afterwards (or the one MINSHENG_TEST_PG_URI
 * names). Every bind type and NULL round-trips, Chinese text and the
 * int64 extremes too; unique, foreign-key, check and not-null
 * violations are DB_CONSTRAINT; transactions commit, roll back, and a
 * failed statement aborts only its own transaction; the statement cache
 * reuses a prepared statement and deallocates what it drops; db_changes
 * and db_last_insert_id; a second connection sees committed data and
 * waits for the writer lock; a killed session is noticed; the server's
 * connection pool (bounded, replaces lost connections, backs off from a
 * database that is down); a real deadlock is a conflict the server may
 * retry, a lock timeout is not; SQLite-only
 * operations say so; db_copy's COPY brings awkward text back byte for
 * byte, keeps its rows until the flush and reports a constraint there. Without PostgreSQL installed this test FAILS: CI
 * installs postgresql-15 (scripts/install-deps.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "storage/db.h"
#include "storage/pool.h"
#include "unit/pg_temp.h"

static db_conn *open_or_fail(void)
{
    return pg_open_or_fail(uri);
}

/* A fresh table t for each test. */
static int make_tables(void **state)
{
    db_conn *db = open_or_fail();
    int rc = db_exec(db, "DROP TABLE IF EXISTS child, t, parent;"
                         "CREATE TABLE t(id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                         " i bigint, d double precision, s text, code text UNIQUE,"
                         " n integer CHECK (n >= 0), must text NOT NULL DEFAULT '');"
                         "CREATE TABLE parent(id bigint PRIMARY KEY);"
                         "CREATE TABLE child(id bigserial PRIMARY KEY, parent_id bigint REFERENCES parent(id))");
    db_close(db);
    return rc == DB_DONE ? 0 : -1;
}

static int64_t count_t(db_conn *db)
{
    return db_one_int(db, -1, "SELECT COUNT(*) FROM t");
}

static void test_engine_is_postgresql(void **state)
{
    db_conn *db = open_or_fail();
    assert_string_equal(db_engine_name(db), "postgresql");
    assert_int_equal(db_conn_broken(db), 0);
    char tz[32], timeout[32];
    db_one_text(db, tz, sizeof tz, "SELECT current_setting('TimeZone')");
    assert_string_equal(tz, "UTC");
    db_one_text(db, timeout, sizeof timeout, "SELECT current_setting('statement_timeout')");
    assert_string_equal(timeout, "30s");
    db_close(db);
}

/* The same database named by a conninfo string instead of the URI. */
static void test_conninfo_string_opens_too(void **state)
{
    char err[512], conninfo[512] = "";
    PQconninfoOption *opts = PQconninfoParse(uri, NULL);
    assert_non_null(opts);
    size_t n = 0;
    for (PQconninfoOption *o = opts; o->keyword; o++)
        if (o->val && *o->val && n < sizeof conninfo)
            n += (size_t)snprintf(conninfo + n, sizeof conninfo - n, "%s%s='%s'", n ? " " : "", o->keyword, o->val);
    PQconninfoFree(opts);
    assert_true(db_is_postgres(conninfo));
    db_conn *db = db_open(conninfo, err, sizeof err);
    if (!db)
        fail_msg("%s: %s", conninfo, err);
    assert_string_equal(db_engine_name(db), "postgresql");
    assert_int_equal(db_one_int(db, 0, "SELECT ?", DB_INT(7)), 7);
    db_close(db);
}

/* The server's pool (storage/pool.h): at most its size open, a bounded
 * wait for one given back, an idle connection whose backend was
 * terminated found dead before it is lent and replaced, a connection
 * lost in use closed when it comes back. */
static void test_pool_lends_within_its_size(void **state)
{
    db_pool *p = db_pool_new(uri, 1);
    db_pool_status why;
    db_conn *a = db_pool_get(p, 0, &why);
    assert_non_null(a);
    assert_int_equal(why, DB_POOL_OK);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_null(db_pool_get(p, 150, &why));   /* all lent: waits, then gives up */
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(why, DB_POOL_BUSY);
    long waited = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    assert_true(waited >= 140 && waited < 2000);
    db_pool_put(p, a);
    db_conn *b = db_pool_get(p, 0, &why);
    assert_ptr_equal(b, a);   /* the same connection again, not a new one */
    assert_int_equal(db_pool_open_count(p), 1);
    db_pool_put(p, b);
    db_pool_free(p);
}

static int64_t backend_pid(db_conn *db)
{
    return db_one_int(db, 0, "SELECT pg_backend_pid()");
}

static void terminate(int64_t pid)
{
    db_conn *killer = open_or_fail();
    /* waits (up to 5 s) until the backend is gone */
    assert_int_equal(db_one_int(killer, 0, "SELECT pg_terminate_backend(CAST(? AS int), 5000)", DB_INT(pid)), 1);
    db_close(killer);
}

static void test_pool_replaces_terminated_connections(void **state)
{
    db_pool *p = db_pool_new(uri, 2);
    db_conn *a = db_pool_get(p, 0, NULL);
    int64_t pid = backend_pid(a);
    db_pool_put(p, a);
    terminate(pid);   /* while idle: found dead before it is lent again */
    a = db_pool_get(p, 0, NULL);
    assert_non_null(a);
    assert_int_equal(db_conn_broken(a), 0);
    int64_t pid2 = backend_pid(a);
    assert_true(pid2 > 0 && pid2 != pid);
    assert_int_equal(db_pool_open_count(p), 1);

    terminate(pid2);  /* while lent: the request's statement fails … */
    assert_int_equal(db_exec_args(a, "SELECT 1"), DB_ERROR);
    assert_int_equal(db_conn_broken(a), 1);
    assert_int_equal(db_failure_of(a, 1), DB_FAIL_BROKEN);
    db_pool_put(p, a);   /* … and it is closed when given back */
    assert_int_equal(db_pool_open_count(p), 0);
    a = db_pool_get(p, 0, NULL);
    assert_non_null(a);
    assert_int_equal(count_t(a), 0);
    db_pool_put(p, a);
    db_pool_free(p);
}

/* A database that cannot be reached: NULL at once (DB_POOL_DOWN), and
 * while the backoff runs no new connect is tried. */
static void test_pool_down_backs_off(void **state)
{
    db_pool *p = db_pool_new("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2", 2);
    db_pool_status why;
    assert_null(db_pool_get(p, 1000, &why));
    assert_int_equal(why, DB_POOL_DOWN);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_null(db_pool_get(p, 1000, &why));   /* within the backoff: no wait, no connect */
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(why, DB_POOL_DOWN);
    assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 50);
    assert_int_equal(db_pool_open_count(p), 0);
    db_pool_free(p);
}

/* A deadlock a loses: b (whose own deadlock check is a minute away)
 * runs b_first in its transaction, a locks row 1 of t, b asks for row 1
 * and waits; whatever a runs next that waits for b ends, after a's
 * check (a second), in a deadlock error. Returns b, still waiting. */
static PGconn *deadlock_partner(db_conn *a, const char *b_first)
{
    char sql[256];
    assert_int_equal(db_exec(a, "INSERT INTO t(i) VALUES (1), (2)"), DB_DONE);
    PGconn *b = PQconnectdb(uri);
    assert_int_equal(PQstatus(b), CONNECTION_OK);
    snprintf(sql, sizeof sql, "BEGIN; SET LOCAL deadlock_timeout = '60s'; %s", b_first);
    PGresult *r = PQexec(b, sql);
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    assert_int_equal(db_exec(a, "BEGIN; UPDATE t SET s = 'a' WHERE i = 1"), DB_DONE);
    assert_int_equal(PQsendQuery(b, "UPDATE t SET s = 'b' WHERE i = 1"), 1);
    db_failure_of(a, 1);
    return b;
}

/* b gets row 1 once a has rolled back; then b ends too. */
static void deadlock_partner_end(PGconn *b)
{
    PGresult *r;
    while ((r = PQgetResult(b)))
        PQclear(r);
    r = PQexec(b, "ROLLBACK");
    PQclear(r);
    PQfinish(b);
}

/* A real deadlock: two transactions lock two rows in opposite orders.
 * The one the server picks fails with DB_BUSY and db_failure_of says
 * DB_FAIL_CONFLICT (which the server's request loop runs again); a lock
 * wait that times out is DB_BUSY but no conflict. */
static void test_deadlock_is_a_conflict(void **state)
{
    db_conn *a = open_or_fail();
    PGconn *b = deadlock_partner(a, "UPDATE t SET s = 'b' WHERE i = 2");
    assert_int_equal(db_exec_args(a, "UPDATE t SET s = 'a' WHERE i = 2"), DB_BUSY);
    assert_int_equal(db_failure_of(a, 0), DB_FAIL_CONFLICT);
    assert_int_equal(db_failure_of(a, 1), DB_FAIL_CONFLICT);   /* until cleared */
    assert_int_equal(db_failure_of(a, 0), DB_FAIL_NONE);
    db_rollback(a);
    PGresult *r = PQgetResult(b);   /* b has row 1 now */
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    /* A lock wait that times out is busy, but no conflict: it waited already. */
    assert_int_equal(db_exec(a, "SET lock_timeout = '100ms'"), DB_DONE);
    assert_int_equal(db_exec_args(a, "UPDATE t SET s = 'a' WHERE i = 1"), DB_BUSY);
    assert_int_equal(db_failure_of(a, 0), DB_FAIL_NONE);
    deadlock_partner_end(b);
    assert_int_equal(db_conn_broken(a), 0);
    db_close(a);
}

/* The same deadlock met while a statement is first prepared (its table
 * is locked for the analysis): a conflict, not taken for a bug in the
 * SQL (the test build stops on those). */
static void test_deadlock_while_preparing_is_a_conflict(void **state)
{
    db_conn *a = open_or_fail();
    PGconn *b = deadlock_partner(a, "LOCK TABLE parent IN ACCESS EXCLUSIVE MODE");
    assert_int_equal(db_exec_args(a, "INSERT INTO parent(id) VALUES (?)", DB_INT(77)), DB_BUSY);
    assert_int_equal(db_failure_of(a, 1), DB_FAIL_CONFLICT);
    db_rollback(a);
    deadlock_partner_end(b);
    /* the statement prepares and runs once the lock is gone */
    assert_int_equal(db_exec_args(a, "INSERT INTO parent(id) VALUES (?)", DB_INT(77)), DB_DONE);
    db_close(a);
}

/* A libpq multi-host URI with target_session_attrs=read-write (what a
 * failover setup gives --db) opens, and the pool's connections reach
 * the host that takes writes: the first host here is not there. */
static void test_multi_host_uri_finds_the_primary(void **state)
{
    const char *at = strstr(uri, "@127.0.0.1:");
    if (!at)
        skip();   /* a MINSHENG_TEST_PG_URI of another shape */
    char multi[512];
    snprintf(multi, sizeof multi, "%.*s@127.0.0.1:1,127.0.0.1:%s?target_session_attrs=read-write&connect_timeout=2",
             (int)(at - uri), uri, at + strlen("@127.0.0.1:"));
    assert_true(db_is_postgres(multi));
    db_pool *p = db_pool_new(multi, 1);
    db_conn *db = db_pool_get(p, 0, NULL);
    assert_non_null(db);
    assert_int_equal(db_exec_args(db, "INSERT INTO t(i) VALUES (?)", DB_INT(5)), DB_DONE);
    assert_int_equal(count_t(db), 1);
    db_pool_put(p, db);
    db_pool_free(p);
}

static void test_each_bind_type_round_trips(void **state)
{
    db_conn *db = open_or_fail();
    db_stmt *s = db_prepare(db, "INSERT INTO t(i, d, s, code) VALUES (?, ?, ?, ?)");
    db_bind_int(s, 1, 42);
    db_bind_double(s, 2, 2.5);
    db_bind_text(s, 3, "丹阳街道 中山社区 '引号' ?");
    db_bind_textn(s, 4, "ABCDEF", 3);
    assert_int_equal(db_step(s), DB_DONE);
    db_finalize(s);
    assert_int_equal(db_exec_args(db, "INSERT INTO t(i, d, s, code) VALUES (?, ?, ?, ?)", DB_NULL, DB_NULL,
                                  DB_TEXT(NULL), DB_NULL), DB_DONE);
    s = db_prepare(db, "SELECT i, d, s, code, i + 1 AS next FROM t ORDER BY id");
    assert_int_equal(db_step(s), DB_ROW);
    assert_int_equal(db_column_count(s), 5);
    assert_string_equal(db_column_name(s, 4), "next");
    assert_int_equal(db_col_int(s, 0), 42);
    assert_true(db_col_double(s, 1) == 2.5);
    assert_string_equal(db_col_text(s, 2), "丹阳街道 中山社区 '引号' ?");
    assert_string_equal(db_col_text(s, 3), "ABC");
    assert_int_equal(db_col_int(s, 4), 43);
    assert_false(db_col_is_null(s, 0));
    assert_int_equal(db_step(s), DB_ROW);
    for (int col = 0; col < 4; col++) {
        assert_true(db_col_is_null(s, col));
        assert_string_equal(db_col_text(s, col), "");
        assert_int_equal(db_col_int(s, col), 0);
    }
    assert_int_equal(db_step(s), DB_DONE);
    db_finalize(s);
    db_close(db);
}

static void test_int64_extremes_and_arithmetic(void **state)
{
    db_conn *db = open_or_fail();
    assert_int_equal(db_exec_args(db, "INSERT INTO t(i) VALUES (?), (?)", DB_INT(INT64_MAX), DB_INT(INT64_MIN)), DB_DONE);
    assert_true(db_one_int(db, 0, "SELECT MAX(i) FROM t") == INT64_MAX);
    assert_true(db_one_int(db, 0, "SELECT MIN(i) FROM t") == INT64_MIN);
    assert_true(db_one_int(db, 0, "SELECT i FROM t WHERE i = ?", DB_INT(INT64_MIN)) == INT64_MIN);
    /* Integers go as int8: beyond int4 in arithmetic and comparisons. */
    assert_true(db_one_int(db, 0, "SELECT ? + 1", DB_INT(5000000000)) == 5000000001);
    assert_int_equal(db_one_int(db, 0, "SELECT COUNT(*) FROM t WHERE i > ?", DB_INT(0)), 1);
    /* Text compared with an integer column takes the column's type (as
     * SQLite's affinity does). */
    assert_int_equal(db_one_int(db, 0, "SELECT COUNT(*) FROM t WHERE i < ?", DB_TEXT("0")), 1);
    /* Booleans read as 1/0; real numbers truncate toward zero. */
    assert_int_equal(db_one_int(db, -1, "SELECT ? = 7", DB_INT(7)), 1);
    char b[4];
    db_one_text(db, b, sizeof b, "SELECT ? > 7", DB_INT(7));
    assert_string_equal(b, "0");
    assert_int_equal(db_one_int(db, 0, "SELECT 7.9::numeric"), 7);
    assert_int_equal(db_one_int(db, 0, "SELECT -7.9::float8"), -7);
    db_close(db);
}

/* A comparison selected as a column is boolean on PostgreSQL ('t'/'f'
 * on the wire): db_col_int and db_col_text read it as SQLite gives it,
 * 1/0, in every form the domain SQL uses (=, IS NOT NULL, EXISTS, a
 * boolean column); a NULL boolean stays NULL. */
static void test_booleans_read_as_integers(void **state)
{
    db_conn *db = open_or_fail();
    assert_int_equal(db_exec(db, "INSERT INTO t(i, s) VALUES (1, 'active'), (2, 'closed'), (3, NULL)"), DB_DONE);
    db_stmt *s = db_prepare(db, "SELECT i, s = 'active', s IS NOT NULL, EXISTS (SELECT 1 FROM t u WHERE u.i = t.i + 1),"
                                " (i > 1)::boolean, CAST(NULL AS boolean) FROM t ORDER BY i");
    static const int64_t want[3][4] = {{1, 1, 1, 0}, {0, 1, 1, 1}, {-1, 0, 0, 1}};
    for (int row = 0; row < 3; row++) {
        assert_int_equal(db_step(s), DB_ROW);
        if (want[row][0] < 0)
            assert_true(db_col_is_null(s, 1));
        else
            assert_int_equal(db_col_int(s, 1), want[row][0]);
        assert_int_equal(db_col_int(s, 2), want[row][1]);
        assert_int_equal(db_col_int(s, 3), want[row][2]);
        assert_int_equal(db_col_int(s, 4), row > 0);
        assert_string_equal(db_col_text(s, 4), row > 0 ? "1" : "0");
        assert_true(db_col_is_null(s, 5));
        assert_int_equal(db_col_int(s, 5), 0);
        assert_string_equal(db_col_text(s, 5), "");
    }
    assert_int_equal(db_step(s), DB_DONE);
    db_finalize(s);
    assert_int_equal(db_one_int(db, -1, "SELECT EXISTS (SELECT 1 FROM t WHERE s = ?)", DB_TEXT("closed")), 1);
    assert_int_equal(db_one_int(db, -1, "SELECT EXISTS (SELECT 1 FROM t WHERE s = ?)", DB_TEXT("gone")), 0);
    db_close(db);
}

/* A parameter the server cannot type by itself (? IS NULL) is tried
 * again as text, in and out of a transaction. */
static void test_untyped_parameters(void **state)
{
    db_conn *db = open_or_fail();
    assert_int_equal(db_one_int(db, -1, "SELECT ? IS NULL", DB_TEXT("x")), 0);
    assert_int_equal(db_one_int(db, -1, "SELECT ? IS NULL", DB_NULL), 1);
    assert_int_equal(db_begin(db), DB_DONE);
    assert_int_equal(db_one_int(db, -1, "SELECT (? IS NULL)::int + 1", DB_NULL), 2);
    assert_int_equal(db_exec_args(db, "INSERT INTO t(i) VALUES (1)"), DB_DONE);
    assert_int_equal(db_commit(db), DB_DONE);
    assert_int_equal(count_t(db), 1);
    /* A statement first run with NULL, then with an integer. */
    const char *sql = "SELECT COUNT(*) FROM t WHERE i = ? OR ? IS NULL";
    assert_int_equal(db_one_int(db, -1, sql, DB_NULL, DB_NULL), 1);
    assert_int_equal(db_one_int(db, -1, sql, DB_INT(1), DB_INT(1)), 1);
    assert_int_equal(db_one_int(db, -1, sql, DB_INT(2), DB_INT(2)), 0);
    db_close(db);
}

static void test_constraint_violations(void **state)
{
    db_conn *db = open_or_fail();
    assert_int_equal(db_exec_args(db, "INSERT INTO t(code) VALUES (?)", DB_TEXT("a")), DB_DONE);
    assert_int_equal(db_exec_args(db, "INSERT INTO t(code) VALUES (?)", DB_TEXT("a")), DB_CONSTRAINT);   /* unique */
    assert_non_null(strstr(db_errmsg(db), "t_code_key"));
    assert_int_equal(db_exec_args(db, "INSERT INTO t(n) VALUES (?)", DB_INT(-1)), DB_CONSTRAINT);        /* check */
    assert_int_equal(db_exec_args(db, "INSERT INTO t(must) VALUES (?)", DB_NULL), DB_CONSTRAINT);        /* not null */
    assert_int_equal(db_exec_args(db, "INSERT INTO child(parent_id) VALUES (?)", DB_INT(9)),
                     DB_CONSTRAINT);                                                                   /* foreign key */
    assert_int_equal(db_exec_args(db, "INSERT INTO parent(id) VALUES (9)"), DB_DONE);
    assert_int_equal(db_exec_args(db, "INSERT INTO child(parent_id) VALUES (?)", DB_INT(9)), DB_DONE);
    assert_int_equal(db_exec_args(db, "DELETE FROM parent"), DB_CONSTRAINT);
    assert_int_equal(count_t(db), 1);   /* outside a transaction each failure stands alone */
    db_close(db);
}

static void test_transactions(void **state)
{
    db_conn *db = open_or_fail();
    db_conn *other = open_or_fail();
    assert_int_equal(db_begin(db), DB_DONE);
    assert_int_equal(db_exec_args(db, "INSERT INTO t(i) VALUES (?)", DB_INT(1)), DB_DONE);
    assert_int_equal(count_t(db), 1);
    assert_int_equal(count_t(other), 0);   /* not yet committed */
    db_rollback(db);
    assert_int_equal(count_t(db), 0);
    db_rollback(db);   /* outside a transaction: nothing happens */

    assert_int_equal(db_begin(db), DB_DONE);
    assert_int_equal(db_exec_args(db, "INSERT INTO t(i) VALUES (?)", DB_INT(2)), DB_DONE);
    assert_int_equal(db_commit(db), DB_DONE);
    assert_int_equal(db_one_int(other, 0, "SELECT i FROM t"), 2);   /* a second connection sees it */

    /* A failed statement aborts the transaction: its commit is an
     * error, the rollback leaves the connection usable. */
    assert_int_equal(db_begin(db), DB_DONE);
    assert_int_equal(db_exec_args(db, "INSERT INTO t(i) VALUES (?)", DB_INT(3)), DB_DONE);
    assert_int_equal(db_exec_args(db, "SELECT 1 / ?", DB_INT(0)), DB_ERROR);
    assert_int_equal(db_exec_args(db, "INSERT INTO t(i) VALUES (?)", DB_INT(4)), DB_ERROR);
    assert_int_equal(db_commit(db), DB_ERROR);
    db_rollback(db);
    assert_int_equal(count_t(db), 1);
    assert_int_equal(db_begin(db), DB_DONE);
    assert_int_equal(db_exec_args(db, "INSERT INTO t(code) VALUES ('dup'), ('dup')"), DB_CONSTRAINT);
    db_rollback(db);
    assert_int_equal(db_exec_args(db, "INSERT INTO t(i) VALUES (?)", DB_INT(5)), DB_DONE);
    assert_int_equal(count_t(other), 2);
    db_close(other);
    db_close(db);
}

/* db_begin takes the writer lock: a second db_begin waits for it and,
 * past lock_timeout, is DB_BUSY; reads go on meanwhile. */
static void test_writer_lock(void **state)
{
    db_conn *db = open_or_fail();
    setenv("MINSHENG_PG_LOCK_TIMEOUT", "200ms", 1);
    db_conn *other = open_or_fail();
    unsetenv("MINSHENG_PG_LOCK_TIMEOUT");
    assert_int_equal(db_begin(db), DB_DONE);
    assert_int_equal(db_begin(other), DB_BUSY);
    assert_int_equal(count_t(other), 0);   /* not in a transaction: usable */
    assert_int_equal(db_commit(db), DB_DONE);
    assert_int_equal(db_begin(other), DB_DONE);
    assert_int_equal(db_commit(other), DB_DONE);
    db_close(other);
    db_close(db);
}

static int64_t prepared_on_server(db_conn *db, const char *like)
{
    return db_one_int(db, -1, "SELECT COUNT(*) FROM pg_prepared_statements WHERE statement LIKE ?", DB_TEXT(like));
}

static void test_statement_cache(void **state)
{
    db_conn *db = open_or_fail();
    const char *sql = "SELECT COUNT(*) FROM t WHERE i >= ? /* cache test */";
    for (int i = 0; i < 5; i++)
        assert_int_equal(db_one_int(db, -1, sql, DB_INT(i)), 0);
    assert_int_equal(prepared_on_server(db, "%cache test%"), 1);   /* prepared once, run five times */

    /* Nested use of one text: two statements, each its own cursor. */
    assert_int_equal(db_exec(db, "INSERT INTO t(i) VALUES (1), (2)"), DB_DONE);
    const char *q = "SELECT i FROM t WHERE i >= ? ORDER BY i /* nested */";
    db_stmt *outer = db_query(db, q, DB_INT(1));
    int64_t sum = 0;
    while (db_step(outer) == DB_ROW) {
        db_stmt *inner = db_query(db, q, DB_INT(db_col_int(outer, 0)));
        assert_ptr_not_equal(inner, outer);
        while (db_step(inner) == DB_ROW)
            sum += db_col_int(inner, 0);
        db_finalize(inner);
    }
    db_finalize(outer);
    assert_int_equal(sum, (1 + 2) + 2);
    assert_int_equal(prepared_on_server(db, "%nested%"), 2);

    /* Past DB_STMT_CACHE_MAX the least recently used go, and the server
     * forgets them too (at the next statement outside a transaction). */
    char text[96];
    for (int i = 0; i < DB_STMT_CACHE_MAX + 20; i++) {
        snprintf(text, sizeof text, "SELECT %d + ? /* many */", i);
        assert_int_equal(db_one_int(db, -1, text, DB_INT(1)), i + 1);
    }
    assert_int_equal(db_stmt_cache_size(db), DB_STMT_CACHE_MAX);
    db_finalize(db_prepare(db, "SELECT 1 /* flush */"));
    assert_int_equal(db_one_int(db, -1, "SELECT 2 /* flush */"), 2);
    assert_true(prepared_on_server(db, "%") <= DB_STMT_CACHE_MAX + 1);
    assert_true(prepared_on_server(db, "%many%") < DB_STMT_CACHE_MAX);
    db_close(db);
}

static void test_changes_and_last_insert_id(void **state)
{
    db_conn *db = open_or_fail();
    assert_int_equal(db_exec_args(db, "INSERT INTO t(i) VALUES (?)", DB_INT(10)), DB_DONE);
    int64_t first = db_last_insert_id(db);
    assert_true(first > 0);
    assert_int_equal(db_exec_args(db, "INSERT INTO t(i) VALUES (?)", DB_INT(11)), DB_DONE);
    assert_int_equal(db_last_insert_id(db), first + 1);
    assert_int_equal(db_one_int(db, 0, "SELECT i FROM t WHERE id = ?", DB_INT(first + 1)), 11);
    /* RETURNING id is taken as it is. */
    db_stmt *s = db_query(db, "INSERT INTO t(i) VALUES (?) RETURNING id", DB_INT(12));
    assert_int_equal(db_step(s), DB_ROW);
    int64_t third = db_col_int(s, 0);
    db_finalize(s);
    assert_int_equal(db_last_insert_id(db), third);
    assert_int_equal(db_changes(db), 1);

    assert_int_equal(db_exec_args(db, "UPDATE t SET i = i + 100 WHERE i >= ?", DB_INT(11)), DB_DONE);
    assert_int_equal(db_changes(db), 2);
    assert_int_equal(count_t(db), 3);   /* a SELECT leaves db_changes alone */
    assert_int_equal(db_changes(db), 2);
    assert_int_equal(db_exec_args(db, "DELETE FROM t WHERE i > ?", DB_INT(1000)), DB_DONE);
    assert_int_equal(db_changes(db), 0);
    assert_int_equal(db_exec(db, "DELETE FROM t"), DB_DONE);
    assert_int_equal(db_changes(db), 3);
    db_close(db);
}

/* A session the server ends is noticed: every call fails at once and
 * db_conn_broken says so. */
static void test_lost_connection(void **state)
{
    db_conn *db = open_or_fail();
    db_conn *killer = open_or_fail();
    int64_t pid = db_one_int(db, 0, "SELECT pg_backend_pid()");
    assert_true(pid > 0);
    assert_int_equal(db_one_int(killer, 0, "SELECT pg_terminate_backend(?::int)", DB_INT(pid)), 1);
    int rc = DB_DONE;
    for (int i = 0; i < 50 && rc != DB_ERROR; i++) {   /* the backend may take a moment to go */
        rc = db_exec_args(db, "SELECT 1");
        usleep(20000);
    }
    assert_int_equal(rc, DB_ERROR);
    assert_int_equal(db_conn_broken(db), 1);
    assert_int_equal(db_begin(db), DB_ERROR);
    assert_int_equal(db_one_int(db, -7, "SELECT 1"), -7);
    db_rollback(db);
    assert_int_equal(db_conn_broken(killer), 0);
    db_close(db);
    db_close(killer);
}

static void test_sqlite_only_operations_refuse(void **state)
{
    db_conn *db = open_or_fail();
    char err[256];
    assert_int_equal(db_backup(db, "/tmp/never-written.db", err, sizeof err), -1);
    assert_non_null(strstr(err, "PostgreSQL 数据库不支持此操作"));
    assert_non_null(strstr(err, "pg_dump"));
    assert_int_equal(access("/tmp/never-written.db", F_OK), -1);
    assert_int_equal(db_integrity_check(db, err, sizeof err), -1);
    assert_non_null(strstr(err, "PostgreSQL 数据库不支持此操作"));
    assert_int_equal(db_checkpoint_truncate(db), -1);
    assert_int_equal(db_sync(db), 0);
    assert_null(db_open_readonly(uri, err, sizeof err));
    assert_non_null(strstr(err, "PostgreSQL 数据库不支持此操作"));
    assert_int_equal(count_t(db), 0);   /* still usable */
    db_close(db);
}

/* Every migration of the PostgreSQL list applies to an empty database,
 * once: a second db_migrate (a second server starting) applies nothing,
 * and the schema is the newest the program knows. */
static void test_migrations_apply_once(void **state)
{
    db_conn *db = open_or_fail();
    char err[512] = "";
    if (db_migrate(db, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(db_schema_version(db), db_schema_latest());
    int64_t n = db_one_int(db, -1, "SELECT COUNT(*) FROM schema_migrations");
    assert_true(n >= 10);
    assert_int_equal(db_migrate(db, err, sizeof err), 0);
    assert_int_equal(db_one_int(db, -1, "SELECT COUNT(*) FROM schema_migrations"), n);
    /* the registry's tables and count triggers are there and work */
    assert_int_equal(db_one_int(db, -1, "SELECT COUNT(*) FROM registry_count"), 0);
    assert_int_equal(db_one_int(db, -1, "SELECT COUNT(*) FROM org_unit"), 0);
    db_close(db);
}

/* Texts COPY's text format must escape, and NULL beside them. */
static const char *const AWKWARD[] = {
    "tab\there", "back\\slash\\", "new\nline", "cr\r\nlf", "\\N", "\\.", "", "居民备注：含\t制表符、\\反斜杠和\n换行",
    "\\t not a tab", "末尾反斜杠\\", NULL};

/* Buffered rows go in one COPY at the flush, not before; every awkward
 * text comes back as it was, NULL as NULL, integers exactly. */
static void test_copy_round_trips(void **state)
{
    db_conn *db = open_or_fail();
    size_t n = sizeof AWKWARD / sizeof AWKWARD[0];
    db_copy *cp = db_copy_open(db, "t", "i, s", 1);
    assert_int_equal(db_begin(db), DB_DONE);
    for (size_t k = 0; k < n; k++)
        assert_int_equal(db_copy_row(cp, DB_INT((int64_t)k), DB_TEXT(AWKWARD[k])), DB_DONE);
    assert_int_equal(db_copy_row(cp, DB_INT(INT64_MIN), DB_NULL), DB_DONE);
    assert_int_equal(db_copy_row(cp, DB_INT(INT64_MAX), DB_TEXT("最大")), DB_DONE);
    assert_int_equal(db_copy_pending(cp), n + 2);
    assert_int_equal(count_t(db), 0);   /* kept, not sent */
    assert_int_equal(db_copy_flush(cp), DB_DONE);
    assert_int_equal(db_changes(db), (int)(n + 2));
    assert_int_equal(db_copy_pending(cp), 0);
    assert_int_equal(db_copy_flush(cp), DB_DONE);   /* nothing kept: nothing sent */
    assert_int_equal(db_commit(db), DB_DONE);
    assert_int_equal(count_t(db), (int64_t)n + 2);
    for (size_t k = 0; k < n; k++) {
        db_stmt *q = db_query(db, "SELECT s, s IS NULL FROM t WHERE i = ?", DB_INT((int64_t)k));
        assert_int_equal(db_step(q), DB_ROW);
        if (AWKWARD[k]) {
            assert_string_equal(db_col_text(q, 0), AWKWARD[k]);
            assert_int_equal(db_col_int(q, 1), 0);
        } else {
            assert_int_equal(db_col_int(q, 1), 1);
        }
        db_finalize(q);
    }
    assert_int_equal(db_one_int(db, 0, "SELECT COUNT(*) FROM t WHERE i = ? AND s IS NULL", DB_INT(INT64_MIN)), 1);
    assert_int_equal(db_one_int(db, 0, "SELECT COUNT(*) FROM t WHERE i = ? AND s = '最大'", DB_INT(INT64_MAX)), 1);
    db_copy_close(cp);
    db_close(db);
}

/* A constraint a kept row breaks shows at the flush, as DB_CONSTRAINT,
 * and aborts the transaction (rolled back: none of the rows stays);
 * discarded rows are never sent; unbuffered rows go in at once. */
static void test_copy_errors_and_modes(void **state)
{
    db_conn *db = open_or_fail();
    db_copy *cp = db_copy_open(db, "t", "code, n", 1);
    assert_int_equal(db_begin(db), DB_DONE);
    assert_int_equal(db_copy_row(cp, DB_TEXT("a"), DB_INT(1)), DB_DONE);
    assert_int_equal(db_copy_row(cp, DB_TEXT("a"), DB_INT(2)), DB_DONE);   /* the same unique code */
    assert_int_equal(db_copy_flush(cp), DB_CONSTRAINT);
    assert_int_equal(db_copy_pending(cp), 0);
    assert_int_equal(db_commit(db), DB_ERROR);   /* the COPY aborted it */
    db_rollback(db);
    assert_int_equal(count_t(db), 0);

    assert_int_equal(db_copy_row(cp, DB_TEXT("b"), DB_INT(-1)), DB_DONE);   /* the check fails … */
    db_copy_discard(cp);                                                    /* … but it is never sent */
    assert_int_equal(db_copy_flush(cp), DB_DONE);
    assert_int_equal(count_t(db), 0);
    db_copy_close(cp);

    db_copy *now = db_copy_open(db, "t", "code, n", 0);
    assert_int_equal(db_copy_row(now, DB_TEXT("c\t\\"), DB_INT(3)), DB_DONE);
    assert_int_equal(db_copy_pending(now), 0);
    assert_int_equal(count_t(db), 1);
    assert_int_equal(db_copy_row(now, DB_TEXT("c\t\\"), DB_INT(4)), DB_CONSTRAINT);
    assert_int_equal(db_copy_row(now, DB_TEXT("d"), DB_INT(-1)), DB_CONSTRAINT);
    db_copy_close(now);
    assert_true(db_exists(db, "SELECT 1 FROM t WHERE code = ? AND n = 3", DB_TEXT("c\t\\")));
    db_close(db);
}

static void test_bad_conninfo_is_an_error(void **state)
{
    char err[512];
    assert_null(db_open("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2", err, sizeof err));
    assert_non_null(strstr(err, "无法连接 PostgreSQL"));
    assert_null(db_open("host=127.0.0.1 port=1 password=secret-in-conninfo connect_timeout=2", err, sizeof err));
    assert_null(strstr(err, "secret-in-conninfo"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, make_tables)
    const struct CMUnitTest tests[] = {
        T(test_engine_is_postgresql),
        T(test_conninfo_string_opens_too),
        T(test_pool_lends_within_its_size),
        T(test_pool_replaces_terminated_connections),
        T(test_pool_down_backs_off),
        T(test_deadlock_is_a_conflict),
        T(test_deadlock_while_preparing_is_a_conflict),
        T(test_multi_host_uri_finds_the_primary),
        T(test_each_bind_type_round_trips),
        T(test_int64_extremes_and_arithmetic),
        T(test_booleans_read_as_integers),
        T(test_untyped_parameters),
        T(test_constraint_violations),
        T(test_transactions),
        T(test_writer_lock),
        T(test_statement_cache),
        T(test_changes_and_last_insert_id),
        T(test_lost_connection),
        T(test_sqlite_only_operations_refuse),
        T(test_bad_conninfo_is_an_error),
        T(test_migrations_apply_once),
        T(test_copy_round_trips),
        T(test_copy_errors_and_modes),
    };
    return cmocka_run_group_tests(tests, start_cluster, stop_cluster);
}
