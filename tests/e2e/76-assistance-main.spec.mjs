// 76-assistance-main.spec.mjs — the main path of social assistance
// (issue 11) from application to the paid figures: a community applies
// for 农村低保 for a new household and takes it through 受理, 入户调查,
// 民主评议 and 社区审核; a 公示 posted 8 days ago; the street approves
// (在保) and records the bank account; then, in the browser, street staff
// generate this month's payment run (资金发放: the run page lists the
// case's line, a second run of the month is refused with a link to the
// first), the four-eyes refusal when the computer freezes it, a second
// street account freezes it, the bank file (.xlsx) carries the case's
// line, the bank's return (a bad file refused row by row, then the
// right one marks the line 已发), a 补发 against the run, and 救助统计
// shows the programme's figures to the street and to the viewer (部门).
// The steps whose pages belong to other parts (cases: the application
// and its steps; notices: the 公示) go through apiAs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { env, newPage, login, shot, assertClean, apiAs, menuItems, cli, OUT, citizenId, chineseWord } from './lib.mjs';
import { readSheet } from './xlsx.mjs';
import { fenToYuan } from '../../web/src/lib/money.js';
import { chinaDate as beijing, chinaMonth as thisMonth } from '../../web/src/lib/chinaDate.js';

const PROGRAMME = 'dibao_rural';
const REVIEWER = 'e2e_fuhe';
const REVIEWER_PW = 'Fuhe#2026check';

function ok(r, status, what) {
  assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
  return r.body;
}

// A case of `name` in 在保 with a bank account, taken there through the
// API (the case and notice pages are the cases and notices parts').
async function activeCase(name) {
  const sq = await apiAs('shequ01');
  const jd = await apiAs('jiedao');
  const mine = ok(await sq('GET', '/org-units'), 200, '社区').items[0];
  const grid = ok(await sq('GET', '/org-units?parent_id=' + mine.id), 200, '网格').items[0];
  const hh = ok(await sq('POST', '/households', { grid_id: grid.id, address: `东坊村${chineseWord(3)}巷` }), 201, '建户');
  const who = ok(await sq('POST', '/residents',
    { household_id: hh.id, id_number: citizenId(1958), name, relation: '户主', hukou_type: '农村' }), 201, '登记居民');
  // apply (the cases part's 申请 page) and the community's steps
  const c = ok(await sq('POST', '/assistance/cases',
    { programme: PROGRAMME, household_id: hh.id, resident_id: who.id, reason: '因病致贫，无劳动能力' }), 201, '申请');
  assert.equal(c.area, 'rural');
  const step = async (as, action, body) => ok(await as('POST', `/assistance/cases/${c.id}/actions/${action}`, body), 200, action);
  await step(sq, 'accept', { opinion: '材料齐全，予以受理' });
  await step(sq, 'investigate', {
    investigation: { investigated_on: beijing(0), investigators: ['王调查', '李调查'], conclusion: '家庭收入低于标准' },
    members: [{ resident_id: who.id, relation: '本人', incomes: [{ source: 'agriculture', monthly_fen: 15000 }] }],
  });
  await step(sq, 'review_pass', { review: { held_on: beijing(0), participants: ['村民代表甲', '村民代表乙'], votes_for: 11 } });
  assert.equal((await step(sq, 'check', { opinion: '审核通过，报街道审批' })).state, 'checked');
  // 公示 (the notices part's pages): drafted and recorded as posted 8 days ago
  const n = ok(await sq('POST', '/assistance/notices',
    { community_id: mine.id, case_ids: [c.id], complaint_phone: '05306660000' }), 201, '公示');
  ok(await sq('POST', `/assistance/notices/${n.id}/post`, { posted_on: beijing(8) }), 200, '张榜');
  // 街道审批 and the account (the case page)
  const approved = await step(jd, 'approve', { opinion: '同意，自本月起享受' });
  assert.equal(approved.state, 'active');
  const account = '62284800' + String(Math.floor(Math.random() * 1e8)).padStart(8, '0');
  ok(await jd('PUT', `/assistance/cases/${c.id}/bank`,
    { bank_name: '农村商业银行', account_name: name, account_number: account, version: approved.version }), 200, '发放账户');
  return { id: c.id, account, residentId: who.id };
}

