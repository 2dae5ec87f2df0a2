// Scheduled housekeeping (issue 8; docs/housekeeping.md): expired
// sessions, old login attempts, old job log lines and orphaned uploads
// (their stored files too) are removed, exactly those, by runs claimed
// from the schedule in the CMS database; each run leaves an audit row and
// its last_result; two requests never run a task twice at once; and the
// timer fires a due task by itself. Real stack, real HTTP, real files.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

import { Stack, STACK, BIN_DIR, cleanEnv, waitFor, sleep } from './lib/stack.mjs';
import { Client, createSuperuser, sqlOn, lit, staffWith } from './lib/cms.mjs';

const stack = new Stack(21);
let CMS;
let STORAGE;
let adminId;
const immutable = [];

const ADMIN = 'hkchief';
const ADMIN_PW = 'hkchief-password-123';
let admin;

const sql = (text) => sqlOn(stack, 'cms', text);
const rows = (text) => { const o = sql(text); return o === '' ? [] : o.split('\n'); };
// INSERT ... RETURNING: psql prints the row, then the command tag.
const returning = (text) => sql(text).split('\n')[0];

// Nothing runs by schedule unless a test says so: the seeded first runs
// (1-4 minutes after migrating) would otherwise land in the middle.
const parkSchedule = () => sql(`UPDATE housekeeping_tasks SET next_run_at = now() + interval '1 day'`);

const hex32 = () => randomBytes(16).toString('hex');
let target = 4000; // a new course id per linked upload (one current per course)

// An upload row (and, with file, its stored object); returns its key.
function upload(label, { kind = 'brochure', file = true, linked = false, detachedAgo = null, createdAgo = '0' } = {}) {
  const ext = kind === 'brochure' ? 'pdf' : 'png';
  const type = kind === 'brochure' ? 'application/pdf' : 'image/png';
  const key = `${kind}/${hex32()}.${ext}`;
  if (file) {
    mkdirSync(path.join(STORAGE, kind), { recursive: true, mode: 0o700 });
    writeFileSync(path.join(STORAGE, key), `%PDF-1.4 ${label}\n`, { mode: 0o600 });
  }
  sql(`INSERT INTO uploads (storage_key, kind, content_type, byte_size, sha256, original_name,
      target_type, target_id, created_at, detached_at)
    VALUES (${lit(key)}, ${lit(kind)}, ${lit(type)}, 10, ${lit('a'.repeat(64))}, ${lit(label)},
      ${linked || detachedAgo !== null ? `'scraped_course', ${++target}` : 'NULL, NULL'},
      now() - interval ${lit(createdAgo)},
      ${detachedAgo === null ? 'NULL' : `now() - interval ${lit(detachedAgo)}`})`);
  return key;
}

const session = (label, { stage = 'full', createdAgo, seenAgo }) => sql(`INSERT INTO sessions
    (token_hash, user_id, stage, csrf, created_at, last_seen_at, client)
  VALUES (decode(md5(random()::text) || md5(random()::text), 'hex'), ${adminId}, ${lit(stage)},
    repeat('c', 32), now() - interval ${lit(createdAgo)}, now() - interval ${lit(seenAgo)}, ${lit(label)})`);

const attempt = (label, ago) => sql(`INSERT INTO login_attempts (at, username, client, success)
  VALUES (now() - interval ${lit(ago)}, ${lit(label)}, '192.0.2.1', false)`);

async function run(task, client = admin) {
  return client.post(`/cms/api/housekeeping/${task}/run`, {});
}

async function auditOf(task) {
  const r = await admin.get(`/cms/api/audit?what=${encodeURIComponent(`housekeeping.${task}`)}&ps=200`);
  assert.equal(r.status, 200, r.body);
  return r.json.results;
}

