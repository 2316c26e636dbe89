/* db_copy.c — bulk loads of new rows into one table (see db.h "bulk load").
 *
 * Owns: the db_copy handle — on SQLite (and unbuffered) a prepared
 * INSERT run per row, or (DB_COPY_BATCHED) the rows kept DB_COPY_BATCH
 * at a time (their texts in one buffer, bound without a copy) and
 * inserted by one prepared multi-row INSERT; buffered on
 * PostgreSQL the rows encoded in COPY's text format (pg_sql.c) and kept
 * until db_copy_flush sends them in one COPY FROM STDIN (db_pg.c).
 * Engine-neutral but for that one call. */
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
    db_stmt *batch;         /* DB_COPY_BATCHED on SQLite: DB_COPY_BATCH rows in one INSERT */
    db_arg *kept;           /* its values, nrows × ncols; a text's .i is its offset in texts */
    strbuf texts;           /* the kept texts, NUL-terminated one after the other */
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
        strbuf tuple = STRBUF_INIT;
        for (int i = 0; i < cp->ncols; i++)
            sb_puts(&tuple, i ? ",?" : "(?");
        sb_putc(&tuple, ')');
        sb_printf(&sql, "INSERT INTO %s(%s) VALUES %s", table, columns, tuple.data);
        cp->insert = db_prepare(c, sql.data);
        if (buffered == DB_COPY_BATCHED) {
            for (int r = 1; r < DB_COPY_BATCH; r++) {
                sb_putc(&sql, ',');
                sb_puts(&sql, tuple.data);
            }
            cp->batch = db_prepare(c, sql.data);
            cp->kept = calloc((size_t)DB_COPY_BATCH * (size_t)cp->ncols, sizeof *cp->kept);
            if (!cp->kept)
                abort();
        }
        sb_free(&tuple);
        sb_free(&sql);
    }
    return cp;
}

/* Nothing kept (the texts' buffer kept for the next batch). */
static void batch_clear(db_copy *cp)
{
    sb_reset(&cp->texts);
    cp->nrows = 0;
}

/* Binds n kept values from parameter 1: the texts by reference into the
 * texts' buffer (it does not move before the statement is reset). */
static void bind_kept(db_copy *cp, db_stmt *s, const db_arg *v, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        int idx = (int)k + 1;
        if (v[k].type == 'i')
            db_bind_int(s, idx, v[k].i);
        else if (v[k].type == 't') {
            const char *t = cp->texts.data + v[k].i;
            db_bind_textn_static(s, idx, t, strlen(t));
        } else
            db_bind_null(s, idx);
    }
}

/* Inserts the kept rows: a full batch by the multi-row INSERT, fewer one
 * by one. The first error code, or DB_DONE; nothing kept afterwards. */
static int batch_insert(db_copy *cp)
{
    int rc = DB_DONE;
    size_t w = (size_t)cp->ncols;
    if (cp->nrows == DB_COPY_BATCH) {
        bind_kept(cp, cp->batch, cp->kept, cp->nrows * w);
        rc = db_step_done(cp->batch);
        db_reset(cp->batch);
    } else {
        for (size_t r = 0; r < cp->nrows && rc == DB_DONE; r++) {
            bind_kept(cp, cp->insert, cp->kept + r * w, w);
            rc = db_step_done(cp->insert);
            db_reset(cp->insert);
        }
    }
    batch_clear(cp);
    return rc;
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
    if (cp->batch) {
        db_arg *k = cp->kept + cp->nrows * (size_t)n;
        for (int i = 0; i < n; i++) {
            k[i] = args[i];
            if (args[i].type == 't' && !args[i].s)
                k[i] = DB_NULL;
            else if (args[i].type == 't') {
                k[i].i = (int64_t)cp->texts.len;
                k[i].s = NULL;
                sb_append(&cp->texts, args[i].s, strlen(args[i].s) + 1);
            }
        }
        return ++cp->nrows == DB_COPY_BATCH ? batch_insert(cp) : DB_DONE;
    }
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
    if (cp->batch)
        return batch_insert(cp);
    int rc = db_pg_copy_in(cp->c, cp->copy_sql, cp->rows.data, cp->rows.len);
    db_copy_discard(cp);
    return rc;
}

void db_copy_discard(db_copy *cp)
{
    if (cp->batch)
        batch_clear(cp);
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
    if (cp->batch)
        batch_clear(cp);
    db_finalize(cp->batch);
    free(cp->kept);
    sb_free(&cp->texts);
    db_finalize(cp->insert);
    free(cp->copy_sql);
    sb_free(&cp->rows);
    free(cp);
}
