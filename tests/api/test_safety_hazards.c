/* test_safety_hazards.c — safety inspections and the hazard ledger
 * against the real server (/api/v1/safety/…):
 *
 *   - enterprises and places: registered by a grid worker in its grid,
 *     the contact's phone stored encrypted, masked in lists, in full on
 *     the enterprise's page (never to the viewer); bad input refused with
 *     the field named; the plan's next due date (month ends kept in
 *     range); an update recomputes it, a stale version is refused;
 *   - inspections move the plan on; an enterprise past its due date is
 *     listed as overdue until inspected; hazards registered with an
 *     inspection; 合格 with hazards, future dates, a 停用 enterprise refused;
 *   - the hazard case: 登记 → 整改中 → 待复查 → 已销号, every refusal on the
 *     way (wrong state, the grid worker re-checking, 销号 without a
 *     re-check or with a failed one, a failed re-check back to 整改中 with
 *     its opinion), the re-checks and the timeline recorded;
 *   - overdue hazards (deadline passed, not 销号) and the ledger summary;
 *   - scope: grid A's enterprise and hazard are invisible to grid B's
 *     worker and to another community (404), the viewer reads but
 *     cannot write, the admin reads nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_fixture.h"

static char *t_g0102, *t_c02;

static int setup(void **state)
{
    if (registry_setup(state) != 0)
        return -1;
    t_g0102 = login(&srv, "wangge0102", DEMO_PW);
    t_c02 = login(&srv, "shequ02", DEMO_PW);
    return t_g0102 && t_c02 ? 0 : -1;
}

static int teardown(void **state)
{
    free(t_g0102);
    free(t_c02);
    return registry_teardown(state);
}

/* ---- helpers --------------------------------------------------------------- */

static unsigned seq;

/* An enterprise in `grid` registered by tok: its id. extra: more JSON members starting with a comma, or "". */
static long long make_enterprise(const char *tok, long long grid, const char *kind, const char *frequency,
                                 const char *plan_from, const char *extra)
{
    seq++;
    json_t *j = req(tok, "POST", "/api/v1/safety/enterprises",
                    fmt("{\"name\":\"安检%s号店\",\"kind\":\"%s\",\"address\":\"东昌路%s号\",\"grid_id\":%lld,"
                        "\"frequency\":\"%s\",\"plan_from\":\"%s\"%s}",
                        cn_number(seq + 1), kind, cn_number(seq + 1), grid, frequency, plan_from, extra),
                    201);
    long long id = jint(j, "id");
    json_decref(j);
    return id;
}

/* A hazard reported directly at enterprise ent: its id. */
static long long make_hazard(const char *tok, long long ent, const char *level, const char *found_on,
                             const char *deadline)
{
    json_t *j = req(tok, "POST", "/api/v1/safety/hazards",
                    fmt("{\"enterprise_id\":%lld,\"level\":\"%s\",\"description\":\"灭火器过期%s\","
                        "\"measure\":\"更换灭火器\",\"responsible\":\"店主\",\"found_on\":\"%s\",\"deadline\":\"%s\"}",
                        ent, level, cn_number(++seq), found_on, deadline),
                    201);
    long long id = jint(j, "id");
    assert_string_equal(jstr(j, "state"), "registered");
    assert_string_equal(jstr(j, "state_label"), "已登记");
    json_decref(j);
    return id;
}

static const char *hazard_path(long long id, const char *action)
{
    return action ? fmt("/api/v1/safety/hazards/%lld/actions/%s", id, action) : fmt("/api/v1/safety/hazards/%lld", id);
}

static const char *state_of(long long id)
{
    static char out[32];
    json_t *j = get_ok(t_street, hazard_path(id, NULL));
    snprintf(out, sizeof out, "%s", jstr(j, "state"));
    json_decref(j);
    return out;
}

static const char *recheck(const char *on, int passed, const char *opinion)
{
    return fmt("{\"recheck\":{\"checked_on\":\"%s\",\"checkers\":[\"张安全\",\"李复查\"],\"passed\":%s,"
               "\"note\":\"现场复查\"}%s%s%s}",
               on, passed ? "true" : "false", opinion ? ",\"opinion\":\"" : "", opinion ? opinion : "",
               opinion ? "\"" : "");
}

/* ---- enterprises ------------------------------------------------------------- */

