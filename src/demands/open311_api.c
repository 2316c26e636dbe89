/* open311_api.c — the Open311 GeoReport v2 API over work orders (issue
 * 12), and the admin's API keys for it. Owns the routes of
 * demand_open311_routes:
 *   /open311/v2/services.json, /open311/v2/services/{code}.json  the
 *       services: the leaf categories of the category tree (public);
 *   /open311/v2/requests.json (POST: file, GET: search),
 *   /open311/v2/requests/{id}.json, /open311/v2/tokens/{token}.json
 *       requests, with an api_key of a street: reads show the orders
 *       filed through Open311 in the key's street only;
 *   /api/v1/open311/keys  issue, list, revoke (admin only).
 * Replies follow the specification's JSON: arrays of objects, errors as
 * [{code, description}] with 400, 403, 404 (429 when a key's rate is
 * spent), dates as W3C date-times in China time (+08:00). The reporter
 * (name, phone, email) is never shown. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ratelimit.h"
#include "demands/category.h"
#include "demands/demand_api.h"
#include "demands/open311.h"
#include "demands/order.h"
#include "demands/order_flow.h"
#include "registry/org.h"
#include "server/write.h"
#include "storage/query.h"
#include "util/validate.h"

#define O311_MAX_RESULTS "1000"    /* the specification's suggested cap, as SQL */
#define O311_MAX_IDS 20            /* ids or codes in one filter (within QUERY_MAX_BINDS with the others) */
#define O311_DEFAULT_DAYS 90
#define O311_DESCRIPTION_CHARS 2000

/* The specification's error reply: [{code, description}]. Returns -1. */
static int o311_error(response *rs, int status, const char *description)
{
    reply_json(rs, status, json_pack("[{s:i, s:s}]", "code", status, "description", description));
    return -1;
}

/* ---- parameters: a query string, a form or a JSON body ------------------------------- */

#define O311_MAX_PARAMS 24

typedef struct params {
    char *key[O311_MAX_PARAMS], *val[O311_MAX_PARAMS];
    int n;
    json_t *json;
} params;

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decodes s[0..n) of a form (application/x-www-form-urlencoded) into a
 * new string; NULL on a bad escape or a NUL. */
static char *form_decode(const char *s, size_t n)
{
    char *out = malloc(n + 1), *o = out;
    for (size_t i = 0; out && i < n; i++) {
        if (s[i] == '+')
            *o++ = ' ';
        else if (s[i] == '%') {
            int hi = i + 2 < n ? hexval(s[i + 1]) : -1, lo = hi >= 0 ? hexval(s[i + 2]) : -1;
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                free(out);
                return NULL;
            }
            *o++ = (char)(hi * 16 + lo);
            i += 2;
        } else if (s[i] == '\0') {
            free(out);
            return NULL;
        } else
            *o++ = s[i];
    }
    if (out)
        *o = '\0';
    return out;
}

static void params_free(params *p)
{
    for (int i = 0; i < p->n; i++) {
        free(p->key[i]);
        free(p->val[i]);
    }
    json_decref(p->json);
    memset(p, 0, sizeof *p);
}

/* The body of a POST as a form, or a JSON object when its type says so:
 * 0, or -1 with a 400. */
