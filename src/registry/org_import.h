/* org_import.h — the org-tree import: streets, communities, grids and
 * buildings from a CSV or .xlsx table (util/xlsx_read.h table_open_*),
 * shared by the command line (`minsheng org import FILE`) and the API
 * (POST /api/v1/import/org-units).
 *
 * Owns: the table's column vocabulary (层级, 编码, 名称, 上级编码,
 * 网格员, 楼长, 负责人 and their phones, 边界; English aliases), the
 * per-row checks and their messages, and the order of creation: rows
 * may come in any order, a parent is found in the file or among the
 * existing units. The units themselves are made by org.c (org_create,
 * org_set_geometry). The caller owns the transaction and writes the
 * audit row (org_import_audit); the report says what to do. */
#ifndef MS_ORG_IMPORT_H
#define MS_ORG_IMPORT_H

#include <jansson.h>
#include <stddef.h>

#include "core/audit.h"
#include "registry/import.h"
#include "storage/db.h"
#include "util/csvfile.h"

#define ORG_IMPORT_MAX_ROWS 50000

typedef struct org_import_options {
    import_mode mode;               /* all or nothing (default), or the valid rows */
    const char *scope_path;         /* parents must lie under it; NULL = anywhere, and a row
                                     * without a parent may make the root street (command line) */
    const char *file_name;          /* for the audit row; may be NULL */
} org_import_options;

typedef struct org_import_report {
    size_t rows;                    /* data rows read */
    size_t created;                 /* units created (none when rows were rejected) */
    size_t by_kind[4];              /* created streets, communities, grids, buildings */
    size_t error_rows;
    json_t *errors;                 /* [{row, field, message}] in row order; row = the
                                     * file's line (CSV) or row (.xlsx); field: the API name
                                     * of the column, null for the whole row */
    json_t *codes;                  /* the codes created, in order of creation */
    char fatal[256];                /* the file could not be read as an org table */
} org_import_report;

/* Reads the table from `in` (first record: the header) and creates its
 * units inside the caller's open write transaction. Returns IMPORT_OK
 * (commit after org_import_audit), IMPORT_ROWS_REJECTED (all or
 * nothing and a row was bad: roll back), IMPORT_FATAL (rep->fatal; roll
 * back) or IMPORT_DB_ERROR (roll back). rep is initialised here; free
 * it with org_import_report_free. */
int org_import(db_conn *db, csvr *in, const org_import_options *o, org_import_report *rep);
void org_import_report_free(org_import_report *rep);

/* {"rows", "created", "created_by_level": {street, community, grid, building},
 *  "error_rows", "errors", ["fatal"]}. */
json_t *org_import_report_json(const org_import_report *rep);

/* The import's audit row: fills *e (action "import", entity
 * "org_unit", the counts in its detail, written into detail, and the
 * created codes in its after image, returned: json_decref it once the
 * row is written). The caller sets the user (the command line: none)
 * and writes it in the import's transaction. */
json_t *org_import_audit_entry(const org_import_options *o, const org_import_report *rep, char *detail,
                               size_t detailsz, audit_entry *e);

#endif
