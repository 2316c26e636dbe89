/* test_encryption.c — encryption at rest (issue 6, 数据保密性): ID
 * numbers and phones never reach the database file or its WAL in clear,
 * exact search by ID number and phone still works through the blind
 * index (and uses an index), a plaintext database made by the previous
 * release is converted on its first open, and a key rotation killed
 * with SIGKILL half-way resumes and loses nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "harness.h"
#include "storage/db.h"

/* The key file of tests/fixtures/plain-0006.sql.gz: a database made by
 * the release before encryption (`minsheng demo --households 40 --seed 7`
 * plus one enrolled TOTP secret), dumped with sqlite3 .dump. */
static const unsigned char FIXTURE_KEY[32] = {
    0x7b, 0x5f, 0x88, 0xb5, 0x45, 0x58, 0x8a, 0xd1, 0x7d, 0x19, 0x0e, 0xa0, 0x6b, 0xde, 0xe1, 0xe1,
    0xa2, 0x78, 0x26, 0x84, 0xae, 0x51, 0x3b, 0x1a, 0x58, 0xe8, 0xd8, 0x03, 0xbc, 0x3a, 0xf9, 0x28};

/* ---- helpers ---------------------------------------------------------------- */

static int contains(const char *hay, size_t len, const char *needle)
{
    return memmem(hay, len, needle, strlen(needle)) != NULL;
}

/* The query plan of sql, joined: SQLite's EXPLAIN QUERY PLAN details,
 * or PostgreSQL's EXPLAIN lines with sequential scans off (a table of a
 * few rows is scanned whatever its indexes; the question is whether the
 * lookup can use one). */
static void plan_of(const test_server *s, const char *sql, char *out, size_t outsz)
{
    char err[256];
    int pg = db_is_postgres(s->db);
    out[0] = '\0';
    db_conn *db = db_open(s->db, err, sizeof err);
    assert_non_null(db);
    if (pg)
        assert_int_equal(db_exec(db, "SET enable_seqscan = off"), DB_DONE);
    db_stmt *st = db_prepare(db, fmt("%s %s", pg ? "EXPLAIN" : "EXPLAIN QUERY PLAN", sql));
    while (db_step(st) == DB_ROW) {
        size_t n = strlen(out);
        snprintf(out + n, outsz - n, "%s; ", db_col_text(st, pg ? 0 : 3));
    }
    db_finalize(st);
    db_close(db);
}

/* Every full ID number of an export --full-id file: each follows a tab. */
static int export_ids(const char *csv, char ids[][19], int max)
{
    int n = 0;
    for (const char *p = csv; (p = strchr(p, '\t')) != NULL && n < max; p++) {
        if (strspn(p + 1, "0123456789X") >= 18) {
            memcpy(ids[n], p + 1, 18);
            ids[n++][18] = '\0';
        }
    }
    return n;
}

static char *cli_out(const test_server *s, const char *const *args, int *rc)
{
    static int seq;
    char path[400];
    snprintf(path, sizeof path, "%s/cli-%d.out", s->dir, ++seq);
    *rc = run_cli(s, args, path, NULL);
    char *out = read_whole_file(path, NULL);
    return out ? out : calloc(1, 1);
}

/* A test_server with a directory and database path but no server. */
static void offline(test_server *s, const char *name)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "/tmp/ms_test_%s_XXXXXX", name);
    assert_non_null(mkdtemp(s->dir));
    snprintf(s->db, sizeof s->db, "%s/test.db", s->dir);
    snprintf(s->log, sizeof s->log, "%s/cli.log", s->dir);
}

static void offline_done(test_server *s)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
    assert_int_equal(system(cmd), 0);
}

/* ---- tests -------------------------------------------------------------------- */

/* New records: the ID number and phone are in no byte of the file or the
 * WAL (nor in audit images), yet exact search finds them through an
 * index and a second registration of the number is refused. */
