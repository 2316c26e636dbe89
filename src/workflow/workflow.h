/* workflow.h — the engine that moves cases (assistance applications,
 * 12345 work orders, mediation cases, hazard rectifications …) through
 * their states.
 *
 * Owns: the wf_case and wf_timeline tables (migration 0002) and the
 * rules every case type shares: who may take which step, when, with
 * what opinion, and by when the case must move on.
 *
 * A case type is data. The module that owns it declares one
 * `static const wf_type` holding its states, its transitions and an
 * optional conflict-of-interest hook, and passes a pointer to it on
 * every call; the engine keeps no registry. The module keeps its own
 * table whose rows point at wf_case.id. Example:
 *
 *     static const wf_type ASSIST = {
 *         .code = "assist", .label = "低保申请", .initial = "applied",
 *         .states = (const wf_state[]){
 *             {"applied", "已申请", .limit = WF_WORKING_DAYS, .days = 3},
 *             {"approved", "已批准", .terminal = 1},
 *             {0}},
 *         .transitions = (const wf_transition[]){
 *             {"applied", "approve", "批准", "approved", .roles = ROLE_STREET, .level = WF_LEVEL_STREET},
 *             {0}},
 *     };
 *
 * Scope levels. An org path's depth is its number of ids: "/1/" is the
 * street (depth 1), "/1/4/" a community (2), "/1/4/17/" a grid (3). A
 * transition's level L admits an actor whose scope unit has depth <= L
 * (that level or above) and whose scope contains the case's org_path.
 * A street-level step therefore needs a street-level account, while a
 * grid-level step may be taken by the grid worker, the community or the
 * street above that grid (if the transition's roles allow them).
 * A case between two units (a transfer: the receiving side files it
 * under its own unit, the releasing side decides) marks the deciding
 * side's transitions other_party: those are checked the same way
 * against the unit the type's party_path hook names.
 *
 * Time limits. Each state may carry a limit of N working days or N
 * calendar days, counted from the moment the case entered the state by
 * the rules of calendar.h; wf_case.due_at is fixed then (a later edit of
 * the calendar changes deadlines computed after it, not those already
 * given). Terminal states carry no limit; entering one sets closed_at.
 * A state whose limit differs per case (a work order's category sets
 * it) says WF_CALLER_LIMIT, and the module passes the due time it
 * computed on the calendar with each step into that state (wf_input's
 * due_at); the initial state cannot have one.
 *
 * Transactions. wf_create and wf_perform write the case, its timeline
 * row and its audit row, and nothing else: the caller owns the
 * transaction. Call them between db_begin and db_commit, together with
 * the module's own writes; when any step fails, db_rollback and nothing
 * of the case is kept.
 *
 * Actors. The engine checks every actor, the command line included: a
 * NULL or zeroed actor (empty scope) may do nothing here, so a command
 * passes an actor carrying the role and scope it acts with. */
#ifndef MS_WORKFLOW_H
#define MS_WORKFLOW_H

#include <stddef.h>
#include <stdint.h>

#include "core/actor.h"
#include "core/err.h"
#include "storage/db.h"

#define WF_CODE_MAX 32            /* state and action codes: at most 31 bytes */
#define WF_PATH_MAX 256           /* org paths, as org_unit.path */
#define WF_TITLE_CHARS 80         /* characters in a case title */
#define WF_OPINION_CHARS 2000     /* characters in an opinion */
#define WF_MAX_ATTACHMENTS 20
#define WF_MAX_ACTIONS 16         /* transitions out of one state */

typedef enum wf_level {
    WF_LEVEL_STREET = 1,          /* 街道 */
    WF_LEVEL_COMMUNITY = 2,       /* 社区 */
    WF_LEVEL_GRID = 3             /* 网格 */
} wf_level;

typedef enum wf_limit {
    WF_NO_LIMIT = 0,
    WF_WORKING_DAYS,              /* "N 个工作日内" */
    WF_CALENDAR_DAYS,             /* "N 日内" (公示期 …) */
    WF_CALLER_LIMIT               /* a limit that differs per case (a work order's category): the
                                   * module computes it on the calendar and passes it in
                                   * wf_input.due_at on every step into the state */
} wf_limit;

