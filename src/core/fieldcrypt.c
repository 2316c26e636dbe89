/* fieldcrypt.c — field encryption and blind indexes (see fieldcrypt.h). */
#include "core/fieldcrypt.h"
#include "storage/db.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG crypto_aead_xchacha20poly1305_ietf_ABYTES
#define BLIND_BYTES 16

/* "<column>" NUL row (8 bytes, little-endian): what a value is bound to. */
static size_t make_ad(const char *column, int64_t row, unsigned char *ad, size_t cap)
{
    size_t n = strlen(column);
    if (n + 1 + 8 > cap)
        n = cap - 9;
    memcpy(ad, column, n);
    ad[n++] = 0;
    for (int i = 0; i < 8; i++)
        ad[n++] = (unsigned char)((uint64_t)row >> (8 * i));
    return n;
}

static const char B64_ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Base64 (original alphabet, no padding) of n bytes into out, NUL-ended:
 * the text sodium_bin2base64 writes, without its constant-time lookups
 * (4,000 instructions a value; what it encodes is the ciphertext).
 * out holds 4 * ceil(n / 3) + 1 bytes at least. */
static void b64_encode(const unsigned char *in, size_t n, char *out)
{
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        *out++ = B64_ALPHABET[v >> 18];
        *out++ = B64_ALPHABET[v >> 12 & 63];
        *out++ = B64_ALPHABET[v >> 6 & 63];
        *out++ = B64_ALPHABET[v & 63];
    }
    if (n - i == 1) {
        *out++ = B64_ALPHABET[in[i] >> 2];
        *out++ = B64_ALPHABET[(in[i] & 3) << 4];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 8 | in[i + 1];
        *out++ = B64_ALPHABET[v >> 10];
        *out++ = B64_ALPHABET[v >> 4 & 63];
        *out++ = B64_ALPHABET[(v & 15) << 2];
    }
    *out = '\0';
}

/* Base64 (original alphabet, no padding) as sodium_base642bin decodes it
 * with no characters ignored: the same inputs refused (a character
 * outside the alphabet, '=', a length of 4n + 1, bits left over that are
 * not zero, more bytes than out holds). Not constant-time: what it
 * decodes is the ciphertext, public by design; libsodium's constant-time
 * decoder cost 6,000 instructions per account number, 9 % of a payment
 * run's compute. */
static int b64_decode(const char *in, size_t inlen, unsigned char *out, size_t cap, size_t *outlen)
{
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t n = 0;
    for (size_t i = 0; i < inlen; i++) {
        unsigned char c = (unsigned char)in[i];
        unsigned v;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '+')
            v = 62;
        else if (c == '/')
            v = 63;
        else
            return -1;
        acc = (acc << 6 | v) & 0xfff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n >= cap)
                return -1;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    if (bits > 4 || (acc & ((1u << bits) - 1)) != 0)
        return -1;
    *outlen = n;
    return 0;
}

unsigned fc_generation(const char *stored)
{
    if (!stored || stored[0] != 'e' || !isdigit((unsigned char)stored[1]))
        return 0;
    char *end;
    unsigned long g = strtoul(stored + 1, &end, 10);
    return *end == ':' && g > 0 && g < 0xffffffffUL ? (unsigned)g : 0;
}

int fc_encrypt(const char *column, int64_t row, const char *plain, char out[FC_STORED_MAX])
{
    unsigned char ad[96], box[NONCE + FC_PLAIN_MAX + TAG];
    out[0] = '\0';
    if (!plain || !*plain)
        return 0;
    size_t len = strlen(plain);
    const unsigned char *key = keys_gen_subkey(KEY_DATA, 0);
    if (!key || len > FC_PLAIN_MAX)
        return -1;
    size_t adlen = make_ad(column, row, ad, sizeof ad);
    unsigned long long clen;
    randombytes_buf(box, NONCE);
    crypto_aead_xchacha20poly1305_ietf_encrypt(box + NONCE, &clen, (const unsigned char *)plain, len, ad, adlen,
                                               NULL, box, key);
    int n = snprintf(out, FC_STORED_MAX, "e%u:", keys_generation());
    b64_encode(box, NONCE + (size_t)clen, out + n);   /* fits: FC_STORED_MAX is sized for it */
    return 0;
}

int fc_decrypt(const char *column, int64_t row, const char *stored, char *out, size_t outsz)
{
    unsigned char ad[96], box[NONCE + FC_PLAIN_MAX + TAG], plain[FC_PLAIN_MAX + 1];
    size_t boxlen;
    unsigned long long plen;
    out[0] = '\0';
    if (!stored || !*stored)
        return 0;
    unsigned gen = fc_generation(stored);
    const unsigned char *key = gen ? keys_gen_subkey(KEY_DATA, gen) : NULL;
    if (!key)
        return -1;
    const char *b64 = strchr(stored, ':') + 1;
    if (b64_decode(b64, strlen(b64), box, sizeof box, &boxlen) != 0 ||
        boxlen < NONCE + TAG)
        return -1;
    size_t adlen = make_ad(column, row, ad, sizeof ad);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &plen, NULL, box + NONCE, boxlen - NONCE, ad, adlen, box,
                                                   key) != 0 ||
        plen >= outsz)
        return -1;
    memcpy(out, plain, plen);
    out[plen] = '\0';
    sodium_memzero(plain, sizeof plain);
    return 0;
}

