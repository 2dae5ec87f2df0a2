// The Vite config common to the App's and the CMS's single-page apps
// (docs/frontend.md). Each app's vite.config.js calls
// viteConfig({ root, base, name }) with its own directory, base path and
// name; `make` passes the output directory (`vite build --outDir <dir>`).
//
// This file lies outside both apps' roots, so it imports nothing but
// Node's own modules (a bare 'vite' would not resolve from here), and the
// shared sources beside it (router.jsx, useApi.js) get their bare imports
// ('preact/hooks', and 'preact/jsx-runtime' from the JSX transform)
// resolved from the importing app's node_modules by resolve.dedupe.
//
// JSX is compiled by Vite's own transformer (oxc) with Preact's automatic
// runtime, so no Babel preset is needed; it applies to every .jsx file of
// the module graph, the shared ones included.
//
// checkBundledPackages: every npm package whose code lands in the bundle
// must be a production dependency in the app's package-lock.json, because
// the licence page (/terms/, scripts/terms) lists exactly those. The page
// is the App's, served by the CMS too from the copy of the App's tree; the
// CMS's production packages are the same as the App's (Preact), so a
// package added to the CMS only must be added to that page as well. A
// dev-only package slipping into the bundle fails the build instead of
// going unlisted.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SHARED = path.dirname(fileURLToPath(import.meta.url));

function productionPackages(root) {
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
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

function checkBundledPackages(root, name) {
  return {
    name: 'lifted-check-bundled-packages',
    generateBundle(_options, bundle) {
      const allowed = productionPackages(root);
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
        this.error(`${name}: bundled packages that are not production dependencies in package-lock.json: ${missing.join(', ')}`);
      }
    },
  };
}

// root: the app's directory (where its package.json, package-lock.json
// and node_modules are); base: the URL path it is served under; name: for
// messages.
export function viteConfig({ root, base, name }) {
  return {
    root,
    base,
    publicDir: 'public',
    oxc: {
      jsx: { runtime: 'automatic', importSource: 'preact' },
    },
    resolve: {
      // shared/web/*.jsx has no node_modules above it: resolve its
      // 'preact', 'preact/hooks', 'preact/jsx-runtime' from the app's
      // root, the one copy the app's own code uses.
      dedupe: ['preact'],
    },
    server: {
      // `npx vite` (dev) serves the app's files and the shared ones.
      fs: { allow: [root, SHARED] },
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
    plugins: [checkBundledPackages(root, name)],
  };
}
