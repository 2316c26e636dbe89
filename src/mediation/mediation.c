/* mediation.c — mediation cases (see mediation.h): the SQL of
 * mediation_case, mediation_party and mediation_session. */
#include "mediation/mediation.h"
#include "mediation/mediation_flow.h"
#include "mediation/mediator.h"
#include "registry/household.h"
#include "registry/org.h"
#include "registry/resident.h"
#include "util/idcard.h"
#include "util/validate.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const SQL_INSERT =
    "INSERT INTO mediation_case (id, community_id, mediator_id, dispute_type, summary, received_on, created_at,"
    " updated_at) VALUES (?,?,?,?,?,?,?,?)";
static const char *const SQL_PARTY_INSERT =
    "INSERT INTO mediation_party (case_id, side, resident_id, name, address) VALUES (?,?,?,?,?)";
static const char *const SQL_PARTY_SECRETS = "UPDATE mediation_party SET phone_enc = ?, id_number_enc = ? WHERE id = ?";
static const char *const SQL_SAVE =
    "UPDATE mediation_case SET outcome = ?, ended_on = ?, agreement = ?, performance = ?, referred_to = ?,"
    " visited_on = ?, satisfaction = ?, visit_note = ?, version = version + 1, updated_at = ?"
    " WHERE id = ? AND version = ?";
static const char *const SQL_PARTIES =
    "SELECT p.id, p.side, COALESCE(p.resident_id, 0), p.name, p.address, p.phone_enc, p.id_number_enc,"
    " r.id_number_enc FROM mediation_party p LEFT JOIN resident r ON r.id = p.resident_id"
    " WHERE p.case_id = ? ORDER BY CASE p.side WHEN 'applicant' THEN 0 ELSE 1 END, p.id";
static const char *const SQL_SESSIONS =
    "SELECT s.id, s.held_on, s.place, s.attendees, s.notes, COALESCE(u.display_name, ''), s.created_at"
    " FROM mediation_session s LEFT JOIN app_user u ON u.id = s.recorded_by WHERE s.case_id = ?"
    " ORDER BY s.held_on, s.id";
static const char *const SQL_SESSION_INSERT =
    "INSERT INTO mediation_session (case_id, held_on, place, attendees, notes, recorded_by, created_at)"
    " VALUES (?,?,?,?,?,?,?)";
static const char *const SQL_TOUCH = "UPDATE mediation_case SET version = version + 1, updated_at = ? WHERE id = ?";

#define COL_PHONE "mediation_party.phone"
#define COL_ID "mediation_party.id_number"
const fc_column_sql med_party_phone_crypt = {
    .column = COL_PHONE,
    .next = "SELECT id, NULL, phone_enc FROM mediation_party WHERE id > ? AND phone_enc NOT LIKE ? ORDER BY id LIMIT ?",
    .set = "UPDATE mediation_party SET phone_enc = ? WHERE id = ?",
    .status = "SELECT 0, COUNT(CASE WHEN phone_enc NOT LIKE ? THEN 1 END),"
              " COUNT(CASE WHEN phone_enc LIKE ? THEN 1 END) FROM mediation_party",
};
const fc_column_sql med_party_id_crypt = {
    .column = COL_ID,
    .next = "SELECT id, NULL, id_number_enc FROM mediation_party WHERE id > ? AND id_number_enc NOT LIKE ?"
            " ORDER BY id LIMIT ?",
    .set = "UPDATE mediation_party SET id_number_enc = ? WHERE id = ?",
    .status = "SELECT 0, COUNT(CASE WHEN id_number_enc NOT LIKE ? THEN 1 END),"
              " COUNT(CASE WHEN id_number_enc LIKE ? THEN 1 END) FROM mediation_party",
};

static void copy(char *dst, size_t sz, const char *src)
{
    snprintf(dst, sz, "%s", src ? src : "");
}

