/* validate.c — small validators for user input (see validate.h).
 *
 * Owns: the mainland phone-number grammar (mobile and landline, their
 * canonical form and display mask), calendar dates, UTF-8 decoding for
 * length checks, the characters free text may hold (no controls, no
 * invisible or bidirectional format characters) and the rules for a
 * person's name. Pure functions, no
 * allocation. */
#include "validate.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---- UTF-8 ------------------------------------------------------------ */

int utf8_next(const char *str, size_t avail, unsigned long *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    unsigned char c;
    int n;
    unsigned char lo = 0x80, hi = 0xBF;   /* allowed range of the 2nd byte */

    if (avail == 0)
        return 0;
    c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        *cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        *cp = c & 0x0F;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        *cp = c & 0x07;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if ((size_t)n > avail || s[1] < lo || s[1] > hi)
        return 0;
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (s[i] & 0x3F);
    }
    return n;
}

/* utf8_next on a NUL-terminated string: the NUL is not a continuation
 * byte, so no byte after it is read. */
static int utf8_decode(const unsigned char *s, unsigned long *cp)
{
    return utf8_next((const char *)s, 4, cp);
}

long utf8_length(const char *s)
{
    if (!s)
        return -1;
    const unsigned char *u = (const unsigned char *)s;
    long count = 0;
    while (*u) {
        unsigned long cp;
        int n = utf8_decode(u, &cp);
        if (!n)
            return -1;
        u += n;
        count++;
    }
    return count;
}

void utf8_scrub(char *s)
{
    unsigned char *u = (unsigned char *)s;
    while (*u) {
        unsigned long cp;
        int n = utf8_decode(u, &cp);
        if (n) {
            u += n;
        } else {
            *u++ = '?';
        }
    }
}

/* C0/C1 controls, DEL, and the invisible format characters that can
 * disguise text on screen: bidi embeddings, overrides and isolates
 * (U+202A–202E, U+2066–2069), bidi marks (U+200E/200F, U+061C),
 * zero-width characters (U+200B–200D, U+2060–2064, BOM U+FEFF) and the
 * line/paragraph separators. */
static int is_control(unsigned long cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) ||
           cp == 0x061C ||
           cp == 0x2028 || cp == 0x2029 ||
           (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069) ||
           (cp >= 0x200B && cp <= 0x200F) ||
           (cp >= 0x2060 && cp <= 0x2064) || cp == 0xFEFF;
}

int text_is_clean(const char *s, int multiline)
{
    if (!s)
        return 1;
    const unsigned char *u = (const unsigned char *)s;
    while (*u) {
        unsigned long cp;
        int n = utf8_decode(u, &cp);
        if (!n)
            return 0;
        if (is_control(cp) && !(multiline && (cp == '\n' || cp == '\t' || cp == '\r')))
            return 0;
        u += n;
    }
    return 1;
}

static int is_space_cp(unsigned long cp)
{
    return cp == ' ' || cp == 0xA0 || cp == 0x3000 || (cp >= 0x2000 && cp <= 0x200A);
}

static int is_cjk(unsigned long cp)
{
    return (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0x20000 && cp <= 0x3134F) || cp == 0x3007;   /* 〇 */
}

/* Latin letters, with the accented ones of Latin-1 and Latin Extended-A/B
 * (× and ÷ are not letters). */
