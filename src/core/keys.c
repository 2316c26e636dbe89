/* keys.c — the key file and the derived subkeys (see keys.h). */
#include "core/keys.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* crypto_kdf contexts: 8 bytes each, fixed forever (changing one makes
 * every MAC or ciphertext made with the old subkey unreadable). */
static const char KDF_CONTEXT[KEY_PURPOSE_COUNT][crypto_kdf_CONTEXTBYTES + 1] = {
    [KEY_AUDIT] = "msaudit1",
    [KEY_DATA] = "msdata01",
    [KEY_BLIND] = "msblind1",
    [KEY_CURSOR] = "mscursr1",
};

/* The audit master and its subkey; the data generations (file order,
 * newest last), each with its master (kept to rewrite the file during a
 * rotation) and its two subkeys. */
static unsigned char g_audit_master[KEY_BYTES];
static unsigned char g_audit_key[KEY_BYTES];
static unsigned char g_cursor_key[KEY_BYTES];
static struct generation {
    unsigned gen;
    unsigned char master[KEY_BYTES];
    unsigned char data[KEY_BYTES], blind[KEY_BYTES];
} g_gens[KEYS_MAX_GENERATIONS];
static int g_ngens;
static int g_loaded;
static int g_lock_fd = -1;

static const char KEYS2_MAGIC[8] = {'M', 'S', 'K', 'E', 'Y', 'S', '2', '\n'};
#define GEN_RECORD (4 + KEY_BYTES)
#define KEYS2_MAX (sizeof KEYS2_MAGIC + KEY_BYTES + KEYS_MAX_GENERATIONS * GEN_RECORD)

char *keys_path(const char *db_path, const char *key_file, char *out, size_t outsz)
{
    const char *env = getenv("MINSHENG_KEY_FILE");
    if (key_file && *key_file)
        snprintf(out, outsz, "%s", key_file);
    else if (env && *env)
        snprintf(out, outsz, "%s", env);
    else
        snprintf(out, outsz, "%s.key", db_path ? db_path : "minsheng.db");
    return out;
}

static void derive_gen(struct generation *g)
{
    crypto_kdf_derive_from_key(g->data, KEY_BYTES, KEY_DATA + 1, KDF_CONTEXT[KEY_DATA], g->master);
    crypto_kdf_derive_from_key(g->blind, KEY_BYTES, KEY_BLIND + 1, KDF_CONTEXT[KEY_BLIND], g->master);
}

/* Loads an audit master and the generations (masters laid out as in the
 * file: gens[i] with its master at masters + i * KEY_BYTES). */
static void install(const unsigned char audit[KEY_BYTES], const unsigned *gens,
                    const unsigned char *masters, int n)
{
    keys_clear();
    memcpy(g_audit_master, audit, KEY_BYTES);
    crypto_kdf_derive_from_key(g_audit_key, KEY_BYTES, KEY_AUDIT + 1, KDF_CONTEXT[KEY_AUDIT], audit);
    crypto_kdf_derive_from_key(g_cursor_key, KEY_BYTES, KEY_CURSOR + 1, KDF_CONTEXT[KEY_CURSOR], audit);
    for (int i = 0; i < n; i++) {
        g_gens[i].gen = gens[i];
        memcpy(g_gens[i].master, masters + (size_t)i * KEY_BYTES, KEY_BYTES);
        derive_gen(&g_gens[i]);
    }
    g_ngens = n;
    g_loaded = 1;
}

/* A key file of exactly 32 bytes: the audit master and generation 1. */
static void derive(const unsigned char master[KEY_BYTES])
{
    unsigned one = 1;
    install(master, &one, master, 1);
}

/* Reads the whole file (at most KEYS2_MAX bytes) into buf: its length,
 * or -1 when it is longer. */