static int blank(const char *s)
{
    return !s || s[strspn(s, " \t\r\n")] == '\0';
}

/* Free text of at most max characters: 0, or -1 with ERR_INVALID on field. */
static int text_ok(const char *s, long max, int multiline, const char *field, const char *what, ms_err *err)
{
    long n = s ? utf8_length(s) : 0;
    if (n < 0 || n > max || !text_is_clean(s, multiline))
        return err_set(err, ERR_INVALID, field, "%s不能超过%ld个字，且不能含控制字符", what, max);
    return 0;
}

/* A local date given by a person: valid, not after today, not before
 * `not_before` (may be ""). 0, or -1 with ERR_INVALID. */
static int date_ok(const char *d, const char *not_before, const char *field, const char *what, ms_err *err)
{
    char today[11];
    if (!date_is_valid(d))
        return err_set(err, ERR_INVALID, field, "%s应为日期 YYYY-MM-DD", what);
    if (strcmp(d, date_today_text(today)) > 0)
        return err_set(err, ERR_INVALID, field, "%s不能晚于今天（%s）", what, today);
    if (not_before && *not_before && strcmp(d, not_before) < 0)
        return err_set(err, ERR_INVALID, field, "%s不能早于受理日期 %s", what, not_before);
    return 0;
}

void med_case_from_row(db_stmt *s, med_case *k)
{
    memset(k, 0, sizeof *k);
    k->community_id = db_col_int(s, 0);
    db_col_copy(s, 1, k->community_name, sizeof k->community_name);
    k->mediator_id = db_col_int(s, 2);
    db_col_copy(s, 3, k->mediator_name, sizeof k->mediator_name);
    db_col_copy(s, 4, k->mediator_kind, sizeof k->mediator_kind);
    k->mediator_active = (int)db_col_int(s, 5);
    k->station_id = db_col_int(s, 6);
    db_col_copy(s, 7, k->station_name, sizeof k->station_name);
    db_col_copy(s, 8, k->dispute_type, sizeof k->dispute_type);
    db_col_copy(s, 9, k->summary, sizeof k->summary);
    db_col_copy(s, 10, k->received_on, sizeof k->received_on);
    db_col_copy(s, 11, k->outcome, sizeof k->outcome);
    db_col_copy(s, 12, k->ended_on, sizeof k->ended_on);
    db_col_copy(s, 13, k->agreement, sizeof k->agreement);
    db_col_copy(s, 14, k->performance, sizeof k->performance);
    db_col_copy(s, 15, k->referred_to, sizeof k->referred_to);
    db_col_copy(s, 16, k->visited_on, sizeof k->visited_on);
    db_col_copy(s, 17, k->satisfaction, sizeof k->satisfaction);
    db_col_copy(s, 18, k->visit_note, sizeof k->visit_note);
    k->version = db_col_int(s, 19);
    wf_case_from_row(s, 20, &k->c);
}

int med_case_get(db_conn *db, int64_t id, med_case *out)
{
    db_stmt *s = db_query(db, MED_CASE_SELECT " WHERE m.id = ?", DB_INT(id));
    int rc = db_step(s);
    if (rc == DB_ROW)
        med_case_from_row(s, out);
    db_finalize(s);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}

/* ---- filing --------------------------------------------------------------------- */

/* A party checked and completed: name and address from the registry for
 * a resident; the phone and ID number normalised. */
typedef struct party_ok {
    const char *side;
    int64_t resident_id;
    char name[208], address[808], phone[40], id_number[32];
} party_ok;

