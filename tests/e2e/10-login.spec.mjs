// 10-login.spec.mjs — signing in and out: each role's menu (and that
// every item it shows is a route the server opens to that role), the
// forced password change of a new account, a wrong password, a lost
// session returning to the login page, direct addresses of pages the
// role may not open, the CSP and cache headers of the served files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { env, newPage, login, shot, menuItems, assertClean, apiAs, cli, PASSWORD } from './lib.mjs';

// The menu each demo account must see (paths), and the home page it lands on.
const MENUS = {
  jiedao: ['dashboard', 'residents', 'households', 'org', 'transfers', 'import', 'programmes', 'assistance/cases',
    'assistance/notices', 'assistance/relatives', 'assistance/policy-find', 'assistance/reviews', 'assistance/flags',
    'assistance/runs', 'assistance/summary'],
  shequ01: ['dashboard', 'residents', 'households', 'org', 'transfers', 'import', 'programmes', 'assistance/cases',
    'assistance/notices', 'assistance/relatives', 'assistance/policy-find', 'assistance/reviews', 'assistance/flags',
    'assistance/runs', 'assistance/summary'],
  wangge0101: ['dashboard', 'residents', 'households', 'org', 'transfers', 'import', 'assistance/cases',
    'assistance/policy-find', 'assistance/reviews', 'assistance/flags'],
  bumen: ['dashboard', 'residents', 'households', 'org', 'programmes', 'assistance/summary'],
  auditor: ['audit', 'alerts'],
  admin: ['users', 'change-requests'],
  anquan: ['users', 'change-requests', 'alerts'],
};
// 人民调解 (modules/mediation, after 社会救助): street and community staff only.
const MEDIATION = ['mediation/cases', 'mediation/mediators', 'mediation/stations', 'mediation/figures'];
for (const u of ['jiedao', 'shequ01']) MENUS[u].push(...MEDIATION);
// The API each menu item needs (router.js meta.api, repeated here so a
// change to either is seen).
const ITEM_API = {
  dashboard: 'GET /api/v1/stats/tags', residents: 'GET /api/v1/residents', households: 'GET /api/v1/households',
  org: 'GET /api/v1/stats/org-units', transfers: 'GET /api/v1/transfers', import: 'POST /api/v1/import/residents',
  users: 'GET /api/v1/users', 'change-requests': 'GET /api/v1/change-requests', audit: 'GET /api/v1/audit',
  alerts: 'GET /api/v1/security/alerts',
  'mediation/cases': 'GET /api/v1/mediation/cases', 'mediation/mediators': 'GET /api/v1/mediation/mediators',
  'mediation/stations': 'GET /api/v1/mediation/stations', 'mediation/figures': 'GET /api/v1/mediation/figures',
  programmes: 'GET /api/v1/assistance/programmes', 'assistance/cases': 'GET /api/v1/assistance/cases',
  'assistance/notices': 'GET /api/v1/assistance/notices', 'assistance/relatives': 'GET /api/v1/assistance/relatives',
  'assistance/policy-find': 'GET /api/v1/assistance/policy-find', 'assistance/reviews': 'GET /api/v1/assistance/reviews/due',
  'assistance/flags': 'GET /api/v1/assistance/flags', 'assistance/runs': 'GET /api/v1/assistance/runs',
  'assistance/summary': 'GET /api/v1/assistance/summary',
};

// 安全生产 (modules/safety, the last group): street, community and grid
// staff see its four pages; the viewer the enterprises, the ledger and
// the injury analysis (counts only), not the injury records.
const SAFETY = ['safety/enterprises', 'safety/hazards', 'safety/injuries', 'safety/injuries/analysis'];
for (const u of ['jiedao', 'shequ01', 'wangge0101']) MENUS[u].push(...SAFETY);
MENUS.bumen.push('safety/enterprises', 'safety/hazards', 'safety/injuries/analysis');
Object.assign(ITEM_API, {
  'safety/enterprises': 'GET /api/v1/safety/enterprises', 'safety/hazards': 'GET /api/v1/safety/hazards',
  'safety/injuries': 'GET /api/v1/safety/injuries', 'safety/injuries/analysis': 'GET /api/v1/safety/injuries/analysis',
});

for (const [user, expected] of Object.entries(MENUS)) {
  test(`${user} 登录后看到本角色的菜单，且每一项的接口都对该角色开放`, async () => {
    const page = await newPage();
    await login(page, user);
    const items = await menuItems(page);
    assert.deepEqual(items, expected);
    assert.equal(new URL(page.url()).pathname, '/' + expected[0]);
    const perms = await page.evaluate(async () => (await (await fetch('/api/v1/auth/permissions')).json()).routes);
    for (const item of items) assert.ok(perms.includes(ITEM_API[item]), `${item} 的接口未对 ${user} 开放`);
    // Every page it does not see is refused by the server too.
    for (const [item, api] of Object.entries(ITEM_API))
      if (!items.includes(item)) assert.ok(!perms.includes(api), `${user} 看不到 ${item} 但接口开放`);
    await shot(page, `login-${user}-home`);
    assertClean(page, assert);
    await page.close_all();
  });
}

test('审计员直接输入居民页地址：显示无权访问，不请求居民数据', async () => {
  const page = await newPage();
  await login(page, 'auditor');
  const asked = [];
  page.on('request', (r) => { if (r.url().includes('/api/v1/residents')) asked.push(r.url()); });
  await page.goto(env.base + '/residents');
  await page.getByTestId('forbidden').waitFor();
  assert.deepEqual(asked, []);
  await page.goto(env.base + '/users');
  await page.getByTestId('forbidden').waitFor();
  assertClean(page, assert);
  await page.close_all();
});

