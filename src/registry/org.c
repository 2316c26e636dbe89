/* org.c — the org-unit tree (see org.h). Owns all SQL on org_unit. */
#include "registry/org.h"
#include "registry/counts.h"
#include "registry/registry.h"
#include "util/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const SQL_INSERT =
    "INSERT INTO org_unit(parent_id, kind, code, name, path, leader_name, created_at, updated_at)"
    " VALUES (?,?,?,?,?,?,?,?)";
/* The path and the leader's phone (encrypted: bound to the id) once the id is known. */
static const char *const SQL_SET_PATH = "UPDATE org_unit SET path = ?, leader_phone_enc = ? WHERE id = ?";
#define ORG_COLUMNS \
    "c.id, COALESCE(c.parent_id, 0), c.kind, c.code, c.name, c.path, c.leader_name, c.leader_phone_enc, c.notes, c.version," \
    " c.status"
static const char *const SQL_GET = "SELECT " ORG_COLUMNS " FROM org_unit c WHERE c.id = ?";
static const char *const SQL_GET_BY_CODE = "SELECT " ORG_COLUMNS " FROM org_unit c WHERE c.code = ?";
/* The kind of the tree's root: the district, or the street of a one-street database. */
static const char *const SQL_ROOT_KIND = "SELECT kind FROM org_unit WHERE parent_id IS NULL ORDER BY id LIMIT 1";
/* A new district takes the root street (if any) under it; no path moves (org.h). */
static const char *const SQL_ADOPT_ROOT_STREET =
    "UPDATE org_unit SET parent_id = ?, updated_at = ?, version = version + 1"
    " WHERE parent_id IS NULL AND kind = 'street'";
static const char *const SQL_UPDATE =
    "UPDATE org_unit SET name = ?, leader_name = ?, leader_phone_enc = ?, notes = ?, updated_at = ?,"
    " version = version + 1 WHERE id = ?";
/* Units with their number of child units; the household and resident
 * counts come from the maintained counters (counts.h). */
#define SQL_WITH_CHILD_COUNT(where)                                                                 \
    "SELECT " ORG_COLUMNS ", (SELECT COUNT(*) FROM org_unit x WHERE x.parent_id = c.id)"           \
    " FROM org_unit c WHERE " where " ORDER BY c.code"
static const char *const SQL_CHILDREN_OF = SQL_WITH_CHILD_COUNT("c.parent_id = ?");
static const char *const SQL_UNIT_COUNTED = SQL_WITH_CHILD_COUNT("c.id = ?");

#define COL_LEADER_PHONE "org_unit.leader_phone"
const fc_column_sql org_leader_phone_crypt = {
    .column = COL_LEADER_PHONE,
    .next = "SELECT id, leader_phone, leader_phone_enc FROM org_unit WHERE id > ? AND ((leader_phone_enc IS NULL"
            " AND leader_phone IS NOT NULL) OR leader_phone_enc NOT LIKE ?) ORDER BY id LIMIT ?",
    .set = "UPDATE org_unit SET leader_phone_enc = ?, leader_phone = NULL WHERE id = ?",
    .status = "SELECT COUNT(CASE WHEN leader_phone_enc IS NULL AND leader_phone IS NOT NULL THEN 1 END),"
              " COUNT(CASE WHEN leader_phone_enc NOT LIKE ? THEN 1 END),"
              " COUNT(CASE WHEN leader_phone_enc LIKE ? THEN 1 END) FROM org_unit",
};

const char *org_child_kind(const char *parent_kind)
{
    if (strcmp(parent_kind, "district") == 0) return "street";
    if (strcmp(parent_kind, "street") == 0) return "community";
    if (strcmp(parent_kind, "community") == 0) return "grid";
    if (strcmp(parent_kind, "grid") == 0) return "building";
    return NULL;
}

const char *org_kind_label(const char *kind)
{
    if (strcmp(kind, "district") == 0) return "区";
    if (strcmp(kind, "street") == 0) return "街道";
    if (strcmp(kind, "community") == 0) return "社区";
    if (strcmp(kind, "grid") == 0) return "网格";
    if (strcmp(kind, "building") == 0) return "楼栋";
    return "未知";
}

