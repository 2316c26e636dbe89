/* ratelimit.c — rate limits kept in the database (see ratelimit.h). */
#include "core/ratelimit.h"

#include <stdatomic.h>

/* The at of the max-th newest event still in the window (?4 = max - 1):
 * when there is one, the limit is reached until it leaves the window. */
static const char *const SQL_NTH_NEWEST =
    "SELECT at FROM rate_event WHERE name = ? AND subject = ? AND at > ? ORDER BY at DESC LIMIT 1 OFFSET ?";
static const char *const SQL_INSERT = "INSERT INTO rate_event(name, subject, at, expires_at) VALUES (?,?,?,?)";
static const char *const SQL_PRUNE = "DELETE FROM rate_event WHERE expires_at <= ?";

#define PRUNE_EVERY 60
static _Atomic int64_t last_prune;   /* when this process last pruned: only a cadence */

int rate_limit_take(db_conn *db, const rate_limit *rl, int64_t key, time_t now)
{
    int max = rl->max < 1 ? 1 : rl->max;
    if (!now)
        now = time(NULL);
    int64_t last = atomic_load(&last_prune);
    if (db_begin(db) != DB_DONE)
        return -1;
    if (now - last >= PRUNE_EVERY && atomic_compare_exchange_strong(&last_prune, &last, (int64_t)now) &&
        db_exec_args(db, SQL_PRUNE, DB_INT(now)) != DB_DONE)
        goto fail;
    int64_t nth = db_one_int(db, 0, SQL_NTH_NEWEST, DB_TEXT(rl->name), DB_INT(key), DB_INT(now - rl->window_s),
                             DB_INT(max - 1));
    int wait = nth ? (int)(nth + rl->window_s - now) : 0;   /* >= 1: nth is inside the window */
    if (!wait && db_exec_args(db, SQL_INSERT, DB_TEXT(rl->name), DB_INT(key), DB_INT(now),
                              DB_INT(now + rl->window_s)) != DB_DONE)
        goto fail;
    if (db_commit(db) != DB_DONE)
        goto fail;
    return wait;
fail:
    db_rollback(db);
    return -1;
}
