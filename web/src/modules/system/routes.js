// modules/system — 系统管理: accounts (admin), role approvals
// (secadmin), the audit log (auditor), security alerts, and 个人中心
// for everyone.
import { Setting, UserFilled, Stamp, Document, Warning, Avatar } from '@element-plus/icons-vue';

export default {
  group: { title: '系统管理', order: 90, icon: Setting },
  routes: [
    { path: 'users', component: () => import('./UsersView.vue'),
      meta: { title: '用户管理', icon: UserFilled, api: 'GET /api/v1/users' } },
    { path: 'change-requests', component: () => import('./ChangeRequestsView.vue'),
      meta: { title: '变更审批', icon: Stamp, api: 'GET /api/v1/change-requests' } },
    { path: 'audit', component: () => import('./AuditView.vue'),
      meta: { title: '审计日志', icon: Document, api: 'GET /api/v1/audit' } },
    { path: 'alerts', component: () => import('./AlertsView.vue'),
      meta: { title: '安全告警', icon: Warning, api: 'GET /api/v1/security/alerts' } },
    { path: 'profile', component: () => import('./ProfileView.vue'),
      meta: { title: '个人中心', icon: Avatar, menu: false } },
  ],
};
