/* test_concurrency.c — lost updates and optimistic concurrency on the
 * registry's records (docs/api.md, "Versions").
 *
 * Seven clients PATCH seven different fields of one resident at once,
 * twenty rounds: after each round every field holds what its writer
 * sent, and the audit log's "before" image of each update equals the
 * "after" image of the one before it (the before image is read inside
 * the write transaction). Before the fix, handlers read the record
 * before BEGIN IMMEDIATE and wrote every column back: changes were lost
 * in about half the rounds, all answered 200.
 *
 * Then If-Match: a GET's ETag is the record's version; a write naming
 * an older version is refused with 412 precondition_failed and the
 * current version, for residents, households and org units. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_fixture.h"

#define WRITERS 7
#define ROUNDS 20

static long long rid;

static void make_resident(void)
{
    if (rid)
        return;
    long long hh = create_household(t_street, "T-CONC-H1", grid_a, 0);
    rid = create_resident(t_street, hh, new_id(), "并发甲", ",\"relation\":\"户主\"");
}

/* Writer w's field and its value in round r, as a JSON member and as
 * the value read back. */
static void field_of(int w, int r, char member[128], char key[32], char value[64])
{
    static const char *const NAMES[] = {"并发甲", "并发乙"}, *const HUKOU[] = {"城镇", "农村"},
                             *const RES[] = {"常住", "流动"}, *const EMP[] = {"在业", "退休"};
    switch (w) {
    case 0: snprintf(key, 32, "name"); snprintf(value, 64, "%s", NAMES[r % 2]); break;
    case 1: snprintf(key, 32, "phone"); snprintf(value, 64, "139001000%02d", r); break;
    case 2: snprintf(key, 32, "hukou_type"); snprintf(value, 64, "%s", HUKOU[r % 2]); break;
    case 3: snprintf(key, 32, "residence_status"); snprintf(value, 64, "%s", RES[r % 2]); break;
    case 4: snprintf(key, 32, "employment"); snprintf(value, 64, "%s", EMP[r % 2]); break;
    case 5: snprintf(key, 32, "party_member"); snprintf(value, 64, "%s", r % 2 ? "true" : "false"); break;
    default: snprintf(key, 32, "notes"); snprintf(value, 64, "第%d轮", r); break;
    }
    if (w == 5)
        snprintf(member, 128, "{\"%s\":%s}", key, value);
    else
        snprintf(member, 128, "{\"%s\":\"%s\"}", key, value);
}

typedef struct job {
    int writer, round;
    long status;
} job;

static void *patch_one(void *arg)
{
    job *j = arg;
    char body[128], key[32], value[64], path[64];
    field_of(j->writer, j->round, body, key, value);
    snprintf(path, sizeof path, "/api/v1/residents/%lld", rid);
    for (int tries = 0; tries < 10; tries++) {   /* 503 (busy) is a documented answer: retry */
        http_resp r;
        j->status = http(&srv, "PATCH", path, t_street, body, strlen(body), NULL, &r) == 0 ? r.status : -1;
        if (j->status >= 0)
            http_free(&r);
        if (j->status != 503)
            break;
    }
    return NULL;
}

static void seven_writers_lose_nothing(void **state)
{
    make_resident();
    int lost_rounds = 0;
    for (int round = 0; round < ROUNDS; round++) {
        pthread_t th[WRITERS];
        job jobs[WRITERS];
        for (int w = 0; w < WRITERS; w++) {
            jobs[w] = (job){w, round, 0};
            assert_int_equal(pthread_create(&th[w], NULL, patch_one, &jobs[w]), 0);
        }
        for (int w = 0; w < WRITERS; w++) {
            pthread_join(th[w], NULL);
            assert_int_equal(jobs[w].status, 200);
        }
        json_t *j = get_ok(t_street, fmt("/api/v1/residents/%lld", rid));
        int lost = 0;
        for (int w = 0; w < WRITERS; w++) {
            char body[128], key[32], value[64];
            field_of(w, round, body, key, value);
            json_t *v = json_object_get(j, key);
            int ok = w == 5 ? json_is_true(v) == (strcmp(value, "true") == 0) : strcmp(json_string_value(v) ? json_string_value(v) : "", value) == 0;
            if (!ok) {
                print_error("round %d: %s lost (want %s)\n", round, key, value);
                lost = 1;
            }
        }
        json_decref(j);
        lost_rounds += lost;
    }
    assert_int_equal(lost_rounds, 0);

    /* The audit chain of the updates: each before image is the after image before it. */
    json_t *a = get_ok(t_auditor, fmt("/api/v1/audit?entity=resident&entity_id=%lld&action=update&page_size=200", rid));
    json_t *items = json_object_get(a, "items");
    assert_int_equal(json_array_size(items), WRITERS * ROUNDS);
    size_t broken = 0;
    for (size_t i = json_array_size(items) - 1; i > 0; i--) {   /* newest first: i is older than i - 1 */
        json_t *older_after = json_object_get(json_array_get(items, i), "after");
        json_t *newer_before = json_object_get(json_array_get(items, i - 1), "before");
        broken += !json_equal(older_after, newer_before);
    }
    json_decref(a);
    assert_int_equal(broken, 0);
}

