/* db_sqlite.c — the SQLite backend of db.h.
 *
 * Owns: sqlite3 handles and statements, the WAL/foreign-key/busy/
 * secure-delete settings every connection gets, durability (the sync
 * mode, group commit and the checkpointer thread: see "durability"
 * below), schema migrations (embedded .sql files from
 * src/storage/migrations), online backup, read-only opening and the
 * integrity check of a file. db.c reaches it through db_sqlite_engine;
 * the cache of prepared statements and the per-thread connections are
 * db.c's. */
#include "storage/db.h"
#include "storage/db_engine.h"
#include "storage/dbfile.h"
#include "storage/migrations.h"
#include "storage/wal_vfs.h"
#include "util/embedded.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct sq_stmt {
    db_stmt base;
    sqlite3_stmt *st;       /* NULL: the dead statement */
} sq_stmt;

typedef struct sq_conn {
    db_conn base;
    sqlite3 *h;
    uint64_t pending;   /* group commit: number of this connection's last commit not yet synced (0: none) */
    int counted;        /* counted in dur.conns (a group-mode read-write connection) */
} sq_conn;

static sqlite3 *H(db_conn *c) { return ((sq_conn *)c)->h; }
static sqlite3_stmt *ST(db_stmt *s) { return ((sq_stmt *)s)->st; }

/* A writer waits for the lock up to BUSY_TIMEOUT_MS, trying again every
 * millisecond. SQLite's own handler sleeps up to 100 ms between tries,
 * so a writer that frees the lock for a moment (an import between its
 * short transactions) would get it back before any waiter woke up. */
#define BUSY_TIMEOUT_MS 10000

static int64_t monotonic_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* When a connection of this process last waited for a lock (db_writer_waiting). */
static _Atomic int64_t last_wait_ms = -1000000;
#define WAIT_RECENT_MS 20

static int busy_wait(void *ctx, int tries)
{
    (void)ctx;
    if (tries >= BUSY_TIMEOUT_MS)
        return 0;
    last_wait_ms = monotonic_ms();
    sqlite3_sleep(1);
    return 1;
}

/* The import's helpers (db_writer_waiting, db_trigger_unknown,
 * db_set_triggers) are public functions of this file that another
 * engine's connection may reach. */
static int is_sqlite(db_conn *c) { return c->eng == &db_sqlite_engine; }

int db_writer_waiting(db_conn *c)
{
    if (!is_sqlite(c) || monotonic_ms() - last_wait_ms < WAIT_RECENT_MS)
        return 1;
    const char *path = sqlite3_db_filename(H(c), "main");
    return path && *path && dbfile_server_elsewhere(path);
}

/* ---- durability ------------------------------------------------------
 *
 * MINSHENG_SYNC picks how a commit is made durable (read once per
 * process):
 *   group  (default) connections run synchronous=OFF, so COMMIT only
 *          appends to the WAL; db_commit then calls db_sync, where one
 *          "leader" fsyncs the WAL for every commit appended so far
 *          while the writers whose commits that covers just return.
 *          Concurrent writers share one fsync, and no writer holds the
 *          write lock while it waits for the disk. The connections
 *          never checkpoint (their WAL hook replaces autocheckpoint):
 *          a checkpointer thread with its own synchronous=FULL
 *          connection does, so the WAL is synced before its frames are
 *          copied and the database file is synced before the WAL is
 *          reused. The connections use the "minsheng-wal" VFS
 *          (wal_vfs.c), which syncs the WAL header a writer rewrites
 *          when it restarts the WAL, before new frames follow (SQLite
 *          does not at synchronous=OFF). Each connection closes with
 *          synchronous=FULL, so the checkpoint that deletes the WAL at
 *          the last close syncs the database first.
 *   full   synchronous=FULL: every COMMIT fsyncs the WAL itself.
 *   normal synchronous=NORMAL: survives kill -9, not a power cut (the
 *          old setting, kept for the bench).
 * MINSHENG_SECURE_DELETE=0 turns secure_delete off (bench only). */

typedef enum { SYNC_GROUP, SYNC_FULL, SYNC_NORMAL } sync_mode;

