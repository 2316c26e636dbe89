/* retry.h — the retry policy of a transaction that failed in a way that
 * may simply succeed when run again.
 *
 * Owns: the decision alone, as a pure function (no clock, no random
 * source of its own), so that it is tested by itself
 * (tests/unit/test_db_retry.c). The server's request loop (http.c)
 * asks it after a handler's run ended in a 5xx and runs the handler —
 * the whole write transaction — again after the delay it gives. */
#ifndef MS_RETRY_H
#define MS_RETRY_H

#include <stdint.h>

#include "storage/db.h"

enum {
    DB_RETRY_MAX = 3,          /* runs after the first: 4 in all */
    DB_RETRY_BASE_MS = 20,     /* the ceiling of the first wait … */
    DB_RETRY_CAP_MS = 200,     /* … doubling per retry up to this */
};

/* What to do after run number `attempt` (0: the first) ended with
 * `failure` (db_failure_of): the milliseconds to wait before the next
 * run, or -1 to stop and answer. Only a conflict (serialization failure
 * or deadlock: the server rolled the whole transaction back) is run
 * again, at most DB_RETRY_MAX times; a lost connection is not (the
 * outcome of a COMMIT in flight is unknown: the caller answers 503) and
 * neither is anything else (a lock wait that timed out has already
 * waited the lock timeout). The wait is jittered so that two
 * transactions that collided do not collide again: uniform in
 * [ceiling/2, ceiling], ceiling = min(DB_RETRY_CAP_MS, DB_RETRY_BASE_MS
 * << attempt), from rnd (any 32 random bits). */
int db_retry_delay_ms(db_failure failure, int attempt, uint32_t rnd);

#endif
