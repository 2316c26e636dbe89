/* payment.c — monthly payment runs, their lines and holds, adjustments
 * and the summary of frozen runs (see payment.h). Owns the SQL of
 * assistance_payment_run, _line, _hold and assistance_adjustment. */
#include "assistance/payment.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/derived.h"
/* The relatives part's registry-event sweep (events.c), once merged:
 * deaths and moves out become stop flags before a run is computed. */
#if __has_include("assistance/events.h")
#include "assistance/events.h"
#define PAY_HAVE_EVENTS_SWEEP 1
#endif
#include "registry/org.h"

/* ---- small helpers -------------------------------------------------------- */

int pay_month_valid(const char *m)
{
    if (!m || strlen(m) != 7 || m[4] != '-')
        return 0;
    for (int i = 0; i < 7; i++)
        if (i != 4 && (m[i] < '0' || m[i] > '9'))
            return 0;
    int mon = (m[5] - '0') * 10 + (m[6] - '0');
    return mon >= 1 && mon <= 12 && m[0] != '0';
}

void pay_mask_account(const char *tail, char *out, size_t outsz)
{
    snprintf(out, outsz, "%s%s", tail && *tail ? "**** " : "", tail ? tail : "");
}

/* ---- standards, in memory ------------------------------------------------- */

int pay_standards_load(db_conn *db, int64_t programme_id, pay_standards *out)
{
    memset(out, 0, sizeof *out);
    db_stmt *s = db_query(db,
                          "SELECT id, area, community_id, band_key, amount_fen, effective_from, effective_to"
                          " FROM assistance_standard WHERE programme_id = ? ORDER BY id",
                          DB_INT(programme_id));
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (out->n == out->cap) {
            size_t cap = out->cap ? out->cap * 2 : 32;
            assist_standard *v = realloc(out->v, cap * sizeof *v);
            if (!v) {
                rc = DB_ERROR;
                break;
            }
            out->v = v;
            out->cap = cap;
        }
        assist_standard *t = &out->v[out->n++];
        memset(t, 0, sizeof *t);
        t->id = db_col_int(s, 0);
        t->programme_id = programme_id;
        db_col_copy(s, 1, t->area, sizeof t->area);
        t->community_id = db_col_int(s, 2);
        db_col_copy(s, 3, t->band_key, sizeof t->band_key);
        t->amount_fen = db_col_int(s, 4);
        db_col_copy(s, 5, t->effective_from, sizeof t->effective_from);
        db_col_copy(s, 6, t->effective_to, sizeof t->effective_to);
    }
    db_finalize(s);
    if (rc != DB_DONE) {
        pay_standards_free(out);
        return -1;
    }
    return 0;
}

void pay_standards_free(pay_standards *st)
{
    free(st->v);
    memset(st, 0, sizeof *st);
}

/* programme_standard's rule, over the loaded rows: the community's own
 * standard beats the area's; among them the latest start in force. */
const assist_standard *pay_standard_pick(const pay_standards *st, const char *area, int64_t community_id,
                                         const char *band, const char *date)
{
    const assist_standard *best = NULL;
    for (size_t i = 0; i < st->n; i++) {
        const assist_standard *t = &st->v[i];
        if (strcmp(t->area, area) != 0 || strcmp(t->band_key, band) != 0)
            continue;
        if (t->community_id && t->community_id != community_id)
            continue;
        if (strcmp(t->effective_from, date) > 0 || (t->effective_to[0] && strcmp(t->effective_to, date) < 0))
            continue;
        if (!best || (t->community_id && !best->community_id) ||
            (!t->community_id == !best->community_id && strcmp(t->effective_from, best->effective_from) > 0))
            best = t;
    }
    return best;
}

int pay_amount(const assist_programme *p, const pay_standards *st, const pay_case_in *c, const char *month,
               pay_amount_out *out)
{
    char date[11];
    memset(out, 0, sizeof *out);
    snprintf(date, sizeof date, "%.7s-01", month);
    int ymd = atoi(month) * 10000 + atoi(month + 5) * 100 + 1;
    ms_err err;
    benefit_result r;
    if (strcmp(p->calc_kind, "one_off") == 0) {
        char a[40];
        out->fen = c->amount_fen;
        snprintf(out->explain, sizeof out->explain, "%s 一次性救助 %s 元", p->name, benefit_yuan(c->amount_fen, a, sizeof a));
        return c->amount_fen > 0 ? 0 : (snprintf(out->hold, sizeof out->hold, "核定金额为 0"), 1);
    }
    const char *band = c->band_key ? c->band_key : "";
    if (strcmp(p->band_by, "age") == 0) {
        int age = derived_age(c->birth_date, NULL, ymd);
        band = age >= 0 ? derived_age_band(age) : NULL;
        if (!band) {
            snprintf(out->hold, sizeof out->hold, "%s 当月 1 日未满七十周岁", month);
            return 1;
        }
    }
    const assist_standard *s = pay_standard_pick(st, c->area, c->community_id, band, date);
    if (!s) {
        snprintf(out->hold, sizeof out->hold, "%s 没有适用的救助标准（%s%s%s）", month,
                 strcmp(c->area, "rural") == 0 ? "农村" : "城市", *band ? "，档次 " : "", band);
        return 1;
    }
    out->standard = *s;
    if (strcmp(p->calc_kind, "topup") == 0) {
        benefit_topup_in in = {.programme = p->name, .standard_fen = s->amount_fen,
                               .members = c->members_counted > 0 ? c->members_counted : 1,
                               .income_fen = c->income_fen, .rounding = p->rounding,
                               .min_payment_fen = p->min_payment_fen};
        if (benefit_topup(&in, &r, &err) != 0) {
            snprintf(out->hold, sizeof out->hold, "%s", err.message);
            return 1;
        }
    } else if (benefit_per_person(p->name, band, s->amount_fen, &r, &err) != 0) {
        snprintf(out->hold, sizeof out->hold, "%s", err.message);
        return 1;
    }
    out->fen = r.fen;
    snprintf(out->explain, sizeof out->explain, "%s", r.explain);
    if (r.fen <= 0) {
        snprintf(out->hold, sizeof out->hold, "核算金额为 0（家庭收入不低于保障标准）");
        return 1;
    }
    return 0;
}

