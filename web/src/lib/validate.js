// lib/validate.js — the checks of src/util/validate.c the forms repeat
// in the browser, with the server's messages: phones (mobile
// [+86]1[3-9]xxxxxxxxx, landline 0xx(x)-[2-9]xxxxxx(x)[-ext]) and
// people's names (Chinese or Latin letters, no digits or markup
// symbols). Pure functions; the server still decides.

const fold = (s) => String(s || '')
  .replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xFEE0))
  .replace(/\u3000/g, ' ');

// Digit groups split by spaces with at most one dash; a leading '+'.
function groups(s) {
  let t = s.replace(/^[ \t]+/, '');
  let plus = false;
  if (t[0] === '+') { plus = true; t = t.slice(1); }
  if (!/^\d/.test(t)) return null;
  const out = [];
  const re = /(\d+)([ \t-]*)/y;
  let m;
  while (t.length && (m = re.exec(t))) {
    const sep = m[2];
    if ((sep.match(/-/g) || []).length > 1) return null;
    out.push(m[1]);
    if (re.lastIndex === t.length) {
      if (sep.includes('-')) return null;
      return { plus, g: out };
    }
    if (!sep) return null;
    if (out.length > 8) return null;
  }
  return null;
}

const areaLen = (p) => {
  if (p.length < 3 || p[0] !== '0') return 0;
  if (p[1] === '1') return p[2] === '0' ? 3 : 0;
  if (p[1] === '2') return 3;
  return p[1] >= '3' && p[1] <= '9' ? 4 : 0;
};
const isLocal = (p) => /^[2-9]\d{6,7}$/.test(p);

function areaLocal(g) {
  if (g.length === 1) {
    const al = areaLen(g[0]);
    return al && isLocal(g[0].slice(al)) ? `${g[0].slice(0, al)}-${g[0].slice(al)}` : null;
  }
  return areaLen(g[0]) === g[0].length && isLocal(g[1]) ? `${g[0]}-${g[1]}` : null;
}

// The stored form of a phone ("13812345678", "0530-5312345[-801]"), or
// null when the server would refuse it.
export function normalizePhone(raw) {
  const p = groups(fold(raw));
  if (!p) return null;
  let d = p.g.join('');
  if (p.plus || d.length === 13) {
    if (d.length === 13 && d.startsWith('86')) d = d.slice(2);
    else d = '';
  }
  if (/^1[3-9]\d{9}$/.test(d)) return d;
  if (p.plus) return null;
  const g = p.g;
  if (g.length === 1 || g.length === 2) {
    const al = areaLocal(g);
    if (al) return al;
  }
  if (g.length < 2 || g.length > 3 || !/^\d{1,6}$/.test(g[g.length - 1])) return null;
  const al = areaLocal(g.slice(0, -1));
  return al ? `${al}-${g[g.length - 1]}` : null;
}

export const PHONE_MESSAGE = '联系电话格式不正确（手机11位，或区号-号码）';

export function phoneProblem(raw) {
  if (!raw || !String(raw).trim()) return null;   // optional
  return normalizePhone(raw) ? null : PHONE_MESSAGE;
}

const isCjk = (cp) => (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
  (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x3134F) || cp === 0x3007;
const isLatin = (cp) => (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122) ||
  (cp >= 0xC0 && cp <= 0x24F && cp !== 0xD7 && cp !== 0xF7);
const isSpace = (cp) => cp === 32 || cp === 0xA0 || cp === 0x3000 || (cp >= 0x2000 && cp <= 0x200A);
const isControl = (cp) => cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp === 0x061C || cp === 0x2028 ||
  cp === 0x2029 || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
  (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2060 && cp <= 0x2064) || cp === 0xFEFF;
const BAD_SYMBOLS = new Set([...'<>&"`\\/=;', '\u201C', '\u201D', '\uFF1C', '\uFF1E', '\uFF06']);

// As the server stores a name: spaces trimmed and collapsed, the
// middle dot's look-alikes made '·' (person_name_normalize).
export function normalizeName(raw) {
  return String(raw || '')
    .replace(/[\u2022\u2027\u30FB\uFF65\uFF0E\u22C5]/g, '·')
    .replace(/[ \u00A0\u3000\u2000-\u200A]+/g, ' ')
    .trim();
}

// Why a name is refused (person_name_problem's message), or null.
export function nameProblem(raw) {
  const s = normalizeName(raw);
  let count = 0, cjk = false, latin = false, prevSep = true, last = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0);
    if (isControl(cp)) return '姓名不能含控制字符或不可见的格式字符';
    if (++count > 50) return '姓名不能超过50个字';
    if ((cp >= 48 && cp <= 57) || (cp >= 0xFF10 && cp <= 0xFF19)) return '姓名不能含数字';
    if (BAD_SYMBOLS.has(ch)) return '姓名不能含 < > & " 等符号';
    const sep = isSpace(cp) || cp === 0xB7 || ch === '-' || ch === "'" || cp === 0x2019 || ch === '.';
    if (isCjk(cp)) cjk = true;
    else if (isLatin(cp)) latin = true;
    else if (!sep) return '姓名只能由汉字或拉丁字母组成（少数民族姓名用间隔号·分隔，外文姓名可含空格、连字符和撇号）';
    if (sep && !isSpace(cp) && prevSep) return '姓名中的间隔号、连字符或撇号不能在开头或连用';
    prevSep = sep && !isSpace(cp);
    if (!isSpace(cp)) last = cp;
  }
  if (!cjk && !latin) return '姓名不能为空';
  if (prevSep && last !== 46) return '姓名不能以间隔号、连字符或撇号结尾';
  if (cjk && latin) return '姓名不能汉字和拉丁字母混写';
  return null;
}

// An el-form rule from one of the problem functions above.
export function ruleOf(problem, trigger = 'blur') {
  return { trigger, validator: (_r, v, cb) => { const m = problem(v); return m ? cb(new Error(m)) : cb(); } };
}
