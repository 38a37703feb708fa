import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRouter } from './local-router.js';

const get = (port: number, host: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/readyz', headers: { host } }, (res) => {
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
    router = await startLocalRouter(port, (slug) =>
      slug === 'acme' ? cerebro : slug === 'paused' ? 'suspended' : undefined,
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

  it('answers 503 "suspended" for a suspended tenant, 502 for an unknown one', async () => {
    const paused = await get(port, `paused.localtest.me:${port}`);
    expect(paused.status).toBe(503);
    expect(paused.body).toMatch(/"paused" is suspended/);
    const unknown = await get(port, `nobody.localtest.me:${port}`);
    expect(unknown.status).toBe(502);
    expect(unknown.body).toMatch(/No workspace is running for "nobody"/);
  });
});
