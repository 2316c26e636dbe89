/* injury.c — injury records of the safe-community programme and their
 * analysis (see injury.h): the code lists, the age-band rule, the SQL of
 * safety_injury and the tallies. */
#include "safety/injury.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/org.h"
#include "util/validate.h"

/* ---- code lists ------------------------------------------------------------ */

const char *const INJURY_PLACE_TYPES[] = {"家庭", "道路", "工作场所", "学校", "公共场所", "体育运动场所", "农田", "其他", NULL};
const char *const INJURY_TYPES[] = {"跌倒", "道路交通", "烧烫伤", "锐器伤", "钝器伤", "动物咬伤", "中毒", "溺水",
                                    "窒息", "触电", "其他", NULL};
const char *const INJURY_CAUSES[] = {"地面湿滑或不平", "照明不足", "设施缺陷", "操作不当", "交通违法", "看护不当",
                                     "饮酒", "疾病", "他人故意", "其他", "不清楚", NULL};
const char *const INJURY_SEVERITIES[] = {"轻", "中", "重", "死亡", NULL};
const char *const INJURY_SEXES[] = {"男", "女", NULL};
const char *const INJURY_OCCUPATIONS[] = {"学龄前儿童", "在校学生", "农民", "工人", "商业服务人员", "专业技术人员",
                                          "机关企事业单位人员", "离退休人员", "家务", "待业", "其他", "不详", NULL};
const char *const INJURY_EDUCATIONS[] = {"学龄前", "文盲或半文盲", "小学", "初中", "高中或中专", "大专",
                                         "本科及以上", "不详", NULL};

const injury_age_band_def INJURY_AGE_BANDS[] = {
    {"0-6", "0–6岁", 0, 6},       {"7-17", "7–17岁", 7, 17},   {"18-44", "18–44岁", 18, 44},
    {"45-59", "45–59岁", 45, 59}, {"60-74", "60–74岁", 60, 74}, {"75+", "75岁及以上", 75, 120},
    {NULL, NULL, 0, 0},
};

const injury_age_band_def *injury_age_band(int age)
{
    for (const injury_age_band_def *b = INJURY_AGE_BANDS; b->key; b++)
        if (age >= b->lo && age <= b->hi)
            return b;
    return NULL;
}

const injury_age_band_def *injury_age_band_find(const char *key)
{
    for (const injury_age_band_def *b = INJURY_AGE_BANDS; key && b->key; b++)
        if (strcmp(b->key, key) == 0)
            return b;
    return NULL;
}

int injury_age_at(const char *birth, const char *on)
{
    if (!birth || !on || !date_is_valid(birth) || !date_is_valid(on) || strcmp(birth, on) > 0)
        return -1;
    int age = atoi(on) - atoi(birth);
    /* not yet reached this year's birthday: compare "MM-DD" (29 February
     * reads as after 28 February, so it is reached on 1 March) */
    if (strcmp(on + 5, birth + 5) < 0)
        age--;
    return age;
}

/* The last choice of a list: the default of an optional coded field. */
static const char *list_last(const char *const *list)
{
    size_t n = 0;
    while (list[n + 1])
        n++;
    return list[n];
}

/* "家庭、道路、…" of a list into out. */
static const char *list_text(const char *const *list, char *out, size_t outsz)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; list[i] && n < outsz; i++)
        n += (size_t)snprintf(out + n, outsz - n, "%s%s", i ? "、" : "", list[i]);
    return out;
}

/* ---- records --------------------------------------------------------------- */

