/* idcard.c — PRC citizen ID numbers (GB 11643-1999), see idcard.h.
 *
 * Owns: the province-code table, the ISO 7064 MOD 11-2 check digit,
 * birth-date/sex derivation and display masking. Pure functions, no
 * allocation; the only outside state read is the local date when a
 * caller passes today_ymd == 0. */
#include "idcard.h"

#include <string.h>
#include <time.h>

#define ID_LEN 18
#define ID_MIN_YEAR 1880

static const int id_weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
static const char id_check_chars[] = "10X98765432";

/* Province-level codes (first two digits), GB/T 2260. */
static const int id_provinces[] = {
    11, 12, 13, 14, 15,                 /* 华北 */
    21, 22, 23,                         /* 东北 */
    31, 32, 33, 34, 35, 36, 37,         /* 华东 */
    41, 42, 43, 44, 45, 46,             /* 中南 */
    50, 51, 52, 53, 54,                 /* 西南 */
    61, 62, 63, 64, 65,                 /* 西北 */
    71, 81, 82                          /* 台湾、香港、澳门 */
};

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_ascii_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Length of the whitespace (ASCII or U+3000 IDEOGRAPHIC SPACE, which
 * Chinese input methods produce) at s, 0 when none. */
static size_t space_len(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    if (is_ascii_space(u[0]))
        return 1;
    if (u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80)
        return 3;
    return 0;
}

static int digits_value(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && is_leap(y))
        return 29;
    return days[m - 1];
}

static int today_local_ymd(void)
{
    time_t now = time(NULL);
    struct tm tm;
    if (!localtime_r(&now, &tm))
        return 0;
    return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

static int region_is_valid(const char *id)
{
    int code = digits_value(id, 2);
    for (size_t i = 0; i < sizeof id_provinces / sizeof id_provinces[0]; i++) {
        if (id_provinces[i] == code)
            return 1;
    }
    return 0;
}

static int birth_is_valid(int y, int m, int d, int today_ymd)
{
    if (y < ID_MIN_YEAR || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return 0;
    return y * 10000 + m * 100 + d <= today_ymd;
}

static int all_whitespace(const char *s)
{
    while (*s) {
        size_t n = space_len(s);
        if (!n)
            return 0;
        s += n;
    }
    return 1;
}

char idcard_check_digit(const char *first17)
{
    if (!first17)
        return '\0';
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        if (!is_digit(first17[i]))
            return '\0';
        sum += (first17[i] - '0') * id_weights[i];
    }
    return id_check_chars[sum % 11];
}

/* Keeps up to 31 bytes (out is 32 bytes), so an over-long number stays
 * over-long and idcard_validate reports IDCARD_BAD_LENGTH for it. */
char *idcard_normalize(const char *in, char out[static 32])
{
    out[0] = '\0';
    if (!in)
        return out;
    size_t n;
    while ((n = space_len(in)) > 0)
        in += n;
    size_t len = strlen(in);
    /* trim trailing whitespace, ASCII or U+3000 */
    for (;;) {
        if (len >= 1 && is_ascii_space((unsigned char)in[len - 1]))
            len--;
        else if (len >= 3 && space_len(in + len - 3) == 3)
            len -= 3;
        else
            break;
    }
    if (len > 31)
        len = 31;
    for (size_t i = 0; i < len; i++)
        out[i] = in[i] == 'x' ? 'X' : in[i];
    out[len] = '\0';
    return out;
}

idcard_status idcard_validate(const char *id, int today_ymd, idcard_info *info)
{
    if (!id || all_whitespace(id))
        return IDCARD_EMPTY;
    if (strlen(id) != ID_LEN)
        return IDCARD_BAD_LENGTH;
    for (int i = 0; i < 17; i++) {
        if (!is_digit(id[i]))
            return IDCARD_BAD_CHAR;
    }
    if (!is_digit(id[17]) && id[17] != 'X')
        return IDCARD_BAD_CHAR;
    if (!region_is_valid(id))
        return IDCARD_BAD_REGION;

    int y = digits_value(id + 6, 4);
    int m = digits_value(id + 10, 2);
    int d = digits_value(id + 12, 2);
    if (today_ymd == 0)
        today_ymd = today_local_ymd();
    if (!birth_is_valid(y, m, d, today_ymd))
        return IDCARD_BAD_DATE;
    if (idcard_check_digit(id) != id[17])
        return IDCARD_BAD_CHECKSUM;

    if (info) {
        info->birth_year = y;
        info->birth_month = m;
        info->birth_day = d;
        info->sex = ((id[16] - '0') % 2) ? 'M' : 'F';
        memcpy(info->birth_date, id + 6, 4);
        info->birth_date[4] = '-';
        memcpy(info->birth_date + 5, id + 10, 2);
        info->birth_date[7] = '-';
        memcpy(info->birth_date + 8, id + 12, 2);
        info->birth_date[10] = '\0';
    }
    return IDCARD_OK;
}

const char *idcard_status_message(idcard_status s)
{
    switch (s) {
    case IDCARD_OK:           return "身份证号有效";
    case IDCARD_EMPTY:        return "身份证号不能为空";
    case IDCARD_BAD_LENGTH:   return "身份证号应为18位";
    case IDCARD_BAD_CHAR:     return "身份证号含有非法字符";
    case IDCARD_BAD_REGION:   return "身份证号地区码无效";
    case IDCARD_BAD_DATE:     return "身份证号中的出生日期无效";
    case IDCARD_BAD_CHECKSUM: return "身份证号校验位错误";
    }
    return "身份证号无效";
}

/* An 18-byte, all-ASCII input keeps its first 6 characters (the region).
 * Anything else becomes one '*' per character (UTF-8 code point, so a
 * multi-byte character is never cut in half), at most 18. */
char *idcard_mask(const char *id, char out[static 19])
{
    out[0] = '\0';
    if (!id)
        return out;
    size_t bytes = strlen(id);
    size_t chars = 0;
    int ascii = 1;
    for (size_t i = 0; i < bytes; i++) {
        unsigned char c = (unsigned char)id[i];
        if (c >= 0x80)
            ascii = 0;
        if ((c & 0xC0) != 0x80)
            chars++;
    }
    if (ascii && bytes == ID_LEN) {
        memcpy(out, id, 6);
        memset(out + 6, '*', ID_LEN - 6);
        out[ID_LEN] = '\0';
        return out;
    }
    if (chars > ID_LEN)
        chars = ID_LEN;
    memset(out, '*', chars);
    out[chars] = '\0';
    return out;
}

/* The age goes up on the birthday itself; someone born on 29 February
 * turns a year older on 1 March in common years. -1 for a NULL info or
 * a date before the birth date; today_ymd == 0 means the local date. */
int idcard_age_on(const idcard_info *info, int today_ymd)
{
    if (!info)
        return -1;
    if (today_ymd == 0)
        today_ymd = today_local_ymd();
    int ty = today_ymd / 10000;
    int tmd = today_ymd % 10000;
    int bmd = info->birth_month * 100 + info->birth_day;
    int age = ty - info->birth_year;
    if (tmd < bmd)
        age--;
    return age < 0 ? -1 : age;
}
