// Framework import through the CMS (issue 5; docs/cms-import.md): sheets
// uploaded one raw body each into the user's staging area, checked (the
// shared importer's report and a diff against the live framework) and
// applied to the App database through cms_publisher, which the App on
// the same stack picks up without a restart. Also the workflow diagram.
//
// The real LIFTED sheets are read from ../shared/lifted-framework (never
// copied into the repo); the tests that need them are skipped with a
// message when that folder is absent. Malformed sheets are built here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { Stack, REPO, get, waitFor } from './lib/stack.mjs';
import { odsZip, esc } from './lib/ods.mjs';
import { Client as CmsClient, createSuperuser, login as cmsLogin, staffWith, sqlOn } from './lib/cms.mjs';

const stack = new Stack(16);
const REAL = path.resolve(REPO, '..', 'shared', 'lifted-framework');
const SAMPLE = path.join(REPO, 'frameworks_data');
const HAVE_REAL = existsSync(path.join(REAL, 'verticals.ods'));
const SKIP_REAL = HAVE_REAL ? false : `the real LIFTED sheets are not in ${REAL}`;
const SHEETS = ['verticals', 'competencies', 'job_roles', 'tech_roles', 'tech_competencies',
  'needs', 'levels', 'formats', 'courses'];

const ADMIN = 'boss';
const ADMIN_PW = 'boss-password-123';
let CMS;
let APP;
let admin;

// Client: ./lib/cms.mjs, with POSTs given 60 s (a whole sheet's import).
class Client extends CmsClient {
  constructor(port) { super(port, { timeoutMs: 60_000 }); }

  upload(sheet, format, data) {
    return this.post(`/cms/api/framework/upload?sheet=${sheet}&format=${format}`, data,
      { type: 'application/octet-stream', raw: true });
  }
}

const login = (username, password) => cmsLogin(CMS, username, password, { ClientClass: Client });

// A staff account in a new group holding only permissions.
const staff = (username, permissions) => staffWith(admin, username, permissions, { ClientClass: Client });

const q = (which, sql) => sqlOn(stack, which, sql);

const staged = () => q('cms', 'SELECT count(*) FROM import_uploads');

function counts() {
  return q('app', `SELECT (SELECT count(*) FROM verticals) || ' ' || (SELECT count(*) FROM vertical_categories)
    || ' ' || (SELECT count(*) FROM competencies) || ' ' || (SELECT count(*) FROM job_roles)
    || ' ' || (SELECT count(*) FROM tech_roles) || ' ' || (SELECT count(*) FROM tech_competencies)
    || ' ' || (SELECT count(*) FROM needs) || ' ' || (SELECT count(*) FROM levels)
    || ' ' || (SELECT count(*) FROM formats)`);
}

function fingerprint() {
  return q('app', `SELECT md5(string_agg(t, '|' ORDER BY t)) FROM (
    SELECT 'v' || id || name || option_text AS t FROM verticals
    UNION ALL SELECT 'vc' || id || vertical_id || key || title FROM vertical_categories
    UNION ALL SELECT 'c' || id || category_id || title FROM competencies
    UNION ALL SELECT 'r' || id || name || level FROM job_roles
    UNION ALL SELECT 'rc' || job_role_id || '-' || competency_id FROM job_role_competencies
    UNION ALL SELECT 'n' || id || name FROM needs
    UNION ALL SELECT 'co' || source_ref || name FROM courses) x`);
}

// --- a minimal .ods writer (stored zip) for sheets built at test time ------

// The zip itself (zipStored, odsZip) and esc: ./lib/ods.mjs.
function odsOf(rows) {
  const cell = (v) => (v === '' ? '<table:table-cell/>'
    : `<table:table-cell office:value-type="string"><text:p>${esc(v)}</text:p></table:table-cell>`);
  const xml = '<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content'
    + ' xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
    + ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
    + ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
    + '<office:body><office:spreadsheet><table:table table:name="Sheet1">'
    + rows.map((r) => `<table:table-row>${r.map(cell).join('')}</table:table-row>`).join('')
    + '</table:table></office:spreadsheet></office:body></office:document-content>';
  return odsZip(xml);
}