enum {
    CKPT_FRAMES = 1000,      /* wake the checkpointer when the WAL holds this many frames */
    RESTART_FRAMES = 4000,   /* past this, restart the WAL (waiting for readers) instead of growing it */
};

static struct {
    pthread_once_t once;
    sync_mode mode;
    int secure_delete;
    pthread_mutex_t mu;
    pthread_cond_t synced_cv;    /* a leader finished an fsync */
    pthread_cond_t ckpt_cv;      /* wakes the checkpointer */
    uint64_t committed;          /* commits appended to the WAL so far (group mode) */
    uint64_t synced;             /* commits known durable */
    int syncing;                 /* a leader is in fsync */
    int wal_frames;              /* frames in the WAL after the last commit */
    int conns;                   /* open connections of group mode */
    int ckpt_running, ckpt_stop;
    int ckpt_joining;            /* a closer is joining the stopped checkpointer */
    pthread_cond_t ckpt_joined_cv;
    pthread_t ckpt_thread;
    char *ckpt_path;
} dur = {.once = PTHREAD_ONCE_INIT, .mu = PTHREAD_MUTEX_INITIALIZER,
         .synced_cv = PTHREAD_COND_INITIALIZER, .ckpt_cv = PTHREAD_COND_INITIALIZER,
         .ckpt_joined_cv = PTHREAD_COND_INITIALIZER};

static void durability_read_env(void)
{
    const char *m = getenv("MINSHENG_SYNC");
    dur.mode = m && strcmp(m, "full") == 0 ? SYNC_FULL : m && strcmp(m, "normal") == 0 ? SYNC_NORMAL : SYNC_GROUP;
    if (m && *m && strcmp(m, "group") != 0 && dur.mode == SYNC_GROUP)
        fprintf(stderr, "minsheng: MINSHENG_SYNC=%s 无效（应为 group、full 或 normal），使用 group\n", m);
    const char *sd = getenv("MINSHENG_SECURE_DELETE");
    dur.secure_delete = !(sd && strcmp(sd, "0") == 0);
}

static sync_mode durability_mode(void)
{
    pthread_once(&dur.once, durability_read_env);
    return dur.mode;
}

