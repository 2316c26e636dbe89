/* safety_demo.c — the demo street's enterprises, inspections, hazard
 * ledger and injury records (see safety_demo.h), written through the
 * safety domain. Figures marked (A) are assumptions; the seeds give the
 * 42 enterprises and places and the safe-community programme's record
 * fields, not the proportions. */
#include "demo/safety_demo.h"

#include <stdio.h>
#include <string.h>

#include "demo/demo.h"
#include "demo/demo_kit.h"
#include "safety/enterprise.h"
#include "safety/hazard.h"
#include "safety/injury.h"

#define INSPECTORS 6
#define INJURIES_LAST_YEAR 170      /* (A) records a street of 120,000 collects in a year */
#define INJURIES_THIS_YEAR 184      /* (A) a full year's worth, this year's share of it so far */

typedef struct sctx {
    demo_kit k;
    actor street, reviewer;
    demo_safety_summary *sum;
    char inspector[INSPECTORS][64];
    long old_hazards;               /* hazards whose deadline is well past: one in 25 stays open */
} sctx;

/* ---- enterprises ---------------------------------------------------------- */

/* The 42 by kind (A), each kind's plan and the names it is given. */
static const struct {
    const char *kind, *frequency;
    int count;
    const char *const names[4];     /* "%s" = a trade word */
} KINDS[] = {
    {"工业企业", "monthly", 4, {"菏泽%s机械有限公司", "%s纺织有限公司", "%s木业加工厂", "%s食品有限公司"}},
    {"商铺", "half_yearly", 9, {"%s超市", "%s五金建材店", "%s便利店", "%s家电商行"}},
    {"餐饮", "quarterly", 8, {"%s饭店", "%s火锅店", "%s烧烤店", "%s面馆"}},
    {"出租屋", "half_yearly", 5, {"%s公寓（出租屋）", "%s出租房", "%s青年公寓", "%s合租房"}},
    {"三小场所", "quarterly", 6, {"%s网吧", "%s理发店", "%s洗浴中心", "%s小作坊"}},
    {"建筑工地", "monthly", 2, {"%s片区改造项目工地", "%s小区二期工地", NULL, NULL}},
    {"加油站", "monthly", 1, {"中国石化%s加油站", NULL, NULL, NULL}},
    {"人员密集场所", "monthly", 5, {"%s幼儿园", "%s养老院", "%s农贸市场", "%s影城"}},
    {"其他", "quarterly", 2, {"%s电动车集中充电站", "%s废品回收站", NULL, NULL}},
};
static const char *const WORDS[] = {"鑫源", "福顺", "金达", "华丰", "永盛", "宏达", "利民", "佳和", "兴隆", "东方",
                                    "丰泰", "聚福", "德馨", "瑞祥", "恒通", "万家", "安康", "盛世", "天和", "顺发",
                                    "新星", "嘉禾", "康乐", "百顺", "昌盛", "同心", "富民", "祥云", "众兴", "和顺",
                                    "晨光", "乐家", "泰和", "长青", "大众", "金鼎", "福源", "建华", "明珠", "红旗",
                                    "惠民", "双赢", "丹阳", "牡丹", NULL};

/* What an inspection finds and what is to be done about it (A). */
static const struct {
    const char *description, *measure;
} HAZARDS[] = {
    {"消防通道堆放杂物，影响疏散", "立即清理杂物，保持消防通道畅通"},
    {"灭火器过期未更换，压力不足", "更换灭火器，建立每月检查记录"},
    {"电线私拉乱接，插座超负荷使用", "由持证电工重新规范布线，拆除私接线路"},
    {"燃气软管老化，未安装可燃气体报警器", "更换燃气软管，安装可燃气体报警器并与切断阀联动"},
    {"安全出口指示灯损坏，应急照明不亮", "维修更换疏散指示标志和应急照明"},
    {"从业人员未经安全培训上岗", "组织安全培训考核，建立培训档案"},
    {"电动车在楼道内停放充电", "清理楼道电动车，引导到集中充电点充电"},
    {"危险化学品与杂物混放", "设置专用储存间，分类分区存放并登记台账"},
    {"高处作业防护不到位，安全网破损", "更换安全网，落实专人每日检查"},
};
#define NHAZARDS (sizeof HAZARDS / sizeof HAZARDS[0])

static const char *const LEVELS[] = {"一般", "较大", "重大"};
static const int LEVEL_W[] = {82, 15, 3};
static const int LEVEL_DAYS[] = {10, 30, 60};   /* 整改期限 (A) */