static void enterprises_phone_masked_and_validated(void **state)
{
    (void)state;
    long long id = make_enterprise(t_g0101, grid_a, "餐饮", "monthly", "2026-01-31",
                                   ",\"contact_name\":\"赵店主\",\"contact_phone\":\"13812345678\"");
    json_t *j = get_ok(t_g0101, fmt("/api/v1/safety/enterprises/%lld", id));
    assert_string_equal(jstr(j, "contact_phone"), "13812345678");
    assert_string_equal(jstr(j, "next_due_on"), "2026-02-28");   /* a month on, the month's last day */
    assert_string_equal(jstr(j, "frequency_label"), "按月");
    assert_int_equal(jint(j, "community_id"), c001);
    json_decref(j);
    /* the list masks it, the viewer gets none, the database holds it encrypted */
    json_t *it = item_with_id(t_g0101, "/api/v1/safety/enterprises?page_size=100", id);
    assert_phone_masked(jstr(it, "contact_phone"));
    json_decref(it);
    j = get_ok(t_viewer, fmt("/api/v1/safety/enterprises/%lld", id));
    assert_true(json_is_null(json_object_get(j, "contact_phone")));
    json_decref(j);
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM safety_enterprise WHERE id = %lld"
                                              " AND phone_enc LIKE 'e%%' AND phone_enc NOT LIKE '%%13812345678%%'", id)),
                     1);
    /* the plan's period: quarterly and half-yearly keep the month's end in range */
    long long q = make_enterprise(t_c01, grid_a, "工业企业", "quarterly", "2025-11-30", "");
    long long h = make_enterprise(t_street, grid_b, "建筑工地", "half_yearly", "2025-08-31", "");
    j = get_ok(t_street, fmt("/api/v1/safety/enterprises/%lld", q));
    assert_string_equal(jstr(j, "next_due_on"), "2026-02-28");
    json_decref(j);
    j = get_ok(t_street, fmt("/api/v1/safety/enterprises/%lld", h));
    assert_string_equal(jstr(j, "next_due_on"), "2026-02-28");
    assert_int_equal(jint(j, "grid_id"), grid_b);
    long long version = jint(j, "version");
    json_decref(j);
    /* bad input: the field named, nothing written */
    long long before = server_sql_int(&srv, "SELECT COUNT(*) FROM safety_enterprise");
    const char *ok = fmt("\"address\":\"东昌路\",\"grid_id\":%lld,\"frequency\":\"monthly\"", grid_a);
    expect_400_field(t_g0101, "POST", "/api/v1/safety/enterprises", fmt("{\"kind\":\"餐饮\",%s}", ok), "name");
    expect_400_field(t_g0101, "POST", "/api/v1/safety/enterprises", fmt("{\"name\":\"某店\",\"kind\":\"银行\",%s}", ok),
                     "kind");
    expect_400_field(t_g0101, "POST", "/api/v1/safety/enterprises",
                     fmt("{\"name\":\"某店\",\"kind\":\"商铺\",\"contact_phone\":\"12345\",%s}", ok), "contact_phone");
    expect_400_field(t_g0101, "POST", "/api/v1/safety/enterprises",
                     fmt("{\"name\":\"某店\",\"kind\":\"商铺\",\"contact_name\":\"店主1\",%s}", ok), "contact_name");
    expect_400_field(t_g0101, "POST", "/api/v1/safety/enterprises",
                     fmt("{\"name\":\"某店\",\"kind\":\"商铺\",\"address\":\"东昌路\",\"grid_id\":%lld,"
                         "\"frequency\":\"weekly\"}", grid_a), "frequency");
    expect_400_field(t_street, "POST", "/api/v1/safety/enterprises",
                     fmt("{\"name\":\"某店\",\"kind\":\"商铺\",\"address\":\"东昌路\",\"grid_id\":%lld,"
                         "\"frequency\":\"monthly\"}", c001), "grid_id");
    expect_400_field(t_g0101, "POST", "/api/v1/safety/enterprises",
                     fmt("{\"name\":\"某店\",\"kind\":\"商铺\",\"plan_from\":\"2026-02-30\",%s}", ok), "plan_from");
    /* a grid of someone else: not found */
    json_decref(req(t_g0101, "POST", "/api/v1/safety/enterprises",
                    fmt("{\"name\":\"某店\",\"kind\":\"商铺\",\"address\":\"东昌路\",\"grid_id\":%lld,"
                        "\"frequency\":\"monthly\"}", grid_b), 404));
    assert_int_equal(server_sql_int(&srv, "SELECT COUNT(*) FROM safety_enterprise"), before);
    /* an update recomputes the due date; a stale version is refused */
    j = req(t_street, "PATCH", fmt("/api/v1/safety/enterprises/%lld", h),
            fmt("{\"frequency\":\"monthly\",\"version\":%lld}", version), 200);
    assert_string_equal(jstr(j, "next_due_on"), "2025-09-30");
    json_decref(j);
    j = req(t_street, "PATCH", fmt("/api/v1/safety/enterprises/%lld", h),
            fmt("{\"frequency\":\"quarterly\",\"version\":%lld}", version), 412);
    json_decref(j);
    assert_true(total_of(t_auditor, "/api/v1/audit?action=safety_enterprise_update") >= 1);
    assert_true(total_of(t_auditor, "/api/v1/audit?action=safety_enterprise_create") >= 3);
    /* list filters */
    assert_true(api_list_has(&srv, t_street, fmt("/api/v1/safety/enterprises?kind=%s&page_size=100", urlenc("工业企业")),
                             q));
    assert_false(api_list_has(&srv, t_street,
                              fmt("/api/v1/safety/enterprises?kind=%s&page_size=100", urlenc("工业企业")), h));
    assert_true(api_list_has(&srv, t_street, fmt("/api/v1/safety/enterprises?org_unit_id=%lld&page_size=100", grid_b),
                             h));
    assert_false(api_list_has(&srv, t_street, fmt("/api/v1/safety/enterprises?org_unit_id=%lld&page_size=100", grid_b),
                              q));
    json_decref(req(t_street, "GET", "/api/v1/safety/enterprises?page_size=30", NULL, 400));
}

