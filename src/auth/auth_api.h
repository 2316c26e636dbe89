/* auth_api.h — the auth module's route tables: sign-in and sessions
 * (auth_api.c) and account administration (users_api.c). */
#ifndef MS_AUTH_API_H
#define MS_AUTH_API_H

#include "server/http.h"

extern const route auth_routes[];    /* auth_api.c:  /auth */
extern const route users_routes[];   /* users_api.c: /users */

/* Overwrites the raw request body and the JSON string values of `keys`
 * (NULL-terminated) with zeros, once a handler is done with the
 * passwords or codes they held (auth_api.c). */
void auth_wipe_secrets(request *rq, const char *const *keys);

#endif
