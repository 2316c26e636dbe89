/* notice.c — public notices and objections (see notice.h): the SQL of
 * assistance_notice, assistance_notice_case and assistance_objection. */
#include "assistance/notice.h"

#include <stdio.h>
#include <string.h>

#define WHY(...) (why && whysz ? snprintf(why, whysz, __VA_ARGS__) : 0)

int notice_blocks_approval(db_conn *db, int64_t case_id, const char *today, char *why, size_t whysz)
{
    int64_t open = db_one_int(db, -1,
                              "SELECT COUNT(*) FROM assistance_objection WHERE case_id = ? AND status = 'open'",
                              DB_INT(case_id));
    if (open < 0)
        return -1;
    if (open > 0)
        return WHY("该申请在公示期间收到 %lld 条异议，尚未处理完毕，不能审批", (long long)open), 1;
    db_stmt *s = db_query(db,
                          "SELECT n.ends_on FROM assistance_notice_case nc JOIN assistance_notice n ON n.id = nc.notice_id "
                          " WHERE nc.case_id = ? AND n.status IN ('posted', 'closed') AND n.ends_on IS NOT NULL "
                          " ORDER BY n.ends_on DESC LIMIT 1",
                          DB_INT(case_id));
    if (!s)
        return -1;
    int rc = db_step(s);
    char ends[16] = "";
    if (rc == DB_ROW)
        db_col_copy(s, 0, ends, sizeof ends);
    db_finalize(s);
    if (rc != DB_ROW && rc != DB_DONE)
        return -1;
    if (!ends[0])
        return WHY("该申请尚未张榜公示，不能审批"), 1;
    if (strcmp(today, ends) <= 0)
        return WHY("公示期至 %s 结束，期满后方可审批", ends), 1;
    return 0;
}
