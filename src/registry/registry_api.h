/* registry_api.h — the registry's HTTP side: its route tables (one per
 * resource file) and the scope helpers every module's handlers use to
 * load an org unit the caller may see.
 *
 * Each table is defined in the file named beside it; app/app.c lists
 * them. */
#ifndef MS_REGISTRY_API_H
#define MS_REGISTRY_API_H

#include "registry/household.h"
#include "registry/org.h"
#include "server/http.h"

extern const route org_routes[];         /* org_api.c:       /org-units */
extern const route household_routes[];   /* household_api.c: /households */
extern const route resident_routes[];    /* resident_api.c:  /residents */
extern const route stats_routes[];       /* stats_api.c:     /tags, /stats */
extern const route import_routes[];      /* import_api.c:    /import, /export */
extern const route transfer_routes[];    /* transfer_api.c:  /transfers */
extern const route dashboard_routes[];   /* dashboard_api.c: /stats/map, /stats/ages */

/* Whether the role may see tag `code` in a count (the department viewer
 * and 刑释解教: a count of one next to a list would name the person).
 * stats_api.c. */
int stats_tag_visible(unsigned roles, const char *code);

/* Loads org unit `id` and checks it lies inside the caller's scope.
 * Returns 0, or -1 with a 404 (outside the scope looks like absent). */
int org_unit_in_scope_or_reply(request *rq, response *rs, int64_t id, org_unit *out);

/* The same for the query parameter `param` (default: the caller's own
 * unit). A malformed value is a 400. */
int org_unit_param_or_reply(request *rq, response *rs, const char *param, org_unit *out);

/* Loads household `id` and checks its grid lies in the caller's scope:
 * 0, or -1 with a 404 (500 on a database error). household_api.c. */
int household_in_scope_or_reply(request *rq, response *rs, int64_t id, household *out);

/* The longest common org-path prefix of a and b ("/1/4/" of "/1/4/9/"
 * and "/1/4/12/"): the narrowest scope containing both ends of a move,
 * for its audit row. household_api.c. */
void registry_common_path(const char *a, const char *b, char out[256]);

/* The sort keys grid_name and community_name of a list whose rows have
 * the grid id column grid_col ("r.grid_id"), as key, expression pairs
 * of a req_page_keyset table: the names are read per row (a sort by them
 * reads every match); a grid's parent is its community. */
#define SORT_KEYS_ORG_NAMES(grid_col)                                                               \
    "grid_name", "(SELECT gn.name FROM org_unit gn WHERE gn.id = " grid_col ")",                     \
    "community_name", "(SELECT cn.name FROM org_unit gn JOIN org_unit cn ON cn.id = gn.parent_id"     \
    " WHERE gn.id = " grid_col ")"

/* The full_id=1 query flag into *full: 0, or -1 with a 403 when the
 * caller's role may not see full ID numbers. resident_api.c. */
int full_id_or_reply(request *rq, response *rs, int *full);

/* The tag query parameter (code or Chinese label) as its code: 0, or
 * -1 with a 400 (unknown tag) or a 403 (a tag the caller's role may
 * not see). resident_api.c. */
int tag_param_or_reply(request *rq, response *rs, const char *tag, const char **code);

/* Replies the registry history (GET …/history) of a resident or a
 * household ("resident" | "household") already loaded in scope: 0, or
 * -1 with a 500. resident_api.c. */
int history_reply(request *rq, response *rs, const char *entity, int64_t id);

#endif
