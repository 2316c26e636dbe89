/* import.c — CSV import and export of residents (see import.h).
 *
 * Owns: the CSV column vocabulary (FIELD_DEFS: Chinese headers, aliases
 * and API names; EXPORT_COLS: the export layout, which reads back in),
 * conversion of a CSV row into household/resident inputs, the lookup
 * caches of one import (org units and households by code, ID numbers
 * seen), the import's transactions and savepoints, and its audit rows.
 *
 * Import flow per row: trim and convert the cells, validate with
 * resident_input_check / household_input_check, resolve the grid,
 * building and household through the caches (one SELECT per distinct
 * code, never per row), ask the database what it would refuse (ID
 * number registered, a second head: check_row), and only then write
 * the row (household if new, resident, tags, registry events, head of
 * household). A row is written whole or not at all without a SAVEPOINT
 * per row, which made SQLite copy every page the row touched into a
 * sub-journal (a quarter of an import's work): what can refuse a row is
 * asked before its first write, in the same transaction, where nobody
 * else writes; a write that fails all the same (a database error, a
 * grid deleted meanwhile) ends the import, and its batch is undone.
 * So the rows need not reach the database one by one: the writer is a
 * bulk one (registry_writer_open_bulk), which on PostgreSQL keeps them
 * and sends each transaction's rows with COPY just before it commits
 * (flush_rows; a row refused there ends the import as above). No check
 * reads them back meanwhile: the rows of this file are known from the
 * caches (households, ID numbers seen, heads given).
 *
 * Transactions: the rows are written in short transactions (at most
 * IMPORT_TX_ROWS rows or IMPORT_TX_MS while another writer may wait,
 * IMPORT_TX_LONG_MS when none does: see tx_due), so that other
 * writers get the lock in between, all under one import batch
 * (import_batch.h) whose rows nobody else sees. At the end the batch is
 * committed in one small transaction with the import's audit row, or —
 * ALL_OR_NOTHING with a bad row, a database error, a cancelled request
 * — undone: its rows deleted again, with an import_undo audit row.
 * While its rows are written the connection's triggers are off
 * (counts_batch_triggers_off: none of them does anything for a row of
 * a running batch, but their presence costs every INSERT a statement
 * journal); they are on again before the batch commits or is undone. A
 * head of household the import gives to a household registered before
 * is set only in that last transaction, so that no visible row points
 * at a hidden one. */
#include "registry/import.h"
#include "registry/derived.h"
#include "core/audit.h"
#include "registry/counts.h"
#include "registry/household.h"
#include "registry/import_batch.h"
#include "registry/registry.h"
#include "registry/resident.h"
#include "storage/query.h"
#include "util/idcard.h"
#include "util/validate.h"

#include <ctype.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static const char *const SQL_ORG_BY_CODE =
    "SELECT id, COALESCE(parent_id, 0), kind, path, status FROM org_unit WHERE code = ?";
static const char *const SQL_HOUSEHOLD_BY_CODE =
    "SELECT id, grid_id, status = 'active' FROM household WHERE code = ?";
static const char *const SQL_ANY_FORMER_CODE = "SELECT 1 FROM household_former_code LIMIT 1";
/* The same for AHEAD_ROWS codes at once (db_sql_keys_lookup). */
#define HOUSEHOLD_BY_CODES_COLS "code, id, grid_id, status = 'active'"
/* The tags as in RESIDENT_SELECT, per engine (SQL_EXPORT(db)): the
 * columns of EXPORT_COLS, then the filters (a scope path and a
 * building, or the list's: export_filter.where) and the order. */
#define SQL_EXPORT_WITH_(tags)                                                                        \
    "SELECT h.code, g.code, g.name, b.code, h.address, r.name, r.id_number_enc, r.sex, r.birth_date," \
    " r.relation, r.phone_enc, r.hukou_type, r.residence_status, r.employment, r.disability_enc," \
    " r.disability_enc, r.party_member," \
    " (SELECT " tags " FROM resident_tag t WHERE t.resident_id = r.id), r.notes, r.id" \
    " FROM resident r JOIN household h ON h.id = r.household_id JOIN org_unit g ON g.id = r.grid_id" \
    " LEFT JOIN org_unit b ON b.id = h.building_id"
#define SQL_EXPORT(db) db_sql((db), SQL_EXPORT_WITH_(RESIDENT_TAGS_SQLITE), SQL_EXPORT_WITH_(RESIDENT_TAGS_PG))
#define SQL_EXPORT_WHERE \
    " WHERE r.status = 'active' AND " REGISTRY_VISIBLE("r") " AND g.path LIKE ? || '%' AND (? = 0 OR h.building_id = ?)"
/* By grid and household, the head first: the order that reads back. */
#define SQL_EXPORT_ORDER "g.code, h.code, (r.relation = '户主') DESC, substr(r.birth_date, 1, 4), r.id"

/* ---- column vocabulary ------------------------------------------------ */

typedef enum field_id {
    F_NAME, F_ID_NUMBER, F_RELATION, F_PHONE, F_HUKOU, F_RESIDENCE, F_EMPLOYMENT,
    F_DIS_TYPE, F_DIS_GRADE, F_PARTY, F_TAGS, F_NOTES,
    F_GRID_CODE, F_HOUSEHOLD_CODE, F_ADDRESS, F_BUILDING_CODE,
    F_COUNT,
    F_IGNORED = F_COUNT           /* a known column derived from others (性别 …): read and dropped */
} field_id;

static const struct field_def {
    const char *api;              /* API name, also accepted as a header */
    const char *headers[5];       /* Chinese headers, NULL-terminated */
    int required;                 /* the header must be present */
} FIELD_DEFS[F_COUNT] = {
    [F_NAME]           = {"name", {"姓名", NULL}, 1},
    [F_ID_NUMBER]      = {"id_number", {"身份证号", "公民身份号码", "身份证号码", NULL}, 1},
    [F_RELATION]       = {"relation", {"与户主关系", "关系", NULL}, 0},
    [F_PHONE]          = {"phone", {"联系电话", "电话", "手机号", NULL}, 0},
    [F_HUKOU]          = {"hukou_type", {"户籍类型", NULL}, 0},
    [F_RESIDENCE]      = {"residence_status", {"居住状态", "人员类型", NULL}, 0},
    [F_EMPLOYMENT]     = {"employment", {"就业状态", NULL}, 0},
    [F_DIS_TYPE]       = {"disability_type", {"残疾类别", NULL}, 0},
    [F_DIS_GRADE]      = {"disability_grade", {"残疾等级", NULL}, 0},
    [F_PARTY]          = {"party_member", {"是否党员", "党员", NULL}, 0},
    [F_TAGS]           = {"tags", {"标签", "人员类别", NULL}, 0},
    [F_NOTES]          = {"notes", {"备注", NULL}, 0},
    [F_GRID_CODE]      = {"grid_code", {"网格编码", NULL}, 1},
    [F_HOUSEHOLD_CODE] = {"household_code", {"户编号", NULL}, 1},
    [F_ADDRESS]        = {"address", {"地址", "家庭住址", NULL}, 0},
    [F_BUILDING_CODE]  = {"building_code", {"楼栋编码", NULL}, 0},
};

/* Columns the export writes that are derived from other data; accepted
 * and ignored on import so an export reads back in. */
static const char *const IGNORED_HEADERS[] = {
    "性别", "出生日期", "出生年份", "年龄", "网格名称", "sex", "birth_date", "birth_year", "age", "grid_name", NULL};

#define COL_NO_HEADER (-2)        /* a column with an empty header: must stay empty */
#define MAX_COLUMNS 64
#define MAX_ALIASES 32
#define PROGRESS_EVERY 10000

typedef struct alias {
    char header[64];
    field_id field;
} alias;

typedef struct header_map {
    int col_field[MAX_COLUMNS];   /* field_id of each column */
    size_t ncols;
    size_t min_cols;              /* up to the last column with a header */
    int field_col[F_COUNT];       /* column of each field, -1 when absent */
} header_map;

/* ---- small arena for cache keys --------------------------------------- */

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t used, cap;
    _Alignas(8) char data[];
} arena_chunk;

typedef struct arena {
    arena_chunk *head;
} arena;

/* n bytes (8-aligned) that live until arena_free. */
static void *arena_alloc(arena *a, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    if (!a->head || a->head->cap - a->head->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        arena_chunk *c = malloc(sizeof *c + cap);
        if (!c)
            abort();
        c->next = a->head;
        c->used = 0;
        c->cap = cap;
        a->head = c;
    }
    char *p = a->head->data + a->head->used;
    a->head->used += n;
    return p;
}

static char *arena_strdup(arena *a, const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(arena_alloc(a, n), s, n);
}

static void arena_free(arena *a)
{
    while (a->head) {
        arena_chunk *next = a->head->next;
        free(a->head);
        a->head = next;
    }
}

/* ---- code → entry map (open addressing, string keys in the arena) ---- */

typedef struct centry {
    const char *key;              /* NULL = empty slot */
    uint32_t hash;
    uint32_t flags;
    int64_t id, ref;
} centry;

