/**
 * The guarded fetch against real sockets on 127.0.0.1: a server that is an allowed exception
 * redirects to loopback in every form, loops, sends too much, hangs; a stub DNS rebinds a name
 * between the pre-flight check and the connect.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOutboundUrl, createGuardedFetch, OutboundRefusedError } from '../src/index.js';

let server: Server;
let port = 0;
let secondPort = 0;
let second: Server;
const hits: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/redirect') {
      res.writeHead(Number(url.searchParams.get('status') ?? 302), {
        location: url.searchParams.get('to') ?? '/',
      });
      return res.end();
    }
    if (url.pathname === '/loop') {
      res.writeHead(302, { location: '/loop' });
      return res.end();
    }
    if (url.pathname === '/big') {
      const chunk = Buffer.alloc(64 * 1024, 97);
      if (url.searchParams.has('declared')) res.setHeader('content-length', String(chunk.length * 16));
      for (let i = 0; i < 16; i++) res.write(chunk);
      return res.end();
    }
    if (url.pathname === '/hang') return; // never answers
    if (url.pathname === '/echo') {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () =>
        res.end(JSON.stringify({ method: req.method, body, auth: req.headers.authorization ?? null })),
      );
      return;
    }
    res.end('ok');
  });
  second = createServer((req, res) => res.end(JSON.stringify({ auth: req.headers.authorization ?? null })));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => second.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  secondPort = (second.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  second.closeAllConnections();
  await new Promise((r) => server.close(r));
  await new Promise((r) => second.close(r));
});

const base = () => `http://127.0.0.1:${port}`;
const policy = () => ({ allowHosts: [`127.0.0.1:${port}`], timeoutMs: 2_000 });

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'none';
  } catch (error) {
    if (error instanceof OutboundRefusedError) return error.reason;
    throw error;
  }
}

describe('createGuardedFetch', () => {
  it('fetches an allowed exception and refuses loopback without one', async () => {
    const fetch = createGuardedFetch(policy());
    expect(await (await fetch(`${base()}/`)).text()).toBe('ok');
    expect(await reasonOf(createGuardedFetch()(`${base()}/`))).toBe('forbidden-address');
  });

  it('re-checks every redirect hop: loopback in every form is refused', async () => {
    const fetch = createGuardedFetch(policy());
    const targets = [
      `http://127.0.0.1:${secondPort}/`,
      `http://127.1:${secondPort}/`,
      `http://2130706433:${secondPort}/`,
      `http://0x7f000001:${secondPort}/`,
      `http://0177.0.0.1:${secondPort}/`,
      `http://[::ffff:127.0.0.1]:${secondPort}/`,
      `http://[::1]:${secondPort}/`,
      `http://localhost:${secondPort}/`,
      'http://169.254.169.254/latest/meta-data/',
      'http://metadata.google.internal/',
      'http://[fd00:ec2::254]/',
      'http://10.0.0.1/',
      'http://100.64.0.1/',
    ];
    for (const status of [301, 302, 303, 307, 308]) {
      for (const to of targets) {
        const url = `${base()}/redirect?status=${status}&to=${encodeURIComponent(to)}`;
        expect({ to, status, reason: await reasonOf(fetch(url)) }).toEqual({
          to,
          status,
          reason: 'forbidden-address',
        });
      }
    }
  });

  it('follows allowed redirects, drops credentials across origins, turns 303 POST into GET', async () => {
    const fetch = createGuardedFetch({
      ...policy(),
      allowHosts: [`127.0.0.1:${port}`, `127.0.0.1:${secondPort}`],
    });
    const cross = await fetch(
      `${base()}/redirect?to=${encodeURIComponent(`http://127.0.0.1:${secondPort}/`)}`,
      {
        headers: { authorization: 'Bearer secret' },
      },
    );
    expect(await cross.json()).toEqual({ auth: null });
    expect(cross.redirected).toBe(true);
    const same = await fetch(`${base()}/redirect?status=307&to=/echo`, {
      method: 'POST',
      body: 'hello',
      headers: { authorization: 'Bearer kept' },
    });
    expect(await same.json()).toEqual({ method: 'POST', body: 'hello', auth: 'Bearer kept' });
    const seeOther = await fetch(`${base()}/redirect?status=303&to=/echo`, { method: 'POST', body: 'x' });
    expect(await seeOther.json()).toMatchObject({ method: 'GET', body: '' });
  });

  it('stops redirect loops', async () => {
    expect(await reasonOf(createGuardedFetch({ ...policy(), maxRedirects: 3 })(`${base()}/loop`))).toBe(
      'too-many-redirects',
    );
  });

  it('caps the response size, declared or streamed', async () => {
    const fetch = createGuardedFetch({ ...policy(), maxResponseBytes: 100_000 });
    expect(await reasonOf(fetch(`${base()}/big?declared=1`))).toBe('too-large');
    const streamed = await fetch(`${base()}/big`);
    expect(await reasonOf(streamed.text())).toBe('too-large');
    expect(await (await createGuardedFetch(policy())(`${base()}/big`)).arrayBuffer()).toHaveProperty(
      'byteLength',
      1 << 20,
    );
  });

  it('times out, and a closed port is unreachable', async () => {
    expect(await reasonOf(createGuardedFetch({ ...policy(), timeoutMs: 300 })(`${base()}/hang`))).toBe(
      'timeout',
    );
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect(
      await reasonOf(
        createGuardedFetch({ allowHosts: [`127.0.0.1:${closedPort}`] })(`http://127.0.0.1:${closedPort}/`),
      ),
    ).toBe('unreachable');
  });

  it('checks the address it connects to: a name rebound to loopback after the pre-flight check is refused', async () => {
    let calls = 0;
    const resolve = async () => [{ address: calls++ === 0 ? '93.184.216.34' : '127.0.0.1', family: 4 }];
    const url = `http://rebind.example:${port}/`;
    await expect(checkOutboundUrl(url, { resolve })).resolves.toBeInstanceOf(URL);
    const before = hits.length;
    expect(await reasonOf(createGuardedFetch({ resolve, timeoutMs: 2_000 })(url))).toBe('forbidden-address');
    expect(calls).toBe(2);
    expect(hits.length).toBe(before); // nothing reached the loopback server
  });

  it('a "*.name:port" exception connects by name through the policy resolver (local workspaces)', async () => {
    const resolve = async (host: string) => {
      if (!host.endsWith('.localtest.me')) throw Object.assign(new Error(host), { code: 'ENOTFOUND' });
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const fetchLocal = createGuardedFetch({
      allowHosts: [`*.localtest.me:${port}`],
      resolve,
      timeoutMs: 2_000,
    });
    const res = await fetchLocal(`http://acme.localtest.me:${port}/plain`);
    expect(await res.text()).toBe('ok');
    await expect(fetchLocal(`http://acme.localtest.me:${secondPort}/`)).rejects.toMatchObject({
      reason: 'forbidden-address',
    });
  });
});
