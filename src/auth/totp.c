/* totp.c — TOTP second factor and recovery codes (see totp.h). liboath
 * computes the codes (libsodium has no HMAC-SHA-1, which every
 * authenticator app uses); libqrencode draws the enrolment QR code,
 * written out here as SVG.
 *
 * The secret is stored encrypted (user_totp.secret_enc, core/fieldcrypt.h,
 * bound to the user id); user_totp.secret is '' once migration 0008's
 * conversion has run. */
#include "auth/totp.h"
#include "util/strbuf.h"

#include <liboath/oath.h>
#include <pthread.h>
#include <qrencode.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STEP_SECONDS 30
#define DIGITS 6
#define WINDOW 1            /* steps of clock drift accepted either way */
#define SECRET_BYTES 20     /* 160 bits, RFC 4226's recommendation */

static const char *const SQL_GET = "SELECT secret_enc, enabled, last_step FROM user_totp WHERE user_id = ?";
static const char *const SQL_DELETE = "DELETE FROM user_totp WHERE user_id = ?";
static const char *const SQL_INSERT_PENDING =
    "INSERT INTO user_totp(user_id, secret, secret_enc, enabled, last_step, created_at) VALUES (?,'',?,0,0,?)";
static const char *const SQL_ENABLE = "UPDATE user_totp SET enabled = 1, last_step = ? WHERE user_id = ?";
static const char *const SQL_USE_STEP = "UPDATE user_totp SET last_step = ? WHERE user_id = ? AND last_step < ?";
static const char *const SQL_ENABLED = "SELECT 1 FROM user_totp WHERE user_id = ? AND enabled = 1";
static const char *const SQL_DELETE_CODES = "DELETE FROM totp_recovery_code WHERE user_id = ?";
static const char *const SQL_INSERT_CODE = "INSERT INTO totp_recovery_code(user_id, code_hash) VALUES (?,?)";
static const char *const SQL_USE_CODE =
    "UPDATE totp_recovery_code SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at = 0";

#define COL_SECRET "user_totp.secret"
const fc_column_sql totp_secret_crypt = {
    .column = COL_SECRET,
    .next = "SELECT user_id, secret, secret_enc FROM user_totp WHERE user_id > ?"
            " AND ((secret_enc IS NULL AND secret <> '') OR secret_enc NOT LIKE ?) ORDER BY user_id LIMIT ?",
    .set = "UPDATE user_totp SET secret_enc = ?, secret = '' WHERE user_id = ?",
    .status = "SELECT COUNT(CASE WHEN secret_enc IS NULL AND secret <> '' THEN 1 END),"
              " COUNT(CASE WHEN secret_enc NOT LIKE ? THEN 1 END), COUNT(CASE WHEN secret_enc LIKE ? THEN 1 END)"
              " FROM user_totp",
};

static pthread_once_t oath_once = PTHREAD_ONCE_INIT;

static void oath_start(void)
{
    oath_init();
}

typedef struct totp_row {
    char secret[64];
    int enabled;
    int64_t last_step;
} totp_row;

/* 0 found, 1 absent, -1 error. */
static int load(db_conn *db, int64_t user_id, totp_row *out)
{
    db_stmt *s = db_query(db, SQL_GET, DB_INT(user_id));
    int rc = db_step(s);
    if (rc == DB_ROW) {
        if (fc_decrypt(COL_SECRET, user_id, db_col_text(s, 0), out->secret, sizeof out->secret) != 0)
            fprintf(stderr, "minsheng: 用户 %lld 的动态验证码密钥无法解密\n", (long long)user_id);
        out->enabled = db_col_int(s, 1) != 0;
        out->last_step = db_col_int(s, 2);
    }
    db_finalize(s);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}

/* The time step at which `code` is right for the base32 secret, now or
 * WINDOW steps either side: 0 and *step, or -1. */
