/* test_import_batches.c — large imports in batches (issue 6, finding 11;
 * docs/api.md "Import", docs/design.md "Imports in batches").
 *
 * - While a 20,000-row import runs through the API, other clients'
 *   writes succeed (no 503) and the slowest stays well under a second
 *   (printed); lists and statistics show the rows before or after the
 *   import, never part of it; a second import meanwhile is 409. Before,
 *   the import held the write lock for its whole run.
 * - An all-or-nothing import that fails late (a row whose ID number is
 *   already registered, found only when it is written) leaves nothing:
 *   the batch ends `failed` and an import_undo row is in the audit log.
 * - kill -9 of the server in the middle of an import, then a restart:
 *   nothing of the batch is left, the batch is `failed`, the undo is
 *   audited and `audit verify` passes.
 * - A client that closes the connection in the middle of an import:
 *   the import stops at its next transaction and is undone.
 * - `minsheng import --undo BATCH` deletes a committed import (audited,
 *   state `undone`), once, and refuses one whose data changed since.
 * - Households and residents registered through the API between an
 *   import's transactions keep their ids, every ID number decrypts under
 *   its row's id, and the counts stay exact (`minsheng check`). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "harness.h"
#include "storage/db.h"

#define ROWS 20000
#define GRID_CODE "371702001001-01"

static test_server srv;
static char *t_admin, *t_street, *t_c01, *t_auditor;
static long long grid;

static int setup(void **state)
{
    (void)state;
    if (server_start(&srv, 300, NULL) != 0)
        return -1;
    t_admin = login(&srv, "jiedao", DEMO_PW);   /* street staff: the admin reads no registry */
    t_street = login(&srv, "jiedao", DEMO_PW);
    t_c01 = login(&srv, "shequ01", DEMO_PW);
    t_auditor = login(&srv, "auditor", DEMO_PW);
    grid = org_id_by_code(&srv, t_admin, GRID_CODE);
    return t_admin && t_street && t_c01 && t_auditor && grid > 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(t_admin);
    free(t_street);
    free(t_c01);
    free(t_auditor);
    return server_stop(&srv);
}

static double now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return tv.tv_sec * 1000.0 + tv.tv_usec / 1000.0;
}

/* The n-th ID number of this file's own sequence (region 120101, which
 * the demo does not use): 999 per birth date. */
static const char *nth_id(unsigned n, char out[19])
{
    char first17[40];
    unsigned day = n / 999;
    snprintf(first17, sizeof first17, "120101%04u%02u%02u%03u", 1950 + day / 336, 1 + (day / 28) % 12,
             1 + day % 28, 1 + n % 999);
    return id_with_check(first17, out);
}

/* A CSV of `rows` residents in pairs (head and spouse) of new households
 * "IMPB-<tag>-nnnnn" on GRID_CODE, ID numbers from nth_id(first + i).
 * When last_id is given, the last row carries it instead. */
static char *make_csv(const char *tag, unsigned first, int rows, const char *last_id, size_t *len)
{
    static const char *const names[] = {"王建国", "李秀兰", "张志强", "刘桂英", "陈晓明", "杨丽娟"};
    size_t cap = (size_t)rows * 160 + 256, n = 0;
    char *csv = malloc(cap), idn[19];
    assert_non_null(csv);
    n += (size_t)snprintf(csv + n, cap - n, "姓名,身份证号,与户主关系,网格编码,户编号,地址\n");
    for (int i = 0; i < rows; i++) {
        const char *id = i == rows - 1 && last_id ? last_id : nth_id(first + (unsigned)i, idn);
        n += (size_t)snprintf(csv + n, cap - n, "%s%s,%s,%s,%s,IMPB-%s-%05d,菏泽市牡丹区批次路%d号\n", names[i % 6], cn_number((unsigned)i),
                              id, i % 2 ? "配偶" : "户主", GRID_CODE, tag, i / 2, i / 2);
        assert_true(n < cap - 256);
    }
    *len = n;
    return csv;
}

