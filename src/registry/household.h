/* household.h — households: the record, loading it, and every change to
 * it after it is registered (create, update, move to another grid with
 * its members, close when it leaves the street).
 *
 * Owns: the household table's SELECT and UPDATE SQL, and what a move or
 * a closing does to the members (their grid, their status, one history
 * row each). Inserts go through registry_writer (registry.h); history
 * rows through history.h. Functions take the caller's open transaction;
 * none audits or replies. Scope is the caller's check. */
#ifndef MS_HOUSEHOLD_H
#define MS_HOUSEHOLD_H

#include <stdint.h>

#include "core/actor.h"
#include "core/err.h"
#include "core/fieldcrypt.h"
#include "registry/registry.h"
#include "storage/db.h"

/* A household as stored. Text fields are "" when the column is NULL. */
typedef struct household {
    int64_t id;
    char code[64];
    int64_t grid_id;
    char grid_name[128];
    int64_t community_id;          /* the grid's community (0 when none) */
    char community_name[128];
    char grid_path[256];            /* the grid's org path: what scope is checked against */
    int64_t building_id;            /* 0 = none */
    char building_name[128];
    char address[808];
    char registered_address[808];
    char actual_address[808];
    char phone[40];
    int64_t head_resident_id;       /* 0 = none */
    char head_name[208];
    char notes[2048];
    char status[16];                /* active | closed */
    char created_at[20], updated_at[20];
    int64_t member_count;           /* active members */
    int64_t version;                /* incremented by every write (If-Match / ETag) */
} household;

/* The one SELECT list for households (callers append WHERE …), the
 * COUNT over the same joins, and the row reader. */
#define HOUSEHOLD_SELECT                                                                       \
    "SELECT h.id, h.code, h.grid_id, g.name, g.path, h.building_id, b.name, h.address,"      \
    " h.registered_address, h.actual_address, h.phone_enc, h.head_resident_id, hr.name, h.notes," \
    " h.status, h.created_at, h.updated_at,"                                                  \
    " (SELECT COUNT(*) FROM resident m WHERE m.household_id = h.id AND m.status = 'active'),"  \
    " h.version, gc.id, gc.name"                                                               \
    " FROM household h JOIN org_unit g ON g.id = h.grid_id"                                   \
    " LEFT JOIN org_unit gc ON gc.id = g.parent_id AND gc.kind = 'community'"                 \
    " LEFT JOIN org_unit b ON b.id = h.building_id LEFT JOIN resident hr ON hr.id = h.head_resident_id"
#define HOUSEHOLD_COUNT "SELECT COUNT(*) FROM household h JOIN org_unit g ON g.id = h.grid_id"

void household_from_row(db_stmt *s, household *out);

/* Loads household `id`: 0 found, 1 absent, -1 database error. */
int household_get(db_conn *db, int64_t id, household *out);

/* Registers a household (input checked with household_input_check; the
 * grid and building are the caller's scope checks) and its 'created'
 * history row. in->code NULL: the next free number of the grid is
 * issued (household_code_next; a number taken meanwhile is retried with
 * the next one). A code given passes household_code_check. Returns 0
 * with *id_out, or -1 (409 on a taken 户编号). */
int household_create(db_conn *db, const actor *who, const household_input *in, int64_t *id_out, ms_err *err);

/* ---- household numbers (户编号) ----------------------------------------------
 * The system's numbers are "<grid code>-<serial>": the serial has 4
 * digits (0001 …; more past 9999) and is the next free one in the grid,
 * counting the grid's current numbers and its former ones (a number is
 * never issued twice). A household moved to another grid gets a number
 * of that grid; the old one goes to household_former_code (migration
 * 0016) with the time it was in use, and still finds the household.
 * Numbers given by an import or the API are kept as they are (legacy
 * numbering is allowed), unless they are in the system's format for
 * another grid or are another household's former number. */
#define HOUSEHOLD_SERIAL_DIGITS 4

