/* strbuf.c — growable byte buffer (see strbuf.h). */
#include "strbuf.h"
#include "arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) {
        fputs("minsheng: out of memory\n", stderr);
        abort();
    }
    return q;
}

static void sb_grow(strbuf *sb, size_t extra)
{
    size_t need = sb->len + extra + 1;
    if (need <= sb->cap)
        return;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < need)
        cap *= 2;
    sb->data = sb->arena ? arena_grow(sb->arena, sb->data, sb->cap, cap) : xrealloc(sb->data, cap);
    sb->cap = cap;
}

void sb_init(strbuf *sb)
{
    sb->data = NULL;
    sb->len = 0;
    sb->cap = 0;
    sb->arena = NULL;
}

void sb_init_arena(strbuf *sb, struct arena *a)
{
    sb_init(sb);
    sb->arena = a;
}

void sb_free(strbuf *sb)
{
    struct arena *a = sb->arena;
    if (!a)
        free(sb->data);
    sb_init(sb);
    sb->arena = a;
}

void sb_reset(strbuf *sb)
{
    sb->len = 0;
    if (sb->data)
        sb->data[0] = '\0';
}

void sb_append(strbuf *sb, const char *data, size_t len)
{
    sb_grow(sb, len);
    if (len)
        memcpy(sb->data + sb->len, data, len);
    sb->len += len;
    sb->data[sb->len] = '\0';
}

char *sb_reserve(strbuf *sb, size_t n)
{
    sb_grow(sb, n);
    return sb->data + sb->len;
}

void sb_commit(strbuf *sb, size_t written)
{
    sb->len += written;
    sb->data[sb->len] = '\0';
}

void sb_puts(strbuf *sb, const char *s)
{
    sb_append(sb, s, strlen(s));
}

void sb_putc(strbuf *sb, char c)
{
    if (sb->len + 2 > sb->cap)
        sb_grow(sb, 1);
    sb->data[sb->len++] = c;
    sb->data[sb->len] = '\0';
}

void sb_printf(strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    sb_grow(sb, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

char *sb_detach(strbuf *sb)
{
    if (!sb->data)
        sb_grow(sb, 0), sb->data[0] = '\0';
    char *p = sb->data;
    if (sb->arena)
        p = memcpy(xrealloc(NULL, sb->len + 1), sb->data, sb->len + 1);
    struct arena *a = sb->arena;
    sb_init(sb);
    sb->arena = a;
    return p;
}
