// Databases and operation: PostgreSQL roles (least privilege, SPEC 2),
// settings (SPEC 10), migrations, and surviving database restarts.
// The last test stops the CMS cluster: keep it last.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, cpSync, appendFileSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import {
  Stack, REPO, get, waitFor, sleep, run, binPath, cleanEnv, childrenOf, alive,
} from './lib/stack.mjs';

const stack = new Stack(2);
let APP;
let CMS;

before(async () => {
  await stack.up();
  APP = stack.ports.app;
  CMS = stack.ports.cms;
});
after(async () => { await stack.down(); });

const PERMISSION = /permission denied/i;

function withDb(url, { port, db }) {
  const u = new URL(url);
  if (port) u.port = String(port);
  if (db) u.pathname = `/${db}`;
  return u.toString();
}

// --- roles ---------------------------------------------------------------------------

test('app_reader can SELECT app_meta', () => {
  const r = stack.psqlUrl(stack.env.LIFTED_APP_DATABASE_URL, "SELECT value FROM app_meta WHERE key = 'schema'");
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'lifted-app');
});

test('app_reader cannot write: INSERT is permission denied', () => {
  const r = stack.psqlUrl(stack.env.LIFTED_APP_DATABASE_URL, "INSERT INTO app_meta VALUES ('x', 'y')");
  assert.notEqual(r.status, 0, 'INSERT as app_reader succeeded');
  assert.match(r.stderr, PERMISSION);
  const c = stack.psqlUrl(stack.env.LIFTED_APP_DATABASE_URL, 'CREATE TABLE t_reader (x int)');
  assert.notEqual(c.status, 0, 'CREATE TABLE as app_reader succeeded');
  assert.match(c.stderr, PERMISSION);
});

test('cms_publisher has no DDL: CREATE TABLE is permission denied', () => {
  const r = stack.psqlUrl(stack.env.LIFTED_CMS_APP_DATABASE_URL, 'CREATE TABLE t (x int)');
  assert.notEqual(r.status, 0, 'CREATE TABLE as cms_publisher succeeded');
  assert.match(r.stderr, PERMISSION);
  // But it may write the App's data tables the migration granted it.
  const w = stack.psqlUrl(stack.env.LIFTED_CMS_APP_DATABASE_URL,
    "INSERT INTO app_meta VALUES ('it-probe', '1'); DELETE FROM app_meta WHERE key = 'it-probe'");
  assert.equal(w.status, 0, w.stderr);
});

test('app_reader cannot connect to the CMS database at all', () => {
  const url = withDb(stack.env.LIFTED_APP_DATABASE_URL, { port: stack.ports.cmsDb, db: 'lifted_cms' });
  const r = stack.psqlUrl(url, 'SELECT 1');
  assert.notEqual(r.status, 0, 'app_reader connected to the CMS database');
  assert.match(r.stderr, /pg_hba\.conf|authentication failed|does not exist|permission denied/i);
});

test('the scraper cannot connect to the App database', () => {
  const url = withDb(stack.env.LIFTED_SCRAPER_DATABASE_URL, { port: stack.ports.appDb, db: 'lifted_app' });
  const r = stack.psqlUrl(url, 'SELECT 1');
  assert.notEqual(r.status, 0, 'scraper connected to the App database');
  assert.match(r.stderr, /pg_hba\.conf|authentication failed|does not exist|permission denied/i);
});

// --- settings ------------------------------------------------------------------------

function serveOnce(which, overrides) {
  const env = stack.serveEnv(which, { [which === 'app' ? 'LIFTED_APP_LISTEN' : 'LIFTED_CMS_LISTEN']: `127.0.0.1:${stack.allocPort()}`, ...overrides });
  return run(binPath(which), ['serve'], { env, timeoutMs: 10_000 });
}

test('an unknown LIFTED_* setting stops start-up with status 2, naming it', () => {
  const r = serveOnce('app', { LIFTED_BOGUS: '1' });
  assert.equal(r.signal, null, `still running after 10 s (killed): ${r.stderr.slice(0, 500)}`);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /LIFTED_BOGUS/);
  const c = serveOnce('cms', { LIFTED_BOGUS: '1' });
  assert.equal(c.status, 2, c.stderr);
  assert.match(c.stderr, /LIFTED_BOGUS/);
});

