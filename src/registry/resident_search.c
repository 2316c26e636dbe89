/* resident_search.c — search terms of residents (see resident_search.h). */
#include "registry/resident_search.h"
#include "core/audit.h"
#include "registry/resident.h"
#include "server/http.h"
#include "util/strbuf.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const char *const SQL_DELETE_TERMS = "DELETE FROM resident_search_key WHERE resident_id = ?";
/* With what a search filters and sorts by, from the resident (0020). */
static const char *const SQL_INSERT_TERM =
    "INSERT INTO resident_search_key(grid_id, term, resident_id, status, name_py, import_batch_id)"
    " SELECT ?, ?, id, status, name_py, import_batch_id FROM resident WHERE id = ? ON CONFLICT DO NOTHING";
static const char *const SQL_SET_NAME_PY = "UPDATE resident SET name_py = ? WHERE id = ?";
static const char *const SQL_VERSION = "SELECT version FROM resident_search_state WHERE id = 1";
static const char *const SQL_SET_VERSION =
    "INSERT INTO resident_search_state(id, version) VALUES (1, ?)"
    " ON CONFLICT(id) DO UPDATE SET version = excluded.version";
static const char *const SQL_BACKFILL_NEXT =
    "SELECT id, name, grid_id, id_number_enc, phone_enc FROM resident WHERE id > ? ORDER BY id LIMIT ?";

/* "k.grid_id …": the grids of unit u, bound in q: a grid itself, a
 * building's grid, every grid of a larger unit's subtree (one range of
 * the primary key per grid, so a grid worker's search reads one grid's
 * terms). */
static const char *grid_condition(query *q, const org_unit *u)
{
    char end[256];
    if (strcmp(u->kind, "grid") == 0 || strcmp(u->kind, "building") == 0) {
        q_bind_int(q, strcmp(u->kind, "grid") == 0 ? u->id : u->parent_id);
        return "k.grid_id = ?";
    }
    q_bind_text(q, u->path);
    q_bind_text(q, org_path_end(u->path, end));
    return "k.grid_id IN " ORG_SUBTREE_GRIDS;
}

/* The condition "r has a term <terms> among the grids of unit u", bound
 * in q. The terms' values are bound after. */
static void add_condition(query *q, const org_unit *u, const char *terms)
{
    char cond[400];
    snprintf(cond, sizeof cond, "r.id IN (SELECT k.resident_id FROM resident_search_key k WHERE %s AND %s)",
             grid_condition(q, u), terms);
    q_where(q, cond);
}

static void bind_prefix(query *q, const char *prefix)
{
    char end[NAME_KEY_MAX + 8];
    snprintf(end, sizeof end, "%s" "\xf4\x8f\xbf\xbf", prefix);   /* after every term that starts with prefix */
    q_bind_text(q, prefix);
    q_bind_text(q, end);
}

void resident_search_add_prefix(query *q, const org_unit *u, const char *prefix)
{
    add_condition(q, u, "k.term >= ? AND k.term < ?");
    bind_prefix(q, prefix);
}

const char *resident_search_from(query *q, const org_unit *u, const char *prefix)
{
    static __thread char from[600];
    snprintf(from, sizeof from,
             "FROM (SELECT DISTINCT k.resident_id AS id, k.name_py, k.status, k.grid_id, k.import_batch_id"
             " FROM resident_search_key k WHERE %s AND k.term >= ? AND k.term < ?) AS r",
             grid_condition(q, u));
    bind_prefix(q, prefix);
    return from;
}

void resident_search_add_terms(query *q, const org_unit *u, const char *t1, const char *t2)
{
    add_condition(q, u, "k.term IN (?, ?)");
    q_bind_text(q, t1);
    q_bind_text(q, t2);
}

const char *resident_search_pick_from(query *qp, const query *q, const org_unit *u, const char *prefix,
                                      const page_req *p)
{
    static __thread char from[4096];
    const char *sort = strcmp(p->sort_expr, "r.id") == 0 ? "r.resident_id" : p->sort_expr;
    const char *dir = p->desc ? "DESC" : "ASC";
    char cursor[300] = "";
    for (int i = 0; i < q->nbind; i++)   /* q's filters, inside */
        q->binds[i].is_int ? q_bind_int(qp, q->binds[i].i) : q_bind_text(qp, q->binds[i].s);
    const char *grids = grid_condition(qp, u);
    bind_prefix(qp, prefix);
    if (p->has_cursor) {
        snprintf(cursor, sizeof cursor, " AND (%s, r.resident_id) %s (?, ?)", sort, p->desc ? "<" : ">");
        p->after.is_int ? q_bind_int(qp, p->after.i) : q_bind_text(qp, p->after.text);
        q_bind_int(qp, p->after_id);
    }
    /* Each resident has at most RESIDENT_TERMS_MAX rows: the first rows
     * of this many hold every row of the residents up to the page's end. */
    long long rows = (long long)(p->offset + p->page_size + 1) * RESIDENT_TERMS_MAX;
    snprintf(from, sizeof from,
             "FROM (SELECT r.resident_id AS id, r.name_py, r.status, r.grid_id, r.import_batch_id"
             " FROM resident_search_key r%s AND %s AND r.term >= ? AND r.term < ?%s"
             " ORDER BY %s %s, r.resident_id %s LIMIT %lld) AS r",
             q->sql.data, grids + 2 /* "grid_id …" */, cursor, sort, dir, dir, rows);
    q_and_all(qp, q);   /* and again outside (they hold) */
    return from;
}

/* ---- the terms ------------------------------------------------------------- */

static const struct tail {
    fc_kind kind;
    char tag;
} TAILS[] = {{FC_PHONE_TAIL4, 'p'}, {FC_ID_TAIL4, '4'}, {FC_ID_TAIL5, '5'}, {FC_ID_TAIL6, '6'}};

