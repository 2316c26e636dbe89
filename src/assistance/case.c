/* case.c — applications and steps of social assistance cases (see
 * case.h): the SQL of assistance_case, assistance_member,
 * assistance_income, assistance_investigation and assistance_review. */
#include "assistance/case.h"
#include "assistance/benefit.h"
#include "assistance/case_flow.h"
#include "assistance/notice.h"
#include "assistance/relative.h"
#include "registry/household.h"
#include "registry/resident.h"
#include "workflow/calendar.h"
#include "core/fieldcrypt.h"
#include "util/idcard.h"
#include "util/validate.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_CHARS 500   /* reason, housing, notes …: at most this many characters */

static const char *const SQL_INSERT =
    "INSERT INTO assistance_case (id, programme_id, household_id, resident_id, community_id, area, band_key, reason,"
    " source, requested_fen, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)";

/* Everything a step may change, guarded by the version read. */
static const char *const SQL_SAVE =
    "UPDATE assistance_case SET band_key = ?, members_counted = ?, income_fen = ?, amount_fen = ?, standard_id = ?,"
    " review_class = ?, next_review_on = ?, start_month = ?, end_month = ?, stop_flag = ?,"
    " stop_flag_resident_id = ?, stop_flag_date = ?, version = version + 1, updated_at = ?"
    " WHERE id = ? AND version = ?";

static const char *const INCOME_SOURCES[] = {"wage", "pension", "business", "agriculture", "property",
                                             "support", "transfer", "other", NULL};

/* ---- small helpers ---------------------------------------------------------- */

static void copy(char *dst, size_t sz, const char *src)
{
    snprintf(dst, sz, "%s", src ? src : "");
}

static int text_too_long(const char *s, long max)
{
    long n = s ? utf8_length(s) : 0;
    return n < 0 || n > max;
}

/* "YYYY-MM" of a "YYYY-MM-DD…" date. */
static void month_of(const char *date, char out[static 8])
{
    snprintf(out, 8, "%.7s", date);
}

static int month_is_valid(const char *m)
{
    char d[11];
    if (!m || strlen(m) != 7)
        return 0;
    snprintf(d, sizeof d, "%s-01", m);
    return date_is_valid(d);
}

static int ymd_of(const char *date)
{
    int y = 0, m = 0, d = 0;
    sscanf(date, "%d-%d-%d", &y, &m, &d);
    return y * 10000 + m * 100 + d;
}

/* date + months, the day kept or brought back to the month's last. */
static void add_months(const char *date, int months, char out[static 11])
{
    static const int DAYS[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = 0, m = 0, d = 0;
    sscanf(date, "%d-%d-%d", &y, &m, &d);
    int total = y * 12 + (m - 1) + months;
    y = total / 12;
    m = total % 12 + 1;
    int last = DAYS[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    d = d > last ? last : d < 1 ? 1 : d;
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u, (unsigned)d % 100u);
}

/* The programme's settings, parsed (new reference; an empty object when unreadable). */
static json_t *settings_of(const assist_programme *p)
{
    json_t *s = json_loads(p->settings, 0, NULL);
    if (!json_is_object(s)) {
        json_decref(s);
        s = json_object();
    }
    return s;
}

/* 1 when the settings' "excludes" array holds code. */
static int settings_excludes(json_t *settings, const char *code)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(settings, "excludes"), i, v) {
        if (json_is_string(v) && strcmp(json_string_value(v), code) == 0)
            return 1;
    }
    return 0;
}

static int settings_excludes_text(const char *settings_text, const char *code)
{
    json_t *s = json_loads(settings_text, 0, NULL);
    int r = settings_excludes(s, code);
    json_decref(s);
    return r;
}

/* ---- loading ----------------------------------------------------------------- */

static int64_t col_opt(db_stmt *s, int col)
{
    return db_col_is_null(s, col) ? -1 : db_col_int(s, col);
}

void case_from_row(db_stmt *s, assist_case *k)
{
    memset(k, 0, sizeof *k);
    k->programme_id = db_col_int(s, 0);
    db_col_copy(s, 1, k->programme_code, sizeof k->programme_code);
    db_col_copy(s, 2, k->programme_name, sizeof k->programme_name);
    db_col_copy(s, 3, k->calc_kind, sizeof k->calc_kind);
    k->household_id = db_col_int(s, 4);
    k->resident_id = db_col_int(s, 5);
    k->community_id = db_col_int(s, 6);
    db_col_copy(s, 7, k->area, sizeof k->area);
    db_col_copy(s, 8, k->band_key, sizeof k->band_key);
    db_col_copy(s, 9, k->source, sizeof k->source);
    db_col_copy(s, 10, k->reason, sizeof k->reason);
    k->members_counted = col_opt(s, 11);
    k->income_fen = col_opt(s, 12);
    k->requested_fen = col_opt(s, 13);
    k->amount_fen = col_opt(s, 14);
    k->standard_id = col_opt(s, 15);
    db_col_copy(s, 16, k->review_class, sizeof k->review_class);
    db_col_copy(s, 17, k->next_review_on, sizeof k->next_review_on);
    db_col_copy(s, 18, k->start_month, sizeof k->start_month);
    db_col_copy(s, 19, k->end_month, sizeof k->end_month);
    db_col_copy(s, 20, k->conflict_note, sizeof k->conflict_note);
    db_col_copy(s, 21, k->stop_flag, sizeof k->stop_flag);
    k->stop_flag_resident_id = db_col_int(s, 22);
    db_col_copy(s, 23, k->stop_flag_date, sizeof k->stop_flag_date);
    db_col_copy(s, 24, k->bank_name, sizeof k->bank_name);
    db_col_copy(s, 25, k->account_name, sizeof k->account_name);
    db_col_copy(s, 26, k->account_tail, sizeof k->account_tail);
    k->version = db_col_int(s, 27);
    db_col_copy(s, 28, k->created_at, sizeof k->created_at);
    db_col_copy(s, 29, k->updated_at, sizeof k->updated_at);
    db_col_copy(s, 30, k->applicant_name, sizeof k->applicant_name);
    db_col_copy(s, 31, k->household_code, sizeof k->household_code);
    char idn[32] = "";
    if (!db_col_is_null(s, 32) && fc_decrypt("resident.id_number", k->resident_id, db_col_text(s, 32), idn, sizeof idn) == 0 &&
        strlen(idn) == 18)
        idcard_mask(idn, k->id_masked);
    sodium_memzero(idn, sizeof idn);
    db_col_copy(s, 33, k->grid_name, sizeof k->grid_name);
    db_col_copy(s, 34, k->community_name, sizeof k->community_name);
    wf_case_from_row(s, 35, &k->c);
}

