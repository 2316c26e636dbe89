/* test_audit_names.c — every audit action code the program writes has a
 * Chinese name (core/audit_names.c), and the Beijing-day rules of the
 * audit log's times hold around midnight (core/audit.c).
 *
 * The codes are found in the source (run from the repository root, as
 * make does): the string literals given as the action of an audit row —
 * `.action = "x"` (or a `? "x" : "y"` choice), `action = "x"`, and the
 * action argument of the helpers that pass one on (audit_login,
 * record_failure, audit_day, audit_case, fieldkeys_reencrypt, the
 * registry's finish_or_reply). A new helper taking an action needs its
 * line in CALLERS. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"

/* A marker and which argument after it is the action (1 = the first). */
static const struct { const char *marker; int arg; } CALLERS[] = {
    {"action = ", 1},
    {"audit_login(", 5},
    {"record_failure(", 4},
    {"audit_day(", 4},
    {"audit_case(", 4},
    {"fieldkeys_reencrypt(", 3},
    {"finish_or_reply(rq, rs, ", 1},
};

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static int is_code(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
            return 0;
    return 1;
}

/* Checks every code in argument `arg` after position p of text; returns
 * how many codes it found. */
static int check_argument(const char *file, const char *text, const char *p, int arg, int *missing)
{
    int n = 1, depth = 0, found = 0;
    for (; *p && *p != ';'; p++) {
        if (*p == '"') {
            const char *end = strchr(p + 1, '"');
            assert_non_null(end);
            size_t len = (size_t)(end - p - 1);
            if (n == arg && is_code(p + 1, len)) {
                char code[64];
                snprintf(code, sizeof code, "%.*s", (int)len, p + 1);
                found++;
                if (strcmp(audit_action_label(code), code) == 0) {
                    fprintf(stderr, "%s: audit action \"%s\" has no Chinese name in src/core/audit_names.c\n", file,
                            code);
                    (*missing)++;
                }
            }
            p = end;
            continue;
        }
        if (*p == '(' || *p == '[' || *p == '{')
            depth++;
        else if (*p == ')' || *p == ']' || *p == '}') {
            if (depth-- == 0)
                break;
        } else if (*p == ',' && depth == 0 && ++n > arg)
            break;
    }
    (void)text;
    return found;
}

static void every_action_code_has_a_name(void **state)
{
    (void)state;
    glob_t g;
    assert_int_equal(glob("src/*.c", 0, NULL, &g), 0);
    assert_int_equal(glob("src/*/*.c", GLOB_APPEND, NULL, &g), 0);
    int missing = 0, found = 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        char *text = slurp(g.gl_pathv[i]);
        for (size_t k = 0; k < sizeof CALLERS / sizeof CALLERS[0]; k++)
            for (const char *p = text; (p = strstr(p, CALLERS[k].marker)); p++) {
                if (p > text && (p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z')))
                    continue;   /* the end of another name: ".satisfaction = " is no action */
                found += check_argument(g.gl_pathv[i], text, p + strlen(CALLERS[k].marker), CALLERS[k].arg, &missing);
            }
        free(text);
    }
    globfree(&g);
    assert_int_equal(missing, 0);
    /* the scan sees the codes (45 when this test was written) */
    assert_true(found >= 45);
}

static void labels_are_chinese_and_unknown_codes_stay(void **state)
{
    (void)state;
    assert_string_equal(audit_action_label("view_full_id"), "查看完整身份证号");
    assert_string_equal(audit_action_label("import_undo"), "撤销导入");
    assert_string_equal(audit_action_label("login_failed"), "登录失败");
    assert_string_equal(audit_action_label("no_such_code"), "no_such_code");
    assert_string_equal(audit_action_label(NULL), "");
}

/* A Beijing day is [16:00Z of the day before, 16:00Z of the day). */
static void beijing_days_around_midnight(void **state)
{
    (void)state;
    char start[21], end[21], shown[32];
    assert_string_equal(audit_day_start_utc("2026-12-07", 0, start), "2026-12-06T16:00:00Z");
    assert_string_equal(audit_day_start_utc("2026-12-07", 1, end), "2026-12-07T16:00:00Z");
    /* 23:59:59 Beijing on the 6th is not in the 7th; 00:00:00 on the 7th is */
    assert_true(strcmp("2026-12-06T15:59:59Z", start) < 0);
    assert_true(strcmp("2026-12-06T16:00:00Z", start) >= 0);
    assert_true(strcmp("2026-12-07T15:59:59Z", end) < 0);
    assert_false(strcmp("2026-12-07T16:00:00Z", end) < 0);
    assert_string_equal(audit_beijing_time("2026-12-06T15:59:59Z", shown), "2026-12-06T23:59:59+08:00");
    assert_string_equal(audit_beijing_time("2026-12-06T16:00:00Z", shown), "2026-12-07T00:00:00+08:00");
    /* month and year ends */
    assert_string_equal(audit_day_start_utc("2027-01-01", 0, start), "2026-12-31T16:00:00Z");
    assert_string_equal(audit_day_start_utc("2026-12-31", 1, end), "2026-12-31T16:00:00Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_action_code_has_a_name),
        cmocka_unit_test(labels_are_chinese_and_unknown_codes_stay),
        cmocka_unit_test(beijing_days_around_midnight),
    };
    return cmocka_run_group_tests_name("audit_names", tests, NULL, NULL);
}
