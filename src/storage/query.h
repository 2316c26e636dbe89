/* query.h — building a SELECT with optional filters without string
 * concatenation of values: conditions are fixed SQL fragments with '?'
 * placeholders, values are collected and bound in order. */
#ifndef MS_QUERY_H
#define MS_QUERY_H

#include <stdint.h>

#include "storage/db.h"
#include "util/strbuf.h"

#define QUERY_MAX_BINDS 24

typedef struct query {
    strbuf sql;
    int has_where;
    int nbind;
    struct { int is_int; int64_t i; char *s; } binds[QUERY_MAX_BINDS];
} query;

void q_init(query *q, const char *base);
/* Appends "WHERE cond" or "AND cond". */
void q_where(query *q, const char *cond);
/* Appends raw SQL (ORDER BY, LIMIT …); never user values. */
void q_append(query *q, const char *sql);
void q_bind_text(query *q, const char *v);
void q_bind_int(query *q, int64_t v);
/* Appends every condition of src (a query begun with q_init(src, ""))
 * to q, with its values: a statement that puts conditions of its own
 * before the filters of another. */
void q_and_all(query *q, const query *src);
/* Prepares and binds everything. NULL on a prepare error. */
db_stmt *q_prepare(db_conn *db, const query *q);
/* Prepares prefix + q's SQL + suffix, binding q's values; the suffix may
 * hold further '?' for the caller to bind from index q->nbind + 1. Lets
 * one set of filters serve both a COUNT(*) and the page query. */
db_stmt *q_prepare_with(db_conn *db, const char *prefix, const query *q, const char *suffix);
void q_free(query *q);

/* "50%_off" → "50\%\_off" for LIKE … ESCAPE '\' (the caller frees it). */
char *like_escape(const char *s);

#endif
