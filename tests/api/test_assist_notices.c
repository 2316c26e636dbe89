/* test_assist_notices.c — 公示 and objections (/api/v1/assistance/notices,
 * /objections): a notice drafted for a community's checked cases prints
 * the names masked (张*明, 欧阳*明) to every reader and in its .xlsx, never
 * a full name; posting it (today or up to 30 days back, honestly dated)
 * publishes every case or none; an objection blocks nothing but itself
 * until street staff resolve it; roles (grid workers draft nothing,
 * communities resolve nothing), scope (another community's notice is
 * 404), bad input, and an audit row for every write and the export.
 *
 * The cases are written into the database in state 社区已审核 (checked)
 * here, as the steps before 公示 would have left them; the steps
 * themselves are case.c's and tested there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "util/xlsx_read.h"

static test_server srv;
static char *t_street, *t_c01, *t_c02, *t_g0101, *t_viewer, *t_auditor;
static long long c001, c002, grid_a, grid_f;

#define req(tok, method, path, body, want) api_expect(&srv, tok, method, path, body, want)
#define get_ok(tok, path) api_get_ok(&srv, tok, path)

/* ---- fixture ----------------------------------------------------------------- */

/* The n-th (0-based) resident of unit `unit`, renamed `name` by street staff. */
static long long resident_named(long long unit, int n, const char *name)
{
    json_t *j = get_ok(t_street, fmt("/api/v1/residents?org_unit_id=%lld&sort=id&page_size=100", unit));
    json_t *r = json_array_get(json_object_get(j, "items"), (size_t)n);
    assert_non_null(r);
    long long id = jint(r, "id");
    json_decref(j);
    json_decref(req(t_street, "PATCH", fmt("/api/v1/residents/%lld", id), fmt("{\"name\":\"%s\"}", name), 200));
    return id;
}

static const char *state_of(long long case_id)
{
    static char buf[4][32];
    static int next;
    char *out = buf[next++ % 4];
    long long n = server_sql_int(&srv, fmt("SELECT CASE state WHEN 'checked' THEN 1 WHEN 'noticed' THEN 2"
                                           " WHEN 'accepted' THEN 3 ELSE 0 END FROM wf_case WHERE id = %lld", case_id));
    snprintf(out, 32, "%s", n == 1 ? "checked" : n == 2 ? "noticed" : n == 3 ? "accepted" : "other");
    return out;
}

static long long audit_count(const char *action, long long entity_id)
{
    return api_total(&srv, t_auditor, fmt("/api/v1/audit?action=%s&entity_id=%lld", action, entity_id));
}

/* POSTs a notice of community `community` for the cases; the reply's id, or 0. */
static long long draft(const char *tok, long long community, const char *case_ids, long want, json_t **out)
{
    json_t *j = req(tok, "POST", "/api/v1/assistance/notices",
                    fmt("{\"community_id\":%lld,\"case_ids\":[%s],\"complaint_phone\":\"0530-5312345\"}", community,
                        case_ids), want);
    long long id = want == 201 ? jint(j, "id") : 0;
    if (out)
        *out = j;
    else
        json_decref(j);
    return id;
}

static void post(const char *tok, long long notice, const char *posted_on, long want)
{
    json_decref(req(tok, "POST", fmt("/api/v1/assistance/notices/%lld/post", notice),
                    fmt("{\"posted_on\":\"%s\"}", posted_on), want));
}

static int setup(void **state)
{
    if (server_start(&srv, 150, NULL) != 0)
        return -1;
    t_street = login(&srv, "jiedao", DEMO_PW);
    t_c01 = login(&srv, "shequ01", DEMO_PW);
    t_c02 = login(&srv, "shequ02", DEMO_PW);
    t_g0101 = login(&srv, "wangge0101", DEMO_PW);
    t_viewer = login(&srv, "bumen", DEMO_PW);
    t_auditor = login(&srv, "auditor", DEMO_PW);
    if (!t_street || !t_c01 || !t_c02 || !t_g0101 || !t_viewer || !t_auditor)
        return -1;
    c001 = org_id_by_code(&srv, t_street, "371702001001");
    c002 = org_id_by_code(&srv, t_street, "371702001002");
    grid_a = org_id_by_code(&srv, t_street, "371702001001-01");
    grid_f = org_id_by_code(&srv, t_street, "371702001002-01");
    return c001 && c002 && grid_a && grid_f ? 0 : -1;
}

