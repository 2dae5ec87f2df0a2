// Fixture provider sites for the scraper tests (tests/fixtures/sites/<site>),
// served from loopback by a small node HTTP server that also implements the
// dynamic parts (the calas ASP.NET POST, the skillsfuture JSON paging and
// detail calls), logs every request with its time, and has hostile modes.
//
//   const fx = await startFixtures(port, { site: 'sal', mode, robots, files });
//   fx.base      -> http://127.0.0.1:PORT/sal   (for LIFTED_SPIDER_SAL_BASE_URL)
//   fx.log       -> [{ t, method, path, ua, body }]
//   await fx.close();
//
// mode: 'normal' | 'never' (accepts, never answers) | 'trickle' (one byte a
// second) | 'huge' (a 50 MB page) | 'redirect' (a redirect loop) | 'flaky'
// (the first request of each path answers 503) | 'error' (always 503).
// robots: the text of /robots.txt (404 when unset). files: { '/sal/path':
// 'body' } served instead of the folder's files.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SITES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/sites');

const VIEWSTATE = '/wEPDwUKMTY1NDU2MTA1Mg9kFgJmD2QWAgIDD2QWAgIBD2QWAmYPZBYC+Zz==';
const EVENTVALIDATION = '/wEdAAp3k+kT9Zc&x=1';

function type(p) {
  if (p.endsWith('.json')) return 'application/json';
  if (p.endsWith('feed.aspx') || p.endsWith('.xml')) return 'application/rss+xml; charset=utf-8';
  return 'text/html; charset=utf-8';
}

function sendFile(res, file) {
  let st;
  try { st = fs.statSync(file); } catch { st = null; }
  if (st && st.isDirectory()) return sendFile(res, path.join(file, 'index.html'));
  if (!st) { res.writeHead(404, { 'content-type': 'text/plain' }); res.end('not found'); return; }
  res.writeHead(200, { 'content-type': type(file) });
  res.end(fs.readFileSync(file));
}

function json(res, obj) {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(obj));
}

// The dynamic pages of each site; true when handled.
function dynamic(site, rel, url, req, body, res) {
  if (site === 'calas') {
    if (rel === '/' && req.method === 'POST') {
      const f = new URLSearchParams(body);
      const ok = f.get('__VIEWSTATE') === VIEWSTATE && f.get('__EVENTVALIDATION') === EVENTVALIDATION
        && f.get('__VIEWSTATEGENERATOR') === 'CA0B0334'
        && /^\d\d [A-Z][a-z]{2} \d{4}$/.test(f.get('ctl00$ContentPlaceHolder1$txtFromDate') || '')
        && /^31 Dec \d{4}$/.test(f.get('ctl00$ContentPlaceHolder1$txtToDate') || '')
        && f.get('ctl00$ContentPlaceHolder1$ddlTraiingLevel') === 'All'
        && f.get('ctl00$ContentPlaceHolder1$btnSubmit') === 'Search';
      sendFile(res, path.join(SITES, 'calas', ok ? 'results.html' : 'index.html'));
      return true;
    }
    if (rel === '/EventDetail.aspx') {
      sendFile(res, path.join(SITES, 'calas', `event-${Number(url.searchParams.get('EventID'))}.html`));
      return true;
    }
  }
  if (site === 'skillsfuture') {
    const { docs } = JSON.parse(fs.readFileSync(path.join(SITES, 'skillsfuture', 'courses.json'), 'utf8'));
    if (rel === '/services/tex/individual/course-search') {
      const start = Number(url.searchParams.get('start') || 0);
      const rows = Number(url.searchParams.get('rows') || 24);
      const page = docs.slice(start, start + rows).map((d) => {
        const { _cost, ...pub } = d;
        return { groupValue: d.Course_Ref_No || null, doclist: { numFound: 1, docs: [pub] } };
      });
      json(res, {
        responseHeader: { status: 0, params: { rows: String(rows), start: String(start) } },
        grouped: { GroupID: { matches: docs.length, ngroups: docs.length, groups: page } },
      });
      return true;
    }
    if (rel === '/services/tex/individual/course-detail') {
      const ref = url.searchParams.get('courseReferenceNumber');
      const d = docs.find((x) => x.Course_Ref_No === ref);
      if (!d) { res.writeHead(404); res.end('{}'); return true; }
      json(res, { status: 200, data: { courseReferenceNumber: ref, totalCostOfTrainingPerTrainee: d._cost, title: d.Course_Title } });
      return true;
    }
  }
  return false;
}

export function startFixtures(port, { site, mode = 'normal', robots = null, files = {}, root = SITES } = {}) {
  const log = [];
  const seen = new Map();
  const sockets = new Set();
  const timers = new Set();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const url = new URL(req.url, 'http://127.0.0.1');
      log.push({ t: Date.now(), method: req.method, path: req.url, ua: req.headers['user-agent'] || '', body });
      if (url.pathname === '/robots.txt') {
        if (robots == null) { res.writeHead(404); res.end(); } else { res.writeHead(200, { 'content-type': 'text/plain' }); res.end(robots); }
        return;
      }
      if (mode === 'never') return; // holds the connection open
      if (mode === 'trickle') {
        res.writeHead(200, { 'content-type': 'text/html' });
        const t = setInterval(() => { res.write('<'); }, 1000);
        timers.add(t);
        res.on('close', () => { clearInterval(t); timers.delete(t); });
        return;
      }
      if (mode === 'huge') {
        res.writeHead(200, { 'content-type': 'text/html' });
        const chunk = Buffer.alloc(1 << 20, 'a');
        let sent = 0;
        const more = () => {
          while (sent < 50) {
            sent++;
            if (!res.write(chunk)) { res.once('drain', more); return; }
          }
          res.end();
        };
        res.on('error', () => {});
        more();
        return;
      }
      if (mode === 'redirect') {
        res.writeHead(302, { location: `${url.pathname}x` });
        res.end();
        return;
      }
      const n = (seen.get(url.pathname) || 0) + 1;
      seen.set(url.pathname, n);
      if (mode === 'error' || (mode === 'flaky' && n === 1)) {
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('busy');
        return;
      }
      const prefix = `/${site}`;
      if (url.pathname !== prefix && !url.pathname.startsWith(`${prefix}/`)) {
        res.writeHead(404); res.end(); return;
      }
      const rel = url.pathname.slice(prefix.length) || '/';
      if (Object.hasOwn(files, url.pathname)) {
        const f = files[url.pathname];
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(f);
        return;
      }
      if (dynamic(site, rel, url, req, body, res)) return;
      const file = path.join(root, site, path.normalize(decodeURIComponent(rel)).replace(/^(\.\.[/\\])+/, ''));
      sendFile(res, file);
    });
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve({
      base: `http://127.0.0.1:${port}/${site}`,
      port,
      log,
      close: () => new Promise((r) => {
        for (const t of timers) clearInterval(t);
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
    }));
  });
}
