/* test_audit_chain.c — the key file (core/keys.h) and the tamper-evident audit
 * chain (core/audit.h, core/alerts.h) against a real SQLite database,
 * without HTTP: key file creation, permissions and subkeys; audit_write
 * chaining every row; verify naming the first changed, deleted,
 * inserted or reordered row; checkpoints catching deleted newest rows;
 * adopting rows written before the chain; the retention purge and its
 * anchor; the alert rules; the Beijing day boundaries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alerts.h"
#include "core/audit.h"
#include "core/keys.h"
#include "storage/db.h"

static char dir[64];

static const char *path_in_dir(const char *name)
{
    static char bufs[4][256];
    static int next;
    char *b = bufs[next++ % 4];
    snprintf(b, 256, "%s/%s", dir, name);
    return b;
}

static int setup(void **state)
{
    char err[256];
    keys_load_ephemeral();
    db_conn *db = db_open(":memory:", err, sizeof err);
    if (!db || db_migrate(db, err, sizeof err) != 0)
        return -1;
    *state = db;
    return 0;
}

static int teardown(void **state)
{
    db_close(*state);
    return 0;
}

/* Writes n rows (actions "update", user 7) inside one transaction. */
static void write_rows(db_conn *db, int n)
{
    assert_int_equal(db_begin(db), DB_DONE);
    for (int i = 0; i < n; i++) {
        char detail[32];
        snprintf(detail, sizeof detail, "row %d", i);
        audit_entry e = {.user_id = 7, .username = "wangge0101", .client_ip = "10.0.0.9", .action = "update",
                         .entity = "resident", .entity_id = 100 + i, .org_path = "/1/2/", .detail = detail};
        assert_int_equal(audit_write(db, &e), 0);
    }
    assert_int_equal(db_commit(db), DB_DONE);
}

/* verify must fail naming row `id` and a problem containing `what`. */
static void expect_broken(db_conn *db, const char *seal, int64_t id, const char *what)
{
    audit_verify_report rep;
    ms_err err;
    assert_int_equal(audit_verify(db, seal, &rep, &err), 1);
    if (rep.bad_id != id || !strstr(rep.problem, what))
        fail_msg("expected row %lld (%s), got row %lld: %s", (long long)id, what, (long long)rep.bad_id, rep.problem);
}

static void expect_intact(db_conn *db, const char *seal, int64_t rows)
{
    audit_verify_report rep;
    ms_err err;
    int rc = audit_verify(db, seal, &rep, &err);
    if (rc != 0)
        fail_msg("verify: %s", rc < 0 ? err.message : rep.problem);
    assert_int_equal(rep.rows, rows);
}

/* ---- key file ------------------------------------------------------------------ */

static void test_key_path_resolution(void **state)
{
    char out[256];
    unsetenv("MINSHENG_KEY_FILE");
    assert_string_equal(keys_path("/srv/street.db", NULL, out, sizeof out), "/srv/street.db.key");
    setenv("MINSHENG_KEY_FILE", "/etc/minsheng/key", 1);
    assert_string_equal(keys_path("/srv/street.db", NULL, out, sizeof out), "/etc/minsheng/key");
    assert_string_equal(keys_path("/srv/street.db", "/k", out, sizeof out), "/k");   /* --key-file wins */
    unsetenv("MINSHENG_KEY_FILE");
}

