// The TLS front (issue 7): `scripts/stack up --tls` puts nginx (rendered
// from docker/nginx/*.conf.template) before the App and the CMS. Checked
// over real TLS on loopback: TLS 1.2 and 1.3 only, the servers' security
// headers with exactly one HSTS, the client address as the servers log it
// (forwarded by nginx, never taken from a client's own X-Forwarded-For),
// the CMS session cookie's Secure flag, and up/down/status/env around
// nginx. The fragments are also checked inside the official nginx image's
// nginx.conf, the way its entrypoint renders them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync, mkdirSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';

import {
  Stack, STACK, BIN_DIR, REPO, run, cleanEnv, waitFor, portOpen, alive,
} from './lib/stack.mjs';
import { request as tlsRequest, sClient as opensslClient } from './lib/tls.mjs';

const stack = new Stack(11);
let TLS_APP;
let TLS_CMS;
let CA;
let CERT;

function stackCmd(args) {
  return run(STACK, [...args, '--dir', stack.dir], { env: cleanEnv({ LIFTED_BIN_DIR: BIN_DIR }), timeoutMs: 180_000 });
}

function conf() {
  const text = readFileSync(path.join(stack.dir, 'stack.conf'), 'utf8');
  return Object.fromEntries(text.split('\n').filter((l) => /^\w+=/.test(l)).map((l) => l.split('=')));
}

function nginxPid() {
  const f = path.join(stack.dir, 'run', 'nginx.pid');
  return existsSync(f) ? Number(readFileSync(f, 'utf8').trim()) : null;
}

// One request; over https it trusts the stack's certificate only.
const request = (proto, port, p, opts = {}) => tlsRequest(proto, port, p, { ca: CA, ...opts });

// How often header name occurs in a raw header list.
function count(raw, name) {
  let n = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i].toLowerCase() === name.toLowerCase()) n++;
  return n;
}

// The JSON log line of request id in a server's log (waits for it).
async function logEntry(which, id) {
  return waitFor(() => {
    for (const line of readFileSync(stack.logPath(which), 'utf8').split('\n')) {
      if (!line.includes(id)) continue;
      try {
        const o = JSON.parse(line);
        if (o.request_id === id) return o;
      } catch { /* not JSON */ }
    }
    return null;
  }, { timeoutMs: 5000, what: `the ${which} log line of request ${id}` });
}

const sClient = (port, version) => opensslClient(port, `-${version}`, { caFile: CERT });

before(async () => {
  await stack.up({ args: ['--tls'] });
  const c = conf();
  TLS_APP = Number(c.app_https_port);
  TLS_CMS = Number(c.cms_https_port);
  CERT = path.join(stack.dir, 'tls', 'cert.pem');
  CA = readFileSync(CERT);
});
after(async () => { await stack.down(); });

test('up --tls records the https ports and tls=1, makes a private key and a certificate for 127.0.0.1', () => {
  const c = conf();
  assert.equal(c.tls, '1');
  assert.equal(TLS_APP, stack.base + 4);
  assert.equal(TLS_CMS, stack.base + 5);
  const key = path.join(stack.dir, 'tls', 'key.pem');
  assert.equal(statSync(key).mode & 0o777, 0o600, 'key.pem must be 0600');
  assert.equal(statSync(path.join(stack.dir, 'tls')).mode & 0o077, 0, 'tls/ must be private');
  const x = run('openssl', ['x509', '-in', CERT, '-noout', '-ext', 'subjectAltName']);
  assert.equal(x.status, 0, x.stderr);
  assert.match(x.stdout, /IP Address:127\.0\.0\.1/);
  assert.match(x.stdout, /DNS:localhost/);
  const pid = nginxPid();
  assert.ok(pid && alive(pid), 'nginx runs with a pid file in run/');
  const nconf = readFileSync(path.join(stack.dir, 'nginx', 'nginx.conf'), 'utf8');
  assert.match(nconf, new RegExp(`pid ${stack.dir}/run/nginx.pid;`));
  assert.match(readFileSync(path.join(stack.dir, 'nginx', 'lifted-tls.conf'), 'utf8'),
    /^ssl_protocols TLSv1\.2 TLSv1\.3;$/m);
  // The servers trust the proxy on 127.0.0.1 (and env says so).
  assert.equal(stack.env.LIFTED_TRUSTED_PROXIES, '127.0.0.1/32');
  const e = stackCmd(['env']);
  assert.match(e.stdout, new RegExp(`^# TLS \\(nginx\\): App https://127\\.0\\.0\\.1:${TLS_APP} .*CMS https://127\\.0\\.0\\.1:${TLS_CMS}`, 'm'));
  const s = stackCmd(['status']);
  assert.equal(s.status, 0, s.stdout + s.stderr);
  assert.match(s.stdout, new RegExp(`app https\\s+https://127\\.0\\.0\\.1:${TLS_APP}\\s+running, ready`));
  assert.match(s.stdout, new RegExp(`cms https\\s+https://127\\.0\\.0\\.1:${TLS_CMS}\\s+running, ready`));
});

