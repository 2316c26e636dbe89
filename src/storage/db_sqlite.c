/* db_sqlite.c — the SQLite backend of db.h.
 *
 * Owns: sqlite3 handles and statements, the WAL/foreign-key/busy
 * settings every connection gets, the per-thread connection of server
 * workers, schema migrations (embedded .sql files from
 * src/storage/migrations) and online backup. */
#include "storage/db.h"
#include "util/embedded.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct db_conn {
    sqlite3 *h;
};

struct db_stmt {
    sqlite3_stmt *st;
    db_conn *conn;
};

static int configure(sqlite3 *h)
{
    static const char *const pragmas =
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=NORMAL;"
        "PRAGMA foreign_keys=ON;"
        "PRAGMA temp_store=MEMORY;"
        "PRAGMA cache_size=-65536;";
    sqlite3_busy_timeout(h, 10000);
    return sqlite3_exec(h, pragmas, NULL, NULL, NULL);
}

db_conn *db_open(const char *path, char *err, size_t errsz)
{
    sqlite3 *h = NULL;
    db_conn *c = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &h, flags, NULL) != SQLITE_OK) {
        snprintf(err, errsz, "无法打开数据库 %s: %s", path, h ? sqlite3_errmsg(h) : "内存不足");
        goto fail;
    }
    if (configure(h) != SQLITE_OK) {
        snprintf(err, errsz, "无法设置数据库 %s: %s", path, sqlite3_errmsg(h));
        goto fail;
    }
    c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errsz, "内存不足");
        goto fail;
    }
    c->h = h;
    return c;
fail:
    sqlite3_close(h);
    return NULL;
}

void db_close(db_conn *c)
{
    if (!c)
        return;
    sqlite3_close(c->h);
    free(c);
}

/* ---- per-thread connections ------------------------------------------ */

static char *thread_db_path;
static pthread_key_t thread_key;
static pthread_once_t thread_once = PTHREAD_ONCE_INIT;

static void thread_conn_free(void *p)
{
    db_close(p);
}

static void thread_key_make(void)
{
    pthread_key_create(&thread_key, thread_conn_free);
}

void db_thread_setup(const char *path)
{
    pthread_once(&thread_once, thread_key_make);
    free(thread_db_path);
    thread_db_path = path ? strdup(path) : NULL;
}

db_conn *db_thread_conn(void)
{
    pthread_once(&thread_once, thread_key_make);
    db_conn *c = pthread_getspecific(thread_key);
    if (c || !thread_db_path)
        return c;
    char err[256];
    c = db_open(thread_db_path, err, sizeof err);
    if (!c) {
        fprintf(stderr, "minsheng: %s\n", err);
        return NULL;
    }
    pthread_setspecific(thread_key, c);
    return c;
}

/* ---- statements ------------------------------------------------------ */

/* A statement that could not be prepared is a bug in our SQL (or the
 * database is out of memory). The test build stops at once, naming the
 * SQL; the release build logs it and hands back a dead statement whose
 * binds do nothing and whose step answers DB_ERROR, so callers need no
 * NULL branch and the request ends in a 500. */
static db_stmt dead_stmt = {NULL, NULL};

db_stmt *db_prepare(db_conn *c, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->h, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "minsheng: SQL prepare failed: %s\n  in: %s\n", sqlite3_errmsg(c->h), sql);
#ifdef MS_TEST_BUILD
        abort();
#endif
        return &dead_stmt;
    }
    db_stmt *s = malloc(sizeof *s);
    if (!s) {
        sqlite3_finalize(st);
        return &dead_stmt;
    }
    s->st = st;
    s->conn = c;
    return s;
}

void db_bind_int(db_stmt *s, int idx, int64_t v) { if (s->st) sqlite3_bind_int64(s->st, idx, v); }
void db_bind_double(db_stmt *s, int idx, double v) { if (s->st) sqlite3_bind_double(s->st, idx, v); }
void db_bind_null(db_stmt *s, int idx) { if (s->st) sqlite3_bind_null(s->st, idx); }

void db_bind_text(db_stmt *s, int idx, const char *v)
{
    if (!s->st)
        return;
    if (v)
        sqlite3_bind_text(s->st, idx, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s->st, idx);
}

void db_bind_textn(db_stmt *s, int idx, const char *v, size_t n)
{
    if (s->st)
        sqlite3_bind_text(s->st, idx, v, (int)n, SQLITE_TRANSIENT);
}

