/* pool.h — the server's database connections, lent to one request at a
 * time.
 *
 * Owns: a bounded set of connections to one database (the primary, or
 * a read replica), opened when first needed, lent by db_pool_get and
 * given back by db_pool_put; a request waits (bounded) when all are
 * lent. A connection that is lost (db_conn_broken: pg_terminate_backend,
 * a server restart, the network) is closed when it comes back or is
 * found dead before it is lent (db_conn_probe), and its place is opened
 * afresh for a later request; while the database cannot be reached the
 * attempts back off (DB_POOL_BACKOFF_*), and a request meanwhile gets
 * NULL at once rather than waiting for a connect timeout.
 * docs/postgresql.md ("Connections") says how the server uses it. */
#ifndef MS_POOL_H
#define MS_POOL_H

#include "storage/db.h"

typedef struct db_pool db_pool;

enum {
    DB_POOL_WAIT_MS = 5000,          /* serve's default bound on a request's wait (--db-pool-wait) */
    DB_POOL_BACKOFF_MIN_MS = 100,    /* after a failed connect, the next try waits this … */
    DB_POOL_BACKOFF_MAX_MS = 5000,   /* … doubling per failure up to this */
};

typedef enum {
    DB_POOL_OK,
    DB_POOL_BUSY,   /* every connection lent for the whole wait */
    DB_POOL_DOWN,   /* the database cannot be reached now (connect failed; backing off) */
} db_pool_status;

/* A pool of at most size connections (>= 1) to path (db_open's
 * argument, copied). Opens nothing yet. NULL when out of memory. */
db_pool *db_pool_new(const char *path, int size);
/* Closes every connection; all must have been given back. */
void db_pool_free(db_pool *p);

/* Lends a connection: an idle one that is still alive, else a new one
 * while fewer than size are open, else the first given back within
 * wait_ms. NULL when there is none: *why says whether all were busy or
 * the database is down (why may be NULL). */
db_conn *db_pool_get(db_pool *p, int wait_ms, db_pool_status *why);
/* Gives c back (no transaction open); a broken one is closed and its
 * place freed. */
void db_pool_put(db_pool *p, db_conn *c);

/* Connections open now (lent and idle): for tests. */
int db_pool_open_count(db_pool *p);

#endif
