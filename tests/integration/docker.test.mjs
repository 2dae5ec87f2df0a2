// The Docker deployment (docker/, docs/deployment.md), checked without a
// Docker engine (none runs on the development machines):
//
//   - `docker-compose config -q` accepts both compose files, in a temporary
//     copy of docker/ whose secrets docker/make-secrets has created;
//   - every file a Dockerfile COPYs/ADDs from the build context and every
//     file a compose file mounts or builds from exists in the repository;
//     secret files are not committed: each lies in a secrets/ folder with
//     a README and is git-ignored, and make-secrets creates every one
//     (the media URL key once, the same value for both servers);
//   - the App gets the media key and the CMS's public URL but never the
//     CMS's secret_key; the CMS proxy's body limit equals the CMS's
//     upload limit;
//   - each image's runtime stage runs as a non-root USER and has a
//     HEALTHCHECK on /readyz (and that health check works: it is run
//     against a real server);
//   - the role files of docker/initdb, which scripts/stack runs too, give
//     exactly the roles and rights of SPEC 2 in the stack's real clusters;
//   - docker/initdb/lifted-initdb.sh, what the postgres image runs on its
//     first start, works on a throw-away cluster of its own: roles,
//     passwords from secret files, pg_hba.conf admitting only the given
//     networks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, chmodSync,
  chownSync, mkdtempSync,
} from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import {
  Stack, REPO, STACK, BIN_DIR, PG_BIN, IS_ROOT, run, cleanEnv, sleep,
} from './lib/stack.mjs';

const stack = new Stack(3);
const COMPOSE_FILES = ['docker/app_server/compose.yaml', 'docker/cms_server/compose.yaml'];
const DOCKERFILES = ['docker/app_server/Dockerfile', 'docker/cms_server/Dockerfile'];
// What `config` needs from the operator (compose.yaml: ${CMS_HOST_CIDR:?...},
// ${CMS_PUBLIC_URL:?...}).
const COMPOSE_ENV = { CMS_HOST_CIDR: '192.0.2.20/32', CMS_PUBLIC_URL: 'https://cms.example.org' };
const PERMISSION = /permission denied/i;

let tmp;
const clusters = []; // throw-away clusters to stop in after()

before(async () => {
  await stack.up();
  tmp = stack.tmpDir('lifted-docker-');
});

after(async () => {
  for (const data of clusters) pgCtl(['-D', data, '-m', 'immediate', '-w', 'stop']);
  await stack.down();
});

// --- helpers --------------------------------------------------------------------------

