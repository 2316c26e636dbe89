/* app.c — the route list and the session check (see app.h). A new
 * module adds its table here, and nowhere else. */
#include "app/app.h"
#include "auth/auth_api.h"
#include "auth/session.h"
#include "registry/registry_api.h"

const route *const app_route_tables[] = {
    auth_routes,
    users_routes,
    org_routes,
    household_routes,
    resident_routes,
    stats_routes,
    import_routes,
    audit_routes,
    openapi_routes,
    NULL,
};

static int authenticate(db_conn *db, const char *token, actor *out)
{
    return session_authenticate(db, &g_session_policy, token, out);
}

int app_serve(server_config *cfg)
{
    cfg->route_tables = app_route_tables;
    cfg->authenticate = authenticate;
    return http_serve(cfg);
}
