// The CMS's Scrapers page in a real browser (SPEC sections 7 and 8,
// issue 6), against a real stack: the `sal` spider is pointed at a small
// fixture site served by this file (LIFTED_SPIDER_SAL_BASE_URL in the
// environment of an extra CMS, whose scraper children inherit it); a
// scrape started from the page runs to the end with its counts and log
// shown live; a second start while one runs is refused (409) and said
// so; a job on a slow page is cancelled from its page; proposed refreshes
// of a published course are dismissed and applied.
// Screenshots: build/screenshots/cms-scrapers-*-{375,1280}.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';

import { Stack, sleep } from '../integration/lib/stack.mjs';
import { DESKTOP, PHONE } from './lib/browser.mjs';
import {
  createUser as cmsCreateUser, launchChromium, newPage as cmsNewPage, noProblems, psql as cmsPsql,
  shots as cmsShots, signIn as cmsSignIn, waitHeading,
} from './lib/cms.mjs';

// Its own block of ports: app.test.mjs uses offset 0, cms.test.mjs 1,
// cms_courses.test.mjs 4, the integration files 0-2, 6-10, 13, 15, 16.
const STACK_OFFSET = 5;

const USER = 'sally';
const PASSWORD = 'sally-browser-password-1';

let stack;
let browser;
let cms;
let fixture;

// --- the fixture site ---------------------------------------------------------

// The SAL event list as SPEC section 8 records it: `.list-item` entries
// with a `.Title`, a link, `.startDate` and `.endDate`; one entry has no
// link (skipped and logged). With `slow` set the list answers only after
// `slowMs`, longer than the scraper's lease renewal (5 s, when it reads
// cancel_requested), so a job stays running long enough to be cancelled.
const SAL_LIST = `<!DOCTYPE html>
<html><head><title>Events</title></head><body>
<nav><a href="/">Home</a> <a href="/Events">Events</a></nav>
<div class="events">
  <div class="list-item">
    <a href="/Events/Event-Details/browser-contracts"><span class="Title">  BROWSER CONTRACT   DRAFTING </span></a>
    <span class="startDate">01 Mar 2027</span><span class="endDate">02 Mar 2027</span>
  </div>
  <div class="list-item">
    <a href="/Events/Event-Details/browser-evidence"><span class="Title">Browser evidence &amp; witnesses</span></a>
    <span class="startDate">15 Apr 2027</span><span class="endDate">15 Apr 2027</span>
  </div>
  <div class="list-item">
    <a href="/Events/Event-Details/browser-ethics"><span class="Title">Browser <b>ethics</b> update</span></a>
  </div>
  <div class="list-item">
    <span class="Title">Browser entry without a link</span>
    <span class="startDate">20 May 2027</span><span class="endDate">20 May 2027</span>
  </div>
</div>
</body></html>
`;

function startFixture() {
  const state = { slow: false, slowMs: 10_000, requests: [] };
  const server = http.createServer((req, res) => {
    state.requests.push(req.url);
    if (req.url === '/robots.txt' || req.url.endsWith('/robots.txt')) {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('User-agent: *\nAllow: /\n');
      return;
    }
    if (/\/Events\/View-All-Events/.test(req.url)) {
      const send = () => {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(SAL_LIST);
      };
      if (state.slow) setTimeout(send, state.slowMs); else send();
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not here\n');
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      state.port = server.address().port;
      state.close = () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); });
      resolve(state);
    });
  });
}

// --- helpers ------------------------------------------------------------------

// Shared set-up: ./lib/cms.mjs. A failed load is no problem only for the
// 401 of the login page's session check and the 409 the test provokes on
// purpose.
const psql = (which, sql) => cmsPsql(stack, which, sql);
const createUser = (username, password) => cmsCreateUser(stack, username, password);
const newPage = (viewport = PHONE) => cmsNewPage(browser, { viewport, baseURL: cms, timeout: 15_000, expected: /40[19]/ });
// Checked also at 320 px.
const shots = (page, name) => cmsShots(page, name, { narrow: true });

async function signIn(page) {
  await cmsSignIn(page, USER, PASSWORD);
  await waitHeading(page, 'Dashboard');
}

const salRow = (page) => page.locator('[data-testid="spider"][data-spider="sal"]');

async function openScrapers(page) {
  await page.goto('/cms/scrapers');
  await waitHeading(page, 'Scrapers');
  await salRow(page).waitFor();
}

// The job's state as the page shows it, waited for.
async function waitState(page, state, timeout = 45_000) {
  await page.locator(`[data-testid="job-state"][data-state="${state}"]`).first().waitFor({ timeout });
}

async function counts(locator) {
  const out = {};
  for (const el of await locator.locator('[data-count]').all()) {
    out[await el.getAttribute('data-count')] = (await el.locator('dd').innerText()).trim();
  }
  return out;
}

