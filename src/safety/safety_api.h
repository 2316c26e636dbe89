/* safety_api.h — the route table of safety inspections and the hazard
 * ledger (safety_routes, safety_api.c: enterprises and places,
 * inspections, hazards, the ledger summary), listed in app/app.c. All
 * under /api/v1/safety/. */
#ifndef MS_SAFETY_API_H
#define MS_SAFETY_API_H

#include "server/http.h"

extern const route safety_routes[];

#endif
