/* test_audit.c — the audit log as auditors and attackers meet it, against
 * the real server and the real `minsheng` command:
 *   - the key file: refused when others may read it or when it is missing
 *     for a chained log; --key-file and MINSHENG_KEY_FILE name it;
 *   - tampering with SQL (UPDATE a row, DELETE a middle row, DELETE the
 *     newest rows after a checkpoint, INSERT a forged row) makes
 *     `minsheng audit verify` exit 1 naming the row; intact it exits 0;
 *   - the server seals the chain head at shutdown;
 *   - the purge refuses anything younger than 180 days;
 *   - refused requests (403, cross-scope 404, refused writes) are
 *     audited as security events with outcome, caller and address;
 *   - rows show time with zone (+08:00) and outcome; date filters are
 *     Beijing days (or times) whatever the server's time zone; the
 *     username filter; the action codes with their Chinese names;
 *   - the auditor's CSV export, itself audited; rows and the export give
 *     each action's Chinese name beside its code;
 *   - command-line rows name the OS user (and the sudo user);
 *   - a burst of failed sign-ins raises an alert that the security
 *     administrator sees and acknowledges (the auditor sees it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "storage/db.h"

static test_server srv;
static char *t_admin, *t_auditor, *t_g0101, *t_street, *t_sec;
static char key_path[400];

/* ---- helpers ------------------------------------------------------------- */

/* Runs `minsheng --db <db> args...` and returns the exit status and the
 * combined output in *out (malloc'd). */
static int cli_on(const char *db, const char *const *args, char **out)
{
    test_server s = srv;
    snprintf(s.db, sizeof s.db, "%s", db);
    s.key_file[0] = '\0';   /* each call names the key file it means */
    return run_cli_output(&s, args, NULL, out);
}

static void assert_contains(const char *text, const char *needle)
{
    if (!strstr(text, needle))
        print_error("expected \"%s\" in output:\n%s\n", needle, text);
    assert_non_null(strstr(text, needle));
}

/* A consistent copy of the live database (the server keeps running). */
static const char *copy_db(const char *name)
{
    return server_db_copy(&srv, name);
}

static void sql_on(const char *dbpath, const char *sql)
{
    char err[256];
    db_conn *db = db_open(dbpath, err, sizeof err);
    assert_non_null(db);
    assert_int_equal(db_exec(db, sql), DB_DONE);
    db_close(db);
}

static long long one_int(const char *dbpath, const char *sql)
{
    char err[256];
    db_conn *db = db_open(dbpath, err, sizeof err);
    assert_non_null(db);
    long long v = db_one_int(db, -1, sql);
    db_close(db);
    return v;
}

/* `audit verify` on a copy with the server's key and the given seal file. */
static int verify(const char *dbpath, const char *seal, char **out)
{
    return cli_on(dbpath, (const char *[]){"--key-file", key_path, "audit", "verify", "--seal", seal, NULL}, out);
}

static void expect_broken_at(const char *dbpath, const char *seal, long long id, const char *what)
{
    char *out;
    int rc = verify(dbpath, seal, &out);
    if (rc != 1)
        print_error("verify answered %d:\n%s\n", rc, out);
    assert_int_equal(rc, 1);
    assert_contains(out, fmt("第一处断点：第 %lld 行", id));
    assert_contains(out, what);
    free(out);
}

/* Some audited writes: notes changed on a resident of the street's scope. */
static void some_writes(int n)
{
    json_t *j = api_get_ok(&srv, t_street, "/api/v1/residents?page_size=20&sort=id");
    long long rid = jint(json_array_get(json_object_get(j, "items"), 0), "id");
    json_decref(j);
    for (int i = 0; i < n; i++)
        json_decref(api_expect(&srv, t_street, "PATCH", fmt("/api/v1/residents/%lld", rid),
                               fmt("{\"notes\":\"审计测试 %d-%ld\"}", i, (long)time(NULL)), 200));
}

