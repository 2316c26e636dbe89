/* test_district.c — a district (区) in one database (migration 0011):
 * an existing one-street database (the demo street 丹阳街道) gets the
 * district above it on the command line (`minsheng org district`) while
 * the server runs, and a second street, 东城街道, with a community, a
 * grid, a building, a household and residents, created as a district
 * account would (`org add`, then the API). Then:
 *
 *   - the first street keeps working: same path, same lists, totals,
 *     statistics and audit rows as before the district;
 *   - street staff, street administrators, security administrators and
 *     auditors of one street are refused (404, existence not leaked)
 *     everything of the other street on every route, and see none of it
 *     in their lists, statistics, exports, imports, account lists,
 *     change requests, audit log and security alerts; nothing of the
 *     other street changes;
 *   - district staff (role street at the district) see both streets with
 *     the same masking as street staff: the tree from the district, a
 *     per-street statistics table summing the maintained counters, and
 *     district-wide lists;
 *   - the last test fails on a route of any module's table that no
 *     cross-street check tried. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "route_probe.h"

static test_server srv;
/* jiedao/admin/auditor: the demo's street-1 accounts; the others made here. */
static char *t_s1, *t_admin1, *t_aud1, *t_s2, *t_admin2, *t_sec2, *t_aud2, *t_qu, *t_quaud;
static long long district_id, s1_residents_before, s1_households_before;
static json_t *s1_tags_before;
static char street1_path[64];

/* One street's units and a household with a resident. */
typedef struct place {
    long long street, community, grid, building, household, resident;
    char grid_code[32], household_code[48];
} place;
static place p1, p2;

#define get_ok(tok, path) api_get_ok(&srv, tok, path)
#define total_of(tok, path) api_total(&srv, tok, path)

static const char *const STRONG_PW = "Strong#Pass2026";

/* ---- fixture ------------------------------------------------------------- */

static void cli_ok(const char *const *args, const char *stdin_data)
{
    if (run_cli(&srv, args, NULL, stdin_data) != 0)
        fail_msg("minsheng %s %s failed, see %s", args[0], args[1], srv.log);
}

static void add_user(const char *name, const char *role_s, const char *org)
{
    cli_ok((const char *[]){"user", "add", name, "--role", role_s, "--org", org, NULL}, "Strong#Pass2026\n");
}

static char *login_new(const char *name)
{
    char *t = login(&srv, name, STRONG_PW);
    assert_non_null(t);
    return t;
}

/* The first resident (by id) of grid `grid` as `tok` sees it, into p. */
static void find_resident(const char *tok, place *p)
{
    json_t *j = get_ok(tok, fmt("/api/v1/residents?org_unit_id=%lld&sort=id&page_size=20", p->grid));
    json_t *r = json_array_get(json_object_get(j, "items"), 0);
    assert_non_null(r);
    p->resident = jint(r, "id");
    p->household = jint(r, "household_id");
    snprintf(p->household_code, sizeof p->household_code, "%s", jstr(r, "household_code"));
    json_decref(j);
}

static void copy_path(const char *tok, long long unit, char out[64])
{
    json_t *j = get_ok(tok, fmt("/api/v1/org-units/%lld", unit));
    snprintf(out, 64, "%s", jstr(j, "path"));
    json_decref(j);
}

/* Street 2's household and residents, written through the API by its staff. */
static void populate_street2(void)
{
    json_t *j = api_expect(&srv, t_s2, "POST", "/api/v1/households",
                           fmt("{\"code\":\"371702002001-01-0001\",\"grid_id\":%lld,\"building_id\":%lld,"
                               "\"address\":\"菏泽市牡丹区东城路1号1号楼1单元101室\",\"phone\":\"13800000001\"}",
                               p2.grid, p2.building), 201);
    long long hh = jint(j, "id");
    json_decref(j);
    const char *names[] = {"东城甲", "东城乙", "东城丙"};
    for (int i = 0; i < 3; i++) {
        j = api_expect(&srv, t_s2, "POST", "/api/v1/residents",
                       fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"%s\",\"relation\":\"%s\","
                           "\"phone\":\"1390000000%d\",\"tags\":[\"%s\"]}",
                           hh, fresh_id("130102"), names[i], i ? "子" : "户主", i, i == 2 ? "dibao" : "veteran"),
                       201);
        json_decref(j);
    }
    snprintf(p2.grid_code, sizeof p2.grid_code, "371702002001-01");
    find_resident(t_s2, &p2);
}

static int setup(void **state)
{
    if (server_start(&srv, 120, NULL) != 0)
        return -1;
    t_s1 = login(&srv, "jiedao", DEMO_PW);
    t_admin1 = login(&srv, "admin", DEMO_PW);
    t_aud1 = login(&srv, "auditor", DEMO_PW);
    if (!t_s1 || !t_admin1 || !t_aud1)
        return -1;
    /* The one-street database as it is before the district. */
    p1.street = org_id_by_code(&srv, t_s1, "371702001");
    p1.community = org_id_by_code(&srv, t_s1, "371702001001");
    p1.grid = org_id_by_code(&srv, t_s1, "371702001001-01");
    p1.building = org_id_by_code(&srv, t_s1, "371702001001-01-B01");
    snprintf(p1.grid_code, sizeof p1.grid_code, "371702001001-01");
    find_resident(t_s1, &p1);
    copy_path(t_s1, p1.street, street1_path);
    s1_residents_before = total_of(t_s1, "/api/v1/residents");
    s1_households_before = total_of(t_s1, "/api/v1/households");
    s1_tags_before = get_ok(t_s1, "/api/v1/stats/tags");

    /* The district above it, a second street, accounts: on the command line. */
    cli_ok((const char *[]){"org", "district", "371702", "牡丹区", NULL}, NULL);
    cli_ok((const char *[]){"org", "add", "371702", "371702002", "东城街道", NULL}, NULL);
    cli_ok((const char *[]){"org", "add", "371702002", "371702002001", "东一社区", NULL}, NULL);
    cli_ok((const char *[]){"org", "add", "371702002001", "371702002001-01", "第一网格", NULL}, NULL);
    cli_ok((const char *[]){"org", "add", "371702002001-01", "371702002001-01-B01", "东城1号楼", NULL}, NULL);
    add_user("jiedao2", "street", "371702002");
    add_user("admin2", "admin", "371702002");
    add_user("anquan2", "secadmin", "371702002");
    add_user("auditor2", "auditor", "371702002");
    add_user("qu", "street", "371702");
    add_user("qushenji", "auditor", "371702");
    server_sql(&srv, "UPDATE app_user SET must_change_password = 0 WHERE username IN"
                     " ('jiedao2', 'admin2', 'anquan2', 'auditor2', 'qu', 'qushenji')");
    t_s2 = login_new("jiedao2");
    t_admin2 = login_new("admin2");
    t_sec2 = login_new("anquan2");
    t_aud2 = login_new("auditor2");
    t_qu = login_new("qu");
    t_quaud = login_new("qushenji");
    district_id = org_id_by_code(&srv, t_qu, "371702");
    p2.street = org_id_by_code(&srv, t_qu, "371702002");
    p2.community = org_id_by_code(&srv, t_qu, "371702002001");
    p2.grid = org_id_by_code(&srv, t_qu, "371702002001-01");
    p2.building = org_id_by_code(&srv, t_qu, "371702002001-01-B01");
    if (!district_id || !p2.street || !p2.community || !p2.grid || !p2.building)
        return -1;
    populate_street2();
    return 0;
}

static int teardown(void **state)
{
    char *toks[] = {t_s1, t_admin1, t_aud1, t_s2, t_admin2, t_sec2, t_aud2, t_qu, t_quaud};
    for (size_t i = 0; i < sizeof toks / sizeof toks[0]; i++)
        free(toks[i]);
    json_decref(s1_tags_before);
    return server_stop(&srv);
}

/* ---- the routes tried ---------------------------------------------------- */

static int leaks;

/* `tok` must be refused (`want`, or 400 as well when loose) and, for 404,
 * with not_found; a leak is printed and counted, so one run names them all. */
static void refused(const char *who, const char *tok, const char *method, const char *path, const char *body,
                    long want, int loose)
{
    json_t *j = NULL;
    probe_note(method, path);
    long st = api_send(&srv, method, tok, path, body, &j);
    int ok = st == want || (loose && st == 400);
    if (ok && st == 404 && strcmp(err_code(j), "not_found") != 0)
        ok = 0;
    if (!ok) {
        print_error("CROSS-STREET LEAK [%s] %s %s -> %ld (want %ld) %s\n", who, method, path, st, want,
                    err_message(j));
        leaks++;
    }
    json_decref(j);
}

#define DENY(who, tok, m, path, body) refused(who, tok, m, path, body, 404, 0)

/* What district staff see of a place, to show nothing changed. */
static json_t *snapshot(const place *p)
{
    const struct {
        const char *path, *query;
        long long id;
    } READS[] = {
        {"/api/v1/org-units/", "", p->street},         {"/api/v1/org-units/", "", p->building},
        {"/api/v1/households/", "", p->household},     {"/api/v1/residents/", "", p->resident},
        {"/api/v1/residents?org_unit_id=", "&status=all", p->grid},
        {"/api/v1/stats/org-units?parent_id=", "", p->street},
    };
    json_t *s = json_array();
    for (size_t i = 0; i < sizeof READS / sizeof READS[0]; i++)
        json_array_append_new(s, get_ok(t_qu, fmt("%s%lld%s", READS[i].path, READS[i].id, READS[i].query)));
    return s;
}

