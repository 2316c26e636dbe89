/* test_registry.c — the registry as permitted users use it: the org
 * tree with counts, org units, households (create, update, move, close),
 * residents (create with validation, view with masking and audited full
 * ID numbers, update, move, status, history), search, pagination and
 * sorting, statistics that agree with the lists, and the read-only
 * viewer — against the real server, checking the effects by reading
 * them back through the API. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define STREET_CODE "371702001"
#define C001_CODE "371702001001"
#define C002_CODE "371702001002"
#define GRID_A_CODE "371702001001-01"
#define GRID_B_CODE "371702001001-02"
#define BLD_A1_CODE "371702001001-01-B01"
#define BLD_B1_CODE "371702001001-02-B01"

static test_server srv;
static char *t_admin, *t_auditor, *t_street, *t_c01, *t_g0101, *t_viewer;
static long long street_id, c001, c002, grid_a, grid_b, bld_a1, bld_b1;

/* ---- helpers ------------------------------------------------------------- */

#define req(tok, method, path, body, want) api_expect(&srv, tok, method, path, body, want)
#define get_ok(tok, path) api_get_ok(&srv, tok, path)
#define total_of(tok, path) api_total(&srv, tok, path)

static const char *err_field(json_t *j)
{
    const char *f = json_string_value(json_object_get(json_object_get(j, "error"), "field"));
    return f ? f : "";
}

static const char *err_message(json_t *j)
{
    const char *m = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
    return m ? m : "";
}

/* A 400 naming `field`. */
static void expect_400_field(const char *tok, const char *method, const char *path, const char *body, const char *field)
{
    json_t *j = req(tok, method, path, body, 400);
    assert_string_equal(err_code(j), "bad_request");
    assert_string_equal(err_field(j), field);
    json_decref(j);
}

static int has_non_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return 1;
    return 0;
}

#define new_id() fresh_id("110101")

static long long create_household(const char *tok, const char *code, long long grid, long long building)
{
    char body[512];
    if (building)
        snprintf(body, sizeof body,
                 "{\"code\":\"%s\",\"grid_id\":%lld,\"building_id\":%lld,\"address\":\"菏泽市牡丹区测试路%s号\"}",
                 code, grid, building, code);
    else
        snprintf(body, sizeof body, "{\"code\":\"%s\",\"grid_id\":%lld,\"address\":\"菏泽市牡丹区测试路%s号\"}",
                 code, grid, code);
    json_t *j = req(tok, "POST", "/api/v1/households", body, 201);
    long long id = jint(j, "id");
    assert_true(id > 0);
    json_decref(j);
    return id;
}

/* extra: more JSON members starting with a comma, or "". */
static long long create_resident(const char *tok, long long hh, const char *idn, const char *name, const char *extra)
{
    char body[1024];
    snprintf(body, sizeof body, "{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"%s\"%s}", hh, idn, name, extra);
    json_t *j = req(tok, "POST", "/api/v1/residents", body, 201);
    long long id = jint(j, "id");
    assert_true(id > 0);
    assert_string_equal(jstr(j, "name"), name);
    assert_int_equal(jint(j, "household_id"), hh);
    json_decref(j);
    return id;
}

static int json_array_has_str(json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
            return 1;
    return 0;
}

static int members_have(json_t *hh, long long rid)
{
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(hh, "members"), i, m)
        if (jint(m, "id") == rid)
            return 1;
    return 0;
}

/* The item of GET /org-units?parent_id=parent whose id is `id` (new ref). */
static json_t *child_unit(const char *tok, long long parent, long long id)
{
    json_t *j = get_ok(tok, fmt("/api/v1/org-units?parent_id=%lld", parent));
    size_t i;
    json_t *it, *hit = NULL;
    json_array_foreach(json_object_get(j, "items"), i, it)
        if (jint(it, "id") == id)
            hit = json_incref(it);
    json_decref(j);
    assert_non_null(hit);
    return hit;
}

static long long unit_residents(long long parent, long long id)
{
    json_t *u = child_unit(t_street, parent, id);
    long long n = jint(u, "resident_count");
    json_decref(u);
    return n;
}

/* Index of the last history event of `kind`, -1 when none. */
static json_t *last_event(json_t *hist, const char *kind)
{
    json_t *items = json_object_get(hist, "items"), *hit = NULL;
    size_t i;
    json_t *e;
    json_array_foreach(items, i, e)
        if (strcmp(jstr(e, "kind"), kind) == 0)
            hit = e;
    return hit;
}

/* "110101********1234": 6 visible, 8 stars, 4 visible, matching the real number. */
static void assert_masked_like(const char *shown, const char *real)
{
    assert_non_null(shown);
    assert_int_equal(strlen(shown), 18);
    assert_memory_equal(shown, real, 6);
    assert_memory_equal(shown + 6, "********", 8);
    assert_memory_equal(shown + 14, real + 14, 4);
}

static void assert_masked_shape(const char *shown)
{
    assert_non_null(shown);
    assert_int_equal(strlen(shown), 18);
    for (int i = 0; i < 6; i++)
        assert_true(shown[i] >= '0' && shown[i] <= '9');
    assert_memory_equal(shown + 6, "********", 8);
    for (int i = 14; i < 17; i++)
        assert_true(shown[i] >= '0' && shown[i] <= '9');
}

/* A masked phone: shows '*' and never 11 consecutive digits. */
static void assert_phone_masked(const char *p)
{
    assert_non_null(p);
    assert_non_null(strchr(p, '*'));
    int run = 0, max = 0;
    for (const char *c = p; *c; c++) {
        run = (*c >= '0' && *c <= '9') ? run + 1 : 0;
        if (run > max)
            max = run;
    }
    assert_true(max < 7);
}

/* ---- fixture ------------------------------------------------------------- */