/* The newest audit row with this action (JSON, caller decrefs). */
static json_t *newest_with(const char *action)
{
    json_t *j = api_get_ok(&srv, t_auditor, fmt("/api/v1/audit?action=%s&page_size=1&sort=-id", action));
    json_t *row = json_incref(json_array_get(json_object_get(j, "items"), 0));
    json_decref(j);
    assert_non_null(row);
    return row;
}

/* ---- setup --------------------------------------------------------------- */

static int setup(void **state)
{
    /* Date filters must be Beijing days even on a server whose local
     * zone is far from it (UTC-12 here, as a POSIX TZ string). */
    setenv("TZ", "XXX+12", 1);
    int rc = server_start(&srv, 20, NULL);
    unsetenv("TZ");
    if (rc != 0)
        return -1;
    if (srv.key_file[0])   /* PostgreSQL: named, in the temp dir */
        snprintf(key_path, sizeof key_path, "%s", srv.key_file);
    else
        snprintf(key_path, sizeof key_path, "%s.key", srv.db);
    t_admin = login(&srv, "admin", DEMO_PW);
    t_auditor = login(&srv, "auditor", DEMO_PW);
    t_g0101 = login(&srv, "wangge0101", DEMO_PW);
    t_street = login(&srv, "jiedao", DEMO_PW);
    t_sec = login(&srv, "anquan", DEMO_PW);
    return t_admin && t_auditor && t_g0101 && t_street && t_sec ? 0 : -1;
}

static int teardown(void **state)
{
    free(t_admin);
    free(t_auditor);
    free(t_g0101);
    free(t_street);
    free(t_sec);
    return server_stop(&srv) == 0 ? 0 : -1;
}

/* ---- key file -------------------------------------------------------------- */