static int teardown(void **state)
{
    free(t_street);
    free(t_c01);
    free(t_c02);
    free(t_g0101);
    free(t_viewer);
    free(t_auditor);
    return server_stop(&srv);
}

/* ---- drafting --------------------------------------------------------------------- */

static void draft_prints_masked_names_to_everyone(void **state)
{
    long long r1 = resident_named(c001, 0, "欧阳晓明"), r2 = resident_named(c001, 1, "张小明"),
              r3 = resident_named(c001, 2, "李娜");
    long long k1 = assist_case_sql(&srv, r1, "checked", 3, 123450), k2 = assist_case_sql(&srv, r2, "checked", 2, 80000),
              k3 = assist_case_sql(&srv, r3, "checked", 1, 45000);
    json_t *j;
    long long id = draft(t_c01, c001, fmt("%lld,%lld,%lld", k1, k2, k3), 201, &j);
    assert_true(id > 0);
    assert_string_equal(jstr(j, "status"), "draft");
    assert_string_equal(jstr(j, "status_label"), "草稿");
    assert_int_equal(jint(j, "days"), 7);
    assert_string_equal(jstr(j, "complaint_phone"), "0530-5312345");
    json_t *community = json_object_get(j, "community");
    assert_int_equal(jint(community, "id"), c001);
    assert_non_null(strstr(jstr(j, "title"), jstr(community, "name")));
    assert_non_null(strstr(jstr(j, "title"), "社会救助对象公示"));
    json_decref(j);

    /* the street reads the same printed text: masked names, no ID number */
    j = get_ok(t_street, fmt("/api/v1/assistance/notices/%lld", id));
    json_t *rows = json_object_get(j, "rows");
    assert_int_equal(json_array_size(rows), 3);
    assert_string_equal(jstr(json_array_get(rows, 0), "name"), "欧阳*明");
    assert_string_equal(jstr(json_array_get(rows, 1), "name"), "张*明");
    assert_string_equal(jstr(json_array_get(rows, 2), "name"), "李*");
    assert_int_equal(jint(json_array_get(rows, 0), "household_size"), 3);
    assert_int_equal(jint(json_array_get(rows, 0), "amount_fen"), 123450);
    assert_string_equal(jstr(json_array_get(rows, 0), "programme"), "城市低保");
    assert_true(strlen(jstr(j, "street_name")) > 0);
    char *body = json_dumps(j, JSON_COMPACT);
    assert_null(strstr(body, "欧阳晓明"));
    assert_null(strstr(body, "张小明"));
    assert_null(strstr(body, "id_number"));
    free(body);
    json_decref(j);
    assert_int_equal(audit_count("assist_notice_create", id), 1);
    /* the drafted cases stay checked until the notice is posted */
    assert_string_equal(state_of(k1), "checked");
    /* listed for the community and the street, not for another community */
    assert_true(api_list_has(&srv, t_c01, "/api/v1/assistance/notices?status=draft&page_size=20", id));
    assert_true(api_list_has(&srv, t_street, fmt("/api/v1/assistance/notices?community_id=%lld", c001), id));
    assert_false(api_list_has(&srv, t_c02, "/api/v1/assistance/notices", id));
    assert_false(api_list_has(&srv, t_street, "/api/v1/assistance/notices?status=posted", id));
    /* paged: the total counts every notice of the scope, a page past it is empty */
    json_t *all = get_ok(t_c01, "/api/v1/assistance/notices?page_size=20");
    long long total = jint(all, "total");
    assert_true(total >= 1);
    assert_int_equal(jint(all, "page"), 1);
    assert_int_equal(jint(all, "page_size"), 20);
    assert_int_equal((long long)json_array_size(json_object_get(all, "items")), total < 20 ? total : 20);
    json_decref(all);
    json_t *past = get_ok(t_c01, fmt("/api/v1/assistance/notices?page_size=20&page=%lld", total / 20 + 2));
    assert_int_equal(jint(past, "total"), total);
    assert_int_equal((long long)json_array_size(json_object_get(past, "items")), 0);
    json_decref(past);
}

