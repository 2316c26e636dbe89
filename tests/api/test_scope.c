/* test_scope.c — org-unit scope on every route: a grid worker
 * (wangge0101, grid 371702001001-01) and community staff (shequ01,
 * community 371702001001) are refused — 404, so existence is not
 * leaked — everything outside their unit, through every route of every
 * module's route table (the last test fails on a route the battery never
 * tried); data outside is never changed (re-read as street staff); and inside
 * their unit they see all of it and nothing more. */
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
static char *t_admin, *t_street, *t_auditor, *t_c01, *t_g0101, *t_g0201;
static long long street_id, c001, c002, grid_a, grid_a2, grid_f, bld_a1, bld_a2, bld_f;

/* A "place": a grid, one of its buildings, a household there and one of its residents. */
typedef struct place {
    long long grid, building, household, resident;
    char grid_code[32], household_code[48];
} place;

static place own_a, sib_a2, foreign_f;   /* grid A (wangge0101's), A2 (same community), F (community 002) */
/* A transfer-in request between community 003 (releasing) and grid
 * 002-02 (receiving, filed by shequ02): no tested account is on either
 * side. far_transfer_id_number: its person's ID number. */
static long long far_transfer;
static char far_transfer_id_number[19];
/* An assistance case of a household in community 003 (filed by the
 * street), and its household and applicant. */
static long long far_case, far_case_household, far_case_resident;
/* Social assistance in each place (assist_fixture): a 近亲属备案 of staff
 * of its grid, an active case of its household with a stop flag and an
 * overdue re-review, and a resident aged over 70 (政策找人: 高龄津贴) in a
 * household of its own there. */
typedef struct assist_place {
    long long relative, case_id, old_resident;
} assist_place;
static assist_place assist_own_a, assist_sib_a2, assist_foreign_f;
/* An injury record of each place's grid, dated injury_fixture_on (inj part). */
static long long injury_own_a, injury_sib_a2, injury_foreign_f;
static char injury_fixture_on[11];
/* A 公示 of community 003 (drafted and posted today by the street) with
 * one checked case, and an open objection against it. */
static long long far_notice, far_notice_case, far_objection, far_notice_community;
/* People's mediation: a station of the street with one mediator, and a
 * case of community 003 (filed by the street, being mediated) between
 * far_case_resident and an outsider. */
static long long far_med_station, far_med_mediator, far_med_case, far_med_community;

/* ---- helpers ------------------------------------------------------------- */

#define req(tok, method, path, body, want) api_expect(&srv, tok, method, path, body, want)
#define get_ok(tok, path) api_get_ok(&srv, tok, path)
#define total_of(tok, path) api_total(&srv, tok, path)

static const char *new_id(void)
{
    static char bufs[8][19];
    static int seq, next;
    char first17[18];
    unsigned n = (unsigned)++seq;
    snprintf(first17, sizeof first17, "110102%04u%02u%02u%03u", 1960 + n % 40, 1 + n % 12, 1 + n % 28, n % 1000);
    return id_with_check(first17, bufs[next++ % 8]);
}

/* Denials are collected, so one run lists every route that leaks. */
static int denials_failed;

/* The request must answer one of the allowed statuses (0-terminated);
 * for 404 the error code must be not_found. Returns the status. */
static long deny(const char *who, const char *tok, const char *method, const char *path, const char *body,
                 const long *allowed)
{
    json_t *j = NULL;
    probe_note(method, path);
    long st = strcmp(method, "GET") == 0 ? api_get(&srv, tok, path, &j)
                                         : api_send(&srv, method, tok, path, body, &j);
    int ok = 0;
    for (size_t i = 0; allowed[i]; i++)
        ok |= st == allowed[i];
    if (ok && st == 404 && strcmp(err_code(j), "not_found") != 0)
        ok = 0;
    if (ok && st == 403 && strcmp(err_code(j), "forbidden") != 0)
        ok = 0;
    if (!ok) {
        char *d = j ? json_dumps(j, JSON_COMPACT) : NULL;
        print_error("SCOPE LEAK [%s] %s %s %s -> %ld: %.300s\n", who, method, path, body ? body : "", st, d ? d : "");
        free(d);
        denials_failed++;
    }
    json_decref(j);
    return st;
}

static const long ONLY_404[] = {404, 0};
static const long ONLY_403[] = {403, 0};
static const long REFUSED[] = {400, 403, 404, 0};   /* refused somehow, never done */

#define DENY404(who, tok, m, path, body) deny(who, tok, m, path, body, ONLY_404)

/* Finds a household (with an active member) in grid `grid` and fills p. */
static void find_place(long long grid, long long building, place *p)
{
    memset(p, 0, sizeof *p);
    p->grid = grid;
    p->building = building;
    json_t *j = get_ok(t_street, fmt("/api/v1/residents?org_unit_id=%lld&sort=id&page_size=20", grid));
    json_t *r = json_array_get(json_object_get(j, "items"), 0);
    assert_non_null(r);
    p->resident = jint(r, "id");
    p->household = jint(r, "household_id");
    snprintf(p->household_code, sizeof p->household_code, "%s", jstr(r, "household_code"));
    json_decref(j);
    j = get_ok(t_street, fmt("/api/v1/org-units/%lld", grid));
    snprintf(p->grid_code, sizeof p->grid_code, "%s", jstr(j, "code"));
    json_decref(j);
}

/* Everything the street staff sees of a place, to compare before/after. */
static json_t *snapshot(const place *p)
{
    json_t *s = json_object();
    json_object_set_new(s, "grid", get_ok(t_street, fmt("/api/v1/org-units/%lld", p->grid)));
    json_object_set_new(s, "building", get_ok(t_street, fmt("/api/v1/org-units/%lld", p->building)));
    json_object_set_new(s, "grid_children", get_ok(t_street, fmt("/api/v1/org-units?parent_id=%lld", p->grid)));
    json_object_set_new(s, "household", get_ok(t_street, fmt("/api/v1/households/%lld", p->household)));
    json_object_set_new(s, "resident", get_ok(t_street, fmt("/api/v1/residents/%lld", p->resident)));
    json_object_set_new(s, "history", get_ok(t_street, fmt("/api/v1/residents/%lld/history", p->resident)));
    json_object_set_new(s, "residents",
                        get_ok(t_street, fmt("/api/v1/residents?org_unit_id=%lld&status=all&page_size=100", p->grid)));
    json_object_set_new(s, "households",
                        get_ok(t_street, fmt("/api/v1/households?org_unit_id=%lld&status=all&page_size=100", p->grid)));
    json_object_set_new(s, "stats", get_ok(t_street, fmt("/api/v1/stats/tags?org_unit_id=%lld", p->grid)));
    return s;
}

static void assert_unchanged(json_t *before, json_t *after, const char *what)
{
    if (!json_equal(before, after)) {
        const char *key;
        json_t *v;
        json_object_foreach(before, key, v)
            if (!json_equal(v, json_object_get(after, key)))
                print_error("%s: '%s' changed\n", what, key);
    }
    assert_true(json_equal(before, after));
}

static int import_csv(const char *tok, const char *query, const char *csv, json_t **out)
{
    http_resp r;
    probe_note("POST", "/api/v1/import/residents");
    assert_int_equal(http(&srv, "POST", fmt("/api/v1/import/residents%s", query), tok, csv, strlen(csv), "text/csv", &r), 0);
    long st = r.status;
    *out = r.json;
    r.json = NULL;
    http_free(&r);
    return (int)st;
}

/* ---- fixture ------------------------------------------------------------- */

static int file_far_transfer(void)
{
    char *t_c02 = login(&srv, "shequ02", DEMO_PW);
    long long c003 = org_id_by_code(&srv, t_street, "371702001003");
    long long g0202 = org_id_by_code(&srv, t_street, "371702001002-02");
    if (!t_c02 || !c003 || !g0202)
        return -1;
    json_t *j = get_ok(t_street, fmt("/api/v1/residents?org_unit_id=%lld&sort=id&page_size=20", c003));
    long long rid = jint(json_array_get(json_object_get(j, "items"), 0), "id");
    json_decref(j);
    j = get_ok(t_street, fmt("/api/v1/residents/%lld?full_id=1", rid));
    snprintf(far_transfer_id_number, sizeof far_transfer_id_number, "%s", jstr(j, "id_number"));
    json_decref(j);
    j = get_ok(t_street, fmt("/api/v1/households?org_unit_id=%lld&page_size=20", g0202));
    long long hh = jint(json_array_get(json_object_get(j, "items"), 0), "id");
    json_decref(j);
    j = req(t_c02, "POST", "/api/v1/transfers", fmt("{\"id_number\":\"%s\",\"household_id\":%lld}", far_transfer_id_number, hh),
            201);
    far_transfer = jint(j, "id");
    json_decref(j);
    free(t_c02);
    return far_transfer > 0 ? 0 : -1;
}

/* The street files a 临时救助 application for a resident of community 003. */
static int file_far_case(void)
{
    long long c003 = org_id_by_code(&srv, t_street, "371702001003");
    json_t *j = get_ok(t_street, fmt("/api/v1/residents?org_unit_id=%lld&sort=id&page_size=20", c003));
    json_t *it = json_array_get(json_object_get(j, "items"), 1);
    far_case_resident = jint(it, "id");
    far_case_household = jint(it, "household_id");
    json_decref(j);
    j = req(t_street, "POST", "/api/v1/assistance/cases",
            fmt("{\"programme\":\"temporary\",\"household_id\":%lld,\"resident_id\":%lld,\"requested_fen\":50000}",
                far_case_household, far_case_resident),
            201);
    far_case = jint(j, "id");
    json_decref(j);
    return far_case > 0 ? 0 : -1;
}

