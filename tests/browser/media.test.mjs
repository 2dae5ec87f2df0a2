// Course media in a real browser (issue 8, docs/media.md), against a real
// stack: on a scraped course's page an editor uploads a logo and a
// brochure with the file inputs (the raw file goes as a PUT body), a
// refused file shows the server's message, and after publishing the App's
// course card has the logo and a "Brochure (PDF)" link whose redirect
// serves the uploaded bytes. Screenshots: build/screenshots/media-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { Stack, sleep } from '../integration/lib/stack.mjs';
import { DESKTOP, PHONE, settled } from './lib/browser.mjs';
import {
  createUser as cmsCreateUser, launchChromium, newPage as cmsNewPage, noProblems, psql as cmsPsql,
  shots, signIn as cmsSignIn, waitHeading,
} from './lib/cms.mjs';

const STACK_OFFSET = 2;

const USER = 'mia';
const PASSWORD = 'mia-browser-password-1';
const NAME = 'Browser media course';

// A real 1×1 PNG and a small PDF: the CMS sniffs the bytes.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n');

let stack;
let browser;
let cms;
let appUrl;
let id;

const psql = (which, sql) => cmsPsql(stack, which, sql);

before(async () => {
  stack = new Stack(STACK_OFFSET);
  await stack.up();
  cms = `http://127.0.0.1:${stack.ports.cms}`;
  appUrl = `http://127.0.0.1:${stack.ports.app}`;
  cmsCreateUser(stack, USER, PASSWORD);
  const level = psql('app', 'SELECT min(id) FROM levels');
  const format = psql('app', 'SELECT min(id) FROM formats');
  const category = psql('app', 'SELECT min(id) FROM vertical_categories');
  // Within the browser's default range (today to 31 December next year).
  const start = `${new Date().getFullYear() + 1}-03-01T09:00:00+08:00`;
  id = Number(psql('cms', `INSERT INTO scraped_courses
      (name, provider, url, cost, level_id, format_id, cpd_state, cpd_points, dates, category_ids, spider_name,
       source_url, state)
    VALUES ('${NAME}', 'Browser Media Academy', 'https://example.org/courses/media', 100, ${level}, ${format},
      'points', 2, '[{"start": "${start}", "end": null}]', '{${category}}', 'browser_spider',
      'https://example.org/list/media', 'in_review')
    RETURNING id`).split('\n')[0]);
  browser = await launchChromium();
});

after(async () => {
  if (browser) { try { await browser.close(); } catch { /* gone */ } }
  if (stack) await stack.down();
});

test('upload a logo and a brochure on the course page; a wrong file shows the server\'s message', async () => {
  const page = await cmsNewPage(browser, { viewport: DESKTOP, baseURL: cms, timeout: 15_000 });
  await cmsSignIn(page, USER, PASSWORD);
  await waitHeading(page, 'Dashboard');
  await page.goto(`/cms/courses/review/${id}`);
  await waitHeading(page, NAME);
  await settled(page);
  const media = page.getByTestId('course-media');
  await media.getByText('None yet.').first().waitFor();

  await page.getByLabel('Logo (PNG, JPEG or WebP)').setInputFiles({ name: 'academy logo.png', mimeType: 'image/png', buffer: PNG });
  await page.getByRole('status').filter({ hasText: 'Logo (PNG, JPEG or WebP): uploaded.' }).waitFor();
  await media.getByRole('link', { name: 'academy logo.png' }).waitFor();
  // The preview loads through the signed URL (same origin on the CMS).
  await page.waitForFunction(() => {
    const img = document.querySelector('.media-logo');
    return img && img.complete && img.naturalWidth === 1;
  });
  await page.getByLabel('Brochure (PDF)').setInputFiles({ name: 'brochure.pdf', mimeType: 'application/pdf', buffer: PDF });
  await page.getByRole('status').filter({ hasText: 'Brochure (PDF): uploaded.' }).waitFor();
  await media.getByRole('link', { name: 'brochure.pdf' }).waitFor();
  assert.equal(psql('cms', `SELECT string_agg(kind || ':' || content_type, ',' ORDER BY kind) FROM uploads
    WHERE target_type = 'scraped_course' AND target_id = ${id} AND detached_at IS NULL`),
  'brochure:application/pdf,logo:image/png');

  // An HTML page passed off as a PNG: 415, shown, nothing stored.
  const before = psql('cms', 'SELECT count(*) FROM uploads');
  await page.getByLabel('Logo (PNG, JPEG or WebP)').setInputFiles({ name: 'evil.png', mimeType: 'image/png', buffer: Buffer.from('<html>no</html>') });
  const alert = page.getByTestId('media-logo').getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /^Not uploaded: .*logo must be a PNG, JPEG or WebP/);
  assert.equal(psql('cms', 'SELECT count(*) FROM uploads'), before);
  await shots(page, 'media-cms-course');
  noProblems(page);
});

test('after publishing, the App card shows the logo and a brochure link that serves the file', async () => {
  const page = await cmsNewPage(browser, { viewport: DESKTOP, baseURL: cms, timeout: 15_000 });
  await cmsSignIn(page, USER, PASSWORD);
  await waitHeading(page, 'Dashboard');
  await page.goto(`/cms/courses/review/${id}`);
  await waitHeading(page, NAME);
  await page.getByTestId('transition-publish').click();
  await page.getByTestId('course-state').filter({ hasText: 'Published' }).waitFor();
  const appId = Number(psql('cms', `SELECT app_course_id FROM scraped_courses WHERE id = ${id}`));
  for (let i = 0; i < 50; i++) {
    const r = await fetch(`${appUrl}/course_browse?q=${encodeURIComponent(NAME)}&og=1`);
    if ((await r.text()).includes('/media/course/')) break;
    await sleep(200);
  }

  const app = await cmsNewPage(browser, { viewport: PHONE, baseURL: appUrl, timeout: 15_000 });
  await app.goto('/courses');
  await app.getByLabel('Search course names').fill(NAME);
  await app.getByRole('button', { name: 'Search', exact: true }).click();
  const card = app.getByTestId('course').filter({ hasText: NAME });
  await card.waitFor();
  assert.equal(await card.locator('img.course-logo').getAttribute('src'), `/media/course/${appId}/logo`);
  assert.equal(await card.locator('img.course-logo').getAttribute('alt'), 'Browser Media Academy logo');
  // The logo loads through the redirect to the CMS, another origin: the
  // App's CSP names the media origin (img-src).
  await app.waitForFunction((n) => [...document.querySelectorAll('[data-testid="course"]')]
    .some((c) => c.textContent.includes(n) && c.querySelector('img.course-logo')?.complete
      && c.querySelector('img.course-logo').naturalWidth === 1), NAME);
  assert.match(await app.evaluate(async () => (await fetch('/healthz')).headers.get('content-security-policy')),
    new RegExp(`img-src 'self' data: ${cms.replace(/[.]/g, '\\.')};`));
  const link = card.getByRole('link', { name: /Brochure \(PDF\)/ });
  assert.equal(await link.getAttribute('href'), `/media/course/${appId}/brochure`);
  await settled(app);
  await shots(app, 'media-app-card');

  // What the link leads to: a redirect to the CMS's signed URL, the bytes.
  const r = await fetch(`${appUrl}/media/course/${appId}/brochure`, { redirect: 'follow' });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/pdf');
  assert.ok(Buffer.from(await r.arrayBuffer()).equals(PDF));
  noProblems(app);
  noProblems(page);
});