static int sq_checkpoint_truncate(db_conn *c)
{
    /* A checkpoint at synchronous=OFF would not sync the database file
     * before truncating the log: run this one at FULL. */
    int rc = sqlite3_exec(H(c), "PRAGMA synchronous=FULL", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_wal_checkpoint_v2(H(c), NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    static const char *const restore[] = {
        [SYNC_GROUP] = "PRAGMA synchronous=OFF",
        [SYNC_FULL] = "PRAGMA synchronous=FULL",
        [SYNC_NORMAL] = "PRAGMA synchronous=NORMAL",
    };
    sqlite3_exec(H(c), restore[durability_mode()], NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : -1;
}

const char *db_sync_mode_name(void)
{
    static const char *const names[] = {[SYNC_GROUP] = "group", [SYNC_FULL] = "full", [SYNC_NORMAL] = "normal"};
    return names[durability_mode()];
}

/* The WAL hook of group-mode connections, called after each commit:
 * numbers the commit for db_sync and wakes the checkpointer when the WAL
 * has grown. Installing it also turns SQLite's autocheckpoint off. */
static int on_wal_commit(void *arg, sqlite3 *h, const char *dbname, int frames)
{
    sq_conn *c = arg;
    pthread_mutex_lock(&dur.mu);
    c->pending = ++dur.committed;
    dur.wal_frames = frames;
    if (frames >= CKPT_FRAMES)
        pthread_cond_signal(&dur.ckpt_cv);
    pthread_mutex_unlock(&dur.mu);
    return SQLITE_OK;
}

/* fsyncs the WAL file through SQLite's own handle for it (which also
 * syncs the directory the first time after the WAL was created). */
static int wal_fsync(db_conn *c)
{
    sqlite3_file *f = NULL;
    if (sqlite3_file_control(H(c), "main", SQLITE_FCNTL_JOURNAL_POINTER, &f) != SQLITE_OK || !f || !f->pMethods)
        return -1;
    return f->pMethods->xSync(f, SQLITE_SYNC_NORMAL) == SQLITE_OK ? 0 : -1;
}

static int sq_sync(db_conn *conn)
{
    sq_conn *c = (sq_conn *)conn;
    if (!c->pending)
        return 0;
    uint64_t want = c->pending;
    int rc = 0;
    c->pending = 0;
    pthread_mutex_lock(&dur.mu);
    while (dur.synced < want && rc == 0) {
        if (dur.syncing) {
            pthread_cond_wait(&dur.synced_cv, &dur.mu);
            continue;
        }
        /* Leader: every commit counted so far has finished writing its
         * frames, so one fsync covers them all. */
        uint64_t upto = dur.committed;
        dur.syncing = 1;
        pthread_mutex_unlock(&dur.mu);
        rc = wal_fsync(conn);
        pthread_mutex_lock(&dur.mu);
        dur.syncing = 0;
        if (rc == 0 && upto > dur.synced)
            dur.synced = upto;
        pthread_cond_broadcast(&dur.synced_cv);
    }
    pthread_mutex_unlock(&dur.mu);
    if (rc != 0)
        fprintf(stderr, "minsheng: 无法把预写日志写入磁盘 (fsync): %s\n", strerror(errno));
    return rc;
}

/* The checkpointer: its own synchronous=FULL connection copies the WAL
 * into the database once a second when there were commits, at once when
 * the WAL passes CKPT_FRAMES, and restarts the WAL past RESTART_FRAMES. */
static void *checkpoint_loop(void *arg)
{
    sqlite3 *h = NULL;
    uint64_t done = 0;
    if (sqlite3_open_v2(dur.ckpt_path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, wal_vfs_name()) != SQLITE_OK ||
        sqlite3_exec(h, "PRAGMA synchronous=FULL", NULL, NULL, NULL) != SQLITE_OK)
        fprintf(stderr, "minsheng: 检查点线程无法打开数据库: %s\n", h ? sqlite3_errmsg(h) : "内存不足");
    sqlite3_busy_timeout(h, 2000);
    pthread_mutex_lock(&dur.mu);
    while (!dur.ckpt_stop) {
        if (dur.committed == done || dur.wal_frames < CKPT_FRAMES) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += 1;
            int w = pthread_cond_timedwait(&dur.ckpt_cv, &dur.mu, &until);
            if (dur.ckpt_stop || dur.committed == done || (w != ETIMEDOUT && dur.wal_frames < CKPT_FRAMES))
                continue;
        }
        done = dur.committed;
        pthread_mutex_unlock(&dur.mu);
        int log = 0, ckpt = 0;
        sqlite3_wal_checkpoint_v2(h, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &ckpt);
        if (log >= RESTART_FRAMES)
            sqlite3_wal_checkpoint_v2(h, NULL, SQLITE_CHECKPOINT_RESTART, &log, &ckpt);
        pthread_mutex_lock(&dur.mu);
        if (dur.committed == done)
            dur.wal_frames = 0;
    }
    pthread_mutex_unlock(&dur.mu);
    /* One last checkpoint: it also makes this connection one that has
     * the WAL open (it may never have run one, in a short command), so
     * that its close, the last one, copies the WAL in and deletes it —
     * a database left as one file (synchronous=FULL: synced first). */
    sqlite3_wal_checkpoint_v2(h, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    sqlite3_close(h);
    return NULL;
}

/* Counts a group-mode connection; the first one starts the checkpointer. */
static void group_conn_opened(const char *path)
{
    pthread_mutex_lock(&dur.mu);
    /* A checkpointer still stopping reads ckpt_path and ckpt_stop: the
     * next one starts when it has ended. */
    while (dur.ckpt_joining)
        pthread_cond_wait(&dur.ckpt_joined_cv, &dur.mu);
    dur.conns++;
    if (!dur.ckpt_running && strcmp(path, ":memory:") != 0 && *path) {
        free(dur.ckpt_path);
        dur.ckpt_path = strdup(path);
        dur.ckpt_stop = 0;
        dur.ckpt_running = dur.ckpt_path && pthread_create(&dur.ckpt_thread, NULL, checkpoint_loop, NULL) == 0;
    }
    pthread_mutex_unlock(&dur.mu);
}

/* The last group-mode connection closed: stop the checkpointer. */
static void group_conn_closed(void)
{
    pthread_mutex_lock(&dur.mu);
    int stop = --dur.conns == 0 && dur.ckpt_running;
    if (stop) {
        dur.ckpt_stop = 1;
        dur.ckpt_running = 0;
        dur.ckpt_joining = 1;
        pthread_cond_signal(&dur.ckpt_cv);
    }
    pthread_mutex_unlock(&dur.mu);
    if (stop) {
        pthread_join(dur.ckpt_thread, NULL);
        pthread_mutex_lock(&dur.mu);
        dur.ckpt_joining = 0;
        pthread_cond_broadcast(&dur.ckpt_joined_cv);
        pthread_mutex_unlock(&dur.mu);
    }
}

static int cache_kib = 64 * 1024;   /* db_set_cache_mib */

void db_set_cache_mib(int mib)
{
    cache_kib = mib > 0 ? mib * 1024 : 64 * 1024;
}

static int configure(sq_conn *c)
{
    static const char *const pragmas =
        "PRAGMA journal_mode=WAL;"
        "PRAGMA foreign_keys=ON;"
        "PRAGMA temp_store=MEMORY;";
    char cache_pragma[48];
    snprintf(cache_pragma, sizeof cache_pragma, "PRAGMA cache_size=-%d", cache_kib);
    static const char *const sync_pragma[] = {
        [SYNC_GROUP] = "PRAGMA synchronous=OFF;",
        [SYNC_FULL] = "PRAGMA synchronous=FULL;",
        [SYNC_NORMAL] = "PRAGMA synchronous=NORMAL;",
    };
    sync_mode mode = durability_mode();
    sqlite3_busy_handler(c->h, busy_wait, NULL);
    int rc = sqlite3_exec(c->h, pragmas, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(c->h, cache_pragma, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(c->h, sync_pragma[mode], NULL, NULL, NULL);
    if (rc == SQLITE_OK)   /* 剩余信息保护: deleted content is overwritten with zeros */
        rc = sqlite3_exec(c->h, dur.secure_delete ? "PRAGMA secure_delete=ON" : "PRAGMA secure_delete=OFF",
                          NULL, NULL, NULL);
    if (rc == SQLITE_OK && mode == SYNC_GROUP)
        sqlite3_wal_hook(c->h, on_wal_commit, c);
    return rc;
}

db_conn *db_sqlite_open(const char *path, char *err, size_t errsz)
{
    sqlite3 *h = NULL;
    sq_conn *c = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    const char *vfs = durability_mode() == SYNC_GROUP ? wal_vfs_name() : NULL;
    if (sqlite3_open_v2(path, &h, flags, vfs) != SQLITE_OK) {
        snprintf(err, errsz, "无法打开数据库 %s: %s", path, h ? sqlite3_errmsg(h) : "内存不足");
        goto fail;
    }
    c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errsz, "内存不足");
        goto fail;
    }
    c->base.eng = &db_sqlite_engine;
    c->h = h;
    if (configure(c) != SQLITE_OK) {
        snprintf(err, errsz, "无法设置数据库 %s: %s", path, sqlite3_errmsg(h));
        goto fail;
    }
    if (durability_mode() == SYNC_GROUP) {
        group_conn_opened(path);
        c->counted = 1;
    }
    return &c->base;
fail:
    sqlite3_close(h);
    free(c);
    return NULL;
}

/* db.c has finalized the cached statements (sqlite3_close refuses while
 * statements are left). */
static void sq_close(db_conn *conn)
{
    sq_conn *c = (sq_conn *)conn;
    sq_sync(conn);
    if (c->counted) {   /* not a read-only connection (db_open_readonly) */
        /* The checkpoint SQLite runs when the last connection closes,
         * before it deletes the WAL, must sync the database file. */
        sqlite3_exec(c->h, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
        sqlite3_close(c->h);
        group_conn_closed();
    } else {
        sqlite3_close(c->h);
    }
    free(c);
}

/* ---- statements ------------------------------------------------------
 *
 * db.c keeps finished statements in each connection's cache; a kept
 * statement made with sqlite3_prepare_v2 prepares itself again when the
 * schema changed (a migration, another process), so the cache needs no
 * invalidation. */

/* A statement that could not be prepared is a bug in our SQL (or the
 * database is out of memory). The test build stops at once, naming the
 * SQL; the release build logs it and hands back a dead statement whose
 * binds do nothing and whose step answers DB_ERROR, so callers need no
 * NULL branch and the request ends in a 500. */
static sq_stmt dead_stmt = {.base.eng = &db_sqlite_engine};

static void sq_stmt_free(db_stmt *s)
{
    sqlite3_finalize(ST(s));
    free(s);
}

static db_stmt *sq_prepare(db_conn *c, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(H(c), sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "minsheng: SQL prepare failed: %s\n  in: %s\n", sqlite3_errmsg(H(c)), sql);
#ifdef MS_TEST_BUILD
        abort();
#endif
        return &dead_stmt.base;
    }
    sq_stmt *s = calloc(1, sizeof *s);
    if (!s) {
        sqlite3_finalize(st);
        return &dead_stmt.base;
    }
    s->base.eng = &db_sqlite_engine;
    s->base.conn = c;
    s->st = st;
    return &s->base;
}

static void sq_bind_int(db_stmt *s, int idx, int64_t v) { if (ST(s)) sqlite3_bind_int64(ST(s), idx, v); }
static void sq_bind_double(db_stmt *s, int idx, double v) { if (ST(s)) sqlite3_bind_double(ST(s), idx, v); }
static void sq_bind_null(db_stmt *s, int idx) { if (ST(s)) sqlite3_bind_null(ST(s), idx); }

static void sq_bind_textn(db_stmt *s, int idx, const char *v, size_t n)
{
    if (ST(s))
        sqlite3_bind_text(ST(s), idx, v, (int)n, SQLITE_TRANSIENT);   /* v NULL binds NULL */
}

/* v kept by reference until sq_reset (which clears the bindings) or a rebind */
static void sq_bind_textn_static(db_stmt *s, int idx, const char *v, size_t n)
{
    if (ST(s))
        sqlite3_bind_text(ST(s), idx, v, (int)n, SQLITE_STATIC);
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
        fprintf(stderr, "minsheng: SQL error %d: %s\n", rc, sqlite3_errmsg(H(s->conn)));
        return DB_ERROR;
    }
}

static int sq_step(db_stmt *s)
{
    if (!ST(s))
        return DB_ERROR;
    return map_rc(s, sqlite3_step(ST(s)));
}

static void sq_reset(db_stmt *s)
{
    if (!ST(s))
        return;
    sqlite3_reset(ST(s));
    sqlite3_clear_bindings(ST(s));
}

static int sq_column_count(db_stmt *s) { return sqlite3_column_count(ST(s)); }
static const char *sq_column_name(db_stmt *s, int col) { return sqlite3_column_name(ST(s), col); }
static int sq_col_is_null(db_stmt *s, int col) { return sqlite3_column_type(ST(s), col) == SQLITE_NULL; }
static int64_t sq_col_int(db_stmt *s, int col) { return sqlite3_column_int64(ST(s), col); }
static double sq_col_double(db_stmt *s, int col) { return sqlite3_column_double(ST(s), col); }

static const char *sq_col_text(db_stmt *s, int col)
{
    const unsigned char *t = sqlite3_column_text(ST(s), col);
    return t ? (const char *)t : "";
}

static int sq_exec(db_conn *c, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(H(c), sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "minsheng: SQL exec failed: %s\n", msg ? msg : "?");
        sqlite3_free(msg);
        return DB_ERROR;
    }
    return DB_DONE;
}

static int sq_begin(db_conn *c) { return sq_exec(c, "BEGIN IMMEDIATE"); }

/* COMMIT releases the write lock; the wait for the disk comes after it,
 * shared with the other writers (db_sync). */
static int sq_commit(db_conn *c)
{
    if (sq_exec(c, "COMMIT") != DB_DONE)
        return DB_ERROR;
    return sq_sync(c) == 0 ? DB_DONE : DB_ERROR;
}

static void sq_rollback(db_conn *c)
{
    if (!sqlite3_get_autocommit(H(c)))
        sqlite3_exec(H(c), "ROLLBACK", NULL, NULL, NULL);
}

static int64_t sq_last_insert_id(db_conn *c) { return sqlite3_last_insert_rowid(H(c)); }
static int sq_changes(db_conn *c) { return sqlite3_changes(H(c)); }
static const char *sq_errmsg(db_conn *c) { return sqlite3_errmsg(H(c)); }
static int sq_broken(db_conn *c) { return 0; }
static int sq_probe(db_conn *c) { return 0; }
/* BEGIN IMMEDIATE takes the write lock up front: a busy database shows
 * there, after the busy timeout, never as a conflict half-way. */
static db_failure sq_failure(db_conn *c, int clear) { return DB_FAIL_NONE; }

/* The import's helpers below are SQLite's (sqlite_master, the
 * per-connection trigger switch, the lock of another process); on
 * another engine they answer so that the caller keeps the safe path:
 * triggers on, short transactions. */
int db_trigger_unknown(db_conn *c, const char *table, const char *const *known)
{
    if (!is_sqlite(c))
        return 1;
    db_stmt *s = db_query(c, "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", DB_TEXT(table));
    int n = 0, rc;
    while ((rc = db_step(s)) == DB_ROW) {
        const char *name = db_col_text(s, 0);
        size_t i = 0;
        while (known[i] && strcmp(known[i], name) != 0)
            i++;
        n += known[i] == NULL;
    }
    db_finalize(s);
    return rc == DB_DONE ? n : -1;
}

/* SQLite expires the connection's prepared statements when the setting
 * changes: the cached ones are prepared again, with or without their
 * trigger programs, at their next step. */
int db_set_triggers(db_conn *c, int on)
{
    int before = -1;
    if (!is_sqlite(c) || sqlite3_db_config(H(c), SQLITE_DBCONFIG_ENABLE_TRIGGER, -1, &before) != SQLITE_OK ||
        sqlite3_db_config(H(c), SQLITE_DBCONFIG_ENABLE_TRIGGER, on ? 1 : 0, NULL) != SQLITE_OK)
        return -1;
    return before;
}

/* ---- migrations ------------------------------------------------------ */

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
    if (sqlite3_exec(H(c), m->data, NULL, NULL, &msg) != SQLITE_OK)
        goto fail;
    if (foreign_keys_broken(c)) {
        msg = sqlite3_mprintf("外键引用不一致");
        goto fail;
    }
    db_stmt *s = db_prepare(c, "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?,?,?)");
    if (!s)
        goto fail;
    db_bind_int(s, 1, db_migration_number(m->name));
    db_bind_text(s, 2, m->name);
    db_bind_text(s, 3, db_now(now));
    int rc = db_step_done(s);
    db_finalize(s);
    if (rc != DB_DONE || db_commit(c) != DB_DONE)
        goto fail;
    db_exec(c, "PRAGMA foreign_keys=ON");
    return 0;
fail:
    snprintf(err, errsz, "数据库迁移 %s 失败: %s", m->name, msg ? msg : sqlite3_errmsg(H(c)));
    sqlite3_free(msg);
    db_rollback(c);
    db_exec(c, "PRAGMA foreign_keys=ON");
    return -1;
}

