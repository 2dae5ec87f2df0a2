// Read scale-out (SPEC 2 and 10; docs/operation.md "Scale-out with a
// replica"): `scripts/stack up --replicas 2` runs a streaming replica of
// the App database (pg_basebackup) and two App instances that read from
// it, behind nginx on the App port. Black-box over real HTTP against real
// PostgreSQL:
//   - both instances read from the replica and /readyz says so;
//   - a course published in the CMS shows on both instances and, once an
//     instance shows it, it never goes back (no stale read);
//   - with the replica's replay paused, the instances keep the old data
//     (they must not refresh from a replica that has not replayed the
//     publish), and show the course soon after replay resumes; a replica
//     stuck for 10 s makes them load from the primary instead;
//   - a stopped replica shows in /readyz, and the App keeps answering from
//     the primary (also a publish made meanwhile);
//   - an instance killed (SIGKILL, whole process group) under a steady
//     stream of GETs through nginx loses no request;
//   - with --tls as well, nginx's https ports reach the instances and the
//     CMS (the App port stays plain HTTP for the tests above).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

import { Stack, STACK, run, get, waitFor, sleep, alive } from './lib/stack.mjs';
import { request } from './lib/tls.mjs';
import { createSuperuser, login as cmsLogin, sqlOn, scrapedSeeder } from './lib/cms.mjs';

const stack = new Stack(14);
let NGINX; // the App port: nginx in front of the instances
let CMS;
let INSTANCES; // the instances' own ports
let REPLICA_DB;
let admin;

const sql = (which, text) => sqlOn(stack, which, text);
const seed = scrapedSeeder(stack, { name: 'Replica course', url: 'https://example.org/r/', spider: 'spider_r' });

async function publish(id) {
  const s = await admin.post('/cms/api/courses/transition', { id, transition: 'submit' });
  assert.equal(s.status, 200, s.body);
  const r = await admin.post('/cms/api/courses/transition', { id, transition: 'publish', comment: 'ok' });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.state, 'published');
  return r;
}

// Whether the instance on port lists a course called name (a unique
// name: the search finds only it).
async function shows(port, name) {
  const r = await get(port, `/course_browse?q=${encodeURIComponent(name)}&ps=50`, { timeoutMs: 5000 });
  assert.equal(r.status, 200, `GET /course_browse on ${port}: ${r.status} ${r.body}`);
  return r.body.includes(JSON.stringify(name));
}

before(async () => {
  // Debug logging exercises the cache's lag path fully (its log line once
  // read freed memory; the sanitizer build catches that).
  await stack.up({ args: ['--replicas', '2', '--tls'], env: { LIFTED_LOG_LEVEL: 'debug' } });
  NGINX = stack.ports.app;
  CMS = stack.ports.cms;
  REPLICA_DB = stack.base + 6;
  INSTANCES = [stack.base + 7, stack.base + 8];
  createSuperuser(stack, 'chief', 'chief-password-123');
  admin = await cmsLogin(CMS, 'chief', 'chief-password-123');
});

after(async () => {
  // Stop first (servers drain and exit, so a sanitizer build reports leaks
  // into the logs), read the logs, then remove everything.
  const reports = [];
  if (stack.dir) {
    run(STACK, ['down', '--dir', stack.dir], { timeoutMs: 90_000 });
    for (const f of readdirSync(path.join(stack.dir, 'log'))) {
      if (!/^(app-\d+|cms)\.log$/.test(f)) continue;
      const text = readFileSync(path.join(stack.dir, 'log', f), 'utf8');
      if (/AddressSanitizer|LeakSanitizer|runtime error:/.test(text)) reports.push(f);
    }
  }
  await stack.down();
  assert.deepEqual(reports, [], 'sanitizer reports in the servers\' logs');
});

