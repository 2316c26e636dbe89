// 40-households.spec.mjs — the 户, 组织架构 and 迁入申请 pages: a
// community worker registers a household (system-issued number), edits
// its address, moves it to another grid (new number; the old one still
// finds it) and closes it; the org tree per role with the API's counts;
// a transfer filed by one community and accepted by the other; a grid
// worker's direct address of another grid's household; the phone layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { env, newPage, login, shot, assertClean, apiAs } from './lib.mjs';

// A valid citizen ID number (region 371702, GB 11643 check digit) that
// no demo resident has: birth in 1960 + a random sequence.
function idNumber() {
  const seq = String(100 + Math.floor(Math.random() * 800)).padStart(3, '0');
  const day = String(1 + Math.floor(Math.random() * 28)).padStart(2, '0');
  const body = `3717021960${String(1 + Math.floor(Math.random() * 12)).padStart(2, '0')}${day}${seq}`;
  const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(body[i]) * W[i];
  return body + '10X98765432'[sum % 11];
}

// A Chinese word unlikely to be in the demo data (names refuse digits).
function unique() {
  const chars = '甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥';
  let s = '';
  for (let i = 0; i < 4; i++) s += chars[Math.floor(Math.random() * chars.length)];
  return s;
}

// Opens an OrgUnitSelect and chooses `names[last]`, expanding the
// levels named before it.
async function pickUnit(page, testId, names) {
  await page.locator(`.el-select[data-test="${testId}"]`).click();
  const popper = page.locator('.el-tree-select__popper:visible, .el-select__popper:visible').last();
  for (const n of names.slice(0, -1)) {
    const node = popper.locator('.el-tree-node__content', { hasText: n }).first();
    await node.locator('.el-tree-node__expand-icon').click();
  }
  await popper.locator('.el-tree-node__content', { hasText: names[names.length - 1] }).first().click();
}

test('社区工作人员登记新户 → 系统编号 → 改地址 → 迁入其他网格重新编号、旧编号仍可查到 → 注销', async () => {
  const page = await newPage();
  await login(page, 'shequ01');
  await page.goto(env.base + '/households');
  await page.getByTestId('hh-table').waitFor();
  await shot(page, 'households-list');
  // By the head's name and a member's tag: the rows the API gives.
  const api = await apiAs('shequ01');
  const sample = (await api('GET', '/households?tag=elderly&page_size=20')).body.items[0];
  const want = await api('GET', `/households?tag=elderly&head_name=${encodeURIComponent(sample.head_name)}&page_size=20`);
  await page.getByTestId('hh-head').fill(sample.head_name);
  await page.locator('.el-select[data-test="hh-tag"]').click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: '高龄' }).click();
  await page.getByTestId('hh-search').click();
  await page.waitForURL(/tag=elderly/);
  await page.getByTestId('hh-table').locator('.el-table__row', { hasText: sample.code }).waitFor();
  assert.equal(await page.getByTestId('hh-table').locator('.el-table__row').count(), want.body.items.length);
  await page.getByRole('button', { name: '重置' }).click();
  await page.waitForURL((u) => !u.search.includes('tag='));

  const street = `测试${unique()}路`;
  await page.getByTestId('hh-new').click();
  await pickUnit(page, 'hh-form-grid', ['中山社区', '第一网格']);
  await page.getByTestId('hh-form-address').fill(`${street}一号`);
  await page.getByTestId('hh-form-phone').fill('13800001111');
  await page.getByTestId('hh-form-save').click();
  // The drawer opens on the new household with the system's number.
  const code = page.getByTestId('hh-code');
  await code.waitFor();
  const first = (await code.innerText()).trim();
  assert.match(first, /^371702001001-01-\d{4}$/);
  await page.locator('.el-drawer__close-btn').first().click();

  // In the list (by its address).
  await page.getByTestId('hh-q').fill(street);
  await page.getByTestId('hh-search').click();
  const row = page.getByTestId('hh-table').locator('.el-table__row', { hasText: first });
  await row.waitFor();
  assert.equal(await page.getByTestId('hh-table').locator('.el-table__row').count(), 1);

  // Edit the address.
  await row.getByText(first).click();
  await page.getByTestId('hh-edit').click();
  await page.getByTestId('hh-form-address').fill(`${street}二号`);
  await page.getByTestId('hh-form-save').click();
  await page.getByTestId('hh-address').filter({ hasText: `${street}二号` }).waitFor();
  await shot(page, 'households-drawer');

  // Move into another grid: confirmed with the old number, then a new one.
  await page.getByTestId('hh-move').click();
  await pickUnit(page, 'hh-move-grid', ['中山社区', '第二网格']);
  await page.getByTestId('hh-move-renumber').waitFor();
  await page.getByTestId('hh-move-save').click();
  const box = page.locator('.el-message-box').last();
  await box.waitFor();
  assert.match(await box.innerText(), new RegExp(first));
  await box.getByRole('button', { name: '确认迁移' }).click();
  const done = page.locator('.el-message-box', { hasText: '迁移完成' });
  await done.waitFor();
  const msg = await done.innerText();
  const moved = /变为 (\S+?)。/.exec(msg)[1];
  assert.match(moved, /^371702001001-02-\d{4}$/);
  await done.getByRole('button', { name: '知道了' }).click();
  await page.getByTestId('hh-code').filter({ hasText: moved }).waitFor();
  await page.getByTestId('hh-history').filter({ hasText: `户编号由 ${first} 改为 ${moved}` }).waitFor();
  await page.locator('.el-drawer__close-btn').first().click();

  // The old number still finds it, and says it is a former number.
  await page.getByTestId('hh-q').fill(first);
  await page.getByTestId('hh-search').click();
  await page.getByTestId('hh-table').locator('.el-table__row', { hasText: moved }).waitFor();
  assert.match(await page.getByTestId('hh-former-note').first().innerText(), new RegExp(`${first} 是该户的曾用户编号`));

  // Close it, with the confirmation explaining the members' flag.
  await page.getByTestId('hh-table').locator('.el-table__row', { hasText: moved }).getByText(moved).click();
  await page.getByTestId('hh-close').click();
  const dlg = page.locator('.el-dialog', { hasText: '注销该户' });
  await dlg.waitFor();
  assert.match(await dlg.innerText(), /已迁出/);
  await page.getByTestId('hh-close-note').fill('全家迁往外地');
  await page.getByTestId('hh-close-confirm').click();
  await page.getByTestId('hh-drawer').getByText('已注销').first().waitFor();
  assert.equal(await page.getByTestId('hh-close').count(), 0);
  const r = await api('GET', `/households?q=${encodeURIComponent(moved)}&status=all&page_size=20`);
  assert.equal(r.body.items[0].status, 'closed');
  assertClean(page, assert);
  await page.close_all();
});

