/* test_shared_limits.c — the sign-in throttles (auth/throttle.c) and the
 * per-user rate limits (core/ratelimit.c), which live in the database so
 * that several servers share them, on a migrated SQLite file and on a
 * migrated PostgreSQL 15 (a throwaway cluster, unit/pg_temp.h): limits
 * hold exactly when many connections (each its own thread, as each
 * server's worker or another server) count at once; one refusal per
 * window is the first; a success gives its attempt back; the global
 * limit holds across addresses and a refusal there does not use the
 * address's slot; a window that ended starts again; the sliding window
 * of a rate limit says how long to wait; windows and events that ended
 * are deleted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/throttle.h"
#include "core/ratelimit.h"
#include "storage/db.h"
#include "unit/pg_temp.h"

enum { THREADS = 8, EACH = 6 };

static char sqlite_dir[64];
static char paths[2][300];           /* SQLite file, PostgreSQL URI */

static int setup(void **state)
{
    char err[512];
    snprintf(sqlite_dir, sizeof sqlite_dir, "/tmp/minsheng-limits-XXXXXX");
    if (!mkdtemp(sqlite_dir) || start_cluster(state) != 0)
        return -1;
    snprintf(paths[0], sizeof paths[0], "%s/limits.db", sqlite_dir);
    snprintf(paths[1], sizeof paths[1], "%s", uri);
    for (int e = 0; e < 2; e++) {
        db_conn *db = db_open(paths[e], err, sizeof err);
        if (!db || db_migrate(db, err, sizeof err) != 0) {
            fprintf(stderr, "test_shared_limits: %s\n", err);
            return -1;
        }
        db_close(db);
    }
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", sqlite_dir);
    int rc = system(cmd) == 0 ? 0 : -1;
    return stop_cluster(state) | rc;
}

static db_conn *open_engine(int e)
{
    char err[512];
    db_conn *db = db_open(paths[e], err, sizeof err);
    if (!db)
        fail_msg("%s", err);
    return db;
}

/* ---- many at once ------------------------------------------------------------ */

typedef struct worker {
    int engine;
    const char *ip;
    int per_address, global;
    int ok, refused, first, errors;
    const rate_limit *rl;   /* rate_limit_take instead of the throttle */
} worker;

static void *attempts(void *arg)
{
    worker *w = arg;
    db_conn *db = open_engine(w->engine);
    for (int i = 0; i < EACH; i++) {
        int wait = 0, first = 0, rc;
        if (w->rl) {
            rc = rate_limit_take(db, w->rl, 42, 0);
            rc = rc > 0 ? -1 : rc < 0 ? -2 : 0;
        } else {
            rc = throttle_login_attempt(db, w->ip, w->per_address, w->global, 60, &wait, &first);
        }
        if (rc == 0)
            w->ok++;
        else if (rc == -1)
            w->refused++;
        else
            w->errors++;
        w->first += first;
    }
    db_close(db);
    return NULL;
}

/* THREADS connections, EACH attempts each; the sums into *sum. */
static void at_once(worker proto, worker *sum)
{
    pthread_t t[THREADS];
    worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = proto;
        assert_int_equal(pthread_create(&t[i], NULL, attempts, &w[i]), 0);
    }
    *sum = proto;
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        sum->ok += w[i].ok;
        sum->refused += w[i].refused;
        sum->first += w[i].first;
        sum->errors += w[i].errors;
    }
}

static void per_address_limit_holds_under_concurrency(void **state)
{
    for (int e = 0; e < 2; e++) {
        worker sum;
        at_once((worker){.engine = e, .ip = "10.0.0.1", .per_address = 20, .global = 0}, &sum);
        assert_int_equal(sum.errors, 0);
        assert_int_equal(sum.ok, 20);
        assert_int_equal(sum.refused, THREADS * EACH - 20);
        assert_int_equal(sum.first, 1);   /* one audit row per window */
        /* A success gives its attempt back: one more goes through, then not. */
        db_conn *db = open_engine(e);
        int wait = 0, first = 0;
        throttle_login_succeeded(db, "10.0.0.1");
        assert_int_equal(throttle_login_attempt(db, "10.0.0.1", 20, 0, 60, &wait, &first), 0);
        assert_int_equal(throttle_login_attempt(db, "10.0.0.1", 20, 0, 60, &wait, &first), -1);
        assert_true(wait >= 1 && wait <= 60);
        assert_int_equal(first, 0);
        /* Another address is not held up. */
        assert_int_equal(throttle_login_attempt(db, "10.0.0.2", 20, 0, 60, &wait, &first), 0);
        db_close(db);
    }
}

static const char *fmt_ip(int i)
{
    static char ip[32];
    snprintf(ip, sizeof ip, "10.1.0.%d", i);
    return ip;
}

static void global_limit_holds_across_addresses(void **state)
{
    for (int e = 0; e < 2; e++) {
        db_conn *db = open_engine(e);
        int wait = 0, first = 0, ok = 0;
        db_exec(db, "DELETE FROM login_throttle");
        for (int i = 0; i < 12; i++)
            ok += throttle_login_attempt(db, fmt_ip(i), 3, 10, 60, &wait, &first) == 0;
        assert_int_equal(ok, 10);
        assert_int_equal(first, 0);   /* the second refusal of the window (the first had it) */
        /* The global refusal took nothing from the address: its count is
         * what it was before. */
        assert_int_equal(db_one_int(db, -1, "SELECT attempts FROM login_throttle WHERE subject = '10.1.0.11'"), 0);
        assert_int_equal(db_one_int(db, -1, "SELECT attempts FROM login_throttle WHERE subject = '*'"), 10);
        db_close(db);
    }
}

