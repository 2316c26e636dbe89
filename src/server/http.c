/* http.c — the libmicrohttpd glue.
 *
 * Owns: the daemon (limits per client address, idle timeout, TLS),
 * per-request state (raw-URI check, body accumulation with a size cap,
 * wiped when freed; the request's arena, which lives until its reply
 * has been sent when the reply was written into it), route matching
 * (HEAD as GET), the Content-Type of JSON bodies, authentication, the
 * cross-site check of cookie writes and role checks before any handler
 * runs, static web assets, security headers (HSTS on TLS, Retry-After
 * on 503) and the JSON error shape; the database connections each
 * request borrows (storage/pool.h: the primary's, and a read replica's
 * for read-heavy routes), the 503 for a lost connection, and running a
 * handler again after a serialization failure or deadlock
 * (storage/retry.h).
 * Handlers never see a request that failed any of those steps. */
#include "server/http.h"
#include "server/static.h"
#include "core/audit.h"
#include "storage/pool.h"
#include "storage/query.h"
#include "storage/replica.h"
#include "storage/retry.h"
#include "util/arena.h"
#include "util/strbuf.h"
#include "util/validate.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_MAX_BODY (1u << 20)
#define RETRY_AFTER_SECONDS 5     /* sent with every 503 */

server_config g_config = {
    .db_path = "minsheng.db",
    .listen_addr = "127.0.0.1",
    .port = 8080,
    .threads = 4,
    .max_conn = 1000,
    .max_conn_per_ip = 32,
    .conn_timeout = 15,
    .count_cap = 10000,
};

int scope_contains(const request *rq, const char *path)
{
    return rq->authed && actor_scope_contains(&rq->user, path);
}

/* ---- responses --------------------------------------------------------- */

int reply_json(response *rs, int status, json_t *j)
{
    json_decref(rs->json);
    free(rs->body);
    rs->body = NULL;
    rs->arena_body = NULL;
    rs->content_type = NULL;   /* a JSON reply replaces any raw one */
    rs->status = status;
    rs->json = j;
    return 0;
}

int reply_json_buf(request *rq, response *rs, int status, const strbuf *body)
{
    const char *data = body->data ? body->data : "";
    if (body->arena != rq->arena) {
        char *copy = arena_alloc(rq->arena, body->len);
        data = memcpy(copy, data, body->len);
    }
    reply_json(rs, status, NULL);
    rs->arena_body = data;
    rs->body_len = body->len;
    return 0;
}

__attribute__((format(printf, 5, 0)))
static int reply_errorv(response *rs, int status, const char *code, const char *field,
                        const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    /* jansson refuses a string that is not UTF-8, which would leave the
     * answer without its error: a multi-byte character cut by the buffer
     * is dropped, and bytes a client sent that are not UTF-8 (a sort key,
     * a query value quoted in the message) become '?' (found by
     * tests/fuzz/fuzz_http). */
    utf8_trim_partial(msg);
    utf8_scrub(msg);
    json_t *err = json_pack("{s:s, s:s}", "code", code, "message", msg);
    if (field)
        json_object_set_new(err, "field", json_string(field));
    rs->content_disposition[0] = '\0';
    rs->export_fields[0] = '\0';
    return reply_json(rs, status, json_pack("{s:o}", "error", err));
}

int reply_error(response *rs, int status, const char *code, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    reply_errorv(rs, status, code, field, fmt, ap);
    va_end(ap);
    return 0;
}

int reply_bad_request(response *rs, const char *field, const char *message)
{
    return reply_error(rs, 400, "bad_request", field, "%s", message);
}

int reply_not_found(response *rs, const char *what)
{
    return reply_error(rs, 404, "not_found", NULL, "%s不存在或不在您的管辖范围内", what);
}

int reply_forbidden(response *rs, const char *message)
{
    return reply_error(rs, 403, "forbidden", NULL, "%s", message ? message : "您的角色无权进行此操作");
}

int reply_internal(response *rs)
{
    return reply_error(rs, 500, "internal", NULL, "服务器内部错误，请稍后重试或联系管理员");
}

int reply_raw(response *rs, int status, const char *content_type, char *body, size_t len)
{
    json_decref(rs->json);
    rs->json = NULL;
    rs->arena_body = NULL;
    free(rs->body);
    rs->status = status;
    rs->body = body;
    rs->body_len = len;
    rs->content_type = content_type;
    return 0;
}

/* ---- query string ------------------------------------------------------ */

