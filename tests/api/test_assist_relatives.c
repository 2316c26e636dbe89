/* test_assist_relatives.c — the close-relative registry (近亲属备案), its
 * report, the conflict notes it leaves on cases, 政策找人, the stop flags
 * the registry's deaths leave on active cases, and the re-review due
 * list, against the real server (/api/v1/assistance/…):
 *
 *   - street and community staff register a staff member's relative by
 *     ID number (checked; stored encrypted with the resident's blind
 *     index, shown masked only); a bad check digit, an unknown account,
 *     a unit or account of another community are refused; a removal
 *     keeps the row; grid and viewer accounts see nothing;
 *   - registering a relative who belongs to an open case's household
 *     sets the case's conflict note (audited), removing it clears it; the
 *     report lists the relative with the case and the flagged cases, also
 *     as an audited .xlsx;
 *   - 政策找人 lists a 70+ resident without a 高龄津贴 case and not one
 *     with; a grid worker sees only its grid; the disability, 低保 and
 *     困境儿童 kinds find theirs; the viewer gets the counts only;
 *   - a beneficiary marked deceased through the registry API, then the
 *     sweep: the case is flagged, the registry flag handled;
 *   - an overdue re-review comes first in the due list.
 * Cases are filed through the case API; the states past 公示 are set
 * behind its back (see make_case). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_fixture.h"
#include "util/validate.h"

static char *t_c02, *t_g0201;
static long long uid_c01, uid_c02, grid_c2a;

static long long me_id(const char *tok)
{
    json_t *j = get_ok(tok, "/api/v1/auth/me");
    long long id = jint(j, "id");
    json_decref(j);
    return id;
}

static int setup(void **state)
{
    if (registry_setup(state) != 0)
        return -1;
    t_c02 = login(&srv, "shequ02", DEMO_PW);
    t_g0201 = login(&srv, "wangge0201", DEMO_PW);
    if (!t_c02 || !t_g0201)
        return -1;
    uid_c01 = me_id(t_c01);
    uid_c02 = me_id(t_c02);
    grid_c2a = org_id_by_code(&srv, t_admin, "371702001002-01");
    return grid_c2a ? 0 : -1;
}

static int teardown(void **state)
{
    free(t_c02);
    free(t_g0201);
    return registry_teardown(state);
}

/* ---- helpers --------------------------------------------------------------- */

/* An ID number of someone born in `year`. */
static const char *id_born(int year)
{
    static char bufs[8][19];
    static unsigned seq, next;
    char first17[18];
    unsigned n = ++seq;
    snprintf(first17, sizeof first17, "110102%04d%02u%02u%03u", year, 1 + n % 12, 1 + n % 28, 500 + n % 400);
    return id_with_check(first17, bufs[next++ % 8]);
}

/* A case filed through the case API (POST /assistance/cases, as street
 * staff), then brought to `state` behind the API's back where the steps
 * to it are not on this branch yet (公示 is the notices part's; an
 * approved case needs it), with `set` ("" or ", col = value …") applied
 * to its assistance_case row. */
static long long make_case(const char *code, const char *state, long long hh, long long rid, const char *set)
{
    int one_off = strcmp(code, "temporary") == 0 || strcmp(code, "medical") == 0;
    json_t *j = req(t_street, "POST", "/api/v1/assistance/cases",
                    fmt("{\"programme\":\"%s\",\"household_id\":%lld,\"resident_id\":%lld%s}", code, hh, rid,
                        one_off ? ",\"requested_fen\":50000" : ""), 201);
    long long id = jint(j, "id");
    json_decref(j);
    if (strcmp(state, "applied") != 0)
        server_sql(&srv, fmt("UPDATE wf_case SET state = '%s', due_at = NULL, closed_at = %s WHERE id = %lld", state,
                             strcmp(state, "rejected") == 0 ? "'2026-01-02 00:00:00'" : "NULL", id));
    server_sql(&srv, fmt("UPDATE assistance_case SET amount_fen = 50000%s WHERE id = %lld", set, id));
    return id;
}

