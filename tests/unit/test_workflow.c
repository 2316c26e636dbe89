/* test_workflow.c — the workflow engine (workflow/workflow.h) driven by
 * a demo case type defined here only: 低保申请 moving 已申请 → 调查中 →
 * 待审核 → 公示中 → 已批准, with 驳回 (opinion required) from 待审核 and
 * 公示中. Checks that a step writes state, timeline and audit together;
 * that refusals (state, role, scope, level, conflict, opinion) write
 * nothing; deadlines and overdue; "what can I do"; and rollback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/actor.h"
#include "core/err.h"
#include "core/keys.h"
#include "storage/db.h"
#include "workflow/calendar.h"
#include "registry/transfer.h"
#include "workflow/workflow.h"

/* ---- the demo case type ------------------------------------------------ */

#define STAFF (ROLE_STREET | ROLE_COMMUNITY | ROLE_GRID)

static int demo_conflicted(db_conn *db, const wf_case *c, const actor *who, char *why, size_t whysz)
{
    int linked = db_exists(db, "SELECT 1 FROM demo_relative WHERE case_id = ? AND user_id = ?", DB_INT(c->id),
                           DB_INT(who->id));
    if (linked)
        snprintf(why, whysz, "您与该案件当事人存在近亲属关系，须回避");
    return linked;
}

static const wf_type DEMO = {
    .code = "demo_assist",
    .label = "低保申请",
    .initial = "applied",
    .states = (const wf_state[]){
        {"applied", "已申请", .limit = WF_WORKING_DAYS, .days = 3},
        {"investigating", "调查中", .limit = WF_WORKING_DAYS, .days = 10},
        {"reviewing", "待审核", .limit = WF_NO_LIMIT},
        {"publicizing", "公示中", .limit = WF_CALENDAR_DAYS, .days = 7},
        {"approved", "已批准", .terminal = 1},
        {"rejected", "已驳回", .terminal = 1},
        {0}},
    .transitions = (const wf_transition[]){
        {"applied", "investigate", "入户调查", "investigating",
         .roles = ROLE_GRID | ROLE_COMMUNITY, .level = WF_LEVEL_GRID},
        {"applied", "enrol", "存量纳入", "approved",
         .roles = ROLE_STREET, .level = WF_LEVEL_STREET, .system_only = 1},
        {"investigating", "submit", "提交审核", "reviewing",
         .roles = ROLE_GRID | ROLE_COMMUNITY, .level = WF_LEVEL_GRID},
        {"reviewing", "publicize", "审核通过并公示", "publicizing",
         .roles = ROLE_COMMUNITY | ROLE_STREET, .level = WF_LEVEL_COMMUNITY},
        {"reviewing", "reject", "驳回", "rejected",
         .roles = ROLE_COMMUNITY | ROLE_STREET, .level = WF_LEVEL_COMMUNITY, .opinion_required = 1},
        {"publicizing", "approve", "批准", "approved",
         .roles = STAFF, .level = WF_LEVEL_STREET},
        {"publicizing", "reject", "驳回", "rejected",
         .roles = ROLE_STREET, .level = WF_LEVEL_STREET, .opinion_required = 1},
        {0}},
    .conflicted = demo_conflicted,
};

/* ---- the street: org units, users, actors ------------------------------ */

/* Street /1/; community /1/2/ with grid /1/2/3/; community /1/4/ with grid /1/4/5/. */
static const actor STREET = {.id = 1, .username = "jd", .display_name = "街道王", .role = ROLE_STREET,
                             .org_unit_id = 1, .scope_path = "/1/"};
static const actor COMMUNITY = {.id = 2, .username = "sq", .display_name = "社区李", .role = ROLE_COMMUNITY,
                                .org_unit_id = 2, .scope_path = "/1/2/"};
static const actor GRID = {.id = 3, .username = "wg", .display_name = "网格张", .role = ROLE_GRID,
                           .org_unit_id = 3, .scope_path = "/1/2/3/"};
static const actor OTHER_COMMUNITY = {.id = 4, .username = "sq2", .display_name = "社区赵", .role = ROLE_COMMUNITY,
                                      .org_unit_id = 4, .scope_path = "/1/4/"};