static int setup(void **state)
{
    if (server_start(&srv, 300, NULL) != 0)
        return -1;
    t_admin = login(&srv, "admin", DEMO_PW);
    t_auditor = login(&srv, "auditor", DEMO_PW);
    t_street = login(&srv, "jiedao", DEMO_PW);
    t_c01 = login(&srv, "shequ01", DEMO_PW);
    t_g0101 = login(&srv, "wangge0101", DEMO_PW);
    t_viewer = login(&srv, "bumen", DEMO_PW);
    if (!t_admin || !t_auditor || !t_street || !t_c01 || !t_g0101 || !t_viewer)
        return -1;
    street_id = org_id_by_code(&srv, t_admin, STREET_CODE);
    c001 = org_id_by_code(&srv, t_admin, C001_CODE);
    c002 = org_id_by_code(&srv, t_admin, C002_CODE);
    grid_a = org_id_by_code(&srv, t_admin, GRID_A_CODE);
    grid_b = org_id_by_code(&srv, t_admin, GRID_B_CODE);
    bld_a1 = org_id_by_code(&srv, t_admin, BLD_A1_CODE);
    bld_b1 = org_id_by_code(&srv, t_admin, BLD_B1_CODE);
    if (!street_id || !c001 || !c002 || !grid_a || !grid_b || !bld_a1 || !bld_b1) {
        fprintf(stderr, "test_registry: demo org units not found\n");
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    free(t_admin);
    free(t_auditor);
    free(t_street);
    free(t_c01);
    free(t_g0101);
    free(t_viewer);
    return server_stop(&srv);
}

/* ---- org tree -------------------------------------------------------------- */

static void sum_children(const char *tok, long long parent, const char *kind, long long *hh, long long *res,
                         size_t *n)
{
    json_t *j = get_ok(tok, fmt("/api/v1/org-units?parent_id=%lld", parent));
    json_t *items = json_object_get(j, "items");
    size_t i;
    json_t *it;
    *hh = *res = 0;
    *n = json_array_size(items);
    json_array_foreach(items, i, it) {
        assert_string_equal(jstr(it, "kind"), kind);
        assert_int_equal(jint(it, "parent_id"), parent);
        assert_true(json_is_integer(json_object_get(it, "resident_count")));
        assert_true(json_is_integer(json_object_get(it, "household_count")));
        assert_true(json_is_integer(json_object_get(it, "child_count")));
        *hh += jint(it, "household_count");
        *res += jint(it, "resident_count");
    }
    json_decref(j);
}

static void org_tree_counts_add_up(void **state)
{
    /* No parent: the caller's own unit, as a one-item list. */
    json_t *j = get_ok(t_street, "/api/v1/org-units");
    assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
    json_t *st = json_array_get(json_object_get(j, "items"), 0);
    assert_int_equal(jint(st, "id"), street_id);
    assert_string_equal(jstr(st, "kind"), "street");
    assert_string_equal(jstr(st, "code"), STREET_CODE);
    assert_int_equal(jint(st, "child_count"), 33);
    long long street_hh = jint(st, "household_count"), street_res = jint(st, "resident_count");
    json_decref(j);
    assert_int_equal(street_hh, 300);
    assert_true(street_res > 300);

    long long hh, res;
    size_t n;
    sum_children(t_street, street_id, "community", &hh, &res, &n);
    assert_int_equal(n, 33);
    assert_int_equal(hh, street_hh);
    assert_int_equal(res, street_res);

    /* A community's counts are the sums of its grids'. */
    json_t *c = child_unit(t_street, street_id, c001);
    assert_int_equal(jint(c, "child_count"), 4);
    long long c_hh = jint(c, "household_count"), c_res = jint(c, "resident_count");
    json_decref(c);
    sum_children(t_street, c001, "grid", &hh, &res, &n);
    assert_int_equal(n, 4);
    assert_int_equal(hh, c_hh);
    assert_int_equal(res, c_res);
    assert_true(c_res > 0);

    /* A grid's are the sums of its buildings' (every demo household has one). */
    json_t *g = child_unit(t_street, c001, grid_a);
    long long g_hh = jint(g, "household_count"), g_res = jint(g, "resident_count");
    json_decref(g);
    sum_children(t_street, grid_a, "building", &hh, &res, &n);
    assert_true(n >= 12);
    assert_int_equal(hh, g_hh);
    assert_int_equal(res, g_res);

    /* The counts agree with the lists. */
    assert_int_equal(total_of(t_street, "/api/v1/residents?page_size=1"), street_res);
    assert_int_equal(total_of(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=1", c001)), c_res);
    assert_int_equal(total_of(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=1", grid_a)), g_res);
    assert_int_equal(total_of(t_street, fmt("/api/v1/households?org_unit_id=%lld&page_size=1", c001)), c_hh);
    assert_int_equal(total_of(t_street, "/api/v1/households?page_size=1"), street_hh);

    /* One unit with its breadcrumb. */
    j = get_ok(t_street, fmt("/api/v1/org-units/%lld", grid_a));
    assert_string_equal(jstr(j, "kind"), "grid");
    assert_string_equal(jstr(j, "code"), GRID_A_CODE);
    assert_int_equal(jint(j, "parent_id"), c001);
    json_t *anc = json_object_get(j, "ancestors");
    assert_int_equal(json_array_size(anc), 2);
    assert_int_equal(jint(json_array_get(anc, 0), "id"), street_id);
    assert_int_equal(jint(json_array_get(anc, 1), "id"), c001);
    json_decref(j);
    /* The grid worker's breadcrumb stops at their own unit. */
    j = get_ok(t_g0101, fmt("/api/v1/org-units/%lld", bld_a1));
    anc = json_object_get(j, "ancestors");
    assert_int_equal(json_array_size(anc), 1);
    assert_int_equal(jint(json_array_get(anc, 0), "id"), grid_a);
    json_decref(j);
}

static void org_unit_create_and_update(void **state)
{
    json_t *j = req(t_c01, "POST", "/api/v1/org-units",
                    fmt("{\"parent_id\":%lld,\"code\":\"371702001001-09\",\"name\":\"测试第九网格\","
                        "\"leader_name\":\"王测试\",\"leader_phone\":\"13900001111\"}", c001), 201);
    long long g9 = jint(j, "id");
    assert_true(g9 > 0);
    assert_string_equal(jstr(j, "kind"), "grid");        /* kind follows the parent */
    assert_int_equal(jint(j, "parent_id"), c001);
    assert_string_equal(jstr(j, "code"), "371702001001-09");
    assert_string_equal(jstr(j, "leader_phone"), "13900001111");
    json_decref(j);
    j = get_ok(t_c01, fmt("/api/v1/org-units/%lld", g9));
    assert_string_equal(jstr(j, "kind"), "grid");
    assert_string_equal(jstr(j, "name"), "测试第九网格");
    json_decref(j);
    j = get_ok(t_c01, fmt("/api/v1/org-units?parent_id=%lld", c001));
    assert_int_equal(json_array_size(json_object_get(j, "items")), 5);
    json_decref(j);

    /* Audited with the after image. */
    j = get_ok(t_auditor, fmt("/api/v1/audit?action=create&entity=org_unit&entity_id=%lld", g9));
    assert_int_equal(jint(j, "total"), 1);
    json_t *a = json_array_get(json_object_get(j, "items"), 0);
    assert_string_equal(jstr(a, "username"), "shequ01");
    assert_string_equal(jstr(json_object_get(a, "after"), "code"), "371702001001-09");
    json_decref(j);

    /* Duplicate code: 409, nothing added. */
    j = req(t_c01, "POST", "/api/v1/org-units",
            fmt("{\"parent_id\":%lld,\"code\":\"371702001001-09\",\"name\":\"重复\"}", c001), 409);
    assert_string_equal(err_code(j), "conflict");
    assert_string_equal(err_field(j), "code");
    json_decref(j);
    j = get_ok(t_c01, fmt("/api/v1/org-units?parent_id=%lld", c001));
    assert_int_equal(json_array_size(json_object_get(j, "items")), 5);
    json_decref(j);

    /* Under a grid: a building. */
    j = req(t_c01, "POST", "/api/v1/org-units",
            fmt("{\"parent_id\":%lld,\"code\":\"371702001001-09-B01\",\"name\":\"测试1号楼\"}", g9), 201);
    long long b = jint(j, "id");
    assert_string_equal(jstr(j, "kind"), "building");
    json_decref(j);
    /* Nothing under a building. */
    expect_400_field(t_c01, "POST", "/api/v1/org-units",
                     fmt("{\"parent_id\":%lld,\"code\":\"371702001001-09-B01-1\",\"name\":\"一单元\"}", b), "parent_id");
    j = get_ok(t_c01, fmt("/api/v1/org-units?parent_id=%lld", b));
    assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);
    /* Bad code and phone. */
    expect_400_field(t_c01, "POST", "/api/v1/org-units",
                     fmt("{\"parent_id\":%lld,\"code\":\"有 空格\",\"name\":\"x\"}", c001), "code");
    expect_400_field(t_c01, "POST", "/api/v1/org-units",
                     fmt("{\"parent_id\":%lld,\"code\":\"371702001001-08\",\"name\":\"x\",\"leader_phone\":\"123\"}", c001),
                     "leader_phone");

    /* The street creates communities. */
    j = req(t_street, "POST", "/api/v1/org-units",
            fmt("{\"parent_id\":%lld,\"code\":\"371702001099\",\"name\":\"测试社区\"}", street_id), 201);
    assert_string_equal(jstr(j, "kind"), "community");
    json_decref(j);
    /* Grid workers create nothing. */
    j = req(t_g0101, "POST", "/api/v1/org-units",
            fmt("{\"parent_id\":%lld,\"code\":\"371702001001-01-B99\",\"name\":\"x\"}", grid_a), 403);
    assert_string_equal(err_code(j), "forbidden");
    json_decref(j);

    /* PATCH: community renames its grid. */
    j = req(t_c01, "PATCH", fmt("/api/v1/org-units/%lld", g9), "{\"name\":\"测试网格改名\",\"notes\":\"备注\"}", 200);
    assert_string_equal(jstr(j, "name"), "测试网格改名");
    assert_string_equal(jstr(j, "leader_name"), "王测试");   /* untouched fields stay */
    json_decref(j);
    j = get_ok(t_street, fmt("/api/v1/org-units/%lld", g9));
    assert_string_equal(jstr(j, "name"), "测试网格改名");
    json_decref(j);
    /* Grid worker: own grid's buildings only. */
    j = req(t_g0101, "PATCH", fmt("/api/v1/org-units/%lld", grid_a), "{\"name\":\"改名\"}", 403);
    assert_string_equal(err_code(j), "forbidden");
    json_decref(j);
    j = get_ok(t_street, fmt("/api/v1/org-units/%lld", grid_a));
    assert_string_not_equal(jstr(j, "name"), "改名");
    json_decref(j);
    j = req(t_g0101, "PATCH", fmt("/api/v1/org-units/%lld", bld_a1), "{\"leader_name\":\"李楼长\"}", 200);
    assert_string_equal(jstr(j, "leader_name"), "李楼长");
    json_decref(j);
    j = get_ok(t_street, fmt("/api/v1/org-units/%lld", bld_a1));
    assert_string_equal(jstr(j, "leader_name"), "李楼长");
    json_decref(j);
}

/* ---- households ------------------------------------------------------------ */

static void household_create_update_move_close(void **state)
{
    json_t *j = req(t_c01, "POST", "/api/v1/households",
                    fmt("{\"code\":\"T-REG-H1\",\"grid_id\":%lld,\"building_id\":%lld,"
                        "\"address\":\"菏泽市牡丹区测试路1号1单元101室\",\"phone\":\"139-0000-2222\"}", grid_a, bld_a1),
                    201);
    long long hh = jint(j, "id");
    assert_string_equal(jstr(j, "code"), "T-REG-H1");
    assert_int_equal(jint(j, "grid_id"), grid_a);
    assert_int_equal(jint(j, "building_id"), bld_a1);
    assert_string_equal(jstr(j, "status"), "active");
    assert_int_equal(jint(j, "member_count"), 0);
    assert_string_equal(jstr(j, "phone"), "13900002222");   /* normalised */
    json_decref(j);

    /* Rejected creates. */
    j = req(t_c01, "POST", "/api/v1/households",
            fmt("{\"code\":\"T-REG-H1\",\"grid_id\":%lld,\"address\":\"x\"}", grid_a), 409);
    assert_string_equal(err_code(j), "conflict");
    json_decref(j);
    expect_400_field(t_c01, "POST", "/api/v1/households",
                     fmt("{\"code\":\"T-REG-H1b\",\"grid_id\":%lld,\"building_id\":%lld,\"address\":\"x\"}", grid_a, bld_b1),
                     "building_id");
    expect_400_field(t_c01, "POST", "/api/v1/households",
                     fmt("{\"code\":\"T-REG-H1c\",\"grid_id\":%lld,\"address\":\"x\"}", c001), "grid_id");
    expect_400_field(t_c01, "POST", "/api/v1/households", fmt("{\"code\":\"T-REG-H1d\",\"grid_id\":%lld}", grid_a),
                     "address");
    assert_int_equal(total_of(t_street, "/api/v1/households?q=T-REG-H1&status=all"), 1);

    long long r1 = create_resident(t_c01, hh, new_id(), "测试户主", ",\"relation\":\"户主\"");
    long long r2 = create_resident(t_c01, hh, new_id(), "测试配偶", ",\"relation\":\"配偶\"");
    j = get_ok(t_c01, fmt("/api/v1/households/%lld", hh));
    assert_int_equal(json_array_size(json_object_get(j, "members")), 2);
    assert_int_equal(jint(j, "member_count"), 2);
    assert_int_equal(jint(j, "head_resident_id"), r1);
    assert_string_equal(jstr(j, "head_name"), "测试户主");
    assert_true(members_have(j, r1) && members_have(j, r2));
    json_decref(j);

    /* Update. */
    j = req(t_c01, "PATCH", fmt("/api/v1/households/%lld", hh), "{\"address\":\"菏泽市牡丹区测试路1号2单元202室\",\"notes\":\"已核实\"}", 200);
    assert_string_equal(jstr(j, "address"), "菏泽市牡丹区测试路1号2单元202室");
    json_decref(j);
    j = get_ok(t_street, fmt("/api/v1/households/%lld", hh));
    assert_string_equal(jstr(j, "address"), "菏泽市牡丹区测试路1号2单元202室");
    assert_string_equal(jstr(j, "notes"), "已核实");
    assert_int_equal(jint(j, "building_id"), bld_a1);   /* untouched */
    json_decref(j);
    j = get_ok(t_auditor, fmt("/api/v1/audit?action=update&entity=household&entity_id=%lld", hh));
    assert_int_equal(jint(j, "total"), 1);
    json_t *a = json_array_get(json_object_get(j, "items"), 0);
    assert_string_equal(jstr(json_object_get(a, "before"), "address"), "菏泽市牡丹区测试路1号1单元101室");
    assert_string_equal(jstr(json_object_get(a, "after"), "address"), "菏泽市牡丹区测试路1号2单元202室");
    json_decref(j);
    /* The head must be a member. */
    json_t *other = get_ok(t_c01, fmt("/api/v1/residents?org_unit_id=%lld&page_size=1", grid_b));
    long long outsider = jint(json_array_get(json_object_get(other, "items"), 0), "id");
    json_decref(other);
    assert_true(outsider > 0);
    expect_400_field(t_c01, "PATCH", fmt("/api/v1/households/%lld", hh), fmt("{\"head_resident_id\":%lld}", outsider),
                     "head_resident_id");

    /* Move to grid B: the household and all its members change grid. */
    long long a_before = unit_residents(c001, grid_a), b_before = unit_residents(c001, grid_b);
    j = req(t_c01, "POST", fmt("/api/v1/households/%lld/move", hh), fmt("{\"grid_id\":%lld}", grid_b), 200);
    assert_int_equal(jint(j, "grid_id"), grid_b);
    assert_true(json_is_null(json_object_get(j, "building_id")));
    json_decref(j);
    j = get_ok(t_c01, fmt("/api/v1/residents?household_id=%lld&status=all", hh));
    assert_int_equal(jint(j, "total"), 2);
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(j, "items"), i, m)
        assert_int_equal(jint(m, "grid_id"), grid_b);
    json_decref(j);
    assert_int_equal(unit_residents(c001, grid_a), a_before - 2);
    assert_int_equal(unit_residents(c001, grid_b), b_before + 2);
    long long rs[2] = {r1, r2};
    for (int k = 0; k < 2; k++) {
        j = get_ok(t_c01, fmt("/api/v1/residents/%lld/history", rs[k]));
        json_t *e = last_event(j, "moved");
        assert_non_null(e);
        assert_non_null(jstr(e, "from_grid"));
        assert_non_null(jstr(e, "to_grid"));
        assert_string_not_equal(jstr(e, "from_grid"), jstr(e, "to_grid"));
        json_decref(j);
    }
    /* Moving to where it already is: 400. */
    expect_400_field(t_c01, "POST", fmt("/api/v1/households/%lld/move", hh), fmt("{\"grid_id\":%lld}", grid_b), "grid_id");

    /* Close: members become moved_out, kept as history. */
    j = req(t_c01, "POST", fmt("/api/v1/households/%lld/close", hh), "{\"date\":\"2026-01-15\",\"note\":\"全家迁往济南\"}", 200);
    assert_string_equal(jstr(j, "status"), "closed");
    json_decref(j);
    j = get_ok(t_c01, fmt("/api/v1/households/%lld", hh));
    assert_string_equal(jstr(j, "status"), "closed");
    json_decref(j);
    assert_int_equal(total_of(t_c01, fmt("/api/v1/residents?household_id=%lld", hh)), 0);
    j = get_ok(t_c01, fmt("/api/v1/residents?household_id=%lld&status=all", hh));
    assert_int_equal(jint(j, "total"), 2);
    json_array_foreach(json_object_get(j, "items"), i, m) {
        assert_string_equal(jstr(m, "status"), "moved_out");
        assert_string_equal(jstr(m, "status_date"), "2026-01-15");
    }
    json_decref(j);
    j = get_ok(t_c01, fmt("/api/v1/residents/%lld/history", r1));
    json_t *e = last_event(j, "moved_out");
    assert_non_null(e);
    assert_string_equal(jstr(e, "event_date"), "2026-01-15");
    assert_string_equal(jstr(e, "note"), "全家迁往济南");
    json_decref(j);
    assert_int_equal(unit_residents(c001, grid_b), b_before);
    assert_int_equal(total_of(t_c01, "/api/v1/households?q=T-REG-H1"), 0);
    assert_int_equal(total_of(t_c01, "/api/v1/households?q=T-REG-H1&status=closed"), 1);
    j = get_ok(t_auditor, fmt("/api/v1/audit?action=close&entity=household&entity_id=%lld", hh));
    assert_int_equal(jint(j, "total"), 1);
    a = json_array_get(json_object_get(j, "items"), 0);
    assert_string_equal(jstr(json_object_get(a, "before"), "status"), "active");
    assert_string_equal(jstr(json_object_get(a, "after"), "status"), "closed");
    json_decref(j);

    /* A closed household takes no more changes. */
    j = req(t_c01, "POST", fmt("/api/v1/households/%lld/close", hh), "{}", 400);
    json_decref(j);
    j = req(t_c01, "POST", fmt("/api/v1/households/%lld/move", hh), fmt("{\"grid_id\":%lld}", grid_a), 400);
    json_decref(j);
    expect_400_field(t_c01, "POST", "/api/v1/residents",
                     fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"迟到者\"}", hh, new_id()), "household_id");
}

/* ---- residents ------------------------------------------------------------- */

static void resident_create_validation(void **state)
{
    long long hh = create_household(t_g0101, "T-REG-H2", grid_a, bld_a1);
    char good[19];
    id_with_check("11010119850615123", good);   /* 17th digit odd: male */
    json_t *j = req(t_g0101, "POST", "/api/v1/residents",
                    fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"张测试\",\"relation\":\"户主\","
                        "\"phone\":\"13900003333\",\"tags\":[\"veteran\"]}", hh, good), 201);
    long long rid = jint(j, "id");
    assert_string_equal(jstr(j, "sex"), "M");
    assert_string_equal(jstr(j, "birth_date"), "1985-06-15");
    assert_int_equal(jint(j, "grid_id"), grid_a);
    assert_string_equal(jstr(j, "status"), "active");
    assert_masked_like(jstr(j, "id_number"), good);
    assert_true(json_array_has_str(json_object_get(j, "tags"), "veteran"));
    json_decref(j);

    /* Bad check digit: 400 on id_number with a Chinese message. */
    j = req(t_g0101, "POST", "/api/v1/residents",
            fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"李测试\"}", hh, bad_checksum(new_id())), 400);
    assert_string_equal(err_code(j), "bad_request");
    assert_string_equal(err_field(j), "id_number");
    assert_true(has_non_ascii(err_message(j)));
    assert_non_null(strstr(err_message(j), "校验"));
    json_decref(j);
    expect_400_field(t_g0101, "POST", "/api/v1/residents",
                     fmt("{\"household_id\":%lld,\"id_number\":\"12345\",\"name\":\"李测试\"}", hh), "id_number");
    expect_400_field(t_g0101, "POST", "/api/v1/residents",
                     fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"李测试\"}", hh,
                         id_with_check("11010121990101123", (char[19]){0})), "id_number");   /* born in the future */

    /* Bad phone. */
    const char *idp = new_id();
    char idp_copy[19];
    snprintf(idp_copy, sizeof idp_copy, "%s", idp);
    j = req(t_g0101, "POST", "/api/v1/residents",
            fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"王测试\",\"phone\":\"12345\"}", hh, idp_copy), 400);
    assert_string_equal(err_field(j), "phone");
    assert_true(has_non_ascii(err_message(j)));
    json_decref(j);
    assert_int_equal(total_of(t_street, fmt("/api/v1/residents?id_number=%s&status=all", idp_copy)), 0);

    /* Duplicate ID number. */
    j = req(t_g0101, "POST", "/api/v1/residents",
            fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"重复者\"}", hh, good), 409);
    assert_string_equal(err_code(j), "conflict");
    assert_string_equal(err_field(j), "id_number");
    json_decref(j);
    /* Lower-case x or spaces do not dodge the duplicate check. */
    char spaced[32];
    snprintf(spaced, sizeof spaced, " %s ", good);
    j = req(t_g0101, "POST", "/api/v1/residents",
            fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"重复者\"}", hh, spaced), 409);
    json_decref(j);

    /* Disability type and grade go together. */
    expect_400_field(t_g0101, "POST", "/api/v1/residents",
                     fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"赵测试\",\"disability_type\":\"肢体\"}", hh,
                         new_id()), "disability_grade");
    expect_400_field(t_g0101, "POST", "/api/v1/residents",
                     fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"赵测试\",\"disability_grade\":2}", hh,
                         new_id()), "disability_type");
    expect_400_field(t_g0101, "POST", "/api/v1/residents",
                     fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"赵测试\",\"disability_type\":\"肢体\","
                         "\"disability_grade\":7}", hh, new_id()), "disability_grade");
    expect_400_field(t_g0101, "POST", "/api/v1/residents",
                     fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"赵测试\",\"relation\":\"邻居\"}", hh,
                         new_id()), "relation");
    expect_400_field(t_g0101, "POST", "/api/v1/residents",
                     fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"赵测试\",\"tags\":[\"vip\"]}", hh,
                         new_id()), "tags");
    expect_400_field(t_g0101, "POST", "/api/v1/residents",
                     fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"\"}", hh, new_id()), "name");
    expect_400_field(t_g0101, "POST", "/api/v1/residents",
                     fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"赵测试\",\"is_admin\":true}", hh,
                         new_id()), "is_admin");
    j = req(t_g0101, "POST", "/api/v1/residents",
            fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"赵测试\",\"disability_type\":\"肢体\","
                "\"disability_grade\":2}", hh, new_id()), 201);
    assert_string_equal(jstr(j, "disability_type"), "肢体");
    assert_int_equal(jint(j, "disability_grade"), 2);
    json_decref(j);

    /* Only the two good ones were written. */
    j = get_ok(t_g0101, fmt("/api/v1/households/%lld", hh));
    assert_int_equal(jint(j, "member_count"), 2);
    assert_int_equal(jint(j, "head_resident_id"), rid);
    json_decref(j);
}

