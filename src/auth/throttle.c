/* throttle.c — login throttles in memory (see throttle.h). A fixed table
 * of address slots (open addressing over a few probes; when every probe
 * is busy the oldest window is taken over), one mutex. */
#include "auth/throttle.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SLOTS 4096
#define PROBES 8

typedef struct window {
    char ip[64];
    int64_t start;
    int count;
    int refused;   /* refusals in this window */
} window;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t slot_free = PTHREAD_COND_INITIALIZER;
static window by_address[SLOTS];
static window all;
static int checks_running;
/* Slots this thread holds (a check inside a check, e.g. the dummy hash
 * made during the first sign-in, takes no second slot). */
static _Thread_local int checks_held;

static uint32_t hash_ip(const char *ip)
{
    uint32_t h = 2166136261u;   /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)ip; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h;
}

/* The window of `ip` (created or taken over); called with lock held. */
static window *address_window(const char *ip, int64_t now)
{
    uint32_t h = hash_ip(ip);
    window *oldest = NULL;
    for (int i = 0; i < PROBES; i++) {
        window *w = &by_address[(h + (uint32_t)i) % SLOTS];
        if (strcmp(w->ip, ip) == 0)
            return w;
        if (!oldest || w->start < oldest->start)
            oldest = w;
    }
    snprintf(oldest->ip, sizeof oldest->ip, "%s", ip);
    oldest->start = now;
    oldest->count = 0;
    oldest->refused = 0;
    return oldest;
}

static void roll(window *w, int64_t now, int window_seconds)
{
    if (now - w->start >= window_seconds) {
        w->start = now;
        w->count = 0;
        w->refused = 0;
    }
}

int throttle_login_attempt(const char *ip, int per_address, int global, int window_seconds, int *retry_after,
                           int *first)
{
    int64_t now = (int64_t)time(NULL);
    int rc = 0;
    pthread_mutex_lock(&lock);
    window *w = address_window(ip ? ip : "?", now);
    roll(w, now, window_seconds);
    roll(&all, now, window_seconds);
    if (per_address > 0 && w->count >= per_address) {
        *retry_after = (int)(w->start + window_seconds - now);
        *first = ++w->refused == 1;
        rc = -1;
    } else if (global > 0 && all.count >= global) {
        *retry_after = (int)(all.start + window_seconds - now);
        *first = ++all.refused == 1;
        rc = -1;
    } else {
        w->count++;
        all.count++;
    }
    pthread_mutex_unlock(&lock);
    if (rc && *retry_after < 1)
        *retry_after = 1;
    return rc;
}

void throttle_login_succeeded(const char *ip)
{
    pthread_mutex_lock(&lock);
    uint32_t h = hash_ip(ip ? ip : "?");
    for (int i = 0; i < PROBES; i++) {
        window *w = &by_address[(h + (uint32_t)i) % SLOTS];
        if (strcmp(w->ip, ip ? ip : "?") == 0 && w->count > 0) {
            w->count--;
            break;
        }
    }
    if (all.count > 0)
        all.count--;
    pthread_mutex_unlock(&lock);
}

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