// Uploads the sample framework's CSVs (the live framework of a new stack).
async function uploadSample(c, except = []) {
  for (const s of SHEETS) {
    if (except.includes(s)) continue;
    const r = await c.upload(s, 'csv', readFileSync(path.join(SAMPLE, `${s}.csv`)));
    assert.equal(r.status, 200, `${s}: ${r.body}`);
  }
}

// --- the stack -----------------------------------------------------------------

before(async () => {
  await stack.up();
  CMS = stack.ports.cms;
  APP = stack.ports.app;
  createSuperuser(stack, ADMIN, ADMIN_PW);
  admin = await login(ADMIN, ADMIN_PW);
});

after(async () => { await stack.down(); });

// --- permissions and limits -----------------------------------------------------

test('without framework.import: 403 on every import route, nothing staged', async () => {
  const c = await staff('editor1', ['audit.view']);
  const up = await c.upload('levels', 'csv', readFileSync(path.join(SAMPLE, 'levels.csv')));
  assert.equal(up.status, 403, up.body);
  assert.equal(up.json.permission, 'framework.import');
  for (const p of ['check', 'apply', 'discard']) {
    assert.equal((await c.post(`/cms/api/framework/${p}`, {})).status, 403, p);
  }
  assert.equal((await c.get('/cms/api/framework/uploads')).status, 403);
  assert.equal(staged(), '0');
});

test('an upload needs the CSRF token and a known sheet and format', async () => {
  const saved = admin.csrf;
  admin.csrf = null;
  const r = await admin.upload('levels', 'csv', 'Level,Acronym\n');
  admin.csrf = saved;
  assert.equal(r.status, 403, r.body);
  const bad = await admin.upload('nonsense', 'csv', 'x');
  assert.equal(bad.status, 400);
  assert.ok(bad.json.fields.sheet, bad.body);
  const fmt = await admin.upload('levels', 'xlsx', 'x');
  assert.equal(fmt.status, 400);
  assert.ok(fmt.json.fields.format, fmt.body);
  assert.equal(staged(), '0');
});

test('an oversize upload is 413 naming the sheet, and nothing is stored', async () => {
  const big = Buffer.alloc(600 * 1024, 'a');
  const r = await admin.upload('competencies', 'csv', big);
  assert.equal(r.status, 413, r.body);
  assert.match(r.json.error, /too large/);
  assert.ok(r.json.fields.competencies, r.body);
  assert.equal(staged(), '0');
});

test('a file that is not a spreadsheet is 400 naming the sheet, nothing stored', async () => {
  const r = await admin.upload('levels', 'ods', Buffer.from('PK\u0003\u0004 truncated zip'));
  assert.equal(r.status, 400, r.body);
  assert.ok(r.json.fields.levels, r.body);
  assert.match(r.json.fields.levels, /cannot be read as \.ods/);
  assert.equal(staged(), '0');
});

test('check with nothing uploaded is 400', async () => {
  const r = await admin.post('/cms/api/framework/check', {});
  assert.equal(r.status, 400, r.body);
});

// --- a broken set ---------------------------------------------------------------------

