/* transfer.h — transfer-in requests (迁入申请): a person registered in
 * one community moves to a household of another, on the receiving
 * side's request and the releasing side's consent.
 *
 * Owns: the case type 'transfer' of the workflow core (its states,
 * transitions and time limit) and the resident_transfer table
 * (migration 0016), one row per case. The rules:
 *
 *   - The receiving side files: a community or grid account, naming the
 *     person by ID number (exact, through the blind index) and an
 *     existing active household in its own scope (the person is put
 *     there on acceptance; a new household is registered first, the
 *     usual way). The case belongs to that household's grid (wf_case.
 *     org_path). A person already in the filer's scope is moved
 *     directly, not by request; one person has at most one open request.
 *   - The releasing side decides: the grid that holds the person, its
 *     community or the street (other_party transitions, checked against
 *     the releasing grid's path at filing). 待审核 has a limit of 5
 *     working days; past it the request is overdue. 拒绝 needs a reason.
 *   - The receiving side may withdraw an open request (撤回).
 *   - Acceptance moves the person into the receiving household in the
 *     same transaction (resident_move_in: history rows; a person marked
 *     迁出 becomes active again). Refused when the person died, left the
 *     household the request named, or is the head of a household that
 *     still has other active members (the releasing side names a new
 *     head first).
 *
 * Functions take the caller's open transaction; the engine writes the
 * case's audit rows, the caller audits the resident's move. */
#ifndef MS_TRANSFER_H
#define MS_TRANSFER_H

#include <stdint.h>

#include "core/actor.h"
#include "core/err.h"
#include "registry/resident.h"
#include "storage/db.h"
#include "workflow/workflow.h"

extern const wf_type transfer_type;

#define TRANSFER_FILE_ROLES   (ROLE_COMMUNITY | ROLE_GRID)
#define TRANSFER_DECIDE_ROLES (ROLE_STREET | ROLE_COMMUNITY | ROLE_GRID)

/* A request as stored, with its case. */
typedef struct transfer {
    wf_case c;
    int64_t resident_id, from_household_id, to_household_id;
    char from_path[256], to_path[256];
    char relation[32];
    char note[2048];
    char person_name[208];          /* the resident's name now */
    char to_household_code[64];
    char to_grid_name[128];
} transfer;

/* A request's row with its case, for transfer_from_row: add the
 * conditions (t, c; the resident r, household h and grid g joined). */
#define TRANSFER_SELECT                                                                                               \
    "SELECT t.case_id, t.resident_id, t.from_household_id, t.from_path, t.to_household_id, t.to_path, t.relation,"   \
    " t.note, r.name, h.code, g.name, " WF_CASE_COLUMNS                                                               \
    " FROM resident_transfer t JOIN wf_case c ON c.id = t.case_id JOIN resident r ON r.id = t.resident_id"            \
    " JOIN household h ON h.id = t.to_household_id JOIN org_unit g ON g.id = h.grid_id"

/* A row of TRANSFER_SELECT into out. */
void transfer_from_row(db_stmt *s, transfer *out);

/* Files a request for the person with ID number id_number (normalized,
 * valid) into household to_household (active, in who's scope: the
 * caller's check, repeated here) with relation (NULL = 其他) and note.
 * Returns the case id, or -1: ERR_NOT_FOUND (ID number not registered;
 * household), ERR_INVALID (already in scope, deceased is not told),
 * ERR_CONFLICT (an open request exists), ERR_FORBIDDEN. */
int64_t transfer_file(db_conn *db, const actor *who, const char *ip, const char *id_number, int64_t to_household,
                      const char *relation, const char *note, ms_err *err);

/* Loads request id: 0 found, 1 absent, -1 error. */
int transfer_get(db_conn *db, int64_t id, transfer *out);

/* 1 when who's scope holds the receiving side, 2 the releasing side, 3 both, 0 neither. */
int transfer_sides(const transfer *t, const actor *who);

/* Takes step `action` (accept | refuse | withdraw) with opinion for who;
 * accept also moves the person (its before-image into *moved, may be
 * NULL). Errors as wf_perform's, and resident_move_in's. */
int transfer_act(db_conn *db, const actor *who, const char *ip, int64_t id, const char *action, const char *opinion,
                 resident *moved, ms_err *err);

/* "张*": the first character and a star, into out. */
void transfer_mask_name(const char *name, char *out, size_t outsz);

#endif