static void draft_refuses_bad_input(void **state)
{
    long long ok = assist_case_sql(&srv, resident_named(c001, 3, "王建国"), "checked", 2, 60000);
    long long early = assist_case_sql(&srv, resident_named(c001, 4, "赵丽"), "reviewed", 2, 60000);
    long long far = assist_case_sql(&srv, resident_named(c002, 0, "钱多多"), "checked", 2, 60000);
    json_t *j;
    long long before = server_sql_int(&srv, "SELECT COUNT(*) FROM assistance_notice");

    /* grid workers file applications; they do not post notices */
    j = req(t_g0101, "POST", "/api/v1/assistance/notices",
            fmt("{\"community_id\":%lld,\"case_ids\":[%lld],\"complaint_phone\":\"0530-5312345\"}", c001, ok), 403);
    json_decref(j);
    /* viewers read no assistance data */
    json_decref(req(t_viewer, "GET", "/api/v1/assistance/notices", NULL, 403));
    /* another community's notice: 404 */
    draft(t_c02, c001, fmt("%lld", ok), 404, NULL);
    /* a case not yet 社区已审核 */
    draft(t_c01, c001, fmt("%lld", early), 409, &j);
    assert_string_equal(err_field(j), "case_ids");
    assert_non_null(strstr(err_message(j), "已评议"));
    assert_non_null(strstr(err_message(j), "赵*"));
    json_decref(j);
    /* another community's case, by the street that sees both */
    draft(t_street, c001, fmt("%lld,%lld", ok, far), 400, &j);
    assert_string_equal(err_field(j), "case_ids");
    assert_non_null(strstr(err_message(j), "不属于该社区"));
    json_decref(j);
    /* a case outside the community account's scope */
    draft(t_c01, c001, fmt("%lld", far), 404, NULL);
    /* a case listed twice, none at all, a case that does not exist */
    draft(t_c01, c001, fmt("%lld,%lld", ok, ok), 400, NULL);
    draft(t_c01, c001, "", 400, NULL);
    draft(t_c01, c001, "999999", 404, NULL);
    /* the phone, the days, the community */
    j = req(t_c01, "POST", "/api/v1/assistance/notices",
            fmt("{\"community_id\":%lld,\"case_ids\":[%lld],\"complaint_phone\":\"12345\"}", c001, ok), 400);
    assert_string_equal(err_field(j), "complaint_phone");
    json_decref(j);
    j = req(t_c01, "POST", "/api/v1/assistance/notices",
            fmt("{\"community_id\":%lld,\"case_ids\":[%lld],\"complaint_phone\":\"13812345678\",\"days\":31}", c001,
                ok), 400);
    assert_string_equal(err_field(j), "days");
    json_decref(j);
    j = req(t_street, "POST", "/api/v1/assistance/notices",
            fmt("{\"community_id\":%lld,\"case_ids\":[%lld],\"complaint_phone\":\"13812345678\"}", grid_a, ok), 400);
    assert_string_equal(err_field(j), "community_id");
    json_decref(j);
    json_decref(req(t_c01, "POST", "/api/v1/assistance/notices",
                    fmt("{\"community_id\":%lld,\"case_ids\":[%lld],\"complaint_phone\":\"13812345678\","
                        "\"extra\":1}", c001, ok), 400));
    /* nothing was written by any of them */
    assert_int_equal(server_sql_int(&srv, "SELECT COUNT(*) FROM assistance_notice"), before);
    /* and a case on a draft is not drafted twice */
    long long id = draft(t_c01, c001, fmt("%lld", ok), 201, NULL);
    draft(t_street, c001, fmt("%lld", ok), 409, &j);
    assert_non_null(strstr(err_message(j), fmt("#%lld", id)));
    json_decref(j);
}

