/* test_cli.c — the `minsheng` command line, run as a child process on
 * the test server's database: help and usage errors, `user add`
 * (password rules, then signing in over HTTP), `import residents` with
 * row errors, `export residents --out`, `backup` + `migrate` on the
 * copy, and `demo` refusing a database that already has a street. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static test_server srv;
static char *t_street, *t_auditor;   /* registry work; the audit log */
static long long grid_a;

/* ---- helpers ------------------------------------------------------------- */

/* Runs `minsheng --db <db of s> args...`; returns the exit status and
 * the combined stdout/stderr in *out (malloc'd). */
static int cli_on(const test_server *s, const char *const *args, const char *stdin_data, char **out)
{
    static int seq;
    char path[400];
    snprintf(path, sizeof path, "%s/cli-%d.out", srv.dir, ++seq);
    int rc = run_cli(s, args, path, stdin_data);
    *out = read_whole_file(path, NULL);
    if (!*out)
        *out = calloc(1, 1);
    return rc;
}

static int cli(const char *const *args, const char *stdin_data, char **out)
{
    return cli_on(&srv, args, stdin_data, out);
}

static void assert_contains(const char *text, const char *needle)
{
    if (!strstr(text, needle))
        print_error("expected \"%s\" in output:\n%s\n", needle, text);
    assert_non_null(strstr(text, needle));
}

static long long total_of(const char *path)
{
    json_t *j = NULL;
    long st = api_get(&srv, t_street, path, &j);
    assert_int_equal(st, 200);
    long long n = jint(j, "total");
    json_decref(j);
    return n;
}

#define new_id() fresh_id("110106")

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t n = strlen(text);
    int ok = fwrite(text, 1, n, f) == n;
    fclose(f);
    return ok ? 0 : -1;
}

/* ---- fixture ------------------------------------------------------------- */

static int setup(void **state)
{
    unsetenv("MINSHENG_PASSWORD");   /* passwords come from stdin below */
    if (server_start(&srv, 100, NULL) != 0)
        return -1;
    t_street = login(&srv, "jiedao", DEMO_PW);
    t_auditor = login(&srv, "auditor", DEMO_PW);
    if (!t_street || !t_auditor)
        return -1;
    grid_a = org_id_by_code(&srv, t_street, "371702001001-01");
    return grid_a ? 0 : -1;
}

static int teardown(void **state)
{
    free(t_street);
    free(t_auditor);
    return server_stop(&srv);
}

/* ---- tests ----------------------------------------------------------------- */

static void help_and_usage_errors(void **state)
{
    char *out;
    assert_int_equal(cli((const char *[]){"--help", NULL}, NULL, &out), 0);
    assert_contains(out, "用法: minsheng");
    assert_contains(out, "import residents");
    free(out);
    assert_int_equal(cli((const char *[]){"import", "--help", NULL}, NULL, &out), 0);
    assert_contains(out, "--mode");
    free(out);
    assert_int_equal(cli((const char *[]){"export", "--help", NULL}, NULL, &out), 0);
    assert_contains(out, "export residents");
    free(out);
    assert_int_equal(cli((const char *[]){"backup", "--help", NULL}, NULL, &out), 0);
    assert_contains(out, "backup");
    free(out);

    assert_int_equal(cli((const char *[]){"frobnicate", NULL}, NULL, &out), 2);
    assert_contains(out, "frobnicate");
    free(out);
    assert_int_equal(cli((const char *[]){"--bogus-option", "migrate", NULL}, NULL, &out), 2);
    free(out);
    assert_int_equal(cli((const char *[]){"user", NULL}, NULL, &out), 2);
    free(out);
    assert_int_equal(cli((const char *[]){"user", "add", "nobody", NULL}, NULL, &out), 2);   /* no --role/--org */
    free(out);
    assert_int_equal(cli((const char *[]){"import", "residents", NULL}, NULL, &out), 2);
    free(out);
    assert_int_equal(cli((const char *[]){"import", "residents", "x.csv", "--mode", "some", NULL}, NULL, &out), 2);
    free(out);
    assert_int_equal(cli((const char *[]){"init", "--street-code", "371702002", NULL}, NULL, &out), 2);
    free(out);
}