static const actor OTHER_GRID = {.id = 5, .username = "wg2", .display_name = "网格刘", .role = ROLE_GRID,
                                 .org_unit_id = 5, .scope_path = "/1/4/5/"};
static const actor RELATIVE = {.id = 6, .username = "jd2", .display_name = "街道陈", .role = ROLE_STREET,
                               .org_unit_id = 1, .scope_path = "/1/"};
static const actor VIEWER = {.id = 7, .username = "bm", .display_name = "部门孙", .role = ROLE_VIEWER,
                             .org_unit_id = 1, .scope_path = "/1/"};

#define CASE_PATH "/1/2/3/"

static const char *const SETUP_SQL =
    "INSERT INTO org_unit(id, parent_id, kind, code, name, path, created_at, updated_at) VALUES"
    " (1, NULL, 'street', 'S', '街道', '/1/', '', ''), (2, 1, 'community', 'C1', '一社区', '/1/2/', '', ''),"
    " (3, 2, 'grid', 'G1', '一网格', '/1/2/3/', '', ''), (4, 1, 'community', 'C2', '二社区', '/1/4/', '', ''),"
    " (5, 4, 'grid', 'G2', '二网格', '/1/4/5/', '', '');"
    "INSERT INTO app_user(id, username, display_name, role, org_unit_id, password_hash, created_at, updated_at)"
    " VALUES (1, 'jd', '街道王', 'street', 1, 'x', '', ''), (2, 'sq', '社区李', 'community', 2, 'x', '', ''),"
    " (3, 'wg', '网格张', 'grid', 3, 'x', '', ''), (4, 'sq2', '社区赵', 'community', 4, 'x', '', ''),"
    " (5, 'wg2', '网格刘', 'grid', 5, 'x', '', ''), (6, 'jd2', '街道陈', 'street', 1, 'x', '', ''),"
    " (7, 'bm', '部门孙', 'viewer', 1, 'x', '', '');"
    "CREATE TABLE demo_relative(case_id INTEGER NOT NULL, user_id INTEGER NOT NULL);";

static int setup(void **state)
{
    char err[256];
    db_conn *db = db_open(":memory:", err, sizeof err);
    if (!db || db_migrate(db, err, sizeof err) != 0 || db_exec(db, SETUP_SQL) != DB_DONE)
        return -1;
    *state = db;
    return 0;
}

static int teardown(void **state)
{
    db_close(*state);
    return 0;
}

/* ---- helpers ------------------------------------------------------------ */

/* Row counts that a refused call must leave as they were. */
typedef struct counts {
    int64_t cases, timeline, audit;
} counts;

static counts count_rows(db_conn *db)
{
    return (counts){db_one_int(db, -1, "SELECT COUNT(*) FROM wf_case"),
                    db_one_int(db, -1, "SELECT COUNT(*) FROM wf_timeline"),
                    db_one_int(db, -1, "SELECT COUNT(*) FROM audit_log")};
}

static void assert_counts(counts a, counts b)
{
    assert_int_equal(a.cases, b.cases);
    assert_int_equal(a.timeline, b.timeline);
    assert_int_equal(a.audit, b.audit);
}

static int64_t create_case(db_conn *db, const actor *who)
{
    ms_err e = {0};
    assert_int_equal(db_begin(db), DB_DONE);
    int64_t id = wf_create(db, &DEMO, CASE_PATH, "王某某 低保申请", who, "10.0.0.1", &e);
    assert_true(id > 0);
    assert_int_equal(db_commit(db), DB_DONE);
    return id;
}

/* One step in its own transaction, committed on success and rolled back
 * on failure, as the write path does. Returns wf_perform's result. */
static int step(db_conn *db, int64_t id, const char *action, const actor *who, const char *opinion, ms_err *e)
{
    static const char *const files[] = {"入户调查表.pdf", "照片1.jpg", NULL};
    wf_input in = {.opinion = opinion, .attachments = opinion ? files : NULL};
    *e = (ms_err){0};
    assert_int_equal(db_begin(db), DB_DONE);
    int rc = wf_perform(db, &DEMO, id, action, who, "10.0.0.1", &in, NULL, e);
    if (rc == 0)
        assert_int_equal(db_commit(db), DB_DONE);
    else
        db_rollback(db);
    return rc;
}

