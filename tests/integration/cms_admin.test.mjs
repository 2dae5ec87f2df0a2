// Staff administration in the CMS (issue 4; docs/cms-api.md,
// "Administration"): users, groups, permissions, provider grants and the
// audit log, over real HTTP against a real stack.
//
// The first administrator comes from `lifted-cms createsuperuser`; every
// other account is made through the API under test. Each change is
// checked for its effect, for its one audit row (and no other), and each
// refusal for changing nothing.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';

import { Stack, get } from './lib/stack.mjs';
import { Client as CmsClient, createSuperuser, login as cmsLogin, newStaff as cmsNewStaff } from './lib/cms.mjs';

const stack = new Stack(13);
let CMS;

const ADMIN = 'boss';
const ADMIN_PW = 'boss-password-123';
let admin; // the logged-in superuser's client

// --- a logged-in client ---------------------------------------------------------

// Client, login and newStaff: ./lib/cms.mjs; a login here also checks
// that it asked for no TOTP code.
class Client extends CmsClient {
  login(username, password) {
    return super.login(username, password, { noTotp: true });
  }
}

const login = (username, password) => cmsLogin(CMS, username, password, { ClientClass: Client });

// A new account that has changed its first password, so it is a normal
// session (an account that must change it can only do that).
const newStaff = (username, groups) => cmsNewStaff(admin, username, groups, { ClientClass: Client });

async function createGroup(name, permissions) {
  const r = await admin.post('/cms/api/groups/create', { name, permissions });
  assert.equal(r.status, 201, r.body);
  return r.json.id;
}

async function users() {
  const r = await admin.get('/cms/api/users');
  assert.equal(r.status, 200, r.body);
  return r.json.users;
}

async function user(username) {
  return (await users()).find((u) => u.username === username);
}

async function groups() {
  const r = await admin.get('/cms/api/groups');
  assert.equal(r.status, 200, r.body);
  return r.json.groups;
}

async function audit(query = '') {
  const r = await admin.get(`/cms/api/audit${query ? `?${query}` : ''}`);
  assert.equal(r.status, 200, r.body);
  return r.json;
}

async function auditTotal() {
  return (await audit('ps=1')).total;
}

