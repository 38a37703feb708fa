/** The status page's workspace probe: GET /healthz through the outbound guard, cached briefly. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuardedFetch } from '@cw/outbound';
import { HealthzWorkspaceProbe } from '../src/status/workspace-probe.js';

let server: Server;
let port = 0;
let healthy = true;
let hits = 0;
beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    res.statusCode = req.url === '/healthz' && healthy ? 200 : 503;
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('workspace probe', () => {
  it('answers yes only for a 2xx from /healthz, and keeps the answer 15 s', async () => {
    let now = 0;
    const probe = new HealthzWorkspaceProbe(
      createGuardedFetch({ allowHosts: [`127.0.0.1:${port}`] }),
      () => now,
    );
    const url = `http://127.0.0.1:${port}`;
    expect(await probe.answers(url)).toBe(true);
    healthy = false;
    expect(await probe.answers(url)).toBe(true); // cached
    expect(hits).toBe(1);
    now += 15_001;
    expect(await probe.answers(url)).toBe(false);
    expect(hits).toBe(2);
  });

  it('is "no" when the guard refuses the address (a private one not allowed)', async () => {
    const probe = new HealthzWorkspaceProbe(createGuardedFetch({}));
    healthy = true;
    const before = hits;
    expect(await probe.answers(`http://127.0.0.1:${port}`)).toBe(false);
    expect(hits).toBe(before);
  });
});
