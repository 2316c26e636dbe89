/* db_pg.c — the PostgreSQL (libpq) backend of db.h.
 *
 * Owns: libpq connections and their settings (UTF-8, UTC, statement and
 * lock timeouts), statements prepared on the server under generated
 * names (ms1, ms2, …) from our '?' SQL (pg_sql.c translates it), their
 * parameters sent as text with the types the binds give, results read
 * whole and walked row by row, the mapping of SQLSTATEs to db.h's codes,
 * the writer lock db_begin takes, db_last_insert_id, and noticing a lost
 * connection (db_conn_broken), and COPY FROM STDIN for db_copy.c's
 * bulk loads (db_pg_copy_in). Which statements stay prepared is db.c's
 * cache; a statement it drops is deallocated here on the next occasion
 * outside a transaction. What is SQLite's only (migrations for now,
 * backup, integrity check, checkpoint) answers a clear error.
 * docs/postgresql.md says what works and what comes next. */
#include "storage/db.h"
#include "storage/db_engine.h"
#include "storage/migrations.h"
#include "storage/pg_sql.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Type OIDs (pg_type.h is not in libpq-dev's public headers). */
enum { OID_UNKNOWN = 0, OID_BOOL = 16, OID_INT8 = 20, OID_TEXT = 25, OID_FLOAT8 = 701 };

/* The transaction-level advisory lock every db_begin takes ("minsheng"
 * in ASCII): the PostgreSQL form of SQLite's BEGIN IMMEDIATE. */
#define WRITER_LOCK_KEY "7883654078052953447"

typedef struct pgb_conn {
    db_conn base;
    PGconn *pq;
    unsigned long names;    /* statements prepared so far: the next is "ms<names+1>" */
    int changes;            /* rows of the last INSERT/UPDATE/DELETE */
    int have_returned_id;   /* the last INSERT returned one row of one column … */
    int64_t returned_id;    /* … this one */
    int broken;             /* the server is gone */
    int conflict;           /* a serialization failure or deadlock since the last db_failure(c, 1) */
    char *dealloc;          /* "DEALLOCATE ms1;DEALLOCATE ms7;…" not yet sent (NULL: none) */
    char err[512];          /* the last error message */
} pgb_conn;

enum { ST_FRESH, ST_ROWS, ST_DONE };

typedef struct pgb_stmt {
    db_stmt base;
    char *text;             /* the SQL with $n (NULL: the dead statement) */
    int nparams;
    char name[24];          /* on the server; "" until prepared */
    Oid *types;             /* of the bound values: INT8, FLOAT8, or UNKNOWN for text and NULL */
    Oid *prepared;          /* the types it was prepared with */
    char **vals;            /* bound values as text; NULL: SQL NULL */
    PGresult *res;          /* rows of the current run */
    int row;
    int state;
} pgb_stmt;

static pgb_conn *PC(db_conn *c) { return (pgb_conn *)c; }
static pgb_stmt *PS(db_stmt *s) { return (pgb_stmt *)s; }

static pgb_stmt dead_stmt = {.base.eng = &db_pg_engine};

/* ---- errors ------------------------------------------------------------ */

/* Keeps msg (without its trailing newline) as the connection's error. */
static void set_err(pgb_conn *c, const char *msg)
{
    snprintf(c->err, sizeof c->err, "%s", msg && *msg ? msg : "未知错误");
    size_t n = strlen(c->err);
    while (n > 0 && (c->err[n - 1] == '\n' || c->err[n - 1] == ' '))
        c->err[--n] = '\0';
}

/* The db.h code for a failed result r (NULL: no result at all); notes
 * the message and whether the connection is lost. */
static int error_rc(pgb_conn *c, const PGresult *r)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    set_err(c, r ? PQresultErrorMessage(r) : PQerrorMessage(c->pq));
    if (PQstatus(c->pq) == CONNECTION_BAD || (state && (strncmp(state, "08", 2) == 0 ||
                                                       strncmp(state, "57P0", 4) == 0)))
        c->broken = 1;
    if (c->broken) {
        fprintf(stderr, "minsheng: PostgreSQL 连接已断开: %s\n", c->err);
        return DB_ERROR;
    }
    if (state && strncmp(state, "23", 2) == 0)   /* integrity: unique, foreign key, check, not null */
        return DB_CONSTRAINT;
    if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)) {
        c->conflict = 1;                         /* serialization failure, deadlock: the server rolled back */
        return DB_BUSY;
    }
    if (state && strcmp(state, "55P03") == 0)
        return DB_BUSY;                          /* lock timeout */
    fprintf(stderr, "minsheng: SQL error %s: %s\n", state ? state : "?", c->err);
    return DB_ERROR;
}

