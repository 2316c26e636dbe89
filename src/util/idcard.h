/* idcard.h — the 18-character identity numbers a resident is registered
 * with: the PRC citizen ID number (GB 11643-1999), the 港澳台居民居住证
 * (the same structure with region 810000 / 820000 / 830000) and the 2023
 * 外国人永久居留身份证 (9, issuing province, nationality, birth date,
 * sequence, check digit).
 *
 * Owns: validation of these numbers (region at county level against the
 * GB/T 2260 list of util/gbt2260.h, birth date, the ISO 7064 MOD 11-2
 * check digit), the fields derived from them (document kind, birth date,
 * sex), normalisation of what users paste (full-width characters, spaces,
 * x) and the recognition of a number Excel turned into 3.71702E+17, and
 * masking for lists and public notices. Pure functions, no allocation. */
#ifndef MS_IDCARD_H
#define MS_IDCARD_H

#include <stddef.h>

typedef enum idcard_status {
    IDCARD_OK = 0,
    IDCARD_EMPTY,          /* NULL or empty after trimming */
    IDCARD_BAD_LENGTH,     /* not 18 characters */
    IDCARD_BAD_CHAR,       /* non-digit in the first 17, or last not digit/X */
    IDCARD_BAD_REGION,     /* region not in GB/T 2260 (county level, abolished codes included) */
    IDCARD_BAD_DATE,       /* birth date impossible */
    IDCARD_BAD_CHECKSUM,   /* check digit does not match */
    IDCARD_BEFORE_1900,    /* birth date before 1900-01-01 */
    IDCARD_FUTURE_BIRTH,   /* birth date after today */
    IDCARD_EXCEL,          /* "3.71702E+17": Excel's scientific notation, digits lost */
    IDCARD_BAD_FOREIGN_PROVINCE,   /* 永居证: digits 2-3 not a province code */
    IDCARD_BAD_NATIONALITY         /* 永居证: nationality 000 or 156 (China) */
} idcard_status;

/* The document an 18-character number belongs to (idcard_info.kind). */
typedef enum idcard_kind {
    IDCARD_KIND_CITIZEN = 0,   /* 居民身份证 */
    IDCARD_KIND_GAT,           /* 港澳台居民居住证: region 810000, 820000, 830000 */
    IDCARD_KIND_FOREIGN        /* 外国人永久居留身份证 (2023): first digit 9 */
} idcard_kind;

/* The API code ("citizen_id", "gat_residence_permit",
 * "foreign_permanent_residence") and the Chinese name of a kind. */
const char *idcard_kind_code(idcard_kind k);
const char *idcard_kind_label(idcard_kind k);

typedef struct idcard_info {
    idcard_kind kind;
    int birth_year, birth_month, birth_day;
    char sex;              /* 'M' (odd 17th digit) or 'F' (even) */
    char birth_date[11];   /* "YYYY-MM-DD" */
} idcard_info;

/* The check digit ('0'..'9' or 'X') for the first 17 digits. Returns
 * '\0' when first17 has a non-digit in it. */
char idcard_check_digit(const char *first17);

/* Copies `in` to `out` with every space removed (ASCII whitespace and
 * U+3000; not the no-break or typographic spaces U+00A0, U+2000–U+200A
 * that names treat as spaces), full-width characters (０-９, Ｘ, ．, ＋ …) made
 * half-width and a lower-case 'x' made upper-case. Does not validate. out
 * must hold 32 bytes; input longer than 31 (after that) is cut, and
 * anything over 18 is reported by a later idcard_validate as a length
 * error. Returns out. */
char *idcard_normalize(const char *in, char out[static 32]);

/* Validates a normalized number of any of the three kinds; fills *info
 * when non-NULL and OK. A number Excel showed in scientific notation
 * ("3.71702E+17", "3.71702198001011E+17") is IDCARD_EXCEL: its last
 * digits are gone and only a re-export with the column as text helps.
 * `today_ymd` is YYYYMMDD used to reject future birth dates (0 means
 * use the current local date). */
idcard_status idcard_validate(const char *id, int today_ymd, idcard_info *info);

/* Chinese, user-facing message for a status ("身份证号校验位错误" …). */
const char *idcard_status_message(idcard_status s);

/* Masks for display: the region (first 6) kept, the other 12 as '*'
 * ("370102************"). With the sex and the birth year a masked view
 * also shows, this leaves about 365 × 500 = 182,500 valid numbers, where
 * the old mask (last 4 kept) plus a birth date left exactly one (see
 * docs/design.md, "Masking"). Input that is not 18 characters long
 * becomes all '*' of the same length (at most 18). out must hold 19
 * bytes. */
char *idcard_mask(const char *id, char out[static 19]);

/* Age in whole years on the date today_ymd (YYYYMMDD). */
int idcard_age_on(const idcard_info *info, int today_ymd);

#endif
