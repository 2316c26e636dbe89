/* audit.h — the audit log: every write, every sign-in, every view of a
 * full ID number and every refused access, in a tamper-evident chain.
 *
 * Owns: the audit_log and audit_anchor tables and the checkpoint (seal)
 * file. Writers call audit_write inside the same transaction as the
 * change it records, so a change is never saved without its audit row
 * (nor the other way round).
 *
 * The chain: each row stores prev_hash (the previous row's row_hash, or
 * the purge anchor's, or 64 zeros for the first row) and row_hash, a
 * keyed BLAKE2b (the key file's KEY_AUDIT subkey) over every column of
 * the row and prev_hash. Nobody without the key file can change, insert
 * or delete a row without `minsheng audit verify` naming it; deleting
 * the newest rows is caught by the checkpoints (audit.c: writing and
 * the chain; audit_chain.c: verify, checkpoints, purge). */
#ifndef MS_AUDIT_H
#define MS_AUDIT_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>

#include "core/actor.h"
#include "core/err.h"
#include "storage/db.h"

typedef struct audit_entry {
    int64_t user_id;            /* 0 = system / command line */
    const char *username;       /* NULL = "system" (on the command line: audit_command_line's name) */
    const char *client_ip;      /* NULL for the command line */
    const char *action;         /* create, update, move, status, login, ... */
    const char *entity;         /* resident, household, org_unit, user, session, ... */
    int64_t entity_id;          /* 0 = none */
    const char *org_path;       /* scope of the entity; NULL = street-wide */
    json_t *before;             /* borrowed; may be NULL */
    json_t *after;              /* borrowed; may be NULL */
    const char *detail;         /* free text; may be NULL */
    const char *outcome;        /* "success" (NULL) or "failure" */
} audit_entry;

/* Returns 0, or -1 when the row could not be written (the caller must
 * then roll back its change). Must run inside the caller's write
 * transaction (BEGIN IMMEDIATE): the chain head is read under its lock.
 * Refuses when no key is loaded (keys.h) or the newest row is not
 * chained. Also runs the alert rules (alerts.h) on the new row. */
int audit_write(db_conn *db, const audit_entry *e);

/* From now on this process is the command line: rows written without a
 * username name the operating-system user who ran it instead of plain
 * "system" — "system:root", or "system:root (sudo alice)" when sudo
 * started it as another user (SUDO_USER). Called by main() for every
 * command but serve. Returns the name used. */
const char *audit_command_line(void);

/* The Chinese name of an audit action code ("view_full_id" →
 * "查看完整身份证号"), one table for every code the program writes
 * (audit_names.c; tests/unit/test_audit_names.c checks that every code
 * used in src/ has one); the code itself for an unknown one. */
const char *audit_action_label(const char *code);

/* The i-th entry of that table (code order): its code, and its name in
 * *label; NULL past the end. GET /audit/actions lists them. */
const char *audit_action_at(size_t i, const char **label);

/* The same, with user_id and username taken from `who` (NULL or a
 * zeroed actor = the command line) and the client address from ip. */
static inline int audit_write_as(db_conn *db, const actor *who, const char *ip, audit_entry e)
{
    if (who && who->id > 0) {
        e.user_id = who->id;
        e.username = who->username;
    }
    e.client_ip = ip;
    return audit_write(db, &e);
}

/* A refused request as a security event, in its own small transaction
 * (the handler's was rolled back): 403 and 404 are `access_denied`
 * (scope denials answer 404), any other 4xx on a method other than GET
 * or HEAD is `write_refused`; outcome failure, with method, path, status
 * and error code in the detail. 401 and 423 are not recorded here (the
 * sign-in path audits them). Returns 0 (also when nothing needed
 * recording) or -1. */
int audit_refusal(db_conn *db, const actor *who, const char *ip, const char *method, const char *path,
                  int status, const char *error_code);

/* ---- the chain ------------------------------------------------------------ */

#define AUDIT_HASH_HEX 65       /* 64 hex digits + NUL */

/* "2026-03-01T02:03:04Z" for t (out holds 21 bytes); returns out. */
char *audit_iso_utc(time_t t, char out[static 21]);

/* A stored UTC time ("2026-03-01T02:03:04Z") as Beijing time with its
 * zone ("2026-03-01T10:03:04+08:00"), as the API shows it; other text is
 * copied unchanged. out holds 32 bytes; returns out. */
