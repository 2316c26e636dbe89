/* hazard.c — the hazard ledger (see hazard.h): the SQL of safety_hazard
 * and safety_recheck. */
#include "safety/hazard.h"
#include "registry/org.h"
#include "safety/hazard_flow.h"
#include "util/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const HAZARD_LEVELS[] = {"一般", "较大", "重大", NULL};

void hazard_from_row(db_stmt *s, hazard *h)
{
    memset(h, 0, sizeof *h);
    h->enterprise_id = db_col_int(s, 0);
    h->inspection_id = db_col_int(s, 1);
    h->grid_id = db_col_int(s, 2);
    h->community_id = db_col_int(s, 3);
    db_col_copy(s, 4, h->enterprise_name, sizeof h->enterprise_name);
    db_col_copy(s, 5, h->grid_name, sizeof h->grid_name);
    db_col_copy(s, 6, h->community_name, sizeof h->community_name);
    db_col_copy(s, 7, h->place, sizeof h->place);
    db_col_copy(s, 8, h->level, sizeof h->level);
    h->description = strdup(db_col_text(s, 9));
    h->measure = strdup(db_col_text(s, 10));
    db_col_copy(s, 11, h->responsible, sizeof h->responsible);
    db_col_copy(s, 12, h->found_on, sizeof h->found_on);
    db_col_copy(s, 13, h->deadline, sizeof h->deadline);
    h->version = db_col_int(s, 14);
    db_col_copy(s, 15, h->created_at, sizeof h->created_at);
    db_col_copy(s, 16, h->updated_at, sizeof h->updated_at);
    wf_case_from_row(s, 17, &h->c);
}

void hazard_release(hazard *h)
{
    free(h->description);
    free(h->measure);
    h->description = h->measure = NULL;
}

int hazard_get(db_conn *db, int64_t id, hazard *out)
{
    db_stmt *s = db_query(db, HAZARD_SELECT " WHERE h.id = ?", DB_INT(id));
    if (!s)
        return -1;
    int rc = db_step(s);
    if (rc == DB_ROW)
        hazard_from_row(s, out);
    db_finalize(s);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}

int hazard_is_overdue(const hazard *h, const char *today)
{
    return !h->c.closed_at[0] && strcmp(h->deadline, today) < 0;
}

/* Where the hazard is: the enterprise's grid (and the inspection, which
 * must be of that enterprise), or the grid given with a place. Fills
 * path, grid and community ids, and the title's subject. 0 or -1. */
static int hazard_where(db_conn *db, const actor *who, const hazard_in *in, int64_t *enterprise_id,
                        char found_default[11], char path[256], int64_t ids[2], char *subject, size_t subjectsz,
                        ms_err *err)
{
    *enterprise_id = in->enterprise_id;
    found_default[0] = '\0';
    if (in->inspection_id > 0) {
        inspection i;
        int rc = inspection_get(db, in->inspection_id, &i);
        if (rc < 0)
            return err_db(err);
        if (rc > 0 || !actor_scope_contains(who, i.org_path))
            return err_set(err, ERR_NOT_FOUND, "inspection_id", "检查记录不存在或不在您的管辖范围内");
        inspection_release(&i);
        if (*enterprise_id > 0 && *enterprise_id != i.enterprise_id)
            return err_set(err, ERR_INVALID, "inspection_id", "检查记录不是该企业或场所的");
        *enterprise_id = i.enterprise_id;
        snprintf(found_default, 11, "%s", i.inspected_on);
    }
    if (*enterprise_id > 0) {
        enterprise e;
        int rc = enterprise_get(db, *enterprise_id, &e);
        if (rc < 0)
            return err_db(err);
        if (rc > 0 || !actor_scope_contains(who, e.org_path))
            return err_set(err, ERR_NOT_FOUND, "enterprise_id", "企业或场所不存在或不在您的管辖范围内");
        if (!e.active)
            return err_set(err, ERR_CONFLICT, "enterprise_id", "%s已停用", e.name);
        snprintf(path, 256, "%s", e.org_path);
        ids[0] = e.grid_id;
        ids[1] = e.community_id;
        snprintf(subject, subjectsz, "%s", e.name);
        return 0;
    }
    if (in->grid_id <= 0)
        return err_set(err, ERR_INVALID, "enterprise_id", "请填写 enterprise_id（企业或场所），或 grid_id 和 place（隐患地点）");
    if (!safety_text_ok(in->place, 1, ENT_ADDRESS_CHARS, 0))
        return err_set(err, ERR_INVALID, "place", "请填写隐患地点（不超过%d个字）", ENT_ADDRESS_CHARS);
    org_unit g;
    if (safety_grid_in_scope(db, who, in->grid_id, &g, err) != 0)
        return -1;
    snprintf(path, 256, "%s", g.path);
    ids[0] = g.id;
    ids[1] = g.parent_id;
    snprintf(subject, subjectsz, "%s", in->place);
    return 0;
}

