// CMS accounts and sessions (issue 4, docs/cms-api.md) over real HTTP
// against a real stack: login and logout, one answer for every failure,
// throttling, CSRF, idle and absolute expiry, password change ending the
// other sessions, disabled users, TOTP with recovery codes, the App
// ignoring the CMS cookie, the App mirror behind login, audit rows.
//
// Test users are made with `lifted-cms createsuperuser --password-file`
// (every permission); a user's groups are then trimmed with SQL as the
// cluster superuser where a test needs fewer permissions.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { Stack, get, run, sleep, waitFor } from './lib/stack.mjs';
import { createSuperuser } from './lib/cms.mjs';

const stack = new Stack(7);
let cms; // the stack's CMS port
let app; // the stack's App port
let adminPw;

const FAILED = 'invalid username or password';
const TOO_MANY = /^too many attempts, try again in \d+ s$/;

function sql(q) {
  const r = stack.psql('cms', q);
  assert.equal(r.status, 0, `psql: ${r.stderr}`);
  return r.stdout.trim();
}

// Made with the CMS server's own environment.
const createUser = (name, password) => createSuperuser(stack, name, password, { env: stack.serveEnv('cms') });

const cookieOf = (res) => {
  const m = /(?:^|[\s,])lifted_cms_session=([^;]*)/.exec(res.headers.get('set-cookie') || '');
  return m ? m[1] : null;
};

function login(port, username, password, headers = {}) {
  return get(port, '/cms/api/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ username, password }),
  });
}

// A logged-in browser: its cookie and CSRF token.
class Client {
  constructor(port) { this.port = port; this.cookie = null; this.csrf = null; }

  async login(username, password) {
    const r = await login(this.port, username, password);
    assert.equal(r.status, 200, `login ${username}: ${r.body}`);
    this.cookie = cookieOf(r);
    assert.ok(this.cookie, 'a session cookie');
    if (!r.json.totp_required) await this.refresh();
    return r;
  }

  async refresh() {
    const me = await this.get('/cms/api/me');
    assert.equal(me.status, 200, me.body);
    this.csrf = me.json.csrf;
    return me.json;
  }

  get(p, headers = {}) {
    return get(this.port, p, { headers: { cookie: `lifted_cms_session=${this.cookie}`, ...headers } });
  }

  post(p, body = {}, { csrf = this.csrf, headers = {} } = {}) {
    const h = { cookie: `lifted_cms_session=${this.cookie}`, 'content-type': 'application/json', ...headers };
    if (csrf !== null) h['x-csrf-token'] = csrf;
    return get(this.port, p, { method: 'POST', headers: h, body: JSON.stringify(body) });
  }
}

// RFC 6238 with SHA-1, 30 s, 6 digits, from a base32 secret.
function b32decode(s) {
  const alpha = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, v = 0;
  const out = [];
  for (const c of s.replace(/=+$/, '').toUpperCase()) {
    v = (v << 5) | alpha.indexOf(c);
    bits += 5;
    if (bits >= 8) { out.push((v >>> (bits - 8)) & 255); bits -= 8; }
  }
  return Buffer.from(out);
}
function totp(secret, step) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', b32decode(secret)).update(msg).digest();
  const off = mac[mac.length - 1] & 15;
  const bin = (mac.readUInt32BE(off) & 0x7fffffff) % 1_000_000;
  return String(bin).padStart(6, '0');
}
const nowStep = () => Math.floor(Date.now() / 30_000);

// The mirror answers 503 until its App cache has loaded (slow under ASan).
async function mirrorOk(c) {
  let last;
  await waitFor(async () => { last = await c.get('/qns'); return last.status !== 503; },
    { what: 'the App cache of the CMS', timeoutMs: 20_000 });
  assert.equal(last.status, 200, last.body);
  return last;
}

const auditCount = (action, target) =>
  Number(sql(`SELECT count(*) FROM audit_log WHERE action = '${action}'` +
    (target ? ` AND target_id = (SELECT id::text FROM users WHERE username = '${target}')` : '')));

before(async () => {
  await stack.up();
  cms = stack.ports.cms;
  app = stack.ports.app;
  adminPw = readFileSync(path.join(stack.dir, 'secrets', 'admin.pw'), 'utf8').trim();
});

