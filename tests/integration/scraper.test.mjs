// The scraping engine (issue 6): each spider's `run --dry-run` against its
// fixture site (tests/fixtures/sites, served by lib/fixtures.mjs) gives
// exactly the expected items; a fifth provider added as a data file only;
// retries, the per-host delay, the User-Agent and robots.txt seen in the
// fixture server's request log; hostile sources ending in a clear failure
// or a logged skip.  --dry-run needs no database: no stack is started.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { REPO, binPath, cleanEnv, portBase } from './lib/stack.mjs';
import { startFixtures } from './lib/fixtures.mjs';

const PORT = portBase(17); // this suite's block of ten ports
const SPIDERS = path.join(REPO, 'cms_server/scraper/spiders');
const EXTRA = path.join(REPO, 'tests/fixtures/spiders');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lifted-scraper-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// Runs lifted-scraper with args; resolves { code, signal, stdout, stderr, ms }.
function scraper(args, env = {}, timeoutMs = 60_000) {
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(binPath('scraper'), args, {
      env: cleanEnv({
        LIFTED_SCRAPER_TIMEOUT_S: '2', LIFTED_SCRAPER_RETRIES: '1', LIFTED_SCRAPER_DELAY_MS: '50', ...env,
      }),
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    }, (err, stdout, stderr) => resolve({
      code: err ? (typeof err.code === 'number' ? err.code : null) : 0,
      signal: err?.signal ?? null, stdout, stderr, ms: Date.now() - t0,
    }));
  });
}

// Runs spider `name` --dry-run against a fixture server for `site`.
async function dry(name, fxOpts = {}, env = {}, site = name) {
  const fx = await startFixtures(PORT + 1, { site, ...fxOpts });
  try {
    const r = await scraper(['run', name, '--dry-run'], {
      [`LIFTED_SPIDER_${name.toUpperCase()}_BASE_URL`]: fx.base, ...env,
    });
    r.items = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    r.log = fx.log;
    r.base = fx.base;
    return r;
  } finally {
    await fx.close();
  }
}

const item = (o) => ({ provider: null, cost: null, public_cpd: null, level: null, date_ranges: [], ...o });
const SG = (d, t = '00:00:00') => `${d}T${t}+08:00`;

test('list names the four spiders; extra folders add more', async () => {
  const r = await scraper(['list']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n').map((l) => l.split('\t')[0]), ['calas', 'lawsoc', 'sal', 'skillsfuture']);
  const r2 = await scraper(['list'], { LIFTED_SCRAPER_SPIDERS_DIR: `${SPIDERS}:${EXTRA}` });
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.stdout, /^demo\t/m);
});

test('a bad definition is refused naming the file and the field', async () => {
  const dir = path.join(tmp, 'bad');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'x.json'), JSON.stringify({
    name: 'x', base_url: 'https://x.example', start: [{ page: 'p', url: 'https://x.example/' }],
    pages: { p: { type: 'html', items: { each: '//li[', fields: { name: { const: 'a' }, url: { page_url: true } } } } },
  }));
  const r = await scraper(['list'], { LIFTED_SCRAPER_SPIDERS_DIR: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /x\.json: items\.each: invalid XPath/);
});

test('sal: the HTML event list', async () => {
  const r = await dry('sal');
  assert.equal(r.code, 0, r.stderr);
  const B = r.base;
  assert.deepEqual(r.items, [
    item({
      name: 'Mediation Advocacy Workshop & Clinic', url: `${B}/Events/Mediation-Advocacy-Workshop`,
      provider: 'Singapore Academy of Law',
      date_ranges: [{ start: SG('2017-11-01'), end: SG('2017-11-02') }],
    }),
    item({
      name: 'Annual Legal Conference 2017', url: `${B}/Events/Annual-Legal-Conference-2017`,
      provider: 'Singapore Academy of Law', date_ranges: [{ start: SG('2017-12-15'), end: null }],
    }),
    item({
      name: 'A Talk on Arbitration (date to be announced)', url: `${B}/Events/View-All-Events/Arbitration-Talk?ref=list`,
      provider: 'Singapore Academy of Law',
    }),
  ]);
  assert.match(r.stderr, /skipped an entry .*: no link/);
});