/* main.c handles "minsheng help <command>" as "<command> --help": it must
 * print that command's help and exit 0 — never run the command. */
static void help_command_prints_that_commands_help(void **state)
{
    char *out;
    int bad = 0;
    int rc = cli((const char *[]){"help", "export", NULL}, NULL, &out);
    if (rc != 0 || !strstr(out, "export residents") || strstr(out, "用法错误")) {
        print_error("help export -> %d:\n%s\n", rc, out);
        bad++;
    }
    free(out);
    rc = cli((const char *[]){"help", "backup", NULL}, NULL, &out);
    if (rc != 0 || !strstr(out, "备份文件")) {
        print_error("help backup -> %d:\n%s\n", rc, out);
        bad++;
    }
    free(out);
    /* "help migrate" on a database that does not exist must not create it. */
    test_server other = srv;
    snprintf(other.db, sizeof other.db, "%s/help-never-created.db", srv.dir);
    rc = cli_on(&other, (const char *[]){"help", "migrate", NULL}, NULL, &out);
    if (rc != 0 || !strstr(out, "用法: minsheng migrate") || access(other.db, F_OK) == 0) {
        print_error("help migrate -> %d, database %s:\n%s\n", rc, access(other.db, F_OK) == 0 ? "CREATED" : "not created",
                    out);
        bad++;
    }
    free(out);
    assert_int_equal(cli((const char *[]){"help", NULL}, NULL, &out), 0);
    assert_contains(out, "用法: minsheng");
    free(out);
    assert_int_equal(bad, 0);
}

static void user_add_rejects_weak_password(void **state)
{
    char *out;
    int rc = cli((const char *[]){"user", "add", "weakling", "--role", "grid", "--org", "371702001001-01", NULL},
                 "abc\n", &out);
    assert_int_not_equal(rc, 0);
    assert_contains(out, "密码");
    free(out);
    rc = cli((const char *[]){"user", "add", "weakling", "--role", "grid", "--org", "371702001001-01", NULL},
             "abcdefghij\n", &out);   /* long enough, one class only */
    assert_int_not_equal(rc, 0);
    assert_contains(out, "密码");
    free(out);
    assert_null(login(&srv, "weakling", "abc"));
    assert_null(login(&srv, "weakling", "abcdefghij"));
    assert_int_equal(cli((const char *[]){"user", "list", NULL}, NULL, &out), 0);
    assert_contains(out, "wangge0101");
    assert_null(strstr(out, "weakling"));
    free(out);
    /* Unknown unit or role: refused too. */
    rc = cli((const char *[]){"user", "add", "lost", "--role", "grid", "--org", "999999", NULL}, "Strong#Pass2026\n", &out);
    assert_int_not_equal(rc, 0);
    free(out);
    rc = cli((const char *[]){"user", "add", "lost", "--role", "king", "--org", "371702001001-01", NULL},
             "Strong#Pass2026\n", &out);
    assert_int_not_equal(rc, 0);
    free(out);
    assert_null(login(&srv, "lost", "Strong#Pass2026"));
}