typedef struct cmap {
    centry *slots;
    size_t cap, n;
} cmap;

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static centry *cmap_slot(centry *slots, size_t cap, const char *key, uint32_t h)
{
    size_t i = h & (cap - 1);
    while (slots[i].key && (slots[i].hash != h || strcmp(slots[i].key, key) != 0))
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static centry *cmap_get(const cmap *m, const char *key)
{
    if (!m->cap)
        return NULL;
    centry *e = cmap_slot(m->slots, m->cap, key, hash_str(key));
    return e->key ? e : NULL;
}

static void cmap_grow(cmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 256;
    centry *slots = calloc(cap, sizeof *slots);
    if (!slots)
        abort();
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key)
            *cmap_slot(slots, cap, m->slots[i].key, m->slots[i].hash) = m->slots[i];
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
}

/* Returns the entry for key, inserting a zeroed one when absent. */
static centry *cmap_put(cmap *m, arena *a, const char *key)
{
    if ((m->n + 1) * 10 > m->cap * 7)
        cmap_grow(m);
    uint32_t h = hash_str(key);
    centry *e = cmap_slot(m->slots, m->cap, key, h);
    if (!e->key) {
        memset(e, 0, sizeof *e);
        e->key = arena_strdup(a, key);
        e->hash = h;
        m->n++;
    }
    return e;
}

/* ---- ID numbers seen in this file ------------------------------------- */

/* A valid ID number is determined by its first 17 digits (the 18th is
 * their check digit), which fit in 57 bits: the key. 0 = empty slot. */
typedef struct idset {
    uint64_t *keys;
    uint32_t *lines;
    size_t cap, n;
} idset;

static uint64_t id_key(const char *id)
{
    uint64_t k = 0;
    for (int i = 0; i < 17; i++)
        k = k * 10 + (uint64_t)(id[i] - '0');
    return k;
}

static size_t idset_slot(const uint64_t *keys, size_t cap, uint64_t k)
{
    size_t i = (size_t)((k * 0x9E3779B97F4A7C15ull) >> 20) & (cap - 1);
    while (keys[i] && keys[i] != k)
        i = (i + 1) & (cap - 1);
    return i;
}

static uint32_t idset_find(const idset *s, uint64_t k)
{
    if (!s->cap)
        return 0;
    size_t i = idset_slot(s->keys, s->cap, k);
    return s->keys[i] ? s->lines[i] : 0;
}

static void idset_add(idset *s, uint64_t k, uint32_t line)
{
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4096;
        uint64_t *keys = calloc(cap, sizeof *keys);
        uint32_t *lines = calloc(cap, sizeof *lines);
        if (!keys || !lines)
            abort();
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->keys[i])
                continue;
            size_t j = idset_slot(keys, cap, s->keys[i]);
            keys[j] = s->keys[i];
            lines[j] = s->lines[i];
        }
        free(s->keys);
        free(s->lines);
        s->keys = keys;
        s->lines = lines;
        s->cap = cap;
    }
    size_t i = idset_slot(s->keys, s->cap, k);
    if (!s->keys[i])
        s->n++;
    s->keys[i] = k;
    s->lines[i] = line;
}

static void idset_free(idset *s)
{
    free(s->keys);
    free(s->lines);
}

/* ---- importer state ----------------------------------------------------- */

enum { ORG_FOUND = 1, ORG_GRID = 2, ORG_BUILDING = 4, ORG_IN_SCOPE = 8, ORG_CLOSED = 16 };
/* HH_ABSENT: no such household in the database when the transaction
 * whose number is in the entry's id asked (prefetch_places). */
enum { HH_ACTIVE = 2, HH_HAS_HEAD = 4, HH_ABSENT = 8 };

/* Records are read this many at a time (run_rows), and on PostgreSQL
 * what their checks ask the database (ID numbers registered, households
 * by code) is asked for all of them in one query each: there a query is
 * a round trip, which was most of an import's time once the rows went
 * in with COPY. SQLite answers a lookup in microseconds within the
 * process: there each row asks for itself, as before (the IN lists
 * cost it more than they save). */
#define AHEAD_ROWS RESIDENT_TAKEN_BATCH

typedef struct ahead {
    arena mem;                    /* the records' cells (copies) */
    struct record {
        char **fields;
        size_t nfields, line;
    } rec[AHEAD_ROWS];
    size_t n;
    uint64_t id_keys[AHEAD_ROWS]; /* the valid ID numbers asked about … */
    unsigned char taken[AHEAD_ROWS];   /* … and whether each is registered */
    size_t nids;
} ahead;

typedef struct importer {
    db_conn *db;
    const import_options *o;
    import_report *rep;
    registry_writer *w;
    db_stmt *org_by_code, *hh_by_code;
    arena keys;
    cmap orgs;                    /* org code → id, ref = parent id, flags ORG_* */
    cmap households;              /* household code → id, ref = grid id, flags HH_* */
    idset ids;                    /* ID numbers written → their line */
    alias aliases[MAX_ALIASES];
    size_t naliases;
    header_map hdr;
    int today;
    int in_tx;
    int stop_checking;            /* ALL_OR_NOTHING with too many errors: only count rows */
    int check_only;               /* ALL_OR_NOTHING after a bad row: check the rest, write no more */
    int64_t batch_id;             /* the import batch its rows belong to */
    int64_t tx_number;            /* of the open transaction, counting from 1 */
    int64_t former_tx;            /* the transaction former_any was asked in */
    int former_any;               /* household_former_code has rows (check_new_code) */
    ahead ahead;                  /* the records being processed */
    db_stmt *hh_by_codes;         /* households of up to AHEAD_ROWS codes */
    int prefetch;                 /* ask for AHEAD_ROWS records at once (PostgreSQL) */
    size_t tx_rows;               /* rows read in the open transaction */
    struct timespec tx_start;
    size_t imported, created;     /* residents, households written so far (hidden until the batch commits) */
    struct head_later {           /* heads given to households registered before */
        int64_t household_id, resident_id;
        size_t line;
    } *heads;
    size_t nheads, heads_cap;
    size_t next_progress;
} importer;

/* One converted row; strings point into the CSV record or the buffers. */
typedef struct row {
    size_t line;
    const char *v[F_COUNT];
    resident_input in;
    char idn[32], phone[40];
} row;

