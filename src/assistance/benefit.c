/* benefit.c — social assistance amounts: the top-up, the per-person
 * amount, the age band from an ID number, the one-off ceiling (see
 * benefit.h for the rules). Pure: no database, no clock. */
#include "assistance/benefit.h"

#include <stdio.h>
#include <string.h>

#include "registry/derived.h"
#include "util/idcard.h"

/* |fen|, INT64_MIN included. */
static uint64_t fen_magnitude(int64_t fen)
{
    return fen < 0 ? (uint64_t)(-(fen + 1)) + 1 : (uint64_t)fen;
}

char *benefit_yuan_plain(int64_t fen, char *out, size_t outsz)
{
    uint64_t v = fen_magnitude(fen);
    snprintf(out, outsz, "%s%llu.%02u", fen < 0 ? "-" : "", (unsigned long long)(v / 100), (unsigned)(v % 100));
    return out;
}

/* Digits written by hand, not by two snprintf: a payment run formats
 * three amounts per line, 300,000 for 100,000 lines. */
char *benefit_yuan(int64_t fen, char *out, size_t outsz)
{
    char buf[40], *p = buf + sizeof buf;
    uint64_t v = fen_magnitude(fen), yuan = v / 100;
    *--p = '\0';
    *--p = (char)('0' + v % 10);
    *--p = (char)('0' + v / 10 % 10);
    *--p = '.';
    for (int k = 0;; k++) {
        if (k > 0 && k % 3 == 0)
            *--p = ',';
        *--p = (char)('0' + yuan % 10);
        yuan /= 10;
        if (!yuan)
            break;
    }
    if (fen < 0)
        *--p = '-';
    if (outsz) {
        size_t n = (size_t)(buf + sizeof buf - 1 - p);
        n = n < outsz - 1 ? n : outsz - 1;
        memcpy(out, p, n);
        out[n] = '\0';
    }
    return out;
}

/* Rounding: up to the whole yuan by default. The top-up guarantees a
 * floor (the standard); rounding down would leave the household a few
 * fen below it, rounding up never does and costs at most 0.99 yuan per
 * household a month; whole yuan also make the bank file and the public
 * notice (公示, amounts in yuan) agree with the payment. "fen" keeps the
 * exact difference for a programme whose rules say so. */
static int64_t round_up_yuan(int64_t fen)
{
    return (fen + 99) / 100 * 100;
}

int benefit_topup(const benefit_topup_in *in, benefit_result *out, ms_err *err)
{
    char s[40], inc[40], r[40];
    memset(out, 0, sizeof *out);
    if (in->members < 1)
        return err_set(err, ERR_INVALID, "members", "计入人数至少为 1 人");
    if (in->standard_fen < 0 || in->income_fen < 0)
        return err_set(err, ERR_INVALID, "income_fen", "保障标准和家庭收入不能为负数");
    if (in->standard_fen > INT64_MAX / 1000 || in->members > 1000)
        return err_set(err, ERR_INVALID, "members", "金额超出范围");
    const char *name = in->programme ? in->programme : "";
    int64_t total = in->standard_fen * in->members;
    benefit_yuan(in->standard_fen, s, sizeof s);
    benefit_yuan(in->income_fen, inc, sizeof inc);
    if (in->income_fen >= total) {
        out->fen = 0;
        snprintf(out->explain, sizeof out->explain,
                 "%s 标准 %s 元 × %d 人 − 家庭月收入 %s 元 ≤ 0，不予补差", name, s, in->members, inc);
        return 0;
    }
    int64_t diff = total - in->income_fen, pay = diff;
    if (in->rounding == BENEFIT_ROUND_YUAN_UP)
        pay = round_up_yuan(diff);
    const char *note = pay != diff ? "（向上取整到元）" : "";
    if (in->min_payment_fen > 0 && pay < in->min_payment_fen) {
        pay = in->min_payment_fen;
        note = "（低于最低发放额，按最低发放额）";
    }
    out->fen = pay;
    benefit_yuan(pay, r, sizeof r);
    snprintf(out->explain, sizeof out->explain, "%s 标准 %s 元 × %d 人 − 家庭月收入 %s 元 = %s 元%s", name, s,
             in->members, inc, r, note);
    return 0;
}

int benefit_per_person(const char *programme, const char *band_label, int64_t standard_fen,
                       benefit_result *out, ms_err *err)
{
    char s[40];
    memset(out, 0, sizeof *out);
    if (standard_fen < 0)
        return err_set(err, ERR_INVALID, "amount_fen", "标准金额不能为负数");
    out->fen = standard_fen;
    int labelled = band_label && *band_label;
    snprintf(out->explain, sizeof out->explain, "%s%s%s%s 每人每月 %s 元", programme ? programme : "",
             labelled ? "（" : "", labelled ? band_label : "", labelled ? "）" : "",
             benefit_yuan(standard_fen, s, sizeof s));
    return 0;
}

int benefit_age_band(const char *id_number, int on_ymd, const char **band, ms_err *err)
{
    char norm[32];
    idcard_info info;
    *band = NULL;
    idcard_status st = idcard_validate(idcard_normalize(id_number ? id_number : "", norm), on_ymd, &info);
    if (st != IDCARD_OK)
        return err_set(err, ERR_INVALID, "id_number", "%s", idcard_status_message(st));
    int age = derived_age(info.birth_date, NULL, on_ymd);
    if (age < 0)
        return err_set(err, ERR_INVALID, "id_number", "无法从身份证号得出出生日期");
    *band = derived_age_band(age);
    return 0;
}

int benefit_one_off(const benefit_one_off_in *in, benefit_result *out, ms_err *err)
{
    char a[40], c[40];
    memset(out, 0, sizeof *out);
    const char *name = in->programme ? in->programme : "";
    if (in->amount_fen <= 0)
        return err_set(err, ERR_INVALID, "amount_fen", "救助金额必须大于 0");
    int street = in->level == BENEFIT_LEVEL_STREET;
    int64_t ceiling = street ? in->ceiling_street_fen : in->ceiling_community_fen;
    const char *who = street ? "街道" : "社区";
    benefit_yuan(in->amount_fen, a, sizeof a);
    if (ceiling > 0 && in->amount_fen > ceiling)
        return err_set(err, ERR_INVALID, "amount_fen", "%s金额 %s 元超过%s审批限额 %s 元%s", name, a, who,
                       benefit_yuan(ceiling, c, sizeof c), street ? "" : "，请报街道审批");
    out->fen = in->amount_fen;
    snprintf(out->explain, sizeof out->explain, "%s 一次性救助 %s 元（%s审批）", name, a, who);
    return 0;
}