int case_get(db_conn *db, int64_t id, assist_case *out)
{
    db_stmt *s = db_query(db, CASE_SELECT " WHERE a.id = ?", DB_INT(id));
    if (!s)
        return -1;
    int rc = db_step(s);
    if (rc == DB_ROW)
        case_from_row(s, out);
    db_finalize(s);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}

static const char *income_source(const char *s)
{
    for (size_t i = 0; INCOME_SOURCES[i]; i++)
        if (strcmp(INCOME_SOURCES[i], s) == 0)
            return INCOME_SOURCES[i];
    return "other";
}

int case_record_load(db_conn *db, int64_t id, case_record *out)
{
    memset(out, 0, sizeof *out);
    db_stmt *s = db_query(db, "SELECT id, resident_id, name, relation, counted FROM assistance_member WHERE case_id = ? ORDER BY id",
                          DB_INT(id));
    int rc = s ? DB_ROW : -1;
    while (s && (rc = db_step(s)) == DB_ROW && out->nmembers < CASE_MAX_MEMBERS) {
        case_member *m = &out->members[out->nmembers++];
        m->id = db_col_int(s, 0);
        m->resident_id = db_col_int(s, 1);
        db_col_copy(s, 2, m->name, sizeof m->name);
        db_col_copy(s, 3, m->relation, sizeof m->relation);
        m->counted = (int)db_col_int(s, 4);
    }
    db_finalize(s);
    if (rc != DB_DONE && rc != DB_ROW)
        return -1;
    s = db_query(db, "SELECT member_id, source, monthly_fen FROM assistance_income WHERE case_id = ? ORDER BY id", DB_INT(id));
    while (s && (rc = db_step(s)) == DB_ROW) {
        for (size_t i = 0; i < out->nmembers; i++) {
            case_member *m = &out->members[i];
            if (m->id == db_col_int(s, 0) && m->nincomes < CASE_MAX_INCOMES)
                m->incomes[m->nincomes++] = (case_income_in){income_source(db_col_text(s, 1)), db_col_int(s, 2)};
        }
    }
    db_finalize(s);
    if (!s || rc != DB_DONE)
        return -1;
    s = db_query(db,
                 "SELECT investigated_on, investigators, deposits_fen, housing, vehicles, assets_note, conclusion,"
                 " recorded_at FROM assistance_investigation WHERE case_id = ?",
                 DB_INT(id));
    if (!s)
        return -1;
    if ((rc = db_step(s)) == DB_ROW) {
        out->has_investigation = 1;
        db_col_copy(s, 0, out->investigated_on, sizeof out->investigated_on);
        db_col_copy(s, 1, out->investigators, sizeof out->investigators);
        out->deposits_fen = db_col_int(s, 2);
        db_col_copy(s, 3, out->housing, sizeof out->housing);
        db_col_copy(s, 4, out->vehicles, sizeof out->vehicles);
        db_col_copy(s, 5, out->assets_note, sizeof out->assets_note);
        db_col_copy(s, 6, out->conclusion, sizeof out->conclusion);
        db_col_copy(s, 7, out->recorded_at, sizeof out->recorded_at);
    }
    db_finalize(s);
    if (rc != DB_ROW && rc != DB_DONE)
        return -1;
    s = db_query(db,
                 "SELECT held_on, participants, votes_for, votes_against, votes_abstain, result, notes"
                 " FROM assistance_review WHERE case_id = ?",
                 DB_INT(id));
    if (!s)
        return -1;
    if ((rc = db_step(s)) == DB_ROW) {
        out->has_review = 1;
        db_col_copy(s, 0, out->held_on, sizeof out->held_on);
        db_col_copy(s, 1, out->participants, sizeof out->participants);
        out->votes_for = db_col_int(s, 2);
        out->votes_against = db_col_int(s, 3);
        out->votes_abstain = db_col_int(s, 4);
        db_col_copy(s, 5, out->result, sizeof out->result);
        db_col_copy(s, 6, out->review_notes, sizeof out->review_notes);
    }
    db_finalize(s);
    return rc == DB_ROW || rc == DB_DONE ? 0 : -1;
}

const wf_type *case_type_of(const assist_case *k)
{
    return assist_case_type(k->calc_kind);
}

/* ---- application --------------------------------------------------------------- */

/* The open cases (any programme) of the people the application concerns
 * — the applicant, or for a top-up every active member of the household
 * — as applicant or counted member, and the household's own open cases. */
#define PEOPLE_TOPUP "SELECT id FROM resident WHERE household_id = ?1 AND status = 'active'"
#define PEOPLE_ONE "SELECT ?1"
#define DUP_SELECT(people, household)                                                                               \
    "SELECT a.id, r.name, p.name, p.code, p.settings, c.state, c.type FROM assistance_case a"                     \
    " JOIN wf_case c ON c.id = a.id JOIN assistance_programme p ON p.id = a.programme_id"                         \
    " JOIN resident r ON r.id = a.resident_id WHERE c.closed_at IS NULL AND (a.resident_id IN (" people ")"       \
    household ")"                                                                                                   \
    " UNION SELECT a.id, r.name, p.name, p.code, p.settings, c.state, c.type FROM assistance_member m"             \
    " JOIN assistance_case a ON a.id = m.case_id JOIN wf_case c ON c.id = a.id"                                   \
    " JOIN assistance_programme p ON p.id = a.programme_id JOIN resident r ON r.id = m.resident_id"               \
    " WHERE c.closed_at IS NULL AND m.counted = 1 AND m.resident_id IN (" people ")"                              \
    " ORDER BY 1"

/* Finds the duplicates of an application for programme p: the same
 * programme open or active (a top-up: for any member of the household;
 * else for the person), or an incompatible programme active (either
 * programme's settings.excludes names the other). Returns how many, or
 * -1 on a database error. */
