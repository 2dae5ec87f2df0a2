// The App's HTTP interface (SPEC section 5, docs/api.md) over real HTTP
// against real PostgreSQL, with the real LIFTED spreadsheets imported:
// every endpoint with typical, boundary and bad input; every recorded
// answer of the original (../shared/lifted-api-examples) reproduced (the
// framework ones exactly, lists whose order the original left to chance
// as sets; the course ones in shape); the cache's NOTIFY refresh; ETag
// revalidation; 503 before the cache has loaded.
//
// Needs ../shared/lifted-framework and ../shared/lifted-api-examples next
// to the repository; skipped with a message when they are absent.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { Stack, REPO, get, run, binPath, cleanEnv, waitFor } from './lib/stack.mjs';

const FRAMEWORK = path.resolve(REPO, '../shared/lifted-framework');
const EXAMPLES = path.resolve(REPO, '../shared/lifted-api-examples');
const SKIP = existsSync(FRAMEWORK) && existsSync(EXAMPLES)
  ? false
  : `needs the real LIFTED spreadsheets in ${FRAMEWORK} and the recorded answers in ${EXAMPLES}`;

const stack = new Stack(9);
let port;

const example = (f) => JSON.parse(readFileSync(path.join(EXAMPLES, f), 'utf8'));
const api = async (p, init) => {
  const r = await get(port, p, init);
  return r;
};
const ok = async (p) => {
  const r = await api(p);
  assert.equal(r.status, 200, `${p}: ${r.body.slice(0, 300)}`);
  assert.match(r.headers.get('content-type') || '', /application\/json/);
  return r.json;
};
const err = async (p, status, field) => {
  const r = await api(p);
  assert.equal(r.status, status, `${p}: ${r.body.slice(0, 300)}`);
  assert.equal(typeof r.json.error, 'string', p);
  if (field !== undefined) assert.ok(field in r.json.fields, `${p}: fields ${JSON.stringify(r.json.fields)}`);
  return r.json;
};

// Today in the deployment's zone (Asia/Singapore: +08:00, no DST).
const todaySg = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
const localDay = (iso) => iso.slice(0, 10); // answers carry the local offset
const canon = (x) => JSON.stringify(x, Object.keys(x).sort());
const asSet = (list) => list.map((x) => JSON.stringify(x)).sort();

// Half to even, as the original's Python round().
function score(yes, no) {
  const num = 50 * (2 * yes), den = yes + no; // 50 * (answered + yes - no)
  let q = Math.floor(num / den);
  const r = num - q * den;
  if (2 * r > den || (2 * r === den && q % 2 === 1)) q++;
  return q;
}

