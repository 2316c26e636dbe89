// 70-assistance.spec.mjs — 社会救助 (issue 11), its first pages: the
// yuan ↔ fen helpers (lib/money.js: digits, never floating point);
// street staff open 救助项目 from the menu and see 城市低保 at 780.00 元,
// add a standard from the first day of next month on the programme's
// page (typed in yuan, sent as fen: the history shows it and the API
// holds the exact fen), and a second one on the same date is refused
// next to the date field with the server's message; a new programme
// (a bad code refused under its field, then saved and listed); community staff
// read the programmes without the add buttons; a grid worker has no
// 救助项目 in the menu and is turned away at the address; the phone
// layout shows cards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { env, newPage, login, shot, assertClean, apiAs, menuItems } from './lib.mjs';
import { yuanToFen, fenToYuan, yuanProblem } from '../../web/src/lib/money.js';
import { chinaMonth } from '../../web/src/lib/chinaDate.js';

test('lib/money.js：元与分按字符串换算，不经浮点数；错误输入给出中文提示', () => {
  assert.equal(yuanToFen('780.5'), 78050);
  assert.equal(yuanToFen('780'), 78000);
  assert.equal(yuanToFen('0.1'), 10);
  assert.equal(yuanToFen('0.29'), 29);        // 0.29 * 100 = 28.999999999999996 in floating point
  assert.equal(yuanToFen('1,234.56'), 123456);
  assert.equal(yuanToFen(' 12.30 '), 1230);
  assert.equal(yuanToFen('.5'), 50);
  for (const bad of ['', '  ', 'abc', '-1', '1.234', '1.2.3', '1e3', '.', '７８０', '123456789']) {
    assert.equal(yuanToFen(bad), null, `“${bad}”应被拒绝`);
    assert.ok(yuanProblem(bad).length > 0);
  }
  assert.equal(fenToYuan(78050), '780.50');
  assert.equal(fenToYuan(5), '0.05');
  assert.equal(fenToYuan(-5), '-0.05');
  assert.equal(fenToYuan(123456789, true), '1,234,567.89');
  assert.equal(fenToYuan(1.5), '');
});

test('街道：救助项目列表（城市低保 780.00 元）→ 项目页新增下月起的标准 → 标准历史可见；同日再加被拒于日期旁', async () => {
  const page = await newPage();
  await login(page, 'jiedao');
  assert.ok((await menuItems(page)).includes('programmes'), '街道的菜单应有救助项目');
  await page.getByTestId('menu-programmes').click();
  await page.waitForURL(/\/programmes$/);
  const dibao = page.getByTestId('prog-std-dibao_urban');
  await dibao.waitFor();
  assert.match(await dibao.innerText(), /城市 780\.00 元/);
  assert.ok(await page.getByTestId('prog-new').isVisible(), '街道应能新增项目');
  await shot(page, 'assistance-programmes');

  await page.getByTestId('prog-open-dibao_urban').click();
  await page.waitForURL(/\/programmes\/\d+$/);
  const id = Number(page.url().split('/').pop());
  const history = page.getByTestId('std-history');
  await history.locator('tbody tr').first().waitFor();
  const rowsBefore = await history.locator('tbody tr').count();

  const from = chinaMonth(1) + '-01';   // the first day of next month in China
  await page.getByTestId('std-new').click();
  const dialog = page.getByTestId('std-form');
  await dialog.waitFor();
  // a bad amount is refused here, nothing sent
  await page.getByTestId('std-amount').fill('80o');
  await page.getByTestId('std-save').click();
  await dialog.getByText('金额只能是数字').waitFor();
  await page.getByTestId('std-amount').fill('800.5');
  await page.getByTestId('std-from').locator('input').fill(from);
  await page.getByTestId('std-from').locator('input').press('Enter');
  await shot(page, 'assistance-standard-add');
  await page.getByTestId('std-save').click();
  await dialog.waitFor({ state: 'hidden' });
  await history.locator('tbody tr', { hasText: from }).waitFor();
  assert.equal(await history.locator('tbody tr').count(), rowsBefore + 1);
  const newRow = history.locator('tbody tr').first();
  assert.match(await newRow.innerText(), new RegExp(`${from}[\\s\\S]*城市[\\s\\S]*800\\.50[\\s\\S]*待生效[\\s\\S]*丹阳街道民政办`));
  await shot(page, 'assistance-programme');

  // what was sent is the exact fen, and the previous standard ends the day before
  const jd = await apiAs('jiedao');
  const r = await jd('GET', `/assistance/programmes/${id}`);
  const hist = r.body.programme.standards;
  assert.equal(hist[0].amount_fen, 80050);
  assert.equal(hist[0].effective_from, from);
  assert.ok(hist[1].effective_to < from, '上一标准应在新标准前一天截止');

  // the same date again would rewrite it: 409, its message next to the date
  await page.getByTestId('std-new').click();
  await dialog.waitFor();
  await page.getByTestId('std-amount').fill('810');
  await page.getByTestId('std-from').locator('input').fill(from);
  await page.getByTestId('std-from').locator('input').press('Enter');
  await page.getByTestId('std-save').click();
  const err = dialog.locator('.el-form-item', { hasText: '生效日期' }).locator('.el-form-item__error');
  await err.waitFor();
  assert.match(await err.innerText(), /已有自 .* 起生效的标准/);
  await shot(page, 'assistance-standard-refused');
  await dialog.getByRole('button', { name: '取消' }).click();
  assert.equal(await history.locator('tbody tr').count(), rowsBefore + 1);
  assertClean(page, assert);
  await page.close_all();
});

