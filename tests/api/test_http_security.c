/* test_http_security.c — what the HTTP layer (src/server/http.c) refuses
 * or adds before any handler runs, against the real server: cross-site
 * writes with the session cookie (CSRF) and non-JSON bodies, %00 and
 * control characters in the raw URL, HEAD on every GET route, the page
 * depth cap, invisible and bidirectional characters in text fields (API
 * and CSV import), Retry-After on 503, connection limits per client
 * address and the idle timeout, the trusted proxy's X-Forwarded-*
 * headers, and HTTPS with HSTS and a Secure cookie. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include "storage/db.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "harness.h"

static test_server srv;
static char *t_admin, *t_street;

static int setup(void **state)
{
    (void)state;
    if (server_start(&srv, 40, NULL) != 0)
        return -1;
    t_admin = login(&srv, "admin", DEMO_PW);
    t_street = login(&srv, "jiedao", DEMO_PW);
    return t_admin && t_street ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(t_admin);
    free(t_street);
    return server_stop(&srv) == 0 ? 0 : -1;
}

static const char *cookie(const char *tok)
{
    return fmt("cookie:%s", tok);
}

/* The server's own origin as a browser on its page sends it. */
static const char *own_origin(const test_server *s)
{
    return fmt("Origin: %s://127.0.0.1:%d", s->tls ? "https" : "http", s->port);
}

static long send_h(const char *method, const char *tok, const char *path, const char *body,
                   const char *ctype, const char *const *headers, json_t **out)
{
    http_resp r;
    assert_int_equal(http_h(&srv, method, path, tok, body, body ? strlen(body) : 0, ctype, headers, &r), 0);
    long st = r.status;
    if (out) {
        *out = r.json;
        r.json = NULL;
    }
    http_free(&r);
    return st;
}

/* ---- CSRF and Content-Type ------------------------------------------------- */

/* What <form method=post enctype="text/plain" action=".../users"> with
 * one input named `{"username":"NAME",…,"password":"Qz7#Lm2$Vx` and
 * valued `9!ab"}` posts: name=value, shaped like JSON. */
static const char *forged_body(const char *username)
{
    return fmt("{\"username\":\"%s\",\"display_name\":\"伪造\",\"role\":\"street\",\"org_unit_id\":%lld,"
               "\"password\":\"Qz7#Lm2$Vx=9!ab\"}",
               username, org_id_by_code(&srv, t_admin, "371702001"));
}

static int user_exists(const char *username)
{
    json_t *j = api_get_ok(&srv, t_admin, "/api/v1/users?page_size=200");
    size_t i;
    json_t *u;
    int found = 0;
    json_array_foreach(json_object_get(j, "items"), i, u)
        found |= jstr(u, "username") && strcmp(jstr(u, "username"), username) == 0;
    json_decref(j);
    return found;
}

static void cross_site_text_plain_form_cannot_create_an_account(void **state)
{
    (void)state;
    const char *const evil[] = {"Origin: http://evil.example", NULL};
    json_t *j;
    /* The exact forged request: cookie, text/plain, another site's Origin. */
    long st = send_h("POST", cookie(t_admin), "/api/v1/users", forged_body("csrf_admin1"), "text/plain", evil, &j);
    assert_true(st == 403 || st == 415);
    json_decref(j);
    assert_false(user_exists("csrf_admin1"));   /* no account was created */
    /* Even as application/json, another site's Origin is refused. */
    assert_int_equal(send_h("POST", cookie(t_admin), "/api/v1/users", forged_body("csrf_admin2"), NULL, evil, &j), 403);
    assert_string_equal(err_code(j), "csrf");
    json_decref(j);
    /* A modern browser also says Sec-Fetch-Site: cross-site. */
    const char *const fetch_site[] = {"Sec-Fetch-Site: cross-site", own_origin(&srv), NULL};
    assert_int_equal(send_h("POST", cookie(t_admin), "/api/v1/users", forged_body("csrf_admin2"), NULL, fetch_site, &j), 403);
    assert_string_equal(err_code(j), "csrf");
    json_decref(j);
    /* Neither Origin nor Sec-Fetch-Site with the cookie: refused. */
    assert_int_equal(send_h("POST", cookie(t_admin), "/api/v1/users", forged_body("csrf_admin2"), NULL, NULL, &j), 403);
    assert_string_equal(err_code(j), "csrf");
    json_decref(j);
    /* Origin "null" (sandboxed frame, data: URL): refused. */
    const char *const null_origin[] = {"Origin: null", NULL};
    assert_int_equal(send_h("PATCH", cookie(t_admin), "/api/v1/users/1", "{\"display_name\":\"x\"}", NULL, null_origin, &j), 403);
    json_decref(j);
    assert_false(user_exists("csrf_admin2"));
}

