/* programme.c — social assistance programmes and standards: loading,
 * listing, the standard in force on a date and adding a standard (the
 * SQL of assistance_programme / assistance_standard, migration 0021). */
#include "assistance/programme.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/validate.h"

#define PROGRAMME_COLS "id, code, name, category, calc_kind, active, settings"

static void copy(char *dst, size_t sz, const char *src)
{
    snprintf(dst, sz, "%s", src ? src : "");
}

static int64_t json_fen(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) && json_integer_value(v) > 0 ? (int64_t)json_integer_value(v) : 0;
}

static void parse_settings(assist_programme *p)
{
    p->rounding = BENEFIT_ROUND_YUAN_UP;
    json_t *root = json_loads(p->settings, 0, NULL);
    if (!json_is_object(root)) {
        json_decref(root);
        return;
    }
    const char *r = json_string_value(json_object_get(root, "rounding"));
    if (r && strcmp(r, "fen") == 0)
        p->rounding = BENEFIT_ROUND_FEN;
    p->min_payment_fen = json_fen(root, "min_payment_fen");
    copy(p->band_by, sizeof p->band_by, json_string_value(json_object_get(root, "band_by")));
    json_t *ceil = json_object_get(root, "ceilings_fen");
    p->ceiling_community_fen = json_fen(ceil, "community");
    p->ceiling_street_fen = json_fen(ceil, "street");
    const char *cls;
    json_t *months;
    json_object_foreach(json_object_get(root, "review_months"), cls, months)
        if (cls[0] >= 'A' && cls[0] <= 'Z' && !cls[1] && json_is_integer(months) && json_integer_value(months) > 0)
            p->review_months[cls[0] - 'A'] =
                json_integer_value(months) > INT_MAX ? INT_MAX : (int)json_integer_value(months);
    json_decref(root);
}

int programme_review_months(const assist_programme *p, const char *cls)
{
    return cls && cls[0] >= 'A' && cls[0] <= 'Z' && !cls[1] ? p->review_months[cls[0] - 'A'] : 0;
}

static void read_programme(db_stmt *s, assist_programme *p)
{
    memset(p, 0, sizeof *p);
    p->id = db_col_int(s, 0);
    db_col_copy(s, 1, p->code, sizeof p->code);
    db_col_copy(s, 2, p->name, sizeof p->name);
    db_col_copy(s, 3, p->category, sizeof p->category);
    db_col_copy(s, 4, p->calc_kind, sizeof p->calc_kind);
    p->active = (int)db_col_int(s, 5);
    db_col_copy(s, 6, p->settings, sizeof p->settings);
    parse_settings(p);
}

/* The programme sql (PROGRAMME_COLS … WHERE <key> = ?) finds with v:
 * DB_ROW with *out filled, DB_DONE when there is none, or an error. */
static int load_by(db_conn *db, const char *sql, db_arg v, assist_programme *out)
{
    db_stmt *s = db_query(db, sql, v);
    if (!s)
        return DB_ERROR;
    int rc = db_step(s);
    if (rc == DB_ROW)
        read_programme(s, out);
    db_finalize(s);
    return rc;
}

int programme_load(db_conn *db, const char *code, assist_programme *out, ms_err *err)
{
    int rc = load_by(db, "SELECT " PROGRAMME_COLS " FROM assistance_programme WHERE code = ?", DB_TEXT(code), out);
    if (rc == DB_ROW)
        return 0;
    return rc == DB_DONE ? err_set(err, ERR_NOT_FOUND, "programme", "救助项目不存在：%s", code) : err_db(err);
}

int programme_list(db_conn *db, assist_programme *out, int max)
{
    db_stmt *s = db_query(db, "SELECT " PROGRAMME_COLS " FROM assistance_programme ORDER BY id");
    if (!s)
        return -1;
    int n = 0, rc;
    while ((rc = db_step(s)) == DB_ROW)
        if (n < max)
            read_programme(s, &out[n++]);
    db_finalize(s);
    return rc == DB_DONE ? n : -1;
}