void org_from_row(db_stmt *s, org_unit *out)
{
    memset(out, 0, sizeof *out);
    out->id = db_col_int(s, 0);
    out->parent_id = db_col_int(s, 1);
    db_col_copy(s, 2, out->kind, sizeof out->kind);
    db_col_copy(s, 3, out->code, sizeof out->code);
    db_col_copy(s, 4, out->name, sizeof out->name);
    db_col_copy(s, 5, out->path, sizeof out->path);
    db_col_copy(s, 6, out->leader_name, sizeof out->leader_name);
    if (fc_decrypt(COL_LEADER_PHONE, out->id, db_col_text(s, 7), out->leader_phone, sizeof out->leader_phone) != 0)
        fprintf(stderr, "minsheng: 单位 %lld 的负责人电话无法解密（被改动，或缺少该代密钥）\n", (long long)out->id);
    db_col_copy(s, 8, out->notes, sizeof out->notes);
    out->version = db_col_int(s, 9);
    db_col_copy(s, 10, out->status, sizeof out->status);
}

static int load_one(db_stmt *s, org_unit *out)
{
    int rc = db_step(s) == DB_ROW ? 0 : -1;
    if (rc == 0)
        org_from_row(s, out);
    db_finalize(s);
    return rc;
}

int org_get(db_conn *db, int64_t id, org_unit *out)
{
    return load_one(db_query(db, SQL_GET, DB_INT(id)), out);
}

int org_get_by_code(db_conn *db, const char *code, org_unit *out)
{
    return load_one(db_query(db, SQL_GET_BY_CODE, DB_TEXT(code)), out);
}

int org_check_code_name(const char *code, const char *name, ms_err *err)
{
    long n = utf8_length(code);
    if (n < 1 || n > 40)
        return err_set(err, ERR_INVALID, "code", "编码须为1到40个字符");
    for (const char *p = code; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '-' || *p == '_'))
            return err_set(err, ERR_INVALID, "code", "编码只能包含字母、数字、- 和 _");
    n = utf8_length(name);
    if (n < 1 || n > 60)
        return err_set(err, ERR_INVALID, "name", "名称须为1到60个字");
    return 0;
}

/* Checks the parent and the kind; fills *parent (zeroed for a root). A
 * root is the district, or a street while there is no district (and no
 * other street). */
static int check_placement(db_conn *db, int64_t parent_id, const char *kind, org_unit *parent, ms_err *err)
{
    memset(parent, 0, sizeof *parent);
    if (parent_id == 0) {
        char root[16] = "";
        db_stmt *s = db_query(db, SQL_ROOT_KIND);
        if (db_step(s) == DB_ROW)
            db_col_copy(s, 0, root, sizeof root);
        db_finalize(s);
        if (strcmp(kind, "district") == 0)
            return strcmp(root, "district") == 0
                       ? err_set(err, ERR_CONFLICT, "parent_id", "区已存在，一个数据库只管理一个区")
                       : 0;
        if (strcmp(kind, "street") != 0)
            return err_set(err, ERR_INVALID, "parent_id", "只有区和街道可以没有上级单位");
        if (strcmp(root, "district") == 0)
            return err_set(err, ERR_INVALID, "parent_id", "已建立区，街道须设在区下");
        if (root[0])
            return err_set(err, ERR_CONFLICT, "parent_id",
                           "街道已存在；一个数据库要管理多个街道，须先在其上建立区（minsheng org district）");
        return 0;
    }
    if (org_get(db, parent_id, parent) != 0)
        return err_set(err, ERR_NOT_FOUND, "parent_id", "上级单位不存在");
    if (strcmp(parent->status, "closed") == 0)
        return err_set(err, ERR_CONFLICT, "parent_id", "上级单位“%s”已撤销，不能在其下建立单位", parent->name);
    const char *want = org_child_kind(parent->kind);
    if (!want)
        return err_set(err, ERR_INVALID, "parent_id", "楼栋下不能再设下级单位");
    if (strcmp(kind, want) != 0)
        return err_set(err, ERR_INVALID, "parent_id", "%s下只能设%s", org_kind_label(parent->kind), org_kind_label(want));
    return 0;
}

