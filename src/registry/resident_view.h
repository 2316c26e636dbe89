/* resident_view.h — residents and households as JSON: the edge where
 * the registry's structs become API objects (and audit images), shared
 * by the resident and household routes.
 *
 * Owns: the visibility table — which role gets which field, in full,
 * masked or not at all (personal-information minimum per role) — and
 * the masking of ID numbers, birth dates and phones that goes with it.
 * Nothing leaves the registry as JSON without passing through here.
 *
 * Each object comes two ways from the same field decisions: as a
 * jansson tree (audit images, write replies) or written straight into
 * a streaming writer (util/jsonw.h: the lists and views on the hot
 * paths), byte for byte the same once serialised. */
#ifndef MS_RESIDENT_VIEW_H
#define MS_RESIDENT_VIEW_H

#include <jansson.h>

#include "core/actor.h"
#include "registry/household.h"
#include "registry/resident.h"
#include "util/jsonw.h"

typedef struct resident_view_opts {
    unsigned role;    /* who receives it: the caller's role; ROLE_AUDITOR for audit images */
    int full_id;      /* the unmasked ID number and birth date: only for ROLES_FULL_ID, and
                         only when the caller asked (full_id=1) and the view is audited */
    int list;         /* a list row: phones masked for every role */
    int today_ymd;    /* for "age"; 0 = today */
} resident_view_opts;

/* The view for the caller with role `r`. */
static inline resident_view_opts resident_view_for(unsigned r, int full_id, int list)
{
    return (resident_view_opts){.role = r, .full_id = full_id && (r & ROLES_FULL_ID), .list = list};
}

/* Audit images (before/after) are read by the auditor, who has no right
 * to full ID numbers or phones: masked ID, masked phone, no birth date. */
#define RESIDENT_VIEW_AUDIT ((resident_view_opts){.role = ROLE_AUDITOR})

/* Whether role `r` gets `field` of a resident in any form ("phone",
 * "disability_type", "tag:released_prisoner" …): what searches and
 * filters on that field are allowed for. */
int resident_field_visible(unsigned r, const char *field);

/* Whether role `r` may get `field` unmasked ("id_number", "phone" …):
 * who may search by its exact value. */
int resident_field_full(unsigned r, const char *field);

/* The resident object (see docs/api.md), with only the fields o->role
 * gets. New reference. */
json_t *resident_json(const resident *r, const resident_view_opts *o);

/* The same object written into w (the text json_dumps would make of
 * resident_json's, with JSON_COMPACT). */
void resident_write_json(jsonw *w, const resident *r, const resident_view_opts *o);

/* The household object, with only the fields o->role gets (o->full_id
 * is ignored; phones masked in lists). New reference. */
json_t *household_json(const household *h, const resident_view_opts *o);

/* The same object written into w; household_write_fields writes only
 * its members, into an object the caller has opened (to add more, such
 * as "members", before closing it). */
void household_write_json(jsonw *w, const household *h, const resident_view_opts *o);
void household_write_fields(jsonw *w, const household *h, const resident_view_opts *o);

#endif