test('stack.conf and env: two instances, a replica; the instances read from it', async () => {
  const conf = readFileSync(path.join(stack.dir, 'stack.conf'), 'utf8');
  assert.match(conf, /^replicas=2$/m);
  assert.match(conf, new RegExp(`^replica_db_port=${REPLICA_DB}$`, 'm'));
  assert.match(stack.env.LIFTED_APP_REPLICA_URL, new RegExp(`^postgresql://app_reader:[^@]+@127\\.0\\.0\\.1:${REPLICA_DB}/lifted_app$`));

  // A real standby, streaming from the primary.
  assert.equal(sql('replica', 'SELECT pg_is_in_recovery()'), 't');
  assert.equal(sql('app', "SELECT state FROM pg_stat_replication WHERE application_name = 'lifted_replica'"), 'streaming');
  // The replica admits only app_reader over TCP: not the publisher.
  const denied = stack.psqlUrl(stack.env.LIFTED_CMS_APP_DATABASE_URL.replace(`:${stack.ports.appDb}/`, `:${REPLICA_DB}/`), 'SELECT 1');
  assert.notEqual(denied.status, 0, 'cms_publisher must not reach the replica');

  for (const port of INSTANCES) {
    const r = await get(port, '/readyz');
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.status, 'ready');
    assert.equal(r.json.primary, 'ok');
    assert.equal(r.json.replica, 'ok');
    assert.equal(r.json.reads, 'replica');
    assert.equal(typeof r.json.replica_lag_bytes, 'number');
    assert.match(r.json.replica_replay_lsn, /^[0-9A-F]+\/[0-9A-F]+$/);
  }
  // Both instances' workers hold connections to the replica as app_reader.
  await waitFor(() => Number(sql('replica', "SELECT count(*) FROM pg_stat_activity WHERE usename = 'app_reader'")) >= 2,
    { timeoutMs: 5000, what: 'app_reader connections on the replica' });
  // nginx answers on the App port, from the instances.
  const r = await get(NGINX, '/readyz');
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.replica, 'ok');
});

// GET over https through nginx, trusting the stack's own certificate.
const httpsGet = (port, p) => request('https', port, p, { ca: readFileSync(path.join(stack.dir, 'tls', 'cert.pem')) });

test('with --tls too: https reaches the instances (replica reads) and the CMS', async () => {
  const app = await httpsGet(stack.base + 4, '/readyz');
  assert.equal(app.status, 200);
  assert.equal(app.json.reads, 'replica');
  assert.match(app.headers['strict-transport-security'] ?? '', /max-age=/);
  const cms = await httpsGet(stack.base + 5, '/readyz');
  assert.equal(cms.status, 200);
  assert.equal(cms.json.status, 'ready');
  assert.equal(cms.json.replica, undefined, 'the CMS has no replica');
});

test('a published course shows on both instances, and never goes away again', async () => {
  const name = `Replica Visible ${Date.now()}`;
  const id = seed({ name, state: 'scraped' });
  for (const port of INSTANCES) assert.equal(await shows(port, name), false);
  await publish(id);
  // Poll both instances until both show it, then a little longer; once an
  // instance has shown it, every later answer must too.
  const seen = new Map(INSTANCES.map((p) => [p, 0]));
  const t0 = performance.now();
  let bothAt = null;
  while (performance.now() - t0 < 10_000) {
    for (const port of INSTANCES) {
      const has = await shows(port, name);
      if (has) seen.set(port, seen.get(port) + 1);
      else assert.equal(seen.get(port), 0, `instance ${port} showed the course, then a stale answer without it`);
    }
    if (bothAt === null && [...seen.values()].every((n) => n > 0)) bothAt = performance.now();
    if (bothAt !== null && performance.now() - bothAt > 1000) break;
    await sleep(20);
  }
  assert.ok(bothAt !== null, `not on both instances within 10 s: ${JSON.stringify([...seen])}`);
  assert.ok(bothAt - t0 < 5000, `took ${Math.round(bothAt - t0)} ms`);
  assert.equal(await shows(NGINX, name), true);
});

