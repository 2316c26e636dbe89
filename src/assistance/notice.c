/* notice.c — public notices and objections (see notice.h): the SQL of
 * assistance_notice, assistance_notice_case and assistance_objection,
 * the snapshot a notice prints, its period, and the rule that an open
 * objection or an unfinished period blocks 街道审批. */
#include "assistance/notice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assistance/case_flow.h"
#include "util/validate.h"
#include "workflow/workflow.h"

#define WHY(...) (why && whysz ? snprintf(why, whysz, __VA_ARGS__) : 0)

const char *const OBJECTION_CHANNELS[] = {"来访", "电话", "信件", "其他", NULL};

/* ---- dates ------------------------------------------------------------------ */

/* Local date ymd plus days (may be negative) into out: 0, or -1 when
 * ymd is not a date. */
static int date_plus(const char *ymd, int days, char out[static 11])
{
    struct tm tm = {0};
    if (!date_is_valid(ymd) || sscanf(ymd, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_mday += days;
    tm.tm_hour = 12;
    time_t t = timegm(&tm);
    struct tm o;
    if (t == (time_t)-1 || !gmtime_r(&t, &o))
        return -1;
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)(o.tm_year + 1900) % 10000u, (unsigned)(o.tm_mon + 1) % 100u,
             (unsigned)o.tm_mday % 100u);
    return 0;
}

const char *notice_phase(const notice *n, const char *today)
{
    if (strcmp(n->status, "closed") == 0 || (strcmp(n->status, "posted") == 0 && strcmp(today, n->ends_on) > 0))
        return "ended";
    return n->status;
}

const char *notice_phase_label(const char *phase)
{
    return strcmp(phase, "draft") == 0 ? "草稿" : strcmp(phase, "posted") == 0 ? "公示中" : "已结束";
}

/* ---- rows -------------------------------------------------------------------- */

void notice_from_row(db_stmt *s, notice *out)
{
    memset(out, 0, sizeof *out);
    out->id = db_col_int(s, 0);
    out->community_id = db_col_int(s, 1);
    db_col_copy(s, 2, out->org_path, sizeof out->org_path);
    db_col_copy(s, 3, out->title, sizeof out->title);
    db_col_copy(s, 4, out->community_name, sizeof out->community_name);
    db_col_copy(s, 5, out->street_name, sizeof out->street_name);
    out->days = (int)db_col_int(s, 6);
    db_col_copy(s, 7, out->posted_on, sizeof out->posted_on);
    db_col_copy(s, 8, out->ends_on, sizeof out->ends_on);
    db_col_copy(s, 9, out->complaint_phone, sizeof out->complaint_phone);
    db_col_copy(s, 10, out->status, sizeof out->status);
    out->created_by = db_col_int(s, 11);
    out->posted_by = db_col_int(s, 12);
    db_col_copy(s, 13, out->created_at, sizeof out->created_at);
    db_col_copy(s, 14, out->closed_at, sizeof out->closed_at);
    out->cases = db_col_int(s, 15);
    out->open_objections = db_col_int(s, 16);
}

int notice_get(db_conn *db, int64_t id, notice *out)
{
    db_stmt *s = db_query(db, NOTICE_SELECT " WHERE n.id = ?", DB_INT(id));
    if (!s)
        return -1;
    int rc = db_step(s);
    if (rc == DB_ROW)
        notice_from_row(s, out);
    db_finalize(s);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}

int notice_rows(db_conn *db, int64_t id, notice_row **rows, size_t *n)
{
    *rows = NULL;
    *n = 0;
    db_stmt *s = db_query(db,
                          "SELECT nc.case_id, nc.masked_name, nc.household_size, nc.programme_name, nc.amount_fen,"
                          " c.state FROM assistance_notice_case nc JOIN wf_case c ON c.id = nc.case_id"
                          " WHERE nc.notice_id = ? ORDER BY nc.case_id",
                          DB_INT(id));
    if (!s)
        return -1;
    size_t cap = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            notice_row *grown = realloc(*rows, cap * sizeof **rows);
            if (!grown) {
                rc = DB_ERROR;
                break;
            }
            *rows = grown;
        }
        notice_row *r = &(*rows)[(*n)++];
        memset(r, 0, sizeof *r);
        r->case_id = db_col_int(s, 0);
        db_col_copy(s, 1, r->masked_name, sizeof r->masked_name);
        r->household_size = db_col_int(s, 2);
        db_col_copy(s, 3, r->programme_name, sizeof r->programme_name);
        r->amount_fen = db_col_int(s, 4);
        db_col_copy(s, 5, r->case_state, sizeof r->case_state);
    }
    db_finalize(s);
    if (rc != DB_DONE) {
        free(*rows);
        *rows = NULL;
        *n = 0;
        return -1;
    }
    return 0;
}

