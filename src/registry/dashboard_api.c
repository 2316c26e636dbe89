/* dashboard_api.c — the figures of the dashboard (首页, issue 10) that
 * stats_api.c does not give: /api/v1/stats/map, the grid map (a GeoJSON
 * FeatureCollection of a unit's children with their boundaries and
 * counts, for ECharts registerMap), and /api/v1/stats/ages, the age
 * pyramid by sex.
 *
 * Counts are stats_api.c's: ACTIVE visible residents and households
 * from the maintained counters (counts.h), households per tag counted
 * by its one indexed query, tags a role may not see left out. The
 * boundaries are org.c's (org_boundaries), the ages derived.c's
 * (derived_age_pyramid). Each request runs a fixed number of queries
 * whatever the number of units. */
#include "registry/counts.h"
#include "registry/derived.h"
#include "registry/registry.h"
#include "registry/registry_api.h"
#include "util/jsonw.h"
#include "util/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- /stats/map ------------------------------------------------------------- */

/* The figures a map may be coloured by: the counter behind each (a tag
 * code, or NULL for residents) and whether it counts households. */
static const struct {
    const char *figure, *tag;
    int households;
} FIGURES[] = {
    {"residents", NULL, 0},
    {"elderly", "elderly", 0},
    {"dibao_households", "dibao", 1},
};
enum { FIG_RESIDENTS, FIG_ELDERLY, FIG_DIBAO_HOUSEHOLDS, N_FIGURES };

/* The index of tag code in resident_tag_codes (counts.h's order). */
static int tag_slot(const char *code)
{
    for (int i = 0; resident_tag_codes[i] && i < COUNTS_MAX_TAGS; i++)
        if (strcmp(resident_tag_codes[i], code) == 0)
            return i;
    return -1;
}

/* Figure f of c (NULL: none counted, zero); -1 when the role may not see
 * it (a tag stats_tag_visible hides). */
static int64_t figure_value(unsigned roles, int f, const unit_counts *c)
{
    if (!FIGURES[f].tag)
        return c ? c->residents : 0;
    int i = tag_slot(FIGURES[f].tag);
    if (i < 0 || !stats_tag_visible(roles, FIGURES[f].tag))
        return -1;
    return !c ? 0 : FIGURES[f].households ? c->tag_households[i] : c->tags[i];
}

/* A figure as a JSON member: the number, or null when hidden. */
static void write_figure(jsonw *w, const char *key, int64_t v)
{
    jsonw_key(w, key);
    if (v < 0)
        jsonw_null(w);
    else
        jsonw_int(w, v);
}

/* The geometry member: the stored boundary as it is (org.c stored it
 * checked and compact, org_check_geometry_json), or null. */
static void write_geometry(jsonw *w, const char *geometry)
{
    jsonw_key(w, "geometry");
    if (geometry)
        jsonw_raw(w, geometry, strlen(geometry));
    else
        jsonw_null(w);
}

/* One unit as a Feature: {type, id, properties: {id, code, name, kind,
 * value, residents, households, elderly, dibao_households}, geometry}. */
static void write_feature(jsonw *w, unsigned roles, int figure, const org_boundary *b, const unit_counts *c)
{
    jsonw_obj_begin(w);
    jsonw_key(w, "type");
    jsonw_str(w, "Feature");
    jsonw_key(w, "id");
    jsonw_int(w, b->id);
    jsonw_key(w, "properties");
    jsonw_obj_begin(w);
    jsonw_key(w, "id");
    jsonw_int(w, b->id);
    jsonw_key(w, "code");
    jsonw_str(w, b->code);
    jsonw_key(w, "name");
    jsonw_str(w, b->name);
    jsonw_key(w, "kind");
    jsonw_str(w, b->kind);
    write_figure(w, "value", figure_value(roles, figure, c));
    write_figure(w, "residents", figure_value(roles, FIG_RESIDENTS, c));
    write_figure(w, "households", c ? c->households : 0);
    write_figure(w, "elderly", figure_value(roles, FIG_ELDERLY, c));
    write_figure(w, "dibao_households", figure_value(roles, FIG_DIBAO_HOUSEHOLDS, c));
    jsonw_obj_end(w);
    write_geometry(w, b->geometry);
    jsonw_obj_end(w);
}