test('replay paused: instances keep the old data; after resume both show the course', async () => {
  const name = `Replica Paused ${Date.now()}`;
  const id = seed({ name, state: 'scraped' });
  sql('replica', 'SELECT pg_wal_replay_pause()');
  try {
    await waitFor(() => sql('replica', 'SELECT pg_get_wal_replay_pause_state()') === 'paused',
      { timeoutMs: 5000, what: 'replay paused' });
    await publish(id);
    assert.equal(Number(sql('app', `SELECT count(*) FROM courses WHERE source_ref = 'cms:${id}'`)), 1);
    assert.equal(Number(sql('replica', `SELECT count(*) FROM courses WHERE source_ref = 'cms:${id}'`)), 0);
    // Every instance was notified (LISTEN on the primary) but must not
    // install data from a replica that has not replayed the publish.
    const t0 = performance.now();
    while (performance.now() - t0 < 2000) {
      for (const port of INSTANCES) assert.equal(await shows(port, name), false, `instance ${port} shows the course before the replica has it`);
      await sleep(50);
    }
    // /readyz reports the replica behind the primary.
    for (const port of INSTANCES) {
      const r = await get(port, '/readyz');
      assert.equal(r.status, 200, r.body);
      assert.equal(r.json.replica, 'ok');
      assert.ok(r.json.replica_lag_bytes > 0, r.body);
    }
  } finally {
    sql('replica', 'SELECT pg_wal_replay_resume()');
  }
  const t1 = performance.now();
  for (const port of INSTANCES) {
    await waitFor(() => shows(port, name), { timeoutMs: 5000, intervalMs: 50, what: `course on instance ${port} after resume` });
  }
  assert.ok(performance.now() - t1 < 5000);
  assert.equal(Number(sql('replica', `SELECT count(*) FROM courses WHERE source_ref = 'cms:${id}'`)), 1);
});

test('replay stuck: after 10 s behind, the instances load from the primary (bounded staleness)', async () => {
  const name = `Replica Stuck ${Date.now()}`;
  const id = seed({ name, state: 'scraped' });
  sql('replica', 'SELECT pg_wal_replay_pause()');
  let shownAt;
  let t0;
  try {
    await waitFor(() => sql('replica', 'SELECT pg_get_wal_replay_pause_state()') === 'paused',
      { timeoutMs: 5000, what: 'replay paused' });
    await publish(id);
    t0 = performance.now();
    await sleep(8000);
    for (const port of INSTANCES) assert.equal(await shows(port, name), false, `instance ${port} shows it before 10 s`);
    for (const port of INSTANCES) {
      await waitFor(() => shows(port, name), { timeoutMs: 10_000, intervalMs: 100, what: `course on ${port} from the primary` });
    }
    shownAt = performance.now() - t0;
    // Still not on the replica: it came from the primary.
    assert.equal(Number(sql('replica', `SELECT count(*) FROM courses WHERE source_ref = 'cms:${id}'`)), 0);
  } finally {
    sql('replica', 'SELECT pg_wal_replay_resume()');
  }
  assert.ok(shownAt >= 9000 && shownAt < 16_000, `shown after ${Math.round(shownAt)} ms`);
  for (const i of [1, 2]) {
    const log = readFileSync(path.join(stack.dir, 'log', `app-${i}.log`), 'utf8');
    assert.match(log, /has not replayed the notified commit for 10 s; loading from the primary/);
  }
});

