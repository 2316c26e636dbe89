// 72-assistance-cases.spec.mjs — 救助申请 (issue 11): community staff
// file a 城市低保 application for a household of their community through
// 新申请 (household, applicant, programme), then take it through 受理,
// 入户调查 (one member counted with a wage typed in yuan: the amount the
// server computes is shown and equals what the API holds), 民主评议 and
// 社区审核, the state and the timeline following each step; a second
// application of the same person is refused with who and which case;
// on a phone the list is cards without horizontal scrolling; a
// grid worker's case page offers no 受理 (the menu lighting 救助申请; on
// a phone without sideways scrolling) and, once rejected, prints the
// decision; street staff's 街道审批 of a case
// on a notice posted today shows the server's 公示 refusal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { env, newPage, login, shot, assertClean, apiAs } from './lib.mjs';
import { fenToYuan } from '../../web/src/lib/money.js';
import { chinaDate } from '../../web/src/lib/chinaDate.js';

// One API session per account for the whole file (a sign-in is slow).
const clients = {};
const as = async (user) => (clients[user] ||= await apiAs(user));

// Households of wangge0101's grid (中山社区, shequ01's) with at least two
// living members and no assistance case yet: [{household, members}].
async function freeHouseholds(n) {
  const grid = await as('wangge0101');
  const sq = await as('shequ01');
  const out = [];
  for (let page = 3; out.length < n && page > 0; page--) {
    const r = await grid('GET', `/households?status=active&page_size=50&page=${page}`);
    for (const h of r.body.items || []) {
      if (out.length >= n || h.member_count < 2) continue;
      const d = await sq('GET', `/households/${h.id}`);
      const members = d.body.members.filter((m) => m.status === 'active');
      if (members.length < 2) continue;
      const taken = await sq('GET', `/assistance/cases?q=${encodeURIComponent(members[0].name)}&page_size=20`);
      if (taken.body.total === 0) out.push({ household: d.body, members });
    }
  }
  assert.equal(out.length, n, '演示数据中应有未申请救助的户');
  return out;
}

async function pick(page, testId, text, type) {
  await page.getByTestId(testId).click();
  if (type) await page.keyboard.type(type);
  await page.locator('.el-select-dropdown__item:visible', { hasText: text }).first().click();
}

// Takes the step whose button is `action`: fills the dialog (fill(page)),
// saves, and waits for the state tag to read `state`.
async function step(page, action, state, fill) {
  await page.getByTestId('case-act-' + action).click();
  await page.getByTestId('act-dialog').waitFor();
  if (fill) await fill(page);
  await page.getByTestId('act-save').click();
  if (action === 'investigate') return;
  await page.getByTestId('act-dialog').waitFor({ state: 'hidden' });
  await page.getByTestId('case-state').filter({ hasText: state }).waitFor();
}

let filed = null;   // {id, household, members} of the case test 1 files