static int code_step(const char *secret_b32, const char *code, int64_t *step)
{
    char *raw = NULL;
    size_t rawlen = 0;
    int pos = 0;
    uint64_t counter = 0;
    if (!code || strlen(code) != DIGITS || strspn(code, "0123456789") != DIGITS)
        return -1;
    pthread_once(&oath_once, oath_start);
    if (oath_base32_decode(secret_b32, strlen(secret_b32), &raw, &rawlen) != OATH_OK)
        return -1;
    int rc = oath_totp_validate3(raw, rawlen, time(NULL), STEP_SECONDS, 0, WINDOW, &pos, &counter, code);
    sodium_memzero(raw, rawlen);
    free(raw);
    if (rc < 0)
        return -1;
    *step = (int64_t)counter;
    return 0;
}

/* Recovery codes are compared by the BLAKE2b hash of their normalised
 * form (lowercase, no dash). */
static void code_hash_hex(const char *code, char out[65])
{
    char norm[32];
    size_t n = 0;
    for (const char *p = code; *p && n + 1 < sizeof norm; p++)
        if (*p != '-' && *p != ' ')
            norm[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)norm, n, NULL, 0);
    sodium_bin2hex(out, 65, h, sizeof h);
    sodium_memzero(norm, sizeof norm);
}

int totp_enroll_begin(db_conn *db, int64_t user_id, const char *username, totp_enrolment *out, ms_err *err)
{
    totp_row row;
    unsigned char raw[SECRET_BYTES];
    char *b32 = NULL;
    size_t b32len = 0;
    memset(out, 0, sizeof *out);
    int rc = load(db, user_id, &row);
    sodium_memzero(row.secret, sizeof row.secret);
    if (rc < 0)
        return err_db(err);
    if (rc == 0 && row.enabled)
        return err_set(err, ERR_CONFLICT, NULL, "已绑定动态验证码；如需更换手机，请联系管理员重置");
    pthread_once(&oath_once, oath_start);
    randombytes_buf(raw, sizeof raw);
    rc = oath_base32_encode((const char *)raw, sizeof raw, &b32, &b32len);
    sodium_memzero(raw, sizeof raw);
    if (rc != OATH_OK || b32len >= sizeof out->secret) {
        free(b32);
        return err_set(err, ERR_DB, NULL, "生成密钥失败");
    }
    memcpy(out->secret, b32, b32len + 1);
    sodium_memzero(b32, b32len);
    free(b32);
    char stored[FC_STORED_MAX];
    if (fc_encrypt(COL_SECRET, user_id, out->secret, stored) != 0 || db_exec_args(db, SQL_DELETE, DB_INT(user_id)) != DB_DONE ||
        db_exec_args(db, SQL_INSERT_PENDING, DB_INT(user_id), DB_TEXT(stored), DB_INT((int64_t)time(NULL))) != DB_DONE) {
        totp_enrolment_release(out);
        return err_db(err);
    }
    snprintf(out->uri, sizeof out->uri,
             "otpauth://totp/minsheng:%s?secret=%s&issuer=minsheng&algorithm=SHA1&digits=%d&period=%d", username,
             out->secret, DIGITS, STEP_SECONDS);
    out->qr_svg = totp_qr_svg(out->uri);
    return 0;
}

void totp_enrolment_release(totp_enrolment *e)
{
    if (e->qr_svg) {
        sodium_memzero(e->qr_svg, strlen(e->qr_svg));
        free(e->qr_svg);
    }
    sodium_memzero(e, sizeof *e);
}

static int new_recovery_codes(db_conn *db, int64_t user_id, char codes[TOTP_RECOVERY_CODES][16])
{
    static const char ALPHABET[] = "abcdefghjkmnpqrstuvwxyz23456789";   /* no 0/o, 1/l/i */
    char hash[65];
    if (db_exec_args(db, SQL_DELETE_CODES, DB_INT(user_id)) != DB_DONE)
        return -1;
    for (int i = 0; i < TOTP_RECOVERY_CODES; i++) {
        for (int k = 0, o = 0; k < 10; k++) {
            if (k == 5)
                codes[i][o++] = '-';
            codes[i][o++] = ALPHABET[randombytes_uniform(sizeof ALPHABET - 1)];
            codes[i][o] = '\0';
        }
        code_hash_hex(codes[i], hash);
        if (db_exec_args(db, SQL_INSERT_CODE, DB_INT(user_id), DB_TEXT(hash)) != DB_DONE)
            return -1;
    }
    return 0;
}

