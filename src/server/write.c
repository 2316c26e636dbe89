/* write.c — the write path (see write.h): transaction, audit row,
 * commit and reply, written once for every mutating handler. */
#include "server/write.h"

int write_begin_or_reply(request *rq, response *rs)
{
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
    default:            reply_internal(rs); break;
    }
    return -1;
}

int write_fail_or_reply(request *rq, response *rs, const ms_err *err)
{
    db_rollback(rq->db);
    return reply_err(rs, err);
}
