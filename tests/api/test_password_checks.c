/* test_password_checks.c — the cap on Argon2id runs at once (auth/
 * throttle.c, at most `serve --password-checks`, default 2: each run
 * holds 64 MiB). Twenty sign-ins and six account creations (each hashes
 * a new password) sent at once all succeed — the runs beyond the cap
 * queue — and the server never runs more than two at once. The test
 * build logs the number running each time one starts
 * ("minsheng-test: password checks at once: N"), which the test reads
 * from the server's log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define LOGINS 20
#define CREATES 6
#define CAP 2

static test_server srv;

static int setup(void **state)
{
    /* The sign-in throttles count attempts that have not yet succeeded:
     * 20 at once from one address would meet the per-address limit. */
    static const char *const args[] = {"--login-failures-per-address", "0", "--login-failures-global", "0", NULL};
    return server_start(&srv, 5, args);
}

static int teardown(void **state)
{
    return server_stop(&srv);
}

typedef struct job {
    const char *path, *token;
    char body[256];
    long status;
} job;

/* Runs in its own thread: no cmocka assertion here, only the status. */
static void *send_one(void *arg)
{
    job *j = arg;
    http_resp r;
    j->status = http(&srv, "POST", j->path, j->token, j->body, strlen(j->body), NULL, &r) == 0 ? r.status : -1;
    if (j->status >= 0)
        http_free(&r);
    return NULL;
}

/* The largest N of the log's "password checks at once: N" lines, and how
 * many there were. */
static int peak_checks(int *lines)
{
    char *log = read_whole_file(srv.log, NULL);
    assert_non_null(log);
    static const char MARK[] = "minsheng-test: password checks at once: ";
    int peak = 0;
    *lines = 0;
    for (const char *p = strstr(log, MARK); p; p = strstr(p + 1, MARK)) {
        int n = atoi(p + strlen(MARK));
        (*lines)++;
        if (n > peak)
            peak = n;
    }
    free(log);
    return peak;
}

static void parallel_logins_and_hashes_stay_within_the_cap(void **state)
{
    char *admin = login(&srv, "admin", DEMO_PW);
    assert_non_null(admin);
    long long grid = org_id_by_code(&srv, admin, "371702001001-01");
    assert_true(grid > 0);
    int before;
    peak_checks(&before);

    job jobs[LOGINS + CREATES];
    pthread_t th[LOGINS + CREATES];
    for (int i = 0; i < LOGINS + CREATES; i++) {
        jobs[i] = (job){.path = i < LOGINS ? "/api/v1/auth/login" : "/api/v1/users", .token = i < LOGINS ? NULL : admin};
        if (i < LOGINS)
            snprintf(jobs[i].body, sizeof jobs[i].body, "{\"username\":\"jiedao\",\"password\":\"%s\"}", DEMO_PW);
        else
            snprintf(jobs[i].body, sizeof jobs[i].body,
                     "{\"username\":\"cap%02d\",\"role\":\"grid\",\"org_unit_id\":%lld,\"password\":\"Queue#Tea2026x\"}",
                     i, grid);
    }
    for (int i = 0; i < LOGINS + CREATES; i++)
        assert_int_equal(pthread_create(&th[i], NULL, send_one, &jobs[i]), 0);
    for (int i = 0; i < LOGINS + CREATES; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < LOGINS + CREATES; i++) {
        if (jobs[i].status != (i < LOGINS ? 200 : 201))
            fail_msg("request %d (%s) answered %ld", i, jobs[i].path, jobs[i].status);
    }

    int lines;
    int peak = peak_checks(&lines);
    /* Every Argon2 run went through the cap (sign-ins and new accounts'
     * hashes alike), and never more than CAP ran at once. */
    assert_true(lines - before >= LOGINS + CREATES);
    assert_true(peak >= 1);
    assert_true(peak <= CAP);
    free(admin);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parallel_logins_and_hashes_stay_within_the_cap),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
