/* users.h — accounts: roles, password hashing (libsodium Argon2id) and
 * the user store, with the password's age, history and forced change.
 * Login, sessions and lockout are in session.h; what a password must
 * look like in password_policy.h; the second factor in totp.h. */
#ifndef MS_USERS_H
#define MS_USERS_H

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

#include "auth/password_policy.h"
#include "core/actor.h"
#include "core/err.h"
#include "storage/db.h"

/* How many passwords back a new one may not repeat (the current one
 * included). */
#define PASSWORD_HISTORY 5

/* Argon2id (libsodium crypto_pwhash_str, interactive limits: 64 MiB
 * each), at most g_session_policy.max_concurrent_checks at once; the
 * others wait up to THROTTLE_CHECK_WAIT_MS (throttle.h) — so hash before
 * opening a write transaction, never inside one. out must hold 128
 * bytes. Returns 0 or -1 (out of memory, or no slot came free). */
int password_hash(const char *pw, char out[static 128]);
int password_verify(const char *hash, const char *pw);  /* 1 match, 0 not, -1 no slot came free */

/* Creates a user whose scope is org unit `org_code`. Returns the new id,
 * or -1 with *err naming the field (duplicate name, unknown unit,
 * weak password, role/unit mismatch such as a grid worker not on a grid).
 * The password is an initial one: the user must change it at the first
 * sign-in (user_keep_password lifts that, for the demo accounts). */
int64_t user_create(db_conn *db, const char *username, const char *display_name,
                    const char *role_name_s, const char *org_code, const char *password, ms_err *err);
/* The same with a password already hashed (an approved change request,
 * auth/duties.c, keeps only the hash). */
int64_t user_create_hashed(db_conn *db, const char *username, const char *display_name, const char *role_name_s,
                           const char *org_code, const char *hash, ms_err *err);
/* The checks of user_create that need no database: the username's form
 * and a known role. 0 or -1 with *err. */
int user_check_new(const char *username, const char *role_name_s, ms_err *err);

/* 1 when an account of that name exists. */
int user_exists(db_conn *db, const char *username);

/* Sets an account's role and scope (org unit id) and whether the role is
 * approved (0: set by the system administrator, waiting for the security
 * administrator, who approves with 1). 0 or -1 with *err (role that does
 * not fit the unit, unknown unit). */
int user_set_role(db_conn *db, int64_t id, role r, int64_t org_unit_id, int approved, ms_err *err);

/* Who sets a password: the account's owner (the change ends a forced
 * change), or an administrator / the command line (a reset: the owner
 * must change it at the next sign-in). */
typedef enum password_setter { PASSWORD_BY_OWNER, PASSWORD_BY_ADMIN } password_setter;

/* Sets a new password, clears the lockout, keeps the old hash in the
 * history and restarts the password's age. 0, or -1 with *err. Runs in
 * the caller's transaction; check reuse first (user_password_reused). */
int user_set_password(db_conn *db, const char *username, const char *password, password_setter by,
                      ms_err *err);
/* The same with the hash of a password checked earlier (an approved
 * change request). */
int user_set_password_hash(db_conn *db, const char *username, const char *hash, password_setter by, ms_err *err);
/* 1 when `password` is the account's current password or one of the
 * PASSWORD_HISTORY - 1 before it (up to PASSWORD_HISTORY Argon2 checks:
 * call it before opening the write transaction), 0 when not, -1 when a
 * check could not run (no check slot came free). */
int user_password_reused(db_conn *db, const char *username, const char *password);
/* The password stays as it is: no forced change (the demo accounts,
 * whose password is published). 0 or -1. */
int user_keep_password(db_conn *db, const char *username);

/* An account as the admin pages show it. */
typedef struct user_account {
    int64_t id;
    char username[64];
    char display_name[208];
    role role;
    int64_t org_unit_id;
    char org_code[64], org_name[128], org_kind[16], org_path[256];
    int disabled;
    int64_t locked_until;          /* unix time; past = not locked */
    int64_t failed_logins;
    char created_at[20], updated_at[20];
    int64_t last_login_at;         /* unix time; 0 = never */
    int64_t password_changed_at;   /* unix time */
    int must_change_password;      /* initial or reset password */
    int totp_enabled;              /* second factor enrolled */
    int role_approved;             /* 0: waits for the security administrator */
} user_account;

/* The one SELECT list for accounts (callers append WHERE …), its COUNT,
 * and the row reader. */
#define USER_SELECT                                                                             \
    "SELECT u.id, u.username, u.display_name, u.role, u.org_unit_id, o.code, o.name, o.kind,"  \
    " o.path, u.disabled, u.locked_until, u.failed_logins, u.created_at, u.updated_at,"         \
    " u.last_login_at, u.password_changed_at, u.must_change_password,"                         \
    " EXISTS (SELECT 1 FROM user_totp t WHERE t.user_id = u.id AND t.enabled = 1),"            \
    " u.role_approved"                                                                          \
    " FROM app_user u JOIN org_unit o ON o.id = u.org_unit_id"
#define USER_COUNT "SELECT COUNT(*) FROM app_user u JOIN org_unit o ON o.id = u.org_unit_id"
void user_from_row(db_stmt *s, user_account *out);

/* Loads account `id`: 0 found, 1 absent, -1 database error. */
int user_get(db_conn *db, int64_t id, user_account *out);

/* Sets the display name and the disabled flag (re-enabling restarts the
 * unused-account clock). 0 or -1 with *err. */
int user_update(db_conn *db, int64_t id, const char *display_name, int disabled, ms_err *err);

/* Loads the caller context of a user id. Returns 0, or -1 when the user
 * does not exist or is disabled. */
int user_load_ctx(db_conn *db, int64_t user_id, actor *out);

/* Prints every account (username, role, unit, last sign-in,
 * locked/disabled) as a table. */
int user_print_list(db_conn *db, FILE *out);

#endif
