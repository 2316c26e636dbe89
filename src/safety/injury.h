/* injury.h — injury records of the safe-community programme (安全社区伤害
 * 监测) and their analysis: counts by one dimension or a cross-tab of two,
 * for a year and the year before.
 *
 * Owns: the safety_injury table (migration 0028) and its SQL, the code
 * lists a record's fields are checked against (place type, injury type,
 * cause, severity, sex, occupation, education — here and nowhere else),
 * the age-band rule (0–6, 7–17, 18–44, 45–59, 60–74, 75+) and the
 * tallies of the analysis (pure: injury_tally_add counts one record).
 *
 * Writes run in the caller's open transaction; the caller audits them
 * (injury_api.c, through the one write path). */
#ifndef MS_SAFETY_INJURY_H
#define MS_SAFETY_INJURY_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "storage/db.h"

/* ---- code lists ------------------------------------------------------------ */

/* The choices of each coded field, NULL-terminated. occupation,
 * education and cause default to their last value (不详 / 不详 / 不清楚). */
extern const char *const INJURY_PLACE_TYPES[];
extern const char *const INJURY_TYPES[];
extern const char *const INJURY_CAUSES[];
extern const char *const INJURY_SEVERITIES[];
extern const char *const INJURY_SEXES[];
extern const char *const INJURY_OCCUPATIONS[];
extern const char *const INJURY_EDUCATIONS[];

/* An age band: its key ("18-44", as queries name it), its label
 * ("18–44岁") and its ages, both ends included. */
typedef struct injury_age_band_def {
    const char *key, *label;
    int lo, hi;
} injury_age_band_def;
extern const injury_age_band_def INJURY_AGE_BANDS[];   /* ended by key NULL */

/* The band of age (0–120): its entry, or NULL when age is out of range. */
const injury_age_band_def *injury_age_band(int age);
/* The band whose key is `key`, or NULL. */
const injury_age_band_def *injury_age_band_find(const char *key);

/* Completed years from birth ("YYYY-MM-DD") to date `on`: -1 when either
 * is not a date or birth is after on. Someone born on 29 February
 * reaches the next year on 1 March of a common year. */
int injury_age_at(const char *birth, const char *on);

/* ---- records --------------------------------------------------------------- */

/* A record as the views show it (the resident's name as stored: the
 * API masks it). */
typedef struct injury_row {
    int64_t id, org_unit_id, community_id, resident_id, version;
    char unit_name[128], unit_path[256], unit_kind[16], community_name[128];
    char injured_on[11], place_type[32], sex[8], occupation[64], education[32];
    char injury_type[32], cause[48], severity[16];
    int age;
    char resident_name[208];
    char description[1600];
    char created_at[20], updated_at[20];
} injury_row;

/* What a create or an update gives: NULL strings, age -1 and
 * resident_id -1 are "not given" (an update keeps the stored value; a
 * create takes the default or refuses a required field). resident_id 0
 * unlinks. birth_date, when given, sets age (at injured_on) and must
 * agree with a given age. resident_birth and resident_sex ("M"/"F") are
 * the linked resident's, read by the caller: a record with neither age
 * nor birth date takes the age from the resident's birth date, and
 * without sex the resident's sex. */
typedef struct injury_input {
    int64_t org_unit_id, resident_id;
    const char *injured_on, *place_type, *occupation, *education, *injury_type, *cause, *severity, *sex;
    const char *birth_date, *description;
    int age;
    const char *resident_birth, *resident_sex;
} injury_input;

/* An input with nothing given. */
#define INJURY_INPUT_NONE ((injury_input){.age = -1, .resident_id = -1})

/* Validates and stores a new record (created_by user_id, 0 = none):
 * its id, or -1 with *err (400 naming the field). */
int64_t injury_create(db_conn *db, int64_t user_id, const injury_input *in, ms_err *err);

/* Lays the given fields of *in over record id, read again here, checks
 * the result as a create would and stores it with the next version;
 * the record as read into *before. if_version (0 = any) must be its
 * version (412). 0, or -1 with *err (400, 404, 412). */
int injury_update(db_conn *db, int64_t id, const injury_input *in, int64_t if_version, injury_row *before,
                  ms_err *err);

