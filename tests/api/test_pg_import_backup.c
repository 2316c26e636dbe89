/* test_pg_import_backup.c — the CSV import through COPY, and backup and restore
 * with pg_dump / pg_restore, on a real PostgreSQL (a throwaway cluster:
 * tests/unit/pg_temp.h, or the database MINSHENG_TEST_PG_URI names)
 * with the server running on it (harness server_start_db).
 *
 * The import's rows hold what COPY's text format must escape (tabs,
 * backslashes, newlines, "\N", "\.") beside Chinese, and come back byte
 * for byte, the maintained counts right (`check counts`). Its checks,
 * asked 64 records at a time on PostgreSQL, give the row errors they
 * give on SQLite — an ID number registered before, in this file or in
 * an earlier chunk of it, a second head, a household of another grid —
 * and all-or-nothing still imports nothing. Then `backup`
 * runs pg_dump through a wrapper (MINSHENG_PG_BIN) that records its
 * arguments and environment: the --db URI's password is in PGPASSWORD
 * only, never an argument nor in the output, and the output says it is
 * a pg_dump custom-format archive. After a change to the data, `restore`
 * into a new empty database gives the data of the backup (the change
 * absent), an audit chain that verifies with the key, the right counts
 * and a `restore` audit row; a second restore into the now non-empty
 * database, and a restore of a file that is no archive, are refused. */
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

#include "harness.h"
#include "unit/pg_temp.h"
#include "util/strbuf.h"

#define GRID "371702001001-01"
#define GRID_OTHER "371702001001-02"
#define PASSWORD "s3cret-PW-never-shown"

/* The notes and address of the imported head of household: CSV quoting
 * carries the tab, backslashes and newline in. */
#define NOTES "第一行\t制表符\\反斜杠\n第二行 \\N 和 \\. 以及 C:\\路径\\"
#define NOTES_CSV "\"第一行\t制表符\\反斜杠\n第二行 \\N 和 \\. 以及 C:\\路径\\\""
#define ADDRESS "菏泽市牡丹区\\斜杠路\\N号"

static test_server srv;
static char *t_street;

static int setup(void **state)
{
    if (start_cluster(state) != 0)
        return -1;
    if (server_start_db(&srv, uri, 30, NULL) != 0) {
        stop_cluster(state);
        return -1;
    }
    t_street = login(&srv, "jiedao", DEMO_PW);
    return t_street ? 0 : -1;
}

static int teardown(void **state)
{
    free(t_street);
    int rc = server_stop(&srv);
    return stop_cluster(state) | rc;
}

/* The URI of database `name` on the cluster of `base` (its path replaced). */
static void uri_of_database(const char *base, const char *name, char *out, size_t outsz)
{
    const char *host = strstr(base, "://");
    assert_non_null(host);
    const char *path = strchr(host + 3, '/');
    assert_non_null(path);
    const char *query = strchr(path, '?');
    snprintf(out, outsz, "%.*s/%s%s", (int)(path - base), base, name, query ? query : "");
}

/* The URI with PASSWORD in its userinfo (trust authentication ignores it). */
static void uri_with_password(const char *base, char *out, size_t outsz)
{
    const char *host = strstr(base, "://");
    const char *at = strchr(host + 3, '@');
    assert_non_null(at);
    snprintf(out, outsz, "%.*s:" PASSWORD "%s", (int)(at - base), base, at);
}

/* The first text column of the first row sql gives on database db_uri ("" when none). */
static char *query_text(const char *db_uri, const char *sql, const char *arg)
{
    char err[256];
    static char out[2048];
    db_conn *db = db_open(db_uri, err, sizeof err);
    assert_non_null(db);
    db_one_text(db, out, sizeof out, sql, DB_TEXT(arg));
    db_close(db);
    return out;
}

