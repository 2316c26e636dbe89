/* assist_demo.c — the demo street's social assistance (see
 * assist_demo.h): reads the registry demo.c built, writes through the
 * assistance domain only. The proportions follow DOMAIN.md: the registry
 * demo already tags ~726 低保 households per 50,000 (1.78 people each),
 * ~53 特困 people, the 经济困难老人 and 困境儿童; this file turns them into
 * cases. Figures marked (A) are assumptions. */
#include "demo/assist_demo.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assistance/case.h"
#include "assistance/enrol.h"
#include "assistance/events.h"
#include "assistance/notice.h"
#include "assistance/payment.h"
#include "assistance/programme.h"
#include "assistance/relative.h"
#include "auth/users.h"
#include "demo/demo.h"
#include "registry/resident.h"
#include "util/csvfile.h"
#include "util/idcard.h"
#include "util/strbuf.h"
#include "util/validate.h"

#define MONTHS_PAID 10          /* frozen runs: the ten months before this one */
#define APPS_PER_COMMUNITY 10   /* applications walked through the steps in 001 and 002 */

typedef struct ctx {
    db_conn *db;
    uint64_t rng;
    int today;                  /* YYYYMMDD, China local */
    char today_s[11];
    actor street, reviewer, community[2];
    int64_t community_id[2];
    char *err;
    size_t errsz;
    demo_assist_summary *sum;
    strbuf csv;                 /* the 存量纳入 table */
    long csv_rows;
    int64_t *enrolled_people;   /* beneficiaries of 低保 rows, for the deaths and a relative */
    size_t n_enrolled_people;
} ctx;

/* ---- small things ------------------------------------------------------ */

static uint64_t next(ctx *c)
{
    uint64_t z = (c->rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int below(ctx *c, int n)
{
    return n > 0 ? (int)(next(c) % (uint64_t)n) : 0;
}

static int permille(ctx *c, int p)
{
    return below(c, 1000) < p;
}

static int fail(ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, c->errsz, fmt, ap);
    va_end(ap);
    return -1;
}

/* "YYYY-MM" of the month `delta` months from today's. */
static void month_from_today(const ctx *c, int delta, char out[8])
{
    int m = (c->today / 10000) * 12 + (c->today / 100 % 100 - 1) + delta;
    snprintf(out, 8, "%04u-%02u", (unsigned)(m / 12) % 10000u, (unsigned)(m % 12 + 1) % 100u);
}

/* "YYYY-MM-DD" of the day `back` days before today (negative: after). */
static void day_before_today(const ctx *c, int back, char out[11])
{
    date_add_days(c->today_s, -back, out);   /* today is a date: never fails */
}

static int load_actor(ctx *c, const char *username, actor *out)
{
    int64_t id = db_one_int(c->db, 0, "SELECT id FROM app_user WHERE username = ?", DB_TEXT(username));
    if (id <= 0 || user_load_ctx(c->db, id, out) != 0)
        return fail(c, "演示账户 %s 不存在：请先建立演示街道和账户", username);
    return 0;
}

/* The ids a one-column query gives, in its order (malloc'd; NULL on an error). */
static int64_t *ids_of_argv(ctx *c, size_t *n, const char *sql, const db_arg *args)
{
    *n = 0;
    size_t cap = 0;
    int64_t *out = NULL;
    db_stmt *s = db_query_argv(c->db, sql, args);
    if (!s)
        return NULL;
    while (db_step(s) == DB_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            out = xrealloc(out, cap * sizeof *out);
        }
        out[(*n)++] = db_col_int(s, 0);
    }
    db_finalize(s);
    if (!out)
        out = xrealloc(NULL, sizeof *out);
    return out;
}

/* ---- 存量纳入: the beneficiaries already receiving ------------------------ */

#define ids_of(c, n, ...) ids_of_argv((c), (n), DB_SQL_ARGS_(__VA_ARGS__))

static const char *const BANKS[] = {"中国农业银行", "中国邮政储蓄银行", "中国工商银行", "中国建设银行",
                                    "农村商业银行"};

