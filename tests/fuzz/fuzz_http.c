/* fuzz_http.c — libFuzzer target for the HTTP request path: URL and
 * query-string parsing, route matching, body limits and types, the JSON
 * body and every handler behind the real route tables.
 *
 * The application runs in this process (http_start with app_route_tables
 * and the real session check, http_stop at exit) on a temporary demo
 * database; each input becomes one HTTP/1.1 request sent over a loopback
 * socket, answered in full before the next. Two sessions are opened once
 * at start, without HTTP: grid worker wangge0101 and community worker
 * shequ01 (non-privileged, so no second factor is involved).
 *
 * Input: byte 0 chooses
 *   bits 0–1  who asks: 0 wangge0101 (bearer), 1 shequ01 (bearer),
 *             2 shequ01 by cookie with this site's Origin, 3 nobody;
 *   bits 2–4  the method: GET POST PATCH DELETE HEAD PUT OPTIONS POST;
 *   bit 5     Content-Type text/csv instead of application/json;
 *   bit 6     one more header line follows the target;
 *   bit 7     Sec-Fetch-Site: cross-site.
 * Then the request target (path and query) up to the first line feed;
 * with bit 6, one header line up to the next line feed ("Name: value",
 * or a bare value for If-Match: the version check, Content-Type, Origin
 * … all parse headers); then the body. Bytes that would break the
 * request line (space, tab, CR, NUL) are sent percent-encoded; CR and
 * NUL are left out of the header line.
 *
 * Left out on purpose: POST /auth/logout (it would end the sessions the
 * target works with) and sign-ins that name a user and a password
 * (each costs an Argon2 check, ~100 ms; malformed sign-in bodies are
 * still sent). A session that ends anyway is opened again.
 *
 * Besides the sanitizers (in the server threads too), it checks every
 * answer: a complete HTTP response, never a 5xx other than 503, and a
 * JSON body that parses, with error.code and error.message on every
 * 4xx the application itself gives. */
#include "app/app.h"
#include "auth/session.h"
#include "demo/demo.h"
#include "fuzz/support.h"
#include "server/http.h"
#include "util/strbuf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ANSWER_TIMEOUT_MS 30000
#define MAX_RESPONSE (64u << 20)

static char g_db[600];
static uint16_t g_port;
static char g_token[2][96];            /* 0 wangge0101, 1 shequ01 */
static const char *const USERS[2] = {"wangge0101", "shequ01"};

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_http: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

static void sign_in(int who)
{
    char err[256];
    actor a;
    int64_t retry = 0;
    db_conn *db = db_open(g_db, err, sizeof err);
    fuzz_require(db != NULL, err);
    login_request in = {.username = USERS[who], .password = DEMO_PASSWORD, .client_ip = "127.0.0.1"};
    fuzz_require(session_login(db, &g_session_policy, &in, g_token[who], &a, &retry) == LOGIN_OK,
                 "demo account signs in");
    db_close(db);
}

/* 1 when the session of `who` still resolves. */
static int session_alive(int who)
{
    char err[256];
    actor a;
    db_conn *db = db_open(g_db, err, sizeof err);
    fuzz_require(db != NULL, err);
    int ok = session_authenticate(db, &g_session_policy, g_token[who], "127.0.0.1", &a) == 0;
    db_close(db);
    return ok;
}

static int authenticate(db_conn *db, const char *token, const char *client_ip, actor *out)
{
    return session_authenticate(db, &g_session_policy, token, client_ip, out);
}

/* A port nobody listens on now (there is a small race until http_start). */
static uint16_t free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    fuzz_require(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
                 getsockname(fd, (struct sockaddr *)&a, &len) == 0, "find a free port");
    close(fd);
    return ntohs(a.sin_port);
}

