/* bulk_insert.c — the import floor of bench/compare.sh: reads the CSV
 * `minsheng export residents --full-id` writes and inserts its rows into
 * a fresh SQLite database in ONE transaction with prepared statements,
 * in PLAINTEXT: no validation, no encryption or blind index, no tags
 * table, no history or audit rows, no import batch. What is kept of the
 * real schema: a household per 户编号 (unique) and a resident per 身份证号
 * (unique), and the secondary indexes minsheng's lists need (resident by
 * grid and name, by name, by household; household by grid). WAL mode,
 * 64 MiB page cache, one fsync at the commit.
 *
 *   bulk_insert CSV NEW.db
 *
 * Prints "rows=N seconds=S rows_per_s=X". */
#include <csv.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NFIELDS 19   /* the export's columns, 户编号 … 备注 */

static const char SCHEMA[] =
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

typedef struct loader {
    sqlite3 *db;
    sqlite3_stmt *household, *household_id, *resident;
    char *field[NFIELDS];
    size_t nfield;
    long line, rows;
    char last_code[128];
    sqlite3_int64 last_household;
    int failed;
} loader;

static void die(sqlite3 *db, const char *what)
{
    fprintf(stderr, "bulk_insert: %s: %s\n", what, sqlite3_errmsg(db));
    exit(1);
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
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
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
        l->field[l->nfield] = f;
    }
    l->nfield++;
}

static sqlite3_int64 household_of(loader *l, const char *code)
{
    if (strcmp(code, l->last_code) == 0)
        return l->last_household;
    sqlite3_stmt *s = l->household;
    sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, trim(l->field[1]), -1, SQLITE_STATIC);
    bind_opt(s, 3, trim(l->field[3]));
    sqlite3_bind_text(s, 4, trim(l->field[4]), -1, SQLITE_STATIC);
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

static void on_row(int c, void *p)
{
    (void)c;
    loader *l = p;
    l->line++;
    if (l->line > 1 && l->nfield == NFIELDS) {
        sqlite3_int64 hh = household_of(l, trim(l->field[0]));
        sqlite3_stmt *s = l->resident;
        sqlite3_bind_text(s, 1, trim(l->field[6]), -1, SQLITE_STATIC);   /* 身份证号 */
        sqlite3_bind_text(s, 2, trim(l->field[5]), -1, SQLITE_STATIC);   /* 姓名 */
        bind_opt(s, 3, trim(l->field[7]));
        bind_opt(s, 4, trim(l->field[8]));
        sqlite3_bind_int64(s, 5, hh);
        sqlite3_bind_text(s, 6, trim(l->field[1]), -1, SQLITE_STATIC);
        for (int i = 9; i < NFIELDS; i++)                                 /* 与户主关系 … 备注 */
            bind_opt(s, i - 2, trim(l->field[i]));
        if (sqlite3_step(s) != SQLITE_DONE) {
            if (!l->failed++)
                fprintf(stderr, "bulk_insert: line %ld: %s\n", l->line, sqlite3_errmsg(l->db));
        } else {
            l->rows++;
        }
        sqlite3_reset(s);
    } else if (l->line > 1 && !l->failed++) {
        fprintf(stderr, "bulk_insert: line %ld has %zu fields, not %d\n", l->line, l->nfield, NFIELDS);
    }
    for (size_t i = 0; i < l->nfield && i < NFIELDS; i++)
        free(l->field[i]);
    l->nfield = 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bulk_insert CSV NEW.db\n");
        return 2;
    }
    FILE *in = fopen(argv[1], "rb");
    if (!in) {
        perror(argv[1]);
        return 1;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    loader l = {0};
    if (sqlite3_open(argv[2], &l.db) != SQLITE_OK)
        die(l.db, argv[2]);
    if (sqlite3_exec(l.db, SCHEMA, NULL, NULL, NULL) != SQLITE_OK)
        die(l.db, "schema (the database must be new)");
    if (sqlite3_prepare_v2(l.db, "INSERT OR IGNORE INTO household(code, grid_code, building_code, address)"
                                 " VALUES (?,?,?,?)", -1, &l.household, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(l.db, "SELECT id FROM household WHERE code = ?", -1, &l.household_id, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(l.db, "INSERT INTO resident(id_number, name, sex, birth_date, household_id, grid_code,"
                                 " relation, phone, hukou_type, residence_status, employment, disability_type,"
                                 " disability_grade, party_member, tags, notes) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                           -1, &l.resident, NULL) != SQLITE_OK)
        die(l.db, "prepare");
    sqlite3_exec(l.db, "BEGIN", NULL, NULL, NULL);

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
    if (sqlite3_exec(l.db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        die(l.db, "commit");
    sqlite3_finalize(l.household);
    sqlite3_finalize(l.household_id);
    sqlite3_finalize(l.resident);
    sqlite3_close(l.db);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("rows=%ld seconds=%.2f rows_per_s=%.0f failed=%d\n", l.rows, secs, l.rows / secs, l.failed);
    return l.failed ? 1 : 0;
}