/* One row of the enrolment table for resident r in programme `code`. */
static void enrol_row(ctx *c, const resident *r, const char *code, const char *band, int members, int64_t income,
                      const char *review_class, const char *min_start)
{
    char start[8], members_s[12] = "", income_s[24] = "", account[24];
    /* (A) most have received for one to two years; one in seven was
     * approved in the last ten months */
    month_from_today(c, permille(c, 140) ? -1 - below(c, MONTHS_PAID) : -11 - below(c, 10), start);
    if (min_start && strcmp(start, min_start) < 0)
        snprintf(start, sizeof start, "%s", min_start);
    if (members > 0) {
        snprintf(members_s, sizeof members_s, "%d", members);
        snprintf(income_s, sizeof income_s, "%lld", (long long)income);
    }
    snprintf(account, sizeof account, "62%017llu", (unsigned long long)(next(c) % 100000000000000000ULL));
    const char *area = strcmp(r->hukou_type, "农村") == 0 ? "rural" : "urban";
    /* (A) re-reviews: one in twelve overdue by up to 40 days, the rest due within the year */
    char next_review[11] = "";
    if (review_class && members > 0)
        day_before_today(c, permille(c, 83) ? 1 + below(c, 40) : -(1 + below(c, 365)), next_review);
    const char *f[] = {code, r->id_number, area, band ? band : "", members_s, income_s, start,
                       review_class ? review_class : "", BANKS[below(c, 5)], r->name, account, next_review};
    csvw_row(&c->csv, f, sizeof f / sizeof f[0]);
    c->csv_rows++;
}

static const char *review_class(ctx *c)
{
    int k = below(c, 10);   /* (A) A 60 %, B 30 %, C 10 % */
    return k < 6 ? "A" : k < 9 ? "B" : "C";
}

/* 低保: one row per household carrying the tag; the head applies for all
 * its active members; income so that the top-up is 350–650 yuan a person
 * (DOMAIN.md: 6,483,973 yuan for 1,293 people over ten months ≈ 500). */
static int plan_dibao(ctx *c)
{
    size_t nh;
    int64_t *hh = ids_of(c, &nh,
                         "SELECT DISTINCT r.household_id FROM resident_tag t JOIN resident r ON r.id = t.resident_id"
                         " WHERE t.tag = ? AND r.status = 'active' ORDER BY 1",
                         DB_TEXT("dibao"));
    if (!hh)
        return fail(c, "读取低保户失败");
    c->enrolled_people = xrealloc(NULL, (nh + 1) * sizeof *c->enrolled_people);
    for (size_t i = 0; i < nh; i++) {
        size_t nm;
        int64_t *m = ids_of(c, &nm,
                            "SELECT id FROM resident WHERE household_id = ? AND status = 'active'"
                            " ORDER BY CASE WHEN relation = '户主' THEN 0 ELSE 1 END, id",
                            DB_INT(hh[i]));
        resident head;
        if (m && nm > 0 && resident_get(c->db, m[0], &head) == 0 && head.id_number[0]) {
            int members = nm > 10 ? 10 : (int)nm;
            int rural = strcmp(head.hukou_type, "农村") == 0;
            int64_t standard = rural ? 60000 : 78000;
            int64_t topup = 35000 + below(c, 30001);
            int64_t income = members * (standard - topup);
            enrol_row(c, &head, rural ? "dibao_rural" : "dibao_urban", NULL, members, income < 0 ? 0 : income,
                      review_class(c), NULL);
            c->enrolled_people[c->n_enrolled_people++] = head.id;
        }
        free(m);
    }
    free(hh);
    return 0;
}

/* The per-person programmes: who carries a tag (or a disability, or is
 * 70+) and receives, `share` per mille of them. */
typedef struct person_rule {
    const char *tag;           /* registry tag the candidates carry */
    const char *programme;
    int share;                 /* per mille enrolled; the rest are 政策找人's */
    int grade_max;             /* disability programmes: grades 1..grade_max; 0 = not one */
    int share_not_poor;        /* per mille of those outside 低保/特困 households; -1 = as share */
} person_rule;