/* The street's mediation station and mediator, and community 003's case (see far_med_case). */
static int file_far_mediation(void)
{
    far_med_community = org_id_by_code(&srv, t_street, "371702001003");
    json_t *j = req(t_street, "POST", "/api/v1/mediation/stations",
                    fmt("{\"org_unit_id\":%lld,\"name\":\"街道人民调解委员会\",\"head_name\":\"王主任\"}", street_id), 201);
    far_med_station = jint(j, "id");
    json_decref(j);
    j = req(t_street, "POST", "/api/v1/mediation/mediators",
            fmt("{\"station_id\":%lld,\"name\":\"范调解\",\"kind\":\"lawyer\",\"phone\":\"13912340000\"}",
                far_med_station),
            201);
    far_med_mediator = jint(j, "id");
    json_decref(j);
    j = req(t_street, "POST", "/api/v1/mediation/cases",
            fmt("{\"community_id\":%lld,\"mediator_id\":%lld,\"dispute_type\":\"neighbour\",\"summary\":\"噪音纠纷\","
                "\"parties\":[{\"side\":\"applicant\",\"resident_id\":%lld},{\"side\":\"respondent\",\"name\":\"外来人\"}]}",
                far_med_community, far_med_mediator, far_case_resident),
            201);
    far_med_case = jint(j, "id");
    json_decref(j);
    json_decref(req(t_street, "POST", fmt("/api/v1/mediation/cases/%lld/actions/start", far_med_case), "{}", 200));
    return far_med_case > 0 ? 0 : -1;
}

static void assist_fixture(const place *p, assist_place *a, const char *tag)
{
    char idn[19];
    snprintf(idn, sizeof idn, "%s", fresh_old_id("110102"));
    json_t *j = req(t_street, "POST", "/api/v1/assistance/relatives",
                    fmt("{\"staff_name\":\"范备案\",\"staff_post\":\"社区干部\",\"staff_unit_id\":%lld,"
                        "\"relative_name\":\"范亲属\",\"relation\":\"子女\",\"relative_id_number\":\"%s\"}",
                        p->grid, new_id()), 201);
    a->relative = jint(j, "id");
    json_decref(j);
    a->case_id = assist_case_sql(&srv, p->resident, "active", 1, 0);
    server_sql(&srv, fmt("UPDATE assistance_case SET review_class = 'B', next_review_on = '2025-01-01',"
                         " stop_flag = 'deceased', stop_flag_resident_id = %lld, stop_flag_date = '2026-01-01'"
                         " WHERE id = %lld", p->resident, a->case_id));
    j = req(t_street, "POST", "/api/v1/households",
            fmt("{\"grid_id\":%lld,\"address\":\"范围测试路%s号\"}", p->grid, tag), 201);
    long long hh = jint(j, "id");
    json_decref(j);
    j = req(t_street, "POST", "/api/v1/residents",
            fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"范高龄\",\"relation\":\"户主\"}", hh, idn), 201);
    a->old_resident = jint(j, "id");
    json_decref(j);
}

/* The street records an injury in place p's grid (the injury routes' fixture). */
static long long injury_fixture(const place *p)
{
    json_t *j = req(t_street, "POST", "/api/v1/safety/injuries",
                    fmt("{\"org_unit_id\":%lld,\"injured_on\":\"%s\",\"age\":70,\"sex\":\"女\",\"place_type\":\"家庭\","
                        "\"injury_type\":\"跌倒\",\"severity\":\"轻\"}", p->grid, injury_fixture_on), 201);
    long long id = jint(j, "id");
    json_decref(j);
    return id;
}

/* Whether GET path (a list, every page of 100) holds an item whose `key` is id. */
static int assist_listed(const char *tok, const char *path, const char *key, long long id)
{
    for (int page = 1; page < 100; page++) {
        json_t *j = get_ok(tok, fmt("%s%spage_size=100&page=%d", path, strchr(path, '?') ? "&" : "?", page));
        json_t *items = json_object_get(j, "items"), *it;
        size_t i, n = json_array_size(items);
        int hit = 0;
        json_array_foreach(items, i, it)
            hit |= jint(it, key) == id;
        json_decref(j);
        if (hit)
            return 1;
        if (n < 100)
            return 0;
    }
    return 0;
}

/* The injury routes against `far`'s record: 404 on the record and on
 * far's grid (a new record's, a list's, the analysis' unit); the caller's
 * list and analysis count none of it; the record is unchanged. */
