/* test_assist_payments.c — social assistance payments through the API
 * (and the 存量纳入 command that gives them cases): runs computed with
 * hand-worked amounts (a top-up household, the 80+ band at the exact
 * birthday, the 低保 standard's change on 2024-07-01), four eyes, no
 * second run of a month (also when two requests race), adjustments
 * carried once, holds, the bank file and the bank return, the summary
 * figures, and who may do what. The tests of the group run in order on
 * one server: each builds on the runs the previous ones left. */
#include <pthread.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "registry_fixture.h"
#include "core/fieldcrypt.h"
#include "core/keys.h"
#include "util/validate.h"
#include "util/xlsx_read.h"

static char *t_review;        /* a second street account: the reviewer */
static char *t_c02;           /* community 002: another community */
static long long case_a, case_b, case_c, case_d;   /* enrolled cases */
static long long res_d;       /* D's resident id */
static long long run_jun, run_jul;                  /* 低保 2024-06, 2024-07 */


static char *id_born(const char *ymd8, int serial)
{
    static char out[8][19];
    static int k;
    char first17[18];
    snprintf(first17, sizeof first17, "110101%s%03d", ymd8, serial);
    return id_with_check(first17, out[k++ % 8]);
}

static const char *write_file(const char *name, const char *text)
{
    const char *path = fmt("%s/%s", srv.dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static long long case_of(long long resident)
{
    return server_sql_int(&srv, fmt("SELECT id FROM assistance_case WHERE resident_id = %lld", resident));
}

/* The line of case_id in the run's first 100 lines (borrowed from *j). */
static json_t *line_of(json_t *run, long long case_id, const char *kind)
{
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(json_object_get(run, "lines"), "items"), i, l)
        if (jint(l, "case_id") == case_id && (!kind || strcmp(jstr(l, "kind"), kind) == 0))
            return l;
    return NULL;
}

/* 1 when the JSON text of j holds s. */
static int json_has_text(json_t *j, const char *s)
{
    char *d = json_dumps(j, 0);
    int has = d && strstr(d, s) != NULL;
    free(d);
    return has;
}

static json_t *run_view(const char *tok, long long id)
{
    return get_ok(tok, fmt("/api/v1/assistance/runs/%lld?page_size=100", id));
}

static long long compute(const char *programme, const char *month)
{
    json_t *j = req(t_street, "POST", "/api/v1/assistance/runs",
                    fmt("{\"programme\":\"%s\",\"month\":\"%s\"}", programme, month), 201);
    long long id = jint(j, "id");
    assert_string_equal(jstr(j, "status"), "draft");
    json_decref(j);
    return id;
}

static void freeze(long long id)
{
    json_decref(req(t_review, "POST", fmt("/api/v1/assistance/runs/%lld/freeze", id), "{}", 200));
}

/* ---- setup: residents, the enrolment file, a second street account ------ */

static int group_setup(void **state)
{
    if (registry_setup(state) != 0)
        return -1;
    t_c02 = login(&srv, "shequ02", DEMO_PW);
    /* the reviewer: the demo's second street account (复核) */
    t_review = login(&srv, "fuhe", DEMO_PW);
    return t_review ? 0 : -1;
}

static int group_teardown(void **state)
{
    free(t_review);
    free(t_c02);
    return registry_teardown(state);
}

/* 存量纳入: four cases in grid A (community 001), all or nothing. */
static void enrol_brings_in_active_cases(void **state)
{
    (void)state;
    long long hh = create_household(t_street, "371702001001-01-8801", grid_a, 0);
    char ida[19], idb[19], idc[19], idd[19], idx[19];
    snprintf(ida, sizeof ida, "%s", id_born("19800315", 101));
    snprintf(idb, sizeof idb, "%s", id_born("19441201", 102));   /* 80 on 2024-12-01 */
    snprintf(idc, sizeof idc, "%s", id_born("19441202", 103));   /* 80 on 2024-12-02 */
    snprintf(idd, sizeof idd, "%s", id_born("19700520", 104));
    snprintf(idx, sizeof idx, "%s", id_born("19900101", 105));   /* never registered */
    long long ra = create_resident(t_street, hh, ida, fmt("甲%s", cn_number(1)), ",\"relation\":\"户主\"");
    create_resident(t_street, hh, idb, fmt("乙%s", cn_number(2)), ",\"relation\":\"父母\"");
    create_resident(t_street, hh, idc, fmt("丙%s", cn_number(3)), ",\"relation\":\"父母\"");
    long long hh2 = create_household(t_street, "371702001001-01-8802", grid_a, 0);
    res_d = create_resident(t_street, hh2, idd, fmt("丁%s", cn_number(4)), ",\"relation\":\"户主\"");
    const char *head = "programme,id_number,area,band_key,members_counted,income_fen,start_month,review_class,"
                       "bank_name,account_name,account_number\n";
    char good[2048], bad[2048];
    snprintf(good, sizeof good,
             "%sdibao_urban,%s,urban,,3,100000,2024-01,A,农业银行,甲,6228480000000011\n"
             "elderly_longevity,%s,城市,,,,2024-01,,农业银行,乙,6228480000000022\n"
             "elderly_longevity,%s,urban,,,,2024-01,,工商银行,丙,6228480000000033\n"
             "dibao_urban,%s,urban,,1,0,2024-01,B,农业银行,丁,6228480000000044\n",
             head, ida, idb, idc, idd);
    snprintf(bad, sizeof bad,
             "%sdibao_urban,%s,urban,,3,100000,2024-01,A,农业银行,甲,6228480000000011\n"
             "dibao_urban,%s,urban,,1,0,2024-01,A,农业银行,某,6228480000000055\n"
             "dibao_urban,%s,urban,,1,0,2024/01,D,农业银行,丁,12\n",
             head, ida, idx, idd);
    long long before = server_sql_int(&srv, "SELECT COUNT(*) FROM assistance_case");
    long long enrols = server_sql_int(&srv, "SELECT COUNT(*) FROM audit_log WHERE action = 'assist_enrol'");   /* the demo's */
    char *out = NULL;
    const char *bad_args[] = {"assistance", "enrol", write_file("bad.csv", bad), NULL};
    assert_int_equal(run_cli_output(&srv, bad_args, NULL, &out), 1);
    assert_non_null(strstr(out, "第 3 行"));
    assert_non_null(strstr(out, "该身份证号未在本系统登记"));
    assert_non_null(strstr(out, "第 4 行"));
    assert_non_null(strstr(out, "未写入任何数据"));
    free(out);
    assert_int_equal(server_sql_int(&srv, "SELECT COUNT(*) FROM assistance_case"), before);
    const char *dry[] = {"assistance", "enrol", write_file("good.csv", good), "--dry-run", NULL};
    assert_int_equal(run_cli(&srv, dry, NULL, NULL), 0);
    assert_int_equal(server_sql_int(&srv, "SELECT COUNT(*) FROM assistance_case"), before);
    const char *args[] = {"assistance", "enrol", write_file("good.csv", good), NULL};
    assert_int_equal(run_cli(&srv, args, NULL, NULL), 0);
    assert_int_equal(server_sql_int(&srv, "SELECT COUNT(*) FROM assistance_case"), before + 4);
    case_a = case_of(ra);
    case_b = server_sql_int(&srv, fmt("SELECT ac.id FROM assistance_case ac JOIN resident r ON r.id = ac.resident_id"
                                      " WHERE r.household_id = %lld AND r.birth_date = '1944-12-01'", hh));
    case_c = server_sql_int(&srv, fmt("SELECT ac.id FROM assistance_case ac JOIN resident r ON r.id = ac.resident_id"
                                      " WHERE r.household_id = %lld AND r.birth_date = '1944-12-02'", hh));
    case_d = case_of(res_d);
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM wf_case WHERE state = 'active' AND id IN"
                                              " (%lld, %lld, %lld, %lld)", case_a, case_b, case_c, case_d)), 4);
    /* the next re-review from settings.review_months (城市低保 A 12, B 6):
     * the first 1 January (A) or 1 January / 1 July (B) counted from
     * 2024-01 that is not before today; none without a class */
    char today[11], due_a[11], due_b[11];
    date_today_text(today);
    int year = atoi(today);
    snprintf(due_a, sizeof due_a, "%04d-01-01", strcmp(today + 5, "01-01") <= 0 ? year : year + 1);
    snprintf(due_b, sizeof due_b, "%04d-%s", strcmp(today + 5, "07-01") > 0 ? year + 1 : year,
             strcmp(today + 5, "01-01") <= 0 || strcmp(today + 5, "07-01") > 0 ? "01-01" : "07-01");
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM assistance_case WHERE id = %lld"
                                              " AND next_review_on = '%s'", case_a, due_a)), 1);
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM assistance_case WHERE id = %lld"
                                              " AND next_review_on = '%s'", case_d, due_b)), 1);
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM assistance_case WHERE id = %lld"
                                              " AND next_review_on IS NULL", case_b)), 1);
    /* the approved amount from the standard of 2024-01: 760 × 3 − 1,000 */
    assert_int_equal(server_sql_int(&srv, fmt("SELECT amount_fen FROM assistance_case WHERE id = %lld", case_a)), 128000);
    /* the account only encrypted, its tail in clear */
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM assistance_case WHERE id = %lld AND account_tail = '0011'"
                                              " AND account_enc LIKE 'e%%' AND account_enc NOT LIKE '%%6228480000000011%%'",
                                              case_a)), 1);
    assert_int_equal(server_sql_int(&srv, "SELECT COUNT(*) FROM audit_log WHERE action = 'assist_enrol'"), enrols + 1);
    /* the same file again: each person has an open case already */
    assert_int_equal(run_cli(&srv, args, NULL, NULL), 1);
}

