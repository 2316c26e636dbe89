/* test_duties.c — separation of duties (三权分立) and the address
 * allow-list for privileged roles: the system administrator manages
 * accounts but reads neither the audit log nor business data; the
 * security administrator (anquan) sets roles and scopes but reads
 * neither; the auditor reads only the audit log; a change to a
 * privileged account takes two people of the two administrator roles
 * (the admin alone can no longer reset the auditor's password and sign
 * in as the auditor); `serve --admin-allow` keeps privileged sign-ins and
 * sessions to the listed addresses, refusing others with the same 401
 * as a wrong password and an audit row. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "harness.h"

static test_server srv;
static char *t_admin, *t_sec, *t_aud;

static int setup(void **state)
{
    if (server_start(&srv, 5, NULL) != 0)
        return -1;
    t_admin = login(&srv, "admin", DEMO_PW);
    t_sec = login(&srv, "anquan", DEMO_PW);
    t_aud = login(&srv, "auditor", DEMO_PW);
    return t_admin && t_sec && t_aud ? 0 : -1;
}

static int teardown(void **state)
{
    free(t_admin);
    free(t_sec);
    free(t_aud);
    return server_stop(&srv);
}

static long long user_id(const char *username)
{
    json_t *j = api_get_ok(&srv, t_admin, "/api/v1/users?page_size=200");
    long long id = 0;
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(j, "items"), i, u)
        if (strcmp(jstr(u, "username"), username) == 0)
            id = jint(u, "id");
    json_decref(j);
    assert_true(id > 0);
    return id;
}

static long long audit_count(const char *query)
{
    return api_total(&srv, t_aud, fmt("/api/v1/audit?%s", query));
}

/* The id of the change request in a 202 reply. */
static long long request_id(json_t *j)
{
    json_t *c = json_object_get(j, "change_request");
    assert_non_null(c);
    assert_string_equal(jstr(c, "status"), "pending");
    long long id = jint(c, "id");
    json_decref(j);
    return id;
}

/* Every business route and the audit log answer 403 to `tok`. */
static void no_business_data(const char *tok)
{
    static const char *const GETS[] = {
        "/api/v1/residents", "/api/v1/residents/1", "/api/v1/residents/1/history", "/api/v1/households",
        "/api/v1/households/1", "/api/v1/stats/tags", "/api/v1/stats/org-units", "/api/v1/export/residents",
        "/api/v1/audit", "/api/v1/audit/export", NULL};
    for (size_t i = 0; GETS[i]; i++) {
        json_t *j = NULL;
        long st = api_get(&srv, tok, GETS[i], &j);
        if (st != 403)
            print_error("GET %s answered %ld\n", GETS[i], st);
        assert_int_equal(st, 403);
        json_decref(j);
    }
    json_decref(api_expect(&srv, tok, "POST", "/api/v1/residents", "{}", 403));
    json_decref(api_expect(&srv, tok, "PATCH", "/api/v1/residents/1", "{}", 403));
    json_decref(api_expect(&srv, tok, "POST", "/api/v1/households", "{}", 403));
    http_resp r;
    assert_int_equal(http(&srv, "POST", "/api/v1/import/residents", tok, "a,b\n", 4, "text/csv", &r), 0);
    assert_int_equal(r.status, 403);
    http_free(&r);
}

static void admin_reads_no_audit_log_and_no_business_data(void **state)
{
    no_business_data(t_admin);
    json_decref(api_expect(&srv, t_admin, "GET", "/api/v1/security/alerts", NULL, 403));
    /* It still sees the org tree (to place accounts), without the counts. */
    json_t *j = api_get_ok(&srv, t_admin, "/api/v1/org-units");
    json_t *street = json_array_get(json_object_get(j, "items"), 0);
    assert_non_null(street);
    assert_null(json_object_get(street, "resident_count"));
    assert_null(json_object_get(street, "household_count"));
    json_decref(j);
    /* The admin may not assign roles. */
    json_decref(api_expect(&srv, t_admin, "PUT", fmt("/api/v1/users/%lld/role", user_id("bumen")),
                           "{\"role\":\"street\",\"org_unit_id\":1}", 403));
}

