/**
 * The provisioner as a child process, so tests can SIGKILL it and start another. Either the way
 * `npm start` runs it (`node --import tsx apps/provisioner/src/main.ts`) or, for tests that start
 * many processes, the esbuild bundle of the `build` target (the image's entry), which starts in
 * about half the time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const MAIN = 'apps/provisioner/src/main.ts';

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

/** Bundles main.ts like the `build` target; inside the checkout so externals resolve from node_modules. */
export async function buildWorkerBundle(): Promise<{ file: string; remove(): Promise<void> }> {
  const file = `${ROOT}apps/provisioner/dist/test-${randomBytes(4).toString('hex')}.mjs`;
  await build({
    entryPoints: [`${ROOT}${MAIN}`],
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

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  /** SIGTERM, then SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts main.ts through tsx, or `bundle` (from buildWorkerBundle) when given. */
export function startWorker(env: NodeJS.ProcessEnv, bundle?: string): WorkerProcess {
  const args = bundle ? [bundle] : ['--import', 'tsx', MAIN];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: bundle ? { DATABASE_MIGRATIONS_DIR: `${ROOT}libs/db/migrations`, ...env } : env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    exited,
    output: () => out,
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
