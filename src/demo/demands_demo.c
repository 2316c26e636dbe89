/* demands_demo.c — the demo street's work orders (see demands_demo.h):
 * reads the org units and accounts demo.c built, writes through
 * demands/dept.c and demands/order.c only, every step at its past time.
 * Shares marked (A) are assumptions (the seeds give no figures). */
#include "demo/demands_demo.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/users.h"
#include "demands/dept.h"
#include "demands/order.h"
#include "demo/demo.h"
#include "util/strbuf.h"
#include "util/validate.h"

#define ORDERS_PER_50K 2000     /* a year of orders for 50,000 households (A) */
#define MIN_HOUSEHOLDS 1000     /* smaller streets (the test fixtures) get none */
#define DAYS_BACK 365
#define MAX_ACTORS 64

typedef struct unit_actor {
    int64_t unit_id;
    actor who;
} unit_actor;

typedef struct grid_row {
    int64_t id, community_id;
    char name[128], community[128];
} grid_row;

typedef struct ctx {
    db_conn *db;
    uint64_t rng;
    char *err;
    size_t errsz;
    demo_demands_summary *sum;
    time_t now;                 /* the wall clock: no step after it */
    actor desk, civil;          /* jiedao (the 12345 desk); bumen (区民政局) */
    int64_t civil_dept;
    unit_actor *units;          /* community and grid accounts */
    size_t nunits;
    grid_row *grids;
    size_t ngrids;
    int64_t *cats;              /* the sub-categories */
    size_t ncats;
    long seq;                   /* hotline numbers */
} ctx;

