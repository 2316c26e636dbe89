// modules/assistance/noticeLabels.js — the Chinese words of the codes the
// 公示, 异议, 近亲属备案 and 复核 replies send.

export const NOTICE_STATUS = { draft: '草稿', posted: '公示中', ended: '已结束' };
export const STATUS_TAG = { draft: 'info', posted: 'warning', ended: 'success' };

export const OBJECTION_STATUS = { open: '待处理', upheld: '异议成立', dismissed: '异议不成立' };
export const OBJECTION_TAG = { open: 'danger', upheld: 'warning', dismissed: 'success' };
export const CHANNELS = ['来访', '电话', '信件', '其他'];

export const STAFF_POSTS = ['街道工作人员', '社区干部', '低保经办人员', '其他'];
export const RELATIONS = ['配偶', '父母', '子女', '兄弟姐妹', '祖父母', '外祖父母', '孙子女', '外孙子女', '其他近亲属'];

export const EVENT_TAG = { deceased: 'danger', moved_out: 'warning' };

// A reply names a programme by its code or name, or as {code, name}.
export const programmeName = (p) => (p && typeof p === 'object' ? p.name || p.code : p) || '—';
