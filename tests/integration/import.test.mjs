// Framework import (SPEC 4, issue 3): `lifted-app import-framework` on the
// project's own sheets (frameworks_data/, loaded by `scripts/stack up`),
// on the real LIFTED spreadsheets in ../shared/lifted-framework (skipped
// with a message when that folder is absent, as on a fresh clone), and on
// malformed sheets built here at test time (never derived copies of the
// real sheets): each bad import is refused and leaves the database as it
// was.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';

import { Stack, REPO, run, binPath, cleanEnv } from './lib/stack.mjs';
import { zipStored, odsZip, esc } from './lib/ods.mjs';

const stack = new Stack(6);
const REAL = path.resolve(REPO, '..', 'shared', 'lifted-framework');
const SAMPLE = path.join(REPO, 'frameworks_data');
const HAVE_REAL = existsSync(path.join(REAL, 'verticals.ods'));
const SKIP_REAL = HAVE_REAL ? false : `the real LIFTED sheets are not in ${REAL}`;

before(async () => { await stack.up(); });
after(async () => { await stack.down(); });

function importFw(dir, ...flags) {
  const env = cleanEnv({ LIFTED_APP_ADMIN_DATABASE_URL: stack.env.LIFTED_APP_ADMIN_DATABASE_URL });
  return run(binPath('app'), ['import-framework', dir, ...flags], { env });
}

function q(sql) {
  const r = stack.psql('app', sql);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

// A fingerprint of everything the importer writes.
function fingerprint() {
  return q(`SELECT md5(string_agg(t, '|' ORDER BY t)) FROM (
    SELECT 'v' || id || name || option_text AS t FROM verticals
    UNION ALL SELECT 'vc' || id || vertical_id || key || title FROM vertical_categories
    UNION ALL SELECT 'c' || id || category_id || title FROM competencies
    UNION ALL SELECT 'r' || id || name || level FROM job_roles
    UNION ALL SELECT 'rc' || job_role_id || '-' || competency_id FROM job_role_competencies
    UNION ALL SELECT 'n' || id || name FROM needs
    UNION ALL SELECT 'co' || source_ref || name FROM courses
    UNION ALL SELECT 'cd' || course_id || start_at FROM course_dates) x`);
}

function counts() {
  return q(`SELECT (SELECT count(*) FROM verticals) || ' ' || (SELECT count(*) FROM vertical_categories)
    || ' ' || (SELECT count(*) FROM competencies) || ' ' || (SELECT count(*) FROM job_roles)
    || ' ' || (SELECT count(*) FROM tech_roles) || ' ' || (SELECT count(*) FROM tech_competencies)
    || ' ' || (SELECT count(*) FROM needs) || ' ' || (SELECT count(*) FROM levels)
    || ' ' || (SELECT count(*) FROM formats)`);
}

// A copy of the sample sheets to break.
function sampleCopy() {
  const d = stack.tmpDir('lifted-import-');
  cpSync(SAMPLE, d, { recursive: true });
  return d;
}

// --- a minimal .ods writer (stored zip, no compression) ---------------------

// The zip itself (zipStored, odsZip) and esc: ./lib/ods.mjs.
// content.xml for rows of cells, written the way LibreOffice does:
// runs of spaces as text:s, empty cells repeated, a huge empty tail.
function contentXml(rows) {
  const cellXml = (v) => {
    if (v === '') return '<table:table-cell/>';
    const paras = v.split('\n').map((p) => '<text:p>' + esc(p).replace(/ {2,}/g, (m) => ` <text:s text:c="${m.length - 1}"/>`) + '</text:p>');
    return `<table:table-cell office:value-type="string">${paras.join('')}</table:table-cell>`;
  };
  const body = rows.map((r) => `<table:table-row>${r.map(cellXml).join('')}<table:table-cell table:number-columns-repeated="16370"/></table:table-row>`).join('');
  return '<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content'
    + ' xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
    + ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
    + ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
    + '<office:body><office:spreadsheet><table:table table:name="Sheet1">'
    + body + '<table:table-row table:number-rows-repeated="1048500"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
    + '</table:table><table:table table:name="Other"><table:table-row><table:table-cell><text:p>ignored</text:p></table:table-cell></table:table-row></table:table>'
    + '</office:spreadsheet></office:body></office:document-content>';
}
function csvRows(file) {
  // The sample CSVs quote only simple fields; a small RFC 4180 reader.
  const text = readFileSync(file, 'utf8');
  const rows = [];
  let row = [];
  let f = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { f += '"'; i += 2; continue; }
      if (c === '"') { quoted = false; i++; continue; }
      f += c; i++; continue;
    }
    if (c === '"') { quoted = true; i++; continue; }
    if (c === ',') { row.push(f); f = ''; i++; continue; }
    if (c === '\n') { row.push(f); rows.push(row); row = []; f = ''; i++; continue; }
    f += c; i++;
  }
  if (f !== '' || row.length) { row.push(f); rows.push(row); }
  return rows;
}
function csvToOds(dir, sheet) {
  const xml = contentXml(csvRows(path.join(dir, `${sheet}.csv`)));
  rmSync(path.join(dir, `${sheet}.csv`));
  const file = path.join(dir, `${sheet}.ods`);
  writeFileSync(file, odsZip(xml));
  return { file, xml };
}