static void same_origin_json_write_with_cookie_works(void **state)
{
    (void)state;
    const char *const same[] = {own_origin(&srv), NULL};
    json_t *j;
    assert_int_equal(send_h("POST", cookie(t_admin), "/api/v1/users", forged_body("same_origin1"), NULL, same, &j), 201);
    json_decref(j);
    /* Sec-Fetch-Site: same-origin alone is enough too. */
    const char *const site[] = {"Sec-Fetch-Site: same-origin", NULL};
    assert_int_equal(send_h("POST", cookie(t_admin), "/api/v1/users", forged_body("same_origin2"), NULL, site, &j), 201);
    json_decref(j);
    /* The charset parameter is allowed. */
    assert_int_equal(send_h("POST", cookie(t_admin), "/api/v1/users", forged_body("same_origin3"),
                            "application/json; charset=UTF-8", same, &j), 201);
    json_decref(j);
    assert_true(user_exists("same_origin1"));
    /* Bearer tokens are not sent by browsers on their own: no Origin needed. */
    assert_int_equal(send_h("POST", t_admin, "/api/v1/users", forged_body("bearer1"), NULL, NULL, &j), 201);
    json_decref(j);
    /* Reads with the cookie need no Origin. */
    assert_int_equal(api_get(&srv, cookie(t_admin), "/api/v1/auth/me", NULL), 200);
}

static void json_routes_refuse_other_content_types(void **state)
{
    (void)state;
    static const char *const types[] = {"text/plain", "application/x-www-form-urlencoded",
                                        "multipart/form-data; boundary=x", "application/jsonp",
                                        "application/json; charset=gbk", "text/json", NULL};
    for (size_t i = 0; types[i]; i++) {
        json_t *j;
        long st = send_h("POST", t_admin, "/api/v1/users", forged_body("ctype1"), types[i], NULL, &j);
        if (st != 415)
            fprintf(stderr, "Content-Type %s answered %ld\n", types[i], st);
        assert_int_equal(st, 415);
        assert_string_equal(err_code(j), "unsupported_media_type");
        assert_true(strlen(err_message(j)) > 0);
        json_decref(j);
    }
    assert_false(user_exists("ctype1"));
    /* An empty body needs no type (POST /auth/logout, …). */
    char *tok = login(&srv, "jiedao", DEMO_PW);
    assert_non_null(tok);
    assert_int_equal(send_h("POST", tok, "/api/v1/auth/logout", "", "text/plain", NULL, NULL), 200);
    free(tok);
}

/* ---- raw URL --------------------------------------------------------------- */

static int raw_connect(int port, const char *from)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    if (fd < 0)
        return -1;
    if (from) {
        inet_pton(AF_INET, from, &a.sin_addr);
        if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
            close(fd);
            return -1;
        }
    }
    a.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Reads until the server closes or `limit` seconds pass; returns the
 * seconds it took to see the close (> limit when it never came). The
 * bytes read go to buf (NUL-terminated) when buf is non-NULL. */
static double read_until_closed(int fd, double limit, char *buf, size_t bufsz)
{
    struct timespec t0, t1;
    size_t used = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double el = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        if (el > limit)
            return limit + 1;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0)
            continue;
        char tmp[4096];
        ssize_t n = read(fd, tmp, sizeof tmp);
        if (n <= 0)
            return el;
        if (buf && used + 1 < bufsz) {
            size_t k = (size_t)n < bufsz - 1 - used ? (size_t)n : bufsz - 1 - used;
            memcpy(buf + used, tmp, k);
            used += k;
            buf[used] = '\0';
        }
    }
}

