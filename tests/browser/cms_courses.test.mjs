// The CMS's course pages in a real browser (SPEC section 7, issue 5),
// against a real stack: a scraped course (seeded with SQL as the CMS
// cluster's superuser) is edited, sent to review and published, and the
// App lists it without a restart; a validation error from the server is
// shown next to its field and changes nothing; the workflow diagram
// renders. Screenshots: build/screenshots/cms-courses-*-{375,1280}.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';

import { REPO, Stack, sleep } from '../integration/lib/stack.mjs';
import { DESKTOP, PHONE, settled } from './lib/browser.mjs';
import {
  createUser as cmsCreateUser, launchChromium, newPage as cmsNewPage, noProblems, psql as cmsPsql,
  shots as cmsShots, signIn as cmsSignIn, waitHeading,
} from './lib/cms.mjs';

// Its own block of ports: app.test.mjs uses offset 0, cms.test.mjs 1, the
// integration files 0-2, 6-10, 13, 15, 16.
const STACK_OFFSET = 4;

const USER = 'cora';
const PASSWORD = 'cora-browser-password-1';

let stack;
let browser;
let cms;
let appUrl;
let ids = {};

// A scraped row as a spider would leave it, with ids of the App's lists.
function seedScraped({ name, provider, cost = 'NULL', source }) {
  const level = psql('app', 'SELECT min(id) FROM levels');
  const format = psql('app', 'SELECT min(id) FROM formats');
  const category = psql('app', 'SELECT min(id) FROM vertical_categories');
  const q = (s) => `'${s.replace(/'/g, "''")}'`;
  return Number(psql('cms', `INSERT INTO scraped_courses
      (name, provider, url, cost, level_id, format_id, cpd_state, cpd_points, dates, category_ids, spider_name, source_url)
    VALUES (${q(name)}, ${q(provider)}, 'https://example.org/courses/${source}', ${cost}, ${level}, ${format}, 'points', 2,
      '[{"start": "2027-03-01T09:00:00+08:00", "end": "2027-03-02T17:00:00+08:00"}]', '{${category}}',
      'browser_spider', 'https://example.org/list/${source}')
    RETURNING id`).split('\n')[0]);
}

before(async () => {
  stack = new Stack(STACK_OFFSET);
  await stack.up();
  cms = `http://127.0.0.1:${stack.ports.cms}`;
  appUrl = `http://127.0.0.1:${stack.ports.app}`;
  createUser(USER, PASSWORD);
  ids.publish = seedScraped({ name: 'Browser contract drafting', provider: 'Browser Law Academy', cost: '150', source: 'a' });
  // Same name and start date from another provider: a likely duplicate.
  ids.duplicate = seedScraped({ name: 'Browser contract drafting', provider: 'Browser Other Provider', cost: '90', source: 'c' });
  ids.invalid = seedScraped({ name: 'Browser evidence workshop', provider: 'Browser Law Academy', cost: '80', source: 'b' });
  browser = await launchChromium();
});

after(async () => {
  if (browser) { try { await browser.close(); } catch { /* gone */ } }
  if (stack) await stack.down();
});

// Shared set-up: ./lib/cms.mjs. A failed load with any 4xx is no problem
// (a validation error the test provokes on purpose).
const psql = (which, sql) => cmsPsql(stack, which, sql);
const createUser = (username, password) => cmsCreateUser(stack, username, password);
const newPage = (viewport = PHONE) => cmsNewPage(browser, { viewport, baseURL: cms, timeout: 15_000 });
// Checked also at 320 px.
const shots = (page, name) => cmsShots(page, name, { narrow: true });

async function signIn(page) {
  await cmsSignIn(page, USER, PASSWORD);
  await waitHeading(page, 'Dashboard');
}

async function appBrowse(q) {
  const res = await fetch(`${appUrl}/course_browse?q=${encodeURIComponent(q)}&og=1`);
  assert.equal(res.status, 200);
  return res.json();
}

// --- tests --------------------------------------------------------------------