const char *req_query(request *rq, const char *key)
{
    return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *req_header(request *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

static int parse_int64(const char *s, int64_t *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

int req_query_int(request *rq, response *rs, const char *key, int64_t def, int64_t min, int64_t max, int64_t *out)
{
    const char *v = req_query(rq, key);
    *out = def;
    if (!v)
        return 0;
    int64_t n;
    if (parse_int64(v, &n) != 0 || n < min || n > max) {
        reply_error(rs, 400, "bad_request", key, "参数 %s 应为 %" PRId64 " 到 %" PRId64 " 之间的整数", key, min, max);
        return -1;
    }
    *out = n;
    return 1;
}

int req_client_gone(request *rq)
{
    const union MHD_ConnectionInfo *ci =
        rq->conn ? MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_CONNECTION_FD) : NULL;
    char c;
    if (!ci)
        return 0;
    /* The request body has been read in full: a readable end of file now
     * means the client closed its side (a pipelined byte is not EOF). */
    return recv(ci->connect_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

int req_query_flag(request *rq, const char *key)
{
    const char *v = req_query(rq, key);
    return v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
}

/* Page, page size and sort of any list; keyset lists (page.c) add the
 * cursor. */
int page_parse(request *rq, response *rs, const char *const *sort_keys, int keyset, page_req *out)
{
    memset(out, 0, sizeof *out);
    out->keyset = keyset;
    if (!keyset && req_query(rq, "cursor"))
        return reply_bad_request(rs, "cursor", "该列表只能按页码翻页，不支持 cursor 参数"), -1;
    if (req_query_int(rq, rs, "page", 1, 1, 1000000, &out->page) < 0)
        return -1;
    if (req_query_int(rq, rs, "page_size", 50, 1, 200, &out->page_size) < 0)
        return -1;
    out->offset = (out->page - 1) * out->page_size;
    if (out->page * out->page_size > PAGE_MAX_ROWS) {
        if (keyset)
            reply_error(rs, 400, "bad_request", "page",
                        "按页码只能翻看前 %d 条记录（第 %" PRId64 " 页、每页 %" PRId64 " 条已超出）；"
                        "请用上一页回复中的 next_cursor 作为 cursor 参数继续往后翻，或缩小筛选条件（如按社区、网格、姓名筛选）",
                        PAGE_MAX_ROWS, out->page, out->page_size);
        else
            reply_error(rs, 400, "bad_request", "page",
                        "只能翻看前 %d 条记录（第 %" PRId64 " 页、每页 %" PRId64 " 条已超出），请缩小筛选条件（如按社区、网格、姓名筛选）",
                        PAGE_MAX_ROWS, out->page, out->page_size);
        return -1;
    }
    /* The first key is the default, descending when written "-key". */
    const char *sort = req_query(rq, "sort");
    const char *expr = sort_keys[1];
    int desc = sort_keys[0][0] == '-';
    snprintf(out->sort_key, sizeof out->sort_key, "%s", sort_keys[0]);
    if (sort && *sort) {
        desc = sort[0] == '-';
        const char *key = desc ? sort + 1 : sort;
        expr = NULL;
        for (size_t i = 0; sort_keys[i]; i += 2)
            if (strcmp(sort_keys[i] + (sort_keys[i][0] == '-'), key) == 0)
                expr = sort_keys[i + 1];
        snprintf(out->sort_key, sizeof out->sort_key, "%s", sort);
        if (!expr) {
            strbuf allowed = STRBUF_INIT;
            for (size_t i = 0; sort_keys[i]; i += 2)
                sb_printf(&allowed, "%s%s", i ? ", " : "", sort_keys[i] + (sort_keys[i][0] == '-'));
            reply_error(rs, 400, "bad_request", "sort", "不支持按 %s 排序（可选: %s，前加 - 表示倒序）", key, allowed.data);
            sb_free(&allowed);
            return -1;
        }
    }
    out->sort_expr = expr;
    out->desc = desc;
    snprintf(out->order_by, sizeof out->order_by, "%s %s", expr, desc ? "DESC" : "ASC");
    return 0;
}

int req_page(request *rq, response *rs, const char *const *sort_keys, page_req *out)
{
    return page_parse(rq, rs, sort_keys, 0, out);
}

db_stmt *page_query_or_reply(request *rq, response *rs, const char *count_sql, const char *select_sql,
                             const query *q, const char *order_suffix, const page_req *p, int64_t *total)
{
    db_stmt *c = q_prepare_with(rq->db, count_sql, q, "");
    int rc = db_step(c);
    *total = rc == DB_ROW ? db_col_int(c, 0) : -1;
    db_finalize(c);
    if (rc != DB_ROW)
        return reply_internal(rs), NULL;
    db_stmt *s = q_prepare_with(rq->db, select_sql, q, order_suffix);
    db_bind_int(s, q->nbind + 1, p->page_size);
    db_bind_int(s, q->nbind + 2, p->offset);
    return s;
}

json_t *page_result(json_t *items, const page_req *p, int64_t total)
{
    json_t *j = json_pack("{s:o, s:I, s:I, s:I, s:b}", "items", items, "page", (json_int_t)p->page,
                          "page_size", (json_int_t)p->page_size, "total", (json_int_t)total,
                          "total_is_estimate", p->total_is_estimate);
    if (p->keyset)
        json_object_set_new(j, "next_cursor", p->next_cursor[0] ? json_string(p->next_cursor) : json_null());
    return j;
}

void page_write_begin(jsonw *w)
{
    jsonw_obj_begin(w);
    jsonw_key(w, "items");
    jsonw_arr_begin(w);
}

/* The members after "items", in page_result's order (keep the two in
 * step: tests/api/test_view_replies.c checks the keys). */
void page_write_end(jsonw *w, const page_req *p, int64_t total)
{
    jsonw_arr_end(w);
    jsonw_key(w, "page");
    jsonw_int(w, p->page);
    jsonw_key(w, "page_size");
    jsonw_int(w, p->page_size);
    jsonw_key(w, "total");
    jsonw_int(w, total);
    jsonw_key(w, "total_is_estimate");
    jsonw_bool(w, p->total_is_estimate);
    if (p->keyset) {
        jsonw_key(w, "next_cursor");
        if (p->next_cursor[0])
            jsonw_str(w, p->next_cursor);
        else
            jsonw_null(w);
    }
    jsonw_obj_end(w);
}

/* ---- JSON body --------------------------------------------------------- */

/* Fields of free text, where tab and line breaks are allowed; every
 * other string field is one line. Passwords are never shown, so they
 * are not checked for invisible characters (an old password holding
 * one must still sign in). */
static int key_is_free_text(const char *key)
{
    /* summary, agreement, performance, visit_note: a mediation case's
     * text, which its own checks allow on several lines */
    static const char *const FREE_TEXT[] = {"notes",     "note",        "description", "content", "summary",
                                            "agreement", "performance", "visit_note",  NULL};
    return str_in_set(key, FREE_TEXT);
}

static int key_is_password(const char *key)
{
    size_t n = strlen(key);
    return n >= 8 && strcmp(key + n - 8, "password") == 0;
}

int body_str(request *rq, response *rs, const char *key, const char **out)
{
    *out = NULL;
    json_t *v = rq->json ? json_object_get(rq->json, key) : NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v)) {
        reply_error(rs, 400, "bad_request", key, "字段 %s 应为字符串", key);
        return -1;
    }
    *out = json_string_value(v);
    if (strlen(*out) != json_string_length(v) ||
        (!key_is_password(key) && !text_is_clean(*out, key_is_free_text(key)))) {
        reply_error(rs, 400, "bad_request", key,
                    "字段 %s 含有控制字符或不可见的格式字符（零宽字符、文字方向控制符等）", key);
        return -1;
    }
    return 1;
}

int body_str_required(request *rq, response *rs, const char *key, const char **out)
{
    int rc = body_str(rq, rs, key, out);
    if (rc < 0)
        return -1;
    if (rc == 0 || **out == '\0') {
        reply_error(rs, 400, "bad_request", key, "缺少必填字段 %s", key);
        return -1;
    }
    return 1;
}

int body_int(request *rq, response *rs, const char *key, int64_t *out)
{
    json_t *v = rq->json ? json_object_get(rq->json, key) : NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v)) {
        reply_error(rs, 400, "bad_request", key, "字段 %s 应为整数", key);
        return -1;
    }
    *out = json_integer_value(v);
    return 1;
}