static void set_fatal(importer *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_fatal(importer *im, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(im->rep->fatal, sizeof im->rep->fatal, fmt, ap);
    va_end(ap);
    utf8_trim_partial(im->rep->fatal);
}

/* Records the (single) error of a row. Always returns 1 ("row rejected"). */
static int row_error(importer *im, size_t line, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int row_error(importer *im, size_t line, const char *field, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    utf8_trim_partial(msg);
    im->rep->error_rows++;
    if (json_array_size(im->rep->errors) < IMPORT_MAX_ERRORS)
        json_array_append_new(im->rep->errors,
                              json_pack("{s:I, s:s?, s:s}", "row", (json_int_t)line, "field", field, "message", msg));
    if (im->o->mode == IMPORT_ALL_OR_NOTHING)
        im->check_only = 1;
    if (im->o->mode == IMPORT_ALL_OR_NOTHING && im->rep->error_rows >= IMPORT_MAX_ERRORS)
        im->stop_checking = 1;
    return 1;
}

/* ---- text helpers ------------------------------------------------------- */

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static int equals_any(const char *s, const char *const *set)
{
    for (size_t i = 0; set[i]; i++)
        if (strcasecmp(s, set[i]) == 0)
            return 1;
    return 0;
}

/* ---- header ------------------------------------------------------------- */

static int field_by_api_name(const char *name)
{
    for (int f = 0; f < F_COUNT; f++)
        if (strcasecmp(FIELD_DEFS[f].api, name) == 0)
            return f;
    return -1;
}

/* Parses "姓名=name,证件号码=id_number" into im->aliases. The mapping
 * comes from a query parameter or the command line and may hold any
 * byte: it is refused unless it is clean UTF-8 text, since its items are
 * echoed in the messages (tests/fuzz/fuzz_import found a 400 with an
 * empty body when they were not UTF-8). */
static int parse_mapping(importer *im, const char *mapping)
{
    if (!text_is_clean(mapping, 0)) {
        set_fatal(im, "列名映射含有无效的字符（应为 UTF-8 文本，不含控制字符），格式为 表头=字段名,…");
        return -1;
    }
    char *copy = strdup(mapping), *save = NULL;
    int rc = 0;
    if (!copy)
        abort();
    for (char *item = strtok_r(copy, ",;", &save); item; item = strtok_r(NULL, ",;", &save)) {
        char *eq = strchr(item, '=');
        if (!eq) {
            if (*text_trim(item) == '\0')
                continue;
            set_fatal(im, "列名映射“%s”格式不正确，应为 表头=字段名", item);
            rc = -1;
            break;
        }
        *eq = '\0';
        char *header = text_trim(item), *target = text_trim(eq + 1);
        int f = field_by_api_name(target);
        if (f < 0 || !*header || strlen(header) >= sizeof im->aliases[0].header || im->naliases >= MAX_ALIASES) {
            set_fatal(im, "列名映射“%s=%s”无效：字段名应为 name、id_number、grid_code 等", header, target);
            rc = -1;
            break;
        }
        snprintf(im->aliases[im->naliases].header, sizeof im->aliases[0].header, "%s", header);
        im->aliases[im->naliases++].field = (field_id)f;
    }
    free(copy);
    return rc;
}

/* The field a header names; -1 when unknown. A trailing '*' (required
 * column marker in templates) is ignored. */
static int header_field(const importer *im, char *h)
{
    size_t n = strlen(h);
    while (n && h[n - 1] == '*')
        h[--n] = '\0';
    text_trim(h);
    for (size_t i = 0; i < im->naliases; i++)
        if (strcmp(im->aliases[i].header, h) == 0)
            return im->aliases[i].field;
    for (int f = 0; f < F_COUNT; f++) {
        if (strcasecmp(FIELD_DEFS[f].api, h) == 0)
            return f;
        for (size_t j = 0; FIELD_DEFS[f].headers[j]; j++)
            if (strcmp(FIELD_DEFS[f].headers[j], h) == 0)
                return f;
    }
    return equals_any(h, IGNORED_HEADERS) ? F_IGNORED : -1;
}

static int read_header(importer *im, char **fields, size_t nfields)
{
    strbuf unknown = STRBUF_INIT, missing = STRBUF_INIT;
    int rc = -1;
    if (nfields > MAX_COLUMNS) {
        set_fatal(im, "表头有 %zu 列，超过上限 %d 列", nfields, MAX_COLUMNS);
        goto cleanup;
    }
    for (int f = 0; f < F_COUNT; f++)
        im->hdr.field_col[f] = -1;
    im->hdr.ncols = nfields;
    for (size_t c = 0; c < nfields; c++) {
        char *h = text_trim(fields[c]);
        int f = *h ? header_field(im, h) : COL_NO_HEADER;   /* e.g. Excel's trailing empty columns */
        im->hdr.col_field[c] = f;
        if (f == -1) {
            sb_printf(&unknown, "%s“%s”", unknown.len ? "、" : "", h);
        } else if (f >= 0 && f != F_IGNORED) {
            if (im->hdr.field_col[f] >= 0) {
                set_fatal(im, "表头中“%s”（%s）出现了两次", h, FIELD_DEFS[f].api);
                goto cleanup;
            }
            im->hdr.field_col[f] = (int)c;
        }
        if (f != COL_NO_HEADER)
            im->hdr.min_cols = c + 1;
    }
    if (unknown.len) {
        set_fatal(im, "无法识别的表头：%s。可用的表头如 姓名、身份证号、与户主关系、联系电话、网格编码、户编号、地址 等",
                  unknown.data);
        goto cleanup;
    }
    for (int f = 0; f < F_COUNT; f++)
        if (FIELD_DEFS[f].required && im->hdr.field_col[f] < 0)
            sb_printf(&missing, "%s%s", missing.len ? "、" : "", FIELD_DEFS[f].headers[0]);
    if (missing.len) {
        set_fatal(im, "缺少必需的列：%s", missing.data);
        goto cleanup;
    }
    rc = 0;
cleanup:
    sb_free(&unknown);
    sb_free(&missing);
    return rc;
}

/* ---- converting one row -------------------------------------------------- */

/* Fills r->v from the record. Returns 0, 1 (row error) or 2 (blank row). */
static int split_row(importer *im, char **fields, size_t nfields, row *r)
{
    int blank = 1;
    for (size_t c = 0; c < nfields; c++) {
        fields[c] = text_trim(fields[c]);
        if (*fields[c])
            blank = 0;
    }
    if (blank)
        return 2;
    if (nfields < im->hdr.min_cols)
        return row_error(im, r->line, NULL, "第%zu行只有 %zu 列，表头有 %zu 列（可能缺少逗号或换行位置不对）",
                         r->line, nfields, im->hdr.min_cols);
    for (size_t c = im->hdr.ncols; c < nfields; c++)
        if (*fields[c])
            return row_error(im, r->line, NULL, "第%zu行有 %zu 列，多于表头的 %zu 列", r->line, nfields, im->hdr.ncols);
    for (size_t c = 0; c < im->hdr.ncols && c < nfields; c++)
        if (im->hdr.col_field[c] == COL_NO_HEADER && *fields[c])
            return row_error(im, r->line, NULL, "第%zu行第%zu列有内容，但该列没有表头", r->line, c + 1);
    for (int f = 0; f < F_COUNT; f++) {
        int c = im->hdr.field_col[f];
        r->v[f] = (c >= 0 && (size_t)c < nfields && *fields[c]) ? fields[c] : NULL;
    }
    return 0;
}

static int parse_grade(const char *s)
{
    static const char *const CN[] = {"一", "二", "三", "四"};
    char buf[32];
    snprintf(buf, sizeof buf, "%s", s);
    size_t n = strlen(buf);
    if (ends_with(buf, "级"))
        buf[n - strlen("级")] = '\0';
    for (int i = 0; i < 4; i++)
        if (strcmp(buf, CN[i]) == 0 || (buf[0] == '1' + i && buf[1] == '\0'))
            return i + 1;
    return -1;
}

static int parse_party(const char *s)
{
    static const char *const YES[] = {"是", "1", "y", "yes", "true", "党员", "中共党员", "预备党员", NULL};
    static const char *const NO[] = {"否", "0", "n", "no", "false", "群众", "非党员", NULL};
    if (equals_any(s, YES))
        return 1;
    if (equals_any(s, NO))
        return 0;
    return -1;
}

/* Splits the tag cell on 、 ， , ； ; | and maps labels/codes to codes. */
static int parse_tags(importer *im, row *r, char *s)
{
    static const char *const SEPS[] = {"、", "，", "；", ",", ";", "|", NULL};
    char *p = s;
    while (*p) {
        size_t tok = 0, sep = 0;
        for (; p[tok]; tok++) {
            for (size_t i = 0; SEPS[i] && !sep; i++)
                if (strncmp(p + tok, SEPS[i], strlen(SEPS[i])) == 0)
                    sep = strlen(SEPS[i]);
            if (sep)
                break;
        }
        char saved = p[tok];
        p[tok] = '\0';
        char *t = text_trim(p);
        if (*t) {
            const char *code = resident_tag_code(t);
            if (!code)
                return row_error(im, r->line, "tags", "未知的人员标签“%s”（可用：高龄、残疾、低保、特困、留守老人、留守儿童、"
                                 "刑释解教、退役军人、独居、经济困难老人、困境儿童）", t);
            int dup = 0;
            for (size_t i = 0; i < r->in.ntags; i++)
                dup |= r->in.tags[i] == code;
            if (!dup && r->in.ntags < REGISTRY_MAX_TAGS)
                r->in.tags[r->in.ntags++] = code;
        }
        p[tok] = saved;
        p += tok + sep;
    }
    return 0;
}

static const char *alias_value(const char *v, const char *const pairs[][2])
{
    for (size_t i = 0; v && pairs[i][0]; i++)
        if (strcmp(v, pairs[i][0]) == 0)
            return pairs[i][1];
    return v;
}

/* Builds r->in from r->v and checks it. Returns 0 or 1 (row error). */
static int convert_resident(importer *im, row *r)
{
    static const char *const RELATION_ALIASES[][2] = {{"本人", "户主"}, {"妻", "配偶"}, {"夫", "配偶"},
                                                      {"妻子", "配偶"}, {"丈夫", "配偶"}, {NULL, NULL}};
    static const char *const HUKOU_ALIASES[][2] = {{"非农业", "城镇"}, {"非农", "城镇"}, {"农业", "农村"},
                                                   {NULL, NULL}};
    resident_input *in = &r->in;
    ms_err fe;

    in->name = r->v[F_NAME];
    if (r->v[F_NAME]) {   /* in place: the stored form is never longer */
        char *name = (char *)r->v[F_NAME];
        person_name_normalize(name, name, strlen(name) + 1);
    }
    in->id_number = idcard_normalize(r->v[F_ID_NUMBER] ? r->v[F_ID_NUMBER] : "", r->idn);
    /* The ID number first: it is what identifies the row to the reader. */
    idcard_info info;
    idcard_status st = idcard_validate(in->id_number, im->today, &info);
    if (st != IDCARD_OK)
        return row_error(im, r->line, "id_number", "%s", idcard_status_message(st));
    uint32_t seen = idset_find(&im->ids, id_key(in->id_number));
    if (seen)
        return row_error(im, r->line, "id_number", "身份证号与第%u行重复", seen);
    in->relation = alias_value(r->v[F_RELATION], RELATION_ALIASES);
    in->hukou_type = alias_value(r->v[F_HUKOU], HUKOU_ALIASES);
    in->residence_status = r->v[F_RESIDENCE];
    in->employment = r->v[F_EMPLOYMENT];
    in->notes = r->v[F_NOTES];
    if (r->v[F_PHONE]) {
        if (!phone_normalize(r->v[F_PHONE], r->phone, sizeof r->phone))
            return row_error(im, r->line, "phone", "联系电话“%s”格式不正确（手机11位，或区号-号码）", r->v[F_PHONE]);
        in->phone = r->phone;
    }
    if (r->v[F_DIS_TYPE]) {
        char *t = (char *)r->v[F_DIS_TYPE];          /* points into the CSV record */
        if (ends_with(t, "残疾") && strlen(t) > strlen("残疾"))
            t[strlen(t) - strlen("残疾")] = '\0';
        in->disability_type = t;
    }
    if (r->v[F_DIS_GRADE] && (in->disability_grade = parse_grade(r->v[F_DIS_GRADE])) < 0)
        return row_error(im, r->line, "disability_grade", "残疾等级“%s”无效，应为1到4级（如 一级、2、3级）",
                         r->v[F_DIS_GRADE]);
    if (r->v[F_PARTY] && (in->party_member = parse_party(r->v[F_PARTY])) < 0)
        return row_error(im, r->line, "party_member", "是否党员“%s”无效，应为 是 或 否", r->v[F_PARTY]);
    if (r->v[F_TAGS] && parse_tags(im, r, (char *)r->v[F_TAGS]) != 0)
        return 1;
    derived_tags_apply(in, derived_age(info.birth_date, NULL, im->today));   /* 高龄 is the birth date's */
    if (resident_input_check(in, im->today, &fe) != 0)
        return row_error(im, r->line, fe.field, "%s", fe.message);
    return 0;
}

/* ---- lookups (cached) -------------------------------------------------- */

static int db_fail(importer *im)
{
    set_fatal(im, "数据库错误：%s", db_errmsg(im->db));
    return -1;
}

/* The org unit with this code into *out (a copy: a later insert may
 * move the map's entries). Returns 0, or -1 on a database error. */
static int org_lookup(importer *im, const char *code, centry *out)
{
    centry *e = cmap_get(&im->orgs, code);
    if (e) {
        *out = *e;
        return 0;
    }
    e = cmap_put(&im->orgs, &im->keys, code);
    db_stmt *s = im->org_by_code;
    db_bind_text(s, 1, code);
    int rc = db_step(s);
    if (rc == DB_ROW) {
        const char *kind = db_col_text(s, 2), *path = db_col_text(s, 3);
        const char *scope = im->o->scope_path;
        e->id = db_col_int(s, 0);
        e->ref = db_col_int(s, 1);
        e->flags = ORG_FOUND;
        if (strcmp(kind, "grid") == 0) e->flags |= ORG_GRID;
        if (strcmp(kind, "building") == 0) e->flags |= ORG_BUILDING;
        if (!scope || strncmp(path, scope, strlen(scope)) == 0) e->flags |= ORG_IN_SCOPE;
        if (strcmp(db_col_text(s, 4), "closed") == 0) e->flags |= ORG_CLOSED;
    }
    db_reset(s);
    *out = *e;
    if (rc != DB_ROW && rc != DB_DONE)
        return db_fail(im);
    return 0;
}

typedef struct hh_ref {
    int64_t id, grid_id;
    unsigned flags;
    int is_new;
} hh_ref;

/* Looks a household up by code: 0 found (in *out), 1 absent, -1 db error. */
static int household_lookup(importer *im, const char *code, hh_ref *out)
{
    centry *e = cmap_get(&im->households, code);
    if (e && !(e->flags & HH_ABSENT)) {
        *out = (hh_ref){e->id, e->ref, e->flags, 0};
        return 0;
    }
    if (e && e->id == im->tx_number)
        return 1;                 /* asked in this transaction (prefetch_places): none */
    db_stmt *s = im->hh_by_code;
    db_bind_text(s, 1, code);
    int rc = db_step(s);
    if (rc == DB_ROW) {
        *out = (hh_ref){db_col_int(s, 0), db_col_int(s, 1), 0, 0};
        if (db_col_int(s, 2)) out->flags |= HH_ACTIVE;
    }
    db_reset(s);
    if (rc == DB_ROW) {
        e = cmap_put(&im->households, &im->keys, code);
        e->id = out->id;
        e->ref = out->grid_id;
        e->flags = out->flags;
        return 0;
    }
    return rc == DB_DONE ? 1 : db_fail(im);
}

/* A new household's number is kept as given unless it is another
 * grid's in the system's format or another household's former number
 * (household.h: household_code_check), asked here without a query per
 * household: the grid its format names from the org cache, the former
 * numbers only while there are any (asked once per transaction).
 * Returns 0, 1 (row error) or -1. */
static int check_new_code(importer *im, const row *r, const char *hcode, const centry *g)
{
    char prefix[64], valid_to[20];
    centry named;
    int64_t other;
    if (household_code_parse(hcode, prefix, sizeof prefix) > 0) {
        if (org_lookup(im, prefix, &named) != 0)
            return -1;
        if ((named.flags & ORG_GRID) && named.id != g->id)
            return row_error(im, r->line, "household_code", HOUSEHOLD_CODE_OTHER_GRID_MSG, hcode, prefix);
    }
    if (im->former_tx != im->tx_number) {
        im->former_tx = im->tx_number;
        im->former_any = db_exists(im->db, SQL_ANY_FORMER_CODE);
    }
    int rc = im->former_any ? household_code_former(im->db, hcode, &other, valid_to) : 1;
    if (rc < 0)
        return db_fail(im);
    return rc == 0 ? row_error(im, r->line, "household_code", HOUSEHOLD_CODE_FORMER_MSG, hcode) : 0;
}

/* Resolves grid, building and household of a row into *hh and the new
 * household input (when is_new). Returns 0, 1 (row error) or -1. */
static int resolve_place(importer *im, row *r, household_input *hin, hh_ref *hh)
{
    const char *gcode = r->v[F_GRID_CODE], *hcode = r->v[F_HOUSEHOLD_CODE], *bcode = r->v[F_BUILDING_CODE];
    if (!gcode)
        return row_error(im, r->line, "grid_code", "网格编码不能为空");
    if (!hcode)
        return row_error(im, r->line, "household_code", "户编号不能为空");
    centry g, b;
    if (org_lookup(im, gcode, &g) != 0)
        return -1;
    if (!(g.flags & ORG_FOUND) || !(g.flags & ORG_IN_SCOPE))
        return row_error(im, r->line, "grid_code", "网格编码“%s”不存在或不在您的管辖范围内", gcode);
    if (!(g.flags & ORG_GRID))
        return row_error(im, r->line, "grid_code", "编码“%s”不是网格", gcode);
    if (g.flags & ORG_CLOSED)
        return row_error(im, r->line, "grid_code", "网格“%s”已撤销，不能再导入住户和居民", gcode);
    int64_t building_id = 0;
    if (bcode) {
        if (org_lookup(im, bcode, &b) != 0)
            return -1;
        if (!(b.flags & ORG_FOUND) || !(b.flags & ORG_IN_SCOPE) || !(b.flags & ORG_BUILDING) || b.ref != g.id)
            return row_error(im, r->line, "building_code", "楼栋编码“%s”不存在或不属于网格“%s”", bcode, gcode);
        if (b.flags & ORG_CLOSED)
            return row_error(im, r->line, "building_code", "楼栋“%s”已撤销，不能再导入住户", bcode);
        building_id = b.id;
    }
    int rc = household_lookup(im, hcode, hh);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        if (hh->grid_id != g.id)
            return row_error(im, r->line, "household_code", "户编号“%s”已登记在其他网格，与网格编码“%s”不符", hcode, gcode);
        if (!(hh->flags & HH_ACTIVE))
            return row_error(im, r->line, "household_code", "户编号“%s”对应的户已注销，不能再导入成员", hcode);
        return 0;
    }
    ms_err fe;
    *hh = (hh_ref){0, g.id, HH_ACTIVE, 1};
    *hin = (household_input){.code = hcode, .grid_id = g.id, .building_id = building_id, .address = r->v[F_ADDRESS]};
    if (!hin->address)
        return row_error(im, r->line, "address", "户编号“%s”是新户，地址不能为空", hcode);
    if (household_input_check(hin, &fe) != 0) {
        const char *field = strcmp(fe.field, "code") == 0 ? "household_code"
                          : strcmp(fe.field, "grid_id") == 0 ? "grid_code" : fe.field;
        return row_error(im, r->line, field, "%s", fe.message);
    }
    return check_new_code(im, r, hcode, &g);
}

/* ---- writing ------------------------------------------------------------- */

static int is_head_relation(const char *relation)
{
    return relation && strcmp(relation, "户主") == 0;
}

static const char *NOTE_IMPORT = "CSV导入";

/* ---- asking for a chunk of records at once ------------------------------ */

/* Whether prefetch_ids found this ID number registered: 1, 0, or -2
 * when it was not asked (then the row asks itself). */
static int ahead_taken(const importer *im, const char *id_number)
{
    uint64_t k = id_key(id_number);
    for (size_t i = 0; i < im->ahead.nids; i++)
        if (im->ahead.id_keys[i] == k)
            return im->ahead.taken[i];
    return -2;
}

/* The trimmed cell of field f in record r, or NULL. */
static char *ahead_cell(const importer *im, const struct record *r, field_id f)
{
    int c = im->hdr.field_col[f];
    if (c < 0 || (size_t)c >= r->nfields)
        return NULL;
    char *v = text_trim(r->fields[c]);
    return *v ? v : NULL;
}

/* Whether the ID numbers of the records read ahead are registered, in
 * one query (resident_ids_taken): those check_row will ask, i.e. the
 * valid ones not seen earlier in the file. 0 or -1. */
static int prefetch_ids(importer *im)
{
    ahead *a = &im->ahead;
    char norm[AHEAD_ROWS][32];
    const char *ids[AHEAD_ROWS];
    a->nids = 0;
    for (size_t i = 0; i < a->n; i++) {
        char *v = ahead_cell(im, &a->rec[i], F_ID_NUMBER);
        if (!v)
            continue;
        const char *id = idcard_normalize(v, norm[a->nids]);
        if (idcard_validate(id, im->today, NULL) != IDCARD_OK || idset_find(&im->ids, id_key(id)))
            continue;
        a->id_keys[a->nids] = id_key(id);
        ids[a->nids++] = id;
    }
    if (resident_ids_taken(im->db, ids, a->nids, a->taken) != 0) {
        a->nids = 0;
        return db_fail(im);
    }
    return 0;
}

/* The households of the records read ahead that the cache does not
 * know, in one query, into the cache as household_lookup would put
 * them; a code not found is cached as absent for this transaction
 * (HH_ABSENT), so that household_lookup does not ask again. 0 or -1. */
static int prefetch_places(importer *im)
{
    ahead *a = &im->ahead;
    const char *codes[AHEAD_ROWS];
    size_t n = 0;
    for (size_t i = 0; i < a->n; i++) {
        char *code = ahead_cell(im, &a->rec[i], F_HOUSEHOLD_CODE);
        centry *e = code ? cmap_get(&im->households, code) : NULL;
        if (code && (!e || ((e->flags & HH_ABSENT) && e->id != im->tx_number)))
            codes[n++] = code;
    }
    if (!n)
        return 0;
    db_stmt *s = im->hh_by_codes;
    for (int k = 0; k < AHEAD_ROWS; k++)
        db_bind_text(s, k + 1, codes[(size_t)k < n ? (size_t)k : 0]);
    for (size_t i = 0; i < n; i++) {
        centry *e = cmap_put(&im->households, &im->keys, codes[i]);
        e->flags = HH_ABSENT;
        e->id = im->tx_number;
        e->ref = 0;
    }
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        centry *e = cmap_put(&im->households, &im->keys, db_col_text(s, 0));
        e->id = db_col_int(s, 1);
        e->ref = db_col_int(s, 2);
        e->flags = db_col_int(s, 3) ? HH_ACTIVE : 0;
    }
    db_reset(s);
    return rc == DB_DONE ? 0 : db_fail(im);
}

