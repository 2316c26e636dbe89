/* ratelimit.c — in-memory rate limits (see ratelimit.h). */
#include "util/ratelimit.h"

#include <pthread.h>
#include <string.h>

#define SLOTS 1024

typedef struct slot {
    const rate_limit *rl;             /* NULL = free */
    int64_t key;
    time_t at[RATE_LIMIT_MAX_EVENTS]; /* ring of the last events */
    int next, count;
    time_t last;
} slot;

static slot table[SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* The slot of (rl, key): found, or a free one, or the one idle longest. */
static slot *slot_for(const rate_limit *rl, int64_t key)
{
    slot *victim = &table[0];
    for (size_t i = 0; i < SLOTS; i++) {
        slot *s = &table[((uint64_t)key * 31u + i) % SLOTS];
        if (s->rl == rl && s->key == key)
            return s;
        if (!s->rl) {
            victim = s;
            break;
        }
        if (s->last < victim->last)
            victim = s;
    }
    memset(victim, 0, sizeof *victim);
    victim->rl = rl;
    victim->key = key;
    return victim;
}

int rate_limit_take(const rate_limit *rl, int64_t key, time_t now)
{
    int max = rl->max < 1 ? 1 : rl->max > RATE_LIMIT_MAX_EVENTS ? RATE_LIMIT_MAX_EVENTS : rl->max;
    int wait = 0;
    if (!now)
        now = time(NULL);
    pthread_mutex_lock(&lock);
    slot *s = slot_for(rl, key);
    if (s->count >= max) {
        time_t oldest = s->at[s->next];   /* the ring is full: next is the oldest */
        if (oldest + rl->window_s > now)
            wait = (int)(oldest + rl->window_s - now);
    }
    if (!wait) {
        s->at[s->next] = now;
        s->next = (s->next + 1) % max;
        if (s->count < max)
            s->count++;
        s->last = now;
    }
    pthread_mutex_unlock(&lock);
    return wait;
}

void rate_limit_reset(void)
{
    pthread_mutex_lock(&lock);
    memset(table, 0, sizeof table);
    pthread_mutex_unlock(&lock);
}