after(async () => {
  await stack.down();
});

test('stack up created the first admin with an owner-only password file', () => {
  const st = run('stat', ['-c', '%a', path.join(stack.dir, 'secrets', 'admin.pw')]);
  assert.equal(st.stdout.trim(), '600');
  assert.match(adminPw, /^[0-9a-f]{24}$/);
  assert.equal(sql("SELECT count(*) FROM users WHERE username = 'admin'"), '1');
  assert.equal(auditCount('user.create', 'admin'), 1);
});

test('without a session: API 401, pages to the login screen, public paths open', async () => {
  // (Declared parameters are validated before the gate: /roles without
  // its parameters would answer 400 whoever asks.)
  for (const p of ['/cms/api/me', '/qns', '/roles?v=1', '/cms/api/nothing']) {
    const r = await get(cms, p);
    assert.equal(r.status, 401, p);
    assert.equal(r.json.error, 'login required');
  }
  const page = await get(cms, '/');
  assert.equal(page.status, 303);
  assert.equal(page.headers.get('location'), '/cms/');
  const deep = await get(cms, '/some/page');
  assert.equal(deep.status, 303);
  assert.equal(deep.headers.get('location'), '/cms/?next=/some/page');
  assert.equal((await get(cms, '/healthz')).status, 200);
  assert.equal((await get(cms, '/readyz')).status, 200);
  assert.equal((await get(cms, '/cms/')).status, 200);
  // A cookie that names no session is refused and cleared.
  const bogus = await get(cms, '/cms/api/me', { headers: { cookie: `lifted_cms_session=${'A'.repeat(43)}` } });
  assert.equal(bogus.status, 401);
  assert.match(bogus.headers.get('set-cookie') || '', /Max-Age=0/);
});

