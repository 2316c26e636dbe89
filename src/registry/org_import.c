/* org_import.c — the org-tree import (see org_import.h).
 *
 * Owns: the column vocabulary (COLS), the levels (LEVELS), which leader
 * columns belong to which level (LEADERS), the row checks and their
 * messages, and the order in which units are created.
 *
 * The table is small (a street has some 2,000 buildings), so it is read
 * whole (at most ORG_IMPORT_MAX_ROWS rows), each row checked on its own
 * (level, code and name, leader and phone, boundary, its code not used
 * in the file or the database), then created parent first: resolve()
 * finds a row's parent in the file (by code) or among the existing units
 * inside the caller's scope, checks the level fits under it, resolves
 * that row first, and creates the unit with org_create. A level only
 * goes under the level above it (street → community → grid → building),
 * so the recursion is at most four deep and rows cannot form a cycle.
 * A row whose parent row failed fails too, naming that row. Everything
 * that could refuse a row is asked before its INSERT (on PostgreSQL a
 * refused statement would end the transaction). */
#include "registry/org_import.h"
#include "registry/org.h"
#include "util/validate.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum col_id {
    C_LEVEL, C_CODE, C_NAME, C_PARENT,
    C_GRID_WORKER, C_GRID_WORKER_PHONE, C_BUILDING_LEADER, C_BUILDING_LEADER_PHONE, C_LEADER, C_LEADER_PHONE,
    C_GEOMETRY,
    C_COUNT
} col_id;

static const struct col_def {
    const char *api;                /* the API name, also accepted as a header */
    const char *headers[4];         /* Chinese headers, NULL-terminated */
    int required;
} COLS[C_COUNT] = {
    [C_LEVEL]                 = {"level", {"层级", "级别", "类别", NULL}, 1},
    [C_CODE]                  = {"code", {"编码", "单位编码", NULL}, 1},
    [C_NAME]                  = {"name", {"名称", "单位名称", NULL}, 1},
    [C_PARENT]                = {"parent_code", {"上级编码", "上级单位编码", NULL}, 1},
    [C_GRID_WORKER]           = {"grid_worker", {"网格员", "网格员姓名", NULL}, 0},
    [C_GRID_WORKER_PHONE]     = {"grid_worker_phone", {"网格员电话", NULL}, 0},
    [C_BUILDING_LEADER]       = {"building_leader", {"楼长", "楼长姓名", NULL}, 0},
    [C_BUILDING_LEADER_PHONE] = {"building_leader_phone", {"楼长电话", NULL}, 0},
    [C_LEADER]                = {"leader_name", {"负责人", NULL}, 0},
    [C_LEADER_PHONE]          = {"leader_phone", {"负责人电话", NULL}, 0},
    [C_GEOMETRY]              = {"geometry", {"边界", "GeoJSON", NULL}, 0},
};

static const char COLUMN_LIST[] = "层级、编码、名称、上级编码、网格员、网格员电话、楼长、楼长电话、负责人、负责人电话、边界";

/* The levels a row may name, in tree order (by_kind's index). */
static const struct level {
    const char *kind, *zh;
} LEVELS[4] = {{"street", "街道"}, {"community", "社区"}, {"grid", "网格"}, {"building", "楼栋"}};

/* Who leads a unit, by level: the grid's 网格员, the building's 楼长,
 * the street's or community's 负责人; the unit's leader_name/phone. */
static const struct leader_cols {
    col_id name, phone;
    const char *label, *levels;     /* levels: "社区和街道" … for the message */
    const char *kinds[3];
} LEADERS[3] = {
    {C_GRID_WORKER, C_GRID_WORKER_PHONE, "网格员", "网格", {"grid", NULL}},
    {C_BUILDING_LEADER, C_BUILDING_LEADER_PHONE, "楼长", "楼栋", {"building", NULL}},
    {C_LEADER, C_LEADER_PHONE, "负责人", "街道和社区", {"street", "community", NULL}},
};

enum { PENDING, VISITING, DONE, FAILED };

#define MAX_COLUMNS 64

