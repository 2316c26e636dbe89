/* test_pg_shared.c — two `minsheng serve` processes on one PostgreSQL
 * database (a throwaway cluster, tests/unit/pg_temp.h), as two machines
 * behind a load balancer would run (issue 8): nothing a request leaves
 * behind may live in one process's memory. A session made on A works
 * on B and its sign-out on A ends it on B; a cursor from A pages on B;
 * failed sign-ins on A and B add up to the account's lockout and to the
 * per-address throttle (also when they arrive at once); a TOTP code
 * used on A is refused on B; the per-user limit of exact searches
 * counts both; an audit chain both write at once still verifies; and a
 * server starting on the database leaves another machine's live import
 * batch alone (its pid is not one of this machine's). The second server
 * comes from harness server_start_peer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <liboath/oath.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "unit/pg_temp.h"

#define PER_ADDRESS 8

static test_server a, b;
static const char *const ARGS[] = {"--login-failures-per-address", "8", "--login-failures-global", "1000", NULL};

static int setup(void **state)
{
    oath_init();
    /* On the suite's PostgreSQL run server_start makes a database of its
     * own in the run's cluster; otherwise a throwaway cluster. */
    if (!test_engine_pg() && start_cluster(state) != 0)
        return -1;
    if (server_start_db(&a, test_engine_pg() ? NULL : uri, 20, ARGS) != 0 || server_start_peer(&b, &a, ARGS) != 0) {
        server_stop(&a);
        stop_cluster(state);
        return -1;
    }
    if (test_engine_pg())   /* what the tests read behind the servers */
        snprintf(uri, sizeof uri, "%.255s", a.db);
    return 0;
}

static int teardown(void **state)
{
    http_set_source(NULL);
    oath_done();
    int rc = server_stop(&b);
    rc |= server_stop(&a);
    return stop_cluster(state) | rc;
}

static long sign_in(const test_server *s, const char *user, const char *pw, const char *extra, json_t **out)
{
    return api_send(s, "POST", NULL, "/api/v1/auth/login",
                    fmt("{\"username\":\"%s\",\"password\":\"%s\"%s}", user, pw, extra ? extra : ""), out);
}

/* The status of a sign-in with a wrong password. */
static long sign_in_wrong(const test_server *s, const char *user)
{
    return sign_in(s, user, "Wrong#Pass2026", NULL, NULL);
}

static long long db_int(const char *sql)
{
    char err[256];
    db_conn *db = db_open(uri, err, sizeof err);
    assert_non_null(db);
    long long n = db_one_int(db, -1, sql);
    db_close(db);
    return n;
}

/* ---- sessions ------------------------------------------------------------- */

static void session_from_a_works_on_b(void **state)
{
    char *tok = login(&a, "jiedao", DEMO_PW);
    assert_non_null(tok);
    json_t *me = api_get_ok(&b, tok, "/api/v1/auth/me");
    assert_string_equal(jstr(me, "username"), "jiedao");
    json_decref(me);
    /* A cursor A gave pages on B (sealed under the key file's subkey). */
    json_t *p1 = api_get_ok(&a, tok, "/api/v1/residents?page_size=20");
    const char *next = jstr(p1, "next_cursor");
    assert_non_null(next);
    json_t *p2 = api_get_ok(&b, tok, fmt("/api/v1/residents?page_size=20&cursor=%s", urlenc(next)));
    assert_true(json_array_size(json_object_get(p2, "items")) > 0);
    assert_true(jint(json_array_get(json_object_get(p2, "items"), 0), "id") !=
                jint(json_array_get(json_object_get(p1, "items"), 0), "id"));
    json_decref(p1);
    json_decref(p2);
    free(tok);
}

static void sign_out_on_a_ends_the_session_on_b(void **state)
{
    char *tok = login(&b, "shequ01", DEMO_PW);
    assert_non_null(tok);
    assert_int_equal(api_get(&b, tok, "/api/v1/auth/me", NULL), 200);
    json_decref(api_expect(&a, tok, "POST", "/api/v1/auth/logout", "{}", 200));
    assert_int_equal(api_get(&b, tok, "/api/v1/auth/me", NULL), 401);
    assert_int_equal(api_get(&a, tok, "/api/v1/auth/me", NULL), 401);
    free(tok);
}

/* ---- lockout and throttles ---------------------------------------------------- */

