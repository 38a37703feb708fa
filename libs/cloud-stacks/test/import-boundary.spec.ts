/**
 * cdktf is deprecated upstream: keeping every import of it in this package makes moving to its
 * fork one package's change. And the provider packages are imported by sub-path only (their
 * root loads every resource: seconds and >1 GB per process).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const here = fileURLToPath(new URL('../', import.meta.url));
const IMPORT = /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"]((?:cdktf|@cdktf\/[^'"]+)(?:\/[^'"]*)?)['"]/g;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (
      entry.name === 'node_modules' ||
      entry.name.startsWith('.') ||
      entry.name === 'dist' ||
      entry.name === 'cdktf.out'
    )
      return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(ts|mts|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}
const importsOf = (file: string) => [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => m[1]!);

describe('cdktf import boundary', () => {
  it('no file outside libs/cloud-stacks imports cdktf or a provider', () => {
    const offenders = ['apps', 'libs', 'operators', 'tools', 'infra']
      .flatMap((top) => {
        try {
          return sources(join(root, top));
        } catch {
          return [];
        }
      })
      .filter((file) => !file.startsWith(here))
      .filter((file) => importsOf(file).length > 0)
      .map((file) => relative(root, file));
    expect(offenders).toEqual([]);
  });

  it('imports providers by sub-path (…/lib/<resource>/index.js), never the package root', () => {
    const providerImports = sources(here)
      .flatMap((file) => importsOf(file).map((spec) => `${relative(here, file)}: ${spec}`))
      .filter((line) => /@cdktf\/provider-/.test(line));
    expect(providerImports.length).toBeGreaterThan(50);
    expect(
      providerImports.filter((line) => !/@cdktf\/provider-[a-z]+\/lib\/[a-z0-9-]+\/index\.js$/.test(line)),
    ).toEqual([]);
  });
});
