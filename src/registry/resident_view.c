/* resident_view.c — resident and household structs as JSON (see
 * resident_view.h). */
#include "registry/resident_view.h"
#include "util/idcard.h"
#include "util/validate.h"

#include <stdio.h>
#include <time.h>

/* "" (a NULL column) → JSON null. */
static json_t *text_or_null(const char *v)
{
    return v[0] ? json_string(v) : json_null();
}

static json_t *id_or_null(int64_t v)
{
    return v > 0 ? json_integer(v) : json_null();
}

static json_t *phone_json(const char *phone, int full)
{
    char masked[32];
    if (!phone[0])
        return json_null();
    return json_string(full ? phone : phone_mask(phone, masked, sizeof masked));
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

json_t *resident_json(const resident *r, const resident_view_opts *o)
{
    char masked[19];
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(r->id));
    json_object_set_new(j, "id_number", json_string(o->full_id ? r->id_number : idcard_mask(r->id_number, masked)));
    json_object_set_new(j, "id_number_masked", json_boolean(!o->full_id));
    json_object_set_new(j, "name", json_string(r->name));
    json_object_set_new(j, "sex", json_string(r->sex));
    json_object_set_new(j, "birth_date", json_string(r->birth_date));
    json_object_set_new(j, "age", json_integer(age_from_birth(r->birth_date, o->today_ymd)));
    json_object_set_new(j, "household_id", json_integer(r->household_id));
    json_object_set_new(j, "household_code", json_string(r->household_code));
    json_object_set_new(j, "grid_id", json_integer(r->grid_id));
    json_object_set_new(j, "grid_name", json_string(r->grid_name));
    json_object_set_new(j, "relation", json_string(r->relation));
    json_object_set_new(j, "phone", phone_json(r->phone, o->full_phone));
    json_object_set_new(j, "hukou_type", text_or_null(r->hukou_type));
    json_object_set_new(j, "residence_status", text_or_null(r->residence_status));
    json_object_set_new(j, "employment", text_or_null(r->employment));
    json_object_set_new(j, "disability_type", text_or_null(r->disability_type));
    json_object_set_new(j, "disability_grade", id_or_null(r->disability_grade));
    json_object_set_new(j, "party_member", json_boolean(r->party_member));
    json_object_set_new(j, "status", json_string(r->status));
    json_object_set_new(j, "status_date", text_or_null(r->status_date));
    json_object_set_new(j, "notes", text_or_null(r->notes));
    json_object_set_new(j, "created_at", json_string(r->created_at));
    json_object_set_new(j, "updated_at", json_string(r->updated_at));
    json_t *tags = json_array();
    for (size_t i = 0; i < r->ntags; i++)
        json_array_append_new(tags, json_string(r->tags[i]));
    json_object_set_new(j, "tags", tags);
    return j;
}

json_t *household_json(const household *h, int full_phone)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(h->id));
    json_object_set_new(j, "code", json_string(h->code));
    json_object_set_new(j, "grid_id", json_integer(h->grid_id));
    json_object_set_new(j, "grid_name", json_string(h->grid_name));
    json_object_set_new(j, "building_id", id_or_null(h->building_id));
    json_object_set_new(j, "building_name", text_or_null(h->building_name));
    json_object_set_new(j, "address", json_string(h->address));
    json_object_set_new(j, "registered_address", text_or_null(h->registered_address));
    json_object_set_new(j, "actual_address", text_or_null(h->actual_address));
    json_object_set_new(j, "phone", phone_json(h->phone, full_phone));
    json_object_set_new(j, "head_resident_id", id_or_null(h->head_resident_id));
    json_object_set_new(j, "head_name", text_or_null(h->head_name));
    json_object_set_new(j, "notes", text_or_null(h->notes));
    json_object_set_new(j, "status", json_string(h->status));
    json_object_set_new(j, "created_at", json_string(h->created_at));
    json_object_set_new(j, "updated_at", json_string(h->updated_at));
    json_object_set_new(j, "member_count", json_integer(h->member_count));
    return j;
}
