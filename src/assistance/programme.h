/* programme.h — social assistance programmes and their standards (issue
 * 11, tables of migration 0021): a programme loaded by code with its
 * settings parsed, the list, the standard in force for (programme, area,
 * community, band, date), and adding a standard from a date. Owns the SQL
 * of assistance_programme and assistance_standard. No routes yet: the
 * next steps of issue 11 add them (with the audit row of each write). */
#ifndef MS_ASSIST_PROGRAMME_H
#define MS_ASSIST_PROGRAMME_H

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

#endif
