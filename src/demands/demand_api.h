/* demand_api.h — the route tables of citizen demands (诉求工单, issue 12),
 * each defined in the *_api.c that serves it and listed in app/app.c:
 *   demand_category_routes  category_api.c  the category tree
 *   demand_dept_routes      dept_api.c      the street's departments and their accounts
 *   demand_order_routes     order_api.c     intake, lists, the order page, steps, 催办, duplicates
 *   demand_report_routes    report_api.c    the weekly report and the monthly figures
 *   demand_open311_routes   open311_api.c   Open311 GeoReport v2 (/open311/v2/) and its API keys
 * All under /api/v1/demands/, but Open311's (/open311/v2/, /api/v1/open311/keys). */
#ifndef MS_DEMAND_API_H
#define MS_DEMAND_API_H

#include "server/http.h"

extern const route demand_category_routes[];
extern const route demand_dept_routes[];
extern const route demand_order_routes[];
extern const route demand_report_routes[];
extern const route demand_open311_routes[];

#endif