typedef struct import_job {
    const char *csv;
    size_t len;
    const char *query;
    long status;
    json_t *report;
    volatile int done;
} import_job;

static void *run_import(void *arg)
{
    import_job *j = arg;
    http_resp r;
    char path[160];
    j->status = -1;
    snprintf(path, sizeof path, "/api/v1/import/residents%s", j->query ? j->query : "");
    if (http(&srv, "POST", path, t_admin, j->csv, j->len, "text/csv", &r) == 0) {
        j->status = r.status;
        j->report = r.json ? json_incref(r.json) : NULL;
        http_free(&r);
    }
    j->done = 1;
    return NULL;
}

/* (No fmt() here: these run in threads, and fmt's buffers are shared.) */
static long long residents_in_grid(void)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/residents?org_unit_id=%lld&page_size=20", grid);
    return api_total(&srv, t_admin, path);
}

static long long households_in_grid(void)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/households?org_unit_id=%lld&page_size=20", grid);
    return api_total(&srv, t_admin, path);
}

static long long stats_total(void)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/stats/tags?org_unit_id=%lld", grid);
    json_t *j = api_get_ok(&srv, t_admin, path);
    long long n = jint(j, "total_residents");
    json_decref(j);
    return n;
}

/* ---- other writers during an import ------------------------------------------ */

typedef struct writer_job {
    long long rid;
    const import_job *imp;
    int writes, busy, failed;
    double slowest_ms;
} writer_job;

/* PATCHes one resident's notes again and again while the import runs. */
static void *write_during(void *arg)
{
    writer_job *w = arg;
    char body[96], p[64];
    snprintf(p, sizeof p, "/api/v1/residents/%lld", w->rid);
    while (!w->imp->done) {
        http_resp r;
        snprintf(body, sizeof body, "{\"notes\":\"导入期间第%d次修改\"}", w->writes);
        double t0 = now_ms();
        int ok = http(&srv, "PATCH", p, t_street, body, strlen(body), NULL, &r) == 0;
        double ms = now_ms() - t0;
        if (ms > w->slowest_ms)
            w->slowest_ms = ms;
        w->writes++;
        if (!ok || r.status != 200) {
            if (ok && r.status == 503)
                w->busy++;
            else
                w->failed++;
        }
        if (ok)
            http_free(&r);
        usleep(20 * 1000);
    }
    return NULL;
}

typedef struct reader_job {
    const import_job *imp;
    long long res_before, res_after, hh_before, hh_after, stats_before;
    int reads, partial;
    long long seen;
} reader_job;

/* Counts through the list, the household list and the statistics: each
 * must be the figure before the import or after it. */
static void *read_during(void *arg)
{
    reader_job *r = arg;
    while (!r->imp->done) {
        long long res = residents_in_grid(), hh = households_in_grid(), st = stats_total();
        r->reads++;
        if ((res != r->res_before && res != r->res_after) || (hh != r->hh_before && hh != r->hh_after) ||
            (st != r->stats_before && st != r->stats_before + (r->res_after - r->res_before))) {
            r->partial++;
            r->seen = res;
        }
        usleep(50 * 1000);
    }
    return NULL;
}

static long long new_resident(const char *code, const char *idn)
{
    json_t *h = api_expect(&srv, t_admin, "POST", "/api/v1/households",
                           fmt("{\"code\":\"%s\",\"grid_id\":%lld,\"address\":\"菏泽市牡丹区测试路1号\"}", code, grid), 201);
    long long hh = jint(h, "id");
    json_decref(h);
    json_t *r = api_expect(&srv, t_admin, "POST", "/api/v1/residents",
                           fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"写入者\",\"relation\":\"户主\"}",
                               hh, idn), 201);
    long long rid = jint(r, "id");
    json_decref(r);
    return rid;
}

