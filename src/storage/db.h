/* db.h — the storage interface every domain module uses.
 *
 * Owns: nothing itself; it is the narrow waist between domain code and
 * the database engine. Domain modules include only this header (never
 * sqlite3.h), write SQL with '?' placeholders and bind every value, so
 * that either engine runs them: SQLite (db_sqlite.c) or PostgreSQL
 * through libpq (db_pg.c, which translates '?' to $n). db_open picks the
 * engine from its argument (db_is_postgres); db.c dispatches every
 * function below to the connection's engine (db_engine.h). What differs
 * on PostgreSQL is said at each function and in docs/postgresql.md.
 *
 * Threading: a db_conn belongs to one thread at a time. The server
 * lends its connections to requests from a pool (storage/pool.h). */
#ifndef MS_DB_H
#define MS_DB_H

#include <stdint.h>
#include <stddef.h>

typedef struct db_conn db_conn;
typedef struct db_stmt db_stmt;

enum { DB_ROW = 1, DB_DONE = 0, DB_ERROR = -1, DB_CONSTRAINT = -2, DB_BUSY = -3 };

/* 1 when path names a PostgreSQL database rather than a SQLite file: a
 * URI starting "postgresql://" or "postgres://", or a libpq conninfo
 * string whose first word is a libpq keyword followed by '='
 * ("host=db1 dbname=minsheng", "dbname=minsheng"). Anything else is a
 * file path (a file really named "host=x" is written "./host=x"). */
int db_is_postgres(const char *path);
/* The --db argument as messages may show it: a file path as it is; a
 * PostgreSQL URI or conninfo with its password (user:PASSWORD@ in a URI,
 * password=... in a conninfo or a URI's query) replaced by "***".
 * Returns out. */
char *db_display_name(const char *path, char *out, size_t outsz);

/* Opens the database path names (db_is_postgres). SQLite: opens,
 * creating if needed, the file: WAL journal, foreign keys on,
 * secure_delete on, busy timeout, and the sync mode of MINSHENG_SYNC
 * (group, the default; full; normal: see db_sync). PostgreSQL: connects
 * (connect_timeout 10 s unless the conninfo says otherwise), UTF-8,
 * time zone UTC, statement_timeout from MINSHENG_PG_STATEMENT_TIMEOUT
 * (default 30s) and lock_timeout from MINSHENG_PG_LOCK_TIMEOUT (default
 * 10s, SQLite's busy timeout). Returns NULL with a message in err (a
 * PostgreSQL message never repeats the conninfo: it may hold a
 * password). */
db_conn *db_open(const char *path, char *err, size_t errsz);
void db_close(db_conn *c);
/* "sqlite" or "postgresql". */
const char *db_engine_name(db_conn *c);
/* 1 when c is a PostgreSQL connection: the one test of an open
 * connection's engine (db_is_postgres is the test of a --db argument). */
int db_conn_is_postgres(db_conn *c);
/* Per-engine SQL for the few statements no one text serves on both
 * engines (an aggregate only one of them has, a function over JSON):
 * sqlite_sql on SQLite, pg_sql on PostgreSQL. Say a statement once,
 * portably, wherever that is possible; both texts bind the same '?' in
 * the same order. docs/postgresql-sql.md lists where this is used. */
const char *db_sql(db_conn *c, const char *sqlite_sql, const char *pg_sql);
/* 1 when the connection to the PostgreSQL server was lost (every call
 * then fails: the caller opens a new one); always 0 on SQLite. */
int db_conn_broken(db_conn *c);
/* Checks an idle connection without waiting: PostgreSQL reads what the
 * server sent meanwhile, so a connection whose backend was terminated
 * or whose server restarted is found broken before it is used. 0 fine,
 * -1 broken (db_conn_broken is then 1). SQLite: always 0. */
