// Courses in the CMS (issue 5; docs/cms-courses.md): scraped rows and
// their workflow, publishing into the App database through the router,
// reconcile, provider-scoped editors, validation, duplicates, provider
// suggestions and the audit rows, over real HTTP against a real stack.
//
// Scraped courses are seeded with SQL as the CMS superuser (the scraper's
// job); everything else goes through the API under test. Every refusal is
// checked for changing nothing in either database.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { Stack, get, waitFor } from './lib/stack.mjs';
import { createSuperuser, login as cmsLogin, staffWith, sqlOn, scrapedSeeder } from './lib/cms.mjs';

const stack = new Stack(15);
let CMS;
let APP;

const ADMIN = 'chief';
const ADMIN_PW = 'chief-password-123';
let admin;

// Client: ./lib/cms.mjs.
const login = (username, password) => cmsLogin(CMS, username, password);

const newStaff = (username, permissions, providers = []) => staffWith(admin, username, permissions, { providers });

const sql = (which, text) => sqlOn(stack, which, text);

// A scraped row as the scraper would write it; returns its id.
const seed = scrapedSeeder(stack, { name: 'Scraped course', url: 'https://example.org/c/', spider: 'spider_a' });

const cmsState = (id) => sql('cms', `SELECT state FROM scraped_courses WHERE id = ${id}`);
const appCount = (id) => Number(sql('app', `SELECT count(*) FROM courses WHERE source_ref = 'cms:${id}'`));
const auditCount = () => Number(sql('cms', 'SELECT count(*) FROM audit_log'));
const auditFor = (id) => sql('cms', `SELECT action FROM audit_log WHERE target_type = 'scraped_course'
  AND target_id = '${id}' ORDER BY id`).split('\n').filter(Boolean);

async function transition(c, id, name, comment) {
  return c.post('/cms/api/courses/transition', { id, transition: name, comment });
}

async function publish(c, id) {
  const s = await transition(c, id, 'submit');
  assert.equal(s.status, 200, s.body);
  return transition(c, id, 'publish', 'ready');
}

before(async () => {
  await stack.up();
  CMS = stack.ports.cms;
  APP = stack.ports.app;
  createSuperuser(stack, ADMIN, ADMIN_PW);
  admin = await login(ADMIN, ADMIN_PW);
});

after(async () => {
  await stack.down();
});

