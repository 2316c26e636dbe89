/* test_assist_cases.c — social assistance applications and their
 * workflow (issue 11), against the real server on both engines:
 *
 *   - a grid worker files a 城市低保 application for a household of their
 *     grid; the community accepts it, records the home investigation
 *     (members, incomes) and the amount comes out of the standard in
 *     force (a hand-worked example), the democratic review and the
 *     community's check follow; the street's approval waits for the
 *     public notice;
 *   - every refusal: the wrong role (a grid worker cannot accept, a
 *     community cannot approve), outside scope (another community: 404),
 *     the handler's registered close relative (403 回避, no actions
 *     offered), a missing opinion, the wrong state, a stale version, a
 *     duplicate application and an incompatible programme, a deceased
 *     member, a one-off above the community's ceiling;
 *   - the list with its filters, the case page, the bank account (stored
 *     encrypted, shown as its last four digits) and the decision. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_fixture.h"

static unsigned name_seq;

/* ---- helpers --------------------------------------------------------------- */

/* A new household in grid `grid` with n residents (the first the head,
 * urban hukou), their ids into rid[]; returns the household id. */
static long long new_family(const char *tok, long long grid, int n, long long rid[])
{
    json_t *j = req(tok, "POST", "/api/v1/households",
                    fmt("{\"grid_id\":%lld,\"address\":\"菏泽市牡丹区救助路%s号\"}", grid, cn_number(++name_seq)), 201);
    long long hh = jint(j, "id");
    json_decref(j);
    for (int i = 0; i < n; i++) {
        char name[64];
        snprintf(name, sizeof name, "救助%s", cn_number(++name_seq));
        rid[i] = create_resident(tok, hh, new_id(), name,
                                 i == 0 ? ",\"relation\":\"户主\",\"hukou_type\":\"城镇\""
                                        : ",\"relation\":\"子\",\"hukou_type\":\"城镇\"");
    }
    return hh;
}

static long long file_case(const char *tok, const char *programme, long long hh, long long rid, const char *extra)
{
    json_t *j = req(tok, "POST", "/api/v1/assistance/cases",
                    fmt("{\"programme\":\"%s\",\"household_id\":%lld,\"resident_id\":%lld%s}", programme, hh, rid, extra),
                    201);
    long long id = jint(j, "id");
    assert_true(id > 0);
    assert_string_equal(jstr(j, "state"), "applied");
    json_decref(j);
    return id;
}

static json_t *step(const char *tok, long long id, const char *action, const char *body, long want)
{
    return req(tok, "POST", fmt("/api/v1/assistance/cases/%lld/actions/%s", id, action), body, want);
}

static void step_ok(const char *tok, long long id, const char *action, const char *body, const char *state)
{
    json_t *j = step(tok, id, action, body, 200);
    assert_string_equal(jstr(j, "state"), state);
    json_decref(j);
}

/* The investigation of a three-person household: the applicant earning
 * 1,200 yuan a month, two named members without income. */
static const char *investigation_body(long long applicant)
{
    return fmt("{\"investigation\":{\"investigated_on\":\"2025-01-10\",\"investigators\":[\"王调查\",\"李调查\"],"
               "\"deposits_fen\":50000,\"housing\":\"自有住房六十平方米\",\"vehicles\":\"无\",\"conclusion\":\"符合条件\"},"
               "\"members\":[{\"resident_id\":%lld,\"relation\":\"本人\",\"incomes\":[{\"source\":\"wage\",\"monthly_fen\":120000}]},"
               "{\"name\":\"张小明\",\"relation\":\"子\"},{\"name\":\"张小红\",\"relation\":\"女\"}]}",
               applicant);
}

static const char *REVIEW_BODY = "{\"review\":{\"held_on\":\"2025-01-12\",\"participants\":[\"居民代表甲\",\"居民代表乙\"],"
                                 "\"votes_for\":9,\"votes_against\":0,\"votes_abstain\":1}}";

/* The case as tok sees it (GET /cases/{id}). */
static json_t *get_case(const char *tok, long long id)
{
    return get_ok(tok, fmt("/api/v1/assistance/cases/%lld", id));
}

/* The actions offered, joined with commas ("accept,reject,withdraw"). */
static const char *actions_of(json_t *c)
{
    static char out[256];
    size_t i, n = 0;
    json_t *a;
    out[0] = '\0';
    json_array_foreach(json_object_get(c, "actions"), i, a)
        n += (size_t)snprintf(out + n, sizeof out - n, "%s%s", i ? "," : "", jstr(a, "action"));
    return out;
}

static void expect_error(const char *tok, long long id, const char *action, const char *body, long want,
                         const char *needle)
{
    json_t *j = step(tok, id, action, body, want);
    if (!strstr(err_message(j), needle))
        fail_msg("%s: message \"%s\" lacks \"%s\"", action, err_message(j), needle);
    json_decref(j);
}

/* What the notice step would leave: the case 在保 (公示 and 街道审批 are
 * the notices part's, tested there end to end), written behind the
 * API's back for the steps only an active case takes. */
static void make_active(long long id)
{
    server_sql(&srv, fmt("UPDATE wf_case SET state = 'active', due_at = NULL, closed_at = NULL WHERE id = %lld", id));
    server_sql(&srv, fmt("UPDATE assistance_case SET start_month = '2025-01', review_class = 'A' WHERE id = %lld", id));
}

