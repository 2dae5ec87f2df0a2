// Scraper jobs (issue 6; docs/scraper-jobs.md): the jobs table and its
// one-live-job-per-spider rule, leases, cancel, the scraper role's
// rights, the CMS Scrapers API and proposed refreshes of published
// courses applied to the App, over real HTTP against a real stack.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';

import { Stack, binPath, cleanEnv, get, waitFor, sleep } from './lib/stack.mjs';
import { Client, createSuperuser, sqlOn, lit, scrapedSeeder } from './lib/cms.mjs';

const stack = new Stack(18);
let CMS;
let APP;

const ADMIN = 'jobchief';
const ADMIN_PW = 'jobchief-password-123';
let admin;

// Client: ./lib/cms.mjs.
const sql = (which, text) => sqlOn(stack, which, text);
const scraperUrl = () => stack.env.LIFTED_SCRAPER_DATABASE_URL;
const asScraper = (text) => stack.psqlUrl(scraperUrl(), text);

// A scraped row as the scraper would write it; returns its id.
const seed = scrapedSeeder(stack, { name: 'Job course', url: 'https://example.org/j/', spider: 'jobspider' });

before(async () => {
  await stack.up();
  CMS = stack.ports.cms;
  APP = stack.ports.app;
  createSuperuser(stack, ADMIN, ADMIN_PW);
  admin = new Client(CMS);
  await admin.login(ADMIN, ADMIN_PW);
});

after(async () => {
  await stack.down();
});

test('one live job per spider is enforced by the database', () => {
  const a = asScraper(`INSERT INTO scraper_jobs (spider, state, started_at) VALUES ('uniq', 'running', now())
    RETURNING id`);
  assert.equal(a.status, 0, a.stderr);
  const b = asScraper(`INSERT INTO scraper_jobs (spider, state, started_at) VALUES ('uniq', 'running', now())`);
  assert.notEqual(b.status, 0);
  assert.match(b.stderr, /scraper_jobs_live_key/);
  // Once it ends, the next may start.
  sql('cms', `UPDATE scraper_jobs SET state = 'succeeded', ended_at = now() WHERE spider = 'uniq'`);
  const c = asScraper(`INSERT INTO scraper_jobs (spider, state, started_at) VALUES ('uniq', 'running', now())`);
  assert.equal(c.status, 0, c.stderr);
  sql('cms', `UPDATE scraper_jobs SET state = 'failed', ended_at = now() WHERE spider = 'uniq'
    AND state = 'running'`);
});

test('the scraper role reaches its tables only', () => {
  const denied = [
    'SELECT count(*) FROM users',
    'SELECT count(*) FROM sessions',
    'DELETE FROM audit_log',
    'SELECT count(*) FROM scraper_job_log',
    'SELECT count(*) FROM scraper_proposals',
    'DELETE FROM scraper_jobs',
    `INSERT INTO scraper_jobs (spider, created_by) VALUES ('x', 1)`,
    'SELECT count(*) FROM providers',
    'CREATE TABLE scraper_owned (x int)',
  ];
  for (const q of denied) {
    const r = asScraper(q);
    assert.notEqual(r.status, 0, `the scraper role may run: ${q}`);
    assert.match(r.stderr, /permission denied/, q);
  }
  const allowed = [
    'SELECT count(*) FROM scraped_courses',
    'SELECT count(*) FROM scraper_jobs',
  ];
  for (const q of allowed) {
    const r = asScraper(q);
    assert.equal(r.status, 0, `${q}: ${r.stderr}`);
  }
  // No way into the App database at all.
  const appUrl = scraperUrl().replace(/:\d+\/[^/?]+/, `:${stack.ports.appDb}/${stack.env.LIFTED_APP_DATABASE_URL.split('/').pop()}`);
  const app = stack.psqlUrl(appUrl, 'SELECT 1');
  assert.notEqual(app.status, 0);
});