static void deny_injuries(const char *who, const char *tok, const place *far)
{
    long long rec = far == &own_a ? injury_own_a : far == &sib_a2 ? injury_sib_a2 : injury_foreign_f;
    const char *year = fmt("%.4s", injury_fixture_on);
    char y[8];
    snprintf(y, sizeof y, "%s", year);
    DENY404(who, tok, "GET", fmt("/api/v1/safety/injuries/%lld", rec), NULL);
    DENY404(who, tok, "PATCH", fmt("/api/v1/safety/injuries/%lld", rec), "{\"severity\":\"死亡\"}");
    DENY404(who, tok, "DELETE", fmt("/api/v1/safety/injuries/%lld", rec), NULL);
    DENY404(who, tok, "POST", "/api/v1/safety/injuries",
            fmt("{\"org_unit_id\":%lld,\"injured_on\":\"%s\",\"age\":30,\"sex\":\"男\",\"place_type\":\"家庭\","
                "\"injury_type\":\"跌倒\",\"severity\":\"轻\"}", far->grid, injury_fixture_on));
    DENY404(who, tok, "GET", fmt("/api/v1/safety/injuries?org_unit_id=%lld", far->grid), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/safety/injuries/analysis?by=sex&org_unit_id=%lld", far->grid), NULL);
    probe_note("GET", "/api/v1/safety/injuries");
    probe_note("GET", "/api/v1/safety/injuries/analysis");
    probe_note("GET", "/api/v1/safety/injuries/codes");   /* the code lists: no org-scoped data */
    const char *range = fmt("from=%s-01-01&to=%s-12-31", y, y);
    long long listed = total_of(tok, fmt("/api/v1/safety/injuries?%s", range));
    json_t *j = get_ok(tok, fmt("/api/v1/safety/injuries/analysis?year=%s&by=community", y));
    long long counted = jint(json_object_get(j, "total"), "count");
    json_decref(j);
    if (assist_listed(tok, "/api/v1/safety/injuries", "id", rec) || counted != listed ||
        counted >= total_of(t_street, fmt("/api/v1/safety/injuries?%s", range))) {
        print_error("SCOPE LEAK [%s] the injury list or analysis holds %lld (counted %lld, listed %lld)\n", who, rec,
                    counted, listed);
        denials_failed++;
    }
    if (server_sql_int(&srv, fmt("SELECT COUNT(*) FROM safety_injury WHERE id = %lld AND version = 1", rec)) != 1) {
        print_error("SCOPE LEAK [%s] injury record %lld changed or was deleted\n", who, rec);
        denials_failed++;
    }
}

/* The social assistance routes of relative_api.c against `far`'s fixture. */
static void deny_assist_relatives(const char *who, const char *tok, int is_grid_worker, const place *far)
{
    const assist_place *a = far == &own_a ? &assist_own_a : far == &sib_a2 ? &assist_sib_a2 : &assist_foreign_f;
    const long *role_or_404 = is_grid_worker ? ONLY_403 : ONLY_404;
    deny(who, tok, "POST", "/api/v1/assistance/relatives",
         fmt("{\"staff_name\":\"越权\",\"staff_post\":\"其他\",\"staff_unit_id\":%lld,\"relative_name\":\"越权\","
             "\"relation\":\"配偶\",\"relative_id_number\":\"%s\"}", far->grid, new_id()), role_or_404);
    deny(who, tok, "POST", fmt("/api/v1/assistance/relatives/%lld/remove", a->relative), "{\"reason\":\"越权\"}",
         role_or_404);
    deny(who, tok, "POST", "/api/v1/assistance/flags/sweep", "{}", ONLY_403);
    deny(who, tok, "GET", fmt("/api/v1/assistance/reviews/due?org_unit_id=%lld", far->grid), NULL, ONLY_404);
    if (is_grid_worker) {
        deny(who, tok, "GET", "/api/v1/assistance/relatives", NULL, ONLY_403);
        deny(who, tok, "GET", "/api/v1/assistance/relatives/report", NULL, ONLY_403);
    } else {
        probe_note("GET", "/api/v1/assistance/relatives");
        probe_note("GET", "/api/v1/assistance/relatives/report");
        if (assist_listed(tok, "/api/v1/assistance/relatives?include_removed=1", "id", a->relative)) {
            print_error("SCOPE LEAK [%s] GET /assistance/relatives lists %lld\n", who, a->relative);
            denials_failed++;
        }
        json_t *j = get_ok(tok, "/api/v1/assistance/relatives/report");
        json_t *it;
        size_t i;
        json_array_foreach(json_object_get(j, "items"), i, it)
            if (jint(json_object_get(it, "relative"), "id") == a->relative) {
                print_error("SCOPE LEAK [%s] the relatives report lists %lld\n", who, a->relative);
                denials_failed++;
            }
        json_decref(j);
    }
    probe_note("GET", "/api/v1/assistance/policy-find");
    probe_note("GET", "/api/v1/assistance/policy-find/summary");
    probe_note("GET", "/api/v1/assistance/flags");
    probe_note("GET", "/api/v1/assistance/reviews/due");
    if (assist_listed(tok, "/api/v1/assistance/policy-find?kind=longevity", "resident_id", a->old_resident) ||
        assist_listed(tok, "/api/v1/assistance/flags", "case_id", a->case_id) ||
        assist_listed(tok, "/api/v1/assistance/reviews/due", "case_id", a->case_id)) {
        print_error("SCOPE LEAK [%s] policy-find, flags or reviews/due list the far place's\n", who);
        denials_failed++;
    }
    json_t *mine = get_ok(tok, "/api/v1/assistance/policy-find/summary"),
           *all = get_ok(t_street, "/api/v1/assistance/policy-find/summary");
    if (jint(json_array_get(json_object_get(mine, "items"), 0), "count") >=
        jint(json_array_get(json_object_get(all, "items"), 0), "count")) {
        print_error("SCOPE LEAK [%s] the policy-find summary counts the whole street\n", who);
        denials_failed++;
    }
    json_decref(mine);
    json_decref(all);
    /* nothing changed */
    if (server_sql_int(&srv, fmt("SELECT COUNT(*) FROM assistance_relative WHERE id = %lld AND removed_at IS NULL",
                                 a->relative)) != 1) {
        print_error("SCOPE LEAK [%s] registration %lld removed\n", who, a->relative);
        denials_failed++;
    }
}

/* The street posts a notice of community 003 for a case checked there,
 * and records an objection against it. */
static int file_far_notice(void)
{
    far_notice_community = org_id_by_code(&srv, t_street, "371702001003");
    json_t *j = get_ok(t_street, fmt("/api/v1/residents?org_unit_id=%lld&sort=id&page_size=20", far_notice_community));
    long long rid = jint(json_array_get(json_object_get(j, "items"), 2), "id");
    json_decref(j);
    far_notice_case = assist_case_sql(&srv, rid, "checked", 1, 50000);
    j = req(t_street, "POST", "/api/v1/assistance/notices",
            fmt("{\"community_id\":%lld,\"case_ids\":[%lld],\"complaint_phone\":\"0530-5312345\"}", far_notice_community,
                far_notice_case), 201);
    far_notice = jint(j, "id");
    json_decref(j);
    json_decref(req(t_street, "POST", fmt("/api/v1/assistance/notices/%lld/post", far_notice),
                    fmt("{\"posted_on\":\"%s\"}", beijing_date(0)), 200));
    j = req(t_street, "POST", fmt("/api/v1/assistance/notices/%lld/objections", far_notice),
            fmt("{\"case_id\":%lld,\"received_on\":\"%s\",\"content\":\"有异议\"}", far_notice_case,
                beijing_date(0)), 201);
    far_objection = jint(j, "id");
    json_decref(j);
    return far_objection > 0 ? 0 : -1;
}

static int setup(void **state)
{
    if (server_start(&srv, 300, NULL) != 0)
        return -1;
    t_admin = login(&srv, "admin", DEMO_PW);
    t_street = login(&srv, "jiedao", DEMO_PW);
    t_auditor = login(&srv, "auditor", DEMO_PW);
    t_c01 = login(&srv, "shequ01", DEMO_PW);
    t_g0101 = login(&srv, "wangge0101", DEMO_PW);
    t_g0201 = login(&srv, "wangge0201", DEMO_PW);
    if (!t_admin || !t_street || !t_auditor || !t_c01 || !t_g0101 || !t_g0201)
        return -1;
    street_id = org_id_by_code(&srv, t_street, "371702001");
    c001 = org_id_by_code(&srv, t_street, "371702001001");
    c002 = org_id_by_code(&srv, t_street, "371702001002");
    grid_a = org_id_by_code(&srv, t_street, "371702001001-01");
    grid_a2 = org_id_by_code(&srv, t_street, "371702001001-02");
    grid_f = org_id_by_code(&srv, t_street, "371702001002-01");
    bld_a1 = org_id_by_code(&srv, t_street, "371702001001-01-B01");
    bld_a2 = org_id_by_code(&srv, t_street, "371702001001-02-B01");
    bld_f = org_id_by_code(&srv, t_street, "371702001002-01-B01");
    if (!street_id || !c001 || !c002 || !grid_a || !grid_a2 || !grid_f || !bld_a1 || !bld_a2 || !bld_f)
        return -1;
    find_place(grid_a, bld_a1, &own_a);
    find_place(grid_a2, bld_a2, &sib_a2);
    find_place(grid_f, bld_f, &foreign_f);
    assist_fixture(&own_a, &assist_own_a, "A");
    assist_fixture(&sib_a2, &assist_sib_a2, "S");
    assist_fixture(&foreign_f, &assist_foreign_f, "F");
    snprintf(injury_fixture_on, sizeof injury_fixture_on, "%s", beijing_date(45));
    injury_own_a = injury_fixture(&own_a);
    injury_sib_a2 = injury_fixture(&sib_a2);
    injury_foreign_f = injury_fixture(&foreign_f);
    return file_far_transfer() || file_far_case() || file_far_notice() || file_far_mediation();
}

static int teardown(void **state)
{
    free(t_admin);
    free(t_street);
    free(t_auditor);
    free(t_c01);
    free(t_g0101);
    free(t_g0201);
    return server_stop(&srv);
}

/* ---- the denial battery ---------------------------------------------------- */

/* `tok` (named `who`, a registry writer whose unit contains `own` but not
 * `far`, and not `far_parent` either) tries every route on `far`. */
static void deny_every_route(const char *who, const char *tok, int is_grid_worker, const place *own, const place *far,
                             long long far_parent, const char *tag)
{
    char path[256], body[512], idn[19], code[64];
    json_t *j;
    denials_failed = 0;
    place own_fixed;
    find_place(own->grid, own->building, &own_fixed);   /* own resident may have moved in an earlier test */
    own = &own_fixed;
    json_t *far_before = snapshot(far), *own_before = snapshot(own);
    long long view_audits = total_of(t_auditor, fmt("/api/v1/audit?action=view_full_id&entity=resident&entity_id=%lld",
                                                    far->resident));
    long long far_parent_before = total_of(t_street, fmt("/api/v1/residents?org_unit_id=%lld&status=all", far_parent));

    /* org units */
    DENY404(who, tok, "GET", fmt("/api/v1/org-units/%lld", far->grid), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/org-units/%lld", far->building), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/org-units/%lld", far_parent), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/org-units?parent_id=%lld", far->grid), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/org-units?parent_id=%lld", far_parent), NULL);
    DENY404(who, tok, "PATCH", fmt("/api/v1/org-units/%lld", far->grid), "{\"name\":\"越权改名\"}");
    DENY404(who, tok, "PATCH", fmt("/api/v1/org-units/%lld", far->building), "{\"leader_name\":\"越权\"}");
    DENY404(who, tok, "PATCH", fmt("/api/v1/org-units/%lld", far_parent), "{\"name\":\"越权改名\"}");
    snprintf(code, sizeof code, "%s-B90", far->grid_code);
    snprintf(body, sizeof body, "{\"parent_id\":%lld,\"code\":\"%s\",\"name\":\"越权楼\"}", far->grid, code);
    deny(who, tok, "POST", "/api/v1/org-units", body, is_grid_worker ? ONLY_403 : ONLY_404);

    /* households */
    DENY404(who, tok, "GET", fmt("/api/v1/households/%lld", far->household), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/households/%lld/history", far->household), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/households/%lld?full_id=1", far->household), NULL);
    DENY404(who, tok, "PATCH", fmt("/api/v1/households/%lld", far->household), "{\"notes\":\"越权\"}");
    snprintf(body, sizeof body, "{\"grid_id\":%lld}", own->grid);
    DENY404(who, tok, "POST", fmt("/api/v1/households/%lld/move", far->household), body);
    DENY404(who, tok, "POST", fmt("/api/v1/households/%lld/close", far->household), "{\"note\":\"越权\"}");
    DENY404(who, tok, "GET", fmt("/api/v1/households?org_unit_id=%lld", far->grid), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/households?org_unit_id=%lld", far->building), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/households?org_unit_id=%lld", far_parent), NULL);
    snprintf(body, sizeof body, "{\"code\":\"X-%s-H1\",\"grid_id\":%lld,\"address\":\"越权地址\"}", tag, far->grid);
    DENY404(who, tok, "POST", "/api/v1/households", body);
    snprintf(body, sizeof body, "{\"code\":\"X-%s-H2\",\"grid_id\":%lld,\"building_id\":%lld,\"address\":\"越权地址\"}", tag,
             own->grid, far->building);
    deny(who, tok, "POST", "/api/v1/households", body, REFUSED);
    /* own household into the far grid / onto a far building */
    snprintf(body, sizeof body, "{\"grid_id\":%lld}", far->grid);
    DENY404(who, tok, "POST", fmt("/api/v1/households/%lld/move", own->household), body);
    snprintf(body, sizeof body, "{\"grid_id\":%lld,\"building_id\":%lld}", far->grid, far->building);
    DENY404(who, tok, "POST", fmt("/api/v1/households/%lld/move", own->household), body);
    snprintf(body, sizeof body, "{\"grid_id\":%lld,\"building_id\":%lld}", own->grid, far->building);
    deny(who, tok, "POST", fmt("/api/v1/households/%lld/move", own->household), body, REFUSED);
    snprintf(body, sizeof body, "{\"building_id\":%lld}", far->building);
    deny(who, tok, "PATCH", fmt("/api/v1/households/%lld", own->household), body, REFUSED);
    snprintf(body, sizeof body, "{\"head_resident_id\":%lld}", far->resident);
    deny(who, tok, "PATCH", fmt("/api/v1/households/%lld", own->household), body, REFUSED);

    /* residents */
    DENY404(who, tok, "GET", fmt("/api/v1/residents/%lld", far->resident), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/residents/%lld?full_id=1", far->resident), NULL);
    DENY404(who, tok, "PATCH", fmt("/api/v1/residents/%lld", far->resident), "{\"notes\":\"越权\",\"tags\":[\"dibao\"]}");
    snprintf(body, sizeof body, "{\"household_id\":%lld}", own->household);
    DENY404(who, tok, "POST", fmt("/api/v1/residents/%lld/move", far->resident), body);
    DENY404(who, tok, "POST", fmt("/api/v1/residents/%lld/status", far->resident), "{\"status\":\"deceased\"}");
    DENY404(who, tok, "POST", fmt("/api/v1/residents/%lld/status", far->resident), "{\"status\":\"moved_out\",\"date\":\"2026-01-01\"}");
    DENY404(who, tok, "GET", fmt("/api/v1/residents/%lld/history", far->resident), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/residents?org_unit_id=%lld", far->grid), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/residents?org_unit_id=%lld", far->building), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/residents?org_unit_id=%lld", far_parent), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/residents?org_unit_id=%lld&full_id=1", far->grid), NULL);
    /* household_id of a far household: refused, or an empty list — never its members */
    j = NULL;
    long st = api_get(&srv, tok, fmt("/api/v1/residents?household_id=%lld&status=all", far->household), &j);
    if (!(st == 404 || (st == 200 && jint(j, "total") == 0 && json_array_size(json_object_get(j, "items")) == 0))) {
        print_error("SCOPE LEAK [%s] GET /residents?household_id=%lld -> %ld total %lld\n", who, far->household, st,
                    jint(j, "total"));
        denials_failed++;
    }
    json_decref(j);
    j = NULL;
    st = api_get(&srv, tok, fmt("/api/v1/residents?household_id=%lld&full_id=1&status=all", far->household), &j);
    if (!(st == 404 || (st == 200 && jint(j, "total") == 0))) {
        print_error("SCOPE LEAK [%s] GET /residents?household_id=%lld&full_id=1 -> %ld\n", who, far->household, st);
        denials_failed++;
    }
    json_decref(j);
    /* a new resident in the far household */
    snprintf(idn, sizeof idn, "%s", new_id());
    snprintf(body, sizeof body, "{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"越权新增\"}", far->household, idn);
    DENY404(who, tok, "POST", "/api/v1/residents", body);
    /* own resident into the far household */
    snprintf(body, sizeof body, "{\"household_id\":%lld,\"relation\":\"子\"}", far->household);
    DENY404(who, tok, "POST", fmt("/api/v1/residents/%lld/move", own->resident), body);

    /* stats and export */
    DENY404(who, tok, "GET", fmt("/api/v1/stats/tags?org_unit_id=%lld", far->grid), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/stats/tags?org_unit_id=%lld", far->building), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/stats/tags?org_unit_id=%lld", far_parent), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/stats/org-units?parent_id=%lld", far->grid), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/stats/org-units?parent_id=%lld", far_parent), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/stats/table?org_unit_id=%lld", far->grid), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/stats/table?org_unit_id=%lld", far_parent), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/stats/table/export?org_unit_id=%lld", far->grid), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/stats/table/export?org_unit_id=%lld", far_parent), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/stats/map?parent_id=%lld", far->grid), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/stats/map?parent_id=%lld&figure=elderly", far_parent), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/stats/ages?org_unit_id=%lld", far->grid), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/stats/ages?org_unit_id=%lld", far->building), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/stats/ages?org_unit_id=%lld", far_parent), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/export/residents?org_unit_id=%lld", far->grid), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/export/residents?org_unit_id=%lld", far->building), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/export/residents?org_unit_id=%lld&full_id=1", far->grid), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/export/residents?org_unit_id=%lld&format=xlsx&name=%s", far->grid, urlenc("张")), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/export/households?org_unit_id=%lld", far->grid), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/export/households?org_unit_id=%lld&format=xlsx", far->building), NULL);

    /* import naming the far grid: a row error, nothing imported */
    char csv[1024], idn2[19];
    snprintf(idn2, sizeof idn2, "%s", new_id());
    snprintf(csv, sizeof csv,
             "姓名,身份证号,与户主关系,网格编码,户编号,地址\n"
             "越权导入,%s,户主,%s,X-%s-IMP1,越权地址1号\n", idn2, far->grid_code, tag);
    json_t *rep = NULL;
    int ist = import_csv(tok, "", csv, &rep);
    const char *efield = jstr(json_array_get(json_object_get(json_object_get(rep, "report"), "errors"), 0), "field");
    if (ist != 400 || jint(json_object_get(rep, "report"), "imported") != 0 || !efield || strcmp(efield, "grid_code") != 0) {
        char *d = rep ? json_dumps(rep, JSON_COMPACT) : NULL;
        print_error("SCOPE LEAK [%s] import naming %s -> %d %.300s\n", who, far->grid_code, ist, d ? d : "");
        free(d);
        denials_failed++;
    }
    json_decref(rep);
    ist = import_csv(tok, "?mode=valid", csv, &rep);
    if (ist != 200 || jint(rep, "imported") != 0 || json_array_size(json_object_get(rep, "errors")) != 1) {
        print_error("SCOPE LEAK [%s] import mode=valid naming %s -> %d\n", who, far->grid_code, ist);
        denials_failed++;
    }
    json_decref(rep);
    /* own grid, but the far household's code */
    snprintf(csv, sizeof csv,
             "姓名,身份证号,与户主关系,网格编码,户编号,地址\n"
             "越权导入,%s,子,%s,%s,越权地址2号\n", idn2, own->grid_code, far->household_code);
    ist = import_csv(tok, "", csv, &rep);
    if (ist != 400 || jint(json_object_get(rep, "report"), "imported") != 0) {
        print_error("SCOPE LEAK [%s] import into far household %s -> %d\n", who, far->household_code, ist);
        denials_failed++;
    }
    json_decref(rep);

    /* org-tree import naming the far grid as a building's parent: a row
     * error (a grid worker may not import at all), nothing created */
    probe_note("POST", "/api/v1/import/org-units");
    const char *org_csv = fmt("层级,编码,名称,上级编码\n楼栋,X-%s-ORGIMP,越权楼栋,%s\n", tag, far->grid_code);
    http_resp orr;
    assert_int_equal(http(&srv, "POST", "/api/v1/import/org-units", tok, org_csv, strlen(org_csv), "text/csv", &orr), 0);
    if (orr.status != (is_grid_worker ? 403 : 400) ||
        (!is_grid_worker && !strstr(orr.body, fmt("上级编码“%s”不存在或不在您的管辖范围内", far->grid_code))) ||
        server_sql_int(&srv, fmt("SELECT COUNT(*) FROM org_unit WHERE code = 'X-%s-ORGIMP'", tag)) != 0) {
        print_error("SCOPE LEAK [%s] org import under %s -> %ld %.300s\n", who, far->grid_code, orr.status, orr.body);
        denials_failed++;
    }
    http_free(&orr);
    /* transfer-in requests: one between two units neither of which is theirs */
    DENY404(who, tok, "GET", fmt("/api/v1/transfers/%lld", far_transfer), NULL);
    DENY404(who, tok, "POST", fmt("/api/v1/transfers/%lld/accept", far_transfer), "{}");
    DENY404(who, tok, "POST", fmt("/api/v1/transfers/%lld/refuse", far_transfer), "{\"opinion\":\"越权拒绝\"}");
    DENY404(who, tok, "POST", fmt("/api/v1/transfers/%lld/withdraw", far_transfer), "{}");
    snprintf(body, sizeof body, "{\"id_number\":\"%s\",\"household_id\":%lld}", far_transfer_id_number, far->household);
    DENY404(who, tok, "POST", "/api/v1/transfers", body);
    probe_note("GET", "/api/v1/transfers");
    if (api_list_has(&srv, tok, "/api/v1/transfers?page_size=100", far_transfer)) {
        print_error("SCOPE LEAK [%s] GET /transfers lists request %lld\n", who, far_transfer);
        denials_failed++;
    }
    j = get_ok(t_street, fmt("/api/v1/transfers/%lld", far_transfer));
    if (strcmp(jstr(j, "state"), "requested") != 0) {
        print_error("SCOPE LEAK [%s] request %lld changed to %s\n", who, far_transfer, jstr(j, "state"));
        denials_failed++;
    }
    json_decref(j);

    /* assistance cases: one in community 003 */
    {
        const char *const *actions = probe_case_actions();
        DENY404(who, tok, "GET", fmt("/api/v1/assistance/cases/%lld", far_case), NULL);
        for (size_t i = 0; actions[i]; i++)
            DENY404(who, tok, "POST", fmt("/api/v1/assistance/cases/%lld/actions/%s", far_case, actions[i]),
                    "{\"opinion\":\"越权办理\"}");
        DENY404(who, tok, "POST", "/api/v1/assistance/cases",
                fmt("{\"programme\":\"temporary\",\"household_id\":%lld,\"resident_id\":%lld,\"requested_fen\":100}",
                    far_case_household, far_case_resident));
        deny(who, tok, "PUT", fmt("/api/v1/assistance/cases/%lld/bank", far_case),
             "{\"bank_name\":\"农业银行\",\"account_name\":\"越权\",\"account_number\":\"6228480012345678\"}",
             is_grid_worker ? ONLY_403 : ONLY_404);
        DENY404(who, tok, "GET", fmt("/api/v1/assistance/cases/%lld/decision", far_case), NULL);
        probe_note("GET", "/api/v1/assistance/cases");
        if (api_list_has(&srv, tok, "/api/v1/assistance/cases?page_size=100", far_case)) {
            print_error("SCOPE LEAK [%s] GET /assistance/cases lists case %lld\n", who, far_case);
            denials_failed++;
        }
        j = get_ok(t_street, fmt("/api/v1/assistance/cases/%lld", far_case));
        if (strcmp(jstr(j, "state"), "applied") != 0 || !json_is_null(json_object_get(j, "bank"))) {
            print_error("SCOPE LEAK [%s] case %lld changed to %s\n", who, far_case, jstr(j, "state"));
            denials_failed++;
        }
        json_decref(j);
    }

    /* social assistance: 近亲属备案, 政策找人, stop flags, re-reviews */
    deny_assist_relatives(who, tok, is_grid_worker, far);
    /* injury records (inj part) */
    deny_injuries(who, tok, far);
    /* 公示 and objections: community 003's notice, with an open objection
     * (a grid worker has no notice route at all: 403) */
    {
        const long *want = is_grid_worker ? ONLY_403 : ONLY_404;
        deny(who, tok, "GET", fmt("/api/v1/assistance/notices/%lld", far_notice), NULL, want);
        deny(who, tok, "GET", fmt("/api/v1/assistance/notices/%lld/xlsx", far_notice), NULL, want);
        deny(who, tok, "POST", fmt("/api/v1/assistance/notices/%lld/post", far_notice),
             fmt("{\"posted_on\":\"%s\"}", beijing_date(0)), want);
        deny(who, tok, "POST", fmt("/api/v1/assistance/notices/%lld/close", far_notice), "{}", want);
        deny(who, tok, "POST", fmt("/api/v1/assistance/notices/%lld/objections", far_notice),
             fmt("{\"case_id\":%lld,\"received_on\":\"%s\",\"content\":\"越权登记\"}", far_notice_case,
                 beijing_date(0)), want);
        deny(who, tok, "POST", "/api/v1/assistance/notices",
             fmt("{\"community_id\":%lld,\"case_ids\":[%lld],\"complaint_phone\":\"0530-5312345\"}", far_notice_community,
                 far_notice_case), want);
        /* resolving is the street's: 403 for both */
        deny(who, tok, "POST", fmt("/api/v1/assistance/objections/%lld/resolve", far_objection),
             "{\"status\":\"dismissed\",\"resolution\":\"越权处理\"}", ONLY_403);
        if (is_grid_worker) {
            deny(who, tok, "GET", "/api/v1/assistance/notices", NULL, ONLY_403);
            deny(who, tok, "GET", "/api/v1/assistance/objections", NULL, ONLY_403);
        } else {
            probe_note("GET", "/api/v1/assistance/notices");
            probe_note("GET", "/api/v1/assistance/objections");
            if (api_list_has(&srv, tok, "/api/v1/assistance/notices?page_size=100", far_notice) ||
                api_list_has(&srv, tok, "/api/v1/assistance/objections?page_size=100", far_objection)) {
                print_error("SCOPE LEAK [%s] lists show notice %lld or objection %lld\n", who, far_notice,
                            far_objection);
                denials_failed++;
            }
        }
        if (server_sql_int(&srv, fmt("SELECT COUNT(*) FROM assistance_objection WHERE notice_id = %lld"
                                     " AND status = 'open'", far_notice)) != 1 ||
            server_sql_int(&srv, fmt("SELECT COUNT(*) FROM assistance_notice WHERE community_id = %lld", far_notice_community)) != 1) {
            print_error("SCOPE LEAK [%s] notice %lld or its objection changed\n", who, far_notice);
            denials_failed++;
        }
    }

    /* people's mediation: community 003's case (a grid worker has no mediation route: 403); the
     * directory is the street's, read by its communities and written by the street alone */
    {
        static const char *const MED_ACTIONS[] = {"start", "agree", "fail", "withdraw", "visit", "close", NULL};
        const long *want = is_grid_worker ? ONLY_403 : ONLY_404;
        deny(who, tok, "GET", fmt("/api/v1/mediation/cases/%lld", far_med_case), NULL, want);
        deny(who, tok, "GET", fmt("/api/v1/mediation/cases/%lld/agreement", far_med_case), NULL, want);
        deny(who, tok, "POST", fmt("/api/v1/mediation/cases/%lld/sessions", far_med_case),
             fmt("{\"held_on\":\"%s\",\"place\":\"越权\",\"attendees\":\"越权\"}", beijing_date(0)), want);
        for (size_t i = 0; MED_ACTIONS[i]; i++)
            deny(who, tok, "POST", fmt("/api/v1/mediation/cases/%lld/actions/%s", far_med_case, MED_ACTIONS[i]),
                 "{\"opinion\":\"越权办理\",\"referred_to\":\"法院\"}", want);
        deny(who, tok, "POST", "/api/v1/mediation/cases",
             fmt("{\"community_id\":%lld,\"mediator_id\":%lld,\"dispute_type\":\"family\",\"summary\":\"越权\","
                 "\"parties\":[{\"side\":\"applicant\",\"name\":\"甲\"},{\"side\":\"respondent\",\"name\":\"乙\"}]}",
                 far_parent, far_med_mediator), want);
        deny(who, tok, "GET", fmt("/api/v1/mediation/cases?org_unit_id=%lld", far_parent), NULL, want);
        deny(who, tok, "GET", fmt("/api/v1/mediation/figures?org_unit_id=%lld", far_parent), NULL, want);
        deny(who, tok, "POST", "/api/v1/mediation/stations", fmt("{\"org_unit_id\":%lld,\"name\":\"越权\"}", far_parent),
             ONLY_403);
        deny(who, tok, "PATCH", fmt("/api/v1/mediation/stations/%lld", far_med_station), "{\"name\":\"越权\"}", ONLY_403);
        deny(who, tok, "POST", "/api/v1/mediation/mediators",
             fmt("{\"station_id\":%lld,\"name\":\"越权\",\"kind\":\"other\"}", far_med_station), ONLY_403);
        deny(who, tok, "PATCH", fmt("/api/v1/mediation/mediators/%lld", far_med_mediator), "{\"name\":\"越权\"}", ONLY_403);
        deny(who, tok, "POST", fmt("/api/v1/mediation/mediators/%lld/deactivate", far_med_mediator), "{}", ONLY_403);
        if (is_grid_worker) {
            deny(who, tok, "GET", "/api/v1/mediation/stations", NULL, ONLY_403);
            deny(who, tok, "GET", "/api/v1/mediation/mediators", NULL, ONLY_403);
            deny(who, tok, "GET", fmt("/api/v1/mediation/mediators/%lld", far_med_mediator), NULL, ONLY_403);
            deny(who, tok, "GET", "/api/v1/mediation/cases", NULL, ONLY_403);
            deny(who, tok, "GET", "/api/v1/mediation/figures", NULL, ONLY_403);
        } else {
            probe_note("GET", "/api/v1/mediation/stations");
            probe_note("GET", "/api/v1/mediation/mediators");
            probe_note("GET", "/api/v1/mediation/mediators/{id}");
            probe_note("GET", "/api/v1/mediation/cases");
            probe_note("GET", "/api/v1/mediation/figures");
            json_t *fig = get_ok(tok, "/api/v1/mediation/figures");
            if (api_list_has(&srv, tok, "/api/v1/mediation/cases?page_size=100", far_med_case) ||
                json_array_size(json_object_get(fig, "by_community")) > 1) {
                print_error("SCOPE LEAK [%s] mediation lists or figures show community 003's case\n", who);
                denials_failed++;
            }
            json_decref(fig);
            /* the directory's phone stays masked for a community */
            j = get_ok(tok, fmt("/api/v1/mediation/mediators/%lld", far_med_mediator));
            if (strcmp(jstr(j, "phone"), "13912340000") == 0) {
                print_error("SCOPE LEAK [%s] a community reads the mediator's full phone\n", who);
                denials_failed++;
            }
            json_decref(j);
        }
        j = get_ok(t_street, fmt("/api/v1/mediation/cases/%lld", far_med_case));
        if (strcmp(jstr(j, "state"), "mediating") != 0 || json_array_size(json_object_get(j, "sessions")) != 0 ||
            server_sql_int(&srv, "SELECT COUNT(*) FROM mediator WHERE name = '越权'") != 0 ||
            server_sql_int(&srv, "SELECT COUNT(*) FROM mediation_station WHERE name = '越权'") != 0 ||
            server_sql_int(&srv, "SELECT COUNT(*) FROM mediation_case WHERE summary = '越权'") != 0) {
            print_error("SCOPE LEAK [%s] mediation case %lld or the directory changed\n", who, far_med_case);
            denials_failed++;
        }
        json_decref(j);
    }

    /* accounts and the audit log are not theirs */
    deny(who, tok, "GET", "/api/v1/users", NULL, ONLY_403);
    deny(who, tok, "POST", "/api/v1/users",
         fmt("{\"username\":\"x%s\",\"display_name\":\"越权\",\"role\":\"admin\",\"org_unit_id\":%lld,\"password\":\"Strong#Pass1\"}",
             tag, street_id), ONLY_403);
    j = get_ok(t_admin, "/api/v1/auth/me");
    long long admin_uid = jint(j, "id");
    json_decref(j);
    snprintf(path, sizeof path, "/api/v1/users/%lld", admin_uid);
    deny(who, tok, "PATCH", path, "{\"password\":\"Hijacked#2026\"}", ONLY_403);
    snprintf(path, sizeof path, "/api/v1/users/%lld/totp/reset", admin_uid);
    deny(who, tok, "POST", path, "{}", ONLY_403);
    snprintf(path, sizeof path, "/api/v1/users/%lld/role", admin_uid);
    deny(who, tok, "PUT", path, fmt("{\"role\":\"street\",\"org_unit_id\":%lld}", street_id), ONLY_403);
    deny(who, tok, "GET", "/api/v1/change-requests", NULL, ONLY_403);
    deny(who, tok, "POST", "/api/v1/change-requests/1/approve", "{}", ONLY_403);
    deny(who, tok, "POST", "/api/v1/change-requests/1/reject", "{}", ONLY_403);
    deny(who, tok, "GET", "/api/v1/audit", NULL, ONLY_403);
    deny(who, tok, "GET", "/api/v1/audit/export", NULL, ONLY_403);
    deny(who, tok, "GET", "/api/v1/security/alerts", NULL, ONLY_403);
    deny(who, tok, "POST", "/api/v1/security/alerts/1/ack", "{}", ONLY_403);

    /* Nothing changed, nothing was created, no full view was logged. */
    json_t *far_after = snapshot(far), *own_after = snapshot(own);
    assert_unchanged(far_before, far_after, "far place");
    assert_unchanged(own_before, own_after, "own place");
    json_decref(far_before);
    json_decref(far_after);
    json_decref(own_before);
    json_decref(own_after);
    assert_int_equal(total_of(t_street, fmt("/api/v1/residents?id_number=%s&status=all", idn)), 0);
    assert_int_equal(total_of(t_street, fmt("/api/v1/residents?id_number=%s&status=all", idn2)), 0);
    assert_int_equal(total_of(t_street, fmt("/api/v1/households?q=X-%s&status=all", tag)), 0);
    assert_int_equal(total_of(t_auditor, fmt("/api/v1/audit?action=view_full_id&entity=resident&entity_id=%lld",
                                             far->resident)), view_audits);
    assert_int_equal(total_of(t_street, fmt("/api/v1/residents?org_unit_id=%lld&status=all", far_parent)),
                     far_parent_before);
    char *admin_tok = login(&srv, "admin", DEMO_PW);   /* password not hijacked */
    assert_non_null(admin_tok);
    free(admin_tok);
    assert_null(login(&srv, "admin", "Hijacked#2026"));
    assert_int_equal(denials_failed, 0);
}