static const char *relative_body(const char *staff, long long unit, const char *rel_name, const char *idn)
{
    return fmt("{\"staff_name\":\"%s\",\"staff_post\":\"社区干部\",\"staff_unit_id\":%lld,\"relative_name\":\"%s\","
               "\"relation\":\"配偶\",\"relative_id_number\":\"%s\",\"registered_on\":\"2026-01-05\"}",
               staff, unit, rel_name, idn);
}

/* The hit for resident rid in GET /assistance/policy-find?kind=…, walking
 * every page (new reference), or NULL. */
static json_t *pf_find(const char *tok, const char *kind, long long rid)
{
    for (int page = 1; page < 200; page++) {
        json_t *j = get_ok(tok, fmt("/api/v1/assistance/policy-find?kind=%s&page_size=100&page=%d", kind, page));
        json_t *items = json_object_get(j, "items"), *it;
        size_t i;
        json_array_foreach(items, i, it) {
            if (jint(it, "resident_id") == rid) {
                json_incref(it);
                json_decref(j);
                return it;
            }
        }
        size_t n = json_array_size(items);
        json_decref(j);
        if (n < 100)
            return NULL;
    }
    return NULL;
}

static long long audits(const char *query)
{
    return total_of(t_auditor, fmt("/api/v1/audit?%s", query));
}

/* ---- the registry ---------------------------------------------------------- */