/* A community-checked 城市低保 case of a new household in grid A of n
 * residents (their ids into rid) — the applicant earning 1,200 yuan, the
 * others counted without income. */
static long long checked_case(int n, long long rid[])
{
    long long hh = new_family(t_street, grid_a, n, rid);
    long long id = file_case(t_g0101, "dibao_urban", hh, rid[0], "");
    char members[1024];
    size_t len = (size_t)snprintf(members, sizeof members,
                                  "{\"resident_id\":%lld,\"relation\":\"本人\",\"incomes\":[{\"source\":\"wage\",\"monthly_fen\":120000}]}",
                                  rid[0]);
    for (int i = 1; i < n; i++)
        len += (size_t)snprintf(members + len, sizeof members - len, ",{\"resident_id\":%lld,\"relation\":\"子\"}", rid[i]);
    step_ok(t_c01, id, "accept", "{}", "accepted");
    step_ok(t_c01, id, "investigate",
            fmt("{\"investigation\":{\"investigated_on\":\"2025-01-10\",\"investigators\":[\"王调查\",\"李调查\"]},"
                "\"members\":[%s]}", members),
            "investigated");
    step_ok(t_c01, id, "review_pass", REVIEW_BODY, "reviewed");
    step_ok(t_c01, id, "check", "{\"opinion\":\"审核通过\"}", "checked");
    return id;
}

/* ---- tests ----------------------------------------------------------------- */

/* 申请 → 受理 → 入户调查 (the amount: 780 元 × 3 − 1,200 元 = 1,140 元) →
 * 民主评议 → 社区审核, then the case page, the list and the audit rows. */
static void application_path_and_amount(void **state)
{
    long long rid[1];
    long long hh = new_family(t_street, grid_a, 1, rid);
    long long id = file_case(t_g0101, "dibao_urban", hh, rid[0], ",\"reason\":\"因病致贫\"");

    json_t *j = get_case(t_c01, id);
    assert_string_equal(jstr(json_object_get(j, "programme"), "code"), "dibao_urban");
    assert_string_equal(jstr(j, "area"), "urban");
    assert_string_equal(jstr(j, "reason"), "因病致贫");
    assert_int_equal(jint(j, "household_id"), hh);
    assert_int_equal(jint(j, "version"), 1);
    assert_string_equal(actions_of(j), "accept,reject,withdraw");
    assert_true(json_is_false(json_object_get(j, "conflict")));
    assert_true(json_is_null(json_object_get(j, "amount_fen")));
    json_decref(j);
    j = get_case(t_g0101, id);   /* the grid worker who filed may only withdraw */
    assert_string_equal(actions_of(j), "withdraw");
    json_decref(j);

    j = step(t_g0101, id, "accept", "{}", 403);   /* 受理 is the community's */
    assert_non_null(strstr(err_message(j), "受理"));
    json_decref(j);
    step_ok(t_c01, id, "accept", "{\"opinion\":\"材料齐全，予以受理\",\"attachments\":[\"申请书.pdf\",\"户口本.jpg\"]}",
            "accepted");
    j = step(t_c01, id, "investigate", investigation_body(rid[0]), 200);
    assert_string_equal(jstr(j, "state"), "investigated");
    assert_int_equal(jint(j, "members_counted"), 3);
    assert_int_equal(jint(j, "income_fen"), 120000);
    assert_int_equal(jint(j, "amount_fen"), 114000);   /* 78000 × 3 − 120000 */
    assert_true(jint(j, "standard_id") > 0);
    json_decref(j);
    step_ok(t_c01, id, "review_pass", REVIEW_BODY, "reviewed");
    step_ok(t_c01, id, "check", "{\"opinion\":\"审核通过，报街道\"}", "checked");

    j = step(t_street, id, "approve", "{\"opinion\":\"同意\"}", 409);   /* not yet on a notice: still 社区已审核 */
    assert_non_null(strstr(err_message(j), "社区已审核"));
    json_decref(j);
    j = step(t_c01, id, "publish", "{}", 409);
    assert_non_null(strstr(err_message(j), "公示"));
    json_decref(j);

    /* the case page */
    j = get_case(t_c01, id);
    assert_string_equal(jstr(j, "state"), "checked");
    assert_string_equal(jstr(j, "state_label"), "社区已审核");
    assert_int_equal(jint(j, "version"), 5);
    assert_string_equal(actions_of(j), "return");   /* publish is the notice's, not offered here */
    json_t *app = json_object_get(j, "applicant");
    assert_int_equal(jint(app, "resident_id"), rid[0]);
    assert_masked_shape(jstr(app, "id_number"));
    assert_non_null(strstr(jstr(json_object_get(j, "household"), "address"), "救助路"));
    json_t *members = json_object_get(j, "members");
    assert_int_equal(json_array_size(members), 3);
    assert_int_equal(jint(json_array_get(members, 0), "monthly_fen"), 120000);
    assert_string_equal(jstr(json_array_get(members, 1), "name"), "张小明");
    json_t *inv = json_object_get(j, "investigation");
    assert_string_equal(jstr(inv, "investigators"), "王调查、李调查");
    assert_int_equal(jint(inv, "deposits_fen"), 50000);
    json_t *rev = json_object_get(j, "review");
    assert_string_equal(jstr(rev, "result"), "pass");
    assert_int_equal(jint(rev, "votes_for"), 9);
    json_t *tl = json_object_get(j, "timeline");
    assert_int_equal(json_array_size(tl), 5);   /* created, accept, investigate, review_pass, check */
    assert_string_equal(jstr(json_array_get(tl, 1), "opinion"), "材料齐全，予以受理");
    assert_int_equal(json_array_size(json_object_get(json_array_get(tl, 1), "attachments")), 2);
    assert_true(json_is_null(json_object_get(j, "bank")));
    assert_int_equal(json_array_size(json_object_get(j, "notices")), 0);
    assert_true(json_is_null(json_object_get(j, "recusal_note")));
    json_decref(j);

    /* the list */
    j = get_case(t_street, id);
    char name[64];
    snprintf(name, sizeof name, "%s", jstr(j, "applicant_name"));
    json_decref(j);
    j = get_ok(t_c01, fmt("/api/v1/assistance/cases?state=checked&programme=dibao_urban&q=%s", urlenc(name)));
    assert_int_equal(jint(j, "total"), 1);
    json_t *it = json_array_get(json_object_get(j, "items"), 0);
    assert_int_equal(jint(it, "id"), id);
    assert_int_equal(jint(it, "amount_fen"), 114000);
    assert_masked_shape(jstr(it, "id_number"));
    assert_true(strlen(jstr(it, "grid")) > 0 && strlen(jstr(it, "community")) > 0);
    json_decref(j);
    assert_true(api_list_has(&srv, t_g0101, "/api/v1/assistance/cases?page_size=100", id));
    assert_false(api_list_has(&srv, t_street, fmt("/api/v1/assistance/cases?org_unit_id=%lld&page_size=100", grid_b), id));
    assert_false(api_list_has(&srv, t_street, "/api/v1/assistance/cases?state=applied&page_size=100", id));
    expect_400_field(t_c01, "GET", "/api/v1/assistance/cases?page_size=30", NULL, "page_size");
    expect_400_field(t_c01, "GET", "/api/v1/assistance/cases?state=nonsense", NULL, "state");
    expect_400_field(t_c01, "GET", "/api/v1/assistance/cases?flagged=x", NULL, "flagged");
    assert_int_equal(api_get(&srv, t_viewer, "/api/v1/assistance/cases", NULL), 403);   /* no names for departments */
    assert_int_equal(api_get(&srv, t_admin, fmt("/api/v1/assistance/cases/%lld", id), NULL), 403);

    /* one audit row of the record per write, besides the workflow's */
    assert_int_equal(total_of(t_auditor, fmt("/api/v1/audit?action=assist_case_create&entity=assistance_case&entity_id=%lld", id)), 1);
    assert_int_equal(total_of(t_auditor, fmt("/api/v1/audit?action=assist_case_step&entity=assistance_case&entity_id=%lld", id)), 4);
}

