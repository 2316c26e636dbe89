/* demo_kit.h — what the demo's issue-12 generators (mediation_demo.c,
 * safety_demo.c) share: a seeded random stream, "today" and days before
 * it, the demo accounts as actors, the street's communities and grids,
 * residents' names to staff stations and sign inspections, and the
 * transaction around a group of domain writes.
 *
 * Owns: nothing persistent, and no SQL that writes; it reads the
 * registry demo.c built (org units, residents, accounts). */
#ifndef MS_DEMO_KIT_H
#define MS_DEMO_KIT_H

#include <stddef.h>
#include <stdint.h>

#include "core/actor.h"
#include "storage/db.h"

/* A community or a grid of the demo street, in code order. */
typedef struct demo_unit {
    int64_t id, parent_id;
    char name[128], path[256];
    int index;                  /* a community's place in demo_communities (its roads) */
} demo_unit;

typedef struct demo_kit {
    db_conn *db;
    uint64_t rng;
    char today[11];             /* "YYYY-MM-DD", China local */
    int year;                   /* today's */
    char *err;
    size_t errsz;
    int64_t street_id;
    char street_path[256];
    demo_unit *communities, *grids;
    size_t ncommunities, ngrids;
    int64_t *adults;            /* active residents aged 25–70, by id */
    size_t nadults;
} demo_kit;

/* Loads the demo street (DEMO_STREET_CODE), its communities, grids and
 * adult residents; stream sets this generator's own random stream
 * apart from the others' for the same seed. today_ymd 0 = today.
 * 0, or -1 with a Chinese message in err. Release with demo_kit_release. */
int demo_kit_open(demo_kit *k, db_conn *db, uint64_t seed, uint64_t stream, int today_ymd, char *err, size_t errsz);
void demo_kit_release(demo_kit *k);

uint64_t demo_kit_next(demo_kit *k);
/* 0 … n-1 (0 when n <= 0). */
int demo_kit_below(demo_kit *k, int n);
/* lo … hi, both included. */
int demo_kit_range(demo_kit *k, int lo, int hi);
/* 1 with probability p/1000. */
int demo_kit_permille(demo_kit *k, int p);
/* An index into weights[0..n-1], drawn by weight. */
int demo_kit_weighted(demo_kit *k, const int *weights, int n);
/* The entry of a NULL-terminated list drawn at random. */
const char *demo_kit_pick(demo_kit *k, const char *const *list);

/* The date `back` days before today (negative: after). */
void demo_kit_day(const demo_kit *k, int back, char out[11]);
/* Days from date a to date b ("YYYY-MM-DD"; b - a). */
int demo_kit_days_between(const char *a, const char *b);

/* Formats the message into err: returns -1. */
int demo_kit_fail(demo_kit *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The demo account `username` as an actor: 0, or -1 (demo_kit_fail). */
int demo_kit_actor(demo_kit *k, const char *username, actor *out);

/* A random adult resident's id, and name into name (may be NULL); with
 * no adult registered 0 and a made-up name. */
int64_t demo_kit_adult(demo_kit *k, char *name, size_t namesz);
/* A random adult resident of the grids under `path`, or 0 when none found
 * in a few tries; name into name (may be NULL). */
int64_t demo_kit_adult_under(demo_kit *k, const char *path, char *name, size_t namesz);

/* A mobile number of the demo's prefixes into out (12 bytes). */
void demo_kit_mobile(demo_kit *k, char out[12]);

/* Begins a transaction (0) or fails (-1). */
int demo_kit_begin(demo_kit *k);
/* Ends it: rc 0 commits (0, or -1 when the commit fails), any other rc
 * rolls back and returns -1 (err already says why). */
int demo_kit_end(demo_kit *k, int rc);
/* ok: 0; otherwise -1 with "what失败：why" in err. */
int demo_kit_check(demo_kit *k, int ok, const char *what, const char *why);

#endif