typedef struct orow {
    size_t line;
    char *v[C_COUNT];               /* trimmed cells ("" when empty), malloc'd */
    int level;                      /* index into LEVELS */
    const char *leader;             /* into v, or NULL */
    char phone[40];
    char *geometry;                 /* checked text, or NULL */
    int state;
    int64_t id;                     /* the unit made */
    const char *err_field;
    char *err_msg;
} orow;

typedef struct importer {
    db_conn *db;
    const org_import_options *o;
    org_import_report *rep;
    int col_of[MAX_COLUMNS];        /* column → col_id, -1 none (header empty) */
    size_t ncols;
    orow *rows;
    size_t nrows, cap;
    json_t *by_code;                /* code → row index */
    int db_failed;
} importer;

/* ---- messages ------------------------------------------------------------- */

__attribute__((format(printf, 2, 3)))
static void set_fatal(importer *im, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(im->rep->fatal, sizeof im->rep->fatal, fmt, ap);
    va_end(ap);
    utf8_trim_partial(im->rep->fatal);
}

/* The row's first error (later ones are not kept); returns -1. */
__attribute__((format(printf, 3, 4)))
static int row_error(orow *r, const char *field, const char *fmt, ...)
{
    if (r->state == FAILED)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&r->err_msg, fmt, ap) < 0)
        r->err_msg = NULL;
    va_end(ap);
    r->err_field = field;
    r->state = FAILED;
    return -1;
}

/* A domain error's field as the column's API name (static), or NULL. */
static const char *column_api(const char *field)
{
    if (strcmp(field, "parent_id") == 0)
        return COLS[C_PARENT].api;
    for (int c = 0; c < C_COUNT; c++)
        if (strcmp(field, COLS[c].api) == 0)
            return COLS[c].api;
    return NULL;
}

/* ---- header ------------------------------------------------------------------ */

static int header_col(const char *h)
{
    for (int c = 0; c < C_COUNT; c++) {
        if (strcasecmp(h, COLS[c].api) == 0)
            return c;
        for (const char *const *a = COLS[c].headers; *a; a++)
            if (strcmp(h, *a) == 0)
                return c;
    }
    return -1;
}

static int read_header(importer *im, csvr *in)
{
    char **f;
    size_t n;
    int rc = csvr_next(in, &f, &n), seen[C_COUNT] = {0};
    if (rc < 0)
        return set_fatal(im, "无法读取文件：%s", csvr_error(in)), -1;
    if (rc == 0)
        return set_fatal(im, "文件为空：第一行应为表头（层级、编码、名称、上级编码 …）"), -1;
    if (n > MAX_COLUMNS)
        return set_fatal(im, "表头有 %zu 列，最多 %d 列", n, MAX_COLUMNS), -1;
    im->ncols = n;
    for (size_t i = 0; i < n; i++) {
        const char *h = text_trim(f[i]);
        if (!*h) {
            im->col_of[i] = -1;
            continue;
        }
        int c = header_col(h);
        if (c < 0)
            return set_fatal(im, "表头第%zu列“%s”不是可识别的列（可用的列：%s）", i + 1, h, COLUMN_LIST), -1;
        if (seen[c]++)
            return set_fatal(im, "表头中“%s”一列出现了两次", h), -1;
        im->col_of[i] = c;
    }
    for (int c = 0; c < C_COUNT; c++)
        if (COLS[c].required && !seen[c])
            return set_fatal(im, "表头缺少必需的列“%s”（必需：层级、编码、名称、上级编码）", COLS[c].headers[0]), -1;
    return 0;
}

/* ---- one row on its own ---------------------------------------------------------- */

static int level_of(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, LEVELS[i].zh) == 0 || strcasecmp(s, LEVELS[i].kind) == 0)
            return i;
    return -1;
}

static int kind_in(const char *kind, const char *const *kinds)
{
    for (; *kinds; kinds++)
        if (strcmp(kind, *kinds) == 0)
            return 1;
    return 0;
}

