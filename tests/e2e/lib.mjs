// lib.mjs — what every browser test shares: one real minsheng server
// (the sanitizer build, on a loopback port, a temporary database holding
// a small demo street), Debian's chromium driven by playwright-core (no
// browser is ever downloaded), sign-in per demo account, screenshots
// under the output directory, and a watch on the browser console: a CSP
// violation or an uncaught page error fails the test that caused it.
//
// Environment: MINSHENG_BIN (default build-test/minsheng),
// MINSHENG_E2E_OUT (default build-test/e2e), CHROMIUM (default
// /usr/bin/chromium), MINSHENG_E2E_HOUSEHOLDS (demo size, default 3000).
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkDigit } from '../../web/src/lib/idcard.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '../..');
const require = createRequire(path.join(ROOT, 'web/package.json'));
const { chromium, selectors } = require('playwright-core');
// Pages mark what tests touch with data-test="…" (on an el-input it
// lands on the <input> itself).
selectors.setTestIdAttribute('data-test');

export const PASSWORD = 'Minsheng@2026';
export let BIN = '';   // set by start() from MINSHENG_BIN
export const OUT = path.resolve(ROOT, process.env.MINSHENG_E2E_OUT || 'build-test/e2e');
export const SHOTS = path.join(OUT, 'screenshots');

export const env = { base: '', db: '', dir: '', server: null, browser: null, log: '' };

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

// The CLI against the test database (user add, org geometry …);
// extraEnv: e.g. {MINSHENG_PASSWORD: …}.
export function cli(args, extraEnv = {}) {
  return execFileSync(BIN, ['--db', env.db, ...args], { encoding: 'utf8', env: { ...process.env, ...extraEnv } });
}

export async function start() {
  BIN = path.resolve(ROOT, process.env.MINSHENG_BIN || 'build-test/minsheng');
  fs.mkdirSync(SHOTS, { recursive: true });
  env.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minsheng-e2e-'));
  env.db = path.join(env.dir, 'e2e.db');
  const households = process.env.MINSHENG_E2E_HOUSEHOLDS || '3000';
  execFileSync(BIN, ['--db', env.db, 'demo', '--households', households], { stdio: 'ignore' });
  const port = await freePort();
  env.base = `http://127.0.0.1:${port}`;
  env.log = path.join(OUT, 'server.log');
  const log = fs.openSync(env.log, 'w');
  env.server = spawn(BIN, ['--db', env.db, 'serve', '--listen', `127.0.0.1:${port}`, '--two-factor', 'off'],
    { stdio: ['ignore', log, log] });
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(env.base + '/api/v1/openapi.json');
      if (r.ok) break;
    } catch (e) { /* not yet */ }
    if (i > 200) throw new Error('服务器未启动，见 ' + env.log);
    await new Promise((r) => setTimeout(r, 100));
  }
  env.browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--lang=zh-CN'],
  });
}

export async function stop() {
  if (env.browser) await env.browser.close();
  if (env.server) {
    env.server.kill('SIGTERM');
    await new Promise((r) => env.server.once('exit', r));
  }
  if (env.dir) fs.rmSync(env.dir, { recursive: true, force: true });
}

// A new browser context (own cookies) and page, watched for console
// errors. viewport: {width, height}; default 1366×768, the common
// office screen.
export async function newPage(viewport = { width: 1366, height: 768 }, extra = {}) {
  const context = await env.browser.newContext({ viewport, locale: 'zh-CN', acceptDownloads: true, ...extra });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push('页面错误: ' + e.message));
  page.on('console', (m) => {
    const t = m.text();
    if (m.type() === 'error' && !/status of (40[0-9]|429)/.test(t)) page.problems.push('控制台: ' + t);
  });
  page.close_all = () => context.close();
  return page;
}

// Fails when the page logged a CSP violation or an uncaught error.
export function assertClean(page, assert) {
  assert.deepEqual(page.problems, [], '浏览器报告了错误');
}

export async function login(page, username, password = PASSWORD) {
  await page.goto(env.base + '/login');
  await page.getByTestId('login-user').fill(username);
  await page.getByTestId('login-pass').fill(password);
  await page.getByTestId('login-submit').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

export async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: true });
}

// The menu items the page shows (their paths, from data-test="menu-…").
export async function menuItems(page) {
  await page.locator('.app-menu').first().waitFor();
  return page.locator('.app-menu [data-test^="menu-"]').evaluateAll(
    (els) => els.map((e) => e.getAttribute('data-test').slice(5)));
}

// A signed-in API client for setting up data (cookie session).
export async function apiAs(username, password = PASSWORD) {
  const r = await fetch(env.base + '/api/v1/auth/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!r.ok) throw new Error(`登录失败 ${username}: ${r.status} ${await r.text()}`);
  const { token } = await r.json();
  return async (method, p, body) => {
    const res = await fetch(env.base + '/api/v1' + p, {
      method, headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
}

// A valid citizen ID number of region 371702 born in `year` (random
// month, day and sequence; the check digit of web/src/lib/idcard.js): a
// person no demo resident is, for a spec's own data.
export function citizenId(year = 1958) {
  const two = (n) => String(n).padStart(2, '0');
  const seq = String(100 + Math.floor(Math.random() * 800));
  const body = `371702${year}${two(1 + Math.floor(Math.random() * 12))}${two(1 + Math.floor(Math.random() * 28))}${seq}`;
  return body + checkDigit(body);
}

// `n` random characters of the heavenly stems and earthly branches: a
// Chinese word unlikely to be in the demo data (names refuse digits).
export function chineseWord(n = 2) {
  const chars = '甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥';
  let s = '';
  for (let i = 0; i < n; i++) s += chars[Math.floor(Math.random() * chars.length)];
  return s;
}