/* Sends a raw request line and returns the reply's status code. */
static int raw_status(const test_server *s, const char *from, const char *request_line)
{
    int fd = raw_connect(s->port, from);
    assert_true(fd >= 0);
    char req[1024], reply[8192] = "";
    snprintf(req, sizeof req, "%s\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", request_line);
    assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
    read_until_closed(fd, 10, reply, sizeof reply);
    close(fd);
    int code = 0;
    sscanf(reply, "HTTP/1.%*d %d", &code);
    return code;
}

static void nul_and_control_bytes_in_the_url_are_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "/index.html%00.js", "/residents%00", "/api/v1/openapi.json%00", "/api/v1/auth/me%00x",
        "/api/v1/residents?name=%00", "/api/v1/residents?name=a%0Ab", "/index.html%0d%0aX-Injected:%201",
        "/login%7f", NULL};
    for (size_t i = 0; bad[i]; i++) {
        json_t *j;
        long st = api_get(&srv, t_street, bad[i], &j);
        if (st != 400)
            fprintf(stderr, "%s answered %ld\n", bad[i], st);
        assert_int_equal(st, 400);
        assert_string_equal(err_code(j), "bad_request");
        json_decref(j);
    }
    /* Raw control bytes the client did not encode. */
    assert_int_equal(raw_status(&srv, NULL, "GET /index.html\x01.js HTTP/1.1"), 400);
    assert_int_equal(raw_status(&srv, NULL, "GET /api/v1/openapi.json?x=\x7f HTTP/1.1"), 400);
    /* Ordinary encoded characters still work. */
    assert_int_equal(api_get(&srv, t_street, fmt("/api/v1/residents?name=%s", urlenc("张")), NULL), 200);
    assert_int_equal(raw_status(&srv, NULL, "GET /index.html HTTP/1.1"), 200);
}

/* Found by tests/fuzz/fuzz_http: an error message that quotes a query
 * value which is not UTF-8 (here an unknown sort key) made jansson refuse
 * the message, and the 400 came back as an empty JSON object. */
static void query_values_that_are_not_utf8_get_a_full_error(void **state)
{
    (void)state;
    static const char *const paths[] = {
        "/api/v1/households?sort=cod%E2%E2e", "/api/v1/residents?sort=%FF%FE", "/api/v1/residents?sort=-%C0%80",
        NULL};
    for (size_t i = 0; paths[i]; i++) {
        json_t *j;
        assert_int_equal(api_get(&srv, t_street, paths[i], &j), 400);
        assert_non_null(j);
        assert_string_equal(err_code(j), "bad_request");
        assert_non_null(strstr(err_message(j), "排序"));
        json_decref(j);
    }
}

/* ---- HEAD ------------------------------------------------------------------ */

static void head_answers_like_get_on_every_get_route(void **state)
{
    (void)state;
    int checked = 0;
    for (const route *const *t = app_route_tables; *t; t++) {
        for (const route *r = *t; r->method; r++) {
            if (strcmp(r->method, "GET") != 0)
                continue;
            char path[256];
            const char *id = strstr(r->pattern, "{id}");
            if (id)
                snprintf(path, sizeof path, "%.*s1%s", (int)(id - r->pattern), r->pattern, id + 4);
            else
                snprintf(path, sizeof path, "%s", r->pattern);
            http_resp g, h;
            assert_int_equal(http(&srv, "GET", path, t_admin, NULL, 0, NULL, &g), 0);
            assert_int_equal(http(&srv, "HEAD", path, t_admin, NULL, 0, NULL, &h), 0);
            if (h.status != g.status)
                fprintf(stderr, "HEAD %s answered %ld, GET %ld\n", path, h.status, g.status);
            assert_int_equal(h.status, g.status);
            assert_string_equal(h.content_type, g.content_type);
            assert_int_equal(h.len, 0);
            char cl[32];
            assert_true(resp_header(&h, "Content-Length", cl, sizeof cl));
            http_free(&g);
            http_free(&h);
            checked++;
        }
    }
    assert_true(checked >= 10);
    /* Static files and the OpenAPI document: the same length as GET's body. */
    static const char *const fixed[] = {"/", "/index.html", "/residents", "/api/v1/openapi.json", NULL};
    for (size_t i = 0; fixed[i]; i++) {
        http_resp g, h;
        char cl[32];
        assert_int_equal(http(&srv, "GET", fixed[i], NULL, NULL, 0, NULL, &g), 0);
        assert_int_equal(http(&srv, "HEAD", fixed[i], NULL, NULL, 0, NULL, &h), 0);
        assert_int_equal(h.status, 200);
        assert_int_equal(h.len, 0);
        assert_true(resp_header(&h, "Content-Length", cl, sizeof cl));
        assert_int_equal(atol(cl), (long)g.len);
        assert_string_equal(h.content_type, g.content_type);
        http_free(&g);
        http_free(&h);
    }
    /* HEAD is GET only: on a POST-only route it is 405. */
    http_resp h;
    assert_int_equal(http(&srv, "HEAD", "/api/v1/auth/login", NULL, NULL, 0, NULL, &h), 0);
    assert_int_equal(h.status, 405);
    http_free(&h);
}

