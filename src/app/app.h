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

extern const route audit_routes[];     /* app/audit_api.c:   /audit */
extern const route openapi_routes[];   /* app/openapi_api.c: /openapi.json */

/* Every route table, NULL-terminated, in matching order. */
extern const route *const app_route_tables[];

/* Starts the server with the application's routes and session check;
 * runs until SIGINT/SIGTERM. Returns a process exit code. */
int app_serve(server_config *cfg);

#endif
