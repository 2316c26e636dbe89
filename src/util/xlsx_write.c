/* xlsx_write.c — a workbook into memory through a temporary file (see
 * xlsx_write.h). */
#include "util/xlsx_write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

lxw_workbook *xlsx_out_open(xlsx_out *x, int constant_memory)
{
    const char *dir = getenv("TMPDIR");
    snprintf(x->tmpdir, sizeof x->tmpdir, "%s", dir && *dir ? dir : "/tmp");
    snprintf(x->path, sizeof x->path, "%s/minsheng-xlsx-XXXXXX", x->tmpdir);
    int fd = mkstemp(x->path);
    if (fd < 0)
        return x->wb = NULL;
    close(fd);
    lxw_workbook_options o = {.constant_memory = constant_memory ? LXW_TRUE : LXW_FALSE, .tmpdir = x->tmpdir};
    x->wb = workbook_new_opt(x->path, &o);
    if (!x->wb)
        unlink(x->path);
    return x->wb;
}

/* The whole of file path into *out; 0 or -1. */
static int slurp(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 1 << 16, n = 0, got;
    char *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *bigger = realloc(buf, cap *= 2);
            if (!bigger)
                free(buf);
            buf = bigger;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        return -1;
    }
    *out = buf;
    *len = n;
    return 0;
}

int xlsx_out_close(xlsx_out *x, char **out, size_t *len)
{
    int rc = -1;
    if (x->wb && workbook_close(x->wb) == LXW_NO_ERROR)
        rc = slurp(x->path, out, len);
    x->wb = NULL;
    unlink(x->path);
    return rc;
}

size_t xlsx_text_width(const char *s)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x80)
            w++;
        else if (*p >= 0xC0)   /* the lead byte of a character outside ASCII */
            w += 2;
    return w;
}
