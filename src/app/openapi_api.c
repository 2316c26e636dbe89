/* openapi.c — GET /api/v1/openapi.json: the API description. The
 * document itself is web/openapi.json, compiled into the binary with
 * the other web assets (scripts/embed.sh); this file only serves it. */
#include "server/handlers.h"
#include "util/embedded.h"

#include <stdlib.h>
#include <string.h>

int api_openapi(request *rq, response *rs)
{
    const struct embedded_file *f = embedded_find(ms_web_assets, "openapi.json");
    if (!f)
        return reply_not_found(rs, "API 描述文件");
    char *copy = malloc(f->size + 1);
    if (!copy)
        return reply_internal(rs);
    memcpy(copy, f->data, f->size + 1);
    return reply_raw(rs, 200, "application/json; charset=utf-8", copy, f->size);
}
