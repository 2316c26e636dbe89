/* payment.h — monthly payment runs of social assistance (issue 11):
 * computing a programme's run for a month from the active cases and the
 * standards in force on its first day, freezing it (four eyes), the
 * adjustments (补发 / 扣减) a later run carries, and the summary figures
 * of frozen runs.
 *
 * Owns: the SQL of assistance_payment_run, assistance_payment_line,
 * assistance_payment_hold and assistance_adjustment (migration 0022),
 * and the encrypted column "assistance_payment_line.account". The bank
 * files are bankfile.c's; the routes payment_api.c's.
 *
 * A run covers the whole database (one per programme and month: the
 * unique key). Its lines copy what was paid — amount, standard, the
 * explanation, the bank account (re-encrypted under the line) — so a
 * frozen run reads the same whatever changes later. */
#ifndef MS_ASSIST_PAYMENT_H
#define MS_ASSIST_PAYMENT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "assistance/programme.h"
#include "core/actor.h"
#include "core/err.h"
#include "core/fieldcrypt.h"
#include "storage/db.h"

#define PAY_COL_LINE_ACCOUNT "assistance_payment_line.account"
#define PAY_COL_CASE_ACCOUNT "assistance_case.account"
/* The hold reason of a case whose beneficiary or counted member the
 * registry records as deceased or moved out. */
#define PAY_HOLD_EVENT "登记为死亡/迁出，待停保或调整"

typedef struct pay_run {
    int64_t id;
    int64_t programme_id;
    char programme_code[40];
    char programme_name[64];
    char calc_kind[16];
    char month[8];
    char status[8];             /* "draft" / "frozen" */
    int64_t households, people, total_fen, held;
    int64_t computed_by, frozen_by;
    char computed_by_name[128], frozen_by_name[128];
    char computed_at[20], frozen_at[20], exported_at[20], returned_at[20];
} pay_run;

/* A programme's standards, loaded once for a run (no query per line). */
typedef struct pay_standards {
    assist_standard *v;
    size_t n, cap;
} pay_standards;
int pay_standards_load(db_conn *db, int64_t programme_id, pay_standards *out);
void pay_standards_free(pay_standards *st);
/* programme_standard's rule over the loaded rows (date "YYYY-MM-DD"). */
const assist_standard *pay_standard_pick(const pay_standards *st, const char *area, int64_t community_id,
                                         const char *band, const char *date);

/* What a case's monthly amount depends on. */
typedef struct pay_case_in {
    const char *area;          /* "urban" / "rural" */
    int64_t community_id;
    const char *band_key;      /* kind or disability grade; age bands are computed */
    int members_counted;       /* top-up */
    int64_t income_fen;        /* top-up */
    int64_t amount_fen;        /* one-off: the granted amount */
    const char *birth_date;    /* "YYYY-MM-DD": the age band on the month's first day */
} pay_case_in;

typedef struct pay_amount_out {
    int64_t fen;
    assist_standard standard;  /* id 0 = none (one-off) */
    char explain[400];
    char hold[256];            /* why the case is not paid, when pay_amount returns 1 */
} pay_amount_out;

/* The case's amount for month "YYYY-MM" from the standard in force on
 * its first day (benefit.c): 0 with out filled, 1 when it cannot be paid
 * (no standard, under the age bands, amount 0) with the reason in
 * out->hold. */
int pay_amount(const assist_programme *p, const pay_standards *st, const pay_case_in *c, const char *month,
               pay_amount_out *out);

/* Pages of the lists (page from 1; rows under org path [path, path_end)). */
int pay_runs_page(db_conn *db, const char *programme, const char *from, const char *to, const char *status,
                  int64_t page, int64_t size, int64_t *total, json_t *items);
int pay_lines_page(db_conn *db, int64_t run_id, const char *path, const char *path_end, int64_t page,
                   int64_t size, int64_t *total, json_t *items);
json_t *pay_holds_json(db_conn *db, int64_t run_id, const char *path, const char *path_end);
int pay_adjustments_page(db_conn *db, const char *path, const char *path_end, int64_t case_id, int pending,
                         int64_t page, int64_t size, int64_t *total, json_t *items);

/* 1 when month is "YYYY-MM" with a month 01..12. */
int pay_month_valid(const char *month);

/* Loads run id: 0, or -1 with ERR_NOT_FOUND / ERR_DB. */
int pay_run_load(db_conn *db, int64_t id, pay_run *out, ms_err *err);
/* The run of (programme, month): its id, 0 when none, -1 on error. */
int64_t pay_run_find(db_conn *db, int64_t programme_id, const char *month);

/* Computes a draft run of programme p for month (inside the caller's
 * write transaction): run_id 0 creates it (ERR_CONFLICT "该月已生成发放
 * 批次" when one exists: *existing gets its id), else recomputes draft
 * run_id (ERR_CONFLICT when frozen), replacing its lines and holds and
 * releasing the adjustments it carried. Returns the run id, or -1. */
int64_t pay_run_compute(db_conn *db, const actor *who, const assist_programme *p, const char *month,
                        int64_t run_id, int64_t *existing, ms_err *err);

/* Freezes draft run id for who (never the one who computed it: 403
 * "复核人不能与计算人相同"), after checking its totals against its lines.
 * 0, or -1 (ERR_CONFLICT when frozen already or the totals disagree). */
int pay_run_freeze(db_conn *db, const actor *who, int64_t id, ms_err *err);

/* The run as JSON: id, programme {code, name}, month, status, totals,
 * who and when. */
json_t *pay_run_json(const pay_run *r);

/* An adjustment of case_id correcting frozen run corrects_run_id (the
 * case's programme; the case was in that run, was held from it, or its
 * period covers its month), amount_fen ≠ 0 (negative: a deduction),
 * reason required. Returns its id or -1 (ERR_INVALID / ERR_NOT_FOUND). */
int64_t pay_adjustment_create(db_conn *db, const actor *who, int64_t case_id, int64_t corrects_run_id,
                              int64_t amount_fen, const char *reason, ms_err *err);

/* "**** 1234" from an account tail ("" for none). */
void pay_mask_account(const char *tail, char *out, size_t outsz);

/* The summary of frozen runs from month `from` to `to` over the cases
 * under org path `path` (the street's for all): per programme
 * households, people and fen, and per month totals. NULL on error. */
json_t *pay_summary(db_conn *db, const char *from, const char *to, const char *path);

/* The key rotation's pass over assistance_payment_line.account and
 * assistance_case.account (app/fieldkeys.c). */
extern const fc_column_sql pay_line_account_crypt;
extern const fc_column_sql pay_case_account_crypt;

#endif