/* Refusals of a step: role, opinion, state, version, payload. */
static void steps_refused_with_reasons(void **state)
{
    long long rid[2], other[1];
    long long hh = new_family(t_street, grid_a, 2, rid);
    long long hh2 = new_family(t_street, grid_a, 1, other);
    (void)hh2;
    long long id = file_case(t_c01, "dibao_urban", hh, rid[0], "");
    expect_error(t_c01, id, "investigate", investigation_body(rid[0]), 409, "案件当前状态为「已申请」");
    expect_error(t_c01, id, "reject", "{}", 400, "须填写意见");
    expect_error(t_c01, id, "nonsense", "{}", 404, "");   /* no such route */
    json_t *j = step(t_c01, id, "accept", "{\"review\":{\"held_on\":\"2025-01-01\",\"participants\":\"甲\"}}", 400);
    assert_string_equal(err_field(j), "review");
    json_decref(j);
    j = step(t_c01, id, "accept", "{\"opinion\":1}", 400);
    json_decref(j);
    step_ok(t_c01, id, "accept", "{\"version\":1}", "accepted");

    /* stale: the version the caller saw is 1, the case is at 2 */
    http_resp r;
    const char *body = investigation_body(rid[0]);
    assert_int_equal(http_with(&srv, "POST", fmt("/api/v1/assistance/cases/%lld/actions/investigate", id), t_c01, body,
                               strlen(body), NULL, "If-Match: \"1\"", &r), 0);
    assert_int_equal(r.status, 412);
    assert_int_equal(jint(json_object_get(r.json, "error"), "current_version"), 2);
    http_free(&r);
    expect_error(t_c01, id, "investigate", fmt("{\"version\":1,%s", investigation_body(rid[0]) + 1), 412, "");

    /* the investigation's own checks */
    j = step(t_c01, id, "investigate",
             fmt("{\"investigation\":{\"investigated_on\":\"2025-01-10\",\"investigators\":[\"王调查\"]},"
                 "\"members\":[{\"resident_id\":%lld}]}", rid[0]), 400);
    assert_string_equal(err_field(j), "investigation.investigators");
    json_decref(j);
    expect_error(t_c01, id, "investigate",
                 fmt("{\"investigation\":{\"investigated_on\":\"2025-01-10\",\"investigators\":[\"王调查\",\"李调查\"]},"
                     "\"members\":[{\"resident_id\":%lld},{\"resident_id\":%lld}]}", rid[0], other[0]),
                 400, "不是该户的居民");
    expect_error(t_c01, id, "investigate",
                 fmt("{\"investigation\":{\"investigated_on\":\"2099-01-10\",\"investigators\":[\"王调查\",\"李调查\"]},"
                     "\"members\":[{\"resident_id\":%lld}]}", rid[0]),
                 400, "不能晚于今天");
    expect_error(t_c01, id, "investigate",
                 fmt("{\"investigation\":{\"investigated_on\":\"2025-01-10\",\"investigators\":[\"王调查\",\"李调查\"]},"
                     "\"members\":[{\"resident_id\":%lld,\"incomes\":[{\"source\":\"gift\",\"monthly_fen\":1}]}]}", rid[0]),
                 400, "收入来源");
    expect_error(t_c01, id, "investigate",
                 fmt("{\"investigation\":{\"investigated_on\":\"2025-01-10\",\"investigators\":[\"王调查\",\"李调查\"]},"
                     "\"members\":[{\"resident_id\":%lld,\"counted\":false}]}", rid[0]),
                 400, "至少须有一名成员");
    /* a member who died is refused */
    json_decref(req(t_c01, "POST", fmt("/api/v1/residents/%lld/status", rid[1]),
                    "{\"status\":\"deceased\",\"date\":\"2025-01-02\",\"note\":\"病故\"}", 200));
    expect_error(t_c01, id, "investigate",
                 fmt("{\"investigation\":{\"investigated_on\":\"2025-01-10\",\"investigators\":[\"王调查\",\"李调查\"]},"
                     "\"members\":[{\"resident_id\":%lld},{\"resident_id\":%lld}]}", rid[0], rid[1]),
                 400, "已死亡登记");
    j = get_case(t_c01, id);
    assert_string_equal(jstr(j, "state"), "accepted");   /* nothing of the refused steps was kept */
    assert_int_equal(jint(j, "version"), 2);
    assert_int_equal(json_array_size(json_object_get(j, "members")), 0);
    assert_true(json_is_null(json_object_get(j, "investigation")));
    json_decref(j);

    /* the community cannot take the street's steps, the grid worker withdraws */
    long long crid[1];
    long long ck = checked_case(1, crid);
    make_active(ck);
    expect_error(t_c01, ck, "stop", "{\"opinion\":\"停保\"}", 403, "街道");
    expect_error(t_c01, ck, "adjust", "{\"opinion\":\"调整\"}", 403, "街道");
    expect_error(t_g0101, id, "withdraw", "{}", 400, "须填写意见");
    step_ok(t_g0101, id, "withdraw", "{\"opinion\":\"申请人自愿撤回\"}", "withdrawn");
    expect_error(t_c01, id, "accept", "{}", 409, "已办结");
}

