// /terms/: the licence page lists every third-party component the build
// ships (SPEC section 5): each production package of the App's npm lock
// file (what the Vite bundle may contain; vite.config.js refuses to
// bundle anything else) and the Debian libraries the binaries link. Also
// checks that the built app is served with its precompressed variants.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { Stack, REPO, get } from './lib/stack.mjs';

const stack = new Stack(8);
let APP;

before(async () => {
  await stack.up();
  APP = stack.ports.app;
});
after(async () => { await stack.down(); });

function bundledPackages() {
  const lock = JSON.parse(readFileSync(path.join(REPO, 'app_server/frontend/package-lock.json'), 'utf8'));
  const out = [];
  for (const [key, meta] of Object.entries(lock.packages)) {
    if (!key.startsWith('node_modules/') || meta.dev || meta.devOptional) continue;
    out.push({ name: key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length), version: meta.version });
  }
  return out;
}

const DEBIAN = ['libevent-2.1-7', 'libpq5', 'libcjson1', 'libssl3', 'libxml2', 'libzip4', 'libcurl4', 'libargon2-1'];

test('/terms/ lists every npm package the build bundles, with version and licence', async () => {
  const want = bundledPackages();
  assert.ok(want.some((p) => p.name === 'preact'), 'preact is a production dependency');
  const page = await get(APP, '/terms/');
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type'), /^text\/html/);
  const json = await get(APP, '/terms/terms.json');
  assert.equal(json.status, 200);
  assert.match(json.headers.get('content-type'), /^application\/json/);
  for (const p of want) {
    const row = new RegExp(`<tr data-package="${p.name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}">(.*?)</tr>`).exec(page.body);
    assert.ok(row, `${p.name} has a row on /terms/`);
    assert.ok(row[1].includes(`<td>${p.version}</td>`), `${p.name} ${p.version} on /terms/`);
    const entry = json.json.npm.find((e) => e.name === p.name);
    assert.ok(entry, `${p.name} in terms.json`);
    assert.equal(entry.version, p.version);
    assert.ok(entry.license && entry.license !== 'not stated', `${p.name} has a licence`);
  }
  assert.equal(json.json.npm.length, want.length, 'no package that the build does not bundle');
});

test('/terms/ lists the Debian libraries the binaries link', async () => {
  const json = (await get(APP, '/terms/terms.json')).json;
  const page = (await get(APP, '/terms/')).body;
  for (const name of DEBIAN) {
    const e = json.debian.find((d) => d.package === name);
    assert.ok(e, `${name} in terms.json`);
    assert.match(e.version, /\S/);
    assert.match(e.license, /\S/);
    assert.ok(page.includes(`<tr data-package="${name}">`), `${name} on /terms/`);
  }
});

test('/terms (no slash) serves the app, which forwards to /terms/', async () => {
  const r = await get(APP, '/terms');
  assert.equal(r.status, 200);
  assert.match(r.body, /<div id="app">/);
});

test('the built app is served precompressed: br, gzip, identity', async () => {
  const index = await get(APP, '/', { headers: { 'accept-encoding': 'identity' } });
  assert.equal(index.status, 200);
  const js = /src="(\/assets\/[^"]+\.js)"/.exec(index.body);
  const css = /href="(\/assets\/[^"]+\.css)"/.exec(index.body);
  assert.ok(js && css, 'index.html links its script and stylesheet');
  assert.doesNotMatch(index.body, /<script>|<style|style="/, 'no inline script or style (CSP)');
  for (const p of [js[1], css[1]]) {
    for (const enc of ['br', 'gzip']) {
      const res = await fetch(`http://127.0.0.1:${APP}${p}`, { headers: { 'accept-encoding': enc } });
      await res.arrayBuffer();
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-encoding'), enc, `${p} as ${enc}`);
      assert.match(res.headers.get('cache-control') || '', /immutable/, `${p}: long-lived caching`);
    }
  }
});