static void step_ok(db_conn *db, int64_t id, const char *action, const actor *who, const char *opinion)
{
    ms_err e;
    if (step(db, id, action, who, opinion, &e) != 0)
        fail_msg("%s refused: %s", action, e.message);
}

/* Asserts a refusal of kind `kind` whose message contains `needle`, and
 * that nothing was written. */
static void step_refused(db_conn *db, int64_t id, const char *action, const actor *who, const char *opinion,
                         err_kind kind, const char *needle)
{
    ms_err e;
    counts before = count_rows(db);
    wf_case c0, c1;
    assert_int_equal(wf_load(db, &DEMO, id, &c0, NULL), 0);
    assert_int_equal(step(db, id, action, who, opinion, &e), -1);
    assert_int_equal(e.kind, kind);
    if (!strstr(e.message, needle))
        fail_msg("message \"%s\" lacks \"%s\"", e.message, needle);
    assert_counts(count_rows(db), before);
    assert_int_equal(wf_load(db, &DEMO, id, &c1, NULL), 0);
    assert_memory_equal(&c0, &c1, sizeof c0);
}

/* A case moved to 待审核 (reviewing) by the grid worker. */
static int64_t case_in_review(db_conn *db)
{
    int64_t id = create_case(db, &GRID);
    step_ok(db, id, "investigate", &GRID, NULL);
    step_ok(db, id, "submit", &GRID, "家庭收入低于标准");
    return id;
}

static wf_case load(db_conn *db, int64_t id)
{
    wf_case c;
    assert_int_equal(wf_load(db, &DEMO, id, &c, NULL), 0);
    return c;
}

/* ---- tests -------------------------------------------------------------- */

static void test_demo_table_is_valid(void **state)
{
    char why[200] = "";
    if (wf_type_check(&DEMO, why, sizeof why) != 0)
        fail_msg("%s", why);
    wf_type broken = DEMO;
    broken.transitions = (const wf_transition[]){
        {"approved", "reopen", "重新办理", "applied", .roles = ROLE_STREET, .level = WF_LEVEL_STREET}, {0}};
    assert_int_equal(wf_type_check(&broken, why, sizeof why), -1);
    assert_non_null(strstr(why, "terminal"));
    broken.transitions = (const wf_transition[]){
        {"applied", "go", "前往", "nowhere", .roles = ROLE_STREET, .level = WF_LEVEL_STREET}, {0}};
    assert_int_equal(wf_type_check(&broken, why, sizeof why), -1);
    broken.transitions = (const wf_transition[]){
        {"applied", "go", "前往", "reviewing", .roles = ROLE_STREET, .level = WF_LEVEL_STREET},
        {"applied", "go", "再往", "approved", .roles = ROLE_STREET, .level = WF_LEVEL_STREET}, {0}};
    assert_int_equal(wf_type_check(&broken, why, sizeof why), -1);
    assert_non_null(strstr(why, "twice"));
    broken.transitions = (const wf_transition[]){
        {"applied", "go", "前往", "reviewing", .roles = 0, .level = WF_LEVEL_STREET}, {0}};
    assert_int_equal(wf_type_check(&broken, why, sizeof why), -1);
}

static void test_create_writes_case_timeline_and_audit(void **state)
{
    db_conn *db = *state;
    int64_t id = create_case(db, &GRID);
    wf_case c = load(db, id);
    assert_string_equal(c.type, "demo_assist");
    assert_string_equal(c.state, "applied");
    assert_string_equal(c.org_path, CASE_PATH);
    assert_string_equal(c.title, "王某某 低保申请");
    assert_int_equal(c.created_by, GRID.id);
    assert_string_equal(c.state_entered_at, c.created_at);
    assert_string_equal(c.closed_at, "");
    char due[20];
    assert_int_equal(cal_add_working_days(db, c.created_at, 3, due), 0);
    assert_string_equal(c.due_at, due);
    assert_int_equal(db_one_int(db, 0, "SELECT COUNT(*) FROM wf_timeline WHERE case_id = ? AND action = 'created'"
                                       " AND from_state IS NULL AND to_state = 'applied' AND actor_id = 3"
                                       " AND actor_name = '网格张'", DB_INT(id)), 1);
    assert_int_equal(db_one_int(db, 0, "SELECT COUNT(*) FROM audit_log WHERE action = 'create' AND entity = 'wf_case'"
                                       " AND entity_id = ? AND user_id = 3 AND org_path = ? AND client_ip = '10.0.0.1'",
                                DB_INT(id), DB_TEXT(CASE_PATH)), 1);
}

