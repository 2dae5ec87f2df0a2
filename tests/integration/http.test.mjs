// HTTP behaviour of the servers: health, headers, parameter validation,
// routing, static files, request limits, time-outs, proxies, logs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { Stack, BIN_DIR, get, rawRequest, waitFor, sleep } from './lib/stack.mjs';

const stack = new Stack(0);
let APP;
let CMS;

before(async () => {
  await stack.up();
  APP = stack.ports.app;
  CMS = stack.ports.cms;
});
after(async () => { await stack.down(); });

const SECURITY_HEADERS = ['content-security-policy', 'x-content-type-options', 'referrer-policy', 'x-frame-options'];

function assertSecurityHeaders(headers, what) {
  const h = (n) => (typeof headers.get === 'function' ? headers.get(n) : headers[n]);
  for (const n of SECURITY_HEADERS) assert.ok(h(n), `${what}: missing ${n}`);
  assert.equal(h('x-content-type-options'), 'nosniff', `${what}: X-Content-Type-Options`);
  assert.ok(h('x-request-id'), `${what}: missing X-Request-Id`);
  assert.equal(h('strict-transport-security') ?? null, null, `${what}: HSTS over plain http`);
}

function assertJson(r, what) {
  assert.match(r.headers.get('content-type') || '', /^application\/json/, `${what}: content type`);
  assert.notEqual(r.json, undefined, `${what}: body is not JSON: ${r.body.slice(0, 200)}`);
}

function assertErrorShape(r, status, field) {
  assert.equal(r.status, status, `status for ${r.body}`);
  assertJson(r, `error ${status}`);
  assert.equal(typeof r.json.error, 'string');
  assert.ok(r.json.error.length > 0);
  if (field !== undefined) {
    assert.equal(typeof r.json.fields, 'object', `fields in ${r.body}`);
    assert.equal(typeof r.json.fields[field], 'string', `fields.${field} in ${r.body}`);
    assert.ok(r.json.fields[field].length > 0);
  }
}

// --- health ------------------------------------------------------------------

test('healthz and readyz answer 200 JSON on the App', async () => {
  const h = await get(APP, '/healthz');
  assert.equal(h.status, 200);
  assertJson(h, '/healthz');
  assert.deepEqual(h.json, { status: 'ok' });
  const r = await get(APP, '/readyz');
  assert.equal(r.status, 200, r.body);
  assertJson(r, '/readyz');
});

test('healthz and readyz answer 200 JSON on the CMS', async () => {
  const h = await get(CMS, '/healthz');
  assert.equal(h.status, 200);
  assertJson(h, '/healthz');
  assert.deepEqual(h.json, { status: 'ok' });
  const r = await get(CMS, '/readyz');
  assert.equal(r.status, 200, r.body);
  assertJson(r, '/readyz');
});

test('security headers and a request id on every answer, no HSTS over http', async () => {
  const cases = [
    [APP, '/healthz', {}],
    [APP, '/readyz', {}],
    [APP, '/', {}],
    [APP, '/some/client/route', {}],
    [APP, '/__test/echo', {}], // 400
    [APP, '/nope', { method: 'POST' }], // 404
    [APP, '/healthz', { method: 'POST' }], // 405
    [CMS, '/healthz', {}],
    [CMS, '/', {}],
  ];
  const ids = new Set();
  for (const [port, p, init] of cases) {
    const r = await get(port, p, init);
    assertSecurityHeaders(r.headers, `${init.method || 'GET'} ${port}${p} (${r.status})`);
    ids.add(r.headers.get('x-request-id'));
  }
  assert.equal(ids.size, cases.length, 'request ids are unique');
});

// --- declared parameters -----------------------------------------------------

test('echo: valid declared parameters are echoed', async () => {
  const r = await get(APP, '/__test/echo?n=7&s=hello&d=2024-02-29&l=1,2,3&12=0&34=1');
  assert.equal(r.status, 200, r.body);
  assertJson(r, 'echo');
  assert.equal(r.json.n, 7);
  assert.equal(r.json.s, 'hello');
  assert.equal(r.json.d, '2024-02-29');
  assert.deepEqual(r.json.l, [1, 2, 3]);
  assert.deepEqual(r.json.answers, { 12: 0, 34: 1 });
});

