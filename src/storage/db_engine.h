/* db_engine.h — what a database engine provides behind db.h (private to
 * src/storage).
 *
 * Owns: the common head of every connection and statement (the engine
 * they belong to, the per-connection cache of finished statements) and
 * the table of operations each backend fills in: db_sqlite.c
 * (db_sqlite_engine) and db_pg.c (db_pg_engine). db.c dispatches the
 * public functions of db.h through it, so domain code never knows which
 * engine runs. A backend's own connection and statement structs start
 * with these heads (db_conn / db_stmt as their first member). */
#ifndef MS_DB_ENGINE_H
#define MS_DB_ENGINE_H

#include "storage/db.h"

/* Idle prepared statements kept per connection (see db.c "statements"). */
#define STMT_CACHE_BUCKETS 256
_Static_assert(DB_STMT_CACHE_MAX < STMT_CACHE_BUCKETS, "keep the hash chains short");

struct db_engine;

struct db_stmt {
    const struct db_engine *eng;
    db_conn *conn;
    char *sql;              /* the cache key: the SQL text as the caller gave it (NULL: never cached) */
    uint64_t hash;          /* of sql */
    db_stmt *chain;         /* next in its hash bucket, while idle in the cache */
    db_stmt *newer, *older; /* the cache's recency list, while idle in it */
};

struct db_conn {
    const struct db_engine *eng;
    struct {
        db_stmt *bucket[STMT_CACHE_BUCKETS];
        db_stmt *newest, *oldest;
        int count;
    } cache;
};

/* Every operation gets a connection or statement of its own engine. The
 * engine's "dead" statement (what db_prepare gives for SQL that does not
 * prepare) must be accepted by every statement operation: binds do
 * nothing, step answers DB_ERROR. */
struct db_engine {
    const char *name;                 /* "sqlite", "postgresql" */
    db_stmt *dead;                    /* the dead statement: eng set, everything else 0 */
    void (*close)(db_conn *c);        /* after db.c emptied the statement cache */
    int (*migrate)(db_conn *c, char *err, size_t errsz);
    /* A new statement of c (never NULL: `dead` when sql does not
     * prepare); db.c fills in the cache fields. */
    db_stmt *(*prepare)(db_conn *c, const char *sql);
    void (*stmt_free)(db_stmt *s);
    void (*reset)(db_stmt *s);        /* back to the start, bindings cleared */
    void (*bind_int)(db_stmt *s, int idx, int64_t v);
    void (*bind_double)(db_stmt *s, int idx, double v);
    void (*bind_textn)(db_stmt *s, int idx, const char *v, size_t n);   /* v NULL: SQL NULL */
    /* v not copied: it stays unchanged until the statement is reset or
     * the parameter bound again. NULL: bind_textn serves. */
    void (*bind_textn_static)(db_stmt *s, int idx, const char *v, size_t n);
    void (*bind_null)(db_stmt *s, int idx);
    int (*step)(db_stmt *s);
    int (*column_count)(db_stmt *s);
    const char *(*column_name)(db_stmt *s, int col);
    int (*col_is_null)(db_stmt *s, int col);
    int64_t (*col_int)(db_stmt *s, int col);
    double (*col_double)(db_stmt *s, int col);
    const char *(*col_text)(db_stmt *s, int col);   /* never NULL */
    int (*exec)(db_conn *c, const char *sql);
    int (*begin)(db_conn *c);
    int (*commit)(db_conn *c);
    void (*rollback)(db_conn *c);
    int (*sync)(db_conn *c);
    int (*checkpoint_truncate)(db_conn *c);
    int64_t (*last_insert_id)(db_conn *c);
    int (*changes)(db_conn *c);
    const char *(*errmsg)(db_conn *c);
    int (*backup)(db_conn *c, const char *dest_path, char *err, size_t errsz);
    int (*integrity_check)(db_conn *c, char *problem, size_t sz);
    int (*broken)(db_conn *c);
    int (*probe)(db_conn *c);         /* db_conn_probe */
    db_failure (*failure)(db_conn *c, int clear);   /* db_failure */
};

extern const struct db_engine db_sqlite_engine;
extern const struct db_engine db_pg_engine;

/* The engines' open functions (db_open picks one by db_is_postgres). */
db_conn *db_sqlite_open(const char *path, char *err, size_t errsz);
db_conn *db_sqlite_open_readonly(const char *path, char *err, size_t errsz);
db_conn *db_pg_open(const char *conninfo, char *err, size_t errsz);

/* COPY on a PostgreSQL connection (db_copy.c): runs sql, a "COPY …
 * FROM STDIN" in text format, sends data[0..len) (whole rows) and ends
 * it. DB_DONE (db_changes: the rows copied) or the error's code, as a
 * statement's (a bad row aborts the transaction). */
int db_pg_copy_in(db_conn *c, const char *sql, const char *data, size_t len);

/* Finalizes every idle statement of c's cache (before c closes). */
void db_stmt_cache_clear(db_conn *c);

#endif
