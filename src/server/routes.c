/* routes.c — the whole API surface in one table: method, path, handler,
 * the roles allowed (checked before the handler runs; scope is checked
 * inside each handler against the data it touches), and body limits. */
#include "server/routes.h"
#include "server/handlers.h"

#define R_READ   ROLES_REGISTRY_READ
#define R_WRITE  ROLES_REGISTRY_WRITE
#define R_ORG_ADMIN (ROLE_ADMIN | ROLE_STREET | ROLE_COMMUNITY)
#define R_EXPORT (ROLE_ADMIN | ROLE_STREET | ROLE_COMMUNITY | ROLE_GRID)
#define IMPORT_MAX_BODY (64u << 20)

const route ms_routes[] = {
    {"POST",  "/api/v1/auth/login",              api_login,             0,           0, 0},
    {"POST",  "/api/v1/auth/logout",             api_logout,            ROLES_ALL,   0, 0},
    {"GET",   "/api/v1/auth/me",                 api_me,                ROLES_ALL,   0, 0},
    {"POST",  "/api/v1/auth/password",           api_change_password,   ROLES_ALL,   0, 0},

    {"GET",   "/api/v1/users",                   api_users_list,        ROLE_ADMIN,  0, 0},
    {"POST",  "/api/v1/users",                   api_users_create,      ROLE_ADMIN,  0, 0},
    {"PATCH", "/api/v1/users/{id}",              api_users_update,      ROLE_ADMIN,  0, 0},

    {"GET",   "/api/v1/org-units",               api_org_list,          R_READ,      0, 0},
    {"POST",  "/api/v1/org-units",               api_org_create,        R_ORG_ADMIN, 0, 0},
    {"GET",   "/api/v1/org-units/{id}",          api_org_get,           R_READ,      0, 0},
    {"PATCH", "/api/v1/org-units/{id}",          api_org_update,        R_WRITE,     0, 0},

    {"GET",   "/api/v1/households",              api_household_list,    R_READ,      0, 0},
    {"POST",  "/api/v1/households",              api_household_create,  R_WRITE,     0, 0},
    {"GET",   "/api/v1/households/{id}",         api_household_get,     R_READ,      0, 0},
    {"PATCH", "/api/v1/households/{id}",         api_household_update,  R_WRITE,     0, 0},
    {"POST",  "/api/v1/households/{id}/move",    api_household_move,    R_WRITE,     0, 0},
    {"POST",  "/api/v1/households/{id}/close",   api_household_close,   R_WRITE,     0, 0},

    {"GET",   "/api/v1/residents",               api_resident_list,     R_READ,      0, 0},
    {"POST",  "/api/v1/residents",               api_resident_create,   R_WRITE,     0, 0},
    {"GET",   "/api/v1/residents/{id}",          api_resident_get,      R_READ,      0, 0},
    {"PATCH", "/api/v1/residents/{id}",          api_resident_update,   R_WRITE,     0, 0},
    {"POST",  "/api/v1/residents/{id}/move",     api_resident_move,     R_WRITE,     0, 0},
    {"POST",  "/api/v1/residents/{id}/status",   api_resident_status,   R_WRITE,     0, 0},
    {"GET",   "/api/v1/residents/{id}/history",  api_resident_history,  R_READ,      0, 0},

    {"GET",   "/api/v1/stats/tags",              api_stats_tags,        R_READ,      0, 0},
    {"GET",   "/api/v1/stats/org-units",         api_stats_org_units,   R_READ,      0, 0},
    {"GET",   "/api/v1/tags",                    api_tags,              ROLES_ALL,   0, 0},

    {"POST",  "/api/v1/import/residents",        api_import_residents,  R_WRITE,     IMPORT_MAX_BODY, 1},
    {"GET",   "/api/v1/export/residents",        api_export_residents,  R_EXPORT,    0, 0},

    {"GET",   "/api/v1/audit",                   api_audit_list,        ROLE_AUDITOR | ROLE_ADMIN, 0, 0},
    {"GET",   "/api/v1/openapi.json",            api_openapi,           0,           0, 0},

    {0, 0, 0, 0, 0, 0}
};
