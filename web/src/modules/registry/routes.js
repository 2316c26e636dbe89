// modules/registry — 居民登记: residents, households, the org tree,
// transfers between streets' grids, import and export. The server side
// is src/registry/.
import { User, House, OfficeBuilding, Switch, Upload } from '@element-plus/icons-vue';

export default {
  group: { title: '居民登记', order: 10, icon: User },
  routes: [
    { path: 'residents', component: () => import('./ResidentsView.vue'),
      meta: { title: '居民', icon: User, api: 'GET /api/v1/residents', mobile: true } },
    // one resident's drawer over the list (its own address: links, refresh)
    { path: 'residents/:id(\\d+)', component: () => import('./ResidentsView.vue'),
      meta: { title: '居民', icon: User, api: 'GET /api/v1/residents', mobile: true, menu: false } },
    { path: 'households', component: () => import('./HouseholdsView.vue'),
      meta: { title: '户', icon: House, api: 'GET /api/v1/households', mobile: true } },
    { path: 'org', component: () => import('./OrgView.vue'),
      meta: { title: '组织架构', icon: OfficeBuilding, api: 'GET /api/v1/stats/org-units' } },
    { path: 'transfers', component: () => import('./TransfersView.vue'),
      meta: { title: '迁入申请', icon: Switch, api: 'GET /api/v1/transfers' } },
    { path: 'import', component: () => import('./ImportView.vue'),
      meta: { title: '导入导出', icon: Upload, api: 'POST /api/v1/import/residents' } },
  ],
};