/* Reads up to AHEAD_ROWS records (their cells copied), then asks the
 * database about all of them (prefetch_ids, prefetch_places) in the
 * open transaction, which lasts until they are processed (run_rows).
 * Returns csvr_next's last answer (1: more may follow), or -2 on a
 * database error. */
static int read_ahead(importer *im, csvr *in)
{
    ahead *a = &im->ahead;
    char **fields;
    size_t nfields;
    int rc = 1;
    arena_free(&a->mem);
    a->n = a->nids = 0;
    while (a->n < AHEAD_ROWS && (rc = csvr_next(in, &fields, &nfields)) > 0) {
        struct record *r = &a->rec[a->n++];
        r->line = csvr_line(in);
        r->nfields = nfields;
        r->fields = arena_alloc(&a->mem, (nfields ? nfields : 1) * sizeof *r->fields);
        for (size_t c = 0; c < nfields; c++)
            r->fields[c] = arena_strdup(&a->mem, fields[c]);
    }
    if (a->n && im->prefetch && !im->stop_checking && (prefetch_ids(im) != 0 || prefetch_places(im) != 0))
        return -2;
    return rc;
}

/* What the database would refuse on writing the row, asked with SELECTs
 * in the open transaction: its ID number registered already, a second
 * head for its household (one of this file included: HH_HAS_HEAD).
 * Every row is checked so before it is written (write_row), and after a
 * bad row in ALL_OR_NOTHING only checked: nothing more will be imported,
 * so the rest of a large file is not written (and then deleted) just to
 * keep the error report whole. Returns 0, 1 (row error) or -1. */
