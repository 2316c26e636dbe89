/* test_mediation.c — people's mediation (人民调解) against the real
 * server (/api/v1/mediation/…):
 *
 *   - the directory: street staff create and change stations and
 *     mediators (phone stored encrypted, masked in lists and to
 *     communities), bad input is refused naming the field, a stale
 *     version gets 412, a deactivated mediator cannot be deactivated
 *     again; communities read the directory and may not write it; grid,
 *     viewer and admin accounts get 403;
 *   - a case through every step: 受理 → 调解中 (sessions) → 达成协议 →
 *     回访 → 结案, each refusal on the way (wrong state, missing
 *     agreement, satisfaction, a field of another step, stale version),
 *     the parties' phones and ID numbers masked, the 调解协议书 data;
 *   - the other ends: 调解不成 (referred), 撤回; an inactive mediator is
 *     refused; a resident or a community out of scope is refused;
 *   - scope: community 002 sees nothing of community 001's case (404 on
 *     every case route, absent from lists and figures);
 *   - figures on a known set of cases received in February 2025. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_fixture.h"

static char *t_c02;
static long long grid_c2a, station_street, station_c1, med_a, med_b;
static unsigned name_seq;

static int setup(void **state)
{
    if (registry_setup(state) != 0)
        return -1;
    t_c02 = login(&srv, "shequ02", DEMO_PW);
    grid_c2a = org_id_by_code(&srv, t_admin, "371702001002-01");
    return t_c02 && grid_c2a ? 0 : -1;
}

static int teardown(void **state)
{
    free(t_c02);
    return registry_teardown(state);
}

/* ---- helpers --------------------------------------------------------------- */

static long long id_of(json_t *j)
{
    long long id = jint(j, "id");
    json_decref(j);
    assert_true(id > 0);
    return id;
}

/* A resident of a new household in grid `grid`. */
static long long new_resident(long long grid)
{
    json_t *j = req(t_street, "POST", "/api/v1/households",
                    fmt("{\"grid_id\":%lld,\"address\":\"菏泽市牡丹区和睦路%s号\"}", grid, cn_number(++name_seq)), 201);
    long long hh = id_of(j);
    return create_resident(t_street, hh, new_id(), fmt("调解%s", cn_number(++name_seq)), ",\"relation\":\"户主\"");
}

static long long new_station(long long unit)
{
    return id_of(req(t_street, "POST", "/api/v1/mediation/stations",
                     fmt("{\"org_unit_id\":%lld,\"name\":\"调解室%s\",\"head_name\":\"王主任\",\"deputy_name\":\"李副主任\","
                         "\"clerk_name\":\"赵记录\",\"address\":\"和睦路一号\"}",
                         unit, cn_number(++name_seq)),
                     201));
}

static long long new_mediator(long long station, const char *kind)
{
    return id_of(req(t_street, "POST", "/api/v1/mediation/mediators",
                     fmt("{\"station_id\":%lld,\"name\":\"调解员%s\",\"kind\":\"%s\",\"specialties\":[\"neighbour\",\"family\"],"
                         "\"phone\":\"13912345678\"}",
                         station, cn_number(++name_seq), kind),
                     201));
}

/* The body of POST /mediation/cases: resident `rid` against an outsider. */
static const char *case_body(long long community, long long mediator, const char *type, const char *received,
                             long long rid)
{
    return fmt("{%s\"mediator_id\":%lld,\"dispute_type\":\"%s\",\"summary\":\"楼上漏水致楼下受损，双方就赔偿争执不下\","
               "\"received_on\":\"%s\",\"parties\":[{\"side\":\"applicant\",\"resident_id\":%lld,\"phone\":\"13800001111\"},"
               "{\"side\":\"respondent\",\"name\":\"外来%s\",\"phone\":\"0530-5312345\",\"id_number\":\"%s\","
               "\"address\":\"开发区幸福小区\"}]}",
               community ? fmt("\"community_id\":%lld,", community) : "", mediator, type, received, rid,
               cn_number(++name_seq), new_id());
}

static long long new_case(const char *tok, long long community, long long mediator, const char *type,
                          const char *received, long long rid)
{
    json_t *j = req(tok, "POST", "/api/v1/mediation/cases", case_body(community, mediator, type, received, rid), 201);
    assert_string_equal(jstr(j, "state"), "received");
    return id_of(j);
}

static const char *act_path(long long id, const char *action)
{
    return fmt("/api/v1/mediation/cases/%lld/actions/%s", id, action);
}