/* ---- page depth -------------------------------------------------------------- */

static void pages_beyond_the_cap_are_refused(void **state)
{
    (void)state;
    static const char *const lists[] = {"/api/v1/residents", "/api/v1/households", "/api/v1/users", NULL};
    for (size_t i = 0; lists[i]; i++) {
        json_t *j;
        const char *tok = strstr(lists[i], "users") ? t_admin : t_street;   /* who may list it */
        /* residents and households take page sizes 20, 50 and 100 only */
        int big = strstr(lists[i], "users") ? 200 : 100;
        assert_int_equal(api_get(&srv, tok, fmt("%s?page=%d&page_size=%d", lists[i], 10000 / big, big), NULL), 200);
        assert_int_equal(api_get(&srv, tok, fmt("%s?page=200", lists[i]), NULL), 200);
        assert_int_equal(api_get(&srv, tok, fmt("%s?page=%d&page_size=%d", lists[i], 10000 / big + 1, big), &j), 400);
        assert_string_equal(err_field(j), "page");
        assert_non_null(strstr(err_message(j), "10000"));
        assert_non_null(strstr(err_message(j), "筛选"));
        json_decref(j);
        assert_int_equal(api_get(&srv, tok, fmt("%s?page=201", lists[i]), &j), 400);
        assert_string_equal(err_field(j), "page");
        json_decref(j);
        assert_int_equal(api_get(&srv, tok, fmt("%s?page=1000000&page_size=%d", lists[i], big), &j), 400);
        json_decref(j);
    }
}

/* ---- invisible and bidirectional characters ----------------------------------- */

static void invisible_characters_in_text_fields_are_refused(void **state)
{
    (void)state;
    json_t *hh = api_get_ok(&srv, t_street, "/api/v1/households?page_size=20");
    long long id = jint(json_array_get(json_object_get(hh, "items"), 0), "id");
    json_decref(hh);
    char path[64];
    snprintf(path, sizeof path, "/api/v1/households/%lld", id);
    /* U+202E RIGHT-TO-LEFT OVERRIDE, U+200B ZERO WIDTH SPACE, U+2066, U+FEFF, U+061C, C1 U+0085 */
    static const char *const bad[] = {"\\u202e", "\\u200b", "\\u2066", "\\ufeff", "\\u061c", "\\u0085", "\\u0007",
                                      "\\u200e", "\\u2060", NULL};
    for (size_t i = 0; bad[i]; i++) {
        json_t *j = api_expect(&srv, t_street, "PATCH", path, fmt("{\"notes\":\"看%s这里\"}", bad[i]), 400);
        assert_string_equal(err_field(j), "notes");
        json_decref(j);
        j = api_expect(&srv, t_street, "PATCH", path, fmt("{\"address\":\"幸福路%s8号\"}", bad[i]), 400);
        assert_string_equal(err_field(j), "address");
        json_decref(j);
    }
    /* Free text keeps line breaks and tabs; a one-line field does not. */
    json_decref(api_expect(&srv, t_street, "PATCH", path, "{\"notes\":\"第一行\\n第二行\\t完\"}", 200));
    json_t *j = api_expect(&srv, t_street, "PATCH", path, "{\"address\":\"幸福路\\n8号\"}", 400);
    assert_string_equal(err_field(j), "address");
    json_decref(j);
    /* Ordinary Chinese text, full-width spaces and punctuation pass. */
    json_decref(api_expect(&srv, t_street, "PATCH", path, "{\"notes\":\"独居老人　每周探访（周三）。\"}", 200));
}