/* 2024-06 uses the 760 standard, 2024-07 the 780 one (from 2024-07-01). */
static void runs_use_the_standard_of_their_month(void **state)
{
    (void)state;
    run_jun = compute("dibao_urban", "2024-06");
    run_jul = compute("dibao_urban", "2024-07");
    json_t *jun = run_view(t_street, run_jun), *jul = run_view(t_street, run_jul);
    json_t *a6 = line_of(jun, case_a, "regular"), *a7 = line_of(jul, case_a, "regular");
    assert_non_null(a6);
    assert_non_null(a7);
    assert_int_equal(jint(a6, "amount_fen"), 128000);   /* 760 × 3 − 1,000 */
    assert_int_equal(jint(a6, "standard_fen"), 76000);
    assert_int_equal(jint(a6, "people"), 3);
    assert_int_equal(jint(a7, "amount_fen"), 134000);   /* 780 × 3 − 1,000 */
    assert_int_equal(jint(a7, "standard_fen"), 78000);
    assert_true(jint(a6, "standard_id") != jint(a7, "standard_id"));
    assert_non_null(strstr(jstr(a7, "explain"), "780.00"));
    assert_string_equal(jstr(a7, "account"), "**** 0011");
    assert_false(json_has_text(jul, "6228480000000011"));
    assert_int_equal(jint(line_of(jul, case_d, NULL), "amount_fen"), 78000);
    json_t *run = json_object_get(jul, "run");
    assert_int_equal(jint(run, "total_fen"), 134000 + 78000);
    assert_int_equal(jint(run, "households"), 2);
    assert_int_equal(jint(run, "people"), 4);
    json_decref(jun);
    json_decref(jul);
}