int64_t org_create(db_conn *db, int64_t parent_id, const char *kind, const char *code,
                   const char *name, const char *leader_name, const char *leader_phone, ms_err *err)
{
    org_unit parent;
    char now[20], path[300];

    if (check_placement(db, parent_id, kind, &parent, err) != 0)
        return -1;
    /* Insert with a temporary unique path, then set the real one from
     * the id: the parent's path and the id. The district's is "/", the
     * root path itself (org.h). */
    int district = strcmp(kind, "district") == 0;
    if (district)
        snprintf(path, sizeof path, "/");
    else
        snprintf(path, sizeof path, "tmp:%s", code);
    int rc = db_exec_args(db, SQL_INSERT, DB_ID(parent_id), DB_TEXT(kind), DB_TEXT(code), DB_TEXT(name),
                          DB_TEXT(path), DB_OPT_TEXT(leader_name), DB_TEXT(db_now(now)), DB_TEXT(now));
    if (rc == DB_CONSTRAINT)
        return err_set(err, ERR_CONFLICT, "code", "编码 %s 已被使用", code);
    if (rc != DB_DONE)
        return err_set(err, ERR_DB, NULL, "保存单位失败: %s", db_errmsg(db));
    int64_t id = db_last_insert_id(db);
    char phone_enc[FC_STORED_MAX];
    if (!district)
        snprintf(path, sizeof path, "%s%lld/", parent_id ? parent.path : "/", (long long)id);
    if (fc_encrypt(COL_LEADER_PHONE, id, leader_phone, phone_enc) != 0 ||
        db_exec_args(db, SQL_SET_PATH, DB_TEXT(path), DB_OPT_TEXT(phone_enc), DB_INT(id)) != DB_DONE ||
        (district && db_exec_args(db, SQL_ADOPT_ROOT_STREET, DB_INT(id), DB_TEXT(now)) != DB_DONE))
        return err_set(err, ERR_DB, NULL, "保存单位失败: %s", db_errmsg(db));
    return id;
}

int org_update(db_conn *db, int64_t id, int64_t if_version, const org_change *c, org_unit *before, ms_err *err)
{
    char now[20];
    org_unit fresh, *u = before ? before : &fresh;
    if (org_get(db, id, u) != 0)
        return err_set(err, ERR_NOT_FOUND, NULL, "单位不存在或不在您的管辖范围内");
    if (err_check_version(err, "单位", u->version, if_version) != 0)
        return -1;
    const char *name = c->set & OC_NAME ? c->name : u->name;
    const char *leader = c->set & OC_LEADER_NAME ? c->leader_name : u->leader_name;
    const char *phone = c->set & OC_LEADER_PHONE ? c->leader_phone : u->leader_phone;
    const char *notes = c->set & OC_NOTES ? c->notes : u->notes;
    char phone_enc[FC_STORED_MAX];
    if (fc_encrypt(COL_LEADER_PHONE, u->id, phone, phone_enc) != 0)
        return err_db(err);
    if (db_exec_args(db, SQL_UPDATE, DB_TEXT(name), DB_OPT_TEXT(leader), DB_OPT_TEXT(phone_enc), DB_OPT_TEXT(notes),
                     DB_TEXT(db_now(now)), DB_INT(u->id)) != DB_DONE)
        return err_db(err);
    if (c->set & OC_GEOMETRY)
        return org_set_geometry(db, u->id, c->geometry, err);
    return 0;
}

int org_list_counted(db_conn *db, int64_t parent_id, int64_t unit_id, org_unit_counted **out, size_t *n)
{
    size_t cap = 16;
    int rc;
    *n = 0;
    *out = malloc(cap * sizeof **out);
    if (!*out)
        return -1;
    unit_counts *counts = NULL;
    size_t ncounts = 0;
    if (parent_id && counts_children(db, parent_id, &counts, &ncounts) != 0) {
        free(*out);
        *out = NULL;
        return -1;
    }
    db_stmt *s = parent_id ? db_query(db, SQL_CHILDREN_OF, DB_INT(parent_id))
                           : db_query(db, SQL_UNIT_COUNTED, DB_INT(unit_id));
    while ((rc = db_step(s)) == DB_ROW) {
        if (*n == cap) {
            org_unit_counted *bigger = realloc(*out, (cap *= 2) * sizeof **out);
            if (!bigger) {
                rc = DB_ERROR;
                break;
            }
            *out = bigger;
        }
        org_unit_counted *c = &(*out)[(*n)++];
        org_from_row(s, &c->unit);
        c->child_count = db_col_int(s, 11);
        unit_counts one;
        const unit_counts *k = counts_find(counts, ncounts, c->unit.id);
        if (!parent_id) {
            if (counts_unit(db, &c->unit, &one) != 0) {
                rc = DB_ERROR;
                break;
            }
            k = &one;
        }
        c->household_count = k ? k->households : 0;
        c->resident_count = k ? k->residents : 0;
    }
    db_finalize(s);
    free(counts);
    if (rc != DB_DONE) {
        free(*out);
        *out = NULL;
        *n = 0;
        return -1;
    }
    return 0;
}

