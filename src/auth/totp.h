/* totp.h — the second factor: time-based one-time passwords (RFC 6238:
 * HMAC-SHA-1, 6 digits, 30-second steps, one step of clock drift either
 * way, computed by liboath) and single-use recovery codes.
 *
 * Owns: the user_totp and totp_recovery_code tables. Enrolment is two
 * steps: totp_enroll_begin stores a fresh secret (not yet enabled) and
 * returns it with its otpauth:// URI and QR code; totp_enroll_confirm
 * takes the first code from the authenticator app, enables the factor
 * and hands out the recovery codes, once. A time step that was accepted
 * cannot be used again (last_step). Everything runs in the caller's
 * transaction. */
#ifndef MS_TOTP_H
#define MS_TOTP_H

#include <stdint.h>

#include "core/err.h"
#include "core/fieldcrypt.h"
#include "storage/db.h"

#define TOTP_RECOVERY_CODES 10

typedef struct totp_enrolment {
    char secret[64];          /* base32, for typing into the app */
    char uri[512];            /* otpauth://totp/minsheng:<user>?secret=…&issuer=minsheng… */
    char *qr_svg;             /* the URI as a QR code in SVG (malloc; totp_enrolment_release) */
} totp_enrolment;

/* Starts (or restarts) enrolment for an account that has no enabled
 * second factor: 0, or -1 with *err (409 when one is enabled already). */
int totp_enroll_begin(db_conn *db, int64_t user_id, const char *username, totp_enrolment *out, ms_err *err);
/* Wipes the secret and frees the QR code. */
void totp_enrolment_release(totp_enrolment *e);

/* Enables the factor when `code` is right for the pending secret and
 * writes TOTP_RECOVERY_CODES fresh recovery codes ("xxxxx-xxxxx") into
 * codes, keeping only their hashes. 0, or -1 with *err (400 code wrong,
 * 409 nothing pending). */
int totp_enroll_confirm(db_conn *db, int64_t user_id, const char *code,
                        char codes[TOTP_RECOVERY_CODES][16], ms_err *err);

/* 1 when the account has an enabled second factor, else 0. */
int totp_enabled(db_conn *db, int64_t user_id);

typedef enum totp_result {
    TOTP_OK = 0,
    TOTP_OK_RECOVERY,     /* a recovery code was used up */
    TOTP_MISSING,         /* neither a code nor a recovery code given */
    TOTP_WRONG,           /* wrong, expired, or a time step already used */
    TOTP_ERROR
} totp_result;

/* Checks a sign-in's second factor: `code` (6 digits) or, when code is
 * NULL, `recovery_code`. Records the step or the used recovery code. */
totp_result totp_check(db_conn *db, int64_t user_id, const char *code, const char *recovery_code);

/* Removes the account's second factor (enabled or pending) and its
 * recovery codes (an administrator's reset: the user enrols again).
 * 0, or -1 with *err (409 when there was none). */
int totp_remove(db_conn *db, int64_t user_id, ms_err *err);

/* The SVG of a QR code holding `text` (malloc'd, NUL-terminated), or
 * NULL when it does not fit or memory runs out. */
char *totp_qr_svg(const char *text);

/* The user_totp.secret column (encrypted at rest) for app/fieldkeys.c's passes. */
extern const fc_column_sql totp_secret_crypt;

#endif