static void stop_server(void)
{
    http_stop();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_path("http.db", g_db, sizeof g_db);
    fuzz_db_build(g_db, 30, 1);
    /* No second factor, and no lockout: a wrong current password sent to
     * /auth/password counts as a failed sign-in of the fuzzing account. */
    g_session_policy.two_factor_required = 0;
    g_session_policy.lockout_threshold = 1000000;
    sign_in(0);
    sign_in(1);
    server_config cfg = g_config;
    cfg.db_path = g_db;
    cfg.listen_addr = "127.0.0.1";
    cfg.threads = 2;
    cfg.max_conn_per_ip = 0;
    cfg.route_tables = app_route_tables;
    cfg.authenticate = authenticate;
    int rc = 1;
    for (int i = 0; i < 5 && rc == 1; i++) {
        cfg.port = free_port();
        rc = http_start(&cfg);
    }
    fuzz_require(rc == 0, "start the server");
    g_port = cfg.port;
    atexit(stop_server);
    return 0;
}

/* ---- the request --------------------------------------------------------- */

/* The path (before '?') with %XX decoded, as routing sees it. */
static void decoded_path(const char *target, size_t n, char *out, size_t outsz)
{
    size_t o = 0;
    for (size_t i = 0; i < n && target[i] != '?' && o + 1 < outsz; i++) {
        unsigned hex;
        if (target[i] == '%' && i + 2 < n && sscanf(target + i + 1, "%2x", &hex) == 1) {
            out[o++] = (char)hex;
            i += 2;
        } else {
            out[o++] = target[i];
        }
    }
    out[o] = '\0';
}

/* The requests left out (see the top of the file). */
static int left_out(const char *path, const char *body, size_t body_len)
{
    if (strstr(path, "/auth/logout"))
        return 1;
    if (!strstr(path, "/auth/login"))
        return 0;
    json_t *j = json_loadb(body, body_len, 0, NULL);
    int creds = json_is_string(json_object_get(j, "username")) && json_is_string(json_object_get(j, "password"));
    json_decref(j);
    return creds;
}

static void put_target(strbuf *req, const char *t, size_t n)
{
    if (n == 0 || t[0] != '/')
        sb_putc(req, '/');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\0')
            sb_printf(req, "%%%02X", c);
        else
            sb_putc(req, (char)c);
    }
}

/* One header line; a line without a colon is the value of If-Match. */
static void put_header(strbuf *req, const char *h, size_t n)
{
    const char *colon = memchr(h, ':', n);
    if (!colon || colon == h)
        sb_puts(req, "If-Match: ");
    for (size_t i = 0; i < n; i++)
        if (h[i] != '\r' && h[i] != '\0')
            sb_putc(req, h[i]);
    sb_puts(req, "\r\n");
}

static int connect_server(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(g_port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
        fail("cannot connect to the server", strerror(errno));
    return fd;
}

/* Sends req and reads the answer until the server closes. */
static void exchange(const strbuf *req, strbuf *resp)
{
    int fd = connect_server();
    for (size_t off = 0; off < req->len;) {
        ssize_t n = send(fd, req->data + off, req->len - off, MSG_NOSIGNAL);
        if (n <= 0)
            break;   /* the server may answer (413, 400) and close before the body is in */
        off += (size_t)n;
    }
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int rc = poll(&p, 1, ANSWER_TIMEOUT_MS);
        if (rc == 0)
            fail("no answer within 30 s", req->data);
        char buf[65536];
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0)
            break;
        sb_append(resp, buf, (size_t)n);
        if (resp->len > MAX_RESPONSE)
            fail("answer larger than 64 MiB", req->data);
    }
    close(fd);
}

/* ---- the answer ---------------------------------------------------------- */

static const char *header_value(const char *head, const char *name, char *out, size_t outsz)
{
    size_t n = strlen(name);
    for (const char *l = strstr(head, "\r\n"); l && l[2] != '\r'; l = strstr(l + 2, "\r\n")) {
        if (strncasecmp(l + 2, name, n) == 0 && l[2 + n] == ':') {
            const char *v = l + 3 + n;
            v += strspn(v, " ");
            snprintf(out, outsz, "%.*s", (int)strcspn(v, "\r"), v);
            return out;
        }
    }
    return NULL;
}

