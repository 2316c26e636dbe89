/* db_copy.c — bulk loads of new rows into one table (see db.h "bulk load").
 *
 * Owns: the db_copy handle — on SQLite (and unbuffered) a prepared
 * INSERT run per row; buffered on PostgreSQL the rows encoded in COPY's
 * text format (pg_sql.c) and kept until db_copy_flush sends them in one
 * COPY FROM STDIN (db_pg.c). Engine-neutral but for that one call. */
#include "storage/db.h"
#include "storage/db_engine.h"
#include "storage/pg_sql.h"
#include "util/strbuf.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct db_copy {
    db_conn *c;
    int ncols;
    db_stmt *insert;        /* the row at once (NULL: kept for COPY) */
    char *copy_sql;         /* "COPY table(columns) FROM STDIN" */
    strbuf rows;            /* kept rows, COPY text format */
    size_t nrows;
};

/* A column list names ncols columns: one more than its commas. */
static int count_columns(const char *columns)
{
    int n = 1;
    for (const char *p = columns; *p; p++)
        n += *p == ',';
    return n;
}

db_copy *db_copy_open(db_conn *c, const char *table, const char *columns, int buffered)
{
    db_copy *cp = calloc(1, sizeof *cp);
    if (!cp)
        abort();
    cp->c = c;
    cp->ncols = count_columns(columns);
    strbuf sql = STRBUF_INIT;
    if (buffered && db_conn_is_postgres(c)) {
        sb_printf(&sql, "COPY %s(%s) FROM STDIN", table, columns);
        cp->copy_sql = sb_detach(&sql);
    } else {
        sb_printf(&sql, "INSERT INTO %s(%s) VALUES (", table, columns);
        for (int i = 0; i < cp->ncols; i++)
            sb_puts(&sql, i ? ",?" : "?");
        sb_putc(&sql, ')');
        cp->insert = db_prepare(c, sql.data);
        sb_free(&sql);
    }
    return cp;
}

/* A row with another number of values than columns is a bug. */
static int wrong_width(const db_copy *cp, int n)
{
    fprintf(stderr, "minsheng: db_copy_row: %d values for %d columns\n", n, cp->ncols);
#ifdef MS_TEST_BUILD
    abort();
#endif
    return DB_ERROR;
}

int db_copy_row_argv(db_copy *cp, const db_arg *args)
{
    int n = 0;
    while (args[n].type)
        n++;
    if (n != cp->ncols)
        return wrong_width(cp, n);
    if (cp->insert) {
        db_bind_args(cp->insert, 1, args);
        int rc = db_step_done(cp->insert);
        db_reset(cp->insert);
        return rc;
    }
    for (int i = 0; i < n; i++) {
        if (i)
            sb_putc(&cp->rows, '\t');
        char num[24];
        switch (args[i].type) {
        case 'i':
            snprintf(num, sizeof num, "%" PRId64, args[i].i);
            sb_puts(&cp->rows, num);
            break;
        case 't':
            pg_copy_field(&cp->rows, args[i].s, args[i].s ? strlen(args[i].s) : 0);
            break;
        default:
            pg_copy_field(&cp->rows, NULL, 0);
            break;
        }
    }
    sb_putc(&cp->rows, '\n');
    cp->nrows++;
    return DB_DONE;
}

int db_copy_flush(db_copy *cp)
{
    if (!cp->nrows)
        return DB_DONE;
    int rc = db_pg_copy_in(cp->c, cp->copy_sql, cp->rows.data, cp->rows.len);
    db_copy_discard(cp);
    return rc;
}

void db_copy_discard(db_copy *cp)
{
    sb_reset(&cp->rows);
    cp->nrows = 0;
}

size_t db_copy_pending(const db_copy *cp)
{
    return cp->nrows;
}

void db_copy_close(db_copy *cp)
{
    if (!cp)
        return;
    db_finalize(cp->insert);
    free(cp->copy_sql);
    sb_free(&cp->rows);
    free(cp);
}