int64_t hazard_create(db_conn *db, const actor *who, const char *ip, const hazard_in *in, ms_err *err)
{
    char today[11], found_default[11], path[256], subject[ENT_ADDRESS_CHARS * 4 + 1], title[WF_TITLE_CHARS * 4 + 1] = "",
        now[20];
    int64_t enterprise_id, ids[2] = {0, 0};
    date_today_text(today);
    if (!str_in_set(in->level ? in->level : "", HAZARD_LEVELS))
        return err_set(err, ERR_INVALID, "level", "隐患等级只能是一般、较大或重大");
    if (!safety_text_ok(in->description, 1, ENT_TEXT_CHARS, 1))
        return err_set(err, ERR_INVALID, "description", "请填写隐患描述（不超过%d个字）", ENT_TEXT_CHARS);
    if (in->measure && !safety_text_ok(in->measure, 0, ENT_TEXT_CHARS, 1))
        return err_set(err, ERR_INVALID, "measure", "整改措施不能超过%d个字", ENT_TEXT_CHARS);
    const char *why;
    if (in->responsible && *in->responsible && (why = person_name_problem(in->responsible)) != NULL)
        return err_set(err, ERR_INVALID, "responsible", "整改责任人：%s", why);
    if (in->found_on && (!date_is_valid(in->found_on) || strcmp(in->found_on, today) > 0))
        return err_set(err, ERR_INVALID, "found_on", "发现日期应为 YYYY-MM-DD，且不晚于今天");
    if (hazard_where(db, who, in, &enterprise_id, found_default, path, ids, subject, sizeof subject, err) != 0)
        return -1;
    const char *found = in->found_on ? in->found_on : found_default[0] ? found_default : today;
    if (!in->deadline || !date_is_valid(in->deadline) || strcmp(in->deadline, found) < 0)
        return err_set(err, ERR_INVALID, "deadline", "请填写整改期限 deadline（YYYY-MM-DD，不早于发现日期 %s）", found);
    /* the subject and the description, cut to the title's length in whole characters */
    size_t n = 0;
    for (const char *parts[] = {subject, "：", in->description, NULL}, **p = parts; *p; p++)
        for (const char *q = *p; *q && n + 4 < sizeof title;) {
            unsigned long cp;
            int len = utf8_next(q, strlen(q), &cp);
            if (len <= 0 || utf8_length(title) >= WF_TITLE_CHARS)
                break;
            memcpy(title + n, q, (size_t)len);
            n += (size_t)len;
            q += len;
            title[n] = '\0';
        }
    title[n] = '\0';
    int64_t id = wf_create(db, &HAZARD_CASE, path, title, who, ip, err);
    if (id < 0)
        return -1;
    db_now(now);
    if (db_exec_args(db,
                     "INSERT INTO safety_hazard (id, enterprise_id, inspection_id, grid_id, community_id, place, level,"
                     " description, measure, responsible, found_on, deadline, created_at, updated_at)"
                     " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                     DB_INT(id), DB_ID(enterprise_id), DB_ID(in->inspection_id), DB_INT(ids[0]), DB_INT(ids[1]),
                     DB_TEXT(enterprise_id > 0 || !in->place ? "" : in->place), DB_TEXT(in->level),
                     DB_TEXT(in->description), DB_TEXT(in->measure ? in->measure : ""),
                     DB_TEXT(in->responsible ? in->responsible : ""), DB_TEXT(found), DB_TEXT(in->deadline),
                     DB_TEXT(now), DB_TEXT(now)) != DB_DONE)
        return err_db(err);
    return id;
}

/* The re-check a step carries, checked against the action. 0 or -1. */
static int recheck_fits(const char *action, const hazard *h, const recheck_in *r, const char *today, ms_err *err)
{
    int close = strcmp(action, "close") == 0, reopen = strcmp(action, "reopen") == 0;
    if (!close && !reopen)
        return r ? err_set(err, ERR_INVALID, "recheck", "只有复查（close 销号、reopen 退回整改）登记复查结果") : 0;
    if (!r)
        return err_set(err, ERR_INVALID, "recheck", "%s须登记复查：recheck {checked_on 复查日期, checkers 复查人, passed 是否合格}",
                       close ? "销号" : "退回整改");
    if (!r->checked_on || !date_is_valid(r->checked_on) || strcmp(r->checked_on, today) > 0 ||
        strcmp(r->checked_on, h->found_on) < 0)
        return err_set(err, ERR_INVALID, "recheck.checked_on", "复查日期应为 YYYY-MM-DD，不早于发现日期 %s，不晚于今天",
                       h->found_on);
    const char *why = person_names_problem(r->checkers);
    if (why || utf8_length(r->checkers) > 120)
        return err_set(err, ERR_INVALID, "recheck.checkers", "复查人员：%s", why ? why : "不能超过120个字");
    if (r->note && !safety_text_ok(r->note, 0, 500, 1))
        return err_set(err, ERR_INVALID, "recheck.note", "复查意见不能超过500个字");
    if (r->passed < 0)
        return err_set(err, ERR_INVALID, "recheck.passed", "请填写复查结果 passed（true 合格，false 不合格）");
    if (close && !r->passed)
        return err_set(err, ERR_CONFLICT, "recheck.passed", "复查不合格，不能销号：请退回整改（reopen）");
    if (reopen && r->passed)
        return err_set(err, ERR_CONFLICT, "recheck.passed", "复查合格，应予销号（close），不能退回整改");
    return 0;
}