static int party_check(db_conn *db, const actor *who, const med_party_in *p, size_t i, party_ok *out, ms_err *err)
{
    memset(out, 0, sizeof *out);
    if (!p->side || (strcmp(p->side, "applicant") != 0 && strcmp(p->side, "respondent") != 0))
        return err_set(err, ERR_INVALID, "parties", "第%zu位当事人的 side 只能是 applicant（申请人）或 respondent（被申请人）",
                       i + 1);
    out->side = p->side;
    if (p->resident_id > 0) {
        resident r;
        household h;
        int rc = resident_get(db, p->resident_id, &r);
        if (rc < 0)
            return err_db(err);
        if (rc > 0 || !actor_scope_contains(who, r.grid_path))
            return err_set(err, ERR_NOT_FOUND, "parties", "第%zu位当事人（居民 %lld）不存在或不在您的管辖范围内", i + 1,
                           (long long)p->resident_id);
        if (p->name || p->id_number)
            return err_set(err, ERR_INVALID, "parties", "第%zu位当事人是登记居民，姓名和身份证号取自居民档案，不再填写", i + 1);
        out->resident_id = r.id;
        copy(out->name, sizeof out->name, r.name);
        rc = household_get(db, r.household_id, &h);
        if (rc < 0)
            return err_db(err);
        copy(out->address, sizeof out->address, rc == 0 ? h.address : "");
        if (!p->phone)
            copy(out->phone, sizeof out->phone, r.phone);
    } else {
        if (blank(p->name))
            return err_set(err, ERR_INVALID, "parties", "第%zu位当事人须有 resident_id（登记居民）或 name（姓名）", i + 1);
        if (strlen(p->name) > 200)
            return err_set(err, ERR_INVALID, "parties", "第%zu位当事人的姓名过长", i + 1);
        person_name_normalize(p->name, out->name, sizeof out->name);
        const char *why = person_name_problem(out->name);
        if (why)
            return err_set(err, ERR_INVALID, "parties", "第%zu位当事人的姓名：%s", i + 1, why);
        if (p->id_number && *p->id_number) {
            char folded[64];
            fullwidth_fold(p->id_number, folded, sizeof folded);
            idcard_normalize(folded, out->id_number);
            idcard_status st = idcard_validate(out->id_number, 0, NULL);
            if (st != IDCARD_OK)
                return err_set(err, ERR_INVALID, "parties", "第%zu位当事人的身份证号：%s", i + 1,
                               idcard_status_message(st));
        }
    }
    if (p->address) {
        if (text_ok(p->address, 100, 0, "parties", "当事人地址", err) != 0)
            return -1;
        copy(out->address, sizeof out->address, p->address);
    }
    if (p->phone && *p->phone && !phone_normalize(p->phone, out->phone, sizeof out->phone))
        return err_set(err, ERR_INVALID, "parties", "第%zu位当事人的电话号码格式不正确", i + 1);
    return 0;
}

static int write_party(db_conn *db, int64_t case_id, const party_ok *p, ms_err *err)
{
    char phone[FC_STORED_MAX], idn[FC_STORED_MAX];
    if (db_exec_args(db, SQL_PARTY_INSERT, DB_INT(case_id), DB_TEXT(p->side), DB_ID(p->resident_id), DB_TEXT(p->name),
                     DB_TEXT(p->address)) != DB_DONE)
        return err_db(err);
    int64_t pid = db_last_insert_id(db);
    /* a resident's ID number stays in the registry; the party row keeps an outsider's only */
    if (fc_encrypt(COL_PHONE, pid, p->phone, phone) != 0 || fc_encrypt(COL_ID, pid, p->id_number, idn) != 0)
        return err_set(err, ERR_DB, NULL, "无法加密当事人信息（未加载密钥）");
    if ((phone[0] || idn[0]) &&
        db_exec_args(db, SQL_PARTY_SECRETS, DB_OPT_TEXT(phone), DB_OPT_TEXT(idn), DB_INT(pid)) != DB_DONE)
        return err_db(err);
    return 0;
}

