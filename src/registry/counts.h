/* counts.h — the maintained registry counts (migration 0009).
 *
 * Owns: the registry_count table — per grid and per building, the ACTIVE
 * visible households, residents and residents per tag. Triggers in the
 * migration keep it in the transaction of every registry write; this
 * module sums it for any unit (a unit's count is the sum over at most
 * its grids, or a building's own row), and recounts everything from
 * scratch to find and repair drift (`minsheng check counts`). */
#ifndef MS_COUNTS_H
#define MS_COUNTS_H

#include <stdint.h>
#include <stddef.h>

#include "registry/org.h"
#include "storage/db.h"

#define COUNTS_MAX_TAGS 32

/* Counts of one unit's subtree; tags[i] is for resident_tag_codes[i].
 * tag_households[i] (households with at least one counted member
 * carrying the tag) is filled only by counts_add_tag_households. */
typedef struct unit_counts {
    int64_t unit_id;
    int64_t households, residents;
    int64_t tags[COUNTS_MAX_TAGS];
    int64_t tag_households[COUNTS_MAX_TAGS];
} unit_counts;

/* The counts of unit u's subtree (a building: its own). 0, or -1 on a
 * database error. */
int counts_unit(db_conn *db, const org_unit *u, unit_counts *out);

/* One count ("households" or "residents") of unit u's subtree, as
 * counts_unit: the list totals of a unit with no other filter. The
 * count, or -1 on a database error. */
int64_t counts_unit_one(db_conn *db, const org_unit *u, const char *what);

/* The counts of every child of parent_id, one query; *out (malloc'd,
 * caller frees; NULL when n is 0) ordered by unit_id, children without
 * any count left out. 0, or -1 on a database error. */
int counts_children(db_conn *db, int64_t parent_id, unit_counts **out, size_t *n);
/* The entry for unit_id in an array from counts_children; NULL = none
 * (all zero). */
const unit_counts *counts_find(const unit_counts *a, size_t n, int64_t unit_id);

/* Households per tag are not maintained (a household counts once for a
 * tag whichever of its members carry it): they are counted from the
 * rows with indexed queries over the unit's grids (the same counted
 * residents as the maintained counts: registry_counted_resident), a
 * household under the grid and building of its member. These fill
 * tag_households of c (one unit u) or of the entries of a (children of
 * parent_id, as from counts_children; a child missing from a is left
 * out). 0, or -1 on a database error. */
int counts_add_tag_households(db_conn *db, const org_unit *u, unit_counts *c);
int counts_add_children_tag_households(db_conn *db, int64_t parent_id, unit_counts *a, size_t n);

/* One (unit, what) whose stored count differs from a recount. */
typedef struct counts_drift {
    int64_t unit_id;
    const char *unit_code, *unit_name;   /* valid during the callback */
    const char *what;                    /* households, residents or a tag code */
    int64_t stored, actual;
} counts_drift;

/* Recounts everything inside one read snapshot and calls report for
 * each drifting (unit, what) (report may be NULL). With fix, does so
 * inside a write transaction and replaces the table with the recount,
 * writing a `counts_fix` audit row when anything drifted. Returns the
 * number of drifting pairs, or -1 on a database error. */
int64_t counts_check(db_conn *db, int fix, void (*report)(const counts_drift *d, void *ctx), void *ctx);

/* Rows written into a running import batch are counted by the UPDATE
 * that commits the batch (trigger registry_count_batch_state), never
 * by the per-row triggers of migration 0009, whose WHEN is false for
 * them. Yet SQLite gives every INSERT into a table with a trigger a
 * statement journal (a copy of each page it changes, in case a trigger
 * fails half-way), which was a quarter of an import's work. So the
 * writer of a running batch's rows (import.c, between the batch's start
 * and its commit or undo) may switch its connection's triggers off:
 * counts_batch_triggers_off does so only when the tables such a writer
 * touches (household, resident, resident_tag, registry_event,
 * import_batch) have no trigger but the known ones of migration 0009
 * (a trigger added later keeps them on until it is reviewed here), and
 * returns 1 when it did, 0 when it left them on, -1 on error.
 * counts_batch_triggers_on switches them back on; it must come before
 * the batch is committed or undone. */
int counts_batch_triggers_off(db_conn *db);
void counts_batch_triggers_on(db_conn *db);

#endif