test('a job whose lease expired is marked failed when the CMS lists jobs', async () => {
  const id = Number(asScraper(`INSERT INTO scraper_jobs (spider, state, started_at, lease_until)
    VALUES ('leased', 'running', now(), now() - interval '1 second') RETURNING id`).stdout.trim().split('\n')[0]);
  assert.ok(id > 0);
  const r = await admin.get(`/cms/api/scrapers/job?id=${id}`);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.job.state, 'failed');
  assert.match(r.json.job.error, /lease expired/);
  assert.ok(r.json.job.ended_at);
  // The spider is free again.
  const again = asScraper(`INSERT INTO scraper_jobs (spider, state, started_at) VALUES ('leased', 'running', now())`);
  assert.equal(again.status, 0, again.stderr);
  sql('cms', `UPDATE scraper_jobs SET state = 'failed', ended_at = now() WHERE spider = 'leased' AND state = 'running'`);
});

test('job view: counts, log lines after since=, 404, permission', async () => {
  const id = Number(asScraper(`INSERT INTO scraper_jobs (spider, state, started_at)
    VALUES ('viewed', 'running', now()) RETURNING id`).stdout.trim().split('\n')[0]);
  const w = asScraper(`UPDATE scraper_jobs SET found = 5, inserted = 2, updated = 1, skipped = 1, errors = 1
    WHERE id = ${id}; INSERT INTO scraper_job_log (job_id, n, level, message) VALUES
    (${id}, 1, 'info', 'started'), (${id}, 2, 'warn', 'entry without a link'), (${id}, 3, 'info', 'new: A')`);
  assert.equal(w.status, 0, w.stderr);
  const r = await admin.get(`/cms/api/scrapers/job?id=${id}`);
  assert.equal(r.status, 200, r.body);
  const j = r.json.job;
  assert.deepEqual([j.spider, j.state, j.found, j.new, j.updated, j.removed, j.skipped, j.errors],
    ['viewed', 'running', 5, 2, 1, 0, 1, 1]);
  assert.deepEqual(r.json.log.map((l) => [l.n, l.level, l.message]),
    [[1, 'info', 'started'], [2, 'warn', 'entry without a link'], [3, 'info', 'new: A']]);
  const s = await admin.get(`/cms/api/scrapers/job?id=${id}&since=2`);
  assert.deepEqual(s.json.log.map((l) => l.n), [3]);
  assert.equal((await admin.get('/cms/api/scrapers/job?id=99999999')).status, 404);
  // The log is bounded by the database.
  const big = asScraper(`INSERT INTO scraper_job_log (job_id, n, level, message) VALUES (${id}, 5001, 'info', 'x')`);
  assert.notEqual(big.status, 0);
  sql('cms', `UPDATE scraper_jobs SET state = 'failed', ended_at = now() WHERE id = ${id}`);

  const anon = await get(CMS, `/cms/api/scrapers/job?id=${id}`);
  assert.equal(anon.status, 401);
});

test('cancel: a queued job is cancelled at once, a running one is asked to stop; both audited', async () => {
  const q = Number(sql('cms', `INSERT INTO scraper_jobs (spider) VALUES ('cancelq') RETURNING id`).split('\n')[0]);
  let r = await admin.post('/cms/api/scrapers/cancel', { id: q });
  assert.equal(r.status, 200, r.body);
  assert.equal(sql('cms', `SELECT state, cancel_requested FROM scraper_jobs WHERE id = ${q}`), 'cancelled|t');
  r = await admin.post('/cms/api/scrapers/cancel', { id: q });
  assert.equal(r.status, 409, r.body);
  assert.equal((await admin.post('/cms/api/scrapers/cancel', { id: 99999999 })).status, 404);

  const run1 = Number(asScraper(`INSERT INTO scraper_jobs (spider, state, started_at)
    VALUES ('cancelr', 'running', now()) RETURNING id`).stdout.trim().split('\n')[0]);
  r = await admin.post('/cms/api/scrapers/cancel', { id: run1 });
  assert.equal(r.status, 200, r.body);
  assert.equal(sql('cms', `SELECT state, cancel_requested FROM scraper_jobs WHERE id = ${run1}`), 'running|t');
  assert.equal(sql('cms', `SELECT count(*) FROM audit_log WHERE action = 'scraper.cancel'
    AND target_id IN ('${q}', '${run1}')`), '2');
  sql('cms', `UPDATE scraper_jobs SET state = 'cancelled', ended_at = now() WHERE id = ${run1}`);
});