/* ---- subtrees ------------------------------------------------------------ */

static const char *const SQL_OTHER_ROOT = "SELECT 1 FROM org_unit WHERE parent_id IS NULL AND id <> ?";
static const char *const SQL_SUBTREE_GRIDS =
    "SELECT id FROM org_unit WHERE kind = 'grid' AND path >= ? AND path < ? ORDER BY id";

char *org_path_end(const char *path, char out[256])
{
    snprintf(out, 256, "%s", path);
    size_t n = strlen(out);
    if (n && out[n - 1] == '/')
        out[n - 1] = '0';
    return out;
}

int org_is_whole_tree(db_conn *db, const org_unit *u)
{
    return u->parent_id == 0 && !db_exists(db, SQL_OTHER_ROOT, DB_INT(u->id));
}

int org_subtree_grids(db_conn *db, const org_unit *u, int64_t **ids, size_t *n)
{
    char end[256];
    size_t cap = 0;
    int rc;
    *ids = NULL;
    *n = 0;
    db_stmt *s = db_query(db, SQL_SUBTREE_GRIDS, DB_TEXT(u->path), DB_TEXT(org_path_end(u->path, end)));
    while ((rc = db_step(s)) == DB_ROW) {
        if (*n == cap) {
            int64_t *bigger = realloc(*ids, (cap = cap ? cap * 2 : 16) * sizeof **ids);
            if (!bigger) {
                rc = DB_ERROR;
                break;
            }
            *ids = bigger;
        }
        (*ids)[(*n)++] = db_col_int(s, 0);
    }
    db_finalize(s);
    if (rc != DB_DONE) {
        free(*ids);
        *ids = NULL;
        *n = 0;
        return -1;
    }
    return 0;
}

/* ---- boundary ------------------------------------------------------------ */

static const char *const SQL_SET_GEOMETRY = "UPDATE org_unit SET geometry = ? WHERE id = ?";
static const char *const SQL_GET_GEOMETRY = "SELECT geometry FROM org_unit WHERE id = ?";

#define GEOMETRY_WHAT "边界须为 GeoJSON 的 Polygon 或 MultiPolygon 对象"

/* A ring: at least 4 positions [lon, lat(, alt)], the last equal to the first. */
static int ring_ok(const json_t *ring)
{
    size_t n = json_array_size(ring);
    if (!json_is_array(ring) || n < 4)
        return 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *p = json_array_get(ring, i);
        size_t k = json_array_size(p);
        if (!json_is_array(p) || k < 2 || k > 3)
            return 0;
        for (size_t j = 0; j < k; j++)
            if (!json_is_number(json_array_get(p, j)))
                return 0;
        double lon = json_number_value(json_array_get(p, 0)), lat = json_number_value(json_array_get(p, 1));
        if (lon < -180 || lon > 180 || lat < -90 || lat > 90)
            return 0;
    }
    const json_t *a = json_array_get(ring, 0), *b = json_array_get(ring, n - 1);
    return json_number_value(json_array_get(a, 0)) == json_number_value(json_array_get(b, 0)) &&
           json_number_value(json_array_get(a, 1)) == json_number_value(json_array_get(b, 1));
}

static int polygon_ok(const json_t *rings)
{
    if (!json_is_array(rings) || json_array_size(rings) == 0)
        return 0;
    for (size_t i = 0; i < json_array_size(rings); i++)
        if (!ring_ok(json_array_get(rings, i)))
            return 0;
    return 1;
}