int hazard_step(db_conn *db, const actor *who, const char *ip, int64_t id, const char *action,
                const hazard_step_in *in, ms_err *err)
{
    hazard h;
    char today[11], now[20];
    int rc = hazard_get(db, id, &h);
    if (rc < 0)
        return err_db(err);
    if (rc > 0 || !who || !actor_scope_contains(who, h.c.org_path)) {
        if (rc == 0)
            hazard_release(&h);
        return err_set(err, ERR_NOT_FOUND, NULL, "隐患不存在或不在您的管辖范围内");
    }
    date_today_text(today);
    wf_input wi = {.opinion = in->opinion, .attachments = in->attachments};
    rc = err_check_version(err, "隐患", h.version, in->if_version) != 0 ||
                 wf_perform(db, &HAZARD_CASE, id, action, who, ip, &wi, NULL, err) != 0 ||
                 recheck_fits(action, &h, in->recheck, today, err) != 0
             ? -1
             : 0;
    hazard_release(&h);
    if (rc != 0)
        return -1;
    db_now(now);
    const recheck_in *r = in->recheck;
    if (r && db_exec_args(db,
                          "INSERT INTO safety_recheck (hazard_id, checked_on, checkers, passed, note, created_by,"
                          " created_at) VALUES (?,?,?,?,?,?,?)",
                          DB_INT(id), DB_TEXT(r->checked_on), DB_TEXT(r->checkers), DB_INT(r->passed != 0),
                          DB_TEXT(r->note ? r->note : ""), DB_ID(who->id), DB_TEXT(now)) != DB_DONE)
        return err_db(err);
    if (db_exec_args(db, "UPDATE safety_hazard SET version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
                     DB_TEXT(now), DB_INT(id), DB_INT(h.version)) != DB_DONE)
        return err_db(err);
    return db_changes(db) == 1 ? 0 : err_set(err, ERR_CONFLICT, NULL, "隐患已被他人更改，请刷新后重试");
}

int hazard_rechecks_load(db_conn *db, int64_t id, recheck *out, int max)
{
    db_stmt *s = db_query(db,
                          "SELECT checked_on, checkers, passed, note, created_at FROM safety_recheck WHERE hazard_id = ?"
                          " ORDER BY id",
                          DB_INT(id));
    if (!s)
        return -1;
    int n = 0;
    while (n < max && db_step(s) == DB_ROW) {
        recheck *r = &out[n++];
        db_col_copy(s, 0, r->checked_on, sizeof r->checked_on);
        db_col_copy(s, 1, r->checkers, sizeof r->checkers);
        r->passed = (int)db_col_int(s, 2);
        db_col_copy(s, 3, r->note, sizeof r->note);
        db_col_copy(s, 4, r->created_at, sizeof r->created_at);
    }
    db_finalize(s);
    return n;
}

int hazard_tally_by(db_conn *db, const char *by, const char *path, const char *end, const char *today,
                    hazard_tally *out, int max)
{
    static const struct {
        const char *by, *select, *group;
    } BY[] = {
        {"level", "0, h.level", " GROUP BY h.level ORDER BY h.level"},
        {"state", "0, c.state", " GROUP BY c.state ORDER BY c.state"},
        {"community", "h.community_id, gc.name", " GROUP BY h.community_id, gc.name ORDER BY h.community_id"},
    };
    char sql[1024];
    size_t i = 0;
    while (i < sizeof BY / sizeof BY[0] && strcmp(BY[i].by, by) != 0)
        i++;
    if (i == sizeof BY / sizeof BY[0])
        return -1;
    snprintf(sql, sizeof sql,
             "SELECT %s, COUNT(*), SUM(CASE WHEN c.closed_at IS NULL THEN 1 ELSE 0 END),"
             " SUM(CASE WHEN c.closed_at IS NULL AND h.deadline < ? THEN 1 ELSE 0 END)" HAZARD_FROM
             " WHERE c.org_path >= ? AND c.org_path < ?%s",
             BY[i].select, BY[i].group);
    db_stmt *s = db_query(db, sql, DB_TEXT(today), DB_TEXT(path), DB_TEXT(end));
    if (!s)
        return -1;
    int n = 0, rc;
    while (n < max && (rc = db_step(s)) == DB_ROW) {
        hazard_tally *t = &out[n++];
        t->id = db_col_int(s, 0);
        db_col_copy(s, 1, t->key, sizeof t->key);
        t->total = db_col_int(s, 2);
        t->open = db_col_int(s, 3);
        t->overdue = db_col_int(s, 4);
    }
    db_finalize(s);
    return n;
}