/* 高龄: 80+ from the month whose first day is the 80th birthday. */
static void age_band_turns_at_the_birthday(void **state)
{
    (void)state;
    json_t *nov = run_view(t_street, compute("elderly_longevity", "2024-11"));
    json_t *dec = run_view(t_street, compute("elderly_longevity", "2024-12"));
    assert_int_equal(jint(line_of(nov, case_b, NULL), "amount_fen"), 15000);
    assert_int_equal(jint(line_of(dec, case_b, NULL), "amount_fen"), 20000);   /* born 1944-12-01 */
    assert_int_equal(jint(line_of(dec, case_c, NULL), "amount_fen"), 15000);   /* born 1944-12-02 */
    assert_non_null(strstr(jstr(line_of(dec, case_b, NULL), "explain"), "80+"));
    json_decref(nov);
    json_decref(dec);
}

/* The same month twice: 409 with the run's id; racing: one run. */
static void a_month_is_computed_once(void **state)
{
    (void)state;
    json_t *j = req(t_street, "POST", "/api/v1/assistance/runs", "{\"programme\":\"dibao_urban\",\"month\":\"2024-06\"}", 409);
    assert_non_null(strstr(err_message(j), "该月已生成发放批次"));
    assert_int_equal(jint(j, "run_id"), run_jun);
    json_decref(j);
}