static void test_key_file_created_0600_once_and_reloaded(void **state)
{
    ms_err err;
    struct stat st;
    unsigned char first[KEY_BYTES];
    const char *db = path_in_dir("a.db");
    assert_int_equal(keys_load(db, NULL, &err), -1);
    assert_int_equal(err.kind, ERR_NOT_FOUND);
    assert_int_equal(keys_create(db, NULL, &err), 0);
    assert_int_equal(stat(path_in_dir("a.db.key"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, KEY_BYTES);
    memcpy(first, keys_subkey(KEY_AUDIT), KEY_BYTES);
    /* never overwritten */
    assert_int_equal(keys_create(db, NULL, &err), -1);
    assert_int_equal(err.kind, ERR_CONFLICT);
    /* the same file gives the same subkeys; purposes get different ones */
    keys_clear();
    assert_null(keys_subkey(KEY_AUDIT));
    assert_int_equal(keys_load(db, NULL, &err), 0);
    assert_memory_equal(keys_subkey(KEY_AUDIT), first, KEY_BYTES);
    assert_memory_not_equal(keys_subkey(KEY_AUDIT), keys_subkey(KEY_DATA), KEY_BYTES);
    assert_memory_not_equal(keys_subkey(KEY_DATA), keys_subkey(KEY_BLIND), KEY_BYTES);
    keys_load_ephemeral();
}

static void test_key_file_refused_when_others_may_read_or_wrong_size(void **state)
{
    ms_err err;
    const char *db = path_in_dir("b.db"), *key = path_in_dir("b.db.key");
    assert_int_equal(keys_create(db, NULL, &err), 0);
    assert_int_equal(chmod(key, 0640), 0);
    assert_int_equal(keys_load(db, NULL, &err), -1);
    assert_int_equal(err.kind, ERR_FORBIDDEN);
    assert_non_null(strstr(err.message, "chmod 600"));
    assert_int_equal(chmod(key, 0604), 0);
    assert_int_equal(keys_load(db, NULL, &err), -1);
    assert_int_equal(chmod(key, 0600), 0);
    assert_int_equal(keys_load(db, NULL, &err), 0);
    assert_int_equal(truncate(key, 16), 0);
    assert_int_equal(keys_load(db, NULL, &err), -1);
    assert_int_equal(err.kind, ERR_INVALID);
    keys_load_ephemeral();
}

/* ---- the chain --------------------------------------------------------------------- */

static void test_rows_are_chained_and_verify(void **state)
{
    db_conn *db = *state;
    write_rows(db, 5);
    expect_intact(db, NULL, 5);
    assert_int_equal(db_one_int(db, -1, "SELECT COUNT(*) FROM audit_log WHERE row_hash IS NULL"), 0);
    char prev[80], hash[80];
    db_one_text(db, prev, sizeof prev, "SELECT prev_hash FROM audit_log WHERE id = 3");
    db_one_text(db, hash, sizeof hash, "SELECT row_hash FROM audit_log WHERE id = 2");
    assert_string_equal(prev, hash);
    char at[40];
    db_one_text(db, at, sizeof at, "SELECT at FROM audit_log WHERE id = 1");
    assert_int_equal(strlen(at), 20);   /* 2026-03-01T02:03:04Z */
    assert_int_equal(at[10], 'T');
    assert_int_equal(at[19], 'Z');
    assert_int_equal(db_one_int(db, 0, "SELECT COUNT(*) FROM audit_log WHERE outcome = 'success'"), 5);
}

static void test_no_key_no_audit_row(void **state)
{
    db_conn *db = *state;
    keys_clear();
    assert_int_equal(db_begin(db), DB_DONE);
    assert_int_equal(audit_write(db, &(audit_entry){.action = "update"}), -1);
    db_rollback(db);
    keys_load_ephemeral();
}

static void test_outcome_failure_and_bad_outcome(void **state)
{
    db_conn *db = *state;
    assert_int_equal(db_begin(db), DB_DONE);
    assert_int_equal(audit_write(db, &(audit_entry){.action = "login_failed", .outcome = "failure"}), 0);
    assert_int_equal(audit_write(db, &(audit_entry){.action = "x", .outcome = "maybe"}), -1);
    assert_int_equal(db_commit(db), DB_DONE);
    assert_int_equal(db_one_int(db, 0, "SELECT COUNT(*) FROM audit_log WHERE outcome = 'failure'"), 1);
}

static void test_updated_row_is_named(void **state)
{
    db_conn *db = *state;
    write_rows(db, 6);
    assert_int_equal(db_exec(db, "UPDATE audit_log SET detail = 'nothing to see' WHERE id = 4"), DB_DONE);
    expect_broken(db, NULL, 4, "被修改");
}

static void test_updated_column_of_any_kind_is_named(void **state)
{
    db_conn *db = *state;
    static const char *const EDITS[] = {
        "UPDATE audit_log SET at = '2020-01-01T00:00:00Z' WHERE id = 3",
        "UPDATE audit_log SET user_id = NULL WHERE id = 3",
        "UPDATE audit_log SET client_ip = '1.2.3.4' WHERE id = 3",
        "UPDATE audit_log SET outcome = 'failure' WHERE id = 3",
        "UPDATE audit_log SET entity_id = 999 WHERE id = 3",
        NULL};
    write_rows(db, 4);
    for (size_t i = 0; EDITS[i]; i++) {
        assert_int_equal(db_exec(db, "SAVEPOINT t"), DB_DONE);
        assert_int_equal(db_exec(db, EDITS[i]), DB_DONE);
        expect_broken(db, NULL, 3, "第 3 行");
        assert_int_equal(db_exec(db, "ROLLBACK TO t"), DB_DONE);
        assert_int_equal(db_exec(db, "RELEASE t"), DB_DONE);
    }
    expect_intact(db, NULL, 4);
}

static void test_deleted_middle_row_is_named(void **state)
{
    db_conn *db = *state;
    write_rows(db, 6);
    assert_int_equal(db_exec(db, "DELETE FROM audit_log WHERE id = 3"), DB_DONE);
    expect_broken(db, NULL, 3, "已被删除");
}

static void test_deleted_oldest_rows_are_named(void **state)
{
    db_conn *db = *state;
    write_rows(db, 6);
    assert_int_equal(db_exec(db, "DELETE FROM audit_log WHERE id <= 2"), DB_DONE);
    expect_broken(db, NULL, 1, "第 1 至 2 行已被删除");
}

static void test_forged_rows_are_named(void **state)
{
    db_conn *db = *state;
    write_rows(db, 4);
    /* a row inserted by SQL, with no hash */
    assert_int_equal(db_exec(db, "INSERT INTO audit_log(at, action, outcome) VALUES ('2026-01-01T00:00:00Z', 'login', 'success')"),
                     DB_DONE);
    expect_broken(db, NULL, 5, "程序之外插入");
    /* a forged hash that pretends to follow row 4 */
    assert_int_equal(db_exec(db, "UPDATE audit_log SET prev_hash = (SELECT row_hash FROM audit_log WHERE id = 4),"
                                 " row_hash = hex(randomblob(32)) WHERE id = 5"),
                     DB_DONE);
    expect_broken(db, NULL, 5, "第 5 行");
    /* a forged hash that does not even follow */
    assert_int_equal(db_exec(db, "UPDATE audit_log SET prev_hash = hex(randomblob(32)) WHERE id = 5"), DB_DONE);
    expect_broken(db, NULL, 5, "伪造");
}

static void test_swapped_rows_are_named(void **state)
{
    db_conn *db = *state;
    write_rows(db, 4);
    /* rows 2 and 3 swap places (ids exchanged) */
    assert_int_equal(db_exec(db, "UPDATE audit_log SET id = -2 WHERE id = 2;"
                                 "UPDATE audit_log SET id = 2 WHERE id = 3;"
                                 "UPDATE audit_log SET id = 3 WHERE id = -2"),
                     DB_DONE);
    expect_broken(db, NULL, 2, "第 2 行");
}

static void test_ids_are_not_reused_after_delete(void **state)
{
    db_conn *db = *state;
    write_rows(db, 3);
    assert_int_equal(db_exec(db, "DELETE FROM audit_log WHERE id = 3"), DB_DONE);
    write_rows(db, 1);
    assert_int_equal(db_one_int(db, 0, "SELECT MAX(id) FROM audit_log"), 4);
    expect_broken(db, NULL, 3, "已被删除");
}

/* ---- checkpoints -------------------------------------------------------------- */

static void test_checkpoint_catches_deleted_newest_rows(void **state)
{
    db_conn *db = *state;
    const char *seal = path_in_dir("seal1");
    audit_seal s;
    ms_err err;
    unlink(seal);
    write_rows(db, 5);
    assert_int_equal(audit_checkpoint(db, seal, &s, &err), 0);
    assert_int_equal(s.last_id, 5);
    assert_non_null(strstr(s.line, "minsheng-audit-seal v1"));
    struct stat st;
    assert_int_equal(stat(seal, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    write_rows(db, 2);
    expect_intact(db, seal, 7);
    /* the newest rows go: the chain alone is still whole ... */
    assert_int_equal(db_exec(db, "DELETE FROM audit_log WHERE id >= 4"), DB_DONE);
    expect_intact(db, NULL, 3);
    /* ... but the checkpoint knew row 5 */
    expect_broken(db, seal, 4, "第 4 至 5 行已被删除");
    unlink(seal);
}

static void test_forged_or_foreign_checkpoint_is_named(void **state)
{
    db_conn *db = *state;
    const char *seal = path_in_dir("seal2");
    audit_seal s;
    ms_err err;
    unlink(seal);
    write_rows(db, 2);
    assert_int_equal(audit_checkpoint(db, seal, &s, &err), 0);
    FILE *f = fopen(seal, "a");
    assert_non_null(f);
    fprintf(f, "minsheng-audit-seal v1 2026-01-01T00:00:00Z 1 %064d %064d\n", 0, 0);
    fclose(f);
    expect_broken(db, seal, 0, "检查点文件第 2 行");
    unlink(seal);
}

/* ---- rows from before the chain --------------------------------------------------- */

static void test_rows_from_before_the_chain_are_adopted(void **state)
{
    db_conn *db = *state;
    int64_t adopted;
    ms_err err;
    assert_int_equal(db_exec(db, "INSERT INTO audit_log(at, action) VALUES ('2025-01-01T00:00:00Z', 'login'),"
                                 " ('2025-01-02T00:00:00Z', 'update'), ('2025-01-03T00:00:00Z', 'logout')"),
                     DB_DONE);
    assert_int_equal(audit_chain_exists(db), 0);
    assert_int_equal(audit_chain_adopt(db, &adopted, &err), 0);
    assert_int_equal(adopted, 3);
    assert_int_equal(audit_chain_exists(db), 1);
    expect_intact(db, NULL, 4);   /* the three, and the row saying they were adopted */
    assert_int_equal(db_one_int(db, 0, "SELECT COUNT(*) FROM audit_log WHERE action = 'audit_chain_start'"), 1);
    /* once chained, nothing more is adopted: a later unchained row is an insertion */
    assert_int_equal(audit_chain_adopt(db, &adopted, &err), 0);
    assert_int_equal(adopted, 0);
}

static void test_writer_refuses_after_unchained_newest_row(void **state)
{
    db_conn *db = *state;
    write_rows(db, 2);
    assert_int_equal(db_exec(db, "INSERT INTO audit_log(at, action) VALUES ('2026-01-01T00:00:00Z', 'x')"), DB_DONE);
    assert_int_equal(db_begin(db), DB_DONE);
    assert_int_equal(audit_write(db, &(audit_entry){.action = "update"}), -1);
    db_rollback(db);
}

/* ---- retention purge ----------------------------------------------------------------- */

static void beijing_date(time_t t, char out[11])
{
    t += 8 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

static void test_purge_refuses_young_rows_and_keeps_the_chain(void **state)
{
    db_conn *db = *state;
    audit_purge_report rep;
    ms_err err;
    char day[11];
    time_t now = time(NULL);
    const char *seal = path_in_dir("seal3");
    unlink(seal);
    write_rows(db, 4);
    /* today's rows are younger than 180 days */
    beijing_date(now + 86400, day);
    assert_int_equal(audit_purge(db, day, 180, now, seal, &rep, &err), -1);
    assert_string_equal(err.field, "before");
    assert_int_equal(db_one_int(db, 0, "SELECT COUNT(*) FROM audit_log"), 4);
    /* a shorter retention is refused outright */
    assert_int_equal(audit_purge(db, "2020-01-01", 30, now, seal, &rep, &err), -1);
    assert_string_equal(err.field, "min_days");
    /* 400 days on, the same rows may go */
    time_t later = now + 400 * 86400;
    assert_int_equal(audit_purge(db, day, 180, later, seal, &rep, &err), 0);
    assert_int_equal(rep.purged, 4);
    assert_int_equal(rep.through_id, 4);
    assert_int_equal(db_one_int(db, 0, "SELECT COUNT(*) FROM audit_log WHERE id <= 4"), 0);
    assert_int_equal(db_one_int(db, 0, "SELECT COUNT(*) FROM audit_log WHERE action = 'audit_purge'"), 1);
    write_rows(db, 2);
    audit_verify_report vr;
    assert_int_equal(audit_verify(db, seal, &vr, &err), 0);
    assert_int_equal(vr.first_id, 5);
    assert_int_equal(vr.anchors, 1);
    assert_int_equal(vr.seals, 1);
    /* the anchor cannot be moved without the key */
    assert_int_equal(db_exec(db, "UPDATE audit_anchor SET through_id = 3"), DB_DONE);
    expect_broken(db, seal, 0, "清理锚点");
    unlink(seal);
}

static void test_purge_refuses_a_broken_chain(void **state)
{
    db_conn *db = *state;
    audit_purge_report rep;
    ms_err err;
    char day[11];
    time_t now = time(NULL);
    write_rows(db, 3);
    assert_int_equal(db_exec(db, "UPDATE audit_log SET detail = 'x' WHERE id = 2"), DB_DONE);
    beijing_date(now + 86400, day);
    assert_int_equal(audit_purge(db, day, 180, now + 400 * 86400, NULL, &rep, &err), -1);
    assert_int_equal(err.kind, ERR_CONFLICT);
    assert_int_equal(db_one_int(db, 0, "SELECT COUNT(*) FROM audit_log"), 3);
}

/* ---- alerts --------------------------------------------------------------------------- */

static void test_failed_login_burst_raises_one_alert(void **state)
{
    db_conn *db = *state;
    assert_int_equal(db_begin(db), DB_DONE);
    for (int i = 0; i < 12; i++) {
        audit_entry e = {.user_id = 3, .username = "shequ01", .client_ip = "10.1.1.1", .action = "login_failed",
                         .entity = "session", .outcome = "failure"};
        assert_int_equal(audit_write(db, &e), 0);
        int64_t alerts = db_one_int(db, 0, "SELECT COUNT(*) FROM security_alert");
        /* the 10th failure trips both the per-user and the per-address rule, once */
        assert_int_equal(alerts, i < 9 ? 0 : 2);
    }
    assert_int_equal(db_commit(db), DB_DONE);
    assert_int_equal(db_one_int(db, 0, "SELECT COUNT(*) FROM security_alert WHERE rule = 'login_failures_user'"
                                       " AND subject = 'shequ01' AND count = 10"), 1);
    assert_int_equal(db_one_int(db, 0, "SELECT COUNT(*) FROM security_alert WHERE rule = 'login_failures_ip'"
                                       " AND subject = '10.1.1.1'"), 1);
    assert_int_equal(db_one_int(db, 0, "SELECT COUNT(*) FROM audit_log WHERE action = 'security_alert'"), 2);
    expect_intact(db, NULL, 14);
}

static void test_full_id_views_and_exports_raise_alerts(void **state)
{
    db_conn *db = *state;
    assert_int_equal(db_begin(db), DB_DONE);
    for (int i = 0; i < 50; i++)
        assert_int_equal(audit_write(db, &(audit_entry){.user_id = 5, .username = "jiedao", .action = "view_full_id",
                                                       .entity = "resident", .entity_id = i + 1}), 0);
    for (int i = 0; i < 5; i++)
        assert_int_equal(audit_write(db, &(audit_entry){.user_id = 6, .username = "shequ02", .action = "export"}), 0);
    assert_int_equal(db_commit(db), DB_DONE);
    assert_int_equal(db_one_int(db, 0, "SELECT COUNT(*) FROM security_alert WHERE rule = 'full_id_views' AND user_id = 5"), 1);
    assert_int_equal(db_one_int(db, 0, "SELECT COUNT(*) FROM security_alert WHERE rule = 'bulk_exports' AND user_id = 6"), 1);
}

static void test_alert_ack(void **state)
{
    db_conn *db = *state;
    ms_err err;
    actor admin = {.id = 1, .username = "admin", .role = ROLE_ADMIN, .scope_path = "/1/"};
    actor other = {.id = 2, .username = "admin2", .role = ROLE_ADMIN, .scope_path = "/1/9/"};
    assert_int_equal(db_exec(db, "INSERT INTO org_unit(id, kind, code, name, path, created_at, updated_at)"
                                 " VALUES (1, 'street', '371702001', '街道', '/1/', 'x', 'x');"
                                 "INSERT INTO app_user(id, username, display_name, role, org_unit_id, password_hash,"
                                 " created_at, updated_at) VALUES (1, 'admin', 'a', 'admin', 1, 'x', 'x', 'x')"),
                     DB_DONE);
    assert_int_equal(db_exec(db, "INSERT INTO security_alert(at, rule, subject, org_path, count, detail)"
                                 " VALUES ('2026-01-01T00:00:00Z', 'bulk_exports', '6', '/1/2/', 5, 'x')"),
                     DB_DONE);
    assert_int_equal(alerts_ack(db, 1, &other, &err), -1);
    assert_int_equal(err.kind, ERR_NOT_FOUND);
    assert_int_equal(alerts_ack(db, 2, &admin, &err), -1);
    assert_int_equal(err.kind, ERR_NOT_FOUND);
    assert_int_equal(alerts_ack(db, 1, &admin, &err), 0);
    assert_int_equal(alerts_ack(db, 1, &admin, &err), -1);
    assert_int_equal(err.kind, ERR_CONFLICT);
}

/* ---- time --------------------------------------------------------------------------------- */

static void test_beijing_days_and_times(void **state)
{
    char out[32];
    assert_string_equal(audit_day_start_utc("2026-03-01", 0, out), "2026-02-28T16:00:00Z");
    assert_string_equal(audit_day_start_utc("2026-12-31", 1, out), "2026-12-31T16:00:00Z");
    assert_string_equal(audit_beijing_time("2026-02-28T16:30:00Z", out), "2026-03-01T00:30:00+08:00");
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/minsheng-audit-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_path_resolution),
        cmocka_unit_test(test_key_file_created_0600_once_and_reloaded),
        cmocka_unit_test(test_key_file_refused_when_others_may_read_or_wrong_size),
        T(test_rows_are_chained_and_verify),
        T(test_no_key_no_audit_row),
        T(test_outcome_failure_and_bad_outcome),
        T(test_updated_row_is_named),
        T(test_updated_column_of_any_kind_is_named),
        T(test_deleted_middle_row_is_named),
        T(test_deleted_oldest_rows_are_named),
        T(test_forged_rows_are_named),
        T(test_swapped_rows_are_named),
        T(test_ids_are_not_reused_after_delete),
        T(test_checkpoint_catches_deleted_newest_rows),
        T(test_forged_or_foreign_checkpoint_is_named),
        T(test_rows_from_before_the_chain_are_adopted),
        T(test_writer_refuses_after_unchained_newest_row),
        T(test_purge_refuses_young_rows_and_keeps_the_chain),
        T(test_purge_refuses_a_broken_chain),
        T(test_failed_login_burst_raises_one_alert),
        T(test_full_id_views_and_exports_raise_alerts),
        T(test_alert_ack),
        cmocka_unit_test(test_beijing_days_and_times),
    };
    int rc = cmocka_run_group_tests_name("unit_audit", tests, NULL, NULL);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        rc = 1;
    return rc;
}