/* ---- runs ----------------------------------------------------------------- */

#define RUN_COLS                                                                                              \
    "r.id, r.programme_id, p.code, p.name, p.calc_kind, r.month, r.status, r.households, r.people, r.total_fen," \
    " r.held, r.computed_by, r.frozen_by, r.computed_at, r.frozen_at, r.exported_at, r.returned_at,"             \
    " (SELECT display_name FROM app_user u WHERE u.id = r.computed_by),"                                         \
    " (SELECT display_name FROM app_user u WHERE u.id = r.frozen_by)"
#define RUN_FROM " FROM assistance_payment_run r JOIN assistance_programme p ON p.id = r.programme_id"

static void run_from_row(db_stmt *s, pay_run *r)
{
    memset(r, 0, sizeof *r);
    r->id = db_col_int(s, 0);
    r->programme_id = db_col_int(s, 1);
    db_col_copy(s, 2, r->programme_code, sizeof r->programme_code);
    db_col_copy(s, 3, r->programme_name, sizeof r->programme_name);
    db_col_copy(s, 4, r->calc_kind, sizeof r->calc_kind);
    db_col_copy(s, 5, r->month, sizeof r->month);
    db_col_copy(s, 6, r->status, sizeof r->status);
    r->households = db_col_int(s, 7);
    r->people = db_col_int(s, 8);
    r->total_fen = db_col_int(s, 9);
    r->held = db_col_int(s, 10);
    r->computed_by = db_col_int(s, 11);
    r->frozen_by = db_col_int(s, 12);
    db_col_copy(s, 13, r->computed_at, sizeof r->computed_at);
    db_col_copy(s, 14, r->frozen_at, sizeof r->frozen_at);
    db_col_copy(s, 15, r->exported_at, sizeof r->exported_at);
    db_col_copy(s, 16, r->returned_at, sizeof r->returned_at);
    db_col_copy(s, 17, r->computed_by_name, sizeof r->computed_by_name);
    db_col_copy(s, 18, r->frozen_by_name, sizeof r->frozen_by_name);
}

int pay_run_load(db_conn *db, int64_t id, pay_run *out, ms_err *err)
{
    db_stmt *s = db_query(db, "SELECT " RUN_COLS RUN_FROM " WHERE r.id = ?", DB_INT(id));
    int rc = db_step(s);
    if (rc == DB_ROW)
        run_from_row(s, out);
    db_finalize(s);
    if (rc == DB_ROW)
        return 0;
    return rc == DB_DONE ? err_set(err, ERR_NOT_FOUND, NULL, "发放批次不存在") : err_db(err);
}

int64_t pay_run_find(db_conn *db, int64_t programme_id, const char *month)
{
    return db_one_int(db, 0, "SELECT id FROM assistance_payment_run WHERE programme_id = ? AND month = ?",
                      DB_INT(programme_id), DB_TEXT(month));
}

