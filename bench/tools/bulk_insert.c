/* bulk_insert.c — the import floor of bench/compare.sh: the rows of the
 * CSV `minsheng export residents --full-id` writes, inserted in ONE
 * transaction with statements prepared once. Two modes:
 *
 *   bulk_insert [--row-triggers] CSV DB     (stored: the default)
 *     DB holds the org tree only (`minsheng --db DB demo --households 0`,
 *     its key file beside it): the database `minsheng import` writes
 *     into, with the project's schema and indexes. The maintained counts
 *     (registry_count) are kept the cheapest way: triggers off while the
 *     rows go in, then one grouped pass that adds the new rows' counts
 *     (the import does the same for its batch); with --row-triggers the
 *     triggers of migration 0009 count each row as it is inserted (and
 *     every INSERT gets a statement journal: slower). The rows
 *     are stored as the import stores them: a household per 户编号
 *     (its head in the INSERT), a resident per row with ID number, phone
 *     and disability encrypted and blind-indexed by the project's own
 *     code (resident_encrypt_values: XChaCha20-Poly1305 bound to table,
 *     column and row id, so the ids are chosen in memory, max + 1), its
 *     tags, and a 'created' registry_event per household and resident.
 *     Left out, as the import's own work: validation of any kind (ID
 *     check digit, enumerations, lengths, scope), the checks for an ID
 *     number already registered or a second head, the import batch
 *     (import_batch_id NULL: the rows are visible at once), the short
 *     transactions and the pauses between them, the audit row. The
 *     connection is set as the import's (WAL, foreign keys, secure
 *     delete, 64 MiB page cache, temp store in memory); one fsync, at
 *     COMMIT (synchronous=FULL). `minsheng check` and an export of DB
 *     read back what the import would have written.
 *
 *   bulk_insert --plain CSV NEW.db
 *     The floor before: a fresh database of its own, PLAINTEXT, no
 *     validation, encryption, blind index, tags table, history, audit,
 *     import batch or triggers; a household per 户编号 (unique) and a
 *     resident per 身份证号 (unique), and the list indexes (resident by
 *     grid and name, by name, by household; household by grid).
 *
 * Prints "rows=N seconds=S rows_per_s=X failed=F" (the time includes
 * closing the database: its last checkpoint). */
#include "core/err.h"
#include "core/keys.h"
#include "registry/registry.h"
#include "registry/resident.h"

#include <csv.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NFIELDS 19   /* the export's columns, 户编号 … 备注 */
enum { F_HH, F_GRID, F_GRID_NAME, F_BUILDING, F_ADDRESS, F_NAME, F_ID, F_SEX, F_BIRTH, F_RELATION, F_PHONE,
       F_HUKOU, F_RESIDENCE, F_EMPLOYMENT, F_DIS_TYPE, F_DIS_GRADE, F_PARTY, F_TAGS, F_NOTES };

static const char PLAIN_SCHEMA[] =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
    "CREATE TABLE household(id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, grid_code TEXT NOT NULL,"
    " building_code TEXT, address TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'active');"
    "CREATE INDEX household_grid ON household(grid_code, status);"
    "CREATE TABLE resident(id INTEGER PRIMARY KEY, id_number TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
    " sex TEXT, birth_date TEXT, household_id INTEGER NOT NULL, grid_code TEXT NOT NULL, relation TEXT,"
    " phone TEXT, hukou_type TEXT, residence_status TEXT, employment TEXT, disability_type TEXT,"
    " disability_grade TEXT, party_member TEXT, tags TEXT, notes TEXT, status TEXT NOT NULL DEFAULT 'active');"
    "CREATE INDEX resident_grid_name ON resident(grid_code, status, name);"
    "CREATE INDEX resident_name ON resident(name, status);"
    "CREATE INDEX resident_household ON resident(household_id);";

/* The import's connection settings (storage/db_sqlite.c), one fsync at COMMIT. */
static const char STORED_PRAGMAS[] =
    "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;"
    " PRAGMA synchronous=FULL; PRAGMA secure_delete=ON;";

