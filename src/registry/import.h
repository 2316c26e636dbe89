/* import.h — bulk CSV import and export of residents, shared by the
 * command line (`minsheng import residents FILE.csv`, `minsheng export
 * residents`) and the API (/import/residents, /export/residents).
 *
 * Owns: the CSV column vocabulary (Chinese headers, their aliases and
 * the API field names), per-row conversion and validation, the
 * household/grid/building lookup caches of an import, its transactions
 * (short ones under one import batch, see import_batch.h, with a
 * savepoint per row) and its audit rows; and the export row format (one
 * column list for the CLI and the API). */
#ifndef MS_IMPORT_H
#define MS_IMPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "storage/db.h"
#include "util/csvfile.h"

#define IMPORT_MAX_ERRORS 1000      /* row errors kept in a report */
#define IMPORT_TX_ROWS 2000         /* rows are committed (still hidden) after this many rows … */
#define IMPORT_TX_MS 100            /* … or this long (ms), whichever comes first: bounds the lock time */
#define IMPORT_TX_LONG_MS 2000      /* … when another writer may be waiting; else after this long */
#define IMPORT_TX_PAUSE_US 2000     /* then the lock is left free this long for waiting writers */

typedef enum import_mode {
    IMPORT_ALL_OR_NOTHING = 0,      /* any bad row → nothing imported */
    IMPORT_VALID_ONLY               /* bad rows skipped, the good rows imported */
} import_mode;

typedef struct import_options {
    import_mode mode;
    csvr_encoding enc;              /* informational: the csvr is already open */
    const char *mapping;            /* "姓名=name,证件号码=id_number": extra header aliases; may be NULL */
    const char *scope_path;         /* only grids under this path are accepted; NULL = all */
    int64_t user_id;                /* 0 = command line */
    const char *username;           /* NULL = "system" */
    const char *client_ip;          /* NULL for the command line */
    const char *file_name;          /* for the batch and its audit rows; may be NULL */
    void (*progress)(size_t rows, size_t bytes, size_t total, void *ctx);  /* may be NULL */
    void *progress_ctx;
    int (*cancelled)(void *ctx);    /* asked between transactions: nonzero stops and undoes; may be NULL */
    void *cancel_ctx;
    int dry_run;                    /* a preview: every row checked, nothing written (import_residents) */
} import_options;

typedef struct import_report {
    int64_t batch_id;               /* the import batch (0 when none was started) */
    size_t rows;                    /* data rows read (header and blank rows not counted) */
    size_t imported;                /* residents committed */
    size_t households_created;      /* households committed */
    size_t error_rows;              /* rows rejected (may exceed the errors kept) */
    json_t *errors;                 /* array of {row, field, message}; row = CSV line number;
                                     * field is null for whole-row problems; at most IMPORT_MAX_ERRORS */
    char fatal[256];                /* non-empty when the import stopped (bad header, unreadable file …) */
    int dry_run;                    /* a preview: imported and households_created are what the import would do */
} import_report;

/* Return values of import_residents. */
enum {
    IMPORT_OK = 0,                  /* committed (VALID_ONLY: the valid rows) */
    IMPORT_ROWS_REJECTED = 1,       /* ALL_OR_NOTHING and some row was bad: nothing imported */
    IMPORT_FATAL = -1,              /* bad header, unreadable CSV, …: rep->fatal says why; nothing
                                     * imported (VALID_ONLY: the good rows before the fault are) */
    IMPORT_DB_ERROR = -2,           /* database failure or busy; undone; rep->fatal says so */
    IMPORT_CANCELLED = -3,          /* options.cancelled said stop; undone */
    IMPORT_CONFLICT = -4            /* another import is running; nothing started */
};

/* Imports residents (and the households they name) from `in`, whose
 * first record is the header row, as one import batch: rows are written
 * in short transactions that other users do not see, then committed
 * together (one audit row, action "import", entity "resident") or, on
 * failure, deleted again (audit row "import_undo"). Manages its own
 * transactions on db (the caller must not have one open). rep is
 * initialised here; free it with import_report_free. */
