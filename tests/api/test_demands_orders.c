/* test_demands_orders.c — citizen demands' work orders (issue 12),
 * against the real server on both engines:
 *
 *   - the category tree (seeded, edited by the street of the whole
 *     tree, refused to others and on bad limits);
 *   - an order's whole path: 登记 → 交办 → 签收 → 办理 → 办结 → 回访
 *     (dissatisfied: redo once, then archived), with each refusal on the
 *     way (role, level, not the assignee, missing opinion or result,
 *     wrong state) and 催办 that changes no state;
 *   - 退单 and 改派, to a department whose account sees and acts on its
 *     orders only;
 *   - possible duplicates (same phone, same address and category) and
 *     the decision on them, never flagged again;
 *   - deadlines and flags: the due times, overdue, 督办 and unsigned;
 *   - scope: another grid and another community see nothing (404);
 *   - the phone stored encrypted and shown masked; intake refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_fixture.h"

static unsigned seq;

/* A phone no other test of this file uses. */
static const char *new_phone(void)
{
    return fmt("139%08u", 10000000u + ++seq * 7919u % 90000000u);
}

/* Files an order (street desk unless tok says otherwise) in grid with
 * category and phone; returns its id. */
static long long file_order(const char *tok, long long grid, int category, const char *address, const char *phone)
{
    unsigned n = ++seq;
    json_t *j = req(tok, "POST", "/api/v1/demands/orders",
                    fmt("{\"source\":\"hotline\",\"hotline_no\":\"HL%u-%u\",\"category_id\":%d,\"grid_id\":%lld,"
                        "\"address\":\"%s\",\"reporter_name\":\"王%s\",\"phone\":\"%s\",\"content\":\"楼下垃圾三天没人清运\"}",
                        n, (unsigned)grid, category, grid, address, cn_number(n), phone),
                    201);
    long long id = jint(j, "id");
    assert_string_equal(jstr(j, "state"), "registered");
    json_decref(j);
    return id;
}

static json_t *act(const char *tok, long long id, const char *action, const char *body, long want)
{
    return req(tok, "POST", fmt("/api/v1/demands/orders/%lld/actions/%s", id, action), body, want);
}

static void act_ok(const char *tok, long long id, const char *action, const char *body, const char *state)
{
    json_t *j = act(tok, id, action, body, 200);
    assert_string_equal(jstr(j, "state"), state);
    json_decref(j);
}

static int has_action(json_t *order, const char *action)
{
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(order, "actions"), i, a) {
        if (strcmp(jstr(a, "action"), action) == 0)
            return 1;
    }
    return 0;
}

/* ---- categories ------------------------------------------------------------- */

static void categories_tree_and_edits(void **state)
{
    (void)state;
    json_t *j = get_ok(t_g0101, "/api/v1/demands/categories"), *top = json_array_get(json_object_get(j, "items"), 0);
    assert_string_equal(jstr(top, "name"), "环境卫生");
    assert_int_equal(jint(top, "handle_days"), 5);
    assert_string_equal(jstr(json_array_get(json_object_get(top, "children"), 0), "name"), "垃圾清运");
    json_decref(j);
    json_decref(get_ok(t_admin, "/api/v1/demands/categories"));
    /* only the admin or the street of the whole tree edit */
    json_decref(req(t_g0101, "POST", "/api/v1/demands/categories", "{\"name\":\"测试\",\"handle_days\":5,\"sign_days\":1}", 403));
    json_decref(req(t_c01, "POST", "/api/v1/demands/categories", "{\"name\":\"测试\",\"handle_days\":5,\"sign_days\":1}", 403));
    expect_400_field(t_street, "POST", "/api/v1/demands/categories",
                     "{\"parent_id\":1,\"name\":\"餐厨垃圾\",\"handle_days\":2,\"sign_days\":3}", "sign_days");
    expect_400_field(t_street, "POST", "/api/v1/demands/categories",
                     "{\"parent_id\":101,\"name\":\"三级\",\"handle_days\":2,\"sign_days\":1}", "parent_id");
    j = req(t_street, "POST", "/api/v1/demands/categories",
            "{\"parent_id\":1,\"name\":\"餐厨垃圾\",\"handle_days\":2,\"sign_days\":1}", 201);
    long long id = jint(j, "id");
    assert_int_equal(jint(j, "parent_id"), 1);
    json_decref(j);
    json_decref(req(t_admin, "POST", "/api/v1/demands/categories",
                    "{\"parent_id\":1,\"name\":\"餐厨垃圾\",\"handle_days\":2,\"sign_days\":1}", 409));
    j = req(t_admin, "PUT", fmt("/api/v1/demands/categories/%lld", id), "{\"handle_days\":4,\"active\":false}", 200);
    assert_int_equal(jint(j, "handle_days"), 4);
    assert_false(json_is_true(json_object_get(j, "active")));
    json_decref(j);
    /* an inactive category is not offered, nor filed under */
    j = get_ok(t_street, "/api/v1/demands/categories");
    char *tree = json_dumps(j, 0);
    assert_null(strstr(tree, "餐厨垃圾"));
    free(tree);
    json_decref(j);
    expect_400_field(t_street, "POST", "/api/v1/demands/orders",
                     fmt("{\"source\":\"walkin\",\"category_id\":%lld,\"grid_id\":%lld,\"address\":\"某路\","
                         "\"reporter_name\":\"张三\",\"content\":\"内容\"}", id, grid_a), "category_id");
    assert_true(total_of(t_auditor, "/api/v1/audit?action=demand_category_update") >= 1);
}

