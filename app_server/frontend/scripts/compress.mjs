#!/usr/bin/env node
// Writes .gz and .br siblings of the text files under DIR (js, css, html,
// svg, json, txt), so that the server sends the precompressed variant
// (shared/static.c) instead of compressing or sending raw bytes. A
// sibling is written only when it is smaller than the file. Output is
// deterministic (gzip header without a time stamp).
//
//   node compress.mjs DIR
import { readdirSync, readFileSync, writeFileSync, statSync, rmSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const EXTENSIONS = new Set(['.js', '.mjs', '.css', '.html', '.svg', '.json', '.txt']);

function* files(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else if (e.isFile()) yield p;
  }
}

const dir = process.argv[2];
if (!dir || !statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
  console.error('usage: compress.mjs DIR');
  process.exit(2);
}

let written = 0;
for (const f of [...files(dir)]) {
  if (!EXTENSIONS.has(path.extname(f))) continue;
  const raw = readFileSync(f);
  const variants = {
    '.gz': zlib.gzipSync(raw, { level: 9 }),
    '.br': zlib.brotliCompressSync(raw, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
        [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
      },
    }),
  };
  for (const [ext, data] of Object.entries(variants)) {
    if (data.length < raw.length) {
      writeFileSync(f + ext, data);
      written++;
    } else {
      rmSync(f + ext, { force: true });
    }
  }
}
console.log(`compress: ${written} precompressed files in ${dir}`);