int body_bool(request *rq, response *rs, const char *key, int *out)
{
    json_t *v = rq->json ? json_object_get(rq->json, key) : NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_boolean(v)) {
        reply_error(rs, 400, "bad_request", key, "字段 %s 应为 true 或 false", key);
        return -1;
    }
    *out = json_is_true(v);
    return 1;
}

int body_only(request *rq, response *rs, const char *const *allowed)
{
    const char *key;
    json_t *v;
    if (!rq->json)
        return 0;
    json_object_foreach(rq->json, key, v) {
        int ok = 0;
        for (size_t i = 0; allowed[i] && !ok; i++)
            ok = strcmp(allowed[i], key) == 0;
        if (!ok) {
            reply_error(rs, 400, "bad_request", key, "不支持的字段 %s", key);
            return -1;
        }
    }
    return 0;
}

/* ---- routing ----------------------------------------------------------- */

/* Matches path against pattern; "{id}" matches a positive integer. */
static int path_matches(const char *pattern, const char *path, int64_t *id)
{
    while (*pattern && *path) {
        if (strncmp(pattern, "{id}", 4) == 0) {
            const char *end = path;
            while (*end >= '0' && *end <= '9')
                end++;
            if (end == path || end - path > 15 || *path == '0')
                return 0;
            *id = strtoll(path, NULL, 10);
            pattern += 4;
            path = end;
            continue;
        }
        if (*pattern != *path)
            return 0;
        pattern++;
        path++;
    }
    return *pattern == '\0' && *path == '\0';
}

/* Finds the route; *status is 0 on a match, 404 or 405 otherwise. */
static const route *route_find(const char *method, const char *path, int64_t *id, int *status)
{
    int path_seen = 0;
    *status = 404;
    for (const route *const *t = g_config.route_tables; t && *t; t++) {
        for (const route *r = *t; r->method; r++) {
            int64_t tmp = 0;
            if (!path_matches(r->pattern, path, &tmp))
                continue;
            path_seen = 1;
            if (strcmp(r->method, method) == 0) {
                *id = tmp;
                *status = 0;
                return r;
            }
        }
    }
    if (path_seen)
        *status = 405;
    return NULL;
}

/* ---- per-request state ------------------------------------------------- */

typedef struct conn_state {
    int started;            /* on_request has seen the headers */
    int bad_uri;            /* the raw URI holds %00, an encoded or a raw control byte */
    const route *route;
    int route_status;       /* 0, 404 or 405 */
    int64_t id;
    strbuf body;
    size_t max_body;
    int too_large;
} conn_state;

static const char *SECURITY_HEADERS[][2] = {
    {"X-Content-Type-Options", "nosniff"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "no-referrer"},
    {"Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"},
};

/* secure: the client reached us over TLS (directly, or through the
 * trusted proxy): HSTS is sent and the session cookie marked Secure. */
/* A reply body that is wiped when libmicrohttpd is done with it: replies
 * carry session tokens, full ID numbers and phones (剩余信息保护). */
