/* password_policy.c — password rules and the common-password list (see
 * password_policy.h). */
#include "auth/password_policy.h"

#include <ctype.h>
#include <sodium.h>
#include <string.h>

/* Lowercase; matched as a whole or followed only by digits and symbols. */
static const char *const COMMON[] = {
    "123456", "12345678", "123456789", "1234567890", "12345", "1234567", "111111", "000000", "123123",
    "666666", "888888", "112233", "121212", "123321", "654321", "987654321", "147258369", "159357", "7758521",
    "5201314", "1314520", "520520", "521521", "1314521", "woaini", "woaini1314", "woaini520", "woaini521",
    "iloveyou", "iloveu", "woaiwojia", "woshishui", "wodemima", "mima", "mima123", "mima1234", "aini1314",
    "aiwo1314", "zhongguo", "china", "chinese", "beijing", "shanghai", "shenzhen", "guangzhou", "tianjin",
    "chongqing", "hangzhou", "nanjing", "wuhan", "chengdu", "xian", "jinan", "qingdao", "heze", "shandong",
    "zhangwei", "wangwei", "wangfang", "liwei", "lina", "zhangmin",
    "liuyang", "wangjing", "zhangli", "wangxiuying", "lixiuying", "zhangxiuying", "liuwei", "xiaoming",
    "xiaohong", "xiaoqiang", "laowang", "dage", "zhang", "wang", "li", "liu", "chen", "yang", "huang", "zhao",
    "zhou", "wu", "xu", "sun", "ma", "zhu", "hu", "guo", "he", "lin", "qwerty", "qwerty123", "qwertyuiop",
    "qwer1234", "qwe123", "qweasd", "qweasdzxc", "qazwsx", "1qaz2wsx", "1qaz2wsx3edc", "1q2w3e4r",
    "1q2w3e4r5t", "1q2w3e", "zaq12wsx", "zxcvbnm", "zxcvbn", "asdfgh", "asdfghjkl", "asdf1234", "asd123",
    "asdasd", "qazxsw", "abc123", "abcd1234", "abc12345", "abcdef", "abcdefg", "abcdefgh", "a123456",
    "a12345678", "a1234567", "a123456789", "aa123456", "aa12345678", "aaa111", "aaaaaa", "a11111", "a111111",
    "abc123456", "abcd123", "aa123123", "password", "password1", "password123", "passw0rd", "p@ssw0rd",
    "p@ssword", "pass1234", "pass123", "passwd", "admin", "admin123", "admin1234", "admin888",
    "administrator", "root", "root123", "toor", "test", "test123", "test1234", "guest", "guest123", "user",
    "user123", "login", "welcome", "welcome1", "welcome123", "hello", "hello123", "letmein", "monkey",
    "dragon", "master", "sunshine", "princess", "football", "baseball", "superman", "batman", "shadow",
    "michael", "jordan", "jordan23", "trustno1", "whatever", "freedom", "starwars", "computer", "internet",
    "secret", "secret123", "changeme", "default", "system", "sys123", "server", "oracle", "mysql", "sa123456",
    "manager", "manager123", "demo", "demo123", "temp", "temp123", "public", "private", "office", "work",
    "work123", "qq123456", "qq5201314", "woaiqq", "wechat", "weixin", "taobao", "alipay", "baidu", "tencent",
    "huawei", "xiaomi", "iphone", "android", "apple", "samsung", "1234abcd", "123abc", "123qwe", "123qweasd",
    "123qweasdzxc", "123asd", "1234qwer", "12345qwert", "123456a", "123456aa", "123456abc", "123456q",
    "123456qq", "123456qwe", "123456789a", "12345678a", "1234567a", "11111111", "88888888", "66666666",
    "99999999", "00000000", "12341234", "11223344", "147258", "147852", "147852369", "258369", "369258",
    "159753", "741852963", "963852741", "321321", "456456", "789789", "520131", "1314", "5211314", "hao123",
    "haoxiang", "woxiangni", "nihao", "nihao123", "xiexie", "hahaha", "haha123", "hehe123", "lovely", "love",
    "love123", "lover", "loveme", "ilove", "iloveyou1314", "aiai1314", "baobei", "baobei1314", "laopo",
    "laogong", "laopo520", "laogong520", "wife", "husband", "mybaby", "baby123", "sweet", "honey", "angel",
    "angel123", "zhangsan", "lisi", "wangwu", "zhaoliu", "sunqi", "zhouba", "wujiu", "zhengshi", "8888",
    "6666", "168168", "518518", "888999", "666888", "9527", "zxc123", "zxc123456", "qaz123", "wsx123",
    "edc123", "ujm123", "1a2b3c", "1a2b3c4d", "a1b2c3", "a1b2c3d4", "aabbcc", "qwaszx", "zhimakaimen",
    "kaixin", "kuaile", "xingfu", "pingan", "fuqi", "jiayou", "fendou", "mengxiang", "tiantian", "yueyue",
    "xinxin", "lele", "huanhuan", "nana", "dandan", "tingting", "jingjing", "lili", "fangfang", "gaga",
    "caonima", "nimabi", "sb123456", "shabi", "521125", "1314woaini", "dongdong", "xiaoxiao", "mingming",
    "2008", "beijing2008", "aoyun", "olympic", "goodluck", "lucky", "lucky888", "happy", "happy123",
    "happy888", "summer", "winter", "spring", "autumn", "flower", "tiger", "monkey123", "dragon123",
    "chenjie", "liujie", "wangjie", "zhangjie", "lijie", "zhangyong", "wangyong", "liyong", "zhanglei",
    "wanglei", "lilei", "hanmeimei", "lilei123", "aa123456789", "aa111111", "admin@123", "root@123",
    "p@ssword1", "zxcv1234", "huawei123", "huawei@123", "admin@2026",
};