static void resident_get_masks_id_and_full_view_is_audited(void **state)
{
    long long hh = create_household(t_g0101, "T-REG-H3", grid_a, 0);
    char idn[19];
    snprintf(idn, sizeof idn, "%s", new_id());
    long long rid = create_resident(t_g0101, hh, idn, "钱测试", ",\"phone\":\"13900004444\"");
    const char *q = fmt("/api/v1/audit?action=view_full_id&entity=resident&entity_id=%lld", rid);
    char audit_q[256];
    snprintf(audit_q, sizeof audit_q, "%s", q);
    assert_int_equal(total_of(t_auditor, audit_q), 0);

    json_t *j = get_ok(t_g0101, fmt("/api/v1/residents/%lld", rid));
    assert_masked_like(jstr(j, "id_number"), idn);
    assert_true(json_is_true(json_object_get(j, "id_number_masked")));
    assert_string_equal(jstr(j, "phone"), "13900004444");   /* writers see the full phone in one resident */
    json_decref(j);
    assert_int_equal(total_of(t_auditor, audit_q), 0);      /* masked views are not audited */

    j = get_ok(t_g0101, fmt("/api/v1/residents/%lld?full_id=1", rid));
    assert_string_equal(jstr(j, "id_number"), idn);
    assert_true(json_is_false(json_object_get(j, "id_number_masked")));
    json_decref(j);
    j = get_ok(t_auditor, audit_q);
    assert_int_equal(jint(j, "total"), 1);
    json_t *a = json_array_get(json_object_get(j, "items"), 0);
    assert_string_equal(jstr(a, "action"), "view_full_id");
    assert_string_equal(jstr(a, "username"), "wangge0101");
    assert_int_equal(jint(a, "entity_id"), rid);
    json_decref(j);

    /* Full IDs in a list are audited per resident shown. */
    j = get_ok(t_c01, fmt("/api/v1/residents?id_number=%s&full_id=1", idn));
    assert_int_equal(jint(j, "total"), 1);
    assert_string_equal(jstr(json_array_get(json_object_get(j, "items"), 0), "id_number"), idn);
    json_decref(j);
    assert_int_equal(total_of(t_auditor, audit_q), 2);

    /* Every item of an ordinary list is masked. */
    j = get_ok(t_street, "/api/v1/residents?page_size=100");
    size_t i;
    json_t *it;
    assert_true(json_array_size(json_object_get(j, "items")) == 100);
    json_array_foreach(json_object_get(j, "items"), i, it) {
        assert_masked_shape(jstr(it, "id_number"));
        assert_true(json_is_true(json_object_get(it, "id_number_masked")));
    }
    json_decref(j);
}

