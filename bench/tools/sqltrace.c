/* sqltrace.c — an LD_PRELOAD library for the benchmark: prints on stderr
 * the expanded SQL (values bound) of every statement the process starts,
 * "SQLTRACE <sql>" on one line. It is how the SQL floor program
 * (sql_floor.c) was checked against what each endpoint really runs:
 *
 *   LD_PRELOAD=bench/tools/out/sqltrace.so build/minsheng --db D serve …
 *
 * Not for production: it slows every statement and logs values. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <sqlite3.h>
#include <stdio.h>

int sqlite3_step(sqlite3_stmt *s)
{
    static int (*real_step)(sqlite3_stmt *);
    if (!real_step)
        real_step = (int (*)(sqlite3_stmt *))dlsym(RTLD_NEXT, "sqlite3_step");
    if (!sqlite3_stmt_busy(s)) {
        char *sql = sqlite3_expanded_sql(s);
        if (sql) {
            for (char *p = sql; *p; p++)
                if (*p == '\n')
                    *p = ' ';
            fprintf(stderr, "SQLTRACE %s\n", sql);
            sqlite3_free(sql);
        }
    }
    return real_step(s);
}