test('start refuses an unknown spider and a bad body', async () => {
  let r = await admin.post('/cms/api/scrapers/start', { spider: 'no_such_spider' });
  assert.equal(r.status, 404, r.body);
  r = await admin.post('/cms/api/scrapers/start', { spider: '../etc' });
  assert.equal(r.status, 400, r.body);
  assert.equal(sql('cms', `SELECT count(*) FROM scraper_jobs WHERE spider = 'no_such_spider'`), '0');
});

test('a proposed refresh of a published course: listed, applied to the App with audit, shown in /course_browse', async () => {
  const name = `Refreshable Course ${Date.now()}`;
  const id = seed({ name, dates: [{ start: '2031-05-01T09:00:00+08:00', end: '2031-05-01T17:00:00+08:00' }] });
  let r = await admin.post('/cms/api/courses/transition', { id, transition: 'submit' });
  assert.equal(r.status, 200, r.body);
  r = await admin.post('/cms/api/courses/transition', { id, transition: 'publish', comment: 'ok' });
  assert.equal(r.status, 200, r.body);
  const appId = r.json.app_course_id;
  assert.ok(appId > 0);

  // What a re-scrape records (as the scraper role).
  const newName = `${name} Refreshed`;
  const proposed = { name: newName, dates: [{ start: '2031-06-02T09:00:00+08:00', end: '2031-06-03T17:00:00+08:00' }],
    cpd_state: 'points', cpd_points: 4.5, level: null };
  const job = Number(asScraper(`INSERT INTO scraper_jobs (spider, state, started_at) VALUES ('refresher', 'running', now())
    RETURNING id`).stdout.trim().split('\n')[0]);
  const ins = asScraper(`INSERT INTO scraper_proposals (job_id, scraped_course_id, app_course_id, proposed)
    VALUES (${job}, ${id}, ${appId}, ${lit(JSON.stringify(proposed))}) ON CONFLICT DO NOTHING`);
  assert.equal(ins.status, 0, ins.stderr);
  // The same proposal twice is one row.
  const twice = asScraper(`INSERT INTO scraper_proposals (job_id, scraped_course_id, app_course_id, proposed)
    VALUES (${job}, ${id}, ${appId}, ${lit(JSON.stringify(proposed))}) ON CONFLICT DO NOTHING`);
  assert.equal(twice.status, 0, twice.stderr);
  sql('cms', `UPDATE scraper_jobs SET state = 'succeeded', ended_at = now() WHERE id = ${job}`);

  r = await admin.get('/cms/api/scrapers/proposals');
  assert.equal(r.status, 200, r.body);
  const mine = r.json.proposals.filter((p) => p.scraped_course_id === id);
  assert.equal(mine.length, 1);
  assert.equal(mine[0].current.name, name);
  assert.equal(mine[0].proposed.name, newName);
  assert.equal(mine[0].app_course_id, appId);

  r = await admin.post('/cms/api/scrapers/proposals/apply', { id: mine[0].id });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.course_id, appId);
  assert.equal(sql('app', `SELECT name, cpd_state, cpd_points, (SELECT count(*) FROM course_dates d WHERE d.course_id = c.id),
    (SELECT string_agg(vertical_category_id::text, ',') FROM course_categories WHERE course_id = c.id)
    FROM courses c WHERE id = ${appId}`), `${newName}|points|4.50|1|1`);
  assert.equal(sql('cms', `SELECT state FROM scraper_proposals WHERE id = ${mine[0].id}`), 'applied');
  assert.equal(sql('cms', `SELECT name FROM scraped_courses WHERE id = ${id}`), newName);
  assert.equal(sql('cms', `SELECT count(*) FROM audit_log WHERE action = 'scraper_proposal.apply'
    AND target_id = '${appId}'`), '1');
  await waitFor(async () => (await get(APP, `/course_browse?q=${encodeURIComponent(newName)}`)).body.includes(newName),
    { timeoutMs: 5000, intervalMs: 200, what: 'refreshed course in /course_browse' });

  // Applied once; a second apply or a dismiss is refused.
  assert.equal((await admin.post('/cms/api/scrapers/proposals/apply', { id: mine[0].id })).status, 404);
  assert.equal((await admin.post('/cms/api/scrapers/proposals/dismiss', { id: mine[0].id })).status, 404);
});