// A second street account (the CLI, as 10-login's new account) past its
// initial password: the four eyes need someone else to freeze.
async function reviewer() {
  cli(['user', 'add', REVIEWER, '--role', 'street', '--org', '371702001', '--name', '复核员'],
    { MINSHENG_PASSWORD: 'Chushi#2026pw' });
  const first = await apiAs(REVIEWER, 'Chushi#2026pw');
  ok(await first('POST', '/auth/password', { old_password: 'Chushi#2026pw', new_password: REVIEWER_PW }), 200, '修改初始密码');
}

test('社会救助主流程：申请→公示→审批→生成发放批次→四眼复核冻结→银行文件→救助统计', { timeout: 240000 }, async () => {
  const name = '乡' + chineseWord(2);
  const kase = await activeCase(name);
  const jd = await apiAs('jiedao');
  const month = thisMonth();
  // a second case whose beneficiary is then recorded dead: the run holds it
  const heldName = '乡' + chineseWord(2);
  const held = await activeCase(heldName);
  ok(await (await apiAs('shequ01'))('POST', `/residents/${held.residentId}/status`, { status: 'deceased' }), 200, '登记死亡');

  // 资金发放 from the menu: generate this month's run of 农村低保
  const page = await newPage();
  await login(page, 'jiedao');
  assert.ok((await menuItems(page)).includes('assistance/runs'), '街道的菜单应有资金发放');
  await page.getByTestId('menu-assistance/runs').click();
  await page.waitForURL(/\/assistance\/runs$/);
  await page.getByTestId('runs-new').click();
  const form = page.getByTestId('run-form');
  await form.waitFor();
  await page.locator('.el-select[data-test="run-form-programme"]').click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: '农村低保' }).click();
  assert.equal(await page.getByTestId('run-form-month').locator('input').inputValue(), month, '默认为本月');
  await page.getByTestId('run-form-save').click();
  await page.waitForURL(/\/assistance\/runs\/\d+$/);
  const runId = Number(page.url().split('/').pop());

  // the run page: our line with its amount, standard and masked account
  const run = ok(await jd('GET', `/assistance/runs/${runId}?page_size=100`), 200, '批次');
  const line = run.lines.items.find((l) => l.case_id === kase.id);
  assert.ok(line, '本月批次应含该案件');
  assert.equal(line.amount_fen, line.standard_fen - 15000, '农村低保：标准 × 1 人 − 月收入 150 元');
  const row = page.getByTestId('run-lines').locator('tbody tr', { hasText: name });
  await row.waitFor();
  const rowText = await row.innerText();
  assert.match(rowText, new RegExp(`${fenToYuan(line.amount_fen, true).replace('.', '\\.')}[\\s\\S]*${fenToYuan(line.standard_fen, true).replace('.', '\\.')}`));
  assert.ok(rowText.includes('**** ' + kase.account.slice(-4)), '账号只显示末四位');
  assert.ok(!rowText.includes(kase.account), '完整账号不应出现在页面上');
  assert.match(rowText, /待发/);
  assert.equal(await page.getByTestId('run-total').innerText(), fenToYuan(run.run.total_fen, true));
  assert.match(await page.getByTestId('run-status').innerText(), /草稿/);
  // the held panel: the dead beneficiary, with the server's reason, and no line
  assert.ok(run.holds.some((h) => h.case_id === held.id), '死亡登记的案件应暂停发放');
  assert.ok(!run.lines.items.some((l) => l.case_id === held.id));
  const holdRow = page.getByTestId('run-holds').locator('tbody tr', { hasText: heldName });
  await holdRow.waitFor();
  assert.match(await holdRow.innerText(), /登记为死亡\/迁出/);
  assert.match(await page.getByTestId('run-holds').innerText(), new RegExp(`暂停发放 ${run.holds.length} 人`));
  await shot(page, 'assistance-run-draft');

  // the four eyes: the one who computed it may not freeze it
  await page.getByTestId('run-freeze').click();
  await page.locator('.el-message-box').getByRole('button', { name: '复核冻结' }).click();
  const refusal = page.getByTestId('run-freeze-error');
  await refusal.waitFor();
  assert.match(await refusal.innerText(), /复核人不能与计算人相同/);
  assert.match(await page.getByTestId('run-status').innerText(), /草稿/);

  // a second run of the same month: the server's 409, with a link to this one
  await page.goto(env.base + '/assistance/runs');
  await page.getByTestId('runs-table').locator('tbody tr', { hasText: month }).first().waitFor();
  await shot(page, 'assistance-runs');
  await page.getByTestId('runs-new').click();
  await page.locator('.el-select[data-test="run-form-programme"]').click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: '农村低保' }).click();
  await page.getByTestId('run-form-save').click();
  const conflict = page.getByTestId('run-form-conflict');
  await conflict.waitFor();
  assert.match(await conflict.innerText(), new RegExp(`该月已生成发放批次（#${runId}）`));
  await page.getByTestId('run-form-existing').click();
  await page.waitForURL(new RegExp(`/assistance/runs/${runId}$`));
  assertClean(page, assert);
  await page.close_all();

  // another street account freezes it
  await reviewer();
  const rv = await newPage();
  await login(rv, REVIEWER, REVIEWER_PW);
  await rv.goto(env.base + `/assistance/runs/${runId}`);
  // the menu lights 资金发放 on a run's page too (layout/AppMenu.vue)
  assert.match(await rv.locator('.app-menu [data-test="menu-assistance/runs"]').getAttribute('class'), /is-active/);
  await rv.getByTestId('run-freeze').click();
  await rv.locator('.el-message-box').getByRole('button', { name: '复核冻结' }).click();
  await rv.getByTestId('run-frozen-by').waitFor();
  assert.match(await rv.getByTestId('run-status').innerText(), /已冻结/);
  assert.match(await rv.getByTestId('run-frozen-by').innerText(), /复核员/);
  assert.equal(await rv.getByTestId('run-freeze').count(), 0, '冻结后不再有复核按钮');
  assert.equal(await rv.getByTestId('run-compute').count(), 0, '冻结后不能重新计算');

  // the bank file: an .xlsx whose rows carry the case's line in full
  const [dl] = await Promise.all([rv.waitForEvent('download'), rv.getByTestId('run-bank-xlsx').click()]);
  assert.match(dl.suggestedFilename(), /\.xlsx$/);
  const file = path.join(OUT, 'assistance-bank.xlsx');
  await dl.saveAs(file);
  const { rows } = readSheet(fs.readFileSync(file));
  const cells = Object.values(rows).map((r) => Object.values(r).map((c) => c.text));
  const ours = cells.find((r) => r.includes(name));
  assert.ok(ours, '银行文件应有该对象的一行');
  assert.ok(ours.includes(kase.account), '银行文件中账号为全号');
  assert.ok(ours.some((t) => Math.round(Number(t) * 100) === line.amount_fen), `金额应为 ${fenToYuan(line.amount_fen)} 元`);
  assert.ok(cells.some((r) => r.some((t) => /合计/.test(t))), '银行文件应有合计行');
  await rv.getByTestId('run-head').getByText('未导出').waitFor({ state: 'detached' });

  // the bank's return: a file naming a line not in the run is refused
  // row by row (nothing written); the right one marks our line 已发
  const badFile = path.join(OUT, 'assistance-return-bad.csv');
  const goodFile = path.join(OUT, 'assistance-return.csv');
  fs.writeFileSync(badFile, `明细号,结果,备注\n${line.id},成功,\n99999999,成功,\n`);
  fs.writeFileSync(goodFile, `明细号,结果,备注\n${line.id},成功,已入账\n`);
  await rv.getByTestId('run-return').click();
  await rv.getByTestId('run-return-file').setInputFiles(badFile);
  await rv.getByTestId('run-return-submit').click();
  const errs = rv.getByTestId('run-return-errors');
  await errs.waitFor();
  assert.match(await errs.innerText(), /3[\s\S]*明细号 99999999 不在本发放批次中/);
  assert.equal(ok(await jd('GET', `/assistance/runs/${runId}?page_size=100`), 200, '批次')
    .lines.items.find((l) => l.id === line.id).status, 'pending', '被拒的回盘不应改动任何一行');
  await rv.getByTestId('run-return-file').setInputFiles(goodFile);
  await rv.getByTestId('run-return-submit').click();
  const done = rv.getByTestId('run-return-result');
  await done.waitFor();
  assert.match(await done.innerText(), /已发 1 笔，失败 0 笔，本次改动 1 笔/);
  await rv.getByTestId('run-return-dialog').getByRole('button', { name: '关闭', exact: true }).click();
  assert.match(await rv.getByTestId('run-lines').locator('tbody tr', { hasText: name }).innerText(), /已发[\s\S]*已入账/);

  // 补发 for the case against this run: typed in yuan, stored in fen,
  // waiting for the programme's next run
  await rv.getByTestId('adj-new').click();
  await rv.getByTestId('adj-form').waitFor();
  await rv.locator('.el-select[data-test="adj-case"]').click();
  await rv.locator('.el-select-dropdown__item:visible', { hasText: name }).click();
  await rv.getByTestId('adj-amount').fill('12.5');
  await rv.getByTestId('adj-reason').fill('少算一天');
  await rv.getByTestId('adj-save').click();
  await rv.getByTestId('adj-form').waitFor({ state: 'hidden' });
  const adjRow = rv.getByTestId('run-adjustments').locator('tbody tr', { hasText: name });
  await adjRow.waitFor();
  assert.match(await adjRow.innerText(), /补发[\s\S]*12\.50[\s\S]*少算一天[\s\S]*待下一批次/);
  const adj = ok(await jd('GET', `/assistance/adjustments?case_id=${kase.id}&page_size=20`), 200, '补发').items[0];
  assert.equal(adj.amount_fen, 1250);
  assert.equal(adj.corrects_run_id, runId);
  await shot(rv, 'assistance-run');

  // 救助统计: the programme's figures, as the summary API counts them
  const sum = ok(await jd('GET', `/assistance/summary?from=${month}&to=${month}`), 200, '统计');
  const prog = sum.programmes.find((p) => p.code === PROGRAMME);
  assert.ok(prog && prog.total_fen >= line.amount_fen && prog.households >= 1);
  assert.ok((await menuItems(rv)).includes('assistance/summary'));
  await rv.getByTestId('menu-assistance/summary').click();
  await rv.waitForURL(/\/assistance\/summary$/);
  // the page opens on the last twelve months (the demo's frozen months and this one)
  const progRow = rv.getByTestId('sum-table').locator('tbody tr', { hasText: '农村低保' });
  await progRow.waitFor();
  const from12 = await rv.getByTestId('sum-from').locator('input').inputValue();
  const shown = ok(await jd('GET', `/assistance/summary?from=${from12}&to=${month}`), 200, '统计');
  const shownProg = shown.programmes.find((p) => p.code === PROGRAMME);
  assert.match(await progRow.innerText(),
    new RegExp(`农村低保\\s+${shownProg.households}\\s+${shownProg.people}\\s+${fenToYuan(shownProg.total_fen, true).replace('.', '\\.')}`));
  const totalRow = rv.getByTestId('sum-table').locator('tbody tr', { hasText: '合计' });
  assert.ok((await totalRow.innerText()).includes(fenToYuan(shown.total.total_fen, true)));
  // the charts carry the period's fen: the pie the total, the bars too
  const pie = rv.locator('[data-test="sum-chart-share"]');
  await pie.waitFor();
  await rv.waitForFunction(() => document.querySelector('[data-test="sum-chart-share"]').dataset.total);
  const yearSum = ok(await jd('GET', `/assistance/summary?from=${await rv.getByTestId('sum-from').locator('input').inputValue()}&to=${month}`), 200, '统计');
  assert.equal(Number(await pie.getAttribute('data-total')), yearSum.total.total_fen);
  assert.equal(Number(await rv.locator('[data-test="sum-chart-months"]').getAttribute('data-total')), yearSum.total.total_fen);
  await shot(rv, 'assistance-summary');
  assertClean(rv, assert);
  await rv.close_all();

  // the viewer (部门) reads the figures, nothing of the runs
  const vw = await newPage();
  await login(vw, 'bumen');
  const items = await menuItems(vw);
  assert.ok(items.includes('assistance/summary'), '部门应能看救助统计');
  assert.ok(!items.includes('assistance/runs'), '部门不应看到资金发放');
  await vw.goto(env.base + '/assistance/summary');
  await vw.getByTestId('sum-table').locator('tbody tr', { hasText: '农村低保' }).waitFor();
  assert.equal(await vw.getByText(name).count(), 0, '统计页不含姓名');
  await vw.goto(env.base + `/assistance/runs/${runId}`);
  await vw.waitForURL(/\/403/);
  assertClean(vw, assert);
  await vw.close_all();
});
