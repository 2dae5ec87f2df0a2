// Browser-test harness: Debian's chromium driven by playwright-core
// (never a downloaded browser), against a real stack started by
// tests/integration/lib/stack.mjs, or against LIFTED_BROWSER_BASE_URL when
// set (an already running App, for working on the tests themselves).
//
// Screenshots go to build/screenshots/ (NAME-WIDTH.png).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

import { REPO, Stack } from '../../integration/lib/stack.mjs';

const require = createRequire(import.meta.url);

export const CHROMIUM = process.env.LIFTED_CHROMIUM || '/usr/bin/chromium';
export const SCREENSHOTS = path.join(REPO, 'build', 'screenshots');

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export const PHONE = { width: 375, height: 812 };
export const DESKTOP = { width: 1280, height: 900 };

function loadPlaywright() {
  try {
    return require('playwright-core');
  } catch {
    throw new Error('playwright-core is missing: run `make deps` (npm ci in tests/)');
  }
}

// Starts the App (a stack of its own, or the given URL) and chromium.
// Returns {baseUrl, browser, newPage(viewport), close()}.
export async function startApp({ stackOffset = 0 } = {}) {
  let stack = null;
  let baseUrl = process.env.LIFTED_BROWSER_BASE_URL || null;
  if (!baseUrl) {
    stack = new Stack(stackOffset);
    await stack.up();
    baseUrl = `http://127.0.0.1:${stack.ports.app}`;
  }
  let browser;
  try {
    const { chromium } = loadPlaywright();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
  } catch (e) {
    if (stack) await stack.down();
    throw e;
  }
  const pages = [];
  return {
    baseUrl,
    stack,
    browser,
    // A fresh context (own sessionStorage) with a page; console errors and
    // CSP violations are collected in page.problems.
    async newPage(viewport = PHONE) {
      const context = await browser.newContext({ viewport, baseURL: baseUrl, serviceWorkers: 'block' });
      const page = await context.newPage();
      page.problems = [];
      page.on('console', (m) => { if (m.type() === 'error') page.problems.push(`console: ${m.text()}`); });
      page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
      page.setDefaultTimeout(10_000);
      pages.push(page);
      return page;
    },
    async close() {
      try { await browser.close(); } catch { /* already gone */ }
      if (stack) await stack.down();
    },
  };
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const vp = page.viewportSize();
  const file = path.join(SCREENSHOTS, `${name}-${vp.width}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// Waits until no course list is marked busy and no status line says it
// is loading.
export async function settled(page) {
  await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]')
    && !document.querySelector('p.status[role="status"]'));
}