test('echo: a bad int gets 400 naming it', async () => {
  for (const v of ['0', '101', 'abc', '5x', '', '-1', '99999999999999999999']) {
    const r = await get(APP, `/__test/echo?n=${encodeURIComponent(v)}`);
    assertErrorShape(r, 400, 'n');
  }
});

test('echo: a missing required parameter gets 400 naming it', async () => {
  const r = await get(APP, '/__test/echo?s=hi');
  assertErrorShape(r, 400, 'n');
});

test('echo: bad string, date and list get 400 naming them', async () => {
  assertErrorShape(await get(APP, `/__test/echo?n=1&s=${'x'.repeat(21)}`), 400, 's');
  assertErrorShape(await get(APP, '/__test/echo?n=1&d=2023-02-29'), 400, 'd');
  assertErrorShape(await get(APP, '/__test/echo?n=1&d=2024-13-01'), 400, 'd');
  assertErrorShape(await get(APP, '/__test/echo?n=1&d=24-01-01'), 400, 'd');
  assertErrorShape(await get(APP, '/__test/echo?n=1&l=1,2,3,4'), 400, 'l');
  assertErrorShape(await get(APP, '/__test/echo?n=1&l=0'), 400, 'l');
  assertErrorShape(await get(APP, '/__test/echo?n=1&l=1,,2'), 400, 'l');
});

test('echo: numeric keys must be 0|1 and at most 50', async () => {
  const bad = await get(APP, '/__test/echo?n=1&12=2');
  assert.equal(bad.status, 400, bad.body);
  assertJson(bad, 'numeric key 2');
  assert.ok(bad.json.fields && Object.keys(bad.json.fields).length > 0, bad.body);
  const fifty = Array.from({ length: 50 }, (_, i) => `${i + 1}=${i % 2}`).join('&');
  const ok = await get(APP, `/__test/echo?n=1&${fifty}`);
  assert.equal(ok.status, 200, ok.body);
  assert.equal(Object.keys(ok.json.answers).length, 50);
  const many = await get(APP, `/__test/echo?n=1&${fifty}&51=0`);
  assert.equal(many.status, 400, many.body);
  assertJson(many, '51 numeric keys');
});

test('echo: undeclared parameters (a cache-buster) are ignored', async () => {
  const r = await get(APP, '/__test/echo?n=3&_=1234567890123&foo=bar');
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.n, 3);
  assert.equal(r.json._, undefined);
  assert.equal(r.json.foo, undefined);
  assert.deepEqual(r.json.answers, {});
});

// --- routing -------------------------------------------------------------------

test('unknown GET path serves the single-page app (text/html)', async () => {
  const r = await get(APP, '/some/client/route');
  assert.equal(r.status, 200, r.body.slice(0, 200));
  assert.match(r.headers.get('content-type') || '', /^text\/html/);
  const index = await get(APP, '/');
  assert.equal(r.body, index.body, 'the fallback is index.html');
});

test('POST to an unknown path is a 404 JSON error', async () => {
  const r = await get(APP, '/no/such/thing', { method: 'POST', body: 'x' });
  assertErrorShape(r, 404);
});

test('wrong method on a known route is 405 with Allow', async () => {
  const r = await get(APP, '/healthz', { method: 'POST', body: '' });
  assertErrorShape(r, 405);
  assert.match(r.headers.get('allow') || '', /\bGET\b/);
  const b = await get(APP, '/__test/body');
  assertErrorShape(b, 405);
  assert.match(b.headers.get('allow') || '', /\bPOST\b/);
  assert.doesNotMatch(b.headers.get('allow') || '', /\bGET\b/);
});

// --- static files ----------------------------------------------------------------