static void test_create_refusals(void **state)
{
    db_conn *db = *state;
    ms_err e = {0};
    assert_int_equal(db_begin(db), DB_DONE);
    assert_int_equal(wf_create(db, &DEMO, "/1/4/5/", "越界登记", &GRID, NULL, &e), -1);
    assert_int_equal(e.kind, ERR_FORBIDDEN);
    assert_int_equal(wf_create(db, &DEMO, "/1//3/", "路径错误", &STREET, NULL, &e), -1);
    assert_string_equal(e.field, "org_path");
    assert_int_equal(wf_create(db, &DEMO, "/1/2/3", "路径错误", &STREET, NULL, &e), -1);
    assert_string_equal(e.field, "org_path");
    assert_int_equal(wf_create(db, &DEMO, CASE_PATH, "　 ", &STREET, NULL, &e), -1);
    assert_string_equal(e.field, "title");
    assert_int_equal(wf_create(db, &DEMO, CASE_PATH, "命令行", NULL, NULL, &e), -1);
    assert_int_equal(e.kind, ERR_FORBIDDEN);
    db_rollback(db);
    assert_counts(count_rows(db), (counts){0, 0, 0});
}

static void test_step_writes_state_timeline_and_audit(void **state)
{
    db_conn *db = *state;
    int64_t id = create_case(db, &GRID);
    ms_err e = {0};
    wf_case after;
    static const char *const files[] = {"入户调查表.pdf", NULL};
    wf_input in = {.opinion = "已入户", .attachments = files};
    assert_int_equal(db_begin(db), DB_DONE);
    assert_int_equal(wf_perform(db, &DEMO, id, "investigate", &COMMUNITY, "10.0.0.2", &in, &after, &e), 0);
    assert_int_equal(db_commit(db), DB_DONE);
    wf_case c = load(db, id);
    assert_memory_equal(&c, &after, sizeof c);
    assert_string_equal(c.state, "investigating");
    char due[20];
    assert_int_equal(cal_add_working_days(db, c.state_entered_at, 10, due), 0);
    assert_string_equal(c.due_at, due);
    assert_int_equal(db_one_int(db, 0, "SELECT COUNT(*) FROM wf_timeline WHERE case_id = ? AND action = 'investigate'"
                                       " AND from_state = 'applied' AND to_state = 'investigating' AND actor_id = 2"
                                       " AND opinion = '已入户' AND attachments = '[\"入户调查表.pdf\"]'", DB_INT(id)), 1);
    assert_int_equal(db_one_int(db, 0, "SELECT COUNT(*) FROM audit_log WHERE action = 'transition' AND entity_id = ?"
                                       " AND user_id = 2 AND before_json LIKE '%\"state\":\"applied\"%'"
                                       " AND after_json LIKE '%\"state\":\"investigating\"%'"
                                       " AND detail = '入户调查：已申请 → 调查中'", DB_INT(id)), 1);

    wf_timeline tl;
    assert_int_equal(wf_timeline_load(db, &DEMO, &c, &tl, &e), 0);
    assert_int_equal(tl.n, 2);
    assert_string_equal(tl.events[0].action_label, "创建");
    assert_null(tl.events[0].opinion);
    assert_null(tl.events[0].attachments[0]);
    assert_string_equal(tl.events[1].action_label, "入户调查");
    assert_string_equal(tl.events[1].to_label, "调查中");
    assert_string_equal(tl.events[1].actor_name, "社区李");
    assert_string_equal(tl.events[1].opinion, "已入户");
    assert_string_equal(tl.events[1].attachments[0], "入户调查表.pdf");
    assert_null(tl.events[1].attachments[1]);
    wf_timeline_release(&tl);
}