static json_t *opt_str(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

json_t *pay_run_json(const pay_run *r)
{
    json_t *j = json_pack("{s:I, s:{s:s, s:s, s:s}, s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "id", (json_int_t)r->id,
                          "programme", "code", r->programme_code, "name", r->programme_name, "calc_kind", r->calc_kind,
                          "month", r->month, "status", r->status,
                          "status_label", strcmp(r->status, "frozen") == 0 ? "已冻结" : "待复核",
                          "households", (json_int_t)r->households, "people", (json_int_t)r->people, "total_fen",
                          (json_int_t)r->total_fen, "held", (json_int_t)r->held);
    json_object_set_new(j, "computed_by", opt_str(r->computed_by_name));
    json_object_set_new(j, "computed_at", opt_str(r->computed_at));
    json_object_set_new(j, "frozen_by", opt_str(r->frozen_by_name));
    json_object_set_new(j, "frozen_at", opt_str(r->frozen_at));
    json_object_set_new(j, "exported_at", opt_str(r->exported_at));
    json_object_set_new(j, "returned_at", opt_str(r->returned_at));
    return j;
}

/* The eligible cases of a programme for a month, with what a line needs:
 * one query (the standards are matched in memory). Monthly programmes:
 * active cases whose period covers the month; one-off: granted cases
 * granted by the month and never paid. `flag` is 1 for a stop flag or an
 * open death / move-out of the beneficiary or a counted member: the open
 * flags (few; none once the sweep has run) are two sets built once per
 * query (uncorrelated IN: SQLite materialises them, PostgreSQL hashes
 * them), not two EXISTS probes per case — 0.1 s of CPU per 100,000. */
static const char *const SQL_ELIGIBLE_HEAD =
    "SELECT ac.id, ac.household_id, ac.resident_id, ac.community_id, ac.area, ac.band_key,"
    " COALESCE(ac.members_counted, 1), COALESCE(ac.income_fen, 0), COALESCE(ac.amount_fen, 0),"
    " ac.bank_name, ac.account_name, ac.account_enc, ac.account_tail, r.birth_date,"
    " CASE WHEN ac.stop_flag IS NOT NULL"
    "   OR ac.resident_id IN (SELECT f.resident_id FROM resident_event_flag f WHERE f.handled_at IS NULL)"
    "   OR ac.id IN (SELECT m.case_id FROM assistance_member m JOIN resident_event_flag f"
    "                ON f.resident_id = m.resident_id AND f.handled_at IS NULL WHERE m.counted = 1)"
    " THEN 1 ELSE 0 END"
    " FROM assistance_case ac JOIN wf_case c ON c.id = ac.id JOIN resident r ON r.id = ac.resident_id"
    " WHERE ac.programme_id = ? ";
static const char *const SQL_ELIGIBLE_MONTHLY =
    "AND c.state = 'active' AND ac.start_month <= ? AND (ac.end_month IS NULL OR ac.end_month >= ?) ORDER BY ac.id";
static const char *const SQL_ELIGIBLE_ONCE =
    "AND c.state = 'granted' AND COALESCE(ac.start_month, substr(c.state_entered_at, 1, 7)) <= ? AND ? <> ''"
    " AND NOT EXISTS (SELECT 1 FROM assistance_payment_line l WHERE l.case_id = ac.id AND l.kind = 'one_off')"
    " ORDER BY ac.id";

static const char *const LINE_COLS =
    "id, run_id, case_id, household_id, resident_id, kind, corrects_run_id, adjustment_id, people, amount_fen,"
    " standard_id, explain, account_name, bank_name, account_enc, account_tail";

typedef struct line_writer {
    db_copy *lines, *holds;
    int64_t run_id, next_id;
} line_writer;

/* One line, its account re-encrypted under the line's own id. */
static int put_line(line_writer *w, int64_t case_id, int64_t hh, int64_t res, const char *kind, int64_t corrects,
                    int64_t adj, int64_t people, int64_t fen, int64_t standard_id, const char *explain,
                    const char *acc_name, const char *bank, const char *account, const char *tail)
{
    char enc[FC_STORED_MAX] = "";
    int64_t id = w->next_id++;
    if (account && *account && fc_encrypt(PAY_COL_LINE_ACCOUNT, id, account, enc) != 0)
        return -1;
    return db_copy_row(w->lines, DB_INT(id), DB_INT(w->run_id), DB_INT(case_id), DB_INT(hh), DB_INT(res),
                       DB_TEXT(kind), DB_ID(corrects), DB_ID(adj), DB_INT(people), DB_INT(fen), DB_ID(standard_id),
                       DB_TEXT(explain), DB_OPT_TEXT(acc_name), DB_OPT_TEXT(bank), DB_OPT_TEXT(enc),
                       DB_OPT_TEXT(tail)) == DB_DONE
               ? 0
               : -1;
}

static int compute_lines(db_conn *db, const assist_programme *p, const char *month, line_writer *w, ms_err *err)
{
    pay_standards st;
    if (pay_standards_load(db, p->id, &st) != 0)
        return err_db(err);
    int once = strcmp(p->calc_kind, "one_off") == 0;
    char sql[2048];
    snprintf(sql, sizeof sql, "%s%s", SQL_ELIGIBLE_HEAD, once ? SQL_ELIGIBLE_ONCE : SQL_ELIGIBLE_MONTHLY);
    db_stmt *s = db_query(db, sql, DB_INT(p->id), DB_TEXT(month), DB_TEXT(month));
    int rc, bad = 0;
    char account[FC_PLAIN_MAX + 1];
    while (!bad && (rc = db_step(s)) == DB_ROW) {
        int64_t case_id = db_col_int(s, 0);
        char area[8], band[16], birth[11];
        db_col_copy(s, 4, area, sizeof area);
        db_col_copy(s, 5, band, sizeof band);
        db_col_copy(s, 13, birth, sizeof birth);
        pay_case_in in = {.area = area, .community_id = db_col_int(s, 3), .band_key = band,
                          .members_counted = (int)db_col_int(s, 6), .income_fen = db_col_int(s, 7),
                          .amount_fen = db_col_int(s, 8), .birth_date = birth};
        pay_amount_out a;
        const char *hold = NULL;
        if (db_col_int(s, 14))
            hold = PAY_HOLD_EVENT;
        else if (fc_decrypt(PAY_COL_CASE_ACCOUNT, case_id, db_col_text(s, 11), account, sizeof account) != 0 ||
                 !account[0])
            hold = "未登记银行账户（或账号无法解密）";
        else if (pay_amount(p, &st, &in, month, &a) != 0)
            hold = a.hold;
        if (hold) {
            bad = db_copy_row(w->holds, DB_INT(w->run_id), DB_INT(case_id), DB_TEXT(hold)) != DB_DONE;
            continue;
        }
        int64_t people = strcmp(p->calc_kind, "topup") == 0 ? (in.members_counted > 0 ? in.members_counted : 1) : 1;
        bad = put_line(w, case_id, db_col_int(s, 1), db_col_int(s, 2), once ? "one_off" : "regular", 0, 0, people,
                       a.fen, a.standard.id, a.explain, db_col_text(s, 10), db_col_text(s, 9), account,
                       db_col_text(s, 12)) != 0;
    }
    sodium_memzero(account, sizeof account);
    db_finalize(s);
    pay_standards_free(&st);
    if (bad || rc != DB_DONE)
        return err_db(err);
    return 0;
}

/* The programme's pending adjustments become arrears / deduction lines. */
static int carry_adjustments(db_conn *db, const assist_programme *p, line_writer *w, ms_err *err)
{
    db_stmt *s = db_query(db,
                          "SELECT a.id, a.case_id, a.corrects_run_id, a.amount_fen, a.reason, ac.household_id,"
                          " ac.resident_id, ac.bank_name, ac.account_name, ac.account_enc, ac.account_tail, cr.month"
                          " FROM assistance_adjustment a JOIN assistance_case ac ON ac.id = a.case_id"
                          " JOIN assistance_payment_run cr ON cr.id = a.corrects_run_id"
                          " WHERE ac.programme_id = ? AND a.applied_run_id IS NULL ORDER BY a.id",
                          DB_INT(p->id));
    int rc, bad = 0;
    char account[FC_PLAIN_MAX + 1], explain[400], yuan[40];
    while (!bad && (rc = db_step(s)) == DB_ROW) {
        int64_t case_id = db_col_int(s, 1), fen = db_col_int(s, 3);
        if (fc_decrypt(PAY_COL_CASE_ACCOUNT, case_id, db_col_text(s, 9), account, sizeof account) != 0)
            account[0] = '\0';
        snprintf(explain, sizeof explain, "%s %s 元（更正 %s 发放批次 #%lld：%s）", fen > 0 ? "补发" : "扣减",
                 benefit_yuan(fen > 0 ? fen : -fen, yuan, sizeof yuan), db_col_text(s, 11),
                 (long long)db_col_int(s, 2), db_col_text(s, 4));
        bad = put_line(w, case_id, db_col_int(s, 5), db_col_int(s, 6), fen > 0 ? "arrears" : "deduction",
                       db_col_int(s, 2), db_col_int(s, 0), 0, fen, 0, explain, db_col_text(s, 8), db_col_text(s, 7),
                       account, db_col_text(s, 10)) != 0;
    }
    sodium_memzero(account, sizeof account);
    db_finalize(s);
    if (bad || rc != DB_DONE)
        return err_db(err);
    return 0;
}

static const char *const SQL_TOTALS =
    "SELECT COUNT(DISTINCT household_id), COALESCE(SUM(people), 0), COALESCE(SUM(amount_fen), 0),"
    " (SELECT COUNT(*) FROM assistance_payment_hold WHERE run_id = ?)"
    " FROM assistance_payment_line WHERE run_id = ?";

static int run_totals(db_conn *db, int64_t run_id, int64_t t[4])
{
    db_stmt *s = db_query(db, SQL_TOTALS, DB_INT(run_id), DB_INT(run_id));
    int rc = db_step(s);
    for (int i = 0; i < 4; i++)
        t[i] = rc == DB_ROW ? db_col_int(s, i) : 0;
    db_finalize(s);
    return rc == DB_ROW ? 0 : -1;
}

int64_t pay_run_compute(db_conn *db, const actor *who, const assist_programme *p, const char *month,
                        int64_t run_id, int64_t *existing, ms_err *err)
{
    char now[20];
    db_now(now);
    if (!pay_month_valid(month))
        return err_set(err, ERR_INVALID, "month", "月份应为 YYYY-MM 格式，如 2026-11");
#ifdef PAY_HAVE_EVENTS_SWEEP
    assist_sweep_result swept;
    if (assist_events_sweep(db, who, NULL, "", &swept) != 0)
        return err_db(err);
#endif
    /* Without the sweep the eligible query itself holds every case with
     * an open death / move-out flag (SQL_ELIGIBLE_HEAD). */
    if (!run_id) {
        int64_t have = pay_run_find(db, p->id, month);
        if (have > 0) {
            if (existing)
                *existing = have;
            return err_set(err, ERR_CONFLICT, "month", "该月已生成发放批次（#%lld）", (long long)have);
        }
        run_id = db_one_int(db, 0, "SELECT COALESCE(MAX(id), 0) + 1 FROM assistance_payment_run");
        int rc = db_exec_args(db,
                              "INSERT INTO assistance_payment_run (id, programme_id, month, status, computed_by,"
                              " computed_at) VALUES (?, ?, ?, 'draft', ?, ?)",
                              DB_INT(run_id), DB_INT(p->id), DB_TEXT(month), DB_ID(who->id), DB_TEXT(now));
        if (rc == DB_CONSTRAINT)
            return err_set(err, ERR_CONFLICT, "month", "该月已生成发放批次");
        if (rc != DB_DONE)
            return err_db(err);
    } else {
        pay_run r;
        if (pay_run_load(db, run_id, &r, err) != 0)
            return -1;
        if (strcmp(r.status, "draft") != 0)
            return err_set(err, ERR_CONFLICT, NULL, "发放批次已冻结，不能重新计算（更正请录入补发/扣减）");
        if (db_exec_args(db, "UPDATE assistance_adjustment SET applied_run_id = NULL WHERE applied_run_id = ?",
                         DB_INT(run_id)) != DB_DONE ||
            db_exec_args(db, "DELETE FROM assistance_payment_line WHERE run_id = ?", DB_INT(run_id)) != DB_DONE ||
            db_exec_args(db, "DELETE FROM assistance_payment_hold WHERE run_id = ?", DB_INT(run_id)) != DB_DONE ||
            db_exec_args(db, "UPDATE assistance_payment_run SET computed_by = ?, computed_at = ? WHERE id = ?",
                         DB_ID(who->id), DB_TEXT(now), DB_INT(run_id)) != DB_DONE)
            return err_db(err);
    }
    line_writer w = {.run_id = run_id,
                     .next_id = db_one_int(db, 0, "SELECT COALESCE(MAX(id), 0) + 1 FROM assistance_payment_line")};
    w.lines = db_copy_open(db, "assistance_payment_line", LINE_COLS, DB_COPY_BATCHED);
    w.holds = db_copy_open(db, "assistance_payment_hold", "run_id, case_id, reason", DB_COPY_BATCHED);
    int rc = compute_lines(db, p, month, &w, err);
    if (rc == 0)
        rc = carry_adjustments(db, p, &w, err);
    if (rc == 0 && (db_copy_flush(w.lines) != DB_DONE || db_copy_flush(w.holds) != DB_DONE))
        rc = err_db(err);
    db_copy_close(w.lines);
    db_copy_close(w.holds);
    if (rc != 0)
        return -1;
    int64_t t[4];
    /* the adjustments carried: one probe of the line's adjustment index
     * per pending adjustment, not a pass over the run's lines */
    if (db_exec_args(db,
                     "UPDATE assistance_adjustment SET applied_run_id = ?1 WHERE applied_run_id IS NULL"
                     " AND EXISTS (SELECT 1 FROM assistance_payment_line l"
                     "             WHERE l.adjustment_id = assistance_adjustment.id AND l.run_id = ?1)",
                     DB_INT(run_id)) != DB_DONE ||
        run_totals(db, run_id, t) != 0 ||
        db_exec_args(db,
                     "UPDATE assistance_payment_run SET households = ?, people = ?, total_fen = ?, held = ?"
                     " WHERE id = ?",
                     DB_INT(t[0]), DB_INT(t[1]), DB_INT(t[2]), DB_INT(t[3]), DB_INT(run_id)) != DB_DONE)
        return err_db(err);
    return run_id;
}

int pay_run_freeze(db_conn *db, const actor *who, int64_t id, ms_err *err)
{
    pay_run r;
    int64_t t[4];
    char now[20];
    if (pay_run_load(db, id, &r, err) != 0)
        return -1;
    if (strcmp(r.status, "draft") != 0)
        return err_set(err, ERR_CONFLICT, NULL, "发放批次已冻结");
    if (r.computed_by == who->id)
        return err_set(err, ERR_FORBIDDEN, NULL, "复核人不能与计算人相同");
    if (run_totals(db, id, t) != 0)
        return err_db(err);
    if (t[0] != r.households || t[1] != r.people || t[2] != r.total_fen || t[3] != r.held)
        return err_set(err, ERR_CONFLICT, NULL, "发放批次的合计与明细不符，请重新计算后再复核");
    if (db_exec_args(db,
                     "UPDATE assistance_payment_run SET status = 'frozen', frozen_by = ?, frozen_at = ?"
                     " WHERE id = ? AND status = 'draft'",
                     DB_ID(who->id), DB_TEXT(db_now(now)), DB_INT(id)) != DB_DONE ||
        db_changes(db) != 1)
        return err_db(err);
    return 0;
}

/* ---- lines and holds of a run, as a reviewer sees them ---------------------- */

int pay_lines_page(db_conn *db, int64_t run_id, const char *path, const char *path_end, int64_t page,
                   int64_t size, int64_t *total, json_t *items)
{
    *total = db_one_int(db, -1,
                        "SELECT COUNT(*) FROM assistance_payment_line l JOIN wf_case c ON c.id = l.case_id"
                        " WHERE l.run_id = ? AND c.org_path >= ? AND c.org_path < ?",
                        DB_INT(run_id), DB_TEXT(path), DB_TEXT(path_end));
    if (*total < 0)
        return -1;
    db_stmt *s = db_query(db,
                          "SELECT l.id, l.case_id, l.kind, l.people, l.amount_fen, l.standard_id, st.amount_fen,"
                          " l.explain, l.account_name, l.bank_name, l.account_tail, l.status, l.bank_note, r.name,"
                          " h.code, cu.name, l.corrects_run_id"
                          " FROM assistance_payment_line l JOIN wf_case c ON c.id = l.case_id"
                          " JOIN resident r ON r.id = l.resident_id JOIN household h ON h.id = l.household_id"
                          " JOIN assistance_case ac ON ac.id = l.case_id JOIN org_unit cu ON cu.id = ac.community_id"
                          " LEFT JOIN assistance_standard st ON st.id = l.standard_id"
                          " WHERE l.run_id = ? AND c.org_path >= ? AND c.org_path < ? ORDER BY l.id LIMIT ? OFFSET ?",
                          DB_INT(run_id), DB_TEXT(path), DB_TEXT(path_end), DB_INT(size), DB_INT((page - 1) * size));
    int rc;
    char masked[32];
    while ((rc = db_step(s)) == DB_ROW) {
        pay_mask_account(db_col_text(s, 10), masked, sizeof masked);
        json_t *j = json_pack("{s:I, s:I, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)db_col_int(s, 0),
                              "case_id", (json_int_t)db_col_int(s, 1), "kind", db_col_text(s, 2), "people",
                              (json_int_t)db_col_int(s, 3), "amount_fen", (json_int_t)db_col_int(s, 4), "explain",
                              db_col_text(s, 7), "account", masked, "status", db_col_text(s, 11), "name",
                              db_col_text(s, 13), "household_code", db_col_text(s, 14));
        json_object_set_new(j, "community", json_string(db_col_text(s, 15)));
        json_object_set_new(j, "account_name", opt_str(db_col_text(s, 8)));
        json_object_set_new(j, "bank_name", opt_str(db_col_text(s, 9)));
        json_object_set_new(j, "bank_note", opt_str(db_col_text(s, 12)));
        json_object_set_new(j, "standard_id", db_col_is_null(s, 5) ? json_null() : json_integer(db_col_int(s, 5)));
        json_object_set_new(j, "standard_fen", db_col_is_null(s, 6) ? json_null() : json_integer(db_col_int(s, 6)));
        json_object_set_new(j, "corrects_run_id",
                            db_col_is_null(s, 16) ? json_null() : json_integer(db_col_int(s, 16)));
        json_array_append_new(items, j);
    }
    db_finalize(s);
    return rc == DB_DONE ? 0 : -1;
}

json_t *pay_holds_json(db_conn *db, int64_t run_id, const char *path, const char *path_end)
{
    json_t *a = json_array();
    db_stmt *s = db_query(db,
                          "SELECT hd.case_id, hd.reason, r.name, h.code FROM assistance_payment_hold hd"
                          " JOIN wf_case c ON c.id = hd.case_id JOIN assistance_case ac ON ac.id = hd.case_id"
                          " JOIN resident r ON r.id = ac.resident_id JOIN household h ON h.id = ac.household_id"
                          " WHERE hd.run_id = ? AND c.org_path >= ? AND c.org_path < ? ORDER BY hd.case_id LIMIT 1000",
                          DB_INT(run_id), DB_TEXT(path), DB_TEXT(path_end));
    while (db_step(s) == DB_ROW)
        json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s}", "case_id", (json_int_t)db_col_int(s, 0), "reason",
                                           db_col_text(s, 1), "name", db_col_text(s, 2), "household_code",
                                           db_col_text(s, 3)));
    db_finalize(s);
    return a;
}

