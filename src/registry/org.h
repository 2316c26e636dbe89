/* org.h — the org-unit tree: (district →) street → community → grid →
 * building.
 *
 * Owns: the org_unit table. Every unit stores its materialised path
 * ("/1/4/17/"), so "is X inside Y" is a prefix test and a subtree is
 * the range [path, org_path_end(path)) of org_unit(kind, path).
 *
 * The district (区, migration 0011) is the root of a database that holds
 * several streets; its path is "/", the root path itself, so that a
 * street's path is "/<id>/" whether it is the root of a one-street
 * database or a street of the district. A one-street database keeps its
 * street as the root until a district is created (org_create with kind
 * "district"), which takes that street under it without moving any path:
 * the paths stored elsewhere (audit rows, import batches, workflow cases)
 * stay true, and a street stays at workflow depth 1. One district per
 * database. */
#ifndef MS_ORG_H
#define MS_ORG_H

#include <jansson.h>
#include <stdint.h>
#include <stddef.h>

#include "core/err.h"
#include "core/fieldcrypt.h"
#include "storage/db.h"

typedef struct org_unit {
    int64_t id;
    int64_t parent_id;        /* 0 for the root (the district, or the street of a one-street database) */
    char kind[16];            /* district | street | community | grid | building */
    char code[64];
    char name[128];
    char path[256];
    char leader_name[64];
    char leader_phone[40];
    char notes[2048];
    int64_t version;          /* incremented by every write (If-Match / ETag) */
    char status[8];           /* active | closed (migration 0015: closed units are kept) */
} org_unit;

/* A unit with the counts shown in the tree. */
typedef struct org_unit_counted {
    org_unit unit;
    int64_t child_count, household_count, resident_count;   /* active households and residents */
} org_unit_counted;

/* The kind a child of `parent_kind` must have ("street" under
 * "district", "community" under "street" …); NULL when the parent cannot
 * have children (building). */
const char *org_child_kind(const char *parent_kind);
const char *org_kind_label(const char *kind);   /* "区", "社区" … */

/* Creates a unit. parent_id 0 creates a root: the district (one per
 * database; it takes the root street, if there is one, under it), or the
 * street of a one-street database (refused once a street or a district
 * exists: further streets go under the district). Returns the id or -1
 * with *err (409 on a used code or a second root, 400 on a wrong
 * placement). Caller owns the transaction. */
int64_t org_create(db_conn *db, int64_t parent_id, const char *kind, const char *code,
                   const char *name, const char *leader_name, const char *leader_phone, ms_err *err);

/* A unit's code (1–40 letters, digits, - and _) and name (1–60
 * characters): 0, or -1 with *err (400, field "code" or "name"). */
int org_check_code_name(const char *code, const char *name, ms_err *err);

/* The fields an edit sets (org_change.set); the others keep the row's values. */
enum { OC_NAME = 1 << 0, OC_LEADER_NAME = 1 << 1, OC_LEADER_PHONE = 1 << 2, OC_NOTES = 1 << 3, OC_GEOMETRY = 1 << 4 };

typedef struct org_change {
    const char *name, *leader_name, *leader_phone, *notes;   /* NULL or "" = none (name: required) */
    const char *geometry;                                    /* checked text (org_check_geometry) or NULL = none */
    unsigned set;                                            /* OC_* bits */
} org_change;

/* Sets the fields of c on unit id, on the row as it is inside the
 * caller's transaction (returned in *before, may be NULL). if_version,
 * when not 0, must be the row's version (else ERR_STALE with
 * err->current_version). Increments version. */
int org_update(db_conn *db, int64_t id, int64_t if_version, const org_change *c, org_unit *before, ms_err *err);

/* Loads by id / code: 0 found, -1 not found. */
int org_get(db_conn *db, int64_t id, org_unit *out);
int org_get_by_code(db_conn *db, const char *code, org_unit *out);

/* The children of parent_id (or, with parent_id 0, the unit unit_id
 * itself) with their counts: child units, and the households and
 * residents of each one's subtree (the maintained counters, counts.h).
 * A malloc'd array in *out (free() it). 0 or -1. */