/* The value as the index sees it (see fc_kind); "" when nothing is left. */
static void normalise(fc_kind kind, const char *value, char out[FC_PLAIN_MAX + 1])
{
    size_t n = 0, tail = kind == FC_PHONE_TAIL4 || kind == FC_ID_TAIL4 ? 4 : kind == FC_ID_TAIL5 ? 5
                          : kind == FC_ID_TAIL6 ? 6 : 0;
    int digits = kind == FC_PHONE || kind == FC_PHONE_TAIL4;
    for (const unsigned char *p = (const unsigned char *)value; *p && n < FC_PLAIN_MAX; p++) {
        if (digits ? isdigit(*p) : !isspace(*p))
            out[n++] = digits ? (char)*p : (char)toupper(*p);
    }
    out[n] = '\0';
    if (tail && n < tail)
        out[0] = '\0';
    else if (tail)
        memmove(out, out + n - tail, tail + 1);
}

int fc_blind(fc_kind kind, const char *value, unsigned gen, char out[FC_BLIND_HEX])
{
    char norm[FC_PLAIN_MAX + 1];
    unsigned char in[FC_PLAIN_MAX + 1], mac[BLIND_BYTES];
    out[0] = '\0';
    const unsigned char *key = keys_gen_subkey(KEY_BLIND, gen);
    normalise(kind, value ? value : "", norm);
    if (!key || !norm[0])
        return -1;
    size_t n = strlen(norm);
    in[0] = (unsigned char)kind;   /* an ID number and a phone of equal digits index differently */
    memcpy(in + 1, norm, n);
    crypto_generichash(mac, sizeof mac, in, n + 1, key, KEY_BYTES);
    sodium_bin2hex(out, FC_BLIND_HEX, mac, sizeof mac);
    sodium_memzero(norm, sizeof norm);
    sodium_memzero(in, sizeof in);
    return 0;
}

int fc_blinds(fc_kind kind, const char *value, char out[KEYS_MAX_GENERATIONS][FC_BLIND_HEX])
{
    unsigned gens[KEYS_MAX_GENERATIONS];
    int n = keys_generations(gens);
    if (n == 0 || fc_blind(kind, value, gens[0], out[0]) != 0)
        return -1;
    for (int i = 1; i < KEYS_MAX_GENERATIONS; i++)
        if (i >= n || fc_blind(kind, value, gens[i], out[i]) != 0)
            memcpy(out[i], out[0], FC_BLIND_HEX);
    return 0;
}

char *fc_current_like(char out[16])
{
    snprintf(out, 16, "e%u:%%", keys_generation());
    return out;
}

int fc_column_pass(db_conn *db, const fc_column_sql *c, int64_t *cursor, int limit)
{
    char like[16], plain[FC_PLAIN_MAX + 1], stored[FC_STORED_MAX];
    db_stmt *s = db_query(db, c->next, DB_INT(*cursor), DB_TEXT(fc_current_like(like)), DB_INT(limit));
    int n = 0, rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int64_t id = db_col_int(s, 0);
        int bad = db_col_is_null(s, 2) ? (snprintf(plain, sizeof plain, "%s", db_col_text(s, 1)), 0)
                                       : fc_decrypt(c->column, id, db_col_text(s, 2), plain, sizeof plain);
        if (bad || fc_encrypt(c->column, id, plain, stored) != 0) {
            fprintf(stderr, "minsheng: %s 第 %lld 行无法解密，未能重新加密\n", c->column, (long long)id);
            rc = DB_ERROR;
            break;
        }
        sodium_memzero(plain, sizeof plain);
        if (db_exec_args(db, c->set, DB_OPT_TEXT(stored), DB_INT(id)) != DB_DONE) {
            rc = DB_ERROR;
            break;
        }
        *cursor = id;
        n++;
    }
    db_finalize(s);
    sodium_memzero(plain, sizeof plain);
    return rc == DB_DONE ? n : -1;
}

int fc_column_status(db_conn *db, const fc_column_sql *c, crypt_status *out)
{
    char like[16];
    db_stmt *s = db_query(db, c->status, DB_TEXT(fc_current_like(like)), DB_TEXT(like));
    int rc = db_step(s);
    if (rc == DB_ROW)
        *out = (crypt_status){db_col_int(s, 0), db_col_int(s, 1), db_col_int(s, 2)};
    db_finalize(s);
    return rc == DB_ROW ? 0 : -1;
}