static int params_or_reply(request *rq, response *rs, params *p)
{
    memset(p, 0, sizeof *p);
    const char *ct = req_header(rq, "Content-Type");
    if (ct && strncasecmp(ct, "application/json", 16) == 0) {
        p->json = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, NULL);
        if (!json_is_object(p->json)) {
            json_decref(p->json);
            p->json = NULL;
            return o311_error(rs, 400, "请求内容不是有效的 JSON 对象");
        }
        return 0;
    }
    if (rq->body_len && ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0)
        return o311_error(rs, 400, "请求内容类型应为 application/x-www-form-urlencoded 或 application/json");
    const char *s = rq->body ? rq->body : "", *end = s + rq->body_len;
    while (s < end) {
        const char *amp = memchr(s, '&', (size_t)(end - s)), *stop = amp ? amp : end;
        const char *eq = memchr(s, '=', (size_t)(stop - s));
        if (stop > s) {
            if (p->n == O311_MAX_PARAMS) {
                params_free(p);
                return o311_error(rs, 400, "参数过多");
            }
            char *k = form_decode(s, (size_t)((eq ? eq : stop) - s));
            char *v = eq ? form_decode(eq + 1, (size_t)(stop - eq - 1)) : strdup("");
            if (!k || !v) {
                free(k);
                free(v);
                params_free(p);
                return o311_error(rs, 400, "表单编码不正确");
            }
            for (int i = 0; i < p->n; i++)
                if (strcmp(p->key[i], k) == 0) {
                    free(k);
                    free(v);
                    params_free(p);
                    return o311_error(rs, 400, "参数重复");
                }
            p->key[p->n] = k;
            p->val[p->n++] = v;
        }
        s = stop + 1;
    }
    return 0;
}

/* Parameter key of the body (a JSON number as its text in buf), else of
 * the query string; NULL when absent. */
static const char *param(request *rq, const params *p, const char *key, char buf[64])
{
    if (p && p->json) {
        json_t *v = json_object_get(p->json, key);
        if (json_is_string(v))
            return json_string_value(v);
        if (json_is_number(v)) {
            snprintf(buf, 64, "%.10g", json_number_value(v));
            return buf;
        }
    }
    for (int i = 0; p && i < p->n; i++)
        if (strcmp(p->key[i], key) == 0)
            return p->val[i];
    return req_query(rq, key);
}

/* The key named by api_key into k: 0, or -1 with a 403. */
static int key_or_reply(request *rq, response *rs, const params *p, o311_key *k)
{
    char buf[64];
    const char *secret = param(rq, p, "api_key", buf);
    if (!secret || !*secret)
        return o311_error(rs, 403, "缺少 api_key");
    int rc = o311_key_find(rq->db, secret, k);
    if (rc < 0)
        return reply_internal(rs), -1;
    return rc ? o311_error(rs, 403, "api_key 无效或已吊销") : 0;
}

/* ---- services ------------------------------------------------------------------------ */

/* 1 when category c is a service: active, with an active parent (or top
 * level), and without an active child. */
static int is_service(const demand_category *all, size_t n, size_t i)
{
    if (!all[i].active)
        return 0;
    for (size_t j = 0; j < n; j++) {
        if (all[j].parent_id == all[i].id && all[j].active)
            return 0;
        if (all[j].id == all[i].parent_id && !all[j].active)
            return 0;
    }
    return 1;
}

static json_t *service_json(const demand_category *c)
{
    const char *group = c->parent_id ? c->parent_name : c->name;
    char code[24], desc[160], keywords[CATEGORY_NAME_CHARS * 8 + 4];
    snprintf(code, sizeof code, "%lld", (long long)c->id);
    snprintf(desc, sizeof desc, "%s：%d 个工作日内签收，%d 个工作日内办结", c->name, c->sign_days, c->handle_days);
    snprintf(keywords, sizeof keywords, "%s%s%s", c->name, c->parent_id ? "," : "", c->parent_id ? c->parent_name : "");
    return json_pack("{s:s, s:s, s:s, s:b, s:s, s:s, s:s}", "service_code", code, "service_name", c->name,
                     "description", desc, "metadata", 0, "type", "realtime", "keywords", keywords, "group", group);
}

/* GET /open311/v2/services.json — public. The services: every active
 * leaf of the category tree (service_code its id, group its parent's
 * name, or its own for a top-level category without sub-categories),
 * metadata false, type realtime. */
