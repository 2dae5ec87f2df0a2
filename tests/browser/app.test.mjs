// The App's single-page app in a real browser (SPEC section 6): the full
// learning-needs review, the legal-tech check, the course browser,
// keyboard use, narrow screens, reload persistence. Expectations are
// computed from the App's own JSON answers, so the tests hold for any
// framework and course data the stack loads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startApp, screenshot, settled, PHONE, DESKTOP } from './lib/browser.mjs';

let app;

before(async () => { app = await startApp({ stackOffset: 0 }); });
after(async () => { if (app) await app.close(); });

async function api(path) {
  const res = await fetch(app.baseUrl + path, { signal: AbortSignal.timeout(10_000) });
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  return res.json();
}

const stars = (score) => Math.min(5, Math.ceil((score / 20) * 2) / 2);

async function heading(page) {
  return (await page.locator('h1').innerText()).trim();
}

function noProblems(page) {
  assert.deepEqual(page.problems, [], 'console errors or CSP violations');
}

// Checks the results screen against the API's answer: categories weakest
// first, stars per score, each category's courses.
async function checkResults(page, expected) {
  await settled(page);
  const cats = Object.entries(expected.competencies).map(([name, v], i) => ({ name, score: v.score, i }));
  cats.sort((a, b) => a.score - b.score || a.i - b.i);
  const sections = page.getByTestId('category-result');
  assert.equal(await sections.count(), cats.length, 'one section per category');
  let coursesShown = 0;
  for (let i = 0; i < cats.length; i++) {
    const s = sections.nth(i);
    assert.equal((await s.locator('h2').innerText()).trim(), cats[i].name, `category ${i}`);
    const n = Number(await s.locator('.stars').getAttribute('data-stars'));
    assert.equal(n, stars(cats[i].score), `${cats[i].name}: stars for score ${cats[i].score}`);
    assert.equal(await s.locator('.stars').getAttribute('aria-label'), `${n} out of 5 stars`);
    const keys = expected.courses.map[cats[i].name] || [];
    const names = await s.locator('.course-name a').allTextContents();
    assert.deepEqual(
      names.map((x) => x.replace(/\s*\(opens the provider's page in a new tab\)$/, '').trim()),
      keys.map((k) => expected.courses.courses[k].name),
      `${cats[i].name}: courses`,
    );
    coursesShown += names.length;
  }
  return { categories: cats.length, courses: coursesShown };
}

test('intro shows the three tiles', async () => {
  const page = await app.newPage(PHONE);
  await page.goto('/');
  const tiles = page.locator('.tiles-intro .tile-title');
  assert.deepEqual(await tiles.allInnerTexts(), [
    'Identify your learning needs', 'Are you legal-tech savvy?', 'Browse CPD courses',
  ]);
  await screenshot(page, 'intro');
  noProblems(page);
});

test('learning needs: vertical, category, needs and courses, full review to the results', async () => {
  const qns = await api('/qns');
  const page = await app.newPage(PHONE);
  await page.goto('/');
  await page.getByRole('link', { name: /Identify your learning needs/ }).click();
  assert.equal(await heading(page), qns.vertical.text);

  // Legal Support when the framework has it: it adds the law firm /
  // in-house step.
  const vertical = qns.vertical.options.find((o) => /legal support/i.test(o.text)) || qns.vertical.options[0];
  const isLs = /legal support/i.test(vertical.text);
  await page.getByTestId('verticals').getByRole('button', { name: vertical.text }).click();
  assert.equal(await heading(page), qns.comp_category.text);
  const cats = qns.comp_category.options[String(vertical.id)];
  assert.deepEqual(await page.getByTestId('categories').locator('.tile-title').allInnerTexts(), cats.map((c) => c.text));

  // The category with the most courses, so that sorting has something to do.
  let category = cats[0];
  let recs = [];
  for (const c of cats) {
    const l = await api(`/course_recs?v=${vertical.id}&c=${c.id}`);
    if (l.length > recs.length) { category = c; recs = l; }
  }
  await page.getByTestId('categories').getByRole('button', { name: category.text, exact: true }).click();
  assert.equal(await heading(page), qns.need.text);
  await settled(page);
  assert.equal(await page.getByTestId('course').count(), recs.length, 'all courses of the category before a need is chosen');

  if (recs.length > 1) {
    await page.getByLabel('Sort by').selectOption('name');
    await settled(page);
    const names = (await page.locator('.course-name a').allInnerTexts()).map((x) => x.split('(opens')[0].trim());
    const sorted = [...names].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' }));
    assert.deepEqual(names, sorted, 'sorted by name');
    await page.getByLabel('Order').selectOption('desc');
    const desc = (await page.locator('.course-name a').allInnerTexts()).map((x) => x.split('(opens')[0].trim());
    assert.deepEqual(desc, [...sorted].reverse().sort((a, b) => -a.localeCompare(b, 'en', { sensitivity: 'base' })), 'descending');
  }

  // A need tile is a toggle; the list follows it.
  const need = qns.need.options[0];
  const needTile = page.getByTestId('needs').getByRole('button', { name: need.text });
  await needTile.click();
  assert.equal(await needTile.getAttribute('aria-pressed'), 'true');
  const filtered = await api(`/course_recs?v=${vertical.id}&c=${category.id}&n=${need.id}`);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="course"]').length === n
    || (n === 0 && document.querySelector('p.empty')), filtered.length);
  await settled(page);
  assert.equal(await page.getByTestId('course').count(), filtered.length, 'courses for the chosen need');

  await page.getByRole('link', { name: 'Full review' }).click();
  if (isLs) {
    assert.equal(await heading(page), qns.where.text);
    await page.getByTestId('where').getByRole('button', { name: qns.where.options[0].text }).click();
  }
  assert.equal(await heading(page), 'What is your job role?');
  await assert.doesNotReject(page.getByText('Select the best fit.').waitFor());
  const org = isLs ? `&o=${encodeURIComponent(qns.where.options[0].id)}` : '';
  const roles = await api(`/roles?v=${vertical.id}${org}`);
  await settled(page);
  const levels = [...new Set(roles.map((r) => r.level))].sort((a, b) => a - b);
  assert.deepEqual(await page.locator('.level h2').allInnerTexts(), levels.map((l) => `Level ${l}`), 'grouped by level');
  // A role that has a next role: the lowest level's first.
  const role = roles.filter((r) => r.level === levels[0])[0];
  await page.getByRole('button', { name: role.name }).first().click();

  assert.equal(await heading(page), qns.goal.text);
  const nextGoal = qns.goal.options.find((o) => o.id === 0);
  await page.getByTestId('goal').getByRole('button', { name: nextGoal.text }).click();

  assert.equal(await heading(page), 'Which role are you preparing for?');
  const next = await api(`/roles?v=${vertical.id}&r=${role.id}${org}`);
  await settled(page);
  assert.ok(next.length > 0, 'the framework has a next role for the first role');
  for (const l of await page.locator('.level h2').allInnerTexts()) {
    const n = Number(l.replace('Level ', ''));
    assert.ok(n === role.level || n === role.level + 1, `next role level ${n} from ${role.level}`);
  }
  await page.getByRole('button', { name: next[0].name }).first().click();

  assert.equal(await heading(page), 'Which of these can you do?');
  const comps = await api(`/diag?r=${next[0].id}`);
  await settled(page);
  const questions = page.getByTestId('question');
  assert.equal(await questions.count(), comps.length);
  assert.ok(comps.length >= 2, 'at least two competencies');

  // Nothing answered: every question is flagged.
  await page.getByRole('button', { name: 'Show me my learning needs' }).click();
  await page.getByTestId('unanswered').waitFor();
  assert.equal(await page.locator('.question-flagged').count(), comps.length);
  assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.name), `q-${comps[0].id}`,
    'focus on the first unanswered question');

  // Answer all but the last, alternating Yes / No; the answers survive a reload.
  for (let i = 0; i < comps.length - 1; i++) {
    await questions.nth(i).getByLabel(i % 3 === 0 ? 'No' : 'Yes').check();
  }
  await page.reload();
  await settled(page);
  assert.equal(await page.locator('.question input:checked').count(), comps.length - 1, 'answers kept over a reload');
  await page.getByRole('button', { name: 'Show me my learning needs' }).click();
  assert.equal(await page.locator('.question-flagged').count(), 1, 'only the unanswered question is flagged');
  assert.match(await page.getByTestId('unanswered').innerText(), /1 question is not answered/);
  await questions.nth(comps.length - 1).getByLabel('Yes').check();
  await page.getByRole('button', { name: 'Show me my learning needs' }).click();

  assert.equal(await heading(page), 'Your learning needs');
  const answers = comps.map((c, i) => `${c.id}=${i === comps.length - 1 ? 0 : (i % 3 === 0 ? 1 : 0)}`).join('&');
  const expected = await api(`/results?v=${vertical.id}&r=${next[0].id}&${answers}`);
  const shown = await checkResults(page, expected);
  assert.ok(shown.categories > 0);
  await screenshot(page, 'review-results');
  await page.setViewportSize(DESKTOP);
  await screenshot(page, 'review-results');

  // The results survive a reload too.
  await page.reload();
  await checkResults(page, expected);
  noProblems(page);
});

