/* mediation_demo.c — the demo street's people's mediation (see
 * mediation_demo.h): stations, the directory and a year of cases,
 * written through the mediation domain as the street account. Figures
 * marked (A) are assumptions; the seeds give the directory's size (104
 * mediators for a street) and the month within which a case is settled. */
#include "demo/mediation_demo.h"

#include <stdio.h>
#include <string.h>

#include "demo/demo.h"
#include "demo/demo_kit.h"
#include "mediation/mediation.h"
#include "mediation/mediator.h"

#define MEDIATORS_DEFAULT 48    /* at DEMO_DEFAULT_HOUSEHOLDS (A: about half the seeds' 104) */
#define MEDIATORS_MIN 12
#define CASES 30
#define MAX_MEDIATORS 128

typedef struct mctx {
    demo_kit k;
    actor street;
    demo_mediation_summary *sum;
    int64_t station[3];
    char station_name[3][256];
    int64_t mediator[MAX_MEDIATORS];
    char mediator_name[MAX_MEDIATORS][64];
    char mediator_spec[MAX_MEDIATORS][64];
    int mediator_active[MAX_MEDIATORS];
    int nmediators;
} mctx;

/* ---- stations and the directory ---------------------------------------- */

static int add_station(mctx *c, int i, const demo_unit *unit, const char *name, const char *address)
{
    char head[64], deputy[64], clerk[64];
    demo_kit_adult(&c->k, head, sizeof head);
    demo_kit_adult(&c->k, deputy, sizeof deputy);
    demo_kit_adult(&c->k, clerk, sizeof clerk);
    med_station_in in = {.org_unit_id = unit ? unit->id : c->k.street_id, .name = name, .head_name = head,
                         .deputy_name = deputy, .clerk_name = clerk, .address = address};
    ms_err e = {0};
    int64_t id = med_station_create(c->k.db, &c->street, &in, &e);
    if (demo_kit_check(&c->k, id > 0, "建立调解站", e.message) != 0)
        return -1;
    c->station[i] = id;
    snprintf(c->station_name[i], sizeof c->station_name[i], "%s", name);
    c->sum->stations++;
    return 0;
}

static int stations(mctx *c)
{
    char name[3][256], address[3][512];
    const demo_unit *unit[3] = {NULL, &c->k.communities[0], &c->k.communities[c->k.ncommunities > 4 ? 4 : 0]};
    snprintf(name[0], sizeof name[0], "丹阳街道人民调解委员会");
    snprintf(address[0], sizeof address[0], "丹阳街道办事处一楼调解室");
    for (int i = 1; i < 3; i++) {
        const demo_community *dc = &demo_communities[unit[i]->index];
        snprintf(name[i], sizeof name[i], "%s人民调解委员会", unit[i]->name);
        snprintf(address[i], sizeof address[i], "%s%d号%s党群服务中心", dc->roads[0], demo_kit_range(&c->k, 1, 199),
                 unit[i]->name);
    }
    for (int i = 0; i < 3; i++)
        if (add_station(c, i, unit[i], name[i], address[i]) != 0)
            return -1;
    return 0;
}

/* Kinds by weight (A): elders and retired officials most, lawyers few. */
static const char *const KINDS[] = {"elder", "retired_official", "judicial_volunteer", "lawyer", "other"};
static const int KIND_W[] = {34, 26, 20, 12, 8};

/* The specialties a mediator of `kind` is likely to have. */
static void specialties(mctx *c, const char *kind, char out[64])
{
    static const char *const LAW[] = {"contract", "labour", "damages", "traffic", "housing", NULL};
    static const char *const LOCAL[] = {"neighbour", "family", "property", "housing", "other", NULL};
    const char *const *from = strcmp(kind, "lawyer") == 0 ? LAW : strcmp(kind, "judicial_volunteer") == 0 &&
                              demo_kit_permille(&c->k, 500) ? LAW : LOCAL;
    int n = demo_kit_range(&c->k, 1, 3);
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        const char *s = demo_kit_pick(&c->k, from);
        char key[24];
        snprintf(key, sizeof key, ",%s,", s);
        char have[80];
        snprintf(have, sizeof have, ",%s,", out);
        if (strstr(have, key))
            continue;
        size_t len = strlen(out);
        snprintf(out + len, 64 - len, "%s%s", len ? "," : "", s);
    }
}

