/* audit.h — the audit log: every write, every sign-in and every view of
 * a full ID number.
 *
 * Owns: the audit_log table. Writers call audit_write inside the same
 * transaction as the change it records, so a change is never saved
 * without its audit row (nor the other way round). */
#ifndef MS_AUDIT_H
#define MS_AUDIT_H

#include <jansson.h>
#include <stdint.h>

#include "core/actor.h"
#include "storage/db.h"

typedef struct audit_entry {
    int64_t user_id;            /* 0 = system / command line */
    const char *username;       /* NULL = "system" */
    const char *client_ip;      /* NULL for the command line */
    const char *action;         /* create, update, move, status, login, ... */
    const char *entity;         /* resident, household, org_unit, user, session, ... */
    int64_t entity_id;          /* 0 = none */
    const char *org_path;       /* scope of the entity; NULL = street-wide */
    json_t *before;             /* borrowed; may be NULL */
    json_t *after;              /* borrowed; may be NULL */
    const char *detail;         /* free text; may be NULL */
} audit_entry;

/* Returns 0, or -1 when the row could not be written (the caller must
 * then roll back its change). */
int audit_write(db_conn *db, const audit_entry *e);

/* The same, with user_id and username taken from `who` (NULL or a
 * zeroed actor = the command line) and the client address from ip. */
static inline int audit_write_as(db_conn *db, const actor *who, const char *ip, audit_entry e)
{
    if (who && who->id > 0) {
        e.user_id = who->id;
        e.username = who->username;
    }
    e.client_ip = ip;
    return audit_write(db, &e);
}

#endif