// A course published in the App with its scraped row, and a refresh of
// it proposed as a re-scrape would leave it.
function seedProposal({ name, newName, source }) {
  const q = (x) => `'${x.replace(/'/g, "''")}'`;
  const url = `https://example.org/courses/${source}`;
  const appId = psql('app', `INSERT INTO courses (name, provider, url, spider_name, cpd_state, cpd_points)
    VALUES (${q(name)}, 'Browser Law Academy', ${q(url)}, 'sal', 'points', 2) RETURNING id`).split('\n')[0];
  psql('app', `INSERT INTO course_dates (course_id, start_at, end_at)
    VALUES (${appId}, '2027-06-01T09:00:00+08:00', '2027-06-01T17:00:00+08:00')`);
  const scrapedId = psql('cms', `INSERT INTO scraped_courses
      (name, provider, url, cpd_state, cpd_points, dates, spider_name, source_url, state, app_course_id)
    VALUES (${q(name)}, 'Browser Law Academy', ${q(url)}, 'points', 2,
      '[{"start": "2027-06-01T09:00:00+08:00", "end": "2027-06-01T17:00:00+08:00"}]', 'sal', ${q(url)}, 'published', ${appId})
    RETURNING id`).split('\n')[0];
  const proposed = JSON.stringify({
    name: newName, cpd_state: 'points', cpd_points: 3,
    dates: [{ start: '2027-06-08T09:00:00+08:00', end: '2027-06-08T17:00:00+08:00' }],
  });
  psql('cms', `INSERT INTO scraper_proposals (scraped_course_id, app_course_id, proposed)
    VALUES (${scrapedId}, ${appId}, ${q(proposed)})`);
  return Number(appId);
}

const jobIdOf = (page) => Number(/\/cms\/scrapers\/jobs\/(\d+)$/.exec(new URL(page.url()).pathname)[1]);

// --- set-up -------------------------------------------------------------------

before(async () => {
  stack = new Stack(STACK_OFFSET);
  await stack.up();
  fixture = await startFixture();
  // An extra CMS whose environment points the `sal` spider at the
  // fixture; the scraper it starts inherits it.
  const server = await stack.startServer('cms', {
    LIFTED_SPIDER_SAL_BASE_URL: `http://127.0.0.1:${fixture.port}/sal`,
    LIFTED_SCRAPER_DELAY_MS: 0,
    LIFTED_SCRAPER_RETRIES: 0,
    LIFTED_SCRAPER_TIMEOUT_S: 30,
  });
  cms = `http://127.0.0.1:${server.port}`;
  createUser(USER, PASSWORD);
  browser = await launchChromium();
});

after(async () => {
  if (browser) { try { await browser.close(); } catch { /* gone */ } }
  if (stack) await stack.down();
  if (fixture) await fixture.close();
});

// --- tests --------------------------------------------------------------------

test('a scrape started from the page runs to the end with counts and log', async () => {
  const page = await newPage(DESKTOP);
  await signIn(page);
  await page.getByTestId('dashboard').getByRole('link', { name: /Scrapers/ }).click();
  await waitHeading(page, 'Scrapers');
  const row = salRow(page);
  await row.waitFor();
  await row.getByTestId('job-state').filter({ hasText: 'Never run' }).waitFor();

  // By keyboard: the Scrape button of the sal spider, Enter.
  await row.getByTestId('scrape').focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/cms\/scrapers\/jobs\/\d+$/);
  const id = jobIdOf(page);
  await waitHeading(page, `Job ${id}`);
  await waitState(page, 'succeeded');
  assert.match(await page.getByTestId('job-announce').innerText(), /succeeded/);

  // The counts on the page are the job row's.
  const db = psql('cms', `SELECT found || ' ' || inserted || ' ' || skipped || ' ' || state FROM scraper_jobs WHERE id = ${id}`);
  const [found, inserted, skipped, state] = db.split(' ');
  assert.equal(state, 'succeeded');
  assert.equal(Number(found), 3, 'three entries with a link');
  const c = await counts(page.getByTestId('job-counts'));
  assert.equal(c.found, found);
  assert.equal(c.new, inserted);
  assert.equal(c.skipped, skipped);
  // The log: every line of the job, once, in order.
  const lines = Number(psql('cms', `SELECT count(*) FROM scraper_job_log WHERE job_id = ${id}`));
  assert.ok(lines > 0, 'the job logged something');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="job-log"] li').length === n, lines);
  assert.equal(await page.getByRole('button', { name: 'Cancel job' }).count(), 0, 'no Cancel once ended');
  assert.equal(psql('cms', "SELECT count(*) FROM scraped_courses WHERE spider_name = 'sal'"), inserted);
  await shots(page, 'cms-scrapers-job');

  // Back on the list: the last job with its counts.
  await page.getByRole('link', { name: '← Scrapers' }).click();
  await waitHeading(page, 'Scrapers');
  await salRow(page).locator('[data-testid="job-state"][data-state="succeeded"]').waitFor();
  assert.equal((await counts(salRow(page).getByTestId('spider-counts'))).found, found);
  await shots(page, 'cms-scrapers-list');
  noProblems(page);
});