test('组织架构：街道看到33个社区且户数人数与接口一致；社区、网格员只看到本单位', async () => {
  const page = await newPage();
  await login(page, 'jiedao');
  await page.goto(env.base + '/org');
  const tree = page.getByTestId('org-tree');
  await tree.locator('.el-tree-node .el-tree-node .org-node').first().waitFor();
  const api = await apiAs('jiedao');
  const communities = (await api('GET', '/org-units?parent_id=1')).body.items;
  assert.equal(communities.length, 33);
  const nodes = tree.locator('.el-tree-node .el-tree-node .org-node');
  assert.equal(await nodes.count(), 33);
  for (const c of communities.slice(0, 33)) {
    const text = await page.getByTestId(`org-node-${c.id}`).innerText();
    assert.ok(text.includes(c.name), c.name);
    assert.ok(text.includes(`${c.household_count.toLocaleString('zh-CN')} 户 · ${c.resident_count.toLocaleString('zh-CN')} 人`),
      `${c.name}: ${text}`);
  }
  // A community's panel: leader phone masked, boundary shown either way.
  await page.getByTestId(`org-node-${communities[0].id}`).click();
  await page.getByTestId('org-boundary').filter({ hasText: /已设置|未设置/ }).waitFor();
  assert.doesNotMatch(await page.getByTestId('org-detail').innerText(), new RegExp(communities[0].leader_phone));
  await shot(page, 'org-tree');
  assertClean(page, assert);
  await page.close_all();

  for (const [user, name, kind] of [['shequ01', '中山社区', '社区'], ['wangge0101', '第一网格', '网格']]) {
    const p = await newPage();
    await login(p, user);
    await p.goto(env.base + '/org');
    const roots = p.getByTestId('org-tree').locator(':scope > .el-tree-node');
    await roots.first().locator('.org-node').first().waitFor();
    assert.equal(await roots.count(), 1, user);
    const t = await roots.first().locator('.org-node').first().innerText();
    assert.ok(t.includes(name) && t.includes(kind), `${user}: ${t}`);
    await p.close_all();
  }
});

test('组织架构：社区工作人员在网格下新增楼栋，再修改楼长和电话（树中电话脱敏）', async () => {
  const page = await newPage();
  await login(page, 'shequ01');
  await page.goto(env.base + '/org');
  const api = await apiAs('shequ01');
  const grid = (await api('GET', '/org-units?parent_id=2')).body.items.find((u) => u.name === '第三网格');
  await page.getByTestId(`org-node-${grid.id}`).click();
  await page.getByTestId('org-add').click();
  const name = `${unique()}苑`;
  await page.getByTestId('org-form-name').fill(name);
  await page.getByTestId('org-form-save').click();
  await page.getByTestId('org-form').waitFor({ state: 'hidden' });
  const made = (await api('GET', `/org-units?parent_id=${grid.id}`)).body.items.find((u) => u.name === name);
  assert.ok(made, '新楼栋已建');
  await page.getByTestId(`org-node-${made.id}`).click();
  await page.getByTestId('org-edit').click();
  await page.getByTestId('org-form-leader').fill(`楼长${unique()}`);
  await page.getByTestId('org-form-phone').fill('13912345678');
  await page.getByTestId('org-form-save').click();
  await page.getByTestId(`org-node-${made.id}`).filter({ hasText: '139****5678' }).waitFor();
  const after = (await api('GET', `/org-units/${made.id}`)).body;
  assert.equal(after.leader_phone, '13912345678');
  assertClean(page, assert);
  await page.close_all();
});