static int o311_services(request *rq, response *rs)
{
    demand_category *all;
    size_t n;
    if (category_list(rq->db, &all, &n) != 0)
        return reply_internal(rs);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        if (is_service(all, n, i))
            json_array_append_new(arr, service_json(&all[i]));
    free(all);
    return reply_json(rs, 200, arr);
}

/* The service whose code is the category id: 0, or -1 with a 404. */
static int service_or_reply(request *rq, response *rs, int64_t code, demand_category *out, int status)
{
    demand_category *all;
    size_t n;
    if (category_list(rq->db, &all, &n) != 0)
        return reply_internal(rs), -1;
    int found = 0;
    for (size_t i = 0; i < n && !found; i++)
        if (all[i].id == code && is_service(all, n, i)) {
            *out = all[i];
            found = 1;
        }
    free(all);
    return found ? 0 : o311_error(rs, status, status == 404 ? "服务不存在" : "service_code 不存在或已停用");
}

/* GET /open311/v2/services/{code}.json — public. The service
 * definition: {service_code, attributes: []} (no service has
 * attributes). 404 for an unknown code. */
static int o311_service_definition(request *rq, response *rs)
{
    demand_category c;
    if (service_or_reply(rq, rs, rq->id, &c, 404) != 0)
        return -1;
    char code[24];
    snprintf(code, sizeof code, "%lld", (long long)rq->id);
    return reply_json(rs, 200, json_pack("{s:s, s:[]}", "service_code", code, "attributes"));
}

/* ---- requests ------------------------------------------------------------------------ */

/* A request as the specification names its fields: no reporter data. */
static json_t *request_json(const demand_order *o)
{
    char id[24], code[24], req_at[26], upd_at[26], exp_at[26];
    snprintf(id, sizeof id, "%lld", (long long)o->c.id);
    snprintf(code, sizeof code, "%lld", (long long)o->category_id);
    o311_w3c(o->c.created_at, req_at);
    o311_w3c(o->c.state_entered_at, upd_at);
    o311_w3c(o->handle_due_at, exp_at);
    json_t *att = json_loads(o->attachments, 0, NULL), *first = json_array_get(att, 0);
    const char *media = json_is_string(first) && strncmp(json_string_value(first), "http", 4) == 0
                            ? json_string_value(first)
                            : NULL;
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s, s:s, s:s, s:s?, s:s, s:n, s:n}",
                          "service_request_id", id, "status", o311_status(o->c.state), "status_notes",
                          order_state_label(o->c.state), "service_name", o->category_name, "service_code", code,
                          "description", o->content, "agency_responsible", o->assignee_name[0] ? o->assignee_name : NULL,
                          "service_notice", "", "requested_datetime", req_at, "updated_datetime", upd_at,
                          "expected_datetime", exp_at[0] ? exp_at : NULL, "address", o->address, "address_id",
                          "zipcode");
    json_object_set_new(j, "lat", o->has_point ? json_real(o->lat) : json_null());
    json_object_set_new(j, "long", o->has_point ? json_real(o->lng) : json_null());
    json_object_set_new(j, "media_url", media ? json_string(media) : json_null());
    json_decref(att);
    return j;
}

/* The order filed through Open311 with id in key k's street into *out
 * (new): 0, or -1 with a 404. */
static int request_or_reply(request *rq, response *rs, const o311_key *k, int64_t id, demand_order **out)
{
    *out = NULL;
    int rc = db_exists(rq->db, "SELECT 1 FROM open311_request WHERE order_id = ?", DB_INT(id));
    demand_order *o = rc > 0 ? calloc(1, sizeof *o) : NULL;
    if (rc > 0)
        rc = o ? order_get(rq->db, id, o) : -1;
    else
        rc = rc < 0 ? -1 : 1;
    if (rc == 0 && strncmp(o->c.org_path, k->street_path, strlen(k->street_path)) != 0)
        rc = 1;
    if (rc != 0) {
        free(o);
        return rc < 0 ? (reply_internal(rs), -1) : o311_error(rs, 404, "服务请求不存在");
    }
    *out = o;
    return 0;
}