typedef struct wiped_body {
    char *data;
    size_t len;
} wiped_body;

static void wipe_body(void *cls)
{
    wiped_body *b = cls;
    if (b->data)
        sodium_memzero(b->data, b->len);
    free(b->data);
    free(b);
}

/* Takes ownership of data (malloc'd, may be NULL when len is 0). */
static struct MHD_Response *response_wiped(char *data, size_t len)
{
    wiped_body *b = malloc(sizeof *b);
    struct MHD_Response *r = NULL;
    if (b) {
        *b = (wiped_body){data, len};
        r = MHD_create_response_from_buffer_with_free_callback_cls(len, data, wipe_body, b);
        if (r)
            return r;
        free(b);
    }
    if (data)
        sodium_memzero(data, len);
    free(data);
    return NULL;
}

/* A body in the request's arena: sent from there, and the arena (which
 * arena_free wipes) goes with the response. *a is NULL once it has. */
static struct MHD_Response *response_from_arena(const char *data, size_t len, arena **a)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer_with_free_callback_cls(len, (void *)data, arena_free, *a);
    if (r)
        *a = NULL;
    return r;
}

/* Sends rs; a reply written into the request's arena takes *a with it
 * (*a is then NULL). */
static enum MHD_Result send_response(struct MHD_Connection *conn, response *rs, int secure, arena **a)
{
    struct MHD_Response *r;
    if (rs->static_body) {    /* the web application's files: never freed, never wiped */
        r = MHD_create_response_from_buffer(rs->body_len, (void *)rs->static_body, MHD_RESPMEM_PERSISTENT);
    } else if (rs->content_type) {   /* set only by reply_raw; the body may be empty */
        r = response_wiped(rs->body, rs->body_len);
        rs->body = NULL;
    } else if (rs->arena_body) {
        r = response_from_arena(rs->arena_body, rs->body_len, a);
    } else {
        if (!rs->json)
            rs->json = json_object();
        char *text = json_dumps(rs->json, JSON_COMPACT);
        r = text ? response_wiped(text, strlen(text)) : NULL;
    }
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", rs->content_type ? rs->content_type : "application/json; charset=utf-8");
    for (size_t i = 0; i < sizeof SECURITY_HEADERS / sizeof SECURITY_HEADERS[0]; i++)
        MHD_add_response_header(r, SECURITY_HEADERS[i][0], SECURITY_HEADERS[i][1]);
    MHD_add_response_header(r, "Cache-Control", rs->cache_control ? rs->cache_control : "no-store");
    if (rs->content_encoding)
        MHD_add_response_header(r, "Content-Encoding", rs->content_encoding);
    if (rs->vary)
        MHD_add_response_header(r, "Vary", rs->vary);
    if (secure)
        MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
    if (rs->set_cookie[0]) {
        char cookie[sizeof rs->set_cookie + 16];
        snprintf(cookie, sizeof cookie, "%s%s", rs->set_cookie, secure ? "; Secure" : "");
        MHD_add_response_header(r, "Set-Cookie", cookie);
    }
    if (rs->content_disposition[0])
        MHD_add_response_header(r, "Content-Disposition", rs->content_disposition);
    if (rs->export_fields[0])
        MHD_add_response_header(r, "X-Export-Fields", rs->export_fields);
    if (rs->etag[0])
        MHD_add_response_header(r, "ETag", rs->etag);
    if (rs->retry_after > 0 || rs->status == 503) {   /* every 503 says when to retry */
        char secs[16];
        snprintf(secs, sizeof secs, "%d", rs->retry_after > 0 ? rs->retry_after : RETRY_AFTER_SECONDS);
        MHD_add_response_header(r, "Retry-After", secs);
    }
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)rs->status, r);
    MHD_destroy_response(r);
    return ret;
}

static void response_free(response *rs)
{
    json_decref(rs->json);
    free(rs->body);
    sodium_memzero(rs->set_cookie, sizeof rs->set_cookie);   /* may hold a session token */
}

static const char *header(struct MHD_Connection *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

/* Token from "Authorization: Bearer …" or the ms_session cookie;
 * *from_cookie says which. */
static const char *find_token(struct MHD_Connection *conn, int *from_cookie)
{
    const char *auth = header(conn, "Authorization");
    *from_cookie = 0;
    if (auth && strncmp(auth, "Bearer ", 7) == 0)
        return auth + 7;
    *from_cookie = 1;
    return MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "ms_session");
}

/* The TCP peer's address as text ("?" when unknown). */
static void peer_ip(struct MHD_Connection *conn, char *out, size_t outsz)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, outsz, "?");
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)outsz);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)outsz);
}

/* 1 when the request came through the proxy named by --trusted-proxy:
 * only then are its X-Forwarded-* headers believed. */
static int from_trusted_proxy(struct MHD_Connection *conn)
{
    char peer[64];
    if (!g_config.trusted_proxy)
        return 0;
    peer_ip(conn, peer, sizeof peer);
    return strcmp(peer, g_config.trusted_proxy) == 0;
}

/* The client's address: the TCP peer, or behind the trusted proxy the
 * last X-Forwarded-For entry (the one the proxy itself appended; earlier
 * entries come from the client and may be forged). */
