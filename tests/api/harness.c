/* harness.c — see harness.h. */
#include "harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <liboath/oath.h>
#include <sqlite3.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "storage/db.h"

static const char *bin_path(void)
{
    const char *b = getenv("MINSHENG_BIN");
    return b && *b ? b : "build-test/minsheng";
}

const char *fmt(const char *f, ...)
{
    static char bufs[8][1024];
    static int next;
    char *b = bufs[next++ % 8];
    va_list ap;
    va_start(ap, f);
    vsnprintf(b, 1024, f, ap);
    va_end(ap);
    return b;
}

static int spawn(const char *const *argv, const char *out_path, const char *stdin_data, pid_t *pid_out)
{
    int in_pipe[2] = {-1, -1};
    if (stdin_data && pipe(in_pipe) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (out_path) {
            int fd = open(out_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
            if (fd >= 0) {
                dup2(fd, 1);
                dup2(fd, 2);
                close(fd);
            }
        }
        if (stdin_data) {
            dup2(in_pipe[0], 0);
            close(in_pipe[0]);
            close(in_pipe[1]);
        } else {
            int fd = open("/dev/null", O_RDONLY);
            dup2(fd, 0);
            close(fd);
        }
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    if (stdin_data) {
        close(in_pipe[0]);
        size_t n = strlen(stdin_data);
        if (write(in_pipe[1], stdin_data, n) != (ssize_t)n)
            perror("write");
        close(in_pipe[1]);
    }
    *pid_out = pid;
    return 0;
}

/* A wait status as a shell would give it: the exit code, or 128 + signal. */
static int exit_status(int st)
{
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static int wait_exit(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return exit_status(st);
}

/* Starts `minsheng --db <db of s> args...` with stdin_data on its stdin. */
static pid_t spawn_cli(const test_server *s, const char *const *args, const char *out_path, const char *stdin_data)
{
    const char *argv[32];
    size_t n = 0;
    pid_t pid;
    argv[n++] = bin_path();
    argv[n++] = "--db";
    argv[n++] = s->db;
    if (s->key_file[0]) {
        argv[n++] = "--key-file";
        argv[n++] = s->key_file;
    }
    for (size_t i = 0; args && args[i] && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    return spawn(argv, out_path ? out_path : s->log, stdin_data, &pid) == 0 ? pid : -1;
}

int run_cli(const test_server *s, const char *const *args, const char *out_path, const char *stdin_data)
{
    pid_t pid = spawn_cli(s, args, out_path, stdin_data);
    return pid > 0 ? wait_exit(pid) : -1;
}

int run_cli_output(const test_server *s, const char *const *args, const char *stdin_data, char **out)
{
    static int seq;
    char path[400];
    snprintf(path, sizeof path, "%s/cli-output-%d.out", s->dir, ++seq);
    int rc = run_cli(s, args, path, stdin_data);
    *out = read_whole_file(path, NULL);
    if (!*out)
        *out = calloc(1, 1);
    return rc;
}

pid_t cli_start(const test_server *s, const char *const *args, const char *out_path)
{
    return spawn_cli(s, args, out_path, NULL);
}

int cli_wait(pid_t pid, int timeout_ms)
{
    int st;
    for (int waited = 0;; waited += 20) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            return exit_status(st);
        if (r < 0 && errno != EINTR)
            return -1;
        if (waited >= timeout_ms) {
            kill(pid, SIGKILL);
            wait_exit(pid);
            return -2;
        }
        usleep(20 * 1000);
    }
}

/* How many times the server log says the server started (it prints the
 * line once it holds its port). */
static int starts_logged(const char *log)
{
    FILE *f = fopen(log, "r");
    char line[1024];
    int n = 0;
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        n += strstr(line, "已启动") != NULL;
    fclose(f);
    return n;
}

/* Ready when this server has logged its start (so the answer below is
 * not from another test's server that holds the same random port) and
 * answers. starts_before: the count before it was spawned. */
static int wait_ready(test_server *s, int starts_before)
{
    for (int i = 0; i < 200; i++) {
        http_resp r;
        if (starts_logged(s->log) > starts_before &&
            http(s, "GET", "/api/v1/openapi.json", NULL, NULL, 0, NULL, &r) == 0) {
            long st = r.status;
            http_free(&r);
            if (st == 200)
                return 0;
        }
        int status;
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
            s->pid = 0;
            return -1;   /* server died (port taken?) */
        }
        usleep(50 * 1000);
    }
    return -1;
}

/* Starts `serve` on s->db at a random port (a few tries). */
static int serve_db(test_server *s, const char *const *serve_args)
{
    srand((unsigned)(time(NULL) ^ getpid()));
    return server_launch(s, serve_args);
}

int server_launch(test_server *s, const char *const *serve_args)
{
    for (int attempt = 0; attempt < 5; attempt++) {
        s->port = 20000 + rand() % 20000;
        const char *argv[32];
        size_t n = 0;
        char listen[64];
        snprintf(listen, sizeof listen, "127.0.0.1:%d", s->port);
        argv[n++] = bin_path();
        argv[n++] = "--db";
        argv[n++] = s->db;
        if (s->key_file[0]) {
            argv[n++] = "--key-file";
            argv[n++] = s->key_file;
        }
        argv[n++] = "serve";
        argv[n++] = "--listen";
        argv[n++] = listen;
        int two_factor_given = 0;
        for (size_t i = 0; serve_args && serve_args[i] && n < 29; i++) {
            two_factor_given |= strcmp(serve_args[i], "--two-factor") == 0;
            s->tls |= strcmp(serve_args[i], "--tls-cert") == 0;
            argv[n++] = serve_args[i];
        }
        if (!two_factor_given) {   /* tests sign in with passwords only, unless they ask */
            argv[n++] = "--two-factor";
            argv[n++] = "off";
        }
        argv[n] = NULL;
        int starts = starts_logged(s->log);
        if (spawn(argv, s->log, NULL, &s->pid) != 0)
            return -1;
        if (wait_ready(s, starts) == 0)
            return 0;
        if (s->pid) {
            kill(s->pid, SIGKILL);
            wait_exit(s->pid);
        }
    }
    fprintf(stderr, "harness: server did not start, see %s\n", s->log);
    return -1;
}

int server_start(test_server *s, long households, const char *const *serve_args)
{
    return server_start_db(s, NULL, households, serve_args);
}

/* ---- the engine of the run ------------------------------------------------ */

int test_engine_pg(void)
{
    const char *e = getenv("MINSHENG_TEST_ENGINE");
    return e && (strcmp(e, "postgres") == 0 || strcmp(e, "postgresql") == 0);
}

const char *test_engine_name(void)
{
    return test_engine_pg() ? "postgresql" : "sqlite";
}

int skip_on_pg(const char *why)
{
    if (!test_engine_pg())
        return 0;
    printf("[ SKIP     ] %s on PostgreSQL: %s\n", program_invocation_short_name, why);
    fflush(stdout);
    return 1;
}

/* The cluster of a PostgreSQL run: the database MINSHENG_TEST_PG_URI
 * names (scripts/test-suite.sh starts one cluster for the whole run), or
 * a cluster of this process's own (scripts/pg-temp.sh, removed at exit
 * and by its watcher if the test crashes), so that one API test runs
 * alone with only MINSHENG_TEST_ENGINE=postgres. */
static char pg_base[160];       /* the cluster's URI up to the database name, with its trailing '/' */
static char pg_query[64];       /* what followed the database name ("?..."), or "" */
static char pg_own_cluster[64]; /* the directory of this process's own cluster, or "" */

static void stop_own_cluster(void)
{
    if (!pg_own_cluster[0])
        return;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "sh scripts/pg-temp.sh stop '%s'", pg_own_cluster);
    if (system(cmd) != 0)
        fprintf(stderr, "harness: could not stop the cluster in %s\n", pg_own_cluster);
    pg_own_cluster[0] = '\0';
}

static int pg_cluster_uri(char *out, size_t outsz)
{
    const char *given = getenv("MINSHENG_TEST_PG_URI");
    if (given && *given) {
        snprintf(out, outsz, "%s", given);
        return 0;
    }
    snprintf(pg_own_cluster, sizeof pg_own_cluster, "/tmp/minsheng-pg-XXXXXX");
    if (!mkdtemp(pg_own_cluster))
        return -1;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "PG_TEMP_WATCH_PID=%d sh scripts/pg-temp.sh start '%s'", (int)getpid(), pg_own_cluster);
    FILE *p = popen(cmd, "r");
    if (!p || !fgets(out, (int)outsz, p))
        out[0] = '\0';
    int rc = p ? pclose(p) : -1;
    out[strcspn(out, "\n")] = '\0';
    if (rc != 0 || !db_is_postgres(out)) {
        fprintf(stderr, "harness: 无法启动临时 PostgreSQL 集群 (scripts/pg-temp.sh start %s): "
                        "PostgreSQL 15 未安装？运行 scripts/install-deps.sh\n", pg_own_cluster);
        rmdir(pg_own_cluster);
        pg_own_cluster[0] = '\0';
        return -1;
    }
    setenv("MINSHENG_TEST_PG_URI", out, 1);   /* once per process */
    atexit(stop_own_cluster);
    return 0;
}