test('a proposal can be dismissed: the App is untouched', async () => {
  const name = `Dismissable Course ${Date.now()}`;
  const id = seed({ name });
  await admin.post('/cms/api/courses/transition', { id, transition: 'submit' });
  const r0 = await admin.post('/cms/api/courses/transition', { id, transition: 'publish', comment: 'ok' });
  assert.equal(r0.status, 200, r0.body);
  const appId = r0.json.app_course_id;
  const pid = Number(sql('cms', `INSERT INTO scraper_proposals (scraped_course_id, app_course_id, proposed)
    VALUES (${id}, ${appId}, '{"name": "Other"}') RETURNING id`).split('\n')[0]);
  const r = await admin.post('/cms/api/scrapers/proposals/dismiss', { id: pid });
  assert.equal(r.status, 200, r.body);
  assert.equal(sql('cms', `SELECT state FROM scraper_proposals WHERE id = ${pid}`), 'dismissed');
  assert.equal(sql('app', `SELECT name FROM courses WHERE id = ${appId}`), name);
});

// --- jobs run by the real scraper, started from the CMS --------------------
//
// A small sal-shaped site (SPEC section 8: `.list-item` with `.Title`, a
// link, `.startDate`/`.endDate`) whose events the tests change between
// runs, and whose listing can be held back to keep a job running.

const site = { events: [], holdMs: 0, server: null, port: 0, pending: [] };

function salPage(events) {
  const items = events.map((e) => `
    <div class="list-item">
      <a href="/Events/${e.slug}">more</a>
      <div class="Title"> ${e.name} </div>
      <span class="startDate">${e.start}</span> - <span class="endDate">${e.end}</span>
    </div>`).join('');
  return `<!DOCTYPE html><html><body><nav><a href="/">Home</a></nav><div class="listing">${items}</div></body></html>`;
}

function startSite() {
  return new Promise((resolve) => {
    site.server = http.createServer((req, res) => {
      if (!req.url.startsWith('/sal/Events/View-All-Events')) {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('not found');
        return;
      }
      const body = salPage(site.events);
      const send = () => {
        if (res.writableEnded || res.destroyed) return;
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(body);
      };
      if (site.holdMs > 0) {
        const t = setTimeout(send, site.holdMs);
        site.pending.push({ t, send });
      } else send();
    });
    site.server.listen(0, '127.0.0.1', () => {
      site.port = site.server.address().port;
      resolve();
    });
  });
}

function releaseSite() {
  site.holdMs = 0;
  for (const p of site.pending.splice(0)) {
    clearTimeout(p.t);
    p.send();
  }
}

let jobsCms = null; // an extra CMS with the scraper settings in its environment
let staff = null;

async function jobsCmsUp() {
  if (jobsCms) return;
  await startSite();
  jobsCms = await stack.startServer('cms', {
    LIFTED_SPIDER_SAL_BASE_URL: `http://127.0.0.1:${site.port}/sal`,
    LIFTED_SCRAPER_TIMEOUT_S: 60,
    LIFTED_SCRAPER_DELAY_MS: 0,
    LIFTED_SCRAPER_RETRIES: 0,
  }, { waitReady: 'readyz' });
  staff = new Client(jobsCms.port);
  staff.cookie = admin.cookie;
  staff.csrf = admin.csrf;
}

after(async () => {
  releaseSite();
  if (site.server) await new Promise((r) => site.server.close(r));
});

async function startJob(spider = 'sal') {
  const r = await staff.post('/cms/api/scrapers/start', { spider });
  assert.equal(r.status, 201, r.body);
  return r.json.job.id;
}

