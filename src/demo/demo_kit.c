/* demo_kit.c — the shared helpers of the demo's issue-12 generators (see
 * demo_kit.h): a splitmix64 stream, dates around today, the demo street's
 * units and residents read once, the accounts as actors. */
#include "demo/demo_kit.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/users.h"
#include "demo/demo.h"
#include "registry/org.h"
#include "util/strbuf.h"
#include "util/validate.h"

uint64_t demo_kit_next(demo_kit *k)
{
    uint64_t z = (k->rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

int demo_kit_below(demo_kit *k, int n)
{
    return n > 0 ? (int)(demo_kit_next(k) % (uint64_t)n) : 0;
}

int demo_kit_range(demo_kit *k, int lo, int hi)
{
    return hi <= lo ? lo : lo + demo_kit_below(k, hi - lo + 1);
}

int demo_kit_permille(demo_kit *k, int p)
{
    return demo_kit_below(k, 1000) < p;
}

int demo_kit_weighted(demo_kit *k, const int *weights, int n)
{
    int total = 0;
    for (int i = 0; i < n; i++)
        total += weights[i];
    int x = demo_kit_below(k, total);
    for (int i = 0; i < n; i++) {
        if (x < weights[i])
            return i;
        x -= weights[i];
    }
    return n - 1;
}

const char *demo_kit_pick(demo_kit *k, const char *const *list)
{
    int n = 0;
    while (list[n])
        n++;
    return list[demo_kit_below(k, n)];
}

void demo_kit_day(const demo_kit *k, int back, char out[11])
{
    date_add_days(k->today, -back, out);   /* today is a date: never fails */
}

/* Days since 1970-01-01 of a "YYYY-MM-DD" (the civil-from-days inverse). */
static long day_number(const char *ymd)
{
    int y = atoi(ymd), m = atoi(ymd + 5), d = atoi(ymd + 8);
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int demo_kit_days_between(const char *a, const char *b)
{
    return (int)(day_number(b) - day_number(a));
}

int demo_kit_fail(demo_kit *k, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(k->err, k->errsz, fmt, ap);
    va_end(ap);
    return -1;
}

int demo_kit_actor(demo_kit *k, const char *username, actor *out)
{
    int64_t id = db_one_int(k->db, 0, "SELECT id FROM app_user WHERE username = ?", DB_TEXT(username));
    if (id <= 0 || user_load_ctx(k->db, id, out) != 0)
        return demo_kit_fail(k, "演示账户 %s 不存在：请先建立演示街道和账户", username);
    return 0;
}

/* The units of `kind` under the street, in code order, into *out. */
static int load_units(demo_kit *k, const char *kind, demo_unit **out, size_t *n)
{
    char end[260];
    snprintf(end, sizeof end, "%s\x7f", k->street_path);
    db_stmt *s = db_query(k->db,
                          "SELECT id, parent_id, name, path FROM org_unit WHERE kind = ? AND status = 'active'"
                          " AND path > ? AND path < ? ORDER BY code",
                          DB_TEXT(kind), DB_TEXT(k->street_path), DB_TEXT(end));
    if (!s)
        return demo_kit_fail(k, "无法读取演示街道的%s", strcmp(kind, "grid") == 0 ? "网格" : "社区");
    size_t cap = 0;
    *n = 0;
    *out = NULL;
    while (db_step(s) == DB_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            *out = xrealloc(*out, cap * sizeof **out);
        }
        demo_unit *u = &(*out)[(*n)++];
        u->id = db_col_int(s, 0);
        u->parent_id = db_col_int(s, 1);
        db_col_copy(s, 2, u->name, sizeof u->name);
        db_col_copy(s, 3, u->path, sizeof u->path);
        u->index = (int)((*n - 1) % 33);
    }
    db_finalize(s);
    return *n ? 0 : demo_kit_fail(k, "演示街道没有%s", strcmp(kind, "grid") == 0 ? "网格" : "社区");
}

int demo_kit_open(demo_kit *k, db_conn *db, uint64_t seed, uint64_t stream, int today_ymd, char *err, size_t errsz)
{
    memset(k, 0, sizeof *k);
    k->db = db;
    k->err = err;
    k->errsz = errsz;
    k->rng = seed ^ stream;
    int t = today_ymd ? today_ymd : date_today_local();
    char buf[32];
    snprintf(buf, sizeof buf, "%04d-%02d-%02d", t / 10000 % 10000, t / 100 % 100, t % 100);
    memcpy(k->today, buf, 11);
    k->year = t / 10000;
    org_unit street;
    if (org_get_by_code(db, DEMO_STREET_CODE, &street) != 0)
        return demo_kit_fail(k, "演示街道 %s 不存在：请先建立演示街道", DEMO_STREET_CODE);
    k->street_id = street.id;
    snprintf(k->street_path, sizeof k->street_path, "%s", street.path);
    if (load_units(k, "community", &k->communities, &k->ncommunities) != 0 ||
        load_units(k, "grid", &k->grids, &k->ngrids) != 0)
        return -1;
    char oldest[16], youngest[16];
    snprintf(oldest, sizeof oldest, "%04d%s", k->year - 70, k->today + 4);
    snprintf(youngest, sizeof youngest, "%04d%s", k->year - 25, k->today + 4);
    db_stmt *s = db_query(db, "SELECT id FROM resident WHERE status = 'active' AND birth_date > ? AND birth_date <= ?"
                              " ORDER BY id", DB_TEXT(oldest), DB_TEXT(youngest));
    if (!s)
        return demo_kit_fail(k, "无法读取演示居民");
    size_t cap = 0;
    while (db_step(s) == DB_ROW) {
        if (k->nadults == cap) {
            cap = cap ? cap * 2 : 1024;
            k->adults = xrealloc(k->adults, cap * sizeof *k->adults);
        }
        k->adults[k->nadults++] = db_col_int(s, 0);
    }
    db_finalize(s);
    return 0;   /* none (a demo of a few households): demo_kit_adult falls back to made-up names */
}

void demo_kit_release(demo_kit *k)
{
    free(k->communities);
    free(k->grids);
    free(k->adults);
    k->communities = k->grids = NULL;
    k->adults = NULL;
}

/* Resident id's name into name and grid path into path (either may be NULL): 0 or -1. */
static int resident_name_path(demo_kit *k, int64_t id, char *name, size_t namesz, char *path, size_t pathsz)
{
    db_stmt *s = db_query(k->db, "SELECT r.name, g.path FROM resident r JOIN org_unit g ON g.id = r.grid_id"
                                 " WHERE r.id = ?", DB_INT(id));
    int rc = -1;
    if (s && db_step(s) == DB_ROW) {
        if (name)
            db_col_copy(s, 0, name, namesz);
        if (path)
            db_col_copy(s, 1, path, pathsz);
        rc = 0;
    }
    db_finalize(s);
    return rc;
}

/* Names for a street with no adult registered (a demo of a few households). */
static const char *const FALLBACK_NAMES[] = {"王建国", "李秀英", "张志强", "刘桂兰", "陈晓东", "杨春梅",
                                             "赵国庆", "黄丽华", "周建军", "吴玉珍", "孙卫东", "马秀云", NULL};

int64_t demo_kit_adult(demo_kit *k, char *name, size_t namesz)
{
    if (!k->nadults) {
        if (name)
            snprintf(name, namesz, "%s", demo_kit_pick(k, FALLBACK_NAMES));
        return 0;
    }
    int64_t id = k->adults[demo_kit_below(k, (int)k->nadults)];
    if (resident_name_path(k, id, name, namesz, NULL, 0) != 0 && name)
        snprintf(name, namesz, "%s", demo_kit_pick(k, FALLBACK_NAMES));
    return id;
}

int64_t demo_kit_adult_under(demo_kit *k, const char *path, char *name, size_t namesz)
{
    /* the residents are stored grid by grid: look near a resident of the
     * path first, then at random */
    char p[256];
    for (int tries = 0; k->nadults && tries < 400; tries++) {
        int64_t id = k->adults[demo_kit_below(k, (int)k->nadults)];
        if (resident_name_path(k, id, name, namesz, p, sizeof p) == 0 && strncmp(p, path, strlen(path)) == 0)
            return id;
    }
    return 0;
}

void demo_kit_mobile(demo_kit *k, char out[12])
{
    char buf[32];
    snprintf(buf, sizeof buf, "%s%08d", demo_kit_pick(k, demo_mobile_prefixes), demo_kit_below(k, 100000000));
    memcpy(out, buf, 11);
    out[11] = '\0';
}

int demo_kit_begin(demo_kit *k)
{
    return db_begin(k->db) == DB_DONE ? 0 : demo_kit_fail(k, "无法开始事务");
}

int demo_kit_end(demo_kit *k, int rc)
{
    if (rc != 0) {
        db_rollback(k->db);
        return -1;
    }
    if (db_commit(k->db) != DB_DONE) {
        db_rollback(k->db);
        return demo_kit_fail(k, "提交失败");
    }
    return 0;
}

int demo_kit_check(demo_kit *k, int ok, const char *what, const char *why)
{
    return ok ? 0 : demo_kit_fail(k, "%s失败：%s", what, why ? why : "");
}
