/* err.c — filling an ms_err (see err.h). */
#include "core/err.h"
#include "util/validate.h"

#include <stdarg.h>
#include <stdio.h>

int err_set(ms_err *e, err_kind kind, const char *field, const char *fmt, ...)
{
    if (!e)
        return -1;
    va_list ap;
    e->kind = kind;
    snprintf(e->field, sizeof e->field, "%s", field ? field : "");
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    utf8_trim_partial(e->message);   /* a cut character would make the JSON invalid */
    return -1;
}

int err_check_version(ms_err *e, const char *what, long long current, long long if_version)
{
    if (!if_version || current == if_version)
        return 0;
    err_set(e, ERR_STALE, NULL, "该%s的记录已被他人修改（当前版本 %lld，您看到的是 %lld），请刷新后再改", what, current,
            if_version);
    if (e)
        e->current_version = current;
    return -1;
}

int err_db(ms_err *e)
{
    return err_set(e, ERR_DB, NULL, "服务器内部错误，请稍后重试或联系管理员");
}
