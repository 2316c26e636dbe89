/* page.c — keyset paging and capped totals of the big lists (see the
 * paging section of http.h).
 *
 * Owns: the cursor (?cursor= / next_cursor) — the last row's sort key
 * value and id, sealed (XChaCha20-Poly1305 under a key derived from
 * the database's key file, page_set_cursor_key: opaque, so a cursor never shows a value in clear, such as a
 * birth date the caller may not see, and any change to it is found),
 * tied to the list's path and sort, URL-safe base64; the keyset pick
 * (a page's ids from the sort's index, after the cursor, merged over
 * partitions such as a subtree's grids); the fetch of the page's rows
 * by those ids; and the count that stops at the cap.
 *
 * The cursor is a position, never a filter: every request applies its
 * own filters and scope, so a cursor cannot show anything its request
 * would not. */
#include "server/http.h"
#include "storage/query.h"
#include "util/strbuf.h"
#include "util/validate.h"

#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the cursor ---------------------------------------------------------- */

#define CURSOR_VERSION 1
#define CURSOR_CTX_BYTES 8
/* version, context hash, key type, key (int64 or 2-byte length + text), id */
#define CURSOR_PLAIN_MAX (1 + CURSOR_CTX_BYTES + 1 + 2 + PAGE_KEY_MAX + 8)
#define CURSOR_SEALED_MAX \
    (crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + CURSOR_PLAIN_MAX + crypto_aead_xchacha20poly1305_ietf_ABYTES)

static unsigned char g_cursor_key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
static pthread_once_t g_cursor_once = PTHREAD_ONCE_INIT;

/* The key cursors are sealed with: set by the application from the
 * database's key file (page_set_cursor_key), so cursors outlive a restart
 * and every server process of one database accepts the others'; a
 * process that never sets it (tests of this layer alone) makes one, and
 * its cursors last as long as it does. */
static int g_cursor_key_set;

void page_set_cursor_key(const unsigned char key[32])
{
    memcpy(g_cursor_key, key, sizeof g_cursor_key);
    g_cursor_key_set = 1;
}

static void cursor_key_init(void)
{
    if (!g_cursor_key_set)
        crypto_aead_xchacha20poly1305_ietf_keygen(g_cursor_key);
}

/* The list and sort a cursor belongs to: its path and ORDER BY. */
static void cursor_context(const request *rq, const page_req *p, unsigned char out[CURSOR_CTX_BYTES])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, CURSOR_CTX_BYTES);
    crypto_generichash_update(&st, (const unsigned char *)rq->path, strlen(rq->path) + 1);
    crypto_generichash_update(&st, (const unsigned char *)p->order_by, strlen(p->order_by));
    crypto_generichash_final(&st, out, CURSOR_CTX_BYTES);
}

static void put_u64(unsigned char *b, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        b[i] = (unsigned char)(v & 0xff);
}

static uint64_t get_u64(const unsigned char *b)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | b[i];
    return v;
}

/* Seals (key, id) into p->next_cursor; "" when the key is too long to
 * carry (it never is: sort keys are short columns). */
