// Object storage, S3 backend (issue 8, docs/storage.md): the operator
// command `lifted-cms storage` (cms_server/storage_cmd.c over the real
// shared/storage.c and shared/s3.c) against s3rver on loopback, behind
// the signature-verifying proxy of lib/s3.mjs.  No database is needed,
// so no stack is started.
//
// Ports (offset 19): base+0 s3rver, base+1 the verifying proxy.
// Objects are written to s3rver directly only to fill a bucket quickly
// (the listing test); everything under test goes through the proxy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import { binPath, portBase } from './lib/stack.mjs';
import { startS3 } from './lib/s3.mjs';

const BASE = portBase(19);
const S3RVER_PORT = BASE;
const PROXY_PORT = BASE + 1;
const BUCKET = 'lifted-test';
const PREFIX = 'media';
const CMS = binPath('cms');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lifted-storage-'));
let s3 = null;
let seen = []; // { method, path, verified, reason } per request reaching the proxy

// --- the command --------------------------------------------------------------

const s3env = (extra = {}) => s3.env(PREFIX, extra);

// `lifted-cms storage ARGS`; `get KEY MAX` is `get --max MAX KEY -`
// (the object on stdout).  Resolves { code, stdout (Buffer), stderr (string) }.
function tool(args, env = s3env()) {
  const argv = args[0] === 'get' && args.length === 3 && /^\d+$/.test(args[2]) ? ['get', '--max', args[2], args[1], '-'] : args;
  return new Promise((resolve) => {
    execFile(CMS, ['storage', ...argv], { env, encoding: 'buffer', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({
        code: err ? (typeof err.code === 'number' ? err.code : -1) : 0,
        stdout, stderr: stderr.toString('utf8'),
      }));
  });
}

const listing = (r) => r.stdout.toString('utf8').split('\n').filter(Boolean)
  .map((l) => { const [key, mtime] = l.split(' '); return { key, mtime: Number(mtime) }; });

before(async () => {
  assert.ok(fs.existsSync(CMS), `${CMS} is missing: run make`);
  s3 = await startS3({ s3rverPort: S3RVER_PORT, proxyPort: PROXY_PORT, bucket: BUCKET, dir: path.join(tmp, 's3') });
  seen = s3.seen;
});

after(async () => {
  if (s3) await s3.stop();
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

test('get KEY FILE writes the object to FILE (0600, through a temporary file); a missing key leaves no file', async () => {
  const src = path.join(tmp, 'to-file-src');
  fs.writeFileSync(src, blob);
  assert.equal((await tool(['put', 'files/a.bin', src])).code, 0);
  const out = path.join(tmp, 'out-dir');
  fs.mkdirSync(out);
  const dst = path.join(out, 'a.bin');
  fs.writeFileSync(dst, 'an older file'); // replaced whole
  const r = await tool(['get', 'files/a.bin', dst]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.length, 0);
  assert.ok(fs.readFileSync(dst).equals(blob), 'the bytes differ');
  assert.equal(fs.statSync(dst).mode & 0o777, 0o600);
  assert.deepEqual(fs.readdirSync(out), ['a.bin'], 'a temporary file was left');

  const missing = path.join(out, 'missing.bin');
  const n = await tool(['get', 'files/none.bin', missing]);
  assert.equal(n.code, 3, n.stderr);
  assert.ok(!fs.existsSync(missing));
  const small = await tool(['get', '--max', '100', 'files/a.bin', missing]);
  assert.equal(small.code, 4, small.stderr);
  assert.deepEqual(fs.readdirSync(out), ['a.bin']);
  assert.equal((await tool(['delete', 'files/a.bin'])).code, 0);
});

test('put refuses a file over 1 GiB before reading it, and anything but a regular file', async () => {
  const big = path.join(tmp, 'sparse');
  fs.closeSync(fs.openSync(big, 'w'));
  fs.truncateSync(big, 2 ** 30 + 1); // sparse: no disk used
  const from = seen.length;
  const r = await tool(['put', 'files/big.bin', big]);
  assert.equal(r.code, 4, r.stderr);
  assert.match(r.stderr, /too large/);
  const d = await tool(['put', 'files/dir.bin', tmp]);
  assert.equal(d.code, 1, d.stderr);
  assert.match(d.stderr, /not a regular file/);
  const m = await tool(['put', 'files/m.bin', path.join(tmp, 'no-such-file')]);
  assert.equal(m.code, 1, m.stderr);
  assert.equal(seen.length, from, 'a request was made');
  fs.rmSync(big);
});

test('bad usage exits 2 without touching the store', async () => {
  const from = seen.length;
  for (const args of [[], ['put', 'k'], ['get', 'k'], ['get', '--max', 'lots', 'k', '-'],
    ['get', '--max', String(2 ** 30 + 1), 'k', '-'], ['list', 'a', 'b'], ['delete'], ['copy', 'a', 'b']]) {
    const r = await new Promise((resolve) => {
      execFile(CMS, ['storage', ...args], { env: s3env() }, (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stderr }));
    });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /usage|--max/);
  }
  assert.equal(seen.length, from);
});
