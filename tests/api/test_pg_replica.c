/* test_pg_replica.c — serve --db-replica on a real streaming replica
 * (scripts/pg-temp.sh start-replica: pg_basebackup -R of a throwaway
 * primary). With the replica's replay paused (pg_wal_replay_pause), a
 * user who has just written still sees the write in the lists — on this
 * server and on a second server process sharing the databases, as
 * behind a load balancer — while another user's list reads are answered
 * by the replica (they see the data as it was when replay stopped), and
 * reads that are not read-heavy go to the primary. Once replay resumes
 * everyone sees everything. With the replica stopped, the lists are
 * answered by the primary. Needs its own clusters: skipped under
 * MINSHENG_TEST_PG_URI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "unit/pg_temp.h"

#define GRID "371702001001-01"   /* in shequ01's community */
#define LIST "/api/v1/households?page_size=20"

static test_server srv, srv2;    /* two server processes on the same primary and replica */
static char replica_dir[64], replica_uri[256];
static char *t_street, *t_comm;
static long long grid_id;

static int start_replica(void)
{
    snprintf(replica_dir, sizeof replica_dir, "/tmp/minsheng-pgr-XXXXXX");
    if (!mkdtemp(replica_dir))
        return -1;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "PG_TEMP_WATCH_PID=%d sh scripts/pg-temp.sh start-replica '%s' '%s'", (int)getpid(),
             cluster, replica_dir);
    FILE *p = popen(cmd, "r");
    if (!p || !fgets(replica_uri, sizeof replica_uri, p))
        replica_uri[0] = '\0';
    int rc = p ? pclose(p) : -1;
    replica_uri[strcspn(replica_uri, "\n")] = '\0';
    return rc == 0 && db_is_postgres(replica_uri) ? 0 : -1;
}

static void stop_replica(void)
{
    char cmd[256];
    if (!replica_dir[0])
        return;
    snprintf(cmd, sizeof cmd, "sh scripts/pg-temp.sh stop '%s'", replica_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "test_pg_replica: could not stop %s\n", replica_dir);
    replica_dir[0] = '\0';
}

static int setup(void **state)
{
    const char *given = getenv("MINSHENG_TEST_PG_URI");
    if (given && *given)
        return 0;   /* each test skips */
    if (start_cluster(state) != 0)
        return -1;
    if (start_replica() != 0) {
        fprintf(stderr, "test_pg_replica: the replica did not start\n");
        return -1;
    }
    const char *args[] = {"--db-replica", replica_uri, NULL};
    if (server_start_db(&srv, uri, 30, args) != 0)
        return -1;
    if (server_start_peer(&srv2, &srv, args) != 0)   /* a second machine's server */
        return -1;
    t_street = login(&srv, "jiedao", DEMO_PW);
    t_comm = login(&srv, "shequ01", DEMO_PW);
    if (!t_street || !t_comm)
        return -1;
    grid_id = org_id_by_code(&srv, t_street, GRID);
    return grid_id > 0 ? 0 : -1;
}

static int teardown(void **state)
{
    free(t_street);
    free(t_comm);
    int rc = 0;
    if (srv2.pid > 0)
        rc |= server_stop(&srv2);
    if (srv.pid > 0)
        rc |= server_stop(&srv);
    stop_replica();
    return stop_cluster(state) | rc;
}

static void skip_without_own_clusters(void)
{
    if (!cluster[0])
        skip();
}

/* Waits until the replica has replayed everything the primary has now. */
static void replica_catch_up(void)
{
    db_conn *p = pg_open_or_fail(uri), *r = pg_open_or_fail(replica_uri);
    char lsn[64];
    assert_true(db_one_text(p, lsn, sizeof lsn, "SELECT pg_current_wal_insert_lsn()::text"));
    int ok = 0;
    for (int i = 0; i < 400 && !ok; i++) {
        ok = db_one_int(r, 0, "SELECT pg_last_wal_replay_lsn() >= CAST(? AS pg_lsn)", DB_TEXT(lsn)) == 1;
        if (!ok)
            usleep(25 * 1000);
    }
    db_close(p);
    db_close(r);
    assert_true(ok);
}