static void cursor_seal(const request *rq, page_req *p, const page_value *key, int64_t id)
{
    unsigned char plain[CURSOR_PLAIN_MAX], sealed[CURSOR_SEALED_MAX];
    size_t n = 0;
    p->next_cursor[0] = '\0';
    if (!key->is_int && key->len > PAGE_KEY_MAX)
        return;
    pthread_once(&g_cursor_once, cursor_key_init);
    plain[n++] = CURSOR_VERSION;
    cursor_context(rq, p, plain + n);
    n += CURSOR_CTX_BYTES;
    plain[n++] = key->is_int ? 'i' : 't';
    if (key->is_int) {
        put_u64(plain + n, (uint64_t)key->i);
        n += 8;
    } else {
        plain[n++] = (unsigned char)(key->len >> 8);
        plain[n++] = (unsigned char)(key->len & 0xff);
        memcpy(plain + n, key->text, key->len);
        n += key->len;
    }
    put_u64(plain + n, (uint64_t)id);
    n += 8;
    unsigned char *nonce = sealed;
    unsigned long long clen;
    randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    crypto_aead_xchacha20poly1305_ietf_encrypt(sealed + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen, plain,
                                               n, NULL, 0, NULL, nonce, g_cursor_key);
    sodium_bin2base64(p->next_cursor, sizeof p->next_cursor, sealed,
                      crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + (size_t)clen,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(plain, sizeof plain);
}

/* Opens ?cursor= into p->after / p->after_id. 0, or -1 with a 400. */
static int cursor_open_or_reply(request *rq, response *rs, const char *text, page_req *p)
{
    static const char BAD[] = "cursor 无效（不完整、被改动过，或服务重启前生成），请从第一页重新开始";
    unsigned char sealed[CURSOR_SEALED_MAX], plain[CURSOR_PLAIN_MAX], ctx[CURSOR_CTX_BYTES];
    size_t slen, len = strlen(text);
    unsigned long long plen;
    const char *end;
    const size_t nb = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    if (len == 0 || len > PAGE_CURSOR_MAX - 1 ||
        sodium_base642bin(sealed, sizeof sealed, text, len, NULL, &slen, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || *end != '\0' ||
        slen < nb + crypto_aead_xchacha20poly1305_ietf_ABYTES)
        return reply_bad_request(rs, "cursor", BAD), -1;
    pthread_once(&g_cursor_once, cursor_key_init);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &plen, NULL, sealed + nb, slen - nb, NULL, 0, sealed,
                                                   g_cursor_key) != 0)
        return reply_bad_request(rs, "cursor", BAD), -1;
    /* Sealed by this process, so well formed; checked all the same. */
    size_t n = 0, m = (size_t)plen;
    if (m < 1 + CURSOR_CTX_BYTES + 1 + 8 || plain[n++] != CURSOR_VERSION)
        return reply_bad_request(rs, "cursor", BAD), -1;
    cursor_context(rq, p, ctx);
    if (sodium_memcmp(ctx, plain + n, CURSOR_CTX_BYTES) != 0)
        return reply_error(rs, 400, "bad_request", "cursor",
                           "cursor 不是这个列表按当前排序方式（sort=%s）生成的，请从第一页重新开始", p->sort_key), -1;
    n += CURSOR_CTX_BYTES;
    char type = (char)plain[n++];
    if (type == 'i' && m - n == 16) {
        p->after.is_int = 1;
        p->after.i = (int64_t)get_u64(plain + n);
        n += 8;
    } else if (type == 't' && m - n >= 2 + 8 && ((size_t)plain[n] << 8 | plain[n + 1]) == m - n - 2 - 8) {
        p->after.len = (size_t)plain[n] << 8 | plain[n + 1];
        memcpy(p->after.text, plain + n + 2, p->after.len);
        p->after.text[p->after.len] = '\0';
        n += 2 + p->after.len;
    } else {
        return reply_bad_request(rs, "cursor", BAD), -1;
    }
    p->after_id = (int64_t)get_u64(plain + n);
    p->has_cursor = 1;
    return 0;
}

int req_page_keyset(request *rq, response *rs, const char *const *sort_keys, const char *id_expr, page_req *out)
{
    if (page_parse(rq, rs, sort_keys, 1, out) != 0)
        return -1;
    out->id_expr = id_expr;
    const char *cursor = req_query(rq, "cursor");
    if (!cursor)
        return 0;
    if (req_query(rq, "page") && out->page != 1)
        return reply_bad_request(rs, "page", "cursor 与 page 不能同时使用：按 cursor 翻页时不要给出 page"), -1;
    return cursor_open_or_reply(rq, rs, cursor, out);
}

int page_size_choice_or_reply(request *rq, response *rs)
{
    static const char *const SIZES[] = {"20", "50", "100", NULL};
    const char *v = req_query(rq, "page_size");
    if (!v || str_in_set(v, SIZES))
        return 0;
    return reply_bad_request(rs, "page_size", "每页条数只能是 " PAGE_SIZE_CHOICES), -1;
}

/* ---- capped totals ------------------------------------------------------- */

int page_count_capped_or_reply(request *rq, response *rs, const char *from_sql, const query *q, page_req *p,
                               int64_t *total)
{
    int64_t cap = g_config.count_cap ? g_config.count_cap : 10000;
    strbuf prefix = STRBUF_INIT;
    sb_printf(&prefix, "SELECT COUNT(*) FROM (SELECT 1 %s", from_sql);
    db_stmt *s = q_prepare_with(rq->db, prefix.data, q, " LIMIT ?) AS capped");
    sb_free(&prefix);
    if (!s)
        return reply_internal(rs), -1;
    db_bind_int(s, q->nbind + 1, cap + 1);
    int rc = db_step(s);
    int64_t n = rc == DB_ROW ? db_col_int(s, 0) : -1;
    db_finalize(s);
    if (n < 0)
        return reply_internal(rs), -1;
    p->total_is_estimate = n > cap;
    *total = n > cap ? cap : n;
    return 0;
}

/* ---- the keyset pick ------------------------------------------------------- */

typedef struct pick_row {
    int64_t id;
    page_value *key;             /* malloc'd */
} pick_row;