/* The Open311 name of an order field named in an error. */
static const char *open311_field(const char *field)
{
    static const char *const MAP[][2] = {{"reporter_name", "first_name/last_name"}, {"content", "description"},
                                         {"address", "address_string"}, {"point", "lat/long"},
                                         {"category_id", "service_code"}, {"attachments", "media_url"}};
    for (size_t i = 0; i < sizeof MAP / sizeof MAP[0]; i++)
        if (strcmp(MAP[i][0], field) == 0)
            return MAP[i][1];
    return field;
}

/* A limit of creates per hour per key: k's own rate. */
static int rate_or_reply(request *rq, response *rs, const o311_key *k)
{
    rate_limit rl = {.name = "open311_create", .max = k->rate_per_hour, .window_s = 3600};
    int wait = rate_limit_take(req_primary(rq), &rl, k->id, 0);
    if (wait < 0)
        return reply_internal(rs), -1;
    if (wait > 0) {
        rs->retry_after = wait;
        return o311_error(rs, 429, "该 api_key 的提交次数已达每小时上限，请稍后再试");
    }
    return 0;
}

/* POST /open311/v2/requests.json — public with an api_key. Body
 * (application/x-www-form-urlencoded as the specification says, or a
 * JSON object): api_key*, service_code* (a service), lat and long or
 * address_string* (address_id is not used), description (≤ 2000
 * characters), first_name, last_name (the reporter; 匿名 when neither),
 * phone, media_url (http or https, ≤ 255 bytes), email, device_id,
 * account_id (accepted, not stored), source (an extension: a source the
 * key may create; default online). Files a work order (state 待交办) in
 * the key's grid, the phone encrypted as every order's. Reply 201:
 * [{service_request_id, service_notice, account_id}]. Errors: 400
 * (service_code, location, a field), 403 (api_key missing, wrong or
 * revoked; a source the key may not create), 429 (the key's rate per
 * hour spent; Retry-After). */