/* Street staff `tok` (whose street holds `own`) against the other street `far`. */
static void deny_registry(const char *who, const char *tok, const place *own, const place *far)
{
    json_t *before = snapshot(far);
    leaks = 0;
    /* the tree: the other street, its units, the district above both */
    DENY(who, tok, "GET", fmt("/api/v1/org-units/%lld", far->street), NULL);
    DENY(who, tok, "GET", fmt("/api/v1/org-units/%lld", far->grid), NULL);
    DENY(who, tok, "GET", fmt("/api/v1/org-units/%lld", district_id), NULL);
    DENY(who, tok, "GET", fmt("/api/v1/org-units?parent_id=%lld", far->street), NULL);
    DENY(who, tok, "GET", fmt("/api/v1/org-units?parent_id=%lld", district_id), NULL);
    DENY(who, tok, "PATCH", fmt("/api/v1/org-units/%lld", far->street), "{\"name\":\"越权改名\"}");
    DENY(who, tok, "PATCH", fmt("/api/v1/org-units/%lld", far->building), "{\"leader_name\":\"越权\"}");
    DENY(who, tok, "PATCH", fmt("/api/v1/org-units/%lld", district_id), "{\"name\":\"越权改名\"}");
    DENY(who, tok, "POST", "/api/v1/org-units",
         fmt("{\"parent_id\":%lld,\"code\":\"X%lld\",\"name\":\"越权社区\"}", far->street, own->street));
    DENY(who, tok, "POST", "/api/v1/org-units",
         fmt("{\"parent_id\":%lld,\"code\":\"X%lld\",\"name\":\"越权街道\"}", district_id, own->street));
    /* households */
    DENY(who, tok, "GET", fmt("/api/v1/households/%lld", far->household), NULL);
    DENY(who, tok, "GET", fmt("/api/v1/households/%lld/history", far->household), NULL);
    DENY(who, tok, "PATCH", fmt("/api/v1/households/%lld", far->household), "{\"notes\":\"越权\"}");
    DENY(who, tok, "POST", fmt("/api/v1/households/%lld/move", far->household), fmt("{\"grid_id\":%lld}", own->grid));
    DENY(who, tok, "POST", fmt("/api/v1/households/%lld/close", far->household), "{\"note\":\"越权\"}");
    DENY(who, tok, "POST", fmt("/api/v1/households/%lld/move", own->household), fmt("{\"grid_id\":%lld}", far->grid));
    DENY(who, tok, "GET", fmt("/api/v1/households?org_unit_id=%lld", far->street), NULL);
    DENY(who, tok, "GET", fmt("/api/v1/households?org_unit_id=%lld", district_id), NULL);
    DENY(who, tok, "POST", "/api/v1/households",
         fmt("{\"code\":\"X-%lld-H1\",\"grid_id\":%lld,\"address\":\"越权地址\"}", own->street, far->grid));
    /* residents */
    DENY(who, tok, "GET", fmt("/api/v1/residents/%lld", far->resident), NULL);
    DENY(who, tok, "GET", fmt("/api/v1/residents/%lld?full_id=1", far->resident), NULL);
    DENY(who, tok, "PATCH", fmt("/api/v1/residents/%lld", far->resident), "{\"notes\":\"越权\"}");
    DENY(who, tok, "POST", fmt("/api/v1/residents/%lld/move", far->resident),
         fmt("{\"household_id\":%lld}", own->household));
    DENY(who, tok, "POST", fmt("/api/v1/residents/%lld/move", own->resident),
         fmt("{\"household_id\":%lld}", far->household));
    DENY(who, tok, "POST", fmt("/api/v1/residents/%lld/status", far->resident), "{\"status\":\"deceased\"}");
    DENY(who, tok, "GET", fmt("/api/v1/residents/%lld/history", far->resident), NULL);
    DENY(who, tok, "GET", fmt("/api/v1/residents?org_unit_id=%lld", far->street), NULL);
    DENY(who, tok, "GET", fmt("/api/v1/residents?org_unit_id=%lld", district_id), NULL);
    DENY(who, tok, "POST", "/api/v1/residents",
         fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"越权新增\"}", far->household, fresh_id("130103")));
    /* statistics and export */
    DENY(who, tok, "GET", fmt("/api/v1/stats/tags?org_unit_id=%lld", far->street), NULL);
    DENY(who, tok, "GET", fmt("/api/v1/stats/tags?org_unit_id=%lld", district_id), NULL);
    DENY(who, tok, "GET", fmt("/api/v1/stats/org-units?parent_id=%lld", far->street), NULL);
    DENY(who, tok, "GET", fmt("/api/v1/stats/org-units?parent_id=%lld", district_id), NULL);
    DENY(who, tok, "GET", fmt("/api/v1/stats/table?org_unit_id=%lld", far->street), NULL);
    DENY(who, tok, "GET", fmt("/api/v1/stats/table/export?org_unit_id=%lld", district_id), NULL);
    DENY(who, tok, "GET", fmt("/api/v1/stats/map?parent_id=%lld", far->street), NULL);
    DENY(who, tok, "GET", fmt("/api/v1/stats/map?parent_id=%lld", district_id), NULL);
    DENY(who, tok, "GET", fmt("/api/v1/stats/ages?org_unit_id=%lld", far->street), NULL);
    DENY(who, tok, "GET", fmt("/api/v1/stats/ages?org_unit_id=%lld", district_id), NULL);
    DENY(who, tok, "GET", fmt("/api/v1/export/residents?org_unit_id=%lld", far->street), NULL);
    DENY(who, tok, "GET", fmt("/api/v1/export/residents?org_unit_id=%lld&full_id=1", far->grid), NULL);
    DENY(who, tok, "GET", fmt("/api/v1/export/households?org_unit_id=%lld&format=xlsx", far->street), NULL);
    /* imports naming the other street's grid or household: refused by row */
    const char *csv = fmt("姓名,身份证号,与户主关系,网格编码,户编号,地址\n越权导入,%s,户主,%s,X-%lld-IMP,越权地址1号\n",
                          fresh_id("130104"), far->grid_code, own->street);
    probe_note("POST", "/api/v1/import/residents");
    http_resp r;
    assert_int_equal(http(&srv, "POST", "/api/v1/import/residents", tok, csv, strlen(csv), "text/csv", &r), 0);
    if (r.status != 400 || !strstr(r.body, "grid_code")) {
        print_error("CROSS-STREET LEAK [%s] import naming %s -> %ld\n", who, far->grid_code, r.status);
        leaks++;
    }
    http_free(&r);
    /* the org-tree import naming the other street's grid: a row error */
    probe_note("POST", "/api/v1/import/org-units");
    const char *org_csv = fmt("层级,编码,名称,上级编码\n楼栋,X-%lld-ORGIMP,越权楼栋,%s\n", own->street, far->grid_code);
    assert_int_equal(http(&srv, "POST", "/api/v1/import/org-units", tok, org_csv, strlen(org_csv), "text/csv", &r), 0);
    if ((r.status != 400 && r.status != 403) || !strstr(r.body, r.status == 400 ? "parent_code" : "forbidden") ||
        server_sql_int(&srv, fmt("SELECT COUNT(*) FROM org_unit WHERE code = 'X-%lld-ORGIMP'", own->street)) != 0) {
        print_error("CROSS-STREET LEAK [%s] org import under %s -> %ld\n", who, far->grid_code, r.status);
        leaks++;
    }
    http_free(&r);
    csv = fmt("姓名,身份证号,与户主关系,网格编码,户编号,地址\n越权导入,%s,子,%s,%s,越权地址2号\n", fresh_id("130104"),
              own->grid_code, far->household_code);
    assert_int_equal(http(&srv, "POST", "/api/v1/import/residents", tok, csv, strlen(csv), "text/csv", &r), 0);
    if (r.status != 400) {
        print_error("CROSS-STREET LEAK [%s] import into %s -> %ld\n", who, far->household_code, r.status);
        leaks++;
    }
    http_free(&r);
    json_t *after = snapshot(far);
    assert_true(json_equal(before, after));
    json_decref(before);
    json_decref(after);
    assert_int_equal(leaks, 0);
}

static void street1_staff_denied_street2(void **state)
{
    deny_registry("jiedao→东城街道", t_s1, &p1, &p2);
}

static void street2_staff_denied_street1(void **state)
{
    deny_registry("jiedao2→丹阳街道", t_s2, &p2, &p1);
}

/* ---- lists: only the own street; the district: both ------------------------ */

/* How many items of a list page have grid_id `grid`. */
static long long items_in_grid(json_t *list, long long grid)
{
    size_t i;
    json_t *it;
    long long n = 0;
    json_array_foreach(json_object_get(list, "items"), i, it)
        n += jint(it, "grid_id") == grid;
    return n;
}

static void street_lists_hold_only_their_street(void **state)
{
    /* street 2's whole lists: its own rows only */
    json_t *j = get_ok(t_s2, "/api/v1/residents?status=all&page_size=100");
    assert_int_equal(jint(j, "total"), 3);
    assert_int_equal(items_in_grid(j, p2.grid), 3);
    json_decref(j);
    assert_int_equal(total_of(t_s2, "/api/v1/households?status=all"), 1);
    assert_int_equal(total_of(t_s2, fmt("/api/v1/residents?name=%s", urlenc("张"))), 0);
    /* street 1 never finds street 2's people, by name or household code */
    assert_int_equal(total_of(t_s1, fmt("/api/v1/residents?name=%s", urlenc("东城"))), 0);
    assert_int_equal(total_of(t_qu, fmt("/api/v1/residents?name=%s", urlenc("东城"))), 3);
    assert_int_equal(total_of(t_s1, "/api/v1/households?q=371702002"), 0);
    assert_int_equal(total_of(t_qu, "/api/v1/households?q=371702002"), 1);
    /* street 1's pages, newest first (street 2's rows are the newest): none of street 2's */
    const char *lists[] = {"/api/v1/residents?sort=-id&page_size=100", "/api/v1/residents?tag=dibao&sort=-id",
                           "/api/v1/residents?status=all&sort=-id", "/api/v1/households?sort=-id&status=all"};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        j = get_ok(t_s1, lists[i]);
        assert_true(json_array_size(json_object_get(j, "items")) > 0);
        assert_int_equal(items_in_grid(j, p2.grid), 0);
        json_decref(j);
        j = get_ok(t_qu, lists[i]);
        assert_true(items_in_grid(j, p2.grid) > 0);
        json_decref(j);
    }
    /* exports */
    http_resp r;
    assert_int_equal(http(&srv, "GET", "/api/v1/export/residents", t_s1, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body, "东城甲"));
    assert_null(strstr(r.body, "371702002001-01"));
    http_free(&r);
    assert_int_equal(http(&srv, "GET", "/api/v1/export/residents", t_qu, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "东城甲"));
    assert_non_null(strstr(r.body, "371702001001-01"));
    http_free(&r);
}