/* ---- create ------------------------------------------------------------------ */

/* What a case gives its notice row, and what decides whether it may be on one. */
typedef struct case_snapshot {
    int64_t community_id;
    char org_path[256], state[32], type[32];
    char name[256];
    int64_t household_size, amount_fen;
    char programme[128];
    int64_t draft_notice;   /* another notice not yet posted that lists it; 0 none */
} case_snapshot;

/* 0, 1 no such case, -1. */
static int case_snapshot_load(db_conn *db, int64_t case_id, case_snapshot *out)
{
    db_stmt *s = db_query(db,
                          "SELECT ac.community_id, c.org_path, c.state, c.type, r.name,"
                          " COALESCE(ac.members_counted, (SELECT COUNT(*) FROM resident x"
                          "   WHERE x.household_id = ac.household_id AND x.status = 'active')),"
                          " p.name, COALESCE(ac.amount_fen, 0),"
                          " COALESCE((SELECT MIN(d.id) FROM assistance_notice_case dc JOIN assistance_notice d"
                          "   ON d.id = dc.notice_id WHERE dc.case_id = ac.id AND d.status = 'draft'), 0)"
                          " FROM assistance_case ac JOIN wf_case c ON c.id = ac.id"
                          " JOIN resident r ON r.id = ac.resident_id"
                          " JOIN assistance_programme p ON p.id = ac.programme_id WHERE ac.id = ?",
                          DB_INT(case_id));
    if (!s)
        return -1;
    int rc = db_step(s);
    if (rc == DB_ROW) {
        memset(out, 0, sizeof *out);
        out->community_id = db_col_int(s, 0);
        db_col_copy(s, 1, out->org_path, sizeof out->org_path);
        db_col_copy(s, 2, out->state, sizeof out->state);
        db_col_copy(s, 3, out->type, sizeof out->type);
        db_col_copy(s, 4, out->name, sizeof out->name);
        out->household_size = db_col_int(s, 5);
        db_col_copy(s, 6, out->programme, sizeof out->programme);
        out->amount_fen = db_col_int(s, 7);
        out->draft_notice = db_col_int(s, 8);
    }
    db_finalize(s);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}

static const char *state_label(const char *state)
{
    const wf_state *st = wf_state_find(&ASSIST_CASE, state);
    return st ? st->label : state;
}

/* Checks that case_id may go on a notice of community community_id
 * drafted by who, into *cs: 0, or -1 with err. */
static int case_fits_notice(db_conn *db, const actor *who, int64_t community_id, int64_t case_id, case_snapshot *cs,
                            ms_err *err)
{
    int rc = case_snapshot_load(db, case_id, cs);
    if (rc < 0)
        return err_db(err);
    if (rc > 0 || !actor_scope_contains(who, cs->org_path))
        return err_set(err, ERR_NOT_FOUND, "case_ids", "救助申请 #%lld 不存在或不在您的管辖范围内", (long long)case_id);
    char masked[64];
    person_name_mask(cs->name, NAME_MASK_NOTICE, masked, sizeof masked);
    if (cs->community_id != community_id)
        return err_set(err, ERR_INVALID, "case_ids", "申请 #%lld（%s）不属于该社区，不能列入本社区的公示",
                       (long long)case_id, masked);
    if (strcmp(cs->type, ASSIST_CASE.code) != 0)
        return err_set(err, ERR_CONFLICT, "case_ids", "申请 #%lld（%s）是一次性救助，由街道直接审批，不经公示",
                       (long long)case_id, masked);
    if (strcmp(cs->state, "checked") != 0)
        return err_set(err, ERR_CONFLICT, "case_ids",
                       "申请 #%lld（%s）当前状态为“%s”，只有“社区已审核”的申请可以列入公示", (long long)case_id, masked,
                       state_label(cs->state));
    if (cs->draft_notice)
        return err_set(err, ERR_CONFLICT, "case_ids", "申请 #%lld（%s）已列入尚未张贴的公示 #%lld",
                       (long long)case_id, masked, (long long)cs->draft_notice);
    return 0;
}