static void user_add_then_login_over_http(void **state)
{
    char *out;
    int rc = cli((const char *[]){"user", "add", "cli_grid", "--role", "grid", "--org", "371702001001-01", "--name",
                                  "命令行网格员", NULL},
                 "Strong#Pass2026\n", &out);
    if (rc != 0)
        print_error("%s\n", out);
    assert_int_equal(rc, 0);
    assert_contains(out, "cli_grid");
    free(out);
    /* An initial password: the first sign-in may only change it. */
    char *tok = login(&srv, "cli_grid", "Strong#Pass2026");
    assert_non_null(tok);
    assert_int_equal(api_get(&srv, tok, "/api/v1/residents?page_size=20", NULL), 403);
    assert_int_equal(api_send(&srv, "POST", tok, "/api/v1/auth/password",
                              "{\"old_password\":\"Strong#Pass2026\",\"new_password\":\"Own#Choice2026\"}", NULL), 200);
    free(tok);
    tok = login(&srv, "cli_grid", "Own#Choice2026");
    assert_non_null(tok);
    json_t *me;
    assert_int_equal(api_get(&srv, tok, "/api/v1/auth/me", &me), 200);
    assert_string_equal(jstr(me, "username"), "cli_grid");
    assert_string_equal(jstr(me, "role"), "grid");
    assert_string_equal(jstr(me, "display_name"), "命令行网格员");
    assert_int_equal(jint(json_object_get(me, "org_unit"), "id"), grid_a);
    json_decref(me);
    /* Their scope is the grid they were given. */
    json_t *j;
    assert_int_equal(api_get(&srv, tok, "/api/v1/residents?page_size=100", &j), 200);
    size_t i;
    json_t *it;
    assert_true(json_array_size(json_object_get(j, "items")) > 0);
    json_array_foreach(json_object_get(j, "items"), i, it)
        assert_int_equal(jint(it, "grid_id"), grid_a);
    json_decref(j);
    free(tok);
    /* The same name twice: refused. */
    rc = cli((const char *[]){"user", "add", "cli_grid", "--role", "viewer", "--org", "371702001", NULL},
             "Other#Pass2026\n", &out);
    assert_int_not_equal(rc, 0);
    free(out);
    assert_null(login(&srv, "cli_grid", "Other#Pass2026"));
    /* passwd resets it. */
    assert_int_equal(cli((const char *[]){"user", "passwd", "cli_grid", NULL}, "Changed#Pass2026\n", &out), 0);
    free(out);
    assert_null(login(&srv, "cli_grid", "Own#Choice2026"));
    tok = login(&srv, "cli_grid", "Changed#Pass2026");
    assert_non_null(tok);
    /* A reset from the command line is an initial password again. */
    assert_int_equal(api_get(&srv, tok, "/api/v1/residents?page_size=20", NULL), 403);
    free(tok);
}

/* The command line (whoever holds the database and key files) creates
 * the first security administrator and auditor alone: its accounts
 * need no approval, and each is audited. */
static void user_add_bootstraps_a_security_administrator(void **state)
{
    char *out;
    int rc = cli((const char *[]){"user", "add", "anquan9", "--role", "secadmin", "--org", "371702001", NULL},
                 "Anquan#Chushi2026\n", &out);
    assert_int_equal(rc, 0);
    free(out);
    json_t *j = NULL;
    assert_int_equal(api_send(&srv, "POST", NULL, "/api/v1/auth/login",
                              "{\"username\":\"anquan9\",\"password\":\"Anquan#Chushi2026\"}", &j), 200);
    json_t *user = json_object_get(j, "user");
    assert_string_equal(jstr(user, "role"), "secadmin");
    assert_true(json_array_has_str(json_object_get(user, "pending"), "password_change"));
    assert_false(json_array_has_str(json_object_get(user, "pending"), "role_approval"));
    json_decref(j);
    j = NULL;
    assert_int_equal(api_get(&srv, t_auditor, "/api/v1/audit?action=create&entity=user&page_size=1&sort=-id", &j), 200);
    assert_string_equal(jstr(json_array_get(json_object_get(j, "items"), 0), "detail"), "anquan9");
    json_decref(j);
}

