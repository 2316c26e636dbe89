/* derived.c — tags that are facts (see derived.h). Owns the SQL of the
 * daily 高龄 refresh. */
#include "registry/derived.h"
#include "core/audit.h"
#include "util/idcard.h"
#include "util/validate.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Active residents born on or before the cutoff (70 years before today)
 * without the tag, found through the index resident_status_birth
 * (migration 0018); and the tags of active residents born after it,
 * found from the tag's rows (resident_tag_by_tag), each resident by its
 * key: the residents under 70 are most of the table, walked at every
 * start and every day for the few, if any, whose tag must go. */
static const char *const SQL_ADD_ELDERLY =
    "INSERT INTO resident_tag(resident_id, tag) SELECT r.id, 'elderly' FROM resident r"
    " WHERE r.status = 'active' AND r.birth_date <= ?"
    " AND NOT EXISTS (SELECT 1 FROM resident_tag t WHERE t.resident_id = r.id AND t.tag = 'elderly')";
static const char *const SQL_DROP_ELDERLY =
    "DELETE FROM resident_tag WHERE tag = 'elderly' AND EXISTS (SELECT 1 FROM resident r"
    " WHERE r.id = resident_tag.resident_id AND r.status = 'active' AND r.birth_date > ?)";

/* The age pyramid (derived_age_pyramid): (sex, band, residents) of the
 * counted residents of a subtree's grids (?2, ?3: its path range) or of
 * a building's households (?2: its id). Their age on ?1 (YYYYMMDD) is
 * derived_age's, (?1 − birth as YYYYMMDD) / 10000, so the 5-year band is
 * that difference / 50000 (the caller puts 95 and over together; a
 * birth date after today is refused on entry). CROSS JOIN walks the
 * unit's grids, each grid's active residents by resident_grid_name, as
 * counts.c's queries do. */
#define AGE_PYRAMID(from_where)                                                                               \
    "SELECT r.sex, (CAST(?1 AS INTEGER) - CAST(REPLACE(r.birth_date, '-', '') AS INTEGER)) / 50000 AS band," \
    " COUNT(*) FROM " from_where " AND r.id = c.resident_id GROUP BY r.sex, band"
static const char *const SQL_AGES_UNIT = AGE_PYRAMID(
    "org_unit g CROSS JOIN registry_counted_resident c CROSS JOIN resident r"
    " WHERE g.kind = 'grid' AND g.path >= ?2 AND g.path < ?3 AND c.grid_id = g.id");
static const char *const SQL_AGES_BUILDING = AGE_PYRAMID(
    "household h CROSS JOIN registry_counted_resident c CROSS JOIN resident r"
    " WHERE h.building_id = ?2 AND c.household_id = h.id");

/* "YYYY-MM-DD" as YYYYMMDD, read without sscanf (lists compute ages in
 * every row); -1 for anything else. */
static int ymd_of(const char *d)
{
    static const char SHAPE[] = "dddd-dd-dd";
    int v = 0;
    if (!d)
        return -1;
    for (size_t i = 0; SHAPE[i]; i++) {
        if (SHAPE[i] == '-' ? d[i] != '-' : d[i] < '0' || d[i] > '9')
            return -1;
        if (SHAPE[i] != '-')
            v = v * 10 + (d[i] - '0');
    }
    return d[10] == '\0' ? v : -1;
}

/* The day ages are counted on: the death date (well-formed), else
 * today_ymd, else the local date. */
static int age_day(const char *death_date, int today_ymd)
{
    int on = ymd_of(death_date);
    return on >= 0 ? on : today_ymd ? today_ymd : date_today_local();
}

int derived_age(const char *birth_date, const char *death_date, int today_ymd)
{
    int b = ymd_of(birth_date);
    if (b < 0)
        return -1;
    /* the birthday rule is idcard.h's (29 February comes on 1 March in common years) */
    idcard_info born = {.birth_year = b / 10000, .birth_month = b / 100 % 100, .birth_day = b % 100};
    return idcard_age_on(&born, age_day(death_date, today_ymd));
}

int derived_age_reached(const char *birth_date, const char *death_date, int today_ymd)
{
    int b = ymd_of(birth_date);
    if (b < 0)
        return -1;
    int age = age_day(death_date, today_ymd) / 10000 - b / 10000;
    return age < 0 ? -1 : age;
}

const char *derived_age_band(int age)
{
    return age >= 100 ? "100+" : age >= 90 ? "90+" : age >= 80 ? "80+" : age >= DERIVED_ELDERLY_AGE ? "70+" : NULL;
}