static void registry_crud_and_validation(void **state)
{
    const char *idn = new_id();
    json_t *j = req(t_street, "POST", "/api/v1/assistance/relatives",
                    relative_body(fmt("张%s", cn_number(1)), c001, "李备案", idn), 201);
    long long id = jint(j, "id");
    assert_true(id > 0);
    assert_masked_shape(jstr(j, "relative_id_number"));
    assert_string_equal(jstr(j, "relation"), "配偶");
    assert_false(json_is_true(json_object_get(j, "in_registry")));
    char *dump = json_dumps(j, JSON_COMPACT);
    assert_null(strstr(dump, idn));
    assert_null(strstr(dump, idn + 6));
    free(dump);
    json_decref(j);
    assert_int_equal(audits(fmt("action=assist_relative_add&entity=assistance_relative&entity_id=%lld", id)), 1);
    /* stored encrypted: the number is nowhere in the database's bytes */
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM assistance_relative WHERE id = %lld"
                                              " AND relative_id_enc LIKE 'e%%' AND length(relative_id_bidx) = 32", id)), 1);
    size_t len = 0;
    char *bytes = server_db_bytes(&srv, &len);
    assert_null(memmem(bytes, len, idn, 18));
    free(bytes);

    /* refused input: nothing written */
    long long before = server_sql_int(&srv, "SELECT COUNT(*) FROM assistance_relative");
    expect_400_field(t_street, "POST", "/api/v1/assistance/relatives",
                     relative_body("王校验", c001, "李校验", bad_checksum(new_id())), "relative_id_number");
    expect_400_field(t_street, "POST", "/api/v1/assistance/relatives",
                     fmt("{\"staff_user_id\":999999,\"staff_post\":\"社区干部\",\"relative_name\":\"李某\","
                         "\"relation\":\"配偶\",\"relative_id_number\":\"%s\"}", new_id()), "staff_user_id");
    expect_400_field(t_street, "POST", "/api/v1/assistance/relatives",
                     fmt("{\"staff_name\":\"王某\",\"staff_post\":\"社区干部\",\"staff_unit_id\":%lld,"
                         "\"relative_name\":\"李某\",\"relation\":\"邻居\",\"relative_id_number\":\"%s\"}", c001, new_id()),
                     "relation");
    expect_400_field(t_street, "POST", "/api/v1/assistance/relatives",
                     fmt("{\"staff_name\":\"王某\",\"staff_post\":\"局长\",\"staff_unit_id\":%lld,"
                         "\"relative_name\":\"李某\",\"relation\":\"配偶\",\"relative_id_number\":\"%s\"}", c001, new_id()),
                     "staff_post");
    expect_400_field(t_street, "POST", "/api/v1/assistance/relatives",
                     relative_body("王2", c001, "李某", new_id()), "staff_name");   /* digits in a name */
    /* a community registers for its own staff only */
    json_decref(req(t_c01, "POST", "/api/v1/assistance/relatives", relative_body("王越权", c002, "李越权", new_id()), 404));
    j = req(t_c01, "POST", "/api/v1/assistance/relatives",
            fmt("{\"staff_user_id\":%lld,\"staff_post\":\"社区干部\",\"relative_name\":\"李越权\",\"relation\":\"子女\","
                "\"relative_id_number\":\"%s\"}", uid_c02, new_id()), 403);
    assert_string_equal(err_code(j), "forbidden");
    json_decref(j);
    assert_int_equal(server_sql_int(&srv, "SELECT COUNT(*) FROM assistance_relative"), before);
    /* the same relative of the same staff member twice: 409 */
    json_decref(req(t_street, "POST", "/api/v1/assistance/relatives",
                    relative_body(fmt("张%s", cn_number(1)), c001, "李备案", idn), 409));

    /* with the staff member's account: its name and unit are the defaults */
    j = req(t_c01, "POST", "/api/v1/assistance/relatives",
            fmt("{\"staff_user_id\":%lld,\"staff_post\":\"低保经办人员\",\"relative_name\":\"赵亲属\",\"relation\":\"父母\","
                "\"relative_id_number\":\"%s\"}", uid_c01, new_id()), 201);
    long long own = jint(j, "id");
    assert_int_equal(jint(j, "staff_unit_id"), c001);
    assert_int_equal(jint(j, "staff_user_id"), uid_c01);
    json_decref(j);
    j = req(t_c02, "POST", "/api/v1/assistance/relatives", relative_body("钱二社区", c002, "孙亲属", new_id()), 201);
    long long other = jint(j, "id");
    json_decref(j);

    /* lists: in scope only */
    assert_true(api_list_has(&srv, t_street, "/api/v1/assistance/relatives?page_size=100", other));
    assert_true(api_list_has(&srv, t_c01, "/api/v1/assistance/relatives?page_size=100", own));
    assert_false(api_list_has(&srv, t_c01, "/api/v1/assistance/relatives?page_size=100", other));
    assert_int_equal(total_of(t_c01, fmt("/api/v1/assistance/relatives?q=%s", urlenc("赵亲属"))), 1);
    assert_int_equal(total_of(t_street, fmt("/api/v1/assistance/relatives?staff_user_id=%lld", uid_c01)), 1);
    json_decref(req(t_street, "GET", "/api/v1/assistance/relatives?page_size=30", NULL, 400));
    json_decref(req(t_g0101, "GET", "/api/v1/assistance/relatives", NULL, 403));
    json_decref(req(t_viewer, "GET", "/api/v1/assistance/relatives", NULL, 403));
    json_decref(req(t_admin, "GET", "/api/v1/assistance/relatives", NULL, 403));

    /* removal: reason required; another community's row is not found; kept, listed on request */
    expect_400_field(t_c01, "POST", fmt("/api/v1/assistance/relatives/%lld/remove", own), "{}", "reason");
    json_decref(req(t_c01, "POST", fmt("/api/v1/assistance/relatives/%lld/remove", other), "{\"reason\":\"越权\"}", 404));
    j = req(t_c01, "POST", fmt("/api/v1/assistance/relatives/%lld/remove", own), "{\"reason\":\"已离职\"}", 200);
    assert_non_null(jstr(j, "removed_at"));
    assert_string_equal(jstr(j, "remove_reason"), "已离职");
    json_decref(j);
    json_decref(req(t_c01, "POST", fmt("/api/v1/assistance/relatives/%lld/remove", own), "{\"reason\":\"再撤\"}", 409));
    assert_false(api_list_has(&srv, t_c01, "/api/v1/assistance/relatives?page_size=100", own));
    assert_true(api_list_has(&srv, t_c01, "/api/v1/assistance/relatives?page_size=100&include_removed=1", own));
    assert_int_equal(audits(fmt("action=assist_relative_remove&entity_id=%lld", own)), 1);
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM assistance_relative WHERE id = %lld", own)), 1);
}

