// lib/money.js — money between a person and the API. The server speaks
// integer fen (分: `amount_fen`), people write and read yuan (元). The
// conversion works on the digits of the string, never on floating point
// numbers: 780.5 元 is 78050 分 exactly, and 0.1 + 0.2 never enters it.

// Largest amount accepted: ten million yuan (the server's bound is far
// above any programme's standard; this keeps fen a safe integer).
const MAX_YUAN_DIGITS = 8;

// The problem with a yuan amount a person typed, in Chinese, or '' when
// it is fine: digits with at most two after the point, not negative.
export function yuanProblem(text) {
  const s = String(text ?? '').trim().replace(/,/g, '');
  if (!s) return '请填写金额';
  if (s.startsWith('-')) return '金额不能为负数';
  const m = /^(\d*)(?:\.(\d*))?$/.exec(s);
  if (!m || (!m[1] && !m[2])) return '金额只能是数字，如 780 或 780.50';
  if ((m[2] || '').length > 2) return '金额最多保留两位小数（分）';
  if (m[1].replace(/^0+/, '').length > MAX_YUAN_DIGITS) return '金额过大';
  return '';
}

// '780.5' → 78050, '780' → 78000, '0.05' → 5, '1,200.00' → 120000;
// null for anything yuanProblem refuses.
export function yuanToFen(text) {
  if (yuanProblem(text)) return null;
  const s = String(text).trim().replace(/,/g, '');
  const [whole, frac = ''] = s.split('.');
  return Number(whole || '0') * 100 + Number((frac + '00').slice(0, 2));
}

// 78050 → '780.50', -5 → '-0.05'; grouped: 1234567 → '12,345.67'.
// '' for a value that is not an integer number of fen.
export function fenToYuan(fen, grouped = false) {
  if (!Number.isSafeInteger(fen)) return '';
  const neg = fen < 0;
  const abs = Math.abs(fen);
  let whole = String(Math.floor(abs / 100));
  if (grouped) whole = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (neg ? '-' : '') + whole + '.' + String(abs % 100).padStart(2, '0');
}
