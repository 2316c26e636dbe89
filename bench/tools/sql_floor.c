/* sql_floor.c — the SQLite floor of bench/compare.sh: runs the SQL one
 * minsheng endpoint runs, directly on the same database, in N threads
 * (one connection each, the server's pragmas), for S seconds, and
 * prints ops/s and the p50/p99 latency of one "operation" (everything
 * one request runs, without HTTP, sessions, scope checks or JSON).
 *
 *   sql_floor --db FILE [--threads 4] [--seconds 10] [--prepare-each]
 *             [--no-decrypt] ENDPOINT
 *   sql_floor --list
 *
 * The SQL below is what the server ran at the time of writing, captured
 * with bench/tools/sqltrace.c (LD_PRELOAD) and with the bound values
 * turned back into '?' (the resident SELECT list and the visibility
 * condition come from the registry's headers): when an endpoint's SQL
 * changes, capture it again and update ENDPOINTS. The session and user lookups every request makes
 * (3–4 small statements by primary key) are left out: they belong to the
 * server's cost, not to the endpoint's query.
 *
 * Statements are prepared once per thread and reused (the floor); with
 * --prepare-each they are prepared and finalized in every operation, as
 * the server does today. Every column of every row is read; the columns
 * the endpoint decrypts (resident.id_number/phone/disability,
 * household.phone) are decrypted with core/fieldcrypt.c and the
 * database's key file, unless --no-decrypt. Output is one line:
 *   endpoint=NAME threads=N seconds=S ops=K ops_per_s=X p50_ms=Y p99_ms=Z */
#include "core/err.h"
#include "core/fieldcrypt.h"
#include "core/keys.h"
#include "registry/registry.h"
#include "registry/resident.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The resident SELECT list and the import-batch visibility condition
 * are the registry's own macros, so those parts cannot drift. */
#define VISIBLE(t) REGISTRY_VISIBLE(t)
#define RESIDENT_COLS RESIDENT_SELECT

/* What a statement's '?' are bound to, in order. */
typedef enum param {
    P_END = 0,
    P_GRID,       /* a grid id, cycling over every grid */
    P_STREET,     /* the root unit's id */
    P_PATH,       /* the root unit's path ("/1/") */
    P_NAME,       /* a name prefix, cycling over NAMES */
    P_RESIDENT,   /* a resident id, (n * 7919) % max + 1 as bench/detail.lua */
} param;

/* Which columns hold encrypted values and which column gives their row id. */
typedef enum decrypt { D_NONE, D_RESIDENT, D_HOUSEHOLD } decrypt;

typedef struct stmt_spec {
    const char *sql;
    param params[6];
    decrypt dec;
} stmt_spec;

typedef struct endpoint {
    const char *name, *what;
    stmt_spec stmts[3];
} endpoint;

