/* bankfile.c — the bank's payment file of a frozen run and the bank's
 * return file (see bankfile.h). */
#include "assistance/bankfile.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assistance/benefit.h"
#include "assistance/payment.h"
#include "util/strbuf.h"
#include "util/xlsx_write.h"

int bank_parse_yuan(const char *s, int64_t *fen)
{
    int neg = 0, digits = 0, frac = -1;
    int64_t v = 0;
    while (*s == ' ')
        s++;
    if (*s == '-')
        neg = 1, s++;
    for (; *s && *s != ' '; s++) {
        if (*s == ',' && frac < 0)
            continue;
        if (*s == '.' && frac < 0) {
            frac = 0;
            continue;
        }
        if (*s < '0' || *s > '9' || frac >= 2 || v > 100000000000LL)
            return -1;
        v = v * 10 + (*s - '0');
        digits++;
        if (frac >= 0)
            frac++;
    }
    while (*s == ' ')
        s++;
    if (*s || !digits)
        return -1;
    for (int k = frac < 0 ? 0 : frac; k < 2; k++)
        v *= 10;
    *fen = neg ? -v : v;
    return 0;
}

/* ---- export ------------------------------------------------------------------ */

static const char *const SQL_EXPORT_LINES =
    "SELECT l.id, l.account_name, l.account_enc, l.amount_fen, l.bank_name FROM assistance_payment_line l"
    " WHERE l.run_id = ? ORDER BY l.id";

typedef struct bank_sheet {
    int xlsx;
    strbuf csv;
    lxw_worksheet *ws;
    lxw_format *money, *head;
    lxw_row_t row;
} bank_sheet;

static void sheet_row(bank_sheet *b, const char *id, const char *name, const char *account, int64_t fen,
                      const char *bank, lxw_format *fmt)
{
    char y[40];
    if (!b->xlsx) {
        const char *f[] = {id, name, account, benefit_yuan_plain(fen, y, sizeof y), bank};
        csvw_row(&b->csv, f, 5);
        return;
    }
    worksheet_write_string(b->ws, b->row, 0, id, fmt);
    worksheet_write_string(b->ws, b->row, 1, name, fmt);
    worksheet_write_string(b->ws, b->row, 2, account, fmt);   /* text: a number would lose digits */
    worksheet_write_number(b->ws, b->row, 3, (double)fen / 100.0, b->money);
    worksheet_write_string(b->ws, b->row, 4, bank, fmt);
    b->row++;
}

int bank_export(db_conn *db, int64_t run_id, int xlsx, char **out, size_t *len, int64_t *count, int64_t *total_fen,
                ms_err *err)
{
    pay_run r;
    xlsx_out x;
    lxw_workbook *wb = NULL;
    bank_sheet b = {.xlsx = xlsx};
    *out = NULL;
    *count = *total_fen = 0;
    if (pay_run_load(db, run_id, &r, err) != 0)
        return -1;
    if (strcmp(r.status, "frozen") != 0)
        return err_set(err, ERR_CONFLICT, NULL, "发放批次尚未冻结，不能导出银行文件（请先复核冻结）");
    static const char *const HEAD[] = {"明细号", "户名", "账号", "金额（元）", "开户行"};
    if (xlsx) {
        if (!(wb = xlsx_out_open(&x, 1)))
            return err_set(err, ERR_DB, NULL, "无法生成 Excel 文件");
        b.ws = workbook_add_worksheet(wb, "代发明细");
        b.money = workbook_add_format(wb);
        format_set_num_format(b.money, "#,##0.00");
        b.head = workbook_add_format(wb);
        format_set_bold(b.head);
        worksheet_set_column(b.ws, 0, 0, 10, NULL);
        worksheet_set_column(b.ws, 1, 1, 12, NULL);
        worksheet_set_column(b.ws, 2, 2, 24, NULL);
        worksheet_set_column(b.ws, 3, 3, 14, NULL);
        worksheet_set_column(b.ws, 4, 4, 24, NULL);
        for (int c = 0; c < 5; c++)
            worksheet_write_string(b.ws, 0, (lxw_col_t)c, HEAD[c], b.head);
        b.row = 1;
    } else {
        sb_init(&b.csv);
        sb_puts(&b.csv, "\xEF\xBB\xBF");
        csvw_row(&b.csv, HEAD, 5);
    }
    db_stmt *s = db_query(db, SQL_EXPORT_LINES, DB_INT(run_id));
    char account[FC_PLAIN_MAX + 1], id[24];
    int rc, bad = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        int64_t lid = db_col_int(s, 0), fen = db_col_int(s, 3);
        if (fc_decrypt(PAY_COL_LINE_ACCOUNT, lid, db_col_text(s, 2), account, sizeof account) != 0)
            bad = 1;
        snprintf(id, sizeof id, "%lld", (long long)lid);
        sheet_row(&b, id, db_col_text(s, 1), account, fen, db_col_text(s, 4), NULL);
        ++*count;
        *total_fen += fen;
    }
    sodium_memzero(account, sizeof account);
    db_finalize(s);
    char n[32], now[20];
    snprintf(n, sizeof n, "%lld 笔", (long long)*count);
    sheet_row(&b, "合计", n, "", *total_fen, "", b.head);
    if (rc != DB_DONE || bad ||
        db_exec_args(db, "UPDATE assistance_payment_run SET exported_at = ? WHERE id = ?", DB_TEXT(db_now(now)),
                     DB_INT(run_id)) != DB_DONE) {
        if (xlsx) {
            char *tmp = NULL;
            size_t tl;
            if (xlsx_out_close(&x, &tmp, &tl) == 0)
                free(tmp);
        } else
            sb_free(&b.csv);
        return bad ? err_set(err, ERR_DB, NULL, "有账号无法解密（密钥文件不符或数据被改动），未导出") : err_db(err);
    }
    if (xlsx)
        return xlsx_out_close(&x, out, len) == 0 ? 0 : err_set(err, ERR_DB, NULL, "无法生成 Excel 文件");
    *len = b.csv.len;
    *out = sb_detach(&b.csv);
    return 0;
}

