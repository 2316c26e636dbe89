/* open311.c — Open311 API keys and the orders filed through them (see
 * open311.h). */
#include "demands/open311.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "registry/org.h"
#include "util/validate.h"

static const char *const SOURCES[] = {"online", "patrol", "walkin", NULL};

static void hash_hex(const char *secret, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)secret, strlen(secret));
    sodium_bin2hex(out, 65, h, sizeof h);
}

/* "online,patrol": each a source a key may hold, none twice. */
static int sources_ok(const char *s)
{
    char buf[64], *save = NULL;
    if (!s || !*s || strlen(s) >= sizeof buf)
        return 0;
    snprintf(buf, sizeof buf, "%s", s);
    int seen = 0;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int i = 0;
        while (SOURCES[i] && strcmp(SOURCES[i], t) != 0)
            i++;
        if (!SOURCES[i] || (seen & (1 << i)))
            return 0;
        seen |= 1 << i;
    }
    return seen != 0;
}

int o311_key_allows(const o311_key *k, const char *src)
{
    size_t n = strlen(src);
    for (const char *p = k->sources; (p = strstr(p, src)) != NULL; p += n)
        if ((p == k->sources || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            return 1;
    return 0;
}

int64_t o311_key_create(db_conn *db, const actor *who, const o311_key_in *in, char secret[O311_KEY_CHARS + 1],
                        ms_err *e)
{
    org_unit street, grid;
    if (!in->name || utf8_length(in->name) < 1 || utf8_length(in->name) > O311_NAME_CHARS)
        return err_set(e, ERR_INVALID, "name", "名称应为1至%d个字符", O311_NAME_CHARS);
    const char *sources = in->sources && *in->sources ? in->sources : "online";
    if (!sources_ok(sources))
        return err_set(e, ERR_INVALID, "sources", "sources 为逗号分隔的 online、patrol、walkin，不得重复");
    int64_t rate = in->rate_per_hour;
    if (rate < 1 || rate > 10000)
        return err_set(e, ERR_INVALID, "rate_per_hour", "每小时限额应在1至10000之间");
    int rc = in->street_id > 0 ? org_get(db, in->street_id, &street) : 1;
    if (rc < 0)
        return err_db(e);
    if (rc > 0 || strcmp(street.kind, "street") != 0 || !actor_scope_contains(who, street.path))
        return err_set(e, ERR_INVALID, "street_id", "街道不存在或不在您的管辖范围内");
    rc = in->grid_id > 0 ? org_get(db, in->grid_id, &grid) : 1;
    if (rc < 0)
        return err_db(e);
    if (rc > 0 || strcmp(grid.kind, "grid") != 0 || strncmp(grid.path, street.path, strlen(street.path)) != 0 ||
        strcmp(grid.status, "active") != 0)
        return err_set(e, ERR_INVALID, "grid_id", "受理网格须为该街道下在用的网格");
    unsigned char raw[20];
    char hex[41], hash[65], now[20], prefix[16];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
    snprintf(secret, O311_KEY_CHARS + 1, "o311_%s", hex);
    hash_hex(secret, hash);
    snprintf(prefix, sizeof prefix, "%.13s", secret);   /* "o311_" and 8 hex digits */
    if (db_exec_args(db,
                     "INSERT INTO open311_key(name, key_hash, key_prefix, street_id, grid_id, sources, rate_per_hour,"
                     " created_at, created_by) VALUES (?,?,?,?,?,?,?,?,?)",
                     DB_TEXT(in->name), DB_TEXT(hash), DB_TEXT(prefix), DB_INT(street.id), DB_INT(grid.id),
                     DB_TEXT(sources), DB_INT(rate), DB_TEXT(db_now(now)), DB_ID(who->id)) != DB_DONE)
        return err_db(e);
    return db_last_insert_id(db);
}

#define KEY_SELECT                                                                                          \
    "SELECT k.id, k.name, k.key_prefix, k.street_id, k.grid_id, s.path, s.name, g.name, k.sources,"         \
    " k.rate_per_hour, k.created_at, COALESCE(k.revoked_at, '')"                                            \
    " FROM open311_key k JOIN org_unit s ON s.id = k.street_id JOIN org_unit g ON g.id = k.grid_id"

static void key_from_row(db_stmt *s, o311_key *k)
{
    k->id = db_col_int(s, 0);
    db_col_copy(s, 1, k->name, sizeof k->name);
    db_col_copy(s, 2, k->prefix, sizeof k->prefix);
    k->street_id = db_col_int(s, 3);
    k->grid_id = db_col_int(s, 4);
    db_col_copy(s, 5, k->street_path, sizeof k->street_path);
    db_col_copy(s, 6, k->street_name, sizeof k->street_name);
    db_col_copy(s, 7, k->grid_name, sizeof k->grid_name);
    db_col_copy(s, 8, k->sources, sizeof k->sources);
    k->rate_per_hour = (int)db_col_int(s, 9);
    db_col_copy(s, 10, k->created_at, sizeof k->created_at);
    db_col_copy(s, 11, k->revoked_at, sizeof k->revoked_at);
}

static int key_one(db_stmt *s, o311_key *out)
{
    int rc = db_step(s);
    if (rc == DB_ROW)
        key_from_row(s, out);
    db_finalize(s);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}

int o311_key_get(db_conn *db, int64_t id, o311_key *out)
{
    return key_one(db_query(db, KEY_SELECT " WHERE k.id = ?", DB_INT(id)), out);
}

int o311_key_find(db_conn *db, const char *secret, o311_key *out)
{
    char hash[65];
    if (!secret || strlen(secret) != O311_KEY_CHARS)
        return 1;
    hash_hex(secret, hash);
    return key_one(db_query(db, KEY_SELECT " WHERE k.key_hash = ? AND k.revoked_at IS NULL", DB_TEXT(hash)), out);
}

int o311_key_revoke(db_conn *db, int64_t id, ms_err *e)
{
    o311_key k;
    int rc = o311_key_get(db, id, &k);
    if (rc != 0)
        return rc < 0 ? err_db(e) : err_set(e, ERR_NOT_FOUND, NULL, "API 密钥不存在");
    if (k.revoked_at[0])
        return err_set(e, ERR_CONFLICT, NULL, "该 API 密钥已吊销");
    char now[20];
    if (db_exec_args(db, "UPDATE open311_key SET revoked_at = ? WHERE id = ?", DB_TEXT(db_now(now)), DB_INT(id)) !=
        DB_DONE)
        return err_db(e);
    return 0;
}

int o311_key_list(db_conn *db, o311_key **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    db_stmt *s = db_query(db, KEY_SELECT " ORDER BY k.id DESC");
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            o311_key *m = realloc(*out, cap * sizeof **out);
            if (!m) {
                rc = -1;
                break;
            }
            *out = m;
        }
        key_from_row(s, &(*out)[(*n)++]);
    }
    db_finalize(s);
    if (rc != DB_DONE) {
        free(*out);
        *out = NULL;
        *n = 0;
        return -1;
    }
    return 0;
}