static ssize_t read_all(int fd, unsigned char *buf, size_t cap)
{
    size_t got = 0;
    unsigned char extra;
    while (got < cap) {
        ssize_t n = read(fd, buf + got, cap - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            return (ssize_t)got;
        got += (size_t)n;
    }
    return read(fd, &extra, 1) == 0 ? (ssize_t)got : -1;
}

/* Parses a key file's bytes and installs them: 0, or -1 when malformed. */
static int parse_keys(const unsigned char *buf, ssize_t len)
{
    if (len == KEY_BYTES) {
        derive(buf);
        return 0;
    }
    size_t head = sizeof KEYS2_MAGIC + KEY_BYTES;
    if (len < (ssize_t)(head + GEN_RECORD) || memcmp(buf, KEYS2_MAGIC, sizeof KEYS2_MAGIC) != 0 ||
        ((size_t)len - head) % GEN_RECORD != 0)
        return -1;
    int n = (int)(((size_t)len - head) / GEN_RECORD);
    if (n > KEYS_MAX_GENERATIONS)
        return -1;
    unsigned gens[KEYS_MAX_GENERATIONS];
    unsigned char masters[KEYS_MAX_GENERATIONS * KEY_BYTES];
    for (int i = 0; i < n; i++) {
        const unsigned char *r = buf + head + (size_t)i * GEN_RECORD;
        gens[i] = (unsigned)r[0] << 24 | (unsigned)r[1] << 16 | (unsigned)r[2] << 8 | r[3];
        if (gens[i] == 0 || (i > 0 && gens[i] <= gens[i - 1]))
            return -1;
        memcpy(masters + (size_t)i * KEY_BYTES, r + 4, KEY_BYTES);
    }
    install(buf + sizeof KEYS2_MAGIC, gens, masters, n);
    sodium_memzero(masters, sizeof masters);
    return 0;
}

/* The shared lock every user of the key holds (see keys_lock_exclusive). */
static void lock_shared(const char *key_path)
{
    char lock[4200];
    if (g_lock_fd >= 0)
        return;
    snprintf(lock, sizeof lock, "%s.lock", key_path);
    g_lock_fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (g_lock_fd >= 0 && flock(g_lock_fd, LOCK_SH | LOCK_NB) != 0) {
        /* a rotation holds it: wait for it rather than use a stale generation */
        flock(g_lock_fd, LOCK_SH);
    }
}

int keys_load(const char *db_path, const char *key_file, ms_err *err)
{
    char path[4096];
    unsigned char buf[KEYS2_MAX];
    struct stat st;
    keys_path(db_path, key_file, path, sizeof path);
    lock_shared(path);   /* before reading: a rotation in progress finishes first */
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return err_set(err, ERR_NOT_FOUND, "key_file", "密钥文件 %s 不存在", path);
        return err_set(err, ERR_INVALID, "key_file", "无法打开密钥文件 %s: %s", path, strerror(errno));
    }
    int rc = -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        err_set(err, ERR_INVALID, "key_file", "密钥文件 %s 不是普通文件", path);
    } else if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        err_set(err, ERR_FORBIDDEN, "key_file",
                "密钥文件 %s 的权限过宽（%03o）：只允许所有者读写，请执行 chmod 600 %s", path,
                (unsigned)(st.st_mode & 0777), path);
    } else {
        ssize_t len = read_all(fd, buf, sizeof buf);
        if (len < 0 || parse_keys(buf, len) != 0)
            err_set(err, ERR_INVALID, "key_file", "密钥文件 %s 已损坏（应为 %d 字节，或轮换后的格式）", path, KEY_BYTES);
        else
            rc = 0;
    }
    sodium_memzero(buf, sizeof buf);
    close(fd);
    return rc;
}

int keys_create(const char *db_path, const char *key_file, ms_err *err)
{
    char path[4096];
    unsigned char master[KEY_BYTES];
    keys_path(db_path, key_file, path, sizeof path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            return err_set(err, ERR_CONFLICT, "key_file", "密钥文件 %s 已存在，不会覆盖", path);
        return err_set(err, ERR_INVALID, "key_file", "无法创建密钥文件 %s: %s", path, strerror(errno));
    }
    randombytes_buf(master, sizeof master);
    /* The umask may have removed bits, never added them; make it exact. */
    int ok = fchmod(fd, 0600) == 0 && write(fd, master, sizeof master) == (ssize_t)sizeof master && fsync(fd) == 0;
    if (close(fd) != 0)
        ok = 0;
    if (!ok) {
        unlink(path);
        sodium_memzero(master, sizeof master);
        return err_set(err, ERR_INVALID, "key_file", "无法写入密钥文件 %s", path);
    }
    derive(master);
    sodium_memzero(master, sizeof master);
    lock_shared(path);
    return 0;
}

void keys_load_ephemeral(void)
{
    unsigned char master[KEY_BYTES];
    randombytes_buf(master, sizeof master);
    derive(master);
    sodium_memzero(master, sizeof master);
}

const unsigned char *keys_subkey(key_purpose p)
{
    if (!g_loaded || p < 0 || p >= KEY_PURPOSE_COUNT)
        return NULL;
    if (p == KEY_AUDIT || p == KEY_CURSOR)
        return p == KEY_AUDIT ? g_audit_key : g_cursor_key;
    return keys_gen_subkey(p, 0);
}

void keys_clear(void)
{
    sodium_memzero(g_audit_master, sizeof g_audit_master);
    sodium_memzero(g_audit_key, sizeof g_audit_key);
    sodium_memzero(g_cursor_key, sizeof g_cursor_key);
    sodium_memzero(g_gens, sizeof g_gens);
    g_ngens = 0;
    g_loaded = 0;
}

/* ---- generations ----------------------------------------------------------- */

