// lib/labels.js — the Chinese words for the server's codes, and the
// display helpers every page uses (times, numbers).
export const ROLE_LABELS = {
  admin: '系统管理员', secadmin: '安全管理员', auditor: '审计员', street: '街道工作人员',
  community: '社区工作人员', grid: '网格员', viewer: '部门只读',
};
export const KIND_LABELS = { district: '区', street: '街道', community: '社区', grid: '网格', building: '楼栋' };
export const LEADER_LABELS = { district: '负责人', street: '负责人', community: '负责人', grid: '网格员', building: '楼长' };
export const SEX_LABELS = { M: '男', F: '女' };
export const RESIDENT_STATUS = { active: '在册', deceased: '已故', moved_out: '已迁出' };
export const HOUSEHOLD_STATUS = { active: '正常', closed: '已注销' };

export const blank = (v) => v === undefined || v === null || v === '';

export function fmtNum(n) {
  return blank(n) || isNaN(Number(n)) ? '—' : Number(n).toLocaleString('zh-CN');
}

// The server's times are UTC "YYYY-MM-DD HH:MM:SS"; shown in local time.
export function fmtTime(s) {
  if (blank(s)) return '—';
  let d;
  if (/(Z|[+-]\d{2}:?\d{2})$/i.test(s)) d = new Date(s);
  else {
    const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?/.exec(s);
    if (!m) return s;
    d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0)));
  }
  if (isNaN(d.getTime())) return s;
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}
