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
 * The SQL is the table of floor_sql.h, checked against what the server
 * runs by tests/api/test_bench_floor.c. The session and user lookups
 * every request makes (3–4 small statements by primary key) are left
 * out: they belong to the server's cost, not to the endpoint's query.
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
#include "floor_sql.h"
#include "util/validate.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The prefixes of bench/by_name.lua. */
static const char *const NAMES[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "王建", "李秀", "张伟"};
#define NNAMES (sizeof NAMES / sizeof NAMES[0])

static struct {
    const char *db_path;
    const floor_endpoint *ep;
    int threads, seconds, prepare_each, decrypt;
    int64_t *grids;
    char (*grid_paths)[64];
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
    char ids[4096];   /* column 1 of the last statement's rows, "[id,…]" (P_IDS*) */
    int nids;
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

/* The first `max` ids of w->ids as a JSON array, in out. */
static const char *first_ids(const worker *w, int max, char *out, size_t outsz)
{
    int k = 0;
    size_t i = 0;
    for (; w->ids[i] && i < outsz - 2; i++) {
        if (w->ids[i] == ',' && ++k == max)
            break;
        out[i] = w->ids[i];
    }
    if (i && out[i - 1] != ']')
        out[i++] = ']';
    out[i] = '\0';
    return out;
}

/* The end of a name prefix's range, as the server binds it. */
static const char *name_end(const char *prefix)
{
    static _Thread_local char end[256];
    snprintf(end, sizeof end, "%s" UTF8_MAX_CHAR, prefix);
    return end;
}

/* The end of a path's subtree range, as the server binds it
 * (registry/org.h org_path_end: the last '/' raised to '0'). */
static const char *path_end(const char *path)
{
    static _Thread_local char end[256];
    snprintf(end, sizeof end, "%s", path);
    size_t n = strlen(end);
    if (n && end[n - 1] == '/')
        end[n - 1] = '0';
    return end;
}

static void bind_params(sqlite3_stmt *s, const floor_param *p, uint64_t n, const worker *w)
{
    static _Thread_local char ids[4096];
    for (int i = 0; p[i] != P_END; i++) {
        switch (p[i]) {
        case P_GRID:     sqlite3_bind_int64(s, i + 1, G.grids[n % (uint64_t)G.ngrids]); break;
        case P_STREET:   sqlite3_bind_int64(s, i + 1, G.street_id); break;
        case P_PATH:     sqlite3_bind_text(s, i + 1, G.street_path, -1, SQLITE_STATIC); break;
        case P_PATH_END: sqlite3_bind_text(s, i + 1, path_end(G.street_path), -1, SQLITE_TRANSIENT); break;
        case P_NAME:     sqlite3_bind_text(s, i + 1, NAMES[n % NNAMES], -1, SQLITE_STATIC); break;
        case P_NAME_END: sqlite3_bind_text(s, i + 1, name_end(NAMES[n % NNAMES]), -1, SQLITE_TRANSIENT); break;
        case P_RESIDENT: sqlite3_bind_int64(s, i + 1, (int64_t)((n * 7919) % (uint64_t)G.max_resident) + 1); break;
        case P_ACTIVE:   sqlite3_bind_text(s, i + 1, "active", -1, SQLITE_STATIC); break;
        case P_LIMIT50:  sqlite3_bind_int(s, i + 1, 50); break;
        case P_LIMIT20:  sqlite3_bind_int(s, i + 1, 20); break;
        case P_OFFSET0:  sqlite3_bind_int(s, i + 1, 0); break;
        case P_GRID_PATH: sqlite3_bind_text(s, i + 1, G.grid_paths[n % (uint64_t)G.ngrids], -1, SQLITE_STATIC); break;
        case P_RESIDENTS: sqlite3_bind_text(s, i + 1, "residents", -1, SQLITE_STATIC); break;
        case P_HOUSEHOLDS: sqlite3_bind_text(s, i + 1, "households", -1, SQLITE_STATIC); break;
        case P_CAP1:     sqlite3_bind_int(s, i + 1, 10001); break;
        case P_LIMIT51:  sqlite3_bind_int(s, i + 1, 51); break;
        case P_LIMIT21:  sqlite3_bind_int(s, i + 1, 21); break;
        case P_IDS50:    sqlite3_bind_text(s, i + 1, first_ids(w, 50, ids, sizeof ids), -1, SQLITE_TRANSIENT); break;
        case P_IDS20:    sqlite3_bind_text(s, i + 1, first_ids(w, 20, ids, sizeof ids), -1, SQLITE_TRANSIENT); break;
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

/* Steps s to its end, reading every column (and decrypting), keeping
 * column 1 of each row in w->ids. 0 or -1. */
static int run_stmt(sqlite3_stmt *s, floor_decrypt dec, worker *w)
{
    int rc, ncol = sqlite3_column_count(s);
    size_t bytes = 0, len = 1;
    w->ids[0] = '[';
    w->ids[1] = '\0';
    w->nids = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (ncol > 1 && len < sizeof w->ids - 24)
            len += (size_t)snprintf(w->ids + len, sizeof w->ids - len, "%s%lld", w->nids++ ? "," : "",
                                    (long long)sqlite3_column_int64(s, 1));
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
    snprintf(w->ids + len, sizeof w->ids - len, "]");
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_DONE && bytes < (size_t)-1 ? 0 : -1;
}

static void *work(void *arg)
{
    worker *w = arg;
    sqlite3 *db = open_db();
    sqlite3_stmt *st[FLOOR_MAX_STMTS] = {0};
    size_t nst = 0;
    while (nst < FLOOR_MAX_STMTS && G.ep->stmts[nst].sql)
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
            bind_params(s, G.ep->stmts[i].params, n, w);
            if (run_stmt(s, G.ep->stmts[i].dec, w) != 0) {
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
    G.grid_paths = calloc((size_t)G.ngrids + 1, sizeof *G.grid_paths);
    s = prepare(db, "SELECT id, path FROM org_unit WHERE kind = 'grid' ORDER BY id");
    for (int i = 0; i < G.ngrids && sqlite3_step(s) == SQLITE_ROW; i++) {
        G.grids[i] = sqlite3_column_int64(s, 0);
        snprintf(G.grid_paths[i], sizeof G.grid_paths[i], "%s", (const char *)sqlite3_column_text(s, 1));
    }
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
            for (size_t e = 0; e < FLOOR_NENDPOINTS; e++)
                printf("%-11s GET %s\n", FLOOR_ENDPOINTS[e].name, FLOOR_ENDPOINTS[e].path);
            return 0;
        } else if (argv[i][0] == '-' || name)
            usage();
        else
            name = argv[i];
    }
    if (!G.db_path || !name || G.threads < 1 || G.seconds < 1)
        usage();
    for (size_t e = 0; e < FLOOR_NENDPOINTS; e++)
        if (strcmp(FLOOR_ENDPOINTS[e].name, name) == 0)
            G.ep = &FLOOR_ENDPOINTS[e];
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
    free(G.grid_paths);
    keys_clear();
    return failed ? 1 : 0;
}