static void test_step_not_from_this_state_refused(void **state)
{
    db_conn *db = *state;
    int64_t id = create_case(db, &GRID);
    step_refused(db, id, "approve", &STREET, NULL, ERR_CONFLICT, "案件当前状态为「已申请」，不能「批准」");
    ms_err e;
    assert_int_equal(step(db, id, "teleport", &STREET, NULL, &e), -1);
    assert_int_equal(e.kind, ERR_INVALID);
    assert_string_equal(e.field, "action");
    /* A closed case takes no further step. */
    int64_t done = case_in_review(db);
    step_ok(db, done, "reject", &COMMUNITY, "收入超标");
    step_refused(db, done, "submit", &GRID, NULL, ERR_CONFLICT, "案件已办结（已驳回）");
    /* Another type's case is not found through this type. */
    wf_type other = DEMO;
    other.code = "other";
    assert_int_equal(wf_load(db, &other, id, &(wf_case){0}, &e), -1);
    assert_int_equal(e.kind, ERR_NOT_FOUND);
}

static void test_wrong_role_refused(void **state)
{
    db_conn *db = *state;
    int64_t id = create_case(db, &GRID);
    step_refused(db, id, "investigate", &STREET, NULL, ERR_FORBIDDEN, "「入户调查」须由社区工作人员或网格员办理");
    step_refused(db, id, "investigate", &VIEWER, NULL, ERR_FORBIDDEN, "须由");
}

static void test_out_of_scope_refused(void **state)
{
    db_conn *db = *state;
    int64_t id = create_case(db, &GRID);
    step_refused(db, id, "investigate", &OTHER_GRID, NULL, ERR_FORBIDDEN, "不在您的管辖范围内");
    step_refused(db, id, "investigate", &OTHER_COMMUNITY, NULL, ERR_FORBIDDEN, "不在您的管辖范围内");
    step_ok(db, id, "investigate", &GRID, NULL);
}

static void test_grid_actor_refused_street_step(void **state)
{
    db_conn *db = *state;
    int64_t id = case_in_review(db);
    step_ok(db, id, "publicize", &COMMUNITY, NULL);
    /* 批准 admits any staff role, but only from a street-level unit. */
    step_refused(db, id, "approve", &GRID, NULL, ERR_FORBIDDEN, "「批准」须由街道一级办理，您的账号属于网格一级");
    step_refused(db, id, "approve", &COMMUNITY, NULL, ERR_FORBIDDEN, "您的账号属于社区一级");
    step_ok(db, id, "approve", &STREET, NULL);
    wf_case c = load(db, id);
    assert_string_equal(c.state, "approved");
    assert_string_equal(c.closed_at, c.state_entered_at);
    assert_string_equal(c.due_at, "");
}

static void test_missing_opinion_refused(void **state)
{
    db_conn *db = *state;
    int64_t id = case_in_review(db);
    step_refused(db, id, "reject", &COMMUNITY, NULL, ERR_INVALID, "「驳回」须填写意见");
    step_refused(db, id, "reject", &COMMUNITY, " \n　", ERR_INVALID, "须填写意见");
    ms_err e;
    assert_int_equal(step(db, id, "reject", &COMMUNITY, "", &e), -1);
    assert_string_equal(e.field, "opinion");
    step_ok(db, id, "reject", &COMMUNITY, "家庭人均收入高于低保标准");
    assert_string_equal(load(db, id).state, "rejected");
}

static void test_due_dates_and_overdue(void **state)
{
    db_conn *db = *state;
    int64_t id = create_case(db, &GRID);
    wf_case c = load(db, id);
    assert_false(wf_is_overdue(&c, c.created_at));
    assert_false(wf_is_overdue(&c, c.due_at));   /* due at 23:59:59 means that second is still in time */
    char after[20];   /* due times end at 23:59:59 local = 15:59:59 UTC */
    snprintf(after, sizeof after, "%.10s 16:00:00", c.due_at);
    assert_true(wf_is_overdue(&c, after));
    /* A state without a limit has no due time and is never overdue. */
    step_ok(db, id, "investigate", &GRID, NULL);
    step_ok(db, id, "submit", &GRID, NULL);
    c = load(db, id);
    assert_string_equal(c.due_at, "");
    assert_false(wf_is_overdue(&c, "2199-01-01 00:00:00"));
    /* 公示 runs 7 calendar days. */
    step_ok(db, id, "publicize", &COMMUNITY, NULL);
    c = load(db, id);
    char due[20];
    assert_int_equal(cal_add_calendar_days(db, c.state_entered_at, 7, due), 0);
    assert_string_equal(c.due_at, due);
    assert_true(wf_is_overdue(&c, "2199-01-01 00:00:00"));
    /* Closed cases are never overdue. */
    step_ok(db, id, "approve", &STREET, NULL);
    c = load(db, id);
    assert_false(wf_is_overdue(&c, "2199-01-01 00:00:00"));
}

