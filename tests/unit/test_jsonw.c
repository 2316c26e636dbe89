/* test_jsonw.c — unit tests for util/jsonw: the streaming writer's
 * output is byte for byte jansson's json_dumps(…, JSON_COMPACT) — the
 * flags replies are serialised with — for the same values: every ASCII
 * control character, quotes, backslashes, '/', DEL, multi-byte UTF-8
 * (Chinese, 4-byte emoji), U+2028/2029, empty strings, NULs inside a
 * counted string, INT64_MIN/MAX, nesting, pre-serialised fragments,
 * and a few thousand random strings and structures (fixed seed).
 * Invalid UTF-8 becomes '?' per bad byte (utf8_scrub's policy) and the
 * output stays valid JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/jsonw.h"
#include "util/validate.h"

#define DUMP_FLAGS JSON_COMPACT   /* as server/http.c serialises replies */

/* Writes jansson value v with the writer (reals are not used by replies
 * and not supported). */
static void write_value(jsonw *w, json_t *v)
{
    const char *key;
    json_t *x;
    size_t i;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        jsonw_obj_begin(w);
        json_object_foreach(v, key, x) {
            jsonw_key(w, key);
            write_value(w, x);
        }
        jsonw_obj_end(w);
        break;
    case JSON_ARRAY:
        jsonw_arr_begin(w);
        json_array_foreach(v, i, x)
            write_value(w, x);
        jsonw_arr_end(w);
        break;
    case JSON_STRING:  jsonw_strn(w, json_string_value(v), json_string_length(v)); break;
    case JSON_INTEGER: jsonw_int(w, json_integer_value(v)); break;
    case JSON_TRUE:    jsonw_bool(w, 1); break;
    case JSON_FALSE:   jsonw_bool(w, 0); break;
    case JSON_NULL:    jsonw_null(w); break;
    default:           fail_msg("unexpected JSON type"); break;
    }
}

/* The writer's text for v equals json_dumps(v); steals v. In the heap
 * and in an arena alike. */
static void check_value(json_t *v)
{
    assert_non_null(v);
    char *want = json_dumps(v, DUMP_FLAGS | JSON_ENCODE_ANY);
    assert_non_null(want);
    jsonw w;
    jsonw_init(&w, NULL);
    write_value(&w, v);
    if (strcmp(w.sb.data, want) != 0)
        fail_msg("jsonw: %s\njansson: %s", w.sb.data, want);
    assert_int_equal(w.sb.len, strlen(want));
    jsonw_free(&w);

    arena *a = arena_new(64);
    jsonw_init(&w, a);
    write_value(&w, v);
    assert_string_equal(w.sb.data, want);
    arena_free(a);
    free(want);
    json_decref(v);
}

static void check_string(const char *s, size_t n)
{
    json_t *j = json_stringn(s, n);
    if (!j)
        fail_msg("jansson refused the test string (%zu bytes)", n);
    check_value(j);
}

/* Every ASCII byte alone, and each inside text. */
static void test_ascii(void **state)
{
    (void)state;
    for (int c = 0; c < 0x80; c++) {
        char one = (char)c;
        char mid[8] = {'a', 'b', (char)c, 'c', '/', 'd'};
        check_string(&one, 1);
        check_string(mid, 6);
    }
    char all[0x80];
    for (int c = 0; c < 0x80; c++)
        all[c] = (char)c;
    check_string(all, sizeof all);
    check_string("", 0);
    check_string("\"\\/\\\"", 5);
    check_string("</script>", 9);
}

