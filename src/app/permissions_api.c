/* permissions_api.c — GET /api/v1/auth/permissions: which routes the
 * caller's role may call, read from the route tables themselves
 * (app.c's list). The web application builds its menu from this, so it
 * never shows an item whose API would refuse the user. Scope (which org
 * units) is not in it: every route still checks that on its data. */
#include "app/app.h"

#include <stdio.h>

/* GET /api/v1/auth/permissions — roles: any signed-in user.
 * Reply: {role, routes: ["GET /api/v1/residents", …]} — "METHOD
 * pattern" of every route open to the caller's role (open routes, which
 * need no sign-in, left out). */
static int permissions_get(request *rq, response *rs)
{
    json_t *routes = json_array();
    char line[160];
    for (const route *const *t = app_route_tables; *t; t++)
        for (const route *r = *t; r->method; r++)
            if (r->roles & rq->user.role) {
                snprintf(line, sizeof line, "%s %s", r->method, r->pattern);
                json_array_append_new(routes, json_string(line));
            }
    return reply_json(rs, 200, json_pack("{s:s, s:o}", "role", role_name(rq->user.role), "routes", routes));
}

const route permissions_routes[] = {
    {.method = "GET", .pattern = "/api/v1/auth/permissions", .handler = permissions_get, .roles = ROLES_ALL},
    {0}
};