static const endpoint ENDPOINTS[] = {
    {"grid", "GET /residents?org_unit_id=<grid>&page_size=50 (count + page)", {
        {"SELECT COUNT(*) FROM resident r WHERE " VISIBLE("r") " AND r.grid_id = ? AND r.status = 'active'",
         {P_GRID}, D_NONE},
        {RESIDENT_COLS " WHERE r.id IN (SELECT r.id FROM resident r WHERE " VISIBLE("r")
         " AND r.grid_id = ? AND r.status = 'active' ORDER BY r.name ASC, r.id LIMIT 50 OFFSET 0)"
         " ORDER BY r.name ASC, r.id", {P_GRID}, D_RESIDENT}}},
    {"households", "GET /households?page_size=50 street-wide (count + page)", {
        {"SELECT COUNT(*) FROM household h JOIN org_unit g ON g.id = h.grid_id WHERE " VISIBLE("h")
         " AND g.path LIKE ? || '%' AND g.path LIKE ? || '%' AND h.status = 'active'", {P_PATH, P_PATH}, D_NONE},
        {"SELECT h.id, h.code, h.grid_id, g.name, g.path, h.building_id, b.name, h.address, h.registered_address,"
         " h.actual_address, h.phone_enc, h.head_resident_id, hr.name, h.notes, h.status, h.created_at,"
         " h.updated_at, (SELECT COUNT(*) FROM resident m WHERE m.household_id = h.id AND m.status = 'active'),"
         " h.version FROM household h JOIN org_unit g ON g.id = h.grid_id LEFT JOIN org_unit b ON"
         " b.id = h.building_id LEFT JOIN resident hr ON hr.id = h.head_resident_id WHERE " VISIBLE("h")
         " AND g.path LIKE ? || '%' AND g.path LIKE ? || '%' AND h.status = 'active'"
         " ORDER BY h.code ASC, h.id LIMIT 50 OFFSET 0", {P_PATH, P_PATH}, D_HOUSEHOLD}}},
    {"name", "GET /residents?name=<prefix>&page_size=20 street-wide (count + page)", {
        {"SELECT COUNT(*) FROM resident r WHERE " VISIBLE("r")
         " AND r.status = 'active' AND r.name >= ? AND r.name < ? || char(1114111)", {P_NAME, P_NAME}, D_NONE},
        {RESIDENT_COLS " WHERE r.id IN (SELECT r.id FROM resident r WHERE " VISIBLE("r")
         " AND r.status = 'active' AND r.name >= ? AND r.name < ? || char(1114111)"
         " ORDER BY r.name ASC, r.id LIMIT 20 OFFSET 0) ORDER BY r.name ASC, r.id", {P_NAME, P_NAME}, D_RESIDENT}}},
    {"detail", "GET /residents/<id>", {
        {RESIDENT_COLS " WHERE r.id = ? AND " VISIBLE("r"), {P_RESIDENT}, D_RESIDENT}}},
    {"stats_tags", "GET /stats/tags (street)", {
        {"SELECT COUNT(*) FROM resident r WHERE r.status = 'active' AND " VISIBLE("r")
         " AND r.grid_id IN (SELECT id FROM org_unit WHERE kind = 'grid' AND path LIKE ? || '%')", {P_PATH}, D_NONE},
        {"SELECT d.code, d.label, COALESCE(c.n, 0) FROM tag_def d LEFT JOIN ( SELECT t.tag AS tag, COUNT(*) AS n"
         " FROM resident r JOIN resident_tag t ON t.resident_id = r.id WHERE r.status = 'active' AND " VISIBLE("r")
         " AND r.grid_id IN (SELECT id FROM org_unit WHERE kind = 'grid' AND path LIKE ? || '%') GROUP BY t.tag) c"
         " ON c.tag = d.code ORDER BY d.sort", {P_PATH}, D_NONE}}},
    {"stats_org", "GET /stats/org-units (street's communities)", {
        {"SELECT id, code, name, kind FROM org_unit WHERE parent_id = ? ORDER BY code", {P_STREET}, D_NONE},
        {"WITH kids AS (SELECT id, path FROM org_unit WHERE parent_id = ?), grids AS (SELECT k.id AS kid, g.id AS gid"
         " FROM kids k JOIN org_unit g ON g.kind = 'grid' AND g.path LIKE k.path || '%')"
         " SELECT kid, 'h', NULL, COUNT(*) FROM grids JOIN household h ON h.grid_id = gid AND h.status = 'active'"
         " AND " VISIBLE("h") " GROUP BY kid"
         " UNION ALL SELECT kid, 'r', NULL, COUNT(*) FROM grids JOIN resident r ON r.grid_id = gid"
         " AND r.status = 'active' AND " VISIBLE("r") " GROUP BY kid"
         " UNION ALL SELECT kid, 't', t.tag, COUNT(*) FROM grids JOIN resident r ON r.grid_id = gid"
         " AND r.status = 'active' AND " VISIBLE("r") " JOIN resident_tag t ON t.resident_id = r.id"
         " GROUP BY kid, t.tag", {P_STREET}, D_NONE}}},
    {"org_tree", "GET /org-units (street account's default view: its own unit with counts)", {
        {"WITH grid_counts AS (SELECT g.path AS path,"
         " (SELECT COUNT(*) FROM household h WHERE h.grid_id = g.id AND h.status = 'active' AND " VISIBLE("h") ") AS hh,"
         " (SELECT COUNT(*) FROM resident r WHERE r.grid_id = g.id AND r.status = 'active' AND " VISIBLE("r") ") AS res"
         " FROM org_unit g WHERE g.kind = 'grid' AND g.path LIKE ? || '%')"
         " SELECT c.id, COALESCE(c.parent_id, 0), c.kind, c.code, c.name, c.path, c.leader_name, c.leader_phone_enc,"
         " c.notes, c.version, (SELECT COUNT(*) FROM org_unit x WHERE x.parent_id = c.id),"
         " (SELECT COALESCE(SUM(hh),0) FROM grid_counts gc WHERE substr(gc.path, 1, length(c.path)) = c.path),"
         " (SELECT COALESCE(SUM(res),0) FROM grid_counts gc WHERE substr(gc.path, 1, length(c.path)) = c.path)"
         " FROM org_unit c WHERE c.id = ? ORDER BY c.code", {P_PATH, P_STREET}, D_NONE}}},
};
#define NENDPOINTS (sizeof ENDPOINTS / sizeof ENDPOINTS[0])