/* The import's INSERTs (registry/registry.c, registry/history.c). */
static const char SQL_HOUSEHOLD[] =
    "INSERT INTO household(id, code, grid_id, building_id, address, registered_address, actual_address,"
    " phone_enc, notes, created_at, updated_at, import_batch_id, head_resident_id)"
    " VALUES (?,?,?,?,?,NULL,NULL,NULL,NULL,?,?,NULL,?)";
static const char SQL_RESIDENT[] =
    "INSERT INTO resident(id, id_number_bidx, id_number_enc, name, sex, birth_date, household_id, grid_id,"
    " relation, phone_bidx, phone_enc, hukou_type, residence_status, employment, disability_enc, party_member,"
    " notes, created_at, updated_at, import_batch_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,NULL)";
static const char SQL_TAG[] = "INSERT OR IGNORE INTO resident_tag(resident_id, tag) VALUES (?,?)";
static const char SQL_EVENT[] =
    "INSERT INTO registry_event(entity, entity_id, kind, note, created_at) VALUES (?, ?, 'created', 'CSV导入', ?)";
static const char SQL_SET_HEAD[] = "UPDATE household SET head_resident_id = ?, version = version + 1 WHERE id = ?";
/* The counts of the households from id ?1 and the residents from id ?2
 * on, added in one pass (as trigger registry_count_batch_state adds a
 * committed batch's). */
static const char SQL_COUNT_NEW[] =
    "INSERT INTO registry_count(unit_id, what, n)"
    " SELECT CASE k WHEN 0 THEN g ELSE b END AS u, 'households', SUM(c)"
    "  FROM (SELECT h.grid_id AS g, h.building_id AS b, COUNT(*) AS c FROM household h"
    "         WHERE h.id >= ?1 AND h.status = 'active' GROUP BY h.grid_id, h.building_id),"
    "       (SELECT 0 AS k UNION ALL SELECT 1)"
    "  WHERE u IS NOT NULL GROUP BY u"
    " ON CONFLICT(unit_id, what) DO UPDATE SET n = n + excluded.n;"
    "INSERT INTO registry_count(unit_id, what, n)"
    " SELECT CASE k WHEN 0 THEN g ELSE b END AS u, w, SUM(c)"
    "  FROM (SELECT r.grid_id AS g, h.building_id AS b, 'residents' AS w, COUNT(*) AS c"
    "          FROM resident r JOIN household h ON h.id = r.household_id"
    "         WHERE r.id >= ?2 AND r.status = 'active' GROUP BY r.grid_id, h.building_id"
    "        UNION ALL"
    "        SELECT r.grid_id, h.building_id, t.tag, COUNT(*)"
    "          FROM resident r JOIN household h ON h.id = r.household_id JOIN resident_tag t ON t.resident_id = r.id"
    "         WHERE r.id >= ?2 AND r.status = 'active' GROUP BY r.grid_id, h.building_id, t.tag),"
    "       (SELECT 0 AS k UNION ALL SELECT 1)"
    "  WHERE u IS NOT NULL GROUP BY u, w"
    " ON CONFLICT(unit_id, what) DO UPDATE SET n = n + excluded.n";

/* ---- code → id (open addressing; keys copied) ------------------------------ */

typedef struct idmap {
    char **keys;
    sqlite3_int64 *ids;
    size_t cap, n;
} idmap;

static size_t slot(const idmap *m, const char *k)
{
    size_t h = 14695981039346656037u;
    for (const unsigned char *p = (const unsigned char *)k; *p; p++)
        h = (h ^ *p) * 1099511628211u;
    size_t i = h & (m->cap - 1);
    while (m->keys[i] && strcmp(m->keys[i], k) != 0)
        i = (i + 1) & (m->cap - 1);
    return i;
}

static sqlite3_int64 idmap_get(const idmap *m, const char *k)
{
    if (!m->cap)
        return 0;
    size_t i = slot(m, k);
    return m->keys[i] ? m->ids[i] : 0;
}