/* "张三与李四邻里纠纷", cut to WF_TITLE_CHARS characters. */
static void title_of(const char *a, const char *r, const char *type, char out[WF_TITLE_CHARS * 4 + 1])
{
    char full[640];
    size_t at = 0, len;
    unsigned long cp;
    snprintf(full, sizeof full, "%s与%s%s", a, r, type);
    for (int n = 0; n < WF_TITLE_CHARS && full[at] && (len = (size_t)utf8_next(full + at, strlen(full + at), &cp)); n++)
        at += len;
    snprintf(out, WF_TITLE_CHARS * 4 + 1, "%.*s", (int)at, full);
}

int64_t med_case_create(db_conn *db, const actor *who, const char *ip, const med_case_new *in, ms_err *err)
{
    org_unit u;
    med_mediator m;
    party_ok *parties = NULL;
    char today[11], now[20], title[WF_TITLE_CHARS * 4 + 1], cstreet[256], mstreet[256];
    int64_t community = in->community_id ? in->community_id : who->org_unit_id;
    int64_t id = -1;

    int rc = org_get(db, community, &u);
    if (rc < 0)
        return err_db(err);
    if (rc > 0 || !actor_scope_contains(who, u.path))
        return err_set(err, ERR_NOT_FOUND, "community_id", "社区不存在或不在您的管辖范围内");
    if (strcmp(u.kind, "community") != 0)
        return err_set(err, ERR_INVALID, "community_id", "调解案件属于一个社区：请用 community_id 指明社区（%s是%s）",
                       u.name, org_kind_label(u.kind));
    if (!in->dispute_type || !med_term_label(MED_DISPUTE_TYPES, in->dispute_type))
        return err_set(err, ERR_INVALID, "dispute_type", "纠纷类型 dispute_type 只能是 neighbour、family、property、housing、"
                                                         "damages、contract、labour、traffic 或 other");
    if (blank(in->summary))
        return err_set(err, ERR_INVALID, "summary", "请填写纠纷简要情况 summary");
    if (text_ok(in->summary, MED_SUMMARY_CHARS, 1, "summary", "纠纷简要情况", err) != 0)
        return -1;
    date_today_text(today);
    const char *received = in->received_on ? in->received_on : today;
    if (date_ok(received, NULL, "received_on", "受理日期", err) != 0)
        return -1;
    if ((rc = med_mediator_get(db, in->mediator_id, &m)) < 0)
        return err_db(err);
    med_street_of(u.path, cstreet);
    med_street_of(m.station_path, mstreet);
    if (rc > 0 || strcmp(cstreet, mstreet) != 0)
        return err_set(err, ERR_NOT_FOUND, "mediator_id", "调解员不在本街道的调解员名册中");
    if (!m.active)
        return err_set(err, ERR_CONFLICT, "mediator_id", "调解员%s已停用，请当事人另选调解员", m.name);

    int napp = 0, nresp = 0;
    if (in->nparties < 2)
        return err_set(err, ERR_INVALID, "parties", "至少须有一位申请人和一位被申请人");
    parties = calloc(in->nparties, sizeof *parties);
    if (!parties)
        return err_db(err);
    for (size_t i = 0; i < in->nparties; i++) {
        if (party_check(db, who, &in->parties[i], i, &parties[i], err) != 0)
            goto out;
        for (size_t j = 0; j < i; j++)
            if (parties[i].resident_id && parties[j].resident_id == parties[i].resident_id) {
                err_set(err, ERR_INVALID, "parties", "第%zu位当事人与第%zu位是同一居民", i + 1, j + 1);
                goto out;
            }
        if (strcmp(parties[i].side, "applicant") == 0)
            napp++;
        else
            nresp++;
    }
    if (!napp || !nresp) {
        err_set(err, ERR_INVALID, "parties", "至少须有一位申请人和一位被申请人");
        goto out;
    }
    const party_ok *a = &parties[0], *r = NULL;
    for (size_t i = 0; i < in->nparties; i++) {
        if (!r && strcmp(parties[i].side, "respondent") == 0)
            r = &parties[i];
        if (strcmp(a->side, "applicant") != 0 && strcmp(parties[i].side, "applicant") == 0)
            a = &parties[i];
    }
    title_of(a->name, r->name, med_term_label(MED_DISPUTE_TYPES, in->dispute_type), title);
    if ((id = wf_create(db, &MEDIATION_CASE, u.path, title, who, ip, err)) < 0)
        goto out;
    db_now(now);
    if (db_exec_args(db, SQL_INSERT, DB_INT(id), DB_INT(u.id), DB_INT(m.id), DB_TEXT(in->dispute_type),
                     DB_TEXT(in->summary), DB_TEXT(received), DB_TEXT(now), DB_TEXT(now)) != DB_DONE) {
        id = err_db(err);
        goto out;
    }
    for (size_t i = 0; i < in->nparties; i++)
        if (write_party(db, id, &parties[i], err) != 0) {
            id = -1;
            goto out;
        }
out:
    if (parties) {
        memset(parties, 0, in->nparties * sizeof *parties);
        free(parties);
    }
    return id;
}

