/* route_probe.h — which routes a cross-scope test tried, so that it can
 * fail on a route of any module's table (app_route_tables) it never
 * tried: a new route cannot land without a denial test. Shared by
 * test_scope.c (grid and community against each other) and
 * test_district.c (street against street). */
#ifndef MS_TEST_ROUTE_PROBE_H
#define MS_TEST_ROUTE_PROBE_H

/* Notes "METHOD /pattern" of a request path ("/123" segments as "/{id}",
 * the query left out). */
void probe_note(const char *method, const char *path);

/* Prints each route that was neither noted nor touches org-scoped data
 * (the caller's own session, the tag vocabulary, the API description),
 * saying `what` test is missing; returns how many. */
int probe_missing(const char *what);

/* The steps of an assistance case as routed: the <action> of every
 * "POST /api/v1/assistance/cases/{id}/actions/<action>" of
 * app_route_tables, in table order, NULL-ended (static storage), so a
 * denial test tries each step the server has. */
const char *const *probe_case_actions(void);

#endif