// --- the sample framework --------------------------------------------------

test('scripts/stack up loads the sample framework with upcoming courses', () => {
  assert.equal(counts(), '3 17 56 17 3 12 6 5 6');
  assert.equal(q("SELECT count(*) FROM vertical_categories WHERE is_specialism"), '3');
  assert.equal(q("SELECT count(DISTINCT org_type) FROM job_roles WHERE org_type IS NOT NULL"), '2');
  assert.ok(Number(q("SELECT count(*) FROM course_dates WHERE start_at > now()")) >= 20);
  assert.equal(q("SELECT count(*) FROM courses WHERE is_ongoing"), '2');
  // Every category offered in /qns has at least one course.
  assert.equal(q(`SELECT count(*) FROM vertical_categories vc WHERE NOT is_specialism
    AND NOT EXISTS (SELECT 1 FROM course_categories cc WHERE cc.vertical_category_id = vc.id)`), '0');
  // Each CPD state is represented.
  assert.equal(q("SELECT count(DISTINCT coalesce(cpd_state, 'none')) FROM courses"), '5');
  const r = importFw(SAMPLE, '--check', '--strict');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^0 errors, 0 warnings$/m);
});

test('re-importing the sample changes nothing and keeps ids', () => {
  const before = fingerprint();
  const r = importFw(SAMPLE);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^applied$/m);
  assert.equal(fingerprint(), before);
});

test('an .ods sheet (repeated rows and cells, text:s, second table) imports like its .csv', () => {
  const d = sampleCopy();
  csvToOds(d, 'competencies');
  csvToOds(d, 'verticals');
  const before = fingerprint();
  const r = importFw(d);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(fingerprint(), before);
  // Multi-paragraph cells come back joined with "\n".
  assert.equal(q("SELECT description FROM competencies WHERE id = 1"),
    'Maintain calendars for a team.\nFlag clashes and approaching deadlines early.');
});

// --- malformed sheets: refused, database unchanged ---------------------------

function refused(d, pattern, ...flags) {
  const before = fingerprint();
  const r = importFw(d, ...flags);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, pattern);
  assert.match(r.stderr, /refused|not applied/);
  assert.equal(fingerprint(), before);
  return r;
}