/* ---- steps ---------------------------------------------------------------------- */

/* A field given to an action that does not take it. */
static int payload_fits(const char *action, const med_step_in *in, ms_err *err)
{
    static const struct {
        const char *field, *action;
        size_t off;
    } F[] = {
        {"agreement", "agree", offsetof(med_step_in, agreement)},
        {"performance", "agree", offsetof(med_step_in, performance)},
        {"referred_to", "fail", offsetof(med_step_in, referred_to)},
        {"satisfaction", "visit", offsetof(med_step_in, satisfaction)},
        {"visited_on", "visit", offsetof(med_step_in, visited_on)},
        {"visit_note", "visit", offsetof(med_step_in, visit_note)},
    };
    for (size_t i = 0; i < sizeof F / sizeof F[0]; i++) {
        const char *v = *(const char *const *)((const char *)in + F[i].off);
        if (v && strcmp(action, F[i].action) != 0)
            return err_set(err, ERR_INVALID, F[i].field, "%s 只在%s时填写", F[i].field,
                           strcmp(F[i].action, "agree") == 0 ? "达成协议" : strcmp(F[i].action, "fail") == 0 ? "调解不成" : "回访");
    }
    if (in->ended_on && strcmp(action, "agree") != 0 && strcmp(action, "fail") != 0)
        return err_set(err, ERR_INVALID, "ended_on", "ended_on 只在达成协议或调解不成时填写");
    return 0;
}

static int save(db_conn *db, const med_case *k, int64_t version, ms_err *err)
{
    char now[20];
    if (db_exec_args(db, SQL_SAVE, DB_OPT_TEXT(k->outcome), DB_OPT_TEXT(k->ended_on), DB_OPT_TEXT(k->agreement),
                     DB_OPT_TEXT(k->performance), DB_OPT_TEXT(k->referred_to), DB_OPT_TEXT(k->visited_on),
                     DB_OPT_TEXT(k->satisfaction), DB_OPT_TEXT(k->visit_note), DB_TEXT(db_now(now)), DB_INT(k->c.id),
                     DB_INT(version)) != DB_DONE)
        return err_db(err);
    if (db_changes(db) != 1)
        return err_set(err, ERR_CONFLICT, NULL, "案件已被他人更改，请刷新后重试");
    return 0;
}

