// lib/session.js — who is signed in: the user (GET /auth/me), the routes
// their role may call (GET /auth/permissions, read from the server's own
// route tables), and what a lost session does. Pages ask can('GET
// /api/v1/residents') before showing a menu item or a button, so nobody
// sees one the server would refuse; the server still checks every call.
import { reactive } from 'vue';
import { api, setUnauthorizedHandler } from './api.js';

export const session = reactive({
  me: null,            // {id, username, display_name, role, role_label, org_unit, pending, …}
  routes: new Set(),   // "METHOD /api/v1/pattern"
  loaded: false,
  notice: '',          // shown once on the login page ("登录已过期…")
});

let router = null;
export function bindRouter(r) { router = r; }

export function can(route) {
  return session.routes.has(route);
}

export function pending() {
  return (session.me && session.me.pending) || [];
}

// Reads the session from the server (the cookie is HttpOnly): null when
// signed out.
export async function loadSession() {
  try {
    const me = await api('/auth/me', { noRedirect: true });
    session.me = me;
    session.routes = new Set();
    if (!(me.pending && me.pending.length)) {
      const p = await api('/auth/permissions', { noRedirect: true });
      session.routes = new Set(p.routes || []);
    }
  } catch (e) {
    if (e.status !== 401) throw e;
    session.me = null;
    session.routes = new Set();
  }
  session.loaded = true;
  return session.me;
}

export function clearSession(notice) {
  session.me = null;
  session.routes = new Set();
  session.notice = notice || '';
}

export async function logout() {
  try { await api('/auth/logout', { method: 'POST', noRedirect: true }); } catch (e) { /* gone already */ }
  clearSession('');
  if (router) router.push('/login');
}

setUnauthorizedHandler(() => {
  if (!session.me) return;
  clearSession('登录已过期或已在别处退出，请重新登录');
  if (router) {
    const here = router.currentRoute.value;
    router.push({ path: '/login', query: here.path !== '/login' ? { next: here.fullPath } : {} });
  }
});
