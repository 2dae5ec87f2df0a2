// Set-up shared by the CMS browser tests: test users from
// `lifted-cms createsuperuser`, SQL on the stack, chromium, pages that
// collect problems, sign-in and checked screenshots.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { binPath, cleanEnv, run } from '../../integration/lib/stack.mjs';
import { CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE, screenshot } from './browser.mjs';

const require = createRequire(import.meta.url);

// A CMS superuser made with the stack's environment.
export function createUser(stack, username, password) {
  const file = path.join(stack.tmpDir('lifted-cms-pw-'), 'pw');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  const r = run(binPath('cms'), ['createsuperuser', '--username', username, '--password-file', file], {
    env: cleanEnv(stack.env), timeoutMs: 60_000,
  });
  assert.equal(r.status, 0, `createsuperuser ${username}: ${r.stdout}${r.stderr}`);
}

// SQL on which ('cms' or 'app'); fails the test when psql does.
export function psql(stack, which, sql) {
  const r = stack.psql(which, sql);
  assert.equal(r.status, 0, `psql ${which}: ${r.stdout}${r.stderr}`);
  return r.stdout.trim();
}

export function launchChromium() {
  const { chromium } = require('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

// A fresh browser context (own cookies) on baseURL. Console errors, page
// errors and CSP violations are collected in page.problems; a failed
// resource load whose status `expected` matches is left out (the 401 of
// the login page's session check, answers the test provokes on purpose).
export async function newPage(browser, { viewport = PHONE, baseURL, timeout, expected = /4\d\d/ }) {
  const context = await browser.newContext({ viewport, baseURL, serviceWorkers: 'block' });
  const page = await context.newPage();
  page.problems = [];
  const failed = new RegExp(`^Failed to load resource: the server responded with a status of ${expected.source}`);
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (failed.test(m.text())) return;
    page.problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  page.setDefaultTimeout(timeout);
  return page;
}

export function noProblems(page) {
  assert.deepEqual(page.problems, [], 'console errors or CSP violations');
}

export async function waitHeading(page, text) {
  await page.locator('h1', { hasText: text }).waitFor();
}

export async function noSidewaysScroll(page) {
  const w = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(w <= 0, `page scrolls sideways by ${w}px`);
}

// Screenshots at 375 px and 1280 px (build/screenshots/NAME-WIDTH.png),
// each width checked for sideways scrolling; with narrow, also checked
// once at 320 px without a screenshot. The page keeps its own size.
export async function shots(page, name, { narrow = false } = {}) {
  const own = page.viewportSize();
  if (narrow) {
    await page.setViewportSize({ width: 320, height: 700 });
    await noSidewaysScroll(page);
  }
  for (const vp of [PHONE, DESKTOP]) {
    await page.setViewportSize(vp);
    await noSidewaysScroll(page);
    await screenshot(page, name);
  }
  await page.setViewportSize(own);
}

// Fills in and submits the login screen (waits for nothing after).
export async function signIn(page, username, password) {
  await page.goto('/cms/login');
  await waitHeading(page, 'Sign in');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