static long long query_int(const char *db_uri, const char *sql)
{
    char err[256];
    db_conn *db = db_open(db_uri, err, sizeof err);
    assert_non_null(db);
    long long n = db_one_int(db, -1, sql);
    db_close(db);
    return n;
}

/* Runs a command on database db_uri (the server's key file); its output in *msg (caller frees). */
static int run_on(const char *db_uri, const char *const *args, char **msg)
{
    test_server s = srv;
    snprintf(s.db, sizeof s.db, "%s", db_uri);
    const char *out = fmt("%s/cli.out", srv.dir);
    unlink(out);
    int rc = run_cli(&s, args, out, NULL);
    *msg = read_whole_file(out, NULL);
    assert_non_null(*msg);
    return rc;
}

/* POST /import/residents with csv: the status, the JSON body in *out. */
static long import_pg(const char *query, const char *csv, json_t **out)
{
    return api_import(&srv, t_street, query, csv, strlen(csv), out);
}

/* An import through the API (COPY underneath) keeps every awkward byte. */
static void import_keeps_awkward_text(void **state)
{
    char csv[2048], id1[19], id2[19];
    snprintf(id1, sizeof id1, "%s", fresh_old_id("110105"));
    snprintf(id2, sizeof id2, "%s", fresh_id("110105"));
    snprintf(csv, sizeof csv,
             "姓名,身份证号,与户主关系,网格编码,户编号,地址,标签,备注\n"
             "复制甲,%s,户主," GRID ",PG-COPY-1," ADDRESS ",低保、高龄," NOTES_CSV "\n"
             "复制乙,%s,配偶," GRID ",PG-COPY-1,,,\"\\\\\"\n",
             id1, id2);
    json_t *rep;
    assert_int_equal(import_pg("", csv, &rep), 200);
    assert_int_equal(jint(rep, "imported"), 2);
    assert_int_equal(jint(rep, "households_created"), 1);
    json_decref(rep);

    json_t *found = api_get_ok(&srv, t_street, fmt("/api/v1/residents?name=%s&page_size=20", urlenc("复制甲")));
    assert_int_equal(jint(found, "total"), 1);
    long long rid = jint(json_array_get(json_object_get(found, "items"), 0), "id");
    json_decref(found);
    json_t *one = api_get_ok(&srv, t_street, fmt("/api/v1/residents/%lld", rid));
    assert_string_equal(jstr(one, "notes"), NOTES);
    json_decref(one);
    assert_string_equal(query_text(uri, "SELECT address FROM household WHERE code = ?", "PG-COPY-1"), ADDRESS);
    assert_string_equal(query_text(uri, "SELECT notes FROM resident WHERE name = ?", "复制乙"), "\\\\");
    assert_string_equal(query_text(uri, "SELECT string_agg(t.tag, ',' ORDER BY t.tag) FROM resident_tag t"
                                        " JOIN resident r ON r.id = t.resident_id WHERE r.name = ?", "复制甲"),
                        "dibao,elderly");

    char *msg;
    const char *counts[] = {"check", "counts", NULL};
    assert_int_equal(run_on(uri, counts, &msg), 0);
    free(msg);
}


/* errors[i] of a report is (row, field) and its message holds `says`. */
static void assert_row_error(json_t *report, size_t i, long long row, const char *field, const char *says)
{
    json_t *e = json_array_get(json_object_get(report, "errors"), i);
    assert_non_null(e);
    if (jint(e, "row") != row || strcmp(jstr(e, "field"), field) != 0 || !strstr(jstr(e, "message"), says))
        print_error("error %zu: row %lld field %s: %s\n", i, jint(e, "row"), jstr(e, "field"), jstr(e, "message"));
    assert_int_equal(jint(e, "row"), row);
    assert_string_equal(jstr(e, "field"), field);
    assert_non_null(strstr(jstr(e, "message"), says));
}

static long long residents_now(void)
{
    return query_int(uri, "SELECT COUNT(*) FROM resident");
}

