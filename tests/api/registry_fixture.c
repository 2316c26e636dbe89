/* registry_fixture.c — see registry_fixture.h. */
#include "registry_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

test_server srv;
char *t_admin, *t_auditor, *t_street, *t_c01, *t_g0101, *t_viewer;
long long street_id, c001, c002, grid_a, grid_b, bld_a1, bld_b1;
const char *const *registry_serve_args;

/* ---- fixture ------------------------------------------------------------- */

int registry_setup(void **state)
{
    if (server_start(&srv, 300, registry_serve_args) != 0)
        return -1;
    t_admin = login(&srv, "admin", DEMO_PW);
    t_auditor = login(&srv, "auditor", DEMO_PW);
    t_street = login(&srv, "jiedao", DEMO_PW);
    t_c01 = login(&srv, "shequ01", DEMO_PW);
    t_g0101 = login(&srv, "wangge0101", DEMO_PW);
    t_viewer = login(&srv, "bumen", DEMO_PW);
    if (!t_admin || !t_auditor || !t_street || !t_c01 || !t_g0101 || !t_viewer)
        return -1;
    street_id = org_id_by_code(&srv, t_admin, STREET_CODE);
    c001 = org_id_by_code(&srv, t_admin, C001_CODE);
    c002 = org_id_by_code(&srv, t_admin, C002_CODE);
    grid_a = org_id_by_code(&srv, t_admin, GRID_A_CODE);
    grid_b = org_id_by_code(&srv, t_admin, GRID_B_CODE);
    bld_a1 = org_id_by_code(&srv, t_admin, BLD_A1_CODE);
    bld_b1 = org_id_by_code(&srv, t_admin, BLD_B1_CODE);
    if (!street_id || !c001 || !c002 || !grid_a || !grid_b || !bld_a1 || !bld_b1) {
        fprintf(stderr, "registry_fixture: demo org units not found\n");
        return -1;
    }
    return 0;
}

int registry_teardown(void **state)
{
    free(t_admin);
    free(t_auditor);
    free(t_street);
    free(t_c01);
    free(t_g0101);
    free(t_viewer);
    return server_stop(&srv);
}

/* ---- helpers ------------------------------------------------------------- */

void expect_400_field(const char *tok, const char *method, const char *path, const char *body, const char *field)
{
    json_t *j = req(tok, method, path, body, 400);
    assert_string_equal(err_code(j), "bad_request");
    assert_string_equal(err_field(j), field);
    json_decref(j);
}

long long create_household(const char *tok, const char *code, long long grid, long long building)
{
    char body[512];
    if (building)
        snprintf(body, sizeof body,
                 "{\"code\":\"%s\",\"grid_id\":%lld,\"building_id\":%lld,\"address\":\"菏泽市牡丹区测试路%s号\"}",
                 code, grid, building, code);
    else
        snprintf(body, sizeof body, "{\"code\":\"%s\",\"grid_id\":%lld,\"address\":\"菏泽市牡丹区测试路%s号\"}",
                 code, grid, code);
    json_t *j = req(tok, "POST", "/api/v1/households", body, 201);
    long long id = jint(j, "id");
    assert_true(id > 0);
    json_decref(j);
    return id;
}

long long create_resident(const char *tok, long long hh, const char *idn, const char *name, const char *extra)
{
    char body[1024];
    snprintf(body, sizeof body, "{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"%s\"%s}", hh, idn, name, extra);
    json_t *j = req(tok, "POST", "/api/v1/residents", body, 201);
    long long id = jint(j, "id");
    assert_true(id > 0);
    assert_string_equal(jstr(j, "name"), name);
    assert_int_equal(jint(j, "household_id"), hh);
    json_decref(j);
    return id;
}

int members_have(json_t *hh, long long rid)
{
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(hh, "members"), i, m)
        if (jint(m, "id") == rid)
            return 1;
    return 0;
}

json_t *child_unit(const char *tok, long long parent, long long id)
{
    return item_with_id(tok, fmt("/api/v1/org-units?parent_id=%lld", parent), id);
}

json_t *item_with_id(const char *tok, const char *path, long long id)
{
    json_t *j = get_ok(tok, path);
    size_t i;
    json_t *it, *hit = NULL;
    json_array_foreach(json_object_get(j, "items"), i, it)
        if (jint(it, "id") == id)
            hit = json_incref(it);
    json_decref(j);
    assert_non_null(hit);
    return hit;
}

json_t *last_event(json_t *hist, const char *kind)
{
    json_t *items = json_object_get(hist, "items"), *hit = NULL;
    size_t i;
    json_t *e;
    json_array_foreach(items, i, e)
        if (strcmp(jstr(e, "kind"), kind) == 0)
            hit = e;
    return hit;
}
