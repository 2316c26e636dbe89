// 74-assistance-notices.spec.mjs — 公示, 近亲属备案 and 政策找人 pages
// (issue 11): a 城市低保 case of a new household is driven to 社区已审核
// through the API; in the browser community staff make a notice of it
// (新建公示), post it dated 8 days ago (张榜), see the case move to 公示中,
// open the A4 print page (the name masked 张*明, no ID number, the
// complaint phone and the street) and register an objection; street
// staff resolve it as 异议不成立; street staff add a 近亲属备案 (the ID
// number checked in the browser first) and see it listed with its number
// masked; an approved case's re-review is listed in 复核到期 and, once
// its beneficiary is recorded deceased, 扫描登记变更 puts it on 停保预警;
// 政策找人 shows a count per kind and 发起申请 links carrying the
// prefill the application form reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { env, newPage, login, shot, assertClean, apiAs, citizenId } from './lib.mjs';
import { chinaDate } from '../../web/src/lib/chinaDate.js';

const rnd = (n) => Math.floor(Math.random() * n);
const GIVEN = '翊曦瑾珩琰璟玥芃菡霁沅汐岚昀晟煜';
const pick = () => GIVEN[rnd(GIVEN.length)];

// A 城市低保 case in 社区已审核 of a new one-person household in a grid of
// community staff `who`: {caseId, name, idNumber}.
async function checkedCase(who) {
  const api = await apiAs(who);
  const me = (await api('GET', '/auth/me')).body;
  const grids = (await api('GET', `/org-units?parent_id=${me.org_unit.id}`)).body.items;
  const hh = await api('POST', '/households', { grid_id: grids[0].id, address: `公示测试${pick()}${pick()}巷` });
  assert.equal(hh.status, 201, JSON.stringify(hh.body));
  const name = `张${pick()}明`, idn = citizenId(1970);
  const res = await api('POST', '/residents', { household_id: hh.body.id, id_number: idn, name, relation: '户主' });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const c = await api('POST', '/assistance/cases', { programme: 'dibao_urban', household_id: hh.body.id, resident_id: res.body.id });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  const id = c.body.id, today = chinaDate(0);
  const steps = [
    ['accept', {}],
    ['investigate', { investigation: { investigated_on: today, investigators: ['王调查', '李调查'] },
      members: [{ resident_id: res.body.id, relation: '本人', incomes: [{ source: 'wage', monthly_fen: 30000 }] }] }],
    ['review_pass', { review: { held_on: today, participants: ['居民代表甲', '居民代表乙'], votes_for: 9, votes_against: 0, votes_abstain: 0 } }],
    ['check', { opinion: '审核通过' }],
  ];
  for (const [action, body] of steps) {
    const r = await api('POST', `/assistance/cases/${id}/actions/${action}`, body);
    assert.equal(r.status, 200, `${action}: ${JSON.stringify(r.body)}`);
  }
  return { caseId: id, residentId: res.body.id, name, idNumber: idn };
}

async function pickDate(page, testId, date) {
  const input = page.getByTestId(testId).locator('input');
  await input.fill(date);
  await input.press('Enter');
}