test('edit a scraped course, send it to review, publish it: the App lists it', async () => {
  const page = await newPage(DESKTOP);
  await signIn(page);
  const tiles = page.getByTestId('dashboard');
  for (const t of ['Review queue', 'Published courses', 'Framework import']) {
    await assert.doesNotReject(tiles.getByRole('link', { name: new RegExp(t) }).waitFor(), t);
  }
  await shots(page, 'cms-courses-dashboard');

  // The review queue, searched by keyboard.
  await tiles.getByRole('link', { name: /Review queue/ }).click();
  await waitHeading(page, 'Courses');
  await page.getByLabel('Search names').fill('Browser');
  await page.getByLabel('Search names').press('Enter');
  await settled(page);
  await page.waitForFunction(() => /[?&]q=Browser/.test(window.location.search));
  const rows = page.getByTestId('course-row');
  await rows.filter({ hasText: 'Browser Law Academy' }).filter({ hasText: 'Browser contract drafting' }).waitFor();
  assert.equal(await rows.count(), 3);
  // The two rows of the same course from two providers are flagged.
  assert.equal(await rows.filter({ hasText: 'Browser contract drafting' }).getByTestId('duplicate-flag').count(), 2);
  assert.equal(await rows.filter({ hasText: 'Browser evidence workshop' }).getByTestId('duplicate-flag').count(), 0);
  await shots(page, 'cms-courses-queue');

  // The editor: rename, a comment, save.
  await rows.filter({ hasText: 'Browser Law Academy' }).filter({ hasText: 'Browser contract drafting' }).getByRole('link').click();
  await waitHeading(page, 'Browser contract drafting');
  assert.equal(new URL(page.url()).pathname, `/cms/courses/review/${ids.publish}`);
  await settled(page);
  await page.getByTestId('duplicates').getByRole('link', { name: /Course|Browser/ }).first().waitFor();
  assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Browser contract drafting');
  assert.equal(await page.getByLabel('Provider', { exact: true }).inputValue(), 'Browser Law Academy');
  assert.equal(await page.getByLabel('Run 1: start').inputValue(), '2027-03-01');
  await page.getByLabel('Name', { exact: true }).fill('Browser contract drafting, edited');
  await page.getByLabel('Comment on this change').fill('clearer name');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  await waitHeading(page, 'Browser contract drafting, edited');
  assert.equal(psql('cms', `SELECT name FROM scraped_courses WHERE id = ${ids.publish}`), 'Browser contract drafting, edited');
  const history = page.getByTestId('history');
  await history.getByText('Browser contract drafting, edited').first().waitFor();
  await history.getByText('clearer name').waitFor();

  // The workflow: scraped → in review → published, with comments.
  await page.getByLabel('Comment (goes into the history)').fill('looks right');
  await page.getByTestId('transition-submit').click();
  await page.getByTestId('course-state').filter({ hasText: 'In review' }).waitFor();
  await page.getByLabel('Comment (goes into the history)').fill('ship it');
  await page.getByTestId('transition-publish').click();
  await page.getByTestId('course-state').filter({ hasText: 'Published' }).waitFor();
  await history.getByText('ship it').waitFor();
  await settled(page);
  await shots(page, 'cms-courses-editor');
  assert.equal(psql('cms', `SELECT state FROM scraped_courses WHERE id = ${ids.publish}`), 'published');

  // The App serves it without a restart (NOTIFY), once.
  let found = [];
  for (let i = 0; i < 50; i++) {
    found = (await appBrowse('Browser contract drafting, edited')).filter((c) => c.name === 'Browser contract drafting, edited');
    if (found.length) break;
    await sleep(200);
  }
  assert.equal(found.length, 1, 'the published course in /course_browse');
  assert.equal(found[0].provider, 'Browser Law Academy');

  // The Published tab lists it.
  await page.goto('/cms/courses/published?q=Browser');
  await waitHeading(page, 'Courses');
  await settled(page);
  await page.getByTestId('course-row').filter({ hasText: 'Browser contract drafting, edited' }).waitFor();
  await shots(page, 'cms-courses-published');
  noProblems(page);
});

