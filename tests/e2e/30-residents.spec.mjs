// 30-residents.spec.mjs — the 居民 page: the browser's checks
// (lib/idcard.js, lib/validate.js) refuse what the server refuses, with
// its very message; registering a resident with a wrong ID check digit
// (the field says so and nothing is sent), then right (saved, found by
// search), editing the phone (If-Match sent, the
// history shows the edit); search by name and paging against the API's
// own total; a grid worker never sees another grid's resident (list,
// search, direct address); 查看完整身份证号 only for roles with the
// right; a move and a status change, each confirmed by name; the
// export of the current search as a real .xlsx; the phone layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { env, newPage, login, shot, assertClean, apiAs, OUT } from './lib.mjs';
import { idProblem, checkDigit } from '../../web/src/lib/idcard.js';
import { nameProblem, phoneProblem } from '../../web/src/lib/validate.js';

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const rnd = (n) => Math.floor(Math.random() * n);
// A valid, unused-looking ID number of 牡丹区 (371702): random birth day
// and sequence, its right check digit.
function idNumber() {
  const y = 1950 + rnd(50), m = 1 + rnd(12), d = 1 + rnd(28);
  const body = `371702${y}${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}${String(rnd(1000)).padStart(3, '0')}`;
  const sum = [...body].reduce((s, c, i) => s + Number(c) * WEIGHTS[i], 0);
  return body + '10X98765432'[sum % 11];
}
const wrongCheck = (id) => id.slice(0, 17) + (id[17] === '0' ? '1' : '0');
// A Chinese name nobody in the demo street has (no digits: refused).
const RARE = '翊曦瑾珩琰璟玥芃菡霁沅汐岚昀晟煜';
const rareName = () => '仉' + RARE[rnd(RARE.length)] + RARE[rnd(RARE.length)] + RARE[rnd(RARE.length)];

