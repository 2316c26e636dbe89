// modules/assistance/assistPages.js — what the 公示 pages (the list and a
// notice's page) share: the notice's .xlsx download. Their paged lists
// are lib/pagedList.js, the pager under them components/ListPager.vue.
import { download, showError } from '../../lib/api.js';

// 导出 Excel of notice `id` (GET …/notices/{id}/xlsx, audited).
export async function downloadNotice(id) {
  try {
    await download(`/assistance/notices/${id}/xlsx`, { fallbackName: `公示${id}.xlsx` });
  } catch (e) {
    showError(e);
  }
}
