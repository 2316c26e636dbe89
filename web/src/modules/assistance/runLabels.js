// modules/assistance/runLabels.js — the words and months of the payment
// pages (资金发放, a run's page, 救助统计): run and line statuses, line
// kinds, and the months of a period.

export const RUN_STATUS = { draft: '草稿', frozen: '已冻结' };
export const LINE_STATUS = { pending: '待发', paid: '已发', failed: '失败' };
export const LINE_STATUS_TAG = { pending: 'info', paid: 'success', failed: 'danger' };
export const LINE_KIND = { regular: '按月', one_off: '一次性', arrears: '补发', deduction: '扣减' };

// Every month from `from` to `to` ("YYYY-MM"), at most `max` of them
// (the last ones).
export function monthsBetween(from, to, max = 24) {
  const out = [];
  let [y, m] = from.split('-').map(Number);
  const [ty, tm] = to.split('-').map(Number);
  while (y < ty || (y === ty && m <= tm)) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    if (++m > 12) { m = 1; y++; }
  }
  return out.slice(-max);
}