test('calas: the ASP.NET form POST, event pages, labelled spans', async () => {
  const r = await dry('calas');
  assert.equal(r.code, 0, r.stderr);
  const B = r.base;
  assert.deepEqual(r.items, [
    item({
      name: 'Corporate & Commercial Law Update', url: `${B}/EventDetail.aspx?EventID=1234`,
      public_cpd: '3', level: 'Foundational',
      date_ranges: [{ start: SG('2017-11-01', '09:00:00'), end: SG('2017-11-01', '17:30:00') }],
    }),
    item({
      name: 'Advanced Drafting: Commercial Contracts', url: `${B}/EventDetail.aspx?EventID=1235`,
      provider: 'Law Academy Pte Ltd', level: 'Intermediate',
      date_ranges: [{ start: SG('2017-11-23'), end: SG('2017-11-24') }],
    }),
  ]);
  const post = r.log.find((l) => l.method === 'POST');
  assert.ok(post, 'the search form was posted');
  const f = new URLSearchParams(post.body);
  assert.match(f.get('ctl00$ContentPlaceHolder1$txtFromDate'), /^\d\d [A-Z][a-z]{2} \d{4}$/);
  assert.equal(f.get('__VIEWSTATEGENERATOR'), 'CA0B0334');
  assert.match(r.stderr, /EventID=1236: no name/);
  // The event listed twice is fetched once.
  assert.equal(r.log.filter((l) => l.path.endsWith('EventID=1234')).length, 1);
});

test('lawsoc: list, calendar RSS feed, event pages', async () => {
  const r = await dry('lawsoc');
  assert.equal(r.code, 0, r.stderr);
  const B = r.base;
  const P = 'The Law Society of Singapore';
  assert.deepEqual(r.items, [
    item({
      name: 'Ethics and Professional Responsibility', url: `${B}/en-gb/events/ethics-2017.aspx`, provider: P,
      public_cpd: '2.5', date_ranges: [{ start: SG('2017-11-23', '08:30:00'), end: SG('2017-11-24', '18:00:00') }],
    }),
    item({
      name: 'Tax & Trusts Briefing', url: `${B}/en-gb/events/tax-briefing.aspx`, provider: P,
      public_cpd: '1', date_ranges: [{ start: SG('2017-11-28', '12:30:00'), end: SG('2017-11-28', '13:45:00') }],
    }),
    item({
      name: 'Practice Management Clinic', url: `${B}/en-gb/events/clinic.aspx`, provider: P,
      date_ranges: [{ start: SG('2017-11-28'), end: null }],
    }),
  ]);
  assert.ok(r.log.some((l) => l.path === '/lawsoc/feed.aspx?type=all'), 'the RSS feed was read');
  assert.equal(r.log.filter((l) => l.path.endsWith('ethics-2017.aspx')).length, 1);
});

