/* err.h — how a domain call says why it refused: the kind of failure
 * (which the HTTP layer maps to a status), the input field at fault and
 * a Chinese message for the person who typed it.
 *
 * Domain functions take an `ms_err *` and return -1 after err_set; they
 * never see HTTP. server/write.h turns an ms_err into a reply. */
#ifndef MS_ERR_H
#define MS_ERR_H

typedef enum err_kind {
    ERR_NONE = 0,
    ERR_INVALID,      /* the input breaks a rule: 400, naming the field */
    ERR_NOT_FOUND,    /* absent or outside the caller's scope: 404 */
    ERR_FORBIDDEN,    /* the caller's role may not do this: 403 */
    ERR_CONFLICT,     /* a unique key or the current state forbids it: 409 */
    ERR_BUSY,         /* the database is busy: 503, try again */
    ERR_STALE,        /* the record changed since the version the caller saw: 412 */
    ERR_DB            /* anything else: 500 */
} err_kind;

typedef struct ms_err {
    err_kind kind;
    char field[32];       /* API field name, "" for the whole request */
    char message[240];
    long long current_version;   /* ERR_STALE: the record's version now */
} ms_err;

/* Fills *e (e may be NULL) and returns -1, so callers can write
 * `return err_set(e, ERR_INVALID, "phone", "联系电话格式不正确");`.
 * field may be NULL. */
int err_set(ms_err *e, err_kind kind, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The If-Match check of a write: 0 when if_version is 0 or equals the
 * record's current version; otherwise ERR_STALE naming `what` ("居民")
 * with e->current_version set, and -1. */
int err_check_version(ms_err *e, const char *what, long long current, long long if_version);

/* ERR_DB with the standard message; returns -1. */
int err_db(ms_err *e);

#endif
