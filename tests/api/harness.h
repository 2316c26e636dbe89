/* harness.h — API test support: start the real minsheng server (the
 * sanitizer build named by $MINSHENG_BIN) on a loopback port with a
 * fresh temporary database holding a small demo street, talk HTTP to it
 * with libcurl, and stop it, failing if it did not exit cleanly (so
 * AddressSanitizer reports from the server fail the test too). */
#ifndef MS_TEST_HARNESS_H
#define MS_TEST_HARNESS_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#define DEMO_PW "Minsheng@2026"

typedef struct test_server {
    pid_t pid;
    int port;
    char dir[256];       /* temp directory (database, logs) */
    char db[300];        /* the --db argument: dir/test.db, or a PostgreSQL URI */
    char key_file[300];  /* --key-file given to every command ("" = none: <db>.key) */
    char pg_db[64];      /* the PostgreSQL database server_start made for it (server_stop drops it), or "" */
    char log[300];
    int tls;             /* started with --tls-cert: requests go over https (certificate not verified) */
} test_server;

typedef struct http_resp {
    long status;
    char *body;          /* NUL-terminated */
    size_t len;
    json_t *json;        /* parsed body, or NULL */
    char set_cookie[512];
    char content_type[128];
    char content_disposition[256];
    char headers[2048];  /* every response header line, as received */
    char etag[64];
    char retry_after[32];
} http_resp;

/* The engine of the run: MINSHENG_TEST_ENGINE=postgres runs every API
 * test on PostgreSQL (scripts/test-suite.sh runs the suite once on each
 * engine). server_start then makes a new database in the cluster
 * MINSHENG_TEST_PG_URI names (or, without it, in a throwaway cluster of
 * this process's own) instead of a SQLite file. test_engine_name:
 * "sqlite" or "postgresql". */
int test_engine_pg(void);
const char *test_engine_name(void);
/* For what is inherently SQLite's (a file lock, the WAL file, the
 * power-cut shim, file backups): on a PostgreSQL run prints why the
 * test is skipped and returns 1 (the caller then calls cmocka's skip()
 * or leaves main with 0); else 0. docs/postgresql.md lists the skips. */
int skip_on_pg(const char *why);

/* Creates the database (demo street with `households` households, seed
 * 7) and starts the server with extra serve arguments (NULL-terminated,
 * may be NULL). Unless they name --two-factor, "--two-factor off" is
 * added, so the privileged demo accounts sign in without TOTP. The
 * database is a file in the temp dir, or on a PostgreSQL run
 * (test_engine_pg) a new database of the cluster with the key file in
 * the temp dir: a copy of a template database the first such start made
 * with the same demo (the demo takes seconds on PostgreSQL, the copy a
 * fraction of one), its key file copied too. Returns 0 or -1 (message
 * on stderr). */
int server_start(test_server *s, long households, const char *const *serve_args);
/* The database alone, as server_start would make it, without demo or
 * server: the temp dir, s->db (a file path not yet created, or a new
 * empty PostgreSQL database), the key file's name and the log; commands
 * then run on it with run_cli, and server_stop removes it. */
int server_new_db(test_server *s);
/* The key file the commands use: s->key_file, else <db>.key (static). */
const char *server_key_path(const test_server *s);
/* Every byte the database stores, to search for what must not be there
 * in clear (malloc'd, NUL-terminated, length in *len): SQLite: the file
 * and its WAL; PostgreSQL: pg_dump's plain output (every row of every
 * table). The test fails when it cannot be read. */
char *server_db_bytes(const test_server *s, size_t *len);
/* The same on the database db names instead of a new file: a PostgreSQL
 * URI (an empty database: `demo` fills it), with the key file in the
 * temp dir (--key-file, as PostgreSQL requires). NULL = server_start. */
int server_start_db(test_server *s, const char *db, long households, const char *const *serve_args);
/* Starts another server on the database `first` serves (a PostgreSQL
 * URI: several servers share one database), as a second machine would:
 * its own temp dir, log, port and seal file, and a copy of first's key
 * file. server_stop(s) stops it and leaves the database alone. Returns 0
 * or -1. */
int server_start_peer(test_server *s, const test_server *first, const char *const *serve_args);
/* Starts the server again on the database s->db already holds (after
 * server_kill), on a new port. Returns 0 or -1. */
int server_launch(test_server *s, const char *const *serve_args);
/* Sends sig (SIGKILL, or SIGUSR2 for the power-cut shim) and waits for
 * the server to end; returns its wait status as run_cli does. Keeps the
 * temp dir. */
