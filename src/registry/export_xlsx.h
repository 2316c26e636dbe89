/* export_xlsx.h — the registry's exports (residents: import.h's
 * export_residents_rows; households: household_export.h) as .xlsx
 * workbooks, written with libxlsxwriter.
 *
 * Owns: the workbook's layout — one sheet (居民名册, 户名册): the export's Chinese
 * header row (bold, frozen, with an autofilter), then one row per
 * resident, every cell a text cell under the text format "@" (an ID
 * number or phone stays its digits, never 3.71702E+17; dates stay
 * YYYY-MM-DD text), each column as wide as its widest value (at most
 * 40 characters). */
#ifndef MS_EXPORT_XLSX_H
#define MS_EXPORT_XLSX_H

#include <stddef.h>

#include "registry/import.h"

/* The rows of one export: calls emit with the header, then once per
 * row (export_row_fn), from src. Returns the rows, EXPORT_TOO_MANY or
 * -1, as export_residents_rows does. */
typedef long (*export_rows_fn)(db_conn *db, const void *src, export_row_fn emit, void *ctx);

/* Writes the rows of rows(db, src, …) as the sheet `sheet` of a workbook
 * into *out (malloc'd, *len bytes). Returns the rows' count,
 * EXPORT_TOO_MANY, or -1 (database or temporary file); *out only when
 * the count is returned. */
long export_xlsx_write(db_conn *db, const char *sheet, export_rows_fn rows, const void *src, char **out, size_t *len);

/* The residents f selects (export_residents_rows), sheet 居民名册. */
long export_residents_xlsx(db_conn *db, const export_filter *f, char **out, size_t *len);

#endif