/* ---- conflict notes and the report ----------------------------------------- */

static void registering_a_relative_flags_the_case_and_removal_clears_it(void **state)
{
    long long hh = create_household(t_street, "T-REL-H1", grid_a, 0);
    long long head = create_resident(t_street, hh, new_id(), "周申请", ",\"relation\":\"户主\"");
    const char *member_id = new_id();
    char member_idn[19];
    snprintf(member_idn, sizeof member_idn, "%s", member_id);
    long long member = create_resident(t_street, hh, member_idn, "周家属", ",\"relation\":\"配偶\"");
    long long cid = make_case("dibao_urban", "accepted", hh, head, "");
    long long closed = make_case("temporary", "rejected", hh, head, "");

    json_t *j = req(t_street, "POST", "/api/v1/assistance/relatives",
                    relative_body("吴干部", c001, "周家属", member_idn), 201);
    long long rel = jint(j, "id");
    assert_true(json_is_true(json_object_get(j, "in_registry")));
    json_decref(j);
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM assistance_case WHERE id = %lld"
                                              " AND conflict_note LIKE '%%社区干部 吴干部 的配偶 周家属%%'", cid)), 1);
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM assistance_case WHERE id = %lld"
                                              " AND conflict_note IS NULL", closed)), 1);   /* closed: left alone */
    assert_int_equal(audits(fmt("action=assist_conflict_note&entity=assistance_case&entity_id=%lld", cid)), 1);

    /* the report: the relative with the case (as a member), and the flagged case */
    j = get_ok(t_street, "/api/v1/assistance/relatives/report");
    json_t *it, *found = NULL;
    size_t i;
    json_array_foreach(json_object_get(j, "items"), i, it)
        if (jint(json_object_get(it, "relative"), "id") == rel)
            found = it;
    assert_non_null(found);
    json_t *c = json_object_get(found, "case");
    assert_int_equal(jint(c, "id"), cid);
    assert_string_equal(jstr(c, "role"), "member");
    assert_string_equal(jstr(c, "programme"), "城市低保");
    assert_string_equal(jstr(c, "state"), "accepted");
    assert_int_equal(jint(c, "amount_fen"), 50000);
    int flagged = 0;
    json_array_foreach(json_object_get(j, "flagged_cases"), i, it)
        flagged |= jint(it, "id") == cid && strstr(jstr(it, "conflict_note"), "吴干部") != NULL;
    assert_true(flagged);
    json_decref(j);
    /* the other community's report does not show it */
    j = get_ok(t_c02, "/api/v1/assistance/relatives/report");
    json_array_foreach(json_object_get(j, "items"), i, it)
        assert_int_not_equal(jint(json_object_get(it, "case"), "id"), cid);
    json_decref(j);
    /* as a workbook, audited */
    long long exports = audits("action=export&entity=assistance_relative_report");
    http_resp r;
    assert_int_equal(http(&srv, "GET", "/api/v1/assistance/relatives/report?format=xlsx", t_street, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_true(r.len > 100 && memcmp(r.body, "PK", 2) == 0);
    assert_non_null(strstr(r.content_type, "spreadsheetml"));
    http_free(&r);
    assert_int_equal(audits("action=export&entity=assistance_relative_report"), exports + 1);
    json_decref(req(t_g0101, "GET", "/api/v1/assistance/relatives/report", NULL, 403));

    /* removal clears the note */
    json_decref(req(t_street, "POST", fmt("/api/v1/assistance/relatives/%lld/remove", rel), "{\"reason\":\"登记有误\"}", 200));
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM assistance_case WHERE id = %lld"
                                              " AND conflict_note IS NULL", cid)), 1);
    assert_int_equal(audits(fmt("action=assist_conflict_note&entity=assistance_case&entity_id=%lld", cid)), 2);
    (void)member;
}

/* ---- 政策找人 ------------------------------------------------------------------ */