static int value_cmp(const page_value *a, const page_value *b)
{
    if (a->is_int || b->is_int) {
        if (a->is_int != b->is_int)
            return a->is_int ? -1 : 1;   /* SQLite: numbers before text */
        return (a->i > b->i) - (a->i < b->i);
    }
    /* SQLite's BINARY collation: memcmp, then the shorter first. */
    size_t m = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->text, b->text, m);
    return c ? c : (a->len > b->len) - (a->len < b->len);
}

static int row_cmp_dir(const pick_row *a, const pick_row *b, int desc)
{
    int c = value_cmp(a->key, b->key);
    if (!c)
        c = (a->id > b->id) - (a->id < b->id);
    return desc ? -c : c;
}
static int row_cmp_asc(const void *a, const void *b) { return row_cmp_dir(a, b, 0); }
static int row_cmp_desc(const void *a, const void *b) { return row_cmp_dir(a, b, 1); }

/* The pick statement: the cursor's condition first (SQLite takes the
 * first lower bound it meets on the index column, and the cursor's is
 * the tighter one), then the list's filters, then the partition
 * (part_col = ?). With parts_json (PostgreSQL), every partition at once:
 * the ids of parts_json each pick their first rows through a LATERAL
 * subquery (an index walk apiece), and the server merges them, in one
 * round trip instead of one per partition. Binds: [parts_json], the
 * cursor's, q's, then LIMIT (per partition), [LIMIT of the merge], OFFSET. */
static db_stmt *pick_prepare(request *rq, const char *from_sql, const query *q, const page_req *p,
                             const char *part_col, const char *parts_json)
{
    query pk;
    char cond[1200];   /* the cursor condition holds the sort expression (a subquery for some sorts) */
    q_init(&pk, "");
    if (parts_json)
        q_bind_text(&pk, parts_json);   /* the '?' of the prefix, before every condition's */
    /* q's filters before the cursor: from_sql may hold '?'s whose values
     * lead q's binds (resident_search_from). */
    q_and_all(&pk, q);
    if (p->has_cursor) {
        snprintf(cond, sizeof cond, "(%s, %s) %s (?, ?)", p->sort_expr, p->id_expr, p->desc ? "<" : ">");
        q_where(&pk, cond);
        if (p->after.is_int)
            q_bind_int(&pk, p->after.i);
        else
            q_bind_text(&pk, p->after.text);
        q_bind_int(&pk, p->after_id);
    }
    if (part_col) {
        snprintf(cond, sizeof cond, "%s = %s", part_col, parts_json ? "parts.part::bigint" : "?");
        q_where(&pk, cond);
    }
    strbuf prefix = STRBUF_INIT, suffix = STRBUF_INIT;
    const char *dir = p->desc ? "DESC" : "ASC";
    if (parts_json)
        sb_printf(&prefix, "SELECT pick.s, pick.i FROM jsonb_array_elements_text(?::jsonb) AS parts(part)"
                           " CROSS JOIN LATERAL (SELECT %s AS s, %s AS i %s", p->sort_expr, p->id_expr, from_sql);
    else
        sb_printf(&prefix, "SELECT %s%s, %s %s", p->distinct ? "DISTINCT " : "", p->sort_expr, p->id_expr, from_sql);
    sb_printf(&suffix, " ORDER BY %s, %s %s LIMIT ?", p->order_by, p->id_expr, dir);
    if (parts_json)
        sb_printf(&suffix, ") AS pick ORDER BY pick.s %s, pick.i %s LIMIT ?", dir, dir);
    sb_puts(&suffix, " OFFSET ?");
    db_stmt *s = q_prepare_with(rq->db, prefix.data, &pk, suffix.data);
    sb_free(&prefix);
    sb_free(&suffix);
    q_free(&pk);
    return s;
}

/* Appends the rows of one run of s to *rows. 0, or -1. */
static int pick_collect(db_stmt *s, int key_is_int, pick_row **rows, size_t *n, size_t *cap)
{
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (*n == *cap) {
            pick_row *bigger = realloc(*rows, (*cap = *cap ? *cap * 2 : 64) * sizeof **rows);
            if (!bigger)
                return -1;
            *rows = bigger;
        }
        page_value *v = calloc(1, sizeof *v);
        if (!v)
            return -1;
        if (key_is_int) {
            v->is_int = 1;
            v->i = db_col_int(s, 0);
        } else {
            db_col_copy(s, 0, v->text, sizeof v->text);
            v->len = strlen(v->text);
        }
        (*rows)[*n].key = v;
        (*rows)[(*n)++].id = db_col_int(s, 1);
    }
    return rc == DB_DONE ? 0 : -1;
}

