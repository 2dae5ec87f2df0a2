// TLS helpers for the integration tests (tls.test.mjs: in-process TLS;
// stack_tls.test.mjs and replicas.test.mjs: nginx in front).

import https from 'node:https';
import http from 'node:http';
import { run } from './stack.mjs';

// One request on a fresh connection. proto 'https' (trusting only the
// certificate(s) in opts.ca) or 'http'. Returns {status, headers, raw (the
// raw header list), body, json, protocol (TLS version), setCookie}.
export function request(proto, port, p, opts = {}) {
  const {
    method = 'GET', headers = {}, body, localAddress, ca, minVersion, maxVersion, timeoutMs = 10_000,
  } = opts;
  const mod = proto === 'https' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request({
      host: '127.0.0.1', port, path: p, method, headers, localAddress, agent: false,
      ...(proto === 'https' ? { ca, minVersion, maxVersion, servername: 'localhost' } : {}),
    }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({
          status: res.statusCode,
          headers: res.headers,
          raw: res.rawHeaders,
          body: text,
          json,
          protocol: proto === 'https' ? res.socket.getProtocol?.() ?? null : null,
          setCookie: res.headers['set-cookie'] ?? [],
        });
      });
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// Debian's OpenSSL client at SECLEVEL=0, which still offers TLS 1.0/1.1
// when asked (flag: '-tls1', '-tls1_1', '-tls1_2', ...), so a refusal is
// the server's doing. caFile, when given, is the certificate to verify.
export function sClient(port, flag, { caFile } = {}) {
  return run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, flag,
    '-cipher', 'DEFAULT@SECLEVEL=0', ...(caFile ? ['-CAfile', caFile] : []), '-servername', 'localhost'],
  { input: '', timeoutMs: 15_000 });
}