test('TLS 1.2 and TLS 1.3 work on the App and the CMS port', async () => {
  for (const port of [TLS_APP, TLS_CMS]) {
    for (const v of ['TLSv1.2', 'TLSv1.3']) {
      const r = await request('https', port, '/readyz', { minVersion: v, maxVersion: v });
      assert.equal(r.status, 200, `${v} on ${port}: ${r.body}`);
      assert.equal(r.protocol, v);
      assert.deepEqual(r.json, { status: 'ready' });
    }
  }
  // curl too, pinned to TLS 1.2.
  const c = run('curl', ['-sS', '--noproxy', '*', '--tlsv1.2', '--tls-max', '1.2', '--cacert', CERT,
    '-o', '/dev/null', '-w', '%{http_code} %{ssl_verify_result}', `https://127.0.0.1:${TLS_APP}/healthz`]);
  assert.equal(c.stdout, '200 0', c.stderr);
});

test('TLS 1.0 and 1.1 are refused with a protocol alert, TLS 1.2 with the same client settings succeeds', () => {
  for (const port of [TLS_APP, TLS_CMS]) {
    for (const v of ['tls1', 'tls1_1']) {
      const r = sClient(port, v);
      assert.notEqual(r.status, 0, `openssl s_client -${v} on ${port} should fail:\n${r.stdout}`);
      assert.match(r.stderr + r.stdout, /alert protocol version|alert number 70/,
        `-${v} on ${port}: ${r.stderr}`);
    }
    const ok = sClient(port, 'tls1_2');
    assert.equal(ok.status, 0, `the positive control -tls1_2 on ${port} failed:\n${ok.stderr}`);
    assert.match(ok.stdout, /Protocol\s*: TLSv1\.2/);
    assert.match(ok.stdout, /Verify return code: 0 \(ok\)/);
  }
});

const SECURITY_HEADERS = {
  'content-security-policy': /default-src 'self'/,
  'x-content-type-options': /^nosniff$/,
  'referrer-policy': /^strict-origin-when-cross-origin$/,
  'x-frame-options': /^DENY$/,
  'cross-origin-opener-policy': /^same-origin$/,
  'permissions-policy': /camera=\(\)/,
};

test('https answers carry the servers\' security headers, exactly one HSTS, no nginx version', async () => {
  for (const [port, p] of [[TLS_APP, '/healthz'], [TLS_APP, '/no-such-page'], [TLS_CMS, '/healthz'],
    [TLS_CMS, '/cms/api/me']]) {
    const r = await request('https', port, p);
    assert.equal(count(r.raw, 'Strict-Transport-Security'), 1, `${port}${p}: ${JSON.stringify(r.raw)}`);
    assert.match(r.headers['strict-transport-security'], /^max-age=\d{7,}/);
    for (const [h, re] of Object.entries(SECURITY_HEADERS)) {
      assert.equal(count(r.raw, h), 1, `${port}${p}: ${h} once`);
      assert.match(r.headers[h], re, `${port}${p}: ${h}`);
    }
    assert.equal(r.headers.server, 'nginx', `${port}${p}: Server must not name a version`);
    assert.ok(r.headers['x-request-id'], 'the answer came from a Lifted server');
  }
  // Control: straight to the servers over plain HTTP there is no HSTS.
  for (const port of [stack.ports.app, stack.ports.cms]) {
    const r = await request('http', port, '/healthz');
    assert.equal(r.status, 200);
    assert.equal(count(r.raw, 'Strict-Transport-Security'), 0, `plain http on ${port}`);
  }
  // An answer nginx makes itself (header over its limit) names no version either.
  const big = await request('https', TLS_APP, '/healthz', { headers: { 'X-Big': 'a'.repeat(12_000) } });
  assert.ok(big.status === 400 || big.status === 431 || big.status === 494, `status ${big.status}`);
  assert.equal(big.headers.server, 'nginx');
  assert.doesNotMatch(big.body, /nginx\/\d/);
});