static void auditor_reads_only_the_audit_log(void **state)
{
    json_decref(api_get_ok(&srv, t_aud, "/api/v1/audit"));
    json_decref(api_get_ok(&srv, t_aud, "/api/v1/security/alerts"));
    static const char *const REFUSED[] = {"/api/v1/residents", "/api/v1/households", "/api/v1/stats/tags",
                                          "/api/v1/org-units", "/api/v1/users", "/api/v1/change-requests",
                                          "/api/v1/export/residents", NULL};
    for (size_t i = 0; REFUSED[i]; i++)
        json_decref(api_expect(&srv, t_aud, "GET", REFUSED[i], NULL, 403));
    json_decref(api_expect(&srv, t_aud, "POST", "/api/v1/users", "{}", 403));
    json_decref(api_expect(&srv, t_aud, "PUT", "/api/v1/users/1/role", "{}", 403));
}

static void secadmin_assigns_roles_but_reads_nothing(void **state)
{
    no_business_data(t_sec);
    json_decref(api_get_ok(&srv, t_sec, "/api/v1/security/alerts"));
    /* The admin creates a grid account: it exists, but waits for its role. */
    long long grid = org_id_by_code(&srv, t_admin, "371702001001-01");
    long long community = org_id_by_code(&srv, t_admin, "371702001001");
    assert_true(grid > 0 && community > 0);
    json_t *j = api_expect(&srv, t_admin, "POST", "/api/v1/users",
                           fmt("{\"username\":\"xinwangge\",\"role\":\"grid\",\"org_unit_id\":%lld,"
                               "\"password\":\"Chuzhi#Mima2026\"}", grid), 201);
    long long uid = jint(j, "id");
    assert_false(json_is_true(json_object_get(j, "role_approved")));
    json_decref(j);
    char *t_new = login(&srv, "xinwangge", "Chuzhi#Mima2026");
    assert_non_null(t_new);
    json_decref(api_expect(&srv, t_new, "POST", "/api/v1/auth/password",
                           "{\"old_password\":\"Chuzhi#Mima2026\",\"new_password\":\"Wangge#Xin2026\"}", 200));
    free(t_new);
    t_new = login(&srv, "xinwangge", "Wangge#Xin2026");
    j = api_expect(&srv, t_new, "GET", "/api/v1/residents", NULL, 403);
    assert_string_equal(err_code(j), "role_approval_required");
    json_decref(j);
    j = api_get_ok(&srv, t_new, "/api/v1/auth/me");
    assert_true(json_array_has_str(json_object_get(j, "pending"), "role_approval"));
    json_decref(j);
    /* The security administrator confirms it as a community worker. */
    json_decref(api_expect(&srv, t_sec, "PUT", fmt("/api/v1/users/%lld/role", uid),
                           fmt("{\"role\":\"grid\",\"org_unit_id\":%lld}", community), 400));
    j = api_expect(&srv, t_sec, "PUT", fmt("/api/v1/users/%lld/role", uid),
                   fmt("{\"role\":\"community\",\"org_unit_id\":%lld}", community), 200);
    assert_string_equal(jstr(j, "role"), "community");
    assert_true(json_is_true(json_object_get(j, "role_approved")));
    json_decref(j);
    /* The change ended the session; a new one works in the new scope. */
    json_decref(api_expect(&srv, t_new, "GET", "/api/v1/residents", NULL, 401));
    free(t_new);
    t_new = login(&srv, "xinwangge", "Wangge#Xin2026");
    json_decref(api_get_ok(&srv, t_new, "/api/v1/residents"));
    free(t_new);
    assert_int_equal(audit_count(fmt("action=set_role&entity_id=%lld", uid)), 1);
}

/* The attack of issue 6: the admin resets the auditor's password and
 * signs in as the auditor. Now the reset is only proposed. */
