/* routes.h — the route table: every API route, its roles and limits.
 * Defined in routes.c so the whole API surface reads in one place. */
#ifndef MS_ROUTES_H
#define MS_ROUTES_H

#include "server/http.h"

extern const route ms_routes[];

#endif