static void policy_find_lists_who_is_entitled(void **state)
{
    long long hh = create_household(t_street, "T-PF-H1", grid_a, 0);
    long long old_without = create_resident(t_street, hh, id_born(1940), "郑老人", ",\"relation\":\"户主\"");
    long long old_with = create_resident(t_street, hh, id_born(1942), "郑享受", ",\"relation\":\"配偶\"");
    long long young = create_resident(t_street, hh, id_born(1990), "郑青年", ",\"relation\":\"子\"");
    make_case("elderly_longevity", "active", hh, old_with, "");
    long long hh_b = create_household(t_street, "T-PF-H2", grid_b, 0);
    long long old_b = create_resident(t_street, hh_b, id_born(1938), "冯老人", ",\"relation\":\"户主\"");

    json_t *h = pf_find(t_street, "longevity", old_without);
    assert_non_null(h);
    assert_masked_shape(jstr(h, "id_number"));
    assert_string_equal(jstr(h, "name"), "郑老人");
    assert_non_null(strstr(jstr(h, "why"), "高龄津贴"));
    assert_string_equal(jstr(h, "age_band"), "80+");
    json_t *pre = json_object_get(h, "prefill");
    assert_string_equal(jstr(pre, "programme"), "elderly_longevity");
    assert_string_equal(jstr(pre, "source"), "policy_find");
    assert_int_equal(jint(pre, "household_id"), hh);
    assert_int_equal(jint(pre, "resident_id"), old_without);
    json_decref(h);
    assert_null(pf_find(t_street, "longevity", old_with));   /* has an open case */
    assert_null(pf_find(t_street, "longevity", young));
    /* the grid worker sees its grid only; the community both */
    h = pf_find(t_g0101, "longevity", old_without);
    assert_non_null(h);
    json_decref(h);
    assert_null(pf_find(t_g0101, "longevity", old_b));
    h = pf_find(t_c01, "longevity", old_b);
    assert_non_null(h);
    json_decref(h);
    assert_null(pf_find(t_c02, "longevity", old_b));

    /* disability grade 1 without the care subsidy; grade 3 not */
    long long severe = create_resident(t_street, hh, id_born(1985), "郑重残",
                                       ",\"relation\":\"子\",\"disability_type\":\"肢体\",\"disability_grade\":1,\"tags\":[\"disabled\"]");
    long long mild = create_resident(t_street, hh, id_born(1986), "郑轻残",
                                     ",\"relation\":\"女\",\"disability_type\":\"视力\",\"disability_grade\":3,\"tags\":[\"disabled\"]");
    h = pf_find(t_street, "care_subsidy", severe);
    assert_non_null(h);
    assert_string_equal(jstr(json_object_get(h, "prefill"), "band_key"), "1");
    json_decref(h);
    assert_null(pf_find(t_street, "care_subsidy", mild));
    /* a disabled member of a household on 低保 without the living subsidy */
    assert_null(pf_find(t_street, "dibao_disabled", mild));
    make_case("dibao_urban", "active", hh, old_without, "");
    h = pf_find(t_street, "dibao_disabled", mild);
    assert_non_null(h);
    assert_string_equal(jstr(json_object_get(h, "prefill"), "programme"), "disability_living");
    json_decref(h);
    /* a child tagged 困境儿童 */
    long long child = create_resident(t_street, hh, id_born(2016), "郑小童", ",\"relation\":\"孙子\",\"tags\":[\"hardship_child\"]");
    h = pf_find(t_g0101, "orphan", child);
    assert_non_null(h);
    assert_string_equal(jstr(json_object_get(h, "prefill"), "band_key"), "hardship");
    json_decref(h);

    /* counts; the viewer gets those and no names */
    json_t *s = get_ok(t_viewer, "/api/v1/assistance/policy-find/summary");
    assert_int_equal(json_array_size(json_object_get(s, "items")), 4);
    long long viewer_longevity = jint(json_array_get(json_object_get(s, "items"), 0), "count");
    json_decref(s);
    s = get_ok(t_street, "/api/v1/assistance/policy-find/summary");
    json_t *first = json_array_get(json_object_get(s, "items"), 0);
    assert_string_equal(jstr(first, "kind"), "longevity");
    assert_int_equal(jint(first, "count"), total_of(t_street, "/api/v1/assistance/policy-find?kind=longevity"));
    assert_true(jint(first, "count") >= viewer_longevity);
    json_decref(s);
    json_decref(req(t_viewer, "GET", "/api/v1/assistance/policy-find?kind=longevity", NULL, 403));
    expect_400_field(t_street, "GET", "/api/v1/assistance/policy-find?kind=rich", NULL, "kind");
}

