/* minsheng — 单页前端。所有数据只经 textContent / createElement 写入页面。 */
'use strict';
(function () {
  const API = '/api/v1';
  const PAGE_SIZE = 20;
  const PAGE_MAX_ROWS = 10000;   // rows reachable by page number (docs/api.md, Lists)
  const KIND_LABELS = { district: '区', street: '街道', community: '社区', grid: '网格', building: '楼栋' };
  const LEADER_LABELS = { district: '负责人', street: '负责人', community: '负责人', grid: '网格员', building: '楼长' };
  const ROLE_LABELS = {
    admin: '系统管理员', secadmin: '安全管理员', auditor: '审计员', street: '街道工作人员',
    community: '社区工作人员', grid: '网格员', viewer: '部门只读'
  };
  /* 三权分立：这三种账户不能查看居民信息，本页面（居民登记）对它们只显示说明，
   * 不调用会被拒绝（403）的登记接口。 */
  const NO_REGISTRY = {
    admin: '系统管理员只管理账户（新建、改名、停用/启用、重置密码、解锁：/api/v1/users），不能查看居民信息和审计日志。特权账户的变更须安全管理员批准（/api/v1/change-requests）。',
    secadmin: '安全管理员分配账户的角色和管辖范围（PUT /api/v1/users/{id}/role）、批准特权账户变更（/api/v1/change-requests）、处理安全告警（/api/v1/security/alerts），不能查看居民信息和审计日志。',
    auditor: '审计员只能查看审计日志（/api/v1/audit）和安全告警，本页面不提供居民信息。'
  };
  const SEX = { M: '男', F: '女' };
  const RES_STATUS = { active: '在册', deceased: '已故', moved_out: '已迁出' };
  const HH_STATUS = { active: '正常', closed: '已迁出' };
  const GRADES = { 1: '一级', 2: '二级', 3: '三级', 4: '四级' };
  const FULL_ID_ROLES = ['street', 'community', 'grid'];
  const FALLBACK_MSG = {
    400: '请求有误', 401: '未登录或登录已过期', 403: '无权限执行此操作',
    404: '未找到（或不在您的管辖范围内）', 413: '提交内容过大', 423: '账户已锁定，请稍后再试',
    500: '服务器内部错误'
  };

  const $ = (id) => document.getElementById(id);
  const state = {
    me: null, epoch: 0, tags: [], tagLabel: {}, unit: null, selectedLi: null, tab: 'residents',
    res: { page: 1, seq: 0, loaded: false }, hh: { page: 1, seq: 0, loaded: false },
    statSeq: 0, detailSeq: 0
  };

  /* ---------- helpers ---------- */
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function button(text, cls, onClick) {
    const b = el('button', cls || 'btn', text);
    b.type = 'button';
    if (onClick) b.addEventListener('click', onClick);
    return b;
  }
  const blank = (v) => v === undefined || v === null || v === '';
  function td(v, cls) { return el('td', cls, blank(v) ? '—' : v); }
  function tdNode(node) { const c = el('td'); c.append(node); return c; }
  function fmtNum(n) {
    return blank(n) || isNaN(Number(n)) ? '—' : Number(n).toLocaleString('zh-CN');
  }
  function pick(obj, ...keys) {
    for (const k of keys) if (obj && !blank(obj[k])) return obj[k];
    return null;
  }
  /* 服务器时间为 UTC "YYYY-MM-DD HH:MM:SS"，显示为本地时间。 */
  function fmtTime(s) {
    if (blank(s)) return null;
    let d;
    if (/(Z|[+-]\d{2}:?\d{2})$/i.test(s)) d = new Date(s);
    else {
      const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?/.exec(s);
      if (!m) return s;
      d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0)));
    }
    if (isNaN(d.getTime())) return s;
    const p = (n) => String(n).padStart(2, '0');
    return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + ' ' +
      p(d.getHours()) + ':' + p(d.getMinutes());
  }
  function qs(params) {
    const u = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (!blank(v)) u.set(k, String(v));
    const s = u.toString();
    return s ? '?' + s : '';
  }
  function listOf(d) {
    if (Array.isArray(d)) return d;
    return d && Array.isArray(d.items) ? d.items : [];
  }
  function emptyRow(cols, text) {
    const tr = el('tr', 'empty');
    const c = el('td', null, text);
    c.colSpan = cols;
    tr.append(c);
    return tr;
  }
  function statusBadge(map, status) {
    return el('span', map[status] ? 'status s-' + status : 'status', map[status] || status || '—');
  }
  function tagList(tags) {
    const wrap = el('span', 'tags');
    for (const t of Array.isArray(tags) ? tags : []) {
      const code = typeof t === 'string' ? t : t && t.code;
      if (!code) continue;
      wrap.append(el('span', 'tag', state.tagLabel[code] || (t && t.label) || code));
    }
    return wrap;
  }
  function clickableRow(onOpen) {
    const tr = el('tr', 'clickable');
    tr.tabIndex = 0;
    tr.addEventListener('click', onOpen);
    tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') onOpen(); });
    return tr;
  }

  /* ---------- API ---------- */
  class ApiError extends Error {
    constructor(message, status, code, fromServer) {
      super(message);
      this.status = status;
      this.code = code;
      this.fromServer = fromServer;
    }
  }

  async function api(path, opts = {}) {
    const init = { method: opts.method || 'GET', credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (opts.body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(opts.body);
    }
    let res, text;
    try {
      res = await fetch(API + path, init);
      text = await res.text();
    } catch (e) {
      throw new ApiError('无法连接服务器，请检查网络后重试', 0, 'network', false);
    }
    let data = null;
    if (text) { try { data = JSON.parse(text); } catch (e) { data = null; } }
    if (res.ok) return data;
    const err = data && data.error ? data.error : {};
    const e = new ApiError(err.message || FALLBACK_MSG[res.status] || ('请求失败（HTTP ' + res.status + '）'),
      res.status, err.code, !!err.message);
    if (res.status === 401 && !opts.noRedirect) {
      e.handled = true;
      sessionExpired();
    }
    throw e;
  }

  /* ---------- messages ---------- */
  function showMsg(text, kind) {
    const dlg = $('detail');
    if (dlg.open) { // 模态对话框打开时，页面顶部的消息条被遮住，改在对话框内显示
      const m = $('detail-msg');
      m.textContent = text;
      m.className = 'form-msg ' + (kind || 'error');
      m.hidden = false;
      return;
    }
    $('msg-bar').className = 'msg-bar ' + (kind || 'error');
    $('msg-text').textContent = text;
    $('msg-bar').hidden = false;
  }
  function hideMsg() { $('msg-bar').hidden = true; }
  function showError(e) {
    if (e && e.handled) return;
    if (!(e instanceof ApiError)) console.error(e);
    showMsg(e && e.message ? e.message : String(e), 'error');
  }
  function setLoginMsg(text, kind) { formMsg('login-msg', text, kind); }

  /* ---------- views: login / app ---------- */
  function showLogin(message, kind) {
    $('boot').hidden = true;
    $('app-view').hidden = true;
    $('pending-view').hidden = true;
    $('login-totp-field').hidden = true;
    $('login-totp').value = '';
    $('login-view').hidden = false;
    setLoginMsg(message, kind);
    $('login-user').focus();
  }

  function resetApp() {
    state.me = null;
    state.epoch++;
    state.res.seq++; state.hh.seq++; state.statSeq++; state.detailSeq++;
    state.unit = null; state.selectedLi = null;
    $('org-tree').replaceChildren();
    $('res-body').replaceChildren();
    $('hh-body').replaceChildren();
    $('tag-stats').replaceChildren();
    $('res-search').reset();
    $('hh-search').reset();
    switchTab('residents');
    if ($('detail').open) $('detail').close();
    hideMsg();
  }

  function sessionExpired() {
    if (!state.me) return;           // 已在登录页
    resetApp();
    showLogin('登录已过期，请重新登录');
  }

  /* A session that must first change its password or enrol TOTP
   * (me.pending); everything else answers 403 until then. */
  function formMsg(id, text, kind) {
    const m = $(id);
    m.textContent = text || '';
    m.className = 'form-msg ' + (kind || 'error');
    m.hidden = !text;
  }
  function showPending(me) {
    $('boot').hidden = true;
    $('login-view').hidden = true;
    $('app-view').hidden = true;
    $('pending-view').hidden = false;
    const pw = me.pending.indexOf('password_change') >= 0;
    const totp = me.pending.indexOf('totp_enroll') >= 0;
    $('pw-form').hidden = !pw;
    $('totp-form').hidden = pw || !totp;
    $('role-wait').hidden = pw || totp;   // 只剩等待安全管理员确认角色
    $('totp-setup').hidden = true;
    $('totp-done').hidden = true;
    $('totp-start').hidden = false;
    formMsg('pw-msg', '');
    formMsg('totp-msg', '');
  }
  function enter(me) {
    if (me && me.pending && me.pending.length) showPending(me);
    else startApp(me);
  }

  function startApp(me) {
    state.me = me;
    $('boot').hidden = true;
    $('login-view').hidden = true;
    $('app-view').hidden = false;
    hideMsg();
    $('me-name').textContent = me.display_name || me.username || '';
    $('me-role').textContent = me.role_label || ROLE_LABELS[me.role] || me.role || '';
    $('me-unit').textContent = (me.org_unit && me.org_unit.name) || '';
    showUnit(null);
    if (NO_REGISTRY[me.role]) {
      $('no-unit').textContent = NO_REGISTRY[me.role];
      return;
    }
    $('no-unit').textContent = '请在左侧选择一个单位';
    loadTags().then((current) => { if (current) loadRoot(); });
  }

  async function loadTags() {
    const epoch = state.epoch;
    let tags = [];
    try {
      const d = await api('/tags');
      tags = Array.isArray(d) ? d : (d && (d.items || d.tags)) || [];
    } catch (e) { showError(e); }
    if (epoch !== state.epoch) return false;   // 期间已退出或会话过期
    state.tags = tags.filter((t) => t && t.code);
    state.tagLabel = {};
    const sel = $('res-tag');
    sel.replaceChildren(new Option('全部标签', ''));
    for (const t of state.tags) {
      state.tagLabel[t.code] = t.label || t.code;
      sel.append(new Option(t.label || t.code, t.code));
    }
    return true;
  }

  /* ---------- org tree ---------- */
  async function fetchUnits(parentId) {
    const out = [];
    for (let page = 1; page <= 20; page++) {
      const d = await api('/org-units' + qs({ parent_id: parentId, page: page, page_size: 200 }));
      const items = listOf(d);
      out.push(...items);
      const total = d && typeof d.total === 'number' ? d.total : out.length;
      if (!items.length || out.length >= total) break;
    }
    return out;
  }

  async function loadRoot() {
    const tree = $('org-tree');
    const epoch = state.epoch;
    if (!state.me) return;
    tree.replaceChildren(el('li', 'tree-note', '加载中…'));
    try {
      const units = await fetchUnits();
      if (epoch !== state.epoch) return;
      tree.replaceChildren();
      if (!units.length) { tree.append(el('li', 'tree-note', '没有可访问的单位')); return; }
      const nodes = units.map(makeNode);
      tree.append(...nodes);
      selectNode(nodes[0]);
      if (nodes[0].hasKids) toggleNode(nodes[0]);
    } catch (e) {
      if (epoch !== state.epoch) return;
      tree.replaceChildren(el('li', 'tree-note', '加载失败'));
      showError(e);
    }
  }

  function makeNode(u) {
    const li = el('li', 'node');
    li.setAttribute('role', 'treeitem');
    li.unit = u;
    li.hasKids = Number(u.child_count) > 0;
    li.row = el('div', 'node-row');
    li.tw = button(li.hasKids ? '▸' : '', 'twisty');
    if (li.hasKids) {
      li.tw.setAttribute('aria-label', '展开/收起');
      li.tw.addEventListener('click', () => toggleNode(li));
      li.setAttribute('aria-expanded', 'false');
    } else {
      li.tw.disabled = true;
      li.tw.tabIndex = -1;
    }
    const lab = button(null, 'node-label', () => selectNode(li));
    lab.title = u.name || '';
    lab.append(el('span', 'node-name', u.name),
      el('span', 'node-kind', KIND_LABELS[u.kind] || u.kind || ''),
      el('span', 'node-count', fmtNum(u.household_count) + '户 · ' + fmtNum(u.resident_count) + '人'));
    if (li.hasKids) lab.addEventListener('dblclick', () => toggleNode(li));
    li.row.append(li.tw, lab);
    li.kids = el('ul', 'children');
    li.kids.setAttribute('role', 'group');
    li.kids.hidden = true;
    li.append(li.row, li.kids);
    return li;
  }

  async function toggleNode(li) {
    const opening = li.kids.hidden;
    li.kids.hidden = !opening;
    li.tw.textContent = opening ? '▾' : '▸';
    li.setAttribute('aria-expanded', String(opening));
    if (!opening || li.loaded || li.loading) return;
    li.loading = true;
    li.kids.replaceChildren(el('li', 'tree-note', '加载中…'));
    const epoch = state.epoch;
    try {
      const units = await fetchUnits(li.unit.id);
      if (epoch !== state.epoch) return;
      li.kids.replaceChildren(...units.map(makeNode));
      if (!units.length) li.kids.append(el('li', 'tree-note', '（无下级单位）'));
      li.loaded = true;
    } catch (e) {
      if (epoch !== state.epoch) return;
      li.kids.replaceChildren(el('li', 'tree-note', '加载失败，收起后再展开可重试'));
      showError(e);
    } finally {
      li.loading = false;
    }
  }

  function selectNode(li) {
    if (state.selectedLi) {
      state.selectedLi.row.classList.remove('selected');
      state.selectedLi.setAttribute('aria-selected', 'false');
    }
    state.selectedLi = li;
    li.row.classList.add('selected');
    li.setAttribute('aria-selected', 'true');
    showUnit(li.unit);
  }

  function showUnit(u) {
    state.unit = u;
    $('no-unit').hidden = !!u;
    $('unit-view').hidden = !u;
    if (!u) return;
    $('unit-title').textContent = u.name || '';
    $('unit-kind').textContent = KIND_LABELS[u.kind] || u.kind || '';
    $('unit-counts').textContent = '住户 ' + fmtNum(u.household_count) + ' 户，居民 ' + fmtNum(u.resident_count) + ' 人';
    $('unit-leader').textContent = u.leader_name
      ? (LEADER_LABELS[u.kind] || '负责人') + '：' + u.leader_name + (u.leader_phone ? '（' + u.leader_phone + '）' : '')
      : '';
    state.res.page = 1; state.hh.page = 1;
    state.res.loaded = false; state.hh.loaded = false;
    loadStats();
    loadTab();
  }

  /* ---------- tag statistics ---------- */
  /* 兼容几种形状：[{tag|code, count}]、{items:[…]}、{tags:[…]}、{code: n, …} */
  function parseTagCounts(d) {
    const out = {};
    let src = d;
    if (src && !Array.isArray(src)) src = src.items || src.tags || src.counts || src;
    if (Array.isArray(src)) {
      for (const it of src) {
        const code = it && (it.tag || it.code);
        if (code) out[code] = Number(pick(it, 'count', 'residents', 'resident_count', 'n')) || 0;
      }
    } else if (src && typeof src === 'object') {
      for (const [k, v] of Object.entries(src)) if (typeof v === 'number') out[k] = v;
    }
    return out;
  }

  async function loadStats() {
    const box = $('tag-stats');
    const seq = ++state.statSeq;
    box.replaceChildren(el('span', 'muted', '统计加载中…'));
    try {
      const d = await api('/stats/tags' + qs({ org_unit_id: state.unit.id }));
      if (seq !== state.statSeq) return;
      const counts = parseTagCounts(d);
      const codes = state.tags.length ? state.tags.map((t) => t.code) : Object.keys(counts);
      box.replaceChildren();
      for (const code of codes) {
        const label = state.tagLabel[code] || code;
        const n = counts[code] || 0;
        const chip = button(null, n ? 'stat-chip' : 'stat-chip zero', () => filterByTag(code));
        chip.title = '查看“' + label + '”居民';
        chip.append(el('span', 'stat-label', label), el('span', 'stat-num', fmtNum(n)));
        box.append(chip);
      }
      if (!codes.length) box.append(el('span', 'muted', '暂无标签统计'));
    } catch (e) {
      if (seq !== state.statSeq) return;
      box.replaceChildren(el('span', 'muted', '标签统计不可用'));
      showError(e);
    }
  }

  function filterByTag(code) {
    $('res-tag').value = code;
    switchTab('residents');
    state.res.page = 1;
    loadResidents();
  }

  /* ---------- tabs & pagers ---------- */
  function switchTab(tab) {
    state.tab = tab;
    for (const b of document.querySelectorAll('.tab')) {
      const on = b.dataset.tab === tab;
      b.classList.toggle('active', on);
      b.setAttribute('aria-selected', String(on));
    }
    $('tab-residents').hidden = tab !== 'residents';
    $('tab-households').hidden = tab !== 'households';
  }

  function loadTab() {
    if (!state.unit) return;
    if (state.tab === 'residents' && !state.res.loaded) loadResidents();
    if (state.tab === 'households' && !state.hh.loaded) loadHouseholds();
  }

  function renderPager(key, d, count) {
    const p = $(key + '-pager');
    const st = state[key];
    const total = d && typeof d.total === 'number' ? d.total : count;
    const size = (d && Number(d.page_size)) || PAGE_SIZE;
    // total_is_estimate: the server stopped counting at its cap ("more than").
    const estimate = !!(d && d.total_is_estimate);
    const pages = Math.max(1, Math.ceil(total / size));
    p.querySelector('.pager-info').textContent = estimate ? '超过 ' + fmtNum(total) + ' 条' : '共 ' + fmtNum(total) + ' 条';
    p.querySelector('.pager-page').textContent = estimate ? '第 ' + st.page + ' 页' : '第 ' + st.page + ' / ' + pages + ' 页';
    p.querySelector('.prev').disabled = st.page <= 1;
    // Page numbers reach the first 10,000 rows; next_cursor null = last page.
    const more = d && 'next_cursor' in d ? d.next_cursor !== null : st.page < pages;
    p.querySelector('.next').disabled = !more || st.page * size >= PAGE_MAX_ROWS;
  }

  function bindPager(key, load) {
    const p = $(key + '-pager');
    p.querySelector('.prev').addEventListener('click', () => {
      if (state[key].page > 1) { state[key].page--; load(); }
    });
    p.querySelector('.next').addEventListener('click', () => { state[key].page++; load(); });
  }

  /* ---------- residents & households lists ---------- */
  async function loadList(key, path, params, cols, rowFn, emptyText) {
    const st = state[key];
    const seq = ++st.seq;
    const body = $(key + '-body');
    body.replaceChildren(emptyRow(cols, '加载中…'));
    try {
      const d = await api(path + qs(Object.assign({
        org_unit_id: state.unit.id, page: st.page, page_size: PAGE_SIZE }, params)));
      if (seq !== st.seq) return;
      st.loaded = true;
      const items = listOf(d);
      body.replaceChildren(...items.map(rowFn));
      if (!items.length) body.append(emptyRow(cols, emptyText));
      renderPager(key, d, items.length);
    } catch (e) {
      if (seq !== st.seq) return;
      body.replaceChildren(emptyRow(cols, '加载失败'));
      showError(e);
    }
  }

  function loadResidents() {
    if (!state.unit) return;
    const idn = $('res-id').value.trim().toUpperCase();
    if (idn && !/^\d{17}[\dX]$/.test(idn)) {
      state.res.seq++;
      showMsg('身份证号须为18位（末位可为X）');
      $('res-id').focus();
      return;
    }
    loadList('res', '/residents', {
      name: $('res-name').value.trim(), id_number: idn, phone: $('res-phone').value.trim(),
      tag: $('res-tag').value, status: $('res-status').value
    }, 9, residentRow, '没有符合条件的居民');
  }

  function loadHouseholds() {
    if (!state.unit) return;
    loadList('hh', '/households', { q: $('hh-q').value.trim() }, 7, householdRow, '没有符合条件的住户');
  }

  function residentRow(r) {
    const tr = clickableRow(() => openResident(r.id, false));
    tr.append(td(r.name, 'strong'), td(SEX[r.sex] || r.sex), td(r.age), td(r.id_number, 'mono'),
      td(r.relation), td(r.phone, 'mono'), td(r.grid_name), tdNode(tagList(r.tags)),
      tdNode(statusBadge(RES_STATUS, r.status)));
    return tr;
  }

  function householdRow(h) {
    const tr = clickableRow(() => openHousehold(h.id));
    tr.append(td(h.code, 'mono'), td(h.address), td(pick(h, 'head_name', 'head_resident_name')),
      td(pick(h, 'member_count', 'members_count', 'resident_count')), td(h.phone, 'mono'),
      td(h.grid_name), tdNode(statusBadge(HH_STATUS, h.status)));
    return tr;
  }

  /* ---------- detail panel ---------- */
  function openDialog(title) {
    const dlg = $('detail');
    $('detail-msg').hidden = true;
    if (title !== null) {
      $('detail-title').textContent = title;
      $('detail-body').replaceChildren(el('p', 'muted', '加载中…'));
    }
    if (!dlg.open) dlg.showModal();
  }

  function fieldList() {
    const dl = el('dl', 'fields');
    dl.add = (label, value, cls) => { // value: text or a DOM node
      const isNode = value instanceof Node;
      const dd = el('dd', cls, isNode ? null : blank(value) ? '—' : value);
      if (isNode) dd.append(value);
      dl.append(el('dt', null, label), dd);
      return dd;
    };
    return dl;
  }

  async function openResident(id, full, btn) {
    const seq = ++state.detailSeq;
    openDialog(full ? null : '居民详情');
    try {
      const r = await api('/residents/' + encodeURIComponent(id) + (full ? '?full_id=1' : ''));
      if (seq !== state.detailSeq) return;
      renderResident(r, full);
    } catch (e) {
      if (seq !== state.detailSeq) return;
      if (btn) btn.disabled = false;
      else $('detail-body').replaceChildren();
      showError(e);
    }
  }

  function renderResident(r, askedFull) {
    $('detail-title').textContent = '居民详情 · ' + (r.name || '');
    const dl = fieldList();
    dl.add('姓名', r.name, 'strong');
    const idd = dl.add('身份证号', r.id_number, 'mono');
    if (r.id_number_masked && state.me && FULL_ID_ROLES.includes(state.me.role)) {
      const b = button('查看完整身份证号', 'btn small', () => { b.disabled = true; openResident(r.id, true, b); });
      b.title = '查看操作将记入审计日志';
      idd.append(' ', b);
    } else if (askedFull && r.id_number_masked) {
      idd.append(el('span', 'muted', '（无权查看完整号码）'));
    } else if (askedFull) {
      idd.append(el('span', 'muted', '（本次查看已记入审计日志）'));
    }
    dl.add('性别', SEX[r.sex] || r.sex);
    dl.add(r.birth_date ? '出生日期' : '出生年份', r.birth_date || (blank(r.birth_year) ? null : r.birth_year + ' 年'));
    dl.add('年龄', blank(r.age) ? null : r.age + ' 岁');
    dl.add('户编号', r.household_id
      ? button(r.household_code || '查看住户', 'link', () => openHousehold(r.household_id))
      : r.household_code, 'mono');
    dl.add('所属网格', r.grid_name);
    dl.add('与户主关系', r.relation);
    dl.add('联系电话', r.phone, 'mono');
    dl.add('户口类型', r.hukou_type);
    dl.add('居住类型', r.residence_status);
    dl.add('就业状况', r.employment);
    dl.add('残疾类别', r.disability_type);
    dl.add('残疾等级', blank(r.disability_grade) ? null : GRADES[r.disability_grade] || r.disability_grade);
    dl.add('中共党员', r.party_member ? '是' : '否');
    const sd = dl.add('人员状态', statusBadge(RES_STATUS, r.status));
    if (r.status_date) sd.append(el('span', 'muted', ' ' + r.status_date));
    dl.add('标签', Array.isArray(r.tags) && r.tags.length ? tagList(r.tags) : null);
    dl.add('备注', r.notes, 'pre');
    dl.add('登记时间', fmtTime(r.created_at));
    dl.add('更新时间', fmtTime(r.updated_at));
    $('detail-body').replaceChildren(dl);
  }

  async function openHousehold(id) {
    const seq = ++state.detailSeq;
    openDialog('住户详情');
    try {
      const h = await api('/households/' + encodeURIComponent(id));
      if (seq !== state.detailSeq) return;
      renderHousehold(h);
    } catch (e) {
      if (seq !== state.detailSeq) return;
      $('detail-body').replaceChildren();
      showError(e);
    }
  }

  function renderHousehold(h) {
    $('detail-title').textContent = '住户详情 · ' + (h.code || '');
    const dl = fieldList();
    dl.add('户编号', h.code, 'mono');
    dl.add('地址', h.address);
    dl.add('户籍地址', h.registered_address);
    dl.add('实际居住地址', h.actual_address);
    dl.add('联系电话', h.phone, 'mono');
    dl.add('所属网格', h.grid_name);
    dl.add('楼栋', h.building_name);
    dl.add('状态', statusBadge(HH_STATUS, h.status));
    dl.add('备注', h.notes, 'pre');
    dl.add('登记时间', fmtTime(h.created_at));
    dl.add('更新时间', fmtTime(h.updated_at));

    const members = Array.isArray(h.members) ? h.members : [];
    const table = el('table', 'data compact');
    const head = el('tr');
    for (const t of ['姓名', '与户主关系', '性别', '年龄', '身份证号', '状态']) head.append(el('th', null, t));
    const thead = el('thead');
    thead.append(head);
    const tbody = el('tbody');
    for (const m of members) {
      const tr = clickableRow(() => openResident(m.id, false));
      tr.append(td(m.name, 'strong'), td(m.relation), td(SEX[m.sex] || m.sex), td(m.age),
        td(m.id_number, 'mono'), tdNode(statusBadge(RES_STATUS, m.status)));
      tbody.append(tr);
    }
    if (!members.length) tbody.append(emptyRow(6, '无成员'));
    table.append(thead, tbody);
    const wrap = el('div', 'table-wrap');
    wrap.append(table);
    $('detail-body').replaceChildren(dl, el('h4', 'section-title', '家庭成员（' + members.length + ' 人）'), wrap);
  }

  /* ---------- events & boot ---------- */
  function bind() {
    $('login-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const username = $('login-user').value.trim();
      const password = $('login-pass').value;
      if (!username || !password) { setLoginMsg('请输入用户名和密码'); return; }
      const btn = $('login-btn');
      btn.disabled = true;
      btn.textContent = '正在登录…';
      setLoginMsg('');
      try {
        const body = { username: username, password: password };
        const second = $('login-totp').value.trim();
        if (second) body[/^[0-9]{6}$/.test(second) ? 'totp' : 'recovery_code'] = second;
        await api('/auth/login', { method: 'POST', body: body, noRedirect: true });
        $('login-pass').value = '';
        $('login-totp').value = '';
        $('login-totp-field').hidden = true;
        const d = await api('/auth/me', { noRedirect: true });
        enter(d && d.user ? d.user : d);
      } catch (e) {
        if (e.code === 'totp_required') {
          $('login-totp-field').hidden = false;
          $('login-totp').focus();
        }
        setLoginMsg(e.status === 401 && !e.fromServer ? '用户名或密码错误' : e.message);
      } finally {
        btn.disabled = false;
        btn.textContent = '登录';
      }
    });

    const logout = async () => {
      try { await api('/auth/logout', { method: 'POST', noRedirect: true }); } catch (e) { /* 会话可能已失效 */ }
      resetApp();
      showLogin('您已退出登录', 'info');
    };
    $('logout-btn').addEventListener('click', logout);
    $('role-wait-logout').addEventListener('click', logout);

    $('msg-close').addEventListener('click', hideMsg);

    $('pw-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const oldPw = $('pw-old').value, newPw = $('pw-new').value;
      if (newPw !== $('pw-new2').value) { formMsg('pw-msg', '两次输入的新密码不一致'); return; }
      try {
        await api('/auth/password', { method: 'POST', body: { old_password: oldPw, new_password: newPw }, noRedirect: true });
        $('pw-form').reset();
        showLogin('密码已修改，请用新密码登录', 'info');
      } catch (e) {
        formMsg('pw-msg', e.message);
      }
    });
    $('totp-start').addEventListener('click', async () => {
      try {
        const d = await api('/auth/totp/enroll', { method: 'POST', body: {}, noRedirect: true });
        const img = new Image();   // the SVG as an image: no markup from the server enters the page
        img.alt = '绑定二维码';
        img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(d.qr_svg);
        $('totp-qr').replaceChildren(img);
        $('totp-secret').textContent = d.secret;
        $('totp-start').hidden = true;
        $('totp-setup').hidden = false;
        $('totp-code').focus();
      } catch (e) {
        formMsg('totp-msg', e.message);
      }
    });
    $('totp-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        const d = await api('/auth/totp/confirm', { method: 'POST', body: { code: $('totp-code').value.trim() }, noRedirect: true });
        $('totp-codes').replaceChildren(...d.recovery_codes.map((c) => el('li', null, c)));
        $('totp-setup').hidden = true;
        $('totp-done').hidden = false;
        formMsg('totp-msg', '');
      } catch (e) {
        formMsg('totp-msg', e.message);
      }
    });
    $('totp-continue').addEventListener('click', async () => {
      $('totp-codes').replaceChildren();
      try {
        const d = await api('/auth/me', { noRedirect: true });
        enter(d && d.user ? d.user : d);
      } catch (e) {
        showLogin(e.message);
      }
    });

    for (const b of document.querySelectorAll('.tab')) {
      b.addEventListener('click', () => { switchTab(b.dataset.tab); loadTab(); });
    }

    $('res-search').addEventListener('submit', (ev) => { ev.preventDefault(); hideMsg(); state.res.page = 1; loadResidents(); });
    $('res-reset').addEventListener('click', () => { $('res-search').reset(); hideMsg(); state.res.page = 1; loadResidents(); });
    $('hh-search').addEventListener('submit', (ev) => { ev.preventDefault(); hideMsg(); state.hh.page = 1; loadHouseholds(); });
    $('hh-reset').addEventListener('click', () => { $('hh-search').reset(); hideMsg(); state.hh.page = 1; loadHouseholds(); });
    bindPager('res', loadResidents);
    bindPager('hh', loadHouseholds);

    const dlg = $('detail');
    $('detail-close').addEventListener('click', () => dlg.close());
    dlg.addEventListener('click', (e) => { if (e.target === dlg) dlg.close(); }); // 点击遮罩关闭
  }

  async function boot() {
    bind();
    try {
      const d = await api('/auth/me', { noRedirect: true });
      enter(d && d.user ? d.user : d);
    } catch (e) {
      showLogin(e.status === 401 ? '' : e.message);
    }
  }

  boot();
})();