/* A draw below n, and a chance of p in 1,000. */
static int below(ctx *c, int n)
{
    return n > 0 ? (int)(demo_splitmix64(&c->rng) % (uint64_t)n) : 0;
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

static void utc_text(time_t t, char out[20])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

static time_t utc_parse(const char *s)
{
    struct tm tm = {0};
    if (sscanf(s, "%d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return timegm(&tm);
}

/* ---- who acts ------------------------------------------------------------ */

static int load_actor(ctx *c, const char *username, actor *out)
{
    int64_t id = db_one_int(c->db, 0, "SELECT id FROM app_user WHERE username = ?", DB_TEXT(username));
    if (id <= 0 || user_load_ctx(c->db, id, out) != 0)
        return fail(c, "演示账户 %s 不存在：请先建立演示街道和账户", username);
    return 0;
}

/* The account acting for unit_id (or the community above it), else the desk. */
static const actor *unit_actor_of(const ctx *c, int64_t unit_id, int64_t community_id)
{
    for (size_t i = 0; i < c->nunits; i++)
        if (c->units[i].unit_id == unit_id)
            return &c->units[i].who;
    for (size_t i = 0; i < c->nunits; i++)
        if (c->units[i].unit_id == community_id)
            return &c->units[i].who;
    return &c->desk;
}

static int load_street(ctx *c, int64_t street_id, const char *street_path)
{
    char like[300];
    snprintf(like, sizeof like, "%s%%", street_path);
    db_stmt *s = db_query(c->db,
                          "SELECT u.id, u.org_unit_id FROM app_user u JOIN org_unit o ON o.id = u.org_unit_id"
                          " WHERE u.role IN ('community', 'grid') AND u.disabled = 0 AND o.path LIKE ? ORDER BY u.id",
                          DB_TEXT(like));
    c->units = calloc(MAX_ACTORS, sizeof *c->units);
    while (s && c->units && db_step(s) == DB_ROW && c->nunits < MAX_ACTORS) {
        unit_actor *u = &c->units[c->nunits];
        u->unit_id = db_col_int(s, 1);
        if (user_load_ctx(c->db, db_col_int(s, 0), &u->who) == 0)
            c->nunits++;
    }
    db_finalize(s);
    size_t cap = 0;
    s = db_query(c->db,
                 "SELECT g.id, g.parent_id, g.name, m.name FROM org_unit g JOIN org_unit m ON m.id = g.parent_id"
                 " WHERE g.kind = 'grid' AND g.status = 'active' AND g.path LIKE ? ORDER BY g.id",
                 DB_TEXT(like));
    while (s && db_step(s) == DB_ROW) {
        if (c->ngrids == cap) {
            cap = cap ? cap * 2 : 64;
            c->grids = xrealloc(c->grids, cap * sizeof *c->grids);
        }
        grid_row *g = &c->grids[c->ngrids++];
        g->id = db_col_int(s, 0);
        g->community_id = db_col_int(s, 1);
        db_col_copy(s, 2, g->name, sizeof g->name);
        db_col_copy(s, 3, g->community, sizeof g->community);
    }
    db_finalize(s);
    cap = 0;
    s = db_query(c->db, "SELECT id FROM demand_category WHERE parent_id IS NOT NULL AND active = 1 ORDER BY id");
    while (s && db_step(s) == DB_ROW) {
        if (c->ncats == cap) {
            cap = cap ? cap * 2 : 64;
            c->cats = xrealloc(c->cats, cap * sizeof *c->cats);
        }
        c->cats[c->ncats++] = db_col_int(s, 0);
    }
    db_finalize(s);
    (void)street_id;
    if (!c->units || c->ngrids == 0 || c->ncats == 0)
        return fail(c, "演示街道没有网格或诉求类别");
    return 0;
}

/* The street's departments; bumen acts for 区民政局 (social security orders). */
static int plan_departments(ctx *c, int64_t street_id)
{
    static const char *const NAMES[] = {"城管执法中队", "市场监管所", "住建办", "生态环境分局", "区民政局"};
    ms_err e = {0};
    if (db_begin(c->db) != DB_DONE)
        return fail(c, "无法开始事务");
    for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++) {
        int64_t id = dept_create(c->db, street_id, NAMES[i], &e);
        if (id < 0) {
            db_rollback(c->db);
            return fail(c, "建立部门 %s 失败：%s", NAMES[i], e.message);
        }
        c->sum->departments++;
        c->civil_dept = id;
    }
    demand_dept *d = calloc(1, sizeof *d);
    int rc = d ? dept_get(c->db, c->civil_dept, d) : -1;
    if (rc == 0)
        rc = dept_update(c->db, d, NULL, -1, &c->civil.id, 1, &e);
    free(d);
    if (rc != 0 || db_commit(c->db) != DB_DONE) {
        db_rollback(c->db);
        return fail(c, "部门账户关联失败：%s", e.message);
    }
    return 0;
}

/* ---- one order ------------------------------------------------------------- */

static const char *const SURNAMES[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭"};
static const char *const PLACES[] = {"小区东门", "楼下", "单元门口", "路口", "停车场", "菜市场旁", "小区北侧", "楼道"};

/* What residents report, by the category's top-level id (A). */
static const char *complaint(int64_t cat)
{
    switch (cat / 100) {
    case 1: return "垃圾多日未清运，气味较大，请尽快处理";
    case 2: return "设施损坏，夜间出行不便，存在安全隐患，请派人维修";
    case 3: return "物业服务不到位，多次反映未解决，请协调处理";
    case 4: return "邻居之间因此发生矛盾，希望社区出面协调";
    case 5: return "咨询相关政策和办理流程，希望尽快答复";
    case 6: return "存在安全隐患，担心发生事故，请尽快排查";
    case 7: return "噪音扰民，影响休息，请尽快制止";
    case 8: return "有人私自搭建，影响通行和采光，请依法处理";
    default: return "反映问题，请尽快处理";
    }
}

typedef struct last_order {
    int64_t id;
    char phone[12], address[200];
    int64_t cat, grid;
    time_t at;
} last_order;

/* One step at t (a no-op returning 1 when t is past the wall clock). */
static int step_at(ctx *c, const actor *who, int64_t id, const char *action, order_step_in in, time_t t)
{
    char at[20];
    if (t >= c->now)
        return 1;
    utc_text(t, at);
    in.at = at;
    ms_err e = {0};
    if (order_step(c->db, who, NULL, id, action, &in, &e) != 0)
        return fail(c, "工单 %lld「%s」失败：%s", (long long)id, action, e.message);
    return 0;
}

#define STEP(who, action, in, t)                                                                                 \
    do {                                                                                                         \
        int r_ = step_at(c, who, id, action, in, t);                                                             \
        if (r_ != 0)                                                                                             \
            return r_ < 0 ? -1 : 0;                                                                              \
    } while (0)

/* The order's handling due time after its latest assignment. */
static time_t handle_due(ctx *c, int64_t id, time_t *sign_due)
{
    demand_order *o = calloc(1, sizeof *o);
    time_t t = 0;
    if (o && order_get(c->db, id, o) == 0) {
        t = utc_parse(o->handle_due_at);
        *sign_due = utc_parse(o->sign_due_at);
    }
    free(o);
    return t;
}

/* Walks order id (filed at t) through its life; 0 or -1. */
static int walk(ctx *c, int64_t id, const grid_row *g, int64_t cat, time_t t)
{
    int to_dept = cat / 100 == 5 && permille(c, 700);
    order_step_in in = {.solved = -1, .unit_id = to_dept ? 0 : (permille(c, 300) ? g->id : g->community_id),
                        .dept_id = to_dept ? c->civil_dept : 0};
    const actor *doer = to_dept ? &c->civil : unit_actor_of(c, in.unit_id, g->community_id);
    t += 600 + below(c, 7200);
    STEP(&c->desk, "assign", in, t);
    if (permille(c, 50)) {   /* 退单: not ours; the desk gives it to the community (A) */
        t += 1800 + below(c, 14400);
        STEP(doer, "return", ((order_step_in){.solved = -1, .opinion = "不属于本单位职责范围，请重新交办"}), t);
        t += 1800 + below(c, 7200);
        in = (order_step_in){.solved = -1, .unit_id = g->community_id};
        doer = unit_actor_of(c, g->community_id, g->community_id);
        STEP(&c->desk, "assign", in, t);
    } else if (permille(c, 30) && !to_dept) {   /* 改派 before signing (A) */
        t += 1800 + below(c, 7200);
        int64_t unit = in.unit_id == g->id ? g->community_id : g->id;
        in = (order_step_in){.solved = -1, .unit_id = unit, .opinion = "承办单位调整，改派"};
        doer = unit_actor_of(c, unit, g->community_id);
        STEP(&c->desk, "reassign", in, t);
    }
    time_t sdue = 0, hdue = handle_due(c, id, &sdue);
    if (!hdue)
        return fail(c, "读取工单 %lld 失败", (long long)id);
    t = permille(c, 40) ? sdue + 3600 + below(c, 36000) : t + 1200 + below(c, 14400);   /* 4% signed late (A) */
    STEP(doer, "sign", ((order_step_in){.solved = -1}), t);
    if (permille(c, 80)) {   /* 催办 (A) */
        char at[20];
        utc_text(t + 86400 + below(c, 86400), at);
        ms_err e = {0};
        if (utc_parse(at) < c->now && order_urge_add(c->db, &c->desk, id, "群众再次来电催问，请加快办理", at, &e) != 0)
            return fail(c, "催办失败：%s", e.message);
        t = utc_parse(at);
    }
    if (permille(c, 10))   /* stalled: overdue and supervised (A) */
        return 0;
    if (permille(c, 300)) {
        t += 3600 + below(c, 86400);
        STEP(doer, "progress", ((order_step_in){.solved = -1, .opinion = "已到现场核实，正在协调处理"}), t);
    }
    int late = permille(c, 70);   /* finished after the handling limit: 督办 (A) */
    time_t span = hdue > t ? hdue - t : 3600;
    t = late ? hdue + 3600 + below(c, 4 * 86400) : t + 1800 + (time_t)(demo_splitmix64(&c->rng) % (uint64_t)span) * 3 / 4;
    int solved = permille(c, 900);
    STEP(doer, "finish",
         ((order_step_in){.solved = solved,
                          .opinion = solved ? "已现场处理完毕，问题已解决" : "已向诉求人解释相关政策，问题暂不具备解决条件"}),
         t);
    int r = below(c, 1000);   /* 回访: 80% satisfied, 12% basic, 8% dissatisfied (A) */
    const char *sat = r < 800 ? "satisfied" : r < 920 ? "basic" : "dissatisfied";
    t += 1800 + below(c, 6 * 3600);
    STEP(&c->desk, "callback", ((order_step_in){.solved = -1, .satisfaction = sat}), t);
    if (strcmp(sat, "dissatisfied") != 0)
        return 0;
    /* redone: handled again, then called back once more */
    t += 3600 + below(c, 2 * 86400);
    STEP(doer, "finish", ((order_step_in){.solved = 1, .opinion = "重新办理，已再次到现场解决"}), t);
    t += 1800 + below(c, 6 * 3600);
    STEP(&c->desk, "callback", ((order_step_in){.solved = -1, .satisfaction = permille(c, 700) ? "satisfied" : "basic"}), t);
    return 0;
}

static int file_one(ctx *c, long k, time_t day0, last_order *prev)
{
    /* filed between 08:00 and 20:00 China time (00:00–12:00 UTC) of a day within the year */
    time_t t = day0 - (time_t)below(c, DAYS_BACK) * 86400 + below(c, 12 * 3600);
    int dup = prev->id > 0 && permille(c, 25);   /* the same caller again about the same thing (A) */
    const grid_row *g = &c->grids[below(c, (int)c->ngrids)];
    int64_t cat = c->cats[below(c, (int)c->ncats)];
    char phone[12], address[200], name[32], hotline[41] = "", at[20];
    snprintf(phone, sizeof phone, "1%c%09d", "3456789"[below(c, 7)], below(c, 1000000000));
    snprintf(address, sizeof address, "%.60s%.60s%d号楼%s", g->community, g->name, 1 + below(c, 30), PLACES[below(c, 8)]);
    utf8_trim_partial(address);
    if (dup) {
        t = prev->at + 3600 + below(c, 3 * 86400);
        memcpy(phone, prev->phone, sizeof phone);
        snprintf(address, sizeof address, "%s", prev->address);
        cat = prev->cat;
        for (size_t i = 0; i < c->ngrids; i++)
            if (c->grids[i].id == prev->grid)
                g = &c->grids[i];
    }
    if (t >= c->now)
        t = c->now - 3600 - below(c, 6 * 3600);
    int r = below(c, 1000);   /* 75% 12345, then 巡查, 网上, 来访, 信访 (A) */
    const char *source = r < 750 ? "hotline" : r < 850 ? "patrol" : r < 920 ? "online" : r < 980 ? "walkin" : "petition";
    utc_text(t, at);
    if (strcmp(source, "hotline") == 0)
        snprintf(hotline, sizeof hotline, "SD%.4s%.2s%.2s%06ld", at, at + 5, at + 8, ++c->seq);
    snprintf(name, sizeof name, "%s%s", SURNAMES[below(c, 16)], permille(c, 500) ? "先生" : "女士");
    order_new in = {.source = source, .hotline_no = hotline[0] ? hotline : NULL,
                    .urgency = permille(c, 60) ? "urgent" : "normal", .category_id = cat, .grid_id = g->id,
                    .address = address, .reporter_name = name, .phone = phone, .content = complaint(cat), .at = at};
    ms_err e = {0};
    if (db_begin(c->db) != DB_DONE)
        return fail(c, "无法开始事务");
    int64_t id = order_create(c->db, &c->desk, NULL, &in, &e);
    if (id < 0) {
        db_rollback(c->db);
        return fail(c, "第 %ld 张工单登记失败：%s", k + 1, e.message);
    }
    int rc;
    if (dup && prev->at <= t && permille(c, 700)) {   /* merged into the first one an hour later */
        utc_text(t + 3600 < c->now ? t + 3600 : t, at);
        rc = order_decide_duplicate(c->db, &c->desk, NULL, id, prev->id, "merge", at, &e);
        if (rc != 0)
            fail(c, "合并重复工单失败：%s", e.message);
    } else {
        if (dup && order_decide_duplicate(c->db, &c->desk, NULL, id, prev->id, "distinct", at, &e) != 0) {
            db_rollback(c->db);
            return fail(c, "重复工单决定失败：%s", e.message);
        }
        rc = walk(c, id, g, cat, t);
    }
    if (rc != 0 || db_commit(c->db) != DB_DONE) {
        db_rollback(c->db);
        return -1;
    }
    c->sum->orders++;
    if (!dup) {
        *prev = (last_order){.id = id, .cat = cat, .grid = g->id, .at = t};
        memcpy(prev->phone, phone, sizeof phone);
        snprintf(prev->address, sizeof prev->address, "%s", address);
    }
    return 0;
}

int demo_demands_build(db_conn *db, uint64_t seed, int today_ymd, demo_demands_summary *sum, char *err,
                       size_t errsz)
{
    demo_demands_summary local = {0};
    ctx c = {.db = db, .rng = seed ^ 0x64656d616e6473ULL, .err = err, .errsz = errsz, .sum = sum ? sum : &local,
             .now = time(NULL) - 60};
    *c.sum = (demo_demands_summary){0};
    int rc = -1;
    int today = today_ymd ? today_ymd : date_today_local();
    char street_path[256] = "";
    int64_t street_id = db_one_int(db, 0, "SELECT id FROM org_unit WHERE code = ?", DB_TEXT(DEMO_STREET_CODE));
    db_one_text(db, street_path, sizeof street_path, "SELECT path FROM org_unit WHERE id = ?", DB_INT(street_id));
    long households = (long)db_one_int(db, 0, "SELECT COUNT(*) FROM household WHERE status = 'active'");
    if (street_id <= 0) {
        fail(&c, "没有演示街道：请先运行 minsheng demo");
        goto out;
    }
    if (households < MIN_HOUSEHOLDS) {
        rc = 0;
        goto out;
    }
    if (db_one_int(db, 0, "SELECT COUNT(*) FROM demand_order") > 0) {
        fail(&c, "数据库中已有诉求工单，不再生成演示工单");
        goto out;
    }
    if (load_actor(&c, "jiedao", &c.desk) || load_actor(&c, "bumen", &c.civil) ||
        load_street(&c, street_id, street_path) || plan_departments(&c, street_id))
        goto out;
    /* today's 00:00 China time (16:00 UTC the day before), then 08:00 China time */
    struct tm tm = {.tm_year = today / 10000 - 1900, .tm_mon = today / 100 % 100 - 1, .tm_mday = today % 100};
    time_t day0 = timegm(&tm) - 8 * 3600 + 8 * 3600;
    long n = households * ORDERS_PER_50K / 50000;
    last_order prev = {0};
    for (long k = 0; k < n; k++)
        if (file_one(&c, k, day0, &prev) != 0)
            goto out;
    c.sum->open = db_one_int(db, 0, "SELECT COUNT(*) FROM wf_case WHERE type = 'workorder' AND closed_at IS NULL");
    c.sum->merged = db_one_int(db, 0, "SELECT COUNT(*) FROM wf_case WHERE type = 'workorder' AND state = 'merged'");
    c.sum->late = db_one_int(db, 0, "SELECT COUNT(*) FROM demand_order WHERE finished_at > handle_due_at");
    rc = 0;
out:
    free(c.units);
    free(c.grids);
    free(c.cats);
    return rc;
}