/* ---- inspections and the plan -------------------------------------------------- */

static void inspections_move_the_plan_and_overdue_lists(void **state)
{
    (void)state;
    const char *today = beijing_date(0);
    long long id = make_enterprise(t_g0101, grid_a, "三小场所", "monthly", beijing_date(100), "");
    const char *overdue = "/api/v1/safety/enterprises?overdue=1&page_size=100";
    assert_true(api_list_has(&srv, t_g0101, overdue, id));
    json_t *it = item_with_id(t_g0101, overdue, id);
    assert_true(json_is_true(json_object_get(it, "inspection_overdue")));
    json_decref(it);
    /* refusals, nothing written */
    const char *path = "/api/v1/safety/inspections";
    expect_400_field(t_g0101, "POST", path,
                     fmt("{\"enterprise_id\":%lld,\"inspected_on\":\"%s\",\"inspectors\":[\"王检查\"],"
                         "\"result\":\"合格\"}", id, beijing_date(-1)), "inspected_on");
    expect_400_field(t_g0101, "POST", path,
                     fmt("{\"enterprise_id\":%lld,\"inspected_on\":\"%s\",\"inspectors\":[\"王检查\"],"
                         "\"result\":\"很好\"}", id, today), "result");
    expect_400_field(t_g0101, "POST", path,
                     fmt("{\"enterprise_id\":%lld,\"inspected_on\":\"%s\",\"result\":\"合格\"}", id, today), "inspectors");
    expect_400_field(t_g0101, "POST", path,
                     fmt("{\"enterprise_id\":%lld,\"inspected_on\":\"%s\",\"inspectors\":[\"王检查\",\"检查员2\"],"
                         "\"result\":\"合格\"}", id, today), "inspectors");
    expect_400_field(t_g0101, "POST", path,
                     fmt("{\"enterprise_id\":%lld,\"inspected_on\":\"%s\",\"inspectors\":[\"王检查\"],\"result\":\"合格\","
                         "\"hazards\":[{\"level\":\"一般\",\"description\":\"通道堵塞\",\"deadline\":\"%s\"}]}",
                         id, today, today), "result");
    expect_400_field(t_g0101, "POST", path,
                     fmt("{\"enterprise_id\":%lld,\"inspected_on\":\"%s\",\"inspectors\":[\"王检查\"],\"result\":\"发现隐患\","
                         "\"hazards\":[{\"level\":\"特大\",\"description\":\"通道堵塞\",\"deadline\":\"%s\"}]}",
                         id, today, today), "hazards[0].level");
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM safety_inspection WHERE enterprise_id = %lld", id)), 0);
    /* an inspection with two hazards: the plan moves on, the hazards are in the ledger */
    json_t *j = req(t_g0101, "POST", path,
                    fmt("{\"enterprise_id\":%lld,\"inspected_on\":\"%s\",\"inspectors\":[\"王检查\",\"刘安全\"],"
                        "\"findings\":\"消防通道堵塞，电线私拉乱接\",\"result\":\"发现隐患\",\"hazards\":["
                        "{\"level\":\"一般\",\"description\":\"消防通道堵塞\",\"deadline\":\"%s\"},"
                        "{\"level\":\"较大\",\"description\":\"电线私拉乱接\",\"responsible\":\"店主\",\"deadline\":\"%s\"}]}",
                        id, today, beijing_date(-10), beijing_date(-20)),
                    201);
    long long insp = jint(j, "id");
    assert_string_equal(jstr(j, "inspectors"), "王检查、刘安全");
    json_t *ids = json_object_get(j, "hazard_ids");
    assert_int_equal(json_array_size(ids), 2);
    long long h1 = json_integer_value(json_array_get(ids, 0));
    json_decref(j);
    j = get_ok(t_g0101, hazard_path(h1, NULL));
    assert_int_equal(jint(j, "inspection_id"), insp);
    assert_int_equal(jint(j, "enterprise_id"), id);
    assert_string_equal(jstr(j, "found_on"), today);
    json_decref(j);
    j = get_ok(t_g0101, fmt("/api/v1/safety/enterprises/%lld", id));
    assert_string_equal(jstr(j, "last_inspected_on"), today);
    assert_true(strcmp(jstr(j, "next_due_on"), today) > 0);
    assert_false(json_is_true(json_object_get(j, "inspection_overdue")));
    assert_int_equal(json_array_size(json_object_get(j, "inspections")), 1);
    assert_int_equal(jint(j, "open_hazards"), 2);
    long long version = jint(j, "version");
    json_decref(j);
    assert_false(api_list_has(&srv, t_g0101, overdue, id));
    assert_true(api_list_has(&srv, t_g0101, fmt("/api/v1/safety/inspections?enterprise_id=%lld", id), insp));
    assert_int_equal(total_of(t_street, fmt("/api/v1/safety/hazards?enterprise_id=%lld", id)), 2);
    assert_true(total_of(t_auditor, "/api/v1/audit?action=safety_inspection_create") >= 1);
    /* an enterprise 停用 takes no inspection and leaves the overdue list */
    json_decref(req(t_g0101, "PATCH", fmt("/api/v1/safety/enterprises/%lld", id),
                    fmt("{\"active\":false,\"version\":%lld}", version), 200));
    json_decref(req(t_g0101, "POST", path,
                    fmt("{\"enterprise_id\":%lld,\"inspected_on\":\"%s\",\"inspectors\":\"王检查\",\"result\":\"合格\"}",
                        id, today), 409));
}

