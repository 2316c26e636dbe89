// modules/assistance/assistPages.js — what the pages of 公示, 近亲属备案,
// 政策找人, 复核到期 and 停保预警 share: a paged list of one API route
// (page sizes 20/50/100, the server's refusal as a toast) and the
// notice's .xlsx download.
import { ref } from 'vue';
import { api, download, showError } from '../../lib/api.js';

// A list of GET `path` with the filters params() gives (null: nothing
// to load yet); onReply(reply) sees each whole reply (counts, dates).
export function usePagedList(path, params = () => ({}), onReply = null) {
  const rows = ref([]);
  const total = ref(0);
  const page = ref(1);
  const pageSize = ref(20);
  const loading = ref(false);

  async function load() {
    const filters = params();
    if (!filters) return;
    loading.value = true;
    try {
      const r = await api(path, { query: { ...filters, page: page.value, page_size: pageSize.value } });
      rows.value = r.items || [];
      total.value = r.total || 0;
      if (onReply) onReply(r);
    } catch (e) {
      rows.value = [];
      showError(e);
    } finally {
      loading.value = false;
    }
  }

  function search() {
    page.value = 1;
    load();
  }

  return { rows, total, page, pageSize, loading, load, search };
}

// 导出 Excel of notice `id` (GET …/notices/{id}/xlsx, audited).
export async function downloadNotice(id) {
  try {
    await download(`/assistance/notices/${id}/xlsx`, { fallbackName: `公示${id}.xlsx` });
  } catch (e) {
    showError(e);
  }
}
