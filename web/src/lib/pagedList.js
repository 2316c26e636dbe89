// lib/pagedList.js — the paged list behind a list page: GET `path` with
// the page's filters, page and page_size (20/50/100, the only sizes the
// API takes); its rows, total (and whether the total is only a cap) and
// loading flag. An error is a toast and an empty list; only the newest
// request's reply is shown.
//
// The filters come one of two ways: params(), read at each load (null:
// nothing to load yet), or the last search(filters), kept for paging.
// onReply(reply) sees each whole reply (counts, dates).
import { ref } from 'vue';
import { api, showError } from './api.js';

export function usePagedList(path, params = null, onReply = null) {
  const rows = ref([]);
  const total = ref(0);
  const estimate = ref(false);
  const page = ref(1);
  const pageSize = ref(20);
  const loading = ref(false);
  let applied = {};
  let latest = 0;

  // The current page again (after a change, or when paging).
  async function load() {
    const filters = params ? params() : applied;
    if (!filters) return;
    const mine = ++latest;
    loading.value = true;
    try {
      const r = await api(path, { query: { ...filters, page: page.value, page_size: pageSize.value } });
      if (mine !== latest) return;
      rows.value = r.items || [];
      total.value = r.total || 0;
      estimate.value = !!r.total_is_estimate;
      if (onReply) onReply(r);
    } catch (e) {
      if (mine !== latest) return;
      rows.value = [];
      showError(e);
    } finally {
      if (mine === latest) loading.value = false;
    }
  }

  // The first page (with these filters, when the list has no params()).
  function search(filters) {
    if (!params) applied = { ...filters };
    page.value = 1;
    return load();
  }

  return { rows, total, estimate, page, pageSize, loading, load, search };
}
