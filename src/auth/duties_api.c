/* duties_api.c — /api/v1/change-requests: the two-person rule for
 * privileged accounts (auth/duties.h). The system administrator and the
 * security administrator list the requests, approve those the other
 * role proposed, and reject them (or withdraw their own). Proposals are
 * made by the account routes (users_api.c) through
 * change_propose_or_reply. Owns the list filters; the SQL and rules are
 * duties.c's. */
#include "auth/auth_api.h"
#include "auth/duties.h"
#include "auth/users.h"
#include "server/write.h"
#include "storage/query.h"
#include "util/validate.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const SORT_KEYS[] = {"proposed_at", "c.proposed_at", "id", "c.id", NULL};
static const char *const STATUSES[] = {"pending", "approved", "rejected", "expired", NULL};

static json_t *time_or_null(int64_t t)
{
    return t ? json_integer(t) : json_null();
}

/* A request as JSON: never its password hash. Times are unix seconds. */
static json_t *change_json(const change_request *c)
{
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:I, s:s}", "id", (json_int_t)c->id, "kind", c->kind,
                          "username", c->username, "summary", c->summary, "status", c->status, "proposed_at",
                          (json_int_t)c->proposed_at, "expires_at", (json_int_t)c->expires_at, "proposer_role",
                          c->proposer_role);
    json_object_set_new(j, "target_user_id", c->target_user_id ? json_integer(c->target_user_id) : json_null());
    json_object_set_new(j, "role", c->role[0] ? json_string(c->role) : json_null());
    json_object_set_new(j, "org_unit_id", c->org_unit_id ? json_integer(c->org_unit_id) : json_null());
    json_object_set_new(j, "proposed_by", json_pack("{s:I, s:s}", "id", (json_int_t)c->proposed_by, "username",
                                                    c->proposed_by_name));
    json_object_set_new(j, "decided_by", c->decided_by ? json_pack("{s:I, s:s}", "id", (json_int_t)c->decided_by,
                                                                   "username", c->decided_by_name)
                                                       : json_null());
    json_object_set_new(j, "decided_at", time_or_null(c->decided_at));
    return j;
}

int change_propose_or_reply(request *rq, response *rs, const change_request *req, const char *org_path)
{
    change_request c;
    ms_err err;
    if (write_begin_or_reply(rq, rs) != 0)
        return -1;
    int64_t id = change_propose(rq->db, &rq->user, req, &err);
    if (id < 0)
        return write_fail_or_reply(rq, rs, &err);
    if (change_get(rq->db, id, &c) != 0)
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    json_t *j = change_json(&c);
    return write_commit_or_reply(rq, rs, &(audit_entry){.action = "change_propose", .entity = "change_request",
                                                        .entity_id = id, .org_path = org_path, .after = j,
                                                        .detail = c.summary},
                                 202, json_pack("{s:o}", "change_request", j));
}

/* GET /api/v1/change-requests — roles: admin, secadmin.
 * Query: status (pending|approved|rejected|expired; default pending),
 * page, page_size, sort (proposed_at|id, - for descending; default
 * newest first). Reply: page of
 * requests {id, kind, username, summary, status, role, org_unit_id,
 * target_user_id, proposed_by {id, username}, proposer_role,
 * proposed_at, expires_at, decided_by, decided_at} (unix seconds).
 * Errors: 400 parameter. */