static int find_duplicates(db_conn *db, const assist_programme *p, json_t *settings, int64_t household_id,
                           int64_t resident_id, case_conflict *out, size_t max)
{
    int topup = strcmp(p->calc_kind, "topup") == 0;
    db_stmt *s = topup ? db_query(db, DUP_SELECT(PEOPLE_TOPUP, " OR a.household_id = ?1"), DB_INT(household_id))
                       : db_query(db, db_sql(db, DUP_SELECT(PEOPLE_ONE, ""), DUP_SELECT("SELECT ?1::bigint", "")),
                                  DB_INT(resident_id));
    if (!s)
        return -1;
    size_t n = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW && n < max) {
        const char *code = db_col_text(s, 3);
        int same = strcmp(code, p->code) == 0;
        int active = strcmp(db_col_text(s, 5), "active") == 0;
        int excl = !same && active && (settings_excludes(settings, code) || settings_excludes_text(db_col_text(s, 4), p->code));
        if (!same && !excl)
            continue;
        const wf_type *t = strcmp(db_col_text(s, 6), ASSIST_ONCE.code) == 0 ? &ASSIST_ONCE : &ASSIST_CASE;
        const wf_state *st = wf_state_find(t, db_col_text(s, 5));
        case_conflict *c = &out[n++];
        memset(c, 0, sizeof *c);
        c->case_id = db_col_int(s, 0);
        db_col_copy(s, 1, c->person, sizeof c->person);
        db_col_copy(s, 2, c->programme, sizeof c->programme);
        copy(c->state_label, sizeof c->state_label, st ? st->label : db_col_text(s, 5));
        c->excludes = excl;
    }
    db_finalize(s);
    return rc == DB_ROW || rc == DB_DONE ? (int)n : -1;
}

/* The band of a per-person programme for the person on date today (age
 * bands computed from the ID number; disability from the registry; kind
 * bands as given, checked against settings.bands) into band ("" for a
 * single amount). 0, or -1 with ERR_INVALID / ERR_CONFLICT. */
static int band_for(const assist_programme *p, json_t *settings, const resident *r, const char *given,
                    const char *today, char band[16], ms_err *err)
{
    band[0] = '\0';
    if (strcmp(p->calc_kind, "per_person") != 0 || !p->band_by[0]) {
        if (given && *given)
            return err_set(err, ERR_INVALID, "band_key", "%s不分档次，不能指定 band_key", p->name);
        return 0;
    }
    if (strcmp(p->band_by, "kind") == 0) {
        json_t *bands = json_object_get(settings, "bands");
        if (!given || !*given || !json_object_get(bands, given)) {
            char keys[200] = "";
            const char *key;
            json_t *v;
            size_t n = 0;
            json_object_foreach(bands, key, v) {
                n += (size_t)snprintf(keys + n, n < sizeof keys ? sizeof keys - n : 0, "%s%s（%s）", n ? "、" : "", key,
                                      json_string_value(v) ? json_string_value(v) : "");
                if (n >= sizeof keys)
                    n = sizeof keys - 1;
            }
            return err_set(err, ERR_INVALID, "band_key", "%s须指定类别 band_key：%s", p->name, keys);
        }
        copy(band, 16, given);
        return 0;
    }
    if (given && *given)
        return err_set(err, ERR_INVALID, "band_key", "%s的档次由%s确定，不能指定 band_key", p->name,
                       strcmp(p->band_by, "age") == 0 ? "年龄" : "残疾等级");
    if (strcmp(p->band_by, "disability_grade") == 0) {
        if (r->disability_grade <= 0)
            return err_set(err, ERR_CONFLICT, "resident_id", "%s未登记残疾等级，不能申请%s", r->name, p->name);
        snprintf(band, 16, "%d", r->disability_grade);
        return 0;
    }
    if (strcmp(p->band_by, "age") == 0) {
        const char *b = NULL;
        ms_err e2;
        if (benefit_age_band(r->id_number, ymd_of(today), &b, &e2) != 0 || !b)
            return err_set(err, ERR_CONFLICT, "resident_id", "%s未满70周岁，不在%s的范围内", r->name, p->name);
        copy(band, 16, "");   /* age bands are computed each month, never stored */
        return 0;
    }
    return 0;
}