static void key_file_next_to_database_and_strict(void **state)
{
    struct stat st;
    char *out;
    assert_int_equal(stat(key_path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, 32);
    /* readable by the group: refused with a clear message */
    assert_int_equal(chmod(key_path, 0640), 0);
    assert_int_not_equal(cli_on(srv.db, (const char *[]){"--key-file", key_path, "audit", "verify", NULL}, &out), 0);
    assert_contains(out, "权限过宽");
    assert_contains(out, "chmod 600");
    free(out);
    assert_int_equal(chmod(key_path, 0600), 0);
}

static void missing_key_refused_once_the_log_is_chained(void **state)
{
    char *out;
    const char *db = copy_db("nokey");
    /* the copy has no key next to it: refused, nothing created */
    assert_int_not_equal(cli_on(db, (const char *[]){"audit", "verify", NULL}, &out), 0);
    assert_contains(out, "密钥文件");
    assert_contains(out, "--key-file");
    free(out);
    assert_int_not_equal(access(fmt("%s.key", db), F_OK), 0);
    /* named by --key-file (before or after the command) or the environment: accepted */
    assert_int_equal(cli_on(db, (const char *[]){"--key-file", key_path, "audit", "verify", NULL}, &out), 0);
    assert_contains(out, "审计日志完整");
    free(out);
    assert_int_equal(cli_on(db, (const char *[]){"audit", "verify", "--key-file", key_path, NULL}, &out), 0);
    free(out);
    setenv("MINSHENG_KEY_FILE", key_path, 1);
    assert_int_equal(cli_on(db, (const char *[]){"audit", "verify", NULL}, &out), 0);
    free(out);
    unsetenv("MINSHENG_KEY_FILE");
    /* another key does not verify this log */
    const char *other = fmt("%s/other.key", srv.dir);
    FILE *f = fopen(other, "w");
    assert_non_null(f);
    fputs("0123456789abcdef0123456789abcdef", f);
    fclose(f);
    assert_int_equal(chmod(other, 0600), 0);
    assert_int_equal(cli_on(db, (const char *[]){"--key-file", other, "audit", "verify", NULL}, &out), 1);
    assert_contains(out, "第 1 行");
    free(out);
}

/* ---- tampering ------------------------------------------------------------------ */

static void verify_names_the_tampered_row(void **state)
{
    char *out;
    some_writes(4);
    const char *seal = fmt("%s/none.seal", srv.dir);
    const char *db = copy_db("intact");
    long long last = one_int(db, "SELECT MAX(id) FROM audit_log");
    assert_true(last >= 5);
    assert_int_equal(verify(db, seal, &out), 0);
    assert_contains(out, "审计日志完整");
    assert_contains(out, fmt("至 %lld 行", last));
    free(out);

    long long mid = last - 2;
    db = copy_db("updated");
    sql_on(db, fmt("UPDATE audit_log SET detail = '无事发生' WHERE id = %lld", mid));
    expect_broken_at(db, seal, mid, "被修改");

    db = copy_db("deleted");
    sql_on(db, fmt("DELETE FROM audit_log WHERE id = %lld", mid));
    expect_broken_at(db, seal, mid, "已被删除");

    db = copy_db("inserted");
    sql_on(db, "INSERT INTO audit_log(at, username, action, outcome) VALUES ('2026-01-01T00:00:00Z', 'admin', 'login', 'success')");
    expect_broken_at(db, seal, last + 1, "插入");

    db = copy_db("forged");
    sql_on(db, fmt("INSERT INTO audit_log(at, username, action, outcome, prev_hash, row_hash)"
                   " SELECT '2026-01-01T00:00:00Z', 'admin', 'login', 'success', row_hash,"
                   " '5EED5EED5EED5EED5EED5EED5EED5EED5EED5EED5EED5EED5EED5EED5EED5EED'"
                   " FROM audit_log WHERE id = %lld", last));
    expect_broken_at(db, seal, last + 1, fmt("第 %lld 行", last + 1));
}

static void checkpoint_catches_deleted_newest_rows(void **state)
{
    char *out;
    some_writes(2);
    const char *db = copy_db("sealed");
    const char *seal = fmt("%s/sealed.seal", srv.dir);
    long long last = one_int(db, "SELECT MAX(id) FROM audit_log");
    assert_int_equal(cli_on(db, (const char *[]){"--key-file", key_path, "audit", "checkpoint", "--seal", seal, NULL}, &out), 0);
    assert_contains(out, fmt("minsheng-audit-seal v1 "));
    assert_contains(out, fmt(" %lld ", last));
    free(out);
    sql_on(db, fmt("DELETE FROM audit_log WHERE id >= %lld", last - 1));
    /* the chain alone cannot see it ... */
    assert_int_equal(verify(db, fmt("%s/none.seal", srv.dir), &out), 0);
    free(out);
    /* ... the checkpoint can */
    expect_broken_at(db, seal, last - 1, "已被删除");
}

static void server_seals_the_chain_head_at_shutdown(void **state)
{
    test_server s2;
    char seal[128];
    snprintf(seal, sizeof seal, "/tmp/minsheng-test-seal-%d", (int)getpid());
    unlink(seal);
    assert_int_equal(server_start(&s2, 5, (const char *[]){"--seal", seal, "--checkpoint-minutes", "0", NULL}), 0);
    char *tok = login(&s2, "auditor", DEMO_PW);
    assert_non_null(tok);
    json_t *j = api_get_ok(&s2, tok, "/api/v1/audit?page_size=1&sort=-id");
    long long last = jint(json_array_get(json_object_get(j, "items"), 0), "id");
    json_decref(j);
    free(tok);
    assert_int_equal(server_stop(&s2), 0);
    char *text = read_whole_file(seal, NULL);
    assert_non_null(text);
    assert_non_null(strstr(text, "minsheng-audit-seal v1 "));
    assert_non_null(strstr(text, fmt(" %lld ", last)));
    free(text);
    unlink(seal);
}

static void purge_refuses_rows_younger_than_180_days(void **state)
{
    char *out;
    const char *db = copy_db("purge");
    long long rows = one_int(db, "SELECT COUNT(*) FROM audit_log");
    assert_int_equal(cli_on(db, (const char *[]){"--key-file", key_path, "audit", "purge", "--before", "2099-01-01", NULL}, &out), 1);
    assert_contains(out, "至少保留 180 天");
    free(out);
    assert_int_equal(cli_on(db, (const char *[]){"--key-file", key_path, "audit", "purge", "--before", "2000-01-01",
                                                  "--min-days", "30", NULL}, &out), 2);
    assert_contains(out, "--min-days");
    free(out);
    /* nothing that old: nothing purged, and the refusals changed nothing */
    assert_int_equal(cli_on(db, (const char *[]){"--key-file", key_path, "audit", "purge", "--before", "2000-01-01", NULL}, &out), 0);
    assert_contains(out, "没有可清理");
    free(out);
    assert_int_equal(one_int(db, "SELECT COUNT(*) FROM audit_log"), rows);
}

/* ---- refused requests are security events ----------------------------------------- */

static void refused_requests_are_audited(void **state)
{
    /* another community than wangge0101's */
    long long far = org_id_by_code(&srv, t_admin, "371702001002");
    assert_true(far > 0);
    long long denied_before = api_total(&srv, t_auditor, "/api/v1/audit?action=access_denied&page_size=1");

    json_decref(api_expect(&srv, t_g0101, "GET", fmt("/api/v1/org-units/%lld", far), NULL, 404));
    json_t *row = newest_with("access_denied");
    assert_string_equal(jstr(row, "username"), "wangge0101");
    assert_string_equal(jstr(row, "outcome"), "failure");
    assert_string_equal(jstr(row, "client_ip"), "127.0.0.1");
    assert_non_null(strstr(jstr(row, "detail"), fmt("GET /api/v1/org-units/%lld → 404 not_found", far)));
    json_decref(row);

    /* a role refusal (403) and a cross-scope write */
    json_decref(api_expect(&srv, t_g0101, "GET", "/api/v1/users", NULL, 403));
    row = newest_with("access_denied");
    assert_non_null(strstr(jstr(row, "detail"), "GET /api/v1/users → 403 forbidden"));
    json_decref(row);
    json_t *r = NULL;
    long st = api_send(&srv, "PATCH", t_g0101, fmt("/api/v1/org-units/%lld", far), "{\"notes\":\"越权\"}", &r);
    json_decref(r);
    assert_true(st == 403 || st == 404);
    assert_int_equal(api_total(&srv, t_auditor, "/api/v1/audit?action=access_denied&page_size=1"), denied_before + 3);

    /* a write refused for bad input */
    json_decref(api_expect(&srv, t_g0101, "POST", "/api/v1/residents", "{\"name\":\"\"}", 400));
    row = newest_with("write_refused");
    assert_string_equal(jstr(row, "outcome"), "failure");
    assert_non_null(strstr(jstr(row, "detail"), "POST /api/v1/residents → 400 bad_request"));
    json_decref(row);

    /* sign-in failures are audited by the sign-in path, not twice */
    long long failed = api_total(&srv, t_auditor, "/api/v1/audit?action=login_failed&page_size=1");
    char *bad = login(&srv, "wangge0101", "wrong-password-1");
    assert_null(bad);
    assert_int_equal(api_total(&srv, t_auditor, "/api/v1/audit?action=login_failed&page_size=1"), failed + 1);
    row = newest_with("login_failed");
    assert_string_equal(jstr(row, "outcome"), "failure");
    json_decref(row);
}

/* ---- rows, time zone, filters ---------------------------------------------------------- */

static void rows_have_zone_and_outcome_and_beijing_day_filters(void **state)
{
    char today[11], yesterday[11];
    time_t now = time(NULL) + 8 * 3600, before = now - 86400;
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    gmtime_r(&before, &tm);
    strftime(yesterday, sizeof yesterday, "%Y-%m-%d", &tm);

    some_writes(1);
    json_t *row = newest_with("update");
    const char *at = jstr(row, "at");
    assert_int_equal(strlen(at), 25);   /* 2026-03-01T10:03:04+08:00 */
    assert_string_equal(at + 19, "+08:00");
    assert_memory_equal(at, today, 10);
    assert_string_equal(jstr(row, "outcome"), "success");
    long long id = jint(row, "id");
    json_decref(row);

    /* the row written now is in today's Beijing day, not yesterday's */
    json_t *j = api_get_ok(&srv, t_auditor, fmt("/api/v1/audit?action=update&from=%s&to=%s&page_size=200", today, today));
    int found = 0;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(j, "items"), i, it) found |= jint(it, "id") == id;
    json_decref(j);
    assert_true(found);
    j = api_get_ok(&srv, t_auditor, fmt("/api/v1/audit?action=update&to=%s&page_size=200", yesterday));
    json_array_foreach(json_object_get(j, "items"), i, it) assert_true(jint(it, "id") != id);
    json_decref(j);

    /* outcome filter */
    j = api_get_ok(&srv, t_auditor, "/api/v1/audit?outcome=failure&page_size=200");
    assert_true(jint(j, "total") > 0);
    json_array_foreach(json_object_get(j, "items"), i, it) assert_string_equal(jstr(it, "outcome"), "failure");
    json_decref(j);
}