test('the workflow table and its DOT', async () => {
  const r = await admin.get('/cms/api/courses/workflow');
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(r.json.states, ['scraped', 'in_review', 'published', 'archived', 'dismissed']);
  const t = Object.fromEntries(r.json.transitions.map((x) => [x.name, x]));
  assert.deepEqual(t.publish, { name: 'publish', label: 'publish', from: ['in_review'], to: 'published', permission: 'courses.publish' });
  assert.deepEqual(t.review.from, ['dismissed', 'archived', 'published']);
  assert.match(r.json.dot, /^digraph workflow \{/);
  assert.match(r.json.dot, /"in_review" -> "published" \[label="publish\\n\(courses\.publish\)"\];/);
});

test('publish: in the App without a restart, with dates, CPD, tags; audit rows; history', async () => {
  const name = `Publishing Works ${Date.now()}`;
  const id = seed({ name, category_ids: [1, 2] });
  const before = auditCount();
  const r = await publish(admin, id);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.state, 'published');
  assert.ok(r.json.app_course_id > 0);
  assert.equal(cmsState(id), 'published');
  assert.equal(appCount(id), 1);
  assert.equal(auditCount(), before + 2);
  assert.deepEqual(auditFor(id), ['course.submit', 'course.publish']);
  const row = sql('app', `SELECT c.cpd_state, c.cpd_points, c.level_id, c.format_id,
    (SELECT count(*) FROM course_dates d WHERE d.course_id = c.id),
    (SELECT string_agg(vertical_category_id::text, ',' ORDER BY 1) FROM course_categories WHERE course_id = c.id)
    FROM courses c WHERE source_ref = 'cms:${id}'`);
  assert.equal(row, 'points|3.00|1|2|1|1,2');

  // The App picks it up through NOTIFY.
  await waitFor(async () => (await get(APP, `/course_browse?q=${encodeURIComponent(name)}`)).body.includes(name),
    { timeoutMs: 5000, intervalMs: 200, what: 'published course in /course_browse' });
  const [v, key] = sql('app', 'SELECT vertical_id, key FROM vertical_categories WHERE id = 1').split('|');
  await waitFor(async () => (await get(APP, `/course_recs?v=${v}&c=${key}`)).body.includes(name),
    { timeoutMs: 5000, intervalMs: 200, what: 'published course in /course_recs' });

  const h = await admin.get(`/cms/api/courses/history?id=${id}`);
  assert.equal(h.status, 200, h.body);
  assert.deepEqual(h.json.results.map((x) => x.action), ['course.submit', 'course.publish']);
  assert.deepEqual(h.json.results[1].before, { state: 'in_review' });
  assert.equal(h.json.results[1].after.state, 'published');
  assert.equal(h.json.results[1].comment, 'ready');
  assert.equal(h.json.results[1].actor, ADMIN);

  // In the published list, found by its name.
  const l = await admin.get(`/cms/api/courses?q=${encodeURIComponent(name)}`);
  assert.equal(l.status, 200, l.body);
  assert.equal(l.json.total, 1);
  assert.equal(l.json.results[0].source_ref, `cms:${id}`);

  // Archive takes it out of the App, back to review too (idempotent).
  const a = await transition(admin, id, 'archive', 'old');
  assert.equal(a.status, 200, a.body);
  assert.equal(appCount(id), 0);
  await waitFor(async () => !(await get(APP, `/course_browse?q=${encodeURIComponent(name)}`)).body.includes(name),
    { timeoutMs: 5000, intervalMs: 200, what: 'archived course gone from /course_browse' });
  const b = await transition(admin, id, 'review');
  assert.equal(b.status, 200, b.body);
  assert.equal(b.json.state, 'in_review');
  assert.deepEqual(auditFor(id), ['course.submit', 'course.publish', 'course.archive', 'course.review']);
});

test('workflow rules: allowed, forbidden (403), wrong state (409); refusals change nothing', async () => {
  const editor = await newStaff('wf_editor', ['courses.edit']);
  const id = seed();
  const cases = [
    // [who, transition, status, state after]
    [admin, 'publish', 409, 'scraped'],
    [admin, 'archive', 409, 'scraped'],
    [admin, 'review', 409, 'scraped'],
    [editor, 'submit', 200, 'in_review'],
    [admin, 'submit', 409, 'in_review'],
    [editor, 'publish', 403, 'in_review'],
    [editor, 'dismiss', 200, 'dismissed'],
    [admin, 'dismiss', 409, 'dismissed'],
    [editor, 'review', 200, 'in_review'],
    [admin, 'publish', 200, 'published'],
    [admin, 'dismiss', 409, 'published'],
    [editor, 'archive', 403, 'published'],
    [editor, 'review', 200, 'in_review'],
  ];
  for (const [who, name, status, state] of cases) {
    const n = auditCount();
    const r = await transition(who, id, name);
    assert.equal(r.status, status, `${name}: ${r.body}`);
    assert.equal(cmsState(id), state, `${name}: state`);
    assert.equal(auditCount(), n + (status === 200 ? 1 : 0), `${name}: audit rows`);
    if (status === 403) assert.equal(r.json.permission, 'courses.publish');
    if (status === 409) assert.ok(r.json.fields.transition, r.body);
  }
  assert.equal(appCount(id), 0, 'back to review unpublished it');
  const bad = await transition(admin, id, 'launch');
  assert.equal(bad.status, 400);
  assert.ok(bad.json.fields.transition);
});

