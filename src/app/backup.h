/* backup.h — `minsheng backup` and `minsheng restore`: copies of the
 * database that finish under load and are checked before they count.
 *
 * Owns: the backup procedure (one-pass copy to `<file>.partial-<pid>`,
 * fsync, check, then the final name) and the restore procedure (check
 * a copy of the backup against this program and the key file, keep the
 * current database and seal file aside, install atomically, audit the
 * restore and seal a fresh checkpoint); on PostgreSQL the same through
 * pg_dump's custom-format archive and pg_restore (below). It sits in
 * app/ because a check needs the storage layer, the audit chain (core)
 * and the registry's counts together.
 *
 * The key file is never copied: a backup is checked with, and useless
 * without, the key file the database uses; it is kept apart. */
#ifndef MS_BACKUP_H
#define MS_BACKUP_H

#include <stdint.h>

#include "core/audit.h"
#include "storage/db.h"

/* What a check of a database file found. */
typedef struct backup_check {
    long long bytes;
    int schema;                      /* its schema version */
    int64_t residents, residents_active;
    int64_t audit_rows, audit_head_id;
    char audit_head[AUDIT_HASH_HEX];
} backup_check;

/* Checks a database file without writing to it: SQLite's integrity
 * check, a minsheng schema no newer than this program's, and an audit
 * chain that verifies with the loaded key (key_path only names it in
 * the message). Messages name the file as shown_as (NULL = file).
 * Returns 0, or -1 with a Chinese message in err (errsz bytes). */
int backup_check_file(const char *file, const char *shown_as, const char *key_path, backup_check *out, char *err,
                      size_t errsz);

typedef struct backup_report {
    backup_check check;
    int stale_removed;               /* partial files of killed runs removed */
} backup_report;

/* Backs up db (opened on db_path, key loaded) to dest: refuses the
 * database itself, and an existing dest unless overwrite; writes
 * `<dest>.partial-<pid>` (0600) in one pass, fsyncs and checks it, then
 * gives it the final name and fsyncs the directory; the partial file
 * is removed on every failure and on SIGINT/SIGTERM/SIGHUP. Then writes
 * a `backup` audit row to db.
 * Returns 0 or -1 with a message in err (errsz bytes). */
int backup_run(db_conn *db, const char *db_path, const char *dest, int overwrite, const char *key_path,
               backup_report *rep, char *err, size_t errsz);

typedef struct restore_options {
    const char *backup;              /* the backup file */
    const char *db_path;             /* the database to replace (or create) */
    const char *key_file;            /* --key-file, or NULL (keys.h decides) */
    const char *seal_file;           /* the checkpoint file of db_path */
    int force;                       /* replace an existing database */
} restore_options;

typedef struct restore_report {
    backup_check check;
    char kept[4200];                 /* the previous database, "" when there was none */
    char kept_seal[4200];            /* the previous seal file, "" when there was none */
    char key_path[4096];
    audit_seal seal;                 /* the checkpoint sealed after the restore */
} restore_report;

/* Restores o->backup over o->db_path: takes the server lock (refused
 * while a server runs), loads the key, copies the backup next to the
 * database and checks the copy (backup_check_file) before touching
 * anything; then keeps the current database as
 * `<db>.before-restore-<UTC time>` (checkpointed, with its -wal) and the
 * seal file as `<seal>.before-restore-<UTC time>`, renames the copy
 * into place, brings the schema up to date, writes a `restore` audit
 * row naming the backup and seals a checkpoint into a new seal file.
 * Returns 0 or -1 with a message in err (errsz bytes). */
int restore_run(const restore_options *o, restore_report *rep, char *err, size_t errsz);

/* ---- PostgreSQL ---------------------------------------------------------
 * There is no file to copy: `backup` runs pg_dump in its custom format
 * (-Fc) and `restore` runs pg_restore, each given the --db conninfo
 * without its password (storage/pg_tools.h). */

/* What pg_dump archived; the figures are read just before it starts. */
typedef struct backup_pg_report {
    long long bytes;
    int entries;                     /* objects in the archive (pg_restore --list) */
    int schema;
    int64_t residents, residents_active;
    int64_t audit_rows, audit_head_id;
    int stale_removed;
} backup_pg_report;

/* Checks that file is a pg_dump custom-format archive that pg_restore
 * reads (`pg_restore --list`) and that it holds the data of the tables
 * every minsheng database has; *entries: its objects. 0 or -1 with a
 * message in err. */
int backup_pg_check_archive(const char *file, int *entries, char *err, size_t errsz);

/* Backs up the database conninfo names (db: open on it) with `pg_dump
 * -Fc` into `<dest>.partial-<pid>` (0600; no password on its command
 * line), checks pg_dump's exit status and the archive
 * (backup_pg_check_archive), fsyncs it and gives it the name dest
 * (never over an existing file without overwrite), then writes a
 * `backup` audit row. 0 or -1 with a message in err. */
int backup_pg_run(db_conn *db, const char *conninfo, const char *dest, int overwrite, backup_pg_report *rep,
                  char *err, size_t errsz);

/* Restores the archive o->backup into the PostgreSQL database
 * o->db_path with pg_restore: loads the key, checks the archive,
 * refuses a target whose public schema holds anything unless o->force
 * (then pg_restore --clean --if-exists), restores in one transaction
 * (a failure leaves the target as it was), checks the restored database
 * as backup_check_file checks a file (schema, audit chain with the key,
 * data generations), moves the seal file aside as restore_run does
 * (rep->kept_seal; rep->kept stays ""), brings the schema up to date,
 * writes a `restore` audit row and seals a checkpoint into a new
 * o->seal_file. 0 or -1 with a message in err. */
int restore_pg_run(const restore_options *o, restore_report *rep, char *err, size_t errsz);

#endif