/* ---- the whole path ----------------------------------------------------------- */

static void order_path_with_refusals(void **state)
{
    (void)state;
    char *t_g0102 = login(&srv, "wangge0102", DEMO_PW), *t_c02 = login(&srv, "shequ02", DEMO_PW);
    const char *phone = new_phone();
    long long id = file_order(t_street, grid_a, 101, "牡丹路一号", phone);
    json_t *j = get_ok(t_street, fmt("/api/v1/demands/orders/%lld", id));
    const char *shown = jstr(j, "phone");
    assert_phone_masked(shown);
    assert_non_null(strstr(shown, "****"));
    assert_true(has_action(j, "assign"));
    assert_false(has_action(j, "sign"));
    json_decref(j);

    /* 交办: street only, to the order's grid or community */
    json_decref(act(t_g0101, id, "assign", fmt("{\"unit_id\":%lld}", grid_a), 403));
    expect_400_field(t_street, "POST", fmt("/api/v1/demands/orders/%lld/actions/assign", id),
                     fmt("{\"unit_id\":%lld}", c002), "unit_id");
    expect_400_field(t_street, "POST", fmt("/api/v1/demands/orders/%lld/actions/assign", id), "{}", "unit_id");
    j = act(t_street, id, "assign", fmt("{\"unit_id\":%lld}", grid_a), 200);
    assert_string_equal(jstr(j, "state"), "assigned");
    assert_string_equal(jstr(json_object_get(j, "assignee"), "kind"), "unit");
    assert_string_equal(jstr(j, "due_at"), jstr(j, "sign_due_at"));   /* 待签收 runs to the sign-for limit */
    assert_true(strcmp(jstr(j, "handle_due_at"), jstr(j, "sign_due_at")) > 0);   /* 3 working days > 1 */
    json_decref(j);

    /* another grid, another community: nothing */
    json_decref(req(t_g0102, "GET", fmt("/api/v1/demands/orders/%lld", id), NULL, 404));
    json_decref(act(t_g0102, id, "sign", "{}", 404));
    json_decref(req(t_c02, "GET", fmt("/api/v1/demands/orders/%lld", id), NULL, 404));
    assert_false(api_list_has(&srv, t_g0102, "/api/v1/demands/orders", id));
    assert_false(api_list_has(&srv, t_c02, "/api/v1/demands/orders", id));
    assert_true(api_list_has(&srv, t_c01, "/api/v1/demands/orders?mine=0", id));
    assert_true(api_list_has(&srv, t_g0101, "/api/v1/demands/orders?mine=1", id));

    /* 签收 by the grid; the handling limit is now the due time */
    j = act(t_g0101, id, "sign", "{}", 200);
    assert_string_equal(jstr(j, "state"), "handling");
    assert_string_equal(jstr(j, "due_at"), jstr(j, "handle_due_at"));
    json_decref(j);
    json_decref(act(t_g0101, id, "sign", "{}", 409));
    expect_400_field(t_g0101, "POST", fmt("/api/v1/demands/orders/%lld/actions/progress", id), "{}", "opinion");
    act_ok(t_g0101, id, "progress", "{\"opinion\":\"已联系环卫所\"}", "handling");

    /* 催办: logged, the state stays */
    json_decref(req(t_g0101, "POST", fmt("/api/v1/demands/orders/%lld/urge", id), "{\"note\":\"尽快\"}", 403));
    expect_400_field(t_c01, "POST", fmt("/api/v1/demands/orders/%lld/urge", id), "{}", "note");
    j = req(t_c01, "POST", fmt("/api/v1/demands/orders/%lld/urge", id), "{\"note\":\"居民再次来电，请加快\"}", 200);
    assert_string_equal(jstr(j, "state"), "handling");
    assert_int_equal(json_array_size(json_object_get(j, "urges")), 1);
    assert_string_equal(jstr(json_array_get(json_object_get(j, "urges"), 0), "note"), "居民再次来电，请加快");
    json_decref(j);

    /* 办结 needs the result and whether it was solved */
    expect_400_field(t_g0101, "POST", fmt("/api/v1/demands/orders/%lld/actions/finish", id),
                     "{\"opinion\":\"已清运\"}", "solved");
    expect_400_field(t_g0101, "POST", fmt("/api/v1/demands/orders/%lld/actions/finish", id), "{\"solved\":true}",
                     "opinion");
    j = act(t_g0101, id, "finish", "{\"opinion\":\"已清运\",\"solved\":true}", 200);
    assert_string_equal(jstr(j, "state"), "finished");
    assert_true(json_is_true(json_object_get(j, "solved")));
    assert_true(json_is_true(json_object_get(j, "callback_due")));
    json_decref(j);
    assert_true(api_list_has(&srv, t_street, "/api/v1/demands/orders?callback_due=1", id));

    /* 回访: not by the grid; dissatisfied once → redo; again → archived */
    json_decref(act(t_g0101, id, "callback", "{\"satisfaction\":\"satisfied\"}", 403));
    expect_400_field(t_street, "POST", fmt("/api/v1/demands/orders/%lld/actions/callback", id),
                     "{\"satisfaction\":\"ok\"}", "satisfaction");
    j = act(t_street, id, "callback", "{\"satisfaction\":\"dissatisfied\",\"opinion\":\"仍有垃圾\"}", 200);
    assert_string_equal(jstr(j, "state"), "handling");
    assert_int_equal(jint(j, "redo_count"), 1);
    assert_true(json_is_null(json_object_get(j, "solved")));
    json_decref(j);
    act_ok(t_g0101, id, "finish", "{\"opinion\":\"已解释：属物业责任\",\"solved\":false}", "finished");
    j = act(t_street, id, "callback", "{\"satisfaction\":\"dissatisfied\"}", 200);
    assert_string_equal(jstr(j, "state"), "archived");
    assert_string_equal(jstr(j, "satisfaction"), "dissatisfied");
    assert_false(json_is_true(json_object_get(j, "solved")));
    assert_int_equal(json_array_size(json_object_get(j, "actions")), 0);
    /* created, assign, sign, progress, finish, redo, finish, callback */
    assert_int_equal(json_array_size(json_object_get(j, "timeline")), 8);
    json_decref(j);
    json_decref(act(t_street, id, "assign", fmt("{\"unit_id\":%lld}", grid_a), 409));
    json_decref(act(t_g0101, id, "progress", "{\"opinion\":\"x\"}", 409));
    json_decref(req(t_c01, "POST", fmt("/api/v1/demands/orders/%lld/urge", id), "{\"note\":\"再催\"}", 409));
    assert_int_equal(total_of(t_auditor, fmt("/api/v1/audit?action=demand_order_step&entity=demand_order&entity_id=%lld", id)), 7);
    assert_int_equal(total_of(t_auditor, fmt("/api/v1/audit?action=demand_order_urge&entity=demand_order&entity_id=%lld", id)), 1);
    free(t_g0102);
    free(t_c02);
}

