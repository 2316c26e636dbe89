/* static.c — serves the web application compiled into the binary
 * (web/dist, embedded by scripts/embed-web.sh as ms_web_assets):
 *
 *   - /assets/…  files whose names carry a content hash (Vite): cached
 *                for a year, immutable;
 *   - /, /index.html and every page address of the single-page
 *                application (a path without a dot in its last segment,
 *                outside /api/): index.html, never cached, so a new
 *                build is picked up at the next load;
 *   - a text file's gzip twin ("….js.gz", made at build time) when the
 *     browser accepts gzip, with Vary: Accept-Encoding.
 *
 * The bodies are sent from the binary's read-only data, never copied.
 * Nothing here reads the file system: a path is only ever a key into
 * the embedded table. */
#include "server/static.h"
#include "util/embedded.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *ext, *type;
} TYPES[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".woff", "font/woff"},
    {".ttf", "font/ttf"},
    {".txt", "text/plain; charset=utf-8"},
};

static const char *type_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof TYPES / sizeof TYPES[0]; i++)
        if (strcmp(dot, TYPES[i].ext) == 0)
            return TYPES[i].type;
    return "application/octet-stream";
}

/* 1 when the Accept-Encoding header lists gzip (or *) without q=0. */
static int accepts_gzip(const char *ae)
{
    for (const char *p = ae; p && *p;) {
        p += strspn(p, " \t,");
        size_t len = strcspn(p, ",");          /* one element: coding [; q=x] */
        size_t n = strcspn(p, ",; \t");
        if ((n == 4 && strncasecmp(p, "gzip", 4) == 0) || (n == 1 && *p == '*')) {
            const char *q = strstr(p, "q=");
            return !(q && q < p + len && strtod(q + 2, NULL) <= 0.0);
        }
        p += len;
    }
    return 0;
}

/* 1 for an address the application's router owns: no dot in the last
 * segment ("/residents/12"), neither the API nor the build's files. */
static int is_page_address(const char *path)
{
    const char *last = strrchr(path, '/');
    return strncmp(path, "/api/", 5) != 0 && strcmp(path, "/api") != 0 && strncmp(path, "/assets/", 8) != 0 &&
           last && !strchr(last, '.');
}

int static_serve_or_skip(const char *path, const char *accept_encoding, response *rs)
{
    const char *name = path[0] == '/' ? path + 1 : path;
    if (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0)
        name = "index.html";
    else if (strcmp(path, "/favicon.ico") == 0) {
        /* No icon: an empty answer keeps browsers from logging 404s. */
        reply_raw(rs, 204, "image/x-icon", NULL, 0);
        return 1;
    }
    const struct embedded_file *f = NULL;
    if (strcmp(name, "index.html") != 0 && strncmp(name, "assets/", 7) == 0 && strstr(name, "..") == NULL)
        f = embedded_find(ms_web_assets, name);
    if (!f) {
        if (strcmp(name, "index.html") != 0 && !is_page_address(path))
            return 0;
        name = "index.html";
        f = embedded_find(ms_web_assets, name);
        if (!f)
            return 0;
    }
    int hashed = strcmp(name, "index.html") != 0;
    rs->status = 200;
    rs->content_type = type_of(name);
    rs->static_body = f->data;
    rs->body_len = f->size;
    rs->cache_control = hashed ? "public, max-age=31536000, immutable" : "no-cache";
    char gz[512];
    if (snprintf(gz, sizeof gz, "%s.gz", name) < (int)sizeof gz) {
        const struct embedded_file *z = embedded_find(ms_web_assets, gz);
        if (z) {
            rs->vary = "Accept-Encoding";
            if (accepts_gzip(accept_encoding)) {
                rs->static_body = z->data;
                rs->body_len = z->size;
                rs->content_encoding = "gzip";
            }
        }
    }
    return 1;
}