typedef struct race_job {
    long status;
} race_job;

static void *race_one(void *arg)
{
    race_job *r = arg;
    r->status = api_send(&srv, "POST", t_street, "/api/v1/assistance/runs",
                         "{\"programme\":\"dibao_urban\",\"month\":\"2024-05\"}", NULL);
    return NULL;
}

static void racing_requests_make_one_run(void **state)
{
    (void)state;
    enum { N = 4 };
    pthread_t th[N];
    race_job jobs[N];
    for (int i = 0; i < N; i++)
        assert_int_equal(pthread_create(&th[i], NULL, race_one, &jobs[i]), 0);
    int created = 0, conflict = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        created += jobs[i].status == 201;
        conflict += jobs[i].status == 409;
    }
    assert_int_equal(created, 1);
    assert_int_equal(conflict, N - 1);
    assert_int_equal(server_sql_int(&srv, "SELECT COUNT(*) FROM assistance_payment_run WHERE month = '2024-05'"), 1);
}

/* Four eyes; a frozen run never changes. */
static void freezing_takes_a_second_person(void **state)
{
    (void)state;
    json_t *j = req(t_street, "POST", fmt("/api/v1/assistance/runs/%lld/freeze", run_jul), "{}", 403);
    assert_string_equal(err_message(j), "复核人不能与计算人相同");
    json_decref(j);
    freeze(run_jun);
    freeze(run_jul);
    json_decref(req(t_review, "POST", fmt("/api/v1/assistance/runs/%lld/freeze", run_jul), "{}", 409));
    json_decref(req(t_street, "POST", fmt("/api/v1/assistance/runs/%lld/compute", run_jul), "{}", 409));
    assert_int_equal(server_sql_int(&srv, "SELECT COUNT(*) FROM audit_log WHERE action = 'assist_run_freeze'"), 2);
    /* a later standard (from 2024-09) and a stopped case leave the frozen run as it was */
    long long before = server_sql_int(&srv, fmt("SELECT total_fen FROM assistance_payment_run WHERE id = %lld", run_jul));
    server_sql(&srv, "UPDATE assistance_standard SET effective_to = '2024-08-31' WHERE effective_to IS NULL AND"
                     " programme_id = (SELECT id FROM assistance_programme WHERE code = 'dibao_urban')");
    server_sql(&srv, "INSERT INTO assistance_standard (id, programme_id, area, band_key, amount_fen, effective_from,"
                     " created_at) SELECT (SELECT MAX(id) + 1 FROM assistance_standard), id, 'urban', '', 80000,"
                     " '2024-09-01', '2024-08-20 00:00:00' FROM assistance_programme WHERE code = 'dibao_urban'");
    json_t *jul = run_view(t_street, run_jul);
    assert_int_equal(jint(json_object_get(jul, "run"), "total_fen"), before);
    assert_int_equal(jint(line_of(jul, case_a, NULL), "amount_fen"), 134000);
    assert_int_equal(jint(line_of(jul, case_a, NULL), "standard_fen"), 78000);
    json_decref(jul);
}

