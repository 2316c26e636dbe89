/* ratelimit.h — rate limits per key (a user id): "at most max events in
 * any window_s seconds".
 *
 * Owns: the rate_event table (migration 0012), one row per counted
 * event, deleted once older than its limit's window. It lives in the
 * database so that every server process on one database counts the
 * same events (several servers behind a load balancer, PostgreSQL).
 * Used for exact ID/phone searches and full exports (src/registry/); any
 * module may declare its own limit. */
#ifndef MS_RATELIMIT_H
#define MS_RATELIMIT_H

#include <stdint.h>
#include <time.h>

#include "storage/db.h"

typedef struct rate_limit {
    const char *name;    /* identifies the limit; keys are per limit */
    int max;             /* events allowed per window (>= 1) */
    int window_s;        /* window length in seconds */
} rate_limit;

/* Counts one event for key at time now (0 = time(NULL)) when the limit
 * allows it and returns 0; otherwise counts nothing and returns the
 * seconds until it will be allowed (>= 1); -1 when the database failed
 * (nothing counted). Runs its own short write transaction (db_begin:
 * the check and the count cannot be split by another server's), so the
 * caller must not hold one. */
int rate_limit_take(db_conn *db, const rate_limit *rl, int64_t key, time_t now);

#endif
