/* resident.h — residents: the record, loading it, and every change to
 * it after it is registered (create, update, move to another household,
 * status: deceased / moved out / back).
 *
 * Owns: the resident and resident_tag tables' SELECT and UPDATE SQL and
 * the rule of one head per household (relation 户主 and
 * household.head_resident_id kept in step). Inserts go through
 * registry_writer (registry.h), shared with the CSV import and the demo;
 * history rows through history.h. Functions take the caller's open
 * transaction; none of them audits or replies (the caller does). */
#ifndef MS_RESIDENT_H
#define MS_RESIDENT_H

#include <stddef.h>
#include <stdint.h>

#include "core/actor.h"
#include "core/err.h"
#include "core/fieldcrypt.h"
#include "registry/registry.h"
#include "storage/db.h"

/* A resident as stored. Text fields are "" when the column is NULL. */
typedef struct resident {
    int64_t id;
    char id_number[19];
    char name[208];
    char sex[2];                   /* "M" | "F" */
    char birth_date[11];
    int64_t household_id;
    char household_code[64];
    int64_t grid_id;
    char grid_name[128];
    int64_t community_id;          /* the grid's community (0 when the grid hangs elsewhere) */
    char community_name[128];
    char grid_path[256];           /* the grid's org path: what scope is checked against */
    char relation[32];
    char phone[40];
    char hukou_type[16];
    char residence_status[16];
    char employment[32];
    char disability_type[16];
    int disability_grade;          /* 0 = none */
    int party_member;
    char status[16];               /* active | deceased | moved_out */
    char status_date[11];
    char notes[2048];
    char created_at[20], updated_at[20];
    const char *tags[REGISTRY_MAX_TAGS];   /* tag codes (static strings) */
    size_t ntags;
    int64_t version;               /* incremented by every write (If-Match / ETag) */
    char id_kind[32];              /* idcard_kind_code: citizen_id | gat_residence_permit | foreign_permanent_residence */
} resident;

/* The one SELECT list for residents: callers append WHERE / ORDER BY /
 * LIMIT and read rows with resident_from_row, which decrypts the ID
 * number, phone and disability (core/fieldcrypt.h; a value that does not
 * decrypt reads as "" and is reported on stderr). The tags are one
 * comma-separated column in tag-code order (the order of the API's
 * `tags`): SQLite's group_concat reads them along resident_tag's
 * primary key (resident_id, tag); PostgreSQL has string_agg instead and
 * is told the order. So a statement is said with RESIDENT_SQL(db, tail),
 * which picks the engine's text at run time (db_sql); RESIDENT_SELECT
 * alone is SQLite's. */
#define RESIDENT_TAGS_SQLITE "group_concat(t.tag)"
#define RESIDENT_TAGS_PG     "string_agg(t.tag, ',' ORDER BY t.tag)"
#define RESIDENT_SELECT      RESIDENT_SELECT_WITH_(RESIDENT_TAGS_SQLITE)
#define RESIDENT_SELECT_PG   RESIDENT_SELECT_WITH_(RESIDENT_TAGS_PG)
#define RESIDENT_SQL(db, tail) db_sql((db), RESIDENT_SELECT tail, RESIDENT_SELECT_PG tail)
#define RESIDENT_SELECT_WITH_(tags)                                                              \
    "SELECT r.id, r.id_number_enc, r.name, r.sex, r.birth_date, r.household_id, h.code, r.grid_id," \
    " g.name, r.relation, r.phone_enc, r.hukou_type, r.residence_status, r.employment,"          \
    " r.disability_enc, NULL, r.party_member, r.status, r.status_date, r.notes,"                 \
    " r.created_at, r.updated_at, g.path,"                                                       \
    " (SELECT " tags " FROM resident_tag t WHERE t.resident_id = r.id), r.version, gc.id, gc.name,"  \
    " r.id_kind"                                                                                    \
    " FROM resident r JOIN household h ON h.id = r.household_id JOIN org_unit g ON g.id = r.grid_id" \
    " LEFT JOIN org_unit gc ON gc.id = g.parent_id AND gc.kind = 'community'"

void resident_from_row(db_stmt *s, resident *out);

/* How many resident records there are (every status) and how many are
 * active, for what a backup or restore reports. 0 or -1. */
int resident_count(db_conn *db, int64_t *all, int64_t *active);