/* ---- posting ------------------------------------------------------------------------ */

static void post_publishes_every_case_honestly_dated(void **state)
{
    long long k1 = assist_case_sql(&srv, resident_named(c001, 5, "孙悟"), "checked", 1, 50000);
    long long k2 = assist_case_sql(&srv, resident_named(c001, 6, "周小红"), "checked", 2, 70000);
    long long id = draft(t_c01, c001, fmt("%lld,%lld", k1, k2), 201, NULL);
    json_t *j;
    /* not in the future, not more than 30 days back, a date */
    post(t_c01, id, beijing_date(-1), 400);
    post(t_c01, id, beijing_date(31), 400);
    post(t_c01, id, "2026-13-01", 400);
    json_decref(req(t_c01, "POST", fmt("/api/v1/assistance/notices/%lld/post", id), "{}", 400));
    /* grid workers post nothing; another community gets 404 */
    post(t_g0101, id, beijing_date(8), 403);
    post(t_c02, id, beijing_date(8), 404);
    assert_string_equal(state_of(k1), "checked");

    j = req(t_c01, "POST", fmt("/api/v1/assistance/notices/%lld/post", id),
            fmt("{\"posted_on\":\"%s\"}", beijing_date(8)), 200);
    assert_string_equal(jstr(j, "posted_on"), beijing_date(8));
    assert_string_equal(jstr(j, "ends_on"), beijing_date(2));   /* 7 days: posted_on + 6 */
    assert_string_equal(jstr(j, "period"), fmt("%s 至 %s", beijing_date(8), beijing_date(2)));
    /* its period is over: shown as ended */
    assert_string_equal(jstr(j, "status"), "ended");
    assert_string_equal(jstr(j, "status_label"), "已结束");
    json_decref(j);
    assert_string_equal(state_of(k1), "noticed");
    assert_string_equal(state_of(k2), "noticed");
    assert_int_equal(audit_count("assist_notice_post", id), 1);
    assert_int_equal(audit_count("transition", k1), 1);   /* the case's own step (张榜公示), by the engine */
    /* posted once only */
    post(t_c01, id, beijing_date(1), 409);
    /* closed once the period is over */
    json_decref(req(t_c02, "POST", fmt("/api/v1/assistance/notices/%lld/close", id), "{}", 404));
    j = req(t_c01, "POST", fmt("/api/v1/assistance/notices/%lld/close", id), "{}", 200);
    assert_string_equal(jstr(j, "status"), "ended");
    assert_non_null(jstr(j, "closed_at"));
    json_decref(j);
    json_decref(req(t_c01, "POST", fmt("/api/v1/assistance/notices/%lld/close", id), "{}", 409));
    assert_int_equal(audit_count("assist_notice_close", id), 1);
    assert_true(api_list_has(&srv, t_c01, "/api/v1/assistance/notices?status=ended", id));
}

static void post_is_all_or_none(void **state)
{
    long long k1 = assist_case_sql(&srv, resident_named(c001, 7, "吴天明"), "checked", 1, 50000);
    long long k2 = assist_case_sql(&srv, resident_named(c001, 8, "郑秀英"), "checked", 3, 90000);
    long long id = draft(t_c01, c001, fmt("%lld,%lld", k1, k2), 201, NULL);
    /* the second case was sent back for a new investigation meanwhile */
    server_sql(&srv, fmt("UPDATE wf_case SET state = 'accepted' WHERE id = %lld", k2));
    json_t *j = req(t_c01, "POST", fmt("/api/v1/assistance/notices/%lld/post", id),
                    fmt("{\"posted_on\":\"%s\"}", beijing_date(0)), 409);
    assert_non_null(strstr(err_message(j), "郑*英"));
    assert_non_null(strstr(err_message(j), "整张公示未张贴"));
    json_decref(j);
    assert_string_equal(state_of(k1), "checked");
    j = get_ok(t_c01, fmt("/api/v1/assistance/notices/%lld", id));
    assert_string_equal(jstr(j, "status"), "draft");
    json_decref(j);
    assert_int_equal(audit_count("assist_notice_post", id), 0);
    assert_int_equal(audit_count("transition", k1), 0);
}