int med_case_step(db_conn *db, const actor *who, const char *ip, int64_t id, const char *action,
                  const med_step_in *in, ms_err *err)
{
    static const char *const SATISFACTION[] = {"satisfied", "basic", "dissatisfied", NULL};
    med_case *k = calloc(1, sizeof *k);
    char today[11];
    int rc = -1;
    if (!k)
        return err_db(err);
    int g = med_case_get(db, id, k);
    if (g != 0 || !who || !actor_scope_contains(who, k->c.org_path)) {
        g < 0 ? err_db(err) : err_set(err, ERR_NOT_FOUND, NULL, "调解案件不存在或不在您的管辖范围内");
        goto out;
    }
    if (err_check_version(err, "调解案件", k->version, in->if_version) != 0 || payload_fits(action, in, err) != 0)
        goto out;
    wf_input wi = {.opinion = in->opinion};
    int64_t version = k->version;
    if (wf_perform(db, &MEDIATION_CASE, id, action, who, ip, &wi, &k->c, err) != 0)
        goto out;
    date_today_text(today);
    if (strcmp(action, "agree") == 0 || strcmp(action, "fail") == 0) {
        int agree = action[0] == 'a';
        const char *ended = in->ended_on ? in->ended_on : today;
        if (date_ok(ended, k->received_on, "ended_on", "调解终结日期", err) != 0)
            goto out;
        if (agree && blank(in->agreement)) {
            err_set(err, ERR_INVALID, "agreement", "达成协议须填写协议内容 agreement");
            goto out;
        }
        if (!agree && blank(in->referred_to)) {
            err_set(err, ERR_INVALID, "referred_to", "调解不成须写明告知当事人的其他途径或移交的单位 referred_to（如：人民法院）");
            goto out;
        }
        if ((agree && (text_ok(in->agreement, MED_AGREEMENT_CHARS, 1, "agreement", "协议内容", err) != 0 ||
                       text_ok(in->performance, MED_NOTE_CHARS, 1, "performance", "履行方式和期限", err) != 0)) ||
            (!agree && text_ok(in->referred_to, 100, 0, "referred_to", "移交单位", err) != 0))
            goto out;
        copy(k->outcome, sizeof k->outcome, agree ? "agreed" : "failed");
        copy(k->ended_on, sizeof k->ended_on, ended);
        copy(k->agreement, sizeof k->agreement, agree ? in->agreement : "");
        copy(k->performance, sizeof k->performance, agree ? in->performance : "");
        copy(k->referred_to, sizeof k->referred_to, agree ? "" : in->referred_to);
    } else if (strcmp(action, "visit") == 0) {
        const char *visited = in->visited_on ? in->visited_on : today;
        if (!in->satisfaction || !str_in_set(in->satisfaction, SATISFACTION)) {
            err_set(err, ERR_INVALID, "satisfaction", "回访须填写满意度 satisfaction：satisfied（满意）、basic（基本满意）或 "
                                                      "dissatisfied（不满意）");
            goto out;
        }
        if (date_ok(visited, k->ended_on, "visited_on", "回访日期", err) != 0 ||
            text_ok(in->visit_note, MED_NOTE_CHARS, 1, "visit_note", "回访情况", err) != 0)
            goto out;
        copy(k->visited_on, sizeof k->visited_on, visited);
        copy(k->satisfaction, sizeof k->satisfaction, in->satisfaction);
        copy(k->visit_note, sizeof k->visit_note, in->visit_note);
    }
    rc = save(db, k, version, err);
out:
    free(k);
    return rc;
}

/* ---- parties and sessions -------------------------------------------------------- */

int med_parties_load(db_conn *db, int64_t case_id, med_party *out, int max)
{
    db_stmt *s = db_query(db, SQL_PARTIES, DB_INT(case_id));
    int n = 0, rc;
    while ((rc = db_step(s)) == DB_ROW && n < max) {
        med_party *p = &out[n++];
        char plain[64];
        memset(p, 0, sizeof *p);
        p->id = db_col_int(s, 0);
        db_col_copy(s, 1, p->side, sizeof p->side);
        p->resident_id = db_col_int(s, 2);
        db_col_copy(s, 3, p->name, sizeof p->name);
        db_col_copy(s, 4, p->address, sizeof p->address);
        if (fc_decrypt(COL_PHONE, p->id, db_col_text(s, 5), plain, sizeof plain) == 0 && plain[0])
            phone_mask(plain, p->phone_masked, sizeof p->phone_masked);
        if (p->resident_id)
            resident_id_number_masked(p->resident_id, db_col_text(s, 7), p->id_masked);
        else if (fc_decrypt(COL_ID, p->id, db_col_text(s, 6), plain, sizeof plain) == 0 && plain[0])
            idcard_mask(plain, p->id_masked);
        memset(plain, 0, sizeof plain);
    }
    db_finalize(s);
    return rc == DB_ROW || rc == DB_DONE ? n : -1;
}

