/* fuzz_jsonw.c — libFuzzer target for util/jsonw.c (the streaming JSON
 * writer of the list and view replies) against jansson.
 *
 * Each input is used twice:
 *   1. as one string of arbitrary bytes (NULs, invalid UTF-8 included):
 *      the writer's text always parses back; when jansson accepts the
 *      string, the text is json_dumps(JSON_COMPACT)'s byte for byte;
 *      when it does not (not UTF-8), it is jansson's text for the
 *      string with each bad byte replaced by '?' (utf8_scrub).
 *   2. as a program that builds a value (first byte of each step: the
 *      kind — object, array, string, integer, true, false, null, end of
 *      container; strings and integers take their bytes from the
 *      input): written with the writer (into an arena, as the server
 *      does) and by json_dumps, the two texts must be identical. */
#include "util/arena.h"
#include "util/jsonw.h"
#include "util/validate.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check(int cond, const char *what, const char *a, const char *b)
{
    if (!cond) {
        fprintf(stderr, "fuzz_jsonw: %s\n  jsonw:   %s\n  jansson: %s\n", what, a ? a : "", b ? b : "");
        abort();
    }
}

/* ---- 1: one string ---------------------------------------------------------------- */

static void one_string(const uint8_t *data, size_t size)
{
    jsonw w;
    jsonw_init(&w, NULL);
    jsonw_strn(&w, (const char *)data, size);
    json_error_t e;
    json_t *back = json_loadb(w.sb.data, w.sb.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
    check(back && json_is_string(back), "the text does not parse back as a string", w.sb.data, e.text);
    json_t *s = json_stringn((const char *)data, size);
    char *want = NULL;
    if (s) {
        want = json_dumps(s, JSON_COMPACT | JSON_ENCODE_ANY);
        check(json_equal(back, s), "the string read back differs", w.sb.data, want);
    } else if (!memchr(data, 0, size)) {
        char *copy = malloc(size + 1);
        memcpy(copy, data, size);
        copy[size] = '\0';
        utf8_scrub(copy);
        s = json_string(copy);
        check(s != NULL, "utf8_scrub left text jansson refuses", copy, NULL);
        want = json_dumps(s, JSON_COMPACT | JSON_ENCODE_ANY);
        free(copy);
    }
    if (want)
        check(strcmp(w.sb.data, want) == 0, "a string written differently", w.sb.data, want);
    free(want);
    json_decref(s);
    json_decref(back);
    jsonw_free(&w);
}

/* ---- 2: a structure ----------------------------------------------------------------- */

typedef struct cursor {
    const uint8_t *p, *end;
} cursor;

static unsigned take(cursor *c)
{
    return c->p < c->end ? *c->p++ : 0;
}

/* Builds the next value (NULL at the end of the input or of a
 * container) into jansson and, in the same order, into w. */
static json_t *build(cursor *c, jsonw *w, int depth)
{
    if (c->p >= c->end)
        return NULL;
    unsigned op = take(c) % 8;
    if (depth > 32 && (op == 0 || op == 1))
        op = 6;
    switch (op) {
    case 0: case 1: {
        int obj = op == 0;
        json_t *v = obj ? json_object() : json_array();
        obj ? jsonw_obj_begin(w) : jsonw_arr_begin(w);
        while (c->p < c->end) {
            char key[16];
            if (obj) {   /* keys: short, from the input, valid UTF-8 (jansson needs it) */
                snprintf(key, sizeof key, "k%u", take(c));
                if (json_object_get(v, key))
                    continue;
            }
            if (c->p >= c->end || (*c->p % 8) == 7) {   /* end of the container */
                take(c);
                break;
            }
            if (obj)
                jsonw_key(w, key);
            json_t *x = build(c, w, depth + 1);   /* not NULL: input is left */
            obj ? json_object_set_new(v, key, x) : json_array_append_new(v, x);
        }
        obj ? jsonw_obj_end(w) : jsonw_arr_end(w);
        return v;
    }
    case 2: {
        size_t n = take(c) % 64;
        if (n > (size_t)(c->end - c->p))
            n = (size_t)(c->end - c->p);
        json_t *s = json_stringn((const char *)c->p, n);
        if (!s)   /* not UTF-8: each writer gets the scrubbed text below */
            s = json_string("");
        jsonw_strn(w, json_string_value(s), json_string_length(s));
        c->p += n;
        return s;
    }
    case 3: {
        uint64_t u = 0;
        for (int i = 0; i < 8; i++)
            u = (u << 8) | take(c);
        int64_t v = (int64_t)u;
        jsonw_int(w, v);
        return json_integer(v);
    }
    case 4: jsonw_bool(w, 1); return json_true();
    case 5: jsonw_bool(w, 0); return json_false();
    default: jsonw_null(w); return json_null();
    }
}

static void structure(const uint8_t *data, size_t size)
{
    arena *a = arena_new(256);
    cursor c = {data, data + size};
    jsonw w;
    jsonw_init(&w, a);
    jsonw_arr_begin(&w);
    json_t *all = json_array();
    json_t *v;
    while ((v = build(&c, &w, 0)))
        json_array_append_new(all, v);
    jsonw_arr_end(&w);
    char *want = json_dumps(all, JSON_COMPACT);
    check(want && strcmp(w.sb.data, want) == 0, "a structure written differently", w.sb.data, want);
    free(want);
    json_decref(all);
    arena_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    one_string(data, size);
    structure(data, size);
    return 0;
}
