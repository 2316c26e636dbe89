/* dept.h — the departments (部门: 城管, 市场监管, 住建 …) a street assigns
 * work orders to, and the accounts that act for each (demand_department,
 * demand_department_member; migration 0025).
 *
 * Owns: their SQL and rules: a department belongs to one street, its
 * name unique there; its accounts have role viewer or street, belong to
 * that street, and act for one department at most. Such an account
 * sees and acts on the orders assigned to its department only (order.c
 * asks dept_of_user). */
#ifndef MS_DEMAND_DEPT_H
#define MS_DEMAND_DEPT_H

#include <stdint.h>

#include "core/actor.h"
#include "core/err.h"
#include "storage/db.h"

#define DEPT_NAME_CHARS 30
#define DEPT_MAX_MEMBERS 50

typedef struct dept_member {
    int64_t user_id;
    char username[64];
    char display_name[128];
} dept_member;

typedef struct demand_dept {
    int64_t id;
    int64_t street_id;
    char name[DEPT_NAME_CHARS * 4 + 1];
    int active;
    char created_at[20];
    dept_member members[DEPT_MAX_MEMBERS];
    size_t nmembers;
} demand_dept;

/* The department account `user_id` acts for: its id, 0 when none, -1 on
 * a database error. */
int64_t dept_of_user(db_conn *db, int64_t user_id);

/* The street id of an org path ("/5/17/" → 5), 0 for the district or a
 * malformed path. */
int64_t dept_street_of_path(const char *path);

/* Department id with its members: 0, 1 when there is none, -1 on error. */
int dept_get(db_conn *db, int64_t id, demand_dept *out);

/* The departments of street street_id, by name, into *out (malloc'd,
 * members loaded) and *n. 0 or -1. */
int dept_list(db_conn *db, int64_t street_id, demand_dept **out, size_t *n);

/* Creates a department of street street_id: its id, or -1 with
 * ERR_INVALID "name", ERR_CONFLICT (the name is taken), ERR_DB. */
int64_t dept_create(db_conn *db, int64_t street_id, const char *name, ms_err *e);

/* Edits department d (already loaded in the caller's street): name
 * (NULL keeps it), active (-1 keeps it), and when members is non-NULL
 * the accounts acting for it become exactly those nmembers user ids
 * (each of role viewer or street, enabled, of the department's street,
 * not acting for another department). 0, or -1 with ERR_INVALID naming
 * "name" or "member_ids", ERR_CONFLICT, ERR_DB. */
int dept_update(db_conn *db, const demand_dept *d, const char *name, int active, const int64_t *members,
                size_t nmembers, ms_err *e);

#endif
