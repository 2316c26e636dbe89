/* test_org_geometry.c — `minsheng org geometry` (src/registry/org_geometry.c)
 * on the real server's database: the export of the demo's boundaries, a
 * good file (dry run first: nothing written; then every unit's boundary
 * set, its version moved, one audit row, the map showing it), a file
 * with bad features refused whole with a Chinese message per feature
 * (nothing written, not even its good feature), and files that are no
 * FeatureCollection or no JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static test_server srv;
static char *t_street;
static long long c001, grid_a, grid_b;

#define C001_CODE "371702001001"
#define GRID_A_CODE "371702001001-01"
#define GRID_B_CODE "371702001001-02"
/* A square 0.01° wide from longitude x (text) to x2, latitudes 35.1 to 35.11. */
#define SQUARE(x, x2) "{\"type\":\"Polygon\",\"coordinates\":[[[" x ",35.1],[" x2 ",35.1],[" x2 ",35.11],[" x ",35.11],[" x ",35.1]]]}"

static int cli(const char *const *args, char **out)
{
    return run_cli_output(&srv, args, NULL, out);
}

static void assert_contains(const char *text, const char *needle)
{
    if (!strstr(text, needle))
        print_error("expected \"%s\" in output:\n%s\n", needle, text);
    assert_non_null(strstr(text, needle));
}

/* Writes a FeatureCollection of the n features (code, geometry text;
 * code NULL: a feature without one) to `name` in the server's temp dir,
 * its path into path. */
