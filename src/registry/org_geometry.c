/* org_geometry.c — org units' boundaries from and to a GeoJSON
 * FeatureCollection (see org_geometry.h). No SQL of its own: units are
 * found, changed and listed through org.h. */
#include "registry/org_geometry.h"
#include "registry/import.h"
#include "util/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Notes feature i's (0-based) error. */
static void feature_error(org_geometry_report *rep, size_t i, const char *code, const char *message)
{
    json_array_append_new(rep->errors, json_pack("{s:I, s:s?, s:s}", "feature", (json_int_t)(i + 1), "code", code,
                                                 "message", message));
}

/* The code of feature f, or NULL with its error noted. */
static const char *feature_code(org_geometry_report *rep, size_t i, const json_t *f)
{
    if (!json_is_object(f) || !json_is_string(json_object_get(f, "type")) ||
        strcmp(json_string_value(json_object_get(f, "type")), "Feature") != 0) {
        feature_error(rep, i, NULL, "不是 GeoJSON 的 Feature 对象（type 应为 Feature）");
        return NULL;
    }
    const char *code = json_string_value(json_object_get(json_object_get(f, "properties"), "code"));
    if (!code || !*code) {
        feature_error(rep, i, NULL, "缺少单位编码（properties.code）");
        return NULL;
    }
    return code;
}

/* The index of the first feature before i whose code is code, or -1. */
static long earlier_code(const org_geometry_report *rep, size_t i, const char *code)
{
    for (size_t k = 0; k < i; k++) {
        const char *c = json_string_value(json_array_get(rep->codes, k));
        if (c && strcmp(c, code) == 0)
            return (long)k;
    }
    return -1;
}

int org_geometry_import(db_conn *db, const json_t *fc, int dry_run, org_geometry_report *rep)
{
    memset(rep, 0, sizeof *rep);
    rep->errors = json_array();
    rep->codes = json_array();
    const char *type = json_string_value(json_object_get(fc, "type"));
    const json_t *features = json_object_get(fc, "features");
    if (!type || strcmp(type, "FeatureCollection") != 0 || !json_is_array(features)) {
        snprintf(rep->fatal, sizeof rep->fatal, "文件应为 GeoJSON 的 FeatureCollection（含 features 数组）");
        return IMPORT_FATAL;
    }
    rep->features = json_array_size(features);
    if (rep->features == 0 || rep->features > ORG_GEOMETRY_MAX_FEATURES) {
        snprintf(rep->fatal, sizeof rep->fatal, "文件中有 %zu 个要素，应为 1 到 %d 个", rep->features,
                 ORG_GEOMETRY_MAX_FEATURES);
        return IMPORT_FATAL;
    }
    /* every feature checked first; the units' ids and checked texts kept */
    int64_t *ids = calloc(rep->features, sizeof *ids);
    char **canon = calloc(rep->features, sizeof *canon);
    int rc = ids && canon ? IMPORT_OK : IMPORT_DB_ERROR;
    for (size_t i = 0; rc == IMPORT_OK && i < rep->features; i++) {
        const json_t *f = json_array_get(features, i);
        const char *code = feature_code(rep, i, f);
        json_array_append_new(rep->codes, code ? json_string(code) : json_null());
        if (!code)
            continue;
        char msg[640];
        org_unit u;
        ms_err err;
        long first = earlier_code(rep, i, code);
        if (first >= 0) {
            snprintf(msg, sizeof msg, "单位编码 %s 重复（第 %ld 个要素已有）", code, first + 1);
            feature_error(rep, i, code, msg);
        } else if (org_get_by_code(db, code, &u) != 0) {
            snprintf(msg, sizeof msg, "单位编码 %s 不存在", code);
            feature_error(rep, i, code, msg);
        } else if (org_check_geometry_json(json_object_get(f, "geometry"), &canon[i], &err) != 0) {
            snprintf(msg, sizeof msg, "%s（%s）的边界无效：%s", u.name, code, err.message);
            utf8_trim_partial(msg);
            feature_error(rep, i, code, msg);
        } else {
            ids[i] = u.id;
        }
    }
    if (rc == IMPORT_OK && json_array_size(rep->errors) > 0)
        rc = IMPORT_ROWS_REJECTED;
    for (size_t i = 0; rc == IMPORT_OK && !dry_run && i < rep->features; i++) {
        ms_err err;
        org_change c = {.geometry = canon[i], .set = OC_GEOMETRY};
        if (org_update(db, ids[i], 0, &c, NULL, &err) != 0) {
            snprintf(rep->fatal, sizeof rep->fatal, "保存边界失败：%.200s", err.message);
            utf8_trim_partial(rep->fatal);
            rc = IMPORT_DB_ERROR;
        } else {
            rep->set++;
        }
    }
    if (rc != IMPORT_OK)
        rep->set = 0;
    for (size_t i = 0; canon && i < rep->features; i++)
        free(canon[i]);
    free(canon);
    free(ids);
    if (rc == IMPORT_DB_ERROR && !rep->fatal[0])
        snprintf(rep->fatal, sizeof rep->fatal, "内存不足");
    return rc;
}

void org_geometry_report_free(org_geometry_report *rep)
{
    json_decref(rep->errors);
    json_decref(rep->codes);
    rep->errors = rep->codes = NULL;
}

json_t *org_geometry_audit_entry(const char *file_name, const org_geometry_report *rep, char *detail,
                                 size_t detailsz, audit_entry *e)
{
    snprintf(detail, detailsz, "导入单位边界%s%s%s：设置 %zu 个单位的边界", file_name ? "（" : "",
             file_name ? file_name : "", file_name ? "）" : "", rep->set);
    utf8_trim_partial(detail);
    json_t *after = json_pack("{s:I, s:O}", "set", (json_int_t)rep->set, "codes", rep->codes);
    memset(e, 0, sizeof *e);
    e->action = "boundary_import";
    e->entity = "org_unit";
    e->after = after;
    e->detail = detail;
    return after;
}

json_t *org_geometry_export(db_conn *db, const org_unit *root, size_t *without)
{
    org_boundary *b;
    size_t n;
    *without = 0;
    if (org_boundaries(db, root, 0, &b, &n) != 0)
        return NULL;
    json_t *features = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *g = b[i].geometry ? json_loads(b[i].geometry, 0, NULL) : NULL;
        if (!g) {
            ++*without;
            continue;
        }
        json_array_append_new(features, json_pack("{s:s, s:{s:s, s:s, s:s}, s:o}", "type", "Feature", "properties",
                                                  "code", b[i].code, "name", b[i].name, "kind", b[i].kind,
                                                  "geometry", g));
    }
    org_boundaries_free(b, n);
    return json_pack("{s:s, s:o}", "type", "FeatureCollection", "features", features);
}
