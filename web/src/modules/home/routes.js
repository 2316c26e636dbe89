// modules/home — 首页: the dashboard for the user's scope (figures,
// charts, the grid map).
import { HomeFilled } from '@element-plus/icons-vue';

export default {
  group: { title: '首页', order: 0, icon: HomeFilled },
  routes: [
    { path: 'dashboard', component: () => import('./DashboardView.vue'),
      meta: { title: '首页', icon: HomeFilled, api: 'GET /api/v1/stats/tags' } },
  ],
};
