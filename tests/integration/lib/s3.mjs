// s3rver behind a signature-checking proxy, for the tests that use the S3
// storage backend (storage.test.mjs, backup_store.test.mjs).
//
// s3rver accepts any Signature Version 4 without checking it, so clients
// talk to a small verifying proxy first: it recomputes every request's
// signature from what arrived on the wire (an independent implementation,
// node:crypto) and checks the payload hash against the body; a mismatch
// gets S3's 403 SignatureDoesNotMatch, as AWS would answer.  The proxy
// then forwards to s3rver.  Every request reaching the proxy is recorded
// in `seen` ({ method, path, verified, reason }).
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

import { REPO, cleanEnv, waitFor, portOpen } from './stack.mjs';

export const S3_ACCESS = 'S3RVER';
export const S3_SECRET = 'S3RVER';
// s3rver's continuation tokens use DES, which Node 20's OpenSSL 3 keeps in
// its legacy provider.
const S3RVER = path.join(REPO, 'tests/node_modules/s3rver/bin/s3rver.js');

const sha256 = (b) => crypto.createHash('sha256').update(b).digest('hex');
const hmac = (k, s) => crypto.createHmac('sha256', k).update(s).digest();
// RFC 3986 unreserved characters stay, everything else is %XX (upper case).
const enc = (s) => Array.from(Buffer.from(s, 'utf8'))
  .map((c) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(c))
    ? String.fromCharCode(c) : '%' + c.toString(16).toUpperCase().padStart(2, '0')))
  .join('');

// null when the request is correctly signed with S3_SECRET, else the reason.
function verify(req, body) {
  const auth = req.headers.authorization || '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([a-z0-9-]+)\/s3\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return 'malformed Authorization';
  const [, access, day, region, signedHeaders, signature] = m;
  if (access !== S3_ACCESS) return 'unknown access key';
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
  let key = hmac(`AWS4${S3_SECRET}`, day);
  for (const part of [region, 's3', 'aws4_request']) key = hmac(key, part);
  const want = hmac(key, sts).toString('hex');
  return crypto.timingSafeEqual(Buffer.from(want), Buffer.from(signature)) ? null : 'signature does not match';
}

function startProxy(proxyPort, s3rverPort, seen) {
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
          host: '127.0.0.1', port: s3rverPort, method: req.method, path: req.url,
          headers: { ...req.headers, host: `127.0.0.1:${s3rverPort}` },
        }, (ur) => {
          res.writeHead(ur.statusCode, ur.headers);
          ur.pipe(res);
        });
        up.on('error', (e) => { res.writeHead(502); res.end(String(e)); });
        up.end(body);
      });
    });
    srv.on('error', reject);
    srv.listen(proxyPort, '127.0.0.1', () => resolve(srv));
  });
}

// Starts s3rver (data in dir, one bucket) on s3rverPort and the verifying
// proxy on proxyPort.  Returns { seen, env(prefix, extra), stop() }:
// env gives the LIFTED_* settings (on top of cleanEnv) for
// s3://bucket/prefix through the proxy.
export async function startS3({ s3rverPort, proxyPort, bucket, dir }) {
  if (!fs.existsSync(S3RVER)) throw new Error('tests/node_modules is missing: run make deps');
  const seen = [];
  const s3rver = spawn(process.execPath, ['--openssl-legacy-provider', S3RVER, '-d', dir, '-p', String(s3rverPort),
    '-a', '127.0.0.1', '--silent', '--configure-bucket', bucket], { env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  s3rver.stderr.on('data', (d) => { err += d; });
  let proxy = null;
  const stop = async () => {
    if (proxy) await new Promise((r) => proxy.close(r));
    proxy = null;
    if (s3rver.exitCode === null && s3rver.signalCode === null) {
      const gone = new Promise((r) => s3rver.once('exit', r));
      s3rver.kill('SIGTERM');
      await gone;
    }
  };
  try {
    await waitFor(() => portOpen(s3rverPort), { timeoutMs: 20_000, what: `s3rver on ${s3rverPort} (${err})` });
    proxy = await startProxy(proxyPort, s3rverPort, seen);
  } catch (e) {
    await stop();
    throw e;
  }
  const env = (prefix, extra = {}) => cleanEnv({
    LIFTED_STORAGE_URL: `s3://${bucket}/${prefix}`,
    LIFTED_S3_ENDPOINT: `http://127.0.0.1:${proxyPort}`,
    LIFTED_S3_REGION: 'us-east-1',
    LIFTED_S3_ACCESS_KEY: S3_ACCESS,
    LIFTED_S3_SECRET_KEY: S3_SECRET,
    ...extra,
  });
  return { seen, env, stop };
}