/* Runs one statement on the cluster's own database (CREATE/DROP
 * DATABASE run outside a transaction). */
static int pg_cluster_exec(const char *sql)
{
    char uri[400], err[256];
    snprintf(uri, sizeof uri, "%spostgres%s", pg_base, pg_query);
    db_conn *c = db_open(uri, err, sizeof err);
    if (!c) {
        fprintf(stderr, "harness: %s\n", err);
        return -1;
    }
    int rc = db_exec(c, sql);
    if (rc != DB_DONE)
        fprintf(stderr, "harness: %s: %s\n", sql, db_errmsg(c));
    db_close(c);
    return rc == DB_DONE ? 0 : -1;
}

/* Finds (or starts) the run's cluster once: pg_base, pg_query. */
static int pg_cluster_ready(void)
{
    if (pg_base[0])
        return 0;
    char uri[256];
    if (pg_cluster_uri(uri, sizeof uri) != 0)
        return -1;
    /* postgresql://user@host:port/dbname[?query]: keep all but dbname */
    const char *auth = strstr(uri, "://");
    const char *slash = auth ? strchr(auth + 3, '/') : NULL;
    if (!slash) {
        fprintf(stderr, "harness: MINSHENG_TEST_PG_URI is not a postgresql://…/dbname URI: %s\n", uri);
        return -1;
    }
    const char *q = strchr(slash, '?');
    snprintf(pg_base, sizeof pg_base, "%.*s", (int)(slash + 1 - uri), uri);
    snprintf(pg_query, sizeof pg_query, "%s", q ? q : "");
    return 0;
}