/* docs/api.md: "Phone numbers are masked in lists like ID numbers; the
 * single-resident view shows the full phone to registry writers." */
static void lists_mask_phones_for_writers_too(void **state)
{
    json_t *j = get_ok(t_c01, fmt("/api/v1/residents?org_unit_id=%lld&page_size=200", c001));
    size_t i, seen = 0;
    json_t *it;
    json_array_foreach(json_object_get(j, "items"), i, it) {
        const char *p = jstr(it, "phone");
        if (!p)
            continue;
        seen++;
        assert_phone_masked(p);
    }
    json_decref(j);
    assert_true(seen > 0);
}

static void resident_update_replaces_tags_and_is_audited(void **state)
{
    long long hh = create_household(t_g0101, "T-REG-H4", grid_a, 0);
    long long rid = create_resident(t_g0101, hh, new_id(), "孙测试", ",\"tags\":[\"dibao\",\"veteran\"]");
    json_t *j = req(t_g0101, "PATCH", fmt("/api/v1/residents/%lld", rid),
                    "{\"tags\":[\"elderly\"],\"employment\":\"退休\",\"notes\":\"核实后更新\"}", 200);
    assert_int_equal(json_array_size(json_object_get(j, "tags")), 1);
    assert_true(json_array_has_str(json_object_get(j, "tags"), "elderly"));
    json_decref(j);
    j = get_ok(t_c01, fmt("/api/v1/residents/%lld", rid));
    assert_int_equal(json_array_size(json_object_get(j, "tags")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "tags"), 0)), "elderly");
    assert_string_equal(jstr(j, "employment"), "退休");
    assert_string_equal(jstr(j, "notes"), "核实后更新");
    assert_string_equal(jstr(j, "name"), "孙测试");   /* untouched */
    json_decref(j);
    assert_int_equal(total_of(t_g0101, fmt("/api/v1/residents?household_id=%lld&tag=dibao", hh)), 0);
    assert_int_equal(total_of(t_g0101, fmt("/api/v1/residents?household_id=%lld&tag=elderly", hh)), 1);

    j = get_ok(t_auditor, fmt("/api/v1/audit?action=update&entity=resident&entity_id=%lld", rid));
    assert_int_equal(jint(j, "total"), 1);
    json_t *a = json_array_get(json_object_get(j, "items"), 0);
    json_t *before = json_object_get(a, "before"), *after = json_object_get(a, "after");
    assert_string_equal(jstr(a, "username"), "wangge0101");
    assert_true(json_array_has_str(json_object_get(before, "tags"), "dibao"));
    assert_true(json_array_has_str(json_object_get(before, "tags"), "veteran"));
    assert_int_equal(json_array_size(json_object_get(after, "tags")), 1);
    assert_true(json_array_has_str(json_object_get(after, "tags"), "elderly"));
    assert_true(json_is_null(json_object_get(before, "employment")));
    assert_string_equal(jstr(after, "employment"), "退休");
    json_decref(j);

    /* Not writable here. */
    expect_400_field(t_g0101, "PATCH", fmt("/api/v1/residents/%lld", rid), fmt("{\"id_number\":\"%s\"}", new_id()), "id_number");
    expect_400_field(t_g0101, "PATCH", fmt("/api/v1/residents/%lld", rid), fmt("{\"household_id\":%lld}", hh), "household_id");
    expect_400_field(t_g0101, "PATCH", fmt("/api/v1/residents/%lld", rid), "{\"name\":\"\"}", "name");
    expect_400_field(t_g0101, "PATCH", fmt("/api/v1/residents/%lld", rid), "{\"phone\":\"abc\"}", "phone");
    /* Empty list clears the tags. */
    j = req(t_g0101, "PATCH", fmt("/api/v1/residents/%lld", rid), "{\"tags\":[]}", 200);
    assert_int_equal(json_array_size(json_object_get(j, "tags")), 0);
    json_decref(j);
    assert_int_equal(total_of(t_auditor, fmt("/api/v1/audit?action=update&entity=resident&entity_id=%lld", rid)), 2);
}

static void resident_move_to_another_household(void **state)
{
    long long h1 = create_household(t_c01, "T-REG-H5", grid_a, 0);
    long long h2 = create_household(t_c01, "T-REG-H6", grid_b, bld_b1);
    long long r = create_resident(t_c01, h1, new_id(), "周户主", ",\"relation\":\"户主\"");
    long long r2 = create_resident(t_c01, h1, new_id(), "周配偶", ",\"relation\":\"配偶\"");
    json_t *j = req(t_c01, "POST", fmt("/api/v1/residents/%lld/move", r), fmt("{\"household_id\":%lld,\"relation\":\"子\"}", h2), 200);
    assert_int_equal(jint(j, "household_id"), h2);
    assert_int_equal(jint(j, "grid_id"), grid_b);
    assert_string_equal(jstr(j, "relation"), "子");
    json_decref(j);
    j = get_ok(t_street, fmt("/api/v1/residents/%lld", r));
    assert_int_equal(jint(j, "household_id"), h2);
    assert_int_equal(jint(j, "grid_id"), grid_b);
    json_decref(j);
    j = get_ok(t_c01, fmt("/api/v1/households/%lld", h1));
    assert_false(members_have(j, r));
    assert_true(members_have(j, r2));
    assert_true(json_is_null(json_object_get(j, "head_resident_id")));   /* the head left */
    json_decref(j);
    j = get_ok(t_c01, fmt("/api/v1/households/%lld", h2));
    assert_true(members_have(j, r));
    json_decref(j);
    j = get_ok(t_c01, fmt("/api/v1/residents/%lld/history", r));
    json_t *e = last_event(j, "moved");
    assert_non_null(e);
    assert_int_equal(jint(e, "from_household_id"), h1);
    assert_int_equal(jint(e, "to_household_id"), h2);
    assert_non_null(jstr(e, "from_grid"));
    assert_non_null(jstr(e, "to_grid"));
    assert_non_null(last_event(j, "created"));
    json_decref(j);
    j = get_ok(t_auditor, fmt("/api/v1/audit?action=move&entity=resident&entity_id=%lld", r));
    assert_int_equal(jint(j, "total"), 1);
    json_t *a = json_array_get(json_object_get(j, "items"), 0);
    assert_int_equal(jint(json_object_get(a, "before"), "household_id"), h1);
    assert_int_equal(jint(json_object_get(a, "after"), "household_id"), h2);
    json_decref(j);
    /* Into the household it is in: 400. */
    expect_400_field(t_c01, "POST", fmt("/api/v1/residents/%lld/move", r), fmt("{\"household_id\":%lld}", h2), "household_id");
}

