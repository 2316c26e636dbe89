/* safety_demo.h — the demo street's safety work (issue 12): 42
 * enterprises and places of mixed kinds across the grids, each with an
 * inspection plan and a year of inspections by it; the hazards those
 * inspections found (and a few reported directly), with their levels and
 * deadlines, most closed (销号) after a passing re-check, some sent back
 * once by a failing one, some still open and a few past their deadline;
 * and the injury records of the safe-community programme for last year
 * and this year so far, in plausible proportions (falls of the elderly
 * at home, road traffic among adults, children at home, pupils at school
 * and sport, work injuries, bites), with falls rising and road traffic
 * falling from one year to the next so the analysis shows a change.
 *
 * Owns: nothing persistent, and no SQL that writes: it writes through
 * the safety domain only (enterprise.h, hazard.h, injury.h) as the street
 * accounts jiedao (and fuhe for the re-checks). Deterministic for a seed
 * and a date; only the one street 丹阳街道 gets it. */
#ifndef MS_DEMO_SAFETY_H
#define MS_DEMO_SAFETY_H

#include <stddef.h>
#include <stdint.h>

#include "storage/db.h"

typedef struct demo_safety_summary {
    long enterprises, inspections, hazards, closed, reopened, open, overdue;
    long injuries_this_year, injuries_last_year;
} demo_safety_summary;

/* Builds it into a database that holds the demo street and its accounts
 * and no safety data yet. today_ymd 0 = today (China local). One
 * transaction: on failure (-1, Chinese message in err) nothing stays. */
int demo_safety_build(db_conn *db, uint64_t seed, int today_ymd, demo_safety_summary *sum, char *err, size_t errsz);

#endif
