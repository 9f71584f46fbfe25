/**
 * After tsc: each bin (dist/bin/tm-*.js) and the slaves' worker (dist/slave/worker.js) becomes one
 * file holding all of this package's code it imports; the packages it uses stay imports. Node 20
 * has no compile cache, and loading ~150 small ES modules (resolve, read, wrap, link each) was
 * most of a process's start-up beyond Node's own: `tm-run noop.mjs 1` of one job went from
 * 0.69 s to 0.62 s (median of 5 each, alternating), and each slave thread starts sooner too.
 *
 * The rest of dist/ stays as tsc wrote it, for `import … from 'taskmaster-ts'`. A module that finds
 * a file beside itself by `import.meta.url` (the slave bin, the worker, the dashboard's page,
 * package.json) still finds it: in a bundle, its `import.meta.url` is rewritten to the URL its own
 * file had in dist/.
 */
import { build } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';

const DIST = path.resolve('dist');
const BINS = ['tm-run', 'tm-slave', 'tm-master', 'tm-spawn', 'tm-status', 'tm-keygen'];
const META_URL = 'import.meta.url';

/** `text` with each `import.meta.url` that is code (not inside a string) replaced by `replacement`. */
function replaceInCode(text, replacement) {
  let out = '';
  let quote = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote !== null) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === quote) quote = null;
    } else if (text.startsWith(META_URL, i)) {
      out += replacement;
      i += META_URL.length - 1;
    } else {
      if (c === "'" || c === '"' || c === '`') quote = c;
      out += c;
    }
  }
  return out;
}

/** An esbuild plugin: modules of dist/ keep the `import.meta.url` of their own file, seen from the bundle in `outDir`. */
function ownMetaUrl(outDir) {
  return {
    name: 'own-import-meta-url',
    setup(build) {
      build.onLoad({ filter: /\.js$/ }, async ({ path: file }) => {
        const text = await readFile(file, 'utf8');
        if (!text.includes(META_URL)) return { contents: text, loader: 'js' };
        const relative = path.relative(outDir, file).split(path.sep).join('/');
        return { contents: replaceInCode(text, `new URL(${JSON.stringify(relative)}, ${META_URL}).href`), loader: 'js' };
      });
    },
  };
}

/** Bundles `entries` into `outDir`, over the files tsc wrote there; their stale source maps go. */
async function bundle(entries, outDir) {
  await build({
    entryPoints: entries,
    outdir: outDir,
    allowOverwrite: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    plugins: [ownMetaUrl(outDir)],
    logLevel: 'warning',
  });
  await Promise.all(entries.map((entry) => rm(`${entry}.map`, { force: true })));
}

await bundle(
  BINS.map((bin) => path.join(DIST, 'bin', `${bin}.js`)),
  path.join(DIST, 'bin'),
);
await bundle([path.join(DIST, 'slave', 'worker.js')], path.join(DIST, 'slave'));