int import_residents(db_conn *db, csvr *in, const import_options *o, import_report *rep);
/* With o->dry_run the same call previews the import: every row is
 * converted and checked exactly as above (against the database and the
 * rows before it in the file, the checks a real import makes before it
 * writes a row), and nothing is written — no batch, no rows; each of
 * its transactions only reads and is rolled back. The report and the
 * return value are the real import's (IMPORT_ROWS_REJECTED when it
 * would import nothing), the counts what it would import. One audit row
 * (import_preview) in its own transaction: a preview tells which ID
 * numbers are registered, as an import does. Never IMPORT_CONFLICT: a
 * preview runs beside a running import. */
void import_report_free(import_report *rep);

/* {"batch", "rows", "imported", "households_created", "error_rows", "errors", ["fatal"], ["dry_run": true]}. */
json_t *import_report_json(const import_report *rep);

/* ---- export ------------------------------------------------------------- */

/* Which residents to export: by default the active ones whose grid
 * lies under scope_path (NULL or "" = all), and when building_id > 0
 * only those in households of that building; or, with where, those the
 * conditions of a resident search match (the list's filters,
 * resident_filters_or_reply: visibility, unit and status included). */
struct query;
typedef struct export_filter {
    const char *scope_path;
    int64_t building_id;
    int full_id;                    /* unmasked ID numbers and birth dates (else birth years) */
    int full_phone;                 /* unmasked phones */
    const struct query *where;      /* conditions on resident r (WHERE …), or NULL */
    const char *order_by;           /* with where: a whitelisted ORDER BY body ("r.name_py ASC, r.id ASC"),
                                     * NULL = by grid, household, head first */
    long max_rows;                  /* more residents than this: EXPORT_TOO_MANY; 0 = no cap */
} export_filter;

#define EXPORT_TOO_MANY (-2)

/* One row of an export as its cells (UTF-8, NUL-terminated, "" for no
 * value; valid during the call): 0, or nonzero to stop. */
typedef int (*export_row_fn)(const char *const *cells, size_t ncells, void *ctx);

/* Calls emit with the header (the Chinese column names that
 * import_residents reads back), then once per resident with its cells
 * in the same order, masked as f says (ID numbers as their 18
 * characters, nothing added; dates YYYY-MM-DD). Returns the number of
 * residents, EXPORT_TOO_MANY (f->max_rows exceeded), or -1 (a database
 * error, or emit said stop). Reads only; auditing is the caller's job. */
long export_residents_rows(db_conn *db, const export_filter *f, export_row_fn emit, void *ctx);

/* Writes the export CSV (UTF-8 with BOM, Chinese header row that
 * import_residents reads back; a full ID number after a tab, which
 * Excel keeps as text and the import trims) in chunks to sink, which
 * returns 0 or -1 to stop. Returns as export_residents_rows. */
long export_residents_write(db_conn *db, const export_filter *f,
                            int (*sink)(const char *data, size_t len, void *ctx), void *ctx);

/* The fields of an export made with f, in column order: as codes into
 * codes ("household_code,…,id_number:masked,…,birth_year,…,phone:masked,
 * …": the X-Export-Fields header) and as Chinese names into names
 * ("户编号、…、身份证号（已脱敏）、…": the audit row and the command
 * line). Masked: ID numbers without full_id, phones without full_phone;
 * birth_year in place of birth_date without full_id. */
void export_residents_fields(const export_filter *f, char *codes, size_t codes_sz, char *names, size_t names_sz);

/* For the command line: exports active residents under scope_path (NULL =
 * all) to out — ID numbers, birth dates and phones in full only with
 * full_id, which needs a stated purpose (kept in the audit row) — and
 * writes an audit row (action "export", user "system") in its own
 * transaction. Returns 0 or -1 (also for full_id without a purpose). */
int export_residents_csv(db_conn *db, const char *scope_path, int full_id, const char *purpose, FILE *out);

#endif