/* A new database in the run's cluster for s: a copy of the template
 * database tmpl, or when tmpl is NULL an empty one, UTF8 with the C
 * collation migration pg/0001 requires; s->db becomes its URI and
 * s->pg_db its name (server_stop drops it). */
static int pg_create_database(test_server *s, const char *tmpl)
{
    static unsigned seq;
    if (pg_cluster_ready() != 0)
        return -1;
    snprintf(s->pg_db, sizeof s->pg_db, "ms_test_%d_%u", (int)getpid(), ++seq);
    const char *sql = tmpl ? fmt("CREATE DATABASE %s TEMPLATE %s", s->pg_db, tmpl)
                           : fmt("CREATE DATABASE %s ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0",
                                 s->pg_db);
    if (pg_cluster_exec(sql) != 0) {
        s->pg_db[0] = '\0';
        return -1;
    }
    snprintf(s->db, sizeof s->db, "%s%s%s", pg_base, s->pg_db, pg_query);
    return 0;
}

/* The demo street of `households` households (seed 7) is made once per
 * cluster and build of the program, as a template database
 * ms_tmpl_h<households>_<the program's mtime> whose key file
 * is kept (hex) in the table ms_test_template of the cluster's
 * `postgres` database; each server_start copies it (CREATE DATABASE …
 * TEMPLATE, a fraction of a second where the demo takes seconds on
 * PostgreSQL) and writes the key file beside. An advisory lock keeps
 * two processes from making the same template. s gives the temp dir
 * for the demo's log and key file. Returns 0 with the template's name in
 * tmpl and its key file written to s->key_file, or -1. */
static int pg_demo_template(test_server *s, long households, char tmpl[64])
{
    char uri[400], err[256], hex[2 * 512 + 1] = "";
    struct stat bin;
    snprintf(tmpl, 64, "ms_tmpl_h%ld_%lld", households, stat(bin_path(), &bin) == 0 ? (long long)bin.st_mtime : 0LL);
    snprintf(uri, sizeof uri, "%spostgres%s", pg_base, pg_query);
    db_conn *c = db_open(uri, err, sizeof err);
    if (!c) {
        fprintf(stderr, "harness: %s\n", err);
        return -1;
    }
    int rc = -1;
    if (db_exists(c, "SELECT 1 FROM (SELECT pg_advisory_lock(7117)) AS l") != 1 ||
        db_exec(c, "CREATE TABLE IF NOT EXISTS ms_test_template(name text PRIMARY KEY, key_hex text NOT NULL)") != DB_DONE)
        goto out;
    if (!db_one_text(c, hex, sizeof hex, "SELECT key_hex FROM ms_test_template WHERE name = ?", DB_TEXT(tmpl))) {
        test_server t = *s;
        snprintf(t.db, sizeof t.db, "%s%s%s", pg_base, tmpl, pg_query);
        snprintf(t.key_file, sizeof t.key_file, "%s/template.key", s->dir);
        const char *demo[] = {"demo", "--households", fmt("%ld", households), "--seed", "7", NULL};
        size_t len = 0;
        char *key = NULL;
        if (db_exec(c, fmt("DROP DATABASE IF EXISTS %s", tmpl)) != DB_DONE ||
            db_exec(c, fmt("CREATE DATABASE %s ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0",
                           tmpl)) != DB_DONE ||
            run_cli(&t, demo, NULL, NULL) != 0 || !(key = read_whole_file(t.key_file, &len)) || len > 512) {
            fprintf(stderr, "harness: the demo template %s failed, see %s\n", tmpl, s->log);
            free(key);
            goto out;
        }
        for (size_t i = 0; i < len; i++)
            snprintf(hex + 2 * i, 3, "%02x", (unsigned char)key[i]);
        free(key);
        unlink(t.key_file);
        if (db_exec_args(c, "INSERT INTO ms_test_template(name, key_hex) VALUES (?, ?)", DB_TEXT(tmpl),
                         DB_TEXT(hex)) != DB_DONE)
            goto out;
    }
    int fd = open(s->key_file, O_WRONLY | O_CREAT | O_EXCL, 0600);
    size_t n = strlen(hex) / 2;
    unsigned char key[512];
    for (size_t i = 0; i < n; i++)
        sscanf(hex + 2 * i, "%2hhx", &key[i]);
    if (fd >= 0 && write(fd, key, n) == (ssize_t)n)
        rc = 0;
    if (fd >= 0)
        close(fd);
out:
    db_exists(c, "SELECT 1 FROM (SELECT pg_advisory_unlock(7117)) AS l");
    db_close(c);
    return rc;
}