/* The refusals of a given number (printf formats: the number, and the
 * grid code its format names), for household_code_check and the
 * import's row errors. */
#define HOUSEHOLD_CODE_OTHER_GRID_MSG "户编号“%s”以网格“%s”的编码开头，与所属网格不符"
#define HOUSEHOLD_CODE_FORMER_MSG "户编号“%s”是另一户的曾用编号，不能再用"

/* "<grid_code>-<serial, at least 4 digits>" into out: 0, or -1 when it does not fit. */
int household_code_format(const char *grid_code, int64_t serial, char *out, size_t outsz);

/* When code is in the system's format ("<prefix>-<4 or more digits>"),
 * the prefix (the grid code it names) into prefix and the serial as the
 * result; 0 (prefix "") when it is not. */
int64_t household_code_parse(const char *code, char *prefix, size_t prefixsz);

/* The next free number of grid grid_id into out: 0, or -1 (ERR_DB). */
int household_code_next(db_conn *db, int64_t grid_id, char out[64], ms_err *err);

/* A given number for a household of grid grid_id: refused (ERR_INVALID
 * on "code") when it is in the system's format for another existing
 * grid, ERR_CONFLICT when it is a former number of a household. 0 or -1. */
int household_code_check(db_conn *db, const char *code, int64_t grid_id, ms_err *err);

/* The household that had `code` before (household_former_code): 0 with
 * *household_id and valid_to ("YYYY-MM-DD HH:MM:SS"), 1 none, -1 error. */
int household_code_former(db_conn *db, const char *code, int64_t *household_id, char valid_to[20]);

/* The changes below read the household inside the caller's transaction,
 * check their rules on that row and return it in *before (the audit
 * before-image; may be NULL). if_version, when not 0, is the version the
 * caller last saw (If-Match): another one is refused with ERR_STALE and
 * err->current_version. Every change increments version (and a move or
 * a closing that of each member it changes). */

/* The fields a change sets (household_change.set). */
enum {
    HC_BUILDING = 1 << 0, HC_HEAD = 1 << 1, HC_ADDRESS = 1 << 2, HC_REGISTERED_ADDRESS = 1 << 3,
    HC_ACTUAL_ADDRESS = 1 << 4, HC_PHONE = 1 << 5, HC_NOTES = 1 << 6
};

/* The editable fields of a household; strings may be NULL (= none). */
typedef struct household_change {
    int64_t building_id, head_resident_id;   /* 0 = none */
    const char *address, *registered_address, *actual_address, *phone, *notes;
    unsigned set;                            /* HC_* bits: the others keep the row's values */
} household_change;

/* Sets the fields of c. Checks the input rules and that a new head is
 * an active member (400 on head_resident_id); a new building's grid is
 * the caller's check (it needs scope). */
int household_update(db_conn *db, const actor *who, int64_t id, int64_t if_version, const household_change *c,
                     household *before, ms_err *err);

/* Moves the household (active) and its active members to grid_id, into
 * building_id (0 = none) at address (NULL = unchanged). One history row
 * per member and one for the household. Into another grid, the
 * household gets the next free number of that grid; its number so far
 * is kept in household_former_code. */
int household_move(db_conn *db, const actor *who, int64_t id, int64_t if_version, int64_t grid_id,
                   int64_t building_id, const char *address, household *before, ms_err *err);

/* Closes the household (it left the street) on date: its active members
 * become moved_out, each with a history row and a stop flag
 * (resident_event_flag, as resident_set_status leaves). */
int household_close(db_conn *db, const actor *who, int64_t id, int64_t if_version, const char *date,
                    const char *note, household *before, ms_err *err);

/* ---- encryption at rest ----------------------------------------------------- */

/* The stored form of household id's phone (NULL/"" → ""): 0, or -1 without a key. */
int household_encrypt_phone(int64_t id, const char *phone, char out[FC_STORED_MAX]);

/* The household.phone column for app/fieldkeys.c's passes. */
extern const fc_column_sql household_phone_crypt;

#endif