static int is_tail_char(unsigned char c)
{
    return c < 0x80 && !isalpha(c);   /* digits, punctuation, space */
}

/* 1 when lower == word followed only by digits/symbols. */
static int is_word_plus_tail(const char *lower, const char *word)
{
    size_t n = strlen(word);
    if (n == 0 || strncmp(lower, word, n) != 0)
        return 0;
    for (const unsigned char *p = (const unsigned char *)lower + n; *p; p++)
        if (!is_tail_char(*p))
            return 0;
    return 1;
}

static int is_common(const char *lower)
{
    for (size_t i = 0; i < sizeof COMMON / sizeof COMMON[0]; i++)
        if (is_word_plus_tail(lower, COMMON[i]))
            return 1;
    return 0;
}

static int derived_from_username(const char *lower, const char *username)
{
    char name[PASSWORD_MAX_LENGTH + 1], rev[PASSWORD_MAX_LENGTH + 1];
    size_t n = username ? strlen(username) : 0;
    if (n < 2 || n > PASSWORD_MAX_LENGTH)
        return 0;
    for (size_t i = 0; i < n; i++) {
        name[i] = (char)tolower((unsigned char)username[i]);
        rev[n - 1 - i] = name[i];
    }
    name[n] = rev[n] = '\0';
    return strstr(lower, name) != NULL || is_word_plus_tail(lower, rev);
}

const char *password_problem(const char *pw, const char *username)
{
    char lower[PASSWORD_MAX_LENGTH + 1];
    size_t n = pw ? strlen(pw) : 0;
    if (n < PASSWORD_MIN_LENGTH)
        return "密码至少需要10个字符";
    if (n > PASSWORD_MAX_LENGTH)
        return "密码不能超过128个字符";
    int upper = 0, low = 0, digit = 0, other = 0;
    for (size_t i = 0; i <= n; i++) {
        unsigned char c = (unsigned char)pw[i];
        if (c >= 0x80) other = 1;
        else if (isupper(c)) upper = 1;
        else if (islower(c)) low = 1;
        else if (isdigit(c)) digit = 1;
        else if (c) other = 1;
        lower[i] = (char)(c < 0x80 ? tolower(c) : c);
    }
    const char *problem = NULL;
    if (upper + low + digit + other < 3)
        problem = "密码需包含大写字母、小写字母、数字、符号中的至少三类";
    else if (is_common(lower))
        problem = "密码过于常见，容易被猜中，请换一个";
    else if (derived_from_username(lower, username))
        problem = "密码不能包含用户名或由用户名变化而来";
    sodium_memzero(lower, sizeof lower);   /* a copy of the password */
    return problem;
}