/* ---- the hazard case ------------------------------------------------------------------ */

static void hazard_every_transition_and_refusal(void **state)
{
    (void)state;
    const char *today = beijing_date(0);
    long long ent = make_enterprise(t_g0101, grid_a, "出租屋", "quarterly", today, "");
    long long id = make_hazard(t_g0101, ent, "重大", today, beijing_date(-15));
    /* 登记: only rectify is possible; close and submit are the wrong state */
    json_t *j = get_ok(t_g0101, hazard_path(id, NULL));
    assert_int_equal(json_array_size(json_object_get(j, "actions")), 1);
    assert_string_equal(jstr(json_array_get(json_object_get(j, "actions"), 0), "action"), "rectify");
    long long v = jint(j, "version");
    json_decref(j);
    json_decref(req(t_c01, "POST", hazard_path(id, "close"), recheck(today, 1, NULL), 409));
    json_decref(req(t_g0101, "POST", hazard_path(id, "submit"), "{}", 409));
    json_decref(req(t_g0101, "POST", hazard_path(id, "rectify"), fmt("{\"version\":%lld}", v + 5), 412));
    expect_400_field(t_g0101, "POST", hazard_path(id, "rectify"), recheck(today, 1, NULL), "recheck");
    j = req(t_g0101, "POST", hazard_path(id, "rectify"), "{\"opinion\":\"限期十五日整改\"}", 200);
    assert_string_equal(jstr(j, "state"), "rectifying");
    assert_string_equal(jstr(j, "state_label"), "整改中");
    json_decref(j);
    /* 整改中 → 待复查 */
    json_decref(req(t_c01, "POST", hazard_path(id, "close"), recheck(today, 1, NULL), 409));
    j = req(t_g0101, "POST", hazard_path(id, "submit"), "{\"attachments\":[\"整改照片.jpg\"]}", 200);
    assert_string_equal(jstr(j, "state"), "rechecking");
    assert_false(json_is_null(json_object_get(j, "recheck_due_at")));
    json_decref(j);
    /* the grid worker who reported the work done may not re-check it */
    json_decref(req(t_g0101, "POST", hazard_path(id, "close"), recheck(today, 1, NULL), 403));
    j = get_ok(t_g0101, hazard_path(id, NULL));
    assert_int_equal(json_array_size(json_object_get(j, "actions")), 0);
    json_decref(j);
    /* no 销号 without a re-check, nor with a failed one */
    expect_400_field(t_c01, "POST", hazard_path(id, "close"), "{}", "recheck");
    expect_400_field(t_c01, "POST", hazard_path(id, "close"),
                     "{\"recheck\":{\"checked_on\":\"2026-02-30\",\"checkers\":[\"张安全\"],\"passed\":true}}",
                     "recheck.checked_on");
    expect_400_field(t_c01, "POST", hazard_path(id, "close"),
                     fmt("{\"recheck\":{\"checked_on\":\"%s\",\"checkers\":[\"张安全\"]}}", today), "recheck.passed");
    expect_400_field(t_c01, "POST", hazard_path(id, "close"),
                     fmt("{\"recheck\":{\"checked_on\":\"%s\",\"checkers\":[],\"passed\":true}}", today),
                     "recheck.checkers");
    expect_400_field(t_c01, "POST", hazard_path(id, "close"), recheck(beijing_date(-1), 1, NULL),
                     "recheck.checked_on");
    j = req(t_c01, "POST", hazard_path(id, "close"), recheck(today, 0, NULL), 409);
    assert_string_equal(err_field(j), "recheck.passed");
    json_decref(j);
    assert_string_equal(state_of(id), "rechecking");
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM safety_recheck WHERE hazard_id = %lld", id)), 0);
    /* a failed re-check goes back to 整改中, with its opinion */
    expect_400_field(t_c01, "POST", hazard_path(id, "reopen"), recheck(today, 0, NULL), "opinion");
    json_decref(req(t_c01, "POST", hazard_path(id, "reopen"), recheck(today, 1, "复查合格"), 409));
    j = req(t_c01, "POST", hazard_path(id, "reopen"), recheck(today, 0, "灭火器仍未更换"), 200);
    assert_string_equal(jstr(j, "state"), "rectifying");
    assert_true(json_is_null(json_object_get(j, "closed_at")));
    json_decref(j);
    /* again: submitted, re-checked and passed: 销号 */
    json_decref(req(t_g0101, "POST", hazard_path(id, "submit"), "{}", 200));
    j = req(t_street, "POST", hazard_path(id, "close"), recheck(today, 1, NULL), 200);
    assert_string_equal(jstr(j, "state"), "closed");
    assert_string_equal(jstr(j, "state_label"), "已销号");
    assert_false(json_is_null(json_object_get(j, "closed_at")));
    json_decref(j);
    json_decref(req(t_street, "POST", hazard_path(id, "reopen"), recheck(today, 0, "再查"), 409));
    /* the record: two re-checks, the timeline of every step */
    j = get_ok(t_c01, hazard_path(id, NULL));
    json_t *rc = json_object_get(j, "rechecks");
    assert_int_equal(json_array_size(rc), 2);
    assert_false(json_is_true(json_object_get(json_array_get(rc, 0), "passed")));
    assert_true(json_is_true(json_object_get(json_array_get(rc, 1), "passed")));
    assert_string_equal(jstr(json_array_get(rc, 1), "checkers"), "张安全、李复查");
    json_t *tl = json_object_get(j, "timeline");
    assert_int_equal(json_array_size(tl), 6);   /* created, rectify, submit, reopen, submit, close */
    assert_string_equal(jstr(json_array_get(tl, 3), "action"), "reopen");
    assert_string_equal(jstr(json_array_get(tl, 3), "opinion"), "灭火器仍未更换");
    assert_string_equal(jstr(json_array_get(tl, 5), "state_label"), "已销号");
    assert_int_equal(json_array_size(json_object_get(j, "actions")), 0);
    json_decref(j);
    assert_true(total_of(t_auditor, "/api/v1/audit?action=safety_hazard_step") >= 5);
}