/* The leader columns: only the level's own, a valid name, a phone only with a name. */
static int check_leader(orow *r)
{
    const char *kind = LEVELS[r->level].kind;
    for (size_t i = 0; i < sizeof LEADERS / sizeof LEADERS[0]; i++) {
        const struct leader_cols *l = &LEADERS[i];
        const char *name = r->v[l->name], *phone = r->v[l->phone];
        if (!*name && !*phone)
            continue;
        if (!kind_in(kind, l->kinds))
            return row_error(r, COLS[*name ? l->name : l->phone].api, "“%s”只填在%s行，本行是%s", l->label, l->levels,
                             LEVELS[r->level].zh);
        if (!*name)
            return row_error(r, COLS[l->name].api, "填了%s电话，但没有填%s姓名", l->label, l->label);
        if (!person_name_is_valid(name))
            return row_error(r, COLS[l->name].api, "%s姓名“%s”无效", l->label, name);
        if (*phone && !phone_normalize(phone, r->phone, sizeof r->phone))
            return row_error(r, COLS[l->phone].api, "%s电话“%s”格式不正确（手机11位，或区号-号码）", l->label, phone);
        r->leader = name;
    }
    return 0;
}

static const char *const SQL_CODE_USED = "SELECT 1 FROM org_unit WHERE code = ?";

/* Checks a row that needs nothing but itself, the rows before it and
 * the database's codes. */
static int check_row(importer *im, orow *r, size_t index)
{
    ms_err err;
    const char *code = r->v[C_CODE];
    if (!*r->v[C_LEVEL])
        return row_error(r, "level", "层级不能为空");
    if ((r->level = level_of(r->v[C_LEVEL])) < 0)
        return row_error(r, "level", "层级“%s”无效，应为 街道、社区、网格 或 楼栋", r->v[C_LEVEL]);
    if (!*code)
        return row_error(r, "code", "编码不能为空");
    if (!*r->v[C_NAME])
        return row_error(r, "name", "名称不能为空");
    if (org_check_code_name(code, r->v[C_NAME], &err) != 0)
        return row_error(r, column_api(err.field), "%s", err.message);
    json_t *prev = json_object_get(im->by_code, code);
    if (prev)
        return row_error(r, "code", "编码“%s”与第%zu行重复", code, im->rows[json_integer_value(prev)].line);
    json_object_set_new(im->by_code, code, json_integer((json_int_t)index));
    if (db_exists(im->db, SQL_CODE_USED, DB_TEXT(code)))
        return row_error(r, "code", "编码“%s”已被使用（已有的单位不由导入修改）", code);
    const char *parent = r->v[C_PARENT];
    if (!*parent && (im->o->scope_path || r->level != 0))
        return row_error(r, "parent_code", "上级编码不能为空");
    if (strcmp(parent, code) == 0)
        return row_error(r, "parent_code", "上级编码不能是本行自己的编码");
    if (check_leader(r) != 0)
        return -1;
    if (*r->v[C_GEOMETRY] && org_check_geometry(r->v[C_GEOMETRY], &r->geometry, &err) != 0)
        return row_error(r, "geometry", "%s", err.message);
    return 0;
}

/* Reads every data row, checking each on its own. */
static int read_rows(importer *im, csvr *in)
{
    char **f;
    size_t n;
    int rc;
    while ((rc = csvr_next(in, &f, &n)) > 0) {
        size_t c = 0;
        while (c < n && !*text_trim(f[c]))
            c++;
        if (c == n)
            continue;                           /* a row of empty cells */
        if (im->nrows == ORG_IMPORT_MAX_ROWS)
            return set_fatal(im, "文件超过 %d 行，请分成几个文件导入", ORG_IMPORT_MAX_ROWS), -1;
        if (im->nrows == im->cap) {
            orow *bigger = realloc(im->rows, (im->cap = im->cap ? im->cap * 2 : 256) * sizeof *im->rows);
            if (!bigger)
                return set_fatal(im, "内存不足"), -1;
            im->rows = bigger;
        }
        orow *r = &im->rows[im->nrows++];
        memset(r, 0, sizeof *r);
        r->line = csvr_line(in);
        r->level = -1;
        for (size_t i = 0; i < n; i++) {
            const char *v = text_trim(f[i]);
            int col = i < im->ncols ? im->col_of[i] : -1;
            if (col >= 0)
                r->v[col] = strdup(v);
            else if (*v)
                row_error(r, NULL, "第%zu行第%zu列有内容，但该列没有表头", r->line, i + 1);
        }
        for (int col = 0; col < C_COUNT; col++)
            if (!r->v[col])
                r->v[col] = strdup("");
        im->rep->rows++;
        if (r->state != FAILED)
            check_row(im, r, im->nrows - 1);
    }
    if (rc < 0)
        return set_fatal(im, "文件无法继续解析，导入已停止：%s", csvr_error(in)), -1;
    return 0;
}

