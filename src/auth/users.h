/* users.h — accounts: roles, password hashing (libsodium Argon2id) and
 * the user store. Login, sessions and lockout are in session.h. */
#ifndef MS_USERS_H
#define MS_USERS_H

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

#include "core/actor.h"
#include "storage/db.h"

/* Minimum password rules: 8..128 bytes, not all one class of
 * character. Returns NULL when acceptable, else a Chinese message. */
const char *password_problem(const char *pw);

/* Argon2id (libsodium crypto_pwhash_str, interactive limits).
 * out must hold 128 bytes. Returns 0 or -1 (out of memory). */
int password_hash(const char *pw, char out[static 128]);
int password_verify(const char *hash, const char *pw);  /* 1 match, 0 not */

/* Creates a user whose scope is org unit `org_code`. Returns the new id,
 * or -1 with a Chinese message in err (duplicate name, unknown unit,
 * weak password, role/unit mismatch such as a grid worker not on a grid). */
int64_t user_create(db_conn *db, const char *username, const char *display_name,
                    const char *role_name_s, const char *org_code, const char *password,
                    char *err, size_t errsz);
int user_set_password(db_conn *db, const char *username, const char *password, char *err, size_t errsz);

/* Loads the caller context of a user id. Returns 0, or -1 when the user
 * does not exist or is disabled. */
int user_load_ctx(db_conn *db, int64_t user_id, actor *out);

/* Prints every account (username, role, unit, locked/disabled) as a table. */
int user_print_list(db_conn *db, FILE *out);

#endif
