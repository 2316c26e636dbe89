// modules/registry/residents.js — what the resident pages share: the
// tag definitions (GET /tags, read once), the choices of the resident's
// fields (web/openapi.json ResidentInput), the words for history events,
// and the roles that may see full ID numbers.
import { ref } from 'vue';
import { api, showError } from '../../lib/api.js';

// ROLES_FULL_ID (src/core/actor.h): full ID numbers, exact searches.
export const FULL_ID_ROLES = ['street', 'community', 'grid'];

export const RELATIONS = ['户主', '配偶', '子', '女', '子女', '父亲', '母亲', '父母', '岳父母', '公婆', '祖父母',
  '孙子', '孙女', '孙子女', '外孙子女', '兄弟姐妹', '儿媳', '女婿', '其他'];
export const HUKOU_TYPES = ['城镇', '农村', '其他'];
export const RESIDENCE = ['户籍', '常住', '流动'];
export const EMPLOYMENT = ['在业', '失业', '退休', '在校学生', '学龄前', '无业', '灵活就业', '其他'];
export const DISABILITY_TYPES = ['视力', '听力', '言语', '肢体', '智力', '精神', '多重'];
export const ID_KINDS = { citizen_id: '居民身份证', gat_residence_permit: '港澳台居民居住证',
  foreign_permanent_residence: '外国人永久居留身份证' };
// registry_event.kind (src/registry/history.h)
export const HISTORY_KINDS = { created: '登记', updated: '修改信息', moved: '迁移', closed: '所在户注销',
  deceased: '已故', moved_out: '迁出', reopened: '恢复在册' };
// 高龄 follows the birth date (docs/api.md "Facts"): never typed.
export const DERIVED_TAGS = ['elderly'];

const tags = ref([]);
let asked = null;

// The tags the role may see, loaded once per page load.
export function useTags() {
  if (!asked) {
    asked = api('/tags').then((r) => { tags.value = r.items || []; })
      .catch((e) => { asked = null; showError(e); });
  }
  const tagLabel = (code) => (tags.value.find((t) => t.code === code) || {}).label || code;
  return { tags, tagLabel };
}