/* Takes `action` on case id with body, expecting `want`; returns the new state ("" on failure). */
static void act(long long id, const char *action, const char *body, long want)
{
    json_decref(req(t_c01, "POST", act_path(id, action), body, want));
}

static const char *state_of(long long id)
{
    static char st[32];
    json_t *j = get_ok(t_street, fmt("/api/v1/mediation/cases/%lld", id));
    snprintf(st, sizeof st, "%s", jstr(j, "state"));
    json_decref(j);
    return st;
}

static long long audits(const char *query)
{
    return total_of(t_auditor, fmt("/api/v1/audit?%s", query));
}

static void ensure_directory(void)
{
    if (med_a)
        return;
    station_street = new_station(street_id);
    station_c1 = new_station(c001);
    med_a = new_mediator(station_street, "lawyer");
    med_b = new_mediator(station_c1, "elder");
}

/* ---- the directory ----------------------------------------------------------- */

static void directory_is_the_streets_and_kept_by_it(void **state)
{
    ensure_directory();
    /* phone masked in the list, to communities; in full to the street on the mediator's page */
    json_t *it = item_with_id(t_c01, "/api/v1/mediation/mediators?page_size=100", med_a);
    assert_phone_masked(jstr(it, "phone"));
    assert_string_equal(jstr(json_object_get(it, "kind"), "label"), "律师");
    assert_int_equal(json_array_size(json_object_get(it, "specialties")), 2);
    json_decref(it);
    json_t *j = get_ok(t_street, fmt("/api/v1/mediation/mediators/%lld", med_a));
    assert_string_equal(jstr(j, "phone"), "13912345678");
    json_decref(j);
    j = get_ok(t_c01, fmt("/api/v1/mediation/mediators/%lld", med_a));
    assert_phone_masked(jstr(j, "phone"));
    json_decref(j);
    /* stored encrypted */
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM mediator WHERE id = %lld AND phone_enc LIKE 'e%%'"
                                              " AND phone_enc NOT LIKE '%%13912345678%%'", med_a)), 1);
    /* stations: community reads them with the counts */
    it = item_with_id(t_c01, "/api/v1/mediation/stations", station_c1);
    assert_string_equal(jstr(it, "head_name"), "王主任");
    assert_int_equal(jint(it, "active_mediators"), 1);
    json_decref(it);

    /* only the street writes; grid, viewer and admin read nothing */
    json_decref(req(t_c01, "POST", "/api/v1/mediation/stations",
                    fmt("{\"org_unit_id\":%lld,\"name\":\"越权调解室\"}", c001), 403));
    json_decref(req(t_c01, "POST", "/api/v1/mediation/mediators",
                    fmt("{\"station_id\":%lld,\"name\":\"越权\",\"kind\":\"other\"}", station_c1), 403));
    json_decref(req(t_c01, "POST", fmt("/api/v1/mediation/mediators/%lld/deactivate", med_a), "{}", 403));
    const char *others[] = {t_g0101, t_viewer, t_admin, t_auditor};
    for (size_t i = 0; i < 4; i++) {
        json_decref(req(others[i], "GET", "/api/v1/mediation/mediators", NULL, 403));
        json_decref(req(others[i], "GET", "/api/v1/mediation/stations", NULL, 403));
    }

    /* refusals name the field */
    expect_400_field(t_street, "POST", "/api/v1/mediation/mediators",
                     fmt("{\"station_id\":%lld,\"name\":\"张三\",\"kind\":\"judge\"}", station_c1), "kind");
    expect_400_field(t_street, "POST", "/api/v1/mediation/mediators",
                     fmt("{\"station_id\":%lld,\"name\":\"张三\",\"kind\":\"lawyer\",\"specialties\":[\"murder\"]}",
                         station_c1), "specialties");
    expect_400_field(t_street, "POST", "/api/v1/mediation/mediators",
                     fmt("{\"station_id\":%lld,\"name\":\"张三3\",\"kind\":\"lawyer\"}", station_c1), "name");
    expect_400_field(t_street, "POST", "/api/v1/mediation/mediators",
                     fmt("{\"station_id\":%lld,\"name\":\"张三\",\"kind\":\"lawyer\",\"phone\":\"12345\"}", station_c1),
                     "phone");
    expect_400_field(t_street, "POST", "/api/v1/mediation/stations",
                     fmt("{\"org_unit_id\":%lld,\"name\":\"网格调解室\"}", grid_a), "org_unit_id");
    expect_400_field(t_street, "POST", "/api/v1/mediation/stations",
                     fmt("{\"org_unit_id\":%lld,\"name\":\"调解室\",\"head_name\":\"王1\"}", c001), "head_name");

    /* a change with a stale version, then a good one */
    json_decref(req(t_street, "PATCH", fmt("/api/v1/mediation/mediators/%lld", med_b),
                    "{\"kind\":\"retired_official\",\"version\":99}", 412));
    j = req(t_street, "PATCH", fmt("/api/v1/mediation/mediators/%lld", med_b),
            "{\"kind\":\"retired_official\",\"specialties\":[\"property\"],\"version\":1}", 200);
    assert_string_equal(jstr(json_object_get(j, "kind"), "code"), "retired_official");
    assert_int_equal(jint(j, "version"), 2);
    assert_string_equal(jstr(j, "phone"), "13912345678");   /* kept */
    json_decref(j);
    j = req(t_street, "PATCH", fmt("/api/v1/mediation/stations/%lld", station_c1), "{\"clerk_name\":\"孙记录\"}", 200);
    assert_string_equal(jstr(j, "clerk_name"), "孙记录");
    assert_string_equal(jstr(j, "head_name"), "王主任");
    json_decref(j);

    /* deactivation: once */
    long long gone = new_mediator(station_c1, "judicial_volunteer");
    j = req(t_street, "POST", fmt("/api/v1/mediation/mediators/%lld/deactivate", gone), "{}", 200);
    assert_false(json_is_true(json_object_get(j, "active")));
    json_decref(j);
    json_decref(req(t_street, "POST", fmt("/api/v1/mediation/mediators/%lld/deactivate", gone), "{}", 409));
    assert_false(api_list_has(&srv, t_c01, "/api/v1/mediation/mediators?active=true&page_size=100", gone));
    assert_true(api_list_has(&srv, t_c01, "/api/v1/mediation/mediators?active=false&page_size=100", gone));
    assert_true(api_list_has(&srv, t_c01, "/api/v1/mediation/mediators?specialty=property&page_size=100", med_b));
    assert_false(api_list_has(&srv, t_c01, "/api/v1/mediation/mediators?specialty=property&page_size=100", med_a));

    assert_true(audits(fmt("action=mediator_create&entity_id=%lld", med_a)) == 1);
    assert_true(audits(fmt("action=mediator_update&entity_id=%lld", med_b)) == 1);
    assert_true(audits(fmt("action=mediator_deactivate&entity_id=%lld", gone)) == 1);
    assert_true(audits(fmt("action=mediation_station_update&entity_id=%lld", station_c1)) == 1);
    /* the audit images never hold the phone */
    assert_int_equal(server_sql_int(&srv, "SELECT COUNT(*) FROM audit_log WHERE entity = 'mediator'"
                                          " AND (after_json LIKE '%13912345678%' OR before_json LIKE '%13912345678%')"),
                     0);
    /* an inactive mediator cannot be chosen */
    long long rid = new_resident(grid_a);
    j = req(t_c01, "POST", "/api/v1/mediation/cases", case_body(0, gone, "neighbour", beijing_date(0), rid), 409);
    assert_string_equal(err_field(j), "mediator_id");
    json_decref(j);
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM mediation_case WHERE mediator_id = %lld", gone)), 0);
}