static void writers_and_readers_during_a_large_import(void **state)
{
    (void)state;
    char idn[19];
    writer_job w[2] = {{.rid = new_resident("IMPB-W1", nth_id(900000, idn))},
                       {.rid = new_resident("IMPB-W2", nth_id(900001, idn))}};
    reader_job rd = {.res_before = residents_in_grid(), .hh_before = households_in_grid(), .stats_before = stats_total()};
    rd.res_after = rd.res_before + ROWS;
    rd.hh_after = rd.hh_before + ROWS / 2;
    import_job imp = {.query = "?file_name=%E5%B1%85%E6%B0%91.csv"};
    char *csv = make_csv("A", 0, ROWS, NULL, &imp.len);
    imp.csv = csv;
    for (int i = 0; i < 2; i++)
        w[i].imp = &imp;
    rd.imp = &imp;

    pthread_t ti, tw[2], tr;
    double t0 = now_ms();
    assert_int_equal(pthread_create(&ti, NULL, run_import, &imp), 0);
    usleep(300 * 1000);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&tw[i], NULL, write_during, &w[i]), 0);
    assert_int_equal(pthread_create(&tr, NULL, read_during, &rd), 0);
    /* One import at a time: a second one meanwhile is refused, not queued. */
    size_t small_len;
    char *small = make_csv("B", 100000, 2, NULL, &small_len);
    http_resp r2;
    assert_int_equal(http(&srv, "POST", "/api/v1/import/residents", t_c01, small, small_len, "text/csv", &r2), 0);
    long second = r2.status;
    char retry[32] = "";
    resp_header(&r2, "Retry-After", retry, sizeof retry);
    http_free(&r2);
    free(small);
    pthread_join(ti, NULL);
    double import_ms = now_ms() - t0;
    for (int i = 0; i < 2; i++)
        pthread_join(tw[i], NULL);
    pthread_join(tr, NULL);
    free(csv);

    int writes = w[0].writes + w[1].writes, busy = w[0].busy + w[1].busy, failed = w[0].failed + w[1].failed;
    double slowest = w[0].slowest_ms > w[1].slowest_ms ? w[0].slowest_ms : w[1].slowest_ms;
    print_message("import of %d rows: %.0f ms; %d writes meanwhile, slowest %.0f ms, %d busy (503), %d failed; "
                  "%d list/stats reads, %d partial\n", ROWS, import_ms, writes, slowest, busy, failed, rd.reads,
                  rd.partial);
    if (imp.status != 200) {
        char *d = imp.report ? json_dumps(imp.report, JSON_COMPACT) : NULL;
        print_error("import -> %ld: %.400s\n", imp.status, d ? d : "");
        free(d);
    }
    assert_int_equal(imp.status, 200);
    assert_int_equal(jint(imp.report, "imported"), ROWS);
    assert_true(jint(imp.report, "batch") > 0);
    json_decref(imp.report);
    assert_true(second == 409);
    assert_true(atoi(retry) > 0);
    assert_true(writes >= 4);
    assert_int_equal(busy, 0);
    assert_int_equal(failed, 0);
    /* The import runs in batches, so no write waits for the whole of it:
     * the slowest write took under a quarter of the import's time. (How
     * long a write waits in absolute terms — ~0.26 s on SQLite, up to
     * ~1.3 s on PostgreSQL, where each resident also writes its search
     * terms — is a figure for bench/, not a bound for a test that runs on
     * a loaded machine: docs/postgresql.md, known gaps.) */
    assert_true(slowest < import_ms / 4);
    if (rd.partial)
        print_error("a list showed %lld residents: neither %lld nor %lld\n", rd.seen, rd.res_before, rd.res_after);
    assert_int_equal(rd.partial, 0);
    assert_true(rd.reads >= 2);
    assert_int_equal(residents_in_grid(), rd.res_after);
    assert_int_equal(households_in_grid(), rd.hh_after);
    assert_int_equal(stats_total(), rd.stats_before + ROWS);
    /* One audit row for the import, naming its batch and file. */
    json_t *a = api_get_ok(&srv, t_auditor, "/api/v1/audit?action=import&entity=resident");
    json_t *first = json_array_get(json_object_get(a, "items"), 0);
    assert_non_null(strstr(jstr(first, "detail"), "居民.csv"));
    assert_int_equal(jint(json_object_get(first, "after"), "imported"), ROWS);
    json_decref(a);
}