int64_t case_create(db_conn *db, const actor *who, const char *ip, const case_new *in, case_conflict *conflicts,
                    size_t *nconflicts, ms_err *err)
{
    static const char *const SOURCES[] = {"application", "policy_find", NULL};
    assist_programme p;
    household h;
    resident r;
    char today[11], band[16], title[WF_TITLE_CHARS * 4 + 1], now[20];
    *nconflicts = 0;
    if (!in->programme || !*in->programme)
        return err_set(err, ERR_INVALID, "programme", "缺少必填字段 programme（救助项目代码）");
    if (programme_load(db, in->programme, &p, err) != 0)
        return err->kind == ERR_NOT_FOUND ? err_set(err, ERR_INVALID, "programme", "救助项目不存在：%s", in->programme)
                                          : -1;
    if (!p.active)
        return err_set(err, ERR_CONFLICT, "programme", "%s已停办，不再受理申请", p.name);
    if (in->source && *in->source && !str_in_set(in->source, SOURCES))
        return err_set(err, ERR_INVALID, "source", "source 只能是 application（申请）或 policy_find（政策找人）");
    if (in->area && *in->area && strcmp(in->area, "urban") != 0 && strcmp(in->area, "rural") != 0)
        return err_set(err, ERR_INVALID, "area", "地区类别只能是城市（urban）或农村（rural）");
    if (in->reason && (text_too_long(in->reason, TEXT_CHARS) || !text_is_clean(in->reason, 1)))
        return err_set(err, ERR_INVALID, "reason", "申请理由不能超过%d个字", TEXT_CHARS);
    int one_off = strcmp(p.calc_kind, "one_off") == 0;
    if (one_off && in->requested_fen <= 0)
        return err_set(err, ERR_INVALID, "requested_fen", "%s须填写申请金额 requested_fen（分，大于0）", p.name);
    if (!one_off && in->requested_fen != 0)
        return err_set(err, ERR_INVALID, "requested_fen", "%s按标准计发，不填写申请金额", p.name);

    int rc = household_get(db, in->household_id, &h);
    if (rc < 0)
        return err_db(err);
    if (rc > 0 || !actor_scope_contains(who, h.grid_path))
        return err_set(err, ERR_NOT_FOUND, "household_id", "户不存在或不在您的管辖范围内");
    if ((rc = resident_get(db, in->resident_id, &r)) < 0)
        return err_db(err);
    if (rc > 0 || !actor_scope_contains(who, r.grid_path))
        return err_set(err, ERR_NOT_FOUND, "resident_id", "居民不存在或不在您的管辖范围内");
    if (r.household_id != h.id)
        return err_set(err, ERR_INVALID, "resident_id", "%s不是该户（户编号 %s）的成员", r.name, h.code);
    if (strcmp(h.status, "active") != 0)
        return err_set(err, ERR_CONFLICT, "household_id", "该户（户编号 %s）已注销，不能申请", h.code);
    if (strcmp(r.status, "active") != 0)
        return err_set(err, ERR_CONFLICT, "resident_id", "%s已%s，不能申请%s", r.name,
                       strcmp(r.status, "deceased") == 0 ? "死亡登记" : "迁出", p.name);

    json_t *settings = settings_of(&p);
    date_today_text(today);
    if (band_for(&p, settings, &r, in->band_key, today, band, err) != 0) {
        json_decref(settings);
        return -1;
    }
    int n = find_duplicates(db, &p, settings, h.id, r.id, conflicts, CASE_MAX_CONFLICTS);
    json_decref(settings);
    if (n < 0)
        return err_db(err);
    if (n > 0) {
        *nconflicts = (size_t)n;
        const case_conflict *c = &conflicts[0];
        if (c->excludes)
            return err_set(err, ERR_CONFLICT, NULL, "%s正在享受%s（案件 %lld），不能同时申请%s", c->person,
                           c->programme, (long long)c->case_id, p.name);
        return err_set(err, ERR_CONFLICT, NULL, "%s已有%s案件（案件 %lld，%s），不能重复申请", c->person,
                       c->programme, (long long)c->case_id, c->state_label);
    }

    const char *area = in->area && *in->area ? in->area : strcmp(r.hukou_type, "农村") == 0 ? "rural" : "urban";
    snprintf(title, sizeof title, "%s %s申请", r.name, p.name);
    utf8_trim_partial(title);
    int64_t id = wf_create(db, assist_case_type(p.calc_kind), h.grid_path, title, who, ip, err);
    if (id < 0)
        return -1;
    db_now(now);
    if (db_exec_args(db, SQL_INSERT, DB_INT(id), DB_INT(p.id), DB_INT(h.id), DB_INT(r.id), DB_INT(h.community_id),
                     DB_TEXT(area), DB_TEXT(band), DB_TEXT(in->reason ? in->reason : ""),
                     DB_TEXT(in->source && *in->source ? in->source : "application"),
                     one_off ? DB_INT(in->requested_fen) : DB_NULL, DB_TEXT(now), DB_TEXT(now)) != DB_DONE)
        return err_db(err);
    char note[400];
    if ((rc = relative_household_note(db, h.id, note, sizeof note)) < 0)
        return err_db(err);
    if (rc > 0 && db_exec_args(db, "UPDATE assistance_case SET conflict_note = ? WHERE id = ?", DB_TEXT(note),
                               DB_INT(id)) != DB_DONE)
        return err_db(err);
    return id;
}

/* ---- what the steps record ----------------------------------------------------- */

static int check_investigation(const case_investigation_in *v, const char *today, ms_err *err)
{
    if (!v->investigated_on || !date_is_valid(v->investigated_on))
        return err_set(err, ERR_INVALID, "investigation.investigated_on", "调查日期格式应为 YYYY-MM-DD");
    if (strcmp(v->investigated_on, today) > 0)
        return err_set(err, ERR_INVALID, "investigation.investigated_on", "调查日期不能晚于今天");
    if (!v->investigators)
        return err_set(err, ERR_INVALID, "investigation.investigators", "入户调查须由至少两名调查人员进行，请填写调查人员姓名");
    if (v->deposits_fen < 0)
        return err_set(err, ERR_INVALID, "investigation.deposits_fen", "存款金额不能为负数");
    const char *texts[] = {v->housing, v->vehicles, v->assets_note, v->conclusion};
    const char *names[] = {"investigation.housing", "investigation.vehicles", "investigation.assets_note",
                           "investigation.conclusion"};
    for (int i = 0; i < 4; i++)
        if (texts[i] && (text_too_long(texts[i], TEXT_CHARS) || !text_is_clean(texts[i], 1)))
            return err_set(err, ERR_INVALID, names[i], "调查记录的每项不能超过%d个字", TEXT_CHARS);
    return 0;
}

/* Checks the members: each registered one a resident of the case's
 * household, alive and not moved out, no one twice; a named one with a
 * valid name; incomes of a known source, not negative. */
static int check_members(db_conn *db, const assist_case *k, const case_member_in *m, size_t n, ms_err *err)
{
    if (n == 0)
        return err_set(err, ERR_INVALID, "members", "请填写家庭成员（members）");
    if (n > CASE_MAX_MEMBERS)
        return err_set(err, ERR_INVALID, "members", "家庭成员不能超过%d人", CASE_MAX_MEMBERS);
    for (size_t i = 0; i < n; i++) {
        if (m[i].resident_id > 0) {
            resident r;
            int rc = resident_get(db, m[i].resident_id, &r);
            if (rc < 0)
                return err_db(err);
            if (rc > 0 || r.household_id != k->household_id)
                return err_set(err, ERR_INVALID, "members", "第%zu位成员（居民 %lld）不是该户的居民", i + 1,
                               (long long)m[i].resident_id);
            if (strcmp(r.status, "active") != 0)
                return err_set(err, ERR_INVALID, "members", "第%zu位成员%s已%s，不能计入家庭成员", i + 1, r.name,
                               strcmp(r.status, "deceased") == 0 ? "死亡登记" : "迁出");
            for (size_t j = 0; j < i; j++)
                if (m[j].resident_id == m[i].resident_id)
                    return err_set(err, ERR_INVALID, "members", "%s重复列出", r.name);
        } else if (!m[i].name || !person_name_is_valid(m[i].name)) {
            return err_set(err, ERR_INVALID, "members", "第%zu位成员须给出 resident_id 或有效的姓名", i + 1);
        }
        if (m[i].relation && (text_too_long(m[i].relation, 10) || !*m[i].relation))
            return err_set(err, ERR_INVALID, "members", "第%zu位成员的关系不能超过10个字", i + 1);
        if (m[i].nincomes > CASE_MAX_INCOMES)
            return err_set(err, ERR_INVALID, "members", "每位成员的收入不能超过%d项", CASE_MAX_INCOMES);
        for (size_t j = 0; j < m[i].nincomes; j++) {
            if (!m[i].incomes[j].source || !str_in_set(m[i].incomes[j].source, INCOME_SOURCES))
                return err_set(err, ERR_INVALID, "members",
                               "第%zu位成员的收入来源只能是 wage、pension、business、agriculture、property、support、"
                               "transfer 或 other",
                               i + 1);
            if (m[i].incomes[j].monthly_fen < 0)
                return err_set(err, ERR_INVALID, "members", "第%zu位成员的月收入不能为负数", i + 1);
        }
    }
    return 0;
}