async function jobEnds(id, timeoutMs = 30_000) {
  let last = null;
  await waitFor(async () => {
    const r = await staff.get(`/cms/api/scrapers/job?id=${id}`);
    last = r.json;
    return r.status === 200 && !['queued', 'running'].includes(r.json.job.state);
  }, { timeoutMs, intervalMs: 250, what: `job ${id} to end` });
  return last;
}

const salRow = (slug) => sql('cms', `SELECT state, name, edited_fields, scraped_changes->>'name'
  FROM scraped_courses WHERE spider_name = 'sal' AND source_url LIKE '%/Events/${slug}'`);

test('jobs from the CMS: a first run, then a second with one course changed, one removed, one edited by staff, one published', async () => {
  await jobsCmsUp();
  const list = await staff.get('/cms/api/scrapers');
  assert.equal(list.status, 200, list.body);
  assert.ok(list.json.spiders.some((x) => x.name === 'sal'), list.body);

  const ev = (slug, name, start = '01 Dec 2030', end = '02 Dec 2030') => ({ slug, name, start, end });
  site.events = [ev('a', 'Contract Law Basics'), ev('b', 'Evidence Clinic'), ev('c', 'Drafting Skills'),
    ev('d', 'Ethics Refresher'), ev('p', 'Published Seminar', '05 Jan 2031', '05 Jan 2031')];
  const before = Number(sql('cms', `SELECT count(*) FROM audit_log WHERE action = 'scraper.start'`));
  const j1 = await startJob();
  const r1 = await jobEnds(j1);
  assert.equal(r1.job.state, 'succeeded', JSON.stringify(r1));
  assert.deepEqual([r1.job.found, r1.job.new, r1.job.updated, r1.job.removed], [5, 5, 0, 0]);
  assert.ok(r1.log.some((l) => /new: Contract Law Basics/.test(l.message)), JSON.stringify(r1.log));
  assert.equal(Number(sql('cms', `SELECT count(*) FROM audit_log WHERE action = 'scraper.start'`)), before + 1);
  assert.equal(salRow('a').split('|')[0], 'scraped');

  // The last job shows on the list.
  const l2 = await staff.get('/cms/api/scrapers');
  const sal = l2.json.spiders.find((x) => x.name === 'sal');
  assert.equal(sal.last_job.id, j1);
  assert.equal(sal.last_job.state, 'succeeded');
  assert.ok(sal.last_job.started_at && sal.last_job.ended_at);

  // Staff edit c's name; p is published.
  sql('cms', `UPDATE scraped_courses SET name = 'Drafting Skills (staff)', edited_fields = '{name}'
    WHERE spider_name = 'sal' AND source_url LIKE '%/Events/c'`);
  const pid = Number(sql('cms', `UPDATE scraped_courses SET level_id = 1, format_id = 2, category_ids = '{1}', cost = 0,
    cpd_state = 'na' WHERE spider_name = 'sal' AND source_url LIKE '%/Events/p' RETURNING id`).split('\n')[0]);
  let r = await staff.post('/cms/api/courses/transition', { id: pid, transition: 'submit' });
  assert.equal(r.status, 200, r.body);
  r = await staff.post('/cms/api/courses/transition', { id: pid, transition: 'publish', comment: 'ok' });
  assert.equal(r.status, 200, r.body);
  const appId = r.json.app_course_id;

  site.events = [ev('a', 'Contract Law Advanced'), ev('c', 'Drafting Skills II'), ev('d', 'Ethics Refresher'),
    ev('p', 'Published Seminar Renamed', '06 Jan 2031', '06 Jan 2031')];
  const j2 = await startJob();
  const r2 = await jobEnds(j2);
  assert.equal(r2.job.state, 'succeeded', JSON.stringify(r2));
  assert.deepEqual([r2.job.found, r2.job.new, r2.job.updated, r2.job.removed, r2.job.proposed], [4, 0, 2, 1, 1]);
  assert.deepEqual(salRow('a').split('|').slice(0, 2), ['scraped', 'Contract Law Advanced']);
  assert.equal(salRow('b'), '');
  assert.deepEqual(salRow('c').split('|'), ['scraped', 'Drafting Skills (staff)', '{name}', 'Drafting Skills II']);
  assert.deepEqual(salRow('d').split('|').slice(0, 2), ['scraped', 'Ethics Refresher']);
  assert.deepEqual(salRow('p').split('|').slice(0, 2), ['published', 'Published Seminar']);
  assert.equal(sql('app', `SELECT name FROM courses WHERE id = ${appId}`), 'Published Seminar');

  // The refresh is proposed; applied, it shows in the App.
  const props = await staff.get('/cms/api/scrapers/proposals');
  const mine = props.json.proposals.filter((x) => x.scraped_course_id === pid);
  assert.equal(mine.length, 1, props.body);
  assert.equal(mine[0].proposed.name, 'Published Seminar Renamed');
  r = await staff.post('/cms/api/scrapers/proposals/apply', { id: mine[0].id });
  assert.equal(r.status, 200, r.body);
  assert.equal(sql('app', `SELECT name, (SELECT to_char(min(start_at) AT TIME ZONE 'Asia/Singapore', 'YYYY-MM-DD')
    FROM course_dates WHERE course_id = c.id) FROM courses c WHERE id = ${appId}`), 'Published Seminar Renamed|2031-01-06');
  await waitFor(async () => (await get(APP, `/course_browse?q=${encodeURIComponent('Published Seminar Renamed')}`))
    .body.includes('Published Seminar Renamed'), { timeoutMs: 5000, intervalMs: 200, what: 'refresh in /course_browse' });
});