/* The username filter (exact), Beijing times to the minute or second in
 * from/to, and the list of action codes with their names. */
static void username_and_time_filters_and_the_action_list(void **state)
{
    some_writes(1);
    json_t *row = newest_with("update");
    char who[64], at[26], minute[17], second[20], before[17];
    snprintf(who, sizeof who, "%s", jstr(row, "username"));
    snprintf(at, sizeof at, "%s", jstr(row, "at"));   /* 2026-03-01T10:03:04+08:00 */
    long long id = jint(row, "id");
    json_decref(row);
    snprintf(minute, sizeof minute, "%.16s", at);
    snprintf(second, sizeof second, "%.19s", at);
    long long n = api_total(&srv, t_auditor, fmt("/api/v1/audit?action=update&username=%s&page_size=1", who));
    assert_true(n > 0);
    assert_int_equal(api_total(&srv, t_auditor, "/api/v1/audit?action=update&username=nosuchuser&page_size=1"), 0);
    assert_true(api_total(&srv, t_auditor, fmt("/api/v1/audit?action=update&username=%s&page_size=1", who)) <
                api_total(&srv, t_auditor, "/api/v1/audit?page_size=1"));
    /* `to` includes its whole minute or second; `from` starts at it */
    assert_true(api_list_has(&srv, t_auditor, fmt("/api/v1/audit?action=update&from=%s&to=%s&page_size=200", minute, minute), id));
    assert_true(api_list_has(&srv, t_auditor, fmt("/api/v1/audit?action=update&from=%s&to=%s&page_size=200", second, second), id));
    assert_true(api_list_has(&srv, t_auditor, fmt("/api/v1/audit?action=update&from=%s&page_size=200", urlenc(fmt("%.10s %.8s", at, at + 11))), id));
    /* an hour before */
    time_t t = time(NULL) + 8 * 3600 - 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(before, sizeof before, "%Y-%m-%dT%H:%M", &tm);
    assert_false(api_list_has(&srv, t_auditor, fmt("/api/v1/audit?action=update&to=%s&page_size=200", before), id));
    static const char *const BAD[] = {"2026-03-01T25:00", "2026-02-30T10:00", "2026-03-01T10:0", "2026-03-01T10:00Z",
                                      "2026-03-01T10:00:60", NULL};
    for (int i = 0; BAD[i]; i++) {
        json_t *e = api_expect(&srv, t_auditor, "GET", fmt("/api/v1/audit?from=%s", BAD[i]), NULL, 400);
        assert_string_equal(err_field(e), "from");
        json_decref(e);
    }
    /* the action codes and their names: the auditor's only */
    json_t *j = api_get_ok(&srv, t_auditor, "/api/v1/audit/actions");
    size_t i;
    json_t *it;
    int found = 0;
    json_array_foreach(json_object_get(j, "items"), i, it)
        found |= strcmp(jstr(it, "code"), "login_failed") == 0 && strcmp(jstr(it, "label"), "登录失败") == 0;
    assert_true(found);
    assert_true(json_array_size(json_object_get(j, "items")) > 40);
    json_decref(j);
    json_decref(api_expect(&srv, t_admin, "GET", "/api/v1/audit/actions", NULL, 403));
}