static int sq_migrate(db_conn *c, char *err, size_t errsz)
{
    if (db_exec(c, DB_SCHEMA_MIGRATIONS_DDL) != DB_DONE) {
        snprintf(err, errsz, "无法创建迁移记录表: %s", sqlite3_errmsg(H(c)));
        return -1;
    }
    /* Every embedded migration not yet recorded is applied, in file-name
     * order (names start with a 4-digit number): a migration that landed
     * with a lower number than one already applied still runs. */
    /* A migration that builds an index sorts every row of its table:
     * with temp_store=MEMORY the whole sort would sit in memory (~70 MiB
     * for a street of a million residents, at the server's start). Its
     * sort spills to temporary files instead, past the page cache. */
    sqlite3_exec(H(c), "PRAGMA temp_store=FILE", NULL, NULL, NULL);
    int rc = 0;
    for (const struct embedded_file *m = db_migrations("sqlite"); m->name && rc == 0; m++) {
        db_stmt *s = db_prepare(c, "SELECT 1 FROM schema_migrations WHERE version = ?");
        if (!s) {
            snprintf(err, errsz, "无法读取迁移记录: %s", sqlite3_errmsg(H(c)));
            rc = -1;
            break;
        }
        db_bind_int(s, 1, db_migration_number(m->name));
        int applied = db_step(s) == DB_ROW;
        db_finalize(s);
        if (!applied && apply_migration(c, m, err, errsz) != 0)
            rc = -1;
    }
    sqlite3_exec(H(c), "PRAGMA temp_store=MEMORY", NULL, NULL, NULL);
    return rc;
}