/* ---- a late error ---------------------------------------------------------------- */

static long long audit_count(const char *action)
{
    return api_total(&srv, t_auditor, fmt("/api/v1/audit?action=%s&page_size=1", action));
}

static void batch_state(long long id, char *out, size_t outsz, long long *left)
{
    char err[256];
    db_conn *db = db_open(srv.db, err, sizeof err);
    assert_non_null(db);
    db_one_text(db, out, outsz, "SELECT state FROM import_batch WHERE id = ?", DB_INT(id));
    *left = db_one_int(db, -1, "SELECT (SELECT COUNT(*) FROM resident WHERE import_batch_id = ?1)"
                               " + (SELECT COUNT(*) FROM household WHERE import_batch_id = ?1)", DB_INT(id));
    db_close(db);
}

static void late_error_leaves_nothing(void **state)
{
    (void)state;
    char idn[19], taken[19], st[32];
    new_resident("IMPB-T1", nth_id(900002, taken));
    long long res = residents_in_grid(), hh = households_in_grid(), undos = audit_count("import_undo");
    import_job imp = {.query = "?mode=all"};
    /* Every row is good on its own; the last one's ID number is already
     * registered, which shows only when that row is checked against the
     * registry (rows of the transaction still open then are rolled
     * back, the committed ones deleted). */
    char *csv = make_csv("C", 40000, ROWS, nth_id(900002, idn), &imp.len);
    imp.csv = csv;
    run_import(&imp);
    free(csv);
    assert_int_equal(imp.status, 400);
    json_t *rep = json_object_get(imp.report, "report");
    assert_int_equal(jint(rep, "imported"), 0);
    assert_int_equal(jint(rep, "error_rows"), 1);
    json_t *e = json_array_get(json_object_get(rep, "errors"), 0);
    assert_int_equal(jint(e, "row"), ROWS + 1);
    assert_string_equal(jstr(e, "field"), "id_number");
    long long batch = jint(rep, "batch");
    assert_true(batch > 0);
    json_decref(imp.report);
    /* Nothing of it is left, and the undo is audited. */
    assert_int_equal(residents_in_grid(), res);
    assert_int_equal(households_in_grid(), hh);
    long long left;
    batch_state(batch, st, sizeof st, &left);
    assert_string_equal(st, "failed");
    assert_int_equal(left, 0);
    assert_int_equal(audit_count("import_undo"), undos + 1);
    json_t *a = api_get_ok(&srv, t_auditor, "/api/v1/audit?action=import_undo");
    json_t *last = json_array_get(json_object_get(a, "items"), 0);
    assert_int_equal(jint(json_object_get(last, "after"), "batch"), batch);
    json_decref(a);
    /* The same file without the bad row imports. */
    csv = make_csv("C", 40000, ROWS - 1, NULL, &imp.len);
    imp.csv = csv;
    run_import(&imp);
    free(csv);
    assert_int_equal(imp.status, 200);
    assert_int_equal(jint(imp.report, "imported"), ROWS - 1);
    json_decref(imp.report);
    assert_int_equal(residents_in_grid(), res + ROWS - 1);
}

/* ---- kill -9 in the middle ------------------------------------------------------ */

static long long running_batch(long long *written)
{
    char err[256];
    db_conn *db = db_open(srv.db, err, sizeof err);
    if (!db)
        return 0;
    long long id = db_one_int(db, 0, "SELECT id FROM import_batch WHERE state = 'running'");
    *written = db_one_int(db, 0, "SELECT COUNT(*) FROM resident WHERE import_batch_id = ?", DB_INT(id));
    db_close(db);
    return id;
}