/* Replaces the members and their incomes; counted members and the sum
 * of their monthly incomes into *counted, *income. */
static int write_members(db_conn *db, int64_t case_id, const case_member_in *m, size_t n, int64_t *counted,
                         int64_t *income, ms_err *err)
{
    *counted = 0;
    *income = 0;
    if (db_exec_args(db, "DELETE FROM assistance_income WHERE case_id = ?", DB_INT(case_id)) != DB_DONE ||
        db_exec_args(db, "DELETE FROM assistance_member WHERE case_id = ?", DB_INT(case_id)) != DB_DONE)
        return err_db(err);
    for (size_t i = 0; i < n; i++) {
        char name[208] = "";
        if (m[i].resident_id > 0)
            db_one_text(db, name, sizeof name, "SELECT name FROM resident WHERE id = ?", DB_INT(m[i].resident_id));
        else
            copy(name, sizeof name, m[i].name);
        if (db_exec_args(db, "INSERT INTO assistance_member (case_id, resident_id, name, relation, counted) VALUES (?,?,?,?,?)",
                         DB_INT(case_id), DB_ID(m[i].resident_id), DB_TEXT(name),
                         DB_TEXT(m[i].relation ? m[i].relation : "其他"), DB_INT(m[i].counted ? 1 : 0)) != DB_DONE)
            return err_db(err);
        int64_t mid = db_last_insert_id(db);
        *counted += m[i].counted ? 1 : 0;
        for (size_t j = 0; j < m[i].nincomes; j++) {
            if (db_exec_args(db, "INSERT INTO assistance_income (case_id, member_id, source, monthly_fen) VALUES (?,?,?,?)",
                             DB_INT(case_id), DB_INT(mid), DB_TEXT(m[i].incomes[j].source),
                             DB_INT(m[i].incomes[j].monthly_fen)) != DB_DONE)
                return err_db(err);
            if (m[i].counted) {
                if (*income > INT64_MAX - m[i].incomes[j].monthly_fen)
                    return err_set(err, ERR_INVALID, "members", "收入合计过大");
                *income += m[i].incomes[j].monthly_fen;
            }
        }
    }
    return 0;
}

static int write_investigation(db_conn *db, const actor *who, int64_t case_id, const case_investigation_in *v,
                               ms_err *err)
{
    char now[20];
    if (db_exec_args(db, "DELETE FROM assistance_investigation WHERE case_id = ?", DB_INT(case_id)) != DB_DONE ||
        db_exec_args(db,
                     "INSERT INTO assistance_investigation (case_id, investigated_on, investigators, deposits_fen,"
                     " housing, vehicles, assets_note, conclusion, recorded_by, recorded_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                     DB_INT(case_id), DB_TEXT(v->investigated_on), DB_TEXT(v->investigators), DB_INT(v->deposits_fen),
                     DB_TEXT(v->housing ? v->housing : ""), DB_TEXT(v->vehicles ? v->vehicles : ""),
                     DB_TEXT(v->assets_note ? v->assets_note : ""), DB_TEXT(v->conclusion ? v->conclusion : ""),
                     DB_ID(who ? who->id : 0), DB_TEXT(db_now(now))) != DB_DONE)
        return err_db(err);
    return 0;
}

static int write_review(db_conn *db, const actor *who, int64_t case_id, const case_review_in *v, int pass,
                        const char *today, ms_err *err)
{
    char now[20];
    if (!v->held_on || !date_is_valid(v->held_on))
        return err_set(err, ERR_INVALID, "review.held_on", "评议日期格式应为 YYYY-MM-DD");
    if (strcmp(v->held_on, today) > 0)
        return err_set(err, ERR_INVALID, "review.held_on", "评议日期不能晚于今天");
    if (!v->participants || !*v->participants || text_too_long(v->participants, TEXT_CHARS))
        return err_set(err, ERR_INVALID, "review.participants", "请填写参加评议的人员（不超过%d个字）", TEXT_CHARS);
    if (v->votes_for < 0 || v->votes_against < 0 || v->votes_abstain < 0)
        return err_set(err, ERR_INVALID, "review", "票数不能为负数");
    if (v->notes && (text_too_long(v->notes, TEXT_CHARS) || !text_is_clean(v->notes, 1)))
        return err_set(err, ERR_INVALID, "review.notes", "评议记录不能超过%d个字", TEXT_CHARS);
    if (db_exec_args(db, "DELETE FROM assistance_review WHERE case_id = ?", DB_INT(case_id)) != DB_DONE ||
        db_exec_args(db,
                     "INSERT INTO assistance_review (case_id, held_on, participants, votes_for, votes_against,"
                     " votes_abstain, result, notes, recorded_by, recorded_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                     DB_INT(case_id), DB_TEXT(v->held_on), DB_TEXT(v->participants), DB_INT(v->votes_for),
                     DB_INT(v->votes_against), DB_INT(v->votes_abstain), DB_TEXT(pass ? "pass" : "fail"),
                     DB_TEXT(v->notes ? v->notes : ""), DB_ID(who ? who->id : 0), DB_TEXT(db_now(now))) != DB_DONE)
        return err_db(err);
    return 0;
}

/* ---- the amount ---------------------------------------------------------------- */

