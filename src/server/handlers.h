/* handlers.h — prototypes of every route handler, grouped by the file
 * that defines them. The table binding them to paths is routes.c. */
#ifndef MS_HANDLERS_H
#define MS_HANDLERS_H

#include "server/http.h"

/* src/auth/auth_api.c */
int api_login(request *rq, response *rs);
int api_logout(request *rq, response *rs);
int api_me(request *rq, response *rs);
int api_change_password(request *rq, response *rs);

/* src/auth/users_api.c */
int api_users_list(request *rq, response *rs);
int api_users_create(request *rq, response *rs);
int api_users_update(request *rq, response *rs);

/* src/registry/org_api.c */
int api_org_list(request *rq, response *rs);
int api_org_get(request *rq, response *rs);
int api_org_create(request *rq, response *rs);
int api_org_update(request *rq, response *rs);

/* src/registry/household_api.c */
int api_household_list(request *rq, response *rs);
int api_household_create(request *rq, response *rs);
int api_household_get(request *rq, response *rs);
int api_household_update(request *rq, response *rs);
int api_household_move(request *rq, response *rs);
int api_household_close(request *rq, response *rs);

/* src/registry/resident_api.c */
int api_resident_list(request *rq, response *rs);
int api_resident_create(request *rq, response *rs);
int api_resident_get(request *rq, response *rs);
int api_resident_update(request *rq, response *rs);
int api_resident_move(request *rq, response *rs);
int api_resident_status(request *rq, response *rs);
int api_resident_history(request *rq, response *rs);

/* src/registry/stats_api.c */
int api_stats_tags(request *rq, response *rs);
int api_stats_org_units(request *rq, response *rs);
int api_tags(request *rq, response *rs);

/* src/registry/import_api.c */
int api_import_residents(request *rq, response *rs);
int api_export_residents(request *rq, response *rs);

/* src/server/audit_api.c */
int api_audit_list(request *rq, response *rs);

/* src/server/openapi.c */
int api_openapi(request *rq, response *rs);

#endif
