/* audit.c — writes audit_log rows into the chain (see audit.h): the row
 * MAC, the chain head, adopting rows written before the chain, and
 * refused requests as security events. Verifying, checkpoints and the
 * purge are audit_chain.c's; reading the log is the audit routes' job
 * (app/audit_api.c). */
#include "core/audit.h"
#include "core/alerts.h"
#include "core/keys.h"
#include "util/validate.h"

#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const SQL_INSERT =
    "INSERT INTO audit_log(at, user_id, username, action, entity, entity_id, org_path,"
    " before_json, after_json, client_ip, detail, outcome, prev_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)";
static const char *const SQL_ROW = "SELECT " AUDIT_CHAIN_COLUMNS " FROM audit_log WHERE id = ?";
static const char *const SQL_SET_HASH = "UPDATE audit_log SET row_hash = ? WHERE id = ?";
static const char *const SQL_LAST_ROW = "SELECT id, row_hash FROM audit_log ORDER BY id DESC LIMIT 1";
static const char *const SQL_LAST_ANCHOR = "SELECT through_id, row_hash FROM audit_anchor ORDER BY through_id DESC LIMIT 1";
static const char *const SQL_ANY_CHAINED = "SELECT 1 FROM audit_log WHERE row_hash IS NOT NULL LIMIT 1";
static const char *const SQL_NEXT_UNCHAINED =
    "SELECT id FROM audit_log WHERE row_hash IS NULL AND id > ? ORDER BY id LIMIT 1";
static const char *const SQL_SET_PREV = "UPDATE audit_log SET prev_hash = ? WHERE id = ?";

static const char ZERO_HASH[AUDIT_HASH_HEX] = "0000000000000000000000000000000000000000000000000000000000000000";

/* Column kinds of AUDIT_CHAIN_COLUMNS: 'I' integer, 'T' text. */
static const char CHAIN_KINDS[] = "ITITTTITTTTTT";

char *audit_iso_utc(time_t t, char out[static 21])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return out;
}

char *audit_beijing_time(const char *utc, char out[static 32])
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!strptime(utc, "%Y-%m-%dT%H:%M:%SZ", &tm)) {
        snprintf(out, 32, "%s", utc);
        return out;
    }
    time_t t = timegm(&tm) + 8 * 3600;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%S+08:00", &tm);
    return out;
}

/* ---- MACs ------------------------------------------------------------------ */

static void put_u64(crypto_generichash_state *st, uint64_t v)
{
    unsigned char b[8];
    for (int i = 7; i >= 0; i--, v >>= 8)
        b[i] = (unsigned char)(v & 0xff);
    crypto_generichash_update(st, b, sizeof b);
}

/* One value of the canonical encoding: a tag ('N' null, 'I' integer,
 * 'T' text), then 8 bytes big-endian (the integer, or the text's
 * length followed by the text), so no two rows encode alike. */
static void put_value(crypto_generichash_state *st, char tag, int64_t i, const char *s)
{
    unsigned char t = (unsigned char)tag;
    crypto_generichash_update(st, &t, 1);
    if (tag == 'I') {
        put_u64(st, (uint64_t)i);
    } else if (tag == 'T') {
        size_t n = strlen(s);
        put_u64(st, n);
        crypto_generichash_update(st, (const unsigned char *)s, n);
    }
}

static int mac_init(crypto_generichash_state *st, const char *domain)
{
    const unsigned char *key = keys_subkey(KEY_AUDIT);
    if (!key)
        return -1;
    crypto_generichash_init(st, key, KEY_BYTES, 32);
    put_value(st, 'T', 0, domain);
    return 0;
}

static void mac_final(crypto_generichash_state *st, char out[static AUDIT_HASH_HEX])
{
    unsigned char h[32];
    crypto_generichash_final(st, h, sizeof h);
    sodium_bin2hex(out, AUDIT_HASH_HEX, h, sizeof h);
}

