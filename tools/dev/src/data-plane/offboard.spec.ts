/**
 * Render-only offboarding on npm start's data plane: a tenant whose render is gone (no
 * manifests/, no tenant.yaml) loses its local folder and ports, and the router's answer for it is
 * "gone" (404). A tenant that still has a render keeps everything. Stopping its processes is
 * covered with real processes in tools/dev/test/local-data-plane.spec.ts.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalDataPlane } from './local-data-plane.js';

let dir = '';
let artifacts = '';
let data = '';
const ports = { cerebro: 41001, engines: { main: { dashboard: 41002, mcp: 41003 } } };
const plane = () =>
  new LocalDataPlane({
    root: '/nonexistent/',
    artifactsDir: artifacts,
    dataDir: data,
    routerPort: 1,
    env: {},
    printLinks: false,
    pgliteTemplate: false,
    log: () => undefined,
  });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cw-offboard-'));
  artifacts = join(dir, 'tenants');
  data = join(dir, 'data');
  // "kept": rendered without manifests (values missing) — known, not running. "left": offboarded.
  await mkdir(join(artifacts, 'kept'), { recursive: true });
  await writeFile(join(artifacts, 'kept', 'tenant.yaml'), 'kind: Tenant\n');
  for (const slug of ['kept', 'left', 'orphan']) {
    await mkdir(join(data, slug, 'secrets'), { recursive: true });
    await writeFile(join(data, slug, 'secrets', 'vault-master-key'), 'k\n');
  }
  await writeFile(join(data, 'ports.json'), JSON.stringify({ kept: ports, left: ports }));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('offboarding on the local data plane', () => {
  it('removes the folder and ports of every tenant whose render is gone; the router says gone', async () => {
    const p = plane();
    expect(p.route('left'), 'before the first pass nothing is known').toBeUndefined();
    await p.sync();
    expect(existsSync(join(data, 'left'))).toBe(false);
    expect(existsSync(join(data, 'orphan')), 'a folder without ports is removed too').toBe(false);
    expect(existsSync(join(data, 'kept', 'secrets', 'vault-master-key'))).toBe(true);
    expect(JSON.parse(await readFile(join(data, 'ports.json'), 'utf8'))).toEqual({ kept: ports });
    expect(p.route('left')).toBe('gone');
    expect(p.route('never-seen')).toBe('gone');
    expect(p.route('kept'), 'rendered but not running: not gone').toBeUndefined();
  });

  it('removes nothing while the artifacts folder itself is missing (a wrong ARTIFACTS_DIR)', async () => {
    await rm(artifacts, { recursive: true });
    await plane().sync();
    expect(existsSync(join(data, 'left'))).toBe(true);
    expect(Object.keys(JSON.parse(await readFile(join(data, 'ports.json'), 'utf8')))).toEqual([
      'kept',
      'left',
    ]);
  });
});