void injury_from_row(db_stmt *s, injury_row *r)
{
    memset(r, 0, sizeof *r);
    r->id = db_col_int(s, 0);
    r->org_unit_id = db_col_int(s, 1);
    db_col_copy(s, 2, r->unit_name, sizeof r->unit_name);
    db_col_copy(s, 3, r->unit_path, sizeof r->unit_path);
    db_col_copy(s, 4, r->unit_kind, sizeof r->unit_kind);
    r->community_id = db_col_int(s, 5);
    db_col_copy(s, 6, r->community_name, sizeof r->community_name);
    db_col_copy(s, 7, r->injured_on, sizeof r->injured_on);
    db_col_copy(s, 8, r->place_type, sizeof r->place_type);
    r->age = (int)db_col_int(s, 9);
    db_col_copy(s, 10, r->sex, sizeof r->sex);
    db_col_copy(s, 11, r->occupation, sizeof r->occupation);
    db_col_copy(s, 12, r->education, sizeof r->education);
    db_col_copy(s, 13, r->injury_type, sizeof r->injury_type);
    db_col_copy(s, 14, r->cause, sizeof r->cause);
    db_col_copy(s, 15, r->severity, sizeof r->severity);
    r->resident_id = db_col_int(s, 16);
    db_col_copy(s, 17, r->resident_name, sizeof r->resident_name);
    db_col_copy(s, 18, r->description, sizeof r->description);
    r->version = db_col_int(s, 19);
    db_col_copy(s, 20, r->created_at, sizeof r->created_at);
    db_col_copy(s, 21, r->updated_at, sizeof r->updated_at);
}

int injury_get(db_conn *db, int64_t id, injury_row *out)
{
    db_stmt *s = db_query(db, INJURY_SELECT " WHERE r.id = ?", DB_INT(id));
    int rc = db_step(s);
    if (rc == DB_ROW)
        injury_from_row(s, out);
    db_finalize(s);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}

/* One coded field: the given value (or the stored one) into dst, which
 * must be one of `list`. */
static int check_code(const char *given, const char *field, const char *what, const char *const *list, char *dst,
                      size_t dstsz, ms_err *err)
{
    char choices[400];
    if (given)
        snprintf(dst, dstsz, "%s", given);
    if (!dst[0])
        return err_set(err, ERR_INVALID, field, "缺少%s（%s）", what, list_text(list, choices, sizeof choices));
    if (!str_in_set(dst, list))
        return err_set(err, ERR_INVALID, field, "%s只能是 %s", what, list_text(list, choices, sizeof choices));
    return 0;
}

