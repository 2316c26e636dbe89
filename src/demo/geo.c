/* geo.c — the demo's boundaries (see geo.h): the jittered lattice of a
 * street, its communities' cells, their grids' fans, the street's
 * outline, and their GeoJSON text. */
#include "demo/geo.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COLS 7              /* a street's cells: 7 × 5 − 2 corners = 33 */
#define ROWS 5
#define DX 8000             /* a cell, in millionths of a degree of longitude */
#define DY 7000             /* and of latitude */
#define JITTER 0.2          /* of a cell's side: below 0.25 every cell stays convex */
#define GAP 3000            /* between the streets of a district */
#define ORIGIN_X 115440000  /* the south-west corner of street 1 */
#define ORIGIN_Y 35220000

enum { N_VERTEX, N_EDGE_H, N_EDGE_V, N_CENTRE, N_CORNERS, N_SPOKES };

/* splitmix64's finaliser. */
static uint64_t mix(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* A number in [-1, 1) for (seed, street, what, i, j): each shape is a
 * function of where it is, not of the order it is drawn in. */
static double noise(uint64_t seed, int k, int what, int i, int j)
{
    uint64_t key = (uint64_t)k << 40 ^ (uint64_t)what << 32 ^ (uint64_t)i << 16 ^ (uint64_t)j;
    return (double)(mix(seed ^ mix(key)) >> 11) / (double)(1ULL << 52) - 1.0;
}

/* The point a fraction t of the way from a to b, rounded. */
static demo_pt between(demo_pt a, demo_pt b, double t)
{
    return (demo_pt){a.x + llround(t * (double)(b.x - a.x)), a.y + llround(t * (double)(b.y - a.y))};
}

typedef struct lattice {
    demo_pt v[COLS + 1][ROWS + 1];   /* vertex (i, j): column i from the west, row j from the south */
    demo_pt eh[COLS][ROWS + 1];      /* the point on edge (i, j)–(i + 1, j) */
    demo_pt ev[COLS + 1][ROWS];      /* the point on edge (i, j)–(i, j + 1) */
    int kept[COLS][ROWS];            /* cell (i, j), south-west vertex (i, j), is a community */
} lattice;

static void lattice_draw(uint64_t seed, int k, int streets, lattice *L)
{
    int ncol = 1;
    while (ncol * ncol < streets)
        ncol++;
    int64_t ox = ORIGIN_X + (int64_t)((k - 1) % ncol) * (COLS * DX + GAP);
    int64_t oy = ORIGIN_Y - (int64_t)((k - 1) / ncol) * (ROWS * DY + GAP);
    for (int i = 0; i <= COLS; i++)
        for (int j = 0; j <= ROWS; j++)
            L->v[i][j] = (demo_pt){ox + (int64_t)i * DX + llround(JITTER * DX * noise(seed, k, N_VERTEX, i, 2 * j)),
                                   oy + (int64_t)j * DY + llround(JITTER * DY * noise(seed, k, N_VERTEX, i, 2 * j + 1))};
    for (int i = 0; i <= COLS; i++)
        for (int j = 0; j <= ROWS; j++) {
            if (i < COLS)
                L->eh[i][j] = between(L->v[i][j], L->v[i + 1][j], 0.5 + 0.1 * noise(seed, k, N_EDGE_H, i, j));
            if (j < ROWS)
                L->ev[i][j] = between(L->v[i][j], L->v[i][j + 1], 0.5 + 0.1 * noise(seed, k, N_EDGE_V, i, j));
        }
    /* two of the four corner cells are not the street's */
    static const int CORNER[4][2] = {{0, 0}, {COLS - 1, 0}, {0, ROWS - 1}, {COLS - 1, ROWS - 1}};
    static const int PAIRS[6][2] = {{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}};
    int pair = (int)((noise(seed, k, N_CORNERS, 0, 0) + 1.0) * 3.0);
    for (int i = 0; i < COLS; i++)
        for (int j = 0; j < ROWS; j++)
            L->kept[i][j] = 1;
    for (int c = 0; c < 2; c++) {
        const int *corner = CORNER[PAIRS[pair < 6 ? pair : 5][c]];
        L->kept[corner[0]][corner[1]] = 0;
    }
}

/* Cell (i, j) counterclockwise from its south-west corner, the point of
 * each edge after the corner it starts from. */
static void cell_ring(const lattice *L, int i, int j, demo_ring *r)
{
    const demo_pt p[8] = {L->v[i][j],         L->eh[i][j],     L->v[i + 1][j], L->ev[i + 1][j],
                          L->v[i + 1][j + 1], L->eh[i][j + 1], L->v[i][j + 1], L->ev[i][j]};
    r->n = 8;
    memcpy(r->p, p, sizeof p);
}

/* The ring points (of a cell's 8) the spokes of n grids go to. */
static const int SPOKES[DEMO_GEO_MAX_GRIDS + 1][DEMO_GEO_MAX_GRIDS] = {
    {0}, {0}, {1, 5}, {1, 4, 6}, {1, 3, 5, 7}};

/* The n grids of cell ring c: the pieces between consecutive spokes from
 * centre, each running counterclockwise along c from one spoke to the
 * next; rot (even) turns the spokes by that many points. */
static void fan(const demo_ring *c, demo_pt centre, int n, int rot, demo_ring *out)
{
    if (n <= 1) {
        out[0] = *c;
        return;
    }
    for (int g = 0; g < n; g++) {
        int a = (SPOKES[n][g] + rot) % c->n, b = (SPOKES[n][(g + 1) % n] + rot) % c->n;
        demo_ring *r = &out[g];
        r->n = 0;
        r->p[r->n++] = centre;
        for (int s = a;; s = (s + 1) % c->n) {
            r->p[r->n++] = c->p[s];
            if (s == b)
                break;
        }
    }
}

/* A side of a cell on the street's boundary, counterclockwise. */
typedef struct side {
    int from, to;            /* vertex numbers i * (ROWS + 1) + j */
    demo_pt start, mid;
} side;

static int is_kept(const lattice *L, int i, int j)
{
    return i >= 0 && j >= 0 && i < COLS && j < ROWS && L->kept[i][j];
}

#define VNO(i, j) ((i) * (ROWS + 1) + (j))

/* The boundary of the kept cells: their sides with no kept cell beyond,
 * chained end to start (removing corner cells leaves one simple loop). */
static void outline(const lattice *L, demo_ring *r)
{
    side s[4 * COLS * ROWS];
    int n = 0;
    for (int i = 0; i < COLS; i++)
        for (int j = 0; j < ROWS; j++) {
            if (!L->kept[i][j])
                continue;
            if (!is_kept(L, i, j - 1))
                s[n++] = (side){VNO(i, j), VNO(i + 1, j), L->v[i][j], L->eh[i][j]};
            if (!is_kept(L, i + 1, j))
                s[n++] = (side){VNO(i + 1, j), VNO(i + 1, j + 1), L->v[i + 1][j], L->ev[i + 1][j]};
            if (!is_kept(L, i, j + 1))
                s[n++] = (side){VNO(i + 1, j + 1), VNO(i, j + 1), L->v[i + 1][j + 1], L->eh[i][j + 1]};
            if (!is_kept(L, i - 1, j))
                s[n++] = (side){VNO(i, j + 1), VNO(i, j), L->v[i][j + 1], L->ev[i][j]};
        }
    r->n = 0;
    int at = 0;
    for (int steps = 0; steps < n && r->n + 2 <= DEMO_GEO_RING_MAX; steps++) {
        r->p[r->n++] = s[at].start;
        r->p[r->n++] = s[at].mid;
        int next = 0;
        while (next < n && s[next].from != s[at].to)
            next++;
        if (next == n || next == 0)
            break;
        at = next;
    }
}

void demo_geo_street(uint64_t seed, int k, int streets, const int ngrids[DEMO_GEO_COMMUNITIES],
                     demo_street_geo *out)
{
    lattice L;
    memset(out, 0, sizeof *out);
    lattice_draw(seed, k, streets, &L);
    outline(&L, &out->outline);
    /* communities row by row from the north-west, as a map is read */
    int ci = 0;
    for (int j = ROWS - 1; j >= 0; j--)
        for (int i = 0; i < COLS && ci < DEMO_GEO_COMMUNITIES; i++) {
            if (!L.kept[i][j])
                continue;
            demo_ring *c = &out->community[ci];
            cell_ring(&L, i, j, c);
            /* the fan's centre: a weighted mean of the corners, inside the convex cell */
            double w[4], sw = 0, x = 0, y = 0;
            for (int q = 0; q < 4; q++) {
                sw += (w[q] = 1.0 + 0.5 * noise(seed, k, N_CENTRE, ci, q));
                x += w[q] * (double)c->p[2 * q].x;
                y += w[q] * (double)c->p[2 * q].y;
            }
            int n = ngrids[ci] < 1 ? 1 : ngrids[ci] > DEMO_GEO_MAX_GRIDS ? DEMO_GEO_MAX_GRIDS : ngrids[ci];
            int rot = 2 * (int)((noise(seed, k, N_SPOKES, ci, 0) + 1.0) * 2.0);
            out->ngrids[ci] = n;
            fan(c, (demo_pt){llround(x / sw), llround(y / sw)}, n, rot % 8, out->grid[ci]);
            ci++;
        }
}

int64_t demo_geo_area2(const demo_ring *r)
{
    int64_t a = 0;
    for (int i = 0; i < r->n; i++) {
        const demo_pt *p = &r->p[i], *q = &r->p[(i + 1) % r->n];
        a += p->x * q->y - q->x * p->y;
    }
    return a;
}

/* ---- GeoJSON ------------------------------------------------------------ */

typedef struct text {
    char *s;
    size_t len, cap;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(text *t, const char *fmt, ...)
{
    if (!t->s)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= t->cap - t->len) {
        free(t->s);
        t->s = NULL;   /* the caller sized the buffer: never reached */
        return;
    }
    t->len += (size_t)n;
}

/* One millionth-degree number as decimal degrees. */
static void put_coord(text *t, int64_t v)
{
    put(t, "%s%lld.%06lld", v < 0 ? "-" : "", (long long)(llabs(v) / 1000000), (long long)(llabs(v) % 1000000));
}

/* [[x, y], …, first] */
static void put_ring(text *t, const demo_ring *r)
{
    put(t, "[[");
    for (int i = 0; i <= r->n; i++) {
        const demo_pt *p = &r->p[i % r->n];
        put(t, "%s[", i ? "," : "");
        put_coord(t, p->x);
        put(t, ",");
        put_coord(t, p->y);
        put(t, "]");
    }
    put(t, "]]");
}

char *demo_geo_multipolygon_json(const demo_ring *const *rings, size_t n)
{
    text t = {.cap = 64};
    for (size_t i = 0; i < n; i++)
        t.cap += (size_t)(rings[i]->n + 1) * 48 + 8;
    t.s = malloc(t.cap);
    put(&t, "{\"type\":\"%s\",\"coordinates\":%s", n == 1 ? "Polygon" : "MultiPolygon", n == 1 ? "" : "[");
    for (size_t i = 0; i < n; i++) {
        put(&t, "%s", i ? "," : "");
        put_ring(&t, rings[i]);
    }
    put(&t, "%s}", n == 1 ? "" : "]");
    return t.s;
}

char *demo_geo_polygon_json(const demo_ring *r)
{
    return demo_geo_multipolygon_json(&r, 1);
}
