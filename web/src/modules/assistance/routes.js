// modules/assistance — 社会救助 (issue 11): programmes and standards
// first; the applications, notices, payment runs and re-review pages of
// the other parts add their lines at the end of `routes`. The server
// side is src/assistance/.
import { Present, Tickets } from '@element-plus/icons-vue';
import { DocumentChecked } from '@element-plus/icons-vue';

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
  ],
};