int med_sessions_load(db_conn *db, int64_t case_id, med_session **out)
{
    size_t n = 0, cap = 0;
    med_session *v = NULL;
    db_stmt *s = db_query(db, SQL_SESSIONS, DB_INT(case_id));
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 4;
            med_session *nv = realloc(v, cap * sizeof *v);
            if (!nv) {
                rc = DB_ERROR;
                break;
            }
            v = nv;
        }
        med_session *x = &v[n++];
        x->id = db_col_int(s, 0);
        db_col_copy(s, 1, x->held_on, sizeof x->held_on);
        db_col_copy(s, 2, x->place, sizeof x->place);
        db_col_copy(s, 3, x->attendees, sizeof x->attendees);
        db_col_copy(s, 4, x->notes, sizeof x->notes);
        db_col_copy(s, 5, x->recorded_by, sizeof x->recorded_by);
        db_col_copy(s, 6, x->created_at, sizeof x->created_at);
    }
    db_finalize(s);
    if (rc != DB_DONE) {
        free(v);
        *out = NULL;
        return -1;
    }
    *out = v;
    return (int)n;
}

int64_t med_session_add(db_conn *db, const actor *who, int64_t id, const char *held_on, const char *place,
                        const char *attendees, const char *notes, ms_err *err)
{
    med_case *k = calloc(1, sizeof *k);
    char now[20];
    int64_t sid = -1;
    if (!k)
        return err_db(err);
    int g = med_case_get(db, id, k);
    if (g != 0 || !actor_scope_contains(who, k->c.org_path)) {
        g < 0 ? err_db(err) : err_set(err, ERR_NOT_FOUND, NULL, "调解案件不存在或不在您的管辖范围内");
        goto out;
    }
    if (strcmp(k->c.state, "mediating") != 0) {
        err_set(err, ERR_CONFLICT, NULL, "案件%s，不能登记调解记录（开始调解后登记）", mediation_state_label(k->c.state));
        goto out;
    }
    if (!held_on) {
        err_set(err, ERR_INVALID, "held_on", "请填写调解日期 held_on");
        goto out;
    }
    if (blank(place) || blank(attendees)) {
        err_set(err, ERR_INVALID, blank(place) ? "place" : "attendees", blank(place) ? "请填写调解地点 place" : "请填写参加人员 attendees");
        goto out;
    }
    if (date_ok(held_on, k->received_on, "held_on", "调解日期", err) != 0 ||
        text_ok(place, 100, 0, "place", "调解地点", err) != 0 ||
        text_ok(attendees, 250, 0, "attendees", "参加人员", err) != 0 ||
        text_ok(notes, MED_SESSION_NOTE_CHARS, 1, "notes", "调解记录", err) != 0)
        goto out;
    db_now(now);
    if (db_exec_args(db, SQL_SESSION_INSERT, DB_INT(id), DB_TEXT(held_on), DB_TEXT(place), DB_TEXT(attendees),
                     DB_TEXT(notes ? notes : ""), DB_ID(who->id), DB_TEXT(now)) != DB_DONE) {
        err_db(err);
        goto out;
    }
    sid = db_last_insert_id(db);
    if (db_exec_args(db, SQL_TOUCH, DB_TEXT(now), DB_INT(id)) != DB_DONE)
        sid = err_db(err);
out:
    free(k);
    return sid;
}

