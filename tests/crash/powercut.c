/* powercut.c — an LD_PRELOAD shim that simulates a power cut, for the
 * crash-durability test (tests/api/test_crash.c, tests/crash/run.sh).
 *
 * Owns: the model of what the disk holds. For every database file
 * ("*.db") and WAL file ("*.db-wal") under $CRASH_SHIM_DIR it records,
 * before each write or truncate, the bytes about to be replaced (an undo
 * log per file); fsync/fdatasync of the file makes everything written so
 * far durable and empties its undo log. On SIGUSR2 a shim thread takes
 * the lock every tracked write holds (so no write is half done), undoes,
 * newest first, every write made since the file's last sync — the page
 * cache lost with the power — truncates each file to its synced size and
 * kills the process with SIGKILL. Content present when a file is first
 * opened counts as durable (a kill -9 keeps the page cache in reality;
 * here it is taken as written).
 *
 * CRASH_SHIM_KEEP=P lets each unsynced write survive the cut with
 * probability P percent (a disk that reorders its cache; see power_cut).
 * CRASH_SHIM_LOG=1 prints each tracked write at offset 0 and each sync
 * to stderr (to see the WAL header rewrites and their syncs).
 * Without CRASH_SHIM_DIR the shim only passes calls through. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

typedef struct undo {
    struct undo *prev;     /* older entry */
    uint64_t seq;          /* numbers the file's writes, oldest first */
    off_t off;             /* where the old bytes go back */
    size_t len;            /* how many old bytes (0 when the write only extended the file) */
    size_t wlen;           /* bytes the write wrote (0 for a truncate) */
    unsigned char data[];
} undo;

typedef struct tracked_file {
    dev_t dev;
    ino_t ino;
    char path[512];
    off_t durable_size;    /* size at the last sync */
    undo *log;             /* newest first */
    uint64_t writes;       /* writes numbered so far */
    uint64_t sync_started, sync_done;   /* numbers the syncs; the newest finished */
    int gone;              /* unlinked */
} tracked_file;

enum { MAX_FILES = 64, MAX_FDS = 4096 };

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static tracked_file files[MAX_FILES];
static int nfiles;
static tracked_file *fd_file[MAX_FDS];
static const char *shim_dir;
static int shim_log;
static int trigger_pipe[2] = {-1, -1};

static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_openat64)(int, const char *, int, ...);
static int (*real_close)(int);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static int (*real_ftruncate)(int, off_t);
static int (*real_ftruncate64)(int, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_unlink)(const char *);

static void resolve(void)
{
    if (real_open)
        return;
    real_open64 = dlsym(RTLD_NEXT, "open64");
    real_openat = dlsym(RTLD_NEXT, "openat");
    real_openat64 = dlsym(RTLD_NEXT, "openat64");
    real_close = dlsym(RTLD_NEXT, "close");
    real_write = dlsym(RTLD_NEXT, "write");
    real_pwrite = dlsym(RTLD_NEXT, "pwrite");
    real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
    real_ftruncate = dlsym(RTLD_NEXT, "ftruncate");
    real_ftruncate64 = dlsym(RTLD_NEXT, "ftruncate64");
    real_fsync = dlsym(RTLD_NEXT, "fsync");
    real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
    real_unlink = dlsym(RTLD_NEXT, "unlink");
    real_open = dlsym(RTLD_NEXT, "open");
}

static void say(const char *f, ...)
{
    char line[600];
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(line, sizeof line, f, ap);
    va_end(ap);
    if (n > 0 && real_write(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1) < 0)
        return;
}

static int wanted_path(const char *path)
{
    if (!shim_dir || !path || strncmp(path, shim_dir, strlen(shim_dir)) != 0)
        return 0;
    size_t n = strlen(path);
    return (n > 3 && strcmp(path + n - 3, ".db") == 0) || (n > 7 && strcmp(path + n - 7, ".db-wal") == 0);
}

static tracked_file *file_of(int fd)
{
    return fd >= 0 && fd < MAX_FDS ? fd_file[fd] : NULL;
}

/* Called with mu held, after a tracked path was opened as fd. */
static void track(int fd, const char *path)
{
    struct stat st;
    if (fd < 0 || fd >= MAX_FDS || fstat(fd, &st) != 0)
        return;
    tracked_file *f = NULL;
    for (int i = 0; i < nfiles; i++)
        if (!files[i].gone && files[i].dev == st.st_dev && files[i].ino == st.st_ino)
            f = &files[i];
    if (!f && nfiles < MAX_FILES) {
        f = &files[nfiles++];
        f->dev = st.st_dev;
        f->ino = st.st_ino;
        snprintf(f->path, sizeof f->path, "%s", path);
        f->durable_size = st.st_size;
    }
    fd_file[fd] = f;
}