static int is_state(const PGresult *r, const char *state)
{
    const char *s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    return s && strcmp(s, state) == 0;
}

/* Runs sql (simple protocol, may hold several statements) and keeps
 * nothing of its result: DB_DONE or the error's code. */
static int run(pgb_conn *c, const char *sql)
{
    if (c->broken)
        return DB_ERROR;
    PGresult *r = PQexec(c->pq, sql);
    ExecStatusType st = PQresultStatus(r);
    int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY ? DB_DONE : error_rc(c, r);
    PQclear(r);
    return rc;
}

/* ---- connections ------------------------------------------------------- */

static const char *env_or(const char *name, const char *dflt)
{
    const char *v = getenv(name);
    return v && *v ? v : dflt;
}

/* Notices ("table does not exist, skipping") are not for our logs. */
static void ignore_notice(void *arg, const char *message) {}

db_conn *db_pg_open(const char *conninfo, char *err, size_t errsz)
{
    /* The conninfo (or URI) is expanded in place of dbname, so what it
     * says overrides the connect_timeout before it. */
    const char *const keys[] = {"connect_timeout", "dbname", "fallback_application_name", NULL};
    const char *const vals[] = {"10", conninfo, "minsheng", NULL};
    PGconn *pq = PQconnectdbParams(keys, vals, 1);
    if (!pq || PQstatus(pq) != CONNECTION_OK) {
        snprintf(err, errsz, "无法连接 PostgreSQL 数据库: %s", pq ? PQerrorMessage(pq) : "内存不足");
        size_t n = strlen(err);
        while (n > 0 && err[n - 1] == '\n')
            err[--n] = '\0';
        PQfinish(pq);
        return NULL;
    }
    const char *const set[] = {env_or("MINSHENG_PG_STATEMENT_TIMEOUT", "30s"),
                               env_or("MINSHENG_PG_LOCK_TIMEOUT", "10s")};
    /* Every execution of a kept statement is planned for its values
     * (force_custom_plan): after five runs PostgreSQL would otherwise
     * keep a generic plan, and the generic plan of a subtree's list
     * (grid_id IN the grids of a path range) guesses one grid: for a
     * street of a district it sorted the street's 120,000 residents
     * (133 ms) instead of walking the name index (0.8 ms). Planning
     * these statements costs well under a millisecond. */
    PGresult *r = PQexecParams(pq,
                               "SELECT set_config('statement_timeout', $1, false),"
                               " set_config('lock_timeout', $2, false),"
                               " set_config('TimeZone', 'UTC', false),"
                               " set_config('plan_cache_mode', 'force_custom_plan', false)",
                               2, NULL, set, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQsetClientEncoding(pq, "UTF8") != 0) {
        snprintf(err, errsz, "无法设置 PostgreSQL 连接 (MINSHENG_PG_STATEMENT_TIMEOUT/MINSHENG_PG_LOCK_TIMEOUT?): %s",
                 PQerrorMessage(pq));
        PQclear(r);
        PQfinish(pq);
        return NULL;
    }
    PQclear(r);
    PQsetNoticeProcessor(pq, ignore_notice, NULL);
    pgb_conn *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errsz, "内存不足");
        PQfinish(pq);
        return NULL;
    }
    c->base.eng = &db_pg_engine;
    c->pq = pq;
    return &c->base;
}

/* db.c has freed the cached statements; the server drops the prepared
 * ones with the session. */
static void pgb_close(db_conn *conn)
{
    pgb_conn *c = PC(conn);
    PQfinish(c->pq);
    free(c->dealloc);
    free(c);
}

static int pgb_broken(db_conn *c) { return PC(c)->broken; }

