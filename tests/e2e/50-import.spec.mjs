// 50-import.spec.mjs — 导入导出: a CSV (UTF-8 and GBK) and an .xlsx
// import previewed (the error table names the row, column and reason;
// nothing is written), then committed with 只导入正确的行 or 全部正确才导入
// (the good rows are then in the registry, found by the API); an export
// of residents with full ID numbers (the purpose dialog) is a workbook
// whose header is Chinese and whose ID numbers are text cells; the
// statistics table and a CSV roster download; a grid worker is offered
// no org-tree import.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { env, newPage, login, shot, assertClean, apiAs } from './lib.mjs';
import { xlsxFromRows, readSheet } from './xlsx.mjs';

const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const rand = (n) => Math.floor(Math.random() * n);

// A valid ID number of 菏泽市牡丹区 born `birth` (YYYYMMDD), random sequence.
function idNumber(birth) {
  const base = '371702' + birth + String(rand(1000)).padStart(3, '0');
  const sum = [...base].reduce((s, d, i) => s + Number(d) * W[i], 0);
  return base + '10X98765432'[sum % 11];
}
// The same number with a wrong check character.
const badCheck = (id) => id.slice(0, 17) + (id[17] === '0' ? '1' : '0');

// Names nobody else in the demo street has (no digits: the API refuses them).
const SURNAMES = ['欧阳', '司马', '上官', '诸葛', '东方', '慕容', '皇甫', '令狐', '公孙', '宇文'];
const GIVEN = '春夏秋冬梅兰竹菊松柏山川江河湖海云霞雪月星辰晨曦朝暮锦绣琳琅瑾瑜璇玑';
const usedNames = new Set();
function uniqueName() {
  for (;;) {
    const n = SURNAMES[rand(SURNAMES.length)] + GIVEN[rand(GIVEN.length)] + GIVEN[rand(GIVEN.length)];
    if (!usedNames.has(n)) { usedNames.add(n); return n; }
  }
}

let gridCode = null;
async function firstGrid(call) {
  if (gridCode) return gridCode;
  const street = (await call('GET', '/org-units')).body.items[0];
  const community = (await call('GET', `/org-units?parent_id=${street.id}`)).body.items[0];
  gridCode = (await call('GET', `/org-units?parent_id=${community.id}`)).body.items[0].code;
  return gridCode;
}

// A household of two good rows and one row with a bad check character
// (the file's row 4): [header, …rows] plus what the test checks.
async function household(call) {
  const grid = await firstGrid(call);
  const code = `${grid}-${8000 + rand(1999)}`;
  const good = [
    { name: uniqueName(), id: idNumber('19750314'), relation: '户主' },
    { name: uniqueName(), id: idNumber('19770620'), relation: '配偶' },
  ];
  const bad = { name: uniqueName(), id: badCheck(idNumber('20020105')), relation: '子' };
  const rows = [['姓名', '身份证号', '网格编码', '户编号', '地址', '与户主关系']];
  for (const p of [...good, bad]) rows.push([p.name, p.id, grid, code, '测试路一号院', p.relation]);
  return { rows, good, bad };
}

const csv = (rows) => rows.map((r) => r.join(',')).join('\r\n') + '\r\n';

async function count(call, id) {
  const r = await call('GET', `/residents?id_number=${id}&status=all&page_size=20`);
  assert.equal(r.status, 200);
  return r.body.total;
}

async function choose(page, file) {
  await page.goto(env.base + '/import');
  await page.locator('[data-test=import-file] input[type=file]').setInputFiles(file);
}

// Preview: the error table shows row 4's bad ID number and nothing is written.
async function previewShowsBadRow(page, call, hh) {
  await page.getByTestId('import-preview').click();
  await page.getByTestId('import-preview-result').waitFor();
  const cells = page.getByTestId('import-errors').locator('tbody tr').first().locator('td');
  assert.equal((await cells.nth(0).innerText()).trim(), '4');
  assert.equal((await cells.nth(1).innerText()).trim(), '身份证号');
  assert.match(await cells.nth(2).innerText(), /校验位/);
  assert.equal((await page.getByTestId('import-rows').innerText()).trim(), '3');
  assert.equal((await page.getByTestId('import-valid').innerText()).trim(), '2');
  assert.ok(await page.getByTestId('import-commit-all').isDisabled(), '有错误行时不应允许全部导入');
  for (const p of hh.good) assert.equal(await count(call, p.id), 0, '预检不应写入数据');
}

// Commit the good rows: the batch holds exactly them.
async function commitValid(page, call, hh) {
  await page.getByTestId('import-commit-valid').click();
  await page.getByTestId('import-done').waitFor();
  const batch = (await page.getByTestId('import-batch').innerText()).trim();
  assert.match(batch, /^\d+$/);
  const r = await call('GET', `/residents?import_batch_id=${batch}&status=all&page_size=20`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.items.map((x) => x.name).sort(), hh.good.map((p) => p.name).sort());
  for (const p of hh.good) assert.equal(await count(call, p.id), 1);
  return batch;
}

