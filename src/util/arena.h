/* arena.h — per-request bump allocator.
 *
 * Owns: a chain of memory chunks from which a request's short-lived
 * allocations (the reply being written, per-row temporaries) are cut by
 * bumping a pointer, and which are all given back at once by
 * arena_free. There is no per-allocation free. Every allocation is
 * aligned for any type (max_align_t). The bytes handed out are wiped
 * before the chunks are freed: replies hold full ID numbers and phones
 * (剩余信息保护). Allocation failure aborts the process, as in strbuf.
 *
 * Under AddressSanitizer the unused part of every chunk and the padding
 * after each allocation are poisoned, so reading or writing past what
 * was asked for is reported as with malloc. Not thread-safe: one arena
 * belongs to one request. */
#ifndef MS_ARENA_H
#define MS_ARENA_H

#include <stddef.h>

typedef struct arena arena;

/* The first chunk's usable size when arena_new is given 0. */
#define ARENA_DEFAULT_CHUNK ((size_t)32 * 1024)

/* A new arena whose first chunk holds `first` bytes (0: the default). */
arena *arena_new(size_t first);

/* n bytes (n may be 0), aligned for any type, uninitialised. */
void *arena_alloc(arena *a, size_t n);

/* A copy of s in the arena. */
char *arena_strdup(arena *a, const char *s);

/* realloc for the arena: p (NULL, or the last value returned for a
 * block of `old` bytes) made n bytes long, the first min(old, n) bytes
 * kept. Grows in place when p is the arena's latest allocation and its
 * chunk has room; otherwise copies to a new block (the old one stays
 * until arena_free). */
void *arena_grow(arena *a, void *p, size_t old, size_t n);

/* Bytes handed out so far (with alignment padding), for tests and
 * statistics. */
size_t arena_used(const arena *a);

/* Wipes everything handed out and frees every chunk; a is invalid
 * afterwards. NULL is allowed. Its signature suits a free callback. */
void arena_free(void *a);

#endif