static void client_ip(struct MHD_Connection *conn, char *out, size_t outsz)
{
    peer_ip(conn, out, outsz);
    const char *xff = from_trusted_proxy(conn) ? header(conn, "X-Forwarded-For") : NULL;
    if (!xff)
        return;
    const char *last = strrchr(xff, ',');
    last = last ? last + 1 : xff;
    while (*last == ' ' || *last == '\t')
        last++;
    char ip[64];
    size_t n = strcspn(last, " \t");
    unsigned char bin[sizeof(struct in6_addr)];
    if (n == 0 || n >= sizeof ip)
        return;
    memcpy(ip, last, n);
    ip[n] = '\0';
    if (inet_pton(AF_INET, ip, bin) == 1 || inet_pton(AF_INET6, ip, bin) == 1)
        snprintf(out, outsz, "%s", ip);
}

/* 1 when the client speaks TLS to us, or to the trusted proxy in front. */
static int request_is_secure(struct MHD_Connection *conn)
{
    if (g_config.tls_cert)
        return 1;
    const char *proto = from_trusted_proxy(conn) ? header(conn, "X-Forwarded-Proto") : NULL;
    return proto && strcasecmp(proto, "https") == 0;
}

/* Cross-site request forgery: a browser attaches the session cookie to
 * a form another site submits, so a cookie-authenticated write must
 * prove it comes from this site's own page. Browsers send Origin on
 * every POST/PATCH/DELETE fetch and form, and Sec-Fetch-Site on all
 * requests (newer ones); a page cannot forge either. Returns 1 when the
 * request is to be refused: Sec-Fetch-Site other than same-origin/none,
 * an Origin other than this server's own (scheme + Host), or neither
 * header. Bearer tokens are not sent by browsers on their own, so
 * bearer requests are not checked. */
static int cross_site(struct MHD_Connection *conn)
{
    const char *site = header(conn, "Sec-Fetch-Site");
    const char *origin = header(conn, "Origin");
    if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
        return 1;
    if (!origin)
        return site == NULL;
    const char *host = header(conn, "Host");
    char own[300];
    if (!host)
        return 1;
    snprintf(own, sizeof own, "%s://%s", request_is_secure(conn) ? "https" : "http", host);
    return strcasecmp(origin, own) != 0;
}

static int method_is_safe(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 || strcmp(method, "OPTIONS") == 0;
}

/* Authenticates and authorises; returns 0 to go on, -1 with rs filled. */
static int check_access(const route *rt, const char *wire_method, request *rq, response *rs)
{
    int from_cookie;
    const char *token = find_token(rq->conn, &from_cookie);
    if (token && strlen(token) < sizeof rq->token && g_config.authenticate) {
        snprintf(rq->token, sizeof rq->token, "%s", token);
        rq->authed = g_config.authenticate(rq->db, token, rq->client_ip, &rq->user) == 0;
    }
    if (rq->authed && from_cookie && !method_is_safe(wire_method) && cross_site(rq->conn))
        return reply_error(rs, 403, "csrf", NULL, "请求来自其他网站，已拒绝（请在本系统页面内操作）"), -1;
    if (rt->roles == 0)
        return 0;
    if (!rq->authed)
        return reply_error(rs, 401, "unauthorized", NULL, "未登录或登录已过期，请重新登录"), -1;
    if (rq->user.pending && !rt->allow_pending) {
        if (rq->user.pending & ACTOR_PENDING_PASSWORD)
            return reply_error(rs, 403, "password_change_required", NULL, "请先修改密码（初始密码、重置或已过期的密码）"), -1;
        if (rq->user.pending & ACTOR_PENDING_TOTP_ENROLL)
            return reply_error(rs, 403, "totp_enrollment_required", NULL, "请先绑定动态验证码（双因素认证）"), -1;
        return reply_error(rs, 403, "role_approval_required", NULL, "账户的角色和管辖范围尚待安全管理员确认"), -1;
    }
    if (!(rt->roles & rq->user.role))
        return reply_forbidden(rs, NULL), -1;
    return 0;
}

/* "application/json", optionally with charset=utf-8 (any case, quoted
 * or not). Anything else, including the text/plain and form types a
 * cross-site HTML form can send, is not JSON. */
static int is_json_type(const char *ct)
{
    if (!ct)
        return 0;
    ct += strspn(ct, " \t");
    if (strncasecmp(ct, "application/json", 16) != 0)
        return 0;
    ct += 16;
    ct += strspn(ct, " \t");
    if (*ct == '\0')
        return 1;
    if (*ct++ != ';')
        return 0;
    ct += strspn(ct, " \t");
    if (strncasecmp(ct, "charset=", 8) != 0)
        return 0;
    ct += 8;
    int quoted = *ct == '"';
    ct += quoted;
    if (strncasecmp(ct, "utf-8", 5) != 0)
        return 0;
    ct += 5;
    if (quoted && *ct++ != '"')
        return 0;
    ct += strspn(ct, " \t");
    return *ct == '\0';
}

/* JSON routes take a non-empty body only as application/json (415
 * otherwise); raw-body routes check their own type. */
static int body_type_ok_or_reply(const route *rt, const request *rq, response *rs)
{
    if (rt->raw_body || rq->body_len == 0 || is_json_type(header(rq->conn, "Content-Type")))
        return 0;
    return reply_error(rs, 415, "unsupported_media_type", NULL,
                       "请求内容类型应为 application/json（Content-Type: application/json; charset=utf-8）"), -1;
}

