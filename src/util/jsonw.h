/* jsonw.h — a streaming JSON writer for replies built row by row.
 *
 * Owns: the JSON text grammar of what it writes (commas, colons,
 * nesting) and the escaping of strings. The output is byte for byte
 * what jansson's json_dumps(…, JSON_COMPACT) makes of the same values
 * — the flags every JSON reply is serialised with (server/http.c) — so
 * a route moved from a jansson tree to the writer changes nothing a
 * client sees: no spaces, UTF-8 written as is (no \uXXXX for non-ASCII,
 * U+2028/2029 included), '/' not escaped, '"' and '\' escaped, the
 * control characters as \b \f \n \r \t or \u00XX (upper-case hex, as
 * jansson), DEL as is, integers in decimal.
 *
 * Invalid UTF-8 (a stray or cut byte, an overlong form, a surrogate —
 * what jansson's json_string refuses): each byte that is not part of a
 * valid sequence is written as '?' (the policy of utf8_scrub), so the
 * output is always valid JSON and the field is kept.
 *
 * The text goes into a strbuf the writer owns: on the heap, or in an
 * arena (per-request memory, util/arena.h). The caller writes a
 * well-formed sequence (a key before each value inside an object); the
 * writer does not check it. */
#ifndef MS_JSONW_H
#define MS_JSONW_H

#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

typedef struct jsonw {
    strbuf sb;       /* the text so far (NUL-terminated) */
    int comma;       /* a value ended the current container's last item: the next one needs ',' */
} jsonw;

/* An empty writer whose text lives in arena a, or on the heap when a is NULL. */
void jsonw_init(jsonw *w, struct arena *a);
/* Frees the text (heap) or forgets it (arena). */
void jsonw_free(jsonw *w);

void jsonw_obj_begin(jsonw *w);
void jsonw_obj_end(jsonw *w);
void jsonw_arr_begin(jsonw *w);
void jsonw_arr_end(jsonw *w);
/* The key of the next value, inside an object. */
void jsonw_key(jsonw *w, const char *key);

/* A string value; NULL writes null. */
void jsonw_str(jsonw *w, const char *s);
/* A string of n bytes (may hold NULs: written as \u0000, as jansson's json_stringn). */
void jsonw_strn(jsonw *w, const char *s, size_t n);
void jsonw_int(jsonw *w, int64_t v);
void jsonw_bool(jsonw *w, int v);
void jsonw_null(jsonw *w);
/* A value already serialised (valid compact JSON, e.g. from json_dumps). */
void jsonw_raw(jsonw *w, const char *json, size_t n);

#endif