/* Asserts the actions `who` is offered, as a space-separated list of codes. */
static void expect_actions(db_conn *db, int64_t id, const actor *who, const char *codes)
{
    wf_action acts[WF_MAX_ACTIONS];
    wf_case c = load(db, id);
    ms_err e = {0};
    int n = wf_allowed_actions(db, &DEMO, &c, who, acts, WF_MAX_ACTIONS, &e);
    assert_true(n >= 0);
    char got[200] = "";
    for (int i = 0; i < n; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? " " : "", acts[i].action);
    if (strcmp(got, codes) != 0)
        fail_msg("%s is offered \"%s\", expected \"%s\"", who->username, got, codes);
}

static void test_allowed_actions_per_actor(void **state)
{
    db_conn *db = *state;
    int64_t id = case_in_review(db);
    expect_actions(db, id, &COMMUNITY, "publicize reject");
    expect_actions(db, id, &STREET, "publicize reject");
    expect_actions(db, id, &GRID, "");
    expect_actions(db, id, &OTHER_COMMUNITY, "");
    expect_actions(db, id, &VIEWER, "");
    expect_actions(db, id, NULL, "");

    wf_action acts[WF_MAX_ACTIONS];
    wf_case c = load(db, id);
    assert_int_equal(wf_allowed_actions(db, &DEMO, &c, &COMMUNITY, acts, WF_MAX_ACTIONS, NULL), 2);
    assert_string_equal(acts[0].label, "审核通过并公示");
    assert_string_equal(acts[0].to_label, "公示中");
    assert_int_equal(acts[0].opinion_required, 0);
    assert_string_equal(acts[1].label, "驳回");
    assert_int_equal(acts[1].opinion_required, 1);

    step_ok(db, id, "publicize", &COMMUNITY, NULL);
    expect_actions(db, id, &STREET, "approve reject");
    expect_actions(db, id, &COMMUNITY, "");
    expect_actions(db, id, &GRID, "");
    step_ok(db, id, "approve", &STREET, NULL);
    expect_actions(db, id, &STREET, "");
}

static void test_conflict_hook_refuses_and_hides(void **state)
{
    db_conn *db = *state;
    int64_t id = case_in_review(db);
    db_exec_args(db, "INSERT INTO demo_relative(case_id, user_id) VALUES (?, ?)", DB_INT(id), DB_INT(RELATIVE.id));
    expect_actions(db, id, &RELATIVE, "");
    expect_actions(db, id, &STREET, "publicize reject");
    step_refused(db, id, "publicize", &RELATIVE, NULL, ERR_FORBIDDEN, "您与该案件当事人存在近亲属关系，须回避");
    step_refused(db, id, "reject", &RELATIVE, "不符合条件", ERR_FORBIDDEN, "须回避");
    step_ok(db, id, "publicize", &STREET, NULL);
    expect_actions(db, id, &RELATIVE, "");
    expect_actions(db, id, &STREET, "approve reject");
}

/* A system_only step (存量纳入) is the command line's: a signed-in street
 * account is neither offered it nor allowed it; the command line, acting
 * with the street's role and scope, takes it. */
static void test_system_only_step(void **state)
{
    db_conn *db = *state;
    static const actor CLI = {.id = 0, .username = "system", .role = ROLE_STREET, .org_unit_id = 1,
                              .scope_path = "/1/"};
    int64_t id = create_case(db, &GRID);
    expect_actions(db, id, &STREET, "");
    step_refused(db, id, "enrol", &STREET, NULL, ERR_FORBIDDEN, "只能由命令行批量导入办理");
    expect_actions(db, id, &CLI, "enrol");
    step_ok(db, id, "enrol", &CLI, NULL);
    assert_string_equal(load(db, id).state, "approved");
}