static void grid_worker_denied_other_community(void **state)
{
    deny_every_route("wangge0101→002-01", t_g0101, 1, &own_a, &foreign_f, c002, "G1F");
}

static void grid_worker_denied_sibling_grid(void **state)
{
    /* The neighbouring grid in the same community is just as foreign. */
    deny_every_route("wangge0101→001-02", t_g0101, 1, &own_a, &sib_a2, c001, "G1S");
}

static void community_denied_other_community(void **state)
{
    deny_every_route("shequ01→002-01", t_c01, 0, &own_a, &foreign_f, c002, "C1F");
}

static void other_grid_worker_denied_grid_a(void **state)
{
    /* And the other way round: wangge0201 against grid A. */
    deny_every_route("wangge0201→001-01", t_g0201, 1, &foreign_f, &own_a, c001, "G2A");
}

/* ---- what they do see ------------------------------------------------------- */

static void grid_worker_lists_only_own_grid(void **state)
{
    json_t *j = get_ok(t_g0101, "/api/v1/org-units");
    assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
    json_t *own = json_array_get(json_object_get(j, "items"), 0);
    assert_int_equal(jint(own, "id"), grid_a);
    long long res_count = jint(own, "resident_count"), hh_count = jint(own, "household_count");
    json_decref(j);
    assert_true(res_count >= 3);

    /* Residents, small pages, every page. */
    long long total = -1, seen = 0;
    for (int page = 1; page < 50; page++) {
        j = get_ok(t_g0101, fmt("/api/v1/residents?page_size=20&page=%d&status=all", page));
        if (total < 0)
            total = jint(j, "total");
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(j, "items"), i, it) {
            assert_int_equal(jint(it, "grid_id"), grid_a);
            seen++;
        }
        size_t n = json_array_size(json_object_get(j, "items"));
        json_decref(j);
        if (n < 2)
            break;
    }
    assert_int_equal(seen, total);
    assert_true(total >= res_count);
    assert_int_equal(total_of(t_g0101, "/api/v1/residents?page_size=20"), res_count);
    assert_int_equal(total_of(t_street, fmt("/api/v1/residents?org_unit_id=%lld&status=all&page_size=20", grid_a)), total);
    /* Search terms do not widen the scope: a tag over the whole street. */
    j = get_ok(t_g0101, "/api/v1/residents?tag=disabled&page_size=100&status=all");
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(j, "items"), i, it)
        assert_int_equal(jint(it, "grid_id"), grid_a);
    json_decref(j);
    /* A far resident's exact ID number finds nothing. */
    j = get_ok(t_street, fmt("/api/v1/residents/%lld?full_id=1", foreign_f.resident));
    char far_id[19];
    snprintf(far_id, sizeof far_id, "%s", jstr(j, "id_number"));
    json_decref(j);
    assert_int_equal(total_of(t_g0101, fmt("/api/v1/residents?id_number=%s&status=all", far_id)), 0);
    assert_int_equal(total_of(t_street, fmt("/api/v1/residents?id_number=%s", far_id)), 1);

    /* Households. */
    j = get_ok(t_g0101, "/api/v1/households?page_size=100&status=all");
    json_array_foreach(json_object_get(j, "items"), i, it)
        assert_int_equal(jint(it, "grid_id"), grid_a);
    assert_true(jint(j, "total") >= hh_count);
    json_decref(j);

    /* Export: only grid A's rows (网格编码 is the second column). */
    http_resp r;
    assert_int_equal(http(&srv, "GET", "/api/v1/export/residents", t_g0101, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    size_t rows = 0;
    char *save = NULL;
    for (char *line = strtok_r(r.body, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (rows++ == 0)
            continue;   /* header */
        char *comma = strchr(line, ',');
        assert_non_null(comma);
        assert_memory_equal(comma + 1, "371702001001-01,", 16);
    }
    http_free(&r);
    assert_int_equal((long long)rows - 1, res_count);

    /* Stats default to the own unit. */
    j = get_ok(t_g0101, "/api/v1/stats/tags");
    assert_int_equal(jint(json_object_get(j, "unit"), "id"), grid_a);
    assert_int_equal(jint(j, "total_residents"), res_count);
    json_decref(j);
}

static void community_sees_all_its_grids_and_no_other(void **state)
{
    json_t *j = get_ok(t_c01, "/api/v1/org-units");
    json_t *own = json_array_get(json_object_get(j, "items"), 0);
    assert_int_equal(jint(own, "id"), c001);
    long long res_count = jint(own, "resident_count");
    json_decref(j);

    /* Its grids, and community 002's grids (as admin). */
    long long mine[8], theirs[8];
    size_t nmine = 0, ntheirs = 0, i;
    json_t *it;
    j = get_ok(t_c01, fmt("/api/v1/org-units?parent_id=%lld", c001));
    json_array_foreach(json_object_get(j, "items"), i, it)
        if (nmine < 8)
            mine[nmine++] = jint(it, "id");
    json_decref(j);
    j = get_ok(t_street, fmt("/api/v1/org-units?parent_id=%lld", c002));
    json_array_foreach(json_object_get(j, "items"), i, it)
        if (ntheirs < 8)
            theirs[ntheirs++] = jint(it, "id");
    json_decref(j);
    assert_true(nmine >= 4 && ntheirs >= 4);

    int seen_grid[8] = {0};
    long long total = -1, seen = 0;
    for (int page = 1; page < 50; page++) {
        j = get_ok(t_c01, fmt("/api/v1/residents?page_size=20&page=%d", page));
        if (total < 0)
            total = jint(j, "total");
        json_array_foreach(json_object_get(j, "items"), i, it) {
            long long g = jint(it, "grid_id");
            int found = 0;
            for (size_t k = 0; k < nmine; k++)
                if (mine[k] == g) {
                    found = 1;
                    seen_grid[k] = 1;
                }
            for (size_t k = 0; k < ntheirs; k++)
                assert_true(theirs[k] != g);
            assert_true(found);
            seen++;
        }
        size_t n = json_array_size(json_object_get(j, "items"));
        json_decref(j);
        if (n < 7)
            break;
    }
    assert_int_equal(seen, total);
    assert_int_equal(total, res_count);
    /* every demo grid of the community has residents, and all of them show */
    for (size_t k = 0; k < 4; k++)
        assert_true(seen_grid[k]);
    /* Each own grid is reachable; each of theirs is not. */
    for (size_t k = 0; k < nmine; k++)
        json_decref(get_ok(t_c01, fmt("/api/v1/residents?org_unit_id=%lld&page_size=20", mine[k])));
    for (size_t k = 0; k < ntheirs; k++) {
        json_t *e = req(t_c01, "GET", fmt("/api/v1/residents?org_unit_id=%lld", theirs[k]), NULL, 404);
        assert_string_equal(err_code(e), "not_found");
        json_decref(e);
    }
    /* Stats per child: exactly the own grids. */
    j = get_ok(t_c01, "/api/v1/stats/org-units");
    assert_int_equal(jint(json_object_get(j, "parent"), "id"), c001);
    long long sum = 0;
    json_array_foreach(json_object_get(j, "items"), i, it)
        sum += jint(it, "residents");
    assert_int_equal(sum, res_count);
    json_decref(j);
}

/* ---- social assistance: programmes and standards (issue 11) --------------- */

/* Grid workers read and write nothing of the programmes (403); community
 * staff read them but write nothing, and never see another community's
 * own standard. */
static void assist_programmes_in_scope(void **state)
{
    (void)state;
    long long pid = server_sql_int(&srv, "SELECT id FROM assistance_programme WHERE code = 'elderly_hardship'");
    char std[96], one[96], body[200];
    snprintf(std, sizeof std, "/api/v1/assistance/programmes/%lld/standards", pid);
    snprintf(one, sizeof one, "/api/v1/assistance/programmes/%lld", pid);
    snprintf(body, sizeof body, "{\"area\":\"urban\",\"community_id\":%lld,\"amount_fen\":12500,"
                                "\"effective_from\":\"2099-01-01\"}", c002);
    json_decref(req(t_street, "POST", std, body, 201));
    const char *new_prog = "{\"code\":\"scope_probe\",\"name\":\"范围测试补贴\",\"category\":\"other\","
                           "\"calc_kind\":\"one_off\"}";
    deny("G assist", t_g0101, "GET", "/api/v1/assistance/programmes", NULL, ONLY_403);
    deny("G assist", t_g0101, "GET", one, NULL, ONLY_403);
    deny("G assist", t_g0101, "POST", "/api/v1/assistance/programmes", new_prog, ONLY_403);
    deny("G assist", t_g0101, "PUT", one, "{\"active\":false}", ONLY_403);
    deny("G assist", t_g0101, "POST", std, body, ONLY_403);
    deny("C1 assist", t_c01, "POST", "/api/v1/assistance/programmes", new_prog, ONLY_403);
    deny("C1 assist", t_c01, "PUT", one, "{\"active\":false}", ONLY_403);
    deny("C1 assist", t_c01, "POST", std, body, ONLY_403);
    assert_int_equal(denials_failed, 0);
    json_t *j = get_ok(t_c01, one);
    size_t i;
    json_t *st;
    json_array_foreach(json_object_get(json_object_get(j, "programme"), "standards"), i, st)
        assert_true(jint(st, "community_id") != c002);
    assert_true(json_is_true(json_object_get(json_object_get(j, "programme"), "active")));
    json_decref(j);
    j = get_ok(t_street, one);
    int seen = 0;
    json_array_foreach(json_object_get(json_object_get(j, "programme"), "standards"), i, st)
        seen |= jint(st, "community_id") == c002;
    assert_true(seen);
    json_decref(j);
}

/* ---- assistance payments (test_assist_payments.c has the rest) ------------ */

/* A case enrolled in grid F (community 002) and a run paying it: the
 * community 001 account reads no line, hold or adjustment of it and
 * may not compute, freeze, export or return; the grid worker reads no
 * run at all. */
static void assistance_payments_stay_in_scope(void **state)
{
    (void)state;
    char idn[19], csv[512];
    snprintf(idn, sizeof idn, "%s", new_id());
    json_t *j = req(t_street, "POST", "/api/v1/residents",
                    fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"远方救助\"}", foreign_f.household, idn),
                    201);
    long long rid = jint(j, "id");
    json_decref(j);
    snprintf(csv, sizeof csv,
             "programme,id_number,area,start_month,account_name,account_number\n"
             "elderly_hardship,%s,urban,2025-01,远方救助,6228480000009999\n", idn);
    const char *path = fmt("%s/enrol-far.csv", srv.dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(csv, f);
    fclose(f);
    const char *args[] = {"assistance", "enrol", path, NULL};
    assert_int_equal(run_cli(&srv, args, NULL, NULL), 0);
    long long case_id = server_sql_int(&srv, fmt("SELECT id FROM assistance_case WHERE resident_id = %lld", rid));
    j = req(t_street, "POST", "/api/v1/assistance/runs", "{\"programme\":\"elderly_hardship\",\"month\":\"2025-01\"}", 201);
    long long run = jint(j, "id");
    json_decref(j);
    j = get_ok(t_street, fmt("/api/v1/assistance/runs/%lld", run));
    assert_int_equal(jint(json_object_get(j, "lines"), "total"), 1);
    json_decref(j);
    const char *who = "shequ01→002-01";
    denials_failed = 0;
    /* reads: nothing of community 002 */
    probe_note("GET", fmt("/api/v1/assistance/runs/%lld", run));
    j = get_ok(t_c01, fmt("/api/v1/assistance/runs/%lld", run));
    if (jint(json_object_get(j, "lines"), "total") != 0 || json_array_size(json_object_get(j, "holds")) != 0) {
        print_error("SCOPE LEAK [%s] GET /assistance/runs/{id} shows a line of community 002\n", who);
        denials_failed++;
    }
    json_decref(j);
    probe_note("GET", "/api/v1/assistance/runs");
    j = get_ok(t_c01, "/api/v1/assistance/runs");   /* runs are totals, no names */
    json_decref(j);
    probe_note("GET", "/api/v1/assistance/adjustments");
    if (total_of(t_c01, fmt("/api/v1/assistance/adjustments?case_id=%lld", case_id)) != 0)
        denials_failed++;
    DENY404(who, t_c01, "GET", fmt("/api/v1/assistance/summary?from=2025-01&to=2025-01&org_unit_id=%lld", c002), NULL);
    /* writes: street staff only */
    deny(who, t_c01, "POST", "/api/v1/assistance/runs", "{\"programme\":\"elderly_hardship\",\"month\":\"2025-02\"}", ONLY_403);
    deny(who, t_c01, "POST", fmt("/api/v1/assistance/runs/%lld/compute", run), "{}", ONLY_403);
    deny(who, t_c01, "POST", fmt("/api/v1/assistance/runs/%lld/freeze", run), "{}", ONLY_403);
    deny(who, t_c01, "GET", fmt("/api/v1/assistance/runs/%lld/bank.xlsx", run), NULL, ONLY_403);
    deny(who, t_c01, "GET", fmt("/api/v1/assistance/runs/%lld/bank.csv", run), NULL, ONLY_403);
    deny(who, t_c01, "POST", fmt("/api/v1/assistance/runs/%lld/return", run), "{}", ONLY_403);
    deny(who, t_c01, "POST", "/api/v1/assistance/adjustments",
         fmt("{\"case_id\":%lld,\"corrects_run_id\":%lld,\"amount_fen\":100,\"reason\":\"越权\"}", case_id, run), ONLY_403);
    /* the grid worker: no run, no adjustment */
    who = "wangge0101→002-01";
    deny(who, t_g0101, "GET", fmt("/api/v1/assistance/runs/%lld", run), NULL, ONLY_403);
    deny(who, t_g0101, "GET", "/api/v1/assistance/runs", NULL, ONLY_403);
    deny(who, t_g0101, "GET", "/api/v1/assistance/adjustments", NULL, ONLY_403);
    deny(who, t_g0101, "GET", "/api/v1/assistance/summary?from=2025-01&to=2025-01", NULL, ONLY_403);
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM assistance_adjustment WHERE case_id = %lld", case_id)), 0);
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM assistance_payment_run WHERE id = %lld AND status = 'draft'"
                                              " AND exported_at IS NULL", run)), 1);
    assert_int_equal(denials_failed, 0);
}