/* The units on the map of parent p and their counts: p's open children,
 * or p itself when it is a grid or a building (a grid worker's map is
 * their grid). *counts is malloc'd, by unit id (counts_find). 0 or -1. */
static int map_units(db_conn *db, const org_unit *p, int alone, org_boundary **units, size_t *nunits,
                     unit_counts **counts, size_t *ncounts)
{
    *counts = NULL;
    *ncounts = 0;
    if (alone) {
        *units = calloc(1, sizeof **units);
        *counts = malloc(sizeof **counts);
        if (!*units || !*counts)
            return -1;
        org_boundary *b = *units;
        *nunits = *ncounts = 1;
        b->id = p->id;
        snprintf(b->kind, sizeof b->kind, "%s", p->kind);
        snprintf(b->code, sizeof b->code, "%s", p->code);
        snprintf(b->name, sizeof b->name, "%s", p->name);
        b->geometry = org_get_geometry(db, p->id);
        return counts_unit(db, p, *counts) != 0 || counts_add_tag_households(db, p, *counts) != 0 ? -1 : 0;
    }
    if (org_boundaries(db, p, 1, units, nunits) != 0)
        return -1;
    if (counts_children(db, p->id, counts, ncounts) != 0 ||
        counts_add_children_tag_households(db, p->id, *counts, *ncounts) != 0)
        return -1;
    return 0;
}

/* GET /api/v1/stats/map — roles: registry readers.
 * Query: parent_id (default own unit), figure: residents (default),
 * elderly (高龄 residents) or dibao_households (低保 households).
 * Reply: a GeoJSON FeatureCollection {type, figure, parent: {id, code,
 * name, kind, geometry}, features: [{type, id, properties: {id, code,
 * name, kind, value (the figure), residents, households, elderly,
 * dibao_households}, geometry}], missing: [{id, code, name, kind}]}:
 * one feature per open child of the parent that has a boundary (the
 * communities of a street, the grids of a community; a grid or a
 * building: itself alone), those without one in missing. Counts are of
 * active residents and households (the maintained counters), a tag the
 * role may not see is null. Errors: 400 figure; 404 parent outside scope. */