/* The checks asked in chunks give the errors a row-by-row import gives. */
static void import_checks_on_postgres(void **state)
{
    char csv[4096], a1[19], a2[19], b1[19], b2[19];
    snprintf(a1, sizeof a1, "%s", fresh_id("110105"));
    snprintf(a2, sizeof a2, "%s", fresh_id("110105"));
    snprintf(b1, sizeof b1, "%s", fresh_id("110105"));
    snprintf(b2, sizeof b2, "%s", fresh_id("110105"));
    snprintf(csv, sizeof csv,
             "姓名,身份证号,与户主关系,网格编码,户编号,地址\n"
             "检查甲,%s,户主," GRID ",PG-CHK-1,菏泽市牡丹区检查路1号\n", a1);
    json_t *rep;
    assert_int_equal(import_pg("", csv, &rep), 200);
    json_decref(rep);

    long long before = residents_now();
    snprintf(csv, sizeof csv,
             "姓名,身份证号,与户主关系,网格编码,户编号,地址\n"
             "已登记,%s,子," GRID ",PG-CHK-1,\n"                       /* 2: registered before */
             "第二户主,%s,户主," GRID ",PG-CHK-1,\n"                    /* 3: the household has a head */
             "别的网格,%s,子," GRID_OTHER ",PG-CHK-1,\n"                /* 4: household of another grid */
             "好配偶,%s,配偶," GRID ",PG-CHK-1,\n"                      /* 5: imported */
             "新户主,%s,户主," GRID ",PG-CHK-2,菏泽市牡丹区检查路2号\n" /* 6: imported, new household */
             "重复号,%s,子," GRID ",PG-CHK-2,\n"                        /* 7: the ID of line 6 */
             "又户主,%s,户主," GRID ",PG-CHK-2,\n",                     /* 8: line 6 is its head */
             a1, fresh_id("110105"), fresh_id("110105"), a2, b1, b1, b2);
    assert_int_equal(import_pg("?mode=valid", csv, &rep), 200);
    assert_int_equal(jint(rep, "imported"), 2);
    assert_int_equal(jint(rep, "households_created"), 1);
    assert_int_equal(jint(rep, "error_rows"), 5);
    assert_row_error(rep, 0, 2, "id_number", "已登记");
    assert_row_error(rep, 1, 3, "relation", "已有户主");
    assert_row_error(rep, 2, 4, "household_code", "其他网格");
    assert_row_error(rep, 3, 7, "id_number", "第6行");
    assert_row_error(rep, 4, 8, "relation", "已有户主");
    json_decref(rep);
    assert_int_equal(residents_now(), before + 2);

    /* More rows than one chunk: a household made in the first chunk, and
     * an ID number of the first chunk, meet again in the third. */
    strbuf big = STRBUF_INIT;
    char first_ids[4][19];
    sb_puts(&big, "姓名,身份证号,与户主关系,网格编码,户编号,地址\n");
    for (int i = 0; i < 150; i++) {
        const char *id = fresh_id("110105");
        if (i < 4)
            snprintf(first_ids[i], sizeof first_ids[i], "%s", id);
        sb_printf(&big, "批量%s,%s,%s," GRID ",PG-BIG-%d,%s\n", cn_number((unsigned)i), id, i % 2 ? "配偶" : "户主", i / 2,
                  i % 2 ? "" : "菏泽市牡丹区批量路");
    }
    sb_printf(&big, "晚来户主,%s,户主," GRID ",PG-BIG-0,\n", fresh_id("110105"));   /* line 152 */
    sb_printf(&big, "晚来重复,%s,子," GRID ",PG-BIG-1,\n", first_ids[3]);          /* line 153 */
    before = residents_now();
    assert_int_equal(import_pg("?mode=valid", big.data, &rep), 200);
    assert_int_equal(jint(rep, "imported"), 150);
    assert_int_equal(jint(rep, "households_created"), 75);
    assert_int_equal(jint(rep, "error_rows"), 2);
    assert_row_error(rep, 0, 152, "relation", "已有户主");
    assert_row_error(rep, 1, 153, "id_number", "第5行");
    json_decref(rep);
    assert_int_equal(residents_now(), before + 150);

    /* All or nothing: a file with one bad row far down imports nothing;
     * the same IDs go in afterwards without it (nothing was left behind). */
    sb_reset(&big);
    sb_puts(&big, "姓名,身份证号,与户主关系,网格编码,户编号,地址\n");
    for (int i = 0; i < 100; i++)
        sb_printf(&big, "全或无%s,%s,户主," GRID ",PG-ALL-%d,菏泽市牡丹区全无路\n", cn_number((unsigned)i), fresh_id("110105"), i);
    size_t good_len = big.len;
    sb_printf(&big, "坏行,%s,户主," GRID ",PG-ALL-X,菏泽市牡丹区全无路\n", a2);   /* registered above */
    before = residents_now();
    assert_int_equal(import_pg("", big.data, &rep), 400);
    assert_int_equal(jint(json_object_get(rep, "report"), "imported"), 0);
    assert_row_error(json_object_get(rep, "report"), 0, 102, "id_number", "已登记");
    json_decref(rep);
    assert_int_equal(residents_now(), before);
    big.data[good_len] = '\0';
    assert_int_equal(import_pg("", big.data, &rep), 200);
    assert_int_equal(jint(rep, "imported"), 100);
    json_decref(rep);
    sb_free(&big);

    char *msg;
    const char *counts[] = {"check", "counts", NULL};
    assert_int_equal(run_on(uri, counts, &msg), 0);
    free(msg);
}

