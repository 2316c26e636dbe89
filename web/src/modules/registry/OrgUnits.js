// modules/registry/OrgUnits.js — the org tree as the registry pages read
// it (GET /api/v1/org-units, one level at a time, counts included) and
// the small display helpers of a unit (masked leader phone, kind order).
import { api } from '../../lib/api.js';

// Kinds from the top down: a unit's children are the next kind.
export const KIND_ORDER = ['district', 'street', 'community', 'grid', 'building'];

// The children of parentId, or the caller's own unit (a one-item list)
// when parentId is empty.
export async function orgChildren(parentId) {
  const r = await api('/org-units', { query: { parent_id: parentId || undefined } });
  return r.items || [];
}

// "13720657798" → "137****7798"; other forms keep their last 4.
export function maskPhone(p) {
  if (!p) return '';
  const s = String(p);
  if (s.includes('*')) return s;
  if (s.length >= 11) return s.slice(0, 3) + '****' + s.slice(-4);
  return s.length > 4 ? '****' + s.slice(-4) : s;
}

// True when a unit of `kind` is below `stop` (or is it).
export function atOrBelow(kind, stop) {
  return KIND_ORDER.indexOf(kind) >= KIND_ORDER.indexOf(stop);
}