static void import_with_errors_exits_nonzero_and_names_rows(void **state)
{
    char csv[1024], path[400], id1[19], id2[19], id3[19];
    snprintf(id1, sizeof id1, "%s", new_id());
    snprintf(id2, sizeof id2, "%s", new_id());
    snprintf(id3, sizeof id3, "%s", new_id());
    id2[17] = id2[17] == '0' ? '1' : '0';   /* wrong check digit */
    snprintf(csv, sizeof csv,
             "\xEF\xBB\xBF姓名,身份证号,与户主关系,网格编码,户编号,地址\n"
             "命令甲,%s,户主,371702001001-01,CLI-H-1,菏泽市牡丹区命令路1号\n"
             "命令乙,%s,子,371702001001-01,CLI-H-1,\n"
             "命令丙,%s,女,371702001001-01,CLI-H-1,\n"
             "命令丁,%s,女,371702001001-01,CLI-H-1,\n",
             id1, id2, id3, id1);
    snprintf(path, sizeof path, "%s/cli-import.csv", srv.dir);
    assert_int_equal(write_text(path, csv), 0);
    long long before = total_of("/api/v1/residents?page_size=20&status=all");

    char *out;
    int rc = cli((const char *[]){"import", "residents", path, NULL}, NULL, &out);
    assert_int_not_equal(rc, 0);
    assert_contains(out, "第 3 行");
    assert_contains(out, "第 5 行");   /* duplicate of line 2 */
    free(out);
    assert_int_equal(total_of("/api/v1/residents?page_size=20&status=all"), before);
    assert_int_equal(total_of(fmt("/api/v1/residents?id_number=%s&status=all", id1)), 0);

    /* --mode valid: the good rows go in, the bad ones are still reported. */
    char report[400];
    snprintf(report, sizeof report, "%s/cli-report.json", srv.dir);
    rc = cli((const char *[]){"import", "residents", path, "--mode", "valid", "--report", report, NULL}, NULL, &out);
    assert_int_equal(rc, 0);
    assert_contains(out, "第 3 行");
    free(out);
    assert_int_equal(total_of(fmt("/api/v1/residents?id_number=%s", id1)), 1);
    assert_int_equal(total_of(fmt("/api/v1/residents?id_number=%s", id3)), 1);
    assert_int_equal(total_of("/api/v1/residents?page_size=20&status=all"), before + 2);
    json_t *rep = json_load_file(report, 0, NULL);
    assert_non_null(rep);
    assert_int_equal(json_array_size(rep), 2);
    assert_int_equal(jint(json_array_get(rep, 0), "row"), 3);
    assert_string_equal(jstr(json_array_get(rep, 0), "field"), "id_number");
    assert_int_equal(jint(json_array_get(rep, 1), "row"), 5);
    json_decref(rep);

    /* A file that does not exist. */
    rc = cli((const char *[]){"import", "residents", "/nonexistent/dir/x.csv", NULL}, NULL, &out);
    assert_int_not_equal(rc, 0);
    free(out);
}

