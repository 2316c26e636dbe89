/* app.h — the application layer: wires the domain modules into the
 * HTTP framework. It is the one place that names every module: the list
 * of route tables (one per module file) and the session check the
 * server calls for each request.
 *
 * Layers point one way:  app → module *_api.c → server/ (HTTP) and the
 * module's domain code → core/ (actor, audit, errors, workflow) →
 * storage/ → util/. server/ names no domain module. */
#ifndef MS_APP_H
#define MS_APP_H

#include "server/http.h"

extern const route audit_routes[];     /* app/audit_api.c:   /audit, /audit/export */
extern const route security_routes[];  /* app/security_api.c: /security/alerts */
extern const route openapi_routes[];   /* app/openapi_api.c: /openapi.json */
extern const route permissions_routes[]; /* app/permissions_api.c: /auth/permissions */

/* Every route table, NULL-terminated, in matching order. */
extern const route *const app_route_tables[];

typedef struct app_options {
    const char *seal_file;       /* the audit checkpoint file */
    int checkpoint_minutes;      /* seal the chain head this often (if it moved); 0 = only at shutdown */
} app_options;

/* Starts the server with the application's routes and session check,
 * and seals audit checkpoints (every opt->checkpoint_minutes and at
 * shutdown); runs until SIGINT/SIGTERM. Returns a process exit code. */
int app_serve(server_config *cfg, const app_options *opt);

#endif