/* A death held out of the next run; an adjustment paid once. */
static void adjustments_are_carried_once_and_deaths_held(void **state)
{
    (void)state;
    json_decref(req(t_street, "POST", fmt("/api/v1/residents/%lld/status", res_d),
                    "{\"status\":\"deceased\",\"date\":\"2024-08-10\"}", 200));
    /* bad adjustments */
    expect_400_field(t_street, "POST", "/api/v1/assistance/adjustments",
                     fmt("{\"case_id\":%lld,\"corrects_run_id\":%lld,\"amount_fen\":0,\"reason\":\"无\"}", case_a, run_jul),
                     "amount_fen");
    long long draft = server_sql_int(&srv, "SELECT id FROM assistance_payment_run WHERE month = '2024-05'");
    expect_400_field(t_street, "POST", "/api/v1/assistance/adjustments",
                     fmt("{\"case_id\":%lld,\"corrects_run_id\":%lld,\"amount_fen\":500,\"reason\":\"补\"}", case_a, draft),
                     "corrects_run_id");
    json_decref(req(t_c01, "POST", "/api/v1/assistance/adjustments",
                    fmt("{\"case_id\":%lld,\"corrects_run_id\":%lld,\"amount_fen\":500,\"reason\":\"补\"}", case_a, run_jul),
                    403));
    json_t *j = req(t_street, "POST", "/api/v1/assistance/adjustments",
                    fmt("{\"case_id\":%lld,\"corrects_run_id\":%lld,\"amount_fen\":5000,\"reason\":\"七月收入核减，补发差额\"}",
                        case_a, run_jul),
                    201);
    long long adj = jint(j, "id");
    json_decref(j);
    assert_int_equal(api_total(&srv, t_street, "/api/v1/assistance/adjustments?pending=1"), 1);
    long long sep = compute("dibao_urban", "2024-09");
    /* recomputing the draft keeps exactly one arrears line */
    json_decref(req(t_street, "POST", fmt("/api/v1/assistance/runs/%lld/compute", sep), "{}", 200));
    json_t *v = run_view(t_street, sep);
    json_t *arr = line_of(v, case_a, "arrears");
    assert_non_null(arr);
    assert_int_equal(jint(arr, "amount_fen"), 5000);
    assert_int_equal(jint(arr, "corrects_run_id"), run_jul);
    assert_int_equal(jint(line_of(v, case_a, "regular"), "amount_fen"), 140000);   /* 800 × 3 − 1,000 */
    assert_null(line_of(v, case_d, NULL));
    json_t *holds = json_object_get(v, "holds");
    assert_int_equal(json_array_size(holds), 1);
    assert_int_equal(jint(json_array_get(holds, 0), "case_id"), case_d);
    assert_string_equal(jstr(json_array_get(holds, 0), "reason"), "登记为死亡/迁出，待停保或调整");
    assert_int_equal(jint(json_object_get(v, "run"), "total_fen"), 145000);
    assert_int_equal(jint(json_object_get(v, "run"), "held"), 1);
    json_decref(v);
    assert_int_equal(server_sql_int(&srv, fmt("SELECT applied_run_id FROM assistance_adjustment WHERE id = %lld", adj)), sep);
    freeze(sep);
    long long oct = compute("dibao_urban", "2024-10");
    v = run_view(t_street, oct);
    assert_null(line_of(v, case_a, "arrears"));
    json_decref(v);
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM assistance_payment_line WHERE adjustment_id = %lld", adj)), 1);
    assert_int_equal(api_total(&srv, t_street, "/api/v1/assistance/adjustments?pending=1"), 0);
}

