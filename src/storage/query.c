/* query.c — filter-building helper (see query.h). */
#include "storage/query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void q_init(query *q, const char *base)
{
    memset(q, 0, sizeof *q);
    sb_puts(&q->sql, base);
}

void q_where(query *q, const char *cond)
{
    sb_puts(&q->sql, q->has_where ? " AND " : " WHERE ");
    sb_puts(&q->sql, cond);
    q->has_where = 1;
}

void q_append(query *q, const char *sql)
{
    sb_puts(&q->sql, sql);
}

static void q_check_room(query *q)
{
    if (q->nbind >= QUERY_MAX_BINDS) {
        fprintf(stderr, "minsheng: too many query parameters\n");
        abort();
    }
}

void q_bind_text(query *q, const char *v)
{
    q_check_room(q);
    q->binds[q->nbind].is_int = 0;
    q->binds[q->nbind].s = strdup(v ? v : "");
    q->nbind++;
}

void q_bind_int(query *q, int64_t v)
{
    q_check_room(q);
    q->binds[q->nbind].is_int = 1;
    q->binds[q->nbind].i = v;
    q->nbind++;
}

void q_and_all(query *q, const query *src)
{
    static const char WHERE[] = " WHERE ";
    if (!src->has_where)
        return;
    if (strncmp(src->sql.data, WHERE, sizeof WHERE - 1) != 0) {
        fprintf(stderr, "minsheng: q_and_all of a query with a base\n");
        abort();
    }
    q_where(q, src->sql.data + sizeof WHERE - 1);
    for (int i = 0; i < src->nbind; i++) {
        if (src->binds[i].is_int)
            q_bind_int(q, src->binds[i].i);
        else
            q_bind_text(q, src->binds[i].s);
    }
}

static db_stmt *prepare_bound(db_conn *db, const char *sql, const query *q)
{
    db_stmt *s = db_prepare(db, sql);
    if (!s)
        return NULL;
    for (int i = 0; i < q->nbind; i++) {
        if (q->binds[i].is_int)
            db_bind_int(s, i + 1, q->binds[i].i);
        else
            db_bind_text(s, i + 1, q->binds[i].s);
    }
    return s;
}

db_stmt *q_prepare(db_conn *db, const query *q)
{
    return prepare_bound(db, q->sql.data, q);
}

db_stmt *q_prepare_with(db_conn *db, const char *prefix, const query *q, const char *suffix)
{
    strbuf sql = STRBUF_INIT;
    sb_puts(&sql, prefix);
    sb_puts(&sql, q->sql.data ? q->sql.data : "");
    sb_puts(&sql, suffix);
    db_stmt *s = prepare_bound(db, sql.data, q);
    sb_free(&sql);
    return s;
}

void q_free(query *q)
{
    for (int i = 0; i < q->nbind; i++)
        free(q->binds[i].s);
    sb_free(&q->sql);
    q->nbind = 0;
}

char *like_escape(const char *s)
{
    strbuf b = STRBUF_INIT;
    for (; *s; s++) {
        if (*s == '%' || *s == '_' || *s == '\\')
            sb_putc(&b, '\\');
        sb_putc(&b, *s);
    }
    return sb_detach(&b);
}