int programme_standard(db_conn *db, int64_t programme_id, const char *area, int64_t community_id,
                       const char *band_key, const char *date, assist_standard *out)
{
    /* the community's row first, then the latest start */
    db_stmt *s = db_query(db,
                          "SELECT id, programme_id, area, community_id, band_key, amount_fen, effective_from, effective_to"
                          " FROM assistance_standard WHERE programme_id = ? AND area = ? AND band_key = ?"
                          " AND (community_id IS NULL OR community_id = ?)"
                          " AND effective_from <= ? AND (effective_to IS NULL OR effective_to >= ?)"
                          " ORDER BY CASE WHEN community_id IS NULL THEN 1 ELSE 0 END, effective_from DESC LIMIT 1",
                          DB_INT(programme_id), DB_TEXT(area), DB_TEXT(band_key ? band_key : ""), DB_ID(community_id),
                          DB_TEXT(date), DB_TEXT(date));
    if (!s)
        return -1;
    int rc = db_step(s);
    if (rc == DB_ROW) {
        memset(out, 0, sizeof *out);
        out->id = db_col_int(s, 0);
        out->programme_id = db_col_int(s, 1);
        db_col_copy(s, 2, out->area, sizeof out->area);
        out->community_id = db_col_int(s, 3);
        db_col_copy(s, 4, out->band_key, sizeof out->band_key);
        out->amount_fen = db_col_int(s, 5);
        db_col_copy(s, 6, out->effective_from, sizeof out->effective_from);
        db_col_copy(s, 7, out->effective_to, sizeof out->effective_to);
    }
    db_finalize(s);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

/* The same line of standards: programme, area, community, band. */
#define SAME_LINE " programme_id = ? AND area = ? AND band_key = ? AND community_id IS NOT DISTINCT FROM ?"
#define SAME_LINE_SQLITE " programme_id = ? AND area = ? AND band_key = ? AND community_id IS ?"

int64_t programme_standard_add(db_conn *db, int64_t user_id, int64_t programme_id, const char *area,
                               int64_t community_id, const char *band_key, int64_t amount_fen,
                               const char *effective_from, ms_err *err)
{
    if (!area || (strcmp(area, "urban") != 0 && strcmp(area, "rural") != 0))
        return err_set(err, ERR_INVALID, "area", "地区类别只能是城市（urban）或农村（rural）");
    if (!effective_from || !date_is_valid(effective_from))
        return err_set(err, ERR_INVALID, "effective_from", "生效日期格式应为 YYYY-MM-DD");
    if (amount_fen < 0)
        return err_set(err, ERR_INVALID, "amount_fen", "标准金额不能为负数");
    const char *key = band_key ? band_key : "";
    char later[11] = "";
    db_one_text(db, later, sizeof later,
                db_sql(db, "SELECT MAX(effective_from) FROM assistance_standard WHERE" SAME_LINE_SQLITE,
                       "SELECT MAX(effective_from) FROM assistance_standard WHERE" SAME_LINE),
                DB_INT(programme_id), DB_TEXT(area), DB_TEXT(key), DB_ID(community_id));
    if (later[0] && strcmp(later, effective_from) >= 0)
        return err_set(err, ERR_CONFLICT, "effective_from", "已有自 %s 起生效的标准，新标准的生效日期须晚于该日期（不改写既往标准）",
                       later);
    char end[11], now[20];
    date_add_days(effective_from, -1, end);
    if (db_exec_args(db,
                     db_sql(db,
                            "UPDATE assistance_standard SET effective_to = ? WHERE" SAME_LINE_SQLITE
                            " AND (effective_to IS NULL OR effective_to >= ?)",
                            "UPDATE assistance_standard SET effective_to = ? WHERE" SAME_LINE
                            " AND (effective_to IS NULL OR effective_to >= ?)"),
                     DB_TEXT(end), DB_INT(programme_id), DB_TEXT(area), DB_TEXT(key), DB_ID(community_id),
                     DB_TEXT(effective_from)) != DB_DONE)
        return err_db(err);
    db_now(now);
    if (db_exec_args(db,
                     "INSERT INTO assistance_standard (programme_id, area, community_id, band_key, amount_fen,"
                     " effective_from, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     DB_INT(programme_id), DB_TEXT(area), DB_ID(community_id), DB_TEXT(key), DB_INT(amount_fen),
                     DB_TEXT(effective_from), DB_TEXT(now), DB_ID(user_id)) != DB_DONE)
        return err_db(err);
    return db_last_insert_id(db);
}

/* ---- writes and the history (programme_api.c's) ------------------------ */


static int is_code(const char *s, size_t min, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n < min || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
            return 0;
    return 1;
}

static int one_of(const char *s, const char *const *set)
{
    for (size_t i = 0; s && set[i]; i++)
        if (strcmp(s, set[i]) == 0)
            return 1;
    return 0;
}

static const char *const CALC_KINDS[] = {"topup", "per_person", "one_off", NULL};

/* An object of integers in [lo, hi] whose keys pass key_ok. */
static int fen_object_ok(json_t *o, int (*key_ok)(const char *), int64_t lo, int64_t hi)
{
    const char *k;
    json_t *v;
    if (!json_is_object(o))
        return 0;
    json_object_foreach(o, k, v)
        if (!key_ok(k) || !json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
            return 0;
    return 1;
}

static int ceiling_key(const char *k)
{
    return strcmp(k, "community") == 0 || strcmp(k, "street") == 0;
}

static int review_class(const char *k)
{
    return k[0] >= 'A' && k[0] <= 'Z' && k[1] == '\0';
}

/* Money sanity bound: ten million yuan, far above any programme's amount. */
#define FEN_MAX 1000000000LL

int programme_check_settings(json_t *settings, char *canon, size_t canon_sz, ms_err *err)
{
    static const char *const ROUNDINGS[] = {"yuan_up", "fen", NULL};
    static const char *const BAND_BY[] = {"age", "disability_grade", "kind", "", NULL};
    const char *k;
    json_t *v;
    if (settings && !json_is_object(settings))
        return err_set(err, ERR_INVALID, "settings", "项目设置应为 JSON 对象");
    json_object_foreach(settings, k, v) {
        if (strcmp(k, "rounding") == 0) {
            if (!one_of(json_string_value(v), ROUNDINGS))
                return err_set(err, ERR_INVALID, "settings.rounding", "取整方式只能是 yuan_up（向上取整到元）或 fen（保留到分）");
        } else if (strcmp(k, "min_payment_fen") == 0) {
            if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > FEN_MAX)
                return err_set(err, ERR_INVALID, "settings.min_payment_fen", "最低发放金额应为不小于 0 的整数（分）");
        } else if (strcmp(k, "band_by") == 0) {
            if (!one_of(json_string_value(v), BAND_BY))
                return err_set(err, ERR_INVALID, "settings.band_by",
                               "分档依据只能是 age（年龄）、disability_grade（残疾等级）、kind（类别）或空");
        } else if (strcmp(k, "bands") == 0) {
            const char *bk;
            json_t *bv;
            if (!json_is_object(v))
                return err_set(err, ERR_INVALID, "settings.bands", "档次应为“代码: 名称”的对象");
            json_object_foreach(v, bk, bv) {
                const char *label = json_string_value(bv);
                if (!*bk || strlen(bk) > 15 || !label || !*label || strlen(label) > 60 || !text_is_clean(label, 0))
                    return err_set(err, ERR_INVALID, "settings.bands",
                                   "档次代码应为 1–15 个字符，名称不能为空且不超过 20 个字");
            }
        } else if (strcmp(k, "ceilings_fen") == 0) {
            if (!fen_object_ok(v, ceiling_key, 0, FEN_MAX))
                return err_set(err, ERR_INVALID, "settings.ceilings_fen",
                               "审批限额应为 {\"community\": 分, \"street\": 分}，金额为不小于 0 的整数");
        } else if (strcmp(k, "review_months") == 0) {
            if (!fen_object_ok(v, review_class, 1, 60))
                return err_set(err, ERR_INVALID, "settings.review_months",
                               "复核周期应为 {\"A\": 月数, …}：类别为一个大写字母，月数 1–60");
        } else {
            return err_set(err, ERR_INVALID, "settings", "项目设置中没有“%.40s”这一项", k);
        }
    }
    char *text = settings ? json_dumps(settings, JSON_COMPACT | JSON_SORT_KEYS) : strdup("{}");
    size_t n = text ? strlen(text) : 0;
    if (!text || n >= canon_sz) {
        free(text);
        return err_set(err, ERR_INVALID, "settings", "项目设置过长");
    }
    memcpy(canon, text, n + 1);
    free(text);
    return 0;
}

static int check_name(const char *name, ms_err *err)
{
    long n = name ? utf8_length(name) : -1;
    if (n < 1 || n > 20 || strlen(name) >= sizeof ((assist_programme *)0)->name || !text_is_clean(name, 0))
        return err_set(err, ERR_INVALID, "name", "项目名称应为 1–20 个字");
    return 0;
}

static int check_category(const char *category, ms_err *err)
{
    if (!is_code(category, 1, 31))
        return err_set(err, ERR_INVALID, "category", "项目类别只能由小写字母和下划线组成（1–31 位）");
    return 0;
}

static int check_calc_kind(const char *calc_kind, ms_err *err)
{
    if (!one_of(calc_kind, CALC_KINDS))
        return err_set(err, ERR_INVALID, "calc_kind", "计算方式只能是 topup（补差）、per_person（按人定额）或 one_off（一次性）");
    return 0;
}

int64_t programme_create(db_conn *db, const char *code, const char *name, const char *category,
                         const char *calc_kind, json_t *settings, int active, ms_err *err)
{
    char canon[sizeof ((assist_programme *)0)->settings];
    if (!is_code(code, 2, 39))
        return err_set(err, ERR_INVALID, "code", "项目代码只能由小写字母和下划线组成（2–39 位）");
    if (check_name(name, err) || check_category(category, err) || check_calc_kind(calc_kind, err) ||
        programme_check_settings(settings, canon, sizeof canon, err))
        return -1;
    if (db_exists(db, "SELECT 1 FROM assistance_programme WHERE code = ?", DB_TEXT(code)))
        return err_set(err, ERR_CONFLICT, "code", "项目代码 %s 已被使用", code);
    if (db_exists(db, "SELECT 1 FROM assistance_programme WHERE name = ?", DB_TEXT(name)))
        return err_set(err, ERR_CONFLICT, "name", "已有名为“%s”的救助项目", name);
    if (db_exec_args(db,
                     "INSERT INTO assistance_programme (code, name, category, calc_kind, active, settings)"
                     " VALUES (?, ?, ?, ?, ?, ?)",
                     DB_TEXT(code), DB_TEXT(name), DB_TEXT(category), DB_TEXT(calc_kind), DB_INT(active ? 1 : 0),
                     DB_TEXT(canon)) != DB_DONE)
        return err_db(err);
    return db_last_insert_id(db);
}

int programme_load_id(db_conn *db, int64_t id, assist_programme *out, ms_err *err)
{
    int rc = load_by(db, "SELECT " PROGRAMME_COLS " FROM assistance_programme WHERE id = ?", DB_INT(id), out);
    if (rc == DB_ROW)
        return 0;
    return rc == DB_DONE ? err_set(err, ERR_NOT_FOUND, "programme", "救助项目不存在") : err_db(err);
}

int programme_has_cases(db_conn *db, int64_t programme_id)
{
    return db_exists(db, "SELECT 1 FROM assistance_case WHERE programme_id = ? LIMIT 1", DB_INT(programme_id));
}

int programme_update(db_conn *db, int64_t id, const programme_change *c, assist_programme *before, ms_err *err)
{
    char canon[sizeof before->settings];
    if (programme_load_id(db, id, before, err) != 0)
        return -1;
    if ((c->name && check_name(c->name, err)) || (c->category && check_category(c->category, err)) ||
        (c->calc_kind && check_calc_kind(c->calc_kind, err)))
        return -1;
    if (c->settings && programme_check_settings(c->settings, canon, sizeof canon, err))
        return -1;
    if (c->calc_kind && strcmp(c->calc_kind, before->calc_kind) != 0 && programme_has_cases(db, id))
        return err_set(err, ERR_CONFLICT, "calc_kind", "该项目已有救助个案，不能再改变计算方式");
    if (c->name && db_exists(db, "SELECT 1 FROM assistance_programme WHERE name = ? AND id <> ?", DB_TEXT(c->name),
                             DB_INT(id)))
        return err_set(err, ERR_CONFLICT, "name", "已有名为“%s”的救助项目", c->name);
    if (db_exec_args(db,
                     "UPDATE assistance_programme SET name = ?, category = ?, calc_kind = ?, active = ?, settings = ?"
                     " WHERE id = ?",
                     DB_TEXT(c->name ? c->name : before->name), DB_TEXT(c->category ? c->category : before->category),
                     DB_TEXT(c->calc_kind ? c->calc_kind : before->calc_kind),
                     DB_INT(c->active >= 0 ? c->active : before->active),
                     DB_TEXT(c->settings ? canon : before->settings), DB_INT(id)) != DB_DONE)
        return err_db(err);
    return 0;
}

int programme_standards(db_conn *db, int64_t programme_id, const char *on_date, assist_standard_row **out,
                        size_t *n)
{
    *out = NULL;
    *n = 0;
#define STANDARD_ROW_SQL                                                                              \
    "SELECT s.id, s.programme_id, s.area, s.community_id, s.band_key, s.amount_fen, s.effective_from,"  \
    " s.effective_to, o.name, o.path, s.created_at, s.created_by, COALESCE(NULLIF(u.display_name, ''), u.username)" \
    " FROM assistance_standard s LEFT JOIN org_unit o ON o.id = s.community_id"                       \
    " LEFT JOIN app_user u ON u.id = s.created_by WHERE s.programme_id = ?"
    db_stmt *s = on_date ? db_query(db,
                                    STANDARD_ROW_SQL " AND s.effective_from <= ? AND (s.effective_to IS NULL"
                                                     " OR s.effective_to >= ?) ORDER BY s.area DESC,"
                                                     " s.community_id IS NOT NULL, o.path, s.band_key",
                                    DB_INT(programme_id), DB_TEXT(on_date), DB_TEXT(on_date))
                         : db_query(db, STANDARD_ROW_SQL " ORDER BY s.effective_from DESC, s.id DESC",
                                    DB_INT(programme_id));
#undef STANDARD_ROW_SQL
    if (!s)
        return -1;
    size_t cap = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (*n == cap) {
            assist_standard_row *bigger = realloc(*out, (cap = cap ? cap * 2 : 16) * sizeof **out);
            if (!bigger) {
                rc = DB_ERROR;
                break;
            }
            *out = bigger;
        }
        assist_standard_row *r = &(*out)[(*n)++];
        memset(r, 0, sizeof *r);
        r->s.id = db_col_int(s, 0);
        r->s.programme_id = db_col_int(s, 1);
        db_col_copy(s, 2, r->s.area, sizeof r->s.area);
        r->s.community_id = db_col_int(s, 3);
        db_col_copy(s, 4, r->s.band_key, sizeof r->s.band_key);
        r->s.amount_fen = db_col_int(s, 5);
        db_col_copy(s, 6, r->s.effective_from, sizeof r->s.effective_from);
        db_col_copy(s, 7, r->s.effective_to, sizeof r->s.effective_to);
        db_col_copy(s, 8, r->community_name, sizeof r->community_name);
        db_col_copy(s, 9, r->community_path, sizeof r->community_path);
        db_col_copy(s, 10, r->created_at, sizeof r->created_at);
        r->created_by = db_col_int(s, 11);
        db_col_copy(s, 12, r->created_by_name, sizeof r->created_by_name);
    }
    db_finalize(s);
    if (rc != DB_DONE) {
        free(*out);
        *out = NULL;
        *n = 0;
        return -1;
    }
    return 0;
}

