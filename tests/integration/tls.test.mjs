// In-process TLS (LIFTED_TLS_CERT / LIFTED_TLS_KEY): the servers speak
// TLS 1.2 and 1.3 only, send HSTS, keep the connection guard's limits, and
// deliver whole answers even when they close the connection.
//
// The TLS 1.0/1.1 refusals are checked with Debian's `openssl s_client`,
// which still offers those versions at SECLEVEL=0 (MACHINE-NOTES); the same
// command with -tls1_2 is the positive control.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import path from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { Stack, run, get, sleep, waitFor, binPath, childrenOf } from './lib/stack.mjs';
import { request, sClient } from './lib/tls.mjs';

const stack = new Stack(12);
let dir;
let cert;
let app;
let cms;

function makeCert(d) {
  const r = run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', path.join(d, 'key.pem'), '-out', path.join(d, 'cert.pem'), '-days', '2',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ]);
  assert.equal(r.status, 0, r.stderr);
  return readFileSync(path.join(d, 'cert.pem'));
}

// One HTTPS request on a fresh connection, trusting the test certificate.
const httpsGet = (port, p, opts = {}) => request('https', port, p, { ca: cert, ...opts });

// Raw bytes over TLS; reads until the server closes. Resolves the bytes.
function tlsRaw(port, bytes, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    const s = tls.connect({ host: '127.0.0.1', port, ca: cert, servername: 'localhost' }, () => s.write(bytes));
    const t = setTimeout(() => { s.destroy(); reject(new Error('no close from the server')); }, timeoutMs);
    s.on('data', (c) => chunks.push(c));
    s.on('error', (e) => { clearTimeout(t); reject(e); });
    s.on('close', () => { clearTimeout(t); resolve(Buffer.concat(chunks)); });
  });
}

async function startTls(which, extra = {}) {
  const s = await stack.startServer(which, {
    LIFTED_TLS_CERT: path.join(dir, 'cert.pem'), LIFTED_TLS_KEY: path.join(dir, 'key.pem'),
    LIFTED_WORKERS: '2', ...extra,
  }, { waitReady: null });
  await waitFor(async () => {
    if (s.exitInfo) throw new Error(`exited: ${s.stderr()}`);
    try { return (await httpsGet(s.port, '/readyz')).status === 200; } catch { return false; }
  }, { timeoutMs: 20_000, what: `${which} over https` });
  return s;
}

before(async () => {
  await stack.up();
  dir = stack.tmpDir();
  cert = makeCert(dir);
  app = await startTls('app', { LIFTED_REQUEST_TIMEOUT_S: '2', LIFTED_MAX_HEADER_BYTES: '2048' });
  cms = await startTls('cms');
});

after(async () => { await stack.down(); });

test('TLS 1.2 and TLS 1.3 both answer, with HSTS and the security headers', async () => {
  for (const v of ['TLSv1.2', 'TLSv1.3']) {
    const r = await httpsGet(app.port, '/healthz', { minVersion: v, maxVersion: v });
    assert.equal(r.status, 200, v);
    assert.match(r.headers['strict-transport-security'] ?? '', /max-age=\d+/, v);
    assert.match(r.headers['content-security-policy'] ?? '', /default-src 'self'/, v);
    assert.equal(r.headers['x-content-type-options'], 'nosniff', v);
  }
  const c = await httpsGet(cms.port, '/healthz');
  assert.equal(c.status, 200);
  assert.match(c.headers['strict-transport-security'] ?? '', /max-age=\d+/);
});

test('the negotiated protocol is the one asked for', async () => {
  for (const v of ['TLSv1.2', 'TLSv1.3']) {
    const proto = await new Promise((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: app.port, ca: cert, servername: 'localhost', minVersion: v, maxVersion: v },
        () => { const p = s.getProtocol(); s.end(); resolve(p); });
      s.on('error', reject);
    });
    assert.equal(proto, v);
  }
});

test('TLS 1.0 and 1.1 are refused; the -tls1_2 control with the same client succeeds', () => {
  const ok = sClient(app.port, '-tls1_2');
  assert.equal(ok.status, 0, `control failed: ${ok.stderr}`);
  assert.match(ok.stdout, /Protocol\s*:\s*TLSv1\.2/);
  for (const flag of ['-tls1', '-tls1_1']) {
    const r = sClient(app.port, flag);
    assert.notEqual(r.status, 0, `${flag} was accepted:\n${r.stdout}`);
    assert.match(r.stderr + r.stdout, /alert protocol version|unsupported protocol|wrong version/i, flag);
  }
});

test('answers over TLS are byte for byte those of the plain server', async () => {
  await waitFor(async () => (await httpsGet(app.port, '/qns')).status === 200, { what: '/qns over https' });
  const index = await get(stack.ports.app, '/');
  const asset = /src="([^"]+\.js)"/.exec(index.body)?.[1];
  assert.ok(asset, 'the App page names its script');
  for (const p of ['/qns', '/course_browse', asset]) {
    const plain = await get(stack.ports.app, p, { headers: { 'Accept-Encoding': 'identity' } });
    const secure = await httpsGet(app.port, p, { headers: { 'Accept-Encoding': 'identity' } });
    assert.equal(secure.status, 200, p);
    assert.equal(plain.status, 200, p);
    assert.equal(secure.body, plain.body, p);
  }
});

test('a reply on a connection the server closes arrives whole', async () => {
  const index = await get(stack.ports.app, '/');
  const asset = /src="([^"]+\.js)"/.exec(index.body)[1];
  const want = (await get(stack.ports.app, asset, { headers: { 'Accept-Encoding': 'identity' } })).body;
  for (let i = 0; i < 5; i++) {
    const raw = (await tlsRaw(app.port, `GET ${asset} HTTP/1.1\r\nHost: x\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n`)).toString('utf8');
    assert.match(raw, /^HTTP\/1\.1 200 /);
    assert.equal(raw.slice(raw.indexOf('\r\n\r\n') + 4), want);
  }
});

