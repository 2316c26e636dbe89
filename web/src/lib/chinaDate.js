// lib/chinaDate.js — days and months as the server counts them: China
// local time (UTC+8) whatever the browser's zone (the server's
// date_today_local, util/validate.h), the server's UTC times shown as a
// China minute, and a date picker's Date as the day it shows.

const UTC8 = 8 * 3600 * 1000;
const two = (n) => String(n).padStart(2, '0');

// 'YYYY-MM-DD' in China, `back` days before today.
export function chinaDate(back = 0) {
  return new Date(Date.now() + UTC8 - back * 86400 * 1000).toISOString().slice(0, 10);
}

// 'YYYY-MM' of today in China, shifted by `delta` months.
export function chinaMonth(delta = 0) {
  const now = new Date(Date.now() + UTC8);
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + delta, 1)).toISOString().slice(0, 7);
}

// The server's UTC time ("2026-12-07 19:00:01", or with T…Z) as the China
// minute 'YYYY-MM-DD HH:MM'; '—' when empty, the text itself when it is
// no time.
export function chinaTime(s) {
  if (!s) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})/.exec(s);
  if (!m) return s;
  const b = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]) + UTC8).toISOString();
  return b.slice(0, 10) + ' ' + b.slice(11, 16);
}

// A date picker's Date (local midnight of the day it shows) as 'YYYY-MM-DD'.
export function pickerDay(d) {
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
}

// 'YYYY-MM-DD' as a signed document writes it: '2026 年 3 月 5 日' ('' when empty).
export function cnDate(s) {
  const [y, m, d] = (s || '').split('-');
  return y && m && d ? `${y} 年 ${Number(m)} 月 ${Number(d)} 日` : '';
}