static void new_values_never_stored_in_clear(void **state)
{
    (void)state;
    test_server s;
    assert_int_equal(server_start(&s, 20, NULL), 0);
    char *tok = login(&s, "jiedao", DEMO_PW);
    assert_non_null(tok);
    json_t *hh = api_get_ok(&s, tok, "/api/v1/households?page_size=20");
    long long household = jint(json_array_get(json_object_get(hh, "items"), 0), "id");
    json_decref(hh);
    char idn[19];
    snprintf(idn, sizeof idn, "%s", fresh_id("371702"));
    const char *phone = "19955501234";
    json_t *j = api_expect(&s, tok, "POST", "/api/v1/residents",
                           fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"加密测试\",\"phone\":\"%s\","
                               "\"disability_type\":\"肢体\",\"disability_grade\":2}", household, idn, phone), 201);
    long long rid = jint(j, "id");
    json_decref(j);
    j = api_expect(&s, tok, "POST", "/api/v1/residents",
                   fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"重复\"}", household, idn), 409);
    json_decref(j);

    /* exact searches find it, and the values come back decrypted */
    j = api_get_ok(&s, tok, fmt("/api/v1/residents?id_number=%s", idn));
    assert_int_equal(jint(j, "total"), 1);
    assert_int_equal(jint(json_array_get(json_object_get(j, "items"), 0), "id"), rid);
    json_decref(j);
    j = api_get_ok(&s, tok, fmt("/api/v1/residents?phone=%s", phone));
    assert_int_equal(jint(j, "total"), 1);
    json_decref(j);
    j = api_get_ok(&s, tok, fmt("/api/v1/residents/%lld?full_id=1", rid));
    assert_string_equal(jstr(j, "id_number"), idn);
    assert_string_equal(jstr(j, "phone"), phone);
    assert_string_equal(jstr(j, "disability_type"), "肢体");
    assert_int_equal(jint(j, "disability_grade"), 2);
    json_decref(j);

    /* nothing in clear: this resident's values, nor any demo resident's */
    size_t len;
    char *bytes = server_db_bytes(&s, &len);
    assert_false(contains(bytes, len, idn));
    assert_false(contains(bytes, len, phone));
    int rc;
    const char *exp[] = {"export", "residents", "--org", "371702001", "--full-id", "--purpose", "加密测试", "--out",
                         fmt("%s/all.csv", s.dir), NULL};
    char *out = cli_out(&s, exp, &rc);
    assert_int_equal(rc, 0);
    free(out);
    char *csv = read_whole_file(fmt("%s/all.csv", s.dir), NULL);
    static char ids[2000][19];
    int n = export_ids(csv, ids, 2000);
    assert_true(n > 40);
    for (int i = 0; i < n; i++)
        if (contains(bytes, len, ids[i]))
            fail_msg("ID number %s is stored in clear", ids[i]);
    free(csv);
    free(bytes);
    assert_int_equal(server_sql_int(&s, "SELECT COUNT(*) FROM resident WHERE disability_type IS NOT NULL"), 0);
    assert_int_equal(server_sql_int(&s, "SELECT COUNT(*) FROM resident WHERE id_number_enc IS NULL"), 0);
    /* the blind-index lookups use an index, not a scan */
    char plan[512];
    int pg = test_engine_pg();
    plan_of(&s, "SELECT r.id FROM resident r WHERE r.id_number_bidx IN ('a', 'b')", plan, sizeof plan);
    if (!strstr(plan, pg ? "Index" : "USING") || !strstr(plan, pg ? "Index" : "INDEX"))
        fail_msg("no index for the ID number's blind index: %s", plan);
    plan_of(&s, "SELECT r.id FROM resident r WHERE r.phone_bidx IN ('a', 'b')", plan, sizeof plan);
    if (!strstr(plan, pg ? "on resident_phone" : "INDEX resident_phone"))
        fail_msg("no index for the phone's blind index: %s", plan);

    free(tok);
    assert_int_equal(server_stop(&s), 0);
}

/* A database made by the release before encryption: the first open
 * encrypts every value, empties the plaintext, audits it, and keeps the
 * data (the export gives back the same numbers). */
