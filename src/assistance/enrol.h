/* enrol.h — 存量纳入: bringing a street's existing beneficiaries into the
 * system from a table (`minsheng assistance enrol FILE.csv`), each row a
 * case of the workflow taken straight to 在保 by the system-only step
 * "enrol".
 *
 * Owns: reading the enrolment table and writing its cases (wf_case via
 * the workflow engine, assistance_case rows with the bank account
 * encrypted). All rows or none. */
#ifndef MS_ASSIST_ENROL_H
#define MS_ASSIST_ENROL_H

#include <jansson.h>
#include <stddef.h>

#include "storage/db.h"
#include "util/csvfile.h"

typedef struct enrol_report {
    size_t rows;          /* data rows read */
    size_t enrolled;      /* cases written (0 after a dry run or any error) */
    json_t *errors;       /* [{row, field, message}] */
    char fatal[256];      /* a failure that is no row's (database, file) */
} enrol_report;

/* Reads the table: a header row naming the columns (English or Chinese,
 * any order) programme 项目编码, id_number 身份证号, area 城乡 (urban/
 * rural, 城市/农村), band_key 档次, members_counted 保障人数, income_fen
 * 家庭月收入（分）, start_month 起始月份, review_class 复审类别,
 * bank_name 开户行, account_name 户名, account_number 账号, next_review_on
 * 下次复审日期 (optional: else computed from review_months); then one row
 * per beneficiary. Each row: the resident by ID number (blind index;
 * must be active), no open case of the programme, the amount from the
 * standard in force on the first of start_month. Any bad row: nothing
 * is written (errors listed per row); dry_run checks only. One audit
 * row (assist_enrol) for the batch besides the engine's. Returns 0 when
 * every row is good, else -1. */
int assist_enrol(db_conn *db, csvr *in, int dry_run, const char *file_name, enrol_report *rep);
void enrol_report_free(enrol_report *rep);

#endif