int64_t notice_create(db_conn *db, const actor *who, int64_t community_id, const int64_t *case_ids, size_t n,
                      int days, const char *complaint_phone, const char *title, ms_err *err)
{
    char path[256] = "", name[128] = "", kind[16] = "", phone[32], now[20], auto_title[256];
    db_stmt *s = db_query(db, "SELECT path, name, kind FROM org_unit WHERE id = ?", DB_INT(community_id));
    if (!s)
        return err_db(err);
    int rc = db_step(s);
    if (rc == DB_ROW) {
        db_col_copy(s, 0, path, sizeof path);
        db_col_copy(s, 1, name, sizeof name);
        db_col_copy(s, 2, kind, sizeof kind);
    }
    db_finalize(s);
    if (rc != DB_ROW && rc != DB_DONE)
        return err_db(err);
    if (rc == DB_DONE || !actor_scope_contains(who, path))
        return err_set(err, ERR_NOT_FOUND, "community_id", "社区不存在或不在您的管辖范围内");
    if (strcmp(kind, "community") != 0)
        return err_set(err, ERR_INVALID, "community_id", "community_id 须是一个社区");
    if (n == 0)
        return err_set(err, ERR_INVALID, "case_ids", "请至少选择一件“社区已审核”的申请");
    if (n > NOTICE_MAX_CASES)
        return err_set(err, ERR_INVALID, "case_ids", "一张公示最多列 %d 件申请", NOTICE_MAX_CASES);
    if (days < 1 || days > NOTICE_DAYS_MAX)
        return err_set(err, ERR_INVALID, "days", "公示天数须在 1 到 %d 天之间", NOTICE_DAYS_MAX);
    if (!complaint_phone || !phone_normalize(complaint_phone, phone, sizeof phone))
        return err_set(err, ERR_INVALID, "complaint_phone", "投诉电话格式不正确（手机号或带区号的固定电话）");
    if (!title || !*title) {
        snprintf(auto_title, sizeof auto_title, "%s社会救助对象公示", name);
        title = auto_title;
    }
    long chars = utf8_length(title);
    if (chars < 1 || chars > NOTICE_TITLE_CHARS || !text_is_clean(title, 0))
        return err_set(err, ERR_INVALID, "title", "标题须为 1 到 %d 个字，不能含控制字符", NOTICE_TITLE_CHARS);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (case_ids[i] == case_ids[j])
                return err_set(err, ERR_INVALID, "case_ids", "申请 #%lld 重复列出", (long long)case_ids[i]);

    if (db_exec_args(db,
                     "INSERT INTO assistance_notice(community_id, org_path, title, days, complaint_phone, status,"
                     " created_by, created_at) VALUES (?, ?, ?, ?, ?, 'draft', ?, ?)",
                     DB_INT(community_id), DB_TEXT(path), DB_TEXT(title), DB_INT(days), DB_TEXT(phone),
                     DB_ID(who ? who->id : 0), DB_TEXT(db_now(now))) != DB_DONE)
        return err_db(err);
    int64_t id = db_last_insert_id(db);
    for (size_t i = 0; i < n; i++) {
        case_snapshot cs;
        char masked[64];
        if (case_fits_notice(db, who, community_id, case_ids[i], &cs, err) != 0)
            return -1;
        person_name_mask(cs.name, NAME_MASK_NOTICE, masked, sizeof masked);
        if (db_exec_args(db,
                         "INSERT INTO assistance_notice_case(notice_id, case_id, masked_name, household_size,"
                         " programme_name, amount_fen) VALUES (?, ?, ?, ?, ?, ?)",
                         DB_INT(id), DB_INT(case_ids[i]), DB_TEXT(masked), DB_INT(cs.household_size),
                         DB_TEXT(cs.programme), DB_INT(cs.amount_fen)) != DB_DONE)
            return err_db(err);
    }
    return id;
}