static int change_list(request *rq, response *rs)
{
    query q;
    page_req pg;
    char suffix[200];
    int64_t total;
    int rc = -1;
    db_stmt *s = NULL;
    const char *status = req_query(rq, "status");
    q_init(&q, "");
    q_where(&q, CHANGE_IN_SCOPE);
    q_bind_text(&q, rq->user.scope_path);
    if (req_page(rq, rs, SORT_KEYS, &pg) != 0)
        goto out;
    if (!status || !*status)
        status = "pending";
    if (!str_in_set(status, STATUSES)) {
        reply_bad_request(rs, "status", "status 只能是 pending、approved、rejected 或 expired");
        goto out;
    }
    /* Pending past expires_at counts as expired (until the next write
     * marks it), as change_from_row reads it: the time is bound. */
    if (strcmp(status, "pending") == 0 || strcmp(status, "expired") == 0) {
        q_where(&q, strcmp(status, "pending") == 0
                        ? "c.status = 'pending' AND c.expires_at >= ?"
                        : "(c.status = 'expired' OR (c.status = 'pending' AND c.expires_at < ?))");
        q_bind_int(&q, (int64_t)time(NULL));
    } else {
        q_where(&q, "c.status = ?");
        q_bind_text(&q, status);
    }
    const char *sort = req_query(rq, "sort");
    snprintf(suffix, sizeof suffix, " ORDER BY %s, c.id DESC LIMIT ? OFFSET ?",
             sort && *sort ? pg.order_by : "c.proposed_at DESC");
    if (!(s = page_query_or_reply(rq, rs, CHANGE_COUNT, CHANGE_SELECT, &q, suffix, &pg, &total)))
        goto out;
    json_t *items = json_array();
    change_request c;
    while (db_step(s) == DB_ROW) {
        change_from_row(s, &c);
        json_array_append_new(items, change_json(&c));
    }
    rc = reply_json(rs, 200, page_result(items, &pg, total));
out:
    db_finalize(s);
    q_free(&q);
    return rc;
}

/* Approve or reject: one shape, audited as change_approve / change_reject. */
static int decide_or_reply(request *rq, response *rs, int approve)
{
    change_request c;
    user_account u;
    ms_err err;
    if (body_only(rq, rs, (const char *const[]){NULL}) != 0 || write_begin_or_reply(rq, rs) != 0)
        return -1;
    int rc = approve ? change_approve(rq->db, &rq->user, rq->id, &c, &err)
                     : change_reject(rq->db, &rq->user, rq->id, &c, &err);
    if (rc != 0)
        return write_fail_or_reply(rq, rs, &err);
    json_t *after = NULL;
    if (approve && c.target_user_id && user_get(rq->db, c.target_user_id, &u) == 0)
        after = json_pack("{s:I, s:s, s:s, s:b}", "id", (json_int_t)u.id, "username", u.username, "role",
                          role_name(u.role), "disabled", u.disabled);
    json_t *body = json_pack("{s:o}", "change_request", change_json(&c));
    if (after)
        json_object_set(body, "user", after);
    rc = write_commit_or_reply(rq, rs, &(audit_entry){.action = approve ? "change_approve" : "change_reject",
                                                      .entity = "change_request", .entity_id = c.id,
                                                      .after = after, .detail = c.summary},
                               200, body);
    json_decref(after);
    return rc;
}

/* POST /api/v1/change-requests/{id}/approve — roles: admin, secadmin.
 * Applies the change and marks the request approved; only a person of
 * the other role than the proposer's, neither the proposer nor the
 * account concerned. Reply: {change_request, user {id, username, role,
 * disabled}}. Errors: 403 same person, same role or own account; 404
 * absent; 409 already decided or expired (after CHANGE_REQUEST_TTL),
 * username taken meanwhile; 400 the change no longer fits. */
static int change_approve_one(request *rq, response *rs)
{
    return decide_or_reply(rq, rs, 1);
}

/* POST /api/v1/change-requests/{id}/reject — roles: admin, secadmin.
 * The other role rejects, the proposer withdraws; nothing is applied.
 * Reply: {change_request}. Errors: 403 anyone else; 404; 409 decided. */
static int change_reject_one(request *rq, response *rs)
{
    return decide_or_reply(rq, rs, 0);
}

const route change_routes[] = {
    {.method = "GET",  .pattern = "/api/v1/change-requests", .handler = change_list, .roles = ROLES_ACCOUNTS},
    {.method = "POST", .pattern = "/api/v1/change-requests/{id}/approve", .handler = change_approve_one,
     .roles = ROLES_ACCOUNTS},
    {.method = "POST", .pattern = "/api/v1/change-requests/{id}/reject", .handler = change_reject_one,
     .roles = ROLES_ACCOUNTS},
    {0}
};