/* ---- 退单, 改派 and departments ------------------------------------------------------- */

static void return_reassign_and_department(void **state)
{
    (void)state;
    long long viewer_id = server_sql_int(&srv, "SELECT id FROM app_user WHERE username = 'bumen'");
    long long grid_user = server_sql_int(&srv, "SELECT id FROM app_user WHERE username = 'wangge0101'");
    json_t *j = req(t_street, "POST", "/api/v1/demands/departments", "{\"name\":\"城管执法中队\"}", 201);
    long long dept = jint(j, "id");
    json_decref(j);
    json_decref(req(t_street, "POST", "/api/v1/demands/departments", "{\"name\":\"城管执法中队\"}", 409));
    json_decref(req(t_c01, "POST", "/api/v1/demands/departments", "{\"name\":\"住建\"}", 403));
    /* a grid worker cannot act for a department */
    expect_400_field(t_street, "PUT", fmt("/api/v1/demands/departments/%lld", dept),
                     fmt("{\"member_ids\":[%lld]}", grid_user), "member_ids");
    j = req(t_street, "PUT", fmt("/api/v1/demands/departments/%lld", dept), fmt("{\"member_ids\":[%lld]}", viewer_id),
            200);
    assert_int_equal(json_array_size(json_object_get(j, "members")), 1);
    json_decref(j);
    assert_true(api_list_has(&srv, t_g0101, "/api/v1/demands/departments", dept));

    long long other = file_order(t_street, grid_a, 701, "牡丹路二号", new_phone());
    long long id = file_order(t_street, grid_a, 702, "牡丹路三号", new_phone());
    act_ok(t_street, id, "assign", fmt("{\"unit_id\":%lld}", grid_a), "assigned");
    /* 退单 needs a reason; it goes back to the desk */
    expect_400_field(t_g0101, "POST", fmt("/api/v1/demands/orders/%lld/actions/return", id), "{}", "opinion");
    j = act(t_g0101, id, "return", "{\"opinion\":\"属城管职责\"}", 200);
    assert_string_equal(jstr(j, "state"), "registered");
    assert_true(json_is_null(json_object_get(j, "assignee")));
    assert_int_equal(jint(j, "return_count"), 1);
    json_decref(j);
    act_ok(t_street, id, "assign", fmt("{\"unit_id\":%lld}", c001), "assigned");
    /* 改派 to the department, with a reason */
    expect_400_field(t_street, "POST", fmt("/api/v1/demands/orders/%lld/actions/reassign", id),
                     fmt("{\"department_id\":%lld}", dept), "opinion");
    j = act(t_street, id, "reassign", fmt("{\"department_id\":%lld,\"opinion\":\"夜间施工噪音归城管\"}", dept), 200);
    assert_string_equal(jstr(json_object_get(j, "assignee"), "kind"), "department");
    assert_string_equal(jstr(json_object_get(j, "assignee"), "name"), "城管执法中队");
    json_decref(j);
    /* the grid no longer signs; the department's account does, and sees only its orders */
    json_decref(act(t_g0101, id, "sign", "{}", 403));
    json_decref(act(t_c01, id, "sign", "{}", 403));
    json_decref(req(t_viewer, "GET", fmt("/api/v1/demands/orders/%lld", other), NULL, 404));
    assert_int_equal(total_of(t_viewer, "/api/v1/demands/orders"), 1);
    assert_true(api_list_has(&srv, t_viewer, "/api/v1/demands/orders?mine=1", id));
    j = get_ok(t_viewer, fmt("/api/v1/demands/orders/%lld", id));
    assert_true(has_action(j, "sign"));
    assert_false(has_action(j, "reassign"));
    json_decref(j);
    /* the same complaint again: the desk sees it as a possible duplicate, the department sees no other order */
    long long again = file_order(t_street, grid_a, 702, "牡丹路三号", new_phone());
    j = get_ok(t_street, fmt("/api/v1/demands/orders/%lld", id));
    assert_int_equal(jint(json_array_get(json_object_get(j, "possible_duplicates"), 0), "id"), again);
    json_decref(j);
    j = get_ok(t_viewer, fmt("/api/v1/demands/orders/%lld", id));
    assert_int_equal(json_array_size(json_object_get(j, "possible_duplicates")), 0);
    json_decref(j);
    act_ok(t_viewer, id, "sign", "{}", "handling");
    json_decref(act(t_viewer, id, "reassign", fmt("{\"unit_id\":%lld,\"opinion\":\"x\"}", grid_a), 403));
    json_decref(req(t_viewer, "POST", fmt("/api/v1/demands/orders/%lld/urge", id), "{\"note\":\"x\"}", 403));
    json_decref(req(t_viewer, "POST", "/api/v1/demands/orders",
                    fmt("{\"source\":\"walkin\",\"category_id\":1,\"grid_id\":%lld,\"address\":\"某路\","
                        "\"reporter_name\":\"张三\",\"content\":\"内容\"}", grid_a), 403));
    act_ok(t_viewer, id, "finish", "{\"opinion\":\"已责令停工\",\"solved\":true}", "finished");
    act_ok(t_c01, id, "callback", "{\"satisfaction\":\"basic\"}", "archived");
    /* the department account leaves: it reads like a plain viewer again */
    json_decref(req(t_street, "PUT", fmt("/api/v1/demands/departments/%lld", dept), "{\"member_ids\":[]}", 200));
    assert_true(api_list_has(&srv, t_viewer, "/api/v1/demands/orders", other));
}

