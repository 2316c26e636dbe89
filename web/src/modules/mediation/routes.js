// modules/mediation — 人民调解 (issue 12): the mediator directory and
// the stations, the cases (list, a case's page, the printable 调解协议书)
// and the figures. Street and community staff only (the API refuses
// every other role, so no other role sees the menu). The server side is
// src/mediation/.
import { ChatDotRound, Avatar, OfficeBuilding, Files, Histogram } from '@element-plus/icons-vue';

export default {
  group: { title: '人民调解', order: 30, icon: ChatDotRound },
  routes: [
    { path: 'mediation/cases', component: () => import('./MedCasesView.vue'),
      meta: { title: '调解案件', icon: Files, api: 'GET /api/v1/mediation/cases' } },
    { path: 'mediation/cases/:id(\\d+)', component: () => import('./MedCaseView.vue'),
      meta: { title: '调解案件', icon: Files, api: 'GET /api/v1/mediation/cases/{id}', menu: false } },
    { path: 'mediation/cases/:id(\\d+)/agreement', component: () => import('./MedAgreement.vue'),
      meta: { title: '调解协议书', icon: Files, api: 'GET /api/v1/mediation/cases/{id}/agreement', menu: false } },
    { path: 'mediation/mediators', component: () => import('./MediatorsView.vue'),
      meta: { title: '调解员名册', icon: Avatar, api: 'GET /api/v1/mediation/mediators' } },
    { path: 'mediation/stations', component: () => import('./StationsView.vue'),
      meta: { title: '调解组织', icon: OfficeBuilding, api: 'GET /api/v1/mediation/stations' } },
    { path: 'mediation/figures', component: () => import('./MedFiguresView.vue'),
      meta: { title: '调解统计', icon: Histogram, api: 'GET /api/v1/mediation/figures' } },
  ],
};