static void kill9_mid_import_leaves_nothing(void **state)
{
    (void)state;
    char idn[19];
    writer_job w = {.rid = new_resident("IMPB-K-W", nth_id(900004, idn))};
    long long res = residents_in_grid(), hh = households_in_grid(), undos = audit_count("import_undo");
    import_job imp = {0};
    char *csv = make_csv("K", 80000, ROWS, NULL, &imp.len);
    imp.csv = csv;
    w.imp = &imp;
    pthread_t ti, tw;
    assert_int_equal(pthread_create(&ti, NULL, run_import, &imp), 0);
    /* A writer meanwhile: the import then commits every IMPORT_TX_MS. */
    assert_int_equal(pthread_create(&tw, NULL, write_during, &w), 0);
    long long batch = 0, written = 0;
    for (int i = 0; i < 600 && !imp.done; i++) {
        batch = running_batch(&written);
        if (batch && written >= 4000)
            break;
        usleep(50 * 1000);
    }
    assert_false(imp.done);
    assert_true(written >= 4000);
    server_kill(&srv, SIGKILL);
    pthread_join(ti, NULL);
    pthread_join(tw, NULL);
    free(csv);
    assert_int_equal(imp.status, -1);             /* no answer: the server died */
    print_message("killed the server with %lld rows of batch %lld written\n", written, batch);

    assert_int_equal(server_launch(&srv, NULL), 0);
    free(t_admin);
    free(t_auditor);
    t_admin = login(&srv, "jiedao", DEMO_PW);   /* street staff: the admin reads no registry */
    t_auditor = login(&srv, "auditor", DEMO_PW);
    assert_non_null(t_admin);
    assert_non_null(t_auditor);
    char st[32];
    long long left;
    batch_state(batch, st, sizeof st, &left);
    assert_string_equal(st, "failed");
    assert_int_equal(left, 0);
    assert_int_equal(residents_in_grid(), res);
    assert_int_equal(households_in_grid(), hh);
    assert_int_equal(audit_count("import_undo"), undos + 1);
    const char *verify[] = {"audit", "verify", NULL};
    assert_int_equal(run_cli(&srv, verify, fmt("%s/verify.out", srv.dir), NULL), 0);
    /* The registry takes imports again. */
    csv = make_csv("K", 80000, 10, NULL, &imp.len);
    imp.csv = csv;
    imp.done = 0;
    run_import(&imp);
    free(csv);
    assert_int_equal(imp.status, 200);
    json_decref(imp.report);
    assert_int_equal(residents_in_grid(), res + 10);
}

/* ---- the client goes away ------------------------------------------------------ */

/* Sends the import over a plain socket and returns it, open. */
static int send_import(const char *csv, size_t len)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)srv.port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    char head[512];
    int n = snprintf(head, sizeof head,
                     "POST /api/v1/import/residents HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                     "Content-Type: text/csv\r\nContent-Length: %zu\r\n\r\n", t_admin, len);
    assert_int_equal(write(fd, head, (size_t)n), n);
    for (size_t off = 0; off < len;) {
        ssize_t w = write(fd, csv + off, len - off);
        assert_true(w > 0);
        off += (size_t)w;
    }
    return fd;
}

static void client_gone_mid_import_leaves_nothing(void **state)
{
    (void)state;
    char idn[19];
    import_job running = {0};
    writer_job w = {.rid = new_resident("IMPB-G-W", nth_id(900005, idn)), .imp = &running};
    long long res = residents_in_grid(), undos = audit_count("import_undo");
    size_t len;
    char *csv = make_csv("G", 140000, ROWS, NULL, &len);
    int fd = send_import(csv, len);
    free(csv);
    pthread_t tw;   /* a writer meanwhile: the import then commits every IMPORT_TX_MS */
    assert_int_equal(pthread_create(&tw, NULL, write_during, &w), 0);
    long long batch = 0, written = 0;
    for (int i = 0; i < 600 && !(batch && written >= 2000); i++) {
        usleep(50 * 1000);
        batch = running_batch(&written);
    }
    assert_true(written >= 2000);
    close(fd);                                   /* the browser tab closed */
    char st[32] = "";
    long long left = -1;
    for (int i = 0; i < 600 && strcmp(st, "failed") != 0; i++) {
        usleep(100 * 1000);
        batch_state(batch, st, sizeof st, &left);
    }
    running.done = 1;
    pthread_join(tw, NULL);
    assert_string_equal(st, "failed");
    assert_int_equal(left, 0);
    assert_int_equal(residents_in_grid(), res);
    assert_int_equal(audit_count("import_undo"), undos + 1);
}