static const person_rule PERSON_RULES[] = {
    {"tekun", "tekun", 1000, 0, -1},
    {"hardship_elder", "elderly_hardship", 1000, 0, -1},
    {"hardship_child", "children", 1000, 0, -1},
    /* (A) the registry demo has more disabled people than DOMAIN.md's
     * subsidies cover (387 and 882 per street): nearly all of those in
     * 低保/特困 households receive, a share of the others */
    {"disabled", "disability_living", 920, 4, 35},
    {"disabled", "disability_care", 900, 2, 380},
    {"elderly", "elderly_longevity", 960, 0, -1},    /* (A) 高龄津贴 70+ */
};

static int in_poor_household(ctx *c, int64_t household_id)
{
    return db_exists(c->db,
                     "SELECT 1 FROM resident r JOIN resident_tag t ON t.resident_id = r.id"
                     " WHERE r.household_id = ? AND r.status = 'active' AND t.tag IN ('dibao', 'tekun')",
                     DB_INT(household_id)) > 0;
}

static const char *band_of(ctx *c, const person_rule *rule, const resident *r, char grade[4])
{
    if (strcmp(rule->programme, "tekun") == 0)
        return strstr(r->notes, "集中") ? "concentrated" : "dispersed";
    if (strcmp(rule->programme, "children") == 0) {
        int k = below(c, 10);   /* (A) most are 困境儿童 */
        return k == 0 ? "orphan" : k == 1 ? "unsupported" : "hardship";
    }
    if (rule->grade_max) {
        snprintf(grade, 4, "%d", r->disability_grade);
        return grade;
    }
    return NULL;
}

static int plan_people(ctx *c)
{
    for (size_t k = 0; k < sizeof PERSON_RULES / sizeof PERSON_RULES[0]; k++) {
        const person_rule *rule = &PERSON_RULES[k];
        size_t n;
        int64_t *ids = ids_of(c, &n,
                              "SELECT t.resident_id FROM resident_tag t JOIN resident r ON r.id = t.resident_id"
                              " WHERE t.tag = ? AND r.status = 'active' ORDER BY 1",
                              DB_TEXT(rule->tag));
        if (!ids)
            return fail(c, "读取%s人员失败", rule->tag);
        for (size_t i = 0; i < n; i++) {
            resident r;
            char grade[4];
            if (resident_get(c->db, ids[i], &r) != 0 || !r.id_number[0])
                continue;
            if (rule->grade_max && (r.disability_grade < 1 || r.disability_grade > rule->grade_max))
                continue;
            int share = rule->share_not_poor < 0 || in_poor_household(c, r.household_id) ? rule->share
                                                                                          : rule->share_not_poor;
            if (!permille(c, share))
                continue;
            /* 高龄津贴 from the month after the 70th birthday */
            char after70[8] = "";
            if (strcmp(rule->programme, "elderly_longevity") == 0) {
                int y = atoi(r.birth_date) + 70, m = atoi(r.birth_date + 5) + 1;
                snprintf(after70, sizeof after70, "%04u-%02u", (unsigned)(y + (m > 12)) % 10000u,
                         (unsigned)(m > 12 ? 1 : m) % 100u);
            }
            enrol_row(c, &r, rule->programme, band_of(c, rule, &r, grade), 0, 0,
                      strcmp(rule->programme, "tekun") == 0 ? "A" : NULL, after70[0] ? after70 : NULL);
        }
        free(ids);
    }
    return 0;
}

static int enrol_all(ctx *c)
{
    char cerr[256];
    csvr *in = csvr_open_memory(c->csv.data, c->csv.len, CSVR_ENC_UTF8, cerr, sizeof cerr);
    if (!in)
        return fail(c, "存量纳入表无法读取：%s", cerr);
    enrol_report rep = {0};
    int rc = assist_enrol(c->db, in, 0, "演示街道存量救助对象.csv", &rep);
    csvr_close(in);
    if (rc != 0) {
        json_t *e0 = json_array_get(rep.errors, 0);
        fail(c, "存量纳入失败：%s%s", rep.fatal,
             e0 ? json_string_value(json_object_get(e0, "message")) : "");
        enrol_report_free(&rep);
        return -1;
    }
    c->sum->enrolled = (long)rep.enrolled;
    enrol_report_free(&rep);
    return 0;
}

