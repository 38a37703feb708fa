/**
 * The bare module specifiers a fresh Node process resolves while importing `entry` (node:module
 * `registerHooks`, tsx for our TypeScript sources): to prove an entry point does not load an SDK
 * it does not need (e.g. a pgvector tenant's cerebro loading the OpenSearch client).
 */
import { execFileSync } from 'node:child_process';

export function resolvedModules(entry: string, cwd = process.cwd()): string[] {
  const script = `
    import { registerHooks } from 'node:module';
    const seen = new Set();
    registerHooks({ resolve(spec, ctx, next) { seen.add(spec); return next(spec, ctx); } });
    await import(${JSON.stringify(entry)});
    console.log(JSON.stringify([...seen]));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return JSON.parse(out.trim().split('\n').at(-1) ?? '[]') as string[];
}

/** The specifiers of `seen` that are `pkg` or one of its sub-paths. */
export const loadedPackages = (seen: readonly string[], packages: readonly string[]): string[] =>
  seen.filter((s) => packages.some((p) => s === p || s.startsWith(`${p}/`)));