/* The prefixes of bench/by_name.lua. */
static const char *const NAMES[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "王建", "李秀", "张伟"};
#define NNAMES (sizeof NAMES / sizeof NAMES[0])

static struct {
    const char *db_path;
    const endpoint *ep;
    int threads, seconds, prepare_each, decrypt;
    int64_t *grids;
    int ngrids;
    int64_t street_id, max_resident;
    char street_path[64];
    volatile int stop;
} G = {.threads = 4, .seconds = 10, .decrypt = 1};

typedef struct worker {
    pthread_t th;
    int index;
    double *lat;      /* milliseconds per operation */
    size_t n, cap;
    int failed;
} worker;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static sqlite3 *open_db(void)
{
    sqlite3 *db;
    if (sqlite3_open_v2(G.db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        fprintf(stderr, "sql_floor: %s: %s\n", G.db_path, sqlite3_errmsg(db));
        exit(1);
    }
    /* the server's per-connection pragmas (storage/db_sqlite.c) */
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
                     " PRAGMA cache_size=-65536;", NULL, NULL, NULL);
    sqlite3_busy_timeout(db, 5000);
    return db;
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
        fprintf(stderr, "sql_floor: %s\n  in %s\n", sqlite3_errmsg(db), sql);
        exit(1);
    }
    return s;
}

static void bind_params(sqlite3_stmt *s, const param *p, uint64_t n)
{
    for (int i = 0; p[i] != P_END; i++) {
        switch (p[i]) {
        case P_GRID:     sqlite3_bind_int64(s, i + 1, G.grids[n % (uint64_t)G.ngrids]); break;
        case P_STREET:   sqlite3_bind_int64(s, i + 1, G.street_id); break;
        case P_PATH:     sqlite3_bind_text(s, i + 1, G.street_path, -1, SQLITE_STATIC); break;
        case P_NAME:     sqlite3_bind_text(s, i + 1, NAMES[n % NNAMES], -1, SQLITE_STATIC); break;
        case P_RESIDENT: sqlite3_bind_int64(s, i + 1, (int64_t)((n * 7919) % (uint64_t)G.max_resident) + 1); break;
        case P_END: break;
        }
    }
}

static void decrypt_col(sqlite3_stmt *s, int col, const char *column, int64_t row)
{
    char out[FC_PLAIN_MAX + 1];
    const char *v = (const char *)sqlite3_column_text(s, col);
    if (v && fc_decrypt(column, row, v, out, sizeof out) != 0)
        fprintf(stderr, "sql_floor: %s of row %lld does not decrypt\n", column, (long long)row);
}

/* Steps s to its end, reading every column (and decrypting). 0 or -1. */
static int run_stmt(sqlite3_stmt *s, decrypt dec)
{
    int rc, ncol = sqlite3_column_count(s);
    size_t bytes = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        for (int c = 0; c < ncol; c++) {
            sqlite3_column_text(s, c);
            bytes += (size_t)sqlite3_column_bytes(s, c);
        }
        if (!G.decrypt || dec == D_NONE)
            continue;
        int64_t id = sqlite3_column_int64(s, 0);
        if (dec == D_RESIDENT) {
            decrypt_col(s, 1, "resident.id_number", id);
            decrypt_col(s, 10, "resident.phone", id);
            decrypt_col(s, 14, "resident.disability", id);
        } else {
            decrypt_col(s, 10, "household.phone", id);
        }
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_DONE && bytes < (size_t)-1 ? 0 : -1;
}