/* ---- applications walked through the steps ------------------------------ */

/* One step in its own transaction. */
static int step(ctx *c, const actor *who, int64_t id, const char *action, const case_step_in *in)
{
    ms_err e = {0};
    if (db_begin(c->db) != DB_DONE)
        return fail(c, "无法开始事务");
    if (case_step(c->db, who, NULL, id, action, in, &e) != 0) {
        db_rollback(c->db);
        return fail(c, "案件 %lld「%s」失败：%s", (long long)id, action, e.message);
    }
    return db_commit(c->db) == DB_DONE ? 0 : fail(c, "提交失败");
}

static int64_t apply(ctx *c, const actor *who, const char *programme, int64_t household_id, int64_t resident_id,
                     const char *reason, int64_t requested_fen)
{
    case_new in = {.programme = programme, .household_id = household_id, .resident_id = resident_id,
                   .reason = reason, .requested_fen = requested_fen};
    case_conflict conflicts[CASE_MAX_CONFLICTS];
    size_t nconf = 0;
    ms_err e = {0};
    if (db_begin(c->db) != DB_DONE)
        return fail(c, "无法开始事务");
    int64_t id = case_create(c->db, who, NULL, &in, conflicts, &nconf, &e);
    if (id < 0) {
        db_rollback(c->db);
        return fail(c, "申请失败：%s", e.message);
    }
    if (db_commit(c->db) != DB_DONE)
        return fail(c, "提交失败");
    c->sum->applications++;
    return id;
}

/* 入户调查 of case id: the household's active members, counted, the head
 * with a wage or pension. */
static int investigate(ctx *c, const actor *who, int64_t id, int64_t household_id)
{
    size_t nm;
    int64_t *m = ids_of(c, &nm,
                        "SELECT id FROM resident WHERE household_id = ? AND status = 'active'"
                        " ORDER BY CASE WHEN relation = '户主' THEN 0 ELSE 1 END, id",
                        DB_INT(household_id));
    if (!m || nm == 0) {
        free(m);
        return fail(c, "户 %lld 没有在册成员", (long long)household_id);
    }
    case_member_in members[CASE_MAX_MEMBERS];
    memset(members, 0, sizeof members);
    size_t n = nm > CASE_MAX_MEMBERS ? CASE_MAX_MEMBERS : nm;
    for (size_t i = 0; i < n; i++) {
        members[i].resident_id = m[i];
        members[i].counted = 1;
    }
    members[0].incomes[0] = (case_income_in){below(c, 2) ? "wage" : "pension", 60000 + 1000 * below(c, 60)};
    members[0].nincomes = 1;
    char on[11];
    day_before_today(c, 3 + below(c, 10), on);
    case_investigation_in inv = {.investigated_on = on, .investigators = "王建国、李秀英",
                                 .housing = "自有住房一套，约 60 平方米", .vehicles = "无",
                                 .assets_note = "无大额存款", .conclusion = "家庭人均收入低于当地低保标准，情况属实"};
    case_step_in in = {.investigation = &inv, .members = members, .nmembers = n, .has_members = 1};
    int rc = step(c, who, id, "investigate", &in);
    free(m);
    return rc;
}

static int review_pass(ctx *c, const actor *who, int64_t id)
{
    case_review_in rv = {.held_on = c->today_s, .participants = "社区两委成员、居民代表、网格员共 9 人",
                         .votes_for = 8, .votes_abstain = 1, .notes = "评议通过"};
    return step(c, who, id, "review_pass", &(case_step_in){.review = &rv});
}