test('a truncated .ods zip is a clear error', () => {
  const d = sampleCopy();
  const { file } = csvToOds(d, 'verticals');
  const b = readFileSync(file);
  writeFileSync(file, b.subarray(0, Math.floor(b.length / 2)));
  refused(d, /^verticals: error: not a readable \.ods \(zip archive broken or truncated/m);
});

test('broken XML in content.xml is a clear error', () => {
  const d = sampleCopy();
  const { file, xml } = csvToOds(d, 'job_roles');
  const broken = xml.slice(0, xml.indexOf('Paralegal')) + '<table:table-cell><text:p>oops</table:table-row>';
  writeFileSync(file, zipStored([['content.xml', broken]]));
  refused(d, /^job_roles: error: broken XML in content\.xml \(line \d+\)/m);
});

test('a missing required column is a clear error', () => {
  const d = sampleCopy();
  const f = path.join(d, 'job_roles.csv');
  writeFileSync(f, readFileSync(f, 'utf8').replace('Competency Ids', 'Competencies'));
  refused(d, /^job_roles:1: error: missing required column "Competency Ids"$/m);
});

test('a range running backwards, an unknown id and a duplicate id are errors with row and column', () => {
  const d = sampleCopy();
  const jr = path.join(d, 'job_roles.csv');
  writeFileSync(jr, readFileSync(jr, 'utf8').replace('Legal Assistant,Legal Support,1,Law firm,1-8',
    'Legal Assistant,Legal Support,1,Law firm,8-1').replace('Office Assistant,Legal Support,1,In-house,1-8',
    'Office Assistant,Legal Support,1,In-house,1-8; 999'));
  const co = path.join(d, 'competencies.csv');
  writeFileSync(co, readFileSync(co, 'utf8').replace(/^2,/m, '1,'));
  const r = refused(d, /^job_roles:2:E: error: range 8-1 runs backwards$/m);
  assert.match(r.stdout, /^job_roles:3:E: error: competency id 999 does not exist$/m);
  assert.match(r.stdout, /^competencies:3:A: error: duplicate ID 1$/m);
  // --check reports the same and also changes nothing.
  refused(d, /range 8-1 runs backwards/, '--check');
});

test('a missing sheet file is an error', () => {
  const d = sampleCopy();
  rmSync(path.join(d, 'needs.csv'));
  refused(d, /^needs: error: missing/m);
});

// --- the real LIFTED spreadsheets ------------------------------------------

const WARN_LS = /^competencies:\d+:D: warning: competency category "Business Acumen & Problem-solving" matches no category of vertical "Legal Support"/m;
const WARN_IHC = /^competencies:\d+:D: warning: competency category "Leadership, Business and Professional Insight" matches no category of vertical "In-House Counsel"/m;

test('real data: --check reports the counts and exactly two warnings', { skip: SKIP_REAL }, () => {
  const before = fingerprint();
  const r = importFw(REAL, '--check');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^3 verticals, 23 vertical categories, \d+ competency categories, \d+ specialisms, 503 competencies, 41 job roles, 3 tech roles, 45 tech competencies, 7 needs, 5 levels, 6 formats/m);
  assert.match(r.stdout, /^0 errors, 2 warnings$/m);
  assert.match(r.stdout, WARN_LS);
  assert.match(r.stdout, WARN_IHC);
  assert.equal(r.stdout.split('\n').filter((l) => /: (warning|error): /.test(l)).length, 2);
  assert.equal(fingerprint(), before);
});

test('real data: --strict refuses', { skip: SKIP_REAL }, () => {
  const r = refused(REAL, /^0 errors?, 0 warnings$|^2 errors, 0 warnings$/m, '--strict');
  assert.match(r.stdout, /^2 errors, 0 warnings$/m);
});

test('real data: import, ids as SPEC 4 says, tags survive a re-import', { skip: SKIP_REAL }, () => {
  const r = importFw(REAL);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(counts(), '3 23 503 41 3 45 7 5 6');
  // Vertical category ids are global; keys restart per vertical.
  assert.equal(q("SELECT id || ':' || key FROM vertical_categories WHERE vertical_id = 2 ORDER BY id LIMIT 1"), '9:1');
  assert.equal(q("SELECT string_agg(id::text, ',' ORDER BY id) FROM vertical_categories WHERE is_specialism"), '7,15,22');
  assert.equal(q("SELECT min(id) || '-' || max(id) FROM tech_roles"), '0-2');
  assert.equal(q("SELECT count(*) FROM competency_categories WHERE vertical_category_id IS NULL"), '2');
  assert.equal(q("SELECT count(*) FROM job_role_competencies WHERE job_role_id = 4"), '16');
  // A published (CMS) course tagged with a category keeps its tag.
  q("INSERT INTO courses (source_ref, name) VALUES ('cms:test-1', 'Kept')");
  q("INSERT INTO course_categories SELECT id, 13 FROM courses WHERE source_ref = 'cms:test-1'");
  const before = fingerprint();
  const again = importFw(REAL);
  assert.equal(again.status, 0, again.stdout + again.stderr);
  assert.equal(fingerprint(), before);
  assert.equal(q("SELECT count(*) FROM course_categories cc JOIN courses c ON c.id = cc.course_id WHERE c.source_ref = 'cms:test-1'"), '1');
  // Back to the sample: the real framework's extra rows go, the CMS course stays.
  const back = importFw(SAMPLE);
  assert.equal(back.status, 0, back.stdout + back.stderr);
  assert.equal(counts(), '3 17 56 17 3 12 6 5 6');
  assert.equal(q("SELECT count(*) FROM courses WHERE source_ref = 'cms:test-1'"), '1');
});

test('real data: a truncated copy of a real .ods is refused', { skip: SKIP_REAL }, () => {
  const d = sampleCopy();
  rmSync(path.join(d, 'levels.csv'));
  const b = readFileSync(path.join(REAL, 'levels.ods'));
  writeFileSync(path.join(d, 'levels.ods'), b.subarray(0, b.length - 200));
  refused(d, /^levels: error: not a readable \.ods/m);
});
