/* demo.h — the demo street 丹阳街道 (or the demo district 牡丹区 with N
 * streets): a complete, realistic and deterministic registry to try the
 * system with and to benchmark it.
 *
 * Owns: nothing persistent. demo_build generates the org-unit tree
 * (street → 33 communities → 131 grids → buildings), households and
 * residents with special-group tags in the proportions of one real
 * street (DOMAIN.md, scaled to the number of households asked for).
 * Households, residents and tags go through the registry writer, org
 * units through org_create, accounts through user_create: this module
 * holds no SQL of its own apart from one emptiness check. Every street,
 * community and grid gets a boundary for the map (demo/geo.h: a
 * partition of the street's area, the grids of a community a partition
 * of it; the district the MultiPolygon of its streets), set with
 * org_set_geometry.
 *
 * With streets = N >= 2 the tree is the district 牡丹区 (code 371702) and
 * N streets under it, codes 371702001 … 3717020NN, each built as the one
 * street is (33 communities, 131 grids, `households` households); the
 * first is 丹阳街道, the same street the one-street demo builds with the
 * same seed. ID numbers and phones are distinct over the whole district.
 *
 * The registry has a history, as a street's has: after each grid's
 * households, a few hundred per 50,000 households of its non-head
 * members have died (死亡, the older the likelier) or moved away (迁出),
 * some households have left the street (注销, members 迁出), and some
 * households and people have moved to an earlier grid of the street
 * (another grid or community), all through the registry's own
 * operations (history rows, maintained counts), dated within the last
 * three years and never before a birth. These choices draw from a
 * stream of their own, so the people are the same with or without them.
 *
 * Everything is derived from demo_options.seed with a private PRNG
 * (xoshiro256**), so the same seed and date give the same ID numbers,
 * names and addresses; timestamps (created_at) are the only difference.
 * The name and place tables are in names.c. */
#ifndef MS_DEMO_H
#define MS_DEMO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "storage/db.h"

#define DEMO_DEFAULT_HOUSEHOLDS 50000L
#define DEMO_MAX_HOUSEHOLDS 1000000L
#define DEMO_STREET_CODE "371702001"
#define DEMO_DISTRICT_CODE "371702"
#define DEMO_MAX_STREETS 50
#define DEMO_PASSWORD "Minsheng@2026"

typedef struct demo_options {
    uint64_t seed;
    long households;     /* default DEMO_DEFAULT_HOUSEHOLDS (use it when
                          * the user gives none); 0 builds the tree only;
                          * negative means the default; at most
                          * DEMO_MAX_HOUSEHOLDS */
    int today_ymd;       /* YYYYMMDD used for ages; 0 = today */
    int streets;         /* 0 or 1: the one street, as the root (no district);
                          * 2..DEMO_MAX_STREETS: the district and that many
                          * streets, each of `households` households */
} demo_options;

/* households, residents and tag_counts are of the ACTIVE registry (what
 * the statistics show); the history beside them is in the rows too. */
typedef struct demo_summary {
    long streets, communities, grids, buildings, households, residents;
    long tag_counts[16]; /* active residents per tag, indexed like resident_tag_codes */
    long closed_households, deceased, moved_out;   /* history: 注销 households (members 迁出), 死亡, 迁出 */
    long household_moves, resident_moves;          /* history: moves to another grid / household */
} demo_summary;

/* Builds the demo street (or district) into an empty, migrated
 * database; fails (returns -1, Chinese message in err) if an org unit
 * already exists. opt NULL means seed 0, the default size, today and one
 * street. Runs in one transaction (rolled back on failure). Prints
 * nothing. sum may be NULL (its counts are over all streets). */
int demo_build(db_conn *db, const demo_options *opt, demo_summary *sum, char *err, size_t errsz);

/* Creates the demo accounts, all with the password DEMO_PASSWORD, in one
 * transaction, and writes a table of username / password / role / scope
 * to out (may be NULL). Needs the demo tree of demo_build with the same
 * number of streets; fails when an account of that name exists.
 *   one street (streets 0 or 1): admin, anquan, auditor, jiedao, fuhe (a
 *     second street account: 复核, the other pair of eyes a payment run
 *     needs) and bumen at the street; shequ01, shequ02; wangge0101,
 *     wangge0102, wangge0201.
 *   a district: admin, anquan, auditor, qu (street staff of the whole
 *     district) and bumen at the district; per street KK (01, 02 …):
 *     jiedaoKK, shequKK01, shequKK02, wanggeKK0101, wanggeKK0102,
 *     wanggeKK0201. */
int demo_create_accounts(db_conn *db, int streets, FILE *out, char *err, size_t errsz);

/* ---- data tables, defined in names.c, used only by demo.c ------------- */

typedef struct demo_weighted {
    const char *text;
    int weight;
} demo_weighted;

typedef struct demo_community {
    const char *name;       /* 中山社区 */
    const char *roads[2];   /* roads its grids lie on */
} demo_community;

typedef struct demo_region {
    const char *code;       /* 6-digit administrative division code */
    const char *name;       /* 山东省菏泽市曹县 */
} demo_region;

extern const demo_community demo_communities[33];
extern const demo_weighted demo_surnames[];          /* NULL-terminated */
/* Given names by sex and birth era, NULL-terminated. Eras: born before
 * 1960, 1960–1989, 1990–2009, 2010 on. */
extern const char *const *const demo_given_male[4];
extern const char *const *const demo_given_female[4];
/* Characters to compose given names: [0] first, [1] second (also used
 * alone for one-character names); NULL-terminated. */
extern const char *const *const demo_given_chars_male[2];
extern const char *const *const demo_given_chars_female[2];
extern const char *const demo_compound_words[];      /* 幸福 …, NULL-terminated */
extern const char *const demo_compound_suffixes[];   /* 小区 …, NULL-terminated */
extern const char *const demo_work_units[];          /* 棉纺厂 … (家属院), NULL-terminated */
extern const demo_region demo_regions_heze[];        /* other Heze counties, NULL-terminated */
extern const demo_region demo_regions_shandong[];    /* rest of Shandong, NULL-terminated */
extern const demo_region demo_regions_other[];       /* neighbouring provinces, NULL-terminated */
extern const char *const demo_mobile_prefixes[];     /* "138" …, NULL-terminated */

/* One draw of the splitmix64 stream whose state is *x (the generators
 * of the modules' demo data draw from it, each from its own seed). */
uint64_t demo_splitmix64(uint64_t *x);

#endif
