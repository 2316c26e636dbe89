// lib/api.js — every call to the server goes through here. Replies are
// JSON; an error reply {error: {code, message, field}} becomes an
// ApiError carrying the server's Chinese message and the field it names,
// so a form can show it next to that field (fieldErrors) and everything
// else as a toast (showError). A 401 means the session is gone: the
// session module returns the user to the login page with a message.

export const API = '/api/v1';

const FALLBACK = {
  400: '请求有误', 401: '未登录或登录已过期', 403: '无权限执行此操作',
  404: '未找到（或不在您的管辖范围内）', 409: '与现有数据冲突', 413: '提交内容过大',
  423: '账户已锁定，请稍后再试', 429: '操作过于频繁，请稍后再试', 500: '服务器内部错误',
  503: '系统繁忙，请稍后重试',
};

export class ApiError extends Error {
  constructor(message, status, code, field, data) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || null;
    this.data = data || null;
  }
}

let onUnauthorized = null;
// session.js registers what a 401 does (back to login).
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

export function query(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v === undefined || v === null || v === '') continue;
    u.set(k, String(v));
  }
  const s = u.toString();
  return s ? '?' + s : '';
}

async function send(path, init, opts) {
  let res;
  try {
    res = await fetch(API + path, { credentials: 'same-origin', ...init });
  } catch (e) {
    throw new ApiError('无法连接服务器，请检查网络后重试', 0, 'network');
  }
  if (res.ok) return res;
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  throw failure(res.status, data, opts);
}

// The ApiError of a refused request (a 401 also ends the session).
function failure(status, data, opts) {
  const err = (data && data.error) || {};
  const e = new ApiError(err.message || FALLBACK[status] || `请求失败（HTTP ${status}）`,
    status, err.code, err.field, data);
  if (status === 401 && !opts.noRedirect && onUnauthorized) {
    e.handled = true;
    onUnauthorized();
  }
  return e;
}

// api('/residents', {query: {...}}) → parsed JSON.
// opts: method, body (JSON), query, noRedirect (a 401 is the caller's: login),
// headers (extra request headers, e.g. If-Match: '"3"').
export async function api(path, opts = {}) {
  const init = { method: opts.method || 'GET', headers: { Accept: 'application/json', ...opts.headers } };
  if (opts.body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(opts.body);
  }
  const res = await send(path + query(opts.query), init, opts);
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

// Uploads a file as the raw request body (the import routes).
// opts.onProgress(fraction 0…1): sent through XMLHttpRequest, whose
// upload events give a progress bar (fetch has none).
export async function upload(path, file, opts = {}) {
  const type = /\.xlsx$/i.test(file.name)
    ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv';
  const init = { method: 'POST', headers: { Accept: 'application/json', 'Content-Type': type }, body: file };
  try {
    if (opts.onProgress) return await uploadWithProgress(API + path + query(opts.query), init, opts);
    const res = await send(path + query(opts.query), init, opts);
    return await res.json();
  } catch (e) {
    // A rejected import answers 400 with its report: give it to the page.
    if (e.data && e.data.report) e.report = e.data.report;
    throw e;
  }
}

function uploadWithProgress(url, init, opts) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open(init.method, url);
    for (const [k, v] of Object.entries(init.headers)) x.setRequestHeader(k, v);
    x.upload.onprogress = (ev) => { if (ev.lengthComputable) opts.onProgress(ev.loaded / ev.total); };
    x.upload.onload = () => opts.onProgress(1);
    x.onerror = () => reject(new ApiError('无法连接服务器，请检查网络后重试', 0, 'network'));
    x.onload = () => {
      let data = null;
      try { data = x.responseText ? JSON.parse(x.responseText) : null; } catch (e) { data = null; }
      if (x.status >= 200 && x.status < 300) resolve(data);
      else reject(failure(x.status, data, opts));
    };
    x.send(init.body);
  });
}

// Downloads a file (exports): saved under the server's file name.
export async function download(path, opts = {}) {
  const res = await send(path + query(opts.query), { method: 'GET' }, opts);
  const blob = await res.blob();
  const cd = res.headers.get('Content-Disposition') || '';
  let name = opts.fallbackName || 'export';
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
  const plain = /filename="?([^";]+)"?/i.exec(cd);
  if (star) name = decodeURIComponent(star[1]);
  else if (plain) name = plain[1];
  saveBlob(blob, name);
  return name;
}

// Saves a blob made here or downloaded as a file named `name`.
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// A toast with the error's message (nothing for a 401 already handled).
export function showError(e) {
  if (e && e.handled) return;
  if (!(e instanceof ApiError)) console.error(e);
  ElMessage({ type: 'error', message: (e && e.message) || String(e), showClose: true, duration: 5000 });
}

// For el-form: {field: message} when the error names a field of the
// form, else a toast. Returns the map (empty when toasted).
export function fieldErrors(e, fields) {
  if (e instanceof ApiError && e.field && fields.includes(e.field)) return { [e.field]: e.message };
  showError(e);
  return {};
}