/* ---- a case through every step -------------------------------------------------- */

static void case_goes_through_every_step(void **state)
{
    ensure_directory();
    long long rid = new_resident(grid_a);
    long long id = new_case(t_c01, 0, med_a, "neighbour", beijing_date(1), rid);

    json_t *j = get_ok(t_c01, fmt("/api/v1/mediation/cases/%lld", id));
    assert_int_equal(jint(json_object_get(j, "community"), "id"), c001);
    json_t *parties = json_object_get(j, "parties");
    assert_int_equal(json_array_size(parties), 2);
    json_t *app = json_array_get(parties, 0), *resp = json_array_get(parties, 1);
    assert_string_equal(jstr(app, "side"), "applicant");
    assert_int_equal(jint(app, "resident_id"), rid);
    assert_phone_masked(jstr(app, "phone"));
    assert_masked_shape(jstr(app, "id_number"));
    assert_true(strstr(jstr(app, "address"), "和睦路") != NULL);
    assert_phone_masked(jstr(resp, "phone"));
    assert_masked_shape(jstr(resp, "id_number"));
    assert_true(json_is_null(json_object_get(resp, "resident_id")));
    assert_int_equal(json_array_size(json_object_get(j, "actions")), 2);   /* start, withdraw */
    json_decref(j);
    /* the outsider's phone and ID number are encrypted at rest */
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM mediation_party WHERE case_id = %lld"
                                              " AND phone_enc LIKE 'e%%' AND id_number_enc LIKE 'e%%'", id)), 1);
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM mediation_party WHERE case_id = %lld"
                                              " AND phone_enc LIKE '%%5312345%%'", id)), 0);

    /* received: no session yet, no agreement, no follow-up */
    json_decref(req(t_c01, "POST", fmt("/api/v1/mediation/cases/%lld/sessions", id),
                    fmt("{\"held_on\":\"%s\",\"place\":\"社区调解室\",\"attendees\":\"双方当事人\"}", beijing_date(0)), 409));
    act(id, "agree", "{\"agreement\":\"赔偿两千元\"}", 409);
    act(id, "visit", "{\"satisfaction\":\"satisfied\"}", 409);
    act(id, "close", "{}", 409);
    act(id, "start", "{\"version\":7}", 412);
    act(id, "start", "{\"agreement\":\"不该在这里\"}", 400);
    act(id, "start", "{}", 200);
    assert_string_equal(state_of(id), "mediating");

    /* sessions while mediating */
    expect_400_field(t_c01, "POST", fmt("/api/v1/mediation/cases/%lld/sessions", id),
                     fmt("{\"held_on\":\"%s\",\"place\":\"社区调解室\",\"attendees\":\"双方\"}", beijing_date(-1)),
                     "held_on");
    expect_400_field(t_c01, "POST", fmt("/api/v1/mediation/cases/%lld/sessions", id),
                     fmt("{\"held_on\":\"%s\",\"place\":\"社区调解室\",\"attendees\":\"双方\"}", beijing_date(5)),
                     "held_on");
    expect_400_field(t_c01, "POST", fmt("/api/v1/mediation/cases/%lld/sessions", id),
                     fmt("{\"held_on\":\"%s\",\"place\":\"\",\"attendees\":\"双方\"}", beijing_date(0)), "place");
    json_decref(req(t_c01, "POST", fmt("/api/v1/mediation/cases/%lld/sessions", id),
                    fmt("{\"held_on\":\"%s\",\"place\":\"社区调解室\",\"attendees\":\"双方当事人、调解员\","
                        "\"notes\":\"双方陈述，初步同意协商\"}",
                        beijing_date(1)),
                    201));
    json_decref(req(t_street, "POST", fmt("/api/v1/mediation/cases/%lld/sessions", id),
                    fmt("{\"held_on\":\"%s\",\"place\":\"街道调委会\",\"attendees\":\"双方当事人\"}", beijing_date(0)),
                    201));

    /* agreement: text required, another step's field refused */
    expect_400_field(t_c01, "POST", act_path(id, "agree"), "{}", "agreement");
    expect_400_field(t_c01, "POST", act_path(id, "agree"), "{\"agreement\":\"赔偿\",\"referred_to\":\"法院\"}",
                     "referred_to");
    expect_400_field(t_c01, "POST", act_path(id, "agree"),
                     fmt("{\"agreement\":\"赔偿\",\"ended_on\":\"%s\"}", beijing_date(-1)), "ended_on");
    assert_string_equal(state_of(id), "mediating");   /* nothing half-written */
    json_decref(req(t_c01, "GET", fmt("/api/v1/mediation/cases/%lld/agreement", id), NULL, 409));
    /* the terms one a line, as the agreement page prints them */
    act(id, "agree", "{\"agreement\":\"一、被申请人于十日内赔偿申请人修缮费两千元；\\n二、双方不再就此事争执。\","
                     "\"performance\":\"现金一次付清\"}", 200);
    j = get_ok(t_c01, fmt("/api/v1/mediation/cases/%lld", id));
    assert_string_equal(jstr(j, "state"), "agreed");
    assert_string_equal(jstr(j, "outcome"), "agreed");
    assert_string_equal(jstr(j, "ended_on"), beijing_date(0));
    assert_int_equal(json_array_size(json_object_get(j, "sessions")), 2);
    assert_string_equal(jstr(json_array_get(json_object_get(j, "sessions"), 0), "held_on"), beijing_date(1));
    json_decref(j);

    /* the agreement's data: every field the page prints, ID numbers masked */
    long long views = audits(fmt("action=mediation_agreement_view&entity_id=%lld", id));
    j = get_ok(t_c01, fmt("/api/v1/mediation/cases/%lld/agreement", id));
    assert_string_equal(jstr(j, "title"), "人民调解协议书");
    assert_true(strstr(jstr(j, "case_no"), "调字第") != NULL);
    assert_true(strstr(jstr(j, "agreement"), "两千元；\n二、") != NULL);
    assert_string_equal(jstr(j, "performance"), "现金一次付清");
    assert_string_equal(jstr(j, "agreed_on"), beijing_date(0));
    assert_string_equal(jstr(json_object_get(j, "dispute_type"), "label"), "邻里纠纷");
    assert_string_equal(jstr(json_object_get(j, "station"), "head_name"), "王主任");
    assert_non_null(jstr(json_object_get(j, "mediator"), "name"));
    json_t *p;
    size_t i;
    json_array_foreach(json_object_get(j, "parties"), i, p) {
        assert_masked_shape(jstr(p, "id_number"));
        assert_null(json_object_get(p, "phone"));
    }
    char *dump = json_dumps(j, JSON_COMPACT);
    assert_null(strstr(dump, "13800001111"));
    free(dump);
    json_decref(j);
    assert_int_equal(audits(fmt("action=mediation_agreement_view&entity_id=%lld", id)), views + 1);

    /* follow-up visit: satisfaction required, known values only */
    expect_400_field(t_c01, "POST", act_path(id, "visit"), "{}", "satisfaction");
    expect_400_field(t_c01, "POST", act_path(id, "visit"), "{\"satisfaction\":\"happy\"}", "satisfaction");
    act(id, "close", "{}", 409);
    act(id, "visit", "{\"satisfaction\":\"satisfied\",\"visit_note\":\"已按协议履行\"}", 200);
    act(id, "close", "{}", 200);
    j = get_ok(t_c01, fmt("/api/v1/mediation/cases/%lld", id));
    assert_string_equal(jstr(j, "state"), "closed");
    assert_string_equal(jstr(j, "satisfaction"), "satisfied");
    assert_false(json_is_null(json_object_get(j, "closed_at")));
    assert_int_equal(json_array_size(json_object_get(j, "actions")), 0);
    assert_int_equal(json_array_size(json_object_get(j, "timeline")), 5);   /* 创建, 开始, 协议, 回访, 结案 */
    json_decref(j);
    act(id, "close", "{}", 409);
    act(id, "withdraw", "{\"opinion\":\"晚了\"}", 409);

    assert_int_equal(audits(fmt("action=mediation_case_create&entity_id=%lld", id)), 1);
    assert_int_equal(audits(fmt("action=mediation_case_step&entity_id=%lld", id)), 4);
    assert_int_equal(audits(fmt("action=mediation_session_add&entity_id=%lld", id)), 2);
}