int pay_runs_page(db_conn *db, const char *programme, const char *from, const char *to, const char *status,
                  int64_t page, int64_t size, int64_t *total, json_t *items)
{
    static const char *const WHERE =
        " WHERE (? = '' OR p.code = ?) AND (? = '' OR r.month >= ?) AND (? = '' OR r.month <= ?)"
        " AND (? = '' OR r.status = ?)";
    char sql[1024];
    const char *pr = programme ? programme : "", *f = from ? from : "", *t = to ? to : "", *st = status ? status : "";
    snprintf(sql, sizeof sql, "SELECT COUNT(*)" RUN_FROM "%s", WHERE);
    *total = db_one_int(db, -1, sql, DB_TEXT(pr), DB_TEXT(pr), DB_TEXT(f), DB_TEXT(f), DB_TEXT(t), DB_TEXT(t),
                        DB_TEXT(st), DB_TEXT(st));
    if (*total < 0)
        return -1;
    snprintf(sql, sizeof sql, "SELECT " RUN_COLS RUN_FROM "%s ORDER BY r.month DESC, r.id DESC LIMIT ? OFFSET ?",
             WHERE);
    db_stmt *s = db_query(db, sql, DB_TEXT(pr), DB_TEXT(pr), DB_TEXT(f), DB_TEXT(f), DB_TEXT(t), DB_TEXT(t),
                          DB_TEXT(st), DB_TEXT(st), DB_INT(size), DB_INT((page - 1) * size));
    int rc;
    pay_run r;
    while ((rc = db_step(s)) == DB_ROW) {
        run_from_row(s, &r);
        json_array_append_new(items, pay_run_json(&r));
    }
    db_finalize(s);
    return rc == DB_DONE ? 0 : -1;
}