/* Decrypts the stored ID number, phone and disability of resident row id
 * into out->id_number, phone, disability_type and disability_grade (the
 * export reads its own columns). */
void resident_decrypt_values(int64_t id, const char *id_number_enc, const char *phone_enc, const char *disability_enc,
                             resident *out);

/* The stored ID number of resident row id (resident.id_number_enc)
 * decrypted only to be masked (idcard_mask) into out, the plain number
 * wiped: what lists and pages of other modules show. "" when there is
 * none or it does not decrypt (reported on stderr). Returns out. */
char *resident_id_number_masked(int64_t id, const char *id_number_enc, char out[static 19]);

/* Loads resident `id`: 0 found, 1 absent, -1 database error. */
int resident_get(db_conn *db, int64_t id, resident *out);

/* The resident's current values as an input (strings point into *r), to
 * be overlaid with a change and checked. */
void resident_to_input(const resident *r, resident_input *in);

/* Registers a resident in household_id (which must be active; scope is
 * the caller's check). The input must have passed resident_input_check.
 * Writes the 'created' history row and applies the head rule. Returns
 * 0 with *id_out, or -1 with *err (409 when the ID number is taken). */
int resident_create(db_conn *db, const actor *who, int64_t household_id, const resident_input *in,
                    int64_t *id_out, ms_err *err);

/* The changes below read the resident inside the caller's transaction,
 * check their rules on that row, and return it in *before (the audit
 * before-image; may be NULL). if_version, when not 0, is the version the
 * caller last saw (If-Match): a row with another version is refused with
 * ERR_STALE and err->current_version. Every change increments version. */

/* The fields a change sets (resident_change.set); the others keep the
 * values the row has inside the transaction. */
enum {
    RC_NAME = 1 << 0, RC_RELATION = 1 << 1, RC_PHONE = 1 << 2, RC_HUKOU = 1 << 3, RC_RESIDENCE = 1 << 4,
    RC_EMPLOYMENT = 1 << 5, RC_DISABILITY_TYPE = 1 << 6, RC_DISABILITY_GRADE = 1 << 7, RC_PARTY = 1 << 8,
    RC_NOTES = 1 << 9, RC_TAGS = 1 << 10
};

typedef struct resident_change {
    resident_input in;    /* the new values of the fields in `set` (id_number unused) */
    unsigned set;         /* RC_* bits */
} resident_change;

/* Sets the fields of c on resident id; the result must pass
 * resident_input_check (400 naming the field). */
int resident_update(db_conn *db, const actor *who, int64_t id, int64_t if_version, const resident_change *c,
                    resident *before, ms_err *err);

/* Moves resident id (active) into household `to_household` (active,
 * another household) with relation (NULL = 其他). */
int resident_move(db_conn *db, const actor *who, int64_t id, int64_t if_version, int64_t to_household,
                  const char *relation, resident *before, ms_err *err);

/* A transfer accepted (registry/transfer.c): moves resident id into
 * household to_household with relation, like resident_move, whether it
 * is active or moved out (it becomes active again: a 'reopened' and a
 * 'moved' history row). Refused (ERR_INVALID) when deceased, or when it
 * is the head of a household that has other active members (a new
 * head must be named there first). */
int resident_move_in(db_conn *db, const actor *who, int64_t id, int64_t to_household, const char *relation,
                     resident *before, ms_err *err);

/* Sets status (active | deceased | moved_out) on date (NULL = today)
 * with an optional note. The date of a death or move out may be neither
 * after today (Beijing time) nor before the birth date (400 on "date");
 * each writes a stop flag (resident_event_flag, migration 0018) in the
 * same transaction, for the assistance and pairing modules to act on. */
int resident_set_status(db_conn *db, const actor *who, int64_t id, int64_t if_version, const char *status,
                        const char *date, const char *note, resident *before, ms_err *err);

/* A resident's latest stop flag. */
typedef struct resident_flag {
    int64_t id;
    char event[16], event_date[11], created_at[20], handled_at[20];
} resident_flag;

/* 0 found, 1 none, -1 database error. */
int resident_last_flag(db_conn *db, int64_t resident_id, resident_flag *out);

/* The one-head rule, inside the caller's transaction (so two writers
 * cannot both pass): a resident of household_id whose relation becomes
 * new_relation (from old_relation, NULL for a new member) — at most one
 * active 户主 per household; a new 户主 becomes head of a household that
 * has none; one who stops being 户主 stops being its head. Returns 0 or
 * -1 with *err (400 on relation). Used by the API and the CSV import. */