static int check_row(importer *im, const row *r, const hh_ref *hh)
{
    ms_err err;
    int taken = ahead_taken(im, r->in.id_number);
    if (taken == -2)
        taken = resident_id_taken(im->db, r->in.id_number);
    if (taken < 0)
        return db_fail(im);
    if (taken) {   /* where, at the level the importing account may know (resident.h) */
        char where[512];
        int found = resident_where_registered(im->db, im->o->scope_path, r->in.id_number, where, sizeof where);
        if (found < 0)
            return db_fail(im);
        return row_error(im, r->line, "id_number", "%s", found == 0 ? where : "该身份证号已登记");
    }
    if (is_head_relation(r->in.relation) &&
        ((hh->flags & HH_HAS_HEAD) || (hh->id && resident_head_free(im->db, hh->id, 0, &err) != 0)))
        return row_error(im, r->line, "relation", "户编号“%s”已有户主，一户只能有一位户主", r->v[F_HOUSEHOLD_CODE]);
    return 0;
}

/* The head a row gives a household it did not create (check_row found
 * it free): when the batch commits (set_later_heads), so that no
 * visible row points at a hidden one. (The row that creates a household
 * gives it its head in the INSERT.) */
static int set_head(importer *im, const hh_ref *hh, int64_t rid, size_t line)
{
    if (im->nheads == im->heads_cap) {
        im->heads_cap = im->heads_cap ? im->heads_cap * 2 : 64;
        im->heads = realloc(im->heads, im->heads_cap * sizeof *im->heads);
        if (!im->heads)
            abort();
    }
    im->heads[im->nheads++] = (struct head_later){hh->id, rid, line};
    return DB_DONE;
}

/* Writes one row check_row passed. A failure here is not the row's (see
 * the top of this file): 0, or -1 and the import stops. */
static int write_row(importer *im, row *r, const household_input *hin, hh_ref *hh)
{
    int is_head = is_head_relation(r->in.relation);
    int64_t rid = 0, head = 0;
    int rc = DB_DONE;
    if (hh->is_new) {   /* a new household whose first row is its head gets it in its INSERT */
        head = is_head ? registry_writer_next_resident_id(im->w) : 0;
        rc = is_head && head <= 0 ? DB_ERROR : registry_insert_household_with_head(im->w, hin, head, &hh->id);
        if (rc == DB_DONE)
            rc = registry_log_event(im->w, "household", hh->id, "created", im->o->user_id, NOTE_IMPORT);
    }
    if (rc == DB_DONE)
        rc = registry_insert_resident(im->w, hh->id, hh->grid_id, &r->in, &rid);
    if (rc == DB_DONE && head && rid != head)
        rc = DB_ERROR;
    if (rc == DB_DONE)
        rc = registry_log_event(im->w, "resident", rid, "created", im->o->user_id, NOTE_IMPORT);
    if (rc == DB_DONE && is_head && !head)
        rc = set_head(im, hh, rid, r->line);
    return rc == DB_DONE ? 0 : db_fail(im);
}

/* Remembers what a written (or checked) row changed, for later rows. */
static void row_written(importer *im, const row *r, const hh_ref *hh)
{
    centry *e = cmap_put(&im->households, &im->keys, r->v[F_HOUSEHOLD_CODE]);
    e->id = hh->id;
    e->ref = hh->grid_id;
    e->flags = hh->flags | HH_ACTIVE | (is_head_relation(r->in.relation) ? HH_HAS_HEAD : 0);
    idset_add(&im->ids, id_key(r->in.id_number), (uint32_t)r->line);
    im->imported++;
    if (hh->is_new)
        im->created++;
}

/* Converts, checks and writes one record. Returns 0 (written or
 * rejected: see rep), or -1 on a database failure. */
static int process_row(importer *im, char **fields, size_t nfields, size_t line)
{
    row r;
    household_input hin;
    hh_ref hh;
    memset(&r, 0, sizeof r);
    memset(&hin, 0, sizeof hin);
    r.line = line;
    int rc = split_row(im, fields, nfields, &r);
    if (rc == 2)
        return 0;                      /* a row of empty cells: not counted */
    im->rep->rows++;
    im->tx_rows++;
    if (rc != 0)
        return 0;
    if (convert_resident(im, &r) != 0)
        return 0;
    if ((rc = resolve_place(im, &r, &hin, &hh)) != 0)
        return rc < 0 ? -1 : 0;
    rc = check_row(im, &r, &hh);
    if (rc == 0 && !im->check_only)
        rc = write_row(im, &r, &hin, &hh);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    row_written(im, &r, &hh);
    return 0;
}

/* ---- transactions -------------------------------------------------------- */

static import_counts counts_of(const importer *im)
{
    return (import_counts){(int64_t)im->rep->rows, (int64_t)im->imported, (int64_t)im->created,
                           (int64_t)im->rep->error_rows};
}

