// Object storage, S3 backend (issue 8, docs/storage.md): the test-only
// storage tool (tests/tools/storage_tool.c, the real shared/storage.c and
// shared/s3.c) against s3rver on loopback.  No database is needed, so no
// stack is started.
//
// s3rver accepts any Signature Version 4 without checking it, so the
// tool talks to a small verifying proxy in this file first: it recomputes
// every request's signature from what arrived on the wire (an
// independent implementation, node:crypto) and checks the payload hash
// against the body; a mismatch gets S3's 403 SignatureDoesNotMatch, as AWS
// would answer.  The proxy then forwards to s3rver.
//
// Ports (offset 19): base+0 s3rver, base+1 the verifying proxy.
// Objects are written to s3rver directly only to fill a bucket quickly
// (the listing test); everything under test goes through the proxy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import { BIN_DIR, REPO, cleanEnv, portBase, waitFor, portOpen } from './lib/stack.mjs';

const BASE = portBase(19);
const S3RVER_PORT = BASE;
const PROXY_PORT = BASE + 1;
const BUCKET = 'lifted-test';
const PREFIX = 'media';
const ACCESS = 'S3RVER';
const SECRET = 'S3RVER';
const TOOL = path.join(BIN_DIR, 'tests', 'storage-tool');
// s3rver's continuation tokens use DES, which Node 20's OpenSSL 3 keeps in
// its legacy provider.
const S3RVER = path.join(REPO, 'tests/node_modules/s3rver/bin/s3rver.js');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lifted-storage-'));
let s3rver = null;
let proxy = null;
const seen = []; // { method, path, verified, reason } per request reaching the proxy

// --- the verifying proxy --------------------------------------------------

const sha256 = (b) => crypto.createHash('sha256').update(b).digest('hex');
const hmac = (k, s) => crypto.createHmac('sha256', k).update(s).digest();
// RFC 3986 unreserved characters stay, everything else is %XX (upper case).
const enc = (s) => Array.from(Buffer.from(s, 'utf8'))
  .map((c) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(c))
    ? String.fromCharCode(c) : '%' + c.toString(16).toUpperCase().padStart(2, '0')))
  .join('');

// null when the request is correctly signed with SECRET, else the reason.
function verify(req, body) {
  const auth = req.headers.authorization || '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([a-z0-9-]+)\/s3\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return 'malformed Authorization';
  const [, access, day, region, signedHeaders, signature] = m;
  if (access !== ACCESS) return 'unknown access key';
  const amzDate = req.headers['x-amz-date'] || '';
  if (!/^\d{8}T\d{6}Z$/.test(amzDate) || amzDate.slice(0, 8) !== day) return 'bad x-amz-date';
  const when = Date.parse(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  if (Math.abs(Date.now() - when) > 15 * 60 * 1000) return 'x-amz-date too far from now';
  if (req.headers['x-amz-content-sha256'] !== sha256(body)) return 'payload hash does not match the body';
  const names = signedHeaders.split(';');
  for (const must of ['host', 'x-amz-content-sha256', 'x-amz-date']) {
    if (!names.includes(must)) return `${must} not signed`;
  }
  const q = req.url.indexOf('?');
  const rawPath = q < 0 ? req.url : req.url.slice(0, q);
  const query = (q < 0 ? '' : req.url.slice(q + 1)).split('&').filter(Boolean)
    .map((p) => {
      const i = p.indexOf('=');
      const k = decodeURIComponent(i < 0 ? p : p.slice(0, i));
      const v = decodeURIComponent(i < 0 ? '' : p.slice(i + 1));
      return [enc(k), enc(v)];
    })
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`).join('&');
  const headers = names.map((n) => {
    const v = req.headers[n];
    if (v === undefined) return null;
    return `${n}:${String(v).trim().replace(/\s+/g, ' ')}\n`;
  });
  if (headers.includes(null)) return 'a signed header is missing';
  const creq = [req.method, rawPath, query, headers.join(''), signedHeaders, req.headers['x-amz-content-sha256']].join('\n');
  const sts = ['AWS4-HMAC-SHA256', amzDate, `${day}/${region}/s3/aws4_request`, sha256(creq)].join('\n');
  let key = hmac(`AWS4${SECRET}`, day);
  for (const part of [region, 's3', 'aws4_request']) key = hmac(key, part);
  const want = hmac(key, sts).toString('hex');
  return crypto.timingSafeEqual(Buffer.from(want), Buffer.from(signature)) ? null : 'signature does not match';
}

function startProxy() {
  return new Promise((resolve, reject) => {
    const srv = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const reason = verify(req, body);
        seen.push({ method: req.method, path: req.url, verified: reason === null, reason });
        if (reason !== null) {
          res.writeHead(403, { 'content-type': 'application/xml' });
          res.end('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code>'
            + `<Message>${reason}</Message></Error>`);
          return;
        }
        const up = http.request({
          host: '127.0.0.1', port: S3RVER_PORT, method: req.method, path: req.url,
          headers: { ...req.headers, host: `127.0.0.1:${S3RVER_PORT}` },
        }, (ur) => {
          res.writeHead(ur.statusCode, ur.headers);
          ur.pipe(res);
        });
        up.on('error', (e) => { res.writeHead(502); res.end(String(e)); });
        up.end(body);
      });
    });
    srv.on('error', reject);
    srv.listen(PROXY_PORT, '127.0.0.1', () => resolve(srv));
  });
}

// --- the tool ---------------------------------------------------------------

const s3env = (extra = {}) => cleanEnv({
  LIFTED_STORAGE_URL: `s3://${BUCKET}/${PREFIX}`,
  LIFTED_S3_ENDPOINT: `http://127.0.0.1:${PROXY_PORT}`,
  LIFTED_S3_REGION: 'us-east-1',
  LIFTED_S3_ACCESS_KEY: ACCESS,
  LIFTED_S3_SECRET_KEY: SECRET,
  ...extra,
});