typedef struct wf_state {
    const char *code;             /* "review"; stored in wf_case.state */
    const char *label;            /* "待审核" */
    int terminal;                 /* 1: the case is closed here; no transition leaves it */
    wf_limit limit;
    int days;                     /* the limit's N, 1..CAL_MAX_DAYS */
} wf_state;

typedef struct wf_transition {
    const char *from;             /* state code */
    const char *action;           /* "approve": unique among the transitions out of `from` */
    const char *label;            /* "批准" */
    const char *to;               /* state code */
    role roles;                   /* any of these role bits may take the step */
    wf_level level;               /* ... from a unit at this level or above */
    int opinion_required;         /* 1: a non-blank opinion must be given */
    int other_party;              /* 1: taken by the case's other party (a transfer's releasing
                                   * side): scope and level are checked against the org path the
                                   * type's party_path gives, not the case's org_path */
    int system_only;              /* 1: only the command line (actor id 0) takes it, e.g. enrolling the
                                   * beneficiaries a street already has (存量纳入) from a file; never
                                   * offered to, nor taken by, a signed-in user */
} wf_transition;

typedef struct wf_case wf_case;

/* Conflict-of-interest hook: 1 when `who` is linked to a party of case c
 * and must recuse (write the reason, in Chinese, into why), 0 when not,
 * -1 on a database error. */
typedef int (*wf_conflict_fn)(db_conn *db, const wf_case *c, const actor *who, char *why, size_t whysz);

/* Other-party hook: the org path of the unit on the case's other side
 * (for transitions with other_party) into path. 0, or -1 on a database
 * error or when the case has none. */
typedef int (*wf_party_fn)(db_conn *db, const wf_case *c, char path[WF_PATH_MAX]);

typedef struct wf_type {
    const char *code;             /* "assist"; stored in wf_case.type */
    const char *label;            /* "低保申请" */
    const char *initial;          /* state code of a new case */
    const wf_state *states;       /* ends with an entry whose code is NULL */
    const wf_transition *transitions;  /* ends with an entry whose from is NULL */
    wf_conflict_fn conflicted;    /* NULL: no conflict rule */
    wf_party_fn party_path;       /* NULL: no transition is the other party's */
} wf_type;

/* A case as loaded from wf_case. Empty strings stand for NULL columns. */
struct wf_case {
    int64_t id;
    char type[WF_CODE_MAX];
    char state[WF_CODE_MAX];
    char org_path[WF_PATH_MAX];
    char title[WF_TITLE_CHARS * 4 + 1];
    int64_t created_by;           /* 0 = command line */
    char created_at[20];
    char state_entered_at[20];
    char due_at[20];              /* "" = no limit in this state */
    char closed_at[20];           /* "" = open */
};

/* What a transition is given besides its action. */
typedef struct wf_input {
    const char *opinion;                /* NULL or "" = none */
    const char *const *attachments;     /* file names, NULL-terminated; NULL = none */
    const char *due_at;                 /* the due time (UTC) of a state whose limit is WF_CALLER_LIMIT;
                                         * required for a step into one, ignored otherwise */
    const char *at;                     /* NULL = now. A bulk loader's history (the demo): the UTC time
                                         * "YYYY-MM-DD HH:MM:SS" the step was taken, not after now and
                                         * not before the case entered its state; the HTTP routes never
                                         * set it. The audit row keeps the real time of writing. */
} wf_input;

/* One step offered to an actor: pointers into the type's static table. */
typedef struct wf_action {
    const char *action;
    const char *label;
    const char *to;
    const char *to_label;
    int opinion_required;
} wf_action;

/* One timeline row. */
typedef struct wf_event {
    int64_t id;
    char at[20];
    int64_t actor_id;             /* 0 = command line */
    char actor_name[128];
    char from_state[WF_CODE_MAX]; /* "" on the 'created' row */
    char to_state[WF_CODE_MAX];
    char action[WF_CODE_MAX];     /* transition action, or "created" */
    const char *action_label;     /* from the type's table ("创建" for 'created'); never NULL */
    const char *to_label;         /* label of to_state; the code itself when the table lacks it */
    char *opinion;                /* owned; NULL = none */
    char **attachments;           /* owned; NULL-terminated, never NULL */
} wf_event;