int org_list_counted(db_conn *db, int64_t parent_id, int64_t unit_id, org_unit_counted **out, size_t *n);

/* ---- subtrees, for the lists ---- */
/* The ids of the grids of unit u's subtree (a grid: itself), as a
 * condition on a grid id column: "<col> IN " ORG_SUBTREE_GRIDS, bound to
 * u's path and org_path_end(u's path). A range of org_unit(kind, path):
 * no LIKE, no join. */
#define ORG_SUBTREE_GRIDS "(SELECT id FROM org_unit WHERE kind = 'grid' AND path >= ? AND path < ?)"
/* The end of path's subtree range: path with its last '/' raised to '0'. */
char *org_path_end(const char *path, char out[256]);
/* 1 when u is the root of the whole tree (the district, or the street
 * of a one-street database, and no other root beside it): its lists
 * need no unit filter. 0 otherwise (a street of a district is filtered
 * by its grids, as a community is). */
int org_is_whole_tree(db_conn *db, const org_unit *u);
/* The grid ids of u's subtree, ascending, into *ids (malloc'd, caller
 * frees; NULL when none). 0, or -1 on a database error. */
int org_subtree_grids(db_conn *db, const org_unit *u, int64_t **ids, size_t *n);

/* ---- boundary and status (migration 0015) ---- */
#define ORG_GEOMETRY_MAX ((size_t)1 << 20)   /* bytes of a boundary's GeoJSON */

/* Checks a boundary: a GeoJSON geometry object of type Polygon or
 * MultiPolygon (rings of at least 4 [lon, lat] positions, closed,
 * longitudes within ±180, latitudes within ±90). 0 with its compact
 * text in *canon (malloc'd, caller frees), or -1 with *err (400, field
 * "geometry"). org_check_geometry takes the text (CSV, .xlsx). */
int org_check_geometry_json(const json_t *g, char **canon, ms_err *err);
int org_check_geometry(const char *text, char **canon, ms_err *err);

/* Sets (canon: checked text) or clears (NULL) unit id's boundary, as
 * part of a write that changes its version (org_create, org_update).
 * Caller owns the transaction. 0 or -1 with *err. */
int org_set_geometry(db_conn *db, int64_t id, const char *canon, ms_err *err);
/* Unit id's boundary (malloc'd text, caller frees) or NULL when none. */
char *org_get_geometry(db_conn *db, int64_t id);

/* A unit with its boundary, for the map (stats/map) and the export of
 * boundaries (org_geometry.h). */
typedef struct org_boundary {
    int64_t id;
    char kind[16], code[64], name[128];
    char *geometry;           /* GeoJSON text (malloc'd) or NULL when none */
} org_boundary;
/* The open children of u by code (children 1), or every open unit of
 * u's subtree, u first, parents before children (children 0), each with
 * its boundary. A malloc'd array in *out (org_boundaries_free). 0 or -1. */
int org_boundaries(db_conn *db, const org_unit *u, int children, org_boundary **out, size_t *n);
void org_boundaries_free(org_boundary *a, size_t n);

/* Closes (撤销) unit u, as the caller loaded it in its transaction:
 * refused (409) when it is the root, already closed, or still has open
 * child units, active households or active residents (a grid's); the
 * row is kept with status "closed". Caller owns the transaction. 0 or
 * -1 with *err. */
int org_close(db_conn *db, const org_unit *u, ms_err *err);

/* Every unit of root's subtree, root included, open and closed, ordered
 * by path (a parent before its children). A malloc'd array in *out
 * (free() it). 0 or -1. */
int org_subtree(db_conn *db, const org_unit *root, org_unit **out, size_t *n);

/* The root of the tree (the district, or the street of a one-street
 * database): 0, or -1 when the tree is empty. */
int org_get_root(db_conn *db, org_unit *out);

/* The org_unit.leader_phone column (encrypted at rest) for app/fieldkeys.c's passes. */
extern const fc_column_sql org_leader_phone_crypt;

#endif
