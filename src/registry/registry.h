/* registry.h — households and residents: the vocabularies, the rules an
 * input must satisfy, and the writer used for every insert (API, CSV
 * import, demo street).
 *
 * Owns: the INSERT statements for household, resident and resident_tag,
 * and the input rules. Loading and changing a registered record is
 * resident.h / household.h; history rows are history.h. */
#ifndef MS_REGISTRY_H
#define MS_REGISTRY_H

#include <stdint.h>
#include <stddef.h>

#include "core/err.h"
#include "storage/db.h"

#define REGISTRY_MAX_TAGS 16

typedef struct household_input {
    const char *code;                 /* 户编号, unique; NULL: issued by household_create */
    int64_t grid_id;                  /* must be a grid */
    int64_t building_id;              /* 0 = none; must be a building under grid_id */
    const char *address;
    const char *registered_address;   /* may be NULL */
    const char *actual_address;       /* may be NULL */
    const char *phone;                /* may be NULL; canonical form */
    const char *notes;                /* may be NULL */
} household_input;

typedef struct resident_input {
    const char *id_number;            /* normalized (see idcard_normalize) */
    const char *name;
    const char *relation;             /* 与户主关系; NULL = '其他' */
    const char *phone;                /* NULL or canonical */
    const char *hukou_type;           /* NULL or 城镇/农村/其他 */
    const char *residence_status;     /* NULL = 户籍; 户籍/常住/流动 */
    const char *employment;           /* NULL or one of resident_employment_values */
    const char *disability_type;      /* NULL or one of resident_disability_types */
    int disability_grade;             /* 0 = none, else 1..4 */
    int party_member;                 /* 0/1 */
    const char *notes;
    const char *tags[REGISTRY_MAX_TAGS]; /* tag codes (tag_def.code) */
    size_t ntags;
} resident_input;

extern const char *const resident_relation_values[];
extern const char *const resident_hukou_values[];
extern const char *const resident_residence_values[];
extern const char *const resident_employment_values[];
extern const char *const resident_disability_types[];
extern const char *const resident_tag_codes[];     /* codes of tag_def, same order */
extern const char *const resident_tag_labels[];    /* Chinese labels, same order */

/* Tag label "低保" or code "dibao" -> code; NULL when unknown. */
const char *resident_tag_code(const char *code_or_label);

/* Checks a resident input (ID checksum, name, phone, enums, disability
 * type/grade pairing, tags). Phone must already be canonical (see
 * phone_normalize). Returns 0 when valid, -1 and fills *err (ERR_INVALID
 * naming the API field, e.g. "id_number") otherwise. today_ymd as in
 * idcard_validate. */
int resident_input_check(const resident_input *r, int today_ymd, ms_err *err);
int household_input_check(const household_input *h, ms_err *err);

/* Rows an import is still writing (or undoing) are not registry data
 * yet: every list, count, detail and write loads rows through this
 * condition on the row's alias t (see migration 0005). The first term is
 * one lookup per statement; while no batch is pending it short-circuits
 * the rest, so indexes stay covering and the filter costs nothing. */
#define IMPORT_BATCH_PENDING "(SELECT id FROM import_batch WHERE state = 'running' OR state = 'undoing')"
#define REGISTRY_VISIBLE(t)                                                                          \
    "(NOT EXISTS " IMPORT_BATCH_PENDING " OR " t ".import_batch_id IS NULL OR "                     \
    t ".import_batch_id NOT IN " IMPORT_BATCH_PENDING ")"

/* Prepared statements for inserting many rows inside the caller's
 * transaction. One writer per connection; not thread-safe. */
typedef struct registry_writer registry_writer;

registry_writer *registry_writer_open(db_conn *db);
/* A writer for many new rows (the CSV import): on PostgreSQL its
 * households, residents, tags and events are kept and sent with COPY by
 * registry_writer_flush (db.h "bulk load"), so the caller reads none of
 * them back before flushing (its ids come from registry_writer_begin_tx's
 * counting) and learns of a constraint they break only at the flush. On
 * SQLite it writes each row at once, as registry_writer_open's does. */
registry_writer *registry_writer_open_bulk(db_conn *db);
/* Sends the rows a bulk writer kept (households, residents, tags,
 * events, in that order): DB_DONE or the first error code. A writer
 * from registry_writer_open has nothing kept. */
int registry_writer_flush(registry_writer *w);
void registry_writer_close(registry_writer *w);
/* Households and residents inserted from now on belong to import batch
 * batch_id (0 = none: registered directly). */
void registry_writer_set_batch(registry_writer *w, int64_t batch_id);

/* The caller has just begun a write transaction (BEGIN IMMEDIATE) in
 * which only this writer inserts households and residents: the next
 * free ids are read once and counted on from there, instead of with a
 * query per row. A writer never told so reads them afresh for each
 * row; one that lives across transactions is told after every BEGIN
 * (a bulk writer must be: it forgets here the rows it kept and never
 * sent, those of a transaction that rolled back). */
void registry_writer_begin_tx(registry_writer *w);

/* Each returns DB_DONE on success (id in *id_out), DB_CONSTRAINT when a
 * unique key or reference fails (duplicate 户编号 / ID number), or
 * DB_ERROR. Inputs must have passed the *_check functions. The resident's
 * sex and birth date are derived from the ID number. */
int registry_insert_household(registry_writer *w, const household_input *h, int64_t *id_out);
int registry_insert_resident(registry_writer *w, int64_t household_id, int64_t grid_id,
                             const resident_input *r, int64_t *id_out);
int registry_set_household_head(registry_writer *w, int64_t household_id, int64_t resident_id);
/* A new household whose head is the resident this writer inserts next
 * (head_resident_id = registry_writer_next_resident_id, the key is
 * checked at COMMIT): saves the UPDATE of registry_set_household_head. */
int registry_insert_household_with_head(registry_writer *w, const household_input *h, int64_t head_resident_id,
                                        int64_t *id_out);
/* The id the next registry_insert_resident of this writer gets; 0 on error. */
int64_t registry_writer_next_resident_id(registry_writer *w);
/* Records a registry_event row ('created' …) for the history view. */
int registry_log_event(registry_writer *w, const char *entity, int64_t entity_id, const char *kind,
                       int64_t user_id, const char *note);

/* Deletes up to `limit` rows created by import batch batch_id, inside
 * the caller's transaction: residents first (with their tags, history
 * and any head-of-household pointer to them), then, when none is left,
 * households (with their history). Returns the number of residents +
 * households deleted (0 = nothing left), or -1 on a database error. */
int registry_delete_batch_rows(db_conn *db, int64_t batch_id, int limit, int64_t *residents, int64_t *households);
/* How many rows stand in the way of undoing a batch committed at `since`
 * (UTC "YYYY-MM-DD HH:MM:SS"): its rows changed after it, other
 * residents living in its households, history of others naming its
 * households. 0 = it can be deleted whole; -1 on a database error. */
int64_t registry_batch_changed_since(db_conn *db, int64_t batch_id, const char *since);

#endif
