/* fieldcrypt.h — encryption at rest of sensitive fields, and their
 * blind index (数据保密性, GB/T 22239-2019 §8.1.4.8).
 *
 * Owns: the stored form of an encrypted value and of a blind index. No
 * SQL and no JSON: the domain module that owns a column encrypts before
 * it writes and decrypts after it reads (resident.c, registry.c,
 * household.c, org.c, auth/totp.c).
 *
 * Encrypted value: XChaCha20-Poly1305 (IETF AEAD, libsodium) under the
 * KEY_DATA subkey of a key generation (core/keys.h), a random 24-byte
 * nonce per value, and associated data "<table>.<column>" + the row's
 * id, so a value copied to another row or column does not decrypt.
 * Stored as text: "e<generation>:" + base64 (no padding) of
 * nonce | ciphertext | tag, e.g. "e1:q83v…". The prefix names the key
 * generation, so a rotation can find what is left to re-encrypt.
 *
 * Blind index: keyed BLAKE2b-128 (crypto_generichash, KEY_BLIND of the
 * generation) of the normalised value with a one-byte domain tag, in
 * hex (32 characters). Equal values of one kind give equal indexes
 * under one generation, so `column = ?` still finds them through an
 * index; without the key the index says nothing about the value. */
#ifndef MS_FIELDCRYPT_H
#define MS_FIELDCRYPT_H

#include <stddef.h>
#include <stdint.h>

#include "core/keys.h"
#include "storage/db.h"

#define FC_PLAIN_MAX 128    /* the longest value encrypted (phones 40, TOTP secrets 64) */
#define FC_STORED_MAX 256   /* "e<gen>:" + base64 of 24 + FC_PLAIN_MAX + 16 bytes, NUL */
#define FC_BLIND_HEX 33     /* 32 hex digits and NUL */

/* What a blind index normalises its value as. */
typedef enum fc_kind {
    FC_ID_NUMBER = 1,   /* upper case, spaces removed: "11010519491231002x" = "11010519491231002X" */
    FC_PHONE = 2,       /* digits only: "0531-8888 6666" = "053188886666" */
    /* Tails (尾号), for search by the end of a value (registry/resident_search.c):
     * the last 4 digits of a phone, the last 4, 5 or 6 characters of an ID
     * number, normalised as above; the full value or the tail alone give the
     * same index. A value shorter than the tail has none. Low entropy: see
     * docs/design.md, "Search by tail". */
    FC_PHONE_TAIL4 = 3,
    FC_ID_TAIL4 = 4,
    FC_ID_TAIL5 = 5,
    FC_ID_TAIL6 = 6
} fc_kind;

/* Encrypts plain (NUL-terminated, at most FC_PLAIN_MAX bytes) for
 * column ("resident.phone") of row `row` with the newest generation into
 * out. Returns 0, or -1 (out "") when no key is loaded or the value is
 * too long. NULL or "" plain gives out "" and 0: callers store NULL. */
int fc_encrypt(const char *column, int64_t row, const char *plain, char out[FC_STORED_MAX]);

/* Decrypts a stored value of column/row into out (outsz bytes, always
 * NUL-terminated). "" or NULL stored gives "" and 0. Returns -1 (out "")
 * when the value was altered, belongs to another row or column, or was
 * made with a generation that is not loaded. */
int fc_decrypt(const char *column, int64_t row, const char *stored, char *out, size_t outsz);

/* The generation a stored value names (0 when it is not an encrypted value). */
unsigned fc_generation(const char *stored);

/* The blind index of value (normalised as kind) under generation gen
 * (0 = the newest) in out. Returns 0, or -1 (out "") without that key
 * or for an empty value. */
int fc_blind(fc_kind kind, const char *value, unsigned gen, char out[FC_BLIND_HEX]);

/* The blind indexes of value under every loaded generation, newest
 * first; out[1] repeats out[0] when only one is loaded, so a search
 * binds `col IN (?, ?)` whatever the state. Returns 0 or -1. */
int fc_blinds(fc_kind kind, const char *value, char out[KEYS_MAX_GENERATIONS][FC_BLIND_HEX]);

/* What a table's encrypted values are under (`minsheng keys status`):
 * rows still in plaintext, under an older generation, under the newest. */
typedef struct crypt_status {
    int64_t plain, older, newest;
} crypt_status;

/* One encrypted column of a table, for the conversion and rotation
 * passes (app/fieldkeys.c). The SQL is the owning module's:
 *   next:   binds (cursor, like, limit) → rows (id, plaintext, stored) of
 *           rows with id > cursor whose value is plaintext or does not
 *           match `like` (fc_current_like), ORDER BY id LIMIT limit;
 *   set:    binds (stored or NULL, id): stores the value, empties the plaintext;
 *           with `blind` set, binds (stored or NULL, blind index or NULL, id):
 *           the column's blind index, recomputed under the newest generation;
 *   status: binds (like, like) → (plaintext rows, older, newest). */
typedef struct fc_column_sql {
    const char *column;   /* "household.phone": the associated data */
    const char *next, *set, *status;
    fc_kind blind;        /* 0: no blind index; else what the index normalises as */
} fc_column_sql;

/* Re-encrypts up to limit rows of the column under the newest
 * generation, in the caller's transaction: rows done (0 = none left after
 * *cursor, which advances), -1 on error. */
int fc_column_pass(db_conn *db, const fc_column_sql *c, int64_t *cursor, int limit);
/* The column's crypt_status: 0 or -1. */
int fc_column_status(db_conn *db, const fc_column_sql *c, crypt_status *out);

/* "e<newest generation>:%" for a LIKE that finds values already under
 * the newest key; out must hold 16 bytes. */
char *fc_current_like(char out[16]);

#endif