/* ---- return --------------------------------------------------------------------- */

typedef struct ret_line {
    int64_t id, fen;
    char account[FC_PLAIN_MAX + 1];
    int seen;          /* row of the file that named it (0 = none yet) */
    int ok;            /* 1 paid, 0 failed */
    char note[200];
} ret_line;

static int cmp_line(const void *a, const void *b)
{
    int64_t x = ((const ret_line *)a)->id, y = ((const ret_line *)b)->id;
    return x < y ? -1 : x > y;
}

static ret_line *load_lines(db_conn *db, int64_t run_id, size_t *n)
{
    size_t cap = 0;
    ret_line *v = NULL;
    *n = 0;
    db_stmt *s = db_query(db, "SELECT id, amount_fen, account_enc FROM assistance_payment_line WHERE run_id = ? ORDER BY id",
                          DB_INT(run_id));
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            v = xrealloc(v, cap * sizeof *v);
        }
        ret_line *l = &v[(*n)++];
        memset(l, 0, sizeof *l);
        l->id = db_col_int(s, 0);
        l->fen = db_col_int(s, 1);
        fc_decrypt(PAY_COL_LINE_ACCOUNT, l->id, db_col_text(s, 2), l->account, sizeof l->account);
    }
    db_finalize(s);
    if (rc != DB_DONE) {
        free(v);
        return NULL;
    }
    return v ? v : xrealloc(NULL, sizeof *v);
}

static int col_of(char **f, size_t n, const char *const *names)
{
    for (size_t i = 0; i < n; i++)
        for (const char *const *k = names; *k; k++)
            if (strcmp(f[i], *k) == 0)
                return (int)i;
    return -1;
}