/* Lays the given fields of *in over *r (empty for a create) and checks the result. */
static int merge_checked(db_conn *db, injury_row *r, const injury_input *in, ms_err *err)
{
    char today[11];
    if (in->org_unit_id > 0)
        r->org_unit_id = in->org_unit_id;
    if (r->org_unit_id <= 0)
        return err_set(err, ERR_INVALID, "org_unit_id", "缺少必填字段 org_unit_id（所属社区或网格）");
    if (!db_exists(db, "SELECT 1 FROM org_unit WHERE id = ? AND kind IN ('community', 'grid')", DB_INT(r->org_unit_id)))
        return err_set(err, ERR_INVALID, "org_unit_id", "伤害记录只能属于社区或网格");
    if (in->injured_on && !date_is_valid(in->injured_on))
        return err_set(err, ERR_INVALID, "injured_on", "伤害发生日期格式应为 YYYY-MM-DD");
    if (in->injured_on)
        snprintf(r->injured_on, sizeof r->injured_on, "%s", in->injured_on);
    if (!r->injured_on[0])
        return err_set(err, ERR_INVALID, "injured_on", "缺少伤害发生日期 injured_on（YYYY-MM-DD）");
    if (strcmp(r->injured_on, date_today_text(today)) > 0)
        return err_set(err, ERR_INVALID, "injured_on", "伤害发生日期 %s 晚于今天（%s）", r->injured_on, today);
    if (in->resident_id >= 0)
        r->resident_id = in->resident_id;
    /* age: given, or from a birth date, or (a new link without either) from the resident's */
    int from_birth = -1;
    if (in->birth_date) {
        if (!date_is_valid(in->birth_date))
            return err_set(err, ERR_INVALID, "birth_date", "出生日期格式应为 YYYY-MM-DD");
        from_birth = injury_age_at(in->birth_date, r->injured_on);
        if (from_birth < 0)
            return err_set(err, ERR_INVALID, "birth_date", "出生日期晚于伤害发生日期");
    }
    if (in->age >= 0 && from_birth >= 0 && in->age != from_birth)
        return err_set(err, ERR_INVALID, "age", "年龄 %d 与出生日期不符（伤害发生时 %d 岁）", in->age, from_birth);
    if (in->age >= 0)
        r->age = in->age;
    else if (from_birth >= 0)
        r->age = from_birth;
    else if (!r->id) {
        r->age = in->resident_birth ? injury_age_at(in->resident_birth, r->injured_on) : -1;
        if (r->age < 0)
            return err_set(err, ERR_INVALID, "age", "缺少伤者年龄（age，或 birth_date，或关联居民 resident_id）");
    }
    if (r->age < 0 || r->age > 120)
        return err_set(err, ERR_INVALID, in->age >= 0 ? "age" : "birth_date", "年龄应在 0 到 120 岁之间");
    const char *sex = in->sex;
    if (!sex && !r->sex[0] && in->resident_sex)
        sex = strcmp(in->resident_sex, "F") == 0 ? "女" : "男";
    if (check_code(sex, "sex", "性别", INJURY_SEXES, r->sex, sizeof r->sex, err) != 0 ||
        check_code(in->place_type, "place_type", "发生地点", INJURY_PLACE_TYPES, r->place_type, sizeof r->place_type,
                   err) != 0 ||
        check_code(in->injury_type, "injury_type", "伤害类型", INJURY_TYPES, r->injury_type, sizeof r->injury_type,
                   err) != 0 ||
        check_code(in->severity, "severity", "严重程度", INJURY_SEVERITIES, r->severity, sizeof r->severity, err) != 0)
        return -1;
    /* optional coded fields: their default when never given */
    if (!r->id) {
        snprintf(r->occupation, sizeof r->occupation, "%s", list_last(INJURY_OCCUPATIONS));
        snprintf(r->education, sizeof r->education, "%s", list_last(INJURY_EDUCATIONS));
        snprintf(r->cause, sizeof r->cause, "%s", list_last(INJURY_CAUSES));
    }
    if (check_code(in->occupation, "occupation", "职业", INJURY_OCCUPATIONS, r->occupation, sizeof r->occupation,
                   err) != 0 ||
        check_code(in->education, "education", "文化程度", INJURY_EDUCATIONS, r->education, sizeof r->education,
                   err) != 0 ||
        check_code(in->cause, "cause", "伤害原因", INJURY_CAUSES, r->cause, sizeof r->cause, err) != 0)
        return -1;
    if (in->description) {
        if (!text_is_clean(in->description, 1) || utf8_length(in->description) > 500)
            return err_set(err, ERR_INVALID, "description", "经过说明最多 500 字，且不能含控制字符");
        snprintf(r->description, sizeof r->description, "%s", in->description);
    }
    return 0;
}

/* The columns a write stores from a checked row, and their values in that order. */
#define STORED_COLS                                                                                   \
    "org_unit_id, injured_on, place_type, age, sex, occupation, education, injury_type, cause, severity," \
    " resident_id, description"
#define STORED_ARGS(r)                                                                                \
    DB_INT((r).org_unit_id), DB_TEXT((r).injured_on), DB_TEXT((r).place_type), DB_INT((r).age),       \
        DB_TEXT((r).sex), DB_TEXT((r).occupation), DB_TEXT((r).education), DB_TEXT((r).injury_type),  \
        DB_TEXT((r).cause), DB_TEXT((r).severity), DB_ID((r).resident_id), DB_TEXT((r).description)

