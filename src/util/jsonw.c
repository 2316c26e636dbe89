/* jsonw.c — streaming JSON writer (see jsonw.h). */
#include "util/jsonw.h"
#include "util/validate.h"

#include <string.h>

void jsonw_init(jsonw *w, struct arena *a)
{
    sb_init_arena(&w->sb, a);
    w->comma = 0;
}

void jsonw_free(jsonw *w)
{
    sb_free(&w->sb);
    w->comma = 0;
}

/* Before a value or a key: the separator from the previous item. */
static void item(jsonw *w)
{
    if (w->comma)
        sb_putc(&w->sb, ',');
}

static void open_container(jsonw *w, char c)
{
    item(w);
    sb_putc(&w->sb, c);
    w->comma = 0;
}

static void close_container(jsonw *w, char c)
{
    sb_putc(&w->sb, c);
    w->comma = 1;
}

void jsonw_obj_begin(jsonw *w) { open_container(w, '{'); }
void jsonw_obj_end(jsonw *w) { close_container(w, '}'); }
void jsonw_arr_begin(jsonw *w) { open_container(w, '['); }
void jsonw_arr_end(jsonw *w) { close_container(w, ']'); }

/* The escaped form of ASCII byte c, or NULL when it is written as is. */
static const char *escape_of(unsigned char c, char buf[7])
{
    static const char HEX[] = "0123456789ABCDEF";
    switch (c) {
    case '"':  return "\\\"";
    case '\\': return "\\\\";
    case '\b': return "\\b";
    case '\f': return "\\f";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    default:
        if (c >= 0x20)
            return NULL;
        memcpy(buf, "\\u00", 4);
        buf[4] = HEX[c >> 4];
        buf[5] = HEX[c & 15];
        buf[6] = '\0';
        return buf;
    }
}

/* The string body, escaped, without quotes: runs of bytes written as
 * they are go out in one append. */
static void put_escaped(strbuf *sb, const char *s, size_t n)
{
    size_t run = 0, i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char buf[7];
        size_t len = 1;
        if (c < 0x80) {
            esc = escape_of(c, buf);
        } else {
            unsigned long cp;
            int k = utf8_next(s + i, n - i, &cp);
            if (k)
                len = (size_t)k;
            else
                esc = "?";   /* not UTF-8: one byte at a time, as utf8_scrub */
        }
        if (!esc) {
            i += len;
            continue;
        }
        sb_append(sb, s + run, i - run);
        sb_puts(sb, esc);
        i += len;
        run = i;
    }
    sb_append(sb, s + run, n - run);
}

void jsonw_key(jsonw *w, const char *key)
{
    item(w);
    sb_putc(&w->sb, '"');
    put_escaped(&w->sb, key, strlen(key));
    sb_append(&w->sb, "\":", 2);
    w->comma = 0;
}

void jsonw_strn(jsonw *w, const char *s, size_t n)
{
    item(w);
    sb_putc(&w->sb, '"');
    put_escaped(&w->sb, s, n);
    sb_putc(&w->sb, '"');
    w->comma = 1;
}

void jsonw_str(jsonw *w, const char *s)
{
    if (!s)
        jsonw_null(w);
    else
        jsonw_strn(w, s, strlen(s));
}

void jsonw_int(jsonw *w, int64_t v)
{
    char buf[24], *p = buf + sizeof buf;
    /* through uint64_t, so INT64_MIN has a magnitude */
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    jsonw_raw(w, p, (size_t)(buf + sizeof buf - p));
}

void jsonw_bool(jsonw *w, int v)
{
    jsonw_raw(w, v ? "true" : "false", v ? 4 : 5);
}

void jsonw_null(jsonw *w)
{
    jsonw_raw(w, "null", 4);
}

void jsonw_raw(jsonw *w, const char *json, size_t n)
{
    item(w);
    sb_append(&w->sb, json, n);
    w->comma = 1;
}
