import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Counter, Registry } from '@cw/observability';
import { startLocalRouter } from './local-router.js';

const get = (port: number, host: string, path = '/readyz') =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once('error', reject).end();
  });

describe('local router', () => {
  let upstream: Server;
  let router: Server;
  let port: number;

  beforeAll(async () => {
    upstream = createServer((req, res) => res.end(`cerebro for ${req.headers.host}`));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const cerebro = (upstream.address() as AddressInfo).port;
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const registry = new Registry();
    new Counter({ name: 'cw_probe_total', help: 'probe', registers: [registry] }).inc();
    router = await startLocalRouter(
      port,
      (slug) =>
        slug === 'acme' ? cerebro : slug === 'paused' ? 'suspended' : slug === 'left' ? 'gone' : undefined,
      registry,
    );
  });
  afterAll(() => {
    router.close();
    upstream.close();
  });

  it('routes a running tenant by host name, Host kept', async () => {
    expect(await get(port, `acme.localtest.me:${port}`)).toEqual({
      status: 200,
      body: `cerebro for acme.localtest.me:${port}`,
    });
  });

  it('answers 503 "suspended" for a suspended tenant, 502 for one not running yet', async () => {
    const paused = await get(port, `paused.localtest.me:${port}`);
    expect(paused.status).toBe(503);
    expect(paused.body).toMatch(/"paused" is suspended/);
    const unknown = await get(port, `nobody.localtest.me:${port}`);
    expect(unknown.status).toBe(502);
    expect(unknown.body).toMatch(/No workspace is running for "nobody"/);
  });

  it('answers 404 for a slug with no render (never provisioned, or offboarded)', async () => {
    const left = await get(port, `left.localtest.me:${port}`);
    expect(left.status).toBe(404);
    expect(left.body).toMatch(/No such workspace: "left"/);
  });

  it("serves the data plane's registry at /metrics on any other host, never for a workspace", async () => {
    const metrics = await get(port, `127.0.0.1:${port}`, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/^cw_probe_total 1$/m);
    expect((await get(port, `acme.localtest.me:${port}`, '/metrics')).body).toBe(
      `cerebro for acme.localtest.me:${port}`,
    );
  });
});
