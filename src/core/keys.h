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
 * purpose, so one purpose's key never serves another.
 *
 * Generations (key rotation, `minsheng keys rotate`). The audit key
 * never changes (re-keying the chain would mean rewriting the log); the
 * field-encryption and blind-index keys (KEY_DATA, KEY_BLIND) come from
 * a numbered data generation. A file of exactly 32 bytes is generation
 * 1, whose master is also the audit master. After a rotation the file is
 *     "MSKEYS2\n" (8 bytes) | audit master (32) | n x (generation, 4 bytes
 *     big-endian | master, 32)
 * with the newest generation last: the one new values are written with.
 * While a rotation runs the file holds the old and the new generation,
 * so a crash loses nothing; it is rewritten with the new one only once
 * no value uses the old one. Files are replaced by write-to-temporary,
 * fsync, rename. */
#ifndef MS_KEYS_H
#define MS_KEYS_H

#include <stddef.h>

#include "core/err.h"

#define KEY_BYTES 32

typedef enum key_purpose {
    KEY_AUDIT = 0,   /* MAC of the audit chain and of its checkpoints */
    KEY_DATA,        /* encryption of sensitive fields (core/fieldcrypt.c) */
    KEY_BLIND,       /* keyed blind index for exact search (core/fieldcrypt.c) */
    KEY_CURSOR,      /* sealing of list cursors (server/page.c); from the audit
                      * master, so a rotation or a restart keeps them valid and
                      * every server process of one database shares it */
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

/* ---- data generations ---------------------------------------------------- */

#define KEYS_MAX_GENERATIONS 2   /* during a rotation: the old and the new */

/* The generation new values are encrypted with (0 = no key loaded). */
unsigned keys_generation(void);

/* The loaded generations, newest first, in out (at most
 * KEYS_MAX_GENERATIONS); returns how many. */
int keys_generations(unsigned out[KEYS_MAX_GENERATIONS]);

/* KEY_DATA or KEY_BLIND of generation gen (0 = the newest), or NULL when
 * that generation is not loaded. */
const unsigned char *keys_gen_subkey(key_purpose p, unsigned gen);

/* Rotation, step 1: when one generation is loaded, adds generation
 * (newest + 1) with a fresh random master, writes the key file with both
 * (temporary file, fsync, rename, fsync of the directory) and loads it.
 * When two are loaded already (a rotation that did not finish) it
 * changes nothing: the caller resumes. *resumed tells which. Needs the
 * exclusive lock (keys_lock_exclusive). Returns 0 or -1 with err. */
int keys_rotate_begin(const char *db_path, const char *key_file, int *resumed, ms_err *err);

/* Rotation, last step: rewrites the key file with the newest generation
 * only (the caller has checked that no value uses an older one) and
 * forgets the older ones. Returns 0 or -1 with err. */
int keys_rotate_finish(const char *db_path, const char *key_file, ms_err *err);

/* Every process that loads the key holds a shared lock on "<key file>.lock"
 * for as long as it runs (keys_load takes it; no lock when the file
 * cannot be created). A rotation needs it exclusively, so it cannot run
 * while a server (or any other command) uses the old generation.
 * Returns 0, or -1 with err (ERR_CONFLICT: another process holds it). */
int keys_lock_exclusive(const char *db_path, const char *key_file, ms_err *err);

#endif
