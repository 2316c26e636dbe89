/* open311.h — the Open311 GeoReport v2 side of work orders (issue 12):
 * API keys and the orders filed through them.
 *
 * Owns: open311_key and open311_request (migration 0029) and their rules:
 *  - a key is issued for one street, with the grid of that street where
 *    its requests are filed, the order sources it may create and a rate
 *    per hour; the secret ("o311_" + 40 hex digits) is returned once and
 *    only its SHA-256 is stored; a revoked key is refused;
 *  - a request filed through a key is a work order (order.c) registered
 *    by the key (an actor of the key's street, id 0) with source online
 *    unless the key allows and the request names another;
 *  - the public reads show orders filed through Open311 in the key's
 *    street only;
 *  - status: open while 待交办/待签收/办理中, closed from 办结 on
 *    (待回访, 已归档, 已合并). */
#ifndef MS_DEMAND_OPEN311_H
#define MS_DEMAND_OPEN311_H

#include <stdint.h>

#include "core/actor.h"
#include "core/err.h"
#include "storage/db.h"

#define O311_KEY_CHARS 45        /* "o311_" + 40 hex */
#define O311_NAME_CHARS 40

typedef struct o311_key {
    int64_t id;
    char name[O311_NAME_CHARS * 4 + 1];
    char prefix[16];
    int64_t street_id, grid_id;
    char street_path[256], street_name[128], grid_name[128];
    char sources[64];
    int rate_per_hour;
    char created_at[20], revoked_at[20];
} o311_key;

typedef struct o311_key_in {
    const char *name, *sources;
    int64_t street_id, grid_id, rate_per_hour;
} o311_key_in;

/* Issues a key: its id with the secret in secret (shown once), or -1
 * with ERR_INVALID naming the field, ERR_DB. */
int64_t o311_key_create(db_conn *db, const actor *who, const o311_key_in *in, char secret[O311_KEY_CHARS + 1],
                        ms_err *e);
/* Key id into out: 0, 1 when there is none, -1 on error. */
int o311_key_get(db_conn *db, int64_t id, o311_key *out);
/* The key whose secret is `secret`, not revoked: 0, 1 when none, -1. */
int o311_key_find(db_conn *db, const char *secret, o311_key *out);
/* Revokes key id: 0, or -1 with ERR_NOT_FOUND, ERR_CONFLICT (already), ERR_DB. */
int o311_key_revoke(db_conn *db, int64_t id, ms_err *e);
/* Every key, newest first, into *out (malloc'd) and *n. 0 or -1. */
int o311_key_list(db_conn *db, o311_key **out, size_t *n);

/* 1 when key k may create orders of source src. */
int o311_key_allows(const o311_key *k, const char *src);
/* The actor a key files as: id 0, role street, the key's street scope. */
void o311_key_actor(const o311_key *k, actor *out);
/* Records order id as filed through key k. 0 or -1 (ERR_DB). */
int o311_request_record(db_conn *db, int64_t order_id, const o311_key *k, ms_err *e);

/* "open" or "closed" for a workorder state. */
const char *o311_status(const char *state);
/* UTC "YYYY-MM-DD HH:MM:SS" as W3C "YYYY-MM-DDTHH:MM:SS+08:00" into out
 * ("" when utc is empty). */
void o311_w3c(const char *utc, char out[static 26]);
/* A W3C date-time ("2026-12-01T09:30:00+08:00", "…Z", "…+0800", or a
 * date "2026-12-01" taken as China's midnight) as UTC text into out: 0,
 * or -1 when it is not one. */
int o311_parse_w3c(const char *s, char out[static 20]);

#endif