/* The amount of case k as of today: top-up from its members and income,
 * per person from its band, one-off the amount asked; with the standard
 * used (0 for one-off). 0, or -1 (ERR_CONFLICT: no standard in force;
 * ERR_INVALID: no member counted). */
static int compute_amount(db_conn *db, assist_case *k, const assist_programme *p, const char *today, ms_err *err)
{
    if (strcmp(p->calc_kind, "one_off") == 0) {
        k->amount_fen = k->requested_fen;
        k->standard_id = -1;
        return 0;
    }
    char band[16];
    copy(band, sizeof band, k->band_key);
    if (strcmp(p->band_by, "age") == 0 || strcmp(p->band_by, "disability_grade") == 0) {
        resident r;
        json_t *settings = settings_of(p);
        int rc = resident_get(db, k->resident_id, &r);
        if (rc != 0) {
            json_decref(settings);
            return rc < 0 ? err_db(err) : err_set(err, ERR_CONFLICT, NULL, "申请人的登记已不存在");
        }
        if (strcmp(p->band_by, "age") == 0) {
            const char *b = NULL;
            if (benefit_age_band(r.id_number, ymd_of(today), &b, err) != 0 || !b) {
                json_decref(settings);
                return err_set(err, ERR_CONFLICT, NULL, "%s未满70周岁，不在%s的范围内", r.name, p->name);
            }
            copy(band, sizeof band, b);
        } else {
            rc = band_for(p, settings, &r, NULL, today, band, err);
            if (rc == 0)
                copy(k->band_key, sizeof k->band_key, band);
        }
        json_decref(settings);
        if (rc != 0)
            return -1;
    }
    assist_standard st;
    int rc = programme_standard(db, k->programme_id, k->area, k->community_id, band, today, &st);
    if (rc < 0)
        return err_db(err);
    if (rc == 0)
        return err_set(err, ERR_CONFLICT, NULL, "%s（%s%s%s）在 %s 没有生效的标准，请先设置标准", p->name,
                       strcmp(k->area, "rural") == 0 ? "农村" : "城市", band[0] ? "，档次 " : "", band, today);
    benefit_result res;
    if (strcmp(p->calc_kind, "topup") == 0) {
        if (k->members_counted < 1)
            return err_set(err, ERR_INVALID, "members", "至少须有一名成员计入保障人数（counted）");
        benefit_topup_in t = {.programme = p->name, .standard_fen = st.amount_fen, .members = (int)k->members_counted,
                              .income_fen = k->income_fen < 0 ? 0 : k->income_fen, .rounding = p->rounding,
                              .min_payment_fen = p->min_payment_fen};
        if (benefit_topup(&t, &res, err) != 0)
            return -1;
    } else if (benefit_per_person(p->name, band, st.amount_fen, &res, err) != 0) {
        return -1;
    }
    k->amount_fen = res.fen;
    k->standard_id = st.id;
    return 0;
}

/* ---- steps ----------------------------------------------------------------------- */

/* Which payload fields each action takes. */
static int payload_fits(const char *action, const case_step_in *in, int one_off, ms_err *err)
{
    struct { const void *given; const char *field; const char *const actions[3]; } P[] = {
        {in->investigation, "investigation", {"investigate"}},
        {in->has_members ? in : NULL, "members", {"investigate", "adjust"}},
        {in->review, "review", {"review_pass", "review_fail"}},
        {in->start_month, "start_month", {one_off ? "" : "approve"}},
        {in->end_month, "end_month", {"stop"}},
        {in->review_class, "review_class", {one_off ? "" : "approve", "adjust"}},
        {in->band_key, "band_key", {"adjust"}},
    };
    for (size_t i = 0; i < sizeof P / sizeof P[0]; i++) {
        if (!P[i].given)
            continue;
        int ok = 0;
        for (int j = 0; j < 3 && P[i].actions[j]; j++)
            ok |= strcmp(P[i].actions[j], action) == 0;
        if (!ok)
            return err_set(err, ERR_INVALID, P[i].field, "此操作不接受字段 %s", P[i].field);
    }
    if (strcmp(action, "investigate") == 0 && (!in->investigation || !in->has_members))
        return err_set(err, ERR_INVALID, in->investigation ? "members" : "investigation",
                       "入户调查须填写调查记录（investigation）和家庭成员及收入（members）");
    if ((strcmp(action, "review_pass") == 0 || strcmp(action, "review_fail") == 0) && !in->review)
        return err_set(err, ERR_INVALID, "review", "民主评议须填写评议记录（review）");
    if (in->review_class && !str_in_set(in->review_class, (const char *const[]){"A", "B", "C", NULL}))
        return err_set(err, ERR_INVALID, "review_class", "复审类别只能是 A、B 或 C");
    if (in->start_month && !month_is_valid(in->start_month))
        return err_set(err, ERR_INVALID, "start_month", "起始月份格式应为 YYYY-MM");
    if (in->end_month && !month_is_valid(in->end_month))
        return err_set(err, ERR_INVALID, "end_month", "停发月份格式应为 YYYY-MM");
    return 0;
}

/* The re-review: the class (given, else settings.review_class, else A)
 * and the date due (today + settings.review_months[class]; none when the
 * programme has no re-review). */
static void set_review(assist_case *k, const assist_programme *p, const char *given, const char *today)
{
    json_t *settings = settings_of(p);
    const char *dflt = json_string_value(json_object_get(settings, "review_class"));
    copy(k->review_class, sizeof k->review_class, given ? given : k->review_class[0] ? k->review_class : dflt ? dflt : "A");
    json_t *months = json_object_get(json_object_get(settings, "review_months"), k->review_class);
    if (json_is_integer(months) && json_integer_value(months) > 0)
        add_months(today, (int)json_integer_value(months), k->next_review_on);
    else
        k->next_review_on[0] = '\0';
    json_decref(settings);
}

/* Whether the flagged person is still among the counted members. */
static int flagged_still_counted(db_conn *db, const assist_case *k)
{
    return k->stop_flag_resident_id > 0 &&
           (k->stop_flag_resident_id == k->resident_id ||
            db_exists(db, "SELECT 1 FROM assistance_member WHERE case_id = ? AND resident_id = ? AND counted = 1",
                      DB_INT(k->c.id), DB_INT(k->stop_flag_resident_id)));
}