test('a reply larger than the socket buffers reaches a slow reader whole', async () => {
  // 8 MiB from a static folder of its own: more than the kernel takes at
  // once, so the server's writes stop on EAGAIN and resume.
  const root = stack.tmpDir();
  const big = randomBytes(8 << 20);
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(path.join(root, 'big.bin'), big);
  const s = await startTls('app', { LIFTED_STATIC_DIR: root, LIFTED_WORKERS: '1' });
  try {
    const r = run('python3', [path.join(import.meta.dirname, 'tools/tls_slow_reader.py'), String(s.port), '/big.bin', path.join(dir, 'cert.pem')]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), `${big.length} ${createHash('sha256').update(big).digest('hex')}`);
  } finally {
    await s.stop();
  }
  assert.doesNotMatch(s.stderr(), /AddressSanitizer|runtime error:|killed by signal/);
});

test('the guard still answers over TLS: 431 for an oversized header block, as JSON', async () => {
  const raw = (await tlsRaw(app.port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(4000)}\r\n\r\n`)).toString('utf8');
  assert.match(raw, /^HTTP\/1\.1 431 /);
  assert.match(raw, /strict-transport-security/i);
  const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4));
  assert.ok(body.error);
});

test('the guard still answers over TLS: 408 when the header block is not finished in time', async () => {
  const raw = (await tlsRaw(app.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n')).toString('utf8');
  assert.match(raw, /^HTTP\/1\.1 408 /);
});

test('a client that never finishes the handshake is disconnected', async () => {
  for (const bytes of [Buffer.alloc(0), Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])]) {
    const t0 = performance.now();
    const closed = await new Promise((resolve) => {
      const s = net.connect(app.port, '127.0.0.1', () => { if (bytes.length) s.write(bytes); });
      const t = setTimeout(() => { s.destroy(); resolve(false); }, 10_000);
      s.on('data', () => {});
      s.on('error', () => {});
      s.on('close', () => { clearTimeout(t); resolve(true); });
    });
    assert.ok(closed, 'the server kept a half-open handshake for 10 s');
    assert.ok(performance.now() - t0 >= 1500, 'closed before the deadline');
  }
});

test('plain HTTP on the TLS port gets no plain-text answer', async () => {
  const raw = await new Promise((resolve) => {
    const chunks = [];
    const s = net.connect(app.port, '127.0.0.1', () => s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
    const t = setTimeout(() => { s.destroy(); resolve(Buffer.concat(chunks)); }, 5000);
    s.on('data', (c) => chunks.push(c));
    s.on('error', () => {});
    s.on('close', () => { clearTimeout(t); resolve(Buffer.concat(chunks)); });
  });
  assert.doesNotMatch(raw.toString('latin1'), /HTTP\/1\.1 200/);
  // The workers are still fine afterwards.
  assert.equal((await httpsGet(app.port, '/healthz')).status, 200);
});

test('many short TLS connections in parallel leave the workers running', async () => {
  const pids = childrenOf(app.pid);
  const jobs = [];
  for (let i = 0; i < 200; i++) jobs.push(httpsGet(app.port, i % 2 ? '/healthz' : '/qns').then((r) => r.status, () => 0));
  const statuses = await Promise.all(jobs);
  assert.deepEqual(statuses.filter((s) => s !== 200), []);
  await sleep(200);
  assert.deepEqual(childrenOf(app.pid).sort(), pids.sort());
});

test('an unreadable key stops start-up with a message naming the file', async () => {
  const env = stack.serveEnv('app', {
    LIFTED_APP_LISTEN: `127.0.0.1:${stack.allocPort()}`,
    LIFTED_TLS_CERT: path.join(dir, 'cert.pem'), LIFTED_TLS_KEY: path.join(dir, 'missing.pem'),
  });
  const r = run(binPath('app'), ['serve'], { env, timeoutMs: 15_000 });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /missing\.pem/);
});

function peerFingerprint(port) {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const fp = s.getPeerCertificate().fingerprint256;
      s.end();
      resolve(fp);
    });
    s.on('error', reject);
  });
}

test('SIGHUP makes the workers load a renewed certificate', async () => {
  const own = stack.tmpDir();
  makeCert(own);
  const s = await stack.startServer('app', {
    LIFTED_TLS_CERT: path.join(own, 'cert.pem'), LIFTED_TLS_KEY: path.join(own, 'key.pem'), LIFTED_WORKERS: '2',
  }, { waitReady: null });
  try {
    await waitFor(async () => { try { await peerFingerprint(s.port); return true; } catch { return false; } },
      { what: 'the TLS server' });
    const before = await peerFingerprint(s.port);
    makeCert(own); // a new key and certificate in the same files
    process.kill(s.pid, 'SIGHUP');
    // Workers are replaced one by one: every connection must end up on the
    // new certificate, and none may fail meanwhile.
    await waitFor(async () => {
      const fps = await Promise.all([1, 2, 3, 4, 5, 6].map(() => peerFingerprint(s.port)));
      return fps.every((fp) => fp !== before);
    }, { timeoutMs: 20_000, what: 'the renewed certificate on every worker' });
  } finally {
    await s.stop();
  }
  assert.doesNotMatch(s.stderr(), /AddressSanitizer|runtime error:|killed by signal/);
});

test('the TLS servers reported no sanitizer errors and no dead worker', async () => {
  const err = app.stderr() + cms.stderr();
  assert.doesNotMatch(err, /AddressSanitizer|LeakSanitizer|runtime error:|killed by signal/, err.slice(-4000));
});