void o311_key_actor(const o311_key *k, actor *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->username, sizeof out->username, "open311:%s", k->prefix);
    snprintf(out->display_name, sizeof out->display_name, "Open311（%s）", k->prefix);
    out->role = ROLE_STREET;
    out->org_unit_id = k->street_id;
    snprintf(out->scope_path, sizeof out->scope_path, "%s", k->street_path);
    snprintf(out->scope_name, sizeof out->scope_name, "%s", k->street_name);
}

int o311_request_record(db_conn *db, int64_t order_id, const o311_key *k, ms_err *e)
{
    if (db_exec_args(db, "INSERT INTO open311_request(order_id, key_id) VALUES (?,?)", DB_INT(order_id),
                     DB_INT(k->id)) != DB_DONE)
        return err_db(e);
    return 0;
}

const char *o311_status(const char *state)
{
    static const char *const OPEN[] = {"registered", "assigned", "handling", NULL};
    return str_in_set(state, OPEN) ? "open" : "closed";
}

/* Seconds since the epoch of UTC fields. */
static time_t utc_time(int y, int mo, int d, int h, int mi, int s)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = s};
    return timegm(&tm);
}

void o311_w3c(const char *utc, char out[static 26])
{
    int y, mo, d, h, mi, s;
    out[0] = '\0';
    if (!utc || sscanf(utc, "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &s) != 6)
        return;
    time_t t = utc_time(y, mo, d, h, mi, s) + 8 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 26, "%Y-%m-%dT%H:%M:%S+08:00", &tm);
}

int o311_parse_w3c(const char *s, char out[static 20])
{
    int y, mo, d, h = 0, mi = 0, sec = 0, n = 0, oh = 8, om = 0, sign = 1;
    if (!s || sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
        return -1;
    const char *p = s + n;
    if (*p == 'T') {
        int m = 0;
        if (sscanf(p, "T%2d:%2d%n", &h, &mi, &m) != 2 || m != 6)
            return -1;
        p += m;
        if (*p == ':') {
            if (sscanf(p, ":%2d%n", &sec, &m) != 1 || m != 3)
                return -1;
            p += m;
        }
        if (*p == '.')   /* fractions of a second are dropped */
            for (p++; *p >= '0' && *p <= '9'; p++)
                ;
        if (*p == 'Z') {
            oh = 0;
            p++;
        } else if (*p == '+' || *p == '-' || *p == ' ') {   /* ' ': a '+' that a query string turned into a space */
            sign = *p == '-' ? -1 : 1;
            p++;
            if (sscanf(p, "%2d%n", &oh, &m) != 1 || m != 2)
                return -1;
            p += m;
            if (*p == ':')
                p++;
            if (sscanf(p, "%2d%n", &om, &m) != 1 || m != 2)
                return -1;
            p += m;
        } else
            return -1;
    }
    if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || oh > 14 || om > 59 ||
        y < 1900 || y > 9999)
        return -1;
    time_t t = utc_time(y, mo, d, h, mi, sec) - sign * (oh * 3600 + om * 60);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
    return 0;
}