int programme_check_band(const assist_programme *p, const char *band_key, ms_err *err)
{
    static const char *const AGE_BANDS[] = {"70+", "80+", "90+", "100+", NULL};
    static const char *const GRADES[] = {"1", "2", "3", "4", NULL};
    const char *key = band_key ? band_key : "";
    if (!p->band_by[0]) {
        if (*key)
            return err_set(err, ERR_INVALID, "band_key", "%s不分档，档次应为空", p->name);
        return 0;
    }
    if (strcmp(p->band_by, "age") == 0 && !one_of(key, AGE_BANDS))
        return err_set(err, ERR_INVALID, "band_key", "%s按年龄分档，档次只能是 70+、80+、90+ 或 100+", p->name);
    if (strcmp(p->band_by, "disability_grade") == 0 && !one_of(key, GRADES))
        return err_set(err, ERR_INVALID, "band_key", "%s按残疾等级分档，档次只能是 1–4 级", p->name);
    if (strcmp(p->band_by, "kind") == 0) {
        json_t *root = json_loads(p->settings, 0, NULL);
        json_t *bands = json_object_get(root, "bands");
        int ok = *key && strlen(key) <= 15 && (!json_is_object(bands) || json_object_get(bands, key));
        json_decref(root);
        if (!ok)
            return err_set(err, ERR_INVALID, "band_key", "%s按类别分档，档次须是项目设置中的一个类别", p->name);
    }
    return 0;
}
