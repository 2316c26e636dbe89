/* fuzz_validate.c — libFuzzer target for the input validators: ID
 * numbers (util/idcard.c) and phones, dates, UTF-8, free text and names
 * (util/validate.c).
 *
 * The input is one string (cut at the first NUL, as C callers see it);
 * every validator and formatter runs on it. Besides the sanitizers it
 * checks what the headers promise: a normalised ID number is at most 31
 * bytes, a valid one has the check digit and birth date it claims, and
 * its mask keeps the region and hides the rest; a valid phone
 * normalises to a form that is itself valid and normalises to itself;
 * masks and lengths stay within their stated bounds; clean text is
 * valid UTF-8; a name is valid only when it is clean one-line text;
 * a masked name fits its buffer, a date moved by days comes back, and
 * an amount of the bank's return file (bank_parse_yuan) prints and
 * reads back the same. */
#include "assistance/bankfile.h"
#include "assistance/benefit.h"
#include "util/idcard.h"
#include "util/validate.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TODAY 20261207

static void check(int cond, const char *what, const char *input)
{
    if (!cond) {
        fprintf(stderr, "fuzz_validate: %s (input \"%s\")\n", what, input);
        abort();
    }
}

static void fuzz_idcard(const char *s)
{
    char norm[32], mask[19];
    idcard_info info;
    idcard_normalize(s, norm);
    check(strlen(norm) <= 31, "normalised ID number longer than 31 bytes", s);
    idcard_status st = idcard_validate(norm, TODAY, &info);
    check(idcard_status_message(st)[0] != '\0', "status without a message", s);
    idcard_mask(s, mask);
    check(strlen(mask) <= 18, "mask longer than 18", s);
    idcard_mask(norm, mask);
    check(strlen(mask) <= 18, "mask longer than 18", s);
    (void)idcard_check_digit(s);
    if (st != IDCARD_OK)
        return;
    check(strlen(norm) == 18 && idcard_check_digit(norm) == norm[17], "valid number with a wrong check digit", s);
    check(info.sex == 'M' || info.sex == 'F', "valid number without a sex", s);
    check(strncmp(mask, norm, 6) == 0 && strspn(mask + 6, "*") == 12, "mask shows more than the region", s);
    char date[11];
    snprintf(date, sizeof date, "%.4s-%.2s-%.2s", norm + 6, norm + 10, norm + 12);
    check(strcmp(date, info.birth_date) == 0 && date_is_valid(info.birth_date), "birth date does not match", s);
    int age = idcard_age_on(&info, TODAY);
    check(age >= 0 && age <= TODAY / 10000 - 1880, "age out of range", s);
    check(idcard_validate(norm, TODAY, NULL) == IDCARD_OK, "valid only with info", s);
}

static void fuzz_phone(const char *s)
{
    char norm[40], again[40], mask[32];
    int valid = phone_is_valid(s);
    int normalised = phone_normalize(s, norm, sizeof norm);
    check(valid == normalised, "phone_is_valid and phone_normalize disagree", s);
    phone_mask(s, mask, sizeof mask);
    check(strlen(mask) < sizeof mask && utf8_length(mask) >= 0, "phone mask overflows or is not UTF-8", s);
    if (!valid)
        return;
    check(phone_is_valid(norm), "normalised phone is not valid", s);
    check(phone_normalize(norm, again, sizeof again) && strcmp(norm, again) == 0, "normalising is not idempotent", s);
    check(strchr(mask, '*') != NULL, "mask of a valid phone hides nothing", s);
    char tiny[4];
    check(phone_normalize(s, tiny, sizeof tiny) == 0 && tiny[0] == '\0', "normalise into a short buffer", s);
}

static void fuzz_text(const char *s)
{
    long n = utf8_length(s);
    int clean = text_is_clean(s, 0), clean_ml = text_is_clean(s, 1);
    check(!clean || clean_ml, "one-line clean text refused as multi-line", s);
    check(!clean_ml || n >= 0, "clean text that is not UTF-8", s);
    check(!person_name_is_valid(s) || (clean && n >= 1 && n <= 50), "a name that is not clean or too long", s);
    (void)date_is_valid(s);
    char buf[64];
    snprintf(buf, sizeof buf, "%s", s);   /* cut like a message into a fixed buffer */
    utf8_trim_partial(buf);
    if (n >= 0)
        check(utf8_length(buf) >= 0, "utf8_trim_partial left a cut character", s);
}

/* person_name_mask: at most 31 bytes of UTF-8 in 32, a star always, and
 * a short buffer never overrun; date_add_days: only a date moves, and
 * back again. */
static void fuzz_mask_and_dates(const char *s)
{
    char out[32], tiny[5], date[11], back[11];
    for (int style = NAME_MASK_INITIAL; style <= NAME_MASK_NOTICE; style++) {
        person_name_mask(s, (name_mask_style)style, out, sizeof out);
        check(strlen(out) < sizeof out && utf8_length(out) >= 1 && strchr(out, '*') != NULL,
              "name mask too long, not UTF-8 or without a star", s);
        person_name_mask(s, (name_mask_style)style, tiny, sizeof tiny);
        check(strlen(tiny) < sizeof tiny && utf8_length(tiny) >= 0, "name mask overruns a short buffer", s);
    }
    int moved = date_add_days(s, -30, date);
    check((moved == 0) == (date_is_valid(s) != 0), "date_add_days moved what is not a date", s);
    if (moved == 0 && date_is_valid(date))
        check(date_add_days(date, 30, back) == 0 && strcmp(back, s) == 0, "date_add_days does not come back", s);
}

/* bank_parse_yuan (the bank's return file): what it reads prints back
 * (benefit_yuan_plain) as an amount it reads the same. */
static void fuzz_yuan(const char *s)
{
    int64_t fen, again;
    char text[40];
    if (bank_parse_yuan(s, &fen) != 0 || fen > 100000000000LL || fen < -100000000000LL)
        return;   /* past a billion yuan its digit bound may refuse the ".00" it printed */
    benefit_yuan_plain(fen, text, sizeof text);
    check(bank_parse_yuan(text, &again) == 0 && again == fen, "a parsed amount does not read back", s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    fuzz_idcard(s);
    fuzz_phone(s);
    fuzz_text(s);
    fuzz_mask_and_dates(s);
    fuzz_yuan(s);
    free(s);
    return 0;
}
