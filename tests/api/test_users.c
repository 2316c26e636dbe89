/* test_users.c — GET /api/v1/users, the account list of the admin and
 * the secadmin: its filters q (a part of the username or the display
 * name, ASCII case folded, LIKE metacharacters taken literally) and status
 * (active, disabled, locked, unapproved), against the real server.
 * Creating, resetting and approving accounts are tested in
 * test_auth_password.c and test_duties.c. */
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

static int setup(void **state)
{
    if (server_start(&srv, 5, NULL) != 0)
        return -1;
    admin = login(&srv, "admin", DEMO_PW);
    sec = login(&srv, "anquan", DEMO_PW);
    return admin && sec ? 0 : -1;
}

static int teardown(void **state)
{
    free(admin);
    free(sec);
    return server_stop(&srv);
}

/* The usernames of a page of GET /users?<query>, comma-separated, in order. */
static const char *names(const char *tok, const char *query)
{
    static char out[2000];
    json_t *j = api_get_ok(&srv, tok, fmt("/api/v1/users?page_size=100&%s", query));
    size_t i;
    json_t *it;
    out[0] = '\0';
    json_array_foreach(json_object_get(j, "items"), i, it)
        snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s", i ? "," : "", jstr(it, "username"));
    json_decref(j);
    return out;
}

static void q_finds_part_of_username_or_name(void **state)
{
    assert_string_equal(names(admin, "q=SHEQU"), "shequ01,shequ02");
    assert_string_equal(names(sec, "q=shequ0"), "shequ01,shequ02");
    /* the display name, in Chinese (demo: 中山社区工作人员) */
    assert_string_equal(names(admin, fmt("q=%s", urlenc("中山社区"))), "shequ01");
    /* '_' and '%' are letters here, not patterns */
    assert_string_equal(names(admin, "q=%25"), "");
    assert_string_equal(names(admin, "q=_"), "");
    json_decref(api_expect(&srv, admin, "POST", "/api/v1/users",
                           "{\"username\":\"wang_ge\",\"role\":\"viewer\",\"org_unit_id\":1,"
                           "\"password\":\"Chushi#2026pw\",\"display_name\":\"下划线\"}", 201));
    assert_string_equal(names(admin, "q=_"), "wang_ge");
    assert_string_equal(names(admin, "q=g_g"), "wang_ge");
    json_t *e = api_expect(&srv, admin, "GET", fmt("/api/v1/users?q=%s", urlenc(
        "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一")), NULL, 400);
    assert_string_equal(err_field(e), "q");
    json_decref(e);
}

static void status_filters_disabled_locked_unapproved_active(void **state)
{
    /* wang_ge (created above) awaits the secadmin; nobody else does. */
    assert_string_equal(names(admin, "status=unapproved"), "wang_ge");
    server_sql(&srv, "UPDATE app_user SET disabled = 1 WHERE username = 'wangge0102'");
    server_sql(&srv, fmt("UPDATE app_user SET locked_until = %lld WHERE username = 'shequ02'", (long long)time(NULL) + 600));
    /* a lock that ran out is no lock */
    server_sql(&srv, fmt("UPDATE app_user SET locked_until = %lld WHERE username = 'shequ01'", (long long)time(NULL) - 5));
    assert_string_equal(names(admin, "status=disabled"), "wangge0102");
    assert_string_equal(names(admin, "status=locked"), "shequ02");
    const char *active = names(sec, "status=active&q=0");
    assert_string_equal(active, "shequ01,wangge0101,wangge0201");
    /* with the other filters */
    assert_string_equal(names(admin, "status=active&role=community"), "shequ01");
    json_t *e = api_expect(&srv, admin, "GET", "/api/v1/users?status=gone", NULL, 400);
    assert_string_equal(err_field(e), "status");
    json_decref(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(q_finds_part_of_username_or_name),
        cmocka_unit_test(status_filters_disabled_locked_unapproved_active),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
