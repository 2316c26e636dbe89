// 84-mediation.spec.mjs — 人民调解 (issue 12): street staff add a
// mediator to the directory (the phone shown masked in the list); a
// community's staff file a case (受理调解: a resident of the community
// found by name and an outsider with phone and ID number, the new
// mediator chosen), start it, add a session, record the agreement; the
// printable 调解协议书 shows the parties with masked ID numbers and the
// agreed text; then 回访 (满意) and 结案, the timeline following each
// step, and the figures page shows the server's rates. A grid worker
// has no 人民调解 menu, and the API refuses them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { env, newPage, login, shot, menuItems, assertClean, apiAs, citizenId, chineseWord } from './lib.mjs';

const clients = {};
const as = async (user) => (clients[user] ||= await apiAs(user));

// The page without its passing toasts, for a screenshot.
async function shotCalm(page, name) {
  await page.evaluate(() => {
    document.querySelectorAll('.el-message').forEach((e) => e.remove());
    const main = document.querySelector('.app-main');
    if (main) main.scrollTop = 0;
  });
  await shot(page, name);
}

async function pick(page, testId, text, type) {
  await page.getByTestId(testId).click();
  if (type) await page.keyboard.type(type);
  await page.locator('.el-select-dropdown__item:visible', { hasText: text }).first().click();
}

// Takes the step whose button is `action`, fills the dialog, waits for the state.
async function step(page, action, state, fill) {
  await page.getByTestId('medcase-act-' + action).click();
  await page.getByTestId('medact-dialog').waitFor();
  if (fill) await fill(page);
  await page.getByTestId('medact-save').click();
  await page.getByTestId('medact-dialog').waitFor({ state: 'hidden' });
  await page.getByTestId('medcase-state').filter({ hasText: state }).waitFor();
}

const word = chineseWord(2);
const mediatorName = '柳' + word;
const stationName = word + '调解委员会';
const outsider = { name: '程' + chineseWord(2), id: citizenId(1975) };

