/* resident_view.c — resident and household structs as JSON, with the
 * visibility table (see resident_view.h). */
#include "registry/resident_view.h"
#include "util/idcard.h"
#include "util/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- who gets what --------------------------------------------------------- */

#define STAFF ROLES_REGISTRY_WRITE   /* street, community, grid */
#define READERS (ROLES_REGISTRY_READ | ROLE_AUDITOR)

typedef enum shown { SHOWN_NONE, SHOWN_MASKED, SHOWN_FULL } shown;

/* Every field of the resident and household objects and the roles that
 * get it. A role in neither column does not get the field at all (the
 * department viewer: no phones, no disability details, no notes, no
 * 刑释解教 tag — counts and masked lists only). ROLE_AUDITOR is the
 * audit log's before/after images. Two fields depend on the request
 * too: the full ID number and the birth date are shown only with
 * full_id=1 (ROLES_FULL_ID, each view audited), and lists mask phones
 * for every role. A field missing from the table is shown to nobody. */
static const struct visibility {
    const char *field;
    unsigned full;     /* roles that get the stored value */
    unsigned masked;   /* roles that get it masked */
} VISIBILITY[] = {
    /* resident */
    {"id",               READERS,                0},
    {"id_number",        0,                      READERS},        /* full with full_id=1 */
    {"birth_date",       0,                      0},              /* only with full_id=1 */
    {"birth_year",       READERS,                0},
    {"age",              READERS,                0},              /* by birth year unless full_id=1 */
    {"name",             READERS,                0},
    {"sex",              READERS,                0},
    {"household_id",     READERS,                0},
    {"household_code",   READERS,                0},
    {"grid_id",          READERS,                0},
    {"grid_name",        READERS,                0},
    {"relation",         READERS,                0},
    {"phone",            STAFF,                  ROLE_AUDITOR},   /* lists: masked for staff too */
    {"hukou_type",       READERS,                0},
    {"residence_status", READERS,                0},
    {"employment",       READERS,                0},
    {"disability_type",  STAFF | ROLE_AUDITOR,   0},
    {"disability_grade", STAFF | ROLE_AUDITOR,   0},
    {"party_member",     READERS,                0},
    {"status",           READERS,                0},
    {"status_date",      READERS,                0},
    {"notes",            STAFF | ROLE_AUDITOR,   0},
    {"tags",             READERS,                0},
    {"tag:released_prisoner", STAFF | ROLE_AUDITOR, 0},           /* 刑释解教 */
    {"created_at",       READERS,                0},
    {"updated_at",       READERS,                0},
    {"version",          READERS,                0},
    /* household (phone and notes as above) */
    {"code",             READERS,                0},
    {"building_id",      READERS,                0},
    {"building_name",    READERS,                0},
    {"address",          READERS,                0},
    {"registered_address", READERS,              0},
    {"actual_address",   READERS,                0},
    {"head_resident_id", READERS,                0},
    {"head_name",        READERS,                0},
    {"member_count",     READERS,                0},
};

static const struct visibility *rule_of(const char *field)
{
    for (size_t i = 0; i < sizeof VISIBILITY / sizeof VISIBILITY[0]; i++)
        if (strcmp(VISIBILITY[i].field, field) == 0)
            return &VISIBILITY[i];
    return NULL;
}

static shown field_shown(unsigned r, const char *field)
{
    const struct visibility *v = rule_of(field);
    if (!v)
        return SHOWN_NONE;
    if (r & v->full)
        return SHOWN_FULL;
    return (r & v->masked) ? SHOWN_MASKED : SHOWN_NONE;
}

int resident_field_visible(unsigned r, const char *field)
{
    if (strncmp(field, "tag:", 4) == 0 && !rule_of(field))
        return 1;   /* tags the table does not name go to every reader */
    return field_shown(r, field) != SHOWN_NONE;
}

int resident_field_full(unsigned r, const char *field)
{
    if (strcmp(field, "id_number") == 0 || strcmp(field, "birth_date") == 0)
        return (r & ROLES_FULL_ID) != 0;   /* with full_id=1, audited */
    return field_shown(r, field) == SHOWN_FULL;
}

/* How `field` is shown in view o, the request-dependent cases included. */
static shown shown_in(const resident_view_opts *o, const char *field)
{
    if (o->full_id && (o->role & ROLES_FULL_ID) && (strcmp(field, "id_number") == 0 || strcmp(field, "birth_date") == 0))
        return SHOWN_FULL;
    shown s = field_shown(o->role, field);
    if (s == SHOWN_FULL && o->list && strcmp(field, "phone") == 0)
        return SHOWN_MASKED;
    return s;
}

/* ---- values ------------------------------------------------------------------ */

/* "" (a NULL column) → JSON null. */
static json_t *text_or_null(const char *v)
{
    return v[0] ? json_string(v) : json_null();
}

