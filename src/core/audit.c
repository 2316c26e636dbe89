/* audit.c — writes audit_log rows (see audit.h). Reading the log is
 * the audit route's job (app/audit_api.c). */
#include "core/audit.h"

#include <stdlib.h>

static const char *const SQL_INSERT =
    "INSERT INTO audit_log(at, user_id, username, action, entity, entity_id, org_path,"
    " before_json, after_json, client_ip, detail) VALUES (?,?,?,?,?,?,?,?,?,?,?)";

/* The JSON image as compact text with sorted keys (malloc'd); NULL for NULL. */
static char *json_text(json_t *j)
{
    return j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
}

int audit_write(db_conn *db, const audit_entry *e)
{
    char now[20];
    char *before = json_text(e->before), *after = json_text(e->after);
    int rc = db_exec_args(db, SQL_INSERT, DB_TEXT(db_now(now)), DB_ID(e->user_id),
                          DB_TEXT(e->username ? e->username : "system"), DB_TEXT(e->action),
                          DB_TEXT(e->entity), DB_ID(e->entity_id), DB_TEXT(e->org_path), DB_TEXT(before),
                          DB_TEXT(after), DB_TEXT(e->client_ip), DB_TEXT(e->detail));
    free(before);
    free(after);
    return rc == DB_DONE ? 0 : -1;
}
