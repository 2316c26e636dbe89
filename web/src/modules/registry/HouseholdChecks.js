// modules/registry/HouseholdChecks.js — the household form's own check
// of a phone, mirroring util/validate.c's phone_parse (full-width digits
// and signs folded, separators ignored; a mobile of 11 digits with an
// optional +86, or a landline with its area code and an optional
// extension). The server still decides; this only saves a round trip.
const MESSAGE = '联系电话格式不正确（手机11位，或区号-号码）';

function fold(s) {
  return s.replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xFEE0)).replace(/\u3000/g, ' ');
}

// '' when the value is empty or looks like a phone, else the message.
export function phoneProblem(v) {
  if (!v || !String(v).trim()) return '';
  const s = fold(String(v)).trim();
  if (/[^0-9+\-\s()（）转]/.test(s)) return MESSAGE;
  const digits = s.replace(/[^0-9]/g, '');
  const mobile = digits.replace(/^(0086|86)(?=1\d{10}$)/, '');
  if (/^1[3-9]\d{9}$/.test(mobile)) return '';
  if (s.startsWith('+')) return MESSAGE;
  if (/^0\d{9,11}$/.test(digits) || /^0\d{2,3}[\s-]*\d{7,8}([\s-]*转?\d{1,6})?$/.test(s.replace(/[()（）]/g, ''))) return '';
  return MESSAGE;
}

// The ID number as util/idcard.c reads it before its deeper checks:
// full-width folded, spaces dropped, x → X; 18 characters with the
// GB 11643 (ISO 7064 MOD 11-2) check digit. Used when a transfer names a
// person; the region and birth-date rules stay the server's.
export function normalizeIdNumber(v) {
  return fold(String(v || '')).replace(/\s/g, '').toUpperCase();
}

export function idNumberProblem(v) {
  const s = normalizeIdNumber(v);
  if (!s) return '请填写身份证号';
  if (/E\+/i.test(s)) return '身份证号被 Excel 转成了科学计数法，请核对原件';
  if (!/^\d{17}[\dX]$/.test(s)) return '身份证号应为18位（最后一位可为X）';
  const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(s[i]) * W[i];
  return '10X98765432'[sum % 11] === s[17] ? '' : '身份证号校验位错误';
}