test('迁入申请：一个社区发起，原登记社区同意后居民迁入', async () => {
  // The person, registered in 五屯社区 (shequ02) in a household of their own.
  const other = await apiAs('shequ02');
  const grids = (await other('GET', '/org-units?parent_id=70')).body.items;
  const hh = await other('POST', '/households', { grid_id: grids[0].id, address: `五屯${unique()}巷` });
  assert.equal(hh.status, 201, JSON.stringify(hh.body));
  const id = idNumber();
  const res = await other('POST', '/residents', { household_id: hh.body.id, id_number: id, name: `魏${unique()}`, relation: '户主' });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  // The receiving household, in 中山社区 (shequ01).
  const mine = await apiAs('shequ01');
  const addr = `迁入${unique()}街`;
  const target = await mine('POST', '/households', { grid_id: 3, address: addr });
  assert.equal(target.status, 201);

  const page = await newPage();
  await login(page, 'shequ01');
  await page.goto(env.base + '/transfers');
  await page.getByTestId('tr-new').click();
  await page.getByTestId('tr-form-id').fill(id);
  await page.getByTestId('tr-form-household').click();
  await page.getByTestId('tr-form-household').locator('input').fill(addr);
  await page.locator('.el-select-dropdown__item:visible', { hasText: addr }).first().click();
  await page.getByTestId('tr-form-note').fill('投靠子女');
  await page.getByTestId('tr-form-save').click();
  await page.getByTestId('tr-state').filter({ hasText: '待审核' }).waitFor();
  // The receiving side sees the name masked and may only withdraw.
  assert.match(await page.getByTestId('tr-drawer').innerText(), /魏\*/);
  assert.equal(await page.getByTestId('tr-accept').count(), 0);
  await page.getByTestId('tr-withdraw').waitFor();
  await page.close_all();

  const rel = await newPage();
  await login(rel, 'shequ02');
  await rel.goto(env.base + '/transfers');
  const trRow = rel.getByTestId('tr-table').locator('.el-table__row', { hasText: '投靠' }).or(
    rel.getByTestId('tr-table').locator('.el-table__row').first());
  await trRow.first().waitFor();
  await shot(rel, 'transfers');
  const list = await other('GET', '/transfers?status=requested&page_size=20');
  const mineTr = list.body.items.find((t) => t.person && t.person.resident_id === res.body.id);
  assert.ok(mineTr, '原登记社区列表中有该申请');
  await rel.getByTestId(`tr-open-${mineTr.id}`).click();
  await rel.getByTestId('tr-accept').click();
  const prompt = rel.locator('.el-message-box').last();
  await prompt.waitFor();
  await prompt.locator('textarea').fill('同意迁出');
  await prompt.getByRole('button', { name: '同意' }).click();
  await rel.getByTestId('tr-state').filter({ hasText: '已同意' }).waitFor();
  assert.match(await rel.getByTestId('tr-timeline').innerText(), /同意迁出/);
  const now = await mine('GET', `/residents/${res.body.id}`);
  assert.equal(now.body.household_id, target.body.id);
  assertClean(rel, assert);
  await rel.close_all();
});

test('网格员直接输入其他网格的户地址：显示未找到，不显示该户', async () => {
  const other = await apiAs('shequ02');
  const theirs = (await other('GET', '/households?page_size=20')).body.items[0];
  const page = await newPage();
  await login(page, 'wangge0101');
  await page.goto(env.base + `/households?id=${theirs.id}`);
  const nf = page.getByTestId('hh-not-found');
  await nf.waitFor();
  assert.match(await nf.innerText(), /不存在|未找到|管辖/);
  assert.ok(!(await page.getByTestId('hh-drawer').innerText()).includes(theirs.code));
  await page.close_all();
});

test('手机（390×844）上网格员的户列表为卡片', async () => {
  const page = await newPage({ width: 390, height: 844 });
  await login(page, 'wangge0101');
  await page.goto(env.base + '/households');
  await page.getByTestId('hh-card').first().waitFor();
  assert.equal(await page.getByTestId('hh-table').count(), 0);
  const box = await page.getByTestId('hh-card').first().boundingBox();
  assert.ok(box.width > 300 && box.height >= 44, JSON.stringify(box));
  const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scroll <= 390, `页面横向滚动 ${scroll}`);
  await shot(page, 'households-phone');
  await page.getByTestId('hh-card').first().click();
  await page.getByTestId('hh-code').waitFor();
  assertClean(page, assert);
  await page.close_all();
});
