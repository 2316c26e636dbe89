// modules/system/usePagedList.js — the paged list behind each system
// page: GET path with the filters of the last search, page and page_size
// (20/50/100), its rows, total (and whether the total is only a cap), and
// the loading flag; an error is a toast.
import { ref } from 'vue';
import { api, showError } from '../../lib/api.js';

export function usePagedList(path) {
  const rows = ref([]);
  const total = ref(0);
  const estimate = ref(false);
  const page = ref(1);
  const pageSize = ref(20);
  const loading = ref(false);
  let applied = {};
  let latest = 0;   // only the newest request's reply is shown

  // The current page again (after a change, or when paging).
  async function load() {
    const mine = ++latest;
    loading.value = true;
    try {
      const r = await api(path, { query: { ...applied, page: page.value, page_size: pageSize.value } });
      if (mine !== latest) return;
      rows.value = r.items;
      total.value = r.total;
      estimate.value = !!r.total_is_estimate;
    } catch (e) {
      showError(e);
    } finally {
      if (mine === latest) loading.value = false;
    }
  }

  // The first page with these filters (kept for paging and load).
  function search(filters) {
    applied = { ...filters };
    page.value = 1;
    return load();
  }

  return { rows, total, estimate, page, pageSize, loading, load, search };
}