/* The first street after the district was put above it: unchanged. */
static void first_street_unchanged_by_the_district(void **state)
{
    json_t *j = get_ok(t_s1, fmt("/api/v1/org-units/%lld", p1.street));
    assert_string_equal(jstr(j, "path"), street1_path);
    assert_int_equal(jint(j, "parent_id"), district_id);
    assert_int_equal(json_array_size(json_object_get(j, "ancestors")), 0);   /* the district is outside its scope */
    json_decref(j);
    /* GET /org-units without parent: still the caller's street */
    j = get_ok(t_s1, "/api/v1/org-units");
    assert_int_equal(jint(json_array_get(json_object_get(j, "items"), 0), "id"), p1.street);
    json_decref(j);
    assert_int_equal(total_of(t_s1, "/api/v1/residents"), s1_residents_before);
    assert_int_equal(total_of(t_s1, "/api/v1/households"), s1_households_before);
    json_t *tags = get_ok(t_s1, "/api/v1/stats/tags");
    assert_true(json_equal(tags, s1_tags_before));
    json_decref(tags);
    /* the demo's audit rows (paths of the street) are still the street auditor's */
    assert_true(total_of(t_aud1, "/api/v1/audit?entity=org_unit") > 0);
    assert_true(total_of(t_aud1, "/api/v1/audit?action=login") > 0);
    /* and the counts still equal a recount */
    char out[300];
    snprintf(out, sizeof out, "%s/check.out", srv.dir);
    assert_int_equal(run_cli(&srv, (const char *[]){"check", "counts", NULL}, out, NULL), 0);
}

static void district_sees_every_street(void **state)
{
    /* the tree from the district, with each street's counts */
    json_t *root = get_ok(t_qu, "/api/v1/org-units");
    json_t *d = json_array_get(json_object_get(root, "items"), 0);
    assert_string_equal(jstr(d, "kind"), "district");
    assert_string_equal(jstr(d, "kind_label"), "区");
    assert_string_equal(jstr(d, "path"), "/");
    assert_int_equal(jint(d, "child_count"), 2);
    long long all_residents = jint(d, "resident_count");
    assert_int_equal(all_residents, s1_residents_before + 3);
    json_decref(root);
    json_t *kids = get_ok(t_qu, fmt("/api/v1/org-units?parent_id=%lld", district_id));
    assert_int_equal(json_array_size(json_object_get(kids, "items")), 2);
    json_decref(kids);
    /* statistics per street: the maintained counters, summed */
    json_t *st = get_ok(t_qu, "/api/v1/stats/org-units");
    assert_int_equal(jint(json_object_get(st, "parent"), "id"), district_id);
    json_t *items = json_object_get(st, "items");
    assert_int_equal(json_array_size(items), 2);
    json_t *a = json_array_get(items, 0), *b = json_array_get(items, 1);
    assert_string_equal(jstr(a, "code"), "371702001");
    assert_string_equal(jstr(b, "code"), "371702002");
    assert_int_equal(jint(a, "residents"), s1_residents_before);
    assert_int_equal(jint(b, "residents"), 3);
    assert_int_equal(jint(b, "households"), 1);
    assert_int_equal(jint(json_object_get(b, "tags"), "dibao"), 1);
    assert_int_equal(jint(json_object_get(b, "tags"), "veteran"), 2);
    json_decref(st);
    json_t *tags = get_ok(t_qu, "/api/v1/stats/tags");
    assert_int_equal(jint(tags, "total_residents"), all_residents);
    json_decref(tags);
    /* district-wide lists */
    assert_int_equal(total_of(t_qu, "/api/v1/residents"), all_residents);
    assert_int_equal(total_of(t_qu, "/api/v1/households"), s1_households_before + 1);
    assert_int_equal(total_of(t_qu, fmt("/api/v1/residents?org_unit_id=%lld", p2.street)), 3);
    /* the same masking as street staff: a street-1 resident read by both */
    json_t *by_qu = get_ok(t_qu, fmt("/api/v1/residents/%lld", p1.resident));
    json_t *by_street = get_ok(t_s1, fmt("/api/v1/residents/%lld", p1.resident));
    assert_true(json_equal(by_qu, by_street));
    assert_non_null(strstr(jstr(by_qu, "id_number"), "*"));
    json_decref(by_qu);
    json_decref(by_street);
    /* district staff write in any street */
    json_t *j = api_expect(&srv, t_qu, "PATCH", fmt("/api/v1/residents/%lld", p2.resident), "{\"notes\":\"区里核对\"}", 200);
    json_decref(j);
    j = api_expect(&srv, t_qu, "POST", "/api/v1/org-units",
                   fmt("{\"parent_id\":%lld,\"code\":\"371702003\",\"name\":\"西城街道\"}", district_id), 201);
    assert_string_equal(jstr(j, "kind"), "street");
    assert_int_equal(jint(j, "parent_id"), district_id);
    json_decref(j);
}

/* ---- transfer-in requests, per street ------------------------------------------ */

static long long file_transfer(const char *tok, long long rid, long long hh, json_t **out)
{
    json_t *j = get_ok(t_qu, fmt("/api/v1/residents/%lld?full_id=1", rid));
    char idn[19];
    snprintf(idn, sizeof idn, "%s", jstr(j, "id_number"));
    json_decref(j);
    j = api_expect(&srv, tok, "POST", "/api/v1/transfers", fmt("{\"id_number\":\"%s\",\"household_id\":%lld}", idn, hh),
                   201);
    long long id = jint(j, "id");
    if (out)
        *out = j;
    else
        json_decref(j);
    return id;
}

static int transfer_listed(const char *tok, long long id)
{
    return api_list_has(&srv, tok, "/api/v1/transfers?page_size=100", id);
}

/* `tok` (street staff of the other street) against request `id`. */
static void deny_transfer(const char *who, const char *tok, long long id, long long far_hh)
{
    DENY(who, tok, "GET", fmt("/api/v1/transfers/%lld", id), NULL);
    DENY(who, tok, "POST", fmt("/api/v1/transfers/%lld/accept", id), "{}");
    DENY(who, tok, "POST", fmt("/api/v1/transfers/%lld/refuse", id), "{\"opinion\":\"越权拒绝\"}");
    refused(who, tok, "POST", fmt("/api/v1/transfers/%lld/withdraw", id), "{}", 403, 0);   /* street staff never withdraw */
    refused(who, tok, "POST", "/api/v1/transfers", fmt("{\"id_number\":\"%s\",\"household_id\":%lld}",
                                                      fresh_id("130105"), far_hh), 403, 0);
    probe_note("GET", "/api/v1/transfers");
    if (transfer_listed(tok, id)) {
        print_error("CROSS-STREET LEAK [%s] GET /transfers lists request %lld\n", who, id);
        leaks++;
    }
}

static void transfers_stay_in_their_streets(void **state)
{
    /* a second community in street 2, its account, a household numbered by the system */
    cli_ok((const char *[]){"org", "add", "371702002", "371702002002", "东二社区", NULL}, NULL);
    cli_ok((const char *[]){"org", "add", "371702002002", "371702002002-01", "东二第一网格", NULL}, NULL);
    add_user("shequ2b", "community", "371702002002");
    server_sql(&srv, "UPDATE app_user SET must_change_password = 0 WHERE username = 'shequ2b'");
    char *t_c2b = login_new("shequ2b"), *t_c1b = login(&srv, "shequ02", DEMO_PW);
    assert_non_null(t_c1b);
    long long g2b = org_id_by_code(&srv, t_qu, "371702002002-01");
    json_t *j = api_expect(&srv, t_c2b, "POST", "/api/v1/households",
                           fmt("{\"grid_id\":%lld,\"address\":\"东城路2号\"}", g2b), 201);
    assert_string_equal(jstr(j, "code"), "371702002002-01-0001");
    long long hh2 = jint(j, "id");
    json_decref(j);
    /* street 1's c002 household, a street-1 resident of c001 */
    long long c002 = org_id_by_code(&srv, t_s1, "371702001002");
    j = get_ok(t_s1, fmt("/api/v1/households?org_unit_id=%lld&page_size=20", c002));
    long long hh1 = jint(json_array_get(json_object_get(j, "items"), 0), "id");
    json_decref(j);

    /* inside each street: the community named */
    long long t2 = file_transfer(t_c2b, p2.resident, hh2, &j);
    assert_string_equal(jstr(j, "registered_in"), "东一社区");
    json_decref(j);
    long long t1 = file_transfer(t_c1b, p1.resident, hh1, NULL);
    leaks = 0;
    deny_transfer("jiedao→东城街道", t_s1, t2, hh2);
    deny_transfer("jiedao2→丹阳街道", t_s2, t1, hh1);
    assert_int_equal(leaks, 0);
    assert_true(transfer_listed(t_qu, t1) && transfer_listed(t_qu, t2));
    assert_true(transfer_listed(t_s1, t1) && transfer_listed(t_s2, t2));

    /* across streets: the street only, in the 409 and in the request */
    j = get_ok(t_qu, fmt("/api/v1/residents?org_unit_id=%lld&sort=id&page_size=20", c002));
    long long other = jint(json_array_get(json_object_get(j, "items"), 0), "id");
    json_decref(j);
    j = get_ok(t_qu, fmt("/api/v1/residents/%lld?full_id=1", other));
    char idn[19];
    snprintf(idn, sizeof idn, "%s", jstr(j, "id_number"));
    json_decref(j);
    j = api_expect(&srv, t_c2b, "POST", "/api/v1/residents",
                   fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"跨街登记\"}", hh2, idn), 409);
    assert_string_equal(err_message(j), "该身份证号已在丹阳街道登记");
    json_decref(j);
    long long t3 = file_transfer(t_c2b, other, hh2, &j);
    assert_string_equal(jstr(j, "registered_in"), "丹阳街道");
    assert_null(json_object_get(json_object_get(j, "person"), "resident_id"));
    json_decref(j);
    /* the releasing street sees the receiving side as a street too */
    j = get_ok(t_s1, fmt("/api/v1/transfers/%lld", t3));
    assert_string_equal(jstr(json_object_get(j, "to"), "unit"), "东城街道");
    json_decref(j);
    json_decref(api_expect(&srv, t_c2b, "POST", fmt("/api/v1/transfers/%lld/withdraw", t3), "{}", 200));
    free(t_c2b);
    free(t_c1b);
}

/* ---- assistance cases, per street (cases part) ------------------------------- */

static long long file_assist_case(const char *tok, const place *p)
{
    json_t *j = api_expect(&srv, tok, "POST", "/api/v1/assistance/cases",
                           fmt("{\"programme\":\"temporary\",\"household_id\":%lld,\"resident_id\":%lld,"
                               "\"requested_fen\":30000}", p->household, p->resident),
                           201);
    long long id = jint(j, "id");
    json_decref(j);
    return id;
}