char *audit_beijing_time(const char *utc, char out[static 32]);

/* Beijing (UTC+8) midnight of "YYYY-MM-DD" plus add_days, as UTC ISO
 * 8601 like audit_log.at (out holds 21 bytes); returns out. The audit
 * list's date filters and the purge use it. */
char *audit_day_start_utc(const char *ymd, int add_days, char out[static 21]);

/* 1 when any audit row is chained (so the key file must exist). */
int audit_chain_exists(db_conn *db);

/* The chain head: the newest row's id and row_hash, else the newest
 * purge anchor's, else 0 and 64 zeros. Returns 0, or -1 when the newest
 * row is not chained. */
int audit_chain_head(db_conn *db, int64_t *id, char hash[static AUDIT_HASH_HEX]);

/* Chains rows written before the chain existed (migration 0004 copies
 * them with row_hash NULL). Only when no row is chained yet; writes an
 * `audit_chain_start` row saying how many were adopted. *adopted = 0
 * when there was nothing to do. Runs its own transaction. 0 or -1. */
int audit_chain_adopt(db_conn *db, int64_t *adopted, ms_err *err);

/* The row of statement s starting at column `first` (the columns of
 * AUDIT_CHAIN_COLUMNS, in that order) MAC'd with prev_hash into out.
 * Returns 0, or -1 without a key. */
#define AUDIT_CHAIN_COLUMNS \
    "id, at, user_id, username, action, entity, entity_id, org_path, before_json, after_json, client_ip, detail, outcome"
int audit_row_mac(db_stmt *s, int first, const char *prev_hash, char out[static AUDIT_HASH_HEX]);

/* A keyed BLAKE2b (KEY_AUDIT) of text, as hex: for seals and anchors.
 * Returns 0, or -1 without a key. */
int audit_text_mac(const char *text, char out[static AUDIT_HASH_HEX]);

/* ---- verify, checkpoints, purge (audit_chain.c) ------------------------- */

/* "<db path>.audit-seal" unless seal_path is given; returns out. */
char *audit_seal_path(const char *db_path, const char *seal_path, char *out, size_t outsz);

typedef struct audit_seal {
    char at[21];                 /* UTC ISO 8601 */
    int64_t last_id;
    char hash[AUDIT_HASH_HEX];
    char line[256];              /* the line as written to the seal file */
} audit_seal;

/* Appends the chain head to the seal file (O_APPEND, created 0600) as
 * one MAC'd line and fills *out. Returns 0, or -1 with err. */
int audit_checkpoint(db_conn *db, const char *seal_file, audit_seal *out, ms_err *err);

typedef struct audit_verify_report {
    int64_t rows, first_id, last_id;
    int64_t seals;               /* seal lines checked */
    int64_t anchors;             /* purge anchors checked */
    int64_t bad_id;              /* the first broken row (0 when not about one row) */
    char problem[400];           /* what is wrong, in Chinese; "" when intact */
    char head_hash[AUDIT_HASH_HEX];
    int seal_file_missing;
} audit_verify_report;

/* Checks the whole chain from the newest purge anchor on, then every
 * line of the seal file (NULL: no seal check). Returns 0 when intact, 1
 * when broken (rep->problem names the first broken row and what is
 * wrong: changed, missing/deleted, inserted, out of order), -1 on error
 * (err). */
int audit_verify(db_conn *db, const char *seal_file, audit_verify_report *rep, ms_err *err);

/* Retention: nothing younger than this many days may be purged. */
#define AUDIT_RETENTION_MIN_DAYS 180

typedef struct audit_purge_report {
    int64_t purged, through_id;
    char cutoff[21];             /* UTC ISO 8601: rows before it were purged */
} audit_purge_report;

/* Deletes the audit rows of the Beijing-time days before before_ymd
 * ("YYYY-MM-DD"), refusing (ERR_INVALID, field "before") anything
 * younger than min_days (>= AUDIT_RETENTION_MIN_DAYS) before `now`, and
 * a chain that does not verify. Writes a MAC'd anchor (the last purged
 * row's id and hash) so the rest still verifies, an `audit_purge` audit
 * row, and a checkpoint. Returns 0 or -1 with err. */
int audit_purge(db_conn *db, const char *before_ymd, int min_days, time_t now, const char *seal_file,
                audit_purge_report *rep, ms_err *err);

#endif