test('a run with no items fails and removes nothing', async () => {
  await jobsCmsUp();
  const rows = sql('cms', `SELECT count(*) FROM scraped_courses WHERE spider_name = 'sal'`);
  site.events = [];
  const j = await startJob();
  const r = await jobEnds(j);
  assert.equal(r.job.state, 'failed');
  assert.match(r.job.error, /no items/);
  assert.equal(r.job.removed, 0);
  assert.equal(sql('cms', `SELECT count(*) FROM scraped_courses WHERE spider_name = 'sal'`), rows);
});

test('a second start while one runs is refused; cancel stops the job and removes nothing', async () => {
  await jobsCmsUp();
  const rows = sql('cms', `SELECT count(*) FROM scraped_courses WHERE spider_name = 'sal'`);
  site.events = [{ slug: 'z', name: 'Only Course', start: '01 Dec 2030', end: '01 Dec 2030' }];
  site.holdMs = 9000;
  const j = await startJob();
  await waitFor(async () => (await staff.get(`/cms/api/scrapers/job?id=${j}`)).json.job.state === 'running',
    { timeoutMs: 10_000, intervalMs: 100, what: 'job running' });
  const second = await staff.post('/cms/api/scrapers/start', { spider: 'sal' });
  assert.equal(second.status, 409, second.body);
  const c = await staff.post('/cms/api/scrapers/cancel', { id: j });
  assert.equal(c.status, 200, c.body);
  const r = await jobEnds(j, 30_000);
  releaseSite();
  assert.equal(r.job.state, 'cancelled', JSON.stringify(r));
  assert.equal(r.job.removed, 0);
  assert.equal(sql('cms', `SELECT count(*) FROM scraped_courses WHERE spider_name = 'sal'
    AND source_url NOT LIKE '%/Events/z'`), rows);
});

test('a killed scraper: its job is marked failed after the lease and the spider is free again', async () => {
  await jobsCmsUp();
  site.events = [{ slug: 'k', name: 'Killed Course', start: '01 Dec 2030', end: '01 Dec 2030' }];
  site.holdMs = 55_000;
  const j = await startJob();
  let pid = null;
  await waitFor(async () => {
    const r = await staff.get(`/cms/api/scrapers/job?id=${j}`);
    pid = r.json.job.pid;
    return r.json.job.state === 'running' && pid > 0;
  }, { timeoutMs: 10_000, intervalMs: 100, what: 'job running' });
  process.kill(pid, 'SIGKILL');
  const r = await jobEnds(j, 40_000);
  releaseSite();
  assert.equal(r.job.state, 'failed');
  assert.match(r.job.error, /lease expired/);
  site.events = [{ slug: 'k', name: 'Killed Course', start: '01 Dec 2030', end: '01 Dec 2030' }];
  const again = await startJob();
  assert.ok(again > j);
  await jobEnds(again);
});

