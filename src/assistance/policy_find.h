/* policy_find.h — 政策找人: residents the registry alone shows to be
 * entitled to a programme they do not receive, for staff to invite to
 * apply (the application form is prefilled from a hit).
 *
 * Owns: the rules of each kind and their SQL over the registry
 * (resident, resident_tag) and the open cases:
 *   longevity       aged 70 or over (birth date; the 高龄津贴 bands
 *                   70+/80+/90+/100+) without an open elderly_longevity case
 *   care_subsidy    disability grade 1 or 2 (the encrypted disability
 *                   field, among residents tagged 残疾) without an open
 *                   disability_care case
 *   dibao_disabled  tagged 残疾, in a household with an active 低保 case
 *                   (programme category dibao), without an open
 *                   disability_living case
 *   orphan          tagged 困境儿童 (hardship_child) and under 18, without
 *                   an open children case (the registry records no
 *                   orphan fact of its own: the tag is what it knows)
 * Only active residents; "open" is a case not closed (any state before a
 * terminal one, 在保 included). */
#ifndef MS_POLICY_FIND_H
#define MS_POLICY_FIND_H

#include <stdint.h>

#include "storage/db.h"

typedef enum pf_kind { PF_LONGEVITY, PF_CARE_SUBSIDY, PF_DIBAO_DISABLED, PF_ORPHAN, PF_KINDS } pf_kind;

/* "longevity" → PF_LONGEVITY; -1 when unknown. */
int policy_find_kind(const char *code);
const char *policy_find_code(pf_kind k);
const char *policy_find_label(pf_kind k);        /* "高龄津贴（70 周岁以上）" */
const char *policy_find_programme(pf_kind k);    /* the programme code the hit may apply for */

/* One resident found. */
typedef struct pf_hit {
    int64_t resident_id, household_id;
    char name[128], id_masked[19], grid[128];
    int age;                        /* the age reached this year (derived_age_reached) */
    char band_key[16];              /* the programme's band, "" when computed monthly (age) */
    char age_band[8];               /* longevity: "70+" … */
    char why[256];
} pf_hit;

/* The hits of kind k among the residents of grids under scope_path, on
 * the China local date today ("YYYY-MM-DD"): rows [offset, offset +
 * limit) to fn, ordered by birth date (longevity, orphan) or id; the
 * number of all of them in *total. 0, or -1 on a database error. */
int policy_find_page(db_conn *db, pf_kind k, const char *scope_path, const char *today, int64_t offset,
                     int64_t limit, void (*fn)(const pf_hit *h, void *ctx), void *ctx, int64_t *total);

#endif