static void posted_today_is_not_over(void **state)
{
    long long k = assist_case_sql(&srv, resident_named(c001, 9, "冯建华"), "checked", 2, 66000);
    long long id = draft(t_street, c001, fmt("%lld", k), 201, NULL);
    post(t_street, id, beijing_date(0), 200);
    json_t *j = get_ok(t_c01, fmt("/api/v1/assistance/notices/%lld", id));
    assert_string_equal(jstr(j, "status"), "posted");
    assert_string_equal(jstr(j, "status_label"), "公示中");
    assert_string_equal(jstr(j, "ends_on"), beijing_date(-6));
    json_decref(j);
    j = req(t_c01, "POST", fmt("/api/v1/assistance/notices/%lld/close", id), "{}", 409);
    assert_non_null(strstr(err_message(j), beijing_date(-6)));
    json_decref(j);
    assert_true(api_list_has(&srv, t_c01, "/api/v1/assistance/notices?status=posted", id));
}

/* ---- the .xlsx ------------------------------------------------------------------- */

static void xlsx_holds_the_masked_table(void **state)
{
    long long k = assist_case_sql(&srv, resident_named(c001, 10, "欧阳振华"), "checked", 4, 154321);
    long long id = draft(t_c01, c001, fmt("%lld", k), 201, NULL);
    post(t_c01, id, beijing_date(3), 200);
    http_resp r;
    assert_int_equal(http(&srv, "GET", fmt("/api/v1/assistance/notices/%lld/xlsx", id), t_c01, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.content_type, "spreadsheetml"));
    assert_non_null(strstr(r.content_disposition, fmt("notice-%lld.xlsx", id)));
    char err[256];
    xlsx_reader *x = xlsx_open_memory(r.body, r.len, err, sizeof err);
    assert_non_null(x);
    char **f;
    size_t n;
    int found = 0, period = 0;
    while (xlsx_next(x, &f, &n) == 1) {
        for (size_t i = 0; i < n; i++) {
            assert_null(strstr(f[i], "欧阳振华"));
            if (strstr(f[i], fmt("%s 至 %s", beijing_date(3), beijing_date(-3))))
                period = 1;
        }
        if (n >= 5 && strcmp(f[1], "欧阳*华") == 0) {
            found = 1;
            assert_string_equal(f[0], "1");
            assert_string_equal(f[2], "4");
            assert_string_equal(f[3], "城市低保");
            assert_string_equal(f[4], "1543.21");
        }
    }
    xlsx_close(x);
    http_free(&r);
    assert_true(found);
    assert_true(period);
    assert_int_equal(audit_count("assist_notice_export", id), 1);
    /* another community: 404, and nothing audited as an export */
    json_decref(req(t_c02, "GET", fmt("/api/v1/assistance/notices/%lld/xlsx", id), NULL, 404));
    json_decref(req(t_g0101, "GET", fmt("/api/v1/assistance/notices/%lld/xlsx", id), NULL, 403));
    assert_int_equal(audit_count("assist_notice_export", id), 1);
}

/* ---- objections -------------------------------------------------------------------- */