/* ---- duplicates ------------------------------------------------------------------ */

static int dup_listed(json_t *order, long long other, const char *reason)
{
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(order, "possible_duplicates"), i, d) {
        if (jint(d, "id") == other)
            return reason ? json_array_has_str(json_object_get(d, "reasons"), reason) : 1;
    }
    return 0;
}

static void duplicates_flagged_and_decided(void **state)
{
    (void)state;
    const char *phone = new_phone(), *phone2 = new_phone();
    long long first = file_order(t_street, grid_a, 102, "丹阳路八号", phone);
    json_t *j = req(t_street, "POST", "/api/v1/demands/orders",
                    fmt("{\"source\":\"walkin\",\"category_id\":203,\"grid_id\":%lld,\"address\":\"别处\","
                        "\"reporter_name\":\"李四\",\"phone\":\"%s\",\"content\":\"同一人又来反映\"}", grid_a, phone),
                    201);
    long long second = jint(j, "id");
    assert_true(dup_listed(j, first, "same_phone"));
    assert_false(dup_listed(j, first, "same_place"));
    json_decref(j);
    j = req(t_g0101, "POST", "/api/v1/demands/orders",
            fmt("{\"source\":\"patrol\",\"category_id\":102,\"grid_id\":%lld,\"address\":\"丹阳路八号\","
                "\"reporter_name\":\"赵五\",\"phone\":\"%s\",\"content\":\"巡查发现道路脏乱\"}", grid_a, phone2),
            201);
    long long third = jint(j, "id");
    assert_true(dup_listed(j, first, "same_place"));
    assert_false(dup_listed(j, second, NULL));
    json_decref(j);
    /* a top-level category lists its sub-categories' orders */
    assert_true(api_list_has(&srv, t_street, "/api/v1/demands/orders?category_id=1&state=registered", third));
    assert_false(api_list_has(&srv, t_street, "/api/v1/demands/orders?category_id=2", third));
    assert_true(api_list_has(&srv, t_street, "/api/v1/demands/orders?source=patrol", third));
    assert_false(api_list_has(&srv, t_street, "/api/v1/demands/orders?source=petition", third));

    /* not a duplicate: kept, and never flagged again for that pair */
    json_decref(req(t_c01, "POST", fmt("/api/v1/demands/orders/%lld/duplicate", second),
                    fmt("{\"other_id\":%lld,\"decision\":\"distinct\"}", first), 403));
    expect_400_field(t_street, "POST", fmt("/api/v1/demands/orders/%lld/duplicate", second),
                     fmt("{\"other_id\":%lld,\"decision\":\"maybe\"}", first), "decision");
    j = req(t_street, "POST", fmt("/api/v1/demands/orders/%lld/duplicate", second),
            fmt("{\"other_id\":%lld,\"decision\":\"distinct\"}", first), 200);
    assert_string_equal(jstr(j, "state"), "registered");
    assert_false(dup_listed(j, first, NULL));
    json_decref(j);
    j = get_ok(t_street, fmt("/api/v1/demands/orders/%lld", first));
    assert_false(dup_listed(j, second, NULL));
    assert_true(dup_listed(j, third, "same_place"));
    json_decref(j);
    json_decref(req(t_street, "POST", fmt("/api/v1/demands/orders/%lld/duplicate", first),
                    fmt("{\"other_id\":%lld,\"decision\":\"merge\"}", second), 409));

    /* merge: the third goes into the first */
    j = req(t_street, "POST", fmt("/api/v1/demands/orders/%lld/duplicate", third),
            fmt("{\"other_id\":%lld,\"decision\":\"merge\"}", first), 200);
    assert_string_equal(jstr(j, "state"), "merged");
    assert_int_equal(jint(j, "merged_into"), first);
    json_decref(j);
    j = get_ok(t_street, fmt("/api/v1/demands/orders/%lld", first));
    assert_false(dup_listed(j, third, NULL));
    json_decref(j);
    assert_int_equal(total_of(t_auditor, "/api/v1/audit?action=demand_duplicate_decide"), 2);
}