static void idmap_put(idmap *m, const char *k, sqlite3_int64 id)
{
    if ((m->n + 1) * 2 > m->cap) {
        idmap old = *m;
        m->cap = old.cap ? old.cap * 2 : 1024;
        m->keys = calloc(m->cap, sizeof *m->keys);
        m->ids = calloc(m->cap, sizeof *m->ids);
        if (!m->keys || !m->ids)
            abort();
        for (size_t i = 0; i < old.cap; i++)
            if (old.keys[i]) {
                size_t j = slot(m, old.keys[i]);
                m->keys[j] = old.keys[i];
                m->ids[j] = old.ids[i];
            }
        free(old.keys);
        free(old.ids);
    }
    size_t i = slot(m, k);
    if (!m->keys[i]) {
        m->keys[i] = strdup(k);
        m->n++;
    }
    m->ids[i] = id;
}

static void idmap_free(idmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->ids);
}

/* ---- loader ---------------------------------------------------------------------- */

typedef struct loader {
    sqlite3 *db;
    int plain, row_triggers;
    sqlite3_stmt *household, *household_id, *resident, *tag, *event, *set_head;
    char *field[NFIELDS];
    size_t nfield;
    long line, rows;
    char last_code[128];
    sqlite3_int64 last_household;
    /* stored mode */
    idmap orgs;                       /* org_unit code → id */
    sqlite3_int64 next_household, next_resident, first_household, first_resident;
    char now[20];
    int failed;
} loader;

static void die(sqlite3 *db, const char *what)
{
    fprintf(stderr, "bulk_insert: %s: %s\n", what, sqlite3_errmsg(db));
    exit(1);
}

static void prepare(loader *l, const char *sql, sqlite3_stmt **s)
{
    if (sqlite3_prepare_v2(l->db, sql, -1, s, NULL) != SQLITE_OK)
        die(l->db, sql);
}

static void step(loader *l, sqlite3_stmt *s, const char *what)
{
    if (sqlite3_step(s) != SQLITE_DONE && !l->failed++)
        fprintf(stderr, "bulk_insert: line %ld: %s: %s\n", l->line, what, sqlite3_errmsg(l->db));
    sqlite3_reset(s);
}

/* Leading and trailing blanks and tabs (Excel's text marker before ID numbers). */
static const char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static void bind_opt(sqlite3_stmt *s, int i, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, i);
}

static void on_field(void *data, size_t len, void *p)
{
    loader *l = p;
    if (l->nfield < NFIELDS) {
        char *f = malloc(len + 1);
        memcpy(f, data, len);
        f[len] = '\0';
        const char *t = trim(f);
        memmove(f, t, strlen(t) + 1);
        l->field[l->nfield] = f;
    }
    l->nfield++;
}

/* ---- plaintext mode ------------------------------------------------------------- */

static sqlite3_int64 plain_household_of(loader *l, const char *code)
{
    if (strcmp(code, l->last_code) == 0)
        return l->last_household;
    sqlite3_stmt *s = l->household;
    sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, l->field[F_GRID], -1, SQLITE_STATIC);
    bind_opt(s, 3, l->field[F_BUILDING]);
    sqlite3_bind_text(s, 4, l->field[F_ADDRESS], -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE)
        die(l->db, "household");
    sqlite3_reset(s);
    sqlite3_int64 id;
    if (sqlite3_changes(l->db) == 1) {
        id = sqlite3_last_insert_rowid(l->db);
    } else {   /* seen before, not on the previous line */
        sqlite3_bind_text(l->household_id, 1, code, -1, SQLITE_STATIC);
        if (sqlite3_step(l->household_id) != SQLITE_ROW)
            die(l->db, "household id");
        id = sqlite3_column_int64(l->household_id, 0);
        sqlite3_reset(l->household_id);
    }
    snprintf(l->last_code, sizeof l->last_code, "%s", code);
    l->last_household = id;
    return id;
}

