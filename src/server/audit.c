/* audit.c — writes audit_log rows (see audit.h). Reading the log is
 * the audit route's job (api_audit.c). */
#include "server/audit.h"

#include <stdlib.h>

static const char *const SQL_INSERT =
    "INSERT INTO audit_log(at, user_id, username, action, entity, entity_id, org_path,"
    " before_json, after_json, client_ip, detail) VALUES (?,?,?,?,?,?,?,?,?,?,?)";

static void bind_json(db_stmt *s, int idx, json_t *j)
{
    if (!j) {
        db_bind_null(s, idx);
        return;
    }
    char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    db_bind_text(s, idx, text);
    free(text);
}

int audit_write(db_conn *db, const audit_entry *e)
{
    char now[20];
    db_stmt *s = db_prepare(db, SQL_INSERT);
    if (!s)
        return -1;
    db_bind_text(s, 1, db_now(now));
    if (e->user_id > 0) db_bind_int(s, 2, e->user_id); else db_bind_null(s, 2);
    db_bind_text(s, 3, e->username ? e->username : "system");
    db_bind_text(s, 4, e->action);
    db_bind_text(s, 5, e->entity);
    if (e->entity_id > 0) db_bind_int(s, 6, e->entity_id); else db_bind_null(s, 6);
    db_bind_text(s, 7, e->org_path);
    bind_json(s, 8, e->before);
    bind_json(s, 9, e->after);
    db_bind_text(s, 10, e->client_ip);
    db_bind_text(s, 11, e->detail);
    int rc = db_step_done(s);
    db_finalize(s);
    return rc == DB_DONE ? 0 : -1;
}