static void objections_are_recorded_and_resolved_by_the_street(void **state)
{
    long long k1 = assist_case_sql(&srv, resident_named(c001, 11, "陈大明"), "checked", 2, 70000);
    long long k2 = assist_case_sql(&srv, resident_named(c001, 12, "褚小红"), "checked", 2, 70000);
    long long other = assist_case_sql(&srv, resident_named(c001, 13, "卫国强"), "checked", 2, 70000);
    long long id = draft(t_c01, c001, fmt("%lld,%lld", k1, k2), 201, NULL);
    const char *path = fmt("/api/v1/assistance/notices/%lld/objections", id);
    char p[128];
    snprintf(p, sizeof p, "%s", path);
    json_t *j;
    /* a draft takes no objection */
    j = req(t_c01, "POST", p, fmt("{\"case_id\":%lld,\"received_on\":\"%s\",\"content\":\"有存款\"}", k1,
                                  beijing_date(0)), 409);
    json_decref(j);
    post(t_c01, id, beijing_date(8), 200);   /* period: 8 days ago to 2 days ago */
    /* outside the period; a case not on it; the channel; the content */
    j = req(t_c01, "POST", p, fmt("{\"case_id\":%lld,\"received_on\":\"%s\",\"content\":\"有存款\"}", k1,
                                  beijing_date(1)), 400);
    assert_string_equal(err_field(j), "received_on");
    json_decref(j);
    j = req(t_c01, "POST", p, fmt("{\"case_id\":%lld,\"received_on\":\"%s\",\"content\":\"有存款\"}", k1,
                                  beijing_date(9)), 400);
    json_decref(j);
    j = req(t_c01, "POST", p, fmt("{\"case_id\":%lld,\"received_on\":\"%s\",\"content\":\"有存款\"}", other,
                                  beijing_date(5)), 400);
    assert_string_equal(err_field(j), "case_id");
    json_decref(j);
    json_decref(req(t_c01, "POST", p, fmt("{\"case_id\":%lld,\"received_on\":\"%s\",\"channel\":\"微信\","
                                          "\"content\":\"有存款\"}", k1, beijing_date(5)), 400));
    json_decref(req(t_c01, "POST", p, fmt("{\"case_id\":%lld,\"received_on\":\"%s\",\"content\":\"  \"}", k1,
                                          beijing_date(5)), 400));
    /* roles and scope */
    json_decref(req(t_g0101, "POST", p, fmt("{\"case_id\":%lld,\"received_on\":\"%s\",\"content\":\"有存款\"}", k1,
                                            beijing_date(5)), 403));
    json_decref(req(t_c02, "POST", p, fmt("{\"case_id\":%lld,\"received_on\":\"%s\",\"content\":\"有存款\"}", k1,
                                          beijing_date(5)), 404));
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM assistance_objection WHERE notice_id = %lld", id)),
                     0);

    j = req(t_c01, "POST", p, fmt("{\"case_id\":%lld,\"received_on\":\"%s\",\"channel\":\"电话\","
                                  "\"content\":\"群众反映其家中有经营性收入\"}", k1, beijing_date(5)), 201);
    long long ob = jint(j, "id");
    assert_string_equal(jstr(j, "status"), "open");
    assert_string_equal(jstr(j, "name"), "陈*明");
    assert_string_equal(jstr(j, "channel"), "电话");
    json_decref(j);
    assert_int_equal(audit_count("assist_objection_create", ob), 1);
    j = get_ok(t_street, fmt("/api/v1/assistance/notices/%lld", id));
    assert_int_equal(jint(j, "open_objections"), 1);
    json_decref(j);
    /* listed by case, notice and status; not for another community */
    assert_true(api_list_has(&srv, t_c01, fmt("/api/v1/assistance/objections?case_id=%lld", k1), ob));
    assert_false(api_list_has(&srv, t_c01, fmt("/api/v1/assistance/objections?case_id=%lld", k2), ob));
    assert_true(api_list_has(&srv, t_street, fmt("/api/v1/assistance/objections?notice_id=%lld&status=open", id), ob));
    assert_false(api_list_has(&srv, t_street, "/api/v1/assistance/objections?status=dismissed", ob));
    assert_false(api_list_has(&srv, t_c02, "/api/v1/assistance/objections", ob));
    json_decref(req(t_street, "GET", "/api/v1/assistance/objections?status=maybe", NULL, 400));
    json_decref(req(t_street, "GET", "/api/v1/assistance/objections?page_size=30", NULL, 400));

    /* the community investigates; the street decides */
    const char *rp = fmt("/api/v1/assistance/objections/%lld/resolve", ob);
    snprintf(p, sizeof p, "%s", rp);
    json_decref(req(t_c01, "POST", p, "{\"status\":\"dismissed\",\"resolution\":\"经核实无经营性收入\"}", 403));
    json_decref(req(t_street, "POST", p, "{\"status\":\"dismissed\"}", 400));
    json_decref(req(t_street, "POST", p, "{\"status\":\"maybe\",\"resolution\":\"经核实\"}", 400));
    j = req(t_street, "POST", p, "{\"status\":\"dismissed\",\"resolution\":\"经核实无经营性收入\"}", 200);
    assert_string_equal(jstr(j, "status"), "dismissed");
    assert_string_equal(jstr(j, "resolution"), "经核实无经营性收入");
    json_decref(j);
    json_decref(req(t_street, "POST", p, "{\"status\":\"upheld\",\"resolution\":\"再议\"}", 409));
    assert_int_equal(audit_count("assist_objection_resolve", ob), 1);
    j = get_ok(t_street, fmt("/api/v1/assistance/notices/%lld", id));
    assert_int_equal(jint(j, "open_objections"), 0);
    json_decref(j);
}

