/* ratelimit.h — in-memory rate limits per key (a user id): "at most max
 * events in any window_s seconds", as a ring of the last max event times
 * per key. Thread-safe; nothing survives a restart (enough for a single
 * server process; a shared store would be needed behind a balancer).
 *
 * Owns: the table of keys and their recent event times. Used for exact
 * ID/phone searches and full exports (src/registry/); any module may
 * declare its own limit. */
#ifndef MS_RATELIMIT_H
#define MS_RATELIMIT_H

#include <stdint.h>
#include <time.h>

#define RATE_LIMIT_MAX_EVENTS 64

typedef struct rate_limit {
    const char *name;    /* identifies the limit; keys are per limit */
    int max;             /* events allowed per window (1..RATE_LIMIT_MAX_EVENTS) */
    int window_s;        /* window length in seconds */
} rate_limit;

/* Counts one event for key at time now (0 = time(NULL)) when the limit
 * allows it and returns 0; otherwise counts nothing and returns the
 * seconds until it will be allowed (>= 1). */
int rate_limit_take(const rate_limit *rl, int64_t key, time_t now);

/* Forgets every key (for tests). */
void rate_limit_reset(void);

#endif