/* Another community and another grid see nothing and do nothing. */
static void other_units_see_nothing(void **state)
{
    long long rid[1];
    long long hh = new_family(t_street, grid_a, 1, rid);
    long long id = file_case(t_c01, "dibao_urban", hh, rid[0], "");
    char *t_c02 = login(&srv, "shequ02", DEMO_PW), *t_g0102 = login(&srv, "wangge0102", DEMO_PW);
    assert_non_null(t_c02);
    assert_non_null(t_g0102);
    const char *const toks[] = {t_c02, t_g0102};
    for (int i = 0; i < 2; i++) {
        json_decref(req(toks[i], "GET", fmt("/api/v1/assistance/cases/%lld", id), NULL, 404));
        json_decref(step(toks[i], id, "accept", "{}", 404));
        json_decref(step(toks[i], id, "withdraw", "{\"opinion\":\"越权\"}", 404));
        json_decref(req(toks[i], "GET", fmt("/api/v1/assistance/cases/%lld/decision", id), NULL, 404));
        assert_false(api_list_has(&srv, toks[i], "/api/v1/assistance/cases?page_size=100", id));
        json_decref(req(toks[i], "POST", "/api/v1/assistance/cases",
                        fmt("{\"programme\":\"dibao_urban\",\"household_id\":%lld,\"resident_id\":%lld}", hh, rid[0]), 404));
    }
    json_decref(req(t_c02, "PUT", fmt("/api/v1/assistance/cases/%lld/bank", id),
                    "{\"bank_name\":\"农业银行\",\"account_name\":\"某人\",\"account_number\":\"6228480012345678\"}", 404));
    json_t *j = get_case(t_c01, id);
    assert_string_equal(jstr(j, "state"), "applied");
    json_decref(j);
    free(t_c02);
    free(t_g0102);
}

/* flagged=overdue lists the open cases past their step's time limit, and
 * only those; the case says so itself. */