/* ---- post and close ---------------------------------------------------------- */

int notice_post(db_conn *db, const actor *who, const char *ip, int64_t id, const char *posted_on,
                const char *today, ms_err *err)
{
    notice n;
    char earliest[11], ends[11], opinion[160];
    int rc = notice_get(db, id, &n);
    if (rc != 0)
        return rc > 0 ? err_set(err, ERR_NOT_FOUND, NULL, "公示不存在或不在您的管辖范围内") : err_db(err);
    if (strcmp(n.status, "draft") != 0)
        return err_set(err, ERR_CONFLICT, NULL, "该公示已于 %s 张贴，不能再次张贴", n.posted_on);
    if (!posted_on || !date_is_valid(posted_on))
        return err_set(err, ERR_INVALID, "posted_on", "张贴日期须为 YYYY-MM-DD 格式的日期");
    if (strcmp(posted_on, today) > 0)
        return err_set(err, ERR_INVALID, "posted_on", "张贴日期不能晚于今天（%s）", today);
    if (date_plus(today, -NOTICE_BACKDATE_DAYS, earliest) != 0 || strcmp(posted_on, earliest) < 0)
        return err_set(err, ERR_INVALID, "posted_on", "张贴日期最早可补记到 %d 天前（%s）", NOTICE_BACKDATE_DAYS,
                       earliest);
    if (date_plus(posted_on, n.days - 1, ends) != 0)
        return err_set(err, ERR_INVALID, "posted_on", "张贴日期不正确");
    if (db_exec_args(db,
                     "UPDATE assistance_notice SET status = 'posted', posted_on = ?, ends_on = ?, posted_by = ?"
                     " WHERE id = ? AND status = 'draft'",
                     DB_TEXT(posted_on), DB_TEXT(ends), DB_ID(who ? who->id : 0), DB_INT(id)) != DB_DONE)
        return err_db(err);
    if (db_changes(db) != 1)
        return err_set(err, ERR_CONFLICT, NULL, "该公示已被他人张贴");

    notice_row *rows;
    size_t nrows;
    if (notice_rows(db, id, &rows, &nrows) != 0)
        return err_db(err);
    snprintf(opinion, sizeof opinion, "公示 #%lld：%s 至 %s", (long long)id, posted_on, ends);
    for (size_t i = 0; i < nrows; i++) {
        const notice_row *r = &rows[i];
        if (strcmp(r->case_state, "checked") != 0) {
            err_set(err, ERR_CONFLICT, "case_ids",
                    "申请 #%lld（%s）已不在“社区已审核”状态（现为“%s”），整张公示未张贴；请将其移出后重新生成公示",
                    (long long)r->case_id, r->masked_name, state_label(r->case_state));
            free(rows);
            return -1;
        }
        ms_err e;
        if (wf_perform(db, &ASSIST_CASE, r->case_id, "publish", who, ip, &(wf_input){.opinion = opinion}, NULL,
                       &e) != 0) {
            if (e.kind == ERR_DB || e.kind == ERR_BUSY)
                *err = e;
            else
                err_set(err, e.kind == ERR_NOT_FOUND ? ERR_CONFLICT : e.kind, "case_ids",
                        "申请 #%lld（%s）不能公示：%s；整张公示未张贴", (long long)r->case_id, r->masked_name,
                        e.message);
            free(rows);
            return -1;
        }
    }
    free(rows);
    return 0;
}

int notice_close(db_conn *db, int64_t id, const char *today, ms_err *err)
{
    notice n;
    char now[20];
    int rc = notice_get(db, id, &n);
    if (rc != 0)
        return rc > 0 ? err_set(err, ERR_NOT_FOUND, NULL, "公示不存在或不在您的管辖范围内") : err_db(err);
    if (strcmp(n.status, "draft") == 0)
        return err_set(err, ERR_CONFLICT, NULL, "该公示尚未张贴");
    if (strcmp(n.status, "closed") == 0)
        return err_set(err, ERR_CONFLICT, NULL, "该公示已结束");
    if (strcmp(today, n.ends_on) <= 0)
        return err_set(err, ERR_CONFLICT, NULL, "公示期至 %s 结束，期满后方可结束公示", n.ends_on);
    if (db_exec_args(db, "UPDATE assistance_notice SET status = 'closed', closed_at = ? WHERE id = ? AND status = 'posted'",
                     DB_TEXT(db_now(now)), DB_INT(id)) != DB_DONE)
        return err_db(err);
    return db_changes(db) == 1 ? 0 : err_set(err, ERR_CONFLICT, NULL, "该公示已结束");
}