static void plaintext_database_converted_on_open(void **state)
{
    (void)state;
    if (skip_on_pg("the fixture is a SQLite database of the release before encryption"))
        skip();
    test_server s;
    offline(&s, "plainconv");
    char fixture[600], bin[512], cmd[1400];
    snprintf(bin, sizeof bin, "%s", getenv("MINSHENG_BIN") ? getenv("MINSHENG_BIN") : "build-test/minsheng");
    snprintf(fixture, sizeof fixture, "%s/../tests/fixtures/plain-0006.sql.gz", dirname(bin));
    snprintf(cmd, sizeof cmd, "gzip -dc '%s' | sqlite3 '%s'", fixture, s.db);
    assert_int_equal(system(cmd), 0);
    int fd = open(server_key_path(&s), O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, FIXTURE_KEY, sizeof FIXTURE_KEY), (ssize_t)sizeof FIXTURE_KEY);
    close(fd);
    /* what the old release stored in clear */
    size_t len;
    char *before = server_db_bytes(&s, &len);
    assert_true(contains(before, len, "JBSWY3DPEHPK3PXP"));   /* the TOTP secret */
    free(before);
    sqlite3 *h;
    sqlite3_stmt *st;
    static char plain[400][40];
    int n = 0;
    assert_int_equal(sqlite3_open_v2(s.db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h,
                                        "SELECT id_number FROM resident UNION ALL SELECT phone FROM resident WHERE phone IS NOT NULL"
                                        " UNION ALL SELECT phone FROM household WHERE phone IS NOT NULL"
                                        " UNION ALL SELECT leader_phone FROM org_unit WHERE leader_phone IS NOT NULL LIMIT 400",
                                        -1, &st, NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW && n < 400)
        snprintf(plain[n++], 40, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(h);
    assert_true(n > 150);

    int rc;
    const char *migrate[] = {"migrate", NULL};
    char *out = cli_out(&s, migrate, &rc);
    assert_int_equal(rc, 0);
    free(out);
    char *bytes = server_db_bytes(&s, &len);
    for (int i = 0; i < n; i++)
        if (contains(bytes, len, plain[i]))
            fail_msg("%s is still in the file after the conversion", plain[i]);
    assert_false(contains(bytes, len, "JBSWY3DPEHPK3PXP"));
    free(bytes);
    assert_int_equal(server_sql_int(&s, "SELECT COUNT(*) FROM audit_log WHERE action = 'fields_encrypted'"), 1);
    assert_int_equal(server_sql_int(&s, "SELECT COUNT(*) FROM user_totp WHERE secret = '' AND secret_enc LIKE 'e1:%'"), 1);

    const char *status[] = {"keys", "status", NULL};
    out = cli_out(&s, status, &rc);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "resident   第 1 代 99 行，明文 0 行"));
    free(out);
    const char *verify[] = {"audit", "verify", NULL};
    out = cli_out(&s, verify, &rc);
    assert_int_equal(rc, 0);
    free(out);
    /* the data survived: every old ID number comes back from the export */
    const char *exp[] = {"export", "residents", "--org", "371702001", "--full-id", "--purpose", "核对", "--out",
                         fmt("%s/all.csv", s.dir), NULL};
    out = cli_out(&s, exp, &rc);
    assert_int_equal(rc, 0);
    free(out);
    char *csv = read_whole_file(fmt("%s/all.csv", s.dir), NULL);
    static char ids[200][19];
    assert_int_equal(export_ids(csv, ids, 200), 99);
    for (int i = 0; i < 99; i++)
        assert_non_null(strstr(csv, plain[i]));   /* plain[0..98]: the ID numbers */
    free(csv);
    offline_done(&s);
}

/* keys rotate, killed (SIGKILL) after its first committed batch: the key
 * file keeps both generations, a rerun finishes, every value reads the
 * same as before, and the key file then holds the new generation only. */