/* A notice of community k with the cases, posted `back` days ago. */
static int64_t post_notice(ctx *c, int k, const int64_t *ids, size_t n, int back)
{
    ms_err e = {0};
    char on[11];
    day_before_today(c, back, on);
    if (db_begin(c->db) != DB_DONE)
        return fail(c, "无法开始事务");
    int64_t nid = notice_create(c->db, &c->community[k], c->community_id[k], ids, n, 7, "0530-5321234", NULL, &e);
    if (nid < 0 || notice_post(c->db, &c->community[k], NULL, nid, on, c->today_s, &e) != 0) {
        db_rollback(c->db);
        return fail(c, "公示失败：%s", e.message);
    }
    return db_commit(c->db) == DB_DONE ? nid : fail(c, "提交失败");
}

/* Households of community k without 低保 or 特困, one in `every`. */
static int64_t *candidate_households(ctx *c, int k, size_t *n)
{
    return ids_of(c, n,
                  "SELECT h.id FROM household h JOIN org_unit g ON g.id = h.grid_id"
                  " WHERE g.parent_id = ? AND h.status = 'active' AND h.head_resident_id IS NOT NULL"
                  "   AND NOT EXISTS (SELECT 1 FROM resident r JOIN resident_tag t ON t.resident_id = r.id"
                  "                   WHERE r.household_id = h.id AND t.tag IN ('dibao', 'tekun'))"
                  " ORDER BY h.id",
                  DB_INT(c->community_id[k]));
}

static int head_of(ctx *c, int64_t household_id, resident *out)
{
    int64_t head = db_one_int(c->db, 0, "SELECT head_resident_id FROM household WHERE id = ?", DB_INT(household_id));
    return head > 0 && resident_get(c->db, head, out) == 0 && strcmp(out->status, "active") == 0 ? 0 : -1;
}

/* Community k's applications: two just filed, then one at each later
 * step, four on notices (two still up, two whose week has passed: one
 * approved by the street, one held by an open objection), one that the
 * democratic review turned down. */
static int plan_applications(ctx *c, int k, int64_t out_ids[APPS_PER_COMMUNITY])
{
    size_t nh;
    int64_t *hh = candidate_households(c, k, &nh);
    if (!hh || nh < APPS_PER_COMMUNITY * 7) {
        free(hh);
        return 0;   /* a tiny demo: no applications */
    }
    const actor *sq = &c->community[k];
    int64_t ids[APPS_PER_COMMUNITY];
    int64_t households[APPS_PER_COMMUNITY];
    for (int i = 0; i < APPS_PER_COMMUNITY; i++) {
        resident head;
        int64_t h = hh[(size_t)i * (nh / APPS_PER_COMMUNITY) + (size_t)below(c, 5)];
        if (head_of(c, h, &head) != 0)
            h = hh[(size_t)i * (nh / APPS_PER_COMMUNITY)];
        if (head_of(c, h, &head) != 0)
            return fail(c, "演示申请户 %lld 没有户主", (long long)h);
        const char *programme = strcmp(head.hukou_type, "农村") == 0 ? "dibao_rural" : "dibao_urban";
        ids[i] = apply(c, sq, programme, h, head.id, "家庭成员患病，收入微薄，申请最低生活保障", 0);
        households[i] = h;
        if (ids[i] < 0)
            return -1;
    }
    free(hh);
    static const case_step_in accept = {0};
    const case_step_in check = {.opinion = "经审核，家庭收入、财产状况符合低保条件，同意上报"};
    for (int i = 2; i < APPS_PER_COMMUNITY; i++) {
        if (step(c, sq, ids[i], "accept", &accept) != 0)
            return -1;
        if (i >= 3 && investigate(c, sq, ids[i], households[i]) != 0)
            return -1;
        if (i == 9) {
            case_review_in rv = {.held_on = c->today_s, .participants = "社区两委成员、居民代表共 9 人",
                                 .votes_for = 2, .votes_against = 6, .votes_abstain = 1,
                                 .notes = "家中有经营性收入未申报"};
            if (step(c, sq, ids[i], "review_fail",
                     &(case_step_in){.review = &rv, .opinion = "民主评议未通过：有未申报的经营性收入"}) != 0)
                return -1;
            continue;
        }
        if (i >= 4 && review_pass(c, sq, ids[i]) != 0)
            return -1;
        if (i >= 5 && step(c, sq, ids[i], "check", &check) != 0)
            return -1;
    }
    if (post_notice(c, k, &ids[5], 2, 2) < 0)   /* still up */
        return -1;
    int64_t ended = post_notice(c, k, &ids[7], 2, 9);   /* its week has passed */
    if (ended < 0)
        return -1;
    ms_err e = {0};
    char received[11];
    day_before_today(c, 6, received);
    if (db_begin(c->db) != DB_DONE ||
        objection_create(c->db, sq, ended, ids[8], received, "来访", "反映该户家中有一辆小轿车，调查时未登记",
                         c->today_s, &e) < 0) {
        db_rollback(c->db);
        return fail(c, "登记异议失败：%s", e.message);
    }
    if (db_commit(c->db) != DB_DONE)
        return fail(c, "提交失败");
    char start[8];
    month_from_today(c, 0, start);
    case_step_in approve = {.opinion = "经审批，同意纳入城乡最低生活保障", .start_month = start, .review_class = "B"};
    if (step(c, &c->street, ids[7], "approve", &approve) != 0)
        return -1;
    memcpy(out_ids, ids, sizeof ids);
    return 0;
}