int db_conn_probe(db_conn *c);
/* What the failures on c since the last clearing call came to: the
 * connection lost (DB_FAIL_BROKEN), else a serialization failure or
 * deadlock (SQLSTATE 40001/40P01: the server rolled the transaction
 * back, which may simply run again: DB_FAIL_CONFLICT), else
 * DB_FAIL_NONE. clear: forget the conflict (the server's request loop
 * clears before each run of a handler). SQLite never has a conflict:
 * BEGIN IMMEDIATE takes the write lock first, and a busy database shows
 * at db_begin as DB_BUSY after the busy timeout. */
typedef enum { DB_FAIL_NONE, DB_FAIL_CONFLICT, DB_FAIL_BROKEN } db_failure;
db_failure db_failure_of(db_conn *c, int clear);
/* The page cache each connection opened from now on may fill, in MiB
 * (SQLite's cache_size; 64 until set). The server sets it so that its
 * threads together stay within a memory budget; a PostgreSQL backend
 * has nothing per connection to set (its shared_buffers are the
 * server's). */
void db_set_cache_mib(int mib);

/* Brings the schema up to the newest embedded migration. Each migration
 * runs in its own transaction and is recorded in schema_migrations.
 * Returns 0, or -1 with a message in err. Not yet on PostgreSQL (-1). */
int db_migrate(db_conn *c, char *err, size_t errsz);
int db_schema_version(db_conn *c);

/* Statements. db_prepare never returns NULL: SQL that does not prepare
 * is a bug, which stops the test build at once (naming the SQL) and in
 * the release build gives a dead statement whose step is DB_ERROR.
 * Bind indexes are 1-based. Most code uses the one-line helpers below
 * instead of preparing by hand. */
db_stmt *db_prepare(db_conn *c, const char *sql);
void db_bind_int(db_stmt *s, int idx, int64_t v);
void db_bind_double(db_stmt *s, int idx, double v);
void db_bind_text(db_stmt *s, int idx, const char *v);   /* NULL binds SQL NULL */
void db_bind_textn(db_stmt *s, int idx, const char *v, size_t n);
/* As db_bind_textn, but v is not copied (SQLite): it must stay unchanged
 * until the statement is reset or the parameter bound again. For bulk
 * writers that own their buffer (db_copy); a copy per value costs. */
void db_bind_textn_static(db_stmt *s, int idx, const char *v, size_t n);
void db_bind_null(db_stmt *s, int idx);
/* DB_ROW, DB_DONE, DB_CONSTRAINT (unique/foreign key/check/not null),
 * DB_BUSY (lock wait timed out; PostgreSQL: also serialization failure
 * or deadlock) or DB_ERROR. On PostgreSQL a failed statement inside a
 * transaction aborts the whole transaction: only db_rollback helps. */
int db_step(db_stmt *s);
void db_reset(db_stmt *s);
/* Ends the caller's use of s. The backend may keep the prepared
 * statement for the next db_prepare of the same SQL text on this
 * connection (reset, bindings cleared: nothing of this use carries
 * over); a second db_prepare of a text still in use gets its own. */
void db_finalize(db_stmt *s);

/* At most this many finished statements are kept prepared per
 * connection (least recently used go first); how many are kept now. */
enum { DB_STMT_CACHE_MAX = 128 };
int db_stmt_cache_size(db_conn *c);

/* The result's columns (PostgreSQL: known once the first db_step ran). */
int db_column_count(db_stmt *s);
const char *db_column_name(db_stmt *s, int col);
int db_col_is_null(db_stmt *s, int col);
int64_t db_col_int(db_stmt *s, int col);
double db_col_double(db_stmt *s, int col);
const char *db_col_text(db_stmt *s, int col);   /* "" for NULL; valid until next step */
/* Copies a text column into out (outsz bytes, always NUL-terminated; "" for NULL). */
void db_col_copy(db_stmt *s, int col, char *out, size_t outsz);

/* Convenience for one-shot statements. db_exec runs SQL with no
 * parameters (schema, pragmas). */