/* ---- stop flags ------------------------------------------------------------ */

static void a_death_flags_the_active_case(void **state)
{
    long long hh = create_household(t_street, "T-FLAG-H1", grid_a, 0);
    long long ben = create_resident(t_street, hh, new_id(), "陈受助", ",\"relation\":\"户主\"");
    long long cid = make_case("dibao_urban", "active", hh, ben, "");
    json_decref(req(t_g0101, "POST", fmt("/api/v1/residents/%lld/status", ben),
                    "{\"status\":\"deceased\",\"date\":\"2026-02-01\",\"note\":\"病故\"}", 200));
    /* a read writes nothing: the case is not listed before the sweep, nor flagged by the read */
    json_t *j = get_ok(t_street, "/api/v1/assistance/flags?page_size=100");
    json_t *it, *found = NULL;
    size_t i;
    json_array_foreach(json_object_get(j, "items"), i, it)
        assert_int_not_equal(jint(it, "case_id"), cid);
    json_decref(j);
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM assistance_case WHERE id = %lld AND stop_flag IS NULL",
                                              cid)), 1);
    json_decref(req(t_c01, "POST", "/api/v1/assistance/flags/sweep", "{}", 403));
    j = req(t_street, "POST", "/api/v1/assistance/flags/sweep", "{}", 200);
    assert_true(jint(j, "cases_flagged") >= 1);
    assert_true(jint(j, "flags_handled") >= 1);
    json_decref(j);
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM assistance_case WHERE id = %lld AND stop_flag = 'deceased'"
                                              " AND stop_flag_resident_id = %lld AND stop_flag_date = '2026-02-01'", cid, ben)), 1);
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM resident_event_flag WHERE resident_id = %lld"
                                              " AND handled_at IS NOT NULL AND handled_by = 'assistance'", ben)), 1);
    assert_int_equal(audits(fmt("action=assist_stop_flag&entity=assistance_case&entity_id=%lld", cid)), 1);
    /* listed in scope, not outside */
    j = get_ok(t_g0101, "/api/v1/assistance/flags?page_size=100");
    json_array_foreach(json_object_get(j, "items"), i, it)
        if (jint(it, "case_id") == cid)
            found = it;
    assert_non_null(found);
    assert_string_equal(jstr(found, "event"), "deceased");
    assert_string_equal(jstr(found, "event_date"), "2026-02-01");
    assert_string_equal(jstr(json_object_get(found, "person"), "name"), "陈受助");
    json_decref(j);
    assert_int_equal(total_of(t_c02, "/api/v1/assistance/flags"), 0);
    /* a second sweep finds nothing more to do */
    j = req(t_street, "POST", "/api/v1/assistance/flags/sweep", "{}", 200);
    assert_int_equal(jint(j, "cases_flagged"), 0);
    json_decref(j);
}

/* ---- re-reviews due -------------------------------------------------------- */

