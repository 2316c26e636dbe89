/* arena.c — per-request bump allocator (see arena.h). */
#include "arena.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN 1
#endif
#endif

#ifdef ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define ALIGN alignof(max_align_t)
#define ROUND_UP(n) (((n) + ALIGN - 1) & ~(ALIGN - 1))
#define MAX_CHUNK ((size_t)1 << 20)   /* chunks stop doubling here (bigger requests get their own) */

typedef struct chunk {
    struct chunk *prev;
    size_t cap;                         /* usable bytes in data */
    size_t used;                        /* bytes handed out (rounded up to ALIGN) */
    alignas(max_align_t) unsigned char data[];
} chunk;

struct arena {
    chunk *cur;        /* allocations are cut from here */
    void *last;        /* the latest allocation, which arena_grow may extend in place */
    size_t next;       /* usable size of the next chunk */
    size_t done;       /* bytes handed out by the chunks before cur */
};

/* The arena and its first chunk are one malloc block: the chunk
 * follows the arena, aligned. */
#define FIRST_CHUNK_OFFSET ROUND_UP(sizeof(struct arena))

static void *alloc_or_die(size_t n)
{
    void *p = malloc(n);
    if (!p) {
        fputs("minsheng: out of memory\n", stderr);
        abort();
    }
    return p;
}

static void chunk_init(chunk *c, chunk *prev, size_t cap)
{
    c->prev = prev;
    c->cap = cap;
    c->used = 0;
    POISON(c->data, cap);
}

arena *arena_new(size_t first)
{
    first = ROUND_UP(first ? first : ARENA_DEFAULT_CHUNK);
    struct arena *a = alloc_or_die(FIRST_CHUNK_OFFSET + sizeof(chunk) + first);
    chunk *c = (chunk *)((unsigned char *)a + FIRST_CHUNK_OFFSET);
    chunk_init(c, NULL, first);
    *a = (struct arena){.cur = c, .next = first < MAX_CHUNK ? first * 2 : MAX_CHUNK};
    return a;
}

/* Makes a new current chunk with room for at least n bytes. */
static void new_chunk(arena *a, size_t n)
{
    size_t cap = n > a->next ? n : a->next;
    if (cap > SIZE_MAX - sizeof(chunk)) {
        fputs("minsheng: arena allocation too large\n", stderr);
        abort();
    }
    chunk *c = alloc_or_die(sizeof(chunk) + cap);
    chunk_init(c, a->cur, cap);
    a->done += a->cur->used;
    a->cur = c;
    if (a->next < MAX_CHUNK)
        a->next *= 2;
}

void *arena_alloc(arena *a, size_t n)
{
    if (n > SIZE_MAX - ALIGN) {
        fputs("minsheng: arena allocation too large\n", stderr);
        abort();
    }
    size_t need = ROUND_UP(n ? n : 1);
    if (a->cur->cap - a->cur->used < need)
        new_chunk(a, need);
    unsigned char *p = a->cur->data + a->cur->used;
    a->cur->used += need;
    UNPOISON(p, n);
    a->last = p;
    return p;
}

char *arena_strdup(arena *a, const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(arena_alloc(a, n), s, n);
}

void *arena_grow(arena *a, void *p, size_t old, size_t n)
{
    if (!p)
        return arena_alloc(a, n);
    chunk *c = a->cur;
    unsigned char *u = p;
    if (p == a->last && n <= SIZE_MAX - ALIGN) {
        size_t off = (size_t)(u - c->data);
        size_t need = ROUND_UP(n ? n : 1);
        if (need <= c->cap - off) {
            if (n < old)
                memset(u + n, 0, old - n);   /* nothing of the cut tail outlives the call */
            POISON(u, c->cap - off);
            UNPOISON(u, n);
            c->used = off + need;
            return p;
        }
    }
    void *q = arena_alloc(a, n);
    memcpy(q, p, old < n ? old : n);
    return q;
}

size_t arena_used(const arena *a)
{
    return a->done + a->cur->used;
}

void arena_free(void *ap)
{
    struct arena *a = ap;
    if (!a)
        return;
    chunk *c = a->cur;
    while (c) {
        chunk *prev = c->prev;
        UNPOISON(c->data, c->cap);
        explicit_bzero(c->data, c->used);
        if (prev)   /* the first chunk lives in the arena's own block */
            free(c);
        c = prev;
    }
    free(a);
}
