/* resident_search.h — finding residents by any part of the name, by
 * pinyin and pinyin initials, by the last 4 digits of the phone (尾号)
 * and by the last 4–6 characters of the ID number.
 *
 * Owns: the resident_search_key table and resident.name_py (migration
 * 0017): what terms a resident is found by (util/pinyin.h for the name,
 * core/fieldcrypt.h's tail blind indexes for the phone and ID number),
 * writing them, filling them for residents registered before 0017, and
 * the search conditions on them. Every write path that sets a name,
 * phone or ID number stores them: registry_writer (API create, CSV
 * import, demo), resident_update, the key-rotation pass; the triggers
 * of 0017 follow moves and deletions. */
#ifndef MS_RESIDENT_SEARCH_H
#define MS_RESIDENT_SEARCH_H

#include <stdint.h>

#include "core/fieldcrypt.h"
#include "registry/org.h"
#include "storage/db.h"
#include "storage/query.h"
#include "util/pinyin.h"

/* The version of the rules below; a database whose keys were made with
 * an older one is refilled at the next start (resident_search_backfill). */
#define RESIDENT_SEARCH_VERSION 1

#define RESIDENT_TERMS_MAX (NAME_KEYS_MAX + 4)
#define RESIDENT_TAIL_TERM 19   /* "#4" + 16 hex digits + NUL */

/* A resident's sort key and search terms. */
typedef struct resident_keys {
    char name_py[PINYIN_MAX];
    size_t n;
    char term[RESIDENT_TERMS_MAX][NAME_KEY_MAX];
} resident_keys;

/* The keys of a resident with this name, ID number and phone (plain;
 * phone may be NULL or ""), the tails under the newest key generation.
 * 0, or -1 without ICU. A tail that cannot be made (no data key, a value
 * shorter than the tail) is left out, not an error. */
int resident_keys_make(const char *name, const char *id_number, const char *phone, resident_keys *out);

/* Replaces the terms of resident id (in grid grid_id) with k's and sets
 * its name_py, in the caller's transaction. 0 or -1. */
int resident_keys_store(db_conn *db, int64_t id, int64_t grid_id, const resident_keys *k);

/* The term of a tail (kind FC_PHONE_TAIL4, FC_ID_TAIL4/5/6) of value under
 * every loaded generation, newest first (the second repeats the first
 * when one is loaded). 0, or -1 (no key, or value shorter than the tail). */
int resident_tail_terms(fc_kind kind, const char *value, char out[KEYS_MAX_GENERATIONS][RESIDENT_TAIL_TERM]);

/* Adds to q (residents as "r") the condition that r has a term starting
 * with prefix (a pinyin_query_norm'd name term) among the grids of unit u. */
void resident_search_add_prefix(query *q, const org_unit *u, const char *prefix);
/* The fast form of a search by name alone (migration 0020): from_sql
 * ("FROM (…) AS r") of the distinct residents with a term starting with
 * prefix among u's grids, read from the terms alone, with the columns
 * id, name_py, status, grid_id and import_batch_id; its values are bound
 * in q, which must have no binds yet (the filters on r follow them). The
 * text is the thread's until the next call. */
const char *resident_search_from(query *q, const org_unit *u, const char *prefix);
/* The same search for the pick of a page (sort by r.name_py or r.id, in
 * p's direction, after p's cursor): from_sql of the first rows of the
 * terms in that order, q's filters (on r.status, r.grid_id,
 * r.import_batch_id; q starts with its WHERE) and the cursor applied
 * before their LIMIT — enough rows for every term of the residents up to
 * the page's end, so a bounded sort instead of a sort of every match; to
 * be picked DISTINCT (page_req.distinct), id r.id. Binds into qp (empty)
 * the values of from_sql, then q's filters again (outside). */
struct page_req;
const char *resident_search_pick_from(query *qp, const query *q, const org_unit *u, const char *prefix,
                                      const struct page_req *p);
/* … that r has the term t1 or t2 (resident_tail_terms) among u's grids. */
void resident_search_add_terms(query *q, const org_unit *u, const char *t1, const char *t2);

/* Fills the keys of every resident when the database's keys are older
 * than RESIDENT_SEARCH_VERSION (after migration 0017), `batch` residents
 * a transaction, then records the version and audits it
 * (search_keys_built). *done: residents filled. 0, or -1 with *err. */
int resident_search_backfill(db_conn *db, int batch, int64_t *done, ms_err *err);

#endif