test('without scrapers.run (or courses.publish) the routes answer 403 and change nothing', async () => {
  const g = await admin.post('/cms/api/groups/create', { name: 'editors-only', permissions: ['courses.edit'] });
  assert.equal(g.status, 201, g.body);
  const first = 'editor-first-pass';
  const u = await admin.post('/cms/api/users/create', { username: 'jobeditor', password: first, groups: [g.json.id] });
  assert.equal(u.status, 201, u.body);
  const c = new Client(CMS);
  await c.login('jobeditor', first);
  const ch = await c.post('/cms/api/account/password', { current_password: first, new_password: 'editor-steady-pass' });
  assert.equal(ch.status, 200, ch.body);
  const jobs = sql('cms', 'SELECT count(*) FROM scraper_jobs');
  for (const [m, p, body] of [['get', '/cms/api/scrapers'], ['get', '/cms/api/scrapers/job?id=1'],
    ['get', '/cms/api/scrapers/proposals'], ['post', '/cms/api/scrapers/start', { spider: 'sal' }],
    ['post', '/cms/api/scrapers/cancel', { id: 1 }], ['post', '/cms/api/scrapers/proposals/apply', { id: 1 }],
    ['post', '/cms/api/scrapers/proposals/dismiss', { id: 1 }]]) {
    const r = m === 'get' ? await c.get(p) : await c.post(p, body);
    assert.equal(r.status, 403, `${p}: ${r.body}`);
  }
  assert.equal(sql('cms', 'SELECT count(*) FROM scraper_jobs'), jobs);
});

function runAsync(cmd, args, { env, timeoutMs }) {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (status) => { clearTimeout(t); resolve({ status, stdout, stderr }); });
  });
}

test('lifted-scraper run from the command line: fails a dead job of its spider first, then runs its own', async () => {
  await jobsCmsUp();
  releaseSite();
  site.events = [{ slug: 'cli', name: 'Command Line Course', start: '01 Dec 2030', end: '01 Dec 2030' }];
  const dead = Number(asScraper(`INSERT INTO scraper_jobs (spider, state, started_at, lease_until)
    VALUES ('sal', 'running', now(), now() - interval '1 second') RETURNING id`).stdout.trim().split('\n')[0]);
  // Not spawnSync: the fixture site is served from this process.
  const r = await runAsync(binPath('scraper'), ['run', 'sal'], {
    env: cleanEnv({
      LIFTED_SCRAPER_DATABASE_URL: scraperUrl(),
      LIFTED_SPIDER_SAL_BASE_URL: `http://127.0.0.1:${site.port}/sal`,
      LIFTED_SCRAPER_TIMEOUT_S: '10', LIFTED_SCRAPER_DELAY_MS: '0', LIFTED_SCRAPER_RETRIES: '0',
    }),
    timeoutMs: 30_000,
  });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /AddressSanitizer|LeakSanitizer|runtime error:/);
  assert.match(sql('cms', `SELECT state, error FROM scraper_jobs WHERE id = ${dead}`), /^failed\|lease expired/);
  assert.equal(sql('cms', `SELECT state, created_by IS NULL, found FROM scraper_jobs WHERE spider = 'sal'
    ORDER BY id DESC LIMIT 1`), 'succeeded|t|1');
  assert.equal(sql('cms', `SELECT state FROM scraped_courses WHERE spider_name = 'sal'
    AND source_url LIKE '%/Events/cli'`), 'scraped');
});

test('the CMS and the scrapers it started reported no sanitizer errors', () => {
  if (!jobsCms) return;
  const err = jobsCms.stderr();
  assert.doesNotMatch(err, /AddressSanitizer|LeakSanitizer|runtime error:/, err.slice(-4000));
});
