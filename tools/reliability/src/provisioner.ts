/**
 * The provisioner worker for kill loops: the esbuild bundle of its `build` target (the image's
 * entry, which starts in about half the time of `node --import tsx`), written under
 * tools/reliability/dist so its externals resolve from the checkout's node_modules.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { build } from 'esbuild';
import { ENTRIES, ROOT, superviseChild, type PlatformProcess } from './processes.js';

/** Optional peers Nest and pg load lazily, and PGlite (its WebAssembly is loaded from its package). */
const BUNDLE_EXTERNALS = [
  '@nestjs/microservices',
  '@nestjs/websockets',
  '@nestjs/platform-express',
  'class-validator',
  'class-transformer',
  'pg-native',
  '@electric-sql/pglite',
];

export async function buildProvisionerBundle(): Promise<{ file: string; remove(): Promise<void> }> {
  const file = `${ROOT}tools/reliability/dist/provisioner-${randomBytes(4).toString('hex')}.mjs`;
  await build({
    entryPoints: [`${ROOT}${ENTRIES.provisioner}`],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: file,
    external: BUNDLE_EXTERNALS,
    logLevel: 'error',
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  return { file, remove: () => rm(file, { force: true }) };
}

/** Starts one worker process from the bundle; same shape as startProcess's. */
export function startBundledProvisioner(bundle: string, env: Record<string, string | undefined>): PlatformProcess {
  const child = spawn(process.execPath, [bundle], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_MIGRATIONS_DIR: `${ROOT}libs/db/migrations`, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return superviseChild('provisioner', child, { graceMs: 5_000 });
}