static void overdue_cases_flagged(void **state)
{
    long long rid[1];
    long long hh = new_family(t_street, grid_a, 1, rid);
    long long id = file_case(t_g0101, "dibao_urban", hh, rid[0], "");
    json_t *j = get_case(t_c01, id);
    assert_true(json_is_false(json_object_get(j, "overdue")));
    json_decref(j);
    assert_false(api_list_has(&srv, t_c01, "/api/v1/assistance/cases?flagged=overdue&page_size=100", id));
    server_sql(&srv, fmt("UPDATE wf_case SET due_at = '2020-01-02 15:59:59' WHERE id = %lld", id));
    assert_true(api_list_has(&srv, t_c01, "/api/v1/assistance/cases?flagged=overdue&page_size=100", id));
    j = get_case(t_c01, id);
    assert_true(json_is_true(json_object_get(j, "overdue")));
    json_decref(j);
    /* closed, it is no longer overdue */
    step_ok(t_g0101, id, "withdraw", "{\"opinion\":\"申请人自愿撤回\"}", "withdrawn");
    assert_false(api_list_has(&srv, t_c01, "/api/v1/assistance/cases?flagged=overdue&page_size=100", id));
}

/* 回避: a close relative of shequ01 lives in the household. */
static void handler_relative_must_recuse(void **state)
{
    long long rid[2];
    long long hh = new_family(t_street, grid_a, 2, rid);
    /* registered against shequ01's account (the relatives part's registry; by blind index, as it stores it) */
    server_sql(&srv, fmt("INSERT INTO assistance_relative (staff_user_id, staff_name, staff_post, staff_unit_id,"
                         " relative_name, relation, relative_id_bidx, registered_on, created_at)"
                         " SELECT u.id, '社区甲', '社区干部', u.org_unit_id, r.name, '配偶', r.id_number_bidx,"
                         " '2025-01-01', '2025-01-01 00:00:00' FROM app_user u, resident r"
                         " WHERE u.username = 'shequ01' AND r.id = %lld", rid[1]));
    long long id = file_case(t_g0101, "dibao_urban", hh, rid[0], "");
    json_t *j = get_case(t_c01, id);
    assert_true(json_is_true(json_object_get(j, "conflict")));
    assert_non_null(strstr(jstr(j, "conflict_note"), "社区干部"));
    /* the note is the registry's (relative_case_note_refresh): it names the relative, and is audited */
    json_t *rel = get_ok(t_street, fmt("/api/v1/residents/%lld", rid[1]));
    assert_non_null(strstr(jstr(j, "conflict_note"), fmt("社区甲 的配偶 %s", jstr(rel, "name"))));
    json_decref(rel);
    assert_int_equal(total_of(t_auditor, fmt("/api/v1/audit?action=assist_conflict_note&entity=assistance_case&entity_id=%lld", id)), 1);
    assert_string_equal(actions_of(j), "");   /* nothing offered to the relative */
    assert_non_null(strstr(jstr(j, "recusal_note"), "回避"));
    json_decref(j);
    assert_true(api_list_has(&srv, t_c01, "/api/v1/assistance/cases?flagged=conflict&page_size=100", id));
    expect_error(t_c01, id, "accept", "{}", 403, "按回避规定不得办理此案件");
    json_decref(req(t_c01, "PUT", fmt("/api/v1/assistance/cases/%lld/bank", id),
                    "{\"bank_name\":\"农业银行\",\"account_name\":\"某人\",\"account_number\":\"6228480012345678\"}", 403));
    /* the street, not related, takes the step; the flag stays through the workflow */
    j = step(t_street, id, "accept", "{\"opinion\":\"由街道受理（社区回避）\"}", 200);
    assert_string_equal(jstr(j, "state"), "accepted");
    assert_true(json_is_true(json_object_get(j, "conflict")));
    json_decref(j);
    j = get_case(t_c01, id);
    assert_string_equal(actions_of(j), "");
    json_decref(j);
    j = get_case(t_street, id);
    assert_string_equal(actions_of(j), "investigate,reject,withdraw");
    json_decref(j);
}

/* Duplicates at application: same programme open, incompatible
 * programme active, deceased applicant, not of the household. */
