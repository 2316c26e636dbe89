/* policy_find.c — 政策找人 (see policy_find.h): the rule of each kind as
 * SQL over the registry and the open cases. Walks the indexes the
 * registry has: resident_status_birth for the ages, resident_tag_by_tag
 * for the tags, assistance_case_resident / _household for the cases. */
#include "assistance/policy_find.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fieldcrypt.h"
#include "registry/derived.h"
#include "registry/org.h"
#include "registry/resident.h"
#include "storage/query.h"

/* The tagged residents, walked from the tag's index (resident_tag_by_tag):
 * CROSS JOIN keeps SQLite from starting at resident's status index (120,000
 * rows of a street for a few thousand tagged); PostgreSQL plans it as a join. */
#define TAG_FROM " FROM resident_tag t CROSS JOIN resident r JOIN org_unit g ON g.id = r.grid_id"

static const struct pf_def {
    const char *code, *label, *programme;
    const char *from;               /* FROM and the joins */
    const char *cond;               /* the kind's condition: ? = the date bound (birth_date) when dated */
    int dated;                      /* binds a birth-date bound: 1 ≤ (70 years ago), 2 > (18 years ago) */
    int grade_max;                  /* keep disability grades 1..grade_max (decrypted); 0 = no such rule */
    const char *order;
} DEFS[PF_KINDS] = {
    [PF_LONGEVITY] = {"longevity", "高龄津贴（70 周岁以上）", "elderly_longevity",
                      " FROM resident r JOIN org_unit g ON g.id = r.grid_id",
                      "r.status = 'active' AND r.birth_date <= ?", 1, 0, " ORDER BY r.birth_date, r.id"},
    [PF_CARE_SUBSIDY] = {"care_subsidy", "重度残疾人护理补贴（一、二级残疾）", "disability_care",
                         TAG_FROM,
                         "t.tag = 'disabled' AND r.id = t.resident_id AND r.status = 'active'", 0, 2, " ORDER BY r.id"},
    [PF_DIBAO_DISABLED] = {"dibao_disabled", "困难残疾人生活补贴（低保家庭残疾人）", "disability_living",
                           TAG_FROM,
                           "t.tag = 'disabled' AND r.id = t.resident_id AND r.status = 'active' AND EXISTS (SELECT 1 FROM assistance_case d"
                           " JOIN wf_case dc ON dc.id = d.id JOIN assistance_programme dp ON dp.id = d.programme_id"
                           " WHERE d.household_id = r.household_id AND dp.category = 'dibao' AND dc.state = 'active')",
                           0, 0, " ORDER BY r.id"},
    [PF_ORPHAN] = {"orphan", "三类儿童（登记为困境儿童的未成年人）", "children",
                   TAG_FROM,
                   "t.tag = 'hardship_child' AND r.id = t.resident_id AND r.status = 'active' AND r.birth_date > ?", 2, 0,
                   " ORDER BY r.birth_date, r.id"},
};

/* No open case of the kind's programme for the resident: the set of
 * those who have one is computed once (not per resident). */
#define NO_OPEN_CASE                                                                                  \
    "r.id NOT IN (SELECT a.resident_id FROM assistance_case a JOIN wf_case c ON c.id = a.id"         \
    " JOIN assistance_programme p ON p.id = a.programme_id WHERE p.code = ? AND c.closed_at IS NULL)"

int policy_find_kind(const char *code)
{
    for (int k = 0; code && k < PF_KINDS; k++)
        if (strcmp(DEFS[k].code, code) == 0)
            return k;
    return -1;
}

const char *policy_find_code(pf_kind k) { return DEFS[k].code; }
const char *policy_find_label(pf_kind k) { return DEFS[k].label; }
const char *policy_find_programme(pf_kind k) { return DEFS[k].programme; }

static int ymd(const char *date)
{
    return atoi(date) * 10000 + atoi(date + 5) * 100 + atoi(date + 8);
}

/* The disability grade a resident's encrypted field holds ("2肢体" → 2), 0 when none. */
static int grade_of(db_stmt *s, int64_t id)
{
    char dis[64];
    if (db_col_is_null(s, 6))
        return (int)db_col_int(s, 7);   /* not converted yet (before migration 0008's pass) */
    if (fc_decrypt("resident.disability", id, db_col_text(s, 6), dis, sizeof dis) != 0)
        return 0;
    int g = dis[0] >= '1' && dis[0] <= '4' ? dis[0] - '0' : 0;
    sodium_memzero(dis, sizeof dis);
    return g;
}