test('街道新增调解员 → 社区受理调解 → 调解记录 → 达成协议 → 协议书（身份证号隐藏）→ 回访 → 结案；统计页与接口一致', async () => {
  const street = await as('jiedao');
  const st = await street('POST', '/mediation/stations', { org_unit_id: 1, name: stationName, head_name: '周主任', clerk_name: '吴秘书' });
  assert.equal(st.status, 201, JSON.stringify(st.body));

  // street: 新增调解员, the phone masked in the list
  const page = await newPage();
  await login(page, 'jiedao');
  await page.getByTestId('menu-mediation/mediators').click();
  await page.getByTestId('mediators-table').waitFor();
  await page.getByTestId('mediators-new').click();
  await page.getByTestId('mediator-form').waitFor();
  await pick(page, 'mediator-form-station', stationName);
  await page.getByTestId('mediator-form-name').fill(mediatorName);
  await pick(page, 'mediator-form-kind', '律师');
  await pick(page, 'mediator-form-specialties', '邻里纠纷');
  await page.keyboard.press('Escape');
  await page.getByTestId('mediator-form-phone').fill('13800135678');
  await page.getByTestId('mediator-form-save').click();
  await page.getByTestId('mediator-form').waitFor({ state: 'hidden' });
  await page.getByTestId('mediators-q').fill(mediatorName);
  await page.getByTestId('mediators-search').click();
  const row = page.getByTestId('mediators-table').locator('tbody tr', { hasText: mediatorName });
  await row.waitFor();
  assert.equal(await row.getByTestId('mediator-phone').innerText(), '138****5678');
  await shotCalm(page, 'mediation-mediators');
  await page.getByTestId('menu-mediation/stations').click();
  await page.getByTestId('stations-table').locator('tbody tr', { hasText: stationName }).waitFor();
  await shotCalm(page, 'mediation-stations');
  assertClean(page, assert);
  await page.close_all();

  // community: 受理调解 with a resident of the community and an outsider
  const sq = await as('shequ01');
  const residents = (await sq('GET', '/residents?page_size=20&sort=id')).body.items;
  const res = residents.find((r) => r.name.length >= 2);
  const cp = await newPage();
  await login(cp, 'shequ01');
  await cp.getByTestId('menu-mediation/cases').click();
  await cp.getByTestId('medcases-table').waitFor();
  await cp.getByTestId('medcases-new').click();
  await cp.getByTestId('med-form').waitFor();
  await pick(cp, 'med-form-type', '邻里纠纷');
  await pick(cp, 'med-form-mediator', mediatorName, mediatorName);
  await cp.getByTestId('med-form-summary').fill('楼上卫生间漏水，楼下天花板受损，双方就维修和赔偿发生争议。');
  await pick(cp, 'party-resident-0', res.household_code, res.name);
  await cp.getByTestId('party-name-1').fill(outsider.name);
  await cp.getByTestId('party-phone-1').fill('13900001111');
  await cp.getByTestId('party-idno-1').fill(outsider.id);
  await cp.getByTestId('party-address-1').fill('丹阳路五号');
  await shotCalm(cp, 'mediation-case-form');
  await cp.getByTestId('med-form-save').click();
  await cp.waitForURL(/\/mediation\/cases\/\d+$/);
  const id = Number(cp.url().split('/').pop());
  await cp.getByTestId('medcase-state').filter({ hasText: '已受理' }).waitFor();
  assert.equal(await cp.getByTestId('medcase-title').innerText(), `${res.name}与${outsider.name}邻里纠纷`);
  const parties = await cp.getByTestId('medcase-parties').innerText();
  assert.match(parties, /139\*\*\*\*1111/);
  assert.ok(!parties.includes(outsider.id), '身份证号不应完整显示');
  // no session before the mediation starts
  assert.equal(await cp.getByTestId('medcase-session-add').count(), 0);

  await step(cp, 'start', '调解中');
  await cp.getByTestId('medcase-session-add').click();
  await cp.getByTestId('medsession-dialog').waitFor();
  await cp.getByTestId('medsession-place').fill('中山社区人民调解室');
  await cp.getByTestId('medsession-attendees').fill(`${res.name}、${outsider.name}、${mediatorName}`);
  await cp.getByTestId('medsession-notes').fill('双方陈述事实，调解员释法说理。');
  await cp.getByTestId('medsession-save').click();
  await cp.getByTestId('medsession-dialog').waitFor({ state: 'hidden' });
  await cp.getByTestId('medcase-sessions').locator('tbody tr', { hasText: '中山社区人民调解室' }).waitFor();

  // the terms one a line (the server keeps the line breaks; the sheet prints a paragraph a line)
  const terms = [`一、${outsider.name}于十日内修复卫生间防水；`, `二、${outsider.name}赔偿${res.name}天花板维修费用贰仟元。`];
  const agreement = terms.join('\n');
  // 达成协议 without the text: refused here, nothing sent
  await cp.getByTestId('medcase-act-agree').click();
  await cp.getByTestId('medact-save').click();
  await cp.getByTestId('medact-dialog').getByText('请填写协议内容').waitFor();
  await cp.getByTestId('medact-agreement').fill(agreement);
  await cp.getByTestId('medact-performance').fill('签订协议之日起十日内履行完毕');
  await cp.getByTestId('medact-save').click();
  await cp.getByTestId('medcase-state').filter({ hasText: '达成协议' }).waitFor();
  assert.equal(await cp.getByTestId('medcase-agreement').innerText(), agreement);
  await shotCalm(cp, 'mediation-case');

  // the printable agreement
  await cp.getByTestId('medcase-print').click();
  await cp.waitForURL(new RegExp(`/mediation/cases/${id}/agreement$`));
  await cp.getByTestId('agreement').waitFor();
  assert.deepEqual(await cp.getByTestId('agreement-party').allInnerTexts(), [res.name, outsider.name]);
  const ids = await cp.getByTestId('agreement-idno').allInnerTexts();
  assert.equal(ids.length, 2);
  for (const x of ids) assert.match(x, /^\d{6}\*{12}$/);
  assert.equal(ids[1], outsider.id.slice(0, 6) + '*'.repeat(12));
  assert.deepEqual((await cp.getByTestId('agreement-text').innerText()).split(/\n+/), terms);
  const sheet = await cp.getByTestId('agreement').innerText();
  assert.match(sheet, /人民调解协议书/);
  assert.match(sheet, new RegExp(`人民调解员（签名）：${mediatorName}`));
  assert.match(sheet, new RegExp(`${stationName}（印）`));
  await shotCalm(cp, 'mediation-agreement');
  await cp.emulateMedia({ media: 'print' });
  assert.equal(await cp.locator('.app-aside').isVisible(), false, '打印时不显示菜单');
  assert.equal(await cp.getByTestId('agreement-print').isVisible(), false, '打印时不显示按钮');
  await cp.emulateMedia({ media: 'screen' });

  // 回访 (满意) and 结案
  await cp.goto(`${env.base}/mediation/cases/${id}`);
  await step(cp, 'visit', '已回访', async (p) => {
    await p.getByTestId('medact-sat-satisfied').click();
    await p.getByTestId('medact-visit-note').fill('双方均已履行，表示满意');
  });
  assert.equal(await cp.getByTestId('medcase-satisfaction').innerText(), '满意');
  await step(cp, 'close', '已结案');
  assert.equal(await cp.locator('[data-test^="medcase-act-"]').count(), 0, '结案后没有可办理的步骤');
  const steps = (await cp.getByTestId('case-timeline-row').allInnerTexts()).map((t) => t.split(' → ')[0]);
  assert.deepEqual(steps, ['创建', '开始调解', '达成协议', '回访', '结案']);
  const k = (await sq('GET', `/mediation/cases/${id}`)).body;
  assert.equal(k.state, 'closed');
  assert.equal(k.satisfaction, 'satisfied');
  assert.equal(k.sessions.length, 1);

  // the list finds it by its mediator; the figures page shows the server's rates
  await cp.getByTestId('menu-mediation/cases').click();
  await pick(cp, 'medcases-mediator', mediatorName, mediatorName);
  await cp.getByTestId('medcases-search').click();
  await cp.getByTestId('medcases-table').locator('tbody tr', { hasText: `${res.name}与${outsider.name}` }).waitFor();
  assert.equal(await cp.getByTestId('medcases-table').locator('tbody tr').count(), 1);
  await shotCalm(cp, 'mediation-cases');
  await cp.getByTestId('menu-mediation/figures').click();
  await cp.getByTestId('medfig-chart').waitFor();
  const fig = (await sq('GET', '/mediation/figures')).body;
  assert.ok(fig.total.closed >= 1);
  for (const key of ['closure_rate', 'agreement_rate', 'satisfaction_rate']) {
    const v = fig.total[key];
    assert.equal(await cp.getByTestId('medfig-' + key).innerText(), v === null ? '—' : `${v}%`);
  }
  assert.match(await cp.getByTestId('medfig-table').innerText(), /中山社区/);
  await shotCalm(cp, 'mediation-figures');
  assertClean(cp, assert);
  await cp.close_all();
});

test('网格员看不到人民调解菜单，接口拒绝网格员', async () => {
  const page = await newPage();
  await login(page, 'wangge0101');
  const items = await menuItems(page);
  assert.ok(items.length > 0);
  assert.equal(items.filter((p) => p.startsWith('mediation/')).length, 0, '网格员不应看到人民调解菜单');
  await page.goto(env.base + '/mediation/cases');
  await page.waitForURL(/\/403/);
  const grid = await as('wangge0101');
  for (const p of ['/mediation/cases', '/mediation/mediators', '/mediation/stations', '/mediation/figures']) {
    assert.equal((await grid('GET', p)).status, 403, p);
  }
  assertClean(page, assert);
  await page.close_all();
});