test('replica stopped: /readyz says so, the App answers from the primary (fresh), and recovers', async () => {
  const stop = stack.pgCtl('replica', ['stop', '-m', 'fast', '-w']);
  assert.equal(stop.status, 0, stop.stderr);
  try {
    for (const port of INSTANCES) {
      const r = await waitFor(async () => {
        const x = await get(port, '/readyz');
        return x.status === 200 && x.json.replica === 'unavailable' ? x : null;
      }, { timeoutMs: 10_000, what: `/readyz on ${port} reporting the replica unavailable` });
      assert.equal(r.json.status, 'ready');
      assert.equal(r.json.primary, 'ok');
      assert.equal(r.json.reads, 'primary');
      assert.equal(r.json.replica_lag_bytes, undefined);
    }
    // The API keeps answering, directly and through nginx.
    for (const port of [...INSTANCES, NGINX]) {
      for (const p of ['/qns', '/course_browse?pg=1&ps=5']) {
        const r = await get(port, p);
        assert.equal(r.status, 200, `${p} on ${port}: ${r.body}`);
      }
    }
    // A publish now reaches the instances through the primary.
    const name = `Replica Down ${Date.now()}`;
    await publish(seed({ name, state: 'scraped' }));
    for (const port of INSTANCES) {
      await waitFor(() => shows(port, name), { timeoutMs: 5000, intervalMs: 100, what: `course on ${port} with the replica down` });
    }
  } finally {
    const start = stack.pgCtl('replica', ['start', '-w', '-l', stack.pgLog('replica')]);
    assert.equal(start.status, 0, start.stderr);
  }
  for (const port of INSTANCES) {
    await waitFor(async () => {
      const x = await get(port, '/readyz');
      return x.status === 200 && x.json.replica === 'ok' && x.json.reads === 'replica';
    }, { timeoutMs: 15_000, what: `/readyz on ${port} with the replica back` });
  }
});

test('an instance killed under a steady stream of GETs through nginx: every answer 200', async () => {
  const victim = Number(readFileSync(path.join(stack.dir, 'run', 'app-1.pid'), 'utf8').trim());
  assert.ok(alive(victim));
  const accessLog = path.join(stack.dir, 'log', 'nginx-access.log');
  const logStart = readFileSync(accessLog, 'utf8').length;
  const statuses = new Map();
  const failures = [];
  let stop = false;
  let total = 0;
  const paths = ['/qns', '/course_browse?pg=1&ps=20', '/healthz'];
  async function client(k) {
    let i = k;
    while (!stop) {
      const p = paths[i++ % paths.length];
      try {
        const r = await get(NGINX, p, { timeoutMs: 10_000 });
        statuses.set(r.status, (statuses.get(r.status) || 0) + 1);
        if (r.status !== 200) failures.push(`${p}: ${r.status} ${r.body.slice(0, 200)}`);
      } catch (e) {
        failures.push(`${p}: ${e.message}`);
      }
      total++;
    }
  }
  const clients = [0, 1, 2, 3].map(client);
  await sleep(1500);
  const before = total;
  // A crash: the parent and its workers at once (its own process group).
  process.kill(-victim, 'SIGKILL');
  await waitFor(() => !alive(victim), { timeoutMs: 5000, what: 'instance 1 gone' });
  await sleep(2500);
  stop = true;
  await Promise.all(clients);
  assert.deepEqual(failures, [], `requests lost: ${failures.length} of ${total}`);
  assert.ok(before > 50, `only ${before} requests before the kill`);
  assert.ok(total - before > 50, `only ${total - before} requests after the kill`);
  assert.deepEqual([...statuses.keys()], [200]);
  // nginx spread the stream over both instances, and only the survivor
  // answered once the victim was gone.
  const lines = readFileSync(accessLog, 'utf8').slice(logStart).split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const upstreams = new Set(lines.flatMap((l) => l.upstream.split(/[ ,:]+/).filter((x) => /^\d+$/.test(x)).map(Number)));
  for (const port of INSTANCES) assert.ok(upstreams.has(port), `no request went to instance ${port}: ${[...upstreams]}`);
  const tail = lines.filter((l) => Date.parse(l.time) > Date.now() - 1500);
  assert.ok(tail.length > 0);
  for (const l of tail) assert.equal(l.upstream, `127.0.0.1:${INSTANCES[1]}`, JSON.stringify(l));
  const r = await get(INSTANCES[1], '/readyz');
  assert.equal(r.status, 200);
  // scripts/stack status names the dead instance and fails.
  const s = run(STACK, ['status', '--dir', stack.dir]);
  assert.equal(s.status, 3, s.stdout + s.stderr);
  assert.match(s.stdout, new RegExp(`app-1 +http://127\\.0\\.0\\.1:${INSTANCES[0]} +stopped`));
  assert.match(s.stdout, new RegExp(`app-2 +http://127\\.0\\.0\\.1:${INSTANCES[1]} +running, ready`));
});
