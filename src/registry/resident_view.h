/* resident_view.h — how a resident row becomes JSON, shared by the
 * resident routes, household members and exports.
 *
 * RESIDENT_SELECT is the one SELECT list for residents; callers append
 * WHERE/ORDER/LIMIT and read rows with resident_row_json. */
#ifndef MS_RESIDENT_VIEW_H
#define MS_RESIDENT_VIEW_H

#include <jansson.h>
#include <stdint.h>

#include "storage/db.h"

#define RESIDENT_SELECT                                                                          \
    "SELECT r.id, r.id_number, r.name, r.sex, r.birth_date, r.household_id, h.code, r.grid_id,"  \
    " g.name, r.relation, r.phone, r.hukou_type, r.residence_status, r.employment,"              \
    " r.disability_type, r.disability_grade, r.party_member, r.status, r.status_date, r.notes,"  \
    " r.created_at, r.updated_at, g.path,"                                                       \
    " (SELECT group_concat(t.tag) FROM resident_tag t WHERE t.resident_id = r.id)"               \
    " FROM resident r JOIN household h ON h.id = r.household_id JOIN org_unit g ON g.id = r.grid_id"

/* Column index of g.path in RESIDENT_SELECT (the resident's grid path). */
#define RESIDENT_COL_PATH 22

typedef struct resident_view_opts {
    int full_id;      /* show the unmasked ID number */
    int full_phone;   /* show the unmasked phone */
    int today_ymd;    /* for "age"; 0 = today */
} resident_view_opts;

/* Builds the resident object (see docs/api.md) from the current row. */
json_t *resident_row_json(db_stmt *s, const resident_view_opts *o);

/* Loads one resident by id. Returns 0 with *out (caller decrefs) and the
 * grid path in path_out (256 bytes), or -1 when absent. */
int resident_load(db_conn *db, int64_t id, const resident_view_opts *o, json_t **out, char *path_out);

#endif