test('login, the App mirror behind it, logout', async () => {
  const c = new Client(cms);
  const r = await c.login('admin', adminPw);
  assert.deepEqual(r.json, { totp_required: false });
  const sc = r.headers.get('set-cookie');
  assert.match(sc, /HttpOnly/);
  assert.match(sc, /SameSite=Strict/);
  assert.match(sc, /Path=\//);
  assert.doesNotMatch(sc, /Secure/); // plain http here
  const me = await c.refresh();
  assert.equal(me.username, 'admin');
  assert.ok(me.permissions.includes('users.manage'));
  assert.equal(me.must_change_password, false);
  assert.equal(me.totp_enabled, false);
  assert.equal(typeof me.csrf, 'string');
  await mirrorOk(c);
  assert.equal((await c.get('/')).status, 200);

  const before = auditCount('auth.logout', 'admin');
  const bad = await c.post('/cms/api/logout', {}, { csrf: null });
  assert.equal(bad.status, 403);
  assert.equal((await c.get('/cms/api/me')).status, 200, 'a refused logout changes nothing');
  const out = await c.post('/cms/api/logout');
  assert.equal(out.status, 200);
  assert.match(out.headers.get('set-cookie') || '', /Max-Age=0/);
  assert.equal((await c.get('/cms/api/me')).status, 401);
  assert.equal((await c.get('/qns')).status, 401);
  assert.equal(auditCount('auth.logout', 'admin'), before + 1);
  assert.ok(auditCount('auth.login', 'admin') >= 1);
});

test('a new session id at every login; a planted cookie is not kept', async () => {
  const a = new Client(cms);
  await a.login('admin', adminPw);
  const planted = a.cookie;
  const r = await login(cms, 'admin', adminPw, { cookie: `lifted_cms_session=${planted}` });
  assert.equal(r.status, 200);
  const fresh = cookieOf(r);
  assert.notEqual(fresh, planted);
  assert.equal((await a.get('/cms/api/me')).status, 401, 'the old session ended');
  a.cookie = fresh;
  assert.equal((await a.get('/cms/api/me')).status, 200);
});

test('wrong password, unknown user, disabled user: one answer', async () => {
  createUser('wrongpw', 'correct horse battery');
  for (const [u, p] of [['wrongpw', 'not the password'], ['nobody-here', 'whatever it is'], ['', 'x']]) {
    const r = await login(cms, u, p);
    if (u === '') { assert.equal(r.status, 400); continue; }
    assert.equal(r.status, 401, u);
    assert.equal(r.json.error, FAILED);
    assert.equal(cookieOf(r), null);
  }
  // Login CSRF defences.
  const form = await get(cms, '/cms/api/login', {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'username=wrongpw&password=correct+horse+battery',
  });
  assert.equal(form.status, 400);
  const cross = await login(cms, 'wrongpw', 'correct horse battery', { origin: 'http://evil.example' });
  assert.equal(cross.status, 403);
  const same = await login(cms, 'wrongpw', 'correct horse battery', { origin: `http://127.0.0.1:${cms}` });
  assert.equal(same.status, 200);
  sql('DELETE FROM login_attempts');
});

test('throttling: before hashing, the same for known and unknown users', async () => {
  createUser('throttled', 'the real password');
  const times = { known: [], unknown: [] };
  for (let i = 0; i < 5; i++) {
    const k = await login(cms, 'throttled', `wrong ${i}`);
    assert.equal(k.status, 401);
    assert.equal(k.json.error, FAILED);
    times.known.push(k.ms);
    const u = await login(cms, 'ghost-user', `wrong ${i}`);
    assert.equal(u.status, 401);
    assert.equal(u.json.error, FAILED);
    times.unknown.push(u.ms);
  }
  for (const name of ['throttled', 'ghost-user', 'THROTTLED']) {
    const r = await login(cms, name, 'wrong again');
    assert.equal(r.status, 429, name);
    assert.match(r.json.error, TOO_MANY);
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
  }
  // Even the right password waits: throttling comes before the hash.
  const right = await login(cms, 'throttled', 'the real password');
  assert.equal(right.status, 429);
  assert.ok(right.ms < 100, `a throttled answer costs no hash (${right.ms} ms)`);
  // An unknown user costs a hash like a known one.
  const avg = (a) => a.reduce((x, y) => x + y, 0) / a.length;
  assert.ok(avg(times.unknown) > 0.5 * avg(times.known),
    `unknown ${avg(times.unknown)} ms vs known ${avg(times.known)} ms`);
  assert.ok(avg(times.known) > 20, `a hash costs time (${avg(times.known)} ms)`);
  sql('DELETE FROM login_attempts');
  assert.equal((await login(cms, 'throttled', 'the real password')).status, 200);
});

test('CSRF missing or wrong: 403 and nothing changes', async () => {
  createUser('csrfuser', 'first password here');
  const c = new Client(cms);
  await c.login('csrfuser', 'first password here');
  const body = { current_password: 'first password here', new_password: 'second password here' };
  for (const csrf of [null, 'wrong', `${c.csrf}x`, c.csrf.slice(0, -1)]) {
    const r = await c.post('/cms/api/account/password', body, { csrf });
    assert.equal(r.status, 403, String(csrf));
    assert.equal(r.json.error, 'CSRF token missing or wrong');
  }
  assert.equal(auditCount('account.password_change', 'csrfuser'), 0);
  assert.equal((await login(cms, 'csrfuser', 'first password here')).status, 200);
  assert.equal((await login(cms, 'csrfuser', 'second password here')).status, 401);
  sql('DELETE FROM login_attempts');
});

test('password change ends the other sessions, keeps this one', async () => {
  createUser('pwchange', 'old password 1234');
  const a = new Client(cms);
  const b = new Client(cms);
  await a.login('pwchange', 'old password 1234');
  await b.login('pwchange', 'old password 1234');
  const weak = await a.post('/cms/api/account/password', { current_password: 'old password 1234', new_password: 'short' });
  assert.equal(weak.status, 400);
  assert.ok('new_password' in weak.json.fields);
  const wrong = await a.post('/cms/api/account/password', { current_password: 'nope nope nope', new_password: 'new password 5678' });
  assert.equal(wrong.status, 403);
  const r = await a.post('/cms/api/account/password', { current_password: 'old password 1234', new_password: 'new password 5678' });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.sessions_ended, 1);
  assert.equal((await a.get('/cms/api/me')).status, 200);
  assert.equal((await b.get('/cms/api/me')).status, 401);
  assert.equal((await login(cms, 'pwchange', 'old password 1234')).status, 401);
  assert.equal((await login(cms, 'pwchange', 'new password 5678')).status, 200);
  assert.equal(auditCount('account.password_change', 'pwchange'), 1);
  sql('DELETE FROM login_attempts');
});