test('a user without courses.publish cannot publish: nothing in either database', async () => {
  const editor = await newStaff('no_publish', ['courses.edit']);
  const id = seed({ state: 'in_review' });
  const n = auditCount();
  const r = await transition(editor, id, 'publish');
  assert.equal(r.status, 403, r.body);
  assert.equal(r.json.permission, 'courses.publish');
  assert.equal(cmsState(id), 'in_review');
  assert.equal(appCount(id), 0);
  assert.equal(auditCount(), n);
  const rc = await editor.post('/cms/api/courses/reconcile', {});
  assert.equal(rc.status, 403);
});

test('a provider-limited editor sees and changes only their providers\' courses', async () => {
  const mine = seed({ provider: 'Scoped Provider' });
  const theirs = seed({ provider: 'Other House' });
  const pubTheirs = seed({ provider: 'Other House', state: 'in_review' });
  assert.equal((await transition(admin, pubTheirs, 'publish')).status, 200);
  const appTheirs = Number(sql('app', `SELECT id FROM courses WHERE source_ref = 'cms:${pubTheirs}'`));
  const ed = await newStaff('scoped_ed', ['courses.edit', 'courses.publish'], ['scoped provider']);

  const l = await ed.get('/cms/api/courses/scraped?ps=200');
  assert.equal(l.status, 200, l.body);
  assert.ok(l.json.results.length >= 1);
  for (const c of l.json.results) assert.equal(c.provider.toLowerCase(), 'scoped provider');
  assert.ok(l.json.results.some((c) => c.id === mine));
  const pl = await ed.get('/cms/api/courses?ps=200');
  assert.equal(pl.status, 200, pl.body);
  assert.ok(pl.json.results.every((c) => c.provider.toLowerCase() === 'scoped provider'));

  const n = auditCount();
  assert.equal((await ed.get(`/cms/api/courses/scraped/get?id=${theirs}`)).status, 404);
  assert.equal((await ed.get(`/cms/api/courses/history?id=${theirs}`)).status, 404);
  assert.equal((await ed.post('/cms/api/courses/scraped/update', { id: theirs, name: 'Mine now' })).status, 404);
  assert.equal((await transition(ed, theirs, 'submit')).status, 404);
  assert.equal((await ed.get(`/cms/api/courses/get?id=${appTheirs}`)).status, 404);
  assert.equal((await ed.post('/cms/api/courses/update', { id: appTheirs, name: 'Mine now' })).status, 404);
  assert.equal((await ed.post('/cms/api/courses/delete', { id: appTheirs })).status, 404);
  assert.equal(cmsState(theirs), 'scraped');
  assert.equal(sql('cms', `SELECT name FROM scraped_courses WHERE id = ${theirs}`).startsWith('Scraped course'), true);
  assert.equal(appCount(pubTheirs), 1);
  assert.equal(auditCount(), n);

  // Their own: allowed; moving it to another provider is not.
  const ok = await ed.get(`/cms/api/courses/scraped/get?id=${mine}`);
  assert.equal(ok.status, 200, ok.body);
  const mv = await ed.post('/cms/api/courses/scraped/update', { id: mine, provider: 'Other House' });
  assert.equal(mv.status, 400, mv.body);
  assert.ok(mv.json.fields.provider);
  const ed2 = await ed.post('/cms/api/courses/scraped/update', { id: mine, name: 'Renamed by scoped' });
  assert.equal(ed2.status, 200, ed2.body);
});