/* The copies server_db_copy made (dropped with the server's database). */
static char pg_copies[32][96];
static int pg_ncopies;

static void pg_drop_database(test_server *s)
{
    if (!s->pg_db[0] || getenv("KEEP_TEST_DIR"))
        return;
    size_t n = strlen(s->pg_db);
    for (int i = 0; i < pg_ncopies; i++)
        if (strncmp(pg_copies[i], s->pg_db, n) == 0 && pg_copies[i][n] == '_') {
            pg_cluster_exec(fmt("DROP DATABASE IF EXISTS %s WITH (FORCE)", pg_copies[i]));
            pg_copies[i][0] = '\0';
        }
    pg_cluster_exec(fmt("DROP DATABASE IF EXISTS %s WITH (FORCE)", s->pg_db));
    s->pg_db[0] = '\0';
}

/* The directory of PostgreSQL's programs, as scripts/pg-temp.sh finds it. */
static const char *pg_bindir(void)
{
    static char dir[256];
    if (!dir[0]) {
        FILE *p = popen("if [ -n \"${PGBIN:-}\" ]; then echo \"$PGBIN\"; else "
                        "ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; fi", "r");
        if (!p || !fgets(dir, sizeof dir, p))
            dir[0] = '\0';
        if (p)
            pclose(p);
        dir[strcspn(dir, "\n")] = '\0';
    }
    return dir;
}

const char *server_key_path(const test_server *s)
{
    return s->key_file[0] ? s->key_file : fmt("%s.key", s->db);
}

char *server_db_bytes(const test_server *s, size_t *len)
{
    char path[400];
    if (db_is_postgres(s->db)) {
        char cmd[1200];
        snprintf(path, sizeof path, "%s/pg_dump.sql", s->dir);
        snprintf(cmd, sizeof cmd, "'%s/pg_dump' --no-owner -d '%s' -f '%s'", pg_bindir(), s->db, path);
        assert_int_equal(system(cmd), 0);
        char *b = read_whole_file(path, len);
        assert_non_null(b);
        unlink(path);
        return b;
    }
    size_t a = 0, w = 0;
    char *main_ = read_whole_file(s->db, &a);
    snprintf(path, sizeof path, "%s-wal", s->db);
    char *wal = read_whole_file(path, &w);
    assert_non_null(main_);
    main_ = realloc(main_, a + w + 1);
    assert_non_null(main_);
    if (wal)
        memcpy(main_ + a, wal, w);
    main_[a + w] = '\0';
    free(wal);
    *len = a + w;
    return main_;
}

const char *server_db_copy(const test_server *s, const char *name)
{
    static char bufs[4][300];
    static int next;
    char *out = bufs[next++ % 4];
    char err[256];
    if (!db_is_postgres(s->db)) {
        snprintf(out, 300, "%s/%s.db", s->dir, name);
        db_conn *db = db_open(s->db, err, sizeof err);
        assert_non_null(db);
        assert_int_equal(db_exec(db, fmt("VACUUM INTO '%s'", out)), DB_DONE);
        db_close(db);
        return out;
    }
    assert_true(s->pg_db[0] && pg_ncopies < 32);
    char *copy = pg_copies[pg_ncopies++];
    snprintf(copy, sizeof pg_copies[0], "%s_%.20s", s->pg_db, name);
    assert_int_equal(pg_cluster_exec(fmt("CREATE DATABASE %s ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
                                         " TEMPLATE template0", copy)), 0);
    snprintf(out, 300, "%s%s%s", pg_base, copy, pg_query);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "'%s/pg_dump' --no-owner -d '%s' | '%s/psql' -X -q -v ON_ERROR_STOP=1 -d '%s' >/dev/null",
             pg_bindir(), s->db, pg_bindir(), out);
    int rc = system(cmd);
    if (rc != 0)
        print_error("%s failed\n", cmd);
    assert_int_equal(rc, 0);
    return out;
}

int server_new_db(test_server *s)
{
    return server_start_db(s, NULL, -1, NULL);
}

int server_start_db(test_server *s, const char *db, long households, const char *const *serve_args)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "/tmp/minsheng-test-XXXXXX");
    if (!mkdtemp(s->dir))
        return -1;
    if (db) {
        snprintf(s->db, sizeof s->db, "%s", db);
        snprintf(s->key_file, sizeof s->key_file, "%s/test.key", s->dir);
    } else if (test_engine_pg()) {
        char tmpl[64];
        snprintf(s->key_file, sizeof s->key_file, "%s/test.key", s->dir);
        snprintf(s->log, sizeof s->log, "%s/server.log", s->dir);
        if (households < 0)   /* server_new_db: empty */
            return pg_create_database(s, NULL);
        if (pg_cluster_ready() != 0 || pg_demo_template(s, households, tmpl) != 0 ||
            pg_create_database(s, tmpl) != 0)
            return -1;
        return serve_db(s, serve_args);
    } else {
        snprintf(s->db, sizeof s->db, "%s/test.db", s->dir);
    }
    snprintf(s->log, sizeof s->log, "%s/server.log", s->dir);
    if (households < 0)   /* server_new_db */
        return 0;
    const char *demo[] = {"demo", "--households", fmt("%ld", households), "--seed", "7", NULL};
    if (run_cli(s, demo, NULL, NULL) != 0) {
        /* the temp dir goes with the test: say here what demo said */
        char *said = read_whole_file(s->log, NULL);
        size_t n = said ? strlen(said) : 0;
        fprintf(stderr, "harness: demo failed (%s); its last output:\n%s\n", s->log,
                said ? said + (n > 2000 ? n - 2000 : 0) : "(none)");
        free(said);
        return -1;
    }
    return serve_db(s, serve_args);
}