int64_t injury_create(db_conn *db, int64_t user_id, const injury_input *in, ms_err *err)
{
    injury_row r;
    char now[20];
    memset(&r, 0, sizeof r);
    if (merge_checked(db, &r, in, err) != 0)
        return -1;
    db_now(now);
    if (db_exec_args(db,
                     "INSERT INTO safety_injury (" STORED_COLS ", created_by, created_at, updated_at)"
                     " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                     STORED_ARGS(r), DB_ID(user_id), DB_TEXT(now), DB_TEXT(now)) != DB_DONE)
        return err_db(err);
    return db_last_insert_id(db);
}

/* Reads record id for a write: 0, or -1 with *err (404, 412). */
static int load_for_write(db_conn *db, int64_t id, int64_t if_version, injury_row *out, ms_err *err)
{
    int rc = injury_get(db, id, out);
    if (rc != 0)
        return rc > 0 ? err_set(err, ERR_NOT_FOUND, NULL, "伤害记录不存在") : err_db(err);
    return err_check_version(err, "伤害记录", out->version, if_version);
}

int injury_update(db_conn *db, int64_t id, const injury_input *in, int64_t if_version, injury_row *before,
                  ms_err *err)
{
    injury_row r;
    char now[20];
    if (load_for_write(db, id, if_version, before, err) != 0)
        return -1;
    r = *before;
    if (merge_checked(db, &r, in, err) != 0)
        return -1;
    if (db_exec_args(db,
                     "UPDATE safety_injury SET (" STORED_COLS ") = (?,?,?,?,?,?,?,?,?,?,?,?),"
                     " version = version + 1, updated_at = ? WHERE id = ?",
                     STORED_ARGS(r), DB_TEXT(db_now(now)), DB_INT(id)) != DB_DONE)
        return err_db(err);
    return 0;
}

int injury_delete(db_conn *db, int64_t id, int64_t if_version, injury_row *before, ms_err *err)
{
    if (load_for_write(db, id, if_version, before, err) != 0)
        return -1;
    if (db_exec_args(db, "DELETE FROM safety_injury WHERE id = ?", DB_INT(id)) != DB_DONE)
        return err_db(err);
    return 0;
}

/* ---- analysis -------------------------------------------------------------- */

static const struct {
    const char *name, *label;
    const char *const *values;      /* NULL: age bands, months, communities */
} DIMS[INJ_DIMS] = {
    [INJ_AGE_BAND] = {"age_band", "年龄段", NULL},
    [INJ_SEX] = {"sex", "性别", INJURY_SEXES},
    [INJ_OCCUPATION] = {"occupation", "职业", INJURY_OCCUPATIONS},
    [INJ_EDUCATION] = {"education", "文化程度", INJURY_EDUCATIONS},
    [INJ_PLACE_TYPE] = {"place_type", "发生地点", INJURY_PLACE_TYPES},
    [INJ_INJURY_TYPE] = {"injury_type", "伤害类型", INJURY_TYPES},
    [INJ_CAUSE] = {"cause", "伤害原因", INJURY_CAUSES},
    [INJ_SEVERITY] = {"severity", "严重程度", INJURY_SEVERITIES},
    [INJ_MONTH] = {"month", "月份", NULL},
    [INJ_COMMUNITY] = {"community", "社区", NULL},
};

const char *injury_dim_name(injury_dim d) { return d < INJ_DIMS ? DIMS[d].name : ""; }
const char *injury_dim_label(injury_dim d) { return d < INJ_DIMS ? DIMS[d].label : ""; }

injury_dim injury_dim_find(const char *name)
{
    for (int d = 0; name && d < INJ_DIMS; d++)
        if (strcmp(DIMS[d].name, name) == 0)
            return (injury_dim)d;
    return INJ_DIMS;
}

const char *injury_dim_names_text(void)
{
    static char text[256];
    if (!text[0]) {
        size_t n = 0;
        for (int d = 0; d < INJ_DIMS; d++)
            n += (size_t)snprintf(text + n, sizeof text - n, "%s%s", d ? "、" : "", DIMS[d].name);
    }
    return text;
}

/* Makes room for one more key on axis: 0, or -1 when out of memory. */
static int tally_grow(injury_tally *t, int axis)
{
    size_t cr = t->cap_rows, cc = t->cap_cols;
    if (axis == 0 ? t->nrows < cr : t->ncols < cc)
        return 0;
    if (axis == 0)
        cr = cr ? cr * 2 : 16;
    else
        cc = cc ? cc * 2 : 16;
    injury_key *keys = realloc(axis == 0 ? t->rows : t->cols, (axis == 0 ? cr : cc) * sizeof *keys);
    if (!keys)
        return -1;
    if (axis == 0)
        t->rows = keys;
    else
        t->cols = keys;
    int64_t *count = calloc(cr * cc, sizeof *count), *previous = calloc(cr * cc, sizeof *previous);
    if (!count || !previous) {
        free(count);
        free(previous);
        return -1;
    }
    for (size_t i = 0; i < t->nrows; i++)
        for (size_t j = 0; j < t->ncols; j++) {
            count[i * cc + j] = t->count[i * t->cap_cols + j];
            previous[i * cc + j] = t->previous[i * t->cap_cols + j];
        }
    free(t->count);
    free(t->previous);
    t->count = count;
    t->previous = previous;
    t->cap_rows = cr;
    t->cap_cols = cc;
    return 0;
}

int injury_tally_key(injury_tally *t, int axis, const char *key, const char *label)
{
    injury_key *keys = axis == 0 ? t->rows : t->cols;
    size_t n = axis == 0 ? t->nrows : t->ncols;
    for (size_t i = 0; i < n; i++)
        if (strcmp(keys[i].key, key) == 0)
            return (int)i;
    if (tally_grow(t, axis) != 0)
        return -1;
    keys = axis == 0 ? t->rows : t->cols;
    snprintf(keys[n].key, sizeof keys[n].key, "%s", key);
    snprintf(keys[n].label, sizeof keys[n].label, "%s", label);
    if (axis == 0)
        t->nrows++;
    else
        t->ncols++;
    return (int)n;
}

/* The dimension's fixed values onto axis. */
static int tally_seed(injury_tally *t, int axis, injury_dim d)
{
    char key[16], label[16];
    if (d == INJ_DIMS)
        return injury_tally_key(t, axis, "", "合计") < 0 ? -1 : 0;
    if (d == INJ_AGE_BAND)
        for (const injury_age_band_def *b = INJURY_AGE_BANDS; b->key; b++)
            if (injury_tally_key(t, axis, b->key, b->label) < 0)
                return -1;
    if (d == INJ_MONTH)
        for (int m = 1; m <= 12; m++) {
            snprintf(key, sizeof key, "%02d", m);
            snprintf(label, sizeof label, "%d月", m);
            if (injury_tally_key(t, axis, key, label) < 0)
                return -1;
        }
    for (size_t i = 0; DIMS[d].values && DIMS[d].values[i]; i++)
        if (injury_tally_key(t, axis, DIMS[d].values[i], DIMS[d].values[i]) < 0)
            return -1;
    return 0;
}

int injury_tally_init(injury_tally *t, int year, injury_dim by, injury_dim by2)
{
    memset(t, 0, sizeof *t);
    t->year = year;
    t->by = by;
    t->by2 = by2;
    if (tally_seed(t, 0, by) != 0 || tally_seed(t, 1, by2) != 0) {
        injury_tally_release(t);
        return -1;
    }
    return 0;
}

void injury_tally_release(injury_tally *t)
{
    free(t->rows);
    free(t->cols);
    free(t->count);
    free(t->previous);
    memset(t, 0, sizeof *t);
}

/* Record f's value of dimension d: its index on axis, or -1 (out of memory). */
static int fact_key(injury_tally *t, int axis, injury_dim d, const injury_facts *f)
{
    char key[32], label[16];
    const injury_age_band_def *b;
    switch (d) {
    case INJ_AGE_BAND:
        b = injury_age_band(f->age);
        return b ? injury_tally_key(t, axis, b->key, b->label) : injury_tally_key(t, axis, "?", "年龄不详");
    case INJ_SEX: return injury_tally_key(t, axis, f->sex, f->sex);
    case INJ_OCCUPATION: return injury_tally_key(t, axis, f->occupation, f->occupation);
    case INJ_EDUCATION: return injury_tally_key(t, axis, f->education, f->education);
    case INJ_PLACE_TYPE: return injury_tally_key(t, axis, f->place_type, f->place_type);
    case INJ_INJURY_TYPE: return injury_tally_key(t, axis, f->injury_type, f->injury_type);
    case INJ_CAUSE: return injury_tally_key(t, axis, f->cause, f->cause);
    case INJ_SEVERITY: return injury_tally_key(t, axis, f->severity, f->severity);
    case INJ_MONTH:
        snprintf(key, sizeof key, "%.2s", f->injured_on + 5);
        snprintf(label, sizeof label, "%d月", atoi(key));
        return injury_tally_key(t, axis, key, label);
    case INJ_COMMUNITY:
        snprintf(key, sizeof key, "%lld", (long long)f->community_id);
        return injury_tally_key(t, axis, key, f->community_name ? f->community_name : "");
    case INJ_DIMS: break;
    }
    return 0;   /* no second dimension: the one column */
}

int injury_tally_add(injury_tally *t, const injury_facts *f)
{
    if (!f->injured_on || strlen(f->injured_on) < 10)
        return 0;
    int y = atoi(f->injured_on);
    if (y != t->year && y != t->year - 1)
        return 0;
    int i = fact_key(t, 0, t->by, f), j = fact_key(t, 1, t->by2, f);
    if (i < 0 || j < 0)
        return -1;
    (y == t->year ? t->count : t->previous)[(size_t)i * t->cap_cols + (size_t)j]++;
    return 0;
}

int64_t injury_tally_count(const injury_tally *t, size_t row, size_t col, int previous)
{
    if (row >= t->nrows || col >= t->ncols)
        return 0;
    return (previous ? t->previous : t->count)[row * t->cap_cols + col];
}

int injury_analysis(db_conn *db, const char *scope_path, int year, injury_dim by, injury_dim by2, injury_tally *out)
{
    char end[256], from[16], to[16];
    db_stmt *s;
    int rc = DB_DONE;
    if (injury_tally_init(out, year, by, by2) != 0)
        return -1;
    org_path_end(scope_path, end);
    /* a community dimension lists the communities of the scope first, zeros included */
    for (int axis = 0; axis < 2; axis++) {
        if ((axis == 0 ? by : by2) != INJ_COMMUNITY)
            continue;
        s = db_query(db,
                              "SELECT id, name FROM org_unit WHERE kind = 'community' AND path >= ? AND path < ?"
                              " ORDER BY code, id", DB_TEXT(scope_path), DB_TEXT(end));
        while ((rc = db_step(s)) == DB_ROW) {
            char key[32];
            snprintf(key, sizeof key, "%lld", (long long)db_col_int(s, 0));
            if (injury_tally_key(out, axis, key, db_col_text(s, 1)) < 0) {
                rc = DB_ERROR;
                break;
            }
        }
        db_finalize(s);
        if (rc != DB_DONE)
            goto fail;
    }
    snprintf(from, sizeof from, "%04u-01-01", (unsigned)(year - 1) % 10000u);
    snprintf(to, sizeof to, "%04u-12-31", (unsigned)year % 10000u);
    s = db_query(db,
                          "SELECT r.injured_on, r.age, r.sex, r.occupation, r.education, r.place_type, r.injury_type,"
                          " r.cause, r.severity, c.id, c.name" INJURY_FROM
                          " WHERE u.path >= ? AND u.path < ? AND r.injured_on >= ? AND r.injured_on <= ?",
                          DB_TEXT(scope_path), DB_TEXT(end), DB_TEXT(from), DB_TEXT(to));
    while ((rc = db_step(s)) == DB_ROW) {
        char on[11], sex[8], occ[64], edu[32], place[32], type[32], cause[48], sev[16], cname[128];
        db_col_copy(s, 0, on, sizeof on);
        db_col_copy(s, 2, sex, sizeof sex);
        db_col_copy(s, 3, occ, sizeof occ);
        db_col_copy(s, 4, edu, sizeof edu);
        db_col_copy(s, 5, place, sizeof place);
        db_col_copy(s, 6, type, sizeof type);
        db_col_copy(s, 7, cause, sizeof cause);
        db_col_copy(s, 8, sev, sizeof sev);
        db_col_copy(s, 10, cname, sizeof cname);
        injury_facts f = {.injured_on = on, .age = (int)db_col_int(s, 1), .sex = sex, .occupation = occ,
                          .education = edu, .place_type = place, .injury_type = type, .cause = cause,
                          .severity = sev, .community_id = db_col_int(s, 9), .community_name = cname};
        if (injury_tally_add(out, &f) != 0) {
            rc = DB_ERROR;
            break;
        }
    }
    db_finalize(s);
    if (rc == DB_DONE)
        return 0;
fail:
    injury_tally_release(out);
    return -1;
}