static void duplicate_applications_refused(void **state)
{
    long long rid[3], other[1];
    long long hh = new_family(t_street, grid_a, 3, rid);
    long long hh2 = new_family(t_street, grid_a, 1, other);
    long long id = file_case(t_g0101, "dibao_urban", hh, rid[0], "");
    /* another member of the household, the same 低保 */
    json_t *j = req(t_g0101, "POST", "/api/v1/assistance/cases",
                    fmt("{\"programme\":\"dibao_urban\",\"household_id\":%lld,\"resident_id\":%lld}", hh, rid[1]), 409);
    assert_non_null(strstr(err_message(j), "城市低保"));
    assert_non_null(strstr(err_message(j), "不能重复申请"));
    json_t *c = json_array_get(json_object_get(j, "conflicts"), 0);
    assert_int_equal(jint(c, "case_id"), id);
    assert_string_equal(jstr(c, "programme"), "城市低保");
    assert_true(json_is_false(json_object_get(c, "excludes")));
    json_decref(j);
    /* 农村低保 too is refused while the household's 城市低保 is open */
    json_decref(req(t_g0101, "POST", "/api/v1/assistance/cases",
                    fmt("{\"programme\":\"dibao_rural\",\"household_id\":%lld,\"resident_id\":%lld}", hh, rid[1]), 201));
    /* once active, 特困 for a counted member is incompatible (settings.excludes) */
    long long crid[2];
    long long ck = checked_case(2, crid);
    make_active(ck);
    json_t *hh3 = get_ok(t_street, fmt("/api/v1/residents/%lld", crid[1]));
    long long ckh = jint(hh3, "household_id");
    const char *person = jstr(hh3, "name");
    j = req(t_c01, "POST", "/api/v1/assistance/cases",
            fmt("{\"programme\":\"tekun\",\"household_id\":%lld,\"resident_id\":%lld,\"band_key\":\"dispersed\"}", ckh, crid[1]),
            409);
    assert_non_null(strstr(err_message(j), person));
    assert_non_null(strstr(err_message(j), "正在享受城市低保"));
    assert_true(json_is_true(json_object_get(json_array_get(json_object_get(j, "conflicts"), 0), "excludes")));
    json_decref(j);
    json_decref(hh3);
    /* 特困 needs its kind, named in the message */
    j = req(t_c01, "POST", "/api/v1/assistance/cases",
            fmt("{\"programme\":\"tekun\",\"household_id\":%lld,\"resident_id\":%lld}", hh2, other[0]), 400);
    assert_string_equal(err_field(j), "band_key");
    assert_non_null(strstr(err_message(j), "dispersed"));
    json_decref(j);
    long long tk = file_case(t_c01, "tekun", hh2, other[0], ",\"band_key\":\"dispersed\"");
    /* the same one-off twice for the same person while open; another person of the household may */
    long long t1 = file_case(t_c01, "temporary", hh, rid[2], ",\"requested_fen\":20000");
    json_decref(req(t_c01, "POST", "/api/v1/assistance/cases",
                    fmt("{\"programme\":\"temporary\",\"household_id\":%lld,\"resident_id\":%lld,\"requested_fen\":100}", hh, rid[2]),
                    409));
    (void)t1;
    (void)tk;
    /* not of the household; a deceased applicant; a bad programme; one-off fields */
    expect_400_field(t_c01, "POST", "/api/v1/assistance/cases",
                     fmt("{\"programme\":\"temporary\",\"household_id\":%lld,\"resident_id\":%lld,\"requested_fen\":100}", hh2, rid[2]),
                     "resident_id");
    expect_400_field(t_c01, "POST", "/api/v1/assistance/cases",
                     fmt("{\"programme\":\"nope\",\"household_id\":%lld,\"resident_id\":%lld}", hh, rid[2]), "programme");
    expect_400_field(t_c01, "POST", "/api/v1/assistance/cases",
                     fmt("{\"programme\":\"temporary\",\"household_id\":%lld,\"resident_id\":%lld}", hh, rid[2]), "requested_fen");
    expect_400_field(t_c01, "POST", "/api/v1/assistance/cases",
                     fmt("{\"programme\":\"tekun\",\"household_id\":%lld,\"resident_id\":%lld,\"band_key\":\"dispersed\","
                         "\"requested_fen\":100}", hh2, other[0]), "requested_fen");
    expect_400_field(t_c01, "POST", "/api/v1/assistance/cases",
                     fmt("{\"programme\":\"medical\",\"household_id\":%lld,\"resident_id\":%lld,\"requested_fen\":100,"
                         "\"area\":\"moon\"}", hh, rid[2]), "area");
    long long drid[1];
    long long dhh = new_family(t_street, grid_a, 1, drid);
    json_decref(req(t_c01, "POST", fmt("/api/v1/residents/%lld/status", drid[0]),
                    "{\"status\":\"deceased\",\"date\":\"2025-01-02\",\"note\":\"病故\"}", 200));
    j = req(t_c01, "POST", "/api/v1/assistance/cases",
            fmt("{\"programme\":\"medical\",\"household_id\":%lld,\"resident_id\":%lld,\"requested_fen\":100}", dhh, drid[0]), 409);
    assert_non_null(strstr(err_message(j), "已死亡登记"));
    json_decref(j);
}

/* A 临时救助 of requested_fen for resident rid of household hh, filed,
 * accepted and investigated (the amount is the one asked). */
static long long investigated_one_off(long long hh, long long rid, long long requested_fen)
{
    long long id = file_case(t_g0101, "temporary", hh, rid, fmt(",\"requested_fen\":%lld,\"reason\":\"火灾\"", requested_fen));
    step_ok(t_c01, id, "accept", "{}", "accepted");
    json_t *j = step(t_c01, id, "investigate",
                     fmt("{\"investigation\":{\"investigated_on\":\"2025-02-01\",\"investigators\":\"王调查、李调查\"},"
                         "\"members\":[{\"resident_id\":%lld}]}", rid),
                     200);
    assert_string_equal(jstr(j, "state"), "investigated");
    assert_int_equal(jint(j, "amount_fen"), requested_fen);
    json_decref(j);
    return id;
}

/* 临时救助: the community grants within its ceiling (1,000 yuan), above
 * it the street approves up to its own (5,000 yuan); the decision. */