/* ---- figures -------------------------------------------------------------------- */

static const char *const SQL_FIGURES =
    "SELECT m.community_id, o.name, m.dispute_type, c.state, COALESCE(m.outcome, ''), COALESCE(m.satisfaction, ''),"
    " COUNT(*) FROM mediation_case m JOIN wf_case c ON c.id = m.id JOIN org_unit o ON o.id = m.community_id"
    " WHERE c.org_path >= ? AND c.org_path < ? AND m.received_on >= ? AND m.received_on <= ?"
    " GROUP BY m.community_id, o.name, m.dispute_type, c.state, m.outcome, m.satisfaction";

static void add_counts(med_figures_row *r, const char *state, const char *outcome, const char *sat, int64_t n)
{
    r->received += n;
    if (strcmp(state, "withdrawn") == 0)
        r->withdrawn += n;
    if (strcmp(state, "closed") == 0)
        r->closed += n;
    if (strcmp(outcome, "agreed") == 0)
        r->agreed += n;
    if (strcmp(outcome, "failed") == 0)
        r->failed += n;
    if (*sat)
        r->visited += n;
    if (strcmp(sat, "satisfied") == 0)
        r->satisfied += n;
    if (strcmp(sat, "basic") == 0)
        r->basic += n;
    if (strcmp(sat, "dissatisfied") == 0)
        r->dissatisfied += n;
}

/* The row of `key` in *rows (appended when new): NULL when out of memory. */
static med_figures_row *row_for(med_figures_row **rows, size_t *n, const char *key, const char *label)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*rows)[i].key, key) == 0)
            return &(*rows)[i];
    med_figures_row *nv = realloc(*rows, (*n + 1) * sizeof **rows);
    if (!nv)
        return NULL;
    *rows = nv;
    med_figures_row *r = &nv[(*n)++];
    memset(r, 0, sizeof *r);
    copy(r->key, sizeof r->key, key);
    copy(r->label, sizeof r->label, label);
    return r;
}

int med_figures_load(db_conn *db, const char *path, const char *from, const char *to, med_figures *out)
{
    char end[256], key[32];
    memset(out, 0, sizeof *out);
    org_path_end(path, end);
    /* every dispute type, in the table's order, even with no case */
    for (size_t i = 0; MED_DISPUTE_TYPES[i].code; i++)
        if (!row_for(&out->by_type, &out->ntype, MED_DISPUTE_TYPES[i].code, MED_DISPUTE_TYPES[i].label))
            return -1;
    db_stmt *s = db_query(db, SQL_FIGURES, DB_TEXT(path), DB_TEXT(end), DB_TEXT(from), DB_TEXT(to));
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        const char *type = db_col_text(s, 2);
        char state[WF_CODE_MAX], outcome[16], sat[16];
        db_col_copy(s, 3, state, sizeof state);
        db_col_copy(s, 4, outcome, sizeof outcome);
        db_col_copy(s, 5, sat, sizeof sat);
        int64_t n = db_col_int(s, 6);
        snprintf(key, sizeof key, "%lld", (long long)db_col_int(s, 0));
        med_figures_row *c = row_for(&out->by_community, &out->ncommunity, key, db_col_text(s, 1));
        const char *label = med_term_label(MED_DISPUTE_TYPES, type);
        med_figures_row *t = row_for(&out->by_type, &out->ntype, type, label ? label : type);
        if (!c || !t) {
            rc = DB_ERROR;
            break;
        }
        add_counts(&out->total, state, outcome, sat, n);
        add_counts(c, state, outcome, sat, n);
        add_counts(t, state, outcome, sat, n);
    }
    db_finalize(s);
    if (rc != DB_DONE) {
        med_figures_release(out);
        return -1;
    }
    return 0;
}

void med_figures_release(med_figures *f)
{
    free(f->by_community);
    free(f->by_type);
    memset(f, 0, sizeof *f);
}