test('a malformed value stops start-up with status 2, naming the setting', () => {
  for (const [name, value] of [['LIFTED_WORKERS', 'abc'], ['LIFTED_DB_POOL_SIZE', '-1'], ['LIFTED_LOG_LEVEL', 'loud'],
    ['LIFTED_TRUSTED_PROXIES', '300.1.1.1']]) {
    const r = serveOnce('app', { [name]: value });
    assert.equal(r.signal, null, `${name}=${value}: still running after 10 s`);
    assert.equal(r.status, 2, `${name}=${value}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(name), `${name}=${value}: ${r.stderr}`);
  }
});

test('a setting may come from NAME_FILE', async () => {
  const d = stack.tmpDir();
  const f = path.join(d, 'workers');
  writeFileSync(f, '1\n');
  const s = await stack.startServer('app', { LIFTED_WORKERS_FILE: f });
  try {
    await waitFor(() => childrenOf(s.pid).length >= 1, { timeoutMs: 3000, what: 'a worker' });
    await sleep(300);
    assert.equal(childrenOf(s.pid).length, 1, 'LIFTED_WORKERS_FILE=1 gives one worker');
  } finally {
    await s.stop();
  }
});

const SPEC10 = ['LIFTED_APP_DATABASE_URL', 'LIFTED_APP_REPLICA_URL', 'LIFTED_APP_ADMIN_DATABASE_URL',
  'LIFTED_CMS_DATABASE_URL', 'LIFTED_CMS_APP_DATABASE_URL', 'LIFTED_SCRAPER_DATABASE_URL', 'LIFTED_APP_LISTEN',
  'LIFTED_CMS_LISTEN', 'LIFTED_WORKERS', 'LIFTED_RUNAS', 'LIFTED_SECRET_KEY', 'LIFTED_TIME_ZONE',
  'LIFTED_STATIC_DIR', 'LIFTED_TLS_CERT', 'LIFTED_TLS_KEY', 'LIFTED_TRUSTED_PROXIES', 'LIFTED_REQUIRE_TOTP',
  'LIFTED_STORAGE_URL', 'LIFTED_S3_ENDPOINT', 'LIFTED_S3_REGION', 'LIFTED_S3_ACCESS_KEY', 'LIFTED_S3_SECRET_KEY',
  'LIFTED_CLOUDFRONT_DOMAIN', 'LIFTED_CLOUDFRONT_KEY_ID', 'LIFTED_CLOUDFRONT_PRIVATE_KEY',
  'LIFTED_SCRAPER_TIMEOUT_S', 'LIFTED_SCRAPER_DELAY_MS', 'LIFTED_SCRAPER_RETRIES', 'LIFTED_LOG_LEVEL',
  'LIFTED_MIGRATIONS_DIR', 'LIFTED_MAX_HEADER_BYTES', 'LIFTED_MAX_BODY_BYTES', 'LIFTED_IDLE_TIMEOUT_S',
  'LIFTED_REQUEST_TIMEOUT_S', 'LIFTED_SHUTDOWN_TIMEOUT_S', 'LIFTED_DB_POOL_SIZE', 'LIFTED_DB_QUEUE_MAX'];

test('print-settings names every documented setting', () => {
  const r = run(binPath('app'), ['print-settings'], { env: cleanEnv() });
  assert.equal(r.status, 0, r.stderr);
  const missing = SPEC10.filter((n) => !new RegExp(`\\b${n}\\b`).test(r.stdout));
  assert.deepEqual(missing, [], 'SPEC-10 settings missing from print-settings');
  const example = path.join(REPO, 'docs/settings.example');
  if (existsSync(example)) {
    const names = new Set((readFileSync(example, 'utf8').match(/\bLIFTED_[A-Z0-9_]+/g) || []).filter((n) => !n.endsWith('_')));
    assert.ok(names.size > 10, 'docs/settings.example lists settings');
    const notPrinted = [...names].filter((n) => !new RegExp(`\\b${n}\\b`).test(r.stdout));
    assert.deepEqual(notPrinted, [], 'names in docs/settings.example that print-settings does not print');
  }
});

// --- migrations ------------------------------------------------------------------------

function migrate(which, extra = {}) {
  const names = which === 'app' ? ['LIFTED_APP_ADMIN_DATABASE_URL'] : ['LIFTED_CMS_DATABASE_URL'];
  const env = cleanEnv({ LIFTED_MIGRATIONS_DIR: stack.env.LIFTED_MIGRATIONS_DIR });
  for (const n of names) env[n] = stack.env[n];
  Object.assign(env, extra);
  return run(binPath(which), ['migrate'], { env, timeoutMs: 60_000 });
}

function migrationRows(which) {
  const r = stack.psql(which, 'SELECT filename, checksum FROM schema_migrations ORDER BY filename');
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => l.split('|'));
}

test('schema_migrations has one row per migration file with a SHA-256 checksum', () => {
  for (const which of ['app', 'cms']) {
    const files = readdirSync(path.join(stack.env.LIFTED_MIGRATIONS_DIR, which)).filter((f) => f.endsWith('.sql')).sort();
    assert.ok(files.length >= 1);
    const rows = migrationRows(which);
    assert.deepEqual(rows.map((x) => path.basename(x[0])), files, `${which}: rows vs files`);
    for (const [f, sum] of rows) assert.match(sum, /^[0-9a-f]{64}$/, `${which} ${f} checksum`);
  }
});

test('migrate again is a no-op success', () => {
  for (const which of ['app', 'cms']) {
    const before1 = migrationRows(which);
    const r = migrate(which);
    assert.equal(r.status, 0, `${which}: ${r.stdout}${r.stderr}`);
    assert.deepEqual(migrationRows(which), before1);
  }
});

test('an edited applied migration is detected, naming the file', () => {
  const d = stack.tmpDir();
  cpSync(stack.env.LIFTED_MIGRATIONS_DIR, d, { recursive: true });
  const appDir = path.join(d, 'app');
  const f = readdirSync(appDir).find((x) => /^0001_.*\.sql$/.test(x));
  assert.ok(f, 'migrations/app/0001_*.sql exists');
  appendFileSync(path.join(appDir, f), '\n-- edited after it was applied\n');
  const before1 = migrationRows('app');
  const r = migrate('app', { LIFTED_MIGRATIONS_DIR: d });
  assert.notEqual(r.status, 0, `migrate accepted an edited migration: ${r.stdout}${r.stderr}`);
  assert.ok((r.stdout + r.stderr).includes(f), `output does not name ${f}: ${r.stdout}${r.stderr}`);
  assert.deepEqual(migrationRows('app'), before1, 'schema_migrations changed');
});

// --- database restarts (these stop clusters: keep them last) ---------------------------

test('the App recovers by itself after its database restarts', async () => {
  const parent = stack.pid('app');
  const workers = childrenOf(parent);
  assert.equal((await get(APP, '/readyz')).status, 200);
  const r = stack.pgCtl('app', ['restart', '-w', '-t', '60', '-m', 'fast', '-l', stack.pgLog('app')]);
  assert.equal(r.status, 0, `pg_ctl restart: ${r.stdout}${r.stderr}`);
  const t0 = performance.now();
  await waitFor(async () => (await get(APP, '/readyz', { timeoutMs: 2000 })).status === 200,
    { timeoutMs: 10_000, intervalMs: 200, what: 'App /readyz 200 after the App database restarted' });
  const ms = performance.now() - t0;
  assert.ok(ms < 10_000);
  // And the queries work again on every worker (each has its own pool,
  // reconnecting on its own back-off): 8 answers in a row land on both.
  await waitFor(async () => {
    for (let i = 0; i < 8; i++) {
      const s = await get(APP, '/__test/sleep?s=0', { timeoutMs: 5000 });
      if (s.status !== 200) return false;
    }
    return true;
  }, { timeoutMs: 10_000, intervalMs: 200, what: '8 queries in a row after the restart' });
  assert.ok(alive(parent), 'the App parent died');
  assert.deepEqual(childrenOf(parent), workers, 'App workers were replaced (crashed?) during the restart');
});

test('with the CMS database down the App still serves and the CMS is not ready', async () => {
  const st = stack.pgCtl('cms', ['stop', '-w', '-t', '60', '-m', 'fast']);
  assert.equal(st.status, 0, `pg_ctl stop: ${st.stdout}${st.stderr}`);
  try {
    for (const p of ['/healthz', '/readyz']) {
      const r = await get(APP, p);
      assert.equal(r.status, 200, `App ${p}: ${r.body}`);
    }
    const cmsReady = await waitFor(async () => {
      const r = await get(CMS, '/readyz', { timeoutMs: 4000 });
      return r.status === 503 ? r : null;
    }, { timeoutMs: 8000, intervalMs: 200, what: 'CMS /readyz 503' });
    assert.match(cmsReady.headers.get('content-type') || '', /^application\/json/);
    assert.equal(typeof cmsReady.json?.error, 'string');
    assert.equal((await get(CMS, '/healthz')).status, 200, 'CMS /healthz (process up)');
    // A login now is answered 503, and no worker dies on the way (the
    // failure path once touched the request after answering it).
    const login = await get(CMS, '/cms/api/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'someone', password: 'not-the-password' }),
    });
    assert.equal(login.status, 503, login.body);
    assert.equal(typeof login.json?.error, 'string');
    assert.equal((await get(CMS, '/healthz')).status, 200, 'CMS /healthz after the login');
    const cmsLog = readFileSync(path.join(stack.dir, 'log', 'cms.log'), 'utf8');
    assert.doesNotMatch(cmsLog, /killed by signal|AddressSanitizer/, 'a CMS worker died');
  } finally {
    const up = stack.pgCtl('cms', ['start', '-w', '-t', '60', '-l', stack.pgLog('cms')]);
    assert.equal(up.status, 0, `pg_ctl start: ${up.stdout}${up.stderr}`);
  }
  await waitFor(async () => (await get(CMS, '/readyz', { timeoutMs: 2000 })).status === 200,
    { timeoutMs: 10_000, intervalMs: 200, what: 'CMS /readyz 200 after its database came back' });
});
