/* history.h — the registry's own history: what happened to a household
 * or a resident (created, updated, moved, closed, deceased, moved out,
 * reopened), when, between which grids and households, and by whom.
 *
 * Owns: the registry_event table — its INSERT (one row, or one per
 * active member of a household) and the history read of a resident or
 * a household. Every
 * registry write (API, CSV import, demo) records its events here. */
#ifndef MS_HISTORY_H
#define MS_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "storage/db.h"

typedef struct registry_event {
    const char *entity;            /* "resident" | "household" */
    int64_t entity_id;
    const char *kind;              /* created, updated, moved, closed, deceased, moved_out, reopened */
    int64_t from_grid, to_grid;    /* 0 = none */
    int64_t from_household, to_household;
    const char *event_date;        /* "YYYY-MM-DD" or NULL */
    const char *note;              /* may be NULL */
    int64_t user_id;               /* 0 = command line */
} registry_event;

/* Records one event: DB_DONE or an error code. */
int history_add(db_conn *db, const registry_event *e);

/* For bulk writers (registry_writer): a db_copy of registry_event rows
 * (buffered: sent at db_copy_flush, see db.h; close it with
 * db_copy_close), and the call that adds one event to it. */
db_copy *history_copy_open(db_conn *db, int buffered);
int history_copy_add(db_copy *cp, const registry_event *e);

/* One event of `e->kind` for every active member of household
 * `household_id`, written before their rows change: from_household is
 * each member's household, to_household is household_id when e->to_grid
 * is set (a move) and none when it is not (leaving the registry).
 * e->entity and e->entity_id are ignored. */
int history_add_members(db_conn *db, int64_t household_id, const registry_event *e);

/* One line of a resident's history, as read back. */
typedef struct history_item {
    int64_t id;
    char kind[16];
    char event_date[11];           /* "" = none */
    char note[2048];               /* "" = none */
    char created_at[20];
    int64_t from_household, to_household;   /* 0 = none */
    char from_grid[128], to_grid[128];      /* grid names, "" = none */
    char by[128];                  /* the user's display name, "" = command line */
} history_item;

/* The resident's events, oldest first, into a malloc'd array (*out,
 * free() it) of *n items. Returns 0 or -1. */
/* Deletes the history of the residents (entity "resident") or
 * households ("household") of import batch batch_id with ids up to
 * max_id, before those rows are deleted (an import undone). */
int history_delete_of_batch(db_conn *db, const char *entity, int64_t batch_id, int64_t max_id);

int history_of_resident(db_conn *db, int64_t resident_id, history_item **out, size_t *n);
/* The same for entity "resident" or "household" (a household's own
 * events: created, updated, moved — the note names a new number —,
 * closed). */
int history_of(db_conn *db, const char *entity, int64_t id, history_item **out, size_t *n);

#endif
