/* resident_view.c — resident and household structs as JSON, with the
 * visibility table (see resident_view.h). */
#include "registry/resident_view.h"
#include "registry/derived.h"
#include "util/idcard.h"
#include "util/jsonw.h"
#include "util/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
 * for every role. A field missing from the table is shown to nobody.
 * The writers below name fields by their index here, so a row costs no
 * lookups by name. */
typedef enum field {
    F_ID, F_ID_NUMBER, F_ID_KIND, F_BIRTH_DATE, F_BIRTH_YEAR, F_AGE, F_AGE_BAND, F_NAME, F_SEX, F_HOUSEHOLD_ID, F_HOUSEHOLD_CODE,
    F_GRID_ID, F_GRID_NAME, F_COMMUNITY_ID, F_COMMUNITY_NAME, F_RELATION, F_PHONE, F_HUKOU_TYPE, F_RESIDENCE_STATUS, F_EMPLOYMENT,
    F_DISABILITY_TYPE, F_DISABILITY_GRADE, F_PARTY_MEMBER, F_STATUS, F_STATUS_DATE, F_NOTES, F_TAGS,
    F_TAG_RELEASED_PRISONER, F_CREATED_AT, F_UPDATED_AT, F_VERSION,
    F_CODE, F_BUILDING_ID, F_BUILDING_NAME, F_ADDRESS, F_REGISTERED_ADDRESS, F_ACTUAL_ADDRESS,
    F_HEAD_RESIDENT_ID, F_HEAD_NAME, F_MEMBER_COUNT,
    F_COUNT
} field_id;

static const struct visibility {
    const char *field;
    unsigned full;     /* roles that get the stored value */
    unsigned masked;   /* roles that get it masked */
} VISIBILITY[F_COUNT] = {
    /* resident */
    [F_ID] =               {"id",               READERS,                0},
    [F_ID_NUMBER] =        {"id_number",        0,                      READERS},        /* full with full_id=1 */
    [F_ID_KIND] =          {"id_kind",          READERS,                0},              /* the document (util/idcard.h) */
    [F_BIRTH_DATE] =       {"birth_date",       0,                      0},              /* only with full_id=1 */
    [F_BIRTH_YEAR] =       {"birth_year",       READERS,                0},
    [F_AGE] =              {"age",              READERS,                0},              /* by birth year unless full_id=1 */
    [F_AGE_BAND] =         {"age_band",         READERS,                0},              /* 70+/80+/90+/100+: what 高龄 says */
    [F_NAME] =             {"name",             READERS,                0},
    [F_SEX] =              {"sex",              READERS,                0},
    [F_HOUSEHOLD_ID] =     {"household_id",     READERS,                0},
    [F_HOUSEHOLD_CODE] =   {"household_code",   READERS,                0},
    [F_GRID_ID] =          {"grid_id",          READERS,                0},
    [F_GRID_NAME] =        {"grid_name",        READERS,                0},
    [F_COMMUNITY_ID] =     {"community_id",     READERS,                0},   /* the grid's community */
    [F_COMMUNITY_NAME] =   {"community_name",   READERS,                0},
    [F_RELATION] =         {"relation",         READERS,                0},
    [F_PHONE] =            {"phone",            STAFF,                  ROLE_AUDITOR},   /* lists: masked for staff too */
    [F_HUKOU_TYPE] =       {"hukou_type",       READERS,                0},
    [F_RESIDENCE_STATUS] = {"residence_status", READERS,                0},
    [F_EMPLOYMENT] =       {"employment",       READERS,                0},
    [F_DISABILITY_TYPE] =  {"disability_type",  STAFF | ROLE_AUDITOR,   0},
    [F_DISABILITY_GRADE] = {"disability_grade", STAFF | ROLE_AUDITOR,   0},
    [F_PARTY_MEMBER] =     {"party_member",     READERS,                0},
    [F_STATUS] =           {"status",           READERS,                0},
    [F_STATUS_DATE] =      {"status_date",      READERS,                0},
    [F_NOTES] =            {"notes",            STAFF | ROLE_AUDITOR,   0},
    [F_TAGS] =             {"tags",             READERS,                0},
    [F_TAG_RELEASED_PRISONER] = {"tag:released_prisoner", STAFF | ROLE_AUDITOR, 0},      /* 刑释解教 */
    [F_CREATED_AT] =       {"created_at",       READERS,                0},
    [F_UPDATED_AT] =       {"updated_at",       READERS,                0},
    [F_VERSION] =          {"version",          READERS,                0},
    /* household (phone and notes as above) */
    [F_CODE] =             {"code",             READERS,                0},
    [F_BUILDING_ID] =      {"building_id",      READERS,                0},
    [F_BUILDING_NAME] =    {"building_name",    READERS,                0},
    [F_ADDRESS] =          {"address",          READERS,                0},
    [F_REGISTERED_ADDRESS] = {"registered_address", READERS,            0},
    [F_ACTUAL_ADDRESS] =   {"actual_address",   READERS,                0},
    [F_HEAD_RESIDENT_ID] = {"head_resident_id", READERS,                0},
    [F_HEAD_NAME] =        {"head_name",        READERS,                0},
    [F_MEMBER_COUNT] =     {"member_count",     READERS,                0},
};