/* An idle connection whose server went away (pg_terminate_backend, a
 * restart: the server sent its FATAL message and closed the socket)
 * shows it only at the next read: read what is there now, without
 * waiting — twice, since libpq's read that finds the message stops
 * before the end of file behind it. In a transaction nothing is read
 * (the caller is mid-way). */
static int pgb_probe(db_conn *conn)
{
    pgb_conn *c = PC(conn);
    if (!c->broken && PQtransactionStatus(c->pq) == PQTRANS_IDLE &&
        (!PQconsumeInput(c->pq) || !PQconsumeInput(c->pq) || PQstatus(c->pq) != CONNECTION_OK)) {
        set_err(c, PQerrorMessage(c->pq));
        c->broken = 1;
    }
    return c->broken ? -1 : 0;
}

static db_failure pgb_failure(db_conn *conn, int clear)
{
    pgb_conn *c = PC(conn);
    db_failure f = c->broken ? DB_FAIL_BROKEN : c->conflict ? DB_FAIL_CONFLICT : DB_FAIL_NONE;
    if (clear)
        c->conflict = 0;
    return f;
}

/* Sends the DEALLOCATEs of dropped statements, only outside a
 * transaction (a failure there would abort it). */
static void flush_deallocs(pgb_conn *c)
{
    if (!c->dealloc || PQtransactionStatus(c->pq) != PQTRANS_IDLE)
        return;
    run(c, c->dealloc);
    free(c->dealloc);
    c->dealloc = NULL;
}

static void queue_dealloc(pgb_conn *c, const char *name)
{
    size_t old = c->dealloc ? strlen(c->dealloc) : 0;
    char *d = realloc(c->dealloc, old + strlen(name) + 13);
    if (!d)
        return;   /* the name stays prepared until the connection closes */
    sprintf(d + old, "DEALLOCATE %s;", name);
    c->dealloc = d;
}

/* ---- statements -------------------------------------------------------- */

static db_stmt *pgb_prepare(db_conn *conn, const char *sql)
{
    char *text = NULL;
    int n = pg_translate_placeholders(sql, &text);
    pgb_stmt *s = n >= 0 ? calloc(1, sizeof *s) : NULL;
    if (s) {
        s->types = calloc((size_t)n + 1, sizeof *s->types);
        s->prepared = calloc((size_t)n + 1, sizeof *s->prepared);
        s->vals = calloc((size_t)n + 1, sizeof *s->vals);
    }
    if (!s || !s->types || !s->prepared || !s->vals) {
        fprintf(stderr, "minsheng: SQL prepare failed: %s\n  in: %s\n", n < 0 ? "bad placeholder" : "内存不足", sql);
#ifdef MS_TEST_BUILD
        abort();
#endif
        if (s) {
            free(s->types);
            free(s->prepared);
            free(s->vals);
        }
        free(s);
        free(text);
        return &dead_stmt.base;
    }
    s->base.eng = &db_pg_engine;
    s->base.conn = conn;
    s->text = text;
    s->nparams = n;
    return &s->base;
}

static void clear_result(pgb_stmt *s)
{
    PQclear(s->res);
    s->res = NULL;
    s->row = 0;
    s->state = ST_FRESH;
}

static void clear_binds(pgb_stmt *s)
{
    for (int i = 0; i < s->nparams; i++) {
        free(s->vals[i]);
        s->vals[i] = NULL;
        s->types[i] = OID_UNKNOWN;
    }
}

static void pgb_reset(db_stmt *st)
{
    pgb_stmt *s = PS(st);
    if (!s->text)
        return;
    clear_result(s);
    clear_binds(s);
}

static void pgb_stmt_free(db_stmt *st)
{
    pgb_stmt *s = PS(st);
    pgb_reset(st);
    if (s->name[0])
        queue_dealloc(PC(st->conn), s->name);
    free(s->text);
    free(s->types);
    free(s->prepared);
    free(s->vals);
    free(s);
}

/* Sets parameter idx (1-based) to v (taken: malloc'd, NULL for SQL NULL). */
static void bind(pgb_stmt *s, int idx, char *v, Oid type)
{
    if (!s->text || idx < 1 || idx > s->nparams) {
        free(v);
        return;
    }
    if (s->state != ST_FRESH)
        clear_result(s);
    free(s->vals[idx - 1]);
    s->vals[idx - 1] = v;
    s->types[idx - 1] = type;
}