static void add_error(json_t *errors, size_t row, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add_error(json_t *errors, size_t row, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (json_array_size(errors) < 200)
        json_array_append_new(errors, json_pack("{s:I, s:s}", "row", (json_int_t)row, "message", msg));
}

static const char *field(char **f, size_t n, int c)
{
    return c >= 0 && (size_t)c < n ? f[c] : "";
}

int bank_return(db_conn *db, int64_t run_id, csvr *in, json_t **errors, int64_t *paid, int64_t *failed,
                int64_t *changed, ms_err *err)
{
    static const char *const C_ID[] = {"明细号", "line_id", NULL}, *const C_ACC[] = {"账号", "account_number", NULL},
                             *const C_AMT[] = {"金额（元）", "金额(元)", "金额", "amount", NULL},
                             *const C_RES[] = {"结果", "处理结果", "result", NULL},
                             *const C_NOTE[] = {"备注", "失败原因", "note", NULL};
    pay_run r;
    *errors = json_array();
    *paid = *failed = *changed = 0;
    if (pay_run_load(db, run_id, &r, err) != 0)
        return -1;
    if (strcmp(r.status, "frozen") != 0)
        return err_set(err, ERR_CONFLICT, NULL, "发放批次尚未冻结，不能导入银行回盘");
    size_t n = 0;
    ret_line *lines = load_lines(db, run_id, &n);
    if (!lines)
        return err_db(err);
    char **f;
    size_t nf;
    int c_id = -1, c_acc = -1, c_amt = -1, c_res = -1, c_note = -1, header = 0, rows = 0;
    int rc;
    while ((rc = csvr_next(in, &f, &nf)) == 1) {
        size_t row = csvr_line(in);
        if (!header) {
            c_id = col_of(f, nf, C_ID), c_acc = col_of(f, nf, C_ACC), c_amt = col_of(f, nf, C_AMT);
            c_res = col_of(f, nf, C_RES), c_note = col_of(f, nf, C_NOTE);
            header = 1;
            if (c_res < 0 || (c_id < 0 && (c_acc < 0 || c_amt < 0))) {
                add_error(*errors, row, "表头应有“结果”列，以及“明细号”列（或“账号”和“金额（元）”列）");
                break;
            }
            continue;
        }
        const char *sid = field(f, nf, c_id), *acc = field(f, nf, c_acc), *amt = field(f, nf, c_amt),
                   *res = field(f, nf, c_res);
        if (strcmp(sid, "合计") == 0 || (!*sid && !*acc && !*res))
            continue;
        rows++;
        int64_t fen = 0;
        int has_amt = *amt != '\0';
        if (has_amt && bank_parse_yuan(amt, &fen) != 0) {
            add_error(*errors, row, "金额“%s”不是有效金额", amt);
            continue;
        }
        int ok = strcmp(res, "成功") == 0 || strcmp(res, "paid") == 0;
        if (!ok && strcmp(res, "失败") != 0 && strcmp(res, "failed") != 0) {
            add_error(*errors, row, "结果应为“成功”或“失败”：%s", res);
            continue;
        }
        ret_line *l = NULL;
        if (*sid) {
            char *end;
            ret_line key = {.id = strtoll(sid, &end, 10)};
            if (*end == '\0')
                l = bsearch(&key, lines, n, sizeof *lines, cmp_line);
            if (!l) {
                add_error(*errors, row, "明细号 %s 不在本发放批次中", sid);
                continue;
            }
            if (*acc && strcmp(acc, l->account) != 0) {
                add_error(*errors, row, "明细号 %s 的账号与发放明细不符", sid);
                continue;
            }
            if (has_amt && fen != l->fen) {
                add_error(*errors, row, "明细号 %s 的金额与发放明细不符", sid);
                continue;
            }
        } else {
            if (!*acc || !has_amt) {
                add_error(*errors, row, "缺少明细号（或账号和金额）");
                continue;
            }
            for (size_t i = 0; i < n && !l; i++)
                if (!lines[i].seen && lines[i].fen == fen && strcmp(lines[i].account, acc) == 0)
                    l = &lines[i];
            if (!l) {
                add_error(*errors, row, "本发放批次中没有账号与金额都相符的明细");
                continue;
            }
        }
        if (l->seen) {
            add_error(*errors, row, "明细号 %lld 在第 %d 行已出现过", (long long)l->id, l->seen);
            continue;
        }
        l->seen = (int)row;
        l->ok = ok;
        snprintf(l->note, sizeof l->note, "%s", field(f, nf, c_note));
        ok ? ++*paid : ++*failed;
    }
    if (rc < 0)
        add_error(*errors, csvr_line(in), "文件无法读取：%s", csvr_error(in));
    else if (!header || (!rows && !json_array_size(*errors)))
        add_error(*errors, 1, "文件中没有回盘明细");
    int result = 0;
    if (json_array_size(*errors)) {
        result = err_set(err, ERR_INVALID, "file", "银行回盘文件有 %zu 处错误，未导入任何结果", json_array_size(*errors));
    } else {
        char now[20];
        db_now(now);
        for (size_t i = 0; i < n && result == 0; i++) {
            if (!lines[i].seen)
                continue;
            const char *st = lines[i].ok ? "paid" : "failed";
            if (db_exec_args(db,
                             "UPDATE assistance_payment_line SET status = ?, bank_note = ?, returned_at = ?"
                             " WHERE id = ? AND (status <> ? OR COALESCE(bank_note, '') <> ?)",
                             DB_TEXT(st), DB_OPT_TEXT(lines[i].note), DB_TEXT(now), DB_INT(lines[i].id), DB_TEXT(st),
                             DB_TEXT(lines[i].note)) != DB_DONE)
                result = err_db(err);
            else
                *changed += db_changes(db);
        }
        if (result == 0 && *changed &&
            db_exec_args(db, "UPDATE assistance_payment_run SET returned_at = ? WHERE id = ?", DB_TEXT(now),
                         DB_INT(run_id)) != DB_DONE)
            result = err_db(err);
    }
    sodium_memzero(lines, n * sizeof *lines);
    free(lines);
    return result;
}
