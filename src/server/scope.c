/* scope.c — org-unit scope checks and request-level audit (scope.h). */
#include "server/scope.h"
#include "server/audit.h"

#include <string.h>

int scope_contains(const request *rq, const char *path)
{
    return rq->authed && user_scope_contains(&rq->user, path);
}

int scope_unit(request *rq, response *rs, int64_t id, org_unit *out)
{
    if (org_get(rq->db, id, out) != 0 || !scope_contains(rq, out->path))
        return reply_not_found(rs, "单位"), -1;
    return 0;
}

int scope_unit_param(request *rq, response *rs, const char *param, org_unit *out)
{
    int64_t id;
    if (req_query_int(rq, rs, param, rq->user.org_unit_id, 1, INT64_MAX, &id) < 0)
        return -1;
    return scope_unit(rq, rs, id, out);
}

int audit_request(request *rq, const char *action, const char *entity, int64_t entity_id,
                  const char *org_path, json_t *before, json_t *after, const char *detail)
{
    audit_entry e = {
        .user_id = rq->authed ? rq->user.id : 0,
        .username = rq->authed ? rq->user.username : NULL,
        .client_ip = rq->client_ip,
        .action = action,
        .entity = entity,
        .entity_id = entity_id,
        .org_path = org_path,
        .before = before,
        .after = after,
        .detail = detail,
    };
    return audit_write(rq->db, &e);
}

int begin_write(request *rq, response *rs)
{
    if (db_begin(rq->db) != DB_DONE)
        return reply_error(rs, 503, "busy", NULL, "系统繁忙，请稍后重试"), -1;
    return 0;
}

int commit_write(request *rq, response *rs)
{
    if (db_commit(rq->db) != DB_DONE) {
        db_rollback(rq->db);
        return reply_internal(rs), -1;
    }
    return 0;
}