static char tail_tag(fc_kind kind)
{
    for (size_t i = 0; i < sizeof TAILS / sizeof TAILS[0]; i++)
        if (TAILS[i].kind == kind)
            return TAILS[i].tag;
    return '?';
}

/* "#<tag>" and the first 16 hex digits of the blind index (64 bits: no
 * two tails of one kind collide among a million residents but by a
 * chance of 1 in 10^7, and a collision only adds a row to a search). */
static void tail_term(fc_kind kind, const char *bidx, char out[RESIDENT_TAIL_TERM])
{
    snprintf(out, RESIDENT_TAIL_TERM, "#%c%.16s", tail_tag(kind), bidx);
}

int resident_tail_terms(fc_kind kind, const char *value, char out[KEYS_MAX_GENERATIONS][RESIDENT_TAIL_TERM])
{
    char bidx[KEYS_MAX_GENERATIONS][FC_BLIND_HEX];
    if (fc_blinds(kind, value, bidx) != 0)
        return -1;
    for (int g = 0; g < KEYS_MAX_GENERATIONS; g++)
        tail_term(kind, bidx[g], out[g]);
    sodium_memzero(bidx, sizeof bidx);
    return 0;
}

int resident_keys_make(const char *name, const char *id_number, const char *phone, resident_keys *out)
{
    static __thread name_keys nk;   /* 10 KB: off the stack of the server's threads */
    out->n = 0;
    if (pinyin_sort_key(name, out->name_py) != 0 || pinyin_name_keys(name, &nk) != 0)
        return -1;
    for (size_t i = 0; i < nk.n; i++)
        memcpy(out->term[out->n++], nk.key[i], NAME_KEY_MAX);
    for (size_t i = 0; i < sizeof TAILS / sizeof TAILS[0]; i++) {
        const char *v = TAILS[i].kind == FC_PHONE_TAIL4 ? phone : id_number;
        char bidx[FC_BLIND_HEX];
        if (!v || !*v || fc_blind(TAILS[i].kind, v, 0, bidx) != 0)
            continue;   /* no phone, or too short for the tail */
        tail_term(TAILS[i].kind, bidx, out->term[out->n++]);
    }
    return 0;
}

int resident_keys_store(db_conn *db, int64_t id, int64_t grid_id, const resident_keys *k)
{
    if (db_exec_args(db, SQL_DELETE_TERMS, DB_INT(id)) != DB_DONE ||
        db_exec_args(db, SQL_SET_NAME_PY, DB_TEXT(k->name_py), DB_INT(id)) != DB_DONE)
        return -1;
    for (size_t i = 0; i < k->n; i++)
        if (db_exec_args(db, SQL_INSERT_TERM, DB_INT(grid_id), DB_TEXT(k->term[i]), DB_INT(id)) != DB_DONE)
            return -1;
    return 0;
}

/* ---- residents registered before migration 0017 ------------------------------ */

/* One batch after *cursor: 0 when none is left, the number filled, or -1. */
static int backfill_batch(db_conn *db, int64_t *cursor, int limit)
{
    static __thread resident r;
    static __thread resident_keys k;
    db_stmt *s = db_query(db, SQL_BACKFILL_NEXT, DB_INT(*cursor), DB_INT(limit));
    int n = 0, rc;
    while ((rc = db_step(s)) == DB_ROW) {
        memset(&r, 0, sizeof r);
        r.id = db_col_int(s, 0);
        db_col_copy(s, 1, r.name, sizeof r.name);
        int64_t grid = db_col_int(s, 2);
        resident_decrypt_values(r.id, db_col_text(s, 3), db_col_text(s, 4), NULL, &r);
        if (resident_keys_make(r.name, r.id_number, r.phone, &k) != 0 || resident_keys_store(db, r.id, grid, &k) != 0) {
            rc = DB_ERROR;
            break;
        }
        *cursor = r.id;
        n++;
    }
    db_finalize(s);
    sodium_memzero(&r, sizeof r);
    sodium_memzero(&k, sizeof k);
    return rc == DB_DONE ? n : -1;
}

int resident_search_backfill(db_conn *db, int batch, int64_t *done, ms_err *err)
{
    int64_t cursor = 0;
    *done = 0;
    if (db_one_int(db, 0, SQL_VERSION) >= RESIDENT_SEARCH_VERSION)
        return 0;
    for (;;) {
        if (db_begin(db) != DB_DONE)
            return err_set(err, ERR_BUSY, NULL, "数据库忙，请稍后重试");
        int n = backfill_batch(db, &cursor, batch);
        if (n < 0 || db_commit(db) != DB_DONE) {
            db_rollback(db);
            return err_set(err, ERR_DB, NULL, "建立居民检索键时出错（已完成的批次保留，重新运行可继续）");
        }
        if (n == 0)
            break;
        *done += n;
    }
    char detail[160];
    snprintf(detail, sizeof detail, "为 %lld 名居民建立姓名拼音、首字母和电话、身份证尾号检索键（第 %d 版规则）",
             (long long)*done, RESIDENT_SEARCH_VERSION);
    if (db_begin(db) != DB_DONE || db_exec_args(db, SQL_SET_VERSION, DB_INT(RESIDENT_SEARCH_VERSION)) != DB_DONE ||
        (*done && audit_write(db, &(audit_entry){.action = "search_keys_built", .entity = "database",
                                                 .detail = detail}) != 0) ||
        db_commit(db) != DB_DONE) {
        db_rollback(db);
        return err_set(err, ERR_DB, NULL, "无法记录检索键状态");
    }
    return 0;
}
