/* enterprise.h — enterprises and places under safety inspection (生产
 * 经营单位和场所), their inspection plans and their inspections.
 *
 * Owns: the SQL of safety_enterprise and safety_inspection (migration
 * 0027) and their rules: the kinds of place, the plan's frequency and
 * the next due date it gives, the contact's phone encrypted at rest.
 * No HTTP: safety_api.c translates. Writes run inside the caller's
 * transaction; refusals come back through ms_err. */
#ifndef MS_SAFETY_ENTERPRISE_H
#define MS_SAFETY_ENTERPRISE_H

#include <stdint.h>

#include "core/actor.h"
#include "core/err.h"
#include "core/fieldcrypt.h"
#include "storage/db.h"

#define ENT_NAME_CHARS 100
#define ENT_ADDRESS_CHARS 200
#define ENT_TEXT_CHARS 2000      /* findings, descriptions: at most this many characters */

/* 工业企业, 商铺, 餐饮, 出租屋, 三小场所, 建筑工地, 加油站, 人员密集场所, 其他 (NULL-terminated). */
extern const char *const ENTERPRISE_KINDS[];
/* 合格, 发现隐患, 责令停业整顿 (NULL-terminated). */
extern const char *const INSPECTION_RESULTS[];

typedef struct enterprise {
    int64_t id;
    char name[ENT_NAME_CHARS * 4 + 1];
    char kind[32];
    char address[ENT_ADDRESS_CHARS * 4 + 1];
    int64_t grid_id, community_id;
    char org_path[256];              /* the grid's path */
    char grid_name[128], community_name[128];
    char contact_name[204];
    char phone[40];                  /* decrypted; "" = none */
    char frequency[16];              /* monthly | quarterly | half_yearly */
    char plan_from[11], last_inspected_on[11], next_due_on[11];
    int active;
    int64_t version;
    char created_at[20], updated_at[20];
} enterprise;

/* What a create or an update gives: NULL (or active -1, grid_id 0) =
 * not given; an update changes only what is given. */
typedef struct enterprise_in {
    const char *name, *kind, *address, *contact_name, *contact_phone, *frequency, *plan_from;
    int64_t grid_id;
    int active;
    int64_t if_version;              /* 0 = no If-Match */
} enterprise_in;

/* The columns and joins enterprise_from_row reads; ENTERPRISE_FROM alone for a list's count. */
#define ENTERPRISE_FROM \
    " FROM safety_enterprise e JOIN org_unit g ON g.id = e.grid_id JOIN org_unit gc ON gc.id = e.community_id"
#define ENTERPRISE_SELECT                                                                                        \
    "SELECT e.id, e.name, e.kind, e.address, e.grid_id, e.community_id, e.org_path, g.name, gc.name,"           \
    " e.contact_name, e.phone_enc, e.frequency, e.plan_from, e.last_inspected_on, e.next_due_on, e.active,"    \
    " e.version, e.created_at, e.updated_at" ENTERPRISE_FROM
void enterprise_from_row(db_stmt *s, enterprise *out);

/* 1 when s (NULL counts as "") has min..max characters and no control
 * or markup characters (text_is_clean; multiline: newlines allowed). */
int safety_text_ok(const char *s, long min, long max, int multiline);

/* The grid grid_id, open and in who's scope, into *g: 0, or -1 with
 * ERR_NOT_FOUND, ERR_INVALID (not a grid), ERR_CONFLICT (closed) naming
 * "grid_id", or ERR_DB. Where an enterprise or a place not registered is. */
struct org_unit;
int safety_grid_in_scope(db_conn *db, const actor *who, int64_t grid_id, struct org_unit *g, ms_err *err);

/* Enterprise id into out: 0, 1 when there is none, -1 on a database error. */
int enterprise_get(db_conn *db, int64_t id, enterprise *out);

/* Registers an enterprise in a grid of who's scope: its id, or -1 with
 * ERR_INVALID (field), ERR_NOT_FOUND (grid_id), ERR_DB. */
int64_t enterprise_create(db_conn *db, const actor *who, const enterprise_in *in, ms_err *err);

/* Changes what `in` gives of enterprise id (re-read inside the
 * transaction into *before, the audit's before-image). A move to another
 * grid is refused while a hazard of it is not 销号 (its case stays under
 * the grid it was found in). 0, or -1 with ERR_INVALID, ERR_NOT_FOUND,
 * ERR_CONFLICT, ERR_STALE, ERR_DB. */
int enterprise_update(db_conn *db, const actor *who, int64_t id, const enterprise_in *in, enterprise *before,
                      ms_err *err);

/* The Chinese name of a frequency (按月, 按季度, 按半年), or the code. */
const char *frequency_label(const char *frequency);

/* The date the next inspection is due: base + the plan's period (1, 3
 * or 6 months; the day kept, or the month's last when it has fewer). */
void enterprise_next_due(const char *frequency, const char *base, char out[static 11]);

/* One inspection. */
typedef struct inspection {
    int64_t id, enterprise_id;
    char enterprise_name[ENT_NAME_CHARS * 4 + 1];
    char org_path[256];
    char inspected_on[11];
    char inspectors[512];
    char *findings;                  /* owned: inspection_release */
    char result[32];
    int64_t hazards;                 /* hazards registered from it */
    char created_at[20];
} inspection;

typedef struct inspection_in {
    int64_t enterprise_id;
    const char *inspected_on, *inspectors, *findings, *result;
} inspection_in;

#define INSPECTION_FROM " FROM safety_inspection i JOIN safety_enterprise e ON e.id = i.enterprise_id"
#define INSPECTION_SELECT                                                                                      \
    "SELECT i.id, i.enterprise_id, e.name, i.org_path, i.inspected_on, i.inspectors, i.findings, i.result,"  \
    " (SELECT COUNT(*) FROM safety_hazard h WHERE h.inspection_id = i.id), i.created_at" INSPECTION_FROM
void inspection_from_row(db_stmt *s, inspection *out);
void inspection_release(inspection *i);
int inspection_get(db_conn *db, int64_t id, inspection *out);

/* Records an inspection of an active enterprise in who's scope and moves
 * its plan on (last_inspected_on, next_due_on). Its id, or -1 with
 * ERR_INVALID (field), ERR_NOT_FOUND, ERR_CONFLICT (enterprise closed),
 * ERR_DB. */
int64_t inspection_create(db_conn *db, const actor *who, const inspection_in *in, ms_err *err);

/* Why a list of person names joined with "、" (inspectors, re-checkers)
 * is refused, in Chinese (the first bad name's person_name_problem, or
 * an empty list), or NULL when each is a valid name. */
const char *person_names_problem(const char *joined);

/* The safety_enterprise.phone column for app/fieldkeys.c's passes. */
extern const fc_column_sql enterprise_phone_crypt;

#endif