static int parse_json_body(const route *rt, request *rq, response *rs)
{
    const char *m = rq->method;
    if (rt->raw_body || (strcmp(m, "POST") != 0 && strcmp(m, "PATCH") != 0 && strcmp(m, "PUT") != 0))
        return 0;
    if (rq->body_len == 0) {
        rq->json = json_object();
        return 0;
    }
    json_error_t e;
    rq->json = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &e);
    if (!rq->json)
        return reply_error(rs, 400, "bad_request", NULL, "请求内容不是有效的 JSON（第 %d 行第 %d 列）", e.line, e.column), -1;
    if (!json_is_object(rq->json))
        return reply_error(rs, 400, "bad_request", NULL, "请求内容应为 JSON 对象"), -1;
    return 0;
}

/* Password fields of a parsed body are wiped before jansson frees them
 * (the raw body is wiped in on_completed). */
static void wipe_passwords(json_t *body)
{
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
        if (key_is_password(key) && json_is_string(v))
            sodium_memzero((char *)json_string_value(v), json_string_length(v));
}

/* HEAD is answered as GET; libmicrohttpd leaves the body out. */
static const char *route_method(const char *method)
{
    return strcmp(method, "HEAD") == 0 ? "GET" : method;
}

/* ---- database connections ---------------------------------------------- */

static db_pool *g_primary, *g_replica;

static void reply_db_unavailable(response *rs, db_pool_status why)
{
    if (why == DB_POOL_BUSY)
        reply_error(rs, 503, "busy", NULL, "系统繁忙（数据库连接已全部占用），请稍后重试");
    else
        reply_error(rs, 503, "db_unavailable", NULL, "数据库暂时无法连接，请稍后重试");
}

/* A replica's connection for a read-heavy request of user_id, when the
 * replica is up and has replayed the user's own latest write; else NULL
 * (the primary answers). Never waits for a busy replica pool. */
static db_conn *replica_for(db_conn *primary, int64_t user_id)
{
    db_conn *r = g_replica ? db_pool_get(g_replica, 0, NULL) : NULL;
    if (r && !db_replica_caught_up(primary, r, user_id)) {
        db_pool_put(g_replica, r);
        r = NULL;
    }
    return r;
}

/* Runs the route's handler, and runs it again — the whole transaction —
 * while it failed on a serialization failure or deadlock and the retry
 * policy (storage/retry.h) allows: the server rolled the transaction
 * back, so nothing of the failed run remains. Retries exhausted answer
 * 503. */
static void run_handler(const route *rt, request *rq, response *rs)
{
    for (int attempt = 0;; attempt++) {
        db_failure_of(rq->db, 1);
        if (rq->db != rq->primary)
            db_failure_of(rq->primary, 1);
        if (rt->handler(rq, rs) != 0 && rs->status == 0)
            reply_internal(rs);
        db_rollback(rq->db);
        db_failure f = db_failure_of(rq->db, 0);
        if (f == DB_FAIL_NONE && rq->db != rq->primary)
            f = db_failure_of(rq->primary, 0);
        if (rs->status < 500 || f != DB_FAIL_CONFLICT)
            return;
        int ms = db_retry_delay_ms(f, attempt, randombytes_random());
        if (ms < 0) {
            reply_error(rs, 503, "busy", NULL, "系统繁忙（数据库事务冲突），请稍后重试");
            return;
        }
        fprintf(stderr, "minsheng: %s %s: 事务冲突（序列化失败或死锁），%d 毫秒后重试（第 %d 次）\n", rq->method,
                rq->path, ms, attempt + 1);
        response_free(rs);
        memset(rs, 0, sizeof *rs);
        wipe_passwords(rq->json);
        json_decref(rq->json);
        rq->json = NULL;
        parse_json_body(rt, rq, rs);   /* parsed once already: cannot fail now */
        struct timespec d = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
        nanosleep(&d, NULL);
    }
}