/* ---- safety: enterprises, inspections, the hazard ledger (haz part) ------- */

/* An enterprise of place p's grid (registered by the street) with an
 * inspection that found one hazard. */
typedef struct safety_place {
    long long enterprise, inspection, hazard;
} safety_place;

static void safety_fixture(const place *p, safety_place *out)
{
    const char *today = beijing_date(0);
    json_t *j = req(t_street, "POST", "/api/v1/safety/enterprises",
                    fmt("{\"name\":\"范围检查店\",\"kind\":\"商铺\",\"address\":\"某路\",\"grid_id\":%lld,"
                        "\"frequency\":\"quarterly\",\"contact_phone\":\"13600001234\"}", p->grid), 201);
    out->enterprise = jint(j, "id");
    json_decref(j);
    j = req(t_street, "POST", "/api/v1/safety/inspections",
            fmt("{\"enterprise_id\":%lld,\"inspected_on\":\"%s\",\"inspectors\":[\"王检查\"],\"result\":\"发现隐患\","
                "\"hazards\":[{\"level\":\"较大\",\"description\":\"电线私拉乱接\",\"deadline\":\"%s\"}]}",
                out->enterprise, today, today), 201);
    out->inspection = jint(j, "id");
    out->hazard = json_integer_value(json_array_get(json_object_get(j, "hazard_ids"), 0));
    json_decref(j);
}