static void replay(const char *what)   /* "pause" or "resume" */
{
    db_conn *r = pg_open_or_fail(replica_uri);
    assert_int_equal(db_exec(r, strcmp(what, "pause") == 0 ? "SELECT pg_wal_replay_pause()"
                                                           : "SELECT pg_wal_replay_resume()"),
                     DB_DONE);
    db_close(r);
}

static long long create_household(const char *tok, const char *code)
{
    json_t *h = api_expect(&srv, tok, "POST", "/api/v1/households",
                           fmt("{\"code\":\"%s\",\"grid_id\":%lld,\"address\":\"菏泽市牡丹区副本路1号\"}", code, grid_id),
                           201);
    long long id = jint(h, "id");
    json_decref(h);
    return id;
}

static void readers_see_their_own_writes_others_read_the_replica(void **state)
{
    skip_without_own_clusters();
    replica_catch_up();
    long long street = api_total(&srv, t_street, LIST);
    long long comm = api_total(&srv, t_comm, LIST);
    assert_true(street > comm && comm > 0);

    replay("pause");
    long long id = create_household(t_street, "REPLICA-1");
    /* The writer sees the write at once, on either server … */
    assert_int_equal(api_total(&srv, t_street, LIST), street + 1);
    assert_int_equal(api_total(&srv2, t_street, LIST), street + 1);
    json_t *st = api_get_ok(&srv2, t_street, "/api/v1/stats/org-units");
    json_decref(st);
    /* … the community worker's lists come from the paused replica … */
    assert_int_equal(api_total(&srv, t_comm, LIST), comm);
    assert_int_equal(api_total(&srv2, t_comm, LIST), comm);
    /* An exact search is a read-heavy route that writes (its rate-limit
     * event and audit row): those go to the primary, and it answers. */
    json_t *ex = api_get_ok(&srv2, t_comm, fmt("/api/v1/residents?id_number=%s", fresh_id("110105")));
    assert_int_equal(jint(ex, "total"), 0);
    json_decref(ex);
    /* … while a read that is not read-heavy (one record) is the primary's. */
    json_t *one = api_get_ok(&srv, t_comm, fmt("/api/v1/households/%lld", id));
    assert_string_equal(jstr(one, "code"), "REPLICA-1");
    json_decref(one);

    replay("resume");
    replica_catch_up();
    assert_int_equal(api_total(&srv, t_comm, LIST), comm + 1);
    assert_int_equal(api_total(&srv2, t_street, LIST), street + 1);

    /* Now the street worker's write is on the replica: their lists are
     * the replica's too, and do not show the community worker's write
     * made after replay stopped again, which its writer does see. */
    replay("pause");
    create_household(t_comm, "REPLICA-2");
    assert_int_equal(api_total(&srv2, t_comm, LIST), comm + 2);
    assert_int_equal(api_total(&srv, t_street, LIST), street + 1);
    replay("resume");
    replica_catch_up();
    assert_int_equal(api_total(&srv, t_street, LIST), street + 2);
}

/* The replica gone: the lists are answered by the primary, right at once. */
static void replica_down_falls_back_to_the_primary(void **state)
{
    skip_without_own_clusters();
    replica_catch_up();
    long long comm = api_total(&srv, t_comm, LIST);
    stop_replica();
    for (int i = 0; i < 3; i++) {
        assert_int_equal(api_total(&srv, t_comm, LIST), comm);
        assert_int_equal(api_total(&srv2, t_comm, LIST), comm);
    }
    create_household(t_comm, "REPLICA-3");
    assert_int_equal(api_total(&srv, t_comm, LIST), comm + 1);
    assert_int_equal(api_total(&srv2, t_street, LIST), api_total(&srv, t_street, LIST));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(readers_see_their_own_writes_others_read_the_replica),
        cmocka_unit_test(replica_down_falls_back_to_the_primary),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