/* ---- backup ---------------------------------------------------------- */

/* VACUUM INTO copies the database in one pass inside one read
 * transaction: in WAL mode writers go on, and their commits neither
 * restart nor enter the copy (the online backup API restarted on every
 * change and never finished under a steady load). The copy is written
 * without a journal, in rollback-journal mode: one self-contained file. */
static int sq_backup(db_conn *c, const char *dest_path, char *err, size_t errsz)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(H(c), "VACUUM INTO ?", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, dest_path, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(st);
    }
    if (rc != SQLITE_DONE)
        snprintf(err, errsz, "备份到 %s 失败: %s", dest_path, sqlite3_errmsg(H(c)));
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

db_conn *db_sqlite_open_readonly(const char *path, char *err, size_t errsz)
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
    sq_conn *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errsz, "内存不足");
        sqlite3_close(h);
        return NULL;
    }
    c->base.eng = &db_sqlite_engine;
    c->h = h;
    return &c->base;
}

static int sq_integrity_check(db_conn *c, char *problem, size_t sz)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(H(c), "PRAGMA integrity_check(5)", -1, &st, NULL);
    const char *first = NULL;
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        first = (const char *)sqlite3_column_text(st, 0);
    if (rc == SQLITE_ROW && first && strcmp(first, "ok") == 0) {
        sqlite3_finalize(st);
        problem[0] = '\0';
        return 0;
    }
    snprintf(problem, sz, "%s", rc == SQLITE_ROW && first ? first : sqlite3_errmsg(H(c)));
    sqlite3_finalize(st);
    return -1;
}