test('GET / returns index.html with an ETag; If-None-Match gives 304 without a body', async () => {
  const r = await get(APP, '/');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') || '', /^text\/html/);
  // The page the build serves (the single-page app, or a placeholder).
  const index = readFileSync(path.join(BIN_DIR, 'static/app/index.html'), 'utf8');
  assert.equal(r.body, index);
  const etag = r.headers.get('etag');
  assert.ok(etag, 'ETag present');
  const c = await get(APP, '/', { headers: { 'If-None-Match': etag } });
  assert.equal(c.status, 304);
  assert.equal(c.body, '');
  // On the wire: nothing after the header block. (Without Accept-Encoding:
  // the identity representation has its own tag.)
  const plain = await rawRequest(APP, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', { timeoutMs: 3000 });
  assert.equal(plain.status, 200);
  assert.equal(plain.body, index);
  assert.ok(plain.headers.etag, 'ETag present (identity)');
  const raw = await rawRequest(APP, `GET / HTTP/1.1\r\nHost: x\r\nIf-None-Match: ${plain.headers.etag}\r\nConnection: close\r\n\r\n`, { timeoutMs: 3000 });
  assert.equal(raw.status, 304);
  assert.ok(raw.closed, 'server closed (Connection: close)');
  assert.ok(raw.raw.endsWith('\r\n\r\n'), `bytes after a 304's headers: ${JSON.stringify(raw.raw.slice(-80))}`);
  // A different tag gets the full page.
  const other = await get(APP, '/', { headers: { 'If-None-Match': '"not-the-tag"' } });
  assert.equal(other.status, 200);
});

test('path traversal attempts get 4xx and never /etc/passwd', async () => {
  const paths = [
    '/../../etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/%252e%252e/etc/passwd',
    '/..%2f..%2fetc/passwd',
    '/static/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/static/../../../../etc/passwd',
    '/%00',
  ];
  for (const p of paths) {
    const r = await rawRequest(APP, `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, { timeoutMs: 3000 });
    assert.ok(r.status >= 400 && r.status < 500, `${p}: status ${r.status} (${r.raw.slice(0, 120)})`);
    assert.doesNotMatch(r.raw, /root:.*:0:0:/, `${p}: leaked /etc/passwd`);
  }
});

// --- limits ------------------------------------------------------------------------

test('20 KB of request headers get 431', async () => {
  const pad = Array.from({ length: 20 }, (_, i) => `X-Pad-${i}: ${'a'.repeat(1000)}\r\n`).join('');
  const r = await rawRequest(APP, `GET /healthz HTTP/1.1\r\nHost: x\r\n${pad}\r\n`, { timeoutMs: 5000, expect: 1 });
  assert.equal(r.status, 431, r.raw.slice(0, 200));
  assert.match(r.headers['content-type'] || '', /^application\/json/);
});

test('a 20 KB request target gets 414, as JSON', async () => {
  const r = await rawRequest(APP, `GET /healthz?${'a'.repeat(20000)} HTTP/1.1\r\nHost: x\r\n\r\n`, { timeoutMs: 5000, expect: 1 });
  assert.equal(r.status, 414, r.raw.slice(0, 200));
  assert.match(r.headers['content-type'] || '', /^application\/json/);
  assert.match(r.raw, /request target too long/);
});

test('a 2 MiB Content-Length is refused with 413 before the body is sent', async () => {
  const t0 = performance.now();
  const r = await rawRequest(APP,
    'POST /__test/body HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 2097152\r\n\r\n',
    { timeoutMs: 4000, expect: 1 });
  assert.equal(r.status, 413, `no 413 without the body (got ${r.status}: ${r.raw.slice(0, 200)})`);
  assert.ok(performance.now() - t0 < 3000);
  assert.match(r.headers['content-type'] || '', /^application\/json/);
});

test('a small POST body is accepted and measured', async () => {
  const body = 'hello, lifted ✓';
  const r = await get(APP, '/__test/body', { method: 'POST', body, headers: { 'Content-Type': 'text/plain' } });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.length, Buffer.byteLength(body));
});

test('a chunked POST gets 411', async () => {
  const r = await rawRequest(APP,
    'POST /__test/body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
    { timeoutMs: 4000, expect: 1 });
  assert.equal(r.status, 411, r.raw.slice(0, 200));
});

test('two pipelined GETs on one connection are both answered, in order', async () => {
  const req = (p) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`;
  const r = await rawRequest(APP, req('/__test/echo?n=1') + req('/__test/echo?n=2'), { timeoutMs: 4000, expect: 2 });
  assert.equal(r.responses.length, 2, r.raw.slice(0, 400));
  assert.equal(r.responses[0].status, 200);
  assert.equal(r.responses[1].status, 200);
  assert.equal(JSON.parse(r.responses[0].body).n, 1);
  assert.equal(JSON.parse(r.responses[1].body).n, 2);
});

test('an idle keep-alive connection is closed after LIFTED_IDLE_TIMEOUT_S', async () => {
  const s = await stack.startServer('app', { LIFTED_IDLE_TIMEOUT_S: 1, LIFTED_WORKERS: 1 });
  try {
    const r = await rawRequest(s.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 6000, expect: 1, waitClose: true });
    assert.equal(r.status, 200);
    assert.ok(r.closed, 'server did not close the idle connection within 6 s');
    assert.ok(r.closedAfterMs < 3000, `closed after ${Math.round(r.closedAfterMs)} ms`);
    assert.ok(r.closedAfterMs > 500, `closed too early (${Math.round(r.closedAfterMs)} ms)`);
  } finally {
    await s.stop();
  }
});

test('half a request line and then silence gets 408 (LIFTED_REQUEST_TIMEOUT_S)', async () => {
  const s = await stack.startServer('app', { LIFTED_REQUEST_TIMEOUT_S: 1, LIFTED_WORKERS: 1 });
  try {
    const t0 = performance.now();
    const r = await rawRequest(s.port, 'GET /heal', { timeoutMs: 6000, expect: 1 });
    const ms = performance.now() - t0;
    assert.equal(r.status, 408, `got ${r.status} after ${Math.round(ms)} ms: ${r.raw.slice(0, 200)}`);
    assert.ok(ms < 4000, `408 after ${Math.round(ms)} ms`);
    // A slow but complete request within the deadline still works.
    const ok = await rawRequest(s.port, 'GET /hea', {
      timeoutMs: 4000, expect: 1, writes: [[300, 'lthz HTTP/1.1\r\nHost: x\r\n\r\n']],
    });
    assert.equal(ok.status, 200);
  } finally {
    await s.stop();
  }
});

// --- proxies ---------------------------------------------------------------------

const FWD = { 'X-Forwarded-For': '203.0.113.7', 'X-Forwarded-Proto': 'https' };

test('forwarding headers from a trusted proxy are honoured (client, secure, HSTS)', async () => {
  const s = await stack.startServer('app', { LIFTED_TRUSTED_PROXIES: '127.0.0.1', LIFTED_WORKERS: 1 });
  try {
    const r = await get(s.port, '/__test/client', { headers: FWD });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.client, '203.0.113.7');
    assert.equal(r.json.secure, true);
    assert.match(r.headers.get('strict-transport-security') || '', /max-age=\d+/);
    const plain = await get(s.port, '/__test/client');
    assert.equal(plain.json.client, '127.0.0.1');
    assert.equal(plain.json.secure, false);
    assert.equal(plain.headers.get('strict-transport-security'), null);
  } finally {
    await s.stop();
  }
});

test('forwarding headers from anyone else are ignored', async () => {
  const r = await get(APP, '/__test/client', { headers: FWD });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.client, '127.0.0.1');
  assert.equal(r.json.secure, false);
  assert.equal(r.headers.get('strict-transport-security'), null);
});

