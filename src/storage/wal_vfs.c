/* wal_vfs.c — the "minsheng-wal" SQLite VFS: the default "unix" VFS with
 * one change, for connections that run synchronous=OFF (group commit,
 * db_sqlite.c).
 *
 * Owns: the rule that a WAL header is on disk before any frame that
 * follows it. When a checkpoint has copied every frame, the next writer
 * restarts the WAL from the top: it writes a new 32-byte header (new
 * salts) at offset 0 and then new frames over the old ones. SQLite syncs
 * that header itself only when synchronous is not OFF; without the sync
 * a disk that reorders writes could keep new frames under the old header
 * after a power cut, and recovery would replay a stale prefix of old
 * frames over newer pages. So every write at offset 0 of a WAL file is
 * followed by a sync here. Every other call goes straight to "unix". */
#include "storage/wal_vfs.h"

#include <pthread.h>
#include <sqlite3.h>
#include <string.h>

typedef struct wal_file {
    sqlite3_file base;      /* pMethods = &wal_io (or NULL when the open failed) */
    int is_wal;
    sqlite3_file *real;     /* the unix file, stored right after this struct */
} wal_file;

static sqlite3_vfs *unix_vfs;
static sqlite3_vfs wal_vfs;

static sqlite3_file *real_of(sqlite3_file *f) { return ((wal_file *)f)->real; }

static int x_close(sqlite3_file *f) { return real_of(f)->pMethods->xClose(real_of(f)); }
static int x_read(sqlite3_file *f, void *b, int n, sqlite3_int64 off) { return real_of(f)->pMethods->xRead(real_of(f), b, n, off); }
static int x_truncate(sqlite3_file *f, sqlite3_int64 size) { return real_of(f)->pMethods->xTruncate(real_of(f), size); }
static int x_sync(sqlite3_file *f, int flags) { return real_of(f)->pMethods->xSync(real_of(f), flags); }
static int x_file_size(sqlite3_file *f, sqlite3_int64 *size) { return real_of(f)->pMethods->xFileSize(real_of(f), size); }
static int x_lock(sqlite3_file *f, int l) { return real_of(f)->pMethods->xLock(real_of(f), l); }
static int x_unlock(sqlite3_file *f, int l) { return real_of(f)->pMethods->xUnlock(real_of(f), l); }
static int x_check_reserved(sqlite3_file *f, int *out) { return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out); }
static int x_file_control(sqlite3_file *f, int op, void *arg) { return real_of(f)->pMethods->xFileControl(real_of(f), op, arg); }
static int x_sector_size(sqlite3_file *f) { return real_of(f)->pMethods->xSectorSize(real_of(f)); }
static int x_device_chars(sqlite3_file *f) { return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f)); }
static int x_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **out) { return real_of(f)->pMethods->xShmMap(real_of(f), pg, pgsz, extend, out); }
static int x_shm_lock(sqlite3_file *f, int off, int n, int flags) { return real_of(f)->pMethods->xShmLock(real_of(f), off, n, flags); }
static void x_shm_barrier(sqlite3_file *f) { real_of(f)->pMethods->xShmBarrier(real_of(f)); }
static int x_shm_unmap(sqlite3_file *f, int del) { return real_of(f)->pMethods->xShmUnmap(real_of(f), del); }
static int x_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **out) { return real_of(f)->pMethods->xFetch(real_of(f), off, n, out); }
static int x_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p) { return real_of(f)->pMethods->xUnfetch(real_of(f), off, p); }

static int x_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 off)
{
    int rc = real_of(f)->pMethods->xWrite(real_of(f), b, n, off);
    if (rc == SQLITE_OK && off == 0 && ((wal_file *)f)->is_wal)
        rc = real_of(f)->pMethods->xSync(real_of(f), SQLITE_SYNC_NORMAL);
    return rc;
}

static const sqlite3_io_methods wal_io = {
    .iVersion = 3,
    .xClose = x_close, .xRead = x_read, .xWrite = x_write, .xTruncate = x_truncate, .xSync = x_sync,
    .xFileSize = x_file_size, .xLock = x_lock, .xUnlock = x_unlock, .xCheckReservedLock = x_check_reserved,
    .xFileControl = x_file_control, .xSectorSize = x_sector_size, .xDeviceCharacteristics = x_device_chars,
    .xShmMap = x_shm_map, .xShmLock = x_shm_lock, .xShmBarrier = x_shm_barrier, .xShmUnmap = x_shm_unmap,
    .xFetch = x_fetch, .xUnfetch = x_unfetch,
};

static int x_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags, int *out_flags)
{
    wal_file *w = (wal_file *)f;
    w->real = (sqlite3_file *)(w + 1);
    w->is_wal = (flags & SQLITE_OPEN_WAL) != 0;
    int rc = unix_vfs->xOpen(unix_vfs, name, w->real, flags, out_flags);
    /* Only a file the unix VFS opened gets methods (SQLite closes it). */
    w->base.pMethods = w->real->pMethods ? &wal_io : NULL;
    return rc;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int registered;

static void wal_vfs_register(void)
{
    unix_vfs = sqlite3_vfs_find("unix");
    if (!unix_vfs || unix_vfs->iVersion < 3)
        return;
    /* Everything but xOpen is unix's own (pAppData too, which its
     * functions read); files are ours with theirs right behind. */
    wal_vfs = *unix_vfs;
    wal_vfs.zName = "minsheng-wal";
    wal_vfs.pNext = NULL;
    wal_vfs.szOsFile = (int)sizeof(wal_file) + unix_vfs->szOsFile;
    wal_vfs.xOpen = x_open;
    registered = sqlite3_vfs_register(&wal_vfs, 0) == SQLITE_OK;
}

const char *wal_vfs_name(void)
{
    pthread_once(&once, wal_vfs_register);
    return registered ? wal_vfs.zName : NULL;
}