/* ---- objections -------------------------------------------------------------- */

void objection_from_row(db_stmt *s, objection *out)
{
    memset(out, 0, sizeof *out);
    out->id = db_col_int(s, 0);
    out->notice_id = db_col_int(s, 1);
    out->case_id = db_col_int(s, 2);
    db_col_copy(s, 3, out->org_path, sizeof out->org_path);
    db_col_copy(s, 4, out->masked_name, sizeof out->masked_name);
    db_col_copy(s, 5, out->received_on, sizeof out->received_on);
    db_col_copy(s, 6, out->channel, sizeof out->channel);
    out->content = strdup(db_col_text(s, 7));
    db_col_copy(s, 8, out->status, sizeof out->status);
    out->resolution = db_col_is_null(s, 9) ? NULL : strdup(db_col_text(s, 9));
    out->resolved_by = db_col_int(s, 10);
    out->created_by = db_col_int(s, 11);
    db_col_copy(s, 12, out->resolved_at, sizeof out->resolved_at);
    db_col_copy(s, 13, out->created_at, sizeof out->created_at);
}

void objection_release(objection *o)
{
    free(o->content);
    free(o->resolution);
    o->content = o->resolution = NULL;
}

int objection_get(db_conn *db, int64_t id, objection *out)
{
    db_stmt *s = db_query(db, OBJECTION_SELECT " WHERE o.id = ?", DB_INT(id));
    if (!s)
        return -1;
    int rc = db_step(s);
    if (rc == DB_ROW)
        objection_from_row(s, out);
    db_finalize(s);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}

/* 0 when text is 1..OBJECTION_TEXT_CHARS characters of clean text,
 * else -1 with ERR_INVALID on field. */
static int objection_text_ok(const char *text, const char *field, const char *what, ms_err *err)
{
    long chars = text ? utf8_length(text) : 0;
    int blank = 1;
    for (const char *p = text; p && *p && blank; p++)
        blank = *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n';
    if (chars < 1 || blank)
        return err_set(err, ERR_INVALID, field, "请填写%s", what);
    if (chars > OBJECTION_TEXT_CHARS || !text_is_clean(text, 1))
        return err_set(err, ERR_INVALID, field, "%s须在 %d 字以内，不能含控制字符", what, OBJECTION_TEXT_CHARS);
    return 0;
}

int64_t objection_create(db_conn *db, const actor *who, int64_t notice_id, int64_t case_id, const char *received_on,
                         const char *channel, const char *content, const char *today, ms_err *err)
{
    notice n;
    char now[20];
    int rc = notice_get(db, notice_id, &n);
    if (rc != 0)
        return rc > 0 ? err_set(err, ERR_NOT_FOUND, NULL, "公示不存在或不在您的管辖范围内") : err_db(err);
    if (strcmp(n.status, "draft") == 0)
        return err_set(err, ERR_CONFLICT, NULL, "该公示尚未张贴，不能登记异议");
    if (!db_exists(db, "SELECT 1 FROM assistance_notice_case WHERE notice_id = ? AND case_id = ?", DB_INT(notice_id),
                   DB_INT(case_id)))
        return err_set(err, ERR_INVALID, "case_id", "申请 #%lld 不在这张公示上", (long long)case_id);
    if (!received_on || !date_is_valid(received_on))
        return err_set(err, ERR_INVALID, "received_on", "收到日期须为 YYYY-MM-DD 格式的日期");
    if (strcmp(received_on, today) > 0)
        return err_set(err, ERR_INVALID, "received_on", "收到日期不能晚于今天（%s）", today);
    if (strcmp(received_on, n.posted_on) < 0 || strcmp(received_on, n.ends_on) > 0)
        return err_set(err, ERR_INVALID, "received_on", "收到日期须在公示期内（%s 至 %s）", n.posted_on, n.ends_on);
    if (!channel || !*channel)
        channel = OBJECTION_CHANNELS[0];
    if (!str_in_set(channel, OBJECTION_CHANNELS))
        return err_set(err, ERR_INVALID, "channel", "反映方式只能是 来访、电话、信件 或 其他");
    if (objection_text_ok(content, "content", "异议内容", err) != 0)
        return -1;
    if (db_exec_args(db,
                     "INSERT INTO assistance_objection(notice_id, case_id, received_on, channel, content, status,"
                     " created_by, created_at) VALUES (?, ?, ?, ?, ?, 'open', ?, ?)",
                     DB_INT(notice_id), DB_INT(case_id), DB_TEXT(received_on), DB_TEXT(channel), DB_TEXT(content),
                     DB_ID(who ? who->id : 0), DB_TEXT(db_now(now))) != DB_DONE)
        return err_db(err);
    return db_last_insert_id(db);
}