static void export_out_writes_the_file(void **state)
{
    char path[400], full_path[400];
    snprintf(path, sizeof path, "%s/cli-export.csv", srv.dir);
    snprintf(full_path, sizeof full_path, "%s/cli-export-full.csv", srv.dir);
    char *out;
    int rc = cli((const char *[]){"export", "residents", "--org", "371702001001-01", "--out", path, NULL}, NULL, &out);
    assert_int_equal(rc, 0);
    free(out);
    size_t len;
    char *csv = read_whole_file(path, &len);
    assert_non_null(csv);
    assert_true(len > 3);
    assert_memory_equal(csv, "\xEF\xBB\xBF", 3);
    assert_non_null(strstr(csv, "身份证号"));
    size_t lines = 0;
    for (char *p = csv; *p; p++)
        lines += *p == '\n';
    long long n = total_of(fmt("/api/v1/residents?org_unit_id=%lld&page_size=20", grid_a));
    assert_true(n > 0);
    assert_int_equal((long long)lines - 1, n);
    assert_non_null(strstr(csv, "********"));
    /* No full ID number of the grid in the masked file; all of them in the --full-id one. */
    json_t *j;
    assert_int_equal(api_get(&srv, t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=100&full_id=1", grid_a), &j), 200);
    rc = cli((const char *[]){"export", "residents", "--org", "371702001001-01", "--full-id", "--purpose", "核对户籍", "--out", full_path, NULL},
             NULL, &out);
    assert_int_equal(rc, 0);
    free(out);
    char *full = read_whole_file(full_path, NULL);
    assert_non_null(full);
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(j, "items"), i, it) {
        assert_null(strstr(csv, jstr(it, "id_number")));
        assert_non_null(strstr(full, jstr(it, "id_number")));
    }
    json_decref(j);
    free(csv);
    free(full);
    /* The purpose of a full export is kept in its audit row; without one it is refused. */
    assert_int_equal(api_get(&srv, t_auditor, "/api/v1/audit?action=export&page_size=1", &j), 200);
    assert_non_null(strstr(jstr(json_array_get(json_object_get(j, "items"), 0), "detail"), "用途：核对户籍"));
    json_decref(j);
    rc = cli((const char *[]){"export", "residents", "--full-id", "--out", full_path, NULL}, NULL, &out);
    assert_int_not_equal(rc, 0);
    assert_non_null(strstr(out, "--purpose"));
    free(out);
    /* Unknown unit: an error, no file. */
    char bad_path[400];
    snprintf(bad_path, sizeof bad_path, "%s/cli-export-bad.csv", srv.dir);
    rc = cli((const char *[]){"export", "residents", "--org", "999999", "--out", bad_path, NULL}, NULL, &out);
    assert_int_not_equal(rc, 0);
    free(out);
}

static void backup_is_a_database_migrate_accepts(void **state)
{
    if (skip_on_pg("backup copies a SQLite file (test_pg_smoke: on PostgreSQL it points to pg_dump)"))
        skip();
    char path[300];
    snprintf(path, sizeof path, "%s/backup.db", srv.dir);
    char *out;
    assert_int_equal(cli((const char *[]){"backup", path, NULL}, NULL, &out), 0);
    free(out);
    size_t len;
    char *db = read_whole_file(path, &len);
    assert_non_null(db);
    assert_true(len > 4096);
    assert_memory_equal(db, "SQLite format 3", 16);
    free(db);
    /* The copy is a working database, with the original's key file
     * (kept apart from the database; here named by the environment). */
    test_server copy = srv;
    snprintf(copy.db, sizeof copy.db, "%s", path);
    assert_int_not_equal(cli_on(&copy, (const char *[]){"migrate", NULL}, NULL, &out), 0);
    assert_contains(out, "密钥文件");
    free(out);
    setenv("MINSHENG_KEY_FILE", fmt("%s.key", srv.db), 1);
    assert_int_equal(cli_on(&copy, (const char *[]){"migrate", NULL}, NULL, &out), 0);
    assert_contains(out, "数据库结构版本");
    free(out);
    assert_int_equal(cli_on(&copy, (const char *[]){"user", "list", NULL}, NULL, &out), 0);
    assert_contains(out, "wangge0101");
    free(out);
    char exp_path[400];
    snprintf(exp_path, sizeof exp_path, "%s/from-backup.csv", srv.dir);
    assert_int_equal(cli_on(&copy, (const char *[]){"export", "residents", "--org", "371702001001-01", "--out", exp_path, NULL},
                            NULL, &out), 0);
    free(out);
    unsetenv("MINSHENG_KEY_FILE");
    char *csv = read_whole_file(exp_path, NULL);
    size_t lines = 0;
    for (char *p = csv; *p; p++)
        lines += *p == '\n';
    free(csv);
    assert_int_equal((long long)lines - 1, total_of(fmt("/api/v1/residents?org_unit_id=%lld&page_size=20", grid_a)));
    /* An existing file is never overwritten. */
    assert_int_not_equal(cli((const char *[]){"backup", path, NULL}, NULL, &out), 0);
    free(out);
}

static void demo_refuses_a_database_with_a_street(void **state)
{
    long long before = total_of("/api/v1/residents?page_size=20&status=all");
    long long hh_before = total_of("/api/v1/households?page_size=20&status=all");
    char *out;
    int rc = cli((const char *[]){"demo", "--households", "5", NULL}, NULL, &out);
    assert_int_not_equal(rc, 0);
    assert_contains(out, "已有");
    free(out);
    assert_int_equal(total_of("/api/v1/residents?page_size=20&status=all"), before);
    assert_int_equal(total_of("/api/v1/households?page_size=20&status=all"), hh_before);
    /* --if-empty skips quietly. */
    assert_int_equal(cli((const char *[]){"demo", "--households", "5", "--if-empty", NULL}, NULL, &out), 0);
    free(out);
    assert_int_equal(total_of("/api/v1/residents?page_size=20&status=all"), before);
    /* The demo accounts still sign in with their password. */
    char *tok = login(&srv, "wangge0101", DEMO_PW);
    assert_non_null(tok);
    free(tok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(help_and_usage_errors),
        cmocka_unit_test(help_command_prints_that_commands_help),
        cmocka_unit_test(user_add_rejects_weak_password),
        cmocka_unit_test(user_add_then_login_over_http),
        cmocka_unit_test(user_add_bootstraps_a_security_administrator),
        cmocka_unit_test(import_with_errors_exits_nonzero_and_names_rows),
        cmocka_unit_test(export_out_writes_the_file),
        cmocka_unit_test(backup_is_a_database_migrate_accepts),
        cmocka_unit_test(demo_refuses_a_database_with_a_street),
    };
    return cmocka_run_group_tests_name("api_cli", tests, setup, teardown);
}