/* ---- deadlines and flags ------------------------------------------------------------ */

static void overdue_supervised_unsigned(void **state)
{
    (void)state;
    long long id = file_order(t_street, grid_a, 601, "牡丹路九号", new_phone());
    act_ok(t_street, id, "assign", fmt("{\"unit_id\":%lld}", grid_a), "assigned");
    assert_false(api_list_has(&srv, t_street, "/api/v1/demands/orders?overdue=1", id));
    /* the limits ran out (as a week without work would leave them) */
    server_sql(&srv, fmt("UPDATE demand_order SET sign_due_at = '2025-01-02 15:59:59',"
                         " handle_due_at = '2025-01-06 15:59:59' WHERE id = %lld", id));
    server_sql(&srv, fmt("UPDATE wf_case SET due_at = '2025-01-02 15:59:59' WHERE id = %lld", id));
    assert_true(api_list_has(&srv, t_street, "/api/v1/demands/orders?overdue=1", id));
    assert_true(api_list_has(&srv, t_street, "/api/v1/demands/orders?supervised=1", id));
    assert_true(api_list_has(&srv, t_c01, "/api/v1/demands/orders?unsigned=1", id));
    json_t *j = item_with_id(t_street, "/api/v1/demands/orders?overdue=1", id);
    assert_true(json_is_true(json_object_get(j, "overdue")));
    assert_true(json_is_true(json_object_get(j, "supervised")));
    assert_true(json_is_true(json_object_get(j, "unsigned_late")));
    json_decref(j);
    j = act(t_g0101, id, "sign", "{}", 200);
    assert_string_equal(jstr(j, "due_at"), "2025-01-06 15:59:59");   /* the handling due time fixed at 交办 */
    assert_false(json_is_true(json_object_get(j, "unsigned_late")));
    json_decref(j);
    act_ok(t_g0101, id, "finish", "{\"opinion\":\"已处理\",\"solved\":true}", "finished");
    /* finished late: no longer overdue, still 督办 */
    assert_false(api_list_has(&srv, t_street, "/api/v1/demands/orders?overdue=1", id));
    assert_true(api_list_has(&srv, t_street, "/api/v1/demands/orders?supervised=1", id));
    /* the callback's working day ran out too */
    j = item_with_id(t_street, "/api/v1/demands/orders?callback_due=1", id);
    assert_false(json_is_true(json_object_get(j, "callback_late")));
    json_decref(j);
    server_sql(&srv, fmt("UPDATE wf_case SET due_at = '2025-01-07 15:59:59' WHERE id = %lld", id));
    j = item_with_id(t_street, "/api/v1/demands/orders?callback_due=1", id);
    assert_true(json_is_true(json_object_get(j, "callback_late")));
    json_decref(j);
}

