/* export_xlsx.h — the residents export (import.h's export_residents_rows)
 * as an .xlsx workbook, written with libxlsxwriter.
 *
 * Owns: the workbook's layout — one sheet 居民名册: the export's Chinese
 * header row (bold, frozen, with an autofilter), then one row per
 * resident, every cell a text cell under the text format "@" (an ID
 * number or phone stays its digits, never 3.71702E+17; dates stay
 * YYYY-MM-DD text), each column as wide as its widest value (at most
 * 40 characters). */
#ifndef MS_EXPORT_XLSX_H
#define MS_EXPORT_XLSX_H

#include <stddef.h>

#include "registry/import.h"

/* Writes the residents f selects into *out (malloc'd, *len bytes).
 * Returns the number of residents, EXPORT_TOO_MANY, or -1 (database or
 * temporary file). */
long export_residents_xlsx(db_conn *db, const export_filter *f, char **out, size_t *len);

#endif
