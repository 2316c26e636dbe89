/* idcard.c — the identity numbers of idcard.h: citizen ID numbers
 * (GB 11643-1999), 港澳台居民居住证 and the 2023 外国人永久居留身份证.
 *
 * Owns: the rules of each kind, the ISO 7064 MOD 11-2 check digit they
 * share, birth-date/sex derivation, normalisation of pasted input and
 * display masking. Region codes are looked up in the embedded GB/T 2260
 * list (gbt2260.h); the only outside state read is the local date when a
 * caller passes today_ymd == 0. */
#include "idcard.h"
#include "gbt2260.h"
#include "validate.h"

#include <string.h>

#define ID_LEN 18
#define ID_MIN_YEAR 1900

static const int id_weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
static const char id_check_chars[] = "10X98765432";

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

/* A citizen number's region: a GB/T 2260 code at county level (or a
 * prefecture or province code, which older numbers carry), abolished
 * codes included. */
static int region_is_valid(const char *id)
{
    return gbt2260_exists(digits_value(id, 6));
}

static int is_gat_region(const char *id)
{
    return memcmp(id, "810000", 6) == 0 || memcmp(id, "820000", 6) == 0 || memcmp(id, "830000", 6) == 0;
}

/* "3.71702E+17", "3.71702198001011e+17", "3,71702E+17": a digit, a
 * decimal point (or comma), digits, E, an optional sign, digits. */
static int is_scientific(const char *s)
{
    if (!is_digit(*s++))
        return 0;
    if (*s == '.' || *s == ',') {
        s++;
        while (is_digit(*s))
            s++;
    }
    if (*s != 'E' && *s != 'e')
        return 0;
    s++;
    if (*s == '+')
        s++;
    if (!is_digit(*s))
        return 0;
    while (is_digit(*s))
        s++;
    return *s == '\0';
}

static idcard_status birth_status(int y, int m, int d, int today_ymd)
{
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return IDCARD_BAD_DATE;
    if (y < ID_MIN_YEAR)
        return IDCARD_BEFORE_1900;
    return y * 10000 + m * 100 + d <= today_ymd ? IDCARD_OK : IDCARD_FUTURE_BIRTH;
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
    char folded[128];
    out[0] = '\0';
    if (!in)
        return out;
    fullwidth_fold(in, folded, sizeof folded);
    size_t len = 0;
    for (const char *p = folded; *p && len < 31;) {
        size_t n = space_len(p);
        if (n) {
            p += n;
            continue;
        }
        out[len++] = *p == 'x' ? 'X' : *p;
        p++;
    }
    out[len] = '\0';
    return out;
}

idcard_status idcard_validate(const char *id, int today_ymd, idcard_info *info)
{
    if (!id || all_whitespace(id))
        return IDCARD_EMPTY;
    if (is_scientific(id))
        return IDCARD_EXCEL;
    if (strlen(id) != ID_LEN)
        return IDCARD_BAD_LENGTH;
    for (int i = 0; i < 17; i++) {
        if (!is_digit(id[i]))
            return IDCARD_BAD_CHAR;
    }
    if (!is_digit(id[17]) && id[17] != 'X')
        return IDCARD_BAD_CHAR;
    idcard_kind kind = id[0] == '9' ? IDCARD_KIND_FOREIGN : is_gat_region(id) ? IDCARD_KIND_GAT : IDCARD_KIND_CITIZEN;
    if (kind == IDCARD_KIND_FOREIGN) {
        /* 9, the issuing province (2), the nationality (3, numeric) */
        int province = digits_value(id + 1, 2), nationality = digits_value(id + 3, 3);
        if (province == 71 || province == 81 || province == 82 || !gbt2260_exists(province * 10000))
            return IDCARD_BAD_FOREIGN_PROVINCE;
        if (nationality == 0 || nationality == 156)
            return IDCARD_BAD_NATIONALITY;
    } else if (kind == IDCARD_KIND_CITIZEN && !region_is_valid(id)) {
        return IDCARD_BAD_REGION;
    }

    int y = digits_value(id + 6, 4);
    int m = digits_value(id + 10, 2);
    int d = digits_value(id + 12, 2);
    if (today_ymd == 0)
        today_ymd = date_today_local();
    idcard_status bs = birth_status(y, m, d, today_ymd);
    if (bs != IDCARD_OK)
        return bs;
    if (idcard_check_digit(id) != id[17])
        return IDCARD_BAD_CHECKSUM;

    if (info) {
        info->kind = kind;
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
    case IDCARD_BAD_REGION:   return "身份证号地区码无效（前6位不在 GB/T 2260 行政区划代码中，已撤销的旧代码也查过）";
    case IDCARD_BAD_DATE:     return "身份证号中的出生日期无效";
    case IDCARD_BAD_CHECKSUM: return "身份证号校验位错误";
    case IDCARD_BEFORE_1900:  return "出生日期早于1900年，请核对身份证号";
    case IDCARD_FUTURE_BIRTH: return "身份证号中的出生日期晚于今天";
    case IDCARD_EXCEL:
        return "身份证号被 Excel 转成了科学计数法（如 3.71702E+17），后几位已丢失，请把该列设为文本格式后重新导出";
    case IDCARD_BAD_FOREIGN_PROVINCE: return "外国人永久居留身份证号第2、3位应为受理地的省级行政区划代码";
    case IDCARD_BAD_NATIONALITY:      return "外国人永久居留身份证号第4至6位的国籍代码无效";
    }
    return "身份证号无效";
}

const char *idcard_kind_code(idcard_kind k)
{
    switch (k) {
    case IDCARD_KIND_GAT:     return "gat_residence_permit";
    case IDCARD_KIND_FOREIGN: return "foreign_permanent_residence";
    case IDCARD_KIND_CITIZEN: break;
    }
    return "citizen_id";
}

const char *idcard_kind_label(idcard_kind k)
{
    switch (k) {
    case IDCARD_KIND_GAT:     return "港澳台居民居住证";
    case IDCARD_KIND_FOREIGN: return "外国人永久居留身份证";
    case IDCARD_KIND_CITIZEN: break;
    }
    return "居民身份证";
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
        today_ymd = date_today_local();
    int ty = today_ymd / 10000;
    int tmd = today_ymd % 10000;
    int bmd = info->birth_month * 100 + info->birth_day;
    int age = ty - info->birth_year;
    if (tmd < bmd)
        age--;
    return age < 0 ? -1 : age;
}