/* ---- If-Match ------------------------------------------------------------------ */

/* PATCH path with If-Match "version"; returns the status, JSON in *out. */
static long patch_if(const char *path, long long version, const char *body, json_t **out, char etag[64])
{
    http_resp r;
    char hdr[64];
    snprintf(hdr, sizeof hdr, "If-Match: \"%lld\"", version);
    assert_int_equal(http_with(&srv, "PATCH", path, t_street, body, strlen(body), NULL, hdr, &r), 0);
    long st = r.status;
    if (etag)
        snprintf(etag, 64, "%s", r.etag);
    *out = json_incref(r.json);
    http_free(&r);
    return st;
}

/* The ETag of GET path, as a number. */
static long long etag_of(const char *path)
{
    http_resp r;
    assert_int_equal(http(&srv, "GET", path, t_street, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_true(r.etag[0] == '"');
    long long v = atoll(r.etag + 1);
    assert_int_equal(v, jint(r.json, "version"));
    http_free(&r);
    return v;
}

static void stale_if_match_is_412(const char *path, const char *body1, const char *body2)
{
    long long v = etag_of(path);
    json_t *j;
    char etag[64];
    assert_int_equal(patch_if(path, v, body1, &j, etag), 200);
    assert_int_equal(jint(j, "version"), v + 1);
    assert_int_equal(atoll(etag + 1), v + 1);
    json_decref(j);
    /* a second clerk still holding version v */
    assert_int_equal(patch_if(path, v, body2, &j, etag), 412);
    assert_string_equal(err_code(j), "precondition_failed");
    assert_int_equal(jint(json_object_get(j, "error"), "current_version"), v + 1);
    json_decref(j);
    assert_int_equal(etag_of(path), v + 1);   /* nothing written */
}

static void stale_if_match_refused_for_each_record(void **state)
{
    make_resident();
    stale_if_match_is_412(fmt("/api/v1/residents/%lld", rid), "{\"notes\":\"甲改\"}", "{\"notes\":\"乙改\"}");
    json_t *j = get_ok(t_street, fmt("/api/v1/residents/%lld", rid));
    assert_string_equal(jstr(j, "notes"), "甲改");
    long long hh = jint(j, "household_id");
    json_decref(j);
    stale_if_match_is_412(fmt("/api/v1/households/%lld", hh), "{\"notes\":\"甲改\"}", "{\"notes\":\"乙改\"}");
    stale_if_match_is_412(fmt("/api/v1/org-units/%lld", bld_a1), "{\"notes\":\"甲改\"}", "{\"notes\":\"乙改\"}");

    /* moves and status changes check it too, and a malformed one is a 400 */
    long long v = etag_of(fmt("/api/v1/residents/%lld", rid));
    http_resp r;
    const char *body = "{\"status\":\"deceased\"}";
    assert_int_equal(http_with(&srv, "POST", fmt("/api/v1/residents/%lld/status", rid), t_street, body, strlen(body),
                               NULL, fmt("If-Match: \"%lld\"", v - 1), &r), 0);
    assert_int_equal(r.status, 412);
    http_free(&r);
    assert_int_equal(http_with(&srv, "PATCH", fmt("/api/v1/residents/%lld", rid), t_street, "{}", 2, NULL,
                               "If-Match: abc", &r), 0);
    assert_int_equal(r.status, 400);
    http_free(&r);
    /* without If-Match a write goes through (last writer wins per field) */
    json_decref(req(t_street, "PATCH", fmt("/api/v1/residents/%lld", rid), "{\"notes\":\"丙改\"}", 200));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(seven_writers_lose_nothing),
        cmocka_unit_test(stale_if_match_refused_for_each_record),
    };
    return cmocka_run_group_tests(tests, registry_setup, registry_teardown);
}
