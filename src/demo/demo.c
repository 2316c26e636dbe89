/* demo.c — builds the demo street 丹阳街道 (or the district 牡丹区 with N
 * streets) and its accounts (see demo.h).
 *
 * The generator works household by household: a size (1–6 people), a
 * family pattern for that size (an elderly couple, parents with
 * children, three generations, grandparents with left-behind
 * grandchildren …), ages consistent with the relations, then per person
 * an ID number, a name, a phone, employment, disability and the special
 * groups. Probabilities are set so that a 50,000-household street
 * matches the figures of DOMAIN.md (about 726 低保 households with
 * 1,293 people, 54 特困, 19% aged 60+, 2.5% aged 80+ …); smaller or
 * larger streets scale with the number of households. */
#include "demo/demo.h"
#include "demo/geo.h"
#include "registry/derived.h"

#include "auth/users.h"
#include "registry/org.h"
#include "registry/household.h"
#include "registry/registry.h"
#include "registry/resident.h"
#include "util/idcard.h"
#include "util/validate.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_MEMBERS 8
#define HIST_STREAM 0x5851F42D4C957F2DULL   /* seeds the history's stream (xor the street's seed) */
#define N_COMMUNITIES 33
#define HERE_REGION "371702"      /* 菏泽市牡丹区 */
#define OLD_REGION "372901"       /* 菏泽市 (county-level city) before 2000 */
#define CITY_PREFIX "菏泽市牡丹区"
#define DISTRICT_NAME "牡丹区"

/* The demo district's streets in order (the towns and streets of 牡丹区);
 * beyond them "第N街道". */
static const char *const STREET_NAMES[] = {
    "丹阳街道", "东城街道", "西城街道", "南城街道", "北城街道", "牡丹街道", "万福街道", "何楼街道", "岳程街道",
    "佃户屯街道", "皇镇街道", "沙土街道", "吴店街道", "王浩屯街道", "黄堽街道", "都司街道", "高庄街道",
    "小留街道", "李村街道", "马岭岗街道", NULL};

/* ---- PRNG: xoshiro256** seeded by splitmix64 ------------------------- */