static void csv_import_refuses_invisible_characters(void **state)
{
    (void)state;
    char csv[1024];
    snprintf(csv, sizeof csv,
             "姓名,身份证号,网格编码,户编号,地址,备注\n"
             "王明,%s,371702001001-01,HTTP-SEC-1,幸福路\xE2\x80\xAE" "8号,\n"
             "李华,%s,371702001001-01,HTTP-SEC-2,幸福路9号,看\xE2\x80\x8B这里\n",
             fresh_id("110106"), fresh_id("110106"));
    http_resp r;
    assert_int_equal(http(&srv, "POST", "/api/v1/import/residents?mode=valid", t_street, csv, strlen(csv), "text/csv", &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(jint(r.json, "imported"), 0);
    json_t *errors = json_object_get(r.json, "errors");
    assert_int_equal(json_array_size(errors), 2);
    http_free(&r);
}

/* ---- 503 --------------------------------------------------------------------- */

static void busy_database_answers_503_with_retry_after(void **state)
{
    (void)state;
    /* Another writer holds the write lock for longer than the server waits
     * (db_begin: BEGIN IMMEDIATE on SQLite, the advisory lock every
     * db_begin takes on PostgreSQL). */
    char err[256];
    db_conn *db = db_open(srv.db, err, sizeof err);
    assert_non_null(db);
    assert_int_equal(db_begin(db), DB_DONE);
    http_resp r;
    const char *busy_body = "{\"display_name\":\"忙\"}";
    assert_int_equal(http(&srv, "PATCH", "/api/v1/users/1", t_admin, busy_body, strlen(busy_body), NULL, &r), 0);
    db_rollback(db);
    db_close(db);
    assert_int_equal(r.status, 503);
    char ra[32];
    assert_true(resp_header(&r, "Retry-After", ra, sizeof ra));
    assert_true(atoi(ra) > 0);
    assert_string_equal(err_code(r.json), "busy");
    http_free(&r);
    /* Other statuses carry no Retry-After. */
    assert_int_equal(http(&srv, "GET", "/api/v1/auth/me", t_admin, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_false(resp_header(&r, "Retry-After", ra, sizeof ra));
    assert_false(resp_header(&r, "Strict-Transport-Security", ra, sizeof ra));
    http_free(&r);
}

/* ---- connection limits, timeout, trusted proxy -------------------------------- */

static void one_address_cannot_hold_every_connection(void **state)
{
    (void)state;
    test_server s2;
    const char *const args[] = {"--max-conn-per-ip", "4", "--conn-timeout", "3", NULL};
    assert_int_equal(server_start(&s2, 2, args), 0);
    usleep(500 * 1000);   /* the start-up probe's connection is gone */
    int fds[4];
    for (int i = 0; i < 4; i++) {
        fds[i] = raw_connect(s2.port, "127.0.0.1");
        assert_true(fds[i] >= 0);
    }
    usleep(300 * 1000);
    /* A fifth silent connection from the same address is closed at once. */
    int extra = raw_connect(s2.port, "127.0.0.1");
    assert_true(extra >= 0);
    assert_true(read_until_closed(extra, 2.0, NULL, 0) < 2.0);
    close(extra);
    /* So is a real request from it. */
    http_resp r;
    assert_int_equal(http(&s2, "GET", "/api/v1/openapi.json", NULL, NULL, 0, NULL, &r), -1);
    /* Another address is served meanwhile. */
    assert_int_equal(raw_status(&s2, "127.0.0.2", "GET /api/v1/openapi.json HTTP/1.1"), 200);
    /* The silent ones are closed after the idle timeout (3 s). */
    for (int i = 0; i < 4; i++) {
        double t = read_until_closed(fds[i], 10.0, NULL, 0);
        assert_true(t <= 10.0);
        close(fds[i]);
    }
    usleep(300 * 1000);
    assert_int_equal(http(&s2, "GET", "/api/v1/openapi.json", NULL, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    http_free(&r);
    assert_int_equal(server_stop(&s2), 0);
}

static void idle_connection_is_closed_after_the_timeout(void **state)
{
    (void)state;
    test_server s2;
    const char *const args[] = {"--conn-timeout", "2", NULL};
    assert_int_equal(server_start(&s2, 2, args), 0);
    int fd = raw_connect(s2.port, NULL);
    assert_true(fd >= 0);
    double t = read_until_closed(fd, 10.0, NULL, 0);
    close(fd);
    assert_true(t >= 1.0);
    assert_true(t <= 6.0);
    /* A client that sends half a request and stops is closed too. */
    fd = raw_connect(s2.port, NULL);
    assert_int_equal(write(fd, "GET /api/v1/openapi.json HTTP/1.1\r\nHost: x\r\n", 44), 44);
    t = read_until_closed(fd, 10.0, NULL, 0);
    close(fd);
    assert_true(t <= 6.0);
    assert_int_equal(server_stop(&s2), 0);
}

/* The client address the audit log recorded for the newest login
 * (read by the auditor, signed in before). */
static const char *last_login_ip(const test_server *s, const char *auditor_tok)
{
    json_t *j = NULL;
    assert_int_equal(api_get(s, auditor_tok, "/api/v1/audit?action=login&page_size=1", &j), 200);
    const char *ip = jstr(json_array_get(json_object_get(j, "items"), 0), "client_ip");
    const char *out = fmt("%s", ip ? ip : "");
    json_decref(j);
    return out;
}

static void forwarded_headers_count_only_from_the_trusted_proxy(void **state)
{
    (void)state;
    const char *const fwd[] = {"X-Forwarded-For: 198.51.100.7, 203.0.113.9", "X-Forwarded-Proto: https", NULL};
    const char *body = "{\"username\":\"shequ01\",\"password\":\"" DEMO_PW "\"}";
    /* Not configured: the headers are ignored. */
    char *t_audit = login(&srv, "auditor", DEMO_PW);
    assert_non_null(t_audit);
    http_resp r;
    assert_int_equal(http_h(&srv, "POST", "/api/v1/auth/login", NULL, body, strlen(body), NULL, fwd, &r), 0);
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.set_cookie, "Secure"));
    http_free(&r);
    assert_string_equal(last_login_ip(&srv, t_audit), "127.0.0.1");
    free(t_audit);

    test_server s2;
    const char *const args[] = {"--trusted-proxy", "127.0.0.1", NULL};
    assert_int_equal(server_start(&s2, 2, args), 0);
    t_audit = login(&s2, "auditor", DEMO_PW);
    assert_non_null(t_audit);
    assert_int_equal(http_h(&s2, "POST", "/api/v1/auth/login", NULL, body, strlen(body), NULL, fwd, &r), 0);
    assert_int_equal(r.status, 200);
    /* The proxy spoke TLS to the browser: Secure cookie, HSTS. */
    assert_non_null(strstr(r.set_cookie, "Secure"));
    char v[64];
    assert_true(resp_header(&r, "Strict-Transport-Security", v, sizeof v));
    char *tok = strdup(jstr(r.json, "token"));
    http_free(&r);
    /* The last entry is the one the proxy appended. */
    assert_string_equal(last_login_ip(&s2, t_audit), "203.0.113.9");
    free(t_audit);
    /* The browser's Origin is https://host; http://host is another origin. */
    const char *patch = "{\"notes\":\"经代理修改\"}";
    json_t *hh = api_get_ok(&s2, tok, "/api/v1/households?page_size=20");
    char path[64];
    snprintf(path, sizeof path, "/api/v1/households/%lld", jint(json_array_get(json_object_get(hh, "items"), 0), "id"));
    json_decref(hh);
    const char *const http_origin[] = {"X-Forwarded-Proto: https", fmt("Origin: http://127.0.0.1:%d", s2.port), NULL};
    assert_int_equal(http_h(&s2, "PATCH", path, fmt("cookie:%s", tok), patch, strlen(patch), NULL, http_origin, &r), 0);
    assert_int_equal(r.status, 403);
    http_free(&r);
    const char *const https_origin[] = {"X-Forwarded-Proto: https", fmt("Origin: https://127.0.0.1:%d", s2.port), NULL};
    assert_int_equal(http_h(&s2, "PATCH", path, fmt("cookie:%s", tok), patch, strlen(patch), NULL, https_origin, &r), 0);
    assert_int_equal(r.status, 200);
    http_free(&r);
    free(tok);
    assert_int_equal(server_stop(&s2), 0);
}

/* ---- TLS --------------------------------------------------------------------- */

static void https_with_hsts_and_secure_cookie(void **state)
{
    (void)state;
    char dir[] = "/tmp/minsheng-tls-XXXXXX";
    assert_non_null(mkdtemp(dir));
    const char *cert = fmt("%s/cert.pem", dir), *key = fmt("%s/key.pem", dir);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
             "-subj /CN=127.0.0.1 -keyout %s -out %s >/dev/null 2>&1",
             key, cert);
    assert_int_equal(system(cmd), 0);
    char cert_path[300], key_path[300];
    snprintf(cert_path, sizeof cert_path, "%s", cert);
    snprintf(key_path, sizeof key_path, "%s", key);

    /* A private key every user may read is refused. (On a database of
     * its own: srv's is locked by the running server, which a second
     * serve would be refused for first.) */
    chmod(key_path, 0644);
    const char *const serve[] = {"serve", "--listen", "127.0.0.1:1", "--tls-cert", cert_path, "--tls-key", key_path, NULL};
    test_server alone = srv;
    snprintf(alone.db, sizeof alone.db, "%s/alone.db", dir);
    assert_int_equal(run_cli(&alone, serve, "/dev/null", NULL), 2);
    chmod(key_path, 0600);

    test_server s2;
    const char *const args[] = {"--tls-cert", cert_path, "--tls-key", key_path, NULL};
    assert_int_equal(server_start(&s2, 2, args), 0);
    assert_true(s2.tls);
    const char *body = "{\"username\":\"shequ01\",\"password\":\"" DEMO_PW "\"}";
    http_resp r;
    assert_int_equal(http(&s2, "POST", "/api/v1/auth/login", NULL, body, strlen(body), NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.set_cookie, "Secure"));
    assert_non_null(strstr(r.set_cookie, "HttpOnly"));
    char v[64];
    assert_true(resp_header(&r, "Strict-Transport-Security", v, sizeof v));
    assert_non_null(strstr(v, "max-age="));
    http_free(&r);
    /* Plain HTTP to the TLS port gets no answer. */
    assert_int_equal(raw_status(&s2, NULL, "GET /api/v1/openapi.json HTTP/1.1"), 0);
    assert_int_equal(server_stop(&s2), 0);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cross_site_text_plain_form_cannot_create_an_account),
        cmocka_unit_test(same_origin_json_write_with_cookie_works),
        cmocka_unit_test(json_routes_refuse_other_content_types),
        cmocka_unit_test(nul_and_control_bytes_in_the_url_are_refused),
        cmocka_unit_test(query_values_that_are_not_utf8_get_a_full_error),
        cmocka_unit_test(head_answers_like_get_on_every_get_route),
        cmocka_unit_test(pages_beyond_the_cap_are_refused),
        cmocka_unit_test(invisible_characters_in_text_fields_are_refused),
        cmocka_unit_test(csv_import_refuses_invisible_characters),
        cmocka_unit_test(busy_database_answers_503_with_retry_after),
        cmocka_unit_test(one_address_cannot_hold_every_connection),
        cmocka_unit_test(idle_connection_is_closed_after_the_timeout),
        cmocka_unit_test(forwarded_headers_count_only_from_the_trusted_proxy),
        cmocka_unit_test(https_with_hsts_and_secure_cookie),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
