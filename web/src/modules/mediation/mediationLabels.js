// modules/mediation/mediationLabels.js — the words of the 人民调解 pages
// (src/mediation/: mediator.c, mediation_flow.c): dispute types,
// mediator kinds, case states and their tag colours, satisfaction, the
// stations and the mediators, read once a page.
import { api } from '../../lib/api.js';

export const DISPUTE_TYPES = {
  neighbour: '邻里纠纷', family: '婚姻家庭纠纷', property: '物业纠纷', housing: '房屋宅基地纠纷',
  damages: '损害赔偿纠纷', contract: '合同纠纷', labour: '劳动争议', traffic: '交通事故纠纷', other: '其他纠纷',
};

export const MEDIATOR_KINDS = {
  lawyer: '律师', judicial_volunteer: '司法志愿者', retired_official: '退休干部', elder: '乡贤/德高望重居民', other: '其他',
};

export const CASE_STATES = {
  received: '已受理', mediating: '调解中', agreed: '达成协议', failed: '调解不成', visited: '已回访',
  closed: '已结案', withdrawn: '已撤回',
};

export const STATE_TAGS = {
  received: 'info', mediating: 'primary', agreed: 'success', failed: 'danger', visited: 'warning',
  closed: 'success', withdrawn: 'info',
};

export const SATISFACTION = { satisfied: '满意', basic: '基本满意', dissatisfied: '不满意' };

export const OUTCOMES = { agreed: '达成协议', failed: '调解不成' };

export const SIDES = { applicant: '申请人', respondent: '被申请人' };

// The street's stations ({id, name, org_unit, …}).
export async function loadStations() {
  const r = await api('/mediation/stations');
  return r.items || [];
}

// The directory's mediators by name (it is small: a street keeps about a
// hundred); activeOnly: those the parties may still choose.
export async function loadMediators(activeOnly) {
  const out = [];
  for (let page = 1; page <= 10; page++) {
    const r = await api('/mediation/mediators', { query: { active: activeOnly ? 'true' : '', sort: 'name', page, page_size: 100 } });
    out.push(...(r.items || []));
    if (out.length >= (r.total || 0) || !(r.items || []).length) break;
  }
  return out;
}

