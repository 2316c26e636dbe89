/* notice_xlsx.h — a public notice (公示) as an .xlsx workbook, written
 * with libxlsxwriter (util/xlsx_write.h).
 *
 * Owns: the sheet's layout — 公示: the title row, the community and the
 * period, the header 序号 姓名 家庭人数 救助项目 月救助金额（元）, one row
 * per case (the masked name the notice printed, never an ID number), and
 * the complaint phone with the street's name under the table. */
#ifndef MS_ASSIST_NOTICE_XLSX_H
#define MS_ASSIST_NOTICE_XLSX_H

#include <stddef.h>

#include "assistance/notice.h"

/* Writes notice n and its rows into *out (malloc'd, *len bytes). 0, or
 * -1 (a temporary file could not be written). */
int notice_xlsx_write(const notice *n, const notice_row *rows, size_t nrows, char **out, size_t *len);

/* The field codes of the table's columns, as X-Export-Fields lists them. */
#define NOTICE_XLSX_FIELDS "no,masked_name,household_size,programme_name,amount_yuan"

#endif