static void test_failure_inside_caller_transaction_rolls_back(void **state)
{
    db_conn *db = *state;
    counts before = count_rows(db);
    ms_err e = {0};
    assert_int_equal(db_begin(db), DB_DONE);
    int64_t id = wf_create(db, &DEMO, CASE_PATH, "回滚测试", &GRID, NULL, &e);
    assert_true(id > 0);
    assert_int_equal(wf_perform(db, &DEMO, id, "investigate", &GRID, NULL, NULL, NULL, &e), 0);
    assert_int_equal(wf_perform(db, &DEMO, id, "submit", &GRID, NULL, NULL, NULL, &e), 0);
    /* The module's next step fails: the caller rolls back everything. */
    assert_int_equal(wf_perform(db, &DEMO, id, "approve", &GRID, NULL, NULL, NULL, &e), -1);
    db_rollback(db);
    assert_counts(count_rows(db), before);
    assert_int_equal(wf_load(db, &DEMO, id, &(wf_case){0}, &e), -1);
    assert_int_equal(e.kind, ERR_NOT_FOUND);
}

/* A case between two units: 'take' is the other party's (the unit at
 * /1/4/5/), 'cancel' the case's own unit's. */
static int other_grid(db_conn *db, const wf_case *c, char path[WF_PATH_MAX])
{
    snprintf(path, WF_PATH_MAX, "/1/4/5/");
    return 0;
}

static const wf_type HANDOVER = {
    .code = "demo_handover", .label = "移交", .initial = "open",
    .states = (const wf_state[]){{"open", "待接收", .terminal = 0}, {"taken", "已接收", .terminal = 1},
                                 {"cancelled", "已撤回", .terminal = 1}, {0}},
    .transitions = (const wf_transition[]){
        {"open", "take", "接收", "taken", .roles = STAFF, .level = WF_LEVEL_GRID, .other_party = 1},
        {"open", "cancel", "撤回", "cancelled", .roles = STAFF, .level = WF_LEVEL_GRID},
        {0}},
    .party_path = other_grid,
};

/* The steps of HANDOVER case id `who` is offered, space-separated. */
static const char *handover_actions(db_conn *db, int64_t id, const actor *who)
{
    static char got[200];
    wf_action acts[WF_MAX_ACTIONS];
    wf_case c;
    assert_int_equal(wf_load(db, &HANDOVER, id, &c, NULL), 0);
    int n = wf_allowed_actions(db, &HANDOVER, &c, who, acts, WF_MAX_ACTIONS, NULL);
    got[0] = '\0';
    for (int i = 0; i < n; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? " " : "", acts[i].action);
    return got;
}

static int handover_step(db_conn *db, int64_t id, const char *action, const actor *who, ms_err *e)
{
    assert_int_equal(db_begin(db), DB_DONE);
    int rc = wf_perform(db, &HANDOVER, id, action, who, NULL, NULL, NULL, e);
    if (rc == 0)
        assert_int_equal(db_commit(db), DB_DONE);
    else
        db_rollback(db);
    return rc;
}

static void test_other_party_steps_checked_on_the_other_unit(void **state)
{
    db_conn *db = *state;
    char why[200] = "";
    ms_err e = {0};
    if (wf_type_check(&HANDOVER, why, sizeof why) != 0 || wf_type_check(&transfer_type, why, sizeof why) != 0)
        fail_msg("%s", why);
    wf_type broken = HANDOVER;
    broken.party_path = NULL;
    assert_int_equal(wf_type_check(&broken, why, sizeof why), -1);
    assert_non_null(strstr(why, "party_path"));

    assert_int_equal(db_begin(db), DB_DONE);
    int64_t id = wf_create(db, &HANDOVER, CASE_PATH, "移交测试", &GRID, NULL, &e);
    assert_true(id > 0);
    assert_int_equal(db_commit(db), DB_DONE);
    /* 接收 on the other unit (/1/4/5/), 撤回 on the case's own (/1/2/3/) */
    assert_string_equal(handover_actions(db, id, &GRID), "cancel");
    assert_string_equal(handover_actions(db, id, &OTHER_GRID), "take");
    assert_string_equal(handover_actions(db, id, &COMMUNITY), "cancel");
    assert_string_equal(handover_actions(db, id, &STREET), "take cancel");
    counts before = count_rows(db);
    assert_int_equal(handover_step(db, id, "take", &GRID, &e), -1);
    assert_int_equal(e.kind, ERR_FORBIDDEN);
    assert_string_equal(e.message, "该案件不在您的管辖范围内");
    assert_int_equal(handover_step(db, id, "cancel", &OTHER_GRID, &e), -1);
    assert_int_equal(e.kind, ERR_FORBIDDEN);
    assert_counts(count_rows(db), before);
    assert_int_equal(handover_step(db, id, "take", &OTHER_COMMUNITY, &e), 0);
    wf_case c;
    assert_int_equal(wf_load(db, &HANDOVER, id, &c, NULL), 0);
    assert_string_equal(c.state, "taken");
}