static void plain_row(loader *l)
{
    sqlite3_int64 hh = plain_household_of(l, l->field[F_HH]);
    sqlite3_stmt *s = l->resident;
    sqlite3_bind_text(s, 1, l->field[F_ID], -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, l->field[F_NAME], -1, SQLITE_STATIC);
    bind_opt(s, 3, l->field[F_SEX]);
    bind_opt(s, 4, l->field[F_BIRTH]);
    sqlite3_bind_int64(s, 5, hh);
    sqlite3_bind_text(s, 6, l->field[F_GRID], -1, SQLITE_STATIC);
    for (int i = F_RELATION; i < NFIELDS; i++)                       /* 与户主关系 … 备注 */
        bind_opt(s, i - 2, l->field[i]);
    if (sqlite3_step(s) == SQLITE_DONE)
        l->rows++;
    else if (!l->failed++)
        fprintf(stderr, "bulk_insert: line %ld: %s\n", l->line, sqlite3_errmsg(l->db));
    sqlite3_reset(s);
}

static void plain_open(loader *l)
{
    if (sqlite3_exec(l->db, PLAIN_SCHEMA, NULL, NULL, NULL) != SQLITE_OK)
        die(l->db, "schema (the database must be new)");
    prepare(l, "INSERT OR IGNORE INTO household(code, grid_code, building_code, address) VALUES (?,?,?,?)",
            &l->household);
    prepare(l, "SELECT id FROM household WHERE code = ?", &l->household_id);
    prepare(l, "INSERT INTO resident(id_number, name, sex, birth_date, household_id, grid_code, relation, phone,"
               " hukou_type, residence_status, employment, disability_type, disability_grade, party_member, tags,"
               " notes) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", &l->resident);
}

/* ---- stored mode ---------------------------------------------------------------- */

static sqlite3_int64 org_id(loader *l, const char *code)
{
    sqlite3_int64 id = code && *code ? idmap_get(&l->orgs, code) : 0;
    if (code && *code && !id && !l->failed++)
        fprintf(stderr, "bulk_insert: line %ld: no org unit %s\n", l->line, code);
    return id;
}

static void event(loader *l, const char *entity, sqlite3_int64 id)
{
    sqlite3_bind_text(l->event, 1, entity, -1, SQLITE_STATIC);
    sqlite3_bind_int64(l->event, 2, id);
    sqlite3_bind_text(l->event, 3, l->now, -1, SQLITE_STATIC);
    step(l, l->event, "registry_event");
}

/* The row's household: the previous row's, or a new one (its head in
 * the INSERT when this row is it: the export writes the head first). */
static sqlite3_int64 stored_household_of(loader *l, int is_head, int *head_set)
{
    const char *code = l->field[F_HH];
    *head_set = 0;
    if (strcmp(code, l->last_code) == 0)
        return l->last_household;
    sqlite3_int64 id = l->next_household++;
    sqlite3_stmt *s = l->household;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, code, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, org_id(l, l->field[F_GRID]));
    if (*l->field[F_BUILDING])
        sqlite3_bind_int64(s, 4, org_id(l, l->field[F_BUILDING]));
    else
        sqlite3_bind_null(s, 4);
    sqlite3_bind_text(s, 5, l->field[F_ADDRESS], -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, l->now, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, l->now, -1, SQLITE_STATIC);
    if (is_head)
        sqlite3_bind_int64(s, 8, l->next_resident);
    else
        sqlite3_bind_null(s, 8);
    step(l, s, "household");
    event(l, "household", id);
    *head_set = is_head;
    snprintf(l->last_code, sizeof l->last_code, "%s", code);
    l->last_household = id;
    return id;
}

static int grade_of(const char *g)
{
    static const char *const GRADES[] = {"一级", "二级", "三级", "四级"};
    for (int i = 0; i < 4; i++)
        if (strcmp(g, GRADES[i]) == 0)
            return i + 1;
    return 0;
}

/* The export's tag labels, joined by 、, as tag rows. */
static void tags(loader *l, sqlite3_int64 rid, char *labels)
{
    static const char SEP[] = "、";
    for (char *t = labels, *end; *t; t = end) {
        end = strstr(t, SEP);
        if (end) {
            *end = '\0';
            end += sizeof SEP - 1;
        } else {
            end = t + strlen(t);
        }
        sqlite3_bind_int64(l->tag, 1, rid);
        sqlite3_bind_text(l->tag, 2, resident_tag_code(t), -1, SQLITE_STATIC);
        step(l, l->tag, "resident_tag");
    }
}