/* `tok` (street staff of the other street) against case `id` of place `far`. */
static void deny_assist_case(const char *who, const char *tok, long long id, const place *far)
{
    DENY(who, tok, "GET", fmt("/api/v1/assistance/cases/%lld", id), NULL);
    const char *const *actions = probe_case_actions();
    for (size_t i = 0; actions[i]; i++)
        DENY(who, tok, "POST", fmt("/api/v1/assistance/cases/%lld/actions/%s", id, actions[i]),
             "{\"opinion\":\"越权办理\"}");
    DENY(who, tok, "POST", "/api/v1/assistance/cases",
         fmt("{\"programme\":\"temporary\",\"household_id\":%lld,\"resident_id\":%lld,\"requested_fen\":100}",
             far->household, far->resident));
    DENY(who, tok, "PUT", fmt("/api/v1/assistance/cases/%lld/bank", id),
         "{\"bank_name\":\"农业银行\",\"account_name\":\"越权\",\"account_number\":\"6228480012345678\"}");
    DENY(who, tok, "GET", fmt("/api/v1/assistance/cases/%lld/decision", id), NULL);
    probe_note("GET", "/api/v1/assistance/cases");
    if (api_list_has(&srv, tok, "/api/v1/assistance/cases?page_size=100", id)) {
        print_error("CROSS-STREET LEAK [%s] GET /assistance/cases lists case %lld\n", who, id);
        leaks++;
    }
}

static void assistance_cases_stay_in_their_streets(void **state)
{
    long long k1 = file_assist_case(t_s1, &p1), k2 = file_assist_case(t_s2, &p2);
    leaks = 0;
    deny_assist_case("jiedao→东城街道", t_s1, k2, &p2);
    deny_assist_case("jiedao2→丹阳街道", t_s2, k1, &p1);
    assert_int_equal(leaks, 0);
    assert_true(api_list_has(&srv, t_qu, "/api/v1/assistance/cases?page_size=100", k1));
    assert_true(api_list_has(&srv, t_qu, "/api/v1/assistance/cases?page_size=100", k2));
    json_t *j = get_ok(t_qu, fmt("/api/v1/assistance/cases/%lld", k2));   /* district staff see both */
    assert_string_equal(jstr(j, "state"), "applied");
    json_decref(j);
    j = get_ok(t_qu, fmt("/api/v1/assistance/cases/%lld", k1));
    assert_string_equal(jstr(j, "state"), "applied");
    json_decref(j);
}

/* ---- people's mediation, per street ----------------------------------------- */

/* A street's station, mediator and case (being mediated) in place p's community. */
typedef struct med_fixture {
    long long station, mediator, case_id;
} med_fixture;

static med_fixture med_for(const char *tok, const place *p)
{
    med_fixture m;
    json_t *j = api_expect(&srv, tok, "POST", "/api/v1/mediation/stations",
                           fmt("{\"org_unit_id\":%lld,\"name\":\"人民调解委员会\"}", p->street), 201);
    m.station = jint(j, "id");
    json_decref(j);
    j = api_expect(&srv, tok, "POST", "/api/v1/mediation/mediators",
                   fmt("{\"station_id\":%lld,\"name\":\"街调解\",\"kind\":\"elder\",\"phone\":\"13700001234\"}", m.station),
                   201);
    m.mediator = jint(j, "id");
    json_decref(j);
    j = api_expect(&srv, tok, "POST", "/api/v1/mediation/cases",
                   fmt("{\"community_id\":%lld,\"mediator_id\":%lld,\"dispute_type\":\"neighbour\",\"summary\":\"邻里纠纷\","
                       "\"parties\":[{\"side\":\"applicant\",\"resident_id\":%lld},{\"side\":\"respondent\",\"name\":\"对方\"}]}",
                       p->community, m.mediator, p->resident),
                   201);
    m.case_id = jint(j, "id");
    json_decref(j);
    json_decref(api_expect(&srv, tok, "POST", fmt("/api/v1/mediation/cases/%lld/actions/start", m.case_id), "{}", 200));
    return m;
}

/* `tok` (street staff of the other street) against street `far`'s mediation. */
static void deny_mediation(const char *who, const char *tok, const med_fixture *m, const place *far)
{
    static const char *const ACTIONS[] = {"start", "agree", "fail", "withdraw", "visit", "close", NULL};
    DENY(who, tok, "GET", fmt("/api/v1/mediation/cases/%lld", m->case_id), NULL);
    DENY(who, tok, "GET", fmt("/api/v1/mediation/cases/%lld/agreement", m->case_id), NULL);
    DENY(who, tok, "POST", fmt("/api/v1/mediation/cases/%lld/sessions", m->case_id),
         "{\"held_on\":\"2026-01-05\",\"place\":\"越权\",\"attendees\":\"越权\"}");
    for (size_t i = 0; ACTIONS[i]; i++)
        DENY(who, tok, "POST", fmt("/api/v1/mediation/cases/%lld/actions/%s", m->case_id, ACTIONS[i]),
             "{\"opinion\":\"越权办理\",\"referred_to\":\"法院\"}");
    DENY(who, tok, "POST", "/api/v1/mediation/cases",
         fmt("{\"community_id\":%lld,\"mediator_id\":%lld,\"dispute_type\":\"family\",\"summary\":\"越权\","
             "\"parties\":[{\"side\":\"applicant\",\"name\":\"甲\"},{\"side\":\"respondent\",\"name\":\"乙\"}]}",
             far->community, m->mediator));
    DENY(who, tok, "GET", fmt("/api/v1/mediation/cases?org_unit_id=%lld", far->street), NULL);
    DENY(who, tok, "GET", fmt("/api/v1/mediation/figures?org_unit_id=%lld", far->community), NULL);
    DENY(who, tok, "POST", "/api/v1/mediation/stations", fmt("{\"org_unit_id\":%lld,\"name\":\"越权\"}", far->street));
    DENY(who, tok, "PATCH", fmt("/api/v1/mediation/stations/%lld", m->station), "{\"name\":\"越权\"}");
    DENY(who, tok, "POST", "/api/v1/mediation/mediators",
         fmt("{\"station_id\":%lld,\"name\":\"越权\",\"kind\":\"other\"}", m->station));
    DENY(who, tok, "GET", fmt("/api/v1/mediation/mediators/%lld", m->mediator), NULL);
    DENY(who, tok, "PATCH", fmt("/api/v1/mediation/mediators/%lld", m->mediator), "{\"name\":\"越权\"}");
    DENY(who, tok, "POST", fmt("/api/v1/mediation/mediators/%lld/deactivate", m->mediator), "{}");
    probe_note("GET", "/api/v1/mediation/cases");
    probe_note("GET", "/api/v1/mediation/stations");
    probe_note("GET", "/api/v1/mediation/mediators");
    probe_note("GET", "/api/v1/mediation/figures");
    json_t *fig = get_ok(tok, "/api/v1/mediation/figures");
    json_t *st = get_ok(tok, "/api/v1/mediation/stations");
    int station_seen = 0;
    json_t *it;
    size_t i;
    json_array_foreach(json_object_get(st, "items"), i, it)
        station_seen |= jint(it, "id") == m->station;
    json_array_foreach(json_object_get(fig, "by_community"), i, it)
        station_seen |= jint(it, "community_id") == far->community;   /* the other street's community in the figures */
    if (station_seen ||
        api_list_has(&srv, tok, "/api/v1/mediation/cases?page_size=100", m->case_id) ||
        api_list_has(&srv, tok, "/api/v1/mediation/mediators?page_size=100", m->mediator)) {
        print_error("CROSS-STREET LEAK [%s] a mediation list shows the other street's\n", who);
        leaks++;
    }
    json_decref(fig);
    json_decref(st);
}

static void mediation_stays_in_its_street(void **state)
{
    med_fixture m1 = med_for(t_s1, &p1), m2 = med_for(t_s2, &p2);
    leaks = 0;
    deny_mediation("jiedao→东城街道", t_s1, &m2, &p2);
    deny_mediation("jiedao2→丹阳街道", t_s2, &m1, &p1);
    assert_int_equal(leaks, 0);
    /* district staff see both; a mediator of one street is not chosen for the other's case */
    assert_true(api_list_has(&srv, t_qu, "/api/v1/mediation/cases?page_size=100", m1.case_id));
    assert_true(api_list_has(&srv, t_qu, "/api/v1/mediation/cases?page_size=100", m2.case_id));
    json_t *j = api_expect(&srv, t_qu, "POST", "/api/v1/mediation/cases",
                           fmt("{\"community_id\":%lld,\"mediator_id\":%lld,\"dispute_type\":\"family\",\"summary\":\"跨街\","
                               "\"parties\":[{\"side\":\"applicant\",\"name\":\"甲\"},{\"side\":\"respondent\",\"name\":\"乙\"}]}",
                               p1.community, m2.mediator),
                           404);
    assert_string_equal(err_field(j), "mediator_id");
    json_decref(j);
    j = get_ok(t_qu, fmt("/api/v1/mediation/cases/%lld", m2.case_id));
    assert_string_equal(jstr(j, "state"), "mediating");
    assert_int_equal(json_array_size(json_object_get(j, "sessions")), 0);
    json_decref(j);
}

/* ---- work orders (诉求工单), per street (wo part) ----------------------------- */

static long long file_order(const char *tok, const place *p)
{
    json_t *j = api_expect(&srv, tok, "POST", "/api/v1/demands/orders",
                           fmt("{\"source\":\"walkin\",\"category_id\":101,\"grid_id\":%lld,\"address\":\"街道路一号\","
                               "\"reporter_name\":\"张三\",\"phone\":\"13800002222\",\"content\":\"垃圾未清运\"}", p->grid),
                           201);
    long long id = jint(j, "id");
    json_decref(j);
    json_decref(api_expect(&srv, tok, "POST", fmt("/api/v1/demands/orders/%lld/actions/assign", id),
                           fmt("{\"unit_id\":%lld}", p->grid), 200));
    return id;
}

static long long new_dept(const char *tok, const char *name)
{
    json_t *j = api_expect(&srv, tok, "POST", "/api/v1/demands/departments", fmt("{\"name\":\"%s\"}", name), 201);
    long long id = jint(j, "id");
    json_decref(j);
    return id;
}

