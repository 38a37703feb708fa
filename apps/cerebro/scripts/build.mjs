// Bundles cerebro for its image: workspace code (@cw/*) is bundled, npm packages stay external
// and are listed, pinned to the installed versions, in dist/package.json. Files the code reads
// next to itself (`new URL('./assets/…', import.meta.url)`, e.g. the hub's browser script) are
// copied next to the bundle, where that URL points once bundled. The stylesheet is a TS module
// (src/views/stylesheet.ts), so it is inside the bundle already.
//   node apps/cerebro/scripts/build.mjs   →   apps/cerebro/dist/{app/main.js,app/assets/,package.json}
import { build } from 'esbuild';
import { builtinModules } from 'node:module';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { stagingFor, swapIn } from '../../../tools/dev/scripts/swap-dist.mjs';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dist = join(root, 'apps/cerebro/dist');
// Built beside dist and swapped in at the end (tools/dev/scripts/swap-dist.mjs).
const stage = stagingFor(dist);

const externals = new Set();
const packageOf = (path) =>
  path.startsWith('@') ? path.split('/').slice(0, 2).join('/') : path.split('/')[0];

await build({
  absWorkingDir: root,
  entryPoints: ['apps/cerebro/src/main.ts'],
  outfile: join(stage, 'app/main.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  sourcemap: true,
  logLevel: 'warning',
  // CommonJS packages bundled into ESM may call require().
  banner: {
    js: "import { createRequire as __cwCreateRequire } from 'node:module'; const require = __cwCreateRequire(import.meta.url);",
  },
  plugins: [
    {
      name: 'npm-externals',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) => {
          if (args.path.startsWith('@cw/') || args.path.startsWith('node:')) return undefined;
          externals.add(packageOf(args.path));
          return { path: args.path, external: true };
        });
      },
    },
  ],
});

// Read at run time relative to the module that reads them; bundled, that module is app/main.js.
const assets = [['apps/cerebro/src/hub/assets', 'app/assets']];
for (const [from, to] of assets) {
  if (!existsSync(join(root, from))) throw new Error(`cerebro build: ${from} is missing`);
  cpSync(join(root, from), join(stage, to), { recursive: true });
}
const bundle = readFileSync(join(stage, 'app/main.js'), 'utf8');
for (const [, url] of bundle.matchAll(/new URL\("\.\/([^"]+)", import\.meta\.url\)/g)) {
  if (!existsSync(join(stage, 'app', url)))
    throw new Error(`cerebro build: the bundle reads ./${url} next to itself, and it was not copied`);
}

const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const dependencies = Object.fromEntries(
  [...externals]
    .filter((name) => !builtinModules.includes(name))
    .sort()
    .map((name) => [
      name,
      JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version,
    ]),
);
writeFileSync(
  join(stage, 'package.json'),
  `${JSON.stringify({ name: 'cw-cerebro', version: rootPkg.version, private: true, type: 'module', engines: rootPkg.engines, dependencies }, null, 2)}\n`,
);
swapIn(stage, dist);
console.log(`built apps/cerebro/dist (${Object.keys(dependencies).length} runtime packages)`);