/* ---- intake ------------------------------------------------------------------------ */

static void intake_refusals_and_phone_at_rest(void **state)
{
    (void)state;
    char *t_g0102 = login(&srv, "wangge0102", DEMO_PW);
    const char *base = "\"category_id\":101,\"address\":\"某路\",\"reporter_name\":\"张三\",\"content\":\"内容\"";
    expect_400_field(t_street, "POST", "/api/v1/demands/orders",
                     fmt("{\"source\":\"hotline\",\"grid_id\":%lld,%s}", grid_a, base), "hotline_no");
    expect_400_field(t_street, "POST", "/api/v1/demands/orders",
                     fmt("{\"source\":\"walkin\",\"hotline_no\":\"X1\",\"grid_id\":%lld,%s}", grid_a, base), "hotline_no");
    expect_400_field(t_street, "POST", "/api/v1/demands/orders",
                     fmt("{\"source\":\"fax\",\"grid_id\":%lld,%s}", grid_a, base), "source");
    expect_400_field(t_street, "POST", "/api/v1/demands/orders",
                     fmt("{\"source\":\"walkin\",\"grid_id\":%lld,%s,\"phone\":\"12ab\"}", grid_a, base), "phone");
    expect_400_field(t_street, "POST", "/api/v1/demands/orders",
                     fmt("{\"source\":\"walkin\",\"grid_id\":%lld,%s,\"urgency\":\"now\"}", grid_a, base), "urgency");
    expect_400_field(t_street, "POST", "/api/v1/demands/orders",
                     fmt("{\"source\":\"walkin\",\"grid_id\":%lld,\"category_id\":101,\"address\":\"某路\","
                         "\"reporter_name\":\"张三\",\"content\":\"   \"}", grid_a), "content");
    expect_400_field(t_street, "POST", "/api/v1/demands/orders",
                     fmt("{\"source\":\"walkin\",\"grid_id\":%lld,%s,\"point\":{\"lng\":0,\"lat\":0}}", grid_a, base),
                     "point");
    expect_400_field(t_street, "POST", "/api/v1/demands/orders",
                     fmt("{\"source\":\"walkin\",\"grid_id\":%lld,\"category_id\":101,\"address\":\"某路\","
                         "\"content\":\"内容\"}", grid_a), "reporter_name");
    expect_400_field(t_street, "POST", "/api/v1/demands/orders",
                     fmt("{\"source\":\"walkin\",\"grid_id\":%lld,%s,\"attachments\":[\"\"]}", grid_a, base),
                     "attachments");
    /* a grid worker files in their own grid only */
    expect_400_field(t_g0102, "POST", "/api/v1/demands/orders",
                     fmt("{\"source\":\"patrol\",\"grid_id\":%lld,%s}", grid_a, base), "grid_id");
    expect_400_field(t_street, "GET", "/api/v1/demands/orders?page_size=30", NULL, "page_size");
    expect_400_field(t_street, "GET", "/api/v1/demands/orders?state=done", NULL, "state");
    json_t *j = req(t_street, "POST", "/api/v1/demands/orders",
                    fmt("{\"source\":\"hotline\",\"hotline_no\":\"GD-20260101-0007\",\"grid_id\":%lld,%s,"
                        "\"phone\":\"13912345678\",\"urgency\":\"urgent\",\"point\":{\"lng\":115.48,\"lat\":35.24},"
                        "\"attachments\":[\"现场照片.jpg\"]}", grid_a, base),
                    201);
    long long id = jint(j, "id");
    assert_string_equal(jstr(j, "phone"), "139****5678");
    assert_string_equal(jstr(j, "reporter_name"), "张三");
    assert_string_equal(jstr(j, "urgency"), "urgent");
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "attachments"), 0)), "现场照片.jpg");
    json_t *pt = json_object_get(j, "point");
    assert_true(fabs(json_number_value(json_object_get(pt, "lng")) - 115.48) < 1e-6);
    assert_true(fabs(json_number_value(json_object_get(pt, "lat")) - 35.24) < 1e-6);
    json_decref(j);
    json_decref(req(t_street, "POST", "/api/v1/demands/orders",
                    fmt("{\"source\":\"hotline\",\"hotline_no\":\"GD-20260101-0007\",\"grid_id\":%lld,%s}", grid_a, base),
                    409));
    /* lists mask the name too, and nothing in the reply rebuilds the phone */
    j = item_with_id(t_street, "/api/v1/demands/orders?source=hotline", id);
    assert_string_equal(jstr(j, "reporter_name"), "张*");
    char *dump = json_dumps(j, 0);
    assert_null(strstr(dump, "12345678"));
    free(dump);
    json_decref(j);
    /* a registered resident as the reporter: name and phone come from the registry */
    long long hh = create_household(t_street, "T-WO-H1", grid_a, 0), hh_b = create_household(t_street, "T-WO-H2", grid_b, 0);
    long long rid = create_resident(t_street, hh, new_id(), "孙诉求", ",\"relation\":\"户主\",\"phone\":\"13711112222\"");
    long long rid_b = create_resident(t_street, hh_b, new_id(), "周诉求", ",\"relation\":\"户主\"");
    j = req(t_g0101, "POST", "/api/v1/demands/orders",
            fmt("{\"source\":\"patrol\",\"category_id\":401,\"grid_id\":%lld,\"address\":\"楼上漏水\","
                "\"resident_id\":%lld,\"content\":\"楼上漏水到我家\"}", grid_a, rid),
            201);
    assert_string_equal(jstr(j, "reporter_name"), "孙诉求");
    assert_string_equal(jstr(j, "phone"), "137****2222");
    assert_int_equal(jint(j, "resident_id"), rid);
    json_decref(j);
    expect_400_field(t_g0101, "POST", "/api/v1/demands/orders",
                     fmt("{\"source\":\"patrol\",\"category_id\":401,\"grid_id\":%lld,\"address\":\"某处\","
                         "\"resident_id\":%lld,\"content\":\"内容\"}", grid_a, rid_b), "resident_id");

    size_t len;
    char *bytes = server_db_bytes(&srv, &len);
    assert_null(memmem(bytes, len, "13912345678", 11));
    free(bytes);
    free(t_g0102);
}