test('社区：新申请 → 受理 → 入户调查（计入一人、工资收入，显示核算金额）→ 民主评议 → 社区审核；办理记录逐条可见；重复申请被拒', async () => {
  const [hh] = await freeHouseholds(1);
  const applicant = hh.members[0];
  const page = await newPage();
  await login(page, 'shequ01');
  await page.getByTestId('menu-assistance/cases').click();
  await page.waitForURL(/\/assistance\/cases$/);
  await page.getByTestId('cases-table').waitFor();

  await page.getByTestId('cases-new').click();
  await page.getByTestId('case-form').waitFor();
  await pick(page, 'case-form-household', hh.household.code, hh.household.code);
  await pick(page, 'case-form-applicant', applicant.name);
  await pick(page, 'case-form-programme', '城市低保');
  await page.getByTestId('case-form-reason').fill('失业后无固定收入');
  await page.getByTestId('case-form-save').click();
  await page.waitForURL(/\/assistance\/cases\/\d+$/);
  const id = Number(page.url().split('/').pop());
  await page.getByTestId('case-state').filter({ hasText: '已申请' }).waitFor();
  assert.match(await page.getByTestId('case-title').innerText(), new RegExp(`${applicant.name} 城市低保申请`));

  await step(page, 'accept', '已受理');
  await step(page, 'investigate', '', async (p) => {
    await p.getByTestId('act-members').locator('tbody tr').nth(hh.members.length - 1).waitFor();
    await p.getByTestId('act-inv-people').click();
    for (const name of ['王调查', '李调查']) {
      await p.keyboard.type(name);
      await p.keyboard.press('Enter');
    }
    for (let i = 1; i < hh.members.length; i++) await p.getByTestId('act-counted-' + i).click();
    await p.getByTestId('act-inc-add-0').click();
    await p.getByTestId('act-inc-yuan-0-0').fill('200');
    await p.getByTestId('act-inv-conclusion').fill('情况属实');
  });
  const amount = page.getByTestId('act-amount');
  await amount.waitFor();
  const sq = await as('shequ01');
  const c = (await sq('GET', `/assistance/cases/${id}`)).body;
  assert.equal(c.state, 'investigated');
  assert.equal(c.members_counted, 1);
  assert.equal(c.income_fen, 20000);   // 200 元 typed, sent as fen
  assert.ok(c.amount_fen > 0);
  assert.equal(await amount.innerText(), fenToYuan(c.amount_fen, true) + ' 元');
  await page.getByTestId('act-close').click();
  await page.getByTestId('case-state').filter({ hasText: '已调查' }).waitFor();

  await step(page, 'review_pass', '已评议', async (p) => {
    await p.getByTestId('act-rev-people').fill('社区两委成员、居民代表');
  });
  // 社区审核 needs an opinion: refused here without one, nothing sent
  await page.getByTestId('case-act-check').click();
  await page.getByTestId('act-save').click();
  await page.getByTestId('act-dialog').getByText('请填写意见').waitFor();
  await page.getByTestId('act-opinion').fill('审核通过，报街道');
  await page.getByTestId('act-save').click();
  await page.getByTestId('case-state').filter({ hasText: '社区已审核' }).waitFor();

  // 修改银行账户: the number is sent once and shown as its last four digits
  await page.getByTestId('case-bank-edit').click();
  await page.getByTestId('case-bank-name').fill('中国农业银行牡丹支行');
  await page.getByTestId('case-bank-number').fill('6228480012345678');
  await page.getByTestId('case-bank-save').click();
  await page.getByTestId('case-bank').filter({ hasText: '**** 5678' }).waitFor();
  assert.doesNotMatch(await page.locator('.page').innerText(), /6228480012345678/);

  await page.getByRole('tab', { name: '家庭成员与收入' }).click();
  assert.match(await page.getByTestId('case-members-total').innerText(), /计入 1 人，计入成员月收入合计 200\.00 元/);
  await page.getByRole('tab', { name: '办理记录' }).click();
  const rows = page.getByTestId('case-timeline-row');
  await rows.nth(4).waitFor();
  const texts = await rows.allInnerTexts();
  assert.deepEqual(texts.map((t) => t.split(' → ')[0]), ['创建', '受理', '入户调查', '民主评议通过', '社区审核通过']);
  assert.match(texts[4], /社区已审核/);
  assert.match(await page.getByTestId('case-timeline').innerText(), /意见：审核通过，报街道/);
  await shot(page, 'assistance-case');

  // the same person again: 409 with who and which case, shown in the form
  await page.goto(env.base + `/assistance/cases?programme=dibao_urban&household_id=${hh.household.id}&resident_id=${applicant.id}`);
  await page.getByTestId('case-form').waitFor();
  await page.getByTestId('case-form-applicant').filter({ hasText: applicant.name }).waitFor();
  await page.getByTestId('case-form-save').click();
  const conflicts = page.getByTestId('case-form-conflicts');
  await conflicts.waitFor();
  assert.match(await conflicts.innerText(), new RegExp(`${applicant.name}：城市低保（案件 #${id}，社区已审核）`));
  await page.getByTestId('case-form').getByRole('button', { name: '取消' }).click();

  // the list: the case with its state and amount in yuan
  await page.getByTestId('cases-q').fill(applicant.name);
  await page.getByTestId('cases-search').click();
  const row = page.getByTestId('cases-table').locator('tbody tr', { hasText: applicant.name });
  await row.first().waitFor();
  assert.match(await row.first().innerText(), new RegExp(`${id}[\\s\\S]*${applicant.name}[\\s\\S]*\\*{6}[\\s\\S]*城市低保[\\s\\S]*社区已审核[\\s\\S]*${fenToYuan(c.amount_fen, true).replace('.', '\\.')}`));
  await page.getByTestId('cases-q').fill('');
  await page.getByTestId('cases-search').click();
  await shot(page, 'assistance-cases');

  // on a phone the list is cards, and the page never scrolls sideways
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await page.getByTestId('case-card').first().waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, '手机上页面不应横向滚动');
  await shot(page, 'assistance-cases-phone');
  filed = { id, ...hh };
  assertClean(page, assert);
  await page.close_all();
});