int derived_age_pyramid(db_conn *db, const org_unit *u, int today_ymd, age_pyramid *out)
{
    char end[256];
    memset(out, 0, sizeof *out);
    int64_t today = today_ymd ? today_ymd : date_today_local();
    db_stmt *s = strcmp(u->kind, "building") == 0
                     ? db_query(db, SQL_AGES_BUILDING, DB_INT(today), DB_INT(u->id))
                     : db_query(db, SQL_AGES_UNIT, DB_INT(today), DB_TEXT(u->path), DB_TEXT(org_path_end(u->path, end)));
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int64_t band = db_col_int(s, 1);
        if (band < 0)
            continue;
        if (band >= DERIVED_AGE_BANDS)
            band = DERIVED_AGE_BANDS - 1;   /* 95 and over */
        int64_t *side = strcmp(db_col_text(s, 0), "M") == 0 ? out->male : out->female;
        side[band] += db_col_int(s, 2);
    }
    db_finalize(s);
    return rc == DB_DONE ? 0 : -1;
}

int derived_has_elderly(const resident_input *in)
{
    for (size_t i = 0; i < in->ntags; i++)
        if (in->tags[i] && resident_tag_code(in->tags[i]) && strcmp(resident_tag_code(in->tags[i]), "elderly") == 0)
            return 1;
    return 0;
}

void derived_tags_apply(resident_input *in, int age)
{
    if (age >= DERIVED_ELDERLY_AGE && !derived_has_elderly(in) && in->ntags < REGISTRY_MAX_TAGS)
        in->tags[in->ntags++] = "elderly";
}

int derived_tags_check(const resident_input *in, int age, int removal, ms_err *err)
{
    int has = derived_has_elderly(in);
    if (has && age >= 0 && age < DERIVED_ELDERLY_AGE)
        return err_set(err, ERR_INVALID, "tags", "高龄由出生日期得出：该居民%d周岁，未满70周岁，不能标注高龄", age);
    if (!has && removal && age >= DERIVED_ELDERLY_AGE)
        return err_set(err, ERR_INVALID, "tags", "高龄由出生日期得出：该居民已满70周岁（%d周岁），不能去掉高龄标签", age);
    return 0;
}

int derived_refresh(db_conn *db, int today_ymd, int64_t *added, int64_t *removed)
{
    char cutoff[32], detail[160];
    if (!today_ymd)
        today_ymd = date_today_local();
    /* born on or before this day: 70 or over today (29 February → 28th is
     * still before the birthday of 1 March, as derived_age has it) */
    snprintf(cutoff, sizeof cutoff, "%04d-%02d-%02d", today_ymd / 10000 - DERIVED_ELDERLY_AGE, today_ymd / 100 % 100,
             today_ymd % 100);
    *added = *removed = 0;
    if (db_begin(db) != DB_DONE)
        return -1;
    if (db_exec_args(db, SQL_ADD_ELDERLY, DB_TEXT(cutoff)) != DB_DONE)
        goto fail;
    *added = db_changes(db);
    if (db_exec_args(db, SQL_DROP_ELDERLY, DB_TEXT(cutoff)) != DB_DONE)
        goto fail;
    *removed = db_changes(db);
    if (*added || *removed) {
        snprintf(detail, sizeof detail, "按出生日期更新高龄标签（%s 及以前出生）：新增 %lld 人，去掉 %lld 人", cutoff,
                 (long long)*added, (long long)*removed);
        if (audit_write(db, &(audit_entry){.action = "derived_refresh", .entity = "resident_tag", .detail = detail}) != 0)
            goto fail;
    }
    return db_commit(db) == DB_DONE ? 0 : -1;
fail:
    db_rollback(db);
    return -1;
}

/* ---- the server's daily refresh ----------------------------------------- */

static struct {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int running, stop;
    const char *db_path;
} daily = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static void refresh_once(const char *db_path)
{
    char err[256];
    int64_t added, removed;
    db_conn *db = db_open(db_path, err, sizeof err);
    if (!db) {
        fprintf(stderr, "minsheng: 高龄标签更新: %s\n", err);
        return;
    }
    if (derived_refresh(db, 0, &added, &removed) != 0)
        fprintf(stderr, "minsheng: 高龄标签更新失败: %s\n", db_errmsg(db));
    db_close(db);
}

static void *daily_loop(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&daily.mu);
    while (!daily.stop) {
        pthread_mutex_unlock(&daily.mu);
        refresh_once(daily.db_path);
        pthread_mutex_lock(&daily.mu);
        /* the next run: 00:05 China local time (UTC+8) tomorrow, whatever the server's TZ */
        const time_t day = 86400, offset = 8 * 3600;
        time_t now = time(NULL);
        struct timespec until = {.tv_sec = ((now + offset) / day + 1) * day + 5 * 60 - offset};
        while (!daily.stop && pthread_cond_timedwait(&daily.cv, &daily.mu, &until) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&daily.mu);
    return NULL;
}

int derived_daily_start(const char *db_path)
{
    daily.db_path = db_path;
    daily.stop = 0;
    daily.running = pthread_create(&daily.thread, NULL, daily_loop, NULL) == 0;
    return daily.running ? 0 : -1;
}

void derived_daily_stop(void)
{
    if (!daily.running)
        return;
    pthread_mutex_lock(&daily.mu);
    daily.stop = 1;
    pthread_cond_signal(&daily.cv);
    pthread_mutex_unlock(&daily.mu);
    pthread_join(daily.thread, NULL);
    daily.running = 0;
}