static int o311_request_create(request *rq, response *rs)
{
    params p;
    o311_key k;
    char b[12][64];
    if (params_or_reply(rq, rs, &p) != 0)
        return -1;
    if (key_or_reply(rq, rs, &p, &k) != 0)
        goto out;
    const char *code = param(rq, &p, "service_code", b[0]), *lat = param(rq, &p, "lat", b[1]),
               *lng = param(rq, &p, "long", b[2]), *addr = param(rq, &p, "address_string", b[3]),
               *desc = param(rq, &p, "description", b[4]), *first = param(rq, &p, "first_name", b[5]),
               *last = param(rq, &p, "last_name", b[6]), *phone = param(rq, &p, "phone", b[7]),
               *media = param(rq, &p, "media_url", b[8]), *source = param(rq, &p, "source", b[9]);
    demand_category cat;
    char *end = NULL;
    long long sc = code && *code ? strtoll(code, &end, 10) : 0;
    if (!code || !*code || *end || sc <= 0) {
        o311_error(rs, 400, "缺少或无效的 service_code");
        goto out;
    }
    if (service_or_reply(rq, rs, sc, &cat, 400) != 0)
        goto out;
    order_new in = {.source = source && *source ? source : "online", .category_id = sc, .grid_id = k.grid_id};
    if (!o311_key_allows(&k, in.source)) {
        o311_error(rs, 403, "该 api_key 不能登记此来源的工单");
        goto out;
    }
    if ((lat && *lat) || (lng && *lng)) {
        char *e1 = NULL, *e2 = NULL;
        in.lat = lat ? strtod(lat, &e1) : 0;
        in.lng = lng ? strtod(lng, &e2) : 0;
        if (!lat || !lng || !*lat || !*lng || *e1 || *e2) {
            o311_error(rs, 400, "lat 与 long 须同时给出，且为数字");
            goto out;
        }
        in.has_point = 1;
    }
    char where[128];
    if (addr && *addr)
        in.address = addr;
    else if (in.has_point) {
        snprintf(where, sizeof where, "（坐标 %.6f, %.6f）", in.lat, in.lng);
        in.address = where;
    } else {
        o311_error(rs, 400, "须给出位置：lat 与 long，或 address_string");
        goto out;
    }
    in.content = desc && *desc ? desc : "（未填写描述）";
    char name[208];
    snprintf(name, sizeof name, "%s%s", last ? last : "", first ? first : "");
    in.reporter_name = name[0] ? name : "匿名";
    in.phone = phone;
    char *att = NULL;
    if (media && *media) {
        if (strlen(media) > 255 || (strncmp(media, "http://", 7) != 0 && strncmp(media, "https://", 8) != 0)) {
            o311_error(rs, 400, "media_url 须为 http 或 https 地址，不超过255字节");
            goto out;
        }
        json_t *a = json_pack("[s]", media);
        att = json_dumps(a, JSON_COMPACT);
        json_decref(a);
    }
    in.attachments_json = att;
    if (rate_or_reply(rq, rs, &k) != 0 || write_begin_or_reply(rq, rs) != 0) {
        free(att);
        goto out;
    }
    actor who;
    ms_err err = {0};
    o311_key_actor(&k, &who);
    int64_t id = order_create(rq->db, &who, rq->client_ip, &in, &err);
    free(att);
    if (id < 0 || o311_request_record(rq->db, id, &k, &err) != 0) {
        db_rollback(rq->db);
        char msg[320];
        const char *f = open311_field(err.field);
        snprintf(msg, sizeof msg, "%s%s%s", f, *f ? "：" : "", err.message);
        if (err.kind == ERR_DB)
            reply_internal(rs);
        else
            o311_error(rs, 400, msg);
        goto out;
    }
    demand_order *o = calloc(1, sizeof *o);
    if (!o || order_get(rq->db, id, o) != 0) {
        free(o);
        write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
        goto out;
    }
    char sid[24], detail[320];
    snprintf(sid, sizeof sid, "%lld", (long long)id);
    snprintf(detail, sizeof detail, "Open311 登记诉求工单 #%lld（密钥 %s，%s）", (long long)id, k.prefix, k.name);
    json_t *after = json_pack("{s:s, s:I, s:I, s:s}", "source", in.source, "category_id", (json_int_t)sc, "key_id",
                              (json_int_t)k.id, "state", o->c.state);
    write_commit_or_reply(rq, rs,
                          &(audit_entry){.username = who.username, .action = "open311_request_create",
                                         .entity = "demand_order", .entity_id = id, .org_path = o->c.org_path,
                                         .after = after, .detail = detail},
                          201, json_pack("[{s:s, s:s, s:n}]", "service_request_id", sid, "service_notice", "",
                                         "account_id"));
    json_decref(after);
    free(o);
out:
    params_free(&p);
    return rs->status >= 400 ? -1 : 0;
}

/* A comma-separated list of positive ids (at most max) as "?,?,…" binds
 * of q for column col: 0, or -1 when it is not one. */
static int id_list(query *q, const char *list, const char *col, int max)
{
    char cond[64 + 2 * O311_MAX_IDS], *save = NULL, buf[512];
    if (!list || !*list || strlen(list) >= sizeof buf)
        return -1;
    snprintf(buf, sizeof buf, "%s", list);
    int n = 0;
    size_t len = (size_t)snprintf(cond, sizeof cond, "%s IN (", col);
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *end;
        long long v = strtoll(t, &end, 10);
        if (*end || v <= 0 || ++n > max || len + 4 >= sizeof cond)
            return -1;
        len += (size_t)snprintf(cond + len, sizeof cond - len, n > 1 ? ",?" : "?");
        q_bind_int(q, v);
    }
    if (!n)
        return -1;
    snprintf(cond + len, sizeof cond - len, ")");
    q_where(q, cond);
    return 0;
}

