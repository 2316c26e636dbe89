/* http.h — the HTTP framework: what route handlers see of HTTP (the
 * request: method, path id, query, JSON body, authenticated caller,
 * database connection; the response they fill: status, JSON or raw
 * body), the route type each module's table is made of, and the server.
 * The libmicrohttpd glue itself is in http.c.
 *
 * This layer names no domain module: the application hands it the route
 * tables and the function that turns a session token into an actor. */
#ifndef MS_HTTP_H
#define MS_HTTP_H

#include <jansson.h>
#include <stdint.h>
#include <stddef.h>

#include "core/actor.h"
#include "storage/db.h"
#include "util/jsonw.h"

struct MHD_Connection;
struct arena;

typedef struct request {
    const char *method;
    const char *path;
    struct MHD_Connection *conn;
    const char *body;            /* raw body, NUL-terminated (may contain NULs) */
    size_t body_len;
    json_t *json;                /* parsed JSON object body for POST/PATCH/PUT; NULL otherwise */
    actor user;               /* valid when authed */
    int authed;
    char token[96];              /* the session token presented, for logout */
    db_conn *db;                 /* a read replica's connection on read_heavy routes when one is
                                    up to date for the caller (--db-replica), else the primary's */
    db_conn *primary;            /* the primary's connection (== db unless db is a replica's):
                                    write_begin_or_reply moves the request onto it */
    int64_t id;                  /* the {id} path segment, when the route has one */
    char client_ip[64];
    struct arena *arena;         /* memory for this request only (util/arena.h): gone, wiped, once
                                    the reply has been sent; reply_json_buf sends from it */
} request;

typedef struct response {
    int status;
    json_t *json;                /* owned; serialised when body is NULL */
    char *body;                  /* owned raw body (malloc) */
    const char *arena_body;      /* a JSON body in the request's arena (reply_json_buf) */
    size_t body_len;
    const char *content_type;    /* static string; default application/json */
    const char *static_body;     /* a body in the binary's read-only data (static.c), sent as is */
    const char *cache_control;   /* Cache-Control when set (static files); default no-store */
    const char *content_encoding;/* Content-Encoding when set ("gzip": a pre-compressed file) */
    const char *vary;            /* Vary when set */
    char set_cookie[256];
    char content_disposition[256];
    char export_fields[1024];    /* X-Export-Fields header when set: an export's field codes, comma-separated */
    char etag[40];               /* ETag header when set: "\"<version>\"" */
    int retry_after;             /* Retry-After header (seconds) when > 0 */
} response;

typedef int (*route_handler)(request *rq, response *rs);

/* One route of a module's table (designated initialisers, ended by an
 * all-zero entry):
 *     {.method = "GET", .pattern = "/api/v1/residents/{id}", .handler = resident_get,
 *      .roles = ROLES_REGISTRY_READ},
 * Roles are checked before the handler runs; scope is the handler's job,
 * against the data it touches. */
typedef struct route {
    const char *method;
    const char *pattern;         /* "/api/v1/residents/{id}/move" */
    route_handler handler;
    unsigned roles;              /* role bitmask allowed; 0 = no sign-in needed */
    size_t max_body;             /* 0 = default (1 MiB) */
    int raw_body;                /* 1: body is not JSON (CSV upload) */
    int allow_pending;           /* 1: open to a session with actor.pending set
                                    (password change, second-factor enrolment) */
    int read_heavy;              /* 1: a read (list, statistics) that may be answered from a read
                                    replica (serve --db-replica) once the replica has the caller's
                                    own latest write; a write it begins (an audit row) moves to
                                    the primary */
} route;

/* The primary's connection: where a read-heavy handler, possibly served
 * from a replica (rq->db), writes what it writes outside
 * write_begin_or_reply (a rate-limit event). */
static inline db_conn *req_primary(request *rq) { return rq->primary ? rq->primary : rq->db; }

/* 1 when the caller is signed in and org path `path` lies in their scope. */
int scope_contains(const request *rq, const char *path);

/* ---- responses ---- */
/* Takes ownership of j. Always returns 0 so handlers can `return reply_json(...)`. */
int reply_json(response *rs, int status, json_t *j);
/* A JSON body already written (jsonw_init(&w, rq->arena), then
 * reply_json_buf(rq, rs, 200, &w.sb)): sent as it is, from the arena,
 * with the headers of reply_json. A body outside rq's arena is copied
 * into it. Always returns 0, like reply_json. */
