/* write.h — the one write path. Every mutating handler has this shape:
 *
 *     parse the body                      (body_* helpers: 400 and return)
 *     load what it touches, in scope      (…_or_reply helpers: 404 and return)
 *     if (write_begin_or_reply(rq, rs)) return -1;
 *     if (domain_call(rq->db, …, &err))   return write_fail_or_reply(rq, rs, &err);
 *     return write_commit_or_reply(rq, rs, &(audit_entry){…}, 200, reply_body);
 *
 * so the change, its audit row and the reply are one transaction: when
 * any part fails nothing is written and the caller gets a clear error.
 * The reply is filled only once the commit is durable (db_commit waits
 * for the group commit's fsync, after releasing the write lock).
 *
 * Naming: a helper whose name ends in _or_reply has already filled the
 * response when it returns -1; the handler returns at once. */
#ifndef MS_WRITE_H
#define MS_WRITE_H

#include "core/audit.h"
#include "core/err.h"
#include "server/http.h"

/* Opens the write transaction on the primary (a read-heavy request
 * served from a replica moves to the primary's connection here): 0, or
 * -1 with a 503 (database busy). A serialization failure or deadlock
 * anywhere in the transaction is retried by the server, which runs the
 * whole handler again (http.c run_handler, storage/retry.h). */
int write_begin_or_reply(request *rq, response *rs);

/* Writes the audit row *e (user and client address filled in from rq;
 * e->before/after are borrowed), commits durably, and replies `status` with
 * body (stolen; may be the same object as e->after). On failure rolls
 * back, replies 500 and frees body. Returns 0, or -1 (replied). */
int write_commit_or_reply(request *rq, response *rs, const audit_entry *e, int status, json_t *body);

/* Audits and commits without replying (for a reply the handler builds
 * itself, such as a CSV download): 0, or -1 rolled back with a 500. */
int write_commit_only_or_reply(request *rq, response *rs, const audit_entry *e);

/* The version named by an If-Match header ("3", W/"3" or 3) into
 * *version; 0 when there is none or it is "*". Returns 0, or -1 with a
 * 400 when it is not a version. Domain writes compare it with the row
 * inside their transaction (ERR_STALE → 412 precondition_failed, with
 * the current version in error.current_version and the ETag). */
int if_match_or_reply(request *rq, response *rs, int64_t *version);

/* Sets the ETag of the reply to a record's version: "\"3\"". */
void reply_etag(response *rs, int64_t version);

/* Rolls back the open write and replies the domain error. Returns -1. */
int write_fail_or_reply(request *rq, response *rs, const ms_err *err);

/* Inside a write: when org path `path` (of the row as the domain read
 * it in the transaction) has left the caller's scope, rolls back and
 * replies 404 for `what` ("居民"), returning -1; otherwise 0. */
int write_in_scope_or_reply(request *rq, response *rs, const char *path, const char *what);

/* Replies a domain error without a transaction to undo. Returns -1. */
int reply_err(response *rs, const ms_err *err);

/* An audit row for the caller, inside the caller's open transaction
 * (for reads that must be audited, e.g. each full ID number shown).
 * Returns 0 or -1 (the caller rolls back). */
int audit_request(request *rq, const audit_entry *e);

#endif