// `docker-compose config` of a compose file, as JSON (docker-compose's own
// resolution: interpolated, paths absolute; PyYAML comes with it).
function composeConfig(file, { cwd = REPO, env = COMPOSE_ENV } = {}) {
  const r = run('docker-compose', ['-f', file, 'config'], { cwd, env: cleanEnv(env), timeoutMs: 60_000 });
  assert.equal(r.status, 0, `docker-compose config ${file}: ${r.error?.message ?? ''}${r.stderr}`);
  const j = run('/usr/bin/python3', ['-c', 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'],
    { input: r.stdout });
  assert.equal(j.status, 0, j.stderr);
  return JSON.parse(j.stdout);
}

// Dockerfile instructions: [{op, args, line}] with continuation lines
// joined and comments dropped; stage = index of the FROM it belongs to.
function parseDockerfile(text) {
  const out = [];
  let buf = '';
  let start = 0;
  let stage = -1;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (buf === '' && /^\s*(#|$)/.test(l)) continue;
    if (buf !== '' && /^\s*#/.test(l)) continue; // comment inside a continuation
    if (buf === '') start = i + 1;
    if (/\\\s*$/.test(l)) { buf += `${l.replace(/\\\s*$/, '')} `; continue; }
    buf += l;
    const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(buf);
    buf = '';
    if (!m) continue;
    const op = m[1].toUpperCase();
    if (op === 'FROM') stage++;
    out.push({ op, args: m[2].trim(), line: start, stage });
  }
  return out;
}

// Splits COPY/ADD arguments into flags, sources and destination (shell
// form or JSON form).
function copyArgs(args) {
  let words;
  const flags = {};
  const rest = args.replace(/^((--[a-z-]+(=\S+)?\s+)*)/, (all) => {
    for (const f of all.trim().split(/\s+/).filter(Boolean)) {
      const [k, v] = f.slice(2).split('=');
      flags[k] = v ?? true;
    }
    return '';
  });
  if (rest.startsWith('[')) words = JSON.parse(rest);
  else words = rest.split(/\s+/).filter(Boolean);
  return { flags, srcs: words.slice(0, -1), dest: words[words.length - 1] };
}

// Files of root matching a context-relative COPY source (with * and ?
// inside path segments, as Docker's filepath.Match).
function globContext(root, pattern) {
  const segs = pattern.replace(/^\.?\/+/, '').replace(/\/+$/, '').split('/').filter((s) => s !== '.');
  let found = [root];
  for (const seg of segs) {
    const next = [];
    const re = /[*?[]/.test(seg)
      ? new RegExp(`^${seg.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`)
      : null;
    for (const dir of found) {
      if (re === null) {
        if (existsSync(path.join(dir, seg))) next.push(path.join(dir, seg));
        continue;
      }
      let names = [];
      try { names = readdirSync(dir); } catch { /* not a directory */ }
      for (const n of names) if (re.test(n)) next.push(path.join(dir, n));
    }
    found = next;
  }
  return found;
}

// Problems with the context files one Dockerfile copies: [] when fine.
// context is the build context's directory on disk.
function missingCopies(dockerfileText, context) {
  const problems = [];
  const ins = parseDockerfile(dockerfileText);
  for (const i of ins) {
    if (i.op !== 'COPY' && i.op !== 'ADD') continue;
    const { flags, srcs } = copyArgs(i.args);
    if (flags.from !== undefined) continue; // from a stage or an image
    if (srcs.length === 0) { problems.push(`line ${i.line}: ${i.op} without a source`); continue; }
    for (const s of srcs) {
      if (/^[a-z]+:\/\//.test(s)) { problems.push(`line ${i.line}: ${i.op} of a URL (${s})`); continue; }
      if (s.split('/').includes('..') || s.startsWith('/')) {
        problems.push(`line ${i.line}: ${s} leaves the build context`);
        continue;
      }
      const hits = globContext(context, s);
      if (hits.length === 0) problems.push(`line ${i.line}: ${i.op} ${s}: no such file in the build context`);
    }
  }
  return problems;
}

// The runtime (last) stage of a Dockerfile.
function runtimeStage(text) {
  const ins = parseDockerfile(text);
  const last = Math.max(...ins.map((i) => i.stage));
  return ins.filter((i) => i.stage === last);
}

function git(args) {
  return run('git', args, { cwd: REPO });
}

function psqlUrl(url, sql) {
  return stack.psqlUrl(url, sql);
}

function withUser(url, user, password) {
  const u = new URL(url);
  u.username = user;
  if (password !== undefined) u.password = password;
  return u.toString();
}

// pg_ctl/initdb as the clusters' OS user (postgres when root).
function asPg(cmd, args, opts = {}) {
  if (IS_ROOT) return run('runuser', ['-u', 'postgres', '--', cmd, ...args], { cwd: '/', timeoutMs: 90_000, ...opts });
  return run(cmd, args, { timeoutMs: 90_000, ...opts });
}
function pgCtl(args) {
  return asPg(path.join(PG_BIN, 'pg_ctl'), args);
}

// --- (a) compose files are valid -------------------------------------------------------

test('docker-compose config -q accepts both compose files (secrets made by docker/make-secrets)', () => {
  // A copy of docker/ in a scratch tree shaped like the repository, so that
  // make-secrets writes nowhere near the real one.
  const root = path.join(tmp, 'tree');
  mkdirSync(root, { recursive: true });
  cpSync(path.join(REPO, 'docker'), path.join(root, 'docker'), {
    recursive: true,
    filter: (src) => !/\/secrets\/(?!README\.md$)[^/]+$/.test(src),
  });
  const ms = run(path.join(root, 'docker/make-secrets'), ['--app-db-host', 'app.example.org'], { cwd: root });
  assert.equal(ms.status, 0, `make-secrets: ${ms.stdout}${ms.stderr}`);
  for (const f of COMPOSE_FILES) {
    const r = run('docker-compose', ['-f', path.join(root, f), 'config', '-q'],
      { cwd: root, env: cleanEnv(COMPOSE_ENV), timeoutMs: 60_000 });
    assert.equal(r.status, 0, `docker-compose config -q ${f}:\n${r.stderr}`);
    // Every secret file the file names now exists in the copy, non-empty.
    const cfg = composeConfig(path.join(root, f), { cwd: root });
    const secrets = Object.entries(cfg.secrets || {});
    assert.ok(secrets.length >= 5, `${f} declares only ${secrets.length} secrets`);
    for (const [name, s] of secrets) {
      assert.ok(s.file && existsSync(s.file) && statSync(s.file).size > 0,
        `${f}: secret ${name} (${s.file}) was not created by make-secrets`);
    }
  }
  // The URLs make-secrets writes carry the passwords it made.
  const sec = (p) => readFileSync(path.join(root, 'docker', p), 'utf8').trim();
  assert.equal(sec('app_server/secrets/app_database_url'),
    `postgresql://app_reader:${sec('app_server/secrets/app_reader_password')}@app-db:5544/lifted_app`);
  assert.equal(sec('cms_server/secrets/cms_app_database_url'),
    `postgresql://cms_publisher:${sec('app_server/secrets/cms_publisher_password')}@app.example.org:5544/lifted_app`);
  assert.match(sec('cms_server/secrets/secret_key'), /^[0-9a-f]{64}$/);
  // One media URL key, the same on both servers (the App signs, the CMS
  // checks), unrelated to the CMS's secret key, which the App never gets.
  const mediaKey = sec('app_server/secrets/media_url_key');
  assert.match(mediaKey, /^[0-9a-f]{64}$/);
  assert.equal(sec('cms_server/secrets/media_url_key'), mediaKey);
  assert.notEqual(mediaKey, sec('cms_server/secrets/secret_key'));
  assert.ok(!existsSync(path.join(root, 'docker/app_server/secrets/secret_key')), 'the App server got secret_key');
  // A second run keeps the passwords and the media key.
  const before2 = sec('app_server/secrets/app_owner_password');
  const again = run(path.join(root, 'docker/make-secrets'), ['--app-db-host', '192.0.2.10'], { cwd: root });
  assert.equal(again.status, 0, again.stderr);
  assert.equal(sec('app_server/secrets/app_owner_password'), before2);
  assert.equal(sec('app_server/secrets/media_url_key'), mediaKey);
  assert.equal(sec('cms_server/secrets/media_url_key'), mediaKey);
  assert.match(sec('cms_server/secrets/cms_app_database_url'), /@192\.0\.2\.10:5544\/lifted_app$/);
  // A CMS copy that went missing or differs is made the App's value again.
  writeFileSync(path.join(root, 'docker/cms_server/secrets/media_url_key'), `${'0'.repeat(64)}\n`);
  const fix = run(path.join(root, 'docker/make-secrets'), ['--app-db-host', '192.0.2.10'], { cwd: root });
  assert.equal(fix.status, 0, fix.stderr);
  assert.equal(sec('cms_server/secrets/media_url_key'), mediaKey);
  rmSync(path.join(root, 'docker/cms_server/secrets/media_url_key'));
  const fix2 = run(path.join(root, 'docker/make-secrets'), ['--app-db-host', '192.0.2.10'], { cwd: root });
  assert.equal(fix2.status, 0, fix2.stderr);
  assert.equal(sec('cms_server/secrets/media_url_key'), mediaKey);
});

test('the App compose file refuses to start without CMS_HOST_CIDR (pg_hba needs the CMS host)', () => {
  const r = run('docker-compose', ['-f', 'docker/app_server/compose.yaml', 'config', '-q'],
    { env: cleanEnv({ CMS_PUBLIC_URL: COMPOSE_ENV.CMS_PUBLIC_URL }), timeoutMs: 60_000 });
  assert.notEqual(r.status, 0, 'config passed without CMS_HOST_CIDR');
  assert.match(r.stderr, /CMS_HOST_CIDR/);
});

test('the App compose file refuses to start without CMS_PUBLIC_URL (where media links point)', () => {
  const r = run('docker-compose', ['-f', 'docker/app_server/compose.yaml', 'config', '-q'],
    { env: cleanEnv({ CMS_HOST_CIDR: COMPOSE_ENV.CMS_HOST_CIDR }), timeoutMs: 60_000 });
  assert.notEqual(r.status, 0, 'config passed without CMS_PUBLIC_URL');
  assert.match(r.stderr, /CMS_PUBLIC_URL/);
});

// --- (b) every file they use exists -----------------------------------------------------

test('every file a Dockerfile COPYs or ADDs from the build context exists', () => {
  for (const f of DOCKERFILES) {
    const text = readFileSync(path.join(REPO, f), 'utf8');
    const copies = parseDockerfile(text).filter((i) => (i.op === 'COPY' || i.op === 'ADD')
      && copyArgs(i.args).flags.from === undefined);
    assert.ok(copies.length >= 8, `${f}: only ${copies.length} COPY lines from the context were parsed`);
    assert.deepEqual(missingCopies(text, REPO), [], f);
  }
});

test('the COPY check fails on a missing file, a glob without match and a path outside the context', () => {
  const base = readFileSync(path.join(REPO, DOCKERFILES[0]), 'utf8');
  const bad = [
    'COPY docker/no-such-file /opt/x',
    'COPY --chown=1:1 app_server/*.nosuch app_server/',
    'ADD ["shared/web/", "frameworks_data/missing.csv", "/x/"]',
    'COPY ../etc/passwd /x',
    'COPY migrations/app/ \\\n    nothing-here/ /y/',
  ];
  for (const line of bad) {
    const p = missingCopies(`${base}\n${line}\n`, REPO);
    assert.equal(p.length, 1, `not exactly one problem for ${JSON.stringify(line)}: ${JSON.stringify(p)}`);
  }
  // COPY --from= of a stage is not a context file.
  assert.deepEqual(missingCopies(`${base}\nCOPY --from=build /nowhere /x\n`, REPO), []);
});

test('every file a compose file mounts or builds from exists in the repository; secrets are git-ignored', () => {
  for (const f of COMPOSE_FILES) {
    const cfg = composeConfig(f);
    let binds = 0;
    for (const [name, svc] of Object.entries(cfg.services)) {
      if (svc.build) {
        const ctx = svc.build.context;
        assert.equal(path.resolve(ctx), REPO, `${f} ${name}: build context ${ctx} is not the repository root`);
        const df = path.join(ctx, svc.build.dockerfile || 'Dockerfile');
        assert.ok(existsSync(df), `${f} ${name}: ${df} is missing`);
        assert.ok(DOCKERFILES.includes(path.relative(REPO, df)), `${f} ${name}: ${df} is not checked by this test`);
      }
      for (const v of svc.volumes || []) {
        const src = typeof v === 'string' ? v.split(':')[0] : v.source;
        const type = typeof v === 'string' ? (src.startsWith('/') || src.startsWith('.') ? 'bind' : 'volume') : v.type;
        if (type !== 'bind') {
          assert.ok(cfg.volumes && src in cfg.volumes, `${f} ${name}: volume ${src} is not declared`);
          continue;
        }
        binds++;
        assert.ok(path.resolve(src).startsWith(`${REPO}/`), `${f} ${name}: ${src} lies outside the repository`);
        assert.ok(existsSync(src), `${f} ${name}: mounts ${src}, which does not exist`);
        // A repository file: committed, or at least not git-ignored.
        const ignored = git(['check-ignore', '-q', '--no-index', path.relative(REPO, src)]).status === 0;
        assert.ok(!ignored, `${f} ${name}: ${src} is git-ignored, so not part of the repository`);
      }
      for (const e of [].concat(svc.env_file || [])) {
        assert.ok(existsSync(typeof e === 'string' ? e : e.path), `${f} ${name}: env_file ${JSON.stringify(e)} is missing`);
      }
      for (const s of svc.secrets || []) {
        const sname = typeof s === 'string' ? s : s.source;
        assert.ok(cfg.secrets && sname in cfg.secrets, `${f} ${name}: secret ${sname} is not declared`);
      }
    }
    assert.ok(binds >= 4, `${f}: only ${binds} bind mounts found`);
    for (const [name, c] of Object.entries(cfg.configs || {})) {
      assert.ok(c.file && existsSync(c.file), `${f}: config ${name} (${c.file}) is missing`);
    }
    // Secret files are made on the server, never committed.
    for (const [name, s] of Object.entries(cfg.secrets || {})) {
      assert.ok(s.file, `${f}: secret ${name} is not a file secret`);
      const dir = path.dirname(s.file);
      assert.equal(path.basename(dir), 'secrets', `${f}: secret ${name} (${s.file}) is not in a secrets/ folder`);
      assert.ok(dir.startsWith(`${REPO}/docker/`), `${f}: secret ${name} lies outside docker/`);
      assert.ok(existsSync(path.join(dir, 'README.md')), `${f}: ${dir} has no README.md`);
      const ign = git(['check-ignore', '-q', '--no-index', path.relative(REPO, s.file)]);
      assert.equal(ign.status, 0, `${f}: secret file ${s.file} is not git-ignored`);
      const readme = git(['check-ignore', '-q', '--no-index', path.relative(REPO, path.join(dir, 'README.md'))]);
      assert.notEqual(readme.status, 0, `${dir}/README.md is git-ignored`);
    }
  }
});

test('the compose files wire health checks, the migrate step and a restricted App database', () => {
  const app = composeConfig(COMPOSE_FILES[0]).services;
  const cms = composeConfig(COMPOSE_FILES[1]).services;
  for (const [svcs, server, db] of [[app, 'app', 'app-db'], [cms, 'cms', 'cms-db']]) {
    assert.deepEqual(svcs[server].depends_on.migrate, { condition: 'service_completed_successfully' }, server);
    assert.deepEqual(svcs[server].depends_on[db], { condition: 'service_healthy' }, server);
    assert.deepEqual(svcs.migrate.depends_on[db], { condition: 'service_healthy' }, `${server} migrate`);
    assert.deepEqual(svcs.migrate.command, ['migrate']);
    assert.deepEqual(svcs.proxy.depends_on[server], { condition: 'service_healthy' }, `${server} proxy`);
    assert.match(svcs[server].healthcheck.test.join(' '), /lifted-healthcheck/);
    assert.match(svcs.proxy.healthcheck.test.join(' '), /\/readyz/);
    assert.equal(svcs[server].ports, undefined, `${server} publishes a port; only the proxy may`);
    assert.equal(svcs[db].image, 'postgres:15-bookworm');
    // Credentials only as *_FILE settings pointing at secrets.
    for (const [k, v] of Object.entries(svcs[server].environment)) {
      assert.ok(!/_URL$|_KEY$|PASSWORD/.test(k) || ['LIFTED_STORAGE_URL', 'LIFTED_MEDIA_BASE_URL'].includes(k),
        `${server}: ${k} given inline`);
      if (k.endsWith('_FILE')) assert.match(v, /^\/run\/secrets\//, k);
    }
  }
  // The App server holds no CMS credentials (and never the CMS's
  // secret_key), only its reader URL and the shared media URL key; the
  // migrate step holds the owner's.
  const names = (svc) => (svc.secrets || []).map((s) => s.source ?? s).sort();
  assert.deepEqual(names(app.app), ['app_database_url', 'media_url_key']);
  assert.deepEqual(app.migrate.secrets.map((s) => s.source ?? s), ['app_admin_database_url']);
  for (const [name, svc] of Object.entries(app)) {
    assert.ok(!names(svc).includes('secret_key'), `App server ${name} gets secret_key`);
    assert.equal(svc.environment?.LIFTED_SECRET_KEY_FILE, undefined, `App server ${name}: LIFTED_SECRET_KEY_FILE`);
  }
  assert.ok(cms.cms.secrets.map((s) => s.source ?? s).includes('cms_app_database_url'));
  assert.deepEqual(names(cms.cms), ['cms_app_database_url', 'cms_database_url', 'media_url_key',
    'scraper_database_url', 'secret_key']);
  // Media links: both servers read the media key from the same-named
  // secret (make-secrets gives both folders one value); the App signs
  // links to the CMS's public URL.
  for (const [cfg, svc] of [[app, 'app'], [cms, 'cms']]) {
    assert.equal(cfg[svc].environment.LIFTED_MEDIA_URL_KEY_FILE, '/run/secrets/media_url_key', svc);
    assert.equal(cfg[svc].environment.LIFTED_MEDIA_URL_KEY, undefined, `${svc}: media key inline`);
  }
  assert.equal(app.app.environment.LIFTED_MEDIA_BASE_URL, COMPOSE_ENV.CMS_PUBLIC_URL);
  assert.equal(cms.cms.environment.LIFTED_MEDIA_BASE_URL, undefined, 'the CMS serves its own /media/ same-origin');
  // Body limits: the CMS proxy's client_max_body_size is the CMS's upload
  // limit (default the setting's default), from one variable; the App
  // proxy keeps the 1m of lifted.conf.
  const bytes = (v) => {
    const m = /^(\d+)([kKmM]?)$/.exec(String(v));
    assert.ok(m, `not an nginx size: ${v}`);
    return Number(m[1]) * ({ '': 1, k: 1024, m: 1024 * 1024 }[m[2].toLowerCase()]);
  };
  const settingDefault = /^LIFTED_UPLOAD_MAX_BYTES=(\d+)$/m.exec(
    run(path.join(BIN_DIR, 'lifted-cms'), ['print-settings']).stdout)?.[1];
  assert.ok(settingDefault, 'print-settings has no LIFTED_UPLOAD_MAX_BYTES');
  assert.equal(bytes(cms.proxy.environment.NGINX_CMS_MAX_BODY), Number(settingDefault));
  assert.equal(bytes(cms.cms.environment.LIFTED_UPLOAD_MAX_BYTES ?? settingDefault), Number(settingDefault));
  const cms2 = composeConfig(COMPOSE_FILES[1], { env: { ...COMPOSE_ENV, CMS_UPLOAD_MAX_BYTES: '2097152' } }).services;
  assert.equal(bytes(cms2.proxy.environment.NGINX_CMS_MAX_BODY), 2097152);
  assert.equal(bytes(cms2.cms.environment.LIFTED_UPLOAD_MAX_BYTES), 2097152);
  assert.equal(app.proxy.environment.NGINX_CMS_MAX_BODY, undefined);
  assert.match(readFileSync(path.join(REPO, 'docker/nginx/lifted-cms.conf.template'), 'utf8'),
    /^\s*client_max_body_size \$\{NGINX_CMS_MAX_BODY\};$/m);
  assert.match(readFileSync(path.join(REPO, 'docker/nginx/lifted.conf.template'), 'utf8'),
    /^client_max_body_size 1m;$/m);
  assert.match(readFileSync(STACK, 'utf8'), /NGINX_CMS_MAX_BODY="\$\{LIFTED_UPLOAD_MAX_BYTES:-8m\}"/,
    'scripts/stack renders the CMS body limit from the upload limit');
  assert.equal(bytes('8m'), Number(settingDefault), "scripts/stack's default is not the setting's");
  // The App database: port 5544, published on loopback unless the
  // operator names the private address the CMS host uses.
  assert.equal(app['app-db'].environment.PGPORT, '5544');
  assert.deepEqual(app['app-db'].ports, ['127.0.0.1:5544:5544/tcp']);
  assert.equal(cms['cms-db'].ports, undefined, 'the CMS database is published');
  assert.equal(app['app-db'].environment.INITDB_CMS_CIDR, COMPOSE_ENV.CMS_HOST_CIDR);
  // No Lifted server gets a LIFTED_* name the binaries do not know (they
  // would refuse to start): every one is in print-settings.
  const known = new Set(run(path.join(BIN_DIR, 'lifted-app'), ['print-settings']).stdout
    .split('\n').map((l) => /^#?\s*(LIFTED_[A-Z0-9_]+)=/.exec(l)?.[1]).filter(Boolean));
  assert.ok(known.size > 20, `print-settings gave ${known.size} names`);
  for (const svcs of [app, cms]) {
    for (const [name, svc] of Object.entries(svcs)) {
      for (const k of Object.keys(svc.environment || {})) {
        if (!k.startsWith('LIFTED_')) continue;
        assert.ok(known.has(k.replace(/_FILE$/, '')), `${name}: ${k} is not a setting`);
      }
    }
  }
});

// --- (d) runtime stages -----------------------------------------------------------------

test('each image runs as a non-root USER with a HEALTHCHECK on /readyz', () => {
  for (const f of DOCKERFILES) {
    const text = readFileSync(path.join(REPO, f), 'utf8');
    const st = runtimeStage(text);
    assert.match(st[0].args, /^debian:12-slim$/, `${f}: runtime stage is not debian:12-slim`);
    const users = st.filter((i) => i.op === 'USER');
    assert.ok(users.length >= 1, `${f}: the runtime stage has no USER`);
    const user = users[users.length - 1].args.split(':')[0];
    assert.ok(!['root', '0', ''].includes(user), `${f}: runs as ${user}`);
    if (!/^\d+$/.test(user)) {
      const m = st.filter((i) => i.op === 'RUN').map((i) => new RegExp(`useradd[^&;]*--uid (\\d+)[^&;]*\\b${user}\\b`).exec(i.args)).find(Boolean);
      assert.ok(m, `${f}: no useradd of ${user} in the runtime stage`);
      assert.notEqual(Number(m[1]), 0);
    }
    // Nothing after USER switches back.
    const lastUser = st.lastIndexOf(users[users.length - 1]);
    assert.ok(!st.slice(lastUser).some((i) => i.op === 'RUN'), `${f}: RUN after USER`);
    const hc = st.filter((i) => i.op === 'HEALTHCHECK');
    assert.equal(hc.length, 1, `${f}: runtime stage HEALTHCHECKs`);
    const cmd = /CMD\s+(.*)$/.exec(hc[0].args)?.[1];
    assert.ok(cmd, `${f}: HEALTHCHECK without CMD`);
    const argv = cmd.startsWith('[') ? JSON.parse(cmd) : cmd.split(/\s+/);
    if (!/\/readyz/.test(cmd)) {
      // A helper copied into the image from the context: it must ask /readyz.
      const copy = st.filter((i) => i.op === 'COPY').map((i) => copyArgs(i.args))
        .find((c) => c.flags.from === undefined && path.basename(c.dest) === argv[0]);
      assert.ok(copy, `${f}: HEALTHCHECK runs ${argv[0]}, which the runtime stage does not COPY`);
      assert.match(readFileSync(path.join(REPO, copy.srcs[0]), 'utf8'), /GET \/readyz/);
    }
    assert.ok(st.some((i) => i.op === 'EXPOSE'), `${f}: no EXPOSE`);
    assert.ok(st.some((i) => i.op === 'ENTRYPOINT'), `${f}: no ENTRYPOINT`);
    // No compiler or Node in the runtime image.
    const installs = st.filter((i) => i.op === 'RUN').map((i) => i.args).join(' ');
    assert.doesNotMatch(installs, /\b(gcc|make|nodejs|npm|-dev)\b/, `${f}: build tools in the runtime stage`);
  }
});

test('the health check helper answers healthy only for a 200 from /readyz', async () => {
  const hc = path.join(REPO, 'docker/healthcheck');
  const ok = run(hc, ['app'], { env: cleanEnv({ LIFTED_APP_LISTEN: `0.0.0.0:${stack.ports.app}` }) });
  assert.equal(ok.status, 0, `healthcheck against the running App: ${ok.stderr}`);
  const okCms = run(hc, ['cms'], { env: cleanEnv({ LIFTED_CMS_LISTEN: `127.0.0.1:${stack.ports.cms}` }) });
  assert.equal(okCms.status, 0, `healthcheck against the running CMS: ${okCms.stderr}`);
  // A server answering 503 on /readyz (and 200 elsewhere) is unhealthy.
  const port = stack.allocPort();
  let paths = [];
  const srv = http.createServer((req, res) => {
    paths.push(req.url);
    res.writeHead(req.url === '/readyz' ? 503 : 200);
    res.end('x');
  });
  await new Promise((r) => srv.listen(port, '127.0.0.1', r));
  try {
    const bad = await new Promise((resolve) => {
      // spawnSync would block the loop this server runs on.
      import('node:child_process').then(({ execFile }) => {
        execFile(hc, ['app'], { env: cleanEnv({ LIFTED_APP_LISTEN: `127.0.0.1:${port}` }) },
          (err) => resolve(err ? err.code : 0));
      });
    });
    assert.notEqual(bad, 0, 'a 503 from /readyz counted as healthy');
    assert.deepEqual(paths, ['/readyz']);
  } finally {
    srv.close();
  }
  // Nothing listening: unhealthy.
  const closed = run(hc, ['app'], { env: cleanEnv({ LIFTED_APP_LISTEN: `127.0.0.1:${port}` }) });
  assert.notEqual(closed.status, 0);
});

// --- (c) the roles of SPEC 2, made by docker/initdb through scripts/stack -------------

test('scripts/stack feeds the docker/initdb role files (one source of truth)', () => {
  const s = readFileSync(STACK, 'utf8');
  const body = (fn) => {
    const m = new RegExp(`^${fn}\\(\\) \\{\\n([\\s\\S]*?)^\\}$`, 'm').exec(s);
    assert.ok(m, `scripts/stack has no function ${fn}`);
    return m[1];
  };
  for (const [fn, file] of [['setup_app_db', 'app-roles.sql'], ['setup_cms_db', 'cms-roles.sql']]) {
    const b = body(fn);
    assert.match(b, new RegExp(`cat "\\$REPO/docker/initdb/${file.replace('.', '\\.')}"`), fn);
    assert.doesNotMatch(b, /CREATE|GRANT|REVOKE/, `${fn} still has SQL of its own`);
  }
  assert.doesNotMatch(body('role_sql'), /CREATE|ALTER/, 'role_sql still writes SQL of its own');
});

function roles(which) {
  const r = stack.psql(which, "SELECT rolname || '|' || rolsuper || rolcreatedb || rolcreaterole || rolreplication || rolbypassrls || '|' || rolcanlogin FROM pg_roles WHERE rolname !~ '^pg_' ORDER BY 1");
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n');
}

test('the App cluster has exactly the superuser, app_owner, app_reader and cms_publisher', () => {
  const super_ = IS_ROOT ? 'postgres' : os.userInfo().username;
  assert.deepEqual(roles('app'), [
    'app_owner|falsefalsefalsefalsefalse|true',
    'app_reader|falsefalsefalsefalsefalse|true',
    'cms_publisher|falsefalsefalsefalsefalse|true',
    `${super_}|truetruetruetruetrue|true`,
  ].sort());
  const db = stack.psql('app', "SELECT pg_get_userbyid(datdba), array_to_string(datacl, ',') FROM pg_database WHERE datname = 'lifted_app'");
  assert.equal(db.status, 0, db.stderr);
  const [owner, acl] = db.stdout.trim().split('|');
  assert.equal(owner, 'app_owner');
  assert.doesNotMatch(acl, /(^|,)=/, `PUBLIC still has rights on lifted_app: ${acl}`);
  assert.match(acl, /app_reader=c\//);
  assert.match(acl, /cms_publisher=c\//);
});

test('the CMS cluster has exactly the superuser, cms_owner and scraper', () => {
  const super_ = IS_ROOT ? 'postgres' : os.userInfo().username;
  assert.deepEqual(roles('cms'), [
    'cms_owner|falsefalsefalsefalsefalse|true',
    `${super_}|truetruetruetruetrue|true`,
    'scraper|falsefalsefalsefalsefalse|true',
  ].sort());
  const db = stack.psql('cms', "SELECT pg_get_userbyid(datdba), array_to_string(datacl, ',') FROM pg_database WHERE datname = 'lifted_cms'");
  const [owner, acl] = db.stdout.trim().split('|');
  assert.equal(owner, 'cms_owner');
  assert.doesNotMatch(acl, /(^|,)=/, `PUBLIC still has rights on lifted_cms: ${acl}`);
  assert.match(acl, /scraper=c\//);
});

test('app_reader reads the course tables but cannot write them', () => {
  const url = stack.env.LIFTED_APP_DATABASE_URL;
  const r = psqlUrl(url, 'SELECT count(*) FROM courses');
  assert.equal(r.status, 0, r.stderr);
  assert.ok(Number(r.stdout.trim()) > 0, 'no sample courses were imported');
  for (const sql of [
    'INSERT INTO courses SELECT * FROM courses WHERE false',
    'DELETE FROM course_dates WHERE id = -1',
    'UPDATE courses SET id = id WHERE id = -1',
    'CREATE TABLE t_reader (x int)',
  ]) {
    const w = psqlUrl(url, sql);
    assert.notEqual(w.status, 0, `app_reader could run: ${sql}`);
    assert.match(w.stderr, PERMISSION, sql);
  }
});

test('cms_publisher writes course tables but has no DDL', () => {
  const url = stack.env.LIFTED_CMS_APP_DATABASE_URL;
  const w = psqlUrl(url, 'INSERT INTO courses SELECT * FROM courses WHERE false; DELETE FROM course_dates WHERE id = -1');
  assert.equal(w.status, 0, w.stderr);
  for (const sql of ['CREATE TABLE t_pub (x int)', 'ALTER TABLE courses ADD COLUMN x int', 'DROP TABLE course_dates', 'TRUNCATE courses']) {
    const r = psqlUrl(url, sql);
    assert.notEqual(r.status, 0, `cms_publisher could run: ${sql}`);
    assert.match(r.stderr, /permission denied|must be owner/i, sql);
  }
});

test("the owner's new App tables are readable by app_reader by default (default privileges)", () => {
  const owner = stack.env.LIFTED_APP_ADMIN_DATABASE_URL;
  const c = psqlUrl(owner, 'CREATE TABLE it_docker_probe (x int); INSERT INTO it_docker_probe VALUES (7)');
  assert.equal(c.status, 0, c.stderr);
  try {
    const r = psqlUrl(stack.env.LIFTED_APP_DATABASE_URL, 'SELECT x FROM it_docker_probe');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), '7');
    const w = psqlUrl(stack.env.LIFTED_CMS_APP_DATABASE_URL, 'INSERT INTO it_docker_probe VALUES (8)');
    assert.notEqual(w.status, 0, 'cms_publisher writes a table no migration granted it');
  } finally {
    psqlUrl(owner, 'DROP TABLE it_docker_probe');
  }
});

test('the scraper cannot read users or sessions, and has no DDL', () => {
  const url = stack.env.LIFTED_SCRAPER_DATABASE_URL;
  const ok = psqlUrl(url, 'SELECT count(*) FROM scraped_courses');
  assert.equal(ok.status, 0, ok.stderr);
  for (const sql of ['SELECT * FROM users', 'SELECT * FROM sessions', 'SELECT * FROM audit_log',
    'CREATE TABLE t_scr (x int)', 'DELETE FROM scraper_jobs WHERE id = -1']) {
    const r = psqlUrl(url, sql);
    assert.notEqual(r.status, 0, `scraper could run: ${sql}`);
    assert.match(r.stderr, PERMISSION, sql);
  }
});

test('the role files stop with a clear message when a password variable is missing', () => {
  for (const [which, file, name] of [['app', 'app-roles.sql', 'app_owner_password'], ['cms', 'cms-roles.sql', 'cms_owner_password']]) {
    const r = run(STACK, ['psql', which, '--dir', stack.dir, '--', '-q'], {
      input: readFileSync(path.join(REPO, 'docker/initdb', file), 'utf8'),
      env: cleanEnv({ LIFTED_BIN_DIR: BIN_DIR }),
    });
    assert.notEqual(r.status, 0, `${file} ran without passwords`);
    assert.match(r.stderr, new RegExp(`${name} is not set`));
  }
});

test('scripts/stack up again re-applies the role files: same roles, passwords still valid', () => {
  const before1 = [roles('app'), roles('cms')];
  const r = run(STACK, ['up', '--dir', stack.dir], { env: cleanEnv({ LIFTED_BIN_DIR: BIN_DIR }), timeoutMs: 120_000 });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.deepEqual([roles('app'), roles('cms')], before1);
  for (const n of ['LIFTED_APP_DATABASE_URL', 'LIFTED_CMS_APP_DATABASE_URL', 'LIFTED_SCRAPER_DATABASE_URL', 'LIFTED_CMS_DATABASE_URL']) {
    const q = psqlUrl(stack.env[n], 'SELECT 1');
    assert.equal(q.status, 0, `${n}: ${q.stderr}`);
  }
});

// --- the postgres image's init script, on a cluster of its own --------------------------

test('docker/initdb/lifted-initdb.sh makes the App, then the CMS roles from secret files and restricts pg_hba', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lifted-initdb-'));
  chmodSync(dir, 0o755);
  stack.tmpDirs.push(dir);
  const data = path.join(dir, 'data');
  const sock = path.join(dir, 'sock');
  const secrets = path.join(dir, 'secrets');
  mkdirSync(data, { mode: 0o700 });
  mkdirSync(sock, { mode: 0o755 });
  mkdirSync(secrets, { mode: 0o755 });
  if (IS_ROOT) {
    const pw = run('id', ['-u', 'postgres']).stdout.trim();
    const gid = run('id', ['-g', 'postgres']).stdout.trim();
    chownSync(data, Number(pw), Number(gid));
    chownSync(sock, Number(pw), Number(gid));
  }
  const pws = { app_owner: 'ownerPW1', app_reader: 'readerPW2', cms_publisher: 'pubPW3' };
  for (const [r, p] of Object.entries(pws)) writeFileSync(path.join(secrets, `${r}_password`), `${p}\n`, { mode: 0o644 });
  const port = stack.allocPort();
  const init = asPg(path.join(PG_BIN, 'initdb'), ['-D', data, '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8',
    '--auth-local=trust', '--auth-host=scram-sha-256', '--no-instructions']);
  assert.equal(init.status, 0, init.stderr);
  const st = pgCtl(['-D', data, '-l', path.join(sock, 'pg.log'), '-w', '-t', '60', '-o',
    `-k ${sock} -p ${port} -c listen_addresses=127.0.0.1`, 'start']);
  assert.equal(st.status, 0, `${st.stderr}${existsSync(path.join(sock, 'pg.log')) ? readFileSync(path.join(sock, 'pg.log'), 'utf8') : ''}`);
  clusters.push(data);

  // The script and its SQL as the image has them: a copy postgres can read
  // (the repository may lie under a folder it cannot enter).
  const sqlDir = path.join(dir, 'initdb');
  cpSync(path.join(REPO, 'docker/initdb'), sqlDir, { recursive: true });
  chmodSync(sqlDir, 0o755);
  const script = path.join(sqlDir, 'lifted-initdb.sh');
  // It runs as the image runs it: as the OS user postgres, with the
  // image's PGDATA/PGPORT and the compose file's INITDB_* names.
  const go = (extra) => {
    const env = {
      PATH: `${PG_BIN}:${process.env.PATH}`, PGDATA: data, PGHOST: sock, PGPORT: String(port),
      INITDB_DATABASE: 'app', INITDB_SECRETS_DIR: secrets, INITDB_SQL_DIR: sqlDir, ...extra,
    };
    if (IS_ROOT) {
      return run('runuser', ['-u', 'postgres', '--', 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
        'bash', script], { cwd: '/', env: cleanEnv({}) });
    }
    return run('bash', [script], { env: cleanEnv(env) });
  };

  // The App database needs the CMS host's address.
  const noCms = go({ INITDB_NETWORK_CIDR: '127.0.0.1/32' });
  assert.notEqual(noCms.status, 0);
  assert.match(noCms.stderr, /INITDB_CMS_CIDR/);

  // Only the CMS host (here: loopback) admitted, and only for cms_publisher.
  const first = go({ INITDB_NETWORK_CIDR: '10.255.255.0/24', INITDB_CMS_CIDR: '127.0.0.1/32' });
  assert.equal(first.status, 0, `${first.stdout}${first.stderr}`);
  const hba = readFileSync(path.join(data, 'pg_hba.conf'), 'utf8');
  assert.match(hba, /^local\s+all\s+postgres\s+peer$/m);
  assert.match(hba, /^host\s+lifted_app\s+cms_publisher\s+127\.0\.0\.1\/32\s+scram-sha-256$/m);
  assert.doesNotMatch(hba, /trust/);
  const url = (role, pw = pws[role]) => `postgresql://${role}:${pw}@127.0.0.1:${port}/lifted_app`;
  // pg_reload_conf() only signals the postmaster: allow it a moment (the
  // initdb default would have admitted app_reader from loopback).
  const settle = async (fn) => {
    let r;
    for (let i = 0; i < 50; i++) {
      r = fn();
      if (r.ok) break;
      await sleep(100);
    }
    return r.res;
  };
  const rd = await settle(() => {
    const res = psqlUrl(url('app_reader'), 'SELECT 1');
    return { ok: res.status !== 0, res };
  });
  const pub = psqlUrl(url('cms_publisher'), 'SELECT current_user');
  assert.equal(pub.status, 0, pub.stderr);
  assert.equal(pub.stdout.trim(), 'cms_publisher');
  assert.notEqual(rd.status, 0, 'app_reader admitted from an address only the CMS host may use');
  assert.match(rd.stderr, /pg_hba\.conf/);
  const su = psqlUrl(`postgresql://postgres@127.0.0.1:${port}/postgres`, 'SELECT 1');
  assert.notEqual(su.status, 0, 'the superuser was admitted over TCP');

  // Run again (idempotent) with this host's network admitted: every role
  // logs in with its secret file's password, the wrong one fails.
  const second = go({ INITDB_NETWORK_CIDR: '127.0.0.1/32', INITDB_CMS_CIDR: '192.0.2.20/32' });
  assert.equal(second.status, 0, `${second.stdout}${second.stderr}`);
  await settle(() => {
    const res = psqlUrl(url('app_reader'), 'SELECT 1');
    return { ok: res.status === 0, res };
  });
  for (const role of Object.keys(pws)) {
    const r = psqlUrl(url(role), 'SELECT current_user');
    assert.equal(r.status, 0, `${role}: ${r.stderr}`);
  }
  const wrong = psqlUrl(url('app_reader', 'nope'), 'SELECT 1');
  assert.notEqual(wrong.status, 0);
  assert.match(wrong.stderr, /password authentication failed/);
  const ddl = psqlUrl(url('cms_publisher'), 'CREATE TABLE t (x int)');
  assert.notEqual(ddl.status, 0);
  assert.match(ddl.stderr, PERMISSION);
  const owner = psqlUrl(url('app_owner'), "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'lifted_app'");
  assert.equal(owner.stdout.trim(), 'app_owner');

  // A missing secret file stops it with its name.
  rmSync(path.join(secrets, 'app_reader_password'));
  const missing = go({ INITDB_NETWORK_CIDR: '127.0.0.1/32', INITDB_CMS_CIDR: '192.0.2.20/32' });
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /app_reader_password is missing/);

  // The CMS side on the same cluster: its roles and database, and a
  // pg_hba.conf naming only lifted_cms and its roles.
  writeFileSync(path.join(secrets, 'cms_owner_password'), 'cmsOwnerPW4\n', { mode: 0o644 });
  writeFileSync(path.join(secrets, 'scraper_password'), 'scraperPW5\n', { mode: 0o644 });
  const cms = go({ INITDB_DATABASE: 'cms', INITDB_NETWORK_CIDR: '127.0.0.1/32' });
  assert.equal(cms.status, 0, `${cms.stdout}${cms.stderr}`);
  const cmsHba = readFileSync(path.join(data, 'pg_hba.conf'), 'utf8');
  assert.match(cmsHba, /^host\s+lifted_cms\s+cms_owner,scraper\s+127\.0\.0\.1\/32\s+scram-sha-256$/m);
  assert.doesNotMatch(cmsHba, /lifted_app|cms_publisher/);
  const cmsUrl = (role, pw) => `postgresql://${role}:${pw}@127.0.0.1:${port}/lifted_cms`;
  await settle(() => {
    const res = psqlUrl(url('cms_publisher'), 'SELECT 1');
    return { ok: res.status !== 0, res };
  });
  const scr = psqlUrl(cmsUrl('scraper', 'scraperPW5'), "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'lifted_cms'");
  assert.equal(scr.status, 0, scr.stderr);
  assert.equal(scr.stdout.trim(), 'cms_owner');
  const scrDdl = psqlUrl(cmsUrl('scraper', 'scraperPW5'), 'CREATE TABLE t (x int)');
  assert.notEqual(scrDdl.status, 0, 'the scraper may create tables');
  assert.match(scrDdl.stderr, PERMISSION);
  const pubGone = psqlUrl(url('cms_publisher'), 'SELECT 1');
  assert.notEqual(pubGone.status, 0, 'the App roles are still admitted after the CMS run');
  assert.match(pubGone.stderr, /pg_hba\.conf/);
});