int server_kill(test_server *s, int sig);
/* Stops the server (SIGTERM) and returns its exit status, keeping the
 * temp dir and database. */
int server_halt(test_server *s);
/* Stops the server; returns its exit status (0 = clean). Removes the temp dir. */
int server_stop(test_server *s);
/* Runs SQL on the server's database behind its back, while it runs
 * (WAL): what the API cannot do (age a record, store bytes it would
 * refuse). On either engine (write SQL both take; times as numbers
 * computed in C, not strftime). The test fails when the SQL does. */
void server_sql(const test_server *s, const char *sql);
/* A consistent copy of the server's database while it runs, to tamper
 * with: SQLite: VACUUM INTO the file `name`.db in the temp dir;
 * PostgreSQL: a new database <its name>_`name` filled by pg_dump | psql
 * (dropped with the server's by server_stop). Returns its --db (static,
 * rotating over 4); the test fails when the copy does. */
const char *server_db_copy(const test_server *s, const char *name);
/* The first column of the first row of sql on the server's database
 * (either engine), as an integer; the test fails when there is none. */
long long server_sql_int(const test_server *s, const char *sql);
/* Runs `minsheng --db <db> args...` to completion; returns exit status.
 * Output goes to out_path when non-NULL. stdin_data is fed when non-NULL. */
int run_cli(const test_server *s, const char *const *args, const char *out_path, const char *stdin_data);
/* run_cli with its combined stdout/stderr read back: the exit status,
 * and the output in *out (malloc'd, "" when there was none). */
int run_cli_output(const test_server *s, const char *const *args, const char *stdin_data, char **out);
/* The same without waiting: returns the child's pid (-1 on failure). */
pid_t cli_start(const test_server *s, const char *const *args, const char *out_path);
/* Waits up to timeout_ms for a child from cli_start: its exit status
 * (128 + signal when killed), or -2 when it was still running (it is
 * then killed and reaped). */
int cli_wait(pid_t pid, int timeout_ms);

/* One request. token may be NULL; "cookie:TOKEN" sends it as the
 * ms_session cookie instead of a bearer header; body may be NULL. content_type NULL =
 * application/json when body is set. Returns 0 when a response came. */
int http(const test_server *s, const char *method, const char *path, const char *token,
         const char *body, size_t body_len, const char *content_type, http_resp *out);
/* The same with extra request header lines ("Origin: http://x"),
 * NULL-terminated (may be NULL). HEAD asks for headers only. */
int http_h(const test_server *s, const char *method, const char *path, const char *token,
           const char *body, size_t body_len, const char *content_type, const char *const *headers,
           http_resp *out);
/* The same with one more request header ("If-Match: \"3\"") when
 * extra_header is non-NULL. */
int http_with(const test_server *s, const char *method, const char *path, const char *token, const char *body,
              size_t body_len, const char *content_type, const char *extra_header, http_resp *out);
void http_free(http_resp *r);
/* The value of response header `name` (case-insensitive) into out;
 * 1 when present, 0 when not. */
int resp_header(const http_resp *r, const char *name, char *out, size_t outsz);
/* Requests from now on leave from this local address (e.g. "127.0.0.2",
 * to look like another client); NULL or "" = the default. */
void http_set_source(const char *ip);

/* Shorthands that return the HTTP status (or -1) and keep the parsed JSON
 * in *out (caller decrefs) when out is non-NULL. */
long api_get(const test_server *s, const char *token, const char *path, json_t **out);
long api_send(const test_server *s, const char *method, const char *token, const char *path,
              const char *json_body, json_t **out);

/* Assertion helpers (cmocka): the request must answer `want`; otherwise
 * the body is printed and the test fails. Return the JSON body (caller
 * decrefs; may be NULL). api_get_ok also asserts a JSON body came back;
 * api_total returns the "total" of a list reply. */
json_t *api_expect(const test_server *s, const char *tok, const char *method, const char *path,
                   const char *body, long want);
json_t *api_get_ok(const test_server *s, const char *tok, const char *path);
long long api_total(const test_server *s, const char *tok, const char *path);
/* 1 when the `items` of GET path (a list reply, asserted 200) hold one whose "id" is `id`. */
int api_list_has(const test_server *s, const char *tok, const char *path, long long id);
/* POSTs a CSV body (len bytes) to /api/v1/import/residents<query>:
 * the status, the JSON body in *out (caller decrefs; a non-JSON answer
 * is printed and gives NULL). */