test('the servers log the client address nginx saw, not a forged X-Forwarded-For', async () => {
  for (const [which, port] of [['app', TLS_APP], ['cms', TLS_CMS]]) {
    // Through nginx from 127.0.0.2, with and without a forged header.
    for (const headers of [{}, { 'X-Forwarded-For': '203.0.113.9' }]) {
      const r = await request('https', port, '/healthz', { localAddress: '127.0.0.2', headers });
      assert.equal(r.status, 200);
      const e = await logEntry(which, r.headers['x-request-id']);
      assert.equal(e.client, '127.0.0.2', `${which} via nginx ${JSON.stringify(headers)}: ${JSON.stringify(e)}`);
    }
    // Through nginx from the proxy's own address 127.0.0.1: the forged
    // header is still replaced.
    const r1 = await request('https', port, '/healthz', { headers: { 'X-Forwarded-For': '203.0.113.9' } });
    assert.equal((await logEntry(which, r1.headers['x-request-id'])).client, '127.0.0.1');
  }
  // Straight to the App's own port from 127.0.0.2 (not a trusted proxy):
  // neither X-Forwarded-For nor X-Forwarded-Proto is believed.
  const direct = await request('http', stack.ports.app, '/healthz', {
    localAddress: '127.0.0.2', headers: { 'X-Forwarded-For': '203.0.113.9', 'X-Forwarded-Proto': 'https' },
  });
  assert.equal(direct.status, 200);
  assert.equal((await logEntry('app', direct.headers['x-request-id'])).client, '127.0.0.2');
  assert.equal(count(direct.raw, 'Strict-Transport-Security'), 0);
  // Control: from 127.0.0.1 (the trusted proxy address) the same headers
  // are believed, so the servers really run with LIFTED_TRUSTED_PROXIES.
  const trusted = await request('http', stack.ports.app, '/healthz', {
    headers: { 'X-Forwarded-For': '203.0.113.9', 'X-Forwarded-Proto': 'https' },
  });
  assert.equal((await logEntry('app', trusted.headers['x-request-id'])).client, '203.0.113.9');
  assert.equal(count(trusted.raw, 'Strict-Transport-Security'), 1);
});

async function login(proto, port, password) {
  const body = JSON.stringify({ username: 'admin', password });
  const origin = `${proto}://127.0.0.1:${port}`;
  return request(proto, port, '/cms/api/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Origin: origin },
    body,
  });
}

test('a CMS login through https sets a Secure cookie; over plain http straight to the CMS it does not', async () => {
  const pw = readFileSync(path.join(stack.dir, 'secrets', 'admin.pw'), 'utf8').trim();
  const r = await login('https', TLS_CMS, pw);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.setCookie.length, 1, JSON.stringify(r.setCookie));
  const c = r.setCookie[0];
  assert.match(c, /^__Host-lifted_cms_session=[^;]+;/);
  assert.match(c, /; Secure(;|$)/);
  assert.match(c, /; HttpOnly(;|$)/);
  assert.match(c, /; SameSite=Strict(;|$)/);
  assert.match(c, /; Path=\/(;|$)/);
  // The session works through nginx.
  const cookie = c.split(';')[0];
  const me = await request('https', TLS_CMS, '/cms/api/me', { headers: { Cookie: cookie } });
  assert.equal(me.status, 200, me.body);
  assert.equal(me.json.username, 'admin');

  const p = await login('http', stack.ports.cms, pw);
  assert.equal(p.status, 200, p.body);
  assert.equal(p.setCookie.length, 1);
  assert.match(p.setCookie[0], /^lifted_cms_session=[^;]+;/);
  assert.doesNotMatch(p.setCookie[0], /Secure/i);
  assert.match(p.setCookie[0], /; HttpOnly(;|$)/);

  // A cross-site Origin is refused through the proxy too (Host and scheme
  // reach the CMS unchanged).
  const body = JSON.stringify({ username: 'admin', password: pw });
  const x = await request('https', TLS_CMS, '/cms/api/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Origin: `http://127.0.0.1:${TLS_CMS}` },
    body,
  });
  assert.equal(x.status, 403, x.body);
});