test('CSV 导入：预检列出错误行（行号、字段、说明），未写入；只导入正确的行后可在居民中查到', async () => {
  const call = await apiAs('jiedao');
  const hh = await household(call);
  const page = await newPage();
  await login(page, 'jiedao');
  await choose(page, { name: '居民名单.csv', mimeType: 'text/csv', buffer: Buffer.from(csv(hh.rows)) });
  await previewShowsBadRow(page, call, hh);
  await shot(page, 'import-preview-errors');
  await commitValid(page, call, hh);
  await page.getByTestId('import-show-batch').click();
  await page.getByTestId('import-batch-rows').getByText(hh.good[0].name).waitFor();
  const bad = await call('GET', `/residents?name=${encodeURIComponent(hh.bad.name)}&status=all&page_size=20`);
  assert.equal(bad.body.total, 0);
  await shot(page, 'import-done');
  assertClean(page, assert);
  await page.close_all();
});

test('.xlsx 导入：同样预检、只导入正确的行', async () => {
  const call = await apiAs('jiedao');
  const hh = await household(call);
  const page = await newPage();
  await login(page, 'jiedao');
  await choose(page, { name: '居民名单.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    buffer: xlsxFromRows(hh.rows) });
  assert.ok(await page.locator('[data-test=import-encoding] input').isDisabled(), '.xlsx 不需要选择编码');
  await previewShowsBadRow(page, call, hh);
  await commitValid(page, call, hh);
  assertClean(page, assert);
  await page.close_all();
});

test('GBK 编码的 CSV：选 GBK 预检无错误，全部正确才导入，姓名无乱码', async () => {
  const call = await apiAs('jiedao');
  const hh = await household(call);
  const rows = hh.rows.slice(0, 3);   // the two good rows only
  const gbk = execFileSync('iconv', ['-f', 'UTF-8', '-t', 'GBK'], { input: csv(rows) });
  assert.notDeepEqual(gbk, Buffer.from(csv(rows)));
  const page = await newPage();
  await login(page, 'jiedao');
  await choose(page, { name: '居民名单（GBK）.csv', mimeType: 'text/csv', buffer: gbk });
  await page.getByTestId('import-encoding').click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: 'GBK' }).click();
  await page.getByTestId('import-preview').click();
  await page.getByTestId('import-preview-result').waitFor();
  assert.equal(await page.getByTestId('import-errors').count(), 0);
  assert.equal((await page.getByTestId('import-valid').innerText()).trim(), '2');
  await page.getByTestId('import-commit-all').click();
  await page.getByTestId('import-done').waitFor();
  for (const p of hh.good) {
    const r = await call('GET', `/residents?id_number=${p.id}&page_size=20`);
    assert.equal(r.body.items[0].name, p.name);
  }
  assertClean(page, assert);
  await page.close_all();
});

async function downloaded(page, testId) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  return { name: dl.suggestedFilename(), bytes: fs.readFileSync(await dl.path()) };
}

test('导出：完整身份证号须填写用途；.xlsx 表头为中文、身份证号为文本单元格；统计表和户名册 CSV 可下载', async () => {
  const page = await newPage();
  await login(page, 'shequ02');
  await page.goto(env.base + '/import?tab=export');
  await page.getByTestId('export-roster').waitFor();
  await shot(page, 'export');

  await page.getByTestId('export-full').click();
  await page.getByTestId('export-roster').click();
  await page.getByTestId('export-purpose-ok').click();   // empty: refused here
  await page.getByText('请填写用途').waitFor();
  await page.getByTestId('export-purpose').fill('核对社区低保名单');
  const x = await downloaded(page, 'export-purpose-ok');
  assert.match(x.name, /^居民名册-.*\.xlsx$/);
  assert.equal(x.bytes.subarray(0, 2).toString(), 'PK');
  const { rows, xml } = readSheet(x.bytes);
  const header = Object.values(rows['1']).map((c) => c.text);
  assert.ok(header.includes('姓名') && header.includes('身份证号'), header.join(','));
  assert.match(xml, /state="frozen"/);
  const idCol = Object.keys(rows['1']).find((c) => rows['1'][c].text === '身份证号');
  const ids = Object.entries(rows).filter(([r]) => r !== '1').map(([, cells]) => cells[idCol]).filter(Boolean);
  assert.ok(ids.length > 10, '导出应有居民');
  for (const c of ids) {
    assert.notEqual(c.type, 'n', `身份证号 ${c.text} 不应是数字单元格`);
    assert.match(c.text, /^\d{17}[\dX]$/, '应为完整身份证号');
  }

  const t = await downloaded(page, 'export-table');
  assert.equal(t.bytes.subarray(0, 2).toString(), 'PK');
  assert.ok(readSheet(t.bytes).xml.length > 0);

  await page.getByTestId('export-what').getByText('户名册').click();
  await page.getByTestId('export-full').click();   // back to masked
  await page.getByTestId('export-format').getByText('CSV').click();
  const h = await downloaded(page, 'export-roster');
  assert.match(h.name, /^户名册-.*\.csv$/);
  const text = h.bytes.toString('utf8');
  assert.ok(text.startsWith('\uFEFF户编号'), text.slice(0, 40));
  assertClean(page, assert);
  await page.close_all();
});

test('网格员只能导入居民，不显示组织架构导入', async () => {
  const page = await newPage();
  await login(page, 'wangge0101');
  await page.goto(env.base + '/import');
  await page.getByTestId('import-preview').waitFor();
  const kinds = await page.getByTestId('import-kind').locator('.el-radio-button').allInnerTexts();
  assert.deepEqual(kinds.map((s) => s.trim()), ['居民']);
  assertClean(page, assert);
  await page.close_all();
});
