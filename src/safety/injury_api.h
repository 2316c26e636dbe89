/* injury_api.h — the route table of the injury records and their
 * analysis (injury_api.c, under /api/v1/safety/injuries), listed in
 * app/app.c. */
#ifndef MS_SAFETY_INJURY_API_H
#define MS_SAFETY_INJURY_API_H

#include "server/http.h"

extern const route injury_routes[];

#endif