/* Runs q (over ORDER_FROM, filtered) and replies the array of requests. */
static int reply_requests(request *rq, response *rs, query *q)
{
    q_append(q, " ORDER BY c.created_at DESC, c.id DESC LIMIT " O311_MAX_RESULTS);
    db_stmt *s = q_prepare(rq->db, q);
    q_free(q);
    if (!s)
        return reply_internal(rs);
    json_t *arr = json_array();
    demand_order *o = calloc(1, sizeof *o);
    int rc = DB_DONE;
    while (o && (rc = db_step(s)) == DB_ROW) {
        order_from_row(s, o);
        json_array_append_new(arr, request_json(o));
    }
    free(o);
    db_finalize(s);
    if (rc != DB_DONE) {
        json_decref(arr);
        return reply_internal(rs);
    }
    return reply_json(rs, 200, arr);
}

/* The orders filed through Open311 in k's street, as a query to add
 * filters to. */
static void street_query(query *q, const o311_key *k, char end[256])
{
    q_init(q, ORDER_SELECT " JOIN open311_request r ON r.order_id = o.id");
    org_path_end(k->street_path, end);
    q_where(q, "c.org_path >= ? AND c.org_path < ?");
    q_bind_text(q, k->street_path);
    q_bind_text(q, end);
}

/* GET /open311/v2/requests.json — with an api_key (query string). The
 * requests filed through Open311 in the key's street, newest first, at
 * most 1000. Filters: service_request_id (a comma list of at most 20
 * ids; the other filters are then ignored), service_code (a comma list), status
 * (open|closed, or both comma-separated), start_date and end_date (W3C
 * date-times on requested_datetime; without either the last 90 days).
 * Errors: 400 a filter, 403 api_key. */
static int o311_requests(request *rq, response *rs)
{
    o311_key k;
    char end[256], from[20], to[20];
    if (key_or_reply(rq, rs, NULL, &k) != 0)
        return -1;
    query q;
    street_query(&q, &k, end);
    const char *ids = req_query(rq, "service_request_id");
    if (ids && *ids) {
        if (id_list(&q, ids, "o.id", O311_MAX_IDS) != 0) {
            q_free(&q);
            return o311_error(rs, 400, "service_request_id 应为逗号分隔的编号（至多20个）");
        }
        return reply_requests(rq, rs, &q);
    }
    const char *codes = req_query(rq, "service_code"), *status = req_query(rq, "status"),
               *start = req_query(rq, "start_date"), *stop = req_query(rq, "end_date");
    if (codes && *codes && id_list(&q, codes, "o.category_id", O311_MAX_IDS) != 0) {
        q_free(&q);
        return o311_error(rs, 400, "service_code 应为逗号分隔的服务编号（至多20个）");
    }
    if (status && *status) {
        int open = 0, closed = 0;
        char buf[32], *save = NULL;
        snprintf(buf, sizeof buf, "%s", status);
        for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            if (strcmp(t, "open") == 0)
                open = 1;
            else if (strcmp(t, "closed") == 0)
                closed = 1;
            else
                open = closed = -1;
        }
        if (open < 0 || strlen(status) >= sizeof buf) {
            q_free(&q);
            return o311_error(rs, 400, "status 只能是 open 或 closed");
        }
        if (open != closed)
            q_where(&q, open ? "c.state IN ('registered', 'assigned', 'handling')"
                             : "c.state NOT IN ('registered', 'assigned', 'handling')");
    }
    if ((start && *start && o311_parse_w3c(start, from) != 0) || (stop && *stop && o311_parse_w3c(stop, to) != 0)) {
        q_free(&q);
        return o311_error(rs, 400, "start_date、end_date 应为 W3C 日期时间，如 2026-12-01T00:00:00+08:00");
    }
    int has_from = start && *start, has_to = stop && *stop;
    if (!has_from) {   /* the last 90 days, or the 90 days before end_date */
        time_t t = time(NULL);
        if (has_to) {
            struct tm tm = {0};
            sscanf(to, "%d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec);
            tm.tm_year -= 1900;
            tm.tm_mon -= 1;
            t = timegm(&tm);
        }
        t -= (time_t)O311_DEFAULT_DAYS * 86400;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(from, sizeof from, "%Y-%m-%d %H:%M:%S", &tm);
    }
    q_where(&q, "c.created_at >= ?");
    q_bind_text(&q, from);
    if (has_to) {
        q_where(&q, "c.created_at <= ?");
        q_bind_text(&q, to);
    }
    return reply_requests(rq, rs, &q);
}