/* Street staff `tok` against the other street's order `id` (in far's
 * grid), department `dept` and their own order `own`. */
static void deny_orders(const char *who, const char *tok, long long id, long long dept, long long own, const place *far)
{
    static const char *const ACTIONS[] = {"assign", "reassign", "sign", "return", "progress", "finish", "callback", NULL};
    DENY(who, tok, "GET", fmt("/api/v1/demands/orders/%lld", id), NULL);
    for (size_t i = 0; ACTIONS[i]; i++)
        DENY(who, tok, "POST", fmt("/api/v1/demands/orders/%lld/actions/%s", id, ACTIONS[i]),
             fmt("{\"opinion\":\"越权\",\"unit_id\":%lld,\"department_id\":%lld,\"solved\":true,"
                 "\"satisfaction\":\"satisfied\"}", far->grid, dept));
    DENY(who, tok, "POST", fmt("/api/v1/demands/orders/%lld/urge", id), "{\"note\":\"越权催办\"}");
    DENY(who, tok, "POST", fmt("/api/v1/demands/orders/%lld/duplicate", own), fmt("{\"other_id\":%lld,\"decision\":\"merge\"}", id));
    refused(who, tok, "POST", "/api/v1/demands/orders",
            fmt("{\"source\":\"walkin\",\"category_id\":101,\"grid_id\":%lld,\"address\":\"越权路\","
                "\"reporter_name\":\"王五\",\"content\":\"越权登记\"}", far->grid), 400, 0);
    DENY(who, tok, "PUT", fmt("/api/v1/demands/departments/%lld", dept), "{\"name\":\"越权改名\"}");
    /* the work order reports (worep): the other street's units 404 */
    DENY(who, tok, "GET", fmt("/api/v1/demands/reports/weekly?org_unit_id=%lld", far->grid), NULL);
    DENY(who, tok, "GET", fmt("/api/v1/demands/reports/monthly?org_unit_id=%lld", far->grid), NULL);
    /* the tree is the district's: a street of it does not edit it */
    refused(who, tok, "POST", "/api/v1/demands/categories", "{\"name\":\"越权\",\"handle_days\":5,\"sign_days\":1}", 403, 0);
    refused(who, tok, "PUT", "/api/v1/demands/categories/1", "{\"handle_days\":60}", 403, 0);
    probe_note("GET", "/api/v1/demands/orders");
    probe_note("GET", "/api/v1/demands/departments");
    probe_note("GET", "/api/v1/demands/categories");
    probe_note("POST", "/api/v1/demands/departments");
    if (api_list_has(&srv, tok, "/api/v1/demands/orders?page_size=100", id) ||
        api_list_has(&srv, tok, "/api/v1/demands/departments", dept)) {
        print_error("CROSS-STREET LEAK [%s] lists show order %lld or department %lld\n", who, id, dept);
        leaks++;
    }
    /* the same phone in the other street is no duplicate of theirs */
    json_t *j = get_ok(tok, fmt("/api/v1/demands/orders/%lld", own));
    if (json_array_size(json_object_get(j, "possible_duplicates")) != 0) {
        print_error("CROSS-STREET LEAK [%s] order %lld shows the other street's as a duplicate\n", who, own);
        leaks++;
    }
    json_decref(j);
}

static void demands_stay_in_their_streets(void **state)
{
    (void)state;
    long long o1 = file_order(t_s1, &p1), o2 = file_order(t_s2, &p2);
    long long d1 = new_dept(t_s1, "城管执法中队"), d2 = new_dept(t_s2, "城管执法中队");   /* one name per street */
    leaks = 0;
    deny_orders("jiedao→东城街道", t_s1, o2, d2, o1, &p2);
    deny_orders("jiedao2→丹阳街道", t_s2, o1, d1, o2, &p1);
    assert_int_equal(leaks, 0);
    /* district staff see both streets' orders; a department is a street's */
    assert_true(api_list_has(&srv, t_qu, "/api/v1/demands/orders?page_size=100", o1));
    assert_true(api_list_has(&srv, t_qu, "/api/v1/demands/orders?page_size=100", o2));
    json_decref(api_expect(&srv, t_qu, "GET", "/api/v1/demands/departments", NULL, 403));
    json_t *j = get_ok(t_s2, fmt("/api/v1/demands/orders/%lld", o2));
    assert_string_equal(jstr(j, "state"), "assigned");
    json_decref(j);
    j = get_ok(t_s1, "/api/v1/demands/departments");
    assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
    json_decref(j);
    /* the district's street staff edit the tree */
    json_decref(api_expect(&srv, t_qu, "PUT", "/api/v1/demands/categories/11", "{\"sort\":100}", 200));
}

/* ---- Open311, per street (o311 part) --------------------------------------------- */

/* A request filed with key through Open311 (form-encoded): its id. */
static long long o311_file(const char *key)
{
    const char *form = fmt("api_key=%s&service_code=101&address_string=%s", key, urlenc("街道路二号"));
    http_resp r = {0};
    assert_int_equal(http(&srv, "POST", "/open311/v2/requests.json", NULL, form, strlen(form),
                          "application/x-www-form-urlencoded", &r), 0);
    assert_int_equal(r.status, 201);
    long long id = atoll(json_string_value(json_object_get(json_array_get(r.json, 0), "service_request_id")));
    http_free(&r);
    return id;
}

/* GET path (an Open311 read with key) must answer want; else a leak. */
static void o311_expect(const char *who, const char *method, const char *path, const char *key, long want,
                        long long absent)
{
    char url[256];
    snprintf(url, sizeof url, "%s%sapi_key=%s", path, strchr(path, '?') ? "&" : "?", key);
    probe_note(method, path);
    http_resp r = {0};
    long st = http(&srv, method, url, NULL, NULL, 0, NULL, &r) == 0 ? r.status : -1;
    int leak = st != want;
    size_t i;
    json_t *it;
    json_array_foreach(r.json, i, it) {
        const char *sid = json_string_value(json_object_get(it, "service_request_id"));
        if (sid && atoll(sid) == absent)
            leak = 1;
    }
    if (leak) {
        print_error("CROSS-STREET LEAK [%s] %s %s -> %ld (want %ld) %s\n", who, method, path, st, want, r.body);
        leaks++;
    }
    http_free(&r);
}

static long long o311_key(const char *tok, const place *p, char out[64])
{
    json_t *j = api_expect(&srv, tok, "POST", "/api/v1/open311/keys",
                           fmt("{\"name\":\"市民App\",\"street_id\":%lld,\"grid_id\":%lld}", p->street, p->grid), 201);
    snprintf(out, 64, "%s", jstr(j, "key"));
    long long id = jint(j, "id");
    json_decref(j);
    return id;
}

static void open311_stays_in_its_street(void **state)
{
    (void)state;
    char k1[64], k2[64];
    long long kid1 = o311_key(t_admin1, &p1, k1), kid2 = o311_key(t_admin2, &p2, k2);
    long long r1 = o311_file(k1), r2 = o311_file(k2);
    leaks = 0;
    const struct { const char *who, *key; long long far; } side[] = {{"key of 丹阳街道", k1, r2}, {"key of 东城街道", k2, r1}};
    for (size_t i = 0; i < 2; i++) {
        o311_expect(side[i].who, "GET", fmt("/open311/v2/requests/%lld.json", side[i].far), side[i].key, 404, 0);
        o311_expect(side[i].who, "GET", fmt("/open311/v2/tokens/%lld.json", side[i].far), side[i].key, 404, 0);
        o311_expect(side[i].who, "GET", fmt("/open311/v2/requests.json?service_request_id=%lld,%lld", r1, r2),
                    side[i].key, 200, side[i].far);
        o311_expect(side[i].who, "GET", "/open311/v2/requests.json", side[i].key, 200, side[i].far);
    }
    /* each admin keeps to their street's keys */
    DENY("admin2→丹阳街道", t_admin2, "POST", fmt("/api/v1/open311/keys/%lld/revoke", kid1), NULL);
    DENY("admin→东城街道", t_admin1, "POST", fmt("/api/v1/open311/keys/%lld/revoke", kid2), NULL);
    refused("admin2→丹阳街道", t_admin2, "POST", "/api/v1/open311/keys",
            fmt("{\"name\":\"越权\",\"street_id\":%lld,\"grid_id\":%lld}", p1.street, p1.grid), 400, 0);
    probe_note("GET", "/api/v1/open311/keys");
    probe_note("GET", "/open311/v2/services.json");   /* the category tree: the district's, no street data */
    probe_note("GET", "/open311/v2/services/{id}.json");
    probe_note("POST", "/open311/v2/requests.json");  /* filed in the key's own grid (above) */
    if (api_list_has(&srv, t_admin2, "/api/v1/open311/keys", kid1) || api_list_has(&srv, t_admin1, "/api/v1/open311/keys", kid2)) {
        print_error("CROSS-STREET LEAK the key lists show the other street's key\n");
        leaks++;
    }
    assert_int_equal(leaks, 0);
    /* the orders are each street's own */
    json_decref(api_expect(&srv, t_s1, "GET", fmt("/api/v1/demands/orders/%lld", r2), NULL, 404));
    json_decref(api_expect(&srv, t_s2, "GET", fmt("/api/v1/demands/orders/%lld", r1), NULL, 404));
}

/* ---- 近亲属备案, 政策找人, stop flags, re-reviews, per street (relatives part) ---- */

/* Whether GET path (a list of at most 100 here) holds an item whose `key` is id. */
static int listed_by(const char *tok, const char *path, const char *key, long long id)
{
    json_t *j = get_ok(tok, fmt("%s%spage_size=100", path, strchr(path, '?') ? "&" : "?")), *it;
    size_t i;
    int hit = 0;
    json_array_foreach(json_object_get(j, "items"), i, it)
        hit |= jint(it, key) == id || jint(json_object_get(it, "relative"), key) == id;
    json_decref(j);
    return hit;
}

/* The 政策找人 summary's count of 高龄津贴 candidates (its first kind) for `tok`. */
static long long longevity_count(const char *tok)
{
    json_t *j = get_ok(tok, "/api/v1/assistance/policy-find/summary");
    json_t *first = json_array_get(json_object_get(j, "items"), 0);
    assert_string_equal(jstr(first, "kind"), "longevity");
    long long n = jint(first, "count");
    json_decref(j);
    return n;
}