test('a sheet with an error: the report names it, apply refuses, the App is unchanged', async () => {
  const before = fingerprint();
  await uploadSample(admin, ['levels']);
  // A readable .ods whose required column is missing.
  const levels = odsOf([['Level', 'Acronymz'], ['General', 'Gen'], ['Foundational', 'Fou']]);
  const up = await admin.upload('levels', 'ods', levels);
  assert.equal(up.status, 200, up.body);
  assert.equal(up.json.bytes, levels.length);
  const list = await admin.get('/cms/api/framework/uploads');
  assert.equal(list.status, 200);
  assert.equal(list.json.uploads.length, SHEETS.length);
  assert.equal(list.json.uploads.find((u) => u.sheet === 'levels').format, 'ods');

  const chk = await admin.post('/cms/api/framework/check', {});
  assert.equal(chk.status, 200, chk.body);
  assert.equal(chk.json.ok, false);
  assert.ok(chk.json.errors >= 1);
  const e = chk.json.issues.find((i) => i.severity === 'error' && i.sheet === 'levels');
  assert.ok(e, chk.body);
  assert.equal(e.row, 1);
  assert.match(e.message, /missing required column "Acronym"/);
  assert.equal(chk.json.diff, null);

  const ap = await admin.post('/cms/api/framework/apply', {});
  assert.equal(ap.status, 422, ap.body);
  assert.equal(ap.json.applied, false);
  assert.match(ap.json.error, /nothing was applied/);
  assert.equal(fingerprint(), before);
  // The set stays staged for a fix; no audit row.
  assert.equal(staged(), String(SHEETS.length));
  const audit = await admin.get('/cms/api/audit?what=framework.import');
  assert.equal(audit.json.total, 0);

  const d = await admin.post('/cms/api/framework/discard', {});
  assert.equal(d.status, 200, d.body);
  assert.equal(staged(), '0');
});

test('a sheet not uploaded is an error of the report', async () => {
  await uploadSample(admin, ['needs']);
  const chk = await admin.post('/cms/api/framework/check', {});
  assert.equal(chk.status, 200, chk.body);
  assert.ok(chk.json.issues.some((i) => i.sheet === 'needs' && i.severity === 'error' && /not uploaded/.test(i.message)), chk.body);
  assert.equal((await admin.post('/cms/api/framework/discard', {})).status, 200);
});

test('the sample sheets against the sample framework: no differences', async () => {
  await uploadSample(admin);
  const chk = await admin.post('/cms/api/framework/check', {});
  assert.equal(chk.status, 200, chk.body);
  assert.equal(chk.json.ok, true, chk.body);
  for (const t of ['verticals', 'vertical_categories', 'competencies', 'job_roles', 'tech_roles']) {
    const d = chk.json.diff[t];
    assert.equal(d.live, d.new, t);
    assert.deepEqual([d.added.length, d.removed.length, d.changed.length], [0, 0, 0], t);
  }
  assert.equal((await admin.post('/cms/api/framework/discard', {})).status, 200);
});

// --- the real LIFTED sheets ------------------------------------------------------------

