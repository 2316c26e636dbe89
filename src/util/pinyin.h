/* pinyin.h — names as pinyin, for finding people by any part of their
 * name, by pinyin and by pinyin initials, and for sorting by name.
 *
 * Owns: the transliteration (ICU, "Han-Latin/Names; Latin-ASCII" and the
 * plain "Han-Latin; Latin-ASCII") and the search keys a name gives. No
 * SQL: registry/resident_search.c stores the keys and searches them.
 *
 * Polyphonic surnames: the Names transliterator reads the first
 * character(s) as a surname (单 shan, 曾 zeng, 解 xie, 仇 qiu, 区 ou,
 * 查 zha); the plain reading (dan, ceng, jie, chou, qu, cha) is what
 * many people type all the same, so when the two differ the keys hold
 * both: `shan` and `dan` both find 单雄信. The sort key is the Names
 * reading. Minority names with · (阿依古丽·买买提) are read without the
 * dot; names in Latin letters pass through, lowercased, one word a
 * syllable. ü is read u (吕 lu).
 *
 * Thread-safe: each thread opens its own transliterators on first use. */
#ifndef MS_PINYIN_H
#define MS_PINYIN_H

#include <stddef.h>

#define PINYIN_MAX 256          /* a reading of a 50-character name, spaced */
#define NAME_KEYS_MAX 48        /* search keys of one name */
#define NAME_KEY_MAX 208        /* one key, NUL included */

/* The Names reading of name, lowercase ASCII syllables separated by one
 * space ("zhang san"; "john smith"), into out. The sort key of a name.
 * Returns 0, or -1 (out "") when ICU cannot be opened. */
int pinyin_sort_key(const char *name, char out[PINYIN_MAX]);

/* The search keys of a name: every suffix of the name's characters
 * without separators (张三丰, 三丰, 丰: infix search is a prefix search
 * of the keys), every syllable suffix of each reading joined without
 * spaces (zhangsanfeng, sanfeng, feng) and the initials of the whole
 * name (zsf). Distinct, in no particular order. */
typedef struct name_keys {
    size_t n;
    char key[NAME_KEYS_MAX][NAME_KEY_MAX];
} name_keys;
int pinyin_name_keys(const char *name, name_keys *out);

/* A search term as the keys are written: ASCII lowercased, separators
 * (spaces, ·, '.', '-', '#') removed. Returns the length (0: nothing to search). */
size_t pinyin_query_norm(const char *term, char *out, size_t outsz);

#endif
