/* keys.h — the master key, kept outside the database, and the subkeys
 * derived from it.
 *
 * Owns: the key file (32 random bytes, mode 0600, created with O_EXCL
 * next to a new database) and the process's copy of the master key and
 * its subkeys. The file is found, in order, from --key-file, the
 * environment variable MINSHENG_KEY_FILE, or "<database path>.key". A
 * file that group or others may read (or write) is refused: whoever
 * holds the key can forge the audit chain (and, later, read encrypted
 * fields).
 *
 * Subkeys come from crypto_kdf_derive_from_key with a fixed context per
 * purpose, so one purpose's key never serves another. */
#ifndef MS_KEYS_H
#define MS_KEYS_H

#include <stddef.h>

#include "core/err.h"

#define KEY_BYTES 32

typedef enum key_purpose {
    KEY_AUDIT = 0,   /* MAC of the audit chain and of its checkpoints */
    KEY_DATA,        /* encryption of sensitive fields (a later step) */
    KEY_BLIND,       /* keyed blind index for exact search (a later step) */
    KEY_PURPOSE_COUNT
} key_purpose;

/* The key file's path for a database: key_file when given, else
 * $MINSHENG_KEY_FILE, else "<db_path>.key". Writes out (outsz bytes);
 * returns out. */
char *keys_path(const char *db_path, const char *key_file, char *out, size_t outsz);

/* Loads the master key from the key file and derives the subkeys.
 * Returns 0, or -1 with a Chinese message in err: ERR_NOT_FOUND when the
 * file does not exist (the caller decides whether to create it),
 * ERR_FORBIDDEN when group/others may read or write it, ERR_INVALID when
 * it is not a regular file of exactly 32 bytes. */
int keys_load(const char *db_path, const char *key_file, ms_err *err);

/* Creates the key file (O_CREAT|O_EXCL, mode 0600, fsync'd) with 32
 * fresh random bytes and loads it. Refuses (ERR_CONFLICT) when the file
 * already exists. Returns 0 or -1 with err. */
int keys_create(const char *db_path, const char *key_file, ms_err *err);

/* An in-memory random key, for databases that live no longer than the
 * process (unit tests on ":memory:"). */
void keys_load_ephemeral(void);

/* The 32-byte subkey for a purpose, or NULL when no key is loaded (and
 * writers that need it must refuse). */
const unsigned char *keys_subkey(key_purpose p);

/* Wipes the keys from memory (sodium_memzero). */
void keys_clear(void);

#endif