test("a disabled user's open session stops at once", async () => {
  createUser('tobedisabled', 'disable me please');
  const c = new Client(cms);
  await c.login('tobedisabled', 'disable me please');
  await mirrorOk(c);
  sql("UPDATE users SET disabled = true WHERE username = 'tobedisabled'");
  assert.equal((await c.get('/qns')).status, 401);
  assert.equal((await c.get('/cms/api/me')).status, 401);
  const r = await login(cms, 'tobedisabled', 'disable me please');
  assert.equal(r.status, 401);
  assert.equal(r.json.error, FAILED);
  sql('DELETE FROM login_attempts');
});

test('must_change_password limits the session to the password route', async () => {
  createUser('mustchange', 'initial password');
  sql("UPDATE users SET must_change_password = true WHERE username = 'mustchange'");
  const c = new Client(cms);
  await c.login('mustchange', 'initial password');
  const me = await c.refresh();
  assert.equal(me.must_change_password, true);
  const q = await c.get('/qns');
  assert.equal(q.status, 403);
  assert.equal(q.json.must_change_password, true);
  const r = await c.post('/cms/api/account/password', { current_password: 'initial password', new_password: 'a better password' });
  assert.equal(r.status, 200);
  await mirrorOk(c);
});

test('idle and absolute expiry', async () => {
  createUser('expiring', 'expiring password');
  const s = await stack.startServer('cms', { LIFTED_SESSION_IDLE_S: 2, LIFTED_SESSION_MAX_S: 5, LIFTED_WORKERS: 1 },
    { waitReady: 'readyz' });
  const idle = new Client(s.port);
  await idle.login('expiring', 'expiring password');
  assert.equal((await idle.get('/cms/api/me')).status, 200);
  await sleep(3000);
  assert.equal((await idle.get('/cms/api/me')).status, 401, 'idle for 3 s > 2 s');

  const busy = new Client(s.port);
  await busy.login('expiring', 'expiring password');
  const t0 = Date.now();
  let endedAt = null;
  while (Date.now() - t0 < 9000) {
    const r = await busy.get('/cms/api/me');
    if (r.status === 401) { endedAt = Date.now() - t0; break; }
    assert.equal(r.status, 200);
    await sleep(1000);
  }
  assert.ok(endedAt !== null, 'the active session ended');
  assert.ok(endedAt >= 4000, `not before its absolute limit (${endedAt} ms)`);
  await s.stop();
});

