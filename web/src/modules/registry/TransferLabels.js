// modules/registry/TransferLabels.js — the words of the transfer pages:
// states (the server sends state_label too), which side the caller is
// on, and where the request leads as the caller may see it.
export const TRANSFER_STATES = { requested: '待审核', accepted: '已同意', refused: '已拒绝', withdrawn: '已撤回' };
export const STATE_TYPES = { requested: 'warning', accepted: 'success', refused: 'danger', withdrawn: 'info' };
export const SIDE_LABELS = { receiving: '迁入本辖区', releasing: '迁出本辖区', both: '辖区内' };

// The receiving household for the receiving side, the unit for the other.
export function toText(t) {
  const to = t.to || {};
  if (to.household_code) return `${to.grid ? to.grid + ' ' : ''}${to.household_code}`;
  return to.unit || '—';
}