/* "A、B": two of the street's inspectors. */
static void inspectors(sctx *c, char out[160])
{
    int a = demo_kit_below(&c->k, INSPECTORS), b = (a + 1 + demo_kit_below(&c->k, INSPECTORS - 1)) % INSPECTORS;
    snprintf(out, 160, "%s、%s", c->inspector[a], c->inspector[b]);
}

/* A re-check of hazard id on `on`, passing or not, with its step. */
static int recheck_step(sctx *c, int64_t id, const char *action, const char *on, int passed, ms_err *e)
{
    char who[160];
    inspectors(c, who);
    recheck_in r = {.checked_on = on, .checkers = who, .passed = passed,
                    .note = passed ? "整改措施已落实，复查合格" : "整改不彻底，仍存在隐患"};
    hazard_step_in in = {.opinion = passed ? "复查合格，予以销号" : "复查不合格，退回继续整改", .recheck = &r};
    return hazard_step(c->k.db, &c->reviewer, NULL, id, action, &in, e) == 0;
}

static int plain_step(sctx *c, int64_t id, const char *action, const char *opinion, ms_err *e)
{
    hazard_step_in in = {.opinion = opinion};
    return hazard_step(c->k.db, &c->street, NULL, id, action, &in, e) == 0;
}

/* The date `days` after date d, but not after today. */
static void after_capped(const sctx *c, const char *d, int days, char out[11])
{
    int back = demo_kit_days_between(d, c->k.today) - days;
    demo_kit_day(&c->k, back < 0 ? 0 : back, out);
}

/* Walks hazard id, found on `found` with deadline `deadline`, as far as
 * its age allows (inside the caller's transaction). */
static int walk_hazard(sctx *c, int64_t id, const char *found, const char *deadline, ms_err *e)
{
    int ok = plain_step(c, id, "rectify", "下达整改通知书，限期整改", e);
    int past = demo_kit_days_between(deadline, c->k.today);   /* days since the deadline */
    char on[11];
    c->sum->hazards++;
    if (ok && past > 3 && c->old_hazards++ % 25 == 4) {   /* (A) one in 25 left past its deadline */
        c->sum->open++;
        c->sum->overdue++;
        return ok;
    }
    if (ok && past <= 0) {   /* still within its time: in rectification, awaiting re-check, or done early */
        int roll = demo_kit_below(&c->k, 10);
        if (roll < 5) {
            c->sum->open++;
            return ok;
        }
        ok = plain_step(c, id, "submit", "已按要求整改，申请复查", e);
        if (roll < 8) {
            c->sum->open++;
            return ok;
        }
        after_capped(c, found, demo_kit_range(&c->k, 1, 5), on);
        ok = ok && recheck_step(c, id, "close", on, 1, e);
        c->sum->closed += ok;
        return ok;
    }
    int span = demo_kit_days_between(found, deadline);
    ok = ok && plain_step(c, id, "submit", "已按要求整改，申请复查", e);
    if (ok && demo_kit_permille(&c->k, 120)) {   /* (A) one in eight fails its first re-check */
        after_capped(c, found, span / 2 + 1, on);
        ok = recheck_step(c, id, "reopen", on, 0, e) &&
             plain_step(c, id, "submit", "已重新整改，再次申请复查", e);
        after_capped(c, on, demo_kit_range(&c->k, 2, 6), on);
        c->sum->reopened += ok;
    } else {
        after_capped(c, found, demo_kit_range(&c->k, span / 3 + 1, span + 3), on);
    }
    ok = ok && recheck_step(c, id, "close", on, 1, e);
    c->sum->closed += ok;
    return ok;
}

/* The hazards inspection `insp` of enterprise e found on `on`. */
static int hazards_of(sctx *c, const enterprise *e, int64_t insp, const char *on, int serious, ms_err *err)
{
    int n = serious ? 1 : demo_kit_range(&c->k, 1, 2), ok = 1;
    for (int i = 0; ok && i < n; i++) {
        int lv = serious ? 1 + demo_kit_below(&c->k, 2) : demo_kit_weighted(&c->k, LEVEL_W, 3);
        int h = demo_kit_below(&c->k, (int)NHAZARDS);
        char deadline[11];
        int back = demo_kit_days_between(on, c->k.today) - LEVEL_DAYS[lv];
        demo_kit_day(&c->k, back, deadline);   /* may lie ahead of today */
        hazard_in in = {.enterprise_id = e->id, .inspection_id = insp, .level = LEVELS[lv],
                        .description = HAZARDS[h].description, .measure = HAZARDS[h].measure,
                        .responsible = e->contact_name, .found_on = on, .deadline = deadline};
        int64_t id = hazard_create(c->k.db, &c->street, NULL, &in, err);
        ok = id > 0 && walk_hazard(c, id, on, deadline, err);
    }
    return ok;
}