static void failed_and_withdrawn_cases(void **state)
{
    ensure_directory();
    long long id = new_case(t_street, c001, med_b, "family", beijing_date(0), new_resident(grid_a));
    act(id, "start", "{}", 200);
    expect_400_field(t_c01, "POST", act_path(id, "fail"), "{\"referred_to\":\"人民法院\"}", "opinion");
    expect_400_field(t_c01, "POST", act_path(id, "fail"), "{\"opinion\":\"双方分歧过大\"}", "referred_to");
    act(id, "fail", "{\"opinion\":\"双方分歧过大\",\"referred_to\":\"人民法院\"}", 200);
    json_t *j = get_ok(t_c01, fmt("/api/v1/mediation/cases/%lld", id));
    assert_string_equal(jstr(j, "outcome"), "failed");
    assert_string_equal(jstr(j, "referred_to"), "人民法院");
    json_decref(j);
    json_decref(req(t_c01, "GET", fmt("/api/v1/mediation/cases/%lld/agreement", id), NULL, 409));
    act(id, "visit", "{\"satisfaction\":\"basic\"}", 200);
    assert_string_equal(state_of(id), "visited");

    long long w = new_case(t_c01, 0, med_a, "property", beijing_date(0), new_resident(grid_b));
    expect_400_field(t_c01, "POST", act_path(w, "withdraw"), "{}", "opinion");
    act(w, "withdraw", "{\"opinion\":\"当事人已自行和解\"}", 200);
    assert_string_equal(state_of(w), "withdrawn");
    act(w, "start", "{}", 409);

    /* filing refusals: nothing written */
    long long before = server_sql_int(&srv, "SELECT COUNT(*) FROM mediation_case");
    long long rid = new_resident(grid_a);
    expect_400_field(t_c01, "POST", "/api/v1/mediation/cases",
                     fmt("{\"mediator_id\":%lld,\"dispute_type\":\"war\",\"summary\":\"x\",\"parties\":[]}", med_a),
                     "dispute_type");
    expect_400_field(t_c01, "POST", "/api/v1/mediation/cases",
                     fmt("{\"mediator_id\":%lld,\"dispute_type\":\"family\",\"summary\":\"家事\","
                         "\"parties\":[{\"side\":\"applicant\",\"resident_id\":%lld}]}", med_a, rid),
                     "parties");
    expect_400_field(t_c01, "POST", "/api/v1/mediation/cases",
                     fmt("{\"mediator_id\":%lld,\"dispute_type\":\"family\",\"summary\":\"家事\","
                         "\"parties\":[{\"side\":\"applicant\",\"resident_id\":%lld},{\"side\":\"respondent\",\"name\":\"李四\","
                         "\"id_number\":\"%s\"}]}", med_a, rid, bad_checksum(new_id())),
                     "parties");
    expect_400_field(t_c01, "POST", "/api/v1/mediation/cases",
                     fmt("{\"mediator_id\":%lld,\"dispute_type\":\"family\",\"summary\":\"家事\",\"received_on\":\"%s\","
                         "\"parties\":[{\"side\":\"applicant\",\"resident_id\":%lld},{\"side\":\"respondent\",\"name\":\"李四\"}]}",
                         med_a, beijing_date(-2), rid),
                     "received_on");
    /* the street must say which community */
    expect_400_field(t_street, "POST", "/api/v1/mediation/cases", case_body(0, med_a, "family", beijing_date(0), rid),
                     "community_id");
    assert_int_equal(server_sql_int(&srv, "SELECT COUNT(*) FROM mediation_case"), before);
}