static import_owner owner_of(const importer *im)
{
    return (import_owner){im->o->user_id, im->o->username, im->o->client_ip, im->o->scope_path};
}

/* The import's audit row, in the transaction that commits the batch. */
static int audit_import(importer *im)
{
    char detail[512];
    const import_report *rep = im->rep;
    const char *mode = im->o->mode == IMPORT_ALL_OR_NOTHING ? "all" : "valid";
    snprintf(detail, sizeof detail, "CSV导入（%s，批次 #%lld%s%s）：读取%zu行，导入%zu人、新建%zu户，错误%zu行",
             im->o->mode == IMPORT_ALL_OR_NOTHING ? "全部成功才导入" : "只导入有效行", (long long)im->batch_id,
             im->o->file_name ? "，文件 " : "", im->o->file_name ? im->o->file_name : "", rep->rows, im->imported,
             im->created, rep->error_rows);
    utf8_trim_partial(detail);
    char residents[96], households[96];
    snprintf(residents, sizeof residents, "/api/v1/residents?import_batch_id=%lld&status=all", (long long)im->batch_id);
    snprintf(households, sizeof households, "/api/v1/households?import_batch_id=%lld&status=all",
             (long long)im->batch_id);
    json_t *after = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:{s:s, s:s}}", "mode", mode, "batch",
                              (json_int_t)im->batch_id, "rows", (json_int_t)rep->rows, "imported",
                              (json_int_t)im->imported, "households_created", (json_int_t)im->created,
                              "error_rows", (json_int_t)rep->error_rows, "created", "residents", residents,
                              "households", households);
    audit_entry e = {
        .user_id = im->o->user_id,
        .username = im->o->username,
        .client_ip = im->o->client_ip,
        .action = "import",
        .entity = "resident",
        .org_path = im->o->scope_path,
        .after = after,
        .detail = detail,
    };
    int rc = audit_write(im->db, &e);
    json_decref(after);
    return rc;
}

static int tx_begin(importer *im)
{
    if (db_begin(im->db) != DB_DONE) {
        set_fatal(im, "数据库繁忙，导入中断，已导入的部分将撤销，请稍后重试");
        return -1;
    }
    im->in_tx = 1;
    im->tx_rows = 0;
    im->tx_number++;
    registry_writer_begin_tx(im->w);
    clock_gettime(CLOCK_MONOTONIC, &im->tx_start);
    return 0;
}

static void tx_rollback(importer *im)
{
    if (im->in_tx)
        db_rollback(im->db);
    im->in_tx = 0;
}

/* Sends the rows the writer kept (PostgreSQL: COPY), before anything
 * reads them and before the transaction commits. 0 or -1. */
static int flush_rows(importer *im)
{
    return registry_writer_flush(im->w) == DB_DONE ? 0 : db_fail(im);
}

/* Commits the open transaction of rows (still hidden: the batch runs). */
static int tx_commit_rows(importer *im)
{
    import_counts c = counts_of(im);
    if (flush_rows(im) != 0 || import_batch_touch(im->db, im->batch_id, &c) != 0 || db_commit(im->db) != DB_DONE) {
        db_fail(im);
        tx_rollback(im);
        return -1;
    }
    im->in_tx = 0;
    return 0;
}

/* Time to commit the rows written so far and let other writers in?
 * After IMPORT_TX_ROWS rows or IMPORT_TX_MS when another writer may be
 * waiting (a connection of this process waited for the lock a moment
 * ago, or a server runs elsewhere: db_writer_waiting), else after
 * IMPORT_TX_LONG_MS: fewer, longer transactions write each page of the
 * random indexes (blind index, name) to the WAL fewer times; at a million
 * rows the 100 ms transactions were two thirds of the import's time.
 * Asked after every AHEAD_ROWS records (a few ms), so a writer that
 * comes meanwhile waits no longer than before; never in between, since
 * the answers read_ahead got hold for its records only in the
 * transaction that asked. */
static int tx_due(importer *im)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ms = (long)(now.tv_sec - im->tx_start.tv_sec) * 1000 + (now.tv_nsec - im->tx_start.tv_nsec) / 1000000;
    if (ms >= IMPORT_TX_LONG_MS)
        return 1;
    if (im->tx_rows < IMPORT_TX_ROWS && ms < IMPORT_TX_MS)
        return 0;
    return db_writer_waiting(im->db);
}

/* Commits the open transaction, gives other writers the lock for a
 * moment and begins the next one. */
static int tx_next(importer *im)
{
    if (im->o->dry_run)
        tx_rollback(im);   /* a preview's transactions only read */
    else if (tx_commit_rows(im) != 0)
        return -1;
    usleep(IMPORT_TX_PAUSE_US);
    return tx_begin(im);
}

/* Gives the households registered before their heads from this file
 * (the rule checked again: someone may have set one meanwhile). */
static int set_later_heads(importer *im)
{
    for (size_t i = 0; i < im->nheads; i++) {
        ms_err err;
        const struct head_later *h = &im->heads[i];
        if (resident_head_rule(im->db, h->household_id, h->resident_id, NULL, "户主", &err) != 0) {
            if (err.kind != ERR_INVALID)
                return db_fail(im);
            row_error(im, h->line, "relation", "该户在导入期间已登记了户主，一户只能有一位户主");
            return -1;
        }
    }
    return 0;
}

/* The last transaction: the heads above, the batch committed (its rows
 * visible from now on) and the audit row. */
static int commit_batch(importer *im)
{
    import_counts c = counts_of(im);
    if (flush_rows(im) != 0 || set_later_heads(im) != 0 || import_batch_commit(im->db, im->batch_id, &c) != 0 ||
        audit_import(im) != 0) {
        if (!im->rep->fatal[0] && !im->rep->error_rows)
            db_fail(im);
        tx_rollback(im);
        return -1;
    }
    if (db_commit(im->db) != DB_DONE) {
        db_fail(im);
        tx_rollback(im);
        return -1;
    }
    im->in_tx = 0;
    im->rep->imported = im->imported;
    im->rep->households_created = im->created;
    return 0;
}

/* Deletes what the batch wrote; why goes into the import_undo audit row. */
static void undo_batch(importer *im, const char *why)
{
    ms_err err;
    tx_rollback(im);
    import_owner who = owner_of(im);
    if (import_batch_undo(im->db, im->batch_id, &who, why, NULL, &err) != 0 && !im->rep->fatal[0])
        set_fatal(im, "%s", err.message);
    im->rep->imported = im->rep->households_created = 0;
}

static void report_progress(importer *im, csvr *in, int force)
{
    if (!im->o->progress || (!force && im->rep->rows < im->next_progress))
        return;
    im->next_progress = im->rep->rows + PROGRESS_EVERY;
    im->o->progress(im->rep->rows, csvr_bytes_read(in), csvr_bytes_total(in), im->o->progress_ctx);
}

/* ---- driver -------------------------------------------------------------- */

static int importer_open(importer *im)
{
    im->w = registry_writer_open_bulk(im->db);
    im->org_by_code = db_prepare(im->db, SQL_ORG_BY_CODE);
    im->hh_by_code = db_prepare(im->db, SQL_HOUSEHOLD_BY_CODE);
    im->prefetch = db_conn_is_postgres(im->db);
    char sql[256 + 5 * AHEAD_ROWS];
    im->hh_by_codes = im->prefetch ? db_prepare(im->db, db_sql_keys_lookup(im->db, sql, sizeof sql, HOUSEHOLD_BY_CODES_COLS,
                                                                       "household", "code", AHEAD_ROWS))
                                   : NULL;
    if (!im->w || !im->org_by_code || !im->hh_by_code)
        return db_fail(im);
    return 0;
}

static void importer_close(importer *im)
{
    registry_writer_close(im->w);
    db_finalize(im->org_by_code);
    db_finalize(im->hh_by_code);
    db_finalize(im->hh_by_codes);
    arena_free(&im->ahead.mem);
    free(im->orgs.slots);
    free(im->households.slots);
    idset_free(&im->ids);
    arena_free(&im->keys);
}

/* Reads the header (skipping blank records before it). */
static int start(importer *im, csvr *in)
{
    char **fields;
    size_t nfields;
    int rc = csvr_next(in, &fields, &nfields);
    if (rc < 0) {
        set_fatal(im, "无法读取文件：%s", csvr_error(in));
        return -1;
    }
    if (rc == 0) {
        set_fatal(im, "文件为空：第一行应为表头（姓名、身份证号、网格编码、户编号 …）");
        return -1;
    }
    return read_header(im, fields, nfields);
}

/* Reads and processes every data record, AHEAD_ROWS at a time
 * (read_ahead). Returns IMPORT_* codes. */