/* ---- adjustments ------------------------------------------------------------ */

int64_t pay_adjustment_create(db_conn *db, const actor *who, int64_t case_id, int64_t corrects_run_id,
                              int64_t amount_fen, const char *reason, ms_err *err)
{
    char path[256] = "", start[8] = "", end[8] = "", now[20];
    int64_t programme = 0;
    db_stmt *s = db_query(db,
                          "SELECT c.org_path, ac.programme_id, ac.start_month, ac.end_month FROM assistance_case ac"
                          " JOIN wf_case c ON c.id = ac.id WHERE ac.id = ?",
                          DB_INT(case_id));
    int rc = db_step(s);
    if (rc == DB_ROW) {
        db_col_copy(s, 0, path, sizeof path);
        programme = db_col_int(s, 1);
        db_col_copy(s, 2, start, sizeof start);
        db_col_copy(s, 3, end, sizeof end);
    }
    db_finalize(s);
    if (rc != DB_ROW && rc != DB_DONE)
        return err_db(err);
    if (rc != DB_ROW || !actor_scope_contains(who, path))
        return err_set(err, ERR_NOT_FOUND, "case_id", "救助对象不存在或不在您的管辖范围内");
    pay_run r;
    if (pay_run_load(db, corrects_run_id, &r, err) != 0)
        return err->kind == ERR_NOT_FOUND ? err_set(err, ERR_INVALID, "corrects_run_id", "所更正的发放批次不存在") : -1;
    if (strcmp(r.status, "frozen") != 0)
        return err_set(err, ERR_INVALID, "corrects_run_id", "只能更正已冻结的发放批次（未冻结的批次请重新计算）");
    if (r.programme_id != programme)
        return err_set(err, ERR_INVALID, "corrects_run_id", "所更正的发放批次不是该救助对象所属项目的批次");
    int covered = db_exists(db, "SELECT 1 FROM assistance_payment_line WHERE run_id = ? AND case_id = ?",
                            DB_INT(r.id), DB_INT(case_id)) ||
                  db_exists(db, "SELECT 1 FROM assistance_payment_hold WHERE run_id = ? AND case_id = ?",
                            DB_INT(r.id), DB_INT(case_id)) ||
                  (start[0] && strcmp(start, r.month) <= 0 && (!end[0] || strcmp(end, r.month) >= 0));
    if (!covered)
        return err_set(err, ERR_INVALID, "corrects_run_id", "该救助对象不在所更正批次（%s）的发放范围内", r.month);
    if (amount_fen == 0)
        return err_set(err, ERR_INVALID, "amount_fen", "补发/扣减金额不能为 0（扣减为负数，单位：分）");
    if (amount_fen > 100000000 || amount_fen < -100000000)
        return err_set(err, ERR_INVALID, "amount_fen", "补发/扣减金额超出范围");
    if (!reason || !*reason || strlen(reason) > 1500)
        return err_set(err, ERR_INVALID, "reason", "请填写补发/扣减原因（不超过 500 字）");
    int64_t id = db_one_int(db, 0, "SELECT COALESCE(MAX(id), 0) + 1 FROM assistance_adjustment");
    if (db_exec_args(db,
                     "INSERT INTO assistance_adjustment (id, case_id, corrects_run_id, amount_fen, reason, created_by,"
                     " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     DB_INT(id), DB_INT(case_id), DB_INT(r.id), DB_INT(amount_fen), DB_TEXT(reason), DB_ID(who->id),
                     DB_TEXT(db_now(now))) != DB_DONE)
        return err_db(err);
    return id;
}

