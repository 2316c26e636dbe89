/* strbuf.h — growable byte buffer.
 *
 * Owns: the heap memory behind a strbuf — or, for a buffer made with
 * sb_init_arena, nothing: its memory comes from an arena (util/arena.h)
 * and goes back with it. The buffer is always NUL-terminated after any
 * append, so data can be used as a C string. Allocation failure aborts
 * the process (there is no sane recovery from OOM in a request handler,
 * and a half-built string must never be written anywhere). */
#ifndef MS_STRBUF_H
#define MS_STRBUF_H

#include <stddef.h>

struct arena;

typedef struct strbuf {
    char *data;
    size_t len;
    size_t cap;
    struct arena *arena;    /* NULL: heap memory (malloc) */
} strbuf;

#define STRBUF_INIT {NULL, 0, 0, NULL}

void sb_init(strbuf *sb);
/* An empty buffer whose memory is cut from arena a: sb_free forgets it,
 * arena_free gives it back. */
void sb_init_arena(strbuf *sb, struct arena *a);
void sb_free(strbuf *sb);
void sb_reset(strbuf *sb);
void sb_append(strbuf *sb, const char *data, size_t len);
void sb_puts(strbuf *sb, const char *s);
void sb_putc(strbuf *sb, char c);
void sb_printf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Room for n more bytes (and the NUL): returns where they go; the
 * caller writes up to n bytes there, then calls sb_commit with how many
 * it wrote. Nothing else may touch sb in between. */
char *sb_reserve(strbuf *sb, size_t n);
void sb_commit(strbuf *sb, size_t written);
/* Hands the buffer to the caller (free() it; from an arena buffer, a
 * heap copy); the strbuf is left empty. */
char *sb_detach(strbuf *sb);

/* realloc that aborts on failure, as the strbuf does: for the other
 * growable arrays of util/ (csvfile.c, xlsx_read.c). */
void *xrealloc(void *p, size_t n);

#endif