typedef struct wf_timeline {
    wf_event *events;             /* owned, oldest first */
    size_t n;
} wf_timeline;

/* Checks a type's table: codes present and short enough, one initial
 * state, every transition between known states and none out of a
 * terminal one, actions unique per state, roles and level set, limits in
 * range. Returns 0, or -1 with the first fault in why. Modules call it
 * in their tests (and may at start-up). */
int wf_type_check(const wf_type *t, char *why, size_t whysz);

/* The state `code` of t, or NULL. */
const wf_state *wf_state_find(const wf_type *t, const char *code);

/* The transition out of `from` (NULL: out of any state) named `action`, or NULL. */
const wf_transition *wf_transition_find(const wf_type *t, const char *from, const char *action);

/* Opens a case of type t in t->initial for the org unit at org_path
 * (which must lie in who's scope), with its due time, a 'created'
 * timeline row and an audit row. Returns
 * the new id, or -1: ERR_INVALID naming "org_path" or "title",
 * ERR_FORBIDDEN, ERR_DB. Inside the caller's transaction. */
int64_t wf_create(db_conn *db, const wf_type *t, const char *org_path, const char *title, const actor *who,
                  const char *ip, ms_err *e);

/* wf_create for a bulk loader's history: the case opened at UTC time
 * `at` (NULL = now; see wf_input.at), ERR_INVALID "at" when it is
 * malformed or after now. */
int64_t wf_create_at(db_conn *db, const wf_type *t, const char *org_path, const char *title, const actor *who,
                     const char *ip, const char *at, ms_err *e);

/* Loads case `id`, which must be of type t, into out (no scope check:
 * the module has loaded its own row in scope). 0, or -1 with
 * ERR_NOT_FOUND or ERR_DB. */
int wf_load(db_conn *db, const wf_type *t, int64_t id, wf_case *out, ms_err *e);

/* A case's columns, for a module's query that joins wf_case as `c` to
 * its own table (one query for its rows and their cases, a list's
 * page): read them with wf_case_from_row from column `first` on. */
#define WF_CASE_COLUMNS \
    "c.id, c.type, c.state, c.org_path, c.title, c.created_by, c.created_at, c.state_entered_at, c.due_at, c.closed_at"
#define WF_CASE_NCOLUMNS 10
void wf_case_from_row(db_stmt *s, int first, wf_case *out);

/* Takes step `action` on case `id` for `who`: the state, its due time
 * and closed_at, a timeline row and an audit row, inside the caller's
 * transaction. On success, out (may be NULL) holds the case as it is
 * now. Refusals write nothing:
 *   ERR_INVALID "action"  no such action in the type;
 *   ERR_CONFLICT          the action does not leave the current state;
 *   ERR_FORBIDDEN         role, scope, level or conflict of interest;
 *   ERR_INVALID "opinion" a required opinion is missing, or it is too long;
 *   ERR_INVALID "attachments", ERR_NOT_FOUND, ERR_DB (also a step into a
 *   WF_CALLER_LIMIT state without in->due_at: the module's bug). */
int wf_perform(db_conn *db, const wf_type *t, int64_t id, const char *action, const actor *who, const char *ip,
               const wf_input *in, wf_case *out, ms_err *e);

/* The steps `who` may take on case c now, in table order, into out (at
 * most max). None when the case is closed or the conflict hook says the
 * actor must recuse. Returns how many, or -1 with ERR_DB. */
int wf_allowed_actions(db_conn *db, const wf_type *t, const wf_case *c, const actor *who, wf_action *out,
                       size_t max, ms_err *e);

/* 1 when case c is open and UTC time `now` is past its due time. */
int wf_is_overdue(const wf_case *c, const char *now);

/* Loads the timeline of case c, oldest first, into *out (release with
 * wf_timeline_release). Labels come from t. 0, or -1 with ERR_DB. */
int wf_timeline_load(db_conn *db, const wf_type *t, const wf_case *c, wf_timeline *out, ms_err *e);
void wf_timeline_release(wf_timeline *tl);

#endif