int totp_enroll_confirm(db_conn *db, int64_t user_id, const char *code,
                        char codes[TOTP_RECOVERY_CODES][16], ms_err *err)
{
    totp_row row;
    int64_t step;
    int rc = load(db, user_id, &row);
    if (rc < 0)
        return err_db(err);
    if (rc > 0 || row.enabled) {
        sodium_memzero(&row, sizeof row);
        return err_set(err, ERR_CONFLICT, NULL, rc > 0 ? "请先开始绑定（获取二维码）" : "已绑定动态验证码");
    }
    rc = code_step(row.secret, code, &step);
    sodium_memzero(&row, sizeof row);
    if (rc != 0)
        return err_set(err, ERR_INVALID, "code", "动态验证码不正确，请核对手机时间后输入最新的6位数字");
    if (db_exec_args(db, SQL_ENABLE, DB_INT(step), DB_INT(user_id)) != DB_DONE ||
        new_recovery_codes(db, user_id, codes) != 0)
        return err_db(err);
    return 0;
}

int totp_enabled(db_conn *db, int64_t user_id)
{
    return db_exists(db, SQL_ENABLED, DB_INT(user_id)) == 1;
}

totp_result totp_check(db_conn *db, int64_t user_id, const char *code, const char *recovery_code)
{
    totp_row row;
    int64_t step = 0;
    if ((!code || !*code) && (!recovery_code || !*recovery_code))
        return TOTP_MISSING;
    if (!code || !*code) {
        char hash[65];
        code_hash_hex(recovery_code, hash);
        if (db_exec_args(db, SQL_USE_CODE, DB_INT((int64_t)time(NULL)), DB_INT(user_id), DB_TEXT(hash)) != DB_DONE)
            return TOTP_ERROR;
        return db_changes(db) == 1 ? TOTP_OK_RECOVERY : TOTP_WRONG;
    }
    int rc = load(db, user_id, &row);
    if (rc < 0)
        return TOTP_ERROR;
    rc = rc == 0 && row.enabled ? code_step(row.secret, code, &step) : -1;
    sodium_memzero(&row, sizeof row);
    if (rc != 0)
        return TOTP_WRONG;
    /* Only a step later than the last one accepted: no replay. */
    if (db_exec_args(db, SQL_USE_STEP, DB_INT(step), DB_INT(user_id), DB_INT(step)) != DB_DONE)
        return TOTP_ERROR;
    return db_changes(db) == 1 ? TOTP_OK : TOTP_WRONG;
}

int totp_remove(db_conn *db, int64_t user_id, ms_err *err)
{
    if (db_exec_args(db, SQL_DELETE, DB_INT(user_id)) != DB_DONE)
        return err_db(err);
    if (db_changes(db) == 0)
        return err_set(err, ERR_CONFLICT, NULL, "该用户未绑定动态验证码");
    if (db_exec_args(db, SQL_DELETE_CODES, DB_INT(user_id)) != DB_DONE)
        return err_db(err);
    return 0;
}

char *totp_qr_svg(const char *text)
{
    enum { QUIET = 4 };
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!qr)
        return NULL;
    int n = qr->width + 2 * QUIET;
    strbuf sb = STRBUF_INIT;
    sb_printf(&sb,
              "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\""
              " shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
              n, n, n * 6, n * 6, n, n);
    for (int y = 0; y < qr->width; y++)
        for (int x = 0; x < qr->width; x++)
            if (qr->data[y * qr->width + x] & 1)
                sb_printf(&sb, "M%d %dh1v1h-1z", x + QUIET, y + QUIET);
    sb_puts(&sb, "\"/></svg>");
    QRcode_free(qr);
    return sb_detach(&sb);
}