static char *printed(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *printed(const char *fmt, ...)
{
    char buf[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return strdup(buf);
}

static void pgb_bind_int(db_stmt *s, int idx, int64_t v) { bind(PS(s), idx, printed("%" PRId64, v), OID_INT8); }
static void pgb_bind_double(db_stmt *s, int idx, double v) { bind(PS(s), idx, printed("%.17g", v), OID_FLOAT8); }
static void pgb_bind_null(db_stmt *s, int idx) { bind(PS(s), idx, NULL, OID_UNKNOWN); }

/* Text goes as "unknown": the server gives it the type its place needs
 * (text, an integer column's type, a date …), as SQLite's affinity does. */
static void pgb_bind_textn(db_stmt *s, int idx, const char *v, size_t n)
{
    bind(PS(s), idx, v ? strndup(v, n) : NULL, OID_UNKNOWN);
}

/* The parameter a 42P18 error names ("could not determine data type of
 * parameter $2": the "$n" stays in every translation), or 0. */
static int untyped_param(const PGresult *r)
{
    const char *m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    const char *d = m ? strchr(m, '$') : NULL;
    return d ? atoi(d + 1) : 0;
}

/* PQprepare inside a savepoint when a transaction is open, so that SQL
 * that does not prepare leaves the transaction usable (as on SQLite).
 * A parameter whose type the server cannot tell from its place (`? IS
 * NULL` with text or NULL bound: 42P18) is prepared again as text; the
 * others stay as the binds typed them. */
static PGresult *prepare_on_server(pgb_conn *c, pgb_stmt *s)
{
    int in_tx = PQtransactionStatus(c->pq) == PQTRANS_INTRANS;
    if (in_tx && run(c, "SAVEPOINT ms_prepare") != DB_DONE)
        return NULL;
    snprintf(s->name, sizeof s->name, "ms%lu", ++c->names);
    memcpy(s->prepared, s->types, (size_t)s->nparams * sizeof *s->types);
    PGresult *r = PQprepare(c->pq, s->name, s->text, s->nparams, s->prepared);
    for (int tries = 0; is_state(r, "42P18") && tries < s->nparams; tries++) {
        int n = untyped_param(r);
        PQclear(r);
        if (in_tx)
            run(c, "ROLLBACK TO SAVEPOINT ms_prepare");
        for (int i = 0; i < s->nparams; i++)
            if (s->prepared[i] == OID_UNKNOWN && (n == 0 || n == i + 1))
                s->prepared[i] = OID_TEXT;
        r = PQprepare(c->pq, s->name, s->text, s->nparams, s->prepared);
    }
    if (in_tx)
        run(c, PQresultStatus(r) == PGRES_COMMAND_OK ? "RELEASE SAVEPOINT ms_prepare"
                                                     : "ROLLBACK TO SAVEPOINT ms_prepare; RELEASE SAVEPOINT ms_prepare");
    return r;
}

/* Prepares s on the server when it is not, or when a value is now bound
 * with a type other than the one it was prepared with (an id that was
 * NULL the first time). DB_DONE or an error code. */
static int ensure_prepared(pgb_conn *c, pgb_stmt *s)
{
    if (s->name[0]) {
        int same = 1;
        for (int i = 0; i < s->nparams && same; i++)
            same = s->types[i] == OID_UNKNOWN || s->types[i] == s->prepared[i];
        if (same)
            return DB_DONE;
        queue_dealloc(c, s->name);
        s->name[0] = '\0';
    }
    flush_deallocs(c);
    PGresult *r = prepare_on_server(c, s);
    if (PQresultStatus(r) == PGRES_COMMAND_OK) {
        PQclear(r);
        return DB_DONE;
    }
    s->name[0] = '\0';
    int rc = error_rc(c, r);
#ifdef MS_TEST_BUILD
    /* A bug in our SQL — not the moment's trouble: a lost connection, an
     * aborted transaction, a deadlock or lock timeout while the
     * statement's tables were being locked for its analysis (DB_BUSY), a
     * statement timeout or cancel (class 57). */
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (!c->broken && PQtransactionStatus(c->pq) != PQTRANS_INERROR && rc == DB_ERROR &&
        !(state && strncmp(state, "57", 2) == 0)) {
        fprintf(stderr, "minsheng: SQL prepare failed: %s\n  in: %s\n", c->err, s->text);
        abort();
    }
#endif
    PQclear(r);
    return rc;
}

/* The rows an INSERT, UPDATE or DELETE changed, from its command tag. */
static void note_command(pgb_conn *c, const PGresult *r)
{
    const char *tag = PQcmdStatus((PGresult *)r);
    int insert = strncmp(tag, "INSERT", 6) == 0;
    if (insert || strncmp(tag, "UPDATE", 6) == 0 || strncmp(tag, "DELETE", 6) == 0 || strncmp(tag, "MERGE", 5) == 0)
        c->changes = atoi(PQcmdTuples((PGresult *)r));
    if (insert) {
        c->have_returned_id = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && PQnfields(r) == 1 &&
                              !PQgetisnull(r, 0, 0);
        if (c->have_returned_id)
            c->returned_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    }
}

static int pgb_step(db_stmt *st)
{
    pgb_stmt *s = PS(st);
    if (!s->text)
        return DB_ERROR;
    if (s->state == ST_ROWS) {
        if (++s->row < PQntuples(s->res))
            return DB_ROW;
        s->state = ST_DONE;
        return DB_DONE;
    }
    clear_result(s);   /* fresh, or done: runs again (as sqlite3_step does) */
    pgb_conn *c = PC(st->conn);
    if (c->broken) {
        set_err(c, "PostgreSQL 连接已断开");
        return DB_ERROR;
    }
    int rc = ensure_prepared(c, s);
    if (rc != DB_DONE)
        return rc;
    PGresult *r = PQexecPrepared(c->pq, s->name, s->nparams, (const char *const *)s->vals, NULL, NULL, 0);
    switch (PQresultStatus(r)) {
    case PGRES_TUPLES_OK:
        note_command(c, r);
        s->res = r;
        s->state = ST_ROWS;
        if (PQntuples(r) > 0)
            return DB_ROW;
        s->state = ST_DONE;
        return DB_DONE;
    case PGRES_COMMAND_OK:
        note_command(c, r);
        PQclear(r);
        s->state = ST_DONE;
        return DB_DONE;
    default:
        /* A kept statement whose result columns changed with the schema
         * (0A000 "cached plan must not change result type") is prepared
         * afresh at its next run. */
        if (is_state(r, "0A000")) {
            queue_dealloc(c, s->name);
            s->name[0] = '\0';
        }
        rc = error_rc(c, r);
        PQclear(r);
        s->state = ST_DONE;
        return rc;
    }
}

static int on_row(pgb_stmt *s, int col)
{
    return s->state == ST_ROWS && col >= 0 && col < PQnfields(s->res);
}

static int pgb_column_count(db_stmt *s) { return PS(s)->res ? PQnfields(PS(s)->res) : 0; }

static const char *pgb_column_name(db_stmt *s, int col)
{
    return PS(s)->res && col >= 0 && col < PQnfields(PS(s)->res) ? PQfname(PS(s)->res, col) : NULL;
}

static int pgb_col_is_null(db_stmt *st, int col)
{
    pgb_stmt *s = PS(st);
    return !on_row(s, col) || PQgetisnull(s->res, s->row, col);
}

/* The column as text: "" for NULL, "1"/"0" for a boolean (what SQLite
 * gives for a comparison). */
static const char *pgb_col_text(db_stmt *st, int col)
{
    pgb_stmt *s = PS(st);
    if (pgb_col_is_null(st, col))
        return "";
    const char *v = PQgetvalue(s->res, s->row, col);
    if (PQftype(s->res, col) == OID_BOOL)
        return *v == 't' ? "1" : "0";
    return v;
}

/* Integers from their text; a real number or numeric is truncated
 * toward zero (SQLite's CAST). */
static int64_t pgb_col_int(db_stmt *st, int col)
{
    const char *v = pgb_col_text(st, col);
    char *end;
    errno = 0;
    long long i = strtoll(v, &end, 10);
    if (*end == '.' || *end == 'e' || *end == 'E' || (errno == ERANGE && *end == '\0')) {
        double d = strtod(v, NULL);
        return d >= 9.2233720368547758e18 ? INT64_MAX : d <= -9.2233720368547758e18 ? INT64_MIN : (int64_t)d;
    }
    return i;
}

static double pgb_col_double(db_stmt *st, int col) { return strtod(pgb_col_text(st, col), NULL); }

/* ---- transactions and the rest ----------------------------------------- */

static int pgb_exec(db_conn *c, const char *sql)
{
    pgb_conn *p = PC(c);
    if (p->broken)
        return DB_ERROR;
    PGresult *r = PQexec(p->pq, sql);
    ExecStatusType st = PQresultStatus(r);
    int rc = DB_DONE;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        note_command(p, r);
    else if (st != PGRES_EMPTY_QUERY)
        rc = error_rc(p, r);
    PQclear(r);
    return rc;
}

/* BEGIN, then the writer lock (see db.h): transactions begun here run
 * one at a time, each statement seeing what the ones before committed
 * (READ COMMITTED). A lock not had within lock_timeout is DB_BUSY. */
static int pgb_begin(db_conn *c)
{
    int rc = run(PC(c), "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(" WRITER_LOCK_KEY ")");
    if (rc != DB_DONE && !PC(c)->broken)
        run(PC(c), "ROLLBACK");
    return rc;
}

/* COMMIT of a transaction a failed statement aborted answers "ROLLBACK":
 * that is an error here, never a success. */
static int pgb_commit(db_conn *c)
{
    pgb_conn *p = PC(c);
    if (p->broken)
        return DB_ERROR;
    PGresult *r = PQexec(p->pq, "COMMIT");
    int rc;
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        rc = error_rc(p, r);
    } else if (strcmp(PQcmdStatus(r), "COMMIT") != 0) {
        set_err(p, "事务已因先前的错误中止，COMMIT 变成了 ROLLBACK");
        fprintf(stderr, "minsheng: %s\n", p->err);
        rc = DB_ERROR;
    } else {
        rc = DB_DONE;
    }
    PQclear(r);
    return rc;
}

static void pgb_rollback(db_conn *c)
{
    pgb_conn *p = PC(c);
    PGTransactionStatusType t = PQtransactionStatus(p->pq);
    if (!p->broken && (t == PQTRANS_INTRANS || t == PQTRANS_INERROR))
        run(p, "ROLLBACK");
}

/* COMMIT on the server is durable (synchronous_commit): nothing to wait for. */
static int pgb_sync(db_conn *c) { return 0; }

static int pgb_checkpoint_truncate(db_conn *c)
{
    fprintf(stderr, "minsheng: PostgreSQL 数据库不支持此操作（检查点截断预写日志）\n");
    return -1;
}

static int64_t pgb_last_insert_id(db_conn *c)
{
    pgb_conn *p = PC(c);
    if (p->have_returned_id)
        return p->returned_id;
    if (p->broken)
        return 0;
    PGresult *r = PQexec(p->pq, "SELECT lastval()");
    int64_t id = 0;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
        id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    else
        error_rc(p, r);
    PQclear(r);
    return id;
}

static int pgb_changes(db_conn *c) { return PC(c)->changes; }
static const char *pgb_errmsg(db_conn *c) { return PC(c)->err[0] ? PC(c)->err : "not an error"; }

/* One migration in its own transaction, under the writer lock: applied
 * unless another process recorded it meanwhile (two servers starting on
 * one database migrate once). The file runs whole (it holds DO and
 * $$-quoted function bodies). 1 applied, 0 already there, -1 error. */
static int pgb_apply(db_conn *c, const struct embedded_file *m, char *err, size_t errsz)
{
    char now[20];
    int version = db_migration_number(m->name);
    if (db_begin(c) != DB_DONE)
        goto fail;
    if (db_exists(c, "SELECT 1 FROM schema_migrations WHERE version = ?", DB_INT(version))) {
        pgb_rollback(c);
        return 0;
    }
    if (pgb_exec(c, m->data) != DB_DONE ||
        db_exec_args(c, "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)",
                     DB_INT(version), DB_TEXT(m->name), DB_TEXT(db_now(now))) != DB_DONE ||
        pgb_commit(c) != DB_DONE)
        goto fail;
    return 1;
fail:
    snprintf(err, errsz, "数据库迁移 %s 失败: %s", m->name, pgb_errmsg(c));
    pgb_rollback(c);
    return -1;
}

/* The PostgreSQL list of storage/migrations.h, each file not yet
 * recorded, in order (as on SQLite). */
static int pgb_migrate(db_conn *c, char *err, size_t errsz)
{
    if (pgb_exec(c, DB_SCHEMA_MIGRATIONS_DDL) != DB_DONE) {
        snprintf(err, errsz, "无法创建迁移记录表: %s", pgb_errmsg(c));
        return -1;
    }
    for (const struct embedded_file *m = db_migrations("postgresql"); m->name; m++)
        if (!db_exists(c, "SELECT 1 FROM schema_migrations WHERE version = ?", DB_INT(db_migration_number(m->name))) &&
            pgb_apply(c, m, err, errsz) < 0)
            return -1;
    return 0;
}

static int pgb_backup(db_conn *c, const char *dest_path, char *err, size_t errsz)
{
    snprintf(err, errsz, "PostgreSQL 数据库不支持此操作：minsheng backup 在 PostgreSQL 上调用 pg_dump（见 app/backup.h）");
    return -1;
}

static int pgb_integrity_check(db_conn *c, char *problem, size_t sz)
{
    snprintf(problem, sz, "PostgreSQL 数据库不支持此操作（完整性检查）");
    return -1;
}

/* ---- COPY (db_copy.c) ---------------------------------------------------- */

enum { COPY_CHUNK = 1 << 20 };   /* bytes per CopyData message */

int db_pg_copy_in(db_conn *conn, const char *sql, const char *data, size_t len)
{
    pgb_conn *c = PC(conn);
    if (c->broken) {
        set_err(c, "PostgreSQL 连接已断开");
        return DB_ERROR;
    }
    PGresult *r = PQexec(c->pq, sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        int rc = error_rc(c, r);
        PQclear(r);
        return rc;
    }
    PQclear(r);
    int sent = 1;
    for (size_t off = 0; off < len && sent == 1; off += COPY_CHUNK)
        sent = PQputCopyData(c->pq, data + off, (int)(len - off < COPY_CHUNK ? len - off : COPY_CHUNK));
    /* A failed send ends the COPY with an error: the server rolls it back. */
    if (PQputCopyEnd(c->pq, sent == 1 ? NULL : "minsheng: 发送 COPY 数据失败") != 1) {
        error_rc(c, NULL);
        return DB_ERROR;
    }
    int rc = DB_DONE;
    while ((r = PQgetResult(c->pq)) != NULL) {
        if (PQresultStatus(r) == PGRES_COMMAND_OK && rc == DB_DONE) {
            c->changes = atoi(PQcmdTuples(r));
            c->have_returned_id = 0;
        } else if (rc == DB_DONE) {
            rc = error_rc(c, r);
        }
        PQclear(r);
    }
    return rc;
}

const struct db_engine db_pg_engine = {
    .name = "postgresql",
    .dead = &dead_stmt.base,
    .close = pgb_close,
    .migrate = pgb_migrate,
    .prepare = pgb_prepare,
    .stmt_free = pgb_stmt_free,
    .reset = pgb_reset,
    .bind_int = pgb_bind_int,
    .bind_double = pgb_bind_double,
    .bind_textn = pgb_bind_textn,
    .bind_null = pgb_bind_null,
    .step = pgb_step,
    .column_count = pgb_column_count,
    .column_name = pgb_column_name,
    .col_is_null = pgb_col_is_null,
    .col_int = pgb_col_int,
    .col_double = pgb_col_double,
    .col_text = pgb_col_text,
    .exec = pgb_exec,
    .begin = pgb_begin,
    .commit = pgb_commit,
    .rollback = pgb_rollback,
    .sync = pgb_sync,
    .checkpoint_truncate = pgb_checkpoint_truncate,
    .last_insert_id = pgb_last_insert_id,
    .changes = pgb_changes,
    .errmsg = pgb_errmsg,
    .backup = pgb_backup,
    .integrity_check = pgb_integrity_check,
    .broken = pgb_broken,
    .probe = pgb_probe,
    .failure = pgb_failure,
};
