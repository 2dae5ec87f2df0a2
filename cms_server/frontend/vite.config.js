// Vite build of the CMS single-page app (docs/frontend.md).
//
// `make` runs `vite build --outDir <dir>`; the Makefile owns the output
// path. JSX is compiled by Vite's own transformer (oxc) with Preact's
// automatic runtime, so no Babel preset is needed.
//
// checkBundledPackages: every npm package whose code lands in the bundle
// must be a production dependency in package-lock.json. The licence page
// (/terms/, scripts/terms) is the App's, served by the CMS too from the
// copy of the App's tree; it lists the App's production packages, which
// are the same as ours (Preact). A package added here only must be added
// to that page as well. A dev-only package slipping into the bundle fails
// the build instead of going unlisted.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const HERE = path.dirname(fileURLToPath(import.meta.url));

function productionPackages() {
  const lock = JSON.parse(readFileSync(path.join(HERE, 'package-lock.json'), 'utf8'));
  const names = new Set();
  for (const [key, meta] of Object.entries(lock.packages || {})) {
    if (!key.startsWith('node_modules/') || meta.dev) continue;
    names.add(key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length));
  }
  return names;
}

function packageOf(id) {
  const i = id.lastIndexOf('/node_modules/');
  if (i < 0) return null;
  const parts = id.slice(i + '/node_modules/'.length).split('/');
  return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

function checkBundledPackages() {
  return {
    name: 'lifted-check-bundled-packages',
    generateBundle(_options, bundle) {
      const allowed = productionPackages();
      const bundled = new Set();
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk') continue;
        for (const id of chunk.moduleIds || Object.keys(chunk.modules || {})) {
          const pkg = packageOf(id.replace(/\\/g, '/'));
          if (pkg) bundled.add(pkg);
        }
      }
      const missing = [...bundled].filter((p) => !allowed.has(p));
      if (missing.length) {
        this.error(`bundled packages that are not production dependencies in package-lock.json: ${missing.join(', ')}`);
      }
    },
  };
}

export default defineConfig({
  // Served by lifted-cms under /cms/ (the App's pages are at the root).
  base: '/cms/',
  publicDir: 'public',
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'preact' },
  },
  build: {
    target: 'es2020',
    // The polyfill would be one more script; every browser we serve has
    // modulepreload or does not need it.
    modulePreload: { polyfill: false },
    sourcemap: false,
    assetsDir: 'assets',
    reportCompressedSize: false,
  },
  plugins: [checkBundledPackages()],
});