before(async () => {
  await stack.up();
  CMS = stack.ports.cms;
  STORAGE = stack.env.LIFTED_STORAGE_URL.replace(/^file:\/\//, '');
  assert.ok(existsSync(STORAGE), `storage folder ${STORAGE}`);
  parkSchedule();
  createSuperuser(stack, ADMIN, ADMIN_PW);
  admin = new Client(CMS);
  await admin.login(ADMIN, ADMIN_PW);
  adminId = sql(`SELECT id FROM users WHERE username = ${lit(ADMIN)}`);
});

after(async () => {
  for (const f of immutable) spawnSync('chattr', ['-i', f]);
  await stack.down();
});

test('the schedule: five tasks, seeded, readable by administrators only', async () => {
  const r = await admin.get('/cms/api/housekeeping');
  assert.equal(r.status, 200, r.body);
  const names = r.json.tasks.map((t) => t.name);
  assert.deepEqual(names, ['job_logs', 'login_attempts', 'sessions', 'stray_objects', 'uploads']);
  const by = Object.fromEntries(r.json.tasks.map((t) => [t.name, t]));
  assert.equal(by.job_logs.keep_s, 90 * 86400);
  assert.equal(by.login_attempts.keep_s, 86400);
  for (const t of r.json.tasks) {
    assert.equal(t.enabled, true);
    assert.equal(t.running, false);
    assert.ok(t.interval_s > 0);
    assert.match(t.next_run_at, /^\d{4}-\d\d-\d\dT/);
  }

  const viewer = await staffWith(admin, 'hkviewer', ['audit.view']);
  const g = await viewer.get('/cms/api/housekeeping');
  assert.equal(g.status, 403, g.body);
  assert.equal(g.json.permission, 'users.manage');
  const p = await run('sessions', viewer);
  assert.equal(p.status, 403, p.body);

  // A state change like any other: no CSRF token, no run.
  const runsBefore = sql(`SELECT runs FROM housekeeping_tasks WHERE name = 'sessions'`);
  const noCsrf = await admin.post('/cms/api/housekeeping/sessions/run', {}, { csrf: false });
  assert.equal(noCsrf.status, 403, noCsrf.body);
  assert.equal(sql(`SELECT runs FROM housekeeping_tasks WHERE name = 'sessions'`), runsBefore);

  for (const bad of ['nosuch/run', 'sessions/go', 'sessions', 'sessions/run/x', '/run', `${'x'.repeat(40)}/run`]) {
    const b = await admin.post(`/cms/api/housekeeping/${bad}`, {});
    assert.equal(b.status, 404, `${bad}: ${b.body}`);
    assert.equal(b.json.error, 'not found');
  }
  // The schedule is the database's: constraints refuse nonsense.
  const c = stack.psql('cms', `UPDATE housekeeping_tasks SET keep_s = 60 WHERE name = 'login_attempts'`);
  assert.notEqual(c.status, 0);
  const d = stack.psql('cms', `INSERT INTO housekeeping_tasks (name, interval_s, keep_s) VALUES ('other', 60, 0)`);
  assert.notEqual(d.status, 0);
});

test('expired sessions go, live ones (ours included) stay; one audit row with the count', async () => {
  session('hk-idle', { createdAgo: '2 hours', seenAgo: '31 minutes' });
  session('hk-too-old', { createdAgo: '13 hours', seenAgo: '1 minute' });
  session('hk-pending-old', { stage: 'totp', createdAgo: '6 minutes', seenAgo: '6 minutes' });
  session('hk-live', { createdAgo: '11 hours', seenAgo: '29 minutes' });
  session('hk-pending-new', { stage: 'totp', createdAgo: '4 minutes', seenAgo: '4 minutes' });
  const before = Number(sql('SELECT count(*) FROM sessions'));
  const auditBefore = (await auditOf('sessions')).length;

  const r = await run('sessions');
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.task, 'sessions');
  assert.equal(r.json.result.deleted, 3);
  assert.equal(r.json.result.trigger, 'manual');
  assert.equal(r.json.result.more, false);

  assert.deepEqual(rows(`SELECT client FROM sessions WHERE client LIKE 'hk-%' ORDER BY client`),
    ['hk-live', 'hk-pending-new']);
  assert.equal(Number(sql('SELECT count(*) FROM sessions')), before - 3);
  // Our own session still works.
  const me = await admin.get('/cms/api/me');
  assert.equal(me.status, 200, me.body);

  const audit = await auditOf('sessions');
  assert.equal(audit.length, auditBefore + 1);
  const a = audit[0];
  assert.equal(a.actor, 'system');
  assert.equal(a.actor_id, null);
  assert.equal(a.target_type, 'housekeeping_task');
  assert.equal(a.target_id, 'sessions');
  assert.equal(a.after.deleted, 3);
  assert.equal(a.comment, `run now by ${ADMIN}`);

  const list = await admin.get('/cms/api/housekeeping');
  const t = list.json.tasks.find((x) => x.name === 'sessions');
  assert.equal(t.last_result.deleted, 3);
  assert.equal(t.running, false);
  assert.ok(t.runs >= 1);
  // Run now also moved the next scheduled run an interval on.
  assert.ok(Date.parse(t.next_run_at) > Date.now() + (t.interval_s - 60) * 1000, t.next_run_at);

  // Nothing left: a second run deletes nothing and says so.
  const again = await run('sessions');
  assert.equal(again.status, 200, again.body);
  assert.equal(again.json.result.deleted, 0);
});

