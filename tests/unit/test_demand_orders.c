/* test_demand_orders.c — the rules of work orders that need no server
 * (demands/order.h, order_flow.h): the case type's table, the deadline
 * clock as orders use it (交办 → sign-for and handling due times in
 * working days, on the 2025/2026 calendars seeded by migration 0002:
 * weekends, holidays, 调休 working days, an order assigned on a holiday,
 * across year end, the local day boundary), the engine taking the
 * caller's due time for the per-category states, and the flags
 * (overdue, 督办, unsigned, callback due).
 *
 * Times passed in are UTC; the comments give them in local time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/actor.h"
#include "core/keys.h"
#include "demands/order.h"
#include "demands/order_flow.h"
#include "storage/db.h"

static const actor STREET = {.id = 1, .username = "jd", .display_name = "街道王", .role = ROLE_STREET,
                             .org_unit_id = 1, .scope_path = "/1/"};

static int setup(void **state)
{
    char err[256];
    db_conn *db = db_open(":memory:", err, sizeof err);
    if (!db || db_migrate(db, err, sizeof err) != 0 ||
        db_exec(db, "INSERT INTO org_unit(id, parent_id, kind, code, name, path, created_at, updated_at) VALUES"
                    " (1, NULL, 'street', 'S', '街道', '/1/', '', ''), (2, 1, 'community', 'C1', '一社区', '/1/2/', '', ''),"
                    " (3, 2, 'grid', 'G1', '一网格', '/1/2/3/', '', '');"
                    "INSERT INTO app_user(id, username, display_name, role, org_unit_id, password_hash, created_at,"
                    " updated_at) VALUES (1, 'jd', '街道王', 'street', 1, 'x', '', '')") != DB_DONE)
        return -1;
    *state = db;
    return 0;
}

static int teardown(void **state)
{
    db_close(*state);
    return 0;
}

static void table_is_sound(void **state)
{
    (void)state;
    char why[200] = "";
    int rc = wf_type_check(&DEMAND_ORDER, why, sizeof why);
    if (rc != 0)
        fail_msg("%s", why);
    /* the caller's limit: never on the initial state, never with days */
    static const wf_state BAD_STATES[] = {{"a", "甲", .limit = WF_CALLER_LIMIT}, {"b", "乙", .terminal = 1}, {0}};
    static const wf_transition BAD_TR[] = {{"a", "go", "走", "b", .roles = ROLE_STREET, .level = WF_LEVEL_STREET}, {0}};
    wf_type bad = {.code = "bad", .label = "坏", .initial = "a", .states = BAD_STATES, .transitions = BAD_TR};
    assert_int_equal(wf_type_check(&bad, why, sizeof why), -1);
    static const wf_state DAYS_STATES[] = {{"a", "甲", .limit = WF_WORKING_DAYS, .days = 1},
                                           {"b", "乙", .limit = WF_CALLER_LIMIT, .days = 3}, {"c", "丙", .terminal = 1}, {0}};
    bad.states = DAYS_STATES;
    assert_int_equal(wf_type_check(&bad, why, sizeof why), -1);
    assert_true(order_action_is_assignee("sign") && order_action_is_assignee("return"));
    assert_false(order_action_is_assignee("assign") || order_action_is_assignee("callback"));
    assert_string_equal(order_state_label("handling"), "办理中");
}

/* Asserts the due times of an order assigned at `from` under limits of
 * sign and handle working days. */
static void expect_due(db_conn *db, const char *from, int sign, int handle, const char *sign_want, const char *handle_want)
{
    char s[20], h[20];
    assert_int_equal(order_deadlines(db, from, sign, handle, s, h), 0);
    assert_string_equal(s, sign_want);
    assert_string_equal(h, handle_want);
}

static void deadline_clock(void **state)
{
    db_conn *db = *state;
    /* weekend: Friday 2025-03-07 10:00 → Monday, and five working days to Friday */
    expect_due(db, "2025-03-07 02:00:00", 1, 5, "2025-03-10 15:59:59", "2025-03-14 15:59:59");
    /* 国庆 holiday, then the 调休 Saturday 10-11 counts: Tuesday 2025-09-30 */
    expect_due(db, "2025-09-30 01:00:00", 1, 3, "2025-10-09 15:59:59", "2025-10-11 15:59:59");
    /* assigned on a holiday (Friday 2025-10-03 09:00): counting starts after it, on 10-09 */
    expect_due(db, "2025-10-03 01:00:00", 1, 5, "2025-10-09 15:59:59", "2025-10-14 15:59:59");
    /* across year end: Wednesday 2025-12-31 20:00; 元旦 01-01..03, the 调休 Sunday 01-04 works */
    expect_due(db, "2025-12-31 12:00:00", 1, 3, "2026-01-04 15:59:59", "2026-01-06 15:59:59");
    /* the local day: Thursday 23:30 local counts from Friday, Friday 00:30 local from Monday */
    expect_due(db, "2025-03-06 15:30:00", 1, 1, "2025-03-07 15:59:59", "2025-03-07 15:59:59");
    expect_due(db, "2025-03-06 16:30:00", 1, 1, "2025-03-10 15:59:59", "2025-03-10 15:59:59");
    /* 春节 2026: Friday 2026-02-13 → the 调休 Saturday 02-14, then after the holiday */
    expect_due(db, "2026-02-13 02:00:00", 1, 3, "2026-02-14 15:59:59", "2026-02-25 15:59:59");
    char s[20], h[20];
    assert_int_equal(order_deadlines(db, "not a time", 1, 3, s, h), -1);
}