/* ---- scope ------------------------------------------------------------------------ */

static void another_community_sees_nothing(void **state)
{
    ensure_directory();
    long long rid = new_resident(grid_a);
    long long id = new_case(t_c01, 0, med_a, "neighbour", beijing_date(0), rid);
    static const char *const ACTIONS[] = {"start", "agree", "fail", "withdraw", "visit", "close", NULL};
    json_decref(req(t_c02, "GET", fmt("/api/v1/mediation/cases/%lld", id), NULL, 404));
    json_decref(req(t_c02, "GET", fmt("/api/v1/mediation/cases/%lld/agreement", id), NULL, 404));
    json_decref(req(t_c02, "POST", fmt("/api/v1/mediation/cases/%lld/sessions", id),
                    fmt("{\"held_on\":\"%s\",\"place\":\"越权\",\"attendees\":\"越权\"}", beijing_date(0)), 404));
    for (size_t i = 0; ACTIONS[i]; i++)
        json_decref(req(t_c02, "POST", act_path(id, ACTIONS[i]), "{\"opinion\":\"越权办理\"}", 404));
    assert_false(api_list_has(&srv, t_c02, "/api/v1/mediation/cases?page_size=100", id));
    assert_true(api_list_has(&srv, t_c01, "/api/v1/mediation/cases?page_size=100", id));
    assert_true(api_list_has(&srv, t_street, "/api/v1/mediation/cases?page_size=100", id));
    json_decref(req(t_c02, "GET", fmt("/api/v1/mediation/cases?org_unit_id=%lld", c001), NULL, 404));
    json_decref(req(t_c02, "GET", fmt("/api/v1/mediation/figures?org_unit_id=%lld", c001), NULL, 404));
    /* filing into community 001, or with its resident as a party */
    json_decref(req(t_c02, "POST", "/api/v1/mediation/cases", case_body(c001, med_a, "family", beijing_date(0), rid), 404));
    json_decref(req(t_c02, "POST", "/api/v1/mediation/cases", case_body(0, med_a, "family", beijing_date(0), rid), 404));
    /* viewer, grid worker, admin: nothing */
    const char *others[] = {t_viewer, t_g0101, t_admin};
    for (size_t i = 0; i < 3; i++) {
        json_decref(req(others[i], "GET", fmt("/api/v1/mediation/cases/%lld", id), NULL, 403));
        json_decref(req(others[i], "GET", "/api/v1/mediation/cases", NULL, 403));
        json_decref(req(others[i], "GET", "/api/v1/mediation/figures", NULL, 403));
        json_decref(req(others[i], "POST", act_path(id, "start"), "{}", 403));
    }
    assert_string_equal(state_of(id), "received");
    /* the directory is the street's: community 002 reads it too */
    assert_true(api_list_has(&srv, t_c02, "/api/v1/mediation/mediators?page_size=100", med_b));
    long long rid2 = new_resident(grid_c2a);
    long long own = new_case(t_c02, 0, med_b, "family", beijing_date(0), rid2);
    assert_false(api_list_has(&srv, t_c01, "/api/v1/mediation/cases?page_size=100", own));
}