typedef struct rng {
    uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

uint64_t demo_splitmix64(uint64_t *x)
{
    return splitmix64(x);
}

static void rng_seed(rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform in [0, n). */
static uint32_t rng_below(rng *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [lo, hi]. */
static int rng_range(rng *r, int lo, int hi)
{
    return lo + (int)rng_below(r, (uint32_t)(hi - lo + 1));
}

static double rng_unit(rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static int chance(rng *r, double p)
{
    return rng_unit(r) < p;
}

/* Index drawn from integer weights w[0..n-1]. */
static int pick_weighted(rng *r, const int *w, int n)
{
    int total = 0;
    for (int i = 0; i < n; i++)
        total += w[i];
    int x = (int)rng_below(r, (uint32_t)total);
    for (int i = 0; i < n; i++) {
        if (x < w[i])
            return i;
        x -= w[i];
    }
    return n - 1;
}

static size_t list_len(const char *const *list)
{
    size_t n = 0;
    while (list[n])
        n++;
    return n;
}

static const char *pick_str(rng *r, const char *const *list)
{
    return list[rng_below(r, (uint32_t)list_len(list))];
}

static const demo_region *pick_region(rng *r, const demo_region *list)
{
    size_t n = 0;
    while (list[n].code)
        n++;
    return &list[rng_below(r, (uint32_t)n)];
}

/* ---- a set of 64-bit keys (ID numbers, phones) ----------------------- */

typedef struct u64set {
    uint64_t *slot;   /* 0 = empty; keys are never 0 */
    size_t mask, n;
} u64set;

static int set_init(u64set *s, size_t expect)
{
    size_t cap = 1024;
    while (cap < expect * 2)
        cap <<= 1;
    s->slot = calloc(cap, sizeof *s->slot);
    s->mask = cap - 1;
    s->n = 0;
    return s->slot ? 0 : -1;
}

static void set_free(u64set *s)
{
    free(s->slot);
    s->slot = NULL;
}

static size_t set_hash(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xFF51AFD7ED558CCDULL;
    k ^= k >> 33;
    return (size_t)k;
}

static int set_add(u64set *s, uint64_t key);

static int set_grow(u64set *s)
{
    u64set bigger = {calloc((s->mask + 1) * 2, sizeof(uint64_t)), (s->mask + 1) * 2 - 1, 0};
    if (!bigger.slot)
        return -1;
    for (size_t i = 0; i <= s->mask; i++)
        if (s->slot[i])
            set_add(&bigger, s->slot[i]);
    free(s->slot);
    *s = bigger;
    return 0;
}

/* 1 when added, 0 when already present, -1 out of memory. */
static int set_add(u64set *s, uint64_t key)
{
    if ((s->n + 1) * 2 > s->mask + 1 && set_grow(s) != 0)
        return -1;
    size_t i = set_hash(key) & s->mask;
    while (s->slot[i]) {
        if (s->slot[i] == key)
            return 0;
        i = (i + 1) & s->mask;
    }
    s->slot[i] = key;
    s->n++;
    return 1;
}

static int set_has(const u64set *s, uint64_t key)
{
    for (size_t i = set_hash(key) & s->mask; s->slot[i]; i = (i + 1) & s->mask)
        if (s->slot[i] == key)
            return 1;
    return 0;
}

/* ---- dates (days since 1970-01-01, proleptic Gregorian) -------------- */

static long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, int *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int ymd_is_valid(int ymd)
{
    int y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;
    if (y < 2000 || y > 2199 || m < 1 || m > 12 || d < 1)   /* ages up to 105: births from 1895 */
        return 0;
    int cy, cm, cd;
    civil_from_days(days_from_civil(y, m, d), &cy, &cm, &cd);
    return cy == y && cm == m && cd == d;
}

static int local_today_ymd(void)
{
    int today = date_today_local();
    return today ? today : 20260101;
}

/* ---- the generator's state ------------------------------------------- */

enum tag {
    T_ELDERLY, T_DISABLED, T_DIBAO, T_TEKUN, T_LB_ELDER, T_LB_CHILD, T_PRISONER,
    T_VETERAN, T_ALONE, T_HARDSHIP_ELDER, T_HARDSHIP_CHILD, N_TAGS
};
static const char *const TAG_CODES[N_TAGS] = {
    "elderly", "disabled", "dibao", "tekun", "left_behind_elder", "left_behind_child",
    "released_prisoner", "veteran", "living_alone", "hardship_elder", "hardship_child"};

enum relation {
    R_HEAD, R_SPOUSE, R_SON, R_DAUGHTER, R_FATHER, R_MOTHER, R_GRANDSON, R_GRANDDAUGHTER,
    R_DAUGHTER_GRANDCHILD, R_DIL, R_SIL, N_REL
};
static const char *const REL_TEXT[N_REL] = {
    "户主", "配偶", "子", "女", "父亲", "母亲", "孙子", "孙女", "外孙子女", "儿媳", "女婿"};

typedef struct person {
    int age;              /* planned, then the real age on today_ymd */
    char sex;             /* 'M' / 'F' */
    int rel;              /* enum relation */
    const char *surname;
    char name[48];
    char id[19];
    char phone[12];
    const char *region;
    const char *employment;
    const char *dis_type;
    int dis_grade;
    int party;
    unsigned tags;        /* 1u << enum tag */
    const char *notes;
} person;

enum kind {
    K_OLD_SINGLE, K_YOUNG_SINGLE, K_MID_SINGLE, K_OLD_COUPLE, K_MID_COUPLE, K_YOUNG_COUPLE,
    K_SINGLE_PARENT, K_WITH_PARENT, K_NUCLEAR, K_COUPLE_PARENTS, K_SKIP, K_OLDHEAD
};

typedef struct family {
    int n;
    int kind;
    person p[MAX_MEMBERS];
    const char *residence;   /* 户籍 / 常住 / 流动 */
    const char *hukou;       /* 城镇 / 农村 / 其他 */
    const demo_region *origin; /* where a non-户籍 household is registered */
    int dibao, tekun;
} family;   /* a household being generated (registry/household.h's is the stored one) */

typedef struct grid_info {
    int64_t id;
    char code[48];
    const char *road;
    int community, index;   /* community 0..32, grid index in it 0..3 */
} grid_info;

/* Chosen so far versus the sum of the probabilities offered. */
typedef struct quota {
    double expected;
    long chosen;
} quota;

/* One change the history pass makes after a grid's households (see
 * demo.h): kind 'D' died, 'O' moved out, 'C' household closed, 'H'
 * household moves to an earlier grid, 'R' resident moves into a
 * household of an earlier grid. */
typedef struct hist_event {
    char kind;
    int64_t id;               /* the resident ('D', 'O', 'R') or the household */
    long day;                 /* its date ('D', 'O', 'C') */
    int n;                    /* people who leave the active counts, */
    unsigned tags[MAX_MEMBERS]; /* with their tags */
} hist_event;

/* An earlier grid of the street, as a destination of moves. */
typedef struct hist_grid {
    int64_t id, building_id, household_id;   /* the grid, its first building, its first household */
    char address[200];                       /* that building's address */
} hist_grid;

typedef struct demo_ctx {
    db_conn *db;
    registry_writer *w;
    rng r;                  /* the stream in use (households, or the tree while in_tree) */
    rng other;              /* the stream set aside */
    int in_tree;            /* r is the tree's stream (swap_streams flips it) */
    u64set ids, phones;     /* residents' ID numbers and phones (mobile and landline) */
    u64set tree_phones;     /* the leaders' phones of the org tree */
    int today_ymd;          /* ages are computed on this date */
    int check_ymd;          /* min(today_ymd, the real date): birth dates never after it */
    int ty, tm, td;
    long limit_day;
    int tag_index[N_TAGS];  /* index of each tag in resident_tag_codes */
    int surname_total;
    int old_weights[46];    /* ages 60..105 */
    quota dibao, tekun;     /* the programmes with figures to match */
    rng hist;               /* the history's own stream (demo.h) */
    hist_event *events;     /* decided for the grid being built */
    size_t nevents, capevents;
    hist_grid *grids;       /* the street's grids built so far */
    size_t ngrids, capgrids;
    long moved_in;          /* households moved in so far: their flat numbers */
    demo_summary *sum;
    uint64_t seed;          /* demo_options.seed: the boundaries' (demo/geo.h) */
    int streets;            /* streets built (1: the one street) */
    demo_street_geo *geo;   /* the street being built's boundaries (demo_build allocates it) */
    char *err;
    size_t errsz;
} demo_ctx;

__attribute__((format(printf, 2, 3)))
static int failf(demo_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, c->errsz, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- people ------------------------------------------------------------ */

static const char *pick_surname(demo_ctx *c)
{
    int x = (int)rng_below(&c->r, (uint32_t)c->surname_total);
    for (size_t i = 0; demo_surnames[i].text; i++) {
        if (x < demo_surnames[i].weight)
            return demo_surnames[i].text;
        x -= demo_surnames[i].weight;
    }
    return "王";
}

static int birth_era(int birth_year)
{
    return birth_year < 1960 ? 0 : birth_year < 1990 ? 1 : birth_year < 2010 ? 2 : 3;
}

static void make_name(demo_ctx *c, char *out, size_t outsz, const char *surname, char sex, int birth_year)
{
    int era = birth_era(birth_year);
    const char *const *const *chars = sex == 'M' ? demo_given_chars_male : demo_given_chars_female;
    const char *const *list = sex == 'M' ? demo_given_male[era] : demo_given_female[era];
    double compose = era == 3 ? 0.30 : 0.60;
    if (chance(&c->r, compose)) {
        if (chance(&c->r, 0.10))
            snprintf(out, outsz, "%s%s", surname, pick_str(&c->r, chars[1]));
        else
            snprintf(out, outsz, "%s%s%s", surname, pick_str(&c->r, chars[0]), pick_str(&c->r, chars[1]));
    } else {
        snprintf(out, outsz, "%s%s", surname, pick_str(&c->r, list));
    }
}

/* A random adult's name (grid workers, building heads …). */
static void adult_name(demo_ctx *c, char *out, size_t outsz, int min_age, int max_age)
{
    char sex = chance(&c->r, 0.5) ? 'M' : 'F';
    make_name(c, out, outsz, pick_surname(c), sex, c->ty - rng_range(&c->r, min_age, max_age));
}

static int make_phone(demo_ctx *c, char out[12])
{
    for (int tries = 0; tries < 1000; tries++) {
        const char *prefix = pick_str(&c->r, demo_mobile_prefixes);
        uint32_t rest = rng_below(&c->r, 100000000u);
        snprintf(out, 12, "%s%08u", prefix, (unsigned)rest);
        uint64_t key = strtoull(out, NULL, 10);
        /* A leader's phone is unique among the tree's: were the residents'
         * phones asked too, a resident who drew it first would make the
         * tree draw again, and the tree would depend on the households
         * (a tree-only demo would refuse a populated one's CSV). A
         * resident's phone is unique among all drawn so far, as before. */
        if (!c->in_tree && set_has(&c->tree_phones, key))
            continue;
        int rc = set_add(c->in_tree ? &c->tree_phones : &c->phones, key);
        if (rc < 0)
            return failf(c, "内存不足");
        if (rc == 1)
            return 0;
    }
    return failf(c, "无法生成不重复的手机号");
}

/* A 菏泽 landline, canonical "0530-5xxxxxx". */
static int make_landline(demo_ctx *c, char out[16])
{
    for (int tries = 0; tries < 1000; tries++) {
        uint32_t local = 5000000u + rng_below(&c->r, 1000000u);
        int rc = set_add(&c->phones, 5300000000ULL + local);
        if (rc < 0)
            return failf(c, "内存不足");
        if (rc == 1) {
            snprintf(out, 16, "0530-%07u", (unsigned)local);
            return 0;
        }
    }
    return failf(c, "无法生成不重复的固定电话");
}

/* A birth day (days since epoch) for someone aged `age` on today_ymd. */
static long birth_day_for_age(demo_ctx *c, int age)
{
    int d = (c->tm == 2 && c->td == 29) ? 28 : c->td;
    long hi = days_from_civil(c->ty - age, c->tm, d);
    long lo = days_from_civil(c->ty - age - 1, c->tm, d) + 1;
    if (hi > c->limit_day)
        hi = c->limit_day;
    if (lo > hi)
        lo = hi;
    return lo + (long)rng_below(&c->r, (uint32_t)(hi - lo + 1));
}

static int make_id(demo_ctx *c, const char *region, long birth_day, char sex, char out[19])
{
    int y, m, d;
    civil_from_days(birth_day, &y, &m, &d);
    uint64_t base = strtoull(region, NULL, 10) * 100000000000ULL +
                    (uint64_t)(y * 10000 + m * 100 + d) * 1000ULL;
    int parity = sex == 'M' ? 1 : 0;
    uint32_t start = rng_below(&c->r, 500);
    for (uint32_t k = 0; k < 500; k++) {
        int seq = (int)((start + k) % 500) * 2 + parity;
        if (seq == 0)
            continue;
        int rc = set_add(&c->ids, base + (uint64_t)seq);
        if (rc < 0)
            return failf(c, "内存不足");
        if (rc == 1) {
            snprintf(out, 19, "%s%04d%02d%02d%03d", region, y, m, d, seq);
            out[17] = idcard_check_digit(out);
            out[18] = '\0';
            return 0;
        }
    }
    return failf(c, "同一出生日期的身份证号已用完（%s %04d-%02d-%02d）", region, y, m, d);
}

/* An age of 60 or more, following the shape of the population. */
static int old_age(demo_ctx *c, int min_age)
{
    int from = min_age < 60 ? 0 : min_age - 60;
    if (from > 45)
        from = 45;
    return 60 + from + pick_weighted(&c->r, c->old_weights + from, 46 - from);
}

/* ---- households: family patterns --------------------------------------- */

typedef struct pattern {
    int kind, weight, a;   /* a: parents (K_COUPLE_PARENTS), head is a couple (K_OLDHEAD) */
} pattern;

static const pattern PATTERNS_1[] = {{K_OLD_SINGLE, 31, 0}, {K_YOUNG_SINGLE, 46, 0}, {K_MID_SINGLE, 23, 0}};
static const pattern PATTERNS_2[] = {{K_OLD_COUPLE, 27, 0}, {K_MID_COUPLE, 27, 0}, {K_YOUNG_COUPLE, 30, 0},
                                     {K_SINGLE_PARENT, 10, 0}, {K_WITH_PARENT, 6, 1}};
static const pattern PATTERNS_3[] = {{K_NUCLEAR, 77, 0}, {K_COUPLE_PARENTS, 9, 1}, {K_SKIP, 3, 0},
                                     {K_SINGLE_PARENT, 6, 0}, {K_OLDHEAD, 5, 0}};
static const pattern PATTERNS_4[] = {{K_NUCLEAR, 58, 0}, {K_COUPLE_PARENTS, 22, 1}, {K_COUPLE_PARENTS, 5, 2},
                                     {K_SKIP, 3, 0}, {K_OLDHEAD, 12, 1}};
static const pattern PATTERNS_5[] = {{K_COUPLE_PARENTS, 40, 2}, {K_COUPLE_PARENTS, 20, 1}, {K_NUCLEAR, 10, 0},
                                     {K_OLDHEAD, 30, 1}};
static const pattern PATTERNS_6[] = {{K_COUPLE_PARENTS, 50, 2}, {K_OLDHEAD, 50, 1}};

static const struct {
    const pattern *p;
    int n;
} PATTERNS[7] = {
    {NULL, 0},
    {PATTERNS_1, 3}, {PATTERNS_2, 5}, {PATTERNS_3, 5}, {PATTERNS_4, 5}, {PATTERNS_5, 4}, {PATTERNS_6, 2},
};

/* Household sizes 1..6, in percent: about 2.44 people per household. */
static const int SIZE_WEIGHTS[6] = {24, 35, 23, 11, 5, 2};

static person *add_person(family *h, int rel, char sex, int age, const char *surname)
{
    person *p = &h->p[h->n++];
    memset(p, 0, sizeof *p);
    p->rel = rel;
    p->sex = sex;
    p->age = age;
    p->surname = surname;
    return p;
}

static char other_sex(char s)
{
    return s == 'M' ? 'F' : 'M';
}

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Ages of n siblings, oldest first, none negative. */
static void sibling_ages(demo_ctx *c, int *ages, int n, int oldest)
{
    ages[0] = oldest;
    for (int i = 1; i < n; i++)
        ages[i] = ages[i - 1] - rng_range(&c->r, 1, 7);
    if (n > 0 && ages[n - 1] < 0) {
        int shift = -ages[n - 1];
        for (int i = 0; i < n; i++)
            ages[i] += shift;
    }
}

/* Adds a couple as head and spouse: husband's age given, wife a little
 * younger. Returns the family surname (the husband's). */
static const char *add_couple(demo_ctx *c, family *h, int husband_age, int min_wife_age,
                              double male_head, const char **wife_surname)
{
    int wife_age = husband_age - rng_range(&c->r, -1, 5);
    if (wife_age < min_wife_age)
        wife_age = min_wife_age + rng_range(&c->r, 0, 2);
    const char *hs = pick_surname(c), *ws = pick_surname(c);
    if (chance(&c->r, male_head)) {
        add_person(h, R_HEAD, 'M', husband_age, hs);
        add_person(h, R_SPOUSE, 'F', wife_age, ws);
    } else {
        add_person(h, R_HEAD, 'F', wife_age, ws);
        add_person(h, R_SPOUSE, 'M', husband_age, hs);
    }
    if (wife_surname)
        *wife_surname = ws;
    return hs;
}

/* The head's own parents: father older, mother a little younger. */
static int add_head_parents(demo_ctx *c, family *h, int nparents)
{
    const person *head = &h->p[0];
    int father = head->age + rng_range(&c->r, 24, 35);
    int mother = father - rng_range(&c->r, -1, 5);
    if (mother < head->age + 20)
        mother = head->age + 20 + rng_range(&c->r, 0, 3);
    if (father > 100 || mother > 100)
        return -1;
    if (nparents == 2 || !chance(&c->r, 0.72))
        add_person(h, R_FATHER, 'M', father, head->surname);
    if (nparents == 2 || h->p[h->n - 1].rel != R_FATHER)
        add_person(h, R_MOTHER, 'F', mother, pick_surname(c));
    return 0;
}

static void add_children(demo_ctx *c, family *h, const int *ages, int n, const char *father_surname,
                         const char *mother_surname)
{
    for (int i = 0; i < n; i++) {
        char sex = chance(&c->r, 0.52) ? 'M' : 'F';
        const char *s = chance(&c->r, 0.95) ? father_surname : mother_surname;
        add_person(h, sex == 'M' ? R_SON : R_DAUGHTER, sex, ages[i], s);
    }
}

/* Fills h with `size` people following pattern `pt`. Returns -1 when the
 * draw gave impossible ages (the caller draws again). */
static int plan_members(demo_ctx *c, family *h, int size, const pattern *pt)
{
    rng *r = &c->r;
    int ages[MAX_MEMBERS];
    const char *fam, *wife_surname;
    h->n = 0;
    h->kind = pt->kind;
    switch (pt->kind) {
    case K_OLD_SINGLE: {
        char sex = chance(r, 0.62) ? 'F' : 'M';
        add_person(h, R_HEAD, sex, old_age(c, 60), pick_surname(c));
        return 0;
    }
    case K_YOUNG_SINGLE:
        add_person(h, R_HEAD, chance(r, 0.58) ? 'M' : 'F', rng_range(r, 20, 39), pick_surname(c));
        return 0;
    case K_MID_SINGLE:
        add_person(h, R_HEAD, chance(r, 0.5) ? 'M' : 'F', rng_range(r, 40, 59), pick_surname(c));
        return 0;
    case K_OLD_COUPLE:
        add_couple(c, h, old_age(c, 60), 52, 0.88, NULL);
        return 0;
    case K_MID_COUPLE:
        add_couple(c, h, rng_range(r, 45, 60), 40, 0.8, NULL);
        return 0;
    case K_YOUNG_COUPLE:
        add_couple(c, h, rng_range(r, 22, 40), 20, 0.75, NULL);
        return 0;
    case K_SINGLE_PARENT: {
        int n = size - 1;
        sibling_ages(c, ages, n, chance(r, 0.7) ? rng_range(r, 0, 17) : rng_range(r, 18, 30));
        char sex = chance(r, 0.7) ? 'F' : 'M';
        const char *own = pick_surname(c), *other = pick_surname(c);
        add_person(h, R_HEAD, sex, ages[0] + rng_range(r, 22, 35), own);
        if (sex == 'M')
            add_children(c, h, ages, n, own, other);
        else
            add_children(c, h, ages, n, chance(r, 0.8) ? other : own, own);
        return 0;
    }
    case K_WITH_PARENT:
        add_person(h, R_HEAD, chance(r, 0.5) ? 'M' : 'F', rng_range(r, 30, 64), pick_surname(c));
        return add_head_parents(c, h, 1);
    case K_NUCLEAR:
    case K_COUPLE_PARENTS: {
        int nparents = pt->kind == K_COUPLE_PARENTS ? pt->a : 0;
        int nchildren = size - 2 - nparents;
        int husband;
        if (nchildren > 0) {
            sibling_ages(c, ages, nchildren, chance(r, 0.7) ? rng_range(r, 0, 17) : rng_range(r, 18, 30));
            husband = ages[0] + rng_range(r, 23, 35);
        } else {
            husband = rng_range(r, 28, 58);
        }
        int min_wife = (nchildren > 0 ? ages[0] : 0) + 20;
        fam = add_couple(c, h, husband, min_wife < 20 ? 20 : min_wife, 0.8, &wife_surname);
        if (nparents && add_head_parents(c, h, nparents) != 0)
            return -1;
        add_children(c, h, ages, nchildren, fam, wife_surname);
        return 0;
    }
    case K_SKIP: {
        int n = size - 2;
        sibling_ages(c, ages, n, rng_range(r, 3, 15));
        fam = add_couple(c, h, ages[0] + rng_range(r, 46, 60), ages[0] + 44, 0.8, NULL);
        if (h->p[0].age > 100 || h->p[1].age > 100)
            return -1;
        for (int i = 0; i < n; i++) {
            char sex = chance(r, 0.52) ? 'M' : 'F';
            add_person(h, sex == 'M' ? R_GRANDSON : R_GRANDDAUGHTER, sex, ages[i], fam);
        }
        return 0;
    }
    case K_OLDHEAD: {
        int ngrand = size - (pt->a ? 2 : 1) - 2;
        int child_age;
        if (ngrand > 0) {
            sibling_ages(c, ages, ngrand, rng_range(r, 0, 14));
            child_age = ages[0] + rng_range(r, 23, 34);
        } else {
            child_age = rng_range(r, 24, 42);
        }
        int elder = child_age + rng_range(r, 23, 34);
        if (elder > 102)
            return -1;
        if (pt->a) {
            fam = add_couple(c, h, elder, child_age + 20, 0.85, NULL);
        } else {
            char sex = chance(r, 0.7) ? 'F' : 'M';
            fam = pick_surname(c);   /* the late husband's, or the widower's own */
            add_person(h, R_HEAD, sex, sex == 'F' ? elder - rng_range(r, 0, 4) : elder,
                       sex == 'F' ? pick_surname(c) : fam);
        }
        char csex = chance(r, 0.8) ? 'M' : 'F';
        int spouse_age = clamp(child_age + (csex == 'M' ? -rng_range(r, -1, 4) : rng_range(r, -1, 4)), 20, 100);
        const char *spouse_surname = pick_surname(c);
        add_person(h, csex == 'M' ? R_SON : R_DAUGHTER, csex, child_age, fam);
        add_person(h, csex == 'M' ? R_DIL : R_SIL, other_sex(csex), spouse_age, spouse_surname);
        for (int i = 0; i < ngrand; i++) {
            char sex = chance(r, 0.52) ? 'M' : 'F';
            int rel = csex == 'F' ? R_DAUGHTER_GRANDCHILD : sex == 'M' ? R_GRANDSON : R_GRANDDAUGHTER;
            add_person(h, rel, sex, ages[i], csex == 'M' ? fam : spouse_surname);
        }
        return 0;
    }
    }
    return -1;
}

/* ---- households: people's attributes ------------------------------------ */

static const char *const DIS_TYPES[7] = {"视力", "听力", "言语", "肢体", "智力", "精神", "多重"};
static const int DIS_CHILD[7] = {10, 10, 10, 20, 30, 0, 20};
static const int DIS_ADULT[7] = {15, 15, 3, 35, 8, 12, 12};
static const int DIS_OLD[7] = {20, 30, 1, 30, 1, 3, 15};
static const int DIS_GRADES[4] = {10, 20, 30, 40};

static void plan_disability(demo_ctx *c, person *p)
{
    double prob = p->age < 18 ? 0.01 : p->age < 60 ? 0.043 : p->age < 80 ? 0.115 : 0.2;
    if (!chance(&c->r, prob))
        return;
    const int *w = p->age < 18 ? DIS_CHILD : p->age < 60 ? DIS_ADULT : DIS_OLD;
    p->dis_type = DIS_TYPES[pick_weighted(&c->r, w, 7)];
    p->dis_grade = 1 + pick_weighted(&c->r, DIS_GRADES, 4);
    p->tags |= 1u << T_DISABLED;
}

static const char *plan_employment(demo_ctx *c, const family *h, const person *p)
{
    rng *r = &c->r;
    int a = p->age;
    int retire = p->sex == 'M' ? 60 : (chance(r, 0.3) ? 50 : 55);
    if (a < 6)
        return "学龄前";
    if (a < 16)
        return "在校学生";
    if (a < 19) {
        static const int w[3] = {92, 4, 4};
        static const char *const v[3] = {"在校学生", "灵活就业", "无业"};
        return v[pick_weighted(r, w, 3)];
    }
    if (p->dis_grade && p->dis_grade <= 2 && a < retire)
        return chance(r, 0.85) ? "无业" : "灵活就业";
    if (a < 23) {
        static const int w[5] = {55, 30, 8, 4, 3};
        static const char *const v[5] = {"在校学生", "在业", "灵活就业", "失业", "无业"};
        return v[pick_weighted(r, w, 5)];
    }
    if (a < retire) {
        if (h->dibao || h->tekun) {
            static const int w[4] = {15, 30, 25, 30};
            static const char *const v[4] = {"在业", "灵活就业", "失业", "无业"};
            return v[pick_weighted(r, w, 4)];
        }
        static const int w[5] = {72, 12, 4, 10, 2};
        static const char *const v[5] = {"在业", "灵活就业", "失业", "无业", "其他"};
        return v[pick_weighted(r, w, 5)];
    }
    if (strcmp(h->hukou, "城镇") == 0 && !h->dibao && !h->tekun) {
        if (a < 68 && chance(r, 0.06))
            return "在业";
        return chance(r, 0.9) ? "退休" : "无业";
    }
    if (a < 68 && chance(r, 0.12))
        return "灵活就业";
    return chance(r, 0.75) ? "无业" : "其他";
}

static double phone_probability(int age)
{
    return age < 12 ? 0.0 : age < 16 ? 0.3 : age < 18 ? 0.7 : age < 76 ? 0.96 : age < 86 ? 0.6 : 0.3;
}

/* Residence status, hukou type and origin of a household. */
static void plan_residence(demo_ctx *c, family *h)
{
    rng *r = &c->r;
    int head_age = h->p[0].age;
    double p_float = head_age < 45 ? 0.13 : head_age < 60 ? 0.055 : 0.015;
    double x = rng_unit(r);
    h->origin = NULL;
    if (x < p_float) {
        h->residence = "流动";
        double y = rng_unit(r);
        h->origin = pick_region(r, y < 0.55 ? demo_regions_heze : y < 0.9 ? demo_regions_shandong : demo_regions_other);
        h->hukou = chance(r, 0.6) ? "农村" : "城镇";
    } else if (x < p_float + 0.10) {
        h->residence = "常住";
        double y = rng_unit(r);
        h->origin = pick_region(r, y < 0.65 ? demo_regions_heze : y < 0.95 ? demo_regions_shandong : demo_regions_other);
        h->hukou = chance(r, 0.3) ? "农村" : "城镇";
    } else {
        h->residence = "户籍";
        double y = rng_unit(r);
        h->hukou = y < 0.88 ? "城镇" : y < 0.99 ? "农村" : "其他";
    }
}

static const char *person_region(demo_ctx *c, const family *h, const person *p, int birth_year)
{
    rng *r = &c->r;
    int born_here = p->rel == R_SON || p->rel == R_DAUGHTER || p->rel == R_GRANDSON ||
                    p->rel == R_GRANDDAUGHTER || p->rel == R_DAUGHTER_GRANDCHILD;
    if (h->origin) {
        if (chance(r, born_here ? 0.95 : 0.8))
            return h->origin->code;
        return pick_region(r, demo_regions_heze)->code;
    }
    if (born_here && p->age < 30)
        return chance(r, 0.97) ? HERE_REGION : pick_region(r, demo_regions_heze)->code;
    double x = rng_unit(r);
    if (birth_year < 1995 && x < 0.25)
        return OLD_REGION;
    if (x < 0.92)
        return HERE_REGION;
    return pick_region(r, x < 0.98 ? demo_regions_heze : demo_regions_shandong)->code;
}

/* A draw with probability p, nudged towards the running expectation so
 * that the total lands close to the sum of the probabilities (the
 * figures of DOMAIN.md) for every seed, while who is chosen stays random. */
static int steered_chance(demo_ctx *c, double p, quota *q)
{
    double factor = 1.0 + (q->expected - (double)q->chosen) / 8.0;
    if (factor < 0.25)
        factor = 0.25;
    else if (factor > 4.0)
        factor = 4.0;
    q->expected += p;
    int hit = chance(&c->r, p * factor);
    q->chosen += hit;
    return hit;
}

/* Scaled probability of choosing a 低保 household of this size: gives
 * about 726 households with 1,293 people per 50,000 (1.78 per household)
 * once restricted to 户籍 households. */
static double dibao_probability(const family *h)
{
    static const double by_size[7] = {0, 0.0355, 0.0195, 0.0095, 0.0072, 0.0017, 0.0008};
    int disabled = 0;
    for (int i = 0; i < h->n; i++)
        if (h->p[i].dis_grade)
            disabled = 1;
    return by_size[h->n] * (disabled ? 2.6 : 0.78);
}

static void plan_groups(demo_ctx *c, family *h)
{
    rng *r = &c->r;
    const int local = strcmp(h->residence, "户籍") == 0;
    const person *head = &h->p[0];

    h->dibao = h->tekun = 0;
    if (local && h->n == 1) {
        /* 特困: elderly alone without support, or a disabled person alone. */
        if (head->age >= 60)
            h->tekun = steered_chance(c, 0.0145, &c->tekun);
        else if (head->dis_grade && head->dis_grade <= 3)
            h->tekun = steered_chance(c, 0.04, &c->tekun);
    }
    if (local && !h->tekun)
        h->dibao = steered_chance(c, dibao_probability(h), &c->dibao);
    /* Left behind: old people whose children work elsewhere; children
     * living with grandparents while both parents work away. */
    const int rural = strcmp(h->hukou, "农村") == 0;
    const int left_behind_elders = (h->kind == K_OLD_SINGLE || h->kind == K_OLD_COUPLE) &&
                                   chance(r, rural ? 0.06 : 0.015);
    const int left_behind_children = h->kind == K_SKIP && chance(r, 0.35);

    for (int i = 0; i < h->n; i++) {
        person *p = &h->p[i];
        int adult = p->age >= 18;
        if (h->dibao)
            p->tags |= 1u << T_DIBAO;
        if (h->tekun) {
            p->tags |= 1u << T_TEKUN;
            p->notes = chance(r, 0.85) ? "分散供养" : "集中供养（敬老院）";
        }
        if (p->age >= DERIVED_ELDERLY_AGE)   /* 高龄 is the birth date's (registry/derived.h) */
            p->tags |= 1u << T_ELDERLY;
        if (h->n == 1 && p->age >= 60)
            p->tags |= 1u << T_ALONE;
        if (left_behind_elders && p->age >= 60)
            p->tags |= 1u << T_LB_ELDER;
        if (left_behind_children && p->age < 16)
            p->tags |= 1u << T_LB_CHILD;
        if (p->age >= 60 && (h->dibao || h->tekun) && chance(r, 0.55))
            p->tags |= 1u << T_HARDSHIP_ELDER;
        else if (p->age >= 70 && rural && chance(r, 0.035))
            p->tags |= 1u << T_HARDSHIP_ELDER;
        if (p->age < 18 && ((h->dibao && chance(r, 0.08)) || (p->dis_grade && chance(r, 0.06)) ||
                            ((p->tags & (1u << T_LB_CHILD)) && chance(r, 0.03))))
            p->tags |= 1u << T_HARDSHIP_CHILD;
        /* 退役军人: men who served, now 22 to 90; a few women. */
        int veteran = 0;
        if (p->age >= 22 && p->age <= 90)
            veteran = chance(r, p->sex == 'M' ? 0.038 : 0.0015);
        if (veteran)
            p->tags |= 1u << T_VETERAN;
        if (p->age >= 25 && p->age <= 62 && !veteran && chance(r, p->sex == 'M' ? 0.0010 : 0.0001))
            p->tags |= 1u << T_PRISONER;
        if (adult) {
            double pp = p->sex == 'M' ? 0.085 : 0.05;
            if (p->age < 26)
                pp *= 0.5;
            else if (p->age >= 60)
                pp *= 1.3;
            if (veteran)
                pp = 0.45;
            if (p->tags & (1u << T_PRISONER))
                pp = 0;
            p->party = chance(r, pp);
        }
    }
}

/* ---- writing ------------------------------------------------------------ */

static int plan_history(demo_ctx *c, const family *h, int64_t hid, const int64_t *rids, const long *bdays);

static int insert_household(demo_ctx *c, const grid_info *g, int64_t building_id, long seq,
                            const char *address, family *h)
{
    rng *r = &c->r;
    char code[64], registered[256];
    ms_err fe;
    int64_t hid = 0, rid = 0, head_id = 0;

    /* ID numbers, real ages, names and phones. */
    long bdays[MAX_MEMBERS];
    int64_t rids[MAX_MEMBERS];
    for (int i = 0; i < h->n; i++) {
        person *p = &h->p[i];
        long bday = bdays[i] = birth_day_for_age(c, p->age);
        int by, bm, bd;
        civil_from_days(bday, &by, &bm, &bd);
        p->region = person_region(c, h, p, by);
        if (make_id(c, p->region, bday, p->sex, p->id) != 0)
            return -1;
        idcard_info info;
        idcard_status st = idcard_validate(p->id, c->check_ymd, &info);
        if (st != IDCARD_OK)
            return failf(c, "生成的身份证号 %s 无效：%s", p->id, idcard_status_message(st));
        p->age = idcard_age_on(&info, c->today_ymd);
        make_name(c, p->name, sizeof p->name, p->surname, p->sex, by);
        p->phone[0] = '\0';
        if (chance(r, phone_probability(p->age)) && make_phone(c, p->phone) != 0)
            return -1;
    }
    for (int i = 0; i < h->n; i++)
        plan_disability(c, &h->p[i]);
    plan_groups(c, h);
    for (int i = 0; i < h->n; i++) {
        person *p = &h->p[i];
        p->employment = plan_employment(c, h, p);
        if (p->tags & (1u << T_TEKUN))
            p->employment = p->age >= 60 ? (strcmp(h->hukou, "城镇") == 0 ? "无业" : "其他") : "无业";
    }

    const char *hphone = NULL;
    char landline[16];
    for (int i = 0; i < h->n && !hphone; i++)
        if (h->p[i].phone[0])
            hphone = h->p[i].phone;
    if (!hphone && chance(r, 0.6)) {
        /* No mobile in the household: many old flats keep a landline. */
        if (make_landline(c, landline) != 0)
            return -1;
        hphone = landline;
    }
    if (h->origin) {
        if (strcmp(h->hukou, "农村") == 0)
            snprintf(registered, sizeof registered, "%s%s%s村", h->origin->name, h->p[0].surname,
                     pick_str(r, (const char *const[]){"庄", "楼", "集", "寨", "屯", "营", "庙", "店", "口", NULL}));
        else
            snprintf(registered, sizeof registered, "%s%s%d号", h->origin->name,
                     pick_str(r, (const char *const[]){"人民路", "建设路", "解放路", "和平路", "中心街", "胜利路", NULL}),
                     rng_range(r, 1, 399));
    } else {
        snprintf(registered, sizeof registered, "%s", address);
    }
    snprintf(code, sizeof code, "%s-%04d", g->code, (int)seq);
    household_input hi = {
        .code = code, .grid_id = g->id, .building_id = building_id, .address = address,
        .registered_address = registered, .actual_address = address, .phone = hphone, .notes = NULL,
    };
    if (household_input_check(&hi, &fe) != 0)
        return failf(c, "生成的户 %s 不合规：%s %s", code, fe.field, fe.message);
    int rc = registry_insert_household(c->w, &hi, &hid);
    if (rc != DB_DONE)
        return failf(c, "写入户 %s 失败: %s", code, db_errmsg(c->db));

    for (int i = 0; i < h->n; i++) {
        person *p = &h->p[i];
        resident_input ri = {
            .id_number = p->id, .name = p->name, .relation = REL_TEXT[p->rel],
            .phone = p->phone[0] ? p->phone : NULL, .hukou_type = h->hukou,
            .residence_status = h->residence, .employment = p->employment,
            .disability_type = p->dis_type, .disability_grade = p->dis_grade,
            .party_member = p->party, .notes = p->notes,
        };
        for (int t = 0; t < N_TAGS; t++)
            if (p->tags & (1u << t))
                ri.tags[ri.ntags++] = TAG_CODES[t];
        if (resident_input_check(&ri, c->check_ymd, &fe) != 0)
            return failf(c, "生成的居民 %s（%s）不合规：%s %s", p->name, p->id, fe.field, fe.message);
        rc = registry_insert_resident(c->w, hid, g->id, &ri, &rid);
        if (rc != DB_DONE)
            return failf(c, "写入居民 %s（%s）失败: %s", p->name, p->id, db_errmsg(c->db));
        if (i == 0)
            head_id = rid;
        rids[i] = rid;
        c->sum->residents++;
        for (int t = 0; t < N_TAGS; t++)
            if ((p->tags & (1u << t)) && c->tag_index[t] >= 0)
                c->sum->tag_counts[c->tag_index[t]]++;
    }
    if (registry_set_household_head(c->w, hid, head_id) != DB_DONE)
        return failf(c, "设置户 %s 的户主失败: %s", code, db_errmsg(c->db));
    c->sum->households++;
    if (seq == 1 && c->ngrids < c->capgrids)   /* the grid's slot is made by build_grid */
        c->grids[c->ngrids].household_id = hid;
    return plan_history(c, h, hid, rids, bdays);
}

/* ---- history --------------------------------------------------------------- */

/* Appends an event (NULL when out of memory). */
static hist_event *add_event(demo_ctx *c, char kind, int64_t id)
{
    if (c->nevents == c->capevents) {
        size_t cap = c->capevents ? c->capevents * 2 : 64;
        hist_event *bigger = realloc(c->events, cap * sizeof *bigger);
        if (!bigger)
            return NULL;
        c->events = bigger;
        c->capevents = cap;
    }
    hist_event *e = &c->events[c->nevents++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->id = id;
    return e;
}

/* A day within the last three years before the check date, after born. */
static long history_day(demo_ctx *c, long born)
{
    long hi = c->limit_day - 1, lo = c->limit_day - 3 * 365;
    if (lo <= born)
        lo = born + 1;
    return lo >= hi ? hi : lo + (long)rng_below(&c->hist, (uint32_t)(hi - lo + 1));
}

/* Chance that a member of this age has died within the three years. */
static double death_probability(int age)
{
    return age >= 90 ? 0.2 : age >= 80 ? 0.1 : age >= 70 ? 0.03 : age >= 60 ? 0.006 : 0.0003;
}

/* Decides what happens to a household just written (hid, its members'
 * ids and birth days): rates per 50,000 households of about 120 closed,
 * 100 moved to another grid, and per person 200–300 deaths, 150
 * departures and 100 moves. Only non-head members die, leave or move
 * alone, so that every household keeps its 户主. */
static int plan_history(demo_ctx *c, const family *h, int64_t hid, const int64_t *rids, const long *bdays)
{
    hist_event *e;
    if (rng_unit(&c->hist) < 0.0024) {
        if (!(e = add_event(c, 'C', hid)))
            return failf(c, "内存不足");
        long born = 0;
        for (int i = 0; i < h->n; i++) {
            e->tags[e->n++] = h->p[i].tags;
            born = bdays[i] > born ? bdays[i] : born;
        }
        e->day = history_day(c, born);
        return 0;
    }
    for (int i = 1; i < h->n; i++) {
        const person *p = &h->p[i];
        double x = rng_unit(&c->hist);
        double die = death_probability(p->age), leave = p->age >= 18 && p->age <= 40 ? 0.006 : 0.0005;
        double move = p->age >= 18 && p->age <= 45 ? 0.004 : 0;
        char kind = x < die ? 'D' : x < die + leave ? 'O' : x < die + leave + move ? 'R' : 0;
        if (!kind)
            continue;
        if (!(e = add_event(c, kind, rids[i])))
            return failf(c, "内存不足");
        if (kind != 'R') {
            e->tags[e->n++] = p->tags;
            e->day = history_day(c, bdays[i]);
        }
    }
    if (rng_unit(&c->hist) < 0.002 && !(e = add_event(c, 'H', hid)))
        return failf(c, "内存不足");
    return 0;
}

/* Takes the people of e out of the summary's active counts. */
static void uncount(demo_ctx *c, const hist_event *e)
{
    for (int i = 0; i < e->n; i++) {
        c->sum->residents--;
        for (int t = 0; t < N_TAGS; t++)
            if ((e->tags[i] & (1u << t)) && c->tag_index[t] >= 0)
                c->sum->tag_counts[c->tag_index[t]]--;
    }
}

/* Applies the grid's events through the registry's operations (history
 * rows, counts), as the command line would (no user). A move whose
 * destination refuses it (a household closed in the meantime …) is
 * left out; any other failure fails the demo. */
static int apply_history(demo_ctx *c)
{
    static const actor SYSTEM;
    char date[16];
    ms_err err;
    for (size_t k = 0; k < c->nevents; k++) {
        const hist_event *e = &c->events[k];
        int y, m, d, rc = 0;
        civil_from_days(e->day, &y, &m, &d);
        snprintf(date, sizeof date, "%04d-%02d-%02d", y, m, d);
        memset(&err, 0, sizeof err);
        /* moves go to one of the street's earlier grids (none for its first) */
        size_t earlier = c->ngrids ? c->ngrids - 1 : 0;
        const hist_grid *to = earlier ? &c->grids[rng_below(&c->hist, (uint32_t)earlier)] : NULL;
        switch (e->kind) {
        case 'D':
        case 'O':
            rc = resident_set_status(c->db, &SYSTEM, e->id, 0, e->kind == 'D' ? "deceased" : "moved_out", date,
                                     e->kind == 'D' ? "病故" : "外出务工，户籍迁出", NULL, &err);
            if (rc == 0) {
                uncount(c, e);
                *(e->kind == 'D' ? &c->sum->deceased : &c->sum->moved_out) += 1;
            }
            break;
        case 'C':
            rc = household_close(c->db, &SYSTEM, e->id, 0, date, "全户迁往外地", NULL, &err);
            if (rc == 0) {
                uncount(c, e);
                c->sum->households--;
                c->sum->closed_households++;
                c->sum->moved_out += e->n;
            }
            break;
        case 'H': {
            if (!to || !to->building_id)
                break;
            char address[256];
            snprintf(address, sizeof address, "%s9单元%ld室", to->address, 101 + c->moved_in++);
            rc = household_move(c->db, &SYSTEM, e->id, 0, to->id, to->building_id, address, NULL, &err);
            c->sum->household_moves += rc == 0;
            break;
        }
        case 'R':
            if (!to || !to->household_id)
                break;
            rc = resident_move(c->db, &SYSTEM, e->id, 0, to->household_id, "其他", NULL, &err);
            c->sum->resident_moves += rc == 0;
            break;
        }
        if (rc != 0 && err.kind == ERR_DB)
            return failf(c, "演示历史（%c %lld）写入失败：%s", e->kind, (long long)e->id, err.message);
    }
    c->nevents = 0;
    return 0;
}

static int generate_household(demo_ctx *c, family *h)
{
    for (int tries = 0; tries < 100; tries++) {
        int size = 1 + pick_weighted(&c->r, SIZE_WEIGHTS, 6);
        int w[8];
        for (int i = 0; i < PATTERNS[size].n; i++)
            w[i] = PATTERNS[size].p[i].weight;
        const pattern *pt = &PATTERNS[size].p[pick_weighted(&c->r, w, PATTERNS[size].n)];
        if (plan_members(c, h, size, pt) == 0) {
            plan_residence(c, h);
            return 0;
        }
    }
    return failf(c, "无法生成户成员（内部错误）");
}

/* ---- the org tree ---------------------------------------------------------- */

static const char *const CN_NUM[] = {"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"};

typedef struct building_plan {
    int64_t id;
    char name[96];       /* 幸福小区5号楼 */
    char address[160];   /* 菏泽市牡丹区中山路123号幸福小区5号楼 */
    int units, floors, rooms;
    long households;
} building_plan;

/* Spreads total over n parts with random weights in [0.6, 1.4]. */
static void spread(demo_ctx *c, long total, long *out, int n)
{
    double w[256], sum = 0;
    for (int i = 0; i < n; i++)
        sum += (w[i] = 0.6 + 0.8 * rng_unit(&c->r));
    long given = 0;
    for (int i = 0; i < n; i++)
        given += (out[i] = (long)((double)total * w[i] / sum));
    for (int i = 0; given < total; i = (i + 1) % n, given++)
        out[i]++;
}

/* The org tree (units, names, leaders, buildings) draws from its own
 * stream, so the tree is the same whatever number of households is
 * asked for: a tree-only demo (households 0) accepts the CSV export of a
 * populated one. Each call switches between the two streams. */
static void swap_streams(demo_ctx *c)
{
    rng t = c->r;
    c->r = c->other;
    c->other = t;
    c->in_tree = !c->in_tree;
}

static int build_grid(demo_ctx *c, const grid_info *g, long nhouseholds)
{
    rng *r = &c->r;
    char name[64], phone[12], code[64];
    ms_err oerr;
    building_plan b[20];
    long per_building[20];
    swap_streams(c);   /* the grid's buildings come from the tree stream */
    int nb = rng_range(r, 12, 20);

    /* Compounds: 1–3 per grid; a street-facing row of numbered blocks,
     * a work unit's 家属院 or a named residential compound. */
    int ncomp = rng_range(r, 1, 3);
    char comp_name[3][64];
    int comp_no[3];
    for (int k = 0; k < ncomp; k++) {
        double x = rng_unit(r);
        if (k == 0 && x < 0.15)
            comp_name[k][0] = '\0';
        else if (x < 0.35)
            snprintf(comp_name[k], sizeof comp_name[k], "%s家属院", pick_str(r, demo_work_units));
        else
            snprintf(comp_name[k], sizeof comp_name[k], "%s%s", pick_str(r, demo_compound_words),
                     pick_str(r, demo_compound_suffixes));
        comp_no[k] = 8 + (g->index / 2) * 60 + k * 18 + 2 * rng_range(r, 0, 7) + (g->index % 2 ? 0 : 1);
    }
    static const int UNIT_W[4] = {10, 40, 35, 15};
    for (int i = 0; i < nb; i++) {
        int k = i * ncomp / nb;
        int first = i;
        while (first > 0 && (first - 1) * ncomp / nb == k)
            first--;
        int number = i - first + 1;
        snprintf(b[i].name, sizeof b[i].name, "%s%d号楼", comp_name[k], number);
        snprintf(b[i].address, sizeof b[i].address, "%s%s%d号%s%d号楼", CITY_PREFIX, g->road, comp_no[k],
                 comp_name[k], number);
        snprintf(code, sizeof code, "%s-B%02d", g->code, i + 1);
        adult_name(c, name, sizeof name, 40, 72);
        if (make_phone(c, phone) != 0)
            return -1;
        b[i].id = org_create(c->db, g->id, "building", code, b[i].name, name, phone, &oerr);
        if (b[i].id < 0)
            return failf(c, "创建楼栋 %s 失败：%s", code, oerr.message);
        c->sum->buildings++;
        b[i].units = 1 + pick_weighted(r, UNIT_W, 4);
    }
    swap_streams(c);   /* back to the household stream */
    spread(c, nhouseholds, per_building, nb);
    for (int i = 0; i < nb; i++) {
        b[i].households = per_building[i];
        b[i].rooms = 2;
        long need = (long)((double)per_building[i] * 1.12) + 1;
        b[i].floors = (int)((need + b[i].units * 2 - 1) / (b[i].units * 2));
        if (b[i].floors < 5)
            b[i].floors = rng_range(r, 5, 6);
        if (b[i].floors > 33) {
            b[i].floors = 33;
            b[i].rooms = (int)((need + b[i].units * 33 - 1) / (b[i].units * 33));
        }
    }

    /* The grid as a later grid's destination of moves. */
    if (c->ngrids == c->capgrids) {
        size_t cap = c->capgrids ? c->capgrids * 2 : 160;
        hist_grid *bigger = realloc(c->grids, cap * sizeof *bigger);
        if (!bigger)
            return failf(c, "内存不足");
        c->grids = bigger;
        c->capgrids = cap;
    }
    hist_grid *hg = &c->grids[c->ngrids];
    memset(hg, 0, sizeof *hg);
    hg->id = g->id;
    hg->building_id = nb ? b[0].id : 0;
    snprintf(hg->address, sizeof hg->address, "%s", nb ? b[0].address : "");

    /* Households, building by building: rooms chosen in order among all
     * rooms (selection sampling) so that some flats stay empty. */
    long seq = 0;
    char address[256];
    family h;
    for (int i = 0; i < nb; i++) {
        long rooms_total = (long)b[i].units * b[i].floors * b[i].rooms;
        long left = b[i].households, slot = 0;
        for (int u = 1; u <= b[i].units && left > 0; u++)
            for (int f = 1; f <= b[i].floors && left > 0; f++)
                for (int k = 1; k <= b[i].rooms && left > 0; k++, slot++) {
                    if (rng_unit(r) * (double)(rooms_total - slot) >= (double)left)
                        continue;
                    left--;
                    if (generate_household(c, &h) != 0)
                        return -1;
                    snprintf(address, sizeof address, "%s%d单元%d室", b[i].address, u, f * 100 + k);
                    if (insert_household(c, g, b[i].id, ++seq, address, &h) != 0)
                        return -1;
                }
    }
    c->ngrids++;
    return apply_history(c);
}

/* The code and name of demo street k (1-based). */
static void street_code_name(int k, char code[16], char name[32])
{
    snprintf(code, 16, "%s%03d", DEMO_DISTRICT_CODE, k % 1000);   /* k <= DEMO_MAX_STREETS */
    if ((size_t)k <= list_len(STREET_NAMES))
        snprintf(name, 32, "%s", STREET_NAMES[k - 1]);
    else
        snprintf(name, 32, "第%d街道", k);
}

/* Sets unit id's boundary to the GeoJSON text json (NULL: out of memory),
 * which it frees; what names the unit in the message. */
static int set_boundary(demo_ctx *c, int64_t id, char *json, const char *what)
{
    ms_err oerr;
    int rc = 0;
    if (!json || org_set_geometry(c->db, id, json, &oerr) != 0)
        rc = failf(c, "设置%s的边界失败", what);
    free(json);
    return rc;
}

/* Street k (1-based) under parent_id (0: the root street) with its
 * communities, grids, buildings and households; each street, community
 * and grid with its boundary (demo/geo.h). */
static int build_street(demo_ctx *c, long households, int64_t parent_id, int k)
{
    rng *r = &c->r;
    char name[64], phone[12], code[32], gname[32], street_code[16], street_name[32];
    ms_err oerr;
    int64_t street, community;
    grid_info g;
    double weights[131], wsum = 0;
    long per_grid[131];

    c->ngrids = 0;     /* moves stay within the street */
    swap_streams(c);   /* tree stream until the end (build_grid swaps back for households) */
    adult_name(c, name, sizeof name, 40, 55);
    if (make_phone(c, phone) != 0)
        return -1;
    street_code_name(k, street_code, street_name);
    street = org_create(c->db, parent_id, "street", street_code, street_name, name, phone, &oerr);
    if (street < 0)
        return failf(c, "创建街道 %s 失败：%s", street_name, oerr.message);
    c->sum->streets++;
    int ngrids_of[N_COMMUNITIES];
    for (int ci = 0; ci < N_COMMUNITIES; ci++)
        ngrids_of[ci] = ci == N_COMMUNITIES - 1 ? 3 : 4;   /* 32 × 4 + 3 = 131 */
    demo_geo_street(c->seed, k, c->streets, ngrids_of, c->geo);
    if (set_boundary(c, street, demo_geo_polygon_json(&c->geo->outline), street_name) != 0)
        return -1;

    /* Households per grid: about equal, within ±15%. */
    for (int i = 0; i < 131; i++)
        wsum += (weights[i] = 0.85 + 0.3 * rng_unit(r));
    long given = 0;
    for (int i = 0; i < 131; i++)
        given += (per_grid[i] = (long)((double)households * weights[i] / wsum));
    for (int i = 0; given < households; i = (i + 1) % 131, given++)
        per_grid[i]++;

    int gi = 0;
    for (int ci = 0; ci < N_COMMUNITIES; ci++) {
        const demo_community *dc = &demo_communities[ci];
        snprintf(code, sizeof code, "%s%03d", street_code, ci + 1);
        adult_name(c, name, sizeof name, 35, 55);
        if (make_phone(c, phone) != 0)
            return -1;
        community = org_create(c->db, street, "community", code, dc->name, name, phone, &oerr);
        if (community < 0)
            return failf(c, "创建社区 %s 失败：%s", dc->name, oerr.message);
        c->sum->communities++;
        if (set_boundary(c, community, demo_geo_polygon_json(&c->geo->community[ci]), dc->name) != 0)
            return -1;
        for (int j = 0; j < ngrids_of[ci]; j++, gi++) {
            memset(&g, 0, sizeof g);
            snprintf(g.code, sizeof g.code, "%s-%02d", code, j + 1);
            snprintf(gname, sizeof gname, "第%s网格", CN_NUM[j]);
            g.road = dc->roads[j % 2];
            g.community = ci;
            g.index = j;
            adult_name(c, name, sizeof name, 25, 50);
            if (make_phone(c, phone) != 0)
                return -1;
            g.id = org_create(c->db, community, "grid", g.code, gname, name, phone, &oerr);
            if (g.id < 0)
                return failf(c, "创建网格 %s 失败：%s", g.code, oerr.message);
            c->sum->grids++;
            if (set_boundary(c, g.id, demo_geo_polygon_json(&c->geo->grid[ci][j]), g.code) != 0)
                return -1;
            swap_streams(c);
            if (build_grid(c, &g, per_grid[gi]) != 0)
                return -1;
            swap_streams(c);
        }
    }
    swap_streams(c);
    return 0;
}

/* The street, or the district and its streets. Street 1 draws from the
 * seed's streams as the one-street demo does (the same 丹阳街道); street k
 * from streams seeded with seed and k. */
static int build_tree(demo_ctx *c, uint64_t seed, long households, int streets)
{
    if (streets <= 1)
        return build_street(c, households, 0, 1);
    ms_err oerr;
    int64_t district = org_create(c->db, 0, "district", DEMO_DISTRICT_CODE, DISTRICT_NAME, NULL, NULL, &oerr);
    if (district < 0)
        return failf(c, "创建区失败：%s", oerr.message);
    for (int k = 1; k <= streets; k++) {
        if (k > 1) {
            uint64_t street_seed = seed ^ ((uint64_t)k * 0xD1B54A32D192ED03ULL);
            rng_seed(&c->r, street_seed);
            rng_seed(&c->other, street_seed ^ 0x9E3779B97F4A7C15ULL);
            rng_seed(&c->hist, street_seed ^ HIST_STREAM);
        }
        if (build_street(c, households, district, k) != 0)
            return -1;
    }
    /* the district: its streets' outlines, drawn again (they are cheap) */
    const demo_ring **outlines = malloc((size_t)streets * sizeof *outlines);
    demo_ring *rings = malloc((size_t)streets * sizeof *rings);
    int rc = outlines && rings ? 0 : failf(c, "内存不足");
    for (int k = 1; rc == 0 && k <= streets; k++) {
        static const int ONE[N_COMMUNITIES] = {1};
        demo_geo_street(c->seed, k, streets, ONE, c->geo);
        rings[k - 1] = c->geo->outline;
        outlines[k - 1] = &rings[k - 1];
    }
    if (rc == 0)
        rc = set_boundary(c, district, demo_geo_multipolygon_json(outlines, (size_t)streets), DISTRICT_NAME);
    free(outlines);
    free(rings);
    return rc;
}

static int org_units_exist(db_conn *db)
{
    return (int)db_one_int(db, -1, "SELECT COUNT(*) FROM org_unit");
}

static int ctx_init(demo_ctx *c, db_conn *db, const demo_options *o, int streets, demo_summary *sum, char *err,
                    size_t errsz)
{
    /* Relative numbers of people at each age from 60 to 105 in a Chinese
     * city today (large 1960s cohorts, then survival). */
    static const int OLD_BY_5Y[8] = {1000, 950, 760, 500, 270, 100, 30, 7};
    memset(c, 0, sizeof *c);
    c->db = db;
    c->sum = sum;
    c->err = err;
    c->errsz = errsz;
    rng_seed(&c->r, o->seed);
    rng_seed(&c->other, o->seed ^ 0x9E3779B97F4A7C15ULL);  /* the org tree's own stream */
    rng_seed(&c->hist, o->seed ^ HIST_STREAM);
    c->seed = o->seed;
    c->streets = streets;
    int real = local_today_ymd();
    c->today_ymd = o->today_ymd ? o->today_ymd : real;
    c->check_ymd = c->today_ymd < real ? c->today_ymd : real;
    c->ty = c->today_ymd / 10000;
    c->tm = c->today_ymd / 100 % 100;
    c->td = c->today_ymd % 100;
    c->limit_day = days_from_civil(c->check_ymd / 10000, c->check_ymd / 100 % 100, c->check_ymd % 100);
    for (int a = 0; a < 46; a++)
        c->old_weights[a] = a < 40 ? OLD_BY_5Y[a / 5] : 1;   /* 100 and over */
    for (size_t i = 0; demo_surnames[i].text; i++)
        c->surname_total += demo_surnames[i].weight;
    for (int t = 0; t < N_TAGS; t++) {
        c->tag_index[t] = -1;
        for (int k = 0; resident_tag_codes[k] && k < 16; k++)
            if (strcmp(resident_tag_codes[k], TAG_CODES[t]) == 0)
                c->tag_index[t] = k;
    }
    size_t people = (size_t)o->households * (size_t)streets * 5 / 2 + 4096;
    if (set_init(&c->ids, people) != 0 || set_init(&c->phones, people) != 0 ||
        set_init(&c->tree_phones, (size_t)streets * 4096) != 0)
        return failf(c, "内存不足");
    return 0;
}

int demo_build(db_conn *db, const demo_options *opt, demo_summary *sum, char *err, size_t errsz)
{
    demo_options o = opt ? *opt : (demo_options){0, DEMO_DEFAULT_HOUSEHOLDS, 0, 1};
    int streets = o.streets < 1 ? 1 : o.streets;
    demo_summary local;
    demo_ctx c;
    if (!sum)
        sum = &local;
    memset(sum, 0, sizeof *sum);
    if (o.households < 0)
        o.households = DEMO_DEFAULT_HOUSEHOLDS;
    if (o.households > DEMO_MAX_HOUSEHOLDS) {
        snprintf(err, errsz, "演示户数不能超过 %ld", DEMO_MAX_HOUSEHOLDS);
        return -1;
    }
    if (streets > DEMO_MAX_STREETS) {
        snprintf(err, errsz, "演示街道数不能超过 %d", DEMO_MAX_STREETS);
        return -1;
    }
    if (o.today_ymd != 0 && !ymd_is_valid(o.today_ymd)) {
        snprintf(err, errsz, "日期 %d 无效（应为 2000 年以后的 YYYYMMDD）", o.today_ymd);
        return -1;
    }
    if (db_begin(db) != DB_DONE) {
        snprintf(err, errsz, "无法开始事务: %s", db_errmsg(db));
        return -1;
    }
    int n = org_units_exist(db);
    if (n != 0) {
        db_rollback(db);
        snprintf(err, errsz, n < 0 ? "无法读取单位表（数据库未迁移？）"
                                   : "数据库中已有单位，演示街道只能建在空数据库中");
        return -1;
    }
    int rc = ctx_init(&c, db, &o, streets, sum, err, errsz);
    if (rc == 0 && !(c.geo = malloc(sizeof *c.geo)))
        rc = failf(&c, "内存不足");
    if (rc == 0) {
        c.w = registry_writer_open(db);
        if (!c.w)
            rc = failf(&c, "无法准备写入语句: %s", db_errmsg(db));
    }
    if (rc == 0)
        rc = build_tree(&c, o.seed, o.households, streets);
    registry_writer_close(c.w);
    free(c.events);
    free(c.grids);
    free(c.geo);
    set_free(&c.ids);
    set_free(&c.phones);
    set_free(&c.tree_phones);
    if (rc == 0 && db_commit(db) != DB_DONE)
        rc = failf(&c, "提交事务失败: %s", db_errmsg(db));
    if (rc != 0) {
        db_rollback(db);
        memset(sum, 0, sizeof *sum);
        return -1;
    }
    return 0;
}

/* ---- accounts ---------------------------------------------------------------- */

/* Writes s padded to `width` terminal columns (CJK characters take two). */
static void put_cell(FILE *out, const char *s, int width)
{
    int cols = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x80)
            cols++;
        else if (*p >= 0xE0)
            cols += 2;   /* lead byte of a 3- or 4-byte sequence: CJK and full-width punctuation */
        else if (*p >= 0xC0)
            cols++;
    }
    fputs(s, out);
    for (; cols < width; cols++)
        fputc(' ', out);
    fputc(' ', out);
}

/* One demo account: display "" takes a name from its unit. */
typedef struct demo_account {
    char username[24];
    const char *role;
    char code[32];
    const char *display;
} demo_account;

/* An account at the top unit (the street, or the district): the street
 * staff account is "qu" at the district. */
static void top_account(demo_account *a, const char *username, const char *role_s, const char *display, int district)
{
    int street_staff = strcmp(role_s, "street") == 0;
    snprintf(a->username, sizeof a->username, "%s", street_staff && district ? "qu" : username);
    a->role = role_s;
    snprintf(a->code, sizeof a->code, "%s", district ? DEMO_DISTRICT_CODE : DEMO_STREET_CODE);
    a->display = street_staff && district ? DISTRICT_NAME "民政局" : display;
}

/* The accounts of demo.h's table into a[] (room for 5 + 6 per street). */
static int plan_accounts(int streets, demo_account *a)
{
    static const struct {
        const char *username, *role, *display;
    } TOP[] = {
        {"admin", "admin", "系统管理员"}, {"anquan", "secadmin", "安全管理员"}, {"auditor", "auditor", "审计员"},
        {"jiedao", "street", "丹阳街道民政办"}, {"bumen", "viewer", "区民政局（只读）"},
    };
    /* Per street: the community and grid accounts (username prefix and
     * suffix around the street's KK, unit code after the street's, role). */
    static const struct {
        const char *prefix, *suffix, *code_suffix, *role;
    } LOCAL[] = {
        {"shequ", "01", "001", "community"}, {"shequ", "02", "002", "community"},
        {"wangge", "0101", "001-01", "grid"}, {"wangge", "0102", "001-02", "grid"}, {"wangge", "0201", "002-01", "grid"},
    };
    int n = 0, district = streets > 1;
    enum { N_TOP = sizeof TOP / sizeof TOP[0] };
    /* The street-level accounts, the department viewer last. */
    for (size_t i = 0; i < N_TOP - 1; i++, n++)
        top_account(&a[n], TOP[i].username, TOP[i].role, TOP[i].display, district);
    if (!district)   /* the second pair of eyes of a payment run (复核) */
        top_account(&a[n++], "fuhe", "street", "丹阳街道民政办（复核）", 0);
    for (int k = 1; k <= (district ? streets : 1); k++) {
        char street[16], kk[12] = "", name[32];
        street_code_name(k, street, name);
        if (district) {
            snprintf(kk, sizeof kk, "%02d", k);
            snprintf(a[n].username, sizeof a[n].username, "jiedao%s", kk);
            a[n].role = "street";
            snprintf(a[n].code, sizeof a[n].code, "%s", street);
            a[n++].display = "";
        }
        for (size_t i = 0; i < sizeof LOCAL / sizeof LOCAL[0]; i++, n++) {
            snprintf(a[n].username, sizeof a[n].username, "%s%s%s", LOCAL[i].prefix, kk, LOCAL[i].suffix);
            a[n].role = LOCAL[i].role;
            snprintf(a[n].code, sizeof a[n].code, "%s%s", street, LOCAL[i].code_suffix);
            a[n].display = "";
        }
    }
    top_account(&a[n++], TOP[N_TOP - 1].username, TOP[N_TOP - 1].role, TOP[N_TOP - 1].display, district);
    return n;
}

int demo_create_accounts(db_conn *db, int streets, FILE *out, char *err, size_t errsz)
{
    enum { MAX = 5 + 6 * DEMO_MAX_STREETS };
    if (streets > DEMO_MAX_STREETS) {
        snprintf(err, errsz, "演示街道数不能超过 %d", DEMO_MAX_STREETS);
        return -1;
    }
    demo_account *acc = calloc(MAX, sizeof *acc);
    char (*display)[512] = calloc(MAX, sizeof *display), (*scope)[320] = calloc(MAX, sizeof *scope);
    char hash[128];
    org_unit unit, parent;
    int rc = -1;

    if (!acc || !display || !scope) {
        snprintf(err, errsz, "内存不足");
        goto out;
    }
    int N = plan_accounts(streets, acc);
    /* One hash of the published password serves every account. */
    if (password_hash(DEMO_PASSWORD, hash) != 0) {
        snprintf(err, errsz, "密码加密失败（内存不足）");
        goto out;
    }
    for (int i = 0; i < N; i++) {
        if (org_get_by_code(db, acc[i].code, &unit) != 0) {
            snprintf(err, errsz, "单位 %s 不存在，请先生成演示街道", acc[i].code);
            goto out;
        }
        snprintf(scope[i], sizeof scope[i], "%s", unit.name);
        if (strcmp(unit.kind, "grid") == 0 && org_get(db, unit.parent_id, &parent) == 0)
            snprintf(scope[i], sizeof scope[i], "%s%s", parent.name, unit.name);
        if (acc[i].display[0])
            snprintf(display[i], sizeof display[i], "%s", acc[i].display);
        else if (strcmp(unit.kind, "grid") == 0 && unit.leader_name[0])
            snprintf(display[i], sizeof display[i], "%s（网格员）", unit.leader_name);
        else
            snprintf(display[i], sizeof display[i], "%s工作人员", unit.name);
    }
    if (db_begin(db) != DB_DONE) {
        snprintf(err, errsz, "无法开始事务: %s", db_errmsg(db));
        goto out;
    }
    for (int i = 0; i < N; i++) {
        ms_err e;
        /* The demo password is published and kept: no forced change. */
        if (user_create_hashed(db, acc[i].username, display[i], acc[i].role, acc[i].code, hash,
                               &e) < 0 || user_keep_password(db, acc[i].username) != 0) {
            db_rollback(db);
            snprintf(err, errsz, "创建账号 %s 失败：%s", acc[i].username, e.message);
            goto out;
        }
    }
    if (db_commit(db) != DB_DONE) {
        db_rollback(db);
        snprintf(err, errsz, "提交事务失败: %s", db_errmsg(db));
        goto out;
    }
    if (out) {
        put_cell(out, "用户名", 12);
        put_cell(out, "密码", 15);
        put_cell(out, "角色", 24);
        put_cell(out, "管辖范围", 20);
        fputs("显示名\n", out);
        for (int i = 0; i < N; i++) {
            char role_text[64];
            snprintf(role_text, sizeof role_text, "%s %s", acc[i].role,
                     role_label(role_from_name(acc[i].role)));
            put_cell(out, acc[i].username, 12);
            put_cell(out, DEMO_PASSWORD, 15);
            put_cell(out, role_text, 24);
            put_cell(out, scope[i], 20);
            fprintf(out, "%s\n", display[i]);
        }
        fprintf(out, "以上演示账号的密码都是 %s，请登录后立即修改。\n", DEMO_PASSWORD);
    }
    rc = 0;
out:
    sodium_memzero(hash, sizeof hash);
    free(acc);
    free(display);
    free(scope);
    return rc;
}