int pay_adjustments_page(db_conn *db, const char *path, const char *path_end, int64_t case_id, int pending,
                         int64_t page, int64_t size, int64_t *total, json_t *items)
{
    static const char *const FROM =
        " FROM assistance_adjustment a JOIN wf_case c ON c.id = a.case_id JOIN assistance_case ac ON ac.id = a.case_id"
        " JOIN assistance_programme p ON p.id = ac.programme_id JOIN resident r ON r.id = ac.resident_id"
        " JOIN assistance_payment_run cr ON cr.id = a.corrects_run_id"
        " LEFT JOIN assistance_payment_run ar ON ar.id = a.applied_run_id"
        " WHERE c.org_path >= ? AND c.org_path < ? AND (? = 0 OR a.case_id = ?)"
        " AND (? = 0 OR a.applied_run_id IS NULL)";
    char sql[1400];
    snprintf(sql, sizeof sql, "SELECT COUNT(*)%s", FROM);
    *total = db_one_int(db, -1, sql, DB_TEXT(path), DB_TEXT(path_end), DB_INT(case_id), DB_INT(case_id),
                        DB_INT(pending));
    if (*total < 0)
        return -1;
    snprintf(sql, sizeof sql,
             "SELECT a.id, a.case_id, r.name, p.code, p.name, a.corrects_run_id, cr.month, a.amount_fen, a.reason,"
             " a.created_at, a.applied_run_id, ar.month%s ORDER BY a.id DESC LIMIT ? OFFSET ?",
             FROM);
    db_stmt *s = db_query(db, sql, DB_TEXT(path), DB_TEXT(path_end), DB_INT(case_id), DB_INT(case_id),
                          DB_INT(pending), DB_INT(size), DB_INT((page - 1) * size));
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        json_t *j = json_pack("{s:I, s:I, s:s, s:{s:s, s:s}, s:I, s:s, s:I, s:s, s:s}", "id",
                              (json_int_t)db_col_int(s, 0), "case_id", (json_int_t)db_col_int(s, 1), "name",
                              db_col_text(s, 2), "programme", "code", db_col_text(s, 3), "name", db_col_text(s, 4),
                              "corrects_run_id", (json_int_t)db_col_int(s, 5), "corrects_month", db_col_text(s, 6),
                              "amount_fen", (json_int_t)db_col_int(s, 7), "reason", db_col_text(s, 8), "created_at",
                              db_col_text(s, 9));
        json_object_set_new(j, "applied_run_id", db_col_is_null(s, 10) ? json_null() : json_integer(db_col_int(s, 10)));
        json_object_set_new(j, "applied_month", opt_str(db_col_text(s, 11)));
        json_array_append_new(items, j);
    }
    db_finalize(s);
    return rc == DB_DONE ? 0 : -1;
}