test('公示：新建 → 张榜（8 天前）→ 打印页只有脱敏姓名 → 登记异议 → 街道处理为不成立 → 审批后见于复核到期，死亡后扫描见于停保预警', async () => {
  const k = await checkedCase('shequ01');
  const page = await newPage();
  await login(page, 'shequ01');
  await page.getByTestId('menu-assistance/notices').click();
  await page.waitForURL(/\/assistance\/notices$/);
  await page.getByTestId('notice-new').click();
  const form = page.getByTestId('notice-form');
  await form.waitFor();
  const caseCell = page.getByTestId('notice-case-' + k.caseId);
  await caseCell.waitFor();
  await page.locator('tr', { has: caseCell }).locator('.el-checkbox').click();
  await page.getByTestId('notice-phone').fill('0530-5312345');
  await page.getByTestId('notice-save').click();
  await page.waitForURL(/\/assistance\/notices\/\d+$/);
  const noticeId = Number(page.url().split('/').pop());
  assert.equal(await page.getByTestId('notice-status').innerText(), '草稿');
  assert.match(await page.getByTestId('notice-rows').innerText(), /张\*明/);

  // 张榜 dated 8 days ago: a 7-day notice whose period is over
  await page.getByTestId('notice-post').click();
  await pickDate(page, 'post-date', chinaDate(8));
  await page.getByTestId('post-save').click();
  await page.getByTestId('post-dialog').waitFor({ state: 'hidden' });
  await page.getByTestId('notice-period').getByText(`${chinaDate(8)} 至 ${chinaDate(2)}`).waitFor();
  assert.equal(await page.getByTestId('notice-status').innerText(), '已结束');
  const api = await apiAs('shequ01');
  const c = (await api('GET', `/assistance/cases/${k.caseId}`)).body;
  assert.equal(c.state, 'noticed', '张榜后案件应进入公示中');

  // the print page: exactly the notice's public text
  await page.getByTestId('notice-print').click();
  await page.waitForURL(/\/print$/);
  const sheet = page.getByTestId('notice-sheet');
  await sheet.waitFor();
  const text = await sheet.innerText();
  assert.match(text, /张\*明/);
  assert.match(text, /0530-5312345/);
  assert.match(text, /丹阳街道/);
  assert.match(text, /780\.00|[0-9,]+\.\d\d/);
  const whole = await page.locator('body').innerText();
  assert.ok(!whole.includes(k.name), '打印页不应出现完整姓名');
  assert.ok(!whole.includes(k.idNumber) && !whole.includes(k.idNumber.slice(6, 14)), '打印页不应出现身份证号');
  assert.ok(await page.getByTestId('print-now').isVisible());
  await shot(page, 'assistance-notice-print');
  await page.emulateMedia({ media: 'print' });
  assert.ok(!(await page.getByTestId('print-now').isVisible()), '打印时不显示按钮');
  assert.ok(!(await page.locator('.app-aside').isVisible()), '打印时不显示菜单');
  await page.emulateMedia({ media: 'screen' });

  // an objection, received 7 days ago (inside the period)
  await page.goto(page.url().replace(/\/print$/, ''));
  await page.getByTestId('objection-new').click();
  await page.getByTestId('objection-form').waitFor();
  await pickDate(page, 'objection-date', chinaDate(7));
  await page.getByTestId('objection-content').fill('反映该户有经营收入未申报');
  await page.getByTestId('objection-save').click();
  await page.getByTestId('objection-form').waitFor({ state: 'hidden' });
  await page.getByTestId('objections-table').getByText('反映该户有经营收入未申报').waitFor();
  assert.equal(await page.locator('[data-test^="objection-resolve-"]').count(), 0, '社区不能处理异议');
  assertClean(page, assert);
  await page.close_all();

  // street staff resolve it: dismissed
  const street = await newPage();
  await login(street, 'jiedao');
  await street.goto(env.base + `/assistance/notices/${noticeId}`);
  const objs = (await api('GET', `/assistance/objections?notice_id=${noticeId}`)).body.items;
  assert.equal(objs.length, 1);
  await street.getByTestId('objection-resolve-' + objs[0].id).click();
  await street.getByTestId('resolve-form').waitFor();
  await street.getByTestId('resolve-dismissed').click();
  await street.getByTestId('resolve-text').fill('经入户核实，收入已计入，异议不成立');
  await street.getByTestId('resolve-save').click();
  await street.getByTestId('resolve-form').waitFor({ state: 'hidden' });
  await street.getByTestId('objections-table').getByText('异议不成立').first().waitFor();
  const after = (await api('GET', `/assistance/objections?notice_id=${noticeId}`)).body.items[0];
  assert.equal(after.status, 'dismissed');
  await shot(street, 'assistance-notice');
  await street.getByTestId('menu-assistance/notices').click();
  await street.getByTestId('notice-open-' + noticeId).waitFor();
  await shot(street, 'assistance-notices');

  // approved (the period is over, the objection dismissed): its re-review
  // shows in 复核到期 within a year, a link to the case page
  const jd = await apiAs('jiedao');
  const ok = await jd('POST', `/assistance/cases/${k.caseId}/actions/approve`, { opinion: '同意' });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.state, 'active');
  await street.getByTestId('menu-assistance/reviews').click();
  await street.getByTestId('reviews-within').click();
  await street.locator('.el-select-dropdown__item:visible', { hasText: '一年内到期' }).click();
  // the demo street's own re-reviews come first (soonest due): ours, a year
  // away, is on the last page
  await street.getByTestId('reviews-table').locator('tbody tr').first().waitFor();
  const pages = street.locator('.el-pager li.number');
  if (await pages.count() > 1)
    await pages.last().click();
  const reviewLink = street.getByTestId('review-case-' + k.caseId);
  await reviewLink.waitFor();
  assert.equal(await reviewLink.innerText(), k.name);
  await shot(street, 'assistance-reviews');
  await reviewLink.click();
  await street.waitForURL(new RegExp(`/assistance/cases/${k.caseId}$`));

  // the beneficiary dies: 扫描登记变更 puts the case on 停保预警 (死亡)
  const dead = await api('POST', `/residents/${k.residentId}/status`, { status: 'deceased' });
  assert.equal(dead.status, 200, JSON.stringify(dead.body));
  await street.goto(env.base + '/assistance/flags');
  await street.getByTestId('flags-table').waitFor();
  assert.equal(await street.getByTestId('flag-case-' + k.caseId).count(), 0, '扫描前不应有预警（读取不扫描）');
  await street.getByTestId('flags-sweep').click();
  await street.getByText(/已处理登记变更 \d+ 条/).waitFor();
  const flagRow = street.getByTestId('flags-table').locator('tr', { has: street.getByTestId('flag-case-' + k.caseId) });
  await flagRow.waitFor();
  assert.match(await flagRow.innerText(), /死亡/);
  await shot(street, 'assistance-flags');
  assertClean(street, assert);
  await street.close_all();
});

