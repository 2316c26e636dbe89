/* test_totp.c — the second factor, with the server's policy on
 * (--two-factor required): privileged roles get a restricted session
 * until they enrol; enrolment by secret/QR and a first code; sign-in
 * needs a code (no replay of a used step) or a single-use recovery
 * code; wrong codes count towards the lockout; an admin's reset is
 * audited. Codes are computed with liboath (harness totp_code_at), as a
 * phone would. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <liboath/oath.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

static test_server srv;

static int setup(void **state)
{
    static const char *const args[] = {"--two-factor", "required", NULL};
    oath_init();
    return server_start(&srv, 5, args);
}

static int teardown(void **state)
{
    oath_done();
    return server_stop(&srv);
}

static long sign_in(const char *user, const char *extra, json_t **out)
{
    return api_send(&srv, "POST", NULL, "/api/v1/auth/login",
                    fmt("{\"username\":\"%s\",\"password\":\"%s\"%s}", user, DEMO_PW, extra ? extra : ""), out);
}

static char *token_of(json_t *j)
{
    char *t = strdup(jstr(j, "token"));
    json_decref(j);
    return t;
}

typedef struct enrolled {
    char secret[64];
    char recovery[10][16];
} enrolled;

/* Signs `user` in (no second factor yet), enrols and confirms. */
static void enrol(const char *user, enrolled *e)
{
    json_t *j;
    assert_int_equal(sign_in(user, NULL, &j), 200);
    assert_true(json_array_has_str(json_object_get(json_object_get(j, "user"), "pending"), "totp_enroll"));
    char *tok = token_of(j);
    j = api_expect(&srv, tok, "POST", "/api/v1/auth/totp/enroll", "{}", 200);
    snprintf(e->secret, sizeof e->secret, "%s", jstr(j, "secret"));
    assert_int_equal(strlen(e->secret), 32);
    assert_non_null(strstr(jstr(j, "otpauth_uri"), "otpauth://totp/minsheng:"));
    assert_non_null(strstr(jstr(j, "otpauth_uri"), e->secret));
    assert_int_equal(strncmp(jstr(j, "qr_svg"), "<svg", 4), 0);
    json_decref(j);
    /* A wrong first code is refused (one chance in a million to collide). */
    const char *right = totp_code_at(e->secret, time(NULL));
    char wrong[8];
    snprintf(wrong, sizeof wrong, "%06d", (atoi(right) + 500000) % 1000000);
    j = api_expect(&srv, tok, "POST", "/api/v1/auth/totp/confirm", fmt("{\"code\":\"%s\"}", wrong), 400);
    assert_string_equal(err_field(j), "code");
    json_decref(j);
    j = api_expect(&srv, tok, "POST", "/api/v1/auth/totp/confirm",
                   fmt("{\"code\":\"%s\"}", totp_code_at(e->secret, time(NULL))), 200);
    assert_true(json_is_true(json_object_get(j, "enabled")));
    json_t *codes = json_object_get(j, "recovery_codes");
    assert_int_equal(json_array_size(codes), 10);
    for (size_t i = 0; i < 10; i++)
        snprintf(e->recovery[i], sizeof e->recovery[i], "%s", json_string_value(json_array_get(codes, i)));
    json_decref(j);
    /* The session that enrolled is no longer restricted. */
    json_t *me = api_get_ok(&srv, tok, "/api/v1/auth/me");
    assert_int_equal(json_array_size(json_object_get(me, "pending")), 0);
    assert_true(json_is_true(json_object_get(me, "totp_enabled")));
    json_decref(me);
    free(tok);
}

static enrolled street, adm;

static void privileged_roles_must_enrol_first(void **state)
{
    json_t *j;
    assert_int_equal(sign_in("jiedao", NULL, &j), 200);
    char *tok = token_of(j);
    j = api_expect(&srv, tok, "GET", "/api/v1/residents", NULL, 403);
    assert_string_equal(err_code(j), "totp_enrollment_required");
    json_decref(j);
    json_decref(api_get_ok(&srv, tok, "/api/v1/auth/me"));
    free(tok);
    /* The security administrator is a privileged role too. */
    assert_int_equal(sign_in("anquan", NULL, &j), 200);
    assert_true(json_array_has_str(json_object_get(json_object_get(j, "user"), "pending"), "totp_enroll"));
    json_decref(j);
    /* A community worker is not a privileged role. */
    assert_int_equal(sign_in("shequ01", NULL, &j), 200);
    assert_int_equal(json_array_size(json_object_get(json_object_get(j, "user"), "pending")), 0);
    tok = token_of(j);
    assert_int_equal(api_get(&srv, tok, "/api/v1/residents?page_size=20", NULL), 200);
    free(tok);
}