static void *work(void *arg)
{
    worker *w = arg;
    sqlite3 *db = open_db();
    sqlite3_stmt *st[3] = {0};
    size_t nst = 0;
    while (nst < 3 && G.ep->stmts[nst].sql)
        nst++;
    if (!G.prepare_each)
        for (size_t i = 0; i < nst; i++)
            st[i] = prepare(db, G.ep->stmts[i].sql);
    /* each thread starts elsewhere in the cycle of parameters */
    uint64_t n = (uint64_t)w->index * 1000003u;
    while (!G.stop) {
        double t0 = now_ms();
        for (size_t i = 0; i < nst; i++) {
            sqlite3_stmt *s = G.prepare_each ? prepare(db, G.ep->stmts[i].sql) : st[i];
            bind_params(s, G.ep->stmts[i].params, n);
            if (run_stmt(s, G.ep->stmts[i].dec) != 0) {
                if (!w->failed++)
                    fprintf(stderr, "sql_floor: %s\n", sqlite3_errmsg(db));
            }
            if (G.prepare_each)
                sqlite3_finalize(s);
        }
        n++;
        if (w->n == w->cap) {
            w->cap = w->cap ? w->cap * 2 : 4096;
            w->lat = realloc(w->lat, w->cap * sizeof *w->lat);
            if (!w->lat)
                abort();
        }
        w->lat[w->n++] = now_ms() - t0;
    }
    for (size_t i = 0; i < nst; i++)
        sqlite3_finalize(st[i]);
    sqlite3_close(db);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void load_params(void)
{
    sqlite3 *db = open_db();
    sqlite3_stmt *s = prepare(db, "SELECT id, path FROM org_unit WHERE parent_id IS NULL ORDER BY id LIMIT 1");
    if (sqlite3_step(s) == SQLITE_ROW) {
        G.street_id = sqlite3_column_int64(s, 0);
        snprintf(G.street_path, sizeof G.street_path, "%s", (const char *)sqlite3_column_text(s, 1));
    }
    sqlite3_finalize(s);
    s = prepare(db, "SELECT COUNT(*) FROM org_unit WHERE kind = 'grid'");
    sqlite3_step(s);
    G.ngrids = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    G.grids = calloc((size_t)G.ngrids + 1, sizeof *G.grids);
    s = prepare(db, "SELECT id FROM org_unit WHERE kind = 'grid' ORDER BY id");
    for (int i = 0; i < G.ngrids && sqlite3_step(s) == SQLITE_ROW; i++)
        G.grids[i] = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    s = prepare(db, "SELECT COALESCE(MAX(id), 1) FROM resident");
    sqlite3_step(s);
    G.max_resident = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    if (!G.street_id || G.ngrids == 0) {
        fprintf(stderr, "sql_floor: %s has no street or no grid\n", G.db_path);
        exit(1);
    }
}

static void usage(void)
{
    fprintf(stderr, "usage: sql_floor --db FILE [--threads N] [--seconds S] [--prepare-each] [--no-decrypt] ENDPOINT\n"
                    "       sql_floor --list\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *name = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
            G.db_path = argv[++i];
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            G.threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            G.seconds = atoi(argv[++i]);
        else if (strcmp(argv[i], "--prepare-each") == 0)
            G.prepare_each = 1;
        else if (strcmp(argv[i], "--no-decrypt") == 0)
            G.decrypt = 0;
        else if (strcmp(argv[i], "--list") == 0) {
            for (size_t e = 0; e < NENDPOINTS; e++)
                printf("%-11s %s\n", ENDPOINTS[e].name, ENDPOINTS[e].what);
            return 0;
        } else if (argv[i][0] == '-' || name)
            usage();
        else
            name = argv[i];
    }
    if (!G.db_path || !name || G.threads < 1 || G.seconds < 1)
        usage();
    for (size_t e = 0; e < NENDPOINTS; e++)
        if (strcmp(ENDPOINTS[e].name, name) == 0)
            G.ep = &ENDPOINTS[e];
    if (!G.ep) {
        fprintf(stderr, "sql_floor: unknown endpoint %s (see --list)\n", name);
        return 2;
    }
    ms_err err = {0};
    if (G.decrypt && keys_load(G.db_path, NULL, &err) != 0) {
        fprintf(stderr, "sql_floor: key file not loaded (%s); use --no-decrypt\n", err.message);
        return 1;
    }
    load_params();

    worker *w = calloc((size_t)G.threads, sizeof *w);
    double t0 = now_ms();
    for (int i = 0; i < G.threads; i++) {
        w[i].index = i;
        pthread_create(&w[i].th, NULL, work, &w[i]);
    }
    struct timespec d = {.tv_sec = G.seconds};
    nanosleep(&d, NULL);
    G.stop = 1;
    size_t total = 0;
    int failed = 0;
    for (int i = 0; i < G.threads; i++) {
        pthread_join(w[i].th, NULL);
        total += w[i].n;
        failed += w[i].failed;
    }
    double secs = (now_ms() - t0) / 1e3;
    double *all = malloc((total ? total : 1) * sizeof *all);
    size_t k = 0;
    for (int i = 0; i < G.threads; i++) {
        memcpy(all + k, w[i].lat, w[i].n * sizeof *all);
        k += w[i].n;
        free(w[i].lat);
    }
    qsort(all, total, sizeof *all, cmp_double);
    double p50 = total ? all[total / 2] : 0, p99 = total ? all[(size_t)((double)(total - 1) * 0.99)] : 0;
    printf("endpoint=%s threads=%d seconds=%.1f ops=%zu ops_per_s=%.1f p50_ms=%.3f p99_ms=%.3f failed=%d"
           " decrypt=%d prepare_each=%d\n",
           G.ep->name, G.threads, secs, total, total / secs, p50, p99, failed, G.decrypt, G.prepare_each);
    free(all);
    free(w);
    free(G.grids);
    keys_clear();
    return failed ? 1 : 0;
}
