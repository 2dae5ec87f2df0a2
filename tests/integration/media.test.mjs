// Course media (issue 8; docs/media.md): CMS uploads of brochures and
// logos, stored through the storage layer and linked to the course, the
// CMS's signed /media/ URLs, publishing the links to the App, and the
// App's /media/course/<id>/<kind> redirects, over real HTTP against a
// real stack.
//
// Every refusal is checked for storing nothing: no new file under the
// stack's storage folder and no new uploads row.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';

import { Stack, get, rawRequest, waitFor } from './lib/stack.mjs';
import { createSuperuser, login as cmsLogin, staffWith, sqlOn, scrapedSeeder } from './lib/cms.mjs';

const stack = new Stack(20);
let CMS;
let APP;

const ADMIN = 'media-chief';
const ADMIN_PW = 'media-chief-password-1';
let admin;

const sql = (which, text) => sqlOn(stack, which, text);
const seed = scrapedSeeder(stack, { name: 'Media course', url: 'https://example.org/m/', spider: 'spider_m' });

// Small but real files: what the CMS sniffs is the first bytes.
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89', 'latin1'),
  Buffer.from('png body one'),
]);
const PNG2 = Buffer.concat([PNG.subarray(0, 8), Buffer.from('a second, different logo')]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('JFIF jpeg body')]);
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([20, 0, 0, 0]), Buffer.from('WEBPVP8 webp body')]);
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n');
const HTML = Buffer.from('<!doctype html><script>alert(1)</script>');

function storageFiles() {
  const root = path.join(stack.dir, 'storage');
  const out = [];
  const walk = (d, rel) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else out.push(r);
    }
  };
  if (existsSync(root)) walk(root, '');
  return out.sort();
}
const uploadRows = () => Number(sql('cms', 'SELECT count(*) FROM uploads'));

// PUT of raw bytes as the CMS frontend sends them.
async function put(c, p, bytes, { type, name, csrf = true, port } = {}) {
  const h = c.headers();
  if (type !== undefined) h['Content-Type'] = type;
  if (name !== undefined) h['X-File-Name'] = name;
  if (csrf && c.csrf) h['X-CSRF-Token'] = c.csrf;
  return get(port ?? c.port, p, { method: 'PUT', headers: h, body: bytes, timeoutMs: 30_000 });
}

