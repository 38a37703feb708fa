// Bundles the MCP engine (with every plugin package it can load) for its image: workspace code
// (@cw/*) is bundled, npm packages stay external and are listed, pinned to the installed versions,
// in dist/package.json. The engine reads no file next to its code; the check below fails the
// build if that changes without copying the file.
//   node apps/mcp-engine/scripts/build.mjs   →   apps/mcp-engine/dist/{app/main.js,package.json}
import { build } from 'esbuild';
import { builtinModules } from 'node:module';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dist = join(root, 'apps/mcp-engine/dist');
rmSync(dist, { recursive: true, force: true });

const externals = new Set();
const packageOf = (path) =>
  path.startsWith('@') ? path.split('/').slice(0, 2).join('/') : path.split('/')[0];

await build({
  absWorkingDir: root,
  entryPoints: ['apps/mcp-engine/src/main.ts'],
  outfile: join(dist, 'app/main.js'),
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

const bundle = readFileSync(join(dist, 'app/main.js'), 'utf8');
for (const [, url] of bundle.matchAll(/new URL\("\.\/([^"]+)", import\.meta\.url\)/g)) {
  if (!existsSync(join(dist, 'app', url)))
    throw new Error(`mcp-engine build: the bundle reads ./${url} next to itself, and it was not copied`);
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
  join(dist, 'package.json'),
  `${JSON.stringify({ name: 'cw-mcp-engine', version: rootPkg.version, private: true, type: 'module', engines: rootPkg.engines, dependencies }, null, 2)}\n`,
);
console.log(`built apps/mcp-engine/dist (${Object.keys(dependencies).length} runtime packages)`);