static void resident_status_deceased_and_history(void **state)
{
    long long hh = create_household(t_g0101, "T-REG-H7", grid_a, 0);
    long long r = create_resident(t_g0101, hh, new_id(), "吴测试", ",\"relation\":\"户主\"");
    long long grid_total = total_of(t_g0101, "/api/v1/residents?page_size=1");
    json_t *j = req(t_g0101, "POST", fmt("/api/v1/residents/%lld/status", r),
                    "{\"status\":\"deceased\",\"date\":\"2026-03-01\",\"note\":\"病故\"}", 200);
    assert_string_equal(jstr(j, "status"), "deceased");
    assert_string_equal(jstr(j, "status_date"), "2026-03-01");
    json_decref(j);
    /* Out of the default list, in with status=all / deceased. */
    assert_int_equal(total_of(t_g0101, fmt("/api/v1/residents?household_id=%lld", hh)), 0);
    assert_int_equal(total_of(t_g0101, "/api/v1/residents?page_size=1"), grid_total - 1);
    j = get_ok(t_g0101, fmt("/api/v1/residents?household_id=%lld&status=all", hh));
    assert_int_equal(jint(j, "total"), 1);
    assert_int_equal(jint(json_array_get(json_object_get(j, "items"), 0), "id"), r);
    json_decref(j);
    assert_int_equal(total_of(t_g0101, fmt("/api/v1/residents?household_id=%lld&status=deceased", hh)), 1);
    expect_400_field(t_g0101, "GET", "/api/v1/residents?status=dead", NULL, "status");
    j = get_ok(t_g0101, fmt("/api/v1/households/%lld", hh));
    assert_int_equal(jint(j, "member_count"), 0);
    json_decref(j);

    j = get_ok(t_g0101, fmt("/api/v1/residents/%lld/history", r));
    json_t *items = json_object_get(j, "items");
    assert_true(json_array_size(items) >= 2);
    assert_string_equal(jstr(json_array_get(items, 0), "kind"), "created");
    json_t *e = json_array_get(items, json_array_size(items) - 1);
    assert_string_equal(jstr(e, "kind"), "deceased");
    assert_string_equal(jstr(e, "event_date"), "2026-03-01");
    assert_string_equal(jstr(e, "note"), "病故");
    json_decref(j);

    /* No change, unknown status, bad date: 400. */
    expect_400_field(t_g0101, "POST", fmt("/api/v1/residents/%lld/status", r), "{\"status\":\"deceased\"}", "status");
    expect_400_field(t_g0101, "POST", fmt("/api/v1/residents/%lld/status", r), "{\"status\":\"gone\"}", "status");
    expect_400_field(t_g0101, "POST", fmt("/api/v1/residents/%lld/status", r), "{\"status\":\"active\",\"date\":\"2026-13-01\"}",
                     "date");
    /* A dead resident is not moved. */
    long long h2 = create_household(t_g0101, "T-REG-H8", grid_a, 0);
    j = req(t_g0101, "POST", fmt("/api/v1/residents/%lld/move", r), fmt("{\"household_id\":%lld}", h2), 400);
    json_decref(j);
    /* Back to active (a registration error corrected). */
    j = req(t_g0101, "POST", fmt("/api/v1/residents/%lld/status", r), "{\"status\":\"active\"}", 200);
    assert_string_equal(jstr(j, "status"), "active");
    assert_true(json_is_null(json_object_get(j, "status_date")));
    json_decref(j);
    j = get_ok(t_g0101, fmt("/api/v1/residents/%lld/history", r));
    items = json_object_get(j, "items");
    assert_string_equal(jstr(json_array_get(items, json_array_size(items) - 1), "kind"), "reopened");
    json_decref(j);
    assert_int_equal(total_of(t_g0101, "/api/v1/residents?page_size=1"), grid_total);
}

/* ---- search, pages, sort --------------------------------------------------- */

/* Every active resident the street sees (all pages), as one array. */
static json_t *all_residents(const char *tok, const char *extra)
{
    json_t *all = json_array();
    long long total = -1;
    for (int page = 1; page < 100; page++) {
        json_t *j = get_ok(tok, fmt("/api/v1/residents?page_size=200&page=%d%s", page, extra));
        if (total < 0)
            total = jint(j, "total");
        assert_int_equal(jint(j, "total"), total);
        size_t n = json_array_size(json_object_get(j, "items"));
        json_array_extend(all, json_object_get(j, "items"));
        json_decref(j);
        if (n < 200)
            break;
    }
    assert_int_equal((long long)json_array_size(all), total);
    return all;
}

