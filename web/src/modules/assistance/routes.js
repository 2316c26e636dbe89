// modules/assistance — 社会救助 (issue 11): programmes and standards
// first; the applications, notices, payment runs and re-review pages of
// the other parts add their lines at the end of `routes`. The server
// side is src/assistance/.
import { Present, Tickets } from '@element-plus/icons-vue';
import { DocumentChecked } from '@element-plus/icons-vue';
import { Notification, Connection, Search, Calendar, WarningFilled } from '@element-plus/icons-vue';
import { Wallet, PieChart } from '@element-plus/icons-vue';   // runweb: 资金发放, 救助统计

export default {
  group: { title: '社会救助', order: 20, icon: Present },
  routes: [
    { path: 'programmes', component: () => import('./ProgrammesView.vue'),
      meta: { title: '救助项目', icon: Tickets, api: 'GET /api/v1/assistance/programmes' } },
    { path: 'programmes/:id(\\d+)', component: () => import('./ProgrammeView.vue'),
      meta: { title: '救助项目', icon: Tickets, api: 'GET /api/v1/assistance/programmes', menu: false } },
    // 救助申请 (caseweb): the list, a case's page, its printable decision
    { path: 'assistance/cases', component: () => import('./CasesView.vue'),
      meta: { title: '救助申请', icon: DocumentChecked, api: 'GET /api/v1/assistance/cases', mobile: true } },
    { path: 'assistance/cases/:id(\\d+)', component: () => import('./CaseView.vue'),
      meta: { title: '救助申请', icon: DocumentChecked, api: 'GET /api/v1/assistance/cases/{id}', mobile: true, menu: false } },
    { path: 'assistance/cases/:id(\\d+)/decision', component: () => import('./CaseDecision.vue'),
      meta: { title: '决定书', icon: DocumentChecked, api: 'GET /api/v1/assistance/cases/{id}/decision', menu: false } },
    // noticeweb: 公示 (list, a notice's page with its objections, the
    // printable page), 近亲属备案, 政策找人, 复核到期, 停保预警.
    { path: 'assistance/notices', component: () => import('./NoticesView.vue'),
      meta: { title: '公示管理', icon: Notification, api: 'GET /api/v1/assistance/notices' } },
    { path: 'assistance/notices/:id(\\d+)', component: () => import('./NoticeView.vue'),
      meta: { title: '公示', icon: Notification, api: 'GET /api/v1/assistance/notices/{id}', menu: false } },
    { path: 'assistance/notices/:id(\\d+)/print', component: () => import('./NoticePrint.vue'),
      meta: { title: '公示打印', icon: Notification, api: 'GET /api/v1/assistance/notices/{id}', menu: false } },
    { path: 'assistance/relatives', component: () => import('./RelativesView.vue'),
      meta: { title: '近亲属备案', icon: Connection, api: 'GET /api/v1/assistance/relatives' } },
    { path: 'assistance/policy-find', component: () => import('./PolicyFindView.vue'),
      meta: { title: '政策找人', icon: Search, api: 'GET /api/v1/assistance/policy-find' } },
    { path: 'assistance/reviews', component: () => import('./ReviewsView.vue'),
      meta: { title: '复核到期', icon: Calendar, api: 'GET /api/v1/assistance/reviews/due' } },
    { path: 'assistance/flags', component: () => import('./FlagsView.vue'),
      meta: { title: '停保预警', icon: WarningFilled, api: 'GET /api/v1/assistance/flags' } },
    // runweb: payment runs and the summary
    { path: 'assistance/runs', component: () => import('./RunsView.vue'),
      meta: { title: '资金发放', icon: Wallet, api: 'GET /api/v1/assistance/runs' } },
    { path: 'assistance/runs/:id(\\d+)', component: () => import('./RunView.vue'),
      meta: { title: '发放批次', icon: Wallet, api: 'GET /api/v1/assistance/runs/{id}', menu: false } },
    { path: 'assistance/summary', component: () => import('./SummaryView.vue'),
      meta: { title: '救助统计', icon: PieChart, api: 'GET /api/v1/assistance/summary' } },
  ],
};
