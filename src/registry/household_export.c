/* household_export.c — the households export (see household_export.h):
 * HOUSEHOLD_SELECT under the list's filters, each row a household
 * (household_from_row decrypts its phone) written as cells. */
#include "registry/household_export.h"
#include "registry/export_xlsx.h"
#include "registry/household.h"
#include "util/csvfile.h"
#include "util/validate.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

typedef enum hcol { H_CODE, H_COMMUNITY, H_GRID, H_BUILDING, H_ADDRESS, H_REGISTERED, H_ACTUAL, H_HEAD, H_PHONE,
                    H_MEMBERS, H_STATUS, H_CREATED, H_NOTES, NHCOLS } hcol;

static const char *const HEADERS[NHCOLS] = {"户编号", "社区", "网格", "楼栋", "地址", "户籍地址", "实际居住地址",
                                            "户主", "联系电话", "在册人数", "状态", "登记日期", "备注"};
static const char *const CODES[NHCOLS] = {"code", "community_name", "grid_name", "building_name", "address",
                                          "registered_address", "actual_address", "head_name", "phone",
                                          "member_count", "status", "created_date", "notes"};

void household_export_fields(const household_export *f, char *codes, size_t codes_sz, char *names, size_t names_sz)
{
    size_t a = 0, b = 0;
    codes[0] = names[0] = '\0';
    for (size_t i = 0; i < NHCOLS; i++) {
        int masked = i == H_PHONE && !f->full_phone;
        if (a < codes_sz)
            a += (size_t)snprintf(codes + a, codes_sz - a, "%s%s%s", i ? "," : "", CODES[i], masked ? ":masked" : "");
        if (b < names_sz)
            b += (size_t)snprintf(names + b, names_sz - b, "%s%s%s", i ? "、" : "", HEADERS[i],
                                  masked ? "（已脱敏）" : "");
    }
}

long household_export_rows(db_conn *db, const household_export *f, export_row_fn emit, void *ctx)
{
    const char *cells[NHCOLS];
    char order[200], phone[40], members[24];
    household h;
    long rows = 0, n = -1;
    int rc;
    snprintf(order, sizeof order, " ORDER BY %s", f->order_by ? f->order_by : "g.code, h.code, h.id");
    db_stmt *s = q_prepare_with(db, HOUSEHOLD_SELECT, f->where, order);
    if (!s || emit(HEADERS, NHCOLS, ctx) != 0)
        goto out;
    while ((rc = db_step(s)) == DB_ROW) {
        if (f->max_rows > 0 && rows >= f->max_rows) {
            n = EXPORT_TOO_MANY;
            goto out;
        }
        household_from_row(s, &h);
        snprintf(members, sizeof members, "%lld", (long long)h.member_count);
        h.created_at[10] = '\0';   /* the date: YYYY-MM-DD */
        cells[H_CODE] = h.code;
        cells[H_COMMUNITY] = h.community_name;
        cells[H_GRID] = h.grid_name;
        cells[H_BUILDING] = h.building_name;
        cells[H_ADDRESS] = h.address;
        cells[H_REGISTERED] = h.registered_address;
        cells[H_ACTUAL] = h.actual_address;
        cells[H_HEAD] = h.head_name;
        cells[H_PHONE] = f->full_phone || !h.phone[0] ? h.phone : phone_mask(h.phone, phone, sizeof phone);
        cells[H_MEMBERS] = members;
        cells[H_STATUS] = strcmp(h.status, "active") == 0 ? "正常" : "已注销";
        cells[H_CREATED] = h.created_at;
        cells[H_NOTES] = h.notes;
        rc = emit(cells, NHCOLS, ctx);
        sodium_memzero(h.phone, sizeof h.phone);
        if (rc != 0)
            goto out;
        rows++;
    }
    if (rc == DB_DONE)
        n = rows;
out:
    db_finalize(s);
    return n;
}

typedef struct csv_out {
    strbuf *out;
    int full_phone, header_done;
} csv_out;

static int csv_row(const char *const *cells, size_t n, void *ctx)
{
    csv_out *c = ctx;
    const char *line[NHCOLS];
    char phone[48];
    memcpy(line, cells, n * sizeof *line);
    if (!c->header_done) {
        c->header_done = 1;
        sb_puts(c->out, "\xEF\xBB\xBF");
    } else if (c->full_phone && *cells[H_PHONE]) {
        snprintf(phone, sizeof phone, "\t%s", cells[H_PHONE]);   /* Excel keeps it text */
        line[H_PHONE] = phone;
    }
    csvw_row(c->out, line, n);
    return 0;
}

long household_export_csv(db_conn *db, const household_export *f, strbuf *out)
{
    csv_out c = {out, f->full_phone, 0};
    return household_export_rows(db, f, csv_row, &c);
}

static long household_rows(db_conn *db, const void *f, export_row_fn emit, void *ctx)
{
    return household_export_rows(db, f, emit, ctx);
}

long household_export_xlsx(db_conn *db, const household_export *f, char **out, size_t *len)
{
    return export_xlsx_write(db, "户名册", household_rows, f, out, len);
}
