/* test_auth_password.c — password rules (length, classes, common and
 * user-derived passwords), forced change of initial, reset and expired
 * passwords (a restricted session until it is done), the history of the
 * last 5, and accounts unused too long — against the real server. Ages
 * are made by editing the test database directly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

static test_server srv;
static char *admin, *sec;
static long long street_id, grid_id;

static int setup(void **state)
{
    if (server_start(&srv, 5, NULL) != 0)
        return -1;
    admin = login(&srv, "admin", DEMO_PW);
    sec = login(&srv, "anquan", DEMO_PW);
    street_id = org_id_by_code(&srv, admin, "371702001");
    grid_id = org_id_by_code(&srv, admin, "371702001001-01");
    return admin && sec && street_id && grid_id ? 0 : -1;
}

static int teardown(void **state)
{
    free(admin);
    free(sec);
    return server_stop(&srv);
}

static const char *create_body(const char *user, const char *pw)
{
    return fmt("{\"username\":\"%s\",\"role\":\"grid\",\"org_unit_id\":%lld,\"password\":\"%s\"}", user, grid_id, pw);
}

/* POST /users with this password must be refused, naming the field and
 * saying why (a word of the message). */
static void refused(const char *user, const char *pw, const char *why)
{
    json_t *j = api_expect(&srv, admin, "POST", "/api/v1/users", create_body(user, pw), 400);
    assert_string_equal(err_field(j), "password");
    if (!strstr(err_message(j), why))
        print_error("%s / %s: %s (expected a word of \"%s\")\n", user, pw, err_message(j), why);
    assert_non_null(strstr(err_message(j), why));
    json_decref(j);
}

static void weak_common_and_derived_passwords_are_refused(void **state)
{
    refused("pw_a", "password1", "10");           /* accepted before: 9 characters */
    refused("pw_a", "Sh0rt#pw", "10");
    refused("pw_a", "alllowercase2026", "三类");  /* two classes */
    refused("pw_a", "ALLUPPER#####", "三类");
    refused("pw_a", "Passw0rd2026!", "常见");     /* common word + digits/symbols */
    refused("pw_a", "Woaini1314!", "常见");
    refused("pw_a", "Aa123456!!", "常见");
    refused("pw_a", "Qwerty123#", "常见");
    refused("pw_a", "1Qaz2wsx!!", "常见");
    refused("liming", "Liming#2026", "用户名");   /* contains the username */
    refused("liming", "xxLIMINGxx#9", "用户名");
    refused("liming", "Gnimil#2026", "用户名");   /* reversed, digits appended */
    refused("Zhao.Li-2026", "Zhao.Li-2026", "用户名");  /* equal to the username: accepted before */
    json_decref(api_expect(&srv, admin, "POST", "/api/v1/users", create_body("pw_ok", "Hard2Guess#Tea"), 201));
}

/* The admin creates a grid account and the security administrator
 * confirms its role (separation of duties); returns its id. */
static long long create_confirmed(const char *user, const char *pw)
{
    json_t *u = api_expect(&srv, admin, "POST", "/api/v1/users", create_body(user, pw), 201);
    assert_true(json_is_true(json_object_get(u, "must_change_password")));
    long long uid = jint(u, "id");
    json_decref(u);
    json_decref(api_expect(&srv, sec, "PUT", fmt("/api/v1/users/%lld/role", uid),
                           fmt("{\"role\":\"grid\",\"org_unit_id\":%lld}", grid_id), 200));
    return uid;
}

static void assert_pending(json_t *user_or_me, const char *step)
{
    json_t *p = json_object_get(user_or_me, "pending");
    assert_true(json_is_array(p));
    if (step)
        assert_true(json_array_has_str(p, step));
    else
        assert_int_equal(json_array_size(p), 0);
}

/* Signs in and returns the token; *pending_step must be in user.pending
 * (NULL: nothing pending). */
static char *sign_in(const char *user, const char *pw, const char *pending_step)
{
    json_t *j = api_expect(&srv, NULL, "POST", "/api/v1/auth/login",
                           fmt("{\"username\":\"%s\",\"password\":\"%s\"}", user, pw), 200);
    assert_pending(json_object_get(j, "user"), pending_step);
    char *tok = strdup(jstr(j, "token"));
    json_decref(j);
    return tok;
}

static void assert_restricted(const char *tok)
{
    json_t *j = api_expect(&srv, tok, "GET", "/api/v1/residents", NULL, 403);
    assert_string_equal(err_code(j), "password_change_required");
    json_decref(j);
    j = api_expect(&srv, tok, "POST", "/api/v1/households", "{}", 403);
    assert_string_equal(err_code(j), "password_change_required");
    json_decref(j);
    j = api_get_ok(&srv, tok, "/api/v1/auth/me");   /* allowed while pending */
    assert_pending(j, "password_change");
    json_decref(j);
}

static long change(const char *tok, const char *old_pw, const char *new_pw, json_t **out)
{
    return api_send(&srv, "POST", tok, "/api/v1/auth/password",
                    fmt("{\"old_password\":\"%s\",\"new_password\":\"%s\"}", old_pw, new_pw), out);
}