test('old login attempts go in bounded batches; recent ones stay', async () => {
  attempt('hk-old', '25 hours');
  attempt('hk-recent', '23 hours');
  attempt('hk-now', '0');
  // A backlog larger than two batches of 1000.
  sql(`INSERT INTO login_attempts (at, username, client, success)
    SELECT now() - interval '3 days', 'hk-backlog', '192.0.2.2', false FROM generate_series(1, 2500)`);
  const keep = Number(sql(`SELECT count(*) FROM login_attempts WHERE at >= now() - interval '1 day'`));

  const r = await run('login_attempts');
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.result.deleted, 2501);
  assert.equal(r.json.result.batches, 3);
  assert.deepEqual(rows(`SELECT DISTINCT username FROM login_attempts WHERE username LIKE 'hk-%' ORDER BY 1`),
    ['hk-now', 'hk-recent']);
  assert.equal(Number(sql('SELECT count(*) FROM login_attempts')), keep);
  const audit = await auditOf('login_attempts');
  assert.equal(audit[0].after.deleted, 2501);
});

test('old log lines of ended jobs go; recent lines and live jobs keep theirs', async () => {
  const done = returning(`INSERT INTO scraper_jobs (spider, state, started_at, ended_at)
    VALUES ('hk_done', 'succeeded', now() - interval '100 days', now() - interval '100 days') RETURNING id`);
  const live = returning(`INSERT INTO scraper_jobs (spider, state, started_at, lease_until)
    VALUES ('hk_live', 'running', now() - interval '100 days', now() + interval '1 hour') RETURNING id`);
  sql(`INSERT INTO scraper_job_log (job_id, n, at, level, message) VALUES
    (${done}, 1, now() - interval '100 days', 'info', 'hk old'),
    (${done}, 2, now() - interval '91 days', 'info', 'hk old too'),
    (${done}, 3, now() - interval '89 days', 'info', 'hk recent'),
    (${live}, 1, now() - interval '100 days', 'info', 'hk live old')`);

  const r = await run('job_logs');
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.result.deleted, 2);
  assert.deepEqual(rows(`SELECT job_id || ':' || n FROM scraper_job_log ORDER BY job_id, n`),
    [`${done}:3`, `${live}:1`]);
  // The jobs themselves are history, not logs: they stay.
  assert.equal(sql(`SELECT count(*) FROM scraper_jobs WHERE id IN (${done}, ${live})`), '2');
  sql(`UPDATE scraper_jobs SET state = 'failed', ended_at = now() WHERE id = ${live}`);
  const audit = await auditOf('job_logs');
  assert.equal(audit[0].after.deleted, 2);
});