/* Every safety route of `tok` against far's rows: 404, nothing listed, nothing changed. */
static void deny_safety(const char *who, const char *tok, const place *far, const safety_place *sp)
{
    static const char *const ACTIONS[] = {"rectify", "submit", "close", "reopen", NULL};
    const char *today = beijing_date(0);
    DENY404(who, tok, "GET", fmt("/api/v1/safety/enterprises/%lld", sp->enterprise), NULL);
    DENY404(who, tok, "PATCH", fmt("/api/v1/safety/enterprises/%lld", sp->enterprise), "{\"name\":\"越权\"}");
    DENY404(who, tok, "POST", "/api/v1/safety/enterprises",
            fmt("{\"name\":\"越权店\",\"kind\":\"商铺\",\"address\":\"某路\",\"grid_id\":%lld,\"frequency\":\"monthly\"}",
                far->grid));
    DENY404(who, tok, "POST", "/api/v1/safety/inspections",
            fmt("{\"enterprise_id\":%lld,\"inspected_on\":\"%s\",\"inspectors\":\"越权\",\"result\":\"合格\"}",
                sp->enterprise, today));
    DENY404(who, tok, "POST", "/api/v1/safety/hazards",
            fmt("{\"enterprise_id\":%lld,\"level\":\"一般\",\"description\":\"越权\",\"deadline\":\"%s\"}", sp->enterprise,
                today));
    DENY404(who, tok, "POST", "/api/v1/safety/hazards",
            fmt("{\"grid_id\":%lld,\"place\":\"路口\",\"level\":\"一般\",\"description\":\"越权\",\"deadline\":\"%s\"}",
                far->grid, today));
    DENY404(who, tok, "GET", fmt("/api/v1/safety/hazards/%lld", sp->hazard), NULL);
    DENY404(who, tok, "GET", fmt("/api/v1/safety/hazards/summary?org_unit_id=%lld", far->grid), NULL);
    for (size_t i = 0; ACTIONS[i]; i++)
        DENY404(who, tok, "POST", fmt("/api/v1/safety/hazards/%lld/actions/%s", sp->hazard, ACTIONS[i]),
                fmt("{\"opinion\":\"越权办理\",\"recheck\":{\"checked_on\":\"%s\",\"checkers\":[\"越权\"],\"passed\":true}}",
                    today));
    probe_note("GET", "/api/v1/safety/enterprises");
    probe_note("GET", "/api/v1/safety/inspections");
    probe_note("GET", "/api/v1/safety/hazards");
    if (api_list_has(&srv, tok, "/api/v1/safety/enterprises?page_size=100", sp->enterprise) ||
        api_list_has(&srv, tok, "/api/v1/safety/inspections?page_size=100", sp->inspection) ||
        api_list_has(&srv, tok, "/api/v1/safety/hazards?page_size=100", sp->hazard) ||
        api_list_has(&srv, tok, "/api/v1/safety/hazards?overdue=0&open=1&page_size=100", sp->hazard)) {
        print_error("SCOPE LEAK [%s] safety lists show enterprise %lld or hazard %lld\n", who, sp->enterprise,
                    sp->hazard);
        denials_failed++;
    }
    json_t *j = get_ok(t_street, fmt("/api/v1/safety/hazards/%lld", sp->hazard));
    if (strcmp(jstr(j, "state"), "registered") != 0) {
        print_error("SCOPE LEAK [%s] hazard %lld changed to %s\n", who, sp->hazard, jstr(j, "state"));
        denials_failed++;
    }
    json_decref(j);
    j = get_ok(t_street, fmt("/api/v1/safety/enterprises/%lld", sp->enterprise));
    if (strcmp(jstr(j, "name"), "范围检查店") != 0 || jint(j, "version") != 2) {
        print_error("SCOPE LEAK [%s] enterprise %lld changed\n", who, sp->enterprise);
        denials_failed++;
    }
    json_decref(j);
}

