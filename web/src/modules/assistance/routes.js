// modules/assistance — 社会救助 (issue 11): programmes and standards
// first; the applications, notices, payment runs and re-review pages of
// the other parts add their lines at the end of `routes`. The server
// side is src/assistance/.
import { Present, Tickets } from '@element-plus/icons-vue';
import { Wallet, PieChart } from '@element-plus/icons-vue';   // runweb: 资金发放, 救助统计

export default {
  group: { title: '社会救助', order: 20, icon: Present },
  routes: [
    { path: 'programmes', component: () => import('./ProgrammesView.vue'),
      meta: { title: '救助项目', icon: Tickets, api: 'GET /api/v1/assistance/programmes' } },
    { path: 'programmes/:id(\\d+)', component: () => import('./ProgrammeView.vue'),
      meta: { title: '救助项目', icon: Tickets, api: 'GET /api/v1/assistance/programmes', menu: false } },
    // runweb: payment runs and the summary
    { path: 'assistance/runs', component: () => import('./RunsView.vue'),
      meta: { title: '资金发放', icon: Wallet, api: 'GET /api/v1/assistance/runs' } },
    { path: 'assistance/runs/:id(\\d+)', component: () => import('./RunView.vue'),
      meta: { title: '发放批次', icon: Wallet, api: 'GET /api/v1/assistance/runs/{id}', menu: false } },
    { path: 'assistance/summary', component: () => import('./SummaryView.vue'),
      meta: { title: '救助统计', icon: PieChart, api: 'GET /api/v1/assistance/summary' } },
  ],
};