static void initial_and_reset_passwords_must_be_changed(void **state)
{
    long long uid = create_confirmed("forced1", "Initial#Pass2026");
    char *tok = sign_in("forced1", "Initial#Pass2026", "password_change");
    assert_restricted(tok);
    assert_int_equal(change(tok, "Initial#Pass2026", "Second#Pass2026", NULL), 200);
    free(tok);
    tok = sign_in("forced1", "Second#Pass2026", NULL);
    assert_int_equal(api_get(&srv, tok, "/api/v1/residents?page_size=20", NULL), 200);
    free(tok);

    /* An administrator's reset: changed again at the next sign-in. */
    json_decref(api_expect(&srv, admin, "PATCH", fmt("/api/v1/users/%lld", uid), "{\"password\":\"Reset#Pass2026\"}", 200));
    tok = sign_in("forced1", "Reset#Pass2026", "password_change");
    assert_restricted(tok);
    /* Logout stays open too. */
    assert_int_equal(api_send(&srv, "POST", tok, "/api/v1/auth/logout", NULL, NULL), 200);
    free(tok);
}

static void demo_accounts_keep_their_password(void **state)
{
    char *tok = sign_in("jiedao", DEMO_PW, NULL);
    assert_int_equal(api_get(&srv, tok, "/api/v1/residents?page_size=20", NULL), 200);
    free(tok);
}

static void expired_password_must_be_changed(void **state)
{
    server_sql(&srv, fmt("UPDATE app_user SET password_changed_at = %lld WHERE username = 'shequ02'",
                         (long long)time(NULL) - 91 * 86400));
    char *tok = sign_in("shequ02", DEMO_PW, "password_change");
    assert_restricted(tok);
    assert_int_equal(change(tok, DEMO_PW, "Renewed#Pass2026", NULL), 200);
    free(tok);
    tok = sign_in("shequ02", "Renewed#Pass2026", NULL);
    free(tok);
}

static void last_five_passwords_cannot_be_reused(void **state)
{
    static const char *const PW[] = {"History#One2026", "History#Two2026", "History#Three2026",
                                     "History#Four2026", "History#Five2026", "History#Six2026"};
    json_t *j;
    create_confirmed("hist1", PW[0]);
    char *tok = sign_in("hist1", PW[0], "password_change");
    for (int i = 1; i < 6; i++) {
        if (i == 1 || i == 5) {
            /* The current password and the first one are both still in the last 5. */
            assert_int_equal(change(tok, PW[i - 1], PW[i - 1], &j), 400);
            assert_string_equal(err_field(j), "new_password");
            assert_non_null(strstr(err_message(j), "最近5次"));
            json_decref(j);
            assert_int_equal(change(tok, PW[i - 1], PW[0], &j), 400);
            assert_string_equal(err_field(j), "new_password");
            json_decref(j);
        }
        assert_int_equal(change(tok, PW[i - 1], PW[i], NULL), 200);
        free(tok);
        tok = sign_in("hist1", PW[i], NULL);
    }
    /* Five changes later the first one may come back. */
    assert_int_equal(change(tok, PW[5], PW[0], NULL), 200);
    free(tok);
}

static void unused_account_is_disabled_at_next_sign_in(void **state)
{
    /* Signed in before: last_login_at shows. */
    json_t *list = api_get_ok(&srv, admin, "/api/v1/users?page_size=200");
    size_t i;
    json_t *it;
    long long wg = 0;
    json_array_foreach(json_object_get(list, "items"), i, it) {
        if (strcmp(jstr(it, "username"), "admin") == 0)
            assert_true(json_is_integer(json_object_get(it, "last_login_at")));
        if (strcmp(jstr(it, "username"), "wangge0102") == 0)
            wg = jint(it, "id");
    }
    json_decref(list);
    assert_true(wg > 0);

    server_sql(&srv, fmt("UPDATE app_user SET last_login_at = %lld, enabled_at = %lld WHERE username = 'wangge0102'",
                         (long long)time(NULL) - 91 * 86400, (long long)time(NULL) - 200 * 86400));
    assert_null(login(&srv, "wangge0102", DEMO_PW));
    json_t *u = api_get_ok(&srv, admin, "/api/v1/users?page_size=200&role=grid");
    int disabled = 0;
    json_array_foreach(json_object_get(u, "items"), i, it)
        if (jint(it, "id") == wg)
            disabled = json_is_true(json_object_get(it, "disabled"));
    json_decref(u);
    assert_true(disabled);
    char *aud = login(&srv, "auditor", DEMO_PW);
    assert_int_equal(api_total(&srv, aud, "/api/v1/audit?action=account_disabled_unused&page_size=1"), 1);
    free(aud);
    /* Re-enabled by the admin, it signs in again (the clock restarts). */
    json_decref(api_expect(&srv, admin, "PATCH", fmt("/api/v1/users/%lld", wg), "{\"disabled\":false}", 200));
    char *tok = login(&srv, "wangge0102", DEMO_PW);
    assert_non_null(tok);
    free(tok);
    /* The command line lists the last sign-in. */
    char out[400];
    snprintf(out, sizeof out, "%s/list.txt", srv.dir);
    assert_int_equal(run_cli(&srv, (const char *[]){"user", "list", NULL}, out, NULL), 0);
    char *text = read_whole_file(out, NULL);
    assert_non_null(strstr(text, "最近登录"));
    assert_non_null(strstr(text, "从未登录"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(weak_common_and_derived_passwords_are_refused),
        cmocka_unit_test(initial_and_reset_passwords_must_be_changed),
        cmocka_unit_test(demo_accounts_keep_their_password),
        cmocka_unit_test(expired_password_must_be_changed),
        cmocka_unit_test(last_five_passwords_cannot_be_reused),
        cmocka_unit_test(unused_account_is_disabled_at_next_sign_in),
    };
    return cmocka_run_group_tests_name("api_auth_password", tests, setup, teardown);
}