/* Grid A's rows are invisible to grid A2's and community 002's accounts
 * and the other way round; the community above sees its grids' rows. */
static void safety_stays_in_scope(void **state)
{
    (void)state;
    safety_place a, a2, f;
    safety_fixture(&own_a, &a);
    safety_fixture(&sib_a2, &a2);
    safety_fixture(&foreign_f, &f);
    denials_failed = 0;
    deny_safety("wangge0101→001-02", t_g0101, &sib_a2, &a2);
    deny_safety("wangge0101→002-01", t_g0101, &foreign_f, &f);
    deny_safety("shequ01→002-01", t_c01, &foreign_f, &f);
    deny_safety("wangge0201→001-01", t_g0201, &own_a, &a);
    assert_int_equal(denials_failed, 0);
    assert_true(api_list_has(&srv, t_g0101, "/api/v1/safety/hazards?page_size=100", a.hazard));
    assert_true(api_list_has(&srv, t_c01, "/api/v1/safety/hazards?page_size=100", a2.hazard));
    assert_true(api_list_has(&srv, t_c01, "/api/v1/safety/enterprises?page_size=100", a2.enterprise));
    assert_true(api_list_has(&srv, t_g0201, "/api/v1/safety/inspections?page_size=100", f.inspection));
}

/* Work orders (诉求工单): an order in grid F (community 002), assigned to
 * that grid, is refused to the grid worker of A and to community 001 on
 * every route (404: its existence is not told), never listed for them,
 * never changed; categories and departments are the street's to edit. */