/* ---- minsheng import --undo ---------------------------------------------------- */

static int undo_cli(long long batch)
{
    const char *args[] = {"import", "--undo", fmt("%lld", batch), NULL};
    return run_cli(&srv, args, fmt("%s/undo.out", srv.dir), NULL);
}

static void committed_import_undone_from_the_command_line(void **state)
{
    (void)state;
    long long res = residents_in_grid(), hh = households_in_grid(), undos = audit_count("import_undo");
    import_job imp = {0};
    char *csv = make_csv("U", 120000, 10, NULL, &imp.len);
    imp.csv = csv;
    run_import(&imp);
    free(csv);
    assert_int_equal(imp.status, 200);
    long long batch = jint(imp.report, "batch");
    json_decref(imp.report);
    assert_int_equal(residents_in_grid(), res + 10);
    assert_int_equal(undo_cli(batch), 0);
    assert_int_equal(residents_in_grid(), res);
    assert_int_equal(households_in_grid(), hh);
    assert_int_equal(audit_count("import_undo"), undos + 1);
    char st[32];
    long long left;
    batch_state(batch, st, sizeof st, &left);
    assert_string_equal(st, "undone");
    assert_int_equal(left, 0);
    assert_int_not_equal(undo_cli(batch), 0);            /* once only */

    /* A batch whose data changed after the import is not undone whole. */
    csv = make_csv("V", 130000, 4, NULL, &imp.len);
    imp.csv = csv;
    run_import(&imp);
    free(csv);
    assert_int_equal(imp.status, 200);
    batch = jint(imp.report, "batch");
    json_decref(imp.report);
    json_t *list = api_get_ok(&srv, t_admin, fmt("/api/v1/households?org_unit_id=%lld&q=IMPB-V-00001", grid));
    long long hid = jint(json_array_get(json_object_get(list, "items"), 0), "id");
    json_decref(list);
    sleep(1);                                            /* updated_at has whole seconds */
    json_decref(api_expect(&srv, t_admin, "POST", "/api/v1/residents",
                           fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"后来者\",\"relation\":\"子\"}",
                               hid, nth_id(900003, (char[19]){0})), 201));
    assert_int_not_equal(undo_cli(batch), 0);
    batch_state(batch, st, sizeof st, &left);
    assert_string_equal(st, "committed");
    assert_int_equal(residents_in_grid(), res + 5);
}

/* ---- ids chosen once per transaction -------------------------------------------- */

#define CREATED_MAX 64

typedef struct creator_job {
    const import_job *imp;
    int made, failed;
    char idn[CREATED_MAX][19];
} creator_job;

/* POSTs a body with http(); the new row's id, or 0 (no fmt(): a thread). */
static long long post_id(const char *path, const char *body)
{
    http_resp r;
    long long id = 0;
    if (http(&srv, "POST", path, t_admin, body, strlen(body), NULL, &r) != 0)
        return 0;
    if (r.status == 201 && r.json)
        id = json_integer_value(json_object_get(r.json, "id"));
    http_free(&r);
    return id;
}

/* Registers new households with their heads through the API while the
 * import runs: between the import's transactions, each taking the next
 * free ids. */
static void *create_during(void *arg)
{
    creator_job *c = arg;
    char body[256];
    while (!c->imp->done && c->made < CREATED_MAX) {
        snprintf(body, sizeof body, "{\"code\":\"IMPB-C-%d\",\"grid_id\":%lld,\"address\":\"菏泽市牡丹区编号路%d号\"}",
                 c->made, grid, c->made);
        long long hh = post_id("/api/v1/households", body);
        nth_id(910000 + (unsigned)c->made, c->idn[c->made]);
        snprintf(body, sizeof body, "{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"编号者\",\"relation\":\"户主\"}",
                 hh, c->idn[c->made]);
        if (!hh || !post_id("/api/v1/residents", body))
            c->failed++;
        c->made++;
        usleep(30 * 1000);
    }
    return NULL;
}