static void admin_alone_cannot_take_over_the_auditor(void **state)
{
    long long aud = user_id("auditor");
    long reset = api_send(&srv, "PATCH", t_admin, fmt("/api/v1/users/%lld", aud),
                          "{\"password\":\"Duoquan#Shenji2026\"}", NULL);
    json_t *j = NULL;
    long st = api_send(&srv, "POST", NULL, "/api/v1/auth/login",
                       "{\"username\":\"auditor\",\"password\":\"Duoquan#Shenji2026\"}", &j);
    assert_int_equal(st, 401);   /* before separation of duties: 200, signed in as the auditor */
    json_decref(j);
    assert_int_equal(reset, 202);
    /* Nor its second factor, nor a new auditor of its own. */
    assert_int_equal(api_send(&srv, "POST", t_admin, fmt("/api/v1/users/%lld/totp/reset", aud), "{}", NULL), 202);
    long long street = org_id_by_code(&srv, t_admin, "371702001");
    assert_int_equal(api_send(&srv, "POST", t_admin, "/api/v1/users",
                              fmt("{\"username\":\"shenji2\",\"role\":\"auditor\",\"org_unit_id\":%lld,"
                                  "\"password\":\"Shenji#Er2026x\"}", street), NULL), 202);
    assert_null(login(&srv, "shenji2", "Shenji#Er2026x"));
    /* The original password still works. */
    char *t = login(&srv, "auditor", DEMO_PW);
    assert_non_null(t);
    free(t);
}

static void two_people_of_the_two_roles_apply_a_change(void **state)
{
    long long aud = user_id("auditor");
    /* A second admin (made on the command line, outside the rule). */
    static const char *const add[] = {"user", "add", "admin2", "--role", "admin", "--org", "371702001", NULL};
    assert_int_equal(run_cli(&srv, add, NULL, "Guanli#Er2026x\n"), 0);
    char *t_admin2 = login(&srv, "admin2", "Guanli#Er2026x");
    assert_non_null(t_admin2);
    json_decref(api_expect(&srv, t_admin2, "POST", "/api/v1/auth/password",
                           "{\"old_password\":\"Guanli#Er2026x\",\"new_password\":\"Guanli#San2026x\"}", 200));
    free(t_admin2);
    t_admin2 = login(&srv, "admin2", "Guanli#San2026x");

    long long rid = request_id(api_expect(&srv, t_admin, "PATCH", fmt("/api/v1/users/%lld", aud),
                                          "{\"password\":\"Shuangren#Pizhun2026\"}", 202));
    json_t *j = api_expect(&srv, t_admin, "POST", fmt("/api/v1/change-requests/%lld/approve", rid), NULL, 403);
    json_decref(j);
    /* Another admin is the same role: refused too. */
    json_decref(api_expect(&srv, t_admin2, "POST", fmt("/api/v1/change-requests/%lld/approve", rid), NULL, 403));
    free(t_admin2);
    /* The pending request is listed for the security administrator. */
    j = api_get_ok(&srv, t_sec, "/api/v1/change-requests");
    int listed = 0;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(j, "items"), i, c)
        listed |= jint(c, "id") == rid && json_object_get(c, "password_hash") == NULL;
    assert_true(listed);
    json_decref(j);
    assert_null(login(&srv, "auditor", "Shuangren#Pizhun2026"));
    j = api_expect(&srv, t_sec, "POST", fmt("/api/v1/change-requests/%lld/approve", rid), NULL, 200);
    assert_string_equal(jstr(json_object_get(j, "change_request"), "status"), "approved");
    json_decref(j);
    json_decref(api_expect(&srv, t_sec, "POST", fmt("/api/v1/change-requests/%lld/approve", rid), NULL, 409));
    /* Applied: the auditor's old password is gone, the new one must be changed. */
    assert_null(login(&srv, "auditor", DEMO_PW));
    char *t = login(&srv, "auditor", "Shuangren#Pizhun2026");
    assert_non_null(t);
    j = api_get_ok(&srv, t, "/api/v1/auth/me");
    assert_true(json_array_has_str(json_object_get(j, "pending"), "password_change"));
    json_decref(j);
    json_decref(api_expect(&srv, t, "POST", "/api/v1/auth/password",
                           "{\"old_password\":\"Shuangren#Pizhun2026\",\"new_password\":\"Shenji#Xin2026y\"}", 200));
    free(t);
    free(t_aud);
    t_aud = login(&srv, "auditor", "Shenji#Xin2026y");
    assert_non_null(t_aud);
    /* Both steps are audited. */
    assert_int_equal(audit_count(fmt("action=change_propose&entity_id=%lld", rid)), 1);
    assert_int_equal(audit_count(fmt("action=change_approve&entity_id=%lld", rid)), 1);

    /* A role change the secadmin proposes is approved by an admin, not by itself. */
    long long bumen = user_id("bumen");
    long long street = org_id_by_code(&srv, t_admin, "371702001");
    rid = request_id(api_expect(&srv, t_sec, "PUT", fmt("/api/v1/users/%lld/role", bumen),
                                fmt("{\"role\":\"auditor\",\"org_unit_id\":%lld}", street), 202));
    json_decref(api_expect(&srv, t_sec, "POST", fmt("/api/v1/change-requests/%lld/approve", rid), NULL, 403));
    j = api_expect(&srv, t_admin, "POST", fmt("/api/v1/change-requests/%lld/approve", rid), NULL, 200);
    assert_string_equal(jstr(json_object_get(j, "user"), "role"), "auditor");
    json_decref(j);

    /* Nobody approves a change to their own account. */
    long long sec = user_id("anquan");
    rid = request_id(api_expect(&srv, t_admin, "PATCH", fmt("/api/v1/users/%lld", sec),
                                "{\"password\":\"Baohu#Zhongzhi2026\"}", 202));
    json_decref(api_expect(&srv, t_sec, "POST", fmt("/api/v1/change-requests/%lld/approve", rid), NULL, 403));
    /* The proposer withdraws it. */
    j = api_expect(&srv, t_admin, "POST", fmt("/api/v1/change-requests/%lld/reject", rid), NULL, 200);
    assert_string_equal(jstr(json_object_get(j, "change_request"), "status"), "rejected");
    json_decref(j);
    assert_int_equal(audit_count(fmt("action=change_reject&entity_id=%lld", rid)), 1);
}