int org_check_geometry_json(const json_t *g, char **canon, ms_err *err)
{
    *canon = NULL;
    const char *type = json_string_value(json_object_get(g, "type"));
    const json_t *coords = json_object_get(g, "coordinates");
    if (!json_is_object(g) || !type || (strcmp(type, "Polygon") != 0 && strcmp(type, "MultiPolygon") != 0))
        return err_set(err, ERR_INVALID, "geometry", GEOMETRY_WHAT "（type 为 Polygon 或 MultiPolygon）");
    int ok = 1;
    if (strcmp(type, "Polygon") == 0) {
        ok = polygon_ok(coords);
    } else {
        ok = json_is_array(coords) && json_array_size(coords) > 0;
        for (size_t i = 0; ok && i < json_array_size(coords); i++)
            ok = polygon_ok(json_array_get(coords, i));
    }
    if (!ok)
        return err_set(err, ERR_INVALID, "geometry",
                       "边界坐标无效：每个环须至少4个 [经度, 纬度] 点、首尾相同，经度在±180、纬度在±90以内");
    *canon = json_dumps(g, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!*canon)
        return err_db(err);
    if (strlen(*canon) > ORG_GEOMETRY_MAX) {
        free(*canon);
        *canon = NULL;
        return err_set(err, ERR_INVALID, "geometry", "边界过大（超过 %zu KiB）", ORG_GEOMETRY_MAX >> 10);
    }
    return 0;
}

int org_check_geometry(const char *text, char **canon, ms_err *err)
{
    *canon = NULL;
    if (strlen(text) > ORG_GEOMETRY_MAX)
        return err_set(err, ERR_INVALID, "geometry", "边界过大（超过 %zu KiB）", ORG_GEOMETRY_MAX >> 10);
    json_t *g = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    if (!g)
        return err_set(err, ERR_INVALID, "geometry", "边界不是有效的 JSON：" GEOMETRY_WHAT);
    int rc = org_check_geometry_json(g, canon, err);
    json_decref(g);
    return rc;
}

int org_set_geometry(db_conn *db, int64_t id, const char *canon, ms_err *err)
{
    if (db_exec_args(db, SQL_SET_GEOMETRY, DB_OPT_TEXT(canon), DB_INT(id)) != DB_DONE)
        return err_db(err);
    return 0;
}

char *org_get_geometry(db_conn *db, int64_t id)
{
    char *out = NULL;
    db_stmt *s = db_query(db, SQL_GET_GEOMETRY, DB_INT(id));
    if (db_step(s) == DB_ROW && !db_col_is_null(s, 0))   /* (db_col_text gives "" for NULL) */
        out = strdup(db_col_text(s, 0));
    db_finalize(s);
    return out;
}

#define BOUNDARY_COLUMNS "id, kind, code, name, geometry FROM org_unit WHERE status = 'active'"
static const char *const SQL_CHILD_BOUNDARIES = "SELECT " BOUNDARY_COLUMNS " AND parent_id = ? ORDER BY code";
static const char *const SQL_SUBTREE_BOUNDARIES = "SELECT " BOUNDARY_COLUMNS " AND path >= ? AND path < ? ORDER BY path";

int org_boundaries(db_conn *db, const org_unit *u, int children, org_boundary **out, size_t *n)
{
    char end[256];
    size_t cap = 0;
    int rc;
    *out = NULL;
    *n = 0;
    db_stmt *s = children ? db_query(db, SQL_CHILD_BOUNDARIES, DB_INT(u->id))
                          : db_query(db, SQL_SUBTREE_BOUNDARIES, DB_TEXT(u->path), DB_TEXT(org_path_end(u->path, end)));
    while ((rc = db_step(s)) == DB_ROW) {
        if (*n == cap) {
            org_boundary *bigger = realloc(*out, (cap = cap ? cap * 2 : 64) * sizeof **out);
            if (!bigger) {
                rc = DB_ERROR;
                break;
            }
            *out = bigger;
        }
        org_boundary *b = &(*out)[(*n)++];
        memset(b, 0, sizeof *b);
        b->id = db_col_int(s, 0);
        snprintf(b->kind, sizeof b->kind, "%s", db_col_text(s, 1));
        snprintf(b->code, sizeof b->code, "%s", db_col_text(s, 2));
        snprintf(b->name, sizeof b->name, "%s", db_col_text(s, 3));
        if (!db_col_is_null(s, 4) && !(b->geometry = strdup(db_col_text(s, 4)))) {
            rc = DB_ERROR;
            break;
        }
    }
    db_finalize(s);
    if (rc != DB_DONE) {
        org_boundaries_free(*out, *n);
        *out = NULL;
        *n = 0;
        return -1;
    }
    return 0;
}

