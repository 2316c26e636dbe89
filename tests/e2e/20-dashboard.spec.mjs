// 20-dashboard.spec.mjs — 首页: the figures, charts and grid map of the
// user's scope, checked against the API the page reads: the charts'
// own instances report what they draw (EChart.vue: data-points,
// data-total; GridMap.vue: data-regions, data-figure, data-fills), the
// street's map has its 33 communities, switching the figure recolours
// it, clicking a community drills to its grids and clicking a grid opens
// its residents; a grid worker sees their grid alone; a phone gets one
// column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { env, newPage, login, shot, assertClean, apiAs } from './lib.mjs';

const sum = (xs) => xs.reduce((s, x) => s + x, 0);
const num = (s) => Number(String(s).replace(/[^\d]/g, ''));
// The big number of a figure card (data-test fig-…).
const figure = async (page, id) => num(await page.getByTestId(id).locator('.figure-value').innerText());

async function chart(page, name) {
  const el = page.locator(`[data-test="${name}"][data-points]`);
  await el.waitFor();
  return { points: Number(await el.getAttribute('data-points')), total: Number(await el.getAttribute('data-total')) };
}

// The map once drawn for `figure` (and the children of unit `parent`):
// its regions, their colours, and the ranked list beside it (code →
// value).
async function mapState(page, figure, parent) {
  const el = page.locator(`[data-test="grid-map"][data-figure="${figure}"]` + (parent ? `[data-parent="${parent}"]` : ''));
  await el.waitFor();
  const list = await page.getByTestId('map-region').evaluateAll(
    (rows) => Object.fromEntries(rows.map((r) => [r.dataset.code, Number(r.dataset.value)])));
  return { regions: Number(await el.getAttribute('data-regions')), fills: await el.getAttribute('data-fills'), list };
}

// Where a unit's polygon is drawn on the page (its centre).
async function regionAt(page, code) {
  const el = page.getByTestId('grid-map');
  await el.scrollIntoViewIfNeeded();
  // Where it is once the page has stopped moving (parts still loading).
  let last = null;
  for (let i = 0; i < 20; i++) {
    const xy = await el.evaluate((dom, c) => dom.regionCenter(c), code);
    assert.ok(xy, `地图上没有 ${code}`);
    const box = await el.boundingBox();
    const at = [Math.round(box.x + xy[0]), Math.round(box.y + xy[1])];
    if (last && at[0] === last[0] && at[1] === last[1]) return at;
    last = at;
    await page.waitForTimeout(150);
  }
  return last;
}
async function clickRegion(page, code) {
  const [x, y] = await regionAt(page, code);
  await page.mouse.click(x, y);
}