long api_import(const test_server *s, const char *tok, const char *query, const char *csv, size_t len, json_t **out);

/* A fresh valid ID number in `region6` (a different one on every call in
 * this process; pick a region the demo never uses; born 1960–2009, so
 * under 70 until 2030: 高龄 is never theirs), and a copy of `id` with a
 * wrong check digit. Both return rotating static buffers. */
const char *fresh_id(const char *region6);
/* The same for someone born 1930–1949: 70 or over, so 高龄 (elderly) is
 * theirs (registry/derived.h); never one fresh_id gives. */
const char *fresh_old_id(const char *region6);
/* n in Chinese digits ("一二〇" for 120), for names, which hold no
 * digits (util/validate.h); a rotating static buffer. */
const char *cn_number(unsigned n);
const char *bad_checksum(const char *id);

/* Reads a whole file (malloc'd, NUL-terminated; length in *len_out when
 * non-NULL); NULL when it cannot be opened. */
char *read_whole_file(const char *path, size_t *len_out);

/* Preloads a library into every process the harness starts from now on
 * (servers and CLI runs): `given` when non-NULL and non-empty, else
 * `name` beside the test build (dirname($MINSHENG_BIN)/tests/name).
 * Sets LD_PRELOAD, and tells ASan not to insist on coming first (the
 * libraries the tests preload wrap a few libc or SQLite calls, so the
 * order does not matter). Exits when the file is missing; returns its
 * path (static). */
const char *preload_beside_bin(const char *name, const char *given);
/* Preloads sqltrace.so (bench/tools/sqltrace.c) into every server and
 * command started from now on, logging the SQL of each statement to a
 * new temporary file whose name goes into path (64 bytes; the caller
 * unlinks it). */
void preload_sqltrace(char path[64]);

/* The 6-digit TOTP code for base32 `secret` at time t, as a phone's
 * authenticator computes it (liboath: oath_init() first), in a static
 * buffer. */
const char *totp_code_at(const char *secret, time_t t);

/* Logs in; returns a malloc'd token or NULL. */
char *login(const test_server *s, const char *user, const char *pw);

/* printf into a static rotating buffer, for building paths inline. */
const char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

/* JSON helpers for assertions. */
long long jint(json_t *j, const char *key);
const char *jstr(json_t *j, const char *key);
/* The first object of array arr whose string member `key` is `value`, or NULL. */
json_t *jfind(json_t *arr, const char *key, const char *value);
/* The "error.code" of an error body, or "" */
const char *err_code(json_t *j);
/* The "error.field" / "error.message" of an error body, or "" */
const char *err_field(json_t *j);
const char *err_message(json_t *j);

/* ---- small helpers shared by the API tests ---------------------------- */

/* The id of the org unit with this code as `token` sees it: walks down
 * from the caller's own unit (GET /org-units, then ?parent_id=) following
 * the child whose code is the longest prefix of `code`. 0 when not found
 * or not visible. Works for the demo codes (371702001, 371702001001,
 * 371702001001-01, 371702001001-01-B01). */
long long org_id_by_code(const test_server *s, const char *token, const char *code);

/* A valid 18-character ID number: first17 (17 digits) plus its check
 * digit, written to out; returns out. */
char *id_with_check(const char *first17, char out[19]);

/* Percent-encodes s (UTF-8) for a query string, in a static rotating
 * buffer like fmt(). */
const char *urlenc(const char *s);

/* Whether the JSON array holds the string s. */
int json_array_has_str(json_t *arr, const char *s);

/* A masked ID number: 18 characters, the 6 region digits, then 12 stars. */
void assert_masked_shape(const char *shown);
/* A masked phone: shows '*' and never 11 consecutive digits. */
void assert_phone_masked(const char *p);

/* ---- social assistance fixtures (added for the notices part: its own
 * test and the cross-scope probes of test_scope.c and test_district.c
 * need cases in a given state without walking every step) ------------- */

/* The Beijing (China local) date days_back days before today,
 * "YYYY-MM-DD" (negative: after today), in a static rotating buffer. */
const char *beijing_date(int days_back);

/* A 城市低保 case (wf_case type "assist" + assistance_case) of resident
 * `resident`, in its household's grid, written straight into the
 * database in state `state` as the earlier steps would leave it, with
 * members_counted and the monthly amount_fen. Returns its id. */
long long assist_case_sql(const test_server *s, long long resident, const char *state, int members,
                          long long amount_fen);

#endif