static int is_latin_letter(unsigned long cp)
{
    return (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') ||
           (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7);
}

static int is_middle_dot_lookalike(unsigned long cp)
{
    return cp == 0x2022 || cp == 0x2027 || cp == 0x30FB || cp == 0xFF65 || cp == 0xFF0E || cp == 0x22C5;
}

static size_t put_utf8(unsigned long cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Each code point of in, mapped by map() (which returns it, or another,
 * or (unsigned long)-1 to drop it), into out; invalid bytes are kept as
 * they are, for the validator to refuse. */
static char *map_utf8(const char *in, char *out, size_t outsz, unsigned long (*map)(unsigned long, void *), void *ctx)
{
    size_t o = 0;
    const unsigned char *u = (const unsigned char *)(in ? in : "");
    if (!outsz)
        return out;
    while (*u) {
        unsigned long cp;
        char buf[4];
        size_t n = (size_t)utf8_decode(u, &cp), w;
        if (!n) {
            buf[0] = (char)*u;
            w = 1;
            n = 1;
        } else {
            unsigned long m = map(cp, ctx);
            w = m == (unsigned long)-1 ? 0 : put_utf8(m, buf);
        }
        if (o + w >= outsz)
            break;
        memcpy(out + o, buf, w);
        o += w;
        u += n;
    }
    out[o] = '\0';
    return out;
}

static unsigned long fold_one(unsigned long cp, void *ctx)
{
    (void)ctx;
    if (cp >= 0xFF01 && cp <= 0xFF5E)
        return cp - 0xFEE0;
    return cp == 0x3000 ? ' ' : cp;
}

char *fullwidth_fold(const char *in, char *out, size_t outsz)
{
    return map_utf8(in, out, outsz, fold_one, NULL);
}

/* ctx: the previous code point written was a space (or nothing yet). */
static unsigned long name_one(unsigned long cp, void *ctx)
{
    int *after_space = ctx;
    if (is_middle_dot_lookalike(cp))
        cp = 0xB7;
    if (is_space_cp(cp)) {
        if (*after_space)
            return (unsigned long)-1;
        *after_space = 1;
        return ' ';
    }
    *after_space = 0;
    return cp;
}

char *person_name_normalize(const char *in, char *out, size_t outsz)
{
    int after_space = 1;   /* leading spaces are dropped */
    map_utf8(in, out, outsz, name_one, &after_space);
    size_t n = strlen(out);
    while (n && out[n - 1] == ' ')
        out[--n] = '\0';
    return out;
}

const char *person_name_problem(const char *s)
{
    if (!s)
        return "姓名不能为空";
    const unsigned char *u = (const unsigned char *)s;
    long count = 0;
    int cjk = 0, latin = 0, prev_sep = 1;
    unsigned long last = 0;
    while (*u) {
        unsigned long cp;
        int n = utf8_decode(u, &cp);
        if (!n || is_control(cp))
            return "姓名不能含控制字符或不可见的格式字符";
        if (++count > 50)
            return "姓名不能超过50个字";
        if ((cp >= '0' && cp <= '9') || (cp >= 0xFF10 && cp <= 0xFF19))
            return "姓名不能含数字";
        if (cp == '<' || cp == '>' || cp == '&' || cp == '"' || cp == '`' || cp == '\\' || cp == '/' || cp == '=' ||
            cp == ';' || cp == 0x201C || cp == 0x201D || cp == 0xFF1C || cp == 0xFF1E || cp == 0xFF06)
            return "姓名不能含 < > & \" 等符号";
        int sep = is_space_cp(cp) || cp == 0xB7 || cp == '-' || cp == '\'' || cp == 0x2019 || cp == '.';
        if (is_cjk(cp))
            cjk = 1;
        else if (is_latin_letter(cp))
            latin = 1;
        else if (!sep)
            return "姓名只能由汉字或拉丁字母组成（少数民族姓名用间隔号·分隔，外文姓名可含空格、连字符和撇号）";
        if (sep && !is_space_cp(cp) && prev_sep)
            return "姓名中的间隔号、连字符或撇号不能在开头或连用";
        prev_sep = sep && !is_space_cp(cp);
        if (!is_space_cp(cp))
            last = cp;
        u += n;
    }
    if (!cjk && !latin)
        return "姓名不能为空";
    if (prev_sep && last != '.')   /* "Martin Luther King Jr." */
        return "姓名不能以间隔号、连字符或撇号结尾";
    if (cjk && latin)
        return "姓名不能汉字和拉丁字母混写";
    return NULL;
}

int person_name_is_valid(const char *s)
{
    return person_name_problem(s) == NULL;
}

/* ---- dates ------------------------------------------------------------- */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int digits_value(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

static int days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return (m == 2 && leap) ? 29 : days[m - 1];
}

int date_is_valid(const char *s)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++) {
        if (i != 4 && i != 7 && !is_digit(s[i]))
            return 0;
    }
    int y = digits_value(s, 4), m = digits_value(s + 5, 2), d = digits_value(s + 8, 2);
    if (y < 1880 || y > 2199 || m < 1 || m > 12)
        return 0;
    return d >= 1 && d <= days_in_month(y, m);
}