static void privileged_creation_and_expiry(void **state)
{
    long long street = org_id_by_code(&srv, t_admin, "371702001");
    long long rid = request_id(api_expect(&srv, t_admin, "POST", "/api/v1/users",
                                          fmt("{\"username\":\"anquan2\",\"role\":\"secadmin\",\"org_unit_id\":%lld,"
                                              "\"password\":\"Anquan#Er2026x\"}", street), 202));
    json_t *j = api_expect(&srv, t_sec, "POST", fmt("/api/v1/change-requests/%lld/approve", rid), NULL, 200);
    long long uid = jint(json_object_get(j, "user"), "id");
    assert_true(uid > 0);
    assert_string_equal(jstr(json_object_get(j, "user"), "role"), "secadmin");
    json_decref(j);
    char *t = login(&srv, "anquan2", "Anquan#Er2026x");
    assert_non_null(t);
    free(t);
    /* A request not approved within a day expires. */
    rid = request_id(api_expect(&srv, t_admin, "POST", fmt("/api/v1/users/%lld/totp/reset", uid), "{}", 202));
    server_sql(&srv, fmt("UPDATE change_request SET expires_at = proposed_at - 1 WHERE id = %lld", rid));
    j = api_expect(&srv, t_sec, "POST", fmt("/api/v1/change-requests/%lld/approve", rid), NULL, 409);
    json_decref(j);
    assert_true(api_total(&srv, t_sec, "/api/v1/change-requests?status=expired") >= 1);
}

/* A security administrator of another street (one database holding
 * two, as a district will) neither sees nor decides a request about an
 * account of this street (404, as absent). */
static void requests_outside_the_scope_are_not_shown(void **state)
{
    server_sql(&srv, "INSERT INTO org_unit(id, kind, code, name, path, created_at, updated_at)"
                 " VALUES (900000, 'street', '371702009', '测试街道', '/900000/', '2026-01-01', '2026-01-01')");
    static const char *const add[] = {"user", "add", "anquan9", "--role", "secadmin", "--org", "371702009", NULL};
    assert_int_equal(run_cli(&srv, add, NULL, "Anquan#Jiu2026x\n"), 0);
    char *t_sec9 = login(&srv, "anquan9", "Anquan#Jiu2026x");
    assert_non_null(t_sec9);
    json_decref(api_expect(&srv, t_sec9, "POST", "/api/v1/auth/password",
                           "{\"old_password\":\"Anquan#Jiu2026x\",\"new_password\":\"Anquan#Shi2026x\"}", 200));
    free(t_sec9);
    t_sec9 = login(&srv, "anquan9", "Anquan#Shi2026x");
    assert_non_null(t_sec9);
    long long street = org_id_by_code(&srv, t_admin, "371702001");
    long long rid = request_id(api_expect(&srv, t_admin, "POST", "/api/v1/users",
                                          fmt("{\"username\":\"shenji9\",\"role\":\"auditor\",\"org_unit_id\":%lld,"
                                              "\"password\":\"Shenji#Jiu2026x\"}", street), 202));
    assert_int_equal(api_total(&srv, t_sec9, fmt("/api/v1/change-requests?page_size=200")), 0);
    assert_true(api_total(&srv, t_sec, "/api/v1/change-requests?page_size=200") >= 1);
    json_decref(api_expect(&srv, t_sec9, "POST", fmt("/api/v1/change-requests/%lld/approve", rid), NULL, 404));
    json_decref(api_expect(&srv, t_sec9, "POST", fmt("/api/v1/change-requests/%lld/reject", rid), NULL, 404));
    /* the street's security administrator still can */
    json_decref(api_expect(&srv, t_sec, "POST", fmt("/api/v1/change-requests/%lld/reject", rid), NULL, 200));
    free(t_sec9);
}