static int map_rc(db_stmt *s, int rc)
{
    switch (rc) {
    case SQLITE_ROW: return DB_ROW;
    case SQLITE_DONE: return DB_DONE;
    case SQLITE_CONSTRAINT: return DB_CONSTRAINT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return DB_BUSY;
    default:
        fprintf(stderr, "minsheng: SQL error %d: %s\n", rc, sqlite3_errmsg(s->conn->h));
        return DB_ERROR;
    }
}

int db_step(db_stmt *s)
{
    if (!s->st)
        return DB_ERROR;
    return map_rc(s, sqlite3_step(s->st));
}

void db_reset(db_stmt *s)
{
    if (!s->st)
        return;
    sqlite3_reset(s->st);
    sqlite3_clear_bindings(s->st);
}

void db_finalize(db_stmt *s)
{
    if (!s || s == &dead_stmt)
        return;
    sqlite3_finalize(s->st);
    free(s);
}

int db_column_count(db_stmt *s) { return sqlite3_column_count(s->st); }
const char *db_column_name(db_stmt *s, int col) { return sqlite3_column_name(s->st, col); }
int db_col_is_null(db_stmt *s, int col) { return sqlite3_column_type(s->st, col) == SQLITE_NULL; }
int64_t db_col_int(db_stmt *s, int col) { return sqlite3_column_int64(s->st, col); }
double db_col_double(db_stmt *s, int col) { return sqlite3_column_double(s->st, col); }

const char *db_col_text(db_stmt *s, int col)
{
    const unsigned char *t = sqlite3_column_text(s->st, col);
    return t ? (const char *)t : "";
}

int db_step_done(db_stmt *s)
{
    int rc;
    while ((rc = db_step(s)) == DB_ROW)
        ;
    return rc;
}

int db_exec(db_conn *c, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(c->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "minsheng: SQL exec failed: %s\n", msg ? msg : "?");
        sqlite3_free(msg);
        return DB_ERROR;
    }
    return DB_DONE;
}

int db_begin(db_conn *c) { return db_exec(c, "BEGIN IMMEDIATE"); }
int db_commit(db_conn *c) { return db_exec(c, "COMMIT"); }

void db_rollback(db_conn *c)
{
    if (!sqlite3_get_autocommit(c->h))
        sqlite3_exec(c->h, "ROLLBACK", NULL, NULL, NULL);
}

int64_t db_last_insert_id(db_conn *c) { return sqlite3_last_insert_rowid(c->h); }
int db_changes(db_conn *c) { return sqlite3_changes(c->h); }
const char *db_errmsg(db_conn *c) { return sqlite3_errmsg(c->h); }

char *db_now(char out[static 20])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
    return out;
}

/* ---- migrations ------------------------------------------------------ */

static int migration_number(const char *name)
{
    return atoi(name); /* "0003_xxx.sql" -> 3 */
}

int db_schema_version(db_conn *c)
{
    int v = 0;
    db_stmt *s = db_prepare(c, "SELECT COALESCE(MAX(version),0) FROM schema_migrations");
    if (s && db_step(s) == DB_ROW)
        v = (int)db_col_int(s, 0);
    db_finalize(s);
    return v;
}

/* 1 when a foreign key points nowhere (PRAGMA foreign_key_check). */
static int foreign_keys_broken(db_conn *c)
{
    db_stmt *s = db_prepare(c, "PRAGMA foreign_key_check");
    int broken = !s || db_step(s) != DB_DONE;
    db_finalize(s);
    return broken;
}

/* Foreign keys are off while a migration runs (SQLite's way to rebuild a
 * table others reference: 0007 rebuilds app_user) and checked before it
 * commits; the pragma only works outside a transaction. */
static int apply_migration(db_conn *c, const struct embedded_file *m, char *err, size_t errsz)
{
    char now[20];
    char *msg = NULL;
    db_exec(c, "PRAGMA foreign_keys=OFF");
    if (db_begin(c) != DB_DONE)
        goto fail;
    if (sqlite3_exec(c->h, m->data, NULL, NULL, &msg) != SQLITE_OK)
        goto fail;
    if (foreign_keys_broken(c)) {
        msg = sqlite3_mprintf("外键引用不一致");
        goto fail;
    }
    db_stmt *s = db_prepare(c, "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?,?,?)");
    if (!s)
        goto fail;
    db_bind_int(s, 1, migration_number(m->name));
    db_bind_text(s, 2, m->name);
    db_bind_text(s, 3, db_now(now));
    int rc = db_step_done(s);
    db_finalize(s);
    if (rc != DB_DONE || db_commit(c) != DB_DONE)
        goto fail;
    db_exec(c, "PRAGMA foreign_keys=ON");
    return 0;
fail:
    snprintf(err, errsz, "数据库迁移 %s 失败: %s", m->name, msg ? msg : sqlite3_errmsg(c->h));
    sqlite3_free(msg);
    db_rollback(c);
    db_exec(c, "PRAGMA foreign_keys=ON");
    return -1;
}