/* The engine takes the caller's due time into a WF_CALLER_LIMIT state,
 * and refuses a step into one without it (writing nothing). */
static void engine_takes_the_callers_due_time(void **state)
{
    db_conn *db = *state;
    ms_err e = {0};
    wf_case c;
    assert_int_equal(db_begin(db), DB_DONE);
    int64_t id = wf_create(db, &DEMAND_ORDER, "/1/2/3/", "环境卫生：某路", &STREET, "127.0.0.1", &e);
    assert_true(id > 0);
    assert_int_equal(wf_load(db, &DEMAND_ORDER, id, &c, &e), 0);
    assert_true(c.due_at[0] != '\0');   /* 待交办: one working day */
    int64_t timeline = db_one_int(db, -1, "SELECT COUNT(*) FROM wf_timeline");
    assert_int_equal(wf_perform(db, &DEMAND_ORDER, id, "assign", &STREET, NULL, &(wf_input){0}, NULL, &e), -1);
    assert_int_equal(e.kind, ERR_DB);
    assert_int_equal(db_one_int(db, -1, "SELECT COUNT(*) FROM wf_timeline"), timeline);
    assert_int_equal(wf_perform(db, &DEMAND_ORDER, id, "assign", &STREET, NULL,
                                &(wf_input){.due_at = "2030-01-07 15:59:59"}, &c, &e),
                     0);
    assert_string_equal(c.state, "assigned");
    assert_string_equal(c.due_at, "2030-01-07 15:59:59");
    assert_int_equal(db_commit(db), DB_DONE);
}

static demand_order *order_in(const char *state, const char *handle_due, const char *finished_at)
{
    static demand_order o;
    memset(&o, 0, sizeof o);
    strcpy(o.c.state, state);
    strcpy(o.handle_due_at, handle_due);
    strcpy(o.sign_due_at, handle_due[0] ? "2026-03-02 15:59:59" : "");
    strcpy(o.finished_at, finished_at);
    return &o;
}

static void flags(void **state)
{
    (void)state;
    const char *now = "2026-03-10 02:00:00";
    order_flags f = order_flags_at(order_in("handling", "2026-03-09 15:59:59", ""), now);
    assert_true(f.overdue && f.supervised);
    assert_false(f.unsigned_late || f.callback_due);
    f = order_flags_at(order_in("assigned", "2026-03-12 15:59:59", ""), now);
    assert_false(f.overdue || f.supervised);
    assert_true(f.unsigned_late);   /* signed for by 03-02 */
    /* finished late: 督办 stays, overdue does not */
    f = order_flags_at(order_in("finished", "2026-03-09 15:59:59", "2026-03-09 16:00:00"), now);
    assert_false(f.overdue || f.callback_late);
    assert_true(f.supervised && f.callback_due);
    /* the callback's working day ran out */
    demand_order *late = order_in("finished", "2026-03-09 15:59:59", "2026-03-09 10:00:00");
    strcpy(late->c.due_at, "2026-03-09 15:59:59");
    assert_true(order_flags_at(late, now).callback_late);
    /* finished in time, archived: no flag */
    f = order_flags_at(order_in("archived", "2026-03-09 15:59:59", "2026-03-09 10:00:00"), now);
    assert_false(f.overdue || f.supervised || f.callback_due);
    /* returned to the desk: no due time, no flag */
    f = order_flags_at(order_in("registered", "", ""), now);
    assert_false(f.overdue || f.supervised || f.unsigned_late);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_is_sound),
        cmocka_unit_test(deadline_clock),
        cmocka_unit_test(engine_takes_the_callers_due_time),
        cmocka_unit_test(flags),
    };
    keys_load_ephemeral();   /* audit rows are chained with a key */
    return cmocka_run_group_tests_name("demand_orders", tests, setup, teardown);
}
