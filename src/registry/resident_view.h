/* resident_view.h — residents and households as JSON: the edge where
 * the registry's structs become API objects, shared by the resident and
 * household routes. Masking of ID numbers and phones happens here. */
#ifndef MS_RESIDENT_VIEW_H
#define MS_RESIDENT_VIEW_H

#include <jansson.h>

#include "registry/household.h"
#include "registry/resident.h"

typedef struct resident_view_opts {
    int full_id;      /* show the unmasked ID number */
    int full_phone;   /* show the unmasked phone */
    int today_ymd;    /* for "age"; 0 = today */
} resident_view_opts;

/* The resident object (see docs/api.md). New reference. */
json_t *resident_json(const resident *r, const resident_view_opts *o);

/* The household object; phones masked unless full_phone. New reference. */
json_t *household_json(const household *h, int full_phone);

#endif
