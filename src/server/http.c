/* http.c — the libmicrohttpd glue.
 *
 * Owns: the daemon, per-connection request state (body accumulation
 * with a size cap), route matching, authentication and role checks
 * before any handler runs, static web assets, security headers and the
 * JSON error shape. Handlers never see a request that failed any of
 * those steps. */
#include "server/http.h"
#include "storage/query.h"
#include "util/embedded.h"
#include "util/strbuf.h"
#include "util/validate.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_MAX_BODY (1u << 20)

server_config g_config = {
    .db_path = "minsheng.db",
    .listen_addr = "127.0.0.1",
    .port = 8080,
    .threads = 4,
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
    rs->content_type = NULL;   /* a JSON reply replaces any raw one */
    rs->status = status;
    rs->json = j;
    return 0;
}

static int reply_errorv(response *rs, int status, const char *code, const char *field,
                        const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    utf8_trim_partial(msg); /* a cut multi-byte character would make jansson refuse the string */
    json_t *err = json_pack("{s:s, s:s}", "code", code, "message", msg);
    if (field)
        json_object_set_new(err, "field", json_string(field));
    rs->content_disposition[0] = '\0';
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

int req_query_flag(request *rq, const char *key)
{
    const char *v = req_query(rq, key);
    return v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
}

int req_page(request *rq, response *rs, const char *const *sort_keys, page_req *out)
{
    if (req_query_int(rq, rs, "page", 1, 1, 1000000, &out->page) < 0)
        return -1;
    if (req_query_int(rq, rs, "page_size", 50, 1, 200, &out->page_size) < 0)
        return -1;
    out->offset = (out->page - 1) * out->page_size;
    const char *sort = req_query(rq, "sort");
    const char *expr = sort_keys[1];
    int desc = 0;
    if (sort && *sort) {
        desc = sort[0] == '-';
        const char *key = desc ? sort + 1 : sort;
        expr = NULL;
        for (size_t i = 0; sort_keys[i]; i += 2)
            if (strcmp(sort_keys[i], key) == 0)
                expr = sort_keys[i + 1];
        if (!expr) {
            strbuf allowed = STRBUF_INIT;
            for (size_t i = 0; sort_keys[i]; i += 2)
                sb_printf(&allowed, "%s%s", i ? ", " : "", sort_keys[i]);
            reply_error(rs, 400, "bad_request", "sort", "不支持按 %s 排序（可选: %s，前加 - 表示倒序）", key, allowed.data);
            sb_free(&allowed);
            return -1;
        }
    }
    snprintf(out->order_by, sizeof out->order_by, "%s %s", expr, desc ? "DESC" : "ASC");
    return 0;
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
    return json_pack("{s:o, s:I, s:I, s:I}", "items", items, "page", (json_int_t)p->page,
                     "page_size", (json_int_t)p->page_size, "total", (json_int_t)total);
}

/* ---- JSON body --------------------------------------------------------- */

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
    if (strlen(*out) != json_string_length(v)) {
        reply_error(rs, 400, "bad_request", key, "字段 %s 含有非法字符", key);
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

/* ---- per-connection state --------------------------------------------- */

typedef struct conn_state {
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

static enum MHD_Result send_response(struct MHD_Connection *conn, response *rs)
{
    char *text = NULL;
    size_t len = 0;
    struct MHD_Response *r;
    if (rs->content_type) {   /* set only by reply_raw; the body may be empty */
        r = MHD_create_response_from_buffer(rs->body_len, rs->body, MHD_RESPMEM_MUST_FREE);
        rs->body = NULL;
    } else {
        if (!rs->json)
            rs->json = json_object();
        text = json_dumps(rs->json, JSON_COMPACT);
        len = text ? strlen(text) : 0;
        r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
        if (!r)
            free(text);
    }
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", rs->content_type ? rs->content_type : "application/json; charset=utf-8");
    for (size_t i = 0; i < sizeof SECURITY_HEADERS / sizeof SECURITY_HEADERS[0]; i++)
        MHD_add_response_header(r, SECURITY_HEADERS[i][0], SECURITY_HEADERS[i][1]);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (rs->set_cookie[0])
        MHD_add_response_header(r, "Set-Cookie", rs->set_cookie);
    if (rs->content_disposition[0])
        MHD_add_response_header(r, "Content-Disposition", rs->content_disposition);
    if (rs->etag[0])
        MHD_add_response_header(r, "ETag", rs->etag);
    if (rs->retry_after > 0) {
        char secs[16];
        snprintf(secs, sizeof secs, "%d", rs->retry_after);
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
}

static int serve_static(const char *path, response *rs)
{
    static const struct { const char *url, *file, *type; } ASSETS[] = {
        {"/", "index.html", "text/html; charset=utf-8"},
        {"/index.html", "index.html", "text/html; charset=utf-8"},
        {"/app.js", "app.js", "text/javascript; charset=utf-8"},
        {"/style.css", "style.css", "text/css; charset=utf-8"},
    };
    if (strcmp(path, "/favicon.ico") == 0) {
        /* No icon yet: an empty answer keeps browsers from logging 404s. */
        reply_raw(rs, 204, "image/x-icon", NULL, 0);
        return 1;
    }
    for (size_t i = 0; i < sizeof ASSETS / sizeof ASSETS[0]; i++) {
        if (strcmp(path, ASSETS[i].url) != 0)
            continue;
        const struct embedded_file *f = embedded_find(ms_web_assets, ASSETS[i].file);
        if (!f)
            break;
        char *copy = malloc(f->size + 1);
        if (!copy)
            return reply_internal(rs), 1;
        memcpy(copy, f->data, f->size);
        reply_raw(rs, 200, ASSETS[i].type, copy, f->size);
        return 1;
    }
    return 0;
}

/* Token from "Authorization: Bearer …" or the ms_session cookie. */
static const char *find_token(struct MHD_Connection *conn)
{
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    if (auth && strncmp(auth, "Bearer ", 7) == 0)
        return auth + 7;
    return MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "ms_session");
}

static void client_ip(struct MHD_Connection *conn, char *out, size_t outsz)
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

/* Authenticates and authorises; returns 0 to go on, -1 with rs filled. */
static int check_access(const route *rt, request *rq, response *rs)
{
    const char *token = find_token(rq->conn);
    if (token && strlen(token) < sizeof rq->token && g_config.authenticate) {
        snprintf(rq->token, sizeof rq->token, "%s", token);
        rq->authed = g_config.authenticate(rq->db, token, &rq->user) == 0;
    }
    if (rt->roles == 0)
        return 0;
    if (!rq->authed)
        return reply_error(rs, 401, "unauthorized", NULL, "未登录或登录已过期，请重新登录"), -1;
    if (!(rt->roles & rq->user.role))
        return reply_forbidden(rs, NULL), -1;
    return 0;
}

static int parse_json_body(const route *rt, request *rq, response *rs)
{
    if (rt->raw_body || (strcmp(rq->method, "POST") != 0 && strcmp(rq->method, "PATCH") != 0))
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

static void dispatch(struct MHD_Connection *conn, const char *method, const char *url,
                     conn_state *st, response *rs)
{
    request rq;
    memset(&rq, 0, sizeof rq);
    rq.method = method;
    rq.path = url;
    rq.conn = conn;
    rq.body = st->body.data ? st->body.data : "";
    rq.body_len = st->body.len;
    rq.id = st->id;
    client_ip(conn, rq.client_ip, sizeof rq.client_ip);

    if (st->too_large) {
        reply_error(rs, 413, "payload_too_large", NULL, "请求内容过大（上限 %zu 字节）", st->max_body);
        return;
    }
    if (!st->route) {
        if (strcmp(method, "GET") == 0 && strncmp(url, "/api/", 5) != 0 && serve_static(url, rs))
            return;
        if (st->route_status == 405)
            reply_error(rs, 405, "method_not_allowed", NULL, "不支持的请求方法 %s", method);
        else
            reply_error(rs, 404, "not_found", NULL, "请求的地址不存在");
        return;
    }
    rq.db = db_thread_conn();
    if (!rq.db) {
        reply_error(rs, 503, "unavailable", NULL, "数据库暂时不可用");
        return;
    }
    if (check_access(st->route, &rq, rs) == 0 && parse_json_body(st->route, &rq, rs) == 0) {
        if (st->route->handler(&rq, rs) != 0 && rs->status == 0)
            reply_internal(rs);
    }
    db_rollback(rq.db);   /* no-op unless a handler left a transaction open */
    json_decref(rq.json);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    conn_state *st = *con_cls;
    if (!st) {
        st = calloc(1, sizeof *st);
        if (!st)
            return MHD_NO;
        st->route = route_find(method, url, &st->id, &st->route_status);
        st->max_body = st->route && st->route->max_body ? st->route->max_body : DEFAULT_MAX_BODY;
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        int64_t n;
        if (cl && parse_int64(cl, &n) == 0 && n > (int64_t)st->max_body)
            st->too_large = 1;
        *con_cls = st;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!st->too_large && st->body.len + *upload_data_size > st->max_body) {
            st->too_large = 1;
            sb_free(&st->body);
        }
        if (!st->too_large)
            sb_append(&st->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    response rs;
    memset(&rs, 0, sizeof rs);
    dispatch(conn, method, url, st, &rs);
    enum MHD_Result ret = send_response(conn, &rs);
    response_free(&rs);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    conn_state *st = *con_cls;
    if (!st)
        return;
    sb_free(&st->body);
    free(st);
    *con_cls = NULL;
}

/* ---- daemon ------------------------------------------------------------ */

int http_serve(const server_config *cfg)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(cfg->port);
    if (inet_pton(AF_INET, cfg->listen_addr, &addr.sin_addr) != 1) {
        fprintf(stderr, "minsheng: 无效的监听地址 %s（应为 IPv4 地址，如 127.0.0.1）\n", cfg->listen_addr);
        return 2;
    }
    g_config = *cfg;
    db_thread_setup(cfg->db_path);
    /* Block the stop signals before MHD starts its threads (they inherit
     * the mask), so only sigwait below receives them. */
    sigset_t stop_set;
    sigemptyset(&stop_set);
    sigaddset(&stop_set, SIGINT);
    sigaddset(&stop_set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_set, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL_LINUX_ONLY | MHD_USE_ERROR_LOG, cfg->port, NULL, NULL,
        on_request, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)(cfg->threads ? cfg->threads : 4),
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)1000,
        MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "minsheng: 无法在 %s:%u 上监听（端口被占用或无权限）\n", cfg->listen_addr, cfg->port);
        return 1;
    }
    printf("minsheng 已启动: http://%s:%u/  (数据库 %s，按 Ctrl-C 停止)\n", cfg->listen_addr, cfg->port, cfg->db_path);
    fflush(stdout);
    int sig = 0;
    sigwait(&stop_set, &sig);
    MHD_stop_daemon(d);
    printf("minsheng 已停止\n");
    return 0;
}