test('validation: every bad field named; invalid input changes nothing', async () => {
  const id = seed({ cpd_state: null, cpd_points: null });
  const n = auditCount();
  const before = sql('cms', `SELECT row_to_json(c)::text FROM scraped_courses c WHERE id = ${id}`);
  const r = await admin.post('/cms/api/courses/scraped/update', {
    id, name: ' ', url: 'ftp://example.org', cost: 12.345, level_id: 99, format_id: 99,
    dates: [{ start: '2030-05-02', end: '2030-05-01' }], category_ids: [1, 1],
  });
  assert.equal(r.status, 400, r.body);
  assert.deepEqual(Object.keys(r.json.fields).sort(), [
    'category_ids', 'cost', 'cpd_state', 'dates[0].end', 'format_id', 'level_id', 'name', 'url',
  ]);
  const cpd = await admin.post('/cms/api/courses/scraped/update', { id, cpd_state: 'points', cpd_points: 0 });
  assert.equal(cpd.status, 400);
  assert.deepEqual(Object.keys(cpd.json.fields), ['cpd_points']);
  const four = await admin.post('/cms/api/courses/scraped/update', { id, cpd_state: 'tbc', category_ids: [1, 2, 3, 4] });
  assert.equal(four.status, 400);
  assert.deepEqual(Object.keys(four.json.fields), ['category_ids']);
  assert.equal(sql('cms', `SELECT row_to_json(c)::text FROM scraped_courses c WHERE id = ${id}`), before);
  assert.equal(auditCount(), n);

  // A good edit: one audit row with the changed fields, old and new.
  const good = await admin.post('/cms/api/courses/scraped/update', { id, cpd_state: 'tbc', cost: 99.5, comment: 'fixed' });
  assert.equal(good.status, 200, good.body);
  assert.deepEqual(good.json.edited_fields, ['cost', 'cpd_state']);
  const row = JSON.parse(sql('cms', `SELECT json_build_object('b', before, 'a', after, 'c', comment, 'act', action)
    FROM audit_log WHERE target_type = 'scraped_course' AND target_id = '${id}'`));
  assert.deepEqual(row, { b: { cost: 120, cpd_state: null }, a: { cost: 99.5, cpd_state: 'tbc' }, c: 'fixed', act: 'course.edit' });

  // An edit based on an old version is refused (409), changing nothing.
  const stale = await admin.post('/cms/api/courses/scraped/update', { id, version: '20000101000000000000', cost: 1 });
  assert.equal(stale.status, 409, stale.body);
  assert.ok(stale.json.fields.version);
  const cur = await admin.post('/cms/api/courses/scraped/update', { id, version: good.json.version, cost: 2 });
  assert.equal(cur.status, 200, cur.body);
  assert.notEqual(cur.json.version, good.json.version);

  // Publishing refuses a row that breaks the rules.
  const broken = seed({ state: 'in_review', category_ids: [] });
  const p = await transition(admin, broken, 'publish');
  assert.equal(p.status, 400, p.body);
  assert.ok(p.json.fields.category_ids);
  assert.equal(cmsState(broken), 'in_review');
  assert.equal(appCount(broken), 0);
});

