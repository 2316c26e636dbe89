/* db.c — the engine-neutral half of db.h.
 *
 * Owns: the choice of engine for a --db argument (db_is_postgres), how
 * messages show that argument (db_display_name: no password), and
 * the dispatch of every db.h function to the connection's engine (see
 * db_engine.h), each connection's cache of prepared statements (see
 * "statements" below), the choice of per-engine SQL (db_sql), and what
 * needs no engine
 * (db_step_done, db_schema_version, db_now). */
#include "storage/db.h"
#include "storage/db_engine.h"
#include "storage/pg_sql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int db_is_postgres(const char *path)
{
    return path && pg_is_conninfo(path);
}

/* Appends s[0..n) to out (truncating at outsz). */
static void put(char *out, size_t outsz, size_t *len, const char *s, size_t n)
{
    while (n-- && *len + 1 < outsz)
        out[(*len)++] = *s++;
    out[*len] = '\0';
}

char *db_display_name(const char *path, char *out, size_t outsz)
{
    size_t len = 0;
    if (!outsz)
        return out;
    out[0] = '\0';
    if (!path)
        return out;
    if (!db_is_postgres(path)) {
        snprintf(out, outsz, "%s", path);
        return out;
    }
    const char *p = path;
    const char *scheme = strstr(p, "://");
    if (scheme) {   /* URI: the userinfo's password, before the host */
        const char *auth = scheme + 3;
        size_t auth_len = strcspn(auth, "/?");
        const char *at = memchr(auth, '@', auth_len);
        const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
        if (colon) {
            put(out, outsz, &len, p, (size_t)(colon + 1 - p));
            put(out, outsz, &len, "***", 3);
            p = at;
        }
    }
    /* password=VALUE: in a conninfo VALUE ends at a space (or is quoted),
     * in a URI's query at '&'. */
    for (;;) {
        const char *kw = strstr(p, "password=");
        if (!kw || (kw > path && !strchr(" \t?&", kw[-1]))) {
            if (!kw) {
                put(out, outsz, &len, p, strlen(p));
                return out;
            }
            put(out, outsz, &len, p, (size_t)(kw + 9 - p));
            p = kw + 9;
            continue;
        }
        put(out, outsz, &len, p, (size_t)(kw + 9 - p));
        put(out, outsz, &len, "***", 3);
        const char *v = kw + 9;
        if (*v == '\'') {
            for (v++; *v && *v != '\''; v++)
                if (*v == '\\' && v[1])
                    v++;
            if (*v)
                v++;
        } else {
            v += strcspn(v, scheme ? "&" : " \t");
        }
        p = v;
    }
}

db_conn *db_open(const char *path, char *err, size_t errsz)
{
    return db_is_postgres(path) ? db_pg_open(path, err, errsz) : db_sqlite_open(path, err, errsz);
}

db_conn *db_open_readonly(const char *path, char *err, size_t errsz)
{
    if (db_is_postgres(path)) {
        snprintf(err, errsz, "PostgreSQL 数据库不支持此操作（只读打开数据库文件）");
        return NULL;
    }
    return db_sqlite_open_readonly(path, err, errsz);
}

void db_close(db_conn *c)
{
    if (!c)
        return;
    db_stmt_cache_clear(c);
    c->eng->close(c);
}

const char *db_engine_name(db_conn *c) { return c->eng->name; }
int db_conn_is_postgres(db_conn *c) { return c->eng == &db_pg_engine; }
int db_conn_broken(db_conn *c) { return c->eng->broken(c); }
int db_conn_probe(db_conn *c) { return c->eng->probe(c); }
db_failure db_failure_of(db_conn *c, int clear) { return c->eng->failure(c, clear); }

const char *db_sql(db_conn *c, const char *sqlite_sql, const char *pg_sql)
{
    return db_conn_is_postgres(c) ? pg_sql : sqlite_sql;
}

int db_migrate(db_conn *c, char *err, size_t errsz) { return c->eng->migrate(c, err, errsz); }
int db_exec(db_conn *c, const char *sql) { return c->eng->exec(c, sql); }
int db_begin(db_conn *c) { return c->eng->begin(c); }
int db_commit(db_conn *c) { return c->eng->commit(c); }
void db_rollback(db_conn *c) { c->eng->rollback(c); }
int db_sync(db_conn *c) { return c ? c->eng->sync(c) : 0; }
int db_checkpoint_truncate(db_conn *c) { return c->eng->checkpoint_truncate(c); }
int64_t db_last_insert_id(db_conn *c) { return c->eng->last_insert_id(c); }
int db_changes(db_conn *c) { return c->eng->changes(c); }
const char *db_errmsg(db_conn *c) { return c->eng->errmsg(c); }

int db_backup(db_conn *c, const char *dest_path, char *err, size_t errsz)
{
    return c->eng->backup(c, dest_path, err, errsz);
}

int db_integrity_check(db_conn *c, char *problem, size_t sz)
{
    return c->eng->integrity_check(c, problem, sz);
}

void db_bind_int(db_stmt *s, int idx, int64_t v) { s->eng->bind_int(s, idx, v); }
void db_bind_double(db_stmt *s, int idx, double v) { s->eng->bind_double(s, idx, v); }
void db_bind_null(db_stmt *s, int idx) { s->eng->bind_null(s, idx); }
void db_bind_textn(db_stmt *s, int idx, const char *v, size_t n) { s->eng->bind_textn(s, idx, v, n); }
void db_bind_textn_static(db_stmt *s, int idx, const char *v, size_t n)
{
    (s->eng->bind_textn_static ? s->eng->bind_textn_static : s->eng->bind_textn)(s, idx, v, n);
}

void db_bind_text(db_stmt *s, int idx, const char *v)
{
    s->eng->bind_textn(s, idx, v, v ? strlen(v) : 0);
}

