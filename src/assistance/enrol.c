/* enrol.c — 存量纳入 (see enrol.h): the enrolment table read row by row,
 * every row checked and written inside one transaction that commits
 * only when no row failed. */
#include "assistance/enrol.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assistance/case_flow.h"
#include "assistance/payment.h"
#include "core/audit.h"
#include "registry/org.h"
#include "registry/resident.h"
#include "util/idcard.h"
#include "util/validate.h"

enum { C_PROG, C_ID, C_AREA, C_BAND, C_MEMBERS, C_INCOME, C_START, C_REVIEW, C_BANK, C_ACCNAME, C_ACCNO, C_NEXT_REVIEW,
       C_N };

static const char *const COLUMNS[C_N][4] = {
    {"programme", "项目编码", "项目", NULL},
    {"id_number", "身份证号", "身份证号码", NULL},
    {"area", "城乡", "城乡类别", NULL},
    {"band_key", "档次", "类别档次", NULL},
    {"members_counted", "保障人数", NULL, NULL},
    {"income_fen", "家庭月收入（分）", "家庭月收入(分)", NULL},
    {"start_month", "起始月份", "起始发放月份", NULL},
    {"review_class", "复审类别", "分类", NULL},
    {"bank_name", "开户行", "开户银行", NULL},
    {"account_name", "户名", "账户名", NULL},
    {"account_number", "账号", "银行账号", NULL},
    {"next_review_on", "下次复审日期", "复审日期", NULL},
};

#define MAX_PROGRAMMES 64

typedef struct enrol_ctx {
    db_conn *db;
    enrol_report *rep;
    actor who;
    assist_programme progs[MAX_PROGRAMMES];
    pay_standards stds[MAX_PROGRAMMES];
    int nprogs;
    int col[C_N];
} enrol_ctx;