/* GET /open311/v2/requests/{id}.json — with an api_key. The request as
 * an array of one; 404 when it is not a request filed through Open311
 * in the key's street. */
static int o311_request_get(request *rq, response *rs)
{
    o311_key k;
    demand_order *o;
    if (key_or_reply(rq, rs, NULL, &k) != 0 || request_or_reply(rq, rs, &k, rq->id, &o) != 0)
        return -1;
    json_t *arr = json_array();
    json_array_append_new(arr, request_json(o));
    free(o);
    return reply_json(rs, 200, arr);
}

/* GET /open311/v2/tokens/{token}.json — with an api_key. Requests are
 * filed at once, so a request's token is its id: [{service_request_id,
 * token}]; 404 as for the request. */
static int o311_token_get(request *rq, response *rs)
{
    o311_key k;
    demand_order *o;
    if (key_or_reply(rq, rs, NULL, &k) != 0 || request_or_reply(rq, rs, &k, rq->id, &o) != 0)
        return -1;
    free(o);
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)rq->id);
    return reply_json(rs, 200, json_pack("[{s:s, s:s}]", "service_request_id", id, "token", id));
}

/* ---- API keys (admin) ---------------------------------------------------------------- */

static json_t *key_json(const o311_key *k)
{
    json_t *src = json_array();
    char buf[64], *save = NULL;
    snprintf(buf, sizeof buf, "%s", k->sources);
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
        json_array_append_new(src, json_string(t));
    return json_pack("{s:I, s:s, s:s, s:I, s:s, s:I, s:s, s:o, s:i, s:s, s:s?}", "id", (json_int_t)k->id, "name",
                     k->name, "key_prefix", k->prefix, "street_id", (json_int_t)k->street_id, "street_name",
                     k->street_name, "grid_id", (json_int_t)k->grid_id, "grid_name", k->grid_name, "sources", src,
                     "rate_per_hour", k->rate_per_hour, "created_at", k->created_at, "revoked_at",
                     k->revoked_at[0] ? k->revoked_at : NULL);
}

/* POST /api/v1/open311/keys — admin. Body: name* (≤ 40 characters),
 * street_id* (a street in the admin's scope), grid_id* (an active grid of that street: where
 * the key's requests are filed), sources (comma-separated online,
 * patrol, walkin; default online), rate_per_hour (1–10000; default 60).
 * Reply 201: the key with `key`, the secret, shown this once (only its
 * SHA-256 is stored). Errors: 400 field. */
