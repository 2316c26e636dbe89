/* throttle.c — login throttles (see throttle.h): the login_throttle
 * window rows, and this process's password-check slots (one mutex). */
#include "auth/throttle.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The subject of the whole service's window (no address is "*"). */
#define ALL "*"

/* One attempt against one window (?1 subject, ?2 now, ?3 now - window:
 * a window that started then or before has ended, ?4 the limit): a
 * new or ended window starts with this attempt; below the limit the
 * attempt is counted; at it, refused. Every SET reads the row as it
 * was, on both engines. */
static const char *const SQL_ATTEMPT =
    "INSERT INTO login_throttle(subject, window_start, attempts, refused, last_refused) VALUES (?1, ?2, 1, 0, 0)"
    " ON CONFLICT(subject) DO UPDATE SET"
    " window_start = CASE WHEN login_throttle.window_start <= ?3 THEN ?2 ELSE login_throttle.window_start END,"
    " attempts = CASE WHEN login_throttle.window_start <= ?3 THEN 1"
    "  WHEN login_throttle.attempts < ?4 THEN login_throttle.attempts + 1 ELSE login_throttle.attempts END,"
    " refused = CASE WHEN login_throttle.window_start <= ?3 THEN 0"
    "  WHEN login_throttle.attempts < ?4 THEN login_throttle.refused ELSE login_throttle.refused + 1 END,"
    " last_refused = CASE WHEN login_throttle.window_start <= ?3 OR login_throttle.attempts < ?4 THEN 0 ELSE 1 END"
    " RETURNING window_start, refused, last_refused";
static const char *const SQL_GIVE_BACK =
    "UPDATE login_throttle SET attempts = attempts - 1 WHERE subject = ? AND attempts > 0";
static const char *const SQL_SUCCEEDED =
    "UPDATE login_throttle SET attempts = attempts - 1 WHERE (subject = ? OR subject = '" ALL "') AND attempts > 0";
static const char *const SQL_PRUNE = "DELETE FROM login_throttle WHERE window_start <= ?";

#define PRUNE_EVERY 60
static _Atomic int64_t last_prune;   /* when this process last pruned: only a cadence */

/* Counts one attempt in subject's window: 0 counted, 1 refused (with
 * *retry_after and *first), -1 database error. */
static int take(db_conn *db, const char *subject, int limit, int window_seconds, int64_t now, int *retry_after,
                int *first)
{
    int rc = -1;
    db_stmt *s = db_query(db, SQL_ATTEMPT, DB_TEXT(subject), DB_INT(now), DB_INT(now - window_seconds),
                          DB_INT(limit));
    if (db_step(s) == DB_ROW) {
        rc = db_col_int(s, 2) != 0;
        *retry_after = (int)(db_col_int(s, 0) + window_seconds - now);
        *first = db_col_int(s, 1) == 1;
    }
    db_finalize(s);
    return rc;
}

int throttle_login_attempt(db_conn *db, const char *ip, int per_address, int global, int window_seconds,
                           int *retry_after, int *first)
{
    int64_t now = (int64_t)time(NULL), last = atomic_load(&last_prune);
    const char *subject = ip && *ip ? ip : "?";
    int rc = 0;
    if (now - last >= PRUNE_EVERY && atomic_compare_exchange_strong(&last_prune, &last, now))
        db_exec_args(db, SQL_PRUNE, DB_INT(now - window_seconds));
    if (per_address > 0)
        rc = take(db, subject, per_address, window_seconds, now, retry_after, first);
    if (rc == 0 && global > 0) {
        rc = take(db, ALL, global, window_seconds, now, retry_after, first);
        if (rc != 0 && per_address > 0)
            db_exec_args(db, SQL_GIVE_BACK, DB_TEXT(subject));
    }
    if (rc < 0)
        return -2;
    if (rc == 0)
        return 0;
    if (*retry_after < 1)
        *retry_after = 1;
    return -1;
}

void throttle_login_succeeded(db_conn *db, const char *ip)
{
    db_exec_args(db, SQL_SUCCEEDED, DB_TEXT(ip && *ip ? ip : "?"));
}

/* ---- password-check slots (this process's) -------------------------------- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t slot_free = PTHREAD_COND_INITIALIZER;
static int checks_running;
/* Slots this thread holds (a check inside a check, e.g. the dummy hash
 * made during the first sign-in, takes no second slot). */
static _Thread_local int checks_held;

int throttle_check_acquire(int max, int wait_ms)
{
    if (checks_held > 0) {
        checks_held++;
        return 0;
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += wait_ms / 1000;
    until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    int rc = 0;
    pthread_mutex_lock(&lock);
    while (max > 0 && checks_running >= max) {
        if (pthread_cond_timedwait(&slot_free, &lock, &until) == ETIMEDOUT && checks_running >= max) {
            rc = -1;
            break;
        }
    }
    if (rc == 0) {
        checks_running++;
        checks_held = 1;
#ifdef MS_TEST_BUILD   /* read by tests/api/test_password_checks.c */
        fprintf(stderr, "minsheng-test: password checks at once: %d\n", checks_running);
#endif
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

void throttle_check_release(void)
{
    if (--checks_held > 0)
        return;
    pthread_mutex_lock(&lock);
    checks_running--;
    pthread_cond_signal(&slot_free);
    pthread_mutex_unlock(&lock);
}