static void an_ended_window_starts_again(void **state)
{
    for (int e = 0; e < 2; e++) {
        db_conn *db = open_engine(e);
        int wait = 0, first = 0;
        db_exec(db, "DELETE FROM login_throttle");
        assert_int_equal(throttle_login_attempt(db, "10.2.0.1", 1, 0, 1, &wait, &first), 0);
        assert_int_equal(throttle_login_attempt(db, "10.2.0.1", 1, 0, 1, &wait, &first), -1);
        assert_int_equal(first, 1);
        /* Backdate the window: it ended. */
        db_exec(db, "UPDATE login_throttle SET window_start = window_start - 120");
        assert_int_equal(throttle_login_attempt(db, "10.2.0.1", 1, 0, 1, &wait, &first), 0);
        assert_int_equal(db_one_int(db, -1, "SELECT refused FROM login_throttle WHERE subject = '10.2.0.1'"), 0);
        db_close(db);
    }
}

static void rate_limit_holds_under_concurrency(void **state)
{
    static const rate_limit RL = {.name = "test_limit", .max = 12, .window_s = 60};
    for (int e = 0; e < 2; e++) {
        worker sum;
        at_once((worker){.engine = e, .rl = &RL}, &sum);
        assert_int_equal(sum.errors, 0);
        assert_int_equal(sum.ok, 12);
        assert_int_equal(sum.refused, THREADS * EACH - 12);
        db_conn *db = open_engine(e);
        assert_true(rate_limit_take(db, &RL, 42, 0) >= 1);
        assert_int_equal(rate_limit_take(db, &RL, 43, 0), 0);      /* another user */
        /* A window later every event has left it. */
        assert_int_equal(rate_limit_take(db, &RL, 42, time(NULL) + 61), 0);
        db_close(db);
    }
}

static void rate_limit_waits_for_the_oldest_event_to_leave(void **state)
{
    static const rate_limit RL = {.name = "test_sliding", .max = 2, .window_s = 100};
    for (int e = 0; e < 2; e++) {
        db_conn *db = open_engine(e);
        time_t t0 = time(NULL);
        assert_int_equal(rate_limit_take(db, &RL, 7, t0 - 50), 0);
        assert_int_equal(rate_limit_take(db, &RL, 7, t0 - 10), 0);
        /* Two in the window: the older leaves at t0 + 50. */
        assert_int_equal(rate_limit_take(db, &RL, 7, t0), 50);
        assert_int_equal(rate_limit_take(db, &RL, 7, t0 + 50), 0);
        db_close(db);
    }
}

/* The child: one sign-in attempt and one rate-limited event on `path`,
 * in a process that has made none before. Exit status 0 when both went
 * through. */
static int prune_child(const char *path)
{
    static const rate_limit RL = {.name = "other", .max = 1, .window_s = 60};
    char err[512];
    int wait, first;
    db_conn *c = db_open(path, err, sizeof err);
    if (!c)
        return 2;
    int ok = throttle_login_attempt(c, "10.3.0.9", 5, 0, 60, &wait, &first) == 0 && rate_limit_take(c, &RL, 1, 0) == 0;
    db_close(c);
    return ok ? 0 : 1;
}

/* A process's first sign-in attempt and first rate-limited event delete
 * the windows and events that ended (then at most once a minute): a
 * fresh process (this test run again, prune_child) on a database
 * holding old and new rows. */
static void ended_windows_and_events_are_deleted(void **state)
{
    for (int e = 0; e < 2; e++) {
        db_conn *db = open_engine(e);
        int64_t now = (int64_t)time(NULL);
        db_exec(db, "DELETE FROM login_throttle");
        db_exec(db, "DELETE FROM rate_event");
        assert_int_equal(db_exec_args(db, "INSERT INTO login_throttle VALUES ('10.3.0.1', ?, 5, 0, 0),"
                                          " ('10.3.0.2', ?, 5, 0, 0)", DB_INT(now - 3600), DB_INT(now)), DB_DONE);
        assert_int_equal(db_exec_args(db, "INSERT INTO rate_event VALUES ('old', 1, ?, ?), ('new', 1, ?, ?)",
                                      DB_INT(now - 7200), DB_INT(now - 3600), DB_INT(now), DB_INT(now + 3600)),
                         DB_DONE);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            execl("/proc/self/exe", "test_shared_limits", "--prune-child", paths[e], (char *)NULL);
            _exit(127);
        }
        int st;
        assert_int_equal(waitpid(pid, &st, 0), pid);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        assert_int_equal(db_one_int(db, -1, "SELECT COUNT(*) FROM login_throttle WHERE subject LIKE '10.3.0.%'"), 2);
        assert_int_equal(db_one_int(db, -1, "SELECT COUNT(*) FROM login_throttle WHERE subject = '10.3.0.1'"), 0);
        assert_int_equal(db_one_int(db, -1, "SELECT COUNT(*) FROM rate_event WHERE name IN ('old', 'new')"), 1);
        assert_int_equal(db_one_int(db, -1, "SELECT COUNT(*) FROM rate_event WHERE name = 'new'"), 1);
        db_close(db);
    }
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--prune-child") == 0)
        return prune_child(argv[2]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(per_address_limit_holds_under_concurrency),
        cmocka_unit_test(global_limit_holds_across_addresses),
        cmocka_unit_test(an_ended_window_starts_again),
        cmocka_unit_test(rate_limit_holds_under_concurrency),
        cmocka_unit_test(rate_limit_waits_for_the_oldest_event_to_leave),
        cmocka_unit_test(ended_windows_and_events_are_deleted),
    };
    return cmocka_run_group_tests_name("unit_shared_limits", tests, setup, teardown);
}
