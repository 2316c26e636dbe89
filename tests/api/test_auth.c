/* test_auth.c — sign-in, bearer and cookie sessions, lockout after 5
 * failures, idle expiry, logout, password change, error shapes, body
 * limits and the audit trail of logins — against the real server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static test_server srv;

static int setup(void **state)
{
    /* Idle timeout 2 s and lockout 2 s so expiry and unlock are testable. */
    static const char *const args[] = {"--session-idle", "2", "--lockout-seconds", "2", NULL};
    return server_start(&srv, 40, args);
}

static int teardown(void **state)
{
    return server_stop(&srv);
}

static void login_ok_returns_token_cookie_and_user(void **state)
{
    http_resp r;
    const char *body = "{\"username\":\"wangge0101\",\"password\":\"" DEMO_PW "\"}";
    assert_int_equal(http(&srv, "POST", "/api/v1/auth/login", NULL, body, strlen(body), NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.set_cookie, "ms_session="));
    assert_non_null(strstr(r.set_cookie, "HttpOnly"));
    assert_non_null(strstr(r.set_cookie, "SameSite=Strict"));
    const char *tok = jstr(r.json, "token");
    assert_non_null(tok);
    assert_int_equal(strlen(tok), 64);
    json_t *user = json_object_get(r.json, "user");
    assert_string_equal(jstr(user, "role"), "grid");
    assert_string_equal(jstr(json_object_get(user, "org_unit"), "kind"), "grid");
    http_free(&r);
}

static void wrong_password_is_401_with_chinese_message(void **state)
{
    json_t *j;
    long st = api_send(&srv, "POST", NULL, "/api/v1/auth/login",
                       "{\"username\":\"jiedao\",\"password\":\"wrong-pass-1\"}", &j);
    assert_int_equal(st, 401);
    assert_string_equal(err_code(j), "unauthorized");
    assert_non_null(strstr(err_message(j), "用户名或密码错误"));
    json_decref(j);
    /* Unknown user: the same answer. */
    st = api_send(&srv, "POST", NULL, "/api/v1/auth/login", "{\"username\":\"nobody\",\"password\":\"x1234567\"}", &j);
    assert_int_equal(st, 401);
    assert_string_equal(err_code(j), "unauthorized");
    json_decref(j);
}

static void bearer_and_cookie_both_authenticate(void **state)
{
    char *tok = login(&srv, "jiedao", DEMO_PW);
    assert_non_null(tok);
    json_t *j;
    assert_int_equal(api_get(&srv, tok, "/api/v1/auth/me", &j), 200);
    assert_string_equal(jstr(j, "username"), "jiedao");
    json_decref(j);
    /* Same token as a cookie, no Authorization header. */
    char cookie[128];
    snprintf(cookie, sizeof cookie, "cookie:%s", tok);
    assert_int_equal(api_get(&srv, cookie, "/api/v1/auth/me", &j), 200);
    assert_string_equal(jstr(j, "username"), "jiedao");
    json_decref(j);
    /* A tampered cookie is refused. */
    cookie[10] = cookie[10] == 'a' ? 'b' : 'a';
    assert_int_equal(api_get(&srv, cookie, "/api/v1/auth/me", NULL), 401);
    free(tok);
}

