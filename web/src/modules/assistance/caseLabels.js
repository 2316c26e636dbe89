// modules/assistance/caseLabels.js — the words and small helpers of the
// 救助申请 pages (CasesView, CaseView, CaseForm, CaseActionDialog): the
// case states as the API labels them, tag colours, income sources, the
// programmes a caller without GET /assistance/programmes (grid workers)
// may still choose from, and a deadline as its China date.
import { api } from '../../lib/api.js';
import { can } from '../../lib/session.js';
import { chinaTime } from '../../lib/chinaDate.js';

// Every state of both case types (case_flow.c), for the list's filter.
export const CASE_STATES = {
  applied: '已申请', accepted: '已受理', investigated: '已调查', reviewed: '已评议', checked: '社区已审核',
  noticed: '公示中', active: '在保', granted: '已批准', rejected: '不予批准', withdrawn: '已撤回', stopped: '已停保',
};

export const STATE_TAGS = {
  applied: 'info', accepted: 'primary', investigated: 'primary', reviewed: 'primary', checked: 'warning',
  noticed: 'warning', active: 'success', granted: 'success', rejected: 'danger', withdrawn: 'info', stopped: 'info',
};

export const FLAGS = { conflict: '回避', stop: '停保预警', overdue: '超期' };

export const INCOME_SOURCES = {
  wage: '工资', pension: '养老金', business: '经营', agriculture: '农业', property: '财产', support: '赡养抚养',
  transfer: '转移性收入', other: '其他',
};

export const REVIEW_CLASSES = { A: 'A 类', B: 'B 类', C: 'C 类' };

export const SOURCE_LABELS = { application: '本人申请', policy_find: '政策找人' };

// The seeded programmes ({code, name, calc_kind, settings.bands}) for
// roles the programmes route refuses (grid workers file applications
// too); everyone else reads the live list.
const SEED_PROGRAMMES = [
  { code: 'dibao_urban', name: '城市低保', calc_kind: 'topup', settings: {} },
  { code: 'dibao_rural', name: '农村低保', calc_kind: 'topup', settings: {} },
  { code: 'tekun', name: '特困供养', calc_kind: 'per_person',
    settings: { band_by: 'kind', bands: { dispersed: '分散供养', concentrated: '集中供养' } } },
  { code: 'disability_living', name: '困难残疾人生活补贴', calc_kind: 'per_person', settings: {} },
  { code: 'disability_care', name: '重度残疾人护理补贴', calc_kind: 'per_person', settings: {} },
  { code: 'elderly_longevity', name: '高龄津贴', calc_kind: 'per_person', settings: {} },
  { code: 'elderly_hardship', name: '经济困难老年人补贴', calc_kind: 'per_person', settings: {} },
  { code: 'children', name: '三类儿童', calc_kind: 'per_person',
    settings: { band_by: 'kind', bands: { orphan: '孤儿', unsupported: '事实无人抚养儿童', hardship: '困境儿童' } } },
  { code: 'temporary', name: '临时救助', calc_kind: 'one_off', settings: {} },
  { code: 'medical', name: '医疗救助', calc_kind: 'one_off', settings: {} },
];

let programmesOnce = null;
// The active programmes the caller may apply for, loaded once a page.
export function loadProgrammes() {
  if (!can('GET /api/v1/assistance/programmes')) return Promise.resolve(SEED_PROGRAMMES);
  if (!programmesOnce) {
    programmesOnce = api('/assistance/programmes')
      .then((r) => (r.items || []).filter((p) => p.active))
      .catch((e) => { programmesOnce = null; throw e; });
  }
  return programmesOnce;
}

// Bands a person picks on an application: only programmes banded by
// kind (age and disability bands the server computes).
export function kindBands(p) {
  const s = (p && p.settings) || {};
  return s.band_by === 'kind' ? Object.entries(s.bands || {}).map(([value, label]) => ({ value, label })) : [];
}

// The server's "YYYY-MM-DD HH:MM:SS" UTC deadline as the China date.
export const dueDate = (s) => chinaTime(s).slice(0, 10);
