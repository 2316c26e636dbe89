/* test_backup.c — `minsheng backup`, `minsheng restore` and the one
 * server per database file, against the real server: a backup finishes
 * while clients keep writing and holds every write acknowledged before
 * it started; an interrupted backup leaves nothing under the final name
 * and a second run removes what a kill -9 left; a second server on the
 * same file is refused; restore refuses a corrupt file, a newer schema,
 * an audit chain that does not verify with the key, and a running
 * server; a good restore keeps the old files aside, audits itself,
 * verifies, and the server then serves the restored data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "storage/db.h"

#define WRITERS 4

static test_server srv;
static char *t_street;
static long long rid[WRITERS];

/* ---- helpers ------------------------------------------------------------- */

/* "<test dir>/name", in a rotating buffer of its own (fmt's eight are
 * reused by every request path). Main thread only. */
static const char *in_dir(const char *name)
{
    static char bufs[32][400];
    static int next;
    char *b = bufs[next++ % 32];
    snprintf(b, sizeof bufs[0], "%s/%s", srv.dir, name);
    return b;
}

/* Runs the command line on db (srv's when NULL) with the output kept in
 * *out (malloc'd); returns the exit status. */
static int cli_db(const char *db, const char *const *args, char **out)
{
    static int seq;
    test_server s = srv;
    char path[400];
    if (db)
        snprintf(s.db, sizeof s.db, "%s", db);
    snprintf(path, sizeof path, "%s/backup-cli-%d.out", srv.dir, ++seq);
    int rc = run_cli(&s, args, path, NULL);
    *out = read_whole_file(path, NULL);
    if (!*out)
        *out = calloc(1, 1);
    return rc;
}

