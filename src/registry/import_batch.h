/* import_batch.h — the batch marker of a CSV import (migration 0005).
 *
 * Owns: the import_batch table — starting a batch (one at a time),
 * renewing its heartbeat, committing it (its rows become visible in
 * that one transaction), undoing it (its rows deleted in bounded
 * transactions, with an `import_undo` audit row), and recovering
 * batches whose process died. The rows themselves are written by
 * registry_writer (registry.h) with the batch's id and hidden from
 * everyone by REGISTRY_VISIBLE until the batch is committed. */
#ifndef MS_IMPORT_BATCH_H
#define MS_IMPORT_BATCH_H

#include <stdint.h>

#include "core/err.h"
#include "storage/db.h"

#define IMPORT_UNDO_ROWS 500          /* rows deleted per undo transaction */
#define IMPORT_BATCH_STALE_S 120      /* a heartbeat this old means the process is gone */

/* Who runs an import (or undoes one): written into the batch and its
 * audit rows. user_id 0 / username NULL = command line ("cli"). */
typedef struct import_owner {
    int64_t user_id;
    const char *username;
    const char *client_ip;
    const char *org_path;             /* the owner's scope; NULL = all */
} import_owner;

typedef struct import_counts {
    int64_t rows, residents, households, error_rows;
} import_counts;

/* Starts a batch in its own transaction. Only one import runs at a
 * time: while another batch is running or being undone, -1 with
 * ERR_CONFLICT naming it (ERR_BUSY when the database stayed locked). */
int import_batch_start(db_conn *db, const import_owner *who, const char *file_name, const char *mode,
                       int64_t *id_out, ms_err *err);

/* Inside the caller's transaction: renews the heartbeat and the counts
 * so far. Returns 0 or -1. */
int import_batch_touch(db_conn *db, int64_t id, const import_counts *c);

/* Inside the caller's transaction (which also writes the import's audit
 * row): marks the batch committed, making its rows visible. */
int import_batch_commit(db_conn *db, int64_t id, const import_counts *c);

/* Deletes everything batch id wrote, IMPORT_UNDO_ROWS rows per
 * transaction, and ends it `failed` (never committed) or `undone`
 * (committed before), with an `import_undo` audit row saying why. The
 * batch must be running, undoing or committed; the caller must not hold
 * a transaction. Deleted counts go to *deleted (may be NULL). Returns 0,
 * or -1 with *err: ERR_NOT_FOUND no such batch in that state;
 * ERR_CONFLICT a committed batch whose rows were changed or referred to
 * since (registry_batch_changed_since; nothing done); ERR_BUSY the
 * deletes stopped half-way (the batch stays hidden and is finished by
 * import_batch_recover). */
int import_batch_undo(db_conn *db, int64_t id, const import_owner *who, const char *reason,
                      import_counts *deleted, ms_err *err);

/* Undoes every running or undoing batch whose process is gone (not
 * alive, or no heartbeat for IMPORT_BATCH_STALE_S; at_startup also
 * treats this process's own pid as gone, as a restarted server in a
 * container often gets its old pid back). A batch another host writes
 * (import_batch.host, several servers on one PostgreSQL database) is
 * judged by its heartbeat alone. Returns how many were
 * undone, or -1 when one could not be. */
int import_batch_recover(db_conn *db, int at_startup);

#endif
