import express from 'express';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserCookie, cookieName, expiredCookie, readCookie } from '../src/index.js';

describe('browser cookies', () => {
  let url = '';
  let close: () => void = () => {};
  beforeAll(async () => {
    const app = express();
    app.get('/set', (_req, res) => {
      res.cookie('a', 'x y;z', browserCookie({ secure: true, maxAgeMs: 90_500 }));
      res.cookie('b', 'v', browserCookie({ secure: false, path: '/admin' }));
      res.cookie('c', '', expiredCookie(false));
      res.end();
    });
    app.get('/read', (req, res) => {
      res.json({
        a: readCookie(req.headers.cookie, 'a') ?? null,
        bad: readCookie(req.headers.cookie, 'bad') ?? null,
      });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  afterAll(() => close());

  it('writes HttpOnly, SameSite=Lax cookies through res.cookie, with Max-Age in seconds and Max-Age=0 to delete', async () => {
    const lines = (await fetch(`${url}/set`)).headers.getSetCookie();
    const [a, b, c] = lines.map((l) => l.split('; '));
    expect(a![0]).toBe('a=x%20y%3Bz');
    expect(a).toEqual(expect.arrayContaining(['Max-Age=90', 'Path=/', 'HttpOnly', 'Secure', 'SameSite=Lax']));
    expect(b).toEqual(expect.arrayContaining(['b=v', 'Path=/admin', 'HttpOnly', 'SameSite=Lax']));
    expect(b!.some((p) => p.startsWith('Max-Age') || p === 'Secure')).toBe(false);
    expect(c).toEqual(expect.arrayContaining(['c=', 'Max-Age=0', 'HttpOnly']));
  });

  it('reads a cookie back decoded, and a malformed encoding as absent', async () => {
    const reply = await fetch(`${url}/read`, { headers: { cookie: 'z=1; a=x%20y%3Bz; bad=%E0%A4%A' } });
    expect(await reply.json()).toEqual({ a: 'x y;z', bad: null });
    expect(readCookie(undefined, 'a')).toBeUndefined();
    expect(readCookie('a', 'a')).toBeUndefined();
  });

  it('names cookies __Host- only over https', () => {
    expect(cookieName('cw_session', true)).toBe('__Host-cw_session');
    expect(cookieName('cw_session', false)).toBe('cw_session');
  });
});
