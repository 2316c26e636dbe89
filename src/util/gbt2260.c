/* gbt2260.c — lookups in the embedded GB/T 2260 code list (see gbt2260.h).
 * Owns the parser of data/gbt2260.txt's format: "PPCC SS SS …" per line
 * (4-digit prefix, then the 2-digit suffixes under it), # for comments. */
#include "util/gbt2260.h"
#include "util/embedded.h"

#include <pthread.h>
#include <stdlib.h>

#define GBT_MAX 16384

static int codes[GBT_MAX];
static int ncodes;
static pthread_once_t loaded = PTHREAD_ONCE_INIT;

static int two_digits(const char *p)
{
    return (p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9') ? (p[0] - '0') * 10 + (p[1] - '0') : -1;
}

static void load(void)
{
    const struct embedded_file *f = embedded_find(ms_data_files, "gbt2260.txt");
    if (!f)
        return;
    const char *p = f->data;
    while (*p) {
        if (*p == '#') {
            while (*p && *p != '\n')
                p++;
        } else if (*p >= '0' && *p <= '9') {
            int hi = two_digits(p), lo = two_digits(p + 2);
            if (hi < 0 || lo < 0)
                return;
            p += 4;
            while (*p == ' ') {
                int s = two_digits(p + 1);
                if (s < 0 || ncodes == GBT_MAX)
                    return;
                codes[ncodes++] = (hi * 100 + lo) * 100 + s;
                p += 3;
            }
        }
        if (*p)
            p++;
    }
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int gbt2260_exists(int code)
{
    pthread_once(&loaded, load);
    return bsearch(&code, codes, (size_t)ncodes, sizeof codes[0], cmp_int) != NULL;
}

int gbt2260_count(void)
{
    pthread_once(&loaded, load);
    return ncodes;
}