test('街道首页：数字卡片、各图表与接口一致，地图 33 个社区，切换指标改变颜色，下钻社区再打开网格居民', async () => {
  const api = await apiAs('jiedao');
  const tags = (await api('GET', '/stats/tags')).body;
  const units = (await api('GET', '/stats/org-units')).body.items;
  const ages = (await api('GET', '/stats/ages')).body;
  const map = (await api('GET', '/stats/map?figure=elderly')).body;

  const page = await newPage();
  await login(page, 'jiedao');
  await page.getByTestId('dashboard').waitFor();
  await page.locator('[data-test="fig-residents"]', { hasText: tags.total_residents.toLocaleString('zh-CN') }).waitFor();
  assert.equal(await figure(page, 'fig-households'), tags.total_households);
  const elderly = tags.tags.find((t) => t.code === 'elderly');
  assert.equal(await figure(page, 'fig-elderly'), elderly.count);

  // Each chart draws the API's figures.
  const perUnit = await chart(page, 'chart-units');
  assert.equal(perUnit.points, units.length * 2);
  assert.equal(perUnit.total, sum(units.map((u) => u.residents + u.households)));
  assert.equal(sum(units.map((u) => u.residents)), tags.total_residents);
  const pyramid = await chart(page, 'chart-ages');
  assert.equal(pyramid.points, ages.bands.length * 2);
  assert.equal(pyramid.total, ages.total_male + ages.total_female);
  assert.equal(pyramid.total, tags.total_residents);
  const tagChart = await chart(page, 'chart-tags');
  assert.equal(tagChart.total, sum(tags.tags.map((t) => t.count)));
  assert.ok((await chart(page, 'chart-groups')).total > 0);

  // The map: 33 communities, coloured by residents, then by elderly.
  const byResidents = await mapState(page, 'residents');
  assert.equal(byResidents.regions, 33);
  assert.equal(Object.keys(byResidents.list).length, 33);
  for (const u of units) assert.equal(byResidents.list[u.code], u.residents, u.name);
  assert.ok(new Set(byResidents.fills.split(',')).size > 3, '地图颜色应随数值变化');
  // Tooltips (DOM built under the CSP: a violation fails assertClean).
  const first = units[0];
  await page.mouse.move(...(await regionAt(page, first.code)));
  await page.getByTestId('grid-map').getByText(`居民 ${first.residents} 人 · ${first.households} 户`).waitFor();
  await page.getByTestId('chart-ages').scrollIntoViewIfNeeded();
  const bars = await page.getByTestId('chart-ages').boundingBox();
  await page.mouse.move(bars.x + bars.width / 2 + 20, bars.y + bars.height / 2);
  await page.getByTestId('chart-ages').getByText(/^女 \d+ 人$/).waitFor();
  await shot(page, 'dash-street');
  await page.getByTestId('map-figure').getByText('高龄').click();
  const byElderly = await mapState(page, 'elderly');
  assert.equal(byElderly.regions, 33);
  for (const f of map.features) assert.equal(byElderly.list[f.properties.code], f.properties.elderly, f.properties.name);
  assert.notEqual(byElderly.fills, byResidents.fills, '切换指标后颜色应改变');

  // Drill: the biggest community by elderly, then one of its grids.
  const community = [...map.features].sort((a, b) => b.properties.value - a.properties.value)[0].properties;
  const grids = (await api('GET', `/stats/map?parent_id=${community.id}`)).body;
  await clickRegion(page, community.code);
  await page.waitForURL((u) => u.searchParams.get('unit') === String(community.id));
  await page.getByTestId('dash-unit').filter({ hasText: community.name }).waitFor();
  const inner = await mapState(page, 'elderly', community.id);
  assert.equal(inner.regions, grids.features.length);
  assert.ok(inner.regions >= 2);
  for (const f of grids.features) assert.equal(inner.list[f.properties.code], f.properties.elderly);
  const communityTags = (await api('GET', `/stats/tags?org_unit_id=${community.id}`)).body;
  assert.equal(await figure(page, 'fig-residents'), communityTags.total_residents);
  await page.locator('[data-test="chart-units"][data-points]').waitFor();
  await shot(page, 'dash-map-community');

  // Up again, and down to a grid's residents.
  await page.getByTestId('dash-up').click();
  await page.waitForURL((u) => !u.searchParams.has('unit'));
  assert.equal((await mapState(page, 'elderly', tags.unit.id)).regions, 33);
  await page.goBack();
  await page.waitForURL((u) => u.searchParams.get('unit') === String(community.id));
  const grid = grids.features[0].properties;
  await page.locator('[data-test="fig-residents"]', { hasText: communityTags.total_residents.toLocaleString('zh-CN') }).waitFor();
  await mapState(page, 'elderly', community.id);
  await clickRegion(page, grid.code);
  await page.waitForURL((u) => u.pathname === '/residents' && u.searchParams.get('org_unit_id') === String(grid.id));
  assertClean(page, assert);
  await page.close_all();
});