/* The bank file: full account numbers, yuan with two decimals, totals. */
static void bank_files_carry_accounts_and_totals(void **state)
{
    (void)state;
    long long draft = server_sql_int(&srv, "SELECT id FROM assistance_payment_run WHERE month = '2024-10'");
    json_decref(req(t_street, "GET", fmt("/api/v1/assistance/runs/%lld/bank.csv", draft), NULL, 409));
    json_decref(req(t_c01, "GET", fmt("/api/v1/assistance/runs/%lld/bank.csv", run_jul), NULL, 403));
    http_resp r;
    assert_int_equal(http(&srv, "GET", fmt("/api/v1/assistance/runs/%lld/bank.csv", run_jul), t_street, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "明细号,户名,账号,金额（元）,开户行"));
    assert_non_null(strstr(r.body, ",甲,6228480000000011,1340.00,农业银行"));
    assert_non_null(strstr(r.body, ",丁,6228480000000044,780.00,"));
    assert_non_null(strstr(r.body, "合计,2 笔,,2120.00,"));
    http_free(&r);
    assert_int_equal(http(&srv, "GET", fmt("/api/v1/assistance/runs/%lld/bank.xlsx", run_jul), t_street, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    char e[256];
    xlsx_reader *x = xlsx_open_memory(r.body, r.len, e, sizeof e);
    assert_non_null(x);
    char **f;
    size_t nf;
    int rows = 0, found = 0, total = 0;
    while (xlsx_next(x, &f, &nf) == 1) {
        rows++;
        if (nf >= 4 && strcmp(f[2], "6228480000000011") == 0 && atof(f[3]) == 1340.0)
            found = 1;
        if (nf >= 4 && strcmp(f[0], "合计") == 0 && atof(f[3]) == 2120.0)
            total = 1;
    }
    xlsx_close(x);
    http_free(&r);
    assert_int_equal(rows, 4);
    assert_true(found);
    assert_true(total);
    assert_int_equal(server_sql_int(&srv, "SELECT COUNT(*) FROM audit_log WHERE action = 'assist_bank_export'"), 2);
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM assistance_payment_run WHERE id = %lld"
                                              " AND exported_at IS NOT NULL", run_jul)), 1);
}

static long post_return(const char *csv, json_t **out)
{
    http_resp r;
    assert_int_equal(http(&srv, "POST", fmt("/api/v1/assistance/runs/%lld/return", run_jul), t_street, csv, strlen(csv),
                          "text/csv", &r), 0);
    long st = r.status;
    *out = r.json ? json_incref(r.json) : NULL;
    http_free(&r);
    return st;
}

/* The bank's return: paid / failed per line; a wrong row writes nothing. */
static void bank_return_marks_lines(void **state)
{
    (void)state;
    json_t *v = run_view(t_street, run_jul);
    long long la = jint(line_of(v, case_a, NULL), "id"), ld = jint(line_of(v, case_d, NULL), "id");
    json_decref(v);
    json_t *j;
    const char *wrong = fmt("明细号,账号,金额（元）,结果,备注\n%lld,6228480000000011,1340.00,成功,\n"
                            "%lld,6228480000000044,781.00,失败,账户已销户\n99999,,,成功,\n", la, ld);
    assert_int_equal(post_return(wrong, &j), 400);
    json_t *errs = json_object_get(j, "errors");
    assert_int_equal(json_array_size(errs), 2);
    assert_int_equal(jint(json_array_get(errs, 0), "row"), 3);
    assert_int_equal(jint(json_array_get(errs, 1), "row"), 4);
    json_decref(j);
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM assistance_payment_line WHERE run_id = %lld"
                                              " AND status <> 'pending'", run_jul)), 0);
    const char *good = fmt("明细号,账号,金额（元）,结果,备注\n%lld,6228480000000011,\"1,340.00\",成功,\n"
                           "%lld,6228480000000044,780.00,失败,账户已销户\n合计,,2120.00,,\n", la, ld);
    assert_int_equal(post_return(good, &j), 200);
    assert_int_equal(jint(j, "paid"), 1);
    assert_int_equal(jint(j, "failed"), 1);
    assert_int_equal(jint(j, "changed"), 2);
    json_decref(j);
    assert_int_equal(post_return(good, &j), 200);   /* again: nothing changes */
    assert_int_equal(jint(j, "changed"), 0);
    json_decref(j);
    v = run_view(t_street, run_jul);
    assert_string_equal(jstr(line_of(v, case_a, NULL), "status"), "paid");
    assert_string_equal(jstr(line_of(v, case_d, NULL), "status"), "failed");
    assert_string_equal(jstr(line_of(v, case_d, NULL), "bank_note"), "账户已销户");
    json_decref(v);
}

