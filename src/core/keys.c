/* keys.c — the key file and the derived subkeys (see keys.h). */
#include "core/keys.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* crypto_kdf contexts: 8 bytes each, fixed forever (changing one makes
 * every MAC or ciphertext made with the old subkey unreadable). */
static const char KDF_CONTEXT[KEY_PURPOSE_COUNT][crypto_kdf_CONTEXTBYTES + 1] = {
    [KEY_AUDIT] = "msaudit1",
    [KEY_DATA] = "msdata01",
    [KEY_BLIND] = "msblind1",
};

static unsigned char g_subkeys[KEY_PURPOSE_COUNT][KEY_BYTES];
static int g_loaded;

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

static void derive(const unsigned char master[KEY_BYTES])
{
    for (int p = 0; p < KEY_PURPOSE_COUNT; p++)
        crypto_kdf_derive_from_key(g_subkeys[p], KEY_BYTES, (uint64_t)p + 1, KDF_CONTEXT[p], master);
    g_loaded = 1;
}

/* Reads exactly KEY_BYTES from fd into master: 0, or -1 when the file
 * is shorter or longer. */
static int read_key(int fd, unsigned char master[KEY_BYTES])
{
    size_t got = 0;
    unsigned char extra;
    while (got < KEY_BYTES) {
        ssize_t n = read(fd, master + got, KEY_BYTES - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    return read(fd, &extra, 1) == 0 ? 0 : -1;
}

int keys_load(const char *db_path, const char *key_file, ms_err *err)
{
    char path[4096];
    unsigned char master[KEY_BYTES];
    struct stat st;
    keys_path(db_path, key_file, path, sizeof path);
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
    } else if (read_key(fd, master) != 0) {
        err_set(err, ERR_INVALID, "key_file", "密钥文件 %s 已损坏（应为 %d 字节）", path, KEY_BYTES);
    } else {
        derive(master);
        rc = 0;
    }
    sodium_memzero(master, sizeof master);
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
    return g_loaded && p >= 0 && p < KEY_PURPOSE_COUNT ? g_subkeys[p] : NULL;
}

void keys_clear(void)
{
    sodium_memzero(g_subkeys, sizeof g_subkeys);
    g_loaded = 0;
}