// --- logs ------------------------------------------------------------------------

test('access log: JSON lines with the request fields, never Cookie or Authorization', async () => {
  const r = await get(APP, '/__test/echo?n=42', {
    headers: { Cookie: 'sid=secret-cookie-value', Authorization: 'Bearer secret-token' },
  });
  assert.equal(r.status, 200);
  const id = r.headers.get('x-request-id');
  const line = await waitFor(() => {
    const text = readFileSync(stack.logPath('app'), 'utf8');
    for (const l of text.split('\n')) {
      if (!l.includes(id)) continue;
      try { const o = JSON.parse(l); if (o.request_id === id) return o; } catch { /* not JSON */ }
    }
    return null;
  }, { timeoutMs: 3000, what: `a log line with request_id ${id}` });
  assert.equal(line.method, 'GET');
  assert.equal(line.path, '/__test/echo');
  assert.equal(line.status, 200);
  assert.equal(typeof line.latency_ms, 'number');
  assert.ok(line.latency_ms >= 0);
  assert.equal(typeof line.worker, 'number');
  assert.ok(line.worker >= 1);
  await sleep(200);
  const text = readFileSync(stack.logPath('app'), 'utf8');
  assert.ok(!text.includes('secret-cookie-value'), 'cookie value in the log');
  assert.ok(!text.includes('secret-token'), 'authorization value in the log');
  // Every non-empty line is JSON.
  for (const l of text.split('\n')) {
    if (l.trim() === '') continue;
    assert.doesNotThrow(() => JSON.parse(l), `not a JSON line: ${l.slice(0, 200)}`);
  }
});
