/* bankfile.h — the bank's files of a frozen payment run: the payment
 * file (.xlsx or CSV: line id, account name, full account number,
 * amount in yuan, a totals row) and the bank's return file (成功 / 失败
 * per line), which sets each line paid or failed.
 *
 * Owns: reading and writing those files, and the SQL that marks a run
 * exported and its lines returned. The full account number leaves the
 * database only here; the caller audits each export. */
#ifndef MS_ASSIST_BANKFILE_H
#define MS_ASSIST_BANKFILE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "storage/db.h"
#include "util/csvfile.h"

/* "1,140.00", "1140.00", "1140" → fen: 0, or -1 when not an amount. */
int bank_parse_yuan(const char *s, int64_t *fen);

/* The payment file of frozen run run_id (ERR_CONFLICT when it is a
 * draft): xlsx 1 for a workbook, 0 for CSV (UTF-8 with BOM), into *out
 * (malloc'd, *len bytes); *count lines, *total_fen their sum. Sets the
 * run's exported_at (inside the caller's transaction). 0 or -1. */
int bank_export(db_conn *db, int64_t run_id, int xlsx, char **out, size_t *len, int64_t *count, int64_t *total_fen,
                ms_err *err);

/* The bank's return file for run_id (frozen): a header row, then rows
 * naming a line by 明细号 (or by 账号 and 金额), 结果 成功/失败 and 备注.
 * Every row is checked first: an unknown line, an amount or account
 * that differs from the line, a result other than 成功/失败 → -1 with
 * ERR_INVALID and *errors [{row, message}] (nothing written). Else each
 * line gets status paid/failed, its note and returned_at (a line
 * already so is left alone: importing the same file again changes
 * nothing), the run its returned_at; *paid and *failed count the rows,
 * *changed the lines changed. Inside the caller's transaction. */
int bank_return(db_conn *db, int64_t run_id, csvr *in, json_t **errors, int64_t *paid, int64_t *failed,
                int64_t *changed, ms_err *err);

#endif