static int stats_map(request *rq, response *rs)
{
    org_unit parent;
    if (org_unit_param_or_reply(rq, rs, "parent_id", &parent) != 0)
        return -1;
    const char *fig = req_query(rq, "figure");
    int figure = FIG_RESIDENTS;
    if (fig && *fig) {
        for (figure = 0; figure < N_FIGURES && strcmp(FIGURES[figure].figure, fig) != 0; figure++)
            ;
        if (figure == N_FIGURES)
            return reply_bad_request(rs, "figure", "figure 只能是 residents（居民）、elderly（高龄）或 dibao_households（低保户）");
        if (figure_value(rq->user.role, figure, NULL) < 0)
            return reply_bad_request(rs, "figure", "您的角色不能按这一项统计");
    }
    int alone = strcmp(parent.kind, "grid") == 0 || strcmp(parent.kind, "building") == 0;
    org_boundary *units = NULL;
    unit_counts *counts = NULL;
    size_t nunits = 0, ncounts = 0;
    char *outline = org_get_geometry(rq->db, parent.id);
    if (map_units(rq->db, &parent, alone, &units, &nunits, &counts, &ncounts) != 0) {
        org_boundaries_free(units, nunits);
        free(counts);
        free(outline);
        return reply_internal(rs);
    }
    jsonw w;   /* the reply, written into the request's memory; boundaries as stored */
    jsonw_init(&w, rq->arena);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "type");
    jsonw_str(&w, "FeatureCollection");
    jsonw_key(&w, "figure");
    jsonw_str(&w, FIGURES[figure].figure);
    jsonw_key(&w, "parent");
    jsonw_obj_begin(&w);
    jsonw_key(&w, "id");
    jsonw_int(&w, parent.id);
    jsonw_key(&w, "code");
    jsonw_str(&w, parent.code);
    jsonw_key(&w, "name");
    jsonw_str(&w, parent.name);
    jsonw_key(&w, "kind");
    jsonw_str(&w, parent.kind);
    write_geometry(&w, outline);
    jsonw_obj_end(&w);
    jsonw_key(&w, "features");
    jsonw_arr_begin(&w);
    for (size_t i = 0; i < nunits; i++)
        if (units[i].geometry)
            write_feature(&w, rq->user.role, figure, &units[i],
                          alone ? counts : counts_find(counts, ncounts, units[i].id));
    jsonw_arr_end(&w);
    jsonw_key(&w, "missing");
    jsonw_arr_begin(&w);
    for (size_t i = 0; i < nunits; i++) {
        if (units[i].geometry)
            continue;
        jsonw_obj_begin(&w);
        jsonw_key(&w, "id");
        jsonw_int(&w, units[i].id);
        jsonw_key(&w, "code");
        jsonw_str(&w, units[i].code);
        jsonw_key(&w, "name");
        jsonw_str(&w, units[i].name);
        jsonw_key(&w, "kind");
        jsonw_str(&w, units[i].kind);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    org_boundaries_free(units, nunits);
    free(counts);
    free(outline);
    return reply_json_buf(rq, rs, 200, &w.sb);
}

/* ---- /stats/ages ------------------------------------------------------------- */

/* GET /api/v1/stats/ages — roles: registry readers.
 * Query: org_unit_id (default own unit). Reply: {unit: {id, code, name,
 * kind}, date (Beijing, the day ages are counted on), bands: [{band:
 * "0-4", male, female}, … {band: "95+", …}], total_male, total_female}:
 * active residents of the unit's subtree by sex and 5-year band of age
 * (derived.h). Errors: 400; 404 unit outside scope. */
static int stats_ages(request *rq, response *rs)
{
    org_unit u;
    age_pyramid p;
    if (org_unit_param_or_reply(rq, rs, "org_unit_id", &u) != 0)
        return -1;
    int today = date_today_local();
    if (derived_age_pyramid(rq->db, &u, today, &p) != 0)
        return reply_internal(rs);
    json_t *bands = json_array();
    int64_t male = 0, female = 0;
    for (int i = 0; i < DERIVED_AGE_BANDS; i++) {
        char band[16];
        if (i == DERIVED_AGE_BANDS - 1)
            snprintf(band, sizeof band, "%d+", 5 * i);
        else
            snprintf(band, sizeof band, "%d-%d", 5 * i, 5 * i + 4);
        json_array_append_new(bands, json_pack("{s:s, s:I, s:I}", "band", band, "male", (json_int_t)p.male[i],
                                               "female", (json_int_t)p.female[i]));
        male += p.male[i];
        female += p.female[i];
    }
    char date[16];
    snprintf(date, sizeof date, "%04d-%02d-%02d", today / 10000, today / 100 % 100, today % 100);
    return reply_json(rs, 200,
                      json_pack("{s:{s:I, s:s, s:s, s:s}, s:s, s:o, s:I, s:I}", "unit", "id", (json_int_t)u.id, "code",
                                u.code, "name", u.name, "kind", u.kind, "date", date, "bands", bands, "total_male",
                                (json_int_t)male, "total_female", (json_int_t)female));
}

const route dashboard_routes[] = {
    {.method = "GET", .pattern = "/api/v1/stats/map",  .handler = stats_map,  .roles = ROLES_REGISTRY_READ, .read_heavy = 1},
    {.method = "GET", .pattern = "/api/v1/stats/ages", .handler = stats_ages, .roles = ROLES_REGISTRY_READ, .read_heavy = 1},
    {0}
};