test('a second start is refused with a message; a slow job is cancelled', async () => {
  fixture.slow = true;
  const a = await newPage(PHONE);
  const b = await newPage(DESKTOP);
  await signIn(a);
  await signIn(b);
  await openScrapers(a);
  await openScrapers(b);
  await salRow(b).getByTestId('scrape').waitFor();
  assert.equal(await salRow(b).getByTestId('scrape').isDisabled(), false);

  // A starts; B's page, loaded before, still offers Scrape: the server
  // refuses it (409) and B says so.
  await salRow(a).getByTestId('scrape').click();
  await a.waitForURL(/\/cms\/scrapers\/jobs\/\d+$/);
  const id = jobIdOf(a);
  await salRow(b).getByTestId('scrape').click();
  const refusal = salRow(b).getByRole('alert');
  await refusal.waitFor();
  assert.match(await refusal.innerText(), /already running/i);
  // B's list then shows the running job, its button disabled.
  await salRow(b).locator('[data-testid="job-state"][data-state="running"], [data-testid="job-state"][data-state="queued"]').waitFor();
  assert.equal(await salRow(b).getByTestId('scrape').isDisabled(), true);
  await shots(b, 'cms-scrapers-refused');
  assert.equal(psql('cms', "SELECT count(*) FROM scraper_jobs WHERE spider = 'sal' AND state IN ('queued', 'running')"), '1');

  // A follows its job live and cancels it.
  await waitState(a, 'running');
  assert.match(await a.getByTestId('job-announce').innerText(), /running/);
  await shots(a, 'cms-scrapers-running');
  await a.getByRole('button', { name: 'Cancel job' }).click();
  await a.getByRole('status').filter({ hasText: 'Cancellation requested' }).waitFor();
  await waitState(a, 'cancelled');
  assert.match(await a.getByTestId('job-announce').innerText(), /cancelled/);
  assert.equal(psql('cms', `SELECT state FROM scraper_jobs WHERE id = ${id}`), 'cancelled');
  // Nothing removed: the rows of the first run are all still there.
  assert.ok(Number(psql('cms', "SELECT count(*) FROM scraped_courses WHERE spider_name = 'sal'")) > 0);
  assert.match(psql('cms', `SELECT string_agg(action, ',') FROM audit_log WHERE action LIKE 'scraper.%'`), /scraper\.cancel/);
  await shots(a, 'cms-scrapers-cancelled');
  fixture.slow = false;
  noProblems(a);
  noProblems(b);
});

test('proposed refreshes of published courses: dismiss one, apply one', async () => {
  const kept = seedProposal({ name: 'Browser mediation basics', newName: 'Browser mediation basics (moved)', source: 'p1' });
  const applied = seedProposal({ name: 'Browser arbitration clinic', newName: 'Browser arbitration clinic, renamed', source: 'p2' });
  const page = await newPage(PHONE);
  await signIn(page);
  await openScrapers(page);
  const list = page.getByTestId('proposals');
  const one = list.getByTestId('proposal').filter({ hasText: 'Browser mediation basics' });
  const two = list.getByTestId('proposal').filter({ hasText: 'Browser arbitration clinic' });
  await one.waitFor();
  await two.waitFor();
  // Old → new per field.
  const name = two.locator('[data-field="name"]');
  assert.equal(await name.locator('del').innerText(), 'Browser arbitration clinic');
  assert.equal(await name.locator('ins').innerText(), 'Browser arbitration clinic, renamed');
  // Only the fields that differ.
  assert.equal(await two.locator('[data-field]').count(), 3, 'name, dates, CPD points');
  await shots(page, 'cms-scrapers-proposals');

  await one.getByRole('button', { name: 'Dismiss' }).click();
  await page.getByRole('status').filter({ hasText: 'dismissed' }).waitFor();
  await one.waitFor({ state: 'detached' });
  assert.equal(psql('app', `SELECT name FROM courses WHERE id = ${kept}`), 'Browser mediation basics');

  await two.getByRole('button', { name: 'Apply' }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('status').filter({ hasText: 'refreshed in the App' }).waitFor();
  await two.waitFor({ state: 'detached' });
  // The buttons went with the proposal: focus is on the outcome.
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('role')), 'status');
  assert.equal(psql('app', `SELECT name FROM courses WHERE id = ${applied}`), 'Browser arbitration clinic, renamed');
  assert.equal(psql('cms', "SELECT string_agg(state, ',' ORDER BY id) FROM scraper_proposals"), 'dismissed,applied');
  noProblems(page);
});
