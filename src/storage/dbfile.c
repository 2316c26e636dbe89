/* dbfile.c — the database's files on disk: lock, partial files, atomic
 * install, moving aside (see dbfile.h). */
#include "storage/dbfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define PARTIAL_TAG ".partial-"

/* ---- the server lock --------------------------------------------------------- */

int dbfile_lock(const char *db_path, char *err, size_t errsz)
{
    char path[4200], holder[32] = "";
    snprintf(path, sizeof path, "%s.lock", db_path);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        snprintf(err, errsz, "无法打开锁文件 %s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int busy = errno == EWOULDBLOCK;
        ssize_t n = busy ? read(fd, holder, sizeof holder - 1) : -1;
        holder[n > 0 ? n : 0] = '\0';
        holder[strcspn(holder, "\r\n")] = '\0';
        if (busy)
            snprintf(err, errsz, "数据库 %s 正由另一个进程%s%s使用（锁文件 %s）：同一个数据库文件只能运行一个服务", db_path,
                     holder[0] ? " " : "", holder, path);
        else
            snprintf(err, errsz, "无法锁定 %s: %s", path, strerror(errno));
        close(fd);
        return busy ? -2 : -1;
    }
    /* The pid is only for the message above; the lock is the flock. */
    int len = snprintf(holder, sizeof holder, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, holder, (size_t)len, 0) != len) {
        /* The lock still holds; only the message would lack the pid. */
    }
    return fd;
}

int dbfile_server_elsewhere(const char *db_path)
{
    char path[4200], holder[32];
    snprintf(path, sizeof path, "%s.lock", db_path);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, holder, sizeof holder - 1);
    close(fd);
    holder[n > 0 ? n : 0] = '\0';
    long pid = strtol(holder, NULL, 10);
    return pid > 0 && pid != (long)getpid() && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

void dbfile_unlock(int fd)
{
    if (fd >= 0)
        close(fd);
}

/* ---- partial files -------------------------------------------------------------- */

char *dbfile_partial_name(const char *final, char *out, size_t outsz)
{
    snprintf(out, outsz, "%s" PARTIAL_TAG "%ld", final, (long)getpid());
    return out;
}

/* dirname/basename of path into dir and base (both writable copies). */
static void split_path(const char *path, char *dir, char *base, size_t sz)
{
    char a[4096], b[4096];
    snprintf(a, sizeof a, "%s", path);
    snprintf(b, sizeof b, "%s", path);
    snprintf(dir, sz, "%s", dirname(a));
    snprintf(base, sz, "%s", basename(b));
}

int dbfile_remove_stale_partials(const char *final)
{
    char dir[4096], base[4096], prefix[4200], victim[8400];
    int removed = 0;
    split_path(final, dir, base, sizeof dir);
    snprintf(prefix, sizeof prefix, "%s" PARTIAL_TAG, base);
    size_t plen = strlen(prefix);
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, plen) != 0)
            continue;
        char *end;
        long pid = strtol(e->d_name + plen, &end, 10);
        if (pid <= 0 || (*end && strcmp(end, "-journal") != 0))
            continue;
        if (pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;   /* its writer may still be at work */
        snprintf(victim, sizeof victim, "%s/%s", dir, e->d_name);
        if (unlink(victim) == 0 && !*end)
            removed++;
    }
    closedir(d);
    return removed;
}

/* ---- removal on signals ------------------------------------------------------------ */

static char g_temp[4096], g_temp_journal[4200];
static volatile sig_atomic_t g_temp_set;
static const int GUARDED[] = {SIGINT, SIGTERM, SIGHUP};
#define NGUARDED (sizeof GUARDED / sizeof GUARDED[0])
static struct sigaction g_old[NGUARDED];

static void on_signal(int sig)
{
    if (g_temp_set) {
        unlink(g_temp);
        unlink(g_temp_journal);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

void dbfile_temp_guard(const char *path)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NGUARDED; i++)
        sigaddset(&sa.sa_mask, GUARDED[i]);
    snprintf(g_temp, sizeof g_temp, "%s", path);
    snprintf(g_temp_journal, sizeof g_temp_journal, "%s-journal", path);
    g_temp_set = 1;
    for (size_t i = 0; i < NGUARDED; i++)
        sigaction(GUARDED[i], &sa, &g_old[i]);
}