static void test_utf8(void **state)
{
    (void)state;
    static const char *const S[] = {
        "丹阳街道", "柯隐私：\"刑满释放\"，需定期走访\n\t第二行", "😀🇨🇳 emoji", "\xf0\x9f\x98\x80",
        "a\xe2\x80\xa8" "b\xe2\x80\xa9" "c",   /* U+2028, U+2029 */
        "\xc2\x80\xc2\x9f\xc2\xa0", "\xef\xbb\xbf" "BOM", "\xef\xbf\xbf\xf4\x8f\xbf\xbf",   /* U+FFFF, U+10FFFF */
        "é ß ü", "\x7f\xc2\x85",
    };
    for (size_t i = 0; i < sizeof S / sizeof S[0]; i++)
        check_string(S[i], strlen(S[i]));
}

static void test_integers_and_literals(void **state)
{
    (void)state;
    static const int64_t V[] = {0, 1, -1, 9, 10, -10, 123456789, INT32_MAX, INT32_MIN,
                                (int64_t)INT32_MAX + 1, INT64_MAX, INT64_MIN, INT64_MIN + 1, INT64_MAX - 1};
    for (size_t i = 0; i < sizeof V / sizeof V[0]; i++)
        check_value(json_integer(V[i]));
    check_value(json_true());
    check_value(json_false());
    check_value(json_null());
}

static void test_nesting(void **state)
{
    (void)state;
    check_value(json_object());
    check_value(json_array());
    check_value(json_pack("{s:[], s:{}, s:[[], {}, [[]]], s:{s:{s:[i, i, {s:n}]}}}", "a", "b", "c", "d", "e", "f",
                          1, 2, "g"));
    check_value(json_pack("[s, i, b, n, {s:s, s:I}, [s]]", "x", 3, 1, "k\n", "v\"", "n",
                          (json_int_t)INT64_MIN, ""));
    check_value(json_pack("{s:s, s:i}", "键\t\"/\\", "值", "\x01", 1));   /* keys are escaped as strings */
    /* a page as list routes reply it */
    check_value(json_pack("{s:[{s:I, s:s, s:b, s:n}], s:I, s:I, s:I}", "items", "id", (json_int_t)7, "name",
                          "张三", "party_member", 0, "notes", "page", (json_int_t)1, "page_size", (json_int_t)50,
                          "total", (json_int_t)976117));
}

/* A pre-serialised fragment goes in as a value, with the separators around it. */
static void test_raw(void **state)
{
    (void)state;
    json_t *inner = json_pack("{s:[i, s, n]}", "x", 1, "二");
    char *frag = json_dumps(inner, DUMP_FLAGS);
    json_t *whole = json_pack("[i, O, {s:O}]", 1, inner, "k", inner);
    char *want = json_dumps(whole, DUMP_FLAGS);
    jsonw w;
    jsonw_init(&w, NULL);
    jsonw_arr_begin(&w);
    jsonw_int(&w, 1);
    jsonw_raw(&w, frag, strlen(frag));
    jsonw_obj_begin(&w);
    jsonw_key(&w, "k");
    jsonw_raw(&w, frag, strlen(frag));
    jsonw_obj_end(&w);
    jsonw_arr_end(&w);
    assert_string_equal(w.sb.data, want);
    jsonw_free(&w);
    free(frag);
    free(want);
    json_decref(inner);
    json_decref(whole);
}

/* What jansson cannot hold: the writer keeps the field with '?' for
 * each byte that is not UTF-8 (exactly utf8_scrub), and the text
 * parses. jsonw_str(NULL) is null. */
static void test_invalid_utf8(void **state)
{
    (void)state;
    static const char *const BAD[] = {
        "a\xff" "b", "\x80", "cut \xe4\xb8", "\xe4\xb8\xad\xe4", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf",
        "\xed\xa0\x80", "\xed\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xf0\x8f\xbf\xbf",
        "ok\xe2\x80" "\"q\"", "\xfe\xff", "中\x80文\n",
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        assert_null(json_string(BAD[i]));
        char *scrubbed = strdup(BAD[i]);
        utf8_scrub(scrubbed);
        json_t *j = json_string(scrubbed);
        assert_non_null(j);
        char *want = json_dumps(j, DUMP_FLAGS | JSON_ENCODE_ANY);
        jsonw w;
        jsonw_init(&w, NULL);
        jsonw_str(&w, BAD[i]);
        assert_string_equal(w.sb.data, want);
        json_t *back = json_loads(w.sb.data, JSON_DECODE_ANY, NULL);
        assert_non_null(back);
        json_decref(back);
        jsonw_free(&w);
        free(want);
        json_decref(j);
        free(scrubbed);
    }
    jsonw w;
    jsonw_init(&w, NULL);
    jsonw_arr_begin(&w);
    jsonw_str(&w, NULL);
    jsonw_str(&w, "");
    jsonw_arr_end(&w);
    assert_string_equal(w.sb.data, "[null,\"\"]");
    jsonw_free(&w);
}