static void dispatch(struct MHD_Connection *conn, const char *method, const char *url,
                     conn_state *st, arena *a, response *rs)
{
    request rq;
    memset(&rq, 0, sizeof rq);
    rq.arena = a;
    rq.method = route_method(method);
    rq.path = url;
    rq.conn = conn;
    rq.body = st->body.data ? st->body.data : "";
    rq.body_len = st->body.len;
    rq.id = st->id;
    client_ip(conn, rq.client_ip, sizeof rq.client_ip);

    if (st->bad_uri) {
        reply_error(rs, 400, "bad_request", NULL, "请求地址含有非法字符（%%00 或控制字符）");
        return;
    }
    if (st->too_large) {
        reply_error(rs, 413, "payload_too_large", NULL, "请求内容过大（上限 %zu 字节）", st->max_body);
        return;
    }
    if (!st->route) {
        if (strcmp(rq.method, "GET") == 0 && static_serve_or_skip(url, header(conn, "Accept-Encoding"), rs))
            return;
        if (st->route_status == 405)
            reply_error(rs, 405, "method_not_allowed", NULL, "不支持的请求方法 %s", method);
        else
            reply_error(rs, 404, "not_found", NULL, "请求的地址不存在");
        return;
    }
    if (body_type_ok_or_reply(st->route, &rq, rs) != 0)
        return;
    db_pool_status why;
    rq.primary = rq.db = db_pool_get(g_primary, (int)g_config.db_pool_wait_ms, &why);
    if (!rq.db) {
        reply_db_unavailable(rs, why);
        return;
    }
    int ran = check_access(st->route, method, &rq, rs) == 0 && parse_json_body(st->route, &rq, rs) == 0;
    db_conn *replica = NULL;
    if (ran && st->route->read_heavy && rq.authed)
        rq.db = replica = replica_for(rq.primary, rq.user.id);
    if (!rq.db)
        rq.db = rq.primary;
    if (ran)
        run_handler(st->route, &rq, rs);
    db_rollback(rq.db);   /* no-op unless a handler left a transaction open */
    if (rq.db != rq.primary)
        db_rollback(rq.primary);
    if (!db_conn_broken(rq.primary) && !db_conn_broken(rq.db)) {
        /* A signed-in caller refused (403, 404, a refused write): a security event. */
        if (rq.authed && rs->status >= 400 && rs->status < 500)
            audit_refusal(rq.primary, &rq.user, rq.client_ip, method, url, rs->status,
                          json_string_value(json_object_get(json_object_get(rs->json, "error"), "code")));
        /* Nothing is acknowledged before it is durable (db_commit already
         * synced its own commits; this covers single-statement writes). */
        if (db_sync(rq.primary) != 0 && rs->status < 400)
            reply_internal(rs);
        /* The caller's reads wait on a replica until it has this write. */
        if (rq.authed && !method_is_safe(rq.method) && rs->status < 400)
            db_note_write(rq.primary, rq.user.id);
    }
    /* Whatever the handler made of statements that failed because the
     * connection was lost (an empty list, a 404, a 500, a COMMIT whose
     * outcome is unknown) is not an answer. */
    if (db_conn_broken(rq.primary) || db_conn_broken(rq.db))
        reply_error(rs, 503, "db_connection_lost", NULL, "数据库连接中断，请稍后重试");
    if (replica)
        db_pool_put(g_replica, replica);
    db_pool_put(g_primary, rq.primary);
    wipe_passwords(rq.json);
    json_decref(rq.json);
    sodium_memzero(rq.token, sizeof rq.token);
}

/* A raw URI (before libmicrohttpd decodes it) that decodes to a NUL or
 * another control character: "/index.html%00.js" would otherwise reach
 * routing as "/index.html". Refused in the path and the query alike. */
static int uri_is_unsafe(const char *uri)
{
    for (const unsigned char *p = (const unsigned char *)uri; *p; p++) {
        if (*p < 0x20 || *p == 0x7F)
            return 1;
        if (*p == '%' && (p[1] == '0' || p[1] == '1') && p[2] && strchr("0123456789abcdefABCDEF", p[2]))
            return 1;   /* %00–%1F */
        if (*p == '%' && p[1] == '7' && (p[2] == 'f' || p[2] == 'F'))
            return 1;   /* %7F */
    }
    return 0;
}

/* Called with the raw URI before anything else of a request; what it
 * returns is the request's state (*con_cls) from then on. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    conn_state *st = calloc(1, sizeof *st);
    if (st)
        st->bad_uri = uri_is_unsafe(uri);
    return st;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    conn_state *st = *con_cls;
    if (!st)
        return MHD_NO;   /* on_uri could not allocate */
    if (!st->started) {
        st->started = 1;
        st->route = route_find(route_method(method), url, &st->id, &st->route_status);
        st->max_body = st->route && st->route->max_body ? st->route->max_body : DEFAULT_MAX_BODY;
        const char *cl = header(conn, "Content-Length");
        int64_t n;
        if (cl && parse_int64(cl, &n) == 0 && n > (int64_t)st->max_body)
            st->too_large = 1;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!st->too_large && st->body.len + *upload_data_size > st->max_body) {
            st->too_large = 1;
            sodium_memzero(st->body.data, st->body.cap);
            sb_free(&st->body);
        }
        if (!st->too_large && !st->bad_uri)
            sb_append(&st->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    response rs;
    memset(&rs, 0, sizeof rs);
    /* The request's memory: it lives until the reply has been sent when
     * the reply was written into it, else until here. */
    arena *a = arena_new(0);
    dispatch(conn, method, url, st, a, &rs);
    enum MHD_Result ret = send_response(conn, &rs, request_is_secure(conn), &a);
    response_free(&rs);
    arena_free(a);
    return ret;
}

/* The body may hold passwords: wiped before the memory is given back. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    conn_state *st = *con_cls;
    if (!st)
        return;
    if (st->body.data)
        sodium_memzero(st->body.data, st->body.cap);
    sb_free(&st->body);
    free(st);
    *con_cls = NULL;
}

/* ---- daemon ------------------------------------------------------------ */

static struct MHD_Daemon *g_daemon;
static char *g_tls_cert_pem, *g_tls_key_pem;
static size_t g_tls_key_len;

static void tls_free(void)
{
    if (g_tls_key_pem)
        sodium_memzero(g_tls_key_pem, g_tls_key_len);
    free(g_tls_key_pem);
    free(g_tls_cert_pem);
    g_tls_key_pem = g_tls_cert_pem = NULL;
    g_tls_key_len = 0;
}

