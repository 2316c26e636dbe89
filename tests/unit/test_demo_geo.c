/* test_demo_geo.c — the demo's boundaries (src/demo/geo.c): every ring
 * a valid GeoJSON polygon (org_check_geometry), counterclockwise and
 * not degenerate; communities tile their street and grids tile their
 * community (areas add up exactly, and sample points lie in exactly one
 * sibling: no overlap, no gap); communities convex; the streets of a
 * district apart; the same seed the same shapes, another seed others. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo/geo.h"
#include "registry/org.h"

/* The demo's grids per community: 32 × 4 and the last 3 (demo.c). */
static void demo_grid_counts(int n[DEMO_GEO_COMMUNITIES])
{
    for (int i = 0; i < DEMO_GEO_COMMUNITIES; i++)
        n[i] = i == DEMO_GEO_COMMUNITIES - 1 ? 3 : 4;
}

/* Even-odd point in polygon (the point is never on an edge: see sample_points). */
static int inside(const demo_ring *r, double x, double y)
{
    int in = 0;
    for (int i = 0, j = r->n - 1; i < r->n; j = i++) {
        double xi = (double)r->p[i].x, yi = (double)r->p[i].y, xj = (double)r->p[j].x, yj = (double)r->p[j].y;
        if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
            in = !in;
    }
    return in;
}

static void bbox(const demo_ring *r, int64_t b[4])
{
    b[0] = b[2] = r->p[0].x;
    b[1] = b[3] = r->p[0].y;
    for (int i = 1; i < r->n; i++) {
        if (r->p[i].x < b[0]) b[0] = r->p[i].x;
        if (r->p[i].x > b[2]) b[2] = r->p[i].x;
        if (r->p[i].y < b[1]) b[1] = r->p[i].y;
        if (r->p[i].y > b[3]) b[3] = r->p[i].y;
    }
}

static void assert_valid_ring(const demo_ring *r)
{
    ms_err err;
    char *canon = NULL;
    assert_true(r->n >= 3 && r->n < DEMO_GEO_RING_MAX);
    assert_true(demo_geo_area2(r) > 0);   /* counterclockwise, with an area */
    char *json = demo_geo_polygon_json(r);
    assert_non_null(json);
    if (org_check_geometry(json, &canon, &err) != 0)
        fail_msg("%s: %s", json, err.message);
    free(canon);
    free(json);
}

/* Samples a lattice of points (offsets that never meet a whole
 * millionth) over parent's box: each point inside parent lies in exactly
 * one of the n children, each point outside in none. */
static void assert_tiles(const demo_ring *parent, const demo_ring *children, int n)
{
    int64_t b[4];
    bbox(parent, b);
    int hits = 0;
    for (int sx = 0; sx < 120; sx++)
        for (int sy = 0; sy < 90; sy++) {
            double x = (double)b[0] + ((double)sx + 0.3711) * (double)(b[2] - b[0]) / 120.0 + 0.137;
            double y = (double)b[1] + ((double)sy + 0.6173) * (double)(b[3] - b[1]) / 90.0 + 0.291;
            int in_parent = inside(parent, x, y), in_children = 0;
            for (int c = 0; c < n; c++)
                in_children += inside(&children[c], x, y);
            if (in_children != in_parent)
                fail_msg("point (%.3f, %.3f): in the parent %d, in %d children", x, y, in_parent, in_children);
            hits += in_parent;
        }
    assert_true(hits > 120 * 90 / 3);
    int64_t sum = 0;
    for (int c = 0; c < n; c++)
        sum += demo_geo_area2(&children[c]);
    assert_int_equal(sum, demo_geo_area2(parent));
}

static void check_street(const demo_street_geo *g, const int ngrids[DEMO_GEO_COMMUNITIES])
{
    assert_valid_ring(&g->outline);
    assert_tiles(&g->outline, g->community, DEMO_GEO_COMMUNITIES);
    for (int c = 0; c < DEMO_GEO_COMMUNITIES; c++) {
        const demo_ring *cr = &g->community[c];
        assert_valid_ring(cr);
        /* convex: every turn counterclockwise (the edge points a millionth off at most) */
        for (int i = 0; i < cr->n; i += 2) {
            const demo_pt *a = &cr->p[i], *b = &cr->p[(i + 2) % cr->n], *d = &cr->p[(i + 4) % cr->n];
            assert_true((b->x - a->x) * (d->y - b->y) - (b->y - a->y) * (d->x - b->x) > 0);
        }
        assert_int_equal(g->ngrids[c], ngrids[c]);
        for (int k = 0; k < g->ngrids[c]; k++)
            assert_valid_ring(&g->grid[c][k]);
        assert_tiles(cr, g->grid[c], g->ngrids[c]);
    }
}

