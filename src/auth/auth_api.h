/* auth_api.h — the auth module's route tables: sign-in and sessions
 * (auth_api.c) and account administration (users_api.c). */
#ifndef MS_AUTH_API_H
#define MS_AUTH_API_H

#include "server/http.h"

extern const route auth_routes[];    /* auth_api.c:  /auth */
extern const route users_routes[];   /* users_api.c: /users */

#endif
