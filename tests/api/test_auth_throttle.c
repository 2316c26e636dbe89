/* test_auth_throttle.c — login throttles: one password sprayed over many
 * usernames from one address is answered 429 (with Retry-After) after
 * the per-address limit, while another address still signs in; and the
 * global limit holds across addresses. Requests leave from other
 * loopback addresses (127.0.0.2 …) to look like other clients. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define PER_ADDRESS 10
#define GLOBAL 16

static test_server srv;

static int setup(void **state)
{
    static const char *const args[] = {"--login-failures-per-address", "10", "--login-failures-global", "16", NULL};
    return server_start(&srv, 5, args);
}

static int teardown(void **state)
{
    http_set_source(NULL);
    return server_stop(&srv);
}

static long spray(const char *user, http_resp *r)
{
    char body[200];
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"Spray#Pass2026\"}", user);
    assert_int_equal(http(&srv, "POST", "/api/v1/auth/login", NULL, body, strlen(body), NULL, r), 0);
    return r->status;
}

static void sprayed_password_is_throttled_per_address(void **state)
{
    static const char *const REAL[] = {"admin", "auditor", "jiedao", "shequ01", "shequ02", "wangge0101",
                                       "wangge0102", "wangge0201", "bumen"};
    int first_429 = 0;
    for (int i = 0; i < 24; i++) {
        http_resp r;
        const char *user = i < 9 ? REAL[i] : fmt("staff%02d", i);
        long st = spray(user, &r);
        if (st == 429 && !first_429) {
            first_429 = i + 1;
            assert_string_equal(err_code(r.json), "too_many_requests");
            assert_non_null(strstr(err_message(r.json), "登录尝试过于频繁"));
            assert_true(atoi(r.retry_after) >= 1 && atoi(r.retry_after) <= 60);
        }
        if (first_429)
            assert_int_equal(st, 429);
        else
            assert_int_equal(st, 401);
        http_free(&r);
    }
    assert_int_equal(first_429, PER_ADDRESS + 1);
    /* Even the right password waits, from this address … */
    assert_null(login(&srv, "bumen", DEMO_PW));
    /* … while another client signs in. */
    http_set_source("127.0.0.2");
    char *tok = login(&srv, "bumen", DEMO_PW);
    assert_non_null(tok);
    free(tok);
    /* The refusals are a security event, recorded once per window (a
     * flood of refusals must not flood the audit log). */
    tok = login(&srv, "auditor", DEMO_PW);
    http_set_source(NULL);
    assert_non_null(tok);
    json_t *rows = NULL;
    assert_int_equal(api_get(&srv, tok, "/api/v1/audit?action=login_throttled", &rows), 200);
    assert_int_equal(json_integer_value(json_object_get(rows, "total")), 1);
    json_t *row = json_array_get(json_object_get(rows, "items"), 0);
    assert_string_equal(jstr(row, "client_ip"), "127.0.0.1");
    assert_string_equal(jstr(row, "outcome"), "failure");
    json_decref(rows);
    free(tok);
}

static void global_limit_holds_across_addresses(void **state)
{
    /* PER_ADDRESS failures are counted already; each new address adds
     * failures until the global limit, then everyone waits. */
    int refused = 0;
    for (int i = 0; i < GLOBAL && !refused; i++) {
        http_resp r;
        http_set_source(fmt("127.0.0.%d", 10 + i));
        refused = spray(fmt("roam%02d", i), &r) == 429;
        http_free(&r);
    }
    http_set_source(NULL);
    assert_true(refused);
    http_set_source("127.0.0.99");
    assert_null(login(&srv, "bumen", DEMO_PW));
    http_set_source(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sprayed_password_is_throttled_per_address),
        cmocka_unit_test(global_limit_holds_across_addresses),
    };
    return cmocka_run_group_tests_name("api_auth_throttle", tests, setup, teardown);
}
