// lib/idcard.js — the 18-character identity numbers, checked in the
// browser as src/util/idcard.c checks them on the server (GB 11643: the
// ISO 7064 MOD 11-2 check digit, a real birth date not before 1900 nor
// after today; 港澳台居民居住证 and 外国人永久居留身份证 share the
// structure), with the server's own Chinese messages. Pure functions.
// The region (GB/T 2260 list) is left to the server, which answers 400
// naming the field. The server stays the judge: this only spares a
// round trip.

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';
// The provinces of GB/T 2260 (not 71 台湾, 81/82 香港/澳门): the issuing
// province of a 外国人永久居留身份证.
const PROVINCES = [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
  50, 51, 52, 53, 54, 61, 62, 63, 64, 65];

// What users paste: full-width forms made half-width, spaces (also
// U+3000) dropped, x made X (idcard_normalize).
export function normalizeId(s) {
  return String(s || '')
    .replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xFEE0))
    .replace(/[\s\u3000]/g, '')
    .replace(/x/g, 'X');
}

// The check digit for the first 17 digits ('' when not 17 digits).
export function checkDigit(first17) {
  if (!/^\d{17}$/.test(first17)) return '';
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK[sum % 11];
}

function daysIn(y, m) {
  return [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
}

function todayYmd(today) {
  const d = today || new Date();
  return d.getFullYear() * 10000 + (d.getMonth() + 1) * 100 + d.getDate();
}

// Why a number is refused (the server's message), or null when it is
// valid as far as the browser can tell. `today`: a Date (tests).
export function idProblem(raw, today) {
  const id = normalizeId(raw);
  if (!id) return '身份证号不能为空';
  if (/^\d(?:[.,]\d*)?E\+?\d+$/i.test(id))
    return '身份证号被 Excel 转成了科学计数法（如 3.71702E+17），后几位已丢失，请把该列设为文本格式后重新导出';
  if (id.length !== 18) return '身份证号应为18位';
  if (!/^\d{17}[\dX]$/.test(id)) return '身份证号含有非法字符';
  if (id[0] === '9') {
    const province = Number(id.slice(1, 3)), nationality = Number(id.slice(3, 6));
    if (!PROVINCES.includes(province))
      return '外国人永久居留身份证号第2、3位应为受理地的省级行政区划代码';
    if (nationality === 0 || nationality === 156) return '外国人永久居留身份证号第4至6位的国籍代码无效';
  }
  const y = Number(id.slice(6, 10)), m = Number(id.slice(10, 12)), d = Number(id.slice(12, 14));
  if (m < 1 || m > 12 || d < 1 || d > daysIn(y, m)) return '身份证号中的出生日期无效';
  if (y < 1900) return '出生日期早于1900年，请核对身份证号';
  if (y * 10000 + m * 100 + d > todayYmd(today)) return '身份证号中的出生日期晚于今天';
  if (checkDigit(id.slice(0, 17)) !== id[17]) return '身份证号校验位错误';
  return null;
}

// What a valid number says: {birthDate: 'YYYY-MM-DD', sex: 'M'|'F',
// kind}; null when it is not valid.
export function idInfo(raw, today) {
  const id = normalizeId(raw);
  if (idProblem(id, today)) return null;
  const kind = id[0] === '9' ? 'foreign_permanent_residence'
    : ['810000', '820000', '830000'].includes(id.slice(0, 6)) ? 'gat_residence_permit' : 'citizen_id';
  return {
    birthDate: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`,
    sex: Number(id[16]) % 2 ? 'M' : 'F',
    kind,
  };
}