int db_exec(db_conn *c, const char *sql);

/* ---- one-line helpers with bound values ------------------------------
 * Every value is passed as a typed argument and bound in order to the
 * statement's '?' placeholders, whatever the values are:
 *
 *     db_exec_args(db, "UPDATE household SET status = ? WHERE id = ?",
 *                  DB_TEXT("closed"), DB_INT(id));
 *     if (db_exists(db, "SELECT 1 FROM household WHERE code = ?", DB_TEXT(code))) …
 *     int64_t n = db_one_int(db, 0, "SELECT COUNT(*) FROM org_unit WHERE parent_id = ?", DB_INT(id));
 *
 * The argument list is terminated for you (the macros append DB_END). */
typedef struct db_arg {
    char type;          /* 'i' integer, 't' text (NULL = SQL NULL), 'n' NULL, 0 = end of list */
    int64_t i;
    const char *s;
} db_arg;

#define DB_INT(v)  ((db_arg){'i', (int64_t)(v), NULL})
#define DB_TEXT(v) ((db_arg){'t', 0, (v)})
#define DB_NULL    ((db_arg){'n', 0, NULL})
#define DB_END     ((db_arg){0, 0, NULL})
/* An id column where 0 means "none": binds NULL for values <= 0. */
static inline db_arg DB_ID(int64_t v) { return v > 0 ? DB_INT(v) : DB_NULL; }
/* Text where "" means "none": binds NULL for NULL or "". */
static inline db_arg DB_OPT_TEXT(const char *v) { return v && *v ? DB_TEXT(v) : DB_NULL; }

/* A lookup of many keys at once: "SELECT cols FROM table WHERE key is one
 * of n values", the n values bound in order, written into buf (sz
 * bytes; returns buf). SQLite: an IN list. PostgreSQL: one probe of
 * key's index per value (VALUES … CROSS JOIN LATERAL (… LIMIT 1)), since
 * the generic plan it keeps for a prepared IN list may be the one made
 * while the table was small: a sequential scan. cols are columns (or
 * expressions) of table; key is unique. */
char *db_sql_keys_lookup(db_conn *c, char *buf, size_t sz, const char *cols, const char *table, const char *key, int n);

/* Binds args (up to the DB_END) to s from index `first`. */
void db_bind_args(db_stmt *s, int first, const db_arg *args);

/* Prepares sql and binds args: the caller steps and finalizes. */
db_stmt *db_query_argv(db_conn *c, const char *sql, const db_arg *args);
#define db_query(c, ...) db_query_argv((c), DB_SQL_ARGS_(__VA_ARGS__))

/* Runs sql to completion: DB_DONE, DB_CONSTRAINT, DB_BUSY or DB_ERROR. */
int db_exec_argv(db_conn *c, const char *sql, const db_arg *args);
#define db_exec_args(c, ...) db_exec_argv((c), DB_SQL_ARGS_(__VA_ARGS__))

/* 1 when sql returns a row, 0 when it returns none or fails. */
int db_exists_argv(db_conn *c, const char *sql, const db_arg *args);
#define db_exists(c, ...) db_exists_argv((c), DB_SQL_ARGS_(__VA_ARGS__))

/* The first column of the first row as an integer; dflt when there is
 * no row (or it is NULL, or the query fails). */
int64_t db_one_int_argv(db_conn *c, int64_t dflt, const char *sql, const db_arg *args);
#define db_one_int(c, dflt, ...) db_one_int_argv((c), (dflt), DB_SQL_ARGS_(__VA_ARGS__))

/* The first column of the first row copied into out (outsz bytes, always
 * NUL-terminated): 1 when a non-NULL value was found, else 0 and "". */
int db_one_text_argv(db_conn *c, char *out, size_t outsz, const char *sql, const db_arg *args);
#define db_one_text(c, out, outsz, ...) db_one_text_argv((c), (out), (outsz), DB_SQL_ARGS_(__VA_ARGS__))