// Runs fn (a change) and checks that it wrote exactly one audit row, the
// newest one, with this action and target; returns [fn's result, row].
async function expectAudit(action, fn, { targetType, targetId } = {}) {
  const before = await audit('ps=1');
  // The same row seen through the log's filters (who, what, when).
  const day = before.results[0]?.at.slice(0, 10);
  const filtered = `who=${ADMIN}&what=${action}${day ? `&from=${day}&to=${day}` : ''}&ps=1`;
  const beforeFiltered = await audit(filtered);
  const out = await fn();
  const now = await audit('ps=5');
  assert.equal(now.total, before.total + 1, `${action}: exactly one audit row`);
  const nowFiltered = await audit(filtered);
  assert.equal(nowFiltered.total, beforeFiltered.total + 1, `${action}: found by who/what/from/to`);
  assert.equal(nowFiltered.results[0].id, now.results[0].id);
  const row = now.results[0];
  assert.equal(row.action, action);
  assert.equal(row.actor, ADMIN);
  if (before.results[0]) assert.ok(row.id > before.results[0].id);
  if (targetType) assert.equal(row.target_type, targetType);
  const tid = typeof targetId === 'function' ? targetId(out) : targetId;
  if (tid !== undefined) assert.equal(row.target_id, String(tid));
  assert.match(row.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
  assert.equal(row.client, '127.0.0.1');
  return [out, row];
}

// Everything an admin can see, to prove that a refusal changed nothing.
async function snapshot() {
  return { users: await users(), groups: await groups(), audit: await auditTotal() };
}

// --- RFC 6238, for enrolling a user's TOTP ------------------------------------------

function base32Decode(s) {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let val = 0;
  const out = [];
  for (const ch of s.replace(/=+$/, '').toUpperCase()) {
    val = (val << 5) | A.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((val >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

function totpCode(secret, t = Date.now()) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(t / 1000 / 30)));
  const h = createHmac('sha1', base32Decode(secret)).update(msg).digest();
  const o = h[19] & 15;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1e6).padStart(6, '0');
}

// --- the stack ----------------------------------------------------------------------

before(async () => {
  await stack.up();
  CMS = stack.ports.cms;
  createSuperuser(stack, ADMIN, ADMIN_PW);
  admin = await login(ADMIN, ADMIN_PW);
});

after(async () => {
  await stack.down();
});

// --- tests ----------------------------------------------------------------------------

test('permissions list and the superuser in the users list', async () => {
  const r = await admin.get('/cms/api/permissions');
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(r.json.permissions.map((p) => p.name).sort(), [
    'audit.view', 'courses.edit', 'courses.publish', 'framework.import', 'scrapers.run', 'users.manage',
  ]);
  for (const p of r.json.permissions) assert.equal(typeof p.description, 'string');
  const me = await user(ADMIN);
  assert.ok(me, 'the superuser is listed');
  assert.equal(me.disabled, false);
  assert.equal(me.must_change_password, false);
  assert.equal(me.totp_enabled, false);
  assert.ok(me.groups.length >= 1);
  assert.match(me.last_login, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
});

test('create a user: listed, must change the password, one audit row without secrets', async () => {
  const editors = await createGroup('Editors', ['courses.edit']);
  const [r, row] = await expectAudit('user.create', () =>
    admin.post('/cms/api/users/create', { username: 'alice', password: 'alice-first-pass', groups: [editors] }),
  { targetType: 'user', targetId: (x) => x.json.id });
  assert.equal(r.status, 201, r.body);
  assert.equal(r.json.username, 'alice');
  assert.equal(r.json.must_change_password, true);
  assert.deepEqual(r.json.groups, [{ id: editors, name: 'Editors' }]);
  assert.equal(row.before, null);
  assert.equal(row.after.username, 'alice');
  assert.doesNotMatch(JSON.stringify(row), /alice-first-pass|argon2/);

  const u = await user('alice');
  assert.equal(u.id, r.json.id);
  assert.equal(u.disabled, false);
  assert.equal(u.must_change_password, true);
  assert.equal(u.totp_enabled, false);
  assert.deepEqual(u.groups, [{ id: editors, name: 'Editors' }]);
  assert.equal(u.last_login, null);

  // The first login must change the password before anything else.
  const alice = await login('alice', 'alice-first-pass');
  const blocked = await alice.get('/cms/api/groups');
  assert.equal(blocked.status, 403);
  assert.equal(blocked.json.must_change_password, true);
});

test('duplicate username (any case) is 409 and changes nothing', async () => {
  const snap = await snapshot();
  for (const username of ['alice', 'ALICE']) {
    const r = await admin.post('/cms/api/users/create', { username, password: 'another-password-1' });
    assert.equal(r.status, 409, r.body);
    assert.ok(r.json.fields.username, r.body);
  }
  assert.deepEqual(await snapshot(), snap);
});

test('bad input is 400 naming the field, and changes nothing', async () => {
  const alice = await user('alice');
  const snap = await snapshot();
  const cases = [
    ['/cms/api/users/create', { username: 'bad name!', password: 'long-enough-pass' }, 'username'],
    ['/cms/api/users/create', { username: 'x'.repeat(65), password: 'long-enough-pass' }, 'username'],
    ['/cms/api/users/create', { password: 'long-enough-pass' }, 'username'],
    ['/cms/api/users/create', { username: 'shorty', password: 'short' }, 'password'],
    ['/cms/api/users/create', { username: 'samename1234', password: 'SameName1234' }, 'password'],
    ['/cms/api/users/create', { username: 'grp1', password: 'long-enough-pass', groups: 'x' }, 'groups'],
    ['/cms/api/users/create', { username: 'grp2', password: 'long-enough-pass', groups: [1.5] }, 'groups'],
    ['/cms/api/users/create', { username: 'grp3', password: 'long-enough-pass', groups: [999999] }, 'groups'],
    ['/cms/api/users/disable', {}, 'id'],
    ['/cms/api/users/disable', { id: 'abc' }, 'id'],
    ['/cms/api/users/enable', { id: -1 }, 'id'],
    ['/cms/api/users/reset-password', { id: 0 }, 'id'],
    ['/cms/api/users/reset-totp', { id: null }, 'id'],
    ['/cms/api/users/groups', { id: alice.id }, 'groups'],
    ['/cms/api/users/groups', { id: alice.id, groups: [999999] }, 'groups'],
    ['/cms/api/groups/create', { name: '   ', permissions: [] }, 'name'],
    ['/cms/api/groups/create', { name: 'n'.repeat(101) }, 'name'],
    ['/cms/api/groups/create', { name: 'tab\u0001bed' }, 'name'],
    ['/cms/api/groups/create', { name: 'Bad perms', permissions: ['courses.edit', 'no.such'] }, 'permissions'],
    ['/cms/api/groups/create', { name: 'Bad perms', permissions: 'courses.edit' }, 'permissions'],
    ['/cms/api/groups/update', { name: 'x' }, 'id'],
    ['/cms/api/groups/update', { id: alice.groups[0].id, permissions: ['no.such'] }, 'permissions'],
    ['/cms/api/groups/delete', { id: 'one' }, 'id'],
    ['/cms/api/groups/providers', { id: alice.groups[0].id }, 'providers'],
    ['/cms/api/groups/providers', { id: alice.groups[0].id, providers: [''] }, 'providers'],
    ['/cms/api/groups/providers', { id: alice.groups[0].id, providers: ['p'.repeat(201)] }, 'providers'],
  ];
  for (const [p, body, field] of cases) {
    const r = await admin.post(p, body);
    assert.equal(r.status, 400, `${p} ${JSON.stringify(body)}: ${r.body}`);
    assert.equal(typeof r.json.error, 'string');
    assert.ok(r.json.fields && typeof r.json.fields[field] === 'string',
      `${p} ${JSON.stringify(body)} names ${field}: ${r.body}`);
  }
  // Several bad fields are all named in one answer.
  const r = await admin.post('/cms/api/users/create', { username: '', password: '' });
  assert.equal(r.status, 400);
  assert.ok(r.json.fields.username && r.json.fields.password, r.body);
  // Not JSON at all.
  const nj = await admin.post('/cms/api/users/create', 'username=x', { raw: true });
  assert.equal(nj.status, 400);
  // Unknown ids are 404.
  for (const p of ['/cms/api/users/disable', '/cms/api/users/enable', '/cms/api/users/reset-password',
    '/cms/api/users/reset-totp', '/cms/api/groups/delete']) {
    const nf = await admin.post(p, { id: 999999 });
    assert.equal(nf.status, 404, `${p}: ${nf.body}`);
    assert.ok(nf.json.fields.id);
  }
  assert.equal((await admin.post('/cms/api/users/groups', { id: 999999, groups: [] })).status, 404);
  assert.equal((await admin.post('/cms/api/groups/update', { id: 999999, name: 'x' })).status, 404);
  assert.equal((await admin.post('/cms/api/groups/providers', { id: 999999, providers: [] })).status, 404);
  assert.deepEqual(await snapshot(), snap);
});

test('without users.manage: 403 on every user and group route, and nothing changes', async () => {
  const clerks = await createGroup('Clerks', ['courses.edit', 'audit.view']);
  const clerk = await newStaff('clerk', [clerks]);
  const alice = await user('alice');
  const snap = await snapshot();
  const routes = [
    ['GET', '/cms/api/users'],
    ['GET', '/cms/api/groups'],
    ['GET', '/cms/api/permissions'],
    ['POST', '/cms/api/users/create', { username: 'intruder', password: 'intruder-password', groups: [] }],
    ['POST', '/cms/api/users/disable', { id: alice.id }],
    ['POST', '/cms/api/users/enable', { id: alice.id }],
    ['POST', '/cms/api/users/reset-password', { id: alice.id }],
    ['POST', '/cms/api/users/reset-totp', { id: alice.id }],
    ['POST', '/cms/api/users/groups', { id: clerk.id, groups: [alice.groups[0].id, clerks] }],
    ['POST', '/cms/api/groups/create', { name: 'Intruders', permissions: ['users.manage'] }],
    ['POST', '/cms/api/groups/update', { id: clerks, permissions: ['users.manage'] }],
    ['POST', '/cms/api/groups/delete', { id: alice.groups[0].id }],
    ['POST', '/cms/api/groups/providers', { id: clerks, providers: ['Acme'] }],
  ];
  for (const [m, p, body] of routes) {
    const r = m === 'GET' ? await clerk.get(p) : await clerk.post(p, body);
    assert.equal(r.status, 403, `${m} ${p}: ${r.body}`);
    assert.equal(r.json.permission, 'users.manage', `${m} ${p}: ${r.body}`);
    // Bad input is no way around it either.
    if (m === 'POST') assert.equal((await clerk.post(p, {})).status, 403, `${p} with {}`);
  }
  // The clerk holds audit.view, so the log is readable.
  assert.equal((await clerk.get('/cms/api/audit')).status, 200);
  assert.deepEqual(await snapshot(), snap);
});

test('the audit log needs audit.view', async () => {
  const plain = await createGroup('Plain', ['courses.edit']);
  const c = await newStaff('plain', [plain]);
  const r = await c.get('/cms/api/audit');
  assert.equal(r.status, 403, r.body);
  assert.equal(r.json.permission, 'audit.view');
  assert.equal((await c.get('/cms/api/audit?what=user')).status, 403);
  // Not logged in at all.
  assert.equal((await get(CMS, '/cms/api/audit')).status, 401);
  assert.equal((await get(CMS, '/cms/api/users')).status, 401);
});

test('a POST without the CSRF token is refused and changes nothing', async () => {
  const alice = await user('alice');
  const snap = await snapshot();
  const r = await admin.post('/cms/api/users/disable', { id: alice.id }, { csrf: false });
  assert.equal(r.status, 403, r.body);
  assert.deepEqual(await snapshot(), snap);
});

test('disable ends the open session at once; re-enable lets the user back in', async () => {
  const editors = (await groups()).find((g) => g.name === 'Editors').id;
  const dora = await newStaff('dora', [editors]);
  const dora2 = await login('dora', dora.password); // a second browser
  assert.equal((await dora.get('/cms/api/me')).status, 200);
  assert.equal((await dora2.get('/cms/api/me')).status, 200);

  const [r, row] = await expectAudit('user.disable',
    () => admin.post('/cms/api/users/disable', { id: dora.id }), { targetType: 'user', targetId: dora.id });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.disabled, true);
  assert.ok(r.json.sessions_revoked >= 1, r.body);
  assert.deepEqual(row.before, { disabled: false });
  assert.equal(row.after.disabled, true);
  assert.ok(row.after.sessions_revoked >= 1);

  assert.equal((await dora.get('/cms/api/me')).status, 401, 'the open session is gone');
  assert.equal((await dora2.get('/cms/api/groups')).status, 401, 'and so is every other');
  assert.ok(r.json.sessions_revoked >= 2, r.body);
  const again = new Client(CMS);
  const li = await again.post('/cms/api/login', { username: 'dora', password: dora.password }, { csrf: false });
  assert.equal(li.status, 401, 'a disabled user cannot log in');
  assert.equal((await user('dora')).disabled, true);

  const [en] = await expectAudit('user.enable',
    () => admin.post('/cms/api/users/enable', { id: dora.id }), { targetType: 'user', targetId: dora.id });
  assert.equal(en.status, 200, en.body);
  assert.equal((await user('dora')).disabled, false);
  const back = await login('dora', dora.password);
  assert.equal((await back.get('/cms/api/me')).json.username, 'dora');
});

test('nobody can disable themself or take away their own users.manage', async () => {
  const me = await user(ADMIN);
  const adminGroup = me.groups[0].id;
  const snap = await snapshot();
  const self = await admin.post('/cms/api/users/disable', { id: me.id });
  assert.equal(self.status, 409, self.body);
  const pw = await admin.post('/cms/api/users/reset-password', { id: me.id });
  assert.equal(pw.status, 409, pw.body);
  const leave = await admin.post('/cms/api/users/groups', { id: me.id, groups: [] });
  assert.equal(leave.status, 409, leave.body);
  const strip = await admin.post('/cms/api/groups/update', { id: adminGroup, permissions: ['audit.view'] });
  assert.equal(strip.status, 409, strip.body);
  const del = await admin.post('/cms/api/groups/delete', { id: adminGroup });
  assert.equal(del.status, 409, del.body);
  assert.deepEqual(await snapshot(), snap);
  assert.equal((await admin.get('/cms/api/users')).status, 200, 'still an administrator');
});

test('reset password: a temporary password, old sessions end, a change is forced', async () => {
  const alice = await user('alice');
  const open = await login('alice', 'alice-first-pass');
  const [r, row] = await expectAudit('user.reset_password',
    () => admin.post('/cms/api/users/reset-password', { id: alice.id }),
    { targetType: 'user', targetId: alice.id });
  assert.equal(r.status, 200, r.body);
  const temp = r.json.temporary_password;
  assert.equal(typeof temp, 'string');
  assert.ok(temp.length >= 12);
  assert.ok(!JSON.stringify(row).includes(temp), 'the audit row never holds the password');
  assert.equal(row.after.must_change_password, true);
  assert.ok(row.after.sessions_revoked >= 1);

  assert.equal((await open.get('/cms/api/me')).status, 401, 'the old session ended');
  const old = new Client(CMS);
  const bad = await old.post('/cms/api/login', { username: 'alice', password: 'alice-first-pass' }, { csrf: false });
  assert.equal(bad.status, 401, 'the old password no longer works');

  const c = new Client(CMS);
  const me = await c.login('alice', temp);
  assert.equal(me.must_change_password, true);
  assert.equal((await c.get('/cms/api/groups')).status, 403);
  const ch = await c.post('/cms/api/account/password', { current_password: temp, new_password: 'alice-second-pass' });
  assert.equal(ch.status, 200, ch.body);
  assert.equal((await user('alice')).must_change_password, false);
});

test('reset TOTP turns the second factor off', async () => {
  const editors = (await groups()).find((g) => g.name === 'Editors').id;
  const tom = await newStaff('tom', [editors]);
  const st = await tom.post('/cms/api/account/totp/start', {});
  assert.equal(st.status, 200, st.body);
  const cf = await tom.post('/cms/api/account/totp/confirm', { code: totpCode(st.json.secret) });
  assert.equal(cf.status, 200, cf.body);
  assert.equal((await user('tom')).totp_enabled, true);

  const [r, row] = await expectAudit('user.reset_totp',
    () => admin.post('/cms/api/users/reset-totp', { id: tom.id }), { targetType: 'user', targetId: tom.id });
  assert.equal(r.status, 200, r.body);
  assert.equal(row.before.totp_enabled, true);
  assert.equal(row.before.recovery_codes_left, 10);
  assert.equal(row.after.totp_enabled, false);
  assert.equal((await user('tom')).totp_enabled, false);
  // Password alone logs in again.
  const c = new Client(CMS);
  const li = await c.post('/cms/api/login', { username: 'tom', password: tom.password }, { csrf: false });
  assert.equal(li.status, 200, li.body);
  assert.equal(li.json.totp_required, false);
});

test('group membership: permissions follow at once', async () => {
  const reviewers = await createGroup('Reviewers', ['users.manage']);
  const plainGroup = (await groups()).find((g) => g.name === 'Plain').id;
  const u = await user('plain');
  const c = await login('plain', 'plain-steady-pass');
  assert.equal((await c.get('/cms/api/users')).status, 403);

  const [r, row] = await expectAudit('user.groups',
    () => admin.post('/cms/api/users/groups', { id: u.id, groups: [plainGroup, reviewers] }),
    { targetType: 'user', targetId: u.id });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(row.before.groups.map((g) => g.id), [plainGroup]);
  assert.deepEqual(row.after.groups.map((g) => g.id).sort((a, b) => a - b), [plainGroup, reviewers].sort((a, b) => a - b));
  assert.equal((await c.get('/cms/api/users')).status, 200, 'users.manage from the new group');

  await expectAudit('user.groups', () => admin.post('/cms/api/users/groups', { id: u.id, groups: [plainGroup] }));
  assert.equal((await c.get('/cms/api/users')).status, 403, 'and gone with it');
  assert.deepEqual((await user('plain')).groups.map((g) => g.id), [plainGroup]);
});

test('groups: create, update, delete with permissions; duplicate names are 409', async () => {
  const [cr, crRow] = await expectAudit('group.create',
    () => admin.post('/cms/api/groups/create', { name: 'Publishers', permissions: ['courses.publish', 'courses.edit'] }),
    { targetType: 'group', targetId: (x) => x.json.id });
  assert.equal(cr.status, 201, cr.body);
  const id = cr.json.id;
  assert.deepEqual(crRow.after.permissions, ['courses.edit', 'courses.publish']);
  let g = (await groups()).find((x) => x.id === id);
  assert.equal(g.name, 'Publishers');
  assert.deepEqual(g.permissions, ['courses.edit', 'courses.publish']);
  assert.deepEqual(g.providers, []);
  assert.equal(g.members, 0);

  const snap = await snapshot();
  for (const name of ['Publishers', 'publishers']) {
    const dup = await admin.post('/cms/api/groups/create', { name, permissions: [] });
    assert.equal(dup.status, 409, dup.body);
    assert.ok(dup.json.fields.name);
  }
  const ren = await admin.post('/cms/api/groups/update', { id, name: 'editors' });
  assert.equal(ren.status, 409, 'renaming onto another group (any case)');
  assert.deepEqual(await snapshot(), snap);

  const [up, upRow] = await expectAudit('group.update',
    () => admin.post('/cms/api/groups/update', { id, name: 'Publishing', permissions: ['courses.publish', 'scrapers.run'] }),
    { targetType: 'group', targetId: id });
  assert.equal(up.status, 200, up.body);
  assert.deepEqual(upRow.before, { name: 'Publishers', permissions: ['courses.edit', 'courses.publish'] });
  assert.deepEqual(upRow.after, { name: 'Publishing', permissions: ['courses.publish', 'scrapers.run'] });
  g = (await groups()).find((x) => x.id === id);
  assert.equal(g.name, 'Publishing');
  assert.deepEqual(g.permissions, ['courses.publish', 'scrapers.run']);

  // Only the name: the permissions stay.
  await expectAudit('group.update', () => admin.post('/cms/api/groups/update', { id, name: 'Publishing team' }));
  g = (await groups()).find((x) => x.id === id);
  assert.deepEqual(g.permissions, ['courses.publish', 'scrapers.run']);

  // A member, then the group goes: membership and permissions with it.
  const tom = await user('tom');
  await expectAudit('user.groups',
    () => admin.post('/cms/api/users/groups', { id: tom.id, groups: [...tom.groups.map((x) => x.id), id] }));
  assert.equal((await groups()).find((x) => x.id === id).members, 1);
  const [del, delRow] = await expectAudit('group.delete',
    () => admin.post('/cms/api/groups/delete', { id }), { targetType: 'group', targetId: id });
  assert.equal(del.status, 200, del.body);
  assert.equal(delRow.before.name, 'Publishing team');
  assert.deepEqual(delRow.before.members, ['tom']);
  assert.equal(delRow.after, null);
  assert.equal((await groups()).find((x) => x.id === id), undefined);
  assert.ok(!(await user('tom')).groups.some((x) => x.id === id));
  assert.equal((await admin.post('/cms/api/groups/delete', { id })).status, 404);
});

test('provider grants are stored, replaced and cleared', async () => {
  const id = (await groups()).find((g) => g.name === 'Editors').id;
  const [r, row] = await expectAudit('group.providers',
    () => admin.post('/cms/api/groups/providers', { id, providers: ['Acme Training', ' Beta Ltd ', 'Acme Training'] }),
    { targetType: 'group', targetId: id });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(r.json.providers, ['Acme Training', 'Beta Ltd']);
  assert.deepEqual(row.before, { providers: [] });
  assert.deepEqual(row.after, { providers: ['Acme Training', 'Beta Ltd'] });
  assert.deepEqual((await groups()).find((g) => g.id === id).providers, ['Acme Training', 'Beta Ltd']);

  await expectAudit('group.providers', () => admin.post('/cms/api/groups/providers', { id, providers: ['Beta Ltd', 'Gamma'] }));
  assert.deepEqual((await groups()).find((g) => g.id === id).providers, ['Beta Ltd', 'Gamma']);

  const [, clr] = await expectAudit('group.providers', () => admin.post('/cms/api/groups/providers', { id, providers: [] }));
  assert.deepEqual(clr.after, { providers: [] });
  assert.deepEqual((await groups()).find((g) => g.id === id).providers, []);
});

test('audit log: filters by who, what and when; newest first; pages', async () => {
  const all = await audit('ps=200');
  assert.ok(all.total >= 10);
  assert.equal(all.page, 1);
  assert.equal(all.page_size, 200);
  const ids = all.results.map((r) => r.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');

  const mine = await audit(`who=${ADMIN.toUpperCase()}&ps=200`);
  assert.ok(mine.total > 0);
  assert.ok(mine.results.every((r) => r.actor === ADMIN));
  const clerk = await audit('who=clerk&ps=200');
  assert.ok(clerk.results.every((r) => r.actor === 'clerk'));
  assert.ok(mine.total + clerk.total <= all.total);

  const disables = await audit('what=user.disable');
  assert.equal(disables.total, 1);
  assert.equal(disables.results[0].target_id, String((await user('dora')).id));
  const groupRows = await audit('what=group&ps=200');
  assert.ok(groupRows.total >= 5);
  assert.ok(groupRows.results.every((r) => r.action.startsWith('group.')));

  // Days are the server's local days; the rows carry its offset.
  const today = all.results[0].at.slice(0, 10);
  const d = new Date(`${today}T12:00:00Z`);
  const day = (n) => new Date(d.getTime() + n * 86_400_000).toISOString().slice(0, 10);
  assert.equal((await audit(`from=${today}&to=${today}&ps=1`)).total, all.total);
  assert.equal((await audit(`from=${day(1)}`)).total, 0);
  assert.equal((await audit(`to=${day(-1)}`)).total, 0);
  assert.equal((await audit(`who=${ADMIN}&what=user.enable&from=${today}&to=${today}`)).total, 1);

  // Cleared form fields filter nothing.
  assert.equal((await audit('who=&what=&ps=1')).total, all.total);

  const p1 = await audit('ps=3&pg=1');
  const p2 = await audit('ps=3&pg=2');
  assert.equal(p1.results.length, 3);
  assert.equal(p2.page, 2);
  assert.deepEqual(p2.results.map((r) => r.id), ids.slice(3, 6));

  for (const q of ['from=2026-02-30', 'pg=0', 'ps=1000', 'from=2026-05-02&to=2026-05-01']) {
    const r = await admin.get(`/cms/api/audit?${q}`);
    assert.equal(r.status, 400, `${q}: ${r.body}`);
  }
});