static void hazard_input_refused(void **state)
{
    (void)state;
    const char *today = beijing_date(0);
    long long ent = make_enterprise(t_g0101, grid_a, "商铺", "monthly", today, "");
    long long before = server_sql_int(&srv, "SELECT COUNT(*) FROM safety_hazard");
    const char *p = "/api/v1/safety/hazards";
    expect_400_field(t_g0101, "POST", p,
                     fmt("{\"enterprise_id\":%lld,\"level\":\"特别重大\",\"description\":\"x\",\"deadline\":\"%s\"}", ent,
                         today), "level");
    expect_400_field(t_g0101, "POST", p,
                     fmt("{\"enterprise_id\":%lld,\"level\":\"一般\",\"deadline\":\"%s\"}", ent, today), "description");
    expect_400_field(t_g0101, "POST", p,
                     fmt("{\"enterprise_id\":%lld,\"level\":\"一般\",\"description\":\"通道堵塞\",\"responsible\":\"<b>\","
                         "\"deadline\":\"%s\"}", ent, today), "responsible");
    expect_400_field(t_g0101, "POST", p,
                     fmt("{\"enterprise_id\":%lld,\"level\":\"一般\",\"description\":\"通道堵塞\"}", ent), "deadline");
    expect_400_field(t_g0101, "POST", p,
                     fmt("{\"enterprise_id\":%lld,\"level\":\"一般\",\"description\":\"通道堵塞\",\"found_on\":\"%s\","
                         "\"deadline\":\"%s\"}", ent, today, beijing_date(1)), "deadline");
    expect_400_field(t_g0101, "POST", p,
                     fmt("{\"enterprise_id\":%lld,\"level\":\"一般\",\"description\":\"通道堵塞\",\"found_on\":\"%s\","
                         "\"deadline\":\"%s\"}", ent, beijing_date(-1), beijing_date(-2)), "found_on");
    expect_400_field(t_g0101, "POST", p,
                     fmt("{\"grid_id\":%lld,\"level\":\"一般\",\"description\":\"井盖缺失\",\"deadline\":\"%s\"}", grid_a,
                         today), "place");
    json_decref(req(t_g0101, "POST", p,
                    fmt("{\"grid_id\":%lld,\"place\":\"路口\",\"level\":\"一般\",\"description\":\"井盖缺失\","
                        "\"deadline\":\"%s\"}", grid_b, today), 404));
    expect_400_field(t_g0101, "POST", p,
                     fmt("{\"enterprise_id\":\"%lld\",\"level\":\"一般\",\"description\":\"通道堵塞\","
                         "\"deadline\":\"%s\"}", ent, today), "enterprise_id");
    expect_400_field(t_g0101, "POST", p,
                     fmt("{\"enterprise_id\":%lld,\"level\":\"一般\",\"description\":\"通道堵塞\",\"colour\":\"红\","
                         "\"deadline\":\"%s\"}", ent, today), "colour");
    expect_400_field(t_c01, "POST", p,
                     fmt("{\"grid_id\":%lld,\"place\":\"路口\",\"level\":\"一般\",\"description\":\"井盖缺失\","
                         "\"deadline\":\"%s\"}", c001, today), "grid_id");
    assert_int_equal(server_sql_int(&srv, "SELECT COUNT(*) FROM safety_hazard"), before);
    /* a place not registered: in the grid given */
    json_t *j = req(t_g0101, "POST", p,
                    fmt("{\"grid_id\":%lld,\"place\":\"光明路口\",\"level\":\"一般\",\"description\":\"井盖缺失\","
                        "\"deadline\":\"%s\"}", grid_a, today), 201);
    assert_true(json_is_null(json_object_get(j, "enterprise_id")));
    assert_string_equal(jstr(j, "place"), "光明路口");
    assert_int_equal(jint(j, "grid_id"), grid_a);
    json_decref(j);
}

