import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ephemeralStart, isFree, pickPort } from './local-ports.js';

const servers: Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));

describe('local ports', () => {
  it('reads the start of the ephemeral range, 32768 when it cannot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cw-ports-'));
    await writeFile(join(dir, 'range'), '40000\t60999\n');
    expect(ephemeralStart(join(dir, 'range'))).toBe(40_000);
    expect(ephemeralStart(join(dir, 'missing'))).toBe(32_768);
    await rm(dir, { recursive: true });
  });

  it('picks a free port below the ephemeral range (no outgoing connection can take it), never a reserved one', async () => {
    const picked = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const port = await pickPort(picked);
      expect(port).toBeGreaterThanOrEqual(20_000);
      expect(port).toBeLessThan(ephemeralStart());
      expect(picked.has(port)).toBe(false);
      picked.add(port);
    }
    // With the random source pinned, a reserved or taken port is skipped for the next free one.
    const taken = await pickPort(new Set());
    const server = createServer();
    servers.push(server);
    await new Promise<void>((r) => server.listen(taken, '127.0.0.1', r));
    expect(await isFree(taken)).toBe(false);
    const span = ephemeralStart() - 20_000;
    let calls = 0;
    const pinned = () => (calls++ === 0 ? (taken - 20_000) / span : (taken + 1 - 20_000) / span);
    expect(await pickPort(new Set(), pinned)).not.toBe(taken);
  });
});
