/* benefit.h — social assistance amounts (issue 11): pure functions, no
 * database. Structs in, fen out, and a Chinese explanation for the case
 * page. Money is integer fen (分) everywhere, never floating point.
 *
 * The rules:
 *   top-up (低保):   standard × members counted − household monthly income;
 *                    0 when income ≥ standard × members; rounded UP to the
 *                    whole yuan (rounding "yuan_up") or kept to the fen
 *                    ("fen"); a positive result below min_payment_fen is
 *                    raised to it.
 *   per person:      the standard of the person's band (特困 kind, age band
 *                    from the ID number's birth date on a date, disability
 *                    grade) — the amount is the standard itself.
 *   one-off:         the amount asked, refused above the ceiling of the
 *                    approving level (community / street). */
#ifndef MS_ASSIST_BENEFIT_H
#define MS_ASSIST_BENEFIT_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef enum benefit_rounding {
    BENEFIT_ROUND_YUAN_UP = 0,   /* default: up to the whole yuan */
    BENEFIT_ROUND_FEN            /* kept to the fen */
} benefit_rounding;

typedef struct benefit_result {
    int64_t fen;
    char explain[320];   /* "城市低保 标准 780.00 元 × 3 人 − 家庭月收入 1,200.00 元 = 1,140.00 元" */
} benefit_result;

typedef struct benefit_topup_in {
    const char *programme;     /* name, for the explanation ("城市低保") */
    int64_t standard_fen;      /* per person per month */
    int members;               /* household members counted (≥ 1) */
    int64_t income_fen;        /* household monthly income (≥ 0) */
    benefit_rounding rounding;
    int64_t min_payment_fen;   /* 0 = none */
} benefit_topup_in;

/* "1,234.56": fen as yuan with thousands separators (negative with '-'). */
char *benefit_yuan(int64_t fen, char *out, size_t outsz);

/* "1234.56": the same without separators, as files for machines and
 * printed tables carry it (the bank file's CSV, the notice's .xlsx). */
char *benefit_yuan_plain(int64_t fen, char *out, size_t outsz);

/* The 低保 top-up. -1 with ERR_INVALID on members < 1, a negative income
 * or standard, or an overflow. */
int benefit_topup(const benefit_topup_in *in, benefit_result *out, ms_err *err);

/* A fixed per-person amount: the standard of the band (band_label names
 * it in the explanation, "" or NULL for none). -1 on a negative standard. */
int benefit_per_person(const char *programme, const char *band_label, int64_t standard_fen,
                       benefit_result *out, ms_err *err);

/* The 高龄 age band of the person whose ID number is id_number on the day
 * on_ymd (YYYYMMDD): "70+", "80+", "90+", "100+", or NULL when under 70.
 * The age is the registry's one rule (registry/derived.c: a band starts
 * on the birthday; a 29 February birthday comes on 1 March in common
 * years). -1 with ERR_INVALID when the number is invalid, else 0. */
int benefit_age_band(const char *id_number, int on_ymd, const char **band, ms_err *err);

typedef enum benefit_level {
    BENEFIT_LEVEL_COMMUNITY = 0,
    BENEFIT_LEVEL_STREET
} benefit_level;

typedef struct benefit_one_off_in {
    const char *programme;
    int64_t amount_fen;           /* asked (> 0) */
    benefit_level level;          /* who approves */
    int64_t ceiling_community_fen;
    int64_t ceiling_street_fen;   /* 0 = no ceiling at that level */
} benefit_one_off_in;

/* A one-off payment: the amount itself, refused (-1, ERR_INVALID on
 * "amount_fen", a Chinese message naming the ceiling) above the
 * approving level's ceiling, or when not positive. */
int benefit_one_off(const benefit_one_off_in *in, benefit_result *out, ms_err *err);

#endif
