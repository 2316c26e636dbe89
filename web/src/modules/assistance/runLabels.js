// modules/assistance/runLabels.js — the words and months of the payment
// pages (资金发放, a run's page, 救助统计): run and line statuses, line
// kinds, and months in China local time (UTC+8) as the server counts them.

export const RUN_STATUS = { draft: '草稿', frozen: '已冻结' };
export const LINE_STATUS = { pending: '待发', paid: '已发', failed: '失败' };
export const LINE_STATUS_TAG = { pending: 'info', paid: 'success', failed: 'danger' };
export const LINE_KIND = { regular: '按月', one_off: '一次性', arrears: '补发', deduction: '扣减' };

// "YYYY-MM" of today in China, shifted by `delta` months.
export function thisMonth(delta = 0) {
  const now = new Date(Date.now() + 8 * 3600 * 1000);
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + delta, 1));
  return d.toISOString().slice(0, 7);
}

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