int server_start_peer(test_server *s, const test_server *first, const char *const *serve_args)
{
    size_t len = 0;
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "/tmp/minsheng-test-XXXXXX");
    if (!mkdtemp(s->dir))
        return -1;
    snprintf(s->db, sizeof s->db, "%s", first->db);
    snprintf(s->log, sizeof s->log, "%s/server.log", s->dir);
    snprintf(s->key_file, sizeof s->key_file, "%s/test.key", s->dir);
    char *key = read_whole_file(first->key_file, &len);
    int fd = key ? open(s->key_file, O_WRONLY | O_CREAT | O_EXCL, 0600) : -1;
    int ok = fd >= 0 && write(fd, key, len) == (ssize_t)len;
    if (fd >= 0)
        close(fd);
    free(key);
    if (!ok) {
        fprintf(stderr, "harness: cannot copy the key file %s\n", first->key_file);
        return -1;
    }
    const char *argv[32];
    size_t n = 0;
    argv[n++] = "--seal";
    argv[n++] = fmt("%s/test.audit-seal", s->dir);
    for (size_t i = 0; serve_args && serve_args[i] && n < 31; i++)
        argv[n++] = serve_args[i];
    argv[n] = NULL;
    return server_launch(s, argv);   /* no reseeding: another port than first's */
}

const char *totp_code_at(const char *secret, time_t t)
{
    static char out[8];
    char *raw = NULL;
    size_t len = 0;
    assert_int_equal(oath_base32_decode(secret, strlen(secret), &raw, &len), OATH_OK);
    assert_int_equal(oath_totp_generate(raw, len, t, 30, 0, 6, out), OATH_OK);
    free(raw);
    return out;
}

static void dump_log(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    if (!f)
        return;
    while (fgets(line, sizeof line, f))
        fputs(line, stderr);
    fclose(f);
}

int server_kill(test_server *s, int sig)
{
    if (s->pid <= 0)
        return -1;
    kill(s->pid, sig);
    int rc = wait_exit(s->pid);
    s->pid = 0;
    return rc;
}

int server_halt(test_server *s)
{
    int rc = 0;
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        rc = wait_exit(s->pid);
        s->pid = 0;
    }
    if (rc != 0) {
        fprintf(stderr, "harness: server exited with status %d; its log:\n", rc);
        dump_log(s->log);
    }
    return rc;
}

int server_stop(test_server *s)
{
    int rc = server_halt(s);
    pg_drop_database(s);
    if (s->dir[0] && !getenv("KEEP_TEST_DIR")) {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "harness: could not remove %s\n", s->dir);
    }
    return rc;
}