test('legal-tech check: tech role, Yes/No, results', async () => {
  const qns = await api('/qns');
  const page = await app.newPage(PHONE);
  await page.goto('/');
  await page.getByRole('link', { name: /Are you legal-tech savvy\?/ }).click();
  assert.equal(await heading(page), qns.tech_role.text);
  const role = qns.tech_role.options[0];
  await page.getByTestId('tech-roles').getByRole('button', { name: role.text }).click();
  const comps = await api(`/techdiag?r=${role.id}`);
  await settled(page);
  const questions = page.getByTestId('question');
  assert.equal(await questions.count(), comps.length);
  for (let i = 0; i < comps.length; i++) await questions.nth(i).getByLabel(i % 2 ? 'Yes' : 'No').check();
  await page.getByRole('button', { name: 'Show me my learning needs' }).click();
  assert.equal(await heading(page), 'Your legal-tech results');
  const answers = comps.map((c, i) => `${c.id}=${i % 2 ? 0 : 1}`).join('&');
  const expected = await api(`/techdiagresults?r=${role.id}&${answers}`);
  const shown = await checkResults(page, expected);
  assert.ok(shown.categories > 0);
  await screenshot(page, 'tech-results');
  await page.setViewportSize(DESKTOP);
  await screenshot(page, 'tech-results');
  noProblems(page);
});