/* The kind's name template for the n-th of its kind. */
static void enterprise_name(const char *const names[4], int n, const char *word, char out[128])
{
    int count = 0;
    while (count < 4 && names[count])
        count++;
    const char *t = names[n % count], *at = strstr(t, "%s");   /* the word in place of %s */
    snprintf(out, 128, "%.*s%s%s", (int)(at - t), t, word, at + 2);
}

/* Enterprise number n of kind t: registered a year ago, inspected by its
 * plan since (every tenth (A) has missed its latest one). */
static int one_enterprise(sctx *c, int t, int n, int serial)
{
    const demo_unit *g = &c->k.grids[demo_kit_below(&c->k, (int)c->k.ngrids)];
    int cidx = 0;
    for (size_t i = 0; i < c->k.ncommunities; i++)
        if (c->k.communities[i].id == g->parent_id)
            cidx = c->k.communities[i].index;
    char name[128], address[160], contact[64], phone[12], plan_from[11], on[11], due[11], who[160];
    enterprise_name(KINDS[t].names, n, WORDS[serial % 44], name);
    snprintf(address, sizeof address, "%s%d号", demo_communities[cidx].roads[serial % 2], demo_kit_range(&c->k, 1, 299));
    demo_kit_adult(&c->k, contact, sizeof contact);
    demo_kit_mobile(&c->k, phone);
    demo_kit_day(&c->k, 365 - demo_kit_below(&c->k, 20), plan_from);
    enterprise_in in = {.name = name, .kind = KINDS[t].kind, .address = address, .contact_name = contact,
                        .contact_phone = phone, .frequency = KINDS[t].frequency, .plan_from = plan_from,
                        .grid_id = g->id, .active = 1};
    ms_err e = {0};
    int64_t id = enterprise_create(c->k.db, &c->street, &in, &e);
    enterprise ent;
    int ok = id > 0 && enterprise_get(c->k.db, id, &ent) == 0;
    c->sum->enterprises += ok;
    int late = serial % 10 == 7;
    snprintf(due, sizeof due, "%s", plan_from);
    while (ok) {
        /* a few days after it is due; none due yet, or (late) none in the last 45 days: done */
        int back = demo_kit_days_between(due, c->k.today) - demo_kit_below(&c->k, 6);
        if (back < (late ? 45 : 0))
            break;
        demo_kit_day(&c->k, back, on);
        int roll = demo_kit_below(&c->k, 100);   /* (A) 70 合格, 27 发现隐患, 3 责令停业整顿 */
        const char *result = roll < 70 ? "合格" : roll < 97 ? "发现隐患" : "责令停业整顿";
        inspectors(c, who);
        inspection_in ii = {.enterprise_id = id, .inspected_on = on, .inspectors = who, .result = result,
                            .findings = roll < 70 ? "消防设施完好，安全管理制度落实，未发现隐患"
                                                  : "现场检查发现安全隐患，已当场告知负责人并登记"};
        int64_t insp = inspection_create(c->k.db, &c->street, &ii, &e);
        ok = insp > 0;
        c->sum->inspections += ok;
        if (ok && roll >= 70)
            ok = hazards_of(c, &ent, insp, on, roll >= 97, &e);
        enterprise_next_due(KINDS[t].frequency, on, due);
    }
    return demo_kit_check(&c->k, ok, "企业检查", e.message);
}

/* Three hazards reported directly by grid workers this week, in places
 * no plan covers, still open: one just registered, one in
 * rectification, one awaiting its re-check. */
