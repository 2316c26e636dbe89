// modules/safety — 安全生产 (issue 12): enterprises and places with their
// inspection plans and inspections, the hazard ledger (a hazard's page
// with its steps and re-checks; laid out for a grid worker's phone),
// injury records and their analysis. The server side is src/safety/.
import { Warning, OfficeBuilding, List, FirstAidKit, DataAnalysis } from '@element-plus/icons-vue';

export default {
  group: { title: '安全生产', order: 40, icon: Warning },
  routes: [
    { path: 'safety/enterprises', component: () => import('./EnterprisesView.vue'),
      meta: { title: '企业与场所', icon: OfficeBuilding, api: 'GET /api/v1/safety/enterprises' } },
    { path: 'safety/enterprises/:id(\\d+)', component: () => import('./EnterpriseView.vue'),
      meta: { title: '企业与场所', icon: OfficeBuilding, api: 'GET /api/v1/safety/enterprises/{id}', menu: false } },
    { path: 'safety/hazards', component: () => import('./HazardsView.vue'),
      meta: { title: '隐患台账', icon: List, api: 'GET /api/v1/safety/hazards', mobile: true } },
    { path: 'safety/hazards/:id(\\d+)', component: () => import('./HazardView.vue'),
      meta: { title: '隐患台账', icon: List, api: 'GET /api/v1/safety/hazards/{id}', mobile: true, menu: false } },
    { path: 'safety/injuries', component: () => import('./InjuriesView.vue'),
      meta: { title: '伤害监测', icon: FirstAidKit, api: 'GET /api/v1/safety/injuries' } },
    { path: 'safety/injuries/analysis', component: () => import('./InjuryAnalysisView.vue'),
      meta: { title: '伤害分析', icon: DataAnalysis, api: 'GET /api/v1/safety/injuries/analysis' } },
  ],
};
