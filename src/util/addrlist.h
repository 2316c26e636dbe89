/* addrlist.h — a list of client address ranges in CIDR notation
 * ("10.0.0.0/8,192.168.1.0/24,fd00::/8", a bare address meaning one
 * host), parsed once and matched against an address as text. IPv4
 * addresses mapped into IPv6 (::ffff:10.1.2.3) match the IPv4 ranges.
 *
 * Owns nothing but the parsed list; used for the sign-in allow-list of
 * privileged roles (serve --admin-allow, src/auth/session.c). */
#ifndef MS_ADDRLIST_H
#define MS_ADDRLIST_H

#include <stddef.h>

#define ADDRLIST_MAX 64

typedef struct addr_range {
    int family;                  /* AF_INET or AF_INET6 */
    unsigned char addr[16];      /* network byte order; 4 bytes used for IPv4 */
    int bits;                    /* prefix length */
} addr_range;

typedef struct addr_list {
    size_t n;
    addr_range r[ADDRLIST_MAX];
} addr_list;

/* Parses comma-separated ranges into *out. 0, or -1 with a Chinese
 * message in err naming the bad entry. */
int addrlist_parse(const char *text, addr_list *out, char *err, size_t errsz);

/* 1 when address `ip` (text, as the server prints client addresses)
 * lies in one of the ranges; 0 otherwise, also for an unparsable one. */
int addrlist_contains(const addr_list *l, const char *ip);

#endif