/* 临时救助 and 医疗救助: one-off grants over the street, taken through the
 * steps by the street's 民政办 (who may take the community's steps). */
static int plan_one_off(ctx *c, long households)
{
    long n = households * 102 / 50000, nm = households * 20 / 50000;   /* DOMAIN.md: 102 people a year; (A) 医疗 */
    size_t nh;
    int64_t *hh = ids_of(c, &nh,
                         "SELECT id FROM household WHERE status = 'active' AND head_resident_id IS NOT NULL ORDER BY id");
    if (!hh || nh == 0) {
        free(hh);
        return 0;
    }
    for (long i = 0; i < n + nm; i++) {
        resident head;
        int64_t h = hh[below(c, (int)nh)];
        if (head_of(c, h, &head) != 0)
            continue;
        int medical = i >= n;
        int64_t asked = medical ? 100000 * (2 + below(c, 15)) : 50000 + 10000 * below(c, 40);   /* (A) */
        int64_t id = apply(c, &c->street, medical ? "medical" : "temporary", h, head.id,
                           medical ? "患重病住院，自付医疗费用负担过重" : "家庭成员突发重病，生活暂时困难", asked);
        if (id < 0) {
            c->err[0] = 0;   /* the person already has an open grant: pick another */
            continue;
        }
        if (step(c, &c->street, id, "accept", &(case_step_in){0}) != 0 || investigate(c, &c->street, id, h) != 0)
            return free(hh), -1;
        int community_ceiling = asked <= (medical ? 200000 : 100000);
        const case_step_in ok = {.opinion = "情况属实，同意给予救助"};
        if (community_ceiling ? step(c, &c->street, id, "grant", &ok)
                              : step(c, &c->street, id, "check", &(case_step_in){.opinion = "超出社区审批额度，报街道审批"}) ||
                                    step(c, &c->street, id, "approve", &ok))
            return free(hh), -1;
        c->sum->granted++;
    }
    free(hh);
    return 0;
}

/* ---- close relatives ---------------------------------------------------- */

static int add_relative(ctx *c, const actor *staff_account, const char *staff_name, const char *post,
                        int64_t unit_id, int64_t resident_id, const char *relation)
{
    resident r;
    if (resident_get(c->db, resident_id, &r) != 0 || !r.id_number[0])
        return 0;
    char norm[32];
    idcard_normalize(r.id_number, norm);
    char on[11];
    day_before_today(c, 30 + below(c, 300), on);
    relative_input in = {.staff_user_id = staff_account ? staff_account->id : 0, .staff_name = staff_name,
                         .staff_post = post, .staff_unit_id = unit_id, .relative_name = r.name,
                         .relation = relation, .relative_id_number = norm, .registered_on = on};
    ms_err e = {0};
    if (db_begin(c->db) != DB_DONE)
        return fail(c, "无法开始事务");
    if (relative_add(c->db, &c->street, NULL, &in, &e) < 0) {
        db_rollback(c->db);
        return fail(c, "近亲属备案失败：%s", e.message);
    }
    c->sum->relatives++;
    return db_commit(c->db) == DB_DONE ? 0 : fail(c, "提交失败");
}