/* Reads a PEM file whole (NUL-terminated, malloc'd); NULL with a
 * message on stderr. A private key others may read is refused. */
static char *read_pem(const char *path, int is_key, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    struct stat sb;
    if (!f || fstat(fileno(f), &sb) != 0) {
        fprintf(stderr, "minsheng: 无法读取 %s：%s\n", path, strerror(errno));
        if (f)
            fclose(f);
        return NULL;
    }
    if (is_key && (sb.st_mode & 0007)) {
        fprintf(stderr, "minsheng: 私钥文件 %s 对所有用户可读，请先执行 chmod 600 %s\n", path, path);
        fclose(f);
        return NULL;
    }
    char *data = sb.st_size > 0 && sb.st_size < (1 << 20) ? malloc((size_t)sb.st_size + 1) : NULL;
    size_t n = data ? fread(data, 1, (size_t)sb.st_size, f) : 0;
    fclose(f);
    if (!data || n != (size_t)sb.st_size) {
        fprintf(stderr, "minsheng: 无法读取 %s\n", path);
        free(data);
        return NULL;
    }
    data[n] = '\0';
    *len_out = n;
    return data;
}

static void pools_free(void)
{
    db_pool_free(g_primary);
    db_pool_free(g_replica);
    g_primary = g_replica = NULL;
}

int http_start(const server_config *cfg)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(cfg->port);
    if (inet_pton(AF_INET, cfg->listen_addr, &addr.sin_addr) != 1) {
        fprintf(stderr, "minsheng: 无效的监听地址 %s（应为 IPv4 地址，如 127.0.0.1）\n", cfg->listen_addr);
        return 2;
    }
    if (!cfg->tls_cert != !cfg->tls_key) {
        fprintf(stderr, "minsheng: --tls-cert 和 --tls-key 须同时给出\n");
        return 2;
    }
    size_t cert_len;
    if (cfg->tls_cert && (!(g_tls_cert_pem = read_pem(cfg->tls_cert, 0, &cert_len)) ||
                          !(g_tls_key_pem = read_pem(cfg->tls_key, 1, &g_tls_key_len)))) {
        tls_free();
        return 2;
    }
    g_config = *cfg;
    /* Connections: --db-pool of them (default one per worker thread), a
     * pool as large for a read replica. SQLite keeps one per worker
     * thread: its writers queue on the file's lock whatever the count,
     * and each connection's page cache is sized for the threads. */
    unsigned threads = cfg->threads ? cfg->threads : 4;
    int pool_size = (int)(cfg->db_pool && db_is_postgres(cfg->db_path) ? cfg->db_pool : threads);
    if (!g_config.db_pool_wait_ms)
        g_config.db_pool_wait_ms = DB_POOL_WAIT_MS;
    g_primary = db_pool_new(cfg->db_path, pool_size);
    g_replica = cfg->db_replica ? db_pool_new(cfg->db_replica, pool_size) : NULL;
    if (!g_primary || (cfg->db_replica && !g_replica)) {
        fprintf(stderr, "minsheng: 内存不足\n");
        pools_free();
        tls_free();
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);

    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL_LINUX_ONLY | MHD_USE_ERROR_LOG;
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, g_tls_cert_pem},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, g_tls_key_pem},
        {MHD_OPTION_END, 0, NULL},
    };
    if (g_tls_cert_pem)
        flags |= MHD_USE_TLS;
    else
        tls_opts[0].option = MHD_OPTION_END;
    g_daemon = MHD_start_daemon(
        flags, cfg->port, NULL, NULL,
        on_request, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)(cfg->threads ? cfg->threads : 4),
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)(cfg->conn_timeout ? cfg->conn_timeout : 15),
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)(cfg->max_conn ? cfg->max_conn : 1000),
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->max_conn_per_ip,
        MHD_OPTION_ARRAY, tls_opts,
        MHD_OPTION_END);
    if (!g_daemon) {
        fprintf(stderr, "minsheng: 无法在 %s:%u 上监听（端口被占用、无权限或 TLS 证书与私钥无效）\n",
                cfg->listen_addr, cfg->port);
        pools_free();
        tls_free();
        return 1;
    }
    return 0;
}

void http_stop(void)
{
    if (g_daemon)
        MHD_stop_daemon(g_daemon);
    g_daemon = NULL;
    pools_free();
    tls_free();
}

int http_serve(const server_config *cfg)
{
    /* Block the stop signals before MHD starts its threads (they inherit
     * the mask), so only sigwait below receives them. */
    sigset_t stop_set;
    sigemptyset(&stop_set);
    sigaddset(&stop_set, SIGINT);
    sigaddset(&stop_set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_set, NULL);
    int rc = http_start(cfg);
    if (rc != 0)
        return rc;
    char shown[1024];   /* a PostgreSQL URI's password is never printed */
    printf("minsheng 已启动: %s://%s:%u/  (数据库 %s，按 Ctrl-C 停止)\n", cfg->tls_cert ? "https" : "http",
           cfg->listen_addr, cfg->port, db_display_name(cfg->db_path, shown, sizeof shown));
    fflush(stdout);
    int sig = 0;
    sigwait(&stop_set, &sig);
    http_stop();
    printf("minsheng 已停止\n");
    return 0;
}