int db_step(db_stmt *s) { return s->eng->step(s); }
void db_reset(db_stmt *s) { s->eng->reset(s); }
int db_column_count(db_stmt *s) { return s->eng->column_count(s); }
const char *db_column_name(db_stmt *s, int col) { return s->eng->column_name(s, col); }
int db_col_is_null(db_stmt *s, int col) { return s->eng->col_is_null(s, col); }
int64_t db_col_int(db_stmt *s, int col) { return s->eng->col_int(s, col); }
double db_col_double(db_stmt *s, int col) { return s->eng->col_double(s, col); }
const char *db_col_text(db_stmt *s, int col) { return s->eng->col_text(s, col); }

int db_step_done(db_stmt *s)
{
    int rc;
    while ((rc = db_step(s)) == DB_ROW)
        ;
    return rc;
}

int db_schema_version(db_conn *c)
{
    int v = 0;
    db_stmt *s = db_prepare(c, "SELECT COALESCE(MAX(version),0) FROM schema_migrations");
    if (db_step(s) == DB_ROW)
        v = (int)db_col_int(s, 0);
    db_finalize(s);
    return v;
}

/* Formatted once a second per thread: an import asks for it three times a row. */
char *db_now(char out[static 20])
{
    static __thread time_t last = -1;
    static __thread char text[20];
    time_t t = time(NULL);
    if (t != last) {
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
        last = t;
    }
    memcpy(out, text, sizeof text);
    return out;
}

/* ---- statements ------------------------------------------------------
 *
 * Preparing costs more than running most of our statements (SQLite:
 * the resident detail, 0.05 of 0.06 ms; PostgreSQL: a round trip), so
 * each connection keeps the statements it has finished with, up to
 * DB_STMT_CACHE_MAX, keyed by their SQL text (not the pointer: query.c
 * builds SQL in buffers that are reused for other text). db_prepare
 * takes an idle statement of the same text out of the cache; when none
 * is idle — the same SQL already running, e.g. a nested query — the
 * engine prepares a fresh one. db_finalize resets the statement, clears
 * its bindings (no value of one request stays bound into the next) and
 * puts it back, freeing it instead when an idle twin is already there,
 * and the least recently used statement goes when the cache is full. A
 * statement in the cache holds no lock (it is reset). How an engine
 * keeps a kept statement valid across schema changes is its own
 * business (SQLite re-prepares by itself; see db_pg.c). */

static uint64_t sql_hash(const char *sql)
{
    uint64_t h = 14695981039346656037u;   /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)sql; *p; p++)
        h = (h ^ *p) * 1099511628211u;
    return h;
}

/* Unlinks an idle statement from c's cache (bucket chain and recency list). */
static void stmt_cache_unlink(db_conn *c, db_stmt *s)
{
    db_stmt **p = &c->cache.bucket[s->hash % STMT_CACHE_BUCKETS];
    while (*p != s)
        p = &(*p)->chain;
    *p = s->chain;
    if (s->newer)
        s->newer->older = s->older;
    else
        c->cache.newest = s->older;
    if (s->older)
        s->older->newer = s->newer;
    else
        c->cache.oldest = s->newer;
    s->chain = s->newer = s->older = NULL;
    c->cache.count--;
}

/* The idle statement of exactly this SQL text, or NULL. */
static db_stmt *stmt_cache_find(db_conn *c, const char *sql, uint64_t hash)
{
    for (db_stmt *s = c->cache.bucket[hash % STMT_CACHE_BUCKETS]; s; s = s->chain)
        if (s->hash == hash && strcmp(s->sql, sql) == 0)
            return s;
    return NULL;
}

static void stmt_free(db_stmt *s)
{
    char *sql = s->sql;
    s->eng->stmt_free(s);
    free(sql);
}

/* Puts a reset statement back as the newest; evicts the oldest past the bound. */
static void stmt_cache_put(db_conn *c, db_stmt *s)
{
    if (stmt_cache_find(c, s->sql, s->hash)) {   /* the twin of a nested use came back first */
        stmt_free(s);
        return;
    }
    db_stmt **b = &c->cache.bucket[s->hash % STMT_CACHE_BUCKETS];
    s->chain = *b;
    *b = s;
    s->newer = NULL;
    s->older = c->cache.newest;
    if (c->cache.newest)
        c->cache.newest->newer = s;
    else
        c->cache.oldest = s;
    c->cache.newest = s;
    if (++c->cache.count > DB_STMT_CACHE_MAX) {
        db_stmt *old = c->cache.oldest;
        stmt_cache_unlink(c, old);
        stmt_free(old);
    }
}

void db_stmt_cache_clear(db_conn *c)
{
    while (c->cache.oldest) {
        db_stmt *s = c->cache.oldest;
        stmt_cache_unlink(c, s);
        stmt_free(s);
    }
}

int db_stmt_cache_size(db_conn *c)
{
    return c ? c->cache.count : 0;
}

db_stmt *db_prepare(db_conn *c, const char *sql)
{
    uint64_t hash = sql_hash(sql);
    db_stmt *s = stmt_cache_find(c, sql, hash);
    if (s) {
        stmt_cache_unlink(c, s);
        return s;
    }
    s = c->eng->prepare(c, sql);
    if (s == c->eng->dead)   /* did not prepare: never cached */
        return s;
    if (!(s->sql = strdup(sql))) {
        s->eng->stmt_free(s);
        return c->eng->dead;
    }
    s->hash = hash;
    return s;
}

/* Back into the connection's cache, reset and unbound (see above). */
void db_finalize(db_stmt *s)
{
    if (!s || !s->sql)
        return;
    s->eng->reset(s);
    stmt_cache_put(s->conn, s);
}