static json_t *id_or_null(int64_t v)
{
    return v > 0 ? json_integer(v) : json_null();
}

/* Sets `field` to v when the view shows it (v stolen either way). */
static void put(json_t *j, const resident_view_opts *o, const char *field, json_t *v)
{
    if (shown_in(o, field) != SHOWN_NONE)
        json_object_set_new(j, field, v);
    else
        json_decref(v);
}

static void put_phone(json_t *j, const resident_view_opts *o, const char *phone)
{
    char masked[32];
    shown s = shown_in(o, "phone");
    if (s == SHOWN_NONE)
        return;
    if (!phone[0])
        json_object_set_new(j, "phone", json_null());
    else
        json_object_set_new(j, "phone", json_string(s == SHOWN_FULL ? phone : phone_mask(phone, masked, sizeof masked)));
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

/* The exact age needs the birth date, so it goes only with it; other
 * views get the age reached this year (this year − birth year), which
 * tells no more than the birth year — an exact age would give the
 * birthday away on the day it changes. */
static int age_of(const char *birth, int exact, int today_ymd)
{
    int y, m, d;
    if (sscanf(birth, "%d-%d-%d", &y, &m, &d) != 3)
        return 0;
    int t = today(today_ymd);
    int age = t / 10000 - y;
    if (exact && (t % 10000) < m * 100 + d)
        age--;
    return age < 0 ? 0 : age;
}

json_t *resident_json(const resident *r, const resident_view_opts *o)
{
    char masked[19];
    int full_id = shown_in(o, "id_number") == SHOWN_FULL;
    json_t *j = json_object();
    put(j, o, "id", json_integer(r->id));
    put(j, o, "id_number", json_string(full_id ? r->id_number : idcard_mask(r->id_number, masked)));
    json_object_set_new(j, "id_number_masked", json_boolean(!full_id));
    put(j, o, "name", json_string(r->name));
    put(j, o, "sex", json_string(r->sex));
    put(j, o, "birth_date", json_string(r->birth_date));
    put(j, o, "birth_year", json_integer(atoi(r->birth_date)));
    put(j, o, "age", json_integer(age_of(r->birth_date, full_id, o->today_ymd)));
    put(j, o, "household_id", json_integer(r->household_id));
    put(j, o, "household_code", json_string(r->household_code));
    put(j, o, "grid_id", json_integer(r->grid_id));
    put(j, o, "grid_name", json_string(r->grid_name));
    put(j, o, "relation", json_string(r->relation));
    put_phone(j, o, r->phone);
    put(j, o, "hukou_type", text_or_null(r->hukou_type));
    put(j, o, "residence_status", text_or_null(r->residence_status));
    put(j, o, "employment", text_or_null(r->employment));
    put(j, o, "disability_type", text_or_null(r->disability_type));
    put(j, o, "disability_grade", id_or_null(r->disability_grade));
    put(j, o, "party_member", json_boolean(r->party_member));
    put(j, o, "status", json_string(r->status));
    put(j, o, "status_date", text_or_null(r->status_date));
    put(j, o, "notes", text_or_null(r->notes));
    put(j, o, "created_at", json_string(r->created_at));
    put(j, o, "updated_at", json_string(r->updated_at));
    put(j, o, "version", json_integer(r->version));
    json_t *tags = json_array();
    char key[48];
    for (size_t i = 0; i < r->ntags; i++) {
        snprintf(key, sizeof key, "tag:%s", r->tags[i]);
        /* a tag the table names is shown only to the roles it lists */
        if (!rule_of(key) || shown_in(o, key) != SHOWN_NONE)
            json_array_append_new(tags, json_string(r->tags[i]));
    }
    put(j, o, "tags", tags);
    return j;
}

json_t *household_json(const household *h, const resident_view_opts *o)
{
    json_t *j = json_object();
    put(j, o, "id", json_integer(h->id));
    put(j, o, "code", json_string(h->code));
    put(j, o, "grid_id", json_integer(h->grid_id));
    put(j, o, "grid_name", json_string(h->grid_name));
    put(j, o, "building_id", id_or_null(h->building_id));
    put(j, o, "building_name", text_or_null(h->building_name));
    put(j, o, "address", json_string(h->address));
    put(j, o, "registered_address", text_or_null(h->registered_address));
    put(j, o, "actual_address", text_or_null(h->actual_address));
    put_phone(j, o, h->phone);
    put(j, o, "head_resident_id", id_or_null(h->head_resident_id));
    put(j, o, "head_name", text_or_null(h->head_name));
    put(j, o, "notes", text_or_null(h->notes));
    put(j, o, "status", json_string(h->status));
    put(j, o, "created_at", json_string(h->created_at));
    put(j, o, "updated_at", json_string(h->updated_at));
    put(j, o, "member_count", json_integer(h->member_count));
    put(j, o, "version", json_integer(h->version));
    return j;
}
