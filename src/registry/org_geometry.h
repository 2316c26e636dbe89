/* org_geometry.h — org units' boundaries from and to a GeoJSON file
 * (issue 10: the grid map): `minsheng org geometry FILE [--dry-run]`
 * and `minsheng org geometry --export FILE`.
 *
 * Owns: the file's shape — a FeatureCollection whose features carry
 * properties.code (an org unit's code) and a Polygon or MultiPolygon
 * geometry — and the per-feature checks with their Chinese messages
 * (unknown code, repeated code, bad geometry). The geometry itself is
 * checked by org.c (org_check_geometry_json) and set with org_update,
 * so each unit's version moves as with PATCH /org-units/{id}. One bad
 * feature refuses the whole file. The caller owns the transaction and
 * writes the one audit row (org_geometry_audit_entry). */
#ifndef MS_ORG_GEOMETRY_H
#define MS_ORG_GEOMETRY_H

#include <jansson.h>
#include <stddef.h>

#include "core/audit.h"
#include "registry/org.h"
#include "storage/db.h"

#define ORG_GEOMETRY_MAX_FEATURES 20000

typedef struct org_geometry_report {
    size_t features;      /* features in the file */
    size_t set;           /* boundaries set (0 when the file was refused, or a dry run) */
    json_t *errors;       /* [{feature (1-based), code (or null), message}] in file order */
    json_t *codes;        /* the codes of the features, in file order */
    char fatal[256];      /* the file is not such a FeatureCollection */
} org_geometry_report;

/* Checks every feature of fc and, when all are right and not dry_run,
 * sets each unit's boundary inside the caller's open write transaction.
 * Returns IMPORT_OK (commit after the audit row; with dry_run nothing
 * was written), IMPORT_ROWS_REJECTED (a feature was bad: rep->errors;
 * nothing written), IMPORT_FATAL (rep->fatal) or IMPORT_DB_ERROR (roll
 * back). rep is initialised here; free it with org_geometry_report_free. */
int org_geometry_import(db_conn *db, const json_t *fc, int dry_run, org_geometry_report *rep);
void org_geometry_report_free(org_geometry_report *rep);

/* The import's audit row: fills *e (action "boundary_import", entity
 * "org_unit", the count and file in its detail, written into detail, and
 * the codes in its after image, returned: json_decref it once the row
 * is written). */
json_t *org_geometry_audit_entry(const char *file_name, const org_geometry_report *rep, char *detail,
                                 size_t detailsz, audit_entry *e);

/* The boundaries of root's subtree as such a FeatureCollection (the
 * units that have one, parents first, with properties code, name and
 * kind); *without gets the number of open units without one. NULL on a
 * database error. */
json_t *org_geometry_export(db_conn *db, const org_unit *root, size_t *without);

#endif