int objection_resolve(db_conn *db, const actor *who, int64_t id, const char *status, const char *resolution,
                      ms_err *err)
{
    static const char *const OUTCOMES[] = {"upheld", "dismissed", NULL};
    char now[20];
    if (!status || !str_in_set(status, OUTCOMES))
        return err_set(err, ERR_INVALID, "status", "处理结果只能是 upheld（异议成立）或 dismissed（异议不成立）");
    if (objection_text_ok(resolution, "resolution", "处理意见", err) != 0)
        return -1;
    if (db_exec_args(db,
                     "UPDATE assistance_objection SET status = ?, resolution = ?, resolved_by = ?, resolved_at = ?"
                     " WHERE id = ? AND status = 'open'",
                     DB_TEXT(status), DB_TEXT(resolution), DB_ID(who ? who->id : 0), DB_TEXT(db_now(now)),
                     DB_INT(id)) != DB_DONE)
        return err_db(err);
    if (db_changes(db) != 1)
        return err_set(err, ERR_CONFLICT, NULL, "该异议已处理，不能再次处理");
    return 0;
}

/* ---- the approval blocker ------------------------------------------------------ */

int notice_blocks_approval(db_conn *db, int64_t case_id, const char *today, char *why, size_t whysz)
{
    int64_t open = db_one_int(db, -1,
                              "SELECT COUNT(*) FROM assistance_objection WHERE case_id = ? AND status = 'open'",
                              DB_INT(case_id));
    if (open < 0)
        return -1;
    if (open > 0)
        return WHY("该申请在公示期间收到 %lld 条异议，尚未处理完毕，不能审批", (long long)open), 1;
    /* the latest posted notice of the case: a case returned and checked
     * again is posted again, and only that notice counts */
    db_stmt *s = db_query(db,
                          "SELECT n.id, n.ends_on FROM assistance_notice_case nc JOIN assistance_notice n ON n.id = nc.notice_id "
                          " WHERE nc.case_id = ? AND n.status IN ('posted', 'closed') AND n.ends_on IS NOT NULL "
                          " ORDER BY n.posted_on DESC, n.id DESC LIMIT 1",
                          DB_INT(case_id));
    if (!s)
        return -1;
    int rc = db_step(s);
    char ends[16] = "";
    int64_t notice_id = 0;
    if (rc == DB_ROW) {
        notice_id = db_col_int(s, 0);
        db_col_copy(s, 1, ends, sizeof ends);
    }
    db_finalize(s);
    if (rc != DB_ROW && rc != DB_DONE)
        return -1;
    if (!ends[0])
        return WHY("该申请尚未张榜公示，不能审批"), 1;
    if (strcmp(today, ends) <= 0)
        return WHY("公示期至 %s 结束，期满后方可审批", ends), 1;
    int64_t upheld = db_one_int(db, -1,
                                "SELECT COUNT(*) FROM assistance_objection WHERE notice_id = ? AND case_id = ?"
                                " AND status = 'upheld'",
                                DB_INT(notice_id), DB_INT(case_id));
    if (upheld < 0)
        return -1;
    if (upheld > 0)
        return WHY("该申请的公示异议经核实成立，不能审批；请退回重新调查或作出不予批准决定"), 1;
    return 0;
}
