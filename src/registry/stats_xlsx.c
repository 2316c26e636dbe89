/* stats_xlsx.c — the statistics table as an .xlsx workbook (see
 * stats_xlsx.h), written into memory by util/xlsx_write.h. */
#include "registry/stats_xlsx.h"
#include "util/xlsx_write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIRST_TAG_COL 4   /* 单位 编码 户数 人数, then each tag's 户 and 人 */

static const char *str_of(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static double num_of(const json_t *o, const char *key)
{
    return (double)json_integer_value(json_object_get(o, key));
}

/* One data row: name, code, households, residents, then each column's
 * households and residents. */
static void put_row(lxw_worksheet *ws, lxw_row_t r, const json_t *row, const json_t *columns, const char *name,
                    const char *code, lxw_format *fmt)
{
    size_t i;
    const json_t *col;
    worksheet_write_string(ws, r, 0, name, fmt);
    worksheet_write_string(ws, r, 1, code, fmt);
    worksheet_write_number(ws, r, 2, num_of(row, "households"), fmt);
    worksheet_write_number(ws, r, 3, num_of(row, "residents"), fmt);
    json_array_foreach(columns, i, col) {
        const json_t *cell = json_object_get(json_object_get(row, "tags"), str_of(col, "code"));
        lxw_col_t c = (lxw_col_t)(FIRST_TAG_COL + 2 * i);
        worksheet_write_number(ws, r, c, num_of(cell, "households"), fmt);
        worksheet_write_number(ws, r, c + 1, num_of(cell, "residents"), fmt);
    }
}

/* Sheet 统计表. */
static void table_sheet(lxw_workbook *wb, const json_t *table)
{
    const json_t *columns = json_object_get(table, "columns"), *rows = json_object_get(table, "rows");
    lxw_worksheet *ws = workbook_add_worksheet(wb, "统计表");
    lxw_format *title = workbook_add_format(wb), *head = workbook_add_format(wb), *total = workbook_add_format(wb);
    format_set_bold(title);
    format_set_font_size(title, 14);
    format_set_bold(head);
    format_set_align(head, LXW_ALIGN_CENTER);
    format_set_align(head, LXW_ALIGN_VERTICAL_CENTER);
    format_set_border(head, LXW_BORDER_THIN);
    format_set_bold(total);
    lxw_col_t last = (lxw_col_t)(FIRST_TAG_COL + 2 * json_array_size(columns) - 1);

    worksheet_merge_range(ws, 0, 0, 0, last, str_of(table, "title"), title);
    const char *unit_head = strcmp(str_of(table, "row_kind"), "community") == 0 ? "社区"
                            : strcmp(str_of(table, "row_kind"), "grid") == 0    ? "网格"
                                                                                : "单位";
    static const char *const FIXED[] = {NULL, "编码", "户数", "人数"};
    for (lxw_col_t c = 0; c < FIRST_TAG_COL; c++)
        worksheet_merge_range(ws, 1, c, 2, c, c == 0 ? unit_head : FIXED[c], head);
    size_t i;
    const json_t *col;
    json_array_foreach(columns, i, col) {
        lxw_col_t c = (lxw_col_t)(FIRST_TAG_COL + 2 * i);
        worksheet_merge_range(ws, 1, c, 1, c + 1, str_of(col, "label"), head);
        worksheet_write_string(ws, 2, c, "户", head);
        worksheet_write_string(ws, 2, c + 1, "人", head);
    }
    worksheet_freeze_panes(ws, 3, 1);
    worksheet_set_column(ws, 0, 0, 16, NULL);
    worksheet_set_column(ws, 1, 1, 16, NULL);

    const json_t *row;
    lxw_row_t r = 3;
    json_array_foreach(rows, i, row)
        put_row(ws, r++, row, columns, str_of(row, "name"), str_of(row, "code"), NULL);
    put_row(ws, r, json_object_get(table, "total"), columns, "合计", str_of(json_object_get(table, "unit"), "code"),
            total);
}

/* Sheet 字段说明: what each column holds. */
static void fields_sheet(lxw_workbook *wb, const json_t *table)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, "字段说明");
    lxw_format *head = workbook_add_format(wb);
    format_set_bold(head);
    worksheet_write_string(ws, 0, 0, "字段", head);
    worksheet_write_string(ws, 0, 1, "说明", head);
    worksheet_set_column(ws, 0, 0, 20, NULL);
    worksheet_set_column(ws, 1, 1, 60, NULL);
    static const char *const FIXED[][2] = {
        {"单位", "下一级单位名称；最后一行“合计”为本单位"},
        {"编码", "单位编码"},
        {"户数", "在册（状态为正常）户数"},
        {"人数", "在册（状态为正常）居民人数"},
    };
    lxw_row_t r = 1;
    for (size_t k = 0; k < sizeof FIXED / sizeof FIXED[0]; k++, r++) {
        worksheet_write_string(ws, r, 0, FIXED[k][0], NULL);
        worksheet_write_string(ws, r, 1, FIXED[k][1], NULL);
    }
    size_t i;
    const json_t *col;
    json_array_foreach(json_object_get(table, "columns"), i, col) {
        char name[128], what[256];
        snprintf(name, sizeof name, "%s·户", str_of(col, "label"));
        snprintf(what, sizeof what, "至少一名在册成员有“%s”标注的户数（一户只计一次）", str_of(col, "label"));
        worksheet_write_string(ws, r, 0, name, NULL);
        worksheet_write_string(ws, r++, 1, what, NULL);
        snprintf(name, sizeof name, "%s·人", str_of(col, "label"));
        snprintf(what, sizeof what, "有“%s”标注的在册居民人数", str_of(col, "label"));
        worksheet_write_string(ws, r, 0, name, NULL);
        worksheet_write_string(ws, r++, 1, what, NULL);
    }
}

int stats_xlsx_write(const json_t *table, char **out, size_t *len)
{
    xlsx_out x;
    lxw_workbook *wb = xlsx_out_open(&x, 0);
    if (!wb)
        return -1;
    table_sheet(wb, table);
    fields_sheet(wb, table);
    return xlsx_out_close(&x, out, len);
}

void stats_xlsx_fields(const json_t *table, char *out, size_t outsz)
{
    size_t n = (size_t)snprintf(out, outsz, "name,code,households,residents"), i;
    const json_t *col;
    json_array_foreach(json_object_get(table, "columns"), i, col) {
        if (n >= outsz)
            break;
        n += (size_t)snprintf(out + n, outsz - n, ",%s_households,%s_residents", str_of(col, "code"),
                              str_of(col, "code"));
    }
}
