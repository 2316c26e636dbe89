/* stats_xlsx.h — the statistics table (GET /api/v1/stats/table's JSON)
 * as an .xlsx workbook, written with libxlsxwriter.
 *
 * Owns: the workbook's layout — sheet 统计表: a title row naming the
 * unit and the date, two frozen header rows (单位 编码 户数 人数, then
 * each tag over its 户 and 人 columns), one row per child unit and a
 * 合计 row; sheet 字段说明: each column's name and meaning. */
#ifndef MS_STATS_XLSX_H
#define MS_STATS_XLSX_H

#include <jansson.h>
#include <stddef.h>

/* Writes table as a workbook into *out (malloc'd, *len bytes). 0, or -1
 * on failure (a temporary file could not be written). */
int stats_xlsx_write(const json_t *table, char **out, size_t *len);

/* The workbook's field codes, comma-separated, into out ("name,code,
 * households,residents,dibao_households,dibao_residents,…"), as the
 * export's X-Export-Fields header lists them. */
void stats_xlsx_fields(const json_t *table, char *out, size_t outsz);

#endif