static void assistance_relatives_stay_in_their_streets(void **state)
{
    /* street 2: a registration, an 80-year-old, a case flagged and due for re-review, a death not yet swept */
    json_t *j = api_expect(&srv, t_s2, "POST", "/api/v1/assistance/relatives",
                           fmt("{\"staff_name\":\"东城干部\",\"staff_post\":\"街道工作人员\",\"staff_unit_id\":%lld,"
                               "\"relative_name\":\"东城亲属\",\"relation\":\"父母\",\"relative_id_number\":\"%s\"}",
                               p2.street, fresh_id("130102")), 201);
    long long r2 = jint(j, "id");
    json_decref(j);
    j = api_expect(&srv, t_s2, "POST", "/api/v1/residents",
                   fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"东城老人\",\"relation\":\"父母\"}",
                       p2.household, fresh_old_id("130102")), 201);
    long long old2 = jint(j, "id");
    json_decref(j);
    place p2_old = p2;
    p2_old.resident = old2;
    long long k2 = file_assist_case(t_s2, &p2_old);
    server_sql(&srv, fmt("UPDATE wf_case SET state = 'active', due_at = NULL WHERE id = %lld", k2));
    server_sql(&srv, fmt("UPDATE assistance_case SET stop_flag = 'moved_out', stop_flag_resident_id = %lld,"
                         " stop_flag_date = '2026-01-01', review_class = 'A', next_review_on = '2025-01-01' WHERE id = %lld",
                         p2.resident, k2));

    leaks = 0;
    const char *who = "jiedao→东城街道";
    /* 政策找人 while the 80-year-old lives: street 2 finds it, street 1 neither finds nor counts it */
    assert_true(listed_by(t_s2, "/api/v1/assistance/policy-find?kind=longevity", "resident_id", old2));
    if (listed_by(t_s1, "/api/v1/assistance/policy-find?kind=longevity", "resident_id", old2) ||
        longevity_count(t_s1) + longevity_count(t_s2) != longevity_count(t_qu)) {
        print_error("CROSS-STREET LEAK [%s] 政策找人 finds or counts street 2's\n", who);
        leaks++;
    }
    json_decref(api_expect(&srv, t_s2, "POST", fmt("/api/v1/residents/%lld/status", old2), "{\"status\":\"deceased\"}", 200));
    DENY(who, t_s1, "POST", "/api/v1/assistance/relatives",
         fmt("{\"staff_name\":\"越权\",\"staff_post\":\"其他\",\"staff_unit_id\":%lld,\"relative_name\":\"越权\","
             "\"relation\":\"配偶\",\"relative_id_number\":\"%s\"}", p2.community, fresh_id("130102")));
    DENY(who, t_s1, "POST", fmt("/api/v1/assistance/relatives/%lld/remove", r2), "{\"reason\":\"越权\"}");
    DENY(who, t_s1, "GET", fmt("/api/v1/assistance/reviews/due?org_unit_id=%lld", p2.street), NULL);
    static const char *const LISTS[] = {"/api/v1/assistance/relatives", "/api/v1/assistance/relatives/report",
                                        "/api/v1/assistance/policy-find", "/api/v1/assistance/policy-find/summary",
                                        "/api/v1/assistance/flags", "/api/v1/assistance/reviews/due", NULL};
    for (size_t i = 0; LISTS[i]; i++)
        probe_note("GET", LISTS[i]);
    probe_note("POST", "/api/v1/assistance/flags/sweep");
    j = get_ok(t_s1, "/api/v1/assistance/relatives/report");
    char *report = json_dumps(j, 0);
    json_decref(j);
    int in_report = strstr(report, "东城干部") != NULL;
    free(report);
    if (in_report || listed_by(t_s1, "/api/v1/assistance/relatives?include_removed=1", "id", r2) ||
        listed_by(t_s1, "/api/v1/assistance/flags", "case_id", k2) ||
        listed_by(t_s1, "/api/v1/assistance/reviews/due", "case_id", k2)) {
        print_error("CROSS-STREET LEAK [%s] a list of /assistance shows street 2's\n", who);
        leaks++;
    }
    /* street 1's sweep leaves street 2's flag open; street 2's handles it */
    json_decref(api_expect(&srv, t_s1, "POST", "/api/v1/assistance/flags/sweep", "{}", 200));
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM resident_event_flag WHERE resident_id = %lld"
                                              " AND handled_at IS NULL", old2)), 1);
    json_decref(api_expect(&srv, t_s2, "POST", "/api/v1/assistance/flags/sweep", "{}", 200));
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM resident_event_flag WHERE resident_id = %lld"
                                              " AND handled_by = 'assistance'", old2)), 1);
    /* 政策找人 of street 2 counts street 2 alone: the 80-year-old, until marked deceased */
    j = get_ok(t_s2, "/api/v1/assistance/policy-find/summary");
    assert_int_equal(jint(json_array_get(json_object_get(j, "items"), 0), "count"), 0);
    json_decref(j);
    assert_true(listed_by(t_s2, "/api/v1/assistance/flags", "case_id", k2));
    assert_true(listed_by(t_qu, "/api/v1/assistance/reviews/due", "case_id", k2));   /* the district sees both */
    assert_int_equal(leaks, 0);
}

/* ---- 公示 and objections, per street (notices part) ------------------------- */

/* Street staff `tok` post a notice of place p's community for a case
 * checked there, with an objection; the notice id, the case and the
 * objection into *case_id and *objection. */
static long long post_assist_notice(const char *tok, const place *p, long long *case_id, long long *objection)
{
    *case_id = assist_case_sql(&srv, p->resident, "checked", 1, 40000);
    json_t *j = api_expect(&srv, tok, "POST", "/api/v1/assistance/notices",
                           fmt("{\"community_id\":%lld,\"case_ids\":[%lld],\"complaint_phone\":\"0530-5312345\"}",
                               p->community, *case_id), 201);
    long long id = jint(j, "id");
    json_decref(j);
    json_decref(api_expect(&srv, tok, "POST", fmt("/api/v1/assistance/notices/%lld/post", id),
                           fmt("{\"posted_on\":\"%s\"}", beijing_date(0)), 200));
    j = api_expect(&srv, tok, "POST", fmt("/api/v1/assistance/notices/%lld/objections", id),
                   fmt("{\"case_id\":%lld,\"received_on\":\"%s\",\"content\":\"有异议\"}", *case_id, beijing_date(0)),
                   201);
    *objection = jint(j, "id");
    json_decref(j);
    return id;
}

/* `tok` (street staff of the other street) against notice `id` of place `far`. */
static void deny_assist_notice(const char *who, const char *tok, long long id, long long case_id, long long objection,
                               const place *far)
{
    DENY(who, tok, "GET", fmt("/api/v1/assistance/notices/%lld", id), NULL);
    DENY(who, tok, "GET", fmt("/api/v1/assistance/notices/%lld/xlsx", id), NULL);
    DENY(who, tok, "POST", fmt("/api/v1/assistance/notices/%lld/post", id), fmt("{\"posted_on\":\"%s\"}", beijing_date(0)));
    DENY(who, tok, "POST", fmt("/api/v1/assistance/notices/%lld/close", id), "{}");
    DENY(who, tok, "POST", fmt("/api/v1/assistance/notices/%lld/objections", id),
         fmt("{\"case_id\":%lld,\"received_on\":\"%s\",\"content\":\"越权登记\"}", case_id, beijing_date(0)));
    DENY(who, tok, "POST", fmt("/api/v1/assistance/objections/%lld/resolve", objection),
         "{\"status\":\"dismissed\",\"resolution\":\"越权处理\"}");
    DENY(who, tok, "POST", "/api/v1/assistance/notices",
         fmt("{\"community_id\":%lld,\"case_ids\":[%lld],\"complaint_phone\":\"0530-5312345\"}", far->community,
             case_id));
    probe_note("GET", "/api/v1/assistance/notices");
    probe_note("GET", "/api/v1/assistance/objections");
    if (api_list_has(&srv, tok, "/api/v1/assistance/notices?page_size=100", id) ||
        api_list_has(&srv, tok, "/api/v1/assistance/objections?page_size=100", objection)) {
        print_error("CROSS-STREET LEAK [%s] lists show notice %lld or objection %lld\n", who, id, objection);
        leaks++;
    }
}

static void assistance_notices_stay_in_their_streets(void **state)
{
    long long k1, k2, o1, o2;
    long long n1 = post_assist_notice(t_s1, &p1, &k1, &o1), n2 = post_assist_notice(t_s2, &p2, &k2, &o2);
    leaks = 0;
    deny_assist_notice("jiedao→东城街道", t_s1, n2, k2, o2, &p2);
    deny_assist_notice("jiedao2→丹阳街道", t_s2, n1, k1, o1, &p1);
    assert_int_equal(leaks, 0);
    /* nothing changed; district staff see both */
    assert_int_equal(server_sql_int(&srv, "SELECT COUNT(*) FROM assistance_objection WHERE status = 'open'"), 2);
    assert_int_equal(server_sql_int(&srv, "SELECT COUNT(*) FROM assistance_notice"), 2);
    assert_true(api_list_has(&srv, t_qu, "/api/v1/assistance/notices?page_size=100", n1));
    assert_true(api_list_has(&srv, t_qu, "/api/v1/assistance/notices?page_size=100", n2));
}

/* ---- accounts, change requests, audit and alerts, per street ---------------- */

static long long user_id_of(const char *tok, const char *username)
{
    json_t *j = get_ok(tok, "/api/v1/users?page_size=200");
    size_t i;
    json_t *it;
    long long id = 0;
    json_array_foreach(json_object_get(j, "items"), i, it)
        if (strcmp(jstr(it, "username"), username) == 0)
            id = jint(it, "id");
    json_decref(j);
    return id;
}

