/* derived.h — tags that are facts, not typed: 高龄 from the birth date.
 *
 * Owns: the age rule (age on a day, frozen at the date of death; in SQL
 * too, for the age pyramid of the dashboard), the 高龄 rule (70 and over, with the bands 80/90/100 that programmes use),
 * adding the tag to an input and refusing an input that contradicts it,
 * and the daily refresh that tags the residents who turned 70 since the
 * last one (the maintained counts of migration 0009 follow the tag rows
 * through their triggers, so lists, filters and statistics by tag stay
 * right without counting at query time).
 *
 * Hook for the assistance module: 低保 and 特困 are to be derived the same
 * way from active assistance cases once that module exists. It will add a
 * rule beside derived_elderly here (a function that says whether the
 * person has an active case of the kind), call it from
 * derived_tags_apply / derived_tags_check, and add its tags to
 * DERIVED_TAGS so derived_refresh keeps them in step; until then the two
 * tags are typed. */
#ifndef MS_DERIVED_H
#define MS_DERIVED_H

#include <stdint.h>

#include "core/err.h"
#include "registry/org.h"
#include "registry/registry.h"
#include "storage/db.h"

#define DERIVED_ELDERLY_AGE 70

/* Age in whole years on today_ymd (YYYYMMDD, 0 = the local date) of
 * someone born on birth_date ("YYYY-MM-DD"); for a deceased person
 * (death_date "YYYY-MM-DD", NULL or "" otherwise) on the date of death:
 * age stops growing at death. -1 when birth_date is malformed. */
int derived_age(const char *birth_date, const char *death_date, int today_ymd);

/* The age reached in the year of that day (today, or the death): its
 * year − the birth year, which tells no more than the birth year (the
 * lists' age without full_id). -1 when birth_date is malformed. */
int derived_age_reached(const char *birth_date, const char *death_date, int today_ymd);

/* The age band programmes use: "100+", "90+", "80+", "70+", or NULL under 70. */
const char *derived_age_band(int age);

/* The age pyramid: active visible residents (the maintained counts'
 * registry_counted_resident) of unit u's subtree (a building: of its
 * households) by sex and 5-year band of their age on today_ymd (0 = the
 * local date): band i is ages 5i to 5i+4, the last band 95 and over.
 * The age is derived_age's, computed in the query ((today − birth as
 * YYYYMMDD numbers) / 10000: a birthday counts from its day, 29 February
 * from 1 March in common years); one indexed query over the unit's
 * grids. 0, or -1 on a database error. */
#define DERIVED_AGE_BANDS 20
typedef struct age_pyramid {
    int64_t male[DERIVED_AGE_BANDS], female[DERIVED_AGE_BANDS];
} age_pyramid;
int derived_age_pyramid(db_conn *db, const org_unit *u, int today_ymd, age_pyramid *out);

/* 1 when the input's tags hold 高龄 (elderly). */
int derived_has_elderly(const resident_input *in);

/* Adds 高龄 to in's tags when age is 70 or more (nothing otherwise). */
void derived_tags_apply(resident_input *in, int age);

/* Refuses a set of tags that contradicts the facts: 高龄 on someone
 * under 70 (always), and — when removal is 1, a change that replaces
 * the tags — a set without 高龄 for someone 70 or over. 0, or -1 with
 * *err (400 on "tags"). */
int derived_tags_check(const resident_input *in, int age, int removal, ms_err *err);

/* Tags every active resident who is 70 or over on today_ymd (0 = the
 * local date) and lacks 高龄, and untags every one under 70 who has it,
 * inside one write transaction with an audit row (action
 * derived_refresh) when anything changed. *added / *removed get the
 * counts. 0, or -1 on a database error. */
int derived_refresh(db_conn *db, int today_ymd, int64_t *added, int64_t *removed);

/* The refresh of the server: once now and then every day a few minutes
 * after local midnight, each on its own connection to db_path, in a
 * thread of its own (errors go to stderr). derived_daily_stop ends it.
 * 0, or -1 when the thread could not start. */
int derived_daily_start(const char *db_path);
void derived_daily_stop(void);

#endif
