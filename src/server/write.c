/* write.c — the write path (see write.h): transaction, audit row,
 * commit and reply, written once for every mutating handler. */
#include "server/write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int write_begin_or_reply(request *rq, response *rs)
{
    rq->db = req_primary(rq);   /* a read-heavy route on a replica writes (an audit row): on the primary */
    if (db_begin(rq->db) != DB_DONE)
        return reply_error(rs, 503, "busy", NULL, "系统繁忙，请稍后重试"), -1;
    return 0;
}

int audit_request(request *rq, const audit_entry *e)
{
    return audit_write_as(rq->db, rq->authed ? &rq->user : NULL, rq->client_ip, *e);
}

int write_commit_only_or_reply(request *rq, response *rs, const audit_entry *e)
{
    if ((e && audit_request(rq, e) != 0) || db_commit(rq->db) != DB_DONE) {
        db_rollback(rq->db);
        return reply_internal(rs), -1;
    }
    return 0;
}

int write_commit_or_reply(request *rq, response *rs, const audit_entry *e, int status, json_t *body)
{
    if (write_commit_only_or_reply(rq, rs, e) != 0) {
        json_decref(body);
        return -1;
    }
    reply_json(rs, status, body ? body : json_pack("{s:b}", "ok", 1));
    return 0;
}

int reply_err(response *rs, const ms_err *err)
{
    const char *field = err->field[0] ? err->field : NULL;
    switch (err->kind) {
    case ERR_INVALID:   reply_error(rs, 400, "bad_request", field, "%s", err->message); break;
    case ERR_NOT_FOUND: reply_error(rs, 404, "not_found", field, "%s", err->message); break;
    case ERR_FORBIDDEN: reply_error(rs, 403, "forbidden", field, "%s", err->message); break;
    case ERR_CONFLICT:  reply_error(rs, 409, "conflict", field, "%s", err->message); break;
    case ERR_BUSY:      reply_error(rs, 503, "busy", NULL, "%s", err->message); break;
    case ERR_STALE:
        reply_error(rs, 412, "precondition_failed", field, "%s", err->message);
        json_object_set_new(json_object_get(rs->json, "error"), "current_version", json_integer(err->current_version));
        snprintf(rs->etag, sizeof rs->etag, "\"%lld\"", err->current_version);
        break;
    default:            reply_internal(rs); break;
    }
    return -1;
}

int if_match_or_reply(request *rq, response *rs, int64_t *version)
{
    const char *v = req_header(rq, "If-Match");
    char *end;
    *version = 0;
    if (!v || strcmp(v, "*") == 0)
        return 0;
    if (strncmp(v, "W/", 2) == 0)
        v += 2;
    if (*v == '"')
        v++;
    long long n = strtoll(v, &end, 10);
    if (end == v || n < 1 || (*end && strcmp(end, "\"") != 0))
        return reply_error(rs, 400, "bad_request", NULL, "If-Match 应为记录的版本号（如 \"3\"，见 ETag）"), -1;
    *version = n;
    return 0;
}

int write_in_scope_or_reply(request *rq, response *rs, const char *path, const char *what)
{
    if (scope_contains(rq, path))
        return 0;
    db_rollback(rq->db);
    return reply_not_found(rs, what), -1;
}

void reply_etag(response *rs, int64_t version)
{
    snprintf(rs->etag, sizeof rs->etag, "\"%lld\"", (long long)version);
}

int write_fail_or_reply(request *rq, response *rs, const ms_err *err)
{
    db_rollback(rq->db);
    return reply_err(rs, err);
}