test('published courses: add by hand, edit, delete; each notifies and is audited', async () => {
  const name = `Hand Made ${Date.now()}`;
  const c = await admin.post('/cms/api/courses/create', {
    name, provider: 'Law Academy', url: 'https://example.org/hand', cost: 10, level_id: 2, format_id: 1,
    cpd_state: 'na', dates: [{ start: '2030-06-01' }], category_ids: [1],
  });
  assert.equal(c.status, 201, c.body);
  assert.equal(c.json.is_manually_added, true);
  const id = c.json.id;
  await waitFor(async () => (await get(APP, `/course_browse?q=${encodeURIComponent(name)}`)).body.includes(name),
    { timeoutMs: 5000, intervalMs: 200, what: 'created course in the App' });
  const bad = await admin.post('/cms/api/courses/update', { id, cost: -1 });
  assert.equal(bad.status, 400);
  assert.ok(bad.json.fields.cost);
  const old = await admin.post('/cms/api/courses/update', { id, version: '20000101000000000000', cost: 3 });
  assert.equal(old.status, 409, old.body);
  const u = await admin.post('/cms/api/courses/update', { id, name: `${name} v2`, comment: 'renamed', version: c.json.version });
  assert.equal(u.status, 200, u.body);
  await waitFor(async () => (await get(APP, `/course_browse?q=${encodeURIComponent(`${name} v2`)}`)).body.includes(`${name} v2`),
    { timeoutMs: 5000, intervalMs: 200, what: 'edited course in the App' });
  const d = await admin.post('/cms/api/courses/delete', { id });
  assert.equal(d.status, 200, d.body);
  await waitFor(async () => !(await get(APP, `/course_browse?q=${encodeURIComponent(name)}`)).body.includes(name),
    { timeoutMs: 5000, intervalMs: 200, what: 'deleted course gone from the App' });
  const h = await admin.get(`/cms/api/courses/history?course_id=${id}`);
  assert.equal(h.status, 200, h.body);
  assert.deepEqual(h.json.results.map((x) => x.action), ['course.create', 'course.update', 'course.delete']);
  assert.deepEqual(h.json.results[1].before, { name });
  assert.deepEqual(h.json.results[1].after, { name: `${name} v2` });
  assert.equal(h.json.results[1].comment, 'renamed');
});

test('the editor\'s lists come from the App database', async () => {
  const r = await admin.get('/cms/api/courses/lists');
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.levels.length, Number(sql('app', 'SELECT count(*) FROM levels')));
  assert.equal(r.json.formats.length, Number(sql('app', 'SELECT count(*) FROM formats')));
  const cats = r.json.verticals.flatMap((v) => v.categories.map((c) => c.id)).sort((a, b) => a - b);
  assert.deepEqual(cats, sql('app', 'SELECT id FROM vertical_categories ORDER BY id').split('\n').map(Number));
  assert.ok(r.json.levels.every((l) => typeof l.name === 'string' && l.id > 0));
});

test('published list: sort, filter, paging', async () => {
  const r = await admin.get('/cms/api/courses?sort=cost&order=desc&ps=3&pg=1');
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.page_size, 3);
  assert.ok(r.json.results.length <= 3);
  const costs = r.json.results.map((c) => c.cost).filter((x) => x !== null);
  assert.deepEqual(costs, [...costs].sort((a, b) => b - a));
  assert.equal((await admin.get('/cms/api/courses?sort=bogus')).status, 400);
  const f = await admin.get('/cms/api/courses?level=1&ps=200');
  assert.ok(f.json.results.every((c) => c.level_id === 1));
});

test('publishing with the App database stopped fails cleanly and leaves no half state', async () => {
  const id = seed({ state: 'in_review' });
  const n = auditCount();
  const st = stack.pgCtl('app', ['stop', '-w', '-t', '60', '-m', 'fast']);
  assert.equal(st.status, 0, `pg_ctl stop: ${st.stdout}${st.stderr}`);
  let r;
  try {
    r = await transition(admin, id, 'publish');
  } finally {
    const up = stack.pgCtl('app', ['start', '-w', '-t', '60', '-l', stack.pgLog('app')]);
    assert.equal(up.status, 0, `pg_ctl start: ${up.stdout}${up.stderr}`);
  }
  assert.equal(r.status, 503, r.body);
  assert.match(r.json.error, /App database is unavailable: nothing was published/);
  assert.equal(cmsState(id), 'in_review');
  assert.equal(auditCount(), n);
  assert.equal(appCount(id), 0);
  // Once the App database is back, the same publish works.
  let ok;
  await waitFor(async () => {
    ok = await transition(admin, id, 'publish');
    return ok.status === 200;
  }, { timeoutMs: 15_000, intervalMs: 300, what: 'publish after the App database came back' });
  assert.equal(appCount(id), 1);
});

