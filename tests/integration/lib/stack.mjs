// Test harness for the black-box integration suite (tests/integration).
//
// Each test file starts its own stack (`scripts/stack up`) in a fresh
// temporary directory, on its own block of ten ports:
//
//   base = (TEST_PORT_BASE | LIFTED_TEST_PORT_BASE | 26400) + 10 * offset
//   base+0 App db, base+1 CMS db, base+2 App http, base+3 CMS http,
//   base+4 .. base+9 free for extra server instances (startServer).
//
// Nothing here talks to anything but loopback and the stack's own
// processes. Every process and directory it creates is removed by
// stack.down() (call it from an `after` hook).

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, chmodSync, rmSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const STACK = path.join(REPO, 'scripts/stack');
export const BIN_DIR = process.env.LIFTED_BIN_DIR
  ? path.resolve(process.env.LIFTED_BIN_DIR)
  : path.join(REPO, 'build');
export const PG_BIN = '/usr/lib/postgresql/15/bin';
export const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function portBase(offset) {
  const b = Number(process.env.LIFTED_TEST_PORT_BASE || process.env.TEST_PORT_BASE || 26400);
  return b + 10 * offset;
}

// The environment for child processes: ours without any LIFTED_* name
// (an unknown LIFTED_* name stops a server; the test port base is one).
export function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('LIFTED_')) continue;
    if (k === 'NODE_TEST_CONTEXT' || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  return Object.assign(env, extra);
}

export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
    env: opts.env ?? cleanEnv(),
    cwd: opts.cwd ?? REPO,
    input: opts.input,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

function stackCmd(args, opts = {}) {
  return run(STACK, args, {
    ...opts,
    env: cleanEnv({ LIFTED_BIN_DIR: BIN_DIR, ...(opts.env || {}) }),
  });
}

// Parses `export NAME=value` lines (bash %q quoting for the simple
// values the stack prints).
export function parseExports(text) {
  const env = {};
  for (const line of text.split('\n')) {
    const m = /^export ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2];
    if (v.startsWith("'") && v.endsWith("'")) v = v.slice(1, -1);
    else if (v.startsWith("$'")) v = v.slice(2, -1);
    else v = v.replace(/\\(.)/g, '$1');
    env[m[1]] = v;
  }
  return env;
}

// Settings each binary's `serve` gets (as scripts/stack passes them).
const SERVE_SETTINGS = {
  app: ['LIFTED_APP_DATABASE_URL', 'LIFTED_APP_LISTEN', 'LIFTED_MIGRATIONS_DIR',
    'LIFTED_MEDIA_URL_KEY', 'LIFTED_MEDIA_BASE_URL'],
  cms: ['LIFTED_CMS_DATABASE_URL', 'LIFTED_CMS_APP_DATABASE_URL', 'LIFTED_SCRAPER_DATABASE_URL',
    'LIFTED_CMS_LISTEN', 'LIFTED_APP_LISTEN', 'LIFTED_SECRET_KEY', 'LIFTED_STORAGE_URL',
    'LIFTED_MIGRATIONS_DIR', 'LIFTED_MEDIA_URL_KEY'],
};

const LISTEN_NAME = { app: 'LIFTED_APP_LISTEN', cms: 'LIFTED_CMS_LISTEN' };

export function binPath(which) {
  return path.join(BIN_DIR, `lifted-${which}`);
}

// --- HTTP helpers -----------------------------------------------------------