static void assert_contains(const char *text, const char *needle)
{
    if (!strstr(text, needle))
        print_error("expected \"%s\" in:\n%s\n", needle, text);
    assert_non_null(strstr(text, needle));
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* How many entries of srv.dir start with prefix; the path of the last
 * one seen in last (may be NULL). */
static int find_prefixed(const char *prefix, char *last, size_t lastsz)
{
    DIR *d = opendir(srv.dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
            continue;
        n++;
        if (last)
            snprintf(last, lastsz, "%s/%s", srv.dir, e->d_name);
    }
    if (d)
        closedir(d);
    return n;
}

static int count_prefixed(const char *prefix)
{
    return find_prefixed(prefix, NULL, 0);
}

/* The notes of resident id in a database file, read-only. */
static void notes_in_file(const char *file, long long id, char *out, size_t outsz)
{
    char err[256];
    db_conn *db = db_open_readonly(file, err, sizeof err);
    assert_non_null(db);
    db_one_text(db, out, outsz, "SELECT notes FROM resident WHERE id = ?", DB_INT(id));
    db_close(db);
}

static void assert_intact(const char *file)
{
    char err[256], problem[256];
    db_conn *db = db_open_readonly(file, err, sizeof err);
    assert_non_null(db);
    if (db_integrity_check(db, problem, sizeof problem) != 0)
        print_error("integrity_check of %s: %s\n", file, problem);
    assert_int_equal(db_integrity_check(db, problem, sizeof problem), 0);
    db_close(db);
}

/* Waits up to ms for path to exist. */
static int appears(const char *path, int ms)
{
    for (int t = 0; t < ms; t += 20) {
        if (exists(path))
            return 1;
        usleep(20 * 1000);
    }
    return 0;
}

static void copy_file(const char *from, const char *to)
{
    size_t len;
    char *data = read_whole_file(from, &len);
    assert_non_null(data);
    FILE *f = fopen(to, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
    free(data);
}

/* Runs sql on a copy of a backup (read-write). */
static void exec_on(const char *file, const char *sql)
{
    char err[256];
    db_conn *db = db_open(file, err, sizeof err);
    assert_non_null(db);
    assert_int_equal(db_exec(db, sql), DB_DONE);
    db_close(db);
}

/* A good backup of the running server's database at path. */
static void take_backup(const char *path)
{
    char *out;
    int rc = cli_db(NULL, (const char *[]){"backup", path, NULL}, &out);
    if (rc != 0)
        print_error("backup -> %d:\n%s\n", rc, out);
    assert_int_equal(rc, 0);
    free(out);
}

/* ---- fixture ------------------------------------------------------------- */

static int setup(void **state)
{
    /* 20,000 households (~22 MB): the old online backup needed several
     * steps, and every write between two steps restarted it. */
    if (server_start(&srv, 20000, NULL) != 0)
        return -1;
    t_street = login(&srv, "jiedao", DEMO_PW);
    if (!t_street)
        return -1;
    json_t *j = NULL;
    if (api_get(&srv, t_street, "/api/v1/residents?page_size=20", &j) != 200)
        return -1;
    for (int i = 0; i < WRITERS; i++)
        rid[i] = jint(json_array_get(json_object_get(j, "items"), (size_t)i), "id");
    json_decref(j);
    return rid[WRITERS - 1] ? 0 : -1;
}

static int teardown(void **state)
{
    free(t_street);
    return server_stop(&srv);
}

/* ---- backup under load ------------------------------------------------------ */

typedef struct writer {
    int n;
    atomic_int acked;          /* the last sequence number answered 200 */
    atomic_int *stop;
} writer;

static void *write_loop(void *arg)
{
    writer *w = arg;
    for (int seq = 1; !atomic_load(w->stop); seq++) {
        char body[64], path[64];   /* not fmt(): its buffers are not per thread */
        http_resp r;
        snprintf(body, sizeof body, "{\"notes\":\"w%d-%d\"}", w->n, seq);
        snprintf(path, sizeof path, "/api/v1/residents/%lld", rid[w->n]);
        if (http(&srv, "PATCH", path, t_street, body, strlen(body), NULL, &r) == 0 &&
            r.status == 200)
            atomic_store(&w->acked, seq);
        http_free(&r);
    }
    return NULL;
}

static void backup_finishes_under_write_load(void **state)
{
    const char *dest = in_dir("under-load.db");
    atomic_int stop = 0;
    writer w[WRITERS];
    pthread_t th[WRITERS];
    int before[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        w[i].n = i;
        atomic_init(&w[i].acked, 0);
        w[i].stop = &stop;
        assert_int_equal(pthread_create(&th[i], NULL, write_loop, &w[i]), 0);
    }
    for (int i = 0; i < WRITERS; i++)   /* every writer has had writes acknowledged */
        for (int t = 0; t < 500 && atomic_load(&w[i].acked) < 3; t++)
            usleep(20 * 1000);
    for (int i = 0; i < WRITERS; i++)
        before[i] = atomic_load(&w[i].acked);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = cli_start(&srv, (const char *[]){"backup", dest, NULL}, in_dir("under-load.out"));
    assert_true(pid > 0);
    int rc = cli_wait(pid, 20000);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int during = 0;
    for (int i = 0; i < WRITERS; i++)
        during += atomic_load(&w[i].acked) - before[i];
    atomic_store(&stop, 1);
    for (int i = 0; i < WRITERS; i++)
        pthread_join(th[i], NULL);
    char *out = read_whole_file(in_dir("under-load.out"), NULL);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    print_message("backup under load: exit %d after %.1f s, %d writes acknowledged meanwhile\n", rc, secs, during);
    if (rc != 0)
        print_error("backup -> %d (-2: still running after 20 s):\n%s\n", rc, out ? out : "");
    assert_int_equal(rc, 0);
    assert_true(during > 0);   /* the load really ran while it copied */
    /* It says what it wrote, and that the key is not in it. */
    assert_contains(out, "字节");
    assert_contains(out, "居民");
    assert_contains(out, "审计记录");
    assert_contains(out, fmt("密钥文件 %s.key", srv.db));
    free(out);
    assert_false(exists(fmt("%s.partial-%d", dest, (int)pid)));
    struct stat st;
    assert_int_equal(stat(dest, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_intact(dest);
    /* Every write acknowledged before the backup started is in it. */
    for (int i = 0; i < WRITERS; i++) {
        char notes[64];
        int n = -1, seq = -1;
        notes_in_file(dest, rid[i], notes, sizeof notes);
        assert_int_equal(sscanf(notes, "w%d-%d", &n, &seq), 2);
        assert_int_equal(n, i);
        if (seq < before[i])
            print_error("resident %lld: backup has write %d, %d was acknowledged before it started\n", rid[i], seq,
                        before[i]);
        assert_true(seq >= before[i]);
    }
    /* Its audit chain verifies with the database's key. */
    setenv("MINSHENG_KEY_FILE", fmt("%s.key", srv.db), 1);
    rc = cli_db(dest, (const char *[]){"audit", "verify", NULL}, &out);
    unsetenv("MINSHENG_KEY_FILE");
    if (rc != 0)
        print_error("audit verify on the backup -> %d:\n%s\n", rc, out);
    assert_int_equal(rc, 0);
    free(out);
}

/* ---- interrupted backups ------------------------------------------------------ */

/* Starts a backup to dest that pauses with its partial file written
 * (test build hook); returns its pid once the partial file exists. */
static pid_t start_paused_backup(const char *dest)
{
    setenv("MINSHENG_TEST_BACKUP_PAUSE_MS", "20000", 1);
    pid_t pid = cli_start(&srv, (const char *[]){"backup", dest, NULL}, in_dir("paused.out"));
    unsetenv("MINSHENG_TEST_BACKUP_PAUSE_MS");
    assert_true(pid > 0);
    int seen = appears(fmt("%s.partial-%d", dest, (int)pid), 20000);
    if (!seen) {
        cli_wait(pid, 0);
        print_error("no %s.partial-%d appeared; the backup wrote:%s\n", dest, (int)pid,
                    exists(dest) ? " the final file directly" : " nothing");
    }
    assert_true(seen);
    return pid;
}

static void interrupted_backup_leaves_no_file(void **state)
{
    const char *dest = in_dir("killed.db");
    /* kill -9 mid-way: nothing under the final name. */
    pid_t pid = start_paused_backup(dest);
    kill(pid, SIGKILL);
    assert_int_equal(cli_wait(pid, 10000), 128 + SIGKILL);
    assert_false(exists(dest));
    assert_true(count_prefixed("killed.db.partial-") >= 1);   /* what the kill left (and its -journal) */
    /* The next run removes it and completes. */
    char *out;
    int rc = cli_db(NULL, (const char *[]){"backup", dest, NULL}, &out);
    if (rc != 0)
        print_error("second backup -> %d:\n%s\n", rc, out);
    assert_int_equal(rc, 0);
    assert_contains(out, "未完成文件 1 个");
    free(out);
    assert_int_equal(count_prefixed("killed.db.partial-"), 0);
    assert_intact(dest);

    /* SIGTERM (and Ctrl-C) mid-way: the partial file goes too. */
    const char *dest2 = in_dir("terminated.db");
    pid = start_paused_backup(dest2);
    kill(pid, SIGTERM);
    assert_int_equal(cli_wait(pid, 10000), 128 + SIGTERM);
    assert_false(exists(dest2));
    assert_int_equal(count_prefixed("terminated.db.partial-"), 0);
    pid = start_paused_backup(dest2);
    kill(pid, SIGINT);
    assert_int_equal(cli_wait(pid, 10000), 128 + SIGINT);
    assert_false(exists(dest2));
    assert_int_equal(count_prefixed("terminated.db.partial-"), 0);

    /* An existing backup is never overwritten without --force. */
    rc = cli_db(NULL, (const char *[]){"backup", dest, NULL}, &out);
    assert_int_equal(rc, 1);
    assert_contains(out, "--force");
    free(out);
    rc = cli_db(NULL, (const char *[]){"backup", "--force", dest, NULL}, &out);
    assert_int_equal(rc, 0);
    free(out);
}

/* ---- one server per database file ------------------------------------------------ */

static void second_server_and_restore_refused_while_serving(void **state)
{
    /* A second server on the same file: refused at once, exit 1. */
    const char *log = in_dir("second-server.out");
    pid_t pid = cli_start(&srv, (const char *[]){"serve", "--listen", fmt("127.0.0.1:%d", srv.port + 1),
                                                  "--two-factor", "off", NULL},
                          log);
    assert_true(pid > 0);
    int rc = cli_wait(pid, 15000);
    char *out = read_whole_file(log, NULL);
    if (rc != 1)
        print_error("second serve -> %d (-2: it kept running):\n%s\n", rc, out ? out : "");
    assert_int_equal(rc, 1);
    assert_contains(out, fmt("%s.lock", srv.db));
    assert_contains(out, "只能运行一个服务");
    free(out);
    /* Restore refuses while the server holds the lock, and touches nothing. */
    const char *good = in_dir("while-serving.db");
    take_backup(good);
    rc = cli_db(NULL, (const char *[]){"restore", "--force", good, NULL}, &out);
    assert_int_equal(rc, 1);
    assert_contains(out, "停止服务");
    free(out);
    assert_int_equal(count_prefixed("test.db.before-restore-"), 0);
    assert_int_equal(count_prefixed("test.db.partial-"), 0);
    /* Command-line writers still work beside the server. */
    setenv("MINSHENG_PASSWORD", "Beifen#Ceshi2026", 1);
    rc = cli_db(NULL, (const char *[]){"user", "add", "beifen01", "--role", "grid", "--org", "371702001001-01", NULL},
                &out);
    unsetenv("MINSHENG_PASSWORD");
    if (rc != 0)
        print_error("user add beside the server -> %d:\n%s\n", rc, out);
    assert_int_equal(rc, 0);
    free(out);
    json_decref(api_get_ok(&srv, t_street, "/api/v1/residents?page_size=20"));
}

/* ---- restore refuses bad backups ----------------------------------------------------- */

/* Restores file into a new database beside the server's (so the
 * server's lock is not what refuses it); expects a refusal naming
 * `needle`, and nothing created. */
static void assert_restore_refused(const char *file, const char *key, const char *needle)
{
    const char *target = in_dir("target.db");
    char *out;
    int rc = cli_db(target, (const char *[]){"--key-file", key, "restore", file, NULL}, &out);
    if (rc != 1 || !strstr(out, needle))
        print_error("restore %s -> %d:\n%s\n", file, rc, out);
    assert_int_equal(rc, 1);
    assert_contains(out, needle);
    free(out);
    assert_false(exists(target));
    assert_int_equal(count_prefixed("target.db.partial-"), 0);
}

static void restore_refuses_bad_backups(void **state)
{
    const char *good = in_dir("for-refusals.db");
    char key[400];
    snprintf(key, sizeof key, "%s.key", srv.db);
    take_backup(good);

    /* Not a database at all, and a database with damaged pages. */
    const char *text = in_dir("not-a-db.db");
    FILE *f = fopen(text, "w");
    assert_non_null(f);
    fputs("姓名,身份证号\n张三,110101199003070012\n", f);
    fclose(f);
    assert_restore_refused(text, key, "不是数据库");
    const char *corrupt = in_dir("corrupt.db");
    copy_file(good, corrupt);
    struct stat st;
    assert_int_equal(stat(corrupt, &st), 0);
    int fd = open(corrupt, O_WRONLY);
    assert_true(fd >= 0);
    char junk[4096];
    memset(junk, 0x5a, sizeof junk);
    for (off_t off = st.st_size / 3; off < st.st_size / 3 + 16 * 4096; off += 4096)
        assert_int_equal(pwrite(fd, junk, sizeof junk, off), (ssize_t)sizeof junk);
    close(fd);
    assert_restore_refused(corrupt, key, "已损坏");

    /* A newer schema than this program knows. */
    const char *newer = in_dir("newer.db");
    copy_file(good, newer);
    exec_on(newer, "INSERT INTO schema_migrations(version, name, applied_at)"
                   " VALUES (9999, '9999_future.sql', '2030-01-01 00:00:00')");
    assert_restore_refused(newer, key, "9999");

    /* An audit chain that does not verify with the key in use: another
     * key, or a row changed in the file. */
    const char *other_key = in_dir("other.key");
    fd = open(other_key, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    unsigned char k[32];
    for (size_t i = 0; i < sizeof k; i++)
        k[i] = (unsigned char)(rand() & 0xff);
    assert_int_equal(write(fd, k, sizeof k), (ssize_t)sizeof k);
    close(fd);
    assert_restore_refused(good, other_key, fmt("用密钥文件 %s 校验", other_key));
    const char *tampered = in_dir("tampered.db");
    copy_file(good, tampered);
    exec_on(tampered, "UPDATE audit_log SET detail = '改过' WHERE id = (SELECT MAX(id) FROM audit_log)");
    assert_restore_refused(tampered, key, "被修改");
    /* No key file at all: refused, naming where it is looked for. */
    assert_restore_refused(good, in_dir("missing.key"), fmt("密钥文件 %s 不存在", in_dir("missing.key")));

    /* The good one restores into a new file (no --force needed there). */
    const char *target = in_dir("target.db");
    char *out;
    int rc = cli_db(target, (const char *[]){"--key-file", key, "restore", good, NULL}, &out);
    if (rc != 0)
        print_error("restore into a new file -> %d:\n%s\n", rc, out);
    assert_int_equal(rc, 0);
    free(out);
    assert_intact(target);
}

/* ---- a good restore ----------------------------------------------------------------- */

static void restore_then_serve_the_restored_data(void **state)
{
    const char *good = in_dir("good.db");
    char kept_notes[64], *out;
    take_backup(good);
    notes_in_file(good, rid[0], kept_notes, sizeof kept_notes);
    json_decref(api_expect(&srv, t_street, "PATCH", fmt("/api/v1/residents/%lld", rid[0]),
                           "{\"notes\":\"备份之后的修改\"}", 200));
    assert_int_equal(server_halt(&srv), 0);   /* seals a checkpoint at shutdown */
    assert_true(exists(fmt("%s.audit-seal", srv.db)));

    /* Replacing an existing database needs --force. */
    int rc = cli_db(NULL, (const char *[]){"restore", good, NULL}, &out);
    assert_int_equal(rc, 1);
    assert_contains(out, "--force");
    free(out);
    assert_int_equal(count_prefixed("test.db.before-restore-"), 0);

    rc = cli_db(NULL, (const char *[]){"restore", "--force", good, NULL}, &out);
    if (rc != 0)
        print_error("restore -> %d:\n%s\n", rc, out);
    assert_int_equal(rc, 0);
    assert_contains(out, "before-restore-");
    free(out);
    /* The old database (self-contained: its -wal went with it) and the
     * old seal file are kept aside. */
    char kept[600], kept_notes_now[64];
    assert_int_equal(find_prefixed("test.db.before-restore-", kept, sizeof kept), 1);
    assert_int_equal(count_prefixed("test.db.audit-seal.before-restore-"), 1);
    assert_false(exists(fmt("%s-wal", kept)) && !exists(kept));
    assert_intact(kept);
    notes_in_file(kept, rid[0], kept_notes_now, sizeof kept_notes_now);
    assert_string_equal(kept_notes_now, "备份之后的修改");
    /* The log verifies against the new seal file. */
    rc = cli_db(NULL, (const char *[]){"audit", "verify", NULL}, &out);
    if (rc != 0)
        print_error("audit verify after restore -> %d:\n%s\n", rc, out);
    assert_int_equal(rc, 0);
    assert_contains(out, "检查点 1 个");
    free(out);

    /* The server serves the restored data, and the log says so. */
    assert_int_equal(server_launch(&srv, NULL), 0);
    char *tok = login(&srv, "jiedao", DEMO_PW);
    assert_non_null(tok);
    json_t *r = api_get_ok(&srv, tok, fmt("/api/v1/residents/%lld", rid[0]));
    assert_string_equal(jstr(r, "notes"), kept_notes);
    json_decref(r);
    free(tok);
    tok = login(&srv, "auditor", DEMO_PW);
    assert_non_null(tok);
    r = api_get_ok(&srv, tok, "/api/v1/audit?action=restore");
    assert_int_equal(jint(r, "total"), 1);
    assert_contains(jstr(json_array_get(json_object_get(r, "items"), 0), "detail"), good);
    json_decref(r);
    free(tok);
}

int main(void)
{
    if (skip_on_pg("backup and restore copy a SQLite file and one server holds its lock file; "
                   "on PostgreSQL backup points to pg_dump (test_pg_smoke)"))
        return 0;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(backup_finishes_under_write_load),
        cmocka_unit_test(interrupted_backup_leaves_no_file),
        cmocka_unit_test(second_server_and_restore_refused_while_serving),
        cmocka_unit_test(restore_refuses_bad_backups),
        cmocka_unit_test(restore_then_serve_the_restored_data),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