static int reported(sctx *c)
{
    static const char *const PLACES[] = {"号楼一单元楼道", "号楼地下车库", "号院东侧空地"};
    static const int FOUND[] = {6, 2, 4}, NEXT[] = {0, 1, 2};   /* days ago; steps taken */
    static const int WHAT[] = {6, 0, 2};                        /* of HAZARDS */
    ms_err e = {0};
    int ok = 1;
    for (int i = 0; ok && i < 3; i++) {
        const demo_unit *g = &c->k.grids[demo_kit_below(&c->k, (int)c->k.ngrids)];
        char place[160], found[11], deadline[11];
        snprintf(place, sizeof place, "%s%d%s", g->name, demo_kit_range(&c->k, 1, 30), PLACES[i]);
        demo_kit_day(&c->k, FOUND[i], found);
        demo_kit_day(&c->k, FOUND[i] - LEVEL_DAYS[0], deadline);
        hazard_in in = {.grid_id = g->id, .place = place, .level = "一般", .description = HAZARDS[WHAT[i]].description,
                        .measure = HAZARDS[WHAT[i]].measure, .found_on = found, .deadline = deadline};
        int64_t id = hazard_create(c->k.db, &c->street, NULL, &in, &e);
        ok = id > 0 && (NEXT[i] < 1 || plain_step(c, id, "rectify", "下达整改通知书，限期整改", &e)) &&
             (NEXT[i] < 2 || plain_step(c, id, "submit", "已按要求整改，申请复查", &e));
        c->sum->hazards += ok;
        c->sum->open += ok;
    }
    return demo_kit_check(&c->k, ok, "网格员上报隐患", e.message);
}

/* ---- injuries ------------------------------------------------------------- */

/* The kinds of injury the records show, with their weight last year and
 * this (A: falls of the elderly rising with the ageing street, road
 * traffic falling after the e-bike campaign). */
typedef struct scenario {
    int w_last, w_this;
    int age_lo, age_hi, male;       /* male: per 100 */
    const char *place, *types[3], *causes[3], *occupations[3];
    const char *description;
} scenario;

static const scenario SCENARIOS[] = {
    {30, 37, 60, 92, 38, "家庭", {"跌倒", "跌倒", "跌倒"}, {"地面湿滑或不平", "照明不足", "疾病"},
     {"离退休人员", "家务", "离退休人员"}, "老人在家中卫生间或卧室跌倒"},
    {22, 14, 18, 59, 62, "道路", {"道路交通", "道路交通", "道路交通"}, {"交通违法", "饮酒", "其他"},
     {"工人", "商业服务人员", "其他"}, "骑电动车与机动车发生碰撞"},
    {8, 8, 0, 6, 55, "家庭", {"烧烫伤", "跌倒", "锐器伤"}, {"看护不当", "看护不当", "设施缺陷"},
     {"学龄前儿童", "学龄前儿童", "学龄前儿童"}, "幼儿在家中无人看护时受伤"},
    {10, 10, 7, 17, 58, "学校", {"跌倒", "钝器伤", "跌倒"}, {"地面湿滑或不平", "他人故意", "其他"},
     {"在校学生", "在校学生", "在校学生"}, "学生在校园或体育活动中受伤"},
    {12, 11, 18, 59, 80, "工作场所", {"锐器伤", "钝器伤", "触电"}, {"操作不当", "设施缺陷", "操作不当"},
     {"工人", "工人", "专业技术人员"}, "作业时操作不当受伤"},
    {8, 9, 3, 75, 50, "公共场所", {"动物咬伤", "动物咬伤", "跌倒"}, {"其他", "不清楚", "地面湿滑或不平"},
     {"其他", "离退休人员", "在校学生"}, "在小区或公园被犬只咬伤"},
    {6, 7, 20, 70, 40, "家庭", {"锐器伤", "烧烫伤", "中毒"}, {"操作不当", "操作不当", "其他"},
     {"家务", "商业服务人员", "其他"}, "做饭或家务劳动时受伤"},
    {4, 3, 18, 80, 60, "体育运动场所", {"跌倒", "钝器伤", "溺水"}, {"操作不当", "设施缺陷", "其他"},
     {"专业技术人员", "机关企事业单位人员", "离退休人员"}, "体育锻炼时受伤"},
};
#define NSCENARIOS (sizeof SCENARIOS / sizeof SCENARIOS[0])

static const char *education_at(sctx *c, int age)
{
    if (age < 7)
        return "学龄前";
    if (age <= 12)
        return "小学";
    if (age <= 15)
        return "初中";
    if (age <= 18)
        return "高中或中专";
    static const char *const ADULT[] = {"初中", "高中或中专", "大专", "本科及以上", "初中", "高中或中专", NULL};
    static const char *const OLD[] = {"文盲或半文盲", "小学", "初中", "小学", "高中或中专", NULL};
    return demo_kit_pick(&c->k, age >= 60 ? OLD : ADULT);
}

/* `n` records of year y, on days 0 … days-1 of it: each kind its
 * share of n by the year's weights (the rest to the first), so the
 * change from one year to the next is the weights', not chance's. */
