/* relative.h — the close-relative registry (近亲属备案) of street staff,
 * community cadres and 低保 handlers, and the conflict-of-interest rule
 * built on it (回避): a staff account may take no step on an assistance
 * case whose household holds a relative registered against it. Matched
 * by the ID number's blind index, never by name.
 *
 * Owns: the assistance_relative table (migration 0022): its rows (the
 * relative's ID number encrypted as column "assistance_relative.
 * relative_id", its blind index FC_ID_NUMBER under the newest key — the
 * index resident.id_number_bidx has), the conflict notes it leaves on
 * cases (assistance_case.conflict_note), the 近亲属备案 report, and the
 * column's pass for key rotation (app/fieldkeys.c).
 *
 * Writes run in the caller's open transaction and write their own audit
 * rows for the case notes they change (the caller audits the row). */
#ifndef MS_ASSIST_RELATIVE_H
#define MS_ASSIST_RELATIVE_H

#include <stddef.h>
#include <stdint.h>

#include "core/actor.h"
#include "core/err.h"
#include "core/fieldcrypt.h"
#include "storage/db.h"

/* 1 when `who` has a registered (not removed) close relative among the
 * people of assistance case case_id — the residents of its household,
 * the members its investigation recorded, its applicant — with the
 * reason, in Chinese, in why; 0 when not (and always for the command
 * line, id 0); -1 on a database error. The workflow's conflict hook. */
int relative_conflict(db_conn *db, int64_t case_id, const actor *who, char *why, size_t whysz);

/* What a registration names. relative_id_number must be normalised
 * (idcard_normalize); relative_add validates everything. */
typedef struct relative_input {
    int64_t staff_user_id;          /* 0 = no account */
    const char *staff_name, *staff_post;
    int64_t staff_unit_id;
    const char *relative_name, *relation, *relative_id_number, *registered_on;
} relative_input;

/* A row as the lists show it: the ID number masked only. */
typedef struct relative_row {
    int64_t id, staff_user_id, staff_unit_id;
    char staff_name[128], staff_post[32], staff_unit_name[128], staff_unit_path[256];
    char relative_name[128], relation[32], registered_on[11];
    char id_masked[19];
    char created_at[20], removed_at[20], remove_reason[512];
    int64_t resident_id;            /* the registered resident with that ID number, 0 = none */
} relative_row;

/* The choices of staff_post and relation, NULL-terminated, and as text
 * for messages ("街道工作人员、社区干部、…"). */
extern const char *const RELATIVE_POSTS[];
extern const char *const RELATIVE_RELATIONS[];

/* Validates and stores a registration, then sets the conflict note of
 * every open case whose people hold the relative (audited as `who`
 * from ip). The staff account and unit must already be checked for
 * scope by the caller. Returns the new id, or -1 with *err (400 naming
 * the field). */
int64_t relative_add(db_conn *db, const actor *who, const char *ip, const relative_input *in, ms_err *err);

/* Loads row id: 0, 1 when there is none, -1 on a database error. */
int relative_get(db_conn *db, int64_t id, relative_row *out);

/* Ends registration id (removed_at; the row stays) with its reason and
 * recomputes the notes of the cases it touched (cleared where no other
 * registration holds). 0, or -1 with *err (409 already removed). */
int relative_remove(db_conn *db, const actor *who, const char *ip, int64_t id, const char *reason, ms_err *err);

/* The longest conflict note, in bytes with its NUL: the note names each
 * registration in force (staff post, name, relation, relative), as many
 * as fit. */
#define RELATIVE_NOTE_MAX 1024

/* Recomputes assistance_case.conflict_note of case case_id from the
 * registrations in force ("该户有工作人员近亲属备案（社区干部 吴干部 的配偶
 * 周家属），经办时相关人员须回避"; NULL when none), audited as `who` when it
 * changes: called when a registration is added or removed, and by
 * case_create for the new case. Sets *changed when non-NULL. 0, or -1
 * on a database error. */
int relative_case_note_refresh(db_conn *db, const actor *who, const char *ip, int64_t case_id, int *changed);

/* The registry's rows in scope (a unit path prefix: the staff unit's
 * path), for the list: the SQL's FROM and the columns relative_from_row
 * reads, to which the list adds its filters. */
#define RELATIVE_SELECT                                                                                 \
    "SELECT r.id, r.staff_user_id, r.staff_unit_id, r.staff_name, r.staff_post, u.name, u.path, "      \
    "       r.relative_name, r.relation, r.registered_on, r.relative_id_enc, r.created_at, r.removed_at, " \
    "       r.remove_reason, (SELECT x.id FROM resident x WHERE x.id_number_bidx = r.relative_id_bidx) "   \
    "  FROM assistance_relative r JOIN org_unit u ON u.id = r.staff_unit_id "
#define RELATIVE_FROM "FROM assistance_relative r JOIN org_unit u ON u.id = r.staff_unit_id "
void relative_from_row(db_stmt *s, relative_row *out);

/* One line of the 近亲属备案 report: a registered relative who is the
 * applicant or a member (the household's residents, the investigation's
 * members) of an open or active case. */
typedef struct relative_hit {
    relative_row rel;
    int64_t case_id, household_id;
    char programme[64], state[24], org_path[256];
    char role[16];                  /* applicant | member */
    int64_t amount_fen;             /* -1 = not decided yet */
} relative_hit;

/* Calls fn for every line of the report whose case lies under
 * scope_path, ordered by registration and case. 0, or -1. */
int relative_report(db_conn *db, const char *scope_path, void (*fn)(const relative_hit *h, void *ctx), void *ctx);

/* The report's second part: the open cases under scope_path that carry
 * a conflict note. */
typedef struct relative_flagged {
    int64_t case_id, amount_fen;    /* amount_fen -1 = not decided yet */
    char programme[64], state[24], org_path[256], applicant[128];
    char note[RELATIVE_NOTE_MAX];
} relative_flagged;
int relative_flagged_cases(db_conn *db, const char *scope_path, void (*fn)(const relative_flagged *f, void *ctx),
                           void *ctx);

/* The key-rotation pass and status of assistance_relative.relative_id
 * (app/fieldkeys.c): re-encrypts under the newest generation and
 * recomputes the blind index from the decrypted number. */
int relative_crypt_pass(db_conn *db, int64_t *cursor, int limit);
int relative_crypt_status(db_conn *db, crypt_status *out);

#endif
