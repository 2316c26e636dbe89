/* strbuf.h — growable byte buffer.
 *
 * Owns: the heap memory behind a strbuf. The buffer is always
 * NUL-terminated after any append, so data can be used as a C string.
 * Allocation failure aborts the process (there is no sane recovery
 * from OOM in a request handler, and a half-built string must never
 * be written anywhere). */
#ifndef MS_STRBUF_H
#define MS_STRBUF_H

#include <stddef.h>

typedef struct strbuf {
    char *data;
    size_t len;
    size_t cap;
} strbuf;

#define STRBUF_INIT {NULL, 0, 0}

void sb_init(strbuf *sb);
void sb_free(strbuf *sb);
void sb_reset(strbuf *sb);
void sb_append(strbuf *sb, const char *data, size_t len);
void sb_puts(strbuf *sb, const char *s);
void sb_putc(strbuf *sb, char c);
void sb_printf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the buffer to the caller (free() it); the strbuf is left empty. */
char *sb_detach(strbuf *sb);

#endif