unsigned keys_generation(void)
{
    return g_loaded && g_ngens ? g_gens[g_ngens - 1].gen : 0;
}

int keys_generations(unsigned out[KEYS_MAX_GENERATIONS])
{
    int n = g_loaded ? g_ngens : 0;
    for (int i = 0; i < n; i++)
        out[i] = g_gens[n - 1 - i].gen;
    return n;
}

const unsigned char *keys_gen_subkey(key_purpose p, unsigned gen)
{
    if (!g_loaded || g_ngens == 0 || (p != KEY_DATA && p != KEY_BLIND))
        return NULL;
    for (int i = g_ngens - 1; i >= 0; i--)
        if (gen == 0 || g_gens[i].gen == gen)
            return p == KEY_DATA ? g_gens[i].data : g_gens[i].blind;
    return NULL;
}

/* Replaces the key file with the audit master and gens[first..g_ngens):
 * a temporary file next to it (mode 0600), fsync, rename over the old
 * one, fsync of the directory. A crash leaves the old file or the new. */
static int write_key_file(const char *path, int first, ms_err *err)
{
    char tmp[4200], dir[4096];
    unsigned char buf[KEYS2_MAX];
    size_t len = 0;
    memcpy(buf, KEYS2_MAGIC, sizeof KEYS2_MAGIC);
    len += sizeof KEYS2_MAGIC;
    memcpy(buf + len, g_audit_master, KEY_BYTES);
    len += KEY_BYTES;
    for (int i = first; i < g_ngens; i++) {
        unsigned g = g_gens[i].gen;
        unsigned char be[4] = {(unsigned char)(g >> 24), (unsigned char)(g >> 16), (unsigned char)(g >> 8),
                               (unsigned char)g};
        memcpy(buf + len, be, 4);
        memcpy(buf + len + 4, g_gens[i].master, KEY_BYTES);
        len += GEN_RECORD;
    }
    snprintf(tmp, sizeof tmp, "%s.new", path);
    unlink(tmp);   /* left by a crash: never the live file */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    int ok = fd >= 0 && fchmod(fd, 0600) == 0 && write(fd, buf, len) == (ssize_t)len && fsync(fd) == 0;
    if (fd >= 0 && close(fd) != 0)
        ok = 0;
    sodium_memzero(buf, sizeof buf);
    if (ok && rename(tmp, path) == 0) {
        snprintf(dir, sizeof dir, "%s", path);
        char *slash = strrchr(dir, '/');
        if (slash)
            *(slash == dir ? slash + 1 : slash) = '\0';
        else
            snprintf(dir, sizeof dir, ".");
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
        return 0;
    }
    unlink(tmp);
    return err_set(err, ERR_INVALID, "key_file", "无法写入密钥文件 %s: %s", path, strerror(errno));
}

int keys_rotate_begin(const char *db_path, const char *key_file, int *resumed, ms_err *err)
{
    char path[4096];
    keys_path(db_path, key_file, path, sizeof path);
    if (!g_loaded || g_ngens == 0)
        return err_set(err, ERR_INVALID, "key_file", "没有载入密钥");
    *resumed = g_ngens > 1;
    if (*resumed)
        return 0;
    struct generation *g = &g_gens[1];
    g->gen = g_gens[0].gen + 1;
    randombytes_buf(g->master, KEY_BYTES);
    derive_gen(g);
    g_ngens = 2;
    if (write_key_file(path, 0, err) != 0) {
        sodium_memzero(g, sizeof *g);
        g_ngens = 1;
        return -1;
    }
    return 0;
}

int keys_rotate_finish(const char *db_path, const char *key_file, ms_err *err)
{
    char path[4096];
    keys_path(db_path, key_file, path, sizeof path);
    if (!g_loaded || g_ngens < 2)
        return 0;
    if (write_key_file(path, g_ngens - 1, err) != 0)
        return -1;
    g_gens[0] = g_gens[g_ngens - 1];
    sodium_memzero(&g_gens[1], sizeof g_gens - sizeof g_gens[0]);
    g_ngens = 1;
    return 0;
}

int keys_lock_exclusive(const char *db_path, const char *key_file, ms_err *err)
{
    char path[4096];
    keys_path(db_path, key_file, path, sizeof path);
    if (g_lock_fd < 0)
        lock_shared(path);
    if (g_lock_fd < 0)
        return err_set(err, ERR_INVALID, "key_file", "无法创建锁文件 %s.lock", path);
    if (flock(g_lock_fd, LOCK_EX | LOCK_NB) != 0)
        return err_set(err, ERR_CONFLICT, "key_file",
                       "另一个 minsheng 进程（如正在运行的服务）正在使用密钥 %s；请先停止它再轮换", path);
    return 0;
}
