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
import { build, transform } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';

const DIST = path.resolve('dist');
const BINS = ['tm-run', 'tm-slave', 'tm-master', 'tm-spawn', 'tm-status', 'tm-keygen'];
const META_URL = 'import.meta.url';
/** What a module's own `import.meta.url` becomes in a bundle. */
const OWN_URL = '__ownImportMetaUrl';

/**
 * An esbuild plugin: modules of dist/ keep the `import.meta.url` of their own file, seen from the
 * bundle in `outDir`. Each module that uses it is parsed and its uses (not text in strings or
 * comments) renamed to a constant declared first in it: the URL of its file relative to the bundle's.
 */
function ownMetaUrl(outDir) {
  return {
    name: 'own-import-meta-url',
    setup(build) {
      build.onLoad({ filter: /\.js$/ }, async ({ path: file }) => {
        const text = await readFile(file, 'utf8');
        if (!text.includes(META_URL)) return { contents: text, loader: 'js' };
        const { code } = await transform(text, { loader: 'js', format: 'esm', define: { [META_URL]: OWN_URL } });
        if (!code.includes(OWN_URL)) return { contents: text, loader: 'js' };
        const relative = path.relative(outDir, file).split(path.sep).join('/');
        return { contents: `const ${OWN_URL} = new URL(${JSON.stringify(relative)}, ${META_URL}).href;\n${code}`, loader: 'js' };
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