// Resolves { code, stdout (Buffer), stderr (string) }.
function tool(args, env = s3env()) {
  return new Promise((resolve) => {
    execFile(TOOL, args, { env, encoding: 'buffer', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({
        code: err ? (typeof err.code === 'number' ? err.code : -1) : 0,
        stdout, stderr: stderr.toString('utf8'),
      }));
  });
}

const listing = (r) => r.stdout.toString('utf8').split('\n').filter(Boolean)
  .map((l) => { const [key, mtime] = l.split(' '); return { key, mtime: Number(mtime) }; });

before(async () => {
  assert.ok(fs.existsSync(TOOL), `${TOOL} is missing: build with TESTING=1`);
  assert.ok(fs.existsSync(S3RVER), 'tests/node_modules is missing: run make deps');
  s3rver = spawn(process.execPath, ['--openssl-legacy-provider', S3RVER, '-d', path.join(tmp, 's3'), '-p', String(S3RVER_PORT), '-a', '127.0.0.1',
    '--silent', '--configure-bucket', BUCKET], { env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  s3rver.stderr.on('data', (d) => { err += d; });
  await waitFor(() => portOpen(S3RVER_PORT), { timeoutMs: 20_000, what: `s3rver on ${S3RVER_PORT} (${err})` });
  proxy = await startProxy();
});

after(async () => {
  if (proxy) await new Promise((r) => proxy.close(r));
  if (s3rver && s3rver.exitCode === null) {
    const gone = new Promise((r) => s3rver.once('exit', r));
    s3rver.kill('SIGTERM');
    await gone;
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

// Every byte value, then random bytes: 300 000 bytes in all.
const blob = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), crypto.randomBytes(300_000 - 256)]);
const KEY = 'brochures/2026/a1b2c3.pdf';

test('put stores the bytes under the prefix with a verified signature', async () => {
  const file = path.join(tmp, 'blob');
  fs.writeFileSync(file, blob);
  const from = seen.length;
  const r = await tool(['put', KEY, file, 'application/pdf']);
  assert.equal(r.code, 0, r.stderr);
  const reqs = seen.slice(from);
  assert.deepEqual(reqs.map((q) => [q.method, q.path, q.verified]),
    [['PUT', `/${BUCKET}/${PREFIX}/${KEY}`, true]]);
});

test('get returns the identical bytes', async () => {
  const r = await tool(['get', KEY, String(10 * 1024 * 1024)]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.length, blob.length);
  assert.ok(r.stdout.equals(blob), 'the bytes differ');
  // Exactly the object's size is still allowed.
  const exact = await tool(['get', KEY, String(blob.length)]);
  assert.equal(exact.code, 0, exact.stderr);
  assert.ok(exact.stdout.equals(blob));
});

test('a get larger than the maximum is refused', async () => {
  const r = await tool(['get', KEY, String(blob.length - 1)]);
  assert.equal(r.code, 4, r.stderr);
  assert.equal(r.stdout.length, 0);
  assert.match(r.stderr, /too large/);
});

test('list finds the keys under a prefix with their modification time', async () => {
  const other = path.join(tmp, 'logo');
  fs.writeFileSync(other, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]));
  assert.equal((await tool(['put', 'logos/x.png', other, 'image/png'])).code, 0);

  const all = await tool(['list']);
  assert.equal(all.code, 0, all.stderr);
  const keys = listing(all);
  assert.deepEqual(keys.map((k) => k.key).sort(), [KEY, 'logos/x.png']);
  const now = Date.now() / 1000;
  for (const k of keys) assert.ok(Math.abs(now - k.mtime) < 3600, `mtime ${k.mtime} is not about now`);

  const some = await tool(['list', 'brochures/']);
  assert.deepEqual(listing(some).map((k) => k.key), [KEY]);
  const none = await tool(['list', 'nothing/']);
  assert.equal(none.code, 0, none.stderr);
  assert.deepEqual(listing(none), []);
  // The listing requests were signed (query parameters included) and verified.
  assert.ok(seen.some((q) => q.method === 'GET' && q.path.startsWith(`/${BUCKET}?`) && q.verified));
});

test('list follows continuation tokens across pages', async () => {
  // 1005 objects straight into s3rver (it takes unsigned requests), so
  // ListObjectsV2 answers in two pages of at most 1000.
  const N = 1005;
  const names = Array.from({ length: N }, (_, i) => `many/k${String(i).padStart(4, '0')}.txt`);
  const putDirect = (name) => new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port: S3RVER_PORT, method: 'PUT', path: `/${BUCKET}/${PREFIX}/${name}`,
      headers: { 'content-type': 'text/plain', 'content-length': 1 },
    }, (res) => { res.resume(); res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`PUT ${res.statusCode}`)))); });
    req.on('error', reject);
    req.end('x');
  });
  for (let i = 0; i < N; i += 25) await Promise.all(names.slice(i, i + 25).map(putDirect));

  const from = seen.length;
  const r = await tool(['list', 'many/']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(listing(r).map((k) => k.key).sort(), names);
  const lists = seen.slice(from);
  assert.equal(lists.length, 2, JSON.stringify(lists));
  assert.ok(lists.every((q) => q.verified));
  assert.ok(!lists[0].path.includes('continuation-token'));
  assert.match(lists[1].path, /[?&]continuation-token=[^&]+/);

  // The whole-store listing pages too, and sees every key.
  const all = await tool(['list']);
  assert.equal(listing(all).filter((k) => k.key.startsWith('many/')).length, N);
});