static int o311_key_create_route(request *rq, response *rs)
{
    static const char *const FIELDS[] = {"name", "street_id", "grid_id", "sources", "rate_per_hour", NULL};
    o311_key_in in = {0};
    ms_err err = {0};
    char secret[O311_KEY_CHARS + 1];
    int rc;
    if (body_only(rq, rs, FIELDS) != 0 || body_str_required(rq, rs, "name", &in.name) < 0 ||
        body_str(rq, rs, "sources", &in.sources) < 0 || body_int(rq, rs, "street_id", &in.street_id) < 0 ||
        body_int(rq, rs, "grid_id", &in.grid_id) < 0 || (rc = body_int(rq, rs, "rate_per_hour", &in.rate_per_hour)) < 0)
        return -1;
    if (rc == 0)
        in.rate_per_hour = 60;
    if (write_begin_or_reply(rq, rs) != 0)
        return -1;
    int64_t id = o311_key_create(rq->db, &rq->user, &in, secret, &err);
    o311_key k;
    if (id < 0)
        return write_fail_or_reply(rq, rs, &err);
    if (o311_key_get(rq->db, id, &k) != 0)
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    json_t *after = key_json(&k), *body = key_json(&k);
    json_object_set_new(body, "key", json_string(secret));
    sodium_memzero(secret, sizeof secret);
    rc = write_commit_or_reply(rq, rs,
                                   &(audit_entry){.action = "open311_key_create", .entity = "open311_key",
                                                  .entity_id = id, .org_path = k.street_path, .after = after},
                                   201, body);
    json_decref(after);
    return rc;
}

/* GET /api/v1/open311/keys — admin. {items: [key …], total}: the keys
 * of the streets in the admin's scope, newest first, without secrets. */
static int o311_key_list_route(request *rq, response *rs)
{
    o311_key *all;
    size_t n;
    if (o311_key_list(rq->db, &all, &n) != 0)
        return reply_internal(rs);
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        if (scope_contains(rq, all[i].street_path))
            json_array_append_new(items, key_json(&all[i]));
    free(all);
    return reply_json(rs, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
}

/* POST /api/v1/open311/keys/{id}/revoke — admin. The key is refused
 * from now on. Reply 200: the key. Errors: 404 (also a key of a street
 * outside the admin's scope); 409 already revoked. */
static int o311_key_revoke_route(request *rq, response *rs)
{
    ms_err err = {0};
    o311_key k;
    int rc = o311_key_get(rq->db, rq->id, &k);
    if (rc < 0)
        return reply_internal(rs);
    if (rc > 0 || !scope_contains(rq, k.street_path))
        return reply_not_found(rs, "API 密钥");
    if (write_begin_or_reply(rq, rs) != 0)
        return -1;
    if (o311_key_revoke(rq->db, rq->id, &err) != 0)
        return write_fail_or_reply(rq, rs, &err);
    if (o311_key_get(rq->db, rq->id, &k) != 0)
        return write_fail_or_reply(rq, rs, &(ms_err){.kind = ERR_DB});
    json_t *after = key_json(&k);
    return write_commit_or_reply(rq, rs,
                                 &(audit_entry){.action = "open311_key_revoke", .entity = "open311_key",
                                                .entity_id = rq->id, .org_path = k.street_path, .after = after},
                                 200, after);
}

const route demand_open311_routes[] = {
    {.method = "GET", .pattern = "/open311/v2/services.json", .handler = o311_services},
    {.method = "GET", .pattern = "/open311/v2/services/{id}.json", .handler = o311_service_definition},
    {.method = "POST", .pattern = "/open311/v2/requests.json", .handler = o311_request_create, .raw_body = 1,
     .max_body = 64 * 1024},
    {.method = "GET", .pattern = "/open311/v2/requests.json", .handler = o311_requests},
    {.method = "GET", .pattern = "/open311/v2/requests/{id}.json", .handler = o311_request_get},
    {.method = "GET", .pattern = "/open311/v2/tokens/{id}.json", .handler = o311_token_get},
    {.method = "POST", .pattern = "/api/v1/open311/keys", .handler = o311_key_create_route, .roles = ROLE_ADMIN},
    {.method = "GET", .pattern = "/api/v1/open311/keys", .handler = o311_key_list_route, .roles = ROLE_ADMIN},
    {.method = "POST", .pattern = "/api/v1/open311/keys/{id}/revoke", .handler = o311_key_revoke_route,
     .roles = ROLE_ADMIN},
    {0}
};
