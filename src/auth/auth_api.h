/* auth_api.h — the auth module's route tables: sign-in and sessions
 * (auth_api.c), account administration (users_api.c) and the change
 * requests of the two-person rule (duties_api.c). */
#ifndef MS_AUTH_API_H
#define MS_AUTH_API_H

#include "server/http.h"

extern const route auth_routes[];    /* auth_api.c:  /auth */
extern const route users_routes[];   /* users_api.c: /users */
extern const route change_routes[];  /* duties_api.c: /change-requests */

struct change_request;
/* Records `req` as a pending change request of the caller (the
 * two-person rule, auth/duties.h) with its audit row (change_propose)
 * and answers 202 {change_request}; org_path is the account's scope for
 * the audit row. duties_api.c. */
int change_propose_or_reply(request *rq, response *rs, const struct change_request *req, const char *org_path);

/* Overwrites the raw request body and the JSON string values of `keys`
 * (NULL-terminated) with zeros, once a handler is done with the
 * passwords or codes they held (auth_api.c). */
void auth_wipe_secrets(request *rq, const char *const *keys);

/* Hashes a new password into out before the handler's write transaction
 * (hashes queue for a slot of the cap on Argon2 runs and must not wait
 * holding the write lock): 0, or -1 with a 503 when no slot came free
 * (or memory ran out). The caller wipes out. auth_api.c. */
int password_hash_or_reply(response *rs, const char *pw, char out[static 128]);

#endif
