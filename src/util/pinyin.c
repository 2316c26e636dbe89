/* pinyin.c — names as pinyin through ICU's transliterators (see pinyin.h). */
#include "util/pinyin.h"

#include <pthread.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unicode/ustring.h>
#include <unicode/utrans.h>

/* ---- the transliterators, one pair per thread ------------------------------ */

enum { READ_NAMES, READ_PLAIN, READINGS };
static const char *const RULES[READINGS] = {"Han-Latin/Names; Latin-ASCII", "Han-Latin; Latin-ASCII"};

/* The reading of a short piece of text (one character, or the first two
 * of a name for the surname) is cached per thread: ICU takes ~80 us a
 * name, and names repeat their characters (the demo's 120,000 residents
 * use a few thousand). A slot is overwritten by the next piece of its hash. */
#define CACHE_SLOTS 8192
typedef struct cache_slot {
    char key[12];                 /* which + the UTF-8 piece, NUL-terminated */
    char value[40];
} cache_slot;

typedef struct readers {
    UTransliterator *t[READINGS];
    cache_slot cache[CACHE_SLOTS];    /* 416 KB, for the threads that write names */
} readers;

static pthread_key_t g_key;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void readers_free(void *p)
{
    readers *r = p;
    for (int i = 0; i < READINGS; i++)
        if (r->t[i])
            utrans_close(r->t[i]);
    free(r);
}

static void key_init(void)
{
    pthread_key_create(&g_key, readers_free);
}

/* This thread's transliterators and cache (freed when it ends). */
static readers *thread_readers(void)
{
    pthread_once(&g_once, key_init);
    readers *r = pthread_getspecific(g_key);
    if (!r && (r = calloc(1, sizeof *r)) != NULL)
        pthread_setspecific(g_key, r);
    return r;
}

static UTransliterator *reader(int which)
{
    readers *r = thread_readers();
    if (!r)
        return NULL;
    if (!r->t[which]) {
        UErrorCode e = U_ZERO_ERROR;
        UChar id[64];
        u_uastrcpy(id, RULES[which]);
        r->t[which] = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, NULL, &e);
        if (U_FAILURE(e)) {
            fprintf(stderr, "minsheng: 无法打开 ICU 拼音转换（%s）: %s\n", RULES[which], u_errorName(e));
            r->t[which] = NULL;
        }
    }
    return r->t[which];
}

/* ---- separators ---------------------------------------------------------------- */

/* The length of the separator at p (0 when there is none): ASCII space,
 * '.', '-', '#', and · • ． and the ideographic space. */
static size_t separator_len(const unsigned char *p)
{
    static const char *const SEPS[] = {"\xc2\xb7", "\xe2\x80\xa2", "\xef\xbc\x8e", "\xe3\x80\x80", "\xe2\x80\xa7",
                                       "\xe3\x83\xbb", NULL};
    if (*p == ' ' || *p == '.' || *p == '-' || *p == '#' || *p == '\t')
        return 1;
    for (size_t i = 0; SEPS[i]; i++)
        if (strncmp((const char *)p, SEPS[i], strlen(SEPS[i])) == 0)
            return strlen(SEPS[i]);
    return 0;
}

static size_t utf8_char_len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

size_t pinyin_query_norm(const char *term, char *out, size_t outsz)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)term; *p;) {
        size_t sep = separator_len(p);
        if (sep) {
            p += sep;
            continue;
        }
        size_t len = utf8_char_len(*p);
        if (n + len >= outsz)
            break;
        for (size_t i = 0; i < len && p[i]; i++)
            out[n++] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]);
        p += len;
    }
    out[n] = '\0';
    return n;
}

/* ---- readings ------------------------------------------------------------------ */

static int transliterate(int which, const char *piece, char *out, size_t outsz)
{
    UChar buf[64];
    UErrorCode e = U_ZERO_ERROR;
    int32_t len = 0;
    UTransliterator *t = reader(which);
    if (!t)
        return -1;
    u_strFromUTF8(buf, 64, &len, piece, -1, &e);
    int32_t limit = len;
    if (U_SUCCESS(e))
        utrans_transUChars(t, buf, &len, 64, 0, &limit, &e);
    if (U_SUCCESS(e))
        u_strToUTF8(out, (int32_t)outsz, NULL, buf, len, &e);
    if (U_FAILURE(e) || e == U_STRING_NOT_TERMINATED_WARNING)
        snprintf(out, outsz, "%s", piece);
    return 0;
}

static int piece_reading(int which, const char *piece, size_t plen, char *out, size_t outsz)
{
    char key[12];
    if (plen + 2 > sizeof key) {
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%.*s", (int)plen, piece);
        return transliterate(which, tmp, out, outsz);
    }
    key[0] = (char)('0' + which);
    memcpy(key + 1, piece, plen);
    key[plen + 1] = '\0';
    uint32_t h = 2166136261u;
    for (size_t i = 0; key[i]; i++)
        h = (h ^ (unsigned char)key[i]) * 16777619u;
    readers *r = thread_readers();
    cache_slot *slot = r ? &r->cache[h % CACHE_SLOTS] : NULL;
    if (slot && strcmp(slot->key, key) == 0) {
        snprintf(out, outsz, "%.*s", (int)sizeof slot->value, slot->value);
        return 0;
    }
    if (transliterate(which, key + 1, out, outsz) != 0)
        return -1;
    size_t len = strlen(out);
    if (slot && len < sizeof slot->value) {
        memcpy(slot->key, key, sizeof key);
        memcpy(slot->value, out, len + 1);
    }
    return 0;
}

/* Splits text into lowercase syllables appended to tok[*n] (at most max):
 * runs of ASCII letters and digits, and of anything else but spaces and
 * punctuation (a character ICU left as it was). */