static const struct visibility *rule_of(const char *name)
{
    for (size_t i = 0; i < F_COUNT; i++)
        if (strcmp(VISIBILITY[i].field, name) == 0)
            return &VISIBILITY[i];
    return NULL;
}

static shown rule_shown(unsigned r, const struct visibility *v)
{
    if (!v)
        return SHOWN_NONE;
    if (r & v->full)
        return SHOWN_FULL;
    return (r & v->masked) ? SHOWN_MASKED : SHOWN_NONE;
}

static shown field_shown(unsigned r, const char *name)
{
    return rule_shown(r, rule_of(name));
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

/* How field f is shown in view o, the request-dependent cases included. */
static shown shown_in(const resident_view_opts *o, field_id f)
{
    if (o->full_id && (o->role & ROLES_FULL_ID) && (f == F_ID_NUMBER || f == F_BIRTH_DATE))
        return SHOWN_FULL;
    shown s = rule_shown(o->role, &VISIBILITY[f]);
    if (s == SHOWN_FULL && o->list && f == F_PHONE)
        return SHOWN_MASKED;
    return s;
}

/* Whether tag `code` goes to view o: a tag the table names ("tag:…")
 * only to the roles it lists, any other to every reader. */
static int tag_shown(const resident_view_opts *o, const char *code)
{
    for (size_t i = 0; i < F_COUNT; i++)
        if (strncmp(VISIBILITY[i].field, "tag:", 4) == 0 && strcmp(VISIBILITY[i].field + 4, code) == 0)
            return shown_in(o, (field_id)i) != SHOWN_NONE;
    return 1;
}

/* ---- where the fields go ---------------------------------------------------- */

/* The fields of one object go either into a jansson object (audit
 * images, write replies) or straight into a streaming writer (the
 * lists and views on the hot paths): the same calls, in the same
 * order, decide both, so the two can never differ in what a role sees
 * (tests/unit/test_resident_view.c compares them). Each put_* writes
 * field f only when view o shows it. */
typedef struct sink {
    json_t *obj;                   /* NULL when writing to w */
    jsonw *w;
    const resident_view_opts *o;
} sink;

static int shows(const sink *k, field_id f)
{
    return shown_in(k->o, f) != SHOWN_NONE;
}

/* A jansson string for v; bytes that are not UTF-8 (which json_string
 * refuses, and which would drop the field) become '?', as jsonw writes
 * them. */
static json_t *string_scrubbed(const char *v)
{
    json_t *j = json_string(v);
    if (!j) {
        char *copy = strdup(v);
        if (!copy)
            return json_null();
        utf8_scrub(copy);
        j = json_string(copy);
        free(copy);
    }
    return j;
}

/* String field; NULL → null. */
static void put_str(const sink *k, field_id f, const char *v)
{
    if (!shows(k, f))
        return;
    if (k->w) {
        jsonw_key(k->w, VISIBILITY[f].field);
        jsonw_str(k->w, v);
    } else {
        json_object_set_new(k->obj, VISIBILITY[f].field, v ? string_scrubbed(v) : json_null());
    }
}

/* "" (a NULL column) → null. */
static void put_text(const sink *k, field_id f, const char *v)
{
    put_str(k, f, v[0] ? v : NULL);
}

static void put_int(const sink *k, field_id f, int64_t v)
{
    if (!shows(k, f))
        return;
    if (k->w) {
        jsonw_key(k->w, VISIBILITY[f].field);
        jsonw_int(k->w, v);
    } else {
        json_object_set_new(k->obj, VISIBILITY[f].field, json_integer(v));
    }
}

/* An id that is 0 when there is none → null. */
static void put_id(const sink *k, field_id f, int64_t v)
{
    if (v > 0)
        put_int(k, f, v);
    else
        put_str(k, f, NULL);
}

static void put_bool_as(const sink *k, const char *name, int v)
{
    if (k->w) {
        jsonw_key(k->w, name);
        jsonw_bool(k->w, v);
    } else {
        json_object_set_new(k->obj, name, json_boolean(v));
    }
}

static void put_bool(const sink *k, field_id f, int v)
{
    if (shows(k, f))
        put_bool_as(k, VISIBILITY[f].field, v);
}

static void put_phone(const sink *k, const char *phone)
{
    char masked[32];
    shown s = shown_in(k->o, F_PHONE);
    if (s == SHOWN_NONE)
        return;
    put_str(k, F_PHONE, !phone[0] ? NULL : s == SHOWN_FULL ? phone : phone_mask(phone, masked, sizeof masked));
}

/* The tags array: only the tags the view shows. */
static void put_tags(const sink *k, const resident *r)
{
    if (!shows(k, F_TAGS))
        return;
    json_t *arr = k->w ? NULL : json_array();
    if (k->w) {
        jsonw_key(k->w, VISIBILITY[F_TAGS].field);
        jsonw_arr_begin(k->w);
    }
    for (size_t i = 0; i < r->ntags; i++) {
        if (!tag_shown(k->o, r->tags[i]))
            continue;
        if (k->w)
            jsonw_str(k->w, r->tags[i]);
        else
            json_array_append_new(arr, json_string(r->tags[i]));
    }
    if (k->w)
        jsonw_arr_end(k->w);
    else
        json_object_set_new(k->obj, VISIBILITY[F_TAGS].field, arr);
}

/* The exact age needs the birth date, so it goes only with it; other
 * views get the age reached this year (this year − birth year), which
 * tells no more than the birth year — an exact age would give the
 * birthday away on the day it changes. Both stop at death (derived.h). */
static int age_of(const char *birth, const char *death, int exact, int today_ymd)
{
    int age = exact ? derived_age(birth, death, today_ymd) : derived_age_reached(birth, death, today_ymd);
    return age < 0 ? 0 : age;
}

/* Every field of resident r that view k->o shows, in the API's order. */
static void resident_fields(const sink *k, const resident *r)
{
    char masked[19];
    int full_id = shown_in(k->o, F_ID_NUMBER) == SHOWN_FULL;
    put_int(k, F_ID, r->id);
    put_str(k, F_ID_NUMBER, full_id ? r->id_number : idcard_mask(r->id_number, masked));
    put_bool_as(k, "id_number_masked", !full_id);   /* every view */
    put_text(k, F_ID_KIND, r->id_kind);
    put_str(k, F_NAME, r->name);
    put_str(k, F_SEX, r->sex);
    put_str(k, F_BIRTH_DATE, r->birth_date);
    put_int(k, F_BIRTH_YEAR, atoi(r->birth_date));
    const char *death = strcmp(r->status, "deceased") == 0 ? r->status_date : NULL;
    put_int(k, F_AGE, age_of(r->birth_date, death, full_id, k->o->today_ymd));
    put_str(k, F_AGE_BAND, derived_age_band(age_of(r->birth_date, death, 1, k->o->today_ymd)));
    put_int(k, F_HOUSEHOLD_ID, r->household_id);
    put_str(k, F_HOUSEHOLD_CODE, r->household_code);
    put_int(k, F_GRID_ID, r->grid_id);
    put_str(k, F_GRID_NAME, r->grid_name);
    put_id(k, F_COMMUNITY_ID, r->community_id);
    put_text(k, F_COMMUNITY_NAME, r->community_name);
    put_str(k, F_RELATION, r->relation);
    put_phone(k, r->phone);
    put_text(k, F_HUKOU_TYPE, r->hukou_type);
    put_text(k, F_RESIDENCE_STATUS, r->residence_status);
    put_text(k, F_EMPLOYMENT, r->employment);
    put_text(k, F_DISABILITY_TYPE, r->disability_type);
    put_id(k, F_DISABILITY_GRADE, r->disability_grade);
    put_bool(k, F_PARTY_MEMBER, r->party_member);
    put_str(k, F_STATUS, r->status);
    put_text(k, F_STATUS_DATE, r->status_date);
    put_text(k, F_NOTES, r->notes);
    put_str(k, F_CREATED_AT, r->created_at);
    put_str(k, F_UPDATED_AT, r->updated_at);
    put_int(k, F_VERSION, r->version);
    put_tags(k, r);
}

/* Every field of household h that view k->o shows, in the API's order. */
static void household_fields(const sink *k, const household *h)
{
    put_int(k, F_ID, h->id);
    put_str(k, F_CODE, h->code);
    put_int(k, F_GRID_ID, h->grid_id);
    put_str(k, F_GRID_NAME, h->grid_name);
    put_id(k, F_COMMUNITY_ID, h->community_id);
    put_text(k, F_COMMUNITY_NAME, h->community_name);
    put_id(k, F_BUILDING_ID, h->building_id);
    put_text(k, F_BUILDING_NAME, h->building_name);
    put_str(k, F_ADDRESS, h->address);
    put_text(k, F_REGISTERED_ADDRESS, h->registered_address);
    put_text(k, F_ACTUAL_ADDRESS, h->actual_address);
    put_phone(k, h->phone);
    put_id(k, F_HEAD_RESIDENT_ID, h->head_resident_id);
    put_text(k, F_HEAD_NAME, h->head_name);
    put_text(k, F_NOTES, h->notes);
    put_str(k, F_STATUS, h->status);
    put_str(k, F_CREATED_AT, h->created_at);
    put_str(k, F_UPDATED_AT, h->updated_at);
    put_int(k, F_MEMBER_COUNT, h->member_count);
    put_int(k, F_VERSION, h->version);
}

json_t *resident_json(const resident *r, const resident_view_opts *o)
{
    sink k = {.obj = json_object(), .o = o};
    resident_fields(&k, r);
    return k.obj;
}

void resident_write_json(jsonw *w, const resident *r, const resident_view_opts *o)
{
    jsonw_obj_begin(w);
    resident_fields(&(sink){.w = w, .o = o}, r);
    jsonw_obj_end(w);
}

json_t *household_json(const household *h, const resident_view_opts *o)
{
    sink k = {.obj = json_object(), .o = o};
    household_fields(&k, h);
    return k.obj;
}

void household_write_fields(jsonw *w, const household *h, const resident_view_opts *o)
{
    household_fields(&(sink){.w = w, .o = o}, h);
}

void household_write_json(jsonw *w, const household *h, const resident_view_opts *o)
{
    jsonw_obj_begin(w);
    household_write_fields(w, h, o);
    jsonw_obj_end(w);
}
