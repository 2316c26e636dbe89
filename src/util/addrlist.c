/* addrlist.c — client address ranges (see addrlist.h). */
#include "util/addrlist.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char V4_MAPPED[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* Reads one address into r (family and bytes); 0 or -1. An IPv4 address
 * mapped into IPv6 is read as IPv4. */
static int read_addr(const char *s, addr_range *r)
{
    if (inet_pton(AF_INET, s, r->addr) == 1) {
        r->family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, s, r->addr) != 1)
        return -1;
    r->family = AF_INET6;
    if (memcmp(r->addr, V4_MAPPED, sizeof V4_MAPPED) == 0) {
        memmove(r->addr, r->addr + 12, 4);
        r->family = AF_INET;
    }
    return 0;
}

static int parse_one(const char *entry, addr_range *r)
{
    char addr[64];
    const char *slash = strchr(entry, '/');
    size_t n = slash ? (size_t)(slash - entry) : strlen(entry);
    if (n == 0 || n >= sizeof addr)
        return -1;
    memcpy(addr, entry, n);
    addr[n] = '\0';
    if (read_addr(addr, r) != 0)
        return -1;
    int max = r->family == AF_INET ? 32 : 128;
    r->bits = max;
    if (slash) {
        char *end;
        long b = strtol(slash + 1, &end, 10);
        if (slash[1] == '\0' || *end || b < 0 || b > max)
            return -1;
        r->bits = (int)b;
    }
    return 0;
}

int addrlist_parse(const char *text, addr_list *out, char *err, size_t errsz)
{
    char entry[80];
    memset(out, 0, sizeof *out);
    for (const char *p = text ? text : ""; *p;) {
        p += strspn(p, " ,");
        size_t n = strcspn(p, " ,");
        if (n == 0)
            break;
        int ok = n < sizeof entry && out->n < ADDRLIST_MAX;
        if (ok) {
            memcpy(entry, p, n);
            entry[n] = '\0';
            ok = parse_one(entry, &out->r[out->n]) == 0;
        }
        if (!ok) {
            snprintf(err, errsz, "无效的地址段 %.*s（应为 CIDR，如 10.0.0.0/8 或 fd00::/8，最多 %d 段）",
                     (int)(n < 64 ? n : 64), p, ADDRLIST_MAX);
            return -1;
        }
        out->n++;
        p += n;
    }
    if (out->n == 0) {
        snprintf(err, errsz, "地址段列表为空");
        return -1;
    }
    return 0;
}

static int prefix_equal(const unsigned char *a, const unsigned char *b, int bits)
{
    int whole = bits / 8, rest = bits % 8;
    if (memcmp(a, b, (size_t)whole) != 0)
        return 0;
    if (rest == 0)
        return 1;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

int addrlist_contains(const addr_list *l, const char *ip)
{
    addr_range a;
    if (!l || !ip || read_addr(ip, &a) != 0)
        return 0;
    for (size_t i = 0; i < l->n; i++)
        if (l->r[i].family == a.family && prefix_equal(l->r[i].addr, a.addr, l->r[i].bits))
            return 1;
    return 0;
}