static void failures_on_a_and_b_add_up_to_the_lockout(void **state)
{
    http_set_source("127.0.0.21");
    /* 5 failures lock the account: two on A, two on B, the fifth on A. */
    assert_int_equal(sign_in_wrong(&a, "wangge0102"), 401);
    assert_int_equal(sign_in_wrong(&b, "wangge0102"), 401);
    assert_int_equal(sign_in_wrong(&a, "wangge0102"), 401);
    assert_int_equal(sign_in_wrong(&b, "wangge0102"), 401);
    assert_int_equal(sign_in_wrong(&a, "wangge0102"), 401);
    /* Locked everywhere: the right password is refused on B. */
    assert_int_equal(sign_in(&b, "wangge0102", DEMO_PW, NULL, NULL), 401);
    http_set_source(NULL);
    assert_int_equal(db_int("SELECT COUNT(*) FROM audit_log WHERE action = 'login_locked' AND username = 'wangge0102'"), 1);
    assert_int_equal(db_int("SELECT COUNT(*) FROM audit_log WHERE action = 'login_refused_locked'"
                            " AND username = 'wangge0102'"), 1);
}

static void per_address_limit_counts_both_servers(void **state)
{
    http_set_source("127.0.0.31");
    for (int i = 0; i < PER_ADDRESS; i++)   /* unknown names: no account is locked */
        assert_int_equal(sign_in_wrong(i % 2 ? &b : &a, fmt("nobody%02d", i)), 401);
    http_resp r;
    const char *body = "{\"username\":\"bumen\",\"password\":\"x\"}";
    assert_int_equal(http(&a, "POST", "/api/v1/auth/login", NULL, body, strlen(body), NULL, &r), 0);
    assert_int_equal(r.status, 429);
    assert_true(atoi(r.retry_after) >= 1 && atoi(r.retry_after) <= 60);
    http_free(&r);
    assert_int_equal(sign_in(&b, "bumen", DEMO_PW, NULL, NULL), 429);
    /* Another address signs in on either. */
    http_set_source("127.0.0.32");
    assert_int_equal(sign_in(&b, "bumen", DEMO_PW, NULL, NULL), 200);
    http_set_source(NULL);
    /* One security event for the window, whichever server refused first. */
    assert_int_equal(db_int("SELECT COUNT(*) FROM audit_log WHERE action = 'login_throttled'"
                            " AND client_ip = '127.0.0.31'"), 1);
}

/* n failed sign-ins from one address at once, every other one to B:
 * how many were answered 401 (counted) and 429 (throttled). */
static void sign_in_at_once(int n, int *counted, int *throttled)
{
    pid_t pids[64];
    assert_true(n <= 64);
    http_set_source("127.0.0.41");
    for (int i = 0; i < n; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            long st = sign_in_wrong(i % 2 ? &b : &a, fmt("rush%02d", i));
            _exit(st == 401 ? 0 : st == 429 ? 1 : 2);
        }
    }
    *counted = *throttled = 0;
    for (int i = 0; i < n; i++) {
        int st;
        assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) <= 1);
        (WEXITSTATUS(st) == 0 ? (*counted)++ : (*throttled)++);
    }
    http_set_source(NULL);
}

static void concurrent_attempts_on_both_stop_at_the_limit(void **state)
{
    int counted, throttled;
    sign_in_at_once(24, &counted, &throttled);
    assert_int_equal(counted, PER_ADDRESS);
    assert_int_equal(throttled, 24 - PER_ADDRESS);
    assert_int_equal(db_int("SELECT attempts FROM login_throttle WHERE subject = '127.0.0.41'"), PER_ADDRESS);
}

/* ---- second factor ------------------------------------------------------------ */

static void totp_code_used_on_a_is_refused_on_b(void **state)
{
    char *tok = login(&a, "shequ02", DEMO_PW);
    assert_non_null(tok);
    json_t *j = api_expect(&a, tok, "POST", "/api/v1/auth/totp/enroll", "{}", 200);
    char secret[64];
    snprintf(secret, sizeof secret, "%s", jstr(j, "secret"));
    json_decref(j);
    json_decref(api_expect(&b, tok, "POST", "/api/v1/auth/totp/confirm",
                           fmt("{\"code\":\"%s\"}", totp_code_at(secret, time(NULL))), 200));
    free(tok);
    /* The next step's code signs in once, on A … */
    char code[8];
    snprintf(code, sizeof code, "%s", totp_code_at(secret, time(NULL) + 30));
    assert_int_equal(sign_in(&a, "shequ02", DEMO_PW, fmt(",\"totp\":\"%s\"", code), NULL), 200);
    /* … and never again, on B either. */
    json_t *err = NULL;
    assert_int_equal(sign_in(&b, "shequ02", DEMO_PW, fmt(",\"totp\":\"%s\"", code), &err), 401);
    assert_string_equal(err_code(err), "totp_required");
    json_decref(err);
}

/* ---- per-user rate limits -------------------------------------------------------- */

static void exact_search_limit_counts_both_servers(void **state)
{
    char *tok = login(&a, "wangge0201", DEMO_PW);
    assert_non_null(tok);
    for (int i = 0; i < 30; i++)   /* 30 a minute per user */
        json_decref(api_get_ok(i % 2 ? &b : &a, tok, fmt("/api/v1/residents?phone=1390000%04d", i)));
    assert_int_equal(api_get(&a, tok, "/api/v1/residents?phone=13900009999", NULL), 429);
    assert_int_equal(api_get(&b, tok, "/api/v1/residents?phone=13900009999", NULL), 429);
    json_decref(api_get_ok(&b, tok, "/api/v1/residents?page_size=20"));   /* other lists still work */
    free(tok);
}

