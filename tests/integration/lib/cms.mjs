// CMS helpers shared by the integration tests: test users made with
// `lifted-cms createsuperuser --password-file`, a logged-in client that
// keeps its session cookie and CSRF token, and staff accounts made
// through the API under test.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

import { run, binPath, cleanEnv, get } from './stack.mjs';

// A CMS superuser made by `lifted-cms createsuperuser --password-file`
// with the stack's environment (or env).
export function createSuperuser(stack, username, password, { env = cleanEnv(stack.env) } = {}) {
  const pwFile = path.join(stack.tmpDir(), 'pw');
  writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
  const r = run(binPath('cms'), ['createsuperuser', '--username', username, '--password-file', pwFile], { env });
  assert.equal(r.status, 0, `createsuperuser ${username} failed:\n${r.stdout}\n${r.stderr}`);
}

// A client of one CMS server: keeps the session cookie it is given and,
// after login, the CSRF token, sent with every POST.
export class Client {
  // timeoutMs: for each POST (the harness's default when not given).
  constructor(port, { timeoutMs } = {}) {
    this.port = port;
    this.cookie = null;
    this.csrf = null;
    this.timeoutMs = timeoutMs;
  }

  headers(extra = {}) {
    const h = { ...extra };
    if (this.cookie) h.Cookie = this.cookie;
    return h;
  }

  keepCookie(r) {
    for (const c of r.headers.getSetCookie?.() ?? []) {
      const m = /^([^=]+)=([^;]*)/.exec(c);
      if (!m) continue;
      this.cookie = m[2] === '' ? null : `${m[1]}=${m[2]}`;
    }
  }

  async get(p) {
    const r = await get(this.port, p, { headers: this.headers() });
    this.keepCookie(r);
    return r;
  }

  // csrf: false leaves the token out; raw: body is sent as it is;
  // type: its Content-Type.
  async post(p, body, { csrf = true, raw = false, type = 'application/json' } = {}) {
    const h = this.headers({ 'Content-Type': type });
    if (csrf && this.csrf) h['X-CSRF-Token'] = this.csrf;
    const opts = { method: 'POST', headers: h, body: raw ? body : JSON.stringify(body) };
    if (this.timeoutMs !== undefined) opts.timeoutMs = this.timeoutMs;
    const r = await get(this.port, p, opts);
    this.keepCookie(r);
    return r;
  }

  // Logs in and fetches the CSRF token; returns /me. With noTotp, also
  // checks that the login asked for no TOTP code.
  async login(username, password, { noTotp = false } = {}) {
    this.cookie = null;
    this.csrf = null;
    const r = await this.post('/cms/api/login', { username, password }, { csrf: false });
    assert.equal(r.status, 200, `login ${username}: ${r.body}`);
    if (noTotp) assert.equal(r.json.totp_required, false);
    const me = await this.get('/cms/api/me');
    assert.equal(me.status, 200, me.body);
    this.csrf = me.json.csrf;
    return me.json;
  }

  // The same session against another CMS server of the stack.
  on(port) {
    const c = new this.constructor(port, { timeoutMs: this.timeoutMs });
    c.cookie = this.cookie;
    c.csrf = this.csrf;
    return c;
  }
}

// A new client of port, logged in.
export async function login(port, username, password, { ClientClass = Client, ...opts } = {}) {
  const c = new ClientClass(port);
  await c.login(username, password, opts);
  return c;
}

// A new account made by admin with groups, logged in, that has changed
// its first password (so it is a normal session: an account that must
// change it can only do that). The client gets .password and .id.
export async function newStaff(admin, username, groups, { ClientClass = Client } = {}) {
  const first = `${username}-first-pass`;
  const r = await admin.post('/cms/api/users/create', { username, password: first, groups });
  assert.equal(r.status, 201, r.body);
  const c = await login(admin.port, username, first, { ClientClass });
  const pw = `${username}-steady-pass`;
  const ch = await c.post('/cms/api/account/password', { current_password: first, new_password: pw });
  assert.equal(ch.status, 200, ch.body);
  c.password = pw;
  c.id = r.json.id;
  return c;
}

// newStaff in a new group `${username}-group` holding only permissions
// (and, when given, grants for providers).
export async function staffWith(admin, username, permissions, { providers = [], ClientClass = Client } = {}) {
  const g = await admin.post('/cms/api/groups/create', { name: `${username}-group`, permissions });
  assert.equal(g.status, 201, g.body);
  if (providers.length > 0) {
    const p = await admin.post('/cms/api/groups/providers', { id: g.json.id, providers });
    assert.equal(p.status, 200, p.body);
  }
  return newStaff(admin, username, [g.json.id], { ClientClass });
}

// SQL through the stack's psql on which ('cms' or 'app'); fails the test
// when psql does; returns the trimmed output.
export function sqlOn(stack, which, text) {
  const r = stack.psql(which, text);
  assert.equal(r.status, 0, `psql ${which}: ${r.stderr}`);
  return r.stdout.trim();
}

// A SQL string literal.
export const lit = (s) => `'${String(s).replace(/'/g, "''")}'`;

// A seed(over) that writes a scraped row as the scraper would (as the CMS
// superuser) and returns its id; rows are numbered from 1 into their
// name (`${name} N`) and url (`${url}N`).
export function scrapedSeeder(stack, { name, url, spider }) {
  let seq = 0;
  return (over = {}) => {
    seq += 1;
    const c = {
      name: `${name} ${seq}`, provider: 'Law Academy', url: `${url}${seq}`,
      cost: 120, level_id: 1, format_id: 2, cpd_state: 'points', cpd_points: 3,
      dates: [{ start: '2030-03-01', end: '2030-03-02' }], category_ids: [1], spider_name: spider,
      state: 'scraped', ...over,
    };
    return Number(sqlOn(stack, 'cms', `INSERT INTO scraped_courses (name, provider, url, cost, level_id, format_id,
      cpd_state, cpd_points, dates, category_ids, spider_name, source_url, state)
      VALUES (${lit(c.name)}, ${lit(c.provider)}, ${lit(c.url)}, ${c.cost}, ${c.level_id}, ${c.format_id},
      ${c.cpd_state ? lit(c.cpd_state) : 'NULL'}, ${c.cpd_points ?? 'NULL'}, ${lit(JSON.stringify(c.dates))},
      ${lit(`{${c.category_ids.join(',')}}`)}, ${lit(c.spider_name)}, ${lit(c.url)}, ${lit(c.state)})
      RETURNING id`).split('\n')[0]);
  };
}
