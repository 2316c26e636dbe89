/* throttle.h — login throttles.
 *
 * Owns: the login_throttle table (migration 0012): failed-sign-in
 * counters per client address and for the whole service, in fixed
 * windows, kept in the database so that every server process on one
 * database counts the same attempts; and the cap on password checks
 * running at once in this process. Each check costs ~100 ms of CPU
 * (Argon2id), so one password sprayed over every username is slowed by
 * the per-address and the global limit, whatever the usernames. The
 * numbers come from g_session_policy (session.h). */
#ifndef MS_THROTTLE_H
#define MS_THROTTLE_H

#include <stdint.h>

#include "storage/db.h"

/* Counts a sign-in attempt from `ip` against the limits (at most
 * per_address attempts per address and `global` in all that have not
 * succeeded, per window_seconds; 0 = no limit). 0 to go on, -1 with
 * *retry_after the seconds until the window ends and *first set when
 * this is the first refusal of its window (the one worth an audit row:
 * a flood of refusals must not flood the audit log), or -2 when the
 * database failed. An attempt that succeeds is taken back with
 * throttle_login_succeeded.
 *
 * Each limit is one upsert of its window row outside any transaction
 * (the row lock serialises attempts on it on PostgreSQL, the write lock
 * on SQLite): the address's row first, then the service's ('*'); an
 * attempt the service's limit refuses gives its address slot back.
 * Call it outside a transaction. Windows that ended are deleted at most
 * once a minute per process. */
int throttle_login_attempt(db_conn *db, const char *ip, int per_address, int global, int window_seconds,
                           int *retry_after, int *first);
void throttle_login_succeeded(db_conn *db, const char *ip);

/* Waits (up to wait_ms) for one of `max` password-check slots: 0 with
 * the slot taken, -1 when none came free. Every Argon2id computation
 * takes one (password_hash, password_verify in users.c): each holds 64
 * MiB while it runs, so the slots bound the server's memory as well as
 * its CPU — this process's, so they stay in its memory (another server
 * has its own budget). A thread that already holds a slot takes it again without
 * waiting (released when its outermost holder releases). Never wait for
 * a slot while holding the database's write lock: sign-ins take their
 * slot before their write transaction, so that wait could block both
 * until the busy timeout. */
int throttle_check_acquire(int max, int wait_ms);
void throttle_check_release(void);
/* How long a password check or hash waits for a slot. */
#define THROTTLE_CHECK_WAIT_MS 10000

#endif