test('网格员：自己提交的申请只能撤回，没有受理按钮；不予受理后可打印决定书', async () => {
  const [hh] = await freeHouseholds(1);
  const grid = await as('wangge0101');
  const r = await grid('POST', '/assistance/cases', { programme: 'dibao_urban', household_id: hh.household.id, resident_id: hh.members[0].id });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const page = await newPage();
  await login(page, 'wangge0101');
  await page.goto(env.base + '/assistance/cases/' + r.body.id);
  await page.getByTestId('case-act-withdraw').waitFor();
  assert.equal(await page.getByTestId('case-act-accept').count(), 0, '网格员不应看到受理');
  // the menu lights 救助申请 on a case's page too (layout/AppMenu.vue)
  assert.match(await page.locator('.app-menu [data-test="menu-assistance/cases"]').getAttribute('class'), /is-active/);
  assert.equal(await page.getByTestId('case-print').count(), 0, '未作决定时没有决定书');

  // the case page on the grid worker's phone: the same step, no sideways scrolling
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await page.getByTestId('case-act-withdraw').waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, '手机上案件页不应横向滚动');
  await shot(page, 'assistance-case-phone');
  await page.setViewportSize({ width: 1366, height: 768 });

  // once the community rejects it, the decision prints from the case page
  const sq = await as('shequ01');
  const rej = await sq('POST', `/assistance/cases/${r.body.id}/actions/reject`, { opinion: '家庭收入超过当地低保标准。' });
  assert.equal(rej.status, 200, JSON.stringify(rej.body));
  await page.reload();
  await page.getByTestId('case-print').click();
  await page.waitForURL(/\/decision$/);
  const sheet = page.getByTestId('decision');
  await sheet.waitFor();
  assert.match(await sheet.innerText(), /城市低保不予批准决定书[\s\S]*理由：家庭收入超过当地低保标准。\n/);
  assert.doesNotMatch(await sheet.innerText(), /。。/);
  assertClean(page, assert);
  await page.close_all();
});

test('街道：公示期未满时街道审批被拒，显示服务器的原话', async () => {
  assert.ok(filed, '依赖第一个测试提交的申请');
  const sq = await as('shequ01');
  const n = await sq('POST', '/assistance/notices', { community_id: filed.household.community_id, case_ids: [filed.id], complaint_phone: '13912345678' });
  assert.equal(n.status, 201, JSON.stringify(n.body));
  const posted = await sq('POST', `/assistance/notices/${n.body.id}/post`, { posted_on: chinaDate() });
  assert.equal(posted.status, 200, JSON.stringify(posted.body));

  const page = await newPage();
  await login(page, 'jiedao');
  await page.goto(env.base + '/assistance/cases/' + filed.id);
  await page.getByTestId('case-state').filter({ hasText: '公示中' }).waitFor();
  await page.getByTestId('case-act-approve').click();
  await page.getByTestId('act-opinion').fill('同意');
  await page.getByTestId('act-save').click();
  const err = page.getByTestId('act-error');
  await err.waitFor();
  assert.match(await err.innerText(), /公示期至 .* 结束，期满后方可审批/);
  await page.getByTestId('act-dialog').getByRole('button', { name: '取消' }).click();
  await page.getByTestId('case-state').filter({ hasText: '公示中' }).waitFor();
  assertClean(page, assert);
  await page.close_all();
});