// The shape of a course object: keys, nesting, types; booleans never null.
function assertCourse(c, { index } = {}) {
  const keys = ['name', 'provider', 'cost', 'url', 'level', 'format', 'spider_name',
    'is_manually_added', 'is_ongoing', 'date_range', 'cpd'];
  assert.deepEqual(Object.keys(c).filter((k) => k !== 'index').sort(), [...keys].sort());
  if (index) assert.equal(typeof c.index, 'number');
  else assert.ok(!('index' in c));
  assert.equal(typeof c.name, 'string');
  assert.ok(c.provider === null || typeof c.provider === 'string');
  assert.equal(typeof c.url, 'string');
  assert.deepEqual(Object.keys(c.cost).sort(), ['cost', 'isVarying']);
  assert.ok(c.cost.cost === null || typeof c.cost.cost === 'number');
  assert.equal(typeof c.cost.isVarying, 'boolean');
  assert.equal(typeof c.is_manually_added, 'boolean');
  assert.equal(typeof c.is_ongoing, 'boolean');
  assert.deepEqual(Object.keys(c.date_range).sort(), ['end', 'start']);
  for (const d of [c.date_range.start, c.date_range.end]) {
    if (d !== null) assert.match(d, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
  }
  assert.deepEqual(Object.keys(c.cpd).sort(), ['is_na', 'is_private', 'is_tbc', 'points']);
  assert.ok(c.cpd.points === null || typeof c.cpd.points === 'number');
  for (const k of ['is_na', 'is_private', 'is_tbc']) assert.equal(typeof c.cpd[k], 'boolean');
}

// The recorded course objects: same keys and nesting as ours.
function assertSameShape(ours, theirs) {
  const shape = (o) => (o && typeof o === 'object' && !Array.isArray(o)
    ? Object.fromEntries(Object.keys(o).sort().map((k) => [k, shape(o[k])]))
    : 'leaf');
  assert.deepEqual(shape(ours), shape(theirs));
}

before(async () => {
  if (SKIP) return;
  await stack.up();
  port = stack.ports.app;
  const r = run(binPath('app'), ['import-framework', FRAMEWORK], { env: cleanEnv(stack.env) });
  assert.equal(r.status, 0, `import-framework failed:\n${r.stdout}\n${r.stderr}`);
  // The import NOTIFYs lifted_framework; every worker reloads.
  await waitFor(async () => {
    const q = await get(port, '/qns');
    return q.status === 200 && q.json.vertical.options.length === 3 &&
      (await get(port, '/diag?r=4')).status === 200;
  }, { timeoutMs: 15_000, what: 'the imported framework in /qns' });
});

after(async () => {
  if (!SKIP) await stack.down();
});

test('/qns is the recorded answer, with a strong ETag and 304', { skip: SKIP }, async () => {
  const r = await api('/qns');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, example('qns.json'));
  const etag = r.headers.get('etag');
  assert.match(etag, /^"[0-9a-f]{32}"$/);
  assert.equal(r.headers.get('cache-control'), 'no-cache');
  // Every worker renders the same bytes, so any of them revalidates.
  for (let i = 0; i < 6; i++) {
    const again = await api('/qns', { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304);
    assert.equal(again.body, '');
    assert.equal(again.headers.get('etag'), etag);
  }
  assert.equal((await api('/qns', { headers: { 'If-None-Match': `W/${etag}` } })).status, 304);
  assert.equal((await api('/qns', { headers: { 'If-None-Match': '"nope", *' } })).status, 304);
  const other = await api('/qns', { headers: { 'If-None-Match': '"0000"' } });
  assert.equal(other.status, 200);
  assert.equal(other.body, r.body);
  // An undeclared parameter (a cache-buster) changes nothing.
  assert.equal((await api('/qns?_=12345')).body, r.body);
});

test('/roles lists a vertical by level, then id; each org type', { skip: SKIP }, async () => {
  const all = await ok('/roles?v=3');
  assert.deepEqual(asSet(all), asSet(example('roles_v3.json')));
  const order = [...all].sort((a, b) => a.level - b.level || a.id - b.id);
  assert.deepEqual(all.map((x) => x.id), order.map((x) => x.id));
  assert.deepEqual(await ok('/roles?v=3&o=any'), all);
  const lf = await ok('/roles?v=3&o=Law%20firm');
  const ih = await ok('/roles?v=3&o=In-house');
  assert.ok(lf.length > 0 && ih.length > 0);
  const ids = new Set(all.map((x) => x.id));
  for (const x of [...lf, ...ih]) assert.ok(ids.has(x.id));
  assert.equal(lf.filter((x) => ih.some((y) => y.id === x.id)).length, 0, 'disjoint');
  // From the sheet: role 2 is "Law firm", role 1 "In-house".
  assert.ok(lf.some((x) => x.id === 2) && !lf.some((x) => x.id === 1));
  assert.ok(ih.some((x) => x.id === 1) && !ih.some((x) => x.id === 2));
  for (const x of all) {
    assert.deepEqual(Object.keys(x).filter((k) => k !== 'specialism'), ['name', 'desc', 'level', 'id']);
  }
  // Other verticals have roles of their own, never vertical 3's.
  const v1 = await ok('/roles?v=1');
  assert.ok(v1.length > 0);
  assert.equal(v1.filter((x) => ids.has(x.id)).length, 0);
});

test('/roles next-role mode: same level or one above, without the role', { skip: SKIP }, async () => {
  const next = await ok('/roles?v=3&r=4');
  assert.deepEqual(asSet(next), asSet(example('roles_next_v3_r4.json')));
  for (const x of next) {
    assert.ok(x.level >= 2 && x.level <= 3);
    assert.notEqual(x.id, 4);
  }
  const order = [...next].sort((a, b) => a.level - b.level || a.id - b.id);
  assert.deepEqual(next.map((x) => x.id), order.map((x) => x.id));
  const lf = await ok('/roles?v=3&r=4&o=Law%20firm');
  const ih = await ok('/roles?v=3&r=4&o=In-house');
  assert.equal(lf.length + ih.length, next.length);
  assert.deepEqual(await ok('/roles?v=3&r=4&o=any'), next);
  // Boundaries and errors.
  await err('/roles', 400, 'v');
  await err('/roles?v=abc', 400, 'v');
  await err('/roles?v=-1', 400, 'v');
  await err('/roles?v=3&o=lawfirm', 400, 'o');
  await err('/roles?v=3&r=x', 400, 'r');
  await err('/roles?v=99', 404, 'v');
  await err('/roles?v=0', 404, 'v');
  await err('/roles?v=3&r=999', 404, 'r');
});

test('/diag and /techdiag are the recorded answers', { skip: SKIP }, async () => {
  assert.deepEqual(await ok('/diag?r=4'), example('diag_r4.json'));
  assert.deepEqual(await ok('/techdiag?r=1'), example('techdiag_r1.json'));
  const t0 = await ok('/techdiag?r=0');
  assert.ok(t0.length > 0);
  for (const q of t0) assert.deepEqual(Object.keys(q), ['id', 'expln', 'desc']);
  const r = await api('/diag?r=4');
  assert.match(r.headers.get('etag'), /^"[0-9a-f]{32}"$/);
  assert.equal((await api('/diag?r=4', { headers: { 'If-None-Match': r.headers.get('etag') } })).status, 304);
  await err('/diag', 400, 'r');
  await err('/diag?r=', 400, 'r');
  await err('/diag?r=1.5', 400, 'r');
  await err('/diag?r=0', 404, 'r');
  await err('/diag?r=4000', 404, 'r');
  await err('/techdiag?r=3', 404, 'r');
  await err('/techdiag', 400, 'r');
});

const RESULTS = '/results?v=3&r=4&19=0&20=1&21=0&22=1&23=0&24=0&25=1&26=0&27=0&28=0&29=1&30=1&31=1&32=0&33=1&34=0';

test('/results: the recorded scores, stable course keys', { skip: SKIP }, async () => {
  const ex = example('results_v3_r4.json');
  const r1 = await api(RESULTS);
  assert.equal(r1.status, 200);
  const res = r1.json;
  assert.deepEqual(res.competencies, ex.competencies);
  assert.deepEqual(Object.keys(res.competencies), Object.keys(ex.competencies), 'first-seen order');
  assert.deepEqual(Object.keys(res.courses).sort(), ['courses', 'map']);
  assert.deepEqual(Object.keys(res.courses.map), Object.keys(ex.courses.map));
  const today = todaySg();
  for (const [cat, keys] of Object.entries(res.courses.map)) {
    for (const k of keys) {
      const c = res.courses.courses[k];
      assert.ok(c, `${cat}: key ${k} has a course`);
      assertCourse(c);
      if (c.date_range.start) assert.ok(localDay(c.date_range.start) >= today);
      else assert.equal(c.is_ongoing, true);
    }
  }
  for (const k of Object.keys(res.courses.courses)) {
    assert.ok(Object.values(res.courses.map).some((ks) => ks.includes(k)));
  }
  assertSameShape(Object.values(res.courses.courses)[0], Object.values(ex.courses.courses)[0]);
  // Stable keys: the same request gives the same bytes.
  assert.equal((await api(RESULTS)).body, r1.body);
});

test('/results: mixed answers for a Legal Support role, edges and errors', { skip: SKIP }, async () => {
  const diag = await ok('/diag?r=7'); // Senior Executive (General), Legal Support
  assert.ok(diag.length >= 4);
  // Answer alternately; the scores follow the formula per category.
  const q = diag.map((c, i) => `${c.id}=${i % 3 === 0 ? 1 : 0}`).join('&');
  const res = await ok(`/results?v=3&r=7&${q}`);
  const cats = Object.keys(res.competencies);
  assert.ok(cats.length >= 1);
  for (const v of Object.values(res.competencies)) {
    assert.equal(v.special, false);
    assert.ok(Number.isInteger(v.score) && v.score >= 0 && v.score <= 100);
  }
  // All yes: 100 everywhere; all no: 0.
  const yes = await ok(`/results?v=3&r=7&${diag.map((c) => `${c.id}=0`).join('&')}`);
  for (const v of Object.values(yes.competencies)) assert.equal(v.score, 100);
  const no = await ok(`/results?v=3&r=7&${diag.map((c) => `${c.id}=1`).join('&')}`);
  for (const v of Object.values(no.competencies)) assert.equal(v.score, 0);
  // Half to even: 5 yes, 3 no in one category is 62.5 -> 62; 3/5 -> 38.
  const one = example('diag_r4.json').map((c) => c.id).slice(0, 8);
  const cat = await ok(`/results?v=3&r=4&${one.map((id) => `${id}=0`).join('&')}`);
  const byCat = {};
  for (const id of one) {
    const r = await ok(`/results?v=3&r=4&${id}=0`);
    byCat[Object.keys(r.competencies)[0]] = (byCat[Object.keys(r.competencies)[0]] || []).concat(id);
  }
  assert.ok(Object.keys(cat.competencies).length >= 1);
  const [bigCat, bigIds] = Object.entries(byCat).sort((a, b) => b[1].length - a[1].length)[0];
  if (bigIds.length >= 4) {
    const y = bigIds.length - 1;
    const qs = bigIds.map((id, i) => `${id}=${i === 0 ? 1 : 0}`).join('&');
    const r = await ok(`/results?v=3&r=4&${qs}`);
    assert.equal(r.competencies[bigCat].score, score(y, 1));
  }
  // Empty answers: empty results.
  assert.deepEqual(await ok('/results?v=3&r=4'), { competencies: {}, courses: { map: {}, courses: {} } });
  // A duplicate key: the last value wins, at the first position.
  const dup = await ok('/results?v=3&r=4&19=1&20=0&19=0');
  assert.deepEqual(dup, await ok('/results?v=3&r=4&19=0&20=0'));
  // A competency outside the role still counts in its category.
  const outside = await ok('/results?v=3&r=4&1=0');
  assert.equal(Object.values(outside.competencies)[0].score, 100);
  await err('/results?v=3&r=4&99999=0', 404, '99999');
  await err('/results?v=3&r=4&19=2', 400, '19');
  await err('/results?v=3&r=4&19=yes', 400, '19');
  await err('/results?v=3', 400, 'r');
  await err('/results?r=4', 400, 'v');
  await err('/results?v=9&r=4', 404, 'v');
  await err('/results?v=3&r=999', 404, 'r');
  const many = Array.from({ length: 1001 }, (_, i) => `${i + 1}=0`).join('&');
  await err(`/results?v=3&r=4&${many}`, 400);
  // Undeclared parameters are ignored.
  assert.deepEqual(await ok('/results?v=3&r=4&19=0&_=1&foo=bar'), await ok('/results?v=3&r=4&19=0'));
});

test('/techdiagresults scores tech categories and recommends courses', { skip: SKIP }, async () => {
  const qs = (await ok('/techdiag?r=1')).map((c, i) => `${c.id}=${i % 2}`);
  const res = await ok(`/techdiagresults?r=1&${qs.join('&')}`);
  assert.ok(Object.keys(res.competencies).length >= 1);
  for (const v of Object.values(res.competencies)) {
    assert.equal(v.special, false);
    assert.ok(v.score >= 0 && v.score <= 100);
  }
  for (const keys of Object.values(res.courses.map)) {
    for (const k of keys) assertCourse(res.courses.courses[k]);
  }
  assert.deepEqual(await ok('/techdiagresults?r=1'), { competencies: {}, courses: { map: {}, courses: {} } });
  await err('/techdiagresults?r=9&16=0', 404, 'r');
  await err('/techdiagresults?r=1&9999=0', 404, '9999');
  await err('/techdiagresults?16=0', 400, 'r');
});

test('/course_recs: category courses, needs, shape of the recording', { skip: SKIP }, async () => {
  const ex = example('course_recs_v1_c1.json');
  const recs = await ok('/course_recs?v=1&c=1');
  assert.ok(recs.length > 0);
  const today = todaySg();
  for (const c of recs) {
    assertCourse(c);
    if (c.date_range.start) assert.ok(localDay(c.date_range.start) >= today);
  }
  assertSameShape(recs[0], ex[0]);
  // Documented order: by start, undated (ongoing) last.
  const starts = recs.map((c) => c.date_range.start).filter(Boolean);
  assert.deepEqual(starts, [...starts].sort());
  // n= (empty) is no filter, as in the original.
  assert.deepEqual(await ok('/course_recs?v=1&c=1&n='), recs);
  // Needs narrow: level and format of one need (need 2: workshops at
  // General/Foundational; need 5: lectures, seminars, roundtables).
  const n2 = await ok('/course_recs?v=1&c=1&n=2');
  for (const c of n2) {
    assert.equal(c.format, 'Workshop');
    assert.ok(['General', 'Foundational'].includes(c.level));
  }
  const n25 = await ok('/course_recs?v=1&c=1&n=5,2');
  assert.ok(n25.length >= n2.length);
  assert.deepEqual(await ok('/course_recs?v=1&c=1&n=2,5,2'), n25);
  for (const c of n25) assert.ok(recs.some((r) => canon(r) === canon(c)));
  await err('/course_recs?v=1', 400, 'c');
  await err('/course_recs?c=1', 400, 'v');
  await err('/course_recs?v=1&c=9', 404, 'c'); // a category of vertical 2
  assert.equal((await api('/course_recs?v=1&c=7')).status, 200); // Specialisms: a category too
  await err('/course_recs?v=9&c=1', 404, 'v');
  await err('/course_recs?v=1&c=1&n=99', 404, 'n');
  await err('/course_recs?v=1&c=1&n=a,b', 400, 'n');
});

async function browse(qs) {
  return ok(`/course_browse${qs}`);
}

test('/course_browse: default, shape, index, date order', { skip: SKIP }, async () => {
  const ex = example('course_browse_default.json');
  const list = await browse('');
  assert.ok(list.length > 0);
  const today = todaySg();
  list.forEach((c, i) => {
    assertCourse(c, { index: true });
    assert.equal(c.index, i);
    if (c.date_range.start) assert.ok(localDay(c.date_range.start) >= today, 'sd defaults to today');
  });
  assertSameShape(list[0], ex[0]);
  const dated = list.filter((c) => c.date_range.start);
  assert.deepEqual(dated.map((c) => c.date_range.start), dated.map((c) => c.date_range.start).sort());
  const firstUndated = list.findIndex((c) => !c.date_range.start);
  if (firstUndated >= 0) assert.ok(list.slice(firstUndated).every((c) => !c.date_range.start));
  const desc = await browse('?o=1');
  const dd = desc.filter((c) => c.date_range.start).map((c) => c.date_range.start);
  assert.deepEqual(dd, [...dd].sort().reverse());
  assert.equal(desc.length, list.length);
});

test('/course_browse: CPD and cost sorts, both orders', { skip: SKIP }, async () => {
  const group = (c) => (c.cpd.points !== null ? 0 : c.cpd.is_tbc ? 1 : c.cpd.is_private ? 2 : c.cpd.is_na ? 3 : 4);
  const all = await browse('?sd=2000-01-01');
  for (const o of [0, 1]) {
    const l = await browse(`?sd=2000-01-01&s=1&o=${o}`);
    assert.equal(l.length, all.length, 'CPD sort keeps courses without points');
    for (let i = 1; i < l.length; i++) {
      assert.ok(group(l[i - 1]) <= group(l[i]), 'points, TBC, private, n/a, not stated');
      if (group(l[i]) === 0 && group(l[i - 1]) === 0) {
        if (o === 0) assert.ok(l[i - 1].cpd.points <= l[i].cpd.points);
        else assert.ok(l[i - 1].cpd.points >= l[i].cpd.points);
      }
      assert.equal(l[i].index, i);
    }
  }
  const key = (c) => (c.cost.isVarying || c.cost.cost === null ? -1 : c.cost.cost);
  for (const o of [0, 1]) {
    const l = await browse(`?sd=2000-01-01&s=2&o=${o}`);
    assert.equal(l.length, all.length);
    for (let i = 1; i < l.length; i++) {
      if (o === 0) assert.ok(key(l[i - 1]) <= key(l[i]));
      else assert.ok(key(l[i - 1]) >= key(l[i]));
    }
  }
  // Same request, same bytes (a total order).
  assert.equal((await api('/course_browse?s=2')).body, (await api('/course_browse?s=2')).body);
});

test('/course_browse: date bounds, search, og, c, paging, errors', { skip: SKIP }, async () => {
  const all = await browse('?sd=2000-01-01');
  const some = all.find((c) => c.date_range.start);
  const day = localDay(some.date_range.start);
  const onDay = await browse(`?sd=${day}&ed=${day}`);
  assert.ok(onDay.length >= 1);
  for (const c of onDay) if (c.date_range.start) assert.equal(localDay(c.date_range.start), day);
  assert.ok(onDay.some((c) => c.name === some.name), 'bounds are inclusive');
  const noOngoing = await browse(`?sd=${day}&ed=${day}&og=0`);
  assert.ok(noOngoing.every((c) => !c.is_ongoing && c.date_range.start && localDay(c.date_range.start) === day));
  assert.ok((await browse('?sd=2000-01-01&og=0')).every((c) => !c.is_ongoing));
  // Search: case-insensitive substring, surrounding blanks ignored.
  const word = some.name.split(' ').find((w) => w.length >= 4) || some.name;
  const found = await browse(`?sd=2000-01-01&q=${encodeURIComponent(` ${word.toUpperCase()} `)}`);
  assert.ok(found.length >= 1);
  for (const c of found) assert.ok(c.name.toLowerCase().includes(word.toLowerCase()));
  assert.deepEqual(await browse('?sd=2000-01-01&q=zzzz-no-such-course'), []);
  // CPD filter.
  const pub = await browse('?sd=2000-01-01&c=0');
  const priv = await browse('?sd=2000-01-01&c=1');
  assert.ok(pub.every((c) => !c.cpd.is_private));
  assert.ok(priv.every((c) => c.cpd.is_private));
  assert.equal(pub.length + priv.length, all.length);
  // Paging: pages concatenate to the whole list, indexes are global.
  const paged = [];
  let total = -1;
  for (let pg = 1; ; pg++) {
    const p = await browse(`?sd=2000-01-01&pg=${pg}&ps=7`);
    assert.deepEqual(Object.keys(p), ['total', 'page', 'page_size', 'results']);
    assert.equal(p.page, pg);
    assert.equal(p.page_size, 7);
    total = p.total;
    if (p.results.length === 0) break;
    paged.push(...p.results);
  }
  assert.equal(total, all.length);
  assert.deepEqual(paged, all);
  const def = await browse('?sd=2000-01-01&pg=1');
  assert.equal(def.page_size, 50);
  assert.deepEqual(def.results, all.slice(0, 50));
  const past = await browse('?pg=100000');
  assert.deepEqual(past.results, []);
  for (const bad of ['s=3', 's=-1', 'o=2', 'c=3', 'og=2', 'pg=0', 'ps=0', 'ps=201', 'sd=2027-02-30',
    'sd=27-01-01', 'ed=tomorrow']) {
    await err(`/course_browse?${bad}`, 400, bad.split('=')[0]);
  }
  await err('/course_browse?sd=2027-02-01&ed=2027-01-31', 400, 'ed');
  await err(`/course_browse?q=${'x'.repeat(201)}`, 400, 'q');
});

test('a course published through NOTIFY lifted_courses shows without a restart', { skip: SKIP }, async () => {
  const name = `Notify test course ${process.pid}`;
  const start = new Date(Date.now() + 3 * 86400e3).toISOString();
  const sql = `WITH c AS (INSERT INTO courses (source_ref, name, cost, cpd_state, cpd_points, level_id, format_id)
      VALUES ('test:notify-${process.pid}', '${name}', 12.5, 'points', 2, 1, 1) RETURNING id)
    INSERT INTO course_dates (course_id, start_at) SELECT id, '${start}' FROM c;
    NOTIFY lifted_courses;`;
  const r = stack.psql('app', sql);
  assert.equal(r.status, 0, r.stderr);
  await waitFor(async () => {
    // Several requests so that every worker is asked.
    for (let i = 0; i < 4; i++) {
      const l = await browse(`?q=${encodeURIComponent(name)}`);
      if (l.length !== 1) return false;
    }
    return true;
  }, { timeoutMs: 10_000, what: 'the new course in /course_browse' });
  const [c] = await browse(`?q=${encodeURIComponent(name)}`);
  assertCourse(c, { index: true });
  assert.equal(c.cost.cost, 12.5);
  assert.equal(c.cpd.points, 2);
  // Deleting it, with the notification, removes it everywhere.
  const d = stack.psql('app', `DELETE FROM courses WHERE source_ref = 'test:notify-${process.pid}'; NOTIFY lifted_courses;`);
  assert.equal(d.status, 0, d.stderr);
  await waitFor(async () => {
    for (let i = 0; i < 4; i++) {
      if ((await browse(`?q=${encodeURIComponent(name)}`)).length !== 0) return false;
    }
    return true;
  }, { timeoutMs: 10_000, what: 'the course gone' });
});

test('503 with Retry-After until the cache has loaded', { skip: SKIP }, async () => {
  // A server whose database never answers never loads its cache.
  const srv = await stack.startServer('app', {
    LIFTED_APP_DATABASE_URL: 'postgresql://app_reader@127.0.0.1:1/lifted_app?connect_timeout=1',
    LIFTED_WORKERS: 1,
  });
  try {
    for (const p of ['/qns', '/roles?v=3', '/diag?r=4', '/course_browse', '/results?v=3&r=4']) {
      const r = await get(srv.port, p);
      assert.equal(r.status, 503, p);
      assert.ok(Number(r.headers.get('retry-after')) >= 1, p);
      assert.equal(typeof r.json.error, 'string');
    }
    // Validation still comes first: bad input is a 400 even then.
    assert.equal((await get(srv.port, '/roles')).status, 400);
  } finally {
    await srv.stop();
  }
});