/* Returns the status. */
static int check_answer(const strbuf *req, strbuf *resp, int head_only)
{
    int status = 0;
    if (!resp->data || sscanf(resp->data, "HTTP/1.%*d %d", &status) != 1)
        fail("no HTTP status line in the answer", req->data);
    char *end = strstr(resp->data, "\r\n\r\n");
    if (!end)
        fail("answer without the end of its headers", req->data);
    end[2] = '\0';                      /* headers, each line ending in CRLF */
    const char *body = end + 4;
    size_t body_len = resp->len - (size_t)(body - resp->data);
    if (status >= 500 && status != 503) {
        fprintf(stderr, "fuzz_http: answer %d to:\n%s\n---\n%.*s\n", status, req->data, (int)body_len, body);
        fail("5xx answer", NULL);
    }
    char ctype[128];
    if (head_only || !header_value(resp->data, "Content-Type", ctype, sizeof ctype) ||
        strncmp(ctype, "application/json", 16) != 0)
        return status;
    json_error_t e;
    json_t *j = json_loadb(body, body_len, 0, &e);
    if (!j) {
        fprintf(stderr, "fuzz_http: %d answer is not JSON (%s) to:\n%s\n---\n%.*s\n", status, e.text, req->data,
                (int)body_len, body);
        fail("JSON answer does not parse", NULL);
    }
    if (status >= 400) {
        json_t *err = json_object_get(j, "error");
        const char *code = json_string_value(json_object_get(err, "code"));
        const char *msg = json_string_value(json_object_get(err, "message"));
        if (!code || !*code || !msg || !*msg) {
            fprintf(stderr, "fuzz_http: %d answer without error.code/message to:\n%s\n---\n%.*s\n", status, req->data,
                    (int)body_len, body);
            fail("error answer without code and message", NULL);
        }
    }
    json_decref(j);
    return status;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const METHODS[8] = {"GET", "POST", "PATCH", "DELETE", "HEAD", "PUT", "OPTIONS", "POST"};
    if (size < 1)
        return 0;
    uint8_t flags = data[0];
    const char *in = (const char *)data + 1;
    size_t len = size - 1;
    const char *nl = memchr(in, '\n', len);
    size_t tlen = nl ? (size_t)(nl - in) : len;
    const char *body = nl ? nl + 1 : in + len;
    const char *hdr = NULL;
    size_t hlen = 0;
    if (flags & 0x40) {
        const char *end = in + len;
        const char *hnl = memchr(body, '\n', (size_t)(end - body));
        hdr = body;
        hlen = hnl ? (size_t)(hnl - body) : (size_t)(end - body);
        body = hnl ? hnl + 1 : end;
    }
    size_t body_len = len - (size_t)(body - in);
    int who = flags & 3;
    const char *method = METHODS[(flags >> 2) & 7];

    char path[2048];
    decoded_path(in, tlen, path, sizeof path);
    if (left_out(path, body, body_len))
        return -1;

    strbuf req = STRBUF_INIT, resp = STRBUF_INIT;
    sb_printf(&req, "%s ", method);
    put_target(&req, in, tlen);
    sb_printf(&req, " HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n", g_port);
    if (who < 2)
        sb_printf(&req, "Authorization: Bearer %s\r\n", g_token[who]);
    else if (who == 2)
        sb_printf(&req, "Cookie: ms_session=%s\r\nOrigin: http://127.0.0.1:%u\r\n", g_token[1], g_port);
    if (hdr)
        put_header(&req, hdr, hlen);
    if (flags & 0x80)
        sb_puts(&req, "Sec-Fetch-Site: cross-site\r\n");
    sb_printf(&req, "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n",
              (flags & 0x20) ? "text/csv" : "application/json; charset=utf-8", body_len);
    size_t head_len = req.len;
    sb_append(&req, body, body_len);

    exchange(&req, &resp);
    req.data[head_len] = '\0';          /* messages show the request's headers only */
    int status = check_answer(&req, &resp, strcmp(method, "HEAD") == 0);
    if (status == 401 && who < 3 && !session_alive(who == 0 ? 0 : 1))
        sign_in(who == 0 ? 0 : 1);
    sb_free(&req);
    sb_free(&resp);
    return 0;
}
