/* openapi_api.c — GET /api/v1/openapi.json: the API description. The
 * document itself is web/openapi.json, compiled into the binary with
 * scripts/embed.sh (table ms_api_doc); this file only serves it.
 * tests/api/test_openapi.c checks it against the route tables. */
#include "app/app.h"
#include "util/embedded.h"

#include <stdlib.h>
#include <string.h>

/* GET /api/v1/openapi.json — no sign-in needed. Reply: OpenAPI 3.0. */
static int openapi_get(request *rq, response *rs)
{
    const struct embedded_file *f = embedded_find(ms_api_doc, "openapi.json");
    if (!f)
        return reply_not_found(rs, "API 描述文件");
    char *copy = malloc(f->size + 1);
    if (!copy)
        return reply_internal(rs);
    memcpy(copy, f->data, f->size + 1);
    return reply_raw(rs, 200, "application/json; charset=utf-8", copy, f->size);
}

const route openapi_routes[] = {
    {.method = "GET", .pattern = "/api/v1/openapi.json", .handler = openapi_get, .roles = 0},
    {0}
};
