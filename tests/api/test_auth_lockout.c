/* test_auth_lockout.c — the lockout holds under parallel guesses (the
 * attempt is reserved before the password check), and a failed sign-in
 * looks the same — status, body and time — whether the name is unknown,
 * the password wrong, the account locked or disabled. Against the real
 * server (per-address throttle off here; test_auth_throttle.c has it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* Far longer than 40 refused attempts take (each runs one Argon2 check,
 * two at a time: 20 s on a busy machine), so the lock cannot run out
 * during the guesses. That a lock runs out is test_auth.c's. */
#define LOCK_SECONDS "600"

static test_server srv;

static int setup(void **state)
{
    static const char *const args[] = {"--lockout-seconds", LOCK_SECONDS, "--login-failures-per-address", "0",
                                       "--threads", "8",
                                       /* 40 guesses at once from one address: above the default 32 */
                                       "--max-conn-per-ip", "0", NULL};
    return server_start(&srv, 5, args);
}

static int teardown(void **state)
{
    return server_stop(&srv);
}

static long long user_id_of(const char *username)
{
    char *tok = login(&srv, username, DEMO_PW);
    assert_non_null(tok);
    json_t *me = api_get_ok(&srv, tok, "/api/v1/auth/me");
    long long id = jint(me, "id");
    json_decref(me);
    free(tok);
    return id;
}

/* Audit rows of `action` for user id uid. */
static long long audit_count(const char *action, long long uid)
{
    char *tok = login(&srv, "auditor", DEMO_PW);
    assert_non_null(tok);
    long long n = api_total(&srv, tok, fmt("/api/v1/audit?action=%s&user_id=%lld&page_size=1", action, uid));
    free(tok);
    return n;
}

typedef struct guess {
    const char *body;
    long status;
} guess;

static void *guess_once(void *arg)
{
    guess *g = arg;
    http_resp r;
    g->status = http(&srv, "POST", "/api/v1/auth/login", NULL, g->body, strlen(g->body), NULL, &r) == 0 ? r.status : -1;
    if (g->status >= 0)
        http_free(&r);
    return NULL;
}

static void parallel_guesses_check_at_most_five_passwords(void **state)
{
    enum { N = 40 };
    static const char BODY[] = "{\"username\":\"shequ01\",\"password\":\"Wrong#Guess2026\"}";
    long long uid = user_id_of("shequ01");
    pthread_t th[N];
    guess g[N];
    for (int i = 0; i < N; i++) {
        g[i].body = BODY;
        assert_int_equal(pthread_create(&th[i], NULL, guess_once, &g[i]), 0);
    }
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    /* Each real password check leaves login_failed or login_locked; the
     * refused ones leave login_refused_locked. */
    long long checked = audit_count("login_failed", uid) + audit_count("login_locked", uid);
    if (checked > 5)
        print_error("%lld password checks for 40 parallel guesses (limit 5)\n", checked);
    assert_true(checked <= 5);
    assert_int_equal(audit_count("login_locked", uid), 1);
    for (int i = 0; i < N; i++)
        assert_int_equal(g[i].status, 401);
    /* The right password is refused while the lock holds. */
    assert_null(login(&srv, "shequ01", DEMO_PW));
}

/* ---- enumeration ----------------------------------------------------------- */

typedef struct answer {
    long status;
    char body[512];
    double ms;
} answer;

static void try_login(const char *user, const char *pw, answer *a)
{
    char body[256];
    http_resp r;
    struct timespec t0, t1;
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", user, pw);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(http(&srv, "POST", "/api/v1/auth/login", NULL, body, strlen(body), NULL, &r), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    a->status = r.status;
    snprintf(a->body, sizeof a->body, "%s", r.body);
    a->ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    http_free(&r);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

enum { SAMPLES = 3, KINDS = 4 };

/* One try of `user`; its answer must equal *ref (when ref->status is
 * set, else it becomes the reference). Returns the time in ms. */
static double one_answer(const char *user, const char *pw, answer *ref, const char *label)
{
    answer a;
    try_login(user, pw, &a);
    if (!ref->status)
        *ref = a;
    if (a.status != ref->status || strcmp(a.body, ref->body) != 0)
        print_error("%s: %ld %s\n  differs from %ld %s\n", label, a.status, a.body, ref->status, ref->body);
    assert_int_equal(a.status, ref->status);
    assert_string_equal(a.body, ref->body);
    return a.ms;
}

static double median(double *ms)
{
    qsort(ms, SAMPLES, sizeof ms[0], cmp_double);
    return ms[SAMPLES / 2];
}

static void unknown_wrong_locked_disabled_look_the_same(void **state)
{
    /* Disable wangge0201 and lock shequ02 first. */
    char *admin = login(&srv, "admin", DEMO_PW);
    assert_non_null(admin);
    long long wg = user_id_of("wangge0201");
    json_decref(api_expect(&srv, admin, "PATCH", fmt("/api/v1/users/%lld", wg), "{\"disabled\":true}", 200));
    free(admin);
    answer ref = {0};
    for (int i = 0; i < 5; i++)
        try_login("shequ02", "Wrong#Guess2026", &ref);
    memset(&ref, 0, sizeof ref);

    /* The four kinds in turns, SAMPLES rounds: a burst of load on the
     * machine falls on every kind alike, not on one kind's samples. */
    static const struct { const char *user, *pw, *label; } KIND[KINDS] = {
        {"wangge0101", "Wrong#Guess2026", "wrong password"},
        {"nobody_here", "Wrong#Guess2026", "unknown user"},
        {"shequ02", DEMO_PW, "locked account"},
        {"wangge0201", DEMO_PW, "disabled account"},
    };
    double ms[KINDS][SAMPLES];
    for (int i = 0; i < SAMPLES; i++)
        for (int k = 0; k < KINDS; k++) {
            ms[k][i] = one_answer(KIND[k].user, KIND[k].pw, &ref, KIND[k].label);
            if (k == 0)
                assert_int_equal(ref.status, 401);
        }
    double wrong = median(ms[0]), unknown = median(ms[1]), locked = median(ms[2]), disabled = median(ms[3]);
    print_message("median ms: wrong %.1f, unknown %.1f, locked %.1f, disabled %.1f\n", wrong, unknown, locked,
                  disabled);
    assert_true(unknown >= 0.5 * wrong);
    assert_true(locked >= 0.5 * wrong);
    assert_true(disabled >= 0.5 * wrong);

    /* The audit log still tells them apart. */
    char *tok = login(&srv, "auditor", DEMO_PW);
    assert_non_null(tok);
    assert_true(api_total(&srv, tok, "/api/v1/audit?action=login_refused_locked&page_size=1") >= SAMPLES);
    assert_true(api_total(&srv, tok, "/api/v1/audit?action=login_refused_disabled&page_size=1") >= SAMPLES);
    free(tok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parallel_guesses_check_at_most_five_passwords),
        cmocka_unit_test(unknown_wrong_locked_disabled_look_the_same),
    };
    return cmocka_run_group_tests_name("api_auth_lockout", tests, setup, teardown);
}