static int cmp_id(const void *a, const void *b)
{
    return memcmp(a, b, 18);
}

/* The full ID numbers of region 120101 in a `minsheng export --full-id`
 * (each after its tab), sorted; *n of them. Caller frees. */
static char (*exported_ids(size_t *n))[18]
{
    const char *args[] = {"export", "residents", "--full-id", "--purpose", "导入编号测试", "--out",
                          fmt("%s/ids.csv", srv.dir), NULL};
    char out_path[600];
    snprintf(out_path, sizeof out_path, "%s/export.out", srv.dir);
    assert_int_equal(run_cli(&srv, args, out_path, NULL), 0);
    size_t len;
    char *csv = read_whole_file(fmt("%s/ids.csv", srv.dir), &len);
    assert_non_null(csv);
    size_t cap = 1024;
    char (*ids)[18] = malloc(cap * 18);
    *n = 0;
    for (const char *p = csv; (p = strstr(p, "\t120101")) != NULL; p += 19) {
        if (*n == cap)
            ids = realloc(ids, (cap *= 2) * 18);
        memcpy(ids[(*n)++], p + 1, 18);
    }
    free(csv);
    qsort(ids, *n, 18, cmp_id);
    return ids;
}

/* API writes between an import's transactions take ids the import then
 * does not (it reads the next free ids at the start of each
 * transaction), every imported and written ID number decrypts under the
 * id of its row (an export reads them all back), and the counts are
 * exact: the import's connection counts the API's writes again once it
 * is done (its triggers were off only while it wrote its batch). */
static void api_writes_between_import_transactions_keep_their_ids(void **state)
{
    (void)state;
    enum { N = 6000 };
    import_job imp = {0};
    char *csv = make_csv("I", 200000, N, NULL, &imp.len);
    imp.csv = csv;
    creator_job c = {.imp = &imp};
    long long before = stats_total();
    pthread_t ti, tc;
    assert_int_equal(pthread_create(&ti, NULL, run_import, &imp), 0);
    usleep(100 * 1000);
    assert_int_equal(pthread_create(&tc, NULL, create_during, &c), 0);
    pthread_join(ti, NULL);
    pthread_join(tc, NULL);
    free(csv);
    print_message("%d residents registered through the API during the import\n", c.made);
    assert_int_equal(imp.status, 200);
    assert_int_equal(jint(imp.report, "imported"), N);
    json_decref(imp.report);
    assert_int_equal(c.failed, 0);
    assert_true(c.made >= 2);

    /* After the import, on the same server threads, writes are counted. */
    char idn[19];
    for (int i = 0; i < 8; i++)
        new_resident(fmt("IMPB-AFTER-%d", i), nth_id(920000 + (unsigned)i, idn));
    assert_int_equal(stats_total(), before + N + c.made + 8);
    const char *args[] = {"check", NULL};
    assert_int_equal(run_cli(&srv, args, fmt("%s/check.out", srv.dir), NULL), 0);

    size_t n;
    char (*ids)[18] = exported_ids(&n);
    for (int i = 0; i < N; i++)
        assert_non_null(bsearch(nth_id(200000 + (unsigned)i, idn), ids, n, 18, cmp_id));
    for (int i = 0; i < c.made; i++)
        assert_non_null(bsearch(c.idn[i], ids, n, 18, cmp_id));
    free(ids);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(writers_and_readers_during_a_large_import),
        cmocka_unit_test(late_error_leaves_nothing),
        cmocka_unit_test(kill9_mid_import_leaves_nothing),
        cmocka_unit_test(client_gone_mid_import_leaves_nothing),
        cmocka_unit_test(committed_import_undone_from_the_command_line),
        cmocka_unit_test(api_writes_between_import_transactions_keep_their_ids),
    };
    return cmocka_run_group_tests_name("api_import_batches", tests, setup, teardown);
}