static void hit_fill(db_stmt *s, pf_kind k, const char *today, int grade, pf_hit *h)
{
    char birth[11];
    memset(h, 0, sizeof *h);
    h->resident_id = db_col_int(s, 0);
    h->household_id = db_col_int(s, 1);
    db_col_copy(s, 2, h->name, sizeof h->name);
    resident_id_number_masked(h->resident_id, db_col_text(s, 3), h->id_masked);
    db_col_copy(s, 4, birth, sizeof birth);
    db_col_copy(s, 5, h->grid, sizeof h->grid);
    int t = ymd(today);
    h->age = derived_age_reached(birth, NULL, t);
    switch (k) {
    case PF_LONGEVITY: {
        int age = derived_age(birth, NULL, t);
        const char *band = derived_age_band(age);
        snprintf(h->age_band, sizeof h->age_band, "%s", band ? band : "70+");
        snprintf(h->why, sizeof h->why, "年满 70 周岁（%s 档），未享受高龄津贴", h->age_band);
        break;
    }
    case PF_CARE_SUBSIDY:
        snprintf(h->band_key, sizeof h->band_key, "%d", grade);
        snprintf(h->why, sizeof h->why, "%s级残疾（重度），未享受重度残疾人护理补贴", grade == 1 ? "一" : "二");
        break;
    case PF_DIBAO_DISABLED:
        if (grade > 0)
            snprintf(h->band_key, sizeof h->band_key, "%d", grade);
        snprintf(h->why, sizeof h->why, "低保家庭中的残疾人，未享受困难残疾人生活补贴");
        break;
    default:
        snprintf(h->band_key, sizeof h->band_key, "hardship");
        snprintf(h->why, sizeof h->why, "登记为困境儿童（未满 18 周岁），未纳入三类儿童保障");
        break;
    }
}

int policy_find_page(db_conn *db, pf_kind k, const char *scope_path, const char *today, int64_t offset,
                     int64_t limit, void (*fn)(const pf_hit *h, void *ctx), void *ctx, int64_t *total)
{
    const struct pf_def *d = &DEFS[k];
    char end[256], bound[32];
    query q;
    q_init(&q, "");
    q_where(&q, d->cond);
    if (d->dated) {
        /* the birth date 70 (18) years before today: born on or before it, 70 or over */
        snprintf(bound, sizeof bound, "%04d%.6s", atoi(today) - (d->dated == 1 ? 70 : 18), today + 4);
        q_bind_text(&q, bound);
    }
    q_where(&q, "g.path >= ? AND g.path < ?");
    q_bind_text(&q, scope_path);
    q_bind_text(&q, org_path_end(scope_path, end));
    q_where(&q, NO_OPEN_CASE);
    q_bind_text(&q, d->programme);
    static const char *const COLS = "SELECT r.id, r.household_id, r.name, r.id_number_enc, r.birth_date, g.name,"
                                    " r.disability_enc, r.disability_grade";
    char prefix[512];
    int rc = DB_ERROR;
    pf_hit h;
    if (d->grade_max) {
        /* the grade is encrypted: every candidate is read, the page picked here */
        snprintf(prefix, sizeof prefix, "%s%s", COLS, d->from);
        db_stmt *s = q_prepare_with(db, prefix, &q, d->order);
        int64_t n = 0;
        while (s && (rc = db_step(s)) == DB_ROW) {
            int g = grade_of(s, db_col_int(s, 0));
            if (g < 1 || g > d->grade_max)
                continue;
            if (n >= offset && n < offset + limit) {
                hit_fill(s, k, today, g, &h);
                fn(&h, ctx);
            }
            n++;
        }
        db_finalize(s);
        *total = n;
    } else {
        snprintf(prefix, sizeof prefix, "SELECT COUNT(*)%s", d->from);
        db_stmt *s = q_prepare_with(db, prefix, &q, "");
        *total = s && db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
        db_finalize(s);
        s = NULL;
        snprintf(prefix, sizeof prefix, "%s%s", COLS, d->from);
        char suffix[128];
        snprintf(suffix, sizeof suffix, "%s LIMIT ? OFFSET ?", d->order);
        if (*total >= 0 && limit > 0 && (s = q_prepare_with(db, prefix, &q, suffix))) {
            db_bind_int(s, q.nbind + 1, limit);
            db_bind_int(s, q.nbind + 2, offset);
        }
        rc = *total >= 0 && limit <= 0 ? DB_DONE : DB_ERROR;
        while (s && (rc = db_step(s)) == DB_ROW) {
            hit_fill(s, k, today, k == PF_DIBAO_DISABLED ? grade_of(s, db_col_int(s, 0)) : 0, &h);
            fn(&h, ctx);
        }
        db_finalize(s);
    }
    q_free(&q);
    return rc == DB_DONE ? 0 : -1;
}