/* ---- summary ------------------------------------------------------------------ */

/* Frozen lines in the period under the path (binds: from, to, path, end). */
#define SUM_FROM                                                                                      \
    " FROM assistance_payment_line l JOIN assistance_payment_run r ON r.id = l.run_id"                \
    " JOIN assistance_programme p ON p.id = r.programme_id JOIN wf_case c ON c.id = l.case_id"        \
    " WHERE r.status = 'frozen' AND r.month >= ? AND r.month <= ? AND c.org_path >= ? AND c.org_path < ?"

json_t *pay_summary(db_conn *db, const char *from, const char *to, const char *path)
{
    char end[256];
    org_path_end(path, end);
    json_t *progs = json_array(), *months = json_array();
    int64_t all_hh = 0, all_people = 0, all_fen = 0;
    /* per programme: distinct households paid, the sum; people: the last
     * regular (or one-off) line of each case in the period — members
     * counted for a top-up, one for a per-person benefit */
    db_stmt *s = db_query(db,
                          "SELECT p.code, p.name, p.calc_kind, COUNT(DISTINCT l.household_id), SUM(l.amount_fen),"
                          " (SELECT COALESCE(SUM(l2.people), 0) FROM assistance_payment_line l2"
                          "  JOIN assistance_payment_run r2 ON r2.id = l2.run_id JOIN wf_case c2 ON c2.id = l2.case_id"
                          "  WHERE r2.programme_id = p.id AND r2.status = 'frozen' AND l2.kind IN ('regular', 'one_off')"
                          "  AND r2.month >= ? AND r2.month <= ? AND c2.org_path >= ? AND c2.org_path < ?"
                          "  AND NOT EXISTS (SELECT 1 FROM assistance_payment_line l3"
                          "   JOIN assistance_payment_run r3 ON r3.id = l3.run_id"
                          "   WHERE l3.case_id = l2.case_id AND l3.kind IN ('regular', 'one_off') AND r3.status = 'frozen'"
                          "   AND r3.month > r2.month AND r3.month <= ?))" SUM_FROM
                          " GROUP BY p.id, p.code, p.name, p.calc_kind ORDER BY p.id",
                          DB_TEXT(from), DB_TEXT(to), DB_TEXT(path), DB_TEXT(end), DB_TEXT(to), DB_TEXT(from),
                          DB_TEXT(to), DB_TEXT(path), DB_TEXT(end));
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int64_t hh = db_col_int(s, 3), fen = db_col_int(s, 4), people = db_col_int(s, 5);
        json_array_append_new(progs, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I}", "code", db_col_text(s, 0), "name",
                                               db_col_text(s, 1), "calc_kind", db_col_text(s, 2), "households",
                                               (json_int_t)hh, "people", (json_int_t)people, "total_fen",
                                               (json_int_t)fen));
        all_hh += hh;
        all_people += people;
        all_fen += fen;
    }
    db_finalize(s);
    if (rc != DB_DONE)
        goto fail;
    s = db_query(db,
                 "SELECT r.month, COUNT(DISTINCT l.household_id), SUM(l.amount_fen)" SUM_FROM
                 " GROUP BY r.month ORDER BY r.month",
                 DB_TEXT(from), DB_TEXT(to), DB_TEXT(path), DB_TEXT(end));
    while ((rc = db_step(s)) == DB_ROW)
        json_array_append_new(months, json_pack("{s:s, s:I, s:I}", "month", db_col_text(s, 0), "households",
                                                (json_int_t)db_col_int(s, 1), "total_fen",
                                                (json_int_t)db_col_int(s, 2)));
    db_finalize(s);
    if (rc != DB_DONE)
        goto fail;
    /* per community (the cases' community), for the table by unit */
    json_t *units = json_array();
    s = db_query(db,
                 "SELECT cu.id, cu.name, COUNT(DISTINCT l.household_id), SUM(l.amount_fen)"
                 " FROM assistance_payment_line l JOIN assistance_payment_run r ON r.id = l.run_id"
                 " JOIN wf_case c ON c.id = l.case_id JOIN assistance_case ac ON ac.id = l.case_id"
                 " JOIN org_unit cu ON cu.id = ac.community_id"
                 " WHERE r.status = 'frozen' AND r.month >= ? AND r.month <= ? AND c.org_path >= ? AND c.org_path < ?"
                 " GROUP BY cu.id, cu.name ORDER BY cu.id",
                 DB_TEXT(from), DB_TEXT(to), DB_TEXT(path), DB_TEXT(end));
    while ((rc = db_step(s)) == DB_ROW)
        json_array_append_new(units, json_pack("{s:I, s:s, s:I, s:I}", "id", (json_int_t)db_col_int(s, 0), "name",
                                               db_col_text(s, 1), "households", (json_int_t)db_col_int(s, 2),
                                               "total_fen", (json_int_t)db_col_int(s, 3)));
    db_finalize(s);
    if (rc != DB_DONE) {
        json_decref(units);
        goto fail;
    }
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:{s:I, s:I, s:I}}", "from", from, "to", to, "programmes", progs,
                     "communities", units, "months", months, "total", "households", (json_int_t)all_hh, "people", (json_int_t)all_people, "total_fen",
                     (json_int_t)all_fen);