static void rotation_killed_then_resumed(void **state)
{
    (void)state;
    test_server s;
    assert_int_equal(server_new_db(&s), 0);
    int rc;
    const char *demo[] = {"demo", "--households", "300", "--seed", "3", NULL};
    char *out = cli_out(&s, demo, &rc);
    assert_int_equal(rc, 0);
    free(out);
    const char *exp[] = {"export", "residents", "--org", "371702001", "--full-id", "--purpose", "核对", "--out",
                         fmt("%s/before.csv", s.dir), NULL};
    out = cli_out(&s, exp, &rc);
    assert_int_equal(rc, 0);
    free(out);
    struct stat st;
    assert_int_equal(stat(server_key_path(&s), &st), 0);
    assert_int_equal(st.st_size, 32);

    /* the tails' search terms (blind indexes, migration 0017) as they are under generation 1 */
    long long tails = server_sql_int(&s, "SELECT COUNT(*) FROM resident_search_key WHERE term LIKE '#%'");
    assert_true(tails > 300);
    server_sql(&s, "CREATE TABLE old_tails AS SELECT term, resident_id FROM resident_search_key WHERE term LIKE '#%'");
    setenv("MINSHENG_TEST_KILL_AFTER_BATCHES", "1", 1);
    const char *rotate[] = {"keys", "rotate", NULL};
    out = cli_out(&s, rotate, &rc);
    unsetenv("MINSHENG_TEST_KILL_AFTER_BATCHES");
    assert_int_equal(rc, 128 + 9);   /* SIGKILL */
    free(out);
    assert_int_equal(stat(server_key_path(&s), &st), 0);
    assert_int_equal(st.st_size, 8 + 32 + 2 * 36);   /* both generations kept */
    assert_true(server_sql_int(&s, "SELECT COUNT(*) FROM resident WHERE id_number_enc LIKE 'e2:%'") > 0);
    assert_true(server_sql_int(&s, "SELECT COUNT(*) FROM org_unit WHERE leader_phone_enc LIKE 'e1:%'") > 0);

    const char *status[] = {"keys", "status", NULL};
    out = cli_out(&s, status, &rc);   /* opening the database finishes the re-encryption */
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "轮换未完成"));
    free(out);
    out = cli_out(&s, rotate, &rc);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "继续未完成的轮换"));
    assert_non_null(strstr(out, "轮换完成"));
    free(out);
    assert_int_equal(stat(server_key_path(&s), &st), 0);
    assert_int_equal(st.st_size, 8 + 32 + 36);
    assert_int_equal(server_sql_int(&s, "SELECT COUNT(*) FROM resident WHERE id_number_enc NOT LIKE 'e2:%'"
                                   " OR phone_enc NOT LIKE 'e2:%' OR disability_enc NOT LIKE 'e2:%'"), 0);
    assert_int_equal(server_sql_int(&s, "SELECT COUNT(*) FROM org_unit WHERE leader_phone_enc NOT LIKE 'e2:%'"), 0);
    assert_true(server_sql_int(&s, "SELECT COUNT(*) FROM audit_log WHERE action IN ('keys_rotated', 'fields_encrypted')") >= 1);
    /* the tails' terms moved to generation 2 with the blind indexes: as many, none of the old ones */
    assert_int_equal(server_sql_int(&s, "SELECT COUNT(*) FROM resident_search_key WHERE term LIKE '#%'"), tails);
    assert_int_equal(server_sql_int(&s, "SELECT COUNT(*) FROM resident_search_key k JOIN old_tails o"
                                        " ON o.term = k.term AND o.resident_id = k.resident_id"), 0);

    out = cli_out(&s, status, &rc);
    assert_int_equal(rc, 0);
    assert_null(strstr(out, "轮换未完成"));
    assert_non_null(strstr(out, "org_unit   第 2 代"));
    free(out);
    const char *verify[] = {"audit", "verify", NULL};
    out = cli_out(&s, verify, &rc);
    assert_int_equal(rc, 0);   /* the audit key does not rotate */
    free(out);
    const char *exp2[] = {"export", "residents", "--org", "371702001", "--full-id", "--purpose", "核对", "--out",
                          fmt("%s/after.csv", s.dir), NULL};
    out = cli_out(&s, exp2, &rc);
    assert_int_equal(rc, 0);
    free(out);
    char *a = read_whole_file(fmt("%s/before.csv", s.dir), NULL), *b = read_whole_file(fmt("%s/after.csv", s.dir), NULL);
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(a, b);
    free(a);
    free(b);
    assert_int_equal(server_stop(&s), 0);
}

/* A rotation refuses to start while another process (a server) holds the key. */
static void rotation_refused_while_server_runs(void **state)
{
    (void)state;
    test_server s;
    assert_int_equal(server_start(&s, 5, NULL), 0);
    int rc;
    const char *rotate[] = {"keys", "rotate", NULL};
    char *out = cli_out(&s, rotate, &rc);
    assert_int_equal(rc, 1);
    free(out);
    struct stat st;
    assert_int_equal(stat(server_key_path(&s), &st), 0);
    assert_int_equal(st.st_size, 32);
    assert_int_equal(server_stop(&s), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(new_values_never_stored_in_clear),
        cmocka_unit_test(plaintext_database_converted_on_open),
        cmocka_unit_test(rotation_killed_then_resumed),
        cmocka_unit_test(rotation_refused_while_server_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
