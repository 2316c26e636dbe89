/* export_xlsx.c — an export as a workbook (see export_xlsx.h). The rows
 * come from the export's own row function (the same columns, order and
 * masking as its CSV) and are streamed into the sheet (constant_memory),
 * so that the cap's 200,000 rows need no more memory than one. */
#include "registry/export_xlsx.h"
#include "util/xlsx_write.h"

#include <stdlib.h>
#include <string.h>

#define MAX_COLS 32
#define WIDTH_MIN 6
#define WIDTH_MAX 40

typedef struct sheet_out {
    lxw_worksheet *ws;
    lxw_format *head, *text;
    lxw_row_t row;
    size_t ncols;
    size_t width[MAX_COLS];
} sheet_out;

static int put_row(const char *const *cells, size_t n, void *ctx)
{
    sheet_out *o = ctx;
    if (n > MAX_COLS)
        return -1;
    o->ncols = n;
    for (size_t i = 0; i < n; i++) {
        size_t w = xlsx_text_width(cells[i]);
        if (w > o->width[i])
            o->width[i] = w;
        if (!*cells[i])
            continue;   /* no cell at all: Excel shows it empty, the import reads "" */
        if (worksheet_write_string(o->ws, o->row, (lxw_col_t)i, cells[i], o->row ? o->text : o->head) != LXW_NO_ERROR)
            return -1;
    }
    o->row++;
    return 0;
}

long export_xlsx_write(db_conn *db, const char *sheet, export_rows_fn rows, const void *src, char **out, size_t *len)
{
    xlsx_out x;
    lxw_workbook *wb = xlsx_out_open(&x, 1);
    if (!wb)
        return -1;
    sheet_out o = {.ws = workbook_add_worksheet(wb, sheet)};
    o.head = workbook_add_format(wb);
    format_set_bold(o.head);
    format_set_bg_color(o.head, 0xDDEBF7);
    format_set_border(o.head, LXW_BORDER_THIN);
    format_set_num_format(o.head, "@");
    o.text = workbook_add_format(wb);
    format_set_num_format(o.text, "@");
    worksheet_freeze_panes(o.ws, 1, 0);
    long n = rows(db, src, put_row, &o);
    for (size_t i = 0; i < o.ncols; i++) {
        size_t w = o.width[i] + 2;
        worksheet_set_column(o.ws, (lxw_col_t)i, (lxw_col_t)i,
                             (double)(w < WIDTH_MIN ? WIDTH_MIN : w > WIDTH_MAX ? WIDTH_MAX : w), o.text);
    }
    if (n >= 0 && o.ncols)
        worksheet_autofilter(o.ws, 0, 0, o.row - 1, (lxw_col_t)(o.ncols - 1));
    if (xlsx_out_close(&x, out, len) != 0) {
        if (n >= 0)
            n = -1;
    } else if (n < 0) {
        free(*out);
    }
    return n;
}

static long resident_rows(db_conn *db, const void *f, export_row_fn emit, void *ctx)
{
    return export_residents_rows(db, f, emit, ctx);
}

long export_residents_xlsx(db_conn *db, const export_filter *f, char **out, size_t *len)
{
    return export_xlsx_write(db, "居民名册", resident_rows, f, out, len);
}