static void one_off_ceilings(void **state)
{
    long long rid[1];
    long long hh = new_family(t_street, grid_a, 1, rid);
    long long id = investigated_one_off(hh, rid[0], 150000);
    json_t *j;
    expect_error(t_c01, id, "grant", "{\"opinion\":\"同意\"}", 409, "超过社区审批限额 1,000.00 元");
    json_decref(req(t_c01, "GET", fmt("/api/v1/assistance/cases/%lld/decision", id), NULL, 409));
    step_ok(t_c01, id, "check", "{\"opinion\":\"报街道审批\"}", "checked");
    expect_error(t_c01, id, "approve", "{\"opinion\":\"同意\"}", 403, "街道");
    j = step(t_street, id, "approve", "{\"opinion\":\"同意救助一千五百元\"}", 200);
    assert_string_equal(jstr(j, "state"), "granted");
    assert_int_equal(jint(j, "amount_fen"), 150000);
    assert_true(json_is_array(json_object_get(j, "actions")) && json_array_size(json_object_get(j, "actions")) == 0);
    json_decref(j);
    j = get_ok(t_g0101, fmt("/api/v1/assistance/cases/%lld/decision", id));
    assert_string_equal(jstr(j, "kind"), "approval");
    assert_int_equal(jint(j, "amount_fen"), 150000);
    assert_string_equal(jstr(j, "opinion"), "同意救助一千五百元");
    assert_string_equal(jstr(j, "street"), "丹阳街道");
    assert_masked_shape(jstr(json_object_get(j, "applicant"), "id_number"));
    json_decref(j);
    assert_true(total_of(t_auditor, fmt("/api/v1/audit?action=assist_decision_view&entity_id=%lld", id)) == 1);

    /* within the community's ceiling: granted there; above the street's: refused */
    long long small = investigated_one_off(hh, rid[0], 80000);
    step_ok(t_c01, small, "grant", "{\"opinion\":\"同意\"}", "granted");
    long long big = investigated_one_off(hh, rid[0], 600000);
    step_ok(t_c01, big, "check", "{\"opinion\":\"报街道\"}", "checked");
    expect_error(t_street, big, "approve", "{\"opinion\":\"同意\"}", 409, "超过街道审批限额 5,000.00 元");
    /* rejected: the decision gives the reason */
    step_ok(t_street, big, "reject", "{\"opinion\":\"超过临时救助上限，建议申请医疗救助\"}", "rejected");
    j = get_ok(t_c01, fmt("/api/v1/assistance/cases/%lld/decision", big));
    assert_string_equal(jstr(j, "kind"), "rejection");
    assert_string_equal(jstr(j, "opinion"), "超过临时救助上限，建议申请医疗救助");
    assert_true(json_is_null(json_object_get(j, "amount_fen")));
    json_decref(j);
}

/* The bank account: encrypted, shown as its last four digits only. */
static void bank_account_masked(void **state)
{
    long long rid[1];
    long long hh = new_family(t_street, grid_a, 1, rid);
    long long id = file_case(t_g0101, "dibao_urban", hh, rid[0], "");
    const char *body = "{\"bank_name\":\"农业银行\",\"account_name\":\"账户人\",\"account_number\":\"6228480098765432\"}";
    json_decref(req(t_g0101, "PUT", fmt("/api/v1/assistance/cases/%lld/bank", id), body, 403));   /* not the grid's */
    expect_400_field(t_c01, "PUT", fmt("/api/v1/assistance/cases/%lld/bank", id),
                     "{\"bank_name\":\"农业银行\",\"account_name\":\"账户人\",\"account_number\":\"62284800\"}", "account_number");
    expect_400_field(t_c01, "PUT", fmt("/api/v1/assistance/cases/%lld/bank", id),
                     "{\"bank_name\":\"农业银行\",\"account_name\":\"账户人\",\"account_number\":\"6228-4800-9876-5432\"}",
                     "account_number");
    json_t *j = req(t_c01, "PUT", fmt("/api/v1/assistance/cases/%lld/bank", id), body, 200);
    assert_string_equal(jstr(json_object_get(j, "bank"), "account"), "**** 5432");
    assert_int_equal(jint(j, "version"), 2);
    char *dump = json_dumps(j, 0);
    assert_null(strstr(dump, "6228480098765432"));
    free(dump);
    json_decref(j);
    j = get_case(t_street, id);
    assert_string_equal(jstr(json_object_get(j, "bank"), "account"), "**** 5432");
    assert_string_equal(jstr(json_object_get(j, "bank"), "bank_name"), "农业银行");
    json_decref(j);
    assert_int_equal(server_sql_int(&srv, fmt("SELECT COUNT(*) FROM assistance_case WHERE id = %lld AND account_tail = '5432'"
                                              " AND account_enc LIKE 'e%%' AND account_enc NOT LIKE '%%98765432%%'", id)), 1);
    j = get_ok(t_auditor, fmt("/api/v1/audit?action=assist_bank_set&entity_id=%lld", id));
    assert_int_equal(jint(j, "total"), 1);
    dump = json_dumps(j, 0);
    assert_null(strstr(dump, "6228480098765432"));
    assert_non_null(strstr(dump, "5432"));
    free(dump);
    json_decref(j);
    /* a stale version is refused */
    http_resp r;
    assert_int_equal(http_with(&srv, "PUT", fmt("/api/v1/assistance/cases/%lld/bank", id), t_c01, body, strlen(body), NULL,
                               "If-Match: \"1\"", &r), 0);
    assert_int_equal(r.status, 412);
    http_free(&r);
}

/* 在保: 调整 recomputes the amount (and clears a flag whose person is no
 * longer counted); 停保 ends the months paid. */
