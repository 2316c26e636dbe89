/* test_hazard_flow.c — the hazard case type of safety/hazard_flow.c
 * passes the workflow engine's table check, the only way to 已销号 is the
 * re-check's close out of 待复查 (and the grid worker may not take it),
 * and a failed re-check leads back to 整改中 with an opinion. (The steps
 * with their re-check records and refusals are tested through the API:
 * tests/api/test_safety_hazards.c.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "safety/hazard_flow.h"

static void test_table_is_valid(void **state)
{
    (void)state;
    char why[200] = "";
    if (wf_type_check(&HAZARD_CASE, why, sizeof why) != 0)
        fail_msg("hazard: %s", why);
    assert_string_equal(HAZARD_CASE.initial, "registered");
}

static void test_closed_only_by_a_recheck(void **state)
{
    (void)state;
    int closers = 0;
    for (const wf_transition *t = HAZARD_CASE.transitions; t->from; t++) {
        if (strcmp(t->to, "closed") != 0)
            continue;
        closers++;
        assert_string_equal(t->from, "rechecking");
        assert_string_equal(t->action, "close");
        assert_int_equal(t->roles & ROLE_GRID, 0);
        assert_int_equal(t->level, WF_LEVEL_COMMUNITY);
    }
    assert_int_equal(closers, 1);
    const wf_transition *back = wf_transition_find(&HAZARD_CASE, "rechecking", "reopen");
    assert_non_null(back);
    assert_string_equal(back->to, "rectifying");
    assert_true(back->opinion_required);
    assert_int_equal(back->roles & ROLE_GRID, 0);
    assert_true(wf_state_find(&HAZARD_CASE, "closed")->terminal);
}

static void test_labels(void **state)
{
    (void)state;
    assert_string_equal(hazard_state_label("registered"), "已登记");
    assert_string_equal(hazard_state_label("rectifying"), "整改中");
    assert_string_equal(hazard_state_label("rechecking"), "待复查");
    assert_string_equal(hazard_state_label("closed"), "已销号");
    assert_string_equal(hazard_state_label("nope"), "nope");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_is_valid),
        cmocka_unit_test(test_closed_only_by_a_recheck),
        cmocka_unit_test(test_labels),
    };
    return cmocka_run_group_tests_name("hazard_flow", tests, NULL, NULL);
}