int date_today_local(void)
{
    time_t now = time(NULL) + 8 * 3600;   /* China local time, UTC+8 all year, whatever the server's TZ */
    struct tm tm;
    if (!gmtime_r(&now, &tm))
        return 0;
    return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

char *date_today_text(char out[static 11])
{
    unsigned d = (unsigned)date_today_local();
    if (!d)
        d = 19700101;
    char buf[16];
    snprintf(buf, sizeof buf, "%04u-%02u-%02u", d / 10000 % 10000, d / 100 % 100, d % 100);
    memcpy(out, buf, 11);
    return out;
}

/* ---- phone numbers ------------------------------------------------------
 *
 * Input is split into digit groups; a separator is any run of spaces
 * with at most one dash. A leading '+' is allowed for the +86 prefix.
 *
 * Mobile:   [+86|86] 1[3-9]d{9}, separators anywhere between digits.
 * Landline: area code "010", "02d" or "0[3-9]dd" (the Chinese numbering
 *           plan fixes its length by its first digits), local number
 *           [2-9]d{6,7}, optional extension d{1,6}; groups are
 *           [area local], [area, local], [area local, ext] or
 *           [area, local, ext]. */

#define PHONE_MAX_GROUPS 8

typedef struct phone_parts {
    int mobile;            /* 1 mobile, 0 landline */
    char digits[12];       /* mobile: the 11 digits */
    char area[5];
    char local[9];
    char ext[7];
} phone_parts;

typedef struct digit_group {
    const char *p;
    size_t n;
} digit_group;

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Splits s into digit groups. Returns the number of groups, -1 when s
 * has anything else in it or the separators are malformed. */
static int split_groups(const char *s, int *plus, digit_group *g)
{
    int ng = 0;
    *plus = 0;
    while (is_space(*s))
        s++;
    if (*s == '+') {
        *plus = 1;
        s++;
    }
    while (*s) {
        if (!is_digit(*s))
            return -1;
        if (ng == PHONE_MAX_GROUPS)
            return -1;
        g[ng].p = s;
        while (is_digit(*s))
            s++;
        g[ng].n = (size_t)(s - g[ng].p);
        ng++;
        int dashes = 0;
        const char *sep = s;
        while (is_space(*s) || *s == '-')
            dashes += *s++ == '-';
        if (dashes > 1)
            return -1;
        if (!*s && dashes)          /* trailing dash */
            return -1;
        if (!*s)
            break;
        if (s == sep)               /* a non-digit, non-separator char */
            return -1;
    }
    return ng;
}

static int all_digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(p[i]))
            return 0;
    }
    return 1;
}

static int is_mobile11(const char *p, size_t n)
{
    return n == 11 && p[0] == '1' && p[1] >= '3' && p[1] <= '9' && all_digits(p, n);
}

/* Length of the area code a number starting at p must have; 0 when p
 * cannot start an area code. */
static size_t area_len_for(const char *p, size_t n)
{
    if (n < 3 || p[0] != '0')
        return 0;
    if (p[1] == '1')
        return p[2] == '0' ? 3 : 0;
    if (p[1] == '2')
        return 3;
    if (p[1] >= '3' && p[1] <= '9')
        return 4;
    return 0;
}

static int is_local(const char *p, size_t n)
{
    return (n == 7 || n == 8) && p[0] >= '2' && p[0] <= '9' && all_digits(p, n);
}

static void copy_digits(char *dst, const char *p, size_t n)
{
    memcpy(dst, p, n);
    dst[n] = '\0';
}

