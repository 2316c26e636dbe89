/* pool.c — the connection pool (see pool.h). */
#include "storage/pool.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct db_pool {
    char *path;
    int size;
    int open;                /* connections open or being opened (lent + idle + connecting) */
    int nidle;
    db_conn **idle;          /* size slots; the most recently given back on top */
    int fails;               /* connects failed in a row */
    int64_t retry_at;        /* no connect before this (monotonic ms) */
    pthread_mutex_t mu;
    pthread_cond_t given_back;
};

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

db_pool *db_pool_new(const char *path, int size)
{
    db_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->size = size > 0 ? size : 1;
    p->path = strdup(path);
    p->idle = calloc((size_t)p->size, sizeof *p->idle);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    if (!p->path || !p->idle || pthread_mutex_init(&p->mu, NULL) != 0 || pthread_cond_init(&p->given_back, &ca) != 0) {
        free(p->path);
        free(p->idle);
        free(p);
        p = NULL;
    }
    pthread_condattr_destroy(&ca);
    return p;
}

void db_pool_free(db_pool *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->nidle; i++)
        db_close(p->idle[i]);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->given_back);
    free(p->idle);
    free(p->path);
    free(p);
}

/* Opens a connection for a place already counted in p->open (called
 * without the lock); on failure the place is freed and the next
 * attempt backs off. */
static db_conn *open_one(db_pool *p)
{
    char err[512];
    db_conn *c = db_open(p->path, err, sizeof err);
    pthread_mutex_lock(&p->mu);
    if (c) {
        p->fails = 0;
        p->retry_at = 0;
    } else {
        p->open--;
        p->fails++;   /* waits 100, 200, 400 … ms, at most DB_POOL_BACKOFF_MAX_MS */
        int64_t wait = DB_POOL_BACKOFF_MIN_MS;
        for (int i = 1; i < p->fails && wait < DB_POOL_BACKOFF_MAX_MS; i++)
            wait *= 2;
        p->retry_at = now_ms() + (wait < DB_POOL_BACKOFF_MAX_MS ? wait : DB_POOL_BACKOFF_MAX_MS);
        pthread_cond_broadcast(&p->given_back);   /* a waiter may try (or give up) now */
    }
    pthread_mutex_unlock(&p->mu);
    if (!c)
        fprintf(stderr, "minsheng: %s\n", err);
    return c;
}

db_conn *db_pool_get(db_pool *p, int wait_ms, db_pool_status *why)
{
    db_pool_status st_ = DB_POOL_OK, *st = why ? why : &st_;
    int64_t deadline = now_ms() + (wait_ms > 0 ? wait_ms : 0);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->nidle > 0) {
            db_conn *c = p->idle[--p->nidle];
            pthread_mutex_unlock(&p->mu);
            if (db_conn_probe(c) == 0) {
                *st = DB_POOL_OK;
                return c;
            }
            db_close(c);   /* its server went away while it was idle */
            pthread_mutex_lock(&p->mu);
            p->open--;
        }
        int64_t now = now_ms();
        if (p->open < p->size) {
            if (now < p->retry_at) {
                pthread_mutex_unlock(&p->mu);
                *st = DB_POOL_DOWN;
                return NULL;
            }
            p->open++;
            pthread_mutex_unlock(&p->mu);
            db_conn *c = open_one(p);
            *st = c ? DB_POOL_OK : DB_POOL_DOWN;
            return c;
        }
        if (now >= deadline) {
            pthread_mutex_unlock(&p->mu);
            *st = DB_POOL_BUSY;
            return NULL;
        }
        struct timespec until = {.tv_sec = deadline / 1000, .tv_nsec = (long)(deadline % 1000) * 1000000};
        pthread_cond_timedwait(&p->given_back, &p->mu, &until);
    }
}

void db_pool_put(db_pool *p, db_conn *c)
{
    if (!c)
        return;
    int broken = db_conn_broken(c);
    if (broken)
        db_close(c);
    pthread_mutex_lock(&p->mu);
    if (broken)
        p->open--;
    else
        p->idle[p->nidle++] = c;
    pthread_cond_signal(&p->given_back);
    pthread_mutex_unlock(&p->mu);
}

int db_pool_open_count(db_pool *p)
{
    pthread_mutex_lock(&p->mu);
    int n = p->open;
    pthread_mutex_unlock(&p->mu);
    return n;
}
