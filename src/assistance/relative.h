/* relative.h — the close-relative registry (近亲属备案) of street staff,
 * community cadres and 低保 handlers, and the conflict-of-interest rule
 * built on it (回避): a staff account may take no step on an assistance
 * case whose household holds a relative registered against it. Matched
 * by the ID number's blind index, never by name.
 *
 * Owns: the assistance_relative table (migration 0022). */
#ifndef MS_ASSIST_RELATIVE_H
#define MS_ASSIST_RELATIVE_H

#include <stddef.h>
#include <stdint.h>

#include "core/actor.h"
#include "storage/db.h"

/* 1 when `who` has a registered (not removed) close relative among the
 * people of assistance case case_id — the residents of its household,
 * the members its investigation recorded, its applicant — with the
 * reason, in Chinese, in why; 0 when not (and always for the command
 * line, id 0); -1 on a database error. The workflow's conflict hook. */
int relative_conflict(db_conn *db, int64_t case_id, const actor *who, char *why, size_t whysz);

/* Added by the cases part: 1 when household household_id holds a
 * registered (not removed) close relative of any staff member, with the
 * note shown through the whole workflow (staff post, name, relation) in
 * note; 0 when none; -1 on a database error. Set at application. */
int relative_household_note(db_conn *db, int64_t household_id, char *note, size_t notesz);

#endif
