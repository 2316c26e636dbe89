// modules/assistance — 社会救助 (issue 11): programmes and standards
// first; the applications, notices, payment runs and re-review pages of
// the other parts add their lines at the end of `routes`. The server
// side is src/assistance/.
import { Present, Tickets } from '@element-plus/icons-vue';

export default {
  group: { title: '社会救助', order: 20, icon: Present },
  routes: [
    { path: 'programmes', component: () => import('./ProgrammesView.vue'),
      meta: { title: '救助项目', icon: Tickets, api: 'GET /api/v1/assistance/programmes' } },
    { path: 'programmes/:id(\\d+)', component: () => import('./ProgrammeView.vue'),
      meta: { title: '救助项目', icon: Tickets, api: 'GET /api/v1/assistance/programmes', menu: false } },
  ],
};