/* 1 when a resident (of any status, hidden rows of a running import
 * included) has this ID number (by its blind index), 0 when none, -1 on
 * error. */
int resident_id_taken(db_conn *db, const char *id_number);
/* resident_id_taken for up to RESIDENT_TAKEN_BATCH valid, normalized ID
 * numbers at once, in one query (a bulk writer's round trips): taken[i]
 * is 1 or 0 for ids[i]. 0, or -1 on error. */
#define RESIDENT_TAKEN_BATCH 64
int resident_ids_taken(db_conn *db, const char *const *ids, size_t n, unsigned char *taken);

/* The resident (of any status, hidden rows of a running import
 * included) with this ID number into *id: 0 found, 1 none, -1 error. */
int resident_by_id_number(db_conn *db, const char *id_number, int64_t *id);

/* How the unit at org path `path` (a grid's) may be named to a caller
 * with scope scope_path (NULL or "" = everything): PLACE_IN_SCOPE
 * (inside the scope: the unit's own name), PLACE_COMMUNITY (in
 * the caller's street: the name of its community), PLACE_STREET (in
 * another street of the district: the name of its street); -1 on error. */
enum { PLACE_IN_SCOPE = 0, PLACE_COMMUNITY = 1, PLACE_STREET = 2 };
int registry_place_seen(db_conn *db, const char *scope_path, const char *path, char *name, size_t namesz);

/* Where a registered ID number is, said at the level a caller with
 * scope `scope_path` may know (NULL or "" = everything), into out:
 *   inside the scope     该身份证号已登记：网格“G”，户编号 X[，状态为迁出/已故]
 *   in the same street   该身份证号已在××社区登记，可发起迁入申请
 *   in another street    该身份证号已在××街道登记
 * never the name, address or household outside the scope. 0 found, 1
 * not registered, -1 error. The 409 of a new resident and the import's
 * row error say it. */
int resident_where_registered(db_conn *db, const char *scope_path, const char *id_number, char *out, size_t outsz);

/* The check half of the rule: 0 when household_id has no active head
 * other than resident_id, else -1 with *err (400 on relation). */
int resident_head_free(db_conn *db, int64_t household_id, int64_t resident_id, ms_err *err);
int resident_head_rule(db_conn *db, int64_t household_id, int64_t resident_id, const char *old_relation,
                       const char *new_relation, ms_err *err);

/* The conditions that find residents by exact ID number or phone: bind
 * the value's two blind indexes from fc_blinds (one per loaded key
 * generation; the same one twice outside a rotation). */
#define RESIDENT_BY_ID_NUMBER "r.id_number_bidx IN (?, ?)"
#define RESIDENT_BY_PHONE "r.phone_bidx IN (?, ?)"

/* ---- encryption at rest (driven by app/fieldkeys.c) ----------------------- */

/* A resident's stored forms: ciphertexts bound to row id, blind indexes. */
typedef struct resident_cipher {
    char id_number_enc[FC_STORED_MAX], phone_enc[FC_STORED_MAX], disability_enc[FC_STORED_MAX];
    char id_number_bidx[FC_BLIND_HEX], phone_bidx[FC_BLIND_HEX];   /* phone's "" when none */
} resident_cipher;

/* Encrypts the values of resident row `id` (phone, dis_type may be NULL;
 * dis_grade 0 = none) under the newest generation: 0, or -1 without a key.
 * Used by the writer's insert (registry.c) and the passes below. */
int resident_encrypt_values(int64_t id, const char *id_number, const char *phone, const char *dis_type,
                            int dis_grade, resident_cipher *out);

/* Encrypts (rows still in plaintext after migration 0008) or re-encrypts
 * (rows under an older key generation) up to `limit` residents with id >
 * *cursor under the newest generation, with fresh blind indexes, and
 * empties their plaintext; advances *cursor. Inside the caller's
 * transaction. Returns the rows done (0: none left after *cursor), -1 on
 * error (a value that does not decrypt, or the database). */
int resident_crypt_pass(db_conn *db, int64_t *cursor, int limit);

/* Rows in plaintext, under an older generation, under the newest. */
int resident_crypt_status(db_conn *db, crypt_status *out);

#endif