test('网格员首页只显示本网格的数字（与接口一致），地图只有本网格', async () => {
  const api = await apiAs('wangge0101');
  const tags = (await api('GET', '/stats/tags')).body;
  const buildings = (await api('GET', '/stats/org-units')).body.items;
  const own = (await api('GET', '/stats/map')).body.features.map((f) => f.properties);
  assert.equal(own.length, 1);
  const street = (await (await apiAs('jiedao'))('GET', '/stats/tags')).body;
  assert.ok(tags.total_residents < street.total_residents);

  const page = await newPage();
  await login(page, 'wangge0101');
  await page.getByTestId('dash-unit').filter({ hasText: tags.unit.name }).waitFor();
  await page.locator('[data-test="fig-residents"]', { hasText: tags.total_residents.toLocaleString('zh-CN') }).waitFor();
  assert.equal(await figure(page, 'fig-households'), tags.total_households);
  const dibao = tags.tags.find((t) => t.code === 'dibao');
  assert.equal(await figure(page, 'fig-dibao'), dibao.count);
  const map = await mapState(page, 'residents');
  assert.equal(map.regions, 1);
  assert.equal(own[0].id, tags.unit.id);
  assert.deepEqual(map.list, { [own[0].code]: tags.total_residents });
  const perBuilding = await chart(page, 'chart-units');
  assert.equal(perBuilding.points, buildings.length * 2);
  assert.equal(perBuilding.total, sum(buildings.map((b) => b.residents + b.households)));
  assert.equal((await chart(page, 'chart-ages')).total, tags.total_residents);
  await shot(page, 'dash-grid');
  assertClean(page, assert);
  await page.close_all();
});

test('未设置边界的网格：地图下方提示"1 个单位未设置边界"，列表中仍可打开其居民', async () => {
  const api = await apiAs('jiedao');
  // The street's last community (others' tests use the first), one of its grids loses its boundary.
  const street = (await api('GET', '/stats/map')).body.features.map((f) => f.properties);
  const community = street.sort((a, b) => a.code.localeCompare(b.code))[street.length - 1];
  const grids = (await api('GET', `/stats/map?parent_id=${community.id}`)).body.features;
  const grid = grids[grids.length - 1].properties;
  const geometry = (await api('GET', `/org-units/${grid.id}`)).body.geometry;
  assert.equal((await api('PATCH', `/org-units/${grid.id}`, { geometry: null })).status, 200);
  const page = await newPage();
  try {
    await login(page, 'jiedao');
    await page.goto(`${env.base}/dashboard?unit=${community.id}`);
    const inner = await mapState(page, 'residents', community.id);
    assert.equal(inner.regions, grids.length - 1);
    assert.equal(inner.list[grid.code], undefined);
    assert.match(await page.getByTestId('map-missing').innerText(), new RegExp(`1 个单位未设置边界[\\s\\S]*${grid.name}`));
    await page.locator(`[data-test="map-region-missing"][data-code="${grid.code}"]`).click();
    await page.waitForURL((u) => u.pathname === '/residents' && u.searchParams.get('org_unit_id') === String(grid.id));
    assertClean(page, assert);
  } finally {
    await api('PATCH', `/org-units/${grid.id}`, { geometry });
    await page.close_all();
  }
});

test('手机屏幕（390×844）上图表排成一列，不出现横向滚动', async () => {
  const page = await newPage({ width: 390, height: 844 });
  await login(page, 'shequ01');
  await chart(page, 'chart-ages');
  await chart(page, 'chart-tags');
  const a = await page.getByTestId('chart-ages').boundingBox();
  const t = await page.getByTestId('chart-tags').boundingBox();
  assert.ok(Math.abs(a.x - t.x) < 2 && t.y > a.y + a.height, '图表应上下排列');
  assert.ok(a.x + a.width <= 390 && t.x + t.width <= 390);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390));
  await mapState(page, 'residents');
  await shot(page, 'dash-phone');
  assertClean(page, assert);
  await page.close_all();
});