test('a failure between the App commit and the CMS mark: retry or reconcile, one course', async () => {
  // The hook is per process: one worker.
  const srv = await stack.startServer('cms', { LIFTED_WORKERS: 1 }, { waitReady: 'readyz' });
  const c = admin.on(srv.port);
  // Its own start-up reconcile must be over before we make a half state.
  await waitFor(async () => /start-up reconcile done/.test(srv.stderr()),
    { timeoutMs: 10_000, intervalMs: 100, what: 'start-up reconcile of the extra CMS' });
  try {
    const id = seed({ state: 'in_review' });
    assert.equal((await c.post('/test/courses/fail-next-mark', {})).status, 200);
    const r = await transition(c, id, 'publish');
    assert.equal(r.status, 500, r.body);
    assert.equal(appCount(id), 1, 'the App commit happened');
    assert.equal(cmsState(id), 'in_review', 'the mark did not');
    const again = await transition(c, id, 'publish');
    assert.equal(again.status, 200, again.body);
    assert.equal(appCount(id), 1, 'the retry found the same course');
    assert.equal(cmsState(id), 'published');

    const id2 = seed({ state: 'in_review' });
    assert.equal((await c.post('/test/courses/fail-next-mark', {})).status, 200);
    assert.equal((await transition(c, id2, 'publish')).status, 500);
    const rc = await c.post('/cms/api/courses/reconcile', {});
    assert.equal(rc.status, 200, rc.body);
    assert.deepEqual(rc.json.marked, [id2]);
    assert.equal(cmsState(id2), 'published');
    assert.equal(appCount(id2), 1);
    assert.deepEqual(auditFor(id2), ['course.reconcile']);
    const appId = Number(sql('app', `SELECT id FROM courses WHERE source_ref = 'cms:${id2}'`));
    assert.equal(Number(sql('cms', `SELECT app_course_id FROM scraped_courses WHERE id = ${id2}`)), appId);
    assert.deepEqual((await c.post('/cms/api/courses/reconcile', {})).json.marked, []);

    // Left unmarked, then a CMS start: worker 1 reconciles on its own.
    const id3 = seed({ state: 'in_review' });
    assert.equal((await c.post('/test/courses/fail-next-mark', {})).status, 200);
    assert.equal((await transition(c, id3, 'publish')).status, 500);
    assert.equal(cmsState(id3), 'in_review');
    await srv.stop();
    const srv2 = await stack.startServer('cms', { LIFTED_WORKERS: 1 }, { waitReady: 'readyz' });
    try {
      await waitFor(async () => cmsState(id3) === 'published',
        { timeoutMs: 10_000, intervalMs: 200, what: 'start-up reconcile marks the row' });
      assert.deepEqual(auditFor(id3), ['course.reconcile']);
      assert.equal(sql('cms', `SELECT actor_username FROM audit_log WHERE target_type = 'scraped_course'
        AND target_id = '${id3}'`), '(reconcile)');
      assert.equal(appCount(id3), 1);
    } finally {
      await srv2.stop();
    }
  } finally {
    await srv.stop();
  }
});

test('duplicates: same normalised name and start date across providers', async () => {
  const a = seed({ name: 'Negotiation   Skills Masterclass', provider: 'Dup One', dates: [{ start: '2031-01-05' }] });
  const b = seed({ name: 'negotiation skills masterclass', provider: 'Dup Two', spider_name: 'spider_b', dates: [{ start: '2031-01-05' }] });
  const c = seed({ name: 'Negotiation Skills Masterclass', provider: 'Dup Three', dates: [{ start: '2031-02-05' }] });
  const l = await admin.get('/cms/api/courses/scraped?q=negotiation&ps=200');
  assert.equal(l.status, 200, l.body);
  const by = Object.fromEntries(l.json.results.map((x) => [x.id, x.duplicates]));
  assert.deepEqual(by[a], [b]);
  assert.deepEqual(by[b], [a]);
  assert.deepEqual(by[c], []);
  const d = await admin.get('/cms/api/courses/duplicates');
  assert.equal(d.status, 200, d.body);
  assert.ok(d.json.groups.some((g) => g.ids.includes(a) && g.ids.includes(b) && !g.ids.includes(c)));
});

