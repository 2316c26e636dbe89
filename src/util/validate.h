/* validate.h — small validators for user input: phone numbers, dates,
 * names and enumerations. Pure functions, no allocation. Each returns 1
 * when valid, 0 otherwise. */
#ifndef MS_VALIDATE_H
#define MS_VALIDATE_H

#include <stddef.h>

/* Mainland mobile (11 digits, 1[3-9]xxxxxxxxx, optional +86/86 prefix
 * and spaces/dashes between groups) or landline (area code 0xx/0xxx,
 * 7–8 digit number, optional extension, e.g. "0530-5312345",
 * "053085312345-801"). */
int phone_is_valid(const char *s);

/* Writes the canonical form: mobile → 11 digits; landline →
 * "0530-5312345" or "0530-5312345-801". Returns 1 on success, 0 when
 * invalid or when out is too small. */
int phone_normalize(const char *in, char *out, size_t outsz);

/* Masks a phone for lists: "138****5678" (mobile); landline keeps the
 * area code and the last 2 digits. out must hold at least 32 bytes. */
char *phone_mask(const char *phone, char *out, size_t outsz);

/* "YYYY-MM-DD", a real calendar date between 1880-01-01 and 2199-12-31. */
int date_is_valid(const char *s);

/* The China local date (UTC+8, no daylight saving — the day the
 * street's calendar and deadlines use, workflow/calendar.h) as YYYYMMDD,
 * whatever the server's time zone: what a today_ymd of 0 means to the
 * functions that take one; 0 when the clock cannot be read. */
int date_today_local(void);

/* date_today_local() as "YYYY-MM-DD" into out ("1970-01-01" when the
 * clock cannot be read): "today" of the business rules that compare
 * dates as text. Returns out. */
char *date_today_text(char out[static 11]);

/* Decodes the UTF-8 sequence at s, of which at most `avail` bytes may
 * be read: its length in bytes (1–4) with the code point in *cp, or 0
 * when it is invalid (a stray continuation byte, an overlong form, a
 * surrogate, beyond U+10FFFF, or cut short) — the same sequences
 * jansson refuses. */
int utf8_next(const char *s, size_t avail, unsigned long *cp);

/* Length in Unicode code points of a valid UTF-8 string; -1 when s is
 * not valid UTF-8 (overlongs, surrogates and stray bytes rejected). */
long utf8_length(const char *s);

/* U+10FFFF, the last code point, in UTF-8: a prefix followed by it is
 * above every valid string that starts with the prefix, in byte order
 * (SQLite's BINARY, PostgreSQL's C collation). So "name >= p AND
 * name < p || UTF8_MAX_CHAR" is a prefix match that uses the index. */
#define UTF8_MAX_CHAR "\xF4\x8F\xBF\xBF"

/* Cuts a trailing, incomplete UTF-8 sequence (left by truncating a
 * message into a fixed buffer) so the rest stays valid UTF-8. */
void utf8_trim_partial(char *s);

/* Replaces each byte that does not belong to a valid UTF-8 sequence by
 * '?', in place (the length stays the same), so that a message quoting
 * what a client sent is always a valid JSON string. */
void utf8_scrub(char *s);

/* Free text as it is stored and shown: valid UTF-8 without C0/C1
 * control characters or DEL, and without the invisible and
 * bidirectional format characters that make text read differently on
 * screen than it is stored (U+061C, U+200B–U+200F, U+2028/2029,
 * U+202A–U+202E, U+2060–U+2064, U+2066–U+2069, U+FEFF). When multiline
 * is 1, tab, line feed and carriage return are allowed. NULL is clean. */
int text_is_clean(const char *s, int multiline);

/* Copies in to out (at most outsz - 1 bytes, never cutting a character)
 * with the full-width forms U+FF01–U+FF5E (０-９, Ａ-Ｚ, ａ-ｚ, ＋, ．, －
 * …) made ASCII and the ideographic space U+3000 made ' '. ID numbers and
 * phones go through it before they are parsed. Returns out. */
char *fullwidth_fold(const char *in, char *out, size_t outsz);

/* A person's name as it is stored: surrounding spaces trimmed, runs of
 * spaces made one ' ', and the look-alikes of the middle dot of minority
 * names (• U+2022, ‧ U+2027, ・ U+30FB, ･ U+FF65, ． U+FF0E, ⋅ U+22C5)
 * made '·' (U+00B7). out must hold 4 × strlen(in) + 1 bytes at most; at
 * most outsz - 1 bytes are written; out may be in (the result is never
 * longer). Returns out. */
char *person_name_normalize(const char *in, char *out, size_t outsz);

/* Why a (normalized) name is refused, in Chinese, or NULL when it is a
 * valid name: 1..50 code points of either a Chinese name (汉字, parts
 * joined by '·', spaces allowed) or a name in Latin letters (with
 * accents; spaces, hyphens, apostrophes, dots and '·' between parts);
 * no digits, no markup characters (< > & " and the like), no controls. */
const char *person_name_problem(const char *s);

/* How person_name_mask prints a name:
 *   NAME_MASK_INITIAL  the first character and a star: 张*, 欧*
 *                      (what the receiving side of a transfer sees);
 *   NAME_MASK_NOTICE   公示 practice: the surname, a star for the given
 *                      name, its last character kept when it has two or
 *                      more: 张明 → 张*, 张小明 → 张*明, 欧阳小明 → 欧阳*明,
 *                      欧阳明 → 欧阳* (compound surnames from a fixed list:
 *                      欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文
 *                      司徒 夏侯 轩辕 令狐 钟离 …). A name with parts
 *                      (买买提·艾力, a Latin name) keeps its first and last
 *                      characters: 买*力. */
typedef enum name_mask_style { NAME_MASK_INITIAL, NAME_MASK_NOTICE } name_mask_style;

/* Writes name masked by `style` into out (at most outsz - 1 bytes, never
 * cutting a character; 32 bytes always suffice): one star stands for
 * whatever is hidden, so the length is not told either. A single
 * character, an empty name or one that is not valid UTF-8 is "*".
 * Returns out. */
char *person_name_mask(const char *name, name_mask_style style, char *out, size_t outsz);

/* person_name_problem(s) == NULL. */
int person_name_is_valid(const char *s);

/* A table cell or header as typed: ASCII whitespace and the ideographic
 * space U+3000 trimmed at both ends, in place. Returns the start. */
char *text_trim(char *s);

/* 1 when s equals one of the NULL-terminated strings in `allowed`. */
int str_in_set(const char *s, const char *const *allowed);

#endif