/* ---- randomized ------------------------------------------------------------------ */

static uint64_t rng = 0x6d696e7368656e67ULL;   /* fixed seed */

static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* A random valid UTF-8 string of up to 40 pieces: ASCII (controls
 * included), 2-, 3- and 4-byte characters, U+2028, quotes, backslashes. */
static size_t random_string(char *out, size_t cap)
{
    static const char *const PIECES[] = {
        "\"", "\\", "/", "\xe2\x80\xa8", "\xe2\x80\xa9", "中", "民生", "é", "\xf0\x9f\x98\x80",
        "\xf4\x8f\xbf\xbf", "\x7f", "\xc2\x80", "\xef\xbf\xbd", " ", "abc",
    };
    size_t n = 0, pieces = next_rand() % 41;
    for (size_t i = 0; i < pieces; i++) {
        char one[2] = {0, 0};
        const char *p;
        uint64_t r = next_rand() % 3;
        if (r == 0) {
            one[0] = (char)(next_rand() % 0x80);   /* any ASCII byte, NUL included */
            p = one;
        } else {
            p = PIECES[next_rand() % (sizeof PIECES / sizeof PIECES[0])];
        }
        size_t len = p == one ? 1 : strlen(p);
        if (n + len > cap)
            break;
        memcpy(out + n, p, len);
        n += len;
    }
    return n;
}

static int64_t random_int(void)
{
    switch (next_rand() % 4) {
    case 0:  return (int64_t)(next_rand() % 1000);
    case 1:  return -(int64_t)(next_rand() % 100000);
    case 2:  return (int64_t)next_rand();
    default: return next_rand() % 2 ? INT64_MIN : INT64_MAX;
    }
}

static json_t *random_value(int depth)
{
    char buf[256];
    size_t n;
    switch (next_rand() % (depth < 4 ? 8 : 6)) {
    case 0:
    case 1:  n = random_string(buf, sizeof buf); return json_stringn(buf, n);
    case 2:  return json_integer(random_int());
    case 3:  return json_boolean(next_rand() % 2);
    case 4:  return json_null();
    case 5:  return json_string("");
    case 6: {
        json_t *o = json_object();
        size_t k = next_rand() % 6;
        for (size_t i = 0; i < k; i++) {
            n = random_string(buf, sizeof buf - 1);
            buf[n] = '\0';   /* keys are C strings */
            json_object_set_new(o, buf, random_value(depth + 1));
        }
        return o;
    }
    default: {
        json_t *a = json_array();
        size_t k = next_rand() % 6;
        for (size_t i = 0; i < k; i++)
            json_array_append_new(a, random_value(depth + 1));
        return a;
    }
    }
}

static void test_random_strings(void **state)
{
    (void)state;
    char buf[512];
    for (int i = 0; i < 5000; i++) {
        size_t n = random_string(buf, sizeof buf);
        check_string(buf, n);
    }
}

static void test_random_structures(void **state)
{
    (void)state;
    for (int i = 0; i < 3000; i++)
        check_value(random_value(0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascii),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_integers_and_literals),
        cmocka_unit_test(test_nesting),
        cmocka_unit_test(test_raw),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_random_strings),
        cmocka_unit_test(test_random_structures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
