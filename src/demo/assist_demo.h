/* assist_demo.h — the demo street's social assistance (issue 11): the
 * beneficiaries a street of 50,000 households has (DOMAIN.md's table:
 * ~726 低保 households / ~1,293 people, 53 特困, ~279 经济困难老年人,
 * ~26 三类儿童, disability subsidies, 高龄津贴, temporary grants), some
 * applications at every step of the workflow, close relatives of staff
 * registered with a few flagged applications, notices with an objection,
 * and ten months of frozen payment runs — so the pages and reports show
 * figures of the seeds' size.
 *
 * Owns: nothing persistent, and no SQL that writes. It reads the
 * registry it was given (who carries the tags 低保, 特困, 经济困难老人,
 * 困境儿童, who is disabled or 70+) and writes only through the domain:
 * 存量纳入 (assistance/enrol.c) for the beneficiaries already receiving,
 * the case steps (case.c) for applications, notice.c, relative.c, the
 * payment runs (payment.c: computed by 街道民政办 jiedao, frozen by the
 * second street account fuhe — four eyes), and the registry's own status
 * change for the two deaths that leave cases to stop. Deterministic for
 * a seed and a date, like demo.c; only the one street 丹阳街道 (with
 * --streets N, the first street) gets assistance data. */
#ifndef MS_DEMO_ASSIST_H
#define MS_DEMO_ASSIST_H

#include <stddef.h>
#include <stdint.h>

#include "storage/db.h"

typedef struct demo_assist_summary {
    long enrolled;         /* 在保 brought in by 存量纳入 */
    long applications;     /* filed through the steps (any state) */
    long granted;          /* one-off grants (临时救助) */
    long relatives;        /* 近亲属备案 rows */
    long flagged;          /* applications with a 回避 note */
    long runs;             /* frozen payment runs */
    int64_t paid_fen;      /* their total */
} demo_assist_summary;

/* Builds it into a database that holds the demo street and its accounts
 * (demo_build, demo_create_accounts) and no assistance case yet.
 * today_ymd 0 = today (China local). Several transactions; on failure
 * (-1, Chinese message in err) what was committed stays. */
int demo_assist_build(db_conn *db, uint64_t seed, int today_ymd, demo_assist_summary *sum, char *err,
                      size_t errsz);

#endif
