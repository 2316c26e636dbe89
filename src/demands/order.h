/* order.h — work orders (诉求工单, issue 12): intake, the steps of the
 * "workorder" case type with what each records, urging (催办), possible
 * duplicates and the decision on them, deadlines and flags.
 *
 * Owns: demand_order, demand_urge and demand_duplicate (migration 0025)
 * and the rules the workflow table cannot say:
 *  - who the assignee is: the order's community or grid (the unit or a
 *    unit above it acts for it) or a department of the street (only the
 *    department's accounts act for it); only the assignee signs,
 *    handles, finishes or returns an order; a department's account sees
 *    the orders assigned to its department and takes no other step;
 *  - deadlines: at 交办 (and 改派, and 交办 after 退单) the sign-for due time
 *    and the handling due time are fixed from the category's limits in
 *    working days on the calendar, counted from that moment
 *    (order_deadlines); a redo after a dissatisfied callback gets the
 *    handling limit again from the redo;
 *  - 督办 (supervised): an order is supervised once its handling due time
 *    passed before it was finished (computed, never stored); overdue:
 *    open and past it now; unsigned late: 待签收 past the sign-for due;
 *  - 回访: satisfied / basic / dissatisfied; the first dissatisfied
 *    callback sends the order back to handling (redo), a second one is
 *    recorded and the order archived (the resident is not called again
 *    and again);
 *  - duplicates: another order in the caller's scope within 30 days
 *    with the same reporter phone (blind index) or the same address and
 *    category, unless a decision on that pair is recorded; merging
 *    moves the order to 已合并 pointing at the other, "distinct" keeps
 *    both and the pair is never flagged again.
 * The reporter's phone is stored encrypted (fieldcrypt.h, associated
 * data "demand_order.phone") with a blind index; replies show it masked.
 *
 * Writes run inside the caller's transaction, with the engine's
 * timeline and audit rows; the caller adds its own audit row and
 * commits (server/write.h). */
#ifndef MS_DEMAND_ORDER_H
#define MS_DEMAND_ORDER_H

#include <stdint.h>

#include "core/actor.h"
#include "core/err.h"
#include "core/fieldcrypt.h"
#include "storage/db.h"
#include "workflow/workflow.h"

#define ORDER_CONTENT_CHARS 2000
#define ORDER_ADDRESS_CHARS 100
#define ORDER_NOTE_CHARS 500
#define ORDER_DUP_DAYS 30
#define ORDER_MAX_DUPS 20
#define ORDER_MAX_URGES 50

typedef struct demand_order {
    wf_case c;
    char source[16];
    char hotline_no[41];
    int64_t category_id;
    char category_name[81];
    int handle_days, sign_days;
    char urgency[16];
    int64_t grid_id;
    char grid_name[128], community_name[128];
    char address[ORDER_ADDRESS_CHARS * 4 + 1];
    int has_point;
    double lng, lat;
    int64_t resident_id;
    char reporter_name[208];
    char phone[48];                 /* decrypted; "" = none */
    char phone_bidx[FC_BLIND_HEX];
    char content[ORDER_CONTENT_CHARS * 4 + 1];
    char attachments[4096];         /* JSON array of names */
    int64_t assignee_unit_id, assignee_dept_id;
    char assignee_name[128];
    char assignee_path[256];        /* the unit's org path; "" for a department */
    char assigned_at[20], sign_due_at[20], handle_due_at[20], signed_at[20], finished_at[20];
    char result[ORDER_NOTE_CHARS * 4 + 1];
    int solved;                     /* -1 not finished, 0 answered only, 1 solved */
    char satisfaction[16];
    char callback_at[20];
    int redo_count, return_count;
    int64_t merged_into;
} demand_order;

typedef struct order_new {
    const char *source, *hotline_no, *urgency, *title;
    int64_t category_id, grid_id, resident_id;
    const char *address;
    int has_point;
    double lng, lat;
    const char *reporter_name, *phone, *content;
    const char *attachments_json;   /* a JSON array of names, checked by the caller; NULL = [] */
    const char *at;                 /* NULL = now; a bulk loader's past UTC time (wf_input.at) */
} order_new;

typedef struct order_step_in {
    const char *opinion;
    const char *const *attachments;
    int64_t unit_id, dept_id;       /* assign, reassign: exactly one */
    int solved;                     /* finish: 1 solved, 0 answered only; -1 not given */
    const char *satisfaction;       /* callback */
    int64_t merge_into;             /* merge (through order_decide_duplicate) */
    const char *at;                 /* NULL = now; a bulk loader's past UTC time (wf_input.at): the
                                     * step, its recorded times and the deadlines counted from it */
} order_step_in;

typedef struct order_dup {
    int64_t id;
    char title[WF_TITLE_CHARS * 4 + 1];
    char state[WF_CODE_MAX];
    char created_at[20];
    int same_phone, same_place;
} order_dup;

typedef struct order_urge {
    char at[20];
    char actor_name[128];
    char note[ORDER_NOTE_CHARS * 4 + 1];
} order_urge;

/* A list's FROM clause (o the order, c its case, k its category, g its
 * grid, m the grid's community, a the assignee unit, d the assignee
 * department), and the SELECT whose rows order_from_row reads. */
#define ORDER_FROM                                                                                                \
    " FROM demand_order o JOIN wf_case c ON c.id = o.id JOIN demand_category k ON k.id = o.category_id"          \
    " JOIN org_unit g ON g.id = o.grid_id LEFT JOIN org_unit m ON m.id = g.parent_id"                              \
    " LEFT JOIN org_unit a ON a.id = o.assignee_unit_id LEFT JOIN demand_department d ON d.id = o.assignee_dept_id"
