/* test_mediation_flow.c — the mediation case type of
 * mediation/mediation_flow.c passes the workflow engine's table check,
 * every state can be reached from 已受理 and reaches an end, grid
 * workers and the viewer take no step, and the steps that end a
 * mediation or need a reason are where the API expects them. (The steps
 * with their records and refusals are tested through the API:
 * tests/api/test_mediation.c.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "mediation/mediation_flow.h"

static void test_table_is_valid(void **state)
{
    (void)state;
    char why[200] = "";
    if (wf_type_check(&MEDIATION_CASE, why, sizeof why) != 0)
        fail_msg("mediation: %s", why);
}

/* Every state is reached from the initial one. */
static void test_every_state_reachable(void **state)
{
    (void)state;
    const char *seen[16] = {MEDIATION_CASE.initial};
    size_t n = 1;
    for (int grew = 1; grew;) {
        grew = 0;
        for (const wf_transition *t = MEDIATION_CASE.transitions; t->from; t++) {
            int from = 0, to = 0;
            for (size_t i = 0; i < n; i++) {
                from |= strcmp(seen[i], t->from) == 0;
                to |= strcmp(seen[i], t->to) == 0;
            }
            if (from && !to && n < 16) {
                seen[n++] = t->to;
                grew = 1;
            }
        }
    }
    size_t states = 0;
    for (const wf_state *s = MEDIATION_CASE.states; s->code; s++)
        states++;
    assert_int_equal(n, states);
}

static void test_who_takes_the_steps(void **state)
{
    (void)state;
    for (const wf_transition *t = MEDIATION_CASE.transitions; t->from; t++) {
        assert_int_equal(t->roles & (ROLE_GRID | ROLE_VIEWER | ROLE_ADMIN), 0);
        assert_true(t->roles & ROLE_COMMUNITY);
    }
    assert_true(wf_transition_find(&MEDIATION_CASE, "mediating", "fail")->opinion_required);
    assert_true(wf_transition_find(&MEDIATION_CASE, "received", "withdraw")->opinion_required);
    assert_null(wf_transition_find(&MEDIATION_CASE, "agreed", "withdraw"));
    assert_string_equal(wf_transition_find(&MEDIATION_CASE, "failed", "visit")->to, "visited");
    assert_true(wf_state_find(&MEDIATION_CASE, "closed")->terminal);
    assert_string_equal(mediation_state_label("mediating"), "调解中");
    assert_string_equal(mediation_state_label("nope"), "nope");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_is_valid),
        cmocka_unit_test(test_every_state_reachable),
        cmocka_unit_test(test_who_takes_the_steps),
    };
    return cmocka_run_group_tests_name("unit_mediation_flow", tests, NULL, NULL);
}