async function getBytes(port, p, headers = {}) {
  const res = await fetch(`http://127.0.0.1:${port}${p}`, { redirect: 'manual', headers });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

// Asserts a refusal stored nothing.
async function refusedNothingStored(fn, status, what) {
  const files = storageFiles();
  const rows = uploadRows();
  const r = await fn();
  assert.equal(r.status, status, `${what}: ${r.body}`);
  assert.deepEqual(storageFiles(), files, `${what}: no new file`);
  assert.equal(uploadRows(), rows, `${what}: no new row`);
  return r;
}

const mediaKey = () => readFileSync(path.join(stack.dir, 'secrets', 'media_url_key'), 'utf8').trim();
const signPath = (p, expires, key = mediaKey()) =>
  `${p}?expires=${expires}&signature=${createHmac('sha256', key).update(`GET\n${p}\n${expires}`).digest('hex')}`;

before(async () => {
  await stack.up();
  CMS = stack.ports.cms;
  APP = stack.ports.app;
  createSuperuser(stack, ADMIN, ADMIN_PW);
  admin = await cmsLogin(CMS, ADMIN, ADMIN_PW);
});

after(async () => {
  await stack.down();
});

test('a PNG logo is stored, recorded, linked and audited; its signed URL serves the same bytes', async () => {
  const id = seed();
  const before = storageFiles();
  const r = await put(admin, `/cms/api/courses/scraped/${id}/logo`, PNG, { type: 'image/png', name: 'Our%20logo%2F..%2Fx.png' });
  assert.equal(r.status, 201, r.body);
  assert.match(r.json.key, /^logo\/[0-9a-f]{32}\.png$/);
  assert.equal(r.json.content_type, 'image/png');
  assert.equal(r.json.size, PNG.length);
  assert.equal(r.json.name, 'x.png', 'the last path component only');
  assert.deepEqual(storageFiles(), [...before, r.json.key].sort());
  assert.ok(readFileSync(path.join(stack.dir, 'storage', r.json.key)).equals(PNG));
  const row = sql('cms', `SELECT kind, content_type, byte_size, sha256, target_type, target_id, detached_at IS NULL,
    uploaded_by = (SELECT id FROM users WHERE username = '${ADMIN}') FROM uploads WHERE storage_key = '${r.json.key}'`);
  const sha = (await import('node:crypto')).createHash('sha256').update(PNG).digest('hex');
  assert.equal(row, `logo|image/png|${PNG.length}|${sha}|scraped_course|${id}|t|t`);
  assert.equal(sql('cms', `SELECT action FROM audit_log WHERE target_type = 'scraped_course' AND target_id = '${id}'`),
    'course.media_upload');

  // The signed URL: no cookie needed.
  assert.match(r.json.url, /^\/media\/logo\/[0-9a-f]{32}\.png\?expires=\d+&signature=[0-9a-f]{64}$/);
  const f = await getBytes(CMS, r.json.url);
  assert.equal(f.status, 200);
  assert.ok(f.bytes.equals(PNG), 'identical bytes');
  assert.equal(f.headers.get('content-type'), 'image/png');
  assert.equal(f.headers.get('content-length'), String(PNG.length));
  assert.equal(f.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(f.headers.get('content-disposition'), null, 'images have no Content-Disposition');
  assert.match(f.headers.get('cache-control'), /^private, max-age=(\d+)$/);
  const age = Number(/max-age=(\d+)/.exec(f.headers.get('cache-control'))[1]);
  assert.ok(age > 500 && age <= 600, `max-age ${age} is the time left`);
  assert.match(f.headers.get('content-security-policy') ?? '', /default-src 'self'/);

  // The editor's view of the row's media.
  const m = await admin.get(`/cms/api/courses/media?type=scraped&id=${id}`);
  assert.equal(m.status, 200, m.body);
  assert.equal(m.json.logo.key, r.json.key);
  assert.equal(m.json.brochure, null);
  assert.ok((await getBytes(CMS, m.json.logo.url)).bytes.equals(PNG));
});

test('a PDF brochure is served inline with its file name; JPEG and WebP logos are accepted', async () => {
  const id = seed();
  const r = await put(admin, `/cms/api/courses/scraped/${id}/brochure`, PDF, { type: 'application/pdf', name: 'brochure.pdf' });
  assert.equal(r.status, 201, r.body);
  assert.match(r.json.key, /^brochure\/[0-9a-f]{32}\.pdf$/);
  const f = await getBytes(CMS, r.json.url);
  assert.equal(f.status, 200);
  assert.ok(f.bytes.equals(PDF));
  assert.equal(f.headers.get('content-type'), 'application/pdf');
  assert.match(f.headers.get('content-disposition'), /^inline; filename="[0-9a-f]{32}\.pdf"$/);

  // No declared type (application/octet-stream) is not a lie.
  const j = await put(admin, `/cms/api/courses/scraped/${id}/logo`, JPEG, { type: 'application/octet-stream' });
  assert.equal(j.status, 201, j.body);
  assert.equal(j.json.content_type, 'image/jpeg');
  const w = await put(admin, `/cms/api/courses/scraped/${id}/logo`, WEBP, { type: 'image/webp' });
  assert.equal(w.status, 201, w.body);
  assert.match(w.json.key, /\.webp$/);
});

test('a new upload replaces the old one: the old row is detached, both are audited', async () => {
  const id = seed();
  const a = await put(admin, `/cms/api/courses/scraped/${id}/logo`, PNG, { type: 'image/png' });
  assert.equal(a.status, 201, a.body);
  const b = await put(admin, `/cms/api/courses/scraped/${id}/logo`, PNG2, { type: 'image/png' });
  assert.equal(b.status, 201, b.body);
  assert.equal(b.json.replaced, a.json.key);
  assert.equal(sql('cms', `SELECT detached_at IS NOT NULL FROM uploads WHERE storage_key = '${a.json.key}'`), 't');
  assert.equal(sql('cms', `SELECT detached_at IS NULL FROM uploads WHERE storage_key = '${b.json.key}'`), 't');
  assert.equal(sql('cms', `SELECT string_agg(action, ',' ORDER BY id) FROM audit_log
    WHERE target_type = 'scraped_course' AND target_id = '${id}'`), 'course.media_upload,course.media_replace');
  const m = await admin.get(`/cms/api/courses/media?type=scraped&id=${id}`);
  assert.equal(m.json.logo.key, b.json.key);
});

test('a declared Content-Type that disagrees with the bytes, or a type that is not allowed, is 415 and stores nothing', async () => {
  const id = seed();
  const lie = await refusedNothingStored(() => put(admin, `/cms/api/courses/scraped/${id}/logo`, PNG, { type: 'application/pdf' }),
    415, 'PNG declared as PDF');
  assert.match(lie.json.error, /application\/pdf/);
  assert.match(lie.json.error, /image\/png/);
  assert.deepEqual(lie.json.fields, { declared: 'application/pdf', detected: 'image/png' });
  await refusedNothingStored(() => put(admin, `/cms/api/courses/scraped/${id}/logo`, HTML, { type: 'image/png' }),
    415, 'HTML declared as PNG');
  await refusedNothingStored(() => put(admin, `/cms/api/courses/scraped/${id}/brochure`, PNG, { type: 'image/png' }),
    415, 'a PNG brochure');
  await refusedNothingStored(() => put(admin, `/cms/api/courses/scraped/${id}/logo`, PDF, { type: 'application/pdf' }),
    415, 'a PDF logo');
  await refusedNothingStored(() => put(admin, `/cms/api/courses/scraped/${id}/logo`, Buffer.alloc(0), { type: 'image/png' }),
    400, 'an empty body');
});

test('no CSRF token is 403; no session is 401; an unknown or out-of-scope course is 404; all store nothing', async () => {
  const id = seed();
  await refusedNothingStored(() => put(admin, `/cms/api/courses/scraped/${id}/logo`, PNG, { type: 'image/png', csrf: false }),
    403, 'no CSRF token');
  const anon = await refusedNothingStored(() => get(CMS, `/cms/api/courses/scraped/${id}/logo`,
    { method: 'PUT', headers: { 'Content-Type': 'image/png' }, body: PNG }), 401, 'no session');
  assert.ok(anon.json.error);
  await refusedNothingStored(() => put(admin, '/cms/api/courses/scraped/987654321/logo', PNG, { type: 'image/png' }),
    404, 'unknown scraped row');
  await refusedNothingStored(() => put(admin, '/cms/api/courses/app/987654321/logo', PNG, { type: 'image/png' }),
    404, 'unknown App course');
  await refusedNothingStored(() => put(admin, `/cms/api/courses/scraped/${id}/banner`, PNG, { type: 'image/png' }),
    404, 'unknown kind');
  const other = seed({ provider: 'Other Provider' });
  const scoped = await staffWith(admin, 'media-scoped', ['courses.edit'], { providers: ['Law Academy'] });
  await refusedNothingStored(() => put(scoped, `/cms/api/courses/scraped/${other}/logo`, PNG, { type: 'image/png' }),
    404, 'another provider\'s row');
  const ok = await put(scoped, `/cms/api/courses/scraped/${id}/logo`, PNG, { type: 'image/png' });
  assert.equal(ok.status, 201, ok.body);
  const viewer = await staffWith(admin, 'media-viewer', ['audit.view']);
  await refusedNothingStored(() => put(viewer, `/cms/api/courses/scraped/${id}/logo`, PNG, { type: 'image/png' }),
    403, 'without courses.edit');
});

test('a file over LIFTED_UPLOAD_MAX_BYTES is 413 and stores nothing; JSON bodies keep their own limit', async () => {
  const id = seed();
  const small = await stack.startServer('cms', { LIFTED_UPLOAD_MAX_BYTES: 1000 }, { waitReady: 'readyz' });
  const c = admin.on(small.port);
  const big = Buffer.concat([PNG.subarray(0, 8), Buffer.alloc(1001 - 8, 0x41)]);
  const r = await refusedNothingStored(() => put(c, `/cms/api/courses/scraped/${id}/logo`, big, { type: 'image/png' }),
    413, 'limit + 1');
  assert.equal(r.json.fields.max_bytes, 1000);
  const fits = await put(c, `/cms/api/courses/scraped/${id}/logo`, big.subarray(0, 1000), { type: 'image/png' });
  assert.equal(fits.status, 201, fits.body);
  await small.stop();

  // The default 8 MiB limit on the stack's CMS: the connection guard
  // lets 8 MiB in (above LIFTED_MAX_BODY_BYTES), not one byte more.
  // It refuses on the Content-Length, before the body is sent.
  const max = 8 * 1024 * 1024;
  const head = (len) => `PUT /cms/api/courses/scraped/${id}/logo HTTP/1.1\r\nHost: 127.0.0.1\r\n`
    + `Cookie: ${admin.cookie}\r\nX-CSRF-Token: ${admin.csrf}\r\nContent-Type: image/png\r\n`
    + `Content-Length: ${len}\r\n\r\n`;
  await refusedNothingStored(() => rawRequest(CMS, head(max + 1), { expect: 1 }), 413, '8 MiB + 1');
  const full = Buffer.concat([PNG.subarray(0, 8), Buffer.alloc(max - 8, 0x42)]);
  const at = await put(admin, `/cms/api/courses/scraped/${id}/logo`, full, { type: 'image/png' });
  assert.equal(at.status, 201, at.body);
  assert.equal(at.json.size, max);
  assert.equal(readFileSync(path.join(stack.dir, 'storage', at.json.key)).length, max);

  // A JSON body above LIFTED_MAX_BODY_BYTES (1 MiB) is still refused.
  const json = JSON.stringify({ id, comment: 'x'.repeat(1024 * 1024) });
  const j = await admin.post('/cms/api/courses/scraped/update', json, { raw: true });
  assert.equal(j.status, 413, j.body.slice(0, 200));
});

test('signed URLs: tampered, missing, expired or for another key are 403; a gone object is 404', async () => {
  const id = seed();
  const r = await put(admin, `/cms/api/courses/scraped/${id}/logo`, PNG, { type: 'image/png' });
  assert.equal(r.status, 201, r.body);
  const url = new URL(r.json.url, `http://127.0.0.1:${CMS}`);
  const p = url.pathname;
  const e = url.searchParams.get('expires');
  const s = url.searchParams.get('signature');
  assert.equal((await get(CMS, r.json.url)).status, 200);
  const flip = (x) => x.slice(0, -1) + (x.endsWith('0') ? '1' : '0');
  for (const [what, u] of [
    ['tampered signature', `${p}?expires=${e}&signature=${flip(s)}`],
    ['upper-case signature', `${p}?expires=${e}&signature=${s.toUpperCase()}`],
    ['later expiry', `${p}?expires=${Number(e) + 1000}&signature=${s}`],
    ['another key', `/media/logo/${'0'.repeat(32)}.png?expires=${e}&signature=${s}`],
    ['no signature', `${p}?expires=${e}`],
    ['no expiry', `${p}?signature=${s}`],
    ['nothing', p],
  ]) {
    const x = await get(CMS, u);
    assert.equal(x.status, 403, `${what}: ${x.body}`);
    assert.ok(x.json.error, what);
  }
  // Signed with the stack's key: the same computation passes with a
  // future expiry and fails with a past one.
  assert.equal((await get(CMS, signPath(p, Math.floor(Date.now() / 1000) + 60))).status, 200);
  const old = await get(CMS, signPath(p, Math.floor(Date.now() / 1000) - 5));
  assert.equal(old.status, 403);
  assert.match(old.json.error, /expired/);
  // Any other key (LIFTED_SECRET_KEY included) is refused.
  const secret = readFileSync(path.join(stack.dir, 'secrets', 'secret_key'), 'utf8').trim();
  assert.equal((await get(CMS, signPath(p, Math.floor(Date.now() / 1000) + 60, secret))).status, 403);
  // Signed but never stored.
  const ghost = `/media/logo/${'a'.repeat(32)}.png`;
  assert.equal((await get(CMS, signPath(ghost, Math.floor(Date.now() / 1000) + 60))).status, 404);
});

test('publishing carries the media to the App: course JSON paths, 302 to a signed URL, identical bytes', async () => {
  const name = `Media publish ${Date.now()}`;
  const id = seed({ name, state: 'in_review' });
  const b = await put(admin, `/cms/api/courses/scraped/${id}/brochure`, PDF, { type: 'application/pdf' });
  assert.equal(b.status, 201, b.body);
  const l = await put(admin, `/cms/api/courses/scraped/${id}/logo`, PNG, { type: 'image/png' });
  assert.equal(l.status, 201, l.body);
  const p = await admin.post('/cms/api/courses/transition', { id, transition: 'publish', comment: 'with media' });
  assert.equal(p.status, 200, p.body);
  const appId = p.json.app_course_id;
  assert.equal(sql('app', `SELECT brochure_key, brochure_type, logo_key, logo_type FROM courses WHERE id = ${appId}`),
    `${b.json.key}|application/pdf|${l.json.key}|image/png`);

  let course;
  await waitFor(async () => {
    const r = await get(APP, `/course_browse?q=${encodeURIComponent(name)}`);
    course = JSON.stringify(r.json ?? {}).includes(name) ? r : null;
    return course !== null && course.body.includes('/media/course/');
  }, { timeoutMs: 5000, intervalMs: 200, what: 'published course with media in /course_browse' });
  const entry = JSON.parse(course.body).find((x) => x.name === name);
  assert.equal(entry.brochure, `/media/course/${appId}/brochure`);
  assert.equal(entry.logo, `/media/course/${appId}/logo`);

  for (const [kind, bytes, type] of [['logo', PNG, 'image/png'], ['brochure', PDF, 'application/pdf']]) {
    const r = await getBytes(APP, `/media/course/${appId}/${kind}`);
    assert.equal(r.status, 302);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const loc = r.headers.get('location');
    assert.match(loc, new RegExp(`^http://127\\.0\\.0\\.1:${CMS}/media/${kind}/[0-9a-f]{32}\\.\\w+\\?expires=\\d+&signature=[0-9a-f]{64}$`));
    const f = await fetch(loc);
    assert.equal(f.status, 200);
    assert.equal(f.headers.get('content-type'), type);
    assert.ok(Buffer.from(await f.arrayBuffer()).equals(bytes), `${kind}: identical bytes`);
  }
  // The App's signature is the CMS's: the App itself serves no bytes.
  assert.equal((await get(APP, `/media/${l.json.key}`)).status, 404);

  // A new logo for the published row reaches the App at once.
  const l2 = await put(admin, `/cms/api/courses/scraped/${id}/logo`, PNG2, { type: 'image/png' });
  assert.equal(l2.status, 201, l2.body);
  assert.equal(sql('app', `SELECT logo_key FROM courses WHERE id = ${appId}`), l2.json.key);
  await waitFor(async () => {
    const r = await getBytes(APP, `/media/course/${appId}/logo`);
    return r.status === 302 && r.headers.get('location').includes(l2.json.key);
  }, { timeoutMs: 5000, intervalMs: 200, what: 'the App redirect to the new logo' });

  // An App without LIFTED_MEDIA_URL_KEY (it never has LIFTED_SECRET_KEY)
  // shows no media and says why on the redirect route.
  const bare = await stack.startServer('app', { LIFTED_MEDIA_URL_KEY: null, LIFTED_MEDIA_BASE_URL: null },
    { waitReady: 'readyz' });
  try {
    const r = await get(bare.port, `/course_browse?q=${encodeURIComponent(name)}`);
    const e = r.json.find((x) => x.name === name);
    assert.ok(e, r.body);
    assert.equal('logo' in e || 'brochure' in e, false);
    const m = await get(bare.port, `/media/course/${appId}/logo`);
    assert.equal(m.status, 503);
    assert.match(m.json.error, /LIFTED_MEDIA_URL_KEY/);
  } finally {
    await bare.stop();
  }

  for (const u of [`/media/course/987654321/logo`, `/media/course/${appId}/banner`, '/media/course/x/logo',
    '/media/course/0/logo']) {
    assert.equal((await get(APP, u)).status, 404, u);
  }
});

test('App courses: an upload sets the App row at once; deleting the course detaches its uploads', async () => {
  const name = `Manual media ${Date.now()}`;
  const c = await admin.post('/cms/api/courses/create', {
    name, provider: 'Law Academy', url: 'https://example.org/manual', cost: 10, level_id: 1, format_id: 1,
    cpd_state: 'na', dates: [{ start: '2031-01-01', end: null }], category_ids: [1],
  });
  assert.equal(c.status, 201, c.body);
  const appId = c.json.id;
  // No media: no fields in the App JSON (recorded API examples stay).
  await waitFor(async () => (await get(APP, `/course_browse?q=${encodeURIComponent(name)}`)).body.includes(name),
    { timeoutMs: 5000, intervalMs: 200, what: 'manual course in /course_browse' });
  const plain = (await get(APP, `/course_browse?q=${encodeURIComponent(name)}`)).json.find((x) => x.name === name);
  assert.equal('logo' in plain, false);
  assert.equal('brochure' in plain, false);
  assert.equal((await get(APP, `/media/course/${appId}/logo`)).status, 404);

  const u = await put(admin, `/cms/api/courses/app/${appId}/logo`, JPEG, { type: 'image/jpeg', name: 'logo.jpg' });
  assert.equal(u.status, 201, u.body);
  assert.equal(u.json.course_type, 'app');
  assert.equal(sql('app', `SELECT logo_key, logo_type FROM courses WHERE id = ${appId}`), `${u.json.key}|image/jpeg`);
  assert.equal(sql('cms', `SELECT target_type, target_id FROM uploads WHERE storage_key = '${u.json.key}'`), `course|${appId}`);
  const m = await admin.get(`/cms/api/courses/media?type=app&id=${appId}`);
  assert.equal(m.status, 200, m.body);
  assert.equal(m.json.logo.key, u.json.key);
  await waitFor(async () => (await get(APP, `/media/course/${appId}/logo`)).status === 302,
    { timeoutMs: 5000, intervalMs: 200, what: 'App redirect for the new logo' });
  const r = await getBytes(APP, `/media/course/${appId}/logo`);
  const got = Buffer.from(await (await fetch(r.headers.get('location'))).arrayBuffer());
  assert.ok(got.equals(JPEG));

  const d = await admin.post('/cms/api/courses/delete', { id: appId });
  assert.equal(d.status, 200, d.body);
  await waitFor(() => sql('cms', `SELECT detached_at IS NOT NULL FROM uploads WHERE storage_key = '${u.json.key}'`) === 't',
    { timeoutMs: 5000, intervalMs: 100, what: 'upload detached after the course was deleted' });
});

test('the App database down after the file is stored: the upload is undone, nothing half-written', async () => {
  const id = seed({ state: 'in_review' });
  const a = await put(admin, `/cms/api/courses/scraped/${id}/logo`, PNG, { type: 'image/png' });
  assert.equal(a.status, 201, a.body);
  const p = await admin.post('/cms/api/courses/transition', { id, transition: 'publish' });
  assert.equal(p.status, 200, p.body);
  const files = storageFiles();
  const rows = uploadRows();
  const st = stack.pgCtl('app', ['stop', '-w', '-t', '60', '-m', 'fast']);
  assert.equal(st.status, 0, `pg_ctl stop: ${st.stdout}${st.stderr}`);
  let r;
  try {
    r = await put(admin, `/cms/api/courses/scraped/${id}/logo`, PNG2, { type: 'image/png' });
  } finally {
    const up = stack.pgCtl('app', ['start', '-w', '-t', '60', '-l', stack.pgLog('app')]);
    assert.equal(up.status, 0, `pg_ctl start: ${up.stdout}${up.stderr}`);
  }
  assert.equal(r.status, 503, r.body);
  assert.match(r.json.error, /App database is unavailable: nothing was changed/);
  assert.equal(uploadRows(), rows, 'the new row is gone');
  assert.equal(sql('cms', `SELECT detached_at IS NULL FROM uploads WHERE storage_key = '${a.json.key}'`), 't',
    'the replaced upload is current again');
  assert.equal(sql('cms', `SELECT string_agg(action, ',' ORDER BY id) FROM audit_log
    WHERE target_type = 'scraped_course' AND target_id = '${id}' AND action LIKE 'course.media%'`),
  'course.media_upload,course.media_replace,course.media_undo');
  await waitFor(() => JSON.stringify(storageFiles()) === JSON.stringify(files),
    { timeoutMs: 5000, intervalMs: 100, what: 'the stored file deleted again' });
  // Once it is back, the same upload works.
  await waitFor(async () => (await put(admin, `/cms/api/courses/scraped/${id}/logo`, PNG2, { type: 'image/png' })).status === 201,
    { timeoutMs: 15_000, intervalMs: 300, what: 'upload after the App database came back' });
});