function isoDate(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

async function shownNames(page) {
  return (await page.locator('.course-name a').allInnerTexts()).map((x) => x.split('(opens')[0].trim());
}

async function waitCount(page, total) {
  const want = new RegExp(`^${total} course`);
  await page.waitForFunction((src) => new RegExp(src).test(
    document.querySelector('[data-testid="result-count"]').textContent), want.source);
  await settled(page);
}

test('course browser: default range, search, sort both ways, date filter, entries', async () => {
  const page = await app.newPage(PHONE);
  await page.goto('/courses');
  assert.equal(await heading(page), 'Browse CPD courses');
  const now = new Date();
  const from = isoDate(now);
  const to = `${now.getFullYear() + 1}-12-31`;
  assert.equal(await page.getByLabel('From').inputValue(), from, 'range starts today');
  assert.equal(await page.getByLabel('To').inputValue(), to, 'range ends 31 December next year');

  const all = await api(`/course_browse?sd=${from}&ed=${to}&pg=1&ps=200`);
  assert.ok(all.total > 0, 'the stack has courses to browse');
  await waitCount(page, all.total);
  const first = all.results[0];
  const entry = page.getByTestId('course').first();
  assert.equal(await entry.locator('.course-name a').getAttribute('href'), first.url, 'name links to the provider page');
  const cpdText = await entry.locator('.course-cpd').innerText();
  assert.match(cpdText, /^(\d+(\.\d+)? public CPD points?|Public CPD points: TBC|Private|Not applicable|CPD points not stated)$/);
  assert.match(await entry.locator('.course-cost').innerText(), /^(Free|Cost varies|S\$[\d,]+\.\d\d|Cost not stated)$/);
  assert.match(await entry.locator('.course-date').innerText(), /^(Ongoing|\d{1,2} [A-Z][a-z]{2} \d{4}( – \d{1,2} [A-Z][a-z]{2} \d{4})?)$/);
  // Level and format are behind a disclosure.
  const more = entry.locator('details.course-more');
  assert.equal(await more.locator('.course-level').isVisible(), false);
  await more.locator('summary').click();
  assert.equal(await more.locator('.course-level').innerText(), first.level || 'Not stated');
  assert.equal(await more.locator('.course-format').innerText(), first.format || 'Not stated');
  await screenshot(page, 'courses');

  // Search: a word of the first course's name.
  const word = first.name.split(/\s+/).find((w) => w.length >= 4) || first.name;
  const found = await api(`/course_browse?sd=${from}&ed=${to}&q=${encodeURIComponent(word)}&pg=1&ps=200`);
  await page.getByLabel('Search course names').fill(word.toLowerCase());
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await waitCount(page, found.total);
  for (const n of await shownNames(page)) assert.ok(n.toLowerCase().includes(word.toLowerCase()), `${n} has ${word}`);

  await page.getByRole('button', { name: 'Reset filters' }).click();
  await waitCount(page, all.total);

  // Sort by cost, both ways, as the server orders it.
  for (const [dir, o] of [['asc', 0], ['desc', 1]]) {
    const want = await api(`/course_browse?s=2&o=${o}&sd=${from}&ed=${to}&pg=1&ps=20`);
    await page.getByLabel('Sort by').selectOption('cost');
    await page.getByLabel('Order').selectOption(dir);
    await page.waitForFunction((name) => {
      const a = document.querySelector('.course-name a');
      return a && a.textContent.startsWith(name) && !document.querySelector('[aria-busy="true"]');
    }, want.results[0].name);
    assert.deepEqual(await shownNames(page), want.results.map((c) => c.name), `cost ${dir}`);
  }
  // CPD points, most first.
  const byCpd = await api(`/course_browse?s=1&o=1&sd=${from}&ed=${to}&pg=1&ps=20`);
  await page.getByLabel('Sort by').selectOption('cpd');
  await page.waitForFunction((name) => {
    const a = document.querySelector('.course-name a');
    return a && a.textContent.startsWith(name) && !document.querySelector('[aria-busy="true"]');
  }, byCpd.results[0].name);
  assert.deepEqual(await shownNames(page), byCpd.results.map((c) => c.name), 'CPD descending');

  // Date filter: one month from the first dated course.
  const dated = all.results.find((c) => c.date_range && c.date_range.start);
  if (dated) {
    const d0 = dated.date_range.start.slice(0, 10);
    const d1 = new Date(`${d0}T00:00:00Z`);
    d1.setUTCDate(d1.getUTCDate() + 30);
    const end = d1.toISOString().slice(0, 10);
    const want = await api(`/course_browse?s=1&o=1&sd=${d0}&ed=${end}&pg=1&ps=200`);
    await page.getByLabel('From').fill(d0);
    await page.getByLabel('To').fill(end);
    await waitCount(page, want.total);
    assert.ok(want.total < all.total || want.total === all.total);
  }

  // Everything but the search survives a reload; "from after to" is refused.
  await page.reload();
  assert.equal(await page.getByLabel('Sort by').inputValue(), 'cpd');
  await page.getByLabel('From').fill(`${now.getFullYear() + 2}-01-01`);
  await page.getByRole('alert').filter({ hasText: 'after its end' }).waitFor();

  // "Show more" pages through the list.
  await page.getByRole('button', { name: 'Reset filters' }).click();
  await waitCount(page, all.total);
  if (all.total > 20) {
    assert.equal(await page.getByTestId('course').count(), 20);
    await page.getByRole('button', { name: 'Show more courses' }).click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="course"]').length === n,
      Math.min(40, all.total));
  }
  await page.setViewportSize(DESKTOP);
  await screenshot(page, 'courses');
  noProblems(page);
});

