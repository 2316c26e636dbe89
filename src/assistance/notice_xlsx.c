/* notice_xlsx.c — the .xlsx of a public notice (see notice_xlsx.h). */
#include "assistance/notice_xlsx.h"

#include <stdio.h>

#include "assistance/benefit.h"
#include "util/xlsx_write.h"

static const char *const HEADS[] = {"序号", "姓名", "家庭人数", "救助项目", "月救助金额（元）"};
static const double WIDTHS[] = {8, 14, 10, 24, 18};
#define NCOLS 5

int notice_xlsx_write(const notice *n, const notice_row *rows, size_t nrows, char **out, size_t *len)
{
    xlsx_out x;
    lxw_workbook *wb = xlsx_out_open(&x, 0);
    if (!wb)
        return -1;
    lxw_worksheet *ws = workbook_add_worksheet(wb, "公示");
    lxw_format *title = workbook_add_format(wb), *head = workbook_add_format(wb), *cell = workbook_add_format(wb),
               *right = workbook_add_format(wb);
    format_set_bold(title);
    format_set_font_size(title, 16);
    format_set_align(title, LXW_ALIGN_CENTER);
    format_set_bold(head);
    format_set_align(head, LXW_ALIGN_CENTER);
    format_set_border(head, LXW_BORDER_THIN);
    format_set_border(cell, LXW_BORDER_THIN);
    format_set_align(right, LXW_ALIGN_RIGHT);
    char line[512], yuan[32];

    worksheet_merge_range(ws, 0, 0, 0, NCOLS - 1, n->title, title);
    if (n->posted_on[0])
        snprintf(line, sizeof line, "%s　公示期：%s 至 %s（%d 天）", n->community_name, n->posted_on, n->ends_on,
                 n->days);
    else
        snprintf(line, sizeof line, "%s　公示期：%d 天（尚未张贴）", n->community_name, n->days);
    worksheet_merge_range(ws, 1, 0, 1, NCOLS - 1, line, NULL);
    for (lxw_col_t c = 0; c < NCOLS; c++) {
        worksheet_write_string(ws, 2, c, HEADS[c], head);
        worksheet_set_column(ws, c, c, WIDTHS[c], NULL);
    }
    lxw_row_t r = 3;
    for (size_t i = 0; i < nrows; i++, r++) {
        worksheet_write_number(ws, r, 0, (double)(i + 1), cell);
        worksheet_write_string(ws, r, 1, rows[i].masked_name, cell);
        worksheet_write_number(ws, r, 2, (double)rows[i].household_size, cell);
        worksheet_write_string(ws, r, 3, rows[i].programme_name, cell);
        worksheet_write_string(ws, r, 4, benefit_yuan_plain(rows[i].amount_fen, yuan, sizeof yuan), cell);
    }
    r++;
    snprintf(line, sizeof line, "公示期间如有异议，请向%s或%s反映。投诉电话：%s", n->community_name,
             n->street_name[0] ? n->street_name : "街道", n->complaint_phone);
    worksheet_merge_range(ws, r, 0, r, NCOLS - 1, line, NULL);
    r++;
    snprintf(line, sizeof line, "%s　%s　%s", n->street_name, n->community_name,
             n->posted_on[0] ? n->posted_on : "");
    worksheet_merge_range(ws, r, 0, r, NCOLS - 1, line, right);
    worksheet_set_paper(ws, 9);   /* A4 */
    worksheet_repeat_rows(ws, 2, 2);
    return xlsx_out_close(&x, out, len);
}
