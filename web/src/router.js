// router.js — the pages. Each module lists its own pages in
// modules/<name>/routes.js ({group, routes}); this file collects them,
// builds the menu from them and guards every navigation:
//   signed out → /login; a pending step (password change, second factor)
//   → /pending; a page whose API the role may not call → /403.
// A route's meta: title (menu and breadcrumb), api ("GET /api/v1/…": the
// call the page cannot work without; the item is shown only when the
// role may make it), icon, menu: false to keep it out of the menu,
// mobile: true for the grid worker's pages laid out for phones.
import { createRouter, createWebHistory } from 'vue-router';
import { session, loadSession, can, pending, bindRouter } from './lib/session.js';
import AppLayout from './layout/AppLayout.vue';
import LoginView from './views/LoginView.vue';

const modules = Object.values(import.meta.glob('./modules/*/routes.js', { eager: true }))
  .map((m) => m.default)
  .sort((a, b) => a.group.order - b.group.order);

// The menu: groups in order, each with its pages (the user's role
// filters it in menuFor).
export const menuGroups = modules.map((m) => ({ ...m.group, routes: m.routes }));

function allowed(route) {
  return !route.meta.api || can(route.meta.api);
}

export function menuFor() {
  return menuGroups
    .map((g) => ({ ...g, routes: g.routes.filter((r) => r.meta.menu !== false && allowed(r)) }))
    .filter((g) => g.routes.length);
}

// The first page the user may open (home for registry roles, the audit
// log for the auditor, accounts for the admin).
function firstPage() {
  for (const g of menuFor()) return g.routes[0].path;
  return '/profile';
}

const routes = [
  { path: '/login', component: LoginView, meta: { public: true, title: '登录' } },
  { path: '/pending', component: () => import('./views/PendingView.vue'), meta: { title: '完成账户设置' } },
  {
    path: '/',
    component: AppLayout,
    children: [
      { path: '', name: 'start', redirect: () => firstPage() },
      ...modules.flatMap((m) => m.routes.map((r) => ({ ...r, meta: { ...r.meta, group: m.group.title } }))),
      { path: '403', component: () => import('./views/ForbiddenView.vue'), meta: { title: '无权访问' } },
      { path: ':rest(.*)*', component: () => import('./views/NotFoundView.vue'), meta: { title: '页面不存在' } },
    ],
  },
];

const router = createRouter({ history: createWebHistory(), routes });
bindRouter(router);

router.beforeEach(async (to) => {
  if (!session.loaded) {
    try { await loadSession(); } catch (e) { /* shown on the login page */ }
  }
  if (to.meta.public) {
    if (session.me && !pending().length) return to.query.next || '/';
    return true;
  }
  if (!session.me) return { path: '/login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} };
  if (pending().length) return to.path === '/pending' ? true : '/pending';
  if (to.path === '/pending') return '/';
  if (to.meta.api && !allowed(to)) return { path: '/403', query: { from: to.fullPath } };
  return true;
});

router.afterEach((to) => {
  document.title = (to.meta.title ? to.meta.title + ' · ' : '') + '民生 · 街道居民信息系统';
});

export default router;