/* serve --admin-allow 127.0.0.1/32: privileged accounts sign in and
 * work from there only. */
static void allow_list_refuses_privileged_sign_in_from_elsewhere(void **state)
{
    static const char *const args[] = {"--admin-allow", "127.0.0.1/32,::1", NULL};
    test_server s2;
    assert_int_equal(server_start(&s2, 0, args), 0);
    char *admin_here = login(&s2, "admin", DEMO_PW);
    char *aud_here = login(&s2, "auditor", DEMO_PW);
    assert_non_null(admin_here);
    assert_non_null(aud_here);

    http_set_source("127.0.0.2");
    json_t *refused = NULL, *wrong = NULL;
    assert_int_equal(api_send(&s2, "POST", NULL, "/api/v1/auth/login",
                              fmt("{\"username\":\"admin\",\"password\":\"%s\"}", DEMO_PW), &refused), 401);
    assert_int_equal(api_send(&s2, "POST", NULL, "/api/v1/auth/login",
                              "{\"username\":\"admin\",\"password\":\"Wrong#Password1\"}", &wrong), 401);
    assert_string_equal(err_code(refused), err_code(wrong));
    assert_string_equal(err_message(refused), err_message(wrong));
    json_decref(refused);
    json_decref(wrong);
    /* The same session from another address is refused too. */
    json_decref(api_expect(&s2, admin_here, "GET", "/api/v1/users", NULL, 401));
    /* Street staff are not guarded unless --admin-allow-street. */
    char *street = login(&s2, "jiedao", DEMO_PW);
    assert_non_null(street);
    free(street);
    http_set_source(NULL);

    json_decref(api_get_ok(&s2, admin_here, "/api/v1/users"));
    json_t *j = api_get_ok(&s2, aud_here, "/api/v1/audit?action=login_refused_address");
    assert_int_equal(jint(j, "total"), 2);
    json_t *row = json_array_get(json_object_get(j, "items"), 0);
    assert_string_equal(jstr(row, "client_ip"), "127.0.0.2");
    assert_string_equal(jstr(row, "outcome"), "failure");
    json_decref(j);
    assert_int_equal(api_total(&s2, aud_here, "/api/v1/audit?action=session_refused_address"), 1);
    /* Refusals by address do not count towards the lockout. */
    j = api_get_ok(&s2, admin_here, "/api/v1/users?role=admin");
    assert_int_equal(jint(json_array_get(json_object_get(j, "items"), 0), "failed_logins"), 0);
    json_decref(j);
    free(admin_here);
    free(aud_here);
    assert_int_equal(server_stop(&s2), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(admin_reads_no_audit_log_and_no_business_data),
        cmocka_unit_test(auditor_reads_only_the_audit_log),
        cmocka_unit_test(secadmin_assigns_roles_but_reads_nothing),
        cmocka_unit_test(admin_alone_cannot_take_over_the_auditor),
        cmocka_unit_test(two_people_of_the_two_roles_apply_a_change),
        cmocka_unit_test(privileged_creation_and_expiry),
        cmocka_unit_test(requests_outside_the_scope_are_not_shown),
        cmocka_unit_test(allow_list_refuses_privileged_sign_in_from_elsewhere),
    };
    return cmocka_run_group_tests_name("api_duties", tests, setup, teardown);
}