static void clear_stop_flag(assist_case *k)
{
    k->stop_flag[0] = '\0';
    k->stop_flag_resident_id = 0;
    k->stop_flag_date[0] = '\0';
}

static db_arg opt_int(int64_t v)
{
    return v < 0 ? DB_NULL : DB_INT(v);
}

static int save(db_conn *db, const assist_case *k, int64_t version, ms_err *err)
{
    char now[20];
    if (db_exec_args(db, SQL_SAVE, DB_TEXT(k->band_key), opt_int(k->members_counted), opt_int(k->income_fen),
                     opt_int(k->amount_fen), opt_int(k->standard_id), DB_OPT_TEXT(k->review_class),
                     DB_OPT_TEXT(k->next_review_on), DB_OPT_TEXT(k->start_month), DB_OPT_TEXT(k->end_month),
                     DB_OPT_TEXT(k->stop_flag), DB_ID(k->stop_flag_resident_id), DB_OPT_TEXT(k->stop_flag_date),
                     DB_TEXT(db_now(now)), DB_INT(k->c.id), DB_INT(version)) != DB_DONE)
        return err_db(err);
    if (db_changes(db) != 1)
        return err_set(err, ERR_CONFLICT, NULL, "案件已被他人更改，请刷新后重试");
    return 0;
}

int case_step(db_conn *db, const actor *who, const char *ip, int64_t id, const char *action, const case_step_in *in,
              ms_err *err)
{
    assist_case k;
    assist_programme p;
    char today[11], month[8];
    int rc = case_get(db, id, &k);
    if (rc < 0)
        return err_db(err);
    if (rc > 0 || !who || !actor_scope_contains(who, k.c.org_path))
        return err_set(err, ERR_NOT_FOUND, NULL, "救助案件不存在或不在您的管辖范围内");
    if (strcmp(action, "publish") == 0)
        return err_set(err, ERR_CONFLICT, NULL, "张榜公示须在「公示」中办理：生成公示名单并登记张贴日期，案件随之进入公示期");
    int one_off = strcmp(k.calc_kind, "one_off") == 0;
    if (err_check_version(err, "救助案件", k.version, in->if_version) != 0)
        return -1;
    if (programme_load(db, k.programme_code, &p, err) != 0)
        return -1;
    const wf_type *t = case_type_of(&k);
    wf_input wi = {.opinion = in->opinion, .attachments = in->attachments};
    if (wf_perform(db, t, id, action, who, ip, &wi, &k.c, err) != 0 || payload_fits(action, in, one_off, err) != 0)
        return -1;
    date_today_text(today);
    month_of(today, month);
    int64_t version = k.version;

    if (strcmp(action, "investigate") == 0) {
        if (check_investigation(in->investigation, today, err) != 0 ||
            check_members(db, &k, in->members, in->nmembers, err) != 0 ||
            write_investigation(db, who, id, in->investigation, err) != 0 ||
            write_members(db, id, in->members, in->nmembers, &k.members_counted, &k.income_fen, err) != 0 ||
            compute_amount(db, &k, &p, today, err) != 0)
            return -1;
    } else if (strcmp(action, "review_pass") == 0 || strcmp(action, "review_fail") == 0) {
        if (write_review(db, who, id, in->review, action[7] == 'p', today, err) != 0)
            return -1;
    } else if (strcmp(action, "approve") == 0 && !one_off) {
        char why[240];
        rc = notice_blocks_approval(db, id, today, why, sizeof why);
        if (rc < 0)
            return err_db(err);
        if (rc > 0)
            return err_set(err, ERR_CONFLICT, NULL, "%s", why);
        char applied[8];
        char local[11];
        cal_local_date(k.c.created_at, local);
        month_of(local, applied);
        if (in->start_month && strcmp(in->start_month, applied) < 0)
            return err_set(err, ERR_INVALID, "start_month", "起始月份不能早于申请月份 %s", applied);
        copy(k.start_month, sizeof k.start_month, in->start_month ? in->start_month : month);
        set_review(&k, &p, in->review_class, today);
        if (compute_amount(db, &k, &p, today, err) != 0)
            return -1;
    } else if (strcmp(action, "grant") == 0 || (strcmp(action, "approve") == 0 && one_off)) {
        benefit_one_off_in o = {.programme = p.name, .amount_fen = k.requested_fen,
                                .level = action[0] == 'g' ? BENEFIT_LEVEL_COMMUNITY : BENEFIT_LEVEL_STREET,
                                .ceiling_community_fen = p.ceiling_community_fen,
                                .ceiling_street_fen = p.ceiling_street_fen};
        benefit_result res;
        if (benefit_one_off(&o, &res, err) != 0)
            return err->kind = ERR_CONFLICT, -1;
        k.amount_fen = res.fen;
        copy(k.start_month, sizeof k.start_month, month);
    } else if (strcmp(action, "adjust") == 0) {
        if (in->band_key) {
            json_t *settings = settings_of(&p);
            resident r = {0};
            copy(r.name, sizeof r.name, k.applicant_name);
            rc = strcmp(p.band_by, "kind") == 0 ? band_for(&p, settings, &r, in->band_key, today, k.band_key, err)
                                                : err_set(err, ERR_INVALID, "band_key", "%s的档次不能直接调整", p.name);
            json_decref(settings);
            if (rc != 0)
                return -1;
        }
        if (in->has_members &&
            (check_members(db, &k, in->members, in->nmembers, err) != 0 ||
             write_members(db, id, in->members, in->nmembers, &k.members_counted, &k.income_fen, err) != 0))
            return -1;
        if (in->review_class)
            set_review(&k, &p, in->review_class, today);
        if (compute_amount(db, &k, &p, today, err) != 0)
            return -1;
        if (k.stop_flag[0] && !flagged_still_counted(db, &k))
            clear_stop_flag(&k);
    } else if (strcmp(action, "stop") == 0) {
        const char *end = in->end_month ? in->end_month : month;
        if (k.start_month[0] && strcmp(end, k.start_month) < 0)
            return err_set(err, ERR_INVALID, "end_month", "停发月份不能早于起始月份 %s", k.start_month);
        copy(k.end_month, sizeof k.end_month, end);
        clear_stop_flag(&k);
    }
    return save(db, &k, version, err);
}