/* ---- creating, parent first --------------------------------------------------------- */

static int resolve(importer *im, orow *r);

/* The parent of r: a row of the file (resolved first) or an existing
 * unit inside the scope. 0 with *parent_id, or -1 (r failed). */
static int find_parent(importer *im, orow *r, int64_t *parent_id)
{
    const char *pcode = r->v[C_PARENT];
    const char *want_parent = r->level > 0 ? LEVELS[r->level - 1].zh : "区";
    *parent_id = 0;
    if (!*pcode)
        return 0;                               /* the root street (check_row allowed it) */
    json_t *idx = json_object_get(im->by_code, pcode);
    if (idx) {
        orow *p = &im->rows[json_integer_value(idx)];
        if (p->level >= 0 && p->level != r->level - 1)
            return row_error(r, "level", "上级“%s”是%s，%s须设在%s下", pcode, LEVELS[p->level].zh, LEVELS[r->level].zh,
                             want_parent);
        if (resolve(im, p) != 0 || p->state != DONE)
            return im->db_failed ? -1
                                 : row_error(r, "parent_code", "上级编码“%s”所在的第%zu行有错误，本行未导入", pcode, p->line);
        *parent_id = p->id;
        return 0;
    }
    org_unit u;
    if (org_get_by_code(im->db, pcode, &u) != 0 ||
        (im->o->scope_path && strncmp(u.path, im->o->scope_path, strlen(im->o->scope_path)) != 0))
        return row_error(r, "parent_code", "上级编码“%s”不存在或不在您的管辖范围内", pcode);
    const char *want = org_child_kind(u.kind);
    if (!want || strcmp(want, LEVELS[r->level].kind) != 0)
        return row_error(r, "level", "上级“%s”（%s）是%s，%s须设在%s下", pcode, u.name, org_kind_label(u.kind),
                         LEVELS[r->level].zh, want_parent);
    *parent_id = u.id;
    return 0;
}

/* Creates r's unit (its parent first). 0 when r is done, -1 when it
 * failed (or the database did: im->db_failed). */
static int resolve(importer *im, orow *r)
{
    if (r->state == DONE)
        return 0;
    if (r->state != PENDING)
        return -1;                              /* FAILED, or VISITING: cannot happen (levels go down) */
    r->state = VISITING;
    int64_t parent_id;
    if (find_parent(im, r, &parent_id) != 0)
        return -1;
    ms_err err;
    const char *kind = LEVELS[r->level].kind;
    int64_t id = org_create(im->db, parent_id, kind, r->v[C_CODE], r->v[C_NAME], r->leader, r->phone, &err);
    if (id < 0 && err.kind == ERR_DB) {
        im->db_failed = 1;
        return row_error(r, NULL, "%s", err.message);
    }
    if (id < 0)
        return row_error(r, column_api(err.field), "%s", err.message);
    if (r->geometry && org_set_geometry(im->db, id, r->geometry, &err) != 0) {
        im->db_failed = 1;
        return row_error(r, NULL, "%s", err.message);
    }
    r->id = id;
    r->state = DONE;
    im->rep->created++;
    im->rep->by_kind[r->level]++;
    json_array_append_new(im->rep->codes, json_string(r->v[C_CODE]));
    return 0;
}

/* ---- driver ------------------------------------------------------------------------------ */