/* ---- through the cases API: 公示 before 街道审批 ------------------------------------ */

static unsigned family_seq;

/* A new one-person household in grid_a whose head is `name`, filed for
 * 城市低保 by the grid worker and taken by the community through 受理,
 * 入户调查, 民主评议 and 社区审核: the case id, in state checked. */
static long long checked_through_the_api(const char *name)
{
    json_t *j = req(t_street, "POST", "/api/v1/households",
                    fmt("{\"grid_id\":%lld,\"address\":\"菏泽市牡丹区公示路%s号\"}", grid_a, cn_number(++family_seq)),
                    201);
    long long hh = jint(j, "id");
    json_decref(j);
    j = req(t_street, "POST", "/api/v1/residents",
            fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"%s\",\"relation\":\"户主\","
                "\"hukou_type\":\"城镇\"}", hh, fresh_id("110101"), name), 201);
    long long rid = jint(j, "id");
    json_decref(j);
    j = req(t_g0101, "POST", "/api/v1/assistance/cases",
            fmt("{\"programme\":\"dibao_urban\",\"household_id\":%lld,\"resident_id\":%lld,\"reason\":\"因病致贫\"}",
                hh, rid), 201);
    long long id = jint(j, "id");
    json_decref(j);
    const char *base = fmt("/api/v1/assistance/cases/%lld/actions/", id);
    char path[128];
    snprintf(path, sizeof path, "%saccept", base);
    json_decref(req(t_c01, "POST", path, "{\"opinion\":\"材料齐全\"}", 200));
    snprintf(path, sizeof path, "%sinvestigate", base);
    json_decref(req(t_c01, "POST", path,
                    fmt("{\"investigation\":{\"investigated_on\":\"%s\",\"investigators\":[\"王调查\",\"李调查\"],"
                        "\"conclusion\":\"符合条件\"},\"members\":[{\"resident_id\":%lld,\"relation\":\"本人\","
                        "\"incomes\":[{\"source\":\"wage\",\"monthly_fen\":20000}]}]}", beijing_date(20), rid),
                    200));
    snprintf(path, sizeof path, "%sreview_pass", base);
    json_decref(req(t_c01, "POST", path,
                    fmt("{\"review\":{\"held_on\":\"%s\",\"participants\":[\"居民代表甲\",\"居民代表乙\"],"
                        "\"votes_for\":9}}", beijing_date(18)), 200));
    snprintf(path, sizeof path, "%scheck", base);
    j = req(t_c01, "POST", path, "{\"opinion\":\"审核通过，报街道\"}", 200);
    assert_string_equal(jstr(j, "state"), "checked");
    json_decref(j);
    return id;
}

static json_t *approve(long long case_id, long want)
{
    return req(t_street, "POST", fmt("/api/v1/assistance/cases/%lld/actions/approve", case_id),
               "{\"opinion\":\"同意\"}", want);
}

/* create → accept → investigate → review_pass → check → notice → posted 8
 * days ago → objection → 街道审批 refused → dismissed → approved: 在保. */