// nginx refuses what the servers would refuse anyway (the App's 1 MiB
// body limit; for the CMS its upload limit, LIFTED_UPLOAD_MAX_BYTES,
// default 8 MiB) before it reaches them; below that, the server answers.
// A body between the CMS's limit and the old nginx limit (16 MiB) used to
// reach the CMS, which closed the connection: a 502 from nginx.
async function post(port, p, bytes) {
  const body = Buffer.alloc(bytes, 'a');
  return request('https', port, p, {
    method: 'POST', body, headers: { 'Content-Type': 'application/json', 'Content-Length': body.length },
  }).catch((e) => ({ error: e }));
}

test('request body limits: App 1 MiB, CMS 8 MiB (its upload limit) at nginx', async () => {
  // scripts/stack rendered the CMS block with the CMS's default upload limit.
  assert.match(readFileSync(path.join(stack.dir, 'nginx', 'lifted-cms.conf'), 'utf8'),
    /^\s*client_max_body_size 8m;$/m);
  const small = await post(TLS_APP, '/api/no-such-route', 1024 * 1024 - 4096);
  assert.ok(small.headers?.['x-request-id'], `the App answered: ${small.status ?? small.error}`);
  const app = await post(TLS_APP, '/api/no-such-route', 1024 * 1024 + 4096);
  assert.equal(app.status, 413, app.error?.message);
  assert.equal(app.headers['x-request-id'], undefined, 'nginx itself refused it');
  const cms = await post(TLS_CMS, '/cms/api/login', 1024 * 1024 + 4096);
  assert.ok(cms.headers?.['x-request-id'], `the CMS answered: ${cms.status ?? cms.error} ${cms.body?.slice(0, 200)}`);
  // Just under the CMS's upload limit: still the CMS (its JSON 413 for a
  // JSON body over LIFTED_MAX_BODY_BYTES), not nginx.
  const under = await post(TLS_CMS, '/cms/api/login', 8 * 1024 * 1024 - 4096);
  assert.ok(under.headers?.['x-request-id'], `the CMS answered: ${under.status ?? under.error?.message}`);
  assert.equal(under.status, 413, under.body?.slice(0, 200));
  assert.match(under.headers['content-type'], /application\/json/);
  // Over it, below the old 16m: nginx's own 413, never a 502.
  const over = await post(TLS_CMS, '/cms/api/login', 8 * 1024 * 1024 + 4096);
  if (over.error) {
    assert.match(over.error.code || over.error.message, /EPIPE|ECONNRESET/);
  } else {
    assert.equal(over.status, 413, `status ${over.status}: ${over.body?.slice(0, 200)}`);
    assert.equal(over.headers['x-request-id'], undefined, 'nginx itself refused it');
  }
  const huge = await post(TLS_CMS, '/cms/api/login', 17 * 1024 * 1024);
  if (huge.error) {
    // nginx may close before the client has sent everything.
    assert.match(huge.error.code || huge.error.message, /EPIPE|ECONNRESET/);
  } else {
    assert.equal(huge.status, 413);
    assert.equal(huge.headers['x-request-id'], undefined, 'nginx itself refused it');
  }
});

