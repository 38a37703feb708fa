// Bundles the control plane for its image: workspace code (@cw/*) is bundled, npm packages stay
// external and are listed, pinned to the installed versions, in dist/package.json; the database
// migrations are copied next to the bundle (libs/db finds them at ../migrations).
//   node apps/control-plane/scripts/build.mjs   →   apps/control-plane/dist/{app/main.js,app/assets/,migrations/,package.json}
import { build } from 'esbuild';
import { bundleBrowserAssets } from './browser-assets.mjs';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dist = join(root, 'apps/control-plane/dist');
rmSync(dist, { recursive: true, force: true });

// Loaded by name at runtime (Nest's HTTP adapter, Nest's peer dependency), not imported statically.
const externals = new Set(['@nestjs/platform-express', 'rxjs']);
const packageOf = (path) =>
  path.startsWith('@') ? path.split('/').slice(0, 2).join('/') : path.split('/')[0];

await build({
  absWorkingDir: root,
  entryPoints: ['apps/control-plane/src/main.ts'],
  outfile: join(dist, 'app/main.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  sourcemap: true,
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

// The browser assets, bundled from apps/control-plane/browser/ next to the server bundle, where
// src/assets/browser-assets.ts reads them.
mkdirSync(join(dist, 'app/assets'), { recursive: true });
for (const [name, text] of Object.entries(await bundleBrowserAssets())) {
  writeFileSync(join(dist, 'app/assets', name), text);
}

const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const dependencies = Object.fromEntries(
  [...externals]
    .filter(
      (name) =>
        ![
          'fs',
          'path',
          'crypto',
          'http',
          'net',
          'os',
          'url',
          'events',
          'stream',
          'util',
          'async_hooks',
        ].includes(name),
    )
    .sort()
    .map((name) => [
      name,
      JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version,
    ]),
);
writeFileSync(
  join(dist, 'package.json'),
  `${JSON.stringify({ name: 'cw-control-plane', private: true, type: 'module', engines: rootPkg.engines, dependencies }, null, 2)}\n`,
);
mkdirSync(join(dist, 'migrations'), { recursive: true });
cpSync(join(root, 'libs/db/migrations'), join(dist, 'migrations'), { recursive: true });
console.log(`built apps/control-plane/dist (${Object.keys(dependencies).length} runtime packages)`);
