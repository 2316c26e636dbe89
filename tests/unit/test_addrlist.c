/* test_addrlist.c — unit tests for util/addrlist (the CIDR allow-list of
 * serve --admin-allow): IPv4 and IPv6 prefixes, bare addresses, IPv4
 * mapped into IPv6, and refused input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "util/addrlist.h"

static addr_list parsed(const char *text)
{
    addr_list l;
    char err[200];
    assert_int_equal(addrlist_parse(text, &l, err, sizeof err), 0);
    return l;
}

static void test_ipv4_prefixes(void **state)
{
    addr_list l = parsed("10.0.0.0/8, 192.168.1.0/24,172.16.5.4");
    assert_int_equal(l.n, 3);
    assert_true(addrlist_contains(&l, "10.200.3.4"));
    assert_true(addrlist_contains(&l, "192.168.1.255"));
    assert_false(addrlist_contains(&l, "192.168.2.1"));
    assert_true(addrlist_contains(&l, "172.16.5.4"));
    assert_false(addrlist_contains(&l, "172.16.5.5"));
    assert_false(addrlist_contains(&l, "11.0.0.1"));
    /* A prefix that is not a whole number of bytes. */
    l = parsed("100.64.0.0/10");
    assert_true(addrlist_contains(&l, "100.127.255.1"));
    assert_false(addrlist_contains(&l, "100.128.0.1"));
    l = parsed("0.0.0.0/0");
    assert_true(addrlist_contains(&l, "8.8.8.8"));
    assert_false(addrlist_contains(&l, "::1"));
}

static void test_ipv6_and_mapped(void **state)
{
    addr_list l = parsed("fd00::/8,::1,127.0.0.0/8");
    assert_true(addrlist_contains(&l, "fd12:3456::1"));
    assert_false(addrlist_contains(&l, "fe80::1"));
    assert_true(addrlist_contains(&l, "::1"));
    assert_false(addrlist_contains(&l, "::2"));
    /* An IPv4 client on a dual-stack socket. */
    assert_true(addrlist_contains(&l, "::ffff:127.0.0.2"));
    assert_false(addrlist_contains(&l, "::ffff:10.0.0.1"));
}

static void test_refused_input(void **state)
{
    static const char *const bad[] = {"", ",", "10.0.0.0/33", "10.0.0.0/", "10.0.0/8", "fd00::/129", "abc",
                                      "10.0.0.0/8x", "10.0.0.0/-1", NULL};
    addr_list l;
    char err[200];
    for (size_t i = 0; bad[i]; i++) {
        err[0] = '\0';
        assert_int_equal(addrlist_parse(bad[i], &l, err, sizeof err), -1);
        assert_true(strlen(err) > 0);
    }
    l = parsed("10.0.0.0/8");
    assert_false(addrlist_contains(&l, "?"));
    assert_false(addrlist_contains(&l, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_prefixes),
        cmocka_unit_test(test_ipv6_and_mapped),
        cmocka_unit_test(test_refused_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
