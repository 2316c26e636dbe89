/* fieldkeys.h — encryption at rest across the modules that own encrypted
 * columns: the conversion of plaintext left by migration 0008, the
 * re-encryption that a key rotation needs, and their status.
 *
 * Owns: field_crypt_state, the list of encrypted tables (each module keeps its own SQL:
 * resident.c's resident_crypt_pass, and fc_column_sql descriptions in
 * household.c, org.c and auth/totp.c) and the batching: every batch is
 * one short write transaction, so a crash loses at most the batch in
 * flight and a rerun carries on where it stopped (rows are picked by
 * what they still need, not by a saved position). Run by open_db after
 * the migrations (any command), and by `minsheng keys rotate`. */
#ifndef MS_FIELDKEYS_H
#define MS_FIELDKEYS_H

#include <stdint.h>

#include "core/err.h"
#include "core/fieldcrypt.h"
#include "storage/db.h"

#define FIELDKEYS_BATCH 500   /* rows per transaction: a few ms of write lock */

/* Rows of every encrypted table still in plaintext or under an older
 * generation (a full scan of each table), or -1 on error. */
int64_t fieldkeys_pending(db_conn *db);

/* 1 when the last complete pass left every column under the newest
 * generation and the key file holds no other: nothing to scan for. */
int fieldkeys_settled(db_conn *db);

/* Encrypts every such row under the newest generation, batch rows per
 * transaction, with PRAGMA secure_delete on (the plaintext's old bytes
 * are zeroed in the file) and a WAL checkpoint (TRUNCATE) at the end so
 * the log keeps no old page either. Writes one audit row `action`
 * (fields_encrypted | keys_rotated) naming the rows done when any were,
 * and records the generation as settled (field_crypt_state).
 * Returns 0 with *done, or -1 with err. */
int fieldkeys_reencrypt(db_conn *db, int batch, const char *action, int64_t *done, ms_err *err);

/* Calls fn for each encrypted table with its status. Returns 0 or -1. */
int fieldkeys_status(db_conn *db, void (*fn)(const char *table, const crypt_status *st, void *ctx), void *ctx);

#endif