/* Summary of frozen runs: 2024-06, 07, 09 of 低保. */
static void summary_adds_up_frozen_runs(void **state)
{
    (void)state;
    json_t *s = get_ok(t_street, "/api/v1/assistance/summary?from=2024-01&to=2024-12");
    json_t *p = json_array_get(json_object_get(s, "programmes"), 0);
    assert_string_equal(jstr(p, "code"), "dibao_urban");
    assert_int_equal(jint(p, "households"), 2);
    /* the last line of each case: A (3 members) in 09, D (1) in 07 */
    assert_int_equal(jint(p, "people"), 4);
    assert_int_equal(jint(p, "total_fen"), (128000 + 76000) + (134000 + 78000) + (140000 + 5000));
    assert_int_equal(json_array_size(json_object_get(s, "months")), 3);
    json_t *cu = json_array_get(json_object_get(s, "communities"), 0);
    assert_int_equal(jint(cu, "id"), c001);
    assert_int_equal(jint(cu, "total_fen"), jint(p, "total_fen"));
    assert_int_equal(json_array_size(json_object_get(s, "communities")), 1);
    json_decref(s);
    /* the viewer: figures only; no run, no line */
    s = get_ok(t_viewer, "/api/v1/assistance/summary?from=2024-01&to=2024-12");
    assert_int_equal(jint(json_object_get(s, "total"), "households"), 2);
    assert_false(json_has_text(s, "甲"));
    json_decref(s);
    json_decref(req(t_viewer, "GET", "/api/v1/assistance/runs", NULL, 403));
    json_decref(req(t_viewer, "GET", fmt("/api/v1/assistance/runs/%lld", run_jul), NULL, 403));
    /* another community: nothing of community 001 */
    s = get_ok(t_c02, "/api/v1/assistance/summary?from=2024-01&to=2024-12");
    assert_int_equal(jint(json_object_get(s, "total"), "total_fen"), 0);
    json_decref(s);
    json_decref(req(t_c02, "GET", fmt("/api/v1/assistance/summary?from=2024-01&to=2024-12&org_unit_id=%lld", c001), NULL, 404));
    expect_400_field(t_street, "GET", "/api/v1/assistance/summary?from=2024-13&to=2024-12", NULL, "from");
}

/* Roles and scope: the community reads its own lines only. */
static void communities_read_their_own_lines(void **state)
{
    (void)state;
    json_decref(req(t_c01, "POST", "/api/v1/assistance/runs", "{\"programme\":\"dibao_urban\",\"month\":\"2025-01\"}", 403));
    json_decref(req(t_g0101, "GET", "/api/v1/assistance/runs", NULL, 403));
    json_decref(req(t_c01, "POST", fmt("/api/v1/assistance/runs/%lld/freeze", run_jul), "{}", 403));
    json_t *v = run_view(t_c01, run_jul);
    assert_int_equal(jint(json_object_get(v, "lines"), "total"), 2);
    json_decref(v);
    v = run_view(t_c02, run_jul);
    assert_int_equal(jint(json_object_get(v, "lines"), "total"), 0);
    assert_false(json_has_text(v, "甲"));
    json_decref(v);
    expect_400_field(t_street, "GET", fmt("/api/v1/assistance/runs/%lld?page_size=30", run_jul), NULL, "page_size");
    expect_400_field(t_street, "POST", "/api/v1/assistance/runs", "{\"programme\":\"dibao_urban\",\"month\":\"2024-7\"}", "month");
    expect_400_field(t_street, "POST", "/api/v1/assistance/runs", "{\"programme\":\"nope\",\"month\":\"2024-07\"}", "programme");
    /* (the demo street's own runs are this year's) */
    assert_int_equal(api_total(&srv, t_street, "/api/v1/assistance/runs?programme=dibao_urban&status=frozen&to=2025-12"), 3);
    assert_int_equal(api_total(&srv, t_street, "/api/v1/assistance/runs?from=2024-11&to=2024-12"), 2);
}