static void undo_free(tracked_file *f)
{
    while (f->log) {
        undo *u = f->log;
        f->log = u->prev;
        free(u);
    }
}

/* Saves the bytes [off, off+len) that exist now (mu held). */
static void remember(int fd, tracked_file *f, off_t off, size_t len, size_t wlen)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return;
    size_t have = off >= st.st_size ? 0 : (size_t)(st.st_size - off) < len ? (size_t)(st.st_size - off) : len;
    undo *u = malloc(sizeof *u + have);
    if (!u)
        abort();
    u->off = off;
    u->len = have;
    u->wlen = wlen;
    if (have && pread(fd, u->data, have, off) != (ssize_t)have)
        u->len = 0;
    u->seq = ++f->writes;
    u->prev = f->log;
    f->log = u;
    if (shim_log && off == 0)
        say("powercut: write %s off 0 len %zu\n", f->path, len);
}

/* Sync number `sync` started when the file's newest write was number
 * `upto` and it was `size` bytes long: those writes are durable (mu
 * held). Writes that raced with the sync stay undoable; a sync that
 * finishes after a later one has nothing to add. */
static void synced(tracked_file *f, uint64_t sync, uint64_t upto, off_t size)
{
    if (sync < f->sync_done)
        return;
    f->sync_done = sync;
    undo **link = &f->log;
    while (*link && (*link)->seq > upto)
        link = &(*link)->prev;
    undo *u = *link;
    *link = NULL;
    while (u) {
        undo *older = u->prev;
        free(u);
        u = older;
    }
    f->durable_size = size;
    if (shim_log)
        say("powercut: sync %s size %lld\n", f->path, (long long)size);
}

static const char zeros[65536];

/* Undoes write u: its old bytes back, and zeros where it extended the file. */
static void undo_one(int fd, const tracked_file *f, const undo *u)
{
    if (u->len && real_pwrite(fd, u->data, u->len, u->off) != (ssize_t)u->len)
        say("powercut: cannot restore %s\n", f->path);
    for (size_t done = u->len; done < u->wlen;) {
        size_t n = u->wlen - done < sizeof zeros ? u->wlen - done : sizeof zeros;
        if (real_pwrite(fd, zeros, n, u->off + (off_t)done) != (ssize_t)n)
            break;
        done += n;
    }
}

/* The power goes: every tracked file back to what its last sync made
 * durable, then the process dies. mu is taken and never released.
 * With CRASH_SHIM_KEEP=P (percent), each unsynced write survives with
 * probability P instead — a disk that wrote some of its cache, in any
 * order (a kept write may also be torn by an older one undone over it). */
static void power_cut(void)
{
    pthread_mutex_lock(&mu);
    const char *keep_env = getenv("CRASH_SHIM_KEEP");
    int keep = keep_env ? atoi(keep_env) : 0;
    unsigned seed = (unsigned)getpid() ^ (unsigned)time(NULL);
    for (int i = 0; i < nfiles; i++) {
        tracked_file *f = &files[i];
        if (f->gone)
            continue;
        int fd = real_open(f->path, O_WRONLY);
        if (fd < 0)
            continue;
        off_t size = f->durable_size;
        for (undo *u = f->log; u; u = u->prev) {
            if (u->wlen && keep > 0 && rand_r(&seed) % 100 < keep) {
                if (u->off + (off_t)u->wlen > size)
                    size = u->off + (off_t)u->wlen;
                continue;
            }
            undo_one(fd, f, u);
        }
        if (real_ftruncate(fd, size) != 0)
            say("powercut: cannot truncate %s\n", f->path);
        real_fsync(fd);
        real_close(fd);
    }
    say("powercut: power cut\n");
    kill(getpid(), SIGKILL);
    for (;;)
        pause();
}

static void on_sigusr2(int sig)
{
    char b = 1;
    if (write(trigger_pipe[1], &b, 1) < 0)
        return;
}

static void *trigger_thread(void *arg)
{
    char b;
    while (read(trigger_pipe[0], &b, 1) != 1)
        ;
    power_cut();
    return NULL;
}

__attribute__((constructor)) static void shim_init(void)
{
    resolve();
    shim_dir = getenv("CRASH_SHIM_DIR");
    shim_log = getenv("CRASH_SHIM_LOG") != NULL;
    if (!shim_dir || !*shim_dir) {
        shim_dir = NULL;
        return;
    }
    pthread_t t;
    if (pipe(trigger_pipe) != 0 || pthread_create(&t, NULL, trigger_thread, NULL) != 0)
        abort();
    pthread_detach(t);
    struct sigaction sa = {.sa_handler = on_sigusr2, .sa_flags = SA_RESTART};
    sigaction(SIGUSR2, &sa, NULL);
}