/* ---- export ------------------------------------------------------------------------ */

static void auditor_exports_csv_and_the_export_is_audited(void **state)
{
    http_resp r;
    long long exports = api_total(&srv, t_auditor, "/api/v1/audit?action=export&entity=audit_log&page_size=1");
    long long n = api_total(&srv, t_auditor, "/api/v1/audit?outcome=failure&page_size=1");
    assert_int_equal(http(&srv, "GET", "/api/v1/audit/export?outcome=failure", t_auditor, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.content_type, "text/csv"));
    assert_non_null(strstr(r.content_disposition, "attachment"));
    assert_memory_equal(r.body, "\xEF\xBB\xBF", 3);
    assert_memory_equal(r.body + 3, "编号,时间（北京时间）,用户ID,用户名,操作,结果", strlen("编号,时间（北京时间）,用户ID,用户名,操作,结果"));
    long long lines = 0;
    for (size_t k = 0; k < r.len; k++)
        lines += r.body[k] == '\n';
    assert_int_equal(lines - 1, n);
    assert_non_null(strstr(r.body, ",失败,"));
    assert_null(strstr(r.body, ",成功,"));
    /* 操作 in Chinese, the code in the last column */
    assert_non_null(strstr(r.body, ",修改后,操作代码"));
    assert_non_null(strstr(r.body, ",登录失败,失败,"));
    assert_non_null(strstr(r.body, ",login_failed\r\n"));
    char fields[512];
    assert_true(resp_header(&r, "X-Export-Fields", fields, sizeof fields));
    assert_string_equal(fields, "id,at,user_id,username,action_label,outcome,entity,entity_id,org_path,client_ip,"
                                "detail,before,after,action");
    assert_non_null(strstr(r.body, "+08:00"));
    http_free(&r);
    assert_int_equal(api_total(&srv, t_auditor, "/api/v1/audit?action=export&entity=audit_log&page_size=1"), exports + 1);
    json_t *row = newest_with("export");
    assert_non_null(strstr(jstr(row, "detail"), "outcome=failure"));
    assert_string_equal(jstr(row, "username"), "auditor");
    json_decref(row);
    /* the auditor's only: the admin and the grid worker are refused */
    json_decref(api_expect(&srv, t_admin, "GET", "/api/v1/audit/export", NULL, 403));
    json_decref(api_expect(&srv, t_g0101, "GET", "/api/v1/audit/export", NULL, 403));
    json_decref(api_expect(&srv, t_auditor, "GET", "/api/v1/audit/export?from=2026-13-01", NULL, 400));
}