static void overdue_hazards_and_summary(void **state)
{
    (void)state;
    const char *today = beijing_date(0);
    json_t *s0 = get_ok(t_c01, "/api/v1/safety/hazards/summary");
    long long ent = make_enterprise(t_g0101, grid_a, "加油站", "monthly", today, "");
    /* found a month ago, due ten days ago: overdue until 销号 */
    long long late = make_hazard(t_g0101, ent, "较大", beijing_date(30), beijing_date(10));
    long long fine = make_hazard(t_g0101, ent, "较大", today, beijing_date(-10));
    const char *list = "/api/v1/safety/hazards?overdue=1&page_size=100";
    assert_true(api_list_has(&srv, t_g0101, list, late));
    assert_false(api_list_has(&srv, t_g0101, list, fine));
    json_t *j = get_ok(t_g0101, hazard_path(late, NULL));
    assert_true(json_is_true(json_object_get(j, "overdue")));
    json_decref(j);
    assert_true(api_list_has(&srv, t_g0101, fmt("/api/v1/safety/hazards?level=%s&page_size=100", urlenc("较大")), late));
    assert_false(api_list_has(&srv, t_g0101, fmt("/api/v1/safety/hazards?level=%s&page_size=100", urlenc("重大")), late));
    json_decref(req(t_g0101, "GET", "/api/v1/safety/hazards?level=x", NULL, 400));
    json_decref(req(t_g0101, "GET", "/api/v1/safety/hazards?state=done", NULL, 400));
    json_t *s1 = get_ok(t_c01, "/api/v1/safety/hazards/summary");
    assert_int_equal(jint(s1, "total"), jint(s0, "total") + 2);
    assert_int_equal(jint(s1, "overdue"), jint(s0, "overdue") + 1);
    json_t *lv0 = json_array_get(json_object_get(s0, "by_level"), 1), *lv1 = json_array_get(json_object_get(s1, "by_level"), 1);
    assert_string_equal(jstr(lv1, "key"), "较大");
    assert_int_equal(jint(lv1, "total"), jint(lv0, "total") + 2);
    assert_int_equal(jint(lv1, "overdue"), jint(lv0, "overdue") + 1);
    json_t *st = json_array_get(json_object_get(s1, "by_state"), 0);
    assert_string_equal(jstr(st, "key"), "registered");
    assert_string_equal(jstr(st, "label"), "已登记");
    json_t *cm = json_array_get(json_object_get(s1, "by_community"), 0);
    assert_int_equal(jint(cm, "community_id"), c001);
    assert_int_equal(json_array_size(json_object_get(s1, "by_community")), 1);   /* community 001 sees itself only */
    json_decref(s0);
    json_decref(s1);
    /* closed: no longer overdue */
    json_decref(req(t_g0101, "POST", hazard_path(late, "rectify"), "{}", 200));
    json_decref(req(t_g0101, "POST", hazard_path(late, "submit"), "{}", 200));
    json_decref(req(t_c01, "POST", hazard_path(late, "close"), recheck(today, 1, NULL), 200));
    assert_false(api_list_has(&srv, t_g0101, list, late));
    assert_true(api_list_has(&srv, t_g0101, "/api/v1/safety/hazards?state=closed&page_size=100", late));
    assert_false(api_list_has(&srv, t_g0101, "/api/v1/safety/hazards?open=1&page_size=100", late));
}

