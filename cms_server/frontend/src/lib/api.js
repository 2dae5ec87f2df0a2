// The fetch layer: the only module that talks to the CMS's JSON API
// (docs/cms-api.md). Every call returns parsed JSON or throws an ApiError
// carrying the server's message and its per-field messages
// ({"error": ..., "fields": {name: message}}).
//
// The session cookie goes with every request (same origin); every POST
// carries the CSRF token from the login answer or /cms/api/me in the
// X-CSRF-Token header. A 401 on anything but the login calls means the
// session has ended: the listeners (the session store) are told.

export class ApiError extends Error {
  constructor(message, status, fields) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.fields = fields && typeof fields === 'object' ? fields : null;
  }
}

let csrfToken = null;
const unauthorizedListeners = new Set();

export function setCsrf(token) {
  csrfToken = typeof token === 'string' && token ? token : null;
}

export function onUnauthorized(fn) {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    q.append(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

async function request(method, path, { params = {}, body, raw, signal, quiet401 = false, headers: extra } = {}) {
  const headers = { Accept: 'application/json', ...(extra || {}) };
  if (method !== 'GET') {
    // A raw body (a File for an upload) goes as it is, with its own type.
    headers['Content-Type'] = raw ? (raw.type || 'application/octet-stream') : 'application/json';
    if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
  }
  let res;
  try {
    res = await fetch(`/cms/api/${path}${query(params)}`, {
      method,
      headers,
      body: method === 'GET' ? undefined : (raw || JSON.stringify(body || {})),
      credentials: 'same-origin',
      cache: 'no-store',
      signal,
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError('The server could not be reached. Check your connection and try again.', 0);
  }
  let data = null;
  const type = res.headers.get('Content-Type') || '';
  if (type.includes('json')) {
    try {
      data = await res.json();
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    if (res.status === 401 && !quiet401) for (const fn of unauthorizedListeners) fn();
    const msg = data && typeof data.error === 'string' ? data.error : `The server answered ${res.status}.`;
    throw new ApiError(msg, res.status, data && data.fields);
  }
  if (data === null) {
    if (res.status === 204) return {};
    throw new ApiError('The server sent an answer that is not JSON.', res.status);
  }
  if (typeof data.csrf === 'string') setCsrf(data.csrf);
  return data;
}

const get = (path, params, opts) => request('GET', path, { ...opts, params });
const post = (path, body, opts) => request('POST', path, { ...opts, body });
const upload = (path, params, file, opts) => request('POST', path, { ...opts, params, raw: file });
// A file as the raw body of a PUT, its name in X-File-Name (docs/media.md).
const putFile = (path, file, opts) => request('PUT', path, {
  ...opts, raw: file, headers: { 'X-File-Name': encodeURIComponent(file.name || '') },
});

// A page of a list: {total, page, pageSize, results}.
function paged(data, page, pageSize) {
  const results = list(data, 'results');
  return {
    total: Number.isFinite(data && data.total) ? data.total : results.length,
    page: (data && data.page) || page,
    pageSize: (data && data.page_size) || pageSize,
    results,
  };
}

// Lists come either bare or wrapped ({users: [...]}); both are accepted.
function list(data, key) {
  if (Array.isArray(data)) return data;
  if (data && Array.isArray(data[key])) return data[key];
  if (data && Array.isArray(data.results)) return data.results;
  return [];
}

// A permission: {name, description}.
function permission(p) {
  if (typeof p === 'string') return { name: p, description: '' };
  return { name: String(p.name), description: p.description || '' };
}

// A group reference ({id, name}) or a plain name.
function ref(x) {
  return typeof x === 'object' && x !== null ? { id: x.id, name: String(x.name) } : { id: null, name: String(x) };
}

function user(u) {
  const groups = (Array.isArray(u.groups) ? u.groups : []).map(ref);
  return {
    id: u.id,
    username: u.username,
    disabled: Boolean(u.disabled),
    groups: groups.map((g) => g.name),
    groupIds: groups.map((g) => g.id),
    totpEnabled: Boolean(u.totp_enabled),
    mustChangePassword: Boolean(u.must_change_password),
    lastLogin: u.last_login || null,
  };
}

function group(g) {
  return {
    id: g.id,
    name: g.name,
    description: g.description || '',
    permissions: (Array.isArray(g.permissions) ? g.permissions : []).map((p) => (typeof p === 'string' ? p : p.name)),
    providers: (Array.isArray(g.providers) ? g.providers : []).map((p) => (typeof p === 'string' ? p : p.name)),
    members: Number.isFinite(g.members) ? g.members : null,
  };
}

export const api = {
  // Session
  me: (opts) => get('me', {}, { ...opts, quiet401: true }),
  login: (username, password) => post('login', { username, password }, { quiet401: true }),
  loginTotp: (code) => post('login/totp', { code }, { quiet401: true }),
  loginRecovery: (recoveryCode) => post('login/totp', { recovery_code: recoveryCode }, { quiet401: true }),
  logout: () => post('logout', {}, { quiet401: true }),

  // Own account
  changePassword: (current, next) => post('account/password', { current_password: current, new_password: next }),
  totpStart: () => post('account/totp/start', {}),
  totpConfirm: (code) => post('account/totp/confirm', { code }),

  // Users (by id; groups by id)
  users: async (opts) => list(await get('users', {}, opts), 'users').map(user),
  createUser: ({ username, password, groups }) => post('users/create', { username, password, groups }),
  disableUser: (id) => post('users/disable', { id }),
  enableUser: (id) => post('users/enable', { id }),
  resetPassword: (id) => post('users/reset-password', { id }),
  resetTotp: (id) => post('users/reset-totp', { id }),
  setUserGroups: (id, groups) => post('users/groups', { id, groups }),

  // Groups (by id) and permissions (by name)
  groups: async (opts) => list(await get('groups', {}, opts), 'groups').map(group),
  permissions: async (opts) => list(await get('permissions', {}, opts), 'permissions').map(permission),
  createGroup: ({ name, permissions }) => post('groups/create', { name, permissions }),
  updateGroup: ({ id, permissions }) => post('groups/update', { id, permissions }),
  deleteGroup: (id) => post('groups/delete', { id }),
  setGroupProviders: (id, providers) => post('groups/providers', { id, providers }),

  // Audit log: {who, what, from, to, page, pageSize} → {total, page,
  // pageSize, entries}.
  audit: async ({ who, what, from, to, page = 1, pageSize = 50 }, opts) => {
    const data = await get('audit', { who, what, from, to, pg: page, ps: pageSize }, opts);
    const entries = list(data, 'entries');
    return {
      total: Number.isFinite(data.total) ? data.total : entries.length,
      page: data.page || page,
      pageSize: data.page_size || pageSize,
      entries,
    };
  },

  // Courses (docs/cms-courses.md). `kind` is 'published' (the App
  // database, /cms/api/courses...) or 'scraped' (the scraped rows in the
  // CMS database, /cms/api/courses/scraped...).
  courses: async (kind, { page = 1, pageSize = 25, ...filters }, opts) => {
    const data = await get(kind === 'scraped' ? 'courses/scraped' : 'courses', { ...filters, pg: page, ps: pageSize }, opts);
    return paged(data, page, pageSize);
  },
  course: (kind, id, opts) => get(kind === 'scraped' ? 'courses/scraped/get' : 'courses/get', { id }, opts),
  saveCourse: (kind, course) => post(kind === 'scraped' ? 'courses/scraped/update' : 'courses/update', course),
  addCourse: (course) => post('courses/create', course),
  deleteCourse: (id, comment) => post('courses/delete', { id, comment }),
  transition: (id, transition, comment) => post('courses/transition', { id, transition, comment }),
  courseHistory: async (kind, id, opts) => list(await get('courses/history', kind === 'scraped' ? { id } : { course_id: id }, opts), 'results'),
  workflow: (opts) => get('courses/workflow', {}, opts),
  reconcile: () => post('courses/reconcile', {}),
  // The editor's lists: levels, formats, the category tags by vertical.
  // From /cms/api/courses/lists ({levels, formats: [{id, name}],
  // verticals: [{id, name, categories: [{id, name}]}]}) when the server
  // has it; the categories otherwise from the App's /qns (the CMS mirrors
  // the App's API).
  courseLists: async (opts) => {
    let lists = {};
    try {
      lists = await get('courses/lists', {}, opts);
    } catch (e) {
      // Not there: a 404, or the static fallback's HTML (a 200 that is
      // not JSON).
      if (e.name === 'AbortError' || (e.status !== 404 && e.status !== 200)) throw e;
    }
    const named = (v) => Array.isArray(v) && v.length > 0 && v.every((x) => x && typeof x === 'object' && 'name' in x);
    const out = {
      levels: named(lists.levels) ? lists.levels : [],
      formats: named(lists.formats) ? lists.formats : [],
      verticals: named(lists.verticals) ? lists.verticals : null,
      spiders: Array.isArray(lists.spiders) ? lists.spiders : [],
    };
    if (out.verticals) return out;
    const res = await fetch('/qns', { credentials: 'same-origin', headers: { Accept: 'application/json' }, signal: opts && opts.signal });
    if (!res.ok) throw new ApiError(`The App's lists could not be read (${res.status}).`, res.status);
    const q = await res.json();
    out.verticals = ((q.vertical && q.vertical.options) || []).map((v) => ({
      id: v.id,
      name: String(v.text || '').replace(/\.$/, ''),
      categories: ((q.comp_category && q.comp_category.options && q.comp_category.options[String(v.id)]) || [])
        .map((c) => ({ id: c.id, name: c.text })),
    }));
    return out;
  },
  // A course's brochure and logo (docs/media.md): {brochure, logo}, each
  // null or {key, content_type, url, ...}; an upload replaces one.
  courseMedia: (kind, id, opts) => get('courses/media', { type: kind === 'scraped' ? 'scraped' : 'app', id }, opts),
  uploadMedia: (kind, id, what, file) =>
    putFile(`courses/${kind === 'scraped' ? 'scraped' : 'app'}/${encodeURIComponent(id)}/${what}`, file),
  providers: async (q, opts) => list(await get('providers', { q }, opts), 'results')
    .map((p) => (typeof p === 'string' ? p : p.name)).filter(Boolean),

  // Framework import: one raw upload per sheet, then check, then apply.
  uploadSheet: (sheet, format, file) => upload('framework/upload', { sheet, format }, file),
  discardSheets: () => post('framework/discard', {}),
  checkFramework: () => post('framework/check', {}),
  applyFramework: () => post('framework/apply', {}),

  // Scrapers (docs/scraper-jobs.md): the answers are read by
  // lib/scrapers.js, which accepts the shapes the server may use.
  scrapers: (opts) => get('scrapers', {}, opts),
  startScrape: (spider) => post('scrapers/start', { spider }),
  scrapeJob: (id, since, opts) => get('scrapers/job', { id, since }, opts),
  cancelScrape: (id) => post('scrapers/cancel', { id }),
  proposals: (opts) => get('scrapers/proposals', {}, opts),
  applyProposal: (id) => post('scrapers/proposals/apply', { id }),
  dismissProposal: (id) => post('scrapers/proposals/dismiss', { id }),
};