static int parse_mobile(const digit_group *g, int ng, int plus, phone_parts *out)
{
    char d[16];
    size_t len = 0;
    for (int i = 0; i < ng; i++) {
        if (len + g[i].n >= sizeof d)
            return 0;
        memcpy(d + len, g[i].p, g[i].n);
        len += g[i].n;
    }
    const char *m = d;
    if (plus || len == 13) {
        if (len != 13 || d[0] != '8' || d[1] != '6')
            return 0;
        m += 2;
        len -= 2;
    }
    if (!is_mobile11(m, len))
        return 0;
    out->mobile = 1;
    copy_digits(out->digits, m, 11);
    return 1;
}

/* Area code and local number, either in one group or in two. */
static int parse_area_local(const digit_group *g, int ngroups, phone_parts *out)
{
    if (ngroups == 1) {
        size_t al = area_len_for(g[0].p, g[0].n);
        if (!al || !is_local(g[0].p + al, g[0].n - al))
            return 0;
        copy_digits(out->area, g[0].p, al);
        copy_digits(out->local, g[0].p + al, g[0].n - al);
        return 1;
    }
    if (area_len_for(g[0].p, g[0].n) != g[0].n || !is_local(g[1].p, g[1].n))
        return 0;
    copy_digits(out->area, g[0].p, g[0].n);
    copy_digits(out->local, g[1].p, g[1].n);
    return 1;
}

static int parse_landline(const digit_group *g, int ng, phone_parts *out)
{
    out->mobile = 0;
    out->ext[0] = '\0';
    if (ng == 1)
        return parse_area_local(g, 1, out);
    if (ng == 2 && parse_area_local(g, 2, out))
        return 1;
    /* the last group is an extension */
    if (ng < 2 || ng > 3 || g[ng - 1].n < 1 || g[ng - 1].n > 6)
        return 0;
    if (!parse_area_local(g, ng - 1, out))
        return 0;
    copy_digits(out->ext, g[ng - 1].p, g[ng - 1].n);
    return 1;
}

static int phone_parse(const char *in, phone_parts *out)
{
    digit_group g[PHONE_MAX_GROUPS];
    int plus;
    char s[96];
    if (!in)
        return 0;
    fullwidth_fold(in, s, sizeof s);   /* １３８…, the ＋86 and －; the U+3000 space */
    memset(out, 0, sizeof *out);
    int ng = split_groups(s, &plus, g);
    if (ng <= 0)
        return 0;
    if (parse_mobile(g, ng, plus, out))
        return 1;
    if (plus)
        return 0;
    return parse_landline(g, ng, out);
}

int phone_is_valid(const char *s)
{
    phone_parts p;
    return phone_parse(s, &p);
}

int phone_normalize(const char *in, char *out, size_t outsz)
{
    phone_parts p;
    if (!out || outsz == 0)
        return 0;
    out[0] = '\0';
    if (!phone_parse(in, &p))
        return 0;
    int n;
    if (p.mobile)
        n = snprintf(out, outsz, "%s", p.digits);
    else if (p.ext[0])
        n = snprintf(out, outsz, "%s-%s-%s", p.area, p.local, p.ext);
    else
        n = snprintf(out, outsz, "%s-%s", p.area, p.local);
    if (n < 0 || (size_t)n >= outsz) {
        out[0] = '\0';
        return 0;
    }
    return 1;
}

/* Mobile: "138****5678". Landline: "0530-*****45" (area code and the
 * last two digits of the local number; the extension is left out).
 * Anything that does not parse as a phone is masked completely, one
 * '*' per character (at most 20), so bad data is never shown either. */
char *phone_mask(const char *phone, char *out, size_t outsz)
{
    phone_parts p;
    if (!out)
        return out;
    if (outsz < 32) {
        if (outsz)
            out[0] = '\0';
        return out;
    }
    out[0] = '\0';
    if (!phone || !*phone)
        return out;
    if (phone_parse(phone, &p)) {
        if (p.mobile) {
            snprintf(out, outsz, "%.3s****%.4s", p.digits, p.digits + 7);
        } else {
            size_t ll = strlen(p.local);
            snprintf(out, outsz, "%s-%.*s%s", p.area, (int)(ll - 2), "********", p.local + ll - 2);
        }
        return out;
    }
    size_t chars = 0;
    for (const unsigned char *u = (const unsigned char *)phone; *u && chars < 20; u++) {
        if ((*u & 0xC0) != 0x80)
            out[chars++] = '*';
    }
    out[chars] = '\0';
    return out;
}