/* ---- figures ---------------------------------------------------------------------- */

static void assert_rate(json_t *row, const char *key, double want)
{
    json_t *v = json_object_get(row, key);
    if (want < 0) {
        assert_true(json_is_null(v));
        return;
    }
    assert_true(json_is_number(v));
    if (fabs(json_number_value(v) - want) > 0.01)
        fail_msg("%s = %g, want %g", key, json_number_value(v), want);
}

static json_t *row_with(json_t *arr, const char *key, json_t *want)
{
    json_t *it;
    size_t i;
    json_array_foreach(arr, i, it) {
        if (json_equal(json_object_get(it, key), want))
            return it;
    }
    fail_msg("no row %s", key);
    return NULL;
}

static void figures_on_a_known_set(void **state)
{
    ensure_directory();
    /* February 2025: A agreed → satisfied → closed; B agreed → basic; C
     * (family) failed → dissatisfied, all in community 001; D (family)
     * withdrawn and E (neighbour) still mediating in community 002. */
    long long a = new_case(t_street, c001, med_a, "neighbour", "2025-02-03", new_resident(grid_a));
    long long b = new_case(t_street, c001, med_a, "neighbour", "2025-02-10", new_resident(grid_a));
    long long c = new_case(t_street, c001, med_a, "family", "2025-02-28", new_resident(grid_b));
    long long d = new_case(t_street, c002, med_a, "family", "2025-02-14", new_resident(grid_c2a));
    long long e = new_case(t_street, c002, med_a, "neighbour", "2025-02-01", new_resident(grid_c2a));
    long long outside = new_case(t_street, c001, med_a, "neighbour", "2025-03-01", new_resident(grid_a));
    const char *street = t_street;
    (void)street;
    for (long long k = a; k; k = k == a ? b : 0) {
        json_decref(req(t_street, "POST", act_path(k, "start"), "{}", 200));
        json_decref(req(t_street, "POST", act_path(k, "agree"), "{\"agreement\":\"和解\"}", 200));
    }
    json_decref(req(t_street, "POST", act_path(a, "visit"), "{\"satisfaction\":\"satisfied\"}", 200));
    json_decref(req(t_street, "POST", act_path(a, "close"), "{}", 200));
    json_decref(req(t_street, "POST", act_path(b, "visit"), "{\"satisfaction\":\"basic\"}", 200));
    json_decref(req(t_street, "POST", act_path(c, "start"), "{}", 200));
    json_decref(req(t_street, "POST", act_path(c, "fail"), "{\"opinion\":\"分歧大\",\"referred_to\":\"人民法院\"}", 200));
    json_decref(req(t_street, "POST", act_path(c, "visit"), "{\"satisfaction\":\"dissatisfied\"}", 200));
    json_decref(req(t_street, "POST", act_path(d, "withdraw"), "{\"opinion\":\"撤回\"}", 200));
    json_decref(req(t_street, "POST", act_path(e, "start"), "{}", 200));
    json_decref(req(t_street, "POST", act_path(outside, "start"), "{}", 200));

    json_t *j = get_ok(t_street, "/api/v1/mediation/figures?from=2025-02-01&to=2025-02-28");
    json_t *t = json_object_get(j, "total");
    assert_int_equal(jint(t, "received"), 5);
    assert_int_equal(jint(t, "withdrawn"), 1);
    assert_int_equal(jint(t, "closed"), 1);
    assert_int_equal(jint(t, "agreed"), 2);
    assert_int_equal(jint(t, "failed"), 1);
    assert_int_equal(jint(t, "visited"), 3);
    assert_int_equal(jint(t, "satisfied"), 1);
    assert_int_equal(jint(t, "basically_satisfied"), 1);
    assert_int_equal(jint(t, "dissatisfied"), 1);
    assert_rate(t, "closure_rate", 25.0);
    assert_rate(t, "agreement_rate", 66.7);
    assert_rate(t, "satisfaction_rate", 66.7);
    json_t *bc = json_object_get(j, "by_community"), *bt = json_object_get(j, "by_dispute_type");
    assert_int_equal(json_array_size(bc), 2);
    json_t *want = json_integer(c001);
    json_t *r1 = row_with(bc, "community_id", want);
    json_decref(want);
    assert_int_equal(jint(r1, "received"), 3);
    assert_rate(r1, "closure_rate", 33.3);
    assert_rate(r1, "agreement_rate", 66.7);
    assert_rate(r1, "satisfaction_rate", 66.7);
    want = json_integer(c002);
    json_t *r2 = row_with(bc, "community_id", want);
    json_decref(want);
    assert_int_equal(jint(r2, "received"), 2);
    assert_rate(r2, "closure_rate", 0.0);
    assert_rate(r2, "agreement_rate", -1);
    assert_rate(r2, "satisfaction_rate", -1);
    want = json_string("neighbour");
    json_t *n = row_with(bt, "code", want);
    json_decref(want);
    assert_string_equal(jstr(n, "name"), "邻里纠纷");
    assert_int_equal(jint(n, "received"), 3);
    assert_rate(n, "closure_rate", 33.3);
    assert_rate(n, "agreement_rate", 100.0);
    assert_rate(n, "satisfaction_rate", 100.0);
    want = json_string("family");
    json_t *f = row_with(bt, "code", want);
    json_decref(want);
    assert_int_equal(jint(f, "received"), 2);
    assert_rate(f, "agreement_rate", 0.0);
    assert_rate(f, "satisfaction_rate", 0.0);
    want = json_string("labour");
    assert_int_equal(jint(row_with(bt, "code", want), "received"), 0);
    json_decref(want);
    json_decref(j);

    /* community 001 sees its own only; a bad period is refused */
    j = get_ok(t_c01, "/api/v1/mediation/figures?from=2025-02-01&to=2025-02-28");
    assert_int_equal(jint(json_object_get(j, "total"), "received"), 3);
    assert_int_equal(json_array_size(json_object_get(j, "by_community")), 1);
    json_decref(j);
    expect_400_field(t_street, "GET", "/api/v1/mediation/figures?from=2025-02-30", NULL, "from");
    expect_400_field(t_street, "GET", "/api/v1/mediation/figures?from=2025-03-01&to=2025-02-01", NULL, "to");
    /* the list's period filter agrees */
    assert_int_equal(total_of(t_street, "/api/v1/mediation/cases?from=2025-02-01&to=2025-02-28"), 5);
    assert_int_equal(total_of(t_street, "/api/v1/mediation/cases?from=2025-02-01&to=2025-02-28&state=visited"), 2);
    assert_int_equal(total_of(t_c01, "/api/v1/mediation/cases?from=2025-02-01&to=2025-02-28&dispute_type=family"), 1);
}

