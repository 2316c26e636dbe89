/* scope.h — org-unit scope checks shared by every route, and the
 * audit call handlers use (caller and client address filled in). */
#ifndef MS_SCOPE_H
#define MS_SCOPE_H

#include "registry/org.h"
#include "server/http.h"

/* Loads org unit `id` and checks it lies inside the caller's scope.
 * Returns 0, or -1 with a 404 in rs (outside scope looks like absent). */
int scope_unit(request *rq, response *rs, int64_t id, org_unit *out);

/* The `org_unit_id` query parameter (default: the caller's own unit),
 * checked as above. Returns 0 or -1 with rs filled. */
int scope_unit_param(request *rq, response *rs, const char *param, org_unit *out);

/* 1 when path lies inside the caller's scope. */
int scope_contains(const request *rq, const char *path);

/* Writes an audit row for the caller. Returns 0 or -1 (roll back!). */
int audit_request(request *rq, const char *action, const char *entity, int64_t entity_id,
                  const char *org_path, json_t *before, json_t *after, const char *detail);

/* Begins a write transaction; on failure fills a 503 and returns -1. */
int begin_write(request *rq, response *rs);
/* Commits; on failure rolls back, fills a 500 and returns -1. */
int commit_write(request *rq, response *rs);

#endif