/* ---- scope ------------------------------------------------------------------------------ */

static void grid_a_invisible_to_grid_b_and_other_community(void **state)
{
    (void)state;
    const char *today = beijing_date(0);
    long long ent = make_enterprise(t_g0101, grid_a, "餐饮", "monthly", today, ",\"contact_phone\":\"13900001111\"");
    long long hz = make_hazard(t_g0101, ent, "一般", today, today);
    const char *others[] = {t_g0102, t_c02};
    for (size_t i = 0; i < 2; i++) {
        const char *tok = others[i];
        json_decref(req(tok, "GET", fmt("/api/v1/safety/enterprises/%lld", ent), NULL, 404));
        json_decref(req(tok, "PATCH", fmt("/api/v1/safety/enterprises/%lld", ent), "{\"name\":\"越权\"}", 404));
        json_decref(req(tok, "GET", hazard_path(hz, NULL), NULL, 404));
        json_decref(req(tok, "POST", hazard_path(hz, "rectify"), "{}", 404));
        json_decref(req(tok, "POST", "/api/v1/safety/inspections",
                        fmt("{\"enterprise_id\":%lld,\"inspected_on\":\"%s\",\"inspectors\":\"越权\",\"result\":\"合格\"}",
                            ent, today), 404));
        json_decref(req(tok, "POST", "/api/v1/safety/hazards",
                        fmt("{\"enterprise_id\":%lld,\"level\":\"一般\",\"description\":\"越权\",\"deadline\":\"%s\"}",
                            ent, today), 404));
        assert_false(api_list_has(&srv, tok, "/api/v1/safety/enterprises?page_size=100", ent));
        assert_false(api_list_has(&srv, tok, "/api/v1/safety/hazards?page_size=100", hz));
        json_decref(req(tok, "GET", fmt("/api/v1/safety/hazards/summary?org_unit_id=%lld", grid_a), NULL, 404));
    }
    assert_string_equal(state_of(hz), "registered");
    /* the community above sees it; the viewer reads but cannot write; the admin reads nothing */
    assert_true(api_list_has(&srv, t_c01, "/api/v1/safety/hazards?page_size=100", hz));
    assert_true(api_list_has(&srv, t_viewer, "/api/v1/safety/hazards?page_size=100", hz));
    json_t *it = item_with_id(t_viewer, "/api/v1/safety/enterprises?page_size=100", ent), *j;
    assert_true(json_is_null(json_object_get(it, "contact_phone")));
    json_decref(it);
    json_decref(req(t_viewer, "POST", hazard_path(hz, "rectify"), "{}", 403));
    json_decref(req(t_viewer, "POST", "/api/v1/safety/enterprises", "{}", 403));
    json_decref(req(t_admin, "GET", "/api/v1/safety/hazards", NULL, 403));
    json_decref(req(t_admin, "GET", fmt("/api/v1/safety/enterprises/%lld", ent), NULL, 403));
    json_decref(req(t_auditor, "GET", "/api/v1/safety/hazards/summary", NULL, 403));
    /* a move to grid B: refused while a hazard is open; without one, grid B's worker has it, grid A's no more */
    j = req(t_c01, "PATCH", fmt("/api/v1/safety/enterprises/%lld", ent), fmt("{\"grid_id\":%lld}", grid_b), 409);
    assert_string_equal(err_field(j), "grid_id");
    json_decref(j);
    long long moved = make_enterprise(t_g0101, grid_a, "商铺", "monthly", today, "");
    j = req(t_c01, "PATCH", fmt("/api/v1/safety/enterprises/%lld", moved), fmt("{\"grid_id\":%lld}", grid_b), 200);
    assert_int_equal(jint(j, "grid_id"), grid_b);
    json_decref(j);
    json_decref(req(t_g0101, "GET", fmt("/api/v1/safety/enterprises/%lld", moved), NULL, 404));
    json_decref(get_ok(t_g0102, fmt("/api/v1/safety/enterprises/%lld", moved)));
}

