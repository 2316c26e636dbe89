/* geo.h — the demo's boundaries (issue 10: the grid map).
 *
 * Owns: the plausible, non-overlapping polygons demo.c gives every
 * street, community and grid it builds, drawn without a database so that
 * a unit test can check them (tests/unit/test_demo_geo.c).
 *
 * A street is a jittered lattice of 7 × 5 cells, each about 0.008° ×
 * 0.007° (700–800 m; the street some 5 km × 4 km around 115.44 E,
 * 35.22 N, 菏泽市牡丹区), without two of its four corner cells: 33
 * convex quadrilaterals, one per community, sharing their corners and
 * edges exactly. Every lattice edge gets one point near its middle,
 * shared by the cells on both sides, so a community's ring has 8
 * points. A community's grids are a fan around a point inside it: the
 * pieces between consecutive spokes to points of its ring, so they tile
 * the community exactly. The street's outline is the boundary of its
 * cells. The streets of a district lie side by side on a grid of their
 * own, apart; the first one where the one-street demo puts its street.
 *
 * Coordinates are whole millionths of a degree (about 0.1 m): a point
 * shared by two rings is the same number on both sides, and areas add
 * up exactly. Everything is a function of (seed, street): the same seed
 * gives the same shapes. */
#ifndef MS_DEMO_GEO_H
#define MS_DEMO_GEO_H

#include <stddef.h>
#include <stdint.h>

#define DEMO_GEO_COMMUNITIES 33
#define DEMO_GEO_MAX_GRIDS 4      /* grids per community */
#define DEMO_GEO_RING_MAX 64

/* A position: longitude x, latitude y, in millionths of a degree. */
typedef struct demo_pt {
    int64_t x, y;
} demo_pt;

/* A ring, counterclockwise, its first point not repeated at the end. */
typedef struct demo_ring {
    int n;
    demo_pt p[DEMO_GEO_RING_MAX];
} demo_ring;

typedef struct demo_street_geo {
    demo_ring outline;                                              /* the street */
    demo_ring community[DEMO_GEO_COMMUNITIES];                      /* in code order */
    demo_ring grid[DEMO_GEO_COMMUNITIES][DEMO_GEO_MAX_GRIDS];       /* in code order */
    int ngrids[DEMO_GEO_COMMUNITIES];
} demo_street_geo;

/* The shapes of street k (1-based) of `streets` (1: the one street)
 * for the seed, community i having ngrids[i] grids (1–4). */
void demo_geo_street(uint64_t seed, int k, int streets, const int ngrids[DEMO_GEO_COMMUNITIES],
                     demo_street_geo *out);

/* Twice the signed area of r (positive: counterclockwise), in square
 * millionths of a degree. */
int64_t demo_geo_area2(const demo_ring *r);

/* GeoJSON text (malloc'd, caller frees; NULL when out of memory): a
 * Polygon of one ring, or a MultiPolygon of n rings (the district: its
 * streets), each ring closed, coordinates with 6 decimals. */
char *demo_geo_polygon_json(const demo_ring *r);
char *demo_geo_multipolygon_json(const demo_ring *const *rings, size_t n);

#endif
