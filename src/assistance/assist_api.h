/* assist_api.h — the route tables of social assistance, one per part,
 * each defined in the *_api.c that serves it and listed in app/app.c:
 *   assist_programme_routes  programme_api.c  programmes and standards
 *   assist_case_routes       case_api.c       applications, steps, the case page
 *   assist_relative_routes   relative_api.c   近亲属备案, 政策找人, flags, re-review lists
 *   assist_notice_routes     notice_api.c     公示 and objections
 *   assist_payment_routes    payment_api.c    payment runs, adjustments, bank files, summaries
 * All under /api/v1/assistance/. */
#ifndef MS_ASSIST_API_H
#define MS_ASSIST_API_H

#include "server/http.h"

extern const route assist_programme_routes[];
extern const route assist_case_routes[];
extern const route assist_relative_routes[];
extern const route assist_notice_routes[];
extern const route assist_payment_routes[];

/* Programmes, the area-wide standards and the payment runs hold for
 * every street of the database: 0 when the caller is street staff of
 * the whole tree (the district, or the street of a one-street
 * database), else -1 with a 403 saying `why` (programme_api.c). */
int assist_whole_tree_or_reply(request *rq, response *rs, const char *why);

#endif