static void enrolled_sign_in_needs_a_fresh_code(void **state)
{
    json_t *j;
    enrol("jiedao", &street);
    enrol("admin", &adm);
    /* No code, a wrong code: 401 totp_required. */
    assert_int_equal(sign_in("jiedao", NULL, &j), 401);
    assert_string_equal(err_code(j), "totp_required");
    json_decref(j);
    assert_int_equal(sign_in("jiedao", ",\"totp\":\"123456x\"", &j), 401);
    assert_string_equal(err_code(j), "totp_required");
    json_decref(j);
    /* The step used at enrolment cannot be used again; the next one can,
     * once (the server accepts one step of drift). */
    const char *next = totp_code_at(street.secret, time(NULL) + 30);
    char extra[64];
    snprintf(extra, sizeof extra, ",\"totp\":\"%s\"", next);
    assert_int_equal(sign_in("jiedao", extra, &j), 200);
    char *tok = token_of(j);
    assert_int_equal(api_get(&srv, tok, "/api/v1/residents?page_size=20", NULL), 200);
    free(tok);
    assert_int_equal(sign_in("jiedao", extra, &j), 401);   /* replay */
    assert_string_equal(err_code(j), "totp_required");
    json_decref(j);
    /* A recovery code works once. */
    snprintf(extra, sizeof extra, ",\"recovery_code\":\"%s\"", street.recovery[3]);
    assert_int_equal(sign_in("jiedao", extra, &j), 200);
    json_decref(j);
    assert_int_equal(sign_in("jiedao", extra, &j), 401);
    assert_string_equal(err_code(j), "totp_required");
    json_decref(j);
    /* Enrolling again while enabled: 409. */
    snprintf(extra, sizeof extra, ",\"recovery_code\":\"%s\"", street.recovery[4]);
    assert_int_equal(sign_in("jiedao", extra, &j), 200);
    tok = token_of(j);
    json_decref(api_expect(&srv, tok, "POST", "/api/v1/auth/totp/enroll", "{}", 409));
    free(tok);
}

static void wrong_codes_count_towards_the_lockout(void **state)
{
    enrolled aud;
    json_t *j;
    enrol("auditor", &aud);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(sign_in("auditor", ",\"totp\":\"000000\"", &j), 401);
        json_decref(j);
    }
    /* Locked now: the right password and code are refused too, alike. */
    char extra[64];
    snprintf(extra, sizeof extra, ",\"totp\":\"%s\"", totp_code_at(aud.secret, time(NULL) + 30));
    assert_int_equal(sign_in("auditor", extra, &j), 401);
    assert_string_equal(err_code(j), "unauthorized");
    json_decref(j);
}

/* Audit rows of `action` about entity `id`, read from the database: the
 * auditor is locked out by the test before, and the admin reads no log. */
static long long audit_rows(const char *action, long long id)
{
    return server_sql_int(&srv, fmt("SELECT COUNT(*) FROM audit_log WHERE action = '%s' AND entity_id = %lld",
                                    action, id));
}

static void admin_reset_is_audited_and_user_enrols_again(void **state)
{
    json_t *j;
    char extra[64];
    snprintf(extra, sizeof extra, ",\"recovery_code\":\"%s\"", adm.recovery[0]);
    assert_int_equal(sign_in("admin", extra, &j), 200);
    char *admin = token_of(j);
    long long street_uid = 0;
    j = api_get_ok(&srv, admin, "/api/v1/users?role=street&q=jiedao");
    street_uid = jint(json_array_get(json_object_get(j, "items"), 0), "id");
    assert_true(json_is_true(json_object_get(json_array_get(json_object_get(j, "items"), 0), "totp_enabled")));
    json_decref(j);
    /* Not an admin: 403. */
    assert_int_equal(sign_in("shequ01", NULL, &j), 200);
    char *other = token_of(j);
    json_decref(api_expect(&srv, other, "POST", fmt("/api/v1/users/%lld/totp/reset", street_uid), "{}", 403));
    free(other);
    j = api_expect(&srv, admin, "POST", fmt("/api/v1/users/%lld/totp/reset", street_uid), "{}", 200);
    assert_false(json_is_true(json_object_get(j, "totp_enabled")));
    json_decref(j);
    json_decref(api_expect(&srv, admin, "POST", fmt("/api/v1/users/%lld/totp/reset", street_uid), "{}", 409));
    assert_int_equal(audit_rows("totp_reset", street_uid), 1);
    free(admin);
    /* The street worker signs in with the password alone, restricted to enrolment. */
    assert_int_equal(sign_in("jiedao", NULL, &j), 200);
    assert_true(json_array_has_str(json_object_get(json_object_get(j, "user"), "pending"), "totp_enroll"));
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(privileged_roles_must_enrol_first),
        cmocka_unit_test(enrolled_sign_in_needs_a_fresh_code),
        cmocka_unit_test(wrong_codes_count_towards_the_lockout),
        cmocka_unit_test(admin_reset_is_audited_and_user_enrols_again),
    };
    return cmocka_run_group_tests_name("api_totp", tests, setup, teardown);
}