/* A granted one-off grant (临时救助) is paid by the first run of a month
 * at or after its grant, and never again. The case is written here as
 * the cases part's 社区审批 would leave it (granted, amount, account
 * encrypted under the case with the server's key file). */
static void one_off_grants_are_paid_once(void **state)
{
    (void)state;
    ms_err err;
    assert_int_equal(keys_load(srv.db, server_key_path(&srv), &err), 0);
    long long id = server_sql_int(&srv, "SELECT MAX(id) + 1 FROM wf_case");
    char enc[FC_STORED_MAX];
    assert_int_equal(fc_encrypt("assistance_case.account", id, "6228480000000066", enc), 0);
    server_sql(&srv, fmt("INSERT INTO wf_case (id, type, state, org_path, title, created_at, state_entered_at, closed_at)"
                         " SELECT %lld, 'assist_once', 'granted', org_path, '临时救助', '2024-09-05 02:00:00',"
                         " '2024-09-05 02:00:00', '2024-09-05 02:00:00' FROM wf_case WHERE id = %lld", id, case_a));
    server_sql(&srv, fmt("INSERT INTO assistance_case (id, programme_id, household_id, resident_id, community_id, area,"
                         " amount_fen, start_month, account_name, account_enc, account_tail, created_at, updated_at)"
                         " SELECT %lld, p.id, a.household_id, a.resident_id, a.community_id, 'urban', 80000, '2024-09', '甲',"
                         " '%s', '0066', '2024-09-05 02:00:00', '2024-09-05 02:00:00'"
                         " FROM assistance_case a, assistance_programme p WHERE a.id = %lld AND p.code = 'temporary'",
                         id, enc, case_a));
    json_t *aug = run_view(t_street, compute("temporary", "2024-08"));
    assert_null(line_of(aug, id, NULL));                                  /* granted in September */
    json_decref(aug);
    long long sep = compute("temporary", "2024-09");
    json_t *v = run_view(t_street, sep);
    json_t *l = line_of(v, id, "one_off");
    assert_non_null(l);
    assert_int_equal(jint(l, "amount_fen"), 80000);
    assert_string_equal(jstr(l, "account"), "**** 0066");
    json_decref(v);
    freeze(sep);
    v = run_view(t_street, compute("temporary", "2024-10"));
    assert_null(line_of(v, id, NULL));
    assert_int_equal(jint(json_object_get(v, "run"), "total_fen"), 0);
    json_decref(v);
    /* a case stopped later: the frozen run still shows its line; a new run has none */
    server_sql(&srv, fmt("UPDATE wf_case SET state = 'stopped', closed_at = '2024-10-20 00:00:00', due_at = NULL"
                         " WHERE id = %lld", case_a));
    v = run_view(t_street, run_jul);
    assert_int_equal(jint(line_of(v, case_a, "regular"), "amount_fen"), 134000);
    json_decref(v);
    v = run_view(t_street, compute("dibao_urban", "2024-11"));
    assert_null(line_of(v, case_a, NULL));
    json_decref(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(enrol_brings_in_active_cases),
        cmocka_unit_test(runs_use_the_standard_of_their_month),
        cmocka_unit_test(age_band_turns_at_the_birthday),
        cmocka_unit_test(a_month_is_computed_once),
        cmocka_unit_test(racing_requests_make_one_run),
        cmocka_unit_test(freezing_takes_a_second_person),
        cmocka_unit_test(adjustments_are_carried_once_and_deaths_held),
        cmocka_unit_test(bank_files_carry_accounts_and_totals),
        cmocka_unit_test(bank_return_marks_lines),
        cmocka_unit_test(summary_adds_up_frozen_runs),
        cmocka_unit_test(communities_read_their_own_lines),
        cmocka_unit_test(one_off_grants_are_paid_once),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