/* keys rotate re-encrypts the reporter's phone and recomputes its blind
 * index: the page still shows it masked and the duplicate is still found. */
static void key_rotation_keeps_the_phone_and_the_match(void **state)
{
    (void)state;
    const char *phone = new_phone();
    char keep[16];
    snprintf(keep, sizeof keep, "%s", phone);
    long long first = file_order(t_street, grid_a, 403, "轮换路一号", keep);
    long long second = file_order(t_street, grid_a, 303, "轮换路二号", keep);
    char before[40];
    snprintf(before, sizeof before, "%lld",
             server_sql_int(&srv, fmt("SELECT COUNT(*) FROM demand_order WHERE phone_enc LIKE 'e1:%%' AND id IN (%lld, %lld)",
                                      first, second)));
    assert_string_equal(before, "2");
    assert_int_equal(server_halt(&srv), 0);
    const char *rotate[] = {"keys", "rotate", NULL};
    assert_int_equal(run_cli(&srv, rotate, NULL, NULL), 0);
    assert_int_equal(server_launch(&srv, NULL), 0);
    assert_int_equal(server_sql_int(&srv, "SELECT COUNT(*) FROM demand_order WHERE phone_enc NOT LIKE 'e2:%'"), 0);
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(DISTINCT phone_bidx) FROM demand_order WHERE id IN (%lld, %lld)",
                                              first, second)), 1);
    char *tok = login(&srv, "jiedao", DEMO_PW);
    assert_non_null(tok);
    json_t *j = get_ok(tok, fmt("/api/v1/demands/orders/%lld", second));
    assert_string_equal(jstr(j, "phone"), fmt("%.3s****%s", keep, keep + 7));
    assert_true(dup_listed(j, first, "same_phone"));
    json_decref(j);
    free(tok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(categories_tree_and_edits),
        cmocka_unit_test(order_path_with_refusals),
        cmocka_unit_test(return_reassign_and_department),
        cmocka_unit_test(duplicates_flagged_and_decided),
        cmocka_unit_test(overdue_supervised_unsigned),
        cmocka_unit_test(intake_refusals_and_phone_at_rest),
        cmocka_unit_test(key_rotation_keeps_the_phone_and_the_match),   /* last: it restarts the server */
    };
    return cmocka_run_group_tests_name("api_demands_orders", tests, registry_setup, registry_teardown);
}