test('real sheets: report, diff against the sample, apply, the App reloads, audit', { skip: SKIP_REAL }, async () => {
  const before = counts();
  assert.equal(before, '3 17 56 17 3 12 6 5 6');
  const old41 = await get(APP, '/diag?r=41');
  assert.notEqual(old41.status === 200 && Array.isArray(old41.json) && old41.json.length > 0, true);

  for (const s of SHEETS) {
    const r = await admin.upload(s, 'ods', readFileSync(path.join(REAL, `${s}.ods`)));
    assert.equal(r.status, 200, `${s}: ${r.body}`);
  }
  const chk = await admin.post('/cms/api/framework/check', {});
  assert.equal(chk.status, 200, chk.body);
  const rep = chk.json;
  assert.equal(rep.ok, true, chk.body);
  assert.equal(rep.errors, 0);
  assert.equal(rep.warnings, 2);
  assert.equal(rep.issues.length, 2);
  for (const w of rep.issues) {
    assert.equal(w.severity, 'warning');
    assert.equal(w.sheet, 'competencies');
    assert.equal(w.column, 'D');
    assert.ok(w.row > 1);
  }
  assert.ok(rep.issues.some((w) => /"Business Acumen & Problem-solving" matches no category of vertical "Legal Support"/.test(w.message)));
  assert.ok(rep.issues.some((w) => /"Leadership, Business and Professional Insight" matches no category of vertical "In-House Counsel"/.test(w.message)));
  const c = rep.counts;
  assert.deepEqual([c.verticals, c.vertical_categories, c.competencies, c.job_roles, c.tech_roles,
    c.tech_competencies, c.needs, c.levels, c.formats], [3, 23, 503, 41, 3, 45, 7, 5, 6]);
  // The diff against the live (sample) framework.
  const d = rep.diff;
  assert.deepEqual([d.competencies.live, d.competencies.new], [56, 503]);
  assert.deepEqual([d.job_roles.live, d.job_roles.new], [17, 41]);
  assert.deepEqual([d.vertical_categories.live, d.vertical_categories.new], [17, 23]);
  assert.equal(d.job_roles.added.length, 41 - 17);
  assert.ok(d.job_roles.added.some((r) => r.id === 41 && typeof r.name === 'string' && r.name !== ''));
  assert.ok(d.competencies.added.length > 0);
  assert.equal(d.vertical_categories.added.length, 23 - 17);
  const renamed = d.competencies.changed.concat(d.job_roles.changed, d.vertical_categories.changed);
  assert.ok(renamed.length > 0, 'the sample names differ from the real ones');
  assert.ok(renamed.every((x) => x.name !== x.was));
  assert.equal(counts(), before, 'check changes nothing');

  const ap = await admin.post('/cms/api/framework/apply', {});
  assert.equal(ap.status, 200, ap.body);
  assert.equal(ap.json.applied, true);
  assert.equal(counts(), '3 23 503 41 3 45 7 5 6');
  // The App reloads on NOTIFY: no restart.
  await waitFor(async () => {
    const r = await get(APP, '/diag?r=41');
    return r.status === 200 && Array.isArray(r.json) && r.json.length > 0;
  }, { timeoutMs: 15_000, what: 'the App serving job role 41' });
  const qns = await get(APP, '/qns');
  assert.equal(qns.status, 200);
  assert.equal(qns.json.vertical.options.length, 3);

  // One audit row with the counts; the staging area is empty.
  const audit = await admin.get('/cms/api/audit?what=framework.import');
  assert.equal(audit.status, 200, audit.body);
  assert.equal(audit.json.total, 1);
  const row = audit.json.results[0];
  assert.equal(row.actor, ADMIN);
  assert.equal(row.target_type, 'framework');
  assert.equal(row.after.counts.competencies, 503);
  assert.equal(row.after.counts.job_roles, 41);
  assert.equal(row.after.warnings, 2);
  assert.equal(staged(), '0');
  assert.equal((await admin.get('/cms/api/framework/uploads')).json.uploads.length, 0);
});

// --- the workflow diagram ----------------------------------------------------------------

// The states, read from the one table in the code (cms_server/workflow.c).
function workflowStates() {
  const src = readFileSync(path.join(REPO, 'cms_server', 'workflow.c'), 'utf8');
  const m = /cms_workflow_states\[\]\s*=\s*\{([^}]*)\}/.exec(src);
  assert.ok(m, 'cms_workflow_states in workflow.c');
  const states = [...m[1].matchAll(/"([^"]+)"/g)].map((x) => x[1]);
  assert.ok(states.length >= 5);
  return states;
}

test('GET /cms/api/workflow.svg: an SVG naming every state, for any logged-in user', async () => {
  const anon = await get(CMS, '/cms/api/workflow.svg');
  assert.equal(anon.status, 401);
  const c = await staff('viewer1', []);
  for (let i = 0; i < 2; i++) { // the second answer comes from the cache
    const r = await c.get('/cms/api/workflow.svg');
    assert.equal(r.status, 200, r.body);
    assert.match(r.headers.get('content-type'), /^image\/svg\+xml/);
    assert.match(r.body, /<svg[\s>]/);
    for (const s of workflowStates()) assert.ok(r.body.includes(s), `state ${s} in the SVG`);
  }
});
