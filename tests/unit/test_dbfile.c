/* test_dbfile.c — the database's files on disk (storage/dbfile.c) and
 * the one-pass copy (db_backup) without a server: the lock refuses a
 * second holder and names it, install never replaces a file unless told
 * to, stale partial files of dead processes go and live ones stay, a
 * database moves aside with its -wal, and db_backup's copy is a
 * self-contained file that db_open_readonly and db_integrity_check
 * accept, while a non-database is refused without aborting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/db.h"
#include "storage/dbfile.h"

static char dir[256];

static const char *at(const char *name)
{
    static char bufs[8][512];
    static int next;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
    return b;
}

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void assert_holds(const char *path, const char *text)
{
    char buf[256] = "";
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    assert_string_equal(buf, text);
}

static int setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/minsheng-dbfile-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void lock_refuses_a_second_holder(void **state)
{
    char err[1024];
    const char *db = at("lock.db");
    int fd = dbfile_lock(db, err, sizeof err);
    assert_true(fd >= 0);
    /* flock belongs to the open file: a second open is a second holder. */
    assert_int_equal(dbfile_lock(db, err, sizeof err), -2);
    assert_non_null(strstr(err, at("lock.db.lock")));
    char pid[32];
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    assert_non_null(strstr(err, pid));
    dbfile_unlock(fd);
    fd = dbfile_lock(db, err, sizeof err);
    assert_true(fd >= 0);
    dbfile_unlock(fd);
}

static void install_replaces_only_when_told(void **state)
{
    put(at("new"), "new");
    put(at("final"), "old");
    assert_int_equal(dbfile_install(at("new"), at("final"), 0), -2);
    assert_holds(at("final"), "old");
    assert_holds(at("new"), "new");
    assert_int_equal(dbfile_install(at("new"), at("final"), 1), 0);
    assert_holds(at("final"), "new");
    assert_false(dbfile_exists(at("new")));
    put(at("new2"), "second");
    assert_int_equal(dbfile_install(at("new2"), at("fresh"), 0), 0);
    assert_holds(at("fresh"), "second");
    assert_false(dbfile_exists(at("new2")));
}

static void stale_partials_of_dead_processes_go(void **state)
{
    char mine[600], parent[600];
    /* pid_max is at most 2^22: this pid cannot be running. */
    put(at("b.db.partial-9999999"), "x");
    put(at("b.db.partial-9999999-journal"), "x");
    snprintf(parent, sizeof parent, "%s.partial-%ld", at("b.db"), (long)getppid());
    put(parent, "alive");
    dbfile_partial_name(at("b.db"), mine, sizeof mine);
    put(mine, "mine");
    put(at("other.db.partial-9999999"), "another file's");
    assert_int_equal(dbfile_remove_stale_partials(at("b.db")), 1);
    assert_false(dbfile_exists(at("b.db.partial-9999999")));
    assert_false(dbfile_exists(at("b.db.partial-9999999-journal")));
    assert_true(dbfile_exists(parent));
    assert_true(dbfile_exists(mine));
    assert_true(dbfile_exists(at("other.db.partial-9999999")));
}

static void move_aside_takes_the_wal_and_drops_the_shm(void **state)
{
    char err[1024];
    put(at("m.db"), "db");
    put(at("m.db-wal"), "wal");
    put(at("m.db-shm"), "shm");
    assert_int_equal(dbfile_move_aside(at("m.db"), at("kept"), err, sizeof err), 0);
    assert_holds(at("kept"), "db");
    assert_holds(at("kept-wal"), "wal");
    assert_false(dbfile_exists(at("m.db")));
    assert_false(dbfile_exists(at("m.db-wal")));
    assert_false(dbfile_exists(at("m.db-shm")));
    assert_int_equal(dbfile_move_aside(at("absent.db"), at("kept2"), err, sizeof err), -1);
    assert_non_null(strstr(err, "absent.db"));
}

static void one_pass_copy_is_self_contained(void **state)
{
    char err[256], problem[256];
    db_conn *db = db_open(at("src.db"), err, sizeof err);
    assert_non_null(db);
    assert_int_equal(db_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3)"), DB_DONE);
    assert_int_equal(db_backup(db, at("copy.db"), err, sizeof err), 0);
    assert_int_equal(db_exec(db, "INSERT INTO t VALUES (4)"), DB_DONE);
    db_close(db);
    assert_false(dbfile_exists(at("copy.db-wal")));
    db_conn *ro = db_open_readonly(at("copy.db"), err, sizeof err);
    assert_non_null(ro);
    assert_int_equal(db_integrity_check(ro, problem, sizeof problem), 0);
    assert_int_equal(db_one_int(ro, -1, "SELECT COUNT(*) FROM t"), 3);
    db_close(ro);
    assert_false(dbfile_exists(at("copy.db-shm")));   /* immutable: nothing created beside it */
    /* The copy never goes over an existing file. */
    db = db_open(at("src.db"), err, sizeof err);
    assert_int_not_equal(db_backup(db, at("copy.db"), err, sizeof err), 0);
    db_close(db);
    /* Not a database: refused by the check, no abort. */
    put(at("text.db"), "姓名,身份证号\n");
    ro = db_open_readonly(at("text.db"), err, sizeof err);
    assert_non_null(ro);
    assert_int_equal(db_integrity_check(ro, problem, sizeof problem), -1);
    assert_non_null(strstr(problem, "not a database"));
    db_close(ro);
    assert_true(db_schema_latest() >= 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lock_refuses_a_second_holder),
        cmocka_unit_test(install_replaces_only_when_told),
        cmocka_unit_test(stale_partials_of_dead_processes_go),
        cmocka_unit_test(move_aside_takes_the_wal_and_drops_the_shm),
        cmocka_unit_test(one_pass_copy_is_self_contained),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
