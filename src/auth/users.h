/* users.h — accounts: roles, password hashing (libsodium Argon2id) and
 * the user store. Login, sessions and lockout are in session.h. */
#ifndef MS_USERS_H
#define MS_USERS_H

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

#include "storage/db.h"

typedef enum role {
    ROLE_ADMIN     = 1 << 0,  /* 系统管理员: everything in scope, accounts */
    ROLE_AUDITOR   = 1 << 1,  /* 审计员: reads the audit log only */
    ROLE_STREET    = 1 << 2,  /* 街道工作人员 */
    ROLE_COMMUNITY = 1 << 3,  /* 社区工作人员 */
    ROLE_GRID      = 1 << 4,  /* 网格员 */
    ROLE_VIEWER    = 1 << 5   /* 部门只读 */
} role;

#define ROLES_ALL      (ROLE_ADMIN | ROLE_AUDITOR | ROLE_STREET | ROLE_COMMUNITY | ROLE_GRID | ROLE_VIEWER)
#define ROLES_REGISTRY_READ  (ROLE_ADMIN | ROLE_STREET | ROLE_COMMUNITY | ROLE_GRID | ROLE_VIEWER)
#define ROLES_REGISTRY_WRITE (ROLE_ADMIN | ROLE_STREET | ROLE_COMMUNITY | ROLE_GRID)
/* Who may ask for full (unmasked) ID numbers; each view is audited. */
#define ROLES_FULL_ID        (ROLE_ADMIN | ROLE_STREET | ROLE_COMMUNITY | ROLE_GRID)

/* The authenticated caller, as handlers see it. */
typedef struct user_ctx {
    int64_t id;
    char username[64];
    char display_name[128];
    role role;
    int64_t org_unit_id;
    char scope_path[256];     /* org_unit.path of the user's unit: "/1/4/" */
    char scope_name[128];
} user_ctx;

/* "admin" -> ROLE_ADMIN; 0 when unknown. */
role role_from_name(const char *name);
const char *role_name(role r);        /* "admin" */
const char *role_label(role r);       /* "系统管理员" */

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
int user_load_ctx(db_conn *db, int64_t user_id, user_ctx *out);

/* Prints every account (username, role, unit, locked/disabled) as a table. */
int user_print_list(db_conn *db, FILE *out);

/* 1 when org path `path` lies inside the user's scope (prefix match). */
int user_scope_contains(const user_ctx *u, const char *path);

#endif