/* The staff's relatives: the community worker's own in an application of
 * her community (she must recuse), the 民政办's in a 低保 household
 * already receiving (the report's example), and cadres' without cases. */
static int plan_relatives(ctx *c, int64_t apps[2][APPS_PER_COMMUNITY], int64_t street_id)
{
    for (int k = 0; k < 2; k++) {
        if (!apps[k][3])
            continue;
        int64_t applicant = db_one_int(c->db, 0, "SELECT resident_id FROM assistance_case WHERE id = ?",
                                       DB_INT(apps[k][3 + 2 * k]));
        if (applicant > 0 && add_relative(c, &c->community[k], c->community[k].display_name, "社区干部",
                                          c->community_id[k], applicant, k ? "兄弟姐妹" : "父母") != 0)
            return -1;
    }
    if (c->n_enrolled_people > 10 &&
        add_relative(c, &c->street, c->street.display_name, "低保经办人员", street_id,
                     c->enrolled_people[c->n_enrolled_people / 2], "配偶") != 0)
        return -1;
    static const char *const CADRES[][3] = {{"刘桂芳", "社区干部", "子女"}, {"孙志强", "街道工作人员", "兄弟姐妹"},
                                            {"周丽华", "社区干部", "配偶"}};
    size_t n;
    int64_t *any = ids_of(c, &n, "SELECT id FROM resident WHERE status = 'active' ORDER BY id LIMIT 5000");
    for (size_t i = 0; any && n > 0 && i < 3; i++)
        if (add_relative(c, NULL, CADRES[i][0], CADRES[i][1], i == 1 ? street_id : c->community_id[i ? 1 : 0],
                         any[below(c, (int)n)], CADRES[i][2]) != 0)
            return free(any), -1;
    free(any);
    c->sum->flagged = db_one_int(c->db, 0,
                                 "SELECT COUNT(*) FROM assistance_case a JOIN wf_case w ON w.id = a.id"
                                 " WHERE a.conflict_note IS NOT NULL AND w.closed_at IS NULL");
    return 0;
}

/* ---- ten months of payment runs ----------------------------------------- */

static int plan_runs(ctx *c)
{
    assist_programme progs[32];
    int np = programme_list(c->db, progs, 32);
    if (np < 0)
        return fail(c, "读取救助项目失败");
    for (int back = MONTHS_PAID; back >= 1; back--) {
        char month[8];
        month_from_today(c, -back, month);
        for (int i = 0; i < np; i++) {
            if (strcmp(progs[i].calc_kind, "one_off") == 0 || !progs[i].active)
                continue;
            ms_err e = {0};
            int64_t existing = 0, id;
            if (db_begin(c->db) != DB_DONE)
                return fail(c, "无法开始事务");
            id = pay_run_compute(c->db, &c->street, &progs[i], month, 0, &existing, &e);
            if (id < 0 || db_commit(c->db) != DB_DONE) {
                db_rollback(c->db);
                return fail(c, "%s %s 发放批次计算失败：%s", progs[i].name, month, e.message);
            }
            pay_run run;
            if (db_begin(c->db) != DB_DONE || pay_run_freeze(c->db, &c->reviewer, id, &e) != 0 ||
                pay_run_load(c->db, id, &run, &e) != 0 || db_commit(c->db) != DB_DONE) {
                db_rollback(c->db);
                return fail(c, "%s %s 发放批次复核失败：%s", progs[i].name, month, e.message);
            }
            c->sum->runs++;
            c->sum->paid_fen += run.total_fen;
        }
    }
    return 0;
}

/* Two 低保 beneficiaries died last week: the registry records it, the
 * sweep flags their cases (停保预警), and December's run will hold them. */
