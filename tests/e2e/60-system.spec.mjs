// 60-system.spec.mjs — the system pages: the admin creates a community
// account (it appears in the list, must change its password at the first
// sign-in) and disables it (sign-in refused); a privileged account goes
// to approval and only the other administrator may approve it; the
// auditor finds the creation in the audit log by user and action, opens
// its before/after detail and exports the rows; the admin cannot open
// the audit log nor the auditor the accounts; the security administrator
// sees and acknowledges an alert.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { env, newPage, login, shot, assertClean } from './lib.mjs';

// A fresh lower-case username per run (letters only: the spec may run
// again on the same database).
const tag = Array.from({ length: 6 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('');
const USER = 'sys_' + tag;
const AUDITOR2 = 'sysaud_' + tag;

// One sign-in per demo account for the whole file (a sign-in costs an
// Argon2 hash): later pages start from its cookies.
const states = {};
async function pageAs(user) {
  if (!states[user]) {
    const p = await newPage();
    await login(p, user);
    states[user] = await p.context().storageState();
    await p.close_all();
  }
  return newPage(undefined, { storageState: states[user] });
}

// The API with that account's session: {status, body} (text unless JSON).
async function apiOf(user) {
  if (!states[user]) await (await pageAs(user)).close_all();
  const token = states[user].cookies.find((c) => c.name === 'ms_session').value;
  return async (method, p) => {
    const res = await fetch(env.base + '/api/v1' + p, { method, headers: { Authorization: 'Bearer ' + token } });
    const text = await res.text();
    return { status: res.status, body: /json/.test(res.headers.get('content-type') || '') ? JSON.parse(text) : text };
  };
}

// Waits until the table shows rows and every one matches re (a search
// replaces the rows of the one before it a moment after the click).
async function allRowsMatch(table, re) {
  let texts = [];
  for (let i = 0; i < 100; i++) {
    texts = await table.locator('tbody tr').allInnerTexts();
    if (texts.length && texts.every((t) => re.test(t))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`表格中有不符合 ${re} 的行：${texts.find((t) => !re.test(t)) || '（没有行）'}`);
}

async function pickOrg(page, dialog, unit) {
  await dialog.getByTestId('new-org').locator('.el-select').click();
  await page.locator('.el-tree .el-select-dropdown__item', { hasText: unit + '（' }).first().click();
}

test('管理员新建社区账户 → 列表可见 → 首次登录须改密 → 停用后不能登录', async () => {
  const page = await pageAs('admin');
  await page.goto(env.base + '/users');
  await page.getByTestId('user-table').locator('tbody tr').first().waitFor();
  await shot(page, 'users-list');

  await page.getByTestId('user-new').click();
  const dialog = page.getByRole('dialog', { name: '新增用户' });
  await page.getByTestId('new-username').fill(USER);
  await page.getByTestId('new-name').fill('系统测试员');
  await pickOrg(page, dialog, '中山社区');
  const password = await page.getByTestId('new-password').inputValue();
  assert.ok(password.length >= 10, '生成的初始密码太短');
  await shot(page, 'users-create');
  await page.getByTestId('new-submit').click();
  const shown = page.getByTestId('user-initial-password');
  await shown.waitFor();
  assert.equal(await shown.innerText(), password);
  await dialog.getByRole('button', { name: '完成' }).click();

  await page.getByTestId('user-q').fill(USER);
  await page.getByTestId('user-search').click();
  const row = page.getByTestId('user-table').locator('tbody tr', { hasText: USER });
  await row.waitFor();
  assert.match(await row.innerText(), /系统测试员[\s\S]*社区工作人员[\s\S]*待确认[\s\S]*中山社区[\s\S]*正常[\s\S]*须改密/);

  // The new user signs in: the initial password must be changed first.
  const other = await newPage();
  await login(other, USER, password);
  await other.waitForURL(/\/pending/);
  assert.match(await other.locator('h1').innerText(), /请修改密码/);
  await other.close_all();

  // Disabled: the sign-in is refused.
  await page.getByTestId('user-toggle-' + USER).click();
  await page.getByRole('dialog', { name: '停用账户' }).getByRole('button', { name: '停用' }).click();
  await page.getByText(`账户 ${USER} 已停用`).waitFor();
  await row.getByText('已停用').waitFor();
  const again = await newPage();
  await again.goto(env.base + '/login');
  await again.getByTestId('login-user').fill(USER);
  await again.getByTestId('login-pass').fill(password);
  await again.getByTestId('login-submit').click();
  await again.getByTestId('login-error').waitFor();
  assert.match(again.url(), /\/login/);
  await again.close_all();
  assertClean(page, assert);
  await page.close_all();
});

test('特权账户的创建须经安全管理员批准：提出人不能自己批准，安全管理员批准后账户建立', async () => {
  const page = await pageAs('admin');
  await page.goto(env.base + '/users');
  await page.getByTestId('user-new').click();
  const dialog = page.getByRole('dialog', { name: '新增用户' });
  await page.getByTestId('new-username').fill(AUDITOR2);
  await page.getByTestId('new-name').fill('第二审计员');
  await page.getByTestId('new-role').click();
  await page.getByTestId('role-auditor').click();
  await pickOrg(page, dialog, '丹阳街道');
  await page.getByTestId('new-submit').click();
  await page.getByRole('dialog', { name: '已提交审批' }).getByRole('button', { name: '知道了' }).click();

  const admin = await apiOf('admin');
  assert.equal((await admin('GET', '/users?q=' + AUDITOR2)).body.total, 0, '特权账户未经批准就建立了');
  const cr = (await admin('GET', '/change-requests')).body.items.find((c) => c.username === AUDITOR2);
  assert.ok(cr, '没有变更申请');

  // The proposer's own approval: the server's refusal is shown.
  await page.goto(env.base + '/change-requests');
  await page.getByTestId('change-approve-' + cr.id).click();
  await page.getByRole('dialog', { name: '批准变更申请' }).getByRole('button', { name: '批准' }).click();
  await page.locator('.el-message--error').waitFor();
  await page.close_all();

  const sec = await pageAs('anquan');
  await sec.goto(env.base + '/change-requests');
  await sec.getByTestId('change-approve-' + cr.id).click();
  await sec.getByRole('dialog', { name: '批准变更申请' }).getByRole('button', { name: '批准' }).click();
  await sec.getByText(`已批准变更申请 #${cr.id}`).waitFor();
  assert.equal((await admin('GET', '/users?q=' + AUDITOR2)).body.total, 1);
  assertClean(sec, assert);
  await sec.close_all();
});

test('审计员按用户和操作筛选，看到新建账户的记录和修改内容，导出 CSV', async () => {
  const admin = await apiOf('admin');
  const created = (await admin('GET', '/users?q=' + USER)).body.items[0];
  assert.ok(created, '上一个测试建立的账户不存在');
  const page = await pageAs('auditor');
  await page.goto(env.base + '/audit');
  await page.getByTestId('audit-user').fill('admin');
  await page.getByTestId('audit-action').click();
  await page.getByRole('option', { name: '新增', exact: true }).click();
  await page.getByTestId('audit-search').click();
  const table = page.getByTestId('audit-table');
  const row = table.locator('tbody tr', { hasText: `用户账户 #${created.id}` });
  // Every row shown is the admin's 新增.
  await allRowsMatch(table, /admin[\s\S]*新增/);
  await row.waitFor();
  await shot(page, 'audit-list');

  await row.getByRole('button', { name: '查看' }).click();
  const detail = page.getByTestId('audit-detail');
  await detail.waitFor();
  assert.match(await detail.innerText(), /新增[\s\S]*用户账户 #/);
  const diff = page.getByTestId('audit-diff');
  assert.match(await diff.innerText(), new RegExp(`用户名\\s+${USER}`));
  assert.match(await diff.innerText(), /角色已确认\s+否/);
  await shot(page, 'audit-detail');
  await page.keyboard.press('Escape');
  await page.getByTestId('audit-detail').waitFor({ state: 'hidden' });

  // The new user's own rows: its sign-in, not the admin's creation.
  await page.getByRole('button', { name: '重置' }).click();
  await page.getByTestId('audit-user').fill(USER);
  await page.getByTestId('audit-search').click();
  await allRowsMatch(table, new RegExp(USER));
  await table.locator('tbody tr', { hasText: '登录' }).first().waitFor();
  await page.getByTestId('audit-user').fill('admin');
  await page.getByTestId('audit-action').click();
  await page.getByRole('option', { name: '新增', exact: true }).click();
  await page.getByTestId('audit-search').click();
  await allRowsMatch(table, /admin[\s\S]*新增/);
  await row.waitFor();

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('audit-export').click()]);
  const file = await download.path();
  const csv = fs.readFileSync(file, 'utf8');
  assert.match(download.suggestedFilename(), /\.csv$/);
  assert.match(csv, /^\uFEFF编号,/);
  assert.ok(csv.includes(USER), '导出文件中没有新建账户的记录');
  assertClean(page, assert);
  await page.close_all();
});

test('三权分立：管理员打不开审计日志，审计员打不开用户管理', async () => {
  const page = await pageAs('admin');
  await page.goto(env.base + '/audit');
  await page.getByTestId('forbidden').waitFor();
  await page.close_all();
  const aud = await pageAs('auditor');
  await aud.goto(env.base + '/users');
  await aud.getByTestId('forbidden').waitFor();
  await aud.close_all();
});

test('安全管理员看到批量导出告警并确认，审计员只能查看', async () => {
  // Five exports in a day by one user raise the bulk_exports alert.
  const auditor = await apiOf('auditor');
  for (let i = 0; i < 5; i++) assert.equal((await auditor('GET', '/audit/export?action=ack')).status, 200);
  const page = await pageAs('anquan');
  await page.goto(env.base + '/alerts');
  const row = page.getByTestId('alert-table').locator('tbody tr', { hasText: '同一用户批量导出过多' }).first();
  await row.waitFor();
  await shot(page, 'alerts');
  await page.getByTestId('alert-acked').getByText('未确认').click();
  await row.waitFor();
  await row.getByRole('button', { name: '确认' }).click();
  await page.getByRole('dialog', { name: '确认安全告警' }).getByRole('button', { name: '确认' }).click();
  await page.getByText('告警已确认').waitFor();
  assertClean(page, assert);
  await page.close_all();

  const aud = await pageAs('auditor');
  await aud.goto(env.base + '/alerts');
  await aud.getByTestId('alert-table').locator('tbody tr', { hasText: '同一用户批量导出过多' }).first().waitFor();
  assert.equal(await aud.locator('[data-test^="alert-ack-"]').count(), 0, '审计员看到了确认按钮');
  await aud.close_all();
});