#define ORDER_SELECT                                                                                              \
    "SELECT " WF_CASE_COLUMNS ", o.source, COALESCE(o.hotline_no, ''), o.category_id, k.name, k.handle_days,"     \
    " k.sign_days, o.urgency, o.grid_id, g.name, COALESCE(m.name, ''), o.address, o.lng_e6, o.lat_e6,"                  \
    " COALESCE(o.resident_id, 0), o.reporter_name, COALESCE(o.phone_enc, ''), COALESCE(o.phone_bidx, ''),"        \
    " o.content, o.attachments, COALESCE(o.assignee_unit_id, 0), COALESCE(o.assignee_dept_id, 0),"                \
    " COALESCE(a.name, d.name, ''), COALESCE(a.path, ''), COALESCE(o.assigned_at, ''), COALESCE(o.sign_due_at, ''),"\
    " COALESCE(o.handle_due_at, ''), COALESCE(o.signed_at, ''), COALESCE(o.finished_at, ''),"                     \
    " COALESCE(o.result, ''), COALESCE(o.solved, -1), COALESCE(o.satisfaction, ''), COALESCE(o.callback_at, ''),"  \
    " o.redo_count, o.return_count, COALESCE(o.merged_into, 0)"                                                   \
    ORDER_FROM
void order_from_row(db_stmt *s, demand_order *o);

/* The list filters of the flags below, as SQL over ORDER_FROM's
 * aliases with one '?' each: bind the current UTC time. */
#define ORDER_SQL_OVERDUE "(c.state IN ('assigned', 'handling') AND o.handle_due_at < ?)"
#define ORDER_SQL_SUPERVISED                                                                                     \
    "(o.handle_due_at IS NOT NULL AND ((c.state IN ('assigned', 'handling') AND o.handle_due_at < ?)"            \
    " OR (o.finished_at IS NOT NULL AND o.finished_at > o.handle_due_at)))"
#define ORDER_SQL_UNSIGNED_LATE "(c.state = 'assigned' AND o.sign_due_at < ?)"

/* The flags of an order at UTC time now. */
typedef struct order_flags {
    int overdue;        /* open (assigned or handling) and past handle_due_at */
    int supervised;     /* 督办: handle_due_at passed before it was finished (or now, when it is not) */
    int unsigned_late;  /* 待签收 past sign_due_at */
    int callback_due;   /* 待回访 */
    int callback_late;  /* 待回访 past its working day */
} order_flags;
order_flags order_flags_at(const demand_order *o, const char *now);

/* The sign-for and handling due times of an order assigned at UTC time
 * `from` under limits of sign_days and handle_days working days. 0 or -1. */
int order_deadlines(db_conn *db, const char *from, int sign_days, int handle_days, char sign_due[static 20],
                    char handle_due[static 20]);

/* Order id into out (phone decrypted): 0, 1 when there is none, -1 on error. */
int order_get(db_conn *db, int64_t id, demand_order *out);

/* 1 when who may see order o: a department's account the orders
 * assigned to its department, others the orders in their scope.
 * 0 when not, -1 on a database error. */
int order_visible(db_conn *db, const actor *who, const demand_order *o);

/* 1 when who (role, scope and level already admitted by the table) may
 * take `action` on o by the assignee rule above; 0 with the reason in e. */
int order_may(db_conn *db, const actor *who, const demand_order *o, const char *action, ms_err *e);

/* Registers a new order in state 登记: its id, or -1 with ERR_INVALID
 * naming the field, ERR_FORBIDDEN (the grid outside who's scope),
 * ERR_CONFLICT (the hotline number is taken), ERR_DB. */
int64_t order_create(db_conn *db, const actor *who, const char *ip, const order_new *in, ms_err *e);

/* The possible duplicates of order o in who's scope into out (at most
 * max): how many (none for a department's account, which sees no other
 * order), or -1 on a database error. */
int order_duplicates(db_conn *db, const actor *who, const demand_order *o, order_dup *out, int max);

/* Takes step `action` (assign, reassign, sign, return, progress, finish,
 * callback) on order id: 0, or -1 with ERR_INVALID (field, or action),
 * ERR_FORBIDDEN, ERR_CONFLICT (state), ERR_NOT_FOUND, ERR_DB. A
 * dissatisfied first callback is taken as the table's "redo". */
int order_step(db_conn *db, const actor *who, const char *ip, int64_t id, const char *action, const order_step_in *in,
               ms_err *e);

/* 催办: records who urged open order id, when (at: NULL = now, or a bulk
 * loader's past UTC time), with note. 0, or -1 with ERR_INVALID "note",
 * ERR_CONFLICT (not assigned or handling), ERR_DB. */
int order_urge_add(db_conn *db, const actor *who, int64_t id, const char *note, const char *at, ms_err *e);

/* The urgings of order id, oldest first, into out (at most max): how
 * many, or -1. */
int order_urges(db_conn *db, int64_t id, order_urge *out, int max);

/* The reporter's phone and its blind index, for the re-encryption pass
 * (app/fieldkeys.c; see fieldcrypt.h). */
extern const fc_column_sql order_phone_crypt;

/* Records the decision on the pair (id, other) at `at` (NULL = now, or a
 * bulk loader's past UTC time): "merge" (order id goes
 * to 已合并 into other, through the table's merge step) or "distinct".
 * ERR_INVALID "other_id" / "decision", ERR_CONFLICT (already decided,
 * or id cannot be merged in its state, or other is merged itself),
 * ERR_FORBIDDEN, ERR_DB. */
int order_decide_duplicate(db_conn *db, const actor *who, const char *ip, int64_t id, int64_t other,
                           const char *decision, const char *at, ms_err *e);

#endif