/* ---- readable rows ----------------------------------------------------------------- */

static void rows_name_actions_in_chinese_and_the_os_user(void **state)
{
    json_t *row = newest_with("login_failed");
    assert_string_equal(jstr(row, "action"), "login_failed");
    assert_string_equal(jstr(row, "action_label"), "登录失败");
    json_decref(row);
    row = newest_with("update");
    assert_string_equal(jstr(row, "action_label"), "修改");
    json_decref(row);

    /* A command writes its audit row under the OS user who ran it. */
    struct passwd *pw = getpwuid(geteuid());
    assert_non_null(pw);
    char me[64];
    snprintf(me, sizeof me, "%s", pw->pw_name);
    const char *out = fmt("%s/os-user-export.csv", srv.dir);
    const char *args[] = {"export", "residents", "--org", "371702001", "--out", out, NULL};
    unsetenv("SUDO_USER");
    assert_int_equal(run_cli(&srv, args, fmt("%s/os-user.out", srv.dir), NULL), 0);
    row = newest_with("export");
    assert_string_equal(jstr(row, "username"), fmt("system:%s", me));
    assert_string_equal(jstr(row, "action_label"), "导出");
    assert_true(json_is_null(json_object_get(row, "user_id")));
    json_decref(row);
    setenv("SUDO_USER", "zhang.san", 1);
    assert_int_equal(run_cli(&srv, args, fmt("%s/os-user.out", srv.dir), NULL), 0);
    unsetenv("SUDO_USER");
    row = newest_with("export");
    assert_string_equal(jstr(row, "username"), fmt("system:%s (sudo zhang.san)", me));
    json_decref(row);
}