test('TOTP: required by the setting, enrolment, recovery code once, replay refused', async () => {
  createUser('totpadmin', 'totp admin password');
  const s = await stack.startServer('cms', { LIFTED_REQUIRE_TOTP: 1, LIFTED_WORKERS: 1 }, { waitReady: 'readyz' });
  const c = new Client(s.port);
  await c.login('totpadmin', 'totp admin password');
  let me = await c.refresh();
  assert.equal(me.totp_setup_required, true);
  const blocked = await c.get('/qns');
  assert.equal(blocked.status, 403);
  assert.equal(blocked.json.totp_setup_required, true);

  const start = await c.post('/cms/api/account/totp/start');
  assert.equal(start.status, 200, start.body);
  const { secret, uri } = start.json;
  assert.match(secret, /^[A-Z2-7]{32}$/);
  assert.match(uri, /^otpauth:\/\/totp\/Lifted%20CMS%3Atotpadmin\?secret=[A-Z2-7]+&issuer=Lifted%20CMS/);
  const step = nowStep();
  const badConfirm = await c.post('/cms/api/account/totp/confirm', { code: String((Number(totp(secret, step)) + 1) % 1e6).padStart(6, '0') });
  assert.equal(badConfirm.status, 400);
  const conf = await c.post('/cms/api/account/totp/confirm', { code: totp(secret, step) });
  assert.equal(conf.status, 200, conf.body);
  const codes = conf.json.recovery_codes;
  assert.equal(codes.length, 10);
  assert.equal(new Set(codes).size, 10);
  for (const code of codes) assert.match(code, /^[a-z2-7]{5}-[a-z2-7]{5}$/);
  assert.equal(auditCount('account.totp_enable', 'totpadmin'), 1);
  // Stored hashed: no code appears in the table.
  const stored = sql("SELECT string_agg(encode(code_hash, 'hex'), ',') FROM recovery_codes");
  for (const code of codes) assert.ok(!stored.includes(code));
  me = await c.refresh();
  assert.equal(me.totp_enabled, true);
  assert.equal(me.totp_setup_required, false);
  await mirrorOk(c);
  await c.post('/cms/api/logout');

  // Second step with a recovery code.
  const p = new Client(s.port);
  const first = await p.login('totpadmin', 'totp admin password');
  assert.equal(first.json.totp_required, true);
  assert.equal((await p.get('/cms/api/me')).status, 401, 'a pending session is no session');
  const totpPost = (cookie, body) => get(s.port, '/cms/api/login/totp', {
    method: 'POST', headers: { cookie: `lifted_cms_session=${cookie}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal((await totpPost(p.cookie, { code: '000000' === totp(secret, nowStep()) ? '111111' : '000000' })).status, 401);
  const rec = await totpPost(p.cookie, { recovery_code: codes[0].toUpperCase() });
  assert.equal(rec.status, 200, rec.body);
  const full = cookieOf(rec);
  assert.notEqual(full, p.cookie, 'a new token after the second step');
  p.cookie = full;
  assert.equal((await p.get('/cms/api/me')).status, 200);
  assert.equal(auditCount('auth.recovery_code_used', 'totpadmin'), 1);

  // The same recovery code again: refused.
  const q = new Client(s.port);
  await q.login('totpadmin', 'totp admin password');
  assert.equal((await totpPost(q.cookie, { recovery_code: codes[0] })).status, 401);
  // A TOTP code (the confirmation used this step, so the next one).
  const code = totp(secret, step + 1);
  const ok = await totpPost(q.cookie, { code });
  assert.equal(ok.status, 200, ok.body);
  // Replaying that code in a new login: refused.
  const r2 = new Client(s.port);
  await r2.login('totpadmin', 'totp admin password');
  assert.equal((await totpPost(r2.cookie, { code })).status, 401);
  // Another recovery code still works.
  assert.equal((await totpPost(r2.cookie, { recovery_code: codes[1] })).status, 200);
  sql('DELETE FROM login_attempts');
  await s.stop();
});

test('behind a trusted proxy that says https: __Host- cookie with Secure', async () => {
  const s = await stack.startServer('cms', { LIFTED_TRUSTED_PROXIES: '127.0.0.1/32', LIFTED_WORKERS: 1 },
    { waitReady: 'readyz' });
  const https = { 'x-forwarded-proto': 'https' };
  const r = await login(s.port, 'admin', adminPw, https);
  assert.equal(r.status, 200, r.body);
  const sc = r.headers.get('set-cookie');
  assert.match(sc, /^__Host-lifted_cms_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Secure$/);
  const token = /^__Host-lifted_cms_session=([^;]*)/.exec(sc)[1];
  const me = await get(s.port, '/cms/api/me', { headers: { ...https, cookie: `__Host-lifted_cms_session=${token}` } });
  assert.equal(me.status, 200);
  // The plain name is not read on a secure request, nor the secure one on a plain request.
  assert.equal((await get(s.port, '/cms/api/me', { headers: { ...https, cookie: `lifted_cms_session=${token}` } })).status, 401);
  assert.equal((await get(s.port, '/cms/api/me', { headers: { cookie: `__Host-lifted_cms_session=${token}` } })).status, 401);
  await s.stop();
});

test('the App ignores the CMS cookie and no log holds it', async () => {
  const c = new Client(cms);
  await c.login('admin', adminPw);
  const r = await get(app, '/qns', { headers: { cookie: `lifted_cms_session=${c.cookie}` } });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('set-cookie'), null);
  const noCookie = await get(app, '/qns');
  assert.equal(noCookie.body, r.body, 'the same answer with or without the cookie');
  await sleep(200);
  for (const which of ['app', 'cms']) {
    const log = readFileSync(stack.logPath(which), 'utf8');
    assert.ok(!log.includes(c.cookie), `${which} log holds the cookie value`);
    assert.ok(!/"cookie"/i.test(log), `${which} log has a cookie field`);
  }
});
