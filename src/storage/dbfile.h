/* dbfile.h — the database's files on disk, beside what SQLite itself
 * manages: the server lock, temporary files that must not outlive an
 * interrupted command, and atomic installs.
 *
 * Owns: `<db>.lock` (an exclusive flock held by `minsheng serve` and
 * `minsheng restore` for as long as they run: one server per database
 * file, and no restore under a running server); the temporary names
 * `<final>.partial-<pid>` (a file being written that becomes <final>
 * only when complete) and their removal on SIGINT/SIGTERM/SIGHUP and,
 * for files left by a killed process, on the next run; moving a
 * database aside with its -wal (its -shm is dropped: SQLite rebuilds
 * it). Knows nothing of tables; SQLite's file names (-wal, -shm,
 * -journal) are the only engine detail here. */
#ifndef MS_DBFILE_H
#define MS_DBFILE_H

#include <stddef.h>

/* Takes the exclusive lock `<db_path>.lock` (created 0600) without
 * waiting and writes the holder's pid into it. Returns the open
 * descriptor (keep it open: closing it releases the lock), -2 when
 * another process holds it (err names that process's pid), or -1 on
 * any other error (err). */
int dbfile_lock(const char *db_path, char *err, size_t errsz);
void dbfile_unlock(int fd);
/* 1 when a process other than this one holds (or held and still runs
 * under the pid it wrote into) `<db_path>.lock`: a server elsewhere may
 * write to the database at any moment. 0 when there is no lock file, or
 * its pid is gone or is this process. Reads the pid only: never takes
 * the lock, so a server starting meanwhile is not turned away. */
int dbfile_server_elsewhere(const char *db_path);

/* "<final>.partial-<pid of this process>" into out; returns out. */
char *dbfile_partial_name(const char *final, char *out, size_t outsz);

/* Removes "<final>.partial-<pid>" files (and their -journal) whose
 * process no longer exists: what a killed backup or restore left.
 * Returns how many were removed. */
int dbfile_remove_stale_partials(const char *final);

/* Registers path to be removed (with its -journal) when SIGINT, SIGTERM
 * or SIGHUP arrives before dbfile_temp_release; the signal then ends the
 * process as it would have. One path at a time. */
void dbfile_temp_guard(const char *path);
/* Unregisters the path; removes the file too when remove_it. */
void dbfile_temp_release(int remove_it);

/* Holds back SIGINT/SIGTERM/SIGHUP around a step that must not be cut
 * in the middle (the file switch of a restore); release delivers them.
 * Holds nest: the outermost release lets them through. */
void dbfile_signals_hold(void);
void dbfile_signals_release(void);

/* fsync of a file, and of the directory holding path. 0 or -1 (errno). */
int dbfile_fsync(const char *path);
int dbfile_fsync_dir_of(const char *path);

/* Copies src to a new file dst (O_EXCL, 0600) and fsyncs it. 0, or -1
 * with err; dst is removed on failure. */
int dbfile_copy(const char *src, const char *dst, char *err, size_t errsz);

/* Puts the complete file tmp under the name final in one step: with
 * overwrite, rename(2) (an existing final is replaced); without, link(2)
 * then unlink of tmp, so an existing final is never touched (-2). Then
 * fsyncs the directory. 0, -2 when final exists, or -1 (errno). */
int dbfile_install(const char *tmp, const char *final, int overwrite);

/* Moves the database path (with its -wal and -journal, if present) to
 * kept (kept-wal, kept-journal), and removes its -shm. A database whose
 * -wal was checkpointed first leaves a self-contained kept file. 0, or
 * -1 with err (nothing moved when the database file itself could not
 * be). */
int dbfile_move_aside(const char *path, const char *kept, char *err, size_t errsz);

/* 1 when path exists (any type), else 0. */
int dbfile_exists(const char *path);
/* 1 when both paths exist and are the same file, else 0. */
int dbfile_same(const char *a, const char *b);

#endif