/* pg_dump and pg_restore wrappers that record how they were called. */
static const char *wrappers(void)
{
    const char *dir = fmt("%s/pgbin", srv.dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    for (int i = 0; i < 2; i++) {
        const char *tool = i ? "pg_restore" : "pg_dump";
        const char *path = fmt("%s/%s", dir, tool);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fprintf(f, "#!/bin/sh\nprintf '%%s\\n' \"$@\" >>'%s/%s.args'\nprintf '%%s\\n' \"${PGPASSWORD:-}\" >>'%s/%s.pw'\n"
                   "exec %s \"$@\"\n", dir, tool, dir, tool, tool);
        fclose(f);
        assert_int_equal(chmod(path, 0700), 0);
    }
    return dir;
}

static void backup_change_restore(void **state)
{
    char pw_uri[400], restored[400], dump[400], bin[400], *msg;
    snprintf(dump, sizeof dump, "%s/street.dump", srv.dir);
    snprintf(bin, sizeof bin, "%s", wrappers());
    uri_with_password(uri, pw_uri, sizeof pw_uri);
    const char *checkpoint[] = {"audit", "checkpoint", NULL};
    assert_int_equal(run_on(uri, checkpoint, &msg), 0);   /* a seal file for the restore to move aside */
    free(msg);

    setenv("MINSHENG_PG_BIN", bin, 1);
    const char *backup[] = {"backup", dump, NULL};
    int rc = run_on(pw_uri, backup, &msg);
    if (rc != 0)
        print_error("backup: %s\n", msg);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(msg, "pg_dump 自定义格式归档"));
    assert_null(strstr(msg, PASSWORD));
    free(msg);
    char *args = read_whole_file(fmt("%s/pg_dump.args", bin), NULL), *pw = read_whole_file(fmt("%s/pg_dump.pw", bin), NULL);
    assert_non_null(args);
    assert_non_null(pw);
    assert_null(strstr(args, PASSWORD));            /* never on its command line … */
    assert_non_null(strstr(args, "--format=custom"));
    assert_string_equal(pw, PASSWORD "\n");         /* … only in its environment */
    free(args);
    free(pw);
    struct stat st;
    assert_int_equal(stat(dump, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    size_t len;
    char *head = read_whole_file(dump, &len);
    assert_true(len > 5 && memcmp(head, "PGDMP", 5) == 0);   /* pg_dump's custom format */
    free(head);
    assert_int_equal(run_on(pw_uri, backup, &msg), 1);   /* not over an existing file */
    assert_non_null(strstr(msg, "已存在"));
    free(msg);
    assert_int_equal(query_int(uri, "SELECT COUNT(*) FROM audit_log WHERE action = 'backup'"), 1);

    /* A change after the backup. */
    json_t *h = api_expect(&srv, t_street, "POST", "/api/v1/households",
                           fmt("{\"code\":\"PG-AFTER-1\",\"grid_id\":%lld,\"address\":\"备份之后路1号\"}",
                               org_id_by_code(&srv, t_street, GRID)), 201);
    json_decref(h);
    long long residents = query_int(uri, "SELECT COUNT(*) FROM resident");

    /* Restore into a new, empty database. */
    char err[256];
    db_conn *admin = db_open(uri, err, sizeof err);
    assert_non_null(admin);
    assert_int_equal(db_exec(admin, "CREATE DATABASE ms_restored TEMPLATE template0 LOCALE 'C' ENCODING 'UTF8'"), DB_DONE);
    db_close(admin);
    uri_of_database(pw_uri, "ms_restored", restored, sizeof restored);
    const char *restore[] = {"restore", dump, NULL};
    rc = run_on(restored, restore, &msg);
    if (rc != 0)
        print_error("restore: %s\n", msg + (strlen(msg) > 600 ? strlen(msg) - 600 : 0));
    assert_int_equal(rc, 0);
    assert_non_null(strstr(msg, "pg_restore"));
    assert_non_null(strstr(msg, "原检查点文件移为"));
    assert_null(strstr(msg, PASSWORD));
    free(msg);
    pw = read_whole_file(fmt("%s/pg_restore.pw", bin), NULL);
    args = read_whole_file(fmt("%s/pg_restore.args", bin), NULL);
    assert_non_null(strstr(pw, PASSWORD));
    assert_null(strstr(args, PASSWORD));
    free(pw);
    free(args);
    unsetenv("MINSHENG_PG_BIN");

    /* The data of the backup, not the change; the awkward text intact. */
    assert_int_equal(query_int(restored, "SELECT COUNT(*) FROM resident"), residents);
    assert_string_equal(query_text(restored, "SELECT COUNT(*) FROM household WHERE code = ?", "PG-AFTER-1"), "0");
    assert_string_equal(query_text(restored, "SELECT notes FROM resident WHERE name = ?", "复制甲"), NOTES);
    assert_string_equal(query_text(restored, "SELECT address FROM household WHERE code = ?", "PG-COPY-1"), ADDRESS);
    assert_string_equal(query_text(restored, "SELECT action FROM audit_log WHERE action <> ? ORDER BY id DESC LIMIT 1", "-"),
                        "restore");
    const char *verify[] = {"audit", "verify", NULL};
    const char *counts[] = {"check", "counts", NULL};
    assert_int_equal(run_on(restored, verify, &msg), 0);
    assert_non_null(strstr(msg, "审计日志完整"));
    free(msg);
    assert_int_equal(run_on(restored, counts, &msg), 0);
    free(msg);

    /* Not into a database that holds anything; not from a file that is no archive. */
    assert_int_equal(run_on(restored, restore, &msg), 1);
    assert_non_null(strstr(msg, "不是空的"));
    free(msg);
    const char *not_archive[] = {"restore", fmt("%s/cli.out", srv.dir), NULL};
    assert_int_equal(run_on(restored, not_archive, &msg), 1);
    assert_non_null(strstr(msg, "pg_dump"));
    free(msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(import_keeps_awkward_text),
        cmocka_unit_test(import_checks_on_postgres),
        cmocka_unit_test(backup_change_restore),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
