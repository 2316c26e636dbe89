/* sqltrace.c — an LD_PRELOAD library for the benchmark: logs the SQL of
 * every statement the process starts (its first sqlite3_step), one line
 * each, "SQLTRACE <sql>", newlines turned into spaces. It is how the
 * SQLite floor's statements (floor_sql.h) are taken from the server and
 * checked against it (tests/api/test_bench_floor.c):
 *
 *   SQLTRACE_FILE=trace.log LD_PRELOAD=build/bench/sqltrace.so build/minsheng --db D serve …
 *
 * SQLTRACE_FILE: append there (default: stderr). SQLTRACE_EXPANDED=1:
 * with the bound values in place of '?'. Not for production: it slows
 * every statement and, expanded, logs values. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int (*g_real_step)(sqlite3_stmt *);
static FILE *g_out;
static int g_expanded;

static void init(void)
{
    g_real_step = (int (*)(sqlite3_stmt *))dlsym(RTLD_NEXT, "sqlite3_step");
    const char *path = getenv("SQLTRACE_FILE");
    g_out = path && *path ? fopen(path, "a") : NULL;
    if (!g_out)
        g_out = stderr;
    const char *e = getenv("SQLTRACE_EXPANDED");
    g_expanded = e && strcmp(e, "1") == 0;
}

int sqlite3_step(sqlite3_stmt *s)
{
    pthread_once(&g_once, init);
    if (!sqlite3_stmt_busy(s)) {
        char *expanded = g_expanded ? sqlite3_expanded_sql(s) : NULL;
        const char *sql = expanded ? expanded : sqlite3_sql(s);
        if (sql) {
            flockfile(g_out);
            fputs("SQLTRACE ", g_out);
            for (const char *p = sql; *p; p++)
                putc_unlocked(*p == '\n' ? ' ' : *p, g_out);
            putc_unlocked('\n', g_out);
            fflush_unlocked(g_out);
            funlockfile(g_out);
        }
        sqlite3_free(expanded);
    }
    return g_real_step(s);
}
