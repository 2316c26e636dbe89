/* history.c — the registry_event table (see history.h). */
#include "registry/history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVENT_COLUMNS \
    "entity, entity_id, kind, from_grid_id, to_grid_id, from_household_id, to_household_id, event_date, note," \
    " user_id, created_at"
static const char *const SQL_INSERT = "INSERT INTO registry_event(" EVENT_COLUMNS ") VALUES (?,?,?,?,?,?,?,?,?,?,?)";
static const char *const SQL_INSERT_MEMBERS =
    "INSERT INTO registry_event(entity, entity_id, kind, from_grid_id, to_grid_id, from_household_id,"
    " to_household_id, event_date, note, user_id, created_at)"
    " SELECT 'resident', r.id, ?, ?, ?, r.household_id, ?, ?, ?, ?, ?"
    " FROM resident r WHERE r.household_id = ? AND r.status = 'active'";
static const char *const SQL_DELETE_OF_BATCH_RESIDENTS =
    "DELETE FROM registry_event WHERE entity = 'resident' AND entity_id IN"
    " (SELECT id FROM resident WHERE import_batch_id = ? AND id <= ?)";
static const char *const SQL_DELETE_OF_BATCH_HOUSEHOLDS =
    "DELETE FROM registry_event WHERE entity = 'household' AND entity_id IN"
    " (SELECT id FROM household WHERE import_batch_id = ? AND id <= ?)";
static const char *const SQL_OF_ENTITY =
    "SELECT e.id, e.kind, e.event_date, e.note, e.created_at, e.from_household_id, e.to_household_id,"
    " fg.name, tg.name, u.display_name FROM registry_event e"
    " LEFT JOIN org_unit fg ON fg.id = e.from_grid_id LEFT JOIN org_unit tg ON tg.id = e.to_grid_id"
    " LEFT JOIN app_user u ON u.id = e.user_id"
    " WHERE e.entity = ? AND e.entity_id = ? ORDER BY e.id";

/* The values of EVENT_COLUMNS for e (now: db_now's buffer). */
#define EVENT_VALUES(e, now)                                                                            \
    DB_TEXT((e)->entity), DB_INT((e)->entity_id), DB_TEXT((e)->kind), DB_ID((e)->from_grid),           \
        DB_ID((e)->to_grid), DB_ID((e)->from_household), DB_ID((e)->to_household), DB_TEXT((e)->event_date), \
        DB_TEXT((e)->note), DB_ID((e)->user_id), DB_TEXT(db_now(now))

db_copy *history_copy_open(db_conn *db, int buffered)
{
    return db_copy_open(db, "registry_event", EVENT_COLUMNS, buffered);
}

int history_copy_add(db_copy *cp, const registry_event *e)
{
    char now[20];
    return db_copy_row(cp, EVENT_VALUES(e, now));
}

int history_add(db_conn *db, const registry_event *e)
{
    char now[20];
    return db_exec_args(db, SQL_INSERT, EVENT_VALUES(e, now));
}

int history_add_members(db_conn *db, int64_t household_id, const registry_event *e)
{
    char now[20];
    return db_exec_args(db, SQL_INSERT_MEMBERS, DB_TEXT(e->kind), DB_ID(e->from_grid), DB_ID(e->to_grid),
                        e->to_grid ? DB_INT(household_id) : DB_NULL, DB_TEXT(e->event_date), DB_TEXT(e->note),
                        DB_ID(e->user_id), DB_TEXT(db_now(now)), DB_INT(household_id));
}

int history_of_resident(db_conn *db, int64_t resident_id, history_item **out, size_t *n)
{
    return history_of(db, "resident", resident_id, out, n);
}

int history_of(db_conn *db, const char *entity, int64_t id, history_item **out, size_t *n)
{
    size_t cap = 8;
    int rc;
    *n = 0;
    *out = malloc(cap * sizeof **out);
    if (!*out)
        return -1;
    db_stmt *s = db_query(db, SQL_OF_ENTITY, DB_TEXT(entity), DB_INT(id));
    while ((rc = db_step(s)) == DB_ROW) {
        if (*n == cap) {
            history_item *bigger = realloc(*out, (cap *= 2) * sizeof **out);
            if (!bigger)
                break;
            *out = bigger;
        }
        history_item *h = &(*out)[(*n)++];
        h->id = db_col_int(s, 0);
        db_col_copy(s, 1, h->kind, sizeof h->kind);
        db_col_copy(s, 2, h->event_date, sizeof h->event_date);
        db_col_copy(s, 3, h->note, sizeof h->note);
        db_col_copy(s, 4, h->created_at, sizeof h->created_at);
        h->from_household = db_col_int(s, 5);
        h->to_household = db_col_int(s, 6);
        db_col_copy(s, 7, h->from_grid, sizeof h->from_grid);
        db_col_copy(s, 8, h->to_grid, sizeof h->to_grid);
        db_col_copy(s, 9, h->by, sizeof h->by);
    }
    db_finalize(s);
    if (rc != DB_DONE) {
        free(*out);
        *out = NULL;
        *n = 0;
        return -1;
    }
    return 0;
}

int history_delete_of_batch(db_conn *db, const char *entity, int64_t batch_id, int64_t max_id)
{
    const char *sql = strcmp(entity, "resident") == 0 ? SQL_DELETE_OF_BATCH_RESIDENTS : SQL_DELETE_OF_BATCH_HOUSEHOLDS;
    return db_exec_args(db, sql, DB_INT(batch_id), DB_INT(max_id)) == DB_DONE ? 0 : -1;
}
