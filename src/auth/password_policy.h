/* password_policy.h — what a new password must be (GB/T 22239-2019
 * §8.1.4.1 身份鉴别): 10..128 bytes, three of the four classes
 * (uppercase, lowercase, digits, symbols — any non-ASCII character
 * counts as a symbol), not a common password (a built-in list of a few
 * hundred, Chinese ones included), not derived from the username.
 * "Common" and "derived" are checked case-insensitively and also with
 * digits and symbols appended (Passw0rd2026!, woaini1314@ …).
 *
 * Owns: the rules and the list. Expiry and history are users.c's. */
#ifndef MS_PASSWORD_POLICY_H
#define MS_PASSWORD_POLICY_H

#define PASSWORD_MIN_LENGTH 10
#define PASSWORD_MAX_LENGTH 128

/* NULL when `pw` is acceptable for account `username` (may be NULL),
 * else a Chinese message saying why not. */
const char *password_problem(const char *pw, const char *username);

#endif