/* A key rotation re-encrypts the contact's phone (app/fieldkeys.c) and
 * the enterprise's page still shows it. */
static void key_rotation_keeps_the_phone(void **state)
{
    (void)state;
    long long id = make_enterprise(t_g0101, grid_a, "餐饮", "monthly", beijing_date(0),
                                   ",\"contact_phone\":\"0530-5312345\"");
    assert_int_equal(server_halt(&srv), 0);
    const char *rotate[] = {"keys", "rotate", NULL};
    assert_int_equal(run_cli(&srv, rotate, NULL, NULL), 0);
    assert_int_equal(server_launch(&srv, NULL), 0);
    assert_int_equal(server_sql_int(&srv, "SELECT COUNT(*) FROM safety_enterprise WHERE phone_enc NOT LIKE 'e2:%'"), 0);
    free(t_g0101);
    t_g0101 = login(&srv, "wangge0101", DEMO_PW);
    assert_non_null(t_g0101);
    json_t *j = get_ok(t_g0101, fmt("/api/v1/safety/enterprises/%lld", id));
    assert_string_equal(jstr(j, "contact_phone"), "0530-5312345");
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(enterprises_phone_masked_and_validated),
        cmocka_unit_test(inspections_move_the_plan_and_overdue_lists),
        cmocka_unit_test(hazard_every_transition_and_refusal),
        cmocka_unit_test(hazard_input_refused),
        cmocka_unit_test(overdue_hazards_and_summary),
        cmocka_unit_test(grid_a_invisible_to_grid_b_and_other_community),
        cmocka_unit_test(key_rotation_keeps_the_phone),   /* last: it restarts the server */
    };
    return cmocka_run_group_tests_name("api_safety_hazards", tests, setup, teardown);
}
