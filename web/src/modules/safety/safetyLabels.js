// modules/safety/safetyLabels.js — the safety pages' words for the
// server's codes (enterprise kinds, plan frequencies, inspection
// results, hazard levels and states, their tag colours) and the injury
// code lists (GET /api/v1/safety/injuries/codes, loaded once).
import { api } from '../../lib/api.js';
import { can, session } from '../../lib/session.js';

export const ENTERPRISE_KINDS = ['工业企业', '商铺', '餐饮', '出租屋', '三小场所', '建筑工地', '加油站', '人员密集场所', '其他'];
export const FREQUENCIES = { monthly: '按月', quarterly: '按季度', half_yearly: '每半年' };
export const RESULTS = ['合格', '发现隐患', '责令停业整顿'];
export const RESULT_TAGS = { 合格: 'success', 发现隐患: 'warning', 责令停业整顿: 'danger' };
export const LEVELS = ['一般', '较大', '重大'];
export const LEVEL_TAGS = { 一般: 'info', 较大: 'warning', 重大: 'danger' };
export const HAZARD_STATES = { registered: '已登记', rectifying: '整改中', rechecking: '待复查', closed: '已销号' };
export const STATE_TAGS = { registered: 'info', rectifying: 'warning', rechecking: 'primary', closed: 'success' };

let codes = null;
// The injury code lists: {place_type, injury_type, cause, severity, sex,
// occupation, education, age_band: [{key, label}], dimensions: [{name, label}]}.
export function loadInjuryCodes() {
  if (!codes) codes = api('/safety/injuries/codes').catch((e) => { codes = null; throw e; });
  return codes;
}

// Names typed one by one into a multiple select → trimmed, non-empty.
export const names = (list) => (list || []).map((s) => String(s).trim()).filter(Boolean);

// Whether the page offers a community/grid picker: only to those above a
// grid who may read the org tree (a grid worker's scope is their grid).
export function picksUnit() {
  const u = session.me && session.me.org_unit;
  return can('GET /api/v1/org-units') && !(u && u.kind === 'grid');
}
