/* db.h — the storage interface every domain module uses.
 *
 * Owns: nothing itself; it is the narrow waist between domain code and
 * the database engine. Domain modules include only this header (never
 * sqlite3.h), write SQL with '?' placeholders and bind every value, so
 * that a PostgreSQL (libpq) backend can implement the same functions
 * (translating '?' to $n) without touching them. The SQLite backend is
 * db_sqlite.c.
 *
 * Threading: a db_conn belongs to one thread at a time. The server gives
 * each worker thread its own connection (see db_thread_conn). */
#ifndef MS_DB_H
#define MS_DB_H

#include <stdint.h>
#include <stddef.h>

typedef struct db_conn db_conn;
typedef struct db_stmt db_stmt;

enum { DB_ROW = 1, DB_DONE = 0, DB_ERROR = -1, DB_CONSTRAINT = -2, DB_BUSY = -3 };

/* Opens (creating if needed) the database at path: WAL journal, foreign
 * keys on, busy timeout. Returns NULL with a message in err. */
db_conn *db_open(const char *path, char *err, size_t errsz);
void db_close(db_conn *c);

/* Brings the schema up to the newest embedded migration. Each migration
 * runs in its own transaction and is recorded in schema_migrations.
 * Returns 0, or -1 with a message in err. */
int db_migrate(db_conn *c, char *err, size_t errsz);
int db_schema_version(db_conn *c);

/* Per-thread connection for server workers: opened lazily on first use
 * from db_thread_setup's path and closed when the thread exits. */
void db_thread_setup(const char *path);
db_conn *db_thread_conn(void);

/* Statements. db_prepare returns NULL on a syntax error (a bug: it is
 * logged with the SQL). Bind indexes are 1-based. */
db_stmt *db_prepare(db_conn *c, const char *sql);
void db_bind_int(db_stmt *s, int idx, int64_t v);
void db_bind_double(db_stmt *s, int idx, double v);
void db_bind_text(db_stmt *s, int idx, const char *v);   /* NULL binds SQL NULL */
void db_bind_textn(db_stmt *s, int idx, const char *v, size_t n);
void db_bind_null(db_stmt *s, int idx);
/* DB_ROW, DB_DONE, DB_CONSTRAINT (unique/foreign key/check), DB_BUSY or DB_ERROR. */
int db_step(db_stmt *s);
void db_reset(db_stmt *s);
void db_finalize(db_stmt *s);

int db_column_count(db_stmt *s);
const char *db_column_name(db_stmt *s, int col);
int db_col_is_null(db_stmt *s, int col);
int64_t db_col_int(db_stmt *s, int col);
double db_col_double(db_stmt *s, int col);
const char *db_col_text(db_stmt *s, int col);   /* "" for NULL; valid until next step */

/* Convenience for one-shot statements. db_exec runs SQL with no
 * parameters (schema, pragmas). */
int db_exec(db_conn *c, const char *sql);
/* Runs a prepared-and-bound statement to completion: DB_DONE or error code. */
int db_step_done(db_stmt *s);

int db_begin(db_conn *c);      /* BEGIN IMMEDIATE: take the write lock up front */
int db_commit(db_conn *c);
void db_rollback(db_conn *c);

int64_t db_last_insert_id(db_conn *c);
int db_changes(db_conn *c);
const char *db_errmsg(db_conn *c);

/* Online backup of the whole database to dest_path. */
int db_backup(db_conn *c, const char *dest_path, char *err, size_t errsz);

/* The current UTC time as "YYYY-MM-DD HH:MM:SS" (what every timestamp
 * column stores). out must hold 20 bytes. */
char *db_now(char out[static 20]);

#endif