test('the docker/nginx fragments load inside the official nginx image\'s nginx.conf', () => {
  const tmp = stack.tmpDir('lifted-it-nginx-');
  const confd = path.join(tmp, 'conf.d');
  mkdirSync(confd);
  mkdirSync(path.join(tmp, 'temp'));
  // What the image's 20-envsubst-on-templates.sh does: every defined
  // variable is substituted, nothing else.
  const env = cleanEnv({
    NGINX_ACCESS_LOG: path.join(tmp, 'access.log'),
    NGINX_TLS_CERT: CERT,
    NGINX_TLS_KEY: path.join(stack.dir, 'tls', 'key.pem'),
    NGINX_APP_UPSTREAM_SERVERS: 'server app1:8000 max_fails=1 fail_timeout=10s;\n    server app2:8000 max_fails=1 fail_timeout=10s;',
    NGINX_APP_LISTEN: '127.0.0.1:443 ssl',
    NGINX_APP_SERVER_NAME: 'app.example.org',
    NGINX_CMS_UPSTREAM: 'cms:9001',
    NGINX_CMS_LISTEN: '127.0.0.1:443 ssl',
    NGINX_CMS_SERVER_NAME: 'cms.example.org',
    NGINX_CMS_MAX_BODY: '8388608',
  });
  const names = Object.keys(env).map((k) => `\${${k}}`).join(' ');
  const templates = readdirSync(path.join(REPO, 'docker/nginx')).filter((f) => f.endsWith('.conf.template'));
  assert.deepEqual(templates.sort(), ['lifted-app.conf.template', 'lifted-cms.conf.template',
    'lifted-tls.conf.template', 'lifted.conf.template']);
  for (const t of templates) {
    const r = run('envsubst', [names], { env, input: readFileSync(path.join(REPO, 'docker/nginx', t), 'utf8') });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /\$\{NGINX_/, `${t}: a variable was left`);
    writeFileSync(path.join(confd, t.replace(/\.template$/, '')), r.stdout);
  }
  // The upstream host names must resolve for nginx -t: map them to loopback.
  const app = readFileSync(path.join(confd, 'lifted-app.conf'), 'utf8').replace(/app[12]:8000/g, '127.0.0.1:8000');
  writeFileSync(path.join(confd, 'lifted-app.conf'), app);
  const cms = readFileSync(path.join(confd, 'lifted-cms.conf'), 'utf8').replace('cms:9001', '127.0.0.1:9001');
  writeFileSync(path.join(confd, 'lifted-cms.conf'), cms);
  // The official image's /etc/nginx/nginx.conf (user line left out).
  writeFileSync(path.join(tmp, 'nginx.conf'), `worker_processes auto;
error_log ${tmp}/error.log notice;
pid ${tmp}/nginx.pid;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    log_format main '$remote_addr - $remote_user [$time_local] "$request" '
                    '$status $body_bytes_sent "$http_referer" '
                    '"$http_user_agent" "$http_x_forwarded_for"';
    access_log ${tmp}/access-main.log main;
    sendfile on;
    keepalive_timeout 65;
    client_body_temp_path ${tmp}/temp/body;
    proxy_temp_path ${tmp}/temp/proxy;
    fastcgi_temp_path ${tmp}/temp/fastcgi;
    uwsgi_temp_path ${tmp}/temp/uwsgi;
    scgi_temp_path ${tmp}/temp/scgi;
    include ${confd}/*.conf;
}
`);
  const t = run('nginx', ['-t', '-p', `${tmp}/`, '-c', path.join(tmp, 'nginx.conf'), '-e', path.join(tmp, 'error.log')]);
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stderr, /test is successful/);
  assert.match(readFileSync(path.join(confd, 'lifted-cms.conf'), 'utf8'), /^\s*client_max_body_size 8388608;$/m);
  // nginx's own variables survived the rendering.
  assert.match(readFileSync(path.join(confd, 'lifted.conf'), 'utf8'), /X-Forwarded-For \$remote_addr;/);
});

test('down stops nginx; up --tls again reuses the certificate; up without --tls on a TLS stack is refused', async () => {
  const pid = nginxPid();
  const certBefore = readFileSync(CERT, "utf8");
  const wrong = stackCmd(['up', '--port-base', String(stack.base)]);
  assert.notEqual(wrong.status, 0);
  assert.match(wrong.stderr, /runs with --tls; run down first/);
  assert.ok(alive(pid), 'the refused up left nginx alone');

  const d = stackCmd(['down']);
  assert.equal(d.status, 0, d.stderr);
  await waitFor(() => !alive(pid), { timeoutMs: 5000, what: 'nginx to exit' });
  assert.equal(await portOpen(TLS_APP), false);
  assert.equal(await portOpen(TLS_CMS), false);
  assert.equal(existsSync(path.join(stack.dir, 'run', 'nginx.pid')), false);
  const st = stackCmd(['status']);
  assert.equal(st.status, 3);
  assert.match(st.stdout, /app https .*stopped/);

  const u = stackCmd(['up', '--tls']);
  assert.equal(u.status, 0, u.stdout + u.stderr);
  assert.equal(readFileSync(CERT, "utf8"), certBefore, 'the certificate is made once');
  const r = await request('https', TLS_APP, '/readyz');
  assert.equal(r.status, 200);
  assert.ok(nginxPid() !== pid && alive(nginxPid()));
});