static void one_street_tiles(void **state)
{
    (void)state;
    int n[DEMO_GEO_COMMUNITIES];
    demo_grid_counts(n);
    static demo_street_geo g;
    for (uint64_t seed = 0; seed < 6; seed++) {
        demo_geo_street(seed * 7919 + 20260301, 1, 1, n, &g);
        check_street(&g, n);
        /* near 115.44 E, 35.22 N, a few kilometres across */
        int64_t b[4];
        bbox(&g.outline, b);
        assert_true(b[0] > 115400000 && b[2] < 115520000 && b[1] > 35200000 && b[3] < 35280000);
        assert_true(b[2] - b[0] > 40000 && b[3] - b[1] > 25000);
    }
}

static void any_grid_count_tiles(void **state)
{
    (void)state;
    int n[DEMO_GEO_COMMUNITIES];
    for (int i = 0; i < DEMO_GEO_COMMUNITIES; i++)
        n[i] = 1 + i % DEMO_GEO_MAX_GRIDS;
    static demo_street_geo g;
    demo_geo_street(42, 1, 1, n, &g);
    check_street(&g, n);
    assert_int_equal(memcmp(&g.grid[0][0], &g.community[0], sizeof g.community[0]), 0);   /* one grid: the community */
}

static void district_streets_apart(void **state)
{
    (void)state;
    int n[DEMO_GEO_COMMUNITIES];
    demo_grid_counts(n);
    enum { STREETS = 5 };
    static demo_street_geo g[STREETS], one;
    int64_t b[STREETS][4];
    for (int k = 1; k <= STREETS; k++) {
        demo_geo_street(7, k, STREETS, n, &g[k - 1]);
        check_street(&g[k - 1], n);
        bbox(&g[k - 1].outline, b[k - 1]);
        for (int o = 0; o < k - 1; o++)
            assert_true(b[o][2] < b[k - 1][0] || b[k - 1][2] < b[o][0] || b[o][3] < b[k - 1][1] ||
                        b[k - 1][3] < b[o][1]);
    }
    /* street 1 of a district is where the one street is, the same shape */
    demo_geo_street(7, 1, 1, n, &one);
    assert_int_equal(memcmp(&one, &g[0], sizeof one), 0);
    /* the district's MultiPolygon */
    const demo_ring *rings[STREETS];
    for (int k = 0; k < STREETS; k++)
        rings[k] = &g[k].outline;
    char *json = demo_geo_multipolygon_json(rings, STREETS), *canon = NULL;
    ms_err err;
    assert_non_null(json);
    assert_non_null(strstr(json, "\"MultiPolygon\""));
    assert_int_equal(org_check_geometry(json, &canon, &err), 0);
    free(canon);
    free(json);
}

static void same_seed_same_shapes(void **state)
{
    (void)state;
    int n[DEMO_GEO_COMMUNITIES];
    demo_grid_counts(n);
    static demo_street_geo a, b, c;
    demo_geo_street(99, 2, 3, n, &a);
    demo_geo_street(99, 2, 3, n, &b);
    demo_geo_street(100, 2, 3, n, &c);
    assert_int_equal(memcmp(&a, &b, sizeof a), 0);
    assert_int_not_equal(memcmp(&a.community, &c.community, sizeof a.community), 0);
    char *ja = demo_geo_polygon_json(&a.grid[5][2]), *jb = demo_geo_polygon_json(&b.grid[5][2]);
    assert_string_equal(ja, jb);
    free(ja);
    free(jb);
}

static void json_six_decimals(void **state)
{
    (void)state;
    demo_ring r = {.n = 3, .p = {{115440000, 35220000}, {115448001, 35220010}, {-1000005, -35220000}}};
    char *j = demo_geo_polygon_json(&r);
    assert_string_equal(j, "{\"type\":\"Polygon\",\"coordinates\":[[[115.440000,35.220000],[115.448001,35.220010],"
                           "[-1.000005,-35.220000],[115.440000,35.220000]]]}");
    free(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_street_tiles),
        cmocka_unit_test(any_grid_count_tiles),
        cmocka_unit_test(district_streets_apart),
        cmocka_unit_test(same_seed_same_shapes),
        cmocka_unit_test(json_six_decimals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