static void street_privileged_accounts_stay_in_their_street(void **state)
{
    leaks = 0;
    long long jiedao_id = user_id_of(t_admin1, "jiedao");
    assert_true(jiedao_id > 0);
    /* the street-2 admin lists street 2's accounts only */
    json_t *j = get_ok(t_admin2, "/api/v1/users?page_size=200");
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(j, "items"), i, it) {
        const char *u = jstr(it, "username");
        assert_true(strcmp(u, "jiedao2") == 0 || strcmp(u, "admin2") == 0 || strcmp(u, "anquan2") == 0 ||
                    strcmp(u, "auditor2") == 0);
    }
    assert_int_equal(json_array_size(json_object_get(j, "items")), 4);
    json_decref(j);
    probe_note("GET", "/api/v1/users");
    DENY("admin2", t_admin2, "PATCH", fmt("/api/v1/users/%lld", jiedao_id), "{\"password\":\"Hijacked#2026x\"}");
    DENY("admin2", t_admin2, "POST", fmt("/api/v1/users/%lld/totp/reset", jiedao_id), "{}");
    refused("admin2", t_admin2, "POST", "/api/v1/users",
            fmt("{\"username\":\"x2\",\"display_name\":\"越权\",\"role\":\"street\",\"org_unit_id\":%lld,"
                "\"password\":\"Strong#Pass2026\"}", p1.street), 404, 1);
    DENY("anquan2", t_sec2, "PUT", fmt("/api/v1/users/%lld/role", jiedao_id),
         fmt("{\"role\":\"street\",\"org_unit_id\":%lld}", p2.street));
    refused("anquan2", t_sec2, "PUT", fmt("/api/v1/users/%lld/role", user_id_of(t_admin2, "jiedao2")),
            fmt("{\"role\":\"street\",\"org_unit_id\":%lld}", p1.street), 404, 1);
    /* a change request proposed in street 1 is not street 2's to see or decide */
    j = api_expect(&srv, t_admin1, "POST", "/api/v1/users",
                   fmt("{\"username\":\"shenji1b\",\"display_name\":\"审计员乙\",\"role\":\"auditor\",\"org_unit_id\":%lld,"
                       "\"password\":\"Strong#Pass2026\"}", p1.street), 202);
    long long cr = jint(json_object_get(j, "change_request"), "id");
    json_decref(j);
    assert_true(cr > 0);
    j = get_ok(t_sec2, "/api/v1/change-requests");
    assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);
    probe_note("GET", "/api/v1/change-requests");
    DENY("anquan2", t_sec2, "POST", fmt("/api/v1/change-requests/%lld/approve", cr), "{}");
    DENY("anquan2", t_sec2, "POST", fmt("/api/v1/change-requests/%lld/reject", cr), "{}");
    /* the audit log: each street's auditor its own rows; the district's all of them */
    j = get_ok(t_aud2, "/api/v1/audit?page_size=200");
    json_array_foreach(json_object_get(j, "items"), i, it) {
        const char *p = jstr(it, "org_path");
        if (p && strncmp(p, street1_path, strlen(street1_path)) == 0) {
            print_error("CROSS-STREET LEAK [auditor2] audit row %lld of %s\n", jint(it, "id"), p);
            leaks++;
        }
    }
    json_decref(j);
    probe_note("GET", "/api/v1/audit");
    assert_int_equal(total_of(t_aud2, fmt("/api/v1/audit?entity=resident&entity_id=%lld", p1.resident)), 0);
    assert_true(total_of(t_aud2, fmt("/api/v1/audit?entity=resident&entity_id=%lld", p2.resident)) > 0);
    assert_int_equal(total_of(t_aud1, fmt("/api/v1/audit?entity=resident&entity_id=%lld", p2.resident)), 0);
    assert_true(total_of(t_quaud, fmt("/api/v1/audit?entity=resident&entity_id=%lld", p2.resident)) > 0);
    assert_true(total_of(t_quaud, "/api/v1/audit?action=demo") > 0);
    http_resp r;
    probe_note("GET", "/api/v1/audit/export");
    assert_int_equal(http(&srv, "GET", "/api/v1/audit/export", t_aud2, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body, fmt(",%s", street1_path)));
    http_free(&r);
    /* security alerts of street 1: not listed for, nor acknowledged by, street 2 */
    server_sql(&srv, fmt("INSERT INTO security_alert(at, rule, subject, org_path, count, detail)"
                         " VALUES ('2026-12-01 00:00:00', 'login_failures_user', 'jiedao', '%s', 9, '测试告警')",
                         street1_path));
    j = get_ok(t_sec2, "/api/v1/security/alerts");
    assert_int_equal(jint(j, "total"), 0);
    json_decref(j);
    probe_note("GET", "/api/v1/security/alerts");
    j = get_ok(t_aud1, "/api/v1/security/alerts");
    long long alert = jint(json_array_get(json_object_get(j, "items"), 0), "id");
    json_decref(j);
    assert_true(alert > 0);
    DENY("anquan2", t_sec2, "POST", fmt("/api/v1/security/alerts/%lld/ack", alert), "{}");
    assert_int_equal(leaks, 0);
}

/* ---- social assistance: programmes and standards (issue 11) --------------- */

/* Programmes and area-wide standards hold for every street: a street's
 * staff may not write them once a district is above it (403); a
 * community's own standard stays inside its street (404 across, unseen
 * across); district staff write area-wide standards both streets see. */
static void assist_programmes_stay_in_their_streets(void **state)
{
    (void)state;
    long long pid = server_sql_int(&srv, "SELECT id FROM assistance_programme WHERE code = 'elderly_hardship'");
    char std[96], one[96];
    snprintf(std, sizeof std, "/api/v1/assistance/programmes/%lld/standards", pid);
    snprintf(one, sizeof one, "/api/v1/assistance/programmes/%lld", pid);
    probe_note("GET", "/api/v1/assistance/programmes");
    probe_note("GET", one);
    refused("S1 programme", t_s1, "POST", "/api/v1/assistance/programmes",
            "{\"code\":\"street_only\",\"name\":\"街道自设补贴\",\"category\":\"other\",\"calc_kind\":\"one_off\"}",
            403, 0);
    refused("S2 programme", t_s2, "PUT", one, "{\"active\":false}", 403, 0);
    refused("S1 area standard", t_s1, "POST", std,
            "{\"area\":\"urban\",\"amount_fen\":11000,\"effective_from\":\"2098-01-01\"}", 403, 0);
    DENY("S2 community standard of S1", t_s2, "POST", std,
         fmt("{\"area\":\"urban\",\"community_id\":%lld,\"amount_fen\":11000,\"effective_from\":\"2098-01-01\"}",
             p1.community));
    /* street 2's own community standard: street 1 never sees it */
    json_decref(api_expect(&srv, t_s2, "POST", std,
                           fmt("{\"area\":\"urban\",\"community_id\":%lld,\"amount_fen\":11500,"
                               "\"effective_from\":\"2098-01-01\"}",
                               p2.community),
                           201));
    json_decref(api_expect(&srv, t_qu, "POST", std,
                           "{\"area\":\"urban\",\"amount_fen\":11000,\"effective_from\":\"2098-01-01\"}", 201));
    const char *const toks[] = {t_s1, t_s2, t_qu};
    for (int k = 0; k < 3; k++) {
        json_t *j = get_ok(toks[k], one);
        int p2_seen = 0, area_seen = 0;
        size_t i;
        json_t *st;
        json_array_foreach(json_object_get(json_object_get(j, "programme"), "standards"), i, st) {
            p2_seen |= jint(st, "community_id") == p2.community;
            area_seen |= json_is_null(json_object_get(st, "community_id")) && jint(st, "amount_fen") == 11000;
        }
        assert_int_equal(p2_seen, k != 0);
        assert_true(area_seen);
        assert_int_equal(json_is_true(json_object_get(j, "can_edit")), k == 2);
        json_decref(j);
    }
    assert_int_equal(leaks, 0);
}

/* ---- assistance payments: a run is the district's; lines stay per street ---- */

static void payments_stay_in_their_streets(void **state)
{
    (void)state;
    char idn[19];
    snprintf(idn, sizeof idn, "%s", fresh_id("130105"));
    json_t *j = api_expect(&srv, t_qu, "POST", "/api/v1/residents",
                           fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"东城救助\"}", p2.household, idn), 201);
    long long rid = jint(j, "id");
    json_decref(j);
    const char *path = fmt("%s/enrol-s2.csv", srv.dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "programme,id_number,area,start_month,account_name,account_number\n"
               "elderly_hardship,%s,urban,2025-01,东城救助,6228480000007777\n", idn);
    fclose(f);
    cli_ok((const char *[]){"assistance", "enrol", path, NULL}, NULL);
    long long case_id = server_sql_int(&srv, fmt("SELECT id FROM assistance_case WHERE resident_id = %lld", rid));
    /* street staff of one street compute nothing: the run pays every street */
    refused("jiedao→district", t_s1, "POST", "/api/v1/assistance/runs",
            "{\"programme\":\"elderly_hardship\",\"month\":\"2025-01\"}", 403, 0);
    j = api_expect(&srv, t_qu, "POST", "/api/v1/assistance/runs", "{\"programme\":\"elderly_hardship\",\"month\":\"2025-01\"}", 201);
    long long run = jint(j, "id");
    json_decref(j);
    const char *who = "jiedao→371702002";
    refused(who, t_s1, "POST", fmt("/api/v1/assistance/runs/%lld/compute", run), "{}", 403, 0);
    refused(who, t_s1, "POST", fmt("/api/v1/assistance/runs/%lld/freeze", run), "{}", 403, 0);
    refused(who, t_s1, "GET", fmt("/api/v1/assistance/runs/%lld/bank.xlsx", run), NULL, 403, 0);
    refused(who, t_s1, "GET", fmt("/api/v1/assistance/runs/%lld/bank.csv", run), NULL, 403, 0);
    refused(who, t_s1, "POST", fmt("/api/v1/assistance/runs/%lld/return", run), "{}", 403, 0);
    DENY(who, t_s1, "POST", "/api/v1/assistance/adjustments",
         fmt("{\"case_id\":%lld,\"corrects_run_id\":%lld,\"amount_fen\":100,\"reason\":\"越权\"}", case_id, run));
    DENY(who, t_s1, "GET", fmt("/api/v1/assistance/summary?from=2025-01&to=2025-01&org_unit_id=%lld", p2.street), NULL);
    probe_note("GET", fmt("/api/v1/assistance/runs/%lld", run));
    j = get_ok(t_s1, fmt("/api/v1/assistance/runs/%lld", run));
    if (jint(json_object_get(j, "lines"), "total") != 0) {
        print_error("CROSS-STREET LEAK [%s] GET /assistance/runs/{id} shows a line of street 2\n", who);
        leaks++;
    }
    json_decref(j);
    j = get_ok(t_qu, fmt("/api/v1/assistance/runs/%lld", run));
    assert_int_equal(jint(json_object_get(j, "lines"), "total"), 1);
    json_decref(j);
    probe_note("GET", "/api/v1/assistance/runs");
    json_decref(get_ok(t_s1, "/api/v1/assistance/runs"));
    probe_note("GET", "/api/v1/assistance/adjustments");
    assert_int_equal(total_of(t_s1, fmt("/api/v1/assistance/adjustments?case_id=%lld", case_id)), 0);
    j = get_ok(t_s1, "/api/v1/assistance/summary?from=2025-01&to=2025-01");
    assert_int_equal(jint(json_object_get(j, "total"), "total_fen"), 0);
    json_decref(j);
    assert_int_equal(leaks, 0);
}

