/* idcard.h — PRC citizen ID numbers (GB 11643-1999).
 *
 * Owns: validation of 18-digit ID numbers (region, birth date and the
 * ISO 7064 MOD 11-2 check digit), the fields derived from them (birth
 * date, sex), and masking for lists and public notices. Pure functions,
 * no allocation. */
#ifndef MS_IDCARD_H
#define MS_IDCARD_H

#include <stddef.h>

typedef enum idcard_status {
    IDCARD_OK = 0,
    IDCARD_EMPTY,          /* NULL or empty after trimming */
    IDCARD_BAD_LENGTH,     /* not 18 characters */
    IDCARD_BAD_CHAR,       /* non-digit in the first 17, or last not digit/X */
    IDCARD_BAD_REGION,     /* first two digits are not a province code (11..82) */
    IDCARD_BAD_DATE,       /* birth date impossible, before 1880 or in the future */
    IDCARD_BAD_CHECKSUM    /* check digit does not match */
} idcard_status;

typedef struct idcard_info {
    int birth_year, birth_month, birth_day;
    char sex;              /* 'M' (odd 17th digit) or 'F' (even) */
    char birth_date[11];   /* "YYYY-MM-DD" */
} idcard_info;

/* The check digit ('0'..'9' or 'X') for the first 17 digits. Returns
 * '\0' when first17 has a non-digit in it. */
char idcard_check_digit(const char *first17);

/* Copies `in` to `out` with surrounding whitespace removed and a
 * lower-case 'x' made upper-case. Does not validate. out must hold 32
 * bytes; input longer than 31 (after trimming) is cut, and anything over
 * 18 is reported by a later idcard_validate as a length error. Returns out. */
char *idcard_normalize(const char *in, char out[static 32]);

/* Validates a normalized ID number; fills *info when non-NULL and OK.
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
