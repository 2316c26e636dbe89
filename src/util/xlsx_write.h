/* xlsx_write.h — an .xlsx workbook written with libxlsxwriter into
 * memory, for the exports that reply with one (statistics table,
 * residents).
 *
 * Owns: the workbook's private temporary file (libxlsxwriter writes
 * only to a file: mode 0600 in $TMPDIR or /tmp, unlinked before
 * xlsx_out_close returns) and reading it back into memory. The sheets
 * themselves are the caller's. */
#ifndef MS_XLSX_WRITE_H
#define MS_XLSX_WRITE_H

#include <stddef.h>
#include <xlsxwriter.h>

typedef struct xlsx_out {
    char tmpdir[512];
    char path[560];
    lxw_workbook *wb;
} xlsx_out;

/* Opens a new workbook on a temporary file; constant_memory: rows are
 * written to disk as they come (each row before the next, strings
 * inline), so that a sheet of 200,000 rows costs no memory. NULL on
 * failure (nothing left behind). */
lxw_workbook *xlsx_out_open(xlsx_out *x, int constant_memory);

/* Closes the workbook and reads it into *out (malloc'd, *len bytes);
 * the temporary file is removed either way. 0, or -1. */
int xlsx_out_close(xlsx_out *x, char **out, size_t *len);

/* Excel's column width (in characters) for text: two for each
 * character outside ASCII (Chinese is as wide as two digits). */
size_t xlsx_text_width(const char *s);

#endif
