// cerebro's config file watched after boot: the engines' switches and plugins apply in place, any
// other change is reported as needing a restart, an invalid file is ignored.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCerebroConfig, type CerebroConfigInput } from '@cw/tenant-model';
import { CerebroConfigWatcher } from '../src/config/config-watcher.js';

const base: CerebroConfigInput = {
  tenant: 'acme',
  displayName: 'Acme',
  plan: 'team',
  seats: 5,
  hostname: 'acme.localtest.me',
  url: 'http://acme.localtest.me:3080',
  cloud: { provider: 'local', region: 'local' },
  identity: { mode: 'magic-link' },
  store: { kind: 'memory' },
  vault: { kind: 'memory' },
  mail: { transport: 'outbox', dir: '/tmp/outbox', from: 'cerebro@acme.test' },
  engines: [
    {
      name: 'main',
      mcpUrl: 'http://127.0.0.1:9/mcp',
      dashboardUrl: 'http://127.0.0.1:9',
      plugins: ['payments'],
    },
    { name: 'books', mcpUrl: 'http://127.0.0.1:8/mcp', dashboardUrl: 'http://127.0.0.1:8', plugins: [] },
  ],
};

describe('CerebroConfigWatcher', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cerebro-watch-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it("applies the engines' switches and plugins in place; anything else needs a restart; a bad file is ignored", async () => {
    const file = join(dir, 'config.json');
    const write = (c: unknown) => writeFile(file, JSON.stringify(c));
    await write(base);
    const running = parseCerebroConfig(base);
    const main = running.engines[0]!;
    const watcher = new CerebroConfigWatcher(file, running, () => undefined);
    expect(watcher.check()).toEqual({ kind: 'unchanged' });

    const engines = base.engines!.map((e) =>
      e.name === 'main' ? { ...e, readOnly: true, maintenance: true, plugins: ['payments', 'email'] } : e,
    );
    await write({ ...base, engines });
    expect(watcher.check()).toEqual({ kind: 'applied', engines: ['main'] });
    // The same object every request reads (deps.config), changed in place.
    expect(running.engines[0]).toBe(main);
    expect(main).toMatchObject({ readOnly: true, maintenance: true, plugins: ['payments', 'email'] });
    expect(running.engines[1]).toMatchObject({ readOnly: false, maintenance: false, plugins: [] });
    expect(watcher.check()).toEqual({ kind: 'unchanged' });

    // A field cerebro reads only at boot, or an engine's address: reported, not applied.
    await write({ ...base, engines, seats: 9, llm: { kind: 'none' } });
    expect(watcher.check()).toEqual({ kind: 'needs-restart', fields: ['seats'] });
    expect(running.seats).toBe(5);
    await write({ ...base, engines: engines.map((e) => ({ ...e, mcpUrl: 'http://127.0.0.1:7/mcp' })) });
    expect(watcher.check()).toEqual({ kind: 'needs-restart', fields: ['engines'] });

    // Invalid: named, ignored, the running config stays.
    await writeFile(file, '{"tenant": ');
    expect(watcher.check()).toMatchObject({ kind: 'invalid' });
    await write({ ...base, engines: [{ ...engines[0], readOnly: 'yes' }] });
    const invalid = watcher.check();
    expect(invalid).toMatchObject({ kind: 'invalid' });
    expect((invalid as { message: string }).message).toMatch(/engines\.0\.readOnly/);
    expect(main.readOnly).toBe(true);
  });
});