int str_in_set(const char *s, const char *const *allowed)
{
    if (!s || !allowed)
        return 0;
    for (; *allowed; allowed++) {
        if (strcmp(s, *allowed) == 0)
            return 1;
    }
    return 0;
}

void utf8_trim_partial(char *s)
{
    size_t len = strlen(s);
    if (!len)
        return;
    size_t i = len - 1;
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
        i--;
    unsigned char lead = (unsigned char)s[i];
    size_t need = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    if (i + need > len)
        s[i] = '\0';
}

char *text_trim(char *s)
{
    for (;;) {
        unsigned char c = (unsigned char)*s;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            s++;
        else if (c == 0xE3 && (unsigned char)s[1] == 0x80 && (unsigned char)s[2] == 0x80)
            s += 3;
        else
            break;
    }
    size_t n = strlen(s);
    for (;;) {
        if (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
            n--;
        else if (n >= 3 && (unsigned char)s[n - 3] == 0xE3 && (unsigned char)s[n - 2] == 0x80 &&
                 (unsigned char)s[n - 1] == 0x80)
            n -= 3;
        else
            break;
    }
    s[n] = '\0';
    return s;
}

/* ---- person_name_mask ------------------------------------------------------ */

/* 复姓 a notice keeps whole (the common ones; a rarer one is masked as
 * a single surname and its second character hidden, which errs safe). */
static const char *const COMPOUND_SURNAMES[] = {
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯",
    "轩辕", "令狐", "钟离", "澹台", "公冶", "宗政", "濮阳", "淳于", "单于", "太叔", "申屠", "闻人", "赫连",
    "万俟", "独孤", "南宫", "西门", "呼延", "端木", "百里", "东郭", "拓跋", "完颜", "司空", "闾丘", "子车",
    NULL};

/* A character between the parts of a name: the middle dot, a space, a
 * hyphen, an apostrophe, a full stop. */
static int name_separator(unsigned long cp)
{
    return cp == 0xB7 || cp == ' ' || cp == '-' || cp == '\'' || cp == 0x2019 || cp == '.';
}

char *person_name_mask(const char *name, name_mask_style style, char *out, size_t outsz)
{
    size_t len = name ? strlen(name) : 0, pos = 0, first_len = 0, second_end = 0, last_at = 0, last_len = 0;
    long count = 0;
    int parts = 0;
    while (pos < len) {
        unsigned long cp;
        int n = utf8_next(name + pos, len - pos, &cp);
        if (n <= 0) {
            count = 0;   /* not valid UTF-8: nothing of it is shown */
            break;
        }
        if (++count == 1)
            first_len = (size_t)n;
        else if (count == 2)
            second_end = pos + (size_t)n;
        if (name_separator(cp))
            parts = 1;
        else {
            last_at = pos;
            last_len = (size_t)n;
        }
        pos += (size_t)n;
    }
    if (outsz == 0)
        return out;
    if (count <= 1 || outsz < first_len + 2) {
        snprintf(out, outsz, "%s", outsz >= 2 ? "*" : "");
        return out;
    }
    size_t surname = first_len;
    long given = count - 1;
    if (style == NAME_MASK_NOTICE && !parts && count >= 3) {
        for (size_t i = 0; COMPOUND_SURNAMES[i]; i++)
            if (strlen(COMPOUND_SURNAMES[i]) == second_end && memcmp(name, COMPOUND_SURNAMES[i], second_end) == 0) {
                surname = second_end;
                given = count - 2;
                break;
            }
    }
    int keep_last = style == NAME_MASK_NOTICE && (given >= 2 || parts) && last_at >= surname;
    if (keep_last && surname + 1 + last_len < outsz)
        snprintf(out, outsz, "%.*s*%.*s", (int)surname, name, (int)last_len, name + last_at);
    else if (surname + 1 < outsz)
        snprintf(out, outsz, "%.*s*", (int)surname, name);
    else
        snprintf(out, outsz, "%.*s*", (int)first_len, name);
    return out;
}