test('delete removes the object; a get after it is not found', async () => {
  const d = await tool(['delete', KEY]);
  assert.equal(d.code, 0, d.stderr);
  const g = await tool(['get', KEY, '1000000']);
  assert.equal(g.code, 3, g.stderr);
  assert.match(g.stderr, /not found/);
  const again = await tool(['delete', KEY]);
  assert.equal(again.code, 3, again.stderr);
  const left = listing(await tool(['list'])).map((k) => k.key).filter((k) => !k.startsWith('many/'));
  assert.deepEqual(left, ['logos/x.png']);
});

test('a wrong secret is refused by the verifier, and never printed', async () => {
  const from = seen.length;
  const wrong = 'not-the-secret-0123456789';
  const r = await tool(['get', 'logos/x.png', '1000'], s3env({ LIFTED_S3_SECRET_KEY: wrong }));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /HTTP 403 \(SignatureDoesNotMatch\)/);
  assert.ok(!r.stderr.includes(wrong));
  assert.ok(!r.stderr.includes('Signature='));
  assert.deepEqual(seen.slice(from).map((q) => q.verified), [false]);
});

test('invalid keys are refused before any request', async () => {
  const from = seen.length;
  for (const key of ['../x', '/abs', 'a//b', 'Upper.pdf', 'a/../b', 'x'.repeat(201)]) {
    const r = await tool(['get', key, '1000']);
    assert.equal(r.code, 1, `${key}: ${r.stderr}`);
    assert.match(r.stderr, /invalid key/);
  }
  assert.equal(seen.length, from);
});

test('bad S3 settings stop the tool with a message', async () => {
  const noKey = await tool(['list'], s3env({ LIFTED_S3_ACCESS_KEY: undefined }));
  assert.equal(noKey.code, 2);
  assert.match(noKey.stderr, /LIFTED_S3_ACCESS_KEY/);
  const badEp = await tool(['list'], s3env({ LIFTED_S3_ENDPOINT: 'ftp://127.0.0.1/x' }));
  assert.equal(badEp.code, 2);
  assert.match(badEp.stderr, /LIFTED_S3_ENDPOINT/);
  const badBucket = await tool(['list'], s3env({ LIFTED_STORAGE_URL: 's3://B!/p' }));
  assert.equal(badBucket.code, 2);
  assert.match(badBucket.stderr, /LIFTED_STORAGE_URL/);
});