fail:
    json_decref(progs);
    json_decref(months);
    return NULL;
}

/* ---- key rotation --------------------------------------------------------------- */

const fc_column_sql pay_line_account_crypt = {
    .column = PAY_COL_LINE_ACCOUNT,
    .next = "SELECT id, NULL, account_enc FROM assistance_payment_line WHERE id > ? AND account_enc IS NOT NULL"
            " AND account_enc NOT LIKE ? ORDER BY id LIMIT ?",
    .set = "UPDATE assistance_payment_line SET account_enc = ? WHERE id = ?",
    .status = "SELECT 0, COUNT(CASE WHEN account_enc NOT LIKE ? THEN 1 END),"
              " COUNT(CASE WHEN account_enc LIKE ? THEN 1 END) FROM assistance_payment_line",
};

const fc_column_sql pay_case_account_crypt = {
    .column = PAY_COL_CASE_ACCOUNT,
    .next = "SELECT id, NULL, account_enc FROM assistance_case WHERE id > ? AND account_enc IS NOT NULL"
            " AND account_enc NOT LIKE ? ORDER BY id LIMIT ?",
    .set = "UPDATE assistance_case SET account_enc = ? WHERE id = ?",
    .status = "SELECT 0, COUNT(CASE WHEN account_enc NOT LIKE ? THEN 1 END),"
              " COUNT(CASE WHEN account_enc LIKE ? THEN 1 END) FROM assistance_case",
};