/* ---- the bank account -------------------------------------------------------------- */

/* The column the number is encrypted as; its key-rotation pass is the
 * payments part's (pay_case_account_crypt, app/fieldkeys.c). */
#define COL_ACCOUNT "assistance_case.account"

static int name_ok(const char *s, long max)
{
    long n = s ? utf8_length(s) : -1;
    return n >= 1 && n <= max && text_is_clean(s, 0);
}

int case_set_bank(db_conn *db, const actor *who, int64_t id, int64_t if_version, const char *bank_name,
                  const char *account_name, const char *number, ms_err *err)
{
    assist_case k;
    char stored[FC_STORED_MAX], why[240], now[20];
    if (!name_ok(bank_name, 50))
        return err_set(err, ERR_INVALID, "bank_name", "请填写开户银行（不超过50个字）");
    if (!name_ok(account_name, 50))
        return err_set(err, ERR_INVALID, "account_name", "请填写账户名（不超过50个字）");
    size_t len = number ? strlen(number) : 0;
    if (len < 12 || len > 30 || strspn(number, "0123456789") != len)
        return err_set(err, ERR_INVALID, "account_number", "银行账号应为12至30位数字");
    int rc = case_get(db, id, &k);
    if (rc < 0)
        return err_db(err);
    if (rc > 0 || !who || !actor_scope_contains(who, k.c.org_path))
        return err_set(err, ERR_NOT_FOUND, NULL, "救助案件不存在或不在您的管辖范围内");
    if ((rc = relative_conflict(db, id, who, why, sizeof why)) != 0)
        return rc < 0 ? err_db(err) : err_set(err, ERR_FORBIDDEN, NULL, "%s", why);
    if (strcmp(k.c.state, "rejected") == 0 || strcmp(k.c.state, "withdrawn") == 0)
        return err_set(err, ERR_CONFLICT, NULL, "案件已%s，无需登记发放账户", strcmp(k.c.state, "rejected") == 0 ? "不予批准" : "撤回");
    if (err_check_version(err, "救助案件", k.version, if_version) != 0)
        return -1;
    if (fc_encrypt(COL_ACCOUNT, id, number, stored) != 0)
        return err_db(err);
    if (db_exec_args(db,
                     "UPDATE assistance_case SET bank_name = ?, account_name = ?, account_enc = ?, account_tail = ?,"
                     " version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
                     DB_TEXT(bank_name), DB_TEXT(account_name), DB_TEXT(stored), DB_TEXT(number + len - 4),
                     DB_TEXT(db_now(now)), DB_INT(id), DB_INT(k.version)) != DB_DONE)
        return err_db(err);
    return db_changes(db) == 1 ? 0 : err_set(err, ERR_CONFLICT, NULL, "案件已被他人更改，请刷新后重试");
}

/* ---- notices and the decision --------------------------------------------------------- */

int case_notices_load(db_conn *db, int64_t id, case_notice *out, int max)
{
    /* notice.c's tables, read here for the case page (see case.h) */
    db_stmt *s = db_query(db,
                          "SELECT n.id, n.status, n.posted_on, n.ends_on,"
                          " (SELECT COUNT(*) FROM assistance_objection o WHERE o.notice_id = n.id AND o.case_id = nc.case_id),"
                          " (SELECT COUNT(*) FROM assistance_objection o WHERE o.notice_id = n.id AND o.case_id = nc.case_id"
                          "   AND o.status = 'open')"
                          " FROM assistance_notice_case nc JOIN assistance_notice n ON n.id = nc.notice_id"
                          " WHERE nc.case_id = ? ORDER BY n.id DESC",
                          DB_INT(id));
    if (!s)
        return -1;
    int n = 0, rc;
    while ((rc = db_step(s)) == DB_ROW && n < max) {
        case_notice *x = &out[n++];
        memset(x, 0, sizeof *x);
        x->notice_id = db_col_int(s, 0);
        db_col_copy(s, 1, x->status, sizeof x->status);
        db_col_copy(s, 2, x->posted_on, sizeof x->posted_on);
        db_col_copy(s, 3, x->ends_on, sizeof x->ends_on);
        x->objections = db_col_int(s, 4);
        x->open_objections = db_col_int(s, 5);
    }
    db_finalize(s);
    return rc == DB_ROW || rc == DB_DONE ? n : -1;
}

int case_decision_load(db_conn *db, const assist_case *k, case_decision *out, ms_err *err)
{
    static const char *const APPROVED[] = {"active", "stopped", "granted", NULL};
    memset(out, 0, sizeof *out);
    int approved = str_in_set(k->c.state, APPROVED);
    if (!approved && strcmp(k->c.state, "rejected") != 0)
        return err_set(err, ERR_CONFLICT, NULL, "案件尚未作出决定（当前：%s），没有决定书",
                       wf_state_find(case_type_of(k), k->c.state) ? wf_state_find(case_type_of(k), k->c.state)->label
                                                                  : k->c.state);
    out->approved = approved;
    /* the deciding step: the last one into the state the case is decided in */
    const char *decided = approved ? (strcmp(k->calc_kind, "one_off") == 0 ? "granted" : "active") : "rejected";
    wf_timeline tl;
    if (wf_timeline_load(db, case_type_of(k), &k->c, &tl, err) != 0)
        return -1;
    for (size_t i = tl.n; i-- > 0;) {
        const wf_event *ev = &tl.events[i];
        if (strcmp(ev->to_state, decided) == 0 && strcmp(ev->from_state, decided) != 0) {
            cal_local_date(ev->at, out->decided_on);
            copy(out->step_label, sizeof out->step_label, ev->action_label);
            copy(out->opinion, sizeof out->opinion, ev->opinion);
            break;
        }
    }
    wf_timeline_release(&tl);
    db_one_text(db, out->street_name, sizeof out->street_name,
                "SELECT name FROM org_unit WHERE kind = 'street' AND substr(?, 1, length(path)) = path"
                " ORDER BY length(path) DESC LIMIT 1",
                DB_TEXT(k->c.org_path));
    db_one_text(db, out->address, sizeof out->address, "SELECT address FROM household WHERE id = ?",
                DB_INT(k->household_id));
    return 0;
}
