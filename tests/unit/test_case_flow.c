/* test_case_flow.c — the social assistance case types of
 * assistance/case_flow.c pass the workflow engine's table check, the
 * one-off programmes get the one-off type, and 存量纳入 is the command
 * line's alone. (The steps themselves, with their checks and refusals,
 * are tested through the API: tests/api/test_assist_*.c.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "assistance/case_flow.h"

static void test_tables_are_valid(void **state)
{
    (void)state;
    char why[200] = "";
    if (wf_type_check(&ASSIST_CASE, why, sizeof why) != 0)
        fail_msg("assist: %s", why);
    if (wf_type_check(&ASSIST_ONCE, why, sizeof why) != 0)
        fail_msg("assist_once: %s", why);
}

static void test_type_per_calc_kind(void **state)
{
    (void)state;
    assert_ptr_equal(assist_case_type("one_off"), &ASSIST_ONCE);
    assert_ptr_equal(assist_case_type("topup"), &ASSIST_CASE);
    assert_ptr_equal(assist_case_type("per_person"), &ASSIST_CASE);
}

/* Lists mixing both types label a state without asking its type: the
 * states the two types share carry the same label. */
static void test_states_of_either_type(void **state)
{
    (void)state;
    for (const wf_state *o = ASSIST_ONCE.states; o->code; o++) {
        const wf_state *c = wf_state_find(&ASSIST_CASE, o->code);
        if (c)
            assert_string_equal(c->label, o->label);
        assert_string_equal(assist_state_label(o->code), o->label);
    }
    assert_string_equal(assist_state_label("active"), "在保");
    assert_string_equal(assist_state_label("granted"), "已批准");
    assert_null(assist_state_find("approved"));
    assert_string_equal(assist_state_label("approved"), "approved");
}

/* Every step to 在保 other than 街道审批 is the command line's 存量纳入,
 * and 街道审批 is the street's alone. */
static void test_only_the_street_makes_a_case_active(void **state)
{
    (void)state;
    int approve = 0, enrol = 0;
    for (const wf_transition *t = ASSIST_CASE.transitions; t->from; t++) {
        if (strcmp(t->to, "active") != 0 || strcmp(t->from, "active") == 0)
            continue;
        if (strcmp(t->action, "approve") == 0) {
            approve++;
            assert_int_equal(t->roles, ROLE_STREET);
            assert_int_equal(t->level, WF_LEVEL_STREET);
            assert_int_equal(t->opinion_required, 1);
            assert_string_equal(t->from, "noticed");
        } else {
            enrol++;
            assert_string_equal(t->action, "enrol");
            assert_int_equal(t->system_only, 1);
        }
    }
    assert_int_equal(approve, 1);
    assert_int_equal(enrol, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables_are_valid),
        cmocka_unit_test(test_type_per_calc_kind),
        cmocka_unit_test(test_states_of_either_type),
        cmocka_unit_test(test_only_the_street_makes_a_case_active),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