static int directory(mctx *c)
{
    long households = (long)db_one_int(c->k.db, 0, "SELECT COUNT(*) FROM household WHERE status = 'active'");
    long n = MEDIATORS_DEFAULT * households / DEMO_DEFAULT_HOUSEHOLDS;
    n = n < MEDIATORS_MIN ? MEDIATORS_MIN : n > MAX_MEDIATORS ? MAX_MEDIATORS : n;
    ms_err e = {0};
    int ok = 1;
    for (int i = 0; i < n && ok; i++) {
        const char *kind = KINDS[demo_kit_weighted(&c->k, KIND_W, 5)];
        char phone[12];
        demo_kit_mobile(&c->k, phone);
        specialties(c, kind, c->mediator_spec[i]);
        demo_kit_adult(&c->k, c->mediator_name[i], sizeof c->mediator_name[i]);
        /* half at the street's committee, a quarter in each community room */
        int st = i % 4 < 2 ? 0 : i % 4 - 1;
        med_mediator_in in = {.station_id = c->station[st], .name = c->mediator_name[i], .kind = kind,
                              .specialties = c->mediator_spec[i], .phone = phone};
        int64_t id = med_mediator_create(c->k.db, &c->street, &in, &e);
        ok = id > 0;
        c->mediator[i] = id;
        c->mediator_active[i] = 1;
        c->nmediators = i + 1;
    }
    /* (A) one in twelve has stepped down (moved away, too old) */
    for (int i = 5; ok && i < c->nmediators; i += 12) {
        ok = med_mediator_deactivate(c->k.db, &c->street, c->mediator[i], 0, &e) == 0;
        c->mediator_active[i] = 0;
        c->sum->inactive++;
    }
    if (demo_kit_check(&c->k, ok, "建立调解员名册", e.message) != 0)
        return -1;
    c->sum->mediators = c->nmediators;
    return 0;
}

/* ---- cases --------------------------------------------------------------- */

static const char *const TYPES[] = {"neighbour", "family", "property", "housing", "damages",
                                    "contract",  "labour", "traffic",  "other"};
static const int TYPE_W[] = {30, 20, 15, 8, 8, 5, 5, 5, 4};

/* What a dispute of each type is about, and what its agreement says. */
static const struct {
    const char *summary, *agreement, *referred;
} TEXT[] = {
    {"楼上住户装修噪音及漏水影响楼下生活，双方多次争执", "楼上住户负责维修防水层并赔偿楼下墙面修复费用，今后装修避开休息时间",
     "人民法院"},
    {"夫妻因家庭琐事及子女抚养问题长期不和，老人赡养费分担有争议", "子女按月分担老人赡养费，轮流照料，家庭成员相互尊重",
     "人民法院"},
    {"业主因物业费上涨及小区停车管理与物业服务企业发生争议", "物业服务企业整改停车管理，业主补缴物业费，费用标准按合同执行",
     "区住房和城乡建设局"},
    {"相邻住户因房屋滴水及通道占用发生纠纷", "占用方清理通道杂物，滴水处加装导水槽，费用双方分担", "人民法院"},
    {"宠物犬咬伤邻居，双方就医疗费赔偿金额有分歧", "饲养人赔偿医疗费及误工费，今后出门拴绳", "人民法院"},
    {"承揽装修工程完工后双方就工程款结算发生争议", "按实际工程量结算，分两期付清尾款", "人民法院"},
    {"务工人员被拖欠工资三个月，与雇主协商未果", "雇主于约定日期前分两次付清拖欠工资", "劳动人事争议仲裁委员会"},
    {"电动车与行人在小区道路相撞，双方就责任和赔偿有分歧", "电动车驾驶人承担主要责任，一次性赔偿医疗费等各项损失",
     "交通管理部门"},
    {"楼道公共空间堆放杂物引发邻里口角", "双方清理楼道杂物，共同遵守楼道管理公约", "人民法院"},
};

