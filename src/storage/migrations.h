/* migrations.h — the schema migrations compiled into the binary, per
 * database engine (storage-internal: backends use it, domain code never).
 *
 * Owns the rule that both engines run one numbered list: every file of
 * src/storage/migrations/ is a migration; where its SQL cannot run on
 * PostgreSQL, src/storage/migrations/pg/ holds a file of the same name
 * that does the same there (identity columns, PL/pgSQL triggers …), and
 * PostgreSQL runs that one instead. Both engines thus record the same
 * versions and names in schema_migrations, whose definition is here too.
 * docs/postgresql-sql.md says which files differ and why. */
#ifndef MS_STORAGE_MIGRATIONS_H
#define MS_STORAGE_MIGRATIONS_H

#include "util/embedded.h"

/* The migrations of an engine ("sqlite" or "postgresql"), in the order
 * they run, ended by an entry whose name is NULL; NULL for any other
 * engine name. */
const struct embedded_file *db_migrations(const char *engine);

/* A migration's version: the number its file name starts with
 * ("0003_auth_security.sql" -> 3). */
int db_migration_number(const char *name);

/* The table that records applied migrations, created alike by every
 * backend before it applies any: (version, name, applied_at "YYYY-MM-DD
 * HH:MM:SS" UTC). Portable SQL. */
#define DB_SCHEMA_MIGRATIONS_DDL                                                                  \
    "CREATE TABLE IF NOT EXISTS schema_migrations("                                               \
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"

#endif