int reply_json_buf(request *rq, response *rs, int status, const strbuf *body);
/* {"error":{"code":..., "message":..., "field":...}}; field may be NULL. */
int reply_error(response *rs, int status, const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
int reply_bad_request(response *rs, const char *field, const char *message);
int reply_not_found(response *rs, const char *what);   /* "居民不存在或不在您的管辖范围内" */
int reply_forbidden(response *rs, const char *message);
int reply_internal(response *rs);
/* Takes ownership of body (malloc). */
int reply_raw(response *rs, int status, const char *content_type, char *body, size_t len);

/* ---- query string ---- */
const char *req_query(request *rq, const char *key);   /* NULL when absent */
const char *req_header(request *rq, const char *name); /* NULL when absent */
/* Parses an integer query parameter. Returns 1 if present and valid
 * (value in *out), 0 if absent (*out = def), -1 if malformed or out of
 * [min,max] (and fills a 400 error into rs). */
int req_query_int(request *rq, response *rs, const char *key, int64_t def, int64_t min, int64_t max, int64_t *out);
/* 1 when the client has closed the connection while the handler runs
 * (a long import asks between its transactions), else 0. */
int req_client_gone(request *rq);
/* 1 for "1"/"true", 0 otherwise. */
int req_query_flag(request *rq, const char *key);

/* ---- pagination & sorting ---- */
/* Lists show at most the first PAGE_MAX_ROWS rows by page number (page ×
 * page_size); deeper pages cost the database a scan of every row before
 * them and are refused with 400 on "page". The big lists (keyset lists,
 * req_page_keyset) go deeper by cursor: each reply's next_cursor, sent
 * back as ?cursor=, continues after the page's last row through the
 * sort's index, so any page costs what the first one costs. */
#define PAGE_MAX_ROWS 10000
/* A sort key value of a cursor: the sort expression's value in the last
 * row shown (text up to PAGE_KEY_MAX bytes, or an integer). */
#define PAGE_KEY_MAX 1024
#define PAGE_CURSOR_MAX 1536
typedef struct page_value {
    int is_int;
    int64_t i;
    size_t len;
    char text[PAGE_KEY_MAX + 1];
} page_value;
typedef struct page_req {
    int64_t page, page_size, offset;
    char order_by[128];          /* a whitelisted SQL ORDER BY clause body: "<expr> ASC|DESC" */
    const char *sort_expr;       /* the whitelisted expression alone */
    int desc;
    char sort_key[48];           /* the API's name of the sort ("-name") */
    /* keyset lists only (req_page_keyset) */
    int keyset;
    const char *id_expr;         /* the row's id column, the tie-breaker ("r.id") */
    int has_cursor;              /* ?cursor= given: rows after (after, after_id) */
    page_value after;
    int64_t after_id;
    int distinct;                /* the pick is SELECT DISTINCT (rows of one id adjacent in the walk) */
    /* filled while answering, shown by page_result */
    int total_is_estimate;       /* the count stopped at the cap: total means "more than" */
    char next_cursor[PAGE_CURSOR_MAX];  /* "" on the last page */
} page_req;
/* sort_keys: NULL-terminated pairs {api_key, sql_expr, ...}; the first is
 * the default (descending when written "-key"). Returns 0, or -1 with a 400 in rs. A ?cursor= is refused
 * (400): these lists page by number only. */
int req_page(request *rq, response *rs, const char *const *sort_keys, page_req *out);
/* The same for a keyset list whose rows are identified by id_expr
 * ("r.id", an INTEGER PRIMARY KEY: ties of the sort are ordered by it,
 * in the sort's direction). Also reads ?cursor= (400 on "cursor" when it
 * is malformed, altered, from an earlier server process, or made for
 * another list or sort; 400 on "page" with both). */
int req_page_keyset(request *rq, response *rs, const char *const *sort_keys, const char *id_expr, page_req *out);
/* The page sizes a person picks from on the big lists (residents,
 * households): PAGE_SIZE_CHOICES, the default 50. 0, or -1 with a 400 on
 * "page_size" naming them when another is asked; call before
 * req_page_keyset. */
#define PAGE_SIZE_CHOICES "20、50 或 100"
int page_size_choice_or_reply(request *rq, response *rs);
/* The 32-byte key cursors are sealed with (page.c); call before serving.
 * Without it each process makes its own, and a restart voids them. */
void page_set_cursor_key(const unsigned char key[32]);
/* Both of the above (http.c); keyset lists also take ?cursor= (page.c). */
int page_parse(request *rq, response *rs, const char *const *sort_keys, int keyset, page_req *out);
/* The list shape every paged route shares: counts the rows count_sql +
 * q's filters match into *total, and prepares select_sql + q's filters +
 * order_suffix (" ORDER BY … LIMIT ? OFFSET ?", the last two bound here
 * from p). Returns the page statement (the caller steps and finalizes),
 * or NULL with a 500 in rs. */
struct query;
db_stmt *page_query_or_reply(request *rq, response *rs, const char *count_sql, const char *select_sql,
                             const struct query *q, const char *order_suffix, const page_req *p, int64_t *total);
/* An optional id filter of the query string: when `key` is given (a
 * positive integer) adds cond (one "?") to q's filters with it bound.
 * 0 (absent or added), or -1 with a 400 in rs. */
int req_query_id_filter_or_reply(request *rq, response *rs, struct query *q, const char *key, const char *cond);
/* Counts the rows of "SELECT 1 " + from_sql + q's filters, stopping at
 * the server's count cap (serve --count-cap, default 10,000): beyond it
 * *total is the cap and p->total_is_estimate is set. For lists that can
 * grow large, whose totals the maintained counts cannot give (text
 * searches, other statuses, the audit log). 0, or -1 with a 500 in rs. */
int page_count_capped_or_reply(request *rq, response *rs, const char *from_sql, const struct query *q,
                               page_req *p, int64_t *total);
/* The ids of one page of a keyset list, in order, picked from the sort's
 * index: "SELECT <sort_expr>, <id_expr> " + from_sql + q's filters, after
 * the cursor, LIMIT page_size + 1. from_sql may hold '?'s (a subquery):
 * their values are q's first binds. With part_col ("h.grid_id") the pick
 * takes the first rows of each partition part_col = parts[i] and merges
 * them: a subtree's grids, each walked in order by its own index where
 * one IN (…) would sort every row of the subtree. SQLite runs one
 * statement per partition and merges in C; PostgreSQL runs one statement
 * that walks every partition through a LATERAL subquery (one round trip
 * for a street's 131 grids). Sets p->next_cursor when a row follows the
 * page. */
typedef struct page_pick {
    size_t n;                    /* rows of the page */
    char *ids_json;              /* "[7,3,12]": the page's ids, for PAGE_BY_IDS (malloc'd) */
} page_pick;
int page_pick_or_reply(request *rq, response *rs, const char *from_sql, const struct query *q, page_req *p,
                       const char *part_col, const int64_t *parts, size_t nparts, page_pick *out);
void page_pick_release(page_pick *pk);
/* The page's rows: select_sql + " WHERE <id_expr> IN (ids) ORDER BY …"
 * (the pick's order). The caller steps and finalizes; NULL on a prepare
 * error. */
db_stmt *page_fetch(request *rq, const char *select_sql, const page_req *p, const page_pick *pk);
/* Builds {"items": items, "page":…, "page_size":…, "total":…,
 * "total_is_estimate":…} (+ "next_cursor" on keyset lists); steals items. */
json_t *page_result(json_t *items, const page_req *p, int64_t total);
/* The same page written by a streaming writer: page_write_begin opens
 * the envelope and its "items" array, the caller writes each item,
 * page_write_end closes the array and adds the other members. */
void page_write_begin(jsonw *w);
void page_write_end(jsonw *w, const page_req *p, int64_t total);

/* ---- JSON body helpers (fill a 400 on failure and return -1) ---- */
/* Optional string: *out NULL when absent or null; -1 when not a string. */
int body_str(request *rq, response *rs, const char *key, const char **out);
int body_str_required(request *rq, response *rs, const char *key, const char **out);
/* Optional integer: returns 1 present, 0 absent, -1 error. */
int body_int(request *rq, response *rs, const char *key, int64_t *out);
int body_bool(request *rq, response *rs, const char *key, int *out);
/* Rejects keys outside `allowed` (NULL-terminated), naming the first. */
int body_only(request *rq, response *rs, const char *const *allowed);

/* ---- server ---- */
typedef struct server_config {
    const char *db_path;
    const char *listen_addr;     /* "127.0.0.1" */
    uint16_t port;
    unsigned threads;
    /* The routes: a NULL-terminated list of tables, each ended by an
     * all-zero route. The first match of method and path wins. */
    const route *const *route_tables;
    /* Resolves a session token, presented from client address
     * client_ip, to the caller: 0 and *out filled, or -1 (unknown,
     * expired, or not to be used from that address). NULL: nobody is
     * ever signed in. */
    int (*authenticate)(db_conn *db, const char *token, const char *client_ip, actor *out);
    /* Connection limits: all clients together (default 1000), one client
     * address (default 32; 0 = no limit), and the seconds a connection
     * may stay silent before it is closed (default 15). */
    unsigned max_conn;
    unsigned max_conn_per_ip;
    unsigned conn_timeout;
    /* The address of a reverse proxy on this host (nginx): only requests
     * from it have X-Forwarded-For (client address) and X-Forwarded-Proto
     * (https) believed. NULL: none. */
    const char *trusted_proxy;
    /* PEM files: when both are set the server speaks HTTPS itself, sends
     * Strict-Transport-Security and marks the session cookie Secure. */
    const char *tls_cert;
    const char *tls_key;
    /* Counted totals of lists stop here (page_count_capped_or_reply;
     * default 10,000; serve --count-cap). */
    unsigned count_cap;
    /* Database connections lent to requests (serve --db-pool; 0: one per
     * worker thread) and how long a request waits for one before it is
     * answered 503 (--db-pool-wait, ms; 0: DB_POOL_WAIT_MS). SQLite
     * always has one per worker thread. */
    unsigned db_pool;
    unsigned db_pool_wait_ms;
    /* A read replica's conninfo (serve --db-replica), or NULL: read_heavy
     * routes are served from it (a pool of db_pool connections). */
    const char *db_replica;
} server_config;

extern server_config g_config;

/* Starts the server in background threads and returns: 0, 1 (could not
 * listen), 2 (bad address or TLS files; message on stderr). */
int http_start(const server_config *cfg);
/* Stops the server started by http_start and waits for its threads. */
void http_stop(void);
/* http_start, then waits for SIGINT/SIGTERM, then http_stop. Returns a
 * process exit code. */
int http_serve(const server_config *cfg);

#endif