static const char *const SATISFACTION[] = {"satisfied", "basic", "dissatisfied"};
static const int SATISFACTION_W[] = {78, 18, 4};   /* (A) */

/* A mediator for a dispute of type `type`: an active one, by specialty when one fits. */
static int choose_mediator(mctx *c, const char *type)
{
    for (int tries = 0; tries < 40; tries++) {
        int i = demo_kit_below(&c->k, c->nmediators);
        if (c->mediator_active[i] && (tries > 20 || strstr(c->mediator_spec[i], type)))
            return i;
    }
    for (int i = 0; i < c->nmediators; i++)
        if (c->mediator_active[i])
            return i;
    return 0;
}

/* One step of case id, ok or not. */
static int step(mctx *c, int64_t id, const char *action, const med_step_in *in, ms_err *e)
{
    return med_case_step(c->k.db, &c->street, NULL, id, action, in, e) == 0;
}

/* Case number n: received `back` days ago, walked as far as its age allows. */
static int one_case(mctx *c, int n, int back)
{
    int t = demo_kit_weighted(&c->k, TYPE_W, 9);
    const char *type = TYPES[t];
    const demo_unit *com = &c->k.communities[demo_kit_below(&c->k, (int)c->k.ncommunities)];
    char a_name[64], r_name[64];
    /* the parties: residents of the community, else of the street, else
     * (a demo of a few households) people from outside the registry */
    int64_t a = demo_kit_adult_under(&c->k, com->path, a_name, sizeof a_name);
    int64_t r = demo_kit_adult_under(&c->k, com->path, r_name, sizeof r_name);
    for (int tries = 0; (!a || !r || a == r) && tries < 10; tries++) {
        a = demo_kit_adult(&c->k, a_name, sizeof a_name);
        r = demo_kit_adult(&c->k, r_name, sizeof r_name);
    }
    if (a == r) {
        a = r = 0;
        snprintf(a_name, sizeof a_name, "张建华");
        snprintf(r_name, sizeof r_name, "李明亮");
    }
    int m = choose_mediator(c, type);
    char received[11];
    demo_kit_day(&c->k, back, received);
    med_case_new in = {.community_id = com->id, .mediator_id = c->mediator[m], .dispute_type = type,
                       .summary = TEXT[t].summary, .received_on = received, .nparties = 2};
    in.parties[0] = (med_party_in){.side = "applicant", .resident_id = a, .name = a ? NULL : a_name};
    in.parties[1] = (med_party_in){.side = "respondent", .resident_id = r, .name = r ? NULL : r_name};
    ms_err e = {0};
    int64_t id = med_case_create(c->k.db, &c->street, NULL, &in, &e);
    int ok = id > 0;
    c->sum->cases++;
    /* (A) a case received within the last five days waits to start, one
     * in three of them is still waiting */
    if (ok && back < 5 && n % 3 == 0) {
        c->sum->open++;
        return demo_kit_check(&c->k, ok, "受理调解案件", e.message);
    }
    if (ok)
        ok = step(c, id, "start", &(med_step_in){.opinion = "双方同意调解，指定调解员"}, &e);
    /* sessions: one to three, a few days apart, within the month */
    int sessions = demo_kit_range(&c->k, 1, 3), day = back;
    char held[11] = "";
    for (int s = 0; ok && s < sessions && day > 0; s++) {
        day -= demo_kit_range(&c->k, 1, 7);
        if (day < 0)
            day = 0;
        demo_kit_day(&c->k, day, held);
        char attendees[256], notes[512];
        snprintf(attendees, sizeof attendees, "调解员%s、申请人%s、被申请人%s", c->mediator_name[m], a_name, r_name);
        snprintf(notes, sizeof notes, "第%d次调解：%s", s + 1,
                 s == 0 ? "听取双方陈述，核实事实，释明相关法律规定" :
                 s == 1 ? "分别做双方工作，提出调解方案" : "双方就调解方案达成一致意见");
        ok = med_session_add(c->k.db, &c->street, id, held, c->station_name[m % 4 < 2 ? 0 : m % 4 - 1], attendees,
                             notes, &e) > 0;
        c->sum->sessions++;
    }
    /* (A) a case received within the last three weeks is still being mediated */
    if (!ok || back < 21) {
        if (ok)
            c->sum->open++;
        return demo_kit_check(&c->k, ok, "调解案件", e.message);
    }
    int roll = demo_kit_below(&c->k, 100);   /* (A) 82 agreed, 12 failed, 6 withdrawn */
    char ended[11];
    demo_kit_day(&c->k, day > 0 ? day - 1 : 0, ended);
    if (roll >= 94) {
        ok = step(c, id, "withdraw", &(med_step_in){.opinion = "当事人自行和解，申请撤回"}, &e);
        c->sum->withdrawn++;
        return demo_kit_check(&c->k, ok, "调解案件", e.message);
    }
    if (roll < 82) {
        ok = step(c, id, "agree",
                  &(med_step_in){.opinion = "经调解双方自愿达成协议", .agreement = TEXT[t].agreement,
                                 .performance = "当场履行或于协议签订后三十日内履行完毕", .ended_on = ended}, &e);
        c->sum->agreed++;
    } else {
        ok = step(c, id, "fail",
                  &(med_step_in){.opinion = "双方分歧较大，经多次调解未能达成协议", .referred_to = TEXT[t].referred,
                                 .ended_on = ended}, &e);
        c->sum->failed++;
    }
    /* the visit some days after the end, when that day has come (A: one in ten not visited yet) */
    int visit_back = (day > 0 ? day - 1 : 0) - demo_kit_range(&c->k, 3, 12);
    if (!ok || visit_back < 0 || demo_kit_permille(&c->k, 100))
        return demo_kit_check(&c->k, ok, "调解案件", e.message);
    char visited[11];
    demo_kit_day(&c->k, visit_back, visited);
    const char *sat = SATISFACTION[demo_kit_weighted(&c->k, SATISFACTION_W, 3)];
    ok = step(c, id, "visit",
              &(med_step_in){.opinion = "电话回访当事人", .satisfaction = sat, .visited_on = visited,
                             .visit_note = strcmp(sat, "dissatisfied") == 0 ? "当事人对赔偿数额仍有意见"
                                                                              : "协议已履行，双方关系缓和"}, &e);
    c->sum->visited++;
    if (ok)
        ok = step(c, id, "close", &(med_step_in){.opinion = "材料齐全，结案归档"}, &e);
    return demo_kit_check(&c->k, ok, "调解案件", e.message);
}

int demo_mediation_build(db_conn *db, uint64_t seed, int today_ymd, demo_mediation_summary *sum, char *err,
                         size_t errsz)
{
    mctx c = {.sum = sum};
    int rc = demo_kit_open(&c.k, db, seed, 0x6D6564696174ULL /* "mediat" */, today_ymd, err, errsz);
    if (rc == 0)
        rc = demo_kit_actor(&c.k, "jiedao", &c.street);
    /* one transaction: the demo runs alone, and a commit per case costs
     * more than all the writes on a busy disk */
    if (rc == 0 && (rc = demo_kit_begin(&c.k)) == 0) {
        rc = stations(&c);
        if (rc == 0)
            rc = directory(&c);
        /* received over the past year, oldest first: spread evenly with some jitter */
        for (int n = 0; rc == 0 && n < CASES; n++) {
            int back = 360 - n * 360 / CASES - demo_kit_below(&c.k, 360 / CASES);
            rc = one_case(&c, n, back < 0 ? 0 : back);
        }
        rc = demo_kit_end(&c.k, rc);
    }
    demo_kit_release(&c.k);
    return rc;
}