static void objection_blocks_approval_until_dismissed(void **state)
{
    long long k = checked_through_the_api("欧阳晓东");
    json_t *j;
    long long id = draft(t_c01, c001, fmt("%lld", k), 201, &j);
    assert_string_equal(jstr(json_array_get(json_object_get(j, "rows"), 0), "name"), "欧阳*东");
    assert_int_equal(jint(json_array_get(json_object_get(j, "rows"), 0), "household_size"), 1);
    json_decref(j);
    /* a draft is not a posted notice */
    j = approve(k, 409);
    json_decref(j);
    post(t_c01, id, beijing_date(8), 200);
    j = get_ok(t_street, fmt("/api/v1/assistance/cases/%lld", k));
    assert_string_equal(jstr(j, "state"), "noticed");
    json_decref(j);
    j = req(t_c01, "POST", fmt("/api/v1/assistance/notices/%lld/objections", id),
            fmt("{\"case_id\":%lld,\"received_on\":\"%s\",\"channel\":\"来访\",\"content\":\"反映其子女有赡养能力\"}", k,
                beijing_date(5)), 201);
    long long ob = jint(j, "id");
    json_decref(j);
    j = approve(k, 409);
    assert_non_null(strstr(err_message(j), "异议"));
    json_decref(j);
    json_decref(req(t_street, "POST", fmt("/api/v1/assistance/objections/%lld/resolve", ob),
                    "{\"status\":\"dismissed\",\"resolution\":\"经核实子女无赡养能力\"}", 200));
    j = approve(k, 200);
    assert_string_equal(jstr(j, "state"), "active");
    json_decref(j);
}

/* Posted today: 街道审批 waits for the seven days. */
static void approval_waits_for_the_period(void **state)
{
    long long k = checked_through_the_api("司马小光");
    long long id = draft(t_c01, c001, fmt("%lld", k), 201, NULL);
    post(t_c01, id, beijing_date(0), 200);
    json_t *j = approve(k, 409);
    assert_non_null(strstr(err_message(j), fmt("公示期至 %s 结束", beijing_date(-6))));
    json_decref(j);
    /* and the notice step cannot be taken outside a notice */
    json_decref(req(t_c01, "POST", fmt("/api/v1/assistance/cases/%lld/actions/publish", k), "{}", 409));
}

/* An upheld objection: no approval; the street returns the case for a
 * new investigation (or rejects it). */
static void upheld_objection_leaves_return_or_reject(void **state)
{
    long long k = checked_through_the_api("诸葛明亮");
    long long id = draft(t_c01, c001, fmt("%lld", k), 201, NULL);
    post(t_c01, id, beijing_date(9), 200);
    json_t *j = req(t_c01, "POST", fmt("/api/v1/assistance/notices/%lld/objections", id),
                    fmt("{\"case_id\":%lld,\"received_on\":\"%s\",\"channel\":\"信件\",\"content\":\"家中有营运车辆\"}",
                        k, beijing_date(4)), 201);
    long long ob = jint(j, "id");
    json_decref(j);
    json_decref(req(t_street, "POST", fmt("/api/v1/assistance/objections/%lld/resolve", ob),
                    "{\"status\":\"upheld\",\"resolution\":\"经核实有营运车辆一辆\"}", 200));
    j = approve(k, 409);
    assert_non_null(strstr(err_message(j), "异议经核实成立"));
    json_decref(j);
    j = req(t_street, "POST", fmt("/api/v1/assistance/cases/%lld/actions/return", k),
            "{\"opinion\":\"异议成立，重新入户调查\"}", 200);
    assert_string_equal(jstr(j, "state"), "accepted");
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(draft_prints_masked_names_to_everyone),
        cmocka_unit_test(draft_refuses_bad_input),
        cmocka_unit_test(post_publishes_every_case_honestly_dated),
        cmocka_unit_test(post_is_all_or_none),
        cmocka_unit_test(posted_today_is_not_over),
        cmocka_unit_test(xlsx_holds_the_masked_table),
        cmocka_unit_test(objections_are_recorded_and_resolved_by_the_street),
        cmocka_unit_test(objection_blocks_approval_until_dismissed),
        cmocka_unit_test(approval_waits_for_the_period),
        cmocka_unit_test(upheld_objection_leaves_return_or_reject),
    };
    return cmocka_run_group_tests_name("api_assist_notices", tests, setup, teardown);
}
