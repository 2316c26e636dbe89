/* test_fieldcrypt.c — core/fieldcrypt.c and the key generations of
 * core/keys.c: round trip, tampering, values moved to another row or
 * column, blind indexes (stable, normalised, per kind, per generation),
 * and a rotation's key file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fieldcrypt.h"
#include "core/keys.h"

static void round_trip(void **state)
{
    (void)state;
    char stored[FC_STORED_MAX], back[64];
    keys_load_ephemeral();
    assert_int_equal(fc_encrypt("resident.id_number", 42, "37170219800101001X", stored), 0);
    assert_memory_equal(stored, "e1:", 3);
    assert_null(strstr(stored, "37170219800101001X"));
    assert_int_equal(fc_generation(stored), 1);
    assert_int_equal(fc_decrypt("resident.id_number", 42, stored, back, sizeof back), 0);
    assert_string_equal(back, "37170219800101001X");
    /* the stored base64 is libsodium's (original alphabet, no padding),
     * for every length of value: what older rows hold reads, and back */
    for (size_t len = 1; len <= FC_PLAIN_MAX; len++) {
        char plain[FC_PLAIN_MAX + 1], st[FC_STORED_MAX], re[FC_STORED_MAX], out[FC_PLAIN_MAX + 1];
        unsigned char bin[FC_STORED_MAX];
        size_t binlen;
        memset(plain, 'a' + (int)(len % 26), len);
        plain[len] = '\0';
        assert_int_equal(fc_encrypt("resident.phone", (int64_t)len, plain, st), 0);
        assert_int_equal(sodium_base642bin(bin, sizeof bin, st + 3, strlen(st + 3), NULL, &binlen, NULL,
                                           sodium_base64_VARIANT_ORIGINAL_NO_PADDING), 0);
        sodium_bin2base64(re, sizeof re, bin, binlen, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
        assert_string_equal(re, st + 3);
        assert_int_equal(fc_decrypt("resident.phone", (int64_t)len, st, out, sizeof out), 0);
        assert_string_equal(out, plain);
    }
    /* a fresh nonce each time: equal values do not give equal ciphertexts */
    char again[FC_STORED_MAX];
    assert_int_equal(fc_encrypt("resident.id_number", 42, "37170219800101001X", again), 0);
    assert_string_not_equal(stored, again);
    /* empty stays empty; too long is refused */
    assert_int_equal(fc_encrypt("resident.phone", 1, NULL, stored), 0);
    assert_string_equal(stored, "");
    assert_int_equal(fc_decrypt("resident.phone", 1, "", back, sizeof back), 0);
    assert_string_equal(back, "");
    char big[FC_PLAIN_MAX + 2];
    memset(big, '1', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(fc_encrypt("resident.notes", 1, big, stored), -1);
}

static void tampering_and_moved_values_refused(void **state)
{
    (void)state;
    char stored[FC_STORED_MAX], back[64];
    keys_load_ephemeral();
    assert_int_equal(fc_encrypt("resident.phone", 7, "13912345678", stored), 0);
    /* another row, another column: the associated data differs */
    assert_int_equal(fc_decrypt("resident.phone", 8, stored, back, sizeof back), -1);
    assert_string_equal(back, "");
    assert_int_equal(fc_decrypt("household.phone", 7, stored, back, sizeof back), -1);
    /* one character changed anywhere after the prefix */
    for (size_t i = 3; i < strlen(stored); i++) {
        char t[FC_STORED_MAX];
        memcpy(t, stored, sizeof t);
        t[i] = t[i] == 'A' ? 'B' : 'A';
        assert_int_equal(fc_decrypt("resident.phone", 7, t, back, sizeof back), -1);
    }
    /* not base64 of the right shape: a character outside the alphabet
     * (a byte >= 0x80 too), one character more, more than a value holds */
    const char *odd[] = {"=", "-", "_", " ", "\x80", "\xff"};
    for (size_t k = 0; k < sizeof odd / sizeof *odd; k++) {
        char t[FC_STORED_MAX];
        memcpy(t, stored, sizeof t);
        t[10] = odd[k][0];
        assert_int_equal(fc_decrypt("resident.phone", 7, t, back, sizeof back), -1);
    }
    char longer[2 * FC_STORED_MAX];
    snprintf(longer, sizeof longer, "%sA", stored);
    assert_int_equal(fc_decrypt("resident.phone", 7, longer, back, sizeof back), -1);
    snprintf(longer, sizeof longer, "%s%s", stored, stored + 3);
    assert_int_equal(fc_decrypt("resident.phone", 7, longer, back, sizeof back), -1);
    /* truncated, garbage, an unknown generation, another key */
    char t[FC_STORED_MAX];
    snprintf(t, sizeof t, "%.20s", stored);
    assert_int_equal(fc_decrypt("resident.phone", 7, t, back, sizeof back), -1);
    assert_int_equal(fc_decrypt("resident.phone", 7, "13912345678", back, sizeof back), -1);
    snprintf(t, sizeof t, "e9:%s", stored + 3);
    assert_int_equal(fc_decrypt("resident.phone", 7, t, back, sizeof back), -1);
    keys_load_ephemeral();
    assert_int_equal(fc_decrypt("resident.phone", 7, stored, back, sizeof back), -1);
}

static void blind_index_stable_and_normalised(void **state)
{
    (void)state;
    char a[FC_BLIND_HEX], b[FC_BLIND_HEX];
    keys_load_ephemeral();
    assert_int_equal(fc_blind(FC_ID_NUMBER, "37170219800101001X", 0, a), 0);
    assert_int_equal(strlen(a), 32);
    assert_int_equal(fc_blind(FC_ID_NUMBER, " 37170219800101001x", 0, b), 0);
    assert_string_equal(a, b);                                   /* upper-case X, spaces */
    assert_int_equal(fc_blind(FC_ID_NUMBER, "371702198001010027", 0, b), 0);
    assert_string_not_equal(a, b);
    assert_int_equal(fc_blind(FC_PHONE, "0530-5551234", 0, a), 0);
    assert_int_equal(fc_blind(FC_PHONE, "0530 555 1234", 0, b), 0);
    assert_string_equal(a, b);                                   /* digits only */
    assert_int_equal(fc_blind(FC_ID_NUMBER, "05305551234", 0, b), 0);
    assert_string_not_equal(a, b);                               /* kinds never collide */
    assert_int_equal(fc_blind(FC_PHONE, "--", 0, b), -1);        /* nothing to index */
    /* a different key gives a different index */
    assert_int_equal(fc_blind(FC_PHONE, "05305551234", 0, b), 0);
    keys_load_ephemeral();
    char c[FC_BLIND_HEX];
    assert_int_equal(fc_blind(FC_PHONE, "05305551234", 0, c), 0);
    assert_string_not_equal(b, c);
}

static void generations_across_a_rotation(void **state)
{
    (void)state;
    char dir[] = "/tmp/ms_test_fc_XXXXXX", db[64], key[80];
    ms_err err;
    struct stat st;
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof db, "%s/x.db", dir);
    snprintf(key, sizeof key, "%s.key", db);
    assert_int_equal(keys_create(db, NULL, &err), 0);
    unsigned char audit[KEY_BYTES];
    memcpy(audit, keys_subkey(KEY_AUDIT), KEY_BYTES);
    char old[FC_STORED_MAX], neu[FC_STORED_MAX], back[64];
    char blinds[KEYS_MAX_GENERATIONS][FC_BLIND_HEX], old_blind[FC_BLIND_HEX];
    assert_int_equal(fc_encrypt("resident.phone", 3, "13900001111", old), 0);
    assert_int_equal(fc_blind(FC_PHONE, "13900001111", 0, old_blind), 0);
    assert_int_equal(fc_blinds(FC_PHONE, "13900001111", blinds), 0);
    assert_string_equal(blinds[0], blinds[1]);                  /* one generation: repeated */

    int resumed = -1;
    assert_int_equal(keys_rotate_begin(db, NULL, &resumed, &err), 0);
    assert_int_equal(resumed, 0);
    assert_int_equal(keys_generation(), 2);
    assert_int_equal(stat(key, &st), 0);
    assert_int_equal(st.st_size, 8 + 32 + 2 * 36);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(fc_encrypt("resident.phone", 3, "13900001111", neu), 0);
    assert_memory_equal(neu, "e2:", 3);
    assert_int_equal(fc_decrypt("resident.phone", 3, old, back, sizeof back), 0);   /* old still reads */
    assert_string_equal(back, "13900001111");
    assert_int_equal(fc_blinds(FC_PHONE, "13900001111", blinds), 0);
    assert_string_not_equal(blinds[0], blinds[1]);
    assert_string_equal(blinds[1], old_blind);                  /* a search finds rows not yet rotated */

    /* a crash now: reloading the file gives both generations back, and a rerun resumes */
    keys_clear();
    assert_int_equal(keys_load(db, NULL, &err), 0);
    assert_int_equal(keys_generation(), 2);
    assert_int_equal(fc_decrypt("resident.phone", 3, old, back, sizeof back), 0);
    assert_int_equal(keys_rotate_begin(db, NULL, &resumed, &err), 0);
    assert_int_equal(resumed, 1);
    assert_memory_equal(keys_subkey(KEY_AUDIT), audit, KEY_BYTES);   /* the audit key never rotates */

    assert_int_equal(keys_rotate_finish(db, NULL, &err), 0);
    assert_int_equal(stat(key, &st), 0);
    assert_int_equal(st.st_size, 8 + 32 + 36);
    keys_clear();
    assert_int_equal(keys_load(db, NULL, &err), 0);
    assert_int_equal(keys_generation(), 2);
    assert_memory_equal(keys_subkey(KEY_AUDIT), audit, KEY_BYTES);
    assert_int_equal(fc_decrypt("resident.phone", 3, neu, back, sizeof back), 0);
    assert_int_equal(fc_decrypt("resident.phone", 3, old, back, sizeof back), -1);   /* generation 1 is gone */
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(tampering_and_moved_values_refused),
        cmocka_unit_test(blind_index_stable_and_normalised),
        cmocka_unit_test(generations_across_a_rotation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