static void stored_row(loader *l)
{
    char **f = l->field, birth[11];
    const char *id_number = f[F_ID];
    int is_head = strcmp(f[F_RELATION], "户主") == 0, head_set, grade = grade_of(f[F_DIS_GRADE]);
    sqlite3_int64 hh = stored_household_of(l, is_head, &head_set);
    sqlite3_int64 rid = l->next_resident++;
    resident_cipher c;
    if (strlen(id_number) != 18 ||
        resident_encrypt_values(rid, id_number, f[F_PHONE], *f[F_DIS_TYPE] ? f[F_DIS_TYPE] : NULL, grade, &c) != 0) {
        if (!l->failed++)
            fprintf(stderr, "bulk_insert: line %ld: cannot encrypt (ID number or key file)\n", l->line);
        return;
    }
    snprintf(birth, sizeof birth, "%.4s-%.2s-%.2s", id_number + 6, id_number + 10, id_number + 12);
    sqlite3_stmt *s = l->resident;
    sqlite3_bind_int64(s, 1, rid);
    sqlite3_bind_text(s, 2, c.id_number_bidx, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, c.id_number_enc, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, f[F_NAME], -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, (id_number[16] - '0') % 2 ? "M" : "F", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, birth, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 7, hh);
    sqlite3_bind_int64(s, 8, org_id(l, f[F_GRID]));
    sqlite3_bind_text(s, 9, *f[F_RELATION] ? f[F_RELATION] : "其他", -1, SQLITE_STATIC);
    bind_opt(s, 10, c.phone_bidx);
    bind_opt(s, 11, c.phone_enc);
    bind_opt(s, 12, f[F_HUKOU]);
    sqlite3_bind_text(s, 13, *f[F_RESIDENCE] ? f[F_RESIDENCE] : "户籍", -1, SQLITE_STATIC);
    bind_opt(s, 14, f[F_EMPLOYMENT]);
    bind_opt(s, 15, c.disability_enc);
    sqlite3_bind_int(s, 16, strcmp(f[F_PARTY], "是") == 0);
    bind_opt(s, 17, f[F_NOTES]);
    sqlite3_bind_text(s, 18, l->now, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 19, l->now, -1, SQLITE_STATIC);
    int failed = l->failed;
    step(l, s, "resident");
    if (l->failed == failed)
        l->rows++;
    tags(l, rid, f[F_TAGS]);
    event(l, "resident", rid);
    if (is_head && !head_set) {   /* a head after other members */
        sqlite3_bind_int64(l->set_head, 1, rid);
        sqlite3_bind_int64(l->set_head, 2, hh);
        step(l, l->set_head, "head");
    }
}

static sqlite3_int64 next_id(loader *l, const char *table)
{
    char sql[80];
    sqlite3_stmt *s;
    snprintf(sql, sizeof sql, "SELECT COALESCE(MAX(id), 0) + 1 FROM %s", table);
    prepare(l, sql, &s);
    sqlite3_int64 id = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_finalize(s);
    return id;
}

static void stored_open(loader *l, const char *path)
{
    ms_err err;
    if (keys_load(path, NULL, &err) != 0) {
        fprintf(stderr, "bulk_insert: %s\n", err.message);
        exit(1);
    }
    if (sqlite3_exec(l->db, STORED_PRAGMAS, NULL, NULL, NULL) != SQLITE_OK)
        die(l->db, "pragmas");
    sqlite3_stmt *s;
    prepare(l, "SELECT code, id FROM org_unit", &s);
    while (sqlite3_step(s) == SQLITE_ROW)
        idmap_put(&l->orgs, (const char *)sqlite3_column_text(s, 0), sqlite3_column_int64(s, 1));
    sqlite3_finalize(s);
    if (!l->orgs.n)
        die(l->db, "no org tree (make DB with `minsheng --db DB demo --households 0`)");
    prepare(l, SQL_HOUSEHOLD, &l->household);
    prepare(l, SQL_RESIDENT, &l->resident);
    prepare(l, SQL_TAG, &l->tag);
    prepare(l, SQL_EVENT, &l->event);
    prepare(l, SQL_SET_HEAD, &l->set_head);
    if (!l->row_triggers && sqlite3_db_config(l->db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL) != SQLITE_OK)
        die(l->db, "triggers off");
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(l->now, sizeof l->now, "%Y-%m-%d %H:%M:%S", &tm);
}

