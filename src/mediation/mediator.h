/* mediator.h — the mediation stations (调解站/室) and the mediator
 * directory (调解员名册) the parties choose from, and the vocabulary both
 * they and the cases use (dispute types, mediator kinds).
 *
 * Owns: the SQL of mediation_station and mediator (migration 0026) and
 * their rules. The directory belongs to a street: every account of the
 * street (the street's and its communities') reads all of it; street
 * staff maintain it. A mediator's phone is stored encrypted (column
 * "mediator.phone") and decrypted only when loaded. Writes run inside
 * the caller's transaction. */
#ifndef MS_MEDIATOR_H
#define MS_MEDIATOR_H

#include <stdint.h>

#include "core/actor.h"
#include "core/err.h"
#include "core/fieldcrypt.h"
#include "storage/db.h"

/* A code and its label, in a NULL-ended table. */
typedef struct med_term {
    const char *code, *label;
} med_term;

extern const med_term MED_DISPUTE_TYPES[];   /* neighbour 邻里纠纷, family 婚姻家庭纠纷 … */
extern const med_term MED_MEDIATOR_KINDS[];  /* lawyer 律师, judicial_volunteer 司法志愿者 … */

/* The label of `code` in `terms`, or NULL when it is not there. */
const char *med_term_label(const med_term *terms, const char *code);

/* The street part of an org path ("/5/7/12/" → "/5/"; "/" → "/") into out. */
void med_street_of(const char *path, char out[256]);

/* 1 when the directory of the street holding org path `path` is open to
 * `who`: who is in that street or above it (the district). */
int med_directory_visible(const actor *who, const char *path);

#define MED_NAME_CHARS 60
#define MED_SPECIALTIES_MAX 8

typedef struct med_station {
    int64_t id, org_unit_id;
    char org_kind[16], org_name[128], org_path[256];
    char name[256], head_name[208], deputy_name[208], clerk_name[208], address[808];
    int64_t active_mediators;
    int64_t version;
    char created_at[20], updated_at[20];
} med_station;

/* A station's fields; NULL = unchanged on update (org_unit_id 0 = unchanged). */
typedef struct med_station_in {
    int64_t org_unit_id;       /* a street or a community in who's scope */
    const char *name, *head_name, *deputy_name, *clerk_name, *address;
} med_station_in;

#define MED_STATION_SELECT                                                                                \
    "SELECT s.id, s.org_unit_id, o.kind, o.name, o.path, s.name, s.head_name, s.deputy_name, s.clerk_name," \
    " s.address, (SELECT COUNT(*) FROM mediator m WHERE m.station_id = s.id AND m.active = 1), s.version,"  \
    " s.created_at, s.updated_at FROM mediation_station s JOIN org_unit o ON o.id = s.org_unit_id"
void med_station_from_row(db_stmt *s, med_station *out);

/* Station id: 0 found, 1 absent, -1 database error. */
int med_station_get(db_conn *db, int64_t id, med_station *out);

/* Creates a station (street staff; the unit in who's scope): the id, or
 * -1 with ERR_INVALID naming the field, ERR_NOT_FOUND "org_unit_id", ERR_DB. */
int64_t med_station_create(db_conn *db, const actor *who, const med_station_in *in, ms_err *err);

/* Lays the given fields over station id (version compared with
 * if_version when non-zero): 0, or -1 (ERR_INVALID, ERR_NOT_FOUND,
 * ERR_STALE, ERR_DB). */
int med_station_update(db_conn *db, const actor *who, int64_t id, int64_t if_version, const med_station_in *in,
                       ms_err *err);

typedef struct med_mediator {
    int64_t id, station_id;
    char station_name[256], station_path[256];
    char name[208], kind[24], specialties[256];
    char phone[40];            /* decrypted; "" when none */
    int active;
    int64_t version;
    char created_at[20], updated_at[20];
} med_mediator;

/* A mediator's fields; NULL = unchanged on update (station_id 0 = unchanged).
 * specialties: dispute type codes, comma-separated ("" = none). */
typedef struct med_mediator_in {
    int64_t station_id;
    const char *name, *kind, *specialties, *phone;
} med_mediator_in;

#define MED_MEDIATOR_SELECT                                                                                     \
    "SELECT m.id, m.station_id, s.name, o.path, m.name, m.kind, m.specialties, m.phone_enc, m.active, m.version," \
    " m.created_at, m.updated_at FROM mediator m JOIN mediation_station s ON s.id = m.station_id"               \
    " JOIN org_unit o ON o.id = s.org_unit_id"
void med_mediator_from_row(db_stmt *s, med_mediator *out);

/* Mediator id: 0 found, 1 absent, -1 database error. */
int med_mediator_get(db_conn *db, int64_t id, med_mediator *out);

/* Creates a mediator (street staff; the station's street in who's
 * scope): the id, or -1 (ERR_INVALID naming the field, ERR_DB). */
int64_t med_mediator_create(db_conn *db, const actor *who, const med_mediator_in *in, ms_err *err);

/* Lays the given fields over mediator id: 0, or -1 (ERR_INVALID,
 * ERR_NOT_FOUND, ERR_STALE, ERR_DB). */
int med_mediator_update(db_conn *db, const actor *who, int64_t id, int64_t if_version, const med_mediator_in *in,
                        ms_err *err);

/* Deactivates mediator id (kept for the cases that name them; no longer
 * chosen): 0, or -1 (ERR_CONFLICT when already inactive, ERR_NOT_FOUND,
 * ERR_STALE, ERR_DB). */
int med_mediator_deactivate(db_conn *db, const actor *who, int64_t id, int64_t if_version, ms_err *err);

/* The key-rotation pass over mediator.phone (app/fieldkeys.c). */
extern const fc_column_sql med_mediator_phone_crypt;

#endif