test('a validation error is shown next to its field and changes nothing', async () => {
  const page = await newPage(PHONE);
  await signIn(page);
  await page.goto(`/cms/courses/review/${ids.invalid}`);
  await waitHeading(page, 'Browser evidence workshop');
  await settled(page);
  await page.getByLabel('Cost (SGD)').fill('12.345');
  await page.getByLabel('URL', { exact: true }).fill('not a link');
  // Enter in a field sends the form (keyboard use).
  await page.getByLabel('URL', { exact: true }).press('Enter');
  const costError = page.getByTestId('error-cost');
  await costError.waitFor();
  assert.ok((await costError.innerText()).length > 0);
  assert.equal(await page.getByLabel('Cost (SGD)').getAttribute('aria-invalid'), 'true');
  await page.getByTestId('error-url').waitFor();
  await page.getByRole('alert').first().waitFor();
  // Focus goes to the first field with a message (moved just after the
  // messages render): wait for it, then check.
  await page
    .waitForFunction(() => document.activeElement && document.activeElement.getAttribute('aria-invalid') === 'true', null, { timeout: 5000 })
    .catch(() => {});
  assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.getAttribute('aria-invalid')), 'true');
  await shots(page, 'cms-courses-validation');
  assert.equal(psql('cms', `SELECT cost || ' ' || url FROM scraped_courses WHERE id = ${ids.invalid}`),
    '80.00 https://example.org/courses/b');

  // A workflow step from a state the course has left meanwhile: the
  // server's 409 is shown with the workflow buttons, nothing changes.
  psql('cms', `UPDATE scraped_courses SET state = 'dismissed' WHERE id = ${ids.invalid}`);
  await page.getByTestId('transition-submit').click();
  const alert = page.locator('.workflow-actions [role="alert"]');
  await alert.waitFor();
  assert.ok((await alert.innerText()).length > 0);
  assert.equal(psql('cms', `SELECT state FROM scraped_courses WHERE id = ${ids.invalid}`), 'dismissed');
  noProblems(page);
});

test('the workflow diagram renders; reconcile on demand', async () => {
  const page = await newPage(DESKTOP);
  await signIn(page);
  const answers = [];
  page.on('response', (r) => { if (r.url().endsWith('/cms/api/workflow.svg')) answers.push(`${r.status()} ${r.headers()['content-type']}`); });
  await page.goto('/cms/courses');
  await waitHeading(page, 'Courses');
  // Reconcile on demand: every published course is already marked.
  await page.getByRole('button', { name: 'Reconcile with the App' }).click();
  await page.getByRole('status').filter({ hasText: 'Nothing to repair' }).waitFor();
  await page.getByText('The workflow').click();
  const img = page.getByTestId('workflow-diagram');
  await img.waitFor();
  assert.match(await img.getAttribute('alt'), /Workflow diagram/);
  await page.waitForFunction(() => {
    const i = document.querySelector('[data-testid="workflow-diagram"]');
    return i && i.complete && i.naturalWidth > 0;
  }).catch((e) => { throw new Error(`the diagram did not load (answers: ${answers.join(', ') || 'none'}): ${e.message}`); });
  assert.ok(answers.every((a) => a.startsWith('200 image/svg+xml')), answers.join(', '));
  await shots(page, 'cms-courses-workflow');
  noProblems(page);
});

test('framework import: the sheets uploaded, checked, applied', async () => {
  const page = await newPage(PHONE);
  await signIn(page);
  await page.getByTestId('dashboard').getByRole('link', { name: /Framework import/ }).click();
  await waitHeading(page, 'Framework import');
  const dir = path.join(REPO, 'frameworks_data');
  const files = readdirSync(dir).filter((f) => f.endsWith('.csv')).map((f) => path.join(dir, f));
  assert.ok(files.length >= 8, 'the sample sheets');
  await page.getByLabel('Sheet files (.ods or .csv)').setInputFiles(files);
  // Each file is matched to its sheet by its name.
  assert.equal(await page.getByTestId('upload-row').count(), files.length);
  assert.equal(await page.getByTestId('upload-row').filter({ hasText: 'tech_competencies.csv' }).getByLabel('Sheet').inputValue(),
    'tech_competencies');
  await page.getByRole('button', { name: 'Upload and check' }).click();
  await page.getByTestId('report-summary').filter({ hasText: 'No errors.' }).waitFor({ timeout: 30_000 });
  await page.getByTestId('diff').waitFor();
  await shots(page, 'cms-courses-framework-check');
  const chosen = await page.getByTestId('upload-row').getByLabel('Sheet').evaluateAll((ss) => ss.map((x) => x.value));
  assert.deepEqual(chosen.slice().sort(), files.map((f) => path.basename(f, '.csv')).sort());
  await page.getByRole('button', { name: 'Apply to the App' }).click();
  await page.getByTestId('applied').waitFor({ timeout: 30_000 });
  assert.equal(await page.getByRole('link', { name: 'Open the App' }).getAttribute('href'), '/');
  await shots(page, 'cms-courses-framework-applied');
  noProblems(page);
});