static void write_collection(const char *name, const char *const (*features)[2], size_t n, char path[512])
{
    snprintf(path, 512, "%s/%s", srv.dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"type\":\"FeatureCollection\",\"features\":[", f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s{\"type\":\"Feature\",\"properties\":{%s%s%s},\"geometry\":%s}", i ? "," : "",
                features[i][0] ? "\"code\":\"" : "", features[i][0] ? features[i][0] : "", features[i][0] ? "\"" : "",
                features[i][1]);
    fputs("]}", f);
    fclose(f);
}

/* Writes text to `name` in the server's temp dir, its path into path. */
static void write_text(const char *name, const char *text, char path[512])
{
    snprintf(path, 512, "%s/%s", srv.dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* The unit as GET /org-units/{id} shows it (new ref). */
static json_t *unit(long long id)
{
    return api_get_ok(&srv, t_street, fmt("/api/v1/org-units/%lld", id));
}

/* The first longitude of a unit's boundary. */
static double first_lon(json_t *u)
{
    json_t *c = json_object_get(json_object_get(u, "geometry"), "coordinates");
    while (json_is_array(json_array_get(c, 0)))
        c = json_array_get(c, 0);
    return json_number_value(json_array_get(c, 0));
}

/* What a refused or dry-run file must leave as it was. */
typedef struct unit_state {
    long long version;
    double lon;
} unit_state;

static unit_state state_of(long long id)
{
    json_t *u = unit(id);
    unit_state st = {jint(u, "version"), first_lon(u)};
    json_decref(u);
    return st;
}

static void assert_unchanged(long long id, unit_state was)
{
    unit_state now = state_of(id);
    assert_int_equal(now.version, was.version);
    assert_true(now.lon == was.lon);
}

static long long boundary_audits(void)
{
    return server_sql_int(&srv, "SELECT COUNT(*) FROM audit_log WHERE action = 'boundary_import' AND entity = 'org_unit'");
}

static void export_writes_the_demo_boundaries(void **state)
{
    char *out, path[512];
    snprintf(path, sizeof path, "%s/all.geojson", srv.dir);
    assert_int_equal(cli((const char *[]){"org", "geometry", "--export", path, NULL}, &out), 0);
    assert_contains(out, "已导出 165 个单位的边界");   /* the street, 33 communities, 131 grids */
    free(out);
    json_error_t e;
    json_t *fc = json_load_file(path, 0, &e);
    assert_non_null(fc);
    assert_string_equal(jstr(fc, "type"), "FeatureCollection");
    json_t *features = json_object_get(fc, "features");
    assert_int_equal(json_array_size(features), 165);
    json_t *first = json_array_get(features, 0);
    assert_string_equal(jstr(json_object_get(first, "properties"), "code"), "371702001");
    assert_string_equal(jstr(json_object_get(first, "geometry"), "type"), "Polygon");
    json_decref(fc);

    snprintf(path, sizeof path, "%s/c001.geojson", srv.dir);
    assert_int_equal(cli((const char *[]){"org", "geometry", "--export", path, "--under", C001_CODE, NULL}, &out), 0);
    assert_contains(out, "已导出 5 个单位的边界");
    free(out);
    /* the export reads back as it is: every unit's boundary set again, unchanged */
    assert_int_equal(cli((const char *[]){"org", "geometry", path, "--dry-run", NULL}, &out), 0);
    assert_contains(out, "共 5 个要素，检查无误");
    free(out);
}

static void good_file_sets_boundaries(void **state)
{
    unit_state was = state_of(grid_a);
    long long audits = boundary_audits();
    static const char *const GOOD[][2] = {
        {GRID_A_CODE, SQUARE("115.1", "115.11")},
        {C001_CODE, "{\"type\":\"MultiPolygon\",\"coordinates\":[[[[115.2,35.1],[115.3,35.1],[115.3,35.2],[115.2,35.1]]]]}"},
    };
    char path[512];
    write_collection("good.geojson", GOOD, 2, path);
    char *out;
    /* a dry run writes nothing */
    assert_int_equal(cli((const char *[]){"org", "geometry", path, "--dry-run", NULL}, &out), 0);
    assert_contains(out, "共 2 个要素，检查无误（--dry-run：未写入）");
    free(out);
    assert_unchanged(grid_a, was);
    assert_int_equal(boundary_audits(), audits);

    assert_int_equal(cli((const char *[]){"org", "geometry", path, NULL}, &out), 0);
    assert_contains(out, "共 2 个要素，已设置 2 个单位的边界");
    free(out);
    unit_state now = state_of(grid_a);
    assert_true(now.lon == 115.1);
    assert_int_equal(now.version, was.version + 1);
    json_t *u = unit(c001);
    assert_string_equal(jstr(json_object_get(u, "geometry"), "type"), "MultiPolygon");
    json_decref(u);
    assert_int_equal(boundary_audits(), audits + 1);
    assert_int_equal(server_sql_int(&srv, "SELECT COUNT(*) FROM audit_log WHERE action = 'boundary_import'"
                                          " AND detail LIKE '%good.geojson%设置 2 个单位的边界%'"), 1);
    /* the map draws the new boundary */
    json_t *m = api_get_ok(&srv, t_street, fmt("/api/v1/stats/map?parent_id=%lld", c001));
    size_t i;
    json_t *f;
    int seen = 0;
    json_array_foreach(json_object_get(m, "features"), i, f) {
        if (jint(f, "id") != grid_a)
            continue;
        seen = 1;
        json_t *ring = json_array_get(json_object_get(json_object_get(f, "geometry"), "coordinates"), 0);
        assert_true(json_number_value(json_array_get(json_array_get(ring, 0), 0)) == 115.1);
    }
    assert_true(seen);
    assert_string_equal(jstr(json_object_get(json_object_get(m, "parent"), "geometry"), "type"), "MultiPolygon");
    json_decref(m);
}

static void bad_features_refuse_the_whole_file(void **state)
{
    unit_state was = state_of(grid_b);
    long long audits = boundary_audits();
    static const char *const BAD[][2] = {
        {GRID_B_CODE, SQUARE("115.4", "115.41")},
        {"371702001001-77", SQUARE("115.4", "115.41")},
        {GRID_A_CODE, "{\"type\":\"Polygon\",\"coordinates\":[[[115.4,35.1],[115.5,35.1]]]}"},
        {GRID_B_CODE, SQUARE("115.5", "115.51")},
        {NULL, SQUARE("115.4", "115.41")},
    };
    char path[512];
    write_collection("bad.geojson", BAD, 5, path);
    char *out;
    assert_int_equal(cli((const char *[]){"org", "geometry", path, NULL}, &out), 1);
    assert_contains(out, "共 5 个要素，4 个有错误，未导入任何边界");
    assert_contains(out, "第 2 个要素：单位编码 371702001001-77 不存在");
    assert_contains(out, "第 3 个要素：第一网格（371702001001-01）的边界无效：边界坐标无效");
    assert_contains(out, "第 4 个要素：单位编码 371702001001-02 重复（第 1 个要素已有）");
    assert_contains(out, "第 5 个要素：缺少单位编码（properties.code）");
    free(out);
    assert_unchanged(grid_b, was);   /* the good first feature was not applied either */
    assert_int_equal(boundary_audits(), audits);

    write_text("notfc.geojson", "{\"type\":\"Feature\",\"features\":[]}", path);
    assert_int_equal(cli((const char *[]){"org", "geometry", path, NULL}, &out), 1);
    assert_contains(out, "文件应为 GeoJSON 的 FeatureCollection");
    free(out);
    write_text("broken.geojson", "{\"type\":\"FeatureCollection\",", path);
    assert_int_equal(cli((const char *[]){"org", "geometry", path, NULL}, &out), 1);
    assert_contains(out, "不是有效的 GeoJSON");
    free(out);
    assert_int_equal(cli((const char *[]){"org", "geometry", NULL}, &out), 2);
    assert_contains(out, "用法错误");
    free(out);
    assert_int_equal(boundary_audits(), audits);
}

static int setup(void **state)
{
    if (server_start(&srv, 60, NULL) != 0)
        return -1;
    t_street = login(&srv, "jiedao", DEMO_PW);
    if (!t_street)
        return -1;
    c001 = org_id_by_code(&srv, t_street, C001_CODE);
    grid_a = org_id_by_code(&srv, t_street, GRID_A_CODE);
    grid_b = org_id_by_code(&srv, t_street, GRID_B_CODE);
    return c001 && grid_a && grid_b ? 0 : -1;
}

static int teardown(void **state)
{
    free(t_street);
    return server_stop(&srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(export_writes_the_demo_boundaries),
        cmocka_unit_test(good_file_sets_boundaries),
        cmocka_unit_test(bad_features_refuse_the_whole_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