int audit_row_mac(db_stmt *s, int first, const char *prev_hash, char out[static AUDIT_HASH_HEX])
{
    crypto_generichash_state st;
    if (mac_init(&st, "minsheng audit row v1") != 0)
        return -1;
    for (int c = 0; CHAIN_KINDS[c]; c++) {
        int col = first + c;
        if (db_col_is_null(s, col))
            put_value(&st, 'N', 0, NULL);
        else if (CHAIN_KINDS[c] == 'I')
            put_value(&st, 'I', db_col_int(s, col), NULL);
        else
            put_value(&st, 'T', 0, db_col_text(s, col));
    }
    put_value(&st, 'T', 0, prev_hash ? prev_hash : "");
    mac_final(&st, out);
    return 0;
}

int audit_text_mac(const char *text, char out[static AUDIT_HASH_HEX])
{
    crypto_generichash_state st;
    if (mac_init(&st, "minsheng audit text v1") != 0)
        return -1;
    put_value(&st, 'T', 0, text);
    mac_final(&st, out);
    return 0;
}

/* ---- the chain head ---------------------------------------------------------- */

int audit_chain_exists(db_conn *db)
{
    return db_exists(db, SQL_ANY_CHAINED);
}

int audit_chain_head(db_conn *db, int64_t *id, char hash[static AUDIT_HASH_HEX])
{
    int rc = 0;
    *id = 0;
    memcpy(hash, ZERO_HASH, AUDIT_HASH_HEX);
    db_stmt *s = db_query(db, SQL_LAST_ROW);
    if (db_step(s) == DB_ROW) {
        *id = db_col_int(s, 0);
        if (db_col_is_null(s, 1))
            rc = -1;
        else
            db_col_copy(s, 1, hash, AUDIT_HASH_HEX);
        db_finalize(s);
        return rc;
    }
    db_finalize(s);
    s = db_query(db, SQL_LAST_ANCHOR);
    if (db_step(s) == DB_ROW) {
        *id = db_col_int(s, 0);
        db_col_copy(s, 1, hash, AUDIT_HASH_HEX);
    }
    db_finalize(s);
    return 0;
}

/* Computes and stores row `id`'s row_hash (its prev_hash already set),
 * also into mac. */
static int seal_row(db_conn *db, int64_t id, const char *prev_hash, char mac[static AUDIT_HASH_HEX])
{
    db_stmt *s = db_query(db, SQL_ROW, DB_INT(id));
    int rc = db_step(s) == DB_ROW ? audit_row_mac(s, 0, prev_hash, mac) : -1;
    db_finalize(s);
    if (rc != 0)
        return -1;
    return db_exec_args(db, SQL_SET_HASH, DB_TEXT(mac), DB_INT(id)) == DB_DONE ? 0 : -1;
}

/* ---- writing ----------------------------------------------------------------- */

/* The name of rows written without a user: "system", or the command
 * line's (audit_command_line). */
static char system_name[160] = "system";

/* An OS account name as it goes into the log: letters, digits, '.', '_'
 * and '-' kept, anything else as '?', at most 32 characters. */
static void account_name(const char *in, char out[static 33])
{
    size_t n = 0;
    for (; in && in[n] && n < 32; n++) {
        char c = in[n];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                 c == '_' || c == '-';
        out[n] = ok ? c : '?';
    }
    out[n] = '\0';
}

const char *audit_command_line(void)
{
    char user[33], sudo[33];
    struct passwd pw, *found = NULL;
    char buf[1024];
    uid_t uid = geteuid();
    if (getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found)
        account_name(found->pw_name, user);
    else
        snprintf(user, sizeof user, "uid%u", (unsigned)uid);
    account_name(getenv("SUDO_USER"), sudo);
    if (sudo[0] && strcmp(sudo, user) != 0)
        snprintf(system_name, sizeof system_name, "system:%s (sudo %s)", user, sudo);
    else
        snprintf(system_name, sizeof system_name, "system:%s", user);
    return system_name;
}

/* The JSON image as compact text with sorted keys (malloc'd); NULL for NULL. */
static char *json_text(json_t *j)
{
    return j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
}

