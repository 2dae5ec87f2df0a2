// Backups and disaster recovery (issue 7, SPEC 9, docs/disaster-recovery.md):
// scripts/backup of a stack with data, the runbook's own restore commands
// (extracted from docs/disaster-recovery.md) bringing a fresh second stack
// to the same rows, grants and API answers, retention by the date in the
// file name, and damaged dumps refused without touching the target.
//
// Backups in the storage backend (scripts/backup --to-storage, scripts/restore
// storage:backups/NAME, `lifted-cms storage`): into stack A's local storage
// directory and into s3rver behind the signature-verifying proxy of
// lib/s3.mjs, retention in the store, restore from the store, and a
// corrupted object refused.
//
// Two stacks: A (offset 4) is the source, B (offset 5) the restore target;
// B is brought up by the runbook's `runbook-stack` block, not by the harness.
// s3rver and its proxy use A's spare ports (base+4, base+5).
// The tests share state and run in order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  readFileSync, writeFileSync, readdirSync, statSync, mkdtempSync, chmodSync, cpSync,
  mkdirSync, copyFileSync, utimesSync, existsSync, rmSync,
} from 'node:fs';
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

import {
  Stack, REPO, BIN_DIR, run, cleanEnv, parseExports, freshGet, get, waitFor, binPath,
} from './lib/stack.mjs';
import { createSuperuser, login, scrapedSeeder, sqlOn, lit } from './lib/cms.mjs';
import { startS3, S3_SECRET } from './lib/s3.mjs';

const BACKUP = path.join(REPO, 'scripts/backup');
const RESTORE = path.join(REPO, 'scripts/restore');
const STACK = path.join(REPO, 'scripts/stack');
const RUNBOOK = path.join(REPO, 'docs/disaster-recovery.md');

const A = new Stack(4);
const B = new Stack(5);
let backupDir; // scripts/backup output of stack A
let secretsBackup; // the "saved secrets" of stack A
const DR_USER = 'dr-operator';
const DR_PASS = 'dr-operator-pass-4821';
const NAME_RE = /^lifted-(app|cms)-(\d{8}T\d{6}Z)\.dump(\.sha256)?$/;

function tmp(prefix) {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  chmodSync(d, 0o755);
  A.tmpDirs.push(d);
  return d;
}

// The fenced blocks of the runbook tagged `sh runbook-<name>`.
function runbookBlocks() {
  const text = readFileSync(RUNBOOK, 'utf8');
  const blocks = {};
  for (const m of text.matchAll(/^```sh runbook-([a-z]+)\n([\s\S]*?)^```$/gm)) {
    blocks[m[1]] = (blocks[m[1]] ?? '') + m[2];
  }
  return blocks;
}

function runbookEnv() {
  return cleanEnv({
    STACK_DIR: B.dir, BACKUP_DIR: backupDir, SECRETS_BACKUP: secretsBackup,
    PORT_BASE: String(B.base), LIFTED_BIN_DIR: BIN_DIR,
  });
}

function runBlock(name) {
  const script = runbookBlocks()[name];
  assert.ok(script, `docs/disaster-recovery.md has no \`\`\`sh runbook-${name} block`);
  return run('bash', ['-euo', 'pipefail', '-c', script], { env: runbookEnv(), timeoutMs: 180_000 });
}

function passwords(stack) {
  const dir = path.join(stack.dir, 'secrets');
  return readdirSync(dir).map((f) => readFileSync(path.join(dir, f), 'utf8').trim()).filter((s) => s.length >= 16);
}

function assertNoSecrets(stack, text) {
  for (const pw of passwords(stack)) assert.ok(!text.includes(pw), 'a secret appears in the output');
}

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');
const mode = (p) => statSync(p).mode & 0o777;