/* ---- the intercepted calls ------------------------------------------- */

static int opened(int fd, const char *path)
{
    if (fd >= 0 && wanted_path(path)) {
        pthread_mutex_lock(&mu);
        track(fd, path);
        pthread_mutex_unlock(&mu);
    }
    return fd;
}

#define OPEN_MODE(flags, mode)                 \
    mode_t mode = 0;                           \
    if ((flags) & (O_CREAT | O_TMPFILE)) {     \
        va_list ap;                            \
        va_start(ap, flags);                   \
        mode = va_arg(ap, mode_t);             \
        va_end(ap);                            \
    }

int open(const char *path, int flags, ...)
{
    resolve();
    OPEN_MODE(flags, mode);
    return opened(real_open(path, flags, mode), path);
}

int open64(const char *path, int flags, ...)
{
    resolve();
    OPEN_MODE(flags, mode);
    return opened(real_open64(path, flags, mode), path);
}

int openat(int dirfd, const char *path, int flags, ...)
{
    resolve();
    OPEN_MODE(flags, mode);
    return opened(real_openat(dirfd, path, flags, mode), path);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
    resolve();
    OPEN_MODE(flags, mode);
    return opened(real_openat64(dirfd, path, flags, mode), path);
}

int close(int fd)
{
    resolve();
    if (file_of(fd)) {
        pthread_mutex_lock(&mu);
        fd_file[fd] = NULL;
        pthread_mutex_unlock(&mu);
    }
    return real_close(fd);
}

static ssize_t tracked_pwrite(ssize_t (*fn)(int, const void *, size_t, off_t), int fd, const void *buf, size_t n,
                              off_t off)
{
    resolve();
    if (!file_of(fd))
        return fn(fd, buf, n, off);
    pthread_mutex_lock(&mu);
    tracked_file *f = file_of(fd);
    if (f)
        remember(fd, f, off, n, n);
    ssize_t rc = fn(fd, buf, n, off);
    pthread_mutex_unlock(&mu);
    return rc;
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    resolve();
    return tracked_pwrite(real_pwrite, fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    resolve();
    return tracked_pwrite(real_pwrite64, fd, buf, n, off);
}

ssize_t write(int fd, const void *buf, size_t n)
{
    resolve();
    if (!file_of(fd))
        return real_write(fd, buf, n);
    pthread_mutex_lock(&mu);
    tracked_file *f = file_of(fd);
    off_t off = lseek(fd, 0, SEEK_CUR);
    if (f && off >= 0)
        remember(fd, f, off, n, n);
    ssize_t rc = real_write(fd, buf, n);
    pthread_mutex_unlock(&mu);
    return rc;
}

static int tracked_truncate(int (*fn)(int, off_t), int fd, off_t size)
{
    if (!file_of(fd))
        return fn(fd, size);
    pthread_mutex_lock(&mu);
    tracked_file *f = file_of(fd);
    struct stat st;
    if (f && fstat(fd, &st) == 0 && st.st_size > size)
        remember(fd, f, size, (size_t)(st.st_size - size), 0);
    int rc = fn(fd, size);
    pthread_mutex_unlock(&mu);
    return rc;
}

int ftruncate(int fd, off_t size)
{
    resolve();
    return tracked_truncate(real_ftruncate, fd, size);
}

int ftruncate64(int fd, off_t size)
{
    resolve();
    return tracked_truncate(real_ftruncate64, fd, size);
}

static int tracked_sync(int (*fn)(int), int fd)
{
    if (!file_of(fd))
        return fn(fd);
    struct stat st;
    pthread_mutex_lock(&mu);
    tracked_file *f = file_of(fd);
    uint64_t sync = f ? ++f->sync_started : 0, upto = f ? f->writes : 0;
    off_t size = fstat(fd, &st) == 0 ? st.st_size : 0;
    pthread_mutex_unlock(&mu);
    int rc = fn(fd);
    if (rc == 0 && f) {
        pthread_mutex_lock(&mu);
        synced(f, sync, upto, size);
        pthread_mutex_unlock(&mu);
    }
    return rc;
}

int fsync(int fd)
{
    resolve();
    return tracked_sync(real_fsync, fd);
}

int fdatasync(int fd)
{
    resolve();
    return tracked_sync(real_fdatasync, fd);
}

int unlink(const char *path)
{
    resolve();
    int rc = real_unlink(path);
    if (rc == 0 && wanted_path(path)) {
        pthread_mutex_lock(&mu);
        for (int i = 0; i < nfiles; i++)
            if (!files[i].gone && strcmp(files[i].path, path) == 0) {
                files[i].gone = 1;
                undo_free(&files[i]);
            }
        pthread_mutex_unlock(&mu);
    }
    return rc;
}