static int run_rows(importer *im, csvr *in)
{
    int rc;
    do {
        if ((rc = read_ahead(im, in)) == -2)
            return IMPORT_DB_ERROR;
        for (size_t i = 0; i < im->ahead.n; i++) {
            struct record *r = &im->ahead.rec[i];
            if (im->stop_checking) {
                size_t c = 0;
                while (c < r->nfields && !*text_trim(r->fields[c]))
                    c++;
                im->rep->rows += c < r->nfields;
                continue;
            }
            if (process_row(im, r->fields, r->nfields, r->line) != 0)
                return IMPORT_DB_ERROR;
            report_progress(im, in, 0);
        }
        if (!im->ahead.n || !tx_due(im))
            continue;
        if (im->o->cancelled && im->o->cancelled(im->o->cancel_ctx)) {
            set_fatal(im, "导入已取消（客户端已断开）");
            return IMPORT_CANCELLED;
        }
        if (tx_next(im) != 0)
            return IMPORT_DB_ERROR;
    } while (rc > 0);
    if (rc < 0) {
        set_fatal(im, "文件无法继续解析，导入已停止：%s", csvr_error(in));
        return IMPORT_FATAL;
    }
    return IMPORT_OK;
}

/* Why a batch is undone, for its import_undo audit row. */
static void undo_reason(const importer *im, int rc, char *out, size_t outsz)
{
    if (rc == IMPORT_ROWS_REJECTED)
        snprintf(out, outsz, "%zu 行有错误，全部正确才导入", im->rep->error_rows);
    else
        snprintf(out, outsz, "导入未完成：%s", im->rep->fatal[0] ? im->rep->fatal : "数据库错误");
    utf8_trim_partial(out);
}

/* Writes the rows under a new batch and commits or undoes it. */
static int run_batch(importer *im, csvr *in)
{
    ms_err err;
    import_owner who = owner_of(im);
    const import_options *o = im->o;
    /* A batch left behind by a process that died is undone first. */
    if (import_batch_recover(im->db, 0) < 0) {
        set_fatal(im, "无法撤销此前中断的导入，请稍后重试");
        return IMPORT_DB_ERROR;
    }
    if (import_batch_start(im->db, &who, o->file_name, o->mode == IMPORT_ALL_OR_NOTHING ? "all" : "valid",
                           &im->batch_id, &err) != 0) {
        set_fatal(im, "%s", err.message);
        return err.kind == ERR_CONFLICT ? IMPORT_CONFLICT : IMPORT_DB_ERROR;
    }
    int rc = IMPORT_DB_ERROR;
    if (importer_open(im) == 0 && tx_begin(im) == 0) {
        registry_writer_set_batch(im->w, im->batch_id);
        int off = counts_batch_triggers_off(im->db);
        if (off < 0)
            db_fail(im);
        else
            rc = run_rows(im, in);
        if (off > 0)
            counts_batch_triggers_on(im->db);
    }
    if (rc == IMPORT_OK && o->mode == IMPORT_ALL_OR_NOTHING && im->rep->error_rows)
        rc = IMPORT_ROWS_REJECTED;
    /* VALID_ONLY keeps the good rows read before a file error. */
    if (rc == IMPORT_OK || (rc == IMPORT_FATAL && o->mode == IMPORT_VALID_ONLY)) {
        size_t errors = im->rep->error_rows;
        if (commit_batch(im) == 0)
            return rc;
        rc = im->rep->error_rows > errors ? IMPORT_ROWS_REJECTED : IMPORT_DB_ERROR;
    }
    char why[300];
    undo_reason(im, rc, why, sizeof why);
    undo_batch(im, why);
    return rc;
}

/* The preview's audit row, in a transaction of its own. 0 or -1. */
static int audit_preview(importer *im)
{
    char detail[512];
    const import_report *rep = im->rep;
    snprintf(detail, sizeof detail, "导入预检（%s%s%s，未写入数据）：读取%zu行，可导入%zu人、新建%zu户，错误%zu行",
             im->o->mode == IMPORT_ALL_OR_NOTHING ? "全部成功才导入" : "只导入有效行",
             im->o->file_name ? "，文件 " : "", im->o->file_name ? im->o->file_name : "", rep->rows, rep->imported,
             rep->households_created, rep->error_rows);
    utf8_trim_partial(detail);
    audit_entry e = {.user_id = im->o->user_id, .username = im->o->username, .client_ip = im->o->client_ip,
                     .action = "import_preview", .entity = "resident", .org_path = im->o->scope_path,
                     .detail = detail};
    if (db_begin(im->db) != DB_DONE)
        return -1;
    if (audit_write(im->db, &e) != 0 || db_commit(im->db) != DB_DONE) {
        db_rollback(im->db);
        return -1;
    }
    return 0;
}

/* The preview (import_options.dry_run): the rows checked as run_batch
 * checks them before writing (check_only from the first row: what a
 * real import does after a bad row in ALL_OR_NOTHING), no batch, every
 * transaction rolled back. */
static int run_dry(importer *im, csvr *in)
{
    int rc = IMPORT_DB_ERROR;
    im->check_only = 1;
    if (importer_open(im) == 0 && tx_begin(im) == 0)
        rc = run_rows(im, in);
    tx_rollback(im);
    if (rc == IMPORT_OK && im->o->mode == IMPORT_ALL_OR_NOTHING && im->rep->error_rows)
        rc = IMPORT_ROWS_REJECTED;
    if (rc == IMPORT_OK || (rc == IMPORT_FATAL && im->o->mode == IMPORT_VALID_ONLY)) {
        im->rep->imported = im->imported;
        im->rep->households_created = im->created;
    }
    if (audit_preview(im) != 0) {
        set_fatal(im, "数据库繁忙，预检未能记入审计日志，请稍后重试");
        return IMPORT_DB_ERROR;
    }
    return rc;
}

int import_residents(db_conn *db, csvr *in, const import_options *o, import_report *rep)
{
    importer im;
    memset(rep, 0, sizeof *rep);
    rep->errors = json_array();
    memset(&im, 0, sizeof im);
    im.db = db;
    im.o = o;
    im.rep = rep;
    im.today = date_today_local();
    im.next_progress = PROGRESS_EVERY;

    int rc = IMPORT_FATAL;
    rep->dry_run = o->dry_run;
    if ((!o->mapping || parse_mapping(&im, o->mapping) == 0) && start(&im, in) == 0)
        rc = o->dry_run ? run_dry(&im, in) : run_batch(&im, in);
    rep->batch_id = im.batch_id;
    tx_rollback(&im);
    report_progress(&im, in, 1);
    importer_close(&im);
    free(im.heads);
    return rc;
}

void import_report_free(import_report *rep)
{
    if (!rep)
        return;
    json_decref(rep->errors);
    rep->errors = NULL;
}

json_t *import_report_json(const import_report *rep)
{
    json_t *errors = rep->errors ? json_incref(rep->errors) : json_array();
    json_t *j = json_pack("{s:I, s:I, s:I, s:I, s:I, s:o}", "batch", (json_int_t)rep->batch_id,
                          "rows", (json_int_t)rep->rows,
                          "imported", (json_int_t)rep->imported,
                          "households_created", (json_int_t)rep->households_created,
                          "error_rows", (json_int_t)rep->error_rows, "errors", errors);
    if (rep->fatal[0])
        json_object_set_new(j, "fatal", json_string(rep->fatal));
    if (rep->dry_run)
        json_object_set_new(j, "dry_run", json_true());
    return j;
}

/* ---- export -------------------------------------------------------------- */

/* C_ID, C_PHONE, C_DIS_TYPE and C_GRADE read the row's decrypted values
 * (resident_decrypt_values), their columns only say whether there is one. */
typedef enum col_fmt { C_TEXT, C_ID, C_SEX, C_BIRTH, C_PHONE, C_DIS_TYPE, C_GRADE, C_PARTY, C_TAGS } col_fmt;
#define EXPORT_COL_ID 19   /* r.id: what the ciphertexts are bound to */

/* The export layout: header (all read back by import_residents), the
 * field code X-Export-Fields names it by, the column of SQL_EXPORT, and
 * how the value is written. */
static const struct export_col {
    const char *header, *code;
    int col;
    col_fmt fmt;
} EXPORT_COLS[] = {
    {"户编号", "household_code", 0, C_TEXT},        {"网格编码", "grid_code", 1, C_TEXT},
    {"网格名称", "grid_name", 2, C_TEXT},           {"楼栋编码", "building_code", 3, C_TEXT},
    {"地址", "address", 4, C_TEXT},                 {"姓名", "name", 5, C_TEXT},
    {"身份证号", "id_number", 6, C_ID},             {"性别", "sex", 7, C_SEX},
    {"出生日期", "birth_date", 8, C_BIRTH},         {"与户主关系", "relation", 9, C_TEXT},
    {"联系电话", "phone", 10, C_PHONE},             {"户籍类型", "hukou_type", 11, C_TEXT},
    {"居住状态", "residence_status", 12, C_TEXT},   {"就业状态", "employment_status", 13, C_TEXT},
    {"残疾类别", "disability_type", 14, C_DIS_TYPE}, {"残疾等级", "disability_grade", 15, C_GRADE},
    {"是否党员", "party_member", 16, C_PARTY},      {"标签", "tags", 17, C_TAGS},
    {"备注", "notes", 18, C_TEXT},
};
#define NEXPORT_COLS (sizeof EXPORT_COLS / sizeof EXPORT_COLS[0])