/* sql, then its args as a DB_END-terminated compound-literal array. */
#define DB_SQL_ARGS_(sql, ...) (sql), (const db_arg[]){__VA_ARGS__ __VA_OPT__(,) DB_END}
/* Runs a prepared-and-bound statement to completion: DB_DONE or error code. */
int db_step_done(db_stmt *s);

/* ---- bulk load ---------------------------------------------------------
 * Many new rows into one table, for a writer that inserts far more than
 * it reads (the CSV import):
 *
 *     db_copy *cp = db_copy_open(db, "resident_tag", "resident_id, tag", 1);
 *     db_copy_row(cp, DB_INT(id), DB_TEXT("dibao"));   … for each row
 *     db_copy_flush(cp);                               before anything reads them
 *     db_copy_close(cp);
 *
 * Unbuffered (buffered 0), or on SQLite, each row is inserted at once
 * by a prepared INSERT INTO table(columns) and its code returned.
 * Buffered on PostgreSQL, db_copy_row only encodes the row (COPY's text
 * format: pg_copy_field) and keeps it; db_copy_flush sends every kept
 * row in one COPY table(columns) FROM STDIN, whose per-row cost is a
 * fraction of an INSERT's round trip. Until then the rows are not in
 * the database: nothing may read them, and a constraint they break
 * shows at the flush (as its code; inside a transaction it aborts it).
 * Flush tables in the order their foreign keys need (deferred ones
 * excepted). Plain inserts only: no ON CONFLICT, no RETURNING.
 *
 * DB_COPY_BATCHED (buffered 2) keeps the rows on SQLite too, and inserts
 * every DB_COPY_BATCH of them with one multi-row INSERT (the rest at the
 * flush): a statement's start and end cost more than a row, and a
 * payment run writes 100,000 lines. The kept rows of a batch are not in
 * the database and a row's error shows at the db_copy_row that filled
 * the batch or at the flush: for rows that only reference rows already
 * there (not two copies whose rows reference each other's). */
typedef struct db_copy db_copy;
enum { DB_COPY_BATCHED = 2, DB_COPY_BATCH = 64 };

/* columns: "a, b, c", the names in the order db_copy_row gives values.
 * Never NULL (a copy whose SQL does not prepare fails at its first row). */
db_copy *db_copy_open(db_conn *c, const char *table, const char *columns, int buffered);
/* One row: exactly one value per column, in order, DB_END-terminated.
 * DB_DONE (kept, or inserted), or the INSERT's error code. */
int db_copy_row_argv(db_copy *cp, const db_arg *args);
#define db_copy_row(cp, ...) db_copy_row_argv((cp), (const db_arg[]){__VA_ARGS__, DB_END})
/* Sends the kept rows (none kept: DB_DONE at once). DB_DONE or the
 * COPY's error code; the kept rows are gone either way. */
int db_copy_flush(db_copy *cp);
/* Forgets the kept rows without sending them (after a rollback). */
void db_copy_discard(db_copy *cp);
/* Rows kept and not yet sent. */
size_t db_copy_pending(const db_copy *cp);
/* Frees cp; rows still kept are not sent. NULL is allowed. */
void db_copy_close(db_copy *cp);

/* Starts a transaction that holds the write lock from its start, so
 * that what it reads stays true until it commits. SQLite: BEGIN
 * IMMEDIATE. PostgreSQL: BEGIN (READ COMMITTED) and a transaction-level
 * advisory lock that every db_begin takes: transactions begun here run
 * one at a time, as on SQLite (statements outside a transaction do not
 * take it). Both wait up to the lock timeout, then DB_BUSY. */
int db_begin(db_conn *c);
/* COMMIT, then db_sync: DB_DONE only once the commit is durable. */
int db_commit(db_conn *c);