test('街道新增救助项目：设置按字段填写，服务器的拒绝显示在字段旁，保存后列表可见', async () => {
  const page = await newPage();
  await login(page, 'jiedao');
  await page.goto(env.base + '/programmes');
  await page.getByTestId('prog-new').click();
  const dialog = page.getByTestId('prog-form');
  await dialog.waitFor();
  await page.getByTestId('prog-form-code').fill('Winter');
  await page.getByTestId('prog-form-name').fill('冬季取暖补贴');
  await dialog.locator('.el-form-item', { hasText: '类别' }).locator('.el-select').click();
  await page.locator('.el-select-dropdown__item', { hasText: '老年人（elderly）' }).click();
  await page.getByTestId('prog-form-save').click();
  const codeErr = dialog.locator('.el-form-item', { hasText: '项目代码' }).locator('.el-form-item__error');
  await codeErr.waitFor();
  assert.match(await codeErr.innerText(), /小写字母和下划线/);
  await page.getByTestId('prog-form-code').fill('winter_heating');
  await page.getByTestId('prog-form-save').click();
  await dialog.waitFor({ state: 'hidden' });
  const row = page.getByTestId('prog-table').locator('tbody tr', { hasText: 'winter_heating' });
  await row.waitFor();
  assert.match(await row.innerText(), /冬季取暖补贴[\s\S]*按人定额[\s\S]*暂无执行中的标准[\s\S]*启用/);
  assertClean(page, assert);
  await page.close_all();
});

test('社区：能看救助项目与标准历史，没有新增和编辑按钮；手机上是卡片', async () => {
  const page = await newPage();
  await login(page, 'shequ01');
  await page.goto(env.base + '/programmes');
  await page.getByTestId('prog-std-dibao_urban').waitFor();
  assert.equal(await page.getByTestId('prog-new').count(), 0);
  assert.equal(await page.getByTestId('prog-edit-dibao_urban').count(), 0);
  await page.getByTestId('prog-open-dibao_urban').click();
  await page.getByTestId('std-history').locator('tbody tr').first().waitFor();
  assert.equal(await page.getByTestId('std-new').count(), 0);
  assert.equal(await page.getByTestId('prog-edit').count(), 0);
  assertClean(page, assert);
  await page.close_all();

  const phone = await newPage({ width: 390, height: 844 });
  await login(phone, 'shequ01');
  await phone.goto(env.base + '/programmes');
  await phone.getByTestId('prog-card').first().waitFor();
  assert.ok(await phone.getByTestId('prog-card').count() >= 10);
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, '手机上页面不应横向滚动');
  await shot(phone, 'assistance-programmes-phone');
  assertClean(phone, assert);
  await phone.close_all();
});

test('网格员：社会救助菜单中没有救助项目，直接打开地址被拒', async () => {
  const page = await newPage();
  await login(page, 'wangge0101');
  const items = await menuItems(page);
  assert.ok(!items.includes('programmes'), '网格员的菜单不应有救助项目');
  // 社会救助 holds the grid worker's own pages (救助申请, 政策找人, 复核到期, 停保预警), never 救助项目
  assert.ok(items.includes('assistance/cases'), '网格员的菜单应有救助申请');
  assert.ok(items.includes('assistance/policy-find'), '网格员的菜单应有政策找人');
  await page.goto(env.base + '/programmes');
  await page.waitForURL(/\/403/);
  await page.close_all();
});