static void overdue_reviews_come_first(void **state)
{
    long long hh = create_household(t_street, "T-REV-H1", grid_a, 0);
    long long r1 = create_resident(t_street, hh, new_id(), "黄复核", ",\"relation\":\"户主\"");
    long long late = make_case("dibao_urban", "active", hh, r1, ", review_class = 'B', next_review_on = '2025-06-30'");
    json_decref(get_ok(t_street, "/api/v1/assistance/reviews/due"));   /* today's date */
    long long soon = make_case("elderly_hardship", "active", hh, r1, ", review_class = 'A', next_review_on = '2099-01-01'");
    json_t *j = get_ok(t_street, "/api/v1/assistance/reviews/due?within_days=30");
    json_t *first = json_array_get(json_object_get(j, "items"), 0);
    assert_int_equal(jint(first, "case_id"), late);
    assert_string_equal(jstr(first, "review_class"), "B");
    assert_true(jint(first, "days_overdue") > 100);
    /* counted in calendar days up to the China date the reply gives, the window 30 days past it */
    char until[11];
    assert_int_equal(jint(first, "days_overdue"), date_days_between("2025-06-30", jstr(j, "today")));
    assert_int_equal(date_add_days(jstr(j, "today"), 30, until), 0);
    assert_string_equal(jstr(j, "until"), until);
    assert_false(api_list_has(&srv, t_street, "/api/v1/assistance/reviews/due?within_days=30", soon));
    assert_true(jint(json_object_get(json_object_get(j, "counts"), "by_class"), "B") >= 1);
    json_decref(j);
    assert_int_equal(total_of(t_street, "/api/v1/assistance/reviews/due?class=C"), 0);
    assert_int_equal(total_of(t_c02, "/api/v1/assistance/reviews/due"), 0);
    json_decref(req(t_c01, "GET", fmt("/api/v1/assistance/reviews/due?org_unit_id=%lld", c002), NULL, 404));
    expect_400_field(t_street, "GET", "/api/v1/assistance/reviews/due?class=D", NULL, "class");
    expect_400_field(t_street, "GET", "/api/v1/assistance/reviews/due?within_days=999", NULL, "within_days");
}

/* ---- key rotation ---------------------------------------------------------- */

/* keys rotate re-encrypts the relative's number and recomputes its blind
 * index, so it still finds the resident (and the case) afterwards. */
static void key_rotation_keeps_the_match(void **state)
{
    long long hh = create_household(t_street, "T-ROT-H1", grid_a, 0);
    const char *idn = new_id();
    char keep[19];
    snprintf(keep, sizeof keep, "%s", idn);
    long long rid = create_resident(t_street, hh, keep, "何轮换", ",\"relation\":\"户主\"");
    long long cid = make_case("dibao_urban", "accepted", hh, rid, "");
    json_t *j = req(t_street, "POST", "/api/v1/assistance/relatives", relative_body("何干部", c001, "何轮换", keep), 201);
    long long rel = jint(j, "id");
    json_decref(j);
    const char *match = fmt("SELECT COUNT(*) FROM assistance_relative r JOIN resident x ON x.id_number_bidx = r.relative_id_bidx"
                            " WHERE r.id = %lld AND x.id = %lld", rel, rid);
    char sql[512];
    snprintf(sql, sizeof sql, "%s", match);
    assert_int_equal(server_sql_int(&srv, sql), 1);
    assert_int_equal(server_halt(&srv), 0);
    const char *rotate[] = {"keys", "rotate", NULL};
    assert_int_equal(run_cli(&srv, rotate, NULL, NULL), 0);
    assert_int_equal(server_launch(&srv, NULL), 0);
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM assistance_relative WHERE relative_id_enc NOT LIKE 'e2:%%'")), 0);
    assert_int_equal(server_sql_int(&srv, sql), 1);
    /* and the API still shows it masked, with the case in the report */
    free(t_street);
    t_street = login(&srv, "jiedao", DEMO_PW);
    assert_non_null(t_street);
    assert_true(api_list_has(&srv, t_street, "/api/v1/assistance/relatives?page_size=100", rel));
    j = get_ok(t_street, "/api/v1/assistance/relatives/report");
    json_t *it;
    size_t i;
    int found = 0;
    json_array_foreach(json_object_get(j, "items"), i, it)
        found |= jint(json_object_get(it, "case"), "id") == cid;
    assert_true(found);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(registry_crud_and_validation),
        cmocka_unit_test(registering_a_relative_flags_the_case_and_removal_clears_it),
        cmocka_unit_test(policy_find_lists_who_is_entitled),
        cmocka_unit_test(a_death_flags_the_active_case),
        cmocka_unit_test(overdue_reviews_come_first),
        cmocka_unit_test(key_rotation_keeps_the_match),   /* last: it restarts the server */
    };
    return cmocka_run_group_tests_name("api_assist_relatives", tests, setup, teardown);
}
