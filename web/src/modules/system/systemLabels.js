// modules/system/systemLabels.js — the Chinese words the system pages
// show for the server's codes (account status, change requests, audit
// entities and fields, alert rules), and the notice shown when a change
// went to the other administrator for approval (202 {change_request}).
import { ROLE_LABELS } from '../../lib/labels.js';

export const ROLE_OPTIONS = Object.entries(ROLE_LABELS).map(([value, label]) => ({ value, label }));
export const PRIVILEGED = ['admin', 'secadmin', 'auditor'];

export const USER_STATUS = [
  { value: 'active', label: '正常' }, { value: 'disabled', label: '已停用' },
  { value: 'locked', label: '锁定中' }, { value: 'unapproved', label: '角色待确认' },
];

export const CHANGE_KIND = { create: '创建账户', update: '修改账户', totp_reset: '重置动态验证码', role: '设置角色' };
export const CHANGE_STATUS = {
  pending: { label: '待审批', type: 'warning' }, approved: { label: '已批准', type: 'success' },
  rejected: { label: '已驳回', type: 'info' }, expired: { label: '已过期', type: 'info' },
};

// audit_log.entity codes (the ones src/ writes).
export const ENTITY_LABELS = {
  resident: '居民', household: '户', org_unit: '组织机构', user: '用户账户', change_request: '特权账户变更申请',
  security_alert: '安全告警', audit_log: '审计日志', session: '会话', database: '数据库', request: '请求',
  resident_tag: '居民标签', resident_event_flag: '停发待办', registry_count: '统计计数', stats_table: '统计表',
  wf_case: '业务办件', work_calendar: '工作日历',
};

// Fields of the before/after images, in Chinese (others show their code).
export const FIELD_LABELS = {
  id: '编号', username: '用户名', display_name: '姓名', role: '角色', role_label: '角色名称', org_unit: '管辖单位',
  org_unit_id: '管辖单位编号', disabled: '已停用', locked: '锁定', failed_logins: '连续登录失败次数',
  created_at: '创建时间', updated_at: '修改时间', last_login_at: '最近登录', must_change_password: '须修改密码',
  totp_enabled: '动态验证码', role_approved: '角色已确认', name: '姓名', sex: '性别', birth_date: '出生日期',
  birth_year: '出生年份', id_number: '身份证号', phone: '电话', address: '地址', status: '状态',
  status_date: '状态日期', relation: '与户主关系', household_id: '户编号', household_code: '户号', code: '编码',
  kind: '类型', summary: '摘要', proposed_by: '提出人', proposer_role: '提出人角色', proposed_at: '提出时间',
  expires_at: '有效期至', decided_by: '处理人', decided_at: '处理时间', target_user_id: '目标账户编号',
  hukou_type: '户籍类型', residence_status: '居住状态', employment: '就业状况', party_member: '党员',
  tags: '标签', note: '备注', path: '路径', parent_id: '上级编号', geometry: '边界',
};

export const ALERT_RULES = {
  login_failures_user: '同一账户登录失败过多', login_failures_ip: '同一地址登录失败过多',
  full_id_views: '同一用户查看完整身份证号过多', bulk_exports: '同一用户批量导出过多',
};

// Unix seconds → "YYYY-MM-DD HH:MM" local.
export function fmtUnix(t) {
  if (t === null || t === undefined || t === '') return '—';
  const d = new Date(Number(t) * 1000);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

// The audit log's and alerts' Beijing times ("2026-03-01T10:03:04+08:00")
// as "2026-03-01 10:03:04": shown as they are, in Beijing time.
export function fmtBeijing(at) {
  return (at || '').replace('T', ' ').replace(/\+08:00$/, '') || '—';
}

// After a write to an account: true when it was applied; false (and a
// notice) when it became a change request for the other administrator.
export function appliedOrQueued(reply, done) {
  const cr = reply && reply.change_request;
  if (!cr) {
    ElMessage.success(done);
    return true;
  }
  ElMessageBox.alert(`${cr.summary}。此项涉及特权账户，已提交变更申请（编号 ${cr.id}），须由另一名管理员在“变更审批”中批准后才生效。`,
    '已提交审批', { type: 'info', confirmButtonText: '知道了' }).catch(() => {});
  return false;
}

// A strong random password for an initial or reset password (the
// server's rule: ≥10 characters, three classes), from the browser's CSPRNG.
export function randomPassword() {
  const sets = ['ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnpqrstuvwxyz', '23456789', '#@%+=!?'];
  const all = sets.join('');
  const pick = (s) => s[crypto.getRandomValues(new Uint32Array(1))[0] % s.length];
  const out = sets.map(pick);
  while (out.length < 14) out.push(pick(all));
  for (let i = out.length - 1; i > 0; i--) {
    const j = crypto.getRandomValues(new Uint32Array(1))[0] % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out.join('');
}