test('近亲属备案：街道新增（浏览器先校验身份证号）并在列表中看到脱敏号码；政策找人每类有数，可发起申请', async () => {
  const page = await newPage();
  await login(page, 'jiedao');
  await page.getByTestId('menu-assistance/relatives').click();
  await page.waitForURL(/\/assistance\/relatives$/);
  await page.getByTestId('relative-new').click();
  await page.getByTestId('relative-form').waitFor();
  await page.getByTestId('relative-self').click();
  await page.getByTestId('relative-post').click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: '低保经办人员' }).click();
  const rel = `李${pick()}${pick()}`;
  await page.getByTestId('relative-name').fill(rel);
  await page.getByTestId('relative-relation').click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: '兄弟姐妹' }).click();
  const idn = citizenId(1980);
  // a wrong check digit is refused here, nothing sent
  await page.getByTestId('relative-idno').fill(idn.slice(0, 17) + (idn[17] === '0' ? '1' : '0'));
  await page.getByTestId('relative-save').click();
  await page.getByTestId('relative-form').getByText('身份证号校验位错误').waitFor();
  await page.getByTestId('relative-idno').fill(idn);
  await page.getByTestId('relative-save').click();
  await page.getByTestId('relative-form').waitFor({ state: 'hidden' });
  const row = page.getByTestId('relatives-table').locator('tr', { hasText: rel });
  await row.waitFor();
  const rowText = await row.innerText();
  assert.match(rowText, /兄弟姐妹/);
  assert.ok(rowText.includes(idn.slice(0, 6)) && !rowText.includes(idn.slice(6, 14)), '列表只显示脱敏号码');
  await shot(page, 'assistance-relatives');

  await page.getByTestId('menu-assistance/policy-find').click();
  await page.waitForURL(/\/assistance\/policy-find$/);
  const api = await apiAs('jiedao');
  const summary = (await api('GET', '/assistance/policy-find/summary')).body.items;
  assert.ok(summary.length >= 4);
  for (const s of summary) {
    const badge = page.getByTestId('pf-count-' + s.kind);
    await badge.waitFor();
    assert.equal((await badge.innerText()).trim(), String(s.count > 9999 ? '9999+' : s.count), s.kind);
  }
  const first = summary[0];
  if (first.count > 0) {
    const link = page.getByTestId('pf-apply').first();
    await link.waitFor();
    const href = await link.getAttribute('href');
    const u = new URL(href, 'http://x');
    assert.equal(u.pathname, '/assistance/cases');
    assert.equal(u.searchParams.get('apply'), '1');
    assert.equal(u.searchParams.get('programme'), first.programme);
    assert.equal(u.searchParams.get('source'), 'policy_find');
    assert.match(u.searchParams.get('household_id'), /^\d+$/);
    assert.match(u.searchParams.get('resident_id'), /^\d+$/);
  }
  await shot(page, 'assistance-policy-find');
  assertClean(page, assert);
  await page.close_all();
});