test('orphaned uploads: object then row; recent, linked and undeletable ones stay', async () => {
  const gone = {
    detached: upload('detached-old', { detachedAgo: '2 days', createdAgo: '10 days' }),
    never: upload('never-linked-old', { kind: 'logo', createdAgo: '2 days' }),
    missing: upload('detached-no-file', { file: false, detachedAgo: '25 hours', createdAgo: '3 days' }),
  };
  const kept = {
    recent: upload('detached-recent', { detachedAgo: '23 hours', createdAgo: '10 days' }),
    linked: upload('linked-old', { linked: true, createdAgo: '30 days' }),
    fresh: upload('never-linked-new', { kind: 'logo', createdAgo: '1 hour' }),
    stuck: upload('detached-undeletable', { detachedAgo: '3 days', createdAgo: '3 days' }),
  };
  // A storage object that cannot be deleted (immutable file): its row
  // must stay for the next run.
  const stuckFile = path.join(STORAGE, kept.stuck);
  const ch = spawnSync('chattr', ['+i', stuckFile], { encoding: 'utf8' });
  assert.equal(ch.status, 0, `chattr +i: ${ch.stderr}`);
  immutable.push(stuckFile);

  const r = await run('uploads');
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(
    { deleted: r.json.result.deleted, objects_deleted: r.json.result.objects_deleted,
      objects_missing: r.json.result.objects_missing, failed: r.json.result.failed },
    { deleted: 3, objects_deleted: 2, objects_missing: 1, failed: 1 });

  for (const [what, key] of Object.entries(gone)) {
    assert.equal(sql(`SELECT count(*) FROM uploads WHERE storage_key = ${lit(key)}`), '0', `${what} row`);
    assert.equal(existsSync(path.join(STORAGE, key)), false, `${what} file`);
  }
  for (const [what, key] of Object.entries(kept)) {
    assert.equal(sql(`SELECT count(*) FROM uploads WHERE storage_key = ${lit(key)}`), '1', `${what} row`);
    assert.equal(existsSync(path.join(STORAGE, key)), true, `${what} file`);
  }
  const audit = await auditOf('uploads');
  assert.equal(audit[0].after.deleted, 3);
  assert.equal(audit[0].after.failed, 1);

  // Once the object can go, the next run takes it and its row.
  spawnSync('chattr', ['-i', stuckFile]);
  immutable.pop();
  const again = await run('uploads');
  assert.equal(again.status, 200, again.body);
  assert.equal(again.json.result.deleted, 1);
  assert.equal(again.json.result.objects_deleted, 1);
  assert.equal(existsSync(stuckFile), false);
  assert.equal(sql(`SELECT count(*) FROM uploads WHERE storage_key = ${lit(kept.stuck)}`), '0');
  for (const what of ['recent', 'linked', 'fresh']) {
    assert.equal(existsSync(path.join(STORAGE, kept[what])), true, what);
  }
});

// A file in the storage folder, last modified agoS seconds ago.
function storedFile(key, agoS) {
  const f = path.join(STORAGE, key);
  mkdirSync(path.dirname(f), { recursive: true, mode: 0o700 });
  writeFileSync(f, 'stored bytes\n', { mode: 0o600 });
  const t = Date.now() / 1000 - agoS;
  utimesSync(f, t, t);
  return f;
}

test('stray objects: old upload-shaped files with no row go; nothing else does', async () => {
  const day = 86400;
  const stray = storedFile(`brochure/${hex32()}.pdf`, 2 * day);
  const strayNew = storedFile(`logo/${hex32()}.png`, 60);
  const withRow = upload('linked-with-old-file', { linked: true, createdAgo: '30 days' });
  utimesSync(path.join(STORAGE, withRow), Date.now() / 1000 - 2 * day, Date.now() / 1000 - 2 * day);
  const oddName = storedFile('brochure/readme.txt', 2 * day);
  const otherPrefix = storedFile(`backups/${hex32()}.pdf`, 2 * day);
  const stuck = storedFile(`logo/${hex32()}.webp`, 3 * day);
  const ch = spawnSync('chattr', ['+i', stuck], { encoding: 'utf8' });
  assert.equal(ch.status, 0, `chattr +i: ${ch.stderr}`);
  immutable.push(stuck);

  const r = await run('stray_objects');
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(
    { deleted: r.json.result.deleted, checked: r.json.result.checked,
      objects_deleted: r.json.result.objects_deleted, failed: r.json.result.failed },
    { deleted: 1, checked: 3, objects_deleted: 1, failed: 1 });
  assert.equal(existsSync(stray), false);
  for (const f of [strayNew, path.join(STORAGE, withRow), oddName, otherPrefix, stuck]) {
    assert.equal(existsSync(f), true, f);
  }
  assert.equal(sql(`SELECT count(*) FROM uploads WHERE storage_key = ${lit(withRow)}`), '1');
  const audit = await auditOf('stray_objects');
  assert.equal(audit[0].after.deleted, 1);
  assert.equal(audit[0].after.failed, 1);

  spawnSync('chattr', ['-i', stuck]);
  immutable.pop();
  const again = await run('stray_objects');
  assert.equal(again.status, 200, again.body);
  assert.equal(again.json.result.deleted, 1);
  assert.equal(existsSync(stuck), false);
  assert.equal(existsSync(path.join(STORAGE, withRow)), true);
});