/* ---- injury records, per street (inj part) ---------------------------------- */

/* Street 2's injury record: refused to street 1 on every route (its unit
 * too, as a new record's, a list's or the analysis' unit), in none of
 * street 1's lists or counts, unchanged; the district sees it. */
static void safety_injuries_stay_in_their_streets(void **state)
{
    const char *who = "jiedao→东城街道", *on = beijing_date(40);
    int year = atoi(on);
    json_t *j = api_expect(&srv, t_s2, "POST", "/api/v1/safety/injuries",
                           fmt("{\"org_unit_id\":%lld,\"injured_on\":\"%s\",\"age\":9,\"sex\":\"男\","
                               "\"place_type\":\"学校\",\"injury_type\":\"跌倒\",\"severity\":\"轻\"}",
                               p2.grid, on), 201);
    long long rec = jint(j, "id");
    json_decref(j);
    leaks = 0;
    DENY(who, t_s1, "GET", fmt("/api/v1/safety/injuries/%lld", rec), NULL);
    DENY(who, t_s1, "PATCH", fmt("/api/v1/safety/injuries/%lld", rec), "{\"severity\":\"死亡\"}");
    DENY(who, t_s1, "DELETE", fmt("/api/v1/safety/injuries/%lld", rec), NULL);
    DENY(who, t_s1, "POST", "/api/v1/safety/injuries",
         fmt("{\"org_unit_id\":%lld,\"injured_on\":\"%s\",\"age\":9,\"sex\":\"男\",\"place_type\":\"学校\","
             "\"injury_type\":\"跌倒\",\"severity\":\"轻\"}", p2.grid, on));
    DENY(who, t_s1, "GET", fmt("/api/v1/safety/injuries?org_unit_id=%lld", p2.street), NULL);
    DENY(who, t_s1, "GET", fmt("/api/v1/safety/injuries/analysis?by=sex&org_unit_id=%lld", p2.street), NULL);
    probe_note("GET", "/api/v1/safety/injuries/codes");   /* the code lists: no street's data */
    /* street 1 holds the demo's own records: its count is the district's
     * less street 2's one, and street 2's community is not among its rows */
    j = get_ok(t_s1, fmt("/api/v1/safety/injuries/analysis?year=%d&by=community", year));
    char *dump = json_dumps(j, 0);
    long long s1_count = jint(json_object_get(j, "total"), "count");
    int counted = strstr(dump, fmt("\"%lld\"", p2.community)) != NULL;
    free(dump);
    json_decref(j);
    j = get_ok(t_qu, fmt("/api/v1/safety/injuries/analysis?year=%d&by=community", year));
    counted |= s1_count != jint(json_object_get(j, "total"), "count") - 1;
    json_decref(j);
    if (listed_by(t_s1, "/api/v1/safety/injuries", "id", rec) || counted) {
        print_error("CROSS-STREET LEAK [%s] street 1's injury list or analysis holds street 2's\n", who);
        leaks++;
    }
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM safety_injury WHERE id = %lld AND version = 1", rec)), 1);
    assert_true(listed_by(t_qu, "/api/v1/safety/injuries", "id", rec));
    assert_int_equal(leaks, 0);
}

/* ---- safety: enterprises, inspections, the hazard ledger, per street (haz part) ---- */

/* An enterprise of place p's grid registered by street staff tok, with an
 * inspection that found one hazard: ids into ent, insp, hz. */
static void safety_fixture(const char *tok, const place *p, long long *ent, long long *insp, long long *hz)
{
    const char *today = beijing_date(0);
    json_t *j = api_expect(&srv, tok, "POST", "/api/v1/safety/enterprises",
                           fmt("{\"name\":\"跨街道检查店\",\"kind\":\"餐饮\",\"address\":\"某路\",\"grid_id\":%lld,"
                               "\"frequency\":\"monthly\",\"contact_phone\":\"13700001234\"}", p->grid), 201);
    *ent = jint(j, "id");
    json_decref(j);
    j = api_expect(&srv, tok, "POST", "/api/v1/safety/inspections",
                   fmt("{\"enterprise_id\":%lld,\"inspected_on\":\"%s\",\"inspectors\":[\"王检查\"],\"result\":\"发现隐患\","
                       "\"hazards\":[{\"level\":\"一般\",\"description\":\"通道堵塞\",\"deadline\":\"%s\"}]}",
                       *ent, today, today), 201);
    *insp = jint(j, "id");
    *hz = json_integer_value(json_array_get(json_object_get(j, "hazard_ids"), 0));
    json_decref(j);
}

/* `tok` (street staff of the other street) against place far's safety rows. */
static void deny_safety(const char *who, const char *tok, const place *far, long long ent, long long insp, long long hz)
{
    static const char *const ACTIONS[] = {"rectify", "submit", "close", "reopen", NULL};
    const char *today = beijing_date(0);
    DENY(who, tok, "GET", fmt("/api/v1/safety/enterprises/%lld", ent), NULL);
    DENY(who, tok, "PATCH", fmt("/api/v1/safety/enterprises/%lld", ent), "{\"name\":\"越权\"}");
    DENY(who, tok, "POST", "/api/v1/safety/enterprises",
         fmt("{\"name\":\"越权店\",\"kind\":\"商铺\",\"address\":\"某路\",\"grid_id\":%lld,\"frequency\":\"monthly\"}",
             far->grid));
    DENY(who, tok, "POST", "/api/v1/safety/inspections",
         fmt("{\"enterprise_id\":%lld,\"inspected_on\":\"%s\",\"inspectors\":\"越权\",\"result\":\"合格\"}", ent, today));
    DENY(who, tok, "POST", "/api/v1/safety/hazards",
         fmt("{\"enterprise_id\":%lld,\"level\":\"一般\",\"description\":\"越权\",\"deadline\":\"%s\"}", ent, today));
    DENY(who, tok, "GET", fmt("/api/v1/safety/hazards/%lld", hz), NULL);
    DENY(who, tok, "GET", fmt("/api/v1/safety/hazards/summary?org_unit_id=%lld", far->grid), NULL);
    for (size_t i = 0; ACTIONS[i]; i++)
        DENY(who, tok, "POST", fmt("/api/v1/safety/hazards/%lld/actions/%s", hz, ACTIONS[i]),
             "{\"opinion\":\"越权办理\",\"recheck\":{\"checked_on\":\"2026-01-05\",\"checkers\":[\"越权\"],\"passed\":true}}");
    probe_note("GET", "/api/v1/safety/enterprises");
    probe_note("GET", "/api/v1/safety/inspections");
    probe_note("GET", "/api/v1/safety/hazards");
    if (api_list_has(&srv, tok, "/api/v1/safety/enterprises?page_size=100", ent) ||
        api_list_has(&srv, tok, "/api/v1/safety/inspections?page_size=100", insp) ||
        api_list_has(&srv, tok, "/api/v1/safety/hazards?page_size=100", hz)) {
        print_error("CROSS-STREET LEAK [%s] safety lists show enterprise %lld, inspection %lld or hazard %lld\n", who,
                    ent, insp, hz);
        leaks++;
    }
}

static void safety_stays_in_their_streets(void **state)
{
    (void)state;
    long long e1, i1, h1, e2, i2, h2;
    safety_fixture(t_s1, &p1, &e1, &i1, &h1);
    safety_fixture(t_s2, &p2, &e2, &i2, &h2);
    leaks = 0;
    deny_safety("jiedao→东城街道", t_s1, &p2, e2, i2, h2);
    deny_safety("jiedao2→丹阳街道", t_s2, &p1, e1, i1, h1);
    assert_int_equal(leaks, 0);
    /* the summary of each street counts its own hazard only; district staff see both */
    json_t *j = get_ok(t_s2, "/api/v1/safety/hazards/summary");
    assert_int_equal(jint(j, "total"), 1);
    json_decref(j);
    assert_true(api_list_has(&srv, t_qu, "/api/v1/safety/hazards?page_size=100", h1));
    assert_true(api_list_has(&srv, t_qu, "/api/v1/safety/hazards?page_size=100", h2));
    j = get_ok(t_qu, fmt("/api/v1/safety/hazards/%lld", h2));
    assert_string_equal(jstr(j, "state"), "registered");
    json_decref(j);
    j = get_ok(t_qu, fmt("/api/v1/safety/enterprises/%lld", e1));
    assert_string_equal(jstr(j, "name"), "跨街道检查店");
    json_decref(j);
}


/* ---- every route ------------------------------------------------------------ */

static void every_route_tried_across_streets(void **state)
{
    assert_int_equal(probe_missing("cross-street"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(first_street_unchanged_by_the_district),
        cmocka_unit_test(street1_staff_denied_street2),
        cmocka_unit_test(street2_staff_denied_street1),
        cmocka_unit_test(street_lists_hold_only_their_street),
        cmocka_unit_test(street_privileged_accounts_stay_in_their_street),
        cmocka_unit_test(district_sees_every_street),
        cmocka_unit_test(transfers_stay_in_their_streets),
        cmocka_unit_test(assistance_cases_stay_in_their_streets),
        cmocka_unit_test(assistance_relatives_stay_in_their_streets),
        cmocka_unit_test(assistance_notices_stay_in_their_streets),
        cmocka_unit_test(payments_stay_in_their_streets),
        cmocka_unit_test(assist_programmes_stay_in_their_streets),
        cmocka_unit_test(safety_injuries_stay_in_their_streets),
        cmocka_unit_test(safety_stays_in_their_streets),
        cmocka_unit_test(mediation_stays_in_its_street),
        cmocka_unit_test(demands_stay_in_their_streets),
        cmocka_unit_test(open311_stays_in_its_street),
        cmocka_unit_test(every_route_tried_across_streets),
    };
    return cmocka_run_group_tests_name("api_district", tests, setup, teardown);
}
