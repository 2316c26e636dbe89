/* registry_fixture.h — what the registry tests (test_org_units.c,
 * test_households.c, test_residents.c, test_search.c, test_stats.c)
 * share: the group setup that starts one server on a 300-household demo
 * street, signs in the demo users and looks up the demo org units they
 * use, and helpers that create and read back households and residents
 * on that server. Each of those files runs its tests with
 * registry_setup / registry_teardown as the group fixture. */
#ifndef MS_TEST_REGISTRY_FIXTURE_H
#define MS_TEST_REGISTRY_FIXTURE_H

#include "harness.h"

#define STREET_CODE "371702001"
#define C001_CODE "371702001001"
#define C002_CODE "371702001002"
#define GRID_A_CODE "371702001001-01"
#define GRID_B_CODE "371702001001-02"
#define BLD_A1_CODE "371702001001-01-B01"
#define BLD_B1_CODE "371702001001-02-B01"

/* Set by registry_setup: the server, the demo users' tokens (admin,
 * auditor, jiedao, shequ01, wangge0101, bumen) and the org unit ids. */
extern test_server srv;
extern char *t_admin, *t_auditor, *t_street, *t_c01, *t_g0101, *t_viewer;
extern long long street_id, c001, c002, grid_a, grid_b, bld_a1, bld_b1;

/* Extra serve arguments for registry_setup's server (NULL-terminated;
 * NULL = none), set before the group runs. */
extern const char *const *registry_serve_args;

int registry_setup(void **state);
int registry_teardown(void **state);

/* The harness shorthands, on srv. */
#define req(tok, method, path, body, want) api_expect(&srv, tok, method, path, body, want)
#define get_ok(tok, path) api_get_ok(&srv, tok, path)
#define total_of(tok, path) api_total(&srv, tok, path)

#define new_id() fresh_id("110101")
/* Born 1930–1949: 高龄 is theirs (tags may hold elderly). */
#define old_id() fresh_old_id("110101")

/* A 400 naming `field`. */
void expect_400_field(const char *tok, const char *method, const char *path, const char *body, const char *field);

/* Creates a household (building 0 = none) with a test address; returns its id. */
long long create_household(const char *tok, const char *code, long long grid, long long building);
/* Creates a resident; extra: more JSON members starting with a comma, or "". Returns its id. */
long long create_resident(const char *tok, long long hh, const char *idn, const char *name, const char *extra);
/* Whether the household view `hh` lists resident `rid` among its members. */
int members_have(json_t *hh, long long rid);
/* The item of GET /org-units?parent_id=parent whose id is `id` (new ref). */
json_t *child_unit(const char *tok, long long parent, long long id);
/* The item whose id is `id` in the `items` of GET path (new ref); the
 * test fails when there is none. */
json_t *item_with_id(const char *tok, const char *path, long long id);
/* The last event of `kind` in a history reply (borrowed), NULL when none. */
json_t *last_event(json_t *hist, const char *kind);

#endif