static void split_syllables(const char *text, char tok[][NAME_KEY_MAX], int *n, int max)
{
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)text;; p++) {
        int part = *p && (*p >= 0x80 || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                          (*p >= '0' && *p <= '9'));
        if (part && *n < max && k + 1 < NAME_KEY_MAX)
            tok[*n][k++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        if ((!part || !*p) && k) {
            tok[(*n)++][k] = '\0';
            k = 0;
        }
        if (!*p)
            break;
    }
}

/* 1 when the UTF-8 character at p is a Han character (CJK ideographs and
 * their extensions): a syllable of its own. Others (é, Ü) belong to the
 * word around them. */
static int is_han(const unsigned char *p)
{
    uint32_t c;
    if (*p < 0xe0)
        return 0;
    if (*p < 0xf0)
        c = (uint32_t)(*p & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
    else
        c = (uint32_t)(*p & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 | (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
    return (c >= 0x3400 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0x20000 && c <= 0x3ffff);
}

/* The reading `which` of name, split into lowercase syllables into tok[]
 * (at most max, each under NAME_KEY_MAX): words of other letters as
 * they are (accents taken off by Latin-ASCII), every Han character read
 * on its own — except that the Names reading reads the first two
 * characters together, as a surname (单 shan; 欧阳 ou yang).
 * Returns the number of syllables, -1 without ICU. */
static int reading(const char *name, int which, char tok[][NAME_KEY_MAX], int max)
{
    int n = 0;
    char out[64], word[NAME_KEY_MAX];
    size_t w = 0;
    const unsigned char *p = (const unsigned char *)name;
    while (*p) {
        size_t sep = separator_len(p), len = utf8_char_len(*p);
        if (sep || is_han(p)) {
            word[w] = '\0';
            split_syllables(word, tok, &n, max);
            w = 0;
        }
        if (sep) {
            p += sep;
        } else if (is_han(p)) {
            if (which == READ_NAMES && p == (const unsigned char *)name && is_han(p + len))
                len += utf8_char_len(p[len]);   /* the surname's two characters, read together */
            if (piece_reading(which, (const char *)p, len, out, sizeof out) != 0)
                return -1;
            split_syllables(out, tok, &n, max);
            p += len;
        } else {
            if (*p < 0x80)
                snprintf(out, sizeof out, "%c", *p);
            else if (piece_reading(which, (const char *)p, len, out, sizeof out) != 0)
                return -1;
            size_t olen = strlen(out);
            if (w + olen < sizeof word) {
                memcpy(word + w, out, olen);
                w += olen;
            }
            p += len;
        }
    }
    word[w] = '\0';
    split_syllables(word, tok, &n, max);
    return n;
}

int pinyin_sort_key(const char *name, char out[PINYIN_MAX])
{
    char tok[50][NAME_KEY_MAX];
    int n = reading(name, READ_NAMES, tok, 50);
    size_t len = 0;
    out[0] = '\0';
    if (n < 0)
        return -1;
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(out + len, len < PINYIN_MAX ? PINYIN_MAX - len : 0, "%s%s", i ? " " : "", tok[i]);
    if (len >= PINYIN_MAX)
        out[PINYIN_MAX - 1] = '\0';
    return 0;
}

/* ---- keys ------------------------------------------------------------------------ */

static void add_key(name_keys *k, const char *key)
{
    if (!key[0] || k->n >= NAME_KEYS_MAX)
        return;
    for (size_t i = 0; i < k->n; i++)
        if (strcmp(k->key[i], key) == 0)
            return;
    snprintf(k->key[k->n++], NAME_KEY_MAX, "%s", key);
}

/* The syllable suffixes of one reading and the initials of the whole. */
static void add_reading_keys(name_keys *k, char tok[][NAME_KEY_MAX], int n)
{
    for (int i = 0; i < n; i++) {
        char full[NAME_KEY_MAX], initials[NAME_KEY_MAX];
        size_t f = 0, in = 0;
        for (int j = i; j < n; j++) {
            size_t len = strlen(tok[j]);
            if (f + len < sizeof full) {
                memcpy(full + f, tok[j], len);
                f += len;
            }
            if (in + 1 < sizeof initials)
                initials[in++] = tok[j][0];
        }
        full[f] = '\0';
        initials[in] = '\0';
        add_key(k, full);
        if (i == 0 && n >= 2)
            add_key(k, initials);   /* the whole name's only: each term is a row of every resident */
    }
}

int pinyin_name_keys(const char *name, name_keys *out)
{
    char tok[READINGS][50][NAME_KEY_MAX], clean[NAME_KEY_MAX];
    int n[READINGS];
    out->n = 0;
    for (int r = 0; r < READINGS; r++)
        if ((n[r] = reading(name, r, tok[r], 50)) < 0)
            return -1;
    /* every suffix of the characters, unless the name is all ASCII (its
     * words are its syllables) */
    size_t len = pinyin_query_norm(name, clean, sizeof clean);
    int ascii = 1;
    for (size_t i = 0; i < len; i++)
        ascii = ascii && (unsigned char)clean[i] < 0x80;
    for (size_t i = 0; i < len && !ascii; i += utf8_char_len((unsigned char)clean[i]))
        add_key(out, clean + i);
    add_reading_keys(out, tok[READ_NAMES], n[READ_NAMES]);
    int differ = n[READ_PLAIN] != n[READ_NAMES];
    for (int i = 0; i < n[READ_PLAIN] && !differ; i++)
        differ = strcmp(tok[READ_PLAIN][i], tok[READ_NAMES][i]) != 0;
    if (differ)
        add_reading_keys(out, tok[READ_PLAIN], n[READ_PLAIN]);
    return 0;
}