static void adjust_and_stop(void **state)
{
    long long rid[3];
    long long id = checked_case(3, rid);
    json_t *j = get_case(t_street, id);
    assert_int_equal(jint(j, "amount_fen"), 114000);   /* 78000 × 3 − 120000 */
    json_decref(j);
    make_active(id);
    server_sql(&srv, fmt("UPDATE assistance_case SET stop_flag = 'deceased', stop_flag_resident_id = %lld,"
                         " stop_flag_date = '2025-03-01' WHERE id = %lld", rid[2], id));
    assert_true(api_list_has(&srv, t_street, "/api/v1/assistance/cases?flagged=stop&page_size=100", id));
    expect_error(t_street, id, "adjust", "{}", 400, "须填写意见");
    expect_error(t_street, id, "adjust", "{\"opinion\":\"调整\",\"band_key\":\"x\"}", 400, "档次不能直接调整");
    j = step(t_street, id, "adjust",
             fmt("{\"opinion\":\"一人去世，调整人数\",\"review_class\":\"B\",\"members\":["
                 "{\"resident_id\":%lld,\"incomes\":[{\"source\":\"pension\",\"monthly_fen\":30000}]},"
                 "{\"resident_id\":%lld}]}", rid[0], rid[1]),
             200);
    assert_string_equal(jstr(j, "state"), "active");
    assert_int_equal(jint(j, "members_counted"), 2);
    assert_int_equal(jint(j, "amount_fen"), 126000);   /* 78000 × 2 − 30000 */
    assert_string_equal(jstr(j, "review_class"), "B");
    assert_non_null(jstr(j, "next_review_on"));
    assert_true(json_is_null(json_object_get(j, "stop_flag")));
    json_decref(j);
    /* the audit row keeps the members the adjustment replaced */
    j = get_ok(t_auditor, fmt("/api/v1/audit?action=assist_case_step&entity=assistance_case&entity_id=%lld", id));
    json_t *row = json_array_get(json_object_get(j, "items"), 0);
    assert_int_equal(json_array_size(json_object_get(json_object_get(json_object_get(row, "before"), "record"), "members")), 3);
    assert_int_equal(json_array_size(json_object_get(json_object_get(json_object_get(row, "after"), "record"), "members")), 2);
    assert_int_equal(jint(json_object_get(row, "before"), "amount_fen"), 114000);
    assert_int_equal(jint(json_object_get(row, "after"), "amount_fen"), 126000);
    json_decref(j);
    expect_error(t_street, id, "stop", "{\"opinion\":\"停保\",\"end_month\":\"2024-12\"}", 400, "不能早于起始月份");
    j = step(t_street, id, "stop", "{\"opinion\":\"收入已超过标准，停保\",\"end_month\":\"2025-06\"}", 200);
    assert_string_equal(jstr(j, "state"), "stopped");
    assert_string_equal(jstr(j, "end_month"), "2025-06");
    json_decref(j);
    j = get_ok(t_street, fmt("/api/v1/assistance/cases/%lld/decision", id));
    assert_string_equal(jstr(j, "kind"), "approval");   /* the approval stands for the months paid */
    json_decref(j);
}

/* area from the hukou: 农村 → 农村 standard (600 yuan) for dibao_rural. */
static void rural_area_from_hukou(void **state)
{
    json_t *j = req(t_street, "POST", "/api/v1/households",
                    fmt("{\"grid_id\":%lld,\"address\":\"菏泽市牡丹区农村路%s号\"}", grid_a, cn_number(++name_seq)), 201);
    long long hh = jint(j, "id");
    json_decref(j);
    long long r = create_resident(t_street, hh, new_id(), fmt("农户%s", cn_number(++name_seq)),
                                  ",\"relation\":\"户主\",\"hukou_type\":\"农村\"");
    long long id = file_case(t_g0101, "dibao_rural", hh, r, "");
    step_ok(t_c01, id, "accept", "{}", "accepted");
    j = step(t_c01, id, "investigate",
             fmt("{\"investigation\":{\"investigated_on\":\"2025-01-10\",\"investigators\":[\"王调查\",\"李调查\"]},"
                 "\"members\":[{\"resident_id\":%lld,\"incomes\":[{\"source\":\"agriculture\",\"monthly_fen\":20000}]},"
                 "{\"name\":\"刘老汉\",\"relation\":\"父\",\"incomes\":[{\"source\":\"pension\",\"monthly_fen\":15050}]}]}", r),
             200);
    assert_string_equal(jstr(j, "area"), "rural");
    assert_int_equal(jint(j, "income_fen"), 35050);
    assert_int_equal(jint(j, "amount_fen"), 85000);   /* 60000 × 2 − 35050 = 84950, rounded up to the yuan */
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(application_path_and_amount),
        cmocka_unit_test(steps_refused_with_reasons),
        cmocka_unit_test(other_units_see_nothing),
        cmocka_unit_test(overdue_cases_flagged),
        cmocka_unit_test(handler_relative_must_recuse),
        cmocka_unit_test(duplicate_applications_refused),
        cmocka_unit_test(one_off_ceilings),
        cmocka_unit_test(bank_account_masked),
        cmocka_unit_test(adjust_and_stop),
        cmocka_unit_test(rural_area_from_hukou),
    };
    return cmocka_run_group_tests_name("api_assist_cases", tests, registry_setup, registry_teardown);
}
