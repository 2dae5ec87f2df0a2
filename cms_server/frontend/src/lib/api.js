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

async function request(method, path, { params = {}, body, signal, quiet401 = false } = {}) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
  }
  let res;
  try {
    res = await fetch(`/cms/api/${path}${query(params)}`, {
      method,
      headers,
      body: method === 'GET' ? undefined : JSON.stringify(body || {}),
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
};
