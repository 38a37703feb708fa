/**
 * The esbuild bundle of a process's entry, as its `build` target makes it (the image's entry):
 * it starts in about half the time of `node --import tsx`, which counts for suites that start
 * many processes. Run it with startProcess(name, env, { bundle: file }).
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { ENTRIES, ROOT, type ProcessName } from './processes.js';

/** Optional peers Nest and pg load lazily, and PGlite (its WebAssembly is loaded from its package). */
export const BUNDLE_EXTERNALS = [
  '@nestjs/microservices',
  '@nestjs/websockets',
  '@nestjs/platform-express',
  'class-validator',
  'class-transformer',
  'pg-native',
  '@electric-sql/pglite',
];

export interface Bundle {
  readonly file: string;
  remove(): Promise<void>;
}

/**
 * Bundles `name`'s entry into a fresh file in `outDir`, which must be inside the checkout (e.g.
 * `${ROOT}apps/provisioner/dist`) so that the externals resolve from its node_modules.
 */
export async function buildBundle(name: ProcessName, outDir: string): Promise<Bundle> {
  const dir = resolve(ROOT, outDir);
  const inside = relative(ROOT, dir);
  if (inside.startsWith('..') || isAbsolute(inside))
    throw new Error(
      `buildBundle: ${outDir} is outside the checkout ${ROOT}; the bundle's externals would not resolve`,
    );
  const file = join(dir, `${name}-${randomBytes(4).toString('hex')}.mjs`);
  const { build } = await import('esbuild'); // loaded only by callers that bundle
  await build({
    entryPoints: [`${ROOT}${ENTRIES[name]}`],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    outfile: file,
    external: BUNDLE_EXTERNALS,
    logLevel: 'error',
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  return { file, remove: () => rm(file, { force: true }) };
}