static void search_by_name_id_phone_tag_unit(void **state)
{
    json_t *all = all_residents(t_street, "");
    size_t n = json_array_size(all), i;
    json_t *it;
    assert_true(n > 300);

    /* Name prefix: the first character of someone's name. */
    const char *name0 = jstr(json_array_get(all, 0), "name");
    char prefix[8];
    size_t plen = 1;
    while (((unsigned char)name0[plen] & 0xC0) == 0x80)
        plen++;
    memcpy(prefix, name0, plen);
    prefix[plen] = '\0';
    long long expect = 0;
    json_array_foreach(all, i, it)
        expect += strncmp(jstr(it, "name"), prefix, plen) == 0;
    json_t *j = get_ok(t_street, fmt("/api/v1/residents?name=%s&page_size=200", urlenc(prefix)));
    assert_int_equal(jint(j, "total"), expect);
    assert_true(expect >= 1);
    json_array_foreach(json_object_get(j, "items"), i, it)
        assert_memory_equal(jstr(it, "name"), prefix, plen);
    json_decref(j);
    /* A whole name finds that person. */
    j = get_ok(t_street, fmt("/api/v1/residents?name=%s", urlenc(name0)));
    int found = 0;
    json_array_foreach(json_object_get(j, "items"), i, it) {
        found |= jint(it, "id") == jint(json_array_get(all, 0), "id");
        assert_int_equal(strncmp(jstr(it, "name"), name0, strlen(name0)), 0);
    }
    assert_true(found);
    json_decref(j);

    /* Exact ID number. */
    long long pick = jint(json_array_get(all, n / 2), "id");
    j = get_ok(t_street, fmt("/api/v1/residents/%lld?full_id=1", pick));
    char idn[19];
    snprintf(idn, sizeof idn, "%s", jstr(j, "id_number"));
    json_decref(j);
    assert_int_equal(strlen(idn), 18);
    j = get_ok(t_street, fmt("/api/v1/residents?id_number=%s", idn));
    assert_int_equal(jint(j, "total"), 1);
    assert_int_equal(jint(json_array_get(json_object_get(j, "items"), 0), "id"), pick);
    json_decref(j);
    expect_400_field(t_street, "GET", "/api/v1/residents?id_number=12345", NULL, "id_number");
    expect_400_field(t_street, "GET", fmt("/api/v1/residents?id_number=%s", bad_checksum(idn)), NULL, "id_number");
    expect_400_field(t_street, "GET", "/api/v1/residents?id_number=37170219800101ABCD", NULL, "id_number");

    /* Phone: someone's number, read from the single view. */
    long long with_phone = 0;
    char phone[40] = "";
    for (i = 0; i < n && !with_phone; i++) {
        it = json_array_get(all, i);
        if (jstr(it, "phone") && strlen(jstr(it, "phone")) > 0) {
            json_t *one = get_ok(t_street, fmt("/api/v1/residents/%lld", jint(it, "id")));
            snprintf(phone, sizeof phone, "%s", jstr(one, "phone"));
            json_decref(one);
            with_phone = jint(it, "id");
        }
    }
    assert_true(with_phone > 0);
    assert_null(strchr(phone, '*'));
    j = get_ok(t_street, fmt("/api/v1/residents?phone=%s", urlenc(phone)));
    assert_true(jint(j, "total") >= 1);
    found = 0;
    json_array_foreach(json_object_get(j, "items"), i, it)
        found |= jint(it, "id") == with_phone;
    assert_true(found);
    assert_true(jint(j, "total") <= 3);
    json_decref(j);
    expect_400_field(t_street, "GET", "/api/v1/residents?phone=12", NULL, "phone");

    /* Tag, by code and by label. */
    expect = 0;
    json_array_foreach(all, i, it)
        expect += json_array_has_str(json_object_get(it, "tags"), "disabled");
    assert_true(expect > 0);
    j = get_ok(t_street, "/api/v1/residents?tag=disabled&page_size=200");
    assert_int_equal(jint(j, "total"), expect);
    json_array_foreach(json_object_get(j, "items"), i, it)
        assert_true(json_array_has_str(json_object_get(it, "tags"), "disabled"));
    json_decref(j);
    assert_int_equal(total_of(t_street, fmt("/api/v1/residents?tag=%s", urlenc("残疾"))), expect);
    expect_400_field(t_street, "GET", "/api/v1/residents?tag=nosuchtag", NULL, "tag");

    /* Org unit. */
    expect = 0;
    json_array_foreach(all, i, it)
        expect += jint(it, "grid_id") == grid_b;
    j = get_ok(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=200", grid_b));
    assert_int_equal(jint(j, "total"), expect);
    json_array_foreach(json_object_get(j, "items"), i, it)
        assert_int_equal(jint(it, "grid_id"), grid_b);
    json_decref(j);
    /* Household. */
    long long hid = jint(json_array_get(all, 3), "household_id");
    expect = 0;
    json_array_foreach(all, i, it)
        expect += jint(it, "household_id") == hid;
    j = get_ok(t_street, fmt("/api/v1/residents?household_id=%lld", hid));
    assert_int_equal(jint(j, "total"), expect);
    json_array_foreach(json_object_get(j, "items"), i, it)
        assert_int_equal(jint(it, "household_id"), hid);
    json_decref(j);
    /* Filters combine. */
    assert_int_equal(total_of(t_street, fmt("/api/v1/residents?org_unit_id=%lld&tag=disabled", grid_b)) <=
                         total_of(t_street, "/api/v1/residents?tag=disabled"), 1);
    json_decref(all);
}

static void pagination_and_sort(void **state)
{
    json_t *p1 = get_ok(t_street, "/api/v1/residents?page_size=10&page=1&sort=id");
    json_t *p2 = get_ok(t_street, "/api/v1/residents?page_size=10&page=2&sort=id");
    long long total = jint(p1, "total");
    assert_true(total > 20);
    assert_int_equal(jint(p2, "total"), total);
    assert_int_equal(jint(p1, "page"), 1);
    assert_int_equal(jint(p2, "page"), 2);
    assert_int_equal(jint(p1, "page_size"), 10);
    json_t *i1 = json_object_get(p1, "items"), *i2 = json_object_get(p2, "items");
    assert_int_equal(json_array_size(i1), 10);
    assert_int_equal(json_array_size(i2), 10);
    for (size_t a = 0; a < 10; a++)
        for (size_t b = 0; b < 10; b++)
            assert_true(jint(json_array_get(i1, a), "id") != jint(json_array_get(i2, b), "id"));
    for (size_t a = 1; a < 10; a++)
        assert_true(jint(json_array_get(i1, a - 1), "id") < jint(json_array_get(i1, a), "id"));
    assert_true(jint(json_array_get(i1, 9), "id") < jint(json_array_get(i2, 0), "id"));
    json_decref(p1);
    json_decref(p2);
    /* Last page holds the remainder; beyond it, nothing. */
    long long pages = (total + 9) / 10;
    json_t *last = get_ok(t_street, fmt("/api/v1/residents?page_size=10&page=%lld", pages));
    assert_int_equal((long long)json_array_size(json_object_get(last, "items")), total - 10 * (pages - 1));
    json_decref(last);
    json_t *beyond = get_ok(t_street, fmt("/api/v1/residents?page_size=10&page=%lld", pages + 1));
    assert_int_equal(json_array_size(json_object_get(beyond, "items")), 0);
    assert_int_equal(jint(beyond, "total"), total);
    json_decref(beyond);

    expect_400_field(t_street, "GET", "/api/v1/residents?page_size=500", NULL, "page_size");
    expect_400_field(t_street, "GET", "/api/v1/residents?page_size=0", NULL, "page_size");
    expect_400_field(t_street, "GET", "/api/v1/residents?page=0", NULL, "page");
    expect_400_field(t_street, "GET", "/api/v1/residents?page_size=abc", NULL, "page_size");
    json_t *maxp = get_ok(t_street, "/api/v1/residents?page_size=200");
    assert_int_equal(json_array_size(json_object_get(maxp, "items")), 200);
    json_decref(maxp);

    /* sort=-birth_date holds across every page. */
    json_t *all = all_residents(t_street, "&sort=-birth_date");
    size_t i;
    for (i = 1; i < json_array_size(all); i++)
        assert_true(strcmp(jstr(json_array_get(all, i - 1), "birth_date"), jstr(json_array_get(all, i), "birth_date")) >= 0);
    json_decref(all);
    json_t *j = get_ok(t_street, "/api/v1/residents?page_size=200&sort=name");
    json_t *items = json_object_get(j, "items");
    for (i = 1; i < json_array_size(items); i++)
        assert_true(strcmp(jstr(json_array_get(items, i - 1), "name"), jstr(json_array_get(items, i), "name")) <= 0);
    json_decref(j);
    j = get_ok(t_street, "/api/v1/households?page_size=200&sort=-code");
    items = json_object_get(j, "items");
    for (i = 1; i < json_array_size(items); i++)
        assert_true(strcmp(jstr(json_array_get(items, i - 1), "code"), jstr(json_array_get(items, i), "code")) >= 0);
    json_decref(j);
    expect_400_field(t_street, "GET", "/api/v1/residents?sort=bogus", NULL, "sort");
    expect_400_field(t_street, "GET", "/api/v1/residents?sort=-bogus", NULL, "sort");
    expect_400_field(t_street, "GET", "/api/v1/residents?sort=id_number", NULL, "sort");
    expect_400_field(t_street, "GET", "/api/v1/households?sort=bogus", NULL, "sort");
}

/* ---- statistics ------------------------------------------------------------- */

static void stats_agree_with_lists(void **state)
{
    long long total = total_of(t_street, "/api/v1/residents?page_size=1");
    json_t *st = get_ok(t_street, "/api/v1/stats/tags");
    assert_int_equal(jint(st, "total_residents"), total);
    assert_int_equal(jint(json_object_get(st, "unit"), "id"), street_id);
    json_t *tags = json_object_get(st, "tags");
    assert_int_equal(json_array_size(tags), 11);
    size_t i;
    json_t *t;
    long long nonzero = 0;
    json_array_foreach(tags, i, t) {
        const char *code = jstr(t, "code");
        assert_non_null(jstr(t, "label"));
        long long n = total_of(t_street, fmt("/api/v1/residents?tag=%s&page_size=1", code));
        if (jint(t, "count") != n)
            print_error("stats/tags %s: %lld, list total %lld\n", code, jint(t, "count"), n);
        assert_int_equal(jint(t, "count"), n);
        nonzero += n > 0;
    }
    assert_true(nonzero >= 3);

    /* Per community: residents and tags add up to the street's. */
    json_t *ou = get_ok(t_street, "/api/v1/stats/org-units");
    assert_int_equal(jint(json_object_get(ou, "parent"), "id"), street_id);
    json_t *items = json_object_get(ou, "items");
    json_t *tree = get_ok(t_street, fmt("/api/v1/org-units?parent_id=%lld", street_id));
    assert_int_equal(json_array_size(items), json_array_size(json_object_get(tree, "items")));
    long long sum = 0, sum_hh = 0;
    json_t *it;
    json_array_foreach(items, i, it) {
        sum += jint(it, "residents");
        sum_hh += jint(it, "households");
        json_t *node = json_array_get(json_object_get(tree, "items"), i);
        assert_int_equal(jint(node, "id"), jint(it, "id"));
        assert_int_equal(jint(node, "resident_count"), jint(it, "residents"));
        assert_int_equal(jint(node, "household_count"), jint(it, "households"));
    }
    json_decref(tree);
    assert_int_equal(sum, total);
    assert_int_equal(sum_hh, total_of(t_street, "/api/v1/households?page_size=1"));
    json_array_foreach(tags, i, t) {
        const char *code = jstr(t, "code");
        long long s = 0;
        size_t k;
        json_array_foreach(items, k, it)
            s += jint(json_object_get(it, "tags"), code);
        assert_int_equal(s, jint(t, "count"));
    }
    /* One community against the list with a tag filter. */
    json_array_foreach(items, i, it) {
        if (jint(it, "id") != c001)
            continue;
        long long res = total_of(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=1", c001));
        assert_int_equal(jint(it, "residents"), res);
        assert_int_equal(jint(json_object_get(it, "tags"), "disabled"),
                         total_of(t_street, fmt("/api/v1/residents?org_unit_id=%lld&tag=disabled", c001)));
        json_t *ct = get_ok(t_street, fmt("/api/v1/stats/tags?org_unit_id=%lld", c001));
        assert_int_equal(jint(ct, "total_residents"), res);
        json_decref(ct);
    }
    json_decref(ou);
    json_decref(st);

    /* A building: stats, org-unit counts and the list agree. */
    json_t *bs = get_ok(t_street, fmt("/api/v1/stats/org-units?parent_id=%lld", grid_a));
    json_array_foreach(json_object_get(bs, "items"), i, it) {
        if (jint(it, "id") != bld_a1)
            continue;
        assert_string_equal(jstr(it, "kind"), "building");
        long long res = total_of(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=1", bld_a1));
        assert_int_equal(jint(it, "residents"), res);
        json_t *ct = get_ok(t_street, fmt("/api/v1/stats/tags?org_unit_id=%lld", bld_a1));
        assert_int_equal(jint(ct, "total_residents"), res);
        json_decref(ct);
        json_t *node = child_unit(t_street, grid_a, bld_a1);
        assert_int_equal(jint(node, "resident_count"), res);
        json_decref(node);
    }
    json_decref(bs);
}

/* ---- viewer ------------------------------------------------------------------ */

static void viewer_reads_masked_and_writes_nothing(void **state)
{
    json_t *j = get_ok(t_viewer, fmt("/api/v1/residents?org_unit_id=%lld&page_size=200", c001));
    size_t i, phones = 0;
    json_t *it;
    long long rid = 0, hid = 0;
    assert_true(json_array_size(json_object_get(j, "items")) > 0);
    json_array_foreach(json_object_get(j, "items"), i, it) {
        assert_masked_shape(jstr(it, "id_number"));
        if (jstr(it, "phone")) {
            assert_phone_masked(jstr(it, "phone"));
            phones++;
            if (!rid) {
                rid = jint(it, "id");
                hid = jint(it, "household_id");
            }
        }
    }
    json_decref(j);
    assert_true(phones > 0 && rid > 0);
    j = get_ok(t_viewer, fmt("/api/v1/residents/%lld", rid));
    assert_phone_masked(jstr(j, "phone"));
    assert_masked_shape(jstr(j, "id_number"));
    json_decref(j);
    j = get_ok(t_viewer, fmt("/api/v1/households?org_unit_id=%lld&page_size=200", c001));
    json_array_foreach(json_object_get(j, "items"), i, it)
        if (jstr(it, "phone"))
            assert_phone_masked(jstr(it, "phone"));
    json_decref(j);
    j = get_ok(t_viewer, fmt("/api/v1/households/%lld", hid));
    json_array_foreach(json_object_get(j, "members"), i, it) {
        assert_masked_shape(jstr(it, "id_number"));
        if (jstr(it, "phone"))
            assert_phone_masked(jstr(it, "phone"));
    }
    json_decref(j);
    json_decref(get_ok(t_viewer, "/api/v1/org-units"));
    json_decref(get_ok(t_viewer, "/api/v1/stats/tags"));
    json_decref(get_ok(t_viewer, fmt("/api/v1/residents/%lld/history", rid)));

    json_t *r_before = get_ok(t_admin, fmt("/api/v1/residents/%lld", rid));
    json_t *h_before = get_ok(t_admin, fmt("/api/v1/households/%lld", hid));
    json_t *g_before = get_ok(t_admin, fmt("/api/v1/org-units/%lld", grid_a));
    long long audit_before = total_of(t_auditor, "/api/v1/audit?action=view_full_id&page_size=1");

    /* full_id=1 is refused. */
    const char *full[] = {fmt("/api/v1/residents/%lld?full_id=1", rid), "/api/v1/residents?full_id=1",
                          fmt("/api/v1/households/%lld?full_id=1", hid)};
    for (i = 0; i < 3; i++) {
        j = req(t_viewer, "GET", full[i], NULL, 403);
        assert_string_equal(err_code(j), "forbidden");
        json_decref(j);
    }
    j = req(t_viewer, "GET", "/api/v1/export/residents", NULL, 403);
    json_decref(j);

    /* Every write is refused (bodies valid, so only the role stops them). */
    char p[16][160], b[16][256];
    size_t nw = 0;
#define W(path_fmt, path_arg, body_fmt, ...) \
    (snprintf(p[nw], sizeof p[nw], path_fmt, path_arg), snprintf(b[nw], sizeof b[nw], body_fmt, __VA_ARGS__), nw++)
    const char *methods[16];
    methods[nw] = "POST";  W("/api/v1/org-units%s", "", "{\"parent_id\":%lld,\"code\":\"371702001001-07\",\"name\":\"x\"}", c001);
    methods[nw] = "PATCH"; W("/api/v1/org-units/%lld", grid_a, "{\"name\":\"%s\"}", "只读改名");
    methods[nw] = "POST";  W("/api/v1/households%s", "", "{\"code\":\"T-VIEW-1\",\"grid_id\":%lld,\"address\":\"x\"}", grid_a);
    methods[nw] = "PATCH"; W("/api/v1/households/%lld", hid, "{\"notes\":\"%s\"}", "只读");
    methods[nw] = "POST";  W("/api/v1/households/%lld/move", hid, "{\"grid_id\":%lld}", grid_b);
    methods[nw] = "POST";  W("/api/v1/households/%lld/close", hid, "{%s}", "");
    methods[nw] = "POST";  W("/api/v1/residents%s", "", "{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"只读\"}", hid, new_id());
    methods[nw] = "PATCH"; W("/api/v1/residents/%lld", rid, "{\"notes\":\"%s\"}", "只读");
    methods[nw] = "POST";  W("/api/v1/residents/%lld/move", rid, "{\"household_id\":%lld}", hid);
    methods[nw] = "POST";  W("/api/v1/residents/%lld/status", rid, "{\"status\":\"%s\"}", "deceased");
#undef W
    for (i = 0; i < nw; i++) {
        j = req(t_viewer, methods[i], p[i], b[i], 403);
        assert_string_equal(err_code(j), "forbidden");
        json_decref(j);
    }
    http_resp hr;
    const char *csv = "姓名,身份证号,网格编码,户编号,地址\n只读,110101198001010011,371702001001-01,T-VIEW-2,x\n";
    assert_int_equal(http(&srv, "POST", "/api/v1/import/residents", t_viewer, csv, strlen(csv), "text/csv", &hr), 0);
    assert_int_equal(hr.status, 403);
    http_free(&hr);

    /* Nothing changed. */
    json_t *r_after = get_ok(t_admin, fmt("/api/v1/residents/%lld", rid));
    json_t *h_after = get_ok(t_admin, fmt("/api/v1/households/%lld", hid));
    json_t *g_after = get_ok(t_admin, fmt("/api/v1/org-units/%lld", grid_a));
    assert_true(json_equal(r_before, r_after));
    assert_true(json_equal(h_before, h_after));
    assert_true(json_equal(g_before, g_after));
    assert_int_equal(total_of(t_admin, "/api/v1/households?q=T-VIEW&status=all"), 0);
    assert_int_equal(total_of(t_auditor, "/api/v1/audit?action=view_full_id&page_size=1"), audit_before);
    json_decref(r_before);
    json_decref(h_before);
    json_decref(g_before);
    json_decref(r_after);
    json_decref(h_after);
    json_decref(g_after);
}


/* ---- edge cases ---------------------------------------------------------------- */

static void id_number_lowercase_x_and_age(void **state)
{
    /* An ID number whose check digit is X, sent with a lower-case x. */
    char first17[18], idn[19], lower[19];
    for (unsigned n = 1; n < 1000; n++) {
        snprintf(first17, sizeof first17, "11010119900307%03u", n);
        id_with_check(first17, idn);
        if (idn[17] == 'X')
            break;
    }
    assert_int_equal(idn[17], 'X');
    memcpy(lower, idn, 19);
    lower[17] = 'x';
    long long hh = create_household(t_g0101, "T-REG-H9", grid_a, 0);
    long long rid = create_resident(t_g0101, hh, lower, "郑小写", "");
    json_t *j = get_ok(t_g0101, fmt("/api/v1/residents/%lld?full_id=1", rid));
    assert_string_equal(jstr(j, "id_number"), idn);   /* stored normalised */
    assert_string_equal(jstr(j, "birth_date"), "1990-03-07");
    /* age on today's local date */
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    int age = tm.tm_year + 1900 - 1990 - ((tm.tm_mon + 1) * 100 + tm.tm_mday < 307);
    assert_int_equal(jint(j, "age"), age);
    json_decref(j);
    /* Found by either spelling; the upper-case one is a duplicate. */
    assert_int_equal(total_of(t_g0101, fmt("/api/v1/residents?id_number=%s", lower)), 1);
    assert_int_equal(total_of(t_g0101, fmt("/api/v1/residents?id_number=%s", idn)), 1);
    j = req(t_g0101, "POST", "/api/v1/residents", fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"重复\"}", hh, idn), 409);
    json_decref(j);
}

static void household_full_id_view_audits_each_member(void **state)
{
    long long hh = create_household(t_c01, "T-REG-H10", grid_a, 0);
    char i1[19], i2[19];
    snprintf(i1, sizeof i1, "%s", new_id());
    snprintf(i2, sizeof i2, "%s", new_id());
    long long r1 = create_resident(t_c01, hh, i1, "冯甲", ",\"relation\":\"户主\"");
    long long r2 = create_resident(t_c01, hh, i2, "冯乙", "");
    json_t *j = get_ok(t_c01, fmt("/api/v1/households/%lld", hh));
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(j, "members"), i, m)
        assert_masked_shape(jstr(m, "id_number"));
    json_decref(j);
    j = get_ok(t_c01, fmt("/api/v1/households/%lld?full_id=1", hh));
    json_array_foreach(json_object_get(j, "members"), i, m) {
        const char *want = jint(m, "id") == r1 ? i1 : i2;
        assert_string_equal(jstr(m, "id_number"), want);
    }
    json_decref(j);
    assert_int_equal(total_of(t_auditor, fmt("/api/v1/audit?action=view_full_id&entity_id=%lld", r1)), 1);
    assert_int_equal(total_of(t_auditor, fmt("/api/v1/audit?action=view_full_id&entity_id=%lld", r2)), 1);
}

static void closing_keeps_deceased_members_deceased(void **state)
{
    long long hh = create_household(t_c01, "T-REG-H11", grid_a, 0);
    long long r1 = create_resident(t_c01, hh, new_id(), "陈户主", ",\"relation\":\"户主\"");
    long long r2 = create_resident(t_c01, hh, new_id(), "陈已故", ",\"relation\":\"父亲\"");
    json_decref(req(t_c01, "POST", fmt("/api/v1/residents/%lld/status", r2), "{\"status\":\"deceased\",\"date\":\"2025-12-01\"}", 200));
    json_decref(req(t_c01, "POST", fmt("/api/v1/households/%lld/close", hh), "{\"date\":\"2026-02-01\"}", 200));
    json_t *j = get_ok(t_c01, fmt("/api/v1/residents/%lld", r2));
    assert_string_equal(jstr(j, "status"), "deceased");
    assert_string_equal(jstr(j, "status_date"), "2025-12-01");
    json_decref(j);
    j = get_ok(t_c01, fmt("/api/v1/residents/%lld", r1));
    assert_string_equal(jstr(j, "status"), "moved_out");
    assert_string_equal(jstr(j, "status_date"), "2026-02-01");
    json_decref(j);
    /* the dead man's history has no 'moved_out' */
    j = get_ok(t_c01, fmt("/api/v1/residents/%lld/history", r2));
    assert_null(last_event(j, "moved_out"));
    json_decref(j);
}

static void household_update_fields_and_search_escaping(void **state)
{
    long long hh = create_household(t_c01, "T-REG-H12", grid_a, bld_a1);
    json_t *j = req(t_c01, "PATCH", fmt("/api/v1/households/%lld", hh), "{\"building_id\":null,\"phone\":\"0530-5551234\"}", 200);
    assert_true(json_is_null(json_object_get(j, "building_id")));
    assert_string_equal(jstr(j, "phone"), "0530-5551234");
    json_decref(j);
    j = get_ok(t_street, fmt("/api/v1/households/%lld", hh));
    assert_true(json_is_null(json_object_get(j, "building_id")));
    assert_string_equal(jstr(j, "address"), "菏泽市牡丹区测试路T-REG-H12号");   /* untouched */
    json_decref(j);
    expect_400_field(t_c01, "PATCH", fmt("/api/v1/households/%lld", hh), "{\"address\":\"\"}", "address");
    expect_400_field(t_c01, "PATCH", fmt("/api/v1/households/%lld", hh), "{\"code\":\"NEW\"}", "code");
    expect_400_field(t_c01, "PATCH", fmt("/api/v1/households/%lld", hh), "{\"grid_id\":1}", "grid_id");
    expect_400_field(t_c01, "PATCH", fmt("/api/v1/households/%lld", hh), "{\"phone\":\"12\"}", "phone");
    /* q is a literal substring: % and _ are not wildcards. */
    assert_int_equal(total_of(t_street, "/api/v1/households?q=%25&status=all"), 0);
    assert_int_equal(total_of(t_street, "/api/v1/households?q=_&status=all"), 0);
    assert_int_equal(total_of(t_street, "/api/v1/households?q=T-REG-H12"), 1);
    assert_int_equal(total_of(t_street, fmt("/api/v1/households?q=%s", urlenc("测试路T-REG-H12号"))), 1);
    expect_400_field(t_street, "GET", "/api/v1/households?status=gone", NULL, "status");
}

static void resident_patch_rules(void **state)
{
    long long hh = create_household(t_g0101, "T-REG-H13", grid_a, 0);
    long long r = create_resident(t_g0101, hh, new_id(), "褚测试", "");
    expect_400_field(t_g0101, "PATCH", fmt("/api/v1/residents/%lld", r), "{\"disability_type\":\"视力\"}", "disability_grade");
    expect_400_field(t_g0101, "PATCH", fmt("/api/v1/residents/%lld", r), "{\"party_member\":\"yes\"}", "party_member");
    expect_400_field(t_g0101, "PATCH", fmt("/api/v1/residents/%lld", r), "{\"hukou_type\":\"外星\"}", "hukou_type");
    json_t *j = req(t_g0101, "PATCH", fmt("/api/v1/residents/%lld", r),
                    "{\"disability_type\":\"视力\",\"disability_grade\":3,\"party_member\":true,\"phone\":\"+86 139 0000 5555\"}", 200);
    assert_string_equal(jstr(j, "disability_type"), "视力");
    assert_int_equal(jint(j, "disability_grade"), 3);
    assert_true(json_is_true(json_object_get(j, "party_member")));
    json_decref(j);
    j = get_ok(t_g0101, fmt("/api/v1/residents/%lld", r));
    assert_string_equal(jstr(j, "phone"), "13900005555");
    json_decref(j);
    /* clearing one half only is refused; clearing both works */
    expect_400_field(t_g0101, "PATCH", fmt("/api/v1/residents/%lld", r), "{\"disability_grade\":null}", "disability_grade");
    j = req(t_g0101, "PATCH", fmt("/api/v1/residents/%lld", r), "{\"disability_type\":null,\"disability_grade\":null}", 200);
    assert_true(json_is_null(json_object_get(j, "disability_type")));
    assert_true(json_is_null(json_object_get(j, "disability_grade")));
    json_decref(j);
    /* an unknown resident */
    j = req(t_g0101, "GET", "/api/v1/residents/99999999", NULL, 404);
    assert_string_equal(err_code(j), "not_found");
    json_decref(j);
    j = req(t_street, "GET", "/api/v1/tags", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 11);
    json_decref(j);
    expect_400_field(t_street, "GET", "/api/v1/org-units?parent_id=abc", NULL, "parent_id");
    j = req(t_street, "GET", "/api/v1/stats/tags?org_unit_id=99999999", NULL, 404);
    json_decref(j);
}

/* The CSV import refuses a second 户主 in a household ("一户只能有一位户主");
 * the API must keep the same rule, or the registry ends up with two heads. */
static void one_head_per_household_via_api(void **state)
{
    long long hh = create_household(t_g0101, "T-REG-H14", grid_a, 0);
    long long head = create_resident(t_g0101, hh, new_id(), "蒋户主", ",\"relation\":\"户主\"");
    long long other = create_resident(t_g0101, hh, new_id(), "蒋配偶", ",\"relation\":\"配偶\"");
    char idn[19];
    snprintf(idn, sizeof idn, "%s", new_id());
    json_t *j = NULL;
    long st = api_send(&srv, "POST", t_g0101, "/api/v1/residents",
                       fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"蒋二号\",\"relation\":\"户主\"}", hh, idn), &j);
    if (st != 400)
        print_error("second 户主 in one household via POST /residents -> %ld\n", st);
    json_decref(j);
    long st2 = api_send(&srv, "PATCH", t_g0101, fmt("/api/v1/residents/%lld", other), "{\"relation\":\"户主\"}", &j);
    if (st2 != 400)
        print_error("second 户主 in one household via PATCH /residents/{id} -> %ld\n", st2);
    json_decref(j);
    /* However it was refused, the household has one head. */
    j = get_ok(t_g0101, fmt("/api/v1/residents?household_id=%lld", hh));
    size_t i, heads = 0;
    json_t *it;
    json_array_foreach(json_object_get(j, "items"), i, it)
        heads += strcmp(jstr(it, "relation"), "户主") == 0;
    json_decref(j);
    assert_int_equal(heads, 1);
    j = get_ok(t_g0101, fmt("/api/v1/households/%lld", hh));
    assert_int_equal(jint(j, "head_resident_id"), head);
    json_decref(j);
    assert_int_equal(st, 400);
    assert_int_equal(st2, 400);
}