/* A bulk loader's history: the case opened and stepped at past times
 * (timeline, state and due time from them), never in the future nor
 * before the case entered its state, a refusal writing nothing. */
static void test_backdated_history(void **state)
{
    db_conn *db = *state;
    ms_err e = {0};
    assert_int_equal(db_begin(db), DB_DONE);
    int64_t id = wf_create_at(db, &DEMO, CASE_PATH, "补录的申请", &GRID, NULL, "2025-03-03 01:00:00", &e);
    assert_true(id > 0);
    assert_int_equal(wf_create_at(db, &DEMO, CASE_PATH, "未来", &GRID, NULL, "2199-01-01 00:00:00", &e), -1);
    assert_string_equal(e.field, "at");
    assert_int_equal(wf_create_at(db, &DEMO, CASE_PATH, "坏时间", &GRID, NULL, "2025-02-30 01:00:00", &e), -1);
    assert_string_equal(e.field, "at");
    assert_int_equal(db_commit(db), DB_DONE);
    wf_case c = load(db, id);
    assert_string_equal(c.created_at, "2025-03-03 01:00:00");
    char due[20];
    assert_int_equal(cal_add_working_days(db, "2025-03-03 01:00:00", 3, due), 0);
    assert_string_equal(c.due_at, due);
    assert_true(wf_is_overdue(&c, "2026-01-01 00:00:00"));

    wf_input in = {.at = "2025-03-04 02:00:00"};
    assert_int_equal(db_begin(db), DB_DONE);
    assert_int_equal(wf_perform(db, &DEMO, id, "investigate", &GRID, NULL, &in, NULL, &e), 0);
    assert_int_equal(db_commit(db), DB_DONE);
    c = load(db, id);
    assert_string_equal(c.state_entered_at, "2025-03-04 02:00:00");
    assert_int_equal(cal_add_working_days(db, "2025-03-04 02:00:00", 10, due), 0);
    assert_string_equal(c.due_at, due);
    assert_int_equal(db_one_int(db, 0, "SELECT COUNT(*) FROM wf_timeline WHERE case_id = ? AND action = 'investigate'"
                                       " AND at = '2025-03-04 02:00:00'", DB_INT(id)), 1);
    counts before = count_rows(db);
    in.at = "2025-03-04 01:59:59";   /* before the case entered 调查中 */
    assert_int_equal(db_begin(db), DB_DONE);
    assert_int_equal(wf_perform(db, &DEMO, id, "submit", &GRID, NULL, &in, NULL, &e), -1);
    db_rollback(db);
    assert_string_equal(e.field, "at");
    assert_counts(count_rows(db), before);
    assert_string_equal(load(db, id).state, "investigating");
}

int main(void)
{
    keys_load_ephemeral();   /* audit rows are chained with a key */
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_demo_table_is_valid),
        T(test_create_writes_case_timeline_and_audit),
        T(test_create_refusals),
        T(test_step_writes_state_timeline_and_audit),
        T(test_step_not_from_this_state_refused),
        T(test_wrong_role_refused),
        T(test_out_of_scope_refused),
        T(test_grid_actor_refused_street_step),
        T(test_missing_opinion_refused),
        T(test_due_dates_and_overdue),
        T(test_allowed_actions_per_actor),
        T(test_conflict_hook_refuses_and_hides),
        T(test_system_only_step),
        T(test_failure_inside_caller_transaction_rolls_back),
        T(test_other_party_steps_checked_on_the_other_unit),
        T(test_backdated_history),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