static int plan_deaths(ctx *c)
{
    char on[11];
    day_before_today(c, 6, on);
    for (size_t i = 1; i <= 2 && i * 7 < c->n_enrolled_people; i++) {
        resident r, before;
        ms_err e = {0};
        if (resident_get(c->db, c->enrolled_people[i * 7], &r) != 0 || strcmp(r.status, "active") != 0)
            continue;
        if (db_begin(c->db) != DB_DONE)
            return fail(c, "无法开始事务");
        if (resident_set_status(c->db, &c->street, r.id, r.version, "deceased", on, "病故", &before, &e) != 0) {
            db_rollback(c->db);
            return fail(c, "登记死亡失败：%s", e.message);
        }
        if (db_commit(c->db) != DB_DONE)
            return fail(c, "提交失败");
    }
    assist_sweep_result res = {0};
    if (db_begin(c->db) != DB_DONE || assist_events_sweep(c->db, &c->street, NULL, "", &res) != 0 ||
        db_commit(c->db) != DB_DONE) {
        db_rollback(c->db);
        return fail(c, "登记变更扫描失败");
    }
    return 0;
}

int demo_assist_build(db_conn *db, uint64_t seed, int today_ymd, demo_assist_summary *sum, char *err,
                      size_t errsz)
{
    demo_assist_summary local = {0};
    ctx c = {.db = db, .rng = seed ^ 0x61737369737444ULL, .err = err, .errsz = errsz, .sum = sum ? sum : &local};
    *c.sum = (demo_assist_summary){0};
    sb_init(&c.csv);
    int rc = -1;
    c.today = today_ymd ? today_ymd : date_today_local();
    snprintf(c.today_s, sizeof c.today_s, "%04u-%02u-%02u", (unsigned)c.today / 10000u % 10000u,
             (unsigned)c.today / 100u % 100u, (unsigned)c.today % 100u);
    int64_t street_id = db_one_int(db, 0, "SELECT id FROM org_unit WHERE code = ?", DB_TEXT(DEMO_STREET_CODE));
    c.community_id[0] = db_one_int(db, 0, "SELECT id FROM org_unit WHERE code = ?", DB_TEXT(DEMO_STREET_CODE "001"));
    c.community_id[1] = db_one_int(db, 0, "SELECT id FROM org_unit WHERE code = ?", DB_TEXT(DEMO_STREET_CODE "002"));
    long households = (long)db_one_int(db, 0, "SELECT COUNT(*) FROM household WHERE status = 'active'");
    int64_t apps[2][APPS_PER_COMMUNITY] = {{0}};
    if (street_id <= 0 || c.community_id[0] <= 0 || c.community_id[1] <= 0) {
        fail(&c, "没有演示街道：请先运行 minsheng demo");
        goto out;
    }
    if (db_one_int(db, 0, "SELECT COUNT(*) FROM assistance_case") > 0) {
        fail(&c, "数据库中已有救助案件，不再生成演示救助数据");
        goto out;
    }
    if (load_actor(&c, "jiedao", &c.street) || load_actor(&c, "fuhe", &c.reviewer) ||
        load_actor(&c, "shequ01", &c.community[0]) || load_actor(&c, "shequ02", &c.community[1]))
        goto out;
    static const char *const HEADER[] = {"programme", "id_number", "area", "band_key", "members_counted",
                                         "income_fen", "start_month", "review_class", "bank_name", "account_name",
                                         "account_number", "next_review_on"};
    csvw_row(&c.csv, HEADER, sizeof HEADER / sizeof HEADER[0]);
    if (plan_dibao(&c) || plan_people(&c) || (c.csv_rows > 0 && enrol_all(&c)) || plan_runs(&c) ||
        plan_applications(&c, 0, apps[0]) || plan_applications(&c, 1, apps[1]) || plan_one_off(&c, households) ||
        plan_relatives(&c, apps, street_id) || plan_deaths(&c))
        goto out;
    rc = 0;
out:
    sb_free(&c.csv);
    free(c.enrolled_people);
    return rc;
}
