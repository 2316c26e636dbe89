/* programme.c — social assistance programmes and standards: loading,
 * listing, the standard in force on a date and adding a standard (the
 * SQL of assistance_programme / assistance_standard, migration 0021). */
#include "assistance/programme.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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
    json_decref(root);
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

int programme_load(db_conn *db, const char *code, assist_programme *out, ms_err *err)
{
    db_stmt *s = db_query(db, "SELECT " PROGRAMME_COLS " FROM assistance_programme WHERE code = ?", DB_TEXT(code));
    if (!s)
        return err_db(err);
    int rc = db_step(s);
    if (rc == DB_ROW)
        read_programme(s, out);
    db_finalize(s);
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

/* "YYYY-MM-DD" of the day before date (a valid date). */
static void day_before(const char *date, char out[static 11])
{
    struct tm t = {0};
    int y = 0, m = 0, d = 0;
    sscanf(date, "%d-%d-%d", &y, &m, &d);
    t.tm_year = y - 1900;
    t.tm_mon = m - 1;
    t.tm_mday = d - 1;   /* timegm normalizes day 0 to the month before's last */
    t.tm_hour = 12;
    time_t v = timegm(&t);
    gmtime_r(&v, &t);
    strftime(out, 11, "%Y-%m-%d", &t);
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
    char end[11], now[24];
    day_before(effective_from, end);
    if (db_exec_args(db,
                     db_sql(db,
                            "UPDATE assistance_standard SET effective_to = ? WHERE" SAME_LINE_SQLITE
                            " AND (effective_to IS NULL OR effective_to >= ?)",
                            "UPDATE assistance_standard SET effective_to = ? WHERE" SAME_LINE
                            " AND (effective_to IS NULL OR effective_to >= ?)"),
                     DB_TEXT(end), DB_INT(programme_id), DB_TEXT(area), DB_TEXT(key), DB_ID(community_id),
                     DB_TEXT(effective_from)) != DB_DONE)
        return err_db(err);
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%d %H:%M:%S", &tm);
    if (db_exec_args(db,
                     "INSERT INTO assistance_standard (programme_id, area, community_id, band_key, amount_fen,"
                     " effective_from, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     DB_INT(programme_id), DB_TEXT(area), DB_ID(community_id), DB_TEXT(key), DB_INT(amount_fen),
                     DB_TEXT(effective_from), DB_TEXT(now), DB_ID(user_id)) != DB_DONE)
        return err_db(err);
    return db_last_insert_id(db);
}