void server_sql(const test_server *s, const char *sql)
{
    if (db_is_postgres(s->db)) {
        char err[256];
        db_conn *c = db_open(s->db, err, sizeof err);
        if (!c)
            print_error("%s\n", err);
        assert_non_null(c);
        int rc = db_exec(c, sql);
        if (rc != DB_DONE)
            print_error("%s: %s\n", sql, db_errmsg(c));
        db_close(c);
        assert_int_equal(rc, DB_DONE);
        return;
    }
    sqlite3 *db;
    char *err = NULL;
    assert_int_equal(sqlite3_open(s->db, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        print_error("%s: %s\n", sql, err ? err : "");
    assert_null(err);
    sqlite3_close(db);
}

long long server_sql_int(const test_server *s, const char *sql)
{
    char err[256];
    db_conn *c = db_open(s->db, err, sizeof err);
    if (!c)
        print_error("%s\n", err);
    assert_non_null(c);
    db_stmt *st = db_prepare(c, sql);
    int rc = st ? db_step(st) : DB_ERROR;
    if (rc != DB_ROW)
        print_error("%s: %s\n", sql, rc == DB_DONE ? "no row" : db_errmsg(c));
    long long v = rc == DB_ROW ? (long long)db_col_int(st, 0) : 0;
    if (st)
        db_finalize(st);
    db_close(c);
    assert_int_equal(rc, DB_ROW);
    return v;
}

/* ---- HTTP ---------------------------------------------------------------- */

typedef struct buf { char *data; size_t len; } buf;

static char source_ip[64];

void http_set_source(const char *ip)
{
    snprintf(source_ip, sizeof source_ip, "%s", ip ? ip : "");
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    buf *b = ud;
    size_t n = size * nmemb;
    char *p = realloc(b->data, b->len + n + 1);
    if (!p)
        return 0;
    memcpy(p + b->len, ptr, n);
    b->data = p;
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

static void copy_header_value(char *dst, size_t dstsz, const char *line, size_t n, size_t name_len)
{
    size_t start = name_len;
    while (start < n && line[start] == ' ')
        start++;
    size_t end = n;
    while (end > start && (line[end - 1] == '\r' || line[end - 1] == '\n'))
        end--;
    snprintf(dst, dstsz, "%.*s", (int)(end - start), line + start);
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *ud)
{
    http_resp *r = ud;
    size_t n = size * nmemb;
    size_t used = strlen(r->headers);
    if (used + n < sizeof r->headers) {
        memcpy(r->headers + used, line, n);
        r->headers[used + n] = '\0';
    }
    if (n > 11 && strncasecmp(line, "Set-Cookie:", 11) == 0)
        copy_header_value(r->set_cookie, sizeof r->set_cookie, line, n, 11);
    else if (n > 13 && strncasecmp(line, "Content-Type:", 13) == 0)
        copy_header_value(r->content_type, sizeof r->content_type, line, n, 13);
    else if (n > 20 && strncasecmp(line, "Content-Disposition:", 20) == 0)
        copy_header_value(r->content_disposition, sizeof r->content_disposition, line, n, 20);
    else if (n > 5 && strncasecmp(line, "ETag:", 5) == 0)
        copy_header_value(r->etag, sizeof r->etag, line, n, 5);
    else if (n > 12 && strncasecmp(line, "Retry-After:", 12) == 0)
        copy_header_value(r->retry_after, sizeof r->retry_after, line, n, 12);
    return n;
}

int resp_header(const http_resp *r, const char *name, char *out, size_t outsz)
{
    size_t nl = strlen(name);
    for (const char *line = r->headers; *line;) {
        size_t n = strcspn(line, "\n");
        if (n > nl && strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
            copy_header_value(out, outsz, line, n, nl + 1);
            return 1;
        }
        line += n + (line[n] == '\n');
    }
    return 0;
}

int http(const test_server *s, const char *method, const char *path, const char *token,
         const char *body, size_t body_len, const char *content_type, http_resp *out)
{
    return http_h(s, method, path, token, body, body_len, content_type, NULL, out);
}

int http_with(const test_server *s, const char *method, const char *path, const char *token, const char *body,
              size_t body_len, const char *content_type, const char *extra_header, http_resp *out)
{
    const char *const headers[] = {extra_header, NULL};
    return http_h(s, method, path, token, body, body_len, content_type, headers, out);
}

int http_h(const test_server *s, const char *method, const char *path, const char *token,
           const char *body, size_t body_len, const char *content_type, const char *const *headers,
           http_resp *out)
{
    memset(out, 0, sizeof *out);
    CURL *c = curl_easy_init();
    if (!c)
        return -1;
    struct curl_slist *hdrs = NULL;
    buf b = {NULL, 0};
    char url[1200], h[512];
    snprintf(url, sizeof url, "%s://127.0.0.1:%d%s", s->tls ? "https" : "http", s->port, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (s->tls) {   /* the tests' self-signed certificate */
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
    /* A safety net, not a measure: a 20,000-row import on PostgreSQL
     * (row by row until COPY) took over 60 s on a loaded machine. */
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 300L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (source_ip[0])
        curl_easy_setopt(c, CURLOPT_INTERFACE, source_ip);
    if (token && strncmp(token, "cookie:", 7) == 0) {
        snprintf(h, sizeof h, "Cookie: ms_session=%s", token + 7);
        hdrs = curl_slist_append(hdrs, h);
    } else if (token) {
        snprintf(h, sizeof h, "Authorization: Bearer %s", token);
        hdrs = curl_slist_append(hdrs, h);
    }
    if (body) {
        snprintf(h, sizeof h, "Content-Type: %s", content_type ? content_type : "application/json");
        hdrs = curl_slist_append(hdrs, h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    }
    for (size_t i = 0; headers && headers[i]; i++)
        hdrs = curl_slist_append(hdrs, headers[i]);
    hdrs = curl_slist_append(hdrs, "Expect:");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK) {
        free(b.data);
        return -1;
    }
    out->body = b.data ? b.data : calloc(1, 1);
    out->len = b.len;
    out->json = json_loadb(out->body, out->len, 0, NULL);
    return 0;
}

void http_free(http_resp *r)
{
    free(r->body);
    json_decref(r->json);
    memset(r, 0, sizeof *r);
}

static long finish(http_resp *r, json_t **out)
{
    long st = r->status;
    if (out) {
        *out = r->json;
        r->json = NULL;
    }
    http_free(r);
    return st;
}

long api_get(const test_server *s, const char *token, const char *path, json_t **out)
{
    http_resp r;
    if (out)
        *out = NULL;
    if (http(s, "GET", path, token, NULL, 0, NULL, &r) != 0)
        return -1;
    return finish(&r, out);
}

long api_send(const test_server *s, const char *method, const char *token, const char *path,
              const char *json_body, json_t **out)
{
    http_resp r;
    if (out)
        *out = NULL;
    const char *b = json_body ? json_body : "";
    if (http(s, method, path, token, b, strlen(b), NULL, &r) != 0)
        return -1;
    return finish(&r, out);
}

char *login(const test_server *s, const char *user, const char *pw)
{
    json_t *j = NULL;
    char body[512];
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", user, pw);
    long st = api_send(s, "POST", NULL, "/api/v1/auth/login", body, &j);
    char *tok = NULL;
    if (st == 200 && jstr(j, "token"))
        tok = strdup(jstr(j, "token"));
    json_decref(j);
    return tok;
}

long long jint(json_t *j, const char *key)
{
    return json_integer_value(json_object_get(j, key));
}

const char *jstr(json_t *j, const char *key)
{
    return json_string_value(json_object_get(j, key));
}

json_t *jfind(json_t *arr, const char *key, const char *value)
{
    size_t i;
    json_t *it;
    json_array_foreach(arr, i, it) {
        const char *v = jstr(it, key);
        if (v && strcmp(v, value) == 0)
            return it;
    }
    return NULL;
}

const char *err_code(json_t *j)
{
    const char *c = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
    return c ? c : "";
}

const char *err_field(json_t *j)
{
    const char *f = json_string_value(json_object_get(json_object_get(j, "error"), "field"));
    return f ? f : "";
}

const char *err_message(json_t *j)
{
    const char *m = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
    return m ? m : "";
}

/* ---- small helpers shared by the API tests ---------------------------- */

long long org_id_by_code(const test_server *s, const char *token, const char *code)
{
    json_t *j = NULL;
    if (api_get(s, token, "/api/v1/org-units", &j) != 200) {
        json_decref(j);
        return 0;
    }
    json_t *cur = json_array_get(json_object_get(j, "items"), 0);
    long long id = jint(cur, "id");
    const char *c = jstr(cur, "code");
    int found = c && strcmp(c, code) == 0;
    int inside = c && strncmp(code, c, strlen(c)) == 0;
    json_decref(j);
    if (found)
        return id;
    if (!inside)
        return 0;
    for (int depth = 0; depth < 8 && id; depth++) {
        if (api_get(s, token, fmt("/api/v1/org-units?parent_id=%lld", id), &j) != 200) {
            json_decref(j);
            return 0;
        }
        size_t i, best_len = 0;
        long long next = 0;
        json_t *it;
        json_array_foreach(json_object_get(j, "items"), i, it) {
            const char *cc = jstr(it, "code");
            if (!cc)
                continue;
            if (strcmp(cc, code) == 0) {
                long long hit = jint(it, "id");
                json_decref(j);
                return hit;
            }
            size_t n = strlen(cc);
            if (n > best_len && strncmp(code, cc, n) == 0) {
                best_len = n;
                next = jint(it, "id");
            }
        }
        json_decref(j);
        id = next;
    }
    return 0;
}

char *id_with_check(const char *first17, char out[19])
{
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static const char check[] = "10X98765432";
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        out[i] = first17[i];
        sum += (first17[i] - '0') * w[i];
    }
    out[17] = check[sum % 11];
    out[18] = '\0';
    return out;
}

const char *urlenc(const char *s)
{
    static char bufs[8][1024];
    static int next;
    char *b = bufs[next++ % 8];
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && o + 4 < sizeof bufs[0]; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~')
            b[o++] = (char)*p;
        else
            o += (size_t)snprintf(b + o, 4, "%%%02X", *p);
    }
    b[o] = '\0';
    return b;
}

json_t *api_expect(const test_server *s, const char *tok, const char *method, const char *path,
                   const char *body, long want)
{
    json_t *j = NULL;
    long st = strcmp(method, "GET") == 0 ? api_get(s, tok, path, &j) : api_send(s, method, tok, path, body, &j);
    if (st != want) {
        char *d = j ? json_dumps(j, JSON_COMPACT) : NULL;
        print_error("%s %s %s -> %ld, expected %ld: %s\n", method, path, body ? body : "", st, want, d ? d : "");
        free(d);
    }
    assert_int_equal(st, want);
    return j;
}

json_t *api_get_ok(const test_server *s, const char *tok, const char *path)
{
    json_t *j = api_expect(s, tok, "GET", path, NULL, 200);
    assert_non_null(j);
    return j;
}

long long api_total(const test_server *s, const char *tok, const char *path)
{
    json_t *j = api_get_ok(s, tok, path);
    assert_true(json_is_integer(json_object_get(j, "total")));
    long long n = jint(j, "total");
    json_decref(j);
    return n;
}

int api_list_has(const test_server *s, const char *tok, const char *path, long long id)
{
    json_t *j = api_get_ok(s, tok, path), *it;
    size_t i;
    int found = 0;
    json_array_foreach(json_object_get(j, "items"), i, it)
        found |= jint(it, "id") == id;
    json_decref(j);
    return found;
}

long api_import(const test_server *s, const char *tok, const char *query, const char *csv, size_t len, json_t **out)
{
    http_resp r;
    assert_int_equal(http(s, "POST", fmt("/api/v1/import/residents%s", query), tok, csv, len, "text/csv", &r), 0);
    long st = r.status;
    *out = r.json;
    r.json = NULL;
    if (!*out)
        print_error("import: non-JSON answer %ld: %.200s\n", st, r.body);
    http_free(&r);
    return st;
}

const char *fresh_id(const char *region6)
{
    static char bufs[16][19];
    static unsigned seq, next;
    char first17[18];
    unsigned n = ++seq;
    snprintf(first17, sizeof first17, "%.6s%04u%02u%02u%03u", region6, 1960 + n % 50, 1 + n % 12, 1 + n % 28,
             n % 1000);
    return id_with_check(first17, bufs[next++ % 16]);
}

const char *cn_number(unsigned n)
{
    static const char *const DIGITS[10] = {"〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
    static char bufs[8][64];
    static unsigned next;
    char *b = bufs[next++ % 8], tmp[16];
    snprintf(tmp, sizeof tmp, "%u", n);
    b[0] = '\0';
    for (const char *p = tmp; *p; p++)
        strcat(b, DIGITS[*p - '0']);
    return b;
}

const char *fresh_old_id(const char *region6)
{
    static char bufs[16][19];
    static unsigned seq, next;
    char first17[18];
    unsigned n = ++seq;
    snprintf(first17, sizeof first17, "%.6s%04u%02u%02u%03u", region6, 1930 + n % 20, 1 + n % 12, 1 + n % 28,
             n % 1000);
    return id_with_check(first17, bufs[next++ % 16]);
}

const char *bad_checksum(const char *id)
{
    static char bufs[4][19];
    static unsigned next;
    char *b = bufs[next++ % 4];
    memcpy(b, id, 18);
    b[18] = '\0';
    b[17] = b[17] == '0' ? '1' : '0';
    return b;
}

const char *preload_beside_bin(const char *name, const char *given)
{
    static char lib[600];
    if (given && *given) {
        snprintf(lib, sizeof lib, "%s", given);
    } else {
        char bin[512];
        snprintf(bin, sizeof bin, "%s", bin_path());
        snprintf(lib, sizeof lib, "%s/tests/%s", dirname(bin), name);
    }
    struct stat st;
    if (stat(lib, &st) != 0) {
        fprintf(stderr, "no %s to preload (make build-test/tests/%s)\n", lib, name);
        exit(1);
    }
    char asan[512];
    const char *old = getenv("ASAN_OPTIONS");
    snprintf(asan, sizeof asan, "%s%sverify_asan_link_order=0", old ? old : "", old && *old ? ":" : "");
    setenv("ASAN_OPTIONS", asan, 1);
    setenv("LD_PRELOAD", lib, 1);
    return lib;
}

void preload_sqltrace(char path[64])
{
    snprintf(path, 64, "/tmp/minsheng-sqltrace-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0) {
        perror("mkstemp");
        exit(1);
    }
    close(fd);
    preload_beside_bin("sqltrace.so", NULL);
    setenv("SQLTRACE_FILE", path, 1);
}

char *read_whole_file(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)(n < 0 ? 0 : n) + 1);
    size_t len = b && n >= 0 ? fread(b, 1, (size_t)n, f) : 0;
    if (b)
        b[len] = '\0';
    fclose(f);
    if (len_out)
        *len_out = len;
    return b;
}

int json_array_has_str(json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
            return 1;
    return 0;
}

void assert_masked_shape(const char *shown)
{
    assert_non_null(shown);
    assert_int_equal(strlen(shown), 18);
    for (int i = 0; i < 6; i++)
        assert_true(shown[i] >= '0' && shown[i] <= '9');
    assert_memory_equal(shown + 6, "************", 12);
}

void assert_phone_masked(const char *p)
{
    assert_non_null(p);
    assert_non_null(strchr(p, '*'));
    int run = 0, max = 0;
    for (const char *c = p; *c; c++) {
        run = (*c >= '0' && *c <= '9') ? run + 1 : 0;
        if (run > max)
            max = run;
    }
    assert_true(max < 7);
}

/* ---- social assistance fixtures (notices part) ------------------------------ */

const char *beijing_date(int days_back)
{
    static char bufs[8][11];
    static int next;
    time_t t = time(NULL) + 8 * 3600 - (time_t)days_back * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    char *out = bufs[next++ % 8];
    strftime(out, 11, "%Y-%m-%d", &tm);
    return out;
}

long long assist_case_sql(const test_server *s, long long resident, const char *state, int members,
                          long long amount_fen)
{
    static const char *const PLACE = " FROM resident r JOIN household h ON h.id = r.household_id"
                                     " JOIN org_unit g ON g.id = h.grid_id";
    server_sql(s, fmt("INSERT INTO wf_case(type, state, org_path, title, created_at, state_entered_at)"
                      " SELECT 'assist', '%s', g.path, '城市低保申请', '2026-01-05 01:00:00', '2026-01-05 01:00:00'"
                      "%s WHERE r.id = %lld", state, PLACE, resident));
    long long id = server_sql_int(s, "SELECT MAX(id) FROM wf_case");
    server_sql(s, fmt("INSERT INTO assistance_case(id, programme_id, household_id, resident_id, community_id, area,"
                      " members_counted, income_fen, amount_fen, created_at, updated_at)"
                      " SELECT %lld, p.id, r.household_id, r.id, g.parent_id, 'urban', %d, 0, %lld,"
                      " '2026-01-05 01:00:00', '2026-01-05 01:00:00'%s"
                      " JOIN assistance_programme p ON p.code = 'dibao_urban' WHERE r.id = %lld",
                      id, members, amount_fen, PLACE, resident));
    return id;
}
