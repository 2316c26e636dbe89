/* mediation_api.h — the route table of people's mediation (人民调解),
 * defined in mediation_api.c and listed in app/app.c: stations, the
 * mediator directory, cases with their steps and sessions, the
 * agreement's data and the figures, all under /api/v1/mediation/. */
#ifndef MS_MEDIATION_API_H
#define MS_MEDIATION_API_H

#include "server/http.h"

extern const route mediation_routes[];

#endif
