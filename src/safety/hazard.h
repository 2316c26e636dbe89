/* hazard.h — the hazard ledger (隐患台账): hazards found by an inspection
 * or reported directly, their rectification as cases of the workflow
 * engine (hazard_flow.c), and the re-checks that close them (销号).
 *
 * Owns: the SQL of safety_hazard and safety_recheck (migration 0027) and
 * their rules: the levels, the deadline, "销号 only with a passing
 * re-check, a failing one back to 整改中", overdue = the deadline passed
 * and not 销号. No HTTP: safety_api.c translates. Writes run inside the
 * caller's transaction; refusals come back through ms_err. */
#ifndef MS_SAFETY_HAZARD_H
#define MS_SAFETY_HAZARD_H

#include <stdint.h>

#include "core/actor.h"
#include "core/err.h"
#include "safety/enterprise.h"
#include "workflow/workflow.h"

/* 一般, 较大, 重大 (NULL-terminated). */
extern const char *const HAZARD_LEVELS[];

typedef struct hazard {
    int64_t enterprise_id, inspection_id, grid_id, community_id;
    char enterprise_name[ENT_NAME_CHARS * 4 + 1];
    char grid_name[128], community_name[128];
    char place[ENT_ADDRESS_CHARS * 4 + 1];
    char level[16];
    char *description, *measure;     /* owned: hazard_release */
    char responsible[204];
    char found_on[11], deadline[11];
    int64_t version;
    char created_at[20], updated_at[20];
    wf_case c;                       /* id, state, org_path (the grid's), closed_at … */
} hazard;

#define HAZARD_FROM                                                                                          \
    " FROM safety_hazard h JOIN wf_case c ON c.id = h.id JOIN org_unit g ON g.id = h.grid_id"               \
    " JOIN org_unit gc ON gc.id = h.community_id LEFT JOIN safety_enterprise e ON e.id = h.enterprise_id"
#define HAZARD_SELECT                                                                                        \
    "SELECT h.enterprise_id, h.inspection_id, h.grid_id, h.community_id, e.name, g.name, gc.name, h.place,"  \
    " h.level, h.description, h.measure, h.responsible, h.found_on, h.deadline, h.version, h.created_at,"    \
    " h.updated_at, " WF_CASE_COLUMNS HAZARD_FROM
void hazard_from_row(db_stmt *s, hazard *out);
void hazard_release(hazard *h);

/* Hazard id into out (release it): 0, 1 when there is none, -1 on a database error. */
int hazard_get(db_conn *db, int64_t id, hazard *out);

/* 1 when h is not 销号 and its deadline is before `today` ("YYYY-MM-DD"). */
int hazard_is_overdue(const hazard *h, const char *today);

typedef struct hazard_in {
    int64_t enterprise_id;           /* or grid_id + place for a place not registered */
    int64_t inspection_id;           /* 0 = reported directly */
    int64_t grid_id;
    const char *place, *level, *description, *measure, *responsible, *found_on, *deadline;
} hazard_in;

/* Registers a hazard (a case in 已登记) in the grid of its enterprise or
 * place, within who's scope: its id, or -1 with ERR_INVALID (field),
 * ERR_NOT_FOUND, ERR_CONFLICT (enterprise closed), ERR_FORBIDDEN, ERR_DB. */
int64_t hazard_create(db_conn *db, const actor *who, const char *ip, const hazard_in *in, ms_err *err);

/* The re-check a close (销号) or a reopen (退回整改) records. */
typedef struct recheck_in {
    const char *checked_on, *checkers, *note;
    int passed;                      /* 1 合格, 0 不合格 */
} recheck_in;

typedef struct hazard_step_in {
    const char *opinion;
    const char *const *attachments;
    const recheck_in *recheck;       /* NULL = none given */
    int64_t if_version;
} hazard_step_in;

/* Takes step `action` (hazard_flow.c's table) on hazard id: close needs
 * a passing re-check, reopen a failing one, both recorded with the step;
 * no other step takes one. 0, or -1 with the engine's refusals
 * (workflow.h), ERR_INVALID "recheck", ERR_CONFLICT (a failed re-check
 * cannot close), ERR_STALE, ERR_NOT_FOUND, ERR_DB. */
int hazard_step(db_conn *db, const actor *who, const char *ip, int64_t id, const char *action,
                const hazard_step_in *in, ms_err *err);

/* One re-check as stored. */
typedef struct recheck {
    char checked_on[11];
    char checkers[512];
    int passed;
    char note[2048];
    char created_at[20];
} recheck;

/* The re-checks of hazard id, oldest first, into out (at most max): how many, or -1. */
int hazard_rechecks_load(db_conn *db, int64_t id, recheck *out, int max);

/* One line of the ledger summary: a level, a state or a community
 * (id, name) with its hazards: all, not 销号, overdue. */
typedef struct hazard_tally {
    int64_t id;
    char key[128];
    int64_t total, open, overdue;
} hazard_tally;

/* The hazards whose case's org path lies in [path, end), counted by
 * `by` ("level", "state" or "community"), into out (at most max, in
 * order of the key): how many lines, or -1 on a database error. */
int hazard_tally_by(db_conn *db, const char *by, const char *path, const char *end, const char *today,
                    hazard_tally *out, int max);

#endif