/* ---- the audit chain ------------------------------------------------------------- */

static void audit_chain_written_by_both_verifies(void **state)
{
    enum { EACH = 10 };
    char *tok = login(&a, "jiedao", DEMO_PW);
    assert_non_null(tok);
    long long grid = org_id_by_code(&a, tok, "371702001001-01");
    assert_true(grid > 0);
    long long before = db_int("SELECT COUNT(*) FROM audit_log WHERE action = 'create' AND entity = 'household'");
    pid_t pids[2];
    for (int k = 0; k < 2; k++) {
        pids[k] = fork();
        assert_true(pids[k] >= 0);
        if (pids[k] == 0) {
            int bad = 0;
            for (int i = 0; i < EACH; i++)
                bad |= api_send(k ? &b : &a, "POST", tok, "/api/v1/households",
                                fmt("{\"code\":\"SHARED-%d-%02d\",\"grid_id\":%lld,\"address\":\"共享测试路%d号\"}", k, i,
                                    grid, i + 1),
                                NULL) != 201;
            _exit(bad);
        }
    }
    for (int k = 0; k < 2; k++) {
        int st;
        assert_int_equal(waitpid(pids[k], &st, 0), pids[k]);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    free(tok);
    assert_int_equal(db_int("SELECT COUNT(*) FROM audit_log WHERE action = 'create' AND entity = 'household'"),
                     before + 2 * EACH);
    char out[300];
    snprintf(out, sizeof out, "%s/verify.txt", a.dir);
    static const char *const VERIFY[] = {"audit", "verify", NULL};
    int rc = run_cli(&a, VERIFY, out, NULL);
    char *text = read_whole_file(out, NULL);
    if (rc != 0)
        print_error("audit verify: %s\n", text ? text : "");
    assert_int_equal(rc, 0);
    free(text);
}

/* ---- import batches of another machine ------------------------------------------- */

/* A pid no process of this machine has. */
static long free_pid(void)
{
    for (long pid = 4194303; pid > 1000; pid -= 7)
        if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
            return pid;
    fail();
    return 0;
}

static void start_and_stop_another_server(void)
{
    test_server c;
    assert_int_equal(server_start_peer(&c, &a, ARGS), 0);
    assert_int_equal(server_stop(&c), 0);
}

static void another_hosts_live_import_is_left_alone(void **state)
{
    char err[256], sql[600];
    db_conn *db = db_open(uri, err, sizeof err);
    assert_non_null(db);
    snprintf(sql, sizeof sql,
             "INSERT INTO import_batch(username, mode, state, host, pid, heartbeat, started_at)"
             " VALUES ('cli', 'all', 'running', 'another-machine.invalid', %ld, %lld, '2026-12-07 00:00:00')",
             free_pid(), (long long)time(NULL));
    assert_int_equal(db_exec(db, sql), DB_DONE);
    long long id = db_one_int(db, 0, "SELECT MAX(id) FROM import_batch");
    db_close(db);
    /* A server starting now undoes interrupted imports: not this one,
     * whose heartbeat is fresh … */
    start_and_stop_another_server();
    assert_int_equal(db_int(fmt("SELECT COUNT(*) FROM import_batch WHERE id = %lld AND state = 'running'", id)), 1);
    /* … until it stops beating. */
    db = db_open(uri, err, sizeof err);
    assert_non_null(db);
    assert_int_equal(db_exec_args(db, "UPDATE import_batch SET heartbeat = ? WHERE id = ?",
                                  DB_INT((int64_t)time(NULL) - 3600), DB_INT(id)), DB_DONE);
    db_close(db);
    start_and_stop_another_server();
    assert_int_equal(db_int(fmt("SELECT COUNT(*) FROM import_batch WHERE id = %lld AND state = 'failed'", id)), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(session_from_a_works_on_b),
        cmocka_unit_test(sign_out_on_a_ends_the_session_on_b),
        cmocka_unit_test(failures_on_a_and_b_add_up_to_the_lockout),
        cmocka_unit_test(per_address_limit_counts_both_servers),
        cmocka_unit_test(concurrent_attempts_on_both_stop_at_the_limit),
        cmocka_unit_test(totp_code_used_on_a_is_refused_on_b),
        cmocka_unit_test(exact_search_limit_counts_both_servers),
        cmocka_unit_test(audit_chain_written_by_both_verifies),
        cmocka_unit_test(another_hosts_live_import_is_left_alone),
    };
    return cmocka_run_group_tests_name("api_pg_shared", tests, setup, teardown);
}