static int injuries_of(sctx *c, int y, int n, int days, int this_year, ms_err *e)
{
    int share[NSCENARIOS], total = 0, given = 0;
    for (size_t i = 0; i < NSCENARIOS; i++)
        total += this_year ? SCENARIOS[i].w_this : SCENARIOS[i].w_last;
    for (size_t i = 0; i < NSCENARIOS; i++)
        given += share[i] = n * (this_year ? SCENARIOS[i].w_this : SCENARIOS[i].w_last) / total;
    share[0] += n - given;
    char jan1[11];
    snprintf(jan1, sizeof jan1, "%04u-01-01", (unsigned)y % 10000u);
    int ok = 1, upto = share[0];
    size_t k = 0;
    for (int i = 0; ok && i < n; i++) {
        while (i >= upto && k + 1 < NSCENARIOS)
            upto += share[++k];
        const scenario *s = &SCENARIOS[k];
        int age = demo_kit_range(&c->k, s->age_lo, s->age_hi), v = demo_kit_below(&c->k, 3);
        int sev = demo_kit_below(&c->k, 100);
        int deadly = strcmp(s->place, "道路") == 0;
        char on[11];
        demo_kit_day(&c->k, demo_kit_days_between(jan1, c->k.today) - demo_kit_below(&c->k, days), on);
        const char *occupation = s->occupations[v];
        if (age >= 60 && strcmp(s->place, "家庭") != 0)
            occupation = "离退休人员";
        else if (age < 18 && strcmp(occupation, "在校学生") != 0 && strcmp(occupation, "学龄前儿童") != 0)
            occupation = age < 7 ? "学龄前儿童" : "在校学生";
        injury_input in = INJURY_INPUT_NONE;
        in.org_unit_id = c->k.grids[demo_kit_below(&c->k, (int)c->k.ngrids)].id;
        in.injured_on = on;
        in.place_type = s->place;
        in.injury_type = s->types[v];
        in.cause = s->causes[demo_kit_below(&c->k, 3)];
        in.occupation = occupation;
        in.education = education_at(c, age);
        in.sex = demo_kit_below(&c->k, 100) < s->male ? "男" : "女";
        in.age = age;
        in.severity = sev < 66 ? "轻" : sev < 92 ? "中" : sev < 99 || !deadly ? "重" : "死亡";
        in.description = s->description;
        ok = injury_create(c->k.db, c->street.id, &in, e) > 0;
        if (this_year)
            c->sum->injuries_this_year += ok;
        else
            c->sum->injuries_last_year += ok;
    }
    return ok;
}

static int injuries(sctx *c)
{
    char jan1[11], last_jan1[11];
    snprintf(jan1, sizeof jan1, "%04u-01-01", (unsigned)c->k.year % 10000u);
    snprintf(last_jan1, sizeof last_jan1, "%04u-01-01", (unsigned)(c->k.year - 1) % 10000u);
    int last_days = demo_kit_days_between(last_jan1, jan1), so_far = demo_kit_days_between(jan1, c->k.today) + 1;
    ms_err e = {0};
    int ok = injuries_of(c, c->k.year - 1, INJURIES_LAST_YEAR, last_days, 0, &e) &&
             injuries_of(c, c->k.year, INJURIES_THIS_YEAR * so_far / last_days + 1, so_far, 1, &e);
    return demo_kit_check(&c->k, ok, "伤害监测记录", e.message);
}

int demo_safety_build(db_conn *db, uint64_t seed, int today_ymd, demo_safety_summary *sum, char *err, size_t errsz)
{
    sctx c = {.sum = sum};
    int rc = demo_kit_open(&c.k, db, seed, 0x736166657479ULL /* "safety" */, today_ymd, err, errsz);
    if (rc == 0)
        rc = demo_kit_actor(&c.k, "jiedao", &c.street) | demo_kit_actor(&c.k, "fuhe", &c.reviewer);
    for (int i = 0; rc == 0 && i < INSPECTORS; i++)
        demo_kit_adult(&c.k, c.inspector[i], sizeof c.inspector[i]);
    /* one transaction, as mediation_demo.c */
    if (rc == 0 && (rc = demo_kit_begin(&c.k)) == 0) {
        int serial = 0;
        for (size_t t = 0; rc == 0 && t < sizeof KINDS / sizeof KINDS[0]; t++)
            for (int n = 0; rc == 0 && n < KINDS[t].count; n++)
                rc = one_enterprise(&c, (int)t, n, serial++);
        if (rc == 0)
            rc = reported(&c);
        if (rc == 0)
            rc = injuries(&c);
        rc = demo_kit_end(&c.k, rc);
    }
    demo_kit_release(&c.k);
    return rc;
}