int db_migrate(db_conn *c, char *err, size_t errsz)
{
    if (db_exec(c, "CREATE TABLE IF NOT EXISTS schema_migrations("
                   " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)") != DB_DONE) {
        snprintf(err, errsz, "无法创建迁移记录表: %s", sqlite3_errmsg(c->h));
        return -1;
    }
    /* Every embedded migration not yet recorded is applied, in file-name
     * order (names start with a 4-digit number): a migration that landed
     * with a lower number than one already applied still runs. */
    for (const struct embedded_file *m = ms_migrations; m->name; m++) {
        db_stmt *s = db_prepare(c, "SELECT 1 FROM schema_migrations WHERE version = ?");
        if (!s) {
            snprintf(err, errsz, "无法读取迁移记录: %s", sqlite3_errmsg(c->h));
            return -1;
        }
        db_bind_int(s, 1, migration_number(m->name));
        int applied = db_step(s) == DB_ROW;
        db_finalize(s);
        if (!applied && apply_migration(c, m, err, errsz) != 0)
            return -1;
    }
    return 0;
}

/* ---- backup ---------------------------------------------------------- */

/* VACUUM INTO copies the database in one pass inside one read
 * transaction: in WAL mode writers go on, and their commits neither
 * restart nor enter the copy (the online backup API restarted on every
 * change and never finished under a steady load). The copy is written
 * without a journal, in rollback-journal mode: one self-contained file. */
int db_backup(db_conn *c, const char *dest_path, char *err, size_t errsz)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(c->h, "VACUUM INTO ?", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, dest_path, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(st);
    }
    if (rc != SQLITE_DONE)
        snprintf(err, errsz, "备份到 %s 失败: %s", dest_path, sqlite3_errmsg(c->h));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* "file:<path, percent-encoded>?immutable=1": read exactly the bytes of
 * the file, without locks, -wal or -shm (a WAL-mode file opened
 * read-only would otherwise get both created beside it). */
static void immutable_uri(const char *path, char *out, size_t outsz)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = (size_t)snprintf(out, outsz, "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p && n + 4 < outsz; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("/._-~", *p)) {
            out[n++] = (char)*p;
        } else {
            out[n++] = '%';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 15];
        }
    }
    snprintf(out + n, outsz - n, "?immutable=1");
}

db_conn *db_open_readonly(const char *path, char *err, size_t errsz)
{
    sqlite3 *h = NULL;
    char uri[3 * 4096 + 32];
    if (strlen(path) >= 4096) {
        snprintf(err, errsz, "文件名过长");
        return NULL;
    }
    immutable_uri(path, uri, sizeof uri);
    if (sqlite3_open_v2(uri, &h, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        snprintf(err, errsz, "无法打开 %s: %s", path, h ? sqlite3_errmsg(h) : "内存不足");
        sqlite3_close(h);
        return NULL;
    }
    db_conn *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errsz, "内存不足");
        sqlite3_close(h);
        return NULL;
    }
    c->h = h;
    return c;
}

int db_integrity_check(db_conn *c, char *problem, size_t sz)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(c->h, "PRAGMA integrity_check(5)", -1, &st, NULL);
    const char *first = NULL;
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        first = (const char *)sqlite3_column_text(st, 0);
    if (rc == SQLITE_ROW && first && strcmp(first, "ok") == 0) {
        sqlite3_finalize(st);
        problem[0] = '\0';
        return 0;
    }
    snprintf(problem, sz, "%s", rc == SQLITE_ROW && first ? first : sqlite3_errmsg(c->h));
    sqlite3_finalize(st);
    return -1;
}

int db_schema_latest(void)
{
    int v = 0;
    for (const struct embedded_file *m = ms_migrations; m->name; m++)
        if (migration_number(m->name) > v)
            v = migration_number(m->name);
    return v;
}