void dbfile_temp_release(int remove_it)
{
    if (!g_temp_set)
        return;
    dbfile_signals_hold();
    if (remove_it) {
        unlink(g_temp);
        unlink(g_temp_journal);
    }
    g_temp_set = 0;
    for (size_t i = 0; i < NGUARDED; i++)
        sigaction(GUARDED[i], &g_old[i], NULL);
    dbfile_signals_release();
}

static void guarded_mask(int how)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < NGUARDED; i++)
        sigaddset(&set, GUARDED[i]);
    sigprocmask(how, &set, NULL);
}

/* Holds nest: only the outermost release lets the signals through. */
static int g_hold_depth;

void dbfile_signals_hold(void)
{
    if (g_hold_depth++ == 0)
        guarded_mask(SIG_BLOCK);
}

void dbfile_signals_release(void)
{
    if (g_hold_depth > 0 && --g_hold_depth == 0)
        guarded_mask(SIG_UNBLOCK);
}

/* ---- durable file operations ---------------------------------------------------------- */

int dbfile_fsync(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

int dbfile_fsync_dir_of(const char *path)
{
    char dir[4096], base[4096];
    split_path(path, dir, base, sizeof dir);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int dbfile_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

int dbfile_same(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int dbfile_copy(const char *src, const char *dst, char *err, size_t errsz)
{
    char buf[1 << 16];
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        snprintf(err, errsz, "无法读取 %s: %s", src, strerror(errno));
        return -1;
    }
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (out < 0) {
        snprintf(err, errsz, "无法创建 %s: %s", dst, strerror(errno));
        close(in);
        return -1;
    }
    int ok = 1;
    ssize_t n;
    while (ok && (n = read(in, buf, sizeof buf)) != 0) {
        if (n < 0) {
            ok = errno == EINTR;
            continue;
        }
        for (ssize_t off = 0; ok && off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            ok = w > 0;
            off += w > 0 ? w : 0;
        }
    }
    if (ok && fsync(out) != 0)
        ok = 0;
    int saved = errno;
    if (close(out) != 0)
        ok = 0;
    close(in);
    if (!ok) {
        snprintf(err, errsz, "无法复制 %s 到 %s: %s", src, dst, strerror(saved));
        unlink(dst);
        return -1;
    }
    return 0;
}

int dbfile_install(const char *tmp, const char *final, int overwrite)
{
    if (overwrite) {
        if (rename(tmp, final) != 0)
            return -1;
    } else if (link(tmp, final) == 0) {
        unlink(tmp);
    } else if (errno == EEXIST) {
        return -2;
    } else {
        /* A file system without hard links: check, then rename. */
        if (dbfile_exists(final))
            return -2;
        if (rename(tmp, final) != 0)
            return -1;
    }
    return dbfile_fsync_dir_of(final);
}

int dbfile_move_aside(const char *path, const char *kept, char *err, size_t errsz)
{
    static const char *const SIDE[] = {"-wal", "-journal"};
    char from[4200], to[4200];
    if (rename(path, kept) != 0) {
        snprintf(err, errsz, "无法把 %s 改名为 %s: %s", path, kept, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < sizeof SIDE / sizeof SIDE[0]; i++) {
        snprintf(from, sizeof from, "%s%s", path, SIDE[i]);
        snprintf(to, sizeof to, "%s%s", kept, SIDE[i]);
        if (rename(from, to) != 0 && errno != ENOENT) {
            snprintf(err, errsz, "无法把 %s 改名为 %s: %s", from, to, strerror(errno));
            if (i == 0)
                rename(kept, path);   /* the file and its -wal stay together */
            return -1;
        }
    }
    snprintf(from, sizeof from, "%s-shm", path);
    if (unlink(from) != 0 && errno != ENOENT) {
        snprintf(err, errsz, "无法删除 %s: %s", from, strerror(errno));
        return -1;
    }
    return dbfile_fsync_dir_of(path);
}