test('skillsfuture: paged JSON search and detail calls', async () => {
  const r = await dry('skillsfuture');
  assert.equal(r.code, 0, r.stderr);
  const U = (ref) => `${r.base}/content/portal/en/training-exchange/course-directory/course-detail.html?courseReferenceNumber=${ref}`;
  const expected = [
    item({
      name: 'Contract Law for Non-Lawyers', url: U('TGS-2017500001'), provider: 'Acme Legal Training Pte. Ltd.',
      cost: '1200.5',
      date_ranges: [{ start: SG('2017-12-27'), end: SG('2017-12-28') }, { start: SG('2018-01-10'), end: SG('2018-01-11') }],
    }),
    item({
      name: 'Negotiation Skills for Lawyers', url: U('TGS-2017500002'), provider: 'Harbour Academy', cost: '450',
      date_ranges: [{ start: SG('2018-02-05'), end: null }],
    }),
  ];
  for (let i = 3; i <= 26; i++) {
    const d = String(i).padStart(2, '0');
    const e = String(i + 2).padStart(2, '0');
    expected.push(item({
      name: `Legal Writing Module ${i}`, url: U(`TGS-20175${String(i).padStart(5, '0')}`), provider: 'Harbour Academy',
      cost: String(100 + i), date_ranges: [{ start: SG(`2018-03-${d}`), end: SG(`2018-03-${e}`) }],
    }));
  }
  expected.push(item({
    name: 'Online: Data Protection Essentials', url: U('TGS-2017599999'), provider: 'E-Learn Hub', cost: '0',
  }));
  assert.deepEqual(r.items, expected);
  const pages = r.log.filter((l) => l.path.includes('course-search')).map((l) => new URL(l.path, 'http://x').searchParams.get('start'));
  assert.deepEqual(pages, ['0', '24']);
  assert.match(r.stderr, /no value for its detail URL/);
});

test('a fifth provider added as a data file only', async () => {
  const r = await dry('demo', {}, { LIFTED_SCRAPER_SPIDERS_DIR: `${SPIDERS}:${EXTRA}` });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.items, [
    item({
      name: 'Introduction to Legal Technology', url: `${r.base}/courses/legal-tech`, provider: 'Demo Training Co',
      cost: '1250.00', public_cpd: '4', level: 'Foundational',
      date_ranges: [{ start: SG('2026-12-01', '09:30:00'), end: null }, { start: SG('2026-12-08', '09:30:00'), end: null }],
    }),
    item({ name: 'Cross-Border Insolvency', url: `${r.base}/courses/insolvency?x=1`, level: 'Advanced' }),
  ]);
});

