/* test_arena.c — unit tests for util/arena (the per-request bump
 * allocator) and strbufs whose memory comes from one. Under the test
 * build's AddressSanitizer, a write past any allocation here would
 * also be reported (the arena poisons what it has not handed out). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/strbuf.h"

#define ALIGN alignof(max_align_t)

/* Thousands of small allocations of every size up to 100 bytes, over
 * many chunks: each aligned, none overlapping (each keeps its own fill
 * pattern to the end). */
static void test_many_allocations(void **state)
{
    (void)state;
    enum { N = 20000 };
    arena *a = arena_new(1024);
    unsigned char **p = calloc(N, sizeof *p);
    assert_non_null(p);
    size_t total = 0;
    for (size_t i = 0; i < N; i++) {
        size_t n = i % 101;
        p[i] = arena_alloc(a, n);
        assert_non_null(p[i]);
        assert_int_equal((uintptr_t)p[i] % ALIGN, 0);
        memset(p[i], (int)(i & 0xFF), n);
        total += n;
    }
    for (size_t i = 0; i < N; i++)
        for (size_t k = 0; k < i % 101; k++)
            assert_int_equal(p[i][k], i & 0xFF);
    assert_true(arena_used(a) >= total);
    /* padding to the alignment at most */
    assert_true(arena_used(a) <= total + N * ALIGN);
    free(p);
    arena_free(a);
}

/* A block bigger than any chunk gets one of its own, and small
 * allocations go on around it. */
static void test_large_allocations(void **state)
{
    (void)state;
    arena *a = arena_new(4096);
    char *small1 = arena_strdup(a, "前");
    size_t big_n = (size_t)3 << 20;   /* 3 MiB: beyond the 1 MiB chunk cap */
    unsigned char *big = arena_alloc(a, big_n);
    assert_int_equal((uintptr_t)big % ALIGN, 0);
    memset(big, 0xA5, big_n);
    char *small2 = arena_strdup(a, "后");
    unsigned char *big2 = arena_alloc(a, 100000);
    memset(big2, 0x5A, 100000);
    assert_string_equal(small1, "前");
    assert_string_equal(small2, "后");
    assert_int_equal(big[0], 0xA5);
    assert_int_equal(big[big_n - 1], 0xA5);
    assert_int_equal(big2[99999], 0x5A);
    assert_true(arena_used(a) >= big_n + 100000);
    arena_free(a);
}

/* arena_grow extends the latest block in place while its chunk has
 * room, and otherwise moves it, keeping the contents either way. */
static void test_grow(void **state)
{
    (void)state;
    arena *a = arena_new(256);
    char *p = arena_alloc(a, 16);
    memcpy(p, "0123456789abcde", 16);
    char *q = arena_grow(a, p, 16, 64);
    assert_ptr_equal(p, q);                 /* latest and room: in place */
    assert_string_equal(q, "0123456789abcde");
    char *other = arena_alloc(a, 8);        /* q is no longer the latest */
    char *r = arena_grow(a, q, 64, 128);
    assert_ptr_not_equal(r, q);
    assert_string_equal(r, "0123456789abcde");
    char *s = arena_grow(a, r, 128, 100000); /* beyond the chunk: a new one */
    assert_string_equal(s, "0123456789abcde");
    memset(s + 16, 'x', 100000 - 16);
    char *t = arena_grow(a, s, 100000, 10);  /* shrinking keeps the head */
    assert_ptr_equal(t, s);
    assert_memory_equal(t, "0123456789", 10);
    assert_non_null(arena_grow(a, NULL, 0, 5));
    (void)other;
    arena_free(a);
    arena_free(NULL);
}

/* A strbuf in an arena grows like a heap one; sb_detach hands out a
 * heap copy the caller frees; sb_free only forgets the memory. */
static void test_strbuf_in_arena(void **state)
{
    (void)state;
    arena *a = arena_new(0);
    strbuf sb;
    sb_init_arena(&sb, a);
    for (int i = 0; i < 10000; i++)
        sb_printf(&sb, "%d,", i);
    assert_true(sb.len > 40000);
    assert_int_equal(strncmp(sb.data, "0,1,2,", 6), 0);
    assert_int_equal(strcmp(sb.data + sb.len - 5, "9999,"), 0);
    char *copy = sb_detach(&sb);
    assert_int_equal(strncmp(copy, "0,1,2,", 6), 0);
    free(copy);
    assert_ptr_equal(sb.arena, a);
    sb_puts(&sb, "again");
    assert_string_equal(sb.data, "again");
    sb_free(&sb);
    assert_null(sb.data);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_allocations),
        cmocka_unit_test(test_large_allocations),
        cmocka_unit_test(test_grow),
        cmocka_unit_test(test_strbuf_in_arena),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
