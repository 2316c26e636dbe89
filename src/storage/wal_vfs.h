/* wal_vfs.h — the "minsheng-wal" SQLite VFS of group-commit mode
 * (see wal_vfs.c). Internal to the SQLite backend. */
#ifndef MS_WAL_VFS_H
#define MS_WAL_VFS_H

/* Registers the VFS once (not as the default) and returns its name, or
 * NULL when it could not be registered (the caller uses the default). */
const char *wal_vfs_name(void);

#endif