test('keyboard: tiles, choices and focus without a mouse', async () => {
  const qns = await api('/qns');
  const page = await app.newPage(DESKTOP);
  await page.goto('/');
  // Skip link first, then the header links, then the tiles.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
  let found = false;
  for (let i = 0; i < 10 && !found; i++) {
    await page.keyboard.press('Tab');
    found = await page.evaluate(() => document.activeElement.classList.contains('tile'));
  }
  assert.ok(found, 'a tile is reachable with Tab');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none', 'focus is visible');
  await page.keyboard.press('Enter');
  await page.waitForURL('**/needs');
  // The heading takes focus when the new screen has rendered, which can be
  // a moment after the URL changes: wait for it, then check where it is.
  await page
    .waitForFunction(() => document.activeElement.tagName === 'H1', null, { timeout: 5000 })
    .catch(() => {});
  assert.equal(await page.evaluate(() => document.activeElement.tagName), 'H1', 'focus moves to the new screen');
  await page.getByTestId('verticals').waitFor();
  await page.keyboard.press('Tab'); // from the heading to the first vertical tile
  const label = await page.evaluate(() => document.activeElement.textContent);
  assert.equal(label, qns.vertical.options[0].text);
  await page.keyboard.press('Space');
  await page.waitForURL(`**/needs/${qns.vertical.options[0].id}`);
  noProblems(page);
});

test('readable at 320 px: no sideways scrolling', async () => {
  const page = await app.newPage({ width: 320, height: 640 });
  for (const p of ['/', '/needs', '/courses', '/tech']) {
    await page.goto(p);
    await settled(page);
    const w = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(w <= 320, `${p}: ${w} px wide`);
  }
  noProblems(page);
});

test('unknown screen and the licence page', async () => {
  const page = await app.newPage(PHONE);
  await page.goto('/no/such/screen');
  assert.equal(await heading(page), 'Page not found');
  await page.goto('/');
  await page.getByRole('link', { name: /Licences/ }).click();
  await page.waitForURL('**/terms/');
  assert.match(await heading(page), /Licences/);
  noProblems(page);
});