int audit_write(db_conn *db, const audit_entry *e)
{
    char now[21], prev[AUDIT_HASH_HEX];
    int64_t head_id;
    const char *outcome = e->outcome ? e->outcome : "success";
    if (!keys_subkey(KEY_AUDIT)) {
        fprintf(stderr, "minsheng: 未载入密钥，无法写入审计日志\n");
        return -1;
    }
    if (strcmp(outcome, "success") != 0 && strcmp(outcome, "failure") != 0)
        return -1;
    if (audit_chain_head(db, &head_id, prev) != 0) {
        fprintf(stderr, "minsheng: 审计日志最新一行（第 %lld 行）没有链哈希，拒绝续写；请运行 minsheng audit verify\n",
                (long long)head_id);
        return -1;
    }
    char *before = json_text(e->before), *after = json_text(e->after);
    int rc = db_exec_args(db, SQL_INSERT, DB_TEXT(audit_iso_utc(time(NULL), now)), DB_ID(e->user_id),
                          DB_TEXT(e->username ? e->username : system_name), DB_TEXT(e->action),
                          DB_TEXT(e->entity), DB_ID(e->entity_id), DB_TEXT(e->org_path), DB_TEXT(before),
                          DB_TEXT(after), DB_TEXT(e->client_ip), DB_TEXT(e->detail), DB_TEXT(outcome),
                          DB_TEXT(prev));
    free(before);
    free(after);
    if (rc != DB_DONE)
        return -1;
    int64_t id = db_last_insert_id(db);
    if (seal_row(db, id, prev, prev) != 0)
        return -1;
    return alerts_on_audit(db, e, id);
}

int audit_chain_adopt(db_conn *db, int64_t *adopted, ms_err *err)
{
    char prev[AUDIT_HASH_HEX], detail[200];
    int64_t id = 0;
    *adopted = 0;
    if (audit_chain_exists(db) || !db_exists(db, SQL_NEXT_UNCHAINED, DB_INT(0)))
        return 0;
    if (db_begin(db) != DB_DONE)
        return err_set(err, ERR_BUSY, NULL, "数据库繁忙，无法为审计日志建立哈希链");
    memcpy(prev, ZERO_HASH, sizeof prev);
    int rc = 0;
    while (rc == 0 && (id = db_one_int(db, 0, SQL_NEXT_UNCHAINED, DB_INT(id))) > 0) {
        rc = db_exec_args(db, SQL_SET_PREV, DB_TEXT(prev), DB_INT(id)) == DB_DONE ? seal_row(db, id, prev, prev) : -1;
        (*adopted)++;
    }
    snprintf(detail, sizeof detail, "为迁移前写入的 %lld 条审计记录建立哈希链（此前这些记录未受保护）",
             (long long)*adopted);
    audit_entry e = {.action = "audit_chain_start", .entity = "audit_log", .detail = detail};
    if (rc != 0 || audit_write(db, &e) != 0 || db_commit(db) != DB_DONE) {
        db_rollback(db);
        *adopted = 0;
        return err_set(err, ERR_DB, NULL, "无法为审计日志建立哈希链");
    }
    return 0;
}

/* ---- refused requests ---------------------------------------------------------- */

int audit_refusal(db_conn *db, const actor *who, const char *ip, const char *method, const char *path,
                  int status, const char *error_code)
{
    const char *action;
    char detail[400];
    if (status == 403 || status == 404)
        action = "access_denied";
    else if (status >= 400 && status < 500 && status != 401 && status != 423 && strcmp(method, "GET") != 0 &&
             strcmp(method, "HEAD") != 0)
        action = "write_refused";
    else
        return 0;
    if (utf8_length(path) < 0)
        path = "(路径不是有效的 UTF-8)";
    snprintf(detail, sizeof detail, "%s %s → %d %s", method, path, status, error_code ? error_code : "");
    utf8_trim_partial(detail);
    audit_entry e = {.action = action, .entity = "request", .org_path = who && who->id > 0 ? who->scope_path : NULL,
                     .detail = detail, .outcome = "failure"};
    if (db_begin(db) != DB_DONE)
        return -1;
    if (audit_write_as(db, who, ip, e) != 0 || db_commit(db) != DB_DONE) {
        db_rollback(db);
        return -1;
    }
    return 0;
}