void org_boundaries_free(org_boundary *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(a[i].geometry);
    free(a);
}

/* ---- closing ------------------------------------------------------------- */

static const char *const SQL_OPEN_CHILDREN = "SELECT COUNT(*) FROM org_unit WHERE parent_id = ? AND status = 'active'";
/* Active households of a grid or a building (every batch's: a running
 * import's rows count too, they will be active when it commits). */
static const char *const SQL_ACTIVE_HOUSEHOLDS =
    "SELECT COUNT(*) FROM household WHERE (grid_id = ? OR building_id = ?) AND status = 'active'";
static const char *const SQL_ACTIVE_RESIDENTS = "SELECT COUNT(*) FROM resident WHERE grid_id = ? AND status = 'active'";
static const char *const SQL_CLOSE =
    "UPDATE org_unit SET status = 'closed', closed_at = ?, updated_at = ?, version = version + 1 WHERE id = ?";

int org_close(db_conn *db, const org_unit *u, ms_err *err)
{
    char now[20];
    if (strcmp(u->status, "closed") == 0)
        return err_set(err, ERR_CONFLICT, NULL, "%s“%s”已经撤销", org_kind_label(u->kind), u->name);
    if (!u->parent_id)
        return err_set(err, ERR_CONFLICT, NULL, "不能撤销最上级单位“%s”", u->name);
    int64_t n = db_one_int(db, -1, SQL_OPEN_CHILDREN, DB_INT(u->id));
    if (n < 0)
        return err_db(err);
    if (n > 0)
        return err_set(err, ERR_CONFLICT, NULL, "%s“%s”下还有 %lld 个未撤销的下级单位，不能撤销：请先撤销或调整下级单位",
                       org_kind_label(u->kind), u->name, (long long)n);
    n = db_one_int(db, -1, SQL_ACTIVE_HOUSEHOLDS, DB_INT(u->id), DB_INT(u->id));
    if (n < 0)
        return err_db(err);
    if (n > 0)
        return err_set(err, ERR_CONFLICT, NULL, "%s“%s”下还有 %lld 户在册，不能撤销：请先将这些户迁出或注销",
                       org_kind_label(u->kind), u->name, (long long)n);
    n = db_one_int(db, -1, SQL_ACTIVE_RESIDENTS, DB_INT(u->id));
    if (n > 0)
        return err_set(err, ERR_CONFLICT, NULL, "%s“%s”下还有 %lld 名在册居民，不能撤销：请先将其迁出",
                       org_kind_label(u->kind), u->name, (long long)n);
    if (n < 0 || db_exec_args(db, SQL_CLOSE, DB_TEXT(db_now(now)), DB_TEXT(now), DB_INT(u->id)) != DB_DONE)
        return err_db(err);
    return 0;
}

/* ---- the whole subtree (the command line's org list) ------------------------ */

static const char *const SQL_SUBTREE = "SELECT " ORG_COLUMNS " FROM org_unit c WHERE c.path >= ? AND c.path < ? ORDER BY c.path";
static const char *const SQL_ROOT = "SELECT " ORG_COLUMNS " FROM org_unit c WHERE c.parent_id IS NULL ORDER BY c.kind = 'district' DESC, c.id LIMIT 1";

int org_get_root(db_conn *db, org_unit *out)
{
    return load_one(db_query(db, SQL_ROOT), out);
}

int org_subtree(db_conn *db, const org_unit *root, org_unit **out, size_t *n)
{
    char end[256];
    size_t cap = 0;
    int rc;
    *out = NULL;
    *n = 0;
    db_stmt *s = db_query(db, SQL_SUBTREE, DB_TEXT(root->path), DB_TEXT(org_path_end(root->path, end)));
    while ((rc = db_step(s)) == DB_ROW) {
        if (*n == cap) {
            org_unit *bigger = realloc(*out, (cap = cap ? cap * 2 : 64) * sizeof **out);
            if (!bigger) {
                rc = DB_ERROR;
                break;
            }
            *out = bigger;
        }
        org_from_row(s, &(*out)[(*n)++]);
    }
    db_finalize(s);
    if (rc != DB_DONE) {
        free(*out);
        *out = NULL;
        *n = 0;
        return -1;
    }
    return 0;
}