/* 1 when column c is masked in this export. */
static int export_masked(const struct export_col *c, const export_filter *f)
{
    return (c->fmt == C_ID && !f->full_id) || (c->fmt == C_PHONE && !f->full_phone);
}

/* 1 when column c holds the birth year only: the birth date goes with
 * the full ID number only. */
static int export_year_only(const struct export_col *c, const export_filter *f)
{
    return c->fmt == C_BIRTH && !f->full_id;
}

void export_residents_fields(const export_filter *f, char *codes, size_t codes_sz, char *names, size_t names_sz)
{
    size_t a = 0, b = 0;
    codes[0] = names[0] = '\0';
    for (size_t i = 0; i < NEXPORT_COLS; i++) {
        const struct export_col *c = &EXPORT_COLS[i];
        int masked = export_masked(c, f), year = export_year_only(c, f);
        if (a < codes_sz)
            a += (size_t)snprintf(codes + a, codes_sz - a, "%s%s%s", i ? "," : "", year ? "birth_year" : c->code,
                                  masked ? ":masked" : "");
        if (b < names_sz)
            b += (size_t)snprintf(names + b, names_sz - b, "%s%s%s", i ? "、" : "", year ? "出生年份" : c->header,
                                  masked ? "（已脱敏）" : "");
    }
}

/* Tag codes "dibao,elderly" → labels in tag order, joined by 、. */
static void tag_labels(const char *codes, strbuf *out)
{
    unsigned mask = 0;
    for (size_t i = 0; resident_tag_codes[i]; i++) {
        size_t n = strlen(resident_tag_codes[i]);
        for (const char *p = codes; (p = strstr(p, resident_tag_codes[i])) != NULL; p += n)
            if ((p == codes || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
                mask |= 1u << i;
    }
    for (size_t i = 0; resident_tag_codes[i]; i++)
        if (mask & (1u << i))
            sb_printf(out, "%s%s", out->len ? "、" : "", resident_tag_labels[i]);
}

/* One cell of the current row into buf (or tmp for composed values). */
static const char *export_cell(db_stmt *s, const struct export_col *c, const export_filter *f,
                               const resident *dec, char buf[64], strbuf *tmp)
{
    static const char *const GRADES[] = {"", "一级", "二级", "三级", "四级"};
    const char *v = db_col_text(s, c->col);
    if (db_col_is_null(s, c->col))
        return "";
    switch (c->fmt) {
    case C_TEXT:
        return v;
    case C_ID:
        return f->full_id ? dec->id_number : idcard_mask(dec->id_number, buf);
    case C_SEX:
        return strcmp(v, "M") == 0 ? "男" : "女";
    case C_BIRTH:   /* the birth date goes with the full ID number only (its header: 出生年份) */
        return f->full_id ? v : (snprintf(buf, 64, "%.4s", v), buf);
    case C_PHONE:
        return f->full_phone ? dec->phone : phone_mask(dec->phone, buf, 64);
    case C_DIS_TYPE:
        return dec->disability_type;
    case C_GRADE:
        return dec->disability_grade >= 1 && dec->disability_grade <= 4 ? GRADES[dec->disability_grade] : "";
    case C_PARTY:
        return db_col_int(s, c->col) ? "是" : "否";
    case C_TAGS:
        sb_reset(tmp);
        tag_labels(v, tmp);
        return tmp->data ? tmp->data : "";
    }
    return "";
}

/* The statement of f's residents: its own filters (scope path,
 * building, active) or the list's (f->where), in f->order_by or the
 * export's order. NULL on a prepare error. */
static db_stmt *export_prepare(db_conn *db, const export_filter *f)
{
    strbuf sql = STRBUF_INIT;
    db_stmt *s;
    if (f->where) {
        sb_printf(&sql, " ORDER BY %s", f->order_by ? f->order_by : SQL_EXPORT_ORDER);
        s = q_prepare_with(db, SQL_EXPORT(db), f->where, sql.data);
    } else {
        sb_puts(&sql, SQL_EXPORT(db));
        sb_puts(&sql, SQL_EXPORT_WHERE " ORDER BY " SQL_EXPORT_ORDER);
        s = db_prepare(db, sql.data);
        db_bind_text(s, 1, f->scope_path ? f->scope_path : "");
        db_bind_int(s, 2, f->building_id > 0 ? f->building_id : 0);
        db_bind_int(s, 3, f->building_id > 0 ? f->building_id : 0);
    }
    sb_free(&sql);
    return s;
}

long export_residents_rows(db_conn *db, const export_filter *f, export_row_fn emit, void *ctx)
{
    const char *cells[NEXPORT_COLS];
    char bufs[NEXPORT_COLS][64];
    strbuf tags = STRBUF_INIT;
    resident dec;
    long rows = 0, n = -1;
    int rc;
    for (size_t i = 0; i < NEXPORT_COLS; i++)
        cells[i] = export_year_only(&EXPORT_COLS[i], f) ? "出生年份" : EXPORT_COLS[i].header;
    db_stmt *s = export_prepare(db, f);
    if (!s || emit(cells, NEXPORT_COLS, ctx) != 0)
        goto cleanup;
    while ((rc = db_step(s)) == DB_ROW) {
        if (f->max_rows > 0 && rows >= f->max_rows) {
            n = EXPORT_TOO_MANY;
            goto cleanup;
        }
        resident_decrypt_values(db_col_int(s, EXPORT_COL_ID), db_col_text(s, 6), db_col_text(s, 10),
                                db_col_text(s, 14), &dec);
        for (size_t i = 0; i < NEXPORT_COLS; i++)
            cells[i] = export_cell(s, &EXPORT_COLS[i], f, &dec, bufs[i], &tags);
        rc = emit(cells, NEXPORT_COLS, ctx);
        sodium_memzero(&dec, sizeof dec);
        sodium_memzero(bufs, sizeof bufs);
        if (rc != 0)
            goto cleanup;
        rows++;
    }
    if (rc == DB_DONE)
        n = rows;
cleanup:
    db_finalize(s);
    sb_free(&tags);
    return n;
}

/* The CSV of export_residents_write: rows into out, handed to the sink
 * in chunks of 64 KiB. */
typedef struct csv_export {
    const export_filter *f;
    strbuf out;
    int header_done;
    int (*sink)(const char *data, size_t len, void *ctx);
    void *ctx;
} csv_export;

static int csv_export_row(const char *const *cells, size_t n, void *ctx)
{
    csv_export *c = ctx;
    char id[64];
    const char *line[NEXPORT_COLS];
    memcpy(line, cells, n * sizeof *line);
    if (!c->header_done) {
        c->header_done = 1;
        sb_puts(&c->out, "\xEF\xBB\xBF");
    } else if (c->f->full_id) {
        /* A tab keeps Excel from turning 18 digits into 3.71702E+17;
         * CSV readers (and import_residents) trim it. */
        for (size_t i = 0; i < n; i++)
            if (EXPORT_COLS[i].fmt == C_ID && *cells[i]) {
                snprintf(id, sizeof id, "\t%s", cells[i]);
                line[i] = id;
            }
    }
    csvw_row(&c->out, line, n);
    sodium_memzero(id, sizeof id);
    if (c->out.len < 65536)
        return 0;
    int rc = c->sink(c->out.data, c->out.len, c->ctx);
    sb_reset(&c->out);
    return rc;
}

long export_residents_write(db_conn *db, const export_filter *f,
                            int (*sink)(const char *data, size_t len, void *ctx), void *ctx)
{
    csv_export c = {.f = f, .out = STRBUF_INIT, .sink = sink, .ctx = ctx};
    long n = export_residents_rows(db, f, csv_export_row, &c);
    if (n >= 0 && c.out.len && sink(c.out.data, c.out.len, ctx) != 0)
        n = -1;
    sb_free(&c.out);
    return n;
}

static int file_sink(const char *data, size_t len, void *ctx)
{
    return fwrite(data, 1, len, (FILE *)ctx) == len ? 0 : -1;
}

int export_residents_csv(db_conn *db, const char *scope_path, int full_id, const char *purpose, FILE *out)
{
    export_filter f = {.scope_path = scope_path, .full_id = full_id, .full_phone = full_id};
    char detail[1024];
    if (full_id && (!purpose || !*purpose))
        return -1;
    long n = export_residents_write(db, &f, file_sink, out);
    if (n < 0 || fflush(out) != 0)
        return -1;
    char codes[512], names[640];
    export_residents_fields(&f, codes, sizeof codes, names, sizeof names);
    fprintf(stderr, "导出字段：%s\n", names);
    snprintf(detail, sizeof detail, "命令行导出居民 %ld 人；完整身份证号：%s%s%s；字段：%s", n, full_id ? "是" : "否",
             full_id ? "；用途：" : "", full_id ? purpose : "", names);
    audit_entry e = {.action = "export", .entity = "resident", .org_path = scope_path, .detail = detail};
    if (db_begin(db) != DB_DONE)
        return -1;
    if (audit_write(db, &e) != 0 || db_commit(db) != DB_DONE) {
        db_rollback(db);
        return -1;
    }
    return 0;
}
