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
#include "registry/resident_search.h"
#include "server/http.h"
#include "storage/query.h"

extern const route org_routes[];         /* org_api.c:       /org-units */
extern const route household_routes[];   /* household_api.c: /households */
extern const route resident_routes[];    /* resident_api.c:  /residents */
extern const route stats_routes[];       /* stats_api.c:     /tags, /stats */
extern const route import_routes[];      /* import_api.c:    /import, /export */
extern const route transfer_routes[];    /* transfer_api.c:  /transfers */

/* Loads org unit `id` and checks it lies inside the caller's scope.
 * Returns 0, or -1 with a 404 (outside the scope looks like absent). */
int org_unit_in_scope_or_reply(request *rq, response *rs, int64_t id, org_unit *out);

/* The same for the query parameter `param` (default: the caller's own
 * unit). A malformed value is a 400. */
int org_unit_param_or_reply(request *rq, response *rs, const char *param, org_unit *out);

/* Loads household `id` and checks its grid lies in the caller's scope:
 * 0, or -1 with a 404 (500 on a database error). household_api.c. */
int household_in_scope_or_reply(request *rq, response *rs, int64_t id, household *out);

/* The filters of GET /api/v1/households (org_unit_id, q, status,
 * import_batch_id), for its export: every condition, the registry's
 * visibility and the unit's subtree included, added to q (begun with
 * q_init(q, ""), households as "h"); the unit into *unit. 0, or -1
 * replied (400, 404). household_api.c. */
int household_filters_or_reply(request *rq, response *rs, query *q, org_unit *unit);
/* The list's sort keys (req_page pairs). household_api.c. */
const char *const *household_sort_keys(void);

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

/* The filters of a resident search, as GET /api/v1/residents reads them
 * from the query (org_unit_id, status, name, id_number, phone, tag,
 * phone_tail, id_tail, household_id, import_batch_id, age_min, age_max),
 * for the list and for its export (GET /api/v1/export/residents), so
 * that an export holds what the list showed. resident_api.c. */
typedef struct resident_filters {
    org_unit unit;                  /* org_unit_id, in scope (default the caller's own unit) */
    int plain;                      /* only the unit and the default status: its maintained count answers */
    int fast;                       /* by name alone (list only): the name's condition is not in q, name_term is */
    char name_term[NAME_KEY_MAX];
    char exact[96];                 /* an exact search (ID number, phone, ID tail) described masked; "" none */
} resident_filters;

/* Adds every filter of the request to q (begun with q_init(q, ""), rows
 * of resident as "r"), including the registry's visibility, and takes
 * an exact search's rate limit. list_page: the list's page, whose sort
 * may allow the fast form of a search by name alone; NULL elsewhere.
 * 0, or -1 replied (400 parameter, 403 a search the role may not make,
 * 404 unit, 429 exact searches). */
int resident_filters_or_reply(request *rq, response *rs, int full, const page_req *list_page, query *q,
                              resident_filters *out);
/* The filters given, in Chinese, for an audit row ("单位 …（…），姓名 张，
 * 标签 dibao，身份证号 3717**********1234"): exact searches masked. */
void resident_filters_describe(request *rq, const resident_filters *f, char *out, size_t outsz);
/* The list's sort keys (req_page / req_page_keyset pairs): with full_id
 * the birth date, else the birth year. */
const char *const *resident_sort_keys(int full);

#endif