static void free_rows(importer *im)
{
    for (size_t i = 0; i < im->nrows; i++) {
        for (int c = 0; c < C_COUNT; c++)
            free(im->rows[i].v[c]);
        free(im->rows[i].geometry);
        free(im->rows[i].err_msg);
    }
    free(im->rows);
    json_decref(im->by_code);
}

int org_import(db_conn *db, csvr *in, const org_import_options *o, org_import_report *rep)
{
    importer im = {.db = db, .o = o, .rep = rep};
    memset(rep, 0, sizeof *rep);
    rep->errors = json_array();
    rep->codes = json_array();
    im.by_code = json_object();
    int rc = IMPORT_FATAL;
    if (read_header(&im, in) != 0 || read_rows(&im, in) != 0)
        goto out;
    if (!im.nrows) {
        set_fatal(&im, "文件只有表头，没有要导入的单位");
        goto out;
    }
    for (size_t i = 0; i < im.nrows && !im.db_failed; i++)
        resolve(&im, &im.rows[i]);
    if (im.db_failed) {
        set_fatal(&im, "保存单位失败，导入已撤销，请稍后重试");
        rc = IMPORT_DB_ERROR;
        goto out;
    }
    for (size_t i = 0; i < im.nrows; i++) {
        orow *r = &im.rows[i];
        if (r->state != FAILED)
            continue;
        if (rep->error_rows++ < IMPORT_MAX_ERRORS)
            json_array_append_new(rep->errors, json_pack("{s:I, s:s?, s:s}", "row", (json_int_t)r->line, "field",
                                                         r->err_field, "message", r->err_msg ? r->err_msg : "内存不足"));
    }
    rc = rep->error_rows && o->mode == IMPORT_ALL_OR_NOTHING ? IMPORT_ROWS_REJECTED : IMPORT_OK;
    if (rc != IMPORT_OK) {
        rep->created = 0;
        memset(rep->by_kind, 0, sizeof rep->by_kind);
        json_array_clear(rep->codes);
    }
out:
    free_rows(&im);
    return rc;
}

void org_import_report_free(org_import_report *rep)
{
    json_decref(rep->errors);
    json_decref(rep->codes);
    rep->errors = rep->codes = NULL;
}

json_t *org_import_report_json(const org_import_report *rep)
{
    json_t *levels = json_object();
    for (int i = 0; i < 4; i++)
        json_object_set_new(levels, LEVELS[i].kind, json_integer((json_int_t)rep->by_kind[i]));
    json_t *j = json_pack("{s:I, s:I, s:o, s:I, s:O}", "rows", (json_int_t)rep->rows, "created",
                          (json_int_t)rep->created, "created_by_level", levels, "error_rows",
                          (json_int_t)rep->error_rows, "errors", rep->errors);
    if (rep->fatal[0])
        json_object_set_new(j, "fatal", json_string(rep->fatal));
    return j;
}

json_t *org_import_audit_entry(const org_import_options *o, const org_import_report *rep, char *detail,
                               size_t detailsz, audit_entry *e)
{
    snprintf(detail, detailsz, "导入组织架构%s%s%s：新建 %zu 个单位（街道 %zu、社区 %zu、网格 %zu、楼栋 %zu）%s",
             o->file_name ? "（" : "", o->file_name ? o->file_name : "", o->file_name ? "）" : "", rep->created,
             rep->by_kind[0], rep->by_kind[1], rep->by_kind[2], rep->by_kind[3],
             rep->error_rows ? "；有错误的行未导入" : "");
    utf8_trim_partial(detail);
    json_t *after = json_pack("{s:s, s:I, s:I, s:O}", "mode", o->mode == IMPORT_ALL_OR_NOTHING ? "all" : "valid",
                              "created", (json_int_t)rep->created, "error_rows", (json_int_t)rep->error_rows,
                              "codes", rep->codes);
    memset(e, 0, sizeof *e);
    e->action = "import";
    e->entity = "org_unit";
    e->org_path = o->scope_path;
    e->after = after;
    e->detail = detail;
    return after;
}
