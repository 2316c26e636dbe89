/* pg_sql.h — the text rules of the PostgreSQL backend, apart so that
 * unit tests reach them without a server.
 *
 * Owns: the translation of our '?' placeholders to PostgreSQL's $n, the
 * rule that tells a PostgreSQL conninfo from a SQLite file path, and
 * the escaping of values in COPY's text format (db_copy). */
#ifndef MS_PG_SQL_H
#define MS_PG_SQL_H

#include <stddef.h>

#include "util/strbuf.h"

/* Copies sql into *out (malloc'd; the caller frees it) with every
 * placeholder outside literals and comments replaced: '?' by $n, where n
 * is one more than the highest number so far (SQLite's rule), and '?NNN'
 * by $NNN. Left as they are: 'strings' ('' escapes; E'...' also with
 * backslash escapes), "quoted identifiers", $tag$ dollar-quoted $tag$
 * strings, -- comments and (nested) block comments. Returns the number
 * of parameters (the highest n), or -1 when out of memory or a number is
 * out of range (*out then NULL). */
int pg_translate_placeholders(const char *sql, char **out);

/* 1 when s is a "postgresql://" or "postgres://" URI, or a conninfo
 * string: optional spaces, a libpq connection keyword (host, dbname,
 * user, service, …), optional spaces, '='. See db_is_postgres. */
int pg_is_conninfo(const char *s);

/* Appends one field of a row in COPY ... FROM STDIN's text format (tab
 * between fields, newline after the row: the caller's) to out: v[0..n)
 * with backslash, tab, newline and carriage return written as \\, \t,
 * \n and \r, every other byte as it is (UTF-8 passes through); v NULL
 * is SQL NULL, written \N. A text "\N" or "\." thus stays that text. */
void pg_copy_field(strbuf *out, const char *v, size_t n);

#endif