static void no_token_is_401_everywhere(void **state)
{
    static const char *const paths[] = {"/api/v1/auth/me", "/api/v1/residents", "/api/v1/households",
                                        "/api/v1/org-units", "/api/v1/audit", "/api/v1/users",
                                        "/api/v1/stats/tags", "/api/v1/tags", "/api/v1/export/residents", NULL};
    for (size_t i = 0; paths[i]; i++) {
        json_t *j;
        assert_int_equal(api_get(&srv, NULL, paths[i], &j), 401);
        assert_string_equal(err_code(j), "unauthorized");
        json_decref(j);
        /* A made-up token is no better. */
        assert_int_equal(api_get(&srv, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", paths[i], NULL), 401);
    }
}

static void lockout_after_five_failures_then_unlock(void **state)
{
    json_t *j = NULL;
    for (int i = 0; i < 4; i++)
        assert_int_equal(api_send(&srv, "POST", NULL, "/api/v1/auth/login",
                                  "{\"username\":\"shequ02\",\"password\":\"bad-pass-1\"}", NULL), 401);
    /* The fifth failure locks, answered like any failure (no enumeration). */
    assert_int_equal(api_send(&srv, "POST", NULL, "/api/v1/auth/login",
                              "{\"username\":\"shequ02\",\"password\":\"bad-pass-1\"}", &j), 401);
    assert_string_equal(err_code(j), "unauthorized");
    json_decref(j);
    /* Even the right password is refused while locked. */
    assert_null(login(&srv, "shequ02", DEMO_PW));
    sleep(3); /* lockout is 2 s in this server */
    char *tok = login(&srv, "shequ02", DEMO_PW);
    assert_non_null(tok);
    free(tok);
}

static void failures_reset_after_success(void **state)
{
    for (int i = 0; i < 4; i++)
        api_send(&srv, "POST", NULL, "/api/v1/auth/login", "{\"username\":\"wangge0201\",\"password\":\"bad-pass-1\"}", NULL);
    char *tok = login(&srv, "wangge0201", DEMO_PW);
    assert_non_null(tok);
    free(tok);
    /* Counter reset: one more failure does not lock. */
    assert_int_equal(api_send(&srv, "POST", NULL, "/api/v1/auth/login",
                              "{\"username\":\"wangge0201\",\"password\":\"bad-pass-1\"}", NULL), 401);
    tok = login(&srv, "wangge0201", DEMO_PW);
    assert_non_null(tok);
    free(tok);
}

static void session_expires_after_idle(void **state)
{
    char *tok = login(&srv, "bumen", DEMO_PW);
    assert_non_null(tok);
    assert_int_equal(api_get(&srv, tok, "/api/v1/auth/me", NULL), 200);
    sleep(1);
    assert_int_equal(api_get(&srv, tok, "/api/v1/auth/me", NULL), 200); /* activity keeps it alive */
    sleep(4);
    assert_int_equal(api_get(&srv, tok, "/api/v1/auth/me", NULL), 401);
    free(tok);
}

static void logout_ends_session(void **state)
{
    char *tok = login(&srv, "shequ01", DEMO_PW);
    assert_non_null(tok);
    assert_int_equal(api_send(&srv, "POST", tok, "/api/v1/auth/logout", NULL, NULL), 200);
    assert_int_equal(api_get(&srv, tok, "/api/v1/auth/me", NULL), 401);
    free(tok);
}

static void password_change_requires_old_and_strength(void **state)
{
    char *tok = login(&srv, "wangge0102", DEMO_PW);
    assert_non_null(tok);
    json_t *j;
    assert_int_equal(api_send(&srv, "POST", tok, "/api/v1/auth/password",
                              "{\"old_password\":\"wrong-old-1\",\"new_password\":\"NewPass#2027\"}", &j), 400);
    assert_string_equal(jstr(json_object_get(j, "error"), "field"), "old_password");
    json_decref(j);
    assert_int_equal(api_send(&srv, "POST", tok, "/api/v1/auth/password",
                              "{\"old_password\":\"" DEMO_PW "\",\"new_password\":\"short\"}", &j), 400);
    assert_string_equal(jstr(json_object_get(j, "error"), "field"), "new_password");
    json_decref(j);
    assert_int_equal(api_send(&srv, "POST", tok, "/api/v1/auth/password",
                              "{\"old_password\":\"" DEMO_PW "\",\"new_password\":\"NewPass#2027\"}", NULL), 200);
    /* The session used for the change has ended too. */
    assert_int_equal(api_get(&srv, tok, "/api/v1/auth/me", NULL), 401);
    char *old = login(&srv, "wangge0102", DEMO_PW);
    assert_null(old);
    char *fresh = login(&srv, "wangge0102", "NewPass#2027");
    assert_non_null(fresh);
    free(fresh);
    free(tok);
}

static void bad_json_and_unknown_fields_are_400(void **state)
{
    json_t *j;
    assert_int_equal(api_send(&srv, "POST", NULL, "/api/v1/auth/login", "{not json", &j), 400);
    assert_string_equal(err_code(j), "bad_request");
    json_decref(j);
    assert_int_equal(api_send(&srv, "POST", NULL, "/api/v1/auth/login", "[1,2]", NULL), 400);
    assert_int_equal(api_send(&srv, "POST", NULL, "/api/v1/auth/login",
                              "{\"username\":\"a\",\"password\":\"b\",\"role\":\"admin\"}", &j), 400);
    assert_string_equal(jstr(json_object_get(j, "error"), "field"), "role");
    json_decref(j);
    assert_int_equal(api_send(&srv, "POST", NULL, "/api/v1/auth/login", "{\"username\":5,\"password\":\"b\"}", &j), 400);
    assert_string_equal(jstr(json_object_get(j, "error"), "field"), "username");
    json_decref(j);
}

static void oversized_body_is_413_and_unknown_route_404(void **state)
{
    size_t n = 2u << 20;
    char *big = malloc(n + 1);
    memset(big, 'a', n);
    big[n] = '\0';
    http_resp r;
    assert_int_equal(http(&srv, "POST", "/api/v1/auth/login", NULL, big, n, NULL, &r), 0);
    assert_int_equal(r.status, 413);
    assert_string_equal(err_code(r.json), "payload_too_large");
    http_free(&r);
    free(big);
    assert_int_equal(api_get(&srv, NULL, "/api/v1/nothing-here", NULL), 404);
    assert_int_equal(api_send(&srv, "DELETE", NULL, "/api/v1/auth/login", NULL, NULL), 405);
}

static void logins_are_audited_and_auditor_reads_only_audit(void **state)
{
    char *tok = login(&srv, "auditor", DEMO_PW);
    assert_non_null(tok);
    json_t *j;
    assert_int_equal(api_get(&srv, tok, "/api/v1/audit?action=login_failed", &j), 200);
    assert_true(jint(j, "total") >= 5);
    json_decref(j);
    assert_int_equal(api_get(&srv, tok, "/api/v1/audit?action=login_locked", &j), 200);
    assert_true(jint(j, "total") >= 1);
    json_decref(j);
    /* Loading the demo street from the command line is on record too. */
    assert_int_equal(api_get(&srv, tok, "/api/v1/audit?action=demo", &j), 200);
    assert_int_equal(jint(j, "total"), 1);
    json_decref(j);
    /* The auditor cannot read the registry. */
    assert_int_equal(api_get(&srv, tok, "/api/v1/residents", NULL), 403);
    assert_int_equal(api_get(&srv, tok, "/api/v1/org-units", NULL), 403);
    free(tok);
}

static void web_page_and_openapi_are_served(void **state)
{
    http_resp r;
    assert_int_equal(http(&srv, "GET", "/", NULL, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.content_type, "text/html"));
    assert_non_null(strstr(r.body, "/assets/"));
    http_free(&r);
    json_t *j;
    assert_int_equal(api_get(&srv, NULL, "/api/v1/openapi.json", &j), 200);
    assert_non_null(json_object_get(j, "openapi"));
    assert_non_null(json_object_get(json_object_get(j, "paths"), "/residents"));
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(login_ok_returns_token_cookie_and_user),
        cmocka_unit_test(wrong_password_is_401_with_chinese_message),
        cmocka_unit_test(bearer_and_cookie_both_authenticate),
        cmocka_unit_test(no_token_is_401_everywhere),
        cmocka_unit_test(lockout_after_five_failures_then_unlock),
        cmocka_unit_test(failures_reset_after_success),
        cmocka_unit_test(session_expires_after_idle),
        cmocka_unit_test(logout_ends_session),
        cmocka_unit_test(password_change_requires_old_and_strength),
        cmocka_unit_test(bad_json_and_unknown_fields_are_400),
        cmocka_unit_test(oversized_body_is_413_and_unknown_route_404),
        cmocka_unit_test(logins_are_audited_and_auditor_reads_only_audit),
        cmocka_unit_test(web_page_and_openapi_are_served),
    };
    return cmocka_run_group_tests_name("api_auth", tests, setup, teardown);
}