export async function get(port, p, opts = {}) {
  const { timeoutMs = 10_000, ...init } = opts;
  const t0 = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}${p}`, {
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
    ...init,
  });
  const body = await res.text();
  const ms = performance.now() - t0;
  let json;
  try { json = JSON.parse(body); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, body, json, ms };
}

// Parses as many complete HTTP/1.1 responses as buf holds.
// HEAD-style answers (1xx/204/304) have no body.
function parseResponses(buf, { headBody = false } = {}) {
  const out = [];
  let off = 0;
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', off);
    if (end < 0) break;
    const head = buf.subarray(off, end).toString('latin1');
    const lines = head.split('\r\n');
    const m = /^HTTP\/(\d\.\d) (\d{3})(?: (.*))?$/.exec(lines[0]);
    if (!m) { out.push({ status: NaN, statusLine: lines[0], headers: {}, body: '', complete: false }); break; }
    const headers = {};
    for (const l of lines.slice(1)) {
      const i = l.indexOf(':');
      if (i < 0) continue;
      const k = l.slice(0, i).trim().toLowerCase();
      const v = l.slice(i + 1).trim();
      headers[k] = k in headers ? `${headers[k]}, ${v}` : v;
    }
    const status = Number(m[2]);
    let p = end + 4;
    let body = Buffer.alloc(0);
    let complete = true;
    const noBody = headBody || status === 304 || status === 204 || (status >= 100 && status < 200);
    if (noBody) {
      // nothing
    } else if (/chunked/i.test(headers['transfer-encoding'] || '')) {
      const parts = [];
      complete = false;
      for (;;) {
        const le = buf.indexOf('\r\n', p);
        if (le < 0) break;
        const size = parseInt(buf.subarray(p, le).toString('latin1'), 16);
        if (Number.isNaN(size)) break;
        if (size === 0) {
          const te = buf.indexOf('\r\n\r\n', le);
          if (te < 0 && buf.length >= le + 4) { /* trailer pending */ }
          if (buf.length >= le + 4) { p = le + 4; complete = true; }
          break;
        }
        if (buf.length < le + 2 + size + 2) break;
        parts.push(buf.subarray(le + 2, le + 2 + size));
        p = le + 2 + size + 2;
      }
      body = Buffer.concat(parts);
    } else if ('content-length' in headers) {
      const n = Number(headers['content-length']);
      if (buf.length < p + n) { complete = false; body = buf.subarray(p); p = buf.length; }
      else { body = buf.subarray(p, p + n); p += n; }
    } else {
      // Until close.
      body = buf.subarray(p);
      p = buf.length;
      complete = null; // known only when the connection closed
    }
    out.push({ status, statusLine: lines[0], headers, body: body.toString('utf8'), complete });
    off = p;
    if (complete !== true) break;
  }
  return out;
}

// Sends raw bytes over a fresh TCP connection and collects the answer(s).
// Options: timeoutMs (default 5000), expect (return as soon as this many
// complete responses arrived; default: wait for close or timeout),
// waitClose (after `expect` responses keep waiting for the server to
// close), writes ([[delayMs, bytes], ...] sent after the first bytes).
// Returns {status, headers, body, closed, closedAfterMs, responses,
// raw, error}; status is NaN when no response arrived.
export function rawRequest(port, bytes, opts = {}) {
  const { timeoutMs = 5000, expect = 0, waitClose = false, writes = [], head = false } = opts;
  return new Promise((resolve) => {
    const chunks = [];
    let closed = false;
    let closedAfterMs = null;
    let error = null;
    let done = false;
    const t0 = performance.now();
    const sock = net.connect({ host: '127.0.0.1', port });
    const timers = [];
    const finish = () => {
      if (done) return;
      done = true;
      for (const t of timers) clearTimeout(t);
      const raw = Buffer.concat(chunks);
      const responses = parseResponses(raw, { headBody: head });
      const first = responses[0] || { status: NaN, headers: {}, body: '' };
      sock.destroy();
      resolve({
        status: first.status, headers: first.headers, body: first.body,
        closed, closedAfterMs, responses, raw: raw.toString('latin1'), error,
      });
    };
    const check = () => {
      if (!expect) return;
      const rs = parseResponses(Buffer.concat(chunks), { headBody: head });
      if (rs.filter((r) => r.complete === true).length >= expect && !waitClose) finish();
    };
    sock.on('connect', () => {
      sock.write(bytes);
      for (const [delay, more] of writes) {
        timers.push(setTimeout(() => { if (!sock.destroyed) sock.write(more); }, delay));
      }
    });
    sock.on('data', (d) => { chunks.push(d); check(); });
    sock.on('end', () => { closed = true; closedAfterMs = performance.now() - t0; finish(); });
    sock.on('close', () => { if (!closed) { closed = true; closedAfterMs = performance.now() - t0; } finish(); });
    sock.on('error', (e) => { error = e; });
    timers.push(setTimeout(finish, timeoutMs));
  });
}

// A GET on a new connection that the client closes afterwards (no
// keep-alive reuse): what a fresh browser tab or a proxy does.
export async function freshGet(port, p, headers = {}, timeoutMs = 5000) {
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  const r = await rawRequest(port,
    `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n${extra}\r\n`,
    { timeoutMs, expect: 1 });
  let json;
  try { json = JSON.parse(r.body); } catch { json = undefined; }
  return { ...r, json };
}

// Waits until fn() resolves truthy (exceptions count as falsy).
export async function waitFor(fn, { timeoutMs = 10_000, intervalMs = 100, what = 'condition' } = {}) {
  const deadline = performance.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) { last = e; }
    if (performance.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    }
    await sleep(intervalMs);
  }
}

export function portOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.on('connect', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
}

// --- /proc helpers ------------------------------------------------------------

export function procStat(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0], ppid: Number(rest[1]), pgrp: Number(rest[2]) };
  } catch { return null; }
}

export function alive(pid) {
  const st = procStat(pid);
  return st !== null && st.state !== 'Z';
}

export function childrenOf(pid) {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const st = procStat(d);
    if (st && st.ppid === pid && st.state !== 'Z') out.push(Number(d));
  }
  return out.sort((a, b) => a - b);
}

// Live (non-zombie) processes of process group pgid.
export function groupMembers(pgid) {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const st = procStat(d);
    if (st && st.pgrp === pgid && st.state !== 'Z') out.push(Number(d));
  }
  return out.sort((a, b) => a - b);
}

export function procUids(pid) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(s);
  return m ? m.slice(1).map(Number) : null;
}

// --- the stack ----------------------------------------------------------------

export class Stack {
  constructor(offset) {
    this.base = portBase(offset);
    this.ports = { appDb: this.base, cmsDb: this.base + 1, app: this.base + 2, cms: this.base + 3 };
    this.extraPorts = [4, 5, 6, 7, 8, 9].map((i) => this.base + i);
    this.nextExtra = 0;
    this.dir = null;
    this.env = null;
    this.servers = new Set();
    this.tmpDirs = [];
  }

  // args: extra `scripts/stack up` arguments (e.g. ['--tls']).
  // env: extra environment for scripts/stack (LIFTED_* names reach the
  // servers, e.g. { LIFTED_LOG_LEVEL: 'debug' }).
  async up({ args = [], env = {} } = {}) {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'lifted-it-'));
    chmodSync(this.dir, 0o755);
    const r = stackCmd(['up', '--dir', this.dir, '--port-base', String(this.base), ...args],
      { timeoutMs: 180_000, env });
    if (r.status !== 0) {
      throw new Error(`scripts/stack up failed (status ${r.status}):\n${r.stdout}\n${r.stderr}`);
    }
    this.readConf();
    const e = stackCmd(['env', '--dir', this.dir]);
    if (e.status !== 0) throw new Error(`scripts/stack env failed: ${e.stderr}`);
    this.env = parseExports(e.stdout);
    return this;
  }

  readConf() {
    const conf = readFileSync(path.join(this.dir, 'stack.conf'), 'utf8');
    const kv = Object.fromEntries(conf.split('\n').filter((l) => /^\w+=/.test(l)).map((l) => l.split('=')));
    if (kv.app_db_port) this.ports.appDb = Number(kv.app_db_port);
    if (kv.cms_db_port) this.ports.cmsDb = Number(kv.cms_db_port);
    if (kv.app_http_port) this.ports.app = Number(kv.app_http_port);
    if (kv.cms_http_port) this.ports.cms = Number(kv.cms_http_port);
  }

  async down() {
    for (const s of [...this.servers]) {
      try { await s.stop(); } catch { /* keep cleaning */ }
    }
    if (this.dir) {
      const r = stackCmd(['down', '--dir', this.dir], { timeoutMs: 90_000 });
      if (r.status !== 0) process.stderr.write(`scripts/stack down: ${r.stdout}${r.stderr}\n`);
      rmSync(this.dir, { recursive: true, force: true });
    }
    for (const d of this.tmpDirs) rmSync(d, { recursive: true, force: true });
  }

  tmpDir(prefix = 'lifted-it-tmp-') {
    const d = mkdtempSync(path.join(os.tmpdir(), prefix));
    chmodSync(d, 0o755);
    this.tmpDirs.push(d);
    return d;
  }

  pid(which) {
    return Number(readFileSync(path.join(this.dir, 'run', `${which}.pid`), 'utf8').trim());
  }

  logPath(which) {
    return path.join(this.dir, 'log', `${which}.log`);
  }

  // psql as the cluster superuser through scripts/stack.
  psql(which, sql) {
    return stackCmd(['psql', which, '--dir', this.dir, '--', '-Atc', sql]);
  }

  // psql with a libpq URL (a project role).
  psqlUrl(url, sql) {
    const psqlBin = existsSync(path.join(PG_BIN, 'psql')) ? path.join(PG_BIN, 'psql') : 'psql';
    return run(psqlBin, ['-X', '-v', 'ON_ERROR_STOP=1', url, '-Atc', sql], { timeoutMs: 30_000 });
  }

  // pg_ctl on one of the clusters (as the postgres OS user when root).
  pgCtl(which, args) {
    const data = path.join(this.dir, 'pg', which);
    const cmd = [path.join(PG_BIN, 'pg_ctl'), '-D', data, ...args];
    if (IS_ROOT) return run('runuser', ['-u', 'postgres', '--', ...cmd], { cwd: '/', timeoutMs: 90_000 });
    return run(cmd[0], cmd.slice(1), { timeoutMs: 90_000 });
  }

  pgLog(which) {
    return path.join(this.dir, 'log', `pg-${which}.log`);
  }

  allocPort() {
    if (this.nextExtra >= this.extraPorts.length) this.nextExtra = 0;
    return this.extraPorts[this.nextExtra++];
  }

  // The environment `serve` of `which` gets, with overrides (a value of
  // null removes a name).
  serveEnv(which, overrides = {}) {
    const env = cleanEnv();
    for (const n of SERVE_SETTINGS[which]) if (this.env[n] !== undefined) env[n] = this.env[n];
    for (const [k, v] of Object.entries(overrides)) {
      if (v === null) delete env[k]; else env[k] = String(v);
    }
    return env;
  }

  // Starts an extra `lifted-<which> serve` on a free port of this file's
  // block and waits for /healthz. Returns {port, pid, proc, stderr(),
  // stop(), exited}.
  async startServer(which, overrides = {}, { waitReady = 'healthz', timeoutMs = 20_000 } = {}) {
    const port = overrides.port ?? this.allocPort();
    delete overrides.port;
    const env = this.serveEnv(which, { [LISTEN_NAME[which]]: `127.0.0.1:${port}`, ...overrides });
    return startServer(binPath(which), env, { port, waitReady, timeoutMs, registry: this.servers });
  }
}

// Starts `<bin> serve` with exactly env; waits until /healthz answers.
export async function startServer(bin, env, { port, waitReady = 'healthz', timeoutMs = 20_000, registry } = {}) {
  if (await portOpen(port)) throw new Error(`port ${port} is already in use`);
  // Own process group: stop() can always reach every worker, even one
  // orphaned by a parent that died.
  const proc = spawn(bin, ['serve'], { env, cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let err = '';
  let out = '';
  proc.stderr.on('data', (d) => { err += d.toString(); });
  proc.stdout.on('data', (d) => { out += d.toString(); });
  const exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => resolve({ code, signal }));
  });
  let exitInfo = null;
  exited.then((x) => { exitInfo = x; });
  const server = {
    port, proc, pid: proc.pid, exited,
    stderr: () => err + out,
    get exitInfo() { return exitInfo; },
    async stop(signal = 'SIGTERM', waitMs = 15_000) {
      if (exitInfo === null) {
        try { process.kill(proc.pid, signal); } catch { /* gone */ }
        const t = setTimeout(() => { try { process.kill(proc.pid, 'SIGKILL'); } catch { /* gone */ } }, waitMs);
        await exited;
        clearTimeout(t);
      }
      // Workers left behind by a parent that died badly.
      try { process.kill(-proc.pid, 'SIGKILL'); } catch { /* group gone */ }
      proc.stdout.destroy();
      proc.stderr.destroy();
      registry?.delete(server);
      return exitInfo;
    },
  };
  registry?.add(server);
  if (waitReady) {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (exitInfo !== null) {
        registry?.delete(server);
        throw new Error(`${path.basename(bin)} serve exited during start-up (${JSON.stringify(exitInfo)}):\n${err.slice(-4000)}`);
      }
      try {
        const r = await get(port, `/${waitReady}`, { timeoutMs: 1000 });
        if (r.status === 200) break;
      } catch { /* not yet */ }
      if (performance.now() > deadline) {
        await server.stop('SIGKILL');
        throw new Error(`${path.basename(bin)} serve did not answer /${waitReady} on ${port} within ${timeoutMs} ms:\n${err.slice(-4000)}`);
      }
      await sleep(100);
    }
  }
  return server;
}