/* Removes record id, the record as read into *before (the audit row's
 * before-image). 0, or -1 with *err (404, 412). */
int injury_delete(db_conn *db, int64_t id, int64_t if_version, injury_row *before, ms_err *err);

/* Loads record id: 0, 1 when there is none, -1 on a database error. */
int injury_get(db_conn *db, int64_t id, injury_row *out);

/* The list's SQL: the FROM (records as r, their unit as u) and the
 * columns injury_from_row reads, to which the list adds its filters. */
#define INJURY_FROM                                                                                   \
    " FROM safety_injury r JOIN org_unit u ON u.id = r.org_unit_id"                                  \
    " LEFT JOIN org_unit c ON c.id = (CASE WHEN u.kind = 'grid' THEN u.parent_id ELSE u.id END)"      \
    " LEFT JOIN resident p ON p.id = r.resident_id "
#define INJURY_SELECT                                                                                 \
    "SELECT r.id, r.org_unit_id, u.name, u.path, u.kind, c.id, c.name, r.injured_on, r.place_type,"   \
    " r.age, r.sex, r.occupation, r.education, r.injury_type, r.cause, r.severity, r.resident_id,"     \
    " p.name, r.description, r.version, r.created_at, r.updated_at" INJURY_FROM
void injury_from_row(db_stmt *s, injury_row *out);

/* ---- analysis -------------------------------------------------------------- */

typedef enum injury_dim {
    INJ_AGE_BAND, INJ_SEX, INJ_OCCUPATION, INJ_EDUCATION, INJ_PLACE_TYPE, INJ_INJURY_TYPE, INJ_CAUSE,
    INJ_SEVERITY, INJ_MONTH, INJ_COMMUNITY, INJ_DIMS
} injury_dim;

/* A dimension's API name ("age_band") and label ("年龄段"). */
const char *injury_dim_name(injury_dim d);
const char *injury_dim_label(injury_dim d);
/* The dimension named `name`, or INJ_DIMS when there is none. */
injury_dim injury_dim_find(const char *name);
/* "age_band、sex、…": the names, for messages (static). */
const char *injury_dim_names_text(void);

/* What the analysis reads of a record. */
typedef struct injury_facts {
    const char *injured_on, *place_type, *sex, *occupation, *education, *injury_type, *cause, *severity;
    int age;
    int64_t community_id;
    const char *community_name;
} injury_facts;

/* One value of a dimension: its key (the code, the band's key, "01" for
 * January, a community's id) and label. */
typedef struct injury_key {
    char key[32], label[128];
} injury_key;

/* Counts by `by` (rows) and `by2` (columns; INJ_DIMS: one column), for
 * `year` (count) and year - 1 (previous). The keys are the dimension's
 * values in their order, all of them (zero counts included), then any
 * other value a record holds; a community dimension starts from the
 * communities injury_tally_key adds. cell(i, j) = i * ncols + j. */
typedef struct injury_tally {
    injury_dim by, by2;
    int year;
    injury_key *rows, *cols;
    size_t nrows, ncols, cap_rows, cap_cols;
    int64_t *count, *previous;      /* cap_rows × cap_cols, row-major by cap_cols */
} injury_tally;

/* Starts a tally: 0, or -1 when out of memory. */
int injury_tally_init(injury_tally *t, int year, injury_dim by, injury_dim by2);
/* Adds the value (key, label) to the rows (axis 0) or columns (axis 1)
 * unless it is there: its index, or -1 when out of memory. */
int injury_tally_key(injury_tally *t, int axis, const char *key, const char *label);
/* Counts record f when its year is the tally's or the one before: 0, or
 * -1 when out of memory. */
int injury_tally_add(injury_tally *t, const injury_facts *f);
/* The counts of cell (row, col) for the year and the year before. */
int64_t injury_tally_count(const injury_tally *t, size_t row, size_t col, int previous);
void injury_tally_release(injury_tally *t);

/* The tally of the records whose unit lies under scope_path (its
 * communities listed first when a dimension is the community): 0, or -1
 * on a database error (out of memory). */
int injury_analysis(db_conn *db, const char *scope_path, int year, injury_dim by, injury_dim by2, injury_tally *out);

#endif