test('网页的校验（lib/idcard.js、lib/validate.js）与服务器一致：同样的输入，同样的拒绝和提示', async () => {
  const wg = await apiAs('wangge0101');
  const hh = (await wg('GET', '/households?page_size=20')).body.items[0];
  const withCheck = (first17) => first17 + checkDigit(first17);
  const good = idNumber();
  const cases = [
    ['id_number', wrongCheck(good)], ['id_number', withCheck('37170219990230001')],
    ['id_number', withCheck('37170220990101001')], ['id_number', withCheck('37170218990101001')],
    ['id_number', good.slice(0, 17)], ['id_number', '37170219800101A012'], ['id_number', '3.71702E+17'],
    ['id_number', withCheck('93715619850101001')],
    ['name', '张三1'], ['name', '张<三'], ['name', '张 John'], ['name', '·张三'], ['name', '张三·'],
    ['phone', '12345'], ['phone', '010-12345678'], ['phone', '+1 555 0100'], ['phone', '138-1234--5678'],
  ];
  const problem = { id_number: idProblem, name: nameProblem, phone: phoneProblem };
  for (const [field, value] of cases) {
    const body = { household_id: hh.id, id_number: good, name: '仉测试', [field]: value };
    const r = await wg('POST', '/residents', body);
    assert.equal(r.status, 400, `${field}=${value}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.field, field, `${field}=${value}`);
    assert.equal(problem[field](value), r.body.error.message, `${field}=${value}`);
  }
  for (const ok of [good, good.slice(0, 17) + good[17].toLowerCase()]) assert.equal(idProblem(ok), null);
  for (const ok of ['张三', '古丽·买买提', 'John Smith', 'Martin Luther King Jr.']) assert.equal(nameProblem(ok), null);
  for (const ok of ['13912345678', '+86 139 1234 5678', '0530-5312345', '053085312345-801', '１３９１２３４５６７８'])
    assert.equal(phoneProblem(ok), null);
});

async function table(page) {
  await page.getByTestId('resident-table').locator('tbody tr').first().waitFor();
  await page.waitForFunction(() => !document.querySelector('.resident-table .el-loading-mask'));
}
const rowNames = (page) => page.getByTestId('resident-table').locator('tbody [data-test="resident-row"]').allInnerTexts();

test('网格员登记居民：校验位错误时提示且不发送，改正后保存；按姓名查到；改电话后历史有记录', async () => {
  const wg = await apiAs('wangge0101');
  const hh = (await wg('GET', '/households?page_size=20')).body.items[0];
  const name = rareName();
  const id = idNumber();
  const page = await newPage();
  await login(page, 'wangge0101');
  const writes = [];
  page.on('request', (r) => { if (r.method() !== 'GET' && r.url().includes('/api/v1/residents')) writes.push(r); });
  await page.goto(env.base + '/residents');
  await table(page);

  await page.getByTestId('resident-new').click();
  const dialog = page.locator('.resident-form-dialog');
  await dialog.waitFor();
  // the first field has the focus
  await page.waitForFunction(() => document.activeElement && document.activeElement.closest('.resident-form-dialog .el-form-item'));
  assert.equal(await page.evaluate(() => document.activeElement.closest('.el-form-item')
    .querySelector('.el-form-item__label').innerText.trim()), '所在户');
  await page.locator('.resident-form-dialog .el-select').first().click();
  await page.keyboard.type(hh.code);
  await page.locator('.el-select-dropdown__item', { hasText: hh.code }).first().click();
  await page.getByTestId('f-id').fill(wrongCheck(id));
  await page.getByTestId('f-name').fill(name);
  await page.getByTestId('f-phone').fill('139 1234 5678');
  await page.getByTestId('f-submit').click();
  await dialog.getByText('身份证号校验位错误').waitFor();
  await page.getByTestId('f-name').fill(name + '1');
  await page.getByTestId('f-submit').click();
  await dialog.getByText('姓名不能含数字').waitFor();
  await shot(page, 'residents-form-error');
  assert.equal(writes.length, 0, '校验未通过时不应发送请求');

  await page.getByTestId('f-id').fill(id);
  await page.getByTestId('f-name').fill(name);
  await dialog.getByText('由身份证号得出').waitFor();
  await page.getByTestId('f-submit').click();
  await page.waitForURL(/\/residents\/\d+/);
  assert.equal(writes.length, 1);
  assert.deepEqual(JSON.parse(writes[0].postData()).phone, '13912345678');
  const rid = Number(/\/residents\/(\d+)/.exec(page.url())[1]);
  const drawer = page.locator('.resident-drawer');
  await drawer.getByText(name).first().waitFor();

  // found by search (the search stays in the address)
  await page.goto(env.base + '/residents');
  await table(page);
  await page.getByTestId('q-name').fill(name);
  await page.keyboard.press('Enter');
  await page.waitForURL((u) => u.searchParams.get('name') === name);
  await table(page);
  assert.deepEqual(await rowNames(page), [name]);

  // edit the phone: sent with If-Match, shown, in the history
  await page.getByTestId('resident-table').locator('tbody tr').first().click();
  await page.waitForURL(new RegExp(`/residents/${rid}\\?`));
  await page.getByTestId('resident-phone').filter({ hasText: '13912345678' }).waitFor();
  await page.getByTestId('resident-edit').click();
  await page.getByTestId('f-phone').fill('0530-5312345');
  await page.getByTestId('f-submit').click();
  await page.getByTestId('resident-phone').filter({ hasText: '0530-5312345' }).waitFor();
  const patch = writes.find((r) => r.method() === 'PATCH');
  assert.ok(patch, '未发送 PATCH');
  assert.match(await patch.headerValue('if-match'), /^"\d+"$/);
  assert.deepEqual(JSON.parse(patch.postData()), { phone: '0530-5312345' });
  const hist = page.getByTestId('resident-history');
  await hist.getByText('修改：联系电话').waitFor();
  assert.match(await hist.innerText(), /修改信息[\s\S]*修改：联系电话[\s\S]*登记/);
  await shot(page, 'residents-drawer');
  // Esc closes the drawer; back to the list with the search kept
  await page.keyboard.press('Escape');
  await page.waitForURL((u) => u.pathname === '/residents' && u.searchParams.get('name') === name);
  assertClean(page, assert);
  await page.close_all();
});

test('按姓名（拼音）搜索与分页：总数与接口一致，第2页与第1页不同，刷新后保留', async () => {
  const jd = await apiAs('jiedao');
  const api = (await jd('GET', '/residents?name=wang&page_size=20')).body;
  assert.ok(api.total > 20, '演示数据中姓名含 wang 的居民应多于一页');
  const page = await newPage();
  await login(page, 'jiedao');
  await page.goto(env.base + '/residents?name=wang');
  await table(page);
  assert.match(await page.getByTestId('total').innerText(), new RegExp(api.total.toLocaleString('zh-CN')));
  const first = await rowNames(page);
  assert.deepEqual(first, api.items.map((r) => r.name));
  await page.getByTestId('pager').locator('.btn-next').click();
  await page.waitForURL((u) => u.searchParams.get('page') === '2');
  await table(page);
  const second = await rowNames(page);
  assert.equal(second.length, 20);
  assert.notDeepEqual(second, first);
  const page2 = (await jd('GET', '/residents?name=wang&page_size=20&page=2')).body;
  assert.deepEqual(second, page2.items.map((r) => r.name));
  await page.reload();
  await table(page);
  assert.deepEqual(await rowNames(page), second);
  assert.equal(await page.getByTestId('q-name').inputValue(), 'wang');
  await shot(page, 'residents-list');
  // no horizontal scrolling of the page at 1366×768
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
  assertClean(page, assert);
  await page.close_all();
});

test('网格员看不到其他网格的居民：列表、姓名搜索、直接输入地址都不行', async () => {
  const other = (await (await apiAs('wangge0201'))('GET', '/residents?page_size=20')).body.items[0];
  const jd = await apiAs('jiedao');
  assert.equal((await jd('GET', `/residents/${other.id}`)).status, 200);
  const page = await newPage();
  await login(page, 'wangge0101');
  const seen = [];
  page.on('response', async (r) => {
    if (r.url().includes(`/api/v1/residents/${other.id}`)) seen.push(r.status());
  });
  await page.goto(env.base + `/residents/${other.id}`);
  await page.getByTestId('resident-not-found').waitFor();
  assert.match(await page.getByTestId('resident-not-found').innerText(), /未找到（或不在您的管辖范围内）/);
  assert.ok(seen.length > 0 && seen.every((s) => s === 404));
  await table(page);
  assert.ok(!(await page.locator('body').innerText()).includes(other.name + ' ·'));
  assert.ok(!(await rowNames(page)).includes(other.name));
  await page.keyboard.press('Escape');
  await page.waitForURL((u) => u.pathname === '/residents');
  await page.getByTestId('q-name').fill(other.name);
  await page.getByTestId('q-submit').click();
  await page.waitForURL((u) => u.searchParams.get('name') === other.name);
  await page.waitForFunction(() => !document.querySelector('.resident-table .el-loading-mask'));
  assert.ok(!(await rowNames(page)).includes(other.name));
  assertClean(page, assert);
  await page.close_all();
});

test('查看完整身份证号：网格员可以（须确认），部门只读用户没有该按钮，也不能编辑', async () => {
  const wg = await apiAs('wangge0101');
  const mine = (await wg('GET', '/residents?page_size=20')).body.items[0];
  const page = await newPage();
  await login(page, 'wangge0101');
  await page.goto(env.base + `/residents/${mine.id}`);
  const idCell = page.getByTestId('resident-id-number');
  await idCell.waitFor();
  assert.match(await idCell.innerText(), /^\d{6}\*{12}$/);
  await page.getByTestId('full-id-btn').click();
  await page.locator('.el-message-box').getByRole('button', { name: '查看' }).click();
  await page.waitForFunction(() => /^\d{17}[\dX]$/.test(document.querySelector('[data-test="resident-id-number"]').innerText));
  assert.equal(await page.getByTestId('full-id-btn').count(), 0);
  assertClean(page, assert);
  await page.close_all();

  const viewer = await newPage();
  await login(viewer, 'bumen');
  await viewer.goto(env.base + `/residents/${mine.id}`);
  await viewer.getByTestId('resident-id-number').waitFor();
  assert.match(await viewer.getByTestId('resident-id-number').innerText(), /\*{12}$/);
  assert.equal(await viewer.getByTestId('full-id-btn').count(), 0);
  assert.equal(await viewer.getByTestId('resident-edit').count(), 0);
  assert.equal(await viewer.getByTestId('resident-status').count(), 0);
  assert.equal(await viewer.getByTestId('resident-new').count(), 0);
  assert.equal(await viewer.getByTestId('export-xlsx').count(), 0);
  assertClean(viewer, assert);
  await viewer.close_all();
});

test('迁移与变更状态：确认框写明姓名和后果，确认后迁入新户、登记为已故，历史有记录', async () => {
  const wg = await apiAs('wangge0101');
  const [, hh, to] = (await wg('GET', '/households?page_size=20')).body.items;
  const name = rareName();
  const made = await wg('POST', '/residents', { household_id: hh.id, id_number: idNumber(), name, relation: '其他' });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const page = await newPage();
  await login(page, 'wangge0101');
  await page.goto(env.base + `/residents/${made.body.id}`);
  // move into another household of the grid
  await page.getByTestId('resident-move').click();
  await page.locator('.move-dialog .el-select').first().click();
  await page.keyboard.type(to.code);
  await page.locator('.el-select-dropdown__item', { hasText: to.code }).first().click();
  await page.getByTestId('move-submit').click();
  const moveBox = page.locator('.el-message-box');
  assert.match(await moveBox.innerText(), new RegExp(`${name} 从 ${hh.code} 迁入 ${to.code}`));
  await moveBox.getByRole('button', { name: '迁移' }).click();
  await page.locator('.resident-drawer').getByText(to.code).first().waitFor();
  await page.getByTestId('resident-history').getByText('迁移').waitFor();
  assert.equal((await wg('GET', `/residents/${made.body.id}`)).body.household_id, to.id);

  await page.getByTestId('resident-status').click();
  await page.locator('.el-dialog', { hasText: '变更状态' }).waitFor();
  await page.getByTestId('status-submit').click();
  const box = page.locator('.el-message-box');
  await box.waitFor();
  const text = await box.innerText();
  assert.match(text, new RegExp(`${name} 已故`));
  assert.match(text, /不再计入在册人口/);
  // cancelling changes nothing
  await box.getByRole('button', { name: '取消' }).click();
  assert.equal((await wg('GET', `/residents/${made.body.id}`)).body.status, 'active');
  await page.getByTestId('status-submit').click();
  await page.locator('.el-message-box').getByRole('button', { name: '确定' }).click();
  await page.getByTestId('resident-status-label').filter({ hasText: '已故' }).waitFor();
  await page.getByTestId('resident-history').getByText('已故').waitFor();
  assert.equal((await wg('GET', `/residents/${made.body.id}`)).body.status, 'deceased');
  assertClean(page, assert);
  await page.close_all();
});

test('导出 Excel：下载当前查询的 .xlsx，表头为中文且冻结', async () => {
  const page = await newPage();
  await login(page, 'shequ01');
  await page.goto(env.base + '/residents?name=wang');
  await table(page);
  const names = await rowNames(page);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-xlsx').click()]);
  assert.match(dl.suggestedFilename(), /\.xlsx$/);
  const file = path.join(OUT, 'residents-export.xlsx');
  await dl.saveAs(file);
  const bytes = fs.readFileSync(file);
  assert.equal(bytes.subarray(0, 2).toString(), 'PK');
  const entries = execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' }).split('\n');
  const read = (n) => (entries.includes(n) ? execFileSync('unzip', ['-p', file, n], { encoding: 'utf8' }) : '');
  const sheet = read('xl/worksheets/sheet1.xml');
  const text = sheet + read('xl/sharedStrings.xml');
  assert.match(sheet, /state="frozen"/);
  for (const h of ['姓名', '身份证号']) assert.ok(text.includes(h), `表头缺少 ${h}`);
  // the current search, not the whole community
  assert.ok(text.includes(names[0]));
  const jiedaoLike = (await (await apiAs('shequ01'))('GET', '/residents?name=wang&page_size=20')).body.total;
  assert.equal((sheet.match(/<row /g) || []).length, jiedaoLike + 1);
  assertClean(page, assert);
  await page.close_all();
});

test('手机（390×844）：卡片列表、可折叠的查询条件、全屏详情', async () => {
  const page = await newPage({ width: 390, height: 844 }, { isMobile: true, hasTouch: true });
  await login(page, 'wangge0101');
  await page.goto(env.base + '/residents');
  const card = page.locator('.resident-card').first();
  await card.waitFor();
  assert.equal(await page.getByTestId('q-tag').count(), 0, '更多条件应收起');
  await page.getByTestId('q-more').click();
  await page.getByTestId('q-tag').waitFor();
  await page.getByTestId('q-more').click();
  const box = await card.boundingBox();
  assert.ok(box.height >= 44 && box.width >= 340, '卡片太小，不便点按');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
  await shot(page, 'residents-phone');
  await card.click();
  const drawer = page.locator('.resident-drawer');
  await drawer.getByTestId('resident-edit').waitFor();
  await page.waitForFunction(() => document.querySelector('.resident-drawer').getBoundingClientRect().left === 0);
  const d = await drawer.boundingBox();
  assert.ok(d.width >= 389, '详情应全屏');
  await shot(page, 'residents-phone-drawer');
  assertClean(page, assert);
  await page.close_all();
});