// psql as superuser with a pipe to its stdin, to hold a lock.
function lockingPsql() {
  const p = spawn(STACK, ['psql', 'cms', '--dir', stack.dir, '--', '-At'], {
    env: cleanEnv({ LIFTED_BIN_DIR: BIN_DIR }), stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  p.stdout.on('data', (d) => { out += d.toString(); });
  p.stderr.on('data', (d) => { out += d.toString(); });
  const exited = new Promise((resolve) => p.on('exit', resolve));
  return { p, out: () => out, exited };
}

test('two requests at once: one runs, the other is told it is running (409)', async () => {
  attempt('hk-locked', '2 days');
  const auditBefore = (await auditOf('login_attempts')).length;
  const runsBefore = Number(sql(`SELECT runs FROM housekeeping_tasks WHERE name = 'login_attempts'`));
  // Hold the old row, so the run that claims the task waits in its
  // delete while the second request arrives.
  const lock = lockingPsql();
  lock.p.stdin.write(`BEGIN;\nSELECT 'locked', count(*) FROM (SELECT 1 FROM login_attempts
    WHERE username = 'hk-locked' FOR UPDATE) x;\n`);
  await waitFor(() => /locked\|1/.test(lock.out()), { what: 'the row lock' });
  let released = false;
  try {
    const a = run('login_attempts');
    const b = run('login_attempts');
    const first = await Promise.race([a.then((r) => ['a', r]), b.then((r) => ['b', r])]);
    assert.equal(first[1].status, 409, first[1].body);
    assert.equal(first[1].json.error, 'already running');
    // The running one is really running (and waiting on our lock).
    const t = (await admin.get('/cms/api/housekeeping')).json.tasks.find((x) => x.name === 'login_attempts');
    assert.equal(t.running, true);
    lock.p.stdin.write('COMMIT;\n\\q\n');
    released = true;
    const other = await (first[0] === 'a' ? b : a);
    assert.equal(other.status, 200, other.body);
    assert.equal(other.json.result.deleted, 1);
  } finally {
    if (!released) lock.p.stdin.write('ROLLBACK;\n\\q\n');
    await lock.exited;
  }
  assert.equal(sql(`SELECT count(*) FROM login_attempts WHERE username = 'hk-locked'`), '0');
  assert.equal(Number(sql(`SELECT runs FROM housekeeping_tasks WHERE name = 'login_attempts'`)), runsBefore + 1);
  assert.equal((await auditOf('login_attempts')).length, auditBefore + 1);
  // Done: it can be run again at once.
  const again = await run('login_attempts');
  assert.equal(again.status, 200, again.body);
});

test('the timer runs a due task by itself, once, across workers and processes', async () => {
  parkSchedule();
  session('hk-sched-idle', { createdAgo: '3 hours', seenAgo: '2 hours' });
  session('hk-sched-live', { createdAgo: '1 minute', seenAgo: '1 minute' });
  const auditBefore = (await auditOf('sessions')).length;
  const runsBefore = Number(sql(`SELECT runs FROM housekeeping_tasks WHERE name = 'sessions'`));

  // Two more CMS processes of two workers each, ticking every second.
  const s1 = await stack.startServer('cms', { LIFTED_HOUSEKEEPING_TICK_S: 1, LIFTED_WORKERS: 2 });
  const s2 = await stack.startServer('cms', { LIFTED_HOUSEKEEPING_TICK_S: 1, LIFTED_WORKERS: 2 });
  try {
    // Not due: two ticks pass and nothing happens.
    await sleep(2500);
    assert.equal(sql(`SELECT count(*) FROM sessions WHERE client = 'hk-sched-idle'`), '1');
    assert.equal(Number(sql(`SELECT runs FROM housekeeping_tasks WHERE name = 'sessions'`)), runsBefore);

    sql(`UPDATE housekeeping_tasks SET next_run_at = now() - interval '1 second' WHERE name = 'sessions'`);
    await waitFor(() => sql(`SELECT last_result IS NOT NULL AND running_until IS NULL
      AND runs > ${runsBefore} FROM housekeeping_tasks WHERE name = 'sessions'`) === 't',
    { timeoutMs: 10_000, what: 'the scheduled run' });
    assert.deepEqual(rows(`SELECT client FROM sessions WHERE client LIKE 'hk-sched-%'`), ['hk-sched-live']);
    // A few more ticks: the task is not due again for an interval.
    await sleep(2500);
    assert.equal(Number(sql(`SELECT runs FROM housekeeping_tasks WHERE name = 'sessions'`)), runsBefore + 1);
    const audit = await auditOf('sessions');
    assert.equal(audit.length, auditBefore + 1);
    assert.equal(audit[0].comment, 'scheduled');
    assert.equal(audit[0].after.trigger, 'schedule');
    assert.equal(audit[0].after.deleted, 1);
    const next = sql(`SELECT next_run_at > now() + make_interval(secs => interval_s - 60)
      FROM housekeeping_tasks WHERE name = 'sessions'`);
    assert.equal(next, 't');

    // A backlog beyond one run's bound (100 batches of 1000): the run
    // stops there, asks for the next tick, and the next run finishes it.
    sql(`INSERT INTO login_attempts (at, username, client, success)
      SELECT now() - interval '2 days', 'hk-big', '192.0.2.3', false FROM generate_series(1, 100001)`);
    const laRuns = Number(sql(`SELECT runs FROM housekeeping_tasks WHERE name = 'login_attempts'`));
    const laAudit = (await auditOf('login_attempts')).length;
    sql(`UPDATE housekeeping_tasks SET next_run_at = now() - interval '1 second' WHERE name = 'login_attempts'`);
    await waitFor(() => sql(`SELECT count(*) FROM login_attempts WHERE username = 'hk-big'`) === '0'
      && sql(`SELECT running_until IS NULL FROM housekeeping_tasks WHERE name = 'login_attempts'`) === 't',
    { timeoutMs: 30_000, what: 'the backlog to go' });
    const big = (await auditOf('login_attempts')).slice(0, 2).reverse().map((x) => x.after);
    assert.equal((await auditOf('login_attempts')).length, laAudit + 2);
    assert.equal(Number(sql(`SELECT runs FROM housekeeping_tasks WHERE name = 'login_attempts'`)), laRuns + 2);
    assert.deepEqual(big.map((x) => [x.deleted, x.batches, x.more, x.trigger]),
      [[100000, 100, true, 'schedule'], [1, 1, false, 'schedule']]);

    // Disabled: due but never claimed by the timer.
    sql(`UPDATE housekeeping_tasks SET enabled = false, next_run_at = now() - interval '1 second'
      WHERE name = 'login_attempts'`);
    const la = Number(sql(`SELECT runs FROM housekeeping_tasks WHERE name = 'login_attempts'`));
    await sleep(2500);
    assert.equal(Number(sql(`SELECT runs FROM housekeeping_tasks WHERE name = 'login_attempts'`)), la);
    sql(`UPDATE housekeeping_tasks SET enabled = true, next_run_at = now() + interval '1 day'
      WHERE name = 'login_attempts'`);
  } finally {
    await s1.stop();
    await s2.stop();
  }
  assert.doesNotMatch(s1.stderr() + s2.stderr(), /Sanitizer|runtime error/);
});

test('the stack CMS logged no sanitizer report and no housekeeping error', () => {
  const log = readFileSync(stack.logPath('cms'), 'utf8');
  assert.doesNotMatch(log, /Sanitizer|runtime error/);
  assert.match(log, /housekeeping sessions: 3 deleted/);
  assert.doesNotMatch(log, /housekeeping[^"]*: (recording the run|looking for due tasks)/);
});
