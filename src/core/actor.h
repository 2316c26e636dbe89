/* actor.h — who is acting: the roles of the system and the signed-in
 * user (or the command line) on whose behalf a domain call runs.
 *
 * Owns: the role bits, the role groups modules use in their route
 * tables and visibility rules, and the scope test (an org path prefix).
 * Every layer above storage/ may use it: the server fills an actor from
 * the session, domain modules check scope and write audit rows with it,
 * the workflow engine decides what it may do. It names no module. */
#ifndef MS_ACTOR_H
#define MS_ACTOR_H

#include <stdint.h>
#include <string.h>

typedef enum role {
    ROLE_ADMIN     = 1 << 0,  /* 系统管理员: accounts only (create, rename, disable, reset) */
    ROLE_AUDITOR   = 1 << 1,  /* 审计员: reads the audit log only */
    ROLE_STREET    = 1 << 2,  /* 街道工作人员 */
    ROLE_COMMUNITY = 1 << 3,  /* 社区工作人员 */
    ROLE_GRID      = 1 << 4,  /* 网格员 */
    ROLE_VIEWER    = 1 << 5,  /* 部门只读 */
    ROLE_SECADMIN  = 1 << 6   /* 安全管理员: roles and scopes, security alerts */
} role;

/* Separation of duties (三权分立, GB/T 22239-2019 §8.1.4.2): the system
 * administrator, the security administrator and the auditor each do
 * one thing, and none of them reads business data; the registry roles
 * (street, community, grid, viewer) do the street's work. */
#define ROLES_ALL      (ROLE_ADMIN | ROLE_SECADMIN | ROLE_AUDITOR | ROLE_STREET | ROLE_COMMUNITY | ROLE_GRID | ROLE_VIEWER)
/* The three privileged accounts: a change to one of them (creation,
 * password reset, re-enabling, second-factor reset, role) takes two
 * people (src/auth/duties.c). */
#define ROLES_PRIVILEGED     (ROLE_ADMIN | ROLE_SECADMIN | ROLE_AUDITOR)
#define ROLES_REGISTRY_READ  (ROLE_STREET | ROLE_COMMUNITY | ROLE_GRID | ROLE_VIEWER)
#define ROLES_REGISTRY_WRITE (ROLE_STREET | ROLE_COMMUNITY | ROLE_GRID)
/* Who may ask for full (unmasked) ID numbers; each view is audited. */
#define ROLES_FULL_ID        (ROLE_STREET | ROLE_COMMUNITY | ROLE_GRID)
/* Who manages accounts (the admin) or their roles (the secadmin): they
 * see the org tree, to choose an account's unit, but no registry data. */
#define ROLES_ACCOUNTS       (ROLE_ADMIN | ROLE_SECADMIN)

/* The signed-in user as every layer sees it. A zeroed actor is the
 * command line ("system"): id 0, no role and an empty scope, which
 * contains nothing (command-line domain calls do not check scope). */
typedef struct actor {
    int64_t id;
    char username[64];
    char display_name[128];
    role role;
    int64_t org_unit_id;
    char scope_path[256];     /* org_unit.path of the user's unit: "/1/4/" */
    char scope_name[128];
    unsigned pending;         /* ACTOR_PENDING_* bits: what the session must do first */
} actor;

/* A signed-in session that must finish a step before it may do anything
 * else (set by the session check; routes with .allow_pending stay open):
 * an initial, reset or expired password to change, a privileged
 * account's second factor to enrol, or a role the security
 * administrator has yet to confirm. */
enum {
    ACTOR_PENDING_PASSWORD = 1u << 0,
    ACTOR_PENDING_TOTP_ENROLL = 1u << 1,
    ACTOR_PENDING_ROLE = 1u << 2,   /* created by the admin; the secadmin has not yet confirmed its role */
};

/* The role names, for messages that list them. */
#define ROLE_NAMES_TEXT "admin secadmin auditor street community grid viewer"

/* "admin" -> ROLE_ADMIN; 0 when unknown. */
role role_from_name(const char *name);
const char *role_name(role r);        /* "admin" */
const char *role_label(role r);       /* "系统管理员" */

/* 1 when org path `path` lies inside the actor's scope (prefix match). */
static inline int actor_scope_contains(const actor *a, const char *path)
{
    size_t n = strlen(a->scope_path);
    return n > 0 && path && strncmp(a->scope_path, path, n) == 0;
}

#endif