test('密码错误时显示服务器的中文提示，不进入系统', async () => {
  const page = await newPage();
  await page.goto(env.base + '/');
  await page.waitForURL(/\/login/);
  await page.getByTestId('login-user').fill('shequ02');
  await page.getByTestId('login-pass').fill('wrong-password');
  await page.getByTestId('login-submit').click();
  const err = page.getByTestId('login-error');
  await err.waitFor();
  assert.match(await err.innerText(), /用户名或密码/);
  assert.match(page.url(), /\/login/);
  await shot(page, 'login-error');
  await page.close_all();
});

test('新账户须先修改初始密码，改后用新密码登录', async () => {
  cli(['user', 'add', 'e2e_new', '--role', 'community', '--org', '371702001001', '--name', '测试新人'],
    { MINSHENG_PASSWORD: 'Chushi#2026pw' });
  const page = await newPage();
  await login(page, 'e2e_new', 'Chushi#2026pw');
  await page.waitForURL(/\/pending/);
  assert.match(await page.locator('h1').innerText(), /请修改密码/);
  // Only the password step is open: another page sends it back.
  await page.goto(env.base + '/residents');
  await page.waitForURL(/\/pending/);
  await shot(page, 'password-forced');
  await page.getByTestId('pw-old').fill('Chushi#2026pw');
  await page.getByTestId('pw-new').fill('abc');
  await page.getByTestId('pw-again').fill('abc');
  await page.getByTestId('pw-submit').click();
  await page.getByText('新密码至少10个字符').waitFor();
  await page.getByTestId('pw-new').fill('Xinmima#2026ok');
  await page.getByTestId('pw-again').fill('Xinmima#2026ok');
  await page.getByTestId('pw-submit').click();
  await page.waitForURL(/\/login/);
  assert.match(await page.getByTestId('login-notice').innerText(), /密码已修改/);
  await login(page, 'e2e_new', 'Xinmima#2026ok');
  assert.deepEqual(await menuItems(page), MENUS.shequ01);
  assertClean(page, assert);
  await page.close_all();
});

test('会话失效（在别处退出）后，下一次操作回到登录页并说明原因，重新登录后回到原页面', async () => {
  const page = await newPage();
  await login(page, 'shequ01');
  await page.goto(env.base + '/households');
  await menuItems(page);
  // The session ends on the server (as when it expires): the cookie the
  // browser holds is no longer good.
  const cookies = await page.context().cookies();
  const token = cookies.find((c) => c.name === 'ms_session').value;
  const r = await fetch(env.base + '/api/v1/auth/logout', { method: 'POST', headers: { Authorization: 'Bearer ' + token } });
  assert.equal(r.status, 200);
  await page.getByTestId('menu-dashboard').click();
  await page.waitForURL(/\/login/);
  assert.match(await page.getByTestId('login-notice').innerText(), /登录已过期/);
  await shot(page, 'session-expired');
  await page.getByTestId('login-user').fill('shequ01');
  await page.getByTestId('login-pass').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.waitForURL(/\/dashboard/);
  await page.close_all();
});

test('退出登录后回到登录页，返回键不能回到系统页面', async () => {
  const page = await newPage();
  await login(page, 'wangge0101');
  await page.getByTestId('me').click();
  await page.getByTestId('logout').click();
  await page.waitForURL(/\/login/);
  await page.goBack();
  await page.waitForURL(/\/login/);
  const me = await (await fetch(env.base + '/api/v1/auth/me')).status;
  assert.equal(me, 401);
  await page.close_all();
});

test('页面文件：严格 CSP、带哈希的文件长期缓存、index.html 不缓存、按 gzip 发送', async () => {
  const html = await fetch(env.base + '/residents', { headers: { 'Accept-Encoding': 'gzip' } });
  assert.equal(html.status, 200);
  assert.equal(html.headers.get('cache-control'), 'no-cache');
  const csp = html.headers.get('content-security-policy');
  assert.match(csp, /default-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
  const text = await html.text();
  assert.doesNotMatch(text, /<script>(?!\s*<\/script>)/, 'index.html 含内联脚本');
  assert.doesNotMatch(text, /https?:\/\//, 'index.html 引用了外部地址');
  const js = /src="(\/assets\/[^"]+\.js)"/.exec(text)[1];
  const res = await fetch(env.base + js, { headers: { 'Accept-Encoding': 'gzip' } });
  assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.equal(res.headers.get('vary'), 'Accept-Encoding');
  // (fetch decodes gzip itself; the header says it was sent compressed)
  assert.equal(res.headers.get('content-encoding'), 'gzip');
  const api404 = await fetch(env.base + '/api/v1/no-such-route');
  assert.equal(api404.status, 404);
  assert.match(api404.headers.get('content-type'), /json/);
});

test('登录页首次载入的 JS+CSS 不超过 500 KB（gzip 传输）', async () => {
  const page = await newPage();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const seen = new Map();
  cdp.on('Network.responseReceived', (e) => {
    if (/\.(js|css)$/.test(new URL(e.response.url).pathname)) seen.set(e.requestId, 0);
  });
  cdp.on('Network.loadingFinished', (e) => { if (seen.has(e.requestId)) seen.set(e.requestId, e.encodedDataLength); });
  await page.goto(env.base + '/login', { waitUntil: 'networkidle' });
  await page.getByTestId('login-user').waitFor();
  const wire = [...seen.values()].reduce((a, b) => a + b, 0);
  console.log(`登录页 JS+CSS：${seen.size} 个文件，传输 ${(wire / 1024).toFixed(1)} KB`);
  assert.ok(seen.size >= 2);
  assert.ok(wire > 10000 && wire <= 500 * 1024, `传输 ${wire} 字节`);
  await page.close_all();
});