/* ---- alerts ------------------------------------------------------------------------------ */

static void failed_login_burst_raises_an_alert_secadmin_acknowledges(void **state)
{
    const char *name = "nobody-such-user";
    for (int i = 0; i < 10; i++)
        assert_null(login(&srv, name, "Wrong#Password1"));
    json_t *j = api_get_ok(&srv, t_sec, "/api/v1/security/alerts?acked=0");
    json_t *it, *mine = NULL;
    size_t i;
    json_array_foreach(json_object_get(j, "items"), i, it) {
        if (strcmp(jstr(it, "rule"), "login_failures_user") == 0 && strcmp(jstr(it, "subject"), name) == 0)
            mine = it;
    }
    assert_non_null(mine);
    assert_int_equal(jint(mine, "count"), 10);
    assert_string_equal(jstr(mine, "at") + 19, "+08:00");
    long long id = jint(mine, "id");
    json_decref(j);
    /* written to the audit log too */
    json_t *row = newest_with("security_alert");
    assert_non_null(strstr(jstr(row, "detail"), "登录失败"));
    json_decref(row);
    /* the auditor sees alerts but may not acknowledge; the grid worker neither */
    assert_true(api_total(&srv, t_auditor, "/api/v1/security/alerts") >= 1);
    json_decref(api_expect(&srv, t_auditor, "POST", fmt("/api/v1/security/alerts/%lld/ack", id), "{}", 403));
    json_decref(api_expect(&srv, t_g0101, "GET", "/api/v1/security/alerts", NULL, 403));
    json_decref(api_expect(&srv, t_admin, "GET", "/api/v1/security/alerts", NULL, 403));
    json_decref(api_expect(&srv, t_sec, "POST", fmt("/api/v1/security/alerts/%lld/ack", id), "{}", 200));
    json_decref(api_expect(&srv, t_sec, "POST", fmt("/api/v1/security/alerts/%lld/ack", id), "{}", 409));
    json_decref(api_expect(&srv, t_sec, "POST", "/api/v1/security/alerts/999999/ack", "{}", 404));
    j = api_get_ok(&srv, t_sec, "/api/v1/security/alerts?acked=1");
    int acked = 0;
    json_array_foreach(json_object_get(j, "items"), i, it) {
        if (jint(it, "id") == id) {
            acked = 1;
            assert_string_equal(jstr(it, "acked_by"), "anquan");
        }
    }
    json_decref(j);
    assert_true(acked);
    row = newest_with("ack");
    assert_int_equal(jint(row, "entity_id"), id);
    json_decref(row);
    /* the whole log still verifies */
    char *out;
    assert_int_equal(verify(copy_db("end"), fmt("%s/none.seal", srv.dir), &out), 0);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(key_file_next_to_database_and_strict),
        cmocka_unit_test(missing_key_refused_once_the_log_is_chained),
        cmocka_unit_test(verify_names_the_tampered_row),
        cmocka_unit_test(checkpoint_catches_deleted_newest_rows),
        cmocka_unit_test(server_seals_the_chain_head_at_shutdown),
        cmocka_unit_test(purge_refuses_rows_younger_than_180_days),
        cmocka_unit_test(refused_requests_are_audited),
        cmocka_unit_test(rows_have_zone_and_outcome_and_beijing_day_filters),
        cmocka_unit_test(username_and_time_filters_and_the_action_list),
        cmocka_unit_test(auditor_exports_csv_and_the_export_is_audited),
        cmocka_unit_test(rows_name_actions_in_chinese_and_the_os_user),
        cmocka_unit_test(failed_login_burst_raises_an_alert_secadmin_acknowledges),
    };
    return cmocka_run_group_tests_name("api_audit", tests, setup, teardown);
}