test('politeness: User-Agent, robots.txt first, the per-host delay', async () => {
  const r = await dry('lawsoc', {}, { LIFTED_SCRAPER_DELAY_MS: '300' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.log[0].path, '/robots.txt');
  assert.equal(r.log.filter((l) => l.path === '/robots.txt').length, 1);
  for (const l of r.log) assert.match(l.ua, /^LiftedScraper\/1\.0 \(\+https:\/\//);
  for (let i = 1; i < r.log.length; i++) {
    const gap = r.log[i].t - r.log[i - 1].t;
    assert.ok(gap >= 280, `request ${i} came ${gap} ms after the one before (delay 300 ms)`);
  }
});

test('retries: a 503 is retried after a back-off', async () => {
  const r = await dry('sal', { mode: 'flaky' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.items.length, 3);
  const hits = r.log.filter((l) => l.path === '/sal/Events/View-All-Events/Date-Desc');
  assert.equal(hits.length, 2);
  assert.ok(hits[1].t - hits[0].t >= 190, `retried after ${hits[1].t - hits[0].t} ms`);
});

test('retries run out: a failure naming the status and the attempts', async () => {
  const r = await dry('sal', { mode: 'error' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /HTTP status 503 \(after 2 attempts\)/);
  assert.equal(r.log.filter((l) => l.path.startsWith('/sal/')).length, 2);
});

// Hostile sources: a clear failure (exit 1, a reason) or a logged skip;
// never a crash or a hang.
function failsClearly(r, re) {
  assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, re);
  assert.doesNotMatch(r.stderr, /Sanitizer|runtime error/);
  assert.equal(r.stdout, '');
}

test('hostile: a server that never answers', async () => {
  const r = await dry('sal', { mode: 'never' });
  failsClearly(r, /sal: failed: .*(Timeout|timed out)/i);
  assert.ok(r.ms < 20_000, `took ${r.ms} ms`);
});

test('hostile: a server that trickles a byte a second', async () => {
  const r = await dry('sal', { mode: 'trickle' });
  failsClearly(r, /sal: failed: .*(Timeout|timed out)/i);
  assert.ok(r.ms < 20_000, `took ${r.ms} ms`);
});

test('hostile: a 50 MB page', async () => {
  const r = await dry('sal', { mode: 'huge' });
  failsClearly(r, /body larger than 5242880 bytes/);
});

test('hostile: a redirect loop', async () => {
  const r = await dry('sal', { mode: 'redirect' });
  failsClearly(r, /redirect/i);
  assert.ok(r.log.filter((l) => l.path.startsWith('/sal/')).length <= 6);
});

test('hostile: robots.txt disallowing everything', async () => {
  const r = await dry('sal', { robots: 'User-agent: *\nDisallow: /\n' });
  failsClearly(r, /disallowed by robots\.txt/);
  assert.deepEqual(r.log.map((l) => l.path), ['/robots.txt']);
});

test('hostile: an empty listing is a failure, not an empty success', async () => {
  const r = await dry('sal', { files: { '/sal/Events/View-All-Events/Date-Desc': '<html><body><p>No events.</p></body></html>' } });
  failsClearly(r, /sal: failed: no items found/);
});

test('hostile: a JSON page that is not JSON', async () => {
  const r = await dry('skillsfuture', { files: { '/skillsfuture/services/tex/individual/course-search': '<html>Service unavailable</html>' } });
  failsClearly(r, /not JSON/);
});

const LIST = '/sal/Events/View-All-Events/Date-Desc';

test('hostile: malformed HTML still yields what it holds', async () => {
  const html = '<html><body><div class="list-item"><a href="/Events/A">A</a><div class="Title">Broken <b>Markup <i>Event</div>'
    + '<span class="startDate">01 Nov 2017</span></span></b></p></td><div class="list-item"><<<>>><a href=/Events/B>'
    + '<div class="Title">Second &amp Event<span class="startDate">02 Nov 2017';
  const r = await dry('sal', { files: { [LIST]: html } });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.items.map((i) => i.url), [`${r.base}/Events/A`, `${r.base}/Events/B`]);
  assert.equal(r.items[0].date_ranges[0].start, SG('2017-11-01'));
});

test('hostile: invalid UTF-8 becomes replacement characters, not broken JSON', async () => {
  const html = Buffer.concat([
    Buffer.from('<html><head><meta charset="utf-8"></head><body><div class="list-item"><a href="/Events/C">x</a><div class="Title">Caf'),
    Buffer.from([0xe9, 0x20, 0xff, 0xfe, 0xc3]), Buffer.from(' Law</div></div></body></html>'),
  ]);
  const r = await dry('sal', { files: { [LIST]: html } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.items.length, 1);
  assert.match(r.items[0].name, /^Caf.+ Law$/);
  assert.ok(!r.items[0].name.includes('\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD'), r.items[0].name);
});

test('hostile: a date that does not parse skips that entry with a log line', async () => {
  const html = '<html><body>'
    + '<div class="list-item"><a href="/Events/D">x</a><div class="Title">Good</div><span class="startDate">03 Nov 2017</span></div>'
    + '<div class="list-item"><a href="/Events/E">x</a><div class="Title">Bad date</div><span class="startDate">31 Foo 2017</span></div>'
    + '<div class="list-item"><a href="/Events/F">x</a><div class="Title">Impossible</div><span class="startDate">31 Feb 2017</span></div>'
    + '</body></html>';
  const r = await dry('sal', { files: { [LIST]: html } });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.items.map((i) => i.name), ['Good']);
  assert.match(r.stderr, /skipped "Bad date" .*date "31 Foo 2017" does not parse/);
  assert.match(r.stderr, /skipped "Impossible" .*date "31 Feb 2017" does not parse/);
});

test('an unknown spider is refused', async () => {
  const r = await scraper(['run', 'nosuch', '--dry-run']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no spider named "nosuch"/);
});