int db_schema_latest(void)
{
    int v = 0;
    for (const struct embedded_file *m = db_migrations("sqlite"); m->name; m++)
        if (db_migration_number(m->name) > v)
            v = db_migration_number(m->name);
    return v;
}

const struct db_engine db_sqlite_engine = {
    .name = "sqlite",
    .dead = &dead_stmt.base,
    .close = sq_close,
    .migrate = sq_migrate,
    .prepare = sq_prepare,
    .stmt_free = sq_stmt_free,
    .reset = sq_reset,
    .bind_int = sq_bind_int,
    .bind_double = sq_bind_double,
    .bind_textn = sq_bind_textn,
    .bind_textn_static = sq_bind_textn_static,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .column_count = sq_column_count,
    .column_name = sq_column_name,
    .col_is_null = sq_col_is_null,
    .col_int = sq_col_int,
    .col_double = sq_col_double,
    .col_text = sq_col_text,
    .exec = sq_exec,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .sync = sq_sync,
    .checkpoint_truncate = sq_checkpoint_truncate,
    .last_insert_id = sq_last_insert_id,
    .changes = sq_changes,
    .errmsg = sq_errmsg,
    .backup = sq_backup,
    .integrity_check = sq_integrity_check,
    .broken = sq_broken,
    .probe = sq_probe,
    .failure = sq_failure,
};
