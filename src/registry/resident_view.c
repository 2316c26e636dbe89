/* resident_view.c — resident rows as JSON (see resident_view.h). */
#include "registry/resident_view.h"
#include "util/idcard.h"
#include "util/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static json_t *text_or_null(db_stmt *s, int col)
{
    return db_col_is_null(s, col) ? json_null() : json_string(db_col_text(s, col));
}

static int today(int ymd)
{
    if (ymd)
        return ymd;
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

static int age_from_birth(const char *birth, int today_ymd)
{
    int y, m, d;
    if (sscanf(birth, "%d-%d-%d", &y, &m, &d) != 3)
        return 0;
    int t = today(today_ymd);
    int age = t / 10000 - y;
    if ((t % 10000) < m * 100 + d)
        age--;
    return age < 0 ? 0 : age;
}

static json_t *tags_json(const char *csv)
{
    json_t *arr = json_array();
    if (!csv || !*csv)
        return arr;
    char *copy = strdup(csv), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
        json_array_append_new(arr, json_string(t));
    free(copy);
    return arr;
}

json_t *resident_row_json(db_stmt *s, const resident_view_opts *o)
{
    char masked[19], phone_masked[32];
    const char *id_number = db_col_text(s, 1);
    const char *phone = db_col_text(s, 10);
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(db_col_int(s, 0)));
    json_object_set_new(j, "id_number", json_string(o->full_id ? id_number : idcard_mask(id_number, masked)));
    json_object_set_new(j, "id_number_masked", json_boolean(!o->full_id));
    json_object_set_new(j, "name", json_string(db_col_text(s, 2)));
    json_object_set_new(j, "sex", json_string(db_col_text(s, 3)));
    json_object_set_new(j, "birth_date", json_string(db_col_text(s, 4)));
    json_object_set_new(j, "age", json_integer(age_from_birth(db_col_text(s, 4), o->today_ymd)));
    json_object_set_new(j, "household_id", json_integer(db_col_int(s, 5)));
    json_object_set_new(j, "household_code", json_string(db_col_text(s, 6)));
    json_object_set_new(j, "grid_id", json_integer(db_col_int(s, 7)));
    json_object_set_new(j, "grid_name", json_string(db_col_text(s, 8)));
    json_object_set_new(j, "relation", json_string(db_col_text(s, 9)));
    if (db_col_is_null(s, 10))
        json_object_set_new(j, "phone", json_null());
    else
        json_object_set_new(j, "phone", json_string(o->full_phone ? phone : phone_mask(phone, phone_masked, sizeof phone_masked)));
    json_object_set_new(j, "hukou_type", text_or_null(s, 11));
    json_object_set_new(j, "residence_status", text_or_null(s, 12));
    json_object_set_new(j, "employment", text_or_null(s, 13));
    json_object_set_new(j, "disability_type", text_or_null(s, 14));
    json_object_set_new(j, "disability_grade", db_col_is_null(s, 15) ? json_null() : json_integer(db_col_int(s, 15)));
    json_object_set_new(j, "party_member", json_boolean(db_col_int(s, 16)));
    json_object_set_new(j, "status", json_string(db_col_text(s, 17)));
    json_object_set_new(j, "status_date", text_or_null(s, 18));
    json_object_set_new(j, "notes", text_or_null(s, 19));
    json_object_set_new(j, "created_at", json_string(db_col_text(s, 20)));
    json_object_set_new(j, "updated_at", json_string(db_col_text(s, 21)));
    json_object_set_new(j, "tags", tags_json(db_col_text(s, 23)));
    return j;
}

int resident_load(db_conn *db, int64_t id, const resident_view_opts *o, json_t **out, char *path_out)
{
    int rc = -1;
    db_stmt *s = db_prepare(db, RESIDENT_SELECT " WHERE r.id = ?");
    if (!s)
        return -1;
    db_bind_int(s, 1, id);
    if (db_step(s) == DB_ROW) {
        *out = resident_row_json(s, o);
        snprintf(path_out, 256, "%s", db_col_text(s, RESIDENT_COL_PATH));
        rc = 0;
    }
    db_finalize(s);
    return rc;
}
