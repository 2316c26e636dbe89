/* category.h — the 12345 category tree of work orders (demand_category,
 * migration 0025): two levels, each with its handling and sign-for
 * limits in working days. The tree is the database's (every street
 * files under the same categories); the admin and street staff edit it.
 *
 * Owns: demand_category's SQL and its rules (a sub-category under a
 * top-level one, names unique among siblings, limits in range, the
 * sign-for limit not longer than the handling limit). */
#ifndef MS_DEMAND_CATEGORY_H
#define MS_DEMAND_CATEGORY_H

#include <stdint.h>

#include "core/err.h"
#include "storage/db.h"

#define CATEGORY_NAME_CHARS 20
#define CATEGORY_MAX_HANDLE_DAYS 60
#define CATEGORY_MAX_SIGN_DAYS 10

typedef struct demand_category {
    int64_t id;
    int64_t parent_id;          /* 0 = top level */
    char name[CATEGORY_NAME_CHARS * 4 + 1];
    char parent_name[CATEGORY_NAME_CHARS * 4 + 1];   /* "" at top level */
    int handle_days, sign_days;
    int active;
    int sort;
} demand_category;

/* What a create or edit gives (parent_id 0: top level; on an edit the
 * parent does not change). */
typedef struct category_in {
    int64_t parent_id;
    const char *name;
    int64_t handle_days, sign_days, sort;
    int active;                 /* edit only; -1 = unchanged */
} category_in;

/* Category id into out: 0, 1 when there is none, -1 on a database error. */
int category_get(db_conn *db, int64_t id, demand_category *out);

/* Every category, parents before their children, in sort order, into
 * *out (malloc'd; caller frees) and *n. 0 or -1. */
int category_list(db_conn *db, demand_category **out, size_t *n);

/* Creates a category: its id, or -1 with ERR_INVALID naming the field,
 * ERR_CONFLICT (a sibling of that name), ERR_DB. */
int64_t category_create(db_conn *db, const category_in *in, ms_err *e);

/* Edits category id (name, limits, sort, active; NULL / 0 / -1 keep a
 * value): 0, or -1 with ERR_NOT_FOUND, ERR_INVALID, ERR_CONFLICT, ERR_DB.
 * Orders already assigned keep the deadlines they were given. */
int category_update(db_conn *db, int64_t id, const category_in *in, ms_err *e);

#endif
