/* support.c — temporary directory and demo databases for the fuzz
 * targets (see support.h). */
#include "fuzz/support.h"
#include "core/keys.h"
#include "demo/demo.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char g_dir[512];

void fuzz_require(int cond, const char *what)
{
    if (cond)
        return;
    fprintf(stderr, "fuzz setup failed: %s\n", what);
    abort();
}

static void remove_dir(void)
{
    DIR *d = opendir(g_dir);
    struct dirent *e;
    char p[1024];
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", g_dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(g_dir);
}

const char *fuzz_dir(void)
{
    if (g_dir[0])
        return g_dir;
    const char *tmp = getenv("TMPDIR");
    snprintf(g_dir, sizeof g_dir, "%s/ms-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    fuzz_require(mkdtemp(g_dir) != NULL, "mkdtemp");
    atexit(remove_dir);
    return g_dir;
}

const char *fuzz_path(const char *name, char *out, size_t outsz)
{
    snprintf(out, outsz, "%s/%s", fuzz_dir(), name);
    return out;
}

void fuzz_db_build(const char *path, long households, int accounts)
{
    char err[512];
    keys_load_ephemeral();
    db_conn *db = db_open(path, err, sizeof err);
    fuzz_require(db != NULL, err);
    fuzz_require(db_migrate(db, err, sizeof err) == 0, err);
    demo_options o = {.seed = 7, .households = households, .today_ymd = 0};
    fuzz_require(demo_build(db, &o, NULL, err, sizeof err) == 0, err);
    if (accounts)
        fuzz_require(demo_create_accounts(db, 1, NULL, err, sizeof err) == 0, err);
    db_close(db);   /* the last connection: SQLite folds the WAL back in */
}

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buf[1 << 16];
    size_t n;
    fuzz_require(in && out, "copy database");
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        fuzz_require(fwrite(buf, 1, n, out) == n, "write database copy");
    fclose(in);
    fuzz_require(fclose(out) == 0, "close database copy");
}

db_conn *fuzz_db_copy(const char *template_path, const char *work_path)
{
    char side[1100], err[512];
    static const char *const SIDE_FILES[] = {"-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof SIDE_FILES / sizeof SIDE_FILES[0]; i++) {
        snprintf(side, sizeof side, "%s%s", work_path, SIDE_FILES[i]);
        unlink(side);
    }
    copy_file(template_path, work_path);
    db_conn *db = db_open(work_path, err, sizeof err);
    fuzz_require(db != NULL, err);
    return db;
}
