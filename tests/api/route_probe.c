/* route_probe.c — the routes a cross-scope test tried (see route_probe.h). */
#include "route_probe.h"

#include <stdio.h>
#include <string.h>

#include "app/app.h"

static char probed[256][160];   /* every route of every table: more than the 160 of issue 11 */
static size_t nprobed;

void probe_note(const char *method, const char *path)
{
    char key[160];
    size_t n = (size_t)snprintf(key, sizeof key, "%s ", method);
    for (const char *p = path; *p && *p != '?' && n + 8 < sizeof key;) {
        if (p[0] == '/' && p[1] >= '0' && p[1] <= '9') {
            n += (size_t)snprintf(key + n, sizeof key - n, "/{id}");
            for (p++; *p >= '0' && *p <= '9'; p++)
                ;
            continue;
        }
        key[n++] = *p++;
    }
    key[n] = '\0';
    for (size_t i = 0; i < nprobed; i++)
        if (strcmp(probed[i], key) == 0)
            return;
    if (nprobed < sizeof probed / sizeof probed[0])
        snprintf(probed[nprobed++], sizeof probed[0], "%s", key);
}

/* Routes that touch no org-scoped data. */
static const char *const UNSCOPED[] = {
    "POST /api/v1/auth/login", "POST /api/v1/auth/logout", "GET /api/v1/auth/me", "POST /api/v1/auth/password",
    "POST /api/v1/auth/totp/enroll", "POST /api/v1/auth/totp/confirm",
    "GET /api/v1/auth/permissions", "GET /api/v1/audit/actions", "GET /api/v1/tags", "GET /api/v1/openapi.json", NULL};

const char *const *probe_case_actions(void)
{
    static const char prefix[] = "/api/v1/assistance/cases/{id}/actions/";
    static const char *actions[32];
    size_t n = 0;
    for (const route *const *t = app_route_tables; *t; t++)
        for (const route *r = *t; r->method; r++)
            if (strcmp(r->method, "POST") == 0 && strncmp(r->pattern, prefix, sizeof prefix - 1) == 0 &&
                n + 1 < sizeof actions / sizeof actions[0])
                actions[n++] = r->pattern + sizeof prefix - 1;
    actions[n] = NULL;
    return actions;
}

int probe_missing(const char *what)
{
    int missing = 0;
    for (const route *const *t = app_route_tables; *t; t++)
        for (const route *r = *t; r->method; r++) {
            char key[160];
            int found = 0;
            snprintf(key, sizeof key, "%s %s", r->method, r->pattern);
            for (size_t i = 0; UNSCOPED[i] && !found; i++)
                found = strcmp(UNSCOPED[i], key) == 0;
            for (size_t i = 0; i < nprobed && !found; i++)
                found = strcmp(probed[i], key) == 0;
            if (!found) {
                fprintf(stderr, "no %s test for %s\n", what, key);
                missing++;
            }
        }
    return missing;
}