// Per table of schema public: row count and an md5 over the rows in a
// total order; plus sequence positions, ACLs and owners.
function snapshot(stack, which) {
  const tables = sqlOn(stack, which,
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1").split('\n').filter(Boolean);
  assert.ok(tables.length > 3, `${which}: only ${tables.length} tables`);
  const q = tables.map((t) => `SELECT ${lit(t)}, count(*), md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) FROM public."${t}" x`).join(' UNION ALL ');
  const rows = {};
  for (const line of sqlOn(stack, which, q).split('\n')) {
    const [t, n, h] = line.split('|');
    rows[t] = { n: Number(n), h };
  }
  const seqs = sqlOn(stack, which,
    "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1");
  const acl = sqlOn(stack, which, `
    SELECT c.relname, c.relkind, pg_get_userbyid(c.relowner), c.relacl::text,
           (SELECT string_agg(a.attname || '=' || a.attacl::text, ',' ORDER BY a.attnum)
              FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attacl IS NOT NULL)
      FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace ORDER BY 1;
    SELECT 'schema', nspacl::text FROM pg_namespace WHERE nspname = 'public';
    SELECT 'default', defaclobjtype, defaclacl::text FROM pg_default_acl ORDER BY 2`);
  return { tables, rows, seqs, acl };
}

async function answers(port) {
  const out = {};
  for (const p of ['/qns', '/course_browse?sd=2000-01-01', '/course_browse?sd=2000-01-01&s=2&o=1&pg=1&ps=200']) {
    const r = await freshGet(port, p);
    out[p] = `${r.status} ${r.body}`;
  }
  return out;
}

before(async () => {
  await A.up();
  backupDir = path.join(tmp('lifted-it-bk-'), 'backups');
  // B's directory is made here, its stack by the runbook (B.down cleans up).
  B.dir = mkdtempSync(path.join(os.tmpdir(), 'lifted-it-'));
  chmodSync(B.dir, 0o755);
});

let s3 = null; // s3rver + proxy, started by the first S3 test

after(async () => {
  if (s3) await s3.stop();
  await B.down();
  await A.down();
});

test('backup of a stack with data: dated dumps, checksums, 0600 files in a 0700 directory, no password shown', async () => {
  // Data beyond what `stack up` loads: a CMS user, scraped courses, an
  // audit row, and a published course in the App database.
  createSuperuser(A, DR_USER, DR_PASS);
  const seed = scrapedSeeder(A, { name: 'DR scraped', url: 'https://dr.example.org/c/', spider: 'sal' });
  seed();
  seed({ state: 'in_review', cost: 75 });
  sqlOn(A, 'cms', `INSERT INTO audit_log (actor_username, action, target_type, target_id, after, comment)
    VALUES (${lit(DR_USER)}, 'course.publish', 'course', '42', '{"name": "Disaster Recovery 101"}', 'backup test')`);
  sqlOn(A, 'app', `WITH c AS (
      INSERT INTO courses (name, provider, url, cost, cpd_state, cpd_points, is_manually_added)
      VALUES ('Disaster Recovery 101', 'Backup Academy', 'https://dr.example.org/101', 99.5, 'points', 2.5, true)
      RETURNING id),
    d AS (INSERT INTO course_dates (course_id, start_at, end_at)
      SELECT id, '2031-05-01T09:00:00+08', '2031-05-01T17:00:00+08' FROM c)
    INSERT INTO course_categories (course_id, vertical_category_id)
      SELECT c.id, (SELECT min(id) FROM vertical_categories) FROM c;
    SELECT pg_notify('lifted_courses', '')`);
  await waitFor(async () => {
    const r = await freshGet(A.ports.app, '/course_browse?sd=2000-01-01&q=disaster%20recovery');
    return r.status === 200 && r.json.length === 1;
  }, { what: "stack A's App listing the new course" });

  const r = run(BACKUP, ['--stack-dir', A.dir, backupDir]);
  assert.equal(r.status, 0, `backup failed:\n${r.stdout}\n${r.stderr}`);
  assertNoSecrets(A, r.stdout + r.stderr);
  assert.match(r.stdout, /postgresql:\/\/app_owner:\*\*\*@/);

  assert.equal(mode(backupDir), 0o700);
  const files = readdirSync(backupDir).sort();
  assert.equal(files.length, 4, files.join(' '));
  const stamps = new Set();
  for (const f of files) {
    const m = NAME_RE.exec(f);
    assert.ok(m, `unexpected file ${f}`);
    stamps.add(m[2]);
    assert.equal(mode(path.join(backupDir, f)), 0o600, f);
  }
  assert.equal(stamps.size, 1, 'both dumps of one run carry one stamp');
  const stamp = [...stamps][0];
  const t = Date.UTC(+stamp.slice(0, 4), +stamp.slice(4, 6) - 1, +stamp.slice(6, 8),
    +stamp.slice(9, 11), +stamp.slice(11, 13), +stamp.slice(13, 15));
  assert.ok(Math.abs(Date.now() - t) < 5 * 60_000, `stamp ${stamp} is not now (UTC)`);
  for (const who of ['app', 'cms']) {
    const dump = path.join(backupDir, `lifted-${who}-${stamp}.dump`);
    assert.equal(readFileSync(dump).subarray(0, 5).toString('latin1'), 'PGDMP', 'not a pg_dump custom archive');
    assert.equal(readFileSync(`${dump}.sha256`, 'utf8'), `${sha256(dump)}  lifted-${who}-${stamp}.dump\n`);
    // sha256sum -c accepts it, and the TOC names the right database.
    const c = run('sha256sum', ['-c', `lifted-${who}-${stamp}.dump.sha256`], { cwd: backupDir });
    assert.equal(c.status, 0, c.stdout + c.stderr);
    const l = run('/usr/lib/postgresql/15/bin/pg_restore', ['-l', dump]);
    assert.match(l.stdout, new RegExp(`dbname: lifted_${who}\\n`));
  }
  secretsBackup = tmp('lifted-it-secrets-');
  cpSync(path.join(A.dir, 'secrets'), secretsBackup, { recursive: true });
});

test('backup reads the *_FILE forms of the owner URLs, as from Docker secrets', () => {
  const d = tmp('lifted-it-bkf-');
  writeFileSync(path.join(d, 'app-url'), `${A.env.LIFTED_APP_ADMIN_DATABASE_URL}\n`, { mode: 0o600 });
  writeFileSync(path.join(d, 'cms-url'), `${A.env.LIFTED_CMS_DATABASE_URL}\n`, { mode: 0o600 });
  const out = path.join(d, 'out');
  const r = run(BACKUP, [out], {
    env: cleanEnv({
      LIFTED_APP_ADMIN_DATABASE_URL_FILE: path.join(d, 'app-url'),
      LIFTED_CMS_DATABASE_URL_FILE: path.join(d, 'cms-url'),
    }),
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assertNoSecrets(A, r.stdout + r.stderr);
  assert.equal(readdirSync(out).filter((f) => NAME_RE.test(f)).length, 4);
});

test('a failing dump exits non-zero, names the database, writes nothing and shows no password', () => {
  const out = path.join(tmp('lifted-it-bkbad-'), 'out');
  mkdirSync(out);
  // An old backup: a failed run must not prune anything.
  const oldDump = 'lifted-cms-20200101T000000Z.dump';
  writeFileSync(path.join(out, oldDump), 'old');
  const bad = 'Wr0ngPassw0rdX1';
  const url = new URL(A.env.LIFTED_CMS_DATABASE_URL);
  url.password = bad;
  const r = run(BACKUP, [out], {
    env: cleanEnv({
      LIFTED_APP_ADMIN_DATABASE_URL: A.env.LIFTED_APP_ADMIN_DATABASE_URL,
      LIFTED_CMS_DATABASE_URL: url.toString(),
    }),
  });
  assert.notEqual(r.status, 0, r.stdout);
  assert.match(r.stderr, /pg_dump of the cms database .* failed/);
  assert.ok(!(r.stdout + r.stderr).includes(bad), 'the password was printed');
  assertNoSecrets(A, r.stdout + r.stderr);
  // Nothing that looks like a CMS backup, and no temporary file left over.
  const left = readdirSync(out);
  assert.deepEqual(left.filter((f) => (f.startsWith('lifted-cms-') && f !== oldDump) || f.startsWith('.')), [],
    left.join(' '));
  assert.ok(left.includes(oldDump), 'a failed run removed an old backup');
  // Without any URL it says what to set.
  const n = run(BACKUP, [out], { env: cleanEnv() });
  assert.notEqual(n.status, 0);
  assert.match(n.stderr, /LIFTED_APP_ADMIN_DATABASE_URL/);
});

test("the runbook's commands restore the backup into a new stack: same rows, grants and API answers", async () => {
  assert.ok(secretsBackup, 'the backup test did not run');
  const blocks = runbookBlocks();
  for (const b of ['install', 'stack', 'restore', 'verify']) assert.ok(blocks[b], `runbook-${b} block missing`);

  // Step 2: the saved secrets in place, empty databases (no servers yet).
  const s = runBlock('stack');
  assert.equal(s.status, 0, `runbook-stack failed:\n${s.stdout}\n${s.stderr}`);
  B.readConf();
  assert.equal(B.ports.app, B.base + 2, 'the runbook did not use PORT_BASE');
  B.env = parseExports(run(STACK, ['env', '--dir', B.dir]).stdout);
  assert.equal(readFileSync(path.join(B.dir, 'secrets/secret_key'), 'utf8'),
    readFileSync(path.join(secretsBackup, 'secret_key'), 'utf8'), 'the saved secret key was not used');
  for (const which of ['app', 'cms']) {
    assert.equal(sqlOn(B, which, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), '0',
      `${which}: the runbook's databases are not empty before the restore`);
  }

  const a = { app: snapshot(A, 'app'), cms: snapshot(A, 'cms') };
  const apiA = await answers(A.ports.app);
  assert.match(apiA['/course_browse?sd=2000-01-01'], /Disaster Recovery 101/);

  // Step 3: restore, then migrations and servers.
  const r = runBlock('restore');
  assert.equal(r.status, 0, `runbook-restore failed:\n${r.stdout}\n${r.stderr}`);
  assertNoSecrets(B, r.stdout + r.stderr);
  assert.match(r.stdout, /checksum ok[\s\S]*checksum ok/);
  assert.match(r.stdout, /notified lifted_framework and lifted_courses/);

  // Every table of both databases: same count and same rows; sequences,
  // grants and owners as in A.
  for (const which of ['app', 'cms']) {
    const b = snapshot(B, which);
    assert.deepEqual(b.tables, a[which].tables, `${which}: table list`);
    for (const t of a[which].tables) {
      assert.deepEqual(b.rows[t], a[which].rows[t], `${which}.${t}: count/md5`);
    }
    assert.equal(b.seqs, a[which].seqs, `${which}: sequences`);
    assert.equal(b.acl, a[which].acl, `${which}: grants and owners`);
  }
  assert.ok(a.cms.rows.users.n >= 2 && a.cms.rows.scraped_courses.n >= 2 && a.cms.rows.audit_log.n >= 1);

  // B's App answers as A's, from every worker.
  await waitFor(async () => JSON.stringify(await answers(B.ports.app)) === JSON.stringify(apiA),
    { timeoutMs: 15_000, what: "B's App answering as A's" });
  for (let i = 0; i < 8; i++) {
    const r2 = await freshGet(B.ports.app, '/course_browse?sd=2000-01-01');
    assert.equal(`${r2.status} ${r2.body}`, apiA['/course_browse?sd=2000-01-01'], `request ${i}`);
  }
  // The grants work for the server roles, not only look the same.
  const rd = B.psqlUrl(B.env.LIFTED_APP_DATABASE_URL, "SELECT count(*) FROM courses WHERE name = 'Disaster Recovery 101'");
  assert.equal(rd.stdout.trim(), '1', rd.stderr);
  const sc = B.psqlUrl(B.env.LIFTED_SCRAPER_DATABASE_URL, "UPDATE scraped_courses SET cost = cost WHERE name LIKE 'DR scraped%'");
  assert.equal(sc.status, 0, sc.stderr);
  const no = B.psqlUrl(B.env.LIFTED_APP_DATABASE_URL, 'DELETE FROM courses');
  assert.notEqual(no.status, 0, 'app_reader may delete after the restore');

  // Step 4: the runbook's checks pass, and the backup's CMS account works.
  const v = runBlock('verify');
  assert.equal(v.status, 0, `runbook-verify failed:\n${v.stdout}\n${v.stderr}`);
  assert.match(v.stdout, /scraped_courses/);
  const c = await login(B.ports.cms, DR_USER, DR_PASS);
  const me = await c.get('/cms/api/me');
  assert.equal(me.status, 200, me.body);
  // No temporary admin was made over the restored accounts.
  assert.equal(sqlOn(B, 'cms', 'SELECT count(*) FROM users'), String(a.cms.rows.users.n));
});

test('restore into a running stack with newer data rolls it back; App workers reload on the NOTIFY', async () => {
  // Changes after the backup, seen by B's running App.
  sqlOn(B, 'app', `WITH c AS (
      INSERT INTO courses (name, is_manually_added, cpd_state) VALUES ('Rolled Back Course', true, 'na') RETURNING id)
    INSERT INTO course_dates (course_id, start_at) SELECT id, '2032-01-01T09:00:00+08' FROM c;
    SELECT pg_notify('lifted_courses', '')`);
  sqlOn(B, 'cms', "INSERT INTO audit_log (actor_username, action, target_type) VALUES ('someone', 'course.delete', 'course')");
  await waitFor(async () => (await freshGet(B.ports.app, '/course_browse?sd=2000-01-01&q=rolled%20back')).json?.length === 1,
    { what: "B's App showing the new course" });
  const appPid = B.pid('app');
  const dumps = readdirSync(backupDir).filter((f) => f.endsWith('.dump')).map((f) => path.join(backupDir, f));
  const r = run(RESTORE, ['--stack-dir', B.dir, ...dumps]);
  assert.equal(r.status, 0, `restore failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /notified lifted_framework and lifted_courses/);
  for (const which of ['app', 'cms']) assert.deepEqual(snapshot(B, which), snapshot(A, which), which);
  // The same App process (not restarted) forgets the course: its cache
  // was reloaded by the NOTIFY.
  const apiA = await answers(A.ports.app);
  await waitFor(async () => JSON.stringify(await answers(B.ports.app)) === JSON.stringify(apiA),
    { timeoutMs: 15_000, what: "B's App answering as A's after the roll-back" });
  for (let i = 0; i < 8; i++) {
    const r2 = await freshGet(B.ports.app, '/course_browse?sd=2000-01-01&q=rolled%20back');
    assert.equal(r2.body, '[]', `request ${i}`);
  }
  assert.equal(B.pid('app'), appPid, 'the App server was restarted');
});

test('retention deletes exactly the dumps whose name is older than --keep-days', () => {
  const d = path.join(tmp('lifted-it-ret-'), 'b');
  mkdirSync(d);
  const stampOf = (daysAgo) => new Date(Date.now() - daysAgo * 86_400_000).toISOString()
    .replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  const old = [];
  const keep = [];
  for (const who of ['app', 'cms']) {
    for (const [days, list] of [[400, old], [8, old], [6, keep], [1, keep]]) {
      list.push(`lifted-${who}-${stampOf(days)}.dump`, `lifted-${who}-${stampOf(days)}.dump.sha256`);
    }
  }
  const s20 = stampOf(20);
  // Look-alikes: never touched, however old.
  const alike = [`other-app-${s20}.dump`, `lifted-app-${s20}.dump.bak`, `lifted-app-${s20}.dump.tmp`,
    `lifted-web-${s20}.dump`, `lifted-app-${s20.slice(0, 8)}.dump`, `.lifted-app-${s20}.dump.tmp.1`,
    `xlifted-cms-${s20}.dump`, `lifted-cms-${s20}.dump.sha256.old`, 'lifted-app-20241399T000000Z.dump'];
  for (const f of [...old, ...keep, ...alike]) writeFileSync(path.join(d, f), 'x');
  mkdirSync(path.join(d, `lifted-app-${stampOf(30)}.dump`)); // a directory, not a dump
  alike.push(`lifted-app-${stampOf(30)}.dump`);
  // Names decide, not file times: an old name with a new mtime goes, a new
  // name with an ancient mtime stays.
  const ancient = new Date('2001-01-01T00:00:00Z');
  for (const f of keep) utimesSync(path.join(d, f), ancient, ancient);

  const r = run(BACKUP, ['--keep-days', '7', '--stack-dir', A.dir, d]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const left = new Set(readdirSync(d));
  for (const f of old) {
    assert.ok(!left.has(f), `${f} was kept`);
    assert.ok(r.stdout.includes(`removed ${path.join(d, f)}`), `removal of ${f} not reported`);
  }
  for (const f of [...keep, ...alike]) assert.ok(left.has(f), `${f} was removed`);
  const fresh = [...left].filter((f) => NAME_RE.test(f) && !keep.includes(f) && !alike.includes(f));
  assert.equal(fresh.length, 4, `this run's files: ${fresh.join(' ')}`);
  assert.equal(left.size, keep.length + alike.length + 4);
  assert.match(r.stdout, new RegExp(`${old.length} old file\\(s\\) removed`));

  // --keep-days 0 keeps only what this run wrote (of the dumps).
  const z = run(BACKUP, ['--keep-days', '0', '--stack-dir', A.dir, d]);
  assert.equal(z.status, 0, z.stdout + z.stderr);
  const now = readdirSync(d).filter((f) => NAME_RE.test(f) && !alike.includes(f));
  assert.equal(now.length, 4, now.join(' '));
  for (const f of alike) assert.ok(existsSync(path.join(d, f)), `${f} was removed`);

  const bad = run(BACKUP, ['--keep-days', 'soon', d]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--keep-days/);
});

test('a damaged dump is refused and the target database stays as it was', async () => {
  const before = { app: snapshot(B, 'app'), cms: snapshot(B, 'cms') };
  const src = readdirSync(backupDir).find((f) => /^lifted-app-.*\.dump$/.test(f));
  const d = tmp('lifted-it-bad-');
  const dump = path.join(d, src);
  copyFileSync(path.join(backupDir, src), dump);
  copyFileSync(path.join(backupDir, `${src}.sha256`), `${dump}.sha256`);
  const orig = readFileSync(dump);
  const flipAt = (off) => {
    const b = Buffer.from(orig);
    b[off] ^= 0xff;
    writeFileSync(dump, b);
  };

  // One byte flipped: refused by its checksum.
  flipAt(Math.floor(orig.length / 2));
  const r = run(RESTORE, ['--stack-dir', B.dir, dump]);
  assert.notEqual(r.status, 0, r.stdout);
  assert.match(r.stderr, /checksum mismatch/);
  assert.doesNotMatch(r.stdout, /restoring/);

  // No checksum file: refused too.
  copyFileSync(path.join(backupDir, src), path.join(d, 'lifted-app-copy.dump'));
  const n = run(RESTORE, ['--stack-dir', B.dir, path.join(d, 'lifted-app-copy.dump')]);
  assert.notEqual(n.status, 0);
  assert.match(n.stderr, /no checksum file/);

  // A CMS dump named as an App dump: refused.
  const cmsSrc = readdirSync(backupDir).find((f) => /^lifted-cms-.*\.dump$/.test(f));
  const liar = path.join(d, 'lifted-app-20990101T000000Z.dump');
  copyFileSync(path.join(backupDir, cmsSrc), liar);
  writeFileSync(`${liar}.sha256`, `${sha256(liar)}  ${path.basename(liar)}\n`);
  const l = run(RESTORE, ['--stack-dir', B.dir, liar]);
  assert.notEqual(l.status, 0);
  assert.match(l.stderr, /dumped from database 'lifted_cms'/);

  // Forced past the checksum (--no-verify), damage in the last data block
  // (the table of contents still reads) makes pg_restore fail half-way:
  // the single transaction rolls back what it had dropped and loaded.
  let forced = null;
  for (let off = orig.length - 40; off > orig.length - 2000; off -= 37) {
    flipAt(off);
    if (run('/usr/lib/postgresql/15/bin/pg_restore', ['-l', dump]).status !== 0) continue;
    if (run('/usr/lib/postgresql/15/bin/pg_restore', ['-f', '/dev/null', dump]).status === 0) continue;
    forced = run(RESTORE, ['--no-verify', '--stack-dir', B.dir, dump]);
    break;
  }
  assert.ok(forced, 'could not make a dump whose TOC reads but data does not');
  assert.notEqual(forced.status, 0, forced.stdout);
  assert.match(forced.stdout, /restoring .* into the app database/);
  assert.match(forced.stderr, /rolled back and is unchanged/);

  for (const which of ['app', 'cms']) {
    assert.deepEqual(snapshot(B, which), before[which], `${which} changed`);
  }
  const ready = await get(B.ports.app, '/readyz');
  assert.equal(ready.status, 200);
});

// --- backups in the storage backend ---------------------------------------

const STORE_BUCKET = 'lifted-backups';
const STORE_PREFIX = 'site';
const STORE_RE = /^backups\/lifted-(app|cms)-(\d{8}t\d{6}z)\.dump(\.sha256)?$/;
const localStore = () => ({ LIFTED_STORAGE_URL: `file://${A.dir}/storage` });
const s3Store = () => {
  const e = s3.env(STORE_PREFIX);
  const out = {};
  for (const [k, v] of Object.entries(e)) if (k.startsWith('LIFTED_')) out[k] = v;
  return out;
};
// As run(), but without blocking the event loop: the S3 proxy runs in
// this process and must answer while the command waits.
function runAsync(cmd, args, { env = cleanEnv(), timeoutMs = 180_000 } = {}) {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, cwd: REPO, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({
        status: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr,
      }));
  });
}
// `lifted-cms storage ARGS` against store (an object of LIFTED_* settings).
const storage = (store, args) => runAsync(binPath('cms'), ['storage', ...args], { env: cleanEnv(store) });
const storeKeys = async (store) => {
  const l = await storage(store, ['list', 'backups/']);
  assert.equal(l.status, 0, l.stderr);
  return l.stdout.split('\n').filter(Boolean).map((x) => x.split(' ')[0]).sort();
};
// scripts/backup or scripts/restore with the binaries under test.
const script = (cmd, args, store = {}) => runAsync(cmd, args,
  { env: cleanEnv({ LIFTED_BIN_DIR: BIN_DIR, ...store }), timeoutMs: 180_000 });
// The stamp of the run whose output is text.
const stampIn = (text) => {
  const m = /wrote \S+\/lifted-app-(\d{8}T\d{6}Z)\.dump /.exec(text);
  assert.ok(m, text);
  return m[1];
};
let storeStamp; // the newest backup in s3rver

test('backup --to-storage into the stack\'s storage directory: dated objects, read back, listed', async () => {
  const out = path.join(tmp('lifted-it-bks-'), 'b');
  const r = await script(BACKUP, ['--to-storage', '--stack-dir', A.dir, out]);
  assert.equal(r.status, 0, `backup failed:\n${r.stdout}\n${r.stderr}`);
  assertNoSecrets(A, r.stdout + r.stderr);
  const stamp = stampIn(r.stdout);
  const lower = stamp.toLowerCase();
  assert.match(r.stdout, new RegExp(`stored and verified backups/lifted-app-${lower}\\.dump`));
  assert.match(r.stdout, new RegExp(`stored and verified backups/lifted-cms-${lower}\\.dump`));
  // The objects are files of the stack's storage, byte for byte the dumps.
  const keys = await storeKeys(localStore());
  const mine = keys.filter((k) => k.includes(lower));
  assert.deepEqual(mine, ['app', 'cms'].flatMap((w) => [`backups/lifted-${w}-${lower}.dump`, `backups/lifted-${w}-${lower}.dump.sha256`]));
  for (const k of mine) {
    assert.match(k, STORE_RE);
    const name = k.slice('backups/'.length).replace(/t(\d{6})z/, 'T$1Z');
    const obj = path.join(A.dir, 'storage', k);
    assert.ok(readFileSync(obj).equals(readFileSync(path.join(out, name))), `${k} differs from ${name}`);
    assert.equal(mode(obj), 0o600, k);
  }
  assert.deepEqual(readdirSync(out).filter((f) => f.startsWith('.')), [], 'a temporary file was left');
  // Without a store it says what to set, and writes nothing.
  const none = path.join(tmp('lifted-it-bkn-'), 'b');
  const n = await script(BACKUP, ['--to-storage', none], {
    LIFTED_APP_ADMIN_DATABASE_URL: A.env.LIFTED_APP_ADMIN_DATABASE_URL,
    LIFTED_CMS_DATABASE_URL: A.env.LIFTED_CMS_DATABASE_URL,
  });
  assert.notEqual(n.status, 0);
  assert.match(n.stderr, /LIFTED_STORAGE_URL/);
  assert.ok(!existsSync(none));
});

test('backup --to-storage into S3 (s3rver behind the verifying proxy): signed puts, read back, listed', async () => {
  s3 = await startS3({ s3rverPort: A.base + 4, proxyPort: A.base + 5, bucket: STORE_BUCKET, dir: tmp('lifted-it-s3-') });
  const out = path.join(tmp('lifted-it-bk3-'), 'b');
  const from = s3.seen.length;
  // (The previous test may have run within the same second: compare the
  // stack's store before and after rather than looking for this stamp.)
  const localBefore = new Set(await storeKeys(localStore()));
  // The store from the environment wins over the stack's.
  const r = await script(BACKUP, ['--to-storage', '--stack-dir', A.dir, out], s3Store());
  assert.equal(r.status, 0, `backup failed:\n${r.stdout}\n${r.stderr}`);
  assertNoSecrets(A, r.stdout + r.stderr);
  assert.ok(!(r.stdout + r.stderr).includes(S3_SECRET), 'the S3 secret was printed');
  const stamp = stampIn(r.stdout);
  const lower = stamp.toLowerCase();
  const reqs = s3.seen.slice(from);
  assert.ok(reqs.every((q) => q.verified), JSON.stringify(reqs.filter((q) => !q.verified)));
  const puts = reqs.filter((q) => q.method === 'PUT').map((q) => q.path);
  assert.deepEqual(puts, ['app', 'cms'].flatMap((w) => [
    `/${STORE_BUCKET}/${STORE_PREFIX}/backups/lifted-${w}-${lower}.dump`,
    `/${STORE_BUCKET}/${STORE_PREFIX}/backups/lifted-${w}-${lower}.dump.sha256`]));
  // Every object was read back.
  assert.equal(reqs.filter((q) => q.method === 'GET' && q.path.includes(`-${lower}.dump`)).length, 4);
  assert.deepEqual((await storeKeys(s3Store())).filter((k) => k.includes(lower)).length, 4);
  for (const w of ['app', 'cms']) {
    const got = path.join(tmp('lifted-it-get-'), 'x');
    const g = await storage(s3Store(), ['get', `backups/lifted-${w}-${lower}.dump`, got]);
    assert.equal(g.status, 0, g.stderr);
    assert.equal(sha256(got), sha256(path.join(out, `lifted-${w}-${stamp}.dump`)));
  }
  // Nothing of this run went to the stack's storage.
  assert.deepEqual((await storeKeys(localStore())).filter((k) => !localBefore.has(k)), []);
  storeStamp = stamp;
});

test('retention in the store removes exactly the old dated objects under backups/', async () => {
  const stampOf = (daysAgo) => new Date(Date.now() - daysAgo * 86_400_000).toISOString()
    .replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z').toLowerCase();
  const d = tmp('lifted-it-sret-');
  const one = path.join(d, 'one');
  writeFileSync(one, 'x');
  const old = [];
  const keep = [];
  for (const who of ['app', 'cms']) {
    for (const [days, list] of [[400, old], [8, old], [6, keep], [1, keep]]) {
      list.push(`backups/lifted-${who}-${stampOf(days)}.dump`, `backups/lifted-${who}-${stampOf(days)}.dump.sha256`);
    }
  }
  const s20 = stampOf(20);
  const alike = [`backups/other-app-${s20}.dump`, `backups/lifted-app-${s20}.dump.bak`,
    `backups/lifted-web-${s20}.dump`, `backups/lifted-app-${s20.slice(0, 8)}.dump`,
    `backups/sub/lifted-app-${s20}.dump`, `backups/lifted-app-${s20}.dump.sha256.old`,
    'backups/lifted-app-20241399t000000z.dump', `elsewhere/lifted-app-${s20}.dump`, `lifted-app-${s20}.dump`];
  for (const k of [...old, ...keep, ...alike]) {
    const p = await storage(s3Store(), ['put', k, one]);
    assert.equal(p.status, 0, `${k}: ${p.stderr}`);
  }
  const before = new Set(await storeKeys(s3Store()));
  for (const k of [...old, ...keep]) assert.ok(before.has(k), k);

  const out = path.join(d, 'b');
  const r = await script(BACKUP, ['--to-storage', '--keep-days', '7', '--stack-dir', A.dir, out], s3Store());
  assert.equal(r.status, 0, `backup failed:\n${r.stdout}\n${r.stderr}`);
  const lower = stampIn(r.stdout).toLowerCase();
  const left = new Set(await storeKeys(s3Store()));
  for (const k of old) {
    assert.ok(!left.has(k), `${k} was kept`);
    assert.ok(r.stdout.includes(`removed ${k} from the store`), `removal of ${k} not reported`);
  }
  for (const k of [...keep, ...alike.filter((a) => a.startsWith('backups/'))]) assert.ok(left.has(k), `${k} was removed`);
  for (const k of ['elsewhere/', 'lifted-app-']) {
    const l = await storage(s3Store(), ['list', k]);
    assert.equal(l.stdout.split('\n').filter(Boolean).length, 1, `${k}: ${l.stdout}`);
  }
  // This run's objects and the previous S3 run's (today) stay.
  for (const w of ['app', 'cms']) {
    for (const st of [lower, storeStamp.toLowerCase()]) {
      assert.ok(left.has(`backups/lifted-${w}-${st}.dump`) && left.has(`backups/lifted-${w}-${st}.dump.sha256`), `${w} ${st}`);
    }
  }
  assert.match(r.stdout, new RegExp(`${old.length} old object\\(s\\) removed from the store`));
  // Nothing else went: the old ones left, this run's four objects came
  // (unless the previous run had the same second, and so the same keys).
  const added = ['app', 'cms'].flatMap((w) => [`backups/lifted-${w}-${lower}.dump`, `backups/lifted-${w}-${lower}.dump.sha256`])
    .filter((k) => !before.has(k));
  assert.equal(left.size, before.size - old.length + added.length);
  storeStamp = stampIn(r.stdout);
});

test('restore from storage:backups/NAME (S3, and the stack\'s storage) reproduces every table', async () => {
  assert.ok(storeStamp, 'the S3 backup test did not run');
  // Newer data in B that the restore must roll back.
  sqlOn(B, 'cms', "INSERT INTO audit_log (actor_username, action, target_type) VALUES ('someone', 'course.delete', 'course')");
  sqlOn(B, 'app', "INSERT INTO courses (name, is_manually_added, cpd_state) VALUES ('Not In The Backup', true, 'na')");
  const a = { app: snapshot(A, 'app'), cms: snapshot(A, 'cms') };
  for (const which of ['app', 'cms']) assert.notDeepEqual(snapshot(B, which).rows, a[which].rows, `${which}: B already equals A`);

  const tmpd = tmp('lifted-it-rtmp-');
  // Names in either case; S3 from the environment.
  const r = await runAsync(RESTORE, ['--stack-dir', B.dir, `storage:backups/lifted-app-${storeStamp}.dump`,
    `storage:backups/lifted-cms-${storeStamp.toLowerCase()}.dump`], {
    env: cleanEnv({ LIFTED_BIN_DIR: BIN_DIR, TMPDIR: tmpd, ...s3Store() }), timeoutMs: 180_000,
  });
  assert.equal(r.status, 0, `restore failed:\n${r.stdout}\n${r.stderr}`);
  assertNoSecrets(B, r.stdout + r.stderr);
  assert.match(r.stdout, /fetched backups\/lifted-app-\S+ from the store/);
  assert.match(r.stdout, /checksum ok[\s\S]*checksum ok/);
  assert.match(r.stdout, /notified lifted_framework and lifted_courses/);
  for (const which of ['app', 'cms']) assert.deepEqual(snapshot(B, which), a[which], which);
  assert.deepEqual(readdirSync(tmpd), [], 'the fetched dumps were left behind');

  // From A's local storage (the first --to-storage test), named in the
  // environment, into B (--stack-dir B names only B's databases then).
  sqlOn(B, 'cms', "INSERT INTO audit_log (actor_username, action, target_type) VALUES ('someone', 'course.delete', 'course')");
  const localKey = (await storeKeys(localStore())).filter((k) => /^backups\/lifted-cms-.*\.dump$/.test(k)).pop();
  const l = await runAsync(RESTORE, ['--stack-dir', B.dir, `storage:${localKey}`], {
    env: cleanEnv({ LIFTED_BIN_DIR: BIN_DIR, TMPDIR: tmpd, ...localStore() }), timeoutMs: 180_000,
  });
  assert.equal(l.status, 0, `restore failed:\n${l.stdout}\n${l.stderr}`);
  assert.deepEqual(snapshot(B, 'cms'), a.cms);
  assert.deepEqual(readdirSync(tmpd), []);
});

test('a corrupted or unchecked object in the store is refused and the target stays as it was', async () => {
  const before = { app: snapshot(B, 'app'), cms: snapshot(B, 'cms') };
  const tmpd = tmp('lifted-it-rbad-');
  const st = storeStamp.toLowerCase();
  const key = `backups/lifted-app-${st}.dump`;
  const restoreFrom = (args) => runAsync(RESTORE, ['--stack-dir', B.dir, ...args], {
    env: cleanEnv({ LIFTED_BIN_DIR: BIN_DIR, TMPDIR: tmpd, ...s3Store() }), timeoutMs: 180_000,
  });
  // One byte flipped in a copy under a new stamp, with the original checksum.
  const orig = path.join(tmpd, 'orig');
  assert.equal((await storage(s3Store(), ['get', key, orig])).status, 0);
  const sum = path.join(tmpd, 'sum');
  assert.equal((await storage(s3Store(), ['get', `${key}.sha256`, sum])).status, 0);
  const b = readFileSync(orig);
  b[Math.floor(b.length / 2)] ^= 0xff;
  writeFileSync(orig, b);
  const bad = 'backups/lifted-app-20990101t000000z.dump';
  assert.equal((await storage(s3Store(), ['put', bad, orig])).status, 0);
  assert.equal((await storage(s3Store(), ['put', `${bad}.sha256`, sum])).status, 0);
  rmSync(orig);
  rmSync(sum);
  const r = await restoreFrom([`storage:${bad}`]);
  assert.notEqual(r.status, 0, r.stdout);
  assert.match(r.stderr, /checksum mismatch/);
  assert.doesNotMatch(r.stdout, /restoring/);

  // No checksum object: refused too.
  assert.equal((await storage(s3Store(), ['delete', `${bad}.sha256`])).status, 0);
  const n = await restoreFrom([`storage:${bad}`]);
  assert.notEqual(n.status, 0);
  assert.match(n.stderr, /no checksum file/);

  // Not in the store, and names that are not dumps: refused before any restore.
  const m = await restoreFrom(['storage:backups/lifted-app-20000101t000000z.dump']);
  assert.notEqual(m.status, 0);
  assert.match(m.stderr, /cannot fetch/);
  for (const arg of ['storage:../x.dump', 'storage:backups/other.dump', `storage:${key}.sha256`, 'storage:']) {
    const x = await restoreFrom([arg]);
    assert.notEqual(x.status, 0, arg);
    assert.match(x.stderr, /not a dump in the store/, arg);
  }
  for (const which of ['app', 'cms']) assert.deepEqual(snapshot(B, which), before[which], `${which} changed`);
  assert.deepEqual(readdirSync(tmpd), [], 'fetched files were left behind');
  assert.equal((await storage(s3Store(), ['delete', bad])).status, 0);
});

test('after a restore, migrate applies newer migrations (upgrade path) and is otherwise a no-op', () => {
  const env = cleanEnv({ LIFTED_APP_ADMIN_DATABASE_URL: B.env.LIFTED_APP_ADMIN_DATABASE_URL });
  const same = run(binPath('app'), ['migrate'], { env });
  assert.equal(same.status, 0, same.stderr);
  assert.match(same.stdout + same.stderr, /0 applied/);

  const mig = tmp('lifted-it-mig-');
  cpSync(path.join(REPO, 'migrations'), mig, { recursive: true });
  writeFileSync(path.join(mig, 'app', '9001_dr_probe.sql'),
    'CREATE TABLE dr_probe (id integer PRIMARY KEY);\nGRANT SELECT ON dr_probe TO app_reader;\n');
  const up = run(binPath('app'), ['migrate'], { env: { ...env, LIFTED_MIGRATIONS_DIR: mig } });
  assert.equal(up.status, 0, up.stderr);
  assert.match(up.stdout + up.stderr, /1 applied/);
  assert.equal(sqlOn(B, 'app', "SELECT count(*) FROM schema_migrations WHERE filename = '9001_dr_probe.sql'"), '1');
  const rd = B.psqlUrl(B.env.LIFTED_APP_DATABASE_URL, 'SELECT count(*) FROM dr_probe');
  assert.equal(rd.status, 0, rd.stderr);
  rmSync(mig, { recursive: true, force: true });
});
