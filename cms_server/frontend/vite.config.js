// Vite build of the CMS single-page app (docs/frontend.md): the common
// config of shared/web/vite.base.mjs, served by lifted-cms under /cms/ (the
// App's pages are at the root).
//
// `make` runs `vite build --outDir <dir>`; the Makefile owns the output
// path.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { viteConfig } from '../../shared/web/vite.base.mjs';

export default viteConfig({
  root: path.dirname(fileURLToPath(import.meta.url)),
  base: '/cms/',
  name: 'cms',
});
