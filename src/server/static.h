/* static.h — the web application's files, served from the binary (see
 * static.c). */
#ifndef MS_STATIC_H
#define MS_STATIC_H

#include "server/http.h"

/* Answers a GET for the web application: a built file, or index.html
 * for a page address of the single-page application ("/residents").
 * accept_encoding: the request's Accept-Encoding header (may be NULL).
 * Returns 1 when it replied, 0 when the path is not the application's. */
int static_serve_or_skip(const char *path, const char *accept_encoding, response *rs);

#endif
