/* household_export.h — the households export (GET /api/v1/export/households):
 * the households a search of GET /api/v1/households selects, as CSV or
 * (through export_xlsx.h) .xlsx rows.
 *
 * Owns: the household export's layout — its Chinese columns (户编号,
 * 社区, 网格, 楼栋, 地址, 户籍地址, 实际居住地址, 户主, 联系电话,
 * 在册人数, 状态, 登记日期, 备注), their field codes (X-Export-Fields),
 * the masking of the phone, and its query. */
#ifndef MS_HOUSEHOLD_EXPORT_H
#define MS_HOUSEHOLD_EXPORT_H

#include <stddef.h>

#include "registry/import.h"
#include "storage/query.h"
#include "util/strbuf.h"

typedef struct household_export {
    const query *where;             /* conditions on household h (household_filters_or_reply) */
    const char *order_by;           /* a whitelisted ORDER BY body, NULL = by grid and code */
    int full_phone;                 /* unmasked phones */
    long max_rows;                  /* more households than this: EXPORT_TOO_MANY; 0 = no cap */
} household_export;

/* Calls emit with the header, then once per household (export_row_fn).
 * Returns the households, EXPORT_TOO_MANY or -1. Reads only. */
long household_export_rows(db_conn *db, const household_export *f, export_row_fn emit, void *ctx);

/* The export as CSV (UTF-8 with BOM; a full phone after a tab, kept as
 * text by Excel) appended to out. Returns as household_export_rows. */
long household_export_csv(db_conn *db, const household_export *f, strbuf *out);

/* The same as an .xlsx workbook (sheet 户名册) into *out (malloc'd). */
long household_export_xlsx(db_conn *db, const household_export *f, char **out, size_t *len);

/* The fields in column order, as codes ("code,community,…,phone:masked,…")
 * and as Chinese names ("户编号、…、联系电话（已脱敏）、…"). */
void household_export_fields(const household_export *f, char *codes, size_t codes_sz, char *names, size_t names_sz);

#endif
