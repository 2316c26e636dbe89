/* programme.h — social assistance programmes and their standards (issue
 * 11, tables of migration 0021): a programme loaded by code with its
 * settings parsed, the list, the standard in force for (programme, area,
 * community, band, date), and adding a standard from a date. Owns the SQL
 * of assistance_programme and assistance_standard. The routes are
 * programme_api.c's (with the audit row of each write); the writes
 * below (programme create / update with validated settings, the
 * standards of a programme with who added them) are theirs. */
#ifndef MS_ASSIST_PROGRAMME_H
#define MS_ASSIST_PROGRAMME_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "assistance/benefit.h"
#include "core/err.h"
#include "storage/db.h"

typedef struct assist_programme {
    int64_t id;
    char code[40];
    char name[64];
    char category[32];
    char calc_kind[16];    /* "topup", "per_person", "one_off" */
    int active;
    char settings[1024];   /* the JSON text as stored */
    /* parsed from settings (defaults when absent) */
    benefit_rounding rounding;      /* "yuan_up" (default) or "fen" */
    int64_t min_payment_fen;        /* 0 = none */
    char band_by[24];               /* "age", "disability_grade", "kind" or "" */
    int64_t ceiling_community_fen;  /* one_off: ceilings_fen.community, 0 = none */
    int64_t ceiling_street_fen;     /* one_off: ceilings_fen.street, 0 = none */
    int review_months[26];          /* review_months by class 'A'..'Z', 0 = none (programme_review_months) */
} assist_programme;

typedef struct assist_standard {
    int64_t id;
    int64_t programme_id;
    char area[8];              /* "urban" / "rural" */
    int64_t community_id;      /* 0 = the area's standard */
    char band_key[16];
    int64_t amount_fen;
    char effective_from[11];
    char effective_to[11];     /* "" = still in force */
} assist_standard;

/* The programme with that code: 0, or -1 (ERR_NOT_FOUND / ERR_DB). */
int programme_load(db_conn *db, const char *code, assist_programme *out, ms_err *err);

/* The re-review interval in months of class cls ("A", "B" …) from the
 * programme's settings.review_months; 0 when it sets none. */
int programme_review_months(const assist_programme *p, const char *cls);

/* Up to max programmes ordered by id; the number read, or -1. */
int programme_list(db_conn *db, assist_programme *out, int max);

/* The standard in force on date ("YYYY-MM-DD") for the programme, area,
 * community (0 = none) and band_key ("" for the single amount): the
 * community's own standard beats the area's; among them the latest
 * effective_from <= date whose effective_to is NULL or >= date.
 * 1 found, 0 none, -1 database error. */
int programme_standard(db_conn *db, int64_t programme_id, const char *area, int64_t community_id,
                       const char *band_key, const char *date, assist_standard *out);

/* Adds a standard from effective_from (no end) and closes the one in
 * force before it (same programme, area, community and band) on the day
 * before. Refused (ERR_CONFLICT) when a standard of the same line starts
 * on or after that date: the past is never rewritten. ERR_INVALID on a
 * bad area, date or negative amount. The caller holds the transaction.
 * Returns the new id, or -1. */
int64_t programme_standard_add(db_conn *db, int64_t user_id, int64_t programme_id, const char *area,
                               int64_t community_id, const char *band_key, int64_t amount_fen,
                               const char *effective_from, ms_err *err);

/* ---- writes and the history (programme_api.c) ------------------------- */

/* Checks a programme's settings (a JSON object; NULL = {}) for calc_kind
 * and writes them compact into canon (canon_sz bytes, the column's
 * 1024): only the keys rounding ("yuan_up" | "fen"), min_payment_fen
 * (integer >= 0), band_by ("age" | "disability_grade" | "kind" | ""),
 * bands ({key: Chinese label}, keys of at most 15 bytes), ceilings_fen
 * ({"community": fen >= 0, "street": fen >= 0}) and review_months
 * ({"A": 1..60, …}, classes of one capital letter). 0, or -1 with
 * ERR_INVALID naming "settings.<key>". */
int programme_check_settings(json_t *settings, char *canon, size_t canon_sz, ms_err *err);

/* A new programme (code [a-z_] 2–39, name 1–20 characters, category
 * [a-z_], calc_kind topup | per_person | one_off, settings checked as
 * above). ERR_INVALID naming the field; ERR_CONFLICT when the code is
 * taken. The caller holds the transaction. The new id, or -1. */
int64_t programme_create(db_conn *db, const char *code, const char *name, const char *category,
                         const char *calc_kind, json_t *settings, int active, ms_err *err);

/* What PUT changes: NULL / -1 = unchanged. */
typedef struct programme_change {
    const char *name;
    const char *category;
    const char *calc_kind;   /* refused (ERR_CONFLICT) once a case of the programme exists */
    json_t *settings;        /* the whole object, replacing the old */
    int active;              /* 0 / 1, -1 unchanged */
} programme_change;

/* Changes programme id; *before gets the row as it was. ERR_NOT_FOUND,
 * ERR_INVALID, ERR_CONFLICT (calc_kind with cases). 0, or -1. */
int programme_update(db_conn *db, int64_t id, const programme_change *c, assist_programme *before, ms_err *err);

/* The programme with that id: 0, or -1 (ERR_NOT_FOUND / ERR_DB). */
int programme_load_id(db_conn *db, int64_t id, assist_programme *out, ms_err *err);

/* 1 when an assistance_case of the programme exists, 0 when none. */
int programme_has_cases(db_conn *db, int64_t programme_id);

/* Whether band_key fits the programme's band_by: "" when it has none,
 * "70+" … "100+" by age, "1".."4" by disability grade, a key of
 * settings.bands by kind. 0, or -1 with ERR_INVALID on "band_key". */
int programme_check_band(const assist_programme *p, const char *band_key, ms_err *err);

/* A standard with what the pages show of it. */
typedef struct assist_standard_row {
    assist_standard s;
    char community_name[128];   /* "" for the area's standard */
    char community_path[256];   /* org path of the community, "" for the area's */
    char created_at[24];
    int64_t created_by;         /* 0 = the seed / command line */
    char created_by_name[128];  /* display name (username when none) */
} assist_standard_row;

/* The standards of a programme: on_date "YYYY-MM-DD" the ones in force
 * that day (oldest line first), NULL the whole history newest first
 * (effective_from, then id, descending). *out malloc'd (free it).
 * 0, or -1 on a database error. */
int programme_standards(db_conn *db, int64_t programme_id, const char *on_date, assist_standard_row **out,
                        size_t *n);

#endif