static long long head_of(long long hh)
{
    json_t *j = get_ok(t_g0101, fmt("/api/v1/households/%lld", hh));
    json_t *h = json_object_get(j, "head_resident_id");
    long long id = json_is_integer(h) ? json_integer_value(h) : 0;
    json_decref(j);
    return id;
}

/* relation 户主 and the household's head move together. */
static void head_follows_relation(void **state)
{
    long long hh = create_household(t_g0101, "T-REG-H16", grid_a, 0);
    long long hh2 = create_household(t_g0101, "T-REG-H17", grid_a, 0);
    long long a = create_resident(t_g0101, hh, new_id(), "鲁户主", ",\"relation\":\"户主\"");
    assert_int_equal(head_of(hh), a);
    /* No longer 户主: no longer the head, and someone else may become it. */
    json_decref(req(t_g0101, "PATCH", fmt("/api/v1/residents/%lld", a), "{\"relation\":\"配偶\"}", 200));
    assert_int_equal(head_of(hh), 0);
    long long b = create_resident(t_g0101, hh, new_id(), "鲁新户主", ",\"relation\":\"户主\"");
    assert_int_equal(head_of(hh), b);
    /* Moving in as 户主 makes the resident head of a headless household … */
    json_decref(req(t_g0101, "POST", fmt("/api/v1/residents/%lld/move", b),
                    fmt("{\"household_id\":%lld,\"relation\":\"户主\"}", hh2), 200));
    assert_int_equal(head_of(hh2), b);
    assert_int_equal(head_of(hh), 0);
    /* … and is refused where there is one already, changing nothing. */
    json_decref(req(t_g0101, "POST", fmt("/api/v1/residents/%lld/move", a),
                    fmt("{\"household_id\":%lld,\"relation\":\"户主\"}", hh2), 400));
    assert_int_equal(head_of(hh2), b);
    json_t *j = get_ok(t_g0101, fmt("/api/v1/residents/%lld", a));
    assert_int_equal(jint(j, "household_id"), hh);
    json_decref(j);
}

