/* pg_sql.c — placeholder translation, the conninfo rule and COPY's text
 * escaping (see pg_sql.h). */
#include "storage/pg_sql.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_PARAMS = 65535 };   /* the protocol's limit */

/* A byte that may continue an identifier (PostgreSQL: letters, digits,
 * '_', '$', and any non-ASCII byte). */
static int ident_byte(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
           ch == '$' || ch >= 0x80;
}

static int is_digit(char ch) { return ch >= '0' && ch <= '9'; }

/* The end of the quoted run starting at p (*p is the quote q): just past
 * the closing quote, a doubled quote standing for itself; with
 * backslashes (E'...') a backslash escapes the next byte. An unclosed
 * run ends at the end of the text (the server reports it). */
static const char *skip_quoted(const char *p, char q, int backslashes)
{
    for (p++; *p; p++) {
        if (backslashes && *p == '\\' && p[1]) {
            p++;
        } else if (*p == q) {
            if (p[1] != q)
                return p + 1;
            p++;
        }
    }
    return p;
}

/* Block comments nest in PostgreSQL. p is at the opening slash. */
static const char *skip_block_comment(const char *p)
{
    int depth = 0;
    while (*p) {
        if (p[0] == '/' && p[1] == '*') {
            depth++;
            p += 2;
        } else if (p[0] == '*' && p[1] == '/') {
            p += 2;
            if (--depth == 0)
                return p;
        } else {
            p++;
        }
    }
    return p;
}

/* p is at a '$' that does not continue an identifier: when a dollar
 * quote opens here ($$ or $tag$), the end of the quoted string; else
 * NULL (a positional $1 or a stray '$'). */
static const char *skip_dollar_quote(const char *p)
{
    const char *t = p + 1;
    if (is_digit(*t))
        return NULL;
    while (*t && *t != '$' && ident_byte((unsigned char)*t))
        t++;
    if (*t != '$')
        return NULL;
    size_t taglen = (size_t)(t - p) + 1;   /* "$tag$" */
    const char *end;
    for (end = t + 1; *end; end++)
        if (*end == '$' && strncmp(end, p, taglen) == 0)
            return end + taglen;
    return end;
}

int pg_translate_placeholders(const char *sql, char **out)
{
    /* "?" becomes at most "$65535": 6 bytes for 1. */
    size_t len = strlen(sql);
    char *o = malloc(len * 6 + 1);
    *out = NULL;
    if (!o)
        return -1;
    size_t n = 0;
    long highest = 0;
    const char *p = sql;
    while (*p) {
        const char *from = p, *to = NULL;
        unsigned char prev = p > sql ? (unsigned char)p[-1] : ' ';
        if (*p == '\'') {
            int e = (prev == 'E' || prev == 'e') && (p - 1 == sql || !ident_byte((unsigned char)p[-2]));
            to = skip_quoted(p, '\'', e);
        } else if (*p == '"') {
            to = skip_quoted(p, '"', 0);
        } else if (p[0] == '-' && p[1] == '-') {
            to = p + strcspn(p, "\n");
        } else if (p[0] == '/' && p[1] == '*') {
            to = skip_block_comment(p);
        } else if (*p == '$' && !ident_byte(prev)) {
            to = skip_dollar_quote(p);
        } else if (*p == '?') {
            long num;
            p++;
            if (is_digit(*p)) {
                char *end;
                num = strtol(p, &end, 10);
                p = end;
            } else {
                num = highest + 1;
            }
            if (num < 1 || num > MAX_PARAMS) {
                free(o);
                return -1;
            }
            if (num > highest)
                highest = num;
            n += (size_t)sprintf(o + n, "$%ld", num);
            continue;
        }
        if (!to)
            to = p + 1;
        memcpy(o + n, from, (size_t)(to - from));
        n += (size_t)(to - from);
        p = to;
    }
    o[n] = '\0';
    *out = o;
    return (int)highest;
}

int pg_is_conninfo(const char *s)
{
    if (strncmp(s, "postgresql://", 13) == 0 || strncmp(s, "postgres://", 11) == 0)
        return 1;
    s += strspn(s, " \t\n");
    size_t wl = strspn(s, "abcdefghijklmnopqrstuvwxyz_");
    if (wl == 0 || s[wl + strspn(s + wl, " \t\n")] != '=')
        return 0;
    PQconninfoOption *opts = PQconndefaults();
    int found = 0;
    for (PQconninfoOption *o = opts; o && o->keyword && !found; o++)
        found = strlen(o->keyword) == wl && strncmp(o->keyword, s, wl) == 0;
    PQconninfoFree(opts);
    return found;
}

void pg_copy_field(strbuf *out, const char *v, size_t n)
{
    if (!v) {
        sb_append(out, "\\N", 2);
        return;
    }
    /* Runs of bytes that need no escape are appended whole. */
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        char esc;
        switch (v[i]) {
        case '\\': esc = '\\'; break;
        case '\t': esc = 't'; break;
        case '\n': esc = 'n'; break;
        case '\r': esc = 'r'; break;
        default: continue;
        }
        sb_append(out, v + start, i - start);
        sb_putc(out, '\\');
        sb_putc(out, esc);
        start = i + 1;
    }
    sb_append(out, v + start, n - start);
}
