// modules/assistance/assistLabels.js — the Chinese words of the
// assistance codes the API sends (calc_kind, area, band_by, rounding)
// and a standard's band and line as a person reads them.
import { fenToYuan } from '../../lib/money.js';

export const CALC_KINDS = { topup: '补差（标准×人数−收入）', per_person: '按人定额', one_off: '一次性' };
export const CALC_SHORT = { topup: '补差', per_person: '按人定额', one_off: '一次性' };
export const AREAS = { urban: '城市', rural: '农村' };
export const BAND_BY = { '': '不分档', age: '按年龄', disability_grade: '按残疾等级', kind: '按类别' };
export const ROUNDINGS = { yuan_up: '向上取整到元', fen: '保留到分' };
export const AGE_BANDS = ['70+', '80+', '90+', '100+'];
export const GRADES = ['1', '2', '3', '4'];

// The bands a standard of programme p may name: [{value, label}].
export function bandOptions(p) {
  const by = (p.settings && p.settings.band_by) || '';
  if (by === 'age') return AGE_BANDS.map((b) => ({ value: b, label: b === '100+' ? '百岁及以上' : b.replace('+', ' 岁以上') }));
  if (by === 'disability_grade') return GRADES.map((g) => ({ value: g, label: g + ' 级' }));
  if (by === 'kind') return Object.entries(p.settings.bands || {}).map(([k, l]) => ({ value: k, label: l }));
  return [];
}

export function bandLabel(p, key) {
  if (!key) return '—';
  const o = bandOptions(p).find((b) => b.value === key);
  return o ? o.label : key;
}

// "城市 780.00 元" / "农村·80 岁以上 200.00 元" / "中山社区·城市 …".
export function standardText(p, s) {
  const where = (s.community_name ? s.community_name + '·' : '') + (AREAS[s.area] || s.area);
  return `${where}${s.band_key ? '·' + bandLabel(p, s.band_key) : ''} ${fenToYuan(s.amount_fen, true)} 元`;
}

// The settings in a line: "向上取整到元；最低发放 30.00 元；复核 A 12 个月、B 6 个月".
export function settingsText(p) {
  const s = p.settings || {};
  const parts = [];
  if (p.calc_kind === 'topup') parts.push(ROUNDINGS[s.rounding || 'yuan_up']);
  if (s.min_payment_fen) parts.push(`最低发放 ${fenToYuan(s.min_payment_fen, true)} 元`);
  if (s.band_by) parts.push(BAND_BY[s.band_by] + '分档');
  const c = s.ceilings_fen || {};
  if (c.community || c.street) {
    parts.push('审批限额 ' + [c.community && `社区 ${fenToYuan(c.community, true)} 元`,
      c.street && `街道 ${fenToYuan(c.street, true)} 元`].filter(Boolean).join('、'));
  }
  const r = Object.entries(s.review_months || {});
  if (r.length) parts.push('复核 ' + r.map(([k, m]) => `${k} 类 ${m} 个月`).join('、'));
  return parts.join('；') || '—';
}

// The programme categories the seeds use (a new programme may name another).
export const CATEGORIES = { dibao: '低保', tekun: '特困', disability: '残疾人', elderly: '老年人', children: '儿童',
  temporary: '临时救助', medical: '医疗救助' };

// Standards in reading order: urban before rural, the area's before a
// community's, bands in their natural order (70+ … 100+, grade 1 … 4).
export function sortedStandards(p, list) {
  const order = bandOptions(p).map((b) => b.value);
  const rank = (s) => [s.area === 'urban' ? 0 : 1, s.community_name || '', order.indexOf(s.band_key)];
  return [...(list || [])].sort((a, b) => {
    const x = rank(a), y = rank(b);
    return x[0] - y[0] || x[1].localeCompare(y[1], 'zh-CN') || x[2] - y[2];
  });
}