/* Malformed input is a 400 naming the field — never a 500, never stored. */
static void malformed_input_is_400(void **state)
{
    long long hh = create_household(t_g0101, "T-REG-H15", grid_a, 0);
    expect_400_field(t_street, "GET", "/api/v1/residents?name=%FF%FE", NULL, "name");
    expect_400_field(t_street, "GET", "/api/v1/households?q=%FF%FE", NULL, "q");
    expect_400_field(t_street, "GET", "/api/v1/residents?org_unit_id=0", NULL, "org_unit_id");
    expect_400_field(t_street, "GET", "/api/v1/residents?org_unit_id=-3", NULL, "org_unit_id");
    expect_400_field(t_street, "GET", "/api/v1/residents?org_unit_id=1x", NULL, "org_unit_id");
    expect_400_field(t_street, "GET", "/api/v1/residents?household_id=abc", NULL, "household_id");
    expect_400_field(t_street, "GET", "/api/v1/residents?page=1000001", NULL, "page");
    char longq[400] = "";
    for (int i = 0; i < 101; i++)
        strcat(longq, "a");
    expect_400_field(t_street, "GET", fmt("/api/v1/households?q=%s", longq), NULL, "q");

    char idn[19];
    snprintf(idn, sizeof idn, "%s", new_id());
    expect_400_field(t_g0101, "POST", "/api/v1/residents",
                     fmt("{\"household_id\":\"%lld\",\"id_number\":\"%s\",\"name\":\"类型错\"}", hh, idn), "household_id");
    expect_400_field(t_g0101, "POST", "/api/v1/residents",
                     fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"类型错\",\"tags\":\"dibao\"}", hh, idn), "tags");
    expect_400_field(t_g0101, "POST", "/api/v1/residents",
                     fmt("{\"household_id\":%lld,\"id_number\":%s,\"name\":\"类型错\"}", hh, "110101199001011234"), "id_number");
    expect_400_field(t_g0101, "POST", "/api/v1/residents",
                     fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"类型错\",\"party_member\":1}", hh, idn),
                     "party_member");
    char longname[200] = "";
    for (int i = 0; i < 51; i++)
        strcat(longname, "张");
    expect_400_field(t_g0101, "POST", "/api/v1/residents",
                     fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"%s\"}", hh, idn, longname), "name");
    char body[2400];
    int n = snprintf(body, sizeof body, "{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"备注长\",\"notes\":\"", hh, idn);
    for (int i = 0; i < 501; i++)
        n += snprintf(body + n, sizeof body - (size_t)n, "字");
    snprintf(body + n, sizeof body - (size_t)n, "\"}");
    expect_400_field(t_g0101, "POST", "/api/v1/residents", body, "notes");
    json_t *j = req(t_g0101, "POST", "/api/v1/residents",
                    fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"a\",\"name\":\"b\"}", hh, idn), 400);
    json_decref(j);
    j = req(t_g0101, "POST", "/api/v1/residents", "[1,2,3]", 400);
    json_decref(j);
    j = req(t_g0101, "POST", fmt("/api/v1/residents/%lld/status", (long long)99999999), "{\"status\":\"deceased\"}", 404);
    json_decref(j);
    assert_int_equal(total_of(t_street, fmt("/api/v1/residents?id_number=%s&status=all", idn)), 0);
    j = get_ok(t_g0101, fmt("/api/v1/households/%lld", hh));
    assert_int_equal(jint(j, "member_count"), 0);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(org_tree_counts_add_up),
        cmocka_unit_test(stats_agree_with_lists),
        cmocka_unit_test(org_unit_create_and_update),
        cmocka_unit_test(household_create_update_move_close),
        cmocka_unit_test(resident_create_validation),
        cmocka_unit_test(resident_get_masks_id_and_full_view_is_audited),
        cmocka_unit_test(lists_mask_phones_for_writers_too),
        cmocka_unit_test(resident_update_replaces_tags_and_is_audited),
        cmocka_unit_test(resident_move_to_another_household),
        cmocka_unit_test(resident_status_deceased_and_history),
        cmocka_unit_test(search_by_name_id_phone_tag_unit),
        cmocka_unit_test(pagination_and_sort),
        cmocka_unit_test(viewer_reads_masked_and_writes_nothing),
        cmocka_unit_test(id_number_lowercase_x_and_age),
        cmocka_unit_test(household_full_id_view_audits_each_member),
        cmocka_unit_test(closing_keeps_deceased_members_deceased),
        cmocka_unit_test(household_update_fields_and_search_escaping),
        cmocka_unit_test(resident_patch_rules),
        cmocka_unit_test(one_head_per_household_via_api),
        cmocka_unit_test(head_follows_relation),
        cmocka_unit_test(malformed_input_is_400),
    };
    return cmocka_run_group_tests_name("api_registry", tests, setup, teardown);
}