/* ---- key rotation ----------------------------------------------------------------- */

/* `minsheng keys rotate` re-encrypts the mediators' and the parties'
 * phones and ID numbers, which still read back. */
static void key_rotation_covers_mediation(void **state)
{
    ensure_directory();
    long long id = new_case(t_c01, 0, med_a, "neighbour", beijing_date(0), new_resident(grid_a));
    assert_int_equal(server_halt(&srv), 0);
    const char *rotate[] = {"keys", "rotate", NULL};
    assert_int_equal(run_cli(&srv, rotate, NULL, NULL), 0);
    assert_int_equal(server_launch(&srv, NULL), 0);
    assert_int_equal(server_sql_int(&srv, "SELECT COUNT(*) FROM mediator WHERE phone_enc NOT LIKE 'e2:%'"), 0);
    assert_int_equal(server_sql_int(&srv, "SELECT COUNT(*) FROM mediation_party WHERE phone_enc NOT LIKE 'e2:%'"
                                          " OR id_number_enc NOT LIKE 'e2:%'"), 0);
    assert_true(server_sql_int(&srv, "SELECT COUNT(*) FROM mediation_party WHERE id_number_enc IS NOT NULL") > 0);
    free(t_street);
    t_street = login(&srv, "jiedao", DEMO_PW);
    assert_non_null(t_street);
    json_t *j = get_ok(t_street, fmt("/api/v1/mediation/mediators/%lld", med_a));
    assert_string_equal(jstr(j, "phone"), "13912345678");
    json_decref(j);
    j = get_ok(t_street, fmt("/api/v1/mediation/cases/%lld", id));
    json_t *resp = json_array_get(json_object_get(j, "parties"), 1);
    assert_phone_masked(jstr(resp, "phone"));
    assert_masked_shape(jstr(resp, "id_number"));
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(directory_is_the_streets_and_kept_by_it),
        cmocka_unit_test(case_goes_through_every_step),
        cmocka_unit_test(failed_and_withdrawn_cases),
        cmocka_unit_test(another_community_sees_nothing),
        cmocka_unit_test(figures_on_a_known_set),
        cmocka_unit_test(key_rotation_covers_mediation),   /* last: it restarts the server */
    };
    return cmocka_run_group_tests_name("api_mediation", tests, setup, teardown);
}
