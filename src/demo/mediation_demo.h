/* mediation_demo.h — the demo street's people's mediation (issue 12):
 * three stations (the street's committee and two communities' rooms)
 * with their head, deputy and clerk; the mediator directory scaled to
 * the street (the seeds name 104 for a street; ~48 at the default
 * 50,000 households, at least 12), of mixed kinds and specialties with
 * a few no longer active; ~30 cases received over the past year with
 * their sessions, mostly ending in an agreement, some failed and
 * referred, a few withdrawn or still open, and the satisfaction visits.
 *
 * Owns: nothing persistent, and no SQL that writes: it writes through
 * the mediation domain only (mediator.h, mediation.h) as the street
 * account jiedao. Deterministic for a seed and a date; only the one
 * street 丹阳街道 gets it (like assist_demo.h). */
#ifndef MS_DEMO_MEDIATION_H
#define MS_DEMO_MEDIATION_H

#include <stddef.h>
#include <stdint.h>

#include "storage/db.h"

typedef struct demo_mediation_summary {
    long stations, mediators, inactive;
    long cases, sessions, agreed, failed, withdrawn, open, visited;
} demo_mediation_summary;

/* Builds it into a database that holds the demo street and its accounts
 * and no mediation data yet. today_ymd 0 = today (China local). One
 * transaction: on failure (-1, Chinese message in err) nothing stays. */
int demo_mediation_build(db_conn *db, uint64_t seed, int today_ymd, demo_mediation_summary *sum, char *err,
                         size_t errsz);

#endif
