// Bundles the MCP engine for its image: workspace code (@cw/*) is bundled, npm packages stay
// external and are listed, pinned to the installed versions, in dist/package.json.
//   node apps/mcp-engine/scripts/build.mjs   →   apps/mcp-engine/dist/{app/main.js,package.json}
import { build } from 'esbuild';
import { builtinModules } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { stagingFor, swapIn } from '../../../tools/dev/scripts/swap-dist.mjs';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dist = join(root, 'apps/mcp-engine/dist');
// Built beside dist and swapped in at the end (tools/dev/scripts/swap-dist.mjs).
const stage = stagingFor(dist);
mkdirSync(stage, { recursive: true });

const externals = new Set();
const packageOf = (path) =>
  path.startsWith('@') ? path.split('/').slice(0, 2).join('/') : path.split('/')[0];

await build({
  absWorkingDir: root,
  entryPoints: ['apps/mcp-engine/src/main.ts'],
  outfile: join(stage, 'app/main.js'),
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
          if (builtinModules.includes(packageOf(args.path))) return { path: args.path, external: true };
          externals.add(packageOf(args.path));
          return { path: args.path, external: true };
        });
      },
    },
  ],
});

const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const dependencies = Object.fromEntries(
  [...externals]
    .sort()
    .map((name) => [
      name,
      JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version,
    ]),
);
writeFileSync(
  join(stage, 'package.json'),
  `${JSON.stringify({ name: 'cw-mcp-engine', private: true, type: 'module', engines: rootPkg.engines, dependencies }, null, 2)}\n`,
);
swapIn(stage, dist);
console.log(`built apps/mcp-engine/dist (${Object.keys(dependencies).length} runtime packages)`);
