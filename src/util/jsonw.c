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

/* How each byte is written: as is (0), escaped (its escape's length,
 * from ESCAPES), or as the start of a multi-byte sequence to check
 * (NON_ASCII). */
#define NON_ASCII 9
static const unsigned char CLASS[256] = {
    6, 6, 6, 6, 6, 6, 6, 6, 2, 2, 2, 6, 2, 2, 6, 6,   /* \b \t \n \f \r as two bytes, others \u00XX */
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,   /* '"' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0,   /* '\\' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,   /* DEL as is, as jansson */
#define NA9 NON_ASCII, NON_ASCII, NON_ASCII, NON_ASCII, NON_ASCII, NON_ASCII, NON_ASCII, NON_ASCII
    NA9, NA9, NA9, NA9, NA9, NA9, NA9, NA9, NA9, NA9, NA9, NA9, NA9, NA9, NA9, NA9,
#undef NA9
};

/* The escape of ASCII byte c (CLASS 2 or 6) at out. */
static void put_escape(char *out, unsigned char c)
{
    static const char HEX[] = "0123456789ABCDEF";
    out[0] = '\\';
    switch (c) {
    case '"':  out[1] = '"'; return;
    case '\\': out[1] = '\\'; return;
    case '\b': out[1] = 'b'; return;
    case '\f': out[1] = 'f'; return;
    case '\n': out[1] = 'n'; return;
    case '\r': out[1] = 'r'; return;
    case '\t': out[1] = 't'; return;
    default:
        memcpy(out + 1, "u00", 3);
        out[4] = HEX[c >> 4];
        out[5] = HEX[c & 15];
    }
}

/* '"' + s escaped + '"', written in place: at most 6 bytes per input
 * byte (\u00XX) and the quotes are reserved first. */
static void put_string(strbuf *sb, const char *s, size_t n)
{
    char *out = sb_reserve(sb, 6 * n + 2), *o = out;
    const unsigned char *u = (const unsigned char *)s, *end = u + n;
    *o++ = '"';
    while (u < end) {
        unsigned char c = *u, cls = CLASS[c];
        if (cls == 0) {
            *o++ = (char)c;
            u++;
        } else if (cls != NON_ASCII) {
            put_escape(o, c);
            o += cls;
            u++;
        } else {
            unsigned long cp;
            int k = utf8_next((const char *)u, (size_t)(end - u), &cp);
            if (k) {
                memcpy(o, u, (size_t)k);
                o += k;
                u += k;
            } else {
                *o++ = '?';   /* not UTF-8: one byte at a time, as utf8_scrub */
                u++;
            }
        }
    }
    *o++ = '"';
    sb_commit(sb, (size_t)(o - out));
}

void jsonw_key(jsonw *w, const char *key)
{
    item(w);
    put_string(&w->sb, key, strlen(key));
    sb_putc(&w->sb, ':');
    w->comma = 0;
}

void jsonw_strn(jsonw *w, const char *s, size_t n)
{
    item(w);
    put_string(&w->sb, s, n);
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