static void row_error(enrol_report *rep, size_t row, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void row_error(enrol_report *rep, size_t row, const char *field, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_array_append_new(rep->errors, json_pack("{s:I, s:s?, s:s}", "row", (json_int_t)row, "field", field,
                                                 "message", msg));
}

static int find_programme(enrol_ctx *c, const char *code)
{
    for (int i = 0; i < c->nprogs; i++)
        if (strcmp(c->progs[i].code, code) == 0)
            return i;
    return -1;
}

static int parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    char *end;
    if (!s || !*s)
        return -1;
    long long v = strtoll(s, &end, 10);
    if (*end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static const char *get(char **f, size_t nf, int c)
{
    return c >= 0 && (size_t)c < nf ? f[c] : "";
}

/* The street (or district) root as the command line's actor: street
 * staff at the root, id 0 (only the command line takes "enrol"). */
static int cli_actor(db_conn *db, actor *who)
{
    org_unit root;
    if (org_get_root(db, &root) != 0)
        return -1;
    memset(who, 0, sizeof *who);
    who->role = ROLE_STREET;
    who->org_unit_id = root.id;
    snprintf(who->username, sizeof who->username, "cli");
    snprintf(who->display_name, sizeof who->display_name, "命令行（存量纳入）");
    snprintf(who->scope_path, sizeof who->scope_path, "%s", root.path);
    snprintf(who->scope_name, sizeof who->scope_name, "%s", root.name);
    return 0;
}

/* The first re-review date of class `cls` (the programme's
 * settings.review_months) counted from the first of start_month that is
 * not before today (China local): an existing beneficiary's next
 * re-review. "" when the programme sets no interval for the class. */
static void next_review_after(const assist_programme *p, const char *cls, const char *start, char out[11])
{
    out[0] = '\0';
    int months = programme_review_months(p, cls);
    if (months < 1 || months > 120)
        return;
    int today = date_today_local();
    int m = atoi(start) * 12 + atoi(start + 5) - 1 + months;
    while ((m / 12) * 10000 + (m % 12 + 1) * 100 + 1 < today)
        m += months;
    snprintf(out, 11, "%04u-%02u-01", (unsigned)(m / 12) % 10000u, (unsigned)(m % 12 + 1) % 100u);
}

/* One row: checked, then written (case, its enrol step, its row). 0
 * written, 1 a row error (listed), -1 fatal. */
static int enrol_row(enrol_ctx *c, char **f, size_t nf, size_t row)
{
    enrol_report *rep = c->rep;
    size_t before = json_array_size(rep->errors);
    const char *code = get(f, nf, c->col[C_PROG]), *raw_id = get(f, nf, c->col[C_ID]);
    const char *area_in = get(f, nf, c->col[C_AREA]), *band = get(f, nf, c->col[C_BAND]);
    const char *start = get(f, nf, c->col[C_START]), *review = get(f, nf, c->col[C_REVIEW]);
    const char *bank = get(f, nf, c->col[C_BANK]), *acc_name = get(f, nf, c->col[C_ACCNAME]);
    const char *acc_no = get(f, nf, c->col[C_ACCNO]);
    int pi = find_programme(c, code);
    if (pi < 0)
        return row_error(rep, row, "programme", "没有编码为“%s”的救助项目", code), 1;
    const assist_programme *p = &c->progs[pi];
    if (strcmp(p->calc_kind, "one_off") == 0)
        return row_error(rep, row, "programme", "%s是一次性救助，不能存量纳入", p->name), 1;
    const char *area = strcmp(area_in, "城市") == 0 ? "urban" : strcmp(area_in, "农村") == 0 ? "rural" : area_in;
    if (strcmp(area, "urban") != 0 && strcmp(area, "rural") != 0)
        row_error(rep, row, "area", "城乡应为 城市/农村（urban/rural）：%s", area_in);
    int64_t members = 1, income = 0;
    int topup = strcmp(p->calc_kind, "topup") == 0;
    if (topup && parse_int(get(f, nf, c->col[C_MEMBERS]), 1, 30, &members) != 0)
        row_error(rep, row, "members_counted", "保障人数应为 1–30 的整数");
    if (topup && parse_int(get(f, nf, c->col[C_INCOME]), 0, 100000000, &income) != 0)
        row_error(rep, row, "income_fen", "家庭月收入应为不小于 0 的整数（单位：分）");
    if (!pay_month_valid(start))
        row_error(rep, row, "start_month", "起始月份应为 YYYY-MM 格式：%s", start);
    if (*review && strcmp(review, "A") != 0 && strcmp(review, "B") != 0 && strcmp(review, "C") != 0)
        row_error(rep, row, "review_class", "复审类别应为 A、B 或 C：%s", review);
    char next_review[11] = "";
    const char *next_in = get(f, nf, c->col[C_NEXT_REVIEW]);
    if (*next_in && !date_is_valid(next_in))
        row_error(rep, row, "next_review_on", "下次复审日期应为 YYYY-MM-DD 格式：%s", next_in);
    else if (*next_in)
        snprintf(next_review, sizeof next_review, "%s", next_in);
    else if (*review && pay_month_valid(start))
        next_review_after(p, review, start, next_review);
    size_t nd = 0, alen = strlen(acc_no);
    for (const char *s = acc_no; *s; s++)
        nd += *s >= '0' && *s <= '9';
    if (alen < 8 || alen > 32 || nd != alen)
        row_error(rep, row, "account_number", "银行账号应为 8–32 位数字");
    if (!*acc_name || strlen(acc_name) > 120)
        row_error(rep, row, "account_name", "请填写户名");
    if (strlen(bank) > 120 || strlen(band) > 15)
        row_error(rep, row, strlen(bank) > 120 ? "bank_name" : "band_key", "内容过长");
    /* the resident */
    char idn[32];
    idcard_normalize(raw_id, idn);
    idcard_status st = idcard_validate(idn, 0, NULL);
    if (st != IDCARD_OK)
        return row_error(rep, row, "id_number", "%s", idcard_status_message(st)), 1;
    int64_t rid = 0;
    int found = resident_by_id_number(c->db, idn, &rid);
    if (found < 0)
        return -1;
    if (found != 0)
        return row_error(rep, row, "id_number", "该身份证号未在本系统登记"), 1;
    char status[16] = "", birth[11] = "", grid_path[256] = "", name[128] = "";
    int64_t hh = 0, community = 0;
    db_stmt *s = db_query(c->db,
                          "SELECT r.status, r.birth_date, r.household_id, g.path, g.parent_id, r.name"
                          " FROM resident r JOIN org_unit g ON g.id = r.grid_id WHERE r.id = ?",
                          DB_INT(rid));
    int rc = db_step(s);
    if (rc == DB_ROW) {
        db_col_copy(s, 0, status, sizeof status);
        db_col_copy(s, 1, birth, sizeof birth);
        hh = db_col_int(s, 2);
        db_col_copy(s, 3, grid_path, sizeof grid_path);
        community = db_col_int(s, 4);
        db_col_copy(s, 5, name, sizeof name);
    }
    db_finalize(s);
    if (rc != DB_ROW)
        return -1;
    if (strcmp(status, "active") != 0)
        return row_error(rep, row, "id_number", "该居民不是在册居民（已故或迁出）"), 1;
    if (db_exists(c->db,
                  "SELECT 1 FROM assistance_case ac JOIN wf_case c ON c.id = ac.id WHERE ac.programme_id = ?"
                  " AND ac.resident_id = ? AND c.closed_at IS NULL",
                  DB_INT(p->id), DB_INT(rid)))
        return row_error(rep, row, "id_number", "%s已有%s的在办或在保案件", name, p->name), 1;
    if (json_array_size(rep->errors) > before)
        return 1;
    /* the amount from the standard in force on the first of start_month */
    pay_case_in in = {.area = area, .community_id = community, .band_key = band, .members_counted = (int)members,
                      .income_fen = income, .birth_date = birth};
    pay_amount_out a;
    if (pay_amount(p, &c->stds[pi], &in, start, &a) != 0)
        return row_error(rep, row, "start_month", "%s", a.hold), 1;
    /* the case, its step to 在保, its row */
    ms_err err;
    char title[200], now[20], enc[FC_STORED_MAX];
    snprintf(title, sizeof title, "存量纳入：%s", p->name);
    const wf_type *t = assist_case_type(p->calc_kind);
    int64_t id = wf_create(c->db, t, grid_path, title, &c->who, NULL, &err);
    if (id < 0 || wf_perform(c->db, t, id, "enrol", &c->who, NULL, &(wf_input){.opinion = "存量纳入"}, NULL, &err) != 0) {
        snprintf(rep->fatal, sizeof rep->fatal, "第 %zu 行：%s", row, err.message);
        return -1;
    }
    if (fc_encrypt(PAY_COL_CASE_ACCOUNT, id, acc_no, enc) != 0) {
        snprintf(rep->fatal, sizeof rep->fatal, "无法加密银行账号（没有载入数据密钥）");
        return -1;
    }
    rc = db_exec_args(c->db,
                      "INSERT INTO assistance_case (id, programme_id, household_id, resident_id, community_id, area,"
                      "  band_key, reason, source, members_counted, income_fen, amount_fen, standard_id, review_class,"
                      " next_review_on, start_month, bank_name, account_name, account_enc, account_tail, created_at,"
                      " updated_at)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?, '存量纳入', 'enrolled', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      DB_INT(id), DB_INT(p->id), DB_INT(hh), DB_INT(rid), DB_INT(community), DB_TEXT(area),
                      DB_TEXT(strcmp(p->band_by, "age") == 0 ? "" : band), topup ? DB_INT(members) : DB_NULL,
                      topup ? DB_INT(income) : DB_NULL, DB_INT(a.fen), DB_ID(a.standard.id), DB_OPT_TEXT(review),
                      DB_OPT_TEXT(next_review), DB_TEXT(start), DB_OPT_TEXT(bank), DB_TEXT(acc_name), DB_TEXT(enc), DB_TEXT(acc_no + alen - 4),
                      DB_TEXT(db_now(now)), DB_TEXT(now));
    if (rc != DB_DONE) {
        snprintf(rep->fatal, sizeof rep->fatal, "第 %zu 行：写入救助案件失败", row);
        return -1;
    }
    return 0;
}

static int header_columns(enrol_ctx *c, char **f, size_t nf)
{
    int missing = 0;
    for (int k = 0; k < C_N; k++) {
        c->col[k] = -1;
        for (size_t i = 0; i < nf && c->col[k] < 0; i++)
            for (int a = 0; a < 4 && COLUMNS[k][a]; a++)
                if (strcmp(f[i], COLUMNS[k][a]) == 0)
                    c->col[k] = (int)i;
        if (c->col[k] < 0 && k != C_BAND && k != C_MEMBERS && k != C_INCOME && k != C_REVIEW && k != C_BANK &&
            k != C_NEXT_REVIEW) {
            row_error(c->rep, 1, COLUMNS[k][0], "缺少“%s”列（%s）", COLUMNS[k][1], COLUMNS[k][0]);
            missing++;
        }
    }
    return missing ? -1 : 0;
}

int assist_enrol(db_conn *db, csvr *in, int dry_run, const char *file_name, enrol_report *rep)
{
    static enrol_ctx c;
    memset(&c, 0, sizeof c);
    memset(rep, 0, sizeof *rep);
    rep->errors = json_array();
    c.db = db;
    c.rep = rep;
    if (cli_actor(db, &c.who) != 0) {
        snprintf(rep->fatal, sizeof rep->fatal, "数据库中还没有街道（请先 init）");
        return -1;
    }
    c.nprogs = programme_list(db, c.progs, MAX_PROGRAMMES);
    for (int i = 0; i < c.nprogs; i++)
        if (pay_standards_load(db, c.progs[i].id, &c.stds[i]) != 0)
            c.nprogs = -1;
    if (c.nprogs < 0 || db_begin(db) != DB_DONE) {
        snprintf(rep->fatal, sizeof rep->fatal, "无法读取救助项目或开始事务（数据库忙？）");
        goto done;
    }
    char **f;
    size_t nf;
    int rc, header = 0, fatal = 0;
    while (!fatal && (rc = csvr_next(in, &f, &nf)) == 1) {
        if (!header) {
            header = 1;
            if (header_columns(&c, f, nf) != 0)
                break;
            continue;
        }
        rep->rows++;
        int r = enrol_row(&c, f, nf, csvr_line(in));
        if (r < 0)
            fatal = 1;
        else if (r == 0)
            rep->enrolled++;
    }
    if (!fatal && rc < 0)
        snprintf(rep->fatal, sizeof rep->fatal, "文件第 %zu 行无法读取：%s", csvr_line(in), csvr_error(in));
    else if (fatal && !rep->fatal[0])
        snprintf(rep->fatal, sizeof rep->fatal, "数据库错误：%s", db_errmsg(db));
    if (!rep->fatal[0] && !header)
        row_error(rep, 1, NULL, "文件是空的");
    if (rep->fatal[0] || json_array_size(rep->errors) || dry_run || !rep->rows) {
        db_rollback(db);
        if (!dry_run || rep->fatal[0] || json_array_size(rep->errors))
            rep->enrolled = 0;
        goto done;
    }
    char detail[400];
    snprintf(detail, sizeof detail, "存量纳入救助对象 %zu 人（文件 %s）", rep->enrolled, file_name ? file_name : "");
    audit_entry e = {.action = "assist_enrol", .entity = "assistance_case", .detail = detail};
    if (audit_write(db, &e) != 0 || db_commit(db) != DB_DONE) {
        db_rollback(db);
        rep->enrolled = 0;
        snprintf(rep->fatal, sizeof rep->fatal, "提交失败：%s", db_errmsg(db));
    }
done:
    for (int i = 0; i < MAX_PROGRAMMES; i++)
        pay_standards_free(&c.stds[i]);
    return rep->fatal[0] || json_array_size(rep->errors) ? -1 : 0;
}

void enrol_report_free(enrol_report *rep)
{
    json_decref(rep->errors);
    rep->errors = NULL;
}