static void demands_stay_in_scope(void **state)
{
    (void)state;
    const char *const actions[] = {"assign", "reassign", "sign", "return", "progress", "finish", "callback", NULL};
    json_t *j = req(t_street, "POST", "/api/v1/demands/orders",
                    fmt("{\"source\":\"walkin\",\"category_id\":101,\"grid_id\":%lld,\"address\":\"越权路一号\","
                        "\"reporter_name\":\"张三\",\"phone\":\"13800001111\",\"content\":\"垃圾未清运\"}", grid_f),
                    201);
    long long far = jint(j, "id");
    json_decref(j);
    json_decref(req(t_street, "POST", fmt("/api/v1/demands/orders/%lld/actions/assign", far),
                    fmt("{\"unit_id\":%lld}", grid_f), 200));
    j = req(t_street, "POST", "/api/v1/demands/orders",
            fmt("{\"source\":\"walkin\",\"category_id\":101,\"grid_id\":%lld,\"address\":\"本网格路一号\","
                "\"reporter_name\":\"李四\",\"phone\":\"13800001111\",\"content\":\"垃圾未清运\"}", grid_a),
            201);
    long long own = jint(j, "id");
    json_decref(j);
    denials_failed = 0;
    const struct { const char *who, *tok; } WHO[] = {{"wangge0101→002-01", t_g0101}, {"shequ01→002", t_c01}};
    for (size_t w = 0; w < 2; w++) {
        const char *who = WHO[w].who, *tok = WHO[w].tok;
        DENY404(who, tok, "GET", fmt("/api/v1/demands/orders/%lld", far), NULL);
        for (size_t i = 0; actions[i]; i++)
            deny(who, tok, "POST", fmt("/api/v1/demands/orders/%lld/actions/%s", far, actions[i]),
                 fmt("{\"opinion\":\"越权\",\"unit_id\":%lld,\"solved\":true,\"satisfaction\":\"satisfied\"}", grid_a),
                 ONLY_404);
        deny(who, tok, "POST", fmt("/api/v1/demands/orders/%lld/urge", far), "{\"note\":\"越权催办\"}",
             w == 0 ? ONLY_403 : ONLY_404);
        deny(who, tok, "POST", fmt("/api/v1/demands/orders/%lld/duplicate", own),
             fmt("{\"other_id\":%lld,\"decision\":\"merge\"}", far), REFUSED);
        deny(who, tok, "POST", "/api/v1/demands/orders",
             fmt("{\"source\":\"patrol\",\"category_id\":101,\"grid_id\":%lld,\"address\":\"越权路\","
                 "\"reporter_name\":\"王五\",\"content\":\"越权登记\"}", grid_f), REFUSED);
        probe_note("GET", "/api/v1/demands/orders");
        if (api_list_has(&srv, tok, "/api/v1/demands/orders?page_size=100", far)) {
            print_error("SCOPE LEAK [%s] GET /demands/orders lists %lld\n", who, far);
            denials_failed++;
        }
        deny(who, tok, "GET", fmt("/api/v1/demands/orders?org_unit_id=%lld", grid_f), NULL, ONLY_404);
        /* the work order reports (worep): another unit's figures 404, their own leave out the far order's community */
        deny(who, tok, "GET", fmt("/api/v1/demands/reports/weekly?org_unit_id=%lld", grid_f), NULL, ONLY_404);
        deny(who, tok, "GET", fmt("/api/v1/demands/reports/monthly?org_unit_id=%lld", grid_f), NULL, ONLY_404);
        {
            long long far_c = server_sql_int(&srv, fmt("SELECT parent_id FROM org_unit WHERE id = %lld", grid_f));
            json_t *rep = get_ok(tok, "/api/v1/demands/reports/weekly");
            size_t gi;
            json_t *g;
            json_array_foreach(json_object_get(rep, "communities"), gi, g) {
                if (json_integer_value(json_object_get(g, "id")) == far_c) {
                    print_error("SCOPE LEAK [%s] the weekly report counts community %lld\n", who, far_c);
                    denials_failed++;
                }
            }
            json_decref(rep);
        }
        /* the duplicates shown at intake stay in scope too (same phone as the far order) */
        j = get_ok(t_c01, fmt("/api/v1/demands/orders/%lld", own));
        char *page = json_dumps(j, JSON_COMPACT);
        int leaked = strstr(page, "越权路一号") != NULL;
        free(page);
        if (leaked) {
            print_error("SCOPE LEAK [%s] possible_duplicates show %lld\n", who, far);
            denials_failed++;
        }
        json_decref(j);
        /* the tree and the departments are the street's to edit */
        probe_note("GET", "/api/v1/demands/categories");
        probe_note("GET", "/api/v1/demands/departments");
        deny(who, tok, "POST", "/api/v1/demands/categories", "{\"name\":\"越权\",\"handle_days\":5,\"sign_days\":1}",
             ONLY_403);
        deny(who, tok, "PUT", "/api/v1/demands/categories/1", "{\"handle_days\":60}", ONLY_403);
        deny(who, tok, "POST", "/api/v1/demands/departments", "{\"name\":\"越权部门\"}", ONLY_403);
        deny(who, tok, "PUT", "/api/v1/demands/departments/1", "{\"name\":\"越权部门\"}", ONLY_403);
    }
    j = get_ok(t_street, fmt("/api/v1/demands/orders/%lld", far));
    assert_string_equal(jstr(j, "state"), "assigned");
    assert_int_equal(json_array_size(json_object_get(j, "urges")), 0);
    json_decref(j);
    assert_int_equal(server_sql_int(&srv, "SELECT COUNT(*) FROM demand_duplicate"), 0);
    assert_int_equal(server_sql_int(&srv, "SELECT handle_days FROM demand_category WHERE id = 1"), 5);
    assert_int_equal(denials_failed, 0);
}

/* ---- Open311 (o311 part) -------------------------------------------------------- */

/* The API keys are the admin's: street, community and grid accounts are
 * refused (403). The /open311/v2/ routes take no session: a key reads
 * its street's Open311 requests only (test_open311.c, test_district.c);
 * here a key of the street is refused nothing of the street and a grid
 * account's session gives no access to them. */
static void open311_keys_are_the_admins(void **state)
{
    (void)state;
    const char *who[] = {"jiedao", "shequ01", "wangge0101"};
    char *toks[] = {t_street, t_c01, t_g0101};
    long long grid = org_id_by_code(&srv, t_street, "371702001001-01"),
              street = org_id_by_code(&srv, t_street, "371702001");
    json_t *j = req(t_admin, "POST", "/api/v1/open311/keys",
                    fmt("{\"name\":\"范围测试\",\"street_id\":%lld,\"grid_id\":%lld}", street, grid), 201);
    long long kid = jint(j, "id");
    char key[64];
    snprintf(key, sizeof key, "%s", jstr(j, "key"));
    json_decref(j);
    for (size_t i = 0; i < 3; i++) {
        deny(who[i], toks[i], "POST", "/api/v1/open311/keys",
             fmt("{\"name\":\"越权\",\"street_id\":%lld,\"grid_id\":%lld}", street, grid), ONLY_403);
        deny(who[i], toks[i], "GET", "/api/v1/open311/keys", NULL, ONLY_403);
        deny(who[i], toks[i], "POST", fmt("/api/v1/open311/keys/%lld/revoke", kid), NULL, ONLY_403);
        /* a session is no api_key */
        if (api_send(&srv, "GET", toks[i], "/open311/v2/requests.json", NULL, NULL) != 403) {
            print_error("SCOPE LEAK [%s] /open311/v2/requests.json without api_key\n", who[i]);
            denials_failed++;
        }
    }
    probe_note("GET", "/open311/v2/requests.json");
    probe_note("GET", "/open311/v2/services.json");              /* the category tree: no org-scoped data */
    probe_note("GET", "/open311/v2/services/{id}.json");
    probe_note("POST", "/open311/v2/requests.json");              /* files in the key's grid only */
    probe_note("GET", "/open311/v2/requests/{id}.json");          /* per street: test_district.c */
    probe_note("GET", "/open311/v2/tokens/{id}.json");
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM open311_key WHERE revoked_at IS NULL AND id = %lld", kid)), 1);
    assert_int_equal(denials_failed, 0);
}

/* Every route of every module's table is in the battery above (or
 * touches no org-scoped data), so a module's new route cannot land
 * without a cross-scope denial. */
static void every_scoped_route_is_probed(void **state)
{
    (void)state;
    assert_int_equal(probe_missing("cross-scope denial"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grid_worker_lists_only_own_grid),
        cmocka_unit_test(community_sees_all_its_grids_and_no_other),
        cmocka_unit_test(grid_worker_denied_other_community),
        cmocka_unit_test(grid_worker_denied_sibling_grid),
        cmocka_unit_test(community_denied_other_community),
        cmocka_unit_test(other_grid_worker_denied_grid_a),
        cmocka_unit_test(assistance_payments_stay_in_scope),
        cmocka_unit_test(assist_programmes_in_scope),
        cmocka_unit_test(safety_stays_in_scope),
        cmocka_unit_test(demands_stay_in_scope),
        cmocka_unit_test(open311_keys_are_the_admins),
        cmocka_unit_test(every_scoped_route_is_probed),
    };
    return cmocka_run_group_tests_name("api_scope", tests, setup, teardown);
}
