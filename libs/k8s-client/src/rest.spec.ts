import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApiError, isTransient } from './errors.js';
import { json, startFakeApi, type FakeApi } from './fake-api.spec-helper.js';
import { KubeRest } from './rest.js';

let api: FakeApi;
let rest: KubeRest;
beforeAll(async () => {
  api = await startFakeApi();
  rest = new KubeRest(api.kubeConfig, { retries: 3 });
});
afterAll(() => api.close());

describe('KubeRest', () => {
  it('sends credentials and JSON, and parses the answer', async () => {
    api.route((req, res, body) => json(res, 200, { method: req.method, got: JSON.parse(body) }));
    const answer = await rest.request('POST', '/api/v1/namespaces', {
      body: { a: 1 },
      query: { dryRun: 'All', skip: undefined },
    });
    expect(answer).toEqual({ method: 'POST', got: { a: 1 } });
    const sent = api.requests.at(-1)!;
    expect(sent.url).toBe('/api/v1/namespaces?dryRun=All');
    expect(sent.headers.authorization).toBe('Bearer secret-token');
    expect(sent.headers['content-type']).toBe('application/json');
  });

  it('turns a Status answer into a KubeApiError', async () => {
    api.route((_req, res) => json(res, 422, { kind: 'Status', reason: 'Invalid', message: 'spec.x: bad' }));
    const error = await rest.request('GET', '/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error).toMatchObject({ statusCode: 422, reason: 'Invalid' });
    expect((error as Error).message).toContain('spec.x: bad');
    expect(isTransient(error)).toBe(false);
  });

  it('retries transient failures (500, 429 with Retry-After), not others', async () => {
    let n = 0;
    api.route((_req, res) =>
      ++n < 3
        ? json(res, n === 1 ? 500 : 429, { reason: 'x', message: 'busy' }, { 'Retry-After': '0' })
        : json(res, 200, { n }),
    );
    expect(await rest.request('GET', '/y')).toEqual({ n: 3 });
    n = 0;
    api.route((_req, res) => void (n++, json(res, 409, { reason: 'Conflict', message: 'modified' })));
    await expect(rest.request('PATCH', '/z', { body: {} })).rejects.toMatchObject({ statusCode: 409 });
    expect(n).toBe(1);
    n = 0;
    await expect(rest.request('PATCH', '/z', { body: {}, retryConflict: true })).rejects.toMatchObject({
      statusCode: 409,
    });
    expect(n).toBe(4);
    n = 0;
    api.route((_req, res) => void (n++, json(res, 503, { reason: 'ServiceUnavailable', message: 'down' })));
    await expect(rest.request('GET', '/w', { retry: false })).rejects.toMatchObject({ statusCode: 503 });
    expect(n).toBe(1);
  });

  it('streams watch events line by line, across chunk boundaries', async () => {
    api.route((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const lines = [
        JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a' } } }),
        JSON.stringify({ type: 'MODIFIED', object: { metadata: { name: 'a' } } }),
      ].join('\n');
      res.write(lines.slice(0, 20));
      setTimeout(() => res.end(`${lines.slice(20)}\n`), 20);
    });
    const events: string[] = [];
    await rest.watch('/api/v1/things', {}, (e) => events.push(e.type), new AbortController().signal);
    expect(events).toEqual(['ADDED', 'MODIFIED']);
    expect(api.requests.at(-1)!.url).toContain('watch=true');
  });

  it('cuts watch lines from the bytes: a character split across chunks, blank lines, skipped lines unparsed', async () => {
    const line = (name: string) => JSON.stringify({ type: 'ADDED', object: { metadata: { name } } });
    api.route((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const bytes = Buffer.from(`${line('é-one')}\n\n${line('skip-me')}\n${line('zwei-ü')}\n`);
      const cut = bytes.indexOf(Buffer.from('é')) + 1; // inside the two bytes of é
      res.write(bytes.subarray(0, cut));
      setTimeout(() => res.end(bytes.subarray(cut)), 20);
    });
    const names: string[] = [];
    const skipped: string[] = [];
    await rest.watch(
      '/api/v1/things',
      {},
      (e) => names.push((e.object as { metadata: { name: string } }).metadata.name),
      new AbortController().signal,
      (raw) => {
        const text = raw.toString('utf8');
        if (!text.includes('skip-me')) return false;
        skipped.push(text);
        return true;
      },
    );
    expect(names).toEqual(['é-one', 'zwei-ü']);
    expect(skipped).toEqual([line('skip-me')]);
  });
});