int page_pick_or_reply(request *rq, response *rs, const char *from_sql, const query *q, page_req *p,
                       const char *part_col, const int64_t *parts, size_t nparts, page_pick *out)
{
    pick_row *rows = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    /* The key is an integer only when the sort is by the id itself. */
    int key_is_int = strcmp(p->sort_expr, p->id_expr) == 0;
    int64_t want = p->page_size + 1;
    memset(out, 0, sizeof *out);
    int first = q->nbind + (p->has_cursor ? 2 : 0) + 1;
    if (!part_col) {
        db_stmt *s = pick_prepare(rq, from_sql, q, p, NULL, NULL);
        if (s) {
            db_bind_int(s, first, want);
            db_bind_int(s, first + 1, p->offset);
        }
        rc = s ? pick_collect(s, key_is_int, &rows, &n, &cap) : -1;
        db_finalize(s);
    } else if (db_conn_is_postgres(rq->db)) {
        /* Each partition's first offset + want rows, merged by the
         * server down to offset + want; the merge below skips offset. */
        strbuf ids = STRBUF_INIT;
        sb_putc(&ids, '[');
        for (size_t i = 0; i < nparts; i++)
            sb_printf(&ids, "%s%" PRId64, i ? "," : "", parts[i]);
        sb_putc(&ids, ']');
        db_stmt *s = pick_prepare(rq, from_sql, q, p, part_col, ids.data);
        if (s) {
            db_bind_int(s, first + 1, p->offset + want);
            db_bind_int(s, first + 2, p->offset + want);
            db_bind_int(s, first + 3, 0);
        }
        rc = s ? pick_collect(s, key_is_int, &rows, &n, &cap) : -1;
        db_finalize(s);
        sb_free(&ids);
    } else {
        /* Each partition's first offset + want rows; the merge skips
         * offset. (A reset statement loses its values: prepared again,
         * from the connection's cache.) */
        for (size_t i = 0; i < nparts && rc == 0; i++) {
            db_stmt *s = pick_prepare(rq, from_sql, q, p, part_col, NULL);
            if (s) {
                db_bind_int(s, first, parts[i]);
                db_bind_int(s, first + 1, p->offset + want);
                db_bind_int(s, first + 2, 0);
            }
            rc = s ? pick_collect(s, key_is_int, &rows, &n, &cap) : -1;
            db_finalize(s);
        }
        if (rc == 0 && n > 1)
            qsort(rows, n, sizeof *rows, p->desc ? row_cmp_desc : row_cmp_asc);
    }
    size_t skip = part_col ? (size_t)(p->offset < (int64_t)n ? p->offset : (int64_t)n) : 0;
    size_t avail = n - skip, shown = avail > (size_t)p->page_size ? (size_t)p->page_size : avail;
    strbuf ids = STRBUF_INIT;
    sb_putc(&ids, '[');
    for (size_t i = 0; i < shown; i++)
        sb_printf(&ids, "%s%" PRId64, i ? "," : "", rows[skip + i].id);
    sb_putc(&ids, ']');
    out->n = shown;
    out->ids_json = sb_detach(&ids);
    p->next_cursor[0] = '\0';
    if (rc == 0 && avail > shown && shown > 0)
        cursor_seal(rq, p, rows[skip + shown - 1].key, rows[skip + shown - 1].id);
    for (size_t i = 0; i < n; i++)
        free(rows[i].key);
    free(rows);
    if (rc != 0) {
        page_pick_release(out);
        return reply_internal(rs), -1;
    }
    return 0;
}

void page_pick_release(page_pick *pk)
{
    free(pk->ids_json);
    pk->ids_json = NULL;
    pk->n = 0;
}

db_stmt *page_fetch(request *rq, const char *select_sql, const page_req *p, const page_pick *pk)
{
    strbuf sql = STRBUF_INIT;
    /* The page's ids are one JSON array bound as text: SQLite reads it
     * with json_each, PostgreSQL with jsonb_array_elements_text. */
    const char *ids = db_sql(rq->db, "SELECT value FROM json_each(?)",
                             "SELECT jsonb_array_elements_text(?::jsonb)::bigint");
    sb_printf(&sql, "%s WHERE %s IN (%s) ORDER BY %s, %s %s", select_sql, p->id_expr, ids, p->order_by, p->id_expr,
              p->desc ? "DESC" : "ASC");
    db_stmt *s = db_prepare(rq->db, sql.data);
    sb_free(&sql);
    if (s)
        db_bind_text(s, 1, pk->ids_json ? pk->ids_json : "[]");
    return s;
}

/* ---- filters --------------------------------------------------------- */

int req_query_id_filter_or_reply(request *rq, response *rs, query *q, const char *key, const char *cond)
{
    int64_t v;
    int rc = req_query_int(rq, rs, key, 0, 1, INT64_MAX, &v);
    if (rc < 0)
        return -1;
    if (rc > 0) {
        q_where(q, cond);
        q_bind_int(q, v);
    }
    return 0;
}