test('provider names: add (audited, unique any case) and suggestions', async () => {
  const n = auditCount();
  const r = await admin.post('/cms/api/providers/create', { name: 'Harbour Law Institute', aliases: ['HLI'] });
  assert.equal(r.status, 201, r.body);
  assert.equal(auditCount(), n + 1);
  assert.equal((await admin.post('/cms/api/providers/create', { name: 'harbour law institute' })).status, 409);
  assert.equal((await admin.post('/cms/api/providers/create', { name: '' })).status, 400);
  assert.equal((await admin.post('/cms/api/providers/create', { name: 'Law Harbour Partners' })).status, 201);
  const s = await admin.get('/cms/api/providers?q=harb');
  assert.equal(s.status, 200, s.body);
  assert.deepEqual(s.json.results.map((x) => [x.name, x.match]),
    [['Harbour Law Institute', 'prefix'], ['Law Harbour Partners', 'substring']]);
  const al = await admin.get('/cms/api/providers?q=hli');
  assert.deepEqual(al.json.results.map((x) => [x.name, x.match]), [['Harbour Law Institute', 'alias']]);
});

test('the CMS role cannot run DDL on the App database', async () => {
  const url = stack.env.LIFTED_CMS_APP_DATABASE_URL;
  assert.ok(url);
  for (const ddl of ['CREATE TABLE cms_was_here (a int)', 'ALTER TABLE courses ADD COLUMN x int',
    'DROP TABLE course_dates', 'TRUNCATE courses']) {
    const r = stack.psqlUrl(url, ddl);
    assert.notEqual(r.status, 0, `${ddl} must fail`);
    assert.match(r.stderr, /permission denied|must be owner/);
  }
  // But it can do what publishing needs.
  assert.equal(stack.psqlUrl(url, 'SELECT count(*) FROM courses').status, 0);
});

test('the scraper role writes scraped rows and reads nothing else', async () => {
  const url = stack.env.LIFTED_SCRAPER_DATABASE_URL;
  assert.ok(url);
  const ins = stack.psqlUrl(url, `INSERT INTO scraped_courses (name, provider, url, spider_name, source_url)
    VALUES ('From the spider', 'Spider House', 'https://example.org/s', 'spider_x', 'https://example.org/s')
    RETURNING id`);
  assert.equal(ins.status, 0, ins.stderr);
  const id = Number(ins.stdout.trim().split('\n')[0]);
  assert.equal(stack.psqlUrl(url, `UPDATE scraped_courses SET cost = 5 WHERE id = ${id}`).status, 0);
  assert.equal(stack.psqlUrl(url, `DELETE FROM scraped_courses WHERE id = ${id}`).status, 0);
  for (const q of ['SELECT count(*) FROM providers', 'SELECT count(*) FROM audit_log',
    'SELECT count(*) FROM users', 'INSERT INTO providers (name) VALUES (\'x\')']) {
    const r = stack.psqlUrl(url, q);
    assert.notEqual(r.status, 0, `${q} must fail`);
    assert.match(r.stderr, /permission denied/);
  }
});

test('course routes need courses.edit', async () => {
  const viewer = await newStaff('viewer_only', ['audit.view']);
  for (const p of ['/cms/api/courses', '/cms/api/courses/scraped', '/cms/api/courses/duplicates',
    '/cms/api/providers?q=a', '/cms/api/courses/get?id=1']) {
    const r = await viewer.get(p);
    assert.equal(r.status, 403, `${p}: ${r.body}`);
    assert.equal(r.json.permission, 'courses.edit');
  }
  const r = await viewer.post('/cms/api/courses/create', { name: 'x' });
  assert.equal(r.status, 403);
});