/* Makes this connection's commits so far durable before anything is
 * acknowledged (SQLite; on PostgreSQL COMMIT is durable by itself and
 * this does nothing).
 * In group mode (MINSHENG_SYNC unset or "group") one
 * fsync of the WAL covers every writer waiting at that moment (group
 * commit); in "full" mode COMMIT already synced and in "normal" mode
 * nothing is synced (a power cut may lose the newest commits). A no-op
 * when the connection has committed nothing since. db_commit calls it;
 * the server calls it after every request too, for writes made outside
 * db_begin/db_commit. Returns 0, or -1 when the disk refused. */
int db_sync(db_conn *c);
/* "group", "full" or "normal": the mode this process runs in. */
const char *db_sync_mode_name(void);
/* Copies the whole WAL into the database file and empties it
 * (checkpoint TRUNCATE), syncing the database file before the log goes
 * (this connection may run synchronous=OFF). After a change that must
 * leave no old page in the log, e.g. wiping plaintext. 0 or -1 (and -1
 * on PostgreSQL, which has no such file). */
int db_checkpoint_truncate(db_conn *c);
void db_rollback(db_conn *c);

/* The id the last INSERT on this connection gave its new row. PostgreSQL:
 * the value of a one-row, one-column RETURNING of the last INSERT when
 * it had one, else lastval() (the last sequence value this session
 * took: right after an INSERT into a table with an identity or serial
 * key, as all our callers do). */
int64_t db_last_insert_id(db_conn *c);
/* Rows changed by the last INSERT, UPDATE or DELETE on this connection. */
int db_changes(db_conn *c);
const char *db_errmsg(db_conn *c);

/* Copies the whole database to dest_path (which must not exist) in one
 * pass under one read transaction: writers on other connections go on
 * and do not restart it. The copy is one self-contained file (no -wal),
 * not yet fsync'd. Returns 0, or -1 with a message in err (dest_path
 * may then hold a partial file: the caller removes it). SQLite only:
 * -1 with a message on PostgreSQL (`backup` runs pg_dump there: app/backup.h). */
int db_backup(db_conn *c, const char *dest_path, char *err, size_t errsz);

/* Opens an existing database file read-only and as immutable: exactly
 * the bytes of that one file are read (a -wal beside it is ignored), no
 * lock is taken and nothing is created or written. For files no one
 * else writes (a backup being checked). NULL with a message in err. A file that is not a database
 * opens here and fails at the first statement: run db_integrity_check
 * before any db_prepare. */
db_conn *db_open_readonly(const char *path, char *err, size_t errsz);

/* PRAGMA integrity_check: 0 when "ok", else -1 with the first problem
 * (or "file is not a database") in problem. Never aborts. SQLite only
 * (db_open_readonly too): -1 with a message on PostgreSQL. */
int db_integrity_check(db_conn *c, char *problem, size_t sz);

/* The newest schema version this program knows (its last migration). */
int db_schema_latest(void);

/* 1 when another writer may want the write lock now: a connection of
 * this process waited for it within the last WAIT_RECENT_MS (its busy
 * handler ran), or a server other than this process runs on the
 * database (dbfile_server_elsewhere: its writers wait unseen). A long
 * writer (an import) commits and lets them in when this says so. */
int db_writer_waiting(db_conn *c);

/* Triggers. db_trigger_unknown: how many triggers on `table` are not
 * named in known (NULL-terminated), -1 on error. db_set_triggers: turns
 * the triggers of this connection's statements off (0) or on (1) from
 * the next statement on, and returns the setting before, or -1. Only
 * for a writer that has shown that no trigger would do anything for
 * the rows it writes (counts_batch_triggers_off); other connections are
 * not affected. (PostgreSQL: SET session_replication_role.) */
int db_trigger_unknown(db_conn *c, const char *table, const char *const *known);
int db_set_triggers(db_conn *c, int on);

/* The current UTC time as "YYYY-MM-DD HH:MM:SS" (what every timestamp
 * column stores). out must hold 20 bytes. */
char *db_now(char out[static 20]);

#endif