/* Adds the counts of the rows inserted (the triggers were off). */
static void count_new_rows(loader *l)
{
    const char *sql = SQL_COUNT_NEW, *tail;
    while (*sql) {
        sqlite3_stmt *s;
        if (sqlite3_prepare_v2(l->db, sql, -1, &s, &tail) != SQLITE_OK)
            die(l->db, "count");
        sqlite3_bind_int64(s, 1, l->first_household);
        sqlite3_bind_int64(s, 2, l->first_resident);
        if (sqlite3_step(s) != SQLITE_DONE)
            die(l->db, "count");
        sqlite3_finalize(s);
        sql = tail;
    }
}

/* ---- driver ------------------------------------------------------------------------- */

static void on_row(int c, void *p)
{
    (void)c;
    loader *l = p;
    l->line++;
    if (l->line > 1 && l->nfield == NFIELDS) {
        if (l->plain)
            plain_row(l);
        else
            stored_row(l);
    } else if (l->line > 1 && !l->failed++) {
        fprintf(stderr, "bulk_insert: line %ld has %zu fields, not %d\n", l->line, l->nfield, NFIELDS);
    }
    for (size_t i = 0; i < l->nfield && i < NFIELDS; i++)
        free(l->field[i]);
    l->nfield = 0;
}

int main(int argc, char **argv)
{
    loader l = {0};
    int a = 1;
    for (; a < argc && argv[a][0] == '-'; a++) {
        if (strcmp(argv[a], "--plain") == 0)
            l.plain = 1;
        else if (strcmp(argv[a], "--row-triggers") == 0)
            l.row_triggers = 1;
        else
            break;
    }
    if (argc - a != 2) {
        fprintf(stderr, "usage: bulk_insert [--plain | --row-triggers] CSV DB\n");
        return 2;
    }
    const char *csv_path = argv[a], *db_path = argv[a + 1];
    FILE *in = fopen(csv_path, "rb");
    if (!in) {
        perror(csv_path);
        return 1;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (sqlite3_open(db_path, &l.db) != SQLITE_OK)
        die(l.db, db_path);
    if (l.plain) {
        plain_open(&l);
    } else {
        stored_open(&l, db_path);
        l.next_household = next_id(&l, "household");
        l.next_resident = next_id(&l, "resident");
        l.first_household = l.next_household;
        l.first_resident = l.next_resident;
    }
    if (sqlite3_exec(l.db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        die(l.db, "begin");

    struct csv_parser p;
    csv_init(&p, CSV_APPEND_NULL);
    char buf[1 << 16];
    size_t n;
    int bom_checked = 0;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        char *b = buf;
        if (!bom_checked && n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
            b += 3;
            n -= 3;
        }
        bom_checked = 1;
        if (csv_parse(&p, b, n, on_field, on_row, &l) != n) {
            fprintf(stderr, "bulk_insert: %s\n", csv_strerror(csv_error(&p)));
            return 1;
        }
    }
    csv_fini(&p, on_field, on_row, &l);
    csv_free(&p);
    fclose(in);
    if (!l.plain && !l.row_triggers)
        count_new_rows(&l);
    if (sqlite3_exec(l.db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        die(l.db, "commit");
    sqlite3_stmt *const stmts[] = {l.household, l.household_id, l.resident, l.tag, l.event, l.set_head};
    for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++)
        sqlite3_finalize(stmts[i]);
    sqlite3_close(l.db);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    idmap_free(&l.orgs);
    keys_clear();
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("rows=%ld seconds=%.2f rows_per_s=%.0f failed=%d\n", l.rows, secs, l.rows / secs, l.failed);
    return l.failed ? 1 : 0;
}
