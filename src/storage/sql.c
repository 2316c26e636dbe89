/* sql.c — the one-line SQL helpers of db.h (db_exec_args, db_exists,
 * db_one_int, db_one_text, db_query), written on the db.h primitives so
 * that every backend gets them unchanged. */
#include "storage/db.h"

#include <stdio.h>
#include <string.h>

void db_bind_args(db_stmt *s, int first, const db_arg *args)
{
    for (int idx = first; args && args->type; args++, idx++) {
        switch (args->type) {
        case 'i': db_bind_int(s, idx, args->i); break;
        case 't': db_bind_text(s, idx, args->s); break;
        default: db_bind_null(s, idx); break;
        }
    }
}

void db_col_copy(db_stmt *s, int col, char *out, size_t outsz)
{
    const char *t = db_col_text(s, col);
    size_t n = strlen(t);
    if (n >= outsz)
        n = outsz - 1;   /* buffers are sized for the column's limit; this only guards */
    memcpy(out, t, n);
    out[n] = '\0';
}

db_stmt *db_query_argv(db_conn *c, const char *sql, const db_arg *args)
{
    db_stmt *s = db_prepare(c, sql);
    db_bind_args(s, 1, args);
    return s;
}

int db_exec_argv(db_conn *c, const char *sql, const db_arg *args)
{
    db_stmt *s = db_query_argv(c, sql, args);
    int rc = db_step_done(s);
    db_finalize(s);
    return rc;
}

int db_exists_argv(db_conn *c, const char *sql, const db_arg *args)
{
    db_stmt *s = db_query_argv(c, sql, args);
    int found = db_step(s) == DB_ROW;
    db_finalize(s);
    return found;
}

int64_t db_one_int_argv(db_conn *c, int64_t dflt, const char *sql, const db_arg *args)
{
    db_stmt *s = db_query_argv(c, sql, args);
    int64_t v = dflt;
    if (db_step(s) == DB_ROW && !db_col_is_null(s, 0))
        v = db_col_int(s, 0);
    db_finalize(s);
    return v;
}

int db_one_text_argv(db_conn *c, char *out, size_t outsz, const char *sql, const db_arg *args)
{
    db_stmt *s = db_query_argv(c, sql, args);
    int found = 0;
    out[0] = '\0';
    if (db_step(s) == DB_ROW && !db_col_is_null(s, 0)) {
        db_col_copy(s, 0, out, outsz);
        found = 1;
    }
    db_finalize(s);
    return found;
}

/* Appends n placeholders, "?" each (or "(?)": VALUES rows), comma-separated. */
static size_t put_placeholders(char *buf, size_t sz, size_t len, int n, int rows)
{
    for (int i = 0; i < n && len < sz; i++)
        len += (size_t)snprintf(buf + len, sz - len, "%s%s", i ? "," : "", rows ? "(?)" : "?");
    return len;
}

char *db_sql_keys_lookup(db_conn *c, char *buf, size_t sz, const char *cols, const char *table, const char *key, int n)
{
    int pg = db_conn_is_postgres(c);
    size_t len = pg ? (size_t)snprintf(buf, sz, "SELECT t.* FROM (VALUES ")
                    : (size_t)snprintf(buf, sz, "SELECT %s FROM %s WHERE %s IN (", cols, table, key);
    len = put_placeholders(buf, sz, len, n, pg);
    if (len < sz) {
        if (pg)
            snprintf(buf + len, sz - len, ") AS k(v) CROSS JOIN LATERAL (SELECT %s FROM %s WHERE %s = k.v LIMIT 1) AS t",
                     cols, table, key);
        else
            snprintf(buf + len, sz - len, ")");
    }
    return buf;
}
