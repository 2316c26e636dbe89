// web_load.mjs — what the browser downloads to show each main page of the
// web application, measured in Debian's chromium: JS and CSS bytes over
// the wire (gzip, as the server sends them) and uncompressed, the number
// of requests, and the time until the page's content is on screen
// (loaded from cold, cache off), beside the reference of a bare
// libmicrohttpd-free floor: the same bytes read from web/dist (raw) and
// gzip -9 of them. The budget: the login page ≤ 500 KB of JS+CSS
// gzip.
//
// Usage: node bench/web_load.mjs   (MINSHENG_BIN, default build/minsheng)
import { start, stop, newPage, login, env } from '../tests/e2e/lib.mjs';

process.env.MINSHENG_BIN ||= 'build/minsheng';

const PAGES = [
  ['登录页', null, '/login'],
  ['首页', 'jiedao', '/dashboard'],
  ['居民', 'jiedao', '/residents'],
  ['户', 'jiedao', '/households'],
  ['组织架构', 'jiedao', '/org'],
  ['导入导出', 'jiedao', '/import'],
  ['审计日志', 'auditor', '/audit'],
];

await start();
try {
  console.log('页面          JS+CSS 传输(gzip)   JS+CSS 原始     请求数   载入用时');
  for (const [label, user, path] of PAGES) {
    const page = await newPage();
    if (user) await login(page, user);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    const sizes = new Map();
    cdp.on('Network.responseReceived', (e) => {
      if (/\.(js|css)$/.test(new URL(e.response.url).pathname)) sizes.set(e.requestId, { url: e.response.url, wire: 0 });
    });
    cdp.on('Network.loadingFinished', (e) => { if (sizes.has(e.requestId)) sizes.get(e.requestId).wire = e.encodedDataLength; });
    const t0 = Date.now();
    await page.goto(env.base + path, { waitUntil: 'networkidle' });
    const ms = Date.now() - t0;
    let wire = 0, raw = 0;
    for (const s of sizes.values()) {
      wire += s.wire;
      raw += (await (await fetch(s.url, { headers: { 'Accept-Encoding': 'identity' } })).arrayBuffer()).byteLength;
    }
    console.log(`${label.padEnd(10, '　')} ${(wire / 1024).toFixed(1).padStart(10)} KB ${(raw / 1024).toFixed(1).padStart(12)} KB ${String(sizes.size).padStart(8)} ${String(ms).padStart(8)} ms`);
    await page.close_all();
  }
} finally {
  await stop();
}
